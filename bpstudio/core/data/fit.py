"""Reshape a network so that it fits a data set: its input and output layers, and its output.

Binding other data often changes how many inputs and targets there are (the note's single
example has one of each, the digits 64 and 10). :func:`fit_network` plans the smallest edit
that makes the network fit:

* the input layer gets one neuron per feature and the output layer one per target column;
  the resizing goes through :func:`bpstudio.core.engine.edits.resize_layer`;
* a weight matrix whose shape changed is then drawn fresh (Xavier), because the numbers it
  kept were fitted to other features or other targets (and ``resize_layer`` gives new
  inputs zero outgoing weights, a poor start for a first layer); the output biases are
  zeroed when the output layer changed size;
* every other matrix and bias, the hidden layers in particular, is kept as it was;
* optionally the output activation and cost become the pair the targets suggest
  (:meth:`Dataset.suggested_output`): sigmoid + cross-entropy for a 0/1 column, softmax +
  cross-entropy for one-hot rows, linear + squared error for regression.

Nothing is modified in place; the plan holds the new (spec, params) pair and a list of the
changes in words, for the question the GUI asks before applying it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpstudio.core.data.datasets import Dataset
from bpstudio.core.engine.edits import resize_layer
from bpstudio.core.engine.network import NetworkSpec, Params, initialize_layer
from bpstudio.core.errors import BPStudioError

#: How the costs are named in the changes list.
_LOSS_WORDS = {"squared_error": "squared error", "cross_entropy": "cross-entropy"}


@dataclass(frozen=True)
class FitPlan:
    """The network before and after fitting it to a data set.

    Attributes
    ----------
    spec, params : the fitted network (new objects; the originals are untouched).
    old_spec : the network before.
    changes : human-readable edits, e.g. ``("inputs 2 → 64", "outputs 1 → 10")``; empty
        when the network already fits.
    """

    spec: NetworkSpec
    params: Params
    old_spec: NetworkSpec
    changes: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    @property
    def resized(self) -> bool:
        """Whether the input or output layer changed size."""
        return (
            self.spec.input_size != self.old_spec.input_size
            or self.spec.output_size != self.old_spec.output_size
        )


def fits(spec: NetworkSpec, dataset: Dataset) -> bool:
    """Whether ``dataset``'s examples fit the input and output layers of ``spec``."""
    return spec.input_size == dataset.n_inputs and spec.output_size == dataset.n_outputs


def suggests_other_output(spec: NetworkSpec, dataset: Dataset) -> bool:
    """Whether the targets suggest another output activation or cost than ``spec`` has."""
    return dataset.suggested_output() != (spec.activations[-1], spec.loss)


def _loss_words(name: str) -> str:
    return _LOSS_WORDS.get(name, name.replace("_", " "))


def fit_network(
    spec: NetworkSpec,
    params: Params,
    n_inputs: int,
    n_outputs: int,
    rng: np.random.Generator,
    output_activation: str | None = None,
    loss: str | None = None,
) -> FitPlan:
    """Plan the network with ``n_inputs`` inputs and ``n_outputs`` outputs.

    ``output_activation`` and ``loss`` (None: keep) set the output layer's activation and
    the cost in the same edit; they are checked together, so switching from sigmoid +
    cross-entropy to linear + squared error is one valid step.

    Raises
    ------
    BPStudioError
        For sizes outside 1..MAX_LAYER_SIZE or an output/cost pair that does not go together.
    """
    params.check(spec)
    old = spec
    changes: list[str] = []
    new_spec, new_params = spec, params.copy()
    L = spec.n_layers
    for layer, size, what in ((0, n_inputs, "inputs"), (L, n_outputs, "outputs")):
        before = new_spec.layer_sizes[layer]
        if size != before:
            new_spec, new_params = resize_layer(new_spec, new_params, layer, int(size), rng)
            changes.append(f"{what} {before} → {size}")
    # Matrices whose shape changed start afresh; everything else keeps its numbers.
    W, b = list(new_params.W), list(new_params.b)
    for l in range(1, L + 1):
        if W[l - 1].shape != params.W[l - 1].shape:
            W[l - 1], fresh_b = initialize_layer(new_spec, l, "xavier", rng)
            if b[l - 1].shape != params.b[l - 1].shape:
                b[l - 1] = np.zeros_like(fresh_b)
    new_params = Params(W, b)

    act = output_activation or spec.activations[-1]
    cost = loss or spec.loss
    if (act, cost) != (spec.activations[-1], spec.loss):
        if act == "softmax" and new_spec.output_size < 2:
            raise BPStudioError("a softmax output needs at least two neurons")
        activations = (*new_spec.activations[:-1], act)
        try:
            new_spec = new_spec.with_changes(activations=activations, loss=cost)
        except BPStudioError as exc:
            raise BPStudioError(f"cannot use a {act} output with the {cost} cost: {exc}") from None
        if act != spec.activations[-1]:
            changes.append(f"output activation {spec.activations[-1]} → {act}")
        if cost != spec.loss:
            changes.append(f"cost {_loss_words(spec.loss)} → {_loss_words(cost)}")
    new_params.check(new_spec)
    return FitPlan(new_spec, new_params, old, tuple(changes))


def fit_to_dataset(
    spec: NetworkSpec,
    params: Params,
    dataset: Dataset,
    rng: np.random.Generator,
    use_suggested_output: bool = True,
) -> FitPlan:
    """Plan the network that fits ``dataset``; with the suggested output and cost if asked."""
    act, cost = dataset.suggested_output() if use_suggested_output else (None, None)
    if act == "softmax" and dataset.n_outputs < 2:
        act, cost = None, None
    return fit_network(
        spec, params, dataset.n_inputs, dataset.n_outputs, rng, output_activation=act, loss=cost
    )


__all__ = ["FitPlan", "fit_network", "fit_to_dataset", "fits", "suggests_other_output"]
