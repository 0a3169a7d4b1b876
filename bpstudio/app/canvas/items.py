"""The canvas's graphics items: neurons, the edges of a layer pair, layer headers with their
buttons, the marker of a collapsed layer and the drop indicator.

Items only draw and report gestures to their scene, through :class:`LayerGestures`; the
scene (:mod:`bpstudio.app.canvas.scene`) decides what a gesture means. Gestures that
rebuild the scene (a header's + button, expanding a layer) run from a zero-delay timer,
never inside the event handler of an item the rebuild deletes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Protocol, runtime_checkable

import numpy as np
from PySide6.QtCore import QLineF, QPoint, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneHoverEvent,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from bpstudio.app.canvas.layout import (
    COLUMN_SPACING,
    HEADER_MIN_WIDTH,
    HEADER_NARROW_WIDTH,
    HEADER_WIDTH,
    MARKER_HEIGHT,
    MARKER_WIDTH,
    NEURON_RADIUS,
    LayerLayout,
)
from bpstudio.app.theme import Theme, blend, theme, with_alpha

R = NEURON_RADIUS
DRAG_THRESHOLD = 6.0  # scene units a header moves before it counts as a drag
EDGE_LEVELS = 8  # |w| is drawn with this many widths and strengths, one QPen each
MAX_DRAWN_LINES = 3000  # per layer pair; past it only the strongest weights are drawn


#: How much larger the canvas draws its numbers and labels than their nominal size: 1, or
#: presenter mode's scale (:func:`set_text_scale`). The one place the canvas reads it.
_text_scale = 1.0


def set_text_scale(scale: float) -> None:
    """Draw the canvas's numbers and labels ``scale`` times their nominal size from now on
    (presenter mode); the scene's items are then repainted by the caller."""
    global _text_scale
    _text_scale = max(float(scale), 0.1)


def text_scale() -> float:
    """The factor :func:`set_text_scale` set (1 outside presenter mode)."""
    return _text_scale


def ui_font(pixel_size: int, weight: QFont.Weight = QFont.Weight.Normal) -> QFont:
    """The application font at a pixel size (scene units) times :func:`text_scale`."""
    return _ui_font(max(1, round(pixel_size * _text_scale)), weight)


@cache
def _ui_font(pixel_size: int, weight: QFont.Weight) -> QFont:
    font = QFont(QGuiApplication.font())
    font.setPixelSize(pixel_size)
    font.setWeight(weight)
    return font


#: The smallest text the canvas draws, in points on screen: smaller labels give way (hide,
#: or are replaced by a shorter summary) instead of shrinking.
MIN_TEXT_POINTS = 8.0


def points_to_pixels(points: float) -> float:
    """Logical pixels of a ``points`` font on the primary screen."""
    screen = QGuiApplication.primaryScreen()
    dpi = screen.logicalDotsPerInchY() if screen is not None else 96.0
    return points * dpi / 72.0


def font_pixels(font: QFont) -> float:
    """A font's size in logical pixels, whether it was set in pixels or in points."""
    return float(font.pixelSize()) if font.pixelSize() > 0 else points_to_pixels(font.pointSizeF())


def readable(font: QFont, zoom: float) -> bool:
    """Whether text in ``font`` (scene units) is at least :data:`MIN_TEXT_POINTS` on screen
    at ``zoom``."""
    return font_pixels(font) * zoom >= points_to_pixels(MIN_TEXT_POINTS) - 1e-6


def label_font(scale: float = 1.0, weight: QFont.Weight = QFont.Weight.Normal) -> QFont:
    """The application font times ``scale`` (never under :data:`MIN_TEXT_POINTS`), for text
    drawn at its own size on screen; it follows the app font (presenter mode enlarges it)."""
    font = QFont(QGuiApplication.font())
    size = font.pointSizeF() if font.pointSizeF() > 0 else font.pixelSize() * 0.75
    font.setPointSizeF(max(MIN_TEXT_POINTS, size * scale))
    font.setWeight(weight)
    return font


def font_scale() -> float:
    """The application font's size relative to the default 9 pt (presenter mode: larger)."""
    return font_pixels(QGuiApplication.font()) / points_to_pixels(9.0)


#: A text an item draws: (the text, its font, whether it keeps its size at every zoom).
DrawnText = tuple[str, QFont, bool]


def _draft(item: QGraphicsItem) -> bool:
    """The scene draws in draft quality (no antialiasing, no shadows) while training runs:
    the colours change several times a second, and a frame must stay short."""
    return bool(getattr(item.scene(), "draft", False))


def _lod(painter: QPainter, option: QStyleOptionGraphicsItem) -> float:
    return option.levelOfDetailFromTransform(painter.worldTransform())


@runtime_checkable
class LayerGestures(Protocol):
    """What a layer's header and marker ask of the scene they are in."""

    def select_header(self, layer: int | None) -> None: ...

    def show_move_indicator(self, layer: int, x: float) -> int: ...

    def hide_drop_indicator(self) -> None: ...

    def finish_layer_move(self, layer: int, x: float) -> bool: ...

    def toggle_expanded(self, layer: int) -> None: ...


def _gestures(item: QGraphicsItem) -> LayerGestures | None:
    """The scene of ``item`` if it takes layer gestures (a plain scene, in tests, does not)."""
    scene = item.scene()
    return scene if isinstance(scene, LayerGestures) else None


def _later(item: QGraphicsItem, action: Callable[[], object]) -> None:
    """Run ``action`` once control is back in the event loop (it may delete ``item``)."""
    scene = item.scene()
    if scene is not None:
        QTimer.singleShot(0, scene, action)


# -- neurons -----------------------------------------------------------------------------------


class HoverItem(QGraphicsItem):
    """An item that redraws itself highlighted while the mouse is over it."""

    def __init__(self, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self._hovered = False
        self.setAcceptHoverEvents(True)

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:  # noqa: N802
        self._hovered = True
        self.update()
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:  # noqa: N802
        self._hovered = False
        self.update()
        super().hoverLeaveEvent(event)


class NeuronItem(HoverItem):
    """Neuron ``j`` of layer ``layer``: a circle filled by its activation a_j^(l), ringed by
    ∂C/∂a_j^(l), with a small badge for its bias b_j^(l)."""

    def __init__(self, layer: int, j: int) -> None:
        super().__init__()
        self.layer = layer
        self.j = j
        self.fill: QColor | None = None
        self.text = ""
        self.ring: QColor | None = None
        self.ring_width = 0.0
        self.bias: QColor | None = None
        self.marked = False  # selected
        self.related = False  # an end of the selected weight
        #: What the neuron computes over the input plane (View ▸ Neuron Heat Maps), or None.
        self.picture: QImage | None = None
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setZValue(3)

    def set_picture(self, picture: QImage | None) -> None:
        """Draw ``picture`` (y upwards) inside the circle instead of the fill; None: the fill."""
        if picture is not self.picture:
            self.picture = picture
            self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        r = R + 12
        return QRectF(-r, -r, 2 * r, 2 * r)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(QPointF(0, 0), R + 3, R + 3)
        return path

    def set_values(
        self,
        fill: QColor | None,
        text: str,
        ring: QColor | None,
        ring_width: float,
        bias: QColor | None,
    ) -> None:
        """New colours (cheap: repaints only when something changed)."""
        state = (fill, text, ring, ring_width, bias)
        if state == (self.fill, self.text, self.ring, self.ring_width, self.bias):
            return
        self.fill, self.text, self.ring, self.ring_width, self.bias = state
        self.update()

    def set_marks(self, marked: bool, related: bool = False) -> None:
        if (marked, related) != (self.marked, self.related):
            self.marked, self.related = marked, related
            self.update()

    def drawn_texts(self, zoom: float) -> list[DrawnText]:
        """The texts :meth:`paint` draws at ``zoom``: the activation, where it is readable."""
        font = ui_font(10, QFont.Weight.Medium)
        shown = self.text and self.picture is None and readable(font, zoom)
        return [(self.text, font, False)] if shown else []

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, _widget: QWidget | None = None
    ) -> None:
        colors = theme()
        lod = _lod(painter, option)
        draft = _draft(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, not draft)
        centre = QPointF(0, 0)
        painter.setPen(Qt.PenStyle.NoPen)
        if self.marked:
            painter.setBrush(colors.accent_soft)
            painter.drawEllipse(centre, R + 11, R + 11)
        elif lod > 0.35 and not draft:
            painter.setBrush(colors.shadow)
            painter.drawEllipse(QPointF(0, 1.5), R + 0.8, R + 0.8)
        if self.ring is not None and self.ring_width > 0:
            pen = QPen(self.ring, self.ring_width)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            radius = R + 1.5 + self.ring_width / 2
            painter.drawEllipse(centre, radius, radius)
        if self.marked:
            outline = QPen(colors.accent, 2.4)
        elif self.related or self._hovered:
            outline = QPen(colors.outline_hover, 1.8)
        else:
            outline = QPen(colors.outline, 1.2)
        painter.setPen(outline)
        fill = self.fill if self.fill is not None else colors.values.zero
        painter.setBrush(fill)
        painter.drawEllipse(centre, R, R)
        if self.picture is not None:
            clip = QPainterPath()
            clip.addEllipse(centre, R - 0.6, R - 0.6)
            painter.save()
            painter.setClipPath(clip)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, not draft)
            painter.drawImage(QRectF(-R, -R, 2 * R, 2 * R), self.picture)
            painter.restore()
        elif self.text and readable(ui_font(10, QFont.Weight.Medium), lod):
            painter.setPen(colors.readable_on(fill))
            painter.setFont(ui_font(10, QFont.Weight.Medium))
            painter.drawText(QRectF(-R, -R, 2 * R, 2 * R), Qt.AlignmentFlag.AlignCenter, self.text)
        if self.bias is not None and lod > 0.3:
            # The bias: a small badge on the rim, coloured like a value.
            painter.setPen(QPen(colors.card, 1.5))
            painter.setBrush(self.bias)
            painter.drawEllipse(QPointF(-0.7071 * R, 0.7071 * R), 4.6, 4.6)


# -- edges -------------------------------------------------------------------------------------


@cache
def _edge_pen(
    colors: Theme, gradient: bool, positive: bool, level: int, faded: bool = False
) -> QPen:
    """The pen for one strength level (1..EDGE_LEVELS) of a sign.

    Colours are opaque, pre-blended with the background (translucent wide lines are several
    times slower to rasterise); lines are drawn weak to strong so strong ones stay on top.
    A faded pen is for the lines that are not part of the selection.
    """
    t = level / EDGE_LEVELS
    strength = (0.18 + 0.82 * t) * (0.22 if faded else 1.0)
    scale = colors.gradients if gradient else colors.values
    color = blend(scale.sign(1.0 if positive else -1.0), strength, colors.background)
    pen = QPen(color, 0.6 + 3.8 * t)
    # Flat caps: the raster engine strokes wide round-capped lines ten times slower.
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    return pen


@cache
def _neutral_pen(colors: Theme, faded: bool = False) -> QPen:
    return QPen(blend(colors.outline, 0.12 if faded else 0.45, colors.background), 0.8)


@cache
def _aggregate_pen(colors: Theme, faded: bool = False) -> QPen:
    return QPen(blend(colors.outline, 0.15 if faded else 0.3, colors.background), 0.9)


def _pen_for(key: int, gradient: bool, faded: bool = False) -> QPen:
    colors = theme()
    if key == 0:
        return _neutral_pen(colors, faded)
    return _edge_pen(colors, gradient, bool(key % 2), key // 2, faded)


class EdgeBundleItem(QGraphicsItem):
    """Every weight w_jk^(l) between layers l-1 and l, painted by this one item.

    The lines are bucketed by sign and strength, so painting is one ``drawLines`` per pen,
    and the result is cached in device coordinates. Weights into or out of neurons hidden
    in a collapsed layer are not drawn one by one: light lines to the layer's marker stand
    for them. When two expanded wide layers meet, only the :data:`MAX_DRAWN_LINES`
    strongest weights are drawn (a note says so). :meth:`weight_at` hit-tests the drawn
    lines.
    """

    def __init__(self, layer: int) -> None:
        super().__init__()
        self.layer = layer
        self.hit_tolerance = 6.0
        self.setZValue(0)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        # For option.exposedRect: zoomed in, only the visible part of each line is drawn.
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self._rect = QRectF()
        self._n = 0
        self._lines: list[QLineF] | None = []
        self._aggregate: list[QLineF] = []
        self._j = np.zeros(0, dtype=int)
        self._k = np.zeros(0, dtype=int)
        self._x0 = self._x1 = 0.0
        self._y0 = np.zeros(0)
        self._y1 = np.zeros(0)
        self._keys = np.zeros(0, dtype=int)  # per line: level * 2 + positive (0: no value)
        self._drawn: np.ndarray | None = None  # mask of the lines drawn (None: all)
        self._gradient = False
        self._focus_mask: np.ndarray | None = None  # lines at full strength; others fade
        self._focus_line: int | None = None  # the selected weight's line
        self._dim = False
        # Draw calls: (pen, line indices, lines); the aggregate call has no indices.
        self._ops: list[tuple[QPen, np.ndarray | None, list[QLineF]]] = []
        self._note = ""

    # -- geometry ------------------------------------------------------------------------------

    def set_geometry(self, prev: LayerLayout, cur: LayerLayout) -> None:
        """Lines from every drawn neuron of ``prev`` to every drawn neuron of ``cur``."""
        self.prepareGeometryChange()
        ks, yk = np.array(prev.indices), np.array(prev.ys)
        js, yj = np.array(cur.indices), np.array(cur.ys)
        self._j = np.repeat(js, len(ks))
        self._k = np.tile(ks, len(js))
        self._y1 = np.repeat(yj, len(ks))
        self._y0 = np.tile(yk, len(js))
        self._x0, self._x1 = prev.x + R, cur.x - R
        x0, x1 = self._x0, self._x1
        self._n = len(self._j)
        # QLineF objects are made once for ordinary pairs, on demand for huge ones.
        self._lines = self._make_lines(np.arange(self._n)) if self._n <= MAX_DRAWN_LINES else None
        self._aggregate = []
        if prev.marker_y is not None:
            self._aggregate += [QLineF(prev.x, prev.marker_y, x1, y) for y in cur.ys]
        if cur.marker_y is not None:
            self._aggregate += [QLineF(x0, y, cur.x, cur.marker_y) for y in prev.ys]
        if prev.marker_y is not None and cur.marker_y is not None:
            self._aggregate.append(QLineF(prev.x, prev.marker_y, cur.x, cur.marker_y))
        top = min(prev.top, cur.top)
        bottom = max(prev.bottom, cur.bottom)
        self._rect = QRectF(prev.x, top, cur.x - prev.x, bottom - top).adjusted(-4, -4, 4, 28)
        self._keys = np.zeros(self._n, dtype=int)
        self._drawn = self._even_subset()
        self._focus_mask = None
        self._focus_line = None
        self._rebuild_ops()

    def _make_lines(self, idx: np.ndarray) -> list[QLineF]:
        x0, x1 = self._x0, self._x1
        y0, y1 = self._y0[idx].tolist(), self._y1[idx].tolist()
        return [QLineF(x0, a, x1, b) for a, b in zip(y0, y1, strict=True)]

    def _lines_at(self, idx: np.ndarray) -> list[QLineF]:
        if self._lines is not None:
            return [self._lines[i] for i in idx.tolist()]
        return self._make_lines(idx)

    def _even_subset(self) -> np.ndarray | None:
        n = self._n
        if n <= MAX_DRAWN_LINES:
            return None
        mask = np.zeros(n, dtype=bool)
        mask[np.linspace(0, n - 1, MAX_DRAWN_LINES).astype(int)] = True
        return mask

    @property
    def line_count(self) -> int:
        """Number of weights with a line of their own (drawn, or left out past the cap)."""
        return self._n

    @property
    def focus_mask(self) -> np.ndarray | None:
        """The lines drawn at full strength while others fade (a selected neuron's)."""
        return self._focus_mask

    @property
    def focus_line(self) -> int | None:
        """The selected weight's line, drawn with a halo."""
        return self._focus_line

    @property
    def shows_gradient(self) -> bool:
        """Whether the lines are coloured by ∂C/∂w (else by w)."""
        return self._gradient

    @property
    def drawn_count(self) -> int:
        return self._n if self._drawn is None else int(self._drawn.sum())

    def line_index(self, j: int, k: int) -> int | None:
        hits = np.flatnonzero((self._j == j) & (self._k == k))
        return int(hits[0]) if hits.size else None

    def line(self, j: int, k: int) -> QLineF | None:
        """The line of w_jk (None when one of its ends is hidden)."""
        i = self.line_index(j, k)
        return None if i is None else self._make_lines(np.array([i]))[0]

    def line_color(self, j: int, k: int) -> QColor | None:
        """The colour w_jk's line is drawn in (unfaded; None when it has no line)."""
        i = self.line_index(j, k)
        return None if i is None else _pen_for(int(self._keys[i]), self._gradient).color()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self._rect

    # -- values --------------------------------------------------------------------------------

    def set_values(self, values: np.ndarray | None, scale: float, gradient: bool) -> None:
        """Colour the lines by ``values`` (the full (n_l, n_{l-1}) matrix, W or ∂C/∂W):
        sign by hue, |value| / ``scale`` by width and strength. None draws neutral lines."""
        n = self._n
        drawn = self._drawn
        if values is None or scale <= 0 or not n:
            keys = np.zeros(n, dtype=int)
            if n > MAX_DRAWN_LINES and (drawn is None or self._keys.any()):
                drawn = self._even_subset()
        else:
            v = values[self._j, self._k]
            magnitude = np.nan_to_num(np.abs(v), nan=0.0, posinf=scale)
            levels = np.clip(np.ceil(magnitude / scale * EDGE_LEVELS), 1, EDGE_LEVELS)
            keys = levels.astype(int) * 2 + (v >= 0)
            if n > MAX_DRAWN_LINES:
                drawn = np.zeros(n, dtype=bool)
                drawn[np.argpartition(-magnitude, MAX_DRAWN_LINES)[:MAX_DRAWN_LINES]] = True
        unchanged = np.array_equal(keys, self._keys) and (
            drawn is self._drawn
            or (
                drawn is not None and self._drawn is not None and np.array_equal(drawn, self._drawn)
            )
        )
        if unchanged and (self._ops or not n) and gradient == self._gradient:
            return
        self._gradient = gradient
        self._keys = keys
        self._drawn = drawn
        self._rebuild_ops()

    def set_focus(self, mask: np.ndarray | None, line: int | None, dim: bool) -> None:
        """Highlight the lines in ``mask`` (a selected neuron's) or the selected weight's
        ``line``; with ``dim`` every other line fades."""
        self._focus_mask, self._focus_line, self._dim = mask, line, dim
        self._rebuild_ops()

    def focus_mask_for(self, layer: int, j: int) -> np.ndarray | None:
        """The lines that touch neuron ``j`` of ``layer`` (None when it has none here)."""
        if layer == self.layer:
            return self._j == j
        if layer == self.layer - 1:
            return self._k == j
        return None

    def _rebuild_ops(self) -> None:
        """Group the drawn lines into (pen, lines) draw calls: faded first, then weak to
        strong."""
        n = self._n
        focus = self._focus_mask
        has_focus = focus is not None and bool(focus.any())
        fade = self._dim or has_focus or self._focus_line is not None
        drawn = self._drawn if self._drawn is not None else np.ones(n, dtype=bool)
        ops: list[tuple[QPen, np.ndarray | None, list[QLineF]]] = []
        if self._aggregate:
            ops.append((_aggregate_pen(theme(), fade), None, self._aggregate))
        keys = self._keys
        passes: list[tuple[bool, np.ndarray]] = (
            [(True, drawn & ~focus), (False, drawn & focus)]
            if has_focus and focus is not None
            else [(fade, drawn)]
        )
        for faded, subset in passes:
            for key in np.unique(keys[subset]):
                idx = np.flatnonzero(subset & (keys == key))
                pen = _pen_for(int(key), self._gradient, faded)
                ops.append((pen, idx, self._lines_at(idx)))
        self._ops = ops
        shown = int(drawn.sum())
        self._note = f"{shown:,} strongest of {n:,} weights drawn" if shown < n else ""
        self.update()

    # -- hit testing ---------------------------------------------------------------------------

    def weight_at(self, pos: QPointF, tolerance: float | None = None) -> tuple[int, int] | None:
        """(j, k) of the drawn line nearest to ``pos`` within ``tolerance``, else None."""
        tol = self.hit_tolerance if tolerance is None else tolerance
        x, y = pos.x(), pos.y()
        if not self._n or not (self._x0 - tol <= x <= self._x1 + tol):
            return None
        dx = self._x1 - self._x0
        dy = self._y1 - self._y0
        t = np.clip(((x - self._x0) * dx + (y - self._y0) * dy) / (dx * dx + dy * dy), 0, 1)
        dist2 = (self._x0 + t * dx - x) ** 2 + (self._y0 + t * dy - y) ** 2
        if self._drawn is not None:
            hidden = ~self._drawn
            if self._focus_line is not None:
                hidden[self._focus_line] = False
            dist2[hidden] = np.inf
        i = int(np.argmin(dist2))
        if dist2[i] > tol * tol:
            return None
        return int(self._j[i]), int(self._k[i])

    def drawn_texts(self, zoom: float) -> list[DrawnText]:
        """The note :meth:`paint` draws at ``zoom`` ("3,000 strongest of … drawn")."""
        font = ui_font(11)
        return [(self._note, font, False)] if self._note and readable(font, zoom) else []

    @staticmethod
    def _visible_rect(painter: QPainter, option: QStyleOptionGraphicsItem) -> QRectF:
        """The part of the item that lands on the paint device (the cache pixmap holds only
        the part of a big item that is in the viewport, but exposedRect is all of it)."""
        device = painter.device()
        inverse, invertible = painter.worldTransform().inverted()
        if device is None or not invertible:
            return option.exposedRect
        on_device = inverse.mapRect(QRectF(0, 0, device.width(), device.height()))
        return on_device.intersected(option.exposedRect)

    def _clipped_lines(self, idx: np.ndarray, rect: QRectF) -> list[QLineF]:
        """The parts of lines ``idx`` inside ``rect`` (Liang-Barsky; x0, x1 are shared)."""
        x0, dx = self._x0, self._x1 - self._x0
        y0 = self._y0[idx]
        dy = self._y1[idx] - y0
        lo = np.full(len(idx), max(0.0, (rect.left() - x0) / dx))
        hi = np.full(len(idx), min(1.0, (rect.right() - x0) / dx))
        with np.errstate(divide="ignore", invalid="ignore"):
            ta = (rect.top() - y0) / dy
            tb = (rect.bottom() - y0) / dy
        flat = dy == 0
        inside_flat = (rect.top() <= y0) & (y0 <= rect.bottom())
        lo = np.where(flat, np.where(inside_flat, lo, 2.0), np.maximum(lo, np.minimum(ta, tb)))
        hi = np.where(flat, hi, np.minimum(hi, np.maximum(ta, tb)))
        keep = np.flatnonzero(lo < hi)
        lo, hi, y0, dy = lo[keep].tolist(), hi[keep].tolist(), y0[keep].tolist(), dy[keep].tolist()
        return [
            QLineF(x0 + a * dx, y + a * d, x0 + b * dx, y + b * d)
            for a, b, y, d in zip(lo, hi, y0, dy, strict=True)
        ]

    def contains(self, point: QPointF | QPoint | QPainterPath.Element, /) -> bool:  # noqa: N802
        return (
            self.weight_at(
                QPointF(point.x, point.y)
                if isinstance(point, QPainterPath.Element)
                else QPointF(point)
            )
            is not None
        )

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(self._rect)
        return path

    # -- painting ------------------------------------------------------------------------------

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, _widget: QWidget | None = None
    ) -> None:
        colors = theme()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, not _draft(self))
        exposed = self._visible_rect(painter, option).adjusted(-8, -8, 8, 8)
        clip = not exposed.isEmpty() and not exposed.contains(self._rect)
        for pen, idx, lines in self._ops:
            painter.setPen(pen)
            if clip and idx is not None:
                # Zoomed in: stroking whole lines that run far outside the view is slow.
                lines = self._clipped_lines(idx, exposed)
            painter.drawLines(lines)
        i = self._focus_line
        if i is not None and 0 <= i < self._n:
            line = self._make_lines(np.array([i]))[0]
            pen = QPen(_pen_for(int(self._keys[i]), self._gradient))
            width = max(pen.widthF(), 2.6)
            halo = QPen(with_alpha(colors.accent, 110), width + 5)
            halo.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(halo)
            painter.drawLine(line)
            pen.setWidthF(width)
            painter.setPen(pen)
            painter.drawLine(line)
        if self._note and readable(ui_font(11), _lod(painter, option)):
            painter.setFont(ui_font(11))
            painter.setPen(colors.text_muted)
            rect = QRectF(self._rect.left(), self._rect.bottom() - 22, self._rect.width(), 18)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self._note)


# -- layer headers -----------------------------------------------------------------------------


class HeaderButton(HoverItem):
    """A small round-cornered button in a layer header: + / − / expand / collapse."""

    SIZE = 20.0

    def __init__(
        self, glyph: str, action: Callable[[], object], tooltip: str, parent: QGraphicsItem
    ) -> None:
        super().__init__(parent)
        self.glyph = glyph
        self.action = action
        self.row = 1
        self._pressed = False
        self.setToolTip(tooltip)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        s = self.SIZE
        return QRectF(-s / 2, -s / 2, s, s).adjusted(-1, -1, 1, 1)

    def trigger(self) -> None:
        """Do what a click does, now."""
        self.action()

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._pressed = True
            event.accept()
        else:
            event.ignore()

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        inside = self.boundingRect().contains(event.pos())
        if self._pressed and inside:
            _later(self, self.action)
        self._pressed = False
        event.accept()

    def paint(
        self, painter: QPainter, _option: QStyleOptionGraphicsItem, _widget: QWidget | None = None
    ) -> None:
        colors = theme()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        s = self.SIZE
        rect = QRectF(-s / 2, -s / 2, s, s)
        if self._hovered:
            painter.setPen(QPen(colors.accent, 1.2))
            painter.setBrush(colors.accent_soft)
        else:
            painter.setPen(QPen(colors.card_border, 1.0))
            painter.setBrush(colors.card_hover)
        painter.drawRoundedRect(rect, 6, 6)
        pen = QPen(colors.accent if self._hovered else colors.text, 1.6)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        a = 4.5
        if self.glyph in ("plus", "minus"):
            painter.drawLine(QPointF(-a, 0), QPointF(a, 0))
            if self.glyph == "plus":
                painter.drawLine(QPointF(0, -a), QPointF(0, a))
        else:
            # expand: chevrons pointing apart; collapse: chevrons pointing together.
            out = self.glyph == "expand"
            for sign in (-1, 1):
                tip = sign * (a + 0.5) if out else sign * 1.2
                base = sign * 1.2 if out else sign * (a + 0.5)
                path = QPainterPath(QPointF(-3.5, base))
                path.lineTo(QPointF(0, tip))
                path.lineTo(QPointF(3.5, base))
                painter.drawPath(path)


class LayerHeaderItem(HoverItem):
    """The card above a column: "Layer l · activation", the size, and its buttons.

    The card is drawn in screen pixels (it ignores the zoom), so its text stays readable and
    its buttons stay clickable at every zoom; the scene gives it the width one column has on
    screen (:meth:`set_width`). Where the full title or size does not fit, a shorter form
    does ("L1 · tanh", "784"); a narrow card puts its buttons on a row of their own.
    A hidden layer's header can be dragged sideways to move the layer.
    """

    def __init__(
        self,
        layer: int,
        kind: str,
        title: str,
        subtitle: str,
        draggable: bool,
        short_titles: tuple[str, ...] = (),
        short_subtitles: tuple[str, ...] = (),
    ) -> None:
        super().__init__()
        self.layer = layer
        self.kind = kind
        self.title = title
        self.subtitle = subtitle
        self.titles = (title, *short_titles)
        self.subtitles = (subtitle, *short_subtitles)
        self.draggable = draggable
        self.marked = False
        self.width = HEADER_WIDTH * font_scale()
        self._press: QPointF | None = None
        self._origin = QPointF()
        self._dragging = False
        self.buttons: dict[str, HeaderButton] = {}
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setZValue(4)
        if draggable:
            self.setCursor(Qt.CursorShape.OpenHandCursor)

    # -- geometry (screen pixels) --------------------------------------------------------------

    @staticmethod
    def width_for(zoom: float) -> float:
        """The card's width at ``zoom``: the column's share of the screen, within limits."""
        scale = font_scale()
        room = COLUMN_SPACING * zoom - 14
        return min(HEADER_WIDTH * scale, max(HEADER_MIN_WIDTH * scale, room))

    def set_width(self, width: float) -> None:
        if abs(width - self.width) > 0.25:
            self.prepareGeometryChange()
            self.width = width
            self._arrange()

    @property
    def narrow(self) -> bool:
        return self.width < HEADER_NARROW_WIDTH * font_scale()

    @staticmethod
    def height_for(width: float) -> float:
        """The card's height at ``width`` (a narrow card has a row for its buttons)."""
        title = QFontMetricsF(LayerHeaderItem.title_font()).height() + 4
        subtitle = QFontMetricsF(LayerHeaderItem.subtitle_font()).height() + 3
        narrow = width < HEADER_NARROW_WIDTH * font_scale()
        return 14 + title + subtitle + (HeaderButton.SIZE + 6 if narrow else 0.0)

    @staticmethod
    def title_font() -> QFont:
        return label_font(1.0, QFont.Weight.DemiBold)

    @staticmethod
    def subtitle_font() -> QFont:
        return label_font(0.92)

    def _rows(self) -> tuple[float, float, float]:
        """Heights of the title row, the size row and the button row (0 unless narrow)."""
        title = QFontMetricsF(self.title_font()).height() + 4
        subtitle = QFontMetricsF(self.subtitle_font()).height() + 3
        return title, subtitle, (HeaderButton.SIZE + 6 if self.narrow else 0.0)

    def height(self) -> float:
        return self.height_for(self.width)

    def card_rect(self) -> QRectF:
        """The card, in the item's (screen pixel) coordinates; its bottom centre is at pos()."""
        h = self.height()
        return QRectF(-self.width / 2, -h, self.width, h)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self.card_rect().adjusted(-2, -2, 2, 4)

    def add_button(
        self, name: str, glyph: str, action: Callable[[], object], tooltip: str, row: int = 1
    ) -> None:
        """Buttons line up from the right edge of the title row (0) or size row (1); on a
        narrow card all of them share a row under the text."""
        button = HeaderButton(glyph, action, tooltip, self)
        button.row = row
        self.buttons[name] = button
        self._arrange()

    def _arrange(self) -> None:
        rect = self.card_rect()
        step = HeaderButton.SIZE + 5
        title_h, subtitle_h, buttons_h = self._rows()
        if self.narrow:
            # Left to right as on a wide card: the size row's (− +), then the title row's.
            last_first = list(self.buttons.values())[::-1]
            ordered = [b for row in (1, 0) for b in last_first if b.row == row]
            x0 = -(len(ordered) - 1) * step / 2
            y = rect.bottom() - 7 - buttons_h / 2
            for i, button in enumerate(ordered):
                button.setPos(x0 + i * step, y)
            return
        centres = (rect.top() + 7 + title_h / 2, rect.top() + 7 + title_h + subtitle_h / 2)
        for row in (0, 1):
            in_row = [b for b in self.buttons.values() if b.row == row]
            for slot, button in enumerate(in_row):
                x = rect.right() - 10 - HeaderButton.SIZE / 2 - slot * step
                button.setPos(x, centres[row])

    def _row_width(self, row: int) -> float:
        """Room the buttons of ``row`` take from the right edge."""
        if self.narrow:
            return 8.0
        count = sum(1 for b in self.buttons.values() if b.row == row)
        return 8 + count * (HeaderButton.SIZE + 5)

    def _text_rects(self) -> tuple[QRectF, QRectF]:
        rect = self.card_rect()
        title_h, subtitle_h, _ = self._rows()
        left = rect.left() + 24
        title = QRectF(left, rect.top() + 7, rect.right() - self._row_width(0) - left, title_h)
        subtitle = QRectF(
            left, title.bottom(), rect.right() - self._row_width(1) - left, subtitle_h
        )
        return title, subtitle

    @staticmethod
    def _fitting(candidates: tuple[str, ...], font: QFont, width: float) -> str:
        """The first candidate that fits ``width``; else the shortest, elided."""
        metrics = QFontMetricsF(font)
        for text in candidates:
            if metrics.horizontalAdvance(text) <= width:
                return text
        return metrics.elidedText(candidates[-1], Qt.TextElideMode.ElideRight, width)

    def shown_title(self) -> str:
        return self._fitting(self.titles, self.title_font(), self._text_rects()[0].width())

    def shown_subtitle(self) -> str:
        return self._fitting(self.subtitles, self.subtitle_font(), self._text_rects()[1].width())

    def drawn_texts(self, _zoom: float) -> list[DrawnText]:
        """The title and the size as drawn (they keep their size at every zoom)."""
        return [
            (self.shown_title(), self.title_font(), True),
            (self.shown_subtitle(), self.subtitle_font(), True),
        ]

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(self.card_rect(), 10, 10)
        return path

    def set_marked(self, marked: bool) -> None:
        if marked != self.marked:
            self.marked = marked
            self.update()

    @property
    def dragging(self) -> bool:
        return self._dragging

    # -- gestures ------------------------------------------------------------------------------

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        scene = _gestures(self)
        if scene is not None:
            scene.select_header(self.layer)
        self._press = event.scenePos()
        self._origin = self.pos()
        self._dragging = False
        if self.draggable:
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        event.accept()

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self._press is None or not self.draggable:
            return
        dx = event.scenePos().x() - self._press.x()
        if not self._dragging and abs(dx) < DRAG_THRESHOLD:
            return
        self._dragging = True
        self.setPos(self._origin.x() + dx, self._origin.y())
        scene = _gestures(self)
        if scene is not None:
            scene.show_move_indicator(self.layer, event.scenePos().x())

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self.draggable:
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        if self._dragging:
            self.setPos(self._origin)
            scene = _gestures(self)
            if scene is not None:
                scene.hide_drop_indicator()
                layer, x = self.layer, event.scenePos().x()
                _later(self, lambda: scene.finish_layer_move(layer, x))
        self._press = None
        self._dragging = False
        event.accept()

    # -- painting ------------------------------------------------------------------------------

    def paint(
        self, painter: QPainter, _option: QStyleOptionGraphicsItem, _widget: QWidget | None = None
    ) -> None:
        colors = theme()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self.card_rect()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colors.shadow)
        painter.drawRoundedRect(rect.translated(0, 2), 10, 10)
        if self.marked:
            border = QPen(colors.accent, 1.8)
        elif self._hovered or self._dragging:
            border = QPen(colors.card_border_strong, 1.2)
        else:
            border = QPen(colors.card_border, 1.0)
        painter.setPen(border)
        painter.setBrush(colors.card)
        painter.drawRoundedRect(rect, 10, 10)
        left = rect.left() + 10
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colors.kind(self.kind))
        title_rect, subtitle_rect = self._text_rects()
        painter.drawEllipse(QPointF(left + 4, title_rect.center().y()), 4, 4)
        painter.setFont(self.title_font())
        painter.setPen(colors.text)
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(title_rect, align, self.shown_title())
        painter.setFont(self.subtitle_font())
        painter.setPen(colors.text_muted)
        painter.drawText(subtitle_rect, align, self.shown_subtitle())


# -- the marker of a collapsed layer -----------------------------------------------------------


class CollapsedMarkerItem(HoverItem):
    """The "⋯ 784 neurons" pill: it stands for the neurons a collapsed layer does not draw;
    a click expands the layer."""

    def __init__(self, layer: int, size: int, hidden: int) -> None:
        super().__init__()
        self.layer = layer
        self.size = size
        self.hidden = hidden
        self.text = f"⋯ {size:,} neurons"
        self.marked = False
        metrics = QFontMetricsF(ui_font(11, QFont.Weight.Medium))
        self.width = max(MARKER_WIDTH, metrics.horizontalAdvance(self.text) + 40)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(f"{hidden:,} of {size:,} neurons are not drawn. Click to expand.")
        self.setZValue(2)

    def shown_text(self, zoom: float) -> tuple[str, QFont] | None:
        """The pill's text at ``zoom``: "⋯ 784 neurons", or "⋯ 784" where that does not
        fit at a readable size, in a font that is readable on screen; None where neither
        fits (the header's subtitle still says how many neurons the layer has)."""
        readable_px = points_to_pixels(MIN_TEXT_POINTS) / max(zoom, 1e-6)
        font = ui_font(max(11, math.ceil(readable_px)), QFont.Weight.Medium)
        metrics = QFontMetricsF(font)
        if metrics.height() > MARKER_HEIGHT - 2:
            return None
        room = self.width - 38
        for text in (self.text, f"⋯ {self.size:,}"):
            if metrics.horizontalAdvance(text) <= room:
                return text, font
        return None

    def drawn_texts(self, zoom: float) -> list[DrawnText]:
        shown = self.shown_text(zoom)
        return [(shown[0], shown[1], False)] if shown is not None else []

    def pill_rect(self) -> QRectF:
        return QRectF(-self.width / 2, -MARKER_HEIGHT / 2, self.width, MARKER_HEIGHT)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self.pill_rect().adjusted(-2, -2, 2, 4)

    def set_marked(self, marked: bool) -> None:
        if marked != self.marked:
            self.marked = marked
            self.update()

    def trigger(self) -> None:
        scene = _gestures(self)
        if scene is not None:
            scene.toggle_expanded(self.layer)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        event.accept() if event.button() == Qt.MouseButton.LeftButton else event.ignore()

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        scene = _gestures(self)
        if scene is not None and self.boundingRect().contains(event.pos()):
            layer = self.layer
            _later(self, lambda: scene.toggle_expanded(layer))
        event.accept()

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, _widget: QWidget | None = None
    ) -> None:
        colors = theme()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self.pill_rect()
        radius = MARKER_HEIGHT / 2
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colors.shadow)
        painter.drawRoundedRect(rect.translated(0, 1.5), radius, radius)
        accent = self.marked or self._hovered
        painter.setPen(
            QPen(colors.accent if accent else colors.card_border_strong, 1.4 if accent else 1)
        )
        painter.setBrush(colors.card_marked if self.marked else colors.card)
        painter.drawRoundedRect(rect, radius, radius)
        shown = self.shown_text(_lod(painter, option))
        if shown is not None:
            painter.setFont(shown[1])
            painter.setPen(colors.accent if accent else colors.text_muted)
            text_rect = rect.adjusted(12, 0, -26, 0)
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignCenter, shown[0])
        # A small "expand" chevron pair at the right end.
        pen = QPen(colors.accent if accent else colors.text_muted, 1.5)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        cx = rect.right() - 16
        for sign in (-1, 1):
            path = QPainterPath(QPointF(cx - 3.5, sign * 1.5))
            path.lineTo(QPointF(cx, sign * 5.5))
            path.lineTo(QPointF(cx + 3.5, sign * 1.5))
            painter.drawPath(path)


# -- the drop indicator ------------------------------------------------------------------------


class DropIndicatorItem(QGraphicsItem):
    """Where a dragged layer would land: a vertical line between two columns, or a
    highlighted column when the drop changes nothing (a second input or output)."""

    def __init__(self) -> None:
        super().__init__()
        self.mode = "line"
        self.at_x = 0.0
        self.top = 0.0
        self.bottom = 0.0
        self.label = ""
        self.allowed = True
        self.zoom = 1.0
        self.setZValue(10)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.hide()

    def show_line(self, x: float, top: float, bottom: float, label: str) -> None:
        self._set("line", x, top, bottom, label, True)

    def show_column(self, x: float, top: float, bottom: float, label: str) -> None:
        self._set("column", x, top, bottom, label, False)

    def _set(self, mode: str, x: float, top: float, bottom: float, label: str, ok: bool) -> None:
        state = (mode, x, top, bottom, label, ok)
        if state != (self.mode, self.at_x, self.top, self.bottom, self.label, self.allowed):
            self.prepareGeometryChange()
            self.mode, self.at_x, self.top, self.bottom, self.label, self.allowed = state
            self.update()
        self.show()

    def set_zoom(self, zoom: float) -> None:
        """The label grows in scene units as the view zooms out, to stay readable."""
        if zoom != self.zoom:
            self.prepareGeometryChange()
            self.zoom = zoom
            self.update()

    def label_font(self) -> QFont:
        readable_px = points_to_pixels(MIN_TEXT_POINTS) / max(self.zoom, 1e-6)
        return ui_font(max(11, math.ceil(readable_px)), QFont.Weight.DemiBold)

    def drawn_texts(self, _zoom: float) -> list[DrawnText]:
        return [(self.label, self.label_font(), False)] if self.label else []

    def _label_rect(self) -> QRectF:
        metrics = QFontMetricsF(self.label_font())
        width = metrics.horizontalAdvance(self.label) + 2 * metrics.height()
        height = metrics.height() * 1.6
        return QRectF(self.at_x - width / 2, self.top, width, height)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        half = 70.0 if self.mode == "column" else 14.0
        rect = QRectF(self.at_x - half, self.top - 4, 2 * half, self.bottom - self.top + 8)
        return rect.united(self._label_rect()).adjusted(-2, -2, 2, 2)

    def paint(
        self, painter: QPainter, _option: QStyleOptionGraphicsItem, _widget: QWidget | None = None
    ) -> None:
        colors = theme()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        color = colors.accent if self.allowed else colors.danger
        if self.mode == "column":
            rect = QRectF(self.at_x - 66, self.top, 132, self.bottom - self.top)
            painter.setPen(QPen(color, 1.5, Qt.PenStyle.DashLine))
            painter.setBrush(with_alpha(color, 22))
            painter.drawRoundedRect(rect, 16, 16)
        else:
            pen = QPen(color, 2.5, Qt.PenStyle.DashLine)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            # The label sits on top of the line.
            top = self.top + (self._label_rect().height() + 4 if self.label else 0)
            painter.drawLine(QPointF(self.at_x, top), QPointF(self.at_x, self.bottom))
            mid = (self.top + self.bottom) / 2
            painter.setPen(QPen(colors.on_fill, 2))
            painter.setBrush(color)
            painter.drawEllipse(QPointF(self.at_x, mid), 11, 11)
            painter.setPen(QPen(colors.on_fill, 2))
            painter.drawLine(QPointF(self.at_x - 5, mid), QPointF(self.at_x + 5, mid))
            painter.drawLine(QPointF(self.at_x, mid - 5), QPointF(self.at_x, mid + 5))
        if self.label:
            rect = self._label_rect()
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            radius = rect.height() / 2
            painter.drawRoundedRect(rect, radius, radius)
            painter.setPen(colors.on_fill)
            painter.setFont(self.label_font())
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.label)
