"""Find files shipped with Backprop Studio (bundled data, icons, sample projects).

An installed wheel carries them in ``bpstudio/_resources`` (pyproject's ``force-include``);
a source checkout has them in the top-level ``resources/`` folder. Look in that order.
"""

from __future__ import annotations

from pathlib import Path

import bpstudio
from bpstudio.core.errors import BPStudioError


def resource_roots() -> tuple[Path, ...]:
    """The folders searched for resources, in order."""
    return (
        Path(bpstudio.__file__).resolve().parent / "_resources",
        Path(__file__).resolve().parents[2] / "resources",
    )


def resource_path(*parts: str) -> Path:
    """The path of the bundled file ``resources/<parts...>``.

    Raises
    ------
    BPStudioError
        If the file is in none of :func:`resource_roots` (a broken installation).
    """
    if not parts:
        raise BPStudioError("resource_path needs at least one path component")
    for root in resource_roots():
        candidate = root.joinpath(*parts)
        if candidate.exists():
            return candidate
    looked = ", ".join(str(root) for root in resource_roots())
    raise BPStudioError(
        f"bundled resource {'/'.join(parts)!r} is missing (looked in {looked}); "
        "the installation is incomplete, reinstall Backprop Studio"
    )
