"""Fixtures for the Qt tests (pytest-qt, offscreen).

- ``document`` (the XOR template), ``selection``, ``stub_controller`` (no thread) and
  ``controller`` (a real TrainingController, shut down after the test), once with each
  ``backend`` (the training process and the training thread).
- ``settings``: a QSettings in an INI file under ``tmp_path``, so tests never touch the
  user's settings; likewise every window's recovery folder (autosave) is under ``tmp_path``.
- ``screen``: the available screen size a window lays itself out for (indirect parameter).
- ``open_window``: opens main windows on those settings; after the test each is closed
  (discarding unsaved changes, as every close during the test does) and its training
  stopped.
- Every test runs with the QApplication (pytest-qt's ``qapp``), so a test that paints or
  builds a widget passes alone as it does in the suite; garbage is collected in the GUI
  thread only (:mod:`bpstudio.app.heap`), and the widgets a test made are deleted after it.
- An autouse fixture fails a test that leaves a QThread running (napari's
  ``dangling_qthreads``): every QThread started during the test is remembered and must be
  stopped by its end. So must every training process and the threads that feed it.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
import traceback
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import shiboken6

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QObject, QRect, QSettings, QThread, Signal  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow  # noqa: E402
from pytestqt.qtbot import QtBot  # noqa: E402
from window_helpers import discard_changes

from bpstudio.app import heap, recovery  # noqa: E402
from bpstudio.app.document import Document  # noqa: E402
from bpstudio.app.selection import SelectionModel  # noqa: E402
from bpstudio.app.training import TrainingController  # noqa: E402
from bpstudio.app.worker import BACKENDS, PROCESS_NAME, WorkerOptions  # noqa: E402
from bpstudio.core.files.templates import make_project  # noqa: E402

if TYPE_CHECKING:
    from bpstudio.app.main_window import MainWindow

#: The threads of the GUI process that talk to a training process.
FEEDER_THREADS = frozenset({"bpstudio-commands", "bpstudio-events"})


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def open_window(qtbot: QtBot, settings: QSettings) -> Iterator[Callable[..., MainWindow]]:
    """``open_window(**options)``: a new ``MainWindow(settings, **options)``, known to qtbot."""
    from bpstudio.app.main_window import MainWindow

    windows: list[MainWindow] = []

    def open_(**options: Any) -> MainWindow:
        window = MainWindow(settings, **options)
        window.ask_unsaved = discard_changes
        qtbot.addWidget(window)
        windows.append(window)
        return window

    yield open_
    for window in windows:
        # pytest-qt has closed them already; one may have been deleted meanwhile (a nested
        # event loop while another closed: a pause waits for its session that way).
        if shiboken6.isValid(window):
            window.close()
        window.controller.shutdown()


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> QRect:
    """The screen a window opens on (``(width, height)``, parametrised indirectly): the
    window's layout code is told that size is what the screen has available."""
    from bpstudio.app import window_layout

    width, height = request.param
    rect = QRect(0, 0, width, height)
    monkeypatch.setattr(window_layout, "available", lambda _window: QRect(rect))
    return rect


@pytest.fixture(autouse=True)
def _application(qapp: QApplication) -> Iterator[QApplication]:
    """The application, collecting garbage in the GUI thread only as the app does; after
    the test, every top-level widget the test made is deleted and the garbage collected
    (pytest-qt's ``deleteLater`` alone would wait for an event loop that never runs)."""
    heap.install(qapp)
    before = {_address(widget) for widget in QApplication.topLevelWidgets()}
    yield qapp
    for widget in QApplication.topLevelWidgets():
        # Windows and dialogs only: other parentless widgets belong to Python objects
        # (a pyqtgraph plot's menus and control panel) and go with them; deleting one of
        # those first crashes its plot's destructor.
        if isinstance(widget, (QMainWindow, QDialog)) and _address(widget) not in before:
            widget.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


def _address(widget: QObject) -> int:
    return int(shiboken6.getCppPointer(widget)[0])


@pytest.fixture(autouse=True)
def recovery_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where windows autosave during the test (instead of the user's app data)."""
    folder = tmp_path / "recovery"
    monkeypatch.setattr(recovery, "default_folder", lambda: folder)
    return folder


@pytest.fixture(autouse=True)
def _fail_on_dangling_qthreads(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    started: weakref.WeakKeyDictionary[QThread, str] = weakref.WeakKeyDictionary()
    original_start = QThread.start

    def start(self: QThread, *args: object) -> None:
        started[self] = "".join(traceback.format_stack(limit=6)[:-1])
        original_start(self, *args)

    monkeypatch.setattr(QThread, "start", start)
    yield
    dangling = []
    for thread, where in list(started.items()):
        try:
            running = thread.isRunning()
        except RuntimeError:  # the C++ object is gone, so is the thread
            continue
        if running:
            dangling.append(where)
    processes = [p for p in multiprocessing.active_children() if p.name == PROCESS_NAME]
    for process in processes:
        process.kill()
        process.join()
    if processes:
        pytest.fail(
            f"{len(processes)} training process(es) still running at the end of the test; "
            "stop them with TrainingController.shutdown().",
            pytrace=False,
        )
    feeders = [t.name for t in threading.enumerate() if t.name in FEEDER_THREADS]
    if feeders:
        pytest.fail(
            f"training process threads still running at the end of the test: {feeders}",
            pytrace=False,
        )
    if dangling:
        pytest.fail(
            f"{len(dangling)} QThread(s) still running at the end of the test; stop them "
            "(e.g. TrainingController.shutdown()). Started at:\n" + "\n".join(dangling),
            pytrace=False,
        )


# -- documents and controllers ------------------------------------------------------------------


class StubController(QObject):
    """Stands in for TrainingController where no training process is wanted: no snapshots
    unless a test emits one, and counters for the pause/resume around network edits."""

    snapshotShown = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.snapshot: object | None = None
        self.problem = ""
        self.running = False
        self.pauses = 0
        self.finishes = 0

    def pause_for_edit(self) -> None:
        self.pauses += 1

    def finish_edit(self) -> None:
        self.finishes += 1


@pytest.fixture
def document(qapp: QApplication) -> Document:
    """The XOR template (2-4-1, tanh then sigmoid, cross-entropy)."""
    return Document(make_project("xor"))


@pytest.fixture
def selection(qapp: QApplication) -> SelectionModel:
    return SelectionModel()


@pytest.fixture
def stub_controller(qapp: QApplication) -> StubController:
    return StubController()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Where training runs: each test that trains runs once in a process, once in a thread."""
    return str(request.param)


@pytest.fixture
def controller(
    qapp: QApplication, document: Document, backend: str
) -> Iterator[TrainingController]:
    """A real controller with its training process (or thread), shut down after the test."""
    controller = TrainingController(document, options=WorkerOptions(backend=backend))
    assert controller.backend == backend
    yield controller
    controller.shutdown()
