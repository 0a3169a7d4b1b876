"""What a frame costs, counted: the window paints once a frame however many plots changed,
a changing text lays out no more than its own panel, an unchanged counter is not set
again, background results wait for the frame, the C(w) slice paints once per result, and
the values table and the canvas update what they show in place (pytest-qt, offscreen;
counts, never timings)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QRectF
from PySide6.QtWidgets import (
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot
from training_helpers import TIMEOUT, settle, training_panel

from bpstudio.app.background import LatestJob
from bpstudio.app.canvas.overlay import CanvasLegend
from bpstudio.app.canvas.view import NetworkView
from bpstudio.app.commands import SetParameterCommand
from bpstudio.app.document import Document
from bpstudio.app.pacing import SWITCH_INTERVAL, FrameClock
from bpstudio.app.panels.inspector import InspectorPanel
from bpstudio.app.panels.training import TrainingPanel
from bpstudio.app.panels.values_table import SheetModel
from bpstudio.app.plots.cost_slice import CostSlicePlot
from bpstudio.app.selection import Selection, SelectionModel
from bpstudio.app.training import TrainingController
from bpstudio.app.widgets import LayoutFence, hold_width
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.values_table import Sheet


class Counter(QObject):
    """Counts the events of one type an object receives."""

    def __init__(self, watched: QObject, kind: QEvent.Type) -> None:
        super().__init__()
        self.kind = kind
        self.count = 0
        watched.installEventFilter(self)

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == self.kind:
            self.count += 1
        return False


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


# -- one paint a frame -----------------------------------------------------------------------------


def two_scenes(qtbot: QtBot) -> tuple[QWidget, list[QRectF], Callable[[], None]]:
    """A window with two graphics views (each scene flushes the window's paint itself), and
    a change to both scenes' items."""
    window = QWidget()
    layout = QHBoxLayout(window)
    rects = []
    for _ in range(2):
        scene = QGraphicsScene(0, 0, 100, 100, window)
        rects.append(scene.addRect(QRectF(10, 10, 20, 20)))
        layout.addWidget(QGraphicsView(scene))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(50)  # the first paints are done

    def change() -> None:
        for item in rects:
            item.setRect(item.rect().adjusted(0, 0, 5, 5))

    return window, rects, change


def test_a_frame_that_changes_two_scenes_paints_the_window_once(qtbot: QtBot) -> None:
    window, _rects, change = two_scenes(qtbot)
    paints = Counter(window, QEvent.Type.UpdateRequest)
    change()  # outside a frame: each scene sends the window's update request itself
    qtbot.waitUntil(lambda: paints.count >= 2, timeout=2000)
    qtbot.wait(30)
    assert paints.count == 2

    paints.count = 0
    frames = FrameClock(clock=FakeClock())
    frames.request(change)
    qtbot.waitUntil(lambda: frames.frames == 1 and not frames.gate.holding, timeout=2000)
    qtbot.wait(30)
    assert paints.count == 1
    assert frames.gate.paints == 1


# -- layouts ---------------------------------------------------------------------------------------


def boxed(label: QLabel, fenced: bool) -> tuple[QWidget, Counter]:
    outer = QWidget()
    layout = QVBoxLayout(outer)
    layout.addWidget(LayoutFence(label) if fenced else label)
    return outer, Counter(outer, QEvent.Type.LayoutRequest)


def caption() -> QLabel:
    label = QLabel("Step 1")
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
    return label


def test_a_fenced_label_changes_its_text_without_laying_out_its_window(qtbot: QtBot) -> None:
    plain, fenced = caption(), caption()
    unfenced_box, unfenced_layouts = boxed(plain, fenced=False)
    fenced_box, fenced_layouts = boxed(fenced, fenced=True)
    for box in (unfenced_box, fenced_box):
        qtbot.addWidget(box)
        box.show()
        qtbot.waitExposed(box)
    qtbot.wait(30)
    unfenced_layouts.count = fenced_layouts.count = 0
    for step in range(2, 2000, 400):
        plain.setText(f"Step {step:,}")
        fenced.setText(f"Step {step:,}")
        qtbot.wait(5)
    assert unfenced_layouts.count >= 1  # what Qt does without a fence, whatever the policy
    assert fenced_layouts.count == 0
    fence = fenced.parentWidget()
    assert isinstance(fence, LayoutFence)
    assert fence.passed == 0
    assert fence.geometry() == fenced.geometry().translated(fence.pos())

    fenced.setMinimumWidth(300)  # a hint that did change goes through
    qtbot.waitUntil(lambda: fenced_layouts.count >= 1, timeout=2000)
    assert fence.passed == 1
    qtbot.waitUntil(lambda: fenced.width() >= 300, timeout=2000)

    fenced.hide()  # hidden by its owner: the fence leaves the layout with it
    assert fence.isHidden()
    fenced.show()
    assert not fence.isHidden()


def test_a_held_counter_changes_its_text_without_a_layout_request(qtbot: QtBot) -> None:
    label = hold_width(QLabel("1"), "000,000,000")
    outer, layouts = boxed(label, fenced=False)
    qtbot.addWidget(outer)
    outer.show()
    qtbot.waitExposed(outer)
    qtbot.wait(30)
    layouts.count = 0
    width = label.width()
    for step in (12, 1_234, 123_456_789):
        label.setText(f"{step:,}")
        qtbot.wait(5)
    assert layouts.count == 0
    assert label.width() == width >= label.fontMetrics().horizontalAdvance("123,456,789")
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 2)
    label.setFont(font)  # presenter mode's type: the size follows
    assert label.width() >= label.fontMetrics().horizontalAdvance("123,456,789")


@pytest.fixture
def panel(
    qtbot: QtBot, document: Document, controller: TrainingController
) -> Iterator[TrainingPanel]:
    yield from training_panel(qtbot, document, controller)


def test_an_unchanged_counter_is_not_set_again(
    qtbot: QtBot, panel: TrainingPanel, controller: TrainingController, monkeypatch
) -> None:
    settle(controller)
    snapshot = controller.snapshot
    assert snapshot is not None
    calls: list[str] = []
    for name, label in panel.counter_labels.items():
        original = label.setText
        monkeypatch.setattr(
            label, "setText", lambda text, n=name, o=original: (calls.append(n), o(text))
        )
    controller.snapshotShown.emit(snapshot)  # the same numbers again
    assert calls == []
    controller.snapshotShown.emit(replace(snapshot, step=snapshot.step + 1000))
    assert calls == ["step"]  # only the counter whose text changed
    assert panel.counter_labels["step"].text() == f"{snapshot.step + 1000:,}"


# -- background results ----------------------------------------------------------------------------


def test_a_paced_result_waits_for_the_frame(qtbot: QtBot) -> None:
    frames = FrameClock(clock=FakeClock())  # time stands still: frames run when flushed
    frames.request(lambda: None)
    frames.flush()
    pacing = [True]
    job = LatestJob(0, paced=lambda: pacing[0], clock=frames)
    results: list[object] = []
    job.finished.connect(results.append)
    job.submit(lambda: 42)
    qtbot.waitUntil(lambda: frames.pending == 1, timeout=5000)
    qtbot.wait(30)
    assert results == []  # held for the frame
    frames.flush()
    assert results == [42]
    assert frames.frames == 2

    pacing[0] = False  # training does not run: at once
    job.submit(lambda: 43)
    qtbot.waitUntil(lambda: results == [42, 43], timeout=5000)
    assert frames.frames == 2
    job.shutdown()


# -- the slice, the values table, the canvas ------------------------------------------------------


def test_a_slice_result_paints_the_slice_plot_once(
    qtbot: QtBot, document: Document, selection: SelectionModel, controller: TrainingController
) -> None:
    plot = CostSlicePlot(document, selection, controller)
    panel = InspectorPanel(document, selection, controller, slice_view=plot)
    qtbot.addWidget(panel)
    panel.resize(700, 900)  # room for the caption's lines: no relayout below the plot
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.waitUntil(lambda: controller.data is not None, timeout=TIMEOUT)
    ref = ParamRef.weight(2, 0, 1)
    with qtbot.waitSignal(plot.sliceDrawn, timeout=TIMEOUT):
        selection.select(Selection.weight(2, 0, 1))
    qtbot.wait(300)
    paints = Counter(plot.plot_widget.viewport(), QEvent.Type.Paint)
    drawn: list[object] = []
    plot.sliceDrawn.connect(drawn.append)
    for value in (1.5, -2.0, 0.25):  # each moves the curve and its axes' ranges
        with qtbot.waitSignal(plot.sliceDrawn, timeout=TIMEOUT):
            document.push(SetParameterCommand(document, ref, value))
        qtbot.wait(300)  # the slice of the training process's next snapshot too
    assert len(drawn) >= 3
    assert paints.count == len(drawn)
    plot.shutdown()


def test_new_numbers_update_the_values_table_in_place() -> None:
    model = SheetModel()
    resets: list[int] = []
    changes: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    model.dataChanged.connect(lambda *_: changes.append(1))
    header = ["parameter", "value", "∂C/∂θ"]
    assert model.set_sheet(Sheet("Parameters", header, [["w1", "0.5", "0.1"], ["b1", "1", "0"]]))
    assert resets == [1]
    assert not model.set_sheet(
        Sheet("Parameters", header, [["w1", "0.6", "0.2"], ["b1", "0.9", "-0.1"]])
    )
    assert resets == [1]
    assert changes == [1]
    assert model.data(model.index(0, 1)) == "0.6"
    assert model.set_sheet(Sheet("Parameters", header, [["w1", "0.6", "0.2"]]))  # a new shape
    assert resets == [1, 1]


def test_new_numbers_keep_the_canvas_labels_and_the_legend_card(
    qtbot: QtBot, document: Document, selection: SelectionModel, stub_controller: QObject
) -> None:
    view = NetworkView(document, selection, stub_controller)  # type: ignore[arg-type]
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    selection.select(Selection.weight(2, 0, 1))
    annotations = view.network_scene.annotations
    labels = list(annotations._labels)  # noqa: SLF001
    assert len(labels) == 1
    before = labels[0].toPlainText()
    ref = ParamRef.weight(2, 0, 1)
    document.push(SetParameterCommand(document, ref, 1.25))
    assert annotations._labels == labels  # noqa: SLF001 (the same item, its text set)
    assert labels[0].toPlainText() != before
    assert "1.25" in labels[0].toPlainText()

    legend: CanvasLegend = view.legend
    legend.set_compact(False)
    legend.repaint()
    draws = legend.card_draws
    for step in range(5):
        legend.set_note(f"Step {step}: example 0 and the weights before the update")
        legend.repaint()
    assert legend.card_draws == draws
    assert np.isfinite(draws)


def test_a_long_job_waits_its_share_while_training_runs(qtbot: QtBot) -> None:
    frames = FrameClock(clock=FakeClock())  # time stands still: frames run when flushed
    frames.request(lambda: None)
    frames.flush()
    pacing = [True]
    job = LatestJob(0, paced=lambda: pacing[0], clock=frames)
    job.submit(lambda: 1)
    qtbot.waitUntil(lambda: not job.busy and frames.pending == 1, timeout=5000)
    job.last_duration = 600.0  # as if it had taken ten minutes of the interpreter
    job.submit(lambda: 2)
    qtbot.wait(30)
    assert job.runs == 1  # it waits its turn: at most a fifth of the time
    assert job.busy
    pacing[0] = False  # training stopped: the next submission runs at once
    job.submit(lambda: 3)
    qtbot.waitUntil(lambda: job.runs == 2, timeout=5000)
    job.shutdown()


def test_the_window_lets_its_gui_thread_wait_little_for_the_interpreter(
    open_window: Callable[..., object],
) -> None:
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    try:
        open_window()
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL)
    finally:
        sys.setswitchinterval(before)
