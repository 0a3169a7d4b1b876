"""Help ▸ Keyboard Shortcuts (read from the window's actions) and Help ▸ User Guide."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtGui import QAction, QKeySequence
from pytestqt.qtbot import QtBot

from bpstudio.app import window_layout
from bpstudio.app.help import GuideDialog, ShortcutsDialog, guide_url, shortcuts
from bpstudio.app.main_window import MainWindow


@pytest.fixture
def window(open_window: Callable[[], MainWindow]) -> MainWindow:
    return open_window()


def _native(sequence: QKeySequence | QKeySequence.StandardKey) -> str:
    return QKeySequence(sequence).toString(QKeySequence.SequenceFormat.NativeText)


def test_every_shortcut_of_the_window_is_listed(window: MainWindow) -> None:
    rows = shortcuts(window)
    listed = {(row.action, row.keys) for row in rows}
    expected = {
        a for a in window.findChildren(QAction) if any(not s.isEmpty() for s in a.shortcuts())
    }
    assert len(rows) == len(expected)  # each action once
    save = next(row for row in rows if row.action == "Save")
    assert save.where == "File"
    assert save.keys == _native(QKeySequence.StandardKey.Save)
    undo = next(row for row in rows if row.action.startswith("Undo"))
    assert undo.where == "Edit"
    assert _native(QKeySequence.StandardKey.Undo) in undo.keys
    step = next(row for row in rows if row.action == "Step")  # an action with a submenu
    assert step.where == "Training"
    assert {row.action for row in rows} >= {"Run", "Zoom In", "User Guide"}
    assert all(keys for _action, keys in listed)


def test_a_new_shortcut_appears_without_editing_the_list(window: MainWindow) -> None:
    action = QAction("&Frobnicate", window)
    action.setShortcut(QKeySequence("Ctrl+Alt+F"))
    window.menuBar().actions()[0].menu().addAction(action)
    row = next(row for row in shortcuts(window) if row.action == "Frobnicate")
    assert row.where == "File"
    assert row.keys == _native(QKeySequence("Ctrl+Alt+F"))


def test_the_shortcuts_dialog_shows_the_rows(qtbot: QtBot, window: MainWindow) -> None:
    dialog = ShortcutsDialog(window)
    qtbot.addWidget(dialog)
    rows = shortcuts(window)
    assert dialog.table.rowCount() == len(rows)
    texts = {dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())}
    assert {row.action for row in rows} == texts


def test_the_help_menu_has_the_guide_and_the_shortcuts(window: MainWindow) -> None:
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    assert window.act_guide in help_menu.actions()
    assert window.act_shortcuts in help_menu.actions()


def test_the_guide_is_shipped_and_explains_every_panel(qtbot: QtBot, window: MainWindow) -> None:
    assert guide_url().isLocalFile()
    dialog = GuideDialog(window)
    qtbot.addWidget(dialog)
    text = dialog.browser.toPlainText()
    assert "User Guide" in text
    for dock in window.docks.values():
        title = window_layout.full_title(dock)
        if title == "Layers":
            continue  # the palette is described with the canvas it drags onto
        assert title in text, title
    assert "∂C/∂a" in text.replace(" ", "")


def test_the_guide_is_inside_the_wheel() -> None:
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads(
        (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    )
    include = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert include["resources"] == "bpstudio/_resources"
    assert (Path(__file__).resolve().parents[2] / "resources/guide/index.html").is_file()
