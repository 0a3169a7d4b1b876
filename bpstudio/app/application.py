"""Start the desktop app: ``bpstudio [project.bpstudio] [--screenshot out.png]``."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from bpstudio import __version__
from bpstudio.core.errors import BPStudioError
from bpstudio.core.resources import resource_path

if TYPE_CHECKING:
    from bpstudio.app.main_window import MainWindow
    from bpstudio.core.files.recovery import RecoveryInfo

APP_NAME = "Backprop Studio"
ORGANIZATION = "Backprop Studio"


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bpstudio", description="Open Backprop Studio.")
    parser.add_argument("project", nargs="?", type=Path, help="a .bpstudio project to open")
    parser.add_argument(
        "--screenshot",
        type=Path,
        help="open the window, save a PNG of it to this path, and quit",
    )
    parser.add_argument(
        "--template", help="start from a template (note, xor, spirals, sine, digits)"
    )
    parser.add_argument("--version", action="version", version=f"bpstudio {__version__}")
    return parser.parse_known_args(list(argv))[0]


def make_application(argv: Sequence[str] = ()) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication([sys.argv[0], *argv])
    app.setApplicationName("bpstudio")
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("bpstudio")
    # A broken installation still runs, without its icon.
    with contextlib.suppress(BPStudioError):
        app.setWindowIcon(QIcon(str(resource_path("icons", "bpstudio.svg"))))
    return app


def open_window(
    args: argparse.Namespace, confirm_restore: Callable[[RecoveryInfo], bool] | None = None
) -> MainWindow:
    """The main window as the app starts it: the exception hook installed, work left by a
    crash offered back (``confirm_restore`` answers instead of a dialog), then the project
    or template asked for."""
    from bpstudio.app.excepthook import ExceptionReporter
    from bpstudio.app.main_window import MainWindow

    window = MainWindow()
    reporter = ExceptionReporter(window.save_copy, window, parent=window)
    reporter.install()
    window.destroyed.connect(reporter.uninstall)
    restored = args.screenshot is None and window.offer_recovery(confirm_restore)
    if not restored:
        if args.template:
            window.new_from_template(args.template)
        if args.project is not None:
            window.open_path(args.project)
    window.show()
    return window


def run_app(argv: Sequence[str]) -> int:
    args = _parse(argv)
    app = make_application()
    window = open_window(args)
    if args.screenshot is not None:
        target = args.screenshot

        def grab() -> None:
            window.grab().save(str(target))
            window.close()

        # Let layouts settle and the worker deliver its first snapshot.
        QTimer.singleShot(1500, grab)
    return app.exec()
