"""Widgets floating over the canvas: the colour legend and the zoom level.

They are children of the view, not scene items, so they stay put while the scene pans and
zooms, and they let mouse events through to the canvas.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QFont,
    QFontMetricsF,
    QLinearGradient,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QWidget

from bpstudio.app.canvas.items import label_font
from bpstudio.app.notation import Notation
from bpstudio.app.theme import theme, with_alpha


class _Card(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)

    def _card(self, painter: QPainter) -> QRectF:
        colors = theme()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(1, 1, -1, -3)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colors.shadow)
        painter.drawRoundedRect(rect.translated(0, 2), 10, 10)
        painter.setPen(QPen(colors.card_border, 1))
        painter.setBrush(with_alpha(colors.card, 240))
        painter.drawRoundedRect(rect, 10, 10)
        return rect


class CanvasLegend(_Card):
    """What the colours mean: neuron fill a, ring ∂C/∂a, edges w or ∂C/∂w.

    Compact (the three samples and their symbols) on a small canvas; with row names and a
    note on what the values show where the canvas has room. Its type follows the app font
    (presenter mode enlarges it) and never goes under 8 pt.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edge_mode = "weights"
        self.note = "Activations appear after a forward pass"
        self.compact = True
        # The card without its note, drawn once per look: the note changes every frame.
        self._card_picture: tuple[tuple[object, ...], QPixmap] | None = None
        #: Times the card was drawn anew (tests).
        self.card_draws = 0
        self.resize(self.sizeHint())

    def fonts(self) -> tuple[QFont, QFont, QFont]:
        """Row names, small signs, symbols."""
        return (
            label_font(0.92, QFont.Weight.DemiBold),
            label_font(0.92),
            label_font(1.0, QFont.Weight.Medium),
        )

    def swatches(self) -> float:
        """Pixels the colour samples of a row take (with their − and + signs)."""
        return 68.0 + 2 * QFontMetricsF(self.fonts()[1]).horizontalAdvance("+")

    def symbols(self) -> tuple[str, str, str]:
        """The three quantities, in the current notation: a, ∂C/∂a, w (or ∂C/∂w)."""
        nt = Notation.for_spec()
        a, w = nt.symbol("a", None, plain=True), nt.symbol("w", None, plain=True)
        edge = nt.gradient(w, plain=True) if self.edge_mode == "gradients" else w
        return a, nt.gradient(a, plain=True), edge

    def _metrics(self) -> tuple[float, float, float]:
        """Row height, the name column's width, the symbol column's width."""
        names, _, symbol = self.fonts()
        row = max(QFontMetricsF(symbol).height() + 5, 20.0)
        name_w = max(QFontMetricsF(names).horizontalAdvance(t) for t in ("Neuron", "Ring", "Edge"))
        metrics = QFontMetricsF(symbol)
        sym_w = max(metrics.horizontalAdvance(t) for t in (*self.symbols(), "∂C/∂w"))
        return row, name_w + 10, sym_w

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        row, name_w, sym_w = self._metrics()
        width = 12 + (0 if self.compact else name_w) + self.swatches() + 8 + sym_w + 12
        note = 0 if self.compact else QFontMetricsF(self.fonts()[1]).height() + 6
        return QSize(math.ceil(width), math.ceil(10 + 3 * row + note + 8))

    def set_compact(self, compact: bool) -> None:
        if compact != self.compact:
            self.compact = compact
            self.resize(self.sizeHint())
            self.update()

    def set_edge_mode(self, mode: str) -> None:
        if mode != self.edge_mode:
            self.edge_mode = mode
            self.resize(self.sizeHint())
            self.update()

    def set_note(self, note: str) -> None:
        if note != self.note:
            self.note = note
            if not self.compact:
                self.update(self._note_rect().toAlignedRect().adjusted(-1, -1, 1, 1))

    def _note_rect(self) -> QRectF:
        rect = QRectF(self.rect()).adjusted(1, 1, -1, -3)
        row = self._metrics()[0]
        note_top = rect.top() + 5 + 3 * row
        return QRectF(rect.left() + 12, note_top, rect.width() - 24, rect.bottom() - note_top - 4)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        ratio = self.devicePixelRatioF()
        look = (self.size(), ratio, self.compact, self.symbols(), theme(), self.fonts())
        if self._card_picture is None or self._card_picture[0] != look:
            picture = QPixmap(self.size() * ratio)
            picture.setDevicePixelRatio(ratio)
            picture.fill(Qt.GlobalColor.transparent)
            card = QPainter(picture)
            self._paint_card(card)
            card.end()
            self._card_picture = (look, picture)
            self.card_draws += 1
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._card_picture[1])
        if not self.compact:
            small = self.fonts()[1]
            painter.setFont(small)
            painter.setPen(theme().text_muted)
            note = self._note_rect()
            text = QFontMetricsF(small).elidedText(
                self.note, Qt.TextElideMode.ElideRight, note.width()
            )
            painter.drawText(note, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        painter.end()

    def _paint_card(self, painter: QPainter) -> None:
        """Everything but the note."""
        colors = theme()
        rect = self._card(painter)
        row, name_w, _ = self._metrics()
        names_font, small, symbol_font = self.fonts()
        left = rect.left() + 12
        swatch = left + (0 if self.compact else name_w)  # where the colour samples start
        symbol = swatch + self.swatches() + 8  # where "a", "∂C/∂a", "w" go
        rows = [rect.top() + 5 + row * (i + 0.5) for i in range(3)]
        gradient_mode = self.edge_mode == "gradients"
        baseline = QFontMetricsF(symbol_font).ascent() / 2 - 1
        small_base = QFontMetricsF(small).ascent() / 2 - 1
        sign = QFontMetricsF(small).horizontalAdvance("+") + 3  # room for a − or + sign
        width = self.swatches()

        if not self.compact:
            painter.setFont(names_font)
            painter.setPen(colors.text)
            for y, label in zip(rows, ("Neuron", "Ring", "Edge"), strict=True):
                painter.drawText(QPointF(left, y + small_base), label)

        # Neuron fill: a on the value scale from -1 to +1.
        y = rows[0]
        painter.setFont(small)
        painter.setPen(colors.text_muted)
        painter.drawText(QPointF(swatch, y + small_base), "−")
        painter.drawText(QPointF(swatch + width - sign + 3, y + small_base), "+")
        bar = QRectF(swatch + sign, y - 5, width - 2 * sign, 10)
        gradient = QLinearGradient(bar.topLeft(), bar.topRight())
        for position, color in colors.values.stops():
            gradient.setColorAt(position, color)
        painter.setPen(QPen(colors.card_border, 1))
        painter.setBrush(gradient)
        painter.drawRoundedRect(bar, 5, 5)

        # Ring: ∂C/∂a by sign; edge: w (value scale) or ∂C/∂w (gradient scale) by sign.
        half = width / 2
        y = rows[1]
        for i, color in enumerate((colors.gradients.negative, colors.gradients.positive)):
            painter.setPen(QPen(color, 2.6))
            painter.setBrush(colors.card)
            painter.drawEllipse(QPointF(swatch + sign + 8 + i * half, y), 5.5, 5.5)
        y = rows[2]
        scale = colors.gradients if gradient_mode else colors.values
        for i, color in enumerate((scale.negative, scale.positive)):
            x0 = swatch + sign + 1 + i * half
            pen = QPen(color, 3)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            painter.drawLine(QPointF(x0, y + 4), QPointF(x0 + 16, y - 4))
        painter.setFont(small)
        painter.setPen(colors.text_muted)
        for y in rows[1:]:
            painter.drawText(QPointF(swatch, y + small_base), "−")
            painter.drawText(QPointF(swatch + half, y + small_base), "+")

        painter.setFont(symbol_font)
        painter.setPen(colors.text)
        for y, label in zip(rows, self.symbols(), strict=True):
            painter.drawText(QPointF(symbol, y + baseline), label)


class ZoomBadge(_Card):
    """The zoom level, e.g. "85%"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = "100%"
        self.resize(self.sizeHint())

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        metrics = QFontMetricsF(label_font(0.92, QFont.Weight.Medium))
        return QSize(
            math.ceil(metrics.horizontalAdvance("100%") + 26), math.ceil(metrics.height() + 14)
        )

    def set_zoom(self, zoom: float) -> None:
        text = f"{zoom * 100:.0f}%"
        if text != self.text:
            self.text = text
            self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        colors = theme()
        painter = QPainter(self)
        rect = self._card(painter)
        painter.setFont(label_font(0.92, QFont.Weight.Medium))
        painter.setPen(colors.text_muted)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.text)
        painter.end()
