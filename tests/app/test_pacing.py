"""Keeping frames short while training runs: the redraw scheduler's pacing, the canvas's
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
from bpstudio.app.pacing import RedrawScheduler
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
    controller.snapshotReceived.emit(snapshot)  # type: ignore[attr-defined]


class FakeClock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class View(QObject):
    def __init__(self, clock: FakeClock | None = None) -> None:
        super().__init__()
        self.clock = clock
        self.runs: list[float] = []

    def redraw(self) -> None:
        self.runs.append(self.clock() if self.clock is not None else 0.0)


def test_a_running_callback_waits_its_minimum_interval(qtbot: QtBot) -> None:
    clock = FakeClock()
    scheduler = RedrawScheduler(budget=1.0, clock=clock)
    slow, fast = View(clock), View(clock)
    scheduler.request(slow.redraw, running=True, min_interval=0.2)
    qtbot.waitUntil(lambda: len(slow.runs) == 1, timeout=2000)
    scheduler.request(slow.redraw, running=True, min_interval=0.2)
    scheduler.request(fast.redraw, running=True)
    # The other view is not held up by the one that has to wait.
    qtbot.waitUntil(lambda: len(fast.runs) == 1, timeout=2000)
    # However long the event loop spins, the slow view waits until 0.2 s have passed.
    qtbot.wait(50)
    assert len(slow.runs) == 1
    clock.now = 0.2
    qtbot.waitUntil(lambda: len(slow.runs) == 2, timeout=2000)
    assert slow.runs[1] - slow.runs[0] >= 0.2


def test_when_not_running_a_callback_runs_at_once(qtbot: QtBot) -> None:
    scheduler = RedrawScheduler(budget=1.0)
    view = View()
    scheduler.request(view.redraw, running=True, min_interval=10.0)
    qtbot.waitUntil(lambda: len(view.runs) == 1, timeout=2000)
    scheduler.request(view.redraw, running=False, min_interval=10.0)  # e.g. a step
    qtbot.waitUntil(lambda: len(view.runs) == 2, timeout=2000)


def test_a_deleted_view_is_skipped(qtbot: QtBot) -> None:
    scheduler = RedrawScheduler(budget=1.0)
    view, other = View(), View()
    scheduler.request(view.redraw, running=False)
    scheduler.request(other.redraw, running=False)
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


def test_flush_runs_every_waiting_redraw_now_paces_ignored(qtbot: QtBot) -> None:
    clock = FakeClock()
    pacer = RedrawScheduler(clock=clock)
    ran: list[str] = []

    def first() -> None:
        ran.append("first")
        pacer.request(second, True, 10.0)  # asked for by a redraw: runs in the same flush

    def second() -> None:
        ran.append("second")

    pacer.request(first, True, 10.0)
    assert pacer.pending == 1
    assert pacer.flush() == 2
    assert ran == ["first", "second"]
    assert pacer.pending == 0
