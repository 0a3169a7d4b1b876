"""Editing through the inspector, the weight matrix and the network actions.

Every edit must land on the undo stack (one step per gesture), undo and redo exactly, and a
bad value must change nothing and say why.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLineEdit

from bpstudio.app.actions import NetworkActions
from bpstudio.app.commands import EditNetworkCommand
from bpstudio.app.dialogs.initialize import InitializeDialog
from bpstudio.app.dialogs.new_project import NewProjectDialog
from bpstudio.app.document import Document
from bpstudio.app.notation import Notation, format_value
from bpstudio.app.panels.inspector import SLIDER_STEPS, InspectorPanel, slider_span
from bpstudio.app.panels.weight_matrix import (
    WeightMatrixModel,
    WeightMatrixPanel,
    diverging_colour,
    parse_number,
    split_block,
)
from bpstudio.app.selection import Selection, SelectionModel
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.backprop import forward
from bpstudio.core.engine.network import NetworkSpec, Params, initialize, initialize_layer
from bpstudio.core.files.project import Project
from bpstudio.core.files.templates import TEMPLATES, make_project


@pytest.fixture
def inspector(qtbot, document, selection, stub_controller) -> InspectorPanel:
    panel = InspectorPanel(document, selection, stub_controller)
    qtbot.addWidget(panel)
    return panel


@pytest.fixture
def matrix(qtbot, document, selection, stub_controller) -> WeightMatrixPanel:
    panel = WeightMatrixPanel(document, selection, None, stub_controller)
    qtbot.addWidget(panel)
    panel.resize(600, 400)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def copy_of(document: Document) -> tuple[NetworkSpec, Params]:
    return document.spec, document.params.copy()


def assert_unchanged(document: Document, before: tuple[NetworkSpec, Params]) -> None:
    assert document.spec == before[0]
    assert document.params.allclose(before[1])
    assert document.undo_stack.count() == 0


# -- inspector -------------------------------------------------------------------------------------


def test_inspector_without_selection_summarises_the_network(inspector, document) -> None:
    assert inspector.pages.currentIndex() == inspector.PAGE_SUMMARY
    assert "Click a neuron or a weight" in inspector.subtitle.text()
    assert inspector.sizes_label.text() == "2 – 4 – 1"
    assert inspector.count_label.text().startswith(f"{document.spec.parameter_count} ")
    assert inspector.cost_combo.currentData() == "cross_entropy"


def test_inspector_names_the_selection_in_the_notes_notation(inspector, selection) -> None:
    selection.select(Selection.neuron(1, 2))
    assert inspector.pages.currentIndex() == inspector.PAGE_NEURON
    nt = Notation()  # absolute layer numbers, the default
    assert nt.neuron(1, 2) in inspector.title.text()
    assert "<i>a</i><sub>2</sub><sup>(1)</sup>" in inspector.title.text()
    assert nt.bias(1, 2) in inspector.bias_name.text()

    selection.select(Selection.weight(2, 0, 3))
    assert inspector.pages.currentIndex() == inspector.PAGE_WEIGHT
    assert "<i>w</i><sub>03</sub><sup>(2)</sup>" in inspector.title.text()

    selection.select(Selection.neuron(0, 1))
    assert inspector.pages.currentIndex() == inspector.PAGE_INPUT
    assert nt.input_value(1) in inspector.title.text()


def test_editing_a_weight_in_the_spin_box_is_one_undoable_step(
    inspector, selection, document
) -> None:
    selection.select(Selection.weight(1, 2, 1))
    original = document.parameter(ParamRef.weight(1, 2, 1))
    assert inspector.weight_editor.value == original

    inspector.weight_editor.spin.setValue(0.75)

    assert document.parameter(ParamRef.weight(1, 2, 1)) == 0.75
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert document.parameter(ParamRef.weight(1, 2, 1)) == original
    assert inspector.weight_editor.spin.value() == pytest.approx(original, abs=1e-6)
    document.undo_stack.redo()
    assert document.parameter(ParamRef.weight(1, 2, 1)) == 0.75
    assert inspector.weight_editor.spin.value() == 0.75


def test_typing_a_bias_commits_on_enter(qtbot, inspector, selection, document) -> None:
    selection.select(Selection.neuron(2, 0))
    line = inspector.bias_editor.spin.lineEdit()
    line.selectAll()
    qtbot.keyClicks(line, "-1.25")
    assert document.undo_stack.count() == 0  # no edit per keystroke
    qtbot.keyClick(line, Qt.Key.Key_Return)
    assert document.parameter(ParamRef.bias(2, 0)) == -1.25
    assert document.undo_stack.count() == 1


def test_a_slider_drag_is_one_undo_step_and_the_next_drag_another(
    inspector, selection, document
) -> None:
    selection.select(Selection.neuron(1, 0))
    original = document.parameter(ParamRef.bias(1, 0))
    slider = inspector.bias_editor.slider
    span = inspector.bias_editor.span

    slider.setSliderDown(True)
    for position in (100, 200, 300, 500):
        slider.setValue(position)
    slider.setSliderDown(False)

    assert document.parameter(ParamRef.bias(1, 0)) == pytest.approx(500 / SLIDER_STEPS * span)
    assert document.undo_stack.count() == 1
    after_first = document.parameter(ParamRef.bias(1, 0))

    slider.setSliderDown(True)
    slider.setValue(-250)
    slider.setValue(-400)
    slider.setSliderDown(False)
    assert document.undo_stack.count() == 2

    document.undo_stack.undo()
    assert document.parameter(ParamRef.bias(1, 0)) == after_first
    document.undo_stack.undo()
    assert document.parameter(ParamRef.bias(1, 0)) == original


def test_slider_span_covers_the_value() -> None:
    assert slider_span(0.0) == 4.0
    assert slider_span(1.9) == 4.0
    assert slider_span(-3.0) == 10.0
    for value in (0.3, 7.5, -42.0, 1234.5):
        assert slider_span(value) >= max(4.0, 2 * abs(value))


def test_activation_combo_pushes_a_network_edit_and_pauses_training(
    inspector, selection, document, stub_controller
) -> None:
    selection.select(Selection.neuron(1, 0))
    combo = inspector.activation_combo
    assert combo.currentData() == "tanh"
    assert combo.findData("softmax") == -1  # not offered for a hidden layer

    combo.setCurrentIndex(combo.findData("relu"))

    assert document.spec.activations == ("relu", "sigmoid")
    assert isinstance(document.undo_stack.command(0), EditNetworkCommand)
    assert (stub_controller.pauses, stub_controller.finishes) == (1, 1)
    document.undo_stack.undo()
    assert document.spec.activations == ("tanh", "sigmoid")
    assert combo.currentData() == "tanh"


def test_an_activation_the_cost_cannot_use_changes_nothing_and_says_why(
    inspector, selection, document
) -> None:
    before = copy_of(document)
    selection.select(Selection.neuron(2, 0))  # the sigmoid output, with cross-entropy
    combo = inspector.activation_combo

    combo.setCurrentIndex(combo.findData("linear"))

    assert_unchanged(document, before)
    assert inspector.message.isVisibleTo(inspector)
    assert "cross_entropy" in inspector.message.text()
    assert combo.currentData() == "sigmoid"


def test_cost_combo_refuses_cross_entropy_with_a_linear_output(qtbot, stub_controller) -> None:
    document = Document(make_project("sine"))  # linear output, squared error
    panel = InspectorPanel(document, SelectionModel(), stub_controller)
    qtbot.addWidget(panel)
    before = copy_of(document)

    panel.cost_combo.setCurrentIndex(panel.cost_combo.findData("cross_entropy"))

    assert_unchanged(document, before)
    assert "Cross-entropy" in panel.message.text()
    assert "linear" in panel.message.text()
    assert panel.cost_combo.currentData() == "squared_error"

    panel.cost_combo.setCurrentIndex(panel.cost_combo.findData("mse"))
    assert document.spec.loss == "mse"
    assert not panel.message.isVisibleTo(panel)
    document.undo_stack.undo()
    assert document.spec.loss == "squared_error"
    assert panel.cost_combo.currentData() == "squared_error"


def test_inspector_shows_live_values_from_the_snapshot(
    qtbot, document, selection, controller
) -> None:
    panel = InspectorPanel(document, selection, controller)
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: controller.snapshot is not None, timeout=10_000)
    with qtbot.waitSignal(controller.snapshotShown, timeout=10_000):
        controller.step("batch")
    qtbot.waitUntil(lambda: document.project.step == 1, timeout=10_000)
    snapshot = controller.snapshot
    assert snapshot is not None
    assert snapshot.batch_grads is not None
    probe = snapshot.probe
    assert probe is not None
    assert probe.grads is not None

    selection.select(Selection.neuron(1, 3))
    # One state: after the step, the numbers of the step just taken, before its update.
    assert snapshot.after_update
    assert "before its update" in panel.neuron_probe_box.title()
    trace = forward(document.spec, snapshot.pass_params, probe.x)
    z, a = trace.Z[0][0, 3], trace.A[1][0, 3]
    assert panel.live_numbers()["z"] == z
    values = panel.neuron_probe.values
    assert values["z"].text() == format_value(z)
    assert values["a"].text() == format_value(a)
    assert values["slope"].text() == format_value(1 - np.tanh(z) ** 2)
    assert values["dC_da"].text() == format_value(probe.grads.dA[1][0, 3])
    db = snapshot.batch_grads.db[0][3]
    assert panel.neuron_batch.values["dC_db"].text() == format_value(db)

    selection.select(Selection.weight(2, 0, 1))
    dw = snapshot.batch_grads.dW[1][0, 1]
    assert panel.weight_batch.values["dC_dw"].text() == format_value(dw)

    selection.select(Selection.neuron(0, 1))
    assert panel.input_probe.values["x"].text() == format_value(probe.x[0, 1])


# -- weight matrix -------------------------------------------------------------------------------


def test_table_shows_w_with_rows_j_columns_k_and_a_bias_column(matrix, document) -> None:
    model = matrix.model
    assert model.layer == 1
    assert (model.rowCount(), model.columnCount()) == (4, 3)
    assert model.headerData(0, Qt.Orientation.Vertical) == "j=0"
    assert model.headerData(1, Qt.Orientation.Horizontal) == "k=1"
    assert model.headerData(2, Qt.Orientation.Horizontal) == "b"
    W, b = document.params.W[0], document.params.b[0]
    assert float(model.data(model.index(3, 1), Qt.ItemDataRole.EditRole)) == W[3, 1]
    assert float(model.data(model.index(2, 2), Qt.ItemDataRole.EditRole)) == b[2]
    assert matrix.layer_combo.currentText() == "Layer 1 (4×2)"


def test_diverging_colours_blue_white_orange() -> None:
    white, blue, orange = (
        diverging_colour(0.0, 1.0),
        diverging_colour(-1, 1),
        diverging_colour(1, 1),
    )
    assert white.name() == "#ffffff"
    assert blue.blue() > blue.red()
    assert orange.red() > orange.blue()
    assert diverging_colour(5.0, 1.0) == orange  # clipped at the scale


def test_set_data_pushes_one_command_and_undoes(matrix, document) -> None:
    model = matrix.model
    assert model.setData(model.index(1, 0), "0.625")
    assert model.setData(model.index(1, 2), 1.5)  # the bias column
    assert document.parameter(ParamRef.weight(1, 1, 0)) == 0.625
    assert document.parameter(ParamRef.bias(1, 1)) == 1.5
    assert document.undo_stack.count() == 2
    assert model.data(model.index(1, 0), Qt.ItemDataRole.DisplayRole) == "0.6250"
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.undo_stack.index() == 0
    assert float(model.data(model.index(1, 0), Qt.ItemDataRole.EditRole)) != 0.625


@pytest.mark.parametrize("bad", ["abc", "", "nan", "inf", "-inf", "1e999", float("nan")])
def test_a_bad_cell_value_changes_nothing_and_says_why(matrix, document, bad) -> None:
    before = copy_of(document)
    model = matrix.model
    assert not model.setData(model.index(0, 1), bad)
    assert_unchanged(document, before)
    assert "w₀₁⁽¹⁾ was not changed" in matrix.status.text()


def test_editing_through_the_delegate(qtbot, matrix, document) -> None:
    index = matrix.model.index(2, 1)
    matrix.table.setCurrentIndex(index)
    matrix.table.edit(index)
    editor = matrix.table.viewport().findChild(QLineEdit)
    assert editor is not None
    assert float(editor.text()) == document.parameter(ParamRef.weight(1, 2, 1))  # full precision
    editor.setText("-0.3125")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # The delegate commits through a queued call.
    qtbot.waitUntil(lambda: document.parameter(ParamRef.weight(1, 2, 1)) == -0.3125)
    assert document.undo_stack.count() == 1


def test_paste_a_block_is_one_undo_step(qtbot, matrix, document) -> None:
    before = document.params.copy()
    matrix.table.setCurrentIndex(matrix.model.index(1, 0))
    QGuiApplication.clipboard().setText("1\t2\t3\n4\t5\t6\n")

    qtbot.keyClick(matrix.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)

    np.testing.assert_array_equal(document.params.W[0][1:3], [[1, 2], [4, 5]])
    np.testing.assert_array_equal(document.params.b[0][1:3], [3, 6])
    np.testing.assert_array_equal(document.params.W[0][[0, 3]], before.W[0][[0, 3]])
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert document.params.allclose(before)
    document.undo_stack.redo()
    np.testing.assert_array_equal(document.params.b[0][1:3], [3, 6])


def test_paste_comma_separated_and_decimal_commas(matrix, document) -> None:
    matrix.table.setCurrentIndex(matrix.model.index(0, 0))
    assert matrix.paste_text("0.5, -1.5\n")
    np.testing.assert_array_equal(document.params.W[0][0], [0.5, -1.5])
    # A decimal comma is the locale's, as in every number field: refused in the C locale.
    assert not matrix.paste_text("0,25\t\u22120,75\n")
    assert "“0,25” is not a number" in matrix.status.text()
    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    try:
        assert matrix.paste_text("0,25\t\u22120,75\n")
    finally:
        QLocale.setDefault(before)
    np.testing.assert_array_equal(document.params.W[0][0], [0.25, -0.75])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1\t2\n3\tx\n", "row j=2, column k=1: “x” is not a number"),
        ("1\t2\n3\tnan\n", "row j=2, column k=1: “nan” is not a finite number"),
        ("1\t\t3\n", "row j=1, column k=1: the cell is empty"),
        ("1\t2\t3\t4\n", "does not fit"),
        ("1\n2\n3\n4\n", "does not fit"),
        ("\n\n", "no values"),
    ],
)
def test_a_bad_paste_changes_nothing_and_names_the_cell(matrix, document, text, message) -> None:
    before = copy_of(document)
    matrix.table.setCurrentIndex(matrix.model.index(1, 0))
    assert not matrix.paste_text(text)
    assert_unchanged(document, before)
    assert message in matrix.status.text()
    assert matrix.status.text().startswith("Nothing was pasted")


def test_one_value_pasted_over_a_selection_fills_it(matrix, document) -> None:
    model = matrix.model
    table = matrix.table
    table.setCurrentIndex(model.index(0, 0))
    table.selectAll()
    assert matrix.paste_text("0.5")
    assert np.all(document.params.W[0] == 0.5)
    assert np.all(document.params.b[0] == 0.5)
    assert document.undo_stack.count() == 1


def test_copy_then_paste_round_trips_exactly(qtbot, matrix, document) -> None:
    table, model = matrix.table, matrix.model
    table.setCurrentIndex(model.index(0, 0))
    table.selectAll()
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    text = QGuiApplication.clipboard().text()
    assert text.count("\n") == 4
    assert text.splitlines()[0].count("\t") == 2
    original = document.params.copy()

    assert matrix.zero_selection()
    assert np.all(document.params.W[0] == 0)
    table.setCurrentIndex(model.index(0, 0))
    assert matrix.paste_text(text)
    assert document.params.allclose(original)  # repr() keeps every bit


def test_delete_in_the_table_zeros_cells_and_keeps_the_neuron(
    qtbot, matrix, document, selection, stub_controller
) -> None:
    actions = NetworkActions(document, selection, stub_controller, None)
    matrix.addAction(actions.act_delete)  # the window's Delete shortcut, within reach
    assert matrix.model.setData(matrix.model.index(1, 2), 0.5)  # b_1 was 0: nothing to delete
    matrix.table.setCurrentIndex(matrix.model.index(1, 2))  # b_1: selects neuron a_1^(1)
    assert selection.selection == Selection.neuron(1, 1)
    assert actions.act_delete.isEnabled()

    qtbot.keyClick(matrix.table, Qt.Key.Key_Delete)

    assert document.spec.layer_sizes == (2, 4, 1)
    assert document.parameter(ParamRef.bias(1, 1)) == 0.0
    assert document.undo_stack.count() == 2


def test_cells_and_the_selection_model_follow_each_other(matrix, selection) -> None:
    model, table = matrix.model, matrix.table
    table.setCurrentIndex(model.index(3, 1))
    assert selection.selection == Selection.weight(1, 3, 1)
    table.setCurrentIndex(model.index(0, 2))
    assert selection.selection == Selection.neuron(1, 0)

    selection.select(Selection.weight(2, 0, 2))
    assert model.layer == 2
    assert matrix.layer_combo.currentData() == 2
    assert (table.currentIndex().row(), table.currentIndex().column()) == (0, 2)

    matrix.layer_combo.setCurrentIndex(0)
    assert selection.layer == 1
    assert model.layer == 1


def test_table_follows_structural_edits(matrix, document) -> None:
    from bpstudio.core.engine import edits

    spec, params = edits.add_neuron(document.spec, document.params, 0, document.rng)
    document.push(EditNetworkCommand(document, "add input", spec, params))
    assert matrix.model.columnCount() == 4
    assert matrix.layer_combo.itemText(0) == "Layer 1 (4×3)"
    document.undo_stack.undo()
    assert matrix.model.columnCount() == 3


def test_a_big_layer_is_served_by_the_model(qtbot, selection, stub_controller) -> None:
    spec = NetworkSpec.build([784, 128, 10], "relu", "softmax", "cross_entropy")
    document = Document(Project(spec, initialize(spec, "he", 0)))
    panel = WeightMatrixPanel(document, selection, None, stub_controller)
    qtbot.addWidget(panel)
    model = panel.model
    assert (model.rowCount(), model.columnCount()) == (128, 785)
    assert panel.table.findChildren(QLineEdit) == []  # no per-cell widgets
    assert model.setData(model.index(127, 784), "0.5")
    assert document.parameter(ParamRef.bias(1, 127)) == 0.5
    panel.table.setCurrentIndex(model.index(100, 700))
    assert panel.paste_text("1\t2\n3\t4\n")
    np.testing.assert_array_equal(document.params.W[0][100:102, 700:702], [[1, 2], [3, 4]])


def test_initialise_layer_from_the_panel_is_one_step(matrix, document, selection) -> None:
    asked: list[tuple[int | None, int]] = []

    def choose(_parent, layer: int | None, seed: int) -> tuple[str, int]:
        asked.append((layer, seed))
        return "normal", 7

    matrix.choose_initializer = choose
    before = document.params.copy()
    selection.select_layer(2)
    matrix.init_layer_button.click()

    W, b = initialize_layer(document.spec, 2, "normal", 7)
    np.testing.assert_array_equal(document.params.W[1], W)
    np.testing.assert_array_equal(document.params.b[1], b)
    np.testing.assert_array_equal(document.params.W[0], before.W[0])
    assert document.undo_stack.count() == 1
    assert "Initialise layer 2" in document.undo_stack.undoText()
    assert asked == [(2, document.hyperparameters.seed)]


def test_the_initialise_dialog_reads_its_choice(qtbot) -> None:
    dialog = InitializeDialog(None, layer=2, seed=3)
    qtbot.addWidget(dialog)
    assert (dialog.layer, dialog.scheme, dialog.seed) == (2, "xavier", 3)
    dialog.scheme_combo.setCurrentIndex(dialog.scheme_combo.findData("normal"))
    dialog.seed_spin.setValue(7)
    assert (dialog.scheme, dialog.seed) == ("normal", 7)
    assert "Layer 2" in dialog.windowTitle()


def test_initialise_network_cancelled_changes_nothing(matrix, document) -> None:
    matrix.choose_initializer = lambda *_args: None
    before = copy_of(document)
    matrix.init_network_button.click()
    assert_unchanged(document, before)


@pytest.mark.parametrize(
    ("text", "expected"), [("1.5", 1.5), (" -2 ", -2.0), ("\u22123e-2", -0.03)]
)
def test_parse_number(text: str, expected: float) -> None:
    assert parse_number(text) == expected


def test_split_block() -> None:
    assert split_block("1\t2\r\n3\t4\r\n") == [["1", "2"], ["3", "4"]]
    assert split_block("1,2\n") == [["1", "2"]]
    assert split_block("1 2  3\n") == [["1", "2", "3"]]


def test_model_standalone_follows_the_document(qtbot, document) -> None:
    model = WeightMatrixModel(document, layer=5)  # clamped to the last layer
    assert model.layer == 2
    with qtbot.waitSignal(model.dataChanged):
        document.push(
            EditNetworkCommand(document, "init", document.spec, initialize(document.spec, "he", 3))
        )


# -- network actions -------------------------------------------------------------------------------


@pytest.fixture
def actions(document, selection, stub_controller) -> NetworkActions:
    return NetworkActions(document, selection, stub_controller, None)


@pytest.fixture
def warnings_shown(actions) -> list[str]:
    shown: list[str] = []
    actions.warn = lambda _title, text: shown.append(text)
    return shown


def test_actions_follow_the_selection(actions, selection) -> None:
    assert not actions.act_delete.isEnabled()
    assert not actions.act_add_neuron.isEnabled()
    assert not actions.act_remove_layer.isEnabled()
    assert not actions.activation_menu.isEnabled()
    assert actions.cost_actions["cross_entropy"].isChecked()

    selection.select(Selection.neuron(1, 0))
    assert actions.act_delete.isEnabled()
    assert actions.act_remove_layer.isEnabled()
    assert actions.activation_menu.isEnabled()
    assert actions.activation_actions["tanh"].isChecked()
    assert not actions.activation_actions["softmax"].isEnabled()

    selection.select(Selection.neuron(2, 0))  # the only output neuron
    assert not actions.act_delete.isEnabled()
    assert not actions.act_remove_layer.isEnabled()
    assert actions.activation_actions["softmax"].isEnabled()

    selection.select(Selection.weight(1, 0, 0))
    assert not actions.act_delete.isEnabled()
    assert actions.act_add_neuron.isEnabled()


def test_delete_removes_the_selected_neuron_in_one_step(
    actions, selection, document, stub_controller
) -> None:
    selection.select(Selection.neuron(1, 2))
    W2 = document.params.W[1].copy()
    actions.act_delete.trigger()
    assert document.spec.layer_sizes == (2, 3, 1)
    np.testing.assert_array_equal(document.params.W[1], np.delete(W2, 2, axis=1))
    assert selection.selection == Selection.neuron(1, 2)
    assert (stub_controller.pauses, stub_controller.finishes) == (1, 1)
    document.undo_stack.undo()
    assert document.spec.layer_sizes == (2, 4, 1)
    np.testing.assert_array_equal(document.params.W[1], W2)


def test_add_and_remove_layers_and_neurons(actions, selection, document) -> None:
    selection.select(Selection.neuron(1, 0))
    actions.act_add_layer.trigger()  # after layer 1
    assert document.spec.layer_sizes == (2, 4, 4, 1)
    assert document.spec.activations == ("tanh", "tanh", "sigmoid")
    assert selection.selection == Selection.neuron(2, 0)

    actions.act_add_neuron.trigger()
    assert document.spec.layer_sizes == (2, 4, 5, 1)
    assert selection.selection == Selection.neuron(2, 4)

    actions.act_remove_layer.trigger()
    assert document.spec.layer_sizes == (2, 4, 1)
    assert selection.selection is None

    actions.act_add_layer.trigger()  # nothing selected: before the output
    assert document.spec.layer_sizes == (2, 4, 4, 1)
    assert document.undo_stack.count() == 4
    while document.undo_stack.canUndo():
        document.undo_stack.undo()
    assert document.spec.layer_sizes == (2, 4, 1)


def test_set_activation_and_cost_from_the_menus(
    actions, selection, document, warnings_shown
) -> None:
    selection.select(Selection.neuron(2, 0))
    actions.activation_actions["softmax"].trigger()
    assert document.spec.activations == ("tanh", "softmax")
    actions.cost_actions["squared_error"].trigger()
    assert document.spec.loss == "squared_error"
    actions.activation_actions["linear"].trigger()
    assert document.spec.activations == ("tanh", "linear")
    assert warnings_shown == []

    before = copy_of(document)
    count = document.undo_stack.count()
    actions.cost_actions["cross_entropy"].trigger()  # a linear output: refused
    assert document.spec == before[0]
    assert document.undo_stack.count() == count
    assert len(warnings_shown) == 1
    assert "linear" in warnings_shown[0]
    assert actions.cost_actions["squared_error"].isChecked()


def test_a_refused_edit_reports_the_reason(actions, selection, document, warnings_shown) -> None:
    selection.select(Selection.neuron(1, 0))
    before = copy_of(document)
    # Softmax is greyed out for hidden layers; a canvas palette might still ask for it.
    actions.activation_group.triggered.emit(actions.activation_actions["softmax"])
    assert_unchanged(document, before)
    assert len(warnings_shown) == 1
    assert "softmax" in warnings_shown[0]


def test_initialise_network_action(actions, document) -> None:
    actions.choose_initializer = lambda _parent, layer, seed: ("xavier", seed)
    expected = initialize(document.spec, "xavier", document.hyperparameters.seed)
    actions.act_initialize.trigger()  # the weights it would draw are those it has
    assert document.undo_stack.count() == 0  # an edit that changes nothing is no undo step

    zeros = Params([np.zeros_like(W) for W in expected.W], [np.zeros_like(b) for b in expected.b])
    document.push(EditNetworkCommand(document, "Zero", document.spec, zeros))
    actions.act_initialize.trigger()
    assert document.params.allclose(expected)
    assert document.undo_stack.count() == 2


def test_add_actions_to_menus(qtbot, actions) -> None:
    from PySide6.QtWidgets import QMenu

    edit, network = QMenu(), QMenu()
    actions.add_edit_actions(edit)
    actions.add_network_actions(network)
    assert actions.act_delete in edit.actions()
    assert actions.act_add_layer in network.actions()
    titles = [a.menu().title() for a in network.actions() if a.menu() is not None]
    assert any("Activation" in t for t in titles)
    assert any("Cost" in t for t in titles)


# -- dialogs ---------------------------------------------------------------------------------------


def test_new_project_dialog_defaults_to_the_note(qtbot) -> None:
    dialog = NewProjectDialog()
    qtbot.addWidget(dialog)
    assert dialog.template_name is None
    assert dialog.selected_name() == "note"
    assert dialog.list.count() == len(TEMPLATES)
    dialog.select("digits")
    assert "64 – 32 – 10" in dialog.details.text()
    dialog.accept()
    assert dialog.template_name == "digits"


def test_new_project_dialog_cancel_leaves_no_template(qtbot) -> None:
    dialog = NewProjectDialog()
    qtbot.addWidget(dialog)
    dialog.reject()
    assert dialog.template_name is None
