"""A million gradient steps: the history and the process's memory stay bounded."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from bpstudio.core.engine.network import NetworkSpec
from bpstudio.core.files.project import note_example_params
from bpstudio.core.training.hyperparams import Hyperparameters
from bpstudio.core.training.trainer import Trainer


def resident_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    pytest.skip("no /proc/self/status on this system")


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_a_million_steps_keep_memory_bounded() -> None:
    spec = NetworkSpec.build([1, 1, 1, 1], "sigmoid")
    data = SimpleNamespace(X=np.array([[1.0]]), Y=np.array([[0.25]]), is_classification=False)
    trainer = Trainer(spec, note_example_params(), data, None, Hyperparameters(batch_size=1))
    trainer.train_steps(20_000)
    before = resident_kib()
    assert trainer.train_steps(980_000) == 980_000
    assert resident_kib() - before < 4096  # KiB: nothing grows with the number of steps
    series = trainer.history["batch_cost"]
    assert series.count == 1_000_000
    x, _ = series.data()
    assert len(x) <= series.capacity + 4
    assert x[0] == 1
    assert x[-1] == 1_000_000
    assert len(trainer.history["train_cost"].data()[0]) <= series.capacity + 4
