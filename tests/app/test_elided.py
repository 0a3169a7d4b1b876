"""Labels that shorten their text to their width and keep the whole of it in a tooltip."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from bpstudio.app.elided import FittedRichLabel

FULL = "∇C of step 3's mini-batch (n = 10): 105 components, ‖∇C‖ = <b>0.0123</b>"
SHORT = "‖∇C‖ = <b>0.0123</b>"


def _label(qtbot: QtBot, width: int) -> FittedRichLabel:
    label = FittedRichLabel()
    qtbot.addWidget(label)
    label.set_forms(FULL, SHORT)
    label.resize(width, 24)
    label.show()
    return label


def test_a_wide_label_shows_its_fullest_form_without_a_tooltip(qtbot: QtBot) -> None:
    label = _label(qtbot, 900)
    assert label.text() == FULL
    assert not label.is_shortened()
    assert label.toolTip() == ""


def test_a_narrow_label_shows_the_longest_form_that_fits_and_tooltips_the_full(
    qtbot: QtBot,
) -> None:
    label = _label(qtbot, 900)
    label.resize(int(label.text_width(SHORT)) + 20, 24)
    assert label.text() == SHORT
    assert label.is_shortened()
    assert label.toolTip() == "∇C of step 3's mini-batch (n = 10): 105 components, ‖∇C‖ = 0.0123"
    label.resize(900, 24)
    assert label.text() == FULL
    assert label.toolTip() == ""


def test_where_no_form_fits_the_shortest_is_elided_as_plain_text(qtbot: QtBot) -> None:
    label = _label(qtbot, 60)
    assert label.text().endswith("…")
    assert label.text_width(label.text()) <= label.contentsRect().width()
    assert label.toolTip().startswith("∇C of step 3")


def test_a_caption_needs_a_form(qtbot: QtBot) -> None:
    label = FittedRichLabel()
    qtbot.addWidget(label)
    with pytest.raises(ValueError, match="at least one form"):
        label.set_forms()
