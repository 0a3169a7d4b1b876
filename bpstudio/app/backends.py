"""The two hosts of a training session behind :class:`~bpstudio.app.worker.TrainingWorker`.

Both run the loop of :mod:`bpstudio.core.training.loop` around a Qt-free
:class:`TrainingSession`, take commands without ever blocking the caller, and hand every
event to one ``deliver`` callable (thread-safe; it may block to apply backpressure), ending
with ``(ENDED, None)`` when the session has gone:

- :class:`ProcessBackend`: a child process (:mod:`bpstudio.core.training.process`); a writer
  thread pickles commands into its pipe, a reader thread unpickles its events, and a third
  pipe carries heartbeats so that a stopped or hung process is noticed. It never competes
  with the GUI for the interpreter lock.
- :class:`ThreadBackend`: a parentless QObject moved to a QThread, in the GUI's process,
  training in short chunks and resting between them so that the GUI thread gets the
  interpreter lock. It works where a process cannot be started.

Each is started and stopped explicitly; :meth:`Backend.stop` joins its threads.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import threading
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Protocol

from PySide6.QtCore import QObject, QThread, Slot

from bpstudio.core.training.loop import run_session
from bpstudio.core.training.process import serve
from bpstudio.core.training.session import TrainingSession
from bpstudio.core.training.wire import recv_message, send_message, widen_pipe

#: A command: a session method's name and its arguments.
Command = tuple[str, tuple[object, ...]]
#: An event: its name and its payload.
Event = tuple[str, object]
Deliver = Callable[[Event], None]

ENDED = "ended"  # the last event a backend delivers: its session has gone
PROCESS_NAME = "bpstudio-training"
THREAD_NAME = "bpstudio-training"
EXIT_TIMEOUT = 2.0  # seconds a process gets to end by itself before it is killed
#: Seconds a live process takes at most to answer a heartbeat (well under a millisecond
#: when the machine is quiet; a frame or so on a busy one).
HEARTBEAT_WAIT = 0.1
#: The training thread trains this long, then waits at least this long for commands: the
#: GUI thread takes the interpreter lock in the pauses.
THREAD_CHUNK_SECONDS = 0.005
THREAD_REST_SECONDS = 0.001

#: Starts :func:`serve` on the child's ends of the command, event and heartbeat pipes.
ProcessStarter = Callable[[Connection, Connection, Connection], BaseProcess]


class BackendUnavailable(Exception):
    """The backend cannot be started here (the message says why)."""


class Backend(Protocol):
    kind: str

    def start(self) -> None:
        """Start the host; raises :class:`BackendUnavailable`."""
        ...

    def send(self, command: Command) -> None:
        """Queue a command (never blocks)."""
        ...

    def silence(self) -> float:
        """Seconds the host has left a heartbeat unanswered (GUI thread, called often)."""
        ...

    def answers(self, timeout: float) -> bool:
        """Whether the host answers a heartbeat within ``timeout`` seconds: it is alive,
        if perhaps busy (GUI thread)."""
        ...

    def kill(self) -> None:
        """End the host at once, if that can be done (an unresponsive process)."""
        ...

    def stop(self) -> None:
        """Ask the host to end, wait for it (a process is killed if it does not) and join."""
        ...

    def is_alive(self) -> bool: ...

    @property
    def pid(self) -> int | None: ...

    def describe_end(self) -> str:
        """How the host ended, for a message (after :data:`ENDED`)."""
        ...


def start_training_process(
    commands: Connection, events: Connection, pings: Connection
) -> BaseProcess:
    context = multiprocessing.get_context("spawn")
    process = context.Process(
        target=serve, args=(commands, events, pings), name=PROCESS_NAME, daemon=True
    )
    process.start()
    return process


class ProcessBackend:
    """A training process, fed by a writer thread and read by a reader thread."""

    kind = "process"

    def __init__(self, deliver: Deliver, start_process: ProcessStarter) -> None:
        self._deliver = deliver
        self._start_process = start_process
        self._process: BaseProcess | None = None
        self._outgoing: queue.SimpleQueue[Command | None] = queue.SimpleQueue()
        self._ping_sent: float | None = None

    def start(self) -> None:
        try:
            commands_in, self._commands = multiprocessing.Pipe(duplex=False)
            self._events, events_out = multiprocessing.Pipe(duplex=False)
            self._pings, pings_there = multiprocessing.Pipe(duplex=True)
        except OSError as exc:
            raise BackendUnavailable(f"no pipes: {exc}") from exc
        try:
            self._process = self._start_process(commands_in, events_out, pings_there)
        except Exception as exc:  # noqa: BLE001 (sandboxes refuse in many ways)
            for end in (self._commands, self._events, self._pings):
                end.close()
            raise BackendUnavailable(f"{type(exc).__name__}: {exc}") from exc
        finally:
            for end in (commands_in, events_out, pings_there):  # the child holds its own
                end.close()
        widen_pipe(self._commands)
        widen_pipe(self._events)
        self._writer = threading.Thread(target=self._write, name="bpstudio-commands", daemon=True)
        self._reader = threading.Thread(target=self._read, name="bpstudio-events", daemon=True)
        self._writer.start()
        self._reader.start()

    def send(self, command: Command) -> None:
        self._outgoing.put(command)

    def silence(self) -> float:
        now = time.monotonic()
        try:
            if self._ping_sent is not None and self._pings.poll(0):
                self._pings.recv_bytes()
                self._ping_sent = None
            if self._ping_sent is None:
                self._pings.send_bytes(b"?")
                self._ping_sent = now
        except (OSError, EOFError):
            return 0.0  # the process has gone; the reader says so
        return now - self._ping_sent

    def answers(self, timeout: float) -> bool:
        try:
            if self._ping_sent is None:
                self._pings.send_bytes(b"?")
                self._ping_sent = time.monotonic()
            if not self._pings.poll(timeout):
                return False
            self._pings.recv_bytes()
        except (OSError, EOFError):
            return False
        self._ping_sent = None
        return True

    def kill(self) -> None:
        if self._process is not None and self._process.is_alive():
            self._process.kill()

    def stop(self) -> None:
        process = self._process
        if process is None:
            return
        if not self.answers(HEARTBEAT_WAIT):
            self.kill()  # stopped (SIGSTOP) or hung: asking it to exit would be in vain
        self._outgoing.put(("exit", ()))
        self._outgoing.put(None)
        process.join(EXIT_TIMEOUT)
        if process.is_alive():
            process.kill()  # stopped (SIGSTOP) or stuck: it cannot be asked
            process.join()
        self._writer.join(EXIT_TIMEOUT)  # a write to the dead process fails at once
        self._reader.join(EXIT_TIMEOUT)
        for end in (self._commands, self._events, self._pings):
            end.close()

    def is_alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def describe_end(self) -> str:
        if self._process is None:
            return "not started"
        self._process.join(EXIT_TIMEOUT)
        return f"exit code {self._process.exitcode}"

    def _write(self) -> None:
        while (command := self._outgoing.get()) is not None:
            try:
                send_message(self._commands, command)
            except (OSError, ValueError):
                return  # the process has gone; the reader reports it
            except Exception:  # noqa: BLE001 (a command that cannot be sent is a bug: say so)
                self._deliver(("error", traceback.format_exc()))

    def _read(self) -> None:
        try:
            while True:
                self._deliver(recv_message(self._events))  # type: ignore[arg-type]
        except (EOFError, OSError):
            pass
        except Exception:  # noqa: BLE001 (a message that cannot be read: give up on it)
            self._deliver(("error", traceback.format_exc()))
            self.kill()  # the restart logic takes over
        self._deliver((ENDED, None))


class _QueueInbox:
    """Commands from a queue, with the look-ahead :func:`run_session` needs."""

    def __init__(self) -> None:
        self.queue: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self._next: Command | None = None

    def poll(self, timeout: float | None) -> bool:
        if self._next is None:
            try:
                if timeout is None:
                    self._next = self.queue.get()
                elif timeout > 0:
                    self._next = self.queue.get(timeout=timeout)
                else:
                    self._next = self.queue.get_nowait()
            except queue.Empty:
                return False
        return True

    def recv(self) -> object:
        command, self._next = self._next, None
        return command


class _SessionHost(QObject):
    """Parentless, so it can move to the training thread; runs the loop there."""

    def __init__(self, inbox: _QueueInbox, deliver: Deliver) -> None:
        super().__init__()
        self._inbox = inbox
        self._deliver = deliver

    @Slot()
    def run(self) -> None:
        def emit(name: str, payload: object) -> None:
            self._deliver((name, payload))

        session = TrainingSession(emit, chunk_seconds=THREAD_CHUNK_SECONDS)
        try:
            run_session(self._inbox, emit, session, rest=THREAD_REST_SECONDS)
        except Exception:  # noqa: BLE001 (reported; the restart logic takes over)
            self._deliver(("error", traceback.format_exc()))
        finally:
            self._deliver((ENDED, None))
            thread = QThread.currentThread()
            if thread is not None:
                thread.quit()


class ThreadBackend:
    """A training session on a QThread of the GUI's process."""

    kind = "thread"

    def __init__(self, deliver: Deliver) -> None:
        self._inbox = _QueueInbox()
        self._host: _SessionHost | None = _SessionHost(self._inbox, deliver)
        self._thread: QThread | None = None

    def start(self) -> None:
        assert self._host is not None
        thread = QThread()
        thread.setObjectName(THREAD_NAME)
        self._host.moveToThread(thread)
        thread.started.connect(self._host.run)
        thread.finished.connect(self._host.deleteLater)
        self._thread = thread
        thread.start()

    def send(self, command: Command) -> None:
        self._inbox.queue.put(command)

    def silence(self) -> float:
        return 0.0  # it shares our process: if it is stopped, so are we

    def answers(self, timeout: float) -> bool:  # noqa: ARG002 (a thread needs no wait)
        return self.is_alive()

    def kill(self) -> None:
        """A thread cannot be killed; it ends at its next command."""

    def stop(self) -> None:
        if self._thread is None:
            return
        self._inbox.queue.put(("exit", ()))
        self._thread.wait()  # at most one command or chunk
        self._host = None

    def is_alive(self) -> bool:
        with contextlib.suppress(RuntimeError):  # the C++ thread is gone
            return self._thread is not None and self._thread.isRunning()
        return False

    @property
    def pid(self) -> int | None:
        return None

    def describe_end(self) -> str:
        return "the training thread returned"


def make_backend(kind: str, deliver: Deliver, start_process: ProcessStarter) -> Backend:
    if kind == "process":
        return ProcessBackend(deliver, start_process)
    if kind == "thread":
        return ThreadBackend(deliver)
    raise ValueError(f"unknown training backend {kind!r} (use 'process' or 'thread')")
