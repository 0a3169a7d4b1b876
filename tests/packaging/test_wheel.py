"""The wheel carries everything: built, installed into a fresh virtual environment outside
the source tree, it runs headless, trains on the bundled digits and opens its window."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from launch import clean_environment, run_clean
from PySide6.QtGui import QImage

import bpstudio

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin`` folder of a new virtual environment with the wheel installed."""
    folder = tmp_path_factory.mktemp("wheel")
    wheels = folder / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        check=True,
        cwd=folder,
    )
    (wheel,) = wheels.glob("bpstudio-*.whl")
    assert wheel.name.startswith(f"bpstudio-{bpstudio.__version__}-")
    env_dir = folder / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel)],
        check=True,
        cwd=folder,
        env=clean_environment(),
    )
    return bin_dir


def run(installed: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_clean([str(installed / "bpstudio"), *args], cwd)


def test_version(installed: Path, tmp_path: Path) -> None:
    result = run(installed, "--version", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"bpstudio {bpstudio.__version__}"


def test_resources_come_from_inside_the_wheel(installed: Path, tmp_path: Path) -> None:
    script = (
        "import json, bpstudio\n"
        "from bpstudio.core.resources import resource_path\n"
        "from bpstudio.core.files.templates import TEMPLATES, make_project\n"
        "for name in TEMPLATES: make_project(name)\n"
        "paths = [resource_path(*p.split('/')) for p in "
        "('data/digits.npz', 'data/README.md', 'icons/bpstudio.svg', "
        "'icons/hicolor/256x256/apps/bpstudio.png', "
        "'io.github.bpstudio.BackpropStudio.desktop', "
        "'io.github.bpstudio.BackpropStudio.metainfo.xml')]\n"
        "print(json.dumps([bpstudio.__file__, *map(str, paths)]))\n"
    )
    result = subprocess.run(
        [str(installed / "python"), "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean_environment(),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    env_dir = installed.parent.resolve()
    for path in json.loads(result.stdout):
        assert Path(path).resolve().is_relative_to(env_dir), path
    assert not Path(json.loads(result.stdout)[0]).resolve().is_relative_to(ROOT)


def test_every_resource_is_inside_the_installed_package(installed: Path) -> None:
    """Data, icons, metadata, and whatever is added to resources/ later (sample projects,
    the user guide): the wheel carries the whole folder."""
    where = subprocess.run(
        [str(installed / "python"), "-c", "import bpstudio; print(bpstudio.__file__)"],
        capture_output=True,
        text=True,
        cwd=installed,  # not the source tree: -c puts the working folder first on sys.path
        env=clean_environment(),
        check=True,
    )
    packaged = Path(where.stdout.strip()).parent / "_resources"
    source = ROOT / "resources"
    expected = sorted(p.relative_to(source) for p in source.rglob("*") if p.is_file())
    assert expected
    assert sorted(p.relative_to(packaged) for p in packaged.rglob("*") if p.is_file()) == expected


def test_desktop_files_are_shared_data(installed: Path) -> None:
    share = installed.parent / "share"
    assert (share / "applications/io.github.bpstudio.BackpropStudio.desktop").is_file()
    assert (share / "metainfo/io.github.bpstudio.BackpropStudio.metainfo.xml").is_file()
    assert (share / "icons/hicolor/512x512/apps/bpstudio.png").is_file()
    assert (share / "icons/hicolor/scalable/apps/bpstudio.svg").is_file()


def test_train_on_the_bundled_digits(installed: Path, tmp_path: Path) -> None:
    result = run(
        installed,
        "train", "--layers", "64,32,10", "--output-activation", "softmax",
        "--loss", "cross_entropy", "--dataset", "digits", "--validation", "0.2",
        "--epochs", "3", "--lr", "0.5", "--json", "-q",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["steps"] > 0
    assert summary["validation_accuracy"] > 0.5


def test_window_starts_and_trains_offscreen(installed: Path, tmp_path: Path) -> None:
    target = tmp_path / "digits.png"
    result = run(
        installed,
        "--screenshot", str(target), "--template", "digits", "--train-steps", "20",
        "--size", "1280x720",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "missing" not in result.stderr  # no resource was missing
    image = QImage(str(target))
    assert (image.width(), image.height()) == (1280, 720)
