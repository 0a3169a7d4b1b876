"""The notation module: every symbol in rich and plain text, in both layer styles, and the
number formats."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bpstudio.app import notation
from bpstudio.app.notation import LayerStyle, Notation
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.network import NetworkSpec

ABSOLUTE = Notation(3, LayerStyle.ABSOLUTE)
RELATIVE = Notation(3, LayerStyle.RELATIVE)


@pytest.mark.parametrize(
    ("text", "absolute", "relative"),
    [
        # (what, absolute, relative to L = 3)
        (lambda nt: nt.weight(1, 0, 0, plain=True), "w₀₀⁽¹⁾", "w₀₀⁽ᴸ⁻²⁾"),
        (lambda nt: nt.weight(3, 0, 1, plain=True), "w₀₁⁽³⁾", "w₀₁⁽ᴸ⁾"),
        (lambda nt: nt.weight(2, 10, 2, plain=True), "w₁₀,₂⁽²⁾", "w₁₀,₂⁽ᴸ⁻¹⁾"),
        (lambda nt: nt.weight(2, 3, 12, plain=True), "w₃,₁₂⁽²⁾", "w₃,₁₂⁽ᴸ⁻¹⁾"),
        (lambda nt: nt.bias(2, 1, plain=True), "b₁⁽²⁾", "b₁⁽ᴸ⁻¹⁾"),
        (lambda nt: nt.neuron(0, 1, plain=True), "a₁⁽⁰⁾", "a₁⁽ᴸ⁻³⁾"),
        (lambda nt: nt.weight("l", "j", "k", plain=True), "wⱼₖ⁽ˡ⁾", "wⱼₖ⁽ˡ⁾"),
        (lambda nt: nt.neuron("l-1", "k", plain=True), "aₖ⁽ˡ⁻¹⁾", "aₖ⁽ˡ⁻¹⁾"),
        (lambda nt: nt.input_value(1, plain=True), "x₁", "x₁"),
        (lambda nt: nt.weight(1, 0, 0), "<i>w</i><sub>00</sub><sup>(1)</sup>", None),
        (lambda nt: nt.weight(2, 10, 2), "<i>w</i><sub>10,2</sub><sup>(2)</sup>", None),
        (lambda nt: nt.neuron(2, 1), "<i>a</i><sub>1</sub><sup>(2)</sup>", None),
        (lambda nt: nt.neuron(2, 1), None, "<i>a</i><sub>1</sub><sup>(L−1)</sup>"),
        (lambda nt: nt.pre_activation(3, 0), None, "<i>z</i><sub>0</sub><sup>(L)</sup>"),
        (lambda nt: nt.matrix(3), "<i>W</i><sup>(3)</sup>", "<i>W</i><sup>(L)</sup>"),
        (lambda nt: nt.neuron("l-1", "k"), "<i>a</i><sub>k</sub><sup>(l−1)</sup>", None),
        (lambda nt: nt.input_value(2), "<i>x</i><sub>2</sub>", "<i>x</i><sub>2</sub>"),
        (lambda nt: nt.slope(1, 0, plain=True), "σ′(z₀⁽¹⁾)", "σ′(z₀⁽ᴸ⁻²⁾)"),
        (lambda nt: nt.gradient(nt.bias(3, 0, plain=True), plain=True), "∂C/∂b₀⁽³⁾", "∂C/∂b₀⁽ᴸ⁾"),
        (
            lambda nt: nt.gradient(nt.neuron(1, 0), per_example=True),
            "∂C<sub>0</sub>/∂<i>a</i><sub>0</sub><sup>(1)</sup>",
            None,
        ),
        (lambda nt: nt.sum_over("j", plain=True), "Σⱼ", "Σⱼ"),
        (lambda nt: nt.target(), "<i>y</i>", "<i>y</i>"),
        (lambda nt: nt.input_value(plain=True), "x", "x"),
        (lambda _: notation.cost(per_example=True, example="k"), "C<sub>k</sub>", None),
        (lambda _: notation.cost(per_example=True, example="k", plain=True), "Cₖ", None),
        (lambda nt: nt.symbol("G", "l-1", "A"), "<i>G</i><sub>A</sub><sup>(l−1)</sup>", None),
    ],
)
def test_symbols(
    text: Callable[[Notation], str], absolute: str | None, relative: str | None
) -> None:
    if absolute is not None:
        assert text(ABSOLUTE) == absolute
    if relative is not None:
        assert text(RELATIVE) == relative


def test_a_parameter_is_written_from_its_address() -> None:
    assert ABSOLUTE.param(ParamRef.weight(1, 0, 0), plain=True) == "w₀₀⁽¹⁾"
    assert ABSOLUTE.param(ParamRef.bias(2, 11), plain=True) == "b₁₁⁽²⁾"
    assert RELATIVE.param(ParamRef.bias(3, 0)) == "<i>b</i><sub>0</sub><sup>(L)</sup>"


def test_views_read_the_app_wide_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = NetworkSpec.build([1, 1, 1, 1])
    assert notation.settings.layers is LayerStyle.ABSOLUTE  # the default
    assert Notation.for_spec(spec).weight(3, 0, 0, plain=True) == "w₀₀⁽³⁾"
    monkeypatch.setattr(notation.settings, "layers", LayerStyle.RELATIVE)
    assert Notation.for_spec(spec).weight(3, 0, 0, plain=True) == "w₀₀⁽ᴸ⁾"
    assert Notation.for_spec(spec).weight(2, 0, 0, plain=True) == "w₀₀⁽ᴸ⁻¹⁾"
    # Without a network there is no L to count from: numbers.
    assert Notation.for_spec(None).weight(2, 0, 0, plain=True) == "w₀₀⁽²⁾"


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (0.5, 6, "0.5"),
        (-0.5, 4, "−0.5"),
        (-0.0, 6, "0"),
        (1234567.0, 4, "1.235e+06"),
        (None, 6, "—"),
        (float("nan"), 6, "NaN"),
        (float("-inf"), 6, "−∞"),
    ],
)
def test_format_value(value: float | None, digits: int, expected: str) -> None:
    assert notation.format_value(value, digits) == expected


def test_number_formats_for_formulas_tables_and_the_canvas() -> None:
    assert notation.formula_number(-0.5, paren=True) == "(−0.5)"
    assert notation.formula_number(0.5, paren=True) == "0.5"
    assert notation.formula_number(-1.5e-7) == "−1.5·10<sup>−7</sup>"
    assert notation.exact(-0.0123) == "−1.230000000000e−02"
    assert notation.fixed(-0.5) == "−0.5000"
    assert notation.fixed(2.0, 2) == "2.00"
    assert notation.compact(-0.25) == "−.25"
    assert notation.compact(123.0) == "1e2"


def test_undo_texts_read_as_people_write(qapp: object) -> None:
    from bpstudio.app.commands import SetParameterCommand
    from bpstudio.app.document import Document

    document = Document()
    command = SetParameterCommand(document, ParamRef.weight(1, 0, 0), 0.5)
    assert command.text() == "Set w₀₀⁽¹⁾ to 0.5"
    command = SetParameterCommand(document, ParamRef.bias(3, 0), -1.25)
    assert command.text() == "Set b₀⁽³⁾ to −1.25"


def test_unbroken_joins_the_slash_but_not_the_tags() -> None:
    html = "∂C<sub>0</sub>/∂<i>a</i><br/>"
    assert notation.unbroken(html) == "∂C<sub>0</sub>/\u2060∂<i>a</i><br/>"
