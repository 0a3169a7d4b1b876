"""``bpstudio --screenshot PATH``: render the main window to a PNG, then quit.

The window is shown (offscreen with ``QT_QPA_PLATFORM=offscreen``), trained for
``--train-steps`` mini-batches in its training process so the picture shows a trained
network, and grabbed. With zero steps and nothing asked for (no template, project,
walkthrough or presenter mode) it is grabbed as soon as it is first painted (the start-up
benchmark, ``bench/startup.py``, times exactly that: the picture records when the first
paint was done). After training, the hidden weight with the largest gradient is selected so
the chain-rule panel has something to show.

Otherwise the picture waits, without sleeping, for a settled window: training stopped, a
snapshot of the document's step with the probe example's forward pass received, every
frame the frame clock holds published, and every background job (the C(w) slice) finished
and drawn. A window that does not settle within :data:`TIMEOUT_S` is an error saying what
it waited for. The window then closes as it does for a person: the training process ends
with it.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSize, QTimer, Signal

from bpstudio.app import window_layout
from bpstudio.app.background import LatestJob
from bpstudio.app.main_window import MainWindow
from bpstudio.app.pacing import frame_clock
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
#: Rounds of redraws and background jobs at most before the window counts as never settling
#: (each round is what the previous one asked for; a settled window needs two or three).
SETTLE_ROUNDS = 50


@dataclass(frozen=True)
class ScreenshotRequest:
    path: Path
    train_steps: int = 0
    size: tuple[int, int] | None = None
    #: Wait for a settled window even without training (a template, project, walkthrough
    #: or presenter mode was asked for: its picture should show the probe's values).
    settle: bool = False


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


def snapshot_settled(window: MainWindow) -> bool:
    """The window's last snapshot is of the document's network and step, not of a run,
    and carries the probe example's forward pass (the canvas can show activations)."""
    snapshot = window.controller.snapshot
    project = window.document.project
    return (
        snapshot is not None
        and not snapshot.running
        and not window.controller.running
        and snapshot.spec == project.spec
        and snapshot.step == project.step
        and snapshot.probe is not None
        and snapshot.probe.index == window.controller.probe_index
        and snapshot.probe_readout is not None
    )


def drain_views(window: MainWindow, rounds: int = SETTLE_ROUNDS) -> bool:
    """Run the window's waiting redraws and finish its background jobs, and what they ask
    for in turn, until nothing waits; False if that did not happen within ``rounds``."""
    for _ in range(rounds):
        QCoreApplication.sendPostedEvents()  # queued signals, layout requests
        for plot in window.findChildren(pg.GraphicsView):
            # A plot fits its axes to new data when it next paints, after its axes were
            # drawn (the grab would show the old range): fit them now.
            plot.scene().prepareForPaint()
        jobs = [job for job in window.findChildren(LatestJob) if job.busy]
        ran = frame_clock().flush()
        for job in jobs:
            if not job.flush(int(TIMEOUT_S * 1000)):
                return False
        if not jobs and not ran and not any(j.busy for j in window.findChildren(LatestJob)):
            return True
    return False


class Screenshot(QObject):
    """Drives one window from its first paint to the saved picture and its closing.

    Signals
    -------
    finished(int) : the picture was saved (0) or could not be taken (1), and the window
        closed.
    """

    finished = Signal(int)

    def __init__(self, window: MainWindow, request: ScreenshotRequest) -> None:
        super().__init__(window)
        self.window = window
        self.request = request
        self.exit_code = 0
        #: What the picture waits for (named by the error when it never comes).
        self.waiting_for = "the first paint"
        self._target_step = 0
        self._first_paint_at = math.nan
        self._timeout = QTimer(self)
        self._timeout.setSingleShot(True)
        self._timeout.timeout.connect(self._on_timeout)
        if request.size is not None:
            # Laid out as on a screen of that size (small ones tab the secondary docks).
            window.setProperty(window_layout.SCREEN_SIZE_PROPERTY, QSize(*request.size))
            window.reset_layout()
            window.resize(*request.size)
        _FirstPaint(window, self._on_painted)

    def start(self) -> None:
        self._timeout.start(int(TIMEOUT_S * 1000))

    def _on_painted(self) -> None:
        self._first_paint_at = time.time()
        if self.request.train_steps <= 0 and not self.request.settle:
            self._grab()
            return
        controller = self.window.controller
        if controller.snapshot is not None:
            self._on_first_snapshot()
        else:  # the process has not built its trainer yet: a run sent now would be ignored
            self.waiting_for = "the training process's first snapshot"
            controller.snapshotShown.connect(self._on_first_snapshot)

    def _on_first_snapshot(self, _snapshot: Snapshot | None = None) -> None:
        controller = self.window.controller
        if _snapshot is not None:
            controller.snapshotShown.disconnect(self._on_first_snapshot)
        if self.request.train_steps > 0:
            self._train()
        else:
            self._await_snapshot()

    def _train(self) -> None:
        controller = self.window.controller
        self._target_step = self.window.document.project.step + self.request.train_steps
        self.waiting_for = f"training to reach step {self._target_step}"
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
        self._await_snapshot()

    def _await_snapshot(self) -> None:
        """Go on once the last snapshot shows the document's step with the probe's pass."""
        if snapshot_settled(self.window):
            self._settle()
            return
        self.waiting_for = "a snapshot of the trained network with the probe's forward pass"
        controller = self.window.controller
        controller.snapshotShown.connect(self._on_snapshot)
        controller.refresh()  # answers with a snapshot of the current state

    def _on_snapshot(self, _snapshot: Snapshot) -> None:
        if snapshot_settled(self.window):
            self.window.controller.snapshotShown.disconnect(self._on_snapshot)
            self._settle()

    def _settle(self) -> None:
        """Every view draws the settled state (its paced redraws and background jobs
        done), then the picture is taken."""
        self.waiting_for = "the views' redraws and background jobs (the C(w) slice)"
        if not drain_views(self.window):
            self._fail(f"the window did not settle: still waiting for {self.waiting_for}")
            return
        self._grab()

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
        self._fail(f"no screenshot after {TIMEOUT_S:.0f} s: still waiting for {self.waiting_for}")

    def _fail(self, message: str) -> None:
        print(f"bpstudio: error: {message}", file=sys.stderr)
        self.exit_code = 1
        self._close()

    def _close(self) -> None:
        self._timeout.stop()
        # What training did is not the user's work: close without asking to save it.
        self.window.document.undo_stack.setClean()
        self.window.close()
        self.finished.emit(self.exit_code)
