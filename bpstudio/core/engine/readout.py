"""One readout of every number the note names, per neuron and per parameter, from one trace.

For a forward pass (:class:`~bpstudio.core.engine.backprop.Trace`) and, once it has run, its
backward pass (:class:`~bpstudio.core.engine.backprop.Grads`), :func:`readout` gathers for
every neuron j of every layer l (``docs/calculus.md``)::

    z_j^(l)    a_j^(l)    σ'(z_j^(l))    ∂C/∂a_j^(l)    ∂C/∂z_j^(l)    ∂C/∂b_j^(l)

and for every weight w_jk^(l) its value and ∂C/∂w_jk^(l), either for one example k of the
batch (its own cost C_k, as the probe example is shown) or averaged over the batch (the
note's (1/n) Σ_k, the component of ∇C). The views (canvas tooltips, inspector, chain-rule
panel) read these numbers instead of evaluating σ' or derivatives themselves, so they all
show the same state. Vectorised per layer: nothing loops over neurons or examples.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Readout:
    """Per-layer vectors of one example (``example`` = its row) or of the batch average.

    Attributes
    ----------
    example : int or None
        The row of the trace read out; None for the average over all n rows.
    n_examples : int
        n of the trace.
    z : list of (n_l,)
        ``z[l - 1]`` is z^(l) for l = 1..L.
    a : list of (n_l,)
        ``a[l]`` is a^(l) for l = 0..L (``a[0]`` is x).
    slope : list of (n_l,)
        ``slope[l - 1]`` is σ'(z^(l)) (for softmax the diagonal ∂a_j/∂z_j).
    dC_da : list of (n_l,) or None, or None
        ``dC_da[l]`` is ∂C/∂a^(l); ``dC_da[0]`` only when the backward pass computed the
        input gradient. The whole list is None before a backward pass.
    dC_dz : list of (n_l,) or None
        ``dC_dz[l - 1]`` is ∂C/∂z^(l), which is also ∂C/∂b^(l).
    dW : list of (n_l, n_{l-1}) or None
        ``dW[l - 1]`` is ∂C/∂W^(l): of C_k alone for one example, the batch's otherwise.
    params : the parameters the trace was computed with.
    """

    spec: NetworkSpec
    params: Params
    example: int | None
    n_examples: int
    z: list[Array]
    a: list[Array]
    slope: list[Array]
    dC_da: list[Array | None] | None
    dC_dz: list[Array] | None
    dW: list[Array] | None

    @property
    def has_gradients(self) -> bool:
        return self.dC_dz is not None

    def neuron(self, layer: int, j: int) -> NeuronReadout:
        """Everything about a_j^(layer)."""
        if not 0 <= layer <= self.spec.n_layers or not 0 <= j < self.spec.layer_sizes[layer]:
            raise BPStudioError(f"the network has no neuron {j} in layer {layer}")
        g_a = self.dC_da[layer] if self.dC_da is not None else None
        dC_da = float(g_a[j]) if g_a is not None else None
        if layer == 0:
            return NeuronReadout(0, j, None, float(self.a[0][j]), None, dC_da, None, None)
        dC_dz = float(self.dC_dz[layer - 1][j]) if self.dC_dz is not None else None
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
        if self.dW is not None and self.dC_dz is not None:
            if ref.k is None:
                gradient = float(self.dC_dz[ref.layer - 1][ref.j])
            else:
                gradient = float(self.dW[ref.layer - 1][ref.j, ref.k])
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

    def pick(rows: Array) -> Array:
        """Row ``example`` of an (n, m) array, or its mean over the batch."""
        if example is None:
            return np.asarray(rows.mean(axis=0))
        return np.asarray(rows[example])

    slope = [
        pick(spec.activation(l).derivative(trace.Z[l - 1], trace.A[l]))
        for l in range(1, spec.n_layers + 1)
    ]
    z = [pick(Z) for Z in trace.Z]
    a = [pick(A) for A in trace.A]
    dC_da: list[Array | None] | None = None
    dC_dz: list[Array] | None = None
    dW: list[Array] | None = None
    if grads is not None:
        if example is None:
            # Each row carries 1/n already: their sum is the average of the per-example terms.
            dC_da = [None if G is None else np.add.reduce(G, axis=0) for G in grads.dA]
            dC_dz = list(grads.db)
            dW = list(grads.dW)
        else:
            # C_k alone has no 1/n: undo the one its row carries.
            dC_da = [None if G is None else n * G[example] for G in grads.dA]
            dC_dz = [n * G_Z[example] for G_Z in grads.dZ]
            dW = [np.outer(g, A_prev[example]) for g, A_prev in zip(dC_dz, trace.A, strict=False)]
    return Readout(spec, params, example, n, z, a, slope, dC_da, dC_dz, dW)
