"""The values table: every number of the forward and backward pass, for checking by hand.

For the probe example (its own cost C₀) or averaged over the last batch, every neuron's z,
a, σ′(z), ∂C/∂a and ∂C/∂z and every parameter's value and ∂C/∂w or ∂C/∂b, in the current
notation, with as many significant digits as asked, and copied as CSV, Markdown or LaTeX.
The table itself is the core's (:mod:`bpstudio.core.engine.values_table`, which
``bpstudio values`` prints too); it is computed from the current parameters (the live
ones while training runs) on the probe example or the examples of the last batch, so every
line is one state of the network: the pass of the snapshot on screen, whose step the
caption names. It is computed on a background job (:class:`LatestJob`):
for 784-128-10 its 101,770 parameter lines take about a second to compute and write.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bpstudio.app.background import LatestJob
from bpstudio.app.document import Document
from bpstudio.app.notation import MINUS, Notation
from bpstudio.app.training import TrainingController
from bpstudio.app.widgets import set_text
from bpstudio.core.engine.activations import Array
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.engine.values_table import (
    DEFAULT_DIGITS,
    MAX_DIGITS,
    Sheet,
    ValuesTable,
    caption,
    render,
    sheets,
    values_table,
)
from bpstudio.core.training.snapshot import Snapshot

JOB_INTERVAL_MS = 250
#: While training runs the table is rebuilt at most this often.
RUNNING_INTERVAL_MS = 500
COPY_FORMATS = {"CSV": "csv", "Markdown": "markdown", "LaTeX": "latex"}

Index = QModelIndex | QPersistentModelIndex


def tabulate(
    spec: NetworkSpec,
    params: Params,
    X: Array,
    Y: Array,
    example: int | None,
    digits: int,
    symbols: Notation,
    where: str,
) -> tuple[ValuesTable, list[Sheet], str, list[list[int]]]:
    """The table, its cells as text, its caption and each sheet's longest text per column
    (a background job)."""
    table = values_table(spec, params, X, Y, example)
    cells = sheets(table, digits, "text", symbols)
    longest = [
        [max((len(row[c]) for row in sheet.rows), default=0) for c in range(len(sheet.header))]
        for sheet in cells
    ]
    return table, cells, f"{where}. {caption(table, digits)}", longest


def shown_state(snapshot: Snapshot, document_params: Params) -> tuple[Params, str]:
    """The parameters of the state on screen, and the words that say which it is: the
    pass of the snapshot shown (the step just taken's, before its update, as the canvas and
    the chain-rule panel show it) while it is of the document's parameters or training
    runs; the document's parameters alone after an edit the snapshot has not caught up
    with."""
    if snapshot.running or snapshot.params.allclose(document_params):
        before = ", before its update" if snapshot.after_update else ""
        return snapshot.pass_params.copy(), f"Step {snapshot.step:,}{before}. "
    return document_params.copy(), "Edited parameters. "


class SheetModel(QAbstractTableModel):
    """One :class:`Sheet` (the neurons' or the parameters' table) for a table view."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sheet = Sheet("", [], [])

    def set_sheet(self, sheet: Sheet) -> bool:
        """Show ``sheet``; True if its rows or columns differ from the sheet shown (the
        view was reset), False if only the numbers changed (the cells were updated)."""
        old = self.sheet
        same_cells = (
            sheet.header == old.header
            and len(sheet.rows) == len(old.rows)
            and all(new[0] == was[0] for new, was in zip(sheet.rows, old.rows, strict=True))
        )
        if not same_cells or not sheet.rows:
            self.beginResetModel()
            self.sheet = sheet
            self.endResetModel()
            return True
        # Training changes the numbers only: a reset would make the views measure every
        # row's text again (thousands of calls of data() per table) and re-lay them out.
        self.sheet = sheet
        self.dataChanged.emit(
            self.index(0, 1),
            self.index(len(sheet.rows) - 1, len(sheet.header) - 1),
            [Qt.ItemDataRole.DisplayRole],
        )
        return False

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt override)
        return 0 if parent.isValid() else len(self.sheet.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.sheet.header)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            text = self.sheet.rows[index.row()][index.column()]
            if not text:
                return "—"
            # On screen a true minus sign, as everywhere in the window (the copies keep
            # the hyphen-minus that spreadsheets and LaTeX read).
            return MINUS + text[1:] if index.column() > 0 and text.startswith("-") else text
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(  # noqa: N802 (Qt override)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.sheet.header[section]
        return None


class ValuesTablePanel(QWidget):
    """The values table of the current network.

    Signals
    -------
    tableChanged(object) : a new :class:`ValuesTable` is shown (tests).
    """

    tableChanged = Signal(object)

    def __init__(
        self, document: Document, controller: TrainingController, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.controller = controller
        self.table: ValuesTable | None = None
        #: view -> (the digits, the longest text per column) its columns were fitted to
        self._fitted: dict[int, tuple[int, list[int]]] = {}
        self._job = LatestJob(JOB_INTERVAL_MS, self, paced=lambda: controller.running)
        self._job.finished.connect(self._on_tabulated)
        self._job.failed.connect(self._on_failed)

        self.source_combo = QComboBox()
        self.source_combo.addItem("Probe example", "probe")
        self.source_combo.addItem("Average over the last batch", "batch")
        self.source_combo.setItemData(
            1, "Before the first step: over the whole training set", Qt.ItemDataRole.ToolTipRole
        )
        self.source_combo.setToolTip(
            "One example's values for its own cost C₀, or the batch's average (∇C)"
        )
        self.digits_spin = QSpinBox()
        self.digits_spin.setRange(1, MAX_DIGITS)
        self.digits_spin.setValue(DEFAULT_DIGITS)
        self.digits_spin.setSuffix(" digits")
        self.digits_spin.setToolTip("Significant digits of every number (17 is all of float64)")
        controls = QHBoxLayout()
        controls.addWidget(self.source_combo, 1)
        controls.addWidget(self.digits_spin)
        copy_row = QHBoxLayout()
        copy_row.addWidget(QLabel("Copy as"))
        self.copy_buttons: dict[str, QPushButton] = {}
        for label, fmt in COPY_FORMATS.items():
            button = QPushButton(label)
            button.setToolTip(f"Copy both tables to the clipboard as {label}")
            button.clicked.connect(lambda _=False, f=fmt: self.copy(f))
            copy_row.addWidget(button)
            self.copy_buttons[fmt] = button
        copy_row.addStretch(1)

        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.neuron_model = SheetModel(self)
        self.param_model = SheetModel(self)
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.views: list[QTableView] = []
        for model in (self.neuron_model, self.param_model):
            view = QTableView()
            view.setModel(model)
            view.verticalHeader().hide()
            view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 6)
            view.setAlternatingRowColors(True)
            # Fitted when the table's shape or digits change, or a column's longest text
            # grows (:meth:`_on_tabulated`): not measured from every row on every update.
            view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
            view.horizontalHeader().setStretchLastSection(False)
            splitter.addWidget(view)
            self.views.append(view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addWidget(self.caption)
        layout.addWidget(splitter, 1)
        layout.addLayout(copy_row)

        self.source_combo.currentIndexChanged.connect(self._on_options_changed)
        self.digits_spin.valueChanged.connect(self._on_options_changed)
        controller.snapshotShown.connect(self._on_snapshot)
        document.parametersChanged.connect(self.request)
        document.parameterChanged.connect(self.request)
        document.networkChanged.connect(self.request)

    # -- computing -------------------------------------------------------------------------------

    @property
    def digits(self) -> int:
        return int(self.digits_spin.value())

    @property
    def per_example(self) -> bool:
        return bool(self.source_combo.currentData() == "probe")

    def request(self, *_args: object) -> None:
        self.rebuild()

    def rebuild(self) -> None:
        """Compute the table from the state shown and show it (when visible)."""
        if not self.isVisible():
            return
        snapshot: Snapshot | None = self.controller.snapshot
        spec = self.document.spec
        if snapshot is None or snapshot.spec != spec:
            self.caption.setText("Waiting for the first forward pass…")
            return
        self._job.min_interval_ms = RUNNING_INTERVAL_MS if snapshot.running else JOB_INTERVAL_MS
        params, state = shown_state(snapshot, self.document.params)
        example: int | None = None
        if self.per_example:
            probe = snapshot.probe
            if probe is None:
                self.caption.setText("No values: there is no probe example.")
                return
            X, Y, example, where = probe.x, probe.y, 0, f"Probe example #{probe.index}"
        else:
            data = self.controller.data
            if data is None or data.source != self.document.data_source:
                self.caption.setText("No values: the data is still loading.")
                return
            X, Y = data.train.X, data.train.Y
            rows = np.asarray(snapshot.batch_indices)
            if rows.size:
                X, Y, where = X[rows], Y[rows], "Last batch"
            else:  # no step yet: the whole training set, the note's average over n
                where = "Training set"
        symbols = Notation.for_spec(spec)
        where = f"{state}{where}"
        self._job.submit(tabulate, spec, params, X, Y, example, self.digits, symbols, where)

    def _on_tabulated(self, result: tuple[ValuesTable, list[Sheet], str, list[list[int]]]) -> None:
        table, (neurons, parameters), text, longest = result
        if table.spec != self.document.spec:
            return  # the network changed while it was computed
        self.table = table
        for view, model, sheet, lengths in zip(
            self.views,
            (self.neuron_model, self.param_model),
            (neurons, parameters),
            longest,
            strict=True,
        ):
            fitted = self._fitted.get(id(view))
            if model.set_sheet(sheet) or fitted is None or fitted[0] != self.digits:
                view.resizeColumnsToContents()
                self._fitted[id(view)] = (self.digits, lengths)
                continue
            # Numbers changed in place: a column grows when its longest text does, and
            # never shrinks (no column twitches while training runs).
            for column, (length, was) in enumerate(zip(lengths, fitted[1], strict=True)):
                if length > was:
                    view.resizeColumnToContents(column)
                    fitted[1][column] = length
        set_text(self.caption, text)
        self.tableChanged.emit(table)

    def _on_failed(self, message: str) -> None:
        self.caption.setText(f"No values: {message}.")

    def text(self, fmt: str) -> str:
        """The table shown, as ``fmt`` (csv, markdown, latex or text)."""
        if self.table is None:
            return ""
        return render(self.table, fmt, self.digits, Notation.for_spec(self.document.spec))

    def copy(self, fmt: str) -> None:
        """Put the table on the clipboard as ``fmt``."""
        text = self.text(fmt)
        if text:
            QGuiApplication.clipboard().setText(text)

    # -- handlers --------------------------------------------------------------------------------

    def _on_options_changed(self, *_args: object) -> None:
        self.rebuild()

    def _on_snapshot(self, _snapshot: object) -> None:
        self.request()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.request()

    def shutdown(self) -> None:
        """Wait for a table being computed (window closing, tests)."""
        self._job.shutdown()
