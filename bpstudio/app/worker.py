"""The training worker: the GUI's handle on the training process.

Training runs in a process of its own (:mod:`bpstudio.core.training.process`), so it never
competes with the GUI thread for Python's interpreter lock. :class:`TrainingWorker` lives in
the GUI thread and hides the process behind Qt signals:

- commands go into a queue that a writer thread pickles into the command pipe, so the GUI
  thread never waits for a busy trainer;
- a reader thread unpickles events (snapshots, results) and wakes the GUI thread, which
  delivers them in order as signals; a snapshot superseded by a newer one that has already
  arrived is skipped;
- the examples are loaded (or generated) here, on a background thread, because the views
  need them too (and the CSV cache lives here); the process gets a copy.

:meth:`TrainingWorker.sync` blocks until the process has handled everything sent so far and
its answers have been delivered: a pause before an edit uses it to land the run's results
on the undo stack first.
"""

from __future__ import annotations

import multiprocessing
import queue
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from bpstudio.app.background import LatestJob
from bpstudio.core.data.datasets import Dataset
from bpstudio.core.data.source import DataSource, load_examples, split_examples
from bpstudio.core.training.process import serve
from bpstudio.core.training.session import StopConditions, TrainingData, TrainingState
from bpstudio.core.training.wire import recv_message, send_message, widen_pipe

__all__ = ["LoadedData", "StopConditions", "TrainingState", "TrainingWorker"]

PROCESS_NAME = "bpstudio-training"
SYNC_TIMEOUT = 30.0  # seconds; a pause waits at most one chunk plus one snapshot
EXIT_TIMEOUT = 5.0
MAX_QUEUED_SNAPSHOTS = 4  # read from the pipe but not yet taken by the GUI thread

_ENDED = "ended"  # the reader's last message: the process has gone


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
    """Lives in the GUI thread; the reader thread emits here and Qt queues it across."""

    arrived = Signal()


class TrainingWorker(QObject):
    """Starts the training process and turns its events into signals (GUI thread)."""

    snapshotReady = Signal(object)  # Snapshot
    trainingStopped = Signal(object)  # TrainingState (run ended or paused)
    stepFinished = Signal(object)  # TrainingState (a step/phase changed the parameters)
    runningChanged = Signal(bool)
    dataLoaded = Signal(object)  # LoadedData
    problem = Signal(str)  # a message for the user (bad data, mismatch)
    vanishing = Signal(str)  # the vanishing-gradient notice, "" once it no longer holds
    gradientChecked = Signal(object)  # GradCheckResult
    crashed = Signal(str)  # the process ended without being asked to

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        context = multiprocessing.get_context("spawn")
        commands_in, commands_out = context.Pipe(duplex=False)
        events_in, events_out = context.Pipe(duplex=False)
        self._process = context.Process(
            target=serve, args=(commands_in, events_out), name=PROCESS_NAME, daemon=True
        )
        self._process.start()
        commands_in.close()  # the process's ends: it holds its own copies
        events_out.close()
        self._commands: Connection = commands_out
        self._events: Connection = events_in
        widen_pipe(self._commands)
        widen_pipe(self._events)

        self._outgoing: queue.SimpleQueue[tuple[str, tuple[object, ...]] | None] = (
            queue.SimpleQueue()
        )
        self._incoming: queue.SimpleQueue[tuple[str, object]] = queue.SimpleQueue()
        self._pending: deque[tuple[str, object]] = deque()  # GUI thread only
        self._pending_snapshots = 0
        self._notified = threading.Event()
        self._snapshot_room = threading.Semaphore(MAX_QUEUED_SNAPSHOTS)
        self._relay = _Relay(self)
        self._relay.arrived.connect(self._deliver)
        self._sync_token = 0
        self._held: list[tuple[str, tuple[object, ...]]] | None = None
        self._synced = 0
        self._closing = False
        self._ended = False

        self._data_job = LatestJob(parent=self)
        self._data_job.finished.connect(self._on_data_loaded)
        self._data_job.failed.connect(self._on_data_failed)

        self._writer = threading.Thread(target=self._write, name="bpstudio-commands", daemon=True)
        self._reader = threading.Thread(target=self._read, name="bpstudio-events", daemon=True)
        self._writer.start()
        self._reader.start()

    # -- commands ------------------------------------------------------------------------------

    def send(self, name: str, *args: object) -> None:
        """Queue a command for the process (never blocks); arguments must not change later.

        While examples load, commands wait here and follow them, in order: a Step or Run
        pressed meanwhile acts on the new data, and a network that fits the new data is not
        judged against the old.
        """
        if self._closing:
            return
        if self._held is not None:
            self._held.append((name, args))
        else:
            self._outgoing.put((name, args))

    def load_data(self, source: DataSource, base_dir: str = "") -> None:
        """Load (or generate) the examples off the GUI thread, then hand them to the process."""
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

    @property
    def loading(self) -> bool:
        """Examples are being loaded."""
        return self._data_job.busy

    def wait_for_data(self) -> None:
        """Block until the examples being loaded have been handed over (tests, scripts)."""
        self._data_job.flush()

    def sync(self, timeout: float = SYNC_TIMEOUT) -> bool:
        """Block until the process has handled every command sent so far and every event it
        sent before is delivered. False if it did not answer in time (or has gone).

        Commands held back while examples load are not waited for (they follow the data);
        :meth:`wait_for_data` first makes it a full barrier.
        """
        if self._ended or self._closing:
            return False
        self._sync_token += 1
        token = self._sync_token
        self._outgoing.put(("sync", (token,)))  # not held back by loading data
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
        return self._process.is_alive()

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def shutdown(self) -> None:
        """Stop the process and both threads (window closing); events still queued are
        dropped."""
        if self._closing:
            return
        self._outgoing.put(("exit", ()))
        self._closing = True
        self._outgoing.put(None)
        self._data_job.shutdown()
        self._writer.join(EXIT_TIMEOUT)
        self._process.join(EXIT_TIMEOUT)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(EXIT_TIMEOUT)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._reader.join(EXIT_TIMEOUT)
        self._commands.close()
        self._events.close()

    # -- threads -------------------------------------------------------------------------------

    def _write(self) -> None:
        while (message := self._outgoing.get()) is not None:
            try:
                send_message(self._commands, message)
            except (OSError, ValueError):
                return  # the process has gone; the reader reports it
            except Exception:  # noqa: BLE001 (a command that cannot be sent is a bug: say so)
                self._incoming.put(("error", traceback.format_exc()))
                self._notify()

    def _read(self) -> None:
        try:
            while True:
                message = recv_message(self._events)
                if isinstance(message, tuple) and message and message[0] == "snapshot":
                    # Backpressure: while the GUI thread has snapshots it has not taken yet,
                    # leave the next in the pipe (the trainer waits instead of the memory
                    # filling up with pictures nobody will draw).
                    while not self._closing and not self._snapshot_room.acquire(timeout=0.1):
                        pass
                if self._closing:
                    continue  # drain the pipe until the process has gone
                self._incoming.put(message)  # type: ignore[arg-type]
                self._notify()
        except (EOFError, OSError):
            pass
        except Exception:  # noqa: BLE001 (a message that cannot be read: give up on it)
            self._incoming.put(("error", traceback.format_exc()))
            self._process.terminate()  # the restart logic takes over
        self._incoming.put((_ENDED, None))
        self._notify()

    def _notify(self) -> None:
        if not self._notified.is_set():
            self._notified.set()
            self._relay.arrived.emit()

    # -- delivery (GUI thread) -----------------------------------------------------------------

    def _append(self, message: tuple[str, object]) -> None:
        self._pending.append(message)
        if message[0] == "snapshot":
            self._pending_snapshots += 1
            self._snapshot_room.release()

    def _deliver(self) -> None:
        self._notified.clear()  # before draining: a message put after this notifies again
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
        elif name == "error":
            text = str(payload)
            print(f"bpstudio: error in the training process:\n{text}", file=sys.stderr)
            self.problem.emit(f"Training hit an internal error: {text.strip().splitlines()[-1]}")
        elif name == _ENDED:
            self._ended = True
            if not self._closing:
                self._process.join(EXIT_TIMEOUT)
                self.crashed.emit(
                    f"The training process ended unexpectedly (exit code {self._process.exitcode})."
                )

    def _on_data_loaded(self, data: LoadedData) -> None:
        if self._data_job.busy:
            return  # newer data is on its way
        self.dataLoaded.emit(data)
        self._release(TrainingData(data.source.describe(), data.train, data.validation))

    def _on_data_failed(self, message: str) -> None:
        if not self._data_job.busy:
            self.problem.emit(message)
            self._release(None)
