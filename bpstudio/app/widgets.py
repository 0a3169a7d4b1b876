"""Widgets that several views share: number fields, and labels and fences that never
re-lay out their window.

Every place a person types a number uses :class:`NumberSpinBox` (floats; :class:`LogSpinBox`
and :class:`ValueSpinBox` are kinds of it) or :class:`IntegerSpinBox`. Both read the text
with :func:`bpstudio.app.number_text.parse_number` and refuse what it refuses, inline (a red
frame and the reason in the tooltip), restoring the previous value on focus out or Escape.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QKeyEvent, QResizeEvent, QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from bpstudio.app.number_text import NumberTextError, parse_number
from bpstudio.app.theme import css, theme

#: The largest magnitude a parameter field accepts.
VALUE_LIMIT = 1e6


class _NumberText:
    """What :class:`NumberSpinBox` and :class:`IntegerSpinBox` share: reading typed text
    with :func:`parse_number` and showing a refusal next to the field."""

    integer = False

    def _init_number_text(self: QAbstractSpinBox) -> None:  # type: ignore[misc]
        self.problem = ""
        self.refused = ""  # the reason the last typed text was not taken
        self._tip = ""
        self.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToPreviousValue)
        # A value is taken when typing ends: "1" is not taken on the way to "1e3".
        self.setKeyboardTracking(False)
        self.lineEdit().textChanged.connect(self._on_text_edited)  # type: ignore[attr-defined]
        self.editingFinished.connect(self._on_editing_finished)  # type: ignore[attr-defined]

    def read(self, text: str) -> float:
        """The value of ``text`` (with the prefix and suffix), or NumberTextError."""
        box: QAbstractSpinBox = self  # type: ignore[assignment]
        body = text
        prefix, suffix = box.prefix(), box.suffix()  # type: ignore[attr-defined]
        if prefix and body.startswith(prefix):
            body = body[len(prefix) :]
        if suffix and body.endswith(suffix):
            body = body[: -len(suffix)]
        special = box.specialValueText()
        if special and body.strip() == special.strip():
            return float(box.minimum())  # type: ignore[attr-defined]
        return parse_number(
            body,
            decimal=box.locale().decimalPoint(),
            minimum=float(box.minimum()),  # type: ignore[attr-defined]
            maximum=float(box.maximum()),  # type: ignore[attr-defined]
            integer=self.integer,
        )

    def _state(self, text: str) -> QValidator.State:
        try:
            self.read(text)
        except NumberTextError:
            # Intermediate, not Invalid: the person may be half-way through "1e-" or "1/".
            return QValidator.State.Intermediate
        return QValidator.State.Acceptable

    def _show_problem(self, problem: str) -> None:
        box: QAbstractSpinBox = self  # type: ignore[assignment]
        if problem == self.problem:
            return
        if not self.problem:
            self._tip = box.toolTip()
        self.problem = problem
        if problem:
            box.setStyleSheet(f"border: 1px solid {css(theme().messages.error)};")
            box.setToolTip(f"Not taken: {problem}.")
        else:
            box.setStyleSheet("")
            box.setToolTip(self._tip)

    def _on_text_edited(self, text: str) -> None:
        try:
            self.read(text)
        except NumberTextError as exc:
            self._show_problem(str(exc))
            return
        self._show_problem("")

    def _on_editing_finished(self) -> None:
        box: QAbstractSpinBox = self  # type: ignore[assignment]
        problem = self.problem
        if problem:
            # Qt has put the previous value back; say why the typed one was not taken.
            QToolTip.showText(
                box.mapToGlobal(box.rect().bottomLeft()), f"Not taken: {problem}.", box
            )
            self.refused = problem
            self._show_problem("")

    def _restore(self) -> None:
        box: QAbstractSpinBox = self  # type: ignore[assignment]
        box.lineEdit().setText(box.textFromValue(box.value()))  # type: ignore[attr-defined]
        self._show_problem("")

    # Qt overrides both spin boxes share (the mixin comes first in their MRO).

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:  # Qt override
        return self._state(text), text, pos

    def fixup(self, text: str) -> str:  # (Qt override)
        return text

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Escape and self.problem:
            self._restore()
            event.accept()
            return
        super().keyPressEvent(event)  # type: ignore[misc]


class NumberSpinBox(_NumberText, QDoubleSpinBox):
    """A float field that takes 0.2, .2, 2e-1, −1.5E3, the locale's decimal point and 1/3,
    and refuses anything else (NaN, inf, out of range) inline without changing its value.

    A drop-in :class:`QDoubleSpinBox`: same signals, ``setRange``, ``setDecimals``,
    ``setSingleStep``, prefix, suffix and special value text. ``problem`` holds the reason
    the text being typed would be refused ("" when it would be taken); ``refused`` the
    reason of the last refusal.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._init_number_text()

    def valueFromText(self, text: str) -> float:  # noqa: N802 (Qt override)
        try:
            return self.read(text)
        except NumberTextError:
            return self.value()


class IntegerSpinBox(_NumberText, QSpinBox):
    """A whole-number field, like :class:`NumberSpinBox`: ``1e3`` and ``−2`` are taken,
    ``2.5`` is refused. A drop-in :class:`QSpinBox`."""

    integer = True

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._init_number_text()

    def valueFromText(self, text: str) -> int:  # noqa: N802 (Qt override)
        try:
            return int(self.read(text))
        except NumberTextError:
            return self.value()


class LogSpinBox(NumberSpinBox):
    """A spin box for positive numbers spanning decades: arrows walk 1, 2, 5, 10, 20, …

    It shows 4 significant digits and reads what :class:`NumberSpinBox` reads (``3e-4``).
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
        return f"{value:.4g}".replace(".", self.locale().decimalPoint())


class ValueSpinBox(NumberSpinBox):
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


def ok_cancel_buttons(dialog: QDialog, ok_text: str | None = None) -> QDialogButtonBox:
    """OK (labelled ``ok_text`` when given) and Cancel, wired to ``dialog``'s accept and
    reject."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    if ok_text is not None:
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def close_button(dialog: QDialog) -> QDialogButtonBox:
    """Close alone, wired to ``dialog``'s reject (as Esc is)."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    return buttons


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
    """Make a label whose text changes all the time (counters) as wide as ``sample`` and
    one line high in its font, whatever its text: a widget of fixed size is the only kind
    whose new text does not make Qt lay out the layouts around it again (see
    :class:`LayoutFence`). It follows its font (presenter mode's larger type)."""
    _HeldSize(label, sample)
    return label


class _HeldSize(QObject):
    """Keeps a label at the size of a sample text in its font."""

    def __init__(self, label: QLabel, sample: str) -> None:
        super().__init__(label)
        self.sample = sample
        label.installEventFilter(self)
        self.fit(label)

    def fit(self, label: QLabel) -> None:
        metrics = label.fontMetrics()
        margins = label.contentsMargins()
        extra = 2 * label.margin()
        label.setFixedSize(
            metrics.horizontalAdvance(self.sample) + 4 + margins.left() + margins.right() + extra,
            metrics.height() + margins.top() + margins.bottom() + extra,
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.FontChange and isinstance(watched, QLabel):
            self.fit(watched)
        return False


def set_text(label: QLabel, text: str) -> bool:
    """``label.setText(text)`` unless it shows ``text`` already; whether it changed."""
    if label.text() == text:
        return False
    label.setText(text)
    return True


class LayoutFence(QWidget):
    """Holds one widget, and tells the layout around it that its size changed only when
    one of its size hints did.

    Qt re-lays out the layouts from a widget up to its window whenever the widget's text
    changes, whatever its size policy: ``QLabel.setText`` calls ``updateGeometry``, and
    every layout that then activates calls its own widget's ``updateGeometry`` whether or
    not a hint changed. Only a widget of fixed size stops it. In the main window that
    chain ends in the dock layout, which lays out every dock again (and starts a
    geometry animation for each) several times a frame while training runs. The fence has
    no layout: its widget's ``updateGeometry`` posts it a layout request, and it compares
    the widget's hints with those it passed on last.
    """

    def __init__(self, widget: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.widget = widget
        widget.setParent(self)
        widget.installEventFilter(self)
        self._hints = self._read_hints()
        self._follow()
        self.setVisible(not widget.isHidden())
        #: Layout requests passed on to the layout around the fence (tests).
        self.passed = 0

    def _read_hints(self) -> tuple[object, ...]:
        """The widget's hints as a layout reads them: a direction whose policy is Ignored
        takes neither hint into account (a caption's text width, say)."""
        w = self.widget
        policy = w.sizePolicy()
        hint, minimum = w.sizeHint(), w.minimumSizeHint()
        for size in (hint, minimum):
            if policy.horizontalPolicy() == QSizePolicy.Policy.Ignored:
                size.setWidth(0)
            if policy.verticalPolicy() == QSizePolicy.Policy.Ignored:
                size.setHeight(0)
        height_for_width = w.heightForWidth(self.width()) if w.hasHeightForWidth() else -1
        return (hint, minimum, w.minimumSize(), w.maximumSize(), policy, height_for_width)

    def _follow(self) -> None:
        self.setSizePolicy(self.widget.sizePolicy())
        self.setMinimumSize(self.widget.minimumSize())
        self.setMaximumSize(self.widget.maximumSize())

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return self.widget.sizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return self.widget.minimumSizeHint()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt override)
        return self.widget.hasHeightForWidth()

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt override)
        return self.widget.heightForWidth(width)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self.widget.setGeometry(self.rect())

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            hints = self._read_hints()
            if hints != self._hints:
                self._hints = hints
                self._follow()
                self.passed += 1
                self.updateGeometry()
            return True
        return super().event(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        # Shown or hidden by its owner: the fence takes (or gives up) its place in the layout.
        if watched is self.widget:
            if event.type() == QEvent.Type.ShowToParent:
                self.setVisible(True)
            elif event.type() == QEvent.Type.HideToParent:
                self.setVisible(False)
        return False


class PageStack(QWidget):
    """Pages of which one is shown, laid out as tall as the shown page alone.

    A QStackedWidget is as tall as its tallest page: its stacked layout answers the height
    for a width of every page, so a short page in a scroll area gets the tallest one's
    height and stretches its contents. Here the other pages are hidden, and a box layout
    leaves hidden widgets out.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pages: list[QWidget] = []
        self._current = -1
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def addWidget(self, page: QWidget) -> int:  # noqa: N802 (QStackedWidget's name)
        self._layout.addWidget(page)
        self._pages.append(page)
        page.setVisible(len(self._pages) == 1)
        if self._current < 0:
            self._current = 0
        return len(self._pages) - 1

    def count(self) -> int:
        return len(self._pages)

    def widget(self, index: int) -> QWidget:
        return self._pages[index]

    def currentIndex(self) -> int:  # noqa: N802 (QStackedWidget's name)
        return self._current

    def currentWidget(self) -> QWidget | None:  # noqa: N802 (QStackedWidget's name)
        return self._pages[self._current] if self._current >= 0 else None

    def setCurrentIndex(self, index: int) -> None:  # noqa: N802 (QStackedWidget's name)
        if not 0 <= index < len(self._pages):
            raise IndexError(f"no page {index} of {len(self._pages)}")
        self._current = index
        for i, page in enumerate(self._pages):
            if i != index:
                page.setVisible(False)
        self._pages[index].setVisible(True)
