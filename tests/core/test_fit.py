"""Fitting a network to a data set: sizes, kept hidden weights, suggested output and cost."""

from __future__ import annotations

import numpy as np
import pytest

from bpstudio.core.data.datasets import blobs, digits, sine, xor
from bpstudio.core.data.fit import fit_network, fit_to_dataset, fits, suggests_other_output
from bpstudio.core.engine.backprop import forward
from bpstudio.core.engine.edits import MAX_LAYER_SIZE
from bpstudio.core.engine.network import NetworkSpec, initialize
from bpstudio.core.errors import BPStudioError
from bpstudio.core.files.project import Project


def _net(sizes: list[int], output: str = "sigmoid", loss: str = "cross_entropy"):
    spec = NetworkSpec.build(sizes, "tanh", output, loss)
    return spec, initialize(spec, "xavier", 3)


def test_a_network_that_fits_is_left_alone() -> None:
    spec, params = _net([2, 4, 1])
    data = xor(50)
    assert fits(spec, data)
    plan = fit_to_dataset(spec, params, data, np.random.default_rng(0))
    assert not plan.changed
    assert plan.spec == spec
    assert plan.params.allclose(params)
    assert plan.params.W[0] is not params.W[0]  # a copy, never the caller's arrays


def test_reshape_to_digits_keeps_hidden_weights_and_suggests_softmax() -> None:
    spec, params = _net([2, 8, 8, 1])
    data = digits(100, seed=0)
    plan = fit_to_dataset(spec, params, data, np.random.default_rng(0))
    assert plan.spec.layer_sizes == (64, 8, 8, 10)
    assert plan.spec.activations == ("tanh", "tanh", "softmax")
    assert plan.spec.loss == "cross_entropy"
    assert plan.resized
    assert plan.changes == (
        "inputs 2 → 64",
        "outputs 1 → 10",
        "output activation sigmoid → softmax",
    )
    # The hidden layer between the changed ends keeps its numbers exactly.
    np.testing.assert_array_equal(plan.params.W[1], params.W[1])
    np.testing.assert_array_equal(plan.params.b[1], params.b[1])
    np.testing.assert_array_equal(plan.params.b[0], params.b[0])
    # The changed matrices are drawn fresh: Xavier-sized, not zero columns.
    assert plan.params.W[0].shape == (8, 64)
    assert np.count_nonzero(plan.params.W[0]) == 8 * 64
    assert np.abs(plan.params.W[0]).max() <= np.sqrt(6.0 / (64 + 8))
    assert plan.params.W[2].shape == (10, 8)
    np.testing.assert_array_equal(plan.params.b[2], np.zeros(10))
    # The original is untouched, and the new network runs on the data.
    assert params.W[0].shape == (8, 2)
    A = forward(plan.spec, plan.params, data.X).output
    np.testing.assert_allclose(A.sum(axis=1), 1.0, rtol=0, atol=1e-12)


def test_keeping_the_output_only_resizes() -> None:
    spec, params = _net([2, 4, 1])
    plan = fit_to_dataset(spec, params, blobs(60, 3), np.random.default_rng(1), False)
    assert plan.spec.layer_sizes == (2, 4, 3)
    assert plan.spec.activations == spec.activations
    assert plan.spec.loss == spec.loss
    np.testing.assert_array_equal(plan.params.W[0], params.W[0])  # input size unchanged
    assert plan.changes == ("outputs 1 → 3",)


def test_regression_switches_cost_and_activation_together() -> None:
    # sigmoid + cross-entropy -> linear + squared error: each alone would be invalid.
    spec, params = _net([2, 4, 1])
    plan = fit_to_dataset(spec, params, sine(20), np.random.default_rng(0))
    assert plan.spec.layer_sizes == (1, 4, 1)
    assert plan.spec.activations[-1] == "linear"
    assert plan.spec.loss == "squared_error"
    assert "cost cross-entropy → squared error" in plan.changes
    np.testing.assert_array_equal(plan.params.W[1], params.W[1])


def test_note_chain_to_xor() -> None:
    project = Project.note_example()
    plan = fit_to_dataset(project.spec, project.params, xor(40), np.random.default_rng(0))
    assert plan.spec.layer_sizes == (2, 1, 1, 1)
    np.testing.assert_array_equal(plan.params.W[1], project.params.W[1])
    np.testing.assert_array_equal(plan.params.W[2], project.params.W[2])
    assert suggests_other_output(project.spec, xor(40))


def test_single_layer_network_resized_at_both_ends() -> None:
    spec, params = _net([2, 1])
    plan = fit_network(spec, params, 5, 3, np.random.default_rng(0), "softmax", "cross_entropy")
    assert plan.spec.layer_sizes == (5, 3)
    assert plan.params.W[0].shape == (3, 5)
    assert plan.params.b[0].shape == (3,)


def test_deterministic_for_a_seed() -> None:
    spec, params = _net([2, 8, 1])
    a = fit_to_dataset(spec, params, digits(50, seed=0), np.random.default_rng(7))
    b = fit_to_dataset(spec, params, digits(50, seed=0), np.random.default_rng(7))
    assert a.params.allclose(b.params)


@pytest.mark.parametrize(
    ("n_in", "n_out", "act", "loss", "message"),
    [
        (MAX_LAYER_SIZE + 1, 1, None, None, "neurons"),
        (2, 1, "softmax", "cross_entropy", "softmax output needs at least two"),
        (2, 2, "linear", "cross_entropy", "cannot use a linear output"),
    ],
)
def test_impossible_fits_say_why(n_in, n_out, act, loss, message) -> None:
    spec, params = _net([2, 4, 1])
    with pytest.raises(BPStudioError, match=message):
        fit_network(spec, params, n_in, n_out, np.random.default_rng(0), act, loss)
