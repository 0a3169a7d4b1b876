"""Help ▸ Keyboard Shortcuts and Help ▸ User Guide.

The shortcuts are read from the window's QActions when the dialog opens, so the list
never goes stale; the guide is an HTML page shipped with the app
(``resources/guide/index.html``), shown offline.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHeaderView,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from bpstudio.app.widgets import close_button
from bpstudio.core.resources import resource_path


@dataclass(frozen=True)
class Shortcut:
    """One action's shortcuts as the user reads them: where it is, what it does, the keys."""

    where: str
    action: str
    keys: str


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip(".…")


def _keys(action: QAction) -> str:
    texts = [
        s.toString(QKeySequence.SequenceFormat.NativeText)
        for s in action.shortcuts()
        if not s.isEmpty()
    ]
    return ", ".join(texts)


def shortcuts(window: QMainWindow) -> list[Shortcut]:
    """Every action of ``window`` that has a shortcut: those in its menus, by menu path,
    then those that live only on the window or its children (no menu)."""
    found: list[Shortcut] = []
    seen: set[int] = set()

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            if id(action) in seen or action.isSeparator():
                continue
            seen.add(id(action))
            keys = _keys(action)  # a submenu's own action may have keys too (Step ▸)
            if keys:
                found.append(Shortcut(path, _plain(action.text()), keys))
            sub = action.menu()
            if isinstance(sub, QMenu):
                walk(sub, f"{path} ▸ {_plain(sub.title())}")

    for top in window.menuBar().actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            walk(menu, _plain(menu.title()))
    for action in window.findChildren(QAction):
        if id(action) in seen:
            continue
        keys = _keys(action)
        if keys:
            seen.add(id(action))
            found.append(Shortcut("Window", _plain(action.text()), keys))
    return found


class ShortcutsDialog(QDialog):
    """A table of :func:`shortcuts`: menu, action, keys."""

    def __init__(self, window: QMainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.setWindowTitle("Keyboard Shortcuts")
        rows = shortcuts(window)
        self.table = QTableWidget(len(rows), 3, self)
        self.table.setHorizontalHeaderLabels(["Menu", "Action", "Keys"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        for r, row in enumerate(rows):
            for c, text in enumerate((row.where, row.action, row.keys)):
                self.table.setItem(r, c, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(close_button(self))
        self.resize(620, 520)


def guide_url() -> QUrl:
    """The user guide's page inside the installation."""
    return QUrl.fromLocalFile(str(resource_path("guide", "index.html")))


class GuideDialog(QDialog):
    """The user guide in a QTextBrowser (offline; links inside the guide are followed, links
    to the web open in the system's browser)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Backprop Studio User Guide")
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(True)
        self.browser.setSource(guide_url())
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(close_button(self))
        self.resize(760, 680)
