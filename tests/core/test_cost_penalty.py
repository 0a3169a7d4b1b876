"""With L1/L2 on, the cost the trainer reports, records and saves is
C = C_data + (λ₂/2) Σ w² + λ₁ Σ |w| (weights only), and C_data is recorded beside it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bpstudio.core.data.datasets import Dataset
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.backprop import cost as data_cost
from bpstudio.core.engine.backprop import gradients
from bpstudio.core.engine.gradcheck import gradient_check, relative_error
from bpstudio.core.engine.network import NetworkSpec, Params, initialize
from bpstudio.core.engine.optim import add_penalty_gradient, cost_formula, penalty
from bpstudio.core.files.project import Project
from bpstudio.core.training.hyperparams import Hyperparameters
from bpstudio.core.training.trainer import Trainer

L1, L2 = 3e-3, 2e-2


def _trainer(l1: float = L1, l2: float = L2, validation: bool = True) -> Trainer:
    rng = np.random.default_rng(4)
    spec = NetworkSpec.build([2, 4, 1], "tanh", "sigmoid", "squared_error")
    X = rng.normal(size=(30, 2))
    Y = (X[:, :1] * X[:, 1:] > 0).astype(float)
    data = Dataset(X[:20], Y[:20], "classification", "quadrants")
    held = Dataset(X[20:], Y[20:], "classification", "quadrants") if validation else None
    hp = Hyperparameters(learning_rate=0.3, batch_size=5, l1=l1, l2=l2)
    return Trainer(spec, initialize(spec, "xavier", 1), data, held, hp)


def _by_hand(params: Params, l1: float, l2: float) -> float:
    """The penalty written out: biases are not penalised."""
    weights = np.concatenate([W.ravel() for W in params.W])
    return 0.5 * l2 * float(np.sum(weights**2)) + l1 * float(np.sum(np.abs(weights)))


def test_the_batch_cost_includes_the_penalty() -> None:
    t = _trainer()
    before = t.params.copy()
    t.forward()
    grads = t.backward()
    assert t.data_cost == grads.cost
    assert t.cost == pytest.approx(grads.cost + _by_hand(before, L1, L2), rel=1e-14)
    assert penalty(before, L1, L2) == pytest.approx(_by_hand(before, L1, L2), rel=1e-14)
    reported = t.update()
    assert reported == t.cost
    step, value = t.history["batch_cost"].last  # type: ignore[misc]
    assert (step, value) == (1, t.cost)
    assert t.history["batch_data_cost"].last == (1, grads.cost)


def test_the_gradient_is_the_gradient_of_that_cost() -> None:
    """Central differences of C = C_data + penalty agree with the step the optimiser takes
    (the L2 convention: λ₂ w on the weights only; L1's subgradient λ₁ sign(w))."""
    t = _trainer(validation=False)
    spec, params, X, Y = t.spec, t.params.copy(), t.X, t.Y
    grads = gradients(spec, params, X, Y)
    h = 1e-6
    vector = params.vector()
    numeric = np.empty_like(vector)
    for i in range(vector.size):
        up, down = vector.copy(), vector.copy()
        up[i] += h
        down[i] -= h
        p_up, p_down = Params.from_vector(spec, up), Params.from_vector(spec, down)
        c_up = data_cost(spec, p_up, X, Y) + penalty(p_up, L1, L2)
        c_down = data_cost(spec, p_down, X, Y) + penalty(p_down, L1, L2)
        numeric[i] = (c_up - c_down) / (2 * h)
    analytic = add_penalty_gradient(params, grads.as_params(), L1, L2).vector()
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def test_evaluations_report_both_terms_and_record_them() -> None:
    t = _trainer()
    t.train_steps(8)
    e = t.evaluate()
    p = _by_hand(t.params, L1, L2)
    assert e.train_data_cost == pytest.approx(data_cost(t.spec, t.params, t.X, t.Y), rel=1e-14)
    assert e.train_cost == pytest.approx(e.train_data_cost + p, rel=1e-14)
    assert e.validation_cost == pytest.approx(e.validation_data_cost + p, rel=1e-14)
    for name, value in (
        ("train_cost", e.train_cost),
        ("train_data_cost", e.train_data_cost),
        ("validation_cost", e.validation_cost),
        ("validation_data_cost", e.validation_data_cost),
    ):
        assert t.history[name].last == (8, value)


def test_without_a_penalty_c_is_c_data_and_no_data_series_is_kept() -> None:
    t = _trainer(l1=0.0, l2=0.0)
    t.train_steps(4)
    e = t.evaluate()
    assert e.train_cost == e.train_data_cost
    assert t.cost == t.data_cost
    for name in ("batch_data_cost", "train_data_cost", "validation_data_cost"):
        assert t.history[name].count == 0
    assert "batch_data_cost" not in t.history.to_dict()


def test_the_history_of_both_terms_is_saved(tmp_path: Path) -> None:
    t = _trainer()
    t.train_steps(6)
    t.evaluate()
    project = Project(t.spec, t.params.copy(), hyperparameters=t.hyperparameters)
    project.history = t.history.copy()
    project.save(tmp_path / "p.bpstudio")
    loaded = Project.load(tmp_path / "p.bpstudio").history
    for name in ("batch_cost", "batch_data_cost", "train_cost", "train_data_cost"):
        np.testing.assert_array_equal(loaded[name].data()[1], t.history[name].data()[1])
    x, c = loaded["batch_cost"].data()
    _, c_data = loaded["batch_data_cost"].data()
    assert np.all(c > c_data)


@pytest.mark.parametrize(
    ("l1", "l2", "text"),
    [
        (0.0, 0.0, "C = C_data"),
        (0.0, 0.01, "C = C_data + (λ₂/2) Σ w² with λ₂ = 0.01"),
        (0.001, 0.0, "C = C_data + λ₁ Σ |w| with λ₁ = 0.001"),
        (0.5, 0.25, "C = C_data + (λ₂/2) Σ w² + λ₁ Σ |w| with λ₂ = 0.25, λ₁ = 0.5"),
    ],
)
def test_cost_formula_names_what_c_contains(l1: float, l2: float, text: str) -> None:
    assert cost_formula(l1, l2) == text


# -- the gradient check checks the whole C ----------------------------------------------------


def _check_case() -> tuple[NetworkSpec, Params, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    spec = NetworkSpec.build([2, 3, 2], "tanh", "sigmoid", "squared_error")
    X = rng.normal(size=(12, 2))
    Y = rng.uniform(size=(12, 2))
    return spec, initialize(spec, "xavier", 3), X, Y


@pytest.mark.parametrize(("l1", "l2"), [(0.0, 0.1), (0.05, 0.0), (0.05, 0.1)])
def test_the_gradient_check_passes_on_the_penalised_cost(l1: float, l2: float) -> None:
    spec, params, X, Y = _check_case()
    result = gradient_check(spec, params, X, Y, l1=l1, l2=l2)
    assert result.cost_formula == cost_formula(l1, l2)
    assert result.penalised
    assert result.at_kink == ()
    assert len(result.checks) == spec.parameter_count
    assert result.passed(), result.worst
    # The numeric side is the slope of the whole C: the data term's gradient alone fails.
    data_only = gradients(spec, params, X, Y).as_params()
    weights = [c for c in result.checks if c.ref.kind == "w"]
    worst_data_only = max(relative_error(c.ref.get(data_only), c.numeric) for c in weights)
    assert worst_data_only > 1e-3
    # Biases are not penalised: there the data term's gradient is the whole gradient.
    for c in result.checks:
        if c.ref.kind == "b":
            assert c.backprop == pytest.approx(c.ref.get(data_only), rel=1e-12, abs=1e-15)


def test_the_gradient_check_without_a_penalty_checks_c_data() -> None:
    spec, params, X, Y = _check_case()
    result = gradient_check(spec, params, X, Y)
    assert result.cost_formula == "C = C_data"
    assert not result.penalised
    data_only = gradients(spec, params, X, Y).as_params()
    for c in result.checks:
        assert c.backprop == c.ref.get(data_only)


def test_weights_at_l1s_kink_are_listed_not_checked() -> None:
    """A weight with |w| < ε is differenced across |w|'s kink at 0: it is skipped and named;
    one 2ε away is checked, and passes (|w| is linear on its side)."""
    spec, params, X, Y = _check_case()
    eps = 1e-6
    at_zero, inside = ParamRef.weight(1, 0, 0), ParamRef.weight(2, 1, 2)
    outside = ParamRef.weight(1, 2, 1)
    at_zero.set(params, 0.0)
    inside.set(params, 0.5 * eps)
    outside.set(params, 2.0 * eps)
    result = gradient_check(spec, params, X, Y, epsilon=eps, l1=0.05)
    assert set(result.at_kink) == {at_zero, inside}
    assert "2 weights with |w| < ε not checked" in result.kink_note
    checked = {c.ref for c in result.checks}
    assert at_zero not in checked
    assert inside not in checked
    assert outside in checked
    assert result.passed(), result.worst
    # Why: across the kink the central difference sees half of λ₁ sign(w).
    g = add_penalty_gradient(params, gradients(spec, params, X, Y).as_params(), 0.05, 0.0)

    def whole(value: float) -> float:
        p = params.copy()
        inside.set(p, value)
        return data_cost(spec, p, X, Y) + penalty(p, 0.05, 0.0)

    numeric = (whole(1.5 * eps) - whole(-0.5 * eps)) / (2 * eps)
    assert relative_error(inside.get(g), numeric) > 1e-2
    without_l1 = gradient_check(spec, params, X, Y, epsilon=eps)
    assert without_l1.at_kink == ()
    assert without_l1.kink_note == ""
