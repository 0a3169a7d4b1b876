"""Plots (pyqtgraph): the cost curves, the gradient vector ∇C and its per-layer norms, the
decision boundary; and the axis helpers they share."""

import contextlib
import math
from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QWidget

from bpstudio.app.theme import notifier

#: Width of a vertical axis, in pixels: room for "-0.0005" or "1e-05" in the default font.
AXIS_WIDTH = 56


def fix_axis_widths(item: object, names: tuple[str, ...] = ("left",)) -> None:
    """Give the vertical axes of a pyqtgraph PlotItem a fixed width.

    By default an axis grows and shrinks with its widest tick label, and every change lays
    the whole plot out again: a long frame each time a range steps while training runs.
    """
    for name in names:
        item.getAxis(name).setWidth(AXIS_WIDTH)  # type: ignore[attr-defined]


def nice_ceil(value: float) -> float:
    """The smallest of 1, 2, 5 × 10ⁿ that is ≥ ``value`` (for axis ranges that change
    in steps, so the axes are not re-laid out on every redraw)."""
    if not math.isfinite(value) or value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for mantissa in (1.0, 2.0, 5.0, 10.0):
        candidate = mantissa * 10.0**exponent
        if candidate >= value * (1 - 1e-12):
            return candidate
    return 10.0 ** (exponent + 1)


def stepped_range(
    current: tuple[float, float] | None, low: float, high: float, slack: float = 2.5
) -> tuple[float, float]:
    """A range covering [low, high] with ends on the 1-2-5 ladder; ``current`` is kept
    while it covers the data and is at most ``slack`` times too wide (hysteresis)."""
    top = nice_ceil(high) if high > 0 else 0.0
    bottom = -nice_ceil(-low) if low < 0 else 0.0
    if top == bottom:
        top = bottom + 1.0
    if current is not None:
        c_low, c_high = current
        covers = c_low <= low and c_high >= high
        snug = (c_high - c_low) <= slack * (top - bottom)
        if covers and snug:
            return current
    return bottom, top


def follow_theme(owner: QWidget, widget: pg.PlotWidget, redraw: Callable[[], None]) -> None:
    """Keep ``widget``'s background and axes in the colours of the application palette
    (which follows the theme), and call ``redraw`` so pens taken from the theme are taken
    again, whenever the theme changes while ``owner`` lives.

    The new application palette reaches ``owner`` through posted palette-change events, so
    the colours are taken once those have been delivered (at the event loop's next turn).
    """

    def on_theme_changed() -> None:
        QTimer.singleShot(0, owner, recolour)

    def recolour() -> None:
        palette = owner.palette()
        widget.setBackground(palette.color(QPalette.ColorRole.Base))
        item = widget.getPlotItem()
        for name in ("left", "bottom", "right", "top"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(palette.color(QPalette.ColorRole.Text)))
            axis.setTextPen(pg.mkPen(palette.color(QPalette.ColorRole.Text)))
        redraw()

    notifier().themeChanged.connect(on_theme_changed)
    owner.destroyed.connect(lambda: _disconnect(on_theme_changed))


def _disconnect(slot: Callable[[], None]) -> None:
    with contextlib.suppress(RuntimeError, TypeError):
        notifier().themeChanged.disconnect(slot)
