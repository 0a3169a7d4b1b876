"""Structural edits of a network that keep every weight they can.

Each function takes a (spec, params) pair and returns a new one; nothing is modified in
place, so an undo command can keep both. New weights into a new neuron are drawn with the
Xavier scheme from ``rng``; weights out of a new neuron start at 0, so adding a neuron does
not change what the network computes until training moves them.
"""

from __future__ import annotations

import numpy as np

from bpstudio.core.engine.network import NetworkSpec, Params, initialize_layer
from bpstudio.core.errors import BPStudioError

Edit = tuple[NetworkSpec, Params]

#: Largest layer the editor allows (MNIST's 784 inputs and then some).
MAX_LAYER_SIZE = 4096


def _check_layer(spec: NetworkSpec, layer: int, allow_input: bool = True) -> None:
    low = 0 if allow_input else 1
    if not low <= layer <= spec.n_layers:
        raise BPStudioError(f"layer {layer} does not exist (layers {low}..{spec.n_layers})")


def add_neuron(spec: NetworkSpec, params: Params, layer: int, rng: np.random.Generator) -> Edit:
    """One more neuron at the end of ``layer`` (0 = input)."""
    _check_layer(spec, layer)
    if spec.layer_sizes[layer] >= MAX_LAYER_SIZE:
        raise BPStudioError(f"a layer can have at most {MAX_LAYER_SIZE} neurons")
    sizes = list(spec.layer_sizes)
    sizes[layer] += 1
    new_spec = spec.with_changes(layer_sizes=tuple(sizes))
    W = [w.copy() for w in params.W]
    b = [v.copy() for v in params.b]
    dtype = spec.np_dtype
    if layer >= 1:
        fan_in = sizes[layer - 1]
        r = np.sqrt(6.0 / (fan_in + sizes[layer]))
        W[layer - 1] = np.vstack([W[layer - 1], rng.uniform(-r, r, (1, fan_in)).astype(dtype)])
        b[layer - 1] = np.append(b[layer - 1], dtype(0.0))
    if layer < spec.n_layers:
        W[layer] = np.hstack([W[layer], np.zeros((sizes[layer + 1], 1), dtype=dtype)])
    return new_spec, Params(W, b)


def remove_neuron(spec: NetworkSpec, params: Params, layer: int, j: int) -> Edit:
    """Remove neuron ``j`` of ``layer`` with its incoming and outgoing weights."""
    _check_layer(spec, layer)
    if spec.layer_sizes[layer] <= 1:
        raise BPStudioError(f"layer {layer} has only one neuron; remove the layer instead")
    if not 0 <= j < spec.layer_sizes[layer]:
        raise BPStudioError(f"layer {layer} has no neuron {j}")
    sizes = list(spec.layer_sizes)
    sizes[layer] -= 1
    new_spec = spec.with_changes(layer_sizes=tuple(sizes))
    W = [w.copy() for w in params.W]
    b = [v.copy() for v in params.b]
    if layer >= 1:
        W[layer - 1] = np.delete(W[layer - 1], j, axis=0)
        b[layer - 1] = np.delete(b[layer - 1], j)
    if layer < spec.n_layers:
        W[layer] = np.delete(W[layer], j, axis=1)
    return new_spec, Params(W, b)


def resize_layer(
    spec: NetworkSpec, params: Params, layer: int, size: int, rng: np.random.Generator
) -> Edit:
    """Grow or shrink ``layer`` to ``size`` neurons (from the end)."""
    if not 1 <= size <= MAX_LAYER_SIZE:
        raise BPStudioError(f"a layer needs 1 to {MAX_LAYER_SIZE} neurons, got {size}")
    while spec.layer_sizes[layer] < size:
        spec, params = add_neuron(spec, params, layer, rng)
    while spec.layer_sizes[layer] > size:
        spec, params = remove_neuron(spec, params, layer, spec.layer_sizes[layer] - 1)
    return spec, params


def insert_layer(
    spec: NetworkSpec,
    params: Params,
    position: int,
    size: int,
    activation: str,
    rng: np.random.Generator,
) -> Edit:
    """Insert a hidden layer so that it becomes layer ``position`` (1..L).

    The matrices on both sides of the new layer are drawn fresh (their shapes change); the
    other layers keep their weights.
    """
    if not 1 <= position <= spec.n_layers:
        raise BPStudioError(
            f"a hidden layer goes between the input and the output (position 1..{spec.n_layers})"
        )
    if not 1 <= size <= MAX_LAYER_SIZE:
        raise BPStudioError(f"a layer needs 1 to {MAX_LAYER_SIZE} neurons, got {size}")
    if activation == "softmax":
        raise BPStudioError("softmax is only allowed on the output layer")
    sizes = list(spec.layer_sizes)
    sizes.insert(position, size)
    acts = list(spec.activations)
    acts.insert(position - 1, activation)
    new_spec = spec.with_changes(layer_sizes=tuple(sizes), activations=tuple(acts))
    W = list(params.W[: position - 1])
    b = list(params.b[: position - 1])
    for l in (position, position + 1):
        w, v = initialize_layer(new_spec, l, "xavier", rng)
        W.append(w)
        b.append(v)
    # The old layer `position` is now layer position + 1: it keeps its biases.
    b[-1] = params.b[position - 1].copy()
    W += [w.copy() for w in params.W[position:]]
    b += [v.copy() for v in params.b[position:]]
    return new_spec, Params(W, b)


def remove_layer(spec: NetworkSpec, params: Params, layer: int, rng: np.random.Generator) -> Edit:
    """Remove hidden layer ``layer`` (1..L-1); the matrix that bridges the gap is drawn fresh."""
    if not 1 <= layer < spec.n_layers:
        raise BPStudioError("only hidden layers can be removed (the input and output stay)")
    sizes = list(spec.layer_sizes)
    del sizes[layer]
    acts = list(spec.activations)
    del acts[layer - 1]
    new_spec = spec.with_changes(layer_sizes=tuple(sizes), activations=tuple(acts))
    w, _ = initialize_layer(new_spec, layer, "xavier", rng)
    W = [x.copy() for x in params.W[: layer - 1]] + [w] + [x.copy() for x in params.W[layer + 1 :]]
    b = [x.copy() for x in params.b[: layer - 1]]
    b += [params.b[layer].copy()] + [x.copy() for x in params.b[layer + 1 :]]
    return new_spec, Params(W, b)


def move_layer(
    spec: NetworkSpec, params: Params, layer: int, position: int, rng: np.random.Generator
) -> Edit:
    """Move hidden layer ``layer`` to hidden position ``position`` (both 1..L-1).

    The layer keeps its size, activation and biases; matrices whose shape no longer fits
    are drawn fresh.
    """
    hidden = spec.n_layers - 1
    if not (1 <= layer <= hidden and 1 <= position <= hidden):
        raise BPStudioError(f"hidden layers are 1..{hidden}; cannot move {layer} to {position}")
    if layer == position:
        return spec, params.copy()
    order = list(range(spec.n_layers + 1))
    order.insert(position, order.pop(layer))
    sizes = tuple(spec.layer_sizes[i] for i in order)
    acts = tuple(spec.activations[i - 1] for i in order[1:])
    new_spec = spec.with_changes(layer_sizes=sizes, activations=acts)
    W, b = [], []
    for l in range(1, new_spec.n_layers + 1):
        src, src_prev = order[l], order[l - 1]
        b.append(params.b[src - 1].copy())
        if src_prev == src - 1:
            W.append(params.W[src - 1].copy())
        else:
            W.append(initialize_layer(new_spec, l, "xavier", rng)[0])
    return new_spec, Params(W, b)


def set_activation(spec: NetworkSpec, params: Params, layer: int, activation: str) -> Edit:
    """Change the activation of ``layer`` (1..L); weights stay."""
    _check_layer(spec, layer, allow_input=False)
    acts = list(spec.activations)
    acts[layer - 1] = activation
    return spec.with_changes(activations=tuple(acts)), params.copy()
