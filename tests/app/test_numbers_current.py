"""Numbers on screen are of the state shown now, never left over from an earlier one: the
canvas's parameter labels after an update, its C₀ after a forward pass, the gradient
plot's hover line after a new project, and the cost plot's whole-set evaluation, which
says at which step it was made (pytest-qt, offscreen, a real window trained in a thread).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QTextDocument
from pytestqt.qtbot import QtBot

from bpstudio.app import notation
from bpstudio.app.main_window import MainWindow
from bpstudio.app.selection import Selection
from bpstudio.app.worker import StopConditions, WorkerOptions
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.backprop import forward
from bpstudio.core.files.templates import make_project
from bpstudio.core.training.snapshot import Snapshot
from bpstudio.core.training.trainer import Phase, StepUnit

TIMEOUT = 10_000  # ms
RUN_TIMEOUT = 30_000  # ms, for a run of a few hundred steps on a busy machine


def plain(html: str) -> str:
    document = QTextDocument()
    document.setHtml(html)
    return document.toPlainText().replace("\u2029", "\n").replace("\n", " ")


def settle(qtbot: QtBot, window: MainWindow, step: int, next_phase: Phase) -> Snapshot:
    controller = window.controller
    controller.worker.wait_for_data()
    assert controller.sync()

    def arrived() -> bool:
        s = controller.snapshot
        return s is not None and s.step == step and s.next_phase is next_phase

    qtbot.waitUntil(arrived, timeout=TIMEOUT)
    snapshot = controller.snapshot
    assert snapshot is not None
    # The canvas has drawn that snapshot.
    qtbot.waitUntil(
        lambda: (
            (v := window.canvas.network_scene.values) is not None
            and v.step == step
            and v.after_update == snapshot.after_update
            and (v.A is not None) == (snapshot.probe_readout is not None)
        ),
        timeout=TIMEOUT,
    )
    return snapshot


def canvas_labels(window: MainWindow) -> str:
    return " | ".join(text for text, _size in window.canvas.network_scene.annotations.drawn_texts())


def note_window(open_window: Callable[..., MainWindow], qtbot: QtBot) -> MainWindow:
    window = open_window(worker=WorkerOptions(backend="thread"))
    window.show()
    window.new_from_template("note")
    settle(qtbot, window, 0, Phase.FORWARD)
    return window


def test_after_an_update_the_canvas_writes_the_updated_parameters(
    qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    window = note_window(open_window, qtbot)
    L = window.document.spec.n_layers
    w, b = ParamRef.weight(L, 0, 0), ParamRef.bias(L, 0)
    before_w, before_b = window.document.parameter(w), window.document.parameter(b)
    assert f"= {notation.formula_number(before_w, 3)}" in canvas_labels(window)
    window.selection.select(Selection.weight(L, 0, 0))
    for phase in (Phase.BACKWARD, Phase.UPDATE):
        window.controller.step(StepUnit.PHASE)
        settle(qtbot, window, 0, phase)
    window.controller.step(StepUnit.PHASE)  # the update
    snapshot = settle(qtbot, window, 1, Phase.FORWARD)
    assert snapshot.after_update
    qtbot.waitUntil(lambda: window.document.project.step == 1, timeout=TIMEOUT)
    now_w, now_b = window.document.parameter(w), window.document.parameter(b)
    assert now_w != before_w
    assert now_b != before_b
    # The inspector and the chain-rule panel say the update made it now_w...
    assert window.inspector.weight_editor.value == now_w
    said = f"the update made it {notation.formula_number(now_w, 6)}"
    qtbot.waitUntil(lambda: said in plain(window.chain_rule.html), timeout=TIMEOUT)
    # ... and so does the canvas: its labels and its tooltips, for w and b.
    labels = canvas_labels(window)
    assert f"= {notation.formula_number(now_w, 3)}" in labels, labels
    assert f"= {notation.formula_number(before_w, 3)}" not in labels, labels
    assert f"= {notation.formula_number(now_b, 3)}" in labels, labels
    assert f"= {notation.formula_number(before_b, 3)}" not in labels, labels
    scene = window.canvas.network_scene
    assert notation.format_value(now_w, 4) in plain(scene.weight_tooltip(L, 0, 0))
    assert notation.format_value(now_b, 4) in plain(scene.neuron_tooltip(L, 0))
    # The activations are still those of the pass the step was computed with.
    assert scene.values is not None
    assert scene.values.A is not None
    a_L = float(snapshot.probe_readout.a[L][0])  # type: ignore[union-attr]
    assert scene.values.activation(L, 0) == a_L


def test_after_a_forward_pass_the_canvas_writes_the_probes_cost(
    qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    window = note_window(open_window, qtbot)
    spec = window.document.spec
    L = spec.n_layers
    cost_symbol = plain(notation.cost(per_example=True))

    def cost_label() -> str:
        [label] = [t for t in canvas_labels(window).split(" | ") if cost_symbol in t]
        return label

    for _ in range(3):  # a whole step, then the next forward pass
        window.controller.step(StepUnit.PHASE)
    settle(qtbot, window, 1, Phase.FORWARD)
    window.controller.step(StepUnit.PHASE)
    snapshot = settle(qtbot, window, 1, Phase.BACKWARD)
    probe = snapshot.probe
    assert probe is not None
    assert probe.grads is None  # no backward pass yet
    # C₀ of this forward pass, with the parameters it used (the updated ones).
    trace = forward(spec, window.document.params, probe.x)
    expected = float(np.sum((trace.output - probe.y) ** 2))
    label = cost_label()
    assert f"{cost_symbol} = {plain(notation.formula_number(expected, 3))}" in label, label
    assert snapshot.probe_cost is not None
    assert abs(snapshot.probe_cost - expected) <= 1e-15
    assert f"= {plain(notation.formula_number(float(trace.output[0, 0]), 3))}" in (
        canvas_labels(window)
    )
    # The backward pass keeps the same C₀ (the engine's, from its cost and gradients).
    window.controller.step(StepUnit.PHASE)
    snapshot = settle(qtbot, window, 1, Phase.UPDATE)
    assert snapshot.probe is not None
    assert snapshot.probe.grads is not None
    assert snapshot.probe_cost == snapshot.probe.grads.cost
    assert f"{cost_symbol} = {plain(notation.formula_number(expected, 3))}" in cost_label()
    assert L == 3


def test_the_gradient_plots_hover_line_is_cleared_with_its_gradient(
    qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    window = open_window(worker=WorkerOptions(backend="thread"))
    window.show()
    window.docks["gradient"].show()
    window.docks["gradient"].raise_()
    window.new_from_template("note")
    settle(qtbot, window, 0, Phase.FORWARD)
    plot = window.gradient_plot
    qtbot.waitUntil(plot.isVisible, timeout=TIMEOUT)
    window.controller.step(StepUnit.BATCH)
    settle(qtbot, window, 1, Phase.FORWARD)
    qtbot.waitUntil(lambda: plot.heights is not None, timeout=TIMEOUT)
    layout = plot.layout_
    heights = plot.heights
    assert layout is not None
    assert heights is not None
    # Hover the first bar.
    scene = plot.components_widget.scene()
    scene.sigMouseMoved.emit(plot.plot_item.vb.mapViewToScene(QPointF(layout.x[0], 0.0)))
    value = notation.format_value(float(heights[0]))
    assert plot.hover_label.text().endswith(f"= <b>{value}</b>")

    # Another template of the same shape (the walkthrough's, or the note's again): no
    # gradient yet, and no number read out of the old one.
    window.new_from_template("note")
    settle(qtbot, window, 0, Phase.FORWARD)
    qtbot.waitUntil(lambda: plot.heights is None, timeout=TIMEOUT)
    assert "No gradient yet" in plot.summary.text()
    assert "Hover a bar" in plot.hover_label.text()
    assert value not in plot.hover_label.text()

    # A network of another shape clears it at once too.
    window.controller.step(StepUnit.BATCH)
    settle(qtbot, window, 1, Phase.FORWARD)
    qtbot.waitUntil(lambda: plot.heights is not None, timeout=TIMEOUT)
    scene.sigMouseMoved.emit(plot.plot_item.vb.mapViewToScene(QPointF(layout.x[0], 0.0)))
    assert "= <b>" in plot.hover_label.text()
    window.new_from_template("xor")
    assert plot.heights is None
    assert "Hover a bar" in plot.hover_label.text()


def test_the_cost_header_says_when_its_whole_set_values_were_computed(
    qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    window = open_window(worker=WorkerOptions(backend="thread"))
    window.show()
    window.docks["cost"].show()
    window.docks["cost"].raise_()
    window.new_from_template("xor")
    settle(qtbot, window, 0, Phase.FORWARD)
    controller, document = window.controller, window.document
    controller.run(StopConditions(max_steps=200))
    controller.worker.wait_for_data()
    assert controller.sync()
    qtbot.waitUntil(
        lambda: not controller.running and document.project.step == 200, timeout=RUN_TIMEOUT
    )
    history = document.project.history
    steps, _ = history["train_cost"].data()
    # Evaluated often enough that the newest is recent: more than once in 200 steps of
    # 16-step epochs (it used to be once, at step 16, until step 656).
    assert len(steps) >= 3, steps
    assert 200 - int(steps[-1]) <= 80
    plot = window.cost_plot
    qtbot.waitUntil(lambda: "train C" in plot.summary.forms()[0], timeout=TIMEOUT)
    header = plain(plot.summary.forms()[0])
    last = int(steps[-1])
    train_c = float(history["train_cost"].data()[1][-1])
    acc = float(history["train_accuracy"].data()[1][-1])
    batch_c = float(history["batch_cost"].data()[1][-1])
    assert f"batch C {batch_c:.4g}" in header
    assert not re.search(r"batch C \S+ \(step", header)
    if last == 200:
        assert f"train C {train_c:.4g}" in header
        assert "(step" not in header
    else:
        assert f"train C {train_c:.4g} (step {last:,})" in header, header
        assert f"train acc. {acc:.1%} (step {last:,})" in header, header


def test_a_whole_set_evaluation_of_the_latest_step_carries_no_step(
    qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    # The header's own rule, on a history whose evaluation is at its last step.
    window = open_window(worker=WorkerOptions(backend="thread"))
    project = make_project("xor")
    trainer_history = project.history
    trainer_history["batch_cost"].append(16, 0.5)
    trainer_history["train_cost"].append(16, 0.25)
    trainer_history["batch_cost"].append(17, 0.4)
    plot = window.cost_plot
    plot.draw({name: s.data() for name, s in trainer_history.series.items()})
    header = plain(plot.summary.forms()[0])
    assert "batch C 0.4" in header
    assert "train C 0.25 (step 16)" in header
    trainer_history["train_cost"].append(17, 0.2)
    plot.draw({name: s.data() for name, s in trainer_history.series.items()})
    header = plain(plot.summary.forms()[0])
    assert "train C 0.2" in header
    assert "(step" not in header
