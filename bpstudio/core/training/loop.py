"""The command loop around a :class:`TrainingSession`: commands in, training between them.

Both hosts of a session run this loop: the training process
(:mod:`bpstudio.core.training.process`, commands from a pipe) and the GUI's training thread
(:mod:`bpstudio.app.backends`, commands from a queue). Commands are tuples
``(name, args)``: a :data:`COMMANDS` method of the session with its arguments,
``("sync", (token,))``, answered by the event ``("synced", token)`` once everything sent
before it is handled, or ``("exit", ())``. Events are ``(name, payload)`` pairs: the
session's own, ``("ready", None)`` once the loop has started, and ``("error", text)`` when a
command raised (the session carries on; the text is the traceback).
"""

from __future__ import annotations

import traceback
from typing import Protocol

from bpstudio.core.training.session import Emit, TrainingSession

#: The session methods a host may call.
COMMANDS = frozenset(
    {
        "set_data",
        "set_network",
        "set_params",
        "set_training_state",
        "set_parameter",
        "set_hyperparameters",
        "set_probe",
        "refresh",
        "step",
        "run",
        "set_stop_conditions",
        "pause",
        "gradient_check",
    }
)

#: Errors that mean the other side has gone: they end the loop instead of being reported.
GONE = (EOFError, OSError)


class Inbox(Protocol):
    """Where commands come from (a pipe's end, a queue)."""

    def poll(self, timeout: float | None) -> bool:
        """True once a command is waiting; ``timeout`` None waits for one."""
        ...

    def recv(self) -> object: ...


def run_session(inbox: Inbox, emit: Emit, session: TrainingSession, rest: float = 0.0) -> None:
    """Handle commands from ``inbox`` and train between them until ``exit``.

    ``rest`` (seconds) is the least time the loop waits for commands between two chunks of
    a run: a host sharing its interpreter with a GUI leaves it room there.
    """
    emit("ready", None)
    while True:
        wait = _train(session, emit) if session.running else None
        if not inbox.poll(None if wait is None else max(wait, rest)):
            continue
        while True:
            name, args = _command(inbox.recv())
            if name == "exit":
                return
            _handle(session, emit, name, args)
            if not inbox.poll(0):
                break


def _command(message: object) -> tuple[str, tuple[object, ...]]:
    if not (isinstance(message, tuple) and len(message) == 2 and isinstance(message[1], tuple)):
        return "", ()  # not a command: reported as unknown
    return str(message[0]), message[1]


def _handle(session: TrainingSession, emit: Emit, name: str, args: tuple[object, ...]) -> None:
    if name == "sync":
        emit("synced", args[0])
        return
    if name not in COMMANDS:
        emit("error", f"unknown training command {name!r}")
        return
    try:
        getattr(session, name)(*args)
    except GONE:
        raise
    except Exception:  # noqa: BLE001 (a bug in one command must not end the session)
        emit("error", traceback.format_exc())


def _train(session: TrainingSession, emit: Emit) -> float | None:
    try:
        return session.train_chunk()
    except GONE:
        raise
    except Exception:  # noqa: BLE001
        message = traceback.format_exc()
        try:
            session.stop("stopped by an error")  # its results still go back to the GUI
        except GONE:
            raise
        except Exception:  # noqa: BLE001 (the first error is the one to report)
            if session.running:
                session.running = False
                emit("running", False)
        emit("error", message)
        return None
