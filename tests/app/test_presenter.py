"""Presenter mode: larger type and canvas labels, high contrast, only the canvas, the chain
rule and the cost plot, keyboard stepping, and leaving restores the window exactly."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QToolBar
from pytestqt.qtbot import QtBot

from bpstudio.app.canvas.items import font_pixels
from bpstudio.app.main_window import MainWindow
from bpstudio.app.presenter import PRESENTER_DOCKS, SCALE
from bpstudio.app.theme import DARK, LIGHT, Theme, use_theme
from bpstudio.core.training.trainer import Phase


@pytest.fixture
def window(qtbot: QtBot, open_window: Callable[[], MainWindow]) -> MainWindow:
    win = open_window()
    win.resize(1280, 720)
    win.show()
    qtbot.waitExposed(win)
    return win


def _layout(window: MainWindow) -> dict[str, object]:
    view = window.canvas.view_state()
    if view["fit"]:
        # "Fit" is the state; its zoom and centre leave room for the legend, whose size
        # follows its text (the data) and its font's layout.
        del view["center"], view["zoom"]
    return {
        # A dock behind another's tab keeps a geometry off the window that means nothing.
        "docks": {
            name: (d.isVisible(), d.geometry() if d.x() >= 0 and d.y() >= 0 else None)
            for name, d in window.docks.items()
        },
        "toolbars": [t.isVisible() for t in window.findChildren(QToolBar)],
        "status": window.statusBar().isVisible(),
        "view": view,
    }


def _same_layout(a: dict[str, object], b: dict[str, object]) -> bool:
    """The same docks shown, toolbars, status bar and canvas view, and every dock exactly
    where it was."""
    if {k: v for k, v in a.items() if k != "docks"} != {k: v for k, v in b.items() if k != "docks"}:
        return False
    docks_a, docks_b = a["docks"], b["docks"]
    assert isinstance(docks_a, dict)
    assert isinstance(docks_b, dict)
    for name, (shown, rect) in docks_a.items():
        shown_b, rect_b = docks_b[name]
        if shown != shown_b or (rect is None) != (rect_b is None):
            return False
        if rect is not None and any(
            abs(p - q) > 0 for p, q in zip(rect.getRect(), rect_b.getRect(), strict=True)
        ):
            return False
    return True


def test_presenter_mode_enlarges_simplifies_and_restores(qtbot: QtBot, window: MainWindow):
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    controller = window.controller
    qtbot.waitUntil(lambda: controller.snapshot is not None and controller.data is not None)
    before = _layout(window)
    font, palette = app.font(), app.palette()
    zoom = window.canvas.zoom()
    assert window.presenter.action in window.menuBar().actions()[2].menu().actions()

    window.presenter.action.trigger()  # View → Presenter Mode
    assert window.presenter.active
    assert app.font().pointSizeF() >= 1.5 * font.pointSizeF()
    text = app.palette().color(QPalette.ColorRole.WindowText)
    base = app.palette().color(QPalette.ColorRole.Base)
    assert (text.lightness(), base.lightness()) == (0, 255)
    visible = {name for name, dock in window.docks.items() if dock.isVisible()}
    assert visible == set(PRESENTER_DOCKS)
    # Only the run strip stays: Run/Pause and Step are what the lecture uses.
    assert [t for t in window.findChildren(QToolBar) if t.isVisible()] == [window.run_bar]
    # Canvas labels are drawn in scene units: the zoom is their scale.
    qtbot.waitUntil(lambda: window.canvas.zoom() >= 1.5 * zoom, timeout=5000)
    assert window.canvas.zoom() <= SCALE * 1.25 + 1e-9

    window.presenter.all_panels_action.trigger()  # F6: every panel one key away
    assert all(dock.isVisible() for dock in window.docks.values())
    window.presenter.all_panels_action.trigger()
    assert {n for n, d in window.docks.items() if d.isVisible()} == set(PRESENTER_DOCKS)

    window.presenter.action.trigger()
    assert not window.presenter.active
    assert app.font() == font
    assert app.palette() == palette
    qtbot.waitUntil(lambda: _same_layout(_layout(window), before), timeout=5000)


def test_keys_step_a_phase_and_run(qtbot: QtBot, window: MainWindow):
    qtbot.waitUntil(lambda: window.controller.snapshot is not None, timeout=10_000)
    window.presenter.set_active(True)
    assert window.presenter.next_phase_action.shortcut().toString() == "Right"
    assert window.presenter.next_phase_action.isEnabled()
    before = window.controller.snapshot
    with qtbot.waitSignal(window.controller.snapshotShown, timeout=10_000):
        qtbot.keyClick(window.canvas, Qt.Key.Key_Right)
    snapshot = window.controller.snapshot
    assert snapshot is not None
    assert snapshot is not before
    assert snapshot.phase is not None  # one phase ran
    assert window.training.run_action.shortcut().toString() == "Space"
    window.presenter.set_active(False)
    assert not window.presenter.next_phase_action.isEnabled()


def _contrast(a: QColor, b: QColor) -> float:
    """The WCAG contrast ratio of two opaque colours."""

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return (
            0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())
        )

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("variant", [LIGHT, DARK], ids=["light", "dark"])
def test_phase_pills_grow_and_keep_their_contrast(
    qtbot: QtBot, window: MainWindow, variant: Theme
) -> None:
    use_theme(variant)
    try:
        indicators = [window.run_bar.phase, window.training.phase_indicator]
        normal = [label.fontInfo().pixelSize() for i in indicators for label in i.labels.values()]
        window.presenter.set_active(True)
        for running in (False, True):
            for indicator in indicators:
                indicator.set_state(Phase.BACKWARD, running)
                for phase in indicator.labels:
                    text, fill = indicator.pill_colours(phase)
                    assert _contrast(text, fill) >= 3.0, (variant.name, phase, running)
        qtbot.wait(1)  # posted font events
        grown = [label.fontInfo().pixelSize() for i in indicators for label in i.labels.values()]
        assert all(g >= 1.5 * n for g, n in zip(grown, normal, strict=True)), (normal, grown)
        window.presenter.set_active(False)
        qtbot.waitUntil(
            lambda: (
                [t.fontInfo().pixelSize() for i in indicators for t in i.labels.values()] == normal
            )
        )
    finally:
        use_theme(None)


def _canvas_text_sizes(window: MainWindow) -> dict[str, float]:
    """The largest font in scene units of each kind of canvas item's texts at zoom 2."""
    sizes: dict[str, float] = {}
    for item in window.canvas.scene().items():
        texts = getattr(item, "drawn_texts", None)
        if texts is None:
            continue
        for _text, font, keeps_size in texts(2.0):
            if not keeps_size:
                kind = type(item).__name__
                sizes[kind] = max(sizes.get(kind, 0.0), font_pixels(font))
    return sizes


def test_canvas_numbers_are_larger_in_presenter_mode(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.controller.snapshot is not None, timeout=10_000)
    qtbot.waitUntil(lambda: bool(_canvas_text_sizes(window)), timeout=5000)
    before = _canvas_text_sizes(window)
    window.presenter.set_active(True)
    during = _canvas_text_sizes(window)
    assert set(during) == set(before)
    for kind, size in before.items():
        assert during[kind] >= 1.5 * size, (kind, size, during[kind])
    window.presenter.set_active(False)
    assert _canvas_text_sizes(window) == before


def test_the_cost_legend_grows_in_presenter_mode(qtbot: QtBot, window: MainWindow) -> None:
    legend = window.cost_plot.legend

    def sizes() -> list[float]:
        QApplication.processEvents()  # the font change reaches the plot
        return [float(label.opts["size"].removesuffix("pt")) for _s, label in legend.items]

    before = sizes()
    assert before
    window.presenter.set_active(True)
    assert all(during >= 1.4 * size for during, size in zip(sizes(), before, strict=True))
    window.presenter.set_active(False)
    assert sizes() == pytest.approx(before, abs=0.2)
