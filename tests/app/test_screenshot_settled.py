"""``--screenshot`` after training waits for a settled window: every view shows the end."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from bpstudio.app.main_window import MainWindow
from bpstudio.app.screenshot import Screenshot, ScreenshotRequest


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


@pytest.mark.parametrize("attempt", range(3))
def test_trained_spirals_picture_shows_every_view_settled(
    qtbot: QtBot, open_window: Callable[..., MainWindow], tmp_path: Path, attempt: int
) -> None:
    window = open_window()
    window.new_from_template("spirals")
    target = tmp_path / f"spirals-{attempt}.png"
    seen = _shoot(qtbot, window, ScreenshotRequest(target, 30, (1600, 1000)))
    assert seen["code"] == 0
    assert seen["step"] == 30
    assert int(seen["cost_points"]) >= 2  # type: ignore[call-overload]
    assert int(seen["gradient_bars"]) > 0  # type: ignore[call-overload]
    assert int(seen["slice_points"]) > 0  # type: ignore[call-overload]
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
