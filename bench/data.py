"""Benchmarks for "data in, results out": CSV import and the decision-boundary refresh.

Run with ``python bench/data.py`` (``--rows`` to change the CSV size). Prints a markdown
table. Times are medians; each is also given as a ratio against a reference measured in
the same process, so numbers from different machines can be compared:

* CSV import of an MNIST-shaped file (60,000 rows x 785 integer columns, ~100 MB) through
  the dialog's code path (:func:`bpstudio.app.dialogs.import_csv._read_source`: hash,
  parse with progress, cache) against the I/O floor (reading the bytes and hashing them);
  then the training worker's ``load_examples`` of the same source, served by the cache.
* The decision-boundary refresh for the spirals network (2-8-8-1) at the default 64 x 64
  grid: the batched forward pass alone and the whole frame (colours and the 0.5 contour),
  against one training step of a mini-batch of 10, and as the share of one core it takes
  at the plot's 5 Hz cap.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bpstudio.core.data.source import (  # noqa: E402
    CSV_CACHE,
    DataSource,
    load_examples,
    split_examples,
)
from bpstudio.core.engine.decision import DEFAULT_RESOLUTION, decision_grid  # noqa: E402
from bpstudio.core.files.templates import make_project  # noqa: E402
from bpstudio.core.training.trainer import Trainer  # noqa: E402


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def write_mnist_like(path: Path, rows: int, seed: int = 0) -> None:
    """A label column and 784 pixel columns of integers 0..255, ~80% zeros (like MNIST)."""
    rng = np.random.default_rng(seed)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("label," + ",".join(f"pixel{i}" for i in range(784)) + "\n")
        for start in range(0, rows, 5000):
            n = min(5000, rows - start)
            pixels = rng.integers(0, 256, (n, 784)) * (rng.random((n, 784)) < 0.2)
            block = np.column_stack([rng.integers(0, 10, n), pixels])
            np.savetxt(fh, block, fmt="%d", delimiter=",")


def bench_csv(rows: int, repeat: int) -> list[tuple[str, str, str]]:
    from bpstudio.app.dialogs.import_csv import _read_source

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mnist_like.csv"
        write_mnist_like(path, rows)
        size_mb = path.stat().st_size / 1e6
        draft = DataSource(
            "csv",
            path=str(path),
            label_column="label",
            validation_fraction=1 / 6,
            delimiter=",",
            has_header=True,
        )

        def floor() -> None:
            hashlib.sha256(path.read_bytes()).hexdigest()

        progress_calls = []

        def dialog_read() -> None:
            CSV_CACHE.clear()
            progress_calls.clear()
            _read_source(draft, progress_calls.append)

        t_floor = median_time(floor, repeat)
        t_read = median_time(dialog_read, repeat)
        source, examples = _read_source(draft, lambda _f: None)  # leaves it in the cache
        t_cached = median_time(lambda: load_examples(source), repeat)
        t_split = median_time(lambda: split_examples(source, examples), repeat)
        label = f"{rows:,} x 785 CSV ({size_mb:.0f} MB)"
        out += [
            (f"read + hash bytes (I/O floor), {label}", f"{t_floor * 1e3:,.0f} ms", "1.0"),
            (
                f"import through the dialog path ({len(progress_calls)} progress updates)",
                f"{t_read * 1e3:,.0f} ms",
                f"{t_read / t_floor:.1f}",
            ),
            (
                "worker's load_examples, same source (cache hit)",
                f"{t_cached * 1e3:,.0f} ms",
                f"{t_cached / t_floor:.2f}",
            ),
            (
                "train/validation split of the loaded set",
                f"{t_split * 1e3:,.0f} ms",
                f"{t_split / t_floor:.2f}",
            ),
        ]
        CSV_CACHE.clear()
    return out


def bench_responsiveness(rows: int) -> list[tuple[str, str, str]]:
    """The GUI's event loop while the dialog imports: the longest gap between 10 ms ticks."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from bpstudio.app.dialogs.import_csv import ImportCsvDialog

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mnist_like.csv"
        write_mnist_like(path, rows)
        CSV_CACHE.clear()
        dialog = ImportCsvDialog(None, path)
        gaps: list[float] = []
        clock = QElapsedTimer()
        clock.start()
        last = [clock.elapsed()]

        def tick() -> None:
            now = clock.elapsed()
            gaps.append(now - last[0])
            last[0] = now

        timer = QTimer()
        timer.timeout.connect(tick)
        timer.start(10)
        loop = QEventLoop()
        dialog.finished.connect(loop.quit)
        t0 = time.perf_counter()
        dialog.start_import()
        loop.exec()
        elapsed = time.perf_counter() - t0
        timer.stop()
        ok = dialog.dataset is not None
        dialog.deleteLater()
        CSV_CACHE.clear()
    del app
    worst = max(gaps) if gaps else float("nan")
    p99 = float(np.percentile(gaps, 99)) if gaps else float("nan")
    return [
        (
            f"GUI event loop during the import ({elapsed:.1f} s, {'ok' if ok else 'FAILED'}): "
            "worst / 99th-percentile gap between 10 ms timer ticks",
            f"{worst:.0f} / {p99:.0f} ms",
            "",
        )
    ]


def bench_decision(repeat: int) -> list[tuple[str, str, str]]:
    from bpstudio.app.plots.decision import compute_frame
    from bpstudio.app.theme import LIGHT

    project = make_project("spirals")
    examples = load_examples(project.data)
    train, validation = split_examples(project.data, examples)
    trainer = Trainer(project.spec, project.params, train, validation, project.hyperparameters)
    trainer.train_steps(2000)  # a trained, non-trivial boundary (the contour has work to do)
    spec, params = trainer.spec, trainer.params.copy()
    r = DEFAULT_RESOLUTION
    rng = (-1.3, 1.3)

    t_step = median_time(lambda: trainer.train_batch(), repeat * 50)
    t_grid = median_time(lambda: decision_grid(spec, params, rng, rng, r), repeat * 10)
    t_frame = median_time(lambda: compute_frame(spec, params, rng, rng, 1.0, LIGHT, r), repeat * 10)
    share = t_frame * 5 * 100  # at most 5 frames a second
    return [
        ("one training step, mini-batch of 10 (reference)", f"{t_step * 1e6:,.0f} µs", "1.0"),
        (
            f"decision_grid {r}x{r} ({r * r:,} points, one batched predict)",
            f"{t_grid * 1e6:,.0f} µs",
            f"{t_grid / t_step:.1f}",
        ),
        (
            "whole frame (grid + colours + 0.5 contour), off the GUI thread",
            f"{t_frame * 1e6:,.0f} µs",
            f"{t_frame / t_step:.1f}",
        ),
        ("share of one core at the 5 Hz cap", f"{share:.2f} %", ""),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=60_000, help="CSV rows (default 60,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement")
    args = parser.parse_args(argv)
    rows = bench_csv(args.rows, args.repeat) + bench_responsiveness(args.rows)
    rows += bench_decision(args.repeat)
    print("| measurement | median | ratio to reference |")
    print("|---|---:|---:|")
    for name, value, ratio in rows:
        print(f"| {name} | {value} | {ratio} |")


if __name__ == "__main__":
    main()
