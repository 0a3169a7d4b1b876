"""The project document: network, parameters, data recipe, settings and history in one file.

A ``.bpstudio`` file is a zip archive (never pickle) holding

- ``project.json``: ``{"format": "bpstudio-project", "version": 1, "network": {...},
  "hyperparameters": {...}, "data": {...}, "training": {"step": ..., "epoch": ...,
  "examples_seen": ...},
  "history": {...}, "view": {...}}``;
- ``params.npz``: the arrays ``W1, b1, W2, b2, ...`` (docs/calculus.md §4 layout).

It is written atomically (a temporary file, then a rename). Reading goes through
:mod:`~bpstudio.core.files.safe_zip` (bounded sizes, no pickle) and
:mod:`~bpstudio.core.files.safe_json`, checks every field of ``project.json`` against
:mod:`~bpstudio.core.files.project_schema`, then that the arrays fit the network, and raises
:class:`BPStudioError` with a message saying what is wrong.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bpstudio import __version__
from bpstudio.core.data.source import DataSource
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.errors import BPStudioError
from bpstudio.core.files.atomic import atomic_write, clean_stale_temporaries
from bpstudio.core.files.project_schema import (
    FORMAT_NAME,
    FORMAT_VERSION,
    validate_project_json,
)
from bpstudio.core.files.safe_json import MAX_JSON_BYTES, load_json
from bpstudio.core.files.safe_zip import NPY_HEADER_BYTES, npz_limits, read_members, read_npz
from bpstudio.core.training.history import History
from bpstudio.core.training.hyperparams import Hyperparameters

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "SUFFIX", "Project", "note_example_params"]

SUFFIX = ".bpstudio"
#: The most bytes a project's parameters may inflate to (512 million float64 values); a
#: file claiming a larger network is refused before anything is inflated.
MAX_PARAMS_BYTES = 4 << 30


def note_example_params() -> Params:
    """The worked example of docs/calculus.md §5: w = (0.5, -1.2, 0.8), b = (0.1, 0.3, -0.4)."""
    return Params(
        [np.array([[0.5]]), np.array([[-1.2]]), np.array([[0.8]])],
        [np.array([0.1]), np.array([0.3]), np.array([-0.4])],
    )


@dataclass
class Project:
    """Everything a user's work consists of; the single source of truth while idle."""

    spec: NetworkSpec
    params: Params
    data: DataSource = field(default_factory=DataSource)
    hyperparameters: Hyperparameters = field(default_factory=Hyperparameters)
    history: History = field(default_factory=History)
    step: int = 0
    epoch: int = 0
    view: dict[str, Any] = field(default_factory=dict)
    #: Examples of the current epoch already trained on (the epoch goes on from there).
    examples_seen: int = 0

    def __post_init__(self) -> None:
        self.params.check(self.spec)

    @classmethod
    def note_example(cls) -> Project:
        """The note's 1-1-1-1 sigmoid chain on its single example x = 1, y = 0.25."""
        spec = NetworkSpec.build([1, 1, 1, 1], "sigmoid", loss="squared_error")
        return cls(
            spec,
            note_example_params(),
            DataSource("generator", "note"),
            Hyperparameters(learning_rate=1.0, batch_size=1),
        )

    def copy(self) -> Project:
        return Project(
            self.spec,
            self.params.copy(),
            self.data,
            self.hyperparameters,
            self.history.copy(),
            self.step,
            self.epoch,
            json.loads(json.dumps(self.view)),
            self.examples_seen,
        )

    # -- files -------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "written_by": f"bpstudio {__version__}",
            "network": self.spec.to_dict(),
            "hyperparameters": self.hyperparameters.to_dict(),
            "data": self.data.to_dict(),
            "training": {
                "step": self.step,
                "epoch": self.epoch,
                "examples_seen": self.examples_seen,
            },
            "history": self.history.to_dict(),
            "view": self.view,
        }

    def members(self) -> dict[str, bytes]:
        """The archive's members, name to bytes (what :meth:`save` writes)."""
        arrays = io.BytesIO()
        np.savez_compressed(arrays, allow_pickle=False, **self.params.named())
        document = json.dumps(self.to_json(), indent=1, allow_nan=False)
        return {"project.json": document.encode("utf-8"), "params.npz": arrays.getvalue()}

    def save(self, path: str | Path, extra: dict[str, bytes] | None = None) -> None:
        """Write the project atomically to ``path``; ``extra`` members (a recovery file's
        own fields) go into the same archive and are ignored by :meth:`load`.

        A network whose parameters exceed :data:`MAX_PARAMS_BYTES` is refused: its file
        could not be opened again (export its weights instead).
        """
        if 8 * self.spec.parameter_count > MAX_PARAMS_BYTES:
            raise BPStudioError(
                f"cannot save {path}: {self.spec.parameter_count:,} parameters are more than a "
                f"project holds ({MAX_PARAMS_BYTES // 8:,}); export the weights instead"
            )
        members = {**(extra or {}), **self.members()}

        def write(fh: Any) -> None:
            with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for name, data in members.items():
                    archive.writestr(name, data)

        atomic_write(path, write)

    @classmethod
    def load(cls, path: str | Path) -> Project:
        """Read a project, raising :class:`BPStudioError` for anything damaged or foreign.

        ``project.json`` is read first (at most :data:`MAX_JSON_BYTES`) and checked against
        the schema; ``params.npz`` may then inflate only to what the network's arrays need.
        """
        path = Path(path)
        where = str(path)
        clean_stale_temporaries(path)
        if path.is_dir():
            raise BPStudioError(f"{where}: is a folder, not a project file")
        json_raw = _member(path, where, "project.json", MAX_JSON_BYTES)["project.json"]
        document = load_json(json_raw, where, what="project.json")
        spec = _spec_of(document, where)
        arrays_raw = _member(path, where, "params.npz", _npz_bound(spec))["params.npz"]
        return cls.from_json(document, arrays_raw, where)

    @classmethod
    def from_json(cls, document: Any, arrays_raw: bytes, where: str = "project") -> Project:
        """The project described by a parsed ``project.json`` and the bytes of ``params.npz``."""
        spec = _spec_of(document, where)
        try:
            arrays = read_npz(
                io.BytesIO(arrays_raw),
                f"{where}: params.npz",
                max_total_bytes=_npz_bound(spec),
                expected_bytes=npz_limits(dict(_shapes(spec))),
            )
            params = Params.from_named(spec, arrays, source=f"{where}: params.npz")
            training = document.get("training", {})
            return cls(
                spec=spec,
                params=params,
                data=DataSource.from_dict(document.get("data", {})),
                hyperparameters=Hyperparameters.from_dict(document.get("hyperparameters", {})),
                history=History.from_dict(document.get("history", {})),
                step=training.get("step", 0),
                epoch=training.get("epoch", 0),
                view=document.get("view", {}),
                examples_seen=training.get("examples_seen", 0),
            )
        except BPStudioError as exc:
            message = str(exc)
            raise BPStudioError(
                message if message.startswith(where) else f"{where}: {message}"
            ) from None


def _member(path: Path, where: str, name: str, limit: int) -> dict[str, bytes]:
    try:
        return read_members(
            path, where, [name], limits={name: limit}, what="Backprop Studio project"
        )
    except BPStudioError as exc:
        if str(exc) == f"{where}: {name} is missing":
            raise BPStudioError(
                f"{where}: not a Backprop Studio project ({name} is missing)"
            ) from None
        raise


def _spec_of(document: Any, where: str) -> NetworkSpec:
    """The network of a schema-checked document (the schema is checked here)."""
    try:
        validate_project_json(document)
        return NetworkSpec.from_dict(document["network"])
    except BPStudioError as exc:
        raise BPStudioError(f"{where}: {exc}") from None


def _shapes(spec: NetworkSpec) -> Iterator[tuple[str, tuple[int, ...]]]:
    for l, (w_shape, b_shape) in enumerate(spec.shapes(), start=1):
        yield f"W{l}", w_shape
        yield f"b{l}", b_shape


def _npz_bound(spec: NetworkSpec) -> int:
    """The most bytes ``params.npz`` of ``spec`` inflates to: float64 data, headers, slack."""
    data = 8 * spec.parameter_count
    bound = data + data // 64 + 2 * spec.n_layers * (NPY_HEADER_BYTES + 512) + 4096
    return min(bound, MAX_PARAMS_BYTES)
