"""Gradient check: central finite differences against backpropagation.

For every parameter θ_i, (C(θ + ε e_i) - C(θ - ε e_i)) / 2ε is compared with the engine's
∂C/∂θ_i. The relative error is ``|g_bp - g_fd| / max(|g_bp|, |g_fd|, floor)``; the floor
(1e-3 by default) keeps components that are zero, or too small for a finite difference to
resolve, from dividing by nearly nothing: below the floor the check is an absolute one,
|g_bp - g_fd| < tolerance · floor. The difference's rounding error is about
u·|C|/ε (u = 1.1e-16, so ~1e-10·|C| for ε = 1e-6): it grows with the cost, so the floor is
scaled by max(1, |C|), and a correct gradient of a network whose cost is 100 does not fail
the check. Always float64.

With an L1 or L2 penalty on, C is the whole cost C = C_data + (λ₂/2) Σ w² + λ₁ Σ |w| (weights
only, see :mod:`bpstudio.core.engine.optim`): the analytic side is the engine's gradient with
the penalty's gradient added, the numeric side central differences of that whole C. λ₁ |w|
has a kink at w = 0, where the engine takes the subgradient 0: a weight with |w| < ε would
be differenced across the kink, and the quotient there is neither side's slope. Such
weights are not checked but listed in :attr:`GradCheckResult.at_kink`; every other step
stays on one side of 0, where |w| is linear and the difference is exact up to rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpstudio.core.engine.activations import Array
from bpstudio.core.engine.address import Kind, ParamRef, layer_refs
from bpstudio.core.engine.backprop import check_batch, cost, gradients
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.engine.optim import add_penalty_gradient, cost_formula, penalty

DEFAULT_EPSILON = 1e-6
DEFAULT_FLOOR = 1e-3
DEFAULT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class ParameterCheck:
    ref: ParamRef
    backprop: float
    numeric: float
    relative_error: float

    @property
    def name(self) -> str:
        """``W2[1,3]`` or ``b1[2]``."""
        return self.ref.name


@dataclass(frozen=True)
class GradCheckResult:
    checks: tuple[ParameterCheck, ...]
    per_layer: dict[int, float]  # layer -> worst relative error
    epsilon: float
    n_parameters: int  # in the network (checks may be a sample)
    l1: float = 0.0
    l2: float = 0.0
    at_kink: tuple[ParamRef, ...] = ()  # weights within ε of L1's kink at 0, not checked

    @property
    def cost_formula(self) -> str:
        """The cost whose gradient was checked, e.g. ``C = C_data + (λ₂/2) Σ w² with λ₂ = 0.01``."""
        return cost_formula(self.l1, self.l2)

    @property
    def penalised(self) -> bool:
        return self.l1 != 0.0 or self.l2 != 0.0

    @property
    def kink_note(self) -> str:
        """Why the weights in :attr:`at_kink` were not checked ("" when there are none)."""
        n = len(self.at_kink)
        if not n:
            return ""
        which = "weight" if n == 1 else "weights"
        return (
            f"{n} {which} with |w| < ε not checked: λ₁ |w| has a kink at w = 0 (the engine "
            "takes the subgradient 0 there), and a difference across it is neither side's slope"
        )

    def layer_checks(self, layer: int) -> tuple[ParameterCheck, ...]:
        """The checks of one layer's weights and biases."""
        return tuple(c for c in self.checks if c.ref.layer == layer)

    @property
    def worst(self) -> ParameterCheck:
        return max(self.checks, key=lambda c: c.relative_error)

    @property
    def max_relative_error(self) -> float:
        return self.worst.relative_error if self.checks else 0.0

    def passed(self, tolerance: float = DEFAULT_TOLERANCE) -> bool:
        return self.max_relative_error < tolerance


def relative_error(a: float, b: float, floor: float = DEFAULT_FLOOR) -> float:
    """|a - b| / max(|a|, |b|, floor)."""
    return abs(a - b) / max(abs(a), abs(b), floor)


def gradient_check(
    spec: NetworkSpec,
    params: Params,
    X: Array,
    Y: Array,
    epsilon: float = DEFAULT_EPSILON,
    floor: float = DEFAULT_FLOOR,
    max_parameters: int | None = None,
    seed: int = 0,
    l1: float = 0.0,
    l2: float = 0.0,
) -> GradCheckResult:
    """Compare backprop with central differences for every parameter (or a seeded sample).

    ``max_parameters`` bounds the work on large networks (each parameter costs two forward
    passes); the sample always includes every bias and at least one weight per layer.
    ``l1`` and ``l2`` are the penalty's λ₁ and λ₂: the check is then of the whole
    C = C_data + penalty (see the module docstring for L1's kink).
    """
    spec64 = spec.with_changes(dtype="float64")
    p = params.astype(np.float64)
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    check_batch(spec64, X, Y)
    grads = gradients(spec64, p, X, Y)
    g = add_penalty_gradient(p, grads.as_params(), l1, l2)

    def whole_cost() -> float:
        return cost(spec64, p, X, Y) + penalty(p, l1, l2)

    # The finite difference's rounding error grows with |C| (see the module docstring).
    floor = floor * max(1.0, abs(grads.cost + penalty(p, l1, l2)))
    at_kink: list[ParamRef] = []
    rng = np.random.default_rng(seed)
    checks: list[ParameterCheck] = []
    per_layer: dict[int, float] = {}
    budget = max_parameters or spec.parameter_count
    weight_budget = max(spec.n_layers, budget - sum(spec.layer_sizes[1:]))
    weight_total = sum(w.size for w in p.W)
    for l in range(1, spec.n_layers + 1):
        kinds: tuple[Kind, ...] = ("w", "b")
        for kind in kinds:
            refs = list(layer_refs(spec, l, kind))
            chosen = np.arange(len(refs))
            if kind == "w" and weight_total > weight_budget:
                share = max(1, round(weight_budget * len(refs) / weight_total))
                chosen = np.sort(rng.choice(len(refs), size=min(share, len(refs)), replace=False))
            for i in chosen:
                ref = refs[int(i)]
                original = ref.get(p)
                if l1 and ref.is_weight and abs(original) < epsilon:
                    at_kink.append(ref)
                    continue
                ref.set(p, original + epsilon)
                c_plus = whole_cost()
                ref.set(p, original - epsilon)
                c_minus = whole_cost()
                ref.set(p, original)
                numeric = (c_plus - c_minus) / (2.0 * epsilon)
                backprop = ref.get(g)
                rel = relative_error(backprop, float(numeric), floor)
                checks.append(ParameterCheck(ref, backprop, float(numeric), rel))
                per_layer[l] = max(per_layer.get(l, 0.0), rel)
    return GradCheckResult(
        tuple(checks), per_layer, epsilon, spec.parameter_count, l1, l2, tuple(at_kink)
    )
