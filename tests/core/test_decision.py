"""The decision grid and response curve equal the engine's forward pass."""

from __future__ import annotations

import numpy as np
import pytest

from bpstudio.core.engine.backprop import forward
from bpstudio.core.engine.decision import (
    class_and_confidence,
    decision_grid,
    grid_points,
    padded_range,
    response_curve,
)
from bpstudio.core.engine.network import NetworkSpec, initialize
from bpstudio.core.errors import BPStudioError


@pytest.mark.parametrize(
    ("sizes", "output", "loss"),
    [
        ([2, 8, 8, 1], "sigmoid", "cross_entropy"),
        ([2, 5, 3], "softmax", "cross_entropy"),
        ([2, 6, 1], "linear", "squared_error"),
    ],
)
def test_grid_equals_forward_pass(sizes, output, loss) -> None:
    spec = NetworkSpec.build(sizes, "tanh", output, loss)
    params = initialize(spec, "normal", 4)
    xs, ys, values = decision_grid(spec, params, (-1.5, 2.0), (-1.0, 0.5), resolution=17)
    np.testing.assert_array_equal(xs, np.linspace(-1.5, 2.0, 17))
    np.testing.assert_array_equal(ys, np.linspace(-1.0, 0.5, 17))
    for i in (0, 5, 16):
        for j in (0, 9, 16):
            A = forward(spec, params, np.array([[xs[j], ys[i]]])).output[0]
            expected = A[0] if spec.output_size == 1 else A
            np.testing.assert_allclose(values[i, j], expected, rtol=1e-12, atol=1e-14)
    # The whole grid at once, in grid_points' order.
    A = forward(spec, params, grid_points((-1.5, 2.0), (-1.0, 0.5), 17)).output
    np.testing.assert_allclose(values.reshape(17 * 17, -1), A, rtol=1e-12, atol=1e-14)


def test_default_resolution_and_softmax_classes() -> None:
    spec = NetworkSpec.build([2, 4, 3], "relu", "softmax", "cross_entropy")
    params = initialize(spec, "xavier", 0)
    xs, ys, values = decision_grid(spec, params, (-1, 1), (-1, 1))
    assert values.shape == (64, 64, 3)
    np.testing.assert_allclose(values.sum(axis=2), 1.0, rtol=0, atol=1e-12)
    labels, confidence = class_and_confidence(values)
    np.testing.assert_array_equal(labels, values.argmax(axis=2))
    assert (confidence >= 1 / 3 - 1e-12).all()


def test_response_curve_equals_forward_pass() -> None:
    spec = NetworkSpec.build([1, 16, 1], "tanh", "linear", "squared_error")
    params = initialize(spec, "xavier", 2)
    xs, A = response_curve(spec, params, (-1, 1), 33)
    np.testing.assert_allclose(A, forward(spec, params, xs[:, None]).output, rtol=1e-12)


def test_wrong_shapes_and_ranges_are_refused() -> None:
    spec = NetworkSpec.build([3, 2, 1], "tanh", "sigmoid", "cross_entropy")
    params = initialize(spec, "xavier", 0)
    with pytest.raises(BPStudioError, match="2 inputs"):
        decision_grid(spec, params, (0, 1), (0, 1))
    with pytest.raises(BPStudioError, match="1 input"):
        response_curve(spec, params, (0, 1))
    spec2 = NetworkSpec.build([2, 1], "sigmoid")
    with pytest.raises(BPStudioError, match="low < high"):
        decision_grid(spec2, initialize(spec2), (1, 0), (0, 1))
    with pytest.raises(BPStudioError, match="resolution"):
        decision_grid(spec2, initialize(spec2), (0, 1), (0, 1), resolution=1)


def test_padded_range() -> None:
    assert padded_range(np.array([0.0, 1.0]), 0.1) == pytest.approx((-0.1, 1.1))
    lo, hi = padded_range(np.array([2.0, 2.0]))
    assert lo < 2.0 < hi
    assert padded_range(np.array([])) == (-1.0, 1.0)


def test_neuron_grid_is_the_hidden_activation_of_the_forward_pass() -> None:
    from bpstudio.core.engine.backprop import forward
    from bpstudio.core.engine.decision import grid_points, neuron_grid
    from bpstudio.core.engine.network import NetworkSpec, initialize

    spec = NetworkSpec.build([2, 3, 1], "tanh", "sigmoid", "cross_entropy")
    params = initialize(spec, "normal", 4)
    values = neuron_grid(spec, params, 1, 2, (-1.0, 2.0), (-3.0, 1.0), resolution=9)
    expected = forward(spec, params, grid_points((-1.0, 2.0), (-3.0, 1.0), 9)).A[1][:, 2]
    np.testing.assert_allclose(values, expected.reshape(9, 9), rtol=0, atol=1e-15)
    with pytest.raises(BPStudioError, match="no neuron"):
        neuron_grid(spec, params, 1, 3, (-1.0, 1.0), (-1.0, 1.0))


def test_layer_grids_are_every_neurons_grid_from_one_pass() -> None:
    from bpstudio.core.engine.decision import layer_grids, neuron_grid
    from bpstudio.core.engine.network import NetworkSpec, initialize

    spec = NetworkSpec.build([2, 4, 3, 1], "tanh", "sigmoid", "cross_entropy")
    params = initialize(spec, "normal", 7)
    grids = layer_grids(spec, params, (-1.0, 2.0), (-3.0, 1.0), resolution=6)
    assert [g.shape for g in grids] == [(6, 6, 4), (6, 6, 3), (6, 6, 1)]
    for l, grid in enumerate(grids, start=1):
        for j in range(grid.shape[2]):
            one = neuron_grid(spec, params, l, j, (-1.0, 2.0), (-3.0, 1.0), resolution=6)
            np.testing.assert_allclose(grid[:, :, j], one, rtol=0, atol=1e-15)
    one_input = NetworkSpec.build([1, 2, 1], "tanh", "sigmoid", "cross_entropy")
    with pytest.raises(BPStudioError, match="2 inputs"):
        layer_grids(one_input, initialize(one_input, "normal", 0), (0.0, 1.0), (0.0, 1.0))
