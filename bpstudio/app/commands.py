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
        self,
        document: Document,
        params: Params,
        history: History,
        step: int,
        epoch: int,
        examples_seen: int = 0,
    ) -> None:
        steps = step - document.project.step
        super().__init__(f"Train {steps:,} step{'s' if steps != 1 else ''}")
        p = document.project
        self.document = document
        self.before = (p.params.copy(), p.history.copy(), p.step, p.epoch, p.examples_seen)
        self.after = (params.copy(), history.copy(), step, epoch, examples_seen)
        self.nbytes = sum(params_nbytes(s[0]) + s[1].nbytes for s in (self.before, self.after))

    def _apply(self, state: tuple[Params, History, int, int, int]) -> None:
        params, history, step, epoch, seen = state
        self.document._set_training_state(params.copy(), history.copy(), step, epoch, seen)

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
    """Bind other data; optionally reshape the network to fit it, in the same step.

    A reshaped network is another network: its training starts a fresh history at step 0
    (the old curves belonged to other data and would go on from their last step); undo
    brings the old history and counters back.
    """

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
        project = document.project
        # Kept only when the history is replaced (a reshape): it can be large.
        history = project.history.copy() if network else History()
        self.old_training = (history, project.step, project.epoch, project.examples_seen)
        self.nbytes = params_nbytes(self.old_network[1]) + (
            params_nbytes(self.new_network[1]) + history.nbytes if self.new_network else 0
        )

    def redo(self) -> None:
        if self.new_network is not None:
            spec, params = self.new_network
            self.document._set_network(spec, params.copy())
            self.document._set_training_state(params.copy(), History(), 0, 0)
        self.document._set_data_source(self.new_source)

    def undo(self) -> None:
        if self.new_network is not None:
            spec, params = self.old_network
            self.document._set_network(spec, params.copy())
            history, step, epoch, seen = self.old_training
            self.document._set_training_state(params.copy(), history.copy(), step, epoch, seen)
        self.document._set_data_source(self.old_source)
