"""Training history that stays bounded in memory over millions of steps.

:class:`DecimatedSeries` keeps at most ``capacity`` points. Incoming points are grouped in
windows of ``stride`` raw points, and each window keeps its lowest and its highest point
(pyqtgraph's "peak" downsampling, done once on the way in). When the buffer fills up, pairs
of windows merge and the stride doubles. The first point, the latest point and the global
minimum and maximum are therefore always kept, and the curve's envelope is exact. The
window in progress is held as its running lowest and highest point, so memory stays
``capacity`` points plus a few, however many points arrive.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bpstudio.core.engine.activations import Array
from bpstudio.core.errors import BPStudioError

#: :meth:`DecimatedSeries.extend` takes windows of at least this many points with NumPy.
_VECTOR_WINDOW = 8


class DecimatedSeries:
    """An (x, y) series of bounded size with min/max-preserving decimation."""

    def __init__(self, capacity: int = 4096) -> None:
        if capacity < 8 or capacity % 4:
            raise BPStudioError("capacity must be a multiple of 4, at least 8")
        self.capacity = capacity
        self._x = np.empty(capacity)
        self._y = np.empty(capacity)
        self._n = 0
        self.stride = 1
        # The window in progress: how many raw points it has seen, its lowest and highest.
        self._window_n = 0
        self._window_lo: tuple[float, float] = (0.0, 0.0)
        self._window_hi: tuple[float, float] = (0.0, 0.0)
        self._first: tuple[float, float] | None = None
        self._last: tuple[float, float] | None = None
        self.count = 0  # raw points ever appended

    def __len__(self) -> int:
        return self._n + len(self._window_points())

    def append(self, x: float, y: float) -> None:
        self.count += 1
        self._last = (x, y)
        if self._first is None:
            self._first = (x, y)
        if self.stride == 1:
            self._push(x, y)
            return
        self._window_add(x, y)

    def extend(self, xs: Sequence[float], ys: Sequence[float]) -> None:
        """:meth:`append` of every (x, y) in turn, the same series point for point, with a
        few NumPy calls per window of the current stride instead of Python per point."""
        count = len(ys)
        if count == 0:
            return
        y = np.asarray(ys, dtype=float)
        if not np.isfinite(y).all():  # NaN compares as nothing: the plain loop says how
            for px, py in zip(xs, ys, strict=True):
                self.append(px, py)
            return
        i = 0
        while i < count:
            if self.stride == 1:
                if self._n == self.capacity:  # as _push: compact, then store the point
                    self._push(xs[i], ys[i])
                    i += 1
                    continue
                take = min(count - i, self.capacity - self._n)
                self._x[self._n : self._n + take] = xs[i : i + take]
                self._y[self._n : self._n + take] = y[i : i + take]
                self._n += take
                i += take
                continue
            k = min(self.stride - self._window_n, count - i)
            if k < _VECTOR_WINDOW:
                for j in range(i, i + k):
                    self._window_add(xs[j], ys[j])
                i += k
                continue
            first = i
            if self._window_n == 0:
                self._window_lo = self._window_hi = (xs[i], ys[i])
                first += 1
            seg = y[first : i + k]
            if seg.size:
                # The first lowest and the first highest point: what the strict
                # comparisons of _window_add keep, one point at a time.
                lo, hi = first + int(seg.argmin()), first + int(seg.argmax())
                if y[lo] < self._window_lo[1]:
                    self._window_lo = (xs[lo], ys[lo])
                if y[hi] > self._window_hi[1]:
                    self._window_hi = (xs[hi], ys[hi])
            self._window_n += k
            i += k
            if self._window_n >= self.stride:
                self._close_window()
        self.count += count
        self._last = (xs[-1], ys[-1])
        if self._first is None:
            self._first = (xs[0], ys[0])

    def _window_add(self, x: float, y: float) -> None:
        """One raw point into the window in progress (stride > 1), closing it when full."""
        if self._window_n == 0:
            self._window_lo = self._window_hi = (x, y)
        elif y < self._window_lo[1]:
            self._window_lo = (x, y)
        elif y > self._window_hi[1]:
            self._window_hi = (x, y)
        self._window_n += 1
        if self._window_n >= self.stride:
            self._close_window()

    def _close_window(self) -> None:
        points = self._window_points()
        self._window_n = 0
        for px, py in points:
            self._push(px, py)

    def _window_points(self) -> list[tuple[float, float]]:
        """The lowest and highest point of the window in progress, in x order."""
        if not self._window_n:
            return []
        if self._window_lo == self._window_hi:
            return [self._window_lo]
        return sorted((self._window_lo, self._window_hi))

    def _push(self, x: float, y: float) -> None:
        if self._n == self.capacity:
            self._compact()
        self._x[self._n] = x
        self._y[self._n] = y
        self._n += 1

    def _compact(self) -> None:
        # Each group of 4 stored points (two windows, or four raw points) keeps its min and
        # its max, in x order: the buffer halves and the stride doubles.
        x = self._x[: self._n].reshape(-1, 4)
        y = self._y[: self._n].reshape(-1, 4)
        rows = np.arange(x.shape[0])
        i_lo, i_hi = y.argmin(axis=1), y.argmax(axis=1)
        first, second = np.minimum(i_lo, i_hi), np.maximum(i_lo, i_hi)
        # When min and max coincide keep that point and the group's last point.
        second = np.where(first == second, 3, second)
        first = np.where(first == second, 0, first)
        keep_x = np.stack([x[rows, first], x[rows, second]], axis=1).ravel()
        keep_y = np.stack([y[rows, first], y[rows, second]], axis=1).ravel()
        half = keep_x.size
        self._x[:half] = keep_x
        self._y[:half] = keep_y
        self._n = half
        self.stride *= 2

    def data(self) -> tuple[Array, Array]:
        """Copies of the stored points plus the first and latest raw points, in x order."""
        # Called for every snapshot: the stored arrays are joined as arrays, never as lists.
        n = self._n
        tail = self._window_points()
        last_x = tail[-1][0] if tail else (self._x[n - 1] if n else None)
        if self._last is not None and (last_x is None or last_x != self._last[0]):
            tail.append(self._last)
        # Compaction may drop the first point (it keeps each group's min and max only).
        first_x = self._x[0] if n else (tail[0][0] if tail else None)
        head = [self._first] if self._first is not None and first_x != self._first[0] else []
        xs = np.concatenate([[p[0] for p in head], self._x[:n], [p[0] for p in tail]])
        ys = np.concatenate([[p[1] for p in head], self._y[:n], [p[1] for p in tail]])
        return xs.astype(float), ys.astype(float)

    @property
    def last(self) -> tuple[float, float] | None:
        return self._last

    def copy(self) -> DecimatedSeries:
        """An independent copy, point for point (undo snapshots, autosave)."""
        other = copy.copy(self)
        other._x = self._x.copy()
        other._y = self._y.copy()
        return other

    @property
    def nbytes(self) -> int:
        """The bytes its point buffers hold (an undo step's cost)."""
        return int(self._x.nbytes + self._y.nbytes)

    def to_dict(self) -> dict[str, Any]:
        x, y = self.data()
        return {"x": x.tolist(), "y": y.tolist(), "count": self.count}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], capacity: int = 4096) -> DecimatedSeries:
        series = cls(capacity)
        xs, ys = list(data.get("x", [])), list(data.get("y", []))
        if len(xs) != len(ys):
            raise BPStudioError("history series has different numbers of x and y values")
        for x, y in zip(xs, ys, strict=True):
            series.append(float(x), float(y))
        series.count = max(int(data.get("count", len(xs))), series.count)
        return series


SERIES_NAMES = (
    "batch_cost",
    "train_cost",
    "validation_cost",
    "train_accuracy",
    "validation_accuracy",
    "batch_data_cost",
    "train_data_cost",
    "validation_data_cost",
)


@dataclass
class History:
    """Cost and accuracy curves against the step count.

    ``batch_cost`` gets one point per gradient step (the cost of that step's batch); the
    other series get one point per evaluation on the whole training / validation set.
    The costs are the whole C = C_data + penalty; ``*_data_cost`` hold the data term C_data
    and get points only while an L1 or L2 penalty is on (otherwise C = C_data).
    """

    series: dict[str, DecimatedSeries] = field(
        default_factory=lambda: {name: DecimatedSeries() for name in SERIES_NAMES}
    )

    def __getitem__(self, name: str) -> DecimatedSeries:
        return self.series[name]

    def to_dict(self) -> dict[str, Any]:
        return {name: s.to_dict() for name, s in self.series.items() if s.count}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> History:
        history = cls()
        for name, values in data.items():
            if name not in history.series:
                raise BPStudioError(f"unknown history series {name!r}")
            history.series[name] = DecimatedSeries.from_dict(values)
        return history

    def copy(self) -> History:
        return History({name: s.copy() for name, s in self.series.items()})

    @property
    def nbytes(self) -> int:
        return sum(s.nbytes for s in self.series.values())
