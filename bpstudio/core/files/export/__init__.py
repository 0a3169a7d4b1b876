"""Export the network's parameters to files other tools read; one registry of formats.

Formats (keys of :data:`EXPORT_FORMATS`):

- ``npz``: NumPy archive ``W1, b1, ...`` plus JSON metadata (:mod:`.npz`)
- ``json``: human-readable weights (:mod:`.json_format`)
- ``csv``: one spreadsheet-friendly file with labelled blocks (:mod:`.csv_format`)
- ``onnx``: Gemm + activation graph for onnxruntime and others (:mod:`.onnx_format`)
- ``safetensors``: PyTorch ``nn.Sequential`` state_dict names + a PyTorch snippet
  (:mod:`.safetensors_format`)
- ``python``: a standalone NumPy module with ``predict(x)`` (:mod:`.python_snippet`)

Every writer writes atomically (nothing half-written on error) and every format has a way
to read its files back with its own reader, which :func:`verify_export` uses to compare the
exported model's predictions with the engine's. onnx, onnxruntime and safetensors are
optional: they are imported only when needed, and a missing one gives a
:class:`BPStudioError` naming the pip extra that installs it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from bpstudio.core.engine.backprop import predict
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.errors import BPStudioError
from bpstudio.core.files.export._common import Predictor, importable
from bpstudio.core.files.export.csv_format import csv_predictor, read_csv, write_csv
from bpstudio.core.files.export.json_format import json_predictor, read_json, write_json
from bpstudio.core.files.export.npz import load_params_npz, npz_predictor, read_npz, write_npz
from bpstudio.core.files.export.onnx_format import onnx_predictor, read_onnx, write_onnx
from bpstudio.core.files.export.python_snippet import import_snippet, python_predictor, write_python
from bpstudio.core.files.export.safetensors_format import (
    read_safetensors,
    safetensors_predictor,
    write_safetensors,
)


class Writer(Protocol):
    """Writes one export; returns every file written (the main file first)."""

    def __call__(
        self,
        spec: NetworkSpec,
        params: Params,
        path: str | os.PathLike[str],
        *,
        metadata: Mapping[str, Any] | None = None,
        dtype: str | None = None,
    ) -> list[Path]: ...


#: Reads an exported file back with the format's own reader and returns its model as a
#: function of X; the spec is used only where the file does not describe the network.
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
    try:
        return EXPORT_FORMATS[name]
    except KeyError:
        known = ", ".join(EXPORT_FORMATS)
        raise BPStudioError(f"unknown export format {name!r}; expected one of: {known}") from None


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
) -> list[Path]:
    """Write ``params`` of ``spec`` to ``path`` in format ``fmt``; return the files written.

    ``metadata`` (JSON-serialisable values) is stored alongside the network description.
    ``dtype`` ("float32" or "float64") overrides the spec's dtype for the stored numbers.
    The parameters are checked against ``spec`` first (shapes, finite values).
    """
    return get_export_format(fmt).writer(spec, params, path, metadata=metadata, dtype=dtype)


def verify_export(
    fmt: str,
    path: str | os.PathLike[str],
    spec: NetworkSpec,
    params: Params,
    *,
    rng_seed: int = 0,
    n: int = 64,
    atol: float | None = None,
) -> float:
    """Max |engine - exported model| over ``n`` random inputs; errors if the file is unusable.

    The file is read back with the format's own reader (np.load, json, csv, onnxruntime,
    safetensors, importlib) and its predictions are compared with
    ``predict(spec, params, X)``. Inputs are drawn uniformly from [-3, 3) and rounded to
    float32, so float32 and float64 models see identical numbers. If ``atol`` is given, a
    larger difference raises :class:`BPStudioError` too.
    """
    export = get_export_format(fmt)
    source = Path(path)
    if n < 1:
        raise BPStudioError(f"verification needs at least one input, got n={n}")
    if not source.is_file():
        raise BPStudioError(f"cannot verify {source}: no such file")
    params.check(spec)
    rng = np.random.default_rng(rng_seed)
    X = rng.uniform(-3.0, 3.0, (n, spec.input_size)).astype(np.float32).astype(np.float64)
    expected = predict(spec, params, X.astype(spec.np_dtype)).astype(np.float64)
    model = export.load_predictor(source, spec)
    try:
        got = np.asarray(model(X), dtype=np.float64)
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
    if atol is not None and diff > atol:
        raise BPStudioError(
            f"{source}: the exported model differs from the network by up to {diff:.3g} "
            f"(allowed {atol:.3g})"
        )
    return diff


__all__ = [
    "EXPORT_FORMATS",
    "ExportFormat",
    "PredictorLoader",
    "Writer",
    "export_params",
    "format_for_path",
    "get_export_format",
    "import_snippet",
    "load_params_npz",
    "read_csv",
    "read_json",
    "read_npz",
    "read_onnx",
    "read_safetensors",
    "verify_export",
]
