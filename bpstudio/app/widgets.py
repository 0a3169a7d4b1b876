"""Widgets that several views share: number fields and labels that never re-lay out
their window."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QSizePolicy, QWidget

#: The largest magnitude a parameter field accepts.
VALUE_LIMIT = 1e6


class LogSpinBox(QDoubleSpinBox):
    """A spin box for positive numbers spanning decades: arrows walk 1, 2, 5, 10, 20, …

    It shows 4 significant digits and accepts scientific notation (``3e-4``).
    """

    LADDER = (1.0, 2.0, 5.0)

    def __init__(self, minimum: float, maximum: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(12)
        self.setRange(minimum, maximum)
        self.setKeyboardTracking(False)
        self.setAccelerated(True)

    def stepBy(self, steps: int) -> None:  # noqa: N802 (Qt override)
        value = self.value()
        for _ in range(abs(steps)):
            value = self._next(value, up=steps > 0)
        self.setValue(value)

    def _next(self, value: float, up: bool) -> float:
        if value <= 0:
            return self.minimum() if up else value
        decade = math.floor(math.log10(value))
        candidates = [m * 10.0**e for e in (decade - 1, decade, decade + 1) for m in self.LADDER]
        if up:
            bigger = [c for c in candidates if c > value * (1 + 1e-9)]
            return min(bigger)
        smaller = [c for c in candidates if c < value * (1 - 1e-9)]
        return max(smaller)

    def textFromValue(self, value: float) -> str:  # noqa: N802 (Qt override)
        return f"{value:.4g}"

    def valueFromText(self, text: str) -> float:  # noqa: N802 (Qt override)
        try:
            return float(text.strip())
        except ValueError:
            return self.value()

    def validate(  # (Qt override)
        self, text: str, pos: int
    ) -> tuple[QValidator.State, str, int]:
        stripped = text.strip()
        try:
            value = float(stripped)
        except ValueError:
            ok = stripped == "" or all(c in "0123456789.eE+-" for c in stripped)
            state = QValidator.State.Intermediate if ok else QValidator.State.Invalid
            return state, text, pos
        if self.minimum() <= value <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos


class ValueSpinBox(QDoubleSpinBox):
    """A spin box for a parameter's value: up to six decimals, without trailing zeros."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(6)
        self.setRange(-VALUE_LIMIT, VALUE_LIMIT)
        self.setSingleStep(0.1)
        self.setKeyboardTracking(False)  # one edit per committed value, not per keystroke
        self.setAccelerated(True)
        self.setAlignment(Qt.AlignmentFlag.AlignRight)

    def textFromValue(self, value: float) -> str:  # noqa: N802 (Qt override)
        text = super().textFromValue(value)
        point = self.locale().decimalPoint()
        if point in text:
            text = text.rstrip("0").rstrip(point)
        return "0" if text in ("-0", "") else text


def status_label() -> QLabel:
    """A one-line rich-text label whose changing text never re-lays out its window.

    A label's size hint follows its text; when the text changes on every snapshot, the
    layouts up to the main window are redone and every plot in the window is resized and
    repainted. Ignoring the width and fixing the height keeps the layout still.
    """
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
    label.setMinimumWidth(40)
    return label


def hold_width(label: QLabel, sample: str) -> QLabel:
    """Make a label whose text changes all the time (counters) keep the width of ``sample``
    in its font, so its text never re-lays out its window (see :func:`status_label`)."""
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
    label.setMinimumWidth(label.fontMetrics().horizontalAdvance(sample) + 4)
    return label
