"""Where the main window's docks go, and a window size that fits the screen it is on.

The default arrangement: Layers over Training/Data on the left (full height), Chain rule
over the Inspector's tabs on the right, and Output, Cost and Gradient side by side under
the canvas. On a small screen (a 1366×768 laptop, or a 2560×1440 one at 2× scale) the
secondary docks tab together instead of squeezing: Chain rule joins the Inspector's tabs,
Undo history moves to the Training panel's, and the three plots share one tab group, so
each visible dock keeps a usable size and every tab reads in full.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent, QObject, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication, QHelpEvent
from PySide6.QtWidgets import QDockWidget, QMainWindow, QTabBar, QToolTip

from bpstudio.app.canvas.palette import LayerPalette
from bpstudio.app.widgets import LayoutFence

#: The window's size where the screen allows it (logical pixels).
PREFERRED_SIZE = QSize(1560, 980)
#: Screens smaller than this (available logical pixels) get the compact arrangement.
COMPACT_BELOW = QSize(1500, 900)

LEFT = Qt.DockWidgetArea.LeftDockWidgetArea
RIGHT = Qt.DockWidgetArea.RightDockWidgetArea
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea
NO_AREA = Qt.DockWidgetArea.NoDockWidgetArea

#: Dock names by area, in the order they are added; the first of a tuple is raised.
AREAS: dict[Qt.DockWidgetArea, tuple[str, ...]] = {
    LEFT: ("palette", "training", "data", "walkthrough"),
    RIGHT: ("chain_rule", "inspector", "weights", "results", "values", "history"),
    BOTTOM: ("decision", "cost", "gradient"),
}


#: The docks' titles on a small screen, where six of them share one tab group at the right:
#: short enough that every tab reads in full ("Weight m…" and "Undo hi…" did not). The full
#: title stays the dock's tab tooltip and its entry in View → Panels.
SHORT_TITLES = {
    "weights": "Weights",
    "history": "History",
}

#: A dock property: its full title (its window title is the short one on a small screen).
FULL_TITLE_PROPERTY = "bpstudioFullTitle"


#: A window property (a QSize) that stands in for its screen: a picture of the window at a
#: given size (``--screenshot --size``) is laid out as it would be on a screen that size.
SCREEN_SIZE_PROPERTY = "bpstudioScreenSize"


def available(window: QMainWindow) -> QRect:
    """The available geometry of the screen the window is on (or the primary screen)."""
    stand_in = window.property(SCREEN_SIZE_PROPERTY)
    if isinstance(stand_in, QSize) and stand_in.isValid():
        return QRect(0, 0, stand_in.width(), stand_in.height())
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def is_compact(window: QMainWindow) -> bool:
    area = available(window).size()
    return area.width() < COMPACT_BELOW.width() or area.height() < COMPACT_BELOW.height()


def fit_to_screen(window: QMainWindow) -> None:
    """Shrink and move the window so its frame lies inside its screen's available area."""
    area = available(window)
    frame = window.frameGeometry()
    extra = frame.size() - window.geometry().size()  # the title bar and borders, if shown
    if isinstance(window.property(SCREEN_SIZE_PROPERTY), QSize):
        extra = QSize(0, 0)  # a picture of the window has no frame
    limit = area.size() - extra
    size = window.size().boundedTo(limit).expandedTo(window.minimumSize().boundedTo(limit))
    if size != window.size():
        window.resize(size)
    frame = window.frameGeometry()
    x = min(max(frame.left(), area.left()), area.right() + 1 - frame.width())
    y = min(max(frame.top(), area.top()), area.bottom() + 1 - frame.height())
    if (x, y) != (frame.left(), frame.top()):
        window.move(max(x, area.left()), max(y, area.top()))


def default_size(window: QMainWindow) -> QSize:
    return PREFERRED_SIZE.boundedTo(available(window).size())


def full_title(dock: QDockWidget) -> str:
    """The dock's full title, whichever title its tab shows."""
    title = dock.property(FULL_TITLE_PROPERTY)
    return title if isinstance(title, str) else dock.windowTitle()


def name_docks(window: QMainWindow, docks: dict[str, QDockWidget]) -> None:
    """Short dock titles on a small screen (see :data:`SHORT_TITLES`), full ones elsewhere."""
    compact = is_compact(window)
    for name, dock in docks.items():
        full = full_title(dock)
        dock.setProperty(FULL_TITLE_PROPERTY, full)
        dock.setWindowTitle(SHORT_TITLES.get(name, full) if compact else full)
        dock.toggleViewAction().setText(full)  # View → Panels names each panel in full


def tab_tooltip(window: QMainWindow, bar: QTabBar, index: int) -> str:
    """The tooltip of a dock's tab: the dock's full title."""
    text = bar.tabText(index)
    for dock in window.findChildren(QDockWidget):
        if dock.windowTitle() == text and window.dockWidgetArea(dock) != NO_AREA:
            return full_title(dock)
    return bar.tabToolTip(index)


class DockTabTips(QObject):
    """Shows a dock tab's full title as its tooltip (Qt's own tooltip is the tab's text).

    Installed on the main window, it follows the tab bars Qt makes for tabbed docks.
    """

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        kind = event.type()
        if watched is self.window and kind == QEvent.Type.ChildPolished:
            child = event.child()  # type: ignore[attr-defined]
            if isinstance(child, QTabBar):
                child.removeEventFilter(self)
                child.installEventFilter(self)
        elif isinstance(watched, QTabBar) and kind == QEvent.Type.ToolTip:
            assert isinstance(event, QHelpEvent)
            index = watched.tabAt(event.pos())
            if index >= 0:
                QToolTip.showText(
                    event.globalPos(), tab_tooltip(self.window, watched, index), watched
                )
                return True
        return False


def arrange(window: QMainWindow, docks: dict[str, QDockWidget]) -> None:
    """Put every dock in its default place, tabbed more on a small screen; sizes too."""
    compact = is_compact(window)
    name_docks(window, docks)
    for dock in docks.values():
        if window.dockWidgetArea(dock) != Qt.DockWidgetArea.NoDockWidgetArea:
            window.removeDockWidget(dock)
    for area, names in AREAS.items():
        for name in names:
            window.addDockWidget(area, docks[name])
            docks[name].setFloating(False)
            docks[name].show()
    window.tabifyDockWidget(docks["training"], docks["data"])
    window.tabifyDockWidget(docks["training"], docks["walkthrough"])
    for name in ("weights", "results", "values"):
        window.tabifyDockWidget(docks["inspector"], docks[name])
    if compact:
        # Six tabs at the right would not read in full: the undo history joins the left.
        window.tabifyDockWidget(docks["training"], docks["history"])
        window.tabifyDockWidget(docks["inspector"], docks["chain_rule"])
        window.tabifyDockWidget(docks["decision"], docks["cost"])
        window.tabifyDockWidget(docks["decision"], docks["gradient"])
        docks["cost"].raise_()
    else:
        window.tabifyDockWidget(docks["inspector"], docks["history"])
        window.splitDockWidget(docks["decision"], docks["cost"], Qt.Orientation.Horizontal)
        window.splitDockWidget(docks["cost"], docks["gradient"], Qt.Orientation.Horizontal)
    docks["training"].raise_()
    docks["inspector"].raise_()
    _default_sizes(window, docks, compact)


def _default_sizes(window: QMainWindow, docks: dict[str, QDockWidget], compact: bool) -> None:
    d = docks
    height = default_size(window).height()
    width = default_size(window).width()
    vertical, horizontal = Qt.Orientation.Vertical, Qt.Orientation.Horizontal
    # The Training panel's form needs about 380 px before it scrolls sideways.
    left = max(380, width * 3 // 10) if compact else 380
    palette = d["palette"].widget()
    if isinstance(palette, LayoutFence):  # the window fences every panel (see LayoutFence)
        palette = palette.widget
    tiles = palette.height_for(left) if isinstance(palette, LayerPalette) else 150
    title = d["palette"].fontMetrics().height() + 8
    window.resizeDocks([d["palette"], d["training"]], [tiles + title, 700], vertical)
    if compact:
        right = max(300, width // 4)
        window.resizeDocks([d["training"], d["inspector"]], [left, right], horizontal)
        window.resizeDocks([d["cost"]], [max(200, height // 3)], vertical)
        return
    window.resizeDocks([d["chain_rule"], d["inspector"]], [300, 360], vertical)
    window.resizeDocks([d["training"], d["inspector"]], [left, 470], horizontal)
    window.resizeDocks([d["cost"]], [290], vertical)
    window.resizeDocks([d["decision"], d["cost"], d["gradient"]], [290, 520, 520], horizontal)


#: Docks a saved layout must not bring back squeezed, and the lines of text each keeps: a
#: layout saved while a tall panel pushed the Chain rule dock to three lines (or shrunk by
#: hand that far) opens with the derivation readable.
USABLE_LINES = {"chain_rule": 8}


def usable_height(dock: QDockWidget) -> int:
    """The least height of ``dock`` (in :data:`USABLE_LINES`) in pixels, its title included."""
    lines = USABLE_LINES.get(dock.objectName().removeprefix("dock_"), 0)
    return lines * dock.fontMetrics().lineSpacing() + dock.widget().y()


def lift_squeezed(window: QMainWindow, docks: dict[str, QDockWidget]) -> None:
    """Give each dock of :data:`USABLE_LINES` shown in its own place its usable height."""
    for name in USABLE_LINES:
        dock = docks[name]
        if dock.isHidden() or dock.isFloating() or dock.visibleRegion().isEmpty():
            continue  # hidden, floating, or behind another dock's tab: the tab group's size
        missing = usable_height(dock) - dock.height()
        if missing <= 0:
            continue
        # The height comes from the tallest dock above or below it in its column.
        column = [
            other
            for other in docks.values()
            if other is not dock
            and not other.isHidden()
            and not other.isFloating()
            and not other.visibleRegion().isEmpty()
            and window.dockWidgetArea(other) == window.dockWidgetArea(dock)
            and other.x() == dock.x()
        ]
        if column:
            donor = max(column, key=lambda other: other.height())
            window.resizeDocks(
                [dock, donor], [dock.height() + missing, donor.height() - missing],
                Qt.Orientation.Vertical,
            )  # fmt: skip


def restore(window: QMainWindow, geometry: object, state: object) -> bool:
    """Restore a saved geometry and dock state; False when there was no usable state."""
    if isinstance(geometry, QByteArray):
        window.restoreGeometry(geometry)
    else:
        window.resize(default_size(window))
    fit_to_screen(window)
    # Before the state: it names the docks by object name, their titles by this screen.
    docks = window.findChildren(QDockWidget)
    name_docks(window, {d.objectName().removeprefix("dock_"): d for d in docks})
    return isinstance(state, QByteArray) and window.restoreState(state)
