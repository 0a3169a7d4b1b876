"""Guards against Qt binding bugs the app cannot work around."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal(object)


def test_signal_emit_keeps_reference_counts():
    # PySide6 6.12.0 dropped a reference to True on every emit() and aborted the process
    # after a few thousand training snapshots; pyproject.toml excludes that release.
    emitter = _Emitter()
    before = sys.getrefcount(True)
    for i in range(200):
        emitter.fired.emit(i)
    assert sys.getrefcount(True) >= before - 5
