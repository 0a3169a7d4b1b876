"""Help → About: the versions of the app and the libraries it runs on, and the licences.

The bundled data's licences are read from the shipped ``resources/data/README.md`` (each
``## `file```: heading and its ``**Licence.**`` paragraph), so the dialog says what the
installation actually carries.
"""

from __future__ import annotations

import html
import platform
import re

import numpy as np
import pyqtgraph
import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from bpstudio import __version__
from bpstudio.core.errors import BPStudioError
from bpstudio.core.resources import resource_path

#: The libraries the app (and a bundle of it) redistributes, with their licences.
LIBRARY_LICENCES = (
    ("Qt", "LGPL-3.0"),
    ("PySide6", "LGPL-3.0"),
    ("NumPy", "BSD-3-Clause"),
    ("pyqtgraph", "MIT"),
)

_SECTION = re.compile(r"^## `(?P<file>[^`]+)`:?\s*(?P<title>.*)$", re.MULTILINE)
_LICENCE = re.compile(r"\*\*Licence\.\*\*\s*(?P<text>.+?)(?:\n\s*\n|\Z)", re.DOTALL)
# The source up to its first link: who made the data and where it is published (the credit).
_SOURCE = re.compile(r"\*\*Source\.\*\*\s*(?P<text>.+?(?:>\.|(?=\n\s*\n)|\Z))", re.DOTALL)
_LINK = re.compile(r"<(https?://[^>]+)>")


def versions() -> dict[str, str]:
    """Name → version of the app and what it runs on."""
    return {
        "Backprop Studio": __version__,
        "Python": platform.python_version(),
        "Qt": qVersion(),
        "PySide6": PySide6.__version__,
        "NumPy": np.__version__,
        "pyqtgraph": pyqtgraph.__version__,
    }


def data_licences(readme: str) -> list[tuple[str, str, str, str]]:
    """``(file, title, source, licence)`` for each data set described in ``readme``."""
    sections = list(_SECTION.finditer(readme))
    found = []
    for i, section in enumerate(sections):
        end = sections[i + 1].start() if i + 1 < len(sections) else len(readme)
        source, licence = (
            " ".join(match.group("text").split()) if match else "not stated"
            for match in (p.search(readme, section.end(), end) for p in (_SOURCE, _LICENCE))
        )
        found.append((section.group("file"), section.group("title").strip(), source, licence))
    return found


def _linked(text: str) -> str:
    """Escape ``text`` for rich text, turning ``<https://...>`` into links."""
    parts = _LINK.split(text)
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            url = html.escape(part, quote=True)
            out.append(f'<a href="{url}">{html.escape(part)}</a>')
        else:
            out.append(html.escape(part))
    return "".join(out)


def about_html() -> str:
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>&nbsp;{html.escape(version)}</td></tr>"
        for name, version in versions().items()
    )
    try:
        readme = resource_path("data", "README.md").read_text(encoding="utf-8")
        data = "".join(
            f"<li><code>{html.escape(file)}</code>, {html.escape(title)}: {_linked(source)}"
            f"<br>Licence: {_linked(licence)}</li>"
            for file, title, source, licence in data_licences(readme)
        )
    except (BPStudioError, OSError) as exc:
        data = f"<li>{html.escape(str(exc))}</li>"
    libraries = ", ".join(f"{name} ({licence})" for name, licence in LIBRARY_LICENCES)
    return (
        f"<h3>Backprop Studio {html.escape(__version__)}</h3>"
        "<p>Draw a network, step through gradient descent one phase at a time, and see "
        "every term of the chain rule: z, a, σ′(z), ∂C/∂a, ∂C/∂w, ∂C/∂b and ∇C.</p>"
        "<p>Built on the note <i>Backpropagation Calculus</i>. MIT licence.</p>"
        f"<table>{rows}</table>"
        f"<p><b>Bundled data</b></p><ul>{data}</ul>"
        f"<p><b>Libraries</b>: {html.escape(libraries)}.</p>"
    )


def show_about(parent: QWidget) -> None:
    QMessageBox.about(parent, "About Backprop Studio", about_html())
