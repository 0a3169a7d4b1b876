r"""One spreadsheet-friendly CSV file with every weight and bias, in labelled blocks.

Layout (comma-separated, UTF-8, ``\n`` line ends), for a 2-4-1 network::

    # format: bpstudio-weights
    # version: 2
    # bpstudio_version: 0.1.0
    # layer_sizes: 2 4 1
    # activations: tanh sigmoid
    # loss: cross_entropy
    # dtype: float64
    # task: classification
    "# feature_names: [""x1"", ""x2""]"
    "# class_names: [""no"", ""yes""]"
    "# output_names: [""yes""]"
    # input_preprocessing: standardize
    # metadata: {}

    # input_standardization (apply first: x_std[k] = (x[k] - input_mean[k]) / input_std[k])
    k,input_mean,input_std
    0,12.5,0.25
    1,-3000.0,800.0

    # W1 (layer 1: 4 x 2; rows j = neuron in layer 1; columns k = neuron in layer 0)
    j\k,0,1
    0,0.5,-1.2
    1,...
    2,...
    3,...

    # b1 (layer 1: 4 biases; rows j = neuron in layer 1)
    j,b
    0,0.1
    ...

    # W2 (layer 2: 1 x 4; ...)
    ...

- Lines whose first cell starts with ``#`` are labels. Header lines ``# key: value`` come
  before the first block; ``layer_sizes`` and ``activations`` are space-separated, the name
  lists and ``metadata`` are JSON (quoted by the CSV writer when they contain commas).
  Labels avoid commas so a spreadsheet shows each in one cell. Every header line after
  ``dtype`` is optional when reading (version 1 files have none).
- With ``input_preprocessing: standardize`` the ``input_standardization`` block comes first:
  one row per input k (in the order of ``feature_names``) with its training mean and
  standard deviation; the network's input k is ``(x[k] - input_mean[k]) / input_std[k]``.
- A block is a label ``# W<l> ...`` or ``# b<l> ...``, a header row (``j\k`` then the column
  indices k = 0, 1, ...; or ``j,b``) and one row per neuron j of layer l, the row index first.
  ``W<l>`` row j, column k is w_jk^(l), the weight from neuron k of layer l-1 into neuron j
  of layer l (the docs/calculus.md layout). Blank lines separate blocks.
- Numbers are Python ``repr`` of float64 (float32 values are widened exactly), so reading
  the file back gives the identical values.

The reader tolerates what spreadsheets do when re-saving: a byte-order mark, ``\r\n`` line
ends, trailing empty cells and quoted cells.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from bpstudio.core.engine.activations import Array
from bpstudio.core.engine.address import parse_array_name
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.errors import BPStudioError
from bpstudio.core.files.export._common import (
    Predictor,
    check_fits,
    file_writer,
    header,
    params_from_arrays,
    parse_float,
    prepare,
    read_back_predictor,
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

_BLOCK = re.compile(r"^(W|b)([1-9][0-9]*)\b")
_STATS_BLOCK = "input_standardization"
_LIST_FIELDS = ("layer_sizes", "activations")
_JSON_FIELDS = ("metadata", "feature_names", "class_names", "output_names")


def to_csv_text(
    spec: NetworkSpec,
    params: Params,
    *,
    metadata: Mapping[str, Any] | None = None,
    dtype: str | None = None,
    info: ModelInfo | None = None,
) -> str:
    """The CSV document described in the module docstring."""
    stored, chosen = prepare(spec, params, dtype, info)
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    for key, value in header(spec, chosen, metadata, info).items():
        if key in _LIST_FIELDS:
            text = " ".join(str(v) for v in value)
        elif key in _JSON_FIELDS:
            text = json.dumps(value, allow_nan=False)
        else:
            text = str(value)
        out.writerow([f"# {key}: {text}"])
    if info is not None and info.standardizer is not None:
        out.writerow([])
        out.writerow(
            [f"# {_STATS_BLOCK} (apply first: x_std[k] = (x[k] - {MEAN_NAME}[k]) / {STD_NAME}[k])"]
        )
        out.writerow(["k", MEAN_NAME, STD_NAME])
        for k, (m, sd) in enumerate(
            zip(info.standardizer.mean, info.standardizer.std, strict=True)
        ):
            out.writerow([k, repr(float(m)), repr(float(sd))])
    sizes = spec.layer_sizes
    for layer, (W, b) in enumerate(zip(stored.W, stored.b, strict=True), start=1):
        out.writerow([])
        out.writerow(
            [
                f"# W{layer} (layer {layer}: {sizes[layer]} x {sizes[layer - 1]}; "
                f"rows j = neuron in layer {layer}; "
                f"columns k = neuron in layer {layer - 1})"
            ]
        )
        out.writerow(["j\\k", *range(sizes[layer - 1])])
        for j, row in enumerate(W):
            out.writerow([j, *(repr(float(v)) for v in row)])
        out.writerow([])
        out.writerow(
            [f"# b{layer} (layer {layer}: {sizes[layer]} biases; rows j = neuron in layer {layer})"]
        )
        out.writerow(["j", "b"])
        for j, value in enumerate(b):
            out.writerow([j, repr(float(value))])
    return buffer.getvalue()


write_csv = file_writer(to_csv_text, "the CSV document")


def _header_value(key: str, text: str, where: str) -> Any:
    if key == "layer_sizes":
        try:
            return [int(v) for v in text.replace(",", " ").split()]
        except ValueError:
            raise BPStudioError(f"{where}: layer_sizes {text!r} must be whole numbers") from None
    if key == "activations":
        return text.replace(",", " ").split()
    if key == "version":
        try:
            return int(text)
        except ValueError:
            raise BPStudioError(f"{where}: version {text!r} is not a whole number") from None
    if key in _JSON_FIELDS:
        return load_json(text, where, what=key)
    return text


def parse_csv_text(text: str, source: str) -> tuple[NetworkSpec | None, Params]:
    """Parse a document written by :func:`to_csv_text`.

    Returns the network described by the header lines (None if they were removed; the
    sizes are then inferred from the blocks) and the parameters, with the stored dtype.
    """
    spec, params, _ = parse_csv_model(text, source)
    return spec, params


def parse_csv_model(text: str, source: str) -> tuple[NetworkSpec | None, Params, ModelInfo]:
    """:func:`parse_csv_text` plus what the header and statistics say about the model."""
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text))
    lineno = 1
    try:
        for row in reader:
            while row and not row[-1].strip():
                row.pop()
            rows.append((lineno, [cell.strip() for cell in row]))
            if reader.line_num != lineno:
                raise BPStudioError(
                    f"{source} line {lineno}: a quoted cell holds a line break; every cell of a "
                    "weights file is on one line"
                )
            lineno = reader.line_num + 1
    except csv.Error as exc:  # a cell longer than the csv module's field limit, say
        raise BPStudioError(f"{source} line {reader.line_num}: {exc}") from None
    head: dict[str, Any] = {}
    arrays: dict[str, Array] = {}
    statistics: Array | None = None
    i = 0
    while i < len(rows):
        lineno, row = rows[i]
        where = f"{source} line {lineno}"
        i += 1
        if not row:
            continue
        if not row[0].startswith("#"):
            raise BPStudioError(
                f"{where}: expected a block label like '# W1 ...' or '# b1 ...', found {row[0]!r}"
            )
        label = ",".join(row)[1:].strip()
        block = _BLOCK.match(label)
        if block:
            name = block.group(1) + block.group(2)
            if name in arrays:
                raise BPStudioError(f"{where}: a second block {name}")
            arrays[name], i = _parse_block(rows, i, name, source)
        elif label.startswith(_STATS_BLOCK):
            if statistics is not None:
                raise BPStudioError(f"{where}: a second block {_STATS_BLOCK}")
            statistics, i = _parse_block(rows, i, _STATS_BLOCK, source)
        elif ":" in label and not arrays:
            key, value = (part.strip() for part in label.split(":", 1))
            head[key] = _header_value(key, value, where)
        # Any other comment is a note for people; skip it.
    params = params_from_arrays(arrays, source)
    standardizer = None
    if statistics is not None:
        standardizer = standardizer_from_arrays(statistics[:, 0], statistics[:, 1], source)
    info = ModelInfo.from_header(head, standardizer, source)
    if "layer_sizes" not in head and "activations" not in head:
        return None, params, info
    spec = spec_from_header(head, source)
    return spec, check_fits(spec, params.astype(spec.np_dtype), source), info.check(spec, source)


def _parse_block(
    rows: list[tuple[int, list[str]]], i: int, name: str, source: str
) -> tuple[Array, int]:
    """Parse the header row and data rows of block ``name`` starting at ``rows[i]``."""
    while i < len(rows) and not rows[i][1]:
        i += 1
    if i == len(rows):
        raise BPStudioError(f"{source}: block {name} ends before its header row")
    lineno, cells = rows[i]
    i += 1
    is_matrix = name != _STATS_BLOCK and parse_array_name(name)[0] == "w"
    if name == _STATS_BLOCK:
        if cells != ["k", MEAN_NAME, STD_NAME]:
            raise BPStudioError(
                f"{source} line {lineno}: {name} header row must be "
                f"'k,{MEAN_NAME},{STD_NAME}', found {','.join(cells)!r}"
            )
        width = 2
    elif is_matrix:
        columns = cells[1:]
        if columns != [str(k) for k in range(len(columns))] or not columns:
            raise BPStudioError(
                f"{source} line {lineno}: {name} header row must be 'j\\k,0,1,...', "
                f"found {','.join(cells)!r}"
            )
        width = len(columns)
    else:
        if len(cells) != 2:
            raise BPStudioError(
                f"{source} line {lineno}: {name} header row must be 'j,b', "
                f"found {','.join(cells)!r}"
            )
        width = 1
    values: list[list[float]] = []
    while i < len(rows) and rows[i][1] and not rows[i][1][0].startswith("#"):
        lineno, cells = rows[i]
        i += 1
        where = f"{source} line {lineno}"
        if cells[0] != str(len(values)):
            raise BPStudioError(
                f"{where}: {name} row index is {cells[0]!r}, expected {len(values)}"
            )
        if len(cells) - 1 != width:
            raise BPStudioError(
                f"{where}: {name} row {len(values)} has {len(cells) - 1} values, expected {width}"
            )
        values.append([parse_float(cell, f"{where} ({name})") for cell in cells[1:]])
    if not values:
        raise BPStudioError(f"{source} line {lineno}: {name} has no rows")
    array = np.array(values, dtype=np.float64)
    return (array if is_matrix or width == 2 else array[:, 0]), i


def read_csv_model(
    path: str | os.PathLike[str],
) -> tuple[NetworkSpec | None, Params, ModelInfo]:
    """The network (None without header lines), the parameters and the model info."""
    source = Path(path)
    return parse_csv_model(read_export_text(source, "utf-8-sig"), str(source))


def read_csv(path: str | os.PathLike[str]) -> tuple[NetworkSpec | None, Params]:
    """The network (None without header lines) and the parameters of a CSV weights file."""
    spec, params, _ = read_csv_model(path)
    return spec, params


def csv_predictor(path: Path, spec: NetworkSpec) -> Predictor:
    """Predictions on raw inputs: the file's statistics, then its layers."""
    return read_back_predictor(path, spec, read_csv_model(path))
