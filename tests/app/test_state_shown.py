"""What the training views show is a function of the state, not of the events that led to
it: the hint after a pause or a divergence, the gradient plot's axis after a new project,
the epoch display after undo and after reopening, and the last gradient after reopening
(with a real TrainingController, once in a process and once in a thread)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot
from training_helpers import settle, training_panel

from bpstudio.app.document import Document
from bpstudio.app.panels.training import TrainingPanel
from bpstudio.app.plots.gradient import GradientPlot
from bpstudio.app.selection import SelectionModel
from bpstudio.app.training import TrainingController
from bpstudio.app.training_hint import status_text
from bpstudio.core.files.project import Project
from bpstudio.core.files.templates import make_project
from bpstudio.core.training.snapshot import Snapshot
from bpstudio.core.training.trainer import StepUnit

TIMEOUT = 10_000  # ms


def wait_for(qtbot: QtBot, controller: TrainingController, step: int, spec: object) -> Snapshot:
    qtbot.waitUntil(
        lambda: (
            controller.snapshot is not None
            and controller.snapshot.step == step
            and controller.snapshot.spec == spec
        ),
        timeout=TIMEOUT,
    )
    assert controller.snapshot is not None
    return controller.snapshot


def xor_in_batches_of_30() -> Project:
    """160 training examples in batches of 30: six steps an epoch, the last one of 10."""
    project = make_project("xor")
    project.hyperparameters = project.hyperparameters.with_changes(batch_size=30)
    return project


@pytest.fixture
def panel(
    qtbot: QtBot, document: Document, controller: TrainingController
) -> Iterator[TrainingPanel]:
    yield from training_panel(qtbot, document, controller)


@pytest.fixture
def plot(
    qtbot: QtBot, document: Document, selection: SelectionModel, controller: TrainingController
) -> GradientPlot:
    widget = GradientPlot(document, selection, controller)
    qtbot.addWidget(widget)
    widget.resize(600, 300)
    widget.show()
    return widget


def load(qtbot: QtBot, document: Document, controller: TrainingController, p: Project) -> None:
    document.replace_project(p)
    settle(controller)
    wait_for(qtbot, controller, p.step, p.spec)


def step_batches(qtbot: QtBot, document: Document, controller: TrainingController, n: int) -> None:
    for _ in range(n):
        target = document.project.step + 1
        controller.step(StepUnit.BATCH)
        qtbot.waitUntil(lambda t=target: document.project.step == t, timeout=TIMEOUT)
    settle(controller)
    wait_for(qtbot, controller, document.project.step, document.spec)


# -- the hint ------------------------------------------------------------------------------------


def test_after_a_pause_the_hint_says_paused_and_what_to_do(
    qtbot: QtBot, document: Document, controller: TrainingController, panel: TrainingPanel
) -> None:
    panel.run_action.trigger()
    qtbot.waitUntil(lambda: controller.running, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: panel.phase_hint.text().startswith("Running"), timeout=TIMEOUT)
    panel.run_action.trigger()  # pause
    qtbot.waitUntil(lambda: not controller.running, timeout=TIMEOUT)
    settle(controller)
    snapshot = wait_for(qtbot, controller, document.project.step, document.spec)
    hint = panel.phase_hint.text()
    assert hint.startswith(f"Paused at step {snapshot.step:,}"), hint
    assert "Run (Space) goes on" in hint
    assert "Step runs one phase" in hint
    assert status_text(snapshot, controller.running).startswith("Paused at step")


def test_after_a_divergence_the_hint_says_diverged(
    qtbot: QtBot, document: Document, controller: TrainingController, panel: TrainingPanel
) -> None:
    project = make_project("sine")
    project.hyperparameters = project.hyperparameters.with_changes(learning_rate=1e3)
    load(qtbot, document, controller, project)
    panel.run_action.trigger()
    qtbot.waitUntil(lambda: panel.banner.isVisibleTo(panel), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not controller.running, timeout=TIMEOUT)
    settle(controller)
    assert controller.snapshot is not None
    assert controller.snapshot.divergence
    assert panel.phase_hint.text().startswith("Diverged at step"), panel.phase_hint.text()
    assert "Lower η" in panel.phase_hint.text()
    assert status_text(controller.snapshot, controller.running).startswith("Diverged")


# -- the gradient plot's axis --------------------------------------------------------------------


def test_a_new_project_gives_the_gradient_plot_the_new_networks_groups_at_once(
    qtbot: QtBot, document: Document, controller: TrainingController, plot: GradientPlot
) -> None:
    step_batches(qtbot, document, controller, 1)
    qtbot.waitUntil(lambda: plot.heights is not None, timeout=TIMEOUT)
    document.replace_project(make_project("spirals"))
    # Before any snapshot of the new network arrives:
    names = ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert [name for _, name in plot.group_axis.groups] == names
    assert plot.heights is None  # the old network's gradient is gone
    layout = plot.layout_
    assert layout is not None
    assert layout.size == document.spec.parameter_count
    low, high = plot.plot_item.vb.viewRange()[0]
    assert low < layout.x[0]
    assert layout.x[-1] < high
    assert sorted(plot.group_labels()) == sorted(names)
    settle(controller)
    wait_for(qtbot, controller, 0, document.spec)
    assert [name for _, name in plot.group_axis.groups] == names


# -- the epoch display ---------------------------------------------------------------------------


def test_undo_of_a_step_shows_the_epoch_as_it_was_before_the_step(
    qtbot: QtBot, document: Document, controller: TrainingController, panel: TrainingPanel
) -> None:
    load(qtbot, document, controller, xor_in_batches_of_30())
    epoch = panel.counter_labels["epoch"]
    shown = [epoch.text()]
    for _ in range(6):  # to the end of the first epoch
        step_batches(qtbot, document, controller, 1)
        shown.append(epoch.text())
    assert shown == ["0 + 0%", "0 + 19%", "0 + 38%", "0 + 56%", "0 + 75%", "0 + 94%", "1 + 0%"]
    for before in reversed(shown[:-1]):
        document.undo_stack.undo()
        settle(controller)
        wait_for(qtbot, controller, document.project.step, document.spec)
        assert epoch.text() == before
    document.undo_stack.redo()
    document.undo_stack.redo()
    settle(controller)
    wait_for(qtbot, controller, 2, document.spec)
    assert epoch.text() == "0 + 38%"


def test_a_reopened_project_shows_the_same_epoch_and_gradient(
    qtbot: QtBot,
    tmp_path: Path,
    document: Document,
    controller: TrainingController,
    panel: TrainingPanel,
    plot: GradientPlot,
) -> None:
    load(qtbot, document, controller, xor_in_batches_of_30())
    step_batches(qtbot, document, controller, 8)  # an epoch and two steps: 1 + 38%
    qtbot.waitUntil(lambda: plot.heights is not None, timeout=TIMEOUT)
    epoch_before = panel.counter_labels["epoch"].text()
    assert epoch_before == "1 + 38%"
    heights_before = plot.heights.copy()
    summary_before = plot.summary.text()
    path = tmp_path / "work.bpstudio"
    document.save(path)

    document.replace_project(make_project("xor"))  # something else in between
    settle(controller)
    wait_for(qtbot, controller, 0, document.spec)
    assert panel.counter_labels["epoch"].text() == "0 + 0%"

    reopened = Project.load(path)
    assert reopened.examples_seen == 60
    assert reopened.gradient is not None
    assert reopened.gradient.step == 8
    document.replace_project(reopened, path)
    settle(controller)
    snapshot = wait_for(qtbot, controller, 8, document.spec)
    assert snapshot.batch_grads is None  # a new trainer: the plot shows the saved gradient
    assert panel.counter_labels["epoch"].text() == epoch_before
    qtbot.waitUntil(lambda: plot.heights is not None, timeout=TIMEOUT)
    np.testing.assert_array_equal(plot.heights, heights_before)
    assert plot.summary.text() == summary_before

    # The next step goes on with the epoch's remaining examples.
    step_batches(qtbot, document, controller, 1)
    assert panel.counter_labels["epoch"].text() == "1 + 56%"
