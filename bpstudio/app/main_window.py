"""The main window: canvas in the middle, dockable panels, menus, toolbar, status bar.

It wires the document, the selection and the training controller to the views, and owns
the file actions (New, Open, Save, recent files) and the window's persistent layout.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import shiboken6
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QFontMetrics,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QUndoView,
    QWidget,
)

from bpstudio.app import file_dialogs, heap, notation, recovery, window_layout
from bpstudio.app.actions import NetworkActions
from bpstudio.app.canvas.palette import LayerPalette
from bpstudio.app.canvas.view import NetworkView
from bpstudio.app.dialogs.new_project import NewProjectDialog
from bpstudio.app.document import Document
from bpstudio.app.elided import ElidedLabel
from bpstudio.app.enlarge import DockEnlarger
from bpstudio.app.exporting import ExportActions, Picture, save_plot_image, save_scene_image
from bpstudio.app.file_dialogs import FileDialogs, FileKind
from bpstudio.app.pacing import share_the_interpreter
from bpstudio.app.panels.chain_rule import ChainRulePanel
from bpstudio.app.panels.data import DataPanel
from bpstudio.app.panels.inspector import InspectorPanel
from bpstudio.app.panels.results import ResultsPanel
from bpstudio.app.panels.training import TrainingPanel
from bpstudio.app.panels.values_table import ValuesTablePanel
from bpstudio.app.panels.weight_matrix import WeightMatrixPanel
from bpstudio.app.plots.cost import CostPlot
from bpstudio.app.plots.cost_slice import CostSlicePlot
from bpstudio.app.plots.decision import DecisionPlot
from bpstudio.app.plots.gradient import GradientPlot
from bpstudio.app.preferences import (
    BACKEND_KEY,
    Preferences,
    apply_preferences,
    read_preferences,
    write_preferences,
)
from bpstudio.app.presenter import PresenterMode
from bpstudio.app.run_bar import RunBar
from bpstudio.app.selection import SelectionModel
from bpstudio.app.theme import css, theme
from bpstudio.app.training import TrainingController
from bpstudio.app.training_hint import status_text
from bpstudio.app.walkthrough.panel import OFFERED_KEY, WalkthroughPanel
from bpstudio.app.widgets import LayoutFence
from bpstudio.app.worker import BACKENDS, WorkerOptions
from bpstudio.core.data.source import data_path_outside
from bpstudio.core.errors import BPStudioError
from bpstudio.core.files.project import SUFFIX, Project
from bpstudio.core.files.recovery import RecoveryInfo, read_recovery, read_recovery_info
from bpstudio.core.files.templates import make_project
from bpstudio.core.training.snapshot import Snapshot

PROJECT_FILTER = f"Backprop Studio projects (*{SUFFIX});;All files (*)"
MAX_RECENT = 8
HEAP_SETTLE_DELAY_MS = 1000
BACKEND_LABELS = {"process": "In a Separate &Process", "thread": "In a &Thread of the Window"}
NOTICE_MS = 15_000
#: The toolbar's Undo and Redo name their step in at most about this many characters.
TOOLBAR_STEP_CHARS = 26
#: The setting that says how layers are written: "relative" (the note's L, L−1) or "absolute".
NOTATION_KEY = notation.LAYER_STYLE_KEY  # the Preferences dialog writes the same setting


def preferred_backend(settings: QSettings) -> str:
    value = str(settings.value(BACKEND_KEY, BACKENDS[0]))
    return value if value in BACKENDS else BACKENDS[0]


def _name_step(action: QAction, verb: str, what: str) -> None:
    """Undo/Redo named after their step: in full in the Edit menu and the tooltip, on the
    toolbar (its icon text) shortened to :data:`TOOLBAR_STEP_CHARS` characters' width, so
    a long step name never pushes the toolbar's other buttons into its overflow."""
    if not shiboken6.isValid(action):
        return  # the window is closing: its undo stack is cleared after its actions went
    full = f"{verb} {what}".strip()
    action.setText(f"&{full}")
    metrics = QFontMetrics(action.font())
    width = metrics.averageCharWidth() * TOOLBAR_STEP_CHARS
    action.setIconText(metrics.elidedText(full, Qt.TextElideMode.ElideRight, width))
    action.setToolTip(full)


class MainWindow(QMainWindow):
    """The window; ``worker`` overrides where training runs (else the setting says)."""

    def __init__(
        self,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
        worker: WorkerOptions | None = None,
        recovery_folder: Path | None = None,
    ) -> None:
        super().__init__(parent)
        share_the_interpreter()  # background jobs and a training thread share it with paints
        self.settings = settings or QSettings()
        apply_preferences(read_preferences(self.settings))  # before any view takes colours
        self.document = Document(parent=self)
        self.selection = SelectionModel(self)
        options = worker or WorkerOptions(backend=preferred_backend(self.settings), deferred=True)
        self.controller = TrainingController(self.document, self, options)
        self.setObjectName("MainWindow")
        #: Asks the user a yes/no question (title, text); tests replace it.
        self.confirm: Callable[[str, str], bool] = self._ask
        #: Asks what to do with unsaved changes to the named project: Save, Discard or
        #: Cancel (a QMessageBox.StandardButton); tests replace it.
        self.ask_unsaved: Callable[[str], QMessageBox.StandardButton] = self._ask_unsaved
        #: Every file chooser of the window; each kind of file opens in its last folder.
        self.file_dialogs = FileDialogs(self.settings)
        file_dialogs.share(self.file_dialogs)
        self.setMinimumSize(1000, 640)

        self.canvas = NetworkView(
            self.document, self.selection, self.controller, self, settings=self.settings
        )
        self.setCentralWidget(self.canvas)
        self.network_actions = NetworkActions(self.document, self.selection, self.controller, self)
        self.export_actions = ExportActions(
            self,
            self.document,
            self.controller,
            self.file_dialogs,
            self.statusBar().showMessage,
            (
                Picture(
                    "Network canvas", "canvas", lambda p: save_scene_image(self.canvas.scene(), p)
                ),
                Picture(
                    "Cost plot", "cost", lambda p: save_plot_image(self.cost_plot.plot_item, p)
                ),
                Picture(
                    "Gradient plot",
                    "gradient",
                    lambda p: save_plot_image(self.gradient_plot.plot_item, p),
                ),
            ),
        )

        self.layer_palette = LayerPalette(self)
        self.cost_slice = CostSlicePlot(self.document, self.selection, self.controller)
        self.inspector = InspectorPanel(
            self.document, self.selection, self.controller, self, slice_view=self.cost_slice
        )
        self.weights = WeightMatrixPanel(
            self.document, self.selection, self, controller=self.controller
        )
        self.training = TrainingPanel(self.document, self.controller, self)
        self.chain_rule = ChainRulePanel(self.document, self.selection, self.controller, self)
        self.cost_plot = CostPlot(self.document, self.controller, self)
        self.gradient_plot = GradientPlot(self.document, self.selection, self.controller, self)
        self.data_panel = DataPanel(self.document, self.controller, self)
        self.decision_plot = DecisionPlot(self.document, self.controller, self)
        self.results_panel = ResultsPanel(self.document, self.controller, self)
        self.values_table = ValuesTablePanel(self.document, self.controller, self)
        self.walkthrough = WalkthroughPanel(
            self.document,
            self.selection,
            self.controller,
            self.canvas.network_scene,
            self.settings,
            self,
        )
        self.walkthrough.finished.connect(lambda: self.docks["walkthrough"].hide())
        self.undo_view = QUndoView(self.document.undo_stack, self)
        self.undo_view.setEmptyLabel("<project opened>")

        self.docks: dict[str, QDockWidget] = {}
        # The left column runs the full height; the plots span the canvas and the right column.
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
            | QMainWindow.DockOption.AllowNestedDocks
        )
        self._dock("palette", "Layers", self.layer_palette)
        self._dock("training", "Training", self.training)
        self._dock("data", "Data", self.data_panel)
        self._dock("chain_rule", "Chain rule", self.chain_rule)
        self._dock("inspector", "Inspector", self.inspector)
        self._dock("weights", "Weight matrix", self.weights)
        self._dock("results", "Results", self.results_panel)
        self._dock("values", "Values", self.values_table)
        self._dock("history", "Undo history", self.undo_view)
        self._dock("walkthrough", "Walk through the note", self.walkthrough)
        self._dock("decision", "Output", self.decision_plot)
        self._dock("cost", "Cost", self.cost_plot)
        self._dock("gradient", "Gradient ∇C", self.gradient_plot)
        self.resize(window_layout.default_size(self))
        window_layout.arrange(self, self.docks)
        self.dock_tab_tips = window_layout.DockTabTips(self)
        self.canvas.network_scene.itemClicked.connect(self._show_inspector)

        self._build_actions()
        self.presenter = PresenterMode(self)
        self.output_enlarger = DockEnlarger(self, self.docks["decision"])
        self.decision_plot.add_corner_action(self.output_enlarger.action)
        # Each of the two saves and restores the layout: one at a time.
        self.presenter.toggled.connect(lambda on: self.output_enlarger.action.setDisabled(on))
        self.output_enlarger.toggled.connect(lambda on: self.presenter.action.setDisabled(on))
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()

        self.document.undo_stack.cleanChanged.connect(self._update_title)
        self.document.pathChanged.connect(self._update_title)
        self.controller.snapshotShown.connect(self._on_snapshot)
        self.controller.runningChanged.connect(self._on_running_changed)
        self.controller.problemChanged.connect(self._on_problem)
        self.controller.trainingStopped.connect(self._on_training_stopped)
        self.controller.notice.connect(self._on_notice)
        if self.controller.last_notice:
            self._on_notice(self.controller.last_notice)
        self._restore_settings()
        # The walkthrough opens from Help (or the first-launch offer), never by itself.
        self.docks["walkthrough"].hide()
        self._update_title()
        self.autosaver = self._start_autosave(recovery_folder or recovery.default_folder())
        # Once the window (or a new project's views) is built and shown: see heap.settle.
        # A full collection takes 0.1 s; it must not hold back the window's first paint.
        self._heap_timer = QTimer(self)
        self._heap_timer.setSingleShot(True)
        self._heap_timer.setInterval(HEAP_SETTLE_DELAY_MS)
        self._heap_timer.timeout.connect(heap.settle)
        self.document.projectReplaced.connect(self._heap_timer.start)
        self._heap_timer.start()

    # -- construction --------------------------------------------------------------------------

    def _dock(self, name: str, title: str, widget: QWidget) -> None:
        """A dock for ``widget``; :func:`window_layout.arrange` puts it in its place."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name}")
        # A panel's changing text re-lays out the panel, not every dock of the window.
        dock.setWidget(LayoutFence(widget))
        self.docks[name] = dock

    def _show_inspector(self, _hit: object = None) -> None:
        """A click on an edge or a neuron shows the Inspector, even when a tab hides it."""
        dock = self.docks["inspector"]
        if not dock.isHidden() and dock.visibleRegion().isEmpty():
            dock.raise_()

    def reset_layout(self) -> None:
        """View → Reset layout: every dock back in its default place, the window fitted."""
        self.resize(window_layout.default_size(self))
        window_layout.fit_to_screen(self)
        window_layout.arrange(self, self.docks)

    def _action(
        self,
        text: str,
        slot: object,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        SK = QKeySequence.StandardKey
        self.act_new = self._action("&New…", self.new_project, SK.New, "Start a new project")
        self.act_open = self._action("&Open…", self.open_project, SK.Open, "Open a project")
        self.act_save = self._action("&Save", self.save, SK.Save, "Save the project")
        self.act_save_as = self._action("Save &As…", self.save_as, SK.SaveAs)
        self.act_quit = self._action("&Quit", self.close, SK.Quit)
        self.act_undo = self._action("&Undo", self.undo, SK.Undo)
        self.act_redo = self._action("&Redo", self.redo)
        # Ctrl+Y as well as Ctrl+Shift+Z, whatever the platform's standard key is.
        redo_keys = [*QKeySequence.keyBindings(SK.Redo), QKeySequence("Ctrl+Y")]
        redo_keys.append(QKeySequence("Ctrl+Shift+Z"))
        self.act_redo.setShortcuts(list(dict.fromkeys(k for k in redo_keys if not k.isEmpty())))
        stack = self.document.undo_stack
        stack.canUndoChanged.connect(self.act_undo.setEnabled)
        stack.canRedoChanged.connect(self.act_redo.setEnabled)
        undo, redo = self.act_undo, self.act_redo
        stack.undoTextChanged.connect(lambda t: _name_step(undo, "Undo", t))
        stack.redoTextChanged.connect(lambda t: _name_step(redo, "Redo", t))
        self.act_undo.setEnabled(False)
        self.act_redo.setEnabled(False)
        self.act_about = self._action("&About Backprop Studio", self._about)
        self.act_walkthrough = self._action(
            "&Walk Through the Note…",
            lambda: self.open_walkthrough(),
            tip="One screen per idea of 'Backpropagation Calculus', on a live network",
        )
        chosen = self.settings.value(NOTATION_KEY)
        if chosen in {style.value for style in notation.LayerStyle}:
            notation.settings.layers = notation.LayerStyle(chosen)
        relative = notation.settings.layers is notation.LayerStyle.RELATIVE
        self.act_relative_layers = self._action(
            "Layers as in the &Note (L, L−1, …)",
            self.set_relative_layers,
            tip="Write layers relative to the output, w^(L), a^(L−1), as the note does; "
            "off: absolute numbers w^(1), w^(2)",
        )
        self.act_relative_layers.setCheckable(True)
        self.act_relative_layers.setChecked(relative)
        self.act_preferences = self._action(
            "&Preferences…", self.show_preferences, SK.Preferences, "Theme, notation, pace"
        )
        self.act_preferences.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.act_shortcuts = self._action(
            "&Keyboard Shortcuts", self.show_shortcuts, None, "Every shortcut of the window"
        )
        self.act_guide = self._action(
            "User &Guide", self.show_guide, SK.HelpContents, "What each panel shows"
        )
        self.backend_actions: dict[str, QAction] = {}
        group = QActionGroup(self)
        for kind in BACKENDS:
            action = QAction(BACKEND_LABELS[kind], group)
            action.setCheckable(True)
            action.setStatusTip(
                "Training in its own process keeps the window smooth; a thread works where "
                "no process can be started"
            )
            action.triggered.connect(lambda _=False, k=kind: self.set_backend(k))
            self.backend_actions[kind] = action
        self.backend_actions[self.controller.backend].setChecked(True)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.act_new, self.act_open])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        file_menu.addActions([self.act_save, self.act_save_as])
        file_menu.addSeparator()
        file_menu.addAction(self.data_panel.import_action)
        self.export_actions.add_to_menu(file_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)

        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([self.act_undo, self.act_redo])
        edit_menu.addSeparator()
        self.network_actions.add_edit_actions(edit_menu)
        edit_menu.addSeparator()
        edit_menu.addAction(self.act_preferences)

        view_menu = bar.addMenu("&View")
        self.canvas.add_view_actions(view_menu)
        view_menu.addAction(self.act_relative_layers)
        view_menu.addSeparator()
        panels = view_menu.addMenu("&Panels")
        for dock in self.docks.values():
            panels.addAction(dock.toggleViewAction())
        view_menu.addAction("Reset &Layout", self.reset_layout)
        view_menu.addMenu("&Run Training").addActions(list(self.backend_actions.values()))
        view_menu.addSeparator()
        view_menu.addAction(self.presenter.action)
        view_menu.addAction(self.output_enlarger.action)

        network_menu = bar.addMenu("&Network")
        self.network_actions.add_network_actions(network_menu)

        training_menu = bar.addMenu("&Training")
        self.training.add_actions(training_menu)

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.act_walkthrough)
        help_menu.addActions([self.act_guide, self.act_shortcuts])
        help_menu.addSeparator()
        help_menu.addAction(self.act_about)
        help_menu.addAction("About &Qt", QApplication.aboutQt)

    def _build_toolbar(self) -> None:
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("toolbar_main")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addActions([self.act_new, self.act_open, self.act_save])
        toolbar.addSeparator()
        toolbar.addActions([self.act_undo, self.act_redo])
        toolbar.addSeparator()
        self.canvas.add_toolbar_actions(toolbar)
        # Run/Pause, Step and the phases: the strip a newcomer looks for (presenter mode too),
        # first in the row. Its width never changes; the main toolbar's does (Undo's text),
        # and the last toolbar of a row is the one that can grow.
        self.run_bar = RunBar(self.training, self.controller, self)
        self.insertToolBar(toolbar, self.run_bar)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.phase_label = ElidedLabel("")
        self.counter_label = ElidedLabel("")
        self.counter_label.setMinimumWidth(
            self.counter_label.fontMetrics().horizontalAdvance(
                "step 00,000,000   epoch 000,000   C = 0.00000"
            )
            + 8
        )
        self.counter_label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self.problem_label = ElidedLabel("")
        self.problem_label.setStyleSheet(f"color: {css(theme().messages.error)};")
        # Their text changes every frame: fenced, it never re-lays out the window.
        status.addWidget(LayoutFence(self.phase_label), 1)
        status.addWidget(LayoutFence(self.problem_label), 2)
        status.addPermanentWidget(LayoutFence(self.counter_label))

    # -- status ----------------------------------------------------------------------------------

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        self.phase_label.setText(status_text(snapshot, self.controller.running))
        cost = snapshot.cost
        cost_text = f"   C = {notation.format_value(cost, 5)}" if cost is not None else ""
        self.counter_label.setText(f"step {snapshot.step:,}   epoch {snapshot.epoch:,}{cost_text}")

    def _on_running_changed(self, running: bool) -> None:
        if self.controller.snapshot is not None:
            self.phase_label.setText(status_text(self.controller.snapshot, running))

    def _on_notice(self, message: str) -> None:
        self.statusBar().showMessage(message, NOTICE_MS)
        self.backend_actions[self.controller.backend].setChecked(True)

    def set_backend(self, kind: str) -> None:
        """Train in ``kind`` ("process" or "thread") from now on, and remember it."""
        self.settings.setValue(BACKEND_KEY, kind)
        self.controller.set_backend(kind)
        self.backend_actions[self.controller.backend].setChecked(True)

    def _on_problem(self, message: str) -> None:
        self.problem_label.setText(message)

    def _on_training_stopped(self, reason: str) -> None:
        if self.autosaver is not None:
            self.autosaver.save_now()  # every pause: the steps trained are not lost
        if reason and reason != "paused":
            self.phase_label.setText(f"Stopped: {reason}")

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.document.title}[*] — Backprop Studio")
        self.setWindowModified(self.document.is_modified())

    # -- the note's notation and the walkthrough ----------------------------------------------

    def set_relative_layers(self, relative: bool) -> None:
        """Write layers as the note does (L, L−1) or as absolute numbers; every view redraws."""
        style = notation.LayerStyle.RELATIVE if relative else notation.LayerStyle.ABSOLUTE
        self.settings.setValue(NOTATION_KEY, style.value)
        self.act_relative_layers.setChecked(relative)
        if style is notation.settings.layers:
            return
        notation.set_layer_style(style)
        self._rewrite_notation()

    def _rewrite_notation(self) -> None:
        """Every view that writes symbols or numbers writes them again (after a change of
        layer notation or of the digits shown)."""
        self.canvas.network_scene.rebuild()
        self.inspector.refresh()
        self.chain_rule.refresh()
        self.weights.model.beginResetModel()  # its headers name every w_jk^(l)
        self.weights.model.endResetModel()
        self.gradient_plot.redraw()
        self.walkthrough.refresh()

    def open_walkthrough(self, screen: int | None = None) -> None:
        """Show the walkthrough and start it (at ``screen``, 0-based, or where one left off)."""
        self.settings.setValue(OFFERED_KEY, True)
        dock = self.docks["walkthrough"]
        dock.show()
        dock.raise_()
        self.walkthrough.start(screen)
        self.walkthrough.setFocus()

    def offer_walkthrough(self) -> None:
        """On the first launch: show the walkthrough's invitation (it changes nothing)."""
        if self.settings.value(OFFERED_KEY, False) in (True, "true"):
            return
        self.settings.setValue(OFFERED_KEY, True)
        self.docks["walkthrough"].show()
        self.docks["walkthrough"].raise_()

    # -- undo that rewinds training --------------------------------------------------------------

    def undo(self) -> None:
        """Edit ▸ Undo: training pauses (it does not resume on what came before)."""
        self.controller.pause_for_edit(resume=False)
        self.document.undo_stack.undo()

    def redo(self) -> None:
        self.controller.pause_for_edit(resume=False)
        self.document.undo_stack.redo()

    # -- files -------------------------------------------------------------------------------------

    def maybe_save(self) -> bool:
        """Ask about unsaved changes; True when it is fine to discard the project."""
        self.controller.pause_for_edit(resume=False)
        if not self.document.is_modified():
            return True
        answer = self.ask_unsaved(self.document.title)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def _ask_unsaved(self, title: str) -> QMessageBox.StandardButton:
        return QMessageBox.warning(
            self,
            "Unsaved changes",
            f"Save the changes to “{title}” before closing it?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )

    def new_project(self) -> None:
        if not self.maybe_save():
            return
        dialog = NewProjectDialog(self)
        if dialog.exec() and dialog.template_name:
            self.new_from_template(dialog.template_name)

    def new_from_template(self, name: str) -> None:
        try:
            project = make_project(name)
        except BPStudioError as exc:
            QMessageBox.critical(self, "New project", str(exc))
            return
        self.document.replace_project(project)
        self.selection.clear()
        self.canvas.fit_network()

    def open_project(self) -> None:
        if not self.maybe_save():
            return
        path = self.file_dialogs.open_path(FileKind.PROJECT, "Open project", PROJECT_FILTER, self)
        if path is not None:
            self.open_path(path)

    def open_path(self, path: Path) -> bool:
        try:
            project = Project.load(path)
        except BPStudioError as exc:
            QMessageBox.critical(self, "Cannot open the project", str(exc))
            return False
        outside = data_path_outside(project.data, path.resolve().parent)
        if outside is not None and not self.confirm(
            "Open project",
            f"This project reads its data from {outside}, outside the project's folder. "
            "Read that file?",
        ):
            return False
        self.document.replace_project(project, path.resolve())
        self.selection.clear()
        self._remember(path)
        self.canvas.fit_network()
        return True

    def _ask(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            self,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self.save_to(self.document.path)

    def save_as(self) -> bool:
        target = self.file_dialogs.save_path(
            FileKind.PROJECT, "Save project", f"{self.document.title}{SUFFIX}", PROJECT_FILTER, self
        )
        if target is None:
            return False
        if target.suffix != SUFFIX:
            target = target.with_suffix(SUFFIX)
        return self.save_to(target)

    def save_to(self, path: Path) -> bool:
        """Save the project to ``path`` (it becomes the document's file); False, with a
        message, when it cannot be written."""
        self.controller.pause_for_edit()
        self.controller.finish_edit()
        self.document.project.view = self.canvas.view_state()
        try:
            self.document.save(path)
        except (BPStudioError, OSError) as exc:
            QMessageBox.critical(self, "Cannot save the project", f"{path}: {exc}")
            return False
        self._remember(path)
        self.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    def save_copy(self) -> bool:
        """Save a copy of the project elsewhere; the document keeps its file and its
        unsaved state (the exception dialog offers this)."""
        path = self.file_dialogs.save_path(
            FileKind.PROJECT, "Save a copy", f"{self.document.title} (copy){SUFFIX}",
            PROJECT_FILTER, self,
        )  # fmt: skip
        if path is None:
            return False
        target = path if path.name.endswith(SUFFIX) else path.with_name(path.name + SUFFIX)
        project = self.document.project.copy()
        project.view = self.canvas.view_state()
        try:
            project.save(target)
        except (BPStudioError, OSError) as exc:
            QMessageBox.critical(self, "Cannot save a copy", f"{target}: {exc}")
            return False
        self.statusBar().showMessage(f"Saved a copy to {target}", 4000)
        return True

    # -- autosave and recovery -------------------------------------------------------------------

    def _start_autosave(self, folder: Path) -> recovery.Autosaver | None:
        try:
            session = recovery.RecoveryFolder(folder)
        except OSError as exc:
            print(f"bpstudio: autosave is off: {exc}", file=sys.stderr)
            return None
        autosaver = recovery.Autosaver(self.document, session, self._recovery_capture, parent=self)
        autosaver.failed.connect(
            lambda message: self.statusBar().showMessage(f"Autosave failed: {message}", 8000)
        )
        self.selection.selectionChanged.connect(autosaver.schedule)
        self.selection.layerSelected.connect(autosaver.schedule)
        return autosaver

    def _recovery_capture(self) -> tuple[Project, dict[str, object]]:
        project = self.document.project.copy()
        project.view = self.canvas.view_state()
        return project, recovery.selection_fields(self.selection)

    def offer_recovery(self, confirm: Callable[[RecoveryInfo], bool] | None = None) -> bool:
        """After a crash: offer each recovery file left behind, newest first, until one is
        restored (True). Declined ones are deleted; those not asked about stay for later."""
        if self.autosaver is None:
            return False
        ask = confirm or self._ask_to_restore
        autosaver = self.autosaver
        folder = autosaver.folder
        orphans = folder.orphans()
        for n, orphan in enumerate(orphans):
            try:
                info = read_recovery_info(orphan.path)
                if not ask(info):
                    folder.discard(orphan)
                    continue
                project, info = read_recovery(orphan.path)
            except BPStudioError as exc:
                QMessageBox.critical(self, "Cannot restore the work", str(exc))
                folder.discard(orphan)
                continue
            for later in orphans[n + 1 :]:
                later.release()
            self.document.restore(project, info.project_path)
            self.selection.clear()
            recovery.apply_selection_fields(self.selection, info.app, project.spec)
            # The work is in this session's recovery file before the old one goes.
            autosaver.save_now()
            autosaver.flush()
            if autosaver.path.exists():
                folder.discard(orphan)
            else:
                orphan.release()
            self.statusBar().showMessage("Restored the work autosaved before the crash", 8000)
            return True
        return False

    def _ask_to_restore(self, info: RecoveryInfo) -> bool:
        when = info.saved_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        where = f" ({info.project_path})" if info.project_path else ""
        answer = QMessageBox.question(
            self,
            "Restore unsaved work?",
            f"Backprop Studio did not close properly. Restore “{info.title}”{where} as it "
            f"was autosaved at {when}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Discard,
            QMessageBox.StandardButton.Yes,
        )
        return answer == QMessageBox.StandardButton.Yes

    # -- settings and recent files ---------------------------------------------------------------

    def recent_files(self) -> list[str]:
        """The recent projects (File ▸ Open Recent), most recent first."""
        value = self.settings.value("files/recent", [])
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value] if isinstance(value, list | tuple) else []

    def _remember(self, path: Path) -> None:
        path = path.resolve()
        recent = [p for p in self.recent_files() if p != str(path)]
        self.settings.setValue("files/recent", [str(path), *recent][:MAX_RECENT])
        self.settings.setValue("files/last_dir", str(path.parent))
        self.file_dialogs.remember(FileKind.PROJECT, path)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.recent_files()
        if not recent:
            self.recent_menu.addAction("(no recent projects)").setEnabled(False)
            return
        for i, name in enumerate(recent, start=1):
            action = self.recent_menu.addAction(f"&{i} {Path(name).name}")
            action.setStatusTip(name)
            action.triggered.connect(lambda _=False, p=name: self._open_recent(Path(p)))
        self.recent_menu.addSeparator()
        self.recent_menu.addAction("Clear list", lambda: self.settings.setValue("files/recent", []))

    def _open_recent(self, path: Path) -> None:
        if self.maybe_save():
            self.open_path(path)

    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if not window_layout.restore(self, geometry, state):
            window_layout.arrange(self, self.docks)

    def show_preferences(self) -> None:
        from bpstudio.app.dialogs.preferences import PreferencesDialog

        # The backend in use (a --worker flag may override the saved one).
        current = replace(read_preferences(self.settings), backend=self.controller.backend)
        dialog = PreferencesDialog(current, self)
        if dialog.exec():
            self.set_preferences(dialog.preferences)

    def set_preferences(self, preferences: Preferences) -> None:
        """Remember ``preferences`` and use them now: colours, notation and digits redraw."""
        write_preferences(self.settings, preferences)
        apply_preferences(preferences)
        if preferences.backend != self.controller.backend:
            self.set_backend(preferences.backend)
        self.act_relative_layers.setChecked(preferences.layer_style is notation.LayerStyle.RELATIVE)
        self._rewrite_notation()

    def show_shortcuts(self) -> None:
        from bpstudio.app.help import ShortcutsDialog

        ShortcutsDialog(self).exec()

    def show_guide(self) -> None:
        from bpstudio.app.help import GuideDialog

        try:
            dialog = GuideDialog(self)
        except BPStudioError as exc:
            QMessageBox.warning(self, "User guide", str(exc))
            return
        dialog.exec()

    def _about(self) -> None:
        from bpstudio.app.about import show_about

        show_about(self)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        # Only now is the frame (title bar, borders) known: keep all of it on the screen.
        window_layout.fit_to_screen(self)
        if not event.spontaneous():
            # Once laid out: a dock the saved layout squeezed gets its usable height back.
            QTimer.singleShot(0, self, lambda: window_layout.lift_squeezed(self, self.docks))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        if not self.maybe_save():
            event.ignore()
            return
        self.presenter.set_active(False)  # the saved layout is the user's, not the projector's
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        views = (self.data_panel, self.decision_plot, self.results_panel, self.cost_slice)
        for view in (*views, self.values_table):
            view.shutdown()
        self.controller.shutdown()
        if self.autosaver is not None:
            self.autosaver.shutdown()  # a clean exit leaves no recovery file
        event.accept()
