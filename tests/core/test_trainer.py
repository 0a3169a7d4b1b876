"""The trainer: phases, step units, determinism, optimisers, penalties, schedules, the
divergence guard, the bounded history and the validation of training settings."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest

from bpstudio.core.engine.backprop import forward, gradients
from bpstudio.core.engine.network import NetworkSpec, Params, initialize
from bpstudio.core.engine.optim import Schedule, make_optimizer
from bpstudio.core.errors import BPStudioError
from bpstudio.core.training.history import DecimatedSeries, History
from bpstudio.core.training.hyperparams import Hyperparameters
from bpstudio.core.training.trainer import Phase, Trainer


@dataclass(frozen=True)
class Examples:
    X: np.ndarray
    Y: np.ndarray
    is_classification: bool = False


XOR = Examples(
    np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]),
    np.array([[0.0], [1.0], [1.0], [0.0]]),
    is_classification=True,
)
REGRESSION_SPEC = NetworkSpec.build([3, 8, 1], "tanh", "linear", loss="mse")


def regression_data(n: int = 25, seed: int = 0) -> Examples:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return Examples(X, np.tanh(X @ np.array([[1.0], [-0.5], [0.3]])) + 0.2)


def regression_trainer(n: int = 25, **settings: object) -> Trainer:
    hp = Hyperparameters(**{"learning_rate": 0.05, "batch_size": 10, **settings})  # type: ignore[arg-type]
    return Trainer(
        REGRESSION_SPEC,
        initialize(REGRESSION_SPEC, "xavier", 1),
        regression_data(n),
        hyperparameters=hp,
    )


def assert_params_equal(a: Params, b: Params) -> None:
    assert a.n_layers == b.n_layers
    for x, y in zip(a.arrays(), b.arrays(), strict=True):
        np.testing.assert_array_equal(x, y)


def full_cost(trainer: Trainer) -> float:
    return trainer.evaluate(record=False).train_cost


# -- the three phases ----------------------------------------------------------------------


def test_each_phase_changes_only_its_own_state() -> None:
    t = regression_trainer()
    p0 = t.params.copy()
    assert t.next_phase is Phase.FORWARD
    assert t.trace is None
    assert t.grads is None

    trace = t.forward()
    batch = t.batch_indices.copy()
    assert len(batch) == 10
    assert t.next_phase is Phase.BACKWARD
    assert t.trace is trace
    assert t.grads is None
    assert t.step_count == 0
    assert_params_equal(t.params, p0)
    expected = forward(REGRESSION_SPEC, p0, t.X[batch])
    for got, want in zip(trace.Z + trace.A, expected.Z + expected.A, strict=True):
        np.testing.assert_array_equal(got, want)

    grads = t.backward()
    assert t.next_phase is Phase.UPDATE
    assert t.grads is grads
    assert t.trace is trace
    assert_params_equal(t.params, p0)
    want = gradients(REGRESSION_SPEC, p0, t.X[batch], t.Y[batch])
    np.testing.assert_allclose(grads.vector(), want.vector(), rtol=1e-15, atol=0)
    assert grads.cost == want.cost
    assert t.step_count == 0
    assert not t.history["batch_cost"].count

    cost = t.update()
    assert cost == grads.cost
    assert t.step_count == 1
    assert t.next_phase is Phase.FORWARD
    np.testing.assert_allclose(t.params.vector(), p0.vector() - 0.05 * grads.vector(), rtol=1e-15)
    assert t.history["batch_cost"].last == (1, cost)


def test_phases_out_of_order_are_refused() -> None:
    t = regression_trainer()
    with pytest.raises(BPStudioError, match="next phase is forward, not backward"):
        t.backward()
    with pytest.raises(BPStudioError, match="next phase is forward, not update"):
        t.update()
    t.forward()
    with pytest.raises(BPStudioError, match="next phase is backward, not forward"):
        t.forward()
    with pytest.raises(BPStudioError, match="not update"):
        t.update()
    t.backward()
    with pytest.raises(BPStudioError, match="next phase is update, not forward"):
        t.forward()
    with pytest.raises(BPStudioError, match="not backward"):
        t.backward()
    assert t.step_count == 0


def test_step_phase_cycles_and_a_half_step_can_be_finished_or_discarded() -> None:
    t = regression_trainer()
    assert [t.step_phase() for _ in range(4)] == [
        Phase.FORWARD,
        Phase.BACKWARD,
        Phase.UPDATE,
        Phase.FORWARD,
    ]
    assert t.step_count == 1
    assert t.examples_seen_in_epoch == 20
    assert t.train_batch()  # finishes the started step
    assert t.step_count == 2
    assert t.next_phase is Phase.FORWARD
    assert t.examples_seen_in_epoch == 20
    t.forward()
    t.set_params(t.params.copy())  # an edit while paused: the batch goes back to the epoch
    assert t.next_phase is Phase.FORWARD
    assert t.trace is None
    assert t.examples_seen_in_epoch == 20


# -- units: example, batch, epoch ----------------------------------------------------------


def test_a_trainer_rebuilt_mid_epoch_goes_on_where_the_epoch_stood() -> None:
    """Undo and a reopened project rebuild the trainer from the saved counters: the epoch
    shows the same progress and draws the examples it has not seen yet, as the first would."""
    first = regression_trainer(n=25, batch_size=4)
    first.train_steps(9)  # 25 examples in batches of 4: 7 steps an epoch, then 2 more
    assert (first.epoch, first.examples_seen_in_epoch) == (1, 8)
    rebuilt = Trainer(
        REGRESSION_SPEC,
        first.params,
        regression_data(25),
        hyperparameters=first.hyperparameters,
        step=first.step_count,
        epoch=first.epoch,
        examples_seen=first.examples_seen_in_epoch,
    )
    assert rebuilt.epoch_progress == pytest.approx(first.epoch_progress)
    seen_next = set()
    for t in (first, rebuilt):
        t.train_steps(5)  # to the end of the epoch: 17 examples in 4 + 1
        assert (t.epoch, t.examples_seen_in_epoch) == (2, 0)
        seen_next.add(tuple(t.batch_indices))
    assert len(seen_next) == 1  # the same last batch of the epoch
    assert_params_equal(first.params, rebuilt.params)


def test_example_batch_and_epoch_units_advance_the_counters() -> None:
    t = regression_trainer(n=25)  # batch 10: steps of 10, 10 and 5 examples per epoch
    assert t.steps_per_epoch == 3
    assert t.epoch == 0
    assert t.epoch_progress == 0.0
    assert t.train_example()
    assert (t.step_count, t.examples_seen_in_epoch, len(t.batch_indices)) == (1, 1, 1)
    assert t.train_batch()
    assert (t.step_count, t.examples_seen_in_epoch, len(t.batch_indices)) == (2, 11, 10)
    assert t.epoch_progress == pytest.approx(11 / 25)
    assert t.train_epoch()  # 10 + 4 more examples
    # A complete epoch is "1 + 0%", not "0 + 100%" nor "1 + 100%": the next one has begun.
    assert (t.step_count, t.epoch, t.examples_seen_in_epoch) == (4, 1, 0)
    assert len(t.batch_indices) == 4
    assert t.train_batch()  # a new epoch starts with a fresh order
    assert (t.step_count, t.epoch, t.examples_seen_in_epoch) == (5, 1, 10)
    assert t.train_epoch()
    assert (t.step_count, t.epoch) == (7, 2)
    assert t.train_steps(6) == 6
    assert (t.step_count, t.epoch) == (13, 4)
    assert t.history["batch_cost"].count == 13


def test_every_example_is_seen_once_per_epoch() -> None:
    t = regression_trainer(n=25, batch_size=7)
    for _ in range(3):
        seen: list[int] = []
        start = t.epoch
        while t.epoch == start:
            t.train_batch()
            seen.extend(t.batch_indices.tolist())
        assert sorted(seen) == list(range(25))
    unshuffled = regression_trainer(n=25, batch_size=7, shuffle=False)
    unshuffled.train_batch()
    assert unshuffled.batch_indices.tolist() == list(range(7))


def test_full_batch_steps_use_the_whole_set() -> None:
    t = regression_trainer(n=25, batch_size=100)
    assert t.steps_per_epoch == 1
    assert t.train_batch()
    assert (t.epoch, len(t.batch_indices)) == (1, 25)


def test_training_is_deterministic_for_a_seed() -> None:
    def run(seed: int) -> Trainer:
        t = regression_trainer(n=30, batch_size=4, seed=seed, optimizer="adam")
        t.train_steps(60)
        return t

    a, b, c = run(3), run(3), run(4)
    assert_params_equal(a.params, b.params)
    for x, y in zip(a.history["batch_cost"].data(), b.history["batch_cost"].data(), strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a.params.vector(), c.params.vector())


def test_float32_training_stays_float32() -> None:
    spec = REGRESSION_SPEC.with_changes(dtype="float32")
    t = Trainer(
        spec,
        initialize(spec, "xavier", 0),
        regression_data(),
        hyperparameters=Hyperparameters(0.05),
    )
    before = full_cost(t)
    assert t.train_steps(50) == 50
    assert all(a.dtype == np.float32 for a in t.params.arrays())
    assert full_cost(t) < before


# -- learning ------------------------------------------------------------------------------


@pytest.mark.parametrize("hidden", ["tanh", "sigmoid"])
def test_xor_is_learned(hidden: str) -> None:
    spec = NetworkSpec.build([2, 4, 1], hidden, "sigmoid", loss="cross_entropy")
    hp = Hyperparameters(learning_rate=2.0, batch_size=4)
    t = Trainer(spec, initialize(spec, "xavier", 0), XOR, hyperparameters=hp)
    assert t.train_steps(2000) == 2000
    result = t.evaluate()
    assert result.train_accuracy == 1.0
    assert result.train_cost < 0.05
    assert t.history["train_accuracy"].last == (2000, 1.0)
    np.testing.assert_array_equal(t.predict(XOR.X) > 0.5, XOR.Y > 0.5)


@pytest.mark.parametrize(("optimizer", "lr"), [("sgd", 0.1), ("momentum", 0.02), ("adam", 0.01)])
def test_every_optimiser_reduces_the_cost(optimizer: str, lr: float) -> None:
    t = regression_trainer(n=40, optimizer=optimizer, learning_rate=lr, batch_size=8)
    before = full_cost(t)
    assert t.train_steps(300) == 300
    assert full_cost(t) < 0.25 * before
    assert t.divergence is None


def test_nesterov_momentum_reduces_the_cost() -> None:
    t = regression_trainer(n=40, optimizer="momentum", nesterov=True, learning_rate=0.02)
    before = full_cost(t)
    t.train_steps(300)
    assert full_cost(t) < 0.25 * before


def test_adam_keeps_its_moments_when_the_learning_rate_changes() -> None:
    t = regression_trainer(optimizer="adam", learning_rate=0.01)
    t.train_steps(10)
    adam = t.optimizer
    before = {name: a.copy() for name, a in adam.state().items()}
    assert int(before["t"]) == 10
    t.set_hyperparameters(t.hyperparameters.with_changes(learning_rate=0.003))
    assert t.optimizer is adam
    after = adam.state()
    assert after.keys() == before.keys()
    for name, a in before.items():
        np.testing.assert_array_equal(after[name], a)
    # The next step is step 11 of the same Adam, with the new learning rate.
    p = t.params.copy()
    t.forward()
    g = t.backward().vector()
    t.update()
    m_new = 0.9 * before["m"] + 0.1 * g
    v_new = 0.999 * before["v"] + 0.001 * g * g
    step = 0.003 * np.sqrt(1 - 0.999**11) / (1 - 0.9**11)
    expected = p.vector() - step * m_new / (np.sqrt(v_new) + 1e-8)
    np.testing.assert_allclose(t.params.vector(), expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(adam.state()["m"], m_new, rtol=1e-12, atol=1e-15)
    assert int(adam.state()["t"]) == 11


def test_momentum_keeps_its_velocity_and_takes_new_settings() -> None:
    t = regression_trainer(optimizer="momentum")
    t.train_steps(5)
    opt = t.optimizer
    velocity = opt.state()["velocity"].copy()
    assert velocity.shape == t.params.vector().shape
    assert np.any(velocity != 0.0)
    t.set_hyperparameters(t.hyperparameters.with_changes(learning_rate=0.01, momentum=0.5))
    assert t.optimizer is opt
    assert opt.momentum == 0.5
    np.testing.assert_array_equal(opt.state()["velocity"], velocity)
    t.set_hyperparameters(t.hyperparameters.with_changes(optimizer="sgd"))
    assert t.optimizer.name == "sgd"


def test_optimizer_state_is_a_read_only_view_that_reset_clears() -> None:
    t = regression_trainer(optimizer="adam", learning_rate=0.01)
    assert t.optimizer.state() == {}
    t.train_steps(3)
    state = t.optimizer.state()
    assert set(state) == {"m", "v", "t"}
    with pytest.raises(ValueError, match="read-only"):
        state["m"][0] = 1.0
    t.optimizer.reset()
    assert t.optimizer.state() == {}
    assert make_optimizer("sgd").state() == {}


@pytest.mark.parametrize("name", ["momentum", "adam"])
def test_optimizer_state_is_the_same_array_by_array_and_packed(name: str) -> None:
    spec = NetworkSpec((2, 3, 1), ("tanh", "linear"))
    params = initialize(spec, seed=4)
    grads = initialize(spec, seed=5)
    by_array, packed = make_optimizer(name), make_optimizer(name)
    out = params.copy()
    theta, theta_out = params.vector(), np.empty(params.vector().shape)
    for _ in range(3):
        by_array.update(params, grads, 0.1, out)
        packed.update_vector(theta, grads.vector(), 0.1, theta_out)
    assert by_array.state().keys() == packed.state().keys()
    for key, value in by_array.state().items():
        np.testing.assert_array_equal(value, packed.state()[key])


def test_l2_adds_its_gradient_and_shrinks_the_weights() -> None:
    t = regression_trainer(l2=0.5, learning_rate=0.1)
    p = t.params.copy()
    t.forward()
    g = t.backward()
    t.update()
    for l in range(2):
        np.testing.assert_allclose(
            t.params.W[l], p.W[l] - 0.1 * (g.dW[l] + 0.5 * p.W[l]), rtol=1e-14
        )
        np.testing.assert_allclose(
            t.params.b[l], p.b[l] - 0.1 * g.db[l], rtol=1e-14
        )  # not penalised

    def weight_norm(l2: float) -> float:
        trainer = regression_trainer(l2=l2, learning_rate=0.1)
        trainer.train_steps(200)
        return float(sum(np.vdot(W, W) for W in trainer.params.W))

    assert weight_norm(0.2) < 0.8 * weight_norm(0.0)


def test_l1_adds_the_sign_of_the_weights() -> None:
    t = regression_trainer(l1=0.01, learning_rate=0.1)
    p = t.params.copy()
    t.forward()
    g = t.backward()
    t.update()
    np.testing.assert_allclose(
        t.params.W[0], p.W[0] - 0.1 * (g.dW[0] + 0.01 * np.sign(p.W[0])), rtol=1e-14
    )


def test_learning_rate_schedules() -> None:
    step = Schedule("step", every=10, factor=0.5)
    assert [step.learning_rate(0.8, s) for s in (0, 9, 10, 25)] == [0.8, 0.8, 0.4, 0.2]
    expo = Schedule("exponential", rate=0.1)
    assert expo.learning_rate(1.0, 0) == 1.0  # steps count from 0
    assert expo.learning_rate(2.0, 6) == pytest.approx(2.0 * math.exp(-0.6), rel=1e-15)
    assert Schedule().learning_rate(0.3, 10**6) == 0.3
    # The trainer updates with the rate of the current step count.
    t = regression_trainer(
        learning_rate=0.1, schedule="step", schedule_every=5, schedule_factor=0.5
    )
    t.train_steps(12)
    assert t.learning_rate == pytest.approx(0.025)
    p = t.params.copy()
    t.forward()
    g = t.backward()
    t.update()
    np.testing.assert_allclose(t.params.vector(), p.vector() - 0.025 * g.vector(), rtol=1e-14)
    e = regression_trainer(learning_rate=0.1, schedule="exponential", schedule_rate=0.25)
    e.train_steps(3)
    assert e.learning_rate == pytest.approx(0.1 * math.exp(-0.75), rel=1e-15)


# -- the divergence guard ------------------------------------------------------------------


def test_divergence_guard_keeps_the_last_good_parameters() -> None:
    t = regression_trainer(n=40, learning_rate=1000.0, batch_size=8)
    before: list[Params] = []
    for _ in range(50):
        before.append(t.params.copy())
        if not t.train_batch():
            break
    else:
        pytest.fail("a learning rate of 1000 should make the cost explode")
    assert t.divergence is not None
    assert "Training diverged" in t.divergence
    assert "lower learning rate" in t.divergence
    assert all(np.isfinite(a).all() for a in t.params.arrays())
    # The parameters of the last step whose cost was finite and not exploded.
    assert len(before) >= 2
    assert_params_equal(t.params, before[-2])
    assert t.next_phase is Phase.FORWARD
    steps = t.step_count
    assert not t.train_batch()
    assert t.step_count == steps
    t.set_params(t.params)  # an edit re-arms the trainer
    assert t.divergence is None


def test_divergence_guard_with_overflowing_parameters() -> None:
    # The worker runs under np.errstate(all="ignore"); the guard must cope with inf/NaN.
    data = regression_data(40)
    big = Examples(data.X, 1e4 * data.Y)  # gradients ~1e3: lr · ∇C overflows to inf
    hp = Hyperparameters(learning_rate=1e307, batch_size=8)
    t = Trainer(REGRESSION_SPEC, initialize(REGRESSION_SPEC, "xavier", 1), big, hyperparameters=hp)
    first = t.params.copy()
    with np.errstate(all="ignore"):
        assert [t.step_phase() for _ in range(3)] == [Phase.FORWARD, Phase.BACKWARD, Phase.UPDATE]
    assert t.divergence is not None
    assert "NaN or infinite" in t.divergence
    assert_params_equal(t.params, first)
    t2 = regression_trainer(n=40, learning_rate=1e200, batch_size=8)
    with np.errstate(all="ignore"):
        ok = [t2.train_batch() for _ in range(5)]
    assert False in ok
    assert t2.divergence is not None
    assert all(np.isfinite(a).all() for a in t2.params.arrays())


# -- bounded history -----------------------------------------------------------------------


def test_decimated_series_stays_bounded_and_keeps_the_extremes() -> None:
    n = 1_000_000
    rng = np.random.default_rng(0)
    y = np.sin(np.arange(n) / 5000.0) + 0.1 * rng.standard_normal(n)
    y[0], y[123_457], y[765_433], y[-1] = 0.25, -5.0, 7.0, 0.5
    series = DecimatedSeries(capacity=1024)
    append = series.append
    for i, v in enumerate(y.tolist()):
        append(float(i), v)
    xs, ys = series.data()
    assert series.count == n
    assert len(series) <= 1024 + 2
    assert len(xs) <= 1024 + 4
    assert (xs[0], ys[0]) == (0.0, 0.25)
    assert (xs[-1], ys[-1]) == (n - 1.0, 0.5)
    assert series.last == (n - 1.0, 0.5)
    assert (xs[ys.argmin()], ys.min()) == (123_457.0, -5.0)
    assert (xs[ys.argmax()], ys.max()) == (765_433.0, 7.0)
    assert np.all(np.diff(xs) > 0)
    np.testing.assert_array_equal(ys, y[xs.astype(int)])  # only real points, never averages


def test_decimated_series_keeps_every_point_until_full() -> None:
    series = DecimatedSeries(capacity=8)
    for i in range(8):
        series.append(i, float(i % 3))
    xs, ys = series.data()
    np.testing.assert_array_equal(xs, np.arange(8.0))
    np.testing.assert_array_equal(ys, np.arange(8) % 3)
    series.append(8, -1.0)
    xs, ys = series.data()
    assert len(xs) <= 8 + 4
    assert xs[0] == 0
    assert ys.min() == -1.0
    assert series.stride == 2


def test_decimated_series_round_trip_and_validation() -> None:
    series = DecimatedSeries(capacity=16)
    for i in range(100):
        series.append(i, np.cos(i / 7.0))
    copy = DecimatedSeries.from_dict(series.to_dict(), capacity=16)
    assert copy.count == 100
    np.testing.assert_array_equal(copy.data()[0][[0, -1]], [0, 99])
    assert copy.data()[1].min() == series.data()[1].min()
    with pytest.raises(BPStudioError, match="multiple of 4"):
        DecimatedSeries(capacity=10)
    with pytest.raises(BPStudioError, match="different numbers"):
        DecimatedSeries.from_dict({"x": [1, 2], "y": [1]})
    with pytest.raises(BPStudioError, match="unknown history series 'loss'"):
        History.from_dict({"loss": {"x": [], "y": []}})
    history = History()
    history["batch_cost"].append(1, 0.5)
    assert History.from_dict(history.to_dict())["batch_cost"].last == (1.0, 0.5)


# -- settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"learning_rate": 0.0}, "learning rate must be a positive number"),
        ({"learning_rate": -0.1}, "learning rate must be a positive number"),
        ({"learning_rate": float("nan")}, "learning rate must be a positive number"),
        ({"learning_rate": float("inf")}, "learning rate must be a positive number"),
        ({"batch_size": 0}, "batch size must be at least 1"),
        ({"optimizer": "rmsprop"}, "unknown optimiser 'rmsprop'"),
        ({"l1": -1e-3}, "l1 must be a non-negative number"),
        ({"l2": float("nan")}, "l2 must be a non-negative number"),
        ({"momentum": 1.0}, r"momentum must be in \[0, 1\)"),
        ({"momentum": -0.1}, r"momentum must be in \[0, 1\)"),
        ({"beta1": 1.0}, r"beta1 must be in \[0, 1\)"),
        ({"beta2": -0.5}, r"beta2 must be in \[0, 1\)"),
        ({"seed": -1}, "seed must be"),
        ({"schedule": "cosine"}, "unknown schedule 'cosine'"),
        ({"schedule_every": 0}, "interval must be at least 1"),
        ({"schedule_factor": 0.0}, r"factor must be in \(0, 1\]"),
        ({"schedule_factor": 1.5}, r"factor must be in \(0, 1\]"),
        ({"schedule_rate": 0.0}, "decay rate must be a positive number"),
        ({"schedule_rate": float("inf")}, "decay rate must be a positive number"),
        ({"eps": 0.0}, "ε must be a positive number"),
        ({"eps": float("nan")}, "ε must be a positive number"),
    ],
)
def test_invalid_hyperparameters_are_explained(changes: dict[str, object], message: str) -> None:
    with pytest.raises(BPStudioError, match=message):
        Hyperparameters(**changes)  # type: ignore[arg-type]
    with pytest.raises(BPStudioError, match=message):
        Hyperparameters.from_dict(changes)


def test_hyperparameters_from_dict() -> None:
    hp = Hyperparameters(learning_rate=0.1, optimizer="adam", l2=1e-4, schedule="step")
    assert Hyperparameters.from_dict(hp.to_dict()) == hp
    with pytest.raises(BPStudioError, match="unknown training settings: colour"):
        Hyperparameters.from_dict({"colour": "red"})
    with pytest.raises(BPStudioError, match="batch_size must be a whole number, got 'ten'"):
        Hyperparameters.from_dict({"batch_size": "ten"})
    with pytest.raises(BPStudioError, match="seed must be a whole number, got 0.5"):
        Hyperparameters(seed=0.5)  # type: ignore[arg-type]


def test_trainer_rejects_data_that_does_not_fit() -> None:
    with pytest.raises(BPStudioError, match=r"expects \(n, 3\)"):
        Trainer(
            REGRESSION_SPEC,
            initialize(REGRESSION_SPEC),
            Examples(np.zeros((4, 2)), np.zeros((4, 1))),
        )
    with pytest.raises(BPStudioError, match="training set is empty"):
        Trainer(
            REGRESSION_SPEC,
            initialize(REGRESSION_SPEC),
            Examples(np.zeros((0, 3)), np.zeros((0, 1))),
        )
    with pytest.raises(BPStudioError, match="W1 has shape"):
        Trainer(REGRESSION_SPEC, initialize(NetworkSpec.build([2, 8, 1])), regression_data())


def test_periodic_evaluations_of_a_small_set_come_every_few_epochs() -> None:
    # 160 examples in batches of 10 (XOR's shape): 16 steps an epoch. Counting only the
    # examples, the second evaluation came after 40 epochs; a step's fixed cost counts too.
    trainer = regression_trainer(n=160, batch_size=10)
    trainer.train_steps(400)
    steps, _ = trainer.history["train_cost"].data()
    assert steps[0] == 16
    gaps = np.diff(steps)
    assert len(steps) >= 4
    assert np.all(gaps % 16 == 0)  # at epochs' ends
    assert np.all(gaps <= 16 * 8)
