"""The training worker: a parentless QObject living in its own QThread.

It owns the :class:`Trainer` and, through it, every array it trains; the GUI only ever sees
:class:`Snapshot` objects (copies). Commands arrive as queued signals and run between
chunks of training, so they never race the arrays. While running, training happens in
chunks of about 10 ms, after each of which queued commands are handled, and snapshots go
out at most ~30 times a second; while stepping, one snapshot goes out per step or phase.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from bpstudio.core.data_source import DataSource, load_examples, split_examples
from bpstudio.core.datasets import Dataset
from bpstudio.core.errors import BPStudioError
from bpstudio.core.gradcheck import gradient_check
from bpstudio.core.history import History
from bpstudio.core.hyperparams import Hyperparameters
from bpstudio.core.network import NetworkSpec, Params
from bpstudio.core.snapshot import ProbeState, probe_state, take_snapshot
from bpstudio.core.trainer import Phase, StepUnit, Trainer

SNAPSHOT_INTERVAL = 1.0 / 30.0  # seconds between snapshots while running
CHUNK_SECONDS = 0.010  # training time between two looks at the command queue

#: Set by the GUI thread while it redraws (:func:`bpstudio.app.plots.pacing.gui_busy`). NumPy
#: on small arrays holds the interpreter lock, so a busy worker makes every callback of a
#: repaint queue for the lock; while this is set the run loop sleeps between steps instead.
GUI_BUSY = threading.Event()
GUI_BUSY_MAX_WAIT = 0.030  # never stall training longer than this per step
_busy_depth = 0


@contextmanager
def gui_busy() -> Iterator[None]:
    """Mark the GUI thread as busy (re-entrant; GUI thread only): the run loop steps aside.

    PySide releases the interpreter lock around Qt calls, so GUI work made of many small
    Qt calls would otherwise wait for the lock at every one of them while training runs.
    """
    global _busy_depth
    _busy_depth += 1
    GUI_BUSY.set()
    try:
        yield
    finally:
        _busy_depth -= 1
        if _busy_depth == 0:
            GUI_BUSY.clear()


#: While a run goes on, the GUI thread asks for the interpreter lock hundreds of times a
#: second (every Qt callback into Python) and waits up to the switch interval each time;
#: Python's default of 5 ms makes a repaint take ten times its CPU time.
RUN_SWITCH_INTERVAL = 0.001


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


@dataclass(frozen=True)
class LoadedData:
    source: DataSource
    examples: Dataset
    train: Dataset
    validation: Dataset


class TrainingWorker(QObject):
    snapshotReady = Signal(object)  # Snapshot
    trainingStopped = Signal(object)  # TrainingState (run ended or paused)
    stepFinished = Signal(object)  # TrainingState (a step/phase changed the parameters)
    runningChanged = Signal(bool)
    dataLoaded = Signal(object)  # LoadedData
    problem = Signal(str)  # a message for the user (bad data, mismatch)
    gradientChecked = Signal(object)  # GradCheckResult

    def __init__(self) -> None:
        super().__init__()  # parentless: it is moved to its own thread
        self.trainer: Trainer | None = None
        self.data: LoadedData | None = None
        self._probe_index = 0
        self._probe: ProbeState | None = None
        self._running = False
        self._conditions = StopConditions()
        self._timer: QTimer | None = None
        self._last_snapshot = 0.0
        self._run_start = (0.0, 0)
        self._rate = 0.0
        self._spec: NetworkSpec | None = None
        self._params: Params | None = None
        self._hp = Hyperparameters()
        self._history = History()
        self._counters = (0, 0)
        self._switch_interval = sys.getswitchinterval()

    # -- helpers -----------------------------------------------------------------------------

    def _ensure_timer(self) -> QTimer:
        if self._timer is None:
            self._timer = QTimer(self)
            self._timer.setSingleShot(True)
            self._timer.timeout.connect(self._train_chunk)
        return self._timer

    def _emit_snapshot(self, phase: Phase | None = None, evaluate: bool = False) -> None:
        trainer = self.trainer
        if trainer is None:
            return
        # The fixed evaluation sample: a step on a large set must not wait for a full pass.
        evaluation = trainer.evaluate(record=False, full=False) if evaluate else None
        snapshot = take_snapshot(
            trainer,
            self._probe,
            phase=phase,
            running=self._running,
            steps_per_second=self._rate,
            evaluation=evaluation,
        )
        self._last_snapshot = time.perf_counter()
        self.snapshotReady.emit(snapshot)

    def _refresh_probe(self, with_gradients: bool = True) -> None:
        if self.trainer is not None:
            self._probe = probe_state(self.trainer, self._probe_index, with_gradients)

    def _state(self, reason: str = "") -> TrainingState:
        assert self.trainer is not None
        t = self.trainer
        return TrainingState(t.params.copy(), t.history.copy(), t.step_count, t.epoch, reason)

    def _rebuild(self) -> None:
        """A new Trainer from the current network, data and settings."""
        self.trainer = None
        if self._spec is None or self._params is None or self.data is None:
            return
        data = self.data
        spec = self._spec
        if data.train.n_inputs != spec.input_size or data.train.n_outputs != spec.output_size:
            self.problem.emit(
                f"The data ({data.source.describe()}) has {data.train.n_inputs} inputs and "
                f"{data.train.n_outputs} targets; the network has {spec.input_size} inputs and "
                f"{spec.output_size} outputs. Change the network or the data."
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
                )
        except BPStudioError as exc:
            self.problem.emit(str(exc))
            return
        self.problem.emit("")
        self._refresh_probe()
        self._emit_snapshot(evaluate=True)

    # -- commands (queued slots) -----------------------------------------------------------

    @Slot(object, str)
    def load_data(self, source: DataSource, base_dir: str = "") -> None:
        """Load (or generate) the examples; heavy files load here, off the GUI thread."""
        self._stop("data changed")
        try:
            examples = load_examples(source, Path(base_dir) if base_dir else None)
            train, validation = split_examples(source, examples)
        except BPStudioError as exc:
            self.data = None
            self.trainer = None
            self.problem.emit(str(exc))
            return
        self.data = LoadedData(source, examples, train, validation)
        self._probe_index = min(self._probe_index, train.n_examples - 1)
        self.dataLoaded.emit(self.data)
        self._rebuild()

    @Slot(object, object, object, object, int, int)
    def set_network(
        self,
        spec: NetworkSpec,
        params: Params,
        hp: Hyperparameters,
        history: History,
        step: int,
        epoch: int,
    ) -> None:
        """The whole document state (structure or training state changed, or undo)."""
        self._stop("network changed")
        self._spec, self._params, self._hp = spec, params.copy(), hp
        self._history, self._counters = history.copy(), (step, epoch)
        self._rebuild()

    @Slot(object)
    def set_params(self, params: Params) -> None:
        """New parameter values (an edit); the pending phase is discarded."""
        self._params = params.copy()
        if self.trainer is not None:
            self.trainer.set_params(params)
            self._refresh_probe()
            self._emit_snapshot()

    @Slot(str, int, object, float)
    def set_parameter(self, kind: str, layer: int, index: tuple[int, ...], value: float) -> None:
        """One weight or bias, applied between steps even while running."""
        if self.trainer is None:
            return
        self.trainer.set_parameter(f"{kind}{layer}", tuple(index), value)
        self._params = self.trainer.params.copy()
        self._refresh_probe()
        if not self._running:
            self._emit_snapshot()

    @Slot(object)
    def set_hyperparameters(self, hp: Hyperparameters) -> None:
        self._hp = hp
        if self.trainer is not None:
            self.trainer.set_hyperparameters(hp)
            if not self._running:
                self._emit_snapshot()

    @Slot(int)
    def set_probe(self, index: int) -> None:
        self._probe_index = max(0, int(index))
        if self.trainer is not None:
            self._refresh_probe()
            self._emit_snapshot()

    @Slot()
    def refresh(self) -> None:
        if self.trainer is not None:
            self._refresh_probe()
            self._emit_snapshot(evaluate=True)

    @Slot(str)
    def step(self, unit: str) -> None:
        """One phase, example, mini-batch or epoch."""
        trainer = self.trainer
        if trainer is None or self._running:
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
        self._emit_snapshot(phase=phase, evaluate=phase is None)
        if trainer.step_count != before:
            self._params = trainer.params.copy()
            self.stepFinished.emit(self._state("step"))

    @Slot(object)
    def run(self, conditions: StopConditions) -> None:
        if self.trainer is None or self._running:
            return
        self.trainer.divergence = None
        self._conditions = conditions
        self._running = True
        self._run_start = (time.perf_counter(), self.trainer.step_count)
        self._rate = 0.0
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch_interval, RUN_SWITCH_INTERVAL))
        self.runningChanged.emit(True)
        self._ensure_timer().start(0)

    @Slot(object)
    def set_stop_conditions(self, conditions: StopConditions) -> None:
        if (
            self._running
            and self.trainer is not None
            and conditions.steps_per_second != self._conditions.steps_per_second
        ):
            # Pace from now on: steps run at the old pace must not count against the new one.
            self._run_start = (time.perf_counter(), self.trainer.step_count)
        self._conditions = conditions

    @Slot()
    def pause(self) -> None:
        self._stop("paused")

    def _stop(self, reason: str) -> None:
        if not self._running:
            return
        self._running = False
        sys.setswitchinterval(self._switch_interval)
        if self._timer is not None:
            self._timer.stop()
        assert self.trainer is not None
        self._params = self.trainer.params.copy()
        self._refresh_probe()
        self._emit_snapshot(evaluate=True)
        self.runningChanged.emit(False)
        self.trainingStopped.emit(self._state(reason))

    @Slot(int)
    def gradient_check(self, max_parameters: int) -> None:
        trainer = self.trainer
        if trainer is None:
            return
        size = min(trainer.hyperparameters.batch_size, trainer.n_train, 256)
        X, Y = trainer.X[:size], trainer.Y[:size]
        try:
            with np.errstate(all="ignore"):
                result = gradient_check(
                    trainer.spec, trainer.params, X, Y, max_parameters=max_parameters
                )
        except BPStudioError as exc:
            self.problem.emit(str(exc))
            return
        self.gradientChecked.emit(result)

    @Slot()
    def shutdown(self) -> None:
        """Stop training and timers; called (blocking-queued) before the thread quits."""
        if self._running:
            sys.setswitchinterval(self._switch_interval)
        self._running = False
        if self._timer is not None:
            self._timer.stop()

    # -- the run loop --------------------------------------------------------------------------

    def _train_chunk(self) -> None:
        trainer = self.trainer
        if not self._running or trainer is None:
            return
        c = self._conditions
        deadline = time.perf_counter() + CHUNK_SECONDS
        stop_reason = ""
        limit = math.inf
        if c.steps_per_second:
            # Pace the run: only as many steps as the wall clock allows so far.
            t0, s0 = self._run_start
            limit = s0 + (time.perf_counter() - t0) * c.steps_per_second - trainer.step_count
        done = 0
        with np.errstate(all="ignore"):
            while done < limit:
                if GUI_BUSY.is_set():
                    _yield_to_gui()
                if not trainer.train_batch():
                    stop_reason = "diverged"
                    break
                done += 1
                if c.max_steps is not None and trainer.step_count >= c.max_steps:
                    stop_reason = f"reached {c.max_steps:,} steps"
                    break
                if c.max_epochs is not None and trainer.epoch >= c.max_epochs:
                    stop_reason = f"reached {c.max_epochs:,} epochs"
                    break
                if c.target_cost is not None or c.target_accuracy is not None:
                    stop_reason = self._targets_reached(trainer, c)
                    if stop_reason:
                        break
                if time.perf_counter() >= deadline:
                    break
        now = time.perf_counter()
        t0, s0 = self._run_start
        if now > t0:
            self._rate = (trainer.step_count - s0) / (now - t0)
        if stop_reason:
            self._stop(stop_reason if stop_reason != "diverged" else trainer.divergence or "")
            return
        if now - self._last_snapshot >= SNAPSHOT_INTERVAL:
            self._refresh_probe()
            self._emit_snapshot()
        wait = 0
        if c.steps_per_second and done >= limit:
            wait = max(1, int(1000.0 / c.steps_per_second))
        self._ensure_timer().start(wait)

    @staticmethod
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


def _yield_to_gui() -> None:
    """Sleep (releasing the interpreter lock) while the GUI thread redraws."""
    start = time.perf_counter()
    while GUI_BUSY.is_set() and time.perf_counter() - start < GUI_BUSY_MAX_WAIT:
        time.sleep(0.0002)
