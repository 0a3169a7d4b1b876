"""The inspector's plot of C along the selected parameter: computed off the GUI thread from
the controller's data, its tangent has the engine's slope, it follows edits and training."""

from __future__ import annotations

import numpy as np

from bpstudio.app.commands import SetParameterCommand
from bpstudio.app.panels.inspector import InspectorPanel
from bpstudio.app.plots.cost_slice import CostSlicePlot
from bpstudio.app.selection import Selection
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.backprop import gradients


def _panel(qtbot, document, selection, controller) -> tuple[InspectorPanel, CostSlicePlot]:
    plot = CostSlicePlot(document, selection, controller)
    panel = InspectorPanel(document, selection, controller, slice_view=plot)
    qtbot.addWidget(panel)
    panel.resize(320, 800)
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.waitUntil(lambda: controller.data is not None, timeout=10_000)
    return panel, plot


def test_slice_of_the_selected_weight_has_the_engines_slope(
    qtbot, document, selection, controller
) -> None:
    panel, plot = _panel(qtbot, document, selection, controller)
    assert not plot.isVisible()  # nothing selected
    ref = ParamRef.weight(2, 0, 1)
    with qtbot.waitSignal(plot.sliceDrawn, timeout=10_000) as drawn:
        selection.select(Selection.weight(2, 0, 1))
    assert plot.isVisible()
    result = drawn.args[0]
    train = controller.data.train
    grads = gradients(document.spec, document.params, train.X, train.Y)
    assert result.ref == ref
    np.testing.assert_allclose(result.gradient, ref.get(grads.as_params()), rtol=1e-12)
    np.testing.assert_allclose(result.cost, grads.cost, rtol=1e-12)
    xs, ys = plot.curve.getData()
    middle = len(xs) // 2
    assert xs[middle] == document.parameter(ref)
    np.testing.assert_allclose(ys[middle], grads.cost, rtol=1e-12)
    tx, ty = plot.tangent.getData()
    np.testing.assert_allclose((ty[1] - ty[0]) / (tx[1] - tx[0]), result.gradient, rtol=1e-9)
    assert "slope" in plot.readout.forms()[0]
    assert plot.caption.forms()[0].startswith("Step 0: C over ")  # the state it was computed at
    plot.shutdown()


def test_slice_follows_an_edit_and_a_bias(qtbot, document, selection, controller) -> None:
    _panel_, plot = _panel(qtbot, document, selection, controller)
    with qtbot.waitSignal(plot.sliceDrawn, timeout=10_000):
        selection.select(Selection.neuron(1, 2))  # a neuron: its bias b_2^(1)
    assert plot.slice is not None
    assert plot.slice.ref == ParamRef.bias(1, 2)
    with qtbot.waitSignal(plot.sliceDrawn, timeout=10_000) as drawn:
        document.push(SetParameterCommand(document, ParamRef.bias(1, 2), 0.75))
    assert drawn.args[0].value == 0.75
    with qtbot.waitSignal(selection.selectionChanged):
        selection.select(Selection.neuron(0, 0))  # an input has no parameter
    assert not plot.isVisible()
    plot.shutdown()
