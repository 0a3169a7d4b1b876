"""``bpstudio install-desktop``: put Backprop Studio in the desktop's application menu.

Installs (or with ``--uninstall`` removes) the desktop entry, the icons, the AppStream
metainfo and the project file type for the current user, as the freedesktop specifications
lay them out under ``$XDG_DATA_HOME`` (by default ``~/.local/share``). The files come from
the installation's resources, so this works the same from a wheel, a source checkout and the
one-folder bundle. The entry runs ``--exec COMMAND``: by default this very program (the
bundle's executable, or the ``bpstudio`` beside the running Python). The desktop's caches
are refreshed when their tools are installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import IO

from bpstudio import APP_ID
from bpstudio.core.errors import BPStudioError
from bpstudio.core.files.atomic import atomic_write, atomic_write_text
from bpstudio.core.resources import resource_path

DESKTOP = f"{APP_ID}.desktop"
METAINFO = f"{APP_ID}.metainfo.xml"
MIME = "bpstudio.xml"
ICON = "bpstudio"


def data_home() -> Path:
    value = os.environ.get("XDG_DATA_HOME", "")
    return Path(value) if value and Path(value).is_absolute() else Path.home() / ".local/share"


def default_command() -> str:
    """The program to put in the menu: the bundle's executable, else the ``bpstudio``
    beside this Python, else the one on ``PATH``."""
    if getattr(sys, "frozen", False):
        return sys.executable
    beside = Path(sys.executable).parent / "bpstudio"
    if beside.is_file():
        return str(beside)
    found = shutil.which("bpstudio")
    if found is None:
        raise BPStudioError("no bpstudio command found; give the one to run with --exec")
    return found


def installed_files(home: Path) -> dict[Path, Path]:
    """Destination → source of every file this installs."""
    hicolor = resource_path("icons", "hicolor")
    files = {
        home / "applications" / DESKTOP: resource_path(DESKTOP),
        home / "metainfo" / METAINFO: resource_path(METAINFO),
        home / "mime" / "packages" / MIME: resource_path("mime", MIME),
        home / "icons/hicolor/scalable/apps" / f"{ICON}.svg": resource_path("icons", f"{ICON}.svg"),
    }
    for png in sorted(hicolor.glob(f"*/apps/{ICON}.png")):
        files[home / "icons/hicolor" / png.relative_to(hicolor)] = png
    return files


def desktop_entry(command: str) -> str:
    """The desktop entry with ``Exec``/``TryExec`` running ``command`` (quoted as the
    Desktop Entry specification asks)."""
    quoted = command
    if any(c in command for c in " \t\n\"'\\><~|&;$*?#()`"):
        escaped = command.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`")
        quoted = '"' + escaped.replace("$", "\\$") + '"'
    lines = []
    for line in resource_path(DESKTOP).read_text(encoding="utf-8").splitlines():
        if line.startswith("Exec="):
            line = f"Exec={quoted} %f"
        elif line.startswith("TryExec="):
            line = f"TryExec={quoted}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def refresh_caches(home: Path) -> None:
    for tool, *args in (
        ("update-desktop-database", "-q", str(home / "applications")),
        ("update-mime-database", str(home / "mime")),
        ("gtk-update-icon-cache", "-q", "-t", "-f", str(home / "icons/hicolor")),
    ):
        if shutil.which(tool):
            subprocess.run([tool, *args], check=False)


def _copy(source: Path, out: IO[bytes]) -> None:
    out.write(source.read_bytes())


def install(home: Path, command: str) -> None:
    for target, source in installed_files(home).items():
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.name == DESKTOP:
            atomic_write_text(target, desktop_entry(command))
        else:
            atomic_write(target, partial(_copy, source))
        print(f"installed {target}")
    refresh_caches(home)


def uninstall(home: Path) -> None:
    for target in installed_files(home):
        if target.exists():
            target.unlink()
            print(f"removed {target}")
    refresh_caches(home)


def run(command: str | None, remove: bool) -> int:
    """``bpstudio install-desktop [--exec COMMAND] [--uninstall]``."""
    home = data_home()
    if remove:
        uninstall(home)
        return 0
    command = command or default_command()
    install(home, str(Path(command).resolve()) if os.sep in command else command)
    print("Backprop Studio is in the application menu (log out and in if it does not show).")
    return 0
