"""Benchmark: how long from launching ``bpstudio`` to its first painted window?

    python bench/startup.py [--runs 5] [--command bpstudio]

Each round launches, one after the other, the floor ``python -c "import PySide6.QtWidgets"``
(the least any Qt Widgets program pays) and ``bpstudio --screenshot PATH`` (which saves the
window as soon as it is first painted, then closes it). The app's start-up is the time from
launch until the first paint was done (the picture records it); its exit time (taking the
picture, closing the window) is reported beside it. Medians over the
rounds; the target is at most 1.0 s more than the floor.

Bytecode is compiled once into a temporary cache before measuring, as an installed package
has it (``PYTHONDONTWRITEBYTECODE`` would otherwise make every launch compile every module).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bpstudio.app.screenshot import FIRST_PAINT_KEY  # noqa: E402

TARGET_S = 1.0
FLOOR = [sys.executable, "-c", "import PySide6.QtWidgets"]


@dataclass(frozen=True)
class Launch:
    first_paint: float  # seconds from launch to the picture written
    exit: float  # seconds from launch to the process's end


def _environment(cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _time(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def _launch_app(command: list[str], picture: Path, env: dict[str, str]) -> Launch:
    picture.unlink(missing_ok=True)
    wall_start = time.time()
    start = time.perf_counter()
    subprocess.run([*command, "--screenshot", str(picture)], env=env, check=True)
    ended = time.perf_counter() - start
    painted = QImage(str(picture)).text(FIRST_PAINT_KEY)
    if not painted:
        raise SystemExit(f"{picture}: no {FIRST_PAINT_KEY} field; is this bpstudio?")
    return Launch(float(painted) - wall_start, ended)


def _range(values: list[float]) -> str:
    return f"{min(values):.2f}–{max(values):.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--command",
        nargs="+",
        default=[sys.executable, "-m", "bpstudio"],
        help="how to launch the app (default: this Python's -m bpstudio)",
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bpstudio-bench-") as folder:
        env = _environment(Path(folder) / "pycache")
        picture = Path(folder) / "first-paint.png"
        _time(FLOOR, env)  # compile and cache bytecode, warm the disk cache
        _launch_app(args.command, picture, env)
        floors: list[float] = []
        launches: list[Launch] = []
        for i in range(args.runs):
            floors.append(_time(FLOOR, env))
            launches.append(_launch_app(args.command, picture, env))
            print(f"round {i + 1}/{args.runs} done", file=sys.stderr, flush=True)

    floor = statistics.median(floors)
    paint = statistics.median(launch.first_paint for launch in launches)
    ended = statistics.median(launch.exit for launch in launches)
    difference = paint - floor
    verdict = "met" if difference <= TARGET_S else "missed"
    print("\n### Start-up to the first painted window (`bpstudio --screenshot`)\n")
    print(f"Medians of {args.runs} alternating launches (range in brackets).\n")
    print("| launch | seconds |")
    print("|---|---:|")
    paints = [launch.first_paint for launch in launches]
    print(f"| floor: `import PySide6.QtWidgets` | {floor:.2f} ({_range(floors)}) |")
    print(f"| bpstudio, first paint | {paint:.2f} ({_range(paints)}) |")
    print(f"| bpstudio, process ended | {ended:.2f} |")
    print(f"\nfirst paint − floor = {difference:.2f} s (target ≤ {TARGET_S:.1f} s: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
