"""Thumbnails of data sets and templates: the New Project dialog's and the data panel's icons.

A data set is drawn by what it is (:func:`picture_kind`): two inputs as a scatter of its
points, coloured by class as the decision plot colours them (or by target value on the
theme's value scale); one input as the points of x against the target (the sine's curve);
square images (the digits) as one example in ink; anything else as one strip per input, a
tick per example at its value, coloured by class. A template is a miniature of its network
beside the picture of its data.

Pictures are painted with QPainter at the device pixel ratio they are shown at (crisp at
2×). The built-ins' pictures are cached per (name, seed, size, device pixel ratio, theme);
they are kept as QImages, which need no display, and handed out as QPixmaps. Icons made
with :func:`icon_of` paint only when Qt first shows them, so a list of thumbnails costs
nothing at start-up.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QIconEngine, QImage, QPainter, QPen, QPixmap

from bpstudio.app.pictures import image_side
from bpstudio.app.scatter import subsample
from bpstudio.app.theme import THEMES, Theme, blend, rgb_array, theme, with_alpha
from bpstudio.core.data.datasets import GENERATORS, Dataset, make_dataset
from bpstudio.core.data.source import load_examples
from bpstudio.core.engine.network import NetworkSpec
from bpstudio.core.files.templates import TEMPLATES

#: At most this many examples are drawn in a thumbnail (a seeded subset beyond).
MAX_THUMBNAIL_POINTS = 400
#: At most this many input strips (the rest are left out).
MAX_STRIPS = 8
#: Past this many neurons a layer of the miniature is drawn as this many.
MAX_MINIATURE_NEURONS = 6
#: The network takes this share of a template thumbnail's width; its data the rest.
NETWORK_SHARE = 0.5


def picture_kind(dataset: Dataset) -> str:
    """How a thumbnail shows ``dataset``: "plane", "line", "image" or "strips"."""
    if image_side(dataset.n_inputs) is not None and dataset.is_classification:
        return "image"
    if dataset.n_inputs == 2:
        return "plane"
    if dataset.n_inputs == 1:
        return "line"
    return "strips"


def _new_image(width: int, height: int, dpr: float, colors: Theme) -> QImage:
    image = QImage(
        max(1, round(width * dpr)), max(1, round(height * dpr)), QImage.Format.Format_ARGB32
    )
    image.setDevicePixelRatio(dpr)
    image.fill(colors.card)
    return image


def _frame(painter: QPainter, rect: QRectF, colors: Theme) -> None:
    painter.setPen(QPen(colors.card_border_strong, 1.0))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)


# -- data ----------------------------------------------------------------------------------------


def _point_colours(dataset: Dataset, keep: np.ndarray, colors: Theme) -> list[QColor]:
    """As the scatter plots colour them: by class; one input's targets in one colour (the
    height says the value); otherwise by target value on the value scale."""
    if dataset.is_classification:
        return [colors.class_color(int(c)) for c in dataset.labels[keep]]
    if dataset.n_inputs == 1:
        return [QColor(colors.plots.boundary)] * len(keep)
    y = dataset.Y[keep, 0]
    scale = float(np.max(np.abs(dataset.Y[:, 0]))) or 1.0
    return [QColor(*(int(v) for v in rgb)) for rgb in colors.values.rgb(y, scale)]


def _fit(values: np.ndarray) -> tuple[float, float]:
    """A value range with a little room around the values (never empty)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return -1.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    pad = 0.08 * (hi - lo) if hi > lo else 1.0
    return lo - pad, hi + pad


def draw_dataset(painter: QPainter, rect: QRectF, dataset: Dataset, colors: Theme) -> None:
    """Paint ``dataset``'s picture (:func:`picture_kind`) inside ``rect`` (logical pixels)."""
    kind = picture_kind(dataset)
    if dataset.n_examples == 0:
        return
    if kind == "image":
        _draw_digit(painter, rect, dataset, colors)
    elif kind == "strips":
        _draw_strips(painter, rect, dataset, colors)
    else:
        _draw_points(painter, rect, dataset, colors, kind)


def _draw_points(
    painter: QPainter, rect: QRectF, dataset: Dataset, colors: Theme, kind: str
) -> None:
    keep = subsample(dataset.n_examples, MAX_THUMBNAIL_POINTS)
    X = dataset.X[keep]
    if kind == "plane":
        xs, ys = X[:, 0], X[:, 1]
    else:
        xs = X[:, 0]
        ys = dataset.labels[keep].astype(float) if dataset.is_classification else dataset.Y[keep, 0]
    (x0, x1), (y0, y1) = _fit(xs), _fit(ys)
    area = rect.adjusted(4, 4, -4, -4)
    if kind == "plane":
        # The input plane keeps its shape (circles stay round): one scale for both axes.
        scale = min(area.width() / (x1 - x0), area.height() / (y1 - y0))
        sx = sy = scale
    else:
        sx, sy = area.width() / (x1 - x0), area.height() / (y1 - y0)
    ox = area.center().x() - sx * (x0 + x1) / 2
    oy = area.center().y() + sy * (y0 + y1) / 2  # y upwards
    radius = max(1.2, min(area.width(), area.height()) / 30)
    if len(keep) < 20:
        radius *= 1.8  # a handful of examples (the note's): larger dots
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for x, y, colour in zip(xs, ys, _point_colours(dataset, keep, colors), strict=True):
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        painter.setPen(QPen(colour.darker(140), 0.6))
        painter.setBrush(colour)
        painter.drawEllipse(QPointF(ox + sx * x, oy - sy * y), radius, radius)


def _draw_digit(painter: QPainter, rect: QRectF, dataset: Dataset, colors: Theme) -> None:
    side = image_side(dataset.n_inputs)
    assert side is not None
    pixels = np.asarray(dataset.X[0], dtype=float).reshape(side, side)
    lo, hi = float(pixels.min()), float(pixels.max())
    t = (pixels - lo) / (hi - lo) if hi > lo else np.zeros_like(pixels)
    paper, ink = rgb_array(colors.card), rgb_array(colors.text)
    rgb = paper + t[..., None] * (ink - paper)
    data = np.ascontiguousarray(np.rint(rgb).astype(np.uint8))
    image = QImage(data.data, side, side, 3 * side, QImage.Format.Format_RGB888).copy()
    cell = QRectF(0, 0, 1, 1)
    extent = min(rect.width(), rect.height()) - 6
    cell.setSize(cell.size() * extent)
    cell.moveCenter(rect.center())
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)  # crisp pixels
    painter.drawImage(cell, image)


def _draw_strips(painter: QPainter, rect: QRectF, dataset: Dataset, colors: Theme) -> None:
    """One row per input (the first :data:`MAX_STRIPS`), a tick per example at its value."""
    keep = subsample(dataset.n_examples, MAX_THUMBNAIL_POINTS)
    n = min(dataset.n_inputs, MAX_STRIPS)
    area = rect.adjusted(5, 4, -5, -4)
    row = area.height() / n
    colours = _point_colours(dataset, keep, colors)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for i in range(n):
        values = dataset.X[keep, i]
        lo, hi = _fit(values)
        top = area.top() + i * row
        painter.setPen(QPen(with_alpha(colors.outline, 70), 1.0))
        mid = top + row / 2
        painter.drawLine(QPointF(area.left(), mid), QPointF(area.right(), mid))
        for v, colour in zip(values, colours, strict=True):
            if not np.isfinite(v):
                continue
            x = area.left() + area.width() * (v - lo) / (hi - lo)
            painter.setPen(QPen(with_alpha(colour, 150), 1.0))
            painter.drawLine(QPointF(x, top + row * 0.2), QPointF(x, top + row * 0.8))


def dataset_pixmap(
    dataset: Dataset, size: int, dpr: float = 1.0, colors: Theme | None = None
) -> QPixmap:
    """A ``size``×``size`` (logical pixels) thumbnail of ``dataset`` at ``dpr``."""
    return QPixmap.fromImage(_dataset_image(dataset, size, dpr, colors or theme()))


def _dataset_image(dataset: Dataset, size: int, dpr: float, colors: Theme) -> QImage:
    image = _new_image(size, size, dpr, colors)
    painter = QPainter(image)
    rect = QRectF(0, 0, size, size)
    draw_dataset(painter, rect, dataset, colors)
    _frame(painter, rect, colors)
    painter.end()
    return image


@functools.lru_cache(maxsize=128)
def _generator_image(name: str, seed: int, size: int, dpr: float, theme_name: str) -> QImage:
    dataset = make_dataset(name, seed=seed)
    return _dataset_image(dataset, size, dpr, THEMES[theme_name])


def generator_pixmap(name: str, size: int, dpr: float = 1.0, seed: int = 0) -> QPixmap:
    """The thumbnail of built-in generator ``name`` with its default settings (cached)."""
    if name not in GENERATORS:
        raise KeyError(name)
    return QPixmap.fromImage(_generator_image(name, seed, size, float(dpr), theme().name))


# -- networks and templates ----------------------------------------------------------------------


def layer_kind(i: int, n_layers: int) -> str:
    """What layer ``i`` of a network with ``n_layers`` weight layers is, as the theme's
    :meth:`~bpstudio.app.theme.Theme.kind` names it: input, hidden or output."""
    return "input" if i == 0 else "output" if i == n_layers else "hidden"


def neuron_columns(
    area: QRectF, sizes: Sequence[int], most: int, inset: float = 0.0
) -> list[list[QPointF]]:
    """Where a sketch of a network draws its neurons: one column per layer across ``area``
    (``inset`` in from its sides), at most ``most`` neurons a column, centred on its middle."""
    n = len(sizes)
    step_y = area.height() / most
    step_x = (area.width() - 2 * inset) / max(n - 1, 1)
    columns: list[list[QPointF]] = []
    for i, size in enumerate(sizes):
        x = area.left() + inset + (step_x * i if n > 1 else area.width() / 2)
        shown = min(size, most)
        top = area.center().y() - step_y * (shown - 1) / 2
        columns.append([QPointF(x, top + step_y * r) for r in range(shown)])
    return columns


def draw_edges(painter: QPainter, columns: Sequence[Sequence[QPointF]]) -> None:
    """Every edge between neighbouring columns, in the painter's pen."""
    for left, right in zip(columns, columns[1:], strict=False):
        for p in left:
            for q in right:
                painter.drawLine(p, q)


def draw_network(painter: QPainter, rect: QRectF, spec: NetworkSpec, colors: Theme) -> None:
    """A miniature of ``spec``: a column of neurons per layer, every edge drawn faintly.

    Layers wider than :data:`MAX_MINIATURE_NEURONS` are drawn that wide, so the shape
    reads (784-128-10 is still wide, then narrower, then narrow)."""
    n = spec.n_layers + 1
    area = rect.adjusted(6, 6, -6, -6)
    step_y = area.height() / MAX_MINIATURE_NEURONS
    radius = max(1.5, min(step_y / 2.8, area.width() / max(n, 2) / 4))
    columns = neuron_columns(area, spec.layer_sizes, MAX_MINIATURE_NEURONS, inset=radius)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(with_alpha(colors.outline, 110), 0.7))
    draw_edges(painter, columns)
    for i, column in enumerate(columns):
        kind = colors.kind(layer_kind(i, spec.n_layers))
        painter.setPen(QPen(kind, 0.8))
        painter.setBrush(blend(kind, 0.6, colors.card))
        for p in column:
            painter.drawEllipse(p, radius, radius)


def network_pixmap(
    spec: NetworkSpec, width: int, height: int, dpr: float = 1.0, colors: Theme | None = None
) -> QPixmap:
    """A ``width``×``height`` miniature of ``spec`` at ``dpr``."""
    colors = colors or theme()
    image = _new_image(width, height, dpr, colors)
    painter = QPainter(image)
    draw_network(painter, QRectF(0, 0, width, height), spec, colors)
    painter.end()
    return QPixmap.fromImage(image)


@functools.lru_cache(maxsize=32)
def template_parts(name: str) -> tuple[NetworkSpec, Dataset]:
    """Template ``name``'s network shape and examples (cached: both are immutable)."""
    project = TEMPLATES[name].build()
    return project.spec, load_examples(project.data)


@functools.lru_cache(maxsize=64)
def _template_image(name: str, width: int, height: int, dpr: float, theme_name: str) -> QImage:
    colors = THEMES[theme_name]
    spec, dataset = template_parts(name)
    image = _new_image(width, height, dpr, colors)
    painter = QPainter(image)
    split = round(width * NETWORK_SHARE)
    draw_network(painter, QRectF(0, 0, split, height), spec, colors)
    data_rect = QRectF(split, 0, width - split, height).adjusted(2, 2, -2, -2)
    draw_dataset(painter, data_rect, dataset, colors)
    painter.setPen(QPen(colors.card_border, 1.0))
    painter.drawLine(QPointF(split + 0.5, 6), QPointF(split + 0.5, height - 6))
    _frame(painter, QRectF(0, 0, width, height), colors)
    painter.end()
    return image


def template_pixmap(name: str, width: int, height: int, dpr: float = 1.0) -> QPixmap:
    """Template ``name``'s thumbnail: its network's miniature beside its data (cached)."""
    return QPixmap.fromImage(_template_image(name, width, height, float(dpr), theme().name))


class _PaintedIcon(QIconEngine):
    """An icon engine that paints its pixmap when Qt first shows it, at the device pixel
    ratio it is shown at (and keeps it): a list of thumbnails costs nothing until seen."""

    def __init__(self, paint: Callable[[float], QPixmap]) -> None:
        super().__init__()
        self._paint = paint
        self._pixmaps: dict[float, QPixmap] = {}

    def _at(self, dpr: float, size: QSize) -> QPixmap:
        dpr = float(dpr) or 1.0
        pixmap = self._pixmaps.get(dpr)
        if pixmap is None:
            pixmap = self._pixmaps[dpr] = self._paint(dpr)
        if pixmap.deviceIndependentSize().toSize() != size and not size.isEmpty():
            scaled = pixmap.scaled(
                size * dpr,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            scaled.setDevicePixelRatio(dpr)
            return scaled
        return pixmap

    def pixmap(self, size: QSize, _mode: QIcon.Mode, _state: QIcon.State) -> QPixmap:
        return self._at(1.0, size)

    def scaledPixmap(  # noqa: N802 (Qt override)
        self, size: QSize, _mode: QIcon.Mode, _state: QIcon.State, scale: float
    ) -> QPixmap:
        return self._at(scale, size)

    def paint(self, painter: QPainter, rect: QRect, _mode: QIcon.Mode, _state: QIcon.State) -> None:
        device = painter.device()
        dpr = device.devicePixelRatioF() if device is not None else 1.0
        painter.drawPixmap(rect, self._at(dpr, rect.size()))

    def clone(self) -> QIconEngine:
        return _PaintedIcon(self._paint)


def icon_of(paint: Callable[[float], QPixmap]) -> QIcon:
    """An icon whose pixmap is ``paint(dpr)``, painted when it is first shown, at the
    device pixel ratio of the screen it is shown on (crisp on a 2× display too)."""
    return QIcon(_PaintedIcon(paint))
