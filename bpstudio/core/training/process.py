"""The training process: a :class:`TrainingSession` served over pipes.

Training runs in a process of its own so that it never competes with the GUI for Python's
interpreter lock: NumPy on small arrays holds the lock, and a training thread would make
every repaint wait for it. The GUI process (:mod:`bpstudio.app.backends`) starts
:func:`serve` with the :mod:`multiprocessing` "spawn" method and talks to it in messages
through :mod:`bpstudio.core.training.wire` (arrays out of band); the commands and events are
those of :mod:`bpstudio.core.training.loop`.

A third pipe carries heartbeats: a thread of this process answers each ping at once, even
while a long command (an epoch of a large data set) keeps the loop busy, so the GUI can tell
a busy process from a stopped or hung one. The process picks its BLAS thread count itself
(:mod:`bpstudio.core.training.blas`). It ends on ``exit`` or as soon as the GUI side of a
pipe closes.
"""

from __future__ import annotations

import signal
import threading
from multiprocessing import resource_tracker
from multiprocessing.connection import Connection

from bpstudio.core.training.blas import BlasThreads
from bpstudio.core.training.loop import GONE, run_session
from bpstudio.core.training.session import TrainingSession
from bpstudio.core.training.wire import recv_message, send_message


class _PipeInbox:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def poll(self, timeout: float | None) -> bool:
        return self._connection.poll(timeout)

    def recv(self) -> object:
        return recv_message(self._connection)


def serve(inbox: Connection, outbox: Connection, pings: Connection | None = None) -> None:
    """Handle commands from ``inbox`` and train between them; events go to ``outbox``;
    every message on ``pings`` is answered at once."""
    # Ctrl+C in the terminal reaches the whole process group; the GUI decides when we stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if pings is not None:
        threading.Thread(target=answer_pings, args=(pings,), daemon=True).start()

    def emit(name: str, payload: object) -> None:
        send_message(outbox, (name, payload))

    try:
        run_session(_PipeInbox(inbox), emit, TrainingSession(emit, blas=BlasThreads()))
    except GONE:
        return  # the GUI has gone: nobody is left to train for
    finally:
        inbox.close()
        outbox.close()


def answer_pings(pings: Connection) -> None:
    """Echo every message on ``pings`` until the other side closes it."""
    try:
        while True:
            pings.send_bytes(pings.recv_bytes())
    except GONE:
        pings.close()


def stop_resource_tracker() -> None:
    """End :mod:`multiprocessing`'s resource tracker, if it runs (an app quitting).

    Starting a "spawn" process starts the tracker, a process of its own that would
    otherwise outlive the app by a moment; the next process started starts it again.
    """
    tracker = resource_tracker._resource_tracker
    stop = getattr(tracker, "_stop", None)  # private, but the only way (Python 3.8+)
    if stop is not None:
        stop()
