"""The project document: network, parameters, data recipe, settings and history in one file.

A ``.bpstudio`` file is a zip archive (never pickle) holding

- ``project.json``: ``{"format": "bpstudio-project", "version": 1, "network": {...},
  "hyperparameters": {...}, "data": {...}, "training": {"step": ..., "epoch": ...},
  "history": {...}, "view": {...}}``;
- ``params.npz``: the arrays ``W1, b1, W2, b2, ...`` (BACKPROP.md layout).

It is written atomically (a temporary file, then a rename). Reading checks the archive, the
format name and version, and that the arrays fit the network, and raises
:class:`BPStudioError` with a message saying what is wrong.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bpstudio import __version__
from bpstudio.core.data.source import DataSource
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.errors import BPStudioError
from bpstudio.core.files.atomic import atomic_write
from bpstudio.core.training.history import History
from bpstudio.core.training.hyperparams import Hyperparameters

FORMAT_NAME = "bpstudio-project"
FORMAT_VERSION = 1
SUFFIX = ".bpstudio"


def note_example_params() -> Params:
    """The worked example of BACKPROP.md: w = (0.5, -1.2, 0.8), b = (0.1, 0.3, -0.4)."""
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
            "training": {"step": self.step, "epoch": self.epoch},
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
        own fields) go into the same archive and are ignored by :meth:`load`."""
        members = {**(extra or {}), **self.members()}

        def write(fh: Any) -> None:
            with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for name, data in members.items():
                    archive.writestr(name, data)

        atomic_write(path, write)

    @classmethod
    def load(cls, path: str | Path) -> Project:
        """Read a project, raising :class:`BPStudioError` for anything damaged or foreign."""
        path = Path(path)
        where = str(path)
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
                for required in ("project.json", "params.npz"):
                    if required not in names:
                        raise BPStudioError(
                            f"{where}: not a Backprop Studio project ({required} is missing)"
                        )
                raw = archive.read("project.json")
                arrays_raw = archive.read("params.npz")
        except FileNotFoundError:
            raise BPStudioError(f"{where}: no such file") from None
        except IsADirectoryError:
            raise BPStudioError(f"{where}: is a folder, not a project file") from None
        except (
            zipfile.BadZipFile,
            EOFError,
            zipfile.LargeZipFile,
            # A damaged compressed stream, or a damaged header naming a zip feature or
            # version that zipfile lacks (compression method, encryption flag, ...).
            zlib.error,
            NotImplementedError,
        ):
            raise BPStudioError(
                f"{where}: not a Backprop Studio project, or the file is damaged or truncated"
            ) from None
        except (OSError, zipfile.error, RuntimeError) as exc:
            # RuntimeError: zipfile's "File ... is encrypted, password required".
            raise BPStudioError(f"{where}: cannot read the file ({exc})") from None
        try:
            document = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BPStudioError(f"{where}: project.json is not valid JSON ({exc})") from None
        return cls.from_json(document, arrays_raw, where)

    @classmethod
    def from_json(cls, document: Any, arrays_raw: bytes, where: str = "project") -> Project:
        if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
            raise BPStudioError(f"{where}: not a Backprop Studio project file")
        version = document.get("version")
        if version != FORMAT_VERSION:
            raise BPStudioError(
                f"{where}: project format version {version!r} is not supported; this "
                f"Backprop Studio ({__version__}) reads version {FORMAT_VERSION}. "
                "A newer version of the app may open it."
            )

        def section(name: str) -> dict[str, Any]:
            value = document.get(name, {})
            if not isinstance(value, dict):
                raise BPStudioError(
                    f"{where}: the {name!r} section of project.json must be a JSON object, "
                    f"not {type(value).__name__} {json.dumps(value)[:40]}"
                )
            return value

        try:
            if "network" not in document:
                raise KeyError("network")
            spec = NetworkSpec.from_dict(section("network"))
            with np.load(io.BytesIO(arrays_raw), allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in npz.files}
            params = Params.from_named(spec, arrays, source=f"{where}: params.npz")
            training = section("training")
            return cls(
                spec=spec,
                params=params,
                data=DataSource.from_dict(section("data")),
                hyperparameters=Hyperparameters.from_dict(section("hyperparameters")),
                history=History.from_dict(section("history")),
                step=int(training.get("step", 0)),
                epoch=int(training.get("epoch", 0)),
                view=section("view"),
            )
        except BPStudioError as exc:
            message = str(exc)
            raise BPStudioError(
                message if message.startswith(where) else f"{where}: {message}"
            ) from None
        except KeyError as exc:
            raise BPStudioError(f"{where}: project.json has no {exc.args[0]!r} section") from None
        except (
            ValueError,
            TypeError,
            AttributeError,  # a section of the wrong JSON type, e.g. "training": []
            ArithmeticError,  # e.g. int(1e400) for a count
            EOFError,
            OSError,
            zipfile.BadZipFile,
            zlib.error,
            NotImplementedError,
            RuntimeError,
        ) as exc:
            raise BPStudioError(
                f"{where}: the project is inconsistent or damaged ({exc})"
            ) from None
