"""Where a project's examples come from, and how to get them back when it is reopened.

A :class:`DataSource` is a small, serialisable recipe: a built-in generator with its size,
noise and seed, or a CSV file with its path, content hash and column choices. Building it
gives the training and validation sets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from bpstudio.core.datasets import Dataset, make_dataset
from bpstudio.core.errors import BPStudioError


@dataclass(frozen=True)
class DataSource:
    """A recipe for a project's data.

    ``kind`` is ``"generator"`` (``name``, ``n_examples``, ``noise``, ``n_classes``, ``seed``)
    or ``"csv"`` (``path``, ``sha256``, ``label_column`` or ``target_columns``,
    ``standardize``). ``validation_fraction`` of the examples are held out.
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

    def __post_init__(self) -> None:
        object.__setattr__(self, "target_columns", tuple(self.target_columns))
        if self.kind not in ("generator", "csv"):
            raise BPStudioError(
                f"unknown data source kind {self.kind!r}; expected generator or csv"
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
    from bpstudio.core.csv_data import read_csv

    path = Path(source.path)
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    if not path.exists():
        raise BPStudioError(
            f"the data file {source.path} was not found; put it back or import the data again"
        )
    if source.sha256 and file_sha256(path) != source.sha256:
        raise BPStudioError(
            f"the data file {path} has changed since it was imported (its SHA-256 differs)"
        )
    data = read_csv(
        path,
        target_columns=list(source.target_columns) or None,
        label_column=source.label_column,
    )
    return data.dataset


def split_examples(source: DataSource, examples: Dataset) -> tuple[Dataset, Dataset]:
    """The training and validation sets, standardised with training statistics if asked."""
    train, validation = examples.split(source.validation_fraction, source.seed)
    if source.standardize:
        from bpstudio.core.csv_data import Standardizer

        scaler = Standardizer.fit(train.X)
        train = replace(train, X=scaler.transform(train.X))
        validation = replace(validation, X=scaler.transform(validation.X))
    return train, validation
