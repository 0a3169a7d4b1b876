"""The GUI side of training: owns the training worker and keeps it in step with the document.

:class:`TrainingController` lives in the GUI thread. It forwards document changes to the
worker (whose session runs in a process of its own or in a training thread), one message
per change, turns the worker's results into undo commands ("Train 1,200 steps"), and
decides which snapshot the views show (:attr:`TrainingController.snapshot`,
``snapshotShown``): while training runs, the latest one once a frame of the
:class:`~bpstudio.app.pacing.FrameClock`, otherwise each one at once (see
:mod:`bpstudio.app.pacing`). Structural edits and undo go through
:meth:`pause_for_edit`, which pauses a run and lands its results on the undo stack first,
without freezing the window.

Should the training process die or stop answering, a new one takes over with the
document's state (unless the last one died less than a minute after taking over: then the
problem is shown). Where no process can be started, training runs in a thread instead, and
:attr:`TrainingController.notice` says so.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, Signal

from bpstudio.app.commands import TrainCommand
from bpstudio.app.document import Document
from bpstudio.app.pacing import LatestFrame
from bpstudio.app.worker import (
    BackendUnavailable,
    LoadedData,
    StopConditions,
    TrainingState,
    TrainingWorker,
    WorkerOptions,
)
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.files.project import Project, SavedGradient
from bpstudio.core.training.history import History
from bpstudio.core.training.hyperparams import Hyperparameters
from bpstudio.core.training.snapshot import Snapshot

RESTART_INTERVAL = 60.0  # seconds: a process that dies again sooner is not restarted


@dataclass(frozen=True)
class _Told:
    """The document state the worker was last sent (the objects themselves: the document
    replaces them on every change, so identity tells what changed)."""

    spec: NetworkSpec | None = None
    params: Params | None = None
    history: History | None = None
    counters: tuple[int, int, int] = (0, 0, 0)


def _counters(project: Project) -> tuple[int, int, int]:
    """Where training stands: step, epoch and the examples seen in the epoch."""
    return project.step, project.epoch, project.examples_seen


class TrainingController(QObject):
    snapshotShown = Signal(object)  # Snapshot: the one every view draws now
    runningChanged = Signal(bool)
    dataLoaded = Signal(object)  # LoadedData
    problemChanged = Signal(str)  # "" when there is no problem
    vanishingChanged = Signal(str)  # the vanishing-gradient notice, "" when there is none
    gradientChecked = Signal(object)
    trainingStopped = Signal(str)  # reason
    notice = Signal(str)  # a message for the status bar (the backend changed, and why)

    def __init__(
        self,
        document: Document,
        parent: QObject | None = None,
        options: WorkerOptions | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        #: The snapshot on screen: every view draws this one.
        self.snapshot: Snapshot | None = None
        self._frames: LatestFrame[Snapshot] = LatestFrame(self._show, self)
        # The notice comes and goes with the batches: shown with a frame, painted with it.
        self._vanishing_frames: LatestFrame[str] = LatestFrame(self._show_vanishing, self)
        self.data: LoadedData | None = None
        self.problem = ""
        self.vanishing = ""
        self.running = False
        self.probe_index = 0
        self._applying = False
        self._resume_after_edit = False
        self._conditions = StopConditions()
        self._restarted_at: float | None = None
        self._generation = 0  # of the network and parameters last sent to the worker
        self._told = _Told()
        self.options = options or WorkerOptions()
        #: The last :attr:`notice` ("" if none), for a window built after it was sent.
        self.last_notice = ""
        self.worker = self._start_worker(self.options)
        self.options = self.worker.options  # the thread, if no process could start

        document.networkChanged.connect(self._send_document)
        document.historyChanged.connect(self._send_document)
        document.parametersChanged.connect(self._send_document)
        document.parameterChanged.connect(self._on_parameter_changed)
        document.hyperparametersChanged.connect(self._on_hyperparameters_changed)
        document.dataSourceChanged.connect(self._send_data)
        document.projectReplaced.connect(self._on_project_replaced)
        self._on_project_replaced()

    @property
    def backend(self) -> str:
        """Where training runs: "process" or "thread"."""
        return self.worker.kind

    def _start_worker(self, options: WorkerOptions) -> TrainingWorker:
        w = TrainingWorker(options, self)
        try:
            if options.deferred:
                w.start_soon()  # a failure comes later, through couldNotStart
            else:
                w.start()
        except BackendUnavailable as exc:
            w.deleteLater()
            w = TrainingWorker(replace(options, backend="thread"), self)
            w.start()
            self._notify(
                "Training runs in a thread of the window: a training process could not be "
                f"started ({exc})."
            )
        w.snapshotReady.connect(self._on_snapshot)
        w.trainingStopped.connect(self._on_training_stopped)
        w.stepFinished.connect(self._on_step_finished)
        w.runningChanged.connect(self._on_running_changed)
        w.dataLoaded.connect(self._on_data_loaded)
        w.problem.connect(self._on_problem)
        w.vanishing.connect(self._on_vanishing)
        w.gradientChecked.connect(self.gradientChecked)
        w.crashed.connect(self._on_crashed)
        w.couldNotStart.connect(self._on_could_not_start)
        return w

    def _notify(self, message: str) -> None:
        self.last_notice = message
        self.notice.emit(message)

    def set_backend(self, kind: str) -> None:
        """Move training to another backend ("process" or "thread"), with the document's
        state; a run pauses (its results land first)."""
        if kind == self.backend:
            return
        self.pause_for_edit(resume=False)
        self.options = replace(self.options, backend=kind)
        self._replace_worker(self.options)
        if self.backend == kind:
            self._notify(f"Training runs in a {kind}.")

    def _replace_worker(self, options: WorkerOptions) -> None:
        if self.running:
            self._on_running_changed(False)
        old = self.worker
        self.worker = self._start_worker(options)
        self.options = self.worker.options
        old.shutdown()
        old.deleteLater()
        self._on_project_replaced()

    # -- commands from the GUI -----------------------------------------------------------------

    def run(self, conditions: StopConditions | None = None) -> None:
        if conditions is not None:
            self._conditions = conditions
        self.worker.send("run", self._conditions)

    def set_stop_conditions(self, conditions: StopConditions) -> None:
        self._conditions = conditions
        self.worker.send("set_stop_conditions", conditions)

    def pause(self) -> None:
        self.worker.send("pause")

    def step(self, unit: str) -> None:
        if not self.running:
            self.worker.send("step", str(unit))

    def set_probe(self, index: int) -> None:
        self.probe_index = index
        self.worker.send("set_probe", int(index))

    def gradient_check(self, max_parameters: int = 2000) -> None:
        self.worker.send("gradient_check", int(max_parameters))

    def refresh(self) -> None:
        self.worker.send("refresh")

    def sync(self, timeout: float | None = None) -> bool:
        """Block until the worker has handled every command sent so far and its answers
        (snapshots, results) have been delivered; False if it did not answer in time
        (tests and scripts; the window uses :meth:`pause_for_edit`)."""
        return self.worker.sync() if timeout is None else self.worker.sync(timeout)

    def reset(self, params: Params) -> None:
        """Start over from ``params`` (re-initialised with the seed), as one undo step."""
        self.pause_for_edit()
        command = TrainCommand(self.document, params, History(), 0, 0)
        command.setText("Reset training")
        self.document.push(command)
        self.finish_edit()

    def pause_for_edit(self, resume: bool = True) -> bool:
        """Pause a run and put its results on the undo stack before an edit or undo.

        With ``resume`` (an edit), :meth:`finish_edit` resumes the run afterwards; without
        (undo, closing, saving a snapshot of the work), it stays paused. Never freezes the
        window (:meth:`TrainingWorker.settle`): False if the worker did not answer (a
        stopped process); the edit goes ahead, and results that cross it are dropped.
        """
        # The worker may have results on the way (a step) or a run about to start that the
        # GUI has not heard of yet: take them in first, so they land before the edit.
        answered = self.worker.settle()
        if not self.running:
            return answered
        self._resume_after_edit = resume
        self.worker.send("pause")
        # Delivers the run's results (trainingStopped) before returning.
        return answered and self.worker.settle()

    def finish_edit(self) -> None:
        """Resume a run that :meth:`pause_for_edit` paused."""
        if self._resume_after_edit:
            self._resume_after_edit = False
            self.run()

    def shutdown(self) -> None:
        """Stop the training process and the worker's threads (window closing)."""
        self.worker.shutdown()

    # -- document -> worker --------------------------------------------------------------------

    def _on_project_replaced(self) -> None:
        self._told = _Told()  # everything is new
        self._send_document()
        self._send_data()

    def _send_document(self) -> None:
        """Send the worker what changed in the document since it was last told, as one
        command: the whole network, the training state (params, history and counters:
        training results and their undo), or the parameters."""
        if self._applying:
            return
        p, told = self.document.project, self._told
        if p.spec != told.spec:
            command: tuple[object, ...] = (
                "set_network",
                p.spec,
                p.params.copy(),
                p.hyperparameters,
                p.history.copy(),
                *_counters(p),
            )
        elif p.history is not told.history or _counters(p) != told.counters:
            command = ("set_training_state", p.params.copy(), p.history.copy(), *_counters(p))
        elif p.params is not told.params:
            command = ("set_params", p.params.copy())
        else:
            return
        self._generation += 1
        self._told = self._now_told()
        self.worker.send(str(command[0]), *command[1:], self._generation)

    def _now_told(self) -> _Told:
        p = self.document.project
        return _Told(p.spec, p.params, p.history, _counters(p))

    def _send_data(self) -> None:
        path = self.document.path
        self.worker.load_data(self.document.data_source, str(path.parent) if path else "")

    def _on_parameter_changed(self, ref: ParamRef) -> None:
        self.worker.send("set_parameter", ref, self.document.parameter(ref))

    def _on_hyperparameters_changed(self) -> None:
        hp: Hyperparameters = self.document.hyperparameters
        self.worker.send("set_hyperparameters", hp)

    # -- worker -> document / views --------------------------------------------------------------

    def _apply(self, state: TrainingState) -> None:
        if state.generation != self._generation:
            return  # it started from a document state an edit or undo has since replaced
        if state.step == self.document.project.step and state.params.allclose(self.document.params):
            return
        self._applying = True
        try:
            self.document.push(
                TrainCommand(
                    self.document,
                    state.params,
                    state.history,
                    state.step,
                    state.epoch,
                    state.examples_seen,
                )
            )
        finally:
            self._applying = False
        self._told = self._now_told()  # the worker has this state already
        self._keep_gradient()

    def _on_training_stopped(self, state: TrainingState) -> None:
        self._apply(state)
        self.trainingStopped.emit(state.reason)

    def _on_step_finished(self, state: TrainingState) -> None:
        self._apply(state)

    @property
    def latest(self) -> Snapshot | None:
        """The newest snapshot from the worker (shown at the next frame while running)."""
        return self._frames.latest

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        self._frames.offer(snapshot, snapshot.running)
        self._keep_gradient()

    def _show(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.snapshotShown.emit(snapshot)

    def _keep_gradient(self) -> None:
        """Keep ∇C of the document's last step with the project, so that a project saved
        now shows it again when reopened (it was computed with the parameters before the
        step's update: it cannot be recomputed from the file). The document forgets it when
        its parameters or training state change."""
        s, p = self.latest, self.document.project
        if s is None or s.batch_grads is None or not s.after_update:
            return
        if s.step != p.step or s.step == 0 or s.spec != p.spec:
            return
        if not s.params.allclose(p.params):
            return  # a result the document has not taken (yet)
        if p.gradient is None or p.gradient.step != s.step:
            grads = s.batch_grads.as_params().copy()
            p.gradient = SavedGradient(s.step, len(s.batch_indices), grads)

    def _on_running_changed(self, running: bool) -> None:
        self.running = running
        self.runningChanged.emit(running)

    def _on_data_loaded(self, data: LoadedData) -> None:
        self.data = data
        self.dataLoaded.emit(data)

    def _on_problem(self, message: str) -> None:
        self.problem = message
        self.problemChanged.emit(message)

    def _on_vanishing(self, message: str) -> None:
        self._vanishing_frames.offer(message, self.running)

    def _show_vanishing(self, message: str) -> None:
        if message != self.vanishing:
            self.vanishing = message
            self.vanishingChanged.emit(message)

    def _on_crashed(self, message: str) -> None:
        if self.running:
            self._on_running_changed(False)
        now = time.monotonic()
        if self._restarted_at is not None and now - self._restarted_at < RESTART_INTERVAL:
            self._on_problem(
                f"{message} Training is unavailable; save your work and restart Backprop Studio."
            )
            return
        print(f"bpstudio: {message} Starting a new one.", file=sys.stderr)
        self._notify(f"{message} A new one took over.")
        self._restarted_at = now
        self._replace_worker(self.options)

    def _on_could_not_start(self, message: str) -> None:
        if self.backend == "thread":
            self._on_crashed(message)
            return
        print(f"bpstudio: {message} Training in a thread instead.", file=sys.stderr)
        self._replace_worker(replace(self.options, backend="thread"))
        self._notify(f"Training runs in a thread of the window: {message[0].lower()}{message[1:]}")
