"""The vanishing-gradient notice: learning has stopped although nothing diverged.

Gradient descent can stall without any number becoming NaN: when the units of a layer
saturate (σ'(z) ≈ 0 for nearly every example), every path through them multiplies the
gradient by almost nothing, and the parameters before them stop moving. A learning rate of
1000 on the note's 1-1-1-1 sigmoid chain does exactly that: one step drives every z far from
0, after which C stays at 0.0625 with ‖∇C‖ ≈ 1e-50.

:func:`detect_vanishing` looks at one batch's trace and gradients and says, in one
message, which layers are saturated and what to try. It reports either

- saturated layers: more than half of a layer's units have an average slope over the batch
  below :data:`SATURATED_SLOPE` of the activation's largest slope (sigmoid 1/4, tanh and
  ReLU 1; a ReLU unit with slope 0 on every example is "dead"); the output layer counts
  only while the cost is far from its minimum (an output saturated at its target is
  learning's goal) and never with cross-entropy, whose fused ∂C/∂z = a − y does not vanish;
- or a collapsed gradient: ‖∇C‖ below :data:`COLLAPSED_NORM` while the cost is far from
  its minimum.

"Far from its minimum" is C above :data:`FAR_FROM_MINIMUM`: every cost here has its
minimum at 0 when the targets can be reached.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpstudio.core.engine.activations import ACTIVATIONS
from bpstudio.core.engine.backprop import Grads, Trace
from bpstudio.core.engine.network import NetworkSpec

#: A unit is saturated when its mean slope f'(z) over the batch is below this share of the
#: activation's largest slope.
SATURATED_SLOPE = 1e-3
#: A layer is saturated when more than this share of its units are.
SATURATED_SHARE = 0.5
#: ‖∇C‖ below this has collapsed (the note's chain at η = 1000 reaches ~1e-50).
COLLAPSED_NORM = 1e-8
#: The cost is far from its minimum (0) above this.
FAR_FROM_MINIMUM = 1e-3

#: The largest slope of each activation that can saturate.
_MAX_SLOPE: dict[str, float] = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0}


@dataclass(frozen=True)
class VanishingGradients:
    """What the detector found on one batch.

    Attributes
    ----------
    step : the step (0-based) whose batch was examined.
    cost : C of that batch (the penalty included when one is on).
    gradient_norm : ‖∇C‖ of the cost's data term.
    saturated : (layer, share of its units saturated) for every saturated layer, 1-based.
    message : the notice as the user reads it.
    """

    step: int
    cost: float
    gradient_norm: float
    saturated: tuple[tuple[int, float], ...]
    message: str


def saturated_layers(
    spec: NetworkSpec, trace: Trace, include_output: bool
) -> tuple[tuple[int, float], ...]:
    """(layer, share of saturated units) for each layer where most units are saturated."""
    found = []
    for l, name in enumerate(spec.activations, start=1):
        if name not in _MAX_SLOPE or (l == spec.n_layers and not include_output):
            continue
        Z, A = trace.Z[l - 1], trace.A[l]
        if Z.shape[0] == 0:
            continue
        # The mean over the batch as .mean(axis=0) computes it, without its Python layer.
        slope = np.add.reduce(ACTIVATIONS[name].derivative(Z, A), 0, np.float64) / Z.shape[0]
        share = float(np.count_nonzero(slope < SATURATED_SLOPE * _MAX_SLOPE[name])) / Z.shape[1]
        if share > SATURATED_SHARE:
            found.append((l, share))
    return tuple(found)


def gradient_norm(grads: Grads) -> float:
    """‖∇C‖, accumulated in float64."""
    total = 0.0
    for a in (*grads.dW, *grads.db):
        flat = a.ravel().astype(np.float64, copy=False)
        total += float(np.dot(flat, flat))
    return float(np.sqrt(total))


def detect_vanishing(
    spec: NetworkSpec,
    trace: Trace,
    grads: Grads,
    cost: float,
    step: int,
    classification: bool,
) -> VanishingGradients | None:
    """The notice for one batch, or None when its gradient has not vanished."""
    if not np.isfinite(cost):
        return None  # the divergence guard's business
    far = cost > FAR_FROM_MINIMUM
    fused = spec.loss_fn.fuses_output(ACTIVATIONS[spec.activations[-1]])
    saturated = saturated_layers(spec, trace, include_output=far and not fused)
    if not saturated and not far:
        return None  # the common case: no need for the norm
    norm = gradient_norm(grads)
    collapsed = far and norm < COLLAPSED_NORM
    if not saturated and not collapsed:
        return None
    return VanishingGradients(
        step, cost, norm, saturated, _message(spec, cost, norm, saturated, classification)
    )


def _message(
    spec: NetworkSpec,
    cost: float,
    norm: float,
    saturated: tuple[tuple[int, float], ...],
    classification: bool,
) -> str:
    if saturated:
        layers = ", ".join(f"layer {l} ({share:.0%} of its units)" for l, share in saturated)
        what = (
            f"units are saturated (σ′(z) ≈ 0 over the batch) in {layers}, so the gradient "
            f"through them vanishes: ‖∇C‖ = {norm:.3g} at C = {cost:.4g}"
        )
    else:
        what = f"the gradient has vanished: ‖∇C‖ = {norm:.3g} while C = {cost:.4g} is far from 0"
    tips = ["a smaller learning rate", "re-initialising the weights"]
    hidden = set(spec.activations[:-1])
    if "sigmoid" in hidden or "tanh" in hidden:
        tips.append("tanh or ReLU in the hidden layers" if "sigmoid" in hidden else "ReLU")
    elif "relu" in hidden:
        tips.append("leaky ReLU in the hidden layers")
    if classification and spec.loss != "cross_entropy":
        tips.append("cross-entropy as the cost of this classifier")
    return f"Learning has stalled: {what}. Try: {'; '.join(tips)}."
