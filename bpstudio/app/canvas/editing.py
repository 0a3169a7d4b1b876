"""The canvas's structural edits, each one undoable command on the document's stack.

Every edit pauses a running training first (``controller.pause_for_edit()``), so the run's
results land on the undo stack before the edit, and resumes it afterwards. Problems a
person has to fix (removing the last neuron, softmax in a hidden layer) come back as a
``message`` instead of an exception.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, Signal

from bpstudio.app.commands import EditNetworkCommand
from bpstudio.app.document import Document
from bpstudio.core.engine import edits
from bpstudio.core.engine.init import INITIALIZERS
from bpstudio.core.engine.network import NetworkSpec, Params, initialize_layer
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


class EditController(Protocol):
    """What the canvas needs of :class:`~bpstudio.app.training.TrainingController`."""

    def pause_for_edit(self) -> None: ...

    def finish_edit(self) -> None: ...


def layer_name(spec: NetworkSpec, layer: int) -> str:
    if layer == 0:
        return "the input layer"
    if layer == spec.n_layers:
        return "the output layer"
    return f"layer {layer}"


class NetworkEditor(QObject):
    """Turns canvas gestures into :class:`EditNetworkCommand` pushes."""

    message = Signal(str)

    def __init__(
        self, document: Document, controller: EditController, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.controller = controller

    def apply(self, text: str, make: Callable[[NetworkSpec, Params], Edit]) -> bool:
        """Pause training, build the edit from the document's current network, push it."""
        self.controller.pause_for_edit()
        try:
            doc = self.document
            try:
                spec, params = make(doc.spec, doc.params)
            except BPStudioError as exc:
                self.message.emit(f"{text}: {exc}")
                return False
            if spec == doc.spec and params.allclose(doc.params):
                return False
            doc.push(EditNetworkCommand(doc, text, spec, params))
            return True
        finally:
            self.controller.finish_edit()

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

        def make(spec: NetworkSpec, params: Params) -> Edit:
            if not 1 <= layer <= spec.n_layers:
                raise BPStudioError(f"layer {layer} has no weights to initialise")
            new = params.copy()
            new.W[layer - 1], new.b[layer - 1] = initialize_layer(spec, layer, scheme, rng)
            return spec, new

        return self.apply(f"Initialise layer {layer} ({scheme})", make)
