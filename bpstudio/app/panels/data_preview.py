"""What a data set looks like before (and after) it is bound: a picture and a summary.

:func:`build_preview` is pure (it runs on a background thread): it makes the examples a
:class:`DataSource` describes, splits them, and counts what the summary shows.
:class:`PreviewView` draws a preview with pyqtgraph: a scatter coloured by class for two
inputs, points over the input axis for one, a grid of sample images (one row per class)
for pictures, and the first two inputs otherwise. :class:`ClassBalanceBar` draws the class
counts of the training set as one stacked bar.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from bpstudio.app.pictures import image_side, mosaic
from bpstudio.app.scatter import add_points, shown_inputs
from bpstudio.app.theme import theme
from bpstudio.core.data.datasets import Dataset
from bpstudio.core.data.source import DataSource, load_examples, split_examples
from bpstudio.core.engine.decision import padded_range

#: Sample images per class row in the picture grid.
IMAGES_PER_CLASS = 10
MAX_IMAGE_ROWS = 10


@dataclass(frozen=True)
class Preview:
    """A data source made concrete: its examples, split, and the numbers for the summary."""

    source: DataSource
    examples: Dataset
    train: Dataset
    validation: Dataset
    #: Training examples per class (classification), else empty.
    class_counts: tuple[int, ...]

    @property
    def name(self) -> str:
        return self.examples.name


def class_counts(dataset: Dataset) -> tuple[int, ...]:
    if not dataset.is_classification:
        return ()
    counts = np.bincount(dataset.labels, minlength=dataset.n_classes)
    return tuple(int(c) for c in counts)


def preview_from(
    source: DataSource, examples: Dataset, train: Dataset, validation: Dataset
) -> Preview:
    return Preview(source, examples, train, validation, class_counts(train))


def build_preview(source: DataSource, base_dir: str | Path | None = None) -> Preview:
    """Make, split and count the examples of ``source`` (raises BPStudioError)."""
    examples = load_examples(source, base_dir)
    train, validation = split_examples(source, examples)
    return preview_from(source, examples, train, validation)


def summary_rows(preview: Preview) -> list[tuple[str, str]]:
    """(label, text) rows for the summary: examples, inputs, outputs, task."""
    ex = preview.examples
    n_train, n_val = preview.train.n_examples, preview.validation.n_examples
    rows = [
        ("Examples", f"{n_train:,} training · {n_val:,} validation"),
        ("Inputs", _names(ex.n_inputs, ex.feature_names)),
    ]
    if ex.is_classification:
        kind = "binary (a 0/1 column)" if ex.n_outputs == 1 else "one-hot"
        rows.append(("Outputs", f"{ex.n_outputs} · {kind}"))
        rows.append(("Task", f"classification, {ex.n_classes} classes"))
    else:
        rows.append(("Outputs", _names(ex.n_outputs, ex.target_names)))
        rows.append(("Task", "regression"))
    return rows


def _names(n: int, names: tuple[str, ...]) -> str:
    if not names or n > 4:
        return f"{n:,}"
    return f"{n} ({', '.join(names)})"


class ClassBalanceBar(QWidget):
    """The training set's class counts as one stacked bar, with a legend underneath."""

    BAR_HEIGHT = 12

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counts: tuple[int, ...] = ()
        self.names: tuple[str, ...] = ()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_counts(self, counts: tuple[int, ...], names: tuple[str, ...]) -> None:
        self.counts, self.names = counts, names
        self.setVisible(bool(counts))
        self.updateGeometry()
        self.update()

    def _legend_rows(self) -> int:
        return (len(self.counts) + 1) // 2

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        line = self.fontMetrics().height()
        return QSize(200, self.BAR_HEIGHT + 6 + self._legend_rows() * (line + 2))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(120, self.sizeHint().height())

    def paintEvent(self, _event: object) -> None:  # noqa: N802 (Qt override)
        total = sum(self.counts)
        if not total:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        width = self.width() - 1
        x = 0.0
        for c, count in enumerate(self.counts):
            w = width * count / total
            painter.fillRect(QRectF(x, 0, w, self.BAR_HEIGHT), theme().class_color(c))
            x += w
        painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Mid), 1))
        painter.drawRect(QRectF(0.5, 0.5, width - 0.5, self.BAR_HEIGHT - 0.5))
        line = self.fontMetrics().height() + 2
        half = width / 2
        painter.setPen(self.palette().color(QPalette.ColorRole.Text))
        for c, count in enumerate(self.counts):
            row, col = divmod(c, 2)
            top = self.BAR_HEIGHT + 6 + row * line
            left = col * half
            painter.fillRect(QRectF(left, top + line / 2 - 5, 9, 9), theme().class_color(c))
            name = self.names[c] if c < len(self.names) else f"class {c}"
            text = f"{name}: {count:,} ({100.0 * count / total:.0f}%)"
            text = self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, int(half - 16))
            painter.drawText(
                QRectF(left + 13, top, half - 14, line),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                text,
            )
        painter.end()


class PreviewView(pg.PlotWidget):  # type: ignore[misc]  # pyqtgraph is untyped
    """Draws a :class:`Preview` (or nothing, with a message)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        background = parent.palette().color(QPalette.ColorRole.Base) if parent else "w"
        super().__init__(parent, background=background)
        self.plot_item: pg.PlotItem = self.getPlotItem()
        self.plot_item.setMenuEnabled(False)
        self.plot_item.hideButtons()
        self.plot_item.showGrid(x=True, y=True, alpha=0.12)
        for name in ("left", "bottom"):
            self.plot_item.getAxis(name).enableAutoSIPrefix(False)  # "y (x0.001)" confuses
        self.setMinimumHeight(180)
        self.message = pg.TextItem("", color=theme().text_muted, anchor=(0.5, 0.5))
        self.mode = "empty"
        self.show_message("No data")

    def _reset(self) -> None:
        self.plot_item.clear()
        self.plot_item.setAspectLocked(False)
        self.plot_item.getViewBox().invertY(False)
        for axis in ("left", "bottom"):
            self.plot_item.showAxis(axis)
            self.plot_item.setLabel(axis, "")
        self.plot_item.setTitle(None)

    def show_message(self, text: str) -> None:
        self._reset()
        self.mode = "empty"
        for axis in ("left", "bottom"):
            self.plot_item.hideAxis(axis)
        self.message.setText(text)
        self.plot_item.addItem(self.message)
        self.message.setPos(0.5, 0.5)
        self.plot_item.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)

    def show_preview(self, preview: Preview) -> None:
        ex = preview.examples
        side = image_side(ex.n_inputs)
        if side is not None and ex.is_classification:
            self._draw_images(preview, side)
        elif ex.n_inputs == 1:
            self._draw_line(preview)
        else:
            self._draw_plane(preview)

    # -- the three kinds of picture ---------------------------------------------------------

    def _draw_plane(self, preview: Preview) -> None:
        self._reset()
        self.mode = "plane"
        ex = preview.examples
        names = ex.feature_names or tuple(f"x{i + 1}" for i in range(ex.n_inputs))
        self.plot_item.setLabel("bottom", names[0])
        self.plot_item.setLabel("left", names[1])
        if ex.n_inputs > 2:
            self.plot_item.setTitle(
                f"<span style='font-size:9pt'>first two of {ex.n_inputs} inputs</span>"
            )
        self.plot_item.setAspectLocked(True)
        add_points(self.plot_item, preview.train, preview.validation, size=6)
        X = shown_inputs(preview.train, preview.validation)
        self.plot_item.setRange(
            xRange=padded_range(X[:, 0], 0.05), yRange=padded_range(X[:, 1], 0.05), padding=0
        )

    def _draw_line(self, preview: Preview) -> None:
        self._reset()
        self.mode = "line"
        ex = preview.examples
        self.plot_item.setLabel("bottom", ex.feature_names[0] if ex.feature_names else "x")
        self.plot_item.setLabel("left", ex.target_names[0] if ex.target_names else "y")
        add_points(self.plot_item, preview.train, preview.validation, size=6)
        ys = ex.labels.astype(float) if ex.is_classification else ex.Y[:, 0]
        X = shown_inputs(preview.train, preview.validation)
        self.plot_item.setRange(
            xRange=padded_range(X[:, 0], 0.05), yRange=padded_range(ys, 0.1), padding=0
        )

    def _draw_images(self, preview: Preview, side: int) -> None:
        self._reset()
        self.mode = "images"
        train = preview.train
        labels = train.labels
        k = min(train.n_classes, MAX_IMAGE_ROWS)
        rows = []
        for c in range(k):
            idx = np.flatnonzero(labels == c)[:IMAGES_PER_CLASS]
            block = np.zeros((IMAGES_PER_CLASS, train.n_inputs))
            block[: len(idx)] = train.X[idx]
            if len(idx) < IMAGES_PER_CLASS:
                block[len(idx) :] = np.nan
            rows.append(block)
        images = np.concatenate(rows) if rows else np.zeros((0, train.n_inputs))
        blank = ~np.isfinite(images).all(axis=1)
        images[blank] = 0.0
        grid = mosaic(images, side, IMAGES_PER_CLASS, gap=max(1, side // 8))
        cell = side + max(1, side // 8)
        for i in np.flatnonzero(blank):
            r, c = divmod(int(i), IMAGES_PER_CLASS)
            grid[r * cell : r * cell + side, c * cell : c * cell + side] = 235
        item = pg.ImageItem(grid, axisOrder="row-major")
        item.setLevels((0, 255))
        self.plot_item.addItem(item)
        for axis in ("left", "bottom"):
            self.plot_item.hideAxis(axis)
        names = train.class_names or tuple(str(c) for c in range(k))
        for c in range(k):
            label = pg.TextItem(names[c], color=theme().class_color(c), anchor=(1.0, 0.5))
            label.setPos(-0.5, c * cell + side / 2)
            self.plot_item.addItem(label)
        self.plot_item.getViewBox().invertY(True)
        self.plot_item.setAspectLocked(True)
        self.plot_item.showGrid(x=False, y=False)
        self.plot_item.setRange(
            xRange=(-2.5 * side, IMAGES_PER_CLASS * cell), yRange=(0, k * cell), padding=0.02
        )
