"""Forward and backward passes, vectorised over the batch (the loop is over layers only).

The matrix form of docs/calculus.md §4, batch-first::

    Z = A_prev @ W.T + b          A = f(Z)
    G_Z = G_A * f'(Z)             (fused for softmax/sigmoid + cross-entropy)
    dC/dW = G_Z.T @ A_prev        dC/db = G_Z.sum(axis=0)        G_A_prev = G_Z @ W
"""

from __future__ import annotations

from collections.abc import Callable
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


def vector_views(spec: NetworkSpec, vector: Array) -> Params:
    """Params whose arrays are views of ``vector`` (laid out as :meth:`Params.vector`)."""
    W: list[Array] = []
    b: list[Array] = []
    i = 0
    for (rows, cols), (size,) in spec.shapes():
        W.append(vector[i : i + rows * cols].reshape(rows, cols))
        i += rows * cols
        b.append(vector[i : i + size])
        i += size
    return Params(W, b)


def packed_copy(spec: NetworkSpec, params: Params) -> tuple[Array, Params]:
    """A copy of ``params`` in the network's dtype, as one vector θ and views of it."""
    theta = params.vector().astype(spec.np_dtype, copy=False)
    return theta, vector_views(spec, theta)


#: Outputs of at least this many entries are written by np.matmul rather than np.dot.
_MATMUL_FROM = 4096
_Product = Callable[..., Array]


class Workspace:
    """Arrays that the steps on batches of ``n`` examples write into, reused step after step.

    Passing one to :func:`forward` and :func:`backward` gives the same numbers as without,
    bit for bit, but allocates nothing: every z, a, ∂C/∂a, ∂C/∂z and ∂C/∂θ goes into its
    array here. The :class:`Trace` and :class:`Grads` returned therefore share these arrays
    and hold the last step's values only. A consumer that keeps them past the next step
    marks them read-only (as snapshots do); the workspace then notices and gives the next
    step fresh arrays instead of overwriting what was kept.
    """

    def __init__(self, spec: NetworkSpec, n: int, backward: bool = True) -> None:
        self.spec = spec
        self.n = n
        # What every step looks up, looked up once: each layer's activation, the output
        # layer's, the cost.
        self.activations = tuple(_ACTS[name] for name in spec.activations)
        self.loss = spec.loss_fn
        # Each layer's products (z, ∂C/∂W, ∂C/∂a_prev): np.dot costs a third less per call
        # than np.matmul, but zero-fills its output before BLAS overwrites it, a pass that
        # matters on large outputs (the 800 kB ∂C/∂W1 of 784-128-10): the same BLAS call
        # either way, so the same numbers.
        sizes = spec.layer_sizes

        def product(elements: int) -> _Product:
            return np.matmul if elements >= _MATMUL_FROM else np.dot

        self.products = tuple(
            (product(n * k), product(k * j), product(n * j))
            for j, k in zip(sizes[:-1], sizes[1:], strict=True)
        )
        self._forward_arrays()
        if backward:  # ``backward=False``: for forward passes only (evaluations)
            self._backward_arrays()

    def _layer_arrays(self, first: int) -> list[Array]:
        dtype = self.spec.np_dtype
        return [np.empty((self.n, k), dtype) for k in self.spec.layer_sizes[first:]]

    def _forward_arrays(self) -> None:
        self.Z = self._layer_arrays(1)  # Z[l - 1] : (n, n_l)
        self.A = self._layer_arrays(1)  # A[l - 1] : (n, n_l), a^(l)

    def _backward_arrays(self) -> None:
        self.dA = self._layer_arrays(0)  # dA[l] : (n, n_l), l = 0..L
        self.dZ = self._layer_arrays(1)
        #: ∇C as one vector; dW and db are views of it.
        self.gradient = np.empty(self.spec.parameter_count, self.spec.np_dtype)
        views = vector_views(self.spec, self.gradient)
        self.dW, self.db = views.W, views.b

    def forward_arrays(self) -> tuple[list[Array], list[Array]]:
        """(Z, A) to write the next forward pass into."""
        if not self.Z[-1].flags.writeable:  # the last trace was kept
            self._forward_arrays()
        return self.Z, self.A

    def backward_arrays(self) -> tuple[list[Array], list[Array], list[Array], list[Array]]:
        """(dA, dZ, dW, db) to write the next backward pass into; afterwards
        :attr:`gradient` holds ∇C."""
        if not self.dW[-1].flags.writeable:  # the last gradients were kept
            self._backward_arrays()
        return self.dA, self.dZ, self.dW, self.db


def forward(
    spec: NetworkSpec, params: Params, X: Array, workspace: Workspace | None = None
) -> Trace:
    """Run the batch ``X : (n, d0)`` through the network, keeping every z and a.

    With a ``workspace`` for n examples, z and a are written into its arrays.
    """
    if workspace is not None:
        return _forward_into(workspace, params, X)
    L = len(spec.activations)
    Z_out, A_out = [None] * L, [None] * L
    A_prev = X
    Z_list: list[Array] = []
    A_list: list[Array] = [X]
    for l, act in enumerate(spec.activations):
        Z = np.dot(A_prev, params.W[l].T, out=Z_out[l])
        Z += params.b[l]
        A_prev = _ACTS[act].forward(Z, A_out[l])
        Z_list.append(Z)
        A_list.append(A_prev)
    return Trace(Z_list, A_list)


def _forward_into(workspace: Workspace, params: Params, X: Array) -> Trace:
    """:func:`forward` into the workspace's arrays: the same calls, nothing looked up."""
    Z_out, A_out = workspace.forward_arrays()
    A_prev = X
    A_list: list[Array] = [X]
    for W, b, act, (product, _, _), Z, A in zip(
        params.W, params.b, workspace.activations, workspace.products, Z_out, A_out, strict=True
    ):
        product(A_prev, W.T, out=Z)
        Z += b
        A_prev = act.forward(Z, A)
        A_list.append(A_prev)
    return Trace(list(Z_out), A_list)


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
    workspace: Workspace | None = None,
) -> Grads:
    """Every component of ∇C for the batch whose forward pass is ``trace``.

    ``input_gradient=True`` also returns ∂C/∂X in ``dA[0]``. With a ``workspace`` for the
    batch's n examples, the gradients are written into its arrays.
    """
    if workspace is not None:
        return _backward_into(workspace, params, trace, Y, input_gradient)
    L = spec.n_layers
    output = _ACTS[spec.activations[-1]]
    dZ_out = dW_out = db_out = [None] * L
    dA_out = [None] * (L + 1)
    dW: list[Array] = [None] * L  # type: ignore[list-item]
    db: list[Array] = [None] * L  # type: ignore[list-item]
    dZ: list[Array] = [None] * L  # type: ignore[list-item]
    dA: list[Array | None] = [None] * (L + 1)
    c, dA[L], G_Z = spec.loss_fn.cost_and_gradients(
        trace.Z[-1], trace.A[-1], Y, output, dA_out[L], dZ_out[L - 1]
    )
    for l in range(L, 0, -1):
        if l < L:
            G_A = dA[l]
            assert G_A is not None
            act = _ACTS[spec.activations[l - 1]]
            G_Z = act.backward(trace.Z[l - 1], trace.A[l], G_A, dZ_out[l - 1])
        A_prev = trace.A[l - 1]
        dZ[l - 1] = G_Z
        dW[l - 1] = np.dot(G_Z.T, A_prev, out=dW_out[l - 1])
        # G_Z.sum(axis=0) without the method overhead
        db[l - 1] = np.add.reduce(G_Z, axis=0, out=db_out[l - 1])
        if l > 1 or input_gradient:
            dA[l - 1] = np.dot(G_Z, params.W[l - 1], out=dA_out[l - 1])
    return Grads(dW, db, dA, dZ, c)


def _backward_into(
    workspace: Workspace, params: Params, trace: Trace, Y: Array, input_gradient: bool
) -> Grads:
    """:func:`backward` into the workspace's arrays: the same calls, nothing looked up."""
    dA_out, dZ_out, dW_out, db_out = workspace.backward_arrays()
    acts = workspace.activations
    L = len(acts)
    Z, A = trace.Z, trace.A
    dA: list[Array | None] = [None] * (L + 1)
    c, dA[L], G_Z = workspace.loss.cost_and_gradients(
        Z[-1], A[-1], Y, acts[-1], dA_out[L], dZ_out[L - 1]
    )
    dZ = list(dZ_out)
    reduce = np.add.reduce
    for l in range(L, 0, -1):
        if l < L:
            G_Z = acts[l - 1].backward(Z[l - 1], A[l], dA[l], dZ_out[l - 1])  # type: ignore[arg-type]
        dZ[l - 1] = G_Z
        _, weights, inputs = workspace.products[l - 1]
        weights(G_Z.T, A[l - 1], out=dW_out[l - 1])
        reduce(G_Z, axis=0, out=db_out[l - 1])  # G_Z.sum(axis=0) without the method overhead
        if l > 1 or input_gradient:
            dA[l - 1] = inputs(G_Z, params.W[l - 1], out=dA_out[l - 1])
    return Grads(list(dW_out), list(db_out), dA, dZ, c)


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
