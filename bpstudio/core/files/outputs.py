"""Check every file a command will write before it writes the first one.

A command that writes several files (``train --save-params p.npz --save x.bpstudio``, the
safetensors export with its ``_torch.py``) must write all of them or none. Each write is
atomic on its own; :func:`check_output_paths` makes the likely failures (a missing folder, a
target that is a folder, a read-only folder, two outputs on one file) happen before anything
is written.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from bpstudio.core.errors import BPStudioError
from bpstudio.core.files.atomic import checked_target


def check_output_paths(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Raise :class:`BPStudioError` unless every path can be written; return them as Paths.

    A path can be written when its folder exists and is writable, it is not itself a folder,
    and no other path in ``paths`` names the same file (symbolic links followed).
    """
    checked: list[Path] = []
    seen: dict[Path, Path] = {}
    for given in paths:
        path = Path(given)
        target, folder = checked_target(path)
        if not os.access(folder, os.W_OK | os.X_OK):
            raise BPStudioError(f"cannot write {path}: folder {folder} is not writable")
        key = Path(os.path.realpath(target))
        if key in seen:
            raise BPStudioError(
                f"{seen[key]} and {path} name the same file; give two different files"
            )
        seen[key] = path
        checked.append(path)
    return checked
