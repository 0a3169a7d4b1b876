"""The one number field: every kind of field takes what a person types by hand and refuses
anything else inline, changing nothing (issue 12, "Typed numbers are never changed silently").
"""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import QLocale, QModelIndex, Qt
from PySide6.QtWidgets import QLineEdit

from bpstudio.app.document import Document
from bpstudio.app.number_text import NumberTextError, parse_number
from bpstudio.app.panels.inspector import SLIDER_STEPS, InspectorPanel
from bpstudio.app.panels.weight_matrix import WeightMatrixPanel
from bpstudio.app.selection import Selection
from bpstudio.app.widgets import IntegerSpinBox, LogSpinBox, NumberSpinBox
from bpstudio.core.engine.address import ParamRef

REFUSED = None

#: text typed → value taken, or REFUSED
TYPED = [
    ("0.2", 0.2),
    (".2", 0.2),
    ("2e-1", 0.2),
    ("-1.5E3", -1500.0),
    ("\u22121", -1.0),
    ("1/3", 1 / 3),
    ("1e999", REFUSED),
    ("1e308", 1e308),
    ("nan", REFUSED),
    ("inf", REFUSED),
    ("-inf", REFUSED),
    ("1,5", REFUSED),  # not a decimal comma in the C locale
    ("abc", REFUSED),
    ("1/0", REFUSED),
    ("2e-", REFUSED),
    ("", REFUSED),
]


@pytest.mark.parametrize(("text", "expected"), TYPED)
def test_parse_number(text: str, expected: float | None) -> None:
    if expected is REFUSED:
        with pytest.raises(NumberTextError):
            parse_number(text)
    else:
        assert parse_number(text) == expected


def test_parse_number_reads_the_locales_decimal_point_and_checks_range_and_integers() -> None:
    assert parse_number("1,5", decimal=",") == 1.5
    assert parse_number("\u22122,5e1", decimal=",") == -25.0
    with pytest.raises(NumberTextError, match="decimal point"):
        parse_number("1.5", decimal=",")
    with pytest.raises(NumberTextError, match="outside"):
        parse_number("11", maximum=10.0)
    with pytest.raises(NumberTextError, match="whole number"):
        parse_number("2.5", integer=True)
    assert parse_number("1e3", integer=True) == 1000.0
    with pytest.raises(NumberTextError, match="too large"):
        parse_number("1e99999999999")


def type_into(qtbot, field, text: str) -> None:
    field.setFocus()
    line = field.lineEdit()
    line.selectAll()
    if not text:
        qtbot.keyClick(line, Qt.Key.Key_Backspace)
    for character in text:
        # QTest cannot send U+2212 as a key; the line edit takes it as typed text.
        qtbot.keyClicks(line, character) if character.isascii() else line.insert(character)
    qtbot.keyClick(line, Qt.Key.Key_Return)
    field.clearFocus()
    field.editingFinished.emit()  # offscreen: focus out is not always delivered


def make_field(qtbot, kind: str):
    if kind == "float":
        field = NumberSpinBox()
        field.setDecimals(12)
        field.setRange(-1e309, 1e309)
    elif kind == "log":
        field = LogSpinBox(1e-6, 1e308)
    else:
        field = IntegerSpinBox()
        field.setRange(-10_000, 10_000)
    qtbot.addWidget(field)
    field.show()
    return field


def accepted_in(kind: str, expected: float | None) -> float | None:
    if expected is REFUSED:
        return REFUSED
    if kind == "log" and not 1e-6 <= expected <= 1e308:
        return REFUSED
    if kind == "int" and (expected != int(expected) or abs(expected) > 10_000):
        return REFUSED
    return expected


@pytest.mark.parametrize("kind", ["float", "log", "int"])
@pytest.mark.parametrize(("text", "expected"), TYPED)
def test_each_field_takes_or_refuses_each_text(qtbot, kind, text, expected) -> None:
    field = make_field(qtbot, kind)
    field.setValue(7)
    changes: list[float] = []
    field.valueChanged.connect(changes.append)
    want = accepted_in(kind, expected)
    type_into(qtbot, field, text)
    if want is REFUSED:
        assert field.value() == 7
        assert changes == []
        assert field.refused  # the reason was shown next to the field
        assert field.text() == field.textFromValue(7)
    else:
        assert field.value() == pytest.approx(want, rel=1e-9)


def test_a_german_locale_reads_a_decimal_comma(qtbot) -> None:
    field = make_field(qtbot, "float")
    field.setLocale(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    type_into(qtbot, field, "1,5")
    assert field.value() == 1.5
    type_into(qtbot, field, "\u22122,25")
    assert field.value() == -2.25


def test_escape_restores_the_previous_value(qtbot) -> None:
    field = make_field(qtbot, "float")
    field.setValue(3)
    field.setFocus()
    field.lineEdit().selectAll()
    qtbot.keyClicks(field.lineEdit(), "nan")
    assert field.problem
    qtbot.keyClick(field.lineEdit(), Qt.Key.Key_Escape)
    assert field.text() == field.textFromValue(3)
    assert not field.problem


def test_the_log_field_keeps_its_ladder(qtbot) -> None:
    field = make_field(qtbot, "log")
    field.setValue(0.01)
    field.stepBy(1)
    assert field.value() == pytest.approx(0.02)


@pytest.mark.parametrize(("text", "expected"), TYPED)
def test_the_inspector_value_takes_or_refuses_each_text(
    qtbot, document: Document, selection, stub_controller, text, expected
) -> None:
    panel = InspectorPanel(document, selection, stub_controller)
    qtbot.addWidget(panel)
    panel.show()
    ref = ParamRef.weight(1, 0, 1)
    selection.select(Selection.weight(1, 0, 1))
    before = document.params.copy()
    spin = panel.weight_editor.spin
    want = expected if expected is not REFUSED and abs(expected) <= spin.maximum() else REFUSED
    type_into(qtbot, spin, text)
    if want is REFUSED:
        assert document.params.allclose(before)
        assert document.undo_stack.count() == 0
        assert spin.refused
    else:
        assert document.parameter(ref) == pytest.approx(want, abs=1e-6)
        assert document.undo_stack.count() == 1


def type_into_cell(panel: WeightMatrixPanel, index: QModelIndex, text: str) -> None:
    """Open the cell's editor, type ``text`` and commit it, as Return does (the delegate
    hands the editor's text to the model)."""
    panel.table.setCurrentIndex(index)
    panel.table.edit(index)
    editor = panel.table.findChild(QLineEdit)
    assert editor is not None
    editor.setText(text)
    panel.table.itemDelegate().setModelData(editor, panel.model, index)


@pytest.mark.parametrize(("text", "expected"), TYPED)
def test_a_weight_cell_takes_or_refuses_each_text(
    qtbot, document: Document, selection, stub_controller, text, expected
) -> None:
    panel = WeightMatrixPanel(document, selection, None, stub_controller)
    inspector = InspectorPanel(document, selection, stub_controller)
    qtbot.addWidget(panel)
    qtbot.addWidget(inspector)
    panel.show()
    qtbot.waitExposed(panel)
    index = panel.model.index(0, 1)
    ref = panel.model.ref(0, 1)
    selection.select(Selection.weight(1, 0, 1))
    before = document.params.copy()
    type_into_cell(panel, index, text)
    if expected is REFUSED:
        assert document.params.allclose(before)
        assert document.undo_stack.count() == 0
        assert "was not changed" in panel.status.text()
    else:
        assert document.parameter(ref) == expected
        assert document.undo_stack.count() == 1
        # The inspector's slider stays in range whatever the value (1e308 raised before).
        slider = inspector.weight_editor.slider
        assert -SLIDER_STEPS <= slider.value() <= SLIDER_STEPS
        assert math.isfinite(inspector.weight_editor.span)


#: text typed where the locale writes a decimal comma → value taken, or REFUSED
TYPED_GERMAN = [("1,5", 1.5), ("\u22122,25", -2.25), ("1.5", REFUSED), ("1/4", 0.25)]


@pytest.mark.parametrize("where", ["cell", "inspector"])
@pytest.mark.parametrize(("text", "expected"), TYPED_GERMAN)
def test_a_cell_and_the_inspector_read_a_decimal_comma_alike(
    qtbot, document: Document, selection, stub_controller, text, expected, where
) -> None:
    """One parser: the same text gives the same weight in a cell as in the Inspector."""
    before_locale = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    try:
        before = document.params.copy()
        ref = ParamRef.weight(1, 0, 1)
        selection.select(Selection.weight(1, 0, 1))
        if where == "cell":
            panel = WeightMatrixPanel(document, selection, None, stub_controller)
            qtbot.addWidget(panel)
            panel.show()
            index = panel.model.index(0, 1)
            assert panel.model.ref(0, 1) == ref
            type_into_cell(panel, index, text)
        else:
            inspector = InspectorPanel(document, selection, stub_controller)
            qtbot.addWidget(inspector)
            inspector.show()
            type_into(qtbot, inspector.weight_editor.spin, text)
        if expected is REFUSED:
            assert document.params.allclose(before)
            assert document.undo_stack.count() == 0
        else:
            assert document.parameter(ref) == expected
            assert document.undo_stack.count() == 1
    finally:
        QLocale.setDefault(before_locale)
