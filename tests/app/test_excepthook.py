"""An uncaught exception shows a dialog; the app keeps running and the document stays
consistent. pytest-qt's own exception capture is off here so that our hook is the one
that sees them (``qt_no_exception_capture``)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from bpstudio.app.commands import EditNetworkCommand, SetParameterCommand
from bpstudio.app.excepthook import ExceptionReporter
from bpstudio.app.main_window import MainWindow
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.edits import add_neuron
from bpstudio.core.files.project import Project

pytestmark = pytest.mark.qt_no_exception_capture

TIMEOUT = 5000  # ms


class Emitter(QObject):
    fired = Signal()


@pytest.fixture
def window(open_window: Callable[[], MainWindow]) -> MainWindow:
    return open_window()


@pytest.fixture
def reporter(window: MainWindow) -> Iterator[ExceptionReporter]:
    hook, thread_hook = sys.excepthook, threading.excepthook
    reporter = ExceptionReporter(window.save_copy, window, parent=window)
    reporter.install()
    yield reporter
    reporter.uninstall()
    assert (sys.excepthook, threading.excepthook) == (hook, thread_hook)
    if reporter.dialog is not None:
        reporter.dialog.close()


def fail() -> None:
    raise ValueError("a bug in a slot")


def test_an_exception_in_a_slot_shows_a_dialog_and_the_app_keeps_running(
    qtbot: QtBot, reporter: ExceptionReporter, capsys: pytest.CaptureFixture[str]
) -> None:
    QTimer.singleShot(0, fail)  # raised from the event loop, as a click's slot would
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    dialog = reporter.dialog
    assert dialog is not None
    assert "ValueError: a bug in a slot" in dialog.summary.text()
    assert "Traceback" in dialog.details.toPlainText()
    assert "a bug in a slot" in capsys.readouterr().err  # still on stderr for the log
    dialog.copy_button.click()
    assert "ValueError: a bug in a slot" in QGuiApplication.clipboard().text()

    # A second failure while the dialog is open joins it instead of stacking dialogs.
    emitter = Emitter()
    emitter.fired.connect(fail)
    emitter.fired.emit()
    qtbot.waitUntil(lambda: dialog.count == 2, timeout=TIMEOUT)
    assert reporter.dialog is dialog
    assert "(2 errors)" in dialog.summary.text()

    # The event loop runs on.
    ticks: list[int] = []
    QTimer.singleShot(0, lambda: ticks.append(1))
    qtbot.waitUntil(lambda: ticks == [1], timeout=TIMEOUT)


def test_an_exception_in_a_thread_reaches_the_dialog(
    qtbot: QtBot, reporter: ExceptionReporter
) -> None:
    thread = threading.Thread(target=fail, name="job")
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: reporter.dialog is not None, timeout=TIMEOUT)
    assert reporter.dialog is not None
    assert "ValueError in thread job: a bug in a slot" in reporter.dialog.summary.text()


def test_save_a_copy_from_the_dialog_keeps_the_document_as_it_is(
    qtbot: QtBot,
    window: MainWindow,
    reporter: ExceptionReporter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    doc = window.document
    doc.push(SetParameterCommand(doc, ParamRef.weight(1, 0, 0), 0.375))
    target = tmp_path / "rescued"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a: (str(target), "")))
    QTimer.singleShot(0, fail)
    qtbot.waitUntil(lambda: reporter.dialog is not None, timeout=TIMEOUT)
    assert reporter.dialog is not None
    reporter.dialog.save_button.click()
    copy = Project.load(tmp_path / "rescued.bpstudio")
    assert copy.params.allclose(doc.params)
    assert doc.path is None  # a copy: the document keeps its own file name
    assert doc.is_modified()


def test_a_failing_view_leaves_the_document_consistent(
    qtbot: QtBot, window: MainWindow, reporter: ExceptionReporter
) -> None:
    doc = window.document
    before = doc.params.copy()
    doc.networkChanged.connect(fail)  # a view whose handler has a bug
    spec, params = add_neuron(doc.spec, doc.params, 1, doc.rng)
    doc.push(EditNetworkCommand(doc, "Add a neuron", spec, params))
    qtbot.waitUntil(lambda: reporter.dialog is not None, timeout=TIMEOUT)
    doc.networkChanged.disconnect(fail)
    assert doc.spec == spec
    assert doc.params.allclose(params)
    doc.undo_stack.undo()
    assert doc.params.allclose(before)
    doc.undo_stack.redo()
    assert doc.params.allclose(params)


def test_a_command_that_fails_is_taken_off_the_stack(window: MainWindow) -> None:
    doc = window.document

    class Broken(SetParameterCommand):
        def redo(self) -> None:
            raise ValueError("a bug in a command")

    doc.push(SetParameterCommand(doc, ParamRef.weight(1, 0, 0), 0.25))
    before = doc.params.copy()
    with pytest.raises(ValueError, match="a bug in a command"):
        doc.push(Broken(doc, ParamRef.weight(1, 0, 0), 0.5))
    assert doc.undo_stack.count() == 1
    assert doc.undo_stack.undoText().startswith("Set w")
    assert doc.params.allclose(before)
    doc.undo_stack.undo()
    assert doc.params.W[0][0, 0] != 0.25
