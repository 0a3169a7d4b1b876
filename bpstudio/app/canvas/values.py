"""The numbers the canvas draws, gathered from the document and the latest snapshot.

The canvas computes nothing itself: parameters come from the document (idle) or the
snapshot (live), the probe example's a, z, σ′(z) and ∂C/∂a from the snapshot's probe
readout (:mod:`bpstudio.core.engine.readout`) and the batch's ∂C/∂w from the snapshot.
Arrays are views into the (immutable) snapshot, never copies.

One state at a time: with live values the weights drawn are the ones those values were
computed with (:attr:`Snapshot.pass_params`; after an update, the ones before it), and a
snapshot whose parameters are not the document's (an edit it has not caught up with yet)
lends no live values at all. The numbers written for the parameters themselves (the note's
w^(L) = 0.8 and b^(L) labels, the tooltips) are the current ones, :attr:`CanvasValues.now`:
after an update, the values the update gave them, as the inspector and the chain-rule panel
say.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpstudio.core.engine.activations import Array
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.engine.readout import Readout
from bpstudio.core.training.snapshot import Snapshot


@dataclass(frozen=True)
class CanvasValues:
    """Per-layer vectors of one example (the probe) and the parameters.

    Attributes
    ----------
    W, b : the parameters, ``W[l - 1] : (n_l, n_{l-1})``, ``b[l - 1] : (n_l,)``
    A : a^(l) of the probe for l = 0..L, each ``(n_l,)``; None before a forward pass
    Z : z^(l) of the probe for l = 1..L (``Z[l - 1]``); None before a forward pass
    dA : ∂C/∂a^(l) of the probe for l = 0..L (entries may be None); None before backward
    dW : the batch's ∂C/∂W^(l) (``dW[l - 1]``); None before backward
    probe_index : which training example the probe is
    probe : the probe's readout (A, Z and dA are its vectors); None before a forward pass
    y : the probe's target y, ``(n_L,)``; cost : its own cost C₀ (None before a forward pass)
    after_update : the values are the step just taken, from the parameters before its update
    step : the number of steps taken (the live values' snapshot's), None without live values
    current : the parameters now, when they differ from W and b (after an update: the
        updated ones, which the next forward pass uses); None: W and b are current
    """

    spec: NetworkSpec
    W: list[Array]
    b: list[Array]
    A: list[Array] | None = None
    Z: list[Array] | None = None
    dA: list[Array | None] | None = None
    dW: list[Array] | None = None
    probe_index: int | None = None
    probe: Readout | None = None
    y: Array | None = None
    cost: float | None = None
    after_update: bool = False
    step: int | None = None
    current: Params | None = None

    @property
    def now(self) -> Params:
        """The current parameters (see ``current``)."""
        return self.current if self.current is not None else Params(self.W, self.b)

    def weight_now(self, layer: int, j: int, k: int) -> float:
        """w_jk^(l) as it is now (after an update: its new value)."""
        return float(self.now.W[layer - 1][j, k])

    def bias_now(self, layer: int, j: int) -> float | None:
        """b_j^(l) as it is now (None for an input)."""
        return None if layer < 1 else float(self.now.b[layer - 1][j])

    def activation(self, layer: int, j: int) -> float | None:
        return None if self.A is None else float(self.A[layer][j])

    def pre_activation(self, layer: int, j: int) -> float | None:
        return None if self.Z is None or layer < 1 else float(self.Z[layer - 1][j])

    def grad_a(self, layer: int, j: int) -> float | None:
        if self.dA is None or self.dA[layer] is None:
            return None
        return float(self.dA[layer][j])  # type: ignore[index]

    def derivative(self, layer: int, j: int) -> float | None:
        """σ'(z_j^(l)) of the probe (the diagonal ∂a_j/∂z_j for softmax)."""
        if self.probe is None or layer < 1:
            return None
        return self.probe.neuron(layer, j).slope


def values_from_snapshot(snapshot: Snapshot) -> CanvasValues:
    probe = snapshot.probe
    values = snapshot.probe_readout
    batch = snapshot.batch_grads
    shown = snapshot.pass_params
    return CanvasValues(
        spec=snapshot.spec,
        W=shown.W,
        b=shown.b,
        A=values.a if values is not None else None,
        Z=values.z if values is not None else None,
        dA=values.dC_da if values is not None else None,
        dW=batch.dW if batch is not None else None,
        probe_index=probe.index if probe is not None else None,
        probe=values,
        y=probe.y[0] if probe is not None else None,
        cost=snapshot.probe_cost,
        after_update=snapshot.after_update,
        step=snapshot.step,
        current=snapshot.params if snapshot.computed_with is not None else None,
    )


def values_from_document(
    spec: NetworkSpec, params: Params, snapshot: Snapshot | None
) -> CanvasValues:
    """The live values of ``snapshot`` if it shows the document's network and parameters,
    otherwise the document's parameters alone."""
    if snapshot is not None and snapshot.spec == spec and snapshot.params.allclose(params):
        return values_from_snapshot(snapshot)
    return CanvasValues(spec, params.W, params.b)


def max_abs(arrays: list[Array] | None) -> float:
    """The largest finite magnitude in ``arrays`` (0 when there is none)."""
    if not arrays:
        return 0.0
    values = [
        float(np.max(np.abs(a), initial=0.0, where=np.isfinite(a))) for a in arrays if a is not None
    ]
    return max(values, default=0.0)
