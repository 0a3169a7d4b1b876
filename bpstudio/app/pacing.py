"""Pacing the views that redraw from training snapshots.

A long burst of redraws makes the whole window late, and on a small machine every
millisecond the GUI spends drawing is one the training process cannot use. So views do not
redraw on their own timers; they ask the :class:`RedrawScheduler`, which runs one redraw at
a time and, while training runs, spaces the redraws so the GUI thread's share of the CPU
stays near a budget (measured with ``time.thread_time`` over the last fraction of a second).
When training is idle (stepping), redraws run as soon as the event loop is free.
"""

from __future__ import annotations

import math
import time
import weakref
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, QTimer

#: The GUI thread's target share of one CPU while training runs.
GUI_BUDGET = 0.25
MIN_GAP_MS = 11  # three views at most ~30 redraws a second each
MAX_GAP_MS = 400
WINDOW_SECONDS = 0.25  # how often the load is measured


class RedrawScheduler(QObject):
    """Runs queued redraw callbacks one per timer tick, paced by the GUI's CPU use.

    While training runs, a callback may also ask for a minimum interval between its runs
    (a cost curve need not redraw as often as the network's colours).
    """

    def __init__(
        self,
        budget: float = GUI_BUDGET,
        parent: QObject | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        super().__init__(parent)
        self.budget = budget
        self._clock = clock  # injectable, so tests can step time instead of waiting for it
        self.gap_ms = MIN_GAP_MS
        self.running = False
        self._queue: dict[Callable[[], None], float] = {}  # callback -> min interval (s)
        self._last_run: weakref.WeakKeyDictionary[object, dict[str, float]] = (
            weakref.WeakKeyDictionary()
        )
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timeout)
        self._wall = clock()
        self._cpu = time.thread_time()
        self.duty = 0.0

    def request(
        self, callback: Callable[[], None], running: bool, min_interval: float = 0.0
    ) -> None:
        """Run ``callback`` soon, and while ``running`` no sooner than ``min_interval``
        seconds after its last run; a callback already waiting keeps its place."""
        self.running = running
        self._queue[callback] = min_interval if running else 0.0
        if not running:
            # A run has ended (or never ran): nothing waits for its pace any more.
            for queued in self._queue:
                self._queue[queued] = 0.0
            self._timer.start(0)
        elif not self._timer.isActive():
            self._timer.start(self.gap_ms)

    def cancel(self, callback: Callable[[], None]) -> None:
        self._queue.pop(callback, None)

    @property
    def pending(self) -> int:
        """How many redraws wait to run."""
        return len(self._queue)

    def flush(self) -> int:
        """Run every waiting redraw now, in order, paces ignored, including those the
        redraws ask for meanwhile (a settled window, ``--screenshot``); how many ran."""
        ran = 0
        while self._queue:
            callback = next(iter(self._queue))
            del self._queue[callback]
            self._run(callback, self._clock())
            ran += 1
        self._timer.stop()
        return ran

    def _on_timeout(self) -> None:
        now = self._clock()
        wait = math.inf
        due = None
        for callback, min_interval in self._queue.items():
            remaining = min_interval - (now - self._last_run_of(callback))
            if remaining <= 0:
                due = callback
                wait = 0.0
                break
            wait = min(wait, remaining)
        try:
            if due is not None:
                del self._queue[due]
                self._run(due, now)
        finally:  # a failing redraw must not stall the others
            self._adapt()
            if self._queue:
                gap = self.gap_ms if self.running else 0
                self._timer.start(max(gap, int(wait * 1000) + 1 if wait > 0 else gap))

    def _last_run_of(self, callback: Callable[[], None]) -> float:
        owner = getattr(callback, "__self__", None)
        if owner is None:
            return -math.inf
        return self._last_run.get(owner, {}).get(getattr(callback, "__name__", ""), -math.inf)

    def _run(self, callback: Callable[[], None], now: float) -> None:
        owner = getattr(callback, "__self__", None)
        # A view closed and deleted while it waited has nothing left to draw.
        if isinstance(owner, QObject) and not shiboken6.isValid(owner):
            return
        if owner is not None:
            self._last_run.setdefault(owner, {})[getattr(callback, "__name__", "")] = now
        callback()

    def _adapt(self) -> None:
        now, cpu = self._clock(), time.thread_time()
        wall = now - self._wall
        if wall < WINDOW_SECONDS:
            return
        self.duty = (cpu - self._cpu) / wall
        self._wall, self._cpu = now, cpu
        if not self.running:
            self.gap_ms = MIN_GAP_MS
        elif self.duty > self.budget:
            self.gap_ms = min(MAX_GAP_MS, int(self.gap_ms * 1.5) + 5)
        elif self.duty < 0.6 * self.budget:
            self.gap_ms = max(MIN_GAP_MS, int(self.gap_ms / 1.25))


_scheduler: RedrawScheduler | None = None


def scheduler() -> RedrawScheduler:
    """The GUI thread's shared scheduler (created on first use)."""
    global _scheduler
    if _scheduler is None:
        _scheduler = RedrawScheduler()
    return _scheduler
