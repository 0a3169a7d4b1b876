"""The document: a core :class:`Project` plus its undo stack and file path.

Views read the document and turn gestures into undo commands (:mod:`bpstudio.app.commands`);
they never change the project directly. The document says what changed through signals.

The undo stack has a memory budget (GIMP's "maximal undo memory"): commands keep parameter
and history snapshots (their ``nbytes``), and when the stack holds more than
``undo_budget`` bytes the oldest steps are dropped, the newest undo step always kept.
QUndoStack can only drop old commands through an undo limit fixed while it is empty, so
dropping rebuilds the stack from the kept commands with the document's setters muted.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from bpstudio.core.data.source import DataSource
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.files.project import Project
from bpstudio.core.training.history import History
from bpstudio.core.training.hyperparams import Hyperparameters

UNDO_BUDGET = 256 * 2**20  # bytes of snapshots the undo stack may hold
UNDO_LIMIT = 1000  # steps, however small
COMMAND_OVERHEAD = 4096  # bytes a command costs beyond its arrays (Python objects)


class Document(QObject):
    """A project being edited.

    Signals
    -------
    networkChanged : the spec (structure, activations, cost) and with it the parameters
        changed; views rebuild.
    parametersChanged : parameter values changed (shapes did not).
    parameterChanged(ParamRef) : one weight or bias changed.
    hyperparametersChanged, dataSourceChanged, historyChanged : as named.
    projectReplaced : a whole new project (New, Open); everything changed.
    pathChanged : the file name changed (Save As, Open).
    """

    networkChanged = Signal()
    parametersChanged = Signal()
    parameterChanged = Signal(object)  # ParamRef
    hyperparametersChanged = Signal()
    dataSourceChanged = Signal()
    historyChanged = Signal()
    projectReplaced = Signal()
    pathChanged = Signal()

    def __init__(
        self,
        project: Project | None = None,
        parent: QObject | None = None,
        undo_budget: int = UNDO_BUDGET,
    ) -> None:
        super().__init__(parent)
        self._project = project or Project.note_example()
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(UNDO_LIMIT)
        self.undo_budget = int(undo_budget)
        self._replaying = False  # rebuilding the undo stack: the setters do nothing
        self._undo_costs: list[int] = []  # what each command on the stack costs the budget
        self._path: Path | None = None
        #: Seeds structural edits (new neurons' weights) reproducibly within a session.
        self.rng = np.random.default_rng(0)

    # -- reading -------------------------------------------------------------------------------

    @property
    def project(self) -> Project:
        return self._project

    @property
    def spec(self) -> NetworkSpec:
        return self._project.spec

    @property
    def params(self) -> Params:
        return self._project.params

    @property
    def hyperparameters(self) -> Hyperparameters:
        return self._project.hyperparameters

    @property
    def data_source(self) -> DataSource:
        return self._project.data

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def title(self) -> str:
        return self._path.stem if self._path else "Untitled"

    def is_modified(self) -> bool:
        return not self.undo_stack.isClean()

    def parameter(self, ref: ParamRef) -> float:
        return ref.get(self.params)

    # -- editing -----------------------------------------------------------------------------

    def push(self, command: QUndoCommand) -> None:
        """Run ``command`` and put it on the undo stack.

        The command runs here, in Python, before the stack hears of it: one that raises is
        rolled back and never reaches the stack, and the error goes on to the caller (an
        error inside a Qt virtual call would surface later, somewhere else). The stack's
        own ``redo()`` in ``push`` then runs muted.
        """
        try:
            command.redo()
        except BaseException:
            with contextlib.suppress(Exception):
                command.undo()  # the setters check first: this restores what one set
            raise
        stack = self.undo_stack
        costs = self._undo_costs[: stack.index()]  # push deletes what could be redone
        self._replaying = True
        try:
            stack.push(command)
        finally:
            self._replaying = False
        count = stack.count()
        if count and stack.command(count - 1) is command:  # not merged into the last one
            costs.append(_cost(command))
            del costs[: len(costs) - count]  # the undo limit dropped the oldest
        if len(costs) != count:
            costs = [_cost(stack.command(i)) for i in range(count)]
        self._undo_costs = costs
        self._keep_undo_budget()

    def undo_nbytes(self) -> int:
        """What the undo stack holds, as the budget counts it."""
        stack = self.undo_stack
        return sum(_cost(stack.command(i)) for i in range(stack.count()))

    def _keep_undo_budget(self) -> None:
        costs = self._undo_costs  # just pushed to: nothing to redo
        total = sum(costs)
        if total <= self.undo_budget:
            return
        # Down to three quarters, so that the next few pushes do not rebuild again.
        target = self.undo_budget * 3 // 4
        first = 0
        while total > target and first < len(costs) - 1:  # the newest step stays
            total -= costs[first]
            first += 1
        self._rebuild_undo_stack(first)
        self._undo_costs = costs[first:]

    def _rebuild_undo_stack(self, first: int) -> None:
        """Drop the oldest ``first`` commands, keeping the others, the index and the clean
        state (if it was not among those dropped)."""
        stack = self.undo_stack
        index, clean, end = stack.index(), stack.cleanIndex(), stack.count()
        kept = [stack.command(i) for i in range(first, end)]
        recipes = [(type(c), dict(c.__dict__), c.text()) for c in kept]
        del kept
        self._replaying = True
        stack.blockSignals(True)
        try:
            stack.clear()
            for cls, state, text in recipes:
                clone = cls.__new__(cls)
                QUndoCommand.__init__(clone, text)
                clone.__dict__.update(state)
                stack.setClean()  # Qt merges no command into the one at the clean index
                stack.push(clone)  # redo() runs, muted
            if first <= clean <= end:
                stack.setIndex(clean - first)
                stack.setClean()
            else:
                stack.resetClean()
            stack.setIndex(index - first)
        finally:
            stack.blockSignals(False)
            self._replaying = False
        # What views of the stack listen to (QUndoView, the Undo and Redo actions).
        stack.indexChanged.emit(stack.index())
        stack.cleanChanged.emit(stack.isClean())
        stack.canUndoChanged.emit(stack.canUndo())
        stack.canRedoChanged.emit(stack.canRedo())
        stack.undoTextChanged.emit(stack.undoText())
        stack.redoTextChanged.emit(stack.redoText())

    # The setters below are for commands only (their redo/undo); views push commands.

    def _set_network(self, spec: NetworkSpec, params: Params) -> None:
        if self._replaying:
            return
        params.check(spec)
        structure_changed = spec != self._project.spec
        self._project.spec = spec
        self._project.params = params
        self._project.gradient = None  # of other parameters
        if structure_changed:
            self.networkChanged.emit()
        else:
            self.parametersChanged.emit()

    def _set_parameter(self, ref: ParamRef, value: float) -> None:
        if self._replaying:
            return
        ref.set(self._project.params, value)
        self._project.gradient = None  # of other parameters
        self.parameterChanged.emit(ref)

    def _set_training_state(
        self, params: Params, history: History, step: int, epoch: int, examples_seen: int = 0
    ) -> None:
        if self._replaying:
            return
        self._project.params = params
        self._project.history = history
        self._project.step = step
        self._project.epoch = epoch
        self._project.examples_seen = examples_seen
        self._project.gradient = None  # the controller keeps the new state's, once it has it
        self.parametersChanged.emit()
        self.historyChanged.emit()

    def _set_hyperparameters(self, hp: Hyperparameters) -> None:
        if self._replaying:
            return
        self._project.hyperparameters = hp
        self.hyperparametersChanged.emit()

    def _set_data_source(self, source: DataSource) -> None:
        if self._replaying:
            return
        self._project.data = source
        self.dataSourceChanged.emit()

    # -- whole projects ----------------------------------------------------------------------

    def replace_project(self, project: Project, path: Path | None = None) -> None:
        """New or Open: a fresh history, nothing to undo, not modified."""
        self._project = project
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self._path = path
        self.projectReplaced.emit()
        self.pathChanged.emit()

    def restore(self, project: Project, path: Path | None) -> None:
        """Recovered work (after a crash): like Open, but modified, since it was never saved
        (Save writes it to ``path``, the file it came from)."""
        self.replace_project(project, path)
        self.undo_stack.resetClean()

    def save(self, path: Path) -> None:
        """Write the project atomically; raises BPStudioError/OSError and changes nothing then."""
        self._project.save(path)
        self._path = path
        self.undo_stack.setClean()
        self.pathChanged.emit()

    @staticmethod
    def load(path: Path) -> Project:
        return Project.load(path)


def _cost(command: QUndoCommand) -> int:
    return int(getattr(command, "nbytes", 0)) + COMMAND_OVERHEAD
