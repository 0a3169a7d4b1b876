"""The Training panel and the gradient plot fit their docks at every window size.

As in ``test_layout``, each case makes :func:`window_layout.available` answer the screen
size under test. 2× on a 2560×1440 screen lays the window out as 1280×720 logical pixels
(fonts and widgets scale together), so the 1280×720 case stands for it too; the
screenshots at QT_SCALE_FACTOR=2 check the pixels.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QRect, QRectF
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QScrollArea,
)
from pytestqt.qtbot import QtBot

from bpstudio.app.main_window import MainWindow
from bpstudio.app.plots.gradient import MODE_COMPONENTS
from bpstudio.app.worker import WorkerOptions
from bpstudio.core.files.templates import make_project
from bpstudio.core.training.trainer import StepUnit

SIZES = [(1280, 720), (1600, 1000), (1920, 1080)]


@pytest.fixture
def window(screen: QRect, open_window: Callable[..., MainWindow]) -> MainWindow:
    """A window on the test's ``screen`` (patched in before the window opens)."""
    return open_window(worker=WorkerOptions(backend="thread"))


def _settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def _open(qtbot: QtBot, window: MainWindow, template: str, dock: str) -> None:
    window.document.replace_project(make_project(template))
    window.show()
    window.docks[dock].raise_()  # a small screen tabs the secondary docks
    window.controller.step(StepUnit.BATCH)
    plot = window.gradient_plot
    qtbot.waitUntil(lambda: plot.heights is not None or bool(plot.norms), timeout=10_000)
    _settle()


@pytest.mark.parametrize("screen", SIZES, indirect=True, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("template", ["spirals", "digits"])
def test_every_group_of_the_gradient_is_labelled_inside_the_plot(
    qtbot: QtBot, window: MainWindow, template: str
) -> None:
    _open(qtbot, window, template, "gradient")
    plot = window.gradient_plot
    plot.set_mode(MODE_COMPONENTS)  # digits would show the norms per layer by itself
    qtbot.waitUntil(lambda: plot.heights is not None, timeout=10_000)
    _settle()
    dock = window.docks["gradient"]
    assert plot.width() <= dock.width(), "the plot is wider than its dock: its right is cut"
    layout = plot.layout_
    assert layout is not None
    labels = plot.group_labels()
    assert sorted(labels) == sorted(g.name for g in layout.groups)
    room = QRectF(plot.components_widget.rect())
    rects = list(labels.items())
    for name, rect in rects:
        assert room.contains(rect), f"{name} at {rect} is outside the plot {room}"
    for i, (a, ra) in enumerate(rects):
        for b, rb in rects[i + 1 :]:
            assert not ra.intersects(rb), f"the labels {a} and {b} overlap"
    # The bars span the plot: the first and last groups are in the x range.
    low, high = plot.plot_item.vb.viewRange()[0]
    assert low < layout.x[0]
    assert layout.x[-1] < high


@pytest.mark.parametrize("screen", [(1280, 720), (1600, 1000)], indirect=True, ids=str)
def test_the_training_panel_fits_its_dock_and_shows_every_field_whole(
    qtbot: QtBot, window: MainWindow
) -> None:
    _open(qtbot, window, "spirals", "training")
    panel = window.training
    for area in panel.findChildren(QScrollArea):
        if area.isVisible():
            bar = area.horizontalScrollBar()
            assert not bar.isVisible(), "the Training panel scrolls sideways"
            assert bar.maximum() == 0
    problems = []
    for field in panel.findChildren(QAbstractSpinBox):
        if not field.isVisible():
            continue
        edit = field.lineEdit()
        text = edit.text()
        needed = QFontMetrics(edit.font()).horizontalAdvance(text)
        room = edit.contentsRect().width() - 4  # QLineEdit's own text margins
        if needed > room:
            problems.append(f"{type(field).__name__} shows {text!r} in {room} px of {needed}")
    for combo in panel.findChildren(QComboBox):
        if combo.isVisible():
            text = combo.currentText()
            needed = QFontMetrics(combo.font()).horizontalAdvance(text)
            if needed > combo.width() - 30 and combo.toolTip() != text:  # the arrow's room
                problems.append(f"combo {text!r} is {combo.width()} px wide, needs {needed}")
    for label in panel.findChildren(QLabel):
        if not label.isVisible() or label.wordWrap() or not label.text():
            continue
        if "<" in label.text() or label.sizePolicy().horizontalPolicy().name == "Ignored":
            continue  # rich text and labels that hold a sample width (the counters)
        needed = QFontMetrics(label.font()).horizontalAdvance(label.text())
        if needed > label.contentsRect().width() + 1 and label.toolTip() != label.text():
            problems.append(f"label {label.text()!r} needs {needed} px of {label.width()}")
    assert not problems, "\n".join(problems)
