"""The GUI side of training: owns the worker thread and keeps it in step with the document.

:class:`TrainingController` lives in the GUI thread. It forwards document changes to the
worker as queued signals, turns the worker's results into undo commands ("Train 1,200
steps"), and re-emits snapshots for the views. Structural edits and undo go through
:meth:`pause_for_edit`, which pauses a run and lands its results on the undo stack first.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal

from bpstudio.app.commands import TrainCommand
from bpstudio.app.document import Document
from bpstudio.app.worker import (
    LoadedData,
    StopConditions,
    TrainingState,
    TrainingWorker,
    gui_busy,
)
from bpstudio.core.history import History
from bpstudio.core.hyperparams import Hyperparameters
from bpstudio.core.network import Params
from bpstudio.core.snapshot import Snapshot


class TrainingController(QObject):
    # To the worker (queued across threads).
    _loadData = Signal(object, str)
    _setNetwork = Signal(object, object, object, object, int, int)
    _setParams = Signal(object)
    _setParameter = Signal(str, int, object, float)
    _setHyperparameters = Signal(object)
    _setProbe = Signal(int)
    _step = Signal(str)
    _run = Signal(object)
    _setStopConditions = Signal(object)
    _pause = Signal()
    _pauseBlocking = Signal()
    _gradientCheck = Signal(int)
    _refresh = Signal()
    _shutdown = Signal()

    # For the views.
    snapshotReceived = Signal(object)  # Snapshot
    runningChanged = Signal(bool)
    dataLoaded = Signal(object)  # LoadedData
    problemChanged = Signal(str)  # "" when there is no problem
    gradientChecked = Signal(object)
    trainingStopped = Signal(str)  # reason

    def __init__(self, document: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.snapshot: Snapshot | None = None
        self.data: LoadedData | None = None
        self.problem = ""
        self.running = False
        self.probe_index = 0
        self._applying = False
        self._resume_after_edit = False
        self._conditions = StopConditions()

        self._thread = QThread()
        self._thread.setObjectName("bpstudio-training")
        self.worker = TrainingWorker()
        self.worker.moveToThread(self._thread)
        w = self.worker
        self._loadData.connect(w.load_data)
        self._setNetwork.connect(w.set_network)
        self._setParams.connect(w.set_params)
        self._setParameter.connect(w.set_parameter)
        self._setHyperparameters.connect(w.set_hyperparameters)
        self._setProbe.connect(w.set_probe)
        self._step.connect(w.step)
        self._run.connect(w.run)
        self._setStopConditions.connect(w.set_stop_conditions)
        self._pause.connect(w.pause)
        self._pauseBlocking.connect(w.pause, Qt.ConnectionType.BlockingQueuedConnection)
        self._gradientCheck.connect(w.gradient_check)
        self._refresh.connect(w.refresh)
        self._shutdown.connect(w.shutdown, Qt.ConnectionType.BlockingQueuedConnection)
        w.snapshotReady.connect(self._on_snapshot)
        w.trainingStopped.connect(self._on_training_stopped)
        w.stepFinished.connect(self._on_step_finished)
        w.runningChanged.connect(self._on_running_changed)
        w.dataLoaded.connect(self._on_data_loaded)
        w.problem.connect(self._on_problem)
        w.gradientChecked.connect(self.gradientChecked)
        self._thread.start()

        document.networkChanged.connect(self._send_network)
        document.historyChanged.connect(self._send_network)
        document.parametersChanged.connect(self._on_parameters_changed)
        document.parameterChanged.connect(self._on_parameter_changed)
        document.hyperparametersChanged.connect(self._on_hyperparameters_changed)
        document.dataSourceChanged.connect(self._send_data)
        document.projectReplaced.connect(self._on_project_replaced)
        self._on_project_replaced()

    # -- commands from the GUI -----------------------------------------------------------------

    def run(self, conditions: StopConditions | None = None) -> None:
        if conditions is not None:
            self._conditions = conditions
        self._run.emit(self._conditions)

    def set_stop_conditions(self, conditions: StopConditions) -> None:
        self._conditions = conditions
        self._setStopConditions.emit(conditions)

    def pause(self) -> None:
        self._pause.emit()

    def step(self, unit: str) -> None:
        if not self.running:
            self._step.emit(unit)

    def set_probe(self, index: int) -> None:
        self.probe_index = index
        self._setProbe.emit(index)

    def gradient_check(self, max_parameters: int = 2000) -> None:
        self._gradientCheck.emit(max_parameters)

    def refresh(self) -> None:
        self._refresh.emit()

    def reset(self, params: Params) -> None:
        """Start over from ``params`` (re-initialised with the seed), as one undo step."""
        self.pause_for_edit()
        command = TrainCommand(self.document, params, History(), 0, 0)
        command.setText("Reset training")
        self.document.push(command)
        self.finish_edit()

    def pause_for_edit(self, resume: bool = True) -> None:
        """Pause a run and put its results on the undo stack before an edit or undo.

        With ``resume`` (an edit), :meth:`finish_edit` resumes the run afterwards; without
        (undo, closing, saving a snapshot of the work), it stays paused.
        """
        if not self.running:
            return
        self._resume_after_edit = resume
        self._pauseBlocking.emit()
        # The worker's trainingStopped is now queued for us: handle it right away.
        QCoreApplication.sendPostedEvents(self)

    def finish_edit(self) -> None:
        """Resume a run that :meth:`pause_for_edit` paused."""
        if self._resume_after_edit:
            self._resume_after_edit = False
            self.run()

    def shutdown(self) -> None:
        """Stop training and join the thread (window closing)."""
        if self._thread.isRunning():
            self._shutdown.emit()
            self._thread.quit()
            self._thread.wait()

    @property
    def thread(self) -> QThread:  # type: ignore[override]
        return self._thread

    # -- document -> worker --------------------------------------------------------------------

    def _on_project_replaced(self) -> None:
        self._send_network()
        self._send_data()

    def _send_network(self) -> None:
        if self._applying:
            return
        p = self.document.project
        self._setNetwork.emit(
            p.spec, p.params.copy(), p.hyperparameters, p.history.copy(), p.step, p.epoch
        )

    def _send_data(self) -> None:
        path = self.document.path
        self._loadData.emit(self.document.data_source, str(path.parent) if path else "")

    def _on_parameters_changed(self) -> None:
        if not self._applying:
            self._setParams.emit(self.document.params.copy())

    def _on_parameter_changed(self, kind: str, layer: int, index: object) -> None:
        value = self.document.parameter(kind, layer, index)  # type: ignore[arg-type]
        self._setParameter.emit(kind, layer, index, value)

    def _on_hyperparameters_changed(self) -> None:
        hp: Hyperparameters = self.document.hyperparameters
        self._setHyperparameters.emit(hp)

    # -- worker -> document / views --------------------------------------------------------------

    def _apply(self, state: TrainingState) -> None:
        if state.step == self.document.project.step and state.params.allclose(self.document.params):
            return
        self._applying = True
        try:
            self.document.push(
                TrainCommand(self.document, state.params, state.history, state.step, state.epoch)
            )
        finally:
            self._applying = False

    def _on_training_stopped(self, state: TrainingState) -> None:
        self._apply(state)
        self.trainingStopped.emit(state.reason)

    def _on_step_finished(self, state: TrainingState) -> None:
        self._apply(state)

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        with gui_busy():  # the views' updates run without queueing for the GIL
            self.snapshotReceived.emit(snapshot)

    def _on_running_changed(self, running: bool) -> None:
        self.running = running
        self.runningChanged.emit(running)

    def _on_data_loaded(self, data: LoadedData) -> None:
        self.data = data
        self.dataLoaded.emit(data)

    def _on_problem(self, message: str) -> None:
        self.problem = message
        self.problemChanged.emit(message)
