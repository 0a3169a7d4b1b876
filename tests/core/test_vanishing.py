"""The vanishing-gradient notice: the note's chain at η = 1000 saturates every sigmoid and
stalls at C = 0.0625 with ‖∇C‖ ≈ 1e-50; healthy training raises no notice."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bpstudio.core.data.datasets import Dataset
from bpstudio.core.data.source import load_examples, split_examples
from bpstudio.core.engine.backprop import forward, gradients
from bpstudio.core.engine.network import NetworkSpec, Params, initialize
from bpstudio.core.files.project import Project
from bpstudio.core.training.history import History
from bpstudio.core.training.session import StopConditions, TrainingData, TrainingSession
from bpstudio.core.training.trainer import VANISHING_CHECK_INTERVAL, Trainer
from bpstudio.core.training.vanishing import detect_vanishing, saturated_layers


def _note_trainer(learning_rate: float) -> Trainer:
    project = Project.note_example()
    hp = project.hyperparameters.with_changes(learning_rate=learning_rate)
    return Trainer(project.spec, project.params, load_examples(project.data), None, hp)


def test_the_notes_chain_at_learning_rate_1000_stalls_and_says_why() -> None:
    t = _note_trainer(1000.0)
    t.train_steps(2 * VANISHING_CHECK_INTERVAL)
    assert t.divergence is None  # nothing diverged: the cost is flat, not exploding
    assert t.cost == pytest.approx(0.0625, abs=1e-12)
    notice = t.vanishing
    assert notice is not None
    assert notice.gradient_norm < 1e-40
    assert [layer for layer, _ in notice.saturated] == [1, 2, 3]
    assert all(share == 1.0 for _, share in notice.saturated)
    for words in ("layer 1", "layer 2", "layer 3", "smaller learning rate", "re-initialising",
                  "tanh or ReLU", "0.0625"):  # fmt: skip
        assert words in notice.message


def test_healthy_training_raises_no_notice() -> None:
    t = _note_trainer(1.0)
    t.train_steps(4 * VANISHING_CHECK_INTERVAL)
    assert t.vanishing is None


def test_an_edit_clears_the_notice() -> None:
    t = _note_trainer(1000.0)
    t.train_steps(VANISHING_CHECK_INTERVAL + 1)
    assert t.vanishing is not None
    t.set_params(Project.note_example().params)
    assert t.vanishing is None


def test_dead_relu_units_are_saturated_units() -> None:
    """A ReLU unit with z < 0 on every example has slope 0 everywhere: it is dead."""
    spec = NetworkSpec.build([1, 1, 1], "relu", "linear", "squared_error")
    params = Params([np.array([[-5.0]]), np.array([[0.7]])], [np.array([-1.0]), np.array([0.0])])
    X = np.array([[0.5], [1.0]])
    Y = np.array([[1.0], [1.0]])
    trace = forward(spec, params, X)
    grads = gradients(spec, params, X, Y)
    assert saturated_layers(spec, trace, include_output=True) == ((1, 1.0),)
    notice = detect_vanishing(spec, trace, grads, grads.cost, 0, classification=False)
    assert notice is not None
    assert "layer 1 (100% of its units)" in notice.message
    assert "leaky ReLU" in notice.message


@pytest.mark.parametrize(("cost", "reported"), [(0.5, True), (1e-6, False)])
def test_a_collapsed_gradient_is_reported_only_far_from_the_minimum(
    cost: float, reported: bool
) -> None:
    """Linear units never saturate; a gradient of 1e-12 is a stall at C = 0.5, and the
    end of learning at C = 1e-6."""
    spec = NetworkSpec.build([2, 1], "linear", loss="squared_error")
    params = initialize(spec, "xavier", 0)
    X, Y = np.ones((3, 2)), np.zeros((3, 1))
    trace = forward(spec, params, X)
    grads = gradients(spec, params, X, Y)
    tiny = replace(grads, dW=[1e-12 * g for g in grads.dW], db=[1e-12 * g for g in grads.db])
    notice = detect_vanishing(spec, trace, tiny, cost, 0, classification=False)
    assert (notice is not None) == reported
    if notice is not None:
        assert notice.saturated == ()
        assert "the gradient has vanished" in notice.message


def test_a_cross_entropy_classifier_saturated_at_its_targets_is_not_stalled() -> None:
    """Its output saturates because it is right; the fused ∂C/∂z = a − y does not vanish."""
    spec = NetworkSpec.build([1, 2, 1], "tanh", "sigmoid", "cross_entropy")
    params = Params(
        [np.array([[1.0], [1.0]]), np.array([[40.0, 40.0]])], [np.zeros(2), np.zeros(1)]
    )
    X = np.array([[2.0], [-2.0]])
    Y = np.array([[1.0], [0.0]])
    trace = forward(spec, params, X)
    grads = gradients(spec, params, X, Y)
    assert detect_vanishing(spec, trace, grads, grads.cost, 0, classification=True) is None


def test_a_classifier_with_squared_error_is_told_about_cross_entropy() -> None:
    rng = np.random.default_rng(0)
    spec = NetworkSpec.build([2, 3, 2], "sigmoid", "sigmoid", "squared_error")
    X = rng.normal(size=(20, 2))
    Y = np.eye(2)[(X[:, 0] > 0).astype(int)]
    params = initialize(spec, "xavier", 0)
    params.W[0] *= 500.0  # every hidden unit saturated
    t = Trainer(spec, params, Dataset(X, Y, "classification", "halves"))
    t.train_steps(1)
    assert t.vanishing is not None
    assert [layer for layer, _ in t.vanishing.saturated][:1] == [1]
    assert "cross-entropy" in t.vanishing.message


def test_the_session_emits_the_notice_when_it_appears_and_when_it_goes() -> None:
    events: list[tuple[str, object]] = []
    session = TrainingSession(lambda name, payload: events.append((name, payload)))
    project = Project.note_example()
    train, validation = split_examples(project.data, load_examples(project.data))
    session.set_data(TrainingData("note", train, validation))
    hp = project.hyperparameters.with_changes(learning_rate=1000.0)
    session.set_network(project.spec, project.params, hp, History(), 0, 0)
    session.run(StopConditions(max_steps=3 * VANISHING_CHECK_INTERVAL))
    while session.train_chunk() is not None:
        pass
    notices = [str(p) for n, p in events if n == "vanishing"]
    assert len(notices) >= 1
    assert notices[-1].startswith("Learning has stalled")
    # Back to the note's own parameters and η = 1: the notice goes away.
    session.set_network(project.spec, project.params, project.hyperparameters, History(), 0, 0)
    assert [p for n, p in events if n == "vanishing"][-1] == ""
