"""Helpers shared by the export formats: checking, headers, optional imports, parsing.

Every format stores the same header fields (the ``bpstudio-weights`` description of the
network) so a file written by one exporter can be understood without the others.
"""

from __future__ import annotations

import importlib
import json
import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from bpstudio.core.engine.activations import Array
from bpstudio.core.engine.address import array_name, parse_array_name
from bpstudio.core.engine.network import DTYPES, NetworkSpec, Params
from bpstudio.core.errors import BPStudioError
from bpstudio.core.files.atomic import atomic_write, atomic_write_text
from bpstudio.core.files.export.model_info import ModelInfo, predict_raw
from bpstudio.core.files.safe_json import load_json

if TYPE_CHECKING:
    from bpstudio.core.data.csv_data import Standardizer

#: The ``format`` field of every header this package writes.
FORMAT_NAME = "bpstudio-weights"
#: Bumped when a format changes incompatibly; readers refuse newer versions. Version 2
#: added the input preprocessing and the meaning of the outputs (:mod:`.model_info`);
#: version 1 files, which have neither, still read (as raw inputs, task unknown).
FORMAT_VERSION = 2

#: A loaded export: maps inputs ``X : (n, d0)`` to outputs ``(n, n_L)``.
Predictor = Callable[[Array], Array]


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
        info: ModelInfo | None = None,
    ) -> list[Path]: ...


def file_writer(
    to_content: Callable[..., str | bytes], what: str, stem_as: str | None = None
) -> Writer:
    """The :class:`Writer` of a one-file format: ``to_content(spec, params, metadata=...,
    dtype=..., info=...)``, text or bytes, written atomically. ``stem_as``, when given, is
    one more keyword of ``to_content`` that receives the file name's stem (a Python
    module's name)."""

    def write(
        spec: NetworkSpec,
        params: Params,
        path: str | os.PathLike[str],
        *,
        metadata: Mapping[str, Any] | None = None,
        dtype: str | None = None,
        info: ModelInfo | None = None,
    ) -> list[Path]:
        named = {} if stem_as is None else {stem_as: Path(path).stem}
        content = to_content(spec, params, metadata=metadata, dtype=dtype, info=info, **named)
        if isinstance(content, str):
            atomic_write_text(path, content)
        else:
            atomic_write(path, lambda fh: fh.write(content))
        return [Path(path)]

    write.__doc__ = f"Write {what} to ``path`` atomically; return ``[path]``."
    return write


def bpstudio_version() -> str:
    from bpstudio import __version__

    return __version__


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import an optional dependency or explain which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise BPStudioError(
            f"{purpose} needs the {module.split('.')[0]} package: pip install 'bpstudio[{extra}]'"
        ) from None


def importable(*modules: str) -> bool:
    """True if every module imports (a broken install counts as missing)."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            return False
    return True


def resolve_dtype(spec: NetworkSpec, dtype: str | None) -> str:
    """The dtype to store: an explicit choice, else the spec's."""
    chosen = spec.dtype if dtype is None else dtype
    if chosen not in DTYPES:
        known = ", ".join(DTYPES)
        raise BPStudioError(f"unknown export dtype {chosen!r}; expected one of: {known}")
    return chosen


def prepare(
    spec: NetworkSpec, params: Params, dtype: str | None, info: ModelInfo | None = None
) -> tuple[Params, str]:
    """Check ``params`` (shapes, finite values) and ``info``, when given, against ``spec``,
    and cast the parameters for writing."""
    chosen = resolve_dtype(spec, dtype)
    params.check(spec)
    cast = params.astype(DTYPES[chosen])
    if info is not None:
        info.check(spec)
    return cast, chosen


def clean_metadata(metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    """A JSON-safe copy of the caller's extra metadata (str keys, finite numbers)."""
    if metadata is None:
        return {}
    for key in metadata:
        if not isinstance(key, str):
            raise BPStudioError(f"metadata keys must be strings, got {key!r}")
    try:
        loaded: dict[str, Any] = json.loads(json.dumps(dict(metadata), allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise BPStudioError(f"metadata must be plain JSON values: {exc}") from None
    return loaded


def header(
    spec: NetworkSpec,
    dtype: str,
    metadata: Mapping[str, Any] | None,
    info: ModelInfo | None = None,
) -> dict[str, Any]:
    """The description every format stores next to the numbers.

    The statistics of a standardisation are not in it: each format stores them as its own
    arrays or fields named ``input_mean`` and ``input_std``.
    """
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "bpstudio_version": bpstudio_version(),
        "layer_sizes": list(spec.layer_sizes),
        "activations": list(spec.activations),
        "loss": spec.loss,
        "dtype": dtype,
        **(info or ModelInfo()).header_fields(),
        "metadata": clean_metadata(metadata),
    }


def string_metadata(head: Mapping[str, Any]) -> dict[str, str]:
    """``header()`` flattened to str -> str (ONNX metadata_props, safetensors metadata).

    Strings stay as they are; everything else (lists, numbers, the extra metadata) is JSON.
    """
    out: dict[str, str] = {}
    for key, value in head.items():
        if key == "metadata":
            for extra_key, extra in value.items():
                out.setdefault(extra_key, extra if isinstance(extra, str) else json.dumps(extra))
        else:
            out[key] = value if isinstance(value, str) else json.dumps(value)
    return out


#: Header fields that :func:`string_metadata` stores as JSON although they may be strings.
_JSON_LISTS = ("feature_names", "class_names", "output_names")


def info_from_string_metadata(
    props: Mapping[str, str], standardizer: Standardizer | None, source: str
) -> ModelInfo:
    """The :class:`ModelInfo` stored by :func:`string_metadata` (all fields optional)."""
    head: dict[str, Any] = {
        key: props[key] for key in ("task", "input_preprocessing") if key in props
    }
    for key in _JSON_LISTS:
        if key in props:
            head[key] = load_json(props[key], source, what=f"metadata {key}")
    return ModelInfo.from_header(head, standardizer, source)


def model_from_string_metadata(
    arrays: Mapping[str, Any],
    props: Mapping[str, str],
    standardizer: Standardizer | None,
    source: str,
) -> tuple[NetworkSpec | None, Params, ModelInfo]:
    """What a file with :func:`string_metadata` holds (ONNX's metadata_props, the
    safetensors header): the network (None without one), the parameters named in
    ``arrays`` (checked against it) and the inputs' and outputs' :class:`ModelInfo`."""
    params = params_from_arrays(arrays, source)
    info = info_from_string_metadata(props, standardizer, source)
    spec = parse_string_metadata(props, source)
    if spec is None:
        return None, params, info
    return spec, check_fits(spec, params, source), info.check(spec, source)


def parse_string_metadata(props: Mapping[str, str], source: str) -> NetworkSpec | None:
    """The spec stored by :func:`string_metadata`, or None if the file has none."""
    if "layer_sizes" not in props or "activations" not in props:
        return None
    fields: dict[str, Any] = {
        "layer_sizes": load_json(props["layer_sizes"], source, what="metadata layer_sizes"),
        "activations": load_json(props["activations"], source, what="metadata activations"),
    }
    for key in ("format", "version", "loss", "dtype"):
        if key in props:
            fields[key] = props[key]
    if "version" in fields:
        try:
            fields["version"] = int(fields["version"])
        except ValueError:
            raise BPStudioError(
                f"{source}: metadata version {props['version']!r} is not a number"
            ) from None
    return spec_from_header(fields, source)


def spec_from_header(head: Mapping[str, Any], source: str) -> NetworkSpec:
    """The network described by a header, with errors that name the file."""
    fmt = head.get("format", FORMAT_NAME)
    if fmt != FORMAT_NAME:
        raise BPStudioError(f"{source}: format is {fmt!r}, expected {FORMAT_NAME!r}")
    version = head.get("version", FORMAT_VERSION)
    if not isinstance(version, int) or isinstance(version, bool):
        raise BPStudioError(f"{source}: version {version!r} is not a whole number")
    if version > FORMAT_VERSION:
        raise BPStudioError(
            f"{source}: written in format version {version} by a newer Backprop Studio; "
            f"this version reads up to {FORMAT_VERSION}"
        )
    sizes = head.get("layer_sizes")
    if not isinstance(sizes, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) for n in sizes
    ):
        raise BPStudioError(f"{source}: layer_sizes must be a list of whole numbers, got {sizes!r}")
    acts = head.get("activations")
    if not isinstance(acts, list) or not all(isinstance(a, str) for a in acts):
        raise BPStudioError(f"{source}: activations must be a list of names, got {acts!r}")
    try:
        return NetworkSpec.from_dict(head)
    except BPStudioError as exc:
        raise BPStudioError(f"{source}: {exc}") from None


def params_from_arrays(arrays: Mapping[str, Any], source: str) -> Params:
    """Params from ``{"W1": ..., "b1": ..., ...}`` without a spec: infer and check the shapes.

    The names must run W1, b1, ..., WL, bL without gaps; each W_l must be 2-D, each b_l 1-D,
    and consecutive layers must fit together (W_l has as many columns as W_{l-1} has rows).
    """
    layers: dict[int, dict[str, Array]] = {}
    for name, value in arrays.items():
        try:
            kind, layer = parse_array_name(name)
        except BPStudioError:
            raise BPStudioError(
                f"{source}: unexpected array {name!r}; expected W1, b1, W2, b2, ..."
            ) from None
        arr = np.asarray(value)
        if arr.dtype.kind not in "fiu":
            raise BPStudioError(f"{source}: {name} holds {arr.dtype} values, not numbers")
        layers.setdefault(layer, {})[kind] = arr
    if not layers:
        raise BPStudioError(f"{source}: no weights found (expected arrays W1, b1, ...)")
    n_layers = max(layers)
    W: list[Array] = []
    b: list[Array] = []
    for layer in range(1, n_layers + 1):
        for kind in ("w", "b"):
            if kind not in layers.get(layer, {}):
                raise BPStudioError(
                    f"{source}: missing array {array_name(kind, layer)} (found {sorted(arrays)})"
                )
        w, v = layers[layer]["w"], layers[layer]["b"]
        if w.ndim != 2:
            raise BPStudioError(f"{source}: W{layer} has shape {w.shape}, expected a 2-D matrix")
        if v.shape != (w.shape[0],):
            raise BPStudioError(
                f"{source}: b{layer} has shape {v.shape}, "
                f"expected ({w.shape[0]},) to match W{layer}"
            )
        if W and w.shape[1] != W[-1].shape[0]:
            raise BPStudioError(
                f"{source}: W{layer} has shape {w.shape}, "
                f"expected ({w.shape[0]}, {W[-1].shape[0]}) "
                f"because layer {layer - 1} has {W[-1].shape[0]} neurons"
            )
        for name, arr in ((array_name("w", layer), w), (array_name("b", layer), v)):
            if not np.all(np.isfinite(arr)):
                raise BPStudioError(f"{source}: {name} contains NaN or infinite values")
        dtype = w.dtype if w.dtype in (np.float32, np.float64) else np.float64
        W.append(np.array(w, dtype=dtype))
        b.append(np.array(v, dtype=dtype))
    return Params(W, b)


def read_export_text(source: Path, encoding: str = "utf-8") -> str:
    """The text of an exported file, with the package's errors for missing or unreadable files."""
    try:
        return source.read_text(encoding=encoding)
    except FileNotFoundError:
        raise BPStudioError(f"{source}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BPStudioError(f"{source}: cannot read the file ({exc})") from None


def parse_float(text: str, where: str) -> float:
    """A finite float from text, or an error naming where it came from."""
    try:
        value = float(text)
    except ValueError:
        raise BPStudioError(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise BPStudioError(f"{where}: {text!r} is not a finite number")
    return value


def engine_predictor(spec: NetworkSpec, params: Params, info: ModelInfo | None = None) -> Predictor:
    """Predictions on raw inputs of the engine with parameters and preprocessing read back
    from a file: ``info``'s preprocessing (in float64), then the layers in the stored dtype."""
    stored = spec.with_changes(dtype=str(params.W[0].dtype))
    chosen = info or ModelInfo()

    def run(X: Array) -> Array:
        return predict_raw(stored, params, chosen, X)

    return run


def read_back_predictor(
    path: Path, spec: NetworkSpec, model: tuple[NetworkSpec | None, Params, ModelInfo]
) -> Predictor:
    """:func:`engine_predictor` of a model read back from ``path``; ``spec`` describes the
    network only where the file does not."""
    stored_spec, params, info = model
    if stored_spec is None:
        return engine_predictor(spec, check_fits(spec, params, str(path)), info.check(spec))
    return engine_predictor(stored_spec, params, info)


def check_fits(spec: NetworkSpec, params: Params, source: str) -> Params:
    """``params`` unchanged (dtype kept) after checking their shapes against ``spec``."""
    Params.from_named(spec, params.named(), source=source)
    return params
