"""A training session: the trainer behind the GUI, driven by commands, reporting by events.

:class:`TrainingSession` owns a :class:`Trainer` and, through it, every array it trains. It
runs in the training process (:mod:`bpstudio.core.training.process`) or in the GUI's
training thread, inside the loop of :mod:`bpstudio.core.training.loop`; the GUI sends it
commands (its public methods) and gets back events through the ``emit`` callback, each an
event name and one picklable payload that nobody changes afterwards:

``"snapshot"`` (:class:`Snapshot`)
    what the views draw: at most ~30 a second while running, one per step or phase otherwise;
``"stopped"`` (:class:`TrainingState`)
    a run ended or paused: its parameters go back to the document;
``"stepped"`` (:class:`TrainingState`)
    a step (not a lone forward or backward phase) changed the parameters;
``"running"`` (bool), ``"problem"`` (str, "" when there is none), ``"vanishing"`` (str:
the vanishing-gradient notice, see :mod:`.vanishing`; "" once it no longer holds) and
``"gradient_check"`` (:class:`GradCheckResult`).

While running, :meth:`train_chunk` trains for about ``chunk_seconds`` (10 ms) and says when
to call it again; commands are handled between chunks, so they never race the arrays.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bpstudio.core.data.datasets import Dataset
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.gradcheck import gradient_check
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.errors import BPStudioError
from bpstudio.core.training.blas import BlasThreads
from bpstudio.core.training.history import History
from bpstudio.core.training.hyperparams import Hyperparameters
from bpstudio.core.training.snapshot import ProbeState, probe_state, take_snapshot
from bpstudio.core.training.trainer import Phase, StepUnit, Trainer

SNAPSHOT_INTERVAL = 1.0 / 30.0  # seconds between snapshots while running, at least
#: ... and at most this share of a run goes into making and sending snapshots.
SNAPSHOT_SHARE = 0.05
CHUNK_SECONDS = 0.010  # training time between two looks at the commands
#: A chunk trains in blocks of at most this many steps (one Trainer.train_steps call each),
#: fewer when the last block's pace says more would run past the chunk's end.
BLOCK_STEPS = 32

#: Emits one event: its name and its payload.
Emit = Callable[[str, object], None]


@dataclass(frozen=True)
class StopConditions:
    max_epochs: int | None = None
    max_steps: int | None = None
    target_cost: float | None = None
    target_accuracy: float | None = None
    steps_per_second: float | None = None  # None: as fast as possible


@dataclass(frozen=True)
class TrainingState:
    """What goes back into the document when a run pauses or a step finishes."""

    params: Params
    history: History
    step: int
    epoch: int
    reason: str = ""
    #: The generation of the network and parameters it started from (see
    #: :meth:`TrainingSession.set_network`): a result from an older one is stale.
    generation: int = 0
    #: Examples of the current epoch already trained on (the epoch display, a rebuild).
    examples_seen: int = 0


@dataclass(frozen=True)
class TrainingData:
    """The examples a session trains on; ``description`` names them in messages."""

    description: str
    train: Dataset
    validation: Dataset


class TrainingSession:
    """The commands of training, applied to one Trainer; see the module docstring.

    ``blas``, when given, picks the BLAS thread count for every new network (a process of
    its own does; a thread sharing the GUI's process leaves the GUI's BLAS alone).
    """

    def __init__(
        self,
        emit: Emit,
        blas: BlasThreads | None = None,
        chunk_seconds: float = CHUNK_SECONDS,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._emit = emit
        self._clock = clock  # the pace of runs and snapshots (tests step a clock of their own)
        self._blas = blas
        self.chunk_seconds = chunk_seconds
        self.trainer: Trainer | None = None
        self.data: TrainingData | None = None
        self.running = False
        self._probe_index = 0
        self._probe: ProbeState | None = None
        self._conditions = StopConditions()
        self._last_snapshot = 0.0
        self._snapshot_cost = 0.0  # seconds, a moving average over the run's snapshots
        self._step_seconds = 0.0  # a step's time in the last block (0.0: not measured yet)
        self._run_start = (0.0, 0)
        self._rate = 0.0
        self._spec: NetworkSpec | None = None
        self._params: Params | None = None
        self._hp = Hyperparameters()
        self._history = History()
        self._counters = (0, 0, 0)  # step, epoch, examples seen in the epoch
        self.generation = 0
        self._vanishing_sent = ""

    # -- helpers -----------------------------------------------------------------------------

    def _snapshot(self, phase: Phase | None = None, evaluate: bool = False) -> None:
        trainer = self.trainer
        if trainer is None:
            return
        # The fixed evaluation sample: a step on a large set must not wait for a full pass.
        evaluation = trainer.evaluate(record=False, full=False) if evaluate else None
        snapshot = take_snapshot(
            trainer,
            self._probe,
            phase=phase,
            running=self.running,
            steps_per_second=self._rate,
            evaluation=evaluation,
        )
        self._last_snapshot = self._clock()
        self._emit("snapshot", snapshot)
        self._report_vanishing()

    def _report_vanishing(self) -> None:
        """Send the vanishing-gradient notice when it appears, changes or goes away."""
        notice = self.trainer.vanishing if self.trainer is not None else None
        message = notice.message if notice is not None else ""
        if message != self._vanishing_sent:
            self._vanishing_sent = message
            self._emit("vanishing", message)

    def _refresh_probe(self, with_gradients: bool = True) -> None:
        if self.trainer is not None:
            self._probe = probe_state(self.trainer, self._probe_index, with_gradients)

    def _state(self, reason: str = "") -> TrainingState:
        assert self.trainer is not None
        t = self.trainer
        # A later rebuild (new data) goes on from here, not from what the GUI last sent.
        self._history = t.history.copy()
        self._counters = (t.step_count, t.epoch, t.examples_seen_in_epoch)
        return TrainingState(
            t.params.copy(),
            t.history.copy(),
            t.step_count,
            t.epoch,
            reason,
            self.generation,
            t.examples_seen_in_epoch,
        )

    def _rebuild(self) -> None:
        """A new Trainer from the current network, data and settings."""
        self.trainer = None
        self._report_vanishing()
        if self._spec is None or self._params is None or self.data is None:
            return
        data = self.data
        spec = self._spec
        if data.train.n_inputs != spec.input_size or data.train.n_outputs != spec.output_size:
            self._emit(
                "problem",
                f"The data ({data.description}) has {data.train.n_inputs} inputs and "
                f"{data.train.n_outputs} targets; the network has {spec.input_size} inputs and "
                f"{spec.output_size} outputs. Change the network or the data.",
            )
            return
        try:
            with np.errstate(all="ignore"):
                self.trainer = Trainer(
                    spec,
                    self._params,
                    data.train,
                    data.validation if data.validation.n_examples else None,
                    self._hp,
                    history=self._history.copy(),
                    step=self._counters[0],
                    epoch=self._counters[1],
                    examples_seen=self._counters[2],
                )
        except BPStudioError as exc:
            self._emit("problem", str(exc))
            return
        self._emit("problem", "")
        self._choose_blas_threads()
        self._refresh_probe()
        self._snapshot(evaluate=True)

    def _choose_blas_threads(self) -> None:
        if self._blas is not None and self.trainer is not None:
            self._blas.choose_for(self.trainer)

    # -- commands ------------------------------------------------------------------------------

    def set_data(self, data: TrainingData | None) -> None:
        """New examples; None while they load (or when they failed to): no trainer then."""
        self.stop("data changed")
        self.data = data
        if data is None:
            self.trainer = None
            return
        self._probe_index = min(self._probe_index, max(0, data.train.n_examples - 1))
        self._rebuild()

    def set_network(
        self,
        spec: NetworkSpec,
        params: Params,
        hp: Hyperparameters,
        history: History,
        step: int,
        epoch: int,
        examples_seen: int = 0,
        generation: int = 0,
    ) -> None:
        """The whole document state (structure or training state changed, or undo).

        ``generation`` numbers the document states the GUI sends (here and in
        :meth:`set_params`); results carry the one they started from, so the GUI can tell a
        result that crossed a newer edit on the way.
        """
        self.stop("network changed")
        self.generation = generation
        self._spec, self._params, self._hp = spec, params.copy(), hp
        self._history, self._counters = history.copy(), (step, epoch, examples_seen)
        self._rebuild()

    def set_params(self, params: Params, generation: int = 0) -> None:
        """New parameter values (an edit); the pending phase is discarded. A run goes on
        from them, so its results belong to the new ``generation``."""
        self.generation = generation
        self._params = params.copy()
        if self.trainer is not None:
            self.trainer.set_params(params)
            self._refresh_probe()
            self._snapshot()

    def set_training_state(
        self,
        params: Params,
        history: History,
        step: int,
        epoch: int,
        examples_seen: int = 0,
        generation: int = 0,
    ) -> None:
        """Parameters, history and counters together, on the same network: training results
        rewound or replayed (undo, redo). A run in progress stops first."""
        self.stop("training state changed")
        self.generation = generation
        self._params = params.copy()
        self._history, self._counters = history.copy(), (step, epoch, examples_seen)
        self._rebuild()

    def set_parameter(self, ref: ParamRef, value: float) -> None:
        """One weight or bias, applied between steps even while running."""
        if self.trainer is None:
            return
        self.trainer.set_parameter(ref, value)
        self._params = self.trainer.params.copy()
        self._refresh_probe()
        if not self.running:
            self._snapshot()

    def set_hyperparameters(self, hp: Hyperparameters) -> None:
        self._hp = hp
        if self.trainer is not None:
            self.trainer.set_hyperparameters(hp)
            self._choose_blas_threads()  # measured again if the batch size changed
            if not self.running:
                self._snapshot()

    def set_probe(self, index: int) -> None:
        self._probe_index = max(0, int(index))
        if self.trainer is not None:
            self._refresh_probe()
            self._snapshot()

    def refresh(self) -> None:
        if self.trainer is not None:
            self._refresh_probe()
            self._snapshot(evaluate=True)

    def step(self, unit: str) -> None:
        """One phase, example, mini-batch or epoch."""
        trainer = self.trainer
        if trainer is None or self.running:
            return
        trainer.divergence = None
        before = trainer.step_count
        phase: Phase | None = None
        with np.errstate(all="ignore"):
            if unit == StepUnit.PHASE:
                phase = trainer.step_phase()
                if phase is Phase.FORWARD:
                    self._refresh_probe(with_gradients=False)
                elif phase is Phase.BACKWARD:
                    self._refresh_probe()
            else:
                if unit == StepUnit.EXAMPLE:
                    trainer.train_example()
                elif unit == StepUnit.EPOCH:
                    trainer.train_epoch()
                else:
                    trainer.train_batch()
                self._refresh_probe()
        self._snapshot(phase=phase, evaluate=phase is None)
        if trainer.step_count != before:
            self._params = trainer.params.copy()
            self._emit("stepped", self._state("step"))

    def run(self, conditions: StopConditions) -> None:
        if self.trainer is None or self.running:
            return
        self.trainer.divergence = None
        self._conditions = conditions
        self.running = True
        self._run_start = (self._clock(), self.trainer.step_count)
        self._rate = 0.0
        self._emit("running", True)

    def set_stop_conditions(self, conditions: StopConditions) -> None:
        if (
            self.running
            and self.trainer is not None
            and conditions.steps_per_second != self._conditions.steps_per_second
        ):
            # Pace from now on: steps run at the old pace must not count against the new one.
            self._run_start = (self._clock(), self.trainer.step_count)
        self._conditions = conditions

    def pause(self) -> None:
        self.stop("paused")

    def stop(self, reason: str) -> None:
        """End a run (if one runs) and report its results, even if the last snapshot fails."""
        if not self.running:
            return
        self.running = False
        assert self.trainer is not None
        self._params = self.trainer.params.copy()
        try:
            self._refresh_probe()
            self._snapshot(evaluate=True)
        finally:
            self._emit("running", False)
            self._emit("stopped", self._state(reason))

    def gradient_check(self, max_parameters: int) -> None:
        trainer = self.trainer
        if trainer is None:
            return
        size = min(trainer.hyperparameters.batch_size, trainer.n_train, 256)
        X, Y = trainer.X[:size], trainer.Y[:size]
        hp = trainer.hyperparameters
        try:
            with np.errstate(all="ignore"):
                # The whole C training descends: C_data + the L1/L2 penalty.
                result = gradient_check(
                    trainer.spec,
                    trainer.params,
                    X,
                    Y,
                    max_parameters=max_parameters,
                    l1=hp.l1,
                    l2=hp.l2,
                )
        except BPStudioError as exc:
            self._emit("problem", str(exc))
            return
        self._emit("gradient_check", result)

    # -- the run loop --------------------------------------------------------------------------

    def _block_steps(self, deadline: float) -> int:
        """How many steps the next block of a chunk runs: what fits before ``deadline`` at
        the last block's pace, at most :data:`BLOCK_STEPS`, at least 1."""
        left = deadline - self._clock()
        if self._step_seconds <= 0.0:
            return 1
        return max(1, min(BLOCK_STEPS, int(left / self._step_seconds)))

    def train_chunk(self) -> float | None:
        """Train for about ``chunk_seconds``; seconds to wait before the next chunk, or
        None when not running (any more)."""
        trainer = self.trainer
        if not self.running or trainer is None:
            return None
        c = self._conditions
        deadline = self._clock() + self.chunk_seconds
        stop_reason = ""
        limit = math.inf
        if c.steps_per_second:
            # Pace the run: only as many steps as the wall clock allows so far.
            t0, s0 = self._run_start
            limit = s0 + (self._clock() - t0) * c.steps_per_second - trainer.step_count
        done = 0
        targets = c.target_cost is not None or c.target_accuracy is not None
        with np.errstate(all="ignore"):
            while done < limit:
                # A block of steps through Trainer.train_steps, ending where a condition
                # can first hold (the last step, the epoch's end, where an evaluation is
                # recorded), so that it stops at the very step a step-by-step loop would.
                block = self._block_steps(deadline)
                if limit != math.inf:
                    block = min(block, math.ceil(limit - done))
                if c.max_steps is not None:
                    block = min(block, max(1, c.max_steps - trainer.step_count))
                if c.max_epochs is not None and trainer.epoch >= c.max_epochs:
                    block = 1
                elif c.max_epochs is not None or targets:
                    block = min(block, trainer.steps_to_epoch_end())
                start = self._clock()
                ran = trainer.train_steps(block)
                done += ran
                now = self._clock()
                if ran:
                    self._step_seconds = (now - start) / ran
                if ran < block:
                    stop_reason = "diverged"
                    break
                if c.max_steps is not None and trainer.step_count >= c.max_steps:
                    stop_reason = f"reached {c.max_steps:,} steps"
                    break
                if c.max_epochs is not None and trainer.epoch >= c.max_epochs:
                    stop_reason = f"reached {c.max_epochs:,} epochs"
                    break
                if targets:
                    stop_reason = _targets_reached(trainer, c)
                    if stop_reason:
                        break
                if now >= deadline:
                    break
        now = self._clock()
        t0, s0 = self._run_start
        if now > t0:
            self._rate = (trainer.step_count - s0) / (now - t0)
        if stop_reason:
            self.stop(stop_reason if stop_reason != "diverged" else trainer.divergence or "")
            return None
        if now - self._last_snapshot >= max(
            SNAPSHOT_INTERVAL, self._snapshot_cost / SNAPSHOT_SHARE
        ):
            self._refresh_probe()
            self._snapshot()
            # What a snapshot costs (probe, copies, sending): large networks send fewer.
            cost = self._clock() - now
            self._snapshot_cost += 0.2 * (cost - self._snapshot_cost)
        if c.steps_per_second and done >= limit:
            return max(0.001, 1.0 / c.steps_per_second)
        return 0.0


def _targets_reached(trainer: Trainer, c: StopConditions) -> str:
    # Judge only on the evaluation the trainer has just recorded at this step.
    last = trainer.history["train_cost"].last
    if last is None or last[0] != trainer.step_count:
        return ""
    if c.target_cost is not None and last[1] <= c.target_cost:
        return f"reached the target cost {c.target_cost:g}"
    accuracy = trainer.history["train_accuracy"].last
    if (
        c.target_accuracy is not None
        and accuracy is not None
        and accuracy[0] == trainer.step_count
        and accuracy[1] >= c.target_accuracy
    ):
        return f"reached the target accuracy {c.target_accuracy:g}"
    return ""
