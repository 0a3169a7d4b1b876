"""Human-readable JSON weights.

::

    {
      "format": "bpstudio-weights",
      "version": 2,
      "bpstudio_version": "0.1.0",
      "layer_sizes": [2, 4, 1],
      "activations": ["tanh", "sigmoid"],
      "loss": "cross_entropy",
      "dtype": "float64",
      "task": "classification",
      "feature_names": ["x1", "x2"],
      "class_names": ["no", "yes"],
      "output_names": ["yes"],
      "input_preprocessing": "standardize",
      "metadata": {},
      "input_mean": [12.5, -3000.0],
      "input_std": [0.25, 800.0],
      "layers": [
        {
          "layer": 1,
          "activation": "tanh",
          "W": [
            [0.5, -1.2],
            ...
          ],
          "b": [0.1, ...]
        },
        ...
      ]
    }

``W`` is row-major in the docs/calculus.md layout: ``W[j][k]`` is w_jk^(l), the weight from
neuron k of layer l-1 into neuron j of layer l. When ``input_preprocessing`` is
``"standardize"``, the network's input is ``(x - input_mean) / input_std`` for a raw input
``x`` in the order of ``feature_names``; otherwise ``input_mean`` and ``input_std`` are absent.
``output_names`` names each output (with one sigmoid output: the probability of
``class_names[1]``). Every field after ``dtype`` is optional when reading (version 1 files).
Numbers are written with Python's ``repr`` (shortest string that reads back to the same
float64), so values round-trip exactly; float32 values are widened to float64 first, which
is exact too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from bpstudio.core.engine.activations import Array
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.errors import BPStudioError
from bpstudio.core.files.export._common import (
    Predictor,
    engine_predictor,
    file_writer,
    header,
    prepare,
    read_export_text,
    spec_from_header,
)
from bpstudio.core.files.export.model_info import (
    MEAN_NAME,
    STD_NAME,
    ModelInfo,
    standardizer_from_arrays,
)
from bpstudio.core.files.safe_json import load_json


def _numbers(values: Array) -> str:
    # json.dumps writes float.__repr__, the shortest exact decimal form.
    return json.dumps([float(v) for v in values])


def to_json_text(
    spec: NetworkSpec,
    params: Params,
    *,
    metadata: Mapping[str, Any] | None = None,
    dtype: str | None = None,
    info: ModelInfo | None = None,
) -> str:
    """The JSON document, one matrix row per line."""
    stored, chosen = prepare(spec, params, dtype, info)
    lines = ["{"]
    for key, value in header(spec, chosen, metadata, info).items():
        lines.append(f"  {json.dumps(key)}: {json.dumps(value, allow_nan=False)},")
    if info is not None and info.standardizer is not None:
        lines.append(f'  "{MEAN_NAME}": {_numbers(info.standardizer.mean)},')
        lines.append(f'  "{STD_NAME}": {_numbers(info.standardizer.std)},')
    lines.append('  "layers": [')
    for layer, (W, b) in enumerate(zip(stored.W, stored.b, strict=True), start=1):
        rows = ",\n".join(f"        {_numbers(row)}" for row in W)
        closing = "," if layer < stored.n_layers else ""
        lines += [
            "    {",
            f'      "layer": {layer},',
            f'      "activation": {json.dumps(spec.activations[layer - 1])},',
            '      "W": [',
            rows,
            "      ],",
            f'      "b": {_numbers(b)}',
            "    }" + closing,
        ]
    lines += ["  ]", "}", ""]
    return "\n".join(lines)


write_json = file_writer(to_json_text, "the JSON document")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _matrix(value: object, where: str, shape: tuple[int, ...]) -> Array:
    """A float64 array of ``shape`` from nested JSON lists, or an error saying what is off."""
    if len(shape) == 1:
        if not isinstance(value, list) or not all(_is_number(v) for v in value):
            raise BPStudioError(f"{where} must be a list of numbers")
        if len(value) != shape[0]:
            raise BPStudioError(f"{where} has {len(value)} values, expected {shape[0]}")
        return np.array(value, dtype=np.float64)
    if not isinstance(value, list):
        raise BPStudioError(f"{where} must be a list of rows")
    if len(value) != shape[0]:
        raise BPStudioError(f"{where} has {len(value)} rows, expected {shape[0]} (shape {shape})")
    rows = [_matrix(row, f"{where} row {j}", shape[1:]) for j, row in enumerate(value)]
    return np.array(rows, dtype=np.float64).reshape(shape)


def parse_json_text(text: str, source: str) -> tuple[NetworkSpec, Params]:
    """Parse a document written by :func:`to_json_text`; errors name ``source`` and the field."""
    spec, params, _ = parse_json_model(text, source)
    return spec, params


def parse_json_model(text: str, source: str) -> tuple[NetworkSpec, Params, ModelInfo]:
    """:func:`parse_json_text` plus what the document says about inputs and outputs."""
    doc = load_json(text, source)
    if not isinstance(doc, dict):
        raise BPStudioError(f"{source}: expected a JSON object at the top level")
    if "format" not in doc:
        raise BPStudioError(f"{source}: missing the field 'format' (expected 'bpstudio-weights')")
    layers = doc.get("layers")
    if not isinstance(layers, list) or not all(isinstance(x, dict) for x in layers):
        raise BPStudioError(f"{source}: 'layers' must be a list of objects")
    head = dict(doc)
    if "activations" not in head:
        # The per-layer entries carry the activations; the top-level list is optional.
        head["activations"] = [layer.get("activation") for layer in layers]
    spec = spec_from_header(head, source)
    if len(layers) != spec.n_layers:
        raise BPStudioError(
            f"{source}: 'layers' has {len(layers)} entries, expected {spec.n_layers} "
            f"for layer sizes {list(spec.layer_sizes)}"
        )
    named: dict[str, Array] = {}
    for layer, ((w_shape, b_shape), entry) in enumerate(zip(spec.shapes(), layers, strict=True), 1):
        where = f"{source}: layers[{layer - 1}]"
        if entry.get("layer", layer) != layer:
            raise BPStudioError(f"{where}: 'layer' is {entry.get('layer')!r}, expected {layer}")
        if entry.get("activation", spec.activations[layer - 1]) != spec.activations[layer - 1]:
            raise BPStudioError(
                f"{where}: activation {entry.get('activation')!r} disagrees with "
                f"'activations' ({spec.activations[layer - 1]!r})"
            )
        for key, shape in (("W", w_shape), ("b", b_shape)):
            if key not in entry:
                raise BPStudioError(f"{where}: missing the field {key!r}")
            named[f"{key}{layer}"] = _matrix(entry[key], f"{where}.{key}", shape)
    standardizer = None
    if MEAN_NAME in doc or STD_NAME in doc:
        d0 = (spec.input_size,)
        standardizer = standardizer_from_arrays(
            _matrix(doc.get(MEAN_NAME), f"{source}: {MEAN_NAME}", d0),
            _matrix(doc.get(STD_NAME), f"{source}: {STD_NAME}", d0),
            source,
        )
    info = ModelInfo.from_header(doc, standardizer, source).check(spec, source)
    return spec, Params.from_named(spec, named, source=source), info


def read_json_model(path: str | os.PathLike[str]) -> tuple[NetworkSpec, Params, ModelInfo]:
    """The network, parameters (dtype as stored) and model info of a JSON weights file."""
    source = Path(path)
    return parse_json_model(read_export_text(source, "utf-8"), str(source))


def read_json(path: str | os.PathLike[str]) -> tuple[NetworkSpec, Params]:
    """The network and parameters stored in a JSON weights file (dtype as stored)."""
    spec, params, _ = read_json_model(path)
    return spec, params


def json_predictor(path: Path, _spec: NetworkSpec) -> Predictor:
    """Predictions on raw inputs: the file's statistics, then its layers."""
    stored_spec, params, info = read_json_model(path)
    return engine_predictor(stored_spec, params, info)
