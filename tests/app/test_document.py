"""The document and its undo stack: undo/redo restore exactly; save, reopen, damaged files."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtWidgets import QApplication

from bpstudio.app.commands import EditNetworkCommand, SetParameterCommand
from bpstudio.app.document import Document
from bpstudio.core.engine import edits
from bpstudio.core.engine.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.init import INITIALIZERS
from bpstudio.core.engine.network import NetworkSpec, Params, initialize
from bpstudio.core.errors import BPStudioError
from bpstudio.core.files.project import Project
from bpstudio.core.files.templates import make_project

State = tuple[NetworkSpec, Params]


def state_of(document: Document) -> State:
    return document.spec, document.params.copy()


def assert_same_state(document: Document, expected: State) -> None:
    spec, params = expected
    assert document.spec == spec
    assert document.params.n_layers == params.n_layers
    for name, array in document.params.named().items():
        other = params.named()[name]
        assert array.dtype == other.dtype, name
        assert array.shape == other.shape, name
        assert np.array_equal(array, other), name


# -- random edits ----------------------------------------------------------------------------------

OPERATIONS = (
    "set_w",
    "set_b",
    "add_neuron",
    "remove_neuron",
    "insert_layer",
    "remove_layer",
    "move_layer",
    "set_activation",
    "initialise",
)

operation = st.tuples(
    st.sampled_from(OPERATIONS),
    st.integers(0, 1000),
    st.integers(0, 1000),
    st.integers(0, 1000),
    st.floats(-10.0, 10.0, allow_nan=False, allow_infinity=False),
    st.sampled_from([None, 1, 2]),  # drag ids: consecutive edits of one entry may merge
)


def command_for(document: Document, op: tuple[str, int, int, int, float, int | None]):
    """An undo command for ``op`` on the current document (indices taken modulo the sizes),
    or None when the core refuses the edit."""
    name, a, b, c, value, drag = op
    spec, params, rng = document.spec, document.params, document.rng
    L, sizes = spec.n_layers, spec.layer_sizes
    layer = 1 + a % L
    try:
        if name == "set_w":
            j, k = b % sizes[layer], c % sizes[layer - 1]
            return SetParameterCommand(document, ParamRef.weight(layer, j, k), value, drag_id=drag)
        if name == "set_b":
            ref = ParamRef.bias(layer, b % sizes[layer])
            return SetParameterCommand(document, ref, value, drag)
        if name == "add_neuron":
            if sizes[a % (L + 1)] >= 6:
                return None  # keep the networks small
            new = edits.add_neuron(spec, params, a % (L + 1), rng)
        elif name == "remove_neuron":
            l0 = a % (L + 1)
            new = edits.remove_neuron(spec, params, l0, b % sizes[l0])
        elif name == "insert_layer":
            if L >= 5:
                return None
            activation = HIDDEN_ACTIVATIONS[c % len(HIDDEN_ACTIVATIONS)]
            new = edits.insert_layer(spec, params, layer, 1 + b % 4, activation, rng)
        elif name == "remove_layer":
            new = edits.remove_layer(spec, params, layer, rng)
        elif name == "move_layer":
            hidden = max(L - 1, 1)
            new = edits.move_layer(spec, params, 1 + a % hidden, 1 + b % hidden, rng)
        elif name == "set_activation":
            names = list(ACTIVATIONS)
            new = edits.set_activation(spec, params, layer, names[c % len(names)])
        else:
            schemes = list(INITIALIZERS)
            new = (spec, initialize(spec, schemes[c % len(schemes)], b))
    except BPStudioError:
        return None
    return EditNetworkCommand(document, name, *new)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    template=st.sampled_from(["note", "xor", "spirals", "sine"]),
    ops=st.lists(operation, min_size=1, max_size=25),
)
def test_undo_all_then_redo_all_restores_every_state_exactly(
    qapp: QApplication, template: str, ops: list
) -> None:
    document = Document(make_project(template))
    stack = document.undo_stack
    # The state after each position of the stack (merged edits overwrite their slot).
    states = {0: state_of(document)}
    for op in ops:
        command = command_for(document, op)
        if command is None:
            continue
        document.push(command)
        states[stack.index()] = state_of(document)
        assert stack.index() == stack.count()
    final = stack.count()
    assert set(states) == set(range(final + 1))

    while stack.canUndo():
        stack.undo()
        assert_same_state(document, states[stack.index()])
    assert stack.index() == 0
    assert_same_state(document, states[0])

    while stack.canRedo():
        stack.redo()
        assert_same_state(document, states[stack.index()])
    assert stack.index() == final
    assert_same_state(document, states[final])


# -- commands ------------------------------------------------------------------------------------


def test_drag_steps_merge_into_one_command_and_drags_do_not_merge_with_each_other(
    qapp: QApplication,
) -> None:
    document = Document(make_project("xor"))
    original = document.parameter(ParamRef.weight(1, 0, 1))
    for value in (0.1, 0.2, 0.3):
        document.push(SetParameterCommand(document, ParamRef.weight(1, 0, 1), value, drag_id=41))
    assert document.undo_stack.count() == 1
    for value in (0.4, 0.5):
        document.push(SetParameterCommand(document, ParamRef.weight(1, 0, 1), value, drag_id=42))
    assert document.undo_stack.count() == 2
    # Typed values (no drag id) are a step each.
    document.push(SetParameterCommand(document, ParamRef.weight(1, 0, 1), 0.6))
    document.push(SetParameterCommand(document, ParamRef.weight(1, 0, 1), 0.7))
    assert document.undo_stack.count() == 4

    document.undo_stack.undo()
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.parameter(ParamRef.weight(1, 0, 1)) == 0.3
    document.undo_stack.undo()
    assert document.parameter(ParamRef.weight(1, 0, 1)) == original


def test_parameter_changed_signal_names_the_entry(qtbot, qapp: QApplication) -> None:
    document = Document(make_project("xor"))
    with qtbot.waitSignal(document.parameterChanged) as blocker:
        document.push(SetParameterCommand(document, ParamRef.bias(2, 0), 1.5))
    assert blocker.args == [ParamRef.bias(2, 0)]
    with qtbot.waitSignal(document.parameterChanged) as blocker:
        document.undo_stack.undo()
    assert blocker.args == [ParamRef.bias(2, 0)]


def test_structural_edit_emits_network_changed_and_value_edit_parameters_changed(
    qtbot, qapp: QApplication
) -> None:
    document = Document(make_project("xor"))
    spec, params = edits.add_neuron(document.spec, document.params, 1, document.rng)
    with qtbot.waitSignal(document.networkChanged):
        document.push(EditNetworkCommand(document, "add", spec, params))
    new = document.params.copy()
    new.W[0][:] = 0.0
    with (
        qtbot.assertNotEmitted(document.networkChanged),
        qtbot.waitSignal(document.parametersChanged),
    ):
        document.push(EditNetworkCommand(document, "zero", document.spec, new))


# -- files -----------------------------------------------------------------------------------------


def assert_same_project(a: Project, b: Project) -> None:
    assert a.spec == b.spec
    for name, array in a.params.named().items():
        np.testing.assert_array_equal(array, b.params.named()[name], err_msg=name)
    assert a.data == b.data
    assert a.hyperparameters == b.hyperparameters
    assert a.history.to_dict() == b.history.to_dict()
    assert (a.step, a.epoch) == (b.step, b.epoch)


@pytest.mark.parametrize("template", ["note", "xor", "digits"])
def test_save_then_reopen_gives_the_same_project(
    qapp: QApplication, tmp_path: Path, template: str
) -> None:
    document = Document(make_project(template))
    document.push(SetParameterCommand(document, ParamRef.weight(1, 0, 0), -0.123456789012345))
    assert document.is_modified()
    path = tmp_path / f"{template}.bpstudio"

    document.save(path)

    assert not document.is_modified()
    assert document.path == path
    assert document.title == template
    reopened = Document()
    reopened.replace_project(Document.load(path), path)
    assert not reopened.is_modified()
    assert reopened.undo_stack.count() == 0
    assert_same_project(document.project, reopened.project)
    assert reopened.parameter(ParamRef.weight(1, 0, 0)) == -0.123456789012345


def test_undo_after_save_marks_the_document_modified(qapp: QApplication, tmp_path: Path) -> None:
    document = Document(make_project("xor"))
    document.push(SetParameterCommand(document, ParamRef.bias(1, 0), 2.0))
    document.save(tmp_path / "a.bpstudio")
    document.undo_stack.undo()
    assert document.is_modified()
    document.undo_stack.redo()
    assert not document.is_modified()


def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "garbage":
        path.write_bytes(b"this is not a project file at all")
    elif how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "bad_json":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("project.json", "{not json")
            archive.writestr("params.npz", b"")
    elif how == "missing_params":
        with zipfile.ZipFile(path) as archive:
            document = archive.read("project.json")
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("project.json", document)
    elif how == "wrong_shapes":
        # A 2-3-1 network's arrays in a 2-4-1 project.
        with zipfile.ZipFile(path) as archive:
            document = archive.read("project.json")
        arrays = io.BytesIO()
        np.savez(arrays, W1=np.zeros((3, 2)), b1=np.zeros(3), W2=np.zeros((1, 3)), b2=np.zeros(1))
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("project.json", document)
            archive.writestr("params.npz", arrays.getvalue())


@pytest.mark.parametrize(
    "how", ["garbage", "truncated", "empty", "bad_json", "missing_params", "wrong_shapes"]
)
def test_damaged_file_raises_a_clear_error(qapp: QApplication, tmp_path: Path, how: str) -> None:
    path = tmp_path / "damaged.bpstudio"
    Document(make_project("xor")).save(path)
    _damage(path, how)
    with pytest.raises(BPStudioError, match="damaged.bpstudio"):
        Document.load(path)


def test_missing_file_raises_a_clear_error(qapp: QApplication, tmp_path: Path) -> None:
    with pytest.raises(BPStudioError, match="no such file"):
        Document.load(tmp_path / "nowhere.bpstudio")


def test_replace_project_clears_the_undo_history(qapp: QApplication) -> None:
    document = Document(make_project("xor"))
    document.push(SetParameterCommand(document, ParamRef.bias(1, 0), 2.0))
    document.replace_project(make_project("note"))
    assert document.undo_stack.count() == 0
    assert not document.is_modified()
    assert document.spec.layer_sizes == (1, 1, 1, 1)
