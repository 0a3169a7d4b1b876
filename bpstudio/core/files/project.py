"""The project document: network, parameters, data recipe, settings and history in one file.

A ``.bpstudio`` file is a zip archive (never pickle) holding

- ``project.json``: ``{"format": "bpstudio-project", "version": 1, "network": {...},
  "hyperparameters": {...}, "data": {...}, "training": {"step": ..., "epoch": ...,
  "examples_seen": ...},
  "history": {...}, "view": {...}}``;
- ``params.npz``: the arrays ``W1, b1, W2, b2, ...`` (docs/calculus.md §4 layout);
- ``gradient.npz`` (optional): ∇C of the last step's mini-batch in the same arrays (see
  :class:`SavedGradient`).

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bpstudio import __version__
from bpstudio.core.data.source import DataSource
from bpstudio.core.engine.address import array_shapes
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

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "SUFFIX",
    "Project",
    "SavedGradient",
    "note_example_params",
]

SUFFIX = ".bpstudio"
#: The most bytes a project's parameters may inflate to (512 million float64 values); a
#: file claiming a larger network is refused before anything is inflated.
MAX_PARAMS_BYTES = 4 << 30
GRADIENT_MEMBER = "gradient.npz"


def note_example_params() -> Params:
    """The worked example of docs/calculus.md §5: w = (0.5, -1.2, 0.8), b = (0.1, 0.3, -0.4)."""
    return Params(
        [np.array([[0.5]]), np.array([[-1.2]]), np.array([[0.8]])],
        [np.array([0.1]), np.array([0.3]), np.array([-0.4])],
    )


@dataclass(frozen=True)
class SavedGradient:
    """∇C of the mini-batch of step ``step`` (``examples`` examples), as the gradient plot
    showed it when the project was saved.

    It was computed with the parameters before that step's update, which the project no
    longer holds, so it cannot be recomputed from the file: it is saved (one float per
    parameter). ``grads`` has the parameters' arrays and names (``W1`` is ∂C/∂W^(1)).
    """

    step: int
    examples: int
    grads: Params


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
    #: The last step's gradient, when it is known (not an edit: no undo step of its own).
    gradient: SavedGradient | None = None

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
            self.gradient,
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
                **self._gradient_json(),
            },
            "history": self.history.to_dict(),
            "view": self.view,
        }

    def _saved_gradient(self) -> SavedGradient | None:
        """The gradient worth saving: this step's and this network's, finite."""
        g = self.gradient
        if g is None or g.step != self.step or g.step == 0:
            return None
        try:
            g.grads.check(self.spec)  # the shapes, and every value finite
        except BPStudioError:
            return None
        return g

    def _gradient_json(self) -> dict[str, int]:
        g = self._saved_gradient()
        return {} if g is None else {"gradient_step": g.step, "gradient_examples": g.examples}

    def members(self) -> dict[str, bytes]:
        """The archive's members, name to bytes (what :meth:`save` writes)."""
        arrays = io.BytesIO()
        np.savez_compressed(arrays, allow_pickle=False, **self.params.named())
        document = json.dumps(self.to_json(), indent=1, allow_nan=False)
        members = {"project.json": document.encode("utf-8"), "params.npz": arrays.getvalue()}
        gradient = self._saved_gradient()
        if gradient is not None:
            saved = io.BytesIO()
            np.savez_compressed(saved, allow_pickle=False, **gradient.grads.named())
            members[GRADIENT_MEMBER] = saved.getvalue()
        return members

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
        gradient_raw = None
        if "gradient_step" in document.get("training", {}):
            limits = {GRADIENT_MEMBER: _npz_bound(spec)}
            members = read_members(path, where, [GRADIENT_MEMBER], limits=limits)
            gradient_raw = members[GRADIENT_MEMBER]
        return cls.from_json(document, arrays_raw, where, gradient_raw)

    @classmethod
    def from_json(
        cls,
        document: Any,
        arrays_raw: bytes,
        where: str = "project",
        gradient_raw: bytes | None = None,
    ) -> Project:
        """The project described by a parsed ``project.json`` and the bytes of ``params.npz``
        (and of ``gradient.npz``, when ``project.json`` says there is one)."""
        spec = _spec_of(document, where)
        try:
            params = _read_arrays(spec, arrays_raw, f"{where}: params.npz")
            training = document.get("training", {})
            gradient = None
            if "gradient_step" in training:
                if gradient_raw is None:
                    raise BPStudioError(f"{GRADIENT_MEMBER} is missing")
                gradient = SavedGradient(
                    training["gradient_step"],
                    training.get("gradient_examples", 0),
                    _read_arrays(spec, gradient_raw, f"{where}: {GRADIENT_MEMBER}"),
                )
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
                gradient=gradient,
            )
        except BPStudioError as exc:
            message = str(exc)
            raise BPStudioError(
                message if message.startswith(where) else f"{where}: {message}"
            ) from None


def _read_arrays(spec: NetworkSpec, raw: bytes, where: str) -> Params:
    """The arrays ``W1, b1, ...`` of ``spec`` from the bytes of an .npz member."""
    arrays = read_npz(
        io.BytesIO(raw),
        where,
        max_total_bytes=_npz_bound(spec),
        expected_bytes=npz_limits(dict(array_shapes(spec))),
    )
    return Params.from_named(spec, arrays, source=where)


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


def _npz_bound(spec: NetworkSpec) -> int:
    """The most bytes ``params.npz`` of ``spec`` inflates to: float64 data, headers, slack."""
    data = 8 * spec.parameter_count
    bound = data + data // 64 + 2 * spec.n_layers * (NPY_HEADER_BYTES + 512) + 4096
    return min(bound, MAX_PARAMS_BYTES)
