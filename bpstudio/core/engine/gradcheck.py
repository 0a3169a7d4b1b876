"""Gradient check: central finite differences against backpropagation.

For every parameter θ_i, (C(θ + ε e_i) - C(θ - ε e_i)) / 2ε is compared with the engine's
∂C/∂θ_i. The relative error is ``|g_bp - g_fd| / max(|g_bp|, |g_fd|, floor)``; the floor
(1e-3 by default) keeps components that are zero, or too small for a finite difference to
resolve, from dividing by nearly nothing: below the floor the check is an absolute one,
|g_bp - g_fd| < tolerance · floor. The difference's rounding error is about
u·|C|/ε (u = 1.1e-16, so ~1e-10·|C| for ε = 1e-6): it grows with the cost, so the floor is
scaled by max(1, |C|), and a correct gradient of a network whose cost is 100 does not fail
the check. Always float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpstudio.core.engine.activations import Array
from bpstudio.core.engine.address import Kind, ParamRef, layer_refs
from bpstudio.core.engine.backprop import check_batch, cost, gradients
from bpstudio.core.engine.network import NetworkSpec, Params

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
) -> GradCheckResult:
    """Compare backprop with central differences for every parameter (or a seeded sample).

    ``max_parameters`` bounds the work on large networks (each parameter costs two forward
    passes); the sample always includes every bias and at least one weight per layer.
    """
    spec64 = spec.with_changes(dtype="float64")
    p = params.astype(np.float64)
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    check_batch(spec64, X, Y)
    grads = gradients(spec64, p, X, Y)
    g = grads.as_params()
    # The finite difference's rounding error grows with |C| (see the module docstring).
    floor = floor * max(1.0, abs(grads.cost))
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
                ref.set(p, original + epsilon)
                c_plus = cost(spec64, p, X, Y)
                ref.set(p, original - epsilon)
                c_minus = cost(spec64, p, X, Y)
                ref.set(p, original)
                numeric = (c_plus - c_minus) / (2.0 * epsilon)
                backprop = ref.get(g)
                rel = relative_error(backprop, float(numeric), floor)
                checks.append(ParameterCheck(ref, backprop, float(numeric), rel))
                per_layer[l] = max(per_layer.get(l, 0.0), rel)
    return GradCheckResult(tuple(checks), per_layer, epsilon, spec.parameter_count)
