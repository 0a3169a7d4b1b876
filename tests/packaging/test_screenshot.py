"""``bpstudio --screenshot``: a picture of the trained window, and nothing left running."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from launch import clean_environment, run_marked
from PySide6.QtGui import QImage

from bpstudio.app.screenshot import FIRST_PAINT_KEY, check_target, parse_size
from bpstudio.cli import main
from bpstudio.core.errors import BPStudioError

ROOT = Path(__file__).resolve().parents[2]


def bpstudio(*args: str) -> list[str]:
    return [sys.executable, "-m", "bpstudio", *args]


def source_environment() -> dict[str, str]:
    env = clean_environment(PYTHONPATH=str(ROOT))
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # nothing written into the source tree
    return env


def test_size_is_width_by_height() -> None:
    assert parse_size("1280x720") == (1280, 720)
    assert parse_size("1600X1000") == (1600, 1000)


@pytest.mark.parametrize("text", ["1280", "1280x", "x720", "12.5x720", "-5x7", "50x50"])
def test_bad_sizes_are_refused(text: str) -> None:
    with pytest.raises(BPStudioError, match="--size"):
        parse_size(text)


def test_target_must_be_a_png_in_a_folder_that_exists(tmp_path: Path) -> None:
    check_target(tmp_path / "ok.png")
    with pytest.raises(BPStudioError, match="PNG"):
        check_target(tmp_path / "shot.jpg")
    with pytest.raises(BPStudioError, match="does not exist"):
        check_target(tmp_path / "missing" / "shot.png")


def test_screenshot_after_training_steps(tmp_path: Path) -> None:
    target = tmp_path / "xor.png"
    result, left = run_marked(
        bpstudio(
            "--screenshot",
            str(target),
            "--template",
            "xor",
            "--train-steps",
            "60",
            "--size",
            "1100x700",
        ),
        source_environment(),
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert left == []  # the training process ended with the window
    image = QImage(str(target))
    assert (image.width(), image.height()) == (1100, 700)
    assert not list(tmp_path.glob(".xor.png.*"))  # no temporary file left beside it


def test_screenshot_of_the_first_paint_starts_no_training(tmp_path: Path) -> None:
    target = tmp_path / "first.png"
    launched = time.time()
    result, left = run_marked(bpstudio("--screenshot", str(target)), source_environment(), tmp_path)
    ended = time.time()
    assert result.returncode == 0, result.stderr
    assert left == []
    image = QImage(str(target))
    assert not image.isNull()
    assert launched < float(image.text(FIRST_PAINT_KEY)) < ended  # for bench/startup.py


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--screenshot", "shot.jpg"], "PNG"),
        (["--screenshot", "s.png", "--size", "big"], "--size"),
        (["--screenshot", "s.png", "--train-steps", "-1"], "--train-steps"),
    ],
)
def test_bad_screenshot_options_are_one_line_before_any_window(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []
