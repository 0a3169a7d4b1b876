"""The training process: a :class:`TrainingSession` served over two one-way pipes.

Training runs in a process of its own so that it never competes with the GUI for Python's
interpreter lock: NumPy on small arrays holds the lock, and a training thread would make
every repaint wait for it. The GUI process (:mod:`bpstudio.app.worker`) starts :func:`serve`
with the :mod:`multiprocessing` "spawn" method and talks to it in messages.

Messages go through :mod:`bpstudio.core.training.wire` (arrays out of band). Commands (GUI → here)
are tuples ``(name, args)``: a :data:`COMMANDS` method of the session with its arguments,
``("sync", (token,))``, answered by the event ``("synced", token)`` once everything sent
before it is handled, or ``("exit", ())``. Events (here → GUI) are
``(name, payload)`` pairs: the session's events, and ``("error", text)`` when a command
raised (the session carries on; the text is the traceback). The process ends on ``exit``
or as soon as the GUI side of either pipe closes.
"""

from __future__ import annotations

import signal
import traceback
from multiprocessing.connection import Connection

from bpstudio.core.training.session import Emit, TrainingSession
from bpstudio.core.training.wire import recv_message, send_message

#: The session methods the GUI may call.
COMMANDS = frozenset(
    {
        "set_data",
        "set_network",
        "set_params",
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


def serve(inbox: Connection, outbox: Connection) -> None:
    """Handle commands from ``inbox`` and train between them; events go to ``outbox``."""
    # Ctrl+C in the terminal reaches the whole process group; the GUI decides when we stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def emit(name: str, payload: object) -> None:
        send_message(outbox, (name, payload))

    session = TrainingSession(emit)
    try:
        while True:
            wait = _train(session, emit) if session.running else None
            if not inbox.poll(wait):  # wait=None: block until a command comes
                continue
            while True:
                name, args = _command(recv_message(inbox))
                if name == "exit":
                    return
                _handle(session, emit, name, args)
                if not inbox.poll(0):
                    break
    except (EOFError, OSError):
        return  # the GUI has gone: nobody is left to train for
    finally:
        inbox.close()
        outbox.close()


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
    except (EOFError, OSError):
        raise
    except Exception:  # noqa: BLE001 (a bug in one command must not end the session)
        emit("error", traceback.format_exc())


def _train(session: TrainingSession, emit: Emit) -> float | None:
    try:
        return session.train_chunk()
    except (EOFError, OSError):
        raise
    except Exception:  # noqa: BLE001
        message = traceback.format_exc()
        try:
            session.stop("stopped by an error")  # its results still go back to the GUI
        except (EOFError, OSError):
            raise
        except Exception:  # noqa: BLE001 (the first error is the one to report)
            if session.running:
                session.running = False
                emit("running", False)
        emit("error", message)
        return None
