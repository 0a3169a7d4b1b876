"""Where the cost fuses with the output activation (sigmoid or softmax with cross-entropy)
the chain terms say so, and on a saturated output only the fused ∂C/∂z = a − y is right."""

from __future__ import annotations

import numpy as np
import pytest

from bpstudio.core.engine.backprop import backward, forward
from bpstudio.core.engine.chain import chain_terms, fuses_at
from bpstudio.core.engine.network import NetworkSpec, initialize


@pytest.mark.parametrize(
    ("output", "loss", "fused"),
    [
        ("sigmoid", "cross_entropy", True),
        ("softmax", "cross_entropy", True),
        ("sigmoid", "squared_error", False),
        ("softmax", "mse", False),
        ("linear", "squared_error", False),
    ],
)
def test_only_the_output_of_a_cross_entropy_fuses(output: str, loss: str, fused: bool) -> None:
    spec = NetworkSpec((2, 3, 2), ("tanh", output), loss)
    assert fuses_at(spec, 2) is fused
    assert not fuses_at(spec, 1)
    params = initialize(spec, seed=1)
    X = np.array([[0.3, -0.7]])
    Y = np.array([[1.0, 0.0]])
    trace = forward(spec, params, X)
    grads = backward(spec, params, trace, Y)
    out = chain_terms(spec, params, trace, grads, 2, 0, 1)
    assert out.fused is fused
    assert out.factored is (fused is False and output != "softmax")
    hidden = chain_terms(spec, params, trace, grads, 1, 0, 1)
    assert not hidden.fused
    assert hidden.factored


def test_a_saturated_output_has_only_its_fused_gradient() -> None:
    spec = NetworkSpec((1, 1), ("sigmoid",), "cross_entropy")
    params = initialize(spec, seed=0)
    params.W[0][0, 0] = 1.0
    params.b[0][0] = 60.0  # a = σ(61) rounds to exactly 1.0
    X, Y = np.array([[1.0]]), np.array([[0.0]])
    trace = forward(spec, params, X)
    grads = backward(spec, params, trace, Y)
    t = chain_terms(spec, params, trace, grads, 1, 0, 0)
    assert t.fused
    assert t.a[0] == 1.0
    assert t.da_dz[0] == 0.0  # σ′ has vanished ...
    assert t.dC_da[0] >= 1e14  # ... while the clipped ∂C/∂a is huge: the product is wrong
    assert t.da_dz[0] * t.dC_da[0] == 0.0
    assert t.dC_dz[0] == 1.0  # a − y
    assert t.per_example[0] == 1.0  # the gradient uses the fused ∂C/∂z
