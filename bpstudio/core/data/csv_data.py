"""CSV import: a delimited text file of numbers (plus an optional class-label column) -> Dataset.

Rules
-----
* UTF-8 text (a byte-order mark is fine), delimiter ``,`` ``;`` tab or space (runs of spaces
  count as one), an optional header row. Blank lines are skipped; line numbers in messages are
  1-based lines of the file, the header included.
* Without a header the columns are called ``x1 .. xN`` in file order.
* Targets: the last ``n_targets`` columns (default 1), or the columns named in
  ``target_columns``, or one categorical ``label_column`` (integers or strings) that is
  one-hot encoded with sorted class names. Every other column is a feature and must be
  numeric and finite.
* Numeric targets that are a 0/1 column, or one-hot rows, make a classification data set;
  anything else is regression.

Speed: numbers are parsed in chunks of lines by NumPy's C parser (``np.fromstring``, integer
first because it is several times faster than float parsing, then float); per-line work is a
handful of ``str`` methods, never a Python loop over cells. Only a chunk that fails is parsed
again cell by cell, to say exactly which line and column is wrong. Quoted files go through
the ``csv`` module instead (correct, slower).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import itertools
import os
import re
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from bpstudio.core.data.datasets import Dataset, FloatArray
from bpstudio.core.errors import BPStudioError

#: Delimiters that sniffing chooses from.
DELIMITERS: tuple[str, ...] = (",", ";", "\t", " ")
#: Delimiters a caller may name explicitly.
ALLOWED_DELIMITERS: tuple[str, ...] = (*DELIMITERS, "|", ":")
#: A label column with more distinct values than this is almost surely not a class label.
MAX_CLASSES = 1000

_CHUNK_CHARS = 2_000_000
_WS_RUN = re.compile(r"[ \t]+")
# ASCII whitespace that C's strtod/strtoll skip (newlines are gone by then).
_C_SPACE = " \t\v\f"
_C_SPACE_AROUND_COMMA = re.compile(r"[ \t\v\f]*,[ \t\v\f]*")
_SIGN_WITHOUT_DIGIT = re.compile(r"[+-](?![0-9])")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_INT64_LIMITS = (np.iinfo(np.int64).min, np.iinfo(np.int64).max)

Progress = Callable[[float], None]


@dataclass(frozen=True)
class CsvFormat:
    """How a file is laid out: its delimiter, whether line 1 is a header, column names."""

    delimiter: str
    has_header: bool
    column_names: tuple[str, ...]

    @property
    def n_columns(self) -> int:
        return len(self.column_names)


@dataclass(frozen=True)
class Standardizer:
    """Per-feature standardisation ``(X - mean) / std``, fitted on a training split only.

    Constant columns get ``std = 1`` so they map to 0 instead of dividing by zero.
    """

    mean: FloatArray
    std: FloatArray

    def __post_init__(self) -> None:
        mean = np.array(self.mean, dtype=np.float64, ndmin=1)
        std = np.array(self.std, dtype=np.float64, ndmin=1)
        if mean.ndim != 1 or mean.shape != std.shape:
            raise BPStudioError(
                f"standardizer: mean and std must be 1-D and the same length, got "
                f"{mean.shape} and {std.shape}"
            )
        if not (np.isfinite(mean).all() and np.isfinite(std).all() and (std > 0).all()):
            raise BPStudioError("standardizer: mean must be finite and std finite and positive")
        mean.flags.writeable = False
        std.flags.writeable = False
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "std", std)

    @classmethod
    def fit(cls, X: ArrayLike) -> Standardizer:
        """Column means and standard deviations of ``X : (n, d)`` (n >= 1)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[0] == 0:
            raise BPStudioError(
                f"standardizer: fit needs a 2-D array with at least one row, got shape {X.shape}"
            )
        std = X.std(axis=0)
        # Exactly constant columns: the computed std can be a rounding crumb, not 0.
        std[np.ptp(X, axis=0) == 0] = 1.0
        return cls(X.mean(axis=0), std)

    @property
    def n_features(self) -> int:
        return int(self.mean.shape[0])

    def _check(self, X: ArrayLike) -> FloatArray:
        A = np.asarray(X, dtype=np.float64)
        if A.ndim != 2 or A.shape[1] != self.n_features:
            raise BPStudioError(
                f"standardizer: expected an array with {self.n_features} columns, got shape "
                f"{A.shape}"
            )
        return A

    def transform(self, X: ArrayLike) -> FloatArray:
        """``(X - mean) / std``, a new array."""
        A = self._check(X)
        out: FloatArray = (A - self.mean) / self.std
        return out

    def inverse_transform(self, X: ArrayLike) -> FloatArray:
        """``X * std + mean``, a new array."""
        A = self._check(X)
        out: FloatArray = A * self.std + self.mean
        return out

    def to_dict(self) -> dict[str, list[float]]:
        return {"mean": [float(v) for v in self.mean], "std": [float(v) for v in self.std]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Standardizer:
        try:
            mean, std = data["mean"], data["std"]
            return cls(np.array(mean, dtype=np.float64), np.array(std, dtype=np.float64))
        except (KeyError, TypeError, ValueError) as exc:
            raise BPStudioError(
                f"standardizer: expected {{'mean': [...], 'std': [...]}} of numbers ({exc})"
            ) from None


@dataclass(frozen=True)
class CsvData:
    """A read CSV file: the data set plus where it came from and how it was read."""

    dataset: Dataset
    path: Path
    column_names: tuple[str, ...]
    feature_columns: tuple[str, ...]
    target_columns: tuple[str, ...]
    label_column: str | None
    class_names: tuple[str, ...]
    delimiter: str
    has_header: bool
    sha256: str
    #: Set when ``read_csv(standardize=True)``: fitted on every row of the file.
    standardizer: Standardizer | None = None
    #: True when ``max_rows`` stopped reading before the end of the file.
    truncated: bool = False


# -- sniffing -----------------------------------------------------------------------------


def sniff_csv(path: str | os.PathLike[str], sample_bytes: int = 64_000) -> CsvFormat:
    """Guess the delimiter and header from the first ``sample_bytes`` of the file."""
    path = Path(path)
    if sample_bytes < 1:
        raise BPStudioError(f"sample_bytes must be positive, got {sample_bytes}")
    try:
        with open(path, "rb") as fh:
            raw = fh.read(sample_bytes + 1)
    except OSError as exc:
        raise BPStudioError(f"cannot read {path}: {exc.strerror or exc}") from None
    truncated = len(raw) > sample_bytes
    raw = raw[:sample_bytes]
    try:
        text = _decode(raw, path)
    except BPStudioError:
        # The sample may end inside a multi-byte character: decode up to it.
        err = _utf8_error(raw)
        if not truncated or err is None or err < len(raw) - 3:
            raise
        text = _decode(raw[:err], path)
    lines = _normalise_newlines(text).split("\n")
    if truncated and len(lines) > 1:
        lines.pop()  # a partial line
    return _sniff_lines(lines, path)


def _utf8_error(raw: bytes) -> int | None:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return int(exc.start)
    return None


def _sniff_lines(
    lines: Sequence[str],
    path: Path,
    delimiter: str | None = None,
    has_header: bool | None = None,
) -> CsvFormat:
    sample = list(itertools.islice((ln for ln in lines if ln and not ln.isspace()), 100))
    if not sample:
        raise BPStudioError(f"{path}: the file is empty; expected rows of comma-separated numbers")
    try:
        delim = delimiter if delimiter is not None else _guess_delimiter(sample)
        rows = [_split_line(line, delim) for line in sample]
    except csv.Error as exc:  # e.g. a cell longer than the csv module's field limit
        raise BPStudioError(f"{path}: cannot split the first lines into cells ({exc})") from None
    header = has_header if has_header is not None else _guess_header(rows, sample)
    names = _column_names(rows[0]) if header else tuple(f"x{i + 1}" for i in range(len(rows[0])))
    return CsvFormat(delim, header, names)


def _split_line(line: str, delim: str) -> list[str]:
    """Cells of one line, honouring quotes (for sniffing and headers, not bulk data)."""
    if delim == " ":
        line = _WS_RUN.sub(" ", line.strip())
    reader = csv.reader([line], delimiter=delim, skipinitialspace=True)
    return [cell.strip() for cell in next(reader, [])]


def _guess_delimiter(sample: Sequence[str]) -> str:
    counts = {d: [len(_split_line(line, d)) for line in sample] for d in DELIMITERS}
    # Tab and semicolon first: a ';' file often has decimal commas, a tab file spaces.
    for d in ("\t", ";", ",", " "):
        c = counts[d]
        if c[0] > 1 and all(n == c[0] for n in c):
            return d
    # Perhaps only the header differs (a quoted name holding the delimiter, say).
    for d in ("\t", ";", ",", " "):
        c = counts[d][1:]
        if c and c[0] > 1 and all(n == c[0] for n in c):
            return d
    try:
        found = csv.Sniffer().sniff("\n".join(sample), delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        return ","
    return found if found in DELIMITERS else ","


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _guess_header(rows: Sequence[Sequence[str]], sample: Sequence[str]) -> bool:
    first, rest = rows[0], rows[1:]
    text_columns = [j for j, cell in enumerate(first) if not _is_number(cell)]
    if not text_columns:
        return False
    if not rest:
        return True
    # A header names a column whose values below are numbers.
    for j in text_columns:
        below = [row[j] for row in rest if j < len(row)]
        if below and all(_is_number(cell) for cell in below):
            return True
    # Text above text (string labels, say): let csv.Sniffer compare the rows.
    try:
        return csv.Sniffer().has_header("\n".join(sample[:50]))
    except csv.Error:
        return False


def _column_names(cells: Sequence[str]) -> tuple[str, ...]:
    names: list[str] = []
    seen: set[str] = set()
    for i, cell in enumerate(cells):
        base = cell.strip() or f"x{i + 1}"
        name, k = base, 2
        while name in seen:
            name, k = f"{base}_{k}", k + 1
        seen.add(name)
        names.append(name)
    return tuple(names)


# -- reading ------------------------------------------------------------------------------


class _Progress:
    """Calls the user's callback with non-decreasing fractions in [0, 1]."""

    def __init__(self, callback: Progress | None) -> None:
        self._callback = callback
        self._last = -1.0

    def __call__(self, fraction: float) -> None:
        fraction = min(max(fraction, self._last, 0.0), 1.0)
        if self._callback is not None and fraction > self._last:
            self._callback(fraction)
        self._last = fraction


def read_csv(
    path: str | os.PathLike[str],
    *,
    delimiter: str | None = None,
    has_header: bool | None = None,
    target_columns: Sequence[str] | None = None,
    label_column: str | None = None,
    n_targets: int | None = None,
    one_hot: bool = True,
    standardize: bool = False,
    progress: Progress | None = None,
    max_rows: int | None = None,
) -> CsvData:
    """Read a CSV file into a :class:`Dataset` (see the module docstring for the rules).

    ``standardize=True`` standardises the features with statistics of the whole file and
    records the :class:`Standardizer`; to keep validation data out of the statistics, read
    without it, split, and ``Standardizer.fit(train.X)`` instead. ``progress`` is called
    with fractions 0..1 as chunks are parsed (an exception raised in it aborts the read).
    ``max_rows`` reads only the first data rows (a preview).

    Raises
    ------
    BPStudioError
        For anything wrong with the file or the arguments; nothing is returned half-read.
    """
    path = Path(path)
    report = _Progress(progress)
    report(0.0)
    if delimiter is not None and delimiter not in ALLOWED_DELIMITERS:
        allowed = " ".join(repr(d) for d in ALLOWED_DELIMITERS)
        raise BPStudioError(f"delimiter must be one of {allowed}, got {delimiter!r}")
    if max_rows is not None and (isinstance(max_rows, bool) or max_rows < 1):
        raise BPStudioError(f"max_rows must be a positive integer, got {max_rows!r}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BPStudioError(f"cannot read {path}: {exc.strerror or exc}") from None
    # A helper thread hashes the bytes, then touches the result's pages ahead of the parser
    # (both release the GIL; page faults of a fresh 400 MB array cost as much as a second of
    # parsing otherwise).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bpstudio-csv") as helper:
        digest = helper.submit(_sha256, raw)
        text = _decode(raw, path)
        del raw
        lines = _normalise_newlines(text).split("\n")
        del text
        report(0.05)

        fmt = _sniff_lines(lines, path, delimiter, has_header)
        delim = fmt.delimiter
        first = next(i for i, line in enumerate(lines) if line and not line.isspace())
        start = first + 1 if fmt.has_header else first
        rows_idx = [i for i in range(start, len(lines)) if lines[i] and not lines[i].isspace()]
        truncated = max_rows is not None and len(rows_idx) > max_rows
        if max_rows is not None:
            rows_idx = rows_idx[:max_rows]
        if not rows_idx:
            raise BPStudioError(
                f"{path}: the header (line {first + 1}) is not followed by any data"
            )

        names = fmt.column_names
        label_j, feature_j, target_j = _choose_columns(
            path, names, target_columns, label_column, n_targets
        )
        numeric_j = [j for j in range(len(names)) if j != label_j]
        numeric_names = [names[j] for j in numeric_j]

        M = np.empty((len(rows_idx), len(numeric_names)), dtype=np.float64)
        prefault = _Prefault(M, helper)
        try:
            quoted = any('"' in lines[i] for i in rows_idx)
            job = _Rows(lines, delim, names, label_j, numeric_names, path)
            labels = _parse_rows(job, rows_idx, quoted, M, prefault, report)
        finally:
            prefault.stop()
        del lines
        sha256 = digest.result()

    position = {j: p for p, j in enumerate(numeric_j)}
    feat_pos = [position[j] for j in feature_j]
    X = M if feat_pos == list(range(M.shape[1])) else M[:, feat_pos]
    label_name = names[label_j] if label_j is not None else None
    if label_name is not None:
        assert labels is not None
        Y, class_names = _encode_labels(labels, rows_idx, label_name, one_hot, path)
        task = "classification"
        target_names = class_names if one_hot else (label_name,)
    else:
        Y = M[:, [position[j] for j in target_j]]
        target_names = tuple(names[j] for j in target_j)
        task, class_names = _numeric_task(Y, target_names)

    standardizer = None
    if standardize:
        standardizer = Standardizer.fit(X)
        X = standardizer.transform(X)
    dataset = Dataset(
        X=X,
        Y=Y,
        task=task,
        name=path.stem,
        class_names=class_names,
        feature_names=tuple(names[j] for j in feature_j),
        target_names=target_names,
    )
    report(1.0)
    return CsvData(
        dataset=dataset,
        path=path,
        column_names=names,
        feature_columns=dataset.feature_names,
        target_columns=(label_name,) if label_name is not None else target_names,
        label_column=label_name,
        class_names=class_names,
        delimiter=delim,
        has_header=fmt.has_header,
        sha256=sha256,
        standardizer=standardizer,
        truncated=truncated,
    )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _Prefault:
    """Write zeros into a new array's rows in a helper thread, ahead of the parser.

    The parser calls :meth:`wait_for` before it writes rows ``[r0, r1)``, so the two threads
    never touch the same rows at once. Small arrays are not worth a thread.
    """

    MIN_BYTES = 32 << 20
    BLOCK_BYTES = 8 << 20

    def __init__(self, M: FloatArray, helper: ThreadPoolExecutor) -> None:
        self._M = M
        self._ready = 0 if M.nbytes >= self.MIN_BYTES else M.shape[0]
        self._stopped = False
        self._cond = threading.Condition()
        self._job: Future[None] | None = None
        if self._ready < M.shape[0]:
            self._job = helper.submit(self._run)

    def _run(self) -> None:
        n_rows = self._M.shape[0]
        step = max(1, self.BLOCK_BYTES // max(1, self._M.strides[0]))
        for r0 in range(0, n_rows, step):
            if self._stopped:
                break
            r1 = min(r0 + step, n_rows)
            self._M[r0:r1].fill(0.0)
            with self._cond:
                self._ready = r1
                self._cond.notify_all()
        with self._cond:
            self._ready = n_rows
            self._cond.notify_all()

    def wait_for(self, rows: int) -> None:
        """Return once rows ``[0, rows)`` are the parser's to write."""
        with self._cond:
            self._cond.wait_for(lambda: self._ready >= rows)

    def stop(self) -> None:
        """Stop early (after an error) and wait for the helper."""
        self._stopped = True
        if self._job is not None:
            self._job.result()


def _decode(raw: bytes, path: Path) -> str:
    skip = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    try:
        return str(memoryview(raw)[skip:], "utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + skip
        line = raw.count(b"\n", 0, offset) + 1
        raise BPStudioError(
            f"{path}: not UTF-8 text (byte 0x{raw[offset]:02x} at offset {offset}, line {line}); "
            "save it as UTF-8"
        ) from None


def _normalise_newlines(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _names_hint(names: Sequence[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:10])
    return shown if len(names) <= 10 else f"{shown}, ... ({len(names)} columns)"


def _choose_columns(
    path: Path,
    names: Sequence[str],
    target_columns: Sequence[str] | None,
    label_column: str | None,
    n_targets: int | None,
) -> tuple[int | None, list[int], list[int]]:
    """(label column index or None, feature indices, numeric target indices)."""
    index = {name: j for j, name in enumerate(names)}

    def find(name: str, what: str) -> int:
        if name not in index:
            raise BPStudioError(
                f"{path}: no {what} column {name!r}; the columns are {_names_hint(names)}"
            )
        return index[name]

    if label_column is not None and (target_columns is not None or n_targets is not None):
        raise BPStudioError("give either label_column or target_columns / n_targets, not both")
    if target_columns is not None and n_targets is not None:
        raise BPStudioError("give either target_columns or n_targets, not both")
    label_j: int | None = None
    target_j: list[int] = []
    if label_column is not None:
        label_j = find(label_column, "label")
    elif target_columns is not None:
        if isinstance(target_columns, str):
            target_columns = [target_columns]
        target_j = [find(name, "target") for name in target_columns]
        if not target_j:
            raise BPStudioError("target_columns is empty; name at least one target column")
        if len(set(target_j)) != len(target_j):
            raise BPStudioError(f"target_columns names a column twice: {list(target_columns)}")
    else:
        k = 1 if n_targets is None else n_targets
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise BPStudioError(f"n_targets must be a positive integer, got {n_targets!r}")
        if k >= len(names):
            raise BPStudioError(
                f"{path}: {len(names)} column(s) and {k} target(s) leave no feature columns; "
                "expected at least one input column before the targets"
            )
        target_j = list(range(len(names) - k, len(names)))
    used = set(target_j) | ({label_j} if label_j is not None else set())
    feature_j = [j for j in range(len(names)) if j not in used]
    if not feature_j:
        raise BPStudioError(
            f"{path}: no feature columns left: every column ({_names_hint(names)}) is a target"
        )
    return label_j, feature_j, target_j


def _chunks(rows_idx: Sequence[int], lines: Sequence[str]) -> Iterator[tuple[int, int]]:
    """(start, stop) ranges of rows_idx holding about _CHUNK_CHARS characters each."""
    probe = rows_idx[:100]
    width = max(1, sum(len(lines[i]) for i in probe) // len(probe))
    step = max(1, _CHUNK_CHARS // width)
    for r0 in range(0, len(rows_idx), step):
        yield r0, min(r0 + step, len(rows_idx))


@dataclass(frozen=True)
class _Rows:
    """What the parsers read: the file's lines, its delimiter and columns, the label column
    (or None) and the numeric columns' names, and the path for messages."""

    lines: list[str]
    delim: str
    names: Sequence[str]
    label_j: int | None
    numeric_names: Sequence[str]
    path: Path


#: One chunk of rows parsed: its labels (None without a label column), its numbers, and the
#: text of the cell at (row, numeric column) for a message about it.
_Chunk = tuple[list[str] | None, FloatArray, Callable[[int, int], str]]


def _parse_rows(
    job: _Rows,
    rows_idx: list[int],
    quoted: bool,
    M: FloatArray,
    prefault: _Prefault,
    report: _Progress,
) -> list[str] | None:
    """Parse the data rows into ``M`` chunk by chunk; return the labels, if there are any.

    Unquoted text goes through per-line str methods and NumPy's C parser
    (:func:`_plain_chunk`), text with quotes through the csv module (:func:`_quoted_chunk`).
    """
    labels: list[str] | None = [] if job.label_j is not None else None
    as_int = True  # integer parsing is ~5x faster; drop to float once a chunk needs it
    total = len(rows_idx)
    for r0, r1 in _chunks(rows_idx, job.lines):
        idx = rows_idx[r0:r1]
        if quoted:
            chunk_labels, block, cell = _quoted_chunk(job, idx)
        else:
            (chunk_labels, block, cell), as_int = _plain_chunk(job, idx, as_int)
        if labels is not None:
            assert chunk_labels is not None
            labels.extend(chunk_labels)
        bad_cell = _first_non_finite(block)
        if bad_cell is not None:
            r, c = bad_cell
            name = job.numeric_names[c]
            raise BPStudioError(_cell_error(job.path, idx[r] + 1, name, cell(r, c), True))
        prefault.wait_for(r1)
        M[r0:r1] = block
        report(0.05 + 0.9 * r1 / total)
    return labels


def _plain_chunk(job: _Rows, idx: list[int], as_int: bool) -> tuple[_Chunk, bool]:
    """Unquoted text: per-line str methods, then NumPy's C parser on the chunk. Also returns
    whether to keep trying integers first."""
    delim, n_cols, path = job.delim, len(job.names), job.path
    chunk = [job.lines[i] for i in idx]
    if delim == " ":
        chunk = [_WS_RUN.sub(" ", line.strip()) for line in chunk]
    counts = np.fromiter((line.count(delim) for line in chunk), np.int64, len(chunk))
    bad = np.flatnonzero(counts != n_cols - 1)
    if bad.size:
        b = int(bad[0])
        raise BPStudioError(
            f"{path}: line {idx[b] + 1} has {counts[b] + 1} columns, expected {n_cols}"
        )
    labels = None
    if job.label_j is not None:
        labels, chunk = _cut_column(chunk, delim, job.label_j, n_cols)
    n_numeric = len(job.numeric_names)
    values, as_int = _fast_numbers(chunk, delim, n_numeric, as_int)
    if values is None:
        rows = [line.split(delim) for line in chunk]
        block = _convert_cells(rows, idx, job.numeric_names, path)
    else:
        block = values.reshape(len(chunk), n_numeric)

    def cell(r: int, c: int) -> str:
        return chunk[r].split(delim)[c]

    return (labels, block, cell), as_int


def _cut_column(chunk: list[str], delim: str, j: int, n_cols: int) -> tuple[list[str], list[str]]:
    """Split column ``j`` off each line: (its stripped cells, the lines without it)."""
    cells: list[str] = []
    rest: list[str] = []
    if j == 0:
        for line in chunk:
            cell, _, tail = line.partition(delim)
            cells.append(cell.strip())
            rest.append(tail)
    elif j == n_cols - 1:
        for line in chunk:
            head, _, cell = line.rpartition(delim)
            cells.append(cell.strip())
            rest.append(head)
    elif j <= n_cols // 2:
        for line in chunk:
            parts = line.split(delim, j)
            cell, _, tail = parts[j].partition(delim)
            cells.append(cell.strip())
            rest.append(delim.join(parts[:j]) + delim + tail)
    else:
        for line in chunk:
            head, *after = line.rsplit(delim, n_cols - 1 - j)
            pre, _, cell = head.rpartition(delim)
            cells.append(cell.strip())
            rest.append(pre + delim + delim.join(after))
    return cells, rest


def _fast_numbers(
    lines: Sequence[str], delim: str, n_cols: int, as_int: bool
) -> tuple[NDArray[Any] | None, bool]:
    """Parse lines of ``n_cols`` delimited numbers with NumPy's C parser; None if anything is off.

    Returns the flat values (int64 or float64, row-major) and whether to keep trying integers
    first. The caller has checked every line's delimiter count. ``np.fromstring`` stops at the
    first token it cannot read (an error in NumPy 2, a deprecation warning before), so the
    count check below catches malformed cells, with two exceptions that are guarded here:
    a cell of only whitespace, and (integers only) a sign without digits, each read as 0/-1.
    None sends the caller to the cell-by-cell path, which names the bad cell.
    """
    text = ",".join(lines)
    if delim != ",":
        text = text.replace(delim, ",")
    if any(ch in text for ch in _C_SPACE):
        # Strip spaces around cells; a blank cell becomes empty, which fromstring rejects.
        text = _C_SPACE_AROUND_COMMA.sub(",", text).strip(_C_SPACE)
    expected = len(lines) * n_cols
    try_int = as_int and not (
        ("-" in text or "+" in text) and _SIGN_WITHOUT_DIGIT.search(text) is not None
    )
    dtypes: tuple[type[np.generic], ...] = (np.int64, np.float64) if try_int else (np.float64,)
    for dtype in dtypes:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", DeprecationWarning)
                values = np.fromstring(text, dtype=dtype, sep=",")
        except (ValueError, DeprecationWarning):
            continue
        if values.size != expected:
            continue
        # strtoll saturates on overflow: re-read such chunks as floats.
        if dtype is np.int64 and (
            values.min() <= _INT64_LIMITS[0] or values.max() >= _INT64_LIMITS[1]
        ):
            continue
        return values, dtype is np.int64
    return None, as_int


def _cell_error(path: Path, line: int, column: str, cell: str, finite: bool = False) -> str:
    where = f"{path}: line {line}, column {_short(column)!r}"
    stripped = _short(cell.strip())
    if not stripped:
        return f"{where}: empty cell, expected a number"
    if finite:
        return f"{where}: {stripped!r} is not a finite number"
    hint = " (use a point for decimals, not a comma)" if _DECIMAL_COMMA.match(stripped) else ""
    return f"{where}: {stripped!r} is not a number{hint}"


def _short(text: str, limit: int = 40) -> str:
    """``text``, cut to ``limit`` characters for a message (a cell may be megabytes long)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _convert_cells(
    rows: Sequence[Sequence[str]], idx: Sequence[int], names: Sequence[str], path: Path
) -> FloatArray:
    """Cells to floats: in bulk if possible, else one by one to name the first bad cell."""
    try:
        block: FloatArray = np.array(rows, dtype=np.float64)
        if block.shape == (len(rows), len(names)):
            return block
    except ValueError:
        pass
    block = np.empty((len(rows), len(names)), dtype=np.float64)
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            try:
                block[r, c] = float(cell)
            except ValueError:
                raise BPStudioError(_cell_error(path, idx[r] + 1, names[c], cell)) from None
    return block


def _first_non_finite(block: FloatArray) -> tuple[int, int] | None:
    """(row, column) of the first NaN or infinity in ``block``, or None."""
    finite = np.isfinite(block)
    if finite.all():
        return None
    r, c = np.argwhere(~finite)[0]
    return int(r), int(c)


def _quoted_chunk(job: _Rows, idx: list[int]) -> _Chunk:
    """Text with quotes: the csv module splits the cells (a quoted cell may hold the delimiter)."""
    delim, n_cols, path, label_j = job.delim, len(job.names), job.path, job.label_j
    lines = job.lines
    source = [_WS_RUN.sub(" ", lines[i].strip()) if delim == " " else lines[i] for i in idx]
    rows = _quoted_rows(source, idx, delim, path)
    for r, row in enumerate(rows):
        if len(row) != n_cols:
            raise BPStudioError(
                f"{path}: line {idx[r] + 1} has {len(row)} columns, expected {n_cols}"
            )
    labels = None
    if label_j is not None:
        labels = [row[label_j].strip() for row in rows]
        rows = [row[:label_j] + row[label_j + 1 :] for row in rows]
    block = _convert_cells(rows, idx, job.numeric_names, path)

    def cell(r: int, c: int) -> str:
        return rows[r][c]

    return labels, block, cell


def _quoted_rows(source: list[str], idx: Sequence[int], delim: str, path: Path) -> list[list[str]]:
    """One row per physical line; a quote left open at a line's end is an error, not a join.

    The lines were split at every line break before parsing, so the csv module would join a
    quoted cell's continuation with the next row (and every later row would be off by one).
    """
    reader = csv.reader(source, delimiter=delim, skipinitialspace=True)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if reader.line_num != len(rows) + 1:
                raise BPStudioError(
                    f"{path}: line {idx[len(rows)] + 1}: a quoted cell runs past the end of the "
                    "line; cells may not hold line breaks"
                )
            rows.append(row)
    except csv.Error as exc:  # a cell longer than the csv module's field limit, say
        line = idx[min(max(reader.line_num, 1), len(idx)) - 1] + 1
        raise BPStudioError(f"{path}: line {line}: {exc}") from None
    return rows


def _encode_labels(
    labels: list[str], rows_idx: Sequence[int], column: str, one_hot: bool, path: Path
) -> tuple[FloatArray, tuple[str, ...]]:
    """One-hot (or, for two classes and ``one_hot=False``, 0/1) targets and sorted class names."""
    for r, label in enumerate(labels):
        if not label:
            raise BPStudioError(
                f"{path}: line {rows_idx[r] + 1}, column {column!r}: empty label, expected a "
                "class name or number"
            )
    try:
        numbers = np.array(labels, dtype=np.float64)
        numeric = bool(np.isfinite(numbers).all())
    except ValueError:
        numeric = False
    if numeric:
        values, inverse = np.unique(numbers, return_inverse=True)
        class_names = tuple(
            str(int(v)) if float(v).is_integer() and abs(v) < 2**53 else repr(float(v))
            for v in values
        )
    else:
        strings, inverse = np.unique(np.array(labels, dtype=str), return_inverse=True)
        class_names = tuple(str(s) for s in strings)
    k = len(class_names)
    if k < 2:
        raise BPStudioError(
            f"{path}: label column {column!r} has a single class ({class_names[0]!r}); "
            "expected at least two"
        )
    if k > MAX_CLASSES:
        raise BPStudioError(
            f"{path}: label column {column!r} has {k:,} distinct values; a label column holds "
            f"classes (at most {MAX_CLASSES}). For a numeric target use target_columns instead"
        )
    inverse = inverse.reshape(-1)
    if one_hot:
        Y: FloatArray = np.zeros((len(labels), k), dtype=np.float64)
        Y[np.arange(len(labels)), inverse] = 1.0
    elif k == 2:
        Y = inverse.astype(np.float64)[:, None]
    else:
        raise BPStudioError(
            f"{path}: one_hot=False needs exactly two classes, label column {column!r} has {k}"
        )
    return Y, class_names


def _numeric_task(Y: FloatArray, target_names: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """Classification for a 0/1 column or one-hot rows, otherwise regression."""
    binary = bool(((Y == 0.0) | (Y == 1.0)).all())
    if binary and Y.shape[1] == 1 and (Y == 0.0).any() and (Y == 1.0).any():
        return "classification", ("0", "1")
    if binary and Y.shape[1] > 1 and bool((Y.sum(axis=1) == 1.0).all()):
        return "classification", target_names
    return "regression", ()


__all__ = [
    "ALLOWED_DELIMITERS",
    "DELIMITERS",
    "MAX_CLASSES",
    "CsvData",
    "CsvFormat",
    "Standardizer",
    "read_csv",
    "sniff_csv",
]
