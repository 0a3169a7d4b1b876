"""Run ``bpstudio`` in a process of its own and find what it left running.

Each run carries a unique environment variable; every process it starts inherits it, so
after the run ends ``/proc`` tells whether any of them (the training process above all)
is still alive, even if it was re-parented.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

MARKER = "BPSTUDIO_TEST_RUN"


def clean_environment(**extra: str) -> dict[str, str]:
    """The environment without anything that points Python at a source tree."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.update(extra)
    return env


def run_marked(
    command: Sequence[str], env: dict[str, str], cwd: Path, timeout: float = 300
) -> tuple[subprocess.CompletedProcess[str], list[int]]:
    """Run ``command``; return its result and the ids of processes it left behind."""
    marker = uuid.uuid4().hex
    result = subprocess.run(
        list(command),
        env={**env, MARKER: marker},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return result, marked_processes(marker)


def run_clean(command: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in :func:`clean_environment`; fail if it left a process running."""
    result, left = run_marked(command, clean_environment(), cwd)
    assert left == [], f"processes left running: {left}"
    return result


def marked_processes(marker: str) -> list[int]:
    if not sys.platform.startswith("linux"):
        return []  # no /proc to look in
    wanted = f"{MARKER}={marker}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue  # gone, or not ours to read
        if wanted in environ.split(b"\0"):
            found.append(int(entry.name))
    return found
