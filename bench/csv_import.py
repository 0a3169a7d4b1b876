"""Benchmark: import an MNIST-sized CSV (60,000 rows x 785 integer columns, label first).

Writes random pixels 0..255 and labels 0..9 to a temporary file, times
``read_csv(path, label_column="label")`` a few times, and prints seconds, rows/s and MB/s,
plus the ratio to ``np.loadtxt`` on the same data (timed on a slice and scaled up), so the
number means something on any machine. Not a test: nothing is asserted.

    python bench/csv_import.py [--rows 60000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

try:
    from bpstudio.core.data.csv_data import read_csv
except ImportError:  # a source checkout that is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bpstudio.core.data.csv_data import read_csv

N_PIXELS = 784


def write_mnist_like(path: Path, n_rows: int, seed: int = 0) -> np.ndarray:
    """Write a header and ``n_rows`` rows of ``label,px0..px783``; return the integer table."""
    rng = np.random.default_rng(seed)
    table = np.concatenate(
        [rng.integers(0, 10, (n_rows, 1)), rng.integers(0, 256, (n_rows, N_PIXELS))], axis=1
    )
    # Each value becomes a fixed 4-byte cell "123," / "7,\0\0"; dropping the NUL padding
    # leaves the CSV text. Vectorised, so writing takes about a second, not minutes.
    with_comma = np.array([f"{i},".encode() for i in range(256)], dtype="S4")
    with_newline = np.array([f"{i}\n".encode() for i in range(256)], dtype="S4")
    cells = np.empty(table.shape, dtype="S4")
    cells[:, :-1] = with_comma[table[:, :-1]]
    cells[:, -1] = with_newline[table[:, -1]]
    header = ",".join(["label", *(f"px{i}" for i in range(N_PIXELS))]) + "\n"
    path.write_bytes(header.encode() + cells.tobytes().replace(b"\0", b""))
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bpstudio-bench-") as tmp:
        path = Path(tmp) / "mnist_like.csv"
        t0 = time.perf_counter()
        table = write_mnist_like(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        print(
            f"wrote {args.rows:,} x {table.shape[1]} CSV, {size_mb:.1f} MB, "
            f"in {time.perf_counter() - t0:.1f} s"
        )

        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            data = read_csv(path, label_column="label")
            times.append(time.perf_counter() - t0)
        ds = data.dataset
        assert ds.X.shape == (args.rows, N_PIXELS)
        assert np.array_equal(ds.labels, table[:, 0])
        assert np.array_equal(ds.X[:100], table[:100, 1:])

        # Reference: np.loadtxt on a tenth of the rows, scaled up.
        n_ref = max(1, args.rows // 10)
        with open(path, encoding="utf-8") as fh:
            head = [next(fh) for _ in range(n_ref + 1)][1:]
        t0 = time.perf_counter()
        np.loadtxt(head, delimiter=",", dtype=np.float64)
        loadtxt_s = (time.perf_counter() - t0) * args.rows / n_ref

    best, median = min(times), statistics.median(times)
    print(
        f"read_csv(label_column='label'): best {best:.2f} s, median {median:.2f} s of {args.repeat}"
    )
    print(f"  {args.rows / best:,.0f} rows/s, {size_mb / best:.0f} MB/s (best)")
    print(f"  np.loadtxt would take ~{loadtxt_s:.1f} s: read_csv is {loadtxt_s / best:.1f}x faster")


if __name__ == "__main__":
    main()
