"""ONNX: the network as a graph of standard operators, runnable by onnxruntime and others.

Graph: input ``x`` of shape [batch, d0], the user's raw inputs. A network trained on
standardised inputs first computes ``x_standardized = (x - input_mean) / input_std`` with a
``Sub`` and a ``Div`` node (initializers ``input_mean`` and ``input_std``, the training
statistics, shape [d0]). Then for each layer l a ``Gemm`` node
(A = previous activations, B = ``W{l}`` with ``transB=1``, C = ``b{l}``) computing
``z{l} = a{l-1} @ W{l}.T + b{l}``, then its activation: ``Sigmoid``, ``Tanh``, ``Relu``,
``LeakyRelu`` (alpha = 0.01), ``Softmax`` (axis = -1) or ``Identity`` (linear); the last one
writes the output ``y`` of shape [batch, n_L]. Weights are initializers named ``W1, b1, ...``
in the docs/calculus.md layout, stored as FLOAT (float32) or DOUBLE (float64).

``metadata_props`` holds the header: format, version, layer sizes, activations, loss, dtype,
``task``, ``input_preprocessing`` and, as JSON lists, ``feature_names`` (the columns of x),
``class_names`` and ``output_names`` (the columns of y). The standardisation is computed in
double, as the app computes it: a float32 model casts its float32 input ``x`` to DOUBLE for
the ``Sub`` and ``Div`` and the result back to FLOAT for the first ``Gemm``.

Versions: default-domain opset :data:`OPSET` (17: Softmax with axis=-1 needs at least 13)
and :data:`IR_VERSION` 8, the lowest IR version that carries opset 17, so the file loads in
onnxruntime 1.13+ and most other runtimes. The model passes
``onnx.checker.check_model(model, full_check=True)`` before it is written.

Leaky ReLU in float64 is the one fallback: ONNX stores operator attributes as 32-bit
floats, so ``LeakyRelu(alpha=0.01)`` would multiply by float32(0.01) = 0.009999999776...,
an error of about 2e-10 relative to z. For float64 models the layer is therefore written as
``Max(z, Mul(z, leaky_relu_alpha))`` with ``leaky_relu_alpha`` a DOUBLE initializer holding
0.01, which equals max(z, 0.01 z) = leaky_relu(z) exactly. (onnxruntime also has no double
``LeakyRelu`` kernel at opsets 21 and later.) float32 models use ``LeakyRelu`` itself.

Measured agreement with the engine through onnxruntime's CPU provider (every operator here
has a double kernel): about 1e-16 for float64 and 1e-7 for float32.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bpstudio.core.engine.activations import Array, LeakyReLU
from bpstudio.core.engine.address import array_name
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.errors import BPStudioError
from bpstudio.core.files.export._common import (
    Predictor,
    bpstudio_version,
    file_writer,
    header,
    model_from_string_metadata,
    prepare,
    require,
    string_metadata,
)
from bpstudio.core.files.export.model_info import (
    MEAN_NAME,
    STD_NAME,
    ModelInfo,
    standardizer_from_arrays,
)

if TYPE_CHECKING:
    import onnx

    from bpstudio.core.data.csv_data import Standardizer

OPSET = 17
IR_VERSION = 8

#: activation name -> (ONNX operator, attributes)
ONNX_OPS: dict[str, tuple[str, dict[str, Any]]] = {
    "sigmoid": ("Sigmoid", {}),
    "tanh": ("Tanh", {}),
    "relu": ("Relu", {}),
    "leaky_relu": ("LeakyRelu", {"alpha": LeakyReLU.slope}),
    "softmax": ("Softmax", {"axis": -1}),
    "linear": ("Identity", {}),
}

#: Name of the DOUBLE initializer holding leaky ReLU's slope in float64 models.
LEAKY_ALPHA = "leaky_relu_alpha"

_EXPORT_HINT = "ONNX export"


def _onnx() -> Any:
    return require("onnx", "onnx", _EXPORT_HINT)


def _standardize_nodes(stats: Standardizer, dtype: str, initializers: list[Any]) -> list[Any]:
    """``x_standardized = (x - input_mean) / input_std``, computed in float64 as the app does.

    The statistics are DOUBLE initializers in every model. A float32 model keeps its float32
    input and casts it to double first, then the result back to float: rounding the mean of
    inputs far from 0 to float32 would cost more digits than the float32 network has.
    """
    from onnx import TensorProto, helper, numpy_helper

    initializers += [
        numpy_helper.from_array(np.array(stats.mean, dtype=np.float64), MEAN_NAME),
        numpy_helper.from_array(np.array(stats.std, dtype=np.float64), STD_NAME),
    ]
    nodes = []
    x, out = "x", "x_standardized"
    if dtype == "float32":
        nodes.append(helper.make_node("Cast", ["x"], ["x_double"], to=TensorProto.DOUBLE))
        x, out = "x_double", "x_standardized_double"
    nodes += [
        helper.make_node("Sub", [x, MEAN_NAME], ["x_centred"], name="input_centre"),
        helper.make_node("Div", ["x_centred", STD_NAME], [out], name="input_scale"),
    ]
    if dtype == "float32":
        nodes.append(helper.make_node("Cast", [out], ["x_standardized"], to=TensorProto.FLOAT))
    return nodes


def build_onnx_model(
    spec: NetworkSpec,
    params: Params,
    *,
    metadata: Mapping[str, Any] | None = None,
    dtype: str | None = None,
    opset: int = OPSET,
    ir_version: int = IR_VERSION,
    info: ModelInfo | None = None,
) -> onnx.ModelProto:
    """The ONNX model of the network, checked with the full checker (not yet written)."""
    onnx = _onnx()
    from onnx import helper, numpy_helper

    stored, chosen = prepare(spec, params, dtype, info)
    np_dtype = np.dtype(chosen)
    elem = helper.np_dtype_to_tensor_dtype(np_dtype)
    nodes: list[Any] = []
    initializers: list[Any] = []
    previous = "x"
    if info is not None and info.standardizer is not None:
        nodes += _standardize_nodes(info.standardizer, chosen, initializers)
        previous = "x_standardized"
    for layer, act in enumerate(spec.activations, start=1):
        initializers.append(
            numpy_helper.from_array(
                np.ascontiguousarray(stored.W[layer - 1]), array_name("w", layer)
            )
        )
        initializers.append(
            numpy_helper.from_array(
                np.ascontiguousarray(stored.b[layer - 1]), array_name("b", layer)
            )
        )
        z, a = f"z{layer}", ("y" if layer == spec.n_layers else f"a{layer}")
        nodes.append(
            helper.make_node(
                "Gemm",
                [previous, array_name("w", layer), array_name("b", layer)],
                [z],
                name=f"layer{layer}_gemm",
                transB=1,
            )
        )
        if act == "leaky_relu" and chosen == "float64":
            if not any(init.name == LEAKY_ALPHA for init in initializers):
                slope = np.array(LeakyReLU.slope, dtype=np.float64)
                initializers.append(numpy_helper.from_array(slope, LEAKY_ALPHA))
            nodes += [
                helper.make_node(
                    "Mul", [z, LEAKY_ALPHA], [f"{z}_scaled"], name=f"layer{layer}_leaky_scale"
                ),
                helper.make_node("Max", [z, f"{z}_scaled"], [a], name=f"layer{layer}_leaky_relu"),
            ]
        else:
            op, attrs = ONNX_OPS[act]
            nodes.append(helper.make_node(op, [z], [a], name=f"layer{layer}_{act}", **attrs))
        previous = a
    standardize = (
        f"x is standardised first, (x - {MEAN_NAME}) / {STD_NAME} (Sub, Div); "
        if info is not None and info.standardizer is not None
        else ""
    )
    description = (
        f"Backprop Studio network {spec.describe()}: {standardize}per layer "
        f"z = a_prev @ W.T + b (Gemm, transB=1), then the activation. Input x: raw inputs "
        f"(batch, {spec.input_size}), columns named in feature_names; output y: "
        f"(batch, {spec.output_size}), columns named in output_names; {chosen}."
    )
    graph = helper.make_graph(
        nodes,
        "bpstudio_network",
        [helper.make_tensor_value_info("x", elem, ["batch", spec.input_size])],
        [helper.make_tensor_value_info("y", elem, ["batch", spec.output_size])],
        initializers,
        doc_string=description,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", opset)],
        producer_name="bpstudio",
        producer_version=bpstudio_version(),
        doc_string=description,
    )
    model.ir_version = ir_version
    helper.set_model_props(model, string_metadata(header(spec, chosen, metadata, info)))
    try:
        onnx.checker.check_model(model, full_check=True)
    except onnx.checker.ValidationError as exc:
        raise BPStudioError(
            f"the ONNX model of {spec.describe()} failed the checker: {exc}"
        ) from exc
    return model


def _onnx_bytes(spec: NetworkSpec, params: Params, **options: Any) -> bytes:
    """The checked model (:func:`build_onnx_model`), serialised."""
    data: bytes = build_onnx_model(spec, params, **options).SerializeToString()
    return data


#: Build, check and write the ONNX model to ``path`` atomically; return ``[path]``.
write_onnx = file_writer(_onnx_bytes, "the checked ONNX model")


def read_onnx(path: str | os.PathLike[str]) -> tuple[NetworkSpec | None, Params]:
    """The network (from metadata_props) and the weights (initializers) of an exported model.

    Reads with the onnx package only; it does not run the model (see :func:`onnx_predictor`).
    """
    spec, params, _ = read_onnx_model(path)
    return spec, params


def read_onnx_model(
    path: str | os.PathLike[str],
) -> tuple[NetworkSpec | None, Params, ModelInfo]:
    """:func:`read_onnx` plus the model info (statistics from the initializers)."""
    onnx = _onnx()
    from onnx import numpy_helper

    source = Path(path)
    try:
        model = onnx.load(str(source))
    except FileNotFoundError:
        raise BPStudioError(f"{source}: no such file") from None
    except Exception as exc:  # protobuf raises its own DecodeError
        raise BPStudioError(f"{source}: not a readable ONNX model ({exc})") from None
    props = {p.key: p.value for p in model.metadata_props}
    arrays: dict[str, Array] = {
        init.name: numpy_helper.to_array(init)
        for init in model.graph.initializer
        if init.name != LEAKY_ALPHA
    }
    standardizer = None
    if MEAN_NAME in arrays or STD_NAME in arrays:
        standardizer = standardizer_from_arrays(
            arrays.pop(MEAN_NAME, None), arrays.pop(STD_NAME, None), str(source)
        )
    return model_from_string_metadata(arrays, props, standardizer, str(source))


def onnx_predictor(path: Path, _spec: NetworkSpec) -> Predictor:
    """Run the file with onnxruntime's CPU provider; inputs are cast to the model's dtype."""
    ort = require("onnxruntime", "onnx", "ONNX verification")
    try:
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types
        raise BPStudioError(f"{path}: onnxruntime cannot load the model ({exc})") from None
    inputs = session.get_inputs()
    types = {"tensor(float)": np.float32, "tensor(double)": np.float64}
    if len(inputs) != 1 or inputs[0].type not in types:
        found = [(i.name, i.type) for i in inputs]
        raise BPStudioError(f"{path}: expected one float or double input, found {found}")
    name, dtype = inputs[0].name, types[inputs[0].type]

    def run(X: Array) -> Array:
        outputs = session.run(None, {name: np.ascontiguousarray(X, dtype=dtype)})
        return np.asarray(outputs[0])

    return run
