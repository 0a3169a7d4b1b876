"""The readout: every neuron's z, a, σ'(z), ∂C/∂a, ∂C/∂z, ∂C/∂b and every parameter's value
and gradient, for one example and for the batch average, against backprop computed another
way (one example at a time) and against central finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpstudio.core.engine.address import ParamRef, param_refs
from bpstudio.core.engine.backprop import backward, cost, forward, gradients, per_example_gradients
from bpstudio.core.engine.network import NetworkSpec, Params, initialize
from bpstudio.core.engine.readout import readout
from bpstudio.core.errors import BPStudioError

EPS = 1e-6

#: (hidden activation, output activation, cost): every elementwise kind and the fused cases.
NETWORKS = [
    ("sigmoid", "sigmoid", "squared_error"),
    ("tanh", "linear", "mse"),
    ("leaky_relu", "sigmoid", "cross_entropy"),
    ("tanh", "softmax", "cross_entropy"),
]


def _batch(spec: NetworkSpec, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    X = rng.normal(size=(n, spec.input_size))
    if spec.loss == "cross_entropy":
        if spec.output_activation.elementwise:
            Y = (rng.random((n, spec.output_size)) < 0.5).astype(float)
        else:
            Y = np.eye(spec.output_size)[rng.integers(spec.output_size, size=n)]
    else:
        Y = rng.normal(size=(n, spec.output_size))
    return X, Y


def _numeric(
    spec: NetworkSpec, params: Params, X: np.ndarray, Y: np.ndarray, ref: ParamRef
) -> float:
    p = params.copy()
    original = ref.get(p)
    ref.set(p, original + EPS)
    c_plus = cost(spec, p, X, Y)
    ref.set(p, original - EPS)
    c_minus = cost(spec, p, X, Y)
    return (c_plus - c_minus) / (2 * EPS)


@settings(max_examples=25, deadline=None)
@given(
    network=st.sampled_from(NETWORKS),
    hidden=st.lists(st.integers(1, 4), min_size=0, max_size=2),
    d0=st.integers(1, 3),
    n_out=st.integers(2, 3),
    n=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_readout_agrees_with_backprop_one_example_at_a_time(
    network: tuple[str, str, str], hidden: list[int], d0: int, n_out: int, n: int, seed: int
) -> None:
    act, out, loss = network
    spec = NetworkSpec.build([d0, *hidden, n_out], act, out, loss)
    rng = np.random.default_rng(seed)
    params = initialize(spec, "xavier", rng)
    X, Y = _batch(spec, rng, n)
    trace = forward(spec, params, X)
    grads = backward(spec, params, trace, Y, input_gradient=True)
    dW_k, db_k, _ = per_example_gradients(spec, params, X, Y)
    L = spec.n_layers

    # One example k: the numbers of its own cost C_k, as if it were the whole batch.
    for k in range(n):
        r = readout(spec, params, trace, grads, example=k)
        alone = forward(spec, params, X[k : k + 1])
        alone_grads = backward(spec, params, alone, Y[k : k + 1], input_gradient=True)
        assert r.dC_da is not None
        assert r.dC_dz is not None
        assert r.dW is not None
        for l in range(L + 1):
            np.testing.assert_allclose(r.a[l], alone.A[l][0], rtol=1e-12, atol=1e-14)
            dA = alone_grads.dA[l]
            assert dA is not None
            np.testing.assert_allclose(r.dC_da[l], dA[0], rtol=1e-9, atol=1e-12)
        for l in range(1, L + 1):
            np.testing.assert_allclose(r.z[l - 1], alone.Z[l - 1][0], rtol=1e-12, atol=1e-14)
            slope = spec.activation(l).derivative(alone.Z[l - 1], alone.A[l])[0]
            np.testing.assert_allclose(r.slope[l - 1], slope, rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(
                r.dC_dz[l - 1], alone_grads.dZ[l - 1][0], rtol=1e-9, atol=1e-12
            )
            np.testing.assert_allclose(r.dW[l - 1], dW_k[l - 1][k], rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(r.dC_dz[l - 1], db_k[l - 1][k], rtol=1e-9, atol=1e-12)

    # The batch average: the engine's ∇C and the mean of the per-example terms.
    avg = readout(spec, params, trace, grads, example=None)
    assert avg.dC_da is not None
    assert avg.dC_dz is not None
    for l in range(1, L + 1):
        np.testing.assert_allclose(avg.z[l - 1], trace.Z[l - 1].mean(axis=0), rtol=1e-12)
        np.testing.assert_allclose(avg.dC_dz[l - 1], grads.db[l - 1], rtol=1e-12, atol=1e-15)
        per_example = [readout(spec, params, trace, grads, k).dC_da for k in range(n)]
        mean_k = np.mean([terms[l] for terms in per_example if terms is not None], axis=0)
        np.testing.assert_allclose(avg.dC_da[l], mean_k, rtol=1e-9, atol=1e-13)
    for ref in param_refs(spec):
        p = avg.parameter(ref)
        assert p.value == ref.get(params)
        assert p.gradient == pytest.approx(ref.get(grads.as_params()), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("act", "out", "loss"), NETWORKS)
def test_readout_gradients_agree_with_finite_differences(act: str, out: str, loss: str) -> None:
    spec = NetworkSpec.build([2, 3, 2], act, out, loss)
    rng = np.random.default_rng(7)
    params = initialize(spec, "xavier", rng)
    X, Y = _batch(spec, rng, 4)
    trace = forward(spec, params, X)
    grads = backward(spec, params, trace, Y)
    avg = readout(spec, params, trace, grads, example=None)
    first = readout(spec, params, trace, grads, example=0)
    for ref in param_refs(spec):
        batch_gradient = avg.parameter(ref).gradient
        example_gradient = first.parameter(ref).gradient
        assert batch_gradient is not None
        assert example_gradient is not None
        assert batch_gradient == pytest.approx(
            _numeric(spec, params, X, Y, ref), rel=1e-6, abs=1e-9
        )
        alone = _numeric(spec, params, X[:1], Y[:1], ref)
        assert example_gradient == pytest.approx(alone, rel=1e-6, abs=1e-9)
    # σ'(z) is the slope of the activation where the example sits (elementwise layers).
    for l in range(1, spec.n_layers + 1):
        f = spec.activation(l)
        if not f.elementwise:
            continue
        z = first.z[l - 1]
        numeric = (f.forward(z[None, :] + EPS) - f.forward(z[None, :] - EPS))[0] / (2 * EPS)
        np.testing.assert_allclose(first.slope[l - 1], numeric, rtol=1e-6, atol=1e-9)


def test_the_notes_worked_example() -> None:
    """docs/calculus.md: w = (0.5, −1.2, 0.8), b = (0.1, 0.3, −0.4), x = 1, y = 0.25."""
    spec = NetworkSpec.build([1, 1, 1, 1])
    params = Params(
        [np.array([[0.5]]), np.array([[-1.2]]), np.array([[0.8]])],
        [np.array([0.1]), np.array([0.3]), np.array([-0.4])],
    )
    X, Y = np.array([[1.0]]), np.array([[0.25]])
    trace = forward(spec, params, X)
    r = readout(spec, params, trace, gradients(spec, params, X, Y), example=0)
    z = [0.600000000000, -0.474787567471, -0.093213025301]
    a = [0.645656306226, 0.383483718374, 0.476713601882]
    dw = [-5.873451416921e-03, 1.381298138906e-02, 4.337619893857e-02]
    db = [-5.873451416921e-03, 2.139370630453e-02, 1.131109271665e-01]
    for l in range(1, 4):
        neuron = r.neuron(l, 0)
        assert neuron.z == pytest.approx(z[l - 1], abs=1e-12)
        assert neuron.a == pytest.approx(a[l - 1], abs=1e-12)
        assert neuron.slope == pytest.approx(a[l - 1] * (1 - a[l - 1]), abs=1e-12)
        assert neuron.dC_db == pytest.approx(db[l - 1], abs=1e-12)
        assert r.parameter(ParamRef.weight(l, 0, 0)).gradient == pytest.approx(dw[l - 1], abs=1e-12)
    assert r.neuron(3, 0).dC_da == pytest.approx(2 * (a[2] - 0.25), abs=1e-12)


def test_before_backward_there_are_no_gradients_and_the_input_has_no_z() -> None:
    spec = NetworkSpec.build([2, 2, 1])
    params = initialize(spec, "xavier", 0)
    X = np.array([[0.5, -1.0], [1.0, 2.0]])
    r = readout(spec, params, forward(spec, params, X), None, example=1)
    assert not r.has_gradients
    neuron = r.neuron(1, 0)
    assert neuron.dC_da is None
    assert neuron.dC_db is None
    assert r.parameter(ParamRef.bias(1, 0)).gradient is None
    x = r.neuron(0, 1)
    assert x.a == 2.0
    assert x.z is None
    with pytest.raises(BPStudioError):
        readout(spec, params, forward(spec, params, X), None, example=2)
    with pytest.raises(BPStudioError):
        r.neuron(2, 1)
