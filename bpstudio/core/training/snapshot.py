"""Immutable pictures of training, made by the training session and drawn by the GUI.

A :class:`Snapshot` holds copies (or arrays nobody writes to again, marked read-only) of
everything the views show: parameters, the last batch's trace and gradients, the probe
example's z, a and ∂C/∂a, the history curves and the counters. It is safe to hand to
another thread, and to send to another process (the wire format keeps the read-only
flags).

Every number derived from a pass (the batch's and the probe's z, a, σ′, ∂C/∂a, ∇C) comes
from one set of parameters, :attr:`Snapshot.computed_with`. Between an update and the next
forward pass those are the parameters *before* the update, so the views show the step just
taken with the parameters it was computed from (:attr:`Snapshot.after_update` says so), and
:attr:`Snapshot.params` holds the updated values the next forward pass will use.

Marking the trainer's trace and gradients read-only also tells the trainer's workspace to
give the next step fresh arrays (see ``backprop.Workspace``).
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

    #: The parameters the batch trace, its gradients and the probe were computed with
    #: (None: the same as ``params``).
    computed_with: Params | None = None

    @property
    def pass_params(self) -> Params:
        """The parameters every derived number of this snapshot was computed with."""
        return self.computed_with if self.computed_with is not None else self.params

    @property
    def after_update(self) -> bool:
        """True between an update and the next forward pass: the trace and gradients shown
        are those of the step just taken, computed before its update changed ``params``."""
        return self.batch_trace is not None and self.next_phase is Phase.FORWARD

    @property
    def cost(self) -> float | None:
        """C of the last batch (C_data + the penalty when one is on)."""
        return self.batch_cost

    @cached_property
    def probe_cost(self) -> float | None:
        """The probe example's own cost C₀ from its forward pass (known as soon as a^(L)
        is, before any backward pass); None before a forward pass."""
        probe = self.probe
        if probe is None or probe.trace is None:
            return None
        if probe.grads is not None:
            return probe.grads.cost
        trace = probe.trace
        return self.spec.loss_fn.value(
            trace.Z[-1], trace.output, probe.y, self.spec.output_activation
        )

    @cached_property
    def probe_readout(self) -> Readout | None:
        """Every neuron's and parameter's numbers for the probe example (its own cost C_k),
        computed once per snapshot for all the views that show them."""
        probe = self.probe
        if probe is None or probe.trace is None:
            return None
        return readout(self.spec, self.pass_params, probe.trace, probe.grads, example=0)

    @cached_property
    def batch_readout(self) -> Readout | None:
        """The same, averaged over the last batch (the gradient is that batch's ∇C), with
        the parameter values it was computed with (see :attr:`after_update`)."""
        if self.batch_trace is None:
            return None
        return readout(
            self.spec, self.pass_params, self.batch_trace, self.batch_grads, example=None
        )


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
    """Forward (and backward) pass of training example ``index`` alone with the parameters
    of the trainer's last pass (:attr:`Trainer.trace_params`: before the update just made,
    if one was), so the probe and the batch show one state. Its gradients are those of its
    own cost C_k (n = 1)."""
    index = int(np.clip(index, 0, trainer.n_train - 1))
    x = trainer.X[index : index + 1].copy()
    y = trainer.Y[index : index + 1].copy()
    params = trainer.trace_params
    trace = forward(trainer.spec, params, x)
    grads = (
        backward(trainer.spec, params, trace, y, input_gradient=True) if with_gradients else None
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
    computed_with = trainer.trace_params
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
        computed_with=None if computed_with is trainer.params else computed_with.copy(),
    )
