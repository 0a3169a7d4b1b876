"""Network editing actions for the menus (Edit, Network) and the helpers behind them.

Every edit is computed by :mod:`bpstudio.core.engine.edits` on the document's current network and
pushed as one :class:`EditNetworkCommand`. Training pauses first (so a run's results land on
the undo stack before the edit) and resumes after. An edit the core refuses raises
:class:`BPStudioError`; the actions show its message and change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QWidget

from bpstudio.app.commands import EditNetworkCommand
from bpstudio.app.dialogs.initialize import InitializeDialog
from bpstudio.app.document import Document
from bpstudio.app.selection import Selection, SelectionModel
from bpstudio.core.engine import edits
from bpstudio.core.engine.activations import ACTIVATIONS
from bpstudio.core.engine.init import INITIALIZER_LABELS
from bpstudio.core.engine.losses import LOSSES
from bpstudio.core.engine.network import NetworkSpec, Params, initialize, initialize_layer
from bpstudio.core.errors import BPStudioError

Edit = tuple[NetworkSpec, Params]

#: Neurons in a hidden layer added from the menu.
NEW_LAYER_SIZE = 4


class EditPauser(Protocol):
    """What network edits need from the training controller."""

    def pause_for_edit(self) -> None: ...

    def finish_edit(self) -> None: ...


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
    spec: NetworkSpec, params: Params, layer: int, scheme: str, seed: int
) -> Edit:
    """Fresh W and b for ``layer`` (1..L); the other layers keep theirs."""
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


def push_network_edit(
    document: Document,
    controller: EditPauser | None,
    text: str,
    make: Callable[[NetworkSpec, Params], Edit],
) -> Edit:
    """Pause training, compute ``make(spec, params)`` on the document and push it as one step.

    Raises :class:`BPStudioError` from ``make`` with nothing changed. Returns the new network.
    """
    if controller is not None:
        controller.pause_for_edit()
    try:
        spec, params = make(document.spec, document.params)
        document.push(EditNetworkCommand(document, text, spec, params))
    finally:
        if controller is not None:
            controller.finish_edit()
    return spec, params


def ask_initialize(
    parent: QWidget | None,
    document: Document,
    controller: EditPauser | None,
    layer: int | None = None,
) -> bool:
    """Show the initialise dialog for one layer (or the whole network) and apply it.

    Returns True when the network was initialised.
    """
    dialog = InitializeDialog(parent, layer=layer, seed=document.hyperparameters.seed)
    if not dialog.exec():
        return False
    scheme, seed = dialog.scheme, dialog.seed
    label = INITIALIZER_LABELS[scheme].split(" (")[0]
    if layer is None:
        push_network_edit(
            document,
            controller,
            f"Initialise network ({label}, seed {seed})",
            lambda spec, _params: initialized_network(spec, scheme, seed),
        )
    else:
        push_network_edit(
            document,
            controller,
            f"Initialise layer {layer} ({label}, seed {seed})",
            lambda spec, params: initialized_layer(spec, params, layer, scheme, seed),
        )
    return True


# -- the actions -------------------------------------------------------------------------------


class NetworkActions(QObject):
    """QActions that edit the network's structure, activations, cost and initial weights.

    Parameters
    ----------
    document, selection : what to edit and where.
    controller : pauses training around each edit (``pause_for_edit``/``finish_edit``).
    parent_window : parent of dialogs and message boxes; its status bar (if any) shows
        what each edit did.

    Signals
    -------
    errorReported(str) : an edit was refused; the message says why (also shown to the user).
    """

    errorReported = Signal(str)

    def __init__(
        self,
        document: Document,
        selection: SelectionModel,
        controller: EditPauser | None,
        parent_window: QWidget | None = None,
    ) -> None:
        super().__init__(parent_window)
        self.document = document
        self.selection = selection
        self.controller = controller
        self.window = parent_window

        self.act_delete = self._action("&Delete Neuron", self._on_remove_neuron_triggered)
        self.act_delete.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.act_delete.setStatusTip("Remove the selected neuron with its weights")
        self.act_initialize = self._action(
            "&Initialise Network…", self._on_initialize_triggered, "Draw fresh weights and biases"
        )
        self.act_add_layer = self._action(
            "Add &Hidden Layer",
            self._on_add_layer_triggered,
            "Insert a hidden layer after the selected layer (or before the output)",
        )
        self.act_remove_layer = self._action(
            "Remove &Layer", self._on_remove_layer_triggered, "Remove the selected hidden layer"
        )
        self.act_add_neuron = self._action(
            "Add &Neuron", self._on_add_neuron_triggered, "Add a neuron to the selected layer"
        )
        self.act_remove_neuron = self._action(
            "&Remove Neuron", self._on_remove_neuron_triggered, "Remove the selected neuron"
        )

        self.activation_menu, self.activation_group, self.activation_actions = self._choice_menu(
            "Set &Activation",
            {name: act.label for name, act in ACTIVATIONS.items()},
            self._on_activation_triggered,
        )
        self.cost_menu, self.cost_group, self.cost_actions = self._choice_menu(
            "&Cost Function",
            {name: loss.label for name, loss in LOSSES.items()},
            self._on_cost_triggered,
        )

        selection.selectionChanged.connect(self._on_selection_changed)
        document.networkChanged.connect(self._update_state)
        document.projectReplaced.connect(self._update_state)
        self._update_state()

    # -- menus ---------------------------------------------------------------------------------

    def add_edit_actions(self, menu: QMenu) -> None:
        menu.addAction(self.act_delete)
        menu.addSeparator()
        menu.addAction(self.act_initialize)

    def add_network_actions(self, menu: QMenu) -> None:
        menu.addActions([self.act_add_layer, self.act_remove_layer])
        menu.addSeparator()
        menu.addActions([self.act_add_neuron, self.act_remove_neuron])
        menu.addSeparator()
        menu.addMenu(self.activation_menu)
        menu.addMenu(self.cost_menu)
        menu.addSeparator()
        menu.addAction(self.act_initialize)

    # -- state ---------------------------------------------------------------------------------

    def _action(self, text: str, slot: Callable[[], None], tip: str = "") -> QAction:
        action = QAction(text, self)
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def _selected(self) -> Selection | None:
        current = self.selection.selection
        if current is not None and current.fits(self.document.spec):
            return current
        return None

    def _choice_menu(
        self, title: str, labels: dict[str, str], slot: Callable[[QAction], None]
    ) -> tuple[QMenu, QActionGroup, dict[str, QAction]]:
        """A menu of exclusive, checkable choices whose actions carry their registry name."""
        menu = QMenu(title, self.window)
        group = QActionGroup(self)
        actions: dict[str, QAction] = {}
        for name, label in labels.items():
            action = menu.addAction(label)
            action.setCheckable(True)
            action.setData(name)
            group.addAction(action)
            actions[name] = action
        group.triggered.connect(slot)
        return menu, group, actions

    def _on_selection_changed(self, _selection: object) -> None:
        self._update_state()

    def _update_state(self) -> None:
        spec = self.document.spec
        current = self._selected()
        layer = current.layer if current is not None else -1  # -1: nothing selected
        removable = current is not None and not current.is_weight and spec.layer_sizes[layer] > 1
        self.act_delete.setEnabled(removable)
        self.act_remove_neuron.setEnabled(removable)
        self.act_add_neuron.setEnabled(current is not None)
        self.act_remove_layer.setEnabled(1 <= layer < spec.n_layers)
        where = f" {layer}" if current is not None else ""
        self.act_add_neuron.setText(f"Add &Neuron to Layer{where}")
        self.act_remove_layer.setText(f"Remove &Layer{where}")

        has_layer = layer >= 1
        self.activation_menu.setEnabled(has_layer)
        self.activation_menu.setTitle(f"Set &Activation of Layer{where if has_layer else ''}")
        current_activation = spec.activations[layer - 1] if has_layer else None
        hidden = has_layer and layer < spec.n_layers
        for name, action in self.activation_actions.items():
            action.setChecked(name == current_activation)
            action.setEnabled(not (hidden and name == "softmax"))
        for name, action in self.cost_actions.items():
            action.setChecked(spec.loss == name)

    # -- reporting -----------------------------------------------------------------------------

    def _report_error(self, title: str, exc: BPStudioError) -> None:
        message = str(exc)
        self.errorReported.emit(message)
        QMessageBox.warning(self.window, title, message)

    def _report_done(self, text: str) -> None:
        if isinstance(self.window, QMainWindow):
            self.window.statusBar().showMessage(text, 4000)

    def _apply(self, title: str, text: str, make: Callable[[NetworkSpec, Params], Edit]) -> bool:
        try:
            push_network_edit(self.document, self.controller, text, make)
        except BPStudioError as exc:
            self._report_error(title, exc)
            self._update_state()  # put the checked marks back
            return False
        self._report_done(text)
        self._update_state()
        return True

    # -- handlers ------------------------------------------------------------------------------

    def _on_remove_neuron_triggered(self) -> None:
        current = self._selected()
        if current is None or current.is_weight:
            return
        layer, j = current.layer, current.j
        if self._apply(
            "Remove neuron",
            f"Remove neuron {j} of layer {layer}",
            lambda spec, params: edits.remove_neuron(spec, params, layer, j),
        ):
            remaining = self.document.spec.layer_sizes[layer]
            self.selection.select(Selection.neuron(layer, min(j, remaining - 1)))

    def _on_add_neuron_triggered(self) -> None:
        current = self._selected()
        if current is None:
            return
        layer = current.layer
        rng = self.document.rng
        if self._apply(
            "Add neuron",
            f"Add a neuron to layer {layer}",
            lambda spec, params: edits.add_neuron(spec, params, layer, rng),
        ):
            self.selection.select(
                Selection.neuron(layer, self.document.spec.layer_sizes[layer] - 1)
            )

    def _on_add_layer_triggered(self) -> None:
        spec = self.document.spec
        current = self._selected()
        # After the selected layer; the output has nothing after it, so before the output.
        position = spec.n_layers if current is None else min(current.layer + 1, spec.n_layers)
        activation = hidden_activation(spec, position)
        rng = self.document.rng
        if self._apply(
            "Add hidden layer",
            f"Add hidden layer {position} ({NEW_LAYER_SIZE} neurons, {activation})",
            lambda s, p: edits.insert_layer(s, p, position, NEW_LAYER_SIZE, activation, rng),
        ):
            self.selection.select(Selection.neuron(position, 0))

    def _on_remove_layer_triggered(self) -> None:
        current = self._selected()
        if current is None:
            return
        layer = current.layer
        rng = self.document.rng
        if self._apply(
            "Remove layer",
            f"Remove hidden layer {layer}",
            lambda spec, params: edits.remove_layer(spec, params, layer, rng),
        ):
            self.selection.select(None)
            self.selection.select_layer(min(layer, self.document.spec.n_layers))

    def _on_activation_triggered(self, action: QAction) -> None:
        current = self._selected()
        if current is None or current.layer < 1:
            return
        layer, name = current.layer, str(action.data())
        if self.document.spec.activations[layer - 1] == name:
            return
        self._apply(
            "Set activation",
            f"Set activation of layer {layer} to {ACTIVATIONS[name].label}",
            lambda spec, params: edits.set_activation(spec, params, layer, name),
        )

    def _on_cost_triggered(self, action: QAction) -> None:
        name = str(action.data())
        if self.document.spec.loss == name:
            return
        self._apply(
            "Cost function",
            f"Set cost to {LOSSES[name].label}",
            lambda spec, params: set_loss(spec, params, name),
        )

    def _on_initialize_triggered(self) -> None:
        try:
            done = ask_initialize(self.window, self.document, self.controller)
        except BPStudioError as exc:
            self._report_error("Initialise network", exc)
            return
        if done:
            self._report_done(self.document.undo_stack.undoText())
