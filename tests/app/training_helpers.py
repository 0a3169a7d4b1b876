"""Helpers of the tests that drive a TrainingController (thread or process backend)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np
from pytestqt.qtbot import QtBot

from bpstudio.app.document import Document
from bpstudio.app.panels.training import TrainingPanel
from bpstudio.app.training import TrainingController
from bpstudio.core.engine.network import Params

TIMEOUT = 10_000  # ms


def settle(controller: TrainingController) -> None:
    """Return once the worker has loaded the data, the training process has handled every
    command sent so far, and its answers (snapshots, results) have been delivered."""
    controller.worker.wait_for_data()
    assert controller.sync()


def params_equal(a: Params, b: Params) -> bool:
    """The same arrays, entry for entry."""
    return all(np.array_equal(x, y) for x, y in zip(a.arrays(), b.arrays(), strict=True))


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def pause_and_wait(qtbot: QtBot, controller: TrainingController) -> None:
    """Pause a run and return once the training process has stopped and answered."""
    controller.pause()
    qtbot.waitUntil(lambda: not controller.running, timeout=TIMEOUT)
    settle(controller)


def training_panel(
    qtbot: QtBot, document: Document, controller: TrainingController
) -> Iterator[TrainingPanel]:
    """A fixture's body: a Training panel once its first snapshot has arrived; a run it
    leaves going is paused afterwards."""
    widget = TrainingPanel(document, controller)
    qtbot.addWidget(widget)
    qtbot.waitUntil(lambda: controller.snapshot is not None, timeout=TIMEOUT)
    yield widget
    if controller.running and controller.worker.is_alive():
        pause_and_wait(qtbot, controller)
