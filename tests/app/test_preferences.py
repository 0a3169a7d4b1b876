"""Preferences: read and written with QSettings, applied app-wide, and the dialog; the
theme switches live (palette, canvas, plots)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from bpstudio.app import notation
from bpstudio.app.dialogs.preferences import PreferencesDialog
from bpstudio.app.main_window import MainWindow
from bpstudio.app.notation import LayerStyle, Notation
from bpstudio.app.pacing import GUI_BUDGET, frame_clock
from bpstudio.app.preferences import (
    BUDGET_KEY,
    THEME_KEY,
    Preferences,
    apply_preferences,
    read_preferences,
    write_preferences,
)
from bpstudio.app.theme import (
    DARK,
    LIGHT,
    application_palette,
    notifier,
    set_palette_style,
    theme,
    use_theme,
)


@pytest.fixture(autouse=True)
def _defaults_after() -> Iterator[None]:
    """Each test leaves the app-wide choices as it found them."""
    yield
    apply_preferences(Preferences())


@pytest.fixture
def window(open_window: Callable[[], MainWindow]) -> MainWindow:
    win = open_window()
    win.show()
    return win


def test_preferences_round_trip_through_settings(settings: QSettings) -> None:
    chosen = Preferences(
        theme="dark", layer_style=LayerStyle.RELATIVE, digits=4, backend="thread", budget=0.5
    )
    write_preferences(settings, chosen)
    assert read_preferences(settings) == chosen
    # The keys the View menu shares.
    assert settings.value("view/notation") == "relative"
    assert settings.value("training/backend") == "thread"


def test_values_not_understood_fall_back_to_the_defaults(settings: QSettings) -> None:
    settings.setValue(THEME_KEY, "sepia")
    settings.setValue("view/notation", "sideways")
    settings.setValue("view/digits", "many")
    settings.setValue("training/backend", "cloud")
    settings.setValue(BUDGET_KEY, "0.77")
    assert read_preferences(settings) == Preferences()
    settings.setValue("view/digits", 99)
    assert read_preferences(settings).digits == notation.MAX_DIGITS


def test_applying_sets_theme_notation_digits_and_pace(qapp: object) -> None:
    apply_preferences(
        Preferences(theme="dark", layer_style=LayerStyle.RELATIVE, digits=3, budget=0.1)
    )
    assert theme() is DARK
    assert Notation(n_layers=3, style=notation.settings.layers).layer(2) == "L−1"
    assert notation.format_value(3.14159265) == "3.14"
    assert notation.format_value(3.14159265, 6) == "3.14159"  # an explicit count wins
    assert frame_clock().budget == 0.1
    apply_preferences(Preferences())
    assert notation.format_value(3.14159265) == "3.14159"
    assert frame_clock().budget == GUI_BUDGET


def test_a_chosen_theme_sets_the_application_palette(qtbot: QtBot) -> None:
    app = QGuiApplication.instance()
    assert isinstance(app, QGuiApplication)
    with qtbot.waitSignal(notifier().themeChanged):
        apply_preferences(Preferences(theme="dark" if theme() is LIGHT else "light"))
    base = app.palette().color(QPalette.ColorRole.Base)
    text = app.palette().color(QPalette.ColorRole.Text)
    assert (base.lightness() < 128) == (theme() is DARK)
    assert abs(base.lightness() - text.lightness()) > 128  # legible


def test_the_dialog_shows_and_returns_the_choices(qtbot: QtBot) -> None:
    current = Preferences(theme="light", layer_style=LayerStyle.RELATIVE, digits=5)
    dialog = PreferencesDialog(current)
    qtbot.addWidget(dialog)
    assert dialog.preferences == current
    dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findData("dark"))
    dialog.digits_spin.setValue(8)
    dialog.notation_combo.setCurrentIndex(dialog.notation_combo.findData(LayerStyle.ABSOLUTE))
    dialog.pace_combo.setCurrentIndex(dialog.pace_combo.findData(0.5))
    chosen = dialog.preferences
    assert (chosen.theme, chosen.digits, chosen.layer_style, chosen.budget) == (
        "dark",
        8,
        LayerStyle.ABSOLUTE,
        0.5,
    )


def test_the_window_applies_and_remembers_preferences(
    window: MainWindow, settings: QSettings
) -> None:
    edit_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    assert window.act_preferences in edit_menu.actions()
    other = "thread" if window.controller.backend == "process" else "process"
    window.set_preferences(Preferences(theme="dark", digits=4, backend=other))
    assert theme() is DARK
    assert window.controller.backend == other
    assert window.backend_actions[other].isChecked()
    assert read_preferences(settings) == Preferences(theme="dark", digits=4, backend=other)


def test_a_new_window_starts_with_the_saved_preferences(qtbot: QtBot, settings: QSettings) -> None:
    write_preferences(settings, Preferences(theme="dark", layer_style=LayerStyle.RELATIVE))
    win = MainWindow(settings)
    qtbot.addWidget(win)
    try:
        assert theme() is DARK
        assert notation.settings.layers is LayerStyle.RELATIVE
    finally:
        win.controller.shutdown()


@pytest.mark.parametrize("start", ["light", "dark"])
def test_switching_the_theme_redraws_canvas_and_plots_live(window: MainWindow, start: str) -> None:
    apply_preferences(Preferences(theme=start))
    end = "dark" if start == "light" else "light"
    apply_preferences(Preferences(theme=end))
    chosen = DARK if end == "dark" else LIGHT
    assert window.canvas.scene().backgroundBrush().color() == chosen.background
    QApplication.processEvents()  # the new palette reaches the widgets, then the plots
    QApplication.processEvents()
    palette = application_palette(chosen)
    assert window.cost_plot.palette().color(QPalette.ColorRole.Base) == palette.color(
        QPalette.ColorRole.Base
    )
    for widget in (
        window.cost_plot.plot_widget,
        window.decision_plot.plot_widget,
        window.gradient_plot.components_widget,
        window.cost_slice.plot_widget,
    ):
        assert widget.backgroundBrush().color() == palette.color(QPalette.ColorRole.Base)
        axis = widget.getPlotItem().getAxis("left")
        assert axis.textPen().color() == palette.color(QPalette.ColorRole.Text)
    pen = window.cost_plot.curves["train_cost"].opts["pen"]
    from bpstudio.app.plots.cost import series_colour

    assert pen.color() == series_colour("train_cost")


def test_palette_colours_in_style_sheets_follow_the_theme(qtbot: QtBot) -> None:
    """Qt resolves ``palette(role)`` in a sheet once; the theme sets such sheets again."""
    label = QLabel("a caption")
    qtbot.addWidget(label)
    set_palette_style(label, "color: palette(placeholder-text);")
    label.show()
    for chosen in (DARK, LIGHT, DARK):
        use_theme(chosen)
        expected = application_palette(chosen).color(QPalette.ColorRole.PlaceholderText)
        assert label.palette().color(QPalette.ColorRole.WindowText) == expected
