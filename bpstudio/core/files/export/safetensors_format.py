"""safetensors with PyTorch ``nn.Sequential`` state_dict names, plus a PyTorch snippet.

For a network Linear, activation, Linear, activation, ... the Linear modules of the matching
``nn.Sequential`` sit at indices 0, 2, 4, ..., so layer l is stored as

    "{2(l-1)}.weight"  shape (n_l, n_{l-1})  = W{l} (PyTorch's (out, in) is our layout)
    "{2(l-1)}.bias"    shape (n_l,)          = b{l}

Layers with the linear activation still get an ``nn.Identity()`` module so the indices stay
regular. Tensors are F64 or F32 (the export dtype). The header's string metadata holds the
format name and version, layer sizes, activations, loss and dtype (lists as JSON).

A network trained on standardised inputs also stores ``input_mean`` and ``input_std`` (F64,
shape (d0,)), the training statistics; the metadata also holds the task, feature, class and
output names and ``input_preprocessing``.

Beside ``model.safetensors`` the writer puts ``model_torch.py``: ``Network``, an
``nn.Sequential`` subclass whose ``forward`` takes raw inputs and applies
``(x - input_mean) / input_std`` with registered buffers of those names (so they are in its
state_dict), ``build_model()`` and ``load_model()``, which does::

    from safetensors.torch import load_file
    model = build_model()
    model.load_state_dict(load_file("model.safetensors"))

PyTorch is not needed to write or read the export here. Verification runs the generated
module with PyTorch when it is installed, else the engine on the tensors read back.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from bpstudio.core.engine.activations import Array
from bpstudio.core.engine.address import array_name
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.errors import BPStudioError
from bpstudio.core.files.atomic import atomic_path, atomic_write_text
from bpstudio.core.files.export._common import (
    Predictor,
    bpstudio_version,
    header,
    model_from_string_metadata,
    prepare,
    read_back_predictor,
    require,
    string_metadata,
)
from bpstudio.core.files.export.model_info import (
    MEAN_NAME,
    STD_NAME,
    ModelInfo,
    standardizer_from_arrays,
)
from bpstudio.core.files.outputs import check_output_paths

#: activation name -> the PyTorch module that computes it
TORCH_MODULES: dict[str, str] = {
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
    "relu": "nn.ReLU()",
    "leaky_relu": "nn.LeakyReLU(0.01)",
    "softmax": "nn.Softmax(dim=-1)",
    "linear": "nn.Identity()",
}

SNIPPET_SUFFIX = "_torch.py"

_TENSOR_NAME = re.compile(r"^(0|[1-9][0-9]*)\.(weight|bias)$")


def tensor_names(layer: int) -> tuple[str, str]:
    """The state_dict names of layer ``layer`` (1..L): ``("0.weight", "0.bias")`` for layer 1."""
    index = 2 * (layer - 1)
    return f"{index}.weight", f"{index}.bias"


def snippet_path(path: str | os.PathLike[str]) -> Path:
    """Where the PyTorch snippet for ``path`` goes: ``model.safetensors`` -> ``model_torch.py``."""
    target = Path(path)
    return target.with_name(target.stem + SNIPPET_SUFFIX)


def _float_list(values: Array) -> str:
    return "[" + ", ".join(repr(float(v)) for v in values) + "]"


def torch_snippet(
    spec: NetworkSpec,
    weights_name: str,
    dtype: str | None = None,
    info: ModelInfo | None = None,
) -> str:
    """Python source defining the network as an ``nn.Sequential`` and loading ``weights_name``.

    ``weights_name`` (a file name) and every name in ``info`` reach the source only as
    Python literals (``repr``); the docstring holds no user text.
    """
    chosen = spec.dtype if dtype is None else dtype
    torch_dtype = {"float64": "torch.float64", "float32": "torch.float32"}[chosen]
    meaning = (info or ModelInfo()).check(spec)
    sizes = spec.layer_sizes
    modules: list[str] = []
    for layer, act in enumerate(spec.activations, start=1):
        weight, _ = tensor_names(layer)
        modules.append(
            f"            nn.Linear({sizes[layer - 1]}, {sizes[layer]}, dtype=DTYPE),  "
            f"# {2 * (layer - 1)}: layer {layer}, "
            f"{weight} = W{layer} ({sizes[layer]}, {sizes[layer - 1]})"
        )
        modules.append(f"            {TORCH_MODULES[act]},  # {2 * layer - 1}: {act}")
    notes = ""
    if spec.loss == "cross_entropy" and spec.activations[-1] == "softmax":
        notes = (
            "\nTo train with nn.CrossEntropyLoss, drop the final nn.Softmax: that loss expects "
            "logits.\n"
        )
    elif spec.loss == "cross_entropy" and spec.activations[-1] == "sigmoid":
        notes = (
            "\nTo train with nn.BCEWithLogitsLoss, drop the final nn.Sigmoid: that loss expects "
            "logits.\n"
        )
    body = "\n".join(modules)
    if meaning.standardizer is None:
        buffers = ""
        prepare_line = "x.to(DTYPE)"
        standardized = ""
    else:
        stats = meaning.standardizer
        buffers = (
            "\n        # The training statistics: the network sees (x - input_mean) / input_std.\n"
            f"        self.register_buffer(\n            {MEAN_NAME!r}, "
            f"torch.tensor({_float_list(stats.mean)}, dtype=torch.float64)\n        )\n"
            f"        self.register_buffer(\n            {STD_NAME!r}, "
            f"torch.tensor({_float_list(stats.std)}, dtype=torch.float64)\n        )"
        )
        prepare_line = f"((x.to(torch.float64) - self.{MEAN_NAME}) / self.{STD_NAME}).to(DTYPE)"
        standardized = (
            "\nforward() takes raw inputs and standardises them first with the buffers\n"
            f'"{MEAN_NAME}" and "{STD_NAME}" (float64, also in the safetensors file), as\n'
            "Backprop Studio does.\n"
        )
    return f'''"""PyTorch version of the Backprop Studio network {spec.describe()}.

The weights are in the safetensors file named by WEIGHTS beside this file, named like this
nn.Sequential's state_dict: the nn.Linear modules sit at indices 0, 2, 4, ..., each followed
by its activation (linear layers get nn.Identity() so the indices stay regular).
"<i>.weight" has shape (out, in), Backprop Studio's W of that layer; "<i>.bias" is its b.
{standardized}{notes}
FEATURE_NAMES names the input columns, OUTPUT_NAMES the outputs (CLASS_NAMES the classes
when TASK is "classification").

Load:

    model = load_model()    # build_model() with the weights of WEIGHTS, in eval mode

Generated by Backprop Studio {bpstudio_version()}.
"""

from pathlib import Path

import torch
from torch import nn

WEIGHTS = Path(__file__).with_name({weights_name!r})
DTYPE = {torch_dtype}
TASK = {meaning.task!r}
FEATURE_NAMES = {meaning.feature_names!r}
CLASS_NAMES = {meaning.class_names!r}
OUTPUT_NAMES = {meaning.output_names!r}
INPUT_PREPROCESSING = {meaning.preprocessing!r}


class Network(nn.Sequential):
    """The layers as an nn.Sequential; forward() takes raw inputs (n, {spec.input_size})."""

    def __init__(self) -> None:
        super().__init__(
{body}
        ){buffers}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward({prepare_line})


def build_model() -> Network:
    """The network with fresh weights, in {chosen} like the exported tensors."""
    return Network()


def load_model(path: str | Path = WEIGHTS) -> Network:
    """The network with the exported weights, in evaluation mode."""
    from safetensors.torch import load_file

    model = build_model()
    model.load_state_dict(load_file(path))
    return model.eval()


if __name__ == "__main__":
    model = load_model()
    with torch.no_grad():
        print(model(torch.zeros(1, {spec.input_size}, dtype=torch.float64)))
'''


def write_safetensors(
    spec: NetworkSpec,
    params: Params,
    path: str | os.PathLike[str],
    *,
    metadata: Mapping[str, Any] | None = None,
    dtype: str | None = None,
    info: ModelInfo | None = None,
) -> list[Path]:
    """Write the tensors to ``path`` and the PyTorch snippet beside it, both atomically.

    Returns ``[path, snippet_path(path)]``. If either write fails, neither file is changed.
    """
    st_numpy = require("safetensors.numpy", "safetensors", "safetensors export")
    stored, chosen = prepare(spec, params, dtype, info)
    target = Path(path)
    tensors: dict[str, Array] = {}
    for layer, (W, b) in enumerate(zip(stored.W, stored.b, strict=True), start=1):
        weight, bias = tensor_names(layer)
        tensors[weight] = np.ascontiguousarray(W)
        tensors[bias] = np.ascontiguousarray(b)
    if info is not None and info.standardizer is not None:
        tensors[MEAN_NAME] = np.array(info.standardizer.mean)
        tensors[STD_NAME] = np.array(info.standardizer.std)
    strings = string_metadata(header(spec, chosen, metadata, info))
    snippet = torch_snippet(spec, target.name, chosen, info)
    code = snippet_path(target)
    check_output_paths([target, code])
    # Nested: both temporary files exist before either is renamed into place.
    with atomic_path(target) as tmp:
        st_numpy.save_file(tensors, tmp, metadata=strings)
        atomic_write_text(code, snippet)
    return [target, code]


def read_safetensors(path: str | os.PathLike[str]) -> tuple[NetworkSpec | None, Params]:
    """The network (from the header metadata, if present) and the parameters.

    Reads with ``safetensors.numpy``; tensor names must follow the ``nn.Sequential`` scheme.
    """
    spec, params, _ = read_safetensors_model(path)
    return spec, params


def read_safetensors_model(
    path: str | os.PathLike[str],
) -> tuple[NetworkSpec | None, Params, ModelInfo]:
    """:func:`read_safetensors` plus the model info (statistics from ``input_mean`` and
    ``input_std``, names from the header metadata)."""
    st = require("safetensors", "safetensors", "Reading safetensors")
    st_numpy = require("safetensors.numpy", "safetensors", "Reading safetensors")
    source = Path(path)
    if not source.is_file():
        raise BPStudioError(f"{source}: no such file")
    try:
        tensors: dict[str, Array] = st_numpy.load_file(source)
        with st.safe_open(source, framework="np") as handle:
            props: dict[str, str] = handle.metadata() or {}
    except Exception as exc:  # safetensors raises SafetensorError and others
        raise BPStudioError(f"{source}: not a readable safetensors file ({exc})") from None
    standardizer = None
    if MEAN_NAME in tensors or STD_NAME in tensors:
        standardizer = standardizer_from_arrays(
            tensors.pop(MEAN_NAME, None), tensors.pop(STD_NAME, None), str(source)
        )
    arrays: dict[str, Array] = {}
    for name, tensor in tensors.items():
        match = _TENSOR_NAME.match(name)
        if not match or int(match.group(1)) % 2:
            raise BPStudioError(
                f"{source}: unexpected tensor {name!r}; expected nn.Sequential names with "
                "Linear layers at even indices: 0.weight, 0.bias, 2.weight, ..."
            )
        layer = int(match.group(1)) // 2 + 1
        arrays[array_name("w" if match.group(2) == "weight" else "b", layer)] = tensor
    return model_from_string_metadata(arrays, props, standardizer, str(source))


def safetensors_predictor(path: Path, spec: NetworkSpec) -> Predictor:
    """Predictions on raw inputs of the tensors read back: through the generated PyTorch
    module when PyTorch is installed and the module is beside the file, else the engine
    with the file's statistics (``spec`` only if the file has no metadata)."""
    model = read_safetensors_model(path)
    code = snippet_path(path)
    if torch_usable() and code.is_file():
        return torch_module_predictor(code, path)
    return read_back_predictor(path, spec, model)


def torch_usable() -> bool:
    """True if PyTorch and safetensors.torch import (a broken install counts as missing)."""
    try:
        importlib.import_module("torch")
        importlib.import_module("safetensors.torch")
    except Exception:  # a damaged torch install raises OSError and others, not ImportError
        return False
    return True


def torch_module_predictor(code: Path, weights: Path) -> Predictor:
    """The generated module's ``load_model(weights)`` run with PyTorch, on float64 inputs."""
    import torch

    from bpstudio.core.files.export.python_snippet import import_module_file

    module = import_module_file(code, "load_model")
    try:
        model = module.load_model(weights)
    except Exception as exc:  # torch raises RuntimeError for a state_dict that does not fit
        raise BPStudioError(f"{code}: load_model() fails ({exc})") from exc

    def run(X: Array) -> Array:
        with torch.no_grad():
            out = model(torch.from_numpy(np.array(X, dtype=np.float64)))
        return np.asarray(out.numpy(), dtype=np.float64)

    return run
