"""The planned step: the numbers of the reference backprop bit for bit, of the scalar
reference and of finite differences to 1e-12 and 1e-6; Trainer.train_steps through it is
step for step what train_batch gives; the history's bulk append equals appending."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scalar_reference import network_reference

from bpstudio.core.engine.activations import HIDDEN_ACTIVATIONS
from bpstudio.core.engine.backprop import Workspace, backward, cost, forward, packed_copy
from bpstudio.core.engine.network import NetworkSpec, Params, initialize
from bpstudio.core.engine.plan import StepPlan
from bpstudio.core.training.history import DecimatedSeries
from bpstudio.core.training.hyperparams import Hyperparameters
from bpstudio.core.training.snapshot import freeze_grads, freeze_trace
from bpstudio.core.training.trainer import Trainer

OUTPUTS = (
    ("sigmoid", "squared_error"),
    ("sigmoid", "mse"),
    ("linear", "mse"),
    ("tanh", "squared_error"),
    ("softmax", "cross_entropy"),
    ("sigmoid", "cross_entropy"),
)
SPECS = [
    NetworkSpec.build([3, 5, 4, 2], hidden, output, loss=loss, dtype=dtype)
    for hidden in HIDDEN_ACTIVATIONS
    for output, loss in OUTPUTS
    for dtype in ("float64", "float32")
]


@dataclass(frozen=True)
class Examples:
    X: np.ndarray
    Y: np.ndarray
    is_classification: bool = False


def batch(spec: NetworkSpec, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    Y = rng.uniform(size=(n, spec.output_size))
    if spec.activations[-1] == "softmax":
        Y /= Y.sum(axis=1, keepdims=True)
    dtype = spec.np_dtype
    return rng.normal(size=(n, spec.input_size)).astype(dtype), Y.astype(dtype)


def spec_id(spec: NetworkSpec) -> str:
    return f"{'-'.join(spec.activations)}-{spec.loss}-{spec.dtype}"


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_a_planned_step_is_the_reference_backprop_bit_for_bit(spec: NetworkSpec) -> None:
    n = 7
    theta, params = packed_copy(spec, initialize(spec, "xavier", 1))
    _, other = packed_copy(spec, initialize(spec, "xavier", 2))
    plan = StepPlan(Workspace(spec, n))
    plan.bind(params, other)
    for step in range(3):  # later steps write over the arrays of the earlier ones
        p = params if step % 2 == 0 else other
        X, Y = batch(spec, n, step)
        trace = forward(spec, p, X)
        want = backward(spec, p, trace, Y)
        c = plan.run(p, X, Y)
        got_trace, got = plan.trace(), plan.grads()
        assert c == want.cost
        assert got.cost == want.cost
        np.testing.assert_array_equal(plan.workspace.gradient, want.vector())
        for a, b in zip(
            (*got_trace.Z, *got_trace.A, *got.dW, *got.db, *got.dZ),
            (*trace.Z, *trace.A, *want.dW, *want.db, *want.dZ),
            strict=True,
        ):
            assert a.dtype == b.dtype == spec.np_dtype
            np.testing.assert_array_equal(a, b)
        assert got.dA[0] is None
        for a, b in zip(got.dA[1:], want.dA[1:], strict=True):
            np.testing.assert_array_equal(a, b)


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 4), min_size=2, max_size=4),
    hidden=st.sampled_from(("sigmoid", "tanh")),
    output_loss=st.sampled_from(OUTPUTS),
    n=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
)
def test_a_planned_step_equals_the_scalar_reference_and_finite_differences(
    sizes: list[int], hidden: str, output_loss: tuple[str, str], n: int, seed: int
) -> None:
    output, loss = output_loss
    spec = NetworkSpec.build(sizes, hidden, output, loss=loss)
    rng = np.random.default_rng(seed)
    params = Params(
        [rng.uniform(-1.5, 1.5, w) for w, _ in spec.shapes()],
        [rng.uniform(-1.0, 1.0, b) for _, b in spec.shapes()],
    )
    X, Y = batch(spec, n, seed)
    plan = StepPlan(Workspace(spec, n))
    plan.bind(params)
    c = plan.run(params, X, Y)
    grads = plan.grads()
    c_ref, dW_ref, db_ref = network_reference(spec, params, X, Y)
    assert c == pytest.approx(c_ref, rel=1e-12, abs=1e-12)
    for l in range(spec.n_layers):
        np.testing.assert_allclose(grads.dW[l], dW_ref[l], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(grads.db[l], db_ref[l], rtol=1e-12, atol=1e-12)
    # Central differences of C, parameter by parameter.
    gradient = plan.workspace.gradient.copy()
    theta, shifted = packed_copy(spec, params)
    h = 1e-6
    for i in range(theta.size):
        old = theta[i]
        theta[i] = old + h
        up = cost(spec, shifted, X, Y)
        theta[i] = old - h
        down = cost(spec, shifted, X, Y)
        theta[i] = old
        assert gradient[i] == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-7)


def make_trainer(spec: NetworkSpec, n: int, **settings: object) -> Trainer:
    X, Y = batch(spec, n, 5)
    hp = Hyperparameters(**settings)  # type: ignore[arg-type]
    valid = Examples(*batch(spec, max(1, n // 3), 6))
    return Trainer(spec, initialize(spec, "xavier", 3), Examples(X, Y), valid, hyperparameters=hp)


def trainer_state(t: Trainer) -> tuple[object, ...]:
    assert t.trace is not None
    assert t.grads is not None
    return (
        t.step_count,
        t.epoch,
        t.examples_seen_in_epoch,
        t.divergence,
        t.vanishing,
        t.cost,
        t.data_cost,
        t.next_phase,
        t.batch_indices.tolist(),
        t.params.vector().tolist(),
        t.trace_params.vector().tolist(),
        [a.tolist() for a in (*t.trace.Z, *t.trace.A)],
        t.grads.vector().tolist(),
        [None if a is None else a.tolist() for a in t.grads.dA],
        repr(t.history.to_dict()),
    )


RUNS = [
    (NetworkSpec.build([2, 4, 4, 1], "sigmoid"), 50, {"batch_size": 8, "learning_rate": 0.5}),
    (NetworkSpec.build([3, 5, 2], "tanh", "softmax", "cross_entropy"), 23, {"batch_size": 4}),
    (NetworkSpec.build([3, 6, 2], "relu", "linear", "mse"), 30, {"optimizer": "adam"}),
    (
        NetworkSpec.build([2, 3, 1], "sigmoid", dtype="float32"),
        20,
        {"optimizer": "momentum", "schedule": "step", "schedule_every": 7},
    ),
    (NetworkSpec.build([2, 3, 1], "sigmoid"), 16, {"batch_size": 16, "shuffle": False}),
    (NetworkSpec.build([2, 3, 1], "tanh"), 20, {"batch_size": 3, "l2": 0.01}),
    (NetworkSpec.build([1, 1, 1, 1], "sigmoid"), 10, {"learning_rate": 1000.0}),  # vanishes
    (NetworkSpec.build([1, 1, 1], "linear"), 10, {"learning_rate": 60.0}),  # diverges
]


@pytest.mark.parametrize(("spec", "n", "settings"), RUNS, ids=lambda v: str(v)[:40])
def test_train_steps_is_train_batch_step_for_step(
    spec: NetworkSpec, n: int, settings: dict[str, object]
) -> None:
    planned, stepped = make_trainer(spec, n, **settings), make_trainer(spec, n, **settings)
    with np.errstate(all="ignore"):
        for block in (1, 2, 5, 17, 100, 300):
            ran = planned.train_steps(block)
            ran_stepped = 0
            while ran_stepped < block and stepped.train_batch():
                ran_stepped += 1
            assert ran == ran_stepped
            if planned.trace is None:  # diverged: nothing pending on either
                assert stepped.trace is None
                assert planned.params.vector().tolist() == stepped.params.vector().tolist()
                assert planned.divergence == stepped.divergence is not None
                return
            assert trainer_state(planned) == trainer_state(stepped)


def test_train_steps_never_writes_over_a_kept_trace() -> None:
    spec = NetworkSpec.build([2, 4, 1], "sigmoid")
    t = make_trainer(spec, 24, batch_size=8)
    t.train_steps(5)
    assert t.trace is not None
    assert t.grads is not None
    kept_trace, kept_grads = freeze_trace(t.trace), freeze_grads(t.grads)
    values = [a.copy() for a in (*kept_trace.Z, *kept_trace.A[1:], *kept_grads.dW)]
    assert t.train_steps(7) == 7
    for a, b in zip(values, (*kept_trace.Z, *kept_trace.A[1:], *kept_grads.dW), strict=True):
        np.testing.assert_array_equal(a, b)
    assert t.trace.Z[0] is not kept_trace.Z[0]


def test_steps_to_epoch_end() -> None:
    t = make_trainer(NetworkSpec.build([2, 3, 1], "sigmoid"), 25, batch_size=4)
    assert t.steps_to_epoch_end() == 7  # 6 batches of 4 and one of 1
    t.train_steps(3)
    assert t.steps_to_epoch_end() == 4
    t.train_steps(4)
    assert t.epoch == 1
    assert t.steps_to_epoch_end() == 7


def series_state(s: DecimatedSeries) -> str:
    """Everything the series holds (the points stored, the window in progress, the first
    and last points, with their Python types), as text."""
    x, y = s.data()
    held = {k: v for k, v in vars(s).items() if k not in ("_x", "_y")}
    stored = (s._x[: s._n].tolist(), s._y[: s._n].tolist())
    return repr((x.tolist(), y.tolist(), stored, held))


@settings(max_examples=200, deadline=None)
@given(
    capacity=st.sampled_from((8, 12, 16, 64)),
    blocks=st.lists(
        st.lists(st.one_of(st.floats(-3, 3), st.sampled_from((0.0, 1.0))), max_size=150),
        max_size=12,
    ),
)
def test_extending_a_series_is_appending_point_by_point(
    capacity: int, blocks: list[list[float]]
) -> None:
    one_by_one, extended = DecimatedSeries(capacity), DecimatedSeries(capacity)
    x = 0
    for ys in blocks:
        xs = range(x + 1, x + 1 + len(ys))
        x += len(ys)
        for px, py in zip(xs, ys, strict=True):
            one_by_one.append(px, py)
        extended.extend(xs, ys)
        assert series_state(extended) == series_state(one_by_one)
