"""The engine's reused arrays: the same numbers as fresh ones, and never overwriting a kept
trace or gradient; the packed optimiser step equals the per-array one."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from bpstudio.core.engine.activations import ACTIVATIONS
from bpstudio.core.engine.backprop import (
    Workspace,
    backward,
    forward,
    packed_copy,
    vector_views,
)
from bpstudio.core.engine.network import NetworkSpec, initialize
from bpstudio.core.engine.optim import make_optimizer
from bpstudio.core.training.hyperparams import Hyperparameters
from bpstudio.core.training.snapshot import freeze_grads, freeze_trace
from bpstudio.core.training.trainer import Trainer

SPECS = [
    NetworkSpec.build([3, 5, 4, 2], hidden, output, loss=loss)
    for hidden in sorted(set(ACTIVATIONS) - {"softmax"})
    for output, loss in (
        ("sigmoid", "squared_error"),
        ("linear", "mse"),
        ("softmax", "cross_entropy"),
        ("sigmoid", "cross_entropy"),
    )
]


@dataclass(frozen=True)
class Examples:
    X: np.ndarray
    Y: np.ndarray
    is_classification: bool = False


def batch(spec: NetworkSpec, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    Y = rng.uniform(size=(n, spec.output_size))
    if spec.activations[-1] == "softmax":
        Y /= Y.sum(axis=1, keepdims=True)
    return rng.normal(size=(n, spec.input_size)), Y


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.activations}-{s.loss}")
def test_a_workspace_gives_the_numbers_of_fresh_arrays_bit_for_bit(spec: NetworkSpec) -> None:
    params = initialize(spec, "xavier", 1)
    X, Y = batch(spec, 7)
    workspace = Workspace(spec, 7)
    for step in range(2):  # the second pass writes over the first one's arrays
        X, Y = batch(spec, 7, seed=step)
        want = backward(spec, params, forward(spec, params, X), Y, input_gradient=True)
        trace = forward(spec, params, X, workspace)
        got = backward(spec, params, trace, Y, input_gradient=True, workspace=workspace)
        assert got.cost == want.cost
        for a, b in zip(
            got.dW + got.db + got.dZ + got.dA, want.dW + want.db + want.dZ + want.dA, strict=True
        ):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(workspace.gradient, want.vector())


def test_a_frozen_trace_and_gradient_are_never_written_again() -> None:
    spec = SPECS[0]
    params = initialize(spec, "xavier", 1)
    workspace = Workspace(spec, 4)
    X, Y = batch(spec, 4)
    trace = forward(spec, params, X, workspace)
    grads = backward(spec, params, trace, Y, workspace=workspace)
    kept_trace, kept_grads = freeze_trace(trace), freeze_grads(grads)
    assert kept_trace is not None
    assert kept_grads is not None
    Z, dW = kept_trace.Z[0].copy(), kept_grads.dW[0].copy()
    X2, Y2 = batch(spec, 4, seed=5)
    trace = forward(spec, params, X2, workspace)
    grads = backward(spec, params, trace, Y2, workspace=workspace)
    assert trace.Z[0] is not kept_trace.Z[0]
    assert grads.dW[0] is not kept_grads.dW[0]
    np.testing.assert_array_equal(kept_trace.Z[0], Z)
    np.testing.assert_array_equal(kept_grads.dW[0], dW)


def test_a_snapshot_of_the_trainer_keeps_its_step_while_training_goes_on() -> None:
    spec = SPECS[0]
    X, Y = batch(spec, 30)
    hp = Hyperparameters(learning_rate=0.1, batch_size=10, seed=3)
    t = Trainer(spec, initialize(spec, "xavier", 2), Examples(X, Y), hyperparameters=hp)
    t.train_batch()
    t.forward()
    t.backward()
    kept = freeze_grads(t.grads)
    assert kept is not None
    vector = kept.vector()
    t.update()
    assert t.train_steps(5) == 5
    np.testing.assert_array_equal(kept.vector(), vector)


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_the_packed_update_equals_the_update_array_by_array(name: str) -> None:
    spec = SPECS[0]
    params = initialize(spec, "xavier", 1)
    per_array, packed = make_optimizer(name, nesterov=True), make_optimizer(name, nesterov=True)
    p1 = params.copy()
    theta, p2 = packed_copy(spec, params)
    rng = np.random.default_rng(4)
    for _ in range(3):
        g = rng.normal(size=spec.parameter_count)
        grads = vector_views(spec, g)
        per_array.update(p1, grads, 0.05, p1)
        packed.update_vector(theta, g, 0.05, theta)
        np.testing.assert_array_equal(p2.vector(), p1.vector())
