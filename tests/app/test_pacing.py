"""Keeping frames short while training runs: the frame clock's pacing, the canvas's
draft quality, labels and titles that never widen their plots, and the heap settled after
the window is built (pytest-qt, offscreen; no training process: snapshots are made here)."""

from __future__ import annotations

import gc

import pytest
import shiboken6
from PySide6.QtCore import QObject, QSettings
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from bpstudio.app.canvas.view import NetworkView
from bpstudio.app.document import Document
from bpstudio.app.pacing import MAX_INTERVAL, MIN_INTERVAL, FrameClock, LatestFrame
from bpstudio.app.selection import SelectionModel
from bpstudio.app.widgets import hold_width
from bpstudio.core.data.source import load_examples, split_examples
from bpstudio.core.training.snapshot import probe_state, take_snapshot
from bpstudio.core.training.trainer import Trainer


def trainer_of(document: Document) -> Trainer:
    """A trainer on the document's project, three steps in."""
    project = document.project
    train, _ = split_examples(project.data, load_examples(project.data))
    trainer = Trainer(project.spec, project.params, train, None, project.hyperparameters)
    trainer.train_steps(3)
    return trainer


def emit_snapshot(controller: QObject, trainer: Trainer, running: bool) -> None:
    """What the training process would send now, delivered through the stub controller."""
    snapshot = take_snapshot(trainer, probe_state(trainer, 0), running=running)
    controller.snapshotShown.emit(snapshot)  # type: ignore[attr-defined]


class FakeClock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class View(QObject):
    """Records the values it is shown, and what the clocks said when."""

    def __init__(self, clock: FakeClock | None = None, cpu: FakeClock | None = None) -> None:
        super().__init__()
        self.clock, self.cpu = clock, cpu
        self.cost = 0.0  # GUI CPU seconds a frame costs
        self.shown: list[object] = []
        self.runs: list[float] = []

    def show(self, value: object) -> None:
        self.shown.append(value)
        self.runs.append(self.clock() if self.clock is not None else 0.0)
        if self.cpu is not None:
            self.cpu.now += self.cost

    def redraw(self) -> None:
        self.show(None)


def test_a_frame_publishes_the_latest_value_only(qtbot: QtBot) -> None:
    frames = FrameClock(clock=FakeClock())
    view = View()
    latest = LatestFrame(view.show, clock=frames)
    for value in range(5):  # arriving faster than frames
        latest.offer(value, running=True)
    assert view.shown == []  # nothing shown outside a frame
    assert frames.pending == 1  # one frame asked for, however many values came
    qtbot.waitUntil(lambda: view.shown == [4], timeout=2000)
    assert frames.frames == 1
    qtbot.wait(30)
    assert view.shown == [4]  # a value is shown once


def test_callbacks_of_a_frame_run_together_once_each(qtbot: QtBot) -> None:
    frames = FrameClock(clock=FakeClock())
    first, second = View(), View()
    for _ in range(3):
        frames.request(first.redraw)
        frames.request(second.redraw)
    assert frames.pending == 2
    assert frames.flush() == 2
    assert (len(first.runs), len(second.runs), frames.frames) == (1, 1, 1)


def test_a_frame_waits_its_interval(qtbot: QtBot) -> None:
    clock = FakeClock()
    frames = FrameClock(clock=clock)
    frames.interval = 0.2
    view = View(clock)
    latest = LatestFrame(view.show, clock=frames)
    latest.offer("a", running=True)  # the first after a pause: at once
    qtbot.waitUntil(lambda: view.shown == ["a"], timeout=2000)
    latest.offer("b", running=True)
    # However long the event loop spins, the next frame waits until 0.2 s have passed.
    qtbot.wait(300)
    assert view.shown == ["a"]
    clock.now = 0.2
    qtbot.waitUntil(lambda: view.shown == ["a", "b"], timeout=2000)


def test_when_not_running_a_value_is_shown_at_once(qtbot: QtBot) -> None:
    frames = FrameClock(clock=FakeClock())
    frames.interval = 10.0
    view = View()
    latest = LatestFrame(view.show, clock=frames)
    latest.offer(1, running=True)
    latest.offer(2, running=False)  # e.g. a step, an edit, the end of a run
    assert view.shown == [2]  # synchronously, and the waiting frame is dropped
    assert frames.pending == 0
    latest.offer(2, running=False)
    assert view.shown == [2]


@pytest.mark.parametrize(("cost", "budget", "interval"), [(0.02, 0.25, 0.08), (0.01, 0.5, 0.02)])
def test_the_interval_follows_the_cost_of_a_frame(
    qtbot: QtBot, cost: float, budget: float, interval: float
) -> None:
    clock, cpu = FakeClock(), FakeClock()
    frames = FrameClock(budget=budget, clock=clock, cpu_clock=cpu)
    view = View(clock, cpu)
    view.cost = cost
    for _ in range(10):  # a second of frames, 0.1 s apart
        frames.request(view.redraw)
        frames.flush()
        clock.now += 0.1
    assert frames.interval == pytest.approx(interval)
    assert frames.duty == pytest.approx(cost / 0.1)


def test_a_costly_frame_slows_frames_down_to_the_limit(qtbot: QtBot) -> None:
    clock, cpu = FakeClock(), FakeClock()
    frames = FrameClock(budget=0.25, clock=clock, cpu_clock=cpu)
    view = View(clock, cpu)
    view.cost = 1.0
    for _ in range(3):
        frames.request(view.redraw)
        frames.flush()
        clock.now += 0.3
    assert frames.interval == MAX_INTERVAL
    view.cost = 0.0
    for _ in range(3):
        frames.request(view.redraw)
        frames.flush()
        clock.now += 0.3
    assert frames.interval == MIN_INTERVAL


def test_a_pause_between_runs_is_not_counted_as_a_frame(qtbot: QtBot) -> None:
    clock, cpu = FakeClock(), FakeClock()
    frames = FrameClock(budget=0.25, clock=clock, cpu_clock=cpu)
    view = View(clock, cpu)
    frames.request(view.redraw)
    frames.flush()
    clock.now, cpu.now = 60.0, 5.0  # a minute of stepping and editing, no frames
    for _ in range(4):
        frames.request(view.redraw)
        frames.flush()
        clock.now += 0.1
    assert frames.interval == MIN_INTERVAL


def test_a_deleted_view_is_skipped(qtbot: QtBot) -> None:
    frames = FrameClock(clock=FakeClock())
    view, other = View(), View()
    frames.request(view.redraw)
    frames.request(other.redraw)
    runs = view.runs
    shiboken6.delete(view)
    qtbot.waitUntil(lambda: len(other.runs) == 1, timeout=2000)
    assert runs == []


def test_canvas_draws_in_draft_quality_only_while_running(
    qtbot: QtBot, document: Document, selection: SelectionModel, stub_controller: QObject
) -> None:
    view = NetworkView(document, selection, stub_controller)  # type: ignore[arg-type]
    qtbot.addWidget(view)
    view.show()
    trainer = trainer_of(document)
    emit_snapshot(stub_controller, trainer, running=True)
    qtbot.waitUntil(lambda: view.network_scene.draft, timeout=2000)
    assert view.network_scene.values is not None
    assert (
        view.network_scene.values.W[0][0, 0] == trainer.trace_params.W[0][0, 0]
    )  # the state shown
    emit_snapshot(stub_controller, trainer, running=False)
    assert not view.network_scene.draft  # the last picture of a run is in full quality
    assert view.grab().width() > 0


def test_held_label_width_ignores_its_text(qtbot: QtBot) -> None:
    label = hold_width(QLabel("1"), "00,000,000")
    qtbot.addWidget(label)
    width = label.minimumSizeHint().width()
    assert label.minimumWidth() >= label.fontMetrics().horizontalAdvance("00,000,000")
    label.setText("12,345,678")
    assert label.minimumSizeHint().width() == width


def test_the_heap_is_settled_once_the_window_is_built(
    qtbot: QtBot, settings: QSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bpstudio.app import main_window

    calls: list[str] = []
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    window = main_window.MainWindow(settings)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: calls == ["freeze"], timeout=5000)
    window.document.replace_project(window.document.project.copy())
    qtbot.waitUntil(lambda: calls == ["freeze", "freeze"], timeout=5000)
    window.document.undo_stack.setClean()


def test_chain_rule_text_swaps_documents_without_keeping_old_ones(
    qtbot: QtBot, document: Document, selection: SelectionModel, stub_controller: QObject
) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtGui import QTextDocument

    from bpstudio.app.panels.chain_rule import ChainRulePanel
    from bpstudio.app.selection import Selection

    panel = ChainRulePanel(document, selection, stub_controller)  # type: ignore[arg-type]
    qtbot.addWidget(panel)
    panel.show()
    emit_snapshot(stub_controller, trainer_of(document), running=False)
    for j in range(4):
        selection.select(Selection.weight(1, j, 0))
        assert f"w</i><sub>{j}0</sub>" in panel.html
        assert f"{j}0" in panel.browser.toPlainText()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    assert len(panel.browser.findChildren(QTextDocument)) == 1


def test_layer_plots_fit_a_narrow_gradient_dock(
    qtbot: QtBot, selection: SelectionModel, stub_controller: QObject
) -> None:
    from bpstudio.app.plots.gradient import MODE_LAYERS, GradientPlot
    from bpstudio.core.files.templates import make_project

    plot = GradientPlot(Document(make_project("digits")), selection, stub_controller)  # type: ignore[arg-type]
    qtbot.addWidget(plot)
    plot.resize(420, 300)
    plot.show()
    assert plot.mode == MODE_LAYERS
    for widget in (plot.norms_widget, plot.histogram_widget):
        item = widget.getPlotItem()
        qtbot.waitUntil(lambda item=item, widget=widget: item.geometry().width() <= widget.width())


def test_flush_runs_every_waiting_frame_now_pace_ignored(qtbot: QtBot) -> None:
    frames = FrameClock(clock=FakeClock())
    frames.interval = 10.0
    ran: list[str] = []

    def first() -> None:
        ran.append("first")
        frames.request(second)  # asked for by a frame: runs in the same flush

    def second() -> None:
        ran.append("second")

    frames.request(first)
    frames.request(first)
    assert frames.pending == 1
    assert frames.flush() == 2
    assert ran == ["first", "second"]
    assert frames.pending == 0
