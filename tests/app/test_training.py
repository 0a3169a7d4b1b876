"""Training from the GUI: the training panel, the worker round trip, the plots and the
chain-rule panel, with a real TrainingController and its thread (pytest-qt, offscreen)."""

from __future__ import annotations

import html
import math
import os
import signal
from collections.abc import Callable, Iterator
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot
from training_helpers import (
    params_equal,
    pause_and_wait,
    process_exists,
    settle,
    training_panel,
)

from bpstudio.app.commands import SetHyperparametersCommand
from bpstudio.app.dialogs.gradient_check import GradientCheckDialog
from bpstudio.app.document import Document
from bpstudio.app.notation import Notation
from bpstudio.app.panels.chain_rule import ChainRulePanel
from bpstudio.app.panels.training import TrainingPanel
from bpstudio.app.plots.cost import CostPlot
from bpstudio.app.plots.gradient import MODE_COMPONENTS, MODE_LAYERS, GradientPlot
from bpstudio.app.selection import Selection, SelectionModel
from bpstudio.app.training import TrainingController
from bpstudio.app.worker import StopConditions
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.gradcheck import gradient_check, relative_error
from bpstudio.core.engine.network import NetworkSpec, initialize
from bpstudio.core.engine.optim import cost_formula
from bpstudio.core.files.project import Project
from bpstudio.core.files.templates import make_project
from bpstudio.core.training.snapshot import Snapshot
from bpstudio.core.training.trainer import Phase, StepUnit

TIMEOUT = 10_000  # ms


# -- helpers -------------------------------------------------------------------------------------


def wait_snapshot(
    qtbot: QtBot, controller: TrainingController, predicate: Callable[[Snapshot], bool]
) -> Snapshot:
    qtbot.waitUntil(
        lambda: controller.snapshot is not None and predicate(controller.snapshot),
        timeout=TIMEOUT,
    )
    assert controller.snapshot is not None
    return controller.snapshot


def load(
    qtbot: QtBot, document: Document, controller: TrainingController, project: Project
) -> Snapshot:
    document.replace_project(project)
    settle(controller)
    return wait_snapshot(qtbot, controller, lambda s: s.spec == project.spec)


@pytest.fixture
def panel(
    qtbot: QtBot, document: Document, controller: TrainingController
) -> Iterator[TrainingPanel]:
    yield from training_panel(qtbot, document, controller)


@pytest.fixture
def chain_panel(
    qtbot: QtBot, document: Document, selection: SelectionModel, controller: TrainingController
) -> ChainRulePanel:
    widget = ChainRulePanel(document, selection, controller)
    qtbot.addWidget(widget)
    widget.show()  # hidden views skip redraws until they are shown
    return widget


# -- stepping ------------------------------------------------------------------------------------


def test_step_one_phase_at_a_time(
    qtbot: QtBot, document: Document, controller: TrainingController, panel: TrainingPanel
) -> None:
    settle(controller)
    s0 = wait_snapshot(qtbot, controller, lambda s: s.probe is not None)
    assert s0.next_phase is Phase.FORWARD
    assert s0.batch_trace is None
    assert s0.batch_grads is None
    panel.set_step_unit(StepUnit.PHASE)
    assert panel.step_unit_combo.currentData() == StepUnit.PHASE.value

    # Forward: z and a for the batch and the probe; nothing learned yet.
    panel.step_action.trigger()
    s1 = wait_snapshot(qtbot, controller, lambda s: s.phase is Phase.FORWARD)
    assert s1.next_phase is Phase.BACKWARD
    assert s1.batch_trace is not None
    assert s1.batch_grads is None
    assert s1.batch_trace.n_examples == document.hyperparameters.batch_size
    assert s1.probe is not None
    assert s1.probe.trace is not None
    assert s1.probe.trace is not s0.probe.trace  # recomputed by the forward phase
    assert s1.probe.grads is None
    assert params_equal(s1.params, s0.params)
    assert panel.phase_indicator.next_phase is Phase.BACKWARD

    # Backward: every component of ∇C appears; still nothing learned.
    panel.step_action.trigger()
    s2 = wait_snapshot(qtbot, controller, lambda s: s.phase is Phase.BACKWARD)
    assert s2.next_phase is Phase.UPDATE
    assert s2.batch_grads is not None
    assert [g.shape for g in s2.batch_grads.dW] == [w.shape for w in s2.params.W]
    assert s2.probe is not None
    assert s2.probe.grads is not None
    assert params_equal(s2.params, s0.params)
    assert document.undo_stack.count() == 0

    # Update: the parameters move and come back to the document as one undo step.
    before = document.params.copy()
    panel.step_action.trigger()
    s3 = wait_snapshot(qtbot, controller, lambda s: s.phase is Phase.UPDATE)
    assert s3.next_phase is Phase.FORWARD
    assert s3.step == 1
    assert not params_equal(s3.params, s0.params)
    qtbot.waitUntil(lambda: document.undo_stack.count() == 1, timeout=TIMEOUT)
    assert document.undo_stack.text(0) == "Train 1 step"
    assert params_equal(document.params, s3.params)
    lr = document.hyperparameters.learning_rate
    expected_W1 = before.W[0] - lr * np.asarray(s2.batch_grads.dW[0])
    np.testing.assert_allclose(document.params.W[0], expected_W1, rtol=0, atol=1e-12)


def test_step_shortcut_actions_and_units(
    qtbot: QtBot, document: Document, controller: TrainingController, panel: TrainingPanel
) -> None:
    panel.step_batch_action.trigger()
    s = wait_snapshot(qtbot, controller, lambda s: s.step == 1)
    assert s.phase is None
    assert s.next_phase is Phase.FORWARD
    panel.step_epoch_action.trigger()
    s = wait_snapshot(qtbot, controller, lambda s: s.epoch == 1)
    assert s.step == math.ceil(160 / document.hyperparameters.batch_size)
    assert panel.step_phase_action.shortcut().toString() == "F10"
    assert panel.step_batch_action.shortcut().toString() == "F11"
    assert panel.run_action.shortcut().toString() == "Space"


# -- running -------------------------------------------------------------------------------------


def test_run_then_pause_is_one_undo_command(
    qtbot: QtBot, document: Document, controller: TrainingController, panel: TrainingPanel
) -> None:
    before = document.params.copy()
    panel.run_action.trigger()
    qtbot.waitUntil(lambda: controller.running, timeout=TIMEOUT)
    assert panel.run_action.text() == "Pause"
    assert panel.run_action.isChecked()
    assert not panel.step_action.isEnabled()
    assert not panel.step_phase_action.isEnabled()
    wait_snapshot(qtbot, controller, lambda s: s.running and s.step >= 50)

    panel.run_action.trigger()  # pause
    qtbot.waitUntil(lambda: not controller.running, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: document.undo_stack.count() == 1, timeout=TIMEOUT)
    assert panel.run_action.text() == "Run"
    assert panel.step_action.isEnabled()
    steps = document.project.step
    assert steps >= 50
    assert document.undo_stack.text(0) == f"Train {steps:,} steps"
    assert not params_equal(document.params, before)
    assert document.project.history["batch_cost"].count == steps

    document.undo_stack.undo()
    assert params_equal(document.params, before)
    assert document.project.step == 0
    assert document.project.history["batch_cost"].count == 0
    settle(controller)
    s = wait_snapshot(qtbot, controller, lambda s: s.step == 0)
    assert params_equal(s.params, before)


def test_live_learning_rate_change_while_running(
    qtbot: QtBot, document: Document, controller: TrainingController, panel: TrainingPanel
) -> None:
    panel.set_steps_per_second(200)
    assert panel.stop_conditions().steps_per_second == 200
    panel.run_action.trigger()
    wait_snapshot(qtbot, controller, lambda s: s.running and s.step >= 5)

    panel.lr_spin.setValue(0.05)
    panel.lr_spin.setValue(0.02)
    assert document.hyperparameters.learning_rate == 0.02
    wait_snapshot(qtbot, controller, lambda s: s.running and s.learning_rate == 0.02)
    assert controller.running
    # Consecutive edits of one setting are one undo step.
    assert document.undo_stack.count() == 1
    assert document.undo_stack.text(0) == "Change learning rate"

    # Other settings apply live too.
    panel.optimizer_combo.setCurrentIndex(panel.optimizer_combo.findData("momentum"))
    panel.batch_spin.setValue(4)
    wait_snapshot(
        qtbot,
        controller,
        lambda s: (
            s.running
            and s.hyperparameters is not None
            and s.hyperparameters.optimizer == "momentum"
            and s.hyperparameters.batch_size == 4
            and s.batch_indices.size == 4
        ),
    )
    assert panel.momentum_spin.isEnabled()
    pause_and_wait(qtbot, controller)
    assert document.undo_stack.text(document.undo_stack.count() - 1).startswith("Train")


def test_speed_limit_and_stop_condition(
    qtbot: QtBot, document: Document, controller: TrainingController, panel: TrainingPanel
) -> None:
    panel.set_steps_per_second(1000)
    panel.max_epochs_check.setChecked(True)
    panel.max_epochs_spin.setValue(2)
    conditions = panel.stop_conditions()
    assert conditions.max_epochs == 2
    assert conditions.steps_per_second == 1000
    panel.run_action.trigger()
    qtbot.waitUntil(lambda: controller.running, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not controller.running, timeout=TIMEOUT)
    settle(controller)
    assert document.project.epoch == 2
    assert "reached 2 epochs" in panel.status_label.text()


# -- divergence guard ----------------------------------------------------------------------------


def test_divergence_banner_and_quick_fix(
    qtbot: QtBot, document: Document, controller: TrainingController, panel: TrainingPanel
) -> None:
    project = make_project("sine")
    project.hyperparameters = project.hyperparameters.with_changes(learning_rate=1e3)
    load(qtbot, document, controller, project)
    assert panel.lr_spin.value() == 1e3
    assert not panel.banner.isVisibleTo(panel)

    panel.run_action.trigger()
    qtbot.waitUntil(lambda: panel.banner.isVisibleTo(panel), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not controller.running, timeout=TIMEOUT)
    settle(controller)
    assert "diverged" in panel.banner_label.text()
    assert "learning rate" in panel.banner_label.text()
    assert controller.snapshot is not None
    assert controller.snapshot.divergence
    for array in document.params.arrays():
        assert np.isfinite(array).all()
    for array in controller.snapshot.params.arrays():
        assert np.isfinite(array).all()

    # The quick fix: η ← η/10 each click, one merged undo step.
    count = document.undo_stack.count()
    for _ in range(5):
        panel.lower_lr_button.click()
    assert document.hyperparameters.learning_rate == pytest.approx(1e-2)
    assert document.undo_stack.count() == count + 1
    assert panel.banner.isVisibleTo(panel)  # until the next successful step

    panel.step_batch_action.trigger()
    qtbot.waitUntil(lambda: not panel.banner.isVisibleTo(panel), timeout=TIMEOUT)
    assert controller.snapshot.divergence is None


# -- reset and gradient check --------------------------------------------------------------------


def test_reset_reinitialises_with_the_seed(
    qtbot: QtBot, document: Document, controller: TrainingController, panel: TrainingPanel
) -> None:
    panel.step_batch_action.trigger()
    qtbot.waitUntil(lambda: document.project.step == 1, timeout=TIMEOUT)
    panel.seed_spin.setValue(7)
    panel.init_combo.setCurrentIndex(panel.init_combo.findData("uniform"))
    panel.reset_action.trigger()
    expected = initialize(document.spec, "uniform", 7)
    assert params_equal(document.params, expected)
    assert document.project.step == 0
    assert document.project.history["batch_cost"].count == 0
    assert document.undo_stack.text(document.undo_stack.count() - 1) == "Reset training"
    wait_snapshot(qtbot, controller, lambda s: s.step == 0 and params_equal(s.params, expected))


def test_gradient_check_dialog(
    qtbot: QtBot, document: Document, controller: TrainingController, panel: TrainingPanel
) -> None:
    panel.gradient_check_action.trigger()
    qtbot.waitUntil(lambda: panel.last_gradient_check is not None, timeout=TIMEOUT)
    result = panel.last_gradient_check
    assert result is not None
    assert result.passed()
    dialog = panel.gradient_check_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.table.rowCount() == document.spec.n_layers
    assert "PASS" in dialog.summary.text()
    for row in range(dialog.table.rowCount()):
        assert dialog.table.item(row, 4).text() == "PASS"
        # The worst component in the note's notation (w₀₁⁽¹⁾), as every view writes it.
        worst = max(result.layer_checks(row + 1), key=lambda c: c.relative_error)
        nt = Notation.for_spec(document.spec)
        assert dialog.table.item(row, 3).text().startswith(nt.param(worst.ref, plain=True))
    dialog.close()


@pytest.mark.parametrize(("l1", "l2"), [(0.0, 0.1), (0.1, 0.0)])
def test_gradient_check_dialog_checks_the_penalised_cost(
    qtbot: QtBot,
    document: Document,
    controller: TrainingController,
    panel: TrainingPanel,
    l1: float,
    l2: float,
) -> None:
    hp = document.hyperparameters.with_changes(l1=l1, l2=l2)
    document.push(SetHyperparametersCommand(document, hp))
    settle(controller)
    panel.gradient_check_action.trigger()
    qtbot.waitUntil(lambda: panel.last_gradient_check is not None, timeout=TIMEOUT)
    result = panel.last_gradient_check
    assert result is not None
    assert result.passed(), result.worst
    assert (result.l1, result.l2) == (l1, l2)
    dialog = panel.gradient_check_dialog
    assert dialog is not None
    assert f"The cost checked: {cost_formula(l1, l2)}" in html.unescape(dialog.summary.text())
    # Without the penalty's gradient (λ₂ w + λ₁ sign(w)) the weights would fail the check.
    weights = [c for c in result.checks if c.ref.kind == "w"]
    assert weights
    data_only = [
        relative_error(c.backprop - (l2 * w + l1 * np.sign(w)), c.numeric)
        for c in weights
        for w in [c.ref.get(document.params)]
    ]
    assert max(data_only) > 1e-3
    dialog.close()


def test_gradient_check_dialog_says_which_weights_sat_at_l1s_kink(qtbot: QtBot) -> None:
    spec = NetworkSpec.build([2, 2, 1], "tanh", "sigmoid", "squared_error")
    params = initialize(spec, "xavier", 0)
    params.W[0][1, 0] = 0.0
    X, Y = np.array([[0.5, -1.0], [1.0, 2.0]]), np.array([[0.0], [1.0]])
    result = gradient_check(spec, params, X, Y, l1=0.1)
    dialog = GradientCheckDialog()
    qtbot.addWidget(dialog)
    dialog.show_result(result, Notation.for_spec(spec))
    text = html.unescape(dialog.summary.text())
    assert f"checked {spec.parameter_count - 1} of {spec.parameter_count} parameters" in text
    assert "(a sample)" not in text  # every parameter was considered
    assert "1 weight with |w| < ε not checked" in text
    assert "The cost checked: C = C_data + λ₁ Σ |w| with λ₁ = 0.1" in text


# -- closing -------------------------------------------------------------------------------------


def test_an_edit_right_after_run_keeps_the_document_consistent(
    qtbot: QtBot, document: Document, controller: TrainingController, panel: TrainingPanel
) -> None:
    from bpstudio.app.editing import push_network_edit
    from bpstudio.core.engine.edits import add_neuron

    settle(controller)
    rng = np.random.default_rng(0)
    # Run, then edit at once: the GUI has not heard that the run started yet.
    controller.run(StopConditions())
    push_network_edit(
        document, controller, "Add neuron", lambda spec, params: add_neuron(spec, params, 1, rng)
    )
    qtbot.waitUntil(lambda: controller.running, timeout=TIMEOUT)  # resumed after the edit
    pause_and_wait(qtbot, controller)
    spec = document.spec
    assert spec.layer_sizes[1] == 5
    shapes = [w.shape for w in document.params.W]
    assert shapes == [(5, 2), (1, 5)]
    texts = [document.undo_stack.text(i) for i in range(document.undo_stack.count())]
    assert "Add neuron" in texts
    assert texts[-1].startswith("Train")  # the run after the edit, on the new network


def test_undo_right_after_a_step_undoes_that_step(
    qtbot: QtBot, document: Document, controller: TrainingController, panel: TrainingPanel
) -> None:
    settle(controller)
    controller.step(StepUnit.BATCH)
    controller.pause_for_edit(resume=False)  # what Undo does first
    document.undo_stack.undo()
    settle(controller)
    assert document.project.step == 0
    assert document.undo_stack.canRedo()
    controller.step(StepUnit.BATCH)
    wait_snapshot(qtbot, controller, lambda s: s.step == 1)
    settle(controller)
    assert document.project.step == 1  # the process is back in step with the document


@pytest.mark.parametrize("backend", ["process"])
def test_a_training_process_that_dies_is_replaced_once(
    qtbot: QtBot, document: Document, controller: TrainingController, panel: TrainingPanel
) -> None:
    settle(controller)
    first = controller.worker
    assert first.pid is not None
    os.kill(first.pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: controller.worker is not first, timeout=TIMEOUT)
    settle(controller)
    controller.step(StepUnit.BATCH)
    wait_snapshot(qtbot, controller, lambda s: s.step == 1)
    assert controller.problem == ""

    # Dying again within a minute: no endless restarts, the user is told instead.
    second = controller.worker
    assert second.pid is not None
    os.kill(second.pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: "ended unexpectedly" in controller.problem, timeout=TIMEOUT)
    assert controller.worker is second
    assert "restart Backprop Studio" in controller.problem
    assert "ended unexpectedly" in panel.status_label.text()


def test_shutdown_during_a_run_ends_the_process(
    qtbot: QtBot, document: Document, panel: TrainingPanel, controller: TrainingController
) -> None:
    panel.run_action.trigger()
    wait_snapshot(qtbot, controller, lambda s: s.running and s.step > 0)
    pid = controller.worker.pid
    controller.shutdown()
    assert not controller.worker.is_alive()
    assert (pid is None) == (controller.backend == "thread")
    assert pid is None or not process_exists(pid)


def test_main_window_close_during_a_run_ends_the_process(
    qtbot: QtBot, settings: QSettings, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    main_window = pytest.importorskip("bpstudio.app.main_window")
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(
        QMessageBox, "warning", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard)
    )
    settings.setValue(main_window.BACKEND_KEY, backend)
    window = main_window.MainWindow(settings)
    assert window.controller.backend == backend
    qtbot.addWidget(window)
    window.show()
    controller = window.controller
    wait_snapshot(qtbot, controller, lambda s: True)
    window.training.run_action.trigger()
    wait_snapshot(qtbot, controller, lambda s: s.running and s.step > 0)
    assert window.close()
    assert not controller.worker.is_alive()


# -- chain rule ----------------------------------------------------------------------------------


def test_chain_rule_numbers_equal_the_engine(
    qtbot: QtBot,
    document: Document,
    selection: SelectionModel,
    controller: TrainingController,
    chain_panel: ChainRulePanel,
) -> None:
    assert "Select a" in chain_panel.html
    selection.select(Selection.weight(2, 0, 1))
    qtbot.waitUntil(lambda: chain_panel.terms is not None, timeout=TIMEOUT)
    controller.step(StepUnit.PHASE)  # forward: z and a, no ∂C/∂a yet
    wait_snapshot(qtbot, controller, lambda s: s.phase is Phase.FORWARD)
    qtbot.waitUntil(lambda: chain_panel.terms is None, timeout=TIMEOUT)
    assert "Run a <b>backward pass</b> to get" in chain_panel.html
    controller.step(StepUnit.PHASE)
    qtbot.waitUntil(lambda: chain_panel.engine_gradient is not None, timeout=TIMEOUT)
    snapshot = controller.snapshot
    assert snapshot is not None
    assert snapshot.batch_grads is not None
    batch = chain_panel.batch_terms
    assert batch is not None
    assert batch.per_example.size == document.hyperparameters.batch_size
    engine = float(snapshot.batch_grads.dW[1][0, 1])
    assert chain_panel.engine_gradient == engine
    np.testing.assert_allclose(batch.gradient, engine, rtol=1e-12, atol=1e-15)
    terms = chain_panel.terms
    assert terms is not None
    assert terms.per_example.size == 1
    np.testing.assert_allclose(
        terms.dz_dparam * terms.da_dz * terms.dC_da, terms.per_example, rtol=1e-9
    )
    assert "✓ equal" in chain_panel.html
    # ∂C/∂a_k^(l-1) as a sum over the paths through layer 2.
    assert chain_panel.paths is not None
    total, paths = chain_panel.paths
    assert len(paths) == document.spec.layer_sizes[2]
    assert snapshot.probe is not None
    assert snapshot.probe.grads is not None
    dA1 = snapshot.probe.grads.dA[1]
    assert dA1 is not None
    np.testing.assert_allclose(total, dA1[0, 1], rtol=1e-12)

    # A neuron shows its bias; an input neuron shows x and ∂C/∂x.
    selection.select(Selection.neuron(1, 2))
    assert chain_panel.engine_gradient == float(snapshot.batch_grads.db[0][2])
    assert chain_panel.terms is not None
    assert chain_panel.terms.is_bias
    selection.select(Selection.neuron(0, 1))
    assert "∂C<sub>0</sub>/∂<i>x</i><sub>" in chain_panel.html


def test_chain_rule_worked_example_of_the_note(
    qtbot: QtBot,
    document: Document,
    selection: SelectionModel,
    controller: TrainingController,
    chain_panel: ChainRulePanel,
) -> None:
    load(qtbot, document, controller, make_project("note"))
    selection.select(Selection.weight(3, 0, 0))
    assert "forward" in chain_panel.html or chain_panel.terms is not None
    controller.step(StepUnit.PHASE)  # forward
    controller.step(StepUnit.PHASE)  # backward
    wait_snapshot(qtbot, controller, lambda s: s.phase is Phase.BACKWARD)
    qtbot.waitUntil(lambda: chain_panel.engine_gradient is not None, timeout=TIMEOUT)
    terms = chain_panel.terms
    assert terms is not None
    # docs/calculus.md §5's table: layer 3, ∂C0/∂w = 4.337619893857e-02.
    np.testing.assert_allclose(terms.per_example[0], 4.337619893857e-02, rtol=0, atol=1e-12)
    np.testing.assert_allclose(terms.dz_dparam[0], 0.383483718374, atol=1e-12)
    np.testing.assert_allclose(terms.z[0], -0.093213025301, atol=1e-12)
    np.testing.assert_allclose(terms.dC_da[0], 2 * (0.476713601882 - 0.25), atol=1e-11)
    assert chain_panel.engine_gradient is not None
    np.testing.assert_allclose(chain_panel.engine_gradient, 4.337619893857e-02, atol=1e-12)
    assert "4.337619893857e−02" in chain_panel.html
    assert "2(" in chain_panel.html  # ∂C0/∂a^(L) = 2(a − y) with numbers

    expected = {
        Selection.neuron(3, 0): 1.131109271665e-01,
        Selection.weight(2, 0, 0): 1.381298138906e-02,
        Selection.neuron(2, 0): 2.139370630453e-02,
        Selection.weight(1, 0, 0): -5.873451416921e-03,
        Selection.neuron(1, 0): -5.873451416921e-03,
    }
    for sel, value in expected.items():
        selection.select(sel)
        assert chain_panel.terms is not None
        np.testing.assert_allclose(chain_panel.terms.per_example[0], value, atol=1e-12)
        np.testing.assert_allclose(chain_panel.engine_gradient, value, atol=1e-12)


def test_chain_rule_softmax_output(
    qtbot: QtBot,
    document: Document,
    selection: SelectionModel,
    controller: TrainingController,
    chain_panel: ChainRulePanel,
) -> None:
    load(qtbot, document, controller, make_project("digits"))
    selection.select(Selection.weight(2, 3, 5))
    controller.step(StepUnit.BATCH)
    qtbot.waitUntil(lambda: chain_panel.engine_gradient is not None, timeout=TIMEOUT)
    terms = chain_panel.terms
    assert terms is not None
    assert not terms.elementwise
    assert "Softmax couples" in chain_panel.html
    assert chain_panel.batch_terms is not None
    np.testing.assert_allclose(
        chain_panel.batch_terms.gradient, chain_panel.engine_gradient, rtol=1e-10, atol=1e-15
    )


# -- plots ---------------------------------------------------------------------------------------


def test_cost_plot_draws_history_and_rewinds_with_undo(
    qtbot: QtBot, document: Document, controller: TrainingController
) -> None:
    plot = CostPlot(document, controller)
    qtbot.addWidget(plot)
    plot.show()
    assert plot.plot_item is plot.plot_widget.getPlotItem()
    controller.run(StopConditions(max_steps=200))
    qtbot.waitUntil(lambda: document.project.step == 200, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: plot.curves["batch_cost"].getData()[0] is not None, timeout=TIMEOUT)
    qtbot.waitUntil(
        lambda: (
            len(plot.curves["batch_cost"].xData) > 0 and plot.curves["batch_cost"].xData[-1] == 200
        ),
        timeout=TIMEOUT,
    )
    x, y = document.project.history["batch_cost"].data()
    np.testing.assert_array_equal(plot.curves["batch_cost"].xData, x)
    np.testing.assert_allclose(plot.curves["batch_cost"].yData, y)
    assert len(plot.curves["train_cost"].xData) > 0
    # XOR is a classification problem: accuracy on the right axis.
    assert plot.plot_item.getAxis("right").isVisible()
    assert plot.curves["train_accuracy"].isVisible()
    assert np.all(plot.curves["train_accuracy"].yData <= 1.0)

    plot.log_check.setChecked(True)
    assert plot.plot_item.ctrl.logYCheck.isChecked()
    plot.log_check.setChecked(False)

    document.undo_stack.undo()
    qtbot.waitUntil(lambda: plot.curves["batch_cost"].xData is None, timeout=TIMEOUT)
    assert "No training yet" in plot.summary.forms()[0]


def test_a_burst_of_running_snapshots_is_drawn_once_in_a_frame(
    qtbot: QtBot, document: Document, controller: TrainingController
) -> None:
    plot = CostPlot(document, controller)
    qtbot.addWidget(plot)
    plot.show()
    snapshot = wait_snapshot(qtbot, controller, lambda s: True)
    draws = plot.draw_count
    for n in range(1, 51):  # faster than frames, as from a run
        controller.worker.snapshotReady.emit(replace(snapshot, running=True, step=n))
    assert plot.draw_count == draws  # nothing is drawn outside a frame
    qtbot.waitUntil(lambda: plot.draw_count > draws, timeout=TIMEOUT)
    assert plot.draw_count == draws + 1
    assert controller.snapshot is not None
    assert controller.snapshot.step == 50  # the latest


def test_gradient_plot_components_in_the_notes_order(
    qtbot: QtBot, document: Document, selection: SelectionModel, controller: TrainingController
) -> None:
    plot = GradientPlot(document, selection, controller)
    qtbot.addWidget(plot)
    plot.show()
    assert plot.mode == MODE_COMPONENTS
    controller.step(StepUnit.BATCH)
    qtbot.waitUntil(lambda: plot.heights is not None, timeout=TIMEOUT)
    snapshot = controller.snapshot
    assert snapshot is not None
    assert snapshot.batch_grads is not None
    np.testing.assert_array_equal(plot.heights, snapshot.batch_grads.vector())
    layout = plot.layout_
    assert layout is not None
    assert [g.name for g in layout.groups] == ["W1", "b1", "W2", "b2"]
    ticks = plot.plot_item.getAxis("bottom")._tickLevels[0]
    assert [label for _, label in ticks] == ["W1", "b1", "W2", "b2"]

    # The selected weight is outlined at its component.
    selection.select(Selection.weight(2, 0, 3))
    index = layout.index_of(selection.selection)
    assert index == 4 * 2 + 4 + 3
    x, height = plot.selected_bar.getData()
    np.testing.assert_array_equal(x, [layout.x[index]])
    np.testing.assert_array_equal(height, [snapshot.batch_grads.dW[1][0, 3]])
    selection.select(Selection.neuron(1, 2))
    assert layout.index_of(selection.selection) == 8 + 2
    component = layout.component(layout.index_at(float(layout.x[8 + 2])))
    assert component == ParamRef.bias(1, 2)

    plot.set_mode(MODE_LAYERS)
    assert plot.mode == MODE_LAYERS
    expected = [
        (float(np.linalg.norm(w)), float(np.linalg.norm(b)))
        for w, b in zip(snapshot.batch_grads.dW, snapshot.batch_grads.db, strict=True)
    ]
    np.testing.assert_allclose(plot.norms, expected, rtol=1e-12)


def test_gradient_plot_switches_to_layer_norms_for_large_networks(
    qtbot: QtBot, document: Document, selection: SelectionModel, controller: TrainingController
) -> None:
    plot = GradientPlot(document, selection, controller)
    qtbot.addWidget(plot)
    plot.show()
    load(qtbot, document, controller, make_project("digits"))
    controller.step(StepUnit.BATCH)
    qtbot.waitUntil(lambda: len(plot.norms) == 2, timeout=TIMEOUT)
    assert plot.mode == MODE_LAYERS
    assert plot.layout_ is not None
    assert plot.layout_.size > 400
    plot.set_mode(MODE_COMPONENTS)
    assert plot.mode == MODE_COMPONENTS
    assert plot.heights is not None
    assert plot.heights.size == plot.layout_.size


@pytest.mark.parametrize(
    ("conditions", "reason"),
    [
        (StopConditions(target_cost=1e-3), "target cost"),
        (StopConditions(max_steps=40), "40 steps"),
        (StopConditions(max_epochs=3), "3 epochs"),
    ],
)
def test_a_run_stops_by_itself_at_its_stop_condition(
    qtbot: QtBot,
    document: Document,
    controller: TrainingController,
    conditions: StopConditions,
    reason: str,
) -> None:
    load(qtbot, document, controller, make_project("note"))
    with qtbot.waitSignal(controller.trainingStopped, timeout=TIMEOUT) as stopped:
        controller.run(conditions)
    assert reason in stopped.args[0]
    qtbot.waitUntil(lambda: document.undo_stack.count() == 1, timeout=TIMEOUT)
    if conditions.target_cost is not None:
        assert document.project.history["train_cost"].last[1] <= conditions.target_cost


# -- the optimiser's settings, the penalised cost, the vanishing-gradient notice ----------------


@pytest.mark.parametrize(
    ("widget", "value", "field", "text"),
    [
        ("beta1_spin", 0.8, "beta1", "Change Adam β₁"),
        ("beta2_spin", 0.95, "beta2", "Change Adam β₂"),
        ("eps_spin", 1e-5, "eps", "Change Adam ε"),
        ("schedule_every", 250, "schedule_every", "Change schedule interval"),
        ("schedule_factor", 0.25, "schedule_factor", "Change schedule factor"),
        ("schedule_rate", 0.002, "schedule_rate", "Change decay rate"),
    ],
)
def test_optimiser_settings_are_undoable_edits(
    qtbot: QtBot,
    document: Document,
    controller: TrainingController,
    panel: TrainingPanel,
    widget: str,
    value: float,
    field: str,
    text: str,
) -> None:
    before = document.hyperparameters
    getattr(panel, widget).setValue(value)
    assert getattr(document.hyperparameters, field) == pytest.approx(value, rel=1e-12)
    assert document.undo_stack.text(document.undo_stack.count() - 1) == text
    # It reaches the trainer.
    settle(controller)
    snapshot = wait_snapshot(
        qtbot,
        controller,
        lambda s: (
            s.hyperparameters is not None
            and getattr(s.hyperparameters, field) == getattr(document.hyperparameters, field)
        ),
    )
    assert snapshot.hyperparameters == document.hyperparameters
    document.undo_stack.undo()
    assert document.hyperparameters == before
    assert getattr(panel, widget).value() == pytest.approx(getattr(before, field), rel=1e-9)


def test_the_schedule_shows_the_settings_of_its_kind(
    document: Document, panel: TrainingPanel
) -> None:
    panel.show()
    for kind, step_row, rate_row in (
        ("constant", True, False),
        ("step", True, False),
        ("exponential", False, True),
    ):
        panel.schedule_combo.setCurrentIndex(panel.schedule_combo.findData(kind))
        assert document.hyperparameters.schedule == kind
        assert panel.schedule_step_row.isVisibleTo(panel) == step_row
        assert panel.schedule_rate_row.isVisibleTo(panel) == rate_row
    panel.optimizer_combo.setCurrentIndex(panel.optimizer_combo.findData("adam"))
    assert panel.adam_row.isEnabled()
    assert not panel.momentum_spin.isEnabled()
    panel.optimizer_combo.setCurrentIndex(panel.optimizer_combo.findData("sgd"))
    assert not panel.adam_row.isEnabled()


def test_the_cost_plot_labels_c_and_c_data_with_a_penalty(
    qtbot: QtBot, document: Document, controller: TrainingController
) -> None:
    plot = CostPlot(document, controller)
    qtbot.addWidget(plot)
    plot.show()
    assert not plot.curves["train_data_cost"].isVisible()
    document.push(
        SetHyperparametersCommand(document, document.hyperparameters.with_changes(l2=0.05))
    )
    settle(controller)
    # Long enough for periodic evaluations of the training and validation sets.
    controller.run(StopConditions(max_steps=400))
    qtbot.waitUntil(lambda: document.project.step == 400, timeout=TIMEOUT)
    qtbot.waitUntil(
        lambda: (
            plot.curves["train_data_cost"].isVisible()
            and plot.curves["train_data_cost"].xData is not None
        ),
        timeout=TIMEOUT,
    )
    history = document.project.history
    assert history["train_data_cost"].count > 0
    _, c = history["train_cost"].data()
    _, c_data = history["train_data_cost"].data()
    assert np.all(c > c_data)
    assert "C_data" in plot.plot_item.getAxis("left").labelText
    assert "train C_data" in plot.summary.forms()[0]


def test_the_vanishing_gradient_notice_shows_beside_the_divergence_banner(
    qtbot: QtBot, document: Document, controller: TrainingController, panel: TrainingPanel
) -> None:
    project = Project.note_example()
    project.hyperparameters = project.hyperparameters.with_changes(learning_rate=1000.0)
    load(qtbot, document, controller, project)
    panel.show()
    assert not panel.vanishing_banner.isVisibleTo(panel)
    controller.run(StopConditions(max_steps=64))
    qtbot.waitUntil(lambda: panel.vanishing_banner.isVisibleTo(panel), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not controller.running, timeout=TIMEOUT)
    text = panel.vanishing_label.text()
    assert text.startswith("Learning has stalled")
    assert "layer 3" in text
    assert not panel.banner.isVisibleTo(panel)  # nothing diverged
    # The note's own learning rate, from its own parameters: the notice goes.
    load(qtbot, document, controller, Project.note_example())
    qtbot.waitUntil(lambda: not panel.vanishing_banner.isVisibleTo(panel), timeout=TIMEOUT)
