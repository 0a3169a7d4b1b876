"""Presenter mode: the window as a lecture-hall projector needs it.

View → Presenter mode (F5) shows only the canvas, the chain rule and the cost plot, with
every font and the canvas's labels at least :data:`SCALE` times larger and a high-contrast
palette (black on white, captions no longer grey). The keyboard drives the lecture: → runs
the next phase (forward, backward, update), Space runs or pauses, F6 brings back every
other panel (and hides them again). Leaving restores the window exactly as it was: the
docks and toolbars (``saveState``), the status bar, the font, the palette and the canvas's
zoom and scroll.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QFont, QKeySequence, QPalette
from PySide6.QtWidgets import QApplication

from bpstudio.app.canvas.items import set_text_scale
from bpstudio.app.canvas.view import MAX_FIT_ZOOM

if TYPE_CHECKING:
    from bpstudio.app.main_window import MainWindow

#: How much larger fonts and canvas labels are.
SCALE = 1.6
#: The docks presenter mode keeps; the others are one key (F6) away.
PRESENTER_DOCKS = ("chain_rule", "cost")
CHAIN_RULE_WIDTH = 0.36
COST_HEIGHT = 0.34
SHORTCUT = "F5"
ALL_PANELS_SHORTCUT = "F6"


def high_contrast_palette(base: QPalette) -> QPalette:
    """Black on white, a strong blue for selection, and dark captions."""
    palette = QPalette(base)
    black, white = QColor("#000000"), QColor("#ffffff")
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        for role, colour in (
            (QPalette.ColorRole.Window, white),
            (QPalette.ColorRole.WindowText, black),
            (QPalette.ColorRole.Base, white),
            (QPalette.ColorRole.AlternateBase, QColor("#eeeeee")),
            (QPalette.ColorRole.Text, black),
            (QPalette.ColorRole.Button, QColor("#f2f2f2")),
            (QPalette.ColorRole.ButtonText, black),
            (QPalette.ColorRole.ToolTipBase, white),
            (QPalette.ColorRole.ToolTipText, black),
            (QPalette.ColorRole.Highlight, QColor("#0033aa")),
            (QPalette.ColorRole.HighlightedText, white),
            (QPalette.ColorRole.PlaceholderText, QColor("#222222")),
        ):
            palette.setColor(group, role, colour)
    return palette


def scaled_font(font: QFont, factor: float = SCALE) -> QFont:
    bigger = QFont(font)
    if font.pointSizeF() > 0:
        bigger.setPointSizeF(font.pointSizeF() * factor)
    else:
        bigger.setPixelSize(round(font.pixelSize() * factor))
    return bigger


@dataclass(frozen=True)
class _Saved:
    """What leaving presenter mode puts back."""

    state: QByteArray
    geometry: QByteArray
    status_bar: bool
    font: QFont
    palette: QPalette
    view: dict[str, Any]
    zoom: float


class PresenterMode(QObject):
    """Enters and leaves presenter mode on ``window``; :attr:`action` is its menu item.

    Signals
    -------
    toggled(bool) : presenter mode was entered (True) or left (False).
    """

    toggled = Signal(bool)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._saved: _Saved | None = None
        self._all_panels = False
        self._kept: tuple[str, ...] = PRESENTER_DOCKS
        self.action = QAction("&Presenter Mode", window)
        self.action.setCheckable(True)
        self.action.setShortcut(QKeySequence(SHORTCUT))
        self.action.setStatusTip(
            "Large type and high contrast for a projector: the canvas, the chain rule and the "
            "cost only (→ next phase, Space run/pause, F6 all panels)"
        )
        self.action.toggled.connect(self.set_active)
        self.next_phase_action = self._key_action("Next phase", "Right", self._next_phase)
        self.all_panels_action = self._key_action(
            "Show all panels", ALL_PANELS_SHORTCUT, self.toggle_all_panels
        )

    def _key_action(self, text: str, key: str, slot: Any) -> QAction:
        action = QAction(text, self.window)
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setEnabled(False)
        action.triggered.connect(slot)
        self.window.addAction(action)
        return action

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
        if self.action.isChecked() != active:
            self.action.setChecked(active)
        self.toggled.emit(active)

    # -- entering and leaving --------------------------------------------------------------------

    def _enter(self) -> None:
        window = self.window
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        canvas = window.canvas
        self._saved = _Saved(
            state=window.saveState(),
            geometry=window.saveGeometry(),
            status_bar=window.statusBar().isVisible(),
            font=QFont(app.font()),
            palette=QPalette(app.palette()),
            view=canvas.view_state(),
            zoom=canvas.zoom(),
        )
        app.setFont(scaled_font(app.font()))
        app.setPalette(high_contrast_palette(app.palette()))
        self._scale_canvas_text(SCALE)
        self._all_panels = False
        # A walkthrough under way stays: the lecture follows it.
        walkthrough = window.docks.get("walkthrough")
        self._kept = PRESENTER_DOCKS + (
            ("walkthrough",) if walkthrough is not None and walkthrough.isVisible() else ()
        )
        self._show_presenter_docks()
        for toolbar in self._toolbars():
            toolbar.hide()
        window.statusBar().hide()
        for action in (self.next_phase_action, self.all_panels_action):
            action.setEnabled(True)
        # Labels on the canvas are drawn in scene units: a larger zoom makes them larger. The
        # canvas is zoomed whenever it changes size (the docks settle, the window is shown).
        canvas.installEventFilter(self)
        self._zoom_canvas()

    def _leave(self) -> None:
        saved = self._saved
        assert saved is not None
        self._saved = None
        window = self.window
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        for action in (self.next_phase_action, self.all_panels_action):
            action.setEnabled(False)
        window.canvas.removeEventFilter(self)
        app.setFont(saved.font)
        app.setPalette(saved.palette)
        self._scale_canvas_text(1.0)
        window.statusBar().setVisible(saved.status_bar)
        window.restoreState(saved.state)
        window.canvas.apply_view_state(saved.view)
        # Once every panel is laid out in the restored font, the state once more: restored
        # while the large font's minimum sizes still held, the dock splitters had moved.
        # Then the canvas: "fit" leaves room for the legend, which was larger a moment ago.
        QTimer.singleShot(0, window, lambda: self._settle(saved))

    def _settle(self, saved: _Saved) -> None:
        if self.active:
            return  # entered again meanwhile
        window = self.window
        window.restoreGeometry(saved.geometry)
        # Every pending layout first (the toolbars' heights in the restored font): the dock
        # area is then the size it will keep, and the state restores into it exactly.
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        layout = window.layout()
        if layout is not None:
            layout.activate()
        window.restoreState(saved.state)
        window.canvas.apply_view_state(saved.view)

    def _scale_canvas_text(self, scale: float) -> None:
        """The canvas's numbers (neuron values, edge and note labels) ``scale`` times their
        size, drawn again."""
        set_text_scale(scale)
        scene = self.window.canvas.scene()
        if scene is not None:
            for item in scene.items():
                item.update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self.window.canvas and event.type() == QEvent.Type.Resize:
            QTimer.singleShot(0, self._zoom_canvas)
        return False

    def _zoom_canvas(self) -> None:
        """Zoom to fit the network in the presenter's canvas, up to :data:`SCALE` times the
        largest zoom "fit" uses outside presenter mode (the canvas, with the left and right
        columns gone, is about that much larger)."""
        if not self.active:
            return
        self.window.canvas.fit_network(max_zoom=SCALE * MAX_FIT_ZOOM)

    def _toolbars(self) -> list[Any]:
        """The toolbars presenter mode hides: all but the run strip (Run/Pause, Step)."""
        from PySide6.QtWidgets import QToolBar

        from bpstudio.app.run_bar import OBJECT_NAME

        found = self.window.findChildren(QToolBar)
        return [t for t in found if t.objectName() != OBJECT_NAME]

    def _show_presenter_docks(self) -> None:
        window = self.window
        for name, dock in window.docks.items():
            dock.setVisible(self._all_panels or name in self._kept)
        for name in PRESENTER_DOCKS:
            window.docks[name].raise_()
        QTimer.singleShot(0, self._size_docks)

    def _size_docks(self) -> None:
        if not self.active:
            return
        window = self.window
        # The canvas is what the room looks at: the chain rule a third of the width, the
        # cost curve a third of the height.
        size = window.size()
        window.resizeDocks(
            [window.docks["chain_rule"]], [round(size.width() * CHAIN_RULE_WIDTH)],
            Qt.Orientation.Horizontal,
        )  # fmt: skip
        window.resizeDocks(
            [window.docks["cost"]], [round(size.height() * COST_HEIGHT)], Qt.Orientation.Vertical
        )

    # -- keys --------------------------------------------------------------------------------------

    def toggle_all_panels(self) -> None:
        """Bring back every panel, or keep only the presenter's (F6)."""
        if not self.active:
            return
        self._all_panels = not self._all_panels
        self._show_presenter_docks()

    def _next_phase(self) -> None:
        training = self.window.training
        if not self.window.controller.running:
            training.step_phase_action.trigger()
