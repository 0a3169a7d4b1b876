"""Colours for classes and pictures of image-like examples, shared by the data views.

Two classes use the canvas's value pair (class 0 blue, class 1 orange, as a sigmoid output
below and above 0.5 is coloured on the canvas); more classes continue with a categorical
palette whose first two entries are that same pair.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtGui import QColor, QImage, QPixmap

from bpstudio.app.canvas.colors import VALUE_NEGATIVE, VALUE_POSITIVE
from bpstudio.core.engine.activations import Array

CLASS_COLORS: tuple[str, ...] = (
    VALUE_NEGATIVE.name(),  # blue
    VALUE_POSITIVE.name(),  # orange
    "#2e9e5b",
    "#d62728",
    "#8e5ac8",
    "#8c564b",
    "#e377c2",
    "#6b7280",
    "#a3a31a",
    "#17becf",
)


def class_color(c: int) -> QColor:
    """The colour of class ``c`` (cycling after ten; a darker shade each round)."""
    base = QColor(CLASS_COLORS[c % len(CLASS_COLORS)])
    return base.darker(100 + 30 * (c // len(CLASS_COLORS)))


def class_rgb(k: int) -> np.ndarray:
    """``(k, 3)`` RGB rows (0..255) of the first ``k`` class colours."""
    return np.array([class_color(c).getRgb()[:3] for c in range(k)], dtype=float)


def image_side(n_inputs: int) -> int | None:
    """The side of a square image with ``n_inputs`` pixels (8 for the digits, 28 for
    MNIST), or None when the inputs are not plausibly a picture (fewer than 8x8)."""
    side = math.isqrt(n_inputs)
    return side if side * side == n_inputs and side >= 8 else None


def ink_image(x: Array, side: int) -> QImage:
    """One example as a greyscale picture: high values dark ink on white paper.

    Values are scaled per image to their own range, so standardised pixels read too.
    """
    pixels = np.asarray(x, dtype=float).reshape(side, side)
    lo, hi = float(pixels.min()), float(pixels.max())
    t = (pixels - lo) / (hi - lo) if hi > lo else np.zeros_like(pixels)
    grey = np.ascontiguousarray(np.rint(255.0 * (1.0 - t)).astype(np.uint8))
    image = QImage(grey.data, side, side, side, QImage.Format.Format_Grayscale8)
    return image.copy()  # own the pixels: `grey` goes away


def ink_pixmap(x: Array, side: int, size: int) -> QPixmap:
    """:func:`ink_image` scaled to ``size`` pixels square, without smoothing (crisp pixels)."""
    return QPixmap.fromImage(ink_image(x, side)).scaled(size, size)


def mosaic(images: Array, side: int, columns: int, gap: int = 1, paper: int = 235) -> np.ndarray:
    """Tile ``images : (m, side²)`` into one greyscale ``(rows*(side+gap), columns*(side+gap))``
    uint8 array, row by row, ink dark on white, gaps ``paper`` grey."""
    m = images.shape[0]
    rows = max(1, math.ceil(m / columns))
    cell = side + gap
    out = np.full((rows * cell, columns * cell), paper, dtype=np.uint8)
    if m == 0:
        return out
    pixels = np.asarray(images, dtype=float).reshape(m, side, side)
    lo = pixels.min(axis=(1, 2), keepdims=True)
    hi = pixels.max(axis=(1, 2), keepdims=True)
    t = np.where(hi > lo, (pixels - lo) / np.where(hi > lo, hi - lo, 1.0), 0.0)
    ink = np.rint(255.0 * (1.0 - t)).astype(np.uint8)
    for i in range(m):
        r, c = divmod(i, columns)
        out[r * cell : r * cell + side, c * cell : c * cell + side] = ink[i]
    return out
