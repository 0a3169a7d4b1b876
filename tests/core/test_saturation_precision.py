"""Saturating inputs in float32 and float64: no warning (the suite turns warnings into
errors), no NaN and no infinity in any activation, cost, gradient or trained parameter."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bpstudio.cli import main
from bpstudio.core.data.datasets import Dataset
from bpstudio.core.engine.activations import ACTIVATIONS
from bpstudio.core.engine.backprop import gradients
from bpstudio.core.engine.losses import LOSSES
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.training.hyperparams import Hyperparameters
from bpstudio.core.training.trainer import Trainer

DTYPES = [np.float32, np.float64]
#: Far past where σ, e^z and a(1 - a) saturate in either precision.
Z_VALUES = [-1e4, -1000.0, -100.0, -88.0, -20.0, 0.0, 20.0, 88.0, 100.0, 1000.0, 1e4]


def _all_finite(*arrays: object) -> bool:
    return all(np.isfinite(np.asarray(a)).all() for a in arrays)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activations_saturate_cleanly(name: str, dtype: type) -> None:
    act = ACTIVATIONS[name]
    Z = np.array([Z_VALUES], dtype=dtype)
    A = act.forward(Z)
    slope = act.derivative(Z, A)
    G_Z = act.backward(Z, A, np.ones_like(Z))
    assert A.dtype == dtype
    assert _all_finite(A, slope, G_Z)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_floor_keeps_its_tail(dtype: type) -> None:
    A = ACTIVATIONS["sigmoid"].forward(np.array([[-100.0, 100.0]], dtype=dtype))
    assert 0.0 < A[0, 0] < 1e-30
    assert A[0, 1] == 1.0


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
@pytest.mark.parametrize("loss", list(LOSSES))
def test_costs_and_gradients_of_saturated_outputs_are_finite(
    loss: str, output: str, dtype: type
) -> None:
    act, cost = ACTIVATIONS[output], LOSSES[loss]
    Z = np.array([Z_VALUES, Z_VALUES[::-1]], dtype=dtype)
    A = act.forward(Z)
    for Y in (np.zeros_like(Z), np.ones_like(Z), (Z > 0).astype(dtype)):
        G_A = cost.gradient_a(A, Y, act)
        G_Z = cost.gradient_z(Z, A, Y, act, G_A)
        assert _all_finite(cost.per_example(Z, A, Y, act), cost.value(Z, A, Y, act), G_A, G_Z)


@pytest.mark.parametrize("dtype", DTYPES)
def test_fused_cross_entropy_gradient_is_a_minus_y_where_the_factors_break_down(
    dtype: type,
) -> None:
    """A sigmoid output saturated at 1 with target 0: ∂C/∂a is clipped to a finite value,
    σ'(z) is 0, and the fused ∂C/∂z = (a − y)/n is the exact gradient, 1/n."""
    act, cost = ACTIVATIONS["sigmoid"], LOSSES["cross_entropy"]
    assert cost.fuses_output(act)
    assert not LOSSES["squared_error"].fuses_output(act)
    Z = np.array([[100.0], [-100.0]], dtype=dtype)
    A = act.forward(Z)
    Y = np.array([[0.0], [1.0]], dtype=dtype)
    np.testing.assert_allclose(cost.gradient_z(Z, A, Y, act), [[0.5], [-0.5]], rtol=1e-6)
    assert act.derivative(Z, A)[0, 0] == 0.0


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    ("output", "loss"),
    [("sigmoid", "cross_entropy"), ("softmax", "cross_entropy"), ("sigmoid", "squared_error")],
)
def test_training_saturated_networks_stays_finite(output: str, loss: str, dtype: str) -> None:
    """Weights so large that every unit saturates, trained with a huge learning rate."""
    spec = NetworkSpec.build([2, 3, 2], "sigmoid", output, loss, dtype)
    rng = np.random.default_rng(0)
    params = Params(
        [rng.normal(scale=200.0, size=(3, 2)), rng.normal(scale=200.0, size=(2, 3))],
        [np.zeros(3), np.zeros(2)],
    )
    X = rng.normal(size=(16, 2))
    labels = (X[:, 0] > 0).astype(int)
    Y = np.eye(2)[labels]
    grads = gradients(spec, params.astype(spec.np_dtype), X.astype(dtype), Y.astype(dtype))
    assert _all_finite(grads.cost, *grads.dW, *grads.db, *grads.dZ)
    assert _all_finite(*(a for a in grads.dA if a is not None))
    trainer = Trainer(
        spec,
        params,
        Dataset(X, Y, "classification", "saturated"),
        hyperparameters=Hyperparameters(learning_rate=100.0, batch_size=4, l2=1e-3),
    )
    trainer.train_steps(50)
    evaluation = trainer.evaluate()
    assert _all_finite(evaluation.train_cost, evaluation.train_data_cost, *trainer.params.arrays())
    assert trainer.cost is not None
    assert np.isfinite(trainer.cost)
    for _, y in (s.data() for s in trainer.history.series.values()):
        assert _all_finite(y)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cli_float32_cross_entropy_prints_no_warning_and_no_nan(
    capsys: pytest.CaptureFixture[str], dtype: str
) -> None:
    code = main(
        [
            "train",
            "--layers", "2,8,1", "--activation", "sigmoid", "--loss", "cross_entropy",
            "--dtype", dtype, "--dataset", "moons", "--lr", "500", "--epochs", "20",
            "--init", "xavier", "-q", "--json",
        ]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert "RuntimeWarning" not in err
    assert "overflow" not in err
    assert "divide" not in err
    summary = json.loads(out)
    for key in ("train_cost", "train_data_cost", "train_accuracy"):
        assert summary[key] is not None, key
        assert np.isfinite(summary[key]), key
    assert code in (0, 1)  # 1 only if the divergence guard stopped it, with a reason
    if code == 1:
        assert summary["stopped"]
