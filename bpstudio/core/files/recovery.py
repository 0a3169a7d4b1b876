"""Recovery files: what autosave writes so that a crash loses no work.

A recovery file is a project archive (:mod:`bpstudio.core.files.project`) with one more
member, ``recovery.json``::

    {"format": "bpstudio-recovery", "version": 1, "saved_at": "2026-12-01T20:31:07Z",
     "project_path": "/home/ada/xor.bpstudio" | null, "title": "xor", "app": {...}}

``project_path`` is the file the work belongs to (Save writes there after a restore);
``app`` holds what the window shows beyond the project (the selection), validated by the
app when it restores. :meth:`Project.load` reads the project part unchanged, so a recovery
file is also a project any version of the app opens.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bpstudio.core.errors import BPStudioError
from bpstudio.core.files.project import Project

FORMAT_NAME = "bpstudio-recovery"
FORMAT_VERSION = 1
MEMBER = "recovery.json"
SUFFIX = ".bpstudio-recovery"
MAX_INFO_BYTES = 1 << 20  # recovery.json holds a few fields; anything larger is not ours


@dataclass(frozen=True)
class RecoveryInfo:
    """The fields of ``recovery.json``."""

    saved_at: datetime
    project_path: Path | None = None
    title: str = "Untitled"
    app: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "saved_at": self.saved_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "project_path": str(self.project_path) if self.project_path else None,
            "title": self.title,
            "app": self.app,
        }

    @classmethod
    def from_json(cls, document: Any, where: str) -> RecoveryInfo:
        if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
            raise BPStudioError(f"{where}: not a Backprop Studio recovery file")
        if document.get("version") != FORMAT_VERSION:
            raise BPStudioError(
                f"{where}: recovery format version {document.get('version')!r} is not "
                f"supported (this app reads version {FORMAT_VERSION})"
            )
        saved_at = document.get("saved_at")
        path = document.get("project_path")
        title = document.get("title", "Untitled")
        app = document.get("app", {})
        try:
            if not isinstance(saved_at, str):
                raise ValueError
            when = datetime.strptime(saved_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            raise BPStudioError(
                f"{where}: recovery.json 'saved_at' must be a time like 2026-12-01T20:31:07Z"
            ) from None
        if path is not None and not (isinstance(path, str) and path and "\0" not in path):
            raise BPStudioError(f"{where}: recovery.json 'project_path' must be a file name")
        if not isinstance(title, str):
            raise BPStudioError(f"{where}: recovery.json 'title' must be a string")
        if not isinstance(app, dict):
            raise BPStudioError(f"{where}: recovery.json 'app' must be a JSON object")
        return cls(when, Path(path) if path else None, title, app)


def write_recovery(path: str | Path, project: Project, info: RecoveryInfo) -> None:
    """Write ``project`` and ``info`` to ``path`` atomically."""
    document = json.dumps(info.to_json(), indent=1, allow_nan=False)
    project.save(path, extra={MEMBER: document.encode("utf-8")})


def read_recovery_info(path: str | Path) -> RecoveryInfo:
    """Read only ``recovery.json`` (to ask the user), raising :class:`BPStudioError`."""
    where = str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                entry = archive.getinfo(MEMBER)
            except KeyError:
                raise BPStudioError(f"{where}: not a recovery file ({MEMBER} is missing)") from None
            if entry.file_size > MAX_INFO_BYTES:
                raise BPStudioError(f"{where}: {MEMBER} is too large ({entry.file_size:,} bytes)")
            with archive.open(entry) as fh:
                raw = fh.read(MAX_INFO_BYTES + 1)
    except BPStudioError:
        raise
    except FileNotFoundError:
        raise BPStudioError(f"{where}: no such file") from None
    except Exception as exc:  # noqa: BLE001 (zipfile raises many kinds; all mean "damaged")
        raise BPStudioError(f"{where}: the recovery file is damaged ({exc})") from None
    if len(raw) > MAX_INFO_BYTES:
        raise BPStudioError(f"{where}: {MEMBER} is larger than its header says")
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BPStudioError(f"{where}: {MEMBER} is not valid JSON ({exc})") from None
    return RecoveryInfo.from_json(document, where)


def read_recovery(path: str | Path) -> tuple[Project, RecoveryInfo]:
    """Read a recovery file: the project (through the project reader) and its info."""
    info = read_recovery_info(path)
    return Project.load(path), info
