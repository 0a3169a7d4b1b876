"""The optimisers' conventions against ``torch.optim``: 100 steps of every optimiser with
every schedule, with and without L1/L2, agree to 1e-12.

Both sides take their gradients from the engine (at their own parameters), so what is
compared is the step alone. Where our convention is PyTorch's, torch.optim is configured
to it directly; where it differs, torch.optim is driven so that it computes our formula:

- momentum with a schedule: our velocity is in parameter units (v ← μ v − η_t g), PyTorch's
  in gradient units (b ← μ b + g, θ ← θ − η_t b); torch.optim.SGD with lr = 1 fed the
  gradient η_t g keeps b = −v, which is ours exactly;
- Adam: ours adds ε to √v and folds both bias corrections into the step size, PyTorch adds
  ε to √v̂ = √v / √(1−β₂ᵗ); the two agree when PyTorch's ε at step t is ε / √(1−β₂ᵗ);
- L2 is PyTorch's coupled ``weight_decay`` (Adam, not AdamW) on a parameter group holding
  the weights only; L1's subgradient λ₁ sign(w) (sign(0) = 0) is added by hand, as PyTorch
  has no L1 option;
- step and exponential schedules are ``StepLR`` and ``ExponentialLR`` with γ = e^(−r),
  stepped after every update, so the first step uses η₀ (steps count from 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest

from bpstudio.core.data.datasets import Dataset
from bpstudio.core.engine.backprop import gradients
from bpstudio.core.engine.network import NetworkSpec, Params, initialize
from bpstudio.core.training.hyperparams import Hyperparameters
from bpstudio.core.training.trainer import Trainer

torch = pytest.importorskip("torch")

STEPS = 100
TOLERANCE = 1e-12


@dataclass(frozen=True)
class Case:
    optimizer: str
    nesterov: bool
    schedule: str
    l1: float
    l2: float

    @property
    def hyperparameters(self) -> Hyperparameters:
        return Hyperparameters(
            learning_rate=0.05 if self.optimizer == "adam" else 0.5,
            batch_size=12,  # the whole set: every step sees the same examples
            optimizer=self.optimizer,
            momentum=0.8,
            nesterov=self.nesterov,
            beta1=0.85,
            beta2=0.99,
            eps=1e-3,  # large, so that where ε goes matters at 1e-12
            l1=self.l1,
            l2=self.l2,
            schedule=self.schedule,
            schedule_every=7,
            schedule_factor=0.6,
            schedule_rate=0.02,
            shuffle=False,
        )


CASES = [
    Case(optimizer, nesterov, schedule, l1, l2)
    for optimizer, nesterov in (("sgd", False), ("momentum", False), ("momentum", True))
    + (("adam", False),)
    for schedule in ("constant", "step", "exponential")
    for l1, l2 in ((0.0, 0.0), (1e-3, 1e-2))
]


def _problem() -> tuple[NetworkSpec, Params, Dataset]:
    rng = np.random.default_rng(7)
    spec = NetworkSpec.build([2, 3, 2], "tanh", "sigmoid", loss="squared_error")
    X = rng.normal(size=(12, 2))
    Y = rng.uniform(0.1, 0.9, size=(12, 2))
    return spec, initialize(spec, "xavier", 3), Dataset(X, Y, "regression", "random")


def _ours(case: Case) -> Params:
    spec, params, data = _problem()
    trainer = Trainer(spec, params, data, hyperparameters=case.hyperparameters)
    assert trainer.train_steps(STEPS) == STEPS
    return trainer.params


def _as_params(weights: list[torch.Tensor], biases: list[torch.Tensor]) -> Params:
    return Params([W.detach().numpy() for W in weights], [b.detach().numpy() for b in biases])


def _engine_gradients_into(
    spec: NetworkSpec, data: Dataset, weights: list[torch.Tensor], biases: list[torch.Tensor]
) -> None:
    """Every tensor's ``.grad``: the engine's ∇C of the data at the tensors' values."""
    grads = gradients(spec, _as_params(weights, biases), data.X, data.Y)
    for p, g in zip(weights + biases, grads.dW + grads.db, strict=True):
        p.grad = torch.tensor(g, dtype=torch.float64)


def _torch(case: Case) -> Params:
    spec, params, data = _problem()
    hp = case.hyperparameters
    weights = [torch.tensor(W, dtype=torch.float64) for W in params.W]
    biases = [torch.tensor(b, dtype=torch.float64) for b in params.b]
    # Our velocity is in parameter units: with a schedule, feed torch η_t g at lr = 1.
    scaled = hp.optimizer == "momentum" and hp.schedule != "constant"
    lr = 1.0 if scaled else hp.learning_rate
    groups = [
        {"params": weights, "weight_decay": 0.0 if scaled else hp.l2},
        {"params": biases, "weight_decay": 0.0},
    ]
    if hp.optimizer == "sgd":
        opt = torch.optim.SGD(groups, lr=lr)
    elif hp.optimizer == "momentum":
        opt = torch.optim.SGD(groups, lr=lr, momentum=hp.momentum, nesterov=hp.nesterov)
    else:
        opt = torch.optim.Adam(groups, lr=lr, betas=(hp.beta1, hp.beta2), eps=hp.eps)
    scheduler = None
    if not scaled and hp.schedule == "step":
        scheduler = torch.optim.lr_scheduler.StepLR(
            opt, step_size=hp.schedule_every, gamma=hp.schedule_factor
        )
    elif not scaled and hp.schedule == "exponential":
        scheduler = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=math.exp(-hp.schedule_rate))
    for t in range(STEPS):
        _engine_gradients_into(spec, data, weights, biases)
        for W in weights:
            if hp.l1:
                W.grad += hp.l1 * torch.sign(W.detach())
            if scaled and hp.l2:
                W.grad += hp.l2 * W.detach()
        if scaled:
            eta = hp.learning_rate_at(t)
            for p in weights + biases:
                p.grad *= eta
        if hp.optimizer == "adam":
            for group in opt.param_groups:
                group["eps"] = hp.eps / math.sqrt(1.0 - hp.beta2 ** (t + 1))
        with torch.no_grad():
            opt.step()
        if scheduler is not None:
            scheduler.step()
    return _as_params(weights, biases)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.optimizer}{'-nesterov' * c.nesterov}-"
                         f"{c.schedule}-{'penalised' if c.l1 else 'plain'}")  # fmt: skip
def test_optimisers_agree_with_torch_optim(case: Case) -> None:
    ours, theirs = _ours(case), _torch(case)
    start = _problem()[1]
    # The run went somewhere: the comparison is not of two unchanged starting points.
    assert np.abs(ours.vector() - start.vector()).max() > 1e-2
    np.testing.assert_allclose(ours.vector(), theirs.vector(), rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize(
    "case",
    [Case("adam", False, "constant", 0.0, 0.0), Case("momentum", False, "step", 0.0, 0.0)],
    ids=["adam-eps", "momentum-velocity-units"],
)
def test_the_conventions_differ_from_torchs_defaults_where_stated(case: Case) -> None:
    """Where the README says our convention is not PyTorch's, torch.optim's own (ε added
    to √v̂; the velocity in gradient units, rescaled by a schedule) gives a different run,
    so the emulation above is needed and the comparison can tell them apart."""
    spec, params, data = _problem()
    hp = case.hyperparameters
    weights = [torch.tensor(W, dtype=torch.float64) for W in params.W]
    biases = [torch.tensor(b, dtype=torch.float64) for b in params.b]
    if case.optimizer == "adam":
        opt = torch.optim.Adam(
            weights + biases, lr=hp.learning_rate, betas=(hp.beta1, hp.beta2), eps=hp.eps
        )
    else:
        opt = torch.optim.SGD(weights + biases, lr=hp.learning_rate, momentum=hp.momentum)
    scheduler = torch.optim.lr_scheduler.StepLR(
        opt, step_size=hp.schedule_every, gamma=hp.schedule_factor
    )
    for _ in range(STEPS):
        _engine_gradients_into(spec, data, weights, biases)
        with torch.no_grad():
            opt.step()
        if case.schedule == "step":
            scheduler.step()
    plain = Params([W.detach().numpy() for W in weights], [b.detach().numpy() for b in biases])
    assert np.abs(_ours(case).vector() - plain.vector()).max() > 1e-6
