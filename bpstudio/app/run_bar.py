"""The run strip of the main window: a large Run/Pause button, Step, the phase step with the
phase that runs next (Forward → Backward → Update), and Reset.

TensorFlow Playground's big play button is the model: the one control a newcomer looks
for is the largest thing in the toolbar, filled with the theme's accent. Every control
triggers the Training panel's own actions (one action per command: the menu, the
shortcuts and the Keyboard Shortcuts page stay one), and the strip stays in presenter
mode, where the room watches it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QAction, QFont, QFontMetrics, QIcon
from PySide6.QtWidgets import QApplication, QSizePolicy, QToolBar, QToolButton, QWidget

from bpstudio.app.action_icons import ThemedIcons, glyph_icon
from bpstudio.app.panels.training import PhaseIndicator, TrainingPanel
from bpstudio.app.theme import blend, css, notifier, theme
from bpstudio.app.training import TrainingController
from bpstudio.core.training.snapshot import Snapshot

OBJECT_NAME = "toolbar_run"
#: The Run/Pause label's size relative to the rest of the window's text.
RUN_FONT_SCALE = 1.2
RUN_ICON = 26
#: A phase pill's horizontal padding and border (the Training panel's style), plus a margin.
PHASE_PADDING = 2 * 8 + 2 + 6


class RunBar(QToolBar):
    """Run/Pause (:attr:`run_button`), Step, Step one phase with :attr:`phase` showing the
    next phase, and Reset; all of them ``training``'s actions."""

    def __init__(
        self, training: TrainingPanel, controller: TrainingController, parent: QWidget
    ) -> None:
        super().__init__("Run", parent)
        self.setObjectName(OBJECT_NAME)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.training = training
        self.controller = controller
        self.run_action: QAction = training.run_action
        self.icons = ThemedIcons(self)

        self.run_button = QToolButton(self)
        self.run_button.setObjectName("RunButton")
        self.run_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.run_button.setIconSize(QSize(RUN_ICON, RUN_ICON))
        self.run_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.run_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        # A button of its own (not the action's default widget): the action's icon is drawn
        # for plain backgrounds (menus, the Training panel), this one on the accent fill.
        self.run_button.clicked.connect(self.run_action.trigger)
        self.run_action.changed.connect(self._sync_run_button)
        self.addWidget(self.run_button)

        self.addAction(training.step_action)
        step = self.widgetForAction(training.step_action)
        if isinstance(step, QToolButton):
            step.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        phase_action = training.step_phase_action
        phase_action.setIconText("Phase")
        self.addAction(phase_action)
        self.phase = PhaseIndicator(self)
        self.phase.setObjectName("RunBarPhases")
        self.phase.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self._fit_phases()
        self.addWidget(self.phase)
        self.addSeparator()
        self.addAction(training.reset_action)

        self.icons.add(self.run_action, lambda: self._run_icon(None))
        self.icons.add(training.step_action, "step")
        self.icons.add(phase_action, "phase")
        self.icons.add(training.reset_action, "reset")
        self.icons.add(training.gradient_check_action, "check")
        # After the Training panel's handler, which sets Run/Pause's text and its own icon.
        controller.runningChanged.connect(self._on_running_changed)
        controller.snapshotShown.connect(self._on_snapshot)
        notifier().themeChanged.connect(self._style_run_button)
        self._style_run_button()
        self._on_running_changed(controller.running)

    # -- state -------------------------------------------------------------------------------------

    def _run_icon(self, ink: object) -> QIcon:
        name = "pause" if self.controller.running else "play"
        return glyph_icon(name, theme().readable_on(theme().accent) if ink else None)

    def _on_running_changed(self, running: bool) -> None:
        self.icons.refresh()
        self._sync_run_button()
        snapshot = self.controller.snapshot
        self.phase.set_state(snapshot.next_phase if snapshot else None, running)

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        self.phase.set_state(snapshot.next_phase, self.controller.running)

    def _sync_run_button(self) -> None:
        action, button = self.run_action, self.run_button
        button.setText(action.iconText())
        button.setToolTip(action.toolTip())
        button.setStatusTip(action.statusTip())
        button.setEnabled(action.isEnabled())
        button.setIcon(self._run_icon(True))

    def _style_run_button(self) -> None:
        colors = theme()
        fill, ink = colors.accent, colors.readable_on(colors.accent)
        hover = blend(ink, 0.15, fill)
        self.run_button.setStyleSheet(
            f"QToolButton#RunButton {{ background: {css(fill)}; color: {css(ink)};"
            " border: none; border-radius: 8px; padding: 4px 16px 4px 10px; }"
            f" QToolButton#RunButton:hover {{ background: {css(hover)}; }}"
            f" QToolButton#RunButton:pressed {{ background: {css(blend(ink, 0.3, fill))}; }}"
            f" QToolButton#RunButton:disabled {{ background: {css(colors.text_muted)}; }}"
        )
        self._size_run_button()

    def _size_run_button(self) -> None:
        font = QFont(QApplication.font())
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * RUN_FONT_SCALE)
        else:
            font.setPixelSize(round(font.pixelSize() * RUN_FONT_SCALE))
        font.setWeight(QFont.Weight.DemiBold)
        self.run_button.setFont(font)
        # As wide for "Pause" as for "Run": the button does not jump when training starts.
        metrics = self.run_button.fontMetrics()
        text = max(metrics.horizontalAdvance(label) for label in ("Run", "Pause"))
        self.run_button.setFixedWidth(text + RUN_ICON + 40)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.icons.refresh()  # presenter mode's palette, a new theme's palette
            self._sync_run_button()
        elif event.type() == QEvent.Type.FontChange:
            self._size_run_button()  # presenter mode's larger type
            self._fit_phases()

    def _fit_phases(self) -> None:
        """Each phase's pill as wide as its bold name and padding (its style sheet's bold
        is not in the label's size hint)."""
        for label in self.phase.labels.values():
            font = QFont(QApplication.font())
            font.setWeight(QFont.Weight.DemiBold)
            width = QFontMetrics(font).horizontalAdvance(label.text())
            label.setMinimumWidth(width + PHASE_PADDING)
