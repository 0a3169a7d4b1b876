"""Training settings: one frozen record, saved in the project and sent to the worker."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np

from bpstudio.core.engine.optim import DEFAULT_DECAY_RATE, OPTIMIZER_LABELS, Schedule
from bpstudio.core.errors import BPStudioError

#: Seeds are stored in projects and passed to NumPy as signed 64-bit integers.
MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class Hyperparameters:
    """Everything that steers gradient descent, all changeable between steps.

    ``beta1``, ``beta2`` and ``eps`` are Adam's; ``schedule_every`` and ``schedule_factor``
    the step schedule's, ``schedule_rate`` the exponential schedule's (see
    :class:`~bpstudio.core.engine.optim.Schedule`). Projects written before ``eps`` and
    ``schedule_rate`` existed read with the defaults (see :meth:`from_dict`).
    """

    learning_rate: float = 0.5
    batch_size: int = 10
    optimizer: str = "sgd"
    momentum: float = 0.9
    nesterov: bool = False
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    l1: float = 0.0
    l2: float = 0.0
    schedule: str = "constant"
    schedule_every: int = 1000
    schedule_factor: float = 0.5
    schedule_rate: float = DEFAULT_DECAY_RATE
    seed: int = 0
    shuffle: bool = True

    def __post_init__(self) -> None:
        # A count that is not a whole number (a float from a file) fails only deep in the
        # training process; refuse it here.
        for name in ("batch_size", "seed", "schedule_every"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise BPStudioError(f"{name} must be a whole number, got {value!r}")
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise BPStudioError(
                f"the learning rate must be a positive number, got {self.learning_rate}"
            )
        if self.batch_size < 1:
            raise BPStudioError(f"the batch size must be at least 1, got {self.batch_size}")
        if self.optimizer not in OPTIMIZER_LABELS:
            known = ", ".join(OPTIMIZER_LABELS)
            raise BPStudioError(f"unknown optimiser {self.optimizer!r}; expected one of: {known}")
        for name in ("l1", "l2"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise BPStudioError(f"{name} must be a non-negative number, got {value}")
        if not 0.0 <= self.momentum < 1.0:
            raise BPStudioError(f"momentum must be in [0, 1), got {self.momentum}")
        # Adam divides by 1 - beta^t: beta = 1 would divide by zero on the first step.
        for name in ("beta1", "beta2"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise BPStudioError(f"{name} must be in [0, 1), got {value}")
        if not (math.isfinite(self.eps) and self.eps > 0):
            raise BPStudioError(f"Adam's ε must be a positive number, got {self.eps}")
        if not 0 <= self.seed <= MAX_SEED:
            raise BPStudioError(
                f"the random seed must be a whole number from 0 to {MAX_SEED}, got {self.seed}"
            )
        self.lr_schedule  # noqa: B018 (validates the schedule's settings)

    @property
    def lr_schedule(self) -> Schedule:
        return Schedule(
            self.schedule, self.schedule_every, self.schedule_factor, self.schedule_rate
        )

    def learning_rate_at(self, step: int) -> float:
        if self.schedule == "constant":  # the common case, asked once per training step
            return self.learning_rate
        return self.lr_schedule.learning_rate(self.learning_rate, step)

    def with_changes(self, **changes: Any) -> Hyperparameters:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Hyperparameters:
        known = {f.name: f.type for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise BPStudioError(f"unknown training settings: {', '.join(unknown)}")
        values = dict(data)
        if values.get("schedule") == "exponential" and "schedule_rate" not in values:
            values["schedule_rate"] = _legacy_decay_rate(values)
        try:
            return cls(**values)
        except TypeError as exc:
            raise BPStudioError(f"malformed training settings: {exc}") from None


def _legacy_decay_rate(values: Mapping[str, Any]) -> Any:
    """The rate r of an exponential schedule saved before r existed, when η_t was
    η₀ · factor^(t / every): the same curve is η₀ · e^(−r t) with r = −ln(factor) / every."""
    every = values.get("schedule_every", 1000)
    factor = values.get("schedule_factor", 0.5)
    if not isinstance(every, int) or isinstance(every, bool) or every < 1:
        return DEFAULT_DECAY_RATE  # the validation of schedule_every reports it
    if not isinstance(factor, int | float) or not 0.0 < factor < 1.0:
        return DEFAULT_DECAY_RATE
    return -math.log(factor) / every
