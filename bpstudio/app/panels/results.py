"""How well the network does: accuracy, the confusion matrix, the examples it gets wrong.

The **Accuracy** tab shows training and validation accuracy (root-mean-square error for
regression), a confusion matrix (rows: true class, columns: predicted class; counts with a
colour scale, green on the diagonal and red off it) for either set, and, when the inputs
are pictures (the digits), a gallery of misclassified validation examples labelled
"true 3 → predicted 8". The **Training set** tab lists every training example with its
target and prediction; selecting a row makes it the probe example.

Predictions are computed on a background thread (:class:`LatestJob`) from the latest
snapshot's parameters: right away when training is idle, at most once a second while it
runs, and not at all while the panel is hidden.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bpstudio.app.background import LatestJob
from bpstudio.app.document import Document
from bpstudio.app.panels.examples_table import ExamplesTable, predicted_rows
from bpstudio.app.pictures import image_side, ink_pixmap
from bpstudio.app.theme import set_palette_style, theme
from bpstudio.app.training import TrainingController
from bpstudio.app.worker import LoadedData
from bpstudio.core.data.datasets import Dataset
from bpstudio.core.engine.activations import Array
from bpstudio.core.engine.backprop import predict
from bpstudio.core.engine.metrics import confusion_matrix, predicted_labels
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.training.snapshot import Snapshot

RUNNING_INTERVAL_MS = 1000  # ≤ 1 evaluation a second while training runs
MAX_GALLERY = 60
GALLERY_ICON = 56
PREDICT_CHUNK = 8192  # rows per forward pass: bounded memory for big data sets

ModelIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class SetResults:
    """Predictions on one set (training or validation)."""

    n: int
    outputs: Array  # (n, n_L)
    accuracy: float | None  # classification
    rmse: float | None  # regression
    confusion: np.ndarray | None  # (k, k) counts, rows true, columns predicted
    predicted: np.ndarray | None  # (n,) class per example
    wrong: np.ndarray | None  # indices of misclassified examples


@dataclass(frozen=True)
class Results:
    spec: NetworkSpec
    step: int
    train: SetResults
    validation: SetResults


def _predict(spec: NetworkSpec, params: Params, X: Array) -> Array:
    parts = [
        np.asarray(predict(spec, params, X[i : i + PREDICT_CHUNK]), dtype=np.float64)
        for i in range(0, X.shape[0], PREDICT_CHUNK)
    ]
    return np.concatenate(parts) if parts else np.zeros((0, spec.output_size))


def evaluate_set(spec: NetworkSpec, params: Params, dataset: Dataset) -> SetResults:
    """Outputs, accuracy or RMSE, confusion matrix and mistakes for one set (pure)."""
    n = dataset.n_examples
    with np.errstate(all="ignore"):
        A = _predict(spec, params, np.asarray(dataset.X, dtype=spec.np_dtype))
    if not dataset.is_classification:
        rmse = float(np.sqrt(np.mean((A - dataset.Y) ** 2))) if n else None
        return SetResults(n, A, None, rmse, None, None, None)
    k = dataset.n_classes
    predicted = predicted_labels(A) if n else np.zeros(0, dtype=np.intp)
    truth = dataset.labels
    confusion = confusion_matrix(A, dataset.Y, k) if n else np.zeros((k, k), dtype=np.int64)
    accuracy = float(np.mean(predicted == truth)) if n else None
    wrong = np.flatnonzero(predicted != truth)
    return SetResults(n, A, accuracy, None, confusion, predicted, wrong)


def compute_results(
    spec: NetworkSpec, params: Params, step: int, train: Dataset, validation: Dataset
) -> Results:
    """Results for both sets (runs off the GUI thread)."""
    return Results(
        spec, step, evaluate_set(spec, params, train), evaluate_set(spec, params, validation)
    )


class ConfusionModel(QAbstractTableModel):
    """Counts ``M[t, p]`` with a colour scale by share of the true class (row)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counts = np.zeros((0, 0), dtype=np.int64)
        self.names: tuple[str, ...] = ()

    def set_counts(self, counts: np.ndarray, names: tuple[str, ...]) -> None:
        reshaped = counts.shape != self.counts.shape or names != self.names
        if reshaped:
            self.beginResetModel()
        self.counts, self.names = counts, names
        if reshaped:
            self.endResetModel()
        elif counts.size:
            self.dataChanged.emit(
                self.index(0, 0), self.index(counts.shape[0] - 1, counts.shape[1] - 1)
            )

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else int(self.counts.shape[0])

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else int(self.counts.shape[1])

    def _name(self, c: int) -> str:
        return self.names[c] if c < len(self.names) else str(c)

    def headerData(  # noqa: N802 (Qt override)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._name(section)
        if role == Qt.ItemDataRole.ToolTipRole:
            which = "predicted" if orientation == Qt.Orientation.Horizontal else "true"
            return f"{which} class {self._name(section)}"
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        t, p = index.row(), index.column()
        count = int(self.counts[t, p])
        row_total = int(self.counts[t].sum())
        share = count / row_total if row_total else 0.0
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{count:,}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.BackgroundRole:
            color = QColor(theme().right if t == p else theme().wrong)
            color.setAlpha(0 if count == 0 else int(30 + 200 * share))
            return QBrush(color)
        if role == Qt.ItemDataRole.ForegroundRole:
            colors = theme()
            return QBrush(colors.on_fill if share > 0.6 else colors.text)
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"true {self._name(t)}, predicted {self._name(p)}: {count:,} "
                f"({100 * share:.1f}% of the {row_total:,} {self._name(t)}s)"
            )
        return None


class ResultsPanel(QWidget):
    """Accuracy, confusion matrix, misclassified examples, and the training set table.

    Signals
    -------
    resultsUpdated : new results were shown.
    """

    resultsUpdated = Signal()

    def __init__(
        self,
        document: Document,
        controller: TrainingController,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.controller = controller
        self.results: Results | None = None
        self._data: LoadedData | None = None
        self._dirty = False
        self._job = LatestJob(0, self, paced=lambda: controller.running)
        self._job.finished.connect(self._on_results)

        # Accuracy tab.
        self.train_value = _big_label()
        self.validation_value = _big_label()
        self.train_caption = QLabel("training")
        self.validation_caption = QLabel("validation")
        for caption in (self.train_caption, self.validation_caption):
            set_palette_style(caption, "color: palette(placeholder-text);")
        self.metric_title = QLabel("Accuracy")
        bold = QFont(self.metric_title.font())
        bold.setBold(True)
        self.metric_title.setFont(bold)
        scores = QGridLayout()
        scores.addWidget(self.metric_title, 0, 0, 1, 2)
        scores.addWidget(self.train_value, 1, 0)
        scores.addWidget(self.validation_value, 1, 1)
        scores.addWidget(self.train_caption, 2, 0)
        scores.addWidget(self.validation_caption, 2, 1)

        self.set_combo = QComboBox()
        self.set_combo.addItem("Validation set", "validation")
        self.set_combo.addItem("Training set", "train")
        self.set_combo.currentIndexChanged.connect(self._show_results)
        self.confusion_title = QLabel("Confusion matrix")
        self.confusion_title.setFont(bold)
        confusion_header = QHBoxLayout()
        confusion_header.addWidget(self.confusion_title)
        confusion_header.addStretch(1)
        confusion_header.addWidget(self.set_combo)
        self.confusion_model = ConfusionModel(self)
        self.confusion_view = QTableView()
        self.confusion_view.setModel(self.confusion_model)
        self.confusion_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.confusion_view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.confusion_view.setShowGrid(True)
        for header in (
            self.confusion_view.horizontalHeader(),
            self.confusion_view.verticalHeader(),
        ):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            header.setMinimumSectionSize(26)
        self.confusion_axes = QLabel("rows: true class · columns: predicted class")
        set_palette_style(self.confusion_axes, "color: palette(placeholder-text); font-size: 9pt;")

        self.gallery_title = QLabel()
        self.gallery_title.setFont(bold)
        self.gallery = QListWidget()
        self.gallery.setViewMode(QListView.ViewMode.IconMode)
        self.gallery.setIconSize(QSize(GALLERY_ICON, GALLERY_ICON))
        self.gallery.setResizeMode(QListView.ResizeMode.Adjust)
        self.gallery.setMovement(QListView.Movement.Static)
        self.gallery.setGridSize(QSize(GALLERY_ICON + 26, GALLERY_ICON + 24))
        self.gallery.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.gallery.setMinimumHeight(GALLERY_ICON + 34)

        self.note = QLabel()
        self.note.setWordWrap(True)
        set_palette_style(self.note, "color: palette(placeholder-text);")

        accuracy_tab = QWidget()
        al = QVBoxLayout(accuracy_tab)
        al.addLayout(scores)
        al.addSpacing(6)
        al.addLayout(confusion_header)
        al.addWidget(self.confusion_view, 2)
        al.addWidget(self.confusion_axes)
        al.addSpacing(4)
        al.addWidget(self.gallery_title)
        al.addWidget(self.gallery, 2)
        al.addWidget(self.note)
        al.addStretch(0)

        # Training set tab.
        self.table = ExamplesTable()
        self.table.selectionModel().selectionChanged.connect(self._on_row_selected)
        table_tab = QWidget()
        tl = QVBoxLayout(table_tab)
        self.table_note = QLabel("Select a row to make that example the probe.")
        set_palette_style(self.table_note, "color: palette(placeholder-text);")
        tl.addWidget(self.table_note)
        tl.addWidget(self.table, 1)

        # In a scroll area: ten classes' confusion matrix and the gallery need 550 px, and a
        # panel's minimum height is its whole dock column's (it squeezed the Chain rule dock
        # above it to three lines, and the saved layout kept that).
        accuracy_scroll = QScrollArea()
        accuracy_scroll.setWidgetResizable(True)
        accuracy_scroll.setFrameShape(QFrame.Shape.NoFrame)
        accuracy_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        accuracy_scroll.setWidget(accuracy_tab)
        self.tabs = QTabWidget()
        self.tabs.addTab(accuracy_scroll, "Accuracy")
        self.tabs.addTab(table_tab, "Training set")
        self.tabs.currentChanged.connect(lambda _: self._sync_probe_row())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs)

        controller.snapshotShown.connect(self._on_snapshot)
        controller.dataLoaded.connect(self._on_data_loaded)
        if controller.data is not None:
            self._on_data_loaded(controller.data)
        self._show_results()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(380, 560)

    # -- data and scheduling -------------------------------------------------------------------

    def _usable_data(self) -> LoadedData | None:
        data = self._data
        if data is None or data.source != self.document.data_source:
            return None
        return data

    def _on_data_loaded(self, data: LoadedData) -> None:
        self._data = data
        self.results = None
        self.table.examples.set_dataset(data.train)
        self._show_results()
        self.refresh()

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        self._job.min_interval_ms = RUNNING_INTERVAL_MS if snapshot.running else 0
        self.refresh(snapshot)
        self._sync_probe_row(snapshot)

    def refresh(self, snapshot: Snapshot | None = None) -> None:
        """Recompute the predictions from the latest parameters (in the background)."""
        data = self._usable_data()
        snapshot = snapshot or self.controller.snapshot
        if data is None or snapshot is None:
            return
        if not self.isVisible():
            self._dirty = True
            return
        spec = snapshot.spec
        if spec.input_size != data.train.n_inputs or spec.output_size != data.train.n_outputs:
            return
        self._dirty = False
        self._job.submit(
            compute_results, spec, snapshot.params, snapshot.step, data.train, data.validation
        )

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    def _on_results(self, results: Results) -> None:
        data = self._usable_data()
        if data is None or results.train.n != data.train.n_examples:
            return
        self.results = results
        self._show_results()
        self.resultsUpdated.emit()

    # -- showing -----------------------------------------------------------------------------------

    def _show_results(self) -> None:
        results, data = self.results, self._usable_data()
        if results is None or data is None:
            self.train_value.setText("—")
            self.validation_value.setText("—")
            self.confusion_model.set_counts(np.zeros((0, 0), dtype=np.int64), ())
            self.gallery.clear()
            self.gallery_title.setText("")
            self.gallery.hide()
            self.note.setText("Results appear once the network fits the data.")
            return
        train = data.train
        classification = train.is_classification
        self.note.setText("")
        if classification:
            self.metric_title.setText(f"Accuracy at step {results.step:,}")
            self.train_value.setText(_percent(results.train))
            self.validation_value.setText(_percent(results.validation))
        else:
            self.metric_title.setText(f"Root-mean-square error at step {results.step:,}")
            self.train_value.setText(_rmse(results.train))
            self.validation_value.setText(_rmse(results.validation))
        self.train_caption.setText(f"training ({results.train.n:,} examples)")
        self.validation_caption.setText(f"validation ({results.validation.n:,} examples)")
        for w in (self.confusion_title, self.confusion_view, self.confusion_axes, self.set_combo):
            w.setVisible(classification)
        if classification:
            chosen = self._chosen_set(results)
            assert chosen.confusion is not None
            self.confusion_model.set_counts(chosen.confusion, _class_names(train))
            # Room for every row without scrolling (up to ten classes).
            rows = min(chosen.confusion.shape[0], 10)
            row_height = self.fontMetrics().height() + 6
            self.confusion_view.setMinimumHeight((rows + 1) * row_height + 6)
        else:
            self.note.setText("A regression problem: no classes to confuse.")
        self.table.examples.set_predictions(predicted_rows(results.train.outputs, classification))
        self._fill_gallery(results, data)

    def _chosen_set(self, results: Results) -> SetResults:
        if self.set_combo.currentData() == "train" or results.validation.n == 0:
            return results.train
        return results.validation

    def _fill_gallery(self, results: Results, data: LoadedData) -> None:
        validation = data.validation
        side = image_side(validation.n_inputs)
        wrong = results.validation.wrong
        if side is None or not validation.is_classification or wrong is None:
            self.gallery.hide()
            self.gallery_title.setText("")
            return
        self.gallery.show()
        self.gallery.setUpdatesEnabled(False)
        self.gallery.clear()
        names = _class_names(validation)
        predicted = results.validation.predicted
        assert predicted is not None
        truth = validation.labels
        n_wrong = len(wrong)
        shown = wrong[:MAX_GALLERY]
        more = f" (first {len(shown)})" if n_wrong > len(shown) else ""
        self.gallery_title.setText(
            f"Misclassified validation examples: {n_wrong:,} of {validation.n_examples:,}{more}"
        )
        for i in shown:
            t, p = int(truth[i]), int(predicted[i])
            item = QListWidgetItem(QIcon(ink_pixmap(validation.X[i], side, GALLERY_ICON)), "")
            item.setText(f"{names[t]} → {names[p]}")
            item.setToolTip(f"validation example {i}: true {names[t]}, predicted {names[p]}")
            item.setData(Qt.ItemDataRole.UserRole, int(i))
            self.gallery.addItem(item)
        if n_wrong == 0:
            self.gallery_title.setText("No misclassified validation examples")
        self.gallery.setUpdatesEnabled(True)

    # -- the probe example -------------------------------------------------------------------------

    def _on_row_selected(self) -> None:
        row = self.table.selected_row()
        if row is not None:
            self.select_example(row)

    def select_example(self, index: int) -> None:
        """Make training example ``index`` the probe."""
        self.controller.set_probe(int(index))

    def _sync_probe_row(self, snapshot: Snapshot | None = None) -> None:
        snapshot = snapshot or self.controller.snapshot
        if snapshot is None or snapshot.probe is None or self.tabs.currentIndex() != 1:
            return
        if self.table.selected_row() != snapshot.probe.index:
            self.table.select_row(snapshot.probe.index)

    # -- lifetime ----------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Wait for predictions being computed (window closing, tests)."""
        self._job.shutdown()


def _big_label() -> QLabel:
    label = QLabel("—")
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 1.8)
    font.setBold(True)
    label.setFont(font)
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    return label


def _percent(results: SetResults) -> str:
    if results.accuracy is None:
        return "—"
    right = int(round(results.accuracy * results.n))
    small = "<span style='font-size:9pt; font-weight:normal'>"
    return f"{100 * results.accuracy:.1f} %  {small}({right:,}/{results.n:,})</span>"


def _rmse(results: SetResults) -> str:
    return "—" if results.rmse is None else f"{results.rmse:.4g}"


def _class_names(dataset: Dataset) -> tuple[str, ...]:
    names = dataset.class_names
    return names if names else tuple(str(c) for c in range(dataset.n_classes))
