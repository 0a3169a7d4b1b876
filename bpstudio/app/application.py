"""Start the desktop app: ``bpstudio [project.bpstudio] [--screenshot out.png]
[--worker process|thread] [--walkthrough N]``."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from bpstudio import __version__
from bpstudio.app.worker import BACKENDS
from bpstudio.core.errors import BPStudioError
from bpstudio.core.resources import resource_path

APP_NAME = "Backprop Studio"
ORGANIZATION = "Backprop Studio"


def _screen_number(text: str) -> int:
    """A walkthrough screen, 1..11 (argparse turns the error into a one-line message)."""
    from bpstudio.app.walkthrough.screens import SCREENS

    if not text.isdigit() or not 1 <= int(text) <= len(SCREENS):
        raise argparse.ArgumentTypeError(
            f"expected a screen from 1 to {len(SCREENS)}, got {text!r}"
        )
    return int(text)


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bpstudio", description="Open Backprop Studio.")
    parser.add_argument("project", nargs="?", type=Path, help="a .bpstudio project to open")
    parser.add_argument(
        "--screenshot",
        type=Path,
        help="open the window, save a PNG of it to this path, and quit",
    )
    parser.add_argument(
        "--template",
        help="start from a template (note, note_examples, note_paths, xor, spirals, sine, "
        "digits, empty)",
    )
    parser.add_argument(
        "--walkthrough",
        type=_screen_number,
        metavar="N",
        help="open Help > Walk Through the Note at screen N (1 to 11)",
    )
    parser.add_argument(
        "--worker",
        choices=BACKENDS,
        help="where training runs: its own process (the default) or a thread of the window; "
        "this run only (View > Run Training remembers a choice)",
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


def run_app(argv: Sequence[str]) -> int:
    args = _parse(argv)
    app = make_application()
    from bpstudio.app.main_window import MainWindow
    from bpstudio.app.worker import WorkerOptions
    from bpstudio.core.training.process import stop_resource_tracker

    window = MainWindow(worker=WorkerOptions(backend=args.worker) if args.worker else None)
    if args.template:
        window.new_from_template(args.template)
    if args.project is not None:
        window.open_path(args.project)
    window.show()
    if args.walkthrough is not None:
        window.open_walkthrough(args.walkthrough - 1)
    elif args.project is None and not args.template and args.screenshot is None:
        window.offer_walkthrough()
    if args.screenshot is not None:
        target = args.screenshot

        def grab() -> None:
            window.grab().save(str(target))
            window.close()

        # Let layouts settle and the worker deliver its first snapshot.
        QTimer.singleShot(1500, grab)
    code = app.exec()
    # Nothing outlives the app: the training process (closing the window ended it, unless
    # the app quit another way) and multiprocessing's resource tracker.
    window.controller.shutdown()
    stop_resource_tracker()
    return code
