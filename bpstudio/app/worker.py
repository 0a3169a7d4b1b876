"""The training worker: the GUI's handle on a training session, whichever hosts it.

A :class:`TrainingSession` runs in a process of its own (the default) or in a thread of the
GUI's process (:mod:`bpstudio.app.backends`). :class:`TrainingWorker` lives in the GUI
thread and puts one set of Qt signals in front of either:

- commands go to the backend without waiting (a queue), so the GUI thread never waits for
  a busy trainer;
- the backend's events (snapshots, results) are queued and wake the GUI thread, which
  delivers them in order as signals; a snapshot superseded by a newer one that has already
  arrived is skipped, and at most :data:`MAX_QUEUED_SNAPSHOTS` wait (the trainer waits
  instead of memory filling up with pictures nobody will draw);
- the examples are loaded (or generated) here, on a background thread, because the views
  need them too (and the CSV cache lives here); the session gets them;
- a heartbeat notices a training process that stops answering (stopped, hung): it is
  killed and reported through :attr:`TrainingWorker.crashed`, like one that died.

:meth:`TrainingWorker.settle` waits until the session has handled everything sent so far
and its answers have been delivered, without freezing the window: a pause before an edit
uses it to land the run's results on the undo stack first. It blocks for about a frame at
most; a session still busy after that (a long step) is waited for with the event loop
running (no user input meanwhile), and a process that does not even answer a heartbeat
(stopped) is not waited for at all. :meth:`TrainingWorker.sync` is the plain blocking wait
of tests and scripts.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal

from bpstudio.app.backends import (
    ENDED,
    HEARTBEAT_WAIT,
    PROCESS_NAME,
    THREAD_NAME,
    Backend,
    BackendUnavailable,
    Command,
    Event,
    ProcessStarter,
    make_backend,
    start_training_process,
)
from bpstudio.app.background import LatestJob
from bpstudio.core.data.datasets import Dataset
from bpstudio.core.data.source import DataSource, load_examples, split_examples
from bpstudio.core.training.session import StopConditions, TrainingData, TrainingState

__all__ = [
    "BACKENDS",
    "PROCESS_NAME",
    "THREAD_NAME",
    "BackendUnavailable",
    "LoadedData",
    "StopConditions",
    "TrainingState",
    "TrainingWorker",
    "WorkerOptions",
]

#: The hosts a session can run in; the first is the default (it meets the latency target).
BACKENDS = ("process", "thread")
SYNC_TIMEOUT = 30.0  # seconds; tests and scripts wait this long at most
#: :meth:`TrainingWorker.settle` blocks this long at most (about a frame) for the answer,
#: then up to :data:`HEARTBEAT_WAIT` for a heartbeat that tells a busy session from a
#: stopped one.
SETTLE_BLOCK = 0.05  # seconds
MAX_QUEUED_SNAPSHOTS = 4  # delivered by the backend but not yet taken by the GUI thread
HEARTBEAT_MS = 500
#: A training process that leaves a heartbeat unanswered this long is replaced...
UNRESPONSIVE_AFTER = 3.0  # seconds
#: ... and one that has not started its loop after this long.
STARTUP_LIMIT = 60.0


@dataclass(frozen=True)
class WorkerOptions:
    """Which backend hosts training, and how it is started (tests inject failures)."""

    backend: str = BACKENDS[0]
    start_process: ProcessStarter = start_training_process
    unresponsive_after: float = UNRESPONSIVE_AFTER
    #: Start the backend once the event loop runs (the window's first paint is not held
    #: back by a training process importing NumPy on the other CPU) or when first waited
    #: for, rather than at once; see :meth:`TrainingWorker.start_soon`.
    deferred: bool = False


@dataclass(frozen=True)
class LoadedData:
    source: DataSource
    examples: Dataset
    train: Dataset
    validation: Dataset


def load_data(source: DataSource, base_dir: str) -> LoadedData:
    """Read or generate the examples of ``source`` and split them (a background job)."""
    examples = load_examples(source, Path(base_dir) if base_dir else None)
    train, validation = split_examples(source, examples)
    return LoadedData(source, examples, train, validation)


class _Relay(QObject):
    """Lives in the GUI thread; the backend's threads emit here and Qt queues it across."""

    arrived = Signal()


class TrainingWorker(QObject):
    """A training session's signals in the GUI thread, over a :class:`Backend`.

    Start it with :meth:`start` (raises :class:`BackendUnavailable`) and end it with
    :meth:`shutdown`, which joins the backend's threads.
    """

    snapshotReady = Signal(object)  # Snapshot
    trainingStopped = Signal(object)  # TrainingState (run ended or paused)
    stepFinished = Signal(object)  # TrainingState (a step/phase changed the parameters)
    runningChanged = Signal(bool)
    dataLoaded = Signal(object)  # LoadedData
    problem = Signal(str)  # a message for the user (bad data, mismatch)
    vanishing = Signal(str)  # the vanishing-gradient notice, "" once it no longer holds
    gradientChecked = Signal(object)  # GradCheckResult
    crashed = Signal(str)  # the session ended (or stopped answering) without being asked to
    couldNotStart = Signal(str)  # the session ended before it ever answered

    def __init__(self, options: WorkerOptions | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.options = options or WorkerOptions()
        self._incoming: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self._pending: deque[Event] = deque()  # GUI thread only
        self._pending_snapshots = 0
        self._notified = threading.Event()
        self._snapshot_room = threading.Semaphore(MAX_QUEUED_SNAPSHOTS)
        self._relay = _Relay(self)
        self._relay.arrived.connect(self._deliver)
        self._backend: Backend = make_backend(
            self.options.backend, self._receive, self.options.start_process
        )
        self._sync_token = 0
        self._held: list[Command] | None = None
        self._synced = 0
        self._waits: list[tuple[int, QEventLoop]] = []  # settle()'s loops, innermost last
        self._started = False
        self._start_pending = False
        self._closing = False
        self._ended = False
        self._ready = False
        self._started_at = 0.0
        self._unresponsive = 0.0  # seconds of silence when it was given up on
        #: Commands handed to the backend, by name (tests, benchmarks).
        self.sent: Counter[str] = Counter()

        self._data_job = LatestJob(parent=self)
        self._data_job.finished.connect(self._on_data_loaded)
        self._data_job.failed.connect(self._on_data_failed)
        self._heartbeat = QTimer(self)
        self._heartbeat.setInterval(HEARTBEAT_MS)
        self._heartbeat.timeout.connect(self._check_heartbeat)

    @property
    def kind(self) -> str:
        """The backend: "process" or "thread"."""
        return self._backend.kind

    def start(self) -> None:
        """Start the backend; raises :class:`BackendUnavailable` (nothing is left running)."""
        self._start_pending = False
        self._backend.start()
        self._started = True
        self._started_at = time.monotonic()
        if self._backend.kind == "process":
            self._heartbeat.start()

    def start_soon(self) -> None:
        """Start the backend at the event loop's next turn, or as soon as it is waited for
        (:meth:`sync`, :meth:`settle`), whichever comes first. Commands sent meanwhile
        queue, in order. A backend that cannot start says so through
        :attr:`couldNotStart`, as one that ends before it serves does."""
        self._start_pending = True
        QTimer.singleShot(0, self, self._start_pending_backend)

    def _start_pending_backend(self) -> None:
        if not self._start_pending or self._closing:
            return
        try:
            self.start()
        except BackendUnavailable as exc:
            self._ended = True
            self.couldNotStart.emit(f"A training {self.kind} could not be started ({exc}).")

    # -- commands ------------------------------------------------------------------------------

    def send(self, name: str, *args: object) -> None:
        """Queue a command for the session (never blocks); arguments must not change later.

        While examples load, commands wait here and follow them, in order: a Step or Run
        pressed meanwhile acts on the new data, and a network that fits the new data is not
        judged against the old.
        """
        if self._closing:
            return
        if self._held is not None:
            self._held.append((name, args))
        else:
            self._post((name, args))

    def _post(self, command: Command) -> None:
        self.sent[command[0]] += 1
        self._backend.send(command)

    def load_data(self, source: DataSource, base_dir: str = "") -> None:
        """Load (or generate) the examples off the GUI thread, then hand them to the session."""
        if self._held is None:
            self.send("set_data", None)  # stops a run; no trainer until the data comes
            self._held = []
        self._data_job.submit(load_data, source, base_dir)

    def _release(self, data: TrainingData | None) -> None:
        held, self._held = self._held or [], None
        if data is not None:
            self.send("set_data", data)
        for name, args in held:
            self.send(name, *args)

    def wait_for_data(self) -> None:
        """Block until the examples being loaded have been handed over (tests, scripts)."""
        self._data_job.flush()

    def sync(self, timeout: float = SYNC_TIMEOUT) -> bool:
        """Wait until the session has handled every command sent so far and every event it
        sent before is delivered, for at most ``timeout`` seconds. False if it did not
        answer in time (or has gone); its answer is then taken in later, as usual.

        Commands held back while examples load are not waited for (they follow the data);
        :meth:`wait_for_data` first makes it a full barrier.
        """
        token = self._request_sync()
        return token is not None and self._wait_blocking(token, timeout)

    def settle(self, block: float = SETTLE_BLOCK) -> bool:
        """:meth:`sync` that never freezes the window (see the module docstring): False if
        the session did not answer (stopped, gone); its answer is then taken in later.

        Before a deferred start (:meth:`start_soon`) nothing can be on its way: True at
        once, without starting the backend (closing a window that never trained)."""
        if self._start_pending and not self._closing:
            return True
        token = self._request_sync()
        if token is None:
            return False
        if self._wait_blocking(token, block):
            return True
        # A session still starting (its process importing NumPy) has no run whose results
        # could cross the edit: it is not waited for with the event loop either.
        if self._ended or not self._ready or not self._backend.answers(HEARTBEAT_WAIT):
            return False
        loop = QEventLoop()
        self._waits.append((token, loop))
        try:
            # The heartbeat goes on meanwhile: a session that stops answering ends the wait.
            loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        finally:
            self._waits.remove((token, loop))
        return self._synced >= token

    def _request_sync(self) -> int | None:
        self._start_pending_backend()
        if self._ended or self._closing or not self._started:
            return None
        self._sync_token += 1
        self._post(("sync", (self._sync_token,)))  # not held back by loading data
        return self._sync_token

    def _end_waits(self) -> None:
        for token, loop in self._waits:
            if self._ended or self._closing or self._synced >= token:
                loop.quit()

    def _wait_blocking(self, token: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self._synced < token and not self._ended:
            if not self._pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                try:
                    self._append(self._incoming.get(timeout=remaining))
                except queue.Empty:
                    return False
            self._dispatch_next()
        return self._synced >= token

    def is_alive(self) -> bool:
        return self._backend.is_alive()

    @property
    def pid(self) -> int | None:
        """The training process's id (None for the thread)."""
        return self._backend.pid

    def shutdown(self) -> None:
        """End the session and join the backend's threads (window closing); events still
        queued are dropped."""
        if self._closing:
            return
        self._closing = True
        self._end_waits()
        self._heartbeat.stop()
        self._data_job.shutdown()
        if self._started:
            self._backend.stop()

    # -- the backend's side (any thread) ---------------------------------------------------------

    def _receive(self, event: Event) -> None:
        if event[0] == "snapshot":
            # Backpressure: while the GUI thread has snapshots it has not taken yet, the
            # backend waits here (the trainer with it).
            while not self._closing and not self._snapshot_room.acquire(timeout=0.1):
                pass
        if self._closing:
            return  # nobody will take it; the backend drains until its session has gone
        self._incoming.put(event)
        if not self._notified.is_set():
            self._notified.set()
            self._relay.arrived.emit()

    # -- the heartbeat (GUI thread) --------------------------------------------------------------

    def _check_heartbeat(self) -> None:
        if self._ended or self._closing:
            self._heartbeat.stop()
            return
        if self._ready:
            silence = self._backend.silence()
            limit = self.options.unresponsive_after
        else:
            silence = time.monotonic() - self._started_at
            limit = STARTUP_LIMIT
        if silence > limit:
            self._heartbeat.stop()
            self._unresponsive = silence
            self._backend.kill()  # its end comes through the backend as ENDED

    # -- delivery (GUI thread) -----------------------------------------------------------------

    def _append(self, event: Event) -> None:
        self._pending.append(event)
        if event[0] == "snapshot":
            self._pending_snapshots += 1
            self._snapshot_room.release()

    def _deliver(self) -> None:
        self._notified.clear()  # before draining: an event put after this notifies again
        while True:
            try:
                self._append(self._incoming.get_nowait())
            except queue.Empty:
                break
        # One at a time from the shared deque: a handler may sync, which delivers more.
        while self._pending:
            self._dispatch_next()

    def _dispatch_next(self) -> None:
        name, payload = self._pending.popleft()
        if name == "snapshot":
            self._pending_snapshots -= 1
            if self._pending_snapshots > 0 or self._closing:
                return  # a newer one is already here
            self.snapshotReady.emit(payload)
        elif name == "stopped":
            self.trainingStopped.emit(payload)
        elif name == "stepped":
            self.stepFinished.emit(payload)
        elif name == "running":
            self.runningChanged.emit(bool(payload))
        elif name == "problem":
            self.problem.emit(str(payload))
        elif name == "vanishing":
            self.vanishing.emit(str(payload))
        elif name == "gradient_check":
            self.gradientChecked.emit(payload)
        elif name == "synced":
            self._synced = max(self._synced, int(payload))  # type: ignore[call-overload]
            self._end_waits()
        elif name == "ready":
            self._ready = True
        elif name == "error":
            text = str(payload)
            print(f"bpstudio: error in training:\n{text}", file=sys.stderr)
            self.problem.emit(f"Training hit an internal error: {text.strip().splitlines()[-1]}")
        elif name == ENDED:
            self._on_ended()

    def _on_ended(self) -> None:
        self._ended = True
        self._end_waits()
        self._heartbeat.stop()
        if self._closing:
            return
        host = f"training {self.kind}"
        if self._unresponsive:
            self.crashed.emit(
                f"The {host} stopped answering ({self._unresponsive:.0f} s without a heartbeat)."
            )
        elif not self._ready:
            self.couldNotStart.emit(
                f"The {host} ended before it started ({self._backend.describe_end()})."
            )
        else:
            self.crashed.emit(f"The {host} ended unexpectedly ({self._backend.describe_end()}).")

    def _on_data_loaded(self, data: LoadedData) -> None:
        if self._data_job.busy:
            return  # newer data is on its way
        self.dataLoaded.emit(data)
        self._release(TrainingData(data.source.describe(), data.train, data.validation))

    def _on_data_failed(self, message: str) -> None:
        if not self._data_job.busy:
            self.problem.emit(message)
            self._release(None)
