"""Training controls: run, pause and step through the three phases of gradient descent.

The panel turns gestures into training commands (:class:`TrainingController`) and
hyperparameter edits into undo commands; everything it shows (phase, counters, the
divergence banner) comes from the worker's snapshots. Settings that steer a run (speed,
stop conditions) are sent with Run and again whenever they change while running.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QColor, QFont, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QStyle,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from bpstudio.app.commands import SetHyperparametersCommand
from bpstudio.app.dialogs.gradient_check import GradientCheckDialog
from bpstudio.app.document import Document
from bpstudio.app.notation import Notation
from bpstudio.app.theme import blend, css, notifier, set_palette_style, theme, theme_on
from bpstudio.app.training import TrainingController
from bpstudio.app.training_hint import PHASE_HINTS, epoch_text, panel_hint
from bpstudio.app.widgets import (
    IntegerSpinBox,
    LogSpinBox,
    NumberSpinBox,
    hold_width,
    set_text,
    status_label,
)
from bpstudio.app.worker import StopConditions
from bpstudio.core.engine.gradcheck import GradCheckResult
from bpstudio.core.engine.init import INITIALIZER_LABELS
from bpstudio.core.engine.network import initialize
from bpstudio.core.engine.optim import OPTIMIZER_LABELS, SCHEDULES
from bpstudio.core.errors import BPStudioError
from bpstudio.core.training.snapshot import Snapshot
from bpstudio.core.training.trainer import Phase, StepUnit

STEP_UNIT_LABELS: dict[StepUnit, str] = {
    StepUnit.PHASE: "One phase (forward → backward → update)",
    StepUnit.EXAMPLE: "One example (SGD step)",
    StepUnit.BATCH: "One mini-batch",
    StepUnit.EPOCH: "One epoch",
}

STEP_UNIT_SHORT: dict[StepUnit, str] = {
    StepUnit.PHASE: "one phase",
    StepUnit.EXAMPLE: "one example",
    StepUnit.BATCH: "one mini-batch",
    StepUnit.EPOCH: "one epoch",
}

#: Speed slider: positions 0..SPEED_MAX_POS-1 are 10^(pos/10) steps/s (1…1000), the last
#: position means "as fast as possible".
SPEED_FASTEST_POS = 31
#: The widest text each counter is expected to show (its width is held at that).
COUNTER_SAMPLES = {
    "step": "000,000,000",
    "epoch": "0,000,000 + 100%",
    "rate": "000,000",
    "cost": "0.0000e-00",
}
LR_MIN, LR_MAX = 1e-6, 1000.0
FASTEST = "fastest"  # the speed slider at its last position


class PhaseIndicator(QWidget):
    """Forward → Backward → Update, with the phase that runs next highlighted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.labels: dict[Phase, QLabel] = {}
        for i, phase in enumerate(Phase):
            if i:
                arrow = QLabel("→")
                set_palette_style(arrow, "color: palette(mid);")
                layout.addWidget(arrow)
            label = QLabel(phase.value.capitalize())
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setMinimumWidth(72)
            label.setToolTip(PHASE_HINTS[phase].capitalize())
            self.labels[phase] = label
            layout.addWidget(label, 1)
        self.next_phase: Phase | None = Phase.FORWARD
        self.running = False
        self._apply_styles()
        notifier().themeChanged.connect(self._apply_styles)

    def set_state(self, next_phase: Phase | None, running: bool) -> None:
        if (next_phase, running) != (self.next_phase, self.running):
            self.next_phase, self.running = next_phase, running
            self._apply_styles()

    def pill_colours(self, phase: Phase) -> tuple[QColor, QColor]:
        """The text colour of ``phase``'s pill and the opaque colour behind it, in the
        colours of the theme that reads on this widget's background."""
        window = self.palette().color(QPalette.ColorRole.Window)
        colors = theme_on(window)
        colour = {
            Phase.FORWARD: colors.phases.forward,
            Phase.BACKWARD: colors.phases.backward,
            Phase.UPDATE: colors.phases.update,
        }[phase]
        if self.running:
            return colour, blend(colour, 0.12, window)  # a faint tint: the text still reads
        if phase is self.next_phase:
            return colors.readable_on(colour), colour
        return colour, window

    def _apply_styles(self) -> None:
        # The size in the style sheet: a style sheet's font is not the application's, which
        # presenter mode enlarges.
        font = QApplication.font()
        size = f"{font.pointSizeF():.2f}pt" if font.pointSizeF() > 0 else f"{font.pixelSize()}px"
        for phase, label in self.labels.items():
            text, fill = self.pill_colours(phase)
            if self.running:
                border = f"1px solid {css(blend(text, 0.5, fill))}"
            elif phase is self.next_phase:
                border = f"1px solid {css(fill)}"
            else:
                border = f"1px dashed {css(blend(text, 0.5, fill))}"
            background = css(fill) if phase is self.next_phase or self.running else "transparent"
            label.setStyleSheet(
                f"QLabel {{ background: {background}; color: {css(text)}; border: {border};"
                f" border-radius: 9px; padding: 3px 8px; font-weight: 600; font-size: {size}; }}"
            )

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.PaletteChange):
            self._apply_styles()  # presenter mode's type and palette


class TrainingPanel(QWidget):
    """Run/Pause, Step, Reset, gradient check, speed, stop conditions, hyperparameters.

    Attributes used by the main window and tests: ``run_action``, ``step_action``,
    ``step_phase_action``, ``step_batch_action``, ``step_epoch_action``, ``reset_action``,
    ``gradient_check_action``; ``banner`` (the divergence guard), ``vanishing_banner`` (the
    vanishing-gradient notice), ``last_snapshot``,
    ``last_gradient_check``.
    """

    stepUnitChanged = Signal(str)

    def __init__(
        self, document: Document, controller: TrainingController, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("TrainingPanel")
        self.document = document
        self.controller = controller
        self.last_snapshot: Snapshot | None = None
        self.last_gradient_check: GradCheckResult | None = None
        self.gradient_check_dialog: GradientCheckDialog | None = None
        self._gradient_check_pending = False
        self._banner_message = ""
        self._updating = False
        self._step_unit = StepUnit.PHASE

        self._build_actions()
        self._build_ui()

        document.hyperparametersChanged.connect(self._on_hyperparameters_changed)
        document.projectReplaced.connect(self._on_hyperparameters_changed)
        controller.snapshotShown.connect(self._on_snapshot)
        controller.runningChanged.connect(self._on_running_changed)
        controller.trainingStopped.connect(self._on_training_stopped)
        controller.gradientChecked.connect(self._on_gradient_checked)
        controller.problemChanged.connect(self._on_problem_changed)
        controller.vanishingChanged.connect(self._on_vanishing_changed)

        self._on_hyperparameters_changed()
        self._on_running_changed(controller.running)
        self._on_problem_changed(controller.problem)
        self._on_vanishing_changed(controller.vanishing)
        if controller.snapshot is not None:
            self._on_snapshot(controller.snapshot)

    # -- actions ---------------------------------------------------------------------------------

    def _make_action(
        self, text: str, icon: QStyle.StandardPixmap | None, tip: str, shortcut: str = ""
    ) -> QAction:
        action = QAction(text, self)
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            tip = (
                f"{tip} ({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})"
            )
        action.setToolTip(tip)
        action.setStatusTip(tip)
        return action

    def _build_actions(self) -> None:
        SP = QStyle.StandardPixmap
        self.run_action = self._make_action(
            "Run", SP.SP_MediaPlay, "Run gradient descent until paused or a stop condition", "Space"
        )
        self.run_action.setCheckable(True)
        self.run_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.run_action.triggered.connect(self._on_run_triggered)

        self.step_action = self._make_action(
            "Step", SP.SP_MediaSkipForward, "Take one step of the chosen size", "F8"
        )
        self.step_action.triggered.connect(lambda: self._step(self._step_unit))
        self.step_phase_action = self._make_action(
            "Step one phase", None, "Run the next phase only: forward, backward or update", "F10"
        )
        self.step_phase_action.triggered.connect(lambda: self._step(StepUnit.PHASE))
        self.step_example_action = self._make_action(
            "Step one example", None, "One gradient step on a single example"
        )
        self.step_example_action.triggered.connect(lambda: self._step(StepUnit.EXAMPLE))
        self.step_batch_action = self._make_action(
            "Step one mini-batch", None, "One gradient step on the next mini-batch", "F11"
        )
        self.step_batch_action.triggered.connect(lambda: self._step(StepUnit.BATCH))
        self.step_epoch_action = self._make_action(
            "Step one epoch", None, "Gradient steps until every example was seen once", "Shift+F11"
        )
        self.step_epoch_action.triggered.connect(lambda: self._step(StepUnit.EPOCH))
        self.step_actions = [
            self.step_action,
            self.step_phase_action,
            self.step_example_action,
            self.step_batch_action,
            self.step_epoch_action,
        ]

        # The step size, shared by the toolbar's drop-down and the panel's combo box.
        self.step_unit_menu = QMenu("Step size", self)
        self.step_unit_group = QActionGroup(self)
        self.step_unit_actions: dict[StepUnit, QAction] = {}
        for unit, label in STEP_UNIT_LABELS.items():
            action = self.step_unit_menu.addAction(label)
            action.setCheckable(True)
            action.setData(unit.value)
            self.step_unit_group.addAction(action)
            self.step_unit_actions[unit] = action
            action.triggered.connect(lambda _=False, u=unit: self.set_step_unit(u))
        self.step_unit_actions[self._step_unit].setChecked(True)
        self.step_action.setMenu(self.step_unit_menu)

        self.reset_action = self._make_action(
            "Reset",
            SP.SP_BrowserReload,
            "Re-initialise the weights and biases with the seed and clear the history",
        )
        self.reset_action.triggered.connect(self.reset)
        self.gradient_check_action = self._make_action(
            "Gradient check",
            SP.SP_DialogApplyButton,
            "Compare backpropagation with central finite differences",
            "Ctrl+Shift+G",
        )
        self.gradient_check_action.triggered.connect(self.gradient_check)

    def add_actions(self, menu: QMenu) -> None:
        """Fill the Training menu."""
        menu.addAction(self.run_action)
        menu.addSeparator()
        menu.addActions(
            [
                self.step_phase_action,
                self.step_example_action,
                self.step_batch_action,
                self.step_epoch_action,
            ]
        )
        menu.addAction(self.step_action)
        step_menu = menu.addMenu("Step si&ze")
        step_menu.addActions(list(self.step_unit_actions.values()))
        menu.addSeparator()
        menu.addAction(self.reset_action)
        menu.addAction(self.gradient_check_action)

    def add_toolbar_actions(self, toolbar: QToolBar) -> None:
        toolbar.addAction(self.run_action)
        toolbar.addAction(self.step_action)
        button = toolbar.widgetForAction(self.step_action)
        if isinstance(button, QToolButton):
            button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        toolbar.addAction(self.reset_action)

    # -- layout ----------------------------------------------------------------------------------

    def _build_ui(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.setSpacing(6)

        # Divergence guard banner.
        self.banner = QFrame(self)
        self.banner.setObjectName("divergenceBanner")
        messages = theme().messages
        self.banner.setStyleSheet(
            f"#divergenceBanner {{ background: {css(messages.warning_background)};"
            f" border: 1px solid {css(messages.warning_border)}; border-radius: 6px; }}"
            f"#divergenceBanner QLabel {{ color: {css(messages.warning_text)};"
            " background: transparent; }"
        )
        banner_layout = QVBoxLayout(self.banner)
        banner_layout.setContentsMargins(8, 6, 8, 6)
        title = QLabel("⚠ Training diverged")
        title_font = QFont(title.font())
        title_font.setBold(True)
        title.setFont(title_font)
        self.banner_label = QLabel()
        self.banner_label.setWordWrap(True)
        self.banner_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.lower_lr_button = QPushButton("Lower learning rate ×0.1")
        self.lower_lr_button.setToolTip("Divide the learning rate by ten (undoable)")
        self.lower_lr_button.clicked.connect(self.lower_learning_rate)
        row = QHBoxLayout()
        row.addWidget(title)
        row.addStretch(1)
        row.addWidget(self.lower_lr_button)
        banner_layout.addLayout(row)
        banner_layout.addWidget(self.banner_label)
        self.banner.hide()
        outer.addWidget(self.banner)

        # Beside it, the vanishing-gradient notice: learning stalled without diverging.
        self.vanishing_banner = QFrame(self)
        self.vanishing_banner.setObjectName("vanishingBanner")
        self.vanishing_banner.setStyleSheet(
            "#vanishingBanner { background: #fff4d6; border: 1px solid #d9a21b;"
            " border-radius: 6px; }"
            "#vanishingBanner QLabel { color: #5c4300; background: transparent; }"
        )
        vanishing_layout = QVBoxLayout(self.vanishing_banner)
        vanishing_layout.setContentsMargins(8, 6, 8, 6)
        vanishing_title = QLabel("⚠ Vanishing gradients")
        vanishing_title.setFont(title_font)
        self.vanishing_label = QLabel()
        self.vanishing_label.setWordWrap(True)
        self.vanishing_label.setTextFormat(Qt.TextFormat.PlainText)
        self.vanishing_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        vanishing_layout.addWidget(vanishing_title)
        vanishing_layout.addWidget(self.vanishing_label)
        self.vanishing_banner.hide()
        outer.addWidget(self.vanishing_banner)

        # Transport: Run, Step (with its size), Reset, gradient check.
        transport = QHBoxLayout()
        transport.setSpacing(4)
        self.run_button = self._tool_button(self.run_action)
        self.step_button = self._tool_button(self.step_action)
        self.step_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        transport.addWidget(self.run_button)
        transport.addWidget(self.step_button)
        self.step_unit_combo = QComboBox()
        for unit, label in STEP_UNIT_SHORT.items():
            self.step_unit_combo.addItem(label, unit.value)
            self.step_unit_combo.setItemData(
                self.step_unit_combo.count() - 1,
                STEP_UNIT_LABELS[unit],
                Qt.ItemDataRole.ToolTipRole,
            )
        self.step_unit_combo.setToolTip(
            "How far Step goes: one phase (forward → backward → update, shown separately), "
            "one example, one mini-batch or one epoch"
        )
        self.step_unit_combo.currentIndexChanged.connect(self._on_step_unit_combo_changed)
        transport.addWidget(self.step_unit_combo, 1)
        outer.addLayout(transport)

        # Phase indicator and counters.
        self.phase_indicator = PhaseIndicator(self)
        outer.addWidget(self.phase_indicator)
        self.phase_hint = QLabel()
        self.phase_hint.setWordWrap(True)
        set_palette_style(self.phase_hint, "color: palette(dark);")
        outer.addWidget(self.phase_hint)
        outer.addWidget(self._build_counters())
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.hide()
        outer.addWidget(self.status_label)

        # The settings scroll when the dock is short.
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.addWidget(self._build_hyperparameters())
        body_layout.addWidget(self._build_run_settings())
        body_layout.addWidget(self._build_reset_box())
        body_layout.addStretch(1)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        self._fit_number_fields()

    @staticmethod
    def _compact(combo: QComboBox, characters: int = 12) -> QComboBox:
        """Let a combo box with long item texts shrink with the dock."""
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(characters)
        return combo

    @staticmethod
    def _tool_button(action: QAction) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        return button

    def _build_counters(self) -> QWidget:
        box = QFrame()
        box.setObjectName("counters")
        set_palette_style(
            box, "#counters { background: palette(alternate-base); border-radius: 6px; }"
        )
        grid = QGridLayout(box)
        grid.setContentsMargins(8, 4, 8, 4)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(0)
        self.counter_labels: dict[str, QLabel] = {}
        names = [("step", "Step"), ("epoch", "Epoch"), ("rate", "Steps/s"), ("cost", "Batch C")]
        # Two by two: four counters side by side ran into each other in a narrow dock
        # once the epoch read "100,149 + 100%".
        for index, (key, caption) in enumerate(names):
            row, column = 2 * (index // 2), index % 2
            head = QLabel(caption)
            set_palette_style(head, "color: palette(mid); font-size: 8pt;")
            value = QLabel("–")
            font = QFont(value.font())
            font.setBold(True)
            font.setPointSizeF(font.pointSizeF() * 1.15)
            value.setFont(font)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            hold_width(value, COUNTER_SAMPLES[key])
            grid.addWidget(head, row, column)
            grid.addWidget(value, row + 1, column)
            self.counter_labels[key] = value
        self.lr_now_label = status_label()  # always there, often empty: no relayouts
        set_palette_style(self.lr_now_label, "color: palette(mid); font-size: 8pt;")
        grid.addWidget(self.lr_now_label, 4, 0, 1, 2)
        return box

    def _build_hyperparameters(self) -> QGroupBox:
        box = QGroupBox("Hyperparameters (apply live)")
        form = _form(box)

        self.lr_spin = LogSpinBox(LR_MIN, LR_MAX)
        self.lr_spin.setToolTip("η, the step size of w ← w − η ∂C/∂w (arrows: 1, 2, 5 × 10ⁿ)")
        self.lr_spin.valueChanged.connect(self._on_lr_spin_changed)
        self.lr_slider = QSlider(Qt.Orientation.Horizontal)
        self.lr_slider.setRange(round(100 * math.log10(LR_MIN)), round(100 * math.log10(LR_MAX)))
        self.lr_slider.setToolTip("Learning rate on a logarithmic scale")
        self.lr_slider.valueChanged.connect(self._on_lr_slider_changed)
        lr_row = QHBoxLayout()
        lr_row.addWidget(self.lr_spin)
        lr_row.addWidget(self.lr_slider, 1)
        form.addRow("Learning rate η", lr_row)

        self.schedule_combo = self._compact(QComboBox())
        for name, label in SCHEDULES.items():
            self.schedule_combo.addItem(label, name)
        self.schedule_combo.currentIndexChanged.connect(self._on_schedule_changed)
        self.schedule_combo.setToolTip("How η changes with the step count t (from 0)")
        self.schedule_every = IntegerSpinBox()
        self.schedule_every.setRange(1, 10_000_000)
        self.schedule_every.setSuffix(" steps")
        self.schedule_every.setKeyboardTracking(False)
        self.schedule_every.valueChanged.connect(
            lambda v: self._change("schedule interval", schedule_every=int(v))
        )
        self.schedule_factor = NumberSpinBox()
        self.schedule_factor.setRange(0.01, 1.0)
        self.schedule_factor.setSingleStep(0.05)
        self.schedule_factor.setDecimals(3)
        self.schedule_factor.setPrefix("× ")
        self.schedule_factor.setKeyboardTracking(False)
        self.schedule_factor.valueChanged.connect(
            lambda v: self._change("schedule factor", schedule_factor=float(v))
        )
        self.schedule_every.setToolTip("Step decay: η_t = η₀ · factor^⌊t / N⌋, t counted from 0")
        self.schedule_factor.setToolTip(self.schedule_every.toolTip())
        self.schedule_rate = LogSpinBox(1e-9, 1.0)
        self.schedule_rate.setToolTip(
            "Exponential decay: η_t = η₀ e^(−r t), t counted from 0 (η halves every ln 2 / r steps)"
        )
        self.schedule_rate.valueChanged.connect(
            lambda v: self._change("decay rate", schedule_rate=float(v))
        )
        self.schedule_step_row = QWidget()
        # Two lines, not one: "× 0.500 every 10,000,000 steps" is wider than a narrow dock.
        schedule_row = QGridLayout(self.schedule_step_row)
        schedule_row.setContentsMargins(0, 0, 0, 0)
        schedule_row.addWidget(QLabel("factor"), 0, 0)
        schedule_row.addWidget(self.schedule_factor, 0, 1)
        schedule_row.addWidget(QLabel("every"), 1, 0)
        schedule_row.addWidget(self.schedule_every, 1, 1)
        schedule_row.setColumnStretch(1, 1)
        self.schedule_rate_row = QWidget()
        rate_row = QHBoxLayout(self.schedule_rate_row)
        rate_row.setContentsMargins(0, 0, 0, 0)
        rate_row.addWidget(QLabel("rate r"))
        rate_row.addWidget(self.schedule_rate, 1)
        schedule_rows = QVBoxLayout()
        schedule_rows.setContentsMargins(0, 0, 0, 0)
        schedule_rows.addWidget(self.schedule_step_row)
        schedule_rows.addWidget(self.schedule_rate_row)
        form.addRow("Schedule", self.schedule_combo)
        form.addRow("", schedule_rows)

        self.optimizer_combo = self._compact(QComboBox())
        for name, label in OPTIMIZER_LABELS.items():
            self.optimizer_combo.addItem(label, name)
        self.optimizer_combo.currentIndexChanged.connect(self._on_optimizer_changed)
        self.momentum_spin = NumberSpinBox()
        self.momentum_spin.setRange(0.0, 0.999)
        self.momentum_spin.setSingleStep(0.05)
        self.momentum_spin.setDecimals(3)
        self.momentum_spin.setKeyboardTracking(False)
        self.momentum_spin.setToolTip(
            "μ in v ← μ v − η ∇C, θ ← θ + v: the velocity v is in parameter units, so changing "
            "η does not rescale it"
        )
        self.momentum_spin.valueChanged.connect(self._on_momentum_changed)
        form.addRow("Optimiser", self.optimizer_combo)
        self.momentum_label = QLabel("Momentum μ")
        form.addRow(self.momentum_label, self.momentum_spin)

        adam = "Adam: m ← β₁ m + (1−β₁) g, v ← β₂ v + (1−β₂) g², "
        adam += "θ ← θ − η √(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε)"
        self.beta1_spin = self._adam_spin(0.9999, 4, 0.01, adam)
        self.beta1_spin.valueChanged.connect(lambda v: self._change("Adam β₁", beta1=float(v)))
        self.beta2_spin = self._adam_spin(0.999999, 6, 0.0001, adam)
        self.beta2_spin.valueChanged.connect(lambda v: self._change("Adam β₂", beta2=float(v)))
        self.eps_spin = LogSpinBox(1e-12, 1.0)
        self.eps_spin.setToolTip(
            adam + " (ε is added to √v, before the bias corrections, which are in the step size)"
        )
        self.eps_spin.valueChanged.connect(lambda v: self._change("Adam ε", eps=float(v)))
        self.adam_row = QWidget()
        # One setting a line: side by side, three fields squeezed ε to "1e-".
        adam_row = QGridLayout(self.adam_row)
        adam_row.setContentsMargins(0, 0, 0, 0)
        for line, (caption, spin) in enumerate(
            (("β₁", self.beta1_spin), ("β₂", self.beta2_spin), ("ε", self.eps_spin))
        ):
            adam_row.addWidget(QLabel(caption), line, 0)
            adam_row.addWidget(spin, line, 1)
        adam_row.setColumnStretch(1, 1)
        self.adam_label = QLabel("Adam")
        form.addRow(self.adam_label, self.adam_row)

        self.batch_spin = IntegerSpinBox()
        self.batch_spin.setRange(1, 1_000_000)
        self.batch_spin.setKeyboardTracking(False)
        self.batch_spin.setToolTip("Examples per gradient step (the n of (1/n) Σ_k)")
        self.batch_spin.valueChanged.connect(self._on_batch_changed)
        form.addRow("Batch size n", self.batch_spin)

        self.l2_spin = self._penalty_spin(
            "L2 penalty: C = C_data + (λ₂/2) Σ w² over the weights (not the biases); the "
            "gradient λ₂ w is added to ∂C/∂w (weight decay, not decoupled)"
        )
        self.l2_spin.valueChanged.connect(lambda v: self._change("l2", l2=float(v)))
        self.l1_spin = self._penalty_spin(
            "L1 penalty: C = C_data + λ₁ Σ |w| over the weights (not the biases); the "
            "subgradient λ₁ sign(w), 0 at w = 0, is added to ∂C/∂w (sparse weights)"
        )
        self.l1_spin.valueChanged.connect(lambda v: self._change("l1", l1=float(v)))
        form.addRow("L2 λ", self.l2_spin)
        form.addRow("L1 λ", self.l1_spin)

        self.seed_spin = IntegerSpinBox()
        self.seed_spin.setRange(0, 2_147_483_647)
        self.seed_spin.setKeyboardTracking(False)
        self.seed_spin.setToolTip("Seeds the shuffling of examples and Reset's initialisation")
        self.seed_spin.valueChanged.connect(lambda v: self._change("seed", seed=int(v)))
        form.addRow("Seed", self.seed_spin)
        return box

    @staticmethod
    def _adam_spin(maximum: float, decimals: int, step: float, tip: str) -> QDoubleSpinBox:
        spin = NumberSpinBox()
        spin.setRange(0.0, maximum)
        spin.setDecimals(decimals)
        spin.setSingleStep(step)
        spin.setKeyboardTracking(False)
        spin.setToolTip(tip)
        return spin

    @staticmethod
    def _penalty_spin(tip: str) -> QDoubleSpinBox:
        spin = NumberSpinBox()
        spin.setRange(0.0, 10.0)
        spin.setDecimals(5)
        spin.setSingleStep(1e-4)
        spin.setKeyboardTracking(False)
        spin.setSpecialValueText("off")
        spin.setToolTip(tip)
        return spin

    def _build_run_settings(self) -> QGroupBox:
        box = QGroupBox("Speed and stop conditions")
        form = _form(box)
        self.speed_slider = QSlider(Qt.Orientation.Horizontal)
        self.speed_slider.setRange(0, SPEED_FASTEST_POS)
        self.speed_slider.setValue(SPEED_FASTEST_POS)
        self.speed_slider.setPageStep(5)
        self.speed_slider.setToolTip(
            "Steps per second while running, 1 … 1000, or as fast as possible (max)"
        )
        self.speed_slider.valueChanged.connect(self._on_stop_conditions_edited)
        self.speed_label = QLabel()
        self.speed_label.setMinimumWidth(
            max(self.fontMetrics().horizontalAdvance(t) for t in (FASTEST, "1,000 steps/s")) + 2
        )
        speed_row = QHBoxLayout()
        speed_row.addWidget(self.speed_slider, 1)
        speed_row.addWidget(self.speed_label)
        form.addRow("Speed", speed_row)

        self.max_epochs_check = QCheckBox("Stop at epoch")
        self.max_epochs_spin = IntegerSpinBox()
        self.max_epochs_spin.setRange(1, 100_000_000)
        self.max_epochs_spin.setValue(1000)
        self.target_cost_check = QCheckBox("Stop at cost ≤")
        self.target_cost_spin = LogSpinBox(1e-12, 1e6)
        self.target_cost_spin.setValue(1e-3)
        self.target_cost_spin.setToolTip("Full training-set cost C at which a run stops")
        self.target_accuracy_check = QCheckBox("Stop at acc. ≥")
        self.target_accuracy_spin = NumberSpinBox()
        self.target_accuracy_spin.setRange(0.0, 100.0)
        self.target_accuracy_spin.setDecimals(1)
        self.target_accuracy_spin.setSuffix(" %")
        self.target_accuracy_spin.setValue(100.0)
        for check, spin in (
            (self.max_epochs_check, self.max_epochs_spin),
            (self.target_cost_check, self.target_cost_spin),
            (self.target_accuracy_check, self.target_accuracy_spin),
        ):
            spin.setEnabled(False)
            spin.setKeyboardTracking(False)
            check.toggled.connect(spin.setEnabled)
            check.toggled.connect(self._on_stop_conditions_edited)
            spin.valueChanged.connect(self._on_stop_conditions_edited)
            form.addRow(check, spin)
        self._update_speed_label()
        return box

    def _build_reset_box(self) -> QGroupBox:
        box = QGroupBox("Start over and verify")
        layout = QGridLayout(box)
        self.init_combo = self._compact(QComboBox())
        for name, label in INITIALIZER_LABELS.items():
            self.init_combo.addItem(label, name)
        self.init_combo.setToolTip("How Reset draws the new weights and biases (with the seed)")
        reset_button = self._tool_button(self.reset_action)
        check_button = self._tool_button(self.gradient_check_action)
        layout.addWidget(QLabel("Initialisation"), 0, 0)
        layout.addWidget(self.init_combo, 0, 1)
        layout.addWidget(reset_button, 1, 0)
        layout.addWidget(check_button, 1, 1)
        layout.setColumnStretch(1, 1)
        return box

    def _fit_number_fields(self) -> None:
        """Every number field at least as wide as the widest value it can show, from its
        font (a squeezed field showed Adam's ε 1e-08 as "1e-")."""
        for spin in self.findChildren(QAbstractSpinBox):
            spin.setMinimumWidth(spin.sizeHint().width())

    # -- reading the controls --------------------------------------------------------------------

    @property
    def step_unit(self) -> StepUnit:
        return self._step_unit

    def set_step_unit(self, unit: StepUnit | str) -> None:
        unit = StepUnit(unit)
        if unit == self._step_unit:
            return
        self._step_unit = unit
        self.step_unit_actions[unit].setChecked(True)
        with QSignalBlocker(self.step_unit_combo):
            self.step_unit_combo.setCurrentIndex(self.step_unit_combo.findData(unit.value))
        self._update_hint()
        self.stepUnitChanged.emit(unit.value)

    def steps_per_second(self) -> float | None:
        position = self.speed_slider.value()
        if position >= SPEED_FASTEST_POS:
            return None
        return float(round(10 ** (position / 10.0)))

    def set_steps_per_second(self, rate: float | None) -> None:
        if rate is None:
            self.speed_slider.setValue(SPEED_FASTEST_POS)
        else:
            position = round(10 * math.log10(max(1.0, min(rate, 1000.0))))
            self.speed_slider.setValue(min(position, SPEED_FASTEST_POS - 1))

    def stop_conditions(self) -> StopConditions:
        return StopConditions(
            max_epochs=self.max_epochs_spin.value() if self.max_epochs_check.isChecked() else None,
            target_cost=(
                self.target_cost_spin.value() if self.target_cost_check.isChecked() else None
            ),
            target_accuracy=(
                self.target_accuracy_spin.value() / 100.0
                if self.target_accuracy_check.isChecked()
                else None
            ),
            steps_per_second=self.steps_per_second(),
        )

    # -- commands --------------------------------------------------------------------------------

    def _on_run_triggered(self) -> None:
        if self.controller.running:
            self.controller.pause()
        else:
            self.controller.run(self.stop_conditions())
        # The button follows the worker: it changes when runningChanged arrives.
        with QSignalBlocker(self.run_action):
            self.run_action.setChecked(self.controller.running)

    def _step(self, unit: StepUnit) -> None:
        if not self.controller.running:
            self.controller.step(unit.value)

    def reset(self) -> None:
        """Re-initialise with the seed and the chosen scheme; one undo step."""
        spec = self.document.spec
        scheme = str(self.init_combo.currentData() or "xavier")
        self.controller.reset(initialize(spec, scheme, self.document.hyperparameters.seed))

    def gradient_check(self) -> None:
        self._gradient_check_pending = True
        self.controller.gradient_check()

    def lower_learning_rate(self) -> None:
        """The divergence guard's quick fix: η ← η / 10."""
        hp = self.document.hyperparameters
        new = max(LR_MIN, hp.learning_rate * 0.1)
        self._change("learning_rate", learning_rate=new)
        self.banner_label.setText(
            f"{self._banner_message} <br><b>The learning rate is now {new:.3g}.</b> "
            "Run or step again."
        )

    def _change(self, field: str, **changes: object) -> None:
        """Push a SetHyperparametersCommand for one field (consecutive changes merge)."""
        if self._updating:
            return
        current = self.document.hyperparameters
        try:
            hp = current.with_changes(**changes)
        except BPStudioError as exc:
            self._show_status(str(exc), error=True)
            self._on_hyperparameters_changed()
            return
        if hp != current:
            self.document.push(SetHyperparametersCommand(self.document, hp, field=field))

    # -- widget handlers -------------------------------------------------------------------------

    def _on_step_unit_combo_changed(self, index: int) -> None:
        self.set_step_unit(str(self.step_unit_combo.itemData(index)))

    def _on_lr_spin_changed(self, value: float) -> None:
        with QSignalBlocker(self.lr_slider):
            self.lr_slider.setValue(round(100 * math.log10(value)))
        self._change("learning_rate", learning_rate=float(value))

    def _on_lr_slider_changed(self, position: int) -> None:
        # Round to 3 significant digits so dragged values read well.
        value = float(f"{10 ** (position / 100.0):.3g}")
        with QSignalBlocker(self.lr_spin):
            self.lr_spin.setValue(value)
        self._change("learning_rate", learning_rate=value)

    def _on_schedule_changed(self) -> None:
        kind = str(self.schedule_combo.currentData())
        self._update_schedule_enabled(kind)
        self._change("schedule", schedule=kind)

    def _on_optimizer_changed(self) -> None:
        name = str(self.optimizer_combo.currentData())
        self._update_momentum_enabled(name)
        self._change("optimizer", optimizer=name)

    def _on_momentum_changed(self, value: float) -> None:
        self._change("momentum", momentum=float(value))

    def _on_batch_changed(self, value: int) -> None:
        self._change("batch_size", batch_size=int(value))

    def _on_stop_conditions_edited(self) -> None:
        self._update_speed_label()
        # Stored by the controller for the next Run, applied live while running.
        self.controller.set_stop_conditions(self.stop_conditions())

    def _update_speed_label(self) -> None:
        rate = self.steps_per_second()
        self.speed_label.setText(
            FASTEST if rate is None else f"{rate:,.0f} step{'s' if rate != 1 else ''}/s"
        )

    def _update_schedule_enabled(self, kind: str) -> None:
        self.schedule_step_row.setVisible(kind != "exponential")
        self.schedule_step_row.setEnabled(kind == "step")
        self.schedule_rate_row.setVisible(kind == "exponential")

    def _update_momentum_enabled(self, optimizer: str) -> None:
        self.momentum_spin.setEnabled(optimizer == "momentum")
        self.momentum_label.setEnabled(optimizer == "momentum")
        self.adam_row.setEnabled(optimizer == "adam")
        self.adam_label.setEnabled(optimizer == "adam")

    # -- document and controller -----------------------------------------------------------------

    def _on_hyperparameters_changed(self) -> None:
        hp = self.document.hyperparameters
        self._updating = True
        try:
            self.lr_spin.setValue(hp.learning_rate)
            self.lr_slider.setValue(round(100 * math.log10(max(hp.learning_rate, LR_MIN))))
            self.schedule_combo.setCurrentIndex(self.schedule_combo.findData(hp.schedule))
            self.schedule_every.setValue(hp.schedule_every)
            self.schedule_factor.setValue(hp.schedule_factor)
            self.schedule_rate.setValue(hp.schedule_rate)
            self.optimizer_combo.setCurrentIndex(self.optimizer_combo.findData(hp.optimizer))
            self.momentum_spin.setValue(hp.momentum)
            self.beta1_spin.setValue(hp.beta1)
            self.beta2_spin.setValue(hp.beta2)
            self.eps_spin.setValue(hp.eps)
            self.batch_spin.setValue(hp.batch_size)
            self.l1_spin.setValue(hp.l1)
            self.l2_spin.setValue(hp.l2)
            self.seed_spin.setValue(hp.seed)
        finally:
            self._updating = False
        self._update_schedule_enabled(hp.schedule)
        self._update_momentum_enabled(hp.optimizer)

    def _on_running_changed(self, running: bool) -> None:
        with QSignalBlocker(self.run_action):
            self.run_action.setChecked(running)
        SP = QStyle.StandardPixmap
        self.run_action.setText("Pause" if running else "Run")
        self.run_action.setIcon(
            self.style().standardIcon(SP.SP_MediaPause if running else SP.SP_MediaPlay)
        )
        for action in self.step_actions:
            action.setEnabled(not running)
        self.step_unit_combo.setEnabled(not running)
        if running:
            self.status_label.hide()
        if self.last_snapshot is not None:
            self.phase_indicator.set_state(self.last_snapshot.next_phase, running)
        self._update_hint()

    def _update_hint(self) -> None:
        self.phase_hint.setText(
            panel_hint(
                self.last_snapshot, self.controller.running, STEP_UNIT_SHORT[self._step_unit]
            )
        )

    def _on_training_stopped(self, reason: str) -> None:
        if (
            reason
            and reason not in ("paused", "step")
            and not reason.startswith("Training diverged")
        ):
            self._show_status(f"Stopped: {reason}.")

    def _on_problem_changed(self, message: str) -> None:
        if message:
            self._show_status(message, error=True)
        elif self.status_label.property("error"):
            self.status_label.hide()

    def _on_vanishing_changed(self, message: str) -> None:
        self.vanishing_label.setText(message)
        self.vanishing_banner.setVisible(bool(message))

    def _show_status(self, text: str, error: bool = False) -> None:
        self.status_label.setText(text)
        self.status_label.setProperty("error", error)
        set_palette_style(
            self.status_label,
            f"color: {css(theme().messages.error)};" if error else "color: palette(dark);",
        )
        self.status_label.show()

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        self.last_snapshot = snapshot
        running = snapshot.running or self.controller.running
        self.phase_indicator.set_state(snapshot.next_phase, running)
        self._update_hint()
        c = self.counter_labels
        cost = snapshot.cost
        set_text(c["step"], f"{snapshot.step:,}")
        set_text(c["epoch"], epoch_text(snapshot))
        set_text(c["rate"], f"{snapshot.steps_per_second:,.0f}" if running else "–")
        set_text(c["cost"], "–" if cost is None else f"{cost:.4g}")
        base = self.document.hyperparameters.learning_rate
        scheduled = snapshot.learning_rate
        set_text(
            self.lr_now_label,
            f"η now {scheduled:.3g} (schedule)"
            if scheduled and not math.isclose(scheduled, base, rel_tol=1e-9)
            else "",
        )
        if snapshot.divergence:
            if snapshot.divergence != self._banner_message:
                self._banner_message = snapshot.divergence
                self.banner_label.setText(snapshot.divergence)
            self.banner.show()
        elif self.banner.isVisibleTo(self):
            self.banner.hide()
            self._banner_message = ""

    def _on_gradient_checked(self, result: GradCheckResult) -> None:
        self.last_gradient_check = result
        if not self._gradient_check_pending:
            return
        self._gradient_check_pending = False
        if self.gradient_check_dialog is None:
            self.gradient_check_dialog = GradientCheckDialog(self)
        self.gradient_check_dialog.show_result(result, Notation.for_spec(self.document.spec))
        self.gradient_check_dialog.show()
        self.gradient_check_dialog.raise_()


def _form(box: QGroupBox) -> QFormLayout:
    """A form that fits a narrow dock: a field too wide to sit beside its label goes under
    it, instead of the panel scrolling sideways."""
    form = QFormLayout(box)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    return form
