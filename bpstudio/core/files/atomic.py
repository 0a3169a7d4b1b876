"""Atomic file writes: write a temporary file beside the target, then rename it over.

A crash or an error half-way leaves the old file (or no file) in place, never a partial one.

- The file gets the permissions a plain ``open(path, "w")`` would give: those of the file it
  replaces, else ``0o666`` less the user's umask (a temporary file alone would be ``0o600``).
- Writing onto a symbolic link writes the file it points to; the link stays a link.
- Temporary files are named ``.<target name>.<pid>.<random>.tmp``. A process killed while
  writing leaves one behind; the next write of that target (or the next load of a project)
  removes those whose process is gone (:func:`clean_stale_temporaries`), and those of the
  earlier naming without a pid once they are a day old.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from bpstudio.core.errors import BPStudioError

TMP_SUFFIX = ".tmp"
#: Without a way to ask whether a process lives (not POSIX), a temporary file this old is stale.
STALE_AFTER_SECONDS = 24 * 3600

_umask_lock = threading.Lock()
#: Temporary files this process is writing right now (never cleaned as stale).
_in_flight: set[str] = set()


def _umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def resolve_target(path: str | os.PathLike[str]) -> Path:
    """Where a write to ``path`` lands: the file a symbolic link points to, else ``path``."""
    target = Path(path)
    if target.is_symlink():
        return Path(os.path.realpath(target))
    return target


def checked_target(path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """:func:`resolve_target` and its folder, after checking that the folder exists and the
    target is not itself a folder."""
    target = resolve_target(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise BPStudioError(f"cannot write {path}: folder {folder} does not exist")
    if target.is_dir():
        raise BPStudioError(f"cannot write {path}: it is a folder")
    return target, folder


def _stale_pattern(name: str) -> re.Pattern[str]:
    """``.name.<pid>.<random>.tmp``, or the earlier ``.name.<random>.tmp`` (no pid group)."""
    return re.compile(
        rf"^\.{re.escape(name)}\.(?:([0-9]+)\.)?[a-z0-9_]{{8}}{re.escape(TMP_SUFFIX)}$"
    )


def _process_alive(pid: int) -> bool | None:
    """True or False on POSIX; None where asking would be unsafe (``os.kill`` on Windows)."""
    if os.name != "posix":
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    except OSError:
        return None
    return True


def clean_stale_temporaries(path: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary files an interrupted write of ``path`` left; return them.

    A temporary file is stale when the process named in it is gone (or it is this process
    and no write is using it); where liveness cannot be asked (no pid in the name, or not
    POSIX), when it is older than :data:`STALE_AFTER_SECONDS`. Files of running writers are
    never touched, nor anything that does not match the naming pattern exactly.
    """
    target = resolve_target(path)
    folder = target.parent if str(target.parent) else Path(".")
    pattern = _stale_pattern(target.name)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = pattern.match(entry.name)
        if match is None or entry.path in _in_flight:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            pid = None if match.group(1) is None else int(match.group(1))
            alive = False if pid == os.getpid() else None if pid is None else _process_alive(pid)
            if alive is None:
                alive = time.time() - entry.stat(follow_symlinks=False).st_mtime < (
                    STALE_AFTER_SECONDS
                )
            if not alive:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except (OSError, ValueError):
            continue
    return removed


def _mode_for(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success rename it onto ``path``.

    The writer may open the temporary path itself (useful for libraries that want a file
    name, such as ``np.savez`` or ``onnx.save``). On any exception the temporary file is
    removed and ``path`` is left untouched.
    """
    target, folder = checked_target(path)
    clean_stale_temporaries(target)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name}.{os.getpid()}.", suffix=TMP_SUFFIX, dir=folder
    )
    os.close(fd)
    tmp = Path(tmp_name)
    _in_flight.add(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    finally:
        _in_flight.discard(tmp_name)


def atomic_write(path: str | os.PathLike[str], write: Callable[[IO[bytes]], object]) -> None:
    """Call ``write(binary_file)`` on a temporary file, then move it onto ``path``."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        write(fh)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` as UTF-8, atomically."""
    atomic_write(path, lambda fh: fh.write(text.encode("utf-8")))
