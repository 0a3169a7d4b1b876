"""One dock as large as the window, and back: View ▸ Enlarge Output (Ctrl+Shift+O, or the
button in the Output view's corner) hides the canvas and every other dock so the Output
dock fills the window; Esc, the same button or the same shortcut puts the window back
exactly as it was (``saveState``/``restoreState``: every dock's place, size, tab and
visibility)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QStyle

SHORTCUT = "Ctrl+Shift+O"
RESTORE_SHORTCUT = "Esc"


class DockEnlarger(QObject):
    """Enlarges ``dock`` to the whole window; :attr:`action` (checkable) toggles it.

    Signals
    -------
    toggled(bool) : the dock was enlarged (True) or the layout restored (False).
    """

    toggled = Signal(bool)

    def __init__(self, window: QMainWindow, dock: QDockWidget, shortcut: str = SHORTCUT) -> None:
        super().__init__(window)
        self.window = window
        self.dock = dock
        self._saved: QByteArray | None = None
        self._central_visible = True
        title = dock.windowTitle()
        self._enlarge_text = f"&Enlarge {title}"
        self.action = QAction(self._enlarge_text, window)
        self.action.setCheckable(True)
        self.action.setShortcut(QKeySequence(shortcut))
        self.action.setStatusTip(f"{title} fills the window (Esc puts the panels back)")
        self.action.toggled.connect(self.set_active)
        self.restore_action = QAction("Restore the Layout", window)
        self.restore_action.setShortcut(QKeySequence(RESTORE_SHORTCUT))
        self.restore_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.restore_action.setEnabled(False)  # Esc belongs to the views the rest of the time
        self.restore_action.triggered.connect(lambda: self.set_active(False))
        window.addAction(self.action)
        window.addAction(self.restore_action)
        self._update_action()

    @property
    def active(self) -> bool:
        return self._saved is not None

    def set_active(self, active: bool) -> None:
        if active == self.active:
            return
        if active:
            self._enter()
        else:
            self._leave()
        self._update_action()
        self.toggled.emit(active)

    def _enter(self) -> None:
        window = self.window
        self._saved = window.saveState()
        central = window.centralWidget()
        self._central_visible = central is not None and not central.isHidden()
        for other in window.findChildren(QDockWidget):
            if other is not self.dock and not other.isHidden():
                other.hide()
        if self.dock.isFloating():
            self.dock.setFloating(False)
        self.dock.show()
        if central is not None:
            central.hide()  # the dock areas take the central area's room
        self.dock.raise_()
        self.restore_action.setEnabled(True)

    def _leave(self) -> None:
        saved = self._saved
        assert saved is not None
        self._saved = None
        self.restore_action.setEnabled(False)
        central = self.window.centralWidget()
        if central is not None:
            central.setVisible(self._central_visible)
        self.window.restoreState(saved)

    def _update_action(self) -> None:
        active = self.active
        if self.action.isChecked() != active:
            self.action.setChecked(active)
        style = self.window.style()
        pixmap = QStyle.StandardPixmap
        icon = pixmap.SP_TitleBarNormalButton if active else pixmap.SP_TitleBarMaxButton
        self.action.setIcon(style.standardIcon(icon))
        keys = self.action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        if active:
            tip = f"Put the panels back (Esc or {keys})"
        else:
            tip = f"{self.action.statusTip()} ({keys})"
        self.action.setToolTip(tip)
