"""Nothing the GUI thread made is freed in another thread: garbage is collected in the GUI
thread only, and a background job's function and arguments are let go of there."""

from __future__ import annotations

import gc
import threading
from typing import Any

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from bpstudio.app import heap
from bpstudio.app.background import LatestJob


class Finalised:
    """Records the thread that freed it; ``cycle`` makes it garbage for the collector only."""

    def __init__(self, freed_in: list[str], cycle: bool = False) -> None:
        self.freed_in = freed_in
        self.me = self if cycle else None

    def __del__(self) -> None:
        self.freed_in.append(threading.current_thread().name)


def test_cyclic_garbage_is_collected_in_the_gui_thread_not_where_memory_is_allocated(
    qtbot: QtBot, qapp: QApplication
) -> None:
    collector = heap.install(qapp)
    assert not gc.isenabled()
    freed_in: list[str] = []
    for _ in range(10):
        Finalised(freed_in, cycle=True)

    kept: list[list[int]] = []

    def allocate() -> None:
        # Far past every generation's threshold: a collector left on would run here.
        kept.extend([] for _ in range(50 * gc.get_threshold()[0]))

    worker = threading.Thread(target=allocate, name="allocator")
    worker.start()
    worker.join()
    assert freed_in == []
    assert gc.get_count()[0] > gc.get_threshold()[0]
    collector.check()  # what its timer does in the GUI thread
    assert set(freed_in) == {threading.main_thread().name}
    assert len(freed_in) == 10


def test_settle_collects_what_an_earlier_settle_set_aside() -> None:
    freed_in: list[str] = []
    Finalised(freed_in, cycle=True)
    heap.settle()
    assert freed_in == [threading.main_thread().name]
    kept = Finalised(freed_in, cycle=True)
    heap.settle()  # alive: set aside
    assert gc.get_freeze_count() > 0
    del kept
    gc.collect()
    assert len(freed_in) == 1  # frozen: no collection sees it
    heap.settle()
    assert freed_in == [threading.main_thread().name] * 2
    gc.unfreeze()


def test_a_jobs_function_and_arguments_are_released_in_the_gui_thread(qtbot: QtBot) -> None:
    job = LatestJob()
    results: list[Any] = []
    job.finished.connect(results.append)
    freed_in: list[str] = []
    for fails in (False, True):
        argument = Finalised(freed_in)

        def compute(value: Finalised, fails: bool = fails) -> int:
            if fails:
                raise ValueError("a bug in a job")
            return len(value.freed_in)

        job.submit(compute, argument)
        del argument, compute
        assert job.flush(5000)
    assert results == [0]
    assert freed_in == [threading.main_thread().name] * 2
    job.shutdown()
