"""One colour theme for every view: the canvas and the weight matrix agree on which colour
is positive, the chain rule's factors and the training phases use the theme's colours, and
a chosen theme (light or dark) replaces the system's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from bpstudio.app.canvas.view import NetworkView
from bpstudio.app.commands import EditNetworkCommand
from bpstudio.app.document import Document
from bpstudio.app.panels.chain_rule import ChainRulePanel
from bpstudio.app.panels.training import PhaseIndicator
from bpstudio.app.panels.weight_matrix import WeightMatrixPanel
from bpstudio.app.selection import SelectionModel
from bpstudio.app.theme import (
    DARK,
    LIGHT,
    THEMES,
    Theme,
    rgb_array,
    system_theme,
    theme,
    use_theme,
)
from bpstudio.core.training.trainer import Phase

StubController = Any  # conftest's stub: snapshotShown, pause_for_edit, finish_edit

#: W1 of the XOR network (4×2): the full scale, both signs, and values down to half of it.
W1 = np.array([[2.0, -2.0], [1.0, -1.0], [1.5, -1.25], [1.0, 0.0]])


@pytest.fixture(params=sorted(THEMES))
def chosen(request: pytest.FixtureRequest) -> Iterator[Theme]:
    use_theme(THEMES[request.param])
    yield THEMES[request.param]
    use_theme(None)


def distance(a: QColor, b: QColor) -> float:
    return float(np.hypot.reduce([a.red() - b.red(), a.green() - b.green(), a.blue() - b.blue()]))


def nearer_end(color: QColor, colors: Theme) -> str:
    """Which end of the value scale ``color`` is nearer: "positive" or "negative"."""
    scale = colors.values
    positive, negative = distance(color, scale.positive), distance(color, scale.negative)
    return "positive" if positive < negative else "negative"


def test_the_canvas_and_the_weight_matrix_agree_on_the_colour_of_a_sign(
    qtbot: QtBot,
    document: Document,
    selection: SelectionModel,
    stub_controller: StubController,
    chosen: Theme,
) -> None:
    params = document.params.copy()
    params.W[0] = W1.copy()
    params.W[1] = np.full_like(params.W[1], 0.1)
    document.push(EditNetworkCommand(document, "Set W1", document.spec, params))
    canvas = NetworkView(document, selection, stub_controller)
    matrix = WeightMatrixPanel(document, selection, None, stub_controller)  # type: ignore[arg-type]
    qtbot.addWidget(canvas)
    qtbot.addWidget(matrix)
    edges = canvas.network_scene.edge_item(1)
    assert edges is not None
    assert matrix.model.layer == 1

    for j, k in np.ndindex(W1.shape):
        w = W1[j, k]
        if w == 0:
            continue
        expected = "positive" if w > 0 else "negative"
        line = edges.line_color(j, k)
        cell = matrix.model.data(matrix.model.index(j, k), Qt.ItemDataRole.BackgroundRole)
        assert line is not None
        assert isinstance(cell, QColor)
        assert nearer_end(line, chosen) == expected, (j, k)
        assert nearer_end(cell, chosen) == expected, (j, k)

    # At the full scale both draw the scale's own end colours.
    for k, end in ((0, chosen.values.positive), (1, chosen.values.negative)):
        assert edges.line_color(0, k) == end
        assert matrix.model.data(matrix.model.index(0, k), Qt.ItemDataRole.BackgroundRole) == end


def test_the_light_and_dark_value_scales_share_their_hues() -> None:
    for colors in (LIGHT, DARK):
        positive, negative = colors.values.positive, colors.values.negative
        assert positive.red() > positive.blue()  # orange
        assert negative.blue() > negative.red()  # blue
        assert colors.classes[:2] == (negative, positive)  # class 0 and 1, as a sigmoid
    assert LIGHT.values.zero.lightness() > 200 > DARK.values.zero.lightness()


def test_the_chain_rule_factors_are_written_in_the_theme_colours(
    qtbot: QtBot,
    document: Document,
    selection: SelectionModel,
    stub_controller: StubController,
    chosen: Theme,
) -> None:
    panel = ChainRulePanel(document, selection, stub_controller)  # type: ignore[arg-type]
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: bool(panel.html))
    factors = chosen.chain
    for color in (factors.dz_dw, factors.da_dz, factors.dC_da):
        assert f"color:{color.name()}" in panel.html
    other = LIGHT if chosen is DARK else DARK
    assert f"color:{other.chain.dz_dw.name()}" not in panel.html


def test_the_phases_are_drawn_in_the_theme_colours(qtbot: QtBot, chosen: Theme) -> None:
    indicator = PhaseIndicator()
    qtbot.addWidget(indicator)
    phases = {
        Phase.FORWARD: chosen.phases.forward,
        Phase.BACKWARD: chosen.phases.backward,
        Phase.UPDATE: chosen.phases.update,
    }
    for phase, color in phases.items():
        assert color.name() in indicator.labels[phase].styleSheet()
    indicator.set_state(Phase.FORWARD, running=True)  # every phase on a faint tint
    for phase, color in phases.items():
        style = indicator.labels[phase].styleSheet()
        assert f"color: {color.name()}" in style
        # Qt reads "#rrggbbaa" as "#aarrggbb": no translucent colour written that way.
        assert not re.search(r"#[0-9a-fA-F]{8}\b", style)


def _ink_pixels(icon: QIcon, background: QColor) -> int:
    """How many of the icon's pixels stand out from ``background`` (opaque enough and far
    from it in colour)."""
    image = icon.pixmap(24, 24).toImage()
    count = 0
    for y in range(image.height()):
        for x in range(image.width()):
            pixel = image.pixelColor(x, y)
            if pixel.alpha() > 128 and distance(pixel, background) > 120:
                count += 1
    return count


def test_the_view_icons_read_in_every_theme(
    qtbot: QtBot,
    document: Document,
    selection: SelectionModel,
    stub_controller: StubController,
    chosen: Theme,
) -> None:
    """The Fit icon's corners are drawn in the toolbar's ink: in the dark theme too (they
    were dark on dark, leaving a small circle), and drawn again when the theme changes."""
    use_theme(LIGHT if chosen is DARK else DARK)  # the theme changes after the view is made
    view = NetworkView(document, selection, stub_controller)
    qtbot.addWidget(view)
    use_theme(chosen)
    background = QApplication.palette().color(QPalette.ColorRole.Button)
    drawn = {
        name: _ink_pixels(action.icon(), background)
        for name, action in (("fit", view.act_fit), ("zoom_in", view.act_zoom_in))
    }
    # The four corners and the circle: as many pixels as the magnifier's ring and handle.
    assert drawn["fit"] >= 0.5 * drawn["zoom_in"] > 0, drawn


def test_a_chosen_theme_replaces_the_system_one(qapp: object) -> None:
    assert theme() is system_theme()
    other = DARK if system_theme() is LIGHT else LIGHT
    use_theme(other)
    try:
        assert theme() is other
    finally:
        use_theme(None)
    assert theme() is system_theme()


def test_the_value_scale_is_linear_and_clipped() -> None:
    scale = LIGHT.values
    rgb = scale.rgb(np.array([-2.0, -1.0, 0.0, 0.5, 1.0, np.nan]), scale=1.0)
    zero, positive = rgb_array(scale.zero), rgb_array(scale.positive)
    np.testing.assert_allclose(rgb[0], rgb[1], atol=0)  # clipped at -scale
    np.testing.assert_allclose(rgb[2], zero, atol=0)
    np.testing.assert_allclose(rgb[3], (zero + positive) / 2, atol=1e-12)
    np.testing.assert_allclose(rgb[4], positive, atol=0)
    np.testing.assert_allclose(rgb[5], zero, atol=0)  # NaN is drawn as 0
