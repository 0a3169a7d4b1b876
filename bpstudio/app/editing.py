"""Edits of the network, from every view: one pipeline that turns an edit into one undoable
command on the document's stack.

:func:`push_network_edit` is the pipeline: it pauses a running training first
(``controller.pause_for_edit()``), so the run's results land on the undo stack before the
edit, computes the edit from the document's current network (with
:mod:`bpstudio.core.engine.edits` or the helpers here), pushes it as one
:class:`EditNetworkCommand` unless it changes nothing, and resumes training. An edit the
core refuses raises :class:`BPStudioError` with nothing changed.

:class:`NetworkEditor` names the structural edits (add or remove a neuron or a layer, move
a layer, set an activation or the cost, initialise a layer) for the canvas's gestures and
the menus (:mod:`bpstudio.app.actions`), and reports refusals (removing the last neuron,
softmax in a hidden layer) as a ``message`` instead of raising. Panels that edit values
(the inspector, the weight matrix) call the pipeline themselves and show refusals in
place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
from PySide6.QtCore import QObject, Signal

from bpstudio.app.commands import EditNetworkCommand
from bpstudio.app.document import Document
from bpstudio.core.engine import edits
from bpstudio.core.engine.init import INITIALIZERS
from bpstudio.core.engine.losses import LOSSES
from bpstudio.core.engine.network import NetworkSpec, Params, initialize, initialize_layer
from bpstudio.core.errors import BPStudioError

Edit = tuple[NetworkSpec, Params]

#: Short activation names for headers and menus ("Output · sigmoid").
ACTIVATION_SHORT = {
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "relu": "ReLU",
    "leaky_relu": "leaky ReLU",
    "linear": "linear",
    "softmax": "softmax",
}


def activation_short(name: str) -> str:
    return ACTIVATION_SHORT.get(name, name)


class EditPauser(Protocol):
    """What network edits need of :class:`~bpstudio.app.training.TrainingController` (a stub
    will do in tests)."""

    def pause_for_edit(self) -> object: ...

    def finish_edit(self) -> None: ...


def layer_name(spec: NetworkSpec, layer: int) -> str:
    if layer == 0:
        return "the input layer"
    if layer == spec.n_layers:
        return "the output layer"
    return f"layer {layer}"


# -- the pipeline ------------------------------------------------------------------------------


def push_network_edit(
    document: Document,
    controller: EditPauser | None,
    text: str,
    make: Callable[[NetworkSpec, Params], Edit],
) -> bool:
    """Pause training, compute ``make(spec, params)`` on the document's network and push it
    as one undo step named ``text``; resume training.

    Returns False (nothing pushed) when the edit leaves the network as it was. Raises
    :class:`BPStudioError` from ``make`` with nothing changed.
    """
    if controller is not None:
        controller.pause_for_edit()
    try:
        spec, params = make(document.spec, document.params)
        if spec == document.spec and params.allclose(document.params):
            return False
        document.push(EditNetworkCommand(document, text, spec, params))
        return True
    finally:
        if controller is not None:
            controller.finish_edit()


# -- edits that the core does not name ---------------------------------------------------------


def set_loss(spec: NetworkSpec, params: Params, loss: str) -> Edit:
    """Change the cost; raises :class:`BPStudioError` if the output layer does not fit it."""
    label = LOSSES[loss].label if loss in LOSSES else loss
    try:
        new_spec = spec.with_changes(loss=loss)
    except BPStudioError as exc:
        raise BPStudioError(f"Cannot use the cost “{label}”: {exc}.") from None
    return new_spec, params.copy()


def initialized_layer(
    spec: NetworkSpec, params: Params, layer: int, scheme: str, seed: int | np.random.Generator
) -> Edit:
    """Fresh W and b for ``layer`` (1..L); the other layers keep theirs."""
    if not 1 <= layer <= spec.n_layers:
        raise BPStudioError(f"layer {layer} has no weights to initialise")
    W, b = initialize_layer(spec, layer, scheme, seed)
    new = params.copy()
    new.W[layer - 1] = W
    new.b[layer - 1] = b
    return spec, new


def initialized_network(spec: NetworkSpec, scheme: str, seed: int) -> Edit:
    return spec, initialize(spec, scheme, seed)


def hidden_activation(spec: NetworkSpec, position: int) -> str:
    """The activation a new hidden layer at ``position`` gets: that of a hidden neighbour,
    else the output's (unless it is softmax or linear, which make poor hidden layers)."""
    hidden = spec.activations[:-1]
    if hidden:
        return hidden[min(position, len(hidden)) - 1]
    out = spec.activations[-1]
    return out if out not in ("softmax", "linear") else "sigmoid"


# -- the named edits ---------------------------------------------------------------------


class NetworkEditor(QObject):
    """The named structural edits, each through :func:`push_network_edit`.

    Signals
    -------
    message(str) : an edit was refused; the text says which and why.
    """

    message = Signal(str)

    def __init__(
        self, document: Document, controller: EditPauser | None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.controller = controller

    def apply(self, text: str, make: Callable[[NetworkSpec, Params], Edit]) -> bool:
        """Push the edit; a refusal becomes a :attr:`message`. True when something changed."""
        try:
            return push_network_edit(self.document, self.controller, text, make)
        except BPStudioError as exc:
            self.message.emit(f"{text}: {exc}")
            return False

    # -- neurons -------------------------------------------------------------------------------

    def add_neuron(self, layer: int) -> bool:
        rng = self.document.rng
        name = layer_name(self.document.spec, layer)
        return self.apply(
            f"Add a neuron to {name}", lambda s, p: edits.add_neuron(s, p, layer, rng)
        )

    def remove_neuron(self, layer: int, j: int | None = None) -> bool:
        """Remove neuron ``j`` of ``layer`` (the last one when ``j`` is None)."""
        spec = self.document.spec
        if not 0 <= layer <= spec.n_layers:
            return False
        index = spec.layer_sizes[layer] - 1 if j is None else j
        return self.apply(
            f"Remove neuron {index} from {layer_name(spec, layer)}",
            lambda s, p: edits.remove_neuron(s, p, layer, index),
        )

    # -- layers --------------------------------------------------------------------------------

    def insert_layer(self, position: int, size: int, activation: str) -> bool:
        rng = self.document.rng
        return self.apply(
            "Add hidden layer",
            lambda s, p: edits.insert_layer(s, p, position, size, activation, rng),
        )

    def remove_layer(self, layer: int) -> bool:
        rng = self.document.rng
        return self.apply(
            f"Remove layer {layer}", lambda s, p: edits.remove_layer(s, p, layer, rng)
        )

    def move_layer(self, layer: int, position: int) -> bool:
        if layer == position:
            return False
        rng = self.document.rng
        return self.apply(
            f"Move layer {layer} to position {position}",
            lambda s, p: edits.move_layer(s, p, layer, position, rng),
        )

    def set_loss(self, loss: str) -> bool:
        label = LOSSES[loss].label if loss in LOSSES else loss
        return self.apply(f"Set cost to {label}", lambda s, p: set_loss(s, p, loss))

    def set_activation(self, layer: int, activation: str) -> bool:
        return self.apply(
            f"Set {layer_name(self.document.spec, layer)} to {activation_short(activation)}",
            lambda s, p: edits.set_activation(s, p, layer, activation),
        )

    def initialise_layer(self, layer: int, scheme: str) -> bool:
        """Draw fresh weights and biases for ``layer`` (1..L) with ``scheme``."""
        if scheme not in INITIALIZERS:
            self.message.emit(f"unknown initialisation {scheme!r}")
            return False
        rng = self.document.rng
        return self.apply(
            f"Initialise layer {layer} ({scheme})",
            lambda spec, params: initialized_layer(spec, params, layer, scheme, rng),
        )
