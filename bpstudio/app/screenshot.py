"""``bpstudio --screenshot PATH``: render the main window to a PNG, then quit.

The window is shown (offscreen with ``QT_QPA_PLATFORM=offscreen``), trained for
``--train-steps`` mini-batches in its training process so the picture shows a trained
network, and grabbed. With zero steps it is grabbed as soon as it is first painted (the
start-up benchmark, ``bench/startup.py``, times exactly that: the picture records when the
first paint was done). After training, the hidden
weight with the largest gradient is selected so the chain-rule panel has something to show.
The window then closes as it does for a person: the training process ends with it.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from bpstudio.app.main_window import MainWindow
from bpstudio.app.selection import Selection
from bpstudio.app.worker import StopConditions
from bpstudio.core.errors import BPStudioError
from bpstudio.core.files.atomic import atomic_path
from bpstudio.core.training.snapshot import Snapshot

#: Give up (exit status 1) if the picture is not taken within this many seconds.
TIMEOUT_S = 120.0
#: The PNG text field holding when the window was first painted (seconds since the epoch,
#: ``time.time()``), for the start-up benchmark.
FIRST_PAINT_KEY = "bpstudio-first-paint"
#: After training, time for the paced views (chain rule 4 Hz) to draw the final state.
SETTLE_MS = 400


@dataclass(frozen=True)
class ScreenshotRequest:
    path: Path
    train_steps: int = 0
    size: tuple[int, int] | None = None


def parse_size(text: str) -> tuple[int, int]:
    """``"1280x720"`` → ``(1280, 720)``; a clear error otherwise."""
    width, sep, height = text.lower().partition("x")
    if not sep or not width.isdigit() or not height.isdigit():
        raise BPStudioError(f"--size: expected WIDTHxHEIGHT such as 1280x720, got {text!r}")
    size = int(width), int(height)
    if not (100 <= size[0] <= 10000 and 100 <= size[1] <= 10000):
        raise BPStudioError(f"--size: {text!r} is outside 100x100 .. 10000x10000")
    return size


def check_target(path: Path) -> None:
    """Refuse, before the window opens, a picture that could not be written."""
    if path.suffix.lower() != ".png":
        raise BPStudioError(f"{path}: the screenshot is a PNG; give a path ending in .png")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise BPStudioError(f"cannot write {path}: folder {folder} does not exist")


class _FirstPaint(QObject):
    """Calls ``then`` once, after the watched window's first paint event."""

    def __init__(self, window: MainWindow, then: Callable[[], None]) -> None:
        super().__init__(window)
        self._window = window
        self._then = then
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self._window and event.type() == QEvent.Type.Paint:
            self._window.removeEventFilter(self)
            QTimer.singleShot(0, self._then)
        return False


class Screenshot(QObject):
    """Drives one window from its first paint to the saved picture and its closing."""

    def __init__(self, window: MainWindow, request: ScreenshotRequest) -> None:
        super().__init__(window)
        self.window = window
        self.request = request
        self.exit_code = 0
        self._target_step = 0
        self._first_paint_at = math.nan
        self._timeout = QTimer(self)
        self._timeout.setSingleShot(True)
        self._timeout.timeout.connect(self._on_timeout)
        if request.size is not None:
            window.resize(*request.size)
        _FirstPaint(window, self._on_painted)

    def start(self) -> None:
        self._timeout.start(int(TIMEOUT_S * 1000))

    def _on_painted(self) -> None:
        self._first_paint_at = time.time()
        if self.request.train_steps <= 0:
            self._grab()
            return
        controller = self.window.controller
        if controller.snapshot is not None:
            self._train()
        else:  # the process has not built its trainer yet: a run sent now would be ignored
            controller.snapshotReceived.connect(self._on_first_snapshot)

    def _on_first_snapshot(self, _snapshot: Snapshot) -> None:
        self.window.controller.snapshotReceived.disconnect(self._on_first_snapshot)
        self._train()

    def _train(self) -> None:
        controller = self.window.controller
        self._target_step = self.window.document.project.step + self.request.train_steps
        controller.trainingStopped.connect(self._on_stopped)
        controller.run(StopConditions(max_steps=self._target_step, steps_per_second=None))

    def _on_stopped(self, reason: str) -> None:
        self.window.controller.trainingStopped.disconnect(self._on_stopped)
        if self.window.document.project.step < self._target_step:
            self._fail(f"training stopped before {self.request.train_steps} steps: {reason}")
            return
        snapshot = self.window.controller.snapshot
        if snapshot is not None:
            self._select_largest_gradient(snapshot)
        QTimer.singleShot(SETTLE_MS, self._grab)

    def _select_largest_gradient(self, snapshot: Snapshot) -> None:
        grads = snapshot.batch_grads
        if grads is None:
            return
        layer = 2 if len(grads.dW) > 1 else 1  # a hidden layer's weight when there is one
        dW = np.abs(grads.dW[layer - 1])
        j, k = np.unravel_index(int(np.argmax(dW)), dW.shape)
        self.window.selection.select(Selection.weight(layer, int(j), int(k)))

    def _grab(self) -> None:
        path = self.request.path
        try:
            image = self.window.grab().toImage()
            image.setText(FIRST_PAINT_KEY, repr(self._first_paint_at))
            with atomic_path(path) as tmp:
                if not image.save(str(tmp), "PNG"):  # type: ignore[call-overload]
                    raise BPStudioError(f"could not write the image {path}")
        except (BPStudioError, OSError) as exc:
            self._fail(str(exc))
            return
        self._close()

    def _on_timeout(self) -> None:
        self._fail(f"no screenshot after {TIMEOUT_S:.0f} s")

    def _fail(self, message: str) -> None:
        print(f"bpstudio: error: {message}", file=sys.stderr)
        self.exit_code = 1
        self._close()

    def _close(self) -> None:
        self._timeout.stop()
        # What training did is not the user's work: close without asking to save it.
        self.window.document.undo_stack.setClean()
        self.window.close()
        app = QApplication.instance()
        if app is not None:
            app.exit(self.exit_code)
