"""Where a project's examples come from, and how to get them back when it is reopened.

A :class:`DataSource` is a small, serialisable recipe: a built-in generator with its size,
noise and seed, or a CSV file with its path, content hash and column choices. Building it
gives the training and validation sets.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bpstudio.core.data.datasets import Dataset, make_dataset
from bpstudio.core.errors import BPStudioError

if TYPE_CHECKING:
    from bpstudio.core.data.csv_data import Standardizer


@dataclass(frozen=True)
class DataSource:
    """A recipe for a project's data.

    ``kind`` is ``"generator"`` (``name``, ``n_examples``, ``noise``, ``n_classes``, ``seed``)
    or ``"csv"`` (``path``, ``sha256``, ``label_column`` or ``target_columns``,
    ``standardize``, and the ``delimiter`` / ``has_header`` it was read with; None means
    "detect"). ``validation_fraction`` of the examples are held out.
    """

    kind: str = "generator"
    name: str = "note"
    n_examples: int | None = None
    noise: float | None = None
    n_classes: int | None = None
    seed: int = 0
    validation_fraction: float = 0.0
    path: str = ""
    sha256: str = ""
    label_column: str | None = None
    target_columns: tuple[str, ...] = field(default_factory=tuple)
    standardize: bool = False
    delimiter: str | None = None
    has_header: bool | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "target_columns", tuple(self.target_columns))
        if self.delimiter is not None and self.delimiter not in (",", ";", "\t", " "):
            raise BPStudioError(
                f"unknown CSV delimiter {self.delimiter!r}; expected ',', ';', tab or space"
            )
        if self.kind not in ("generator", "csv"):
            raise BPStudioError(
                f"unknown data source kind {self.kind!r}; expected generator or csv"
            )
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise BPStudioError(
                f"the data seed must be a non-negative whole number, got {self.seed!r}"
            )
        if not 0.0 <= self.validation_fraction < 1.0:
            raise BPStudioError(
                f"the validation fraction must be in [0, 1), got {self.validation_fraction}"
            )

    def describe(self) -> str:
        if self.kind == "csv":
            return Path(self.path).name
        return self.name

    def with_changes(self, **changes: Any) -> DataSource:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["target_columns"] = list(self.target_columns)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DataSource:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise BPStudioError(f"unknown data settings: {', '.join(unknown)}")
        try:
            return cls(**dict(data))
        except TypeError as exc:
            raise BPStudioError(f"malformed data settings: {exc}") from None


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_examples(source: DataSource, base_dir: str | Path | None = None) -> Dataset:
    """All the examples the source describes (before the train/validation split)."""
    if source.kind == "generator":
        return make_dataset(
            source.name,
            n_examples=source.n_examples,
            noise=source.noise,
            seed=source.seed,
            n_classes=source.n_classes,
        )
    return read_csv_examples(source, base_dir)[0]


# -- CSV files, read once -------------------------------------------------------------------

#: (resolved path, SHA-256, delimiter, has_header, target columns, label column)
CacheKey = tuple[str, str, str | None, bool | None, tuple[str, ...], str | None]


class DatasetCache:
    """The most recently read CSV data sets, keyed by file content and reading options.

    The import dialog reads a big file once (with a progress bar); the training worker then
    asks for the same source and gets the same immutable :class:`Dataset` instead of parsing
    100 MB again. Keys include the file's SHA-256, so a changed file is never served stale.
    Thread-safe: the dialog's reader thread and the worker thread both use it.
    """

    def __init__(self, max_entries: int = 2) -> None:
        if max_entries < 1:
            raise BPStudioError(f"a cache needs room for at least one entry, got {max_entries}")
        self.max_entries = max_entries
        self._entries: OrderedDict[CacheKey, Dataset] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: CacheKey) -> Dataset | None:
        with self._lock:
            dataset = self._entries.get(key)
            if dataset is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return dataset

    def put(self, key: CacheKey, dataset: Dataset) -> None:
        with self._lock:
            self._entries[key] = dataset
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._entries


#: The process-wide cache used by :func:`load_examples`.
CSV_CACHE = DatasetCache(max_entries=2)


def csv_path(source: DataSource, base_dir: str | Path | None = None) -> Path:
    """The file a CSV source names (relative paths are relative to ``base_dir``)."""
    path = Path(source.path)
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    return path


def data_path_outside(source: DataSource, project_dir: str | Path) -> Path | None:
    """The file a CSV source would read, if it lies outside ``project_dir``; else None.

    A project names its data file by a path that is followed for portability, relative to
    the project's folder; an absolute path or one that climbs out with ``..`` (symbolic
    links resolved) may point anywhere, so the app shows it before reading.
    """
    if source.kind != "csv" or not source.path:
        return None
    folder = Path(project_dir).resolve()
    target = csv_path(source, folder).resolve()
    return None if target.is_relative_to(folder) else target


def read_csv_examples(
    source: DataSource,
    base_dir: str | Path | None = None,
    progress: Callable[[float], None] | None = None,
    cache: DatasetCache | None = None,
) -> tuple[Dataset, str]:
    """The examples of a CSV source, through ``cache`` (default :data:`CSV_CACHE`).

    Returns the data set and the file's SHA-256. When ``source.sha256`` is set the file
    must still have that content. ``progress`` gets fractions 0..1 while parsing (an
    exception raised in it aborts the read, which is how a reader is cancelled).
    """
    from bpstudio.core.data.csv_data import read_csv

    cache = CSV_CACHE if cache is None else cache
    path = csv_path(source, base_dir)
    if not path.is_file():
        raise BPStudioError(
            f"the data file {source.path} was not found; put it back or import the data again"
        )
    try:
        digest = file_sha256(path)
    except OSError as exc:
        raise BPStudioError(f"cannot read {path}: {exc.strerror or exc}") from None
    if source.sha256 and digest != source.sha256:
        raise BPStudioError(_changed(path))
    options = (source.delimiter, source.has_header, source.target_columns, source.label_column)
    key: CacheKey = (str(path.resolve()), digest, *options)
    cached = cache.get(key)
    if cached is not None:
        if progress is not None:
            progress(1.0)
        return cached, digest
    data = read_csv(
        path,
        delimiter=source.delimiter,
        has_header=source.has_header,
        target_columns=list(source.target_columns) or None,
        label_column=source.label_column,
        progress=progress,
    )
    if source.sha256 and data.sha256 != source.sha256:
        raise BPStudioError(_changed(path))  # it changed while we were reading it
    cache.put((str(path.resolve()), data.sha256, *options), data.dataset)
    return data.dataset, data.sha256


def _changed(path: Path) -> str:
    return f"the data file {path} has changed since it was imported (its SHA-256 differs)"


def split_examples(source: DataSource, examples: Dataset) -> tuple[Dataset, Dataset]:
    """The training and validation sets, standardised with training statistics if asked."""
    train, validation = examples.split(source.validation_fraction, source.seed)
    if source.standardize:
        scaler = _fit(train)
        train = replace(train, X=scaler.transform(train.X))
        validation = replace(validation, X=scaler.transform(validation.X))
    return train, validation


def fit_standardizer(source: DataSource, examples: Dataset) -> Standardizer | None:
    """The standardisation :func:`split_examples` applies to ``examples`` (fitted on their
    training split), or None when the source uses the inputs raw. Exports carry it."""
    if not source.standardize:
        return None
    return _fit(examples.split(source.validation_fraction, source.seed)[0])


def _fit(train: Dataset) -> Standardizer:
    from bpstudio.core.data.csv_data import Standardizer

    return Standardizer.fit(train.X)
