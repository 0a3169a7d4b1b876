"""One state on screen at every moment while training runs at full speed: whenever the event
loop is free to paint, the Training panel's step counter, the status bar, the canvas
legend, the inspector, the chain-rule panel, the gradient plot's caption and the cost
plot's last point all show the step of the snapshot shown (pytest-qt, offscreen, the whole
main window, once with each training backend)."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from bpstudio.app.main_window import MainWindow
from bpstudio.app.selection import Selection
from bpstudio.app.worker import StopConditions, WorkerOptions
from bpstudio.core.files.templates import make_project

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
