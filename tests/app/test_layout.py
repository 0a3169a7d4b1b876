"""The window at every screen size it must work at: nothing clipped, nothing covered.

The offscreen platform has one screen of a fixed size, so each case makes
:func:`window_layout.available` answer the size under test, as the screen would. The
window opens there with a template, a few steps of training history and a selection;
then every visible label, button and plot axis is checked: its text fits its width (or
its height, word-wrapped) or it is elided on purpose with the full text in its tooltip,
and no two visible sibling widgets overlap.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QEvent, QRect, QSettings, Qt
from PySide6.QtGui import (
    QFontMetrics,
    QHelpEvent,
    QTextDocument,
    QTextDocumentFragment,
    QUndoCommand,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QSizeGrip,
    QStyle,
    QTabBar,
    QToolBar,
    QToolTip,
    QWidget,
)
from pytestqt.qtbot import QtBot
from window_helpers import SCREEN_SIZES, TEMPLATES, discard_changes, template_project

from bpstudio.app import window_layout
from bpstudio.app.elided import ElidedLabel, FittedRichLabel
from bpstudio.app.main_window import MainWindow
from bpstudio.app.selection import Selection
from bpstudio.app.worker import WorkerOptions
from bpstudio.core.training.trainer import StepUnit

SIZES = SCREEN_SIZES


@pytest.fixture
def window(screen: QRect, open_window: Callable[..., MainWindow]) -> MainWindow:
    """A window on the test's ``screen`` (patched in before the window opens)."""
    return open_window(worker=WorkerOptions(backend="thread"))


def _visible(widget: QWidget) -> bool:
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


def _text_problem(widget: QWidget) -> str | None:
    """Why ``widget``'s text does not fit, or None."""
    if isinstance(widget, ElidedLabel):
        if widget.is_elided() and widget.toolTip() != widget.text():
            return "elided without the full text in its tooltip"
        return None
    if isinstance(widget, FittedRichLabel):
        full = QTextDocumentFragment.fromHtml(widget.forms()[0]).toPlainText()
        if widget.is_shortened() and widget.toolTip() != full:
            return "shortened without the full text in its tooltip"
        return _rich_text_problem(widget)
    if isinstance(widget, QLabel):
        text = widget.text()
        if not text or widget.pixmap() is not None and not widget.pixmap().isNull():
            return None
        if widget.textFormat() != 0 and ("<" in text):  # rich text: its document lays it out
            return _rich_text_problem(widget)
        metrics = QFontMetrics(widget.font())
        room = widget.contentsRect()
        if widget.wordWrap():
            needed = metrics.boundingRect(room, int(widget.alignment()) | 0x1000, text)
            return (
                f"needs {needed.height()} px of {room.height()}"
                if (needed.height() > room.height() + 1)
                else None
            )
        widest = max(metrics.horizontalAdvance(line) for line in text.split("\n"))
        if widest > room.width() + 1 and widget.toolTip() != text:
            return f"needs {widest} px of {room.width()}"
        return None
    if isinstance(widget, QAbstractButton):
        text = widget.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
        hint = widget.sizeHint()
        if text and widget.width() < hint.width() - 1 and widget.toolTip() != text:
            return f"{widget.width()} px wide, needs {hint.width()}"
    return None


def _rich_text_problem(label: QLabel) -> str | None:
    """Why a one-line rich-text label is cut off at its width, or None."""
    if label.wordWrap():
        return None  # its document wraps it; the box grows with it
    document = QTextDocument()
    document.setDocumentMargin(0)
    document.setDefaultFont(label.font())
    document.setHtml(label.text())
    needed = document.idealWidth()
    room = label.contentsRect().width() - 2 * label.margin()
    tip = label.toolTip()
    if needed > room + 1 and not tip:
        return f"rich text needs {needed:.0f} px of {room}"
    return None


def _overlaps(parent: QWidget) -> list[str]:
    children = [
        c
        for c in parent.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
        if c.isVisible()
        and not c.isWindow()
        and not isinstance(c, (QDockWidget, QTabBar, QSizeGrip))
    ]
    found = []
    for i, a in enumerate(children):
        for b in children[i + 1 :]:
            both = a.geometry().intersected(b.geometry())
            if both.width() > 1 and both.height() > 1:
                found.append(f"{_name(a)} and {_name(b)} overlap in {parent.objectName()!r}")
    return found


def _name(widget: QWidget) -> str:
    text = getattr(widget, "text", lambda: "")()
    return f"{type(widget).__name__}({widget.objectName() or text!r})"


def _problems(window: QMainWindow) -> list[str]:
    problems = []
    for widget in window.findChildren(QWidget):
        if not _visible(widget) or widget.window() is not window:
            continue
        reason = _text_problem(widget)
        if reason:
            problems.append(f"{_name(widget)}: {reason}")
        if widget.layout() is not None:
            problems += _overlaps(widget)
    for bar in window.findChildren(QTabBar):
        if not _visible(bar) or bar.window() is not window:
            continue
        for i in range(bar.count()):  # "Re…" and "Va…" side by side name nothing
            if not _tab_reads_in_full(bar, i):
                problems.append(f"tab {bar.tabText(i)!r} is elided in {bar.tabRect(i).width()} px")
    for plot in (window.cost_plot, window.gradient_plot):
        if _visible(plot):
            for side in ("left", "bottom"):
                axis = plot.plot_item.getAxis(side)
                label = axis.label.toPlainText()
                box = axis.label.boundingRect()
                along = box.width()
                room = axis.geometry().height() if side == "left" else axis.geometry().width()
                if label and along > room + 1:
                    problems.append(f"{side} axis of {type(plot).__name__}: {label!r} cut")
    if _visible(window.cost_plot):  # the legend's entries wrap rather than run off the plot
        view = window.cost_plot.plot_widget
        for _sample, entry in window.cost_plot.legend.items:
            box = entry.item.mapToScene(entry.item.boundingRect()).boundingRect()
            shown = view.mapFromScene(box).boundingRect()
            if entry.isVisible() and not view.rect().contains(shown):
                problems.append(f"cost legend {entry.text!r} cut at {shown} of {view.rect()}")
    return problems


def _tab_reads_in_full(bar: QTabBar, index: int) -> bool:
    """Whether the tab has room for its whole text besides the style's tab padding."""
    text = bar.tabText(index).replace("&&", "\0").replace("&", "").replace("\0", "&")
    padding = bar.style().pixelMetric(QStyle.PixelMetric.PM_TabBarTabHSpace, None, bar)
    return bar.fontMetrics().horizontalAdvance(text) + padding <= bar.tabRect(index).width()


def _dock_tab_bars(window: QMainWindow) -> list[QTabBar]:
    return [
        bar
        for bar in window.findChildren(QTabBar)
        if bar.parent() is window and bar.count() and _visible(bar)
    ]


def _prepare(qtbot: QtBot, window: MainWindow, template: str) -> None:
    window.document.replace_project(template_project(template))
    window.show()
    if template != "784-128-10":  # its stand-in data does not fit it: no training
        steps: list[int] = []
        window.controller.snapshotShown.connect(lambda s: steps.append(s.step))
        for _ in range(3):
            window.controller.step(StepUnit.BATCH)
        qtbot.waitUntil(lambda: bool(steps) and steps[-1] >= 3, timeout=10_000)
    window.selection.select(Selection.weight(1, 0, 0))
    if template != "784-128-10":  # the slice of C along that weight, once drawn
        caption = window.cost_slice.caption
        qtbot.waitUntil(lambda: caption.text() not in ("", "Computing…"), timeout=10_000)
    window.canvas.fit_network()
    # What a person sees: the window once the layouts those changes asked for have run.
    for _ in range(3):
        QApplication.processEvents()


@pytest.mark.parametrize("screen", SIZES, indirect=True, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("template", TEMPLATES)
def test_nothing_is_clipped_or_covered(
    qtbot: QtBot, window: MainWindow, screen: QRect, template: str
) -> None:
    _prepare(qtbot, window, template)
    assert screen.contains(window.frameGeometry()), "the window is larger than its screen"
    for name, dock in window.docks.items():
        if _visible(dock):  # a usable size: at least its panel's minimum
            hint = dock.widget().minimumSizeHint()
            assert dock.widget().width() >= hint.width() - 1, name
    problems = _problems(window)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("screen", [(1280, 720)], indirect=True)
def test_small_screens_tab_the_secondary_docks_and_reset_restores_them(
    qtbot: QtBot, window: MainWindow, screen: QRect
) -> None:
    window.show()
    tabbed = {d.objectName() for d in window.tabifiedDockWidgets(window.docks["inspector"])}
    assert "dock_chain_rule" in tabbed
    window.docks["data"].setFloating(True)
    window.docks["cost"].hide()
    window.reset_layout()
    assert not window.docks["data"].isFloating()
    assert window.docks["cost"].isVisible()
    assert window.docks["data"] in window.tabifiedDockWidgets(window.docks["training"])
    assert screen.contains(window.frameGeometry())


@pytest.mark.parametrize("screen", [(1366, 768)], indirect=True)
def test_saved_geometry_that_no_longer_fits_is_corrected(
    qtbot: QtBot, settings: QSettings, screen: QRect
) -> None:
    big = QMainWindow()
    big.resize(1900, 1200)
    settings.setValue("window/geometry", big.saveGeometry())
    win = MainWindow(settings, worker=WorkerOptions(backend="thread"))
    win.ask_unsaved = discard_changes
    qtbot.addWidget(win)
    try:
        win.show()
        assert screen.contains(win.frameGeometry())
    finally:
        win.close()
        win.controller.shutdown()


@pytest.mark.parametrize("screen", [(1600, 1000)], indirect=True)
def test_ctrl_y_redoes_and_a_canvas_click_raises_the_inspector(
    qtbot: QtBot, window: MainWindow, screen: QRect
) -> None:
    keys = {k.toString() for k in window.act_redo.shortcuts()}
    assert {"Ctrl+Y", "Ctrl+Shift+Z"} <= keys
    window.show()
    window.docks["weights"].raise_()
    qtbot.waitUntil(lambda: window.docks["inspector"].visibleRegion().isEmpty())
    window.canvas.network_scene.itemClicked.emit(Selection.neuron(1, 0))
    qtbot.waitUntil(lambda: not window.docks["inspector"].visibleRegion().isEmpty())


def _reopen(qtbot: QtBot, settings: QSettings) -> MainWindow:
    """The window again on the same settings: its docks' saved state, at the default size
    (the offscreen platform's own screen, 800×600, would clamp a restored geometry)."""
    settings.remove("window/geometry")
    win = MainWindow(settings, worker=WorkerOptions(backend="thread"))
    win.ask_unsaved = discard_changes
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    for _ in range(3):  # the layout settles, then squeezed docks are lifted (see showEvent)
        QApplication.processEvents()
    return win


def _close(win: MainWindow) -> None:
    win.document.undo_stack.setClean()
    assert win.close()
    win.controller.shutdown()


@pytest.mark.parametrize("screen", [(1600, 1000)], indirect=True)
def test_a_tall_panel_does_not_squeeze_the_chain_rule_for_later_projects_or_restarts(
    qtbot: QtBot, settings: QSettings, screen: QRect
) -> None:
    first = _reopen(qtbot, settings)
    chain = first.docks["chain_rule"]
    need = window_layout.usable_height(chain)
    before = chain.height()
    assert before >= need
    # Ten classes: the Results tab (behind the Inspector's) has a confusion matrix and a
    # gallery of digits; they scroll instead of pushing the Chain rule dock aside.
    _prepare(qtbot, first, "digits")
    qtbot.waitUntil(lambda: first.results_panel.gallery.count() > 0, timeout=20_000)
    assert chain.height() >= before - 2
    _prepare(qtbot, first, "note")
    assert chain.height() >= before - 2
    _close(first)

    second = _reopen(qtbot, settings)
    chain = second.docks["chain_rule"]
    qtbot.waitUntil(lambda: chain.height() >= need, timeout=5000)
    # A layout saved squeezed (an older version, or by hand) opens with the dock usable.
    inspector = second.docks["inspector"]
    total = chain.height() + inspector.height()
    second.resizeDocks([chain, inspector], [40, total - 40], Qt.Orientation.Vertical)
    qtbot.waitUntil(lambda: chain.height() < need)
    _close(second)
    third = _reopen(qtbot, settings)
    try:
        chain = third.docks["chain_rule"]
        qtbot.waitUntil(lambda: chain.height() >= window_layout.usable_height(chain), timeout=5000)
    finally:
        _close(third)


@pytest.mark.parametrize("screen", [(1280, 720), (1366, 768)], indirect=True)
def test_the_cost_slice_of_a_selected_weight_is_in_view_without_scrolling(
    qtbot: QtBot, window: MainWindow, screen: QRect
) -> None:
    _prepare(qtbot, window, "spirals")
    inspector = window.inspector
    viewport = inspector.scroll_area.viewport()
    plot = window.cost_slice.plot_widget
    assert plot.isVisible()
    top_left = plot.mapTo(viewport, plot.rect().topLeft())
    assert inspector.scroll_area.verticalScrollBar().value() == 0
    # Right under the weight's editor, the whole plot in view (its current point with it),
    # at least as tall as its minimum.
    assert top_left.y() + plot.height() <= viewport.height(), (
        f"the plot spans {top_left.y()}..{top_left.y() + plot.height()} px of {viewport.height()}"
    )
    assert plot.height() >= plot.minimumHeight()
    # Its caption under it too, each line in one of its wordings (not cut off with "…").
    for line in (window.cost_slice.caption, window.cost_slice.readout):
        bottom = line.mapTo(viewport, line.rect().bottomLeft()).y()
        assert line.isVisible()
        assert bottom < viewport.height(), f"{line.text()!r} ends at {bottom} px"
        assert line.text() in line.forms(), f"{line.text()!r} is none of {line.forms()}"
        assert line.height() >= line.fontMetrics().height()
    assert "∂C/∂" in window.cost_slice.readout.text()


@pytest.mark.parametrize("screen", [(1920, 1080), (1280, 720)], indirect=True)
def test_the_cost_legend_wraps_rather_than_running_off_the_plot(
    qtbot: QtBot, window: MainWindow, screen: QRect
) -> None:
    window.document.replace_project(template_project("xor"))
    window.show()
    steps: list[int] = []
    window.controller.snapshotShown.connect(lambda s: steps.append(s.step))
    for _ in range(3):  # whole epochs: the accuracy curves join the legend
        window.controller.step(StepUnit.EPOCH)
    qtbot.waitUntil(lambda: len(window.cost_plot.legend.items) == 5, timeout=10_000)
    for _ in range(3):
        QApplication.processEvents()
    if screen.width() == 1920:  # three plots side by side at the bottom: a narrow one
        assert window.cost_plot.legend.columnCount < 5
    problems = [p for p in _problems(window) if p.startswith("cost legend")]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("screen", [(1280, 720), (1366, 768), (1600, 1000)], indirect=True)
def test_every_dock_tab_reads_in_full_and_names_its_panel_in_its_tooltip(
    qtbot: QtBot, window: MainWindow, screen: QRect
) -> None:
    _prepare(qtbot, window, "spirals")
    bars = _dock_tab_bars(window)
    right = [bar for bar in bars if bar.x() > window.canvas.x()]
    assert right, "the Inspector's tab group is shown"
    titles = {window_layout.full_title(d): d.windowTitle() for d in window.docks.values()}
    seen = []
    for bar in bars:
        for i in range(bar.count()):
            shown = bar.tabText(i)
            assert _tab_reads_in_full(bar, i), (
                f"{shown!r} elided in {bar.tabRect(i).width()} px at {screen.width()}"
            )
            full = window_layout.tab_tooltip(window, bar, i)
            assert titles[full] == shown
            seen.append(full)
    assert {"Inspector", "Weight matrix", "Results", "Values", "Undo history"} <= set(seen)
    # Hovering a tab names its panel in full; so does View → Panels.
    weights = next(d for d in window.docks.values() if d.objectName() == "dock_weights")
    bar = next(b for b in bars for i in range(b.count()) if b.tabText(i) == weights.windowTitle())
    index = next(i for i in range(bar.count()) if bar.tabText(i) == weights.windowTitle())
    centre = bar.tabRect(index).center()
    QApplication.sendEvent(bar, QHelpEvent(QEvent.Type.ToolTip, centre, bar.mapToGlobal(centre)))
    assert QToolTip.text() == "Weight matrix"
    assert weights.toggleViewAction().text() == "Weight matrix"


@pytest.mark.parametrize("screen", [(1280, 720), (1600, 1000)], indirect=True)
def test_every_layer_of_the_palette_is_in_view_as_a_tile_naming_it_in_its_tooltip(
    qtbot: QtBot, window: MainWindow, screen: QRect
) -> None:
    _prepare(qtbot, window, "spirals")
    tiles = window.layer_palette.list_widget
    viewport = tiles.viewport().rect()
    assert tiles.count() == len(window.layer_palette.entries) == 7
    for row, entry in enumerate(window.layer_palette.entries):
        item = tiles.item(row)
        rect = tiles.visualItemRect(item)
        assert viewport.contains(rect), f"{entry.title!r} at {rect} of {viewport}"
        assert entry.title in item.toolTip()
        assert entry.description in item.toolTip()
        assert rect.width() < viewport.width() // 2  # a grid, not a list of rows
    assert tiles.verticalScrollBar().maximum() == 0


class _NamedStep(QUndoCommand):
    """A step that changes nothing, named like the walkthrough's longest."""

    def __init__(self) -> None:
        super().__init__(LONG_STEP)


LONG_STEP = "Walkthrough: The note's two-neuron output (2-3-2)"


@pytest.mark.parametrize("screen", [(1280, 720)], indirect=True)
def test_a_long_undo_text_pushes_no_toolbar_button_into_the_overflow(
    qtbot: QtBot, window: MainWindow, screen: QRect
) -> None:
    window.show()
    stack = window.document.undo_stack
    stack.push(_NamedStep())
    stack.push(_NamedStep())
    stack.undo()  # a long Redo text as well
    QApplication.processEvents()
    hidden = [
        action.text()
        for toolbar in window.findChildren(QToolBar)
        if toolbar.isVisible()
        for action in toolbar.actions()
        if action.isVisible() and not action.isSeparator()
        if not (
            (button := toolbar.widgetForAction(action)) is not None
            and button.isVisible()
            and toolbar.rect().contains(button.geometry())
        )
    ]
    assert hidden == []
    undo = window.act_undo
    assert undo.toolTip() == f"Undo {LONG_STEP}"  # in full where there is room
    assert undo.text().replace("&", "") == f"Undo {LONG_STEP}"
    assert len(undo.iconText()) < len(undo.toolTip())
    assert window.act_redo.toolTip() == f"Redo {LONG_STEP}"
