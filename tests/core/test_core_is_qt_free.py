"""``bpstudio.core`` never imports Qt (napari's import-linter rule, as a test).

Every module of the package is imported in a fresh interpreter, so nothing that the rest
of the test session imported (pytest-qt loads PySide6) can hide an import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FORBIDDEN = ("PySide6", "pyqtgraph", "shiboken6", "PyQt5", "PyQt6")

SCRIPT = f"""
import importlib, json, pkgutil, sys
import bpstudio.core
names = sorted(
    m.name for m in pkgutil.walk_packages(bpstudio.core.__path__, "bpstudio.core.")
)
for name in names:
    importlib.import_module(name)
loaded = sorted(
    m for m in sys.modules if m.split(".")[0] in {FORBIDDEN!r}
)
print(json.dumps({{"modules": names, "forbidden": loaded}}))
"""


def test_every_core_module_imports_without_qt() -> None:
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        cwd=root,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert "bpstudio.core.engine.backprop" in report["modules"]
    assert "bpstudio.core.training.trainer" in report["modules"]
    assert len(report["modules"]) >= 15
    assert report["forbidden"] == [], f"bpstudio.core pulled in {report['forbidden']}"
