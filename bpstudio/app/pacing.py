"""Frames: every view draws one state of the network at a time, at a pace the GUI can afford.

The rule for what is on screen:

- **One snapshot is shown.** The training controller decides which
  (:attr:`~bpstudio.app.training.TrainingController.snapshot`). While training runs, the
  worker's snapshots are only kept as the latest; the :class:`FrameClock` publishes the
  latest one once a frame, and every view redraws from it *synchronously*, in its handler
  of ``snapshotShown``, within the same turn of the event loop: no paint can fall between
  two views' updates, so the counters, the canvas, the inspector, the chain-rule panel and
  the plots always show the same step. Views keep no timers, intervals or deferrals of
  their own. A hidden view draws the shown snapshot when it is shown again.
- **When training is not running** (a phase, step or epoch, an edit, undo or redo, a
  reopened project) a snapshot is shown at once, without waiting for a frame.
- **A frame is painted once.** Each QGraphicsScene, once its items changed, repaints the
  whole window at once (``QGraphicsScene`` dispatches its views' update requests
  immediately), so a frame that redraws five plots and the canvas used to paint the window
  six times. While a frame's turn runs, the window's update requests wait
  (:class:`PaintGate`), and the window paints once, after the scenes have taken their
  changes.
- **The frame interval adapts** to what a frame costs: the GUI thread's CPU time
  (``time.thread_time``, which counts the paints that follow a frame as well as the frame's
  handlers) per frame, divided by the budget (``preferences.budget``, the GUI thread's
  target share of one CPU), between :data:`MIN_INTERVAL` and :data:`MAX_INTERVAL`.
- **Views computed off the GUI thread** take the shown snapshot as their input; each
  picture they draw comes whole from one state and names its step, so a picture one job
  behind the frame is never mixed with the frame's numbers. Measured on a 2-CPU VM (ms per
  computation, one BLAS thread):

  - The C(w) slice (:mod:`bpstudio.app.plots.cost_slice`): 0.1–0.3 ms on a template's
    batch while running, but 3–37 ms on the training set when stepping (spirals, digits)
    and 29–49 ms for a first-layer weight of 784-128-10: a background job. Its curve,
    tangent and current point come from one computation; the caption says "Step N".
  - The values table (:mod:`bpstudio.app.panels.values_table`): 14 ms for digits' batch,
    about a second for 784-128-10: a background job, its caption says "Step N".
  - Results and the confusion matrix (:mod:`bpstudio.app.panels.results`), up to 1 ms on
    the templates but a pass over both whole sets, and the output picture
    (:mod:`bpstudio.app.plots.decision`), up to 2.4 ms: background jobs, titled or
    captioned with their step.
  - The neuron heat maps on the canvas (0.2–0.6 ms for the 2-input templates): part of the
    frame.

  While training runs, a background job waits between two runs so that it takes at most a
  fifth of the time (:data:`bpstudio.app.background.RUNNING_SHARE`), and every thread of
  the window's process gives up Python's interpreter lock after
  :data:`SWITCH_INTERVAL` when the GUI thread waits for it: a job's Python (the values
  table of 784-128-10 is a second of it) or the training thread otherwise made every
  paint wait up to 5 ms (Python's default) at each of its calls into Qt.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from typing import Generic, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

T = TypeVar("T")

#: The GUI thread's target share of one CPU while training runs.
GUI_BUDGET = 0.25
MIN_INTERVAL = 1 / 60  # seconds between two frames at most this often (a 60 Hz screen)
MAX_INTERVAL = 0.5  # and at least this often, however costly a frame is
WINDOW_SECONDS = 0.25  # how often the cost of a frame is measured
#: Seconds a thread holds Python's interpreter lock while another waits (default 5 ms).
SWITCH_INTERVAL = 0.001


def share_the_interpreter() -> None:
    """Let the GUI thread wait at most :data:`SWITCH_INTERVAL` for the interpreter lock
    (measured with ``bench/gui.py``: the training thread's throughput stayed the same,
    the GUI timer's p99 lateness fell by a third or more)."""
    sys.setswitchinterval(SWITCH_INTERVAL)


class PaintGate(QObject):
    """Holds the windows' update requests from :meth:`hold` until the events posted before
    :meth:`open_soon` have been delivered, then paints each window that asked, once.

    A QGraphicsScene processes its changed items in a queued call and then sends the
    window's pending update request at once; with a scene per plot, one frame painted the
    window once per scene. Held here, the requests become one paint, after every scene
    has taken its changes (their queued calls were posted before the gate opens). It opens
    on a zero timer, which Qt runs after the posted events, like any timer that is due: a
    timer waiting for the GUI thread runs between the frame's handlers and its paint.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._holding = False
        self._held: list[QWidget] = []
        self._opener = QTimer(self)
        self._opener.setSingleShot(True)
        self._opener.setInterval(0)
        self._opener.timeout.connect(self.release)
        #: Windows painted when the gate opened (for tests and benchmarks).
        self.paints = 0

    @property
    def holding(self) -> bool:
        return self._holding

    def hold(self) -> None:
        """Hold the windows' update requests from now on."""
        app = QCoreApplication.instance()
        if self._holding or app is None:
            return
        self._holding = True
        app.installEventFilter(self)

    def open_soon(self) -> None:
        """Open once the events posted until now (the scenes' queued updates) have run."""
        if self._holding:
            self._opener.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if (
            event.type() == QEvent.Type.UpdateRequest
            and isinstance(watched, QWidget)
            and watched.isWindow()
        ):
            if watched not in self._held:
                self._held.append(watched)
            return True
        return False

    def release(self) -> None:
        """Stop holding, and paint the windows whose update requests were held."""
        if not self._holding:
            return
        self._holding = False
        self._opener.stop()
        app = QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        held, self._held = self._held, []
        for window in held:
            if shiboken6.isValid(window):
                # The request it already posted would paint nothing new.
                QCoreApplication.removePostedEvents(window, QEvent.Type.UpdateRequest)
                QCoreApplication.sendEvent(window, QEvent(QEvent.Type.UpdateRequest))
                self.paints += 1


class FrameClock(QObject):
    """Runs the callbacks that wait for a frame, all of them in one turn, paced by what a
    frame costs the GUI thread.

    ``request(publish)`` asks for ``publish`` to run at the next frame (a callback already
    waiting keeps its place: asking twice runs it once). A frame comes no sooner than
    :attr:`interval` seconds after the last one; a first request after a pause runs at once.
    """

    def __init__(
        self,
        budget: float = GUI_BUDGET,
        parent: QObject | None = None,
        clock: Callable[[], float] = time.perf_counter,
        cpu_clock: Callable[[], float] = time.thread_time,
    ) -> None:
        super().__init__(parent)
        self.budget = budget
        # Injectable, so tests can step time instead of waiting for it.
        self._clock, self._cpu_clock = clock, cpu_clock
        self.interval = MIN_INTERVAL
        self.frames = 0  # published so far
        self.duty = 0.0  # the GUI thread's share of a CPU over the last measurement
        self._waiting: dict[Callable[[], None], None] = {}
        self._last_frame = -math.inf
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timeout)
        #: Holds the windows' paints during a frame's turn: each window paints once.
        self.gate = PaintGate(self)
        self._start_window()

    def request(self, publish: Callable[[], None]) -> None:
        """Run ``publish`` at the next frame."""
        now = self._clock()
        if not self._waiting and now - self._last_frame > 2 * MAX_INTERVAL:
            self._start_window()  # a new burst: the pause between is not a frame's cost
        self._waiting[publish] = None
        if not self._timer.isActive():
            self._timer.start(self._wait_ms(now))

    def cancel(self, publish: Callable[[], None]) -> None:
        self._waiting.pop(publish, None)

    @property
    def pending(self) -> int:
        """How many callbacks wait for a frame."""
        return len(self._waiting)

    def flush(self) -> int:
        """Run the waiting callbacks now, pace ignored, and those they ask for meanwhile
        (a settled window, ``--screenshot``); how many ran."""
        ran = 0
        while self._waiting:
            ran += self._frame()
        self._timer.stop()
        return ran

    def _wait_ms(self, now: float) -> int:
        wait = self._last_frame + self.interval - now
        return math.ceil(wait * 1000) if wait > 0 else 0

    def _on_timeout(self) -> None:
        if not self._waiting:
            return
        wait = self._wait_ms(self._clock())
        if wait > 0:  # the clock says it is too early (a timer fires a little early)
            self._timer.start(wait)
            return
        self._frame()

    def _frame(self) -> int:
        """One frame: every waiting callback, in the order they asked; how many ran."""
        waiting = list(self._waiting)
        self._waiting.clear()
        self._last_frame = self._clock()
        self.frames += 1
        self.gate.hold()
        ran = 0
        try:
            for publish in waiting:
                ran += 1
                self._run(publish)
        finally:
            for publish in waiting[ran:]:  # one failed: the others run at the next frame
                self._waiting.setdefault(publish, None)
            self.gate.open_soon()
            self._adapt()
            if self._waiting and not self._timer.isActive():
                self._timer.start(self._wait_ms(self._clock()))
        return ran

    @staticmethod
    def _run(publish: Callable[[], None]) -> None:
        owner = getattr(publish, "__self__", None)
        # An object deleted while it waited has nothing left to publish.
        if isinstance(owner, QObject) and not shiboken6.isValid(owner):
            return
        publish()

    def _start_window(self) -> None:
        self._wall, self._cpu, self._window_frames = self._clock(), self._cpu_clock(), self.frames

    def _adapt(self) -> None:
        """Every :data:`WINDOW_SECONDS`: the GUI thread's CPU time per frame over the
        window, divided by the budget, is the next interval."""
        now, cpu = self._clock(), self._cpu_clock()
        wall = now - self._wall
        if wall < WINDOW_SECONDS:
            return
        frames = self.frames - self._window_frames
        self.duty = (cpu - self._cpu) / wall
        if frames > 0 and self.budget > 0:
            cost = (cpu - self._cpu) / frames
            self.interval = min(MAX_INTERVAL, max(MIN_INTERVAL, cost / self.budget))
        self._start_window()


class LatestFrame(QObject, Generic[T]):
    """Keeps the latest of a stream of values and shows one a frame: ``offer(value,
    running)`` while running keeps ``value`` for the next frame of the clock (values offered
    meanwhile replace it); otherwise it is shown at once. ``show(value)`` is called with
    the value to show, never twice with the same one."""

    def __init__(
        self,
        show: Callable[[T], None],
        parent: QObject | None = None,
        clock: FrameClock | None = None,
    ) -> None:
        super().__init__(parent)
        self._show = show
        self._clock = clock
        self.latest: T | None = None
        self.shown: T | None = None

    @property
    def clock(self) -> FrameClock:
        return self._clock if self._clock is not None else frame_clock()

    def offer(self, value: T, running: bool) -> None:
        self.latest = value
        if running:
            self.clock.request(self.publish)
        else:
            self.clock.cancel(self.publish)
            self.publish()

    def publish(self) -> None:
        """Show the latest value now (if it is not shown yet)."""
        latest = self.latest
        if latest is None or latest is self.shown:
            return
        self.shown = latest
        self._show(latest)


_clock: FrameClock | None = None


def frame_clock() -> FrameClock:
    """The GUI thread's shared frame clock (created on first use)."""
    global _clock
    if _clock is None:
        _clock = FrameClock()
    return _clock
