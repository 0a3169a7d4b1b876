"""The document: a core :class:`Project` plus its undo stack and file path.

Views read the document and turn gestures into undo commands (:mod:`bpstudio.app.commands`);
they never change the project directly. The document says what changed through signals.
"""

from __future__ import annotations

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

    def __init__(self, project: Project | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._project = project or Project.note_example()
        self.undo_stack = QUndoStack(self)
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
        """Run ``command`` and put it on the undo stack."""
        self.undo_stack.push(command)

    # The setters below are for commands only (their redo/undo); views push commands.

    def _set_network(self, spec: NetworkSpec, params: Params) -> None:
        params.check(spec)
        structure_changed = spec != self._project.spec
        self._project.spec = spec
        self._project.params = params
        if structure_changed:
            self.networkChanged.emit()
        else:
            self.parametersChanged.emit()

    def _set_parameter(self, ref: ParamRef, value: float) -> None:
        ref.set(self._project.params, value)
        self.parameterChanged.emit(ref)

    def _set_training_state(self, params: Params, history: History, step: int, epoch: int) -> None:
        self._project.params = params
        self._project.history = history
        self._project.step = step
        self._project.epoch = epoch
        self.parametersChanged.emit()
        self.historyChanged.emit()

    def _set_hyperparameters(self, hp: Hyperparameters) -> None:
        self._project.hyperparameters = hp
        self.hyperparametersChanged.emit()

    def _set_data_source(self, source: DataSource) -> None:
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

    def save(self, path: Path) -> None:
        """Write the project atomically; raises BPStudioError/OSError and changes nothing then."""
        self._project.save(path)
        self._path = path
        self.undo_stack.setClean()
        self.pathChanged.emit()

    @staticmethod
    def load(path: Path) -> Project:
        return Project.load(path)
