"""Exports predict what the app predicts on raw inputs, say what their outputs mean, and run
nothing a name wrote (issue 12, issue 15)."""

from __future__ import annotations

import ast
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from bpstudio.core.data.csv_data import Standardizer
from bpstudio.core.data.datasets import Dataset
from bpstudio.core.data.source import DataSource, file_sha256, load_examples, split_examples
from bpstudio.core.engine.backprop import predict
from bpstudio.core.engine.network import NetworkSpec, Params, initialize
from bpstudio.core.errors import BPStudioError
from bpstudio.core.files.export import (
    EXPORT_FORMATS,
    ModelInfo,
    export_params,
    import_snippet,
    info_for_data,
    verify_export,
)
from bpstudio.core.files.export.csv_format import read_csv_model
from bpstudio.core.files.export.json_format import read_json_model
from bpstudio.core.files.export.npz import read_npz_model
from bpstudio.core.files.export.onnx_format import read_onnx_model
from bpstudio.core.files.export.safetensors_format import (
    read_safetensors_model,
    snippet_path,
    torch_usable,
)
from bpstudio.core.training.hyperparams import Hyperparameters
from bpstudio.core.training.trainer import Trainer

FORMATS = tuple(EXPORT_FORMATS)
CLASSES = ("setosa", "versicolor", "virginica")
FEATURES = ("mass_g", "ratio", "altitude_m")

#: Each format's reader of the network, its parameters and its model info.
MODEL_READERS: dict[str, Callable[[Path], tuple[NetworkSpec | None, Params, ModelInfo]]] = {
    "npz": read_npz_model,
    "json": read_json_model,
    "csv": read_csv_model,
    "onnx": read_onnx_model,
    "safetensors": read_safetensors_model,
}


def module_constants(tree: ast.Module, names: tuple[str, ...]) -> dict[str, object]:
    """The values of the top-level assignments ``NAME = literal`` of a generated module."""
    return {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id in names
    }


def write_far_scaled_csv(path: Path, n: int = 90, seed: int = 4) -> None:
    """Three classes; features near 1e4, 1e-3 and -5e6, with spreads 0.5, 1e-4 and 1e5."""
    rng = np.random.default_rng(seed)
    rows = [",".join((*FEATURES, "species"))]
    for i in range(n):
        c = i % 3
        x = (
            1e4 + 0.5 * (c + rng.standard_normal()),
            1e-3 + 1e-4 * (c - 1 + rng.standard_normal()),
            -5e6 + 1e5 * (1 - c + rng.standard_normal()),
        )
        rows.append(",".join([*(repr(v) for v in x), CLASSES[c]]))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def trained(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[NetworkSpec, Params, DataSource, Dataset]:
    """A 3-6-3 softmax classifier trained standardised on far-from-0, mixed-scale data."""
    folder = tmp_path_factory.mktemp("data")
    path = folder / "far.csv"
    write_far_scaled_csv(path)
    source = DataSource(
        "csv",
        path=str(path),
        sha256=file_sha256(path),
        label_column="species",
        standardize=True,
        validation_fraction=0.2,
        seed=1,
    )
    examples = load_examples(source)
    train, validation = split_examples(source, examples)
    spec = NetworkSpec.build([3, 6, 3], "tanh", "softmax", "cross_entropy")
    trainer = Trainer(
        spec,
        initialize(spec, "xavier", 0),
        train,
        validation,
        Hyperparameters(learning_rate=0.5, batch_size=8),
    )
    for _ in range(30):
        assert trainer.train_epoch()
    return spec, trainer.params.copy(), source, examples


def app_predictions(
    spec: NetworkSpec, params: Params, source: DataSource, examples: Dataset
) -> tuple[np.ndarray, np.ndarray]:
    """(raw inputs, what the app shows for them): the app's own split and standardisation."""
    raw_train, raw_validation = examples.split(source.validation_fraction, source.seed)
    train, validation = split_examples(source, examples)
    raw = np.concatenate([raw_train.X, raw_validation.X])
    shown = predict(spec, params, np.concatenate([train.X, validation.X]))
    return raw, shown


def test_the_data_is_far_from_zero_and_the_model_learned(trained) -> None:
    spec, params, source, examples = trained
    assert np.abs(examples.X.mean(axis=0)).min() > 1e-4
    spread = examples.X.std(axis=0)
    assert spread.max() / spread.min() > 1e8
    raw, shown = app_predictions(spec, params, source, examples)
    truth = np.argmax(np.concatenate([d.Y for d in examples.split(0.2, 1)]), axis=1)
    assert np.mean(np.argmax(shown, axis=1) == truth) > 0.8
    # Fed raw, without the statistics, the same weights predict nonsense: that is the bug.
    naive = predict(spec, params, raw)
    assert np.max(np.abs(naive - shown)) > 0.1


def _own_reader_predictions(fmt: str, path: Path, spec: NetworkSpec, raw: np.ndarray) -> list:
    """Predictions on raw inputs by each format's own reader, as its README entry says."""
    if fmt == "npz":
        with np.load(path, allow_pickle=False) as f:
            head = json.loads(f["metadata"].item())
            assert head["input_preprocessing"] == "standardize"
            x = (raw - f["input_mean"]) / f["input_std"]
            p = Params([f["W1"], f["W2"]], [f["b1"], f["b2"]])
        return [predict(spec, p, x)]
    if fmt == "json":
        doc = json.loads(path.read_text(encoding="utf-8"))
        x = (raw - np.array(doc["input_mean"])) / np.array(doc["input_std"])
        p = Params(
            [np.array(layer["W"]) for layer in doc["layers"]],
            [np.array(layer["b"]) for layer in doc["layers"]],
        )
        return [predict(spec, p, x)]
    if fmt == "csv":
        read_spec, p, info = read_csv_model(path)
        assert read_spec == spec
        assert info.standardizer is not None
        return [predict(spec, p, (raw - info.standardizer.mean) / info.standardizer.std)]
    if fmt == "onnx":
        ort = pytest.importorskip("onnxruntime")
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        return [session.run(None, {"x": raw})[0]]
    if fmt == "python":
        return [import_snippet(path).predict(raw)]
    assert fmt == "safetensors"
    from safetensors.numpy import load_file

    tensors = load_file(path)
    x = (raw - tensors["input_mean"]) / tensors["input_std"]
    p = Params([tensors["0.weight"], tensors["2.weight"]], [tensors["0.bias"], tensors["2.bias"]])
    out = [predict(spec, p, x)]
    if torch_usable():  # the generated PyTorch module, with its buffers, on raw inputs
        import torch

        module = import_module(snippet_path(path))
        with torch.no_grad():
            out.append(module.load_model()(torch.from_numpy(raw.copy())).numpy())
    return out


def import_module(path: Path) -> object:
    namespace: dict[str, object] = {"__file__": str(path), "__name__": "exported_torch"}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    return type("Module", (), namespace)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_reproduces_the_app_on_raw_inputs(trained, tmp_path: Path, fmt: str) -> None:
    spec, params, source, examples = trained
    info = info_for_data(spec, source, examples)
    assert info.standardizer is not None
    raw, shown = app_predictions(spec, params, source, examples)
    path = tmp_path / f"far{EXPORT_FORMATS[fmt].extension}"
    export_params(fmt, spec, params, path, info=info)
    for got in _own_reader_predictions(fmt, path, spec, raw):
        np.testing.assert_allclose(got, shown, rtol=0, atol=1e-9)
    diff = verify_export(fmt, path, spec, params, info=info, X=examples.X)
    assert diff <= 1e-9


@pytest.mark.parametrize("fmt", FORMATS)
def test_float32_exports_of_far_from_zero_inputs_verify(trained, tmp_path: Path, fmt: str) -> None:
    """float32 networks standardise in float64 too (ONNX casts around its Sub and Div)."""
    spec64, params64, source, examples = trained
    spec = spec64.with_changes(dtype="float32")
    params = params64.astype(np.float32)
    info = info_for_data(spec, source, examples)
    path = tmp_path / f"f32{EXPORT_FORMATS[fmt].extension}"
    export_params(fmt, spec, params, path, info=info)
    assert verify_export(fmt, path, spec, params, info=info, X=examples.X) < 1e-5


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_export_without_the_statistics_is_not_verified(
    trained, tmp_path: Path, fmt: str
) -> None:
    """The old behaviour (weights only) now fails its verification on raw inputs."""
    spec, params, source, examples = trained
    info = info_for_data(spec, source, examples)
    path = tmp_path / f"bare{EXPORT_FORMATS[fmt].extension}"
    names_only = ModelInfo(None, info.task, info.feature_names, info.class_names, info.output_names)
    export_params(fmt, spec, params, path, info=names_only)
    with pytest.raises(BPStudioError, match="not verified"):
        verify_export(fmt, path, spec, params, info=info, X=examples.X)


@pytest.mark.parametrize("fmt", ["npz", "json", "csv", "onnx", "safetensors"])
def test_every_format_says_what_its_outputs_mean(trained, tmp_path: Path, fmt: str) -> None:
    spec, params, source, examples = trained
    info = info_for_data(spec, source, examples)
    assert info.class_names == info.output_names == CLASSES
    assert info.feature_names == FEATURES
    assert info.task == "classification"
    path = tmp_path / f"m{EXPORT_FORMATS[fmt].extension}"
    export_params(fmt, spec, params, path, info=info)
    reader = MODEL_READERS[fmt]
    read_spec, _, read_info = reader(path)
    assert read_spec == spec
    assert read_info.task == "classification"
    assert read_info.feature_names == FEATURES
    assert read_info.class_names == CLASSES
    assert read_info.output_names == CLASSES
    assert read_info.standardizer is not None
    np.testing.assert_array_equal(read_info.standardizer.mean, info.standardizer.mean)
    np.testing.assert_array_equal(read_info.standardizer.std, info.standardizer.std)
    if fmt == "onnx":
        import onnx

        model = onnx.load(str(path))
        props = {p.key: p.value for p in model.metadata_props}
        assert json.loads(props["class_names"]) == list(CLASSES)
        assert props["task"] == "classification"
        ops = [node.op_type for node in model.graph.node]
        assert ops[:3] == ["Sub", "Div", "Gemm"]


def test_python_and_torch_modules_state_their_meaning(trained, tmp_path: Path) -> None:
    spec, params, source, examples = trained
    info = info_for_data(spec, source, examples)
    module = import_snippet(export_params("python", spec, params, tmp_path / "m.py", info=info)[0])
    assert module.TASK == "classification"
    assert module.CLASS_NAMES == CLASSES
    assert module.OUTPUT_NAMES == CLASSES
    assert module.FEATURE_NAMES == FEATURES
    assert module.INPUT_PREPROCESSING == "standardize"
    np.testing.assert_array_equal(module.INPUT_MEAN, info.standardizer.mean)
    written = export_params("safetensors", spec, params, tmp_path / "m.safetensors", info=info)
    tree = ast.parse(written[1].read_text(encoding="utf-8"))
    constants = module_constants(tree, ("TASK", "CLASS_NAMES", "FEATURE_NAMES"))
    assert constants == {
        "TASK": "classification",
        "CLASS_NAMES": CLASSES,
        "FEATURE_NAMES": FEATURES,
    }


def test_binary_and_regression_outputs_are_named() -> None:
    binary = Dataset(
        np.zeros((4, 2)),
        np.array([[0.0], [1.0], [0.0], [1.0]]),
        "classification",
        "b",
        class_names=("cat", "dog"),
        feature_names=("a", "b"),
    )
    spec = NetworkSpec.build([2, 3, 1], "tanh", "sigmoid", "cross_entropy")
    info = info_for_data(spec, DataSource(), binary)
    assert info.class_names == ("cat", "dog")
    assert info.output_names == ("dog",)  # the sigmoid's value is P(dog)
    regression = Dataset(
        np.zeros((3, 2)), np.zeros((3, 2)), "regression", "r", target_names=("u", "v")
    )
    info = info_for_data(NetworkSpec.build([2, 2]), DataSource(), regression)
    assert (info.task, info.output_names, info.class_names) == ("regression", ("u", "v"), ())


def test_standardised_data_that_cannot_be_read_is_refused() -> None:
    spec = NetworkSpec.build([3, 2])
    source = DataSource("csv", path="gone.csv", standardize=True)
    with pytest.raises(BPStudioError, match="cannot be read.*cannot be exported without them"):
        info_for_data(spec, source, None)
    assert info_for_data(spec, source.with_changes(standardize=False), None) == ModelInfo()
    with pytest.raises(BPStudioError, match="2 values, expected 3"):
        ModelInfo(Standardizer(np.zeros(2), np.ones(2))).check(spec)


# -- files of the previous version still read --------------------------------------------------

V1_HEADER = {
    "format": "bpstudio-weights",
    "version": 1,
    "bpstudio_version": "0.1.0",
    "layer_sizes": [2, 1],
    "activations": ["sigmoid"],
    "loss": "squared_error",
    "dtype": "float64",
    "metadata": {"project": "old"},
}
V1_CSV = """# format: bpstudio-weights
# version: 1
# bpstudio_version: 0.1.0
# layer_sizes: 2 1
# activations: sigmoid
# loss: squared_error
# dtype: float64
# metadata: {}

# W1 (layer 1: 1 x 2; rows j = neuron in layer 1; columns k = neuron in layer 0)
j\\k,0,1
0,0.5,-1.25

# b1 (layer 1: 1 biases; rows j = neuron in layer 1)
j,b
0,0.125
"""


def test_version_1_files_still_read(tmp_path: Path) -> None:
    spec = NetworkSpec.build([2, 1], "sigmoid")
    params = Params([np.array([[0.5, -1.25]])], [np.array([0.125])])
    doc = dict(
        V1_HEADER, layers=[{"layer": 1, "activation": "sigmoid", "W": [[0.5, -1.25]], "b": [0.125]}]
    )
    (tmp_path / "old.json").write_text(json.dumps(doc), encoding="utf-8")
    (tmp_path / "old.csv").write_text(V1_CSV, encoding="utf-8")
    with open(tmp_path / "old.npz", "wb") as fh:
        np.savez(fh, W1=params.W[0], b1=params.b[0], metadata=np.array(json.dumps(V1_HEADER)))
    for name, reader in (
        ("old.json", read_json_model),
        ("old.csv", read_csv_model),
        ("old.npz", read_npz_model),
    ):
        read_spec, read_params, info = reader(tmp_path / name)
        assert read_spec == spec
        np.testing.assert_array_equal(read_params.W[0], params.W[0])
        assert info == ModelInfo()
        assert verify_export(name[4:], tmp_path / name, spec, params) == 0.0


# -- nothing runs that a name wrote ---------------------------------------------------------------

MARKER = "pwned"
PAYLOAD = f'"""; open({MARKER!r}, "w").close(); """'
HOSTILE_NAMES = (
    "it's",
    'say "hi"',
    "'''",
    '"""',
    "back\\slash\\",
    "new\nline",
    PAYLOAD,
    f"\n{PAYLOAD}\n#",
)


def test_hostile_names_are_literals_and_nothing_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    spec = NetworkSpec.build([len(HOSTILE_NAMES), 3, 2], "tanh", "softmax", "cross_entropy")
    params = initialize(spec, "normal", seed=2)
    info = ModelInfo(
        Standardizer(np.arange(8.0) * 100, np.arange(1.0, 9.0)),
        "classification",
        HOSTILE_NAMES,
        (PAYLOAD, '"""'),
        (PAYLOAD, '"""'),
    )
    metadata = {"project": PAYLOAD, PAYLOAD: HOSTILE_NAMES[5]}
    stems = [f"m{PAYLOAD}", "m'''", "m\\x", "m\nnext", "model"]
    for stem in stems:
        for fmt in ("python", "safetensors"):
            path = tmp_path / f"{stem}{EXPORT_FORMATS[fmt].extension}"
            written = export_params(fmt, spec, params, path, info=info, metadata=metadata)
            for code in (p for p in written if p.suffix == ".py"):
                text = code.read_text(encoding="utf-8")
                tree = ast.parse(text)
                doc = ast.get_docstring(tree) or ""
                for name in (*HOSTILE_NAMES, stem, path.name):
                    assert name not in doc or name == "model"
                assert MARKER not in doc
                constants = module_constants(tree, ("FEATURE_NAMES", "CLASS_NAMES", "OUTPUT_NAMES"))
                assert constants["FEATURE_NAMES"] == HOSTILE_NAMES
                assert constants["CLASS_NAMES"] == (PAYLOAD, '"""')
            assert verify_export(fmt, path, spec, params, info=info) <= 1e-9
    module = import_snippet(tmp_path / f"m{PAYLOAD}.py")
    assert metadata == module.METADATA
    assert module.FEATURE_NAMES == HOSTILE_NAMES
    for stem in stems:
        safetensors = tmp_path / f"{stem}.safetensors"
        code = snippet_path(safetensors)
        namespace: dict[str, object] = {"__file__": str(code), "__name__": "not_main"}
        if torch_usable():
            exec(compile(code.read_text(encoding="utf-8"), str(code), "exec"), namespace)
            assert namespace["WEIGHTS"] == safetensors
    assert not (tmp_path / MARKER).exists()
    assert not Path(MARKER).exists()
    assert os.listdir(tmp_path).count(MARKER) == 0
    assert "exported_torch" not in sys.modules


@pytest.mark.parametrize("fmt", ["npz", "json", "csv", "onnx", "safetensors"])
def test_hostile_names_round_trip_in_data_formats(tmp_path: Path, fmt: str) -> None:
    """Quotes, newlines and commas in names survive each format's header unchanged."""
    spec = NetworkSpec.build([len(HOSTILE_NAMES), 2], "linear")
    params = initialize(spec, "normal", seed=3)
    info = ModelInfo(None, "regression", HOSTILE_NAMES, (), ('a,"b"', "c\nd"))
    path = tmp_path / f"m{EXPORT_FORMATS[fmt].extension}"
    export_params(fmt, spec, params, path, info=info)
    reader = MODEL_READERS[fmt]
    assert reader(path)[2] == info
