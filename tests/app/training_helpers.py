"""Helpers of the tests that drive a TrainingController (thread or process backend)."""

from __future__ import annotations

import os

import numpy as np

from bpstudio.app.training import TrainingController
from bpstudio.core.engine.network import Params


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
