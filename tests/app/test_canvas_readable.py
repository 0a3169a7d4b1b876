"""The canvas at the window sizes it must work at: its text readable (8 pt or more on
screen, shorter forms where a column is narrow), the legend shown and clear of the
network, nothing clipped by "fit" (headers and the note's labels included); header buttons
that stay under the pointer; neuron heat maps (pytest-qt, offscreen)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QRect, QRectF, QSettings, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QGraphicsItem
from pytestqt.qtbot import QtBot
from window_helpers import SCREEN_SIZES, TEMPLATES, template_project

from bpstudio.app.canvas import NetworkView
from bpstudio.app.canvas.annotations import font_points
from bpstudio.app.canvas.items import MIN_TEXT_POINTS, NeuronItem
from bpstudio.app.canvas.layout import COLUMN_SPACING, HEADER_WIDTH
from bpstudio.app.canvas.thumbnails import HEAT_MAP_RESOLUTION, image_pixels
from bpstudio.app.document import Document
from bpstudio.app.exporting import save_scene_image
from bpstudio.app.main_window import MainWindow
from bpstudio.app.selection import SelectionModel
from bpstudio.app.theme import theme
from bpstudio.app.worker import WorkerOptions
from bpstudio.core.data.source import load_examples
from bpstudio.core.engine.decision import neuron_grid
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.files.templates import make_project
from bpstudio.core.training.snapshot import probe_state, take_snapshot
from bpstudio.core.training.trainer import StepUnit, Trainer

StubController = Any

SIZES = SCREEN_SIZES


@pytest.fixture
def window(screen: QRect, open_window: Callable[..., MainWindow]) -> MainWindow:
    """A window on the test's ``screen`` (patched in before the window opens)."""
    return open_window(worker=WorkerOptions(backend="thread"))


def _open(qtbot: QtBot, window: MainWindow, template: str) -> None:
    window.document.replace_project(template_project(template))
    window.show()
    if template != "784-128-10":  # its stand-in data does not fit it: no training
        steps: list[int] = []
        window.controller.snapshotShown.connect(lambda s: steps.append(s.step))
        window.controller.step(StepUnit.BATCH)
        qtbot.waitUntil(lambda: bool(steps), timeout=10_000)
    for _ in range(3):
        QApplication.processEvents()


def _check_canvas(canvas: NetworkView, template: str) -> None:
    scene = canvas.network_scene
    texts = scene.drawn_texts()
    small = [(t, round(p, 2)) for t, p in texts if p < MIN_TEXT_POINTS - 1e-6]
    assert not small, f"{template}: text under {MIN_TEXT_POINTS} pt: {small}"
    # Every layer keeps a readable summary: a title and its size.
    for layer in range(scene.spec.n_layers + 1):
        header = scene.header_item(layer)
        assert header is not None
        assert header.shown_title()
        assert header.shown_subtitle()
        assert str(scene.spec.layer_sizes[layer]) in header.shown_subtitle().replace(",", "")
    # Headers side by side, not on top of each other.
    cards = [canvas.screen_rect(scene.header_item(l)) for l in range(scene.spec.n_layers + 1)]
    for left, right in zip(cards, cards[1:], strict=False):
        assert left.right() <= right.left() + 4, f"{template}: headers overlap"
    # Nothing the network shows is cut by the viewport's edges or hidden by the legend.
    assert not canvas.overflowing(), [type(i).__name__ for i in canvas.overflowing()]
    viewport = QRectF(canvas.viewport().rect())
    legend = QRectF(canvas.legend.geometry())
    assert canvas.legend.isVisible()
    assert viewport.contains(legend)
    assert all(font_points(f) >= MIN_TEXT_POINTS for f in canvas.legend.fonts())
    assert canvas.legend.symbols() == ("a", "∂C/∂a", "w")
    for neuron in scene.neuron_items():
        assert not canvas.screen_rect(neuron).intersects(legend)
    # The label of a layer being dragged in, too.
    scene.show_insert_indicator(scene.layouts[0].x + 1)
    shown = [p for t, p in scene.drawn_texts() if t == "New layer here"]
    assert shown
    assert min(shown) >= MIN_TEXT_POINTS - 1e-6
    scene.hide_drop_indicator()


@pytest.mark.parametrize("screen", SIZES, indirect=True, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("template", TEMPLATES)
def test_canvas_text_is_readable_and_nothing_is_clipped(
    qtbot: QtBot, window: MainWindow, screen: QRect, template: str
) -> None:
    _open(qtbot, window, template)
    canvas = window.canvas
    assert canvas.zoom() < 1.0  # these networks are fitted smaller than life-size
    _check_canvas(canvas, template)
    if template == "note":
        # The output's y and C₀ (and every other label of the chain) inside the view.
        labels = canvas.network_scene.annotations.drawn_texts()
        assert any(text.startswith("y") and "C" in text for text, _ in labels)


@pytest.mark.parametrize("screen", [(1280, 720)], indirect=True, ids=["1280x720"])
def test_presenter_mode_keeps_the_labels_inside_and_readable(
    qtbot: QtBot, window: MainWindow, screen: QRect
) -> None:
    _open(qtbot, window, "note")
    window.presenter.set_active(True)
    zoom = window.canvas.zoom()
    qtbot.waitUntil(lambda: window.canvas.zoom() != zoom, timeout=5000)
    for _ in range(3):
        QApplication.processEvents()
    _check_canvas(window.canvas, "note")
    window.presenter.set_active(False)


# -- header buttons ------------------------------------------------------------------------


def test_three_clicks_at_one_point_add_three_neurons(
    qtbot: QtBot, document: Document, selection: SelectionModel, stub_controller: StubController
) -> None:
    """The layer re-centres as it grows and "fit" re-zooms; the button stays put."""
    canvas = NetworkView(document, selection, stub_controller)
    qtbot.addWidget(canvas)
    canvas.resize(640, 420)
    canvas.show()
    qtbot.waitExposed(canvas)
    scene = canvas.network_scene
    header = scene.header_item(1)
    assert header is not None
    point = canvas.screen_point(header.buttons["add"])
    for n in (5, 6, 7):
        QTest.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=point)
        qtbot.waitUntil(lambda n=n: document.spec.layer_sizes[1] == n)
        moved = canvas.screen_point(scene.header_item(1).buttons["add"]) - point
        assert max(abs(moved.x()), abs(moved.y())) <= 1  # rounding: the button is 20 px
    minus = canvas.screen_point(scene.header_item(1).buttons["remove"])
    for n in (6, 5, 4):  # and "−" likewise
        QTest.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=minus)
        qtbot.waitUntil(lambda n=n: document.spec.layer_sizes[1] == n)
        moved = canvas.screen_point(scene.header_item(1).buttons["remove"]) - minus
        assert max(abs(moved.x()), abs(moved.y())) <= 1


# -- heat maps -----------------------------------------------------------------------------


def _expected_pixels(spec: NetworkSpec, params: Params, layer: int, j: int, ranges: Any) -> Any:
    """The engine's a_j over the grid on the value scale, y upwards (tanh: 0 is white)."""
    values = neuron_grid(spec, params, layer, j, *ranges, HEAT_MAP_RESOLUTION)
    assert spec.activations[layer - 1] == "tanh"
    scale = float(np.max(np.abs(values))) or 1.0
    rgb = theme().values.rgb(values[::-1].ravel(), scale)
    return rgb.reshape(HEAT_MAP_RESOLUTION, HEAT_MAP_RESOLUTION, 3).round().astype(np.uint8)


def _hidden(canvas: NetworkView) -> list[NeuronItem]:
    spec = canvas.document.spec
    return [n for l in range(1, spec.n_layers) for n in canvas.network_scene.neuron_items(l)]


def test_heat_maps_show_what_each_hidden_neuron_computes(
    qtbot: QtBot, selection: SelectionModel, stub_controller: StubController, settings: QSettings
) -> None:
    document = Document(make_project("spirals"))
    canvas = NetworkView(document, selection, stub_controller, settings=settings)
    qtbot.addWidget(canvas)
    canvas.resize(900, 600)
    canvas.show()
    spec = document.spec
    ranges = canvas.network_scene.input_ranges
    assert not canvas.act_heat_maps.isChecked()
    assert all(n.picture is None for n in canvas.network_scene.neuron_items())

    canvas.act_heat_maps.trigger()
    assert canvas.act_heat_maps.isChecked()
    hidden = _hidden(canvas)
    assert len(hidden) == 16
    for neuron in hidden:
        assert neuron.picture is not None
        expected = _expected_pixels(spec, document.params, neuron.layer, neuron.j, ranges)
        np.testing.assert_array_equal(image_pixels(neuron.picture), expected)
    for layer in (0, spec.n_layers):  # inputs and the output keep their colour
        assert all(n.picture is None for n in canvas.network_scene.neuron_items(layer))

    # A training step: the pictures follow the parameters the canvas shows.
    before = image_pixels(hidden[0].picture)
    trainer = Trainer(spec, document.params.copy(), load_examples(document.data_source))
    for _ in range(6):  # two steps: the parameters shown are the ones after the first
        trainer.step_phase()
    snapshot = take_snapshot(trainer, probe_state(trainer, 0, with_gradients=True))
    stub_controller.snapshotShown.emit(snapshot)
    shown = snapshot.pass_params
    assert not shown.allclose(document.params)
    for neuron in _hidden(canvas):
        assert neuron.picture is not None
        expected = _expected_pixels(spec, shown, neuron.layer, neuron.j, ranges)
        np.testing.assert_array_equal(image_pixels(neuron.picture), expected)
    assert not np.array_equal(image_pixels(_hidden(canvas)[0].picture), before)

    # While training runs, they follow at their own (slower) pace.
    for _ in range(6):
        trainer.step_phase()
    running = take_snapshot(trainer, probe_state(trainer, 0, with_gradients=True), running=True)
    stub_controller.snapshotShown.emit(running)
    neuron = _hidden(canvas)[0]
    expected = _expected_pixels(spec, running.pass_params, neuron.layer, neuron.j, ranges)
    qtbot.waitUntil(
        lambda: np.array_equal(image_pixels(_hidden(canvas)[0].picture), expected), timeout=5000
    )

    # Remembered: a new canvas with the same settings starts with heat maps on.
    again = NetworkView(document, SelectionModel(), stub_controller, settings=settings)
    qtbot.addWidget(again)
    assert again.act_heat_maps.isChecked()
    assert all(n.picture is not None for n in _hidden(again))

    canvas.act_heat_maps.trigger()
    assert not canvas.act_heat_maps.isChecked()
    assert all(n.picture is None for n in canvas.network_scene.neuron_items())
    assert settings.value("view/neuron_heat_maps") in (False, "false")


def test_heat_maps_need_two_inputs(
    qtbot: QtBot, selection: SelectionModel, stub_controller: StubController
) -> None:
    document = Document(make_project("digits"))
    canvas = NetworkView(document, selection, stub_controller)
    qtbot.addWidget(canvas)
    canvas.set_heat_maps(True)
    assert all(n.picture is None for n in canvas.network_scene.neuron_items())


def test_an_exported_picture_draws_the_headers_at_full_size(
    qtbot: QtBot,
    document: Document,
    selection: SelectionModel,
    stub_controller: StubController,
    tmp_path: Path,
) -> None:
    canvas = NetworkView(document, selection, stub_controller)
    qtbot.addWidget(canvas)
    canvas.resize(420, 320)
    canvas.show()
    scene = canvas.network_scene
    assert canvas.zoom() < 0.6
    narrow = scene.header_item(0).width
    save_scene_image(scene, tmp_path / "canvas.png")
    image = QImage(str(tmp_path / "canvas.png"))
    # XOR's three columns are 2 * 250 apart; the outer headers stick out 90 on each side.
    assert image.width() >= 2 * (2 * COLUMN_SPACING + HEADER_WIDTH)
    header = scene.header_item(0)
    assert header.flags() & QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations
    assert header.width == pytest.approx(narrow)
