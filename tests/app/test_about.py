"""Help → About: versions of the app and its libraries, and the bundled data's licences."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QMessageBox

import bpstudio
from bpstudio.app.about import about_html, data_licences

if TYPE_CHECKING:
    from bpstudio.app.main_window import MainWindow

README = """# Bundled data

## `a.npz`: first set

**Source.** Somebody, "A set" (2001), <https://example.org/a>. More about it.

**Licence.** CC0 1.0,
<https://creativecommons.org/publicdomain/zero/1.0/>.

## `b.csv`: second set

No licence paragraph here.
"""


def test_data_licences_are_read_per_file() -> None:
    assert data_licences(README) == [
        (
            "a.npz",
            "first set",
            'Somebody, "A set" (2001), <https://example.org/a>.',
            "CC0 1.0, <https://creativecommons.org/publicdomain/zero/1.0/>.",
        ),
        ("b.csv", "second set", "not stated", "not stated"),
    ]


def test_about_names_versions_and_the_digits_licence(qapp: object) -> None:
    import pyqtgraph

    text = about_html()
    for version in (bpstudio.__version__, qVersion(), np.__version__, pyqtgraph.__version__):
        assert version in text
    assert "digits.npz" in text
    assert "CC BY 4.0" in text
    assert "Alpaydin" in text  # the credit the licence asks for
    assert '<a href="https://creativecommons.org/licenses/by/4.0/">' in text


def test_help_menu_opens_about(
    open_window: Callable[[], MainWindow], monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "about", staticmethod(lambda _p, _t, text: shown.append(text)))
    window = open_window()
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    about = next(a for a in help_menu.actions() if a.text().startswith("&About Backprop"))
    about.trigger()
    assert len(shown) == 1
    assert f"Backprop Studio {bpstudio.__version__}" in shown[0]


def test_window_icon_has_every_rendered_size(qapp: object) -> None:
    from bpstudio.app.application import application_icon
    from bpstudio.core.resources import resource_path

    sizes = {s.width() for s in application_icon().availableSizes()}
    rendered = {
        int(Path(p).parts[-3].split("x")[0])
        for p in resource_path("icons", "hicolor").glob("*/apps/bpstudio.png")
    }
    assert sizes == rendered
    assert {16, 32, 48, 256, 512} <= sizes
