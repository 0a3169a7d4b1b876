"""The walkthrough panel: one screen at a time, Back and Next (or the arrow keys), its
"try it" buttons, and leaving and resuming where one left off.

While it runs, the panel keeps the user's project aside and shows the note's templates
(:mod:`bpstudio.app.walkthrough.projects`); it highlights each screen's quantities on the
canvas (:meth:`NetworkScene.set_highlight`) and selects the one it is about, so the
inspector and the chain-rule panel show it too. Its numbers are recomputed from the
document whenever the document changes.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from bpstudio.app.canvas.scene import NetworkScene
from bpstudio.app.canvas.view import NetworkView
from bpstudio.app.commands import EditNetworkCommand, SetParameterCommand
from bpstudio.app.document import Document
from bpstudio.app.notation import Notation
from bpstudio.app.selection import Selection, SelectionModel
from bpstudio.app.theme import css, theme
from bpstudio.app.training import TrainingController
from bpstudio.app.walkthrough.live import LiveNetwork
from bpstudio.app.walkthrough.projects import SwapProjectCommand
from bpstudio.app.walkthrough.screens import SCREENS, Page, Try
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.network import Params
from bpstudio.core.files.project import Project
from bpstudio.core.files.templates import TEMPLATES, make_project

#: QSettings keys: the screen to resume at, and whether the first-launch offer was made.
SCREEN_KEY = "walkthrough/screen"
OFFERED_KEY = "walkthrough/offered"


class WalkthroughPanel(QWidget):
    """Signals: ``finished`` when the user leaves (the project is back by then)."""

    finished = Signal()

    def __init__(
        self,
        document: Document,
        selection: SelectionModel,
        controller: TrainingController,
        scene: NetworkScene,
        settings: QSettings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("walkthrough")
        self.document = document
        self.selection = selection
        self.controller = controller
        self.scene = scene
        self.settings = settings
        self.index = self._saved_index()
        self.page: Page | None = None
        self.active = False
        self._aside: Project | None = None
        self._template: str | None = None
        self._example = 0
        self._path = 0
        self._swapping = False

        self.progress = QLabel()
        self.progress.setObjectName("walkthrough_progress")
        self.title = QLabel()
        self.title.setObjectName("walkthrough_title")
        self.title.setWordWrap(True)
        self.body = QLabel()
        self.body.setObjectName("walkthrough_body")
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.body)
        self.tries = QHBoxLayout()
        self.back_button = QPushButton("◀ Back")
        self.next_button = QPushButton("Next ▶")
        self.start_button = QPushButton()
        self.leave_button = QPushButton("Leave")
        self.leave_button.setToolTip("Return to your project; Help > Walk Through resumes here")
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        self.start_button.clicked.connect(self.start)
        self.leave_button.clicked.connect(self.leave)
        nav = QHBoxLayout()
        nav.addWidget(self.back_button)
        nav.addWidget(self.next_button)
        nav.addStretch(1)
        nav.addWidget(self.start_button)
        nav.addWidget(self.leave_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.progress)
        layout.addWidget(self.title)
        layout.addWidget(scroll, 1)
        layout.addLayout(self.tries)
        layout.addLayout(nav)
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for key, slot in ((Qt.Key.Key_Right, self.next), (Qt.Key.Key_Left, self.back)):
            QShortcut(QKeySequence(key), self, slot, context=context)

        for signal in (
            document.parametersChanged,
            document.networkChanged,
            document.dataSourceChanged,
            document.hyperparametersChanged,
        ):
            signal.connect(self._on_document_changed)
        document.parameterChanged.connect(self._on_document_changed)
        document.projectReplaced.connect(self._on_project_replaced)
        self._show_offer()

    # -- the public API ------------------------------------------------------------------------

    @property
    def count(self) -> int:
        return len(SCREENS)

    def start(self, index: int | None = None) -> None:
        """Begin (or resume at the saved screen, or at ``index``)."""
        if not self.active:
            self.active = True
            self._aside = self.document.project.copy()
            self._was_clean = self.document.undo_stack.isClean()
            self._template = None
        self.go(self._saved_index() if index is None else index)

    def go(self, index: int) -> None:
        """Show screen ``index`` (0-based)."""
        if not self.active:
            self.start(index)
            return
        self.index = min(max(index, 0), self.count - 1)
        self.settings.setValue(SCREEN_KEY, self.index)
        self._use_template(SCREENS[self.index].template)
        self.refresh()
        focus = self.page.focus if self.page is not None else None
        if isinstance(focus, ParamRef):
            self.selection.select(
                Selection.weight(focus.layer, focus.j, focus.k or 0)
                if focus.is_weight
                else Selection.neuron(focus.layer, focus.j)
            )
        elif focus is not None:
            self.selection.select(Selection.neuron(*focus))

    def next(self) -> None:
        if self.active and self.index < self.count - 1:
            self.go(self.index + 1)

    def back(self) -> None:
        if self.active and self.index > 0:
            self.go(self.index - 1)

    def leave(self) -> None:
        """Put the user's project back (one undo step) and show the offer to resume."""
        if not self.active:
            self.finished.emit()
            return
        self.active = False
        if self._aside is not None and self._template is not None:
            self._push(SwapProjectCommand(self.document, self._aside, "Back to your project"))
            if self._was_clean:
                # The project is as it was saved: say so (undo still goes back through it).
                self.document.undo_stack.setClean()
        self._aside = None
        self._template = None
        self.scene.set_highlight()
        self.selection.clear()
        self._show_offer()
        self.finished.emit()

    def refresh(self) -> None:
        """Rebuild the current screen for the document as it is now (and the notation)."""
        if not self.active:
            self._show_offer()
            return
        screen = SCREENS[self.index]
        live = self.live()
        page = Page(screen.title)
        screen.build(live, Notation.for_spec(live.spec), page)
        self.page = page
        self.progress.setText(f"Walk through the note · screen {self.index + 1} of {self.count}")
        self.title.setText(f"<h3>{self.index + 1}. {screen.title}</h3>")
        self.body.setText(page.html)
        self._fill_tries(page.tries)
        self.back_button.setEnabled(self.index > 0)
        self.next_button.setEnabled(self.index < self.count - 1)
        self.back_button.show()
        self.next_button.show()
        self.start_button.hide()
        self.leave_button.setText("Leave")
        self.scene.set_highlight(page.neurons, page.params)

    def live(self) -> LiveNetwork:
        """The document's network and data, with the screen's example and path."""
        return LiveNetwork.of(self.document.project, self._example, self._path)

    # -- try it --------------------------------------------------------------------------------

    def run_try(self, action: Try) -> None:
        if action.action == "nudge" and action.ref is not None:
            value = self.document.parameter(action.ref) + action.amount
            self._push(SetParameterCommand(self.document, action.ref, value))
        elif action.action == "step":
            self.gradient_step()
        elif action.action == "example":
            self._example = (self._example + 1) % self.live().n
            self.controller.set_probe(self._example)
            self.refresh()
        elif action.action == "path":
            self._path = (self._path + 1) % self.document.spec.layer_sizes[-2]
            self.refresh()

    def gradient_step(self) -> None:
        """w ← w − η ∂C/∂w for every parameter, one undo step."""
        live = self.live()
        step = live.grads.as_params()
        params = Params(
            [W - live.learning_rate * dW for W, dW in zip(live.params.W, step.W, strict=True)],
            [b - live.learning_rate * db for b, db in zip(live.params.b, step.b, strict=True)],
        )
        self._push(EditNetworkCommand(self.document, "One gradient step", live.spec, params))

    # -- inside --------------------------------------------------------------------------------

    def _saved_index(self) -> int:
        try:
            value = int(self.settings.value(SCREEN_KEY, 0))  # type: ignore[call-overload]
        except (TypeError, ValueError):
            value = 0
        return min(max(value, 0), len(SCREENS) - 1)

    def _push(self, command: object) -> None:
        self.controller.pause_for_edit()
        self._swapping = True
        try:
            self.document.push(command)  # type: ignore[arg-type]
        finally:
            self._swapping = False
        self.controller.finish_edit()
        if self.active:
            self.refresh()

    def _use_template(self, name: str) -> None:
        if self._template == name:
            return
        self._push(
            SwapProjectCommand(
                self.document, make_project(name), f"Walkthrough: {TEMPLATES[name].label}"
            )
        )
        self._template = name
        self._example = 0
        self._path = 0
        self.controller.set_probe(0)
        for view in self.scene.views():
            if isinstance(view, NetworkView):
                view.fit_network()

    def _fill_tries(self, tries: list[Try]) -> None:
        while self.tries.count():
            item = self.tries.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        if tries:
            label = QLabel("<b>Try it:</b>")
            self.tries.addWidget(label)
        for action in tries:
            button = QPushButton(action.label)
            button.setObjectName(f"try_{action.action}")
            button.clicked.connect(lambda _=False, a=action: self.run_try(a))
            self.tries.addWidget(button)
        self.tries.addStretch(1)

    def _show_offer(self) -> None:
        self.page = None
        muted = css(theme().text_muted)
        resume = self._saved_index()
        self.progress.setText("Walk through the note")
        self.title.setText("<h3>Backpropagation, step by step</h3>")
        self.body.setText(
            f"<p>{self.count} short screens follow the note <i>Backpropagation Calculus</i> "
            "in its order, on a live network: the cost of one example, the chain rule's "
            "three factors, one layer back, the average over examples, the gradient and "
            "one step of descent, then layers of several neurons and the sum over paths.</p>"
            "<p>Each screen highlights what it speaks of on the canvas, with its current "
            "number, and has something to try. ← and → step through.</p>"
            f"<p style='color:{muted}'>Your project is kept aside while the walkthrough "
            "shows the note's examples, and comes back when you leave (both are undo "
            "steps).</p>"
        )
        self._fill_tries([])
        self.back_button.hide()
        self.next_button.hide()
        self.start_button.show()
        self.start_button.setText(f"Resume at screen {resume + 1}" if resume else "Start")
        self.leave_button.setText("Not now")

    def _on_document_changed(self, *_args: object) -> None:
        # Our own swaps and edits refresh once complete (_push), not halfway through.
        if self.active and not self._swapping:
            self.refresh()

    def _on_project_replaced(self) -> None:
        """New or Open during the walkthrough: that project is the user's now."""
        if self.active:
            self.active = False
            self._aside = None
            self._template = None
            self.scene.set_highlight()
            self._show_offer()
