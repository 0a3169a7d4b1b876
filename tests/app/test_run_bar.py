"""The run strip: a large Run/Pause in the theme's accent, Step and the phase step, all the
Training panel's own actions; toolbar icons drawn in the palette's colours."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication, QToolBar, QToolButton
from pytestqt.qtbot import QtBot
from window_helpers import discard_changes

from bpstudio.app.action_icons import GLYPHS, glyph_icon, glyph_pixmap
from bpstudio.app.main_window import MainWindow
from bpstudio.app.theme import DARK, LIGHT, use_theme
from bpstudio.app.worker import WorkerOptions


@pytest.fixture
def window(qtbot: QtBot, settings: QSettings) -> Iterator[MainWindow]:
    # The steps trained become an undo step when the pause lands: closing asks about them.
    win = MainWindow(settings, worker=WorkerOptions(backend="thread"))
    win.ask_unsaved = discard_changes
    qtbot.addWidget(win)
    win.resize(1280, 720)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
    win.controller.shutdown()
    use_theme(None)


def _ink_of(image: QImage) -> QColor:
    """The colour of the glyph's most opaque pixel."""
    best, colour = -1, QColor()
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            pixel = image.pixelColor(x, y)
            if pixel.alpha() > best:
                best, colour = pixel.alpha(), pixel
    return colour


def test_run_button_is_large_in_the_accent_and_drives_the_run_action(
    qtbot: QtBot, window: MainWindow
) -> None:
    bar = window.run_bar
    button = bar.run_button
    run = window.training.run_action
    assert button.isVisible()
    others = [w for w in bar.findChildren(QToolButton) if w is not button and w.isVisible()]
    assert all(button.height() >= w.height() for w in others)
    assert button.font().pointSizeF() > QApplication.font().pointSizeF()
    assert button.text() == "Run"
    qtbot.waitUntil(lambda: window.controller.snapshot is not None, timeout=10_000)
    with qtbot.waitSignal(window.controller.runningChanged, timeout=10_000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.controller.running
    assert run.isChecked()
    assert button.text() == "Pause"
    assert not window.training.step_action.isEnabled()  # one action: the strip's Step too
    with qtbot.waitSignal(window.controller.runningChanged, timeout=10_000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not window.controller.running
    assert button.text() == "Run"


def test_the_strip_uses_the_training_actions_and_fits_at_1280(window: MainWindow) -> None:
    training = window.training
    shown = set(window.run_bar.actions())
    assert {training.step_action, training.step_phase_action, training.reset_action} <= shown
    # Every toolbar's buttons on screen at 1280×720: none behind an overflow arrow.
    for toolbar in window.findChildren(QToolBar):
        for action in toolbar.actions():
            widget = toolbar.widgetForAction(action)
            if widget is not None and not action.isSeparator():
                assert widget.isVisible(), action.text()
                assert toolbar.rect().contains(widget.geometry()), action.text()
    # The strip's phase pills show every phase's whole name.
    for label in window.run_bar.phase.labels.values():
        assert label.width() >= label.fontMetrics().horizontalAdvance(label.text())


def test_the_strip_stays_in_presenter_mode(qtbot: QtBot, window: MainWindow) -> None:
    window.presenter.set_active(True)
    assert window.run_bar.isVisible()
    assert not any(t.isVisible() for t in window.findChildren(QToolBar) if t is not window.run_bar)
    window.presenter.set_active(False)


@pytest.mark.parametrize("chosen", [LIGHT, DARK], ids=["light", "dark"])
def test_toolbar_icons_follow_the_theme(window: MainWindow, chosen: object) -> None:
    use_theme(chosen)  # type: ignore[arg-type]
    palette = QApplication.palette()
    text = palette.color(QPalette.ColorRole.ButtonText)
    for action in (window.training.step_action, window.training.reset_action):
        image = action.icon().pixmap(24, 24).toImage()
        ink = _ink_of(image)
        assert abs(ink.lightness() - text.lightness()) < 40, action.text()
    # Readable on the window: far from the toolbar's own background.
    window_colour = palette.color(QPalette.ColorRole.Window)
    assert abs(text.lightness() - window_colour.lightness()) > 100


def test_every_glyph_draws_and_an_unknown_one_is_refused() -> None:
    ink = QColor("#123456")
    for name in GLYPHS:
        image = glyph_pixmap(name, ink).toImage()
        assert _ink_of(image).alpha() > 200, name
        assert not glyph_icon(name).isNull()
    with pytest.raises(ValueError, match="no glyph"):
        glyph_pixmap("rocket", ink)
