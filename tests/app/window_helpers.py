"""Answers the main window's injected questions give in tests."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox


def discard_changes(_title: str) -> QMessageBox.StandardButton:
    """A window's answer to its unsaved-changes question (``ask_unsaved``): discard them."""
    return QMessageBox.StandardButton.Discard
