"""Run the latest of a stream of computations off the GUI thread, at a bounded rate.

Views that derive something expensive from fast-changing input (a data preview while a
slider moves, a decision boundary while training runs) submit a job every time the input
changes. :class:`LatestJob` runs at most one at a time on its own one-thread pool, starts
them no more often than ``min_interval_ms`` apart, and drops every submission that was
superseded before it started, so the GUI never queues stale work. Results come back on the
GUI thread through :attr:`LatestJob.finished` (or :attr:`LatestJob.failed` with the
message of a :class:`BPStudioError`). A job made with ``paced`` holds its result, while
``paced()`` is true (training runs), until the next frame of the
:class:`~bpstudio.app.pacing.FrameClock`: the view draws it in the frame's turn, painted
with everything else the frame changed, instead of repainting the window in between.
Meanwhile it also waits between two jobs long enough that they take at most
:data:`RUNNING_SHARE` of the time: a job's Python holds the interpreter lock the window's
thread needs for every paint (the values table of 784-128-10 is a second of it).

Jobs get immutable inputs (copies of parameters, frozen data sets) and return new objects
(arrays, images: never a QObject); they never touch Qt widgets.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, QTimer, Signal

from bpstudio.app.pacing import FrameClock, frame_clock
from bpstudio.core.errors import BPStudioError


def at_step(step: int, fn: Callable[..., Any], *args: Any) -> tuple[int, Any]:
    """``fn(*args)`` with the training step its inputs are of, so that a view drawing the
    result can say which step it shows (a job for :class:`LatestJob`)."""
    return step, fn(*args)


#: While ``paced()`` holds, jobs run at most this share of the time (one that took 1 s
#: starts again 4 s after it ended, at the soonest).
RUNNING_SHARE = 0.2


class _Relay(QObject):
    """Lives in the GUI thread; a job's thread emits here and Qt queues it across."""

    done = Signal(int, object)
    error = Signal(int, str)


class _Task(QRunnable):
    """Runs one job on the pool's thread.

    The job (its function, often a view's bound method, and its arguments) is also held by
    the :class:`LatestJob` until its result is back in the GUI thread, and the task lets go
    of it before reporting: the last reference to anything the job touched is therefore
    always dropped in the GUI thread, never here, where freeing a Qt object would destroy
    it in the wrong thread.
    """

    def __init__(
        self, relay: _Relay, serial: int, fn: Callable[..., Any], args: tuple[Any, ...]
    ) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._relay = relay
        self._serial = serial
        self._job: tuple[Callable[..., Any], tuple[Any, ...]] | None = (fn, args)

    def run(self) -> None:
        assert self._job is not None
        fn, args = self._job
        self._job = None
        result: object = None
        message: str | None = None
        try:
            result = fn(*args)
        except BPStudioError as exc:
            message = str(exc)
        except Exception as exc:  # noqa: BLE001 (a bug in a job must not kill the thread)
            message = f"{type(exc).__name__}: {exc}"
        del fn, args  # (and the exception with its frames, at the end of its clause)
        if message is None:
            self._relay.done.emit(self._serial, result)
        else:
            self._relay.error.emit(self._serial, message)


class LatestJob(QObject):
    """At most one background job at a time; only the newest submission runs.

    Signals
    -------
    finished(object) : the result of the newest job that ran (GUI thread).
    failed(str) : its error message instead.
    busyChanged(bool) : a job started, or the last one ended with nothing pending.
    """

    finished = Signal(object)
    failed = Signal(str)
    busyChanged = Signal(bool)

    def __init__(
        self,
        min_interval_ms: int = 0,
        parent: QObject | None = None,
        paced: Callable[[], bool] | None = None,
        clock: FrameClock | None = None,
    ) -> None:
        super().__init__(parent)
        #: While it returns True, results wait for the next frame.
        self.paced = paced
        self._clock = clock
        self._held: tuple[object] | None = None  # a result waiting for its frame
        # The pool first: destroying the children in creation order then waits for a
        # running job before its relay goes away.
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_done)
        self._relay.error.connect(self._on_error)
        self.min_interval_ms = int(min_interval_ms)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._start_pending)
        self._pending: tuple[Callable[..., Any], tuple[Any, ...]] | None = None
        self._serial = 0
        self._running_serial: int | None = None
        # The running job, kept here until its result is back (see _Task).
        self._running_job: tuple[Callable[..., Any], tuple[Any, ...]] | None = None
        self._last_start = -1e9
        self._closed = False
        #: How many jobs ran (for tests and benchmarks).
        self.runs = 0
        #: Seconds from the start of the last job to its result.
        self.last_duration = 0.0

    @property
    def busy(self) -> bool:
        return self._running_serial is not None or self._pending is not None

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` in the background once the rate allows; replaces a pending job."""
        if self._closed:
            return
        self._pending = (fn, args)
        self._start_pending()

    def cancel_pending(self) -> None:
        """Forget the job not yet started (one that is running still reports)."""
        self._pending = None
        self._timer.stop()

    def _start_pending(self) -> None:
        if self._pending is None or self._running_serial is not None or self._closed:
            return
        interval_ms = float(self.min_interval_ms)
        if self.paced is not None and self.paced():
            interval_ms = max(interval_ms, self.last_duration * 1000.0 / RUNNING_SHARE)
        wait_ms = interval_ms - (time.perf_counter() - self._last_start) * 1000.0
        if wait_ms > 0:
            if not self._timer.isActive():
                self._timer.start(int(wait_ms) + 1)
            return
        fn, args = self._pending
        self._pending = None
        self._serial += 1
        self._running_serial = self._serial
        self._running_job = (fn, args)
        self._last_start = time.perf_counter()
        self.runs += 1
        self.busyChanged.emit(True)
        self._pool.start(_Task(self._relay, self._serial, fn, args))

    def _finish(self, serial: int) -> bool:
        if serial != self._running_serial:
            return False
        self._running_serial = None
        self._running_job = None
        self.last_duration = time.perf_counter() - self._last_start
        if self._pending is not None:
            self._start_pending()
        if not self.busy:
            self.busyChanged.emit(False)
        return True

    def _on_done(self, serial: int, result: object) -> None:
        if self._finish(serial) and not self._closed:
            if self.paced is not None and self.paced():
                self._held = (result,)
                self.clock.request(self._publish_held)
            else:
                self._drop_held()
                self.finished.emit(result)

    @property
    def clock(self) -> FrameClock:
        return self._clock if self._clock is not None else frame_clock()

    def _publish_held(self) -> None:
        held, self._held = self._held, None
        if held is not None and not self._closed:
            self.finished.emit(held[0])

    def _drop_held(self) -> None:
        if self._held is not None:
            self._held = None
            self.clock.cancel(self._publish_held)

    def _on_error(self, serial: int, message: str) -> None:
        if self._finish(serial) and not self._closed:
            self.failed.emit(message)

    def flush(self, msecs: int = -1) -> bool:
        """Block until no job runs or waits and the last result has been emitted (tests,
        scripts). False if a job was still running after ``msecs``."""
        while self.busy:
            if self._running_serial is None:  # pending, held back by the rate limit
                self._timer.stop()
                self._last_start = -1e9
                self._start_pending()
            if not self._pool.waitForDone(msecs):
                return False
            # The relay's signals are queued to our slots: deliver the result now.
            QCoreApplication.sendPostedEvents(self)
        if self._held is not None:  # waiting for a frame: deliver it now too
            self.clock.cancel(self._publish_held)
            self._publish_held()
        return True

    def wait(self, msecs: int = -1) -> bool:
        """Block until the running job is done (tests, shutdown). True if none is left."""
        return bool(self._pool.waitForDone(msecs))

    def shutdown(self) -> None:
        """Stop starting jobs and wait for the running one (a window closing)."""
        self._closed = True
        self.cancel_pending()
        self._drop_held()
        self._pool.waitForDone()
