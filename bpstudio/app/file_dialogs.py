"""Every file chooser of the app, each opening where the last file of its kind was.

One :class:`FileDialogs` per window asks for every path (projects, exported weights and
images, imported weights, CSV data) and remembers, in QSettings, the folder of the last
file chosen for each :class:`FileKind`; the next chooser of that kind opens there, not in
the home folder. The chooser itself is a callable (Qt's dialog by default), so tests
answer for the user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QWidget


class FileKind(Enum):
    """A kind of file; each remembers its own folder (the value is its settings key)."""

    PROJECT = "project"
    EXPORT = "export"  # weights written for another framework
    IMAGE = "image"  # a picture of the canvas or a plot
    WEIGHTS = "weights"  # weights read back in
    CSV = "csv"  # data imported from a CSV file


@dataclass(frozen=True)
class FileRequest:
    """What a chooser is asked: ``mode`` "open" or "save"; ``start`` is the folder to open
    in, with the suggested file name when saving."""

    mode: str
    kind: FileKind
    title: str
    start: Path
    file_filter: str
    parent: QWidget | None = None


#: Answers a request with the chosen path, or None when the user cancelled.
Chooser = Callable[[FileRequest], Path | None]


def qt_chooser(request: FileRequest) -> Path | None:
    """Qt's own file dialog."""
    ask = QFileDialog.getOpenFileName if request.mode == "open" else QFileDialog.getSaveFileName
    name, _ = ask(request.parent, request.title, str(request.start), request.file_filter)
    return Path(name) if name else None


def _key(kind: FileKind) -> str:
    return f"files/folder_for/{kind.value}"


class FileDialogs:
    """Asks for paths with ``chooser`` and remembers each kind's last folder in ``settings``.

    A kind never used yet opens in the folder of the last project (``files/last_dir``, the
    setting the recent-files list keeps), else in ``home``.
    """

    def __init__(
        self, settings: QSettings, chooser: Chooser | None = None, home: Path | None = None
    ) -> None:
        self.settings = settings
        self.chooser: Chooser = chooser or qt_chooser
        self.home = home or Path.home()

    def last_folder(self, kind: FileKind) -> Path:
        for key in (_key(kind), "files/last_dir"):
            value = self.settings.value(key)
            if value and Path(str(value)).is_dir():
                return Path(str(value))
        return self.home

    def remember(self, kind: FileKind, path: Path) -> None:
        """``path``'s folder is where the next chooser of ``kind`` opens."""
        self.settings.setValue(_key(kind), str(path.parent))

    def open_path(
        self,
        kind: FileKind,
        title: str,
        file_filter: str,
        parent: QWidget | None = None,
        start: Path | None = None,
    ) -> Path | None:
        """Ask for a file to read (in ``start`` if given, else the kind's last folder)."""
        folder = start if start is not None and start.is_dir() else self.last_folder(kind)
        return self._ask(FileRequest("open", kind, title, folder, file_filter, parent))

    def save_path(
        self,
        kind: FileKind,
        title: str,
        name: str,
        file_filter: str,
        parent: QWidget | None = None,
    ) -> Path | None:
        """Ask where to write a file, suggesting ``name`` in the kind's last folder."""
        start = self.last_folder(kind) / name
        return self._ask(FileRequest("save", kind, title, start, file_filter, parent))

    def _ask(self, request: FileRequest) -> Path | None:
        path = self.chooser(request)
        if path is not None:
            self.remember(request.kind, path)
        return path


_shared: FileDialogs | None = None


def share(dialogs: FileDialogs) -> None:
    """Make ``dialogs`` the one :func:`shared` returns (the main window's)."""
    global _shared
    _shared = dialogs


def shared() -> FileDialogs:
    """The window's :class:`FileDialogs`, for a dialog built far from the window (the CSV
    import); one on the application's settings before any window exists."""
    global _shared
    if _shared is None:
        _shared = FileDialogs(QSettings())
    return _shared
