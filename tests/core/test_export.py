"""Every export format: written atomically, read back with its own reader, same predictions.

Tolerances: formats that store the numbers (npz, json, csv, safetensors, python) round-trip
the parameters exactly; ONNX through onnxruntime agrees with the engine to 1e-12 in float64
and 1e-6 in float32.
"""

from __future__ import annotations

import ast
import contextlib
import csv
import json
import os
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpstudio.core.data.csv_data import Standardizer
from bpstudio.core.engine.backprop import predict
from bpstudio.core.engine.network import NetworkSpec, Params, initialize
from bpstudio.core.errors import BPStudioError
from bpstudio.core.files.export import (
    EXPORT_FORMATS,
    ModelInfo,
    export_params,
    format_for_path,
    get_export_format,
    read_csv,
    read_json,
    read_npz,
    read_onnx,
    read_safetensors,
    safetensors_format,
    verify_export,
)
from bpstudio.core.files.export import npz as npz_module
from bpstudio.core.files.export.csv_format import parse_csv_text, to_csv_text
from bpstudio.core.files.export.json_format import parse_json_text, to_json_text
from bpstudio.core.files.export.npz import load_params_npz
from bpstudio.core.files.export.onnx_format import IR_VERSION, OPSET
from bpstudio.core.files.export.python_snippet import import_snippet, to_python_source
from bpstudio.core.files.export.safetensors_format import snippet_path, torch_usable

FORMATS = ("npz", "json", "csv", "onnx", "safetensors", "python")
EXACT_FORMATS = ("npz", "json", "csv", "safetensors", "python")
ONNX_TOL = {"float64": 1e-12, "float32": 1e-6}
#: Another runtime's kernels (onnxruntime, PyTorch) sum in another order than NumPy.
RUNTIME_TOL = {"float64": 1e-12, "float32": 1e-5}

# The note's 1-1-1-1 chain (docs/calculus.md §5, the worked example): a^(3) for x = 1.0.
NOTE_OUTPUT = 0.476713601882


def note_chain(dtype: str = "float64") -> tuple[NetworkSpec, Params]:
    spec = NetworkSpec.build([1, 1, 1, 1], "sigmoid", dtype=dtype)
    W = [np.array([[w]], dtype=dtype) for w in (0.5, -1.2, 0.8)]
    b = [np.array([v], dtype=dtype) for v in (0.1, 0.3, -0.4)]
    return spec, Params(W, b)


def network(kind: str, dtype: str = "float64") -> tuple[NetworkSpec, Params]:
    """Small networks with 'trained-looking' (non-zero, unit-scale) parameters."""
    if kind == "note":
        return note_chain(dtype)
    spec = {
        "tanh_sigmoid": NetworkSpec.build([2, 4, 3, 2], "tanh", "sigmoid", dtype=dtype),
        "softmax_ce": NetworkSpec.build([3, 5, 4], "relu", "softmax", "cross_entropy", dtype),
        "leaky_linear": NetworkSpec((2, 3, 3, 2), ("leaky_relu", "linear", "linear"), "mse", dtype),
    }[kind]
    return spec, initialize(spec, "normal", seed=7)


NETWORKS = ("tanh_sigmoid", "softmax_ce", "note", "leaky_linear")


def random_inputs(spec: NetworkSpec, n: int = 50, seed: int = 3) -> np.ndarray:
    X = np.random.default_rng(seed).uniform(-3.0, 3.0, (n, spec.input_size))
    return X.astype(spec.np_dtype)


def assert_same_network(
    spec: NetworkSpec, params: Params, loaded: Params, read: tuple[NetworkSpec | None, Params]
) -> None:
    """``loaded`` (the file's arrays, loaded by hand) predicts as ``params`` does, and the
    format's reader gives back ``spec`` and ``params`` exactly."""
    X = random_inputs(spec)
    np.testing.assert_array_equal(predict(spec, loaded, X), predict(spec, params, X))
    read_spec, read_params = read
    assert read_spec == spec
    assert_params_equal(read_params, params)


def assert_params_equal(got: Params, expected: Params) -> None:
    assert got.n_layers == expected.n_layers
    for a, e in zip(got.arrays(), expected.arrays(), strict=True):
        assert a.dtype == e.dtype
        np.testing.assert_array_equal(a, e)


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- registry --------------------------------------------------------------------------------


def test_registry_names_and_extensions() -> None:
    assert tuple(EXPORT_FORMATS) == FORMATS
    for name, fmt in EXPORT_FORMATS.items():
        assert fmt.name == name
        assert fmt.extension.startswith(".")
        assert fmt.file_filter.endswith(f"(*{fmt.extension})")
        assert fmt.available()
        assert fmt.verifiable()
    assert EXPORT_FORMATS["onnx"].optional_extra == "onnx"
    assert EXPORT_FORMATS["safetensors"].optional_extra == "safetensors"
    assert EXPORT_FORMATS["npz"].optional_extra is None
    assert format_for_path("Model.ONNX") is EXPORT_FORMATS["onnx"]
    assert format_for_path("w.safetensors") is EXPORT_FORMATS["safetensors"]
    assert format_for_path("w.txt") is None


def test_unknown_format_lists_the_known_ones(tmp_path: Path) -> None:
    spec, params = note_chain()
    with pytest.raises(BPStudioError, match="unknown export format 'h5'.*npz, json, csv, onnx"):
        export_params("h5", spec, params, tmp_path / "m.h5")
    with pytest.raises(BPStudioError, match="expected one of: npz, json, csv, onnx, safetensors"):
        verify_export("h5", tmp_path / "m.h5", spec, params)
    with pytest.raises(BPStudioError, match="python"):
        get_export_format("pickle")
    assert listing(tmp_path) == []


# -- every format: verify_export -------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kind", NETWORKS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_verify_export_every_format(tmp_path: Path, fmt: str, kind: str, dtype: str) -> None:
    spec, params = network(kind, dtype)
    path = tmp_path / f"model{EXPORT_FORMATS[fmt].extension}"
    written = export_params(fmt, spec, params, path, metadata={"note": "a, b", "step": 3})
    assert written[0] == path
    assert all(p.is_file() for p in written)
    assert listing(tmp_path) == sorted(p.name for p in written)  # no temporary files left
    diff = verify_export(fmt, path, spec, params, rng_seed=1, n=64)
    if fmt == "onnx" or (fmt == "safetensors" and torch_usable()):
        assert diff < RUNTIME_TOL[dtype]
    else:
        # Same numbers, same operations: the engine and the export agree to the last bit.
        assert diff <= 1e-15 if dtype == "float64" else diff <= 1e-7


def test_verify_export_catches_a_different_model(tmp_path: Path) -> None:
    spec, params = network("tanh_sigmoid")
    path = tmp_path / "m.json"
    export_params("json", spec, params, path)
    other = params.copy()
    other.W[1][0, 0] += 0.5
    with pytest.raises(BPStudioError, match=r"differ from the app's by up to .*not verified"):
        verify_export("json", path, spec, other)
    diff = verify_export("json", path, spec, other, atol=1.0)
    assert diff > 1e-3
    with pytest.raises(BPStudioError, match=r"differs from the network by up to"):
        verify_export("json", path, spec, other, atol=1e-9)
    with pytest.raises(BPStudioError, match="no such file"):
        verify_export("json", tmp_path / "missing.json", spec, params)


def test_export_checks_params_against_spec(tmp_path: Path) -> None:
    spec, params = network("tanh_sigmoid")
    bad = params.copy()
    bad.W[0][1, 1] = np.nan
    for fmt in FORMATS:
        with pytest.raises(BPStudioError, match="W1 contains NaN"):
            export_params(fmt, spec, bad, tmp_path / f"m{EXPORT_FORMATS[fmt].extension}")
    other_spec = NetworkSpec.build([2, 4, 4, 2], "tanh", "sigmoid")
    with pytest.raises(BPStudioError, match=r"W2 has shape \(3, 4\), expected \(4, 4\)"):
        export_params("npz", other_spec, params, tmp_path / "m.npz")
    with pytest.raises(BPStudioError, match="unknown export dtype 'float16'"):
        export_params("npz", spec, params, tmp_path / "m.npz", dtype="float16")
    with pytest.raises(BPStudioError, match="metadata must be plain JSON"):
        export_params("json", spec, params, tmp_path / "m.json", metadata={"x": object()})
    assert listing(tmp_path) == []


# -- npz -------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_npz_with_numpy_load(tmp_path: Path, dtype: str) -> None:
    spec, params = network("softmax_ce", dtype)
    path = tmp_path / "m.npz"
    export_params("npz", spec, params, path, metadata={"project": "xor.bpstudio"})
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == ["W1", "W2", "b1", "b2", "metadata"]
        loaded = Params([archive["W1"], archive["W2"]], [archive["b1"], archive["b2"]])
        meta = archive["metadata"]
        assert meta.shape == ()
        assert meta.dtype.kind == "U"
        head = json.loads(meta.item())
    assert_params_equal(loaded, params)
    assert head["format"] == "bpstudio-weights"
    assert head["version"] == 2
    assert head["input_preprocessing"] == "none"
    assert head["task"] == "unknown"
    assert head["layer_sizes"] == [3, 5, 4]
    assert head["activations"] == ["relu", "softmax"]
    assert head["loss"] == "cross_entropy"
    assert head["dtype"] == dtype
    assert head["bpstudio_version"]
    assert head["metadata"] == {"project": "xor.bpstudio"}
    assert_same_network(spec, params, loaded, read_npz(path))


def test_npz_plain_archive_without_metadata(tmp_path: Path) -> None:
    spec, params = network("tanh_sigmoid")
    path = tmp_path / "plain.npz"
    np.savez(path, **params.named())
    read_spec, read_params = read_npz(path)
    assert read_spec is None
    assert_params_equal(read_params, params)
    assert_params_equal(load_params_npz(path, spec), params)
    assert verify_export("npz", path, spec, params) == 0.0


def test_load_params_npz_shape_mismatch_names_file_and_array(tmp_path: Path) -> None:
    spec, params = network("tanh_sigmoid")
    path = tmp_path / "weights.npz"
    export_params("npz", spec, params, path)
    wider = NetworkSpec.build([2, 4, 4, 2], "tanh", "sigmoid")
    with pytest.raises(
        BPStudioError, match=r"weights\.npz: W2 has shape \(3, 4\), expected \(4, 4\)"
    ):
        load_params_npz(path, wider)
    deeper = NetworkSpec.build([2, 4, 3, 2, 1], "tanh", "sigmoid")
    with pytest.raises(BPStudioError, match=r"weights\.npz: missing array 'W4'"):
        load_params_npz(path, deeper)
    shallower = NetworkSpec.build([2, 4, 3], "tanh", "sigmoid")
    with pytest.raises(BPStudioError, match=r"weights\.npz: unexpected arrays \['W3', 'b3'\]"):
        load_params_npz(path, shallower)
    # Only the shapes matter: the same weights fit a network with other activations.
    relu = NetworkSpec.build([2, 4, 3, 2], "relu", "linear", dtype="float32")
    loaded = load_params_npz(path, relu)
    assert loaded.W[0].dtype == np.float32
    np.testing.assert_array_equal(loaded.W[0], params.W[0].astype(np.float32))


def test_npz_bad_files(tmp_path: Path) -> None:
    spec, _ = network("tanh_sigmoid")
    text = tmp_path / "text.npz"
    text.write_text("not a zip")
    with pytest.raises(BPStudioError, match=r"text\.npz: not a readable NumPy \.npz archive"):
        read_npz(text)
    with pytest.raises(BPStudioError, match="no such file"):
        load_params_npz(tmp_path / "missing.npz", spec)
    single = tmp_path / "single.npy"
    np.save(single, np.zeros(3))
    with pytest.raises(BPStudioError, match="single .npy array"):
        read_npz(single)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, W1=np.array([{"a": 1}], dtype=object))
    with pytest.raises(BPStudioError, match=r"W1: holds object values"):
        read_npz(pickled)
    gaps = tmp_path / "gaps.npz"
    np.savez(gaps, W1=np.ones((2, 2)), b1=np.ones(2), W3=np.ones((1, 2)), b3=np.ones(1))
    with pytest.raises(BPStudioError, match="missing array W2"):
        read_npz(gaps)
    chain = tmp_path / "chain.npz"
    np.savez(chain, W1=np.ones((3, 2)), b1=np.ones(3), W2=np.ones((1, 2)), b2=np.ones(1))
    with pytest.raises(BPStudioError, match=r"W2 has shape \(1, 2\), expected \(1, 3\)"):
        read_npz(chain)
    extra = tmp_path / "extra.npz"
    np.savez(extra, W1=np.ones((1, 2)), b1=np.ones(1), optimizer=np.ones(3))
    with pytest.raises(BPStudioError, match="unexpected array 'optimizer'"):
        read_npz(extra)


# -- json ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_json_with_json_load(tmp_path: Path, dtype: str) -> None:
    spec, params = network("tanh_sigmoid", dtype)
    path = tmp_path / "m.json"
    export_params("json", spec, params, path)
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    assert doc["format"] == "bpstudio-weights"
    assert doc["version"] == 2
    assert doc["layer_sizes"] == [2, 4, 3, 2]
    assert doc["loss"] == "squared_error"
    assert [layer["layer"] for layer in doc["layers"]] == [1, 2, 3]
    assert [layer["activation"] for layer in doc["layers"]] == ["tanh", "tanh", "sigmoid"]
    loaded = Params(
        [np.array(layer["W"], dtype=dtype) for layer in doc["layers"]],
        [np.array(layer["b"], dtype=dtype) for layer in doc["layers"]],
    )
    assert_params_equal(loaded, params)  # repr floats round-trip exactly, float32 too
    read_spec, read_params = read_json(path)
    assert read_spec == spec
    assert_params_equal(read_params, params)
    # One matrix row per line keeps the file readable.
    assert len(path.read_text().splitlines()) < 60


def test_json_errors_name_the_field(tmp_path: Path) -> None:
    spec, params = network("tanh_sigmoid")
    doc = json.loads(to_json_text(spec, params))
    doc["layers"][0]["W"][1] = [0.5]
    with pytest.raises(
        BPStudioError, match=r"m\.json: layers\[0\]\.W row 1 has 1 values, expected 2"
    ):
        parse_json_text(json.dumps(doc), "m.json")
    doc = json.loads(to_json_text(spec, params))
    doc["layers"][2]["b"] = [1.0, "x"]
    with pytest.raises(BPStudioError, match=r"layers\[2\]\.b must be a list of numbers"):
        parse_json_text(json.dumps(doc), "m.json")
    doc = json.loads(to_json_text(spec, params))
    doc["version"] = 3
    with pytest.raises(BPStudioError, match="newer Backprop Studio"):
        parse_json_text(json.dumps(doc), "m.json")
    doc = json.loads(to_json_text(spec, params))
    doc["layers"][0]["W"][0][0] = float("nan")
    with pytest.raises(BPStudioError, match="NaN is not allowed"):
        parse_json_text(json.dumps(doc), "m.json")
    with pytest.raises(BPStudioError, match="not valid JSON"):
        parse_json_text("{", "m.json")


# -- csv -------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_csv_with_csv_module(tmp_path: Path, dtype: str) -> None:
    spec, params = network("tanh_sigmoid", dtype)
    path = tmp_path / "m.csv"
    export_params("csv", spec, params, path)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    label = next(i for i, row in enumerate(rows) if row and row[0].startswith("# W2 "))
    assert rows[label] == [
        "# W2 (layer 2: 3 x 4; rows j = neuron in layer 2; columns k = neuron in layer 1)"
    ]
    assert rows[label + 1] == ["j\\k", "0", "1", "2", "3"]
    block = rows[label + 2 : label + 5]
    assert [row[0] for row in block] == ["0", "1", "2"]
    W2 = np.array([[float(v) for v in row[1:]] for row in block], dtype=dtype)
    np.testing.assert_array_equal(W2, params.W[1])
    bias = next(i for i, row in enumerate(rows) if row and row[0].startswith("# b3 "))
    assert rows[bias + 1] == ["j", "b"]
    b3 = np.array([float(row[1]) for row in rows[bias + 2 : bias + 4]], dtype=dtype)
    np.testing.assert_array_equal(b3, params.b[2])
    read_spec, read_params = read_csv(path)
    assert read_spec == spec
    assert_params_equal(read_params, params)


def test_csv_survives_a_spreadsheet_round_trip(tmp_path: Path) -> None:
    spec, params = network("softmax_ce")
    text = to_csv_text(spec, params, metadata={"a": [1, 2], "b": "x, y"})
    # What a spreadsheet may do on saving: BOM, CRLF, padding every row to the widest.
    width = max(len(row) for row in csv.reader(text.splitlines()))
    padded = [row + [""] * (width - len(row)) for row in csv.reader(text.splitlines())]
    path = tmp_path / "resaved.csv"
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(padded)
    read_spec, read_params = read_csv(path)
    assert read_spec == spec
    assert_params_equal(read_params, params)
    # Without the header lines the sizes are inferred from the blocks.
    bare = text[text.index("# W1 ") :]
    bare_spec, bare_params = parse_csv_text(bare, "bare.csv")
    assert bare_spec is None
    assert_params_equal(bare_params, params)


def test_csv_errors_name_the_line(tmp_path: Path) -> None:
    spec, params = network("note")
    lines = to_csv_text(spec, params).splitlines()
    i = lines.index("j\\k,0") + 1
    bad = lines.copy()
    bad[i] = "0,zero"
    with pytest.raises(BPStudioError, match=rf"m\.csv line {i + 1} \(W1\): 'zero' is not a number"):
        parse_csv_text("\n".join(bad), "m.csv")
    bad = lines.copy()
    bad[i] = "0,1.0,2.0"
    with pytest.raises(BPStudioError, match=rf"line {i + 1}: W1 row 0 has 2 values, expected 1"):
        parse_csv_text("\n".join(bad), "m.csv")
    bad = lines.copy()
    bad[i] = "5,1.0"
    with pytest.raises(BPStudioError, match=r"W1 row index is '5', expected 0"):
        parse_csv_text("\n".join(bad), "m.csv")
    with pytest.raises(BPStudioError, match="expected a block label"):
        parse_csv_text("1,2,3\n", "m.csv")


# -- onnx ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kind", NETWORKS)
def test_onnx_checker_and_onnxruntime(tmp_path: Path, kind: str, dtype: str) -> None:
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    spec, params = network(kind, dtype)
    path = tmp_path / "m.onnx"
    export_params("onnx", spec, params, path, metadata={"step": 12})
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    assert model.ir_version == IR_VERSION
    assert [(o.domain, o.version) for o in model.opset_import] == [("", OPSET)]
    assert model.producer_name == "bpstudio"
    assert spec.describe() in model.doc_string
    props = {p.key: p.value for p in model.metadata_props}
    assert json.loads(props["layer_sizes"]) == list(spec.layer_sizes)
    assert json.loads(props["activations"]) == list(spec.activations)
    assert props["loss"] == spec.loss
    assert props["step"] == "12"
    elem = onnx.TensorProto.DOUBLE if dtype == "float64" else onnx.TensorProto.FLOAT
    assert model.graph.input[0].name == "x"
    assert model.graph.input[0].type.tensor_type.elem_type == elem
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert model.graph.output[0].name == "y"
    assert model.graph.node[0].op_type == "Gemm"
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    X = random_inputs(spec, n=200)
    (Y,) = session.run(None, {"x": X})
    assert Y.dtype == spec.np_dtype
    np.testing.assert_allclose(Y, predict(spec, params, X), rtol=0, atol=ONNX_TOL[dtype])
    read_spec, read_params = read_onnx(path)
    assert read_spec == spec
    assert_params_equal(read_params, params)


def test_onnx_operators() -> None:
    pytest.importorskip("onnx")
    from bpstudio.core.files.export.onnx_format import build_onnx_model

    spec, params = network("tanh_sigmoid")
    ops = [(n.op_type, n.input, n.output) for n in build_onnx_model(spec, params).graph.node]
    assert [op for op, _, _ in ops] == ["Gemm", "Tanh", "Gemm", "Tanh", "Gemm", "Sigmoid"]
    assert list(ops[0][1]) == ["x", "W1", "b1"]
    assert list(ops[-1][2]) == ["y"]
    gemm = build_onnx_model(spec, params).graph.node[0]
    assert {a.name: a.i for a in gemm.attribute} == {"transB": 1}

    spec, params = network("leaky_linear", "float32")
    nodes = build_onnx_model(spec, params).graph.node
    assert [n.op_type for n in nodes] == ["Gemm", "LeakyRelu", "Gemm", "Identity"] + [
        "Gemm",
        "Identity",
    ]
    assert nodes[1].attribute[0].f == pytest.approx(0.01)
    # float64: ONNX attributes are float32, so leaky ReLU becomes Max(z, 0.01 z) with a
    # DOUBLE constant to stay exact (documented fallback).
    spec, params = network("leaky_linear", "float64")
    nodes = build_onnx_model(spec, params).graph.node
    assert [n.op_type for n in nodes][:3] == ["Gemm", "Mul", "Max"]

    spec, params = network("softmax_ce")
    softmax = build_onnx_model(spec, params).graph.node[-1]
    assert softmax.op_type == "Softmax"
    assert softmax.attribute[0].i == -1


def test_onnx_dtype_override(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    spec, params = network("tanh_sigmoid", "float64")
    path = tmp_path / "m32.onnx"
    export_params("onnx", spec, params, path, dtype="float32")
    model = onnx.load(str(path))
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert verify_export("onnx", path, spec, params, dtype="float32") < 1e-6


def test_onnx_note_chain_gives_the_worked_example(tmp_path: Path) -> None:
    ort = pytest.importorskip("onnxruntime")
    spec, params = note_chain()
    path = tmp_path / "note.onnx"
    export_params("onnx", spec, params, path)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (Y,) = session.run(None, {"x": np.array([[1.0]])})
    assert Y[0, 0] == pytest.approx(NOTE_OUTPUT, abs=1e-12)


# -- safetensors -----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_safetensors_with_safetensors_numpy(tmp_path: Path, dtype: str) -> None:
    st = pytest.importorskip("safetensors")
    from safetensors.numpy import load_file

    spec, params = network("leaky_linear", dtype)
    path = tmp_path / "m.safetensors"
    written = export_params("safetensors", spec, params, path, metadata={"step": 5})
    assert written == [path, tmp_path / "m_torch.py"]
    tensors = load_file(path)
    assert sorted(tensors) == sorted(
        ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    )
    for layer in range(1, spec.n_layers + 1):
        index = 2 * (layer - 1)
        np.testing.assert_array_equal(tensors[f"{index}.weight"], params.W[layer - 1])
        np.testing.assert_array_equal(tensors[f"{index}.bias"], params.b[layer - 1])
        assert tensors[f"{index}.weight"].dtype == np.dtype(dtype)
    with st.safe_open(path, framework="np") as handle:
        meta = handle.metadata()
    assert json.loads(meta["layer_sizes"]) == [2, 3, 3, 2]
    assert json.loads(meta["activations"]) == ["leaky_relu", "linear", "linear"]
    assert meta["loss"] == "mse"
    assert meta["step"] == "5"
    loaded = Params(
        [tensors[f"{i}.weight"] for i in (0, 2, 4)], [tensors[f"{i}.bias"] for i in (0, 2, 4)]
    )
    assert_same_network(spec, params, loaded, read_safetensors(path))


def test_safetensors_snippet_text(tmp_path: Path) -> None:
    spec, params = network("softmax_ce")
    path = tmp_path / "clf.safetensors"
    export_params("safetensors", spec, params, path)
    source = snippet_path(path).read_text()
    ast.parse(source)
    assert "nn.Linear(3, 5, dtype=DTYPE)" in source
    assert "nn.ReLU()" in source
    assert "nn.Linear(5, 4, dtype=DTYPE)" in source
    assert "nn.Softmax(dim=-1)" in source
    assert "WEIGHTS = Path(__file__).with_name('clf.safetensors')" in source
    assert "model.load_state_dict(load_file(path))" in source
    assert "nn.CrossEntropyLoss" in source  # the note about logits


def test_safetensors_snippet_with_a_stand_in_torch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run the PyTorch snippet against a tiny NumPy stand-in for torch (torch is optional).

    It checks what can go wrong in the snippet itself: module order, Linear sizes, the
    state_dict names the Sequential expects and the standardisation buffers in forward().
    """
    stats = Standardizer(np.array([100.0, -2e4]), np.array([0.5, 3e3]))
    for kind, info in (
        ("tanh_sigmoid", None),
        ("softmax_ce", None),
        ("leaky_linear", None),
        ("leaky_linear", ModelInfo(stats)),
    ):
        spec, params = network(kind)
        path = tmp_path / f"{kind}-{info is None}.safetensors"
        export_params("safetensors", spec, params, path, info=info)
        with monkeypatch.context() as patch:
            install_fake_torch(patch)
            # As a script it loads the weights and prints the output for a zero input.
            namespace = run_snippet(snippet_path(path), "__main__")
            model = namespace["load_model"]()  # type: ignore[operator]
            tensor = sys.modules["torch"].Tensor
        X = random_inputs(spec)
        raw = X if info is None else stats.inverse_transform(X)
        got = model(raw.view(tensor))
        np.testing.assert_allclose(got, predict(spec, params, X), rtol=0, atol=1e-12)


def install_fake_torch(patch: pytest.MonkeyPatch) -> None:
    """Just enough of torch, torch.nn and safetensors.torch, in NumPy, for the snippet."""
    from safetensors.numpy import load_file

    class Tensor(np.ndarray):
        def to(self, dtype: type) -> Tensor:
            return np.asarray(self, dtype=dtype).view(Tensor)

    class Module:
        def __call__(self, x: np.ndarray) -> np.ndarray:
            return self.forward(x)

        def forward(self, x: np.ndarray) -> np.ndarray:
            raise NotImplementedError

    class Linear(Module):
        def __init__(self, n_in: int, n_out: int, dtype: type) -> None:
            self.weight = np.full((n_out, n_in), np.nan, dtype=dtype)
            self.bias = np.full(n_out, np.nan, dtype=dtype)

        def forward(self, x: np.ndarray) -> np.ndarray:
            return x @ self.weight.T + self.bias

    class Elementwise(Module):
        def __init__(self, f: Callable[[np.ndarray], np.ndarray]) -> None:
            self.f = f

        def forward(self, x: np.ndarray) -> np.ndarray:
            return self.f(x)

    def softmax(dim: int) -> Module:
        assert dim == -1

        def f(z: np.ndarray) -> np.ndarray:
            e = np.exp(z - z.max(axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)

        return Elementwise(f)

    class Sequential(Module):
        def __init__(self, *modules: Module) -> None:
            self.modules = modules
            self.buffers: dict[str, np.ndarray] = {}

        def register_buffer(self, name: str, value: np.ndarray) -> None:
            self.buffers[name] = value
            setattr(self, name, value)

        def eval(self) -> Sequential:
            return self

        def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
            linear = {i: m for i, m in enumerate(self.modules) if isinstance(m, Linear)}
            expected = {f"{i}.{p}" for i in linear for p in ("weight", "bias")}
            assert set(state) == expected | set(self.buffers)  # strict=True, as in torch
            for i, m in linear.items():
                for p in ("weight", "bias"):
                    value = state[f"{i}.{p}"]
                    assert value.shape == getattr(m, p).shape
                    assert value.dtype == getattr(m, p).dtype
                    setattr(m, p, value)
            for name, old in self.buffers.items():
                assert state[name].shape == old.shape
                self.register_buffer(name, state[name].astype(old.dtype).view(Tensor))

        def forward(self, x: np.ndarray) -> np.ndarray:
            for m in self.modules:
                x = m(x)
            return x

    nn = types.ModuleType("torch.nn")
    nn.Sequential = Sequential  # type: ignore[attr-defined]
    nn.Linear = Linear  # type: ignore[attr-defined]
    nn.Sigmoid = lambda: Elementwise(lambda z: 1.0 / (1.0 + np.exp(-z)))  # type: ignore[attr-defined]
    nn.Tanh = lambda: Elementwise(np.tanh)  # type: ignore[attr-defined]
    nn.ReLU = lambda: Elementwise(lambda z: np.maximum(z, 0.0))  # type: ignore[attr-defined]
    nn.LeakyReLU = lambda slope: Elementwise(lambda z: np.where(z > 0, z, slope * z))  # type: ignore[attr-defined]
    nn.Softmax = softmax  # type: ignore[attr-defined]
    nn.Identity = lambda: Elementwise(lambda z: z)  # type: ignore[attr-defined]
    torch = types.ModuleType("torch")
    torch.nn = nn  # type: ignore[attr-defined]
    torch.float64 = np.float64  # type: ignore[attr-defined]
    torch.float32 = np.float32  # type: ignore[attr-defined]
    torch.zeros = lambda *shape, dtype: np.zeros(shape, dtype).view(Tensor)  # type: ignore[attr-defined]
    torch.tensor = lambda values, dtype: np.array(values, dtype).view(Tensor)  # type: ignore[attr-defined]
    torch.Tensor = Tensor  # type: ignore[attr-defined]
    torch.no_grad = contextlib.nullcontext  # type: ignore[attr-defined]
    st_torch = types.ModuleType("safetensors.torch")
    st_torch.load_file = load_file  # type: ignore[attr-defined]
    patch.setitem(sys.modules, "torch", torch)
    patch.setitem(sys.modules, "torch.nn", nn)
    patch.setitem(sys.modules, "safetensors.torch", st_torch)


def run_snippet(path: Path, name: str = "bpstudio_snippet") -> dict[str, object]:
    namespace: dict[str, object] = {"__file__": str(path), "__name__": name}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace


def test_safetensors_snippet_with_torch(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    for kind in NETWORKS:
        spec, params = network(kind)
        path = tmp_path / f"{kind}.safetensors"
        export_params("safetensors", spec, params, path)
        namespace = run_snippet(snippet_path(path))
        model = namespace["load_model"]()  # type: ignore[operator]
        X = random_inputs(spec)
        with torch.no_grad():
            Y = model(torch.from_numpy(X)).numpy()
        np.testing.assert_allclose(Y, predict(spec, params, X), rtol=0, atol=1e-12)


def test_safetensors_bad_names(tmp_path: Path) -> None:
    pytest.importorskip("safetensors")
    from safetensors.numpy import save_file

    path = tmp_path / "odd.safetensors"
    save_file({"1.weight": np.ones((2, 2)), "1.bias": np.ones(2)}, path)
    with pytest.raises(BPStudioError, match=r"unexpected tensor '1\.(weight|bias)'"):
        read_safetensors(path)
    plain = tmp_path / "plain.safetensors"
    spec, params = network("tanh_sigmoid")
    save_file(
        {
            f"{2 * i}.{k}": a
            for i, (w, b) in enumerate(zip(params.W, params.b, strict=True))
            for k, a in (("weight", w), ("bias", b))
        },
        plain,
    )
    read_spec, read_params = read_safetensors(plain)
    assert read_spec is None
    assert_params_equal(read_params, params)
    assert verify_export("safetensors", plain, spec, params) == 0.0


# -- python ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", NETWORKS)
def test_python_snippet_imports_and_predicts(tmp_path: Path, kind: str) -> None:
    spec, params = network(kind)
    path = tmp_path / "net.py"
    export_params("python", spec, params, path)
    tree = ast.parse(path.read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert imported == {"numpy"}
    assert not any(isinstance(node, ast.ImportFrom) for node in ast.walk(tree))
    module = import_snippet(path)
    assert module.__name__ not in sys.modules
    X = random_inputs(spec)
    np.testing.assert_allclose(module.predict(X), predict(spec, params, X), rtol=0, atol=1e-15)
    single = module.predict(X[0])
    assert single.shape == (spec.output_size,)
    np.testing.assert_allclose(single, predict(spec, params, X[:1])[0], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(module.W1, params.W[0])  # exact literals
    with pytest.raises(ValueError, match="expected shape"):
        module.predict(np.zeros((2, spec.input_size + 1)))
    assert not (tmp_path / "__pycache__").exists()


def test_python_snippet_note_chain_and_float32(tmp_path: Path) -> None:
    spec, params = note_chain()
    module = import_snippet(export_params("python", spec, params, tmp_path / "note.py")[0])
    assert module.predict([1.0])[0] == pytest.approx(NOTE_OUTPUT, abs=1e-12)
    spec32, params32 = network("tanh_sigmoid", "float32")
    module = import_snippet(export_params("python", spec32, params32, tmp_path / "n32.py")[0])
    assert module.W2.dtype == np.float32
    np.testing.assert_array_equal(module.W2, params32.W[1])
    X = random_inputs(spec32)
    np.testing.assert_array_equal(module.predict(X), predict(spec32, params32, X))


def test_python_snippet_runs_standalone(tmp_path: Path) -> None:
    spec, params = network("tanh_sigmoid")
    path = export_params("python", spec, params, tmp_path / "standalone.py")[0]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-I", str(path)], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("[")


def test_python_snippet_bad_module(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text("raise RuntimeError('boom')\n")
    with pytest.raises(BPStudioError, match="fails to import"):
        import_snippet(path)
    path.write_text("x = 1\n")
    with pytest.raises(BPStudioError, match=r"no predict\(\) function"):
        import_snippet(path)


# -- exact round trips for any finite float --------------------------------------------------

finite64 = st.floats(allow_nan=False, allow_infinity=False)
finite32 = st.floats(allow_nan=False, allow_infinity=False, width=32)


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(finite64, min_size=9, max_size=9),
    small=st.lists(finite32, min_size=9, max_size=9),
)
def test_text_formats_round_trip_any_float(values: list[float], small: list[float]) -> None:
    spec = NetworkSpec.build([2, 2, 1], "linear")
    for dtype, numbers in (("float64", values), ("float32", small)):
        typed = spec.with_changes(dtype=dtype)
        arr = np.array(numbers, dtype=dtype)
        params = Params([arr[:4].reshape(2, 2), arr[6:8].reshape(1, 2)], [arr[4:6], arr[8:]])
        _, from_json = parse_json_text(to_json_text(typed, params), "m.json")
        assert_params_equal(from_json, params)
        _, from_csv = parse_csv_text(to_csv_text(typed, params), "m.csv")
        assert_params_equal(from_csv, params)
        namespace: dict[str, object] = {}
        exec(compile(to_python_source(typed, params), "m.py", "exec"), namespace)
        np.testing.assert_array_equal(namespace["W2"], params.W[1])


# -- optional extras -------------------------------------------------------------------------


def test_missing_onnx_explains_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec, params = network("tanh_sigmoid")
    monkeypatch.setitem(sys.modules, "onnx", None)
    assert not EXPORT_FORMATS["onnx"].available()
    with pytest.raises(BPStudioError) as info:
        export_params("onnx", spec, params, tmp_path / "m.onnx")
    assert str(info.value) == "ONNX export needs the onnx package: pip install 'bpstudio[onnx]'"
    assert listing(tmp_path) == []


def test_missing_onnxruntime_explains_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("onnx")
    spec, params = network("tanh_sigmoid")
    path = tmp_path / "m.onnx"
    export_params("onnx", spec, params, path)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    assert EXPORT_FORMATS["onnx"].available()
    assert not EXPORT_FORMATS["onnx"].verifiable()
    with pytest.raises(BPStudioError, match=r"pip install 'bpstudio\[onnx\]'"):
        verify_export("onnx", path, spec, params)


def test_missing_safetensors_explains_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, params = network("tanh_sigmoid")
    monkeypatch.setitem(sys.modules, "safetensors", None)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    assert not EXPORT_FORMATS["safetensors"].available()
    with pytest.raises(BPStudioError) as info:
        export_params("safetensors", spec, params, tmp_path / "m.safetensors")
    assert str(info.value) == (
        "safetensors export needs the safetensors package: pip install 'bpstudio[safetensors]'"
    )
    assert listing(tmp_path) == []


# -- atomic writes ---------------------------------------------------------------------------


def test_npz_failing_mid_write_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, params = network("tanh_sigmoid")

    def half_savez(file: object, **arrays: object) -> None:
        file.write(b"PK\x03\x04 half an archive")  # type: ignore[attr-defined]
        raise OSError("disk full")

    monkeypatch.setattr(npz_module.np, "savez", half_savez)
    with pytest.raises(OSError, match="disk full"):
        export_params("npz", spec, params, tmp_path / "m.npz")
    assert listing(tmp_path) == []


def test_failing_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec, params = network("tanh_sigmoid")
    path = tmp_path / "m.npz"
    export_params("npz", spec, params, path)
    before = path.read_bytes()

    def half_savez(file: object, **arrays: object) -> None:
        file.write(b"garbage")  # type: ignore[attr-defined]
        raise OSError("disk full")

    monkeypatch.setattr(npz_module.np, "savez", half_savez)
    changed = params.copy()
    changed.W[0] += 1.0
    with pytest.raises(OSError, match="disk full"):
        export_params("npz", spec, changed, path)
    assert path.read_bytes() == before
    assert listing(tmp_path) == ["m.npz"]


def test_safetensors_failing_snippet_leaves_neither_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("safetensors")
    spec, params = network("tanh_sigmoid")

    def failing_write(path: object, text: str) -> None:
        raise OSError("read-only folder")

    monkeypatch.setattr(safetensors_format, "atomic_write_text", failing_write)
    with pytest.raises(OSError, match="read-only folder"):
        export_params("safetensors", spec, params, tmp_path / "m.safetensors")
    assert listing(tmp_path) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_fails_atomically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """A failure after the data is written but before the rename leaves no file behind."""
    spec, params = network("softmax_ce")

    def failing_fsync(fd: int) -> None:
        raise OSError("fsync failed")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="fsync failed"):
        export_params(fmt, spec, params, tmp_path / f"m{EXPORT_FORMATS[fmt].extension}")
    assert listing(tmp_path) == []


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    spec, params = network("note")
    with pytest.raises(BPStudioError, match="does not exist"):
        export_params("json", spec, params, tmp_path / "nowhere" / "m.json")


def test_optional_packages_are_imported_lazily() -> None:
    code = (
        "import sys, bpstudio.core.files.export\n"
        "heavy = ('onnx', 'onnxruntime', 'safetensors', 'torch', 'PySide6')\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.strip() == "[]"
