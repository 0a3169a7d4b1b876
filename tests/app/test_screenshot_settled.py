"""``--screenshot`` after training waits for a settled window: every view shows the end."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, QRectF, QSize
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from bpstudio.app import window_layout
from bpstudio.app.main_window import MainWindow
from bpstudio.app.screenshot import Screenshot, ScreenshotRequest, snapshot_settled
from bpstudio.app.theme import theme
from bpstudio.app.worker import StopConditions


def _shoot(
    qtbot: QtBot, window: MainWindow, request: ScreenshotRequest, walkthrough: int | None = None
) -> dict[str, object]:
    """Take the picture; what the views showed when it was taken."""
    shot = Screenshot(window, request)
    seen: dict[str, object] = {}

    def record(code: int) -> None:
        seen["code"] = code
        xs, _ys = window.cost_plot.curves["batch_cost"].getData()
        seen["cost_points"] = 0 if xs is None else len(xs)
        seen["gradient_bars"] = sum(
            int(np.count_nonzero(bar.opts["height"])) for bar in window.gradient_plot.bars.values()
        )
        xs, _ys = window.cost_slice.curve.getData()
        seen["slice_points"] = 0 if xs is None else len(xs)
        # The picture shows the curve (its axes fitted to it before the grab): pixels of the
        # curve's colour where the plot is.
        plot = window.cost_slice.plot_widget
        corner = plot.mapTo(window, QPoint(0, 0))
        picture = QImage(str(request.path)).copy(QRect(corner, plot.size()))
        colour = QColor(theme().plots.train_cost)
        seen["slice_pixels"] = sum(
            picture.pixelColor(x, y) == colour
            for x in range(0, picture.width(), 2)
            for y in range(picture.height())
        )
        values = window.canvas.network_scene.values
        seen["activations"] = values is not None and values.A is not None
        seen["step"] = window.document.project.step

    shot.finished.connect(record)
    window.show()
    if walkthrough is not None:
        window.open_walkthrough(walkthrough)
    shot.start()
    qtbot.waitUntil(lambda: "code" in seen, timeout=120_000)
    assert request.path.is_file()
    return seen


@pytest.mark.parametrize(
    ("template", "steps", "attempt"),
    [("spirals", 30, 1), ("spirals", 30, 2), ("spirals", 30, 3), ("note", 3000, 1)],
)
def test_trained_picture_shows_every_view_settled(
    qtbot: QtBot,
    open_window: Callable[..., MainWindow],
    tmp_path: Path,
    template: str,
    steps: int,
    attempt: int,
) -> None:
    window = open_window()
    window.new_from_template(template)
    target = tmp_path / f"{template}-{attempt}.png"
    seen = _shoot(qtbot, window, ScreenshotRequest(target, steps, (1600, 1000)))
    assert seen["code"] == 0
    assert seen["step"] == steps
    assert int(seen["cost_points"]) >= 2  # type: ignore[call-overload]
    assert int(seen["gradient_bars"]) > 0  # type: ignore[call-overload]
    assert int(seen["slice_points"]) > 0  # type: ignore[call-overload]
    assert int(seen["slice_pixels"]) > 0  # type: ignore[call-overload]
    assert seen["activations"] is True


def test_untrained_walkthrough_picture_waits_for_the_probes_forward_pass(
    qtbot: QtBot, open_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    window = open_window()
    window.new_from_template("note")
    seen = _shoot(
        qtbot, window, ScreenshotRequest(tmp_path / "w.png", 0, (1280, 720), settle=True), 6
    )
    assert seen["code"] == 0
    assert seen["activations"] is True


@pytest.mark.parametrize("size", [(1280, 720), (1600, 1000)])
def test_the_notes_labels_stay_inside_the_canvas_after_training_to_a_tiny_cost(
    qtbot: QtBot, open_window: Callable[..., MainWindow], tmp_path: Path, size: tuple[int, int]
) -> None:
    window = open_window()
    window.new_from_template("note")
    inside: list[bool] = []
    texts: list[str] = []

    def check(_code: int) -> None:
        view = window.canvas
        area = QRectF(view.viewport().rect())
        for text, _points in view.network_scene.annotations.drawn_texts():
            texts.append(text)
        inside.extend(area.contains(view.screen_rect(item)) for item in view.shown_items())

    shot = Screenshot(window, ScreenshotRequest(tmp_path / "note.png", 3000, size))
    shot.finished.connect(check)
    window.show()
    shot.start()
    qtbot.waitUntil(lambda: bool(inside), timeout=120_000)
    assert any("C0" in t and "·10" in t for t in texts)  # trained to a tiny cost
    assert all(inside)


@pytest.mark.parametrize("mode", ["plain", "walkthrough", "presenter"])
def test_the_notes_labels_stay_inside_after_a_run_in_the_window(
    qtbot: QtBot, open_window: Callable[..., MainWindow], mode: str
) -> None:
    window = open_window()
    window.new_from_template("note")
    window.setProperty(window_layout.SCREEN_SIZE_PROPERTY, QSize(1280, 720))
    window.reset_layout()
    window.resize(1280, 720)
    if mode == "presenter":
        window.presenter.set_active(True)
    window.show()
    if mode == "walkthrough":
        window.open_walkthrough(6)
    qtbot.waitUntil(lambda: window.controller.snapshot is not None, timeout=60_000)
    view = window.canvas
    view.fit_network()
    with qtbot.waitSignal(window.controller.trainingStopped, timeout=120_000):
        window.controller.run(StopConditions(max_steps=3000, steps_per_second=None))
    qtbot.waitUntil(lambda: snapshot_settled(window), timeout=60_000)
    QApplication.processEvents()

    def outside() -> list[str]:
        area = QRectF(view.viewport().rect())
        return [
            type(item).__name__
            for item in view.shown_items()
            if not area.contains(view.screen_rect(item))
        ]

    cost = [t for t, _ in view.network_scene.annotations.drawn_texts() if "C0" in t]
    assert len(cost) == 1  # C0 beside the output, after 3000 steps (tiny outside the walkthrough)
    assert outside() == []
