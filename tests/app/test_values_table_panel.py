"""The values table panel: the probe example's and the batch's numbers are the engine's, in
the current notation, with the digits asked, and copy as CSV, Markdown and LaTeX."""

from __future__ import annotations

import csv
import io

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from bpstudio.app import notation
from bpstudio.app.notation import MINUS, LayerStyle, Notation, format_value
from bpstudio.app.panels.values_table import ValuesTablePanel
from bpstudio.core.engine.address import param_refs
from bpstudio.core.engine.backprop import backward, forward, gradients


def _panel(qtbot, document, controller) -> ValuesTablePanel:
    panel = ValuesTablePanel(document, controller)
    qtbot.addWidget(panel, before_close_func=lambda widget: widget.shutdown())
    panel.resize(600, 700)
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.waitUntil(lambda: panel.table is not None, timeout=10_000)
    return panel


def test_probe_and_batch_tables_are_the_engines(qtbot, document, controller) -> None:
    panel = _panel(qtbot, document, controller)
    snapshot = controller.snapshot
    probe = snapshot.probe
    spec, params = document.spec, document.params
    trace = forward(spec, params, probe.x)
    grads = backward(spec, params, trace, probe.y)
    table = panel.table
    assert table.example == 0
    assert [p.gradient for p in table.parameters] == list(grads.vector())
    # The neurons' view shows the hidden layer's z in the chosen notation and digits.
    model = panel.neuron_model
    row = spec.input_size + 2  # a_2^(1)
    assert model.data(model.index(row, 0)) == Notation.for_spec(spec).neuron(1, 2, plain=True)
    # On screen with a true minus sign, as everywhere in the window.
    assert model.data(model.index(row, 1)) == format_value(float(trace.Z[0][0, 2]), 6)

    qtbot.waitUntil(lambda: controller.data is not None, timeout=10_000)
    with qtbot.waitSignal(panel.tableChanged, timeout=5000):
        panel.source_combo.setCurrentIndex(1)  # the batch average
    train = controller.data.train
    assert snapshot.batch_indices.size == 0  # no step yet: the whole training set
    assert panel.caption.text().startswith("Step 0. Training set.")
    batch = gradients(spec, params, train.X, train.Y)
    assert panel.table.example is None
    np.testing.assert_array_equal([p.gradient for p in panel.table.parameters], batch.vector())

    with qtbot.waitSignal(panel.tableChanged, timeout=5000):
        panel.digits_spin.setValue(17)
    model = panel.param_model
    first = next(iter(param_refs(spec)))
    assert float(model.data(model.index(0, 2)).replace(MINUS, "-")) == first.get(batch.as_params())


def test_copy_in_three_formats_and_the_notes_notation(qtbot, document, controller) -> None:
    panel = _panel(qtbot, document, controller)
    previous = notation.settings.layers
    notation.settings.layers = LayerStyle.RELATIVE
    try:
        with qtbot.waitSignal(panel.tableChanged, timeout=5000):
            panel.digits_spin.setValue(5)
        clipboard = QGuiApplication.clipboard()
        qtbot.mouseClick(panel.copy_buttons["csv"], Qt.MouseButton.LeftButton)
        assert clipboard.text() == panel.text("csv")
        rows = list(csv.reader(io.StringIO(clipboard.text())))
        assert rows[0][0] == "neuron"
        assert rows[-1][0] == "b₀⁽ᴸ⁾"
        qtbot.mouseClick(panel.copy_buttons["markdown"], Qt.MouseButton.LeftButton)
        assert clipboard.text().startswith("**Neurons**")
        qtbot.mouseClick(panel.copy_buttons["latex"], Qt.MouseButton.LeftButton)
        assert clipboard.text().count("\\begin{tabular}") == 2
        assert "$b_{0}^{(L)}$" in clipboard.text()
    finally:
        notation.settings.layers = previous
