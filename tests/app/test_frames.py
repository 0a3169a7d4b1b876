"""One state on screen at every moment. While training runs at full speed: whenever the
event loop is free to paint, the Training panel's step counter, the status bar, the canvas
legend, the inspector, the chain-rule panel, the gradient plot's caption and the cost
plot's last point all show the step of the snapshot shown (the whole main window). After
an update: the values table shows the pass the inspector shows, the parameters before the
update (pytest-qt, offscreen, once with each training backend)."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from training_helpers import params_equal, settle

from bpstudio.app.document import Document
from bpstudio.app.main_window import MainWindow
from bpstudio.app.panels.values_table import ValuesTablePanel
from bpstudio.app.selection import Selection
from bpstudio.app.training import TrainingController
from bpstudio.app.worker import StopConditions, WorkerOptions
from bpstudio.core.files.templates import make_project
from bpstudio.core.training.trainer import StepUnit

TIMEOUT = 30_000  # ms
FRAMES = 40  # frames published while the displays are read
SAMPLE_MS = 3  # how often the displays are read (between turns of the event loop)


def step_in(text: str, pattern: str) -> int | None:
    """The step number ``pattern`` (a regex with one group) finds in ``text``."""
    match = re.search(pattern, re.sub(r"<[^>]+>", "", text))
    return int(match.group(1).replace(",", "")) if match else None


def last_point(window: MainWindow) -> int | None:
    """The step of the cost curve's last point (its data: what is painted is downsampled
    to the pixels, and may drop the last point into its neighbour's pixel)."""
    steps = window.cost_plot.curves["batch_cost"].xData
    return int(steps[-1]) if steps is not None and len(steps) else None


def displayed_steps(window: MainWindow) -> dict[str, int | None]:
    """The step each view on screen displays now, read from its text (or its last point)."""
    gradient = window.gradient_plot.summary
    caption = gradient.text() if "step" in gradient.text() else gradient.toolTip()
    readers: dict[str, tuple[QWidget, Callable[[], int | None]]] = {
        "training counter": (
            window.training,
            lambda: step_in(window.training.counter_labels["step"].text(), r"([\d,]+)"),
        ),
        "status bar": (
            window.counter_label,
            lambda: step_in(window.counter_label.text(), r"step ([\d,]+)"),
        ),
        "canvas legend": (
            window.canvas,
            lambda: step_in(window.canvas.legend.note, r"Step (\d+):"),
        ),
        "inspector": (
            window.inspector,
            lambda: step_in(window.inspector.weight_probe_box.title(), r"step (\d+), before"),
        ),
        "chain rule": (
            window.chain_rule,
            lambda: step_in(window.chain_rule.html, r"Step (\d+) just taken"),
        ),
        "gradient caption": (
            window.gradient_plot,
            lambda: step_in(caption, r"step ([\d,]+)'s mini-batch"),
        ),
        "cost plot": (window.cost_plot, lambda: last_point(window)),
    }
    return {name: read() for name, (widget, read) in readers.items() if widget.isVisible()}


def test_every_view_shows_the_step_of_the_frame_while_training_runs(
    qtbot: QtBot, open_window: Callable[..., MainWindow], backend: str
) -> None:
    window = open_window(worker=WorkerOptions(backend=backend))
    window.resize(1600, 1000)
    window.document.replace_project(make_project("spirals"))
    window.document.undo_stack.setClean()
    window.show()
    qtbot.waitExposed(window)
    controller = window.controller
    qtbot.waitUntil(lambda: controller.snapshot is not None, timeout=TIMEOUT)
    window.selection.select(Selection.weight(2, 0, 1))

    frames: list[int] = []
    disagreements: list[tuple[int, dict[str, int | None]]] = []

    def on_frame(snapshot: object) -> None:
        if getattr(snapshot, "running", False):
            frames.append(int(getattr(snapshot, "step", -1)))

    def sample() -> None:
        shown = controller.snapshot
        if shown is None or not shown.running or len(frames) < 2:
            return  # before the run's first frames (the views show the idle state)
        steps = displayed_steps(window)
        if set(steps.values()) != {shown.step}:
            disagreements.append((shown.step, steps))

    controller.snapshotShown.connect(on_frame)
    reader = QTimer()
    reader.setInterval(SAMPLE_MS)
    reader.timeout.connect(sample)
    reader.start()
    controller.run(StopConditions())
    try:
        qtbot.waitUntil(lambda: len(frames) >= FRAMES, timeout=TIMEOUT)
    finally:
        reader.stop()
        controller.pause()
        qtbot.waitUntil(lambda: not controller.running, timeout=TIMEOUT)
    # Full speed: many steps between two frames, so views drawing their own snapshots
    # would show different steps.
    assert np.median(np.diff(frames)) > 1
    assert not disagreements, "\n".join(map(str, disagreements[:3]))
    assert len(displayed_steps(window)) >= 6, displayed_steps(window)  # the views on screen
    # After the run, the last snapshot is shown at once, by every view.
    qtbot.waitUntil(lambda: window.document.project.step == controller.snapshot.step)


def test_after_an_update_the_values_table_shows_the_pass_the_other_views_show(
    qtbot: QtBot, document: Document, controller: TrainingController
) -> None:
    panel = ValuesTablePanel(document, controller)
    qtbot.addWidget(panel, before_close_func=lambda widget: widget.shutdown())
    panel.show()
    qtbot.waitExposed(panel)
    settle(controller)
    for _ in range(3):  # forward, backward, update
        controller.step(StepUnit.PHASE)
        settle(controller)
    snapshot = controller.snapshot
    assert snapshot is not None
    assert snapshot.after_update
    assert params_equal(snapshot.params, document.params)  # the document took the update
    qtbot.waitUntil(
        lambda: panel.caption.text().startswith("Step 1, before its update. Probe example"),
        timeout=TIMEOUT,
    )
    assert panel.table is not None
    shown = snapshot.probe_readout  # what the inspector and the canvas show for the probe
    assert shown is not None
    spec = document.spec
    hidden = [n for n in panel.table.neurons if n.layer == 1]
    assert [n.z for n in hidden] == [shown.neuron(1, j).z for j in range(spec.layer_sizes[1])]
