"""The digits a view writes a product or a sum with: the identity holds to the digits shown
(checked on the numbers as Python writes them), with as few digits as that takes, and
"≈" exactly where no count of digits makes it hold."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from bpstudio.core.engine.shown_digits import (
    MAX_DIGITS,
    product_digits,
    rounded,
    sum_digits,
)

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)
digits = st.integers(min_value=3, max_value=12)


def written(value: float | Fraction, d: int) -> Fraction:
    """The number as a person reads it off the screen: Python's ``.{d}g`` text."""
    return Fraction(Decimal(format(float(value), f".{d}g")))


def product_holds(factors: list[float], product: float, d_factors: int, d: int) -> bool:
    exact = Fraction(1)
    for f in factors:
        exact *= written(f, d_factors)
    return rounded(exact, d) == written(product, d)


def sum_holds(terms: list[float], total: float, d_terms: int, d: int, scale: Fraction) -> bool:
    exact = scale * sum((written(t, d_terms) for t in terms), Fraction(0))
    return rounded(exact, d) == written(total, d)


@given(st.floats(allow_nan=False, allow_infinity=False), st.integers(1, MAX_DIGITS))
def test_rounded_is_what_python_writes(value: float, d: int) -> None:
    assert rounded(value, d) == written(value, d)


def test_rounding_ties_go_to_even() -> None:
    assert rounded(Fraction(125, 1000), 2) == Fraction(12, 100)
    assert rounded(Fraction(135, 1000), 2) == Fraction(14, 100)
    assert rounded(Fraction(1, 10**400), 3) == Fraction(1, 10**400)  # below float64's range
    assert rounded(Fraction(9995, 1000), 3) == 10


@settings(max_examples=300)
@given(st.lists(finite, min_size=2, max_size=3), digits)
def test_a_product_holds_to_the_digits_shown(factors: list[float], d: int) -> None:
    product = math.prod(factors)
    shown = product_digits(factors, product, d)
    assert shown.result_digits == d
    assert d <= shown.operand_digits <= MAX_DIGITS
    if shown.holds:
        assert shown.relation == "="
        assert product_holds(factors, product, shown.operand_digits, d)
        if shown.operand_digits > d:  # as few digits as it takes
            assert not product_holds(factors, product, shown.operand_digits - 1, d)
    else:  # honest: no count of digits makes it hold
        assert shown.relation == "≈"
        assert not any(product_holds(factors, product, k, d) for k in range(d, MAX_DIGITS + 1))


@settings(max_examples=300)
@given(
    st.lists(finite, min_size=1, max_size=5),
    digits,
    st.sampled_from([Fraction(1), Fraction(2), Fraction(1, 3), Fraction(1, 4)]),
)
def test_a_sum_holds_to_the_digits_shown(terms: list[float], d: int, scale: Fraction) -> None:
    total = float(scale) * math.fsum(terms)
    shown = sum_digits(terms, total, d, scale)
    if shown.holds:
        assert sum_holds(terms, total, shown.operand_digits, d, scale)
        if shown.operand_digits > d:
            assert not sum_holds(terms, total, shown.operand_digits - 1, d, scale)
    else:
        assert not any(sum_holds(terms, total, k, d, scale) for k in range(d, MAX_DIGITS + 1))


def test_the_note_example_needs_a_digit_more_for_its_factors() -> None:
    # docs/calculus.md §5: a_0^(2) · σ′(z_0^(3)) · ∂C0/∂a_0^(3) for the note's chain.
    factors = [0.383483718374, 0.249431135298, 0.453427203764]
    product = math.prod(factors)
    shown = product_digits(factors, product, 6)
    assert shown.holds
    assert product_holds(factors, product, shown.operand_digits, 6)


def test_a_saturated_product_cannot_be_written_as_its_factors() -> None:
    # σ′ has underflowed to 0 while the clipped ∂C/∂a is 1e15: the fused gradient is 1.
    shown = product_digits([1.0, 0.0, 1e15], 1.0, 6)
    assert not shown.holds
    assert shown.relation == "≈"


def test_a_cancelling_sum_shows_the_digits_it_needs() -> None:
    terms = [1.0000001, -1.0]
    shown = sum_digits(terms, terms[0] + terms[1], 4)
    assert shown.holds
    assert shown.operand_digits == 8


def test_not_a_number_never_holds() -> None:
    assert not product_digits([math.nan, 1.0], math.nan, 6).holds
    assert not sum_digits([math.inf, 1.0], math.inf, 6).holds
