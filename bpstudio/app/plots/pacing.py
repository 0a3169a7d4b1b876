"""Pacing the views that redraw from training snapshots.

A long burst of redraws makes the whole window late, and on a small machine every
millisecond the GUI spends drawing is one the training process cannot use. So views do not
redraw on their own timers; they ask the :class:`RedrawScheduler`, which runs one redraw at
a time and, while training runs, spaces the redraws so the GUI thread's share of the CPU
stays near a budget (measured with ``time.thread_time`` over the last fraction of a second).
When training is idle (stepping), redraws run as soon as the event loop is free.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, QTimer

#: The GUI thread's target share of one CPU while training runs.
GUI_BUDGET = 0.10
MIN_GAP_MS = 11  # three views at most ~30 redraws a second each
MAX_GAP_MS = 400
WINDOW_SECONDS = 0.25  # how often the load is measured


class RedrawScheduler(QObject):
    """Runs queued redraw callbacks one per timer tick, paced by the GUI's CPU use."""

    def __init__(self, budget: float = GUI_BUDGET, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.budget = budget
        self.gap_ms = MIN_GAP_MS
        self.running = False
        self._queue: dict[Callable[[], None], None] = {}  # insertion-ordered set
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timeout)
        self._wall = time.perf_counter()
        self._cpu = time.thread_time()
        self.duty = 0.0

    def request(self, callback: Callable[[], None], running: bool) -> None:
        """Run ``callback`` soon; a callback already waiting keeps its place in the queue."""
        self.running = running
        self._queue.setdefault(callback, None)
        if not self._timer.isActive():
            self._timer.start(self.gap_ms if running else 0)

    def cancel(self, callback: Callable[[], None]) -> None:
        self._queue.pop(callback, None)

    def _on_timeout(self) -> None:
        if self._queue:
            callback = next(iter(self._queue))
            del self._queue[callback]
            owner = getattr(callback, "__self__", None)
            # A view closed and deleted while it waited has nothing left to draw.
            if not isinstance(owner, QObject) or shiboken6.isValid(owner):
                callback()
        self._adapt()
        if self._queue:
            self._timer.start(self.gap_ms if self.running else 0)

    def _adapt(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
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
