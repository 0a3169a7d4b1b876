"""Garbage collection on the GUI thread only.

Python's cyclic collector runs in whichever thread happens to allocate past its threshold.
In this app that can be a background job's thread (:mod:`bpstudio.app.background`) or the
training thread; a collection there destroys unreachable Qt wrappers, and with them Qt
objects that belong to the GUI thread, which Qt does not allow: the process crashes or
deadlocks. pyqtgraph's ``GarbageCollector`` (after Erik Janssens) answers this by turning
the automatic collector off and collecting on a GUI-thread timer instead.
:class:`GuiThreadCollector` does the same, with a parent and a way to stop.

:func:`settle` is the other half: once a window is built, everything alive is moved out of
the collector's sight (``gc.freeze``), so that a full collection, which would walk every
Qt wrapper and plot item (about 80 ms), no longer stalls a frame while training runs.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

#: How often the GUI thread looks at the collector's counts.
CHECK_INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    """Disables automatic collection and collects, generation by generation, on a timer
    in the thread it lives in (the GUI thread), with the thresholds Python would use."""

    def __init__(self, interval_ms: int = CHECK_INTERVAL_MS, parent: QObject | None = None):
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(int(interval_ms))
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> int:
        """Collect the generations whose counts passed their thresholds; the number of
        unreachable objects found."""
        count0, count1, count2 = gc.get_count()
        threshold0, threshold1, threshold2 = self._thresholds
        if count0 <= threshold0:
            return 0
        if count1 <= threshold1:
            return gc.collect(0)
        if count2 <= threshold2:
            return gc.collect(1)
        return gc.collect(2)

    def stop(self) -> None:
        """Give collection back to Python (as it was before this collector started)."""
        self._timer.stop()
        if self._was_enabled:
            gc.enable()


_collector: GuiThreadCollector | None = None


def install(app: QCoreApplication) -> GuiThreadCollector:
    """The application's collector, started once for the process."""
    global _collector
    if _collector is None:
        _collector = GuiThreadCollector(parent=app)
    return _collector


def settle() -> None:
    """Collect everything (what was set aside by an earlier settle too: the views of a
    project since replaced), then set what is alive aside from later collections."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
