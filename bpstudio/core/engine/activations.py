"""Activation functions f with their derivatives, in one explicit registry.

Every activation maps pre-activations ``Z : (n, n_l)`` to activations ``A : (n, n_l)``.
``derivative(Z, A)`` is the note's σ'(z), elementwise. ``backward(Z, A, G_A)`` turns
∂C/∂A into ∂C/∂Z; for every elementwise activation that is ``G_A * f'(Z)``, for softmax it
is the Jacobian-vector product.

``forward`` and ``backward`` take an optional ``out`` array of the result's shape to write
into (the trainer reuses its arrays from step to step); without it they allocate. Either
way the numbers are the same, bit for bit. The identity returns its input unchanged and
ignores ``out``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
from numpy.typing import NDArray

from bpstudio.core.errors import lookup

Array = NDArray[np.floating]

#: Where :class:`Sigmoid` floors z, so that e^{-z} stays finite in float64 and float32.
_SIGMOID_FLOOR = -500.0
_SIGMOID_FLOOR_32 = -80.0
#: Below this many entries the sigmoid's 1/x is np.reciprocal, from it on a division.
_RECIPROCAL_BELOW = 1024


class Activation(ABC):
    """One activation function. Stateless; instances live in :data:`ACTIVATIONS`."""

    name: str = ""
    label: str = ""
    #: Softmax couples the neurons of a layer; all others act neuron by neuron.
    elementwise: bool = True

    @abstractmethod
    def forward(self, Z: Array, out: Array | None = None) -> Array:
        """A = f(Z), written into ``out`` when given."""

    @abstractmethod
    def derivative(self, Z: Array, A: Array) -> Array:
        """f'(Z) elementwise (for softmax: the diagonal ∂a_j/∂z_j)."""

    def backward(self, Z: Array, A: Array, G_A: Array, out: Array | None = None) -> Array:
        """∂C/∂Z from ∂C/∂A: ``G_Z = G_A * f'(Z)``, written into ``out`` when given."""
        return np.multiply(G_A, self.derivative(Z, A), out=out)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Sigmoid(Activation):
    """σ(z) = 1 / (1 + e^{-z}), the note's activation; σ'(z) = σ(z)(1 - σ(z))."""

    name = "sigmoid"
    label = "Sigmoid σ"

    def forward(self, Z: Array, out: Array | None = None) -> Array:
        # The textbook 1/(1+e^{-z}), in place, with z floored so that e^{-z} never overflows
        # (float64 would for z < -709, float32 for z < -88): at -500, σ ≈ 7e-218; at -80,
        # σ ≈ 2e-35, still a normal float32. Both are 0 for every purpose.
        # np.exp is vectorised where np.tanh often is not: this is ~2x faster than tanh forms.
        A = np.maximum(Z, _SIGMOID_FLOOR_32 if Z.itemsize == 4 else _SIGMOID_FLOOR, out=out)
        np.negative(A, A)
        np.exp(A, A)
        A += 1.0
        # 1/x, the same number either way: np.reciprocal costs less per call, a division
        # less per element (a third less on a 128 x 128 layer).
        return np.reciprocal(A, A) if A.size < _RECIPROCAL_BELOW else np.divide(1.0, A, A)

    def derivative(self, Z: Array, A: Array) -> Array:
        return A * (1.0 - A)

    def backward(self, Z: Array, A: Array, G_A: Array, out: Array | None = None) -> Array:
        # G_A * (A * (1 - A)) in one buffer, no temporaries (products commute exactly).
        G_Z = np.subtract(1.0, A, out=out)
        G_Z *= A
        G_Z *= G_A
        return G_Z


class Tanh(Activation):
    name = "tanh"
    label = "Tanh"

    def forward(self, Z: Array, out: Array | None = None) -> Array:
        return np.tanh(Z, out=out)

    def derivative(self, Z: Array, A: Array) -> Array:
        return 1.0 - A * A


class ReLU(Activation):
    name = "relu"
    label = "ReLU"

    def forward(self, Z: Array, out: Array | None = None) -> Array:
        return np.maximum(Z, 0.0, out=out)

    def derivative(self, Z: Array, A: Array) -> Array:
        return (Z > 0).astype(Z.dtype)


class LeakyReLU(Activation):
    """max(z, αz) with α = 0.01."""

    name = "leaky_relu"
    label = "Leaky ReLU"
    slope = 0.01

    def forward(self, Z: Array, out: Array | None = None) -> Array:
        # max(z, αz) is z for z > 0 and αz otherwise, since 0 < α < 1.
        A = np.multiply(Z, self.slope, out=out)
        return np.maximum(Z, A, out=A)

    def derivative(self, Z: Array, A: Array) -> Array:
        return np.where(Z > 0, 1.0, self.slope).astype(Z.dtype)


class Linear(Activation):
    name = "linear"
    label = "Linear (identity)"

    def forward(self, Z: Array, out: Array | None = None) -> Array:
        return Z

    def derivative(self, Z: Array, A: Array) -> Array:
        return np.ones_like(Z)

    def backward(self, Z: Array, A: Array, G_A: Array, out: Array | None = None) -> Array:
        return G_A


class Softmax(Activation):
    """a_j = e^{z_j} / Σ_i e^{z_i}; for an output layer only."""

    name = "softmax"
    label = "Softmax"
    elementwise = False

    def forward(self, Z: Array, out: Array | None = None) -> Array:
        E = np.subtract(Z, Z.max(axis=1, keepdims=True), out=out)
        np.exp(E, out=E)
        E /= E.sum(axis=1, keepdims=True)
        return E

    def derivative(self, Z: Array, A: Array) -> Array:
        return A * (1.0 - A)

    def backward(self, Z: Array, A: Array, G_A: Array, out: Array | None = None) -> Array:
        # Jacobian-vector product: ∂C/∂z_j = a_j (∂C/∂a_j - Σ_i a_i ∂C/∂a_i).
        G_Z = np.subtract(G_A, (G_A * A).sum(axis=1, keepdims=True), out=out)
        G_Z *= A
        return G_Z


ACTIVATIONS: dict[str, Activation] = {
    act.name: act for act in (Sigmoid(), Tanh(), ReLU(), LeakyReLU(), Linear(), Softmax())
}

#: Activations allowed in hidden layers (softmax only makes sense as an output).
HIDDEN_ACTIVATIONS: tuple[str, ...] = tuple(n for n in ACTIVATIONS if n != "softmax")


def get_activation(name: str) -> Activation:
    """Look an activation up by its serialised name, with a clear error for unknown names."""
    return lookup(ACTIVATIONS, name, "activation")
