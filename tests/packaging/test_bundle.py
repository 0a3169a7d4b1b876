"""The one-folder bundle: PyInstaller builds ``bpstudio/`` from packaging/bpstudio.spec, and
its executable runs the command line and the window, training in a process that the frozen
executable starts (spawn) and that ends with it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from launch import run_clean
from PySide6.QtGui import QImage

import bpstudio

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def executable(tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        pytest.fail("PyInstaller is missing: pip install -e '.[packaging]' (make test-all does)")
    folder = tmp_path_factory.mktemp("bundle")
    subprocess.run(
        [
            sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
            "--distpath", str(folder / "dist"), "--workpath", str(folder / "build"),
            str(ROOT / "packaging" / "bpstudio.spec"),
        ],
        check=True,
        cwd=folder,
    )  # fmt: skip
    name = "bpstudio.exe" if sys.platform == "win32" else "bpstudio"
    path = folder / "dist" / "bpstudio" / name
    assert path.is_file()
    return path


def run(executable: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_clean([str(executable), *args], cwd)


def test_version(executable: Path, tmp_path: Path) -> None:
    result = run(executable, "--version", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"bpstudio {bpstudio.__version__}"


def test_headless_training_on_the_bundled_digits(executable: Path, tmp_path: Path) -> None:
    result = run(
        executable,
        "train", "--layers", "64,32,10", "--output-activation", "softmax",
        "--loss", "cross_entropy", "--dataset", "digits", "--epochs", "2", "--json", "-q",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["train_accuracy"] > 0.5


def test_screenshot_after_training_in_the_frozen_process(executable: Path, tmp_path: Path) -> None:
    target = tmp_path / "bundle.png"
    result = run(
        executable,
        "--screenshot", str(target), "--template", "xor", "--train-steps", "50",
        "--size", "1280x720",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    image = QImage(str(target))
    assert (image.width(), image.height()) == (1280, 720)


def test_unused_qt_modules_are_left_out(executable: Path) -> None:
    internal = executable.parent / "_internal"
    for module in ("QtNetwork", "QtQml", "QtQuick", "QtTest", "QtSql"):
        assert not list(internal.glob(f"PySide6/{module}.*")), module
    for folder in ("translations", "plugins/platformthemes/libqgtk3.so"):
        assert not (internal / "PySide6" / "Qt" / folder).exists(), folder
    assert (internal / "bpstudio" / "_resources" / "data" / "digits.npz").is_file()
