"""The BLAS thread count: the faster of one thread and all of them, measured again only when
the network's shapes change; the training session asks for every new network."""

from __future__ import annotations

import numpy as np
from threadpoolctl import ThreadpoolController, threadpool_info

from bpstudio.core.data.source import DataSource, load_examples, split_examples
from bpstudio.core.engine.network import NetworkSpec, initialize
from bpstudio.core.training.blas import TRIAL_PASSES, TRIAL_ROUNDS, BlasThreads
from bpstudio.core.training.history import History
from bpstudio.core.training.hyperparams import Hyperparameters
from bpstudio.core.training.session import TrainingData, TrainingSession
from bpstudio.core.training.trainer import Trainer


class FakeMachine:
    """A clock that advances by a cost per thread count each time the trial runs."""

    def __init__(self, cost: dict[int, float]) -> None:
        self.cost = cost
        self.threads = 0
        self.now = 0.0
        self.applied: list[int] = []
        self.trials = 0

    def set_threads(self, n: int) -> None:
        self.threads = n
        self.applied.append(n)

    def clock(self) -> float:
        return self.now

    def trial(self) -> None:
        self.trials += 1
        self.now += self.cost[self.threads]


def test_the_faster_count_is_kept_and_applied() -> None:
    for cost, expected in (({1: 1.0, 4: 3.0}, 1), ({1: 3.0, 4: 1.0}, 4)):
        machine = FakeMachine(cost)
        blas = BlasThreads(machine.set_threads, most=4, clock=machine.clock)
        assert blas.choose("784-128-10", machine.trial) == expected
        assert blas.threads == expected
        assert machine.applied[-1] == expected
        assert machine.trials == 2 * TRIAL_ROUNDS * (1 + TRIAL_PASSES)


def test_a_tie_keeps_one_thread() -> None:
    machine = FakeMachine({1: 1.0, 2: 1.0})
    assert (
        BlasThreads(machine.set_threads, most=2, clock=machine.clock).choose("k", machine.trial)
        == 1
    )


def test_measured_again_only_when_the_shapes_change() -> None:
    machine = FakeMachine({1: 1.0, 2: 2.0})
    blas = BlasThreads(machine.set_threads, most=2, clock=machine.clock)
    blas.choose("a", machine.trial)
    trials = machine.trials
    blas.choose("a", machine.trial)
    assert machine.trials == trials
    assert blas.trials == 1
    machine.cost = {1: 2.0, 2: 1.0}
    assert blas.choose("b", machine.trial) == 2
    assert blas.trials == 2


def test_one_core_needs_no_measurement() -> None:
    machine = FakeMachine({1: 1.0})
    blas = BlasThreads(machine.set_threads, most=1, clock=machine.clock)
    assert blas.choose("k", machine.trial) == 1
    assert machine.trials == 0
    assert machine.applied == [1]


def xor_trainer(sizes: list[int], batch_size: int = 4) -> Trainer:
    source = DataSource("generator", "xor", n_examples=40, noise=0.1, seed=1)
    train, _ = split_examples(source, load_examples(source))
    spec = NetworkSpec.build(sizes, "tanh", "sigmoid", "cross_entropy")
    return Trainer(
        spec, initialize(spec, "xavier", 0), train, None, Hyperparameters(batch_size=batch_size)
    )


def test_choose_for_a_trainer_times_it_without_training_it() -> None:
    trainer = xor_trainer([2, 3, 1])
    before = trainer.params.copy()
    machine = FakeMachine({1: 1.0, 2: 2.0})
    blas = BlasThreads(machine.set_threads, most=2, clock=machine.clock)
    blas.choose_for(trainer)
    assert blas.trials == 1
    assert trainer.step_count == 0
    for a, b in zip(trainer.params.arrays(), before.arrays(), strict=True):
        np.testing.assert_array_equal(a, b)
    blas.choose_for(xor_trainer([2, 3, 1]))  # the same shapes
    assert blas.trials == 1
    blas.choose_for(xor_trainer([2, 5, 1]))
    assert blas.trials == 2
    blas.choose_for(xor_trainer([2, 5, 1], batch_size=8))
    assert blas.trials == 3


def test_the_real_limit_is_set_through_threadpoolctl() -> None:
    blas = BlasThreads()
    libraries = [lib for lib in threadpool_info() if lib["user_api"] == "blas"]
    assert blas.most == max((lib["num_threads"] for lib in libraries), default=1)
    try:
        chosen = blas.choose_for(xor_trainer([2, 3, 1]))
        assert chosen in (1, blas.most)
        assert all(
            lib["num_threads"] == chosen for lib in threadpool_info() if lib["user_api"] == "blas"
        )
    finally:
        ThreadpoolController().select(user_api="blas").limit(limits=blas.most)  # as before


def test_the_session_chooses_for_every_new_network() -> None:
    machine = FakeMachine({1: 1.0, 2: 2.0})
    blas = BlasThreads(machine.set_threads, most=2, clock=machine.clock)
    session = TrainingSession(lambda name, payload: None, blas=blas)
    source = DataSource("generator", "xor", n_examples=40, noise=0.1, seed=1)
    train, validation = split_examples(source, load_examples(source))
    session.set_data(TrainingData("xor", train, validation))
    for sizes in ([2, 3, 1], [2, 3, 1], [2, 6, 1]):
        spec = NetworkSpec.build(sizes, "tanh", "sigmoid", "cross_entropy")
        session.set_network(spec, initialize(spec, "xavier", 0), Hyperparameters(), History(), 0, 0)
    assert blas.trials == 2
    session.set_hyperparameters(Hyperparameters(batch_size=3))
    assert blas.trials == 3
