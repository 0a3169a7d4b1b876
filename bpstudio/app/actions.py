"""Network editing actions for the menus (Edit, Network).

Every edit goes through :func:`bpstudio.app.editing.push_network_edit` (training pauses
around it; it is one undo step). An edit the core refuses raises :class:`BPStudioError`;
the actions show its message and change nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QWidget

from bpstudio.app.dialogs.initialize import InitializeDialog
from bpstudio.app.document import Document
from bpstudio.app.editing import (
    EditPauser,
    NetworkEditor,
    hidden_activation,
    initialized_layer,
    initialized_network,
    push_network_edit,
)
from bpstudio.app.selection import Selection, SelectionModel
from bpstudio.core.engine.activations import ACTIVATIONS
from bpstudio.core.engine.init import INITIALIZER_LABELS
from bpstudio.core.engine.losses import LOSSES
from bpstudio.core.errors import BPStudioError

#: Neurons in a hidden layer added from the menu.
NEW_LAYER_SIZE = 4


#: Asks which initialiser to use: ``(parent, layer or None for the network, proposed seed)``
#: -> ``(scheme, seed)``, or None to cancel.
ChooseInitializer = Callable[[QWidget | None, int | None, int], tuple[str, int] | None]


def choose_initializer(
    parent: QWidget | None, layer: int | None, seed: int
) -> tuple[str, int] | None:
    """The initialise dialog (the default :data:`ChooseInitializer`)."""
    dialog = InitializeDialog(parent, layer=layer, seed=seed)
    if not dialog.exec():
        return None
    return dialog.scheme, dialog.seed


def ask_initialize(
    parent: QWidget | None,
    document: Document,
    controller: EditPauser | None,
    layer: int | None = None,
    choose: ChooseInitializer = choose_initializer,
) -> bool:
    """Ask for an initialiser for one layer (or the whole network) and apply it.

    Returns True when the network changed.
    """
    chosen = choose(parent, layer, document.hyperparameters.seed)
    if chosen is None:
        return False
    scheme, seed = chosen
    label = INITIALIZER_LABELS[scheme].split(" (")[0]
    if layer is None:
        return push_network_edit(
            document,
            controller,
            f"Initialise network ({label}, seed {seed})",
            lambda spec, _params: initialized_network(spec, scheme, seed),
        )
    return push_network_edit(
        document,
        controller,
        f"Initialise layer {layer} ({label}, seed {seed})",
        lambda spec, params: initialized_layer(spec, params, layer, scheme, seed),
    )


# -- the actions -------------------------------------------------------------------------------


class NetworkActions(QObject):
    """QActions that edit the network's structure, activations, cost and initial weights.

    Parameters
    ----------
    document, selection : what to edit and where.
    controller : pauses training around each edit (``pause_for_edit``/``finish_edit``).
    editor : the :class:`NetworkEditor` the actions edit with (the canvas has its own).
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
        #: Asks for the initialiser of Initialise Network… (tests give an answer).
        self.choose_initializer: ChooseInitializer = choose_initializer
        #: Shows a refused edit's reason (title, message); a warning box unless replaced.
        self.warn: Callable[[str, str], None] = self._warning_box
        self.editor = NetworkEditor(document, controller, self)
        self.editor.message.connect(self._on_edit_refused)

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

    def _report_error(self, title: str, message: str) -> None:
        self.errorReported.emit(message)
        self.warn(title, message)

    def _warning_box(self, title: str, message: str) -> None:
        QMessageBox.warning(self.window, title, message)

    def _on_edit_refused(self, message: str) -> None:
        self._report_error("Cannot edit the network", message)
        self._update_state()  # put the checked marks back

    def _done(self, changed: bool) -> bool:
        """After an edit: say what it did (the undo text) and refresh the menus."""
        if changed and isinstance(self.window, QMainWindow):
            self.window.statusBar().showMessage(self.document.undo_stack.undoText(), 4000)
        self._update_state()
        return changed

    # -- handlers ------------------------------------------------------------------------------

    def _on_remove_neuron_triggered(self) -> None:
        current = self._selected()
        if current is None or current.is_weight:
            return
        layer, j = current.layer, current.j
        if self._done(self.editor.remove_neuron(layer, j)):
            remaining = self.document.spec.layer_sizes[layer]
            self.selection.select(Selection.neuron(layer, min(j, remaining - 1)))

    def _on_add_neuron_triggered(self) -> None:
        current = self._selected()
        if current is None:
            return
        layer = current.layer
        if self._done(self.editor.add_neuron(layer)):
            self.selection.select(
                Selection.neuron(layer, self.document.spec.layer_sizes[layer] - 1)
            )

    def _on_add_layer_triggered(self) -> None:
        spec = self.document.spec
        current = self._selected()
        # After the selected layer; the output has nothing after it, so before the output.
        position = spec.n_layers if current is None else min(current.layer + 1, spec.n_layers)
        activation = hidden_activation(spec, position)
        if self._done(self.editor.insert_layer(position, NEW_LAYER_SIZE, activation)):
            self.selection.select(Selection.neuron(position, 0))

    def _on_remove_layer_triggered(self) -> None:
        current = self._selected()
        if current is None:
            return
        layer = current.layer
        if self._done(self.editor.remove_layer(layer)):
            self.selection.select(None)
            self.selection.select_layer(min(layer, self.document.spec.n_layers))

    def _on_activation_triggered(self, action: QAction) -> None:
        current = self._selected()
        if current is None or current.layer < 1:
            return
        self._done(self.editor.set_activation(current.layer, str(action.data())))

    def _on_cost_triggered(self, action: QAction) -> None:
        self._done(self.editor.set_loss(str(action.data())))

    def _on_initialize_triggered(self) -> None:
        try:
            changed = ask_initialize(
                self.window, self.document, self.controller, choose=self.choose_initializer
            )
        except BPStudioError as exc:
            self._report_error("Initialise network", str(exc))
            return
        self._done(changed)
