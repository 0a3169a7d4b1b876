"""Putting the note's example in the window, and the user's project back, as undo steps.

The walkthrough keeps a copy of the user's project aside when it starts; each screen that
needs one of the note's templates swaps it in with :class:`SwapProjectCommand`, and leaving
swaps the copy back: the network, parameters, data, training settings, history and
counters exactly as they were. Every swap is one step on the undo stack.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from bpstudio.app.document import Document
from bpstudio.core.files.project import Project


class SwapProjectCommand(QUndoCommand):
    """Replace the document's project (all but its file name and view) by ``project``."""

    def __init__(self, document: Document, project: Project, text: str) -> None:
        super().__init__(text)
        self.document = document
        self.before = document.project.copy()
        self.after = project.copy()

    def _apply(self, project: Project) -> None:
        doc = self.document
        # The data first: a network that fits it then arrives in one piece.
        doc._set_data_source(project.data)
        doc._set_hyperparameters(project.hyperparameters)
        doc._set_network(project.spec, project.params.copy())
        doc._set_training_state(
            project.params.copy(),
            project.history.copy(),
            project.step,
            project.epoch,
            project.examples_seen,
        )

    def redo(self) -> None:
        self._apply(self.after)

    def undo(self) -> None:
        self._apply(self.before)
