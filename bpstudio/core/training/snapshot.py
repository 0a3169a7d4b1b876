"""Immutable pictures of training, made by the training session and drawn by the GUI.

A :class:`Snapshot` holds copies (or arrays nobody writes to again, marked read-only) of
everything the views show: parameters, the last batch's trace and gradients, the probe
example's z, a and ∂C/∂a, the history curves and the counters. It is safe to hand to
another thread, and to send to another process (the wire format keeps the read-only
flags). Marking the trainer's trace and gradients read-only also tells the trainer's
workspace to give the next step fresh arrays (see ``backprop.Workspace``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from bpstudio.core.engine.activations import Array
from bpstudio.core.engine.backprop import Grads, Trace, backward, forward
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.engine.readout import Readout, readout
from bpstudio.core.training.hyperparams import Hyperparameters
from bpstudio.core.training.trainer import Evaluation, Phase, Trainer


@dataclass(frozen=True)
class ProbeState:
    """The probe example's forward pass, and its backward pass for its own cost C_k."""

    index: int
    x: Array  # (1, d0)
    y: Array  # (1, n_L)
    trace: Trace | None
    grads: Grads | None


@dataclass(frozen=True)
class Snapshot:
    spec: NetworkSpec
    params: Params
    step: int
    epoch: int
    epoch_progress: float
    phase: Phase | None  # the phase that just ran (None: a run or a refresh)
    next_phase: Phase
    batch_indices: Array
    batch_trace: Trace | None
    batch_grads: Grads | None
    probe: ProbeState | None
    history: dict[str, tuple[Array, Array]]
    evaluation: Evaluation | None = None
    running: bool = False
    steps_per_second: float = 0.0
    divergence: str | None = None
    learning_rate: float = 0.0
    hyperparameters: Hyperparameters | None = None  # the trainer's, live edits included
    #: C of the last batch, the penalty included when one is on, and its data term C_data.
    batch_cost: float | None = None
    batch_data_cost: float | None = None

    @property
    def cost(self) -> float | None:
        """C of the last batch (C_data + the penalty when one is on)."""
        return self.batch_cost

    @cached_property
    def probe_readout(self) -> Readout | None:
        """Every neuron's and parameter's numbers for the probe example (its own cost C_k),
        computed once per snapshot for all the views that show them."""
        probe = self.probe
        if probe is None or probe.trace is None:
            return None
        return readout(self.spec, self.params, probe.trace, probe.grads, example=0)

    @cached_property
    def batch_readout(self) -> Readout | None:
        """The same, averaged over the last batch (the gradient is that batch's ∇C). After an
        update the parameter values are the updated ones, newer than the batch's trace."""
        if self.batch_trace is None:
            return None
        return readout(self.spec, self.params, self.batch_trace, self.batch_grads, example=None)


def _frozen(arrays: list[Array]) -> list[Array]:
    for a in arrays:
        a.flags.writeable = False
    return arrays


def freeze_trace(trace: Trace | None) -> Trace | None:
    if trace is None:
        return None
    _frozen(trace.Z)
    _frozen(trace.A[1:])  # A[0] is (a view of) the data, frozen by its owner
    return trace


def freeze_grads(grads: Grads | None) -> Grads | None:
    if grads is None:
        return None
    _frozen(grads.dW)
    _frozen(grads.db)
    _frozen(grads.dZ)
    _frozen([a for a in grads.dA if a is not None])
    return grads


def probe_state(trainer: Trainer, index: int, with_gradients: bool = True) -> ProbeState:
    """Forward (and backward) pass of training example ``index`` alone with the current
    parameters. Its gradients are those of its own cost C_k (n = 1)."""
    index = int(np.clip(index, 0, trainer.n_train - 1))
    x = trainer.X[index : index + 1].copy()
    y = trainer.Y[index : index + 1].copy()
    trace = forward(trainer.spec, trainer.params, x)
    grads = (
        backward(trainer.spec, trainer.params, trace, y, input_gradient=True)
        if with_gradients
        else None
    )
    return ProbeState(index, x, y, freeze_trace(trace), freeze_grads(grads))


def take_snapshot(
    trainer: Trainer,
    probe: ProbeState | None,
    phase: Phase | None = None,
    running: bool = False,
    steps_per_second: float = 0.0,
    evaluation: Evaluation | None = None,
) -> Snapshot:
    """A snapshot of ``trainer`` now; ``probe`` is the probe state to show."""
    history = {name: series.data() for name, series in trainer.history.series.items()}
    return Snapshot(
        spec=trainer.spec,
        params=trainer.params.copy(),
        step=trainer.step_count,
        epoch=trainer.epoch,
        epoch_progress=trainer.epoch_progress,
        phase=phase,
        next_phase=trainer.next_phase,
        batch_indices=trainer.batch_indices.copy(),
        batch_trace=freeze_trace(trainer.trace),
        batch_grads=freeze_grads(trainer.grads),
        probe=probe,
        history=history,
        evaluation=evaluation,
        running=running,
        steps_per_second=steps_per_second,
        divergence=trainer.divergence,
        learning_rate=trainer.learning_rate,
        hyperparameters=trainer.hyperparameters,
        batch_cost=trainer.cost if trainer.grads is not None else None,
        batch_data_cost=trainer.data_cost if trainer.grads is not None else None,
    )
