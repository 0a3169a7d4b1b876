"""The canvas's colours and colour scales (light theme).

Values use TensorFlow Playground's pair: orange for positive, blue for negative, white at
zero. Gradients (∂C/∂a rings, ∂C/∂w edges) use a second pair, pink and green, so a glance
tells a value from a gradient. Scales are computed for whole layers at once with NumPy,
because snapshots arrive up to 30 times a second.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor

# -- the theme ---------------------------------------------------------------------------------

BACKGROUND = QColor("#f6f7f9")
GRID_DOT = QColor("#d3d8e0")
TEXT = QColor("#1e293b")
TEXT_MUTED = QColor("#64748b")
OUTLINE = QColor("#94a3b8")
OUTLINE_HOVER = QColor("#334155")
CARD = QColor("#ffffff")
CARD_BORDER = QColor("#e2e8f0")
SHADOW = QColor(15, 23, 42, 22)
ACCENT = QColor("#4f46e5")  # selection, drop indicator
ACCENT_SOFT = QColor(79, 70, 229, 40)
NEUTRAL_EDGE = QColor(148, 163, 184, 110)  # edges before there is a gradient to show

#: Layer kinds: the dot in a layer's header and the palette's tiles.
KIND_COLORS = {
    "input": QColor("#64748b"),
    "hidden": QColor("#6366f1"),
    "output": QColor("#10b981"),
}

# The two diverging pairs: (negative, positive).
VALUE_NEGATIVE = QColor("#0877bd")
VALUE_POSITIVE = QColor("#f59322")
GRAD_NEGATIVE = QColor("#059669")
GRAD_POSITIVE = QColor("#db2777")
ZERO = QColor("#ffffff")


def _rgb(color: QColor) -> np.ndarray:
    return np.array([color.red(), color.green(), color.blue()], dtype=float)


_ZERO_RGB = _rgb(ZERO)
_VALUE_NEG_RGB = _rgb(VALUE_NEGATIVE)
_VALUE_POS_RGB = _rgb(VALUE_POSITIVE)


def diverging_rgb(values: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """RGB rows (0..255) for ``values`` on the blue-white-orange scale clipped at ±``scale``.

    Parameters
    ----------
    values : (m,)
    scale : the magnitude that gets the full colour

    Returns
    -------
    (m, 3) float array
    """
    values = np.asarray(values, dtype=float)
    t = np.clip(values / max(scale, 1e-12), -1.0, 1.0)
    t = np.nan_to_num(t, nan=0.0)[:, None]
    target = np.where(t >= 0, _VALUE_POS_RGB, _VALUE_NEG_RGB)
    return _ZERO_RGB + np.abs(t) * (target - _ZERO_RGB)


def diverging_color(value: float, scale: float = 1.0) -> QColor:
    r, g, b = diverging_rgb(np.array([value]), scale)[0]
    return QColor(int(round(r)), int(round(g)), int(round(b)))


def to_qcolors(rgb: np.ndarray) -> list[QColor]:
    rounded = np.rint(rgb).astype(int)
    return [QColor(int(r), int(g), int(b)) for r, g, b in rounded]


def sign_color(value: float, gradient: bool = False) -> QColor:
    """The full colour of a value's (or a gradient's) sign."""
    if gradient:
        return QColor(GRAD_POSITIVE if value >= 0 else GRAD_NEGATIVE)
    return QColor(VALUE_POSITIVE if value >= 0 else VALUE_NEGATIVE)


def with_alpha(color: QColor, alpha: int) -> QColor:
    c = QColor(color)
    c.setAlpha(max(0, min(255, int(alpha))))
    return c


def blend(color: QColor, strength: float, background: QColor = BACKGROUND) -> QColor:
    """``color`` laid over ``background`` at ``strength`` (0..1), as an opaque colour."""
    t = min(max(strength, 0.0), 1.0)
    return QColor(
        round(background.red() + t * (color.red() - background.red())),
        round(background.green() + t * (color.green() - background.green())),
        round(background.blue() + t * (color.blue() - background.blue())),
    )


def is_dark(color: QColor) -> bool:
    """Whether white text reads better than dark text on ``color`` (relative luminance)."""
    r, g, b = color.redF(), color.greenF(), color.blueF()
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.52
