"""A standalone Python file: the weights as exact literals and ``predict(x)``, NumPy only.

The generated file imports nothing but ``numpy``. It holds ``W1, b1, ...`` (docs/calculus.md
layout, float literals written with ``repr`` so they are exact), the activation functions the
network uses (written exactly as the engine computes them, so predictions agree bit for bit
on the same machine) and ``predict(x)`` taking one raw example (d0,) or a batch (n, d0).
A network trained on standardised inputs also holds ``INPUT_MEAN`` and ``INPUT_STD``, and
``predict`` applies ``(x - INPUT_MEAN) / INPUT_STD`` in float64 first, as the app does.
``TASK``, ``FEATURE_NAMES``, ``CLASS_NAMES`` and ``OUTPUT_NAMES`` say what the inputs and
outputs are.

Nothing a user named (the file, the project, features, classes) is pasted into the source:
names are written as Python literals (``repr``) in constants, and the docstring holds only
text generated here.

Large networks make large files (about 20 bytes per parameter); a 784-128-10 network gives
a 2 MB module that takes a moment to import the first time.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import itertools
import keyword
import os
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from bpstudio.core.engine.activations import Array
from bpstudio.core.engine.address import array_name
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.errors import BPStudioError
from bpstudio.core.files.export._common import Predictor, file_writer, header, prepare
from bpstudio.core.files.export.model_info import ModelInfo

#: Source of each activation, matching bpstudio.core.engine.activations operation for operation.
ACTIVATION_SOURCE: dict[str, str] = {
    "sigmoid": '''def sigmoid(z):
    """1 / (1 + e^-z), with z floored at -500 so that e^-z never overflows."""
    return 1.0 / (1.0 + np.exp(-np.maximum(z, -500.0)))''',
    "tanh": """def tanh(z):
    return np.tanh(z)""",
    "relu": """def relu(z):
    return np.maximum(z, 0.0)""",
    "leaky_relu": '''def leaky_relu(z):
    """max(z, 0.01 z)."""
    return np.where(z > 0, z, 0.01 * z)''',
    "linear": """def linear(z):
    return z""",
    "softmax": '''def softmax(z):
    """Row-wise softmax; subtracting the row maximum keeps exp() finite."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)''',
}


def _array_literal(name: str, values: Array, dtype: str = "DTYPE") -> str:
    if values.ndim == 1:
        numbers = ", ".join(repr(float(v)) for v in values)
        return f"{name} = np.array([{numbers}], dtype={dtype})"
    rows = "\n".join("    [" + ", ".join(repr(float(v)) for v in row) + "]," for row in values)
    return f"{name} = np.array([\n{rows}\n], dtype={dtype})"


def _import_line(module_name: str) -> str:
    """``from <name> import predict`` when the name is a plain identifier, else a sentence;
    anything else a file name holds stays out of the source."""
    if module_name.isascii() and module_name.isidentifier() and not keyword.iskeyword(module_name):
        return f"from {module_name} import predict"
    return "import this file as a module, then use its predict function:"


def _preprocessing_source(info: ModelInfo) -> tuple[str, str]:
    """(constants, the line of ``predict`` that prepares the raw inputs)."""
    if info.standardizer is None:
        return "INPUT_MEAN = None\nINPUT_STD = None", "    a = x.astype(DTYPE)"
    constants = "\n".join(
        (
            "# The network sees (x - INPUT_MEAN) / INPUT_STD, with the training statistics.",
            _array_literal("INPUT_MEAN", info.standardizer.mean, "np.float64"),
            _array_literal("INPUT_STD", info.standardizer.std, "np.float64"),
        )
    )
    return constants, "    a = ((x - INPUT_MEAN) / INPUT_STD).astype(DTYPE)"


def to_python_source(
    spec: NetworkSpec,
    params: Params,
    *,
    metadata: Mapping[str, Any] | None = None,
    dtype: str | None = None,
    module_name: str = "model",
    info: ModelInfo | None = None,
) -> str:
    """The module source described in this module's docstring."""
    stored, chosen = prepare(spec, params, dtype)
    meaning = (info or ModelInfo()).check(spec)
    head = header(spec, chosen, metadata, meaning)
    constants, prepare_line = _preprocessing_source(meaning)
    sizes = spec.layer_sizes
    arrays = "\n\n".join(
        f"# Layer {layer}: {spec.activations[layer - 1]}. W{layer}[j, k] is the weight "
        f"from neuron k of layer {layer - 1} into neuron j of layer {layer}.\n"
        + _array_literal(array_name("w", layer), W)
        + "\n"
        + _array_literal(array_name("b", layer), b)
        for layer, (W, b) in enumerate(zip(stored.W, stored.b, strict=True), start=1)
    )
    used = list(dict.fromkeys(spec.activations))
    functions = "\n\n\n".join(ACTIVATION_SOURCE[name] for name in used)
    steps = "\n".join(
        f"    a = {act}(a @ W{layer}.T + b{layer})"
        for layer, act in enumerate(spec.activations, start=1)
    )
    standardized = (
        "\nThe raw inputs are standardised first, (x - INPUT_MEAN) / INPUT_STD, with the\n"
        "training statistics, as in Backprop Studio.\n"
        if meaning.standardizer is not None
        else ""
    )
    return f'''"""Backprop Studio network {spec.describe()}, exported as plain NumPy.

Usage:

    {_import_line(module_name)}
    predict(x)    # one raw example, x of shape ({sizes[0]},) -> outputs of shape ({sizes[-1]},)
    predict(X)    # a batch, X of shape (n, {sizes[0]}) -> outputs of shape (n, {sizes[-1]})
{standardized}
FEATURE_NAMES names the input columns, OUTPUT_NAMES the outputs (CLASS_NAMES the classes
when TASK is "classification"). Each layer computes z = a_prev @ W.T + b, then a = f(z).
Generated by Backprop Studio {head["bpstudio_version"]}; needs only NumPy.
"""

import numpy as np

LAYER_SIZES = {tuple(sizes)!r}
ACTIVATIONS = {tuple(spec.activations)!r}
LOSS = {spec.loss!r}
DTYPE = np.{chosen}
TASK = {meaning.task!r}
FEATURE_NAMES = {meaning.feature_names!r}
CLASS_NAMES = {meaning.class_names!r}
OUTPUT_NAMES = {meaning.output_names!r}
INPUT_PREPROCESSING = {meaning.preprocessing!r}
METADATA = {head["metadata"]!r}

{constants}

{arrays}


{functions}


def predict(x):
    """a^(L) for one raw example (shape ({sizes[0]},)) or a batch (shape (n, {sizes[0]}))."""
    x = np.asarray(x, dtype=np.float64)
    single = x.ndim == 1
    if single:
        x = x[np.newaxis, :]
    if x.ndim != 2 or x.shape[1] != {sizes[0]}:
        raise ValueError(f"expected shape ({sizes[0]},) or (n, {sizes[0]}), got {{np.shape(x)}}")
{prepare_line}
{steps}
    return a[0] if single else a


if __name__ == "__main__":
    print(predict(np.zeros({sizes[0]}, dtype=DTYPE)))
'''


#: The module is named after the file (``model.py`` -> ``model``).
write_python = file_writer(to_python_source, "the standalone module", stem_as="module_name")


class _SourceLoader(importlib.abc.Loader):
    """Executes a .py file from source without writing __pycache__ beside the export."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def exec_module(self, module: ModuleType) -> None:
        code = compile(self.path.read_bytes(), str(self.path), "exec")
        exec(code, module.__dict__)


_counter = itertools.count()


def import_module_file(path: str | os.PathLike[str], function: str) -> ModuleType:
    """Import a generated file under a fresh module name (not added to ``sys.modules``) and
    check that it defines ``function``."""
    source = Path(path)
    if not source.is_file():
        raise BPStudioError(f"{source}: no such file")
    name = f"_bpstudio_export_{next(_counter)}"
    loader = _SourceLoader(source)
    module_spec = importlib.util.spec_from_loader(name, loader, origin=str(source))
    if module_spec is None:  # pragma: no cover - spec_from_loader only fails without a loader
        raise BPStudioError(f"{source}: cannot import")
    module = importlib.util.module_from_spec(module_spec)
    module.__file__ = str(source)
    try:
        loader.exec_module(module)
    except Exception as exc:
        raise BPStudioError(f"{source}: the exported module fails to import ({exc})") from exc
    if not callable(module.__dict__.get(function)):
        raise BPStudioError(f"{source}: the module defines no {function}() function")
    return module


def import_snippet(path: str | os.PathLike[str]) -> ModuleType:
    """Import a generated NumPy module (one defining ``predict(x)``), not into ``sys.modules``."""
    return import_module_file(path, "predict")


def python_predictor(path: Path, _spec: NetworkSpec) -> Predictor:
    module = import_snippet(path)
    predict_fn = module.predict

    def run(X: Array) -> Array:
        return np.asarray(predict_fn(X))

    return run
