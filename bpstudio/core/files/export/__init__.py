"""Export the network's parameters to files other tools read; one registry of formats.

Formats (keys of :data:`EXPORT_FORMATS`):

- ``npz``: NumPy archive ``W1, b1, ...`` plus JSON metadata (:mod:`.npz`)
- ``json``: human-readable weights (:mod:`.json_format`)
- ``csv``: one spreadsheet-friendly file with labelled blocks (:mod:`.csv_format`)
- ``onnx``: Gemm + activation graph for onnxruntime and others (:mod:`.onnx_format`)
- ``safetensors``: PyTorch ``nn.Sequential`` state_dict names + a PyTorch snippet
  (:mod:`.safetensors_format`)
- ``python``: a standalone NumPy module with ``predict(x)`` (:mod:`.python_snippet`)

Every format carries the input preprocessing the network was trained with and says what
its outputs mean (:class:`ModelInfo`): ONNX, the Python module and the PyTorch module apply
the standardisation themselves; npz, JSON and CSV store it as ``input_mean`` and
``input_std``. Every writer writes atomically (nothing half-written on error) and every
format has a way to read its files back with its own reader, which :func:`verify_export`
feeds raw inputs and compares with the app's predictions on those raw inputs. onnx,
onnxruntime and safetensors are optional: they are imported only when needed, and a
missing one gives a
:class:`BPStudioError` naming the pip extra that installs it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bpstudio.core.engine.activations import Array
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.errors import BPStudioError, lookup
from bpstudio.core.files.export._common import Predictor, Writer, importable
from bpstudio.core.files.export.csv_format import csv_predictor, read_csv, write_csv
from bpstudio.core.files.export.json_format import json_predictor, read_json, write_json
from bpstudio.core.files.export.model_info import (
    ModelInfo,
    info_for_data,
    predict_raw,
    verification_inputs,
)
from bpstudio.core.files.export.npz import load_params_npz, npz_predictor, read_npz, write_npz
from bpstudio.core.files.export.onnx_format import onnx_predictor, read_onnx, write_onnx
from bpstudio.core.files.export.python_snippet import import_snippet, python_predictor, write_python
from bpstudio.core.files.export.safetensors_format import (
    read_safetensors,
    safetensors_predictor,
    write_safetensors,
)

#: Reads an exported file back with the format's own reader and returns its model as a
#: function of raw inputs X (the file's own preprocessing applied); the spec is used only
#: where the file does not describe the network.
PredictorLoader = Callable[[Path, NetworkSpec], Predictor]


@dataclass(frozen=True)
class ExportFormat:
    """One export format.

    Attributes
    ----------
    name : registry key and the CLI's ``--format`` value
    label : menu text
    extensions : file name endings, the default first (``.safetensors`` also writes a
        ``<stem>_torch.py`` beside it)
    writer : see :class:`Writer`
    load_predictor : the reader or verifier used by :func:`verify_export`
    optional_extra : the pip extra (``bpstudio[extra]``) needed, or None
    requires : modules the writer imports
    verify_requires : modules the reader / verifier imports
    description : one line for tooltips and ``bpstudio export --help``
    """

    name: str
    label: str
    extensions: tuple[str, ...]
    writer: Writer
    load_predictor: PredictorLoader
    optional_extra: str | None = None
    requires: tuple[str, ...] = ()
    verify_requires: tuple[str, ...] = ()
    description: str = ""

    @property
    def extension(self) -> str:
        """The default file ending, with its dot."""
        return self.extensions[0]

    @property
    def file_filter(self) -> str:
        """``"ONNX model (*.onnx)"``, for file dialogs."""
        return f"{self.label} ({' '.join('*' + ext for ext in self.extensions)})"

    def available(self) -> bool:
        """True if the optional packages the writer needs are installed."""
        return importable(*self.requires)

    def verifiable(self) -> bool:
        """True if the optional packages the verifier needs are installed."""
        return importable(*self.verify_requires)


EXPORT_FORMATS: dict[str, ExportFormat] = {
    fmt.name: fmt
    for fmt in (
        ExportFormat(
            "npz",
            "NumPy archive",
            (".npz",),
            write_npz,
            npz_predictor,
            description="W1, b1, ... as NumPy arrays plus JSON metadata",
        ),
        ExportFormat(
            "json",
            "JSON weights",
            (".json",),
            write_json,
            json_predictor,
            description="human-readable weights and network description, exact floats",
        ),
        ExportFormat(
            "csv",
            "CSV weights",
            (".csv",),
            write_csv,
            csv_predictor,
            description="one spreadsheet-friendly file, a labelled block per W and b",
        ),
        ExportFormat(
            "onnx",
            "ONNX model",
            (".onnx",),
            write_onnx,
            onnx_predictor,
            optional_extra="onnx",
            requires=("onnx",),
            verify_requires=("onnxruntime",),
            description="Gemm + activation graph for onnxruntime and other runtimes",
        ),
        ExportFormat(
            "safetensors",
            "safetensors (PyTorch)",
            (".safetensors",),
            write_safetensors,
            safetensors_predictor,
            optional_extra="safetensors",
            requires=("safetensors",),
            verify_requires=("safetensors",),
            description="PyTorch nn.Sequential state_dict tensors plus a model snippet",
        ),
        ExportFormat(
            "python",
            "Python (NumPy) module",
            (".py",),
            write_python,
            python_predictor,
            description="standalone .py with the weights and predict(x); needs only NumPy",
        ),
    )
}


def get_export_format(name: str) -> ExportFormat:
    """The format registered as ``name``, with a clear error listing the known ones."""
    return lookup(EXPORT_FORMATS, name, "export format")


def format_for_path(path: str | os.PathLike[str]) -> ExportFormat | None:
    """The format whose extension ``path`` ends with (``model.onnx`` -> onnx), or None."""
    name = Path(path).name.lower()
    for fmt in EXPORT_FORMATS.values():
        if any(name.endswith(ext) for ext in fmt.extensions):
            return fmt
    return None


def export_params(
    fmt: str,
    spec: NetworkSpec,
    params: Params,
    path: str | os.PathLike[str],
    *,
    metadata: Mapping[str, Any] | None = None,
    dtype: str | None = None,
    info: ModelInfo | None = None,
) -> list[Path]:
    """Write ``params`` of ``spec`` to ``path`` in format ``fmt``; return the files written.

    ``info`` is the input preprocessing and the meaning of the outputs (see
    :func:`info_for_data`); without it the export says the inputs are used raw and the task
    is unknown. ``metadata`` (JSON-serialisable values) is stored alongside the network
    description. ``dtype`` ("float32" or "float64") overrides the spec's dtype for the
    stored numbers. The parameters are checked against ``spec`` first (shapes, finite values).
    """
    writer = get_export_format(fmt).writer
    return writer(spec, params, path, metadata=metadata, dtype=dtype, info=info)


#: Default verification tolerance by the lower precision of the network and the export:
#: |exported - app| <= tol * max(1, |app|) for every output.
VERIFY_TOLERANCE: dict[str, float] = {"float64": 1e-9, "float32": 1e-4}


def verify_export(
    fmt: str,
    path: str | os.PathLike[str],
    spec: NetworkSpec,
    params: Params,
    *,
    info: ModelInfo | None = None,
    X: Array | None = None,
    rng_seed: int = 0,
    n: int = 64,
    atol: float | None = None,
    dtype: str | None = None,
) -> float:
    """Max |app - exported model| on raw inputs; errors if the file is unusable or differs.

    The file is read back with the format's own reader (np.load, json, csv, onnxruntime,
    safetensors and the generated PyTorch module, importlib), which applies the file's own
    preprocessing, and its predictions on raw inputs are compared with the app's on the
    same raw inputs: ``info``'s preprocessing, then ``predict(spec, params, .)``. The raw
    inputs are up to ``n`` rows of ``X`` (the user's data) and ``n`` random rows over the
    inputs' scale (:func:`verification_inputs`). A difference above ``atol`` (default
    :data:`VERIFY_TOLERANCE` for the lower of the network's and the export's ``dtype``,
    scaled by the outputs' size) raises :class:`BPStudioError`: a file that mispredicts is
    never reported as verified.
    """
    export = get_export_format(fmt)
    source = Path(path)
    meaning = (info or ModelInfo()).check(spec)
    if n < 1:
        raise BPStudioError(f"verification needs at least one input, got n={n}")
    if not source.is_file():
        raise BPStudioError(f"cannot verify {source}: no such file")
    params.check(spec)
    raw = verification_inputs(spec, meaning, X, n=n, rng_seed=rng_seed)
    expected = predict_raw(spec, params, meaning, raw).astype(np.float64)
    model = export.load_predictor(source, spec)
    try:
        got = np.asarray(model(raw), dtype=np.float64)
    except BPStudioError:
        raise
    except Exception as exc:  # whatever the runtime raises, reported as a file problem
        raise BPStudioError(f"{source}: the exported {export.label} failed to run ({exc})") from exc
    if got.shape != expected.shape:
        raise BPStudioError(
            f"{source}: the exported model gives outputs of shape {got.shape}, "
            f"the network gives {expected.shape}"
        )
    if not np.all(np.isfinite(got)):
        raise BPStudioError(f"{source}: the exported model gives NaN or infinite outputs")
    diff = float(np.max(np.abs(got - expected)))
    if atol is None:
        precision = "float32" if "float32" in (spec.dtype, dtype or spec.dtype) else "float64"
        tol = VERIFY_TOLERANCE[precision]
        excess = np.abs(got - expected) - tol * np.maximum(1.0, np.abs(expected))
        if np.any(excess > 0):
            raise BPStudioError(
                f"{source}: the exported model's predictions on raw inputs differ from the "
                f"app's by up to {diff:.3g} (allowed {tol:.0e} relative); not verified"
            )
    elif diff > atol:
        raise BPStudioError(
            f"{source}: the exported model differs from the network by up to {diff:.3g} "
            f"(allowed {atol:.3g})"
        )
    return diff


__all__ = [
    "EXPORT_FORMATS",
    "VERIFY_TOLERANCE",
    "ExportFormat",
    "ModelInfo",
    "PredictorLoader",
    "Writer",
    "export_params",
    "format_for_path",
    "get_export_format",
    "import_snippet",
    "info_for_data",
    "load_params_npz",
    "read_csv",
    "read_json",
    "read_npz",
    "read_onnx",
    "read_safetensors",
    "verify_export",
]
