"""Import a CSV file as the project's data: look at it, choose the targets, read it.

The dialog guesses the delimiter and the header (:func:`~bpstudio.core.data.csv_data.sniff_csv`),
shows the first rows, and lets the user choose numeric target columns or one class-label
column (one-hot encoded, for a softmax output), standardisation (fitted on the training
split) and the validation fraction. Import reads the whole file on a background thread with
a progress dialog that can cancel it; the parsed data set lands in the core's CSV cache, so
the training worker does not parse the file a second time. A bad file shows the reader's
message (it names the line and column) and nothing is imported.

After ``accepted``, :attr:`ImportCsvDialog.source` is the :class:`DataSource` to bind and
:attr:`ImportCsvDialog.dataset` the examples it describes.
"""

from __future__ import annotations

import csv
import math
import threading
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QBrush, QFont, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressDialog,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bpstudio.app import file_dialogs
from bpstudio.app.background import LatestJob
from bpstudio.app.file_dialogs import FileDialogs, FileKind
from bpstudio.app.theme import css, set_palette_style, theme, with_alpha
from bpstudio.app.widgets import IntegerSpinBox
from bpstudio.core.data.csv_data import CsvFormat, _sniff_lines, sniff_csv
from bpstudio.core.data.datasets import Dataset
from bpstudio.core.data.source import DataSource, read_csv_examples, split_examples
from bpstudio.core.errors import BPStudioError

CSV_FILTER = "CSV files (*.csv *.tsv *.txt);;All files (*)"
DELIMITER_LABELS: dict[str, str] = {",": "Comma  ,", ";": "Semicolon  ;", "\t": "Tab", " ": "Space"}
PREVIEW_ROWS = 20
PREVIEW_COLUMNS = 200
HEAD_BYTES = 256_000
#: Column names that say "this is the class label".
LABEL_NAMES = {"label", "labels", "class", "classes", "digit", "species", "category", "target", "y"}


class ImportCancelled(BPStudioError):
    """Raised inside the reader (from its progress callback) when the user cancels."""


def read_head(path: Path, n_bytes: int = HEAD_BYTES) -> list[str]:
    """The first lines of a text file (the last, possibly partial, line dropped)."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(n_bytes + 1)
    except OSError as exc:
        raise BPStudioError(f"cannot read {path}: {exc.strerror or exc}") from None
    truncated = len(raw) > n_bytes
    text = raw[:n_bytes].decode("utf-8", errors="replace").lstrip("\ufeff")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if truncated and len(lines) > 1:
        lines.pop()
    return lines


def split_cells(line: str, delimiter: str) -> list[str]:
    if delimiter == " ":
        line = line.strip()
    row = next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [])
    return [cell.strip() for cell in row]


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


class ImportCsvDialog(QDialog):
    """Choose how to read a CSV file, then read it in the background.

    Attributes
    ----------
    source : DataSource or None
        After acceptance: the CSV recipe (absolute path, SHA-256, targets, options).
    dataset : Dataset or None
        After acceptance: every example of the file (before the split).
    """

    importFailed = Signal(str)
    #: The fraction of the file read so far, emitted in the reading thread (the dialog's own
    #: progress bar takes it queued, in the GUI thread).
    importProgressed = Signal(float)

    def __init__(
        self,
        parent: QWidget | None = None,
        path: str | Path | None = None,
        validation_fraction: float = 0.2,
        start_dir: str = "",
        files: FileDialogs | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import Data from a CSV File")
        self.setMinimumSize(720, 560)
        self.source: DataSource | None = None
        self.dataset: Dataset | None = None
        self.path: Path | None = None
        self.format: CsvFormat | None = None
        self._start_dir = start_dir
        self.files = files or file_dialogs.shared()
        self._rows: list[list[str]] = []
        self._cancel = threading.Event()
        self._progress: QProgressDialog | None = None
        self.importProgressed.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._reader = LatestJob(parent=self)
        self._reader.finished.connect(self._on_read)
        self._reader.failed.connect(self._on_read_failed)

        # File.
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("Choose a CSV file…")
        self.path_edit.editingFinished.connect(self._on_path_edited)
        # Enter in the path previews the file; it must not also press a button of the dialog.
        self.path_edit.installEventFilter(self)
        self.browse_button = QPushButton("Browse…")
        self.browse_button.setAutoDefault(False)
        self.browse_button.clicked.connect(self._on_browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.browse_button)

        # Format.
        self.delimiter_combo = QComboBox()
        for delim, label in DELIMITER_LABELS.items():
            self.delimiter_combo.addItem(label, delim)
        self.delimiter_combo.currentIndexChanged.connect(self._on_format_changed)
        self.header_check = QCheckBox("First row holds column names")
        self.header_check.toggled.connect(self._on_format_changed)
        self.file_info = QLabel()
        set_palette_style(self.file_info, "color: palette(placeholder-text);")
        format_row = QHBoxLayout()
        format_row.addWidget(QLabel("Delimiter:"))
        format_row.addWidget(self.delimiter_combo)
        format_row.addSpacing(16)
        format_row.addWidget(self.header_check)
        format_row.addStretch(1)
        format_row.addWidget(self.file_info)

        # Preview.
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setDefaultSectionSize(72)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

        # Targets.
        self.targets_radio = QRadioButton("Numeric target column(s)")
        self.label_radio = QRadioButton("One class-label column (one-hot: a softmax output)")
        self.mode_group = QButtonGroup(self)
        self.mode_group.addButton(self.targets_radio)
        self.mode_group.addButton(self.label_radio)
        self.targets_radio.setChecked(True)
        self.targets_radio.toggled.connect(self._on_targets_changed)
        self.targets_list = QListWidget()
        self.targets_list.setMaximumHeight(110)
        self.targets_list.itemChanged.connect(self._on_targets_changed)
        self.label_combo = QComboBox()
        self.label_combo.currentIndexChanged.connect(self._on_targets_changed)
        target_box = QGroupBox("What the network should predict")
        tl = QVBoxLayout(target_box)
        tl.addWidget(self.targets_radio)
        tl.addWidget(self.targets_list)
        tl.addWidget(self.label_radio)
        tl.addWidget(self.label_combo)

        # Options.
        self.standardize_check = QCheckBox("Standardise the inputs (mean 0, standard deviation 1)")
        self.standardize_check.setToolTip(
            "Statistics come from the training split only, so nothing leaks from validation."
        )
        self.validation_spin = IntegerSpinBox()
        self.validation_spin.setRange(0, 90)
        self.validation_spin.setSuffix(" %")
        self.validation_spin.setValue(round(100 * validation_fraction))
        options_box = QGroupBox("Options")
        ol = QFormLayout(options_box)
        ol.addRow(self.standardize_check)
        ol.addRow("Validation:", self.validation_spin)

        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        messages = theme().messages
        self.error_label.setStyleSheet(
            f"color: {css(messages.warning_text)}; background: {css(messages.warning_background)};"
            f" border: 1px solid {css(messages.warning_border)}; border-radius: 4px; padding: 6px;"
        )
        self.error_label.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton(
            "Import", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.import_button.setDefault(True)
        self.buttons.accepted.connect(self.start_import)
        self.buttons.rejected.connect(self.reject)

        lower = QHBoxLayout()
        lower.addWidget(target_box, 3)
        lower.addWidget(options_box, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(file_row)
        layout.addLayout(format_row)
        layout.addWidget(self.table, 1)
        layout.addLayout(lower)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self._update_enabled()
        if path is not None:
            self.set_path(path)

    # -- choosing the file -------------------------------------------------------------------

    def _on_browse(self) -> None:
        start = self.path.parent if self.path else None
        if start is None and self._start_dir:
            start = Path(self._start_dir)
        name = self.files.open_path(FileKind.CSV, "Import data", CSV_FILTER, self, start)
        if name is not None:
            self.set_path(name)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if (
            watched is self.path_edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self._on_path_edited()
            return True
        return super().eventFilter(watched, event)

    def _on_path_edited(self) -> None:
        text = self.path_edit.text().strip()
        if text and (self.path is None or Path(text) != self.path):
            self.set_path(text)

    def set_path(self, path: str | Path) -> bool:
        """Look at ``path``: guess its format, fill the preview and the column choices."""
        self.path = Path(path).expanduser()
        with QSignalBlocker(self.path_edit):
            self.path_edit.setText(str(self.path))
        self.format = None
        self._show_error("")
        try:
            fmt = sniff_csv(self.path)
        except BPStudioError as exc:
            self._clear_columns()
            self._show_error(str(exc))
            return False
        with QSignalBlocker(self.delimiter_combo), QSignalBlocker(self.header_check):
            self.delimiter_combo.setCurrentIndex(self.delimiter_combo.findData(fmt.delimiter))
            self.header_check.setChecked(fmt.has_header)
        self._read_preview()
        self._choose_default_targets()
        return self.format is not None

    def _on_format_changed(self) -> None:
        if self.path is None:
            return
        self._show_error("")
        self._read_preview()
        self._choose_default_targets()

    def _read_preview(self) -> None:
        assert self.path is not None
        delim = str(self.delimiter_combo.currentData())
        try:
            lines = read_head(self.path)
            self.format = _sniff_lines(lines, self.path, delim, self.header_check.isChecked())
        except BPStudioError as exc:
            self.format = None
            self._clear_columns()
            self._show_error(str(exc))
            return
        data_lines = [line for line in lines if line and not line.isspace()]
        if self.format.has_header:
            data_lines = data_lines[1:]
        self._rows = [split_cells(line, delim) for line in data_lines[:PREVIEW_ROWS]]
        names = self.format.column_names
        with QSignalBlocker(self.targets_list), QSignalBlocker(self.label_combo):
            self.targets_list.clear()
            self.label_combo.clear()
            for name in names:
                item = QListWidgetItem(name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                self.targets_list.addItem(item)
                self.label_combo.addItem(name)
        self._fill_table()
        self._update_file_info(len(data_lines))

    def _update_file_info(self, rows_in_head: int) -> None:
        assert self.path is not None
        try:
            size = self.path.stat().st_size
        except OSError:
            size = 0
        estimate = rows_in_head
        if size > HEAD_BYTES and rows_in_head:
            estimate = round(rows_in_head * size / HEAD_BYTES)
            rows_text = f"about {estimate:,} rows"
        else:
            rows_text = f"{rows_in_head:,} rows"
        mb = size / 1e6
        size_text = f"{mb:,.1f} MB" if mb >= 0.1 else f"{size / 1e3:,.1f} kB"
        n_cols = self.format.n_columns if self.format else 0
        self.file_info.setText(f"{n_cols:,} columns · {rows_text} · {size_text}")

    def _clear_columns(self) -> None:
        self._rows = []
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        self.targets_list.clear()
        self.label_combo.clear()
        self.file_info.setText("")
        self._update_enabled()

    def _fill_table(self) -> None:
        assert self.format is not None
        names = self.format.column_names[:PREVIEW_COLUMNS]
        self.table.clear()
        self.table.setColumnCount(len(names))
        self.table.setRowCount(len(self._rows))
        self.table.setHorizontalHeaderLabels(list(names))
        for r, row in enumerate(self._rows):
            for c, cell in enumerate(row[: len(names)]):
                item = QTableWidgetItem(cell)
                if _is_number(cell):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(r, c, item)
        if len(names) <= 40:  # narrow files: every name readable (wide ones stay fast)
            self.table.resizeColumnsToContents()

    # -- targets -------------------------------------------------------------------------------

    def _column_cells(self, j: int) -> list[str]:
        return [row[j] for row in self._rows if j < len(row)]

    def _choose_default_targets(self) -> None:
        """A column named like a label, else the last column; label mode if it holds words."""
        if self.format is None:
            return
        names = self.format.column_names
        j = next((i for i, n in enumerate(names) if n.strip().lower() in LABEL_NAMES), None)
        named = j is not None
        if j is None:
            j = len(names) - 1
        cells = self._column_cells(j)
        words = any(not _is_number(c) for c in cells)
        label_like = named and names[j].strip().lower() not in ("target", "y")
        self.set_targets(
            label=names[j] if (words or label_like) else None,
            targets=None if (words or label_like) else [names[j]],
        )
        # Switching to "One class-label column" proposes the same column, not the first.
        with QSignalBlocker(self.label_combo):
            self.label_combo.setCurrentText(names[j])

    def set_targets(self, label: str | None = None, targets: list[str] | None = None) -> None:
        """Use one class-label column, or these numeric target columns."""
        with (
            QSignalBlocker(self.targets_list),
            QSignalBlocker(self.label_combo),
            QSignalBlocker(self.targets_radio),
        ):
            if label is not None:
                self.label_radio.setChecked(True)
                self.label_combo.setCurrentText(label)
            else:
                self.targets_radio.setChecked(True)
            wanted = set(targets or [])
            for i in range(self.targets_list.count()):
                item = self.targets_list.item(i)
                checked = item.text() in wanted
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self._on_targets_changed()

    def chosen_targets(self) -> tuple[str | None, tuple[str, ...]]:
        """(label column or None, numeric target columns)."""
        if self.label_radio.isChecked():
            return (self.label_combo.currentText() or None), ()
        checked = [
            self.targets_list.item(i).text()
            for i in range(self.targets_list.count())
            if self.targets_list.item(i).checkState() == Qt.CheckState.Checked
        ]
        return None, tuple(checked)

    def _on_targets_changed(self) -> None:
        label_mode = self.label_radio.isChecked()
        self.targets_list.setEnabled(not label_mode)
        self.label_combo.setEnabled(label_mode)
        self._tint_targets()
        self._update_summary()
        self._update_enabled()

    def _tint_targets(self) -> None:
        if self.format is None:
            return
        label, targets = self.chosen_targets()
        chosen = {label} if label else set(targets)
        names = self.format.column_names[: self.table.columnCount()]
        bold = QFont(self.font())
        bold.setBold(True)
        for c, name in enumerate(names):
            is_target = name in chosen
            header = self.table.horizontalHeaderItem(c)
            if header is not None:
                header.setFont(bold if is_target else self.font())
                header.setText(f"{name} ◆" if is_target else name)
                header.setToolTip(f"{name}: a target column" if is_target else name)
            for r in range(self.table.rowCount()):
                item = self.table.item(r, c)
                if item is not None:
                    item.setBackground(
                        QBrush(with_alpha(theme().values.positive, 45)) if is_target else QBrush()
                    )
        if self.table.columnCount() <= 40:
            # The marked names are bold and longer: the columns fit them again ("label ◆" was
            # cut to "abel ◆" in a column sized for "label").
            self.table.resizeColumnsToContents()

    def _update_summary(self) -> None:
        if self.format is None:
            self.summary_label.setText("")
            return
        label, targets = self.chosen_targets()
        n_cols = self.format.n_columns
        if label:
            n_in = n_cols - 1
            classes = {c for c in self._column_cells(self.format.column_names.index(label))}
            what = (
                f"the class in <b>{label}</b> (one-hot, one output per class; "
                f"{len(classes)} seen in the first rows)"
            )
        else:
            n_in = n_cols - len(targets)
            what = f"<b>{', '.join(targets)}</b>" if targets else "<i>no target chosen</i>"
        self.summary_label.setText(f"<b>{n_in:,}</b> input column(s) → predict {what}.")

    def _update_enabled(self) -> None:
        ok = self.format is not None
        if ok:
            label, targets = self.chosen_targets()
            assert self.format is not None
            chosen = 1 if label else len(targets)
            ok = 1 <= chosen < self.format.n_columns
        self.import_button.setEnabled(ok and not self.importing)

    # -- reading --------------------------------------------------------------------------------

    def draft_source(self) -> DataSource:
        """The CSV recipe as chosen so far (without the file's SHA-256)."""
        if self.path is None or self.format is None:
            raise BPStudioError("choose a CSV file first")
        label, targets = self.chosen_targets()
        return DataSource(
            "csv",
            name=self.path.stem,
            path=str(self.path.resolve()),
            label_column=label,
            target_columns=targets,
            standardize=self.standardize_check.isChecked(),
            validation_fraction=self.validation_spin.value() / 100.0,
            delimiter=self.format.delimiter,
            has_header=self.format.has_header,
        )

    @property
    def importing(self) -> bool:
        """True while the whole file is being read (Import is disabled meanwhile)."""
        return self._reader.busy

    def start_import(self) -> None:
        """Read the whole file in the background (what Import does)."""
        if self.importing:
            return
        try:
            draft = self.draft_source()
        except BPStudioError as exc:
            self._show_error(str(exc))
            return
        self._show_error("")
        self._cancel.clear()
        assert self.path is not None
        progress = QProgressDialog(f"Reading {self.path.name}…", "Cancel", 0, 1000, self)
        progress.setWindowTitle("Import Data")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.canceled.connect(self.cancel_import)
        progress.setValue(0)
        self._progress = progress
        self._reader.submit(_read_source, draft, self._report)
        self._update_enabled()

    def _report(self, fraction: float) -> None:
        """Progress from the reader thread: hand it to the GUI thread, or stop the read."""
        if self._cancel.is_set():
            raise ImportCancelled("the import was cancelled")
        self.importProgressed.emit(fraction)

    def cancel_import(self) -> None:
        self._cancel.set()

    def _on_progress(self, fraction: float) -> None:
        if self._progress is not None and not self._cancel.is_set():
            self._progress.setValue(round(1000 * fraction))

    def _close_progress(self) -> None:
        if self._progress is not None:
            self._progress.canceled.disconnect(self.cancel_import)
            self._progress.close()
            self._progress.deleteLater()
            self._progress = None

    def _on_read(self, result: tuple[DataSource, Dataset]) -> None:
        self._close_progress()
        self._update_enabled()
        if self._cancel.is_set():
            return
        self.source, self.dataset = result
        self.accept()

    def _on_read_failed(self, message: str) -> None:
        self._close_progress()
        self._update_enabled()
        if self._cancel.is_set():
            return
        self._show_error(message)
        self.importFailed.emit(message)

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    @property
    def error_text(self) -> str:
        return self.error_label.text() if not self.error_label.isHidden() else ""

    def wait(self) -> None:
        """Block until a running read is over (tests, closing)."""
        self._reader.wait()

    def done(self, result: int) -> None:
        """Closing (Import finished, Cancel, Escape): a read still running is stopped."""
        if self._reader.busy:
            self._cancel.set()
            self._reader.wait()
        super().done(result)


def _read_source(draft: DataSource, progress: object) -> tuple[DataSource, Dataset]:
    """Background: read (or find in the cache) every example, and check the split works."""
    examples, digest = read_csv_examples(draft, progress=progress)  # type: ignore[arg-type]
    source = draft.with_changes(sha256=digest)
    split_examples(source, examples)  # standardisation or the split may object: say so now
    return source, examples
