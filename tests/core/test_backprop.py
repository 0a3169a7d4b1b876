"""Backpropagation against the note's worked example, finite differences and a scalar reference.

The checks of docs/calculus.md §8: the worked example to 1e-12, central differences within
a relative error of 1e-6 for every activation and cost on random small networks, and
per-example gradients that average to the batch gradient. On top: the vectorised engine equals a
micrograd-style scalar reference (``scalar_reference.py``), saturated inputs stay finite,
float32 runs, shape errors are explained, and the chain-rule panel's terms multiply and sum
to the engine's numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scalar_reference import Value, network_reference

from bpstudio.core.engine.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.backprop import (
    backward,
    check_batch,
    cost,
    forward,
    gradients,
    per_example_gradients,
    predict,
)
from bpstudio.core.engine.chain import activation_paths, chain_terms
from bpstudio.core.engine.gradcheck import gradient_check
from bpstudio.core.engine.losses import LOSSES
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.errors import BPStudioError

PROPERTY = settings(max_examples=80, deadline=None)
QUICK_PROPERTY = settings(max_examples=40, deadline=None)

#: Every (output activation, cost) pair the engine accepts.
OUTPUT_COSTS: tuple[tuple[str, str], ...] = (
    *((out, "squared_error") for out in ACTIVATIONS),
    *((out, "mse") for out in ACTIVATIONS),
    ("sigmoid", "cross_entropy"),
    ("softmax", "cross_entropy"),
)
KINKED = {"relu", "leaky_relu"}


def test_the_tests_cover_every_activation_and_cost() -> None:
    # A new activation or cost must be added to the reference and to OUTPUT_COSTS.
    assert set(ACTIVATIONS) == {"sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax"}
    assert set(HIDDEN_ACTIVATIONS) == set(ACTIVATIONS) - {"softmax"}
    assert set(LOSSES) == {"squared_error", "mse", "cross_entropy"}
    for out, loss in OUTPUT_COSTS:
        NetworkSpec.build([2, 2], out, loss=loss)  # every listed pair is accepted
    for out in set(ACTIVATIONS) - {"sigmoid", "softmax"}:
        with pytest.raises(BPStudioError, match="cross_entropy needs"):
            NetworkSpec.build([2, 2], out, loss="cross_entropy")


# -- the worked example of docs/calculus.md §5 ------------------------------------------------

NOTE_SPEC = NetworkSpec.build([1, 1, 1, 1], "sigmoid", loss="squared_error")
NOTE_X = np.array([[1.0]])
NOTE_Y = np.array([[0.25]])
NOTE_TABLE = {  # layer: (z, a, dC0/dw, dC0/db), docs/calculus.md §5
    1: (0.600000000000, 0.645656306226, -5.873451416921e-03, -5.873451416921e-03),
    2: (-0.474787567471, 0.383483718374, 1.381298138906e-02, 2.139370630453e-02),
    3: (-0.093213025301, 0.476713601882, 4.337619893857e-02, 1.131109271665e-01),
}
NOTE_C0 = 0.051399057279


def note_params() -> Params:
    return Params(
        [np.array([[0.5]]), np.array([[-1.2]]), np.array([[0.8]])],
        [np.array([0.1]), np.array([0.3]), np.array([-0.4])],
    )


def test_worked_example_matches_the_table_to_1e_12() -> None:
    params = note_params()
    trace = forward(NOTE_SPEC, params, NOTE_X)
    grads = backward(NOTE_SPEC, params, trace, NOTE_Y)
    for l, (z, a, dw, db) in NOTE_TABLE.items():
        np.testing.assert_allclose(trace.Z[l - 1], [[z]], rtol=0, atol=1e-12)
        np.testing.assert_allclose(trace.A[l], [[a]], rtol=0, atol=1e-12)
        np.testing.assert_allclose(grads.dW[l - 1], [[dw]], rtol=0, atol=1e-12)
        np.testing.assert_allclose(grads.db[l - 1], [db], rtol=0, atol=1e-12)
    assert grads.cost == pytest.approx(NOTE_C0, rel=0, abs=1e-12)
    assert cost(NOTE_SPEC, params, NOTE_X, NOTE_Y) == pytest.approx(NOTE_C0, rel=0, abs=1e-12)
    # ∇C in the note's order: [∂C/∂w1, ∂C/∂b1, ..., ∂C/∂w3, ∂C/∂b3]
    expected = [v for l in (1, 2, 3) for v in NOTE_TABLE[l][2:]]
    np.testing.assert_allclose(grads.vector(), expected, rtol=0, atol=1e-12)


def test_worked_example_as_the_notes_three_factors() -> None:
    # ∂C0/∂w^(L) = a^(L-1) · σ'(z^(L)) · 2(a^(L) - y), and one layer down with ∂C0/∂a^(L-1).
    params = note_params()
    trace = forward(NOTE_SPEC, params, NOTE_X)
    grads = backward(NOTE_SPEC, params, trace, NOTE_Y)
    a = [float(A[0, 0]) for A in trace.A]
    dC_da = 2.0 * (a[3] - 0.25)
    for l in (3, 2, 1):
        slope = a[l] * (1.0 - a[l])
        terms = chain_terms(NOTE_SPEC, params, trace, grads, l, 0, 0)
        assert terms.ref == ParamRef.weight(l, 0, 0)
        assert float(terms.dz_dparam[0]) == pytest.approx(a[l - 1], abs=1e-15)
        assert float(terms.da_dz[0]) == pytest.approx(slope, abs=1e-15)
        assert float(terms.dC_da[0]) == pytest.approx(dC_da, abs=1e-15)
        assert terms.gradient == pytest.approx(NOTE_TABLE[l][2], abs=1e-12)
        dC_da = float(params.W[l - 1][0, 0]) * slope * dC_da


# -- random small networks -----------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    spec: NetworkSpec
    params: Params
    X: np.ndarray
    Y: np.ndarray

    @property
    def n(self) -> int:
        return int(self.X.shape[0])


def make_targets(
    rng: np.random.Generator, output: str, loss: str, n: int, width: int, soft: bool
) -> np.ndarray:
    if loss == "cross_entropy" and output == "softmax":
        if soft:
            return rng.dirichlet(np.ones(width), size=n)
        return np.eye(width)[rng.integers(0, width, n)]
    if loss == "cross_entropy" or output in ("sigmoid", "softmax"):
        return rng.uniform(0.0, 1.0, (n, width)) if soft else rng.integers(0, 2, (n, width)) * 1.0
    return rng.normal(0.0, 1.0, (n, width))


@st.composite
def cases(draw: st.DrawFn, dtype: str = "float64") -> Case:
    n_layers = draw(st.integers(1, 3), label="layers")
    sizes = tuple(draw(st.lists(st.integers(1, 4), min_size=n_layers + 1, max_size=n_layers + 1)))
    hidden = draw(
        st.lists(st.sampled_from(HIDDEN_ACTIVATIONS), min_size=n_layers - 1, max_size=n_layers - 1)
    )
    output, loss = draw(st.sampled_from(OUTPUT_COSTS), label="output, cost")
    n = draw(st.integers(1, 6), label="batch")
    soft = draw(st.booleans(), label="soft targets")
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    spec = NetworkSpec(sizes, (*hidden, output), loss, dtype)
    rng = np.random.default_rng(seed)
    params = Params(
        [rng.uniform(-1.5, 1.5, w_shape) for w_shape, _ in spec.shapes()],
        [rng.uniform(-1.0, 1.0, b_shape) for _, b_shape in spec.shapes()],
    ).astype(dtype)
    X = rng.normal(0.0, 1.0, (n, sizes[0])).astype(dtype)
    Y = make_targets(rng, output, loss, n, sizes[-1], soft).astype(dtype)
    return Case(spec, params, X, Y)


def away_from_kinks(case: Case) -> bool:
    """True unless a relu/leaky_relu pre-activation sits within 1e-4 of its kink at 0."""
    trace = forward(case.spec, case.params, case.X)
    return all(
        act not in KINKED or float(np.abs(Z).min()) > 1e-4
        for act, Z in zip(case.spec.activations, trace.Z, strict=True)
    )


@PROPERTY
@given(case=cases())
def test_backprop_matches_central_differences(case: Case) -> None:
    assume(away_from_kinks(case))
    result = gradient_check(case.spec, case.params, case.X, case.Y)
    assert result.n_parameters == case.spec.parameter_count
    assert len(result.checks) == case.spec.parameter_count
    worst = result.worst
    assert result.max_relative_error < 1e-6, (
        f"{case.spec.describe()}: {worst.name} backprop {worst.backprop!r} "
        f"vs numeric {worst.numeric!r} (relative error {worst.relative_error:.2e})"
    )
    assert result.passed()


@PROPERTY
@given(case=cases())
def test_per_example_gradients_average_to_the_batch_gradient(case: Case) -> None:
    spec, params, X, Y = case.spec, case.params, case.X, case.Y
    grads = gradients(spec, params, X, Y)
    dW, db, costs = per_example_gradients(spec, params, X, Y)
    assert costs.shape == (case.n,)
    assert float(costs.mean()) == pytest.approx(grads.cost, rel=1e-12, abs=1e-14)
    for l in range(spec.n_layers):
        assert dW[l].shape == (case.n, *params.W[l].shape)
        assert db[l].shape == (case.n, *params.b[l].shape)
        np.testing.assert_allclose(dW[l].mean(axis=0), grads.dW[l], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(db[l].mean(axis=0), grads.db[l], rtol=1e-12, atol=1e-14)
    # Example k's gradient is the gradient of C_k alone: a batch of one.
    k = case.n - 1
    single = gradients(spec, params, X[k : k + 1], Y[k : k + 1])
    for l in range(spec.n_layers):
        np.testing.assert_allclose(dW[l][k], single.dW[l], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(db[l][k], single.db[l], rtol=1e-12, atol=1e-14)


@given(case=cases())
def test_engine_equals_the_scalar_reference(case: Case) -> None:
    assume(away_from_kinks(case))
    spec, params = case.spec, case.params
    grads = gradients(spec, params, case.X, case.Y)
    c, dW, db = network_reference(spec, params, case.X, case.Y)
    assert grads.cost == pytest.approx(c, rel=1e-12, abs=1e-12)
    for l in range(spec.n_layers):
        np.testing.assert_allclose(grads.dW[l], dW[l], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(grads.db[l], db[l], rtol=1e-12, atol=1e-12)


def test_scalar_reference_differentiates_its_primitives() -> None:
    # f(x, y) = x·y + e^x - log(y) + tanh(x)/y, checked against hand-written derivatives.
    x, y = Value(0.7), Value(1.9)
    f = x * y + x.exp() - y.log() + x.tanh() / y
    f.backward()
    t = np.tanh(0.7)
    assert f.data == pytest.approx(0.7 * 1.9 + np.exp(0.7) - np.log(1.9) + t / 1.9, abs=1e-15)
    assert x.grad == pytest.approx(1.9 + np.exp(0.7) + (1 - t * t) / 1.9, abs=1e-14)
    assert y.grad == pytest.approx(0.7 - 1 / 1.9 - t / 1.9**2, abs=1e-14)
    # A value used twice gets both contributions (the sum over paths).
    z = Value(-0.3)
    g = z.sigmoid() * z.sigmoid() + z.relu() + z.leaky_relu() * 2.0 + z.linear()
    g.backward()
    s = 1 / (1 + np.exp(0.3))
    assert z.grad == pytest.approx(2 * s * s * (1 - s) + 0.0 + 2 * 0.01 + 1.0, abs=1e-15)


def test_note_example_with_the_scalar_reference() -> None:
    params = note_params()
    c, dW, db = network_reference(NOTE_SPEC, params, NOTE_X, NOTE_Y)
    assert c == pytest.approx(NOTE_C0, abs=1e-12)
    for l, (_, _, dw, dbias) in NOTE_TABLE.items():
        assert dW[l - 1][0][0] == pytest.approx(dw, abs=1e-12)
        assert db[l - 1][0] == pytest.approx(dbias, abs=1e-12)


# -- saturation, float32 -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hidden", "output", "loss"),
    [
        ("sigmoid", "sigmoid", "squared_error"),
        ("sigmoid", "sigmoid", "cross_entropy"),
        ("tanh", "softmax", "cross_entropy"),
        ("sigmoid", "softmax", "squared_error"),
        ("relu", "softmax", "mse"),
    ],
)
def test_huge_pre_activations_stay_finite_without_warnings(
    hidden: str, output: str, loss: str
) -> None:
    spec = NetworkSpec.build([2, 3, 3], hidden, output, loss=loss)
    params = Params(
        [np.array([[1.0, -1.0], [-1.0, 1.0], [0.5, 0.5]]), np.array([[1000.0, -1000.0, 0.0]] * 3)],
        [np.zeros(3), np.array([0.0, -2000.0, 1000.0])],
    )
    X = np.array([[1000.0, -1000.0], [-1000.0, 1000.0], [700.0, 800.0], [-1e4, 3e3]])
    Y = np.eye(3)[[0, 1, 2, 0]]
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        trace = forward(spec, params, X)
        assert np.abs(trace.Z[-1]).max() >= 1000.0  # the output really saturates
        grads = gradients(spec, params, X, Y, input_gradient=True)
        dW, db, costs = per_example_gradients(spec, params, X, Y)
        terms = chain_terms(spec, params, trace, grads, 2, 1, 0)
        total, _ = activation_paths(spec, params, trace, grads, 2, 0)
    assert np.isfinite(grads.cost)
    assert np.isfinite(grads.vector()).all()
    assert all(np.isfinite(a).all() for a in (*dW, *db, costs, terms.per_example))
    assert np.isfinite(total)
    assert all(np.isfinite(A).all() for A in trace.A)


def test_saturated_cross_entropy_costs_are_exact() -> None:
    # -log σ(-1000) = 1000: computed from the logit, not from log(0).
    spec = NetworkSpec.build([1, 1], "sigmoid", loss="cross_entropy")
    params = Params([np.array([[1.0]])], [np.array([0.0])])
    X = np.array([[1000.0], [-1000.0], [1000.0]])
    Y = np.array([[0.0], [0.0], [1.0]])
    _, _, costs = per_example_gradients(spec, params, X, Y)
    np.testing.assert_allclose(costs, [1000.0, 0.0, 0.0], rtol=1e-15, atol=1e-300)
    soft = NetworkSpec.build([2, 2], "softmax", loss="cross_entropy")
    p2 = Params([np.eye(2)], [np.zeros(2)])
    _, _, costs2 = per_example_gradients(
        soft, p2, np.array([[1000.0, -1000.0]]), np.array([[0.0, 1.0]])
    )
    np.testing.assert_allclose(costs2, [2000.0], rtol=1e-15)


@pytest.mark.parametrize(("output", "loss"), OUTPUT_COSTS)
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
def test_float32_networks_compute_in_float32(hidden: str, output: str, loss: str) -> None:
    spec64 = NetworkSpec.build([3, 4, 3], hidden, output, loss=loss)
    spec32 = spec64.with_changes(dtype="float32")
    rng = np.random.default_rng(7)
    p64 = Params(
        [rng.uniform(-1, 1, s) for s, _ in spec64.shapes()],
        [rng.uniform(-1, 1, s) for _, s in spec64.shapes()],
    )
    X = rng.normal(size=(5, 3))
    Y = make_targets(rng, output, loss, 5, 3, soft=False)
    g64 = gradients(spec64, p64, X, Y)
    p32 = p64.astype(np.float32)
    g32 = gradients(spec32, p32, X.astype(np.float32), Y.astype(np.float32))
    trace = forward(spec32, p32, X.astype(np.float32))
    assert all(a.dtype == np.float32 for a in (*trace.Z, *trace.A))
    assert all(a.dtype == np.float32 for a in (*g32.dW, *g32.db, *g32.dZ))
    assert predict(spec32, p32, X.astype(np.float32)).dtype == np.float32
    assert g32.cost == pytest.approx(g64.cost, rel=1e-5, abs=1e-6)
    np.testing.assert_allclose(g32.vector(), g64.vector(), rtol=1e-4, atol=1e-5)


# -- errors --------------------------------------------------------------------------------


def test_shape_errors_are_explained() -> None:
    spec = NetworkSpec.build([2, 3, 1], "tanh", "sigmoid")
    params = Params([np.zeros((3, 2)), np.zeros((1, 3))], [np.zeros(3), np.zeros(1)])
    X, Y = np.zeros((4, 2)), np.zeros((4, 1))
    check_batch(spec, X, Y)
    with pytest.raises(BPStudioError, match=r"inputs have shape \(4, 3\).*expects \(n, 2\)"):
        check_batch(spec, np.zeros((4, 3)), Y)
    with pytest.raises(BPStudioError, match=r"inputs have shape \(2,\)"):
        check_batch(spec, np.zeros(2))
    with pytest.raises(BPStudioError, match=r"targets have shape \(3, 1\).*expects \(4, 1\)"):
        check_batch(spec, X, np.zeros((3, 1)))
    with pytest.raises(BPStudioError, match="expects"):
        gradients(spec, params, np.zeros((4, 3)), Y)
    with pytest.raises(BPStudioError, match="targets"):
        gradients(spec, params, X, np.zeros((4, 2)))
    with pytest.raises(BPStudioError, match="targets"):
        per_example_gradients(spec, params, X, np.zeros(4))
    with pytest.raises(BPStudioError, match="inputs"):
        cost(spec, params, np.zeros((4, 1)), Y)
    with pytest.raises(BPStudioError, match="inputs"):
        gradient_check(spec, params, np.zeros((4, 5)), Y)


def test_parameter_shape_errors_are_explained() -> None:
    spec = NetworkSpec.build([2, 3, 1], "tanh", "sigmoid")
    wrong = Params([np.zeros((2, 3)), np.zeros((1, 3))], [np.zeros(3), np.zeros(1)])
    with pytest.raises(BPStudioError, match=r"W1 has shape \(2, 3\), expected \(3, 2\)"):
        wrong.check(spec)
    with pytest.raises(BPStudioError, match="missing array 'b2'"):
        Params.from_named(spec, {"W1": np.zeros((3, 2)), "b1": np.zeros(3), "W2": np.zeros((1, 3))})
    with pytest.raises(BPStudioError, match=r"unexpected arrays \['W3'\]"):
        Params.from_named(
            spec,
            {"W1": np.zeros((3, 2)), "b1": np.zeros(3), "W2": np.zeros((1, 3)), "b2": [0.0]}
            | {"W3": np.zeros(1)},
        )
    with pytest.raises(BPStudioError, match="NaN or infinite"):
        Params.from_named(
            spec,
            {"W1": np.full((3, 2), np.nan), "b1": np.zeros(3), "W2": np.zeros((1, 3)), "b2": [0.0]},
        )
    with pytest.raises(BPStudioError, match="expected a vector of 13 parameters"):
        Params.from_vector(spec, np.zeros(12))
    assert spec.parameter_count == 13
    v = np.arange(13.0)
    assert np.array_equal(Params.from_vector(spec, v).vector(), v)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"layer_sizes": (2,), "activations": ()}, "at least an input and an output"),
        ({"layer_sizes": (2, 0, 1), "activations": ("tanh", "sigmoid")}, "at least one neuron"),
        ({"layer_sizes": (2, 3, 1), "activations": ("tanh",)}, "expected 2 activations"),
        (
            {"layer_sizes": (2, 3, 1), "activations": ("softmax", "sigmoid")},
            "only allowed on the output",
        ),
        ({"layer_sizes": (2, 1), "activations": ("swish",)}, "unknown activation 'swish'"),
        (
            {"layer_sizes": (2, 1), "activations": ("linear",), "loss": "hinge"},
            "unknown cost 'hinge'",
        ),
        ({"layer_sizes": (2, 1), "activations": ("linear",), "dtype": "float16"}, "unknown dtype"),
        (
            {"layer_sizes": (2, 1), "activations": ("tanh",), "loss": "cross_entropy"},
            "cross_entropy needs",
        ),
    ],
)
def test_invalid_specs_are_explained(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(BPStudioError, match=message):
        NetworkSpec(**kwargs)  # type: ignore[arg-type]


def test_chain_rule_indices_are_checked() -> None:
    spec = NetworkSpec.build([2, 3, 1], "tanh", "sigmoid")
    params = Params([np.ones((3, 2)), np.ones((1, 3))], [np.zeros(3), np.zeros(1)])
    X, Y = np.ones((2, 2)), np.ones((2, 1))
    trace = forward(spec, params, X)
    grads = backward(spec, params, trace, Y)
    with pytest.raises(BPStudioError, match="layer 3 does not exist"):
        chain_terms(spec, params, trace, grads, 3, 0, 0)
    with pytest.raises(BPStudioError, match="layer 2 has no neuron j=1"):
        chain_terms(spec, params, trace, grads, 2, 1, 0)
    with pytest.raises(BPStudioError, match="layer 0 has no neuron k=2"):
        chain_terms(spec, params, trace, grads, 1, 0, 2)
    with pytest.raises(BPStudioError, match="layer 1 has no neuron k=3"):
        activation_paths(spec, params, trace, grads, 2, 3)


# -- the chain-rule panel's terms ----------------------------------------------------------


@QUICK_PROPERTY
@given(case=cases())
def test_chain_terms_multiply_to_the_gradient_component(case: Case) -> None:
    spec, params, X, Y = case.spec, case.params, case.X, case.Y
    trace = forward(spec, params, X)
    grads = backward(spec, params, trace, Y)
    dW_k, db_k, _ = per_example_gradients(spec, params, X, Y)
    for layer in range(1, spec.n_layers + 1):
        elementwise = spec.activation(layer).elementwise
        for j in range(spec.layer_sizes[layer]):
            for k in (*range(spec.layer_sizes[layer - 1]), None):
                t = chain_terms(spec, params, trace, grads, layer, j, k)
                assert t.elementwise is elementwise
                if k is None:
                    assert t.is_bias
                    np.testing.assert_array_equal(t.dz_dparam, np.ones(case.n))
                    assert t.gradient == pytest.approx(grads.db[layer - 1][j], rel=1e-12, abs=1e-14)
                    np.testing.assert_allclose(
                        t.per_example, db_k[layer - 1][:, j], rtol=1e-12, atol=1e-14
                    )
                else:
                    np.testing.assert_array_equal(t.dz_dparam, trace.A[layer - 1][:, k])
                    assert t.gradient == pytest.approx(
                        grads.dW[layer - 1][j, k], rel=1e-12, abs=1e-14
                    )
                    np.testing.assert_allclose(
                        t.per_example, dW_k[layer - 1][:, j, k], rtol=1e-12, atol=1e-14
                    )
                np.testing.assert_allclose(
                    t.per_example, t.dz_dparam * t.dC_dz, rtol=1e-12, atol=1e-14
                )
                if elementwise:
                    # The note's three factors: ∂z/∂θ · σ'(z) · ∂C/∂a.
                    np.testing.assert_allclose(
                        t.per_example, t.dz_dparam * t.da_dz * t.dC_da, rtol=1e-9, atol=1e-12
                    )


@QUICK_PROPERTY
@given(case=cases())
def test_activation_paths_sum_to_the_activation_gradient(case: Case) -> None:
    spec, params, X, Y = case.spec, case.params, case.X, case.Y
    trace = forward(spec, params, X)
    grads = backward(spec, params, trace, Y, input_gradient=True)
    for layer in range(1, spec.n_layers + 1):
        dA_prev = grads.dA[layer - 1]
        assert dA_prev is not None
        W = params.W[layer - 1]
        for k in range(spec.layer_sizes[layer - 1]):
            total, terms = activation_paths(spec, params, trace, grads, layer, k)
            assert [t.j for t in terms] == list(range(spec.layer_sizes[layer]))
            assert total == pytest.approx(float(dA_prev[:, k].sum()), rel=1e-12, abs=1e-14)
            for t in terms:
                assert t.weight == W[t.j, k]
                assert t.value == pytest.approx(t.weight * t.dC_dz, rel=1e-12, abs=1e-15)
            e = case.n - 1
            total_e, terms_e = activation_paths(spec, params, trace, grads, layer, k, example=e)
            assert total_e == pytest.approx(case.n * float(dA_prev[e, k]), rel=1e-12, abs=1e-14)
            if spec.activation(layer).elementwise:
                for t in terms_e:  # one path: w_jk · σ'(z_j) · ∂C/∂a_j
                    assert t.value == pytest.approx(
                        t.weight * t.da_dz * t.dC_da, rel=1e-9, abs=1e-12
                    )


def test_softmax_output_chain_terms() -> None:
    # Softmax couples the outputs: ∂C/∂z_j ≠ σ'(z_j)·∂C/∂a_j, but dC_dz and the product hold.
    spec = NetworkSpec.build([2, 3], "softmax", loss="cross_entropy")
    params = Params(
        [np.array([[0.2, -0.4], [0.7, 0.1], [-0.3, 0.5]])], [np.array([0.1, 0.0, -0.2])]
    )
    X = np.array([[1.0, 2.0], [-0.5, 0.3]])
    Y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    trace = forward(spec, params, X)
    grads = backward(spec, params, trace, Y)
    A = trace.output
    for j in range(3):
        t = chain_terms(spec, params, trace, grads, 1, j, 1)
        assert not t.elementwise
        np.testing.assert_allclose(t.dC_dz, A[:, j] - Y[:, j], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(
            t.per_example, X[:, 1] * (A[:, j] - Y[:, j]), rtol=1e-12, atol=1e-15
        )
        assert t.gradient == pytest.approx(grads.dW[0][j, 1], rel=1e-12, abs=1e-15)
        assert not np.allclose(t.da_dz * t.dC_da, t.dC_dz)  # the coupling is real
