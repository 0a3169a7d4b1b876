"""The chain rule for one weight or bias: the note's three factors, live.

For weight w_jk^(l) (``docs/calculus.md``)::

    ∂C/∂w_jk^(l) = ∂z_j/∂w_jk · ∂a_j/∂z_j · ∂C/∂a_j = a_k^(l-1) · σ'(z_j^(l)) · ∂C/∂a_j^(l)

and for bias b_j^(l) the first factor is 1. Each factor is given per example (for the cost
C_k of that example alone) and the gradient component is their product averaged over the
batch, the note's (1/n) Σ_k. For a softmax layer the neurons are coupled, so ∂C/∂z_j is not
σ'(z_j)·∂C/∂a_j; there :attr:`ChainTerms.dC_dz` (which always holds) is the second and
third factor together.

Where the cost fuses with the output activation (sigmoid or softmax with cross-entropy,
:meth:`~bpstudio.core.engine.losses.Loss.fuses_output`) the output's ∂C/∂z = a − y is
computed directly and the factor form breaks down on a saturated output: σ'(z) underflows
to 0 while ∂C/∂a grows past 10¹⁵ (and is clipped), so σ'·∂C/∂a can read 0 next to a
gradient of 1. :attr:`ChainTerms.fused` says so, and a view shows ∂C/∂z itself there.
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
class ChainTerms:
    """The factors of ∂C/∂w_jk^(l) (or ∂C/∂b_j^(l) when ``k is None``), per example.

    Attributes (all of shape (n,), one entry per example k of the batch)
    ----------
    dz_dparam : a_k^(l-1) for a weight, 1 for a bias
    da_dz : σ'(z_j^(l)), the activation's slope
    dC_da : ∂C_k/∂a_j^(l)
    dC_dz : ∂C_k/∂z_j^(l) (= da_dz · dC_da unless the layer is softmax)
    per_example : ∂C_k/∂w_jk^(l), the product
    fused : the output layer's ∂C/∂z is the cost's fused a − y (see the module's note);
        σ'(z) · ∂C/∂a is then not a faithful factorisation of it
    """

    layer: int
    j: int
    k: int | None
    z: Array
    a: Array
    dz_dparam: Array
    da_dz: Array
    dC_da: Array
    dC_dz: Array
    per_example: Array
    elementwise: bool
    fused: bool = False

    @property
    def is_bias(self) -> bool:
        return self.k is None

    @property
    def ref(self) -> ParamRef:
        """The parameter these are the factors of."""
        if self.k is None:
            return ParamRef.bias(self.layer, self.j)
        return ParamRef.weight(self.layer, self.j, self.k)

    @property
    def factored(self) -> bool:
        """True where ∂C/∂z is shown as its two factors σ'(z) · ∂C/∂a (an elementwise
        activation whose cost does not fuse with it)."""
        return self.elementwise and not self.fused

    @property
    def gradient(self) -> float:
        """∂C/∂θ = (1/n) Σ_k ∂C_k/∂θ, the component of ∇C."""
        return float(self.per_example.mean())


@dataclass(frozen=True)
class PathTerm:
    """One path from a_k^(l-1) to the cost through neuron j of layer l."""

    j: int
    weight: float  # w_jk^(l)
    da_dz: float  # σ'(z_j^(l))
    dC_da: float  # ∂C/∂a_j^(l)
    dC_dz: float
    value: float  # w_jk · ∂C/∂z_j


def chain_terms(
    spec: NetworkSpec,
    params: Params,  # noqa: ARG001 (the readouts' common signature; trace and grads suffice)
    trace: Trace,
    grads: Grads,
    layer: int,
    j: int,
    k: int | None = None,
) -> ChainTerms:
    """The note's factors of ∂C/∂w_jk^(layer) (or ∂C/∂b_j^(layer) with ``k=None``)."""
    _check_index(spec, layer, j, k)
    n = trace.n_examples
    Z = trace.Z[layer - 1][:, j]
    A = trace.A[layer][:, j]
    act = spec.activation(layer)
    da_dz = act.derivative(trace.Z[layer - 1], trace.A[layer])[:, j]
    dA = grads.dA[layer]
    assert dA is not None
    # Rows of the batch gradients carry 1/n; the per-example terms are for C_k alone.
    dC_da = n * dA[:, j]
    dC_dz = n * grads.dZ[layer - 1][:, j]
    dz_dparam = np.ones(n) if k is None else trace.A[layer - 1][:, k].astype(float)
    return ChainTerms(
        layer,
        j,
        k,
        Z.copy(),
        A.copy(),
        dz_dparam,
        da_dz.copy(),
        dC_da,
        dC_dz,
        dz_dparam * dC_dz,
        act.elementwise,
        fuses_at(spec, layer),
    )


def fuses_at(spec: NetworkSpec, layer: int) -> bool:
    """True where layer ``layer``'s ∂C/∂z is the cost's fused form (the output layer of a
    sigmoid or softmax with cross-entropy), not σ'(z) · ∂C/∂a."""
    return layer == spec.n_layers and spec.loss_fn.fuses_output(spec.activation(layer))


def activation_paths(
    spec: NetworkSpec,
    params: Params,
    trace: Trace,
    grads: Grads,
    layer: int,
    k: int,
    example: int | None = None,
) -> tuple[float, list[PathTerm]]:
    """∂C/∂a_k^(layer-1) as the sum over every path through the neurons j of ``layer``.

    With ``example`` the terms are for that example's cost C_k; without, averaged.
    Returns (total, terms); the total equals the engine's ∂C/∂a_k^(layer-1).
    """
    _check_index(spec, layer, 0, k)
    n = trace.n_examples
    act = spec.activation(layer)
    slope = act.derivative(trace.Z[layer - 1], trace.A[layer])
    dA = grads.dA[layer]
    assert dA is not None
    rows = slice(None) if example is None else slice(example, example + 1)
    scale = 1.0 if example is None else float(n)
    W = params.W[layer - 1]
    terms = []
    for j in range(spec.layer_sizes[layer]):
        dC_dz = scale * grads.dZ[layer - 1][rows, j]
        dC_da = scale * dA[rows, j]
        # Averaged terms: the batch gradient's rows already carry 1/n, so sum them.
        reduce = np.mean if example is not None else np.sum
        terms.append(
            PathTerm(
                j,
                float(W[j, k]),
                float(np.mean(slope[rows, j])),
                float(reduce(dC_da)),
                float(reduce(dC_dz)),
                float(W[j, k] * reduce(dC_dz)),
            )
        )
    return sum(t.value for t in terms), terms


def _check_index(spec: NetworkSpec, layer: int, j: int, k: int | None) -> None:
    if not 1 <= layer <= spec.n_layers:
        raise BPStudioError(f"layer {layer} does not exist; layers run from 1 to {spec.n_layers}")
    if not 0 <= j < spec.layer_sizes[layer]:
        raise BPStudioError(f"layer {layer} has no neuron j={j}")
    if k is not None and not 0 <= k < spec.layer_sizes[layer - 1]:
        raise BPStudioError(f"layer {layer - 1} has no neuron k={k}")
