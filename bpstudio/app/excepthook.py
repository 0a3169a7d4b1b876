"""Uncaught exceptions become a dialog instead of a line on stderr nobody reads.

:class:`ExceptionReporter` installs ``sys.excepthook`` (PySide calls it for an exception
in a slot or a Qt virtual method) and ``threading.excepthook``. The traceback still goes to
stderr; then, on the GUI thread, :class:`ErrorDialog` shows what happened with a "Copy
details" button and "Save a copy of the project". The dialog is not modal and the event
loop goes on: the app keeps running. Exceptions that follow while it is open (a failing
paint event repeats) are added to the same dialog.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bpstudio import __version__

MAX_SHOWN = 20  # tracebacks one dialog lists; later ones are only counted


class ErrorDialog(QDialog):
    """What went wrong, its details, and a way to keep the work."""

    def __init__(
        self, save_copy: Callable[[], object] | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Backprop Studio: internal error")
        self.setObjectName("ErrorDialog")
        self.count = 0
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setMinimumSize(560, 220)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        self.copy_button = QPushButton("Copy details")
        self.copy_button.clicked.connect(self.copy_details)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button = QPushButton("Save a copy of the project…")
        self.save_button.setEnabled(save_copy is not None)
        if save_copy is not None:
            self.save_button.clicked.connect(lambda: save_copy())
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.details)
        layout.addWidget(buttons)

    def add(self, summary: str, details: str) -> None:
        self.count += 1
        if self.count == 1:
            self.details.setPlainText(f"Backprop Studio {__version__}\n\n{details}")
        elif self.count <= MAX_SHOWN:
            self.details.appendPlainText(f"\n{details}")
        more = f" ({self.count} errors)" if self.count > 1 else ""
        self.summary.setText(
            f"<b>{_escape(summary)}</b>{more}<p>Backprop Studio keeps running. To be safe, "
            "save a copy of the project; please report the details below.</p>"
        )

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())


class ExceptionReporter(QObject):
    """Installs the hooks; shows (or adds to) one :class:`ErrorDialog` per burst.

    Signals
    -------
    reported(str, str) : an uncaught exception: its one-line summary and the traceback
        (emitted from any thread; handled on the GUI thread).
    """

    reported = Signal(str, str)

    def __init__(
        self,
        save_copy: Callable[[], object] | None = None,
        parent_widget: QWidget | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._save_copy = save_copy
        self._parent_widget = parent_widget
        self.dialog: ErrorDialog | None = None
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        self._installed = False
        self._showing = False
        self.reported.connect(self._show)

    def install(self) -> None:
        if not self._installed:
            self._previous_hook = sys.excepthook
            self._previous_thread_hook = threading.excepthook
            sys.excepthook = self._hook
            threading.excepthook = self._thread_hook
            self._installed = True

    def uninstall(self) -> None:
        if self._installed:
            sys.excepthook = self._previous_hook
            threading.excepthook = self._previous_thread_hook
            self._installed = False

    def _hook(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt | SystemExit):
            self._previous_hook(exc_type, exc, tb)
            return
        self._report(exc_type, exc, tb, "")

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        name = f" in thread {args.thread.name}" if args.thread is not None else ""
        self._report(args.exc_type, args.exc_value, args.exc_traceback, name)

    def _report(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
        where: str,
    ) -> None:
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        print(f"bpstudio: uncaught exception{where}:\n{details}", file=sys.stderr, end="")
        message = str(exc).strip().splitlines()
        summary = f"{exc_type.__name__}{where}" + (f": {message[0]}" if message else "")
        self.reported.emit(summary, details)  # queued to the GUI thread from other threads

    def _show(self, summary: str, details: str) -> None:
        if self._showing:
            return  # the dialog itself failed: stderr has it
        self._showing = True
        try:
            if self.dialog is None or not self.dialog.isVisible():
                self.dialog = ErrorDialog(self._save_copy, self._parent_widget)
                self.dialog.add(summary, details)
                self.dialog.show()
            else:
                self.dialog.add(summary, details)
        finally:
            self._showing = False


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
