"""View ▸ Enlarge Output: the Output dock fills the window, and Esc puts the layout back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from bpstudio.app.main_window import MainWindow


@pytest.fixture
def window(qtbot: QtBot, settings: QSettings) -> Iterator[MainWindow]:
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.new_from_template("spirals")
    win.resize(1280, 720)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.document.undo_stack.setClean()
    win.close()
    win.controller.shutdown()


def _docks(window: MainWindow) -> dict[str, tuple[bool, object]]:
    """Which docks show, and where; a dock behind another's tab keeps a geometry off the
    window that means nothing."""
    return {
        name: (d.isVisible(), d.geometry() if d.x() >= 0 and d.y() >= 0 else None)
        for name, d in window.docks.items()
    }


def test_enlarging_the_output_fills_the_window_and_esc_restores_it(
    qtbot: QtBot, window: MainWindow
) -> None:
    enlarger = window.output_enlarger
    dock, plot = window.docks["decision"], window.decision_plot
    dock.raise_()  # its tab, when the plots share one group (a 1280x720 screen)
    qtbot.waitUntil(lambda: plot.frame is not None and dock.x() >= 0, timeout=10_000)
    docks, canvas = _docks(window), window.canvas.geometry()
    small = plot.plot_widget.size()
    assert plot.corner_button.defaultAction() is enlarger.action
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    assert enlarger.action in view_menu.actions()

    plot.corner_button.click()
    assert enlarger.active
    assert enlarger.action.isChecked()
    assert not window.canvas.isVisible()
    assert [n for n, d in window.docks.items() if d.isVisible()] == ["decision"]
    qtbot.waitUntil(lambda: dock.width() >= 0.95 * window.width(), timeout=5_000)
    assert dock.height() >= 0.7 * window.height()
    big = plot.plot_widget.size()
    assert big.width() > small.width()
    assert big.height() > 2 * small.height()
    assert not window.presenter.action.isEnabled()  # one saved layout at a time

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not enlarger.active
    assert not enlarger.action.isChecked()
    assert window.canvas.isVisible()
    assert window.presenter.action.isEnabled()
    qtbot.waitUntil(lambda: _docks(window) == docks, timeout=5_000)
    assert window.canvas.geometry() == canvas
    assert plot.plot_widget.size() == small


def test_esc_is_left_to_the_views_until_the_output_is_enlarged(window: MainWindow) -> None:
    enlarger = window.output_enlarger
    assert not enlarger.restore_action.isEnabled()
    enlarger.action.trigger()
    assert enlarger.restore_action.isEnabled()
    enlarger.action.trigger()  # the same shortcut toggles back
    assert not enlarger.active
    assert not enlarger.restore_action.isEnabled()


def test_a_closed_output_dock_comes_back_enlarged_and_closed_again(
    qtbot: QtBot, window: MainWindow
) -> None:
    dock = window.docks["decision"]
    dock.close()
    qtbot.wait(50)  # the layout requests the resize and the close posted, carried out
    state = window.saveState()
    window.output_enlarger.set_active(True)
    assert dock.isVisible()
    window.output_enlarger.set_active(False)
    assert not dock.isVisible()
    assert bytes(window.saveState()) == bytes(state)
