"""The training set as a table: one row per example, inputs, target and the prediction.

The model reads the NumPy arrays on demand (nothing is copied into Qt items), and the view
uses fixed row heights and column widths, so 60,000 rows of 784 pixels scroll freely.
Selecting a row makes that example the probe (``controller.set_probe``).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QSignalBlocker,
    Qt,
)
from PySide6.QtGui import QBrush, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from bpstudio.app.theme import theme, with_alpha
from bpstudio.core.data.datasets import Dataset
from bpstudio.core.engine.activations import Array

ModelIndex = QModelIndex | QPersistentModelIndex


class ExamplesModel(QAbstractTableModel):
    """Rows: training examples. Columns: the target, the prediction, then the inputs.

    Classification shows the class name as target (not the one-hot row); regression shows
    every target column. Predictions (``set_predictions``) come from the results job.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dataset: Dataset | None = None
        self.predicted: Array | None = None  # (n,) labels or (n, k) values
        self._labels: np.ndarray | None = None  # Dataset.labels computes; keep them
        self._names: list[str] = []
        self._n_targets = 0

    def set_dataset(self, dataset: Dataset | None) -> None:
        self.beginResetModel()
        self.dataset = dataset
        self.predicted = None
        self._labels = dataset.labels if dataset is not None and dataset.is_classification else None
        if dataset is None:
            self._names, self._n_targets = [], 0
        else:
            d = dataset.n_inputs
            features = list(dataset.feature_names or (f"x{i + 1}" for i in range(d)))
            if dataset.is_classification:
                targets = ["class"]
            else:
                targets = list(
                    dataset.target_names or (f"y{j + 1}" for j in range(dataset.n_outputs))
                )
            predicted = ["predicted"] if dataset.is_classification else [f"ŷ {t}" for t in targets]
            self._names = targets + predicted + features
            self._n_targets = len(targets)
        self.endResetModel()

    def set_predictions(self, predicted: Array | None) -> None:
        """Predicted class per row ``(n,)``, or predicted values ``(n, k)`` for regression."""
        if self.dataset is None:
            return
        if predicted is not None and predicted.shape[0] != self.dataset.n_examples:
            return
        self.predicted = predicted
        t = self._n_targets
        self.dataChanged.emit(self.index(0, t), self.index(self.rowCount() - 1, 2 * t - 1))

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        if parent.isValid() or self.dataset is None:
            return 0
        return self.dataset.n_examples

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._names)

    def headerData(  # noqa: N802 (Qt override)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._names[section] if 0 <= section < len(self._names) else None
        return str(section)

    def _class_name(self, c: int) -> str:
        assert self.dataset is not None
        names = self.dataset.class_names
        return names[c] if 0 <= c < len(names) else str(c)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        ds = self.dataset
        if ds is None or not index.isValid():
            return None
        r, c = index.row(), index.column()
        t = self._n_targets
        # Columns: targets [0, t), predictions [t, 2t), inputs [2t, 2t + d).
        kind = "target" if c < t else ("predicted" if c < 2 * t else "input")
        if role == Qt.ItemDataRole.DisplayRole:
            if kind == "input":
                return f"{ds.X[r, c - 2 * t]:.4g}"
            if kind == "target":
                if self._labels is not None:
                    return self._class_name(int(self._labels[r]))
                return f"{ds.Y[r, c]:.4g}"
            if self.predicted is None:
                return "…"
            if ds.is_classification:
                return self._class_name(int(self.predicted[r]))
            return f"{self.predicted[r, c - t]:.4g}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if self._labels is None or kind == "input":
            return None
        label = int(self._labels[r])
        guess = int(self.predicted[r]) if self.predicted is not None else -1
        if role == Qt.ItemDataRole.ForegroundRole:
            shown = label if kind == "target" else guess
            return QBrush(theme().class_color(shown).darker(130)) if shown >= 0 else None
        if role == Qt.ItemDataRole.BackgroundRole and kind == "predicted" and 0 <= guess != label:
            return QBrush(with_alpha(theme().wrong, 40))
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        return None


class ExamplesTable(QTableView):
    """A fast table over :class:`ExamplesModel`; row selection picks the probe example."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.examples = ExamplesModel(self)
        self.setModel(self.examples)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        vertical = self.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 6)
        horizontal = self.horizontalHeader()
        horizontal.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        horizontal.setDefaultSectionSize(68)
        horizontal.setHighlightSections(False)

    def select_row(self, row: int) -> None:
        """Select ``row`` and scroll to it without emitting the selection signals."""
        if not 0 <= row < self.examples.rowCount():
            return
        selection = self.selectionModel()
        with QSignalBlocker(selection):
            index = self.examples.index(row, 0)
            selection.select(
                QItemSelection(index, self.examples.index(row, self.examples.columnCount() - 1)),
                QItemSelectionModel.SelectionFlag.ClearAndSelect,
            )
            selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
        self.viewport().update()
        self.scrollTo(index)

    def selected_row(self) -> int | None:
        rows = self.selectionModel().selectedRows()
        return rows[0].row() if rows else None


def predicted_rows(A: Array, classification: bool) -> Array:
    """What the table shows as the prediction: the class per row, or the outputs."""
    if not classification:
        return A
    if A.shape[1] == 1:
        return (A[:, 0] > 0.5).astype(np.intp)
    return np.argmax(A, axis=1)
