"""A gradient step planned once: forward, cost and backward as the NumPy calls alone.

:class:`StepPlan` is made for one network and one batch size n. It holds the arrays of a
:class:`~bpstudio.core.engine.backprop.Workspace` (every z, a, ∂C/∂a, ∂C/∂z and ∂C/∂θ, reused
step after step) and, for each of the trainer's two parameter buffers, what each layer's
calls need (the product function, W and its transpose, b, the activation, the arrays to
write into), looked up once. :meth:`StepPlan.run` then makes exactly the calls of
:func:`~bpstudio.core.engine.backprop.forward` and :func:`~bpstudio.core.engine.backprop.backward`
through a workspace, in the same order on the same arrays, and so gives the same numbers
bit for bit; what it leaves out is the Python around them: no :class:`Trace` or
:class:`Grads` is built per step, only when one is asked for (:meth:`StepPlan.trace`,
:meth:`StepPlan.grads`), as views of the last step's arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bpstudio.core.engine.activations import (
    _RECIPROCAL_BELOW,
    _SIGMOID_FLOOR,
    _SIGMOID_FLOOR_32,
    Activation,
    Array,
    Sigmoid,
)
from bpstudio.core.engine.backprop import Grads, Trace, Workspace
from bpstudio.core.engine.losses import _SquaredLoss
from bpstudio.core.engine.network import Params

#: One layer's forward calls: product, W^T, b, activation, the sigmoid's floor (None for
#: another activation), the Z and A arrays to write.
_ForwardLayer = tuple[Any, ...]
#: One layer's backward calls (layers L..1): l, activation, is it the sigmoid, Z, the dA and
#: dZ arrays, the product for ∂C/∂W, its array, ∂C/∂b's array, the product for ∂C/∂a_prev
#: (None for layer 1), W, ∂C/∂a_prev's array.
_BackwardLayer = tuple[Any, ...]
#: G_Z.sum(axis=0) without the method's overhead, as :func:`backprop.backward` computes it.
_reduce = np.add.reduce
_maximum, _negative, _exp, _reciprocal, _divide = (
    np.maximum,
    np.negative,
    np.exp,
    np.reciprocal,
    np.divide,
)
_subtract, _vdot = np.subtract, np.vdot


def _sigmoid_floor(act: Activation, A: Array) -> float | None:
    """Where :meth:`Sigmoid.forward` floors z for arrays like ``A``; None for every other
    activation (a subclass of Sigmoid included: it may compute something else)."""
    if type(act) is not Sigmoid:
        return None
    return _SIGMOID_FLOOR_32 if A.itemsize == 4 else _SIGMOID_FLOOR


class StepPlan:
    """Forward, cost and backward on batches of ``n`` examples, into reused arrays.

    Parameters
    ----------
    workspace : the arrays to write into (its network and batch size are the plan's).
    """

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.spec = workspace.spec
        self.n = workspace.n
        self._layers: dict[int, tuple[tuple[_ForwardLayer, ...], tuple[_BackwardLayer, ...]]] = {}
        self._bound: tuple[Params, ...] = ()
        self._planned_on: tuple[list[Array], ...] = ()
        L = self.spec.n_layers
        # What the last :meth:`run` computed: a^(0..L) (A[0] is its X), ∂C/∂a, ∂C/∂z, C.
        self._A: list[Array] = [workspace.A[0]] * (L + 1)
        self._G_Z: list[Array] = list(workspace.dZ)
        self._dA: list[Array | None] = [None] * (L + 1)
        self._cost = 0.0
        loss = workspace.loss
        #: (what the batch's sum of squares is divided by, 2 / that) for the squared
        #: errors, which :meth:`run` writes out; None for any other cost.
        self._squared: tuple[int, float] | None = None
        if type(loss).cost_and_gradients is _SquaredLoss.cost_and_gradients:
            assert isinstance(loss, _SquaredLoss)
            count = loss._count(workspace.A[-1])
            self._squared = (count, 2.0 / count)

    def bind(self, *params: Params) -> None:
        """Plan the calls for these parameter buffers (the trainer's two), and take fresh
        arrays where the last step's were kept read-only by a snapshot."""
        ws = self.workspace
        Z, A = ws.forward_arrays()
        ws.backward_arrays()
        arrays = (Z, A, ws.dA, ws.dZ, ws.dW, ws.db)
        same = len(params) == len(self._bound) and all(
            p is q for p, q in zip(params, self._bound, strict=False)
        )
        if not same or any(a is not b for a, b in zip(arrays, self._planned_on, strict=False)):
            self._layers = {id(p): self._plan(p, Z, A) for p in params}
            self._bound, self._planned_on = params, arrays

    def _plan(
        self, params: Params, Z: list[Array], A: list[Array]
    ) -> tuple[tuple[_ForwardLayer, ...], tuple[_BackwardLayer, ...]]:
        ws = self.workspace
        forward = tuple(
            (product, W.T, b, act, _sigmoid_floor(act, A_l), Z_l, A_l)
            for W, b, act, (product, _, _), Z_l, A_l in zip(
                params.W, params.b, ws.activations, ws.products, Z, A, strict=True
            )
        )
        backward = tuple(
            (
                l,
                ws.activations[l - 1],
                type(ws.activations[l - 1]) is Sigmoid,
                Z[l - 1],
                ws.dA[l],
                ws.dZ[l - 1],
                ws.products[l - 1][1],
                ws.dW[l - 1],
                ws.db[l - 1],
                ws.products[l - 1][2] if l > 1 else None,
                params.W[l - 1],
                ws.dA[l - 1],
            )
            for l in range(self.spec.n_layers, 0, -1)
        )
        return forward, backward

    def run(self, params: Params, X: Array, Y: Array) -> float:
        """One forward and backward pass of ``X : (n, d0)`` against ``Y : (n, n_L)`` with
        ``params`` (one of the bound buffers); returns C (the data term) of the batch.
        Afterwards :attr:`Workspace.gradient` holds ∇C.

        The sigmoid and the squared errors are written out here call for call as
        :class:`Sigmoid` and the squared-error costs make them (the same ufuncs on the same
        arrays in the same order); every other activation and cost is called as it is.
        Outputs are passed positionally where NumPy parses that faster than a keyword.
        """
        forward, backward = self._layers[id(params)]
        As = self._A
        As[0] = A_prev = X
        l = 1
        for product, WT, b, act, floor, Z, A in forward:
            product(A_prev, WT, Z)
            Z += b
            if floor is None:
                A_prev = act.forward(Z, A)
            else:  # Sigmoid.forward
                _maximum(Z, floor, out=A)  # (a positional out costs 1 µs more here)
                _negative(A, A)
                _exp(A, A)
                A += 1.0
                if A.size < _RECIPROCAL_BELOW:
                    _reciprocal(A, A)
                else:
                    _divide(1.0, A, A)
                A_prev = A
            As[l] = A_prev
            l += 1
        L = l - 1
        dAs, dZs = self._dA, self._G_Z
        squared = self._squared
        output = backward[0]
        if squared is None:
            ws = self.workspace
            cost, dAs[L], G_Z = ws.loss.cost_and_gradients(
                Z, A_prev, Y, output[1], output[4], output[5]
            )
        else:  # _SquaredLoss.cost_and_gradients, up to the output layer's backward
            count, scale = squared
            G_A = dAs[L] = _subtract(A_prev, Y, output[4])
            cost = float(_vdot(G_A, G_A)) / count
            G_A *= scale
        for l, act, is_sigmoid, Z, _, dZ, weights, dW, db, inputs, W, dA_prev in backward:
            if l < L or squared is not None:
                A, G_A_l = As[l], dAs[l]
                assert G_A_l is not None
                if is_sigmoid:  # Sigmoid.backward
                    G_Z = _subtract(1.0, A, dZ)
                    G_Z *= A
                    G_Z *= G_A_l
                else:
                    G_Z = act.backward(Z, A, G_A_l, dZ)
            dZs[l - 1] = G_Z
            weights(G_Z.T, As[l - 1], dW)
            _reduce(G_Z, 0, None, db)
            if inputs is not None:
                dAs[l - 1] = inputs(G_Z, W, dA_prev)
        self._cost = cost
        return cost

    def trace(self) -> Trace:
        """The last :meth:`run`'s z and a for every layer (views of the plan's arrays)."""
        return Trace(list(self.workspace.Z), list(self._A))

    def grads(self) -> Grads:
        """The last :meth:`run`'s ∇C, ∂C/∂a and ∂C/∂z (views of the plan's arrays)."""
        ws = self.workspace
        return Grads(list(ws.dW), list(ws.db), list(self._dA), list(self._G_Z), self._cost)
