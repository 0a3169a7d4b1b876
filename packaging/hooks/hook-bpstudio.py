"""PyInstaller hook: Backprop Studio's own modules and files.

Every ``bpstudio`` module goes in (some are imported only when a menu needs them), and the
top-level ``resources/`` folder goes where an installed wheel has it, ``bpstudio/_resources``,
so :func:`bpstudio.core.resources.resource_path` finds it the same way in both.
"""

from pathlib import Path

from PyInstaller.utils.hooks import collect_submodules

ROOT = Path(__file__).resolve().parents[2]

hiddenimports = collect_submodules("bpstudio")
datas = [(str(ROOT / "resources"), "bpstudio/_resources")]
