"""Autosave and crash recovery.

Every running window owns one *session* in the recovery folder (the platform's app data
location, ``.../recovery``): a lock file (:class:`QLockFile`: pid, host and program; stale
once that process has gone) and, while the document has unsaved changes, a recovery file
(:mod:`bpstudio.core.files.recovery`). A recovery file whose lock nobody holds belongs to a
window that crashed or was killed: the next start offers to restore it.

:class:`Autosaver` writes the recovery file a few seconds after each edit (debounced, and
at most ``max_delay_ms`` after the first unsaved edit) and at every training pause. The
GUI thread only copies the project (a few milliseconds for 784-128-10 with a full
history, where serialising it takes about 80); serialising and the atomic write run on a
background thread (:class:`LatestJob`: one at a time, and only the newest). A save, an
undo back to the saved state, or a clean exit removes the file.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QStandardPaths, QTimer, Signal

from bpstudio.app.background import LatestJob
from bpstudio.app.document import Document
from bpstudio.app.selection import Selection, SelectionModel
from bpstudio.core.engine.network import NetworkSpec
from bpstudio.core.files.project import Project
from bpstudio.core.files.recovery import SUFFIX, RecoveryInfo, write_recovery

LOCK_SUFFIX = ".lock"
DELAY_MS = 3000  # quiet time after an edit before autosaving
MAX_DELAY_MS = 15000  # a long drag or a stream of edits still autosaves this often


def default_folder() -> Path:
    """``<app data>/recovery`` (for example ``~/.local/share/Backprop Studio/bpstudio``)."""
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(location) / "recovery"


@dataclass
class Orphan:
    """A recovery file left by a session that has gone; we hold its lock until resolved."""

    path: Path
    lock: QLockFile

    def release(self) -> None:
        """Leave the file for the next start."""
        self.lock.unlock()


class RecoveryFolder:
    """This window's session in the recovery folder, and the sessions others left behind."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.session = f"{os.getpid()}-{secrets.token_hex(4)}"
        self._lock = QLockFile(str(self._lock_path(self.session)))
        self._lock.setStaleLockTime(0)  # held for hours: only a dead owner makes it stale
        if not self._lock.tryLock(0):
            raise OSError(f"cannot lock {self._lock_path(self.session)} ({self._lock.error()})")

    @property
    def path(self) -> Path:
        """This session's recovery file."""
        return self.folder / f"{self.session}{SUFFIX}"

    def _lock_path(self, session: str) -> Path:
        return self.folder / f"{session}{LOCK_SUFFIX}"

    def orphans(self) -> list[Orphan]:
        """Recovery files whose session has gone, newest first.

        What else such sessions left (a stale lock; the temporary file of an autosave
        killed half-way) is deleted.
        """
        sessions: dict[str, list[Path]] = {}
        for path in self.folder.iterdir():
            name = path.name
            if name.endswith(LOCK_SUFFIX):
                session = name[: -len(LOCK_SUFFIX)]
            elif name.startswith(".") and name.endswith(".tmp") and SUFFIX in name:
                session = name[1:].split(SUFFIX, 1)[0]
            elif name.endswith(SUFFIX):
                session = name[: -len(SUFFIX)]
            else:
                continue
            if session != self.session:
                sessions.setdefault(session, []).append(path)
        found: list[Orphan] = []
        for session, paths in sessions.items():
            lock = QLockFile(str(self._lock_path(session)))
            lock.setStaleLockTime(0)
            if not lock.tryLock(0):
                continue  # another window is running: its files are its own
            for path in paths:
                if path.name.endswith(".tmp"):
                    remove_file(path)
            recovery = self.folder / f"{session}{SUFFIX}"
            if recovery.exists():
                found.append(Orphan(recovery, lock))
            else:
                lock.unlock()
        found.sort(key=lambda o: _mtime(o.path), reverse=True)
        return found

    def discard(self, orphan: Orphan) -> None:
        with contextlib.suppress(FileNotFoundError):
            orphan.path.unlink()
        orphan.lock.unlock()

    def close(self) -> None:
        """A clean exit: no recovery file, no lock."""
        remove_file(self.path)
        self._lock.unlock()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def remove_file(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


#: What the window shows beyond the project: a copy of the project (with its view) and
#: the app's own fields for ``recovery.json`` (the selection).
Capture = Callable[[], tuple[Project, dict[str, object]]]


class Autosaver(QObject):
    """Keeps the session's recovery file up to date with the document.

    Signals
    -------
    saved : a recovery file was written (GUI thread).
    removed : the recovery file was removed (nothing unsaved).
    failed(str) : writing it failed; the message says why.
    """

    saved = Signal()
    removed = Signal()
    failed = Signal(str)

    def __init__(
        self,
        document: Document,
        folder: RecoveryFolder,
        capture: Capture,
        delay_ms: int = DELAY_MS,
        max_delay_ms: int = MAX_DELAY_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.folder = folder
        self._capture = capture
        self._job = LatestJob(parent=self)
        self._job.finished.connect(self._on_done)
        self._job.failed.connect(self.failed)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.save_now)
        self.delay_ms = delay_ms
        self.max_delay_ms = max_delay_ms
        self._first_pending: datetime | None = None
        self._closed = False
        #: How many recovery files were written (tests).
        self.saves = 0
        stack = document.undo_stack
        stack.indexChanged.connect(self._on_document_changed)
        stack.cleanChanged.connect(self._on_document_changed)
        # The stack signals once more while it is destroyed, after the document.
        document.destroyed.connect(self._on_document_destroyed)

    @property
    def path(self) -> Path:
        return self.folder.path

    @property
    def busy(self) -> bool:
        return self._timer.isActive() or self._job.busy

    def _on_document_destroyed(self) -> None:
        self._closed = True
        self._timer.stop()

    def _on_document_changed(self, *_: object) -> None:
        if self._closed:
            return
        if self.document.is_modified():
            self.schedule()
        else:
            self.discard()

    def schedule(self) -> None:
        """Autosave once the edits pause (an edit, a new selection); nothing if unmodified."""
        if self._closed or not self.document.is_modified():
            return
        now = datetime.now(UTC)
        if self._first_pending is None:
            self._first_pending = now
        waited_ms = (now - self._first_pending).total_seconds() * 1000.0
        self._timer.start(max(0, min(self.delay_ms, int(self.max_delay_ms - waited_ms))))

    def save_now(self) -> None:
        """Autosave at once (a training pause); nothing if the document is unmodified."""
        self._timer.stop()
        self._first_pending = None
        if self._closed or not self.document.is_modified():
            return
        project, app = self._capture()  # on the GUI thread: a copy the job owns
        path = self.document.path
        info = RecoveryInfo(datetime.now(UTC), path, self.document.title, dict(app))
        self._job.submit(_write, self.path, project, info)

    def discard(self) -> None:
        """Nothing unsaved: remove the recovery file (after a write still running)."""
        self._timer.stop()
        self._first_pending = None
        if not self._closed:
            self._job.submit(_remove, self.path)

    def flush(self) -> None:
        """Write what is pending now and wait for it (tests, scripts)."""
        if self._timer.isActive():
            self.save_now()
        self._job.flush()

    def shutdown(self) -> None:
        """A clean exit: wait for a running write, then remove the file and the lock."""
        if self._closed:
            return
        self._closed = True
        self._timer.stop()
        self._job.shutdown()
        self.folder.close()

    def _on_done(self, wrote: bool) -> None:
        if wrote:
            self.saves += 1
            self.saved.emit()
        else:
            self.removed.emit()


def _write(path: Path, project: Project, info: RecoveryInfo) -> bool:
    write_recovery(path, project, info)
    return True


def _remove(path: Path) -> bool:
    remove_file(path)
    return False


# -- what the window shows beyond the project -------------------------------------------------


def selection_fields(selection: SelectionModel) -> dict[str, object]:
    """The selection for ``recovery.json``'s ``app`` section."""
    current = selection.selection
    return {
        "selection": None
        if current is None
        else {"kind": current.kind, "layer": current.layer, "j": current.j, "k": current.k},
        "layer": selection.layer,
    }


def apply_selection_fields(
    selection: SelectionModel, app: dict[str, object], spec: NetworkSpec
) -> None:
    """Restore what :func:`selection_fields` wrote; anything that does not fit is dropped."""
    layer = _int_or_none(app.get("layer"))
    if layer is not None and 1 <= layer <= spec.n_layers:
        selection.select_layer(layer)
    fields = app.get("selection")
    if not isinstance(fields, dict):
        return
    kind = fields.get("kind")
    l, j, k = (_int_or_none(fields.get(name)) for name in ("layer", "j", "k"))
    if kind not in ("neuron", "weight") or l is None or j is None:
        return
    if k is None and fields.get("k") is not None:
        return
    restored = Selection(str(kind), l, j, k)
    if restored.fits(spec):
        selection.select(restored)


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
