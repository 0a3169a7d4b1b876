"""One readout of every number the note names, per neuron and per parameter, from one trace.

For a forward pass (:class:`~bpstudio.core.engine.backprop.Trace`) and, once it has run, its
backward pass (:class:`~bpstudio.core.engine.backprop.Grads`), :func:`readout` gathers for
every neuron j of every layer l (``docs/calculus.md``)::

    z_j^(l)    a_j^(l)    σ'(z_j^(l))    ∂C/∂a_j^(l)    ∂C/∂z_j^(l)    ∂C/∂b_j^(l)

and for every weight w_jk^(l) its value and ∂C/∂w_jk^(l), either for one example k of the
batch (its own cost C_k, as the probe example is shown) or averaged over the batch (the
note's (1/n) Σ_k, the component of ∇C). The views (canvas tooltips, inspector, chain-rule
panel) read these numbers instead of evaluating σ' or derivatives themselves, so they all
show the same state. Vectorised per layer: nothing loops over neurons or examples, and
each quantity is computed once, when first read.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from bpstudio.core.engine.activations import Array
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.backprop import Grads, Trace
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.errors import BPStudioError


@dataclass(frozen=True)
class NeuronReadout:
    """The numbers of neuron j of layer l (l = 0 is the input: only ``a`` and ``dC_da``).

    ``None`` means not computed yet (no backward pass) or not defined (an input's z).
    """

    layer: int
    j: int
    z: float | None
    a: float
    slope: float | None  # σ'(z); the diagonal ∂a_j/∂z_j for softmax
    dC_da: float | None
    dC_dz: float | None
    dC_db: float | None  # = ∂C/∂z_j, since ∂z/∂b = 1


@dataclass(frozen=True)
class ParamReadout:
    """A parameter's value and its gradient component (None before a backward pass)."""

    ref: ParamRef
    value: float
    gradient: float | None


@dataclass(frozen=True, eq=False)  # holds arrays: compared by identity
class Readout:
    """Per-layer vectors of one example (``example`` = its row) or of the batch average.

    Each quantity is computed for every layer at once the first time it is read, and kept:
    a view that only wants gradients (cheap: the backward pass has them) never pays for
    σ' over a large batch.

    Attributes
    ----------
    example : int or None
        The row of the trace read out; None for the average over all n rows.
    trace, grads : the forward pass and its backward pass (None before backward).
    params : the parameters whose values :meth:`parameter` reports (normally those the
        trace was computed with; a caller that passes newer ones gets the values it passed).
    """

    spec: NetworkSpec
    params: Params
    trace: Trace
    grads: Grads | None
    example: int | None

    @property
    def n_examples(self) -> int:
        """n of the trace."""
        return self.trace.n_examples

    @property
    def has_gradients(self) -> bool:
        return self.grads is not None

    def _pick(self, rows: Array) -> Array:
        """Row ``example`` of an (n, m) array, or its mean over the batch."""
        if self.example is None:
            return np.asarray(rows.mean(axis=0))
        return np.asarray(rows[self.example])

    @cached_property
    def z(self) -> list[Array]:
        """``z[l - 1]`` is z^(l) for l = 1..L, each (n_l,)."""
        return [self._pick(Z) for Z in self.trace.Z]

    @cached_property
    def a(self) -> list[Array]:
        """``a[l]`` is a^(l) for l = 0..L (``a[0]`` is x), each (n_l,)."""
        return [self._pick(A) for A in self.trace.A]

    @cached_property
    def slope(self) -> list[Array]:
        """``slope[l - 1]`` is σ'(z^(l)) (for softmax the diagonal ∂a_j/∂z_j), each (n_l,)."""
        Z, A, k = self.trace.Z, self.trace.A, self.example
        slopes = []
        for l in range(1, self.spec.n_layers + 1):
            f = self.spec.activation(l)
            if k is None:
                slopes.append(self._pick(f.derivative(Z[l - 1], A[l])))
            else:
                # Rows are independent (softmax's diagonal too): one example needs its row only.
                slopes.append(np.asarray(f.derivative(Z[l - 1][k : k + 1], A[l][k : k + 1])[0]))
        return slopes

    @cached_property
    def dC_da(self) -> list[Array | None] | None:
        """``dC_da[l]`` is ∂C/∂a^(l), each (n_l,); ``dC_da[0]`` only when the backward pass
        computed the input gradient. None before a backward pass."""
        if self.grads is None:
            return None
        n, k = self.n_examples, self.example
        if k is None:
            # Each row carries 1/n already: their sum is the average of the per-example terms.
            return [None if G is None else np.add.reduce(G, axis=0) for G in self.grads.dA]
        # C_k alone has no 1/n: undo the one its row carries.
        return [None if G is None else n * G[k] for G in self.grads.dA]

    @cached_property
    def dC_dz(self) -> list[Array] | None:
        """``dC_dz[l - 1]`` is ∂C/∂z^(l), which is also ∂C/∂b^(l), each (n_l,)."""
        if self.grads is None:
            return None
        if self.example is None:
            return list(self.grads.db)
        n, k = self.n_examples, self.example
        return [n * G_Z[k] for G_Z in self.grads.dZ]

    @cached_property
    def dW(self) -> list[Array] | None:
        """``dW[l - 1]`` is ∂C/∂W^(l), (n_l, n_{l-1}): of C_k alone for one example, the
        batch's otherwise."""
        if self.grads is None or self.dC_dz is None:
            return None
        if self.example is None:
            return list(self.grads.dW)
        k = self.example
        # dC_dz[l - 1] pairs with a^(l-1), the layer's input: A[l - 1] (A has one more entry).
        return [np.outer(g, A_prev[k]) for g, A_prev in zip(self.dC_dz, self.trace.A, strict=False)]

    def neuron(self, layer: int, j: int) -> NeuronReadout:
        """Everything about a_j^(layer)."""
        if not 0 <= layer <= self.spec.n_layers or not 0 <= j < self.spec.layer_sizes[layer]:
            raise BPStudioError(f"the network has no neuron {j} in layer {layer}")
        dC_da_layers = self.dC_da
        g_a = dC_da_layers[layer] if dC_da_layers is not None else None
        dC_da = float(g_a[j]) if g_a is not None else None
        if layer == 0:
            return NeuronReadout(0, j, None, float(self.a[0][j]), None, dC_da, None, None)
        dC_dz_layers = self.dC_dz
        dC_dz = float(dC_dz_layers[layer - 1][j]) if dC_dz_layers is not None else None
        return NeuronReadout(
            layer,
            j,
            float(self.z[layer - 1][j]),
            float(self.a[layer][j]),
            float(self.slope[layer - 1][j]),
            dC_da,
            dC_dz,
            dC_dz,
        )

    def parameter(self, ref: ParamRef) -> ParamReadout:
        """A weight's or bias's value and ∂C/∂w or ∂C/∂b."""
        ref.check(self.spec)
        gradient: float | None = None
        if self.grads is not None:
            if ref.k is None:
                dC_dz = self.dC_dz
                assert dC_dz is not None
                gradient = float(dC_dz[ref.layer - 1][ref.j])
            elif self.example is None:
                gradient = float(self.grads.dW[ref.layer - 1][ref.j, ref.k])
            else:
                # One entry of the outer product, without forming the whole matrix.
                dC_dz = self.dC_dz
                assert dC_dz is not None
                a_prev = self.trace.A[ref.layer - 1][self.example, ref.k]
                gradient = float(dC_dz[ref.layer - 1][ref.j] * a_prev)
        return ParamReadout(ref, ref.get(self.params), gradient)


def readout(
    spec: NetworkSpec,
    params: Params,
    trace: Trace,
    grads: Grads | None = None,
    example: int | None = 0,
) -> Readout:
    """The readout of row ``example`` of ``trace`` (its own cost C_k), or with
    ``example=None`` of the batch average.

    ``grads`` must be the backward pass of ``trace`` (its rows carry the 1/n of the batch
    average, ``docs/calculus.md``); without it the gradients are None.
    """
    n = trace.n_examples
    if example is not None and not 0 <= example < n:
        raise BPStudioError(f"the batch has {n} examples, not an example {example}")
    return Readout(spec, params, trace, grads, example)
