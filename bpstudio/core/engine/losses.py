"""Cost functions C(A, Y), averaged over the n examples of a batch, in one registry.

The note's cost for one example is C0 = Σ_j (a_j^(L) - y_j)^2 and the cost of a batch is the
average over its examples, C = (1/n) Σ_k C_k. Every cost here follows that pattern, so every
gradient carries the 1/n of the note's average.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from bpstudio.core.engine.activations import Activation, Array
from bpstudio.core.errors import BPStudioError, lookup

#: Keeps logs and divisions finite where an output saturates to exactly 0 or 1.
_EPS = 1e-15


def _clip_margin(A: Array) -> float:
    """How far from 0 and 1 an output is clipped: 1e-15, or float32's machine ε (1.2e-7),
    since 1 - 1e-15 rounds to 1 in float32 and a(1 - a) would be 0 there."""
    return max(_EPS, float(np.finfo(A.dtype).eps))


class Loss(ABC):
    """One cost function. Stateless; instances live in :data:`LOSSES`."""

    name: str = ""
    label: str = ""

    @abstractmethod
    def per_example(self, Z: Array, A: Array, Y: Array, output: Activation) -> Array:
        """C_k for every example: shape (n,)."""

    def value(self, Z: Array, A: Array, Y: Array, output: Activation) -> float:
        """C = (1/n) Σ_k C_k."""
        return float(self.per_example(Z, A, Y, output).mean())

    @abstractmethod
    def gradient_a(self, A: Array, Y: Array, output: Activation) -> Array:
        """G_A = ∂C/∂A of the output layer, shape (n, n_L), including the 1/n."""

    def gradient_z(
        self, Z: Array, A: Array, Y: Array, output: Activation, G_A: Array | None = None
    ) -> Array:
        """G_Z = ∂C/∂Z of the output layer; fused where that is more stable.

        ``G_A``, when the caller already has it, is :meth:`gradient_a` (not computed twice).
        """
        if G_A is None:
            G_A = self.gradient_a(A, Y, output)
        return output.backward(Z, A, G_A)

    def cost_and_gradients(
        self,
        Z: Array,
        A: Array,
        Y: Array,
        output: Activation,
        out_a: Array | None = None,
        out_z: Array | None = None,
    ) -> tuple[float, Array, Array]:
        """C, G_A and G_Z of the output layer at once, as :meth:`value`, :meth:`gradient_a`
        and :meth:`gradient_z` give them (bit for bit).

        ``out_a`` and ``out_z``, when given, are arrays of shape (n, n_L) that a cost may
        write G_A and G_Z into instead of allocating (the squared errors do).
        """
        G_A = self.gradient_a(A, Y, output)
        return self.value(Z, A, Y, output), G_A, self.gradient_z(Z, A, Y, output, G_A)

    def fuses_output(self, output: Activation) -> bool:
        """True where :meth:`gradient_z` is the fused ∂C/∂z (for example a - y for a sigmoid
        or softmax with cross-entropy), not the product ∂C/∂a · f'(z): the product's
        factors can then be 0 · ∞ on a saturated output while ∂C/∂z is finite."""
        return False

    def check_output(self, output: Activation) -> None:  # noqa: B027 (optional hook)
        """Raise if this cost cannot be used with that output activation."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class _SquaredLoss(Loss):
    """Σ (a - y)² over the outputs of an example, or its mean when ``mean_over_outputs``;
    the batch cost averages that over the examples."""

    mean_over_outputs: bool = False

    def _outputs_divisor(self, A: Array) -> int:
        """What an example's sum of squares is divided by: 1, or n_L for a mean."""
        return A.shape[1] if self.mean_over_outputs else 1

    def per_example(self, Z: Array, A: Array, Y: Array, output: Activation) -> Array:
        D = A - Y
        return (D * D).sum(axis=1) / self._outputs_divisor(A)

    def _count(self, A: Array) -> int:
        """What the batch's sum of squares is divided by: n, or n · n_L."""
        return A.shape[0] * self._outputs_divisor(A)

    def value(self, Z: Array, A: Array, Y: Array, output: Activation) -> float:
        D = A - Y
        return float(np.vdot(D, D)) / self._count(A)

    def gradient_a(self, A: Array, Y: Array, output: Activation) -> Array:
        return (2.0 / self._count(A)) * (A - Y)

    def cost_and_gradients(
        self,
        Z: Array,
        A: Array,
        Y: Array,
        output: Activation,
        out_a: Array | None = None,
        out_z: Array | None = None,
    ) -> tuple[float, Array, Array]:
        # One difference A - Y serves the cost and, scaled in place, ∂C/∂A.
        count = self._count(A)
        D = np.subtract(A, Y, out=out_a)
        cost = float(np.vdot(D, D)) / count
        D *= 2.0 / count
        return cost, D, output.backward(Z, A, D, out_z)


class SquaredError(_SquaredLoss):
    """The note's cost: C0 = Σ_j (a_j - y_j)^2 per example, averaged over examples."""

    name = "squared_error"
    label = "Squared error (the note's C0)"


class MeanSquaredError(_SquaredLoss):
    """Mean over outputs as well: (1/n_L) Σ_j (a_j - y_j)^2 per example."""

    name = "mse"
    label = "Mean squared error"
    mean_over_outputs = True


class CrossEntropy(Loss):
    """Cross-entropy: binary per output with a sigmoid, categorical with a softmax.

    Both are computed from the logits Z (log-sum-exp, softplus), so saturated outputs give
    finite costs, and both use the fused gradient ∂C/∂Z = (A - Y)/n.
    """

    name = "cross_entropy"
    label = "Cross-entropy"

    def check_output(self, output: Activation) -> None:
        if output.name not in ("sigmoid", "softmax"):
            raise BPStudioError(
                "cross_entropy needs a sigmoid (binary) or softmax (categorical) output layer, "
                f"not {output.name!r}"
            )

    def per_example(self, Z: Array, A: Array, Y: Array, output: Activation) -> Array:
        if output.name == "softmax":
            Zs = Z - Z.max(axis=1, keepdims=True)
            log_A = Zs - np.log(np.exp(Zs).sum(axis=1, keepdims=True))
            return -(Y * log_A).sum(axis=1)
        if output.name == "sigmoid":
            # -[y log σ(z) + (1-y) log(1-σ(z))] = softplus(z) - y z
            return (np.logaddexp(0.0, Z) - Y * Z).sum(axis=1)
        # Any other output in (0, 1): the textbook form with clipping.
        margin = _clip_margin(A)
        Ac = np.clip(A, margin, 1.0 - margin)
        return -(Y * np.log(Ac) + (1.0 - Y) * np.log1p(-Ac)).sum(axis=1)

    def gradient_a(self, A: Array, Y: Array, output: Activation) -> Array:
        # Shown in the chain-rule panel; training uses the fused gradient_z below. Where an
        # output has saturated to 0 or 1 in its precision the factor ∂C/∂a is clipped to a
        # finite value and only the fused ∂C/∂z = (a - y)/n is exact (see
        # :meth:`fuses_output`).
        margin = _clip_margin(A)
        if output.name == "softmax":
            return -Y / (np.maximum(A, margin) * A.shape[0])
        Ac = np.clip(A, margin, 1.0 - margin)
        return (Ac - Y) / (Ac * (1.0 - Ac) * A.shape[0])

    def fuses_output(self, output: Activation) -> bool:
        return output.name in ("sigmoid", "softmax")

    def gradient_z(
        self, Z: Array, A: Array, Y: Array, output: Activation, G_A: Array | None = None
    ) -> Array:
        n = A.shape[0]
        if output.name == "softmax":
            # Σ_j y_j = 1 for one-hot targets; kept general so soft labels stay exact.
            return (A * Y.sum(axis=1, keepdims=True) - Y) / n
        if output.name == "sigmoid":
            return (A - Y) / n
        return super().gradient_z(Z, A, Y, output, G_A)


LOSSES: dict[str, Loss] = {
    loss.name: loss for loss in (SquaredError(), MeanSquaredError(), CrossEntropy())
}


def get_loss(name: str) -> Loss:
    """Look a cost up by its serialised name, with a clear error for unknown names."""
    return lookup(LOSSES, name, "cost")
