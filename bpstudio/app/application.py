"""Start the desktop app: ``bpstudio [PROJECT | --template NAME] [--worker process|thread]
[--walkthrough N] [--presenter]``,
or render it to a picture with ``--screenshot PATH [--train-steps N] [--size WxH]`` (see
:mod:`bpstudio.app.screenshot`).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from bpstudio import APP_ID, __version__
from bpstudio.app import heap
from bpstudio.app.theme import THEMES, use_theme
from bpstudio.app.worker import BACKENDS, WorkerOptions
from bpstudio.core.errors import BPStudioError
from bpstudio.core.resources import resource_path

if TYPE_CHECKING:
    from bpstudio.app.main_window import MainWindow
    from bpstudio.core.files.recovery import RecoveryInfo

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
        metavar="PATH",
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
        "--train-steps",
        type=int,
        default=0,
        metavar="N",
        help="with --screenshot: train N mini-batches first (default 0: the first paint)",
    )
    parser.add_argument(
        "--size", metavar="WxH", help="with --screenshot: the window's size, e.g. 1280x720"
    )
    parser.add_argument(
        "--presenter",
        action="store_true",
        help="start in presenter mode (large type, high contrast: View > Presenter Mode)",
    )
    parser.add_argument(
        "--theme",
        choices=sorted(THEMES),
        help="light or dark colours for this run only (Preferences remembers a choice)",
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
    app.setDesktopFileName(APP_ID)
    heap.install(app)  # the cyclic collector runs in the GUI thread only
    # A broken installation still runs, without its icon.
    with contextlib.suppress(BPStudioError):
        app.setWindowIcon(application_icon())
    return app


def application_icon() -> QIcon:
    """The icon at every size rendered into ``resources/icons/hicolor`` (PNGs: no SVG
    plugin needed, and each small size is drawn for its size)."""
    icon = QIcon()
    for path in sorted(resource_path("icons", "hicolor").glob("*/apps/bpstudio.png")):
        icon.addFile(str(path))
    if icon.isNull():
        raise BPStudioError("the application icon's PNGs are missing")
    return icon


def open_window(
    args: argparse.Namespace,
    confirm_restore: Callable[[RecoveryInfo], bool] | None = None,
    settings: QSettings | None = None,
) -> MainWindow:
    """The main window as the app starts it: the exception hook installed, work left by a
    crash offered back (``confirm_restore`` answers instead of a dialog), then the project
    or template asked for."""
    from bpstudio.app.excepthook import ExceptionReporter
    from bpstudio.app.main_window import MainWindow

    window = MainWindow(settings, worker=_worker_options(args))
    reporter = ExceptionReporter(window.save_copy, window, parent=window)
    reporter.install()
    window.destroyed.connect(reporter.uninstall)
    restored = window.offer_recovery(confirm_restore)
    if not restored:
        if args.template:
            window.new_from_template(args.template)
        if args.project is not None:
            window.open_path(args.project)
    _apply_view_options(window, args)
    return window


def _apply_view_options(window: MainWindow, args: argparse.Namespace) -> None:
    """This run's ``--theme`` and ``--presenter``, once the project is open."""
    if args.theme is not None:
        use_theme(THEMES[args.theme])
    if args.presenter:
        window.presenter.set_active(True)


def run_app(argv: Sequence[str]) -> int:
    args = _parse(argv)
    if args.screenshot is not None:
        return _run_screenshot(args)
    app = make_application()
    window = open_window(args)
    window.show()
    if args.walkthrough is not None:
        window.open_walkthrough(args.walkthrough - 1)
    elif args.project is None and not args.template:
        window.offer_walkthrough()
    code = app.exec()
    _leave_nothing_running(window)
    return code


def _worker_options(args: argparse.Namespace) -> WorkerOptions | None:
    # The training backend starts after the window's first paint (see WorkerOptions).
    return WorkerOptions(backend=args.worker, deferred=True) if args.worker else None


def _leave_nothing_running(window: MainWindow) -> None:
    """Nothing outlives the app: the training process (closing the window ended it, unless
    the app quit another way) and multiprocessing's resource tracker."""
    from bpstudio.core.training.process import stop_resource_tracker

    window.controller.shutdown()
    stop_resource_tracker()


def _run_screenshot(args: argparse.Namespace) -> int:
    from bpstudio.app.screenshot import Screenshot, ScreenshotRequest, check_target, parse_size

    try:
        if args.train_steps < 0:
            raise BPStudioError("--train-steps must not be negative")
        size = parse_size(args.size) if args.size else None
        check_target(args.screenshot)
    except BPStudioError as exc:
        print(f"bpstudio: error: {exc}", file=sys.stderr)
        return 2
    app = make_application()
    from bpstudio.app.main_window import MainWindow

    # The picture must not depend on (or change) the user's saved window layout, nor leave
    # or offer back recovery files.
    with tempfile.TemporaryDirectory(prefix="bpstudio-screenshot-") as folder:
        settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(
            settings, worker=_worker_options(args), recovery_folder=Path(folder) / "recovery"
        )
        if args.template:
            window.new_from_template(args.template)
        if args.project is not None:
            window.open_path(args.project)
        _apply_view_options(window, args)
        settle = bool(
            args.template or args.project is not None or args.walkthrough is not None
        ) or bool(args.presenter)
        request = ScreenshotRequest(args.screenshot, args.train_steps, size, settle)
        shot = Screenshot(window, request)
        shot.finished.connect(app.exit)
        window.show()
        if args.walkthrough is not None:
            window.open_walkthrough(args.walkthrough - 1)
        shot.start()
        app.exec()
        _leave_nothing_running(window)
        return shot.exit_code
