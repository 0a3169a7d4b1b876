"""Pictures of image-like examples (the digits, MNIST), shared by the data views."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtGui import QImage, QPixmap

from bpstudio.core.engine.activations import Array


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
