"""The cost as a function of one parameter: a 1-D slice C(w) through the current point.

"How sensitive is the cost to this weight" has a picture: hold every other parameter
fixed, move w alone, and C traces a curve whose slope at the current w is ∂C/∂w
(``docs/calculus.md``). :func:`cost_slice` evaluates C for K values of one parameter at
once: the layers below the parameter's layer do not depend on it and run once; from its
layer up the batch carries a leading axis of K, so the K networks run as one broadcast
matrix product per layer instead of K forward passes. :func:`compute_slice` adds what a
plot needs: a range around the current value, the current cost and the tangent's slope
from the backward pass on the same examples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpstudio.core.engine.activations import Array
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.backprop import backward, check_batch, forward
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.errors import BPStudioError

#: Values of the parameter a slice evaluates by default.
DEFAULT_POINTS = 61
#: Examples a slice uses at most; a larger batch is subsampled evenly (and the plot says so).
DEFAULT_MAX_EXAMPLES = 512


def cost_slice(
    spec: NetworkSpec, params: Params, X: Array, Y: Array, ref: ParamRef, values: Array
) -> Array:
    """C with ``ref`` set to each of ``values``, every other parameter as in ``params``.

    Parameters
    ----------
    X : (n, d0), Y : (n, n_L)
        The examples C averages over.
    values : (K,)
        The values of the parameter.

    Returns
    -------
    (K,) : C at each value.
    """
    check_batch(spec, X, Y)
    ref.check(spec)
    values = np.asarray(values, dtype=spec.np_dtype).reshape(-1)
    K, n = values.shape[0], X.shape[0]
    if n == 0:
        raise BPStudioError("a cost slice needs at least one example")
    l = ref.layer
    # Below layer l nothing depends on the parameter: one ordinary forward pass.
    below = forward(spec, params, X) if l > 1 else None
    A_prev = below.A[l - 1] if below is not None else X  # (n, n_{l-1})
    Z = A_prev @ params.W[l - 1].T + params.b[l - 1]  # (n, n_l)
    Z_K = np.broadcast_to(Z, (K, *Z.shape)).copy()  # (K, n, n_l)
    # Only z_j^(l) moves with the parameter: by Δw · a_k^(l-1), or by Δb.
    delta = values - ref.get(params)  # (K,)
    step = A_prev[:, ref.k] if ref.k is not None else np.ones(n, dtype=Z.dtype)
    Z_K[:, :, ref.j] += delta[:, None] * step[None, :]
    # Activations work on rows (softmax along axis 1 of a 2-D array): fold K into n.
    A_K = spec.activation(l).forward(Z_K.reshape(K * n, -1)).reshape(Z_K.shape)
    for layer in range(l + 1, spec.n_layers + 1):
        Z_K = A_K @ params.W[layer - 1].T + params.b[layer - 1]
        A_K = spec.activation(layer).forward(Z_K.reshape(K * n, -1)).reshape(Z_K.shape)
    out = spec.n_layers
    size = spec.layer_sizes[out]
    Y_K = np.broadcast_to(Y, (K, n, size)).reshape(K * n, size)
    per_example = spec.loss_fn.per_example(
        Z_K.reshape(K * n, size), A_K.reshape(K * n, size), Y_K, spec.output_activation
    )
    return np.asarray(per_example.reshape(K, n).mean(axis=1))


def slice_range(value: float, points: int = DEFAULT_POINTS) -> Array:
    """``points`` values centred on ``value``, reaching ±max(1, |value|) around it, with
    ``value`` itself among them (odd ``points``) so the curve passes through the point."""
    if points < 3:
        raise BPStudioError("a cost slice needs at least 3 points")
    points += 1 - points % 2
    half = max(1.0, abs(value))
    return value + np.linspace(-half, half, points)


def subsample(n: int, max_examples: int | None) -> Array | None:
    """Evenly spaced row indices when ``n`` exceeds ``max_examples``; None to use them all."""
    if max_examples is None or n <= max_examples:
        return None
    return np.unique(np.linspace(0, n - 1, max_examples).round().astype(np.intp))


@dataclass(frozen=True, eq=False)
class CostSlice:
    """C(parameter) around the current point, and the tangent there.

    Attributes
    ----------
    ref : the parameter varied.
    values : (K,) the parameter's values; costs : (K,) C at each.
    value, cost, gradient : the current point and ∂C/∂(parameter) there (the tangent's slope).
    n_examples : the examples C averaged over; n_total : those there were (more when
        subsampled).
    """

    ref: ParamRef
    values: Array
    costs: Array
    value: float
    cost: float
    gradient: float
    n_examples: int
    n_total: int

    @property
    def subsampled(self) -> bool:
        return self.n_examples < self.n_total

    def tangent(self, values: Array) -> Array:
        """The tangent line C + ∂C/∂w · (w − w₀) at ``values``."""
        return self.cost + self.gradient * (np.asarray(values) - self.value)


def compute_slice(
    spec: NetworkSpec,
    params: Params,
    X: Array,
    Y: Array,
    ref: ParamRef,
    points: int = DEFAULT_POINTS,
    max_examples: int | None = DEFAULT_MAX_EXAMPLES,
) -> CostSlice:
    """The slice of C through the current point along ``ref``, on at most ``max_examples``
    of the rows of ``X`` (evenly spaced), with the gradient on the same rows."""
    check_batch(spec, X, Y)
    ref.check(spec)
    n_total = int(X.shape[0])
    rows = subsample(n_total, max_examples)
    if rows is not None:
        X, Y = X[rows], Y[rows]
    dtype = spec.np_dtype
    X, Y = np.asarray(X, dtype=dtype), np.asarray(Y, dtype=dtype)
    params = params.astype(dtype)
    value = ref.get(params)
    values = slice_range(value, points)
    costs = cost_slice(spec, params, X, Y, ref, values)
    grads = backward(spec, params, forward(spec, params, X), Y)
    return CostSlice(
        ref=ref,
        values=values,
        costs=costs,
        value=value,
        cost=float(grads.cost),
        gradient=ref.get(grads.as_params()),
        n_examples=int(X.shape[0]),
        n_total=n_total,
    )
