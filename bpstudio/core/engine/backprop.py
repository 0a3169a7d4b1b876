"""Forward and backward passes, vectorised over the batch (the loop is over layers only).

The matrix form of BACKPROP.md, batch-first::

    Z = A_prev @ W.T + b          A = f(Z)
    G_Z = G_A * f'(Z)             (fused for softmax/sigmoid + cross-entropy)
    dC/dW = G_Z.T @ A_prev        dC/db = G_Z.sum(axis=0)        G_A_prev = G_Z @ W
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpstudio.core.engine.activations import ACTIVATIONS as _ACTS
from bpstudio.core.engine.activations import Array
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.errors import BPStudioError


@dataclass(frozen=True)
class Trace:
    """What the forward pass computed for a batch of n examples.

    Attributes
    ----------
    Z : list of (n, n_l)
        ``Z[l - 1]`` holds z^(l) for layers l = 1..L.
    A : list of (n, n_l)
        ``A[l]`` holds a^(l) for l = 0..L; ``A[0]`` is the input X.
    """

    Z: list[Array]
    A: list[Array]

    @property
    def output(self) -> Array:
        """a^(L), shape (n, n_L)."""
        return self.A[-1]

    @property
    def n_examples(self) -> int:
        return int(self.A[0].shape[0])


@dataclass(frozen=True)
class Grads:
    """What the backward pass computed: every component of ∇C and ∂C/∂a per layer.

    Attributes
    ----------
    dW : list of (n_l, n_{l-1})
        ``dW[l - 1]`` is ∂C/∂W^(l), averaged over the batch (the note's (1/n) Σ_k).
    db : list of (n_l,)
        ``db[l - 1]`` is ∂C/∂b^(l).
    dA : list of (n, n_l) or None
        ``dA[l]`` is ∂C/∂A^(l) for l = 0..L (row k belongs to example k and carries the
        1/n of the average). ``dA[0]``, the gradient with respect to the input, is only
        computed on request and is otherwise None.
    dZ : list of (n, n_l)
        ``dZ[l - 1]`` is ∂C/∂Z^(l).
    cost : float
        C for the batch.
    """

    dW: list[Array]
    db: list[Array]
    dA: list[Array | None]
    dZ: list[Array]
    cost: float

    def as_params(self) -> Params:
        """The gradient in the layout of the parameters (shares the arrays)."""
        return Params(self.dW, self.db)

    def vector(self) -> Array:
        """∇C = [∂C/∂W1, ∂C/∂b1, ..., ∂C/∂WL, ∂C/∂bL] flattened, the note's order."""
        return self.as_params().vector()

    def named(self) -> dict[str, Array]:
        return self.as_params().named()


def check_batch(spec: NetworkSpec, X: Array, Y: Array | None = None) -> None:
    """Raise a clear error unless X (and Y) fit the network."""
    if X.ndim != 2 or X.shape[1] != spec.input_size:
        raise BPStudioError(
            f"inputs have shape {X.shape}; the network expects (n, {spec.input_size})"
        )
    if Y is not None and (Y.ndim != 2 or Y.shape != (X.shape[0], spec.output_size)):
        raise BPStudioError(
            f"targets have shape {Y.shape}; the network expects ({X.shape[0]}, {spec.output_size})"
        )


def forward(spec: NetworkSpec, params: Params, X: Array) -> Trace:
    """Run the batch ``X : (n, d0)`` through the network, keeping every z and a."""
    A_prev = X
    Z_list: list[Array] = []
    A_list: list[Array] = [X]
    for l, act in enumerate(spec.activations):
        Z = A_prev @ params.W[l].T
        Z += params.b[l]
        A_prev = _ACTS[act].forward(Z)
        Z_list.append(Z)
        A_list.append(A_prev)
    return Trace(Z_list, A_list)


def predict(spec: NetworkSpec, params: Params, X: Array) -> Array:
    """a^(L) for the batch ``X : (n, d0)``, without keeping the trace."""
    A = X
    for l, act in enumerate(spec.activations):
        Z = A @ params.W[l].T
        Z += params.b[l]
        A = _ACTS[act].forward(Z)
    return A


def cost(spec: NetworkSpec, params: Params, X: Array, Y: Array) -> float:
    """C, the cost averaged over the examples of the batch."""
    check_batch(spec, X, Y)
    trace = forward(spec, params, X)
    return spec.loss_fn.value(trace.Z[-1], trace.output, Y, spec.output_activation)


def backward(
    spec: NetworkSpec,
    params: Params,
    trace: Trace,
    Y: Array,
    input_gradient: bool = False,
) -> Grads:
    """Every component of ∇C for the batch whose forward pass is ``trace``.

    ``input_gradient=True`` also returns ∂C/∂X in ``dA[0]``.
    """
    L = spec.n_layers
    loss = spec.loss_fn
    output = _ACTS[spec.activations[-1]]
    Z_out, A_out = trace.Z[-1], trace.A[-1]
    dW: list[Array] = [None] * L  # type: ignore[list-item]
    db: list[Array] = [None] * L  # type: ignore[list-item]
    dZ: list[Array] = [None] * L  # type: ignore[list-item]
    dA: list[Array | None] = [None] * (L + 1)
    dA[L] = G_A_out = loss.gradient_a(A_out, Y, output)
    G_Z = loss.gradient_z(Z_out, A_out, Y, output, G_A_out)
    for l in range(L, 0, -1):
        if l < L:
            G_A = dA[l]
            assert G_A is not None
            G_Z = _ACTS[spec.activations[l - 1]].backward(trace.Z[l - 1], trace.A[l], G_A)
        A_prev = trace.A[l - 1]
        dZ[l - 1] = G_Z
        dW[l - 1] = G_Z.T @ A_prev
        db[l - 1] = np.add.reduce(G_Z, axis=0)  # G_Z.sum(axis=0) without the method overhead
        if l > 1 or input_gradient:
            dA[l - 1] = G_Z @ params.W[l - 1]
    c = loss.value(Z_out, A_out, Y, output)
    return Grads(dW, db, dA, dZ, c)


def gradients(
    spec: NetworkSpec, params: Params, X: Array, Y: Array, input_gradient: bool = False
) -> Grads:
    """Forward then backward for one batch."""
    check_batch(spec, X, Y)
    return backward(spec, params, forward(spec, params, X), Y, input_gradient)


def per_example_gradients(
    spec: NetworkSpec, params: Params, X: Array, Y: Array
) -> tuple[list[Array], list[Array], Array]:
    """∂C_k/∂W and ∂C_k/∂b for every example k separately, and every C_k.

    Returns
    -------
    dW : list of (n, n_l, n_{l-1})
    db : list of (n, n_l)
    costs : (n,)

    Averaging over the first axis gives the batch gradient (the note's (1/n) Σ_k).
    """
    check_batch(spec, X, Y)
    trace = forward(spec, params, X)
    grads = backward(spec, params, trace, Y)
    n = X.shape[0]
    # Each row of dZ carries the 1/n of the batch average; C_k alone has none.
    dW = [n * np.einsum("kj,ki->kji", G_Z, trace.A[l]) for l, G_Z in enumerate(grads.dZ)]
    db = [n * G_Z for G_Z in grads.dZ]
    costs = spec.loss_fn.per_example(trace.Z[-1], trace.output, Y, spec.output_activation)
    return dW, db, costs
