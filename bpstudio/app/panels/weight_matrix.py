"""The weight matrix W^(l) of one layer as a table, with the biases b^(l) as a last column.

Rows are the neurons j of layer l, columns the neurons k of layer l-1, so cell (j, k) is
w_jk^(l) exactly as docs/calculus.md §4 lays out ``W[j, k]``. Cells are coloured on the theme's
value scale, as on the canvas (blue negative, orange positive), and edited in place;
blocks paste from and copy to a spreadsheet. A :class:`QAbstractTableModel` serves the
cells straight from the document's arrays, so a 128×784 layer costs no more than the cells
on screen.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import cache

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QItemSelectionModel,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRectF,
    QSignalBlocker,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QLinearGradient,
    QPainter,
    QPaintEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bpstudio.app import notation, number_text
from bpstudio.app.actions import ChooseInitializer, ask_initialize, choose_initializer
from bpstudio.app.commands import SetParameterCommand
from bpstudio.app.document import Document
from bpstudio.app.editing import EditPauser, push_network_edit
from bpstudio.app.notation import Notation
from bpstudio.app.selection import Selection, SelectionModel
from bpstudio.app.theme import DivergingScale, css, set_palette_style, theme, to_qcolors
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.errors import BPStudioError

AnyIndex = QModelIndex | QPersistentModelIndex

_LUT_SIZE = 128  # colours on each side of 0


@cache
def _colour_table(scale: DivergingScale) -> tuple[list[QColor], list[QColor]]:
    """``scale``'s colours at 0, 1/128, …, 1 of the full scale: (negative, positive)."""
    t = np.linspace(0.0, 1.0, _LUT_SIZE + 1)
    return to_qcolors(scale.rgb(-t)), to_qcolors(scale.rgb(t))


def diverging_colour(value: float, scale: float) -> QColor:
    """The cell colour of ``value`` when ``scale`` (> 0) maps to the full colour (the
    theme's value scale, as on the canvas)."""
    negative, positive = _colour_table(theme().values)
    if not math.isfinite(value) or scale <= 0:
        return negative[0]
    t = min(abs(value) / scale, 1.0)
    lut = negative if value < 0 else positive
    return lut[round(t * _LUT_SIZE)]


def text_colour(background: QColor) -> QColor:
    return theme().readable_on(background)


def parse_number(text: str) -> float:
    """A finite float from a cell's text, read exactly as every number field reads it
    (:func:`bpstudio.app.number_text.parse_number` with the locale's decimal point: "1,5"
    is 1.5 where the locale writes a decimal comma, and refused in the C locale, in a cell
    as in the Inspector); raises ValueError with a message for people."""
    cleaned = text.strip()
    if not cleaned:
        raise ValueError("the cell is empty")
    return number_text.parse_number(cleaned, decimal=QLocale().decimalPoint())


def split_block(text: str) -> list[list[str]]:
    """Cells of a block copied from a spreadsheet: tab separated, else comma, else spaces."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise BPStudioError("The clipboard holds no values to paste.")
    if "\t" in text:
        return [line.split("\t") for line in lines]
    if "," in text:
        return [line.split(",") for line in lines]
    return [line.split() or [""] for line in lines]


class WeightMatrixModel(QAbstractTableModel):
    """W^(l) with b^(l) as a last column, read from the document.

    Signals
    -------
    problemReported(str) : an edit was refused (not a finite number); nothing changed.
    """

    problemReported = Signal(str)

    def __init__(self, document: Document, layer: int = 1, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self._layer = self._clamp(layer)
        self._live: Params | None = None
        self._scale = self._compute_scale()
        document.parameterChanged.connect(self._on_parameter_changed)
        document.parametersChanged.connect(self._on_parameters_changed)
        document.networkChanged.connect(self._on_network_changed)
        document.projectReplaced.connect(self._on_network_changed)

    # -- layer ---------------------------------------------------------------------------------

    @property
    def layer(self) -> int:
        return self._layer

    def set_layer(self, layer: int) -> None:
        layer = self._clamp(layer)
        if layer == self._layer:
            return
        self.beginResetModel()
        self._layer = layer
        self._scale = self._compute_scale()
        self.endResetModel()

    def _clamp(self, layer: int) -> int:
        return min(max(int(layer), 1), self.document.spec.n_layers)

    def set_live_params(self, params: Params | None) -> None:
        """Show ``params`` (a running trainer's) instead of the document's; None: the document."""
        if params is None and self._live is None:
            return
        if params is not None and not self._fits(params):
            params = None
        self._live = params
        self._refresh_all()

    def _fits(self, params: Params) -> bool:
        l = self._layer - 1
        return params.n_layers > l and params.W[l].shape == self.document.params.W[l].shape

    # -- reading -------------------------------------------------------------------------------

    @property
    def spec(self) -> NetworkSpec:
        return self.document.spec

    @property
    def params(self) -> Params:
        return self._live if self._live is not None else self.document.params

    @property
    def scale(self) -> float:
        """max |w| and |b| of the layer: the value drawn in the full colour."""
        return self._scale

    @property
    def bias_column(self) -> int:
        return self.spec.layer_sizes[self._layer - 1]

    def _compute_scale(self) -> float:
        p = self.params
        l = self._layer - 1
        m = max(
            float(np.max(np.abs(p.W[l]), initial=0.0)), float(np.max(np.abs(p.b[l]), initial=0.0))
        )
        return m if math.isfinite(m) and m > 0 else 1.0

    def ref(self, row: int, column: int) -> ParamRef:
        """The parameter in a cell: w_jk^(l) at row j, column k; b_j^(l) in the last column."""
        if column == self.bias_column:
            return ParamRef.bias(self._layer, row)
        return ParamRef.weight(self._layer, row, column)

    def cell(self, ref: ParamRef) -> tuple[int, int]:
        """The (row, column) of ``ref``, a parameter of this layer."""
        return ref.j, self.bias_column if ref.k is None else ref.k

    def value(self, row: int, column: int) -> float:
        return self.ref(row, column).get(self.params)

    def column_label(self, column: int) -> str:
        return "b" if column == self.bias_column else f"k={column}"

    def cell_name(self, row: int, column: int) -> str:
        """Plain-text name of a cell: ``w₀₁⁽¹⁾`` or ``b₀⁽¹⁾``."""
        return Notation.for_spec(self.spec).param(self.ref(row, column), plain=True)

    # -- QAbstractTableModel -------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else self.spec.layer_sizes[self._layer]

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else self.spec.layer_sizes[self._layer - 1] + 1

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        R = Qt.ItemDataRole
        row, column = index.row(), index.column()
        if role == R.DisplayRole:
            return notation.fixed(self.value(row, column), 4)
        if role == R.EditRole:
            return repr(self.value(row, column))
        if role == R.BackgroundRole:
            return diverging_colour(self.value(row, column), self._scale)
        if role == R.ForegroundRole:
            return text_colour(diverging_colour(self.value(row, column), self._scale))
        if role == R.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == R.ToolTipRole:
            return f"{self.cell_name(row, column)} = {self.value(row, column)!r}"
        return None

    def headerData(  # noqa: N802 (Qt override)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        R = Qt.ItemDataRole
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == R.DisplayRole:
            return self.column_label(section) if horizontal else f"j={section}"
        if role == R.ToolTipRole:
            l = self._layer
            nt = Notation.for_spec(self.spec)
            if not horizontal:
                return (
                    f"Row j={section}: the weights into neuron "
                    f"{nt.neuron(l, section, plain=True)} and its bias"
                )
            if section == self.bias_column:
                return f"The biases {nt.bias(l, 'j', plain=True)}"
            return (
                f"Column k={section}: the weights from neuron "
                f"{nt.neuron(l - 1, section, plain=True)}"
            )
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        F = Qt.ItemFlag
        return F.ItemIsEnabled | F.ItemIsSelectable | F.ItemIsEditable

    def setData(  # noqa: N802 (Qt override)
        self, index: AnyIndex, value: object, role: int = Qt.ItemDataRole.EditRole
    ) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        row, column = index.row(), index.column()
        try:
            number = value if isinstance(value, float | int) else parse_number(str(value))
            number = float(number)
            if not math.isfinite(number):
                raise ValueError(f"{number} is not a finite number")
        except ValueError as exc:
            self.problemReported.emit(f"{self.cell_name(row, column)} was not changed: {exc}.")
            return False
        ref = self.ref(row, column)
        if number != self.document.parameter(ref):
            self.document.push(SetParameterCommand(self.document, ref, number))
        return True

    # -- document ------------------------------------------------------------------------------

    def _refresh_all(self) -> None:
        self._scale = self._compute_scale()
        rows, columns = self.rowCount(), self.columnCount()
        if rows and columns:
            self.dataChanged.emit(self.index(0, 0), self.index(rows - 1, columns - 1))

    def _on_parameter_changed(self, ref: ParamRef) -> None:
        if ref.layer != self._layer or self._live is not None:
            return
        old_scale = self._scale
        self._scale = self._compute_scale()
        if self._scale != old_scale:
            self._refresh_all()  # every colour moves
            return
        cell = self.index(*self.cell(ref))
        self.dataChanged.emit(cell, cell)

    def _on_parameters_changed(self) -> None:
        self._live = None
        self._refresh_all()

    def _on_network_changed(self) -> None:
        self.beginResetModel()
        self._live = None
        self._layer = self._clamp(self._layer)
        self._scale = self._compute_scale()
        self.endResetModel()


class WeightTableView(QTableView):
    """The table; Ctrl+C / Ctrl+V / Delete act on blocks of cells like a spreadsheet."""

    copyRequested = Signal()
    pasteRequested = Signal()
    clearRequested = Signal()

    _KEYS = (
        (QKeySequence.StandardKey.Copy, "copyRequested"),
        (QKeySequence.StandardKey.Paste, "pasteRequested"),
        (QKeySequence.StandardKey.Delete, "clearRequested"),
    )

    def _request_for(self, event: QKeyEvent) -> str | None:
        for key, signal in self._KEYS:
            if event.matches(key):
                return signal
        if event.key() == Qt.Key.Key_Backspace and self.state() != self.State.EditingState:
            return "clearRequested"
        return None

    def event(self, event: QEvent) -> bool:
        # Keep the window's shortcuts (Delete removes a neuron) away from the table's keys.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and self._request_for(event) is not None
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        request = self._request_for(event)
        if request is None:
            super().keyPressEvent(event)
            return
        getattr(self, request).emit()
        event.accept()


class ColourScale(QWidget):
    """A legend for the table's colours: −scale … 0 … +scale."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scale = 1.0
        self.setToolTip("Cell colours: blue negative, orange positive, fading to zero")

    def set_scale(self, scale: float) -> None:
        self._scale = scale
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(210, self.fontMetrics().height() + 4)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        metrics = self.fontMetrics()
        low = notation.format_value(-self._scale, 3)
        high = "+" + notation.format_value(self._scale, 3)
        lw, hw = metrics.horizontalAdvance(low), metrics.horizontalAdvance(high)
        bar = QRectF(lw + 6, 3, max(self.width() - lw - hw - 12, 10), self.height() - 6)
        gradient = QLinearGradient(bar.topLeft(), bar.topRight())
        for position, colour in theme().values.stops():
            gradient.setColorAt(position, colour)
        painter.fillRect(bar, gradient)
        painter.setPen(self.palette().mid().color())
        painter.drawRect(bar)
        painter.setPen(self.palette().text().color())
        align = Qt.AlignmentFlag.AlignVCenter
        painter.drawText(QRectF(0, 0, lw, self.height()), align | Qt.AlignmentFlag.AlignLeft, low)
        painter.drawText(
            QRectF(self.width() - hw, 0, hw, self.height()),
            align | Qt.AlignmentFlag.AlignRight,
            high,
        )
        painter.end()


class WeightMatrixPanel(QWidget):
    """The weight matrix of the layer chosen here or in the :class:`SelectionModel`.

    Parameters
    ----------
    document, selection : what to show and edit.
    controller : optional; if given, network-wide edits (paste, initialise) pause training
        first and the table shows the running trainer's live values.
    """

    def __init__(
        self,
        document: Document,
        selection: SelectionModel,
        parent: QWidget | None = None,
        controller: EditPauser | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.selection = selection
        self.controller = controller
        #: Asks for the initialiser of the Initialise buttons (tests give an answer).
        self.choose_initializer: ChooseInitializer = choose_initializer

        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip("The layer whose weights and biases the table shows")
        self.init_layer_button = QPushButton("Initialise Layer…")
        self.init_layer_button.setToolTip("Draw fresh weights and biases for this layer")
        self.init_network_button = QPushButton("Initialise Network…")
        self.init_network_button.setToolTip("Draw fresh weights and biases for every layer")
        top = QHBoxLayout()
        layer_label = QLabel("&Layer:")
        layer_label.setBuddy(self.layer_combo)
        top.addWidget(layer_label)
        top.addWidget(self.layer_combo)
        top.addStretch(1)
        top.addWidget(self.init_layer_button)
        top.addWidget(self.init_network_button)

        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        set_palette_style(self.legend, "color: palette(placeholder-text);")

        self.model = WeightMatrixModel(document, selection.layer, self)
        self.table = WeightTableView()
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.setWordWrap(False)
        self.table.setCornerButtonEnabled(True)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        h, v = self.table.horizontalHeader(), self.table.verticalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        v.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        h.setDefaultSectionSize(self.fontMetrics().horizontalAdvance("−0.00000") + 14)
        v.setDefaultSectionSize(self.fontMetrics().height() + 8)
        h.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)

        self.act_copy = self._table_action("&Copy\tCtrl+C", self.copy_selection)
        self.act_paste = self._table_action("&Paste\tCtrl+V", self.paste_from_clipboard)
        self.act_clear = self._table_action("Set to &Zero\tDel", self.zero_selection)
        self.act_init_layer = self._table_action("&Initialise Layer…", self._on_init_layer_clicked)

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.scale_bar = ColourScale()
        self.scale_bar.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.scale_bar, 0, Qt.AlignmentFlag.AlignTop)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.legend)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

        self.layer_combo.currentIndexChanged.connect(self._on_layer_combo_changed)
        self.init_layer_button.clicked.connect(self._on_init_layer_clicked)
        self.init_network_button.clicked.connect(self._on_init_network_clicked)
        self.table.copyRequested.connect(self.copy_selection)
        self.table.pasteRequested.connect(self.paste_from_clipboard)
        self.table.clearRequested.connect(self.zero_selection)
        self.table.selectionModel().currentChanged.connect(self._on_current_cell_changed)
        self.model.problemReported.connect(self._on_problem_reported)
        self.model.modelReset.connect(self._on_model_reset)
        self.model.dataChanged.connect(self._on_model_data_changed)
        selection.layerSelected.connect(self._on_layer_selected)
        selection.selectionChanged.connect(self._on_selection_changed)
        document.networkChanged.connect(self._on_network_changed)
        document.projectReplaced.connect(self._on_network_changed)
        if controller is not None and hasattr(controller, "snapshotShown"):
            controller.snapshotShown.connect(self._on_snapshot_received)
        self._fill_layer_combo()
        self._on_model_reset()

    def _table_action(self, text: str, slot: object) -> QAction:
        action = QAction(text, self.table)
        action.triggered.connect(slot)
        self.table.addAction(action)
        return action

    # -- showing -------------------------------------------------------------------------------

    @property
    def layer(self) -> int:
        return self.model.layer

    def _fill_layer_combo(self) -> None:
        spec = self.document.spec
        with QSignalBlocker(self.layer_combo):
            self.layer_combo.clear()
            for l in range(1, spec.n_layers + 1):
                rows, columns = spec.layer_sizes[l], spec.layer_sizes[l - 1]
                self.layer_combo.addItem(f"Layer {l} ({rows}×{columns})", l)
            self.layer_combo.setCurrentIndex(self.layer_combo.findData(self.model.layer))

    def show_layer(self, layer: int) -> None:
        self.model.set_layer(layer)
        with QSignalBlocker(self.layer_combo):
            self.layer_combo.setCurrentIndex(self.layer_combo.findData(self.model.layer))

    def _show_legend(self) -> None:
        l = self.model.layer
        nt = Notation.for_spec(self.document.spec)
        self.legend.setText(
            f"{nt.matrix(l)}: row <i>j</i> holds the weights into {nt.neuron(l, 'j')}, "
            f"column <i>k</i> those from {nt.neuron(l - 1, 'k')}; column <b>b</b> holds the "
            f"biases {nt.bias(l, 'j')}."
        )

    def show_status(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        set_palette_style(
            self.status,
            f"color: {css(theme().messages.error)};"
            if error
            else "color: palette(placeholder-text);",
        )

    def _select_cell_for(self, current: Selection | None) -> None:
        """Make the table's current cell follow the shared selection."""
        if (
            current is None
            or current.layer != self.model.layer
            or not current.fits(self.document.spec)
        ):
            return
        column = (
            current.k if current.is_weight and current.k is not None else self.model.bias_column
        )
        index = self.model.index(current.j, column)
        if self.table.currentIndex() != index:
            self.table.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
        self.table.scrollTo(index)

    # -- cells ---------------------------------------------------------------------------------

    def _selected_cells(self) -> list[tuple[int, int]]:
        cells = sorted(
            {(i.row(), i.column()) for i in self.table.selectionModel().selectedIndexes()}
        )
        if not cells and self.table.currentIndex().isValid():
            current = self.table.currentIndex()
            cells = [(current.row(), current.column())]
        return cells

    def copy_selection(self) -> str:
        """Copy the selected block as tab-separated values (full precision); returns the text."""
        cells = self._selected_cells()
        if not cells:
            return ""
        rows = [r for r, _ in cells]
        columns = [c for _, c in cells]
        chosen = set(cells)
        lines = []
        for r in range(min(rows), max(rows) + 1):
            lines.append(
                "\t".join(
                    repr(self.model.value(r, c)) if (r, c) in chosen else ""
                    for c in range(min(columns), max(columns) + 1)
                )
            )
        text = "\n".join(lines) + "\n"
        QGuiApplication.clipboard().setText(text)
        self.show_status(f"Copied {len(cells):,} value{'s' if len(cells) != 1 else ''}.")
        return text

    def paste_from_clipboard(self) -> bool:
        return self.paste_text(QGuiApplication.clipboard().text())

    def paste_text(self, text: str) -> bool:
        """Paste a block starting at the current cell, as one undo step.

        A single value pasted over a selection of several cells fills them all. Any cell that
        is not a finite number, or a block that does not fit, changes nothing and says why.
        """
        model = self.model
        try:
            block = split_block(text)
            current = self.table.currentIndex()
            row0, col0 = (current.row(), current.column()) if current.isValid() else (0, 0)
            selected = self._selected_cells()
            if len(block) == 1 and len(block[0]) == 1 and len(selected) > 1:
                value = self._parse_cell(block[0][0], *selected[0])
                cells = [(r, c, value) for r, c in selected]
            else:
                cells = self._block_cells(block, row0, col0)
        except BPStudioError as exc:
            self.show_status(f"Nothing was pasted: {exc}", error=True)
            return False
        n = len(cells)
        what = f"{n:,} value{'s' if n != 1 else ''}"
        return self._apply_cells(cells, f"Paste {what} into layer {model.layer}", f"Pasted {what}.")

    def zero_selection(self) -> bool:
        """Set the selected cells to 0 as one undo step."""
        cells = [(r, c, 0.0) for r, c in self._selected_cells()]
        if not cells:
            return False
        n = len(cells)
        what = f"{n:,} value{'s' if n != 1 else ''}"
        return self._apply_cells(
            cells, f"Set {what} of layer {self.model.layer} to 0", f"Set {what} to 0."
        )

    def _parse_cell(self, text: str, row: int, column: int) -> float:
        try:
            return parse_number(text)
        except ValueError as exc:
            raise BPStudioError(
                f"row j={row}, column {self.model.column_label(column)}: {exc}."
            ) from None

    def _block_cells(
        self, block: list[list[str]], row0: int, col0: int
    ) -> list[tuple[int, int, float]]:
        model = self.model
        rows, columns = model.rowCount(), model.columnCount()
        width = max(len(line) for line in block)
        if row0 + len(block) > rows or col0 + width > columns:
            fit_rows, fit_columns = rows - row0, columns - col0
            raise BPStudioError(
                f"a block of {len(block)} row{'s' if len(block) != 1 else ''} × {width} "
                f"column{'s' if width != 1 else ''} does not fit: from row j={row0}, column "
                f"{model.column_label(col0)} on, layer {model.layer} has room for "
                f"{fit_rows} × {fit_columns}."
            )
        cells = []
        for i, line in enumerate(block):
            for c, cell in enumerate(line):
                cells.append((row0 + i, col0 + c, self._parse_cell(cell, row0 + i, col0 + c)))
        return cells

    def _apply_cells(self, cells: Iterable[tuple[int, int, float]], text: str, done: str) -> bool:
        layer = self.model.layer
        cells = list(cells)

        def make(spec: NetworkSpec, params: Params) -> tuple[NetworkSpec, Params]:
            new = params.copy()
            bias_column = spec.layer_sizes[layer - 1]
            for r, c, value in cells:
                if c == bias_column:
                    new.b[layer - 1][r] = value
                else:
                    new.W[layer - 1][r, c] = value
            return spec, new

        try:
            push_network_edit(self.document, self.controller, text, make)
        except BPStudioError as exc:
            self.show_status(str(exc), error=True)
            return False
        self.show_status(done)
        return True

    # -- handlers ------------------------------------------------------------------------------

    def _on_layer_combo_changed(self, _index: int) -> None:
        layer = self.layer_combo.currentData()
        if layer is not None:
            self.model.set_layer(int(layer))
            self.selection.select_layer(int(layer))

    def _on_layer_selected(self, layer: int) -> None:
        self.show_layer(layer)

    def _on_selection_changed(self, current: object) -> None:
        self._select_cell_for(current if isinstance(current, Selection) else None)

    def _on_network_changed(self) -> None:
        self._fill_layer_combo()
        self._on_model_reset()
        self._select_cell_for(self.selection.selection)

    def _on_model_reset(self) -> None:
        self._show_legend()
        self.scale_bar.set_scale(self.model.scale)
        self.show_status("")

    def _on_model_data_changed(self, *_args: object) -> None:
        self.scale_bar.set_scale(self.model.scale)

    def _on_current_cell_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        layer, row, column = self.model.layer, current.row(), current.column()
        if column == self.model.bias_column:
            self.selection.select(Selection.neuron(layer, row))
        else:
            self.selection.select(Selection.weight(layer, row, column))

    def _on_problem_reported(self, message: str) -> None:
        self.show_status(message, error=True)

    def _on_snapshot_received(self, snapshot: object) -> None:
        running = getattr(snapshot, "running", False)
        same = getattr(snapshot, "spec", None) == self.document.spec
        self.model.set_live_params(snapshot.params if running and same else None)  # type: ignore[attr-defined]

    def _on_init_layer_clicked(self) -> None:
        self._initialize(self.model.layer)

    def _on_init_network_clicked(self) -> None:
        self._initialize(None)

    def _initialize(self, layer: int | None) -> None:
        try:
            if ask_initialize(self, self.document, self.controller, layer, self.choose_initializer):
                self.show_status(f"{self.document.undo_stack.undoText()}.")
        except BPStudioError as exc:
            self.show_status(str(exc), error=True)
