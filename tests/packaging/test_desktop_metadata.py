"""Desktop metadata: the entry, the AppStream metainfo, the icons and the version agree with
each other and pass the freedesktop validators; ``bpstudio install-desktop`` installs them."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

import bpstudio
from bpstudio.cli import main
from bpstudio.desktop import APP_ID, DESKTOP, METAINFO

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "resources"
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
SCREENSHOT_PREFIX = "https://raw.githubusercontent.com/bpstudio/bpstudio/main/"


def validator(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian: desktop-file-utils, appstream)")
    return path


def metainfo() -> ET.Element:
    return ET.parse(RESOURCES / METAINFO).getroot()


def test_desktop_entry_passes_desktop_file_validate() -> None:
    result = subprocess.run(
        [validator("desktop-file-validate"), str(RESOURCES / DESKTOP)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""  # not even a hint


def test_metainfo_passes_appstreamcli_validate() -> None:
    result = subprocess.run(
        [validator("appstreamcli"), "validate", "--no-net", str(RESOURCES / METAINFO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ids_agree() -> None:
    root = metainfo()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == DESKTOP
    assert (RESOURCES / DESKTOP).is_file()


def test_the_version_is_in_one_place_and_every_history_names_it() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["hatch"]["version"]["path"] == "bpstudio/__init__.py"
    releases = [r.get("version") for r in metainfo().iter("release")]
    assert releases[0] == bpstudio.__version__  # newest first
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    versions = re.findall(r"^## \[(\d[^\]]*)\]", changelog, flags=re.MULTILINE)
    assert versions[0] == bpstudio.__version__
    assert versions == releases


def test_version_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"bpstudio {bpstudio.__version__}"


def test_metainfo_screenshots_are_the_repositorys_pictures() -> None:
    images = list(metainfo().iter("image"))
    assert len(images) >= 2
    for image in images:
        url = image.text or ""
        assert url.startswith(SCREENSHOT_PREFIX), url
        picture = QImage(str(ROOT / url.removeprefix(SCREENSHOT_PREFIX)))
        assert not picture.isNull(), url
        assert (picture.width(), picture.height()) == (
            int(image.get("width", 0)),
            int(image.get("height", 0)),
        ), url


def test_icons_exist_at_every_size_and_match_the_svg() -> None:
    for size in ICON_SIZES:
        image = QImage(
            str(RESOURCES / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "bpstudio.png")
        )
        assert (image.width(), image.height()) == (size, size)
    result = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "make_icons.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_install_desktop_for_this_user_and_uninstall(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    command = tmp_path / "My Apps" / "bpstudio"
    assert main(["install-desktop", "--exec", str(command)]) == 0
    entry = tmp_path / "applications" / DESKTOP
    text = entry.read_text(encoding="utf-8")
    assert f'Exec="{command}" %f' in text
    assert f'TryExec="{command}"' in text
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(
            ["desktop-file-validate", str(entry)], capture_output=True, text=True, check=False
        )
        assert check.returncode == 0, check.stdout
    for size in ICON_SIZES:
        assert (tmp_path / f"icons/hicolor/{size}x{size}/apps/bpstudio.png").is_file()
    assert (tmp_path / "icons/hicolor/scalable/apps/bpstudio.svg").is_file()
    assert (tmp_path / "metainfo" / METAINFO).is_file()
    assert (tmp_path / "mime/packages/bpstudio.xml").is_file()

    assert main(["install-desktop", "--uninstall"]) == 0
    left = [p for p in tmp_path.rglob("*") if p.is_file() and "bpstudio" in p.name.lower()]
    assert left == []
    capsys.readouterr()
