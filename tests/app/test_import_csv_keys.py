"""The CSV dialog's rough edges: Enter in the path previews (and opens nothing), and the
class-label choice proposes the column the dialog guessed (the last), not the first."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from bpstudio.app.dialogs.import_csv import ImportCsvDialog


def _write(path: Path) -> Path:
    rows = ["a,b,grade"] + [f"{i},{i % 11},{i % 3}" for i in range(30)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_enter_in_the_path_previews_without_opening_the_chooser(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[object] = []
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a: opened.append(a) or ("", ""))
    )
    dialog = ImportCsvDialog(None)
    qtbot.addWidget(dialog)
    dialog.show()
    path = _write(tmp_path / "grades.csv")
    dialog.path_edit.setFocus()
    dialog.path_edit.setText(str(path))
    qtbot.keyClick(dialog.path_edit, Qt.Key.Key_Return)
    assert dialog.path == path
    assert dialog.format is not None  # previewed
    assert opened == []
    assert dialog.isVisible()  # nor did Enter press OK


def test_the_label_choice_proposes_the_last_column(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = ImportCsvDialog(None, _write(tmp_path / "grades.csv"))
    qtbot.addWidget(dialog)
    assert dialog.chosen_targets() == (None, ("grade",))  # numeric: a regression target
    dialog.label_radio.setChecked(True)
    assert dialog.label_combo.currentText() == "grade"
    assert dialog.chosen_targets()[0] == "grade"


def test_the_target_columns_name_fits_its_header(qtbot: QtBot, tmp_path: Path) -> None:
    """The target's header is bold with a ◆: its column is wide enough for all of it."""
    dialog = ImportCsvDialog(None, _write(tmp_path / "grades.csv"))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.label_radio.setChecked(True)
    header = dialog.table.horizontalHeader()
    for c in range(dialog.table.columnCount()):
        item = dialog.table.horizontalHeaderItem(c)
        assert item is not None
        needed = QFontMetrics(item.font()).horizontalAdvance(item.text())
        assert header.sectionSize(c) >= needed, (item.text(), header.sectionSize(c), needed)
    assert dialog.format is not None
    for c, name in enumerate(dialog.format.column_names):
        item = dialog.table.horizontalHeaderItem(c)
        assert item is not None
        assert item.toolTip().startswith(name)  # the whole name, should a column be narrowed
