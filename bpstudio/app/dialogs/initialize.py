"""Choose how to draw fresh weights: a scheme from the core's registry and a seed."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bpstudio.app.notation import Notation
from bpstudio.app.widgets import IntegerSpinBox, ok_cancel_buttons
from bpstudio.core.engine.init import INITIALIZER_LABELS, INITIALIZERS

MAX_SEED = 2**31 - 1


class InitializeDialog(QDialog):
    """Pick an initialisation scheme and a seed for one layer (``layer``) or the network.

    After ``exec()`` returns true, :attr:`scheme` and :attr:`seed` hold the choice.
    """

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        layer: int | None = None,
        scheme: str = "xavier",
        seed: int = 0,
    ) -> None:
        super().__init__(parent)
        self.layer = layer
        if layer is None:
            self.setWindowTitle("Initialise Network")
            what = "every weight matrix <i>W</i> and bias vector <i>b</i> of the network"
        else:
            self.setWindowTitle(f"Initialise Layer {layer}")
            nt = Notation()  # the layer is named by its number here, as in the title
            what = f"{nt.matrix(layer)} and {nt.biases(layer)}"
        intro = QLabel(
            f"Draw fresh values for {what}. The same scheme and seed always give the same "
            "numbers. Undo restores the old values."
        )
        intro.setWordWrap(True)

        self.scheme_combo = QComboBox()
        for name in INITIALIZERS:
            self.scheme_combo.addItem(INITIALIZER_LABELS.get(name, name), name)
        index = self.scheme_combo.findData(scheme)
        self.scheme_combo.setCurrentIndex(max(index, 0))

        self.seed_spin = IntegerSpinBox()
        self.seed_spin.setRange(0, MAX_SEED)
        self.seed_spin.setValue(min(max(int(seed), 0), MAX_SEED))
        self.seed_spin.setAccelerated(True)
        self.new_seed_button = QPushButton("New Seed")
        self.new_seed_button.setToolTip("Pick a random seed")
        self.new_seed_button.clicked.connect(self._on_new_seed_clicked)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed_spin, 1)
        seed_row.addWidget(self.new_seed_button)

        form = QFormLayout()
        form.addRow("&Scheme:", self.scheme_combo)
        seed_label = QLabel("S&eed:")
        seed_label.setBuddy(self.seed_spin)
        form.addRow(seed_label, seed_row)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(ok_cancel_buttons(self, "Initialise"))
        self.setMinimumWidth(380)

    @property
    def scheme(self) -> str:
        return str(self.scheme_combo.currentData())

    @property
    def seed(self) -> int:
        return int(self.seed_spin.value())

    def _on_new_seed_clicked(self) -> None:
        self.seed_spin.setValue(int(np.random.default_rng().integers(0, MAX_SEED)))
