"""The cost slice C(w): it passes through the current cost, its tangent's slope is the
engine's gradient, and its central differences are ∂C/∂w; the broadcast evaluation of K
values equals K ordinary forward passes."""

from __future__ import annotations

import numpy as np
import pytest

from bpstudio.core.engine.address import ParamRef, param_refs
from bpstudio.core.engine.backprop import cost, gradients
from bpstudio.core.engine.network import NetworkSpec, initialize
from bpstudio.core.engine.slice import compute_slice, cost_slice, slice_range, subsample
from bpstudio.core.errors import BPStudioError

NETWORKS = [
    NetworkSpec.build([1, 1, 1, 1], "sigmoid"),
    NetworkSpec.build([3, 4, 2], "tanh", "linear", "mse"),
    NetworkSpec.build([2, 5, 3], "relu", "softmax", "cross_entropy"),
    NetworkSpec.build([2, 3, 1], "leaky_relu", "sigmoid", "cross_entropy"),
]


def _batch(spec: NetworkSpec, n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, spec.input_size))
    if spec.loss == "cross_entropy" and spec.output_size > 1:
        Y = np.eye(spec.output_size)[rng.integers(spec.output_size, size=n)]
    elif spec.loss == "cross_entropy":
        Y = (rng.random((n, 1)) < 0.5).astype(float)
    else:
        Y = rng.normal(size=(n, spec.output_size))
    return X, Y


@pytest.mark.parametrize("spec", NETWORKS, ids=lambda s: s.describe())
def test_slice_equals_one_forward_pass_per_value(spec: NetworkSpec) -> None:
    params = initialize(spec, "xavier", 3)
    X, Y = _batch(spec, 7)
    for ref in param_refs(spec):
        values = np.array([-1.5, -0.2, 0.0, 0.7, 2.0])
        expected = []
        for v in values:
            moved = params.copy()
            ref.set(moved, v)
            expected.append(cost(spec, moved, X, Y))
        np.testing.assert_allclose(
            cost_slice(spec, params, X, Y, ref, values), expected, rtol=1e-12, atol=1e-14
        )


@pytest.mark.parametrize("spec", NETWORKS, ids=lambda s: s.describe())
def test_tangent_passes_through_the_cost_with_the_engines_slope(spec: NetworkSpec) -> None:
    params = initialize(spec, "xavier", 4)
    X, Y = _batch(spec, 9)
    grads = gradients(spec, params, X, Y)
    for ref in param_refs(spec):
        s = compute_slice(spec, params, X, Y, ref, points=41)
        assert s.gradient == ref.get(grads.as_params())
        np.testing.assert_allclose(s.cost, grads.cost, rtol=1e-14)
        # The slice passes through the current point: the middle value is the current one.
        middle = len(s.values) // 2
        assert s.values[middle] == s.value == ref.get(params)
        np.testing.assert_allclose(s.costs[middle], s.cost, rtol=1e-12)
        assert s.tangent(np.array([s.value]))[0] == s.cost


@pytest.mark.parametrize("spec", NETWORKS, ids=lambda s: s.describe())
def test_central_differences_of_the_slice_are_the_gradient(spec: NetworkSpec) -> None:
    params = initialize(spec, "xavier", 5)
    X, Y = _batch(spec, 6)
    grads = gradients(spec, params, X, Y)
    h = 1e-5
    for ref in param_refs(spec):
        w = ref.get(params)
        c_minus, c_plus = cost_slice(spec, params, X, Y, ref, np.array([w - h, w + h]))
        np.testing.assert_allclose(
            (c_plus - c_minus) / (2 * h), ref.get(grads.as_params()), rtol=1e-5, atol=1e-8
        )


def test_a_large_batch_is_subsampled_evenly_and_says_so() -> None:
    spec = NETWORKS[1]
    params = initialize(spec, "xavier", 6)
    X, Y = _batch(spec, 1000)
    ref = ParamRef.weight(1, 2, 0)
    s = compute_slice(spec, params, X, Y, ref, max_examples=100)
    assert (s.n_examples, s.n_total, s.subsampled) == (100, 1000, True)
    rows = subsample(1000, 100)
    assert rows is not None
    assert (rows[0], rows[-1]) == (0, 999)
    grads = gradients(spec, params, X[rows], Y[rows])
    assert s.gradient == ref.get(grads.as_params())
    assert not compute_slice(spec, params, X, Y, ref, max_examples=None).subsampled


def test_range_is_centred_on_the_value_and_reaches_one_either_side() -> None:
    values = slice_range(0.25, 10)  # even counts become odd: the value is a point
    assert len(values) == 11
    assert values[5] == 0.25
    np.testing.assert_allclose([values[0], values[-1]], [-0.75, 1.25])
    np.testing.assert_allclose(slice_range(-3.0, 5)[[0, -1]], [-6.0, 0.0])
    with pytest.raises(BPStudioError, match="at least 3"):
        slice_range(0.0, 2)


def test_a_parameter_the_network_lacks_is_refused() -> None:
    spec = NETWORKS[0]
    X, Y = _batch(spec, 3)
    with pytest.raises(BPStudioError, match="no parameter W2"):
        cost_slice(spec, initialize(spec), X, Y, ParamRef.weight(2, 0, 4), np.zeros(3))
