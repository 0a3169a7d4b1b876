"""The undo stack's memory budget: a long session of edits on a 784-128-10 network holds
a bounded number of snapshots, and what is kept still undoes and redoes exactly."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication, QUndoView
from pytestqt.qtbot import QtBot

from bpstudio.app.commands import (
    EditNetworkCommand,
    SetParameterCommand,
    TrainCommand,
    params_nbytes,
)
from bpstudio.app.document import COMMAND_OVERHEAD, UNDO_BUDGET, UNDO_LIMIT, Document
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.network import NetworkSpec, Params, initialize
from bpstudio.core.files.project import Project

MIB = 2**20


def mnist_sized() -> Project:
    spec = NetworkSpec.build([784, 128, 10], "sigmoid", output_activation="softmax")
    return Project(spec, initialize(spec, seed=0))


def edit(document: Document, rng: np.random.Generator, n: int) -> Params:
    """Edit number ``n``: a re-initialisation, a training result or a single weight."""
    params = document.params.copy()
    if n % 3 == 0:
        params.W[0][0, 0] = float(n)
        document.push(EditNetworkCommand(document, f"Edit {n}", document.spec, params))
    elif n % 3 == 1:
        params.W[1] += rng.normal(0.0, 1e-3, params.W[1].shape)
        history = document.project.history.copy()
        history["batch_cost"].append(n, 1.0 / n)
        step = document.project.step + 10
        document.push(TrainCommand(document, params, history, step, document.project.epoch))
    else:
        document.push(SetParameterCommand(document, ParamRef.bias(2, n % 10), float(n)))
    return document.params.copy()


def heavy_steps(document: Document) -> int:
    """Steps on the stack that keep parameter snapshots."""
    stack = document.undo_stack
    return sum(1 for i in range(stack.count()) if getattr(stack.command(i), "nbytes", 0) > 0)


def test_a_long_session_keeps_a_bounded_number_of_snapshots(qapp: QApplication) -> None:
    budget = 24 * MIB
    document = Document(mnist_sized(), undo_budget=budget)
    snapshot = params_nbytes(document.params)  # 814,888 bytes for 784-128-10
    rng = np.random.default_rng(0)
    states = [document.params.copy()]
    for n in range(120):
        states.append(edit(document, rng, n))
        assert document.undo_nbytes() <= budget
    stack = document.undo_stack
    # Every kept network or training step holds two snapshots: a budget's worth at most,
    # and the budget is used (old steps are dropped only down to three quarters).
    assert 0 < heavy_steps(document) <= budget // (2 * snapshot)
    assert document.undo_nbytes() >= budget // 2

    kept = stack.count()
    for _ in range(kept):
        stack.undo()
    assert not stack.canUndo()
    assert document.params.allclose(states[-1 - kept])
    for _ in range(kept):
        stack.redo()
    assert document.params.allclose(states[-1])


def test_dropping_old_steps_keeps_the_saved_state_and_the_views_in_step(
    qtbot: QtBot, qapp: QApplication
) -> None:
    document = Document(mnist_sized(), undo_budget=10 * MIB)
    view = QUndoView(document.undo_stack)
    qtbot.addWidget(view)
    rng = np.random.default_rng(1)
    for n in range(6):
        edit(document, rng, n)
    document.undo_stack.setClean()
    saved = document.params.copy()
    before = document.undo_stack.count()
    edit(document, rng, 6)
    edit(document, rng, 7)
    assert document.undo_stack.count() < before + 2  # old steps were dropped
    assert document.is_modified()
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert not document.is_modified()  # the saved state is still where it was
    assert document.params.allclose(saved)
    assert view.model().rowCount() == document.undo_stack.count() + 1

    # Once the saved state itself is dropped, no undo reaches it any more.
    for n in range(8, 40):
        edit(document, rng, n)
    while document.undo_stack.canUndo():
        document.undo_stack.undo()
        assert document.is_modified()


def test_one_step_larger_than_the_budget_is_still_undoable(qapp: QApplication) -> None:
    document = Document(mnist_sized(), undo_budget=MIB)
    rng = np.random.default_rng(2)
    first = document.params.copy()
    edit(document, rng, 0)
    assert document.undo_stack.count() == 1
    edit(document, rng, 3)
    assert document.undo_stack.count() == 1  # the newest step stays, alone
    document.undo_stack.undo()
    assert not document.params.allclose(first)
    assert document.params.W[0][0, 0] == 0.0


def test_merged_drags_stay_merged_and_small_steps_are_capped(qapp: QApplication) -> None:
    document = Document(mnist_sized(), undo_budget=4 * MIB)
    for value in np.linspace(0.0, 1.0, 50):  # one drag: one step
        document.push(
            SetParameterCommand(document, ParamRef.weight(1, 0, 0), float(value), drag_id=7)
        )
    assert document.undo_stack.count() == 1
    for n in range(1200):  # small steps cost little but are counted
        document.push(SetParameterCommand(document, ParamRef.bias(2, n % 10), float(n)))
        if n % 100 == 0:
            assert document.undo_nbytes() <= 4 * MIB
    assert document.undo_stack.count() <= min(UNDO_LIMIT, 4 * MIB // COMMAND_OVERHEAD)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_day_of_edits_on_784_128_10_stays_within_the_default_budget(
    qapp: QApplication,
) -> None:
    document = Document(mnist_sized())
    rng = np.random.default_rng(3)
    for n in range(3000):
        edit(document, rng, n)
        if n % 100 == 0:
            assert document.undo_nbytes() <= UNDO_BUDGET
    assert document.undo_nbytes() <= UNDO_BUDGET
    assert 0 < heavy_steps(document) <= UNDO_BUDGET // (2 * params_nbytes(document.params))
