"""The numbers a walkthrough screen shows, for the document's network as it is now.

One forward and one backward pass over the project's training examples
(:mod:`bpstudio.core.engine.backprop`), read out per example (its own cost C_k) and
averaged over the batch (C) by :mod:`bpstudio.core.engine.readout`: the screens compute
nothing themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from bpstudio.core.data.source import load_examples, split_examples
from bpstudio.core.engine.activations import Array
from bpstudio.core.engine.backprop import Grads, Trace, backward, forward
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.engine.readout import Readout, readout
from bpstudio.core.files.project import Project


@dataclass(frozen=True, eq=False)
class LiveNetwork:
    """A project's network on its training set, with example ``example`` picked out.

    Attributes
    ----------
    X : (n, n_0) the inputs; Y : (n, n_L) the targets
    """

    spec: NetworkSpec
    params: Params
    X: Array
    Y: Array
    example: int
    learning_rate: float
    #: The neuron k of layer L−1 whose paths the sum-over-paths screen follows.
    path: int = 0

    @classmethod
    def of(cls, project: Project, example: int = 0, path: int = 0) -> LiveNetwork:
        train, _ = split_examples(project.data, load_examples(project.data))
        k = min(max(example, 0), train.n_examples - 1)
        return cls(
            project.spec,
            project.params.copy(),
            train.X,
            train.Y,
            k,
            project.hyperparameters.learning_rate,
            path,
        )

    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    @cached_property
    def trace(self) -> Trace:
        return forward(self.spec, self.params, self.X)

    @cached_property
    def grads(self) -> Grads:
        return backward(self.spec, self.params, self.trace, self.Y)

    @cached_property
    def one(self) -> Readout:
        """Example ``example`` alone: its a, z, σ′(z) and the gradients of its cost C_k."""
        return readout(self.spec, self.params, self.trace, self.grads, self.example)

    @cached_property
    def batch(self) -> Readout:
        """The average over the n examples: ∇C."""
        return readout(self.spec, self.params, self.trace, self.grads, None)

    def example_readout(self, k: int) -> Readout:
        return readout(self.spec, self.params, self.trace, self.grads, k)

    @cached_property
    def example_costs(self) -> Array:
        """C_k = Σ_j (a_j^(L) − y_j)² of every example, (n,)."""
        trace = self.trace
        return self.spec.loss_fn.per_example(
            trace.Z[-1], trace.output, self.Y, self.spec.output_activation
        )

    @property
    def cost(self) -> float:
        """C, the average of the C_k (the backward pass's own number)."""
        return float(self.grads.cost)

    def target(self, j: int = 0) -> float:
        return float(self.Y[self.example, j])
