"""The values table: its numbers are the engine's (for one example and for the batch), and
its CSV, Markdown and LaTeX forms are well formed and carry every number."""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pytest

from bpstudio.core.engine.address import param_refs
from bpstudio.core.engine.backprop import backward, forward, gradients
from bpstudio.core.engine.network import NetworkSpec, initialize
from bpstudio.core.engine.values_table import (
    FORMATS,
    PlainSymbols,
    caption,
    number,
    render,
    values_table,
)
from bpstudio.core.errors import BPStudioError

SPEC = NetworkSpec.build([2, 3, 2], "tanh", "sigmoid", "squared_error")


@pytest.fixture
def batch() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    return rng.normal(size=(5, 2)), rng.random((5, 2))


def test_the_batch_table_is_the_engines_gradient(batch):
    X, Y = batch
    params = initialize(SPEC, "xavier", 1)
    table = values_table(SPEC, params, X, Y, example=None)
    grads = gradients(SPEC, params, X, Y)
    assert table.cost == grads.cost
    assert [p.ref for p in table.parameters] == list(param_refs(SPEC))
    np.testing.assert_array_equal([p.gradient for p in table.parameters], grads.vector())
    np.testing.assert_array_equal([p.value for p in table.parameters], params.vector())
    trace = forward(SPEC, params, X)
    outputs = [r for r in table.neurons if r.layer == 2]
    np.testing.assert_allclose([r.a for r in outputs], trace.A[2].mean(axis=0), rtol=1e-15)
    assert len(table.neurons) == sum(SPEC.layer_sizes)


def test_one_examples_table_is_that_example_alone(batch):
    X, Y = batch
    params = initialize(SPEC, "xavier", 2)
    k = 3
    table = values_table(SPEC, params, X, Y, example=k)
    alone = values_table(SPEC, params, X[k : k + 1], Y[k : k + 1], example=None)
    np.testing.assert_allclose(table.cost, alone.cost, rtol=1e-14)
    np.testing.assert_allclose(
        [p.gradient for p in table.parameters], [p.gradient for p in alone.parameters],
        rtol=1e-12, atol=1e-15,
    )  # fmt: skip
    trace = forward(SPEC, params, X[k : k + 1])
    grads = backward(SPEC, params, trace, Y[k : k + 1], input_gradient=True)
    hidden = [r for r in table.neurons if r.layer == 1]
    np.testing.assert_allclose([r.z for r in hidden], trace.Z[0][0], rtol=1e-14)
    np.testing.assert_allclose([r.slope for r in hidden], 1 - trace.A[1][0] ** 2, rtol=1e-12)
    np.testing.assert_allclose([r.dC_da for r in hidden], grads.dA[1][0], rtol=1e-12)
    np.testing.assert_allclose([r.dC_dz for r in hidden], grads.dZ[0][0], rtol=1e-12)
    inputs = [r for r in table.neurons if r.layer == 0]
    np.testing.assert_allclose([r.dC_da for r in inputs], grads.dA[0][0], rtol=1e-12)
    assert all(r.z is None and r.slope is None for r in inputs)


def test_csv_has_one_row_per_neuron_and_parameter_with_every_digit_asked(batch):
    X, Y = batch
    params = initialize(SPEC, "xavier", 3)
    table = values_table(SPEC, params, X, Y, example=0)
    rows = list(csv.reader(io.StringIO(render(table, "csv", 17))))
    blank = rows.index([])
    neurons, parameters = rows[:blank], rows[blank + 1 :]
    assert neurons[0] == ["neuron", "z", "a", "σ′(z)", "∂C₀/∂a", "∂C₀/∂z"]
    assert len(neurons) == 1 + sum(SPEC.layer_sizes)
    assert len(parameters) == 1 + SPEC.parameter_count
    assert all(len(r) == 3 for r in parameters)
    # 17 significant digits read back as the very same float64.
    read = [float(r[2]) for r in parameters[1:]]
    assert read == [p.gradient for p in table.parameters]
    assert parameters[1][0] == PlainSymbols().symbol("w", 1, 0, 0) == "w_00^(1)"


def test_markdown_tables_have_as_many_cells_as_header_columns(batch):
    X, Y = batch
    table = values_table(SPEC, initialize(SPEC, "xavier", 4), X, Y, example=None)
    text = render(table, "markdown", 5)
    lines = [line for line in text.splitlines() if line.startswith("|")]
    assert len(lines) == (2 + sum(SPEC.layer_sizes)) + (2 + SPEC.parameter_count)
    for line in lines:
        cells = re.split(r"(?<!\\)\|", line)[1:-1]
        assert len(cells) in (6, 3)
    assert "|:---|---:|---:|" in text
    assert "∂C/∂a" in text  # the batch's C, not one example's C₀


def test_latex_is_balanced_and_every_row_has_its_columns(batch):
    X, Y = batch
    table = values_table(SPEC, initialize(SPEC, "xavier", 5), X, Y, example=1)
    text = render(table, "latex", 4)
    assert text.count("\\begin{tabular}") == text.count("\\end{tabular}") == 2
    assert text.count("{") == text.count("}")
    for line in text.splitlines():
        if line.endswith("\\\\"):
            assert line.count("$") % 2 == 0
            cells = line[:-2].split(" & ")
            assert len(cells) in (6, 3)
    assert "$w_{00}^{(1)}$" in text
    assert "\\partial C_0/\\partial a" in text


def test_numbers_have_the_digits_asked_and_latex_writes_powers_of_ten():
    assert number(1 / 3, 4) == "0.3333"
    assert number(-2.5e-7, 3, "latex") == "-2.5 \\times 10^{-7}"
    assert number(-0.0, 3) == "0"
    assert number(None, 3) == ""
    assert number(float("-inf"), 3, "latex") == "-\\infty"


def test_text_names_what_it_shows(batch):
    X, Y = batch
    table = values_table(SPEC, initialize(SPEC, "xavier", 6), X, Y, example=2)
    assert "example 2 of 5" in caption(table)
    assert "averaged over the batch of n = 5" in caption(
        values_table(SPEC, initialize(SPEC), X, Y, example=None)
    )
    text = render(table, "text", 6)
    assert text.splitlines()[0] == "Neurons"
    assert "Parameters" in text


def test_bad_requests_are_refused_in_one_line(batch):
    X, Y = batch
    params = initialize(SPEC)
    with pytest.raises(BPStudioError, match="not an example 5"):
        values_table(SPEC, params, X, Y, example=5)
    table = values_table(SPEC, params, X, Y)
    with pytest.raises(BPStudioError, match="unknown table format 'html'"):
        render(table, "html")
    with pytest.raises(BPStudioError, match="digits must be between 1 and 17"):
        render(table, "text", 0)
    assert set(FORMATS) == {"text", "csv", "markdown", "latex"}
