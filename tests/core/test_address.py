"""The parameter address: names and their parsing, get/set on Params, the order of ∇C."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpstudio.core.data.source import DataSource, load_examples, split_examples
from bpstudio.core.engine.address import (
    ParamRef,
    array_name,
    layer_refs,
    param_refs,
    parse_array_name,
    ref_at,
)
from bpstudio.core.engine.backprop import gradients
from bpstudio.core.engine.gradcheck import gradient_check
from bpstudio.core.engine.network import NetworkSpec, initialize
from bpstudio.core.errors import BPStudioError
from bpstudio.core.training.history import History
from bpstudio.core.training.hyperparams import Hyperparameters
from bpstudio.core.training.session import TrainingData, TrainingSession

sizes = st.lists(st.integers(1, 5), min_size=2, max_size=5)


@pytest.mark.parametrize(
    ("name", "ref"),
    [
        ("W2[1,3]", ParamRef("w", 2, 1, 3)),
        ("b2[1]", ParamRef("b", 2, 1)),
        ("W1[0,0]", ParamRef.weight(1, 0, 0)),
        ("b10[12]", ParamRef.bias(10, 12)),
        ("W3[10,2]", ParamRef.weight(3, 10, 2)),
    ],
)
def test_names_are_the_files_and_the_clis(name: str, ref: ParamRef) -> None:
    assert ref.name == name
    assert str(ref) == name
    assert ParamRef.parse(name) == ref


def test_parsing_accepts_spaces_and_refuses_what_is_not_a_parameter() -> None:
    assert ParamRef.parse(" W2[ 1 , 3 ] ") == ParamRef.weight(2, 1, 3)
    for bad in ("W2", "W2[1]", "b2[1,3]", "W0[0,0]", "x1[0]", "W2[1,3", "W2[-1,0]", ""):
        with pytest.raises(BPStudioError):
            ParamRef.parse(bad)


def test_a_ref_says_which_parameter_it_is_or_refuses_to_exist() -> None:
    with pytest.raises(BPStudioError):
        ParamRef("w", 1, 0)  # a weight needs k
    with pytest.raises(BPStudioError):
        ParamRef("b", 1, 0, 0)  # a bias has no k
    with pytest.raises(BPStudioError):
        ParamRef("W", 1, 0, 0)  # type: ignore[arg-type]
    with pytest.raises(BPStudioError):
        ParamRef.bias(0, 0)  # layer 0 is the input: no biases
    ref = ParamRef.weight(2, 1, 3)
    assert ref.is_weight
    assert ref.index == (1, 3)
    assert ref.array_name == "W2"
    assert ParamRef.bias(2, 1).index == (1,)
    assert pickle.loads(pickle.dumps(ref)) == ref  # it crosses the pipe to the process


def test_array_names_round_trip() -> None:
    assert array_name("w", 3) == "W3"
    assert array_name("b", 1) == "b1"
    assert parse_array_name("W12") == ("w", 12)
    assert parse_array_name("b1") == ("b", 1)
    for bad in ("w1", "B1", "W0", "W", "W1[0,0]"):
        with pytest.raises(BPStudioError):
            parse_array_name(bad)


def test_fits_and_check_follow_the_spec() -> None:
    spec = NetworkSpec.build([2, 3, 1])
    assert ParamRef.weight(1, 2, 1).fits(spec)
    assert not ParamRef.weight(1, 3, 0).fits(spec)  # layer 1 has neurons 0..2
    assert not ParamRef.weight(1, 0, 2).fits(spec)  # the input has neurons 0..1
    assert not ParamRef.bias(3, 0).fits(spec)  # L = 2
    with pytest.raises(BPStudioError, match="no parameter b3"):
        ParamRef.bias(3, 0).check(spec)


@settings(max_examples=40, deadline=None)
@given(layer_sizes=sizes, seed=st.integers(0, 2**16))
def test_grad_index_is_the_position_in_the_engines_gradient(
    layer_sizes: list[int], seed: int
) -> None:
    spec = NetworkSpec.build(layer_sizes, "tanh", "linear")
    rng = np.random.default_rng(seed)
    params = initialize(spec, "xavier", rng)
    X = rng.normal(size=(3, spec.input_size))
    Y = rng.normal(size=(3, spec.output_size))
    grads = gradients(spec, params, X, Y)
    vector = grads.vector()
    refs = list(param_refs(spec))
    assert len(refs) == spec.parameter_count == vector.size
    assert [r.grad_index(spec) for r in refs] == list(range(spec.parameter_count))
    for i, ref in enumerate(refs):
        assert ref_at(spec, i) == ref
        assert ref.get(grads.as_params()) == vector[i]
        assert ref.get(params) == params.vector()[i]


@settings(max_examples=30, deadline=None)
@given(layer_sizes=sizes, seed=st.integers(0, 2**16))
def test_set_changes_exactly_one_entry(layer_sizes: list[int], seed: int) -> None:
    spec = NetworkSpec.build(layer_sizes)
    rng = np.random.default_rng(seed)
    params = initialize(spec, "xavier", rng)
    ref = ref_at(spec, int(rng.integers(spec.parameter_count)))
    before = params.vector()
    ref.set(params, 123.5)
    after = params.vector()
    assert ref.get(params) == 123.5
    changed = np.flatnonzero(after != before)
    np.testing.assert_array_equal(changed, [ref.grad_index(spec)])


def test_layer_refs_are_row_by_row_then_the_biases() -> None:
    spec = NetworkSpec.build([2, 2, 1])
    assert [r.name for r in layer_refs(spec, 1, "w")] == [
        "W1[0,0]",
        "W1[0,1]",
        "W1[1,0]",
        "W1[1,1]",
    ]
    assert [r.name for r in layer_refs(spec, 1, "b")] == ["b1[0]", "b1[1]"]
    assert [r.name for r in param_refs(spec)][-3:] == ["W2[0,0]", "W2[0,1]", "b2[0]"]
    with pytest.raises(BPStudioError):
        ref_at(spec, spec.parameter_count)


def test_gradcheck_names_its_checks_by_address() -> None:
    spec = NetworkSpec.build([2, 3, 1])
    rng = np.random.default_rng(0)
    params = initialize(spec, "xavier", rng)
    X, Y = rng.normal(size=(4, 2)), rng.normal(size=(4, 1))
    result = gradient_check(spec, params, X, Y)
    assert [c.ref for c in result.checks] == list(param_refs(spec))
    assert result.checks[0].name == "W1[0,0]"
    vector = gradients(spec, params, X, Y).vector()
    for check in result.checks:
        assert check.backprop == vector[check.ref.grad_index(spec)]


def test_the_session_sets_one_parameter_by_its_address() -> None:
    spec = NetworkSpec.build([2, 3, 1], "tanh", "sigmoid", "cross_entropy")
    params = initialize(spec, "xavier", 0)
    session = TrainingSession(lambda name, payload: None)
    session.set_network(spec, params, Hyperparameters(), History(), 0, 0)
    source = DataSource("generator", "xor", n_examples=20, seed=1)
    train, validation = split_examples(source, load_examples(source))
    session.set_data(TrainingData("xor", train, validation))
    ref = ParamRef.weight(2, 0, 1)
    session.set_parameter(ref, 0.75)
    assert session.trainer is not None
    expected = params.copy()
    ref.set(expected, 0.75)
    assert session.trainer.params.allclose(expected)
