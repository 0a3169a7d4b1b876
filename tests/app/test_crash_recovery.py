"""Kill -9 the app after an autosave; the next start restores what was on screen.

The app runs in processes of its own (``crash_app.py``), offscreen, with its recovery
folder and settings in the test's temporary folder.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from bpstudio.core.files.project import Project
from bpstudio.core.files.recovery import SUFFIX

APP = Path(__file__).with_name("crash_app.py")
ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL"),
    pytest.mark.timeout(180),
]


def _environment(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (the killed app's child not yet reaped by init) has finished.
    try:
        status = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return status != "Z"


def test_kill_9_after_an_autosave_then_restore(qtbot: QtBot, tmp_path: Path) -> None:
    env = _environment(tmp_path)
    target = tmp_path / "work.bpstudio"
    first = subprocess.Popen(
        [sys.executable, str(APP), "edit", str(target)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert first.stdout is not None
        line = first.stdout.readline()
        assert line, first.stderr.read() if first.stderr else ""
        before: dict[str, Any] = json.loads(line)
        folder = tmp_path / "data" / "Backprop Studio" / "bpstudio" / "recovery"
        assert len(list(folder.glob(f"*{SUFFIX}"))) == 1
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate()
    assert first.returncode == -signal.SIGKILL
    # Nothing outlives the killed app: its training process reads the end of its pipe.
    for pid in before["children"]:
        qtbot.waitUntil(lambda pid=pid: not _alive(pid), timeout=20_000)

    assert before["modified"]
    assert before["project"]["training"]["step"] > 200
    assert before["project"]["hyperparameters"]["learning_rate"] == 0.375
    assert before["project"]["network"]["layer_sizes"] == [2, 5, 1]
    assert before["selection"] == ["weight", 2, 0, 1]
    saved = Project.load(target)  # the file itself holds the state before the edits
    assert saved.step == 0

    second = subprocess.run(
        [sys.executable, str(APP), "restore"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert second.returncode == 0, second.stderr
    after: dict[str, Any] = json.loads(second.stdout.splitlines()[-1])
    assert after.pop("offers") == [{"title": "work", "path": str(target)}]
    before.pop("children")
    assert after == before  # network, parameters, data, history, selection, file name
    # A clean exit leaves nothing in the recovery folder.
    assert sorted(p.name for p in folder.iterdir()) == []
