"""What the window tests share: the answers its injected questions get, the screens and
templates the layout tests open."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from bpstudio.core.data.source import DataSource
from bpstudio.core.engine.network import NetworkSpec, initialize
from bpstudio.core.files.project import Project
from bpstudio.core.files.templates import make_project

#: The screens the layout tests lay the window out for (width, height), and the templates.
SCREEN_SIZES = [(1280, 720), (1366, 768), (1600, 1000), (1920, 1080)]
TEMPLATES = ["note", "spirals", "digits", "784-128-10"]


def discard_changes(_title: str) -> QMessageBox.StandardButton:
    """A window's answer to its unsaved-changes question (``ask_unsaved``): discard them."""
    return QMessageBox.StandardButton.Discard


def template_project(name: str) -> Project:
    """A template's project, or ``"784-128-10"``: that network on stand-in data."""
    if name == "784-128-10":
        spec = NetworkSpec.build([784, 128, 10], "relu", "softmax", "cross_entropy")
        return Project(spec, initialize(spec, "xavier", 0), DataSource("generator", "xor"))
    return make_project(name)
