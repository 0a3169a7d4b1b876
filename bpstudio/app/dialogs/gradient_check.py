"""The gradient check's result: backpropagation against finite differences, per layer."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bpstudio.app.notation import Notation
from bpstudio.app.theme import css, set_palette_style, theme
from bpstudio.app.widgets import close_button
from bpstudio.core.engine.gradcheck import DEFAULT_TOLERANCE, GradCheckResult


class GradientCheckDialog(QDialog):
    """The worst relative error per layer between backprop and finite differences."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Gradient check")
        self.setMinimumWidth(720)  # every column in view at its contents' width
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(
            ["Layer", "Checked", "Worst relative error", "Worst component", "Result"]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        explanation = QLabel(
            "Each component of ∇C from backpropagation (with the penalty's gradient when L1 "
            "or L2 is on) is compared with the central difference (C(θ+ε) − C(θ−ε)) / 2ε of "
            "the same C. A layer passes when its worst relative error is below "
            f"{DEFAULT_TOLERANCE:g}."
        )
        explanation.setWordWrap(True)
        set_palette_style(explanation, "color: palette(mid);")
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addWidget(explanation)
        layout.addWidget(close_button(self))

    def show_result(self, result: GradCheckResult, nt: Notation | None = None) -> None:
        """Show ``result``, its parameters written in ``nt`` (the checked network's
        notation; without one, layers are written as numbers)."""
        nt = nt or Notation.for_spec()
        passed = result.passed(DEFAULT_TOLERANCE)
        messages = theme().messages
        colour = css(messages.ok if passed else messages.error)
        verdict = "PASS" if passed else "FAIL"
        checked, n = len(result.checks), result.n_parameters
        if checked + len(result.at_kink) < n:
            what = f"{checked:,} of {n:,} parameters (a sample)"
        elif result.at_kink:  # the line below says why the others were not
            what = f"{checked:,} of {n:,} parameters"
        else:
            what = f"all {n:,} parameters"
        cost = result.cost_formula + ("" if result.penalised else " (no penalty)")
        kink = f"<br>{html.escape(result.kink_note)}." if result.at_kink else ""
        self.summary.setText(
            f"<b style='color:{colour}; font-size:14pt'>{verdict}</b> &nbsp; checked {what} "
            f"with ε = {result.epsilon:g}; worst relative error "
            f"<b>{result.max_relative_error:.3e}</b>"
            + (f" ({nt.param(result.worst.ref)})" if result.checks else "")
            + f"<br>The cost checked: {html.escape(cost)}{kink}"
        )
        layers = sorted(result.per_layer)
        self.table.setRowCount(len(layers))
        for row, layer in enumerate(layers):
            checks = result.layer_checks(layer)
            worst = max(checks, key=lambda c: c.relative_error)
            ok = result.per_layer[layer] < DEFAULT_TOLERANCE
            cells = [
                f"{layer}",
                f"{len(checks):,}",
                f"{result.per_layer[layer]:.3e}",
                f"{nt.param(worst.ref, plain=True)}: backprop {worst.backprop:.6g}, "
                f"numeric {worst.numeric:.6g}",
                "PASS" if ok else "FAIL",
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column in (0, 1, 2):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if column == 4:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                    item.setForeground(messages.ok if ok else messages.error)
                self.table.setItem(row, column, item)
