"""NumPy ``.npz``: arrays ``W1, b1, W2, b2, ...`` plus a JSON ``metadata`` entry.

Layout (docs/calculus.md): ``W{l}`` has shape (n_l, n_{l-1}), row j holding the weights into
neuron j of layer l; ``b{l}`` has shape (n_l,). ``metadata`` is a 0-d unicode array holding
the JSON header (format, version, bpstudio_version, layer_sizes, activations, loss, dtype,
task, feature_names, class_names, output_names, input_preprocessing, metadata), so the file
loads with ``np.load(path, allow_pickle=False)``. When ``input_preprocessing`` is
``"standardize"`` the float64 arrays ``input_mean`` and ``input_std`` (d0,) hold the training
statistics, and the network's input is ``(x - input_mean) / input_std``::

    with np.load("model.npz", allow_pickle=False) as f:
        W1, b1 = f["W1"], f["b1"]
        header = json.loads(f["metadata"].item())
        if header.get("input_preprocessing") == "standardize":
            x = (x - f["input_mean"]) / f["input_std"]

Plain archives holding only ``W1, b1, ...`` (from another tool) load too; the network's
sizes are then inferred from the shapes and its activations are unknown.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from bpstudio.core.engine.activations import Array
from bpstudio.core.engine.address import array_shapes
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.errors import BPStudioError
from bpstudio.core.files import safe_zip
from bpstudio.core.files.atomic import atomic_write
from bpstudio.core.files.export._common import (
    Predictor,
    check_fits,
    header,
    params_from_arrays,
    prepare,
    read_back_predictor,
    spec_from_header,
)
from bpstudio.core.files.export.model_info import (
    MEAN_NAME,
    STD_NAME,
    ModelInfo,
    standardizer_from_arrays,
)
from bpstudio.core.files.safe_json import MAX_JSON_BYTES, load_json

if TYPE_CHECKING:
    from bpstudio.core.data.csv_data import Standardizer

METADATA_KEY = "metadata"


def write_npz(
    spec: NetworkSpec,
    params: Params,
    path: str | os.PathLike[str],
    *,
    metadata: Mapping[str, Any] | None = None,
    dtype: str | None = None,
    info: ModelInfo | None = None,
) -> list[Path]:
    """Write ``params``, the statistics of ``info`` and the header to ``path`` atomically;
    return ``[path]``."""
    stored, chosen = prepare(spec, params, dtype, info)
    arrays: dict[str, Any] = dict(stored.named())
    if info is not None and info.standardizer is not None:
        arrays[MEAN_NAME] = np.array(info.standardizer.mean)
        arrays[STD_NAME] = np.array(info.standardizer.std)
    arrays[METADATA_KEY] = np.array(json.dumps(header(spec, chosen, metadata, info)))

    def write(fh: IO[bytes]) -> None:
        # A file object, because np.savez appends ".npz" to names that lack it.
        np.savez(fh, **arrays)

    atomic_write(path, write)
    return [Path(path)]


def _load_arrays(
    path: Path, spec: NetworkSpec | None = None
) -> tuple[dict[str, Array], dict[str, Any] | None]:
    """Every array of the archive plus its decoded header (None if it has none).

    Read through :mod:`~bpstudio.core.files.safe_zip`: sizes bounded (by ``spec``'s arrays
    when given), real-number arrays only, never unpickled.
    """
    try:
        with open(path, "rb") as fh:
            magic = fh.read(6)
    except FileNotFoundError:
        raise BPStudioError(f"{path}: no such file") from None
    except OSError as exc:
        raise BPStudioError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    if magic == b"\x93NUMPY":
        raise BPStudioError(f"{path}: a single .npy array, expected an .npz archive of W1, b1, ...")
    expected = None
    total = safe_zip.MAX_TOTAL_BYTES
    if spec is not None:
        expected = {name: 8 * math.prod(shape) for name, shape in array_shapes(spec)}
        expected[MEAN_NAME] = expected[STD_NAME] = 8 * spec.input_size
        expected[METADATA_KEY] = 4 * MAX_JSON_BYTES  # UCS-4 text
        total = sum(expected.values()) + len(expected) * safe_zip.NPY_HEADER_BYTES
    arrays = safe_zip.read_npz(
        path,
        str(path),
        text_keys={METADATA_KEY},
        expected_bytes=expected,
        max_total_bytes=total,
    )
    head = None
    if METADATA_KEY in arrays:
        head = _decode_header(path, arrays.pop(METADATA_KEY))
    return arrays, head


def _decode_header(path: Path, value: np.ndarray[Any, Any]) -> dict[str, Any]:
    if value.shape != () or value.dtype.kind != "U":
        raise BPStudioError(f"{path}: 'metadata' must be a 0-d string array holding JSON")
    decoded = load_json(str(value.item()), str(path), what="'metadata'")
    if not isinstance(decoded, dict):
        raise BPStudioError(f"{path}: 'metadata' must hold a JSON object")
    return decoded


def _split_statistics(arrays: dict[str, Array], source: Path) -> Standardizer | None:
    """Remove ``input_mean`` / ``input_std`` from ``arrays``; their Standardizer or None."""
    present = [name for name in (MEAN_NAME, STD_NAME) if name in arrays]
    if not present:
        return None
    if len(present) == 1:
        raise BPStudioError(f"{source}: {present[0]} without its partner array")
    return standardizer_from_arrays(arrays.pop(MEAN_NAME), arrays.pop(STD_NAME), str(source))


def read_npz_model(
    path: str | os.PathLike[str],
) -> tuple[NetworkSpec | None, Params, ModelInfo]:
    """The network (None for plain archives without metadata), its parameters and what the
    file says about its inputs and outputs (defaults for plain or version 1 archives).

    With metadata, the parameters are checked against the stored network and keep the
    stored dtype; without, the shapes are checked for consistency with each other.
    """
    source = Path(path)
    arrays, head = _load_arrays(source)
    standardizer = _split_statistics(arrays, source)
    params = params_from_arrays(arrays, str(source))
    info = ModelInfo.from_header(head or {}, standardizer, str(source))
    if head is None:
        return None, params, info
    spec = spec_from_header(head, str(source))
    return spec, check_fits(spec, params, str(source)), info.check(spec, str(source))


def read_npz(path: str | os.PathLike[str]) -> tuple[NetworkSpec | None, Params]:
    """The network (None for plain archives without metadata) and its parameters."""
    spec, params, _ = read_npz_model(path)
    return spec, params


def load_params_npz(path: str | os.PathLike[str], spec: NetworkSpec) -> Params:
    """Parameters for ``spec`` from an archive (Import weights, the CLI's ``--params``).

    Only the shapes must match ``spec``; the stored activations and cost are ignored, so
    weights can be moved into a network that differs only in its activations. Values are
    cast to ``spec``'s dtype.
    """
    source = Path(path)
    arrays, _ = _load_arrays(source, spec)
    _split_statistics(arrays, source)
    return Params.from_named(spec, arrays, source=str(source))


def npz_predictor(path: Path, spec: NetworkSpec) -> Predictor:
    """Predictions on raw inputs from the archive's own contents: its statistics, then its
    layers (``spec`` only if it has no metadata)."""
    return read_back_predictor(path, spec, read_npz_model(path))
