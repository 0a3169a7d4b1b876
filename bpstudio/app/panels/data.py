"""The data panel: choose the examples, see them, bind them to the project.

The top half edits a *pending* choice: a built-in generator with only the controls it takes
(size, noise, classes, seed) or the imported CSV file, plus the validation fraction. The
preview under it follows every slider move (at most ~10 times a second, computed on a
background thread). **Apply** binds the choice with one undo command
(:class:`SetDataSourceCommand`); when the examples do not fit the network's input or output
layer, it first asks, then reshapes those layers in the same command
(:mod:`bpstudio.core.data.fit`), optionally with the output activation and cost the targets
suggest. **Import Data…** (:attr:`DataPanel.import_action`, Ctrl+I) reads a CSV file.

The summary describes the bound data once the worker has loaded it (or the pending choice
while previewing); a problem loading it (a moved or changed CSV file) is shown here with a
way to import the file again.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from bpstudio.app.background import LatestJob
from bpstudio.app.commands import SetDataSourceCommand
from bpstudio.app.document import Document
from bpstudio.app.miniatures import dataset_pixmap, generator_pixmap, icon_of
from bpstudio.app.panels.data_preview import (
    ClassBalanceBar,
    Preview,
    PreviewView,
    build_preview,
    preview_from,
    summary_rows,
)
from bpstudio.app.theme import css, notifier, set_palette_style, theme
from bpstudio.app.training import TrainingController
from bpstudio.app.widgets import IntegerSpinBox, PageStack
from bpstudio.app.worker import LoadedData
from bpstudio.core.data.datasets import GENERATORS, Dataset, GeneratorInfo
from bpstudio.core.data.fit import FitPlan, fit_to_dataset, fits, suggests_other_output
from bpstudio.core.data.source import DataSource, load_examples, split_examples
from bpstudio.core.errors import BPStudioError

if TYPE_CHECKING:
    from bpstudio.app.dialogs.import_csv import ImportCsvDialog

#: Asked before Apply reshapes the network to fit the examples: ``(examples, suggested,
#: kept)`` (the two :class:`FitPlan` s: with the output the targets suggest, and with the
#: network's own) -> None to cancel, True to reshape with the suggested output, False to
#: reshape keeping the network's output activation and cost.
ReshapeQuestion = Callable[[Dataset, FitPlan, FitPlan], bool | None]

PREVIEW_INTERVAL_MS = 100  # ≤ 10 previews a second while a slider moves
CSV_ITEM = "csv"
SIZE_SLIDER_STEPS = 1000
NOISE_STEPS = 100  # noise 0..1 in steps of 0.01
#: The data sets' thumbnails in the chooser (logical pixels, square).
THUMBNAIL_SIZE = 36

_OUTPUT_WORDS = {
    ("sigmoid", "cross_entropy"): "a sigmoid output with the cross-entropy cost",
    ("softmax", "cross_entropy"): "a softmax output with the cross-entropy cost",
    ("linear", "squared_error"): "a linear output with the squared-error cost",
}


def output_words(activation: str, loss: str) -> str:
    return _OUTPUT_WORDS.get(
        (activation, loss), f"a {activation} output with the {loss.replace('_', ' ')} cost"
    )


class LogSlider(QSlider):
    """A horizontal slider over integers ``minimum..maximum`` on a logarithmic scale."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setRange(0, SIZE_SLIDER_STEPS)
        self.low, self.high = 1, 1

    def set_bounds(self, low: int, high: int) -> None:
        self.low, self.high = max(1, low), max(1, high)
        self.setEnabled(self.high > self.low)

    def to_value(self, position: int) -> int:
        if self.high <= self.low:
            return self.low
        t = position / SIZE_SLIDER_STEPS
        return round(self.low * (self.high / self.low) ** t)

    def to_position(self, value: int) -> int:
        if self.high <= self.low:
            return 0
        value = min(max(value, self.low), self.high)
        return round(
            SIZE_SLIDER_STEPS * math.log(value / self.low) / math.log(self.high / self.low)
        )


class DataPanel(QWidget):
    """Choose, preview and bind the project's data.

    Signals
    -------
    previewUpdated : the preview (plot and summary) was redrawn.
    dataBound : Apply pushed a command binding new data.
    """

    previewUpdated = Signal()
    dataBound = Signal()

    def __init__(
        self,
        document: Document,
        controller: TrainingController,
        parent: QWidget | None = None,
        confirm_reshape: ReshapeQuestion | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.controller = controller
        #: Asked before Apply reshapes the network (:data:`ReshapeQuestion`); a message box
        #: unless given (tests give an answer).
        self.confirm_reshape: ReshapeQuestion = confirm_reshape or self.ask_reshape
        #: The last preview drawn (pending choice or bound data).
        self.preview: Preview | None = None
        #: The thumbnail of the examples the controls describe (the chooser's current icon).
        self.thumbnail: QPixmap | None = None
        self.preview_error = ""
        #: A CSV source imported in this session, so the combo can come back to it.
        self._csv: tuple[DataSource, Dataset] | None = None
        self._previous_index = 0
        #: Builds the previews in the background, the newest choice only and at most one
        #: every PREVIEW_INTERVAL_MS (its ``runs`` count how many were built).
        self.preview_job = LatestJob(PREVIEW_INTERVAL_MS, self)
        self.preview_job.finished.connect(self._on_preview_ready)
        self.preview_job.failed.connect(self._on_preview_failed)

        self.import_action = QAction("Import &Data…", self)
        self.import_action.setShortcut(QKeySequence("Ctrl+I"))
        self.import_action.setStatusTip("Read examples from a CSV file")
        self.import_action.triggered.connect(self.import_csv)

        self._build()
        document.dataSourceChanged.connect(self._on_data_source_changed)
        document.projectReplaced.connect(self._on_data_source_changed)
        document.networkChanged.connect(self._update_fit_hint)
        controller.dataLoaded.connect(self._on_data_loaded)
        controller.problemChanged.connect(self._on_problem_changed)
        self._on_data_source_changed()
        if controller.data is not None:
            self._on_data_loaded(controller.data)

    # -- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.generator_combo = QComboBox()
        for info in GENERATORS.values():
            self.generator_combo.addItem(info.label, info.name)
        self.generator_combo.insertSeparator(self.generator_combo.count())
        self.generator_combo.addItem("CSV file…", CSV_ITEM)
        self.generator_combo.setIconSize(QSize(THUMBNAIL_SIZE, THUMBNAIL_SIZE))
        self.generator_combo.currentIndexChanged.connect(self._on_generator_chosen)
        self._thumbnail_row: int | None = None  # the row whose icon shows the current data
        self._set_default_icons()
        notifier().themeChanged.connect(self._on_theme_changed)
        self.description = QLabel()
        self.description.setWordWrap(True)
        set_palette_style(self.description, "color: palette(placeholder-text);")

        # Generator controls.
        self.size_slider = LogSlider()
        self.size_spin = IntegerSpinBox()
        self.size_spin.setGroupSeparatorShown(True)
        self.size_spin.setKeyboardTracking(False)
        self.size_slider.valueChanged.connect(self._on_size_slider)
        self.size_spin.valueChanged.connect(self._on_size_spin)
        self.noise_slider = QSlider(Qt.Orientation.Horizontal)
        self.noise_slider.setRange(0, NOISE_STEPS)
        self.noise_value = QLabel()
        self.noise_value.setMinimumWidth(36)
        self.noise_slider.valueChanged.connect(self._on_editor_changed)
        self.classes_spin = IntegerSpinBox()
        self.classes_spin.valueChanged.connect(self._on_editor_changed)
        self.seed_spin = IntegerSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setKeyboardTracking(False)
        self.seed_spin.valueChanged.connect(self._on_editor_changed)
        self.reseed_button = QToolButton()
        self.reseed_button.setText("⟳")
        self.reseed_button.setToolTip("Draw another seed: new examples, same recipe")
        self.reseed_button.clicked.connect(self._on_reseed)

        generator_page = QWidget()
        form = QFormLayout(generator_page)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.size_row = _row(self.size_slider, self.size_spin)
        self.noise_row = _row(self.noise_slider, self.noise_value)
        self.seed_row = _row(self.seed_spin, self.reseed_button)
        form.addRow("Examples", self.size_row)
        form.addRow("Noise", self.noise_row)
        form.addRow("Classes", self.classes_spin)
        form.addRow("Seed", self.seed_row)
        self.generator_form = form

        # CSV controls.
        csv_page = QWidget()
        cl = QFormLayout(csv_page)
        cl.setContentsMargins(0, 0, 0, 0)
        self.csv_file_label = QLabel()
        self.csv_file_label.setWordWrap(True)
        self.csv_file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.csv_targets_label = QLabel()
        self.csv_targets_label.setWordWrap(True)
        self.standardize_check = QCheckBox("Standardise inputs (training statistics)")
        self.standardize_check.toggled.connect(self._on_editor_changed)
        self.reimport_button = QPushButton("Import another file…")
        self.reimport_button.clicked.connect(self.import_csv)
        cl.addRow("File", self.csv_file_label)
        cl.addRow("Targets", self.csv_targets_label)
        cl.addRow(self.standardize_check)
        cl.addRow(self.reimport_button)

        self.pages = PageStack()  # as tall as the shown page alone
        self.pages.addWidget(generator_page)
        self.pages.addWidget(csv_page)
        self.pages.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

        self.validation_slider = QSlider(Qt.Orientation.Horizontal)
        self.validation_slider.setRange(0, 90)
        self.validation_spin = IntegerSpinBox()
        self.validation_spin.setRange(0, 90)
        self.validation_spin.setSuffix(" %")
        self.validation_slider.valueChanged.connect(self.validation_spin.setValue)
        self.validation_spin.valueChanged.connect(self.validation_slider.setValue)
        self.validation_spin.valueChanged.connect(self._on_editor_changed)
        validation_form = QFormLayout()
        validation_form.setContentsMargins(0, 0, 0, 0)
        validation_form.addRow("Validation", _row(self.validation_slider, self.validation_spin))

        self.preview_view = PreviewView(self)
        self.state_label = QLabel()
        set_palette_style(self.state_label, "color: palette(placeholder-text); font-size: 9pt;")

        self.summary_form = QFormLayout()
        self.summary_form.setContentsMargins(0, 0, 0, 0)
        self.summary_form.setVerticalSpacing(2)
        self.summary_labels: dict[str, QLabel] = {}
        for key in ("Examples", "Inputs", "Outputs", "Task"):
            value = QLabel("—")
            value.setWordWrap(True)
            self.summary_labels[key] = value
            self.summary_form.addRow(f"{key}:", value)
        self.balance_bar = ClassBalanceBar()
        self.fit_label = QLabel()
        self.fit_label.setWordWrap(True)
        set_palette_style(self.fit_label, "color: palette(placeholder-text);")

        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        messages = theme().messages
        self.problem_label.setStyleSheet(f"color: {css(messages.warning_text)};")
        self.problem_button = QPushButton("Import the file again…")
        self.problem_button.clicked.connect(self.import_csv)
        self.problem_frame = QFrame()
        self.problem_frame.setStyleSheet(
            f"QFrame#problem {{ background: {css(messages.warning_background)};"
            f" border: 1px solid {css(messages.warning_border)}; border-radius: 4px; }}"
        )
        self.problem_frame.setObjectName("problem")
        pl = QVBoxLayout(self.problem_frame)
        pl.setContentsMargins(8, 6, 8, 6)
        pl.addWidget(self.problem_label)
        pl.addWidget(self.problem_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.problem_frame.hide()

        self.revert_button = QPushButton("Revert")
        self.revert_button.setToolTip("Back to the data the project uses")
        self.revert_button.clicked.connect(self.revert)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setDefault(True)
        self.apply_button.setToolTip("Use these examples for training (undoable)")
        self.apply_button.clicked.connect(self.apply)
        buttons = QHBoxLayout()
        buttons.addWidget(self.state_label, 1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.apply_button)

        # Everything scrolls: a short dock must not squeeze the preview to nothing.
        content = QWidget()
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll_area)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.generator_combo)
        layout.addWidget(self.description)
        layout.addWidget(self.pages)
        layout.addLayout(validation_form)
        layout.addLayout(buttons)
        layout.addWidget(self.preview_view, 1)
        layout.addLayout(self.summary_form)
        layout.addWidget(self.balance_bar)
        layout.addWidget(self.fit_label)
        layout.addWidget(self.problem_frame)

    # -- reading the editor --------------------------------------------------------------------

    def _info(self) -> GeneratorInfo | None:
        name = self.generator_combo.currentData()
        return GENERATORS.get(name) if name != CSV_ITEM else None

    def pending_source(self) -> DataSource | None:
        """The data source the controls describe (None: CSV chosen but none imported)."""
        validation = self.validation_spin.value() / 100.0
        info = self._info()
        if info is None:
            if self._csv is None:
                return None
            return self._csv[0].with_changes(
                validation_fraction=validation, standardize=self.standardize_check.isChecked()
            )
        return DataSource(
            "generator",
            info.name,
            n_examples=self.size_spin.value() if info.has_size else None,
            noise=self.noise_slider.value() / NOISE_STEPS if info.has_noise else None,
            n_classes=self.classes_spin.value() if info.has_classes else None,
            seed=self.seed_spin.value() if info.has_seed else 0,
            validation_fraction=validation,
        )

    @property
    def bound_source(self) -> DataSource:
        return self.document.data_source

    def is_pending(self) -> bool:
        """Whether the controls differ from the data the project uses."""
        pending = self.pending_source()
        return pending is not None and _normalized(pending) != _normalized(self.bound_source)

    # -- writing the editor --------------------------------------------------------------------

    def _show_source(self, source: DataSource) -> None:
        """Set the controls to ``source`` without reacting to the changes."""
        blockers = [
            QSignalBlocker(w)
            for w in (
                self.generator_combo,
                self.size_slider,
                self.size_spin,
                self.noise_slider,
                self.classes_spin,
                self.seed_spin,
                self.validation_spin,
                self.validation_slider,
                self.standardize_check,
            )
        ]
        if source.kind == "csv":
            self.generator_combo.setCurrentIndex(self.generator_combo.findData(CSV_ITEM))
            self.standardize_check.setChecked(source.standardize)
        else:
            index = self.generator_combo.findData(source.name)
            self.generator_combo.setCurrentIndex(max(index, 0))
            info = GENERATORS.get(source.name)
            if info is not None:
                self._configure_controls(info)
                self._set_size(source.n_examples or info.default_size)
                noise = info.default_noise if source.noise is None else source.noise
                self.noise_slider.setValue(round(noise * NOISE_STEPS))
                self.classes_spin.setValue(source.n_classes or info.default_classes)
                self.seed_spin.setValue(source.seed)
        self.validation_spin.setValue(round(100 * source.validation_fraction))
        self.validation_slider.setValue(self.validation_spin.value())
        del blockers
        self._previous_index = self.generator_combo.currentIndex()
        self._update_page()

    def _configure_controls(self, info: GeneratorInfo) -> None:
        self.size_slider.set_bounds(info.min_size, info.max_size)
        self.size_spin.setRange(info.min_size, info.max_size)
        self.size_spin.setSingleStep(max(1, info.default_size // 10))
        if info.has_classes:
            self.classes_spin.setRange(info.min_classes, info.max_classes)
        for widget, shown in (
            (self.size_row, info.has_size),
            (self.noise_row, info.has_noise),
            (self.classes_spin, info.has_classes),
            (self.seed_row, info.has_seed),
        ):
            self.generator_form.setRowVisible(widget, shown)

    def _set_size(self, value: int) -> None:
        self.size_spin.setValue(value)
        self.size_slider.setValue(self.size_slider.to_position(value))

    def _update_page(self) -> None:
        info = self._info()
        if info is None:
            self.pages.setCurrentIndex(1)
            source = self._csv[0] if self._csv else None
            if source is not None:
                self.description.setText("Examples read from a CSV file.")
                self.csv_file_label.setText(source.describe())
                self.csv_file_label.setToolTip(source.path)
                if source.label_column:
                    targets = f"classes in “{source.label_column}” (one-hot)"
                else:
                    targets = ", ".join(source.target_columns) or "the last column"
                self.csv_targets_label.setText(targets)
            else:
                self.description.setText("No CSV file imported yet.")
                self.csv_file_label.setText("—")
                self.csv_targets_label.setText("—")
        else:
            self.pages.setCurrentIndex(0)
            self.description.setText(info.description)
        self.noise_value.setText(f"{self.noise_slider.value() / NOISE_STEPS:.2f}")
        pending = self.is_pending()
        self.apply_button.setEnabled(pending)
        self.revert_button.setEnabled(pending)
        self.state_label.setText("Preview: not applied yet" if pending else "")

    # -- reacting to the controls --------------------------------------------------------------

    def _on_generator_chosen(self, _index: int) -> None:
        info = self._info()
        if info is None:
            if self._csv is None and not self._import_into_editor():
                with QSignalBlocker(self.generator_combo):
                    self.generator_combo.setCurrentIndex(self._previous_index)
                return
        else:
            blockers = [
                QSignalBlocker(w)
                for w in (self.size_slider, self.size_spin, self.noise_slider, self.classes_spin)
            ]
            self._configure_controls(info)
            self._set_size(info.default_size)
            self.noise_slider.setValue(round(info.default_noise * NOISE_STEPS))
            self.classes_spin.setValue(info.default_classes)
            del blockers
        self._previous_index = self.generator_combo.currentIndex()
        self._on_editor_changed()

    def _on_size_slider(self, position: int) -> None:
        with QSignalBlocker(self.size_spin):
            self.size_spin.setValue(self.size_slider.to_value(position))
        self._on_editor_changed()

    def _on_size_spin(self, value: int) -> None:
        with QSignalBlocker(self.size_slider):
            self.size_slider.setValue(self.size_slider.to_position(value))
        self._on_editor_changed()

    def _on_reseed(self) -> None:
        self.seed_spin.setValue(random.randrange(0, 100_000))

    def _on_editor_changed(self) -> None:
        self._update_page()
        self.schedule_preview()

    def revert(self) -> None:
        """Controls back to the bound data."""
        self._show_source(self.bound_source)
        self.schedule_preview()

    # -- the preview ---------------------------------------------------------------------------

    def schedule_preview(self) -> None:
        """Redraw the preview for the current controls (throttled, in the background)."""
        pending = self.pending_source()
        if pending is None:
            self.preview_job.cancel_pending()
            self.preview_view.show_message("Import a CSV file to see it here")
            return
        data = self.controller.data
        if data is not None and _normalized(data.source) == _normalized(pending):
            self.preview_job.cancel_pending()
            self._show_preview(
                preview_from(data.source, data.examples, data.train, data.validation)
            )
            return
        if pending.kind == "csv" and self._csv is not None:
            # Read already (the import dialog): only the split and the counts are left.
            examples = self._csv[1]
            self.preview_job.submit(_split_preview, pending, examples)
            return
        self.preview_job.submit(build_preview, pending, self._base_dir())

    def _base_dir(self) -> str | None:
        path = self.document.path
        return str(path.parent) if path else None

    def _on_preview_ready(self, preview: Preview) -> None:
        pending = self.pending_source()
        if pending is not None and _normalized(preview.source) != _normalized(pending):
            return  # an older choice; the newer one is on its way
        self._show_preview(preview)

    def _on_preview_failed(self, message: str) -> None:
        self.preview = None
        self.preview_error = message
        self.preview_view.show_message("Cannot show these examples")
        self._show_summary(None)
        self._show_problem(message)
        self.previewUpdated.emit()

    def _show_preview(self, preview: Preview) -> None:
        self.preview = preview
        self.preview_error = ""
        self.preview_view.show_preview(preview)
        self._show_thumbnail(preview)
        self._show_summary(preview)
        self._show_problem(self._data_problem())
        self.previewUpdated.emit()

    # -- thumbnails ----------------------------------------------------------------------------

    def _set_default_icons(self) -> None:
        """Each generator's picture with its default settings (the CSV item has none until a
        file is read)."""
        combo = self.generator_combo
        for row in range(combo.count()):
            name = combo.itemData(row)
            if name in GENERATORS:
                combo.setItemIcon(row, icon_of(partial(generator_pixmap, name, THUMBNAIL_SIZE)))

    def _show_thumbnail(self, preview: Preview) -> None:
        """The current row's icon becomes the picture of these examples, with these settings;
        a generator row left behind gets its default picture back."""
        combo = self.generator_combo
        row = combo.currentIndex()
        previous = self._thumbnail_row
        if previous is not None and previous != row and combo.itemData(previous) in GENERATORS:
            name = combo.itemData(previous)
            combo.setItemIcon(
                previous, icon_of(lambda dpr: generator_pixmap(name, THUMBNAIL_SIZE, dpr))
            )
        examples = preview.examples
        thumbnail = dataset_pixmap(examples, THUMBNAIL_SIZE, self.devicePixelRatioF())
        self.thumbnail = thumbnail

        def paint(dpr: float) -> QPixmap:
            if dpr == thumbnail.devicePixelRatio():
                return thumbnail
            return dataset_pixmap(examples, THUMBNAIL_SIZE, dpr)

        combo.setItemIcon(row, icon_of(paint))
        self._thumbnail_row = row

    def _on_theme_changed(self) -> None:
        self._set_default_icons()
        if self._csv is not None:
            csv_examples = self._csv[1]
            self.generator_combo.setItemIcon(
                self.generator_combo.findData(CSV_ITEM),
                icon_of(lambda dpr: dataset_pixmap(csv_examples, THUMBNAIL_SIZE, dpr)),
            )
        if self.preview is not None:
            self._show_thumbnail(self.preview)

    def _show_summary(self, preview: Preview | None) -> None:
        rows = dict(summary_rows(preview)) if preview else {}
        for key, label in self.summary_labels.items():
            label.setText(rows.get(key, "—"))
        if preview is not None and preview.class_counts:
            self.balance_bar.set_counts(preview.class_counts, preview.train.class_names)
        else:
            self.balance_bar.set_counts((), ())
        self._update_fit_hint()

    def _update_fit_hint(self) -> None:
        preview = self.preview
        if preview is None:
            self.fit_label.setText("")
            return
        spec, ex = self.document.spec, preview.examples
        if not fits(spec, ex):
            text = (
                f"The network has {spec.input_size} input(s) and {spec.output_size} "
                f"output(s); these examples need {ex.n_inputs} and {ex.n_outputs}. "
                "Apply will offer to reshape it."
            )
        elif suggests_other_output(spec, ex):
            act, loss = ex.suggested_output()
            text = (
                f"Fits the network. These targets usually get {output_words(act, loss)} "
                f"(the network has {output_words(spec.activations[-1], spec.loss)})."
            )
        else:
            text = "Fits the network."
        self.fit_label.setText(text)

    # -- binding -------------------------------------------------------------------------------

    def apply(self) -> bool:
        """Bind the pending choice (one undo step); True if a command was pushed."""
        source = self.pending_source()
        if source is None or not self.is_pending():
            return False
        try:
            examples = self._examples_for(source)
        except BPStudioError as exc:
            self._show_problem(str(exc))
            return False
        return self.bind(source, examples)

    def _examples_for(self, source: DataSource) -> Dataset:
        preview = self.preview
        if preview is not None and _normalized(preview.source) == _normalized(source):
            return preview.examples
        if source.kind == "csv" and self._csv is not None:
            return self._csv[1]
        # A generator whose preview has not arrived yet: quick to make here.
        return load_examples(source, self._base_dir())

    def bind(self, source: DataSource, examples: Dataset) -> bool:
        """Use ``source`` (whose examples are ``examples``), reshaping the network if needed."""
        network = None
        spec, params = self.document.spec, self.document.params
        if not fits(spec, examples):
            try:
                suggested = fit_to_dataset(spec, params, examples, self.document.rng, True)
                kept = fit_to_dataset(spec, params, examples, self.document.rng, False)
            except BPStudioError as exc:
                self._show_problem(f"Cannot fit the network to these examples: {exc}")
                return False
            answer = self.confirm_reshape(examples, suggested, kept)
            if answer is None:
                return False
            plan = suggested if answer else kept
            network = (plan.spec, plan.params)
        self.controller.pause_for_edit()
        self.document.push(SetDataSourceCommand(self.document, source, network))
        self.controller.finish_edit()
        self.dataBound.emit()
        return True

    def ask_reshape(self, examples: Dataset, suggested: FitPlan, kept: FitPlan) -> bool | None:
        """Ask in a message box before reshaping: None to cancel, else whether to use the
        suggested output too (the default :attr:`confirm_reshape`)."""
        spec = self.document.spec
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Fit the network to the data?")
        box.setText(
            f"“{examples.name}” has {examples.n_inputs:,} input(s) and {examples.n_outputs} "
            f"target(s); the network has {spec.input_size:,} input(s) and "
            f"{spec.output_size} output(s)."
        )
        box.setInformativeText(
            f"Reshape the network ({', '.join(kept.changes)})? The hidden layers keep their "
            "weights; weight matrices whose shape changes are drawn afresh. Undo puts "
            "everything back."
        )
        check = None
        extra = [c for c in suggested.changes if c not in kept.changes]
        if extra:
            act, loss = examples.suggested_output()
            check = QCheckBox(f"Also use {output_words(act, loss)}, as these targets suggest")
            check.setChecked(True)
            box.setCheckBox(check)
        reshape = box.addButton("Reshape and Apply", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(reshape)
        box.exec()
        if box.clickedButton() is not reshape:
            return None
        return check.isChecked() if check is not None else False

    # -- CSV -----------------------------------------------------------------------------------

    def import_csv(self) -> bool:
        """Import a CSV file and bind it (File ▸ Import Data…)."""
        if not self._import_into_editor():
            return False
        source = self.pending_source()
        assert source is not None
        assert self._csv is not None
        return self.bind(source, self._csv[1])

    def _import_into_editor(self) -> bool:
        dialog = self._make_import_dialog()
        accepted = bool(dialog.exec())
        if not accepted or dialog.source is None or dialog.dataset is None:
            return False
        self.take_import(dialog.source, dialog.dataset)
        return True

    def _make_import_dialog(self) -> ImportCsvDialog:
        bound = self.bound_source
        # The bound file's folder; else the chooser opens where the last CSV file was.
        start = str(Path(bound.path).parent) if bound.kind == "csv" else ""
        fraction = bound.validation_fraction or 0.2
        # Imported here: the dialog and the CSV reader behind it cost start-up time.
        from bpstudio.app.dialogs.import_csv import ImportCsvDialog

        return ImportCsvDialog(self, validation_fraction=fraction, start_dir=start)

    def take_import(self, source: DataSource, examples: Dataset) -> None:
        """Put an imported CSV file into the controls (not bound yet)."""
        self._csv = (source, examples)
        self._show_source(source)
        self.schedule_preview()

    # -- the bound data ------------------------------------------------------------------------

    def _on_data_source_changed(self) -> None:
        source = self.bound_source
        if source.kind == "csv" and (self._csv is None or self._csv[0].path != source.path):
            # Another file (a reopened project, say): the worker reads it and tells us.
            self._csv = None
        self._show_source(source)
        self._show_problem(self._data_problem())
        self.schedule_preview()

    def _on_data_loaded(self, data: LoadedData) -> None:
        source = data.source
        if source.kind == "csv":
            self._csv = (source, data.examples)
            if _normalized(source) == _normalized(self.bound_source):
                self._update_page()
        pending = self.pending_source()
        if pending is not None and _normalized(pending) == _normalized(data.source):
            self.preview_job.cancel_pending()
            self._show_preview(preview_from(source, data.examples, data.train, data.validation))

    def _on_problem_changed(self, _message: str) -> None:
        self._show_problem(self._data_problem())

    def _data_problem(self) -> str:
        """The worker's complaint about the bound data, if it has one."""
        if self.preview_error:
            return self.preview_error
        return self.controller.problem

    def _show_problem(self, message: str) -> None:
        self.problem_label.setText(message)
        self.problem_frame.setVisible(bool(message))
        csv_trouble = self.bound_source.kind == "csv" and (
            "not found" in message or "has changed" in message
        )
        self.problem_button.setVisible(csv_trouble)

    # -- lifetime ------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Wait for a preview being computed (window closing, tests)."""
        self.preview_job.shutdown()


def _normalized(source: DataSource) -> DataSource:
    """Sources equal up to details that do not change the examples (a CSV's name field)."""
    if source.kind == "csv":
        return source.with_changes(name="")
    return source


def _split_preview(source: DataSource, examples: Dataset) -> Preview:
    train, validation = split_examples(source, examples)
    return preview_from(source, examples, train, validation)


def _row(*widgets: QWidget) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for i, widget in enumerate(widgets):
        layout.addWidget(widget, 1 if i == 0 else 0)
    return row
