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
from dataclasses import dataclass

import numpy as np

from bpstudio.core.engine.activations import Array
from bpstudio.core.engine.network import Params
from bpstudio.core.errors import BPStudioError


class Optimizer(ABC):
    name: str = ""
    label: str = ""

    @abstractmethod
    def update(self, params: Params, grads: Params, lr: float, out: Params) -> None:
        """Write params - step(grads) into ``out`` (which may be ``params``)."""

    def reset(self) -> None:  # noqa: B027 (stateless optimisers have nothing to forget)
        """Forget accumulated state (velocities, moments)."""


class SGD(Optimizer):
    """θ ← θ - η ∇C, the note's step downhill."""

    name = "sgd"
    label = "Gradient descent (SGD)"

    def update(self, params: Params, grads: Params, lr: float, out: Params) -> None:
        # Plain lists, not arrays() generators: this runs once per step, for tiny nets too.
        for p, g, o in zip(params.W + params.b, grads.W + grads.b, out.W + out.b, strict=True):
            np.subtract(p, lr * g, out=o)


class Momentum(Optimizer):
    """v ← μ v - η ∇C; θ ← θ + v (Nesterov: θ ← θ + μ v - η ∇C)."""

    name = "momentum"
    label = "SGD with momentum"

    def __init__(self, momentum: float = 0.9, nesterov: bool = False) -> None:
        self.momentum = momentum
        self.nesterov = nesterov
        self._velocity: list[Array] | None = None

    def reset(self) -> None:
        self._velocity = None

    def update(self, params: Params, grads: Params, lr: float, out: Params) -> None:
        if self._velocity is None or len(self._velocity) != 2 * params.n_layers:
            self._velocity = [np.zeros_like(p) for p in params.arrays()]
        mu = self.momentum
        for v, p, g, o in zip(
            self._velocity, params.arrays(), grads.arrays(), out.arrays(), strict=True
        ):
            v *= mu
            v -= lr * g
            if self.nesterov:
                np.add(p, mu * v - lr * g, out=o)
            else:
                np.add(p, v, out=o)


class Adam(Optimizer):
    """Kingma & Ba (2015), with bias correction."""

    name = "adam"
    label = "Adam"

    def __init__(self, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self._m: list[Array] | None = None
        self._v: list[Array] | None = None
        self._t = 0

    def reset(self) -> None:
        self._m = self._v = None
        self._t = 0

    def update(self, params: Params, grads: Params, lr: float, out: Params) -> None:
        if self._m is None or self._v is None or len(self._m) != 2 * params.n_layers:
            self._m = [np.zeros_like(p) for p in params.arrays()]
            self._v = [np.zeros_like(p) for p in params.arrays()]
            self._t = 0
        self._t += 1
        b1, b2 = self.beta1, self.beta2
        # The bias corrections folded into the step size; ε is added to √v, not to √v̂.
        step = lr * math.sqrt(1.0 - b2**self._t) / (1.0 - b1**self._t)
        for m, v, p, g, o in zip(
            self._m, self._v, params.arrays(), grads.arrays(), out.arrays(), strict=True
        ):
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
