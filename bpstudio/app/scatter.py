"""A data set drawn as points on a pyqtgraph plot, coloured by class (or by target value),
shared by the data panel's preview and the decision-boundary plot."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

from bpstudio.app.theme import Theme, theme, with_alpha
from bpstudio.core.data.datasets import Dataset

#: At most this many points are drawn (a random, seeded subset beyond).
MAX_POINTS = 4000


def subsample(n: int, limit: int = MAX_POINTS, seed: int = 0) -> np.ndarray:
    """Sorted indices of at most ``limit`` of ``n`` rows (all of them when n <= limit)."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, limit, replace=False))


def shown_inputs(train: Dataset, validation: Dataset) -> np.ndarray:
    """The inputs as the network sees them (standardised if asked): training + validation."""
    return np.concatenate([train.X, validation.X]) if validation.n_examples else train.X


def add_points(
    plot: pg.PlotItem,
    train: Dataset,
    validation: Dataset,
    size: float = 7,
    limit: int = MAX_POINTS,
) -> list[pg.ScatterPlotItem]:
    """Scatter the examples: training points filled, validation points outlined.

    Two inputs: x1 against x2, coloured by class (or by target value for regression).
    One input: x against the target (or the class for classification). One scatter item
    per class keeps the drawing fast (one brush per item, not one per point). Returns the
    training items, whose points carry their training-set index as ``data``.
    """
    colors = theme()
    items: list[pg.ScatterPlotItem] = []
    for dataset, filled in ((train, True), (validation, False)):
        if dataset.n_examples == 0:
            continue
        keep = subsample(dataset.n_examples, limit if filled else limit // 4)
        X, Y = dataset.X[keep], dataset.Y[keep]
        if dataset.n_inputs == 1:
            xs = X[:, 0]
            ys = Y[:, 0] if not dataset.is_classification else dataset.labels[keep].astype(float)
        else:
            xs, ys = X[:, 0], X[:, 1]
        if dataset.is_classification:
            labels = dataset.labels[keep]
            for c in range(dataset.n_classes):
                mask = labels == c
                if not mask.any():
                    continue
                color = colors.class_color(c)
                item = _scatter(xs[mask], ys[mask], keep[mask], color, filled, size)
                plot.addItem(item)
                if filled:
                    items.append(item)
        else:
            if dataset.n_inputs == 1:
                item = _scatter(xs, ys, keep, colors.plots.boundary, filled, size)
            else:
                scale = float(np.max(np.abs(train.Y[:, 0]))) or 1.0
                rgb = colors.values.rgb(Y[:, 0], scale)
                brushes = [pg.mkBrush(*map(int, c)) for c in rgb]
                item = pg.ScatterPlotItem(
                    xs,
                    ys,
                    data=keep,
                    size=size,
                    pen=pg.mkPen(colors.plots.point_outline, width=0.8),
                    brush=brushes if filled else pg.mkBrush(_hollow(colors)),
                )
            plot.addItem(item)
            if filled:
                items.append(item)
    return items


def _scatter(
    xs: np.ndarray, ys: np.ndarray, data: np.ndarray, color: QColor, filled: bool, size: float
) -> pg.ScatterPlotItem:
    if filled:
        pen = pg.mkPen(color.darker(140), width=0.8)
        brush = pg.mkBrush(color)
    else:
        pen = pg.mkPen(color.darker(110), width=1.6)
        brush = pg.mkBrush(_hollow(theme()))
    return pg.ScatterPlotItem(xs, ys, data=data, size=size, pen=pen, brush=brush)


def _hollow(colors: Theme) -> QColor:
    """The inside of a validation point: the card colour, slightly translucent."""
    return with_alpha(colors.card, 200)
