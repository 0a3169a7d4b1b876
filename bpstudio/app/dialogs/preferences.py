"""Edit ▸ Preferences: theme, notation, digits, training backend and redraw pace."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from bpstudio.app import notation
from bpstudio.app.preferences import (
    LAYER_STYLE_LABELS,
    PACE_LABELS,
    THEME_LABELS,
    Preferences,
)
from bpstudio.app.theme import set_palette_style
from bpstudio.app.widgets import ok_cancel_buttons
from bpstudio.app.worker import BACKENDS

BACKEND_LABELS = {
    "process": "In a separate process (the window stays responsive)",
    "thread": "In a thread of the window",
}


class PreferencesDialog(QDialog):
    """Shows ``current`` for editing; :attr:`preferences` is the choice after OK."""

    def __init__(self, current: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.theme_combo = self._combo(THEME_LABELS, current.theme)
        self.notation_combo = self._combo(LAYER_STYLE_LABELS, current.layer_style)
        self.digits_spin = QSpinBox()
        self.digits_spin.setRange(notation.MIN_DIGITS, notation.MAX_DIGITS)
        self.digits_spin.setValue(current.digits)
        self.digits_spin.setSuffix(" significant digits")
        self.backend_combo = self._combo(
            {kind: BACKEND_LABELS.get(kind, kind) for kind in BACKENDS}, current.backend
        )
        self.pace_combo = self._combo(PACE_LABELS, current.budget)

        form = QFormLayout()
        form.addRow("&Theme:", self.theme_combo)
        form.addRow("&Layers written:", self.notation_combo)
        form.addRow("&Numbers shown with:", self.digits_spin)
        form.addRow("&Run training:", self.backend_combo)
        form.addRow("&Redraw pace:", self.pace_combo)
        note = QLabel(
            "The redraw pace is how much of the computer the window may spend redrawing "
            "while training runs; the rest goes to training."
        )
        note.setWordWrap(True)
        set_palette_style(note, "color: palette(placeholder-text);")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(ok_cancel_buttons(self))

    @staticmethod
    def _combo(labels: dict, current: object) -> QComboBox:  # type: ignore[type-arg]
        combo = QComboBox()
        for value, label in labels.items():
            combo.addItem(label, value)
        index = combo.findData(current)
        combo.setCurrentIndex(max(index, 0))
        return combo

    @property
    def preferences(self) -> Preferences:
        return Preferences(
            theme=str(self.theme_combo.currentData()),
            layer_style=self.notation_combo.currentData(),
            digits=self.digits_spin.value(),
            backend=str(self.backend_combo.currentData()),
            budget=float(self.pace_combo.currentData()),
        )
