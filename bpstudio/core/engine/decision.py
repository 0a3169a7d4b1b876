"""What the network computes over its input space: the decision boundary and the fitted curve.

For a network with two inputs, :func:`decision_grid` evaluates it on a regular grid over the
input plane with one batched :func:`~bpstudio.core.engine.backprop.predict` (TensorFlow
Playground's main view); for one input, :func:`response_curve` evaluates it along a line.
Both are pure NumPy so a GUI can run them off its own thread with a copy of the parameters.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from bpstudio.core.engine.activations import Array
from bpstudio.core.engine.backprop import forward, predict
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.errors import BPStudioError

#: Grid points per axis by default: 64 x 64 = 4,096 forward passes in one batch.
DEFAULT_RESOLUTION = 64
#: Largest grid the functions accept per axis (1024² = 1M points).
MAX_RESOLUTION = 1024

Range = tuple[float, float]


def _check_range(r: Range, what: str) -> tuple[float, float]:
    lo, hi = float(r[0]), float(r[1])
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise BPStudioError(f"{what} must be two finite numbers, low < high; got {r!r}")
    return lo, hi


def _check_resolution(resolution: int) -> int:
    if isinstance(resolution, bool) or not 2 <= int(resolution) <= MAX_RESOLUTION:
        raise BPStudioError(f"resolution must be between 2 and {MAX_RESOLUTION}, got {resolution}")
    return int(resolution)


def grid_axes(
    x_range: Range, y_range: Range, resolution: int = DEFAULT_RESOLUTION
) -> tuple[Array, Array]:
    """The grid's coordinates ``xs, ys``, each ``(resolution,)``."""
    resolution = _check_resolution(resolution)
    xs = np.linspace(*_check_range(x_range, "x_range"), resolution)
    ys = np.linspace(*_check_range(y_range, "y_range"), resolution)
    return xs, ys


def grid_points(x_range: Range, y_range: Range, resolution: int = DEFAULT_RESOLUTION) -> Array:
    """The grid's points as a batch ``(resolution², 2)``, row by row (y outer, x inner)."""
    gx, gy = np.meshgrid(*grid_axes(x_range, y_range, resolution))
    return np.column_stack([gx.ravel(), gy.ravel()])


def decision_grid(
    spec: NetworkSpec,
    params: Params,
    x_range: Range,
    y_range: Range,
    resolution: int = DEFAULT_RESOLUTION,
) -> tuple[Array, Array, Array]:
    """The network's output over a grid of the input plane (a network with 2 inputs).

    Returns
    -------
    xs : (r,)
        Grid coordinates of the first input, ``linspace(*x_range, r)``.
    ys : (r,)
        Grid coordinates of the second input.
    values : (r, r) or (r, r, k)
        ``values[i, j]`` is the output a^(L) at ``(xs[j], ys[i])`` (rows follow y): for a
        single output the value itself (the class-1 probability of a sigmoid output, the
        prediction of a linear one), for k outputs all k of them (softmax probabilities,
        see :func:`class_and_confidence`).
    """
    if spec.input_size != 2:
        raise BPStudioError(
            f"a decision grid needs a network with 2 inputs; this one has {spec.input_size}"
        )
    xs, ys = grid_axes(x_range, y_range, resolution)
    resolution = xs.shape[0]
    gx, gy = np.meshgrid(xs, ys)
    X = np.column_stack([gx.ravel(), gy.ravel()]).astype(spec.np_dtype, copy=False)
    with np.errstate(all="ignore"):
        A = np.asarray(predict(spec, params, X), dtype=np.float64)
    if spec.output_size == 1:
        return xs, ys, A[:, 0].reshape(resolution, resolution)
    return xs, ys, A.reshape(resolution, resolution, spec.output_size)


def class_and_confidence(values: Array) -> tuple[NDArray[np.intp], Array]:
    """Predicted class and its output (probability) per grid cell, from ``(r, r, k)`` outputs."""
    if values.ndim != 3:
        raise BPStudioError(f"expected (rows, columns, classes) outputs, got shape {values.shape}")
    return np.argmax(values, axis=2), np.max(values, axis=2)


def response_curve(
    spec: NetworkSpec, params: Params, x_range: Range, n_points: int = 256
) -> tuple[Array, Array]:
    """The output along the input axis of a 1-input network: ``(xs (m,), A (m, n_L))``."""
    if spec.input_size != 1:
        raise BPStudioError(
            f"a response curve needs a network with 1 input; this one has {spec.input_size}"
        )
    lo, hi = _check_range(x_range, "x_range")
    xs = np.linspace(lo, hi, _check_resolution(n_points))
    with np.errstate(all="ignore"):
        A = np.asarray(predict(spec, params, xs[:, None].astype(spec.np_dtype)), np.float64)
    return xs, A


def padded_range(values: Array, pad: float = 0.1) -> tuple[float, float]:
    """``(min, max)`` of ``values`` widened by ``pad`` of the span on each side (never empty)."""
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return -1.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    span = hi - lo if hi > lo else max(abs(lo), 1.0)
    return lo - pad * span, hi + pad * span


__all__ = [
    "DEFAULT_RESOLUTION",
    "class_and_confidence",
    "decision_grid",
    "grid_axes",
    "grid_points",
    "layer_grids",
    "padded_range",
    "response_curve",
]


def neuron_grid(
    spec: NetworkSpec,
    params: Params,
    layer: int,
    j: int,
    x_range: Range,
    y_range: Range,
    resolution: int = 32,
) -> Array:
    """What neuron ``j`` of ``layer`` computes over the input plane: a_j^(layer), ``(r, r)``.

    Rows follow y and columns x, as in :func:`decision_grid`; for a network with 2 inputs.
    """
    if spec.input_size != 2:
        raise BPStudioError(
            f"a neuron's picture needs a network with 2 inputs; this one has {spec.input_size}"
        )
    if not 1 <= layer <= spec.n_layers or not 0 <= j < spec.layer_sizes[layer]:
        raise BPStudioError(f"layer {layer} has no neuron {j}")
    resolution = _check_resolution(resolution)
    X = grid_points(x_range, y_range, resolution).astype(spec.np_dtype, copy=False)
    with np.errstate(all="ignore"):
        trace = forward(spec, params, X)
    return np.asarray(trace.A[layer][:, j], dtype=np.float64).reshape(resolution, resolution)


def layer_grids(
    spec: NetworkSpec,
    params: Params,
    x_range: Range,
    y_range: Range,
    resolution: int = 24,
) -> list[Array]:
    """What every neuron computes over the input plane, from one batched forward pass:
    ``grids[l - 1] : (r, r, n_l)`` holds a^(l) for l = 1..L (rows follow y, columns x, as in
    :func:`decision_grid`); for a network with 2 inputs."""
    if spec.input_size != 2:
        raise BPStudioError(
            f"neuron pictures need a network with 2 inputs; this one has {spec.input_size}"
        )
    resolution = _check_resolution(resolution)
    X = grid_points(x_range, y_range, resolution).astype(spec.np_dtype, copy=False)
    with np.errstate(all="ignore"):
        trace = forward(spec, params, X)
    return [
        np.asarray(A, dtype=np.float64).reshape(resolution, resolution, A.shape[1])
        for A in trace.A[1:]
    ]
