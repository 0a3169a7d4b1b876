"""Optimisers (SGD, momentum, Adam), L1/L2 penalties and learning-rate schedules.

An optimiser turns the gradient ∇C into a step. ``update(params, grads, lr, out)`` writes
the new parameters into ``out``; ``out`` may be ``params`` itself (in place) or a second
buffer, which lets the trainer keep the previous parameters without copying them.
Hyperparameters such as the learning rate or momentum can change between steps without
losing the optimiser's state (velocities, moment estimates).

The conventions, each checked against ``torch.optim`` in the tests (and stated with their
formulas in the README's training section):

- momentum keeps its velocity v in parameter units (v ← μ v − η g, θ ← θ + v), so a change
  of η does not rescale the velocity already built up; PyTorch keeps b = −v/η;
- Adam adds ε to √v before the bias corrections, which are folded into the step size
  (Kingma & Ba's efficient form): θ ← θ − η √(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε); PyTorch
  adds ε to the corrected √v̂;
- L2 adds λ₂ W to the gradient of the weights only (not decoupled as in AdamW, not on the
  biases), L1 adds λ₁ sign(W) with sign(0) = 0;
- schedules count steps from 0: the first step uses η₀.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from bpstudio.core.engine.activations import Array
from bpstudio.core.engine.network import Params
from bpstudio.core.errors import BPStudioError


class Optimizer(ABC):
    """One rule for turning ∇C into a step; every rule here acts entry by entry.

    ``update`` takes the parameters array by array (:class:`Params`); ``update_vector``
    takes them packed in one vector θ in the order of ∇C (:meth:`Params.vector`), which
    lets the trainer update the whole network in a couple of NumPy calls. Both give the
    same numbers and share the optimiser's state (velocities, moments), which is kept as
    one vector with per-array views of it.
    """

    name: str = ""
    label: str = ""

    def update(self, params: Params, grads: Params, lr: float, out: Params) -> None:
        """Write params - step(grads) into ``out`` (which may be ``params``)."""
        ps = list(params.arrays())
        self._state(ps)
        self._apply(ps, list(grads.arrays()), lr, list(out.arrays()), packed=False)

    def update_vector(self, theta: Array, grad: Array, lr: float, out: Array) -> None:
        """The same step on θ and ∇C packed in one vector each; ``out`` may be ``theta``."""
        self._state([theta])
        self._apply([theta], [grad], lr, [out], packed=True)

    def _state(self, arrays: list[Array]) -> None:  # noqa: B027 (stateless: nothing to keep)
        """Make the state fit ``arrays`` (the parameters, or θ alone): zeros when it does not."""

    @abstractmethod
    def _apply(
        self, ps: list[Array], gs: list[Array], lr: float, os: list[Array], packed: bool
    ) -> None:
        """The step on matching arrays; ``packed``: the arrays are θ and ∇C whole."""

    def reset(self) -> None:  # noqa: B027 (stateless optimisers have nothing to forget)
        """Forget accumulated state (velocities, moments)."""

    def state(self) -> Mapping[str, Array]:
        """The accumulated state by name, as read-only views (empty before the first step).

        Each per-parameter quantity is one vector in the order of ∇C
        (:meth:`Params.vector`), whichever of :meth:`update` and :meth:`update_vector`
        made it; counters are 0-d arrays.
        """
        return {}


class _StateVectors:
    """An optimiser's per-parameter state: ``count`` vectors of θ's size, and views of
    each in the layout of the parameter arrays (made when first asked for)."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.vectors: list[Array] = []
        self.views: list[list[Array]] | None = None

    def fit(self, arrays: list[Array]) -> bool:
        """Make the state fit ``arrays``; True when it was (re)started at zero."""
        size = sum(a.size for a in arrays)
        fresh = not self.vectors or self.vectors[0].size != size
        if fresh:
            self.vectors = [np.zeros(size, arrays[0].dtype) for _ in range(self.count)]
            self.views = None
        if len(arrays) > 1 and (self.views is None or len(self.views[0]) != len(arrays)):
            self.views = [_views_like(v, arrays) for v in self.vectors]
        return fresh

    def read_only(self, names: tuple[str, ...]) -> dict[str, Array]:
        """The vectors by name as read-only views, or nothing before the first step."""
        if not self.vectors:
            return {}
        return {name: _read_only(v) for name, v in zip(names, self.vectors, strict=True)}

    def get(self, packed: bool) -> list[list[Array]]:
        if packed:
            return [[v] for v in self.vectors]
        assert self.views is not None
        return self.views


def _read_only(array: Array) -> Array:
    view = array.view()
    view.flags.writeable = False
    return view


def _views_like(vector: Array, arrays: list[Array]) -> list[Array]:
    views, i = [], 0
    for a in arrays:
        views.append(vector[i : i + a.size].reshape(a.shape))
        i += a.size
    return views


class SGD(Optimizer):
    """θ ← θ - η ∇C, the note's step downhill."""

    name = "sgd"
    label = "Gradient descent (SGD)"

    def __init__(self) -> None:
        self._step: list[Array] = []  # η ∇C, one array per parameter array, reused

    def update_vector(self, theta: Array, grad: Array, lr: float, out: Array) -> None:
        if out is theta:
            super().update_vector(theta, grad, lr, out)
            return
        # θ + (-η ∇C) is θ - η ∇C bit for bit (negation is exact), and needs no buffer
        # of its own: two passes over three vectors instead of over four.
        np.multiply(grad, -lr, out)
        out += theta

    def _apply(
        self, ps: list[Array], gs: list[Array], lr: float, os: list[Array], packed: bool
    ) -> None:
        steps = self._step
        if len(steps) != len(gs) or any(s.shape != g.shape for s, g in zip(steps, gs, strict=True)):
            steps = self._step = [np.empty_like(g) for g in gs]
        for p, g, s, o in zip(ps, gs, steps, os, strict=True):
            np.multiply(g, lr, out=s)
            np.subtract(p, s, out=o)


class Momentum(Optimizer):
    """v ← μ v - η ∇C; θ ← θ + v (Nesterov: θ ← θ + μ v - η ∇C).

    The velocity v is in the parameters' units (the learning rate is inside it).
    """

    name = "momentum"
    label = "SGD with momentum"

    def __init__(self, momentum: float = 0.9, nesterov: bool = False) -> None:
        self.momentum = momentum
        self.nesterov = nesterov
        self._states = _StateVectors(1)
        self._velocity: list[Array] | None = None

    def reset(self) -> None:
        self._states = _StateVectors(1)
        self._velocity = None

    def _state(self, arrays: list[Array]) -> None:
        self._states.fit(arrays)

    def state(self) -> Mapping[str, Array]:
        """``velocity``: v, in the parameters' units."""
        return self._states.read_only(("velocity",))

    def _apply(
        self, ps: list[Array], gs: list[Array], lr: float, os: list[Array], packed: bool
    ) -> None:
        (velocity,) = self._states.get(packed)
        self._velocity = velocity
        mu = self.momentum
        for v, p, g, o in zip(velocity, ps, gs, os, strict=True):
            v *= mu
            v -= lr * g
            if self.nesterov:
                np.add(p, mu * v - lr * g, out=o)
            else:
                np.add(p, v, out=o)


class Adam(Optimizer):
    """Kingma & Ba (2015), with bias correction folded into the step size.

    θ ← θ - η √(1 - β₂ᵗ) / (1 - β₁ᵗ) · m / (√v + ε): ε is added to √v of the raw (not
    bias-corrected) second moment, the paper's "more efficient" ordering of section 2.
    """

    name = "adam"
    label = "Adam"

    def __init__(self, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self._states = _StateVectors(2)
        self._m: list[Array] | None = None
        self._v: list[Array] | None = None
        self._t = 0

    def reset(self) -> None:
        self._states = _StateVectors(2)
        self._m = self._v = None
        self._t = 0

    def _state(self, arrays: list[Array]) -> None:
        if self._states.fit(arrays):
            self._t = 0

    def state(self) -> Mapping[str, Array]:
        """``m`` and ``v``: the raw first and second moment estimates; ``t``: the number of
        steps they hold (a 0-d array)."""
        moments = self._states.read_only(("m", "v"))
        if not moments:
            return {}
        return {**moments, "t": _read_only(np.array(self._t))}

    def _apply(
        self, ps: list[Array], gs: list[Array], lr: float, os: list[Array], packed: bool
    ) -> None:
        ms, vs = self._states.get(packed)
        self._m, self._v = ms, vs  # as the last step saw them: per array, or packed
        self._t += 1
        b1, b2 = self.beta1, self.beta2
        # The bias corrections folded into the step size; ε is added to √v, not to √v̂.
        step = lr * math.sqrt(1.0 - b2**self._t) / (1.0 - b1**self._t)
        for m, v, p, g, o in zip(ms, vs, ps, gs, os, strict=True):
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * (g * g)
            np.subtract(p, step * m / (np.sqrt(v) + self.eps), out=o)


OPTIMIZER_LABELS: dict[str, str] = {
    SGD.name: SGD.label,
    Momentum.name: Momentum.label,
    Adam.name: Adam.label,
}


def make_optimizer(
    name: str,
    momentum: float = 0.9,
    nesterov: bool = False,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> Optimizer:
    if name == SGD.name:
        return SGD()
    if name == Momentum.name:
        return Momentum(momentum, nesterov)
    if name == Adam.name:
        return Adam(beta1, beta2, eps)
    known = ", ".join(OPTIMIZER_LABELS)
    raise BPStudioError(f"unknown optimiser {name!r}; expected one of: {known}")


def add_penalty_gradient(params: Params, grads: Params, l1: float, l2: float) -> Params:
    """∇(C + l2/2 ||W||² + l1 ||W||₁) for the weights; biases are not penalised."""
    if l1 == 0.0 and l2 == 0.0:
        return grads
    dW = []
    for W, G in zip(params.W, grads.W, strict=True):
        G = G + l2 * W if l2 else G.copy()
        if l1:
            G += l1 * np.sign(W)
        dW.append(G)
    return Params(dW, grads.b)


def penalty(params: Params, l1: float, l2: float) -> float:
    """The penalty term of C = C_data + (λ₂/2) Σ w² + λ₁ Σ |w|, over every weight (biases
    are not penalised); :func:`add_penalty_gradient` adds its gradient."""
    total = 0.0
    for W in params.W:
        if l2:
            total += 0.5 * l2 * float(np.vdot(W, W))
        if l1:
            total += l1 * float(np.abs(W).sum())
    return total


def cost_formula(l1: float, l2: float) -> str:
    """What the reported cost C contains, e.g. ``C = C_data + (λ₂/2) Σ w² with λ₂ = 0.01``."""
    terms, values = ["C_data"], []
    if l2:
        terms.append("(λ₂/2) Σ w²")
        values.append(f"λ₂ = {l2:g}")
    if l1:
        terms.append("λ₁ Σ |w|")
        values.append(f"λ₁ = {l1:g}")
    formula = "C = " + " + ".join(terms)
    return f"{formula} with {', '.join(values)}" if values else formula


SCHEDULES: dict[str, str] = {
    "constant": "Constant",
    "step": "Step decay (× factor every N steps)",
    "exponential": "Exponential decay (η₀ e^(−r t))",
}

#: The exponential schedule's default rate: η halves every 1000 steps.
DEFAULT_DECAY_RATE = math.log(2.0) / 1000.0


@dataclass(frozen=True)
class Schedule:
    """Learning rate as a function of the step count t = 0, 1, 2, ... (the first step is t = 0).

    ``step``: η_t = η₀ · factor^⌊t / every⌋; ``exponential``: η_t = η₀ · e^(−rate · t).
    """

    kind: str = "constant"
    every: int = 1000
    factor: float = 0.5
    rate: float = DEFAULT_DECAY_RATE

    def __post_init__(self) -> None:
        if self.kind not in SCHEDULES:
            known = ", ".join(SCHEDULES)
            raise BPStudioError(f"unknown schedule {self.kind!r}; expected one of: {known}")
        if self.every < 1:
            raise BPStudioError("the schedule interval must be at least 1 step")
        if not 0.0 < self.factor <= 1.0:
            raise BPStudioError("the schedule factor must be in (0, 1]")
        if not (math.isfinite(self.rate) and self.rate > 0.0):
            raise BPStudioError(f"the decay rate must be a positive number, got {self.rate}")

    def learning_rate(self, base: float, step: int) -> float:
        if self.kind == "step":
            return base * self.factor ** (step // self.every)
        if self.kind == "exponential":
            return base * math.exp(-self.rate * step)
        return base
