"""One QUndoCommand per kind of edit (Qt's undoframework example).

``QUndoStack.push`` runs ``redo()``. Each command keeps what it needs to go both ways;
network edits keep the (spec, params) pairs before and after, which the core's edit
functions return without touching the originals.

Each command says in ``nbytes`` how many bytes of arrays it keeps (parameter and history
snapshots), so the document can hold its undo stack to a memory budget.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from bpstudio.app import notation
from bpstudio.app.document import Document
from bpstudio.app.notation import Notation
from bpstudio.core.data.source import DataSource
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.training.history import History
from bpstudio.core.training.hyperparams import Hyperparameters

# Command ids for mergeWith (Qt: commands with the same id() may merge).
ID_SET_PARAMETER = 1
ID_SET_HYPERPARAMETERS = 2


def params_nbytes(params: Params) -> int:
    return sum(int(a.nbytes) for a in params.arrays())


class SetParameterCommand(QUndoCommand):
    """Set one weight or bias. Edits of the same entry within one drag merge into one step."""

    def __init__(
        self, document: Document, ref: ParamRef, value: float, drag_id: int | None = None
    ) -> None:
        super().__init__()
        self.document = document
        self.ref = ref
        self.old = document.parameter(ref)
        self.new = float(value)
        self.drag_id = drag_id
        self.nbytes = 0
        self._set_text()

    def _set_text(self) -> None:
        """``Set w₀₀⁽¹⁾ to 0.5``, as people write it."""
        symbol = Notation.for_spec(self.document.spec).param(self.ref, plain=True)
        self.setText(f"Set {symbol} to {notation.format_value(self.new, 4)}")

    def id(self) -> int:
        return ID_SET_PARAMETER

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetParameterCommand):
            return False
        if other.ref != self.ref or self.drag_id is None or other.drag_id != self.drag_id:
            return False
        self.new = other.new
        self._set_text()
        return True

    def redo(self) -> None:
        self.document._set_parameter(self.ref, self.new)

    def undo(self) -> None:
        self.document._set_parameter(self.ref, self.old)


class EditNetworkCommand(QUndoCommand):
    """Replace the network's spec and parameters (structure, activation, initialisation,
    a pasted matrix...)."""

    def __init__(self, document: Document, text: str, spec: NetworkSpec, params: Params) -> None:
        super().__init__(text)
        self.document = document
        self.before = (document.spec, document.params.copy())
        self.after = (spec, params.copy())
        self.nbytes = params_nbytes(self.before[1]) + params_nbytes(self.after[1])

    def redo(self) -> None:
        self.document._set_network(self.after[0], self.after[1].copy())

    def undo(self) -> None:
        self.document._set_network(self.before[0], self.before[1].copy())


class TrainCommand(QUndoCommand):
    """Training results coming back from the worker: parameters, history and counters.

    Undo rewinds training like any other edit.
    """

    def __init__(
        self, document: Document, params: Params, history: History, step: int, epoch: int
    ) -> None:
        steps = step - document.project.step
        super().__init__(f"Train {steps:,} step{'s' if steps != 1 else ''}")
        project = document.project
        self.document = document
        self.before = (project.params.copy(), project.history.copy(), project.step, project.epoch)
        self.after = (params.copy(), history.copy(), step, epoch)
        self.nbytes = sum(params_nbytes(s[0]) + s[1].nbytes for s in (self.before, self.after))

    def _apply(self, state: tuple[Params, History, int, int]) -> None:
        params, history, step, epoch = state
        self.document._set_training_state(params.copy(), history.copy(), step, epoch)

    def redo(self) -> None:
        self._apply(self.after)

    def undo(self) -> None:
        self._apply(self.before)


class SetHyperparametersCommand(QUndoCommand):
    """Change training settings; consecutive changes of the same setting merge."""

    def __init__(self, document: Document, hp: Hyperparameters, field: str = "") -> None:
        super().__init__(f"Change {field.replace('_', ' ') or 'training settings'}")
        self.document = document
        self.old = document.hyperparameters
        self.new = hp
        self.field = field
        self.nbytes = 0

    def id(self) -> int:
        return ID_SET_HYPERPARAMETERS

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetHyperparametersCommand) or not self.field:
            return False
        if other.field != self.field:
            return False
        self.new = other.new
        return True

    def redo(self) -> None:
        self.document._set_hyperparameters(self.new)

    def undo(self) -> None:
        self.document._set_hyperparameters(self.old)


class SetDataSourceCommand(QUndoCommand):
    """Bind other data; optionally reshape the network to fit it, in the same step."""

    def __init__(
        self,
        document: Document,
        source: DataSource,
        network: tuple[NetworkSpec, Params] | None = None,
    ) -> None:
        super().__init__(f"Use data: {source.describe()}")
        self.document = document
        self.old_source = document.data_source
        self.new_source = source
        self.old_network = (document.spec, document.params.copy())
        self.new_network = (network[0], network[1].copy()) if network else None
        self.nbytes = params_nbytes(self.old_network[1]) + (
            params_nbytes(self.new_network[1]) if self.new_network else 0
        )

    def redo(self) -> None:
        if self.new_network is not None:
            self.document._set_network(self.new_network[0], self.new_network[1].copy())
        self.document._set_data_source(self.new_source)

    def undo(self) -> None:
        if self.new_network is not None:
            self.document._set_network(self.old_network[0], self.old_network[1].copy())
        self.document._set_data_source(self.old_source)
