"""The network canvas: scene mirroring the document, selection by clicks, edits through
header buttons, context menus, keys and drag and drop, wide layers, live snapshots
(pytest-qt, offscreen)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QByteArray, QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QAction, QDragEnterEvent, QDragMoveEvent, QDropEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu, QToolBar
from pytestqt.qtbot import QtBot

from bpstudio.app.canvas import LAYER_MIME, LayerPalette, NetworkView
from bpstudio.app.canvas.items import MAX_DRAWN_LINES, EdgeBundleItem, NeuronItem
from bpstudio.app.canvas.layout import HEAD, TAIL, insert_position, move_position
from bpstudio.app.canvas.mime import parse_layer_mime
from bpstudio.app.document import Document
from bpstudio.app.selection import Selection, SelectionModel
from bpstudio.app.training import TrainingController
from bpstudio.core.data.source import DataSource, load_examples
from bpstudio.core.engine.network import NetworkSpec, initialize
from bpstudio.core.files.project import Project
from bpstudio.core.files.templates import make_project
from bpstudio.core.training.snapshot import Snapshot, probe_state, take_snapshot
from bpstudio.core.training.trainer import Trainer

StubController = Any  # conftest's stub: snapshotShown, pause_for_edit, finish_edit

# -- helpers -------------------------------------------------------------------------------------


def shown_canvas(
    qtbot: QtBot,
    document: Document,
    selection: SelectionModel,
    controller: StubController,
    size: tuple[int, int],
) -> NetworkView:
    """A canvas of ``size`` over ``document``, shown."""
    canvas = NetworkView(document, selection, controller)
    qtbot.addWidget(canvas)
    canvas.resize(*size)
    canvas.show()
    return canvas


@pytest.fixture
def view(
    qtbot: QtBot, document: Document, selection: SelectionModel, stub_controller: StubController
) -> NetworkView:
    """A shown canvas over the XOR document (2-4-1) with a stub controller."""
    canvas = shown_canvas(qtbot, document, selection, stub_controller, (1000, 700))
    qtbot.waitExposed(canvas)
    return canvas


def sizes(document: Document) -> tuple[int, ...]:
    return document.spec.layer_sizes


def make_snapshot(document: Document, index: int = 0, backward: bool = True) -> Snapshot:
    """A real snapshot of the document's network, as the worker makes them."""
    examples = load_examples(document.data_source)
    trainer = Trainer(document.spec, document.params.copy(), examples)
    if backward:
        trainer.step_phase()  # forward
        trainer.step_phase()  # backward: batch ∂C/∂W
    return take_snapshot(trainer, probe_state(trainer, index, with_gradients=backward))


def viewport_point(view: NetworkView, scene_pos: QPointF) -> QPoint:
    return view.mapFromScene(scene_pos)


def drag_events(
    view: NetworkView, mime: QMimeData, pos: QPoint
) -> tuple[QDragEnterEvent, QDragMoveEvent, QDropEvent]:
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0))
    try:  # Qt 6.12 takes QPointF (and deprecates QPoint); earlier versions QPoint only
        enter, move = QDragEnterEvent(QPointF(pos), *args), QDragMoveEvent(QPointF(pos), *args)
    except TypeError:
        enter, move = QDragEnterEvent(pos, *args), QDragMoveEvent(pos, *args)
    return enter, move, QDropEvent(QPointF(pos), *args)


def menu_actions(menu: QMenu) -> dict[str, QAction]:
    """The menu's actions (submenus included) by object name."""
    return {a.objectName(): a for a in menu.findChildren(QAction) if a.objectName()}


def two_hidden_layers(document: Document) -> None:
    """2-3-5-1: two hidden layers of different sizes (for moves)."""
    spec = NetworkSpec((2, 3, 5, 1), ("tanh", "relu", "sigmoid"), "cross_entropy")
    project = document.project.copy()
    project.spec, project.params = spec, initialize(spec, "xavier", 1)
    document.replace_project(project)


# -- the scene mirrors the document ---------------------------------------------------------------


def test_scene_has_a_column_per_layer_left_to_right(view: NetworkView) -> None:
    scene = view.network_scene
    assert [len(scene.neuron_items(l)) for l in range(3)] == [2, 4, 1]
    assert len(scene.edge_items()) == 2  # one item per layer pair, not one per weight
    assert scene.edge_item(1).line_count == 8
    xs = [scene.neuron_item(l, 0).scenePos().x() for l in range(3)]
    assert xs == sorted(xs)
    assert scene.header_item(0).title == "Input"
    assert scene.header_item(1).title == "Layer 1 · tanh"
    assert scene.header_item(2).title == "Output · sigmoid"


def test_structure_change_rebuilds_and_parameter_change_recolours(
    view: NetworkView, document: Document, stub_controller: StubController
) -> None:
    scene = view.network_scene
    builds = scene.build_count
    view.editor.add_neuron(1)
    assert scene.build_count == builds + 1
    assert len(scene.neuron_items(1)) == 5
    params = document.params.copy()
    params.W[0] *= -1
    from bpstudio.app.commands import EditNetworkCommand

    document.push(EditNetworkCommand(document, "Flip", document.spec, params))
    assert scene.build_count == builds + 1  # values only: no rebuild
    np.testing.assert_allclose(scene.values.W[0], params.W[0], atol=0)


# -- header buttons, context menu, keys ---------------------------------------------------------


def test_header_buttons_add_and_remove_neurons_with_undo(
    view: NetworkView, document: Document, stub_controller: StubController
) -> None:
    header = view.network_scene.header_item(1)
    header.buttons["add"].trigger()
    assert sizes(document) == (2, 5, 1)
    assert stub_controller.pauses == stub_controller.finishes == 1  # paused around the edit
    view.network_scene.header_item(1).buttons["remove"].trigger()
    view.network_scene.header_item(1).buttons["remove"].trigger()
    assert sizes(document) == (2, 3, 1)
    stack = document.undo_stack
    stack.undo()
    stack.undo()
    assert sizes(document) == (2, 5, 1)
    stack.undo()
    assert sizes(document) == (2, 4, 1)
    stack.redo()
    assert sizes(document) == (2, 5, 1)
    assert len(view.network_scene.neuron_items(1)) == 5


def test_clicking_a_header_button_with_the_mouse(
    qtbot: QtBot, view: NetworkView, document: Document
) -> None:
    button = view.network_scene.header_item(0).buttons["add"]
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.screen_point(button))
    # The click's edit runs once control is back in the event loop (it rebuilds the scene).
    qtbot.waitUntil(lambda: sizes(document) == (3, 4, 1))
    assert len(view.network_scene.neuron_items(0)) == 3


def test_removing_the_last_neuron_is_a_status_message(
    qtbot: QtBot, document: Document, selection: SelectionModel, stub_controller: StubController
) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    canvas = NetworkView(document, selection, stub_controller, window)
    window.setCentralWidget(canvas)
    with qtbot.waitSignal(canvas.message) as blocker:
        canvas.network_scene.header_item(2).buttons["remove"].trigger()
    assert "only one neuron" in blocker.args[0]
    assert "only one neuron" in window.statusBar().currentMessage()
    assert sizes(document) == (2, 4, 1)
    assert document.undo_stack.count() == 0


def test_context_menu_actions(view: NetworkView, document: Document) -> None:
    scene = view.network_scene

    def trigger(layer: int, name: str, neuron: int | None = None) -> None:
        menu = scene.layer_menu(layer, neuron)
        action = menu_actions(menu)[name]
        assert action.isEnabled(), name
        action.trigger()
        menu.deleteLater()

    trigger(1, "add_neuron")
    assert sizes(document) == (2, 5, 1)
    trigger(1, "remove_neuron", neuron=0)
    assert sizes(document) == (2, 4, 1)
    trigger(1, "remove_last_neuron")
    assert sizes(document) == (2, 3, 1)
    trigger(1, "activation_relu")
    assert document.spec.activations == ("relu", "sigmoid")
    assert scene.header_item(1).title == "Layer 1 · ReLU"
    before = document.params.copy()
    trigger(1, "initialise_normal")
    assert not np.allclose(document.params.W[0], before.W[0])
    np.testing.assert_allclose(document.params.W[1], before.W[1], atol=0)
    trigger(1, "remove_layer")
    assert sizes(document) == (2, 1)
    for _ in range(7):
        document.undo_stack.undo()
    assert sizes(document) == (2, 4, 1)
    assert document.spec.activations == ("tanh", "sigmoid")


def test_context_menu_offers_what_each_layer_allows(view: NetworkView) -> None:
    scene = view.network_scene
    menus = [scene.layer_menu(l) for l in range(3)]
    actions = [menu_actions(menu) for menu in menus]
    assert "activation_tanh" not in actions[0]  # the input has no activation
    assert not actions[0]["remove_layer"].isEnabled()
    assert actions[1]["remove_layer"].isEnabled()
    assert not actions[2]["remove_layer"].isEnabled()
    assert "activation_softmax" not in actions[1]
    assert "activation_softmax" in actions[2]
    assert actions[1]["activation_tanh"].isChecked()
    assert actions[2]["activation_sigmoid"].isChecked()
    for menu in menus:
        menu.deleteLater()


def test_keys_delete_plus_and_minus(
    qtbot: QtBot, view: NetworkView, document: Document, selection: SelectionModel
) -> None:
    view.setFocus()
    selection.select(Selection.neuron(1, 0))
    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert sizes(document) == (2, 3, 1)
    assert selection.selection is None or selection.selection.fits(document.spec)
    view.network_scene.select_header(1)
    QTest.keyClick(view, Qt.Key.Key_Plus)
    assert sizes(document) == (2, 4, 1)
    QTest.keyClick(view, Qt.Key.Key_Minus)
    assert sizes(document) == (2, 3, 1)
    QTest.keyClick(view, Qt.Key.Key_Delete)  # the hidden layer's header is selected
    assert sizes(document) == (2, 1)
    view.network_scene.select_header(0)
    with qtbot.waitSignal(view.message):
        QTest.keyClick(view, Qt.Key.Key_Delete)  # the input stays
    assert sizes(document) == (2, 1)


# -- selection by clicking ------------------------------------------------------------------------


def test_clicking_a_neuron_selects_it(view: NetworkView, selection: SelectionModel) -> None:
    scene = view.network_scene
    neuron = scene.neuron_item(1, 2)
    assert scene.hit_test(neuron.scenePos()) == Selection.neuron(1, 2)
    QTest.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=viewport_point(view, neuron.scenePos())
    )
    assert selection.selection == Selection.neuron(1, 2)
    assert neuron.marked
    assert not scene.neuron_item(1, 1).marked
    # The neuron's edges are highlighted, the others fade.
    focus = scene.edge_item(1).focus_mask
    assert focus is not None
    assert focus.sum() == 2


def test_clicking_near_an_edge_selects_its_weight(
    view: NetworkView, selection: SelectionModel
) -> None:
    scene = view.network_scene
    edge = scene.edge_item(2)
    line = edge.line(0, 1)  # w_01^(2): from neuron 1 of layer 1 to the output
    assert line is not None
    middle = line.pointAt(0.5)
    normal = line.normalVector().unitVector()
    near = middle + QPointF(normal.dx(), normal.dy()) * 3  # 3 units off the line
    assert scene.hit_test(near) == Selection.weight(2, 0, 1)
    assert scene.hit_test(middle + QPointF(0, 40)) != Selection.weight(2, 0, 1)
    assert isinstance(scene.itemAt(near, view.transform()), EdgeBundleItem)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=viewport_point(view, near))
    assert selection.selection == Selection.weight(2, 0, 1)
    assert edge.focus_line == edge.line_index(0, 1)
    assert scene.neuron_item(1, 1).related
    assert scene.neuron_item(2, 0).related


def test_clicking_the_background_clears_the_selection(
    view: NetworkView, selection: SelectionModel
) -> None:
    selection.select(Selection.neuron(0, 0))
    rect = view.network_scene.network_rect()
    empty = QPointF(rect.center().x(), rect.bottom() + 60)
    assert view.network_scene.hit_test(empty) is None
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=viewport_point(view, empty))
    assert selection.selection is None


def test_tooltips_show_the_numbers(view: NetworkView, stub_controller: StubController) -> None:
    scene = view.network_scene
    neuron = scene.neuron_item(1, 0)
    assert "forward pass" in scene.tooltip_at(neuron.scenePos())
    snapshot = make_snapshot(view.document)
    stub_controller.snapshotShown.emit(snapshot)
    text = scene.tooltip_at(neuron.scenePos())
    a = snapshot.probe.trace.A[1][0, 0]
    assert f"{a:.4g}".replace("-", "−") in text
    assert "σ′" in text
    assert "∂C/∂" in text
    # σ′(z) comes from the snapshot's readout, which agrees with the activation's slope.
    trace = snapshot.probe.trace
    slope = view.document.spec.activation(1).derivative(trace.Z[0], trace.A[1])[0, 0]
    assert snapshot.probe_readout.neuron(1, 0).slope == slope
    assert f"{slope:.4g}".replace("-", "−") in text
    line = scene.edge_item(1).line(0, 0)
    assert "Weight from neuron 0 of layer 0" in scene.tooltip_at(line.pointAt(0.5))


# -- drag and drop --------------------------------------------------------------------------------


def test_palette_payloads() -> None:
    palette = LayerPalette()
    palette.size_spin.setValue(7)
    row = palette.row_of("hidden", "relu")
    assert palette.payload(row) == {"kind": "hidden", "activation": "relu", "size": 7}
    mime = palette.mime_data(row)
    assert mime.hasFormat(LAYER_MIME)
    assert json.loads(bytes(mime.data(LAYER_MIME).data())) == palette.payload(row)
    assert parse_layer_mime(mime) == palette.payload(row)
    assert palette.payload(palette.row_of("input")) == {"kind": "input"}
    kinds = [e.kind for e in palette.entries]
    assert kinds[0] == "input"
    assert kinds[-1] == "output"
    assert kinds.count("hidden") >= 3
    assert palette.list_widget.mimeTypes() == [LAYER_MIME]
    assert not palette.drag_pixmap(row).isNull()
    palette.deleteLater()


def test_dropping_a_palette_layer_inserts_it_as_one_undo_step(
    qtbot: QtBot, view: NetworkView, document: Document
) -> None:
    palette = LayerPalette()
    qtbot.addWidget(palette)
    palette.size_spin.setValue(3)
    mime = palette.mime_data(palette.row_of("hidden", "relu"))
    scene = view.network_scene
    x = (scene.neuron_item(0, 0).scenePos().x() + scene.neuron_item(1, 0).scenePos().x()) / 2
    pos = viewport_point(view, QPointF(x, 0))
    enter, move, drop = drag_events(view, mime, pos)
    QApplication.sendEvent(view.viewport(), enter)
    assert enter.isAccepted()
    QApplication.sendEvent(view.viewport(), move)
    assert scene.drop_indicator.isVisible()
    count = document.undo_stack.count()
    QApplication.sendEvent(view.viewport(), drop)
    assert drop.isAccepted()
    assert sizes(document) == (2, 3, 4, 1)
    assert document.spec.activations == ("relu", "tanh", "sigmoid")
    assert document.undo_stack.count() == count + 1
    assert document.undo_stack.undoText() == "Add hidden layer"
    assert not view.network_scene.drop_indicator.isVisible()
    document.undo_stack.undo()
    assert sizes(document) == (2, 4, 1)
    document.undo_stack.redo()
    assert sizes(document) == (2, 3, 4, 1)


def test_drop_position_follows_x(view: NetworkView, document: Document) -> None:
    scene = view.network_scene
    right_of_output = QPointF(scene.neuron_item(2, 0).scenePos().x() + 300, 0)
    assert view.drop_layer({"kind": "hidden", "activation": "sigmoid", "size": 2}, right_of_output)
    assert sizes(document) == (2, 4, 2, 1)  # next to the output
    left_of_input = QPointF(scene.neuron_item(0, 0).scenePos().x() - 300, 0)
    assert view.drop_layer({"kind": "hidden", "activation": "linear", "size": 6}, left_of_input)
    assert sizes(document) == (2, 6, 4, 2, 1)  # next to the input
    layouts = view.network_scene.layouts
    between_2_and_3 = (layouts[2].x + layouts[3].x) / 2
    assert insert_position(layouts, between_2_and_3) == 3


def test_dropping_an_input_or_output_changes_nothing_but_says_why(
    qtbot: QtBot, view: NetworkView, document: Document
) -> None:
    palette = LayerPalette()
    qtbot.addWidget(palette)
    mime = palette.mime_data(palette.row_of("output"))
    pos = viewport_point(view, view.network_scene.neuron_item(2, 0).scenePos())
    enter, move, drop = drag_events(view, mime, pos)
    QApplication.sendEvent(view.viewport(), enter)
    QApplication.sendEvent(view.viewport(), move)
    assert view.network_scene.drop_indicator.mode == "column"
    with qtbot.waitSignal(view.message) as blocker:
        QApplication.sendEvent(view.viewport(), drop)
    assert "exactly one output layer" in blocker.args[0]
    assert sizes(document) == (2, 4, 1)
    assert document.undo_stack.count() == 0


def test_foreign_drags_are_refused(view: NetworkView) -> None:
    mime = QMimeData()
    mime.setText("hello")
    bad = QMimeData()
    bad.setData(LAYER_MIME, QByteArray(b'{"kind": "hidden", "activation": "softmax"}'))
    for data in (mime, bad):
        enter, _, _ = drag_events(view, data, QPoint(100, 100))
        QApplication.sendEvent(view.viewport(), enter)
        assert not enter.isAccepted()


def test_dragging_a_hidden_header_moves_the_layer(
    qtbot: QtBot, view: NetworkView, document: Document
) -> None:
    two_hidden_layers(document)
    scene = view.network_scene
    layouts = scene.layouts
    beyond_layer_2 = layouts[2].x + 60
    assert move_position(layouts, 1, beyond_layer_2) == 2
    assert scene.finish_layer_move(1, beyond_layer_2)
    assert sizes(document) == (2, 5, 3, 1)
    assert document.spec.activations == ("relu", "tanh", "sigmoid")
    document.undo_stack.undo()
    assert sizes(document) == (2, 3, 5, 1)

    # The same with the mouse: press on layer 2's header, drag it left of layer 1.
    header = view.network_scene.header_item(2)
    start = view.screen_rect(header).center().toPoint()
    target = viewport_point(view, QPointF(view.network_scene.layouts[1].x - 60, 0))
    end = QPoint(target.x(), start.y())
    QTest.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 6):
        QTest.mouseMove(view.viewport(), start + (end - start) * step / 5)
    assert header.dragging
    assert view.network_scene.drop_indicator.isVisible()
    QTest.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=end)
    qtbot.waitUntil(lambda: sizes(document) == (2, 5, 3, 1))


# -- wide layers ----------------------------------------------------------------------------------


def mnist_document() -> Document:
    spec = NetworkSpec.build([784, 128, 10], "relu", "softmax", "cross_entropy")
    return Document(Project(spec, initialize(spec, "xavier", 0), DataSource("generator", "xor")))


def test_784_128_10_opens_collapsed(
    qtbot: QtBot, selection: SelectionModel, stub_controller: StubController
) -> None:
    document = mnist_document()
    canvas = shown_canvas(qtbot, document, selection, stub_controller, (1200, 800))
    qtbot.waitExposed(canvas)
    canvas.grab()  # paint every item once
    scene = canvas.network_scene
    assert len(scene.neuron_items(0)) == HEAD + TAIL
    assert len(scene.neuron_items(1)) == HEAD + TAIL
    assert len(scene.neuron_items(2)) == 10
    assert scene.is_collapsed(0)
    assert scene.is_collapsed(1)
    assert not scene.is_collapsed(2)
    assert scene.marker_item(0).text == "⋯ 784 neurons"
    assert scene.edge_item(1).line_count == (HEAD + TAIL) ** 2  # hidden neurons: no lines
    assert scene.edge_item(2).line_count == (HEAD + TAIL) * 10
    assert scene.neuron_item(0, 783) is not None
    assert scene.neuron_item(0, 400) is None
    assert scene.edge_item(1).cacheMode() == EdgeBundleItem.CacheMode.DeviceCoordinateCache

    # Expand the input, then collapse it again through the header's toggle.
    scene.marker_item(0).trigger()
    assert len(scene.neuron_items(0)) == 784
    assert canvas.view_state()["expanded"] == [0]
    scene.header_item(0).buttons["toggle"].trigger()
    assert len(scene.neuron_items(0)) == HEAD + TAIL

    # Two expanded wide layers: only the strongest weights get a line of their own.
    scene.set_expanded(0, True)
    scene.set_expanded(1, True)
    canvas.grab()
    edge = scene.edge_item(1)
    assert edge.line_count == 784 * 128
    assert edge.drawn_count == MAX_DRAWN_LINES
    W = document.params.W[0]
    strongest = np.unravel_index(np.argmax(np.abs(W)), W.shape)
    # (Not at the midpoint: lines with the same j + k share it.)
    assert edge.weight_at(edge.line(*strongest).pointAt(0.4142), 0.01) == strongest


def test_snapshot_updates_recolour_without_rebuilding(
    view: NetworkView, document: Document, stub_controller: StubController
) -> None:
    scene = view.network_scene
    items = {id(n) for n in scene.neuron_items()}
    builds = scene.build_count
    assert all(n.fill is None and n.ring is None for n in scene.neuron_items())
    snapshot = make_snapshot(document)
    stub_controller.snapshotShown.emit(snapshot)
    assert scene.build_count == builds
    assert {id(n) for n in scene.neuron_items()} == items
    fills = {(n.layer, n.j): n.fill for n in scene.neuron_items()}
    assert all(fill is not None for fill in fills.values())
    assert any(n.ring is not None for n in scene.neuron_items())
    assert scene.values.dW is not None

    later = make_snapshot(document, index=5)
    stub_controller.snapshotShown.emit(later)
    assert scene.build_count == builds
    changed = [k for k, n in ((k, scene.neuron_item(*k)) for k in fills) if n.fill != fills[k]]
    assert changed  # another example, other activations

    # A snapshot of another network (e.g. one in flight before an edit) is ignored.
    other = Document(make_project("spirals"))
    stub_controller.snapshotShown.emit(make_snapshot(other))
    assert scene.values.spec == document.spec
    assert scene.build_count == builds


def test_live_snapshots_from_the_training_controller(
    qtbot: QtBot, document: Document, selection: SelectionModel, controller: TrainingController
) -> None:
    canvas = NetworkView(document, selection, controller)
    qtbot.addWidget(canvas)
    canvas.show()
    qtbot.waitUntil(lambda: all(n.fill is not None for n in canvas.network_scene.neuron_items()))
    builds = canvas.network_scene.build_count
    controller.step("batch")
    qtbot.waitUntil(lambda: document.project.step == 1)
    assert canvas.network_scene.build_count == builds


def test_edges_show_gradient_toggle(view: NetworkView, stub_controller: StubController) -> None:
    stub_controller.snapshotShown.emit(make_snapshot(view.document))
    edge = view.network_scene.edge_item(1)
    assert not edge.shows_gradient
    view.act_edges_gradient.trigger()
    assert view.network_scene.edge_mode == "gradients"
    assert edge.shows_gradient
    assert view.view_state()["edge_mode"] == "gradients"
    view.act_edges_gradient.trigger()
    assert view.network_scene.edge_mode == "weights"


# -- zoom and view state --------------------------------------------------------------------------


def test_zoom_actions_and_wheel(view: NetworkView) -> None:
    zoom = view.zoom()
    view.act_zoom_in.trigger()
    assert view.zoom() == pytest.approx(zoom * 1.25)
    view.act_zoom_out.trigger()
    assert view.zoom() == pytest.approx(zoom)
    center = QPointF(view.viewport().rect().center())
    wheel = QWheelEvent(
        center,
        QPointF(view.viewport().mapToGlobal(center.toPoint())),
        QPoint(0, 0),
        QPoint(0, 240),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view.viewport(), wheel)
    assert view.zoom() > zoom * 1.3
    view.act_fit.trigger()
    assert view.zoom() == pytest.approx(zoom)
    assert view.act_fit.shortcut().toString() == "Ctrl+0"


def test_view_state_round_trip(
    qtbot: QtBot, selection: SelectionModel, stub_controller: StubController
) -> None:
    document = mnist_document()
    canvas = shown_canvas(qtbot, document, selection, stub_controller, (900, 600))
    canvas.network_scene.set_expanded(1, True)
    canvas.set_edge_mode("gradients")
    canvas.set_zoom(0.5)
    state = canvas.view_state()
    assert json.loads(json.dumps(state)) == state
    assert state["expanded"] == [1]
    assert state["edge_mode"] == "gradients"
    assert state["zoom"] == pytest.approx(0.5)
    assert state["fit"] is False

    # Saved in the project, applied when the project is opened.
    project = document.project.copy()
    project.view = state
    other = shown_canvas(qtbot, Document(project), SelectionModel(), stub_controller, (900, 600))
    assert other.network_scene.expanded == {1}
    assert not other.network_scene.is_collapsed(1)
    assert other.network_scene.edge_mode == "gradients"
    assert other.act_edges_gradient.isChecked()
    assert other.zoom() == pytest.approx(0.5)
    canvas.document.replace_project(project)
    assert canvas.view_state()["expanded"] == [1]


def test_view_menu_and_toolbar_actions(view: NetworkView) -> None:
    menu = QMenu()
    view.add_view_actions(menu)
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts == [
        "Zoom &In",
        "Zoom &Out",
        "&Fit Network",
        "Edges Show ∂C/∂&w",
        "Neuron &Heat Maps",
    ]
    toolbar = QToolBar()
    view.add_toolbar_actions(toolbar)
    assert toolbar.actions() == [view.act_fit]
    menu.deleteLater()
    toolbar.deleteLater()


def test_neuron_items_are_circles_with_hit_shapes(view: NetworkView) -> None:
    neuron = view.network_scene.neuron_item(0, 0)
    assert isinstance(neuron, NeuronItem)
    assert neuron.contains(QPointF(0, 0))
    assert not neuron.contains(QPointF(30, 30))


def test_hidden_neuron_tooltip_pictures_it_over_the_input_plane(qtbot, stub_controller):
    document = Document(make_project("xor"))
    view = NetworkView(document, SelectionModel(), stub_controller)
    qtbot.addWidget(view)
    scene = view.network_scene
    assert "data:image/png;base64," in scene.neuron_tooltip(1, 0)
    assert "data:image/png" not in scene.neuron_tooltip(0, 0)  # inputs are just x
