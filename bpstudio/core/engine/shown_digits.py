"""How many digits to show so that a product or a sum holds to the digits shown.

A view that writes ``a · b · c = p`` with every number rounded invites a student to check
it, and with the factors rounded to the same digits as the product the check often fails
in the last digit (or completely: 0 · 1e15 = 0 next to a gradient of 1). The rule here:

- the result p is the engine's value, rounded to the ``digits`` the user chose;
- every operand is shown with the same count of significant digits, the smallest count
  from ``digits`` up to :data:`MAX_DIGITS` for which the identity holds *to the digits
  shown*: multiplying (or adding) the operands exactly as written, then rounding that to
  the result's digits, gives the result as written;
- if no count does (17 significant digits are the float64 values themselves, so only a
  result that straddles a rounding boundary within its own rounding error, or a sum that
  cancels, can fail), the identity is reported as not holding and the view writes "≈".

Rounding is to nearest with ties to even on the exact binary value, which is what Python's
``format(value, ".{d}g")`` writes (:func:`rounded`), so the checked numbers are the shown
ones. Arithmetic is exact: decimal products and sums with room for every digit, and
:class:`fractions.Fraction` where a scale such as 1/3 does not terminate. Qt-free; the
chain-rule panel and its tests use it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, Inexact
from fractions import Fraction

#: Significant digits at which every float64 is written exactly enough to read it back.
MAX_DIGITS = 17


def rounded(value: float | Fraction, digits: int) -> Fraction:
    """``value`` rounded to ``digits`` significant digits (ties to even), exactly.

    For a float this is the number ``format(value, f".{digits}g")`` writes.
    """
    x = Fraction(value)
    if x == 0:
        return x
    # The decimal exponent e with 10^e <= |x| < 10^(e+1): estimated from the lengths of
    # numerator and denominator (within one), then made exact.
    ax = abs(x)
    e = len(str(ax.numerator)) - len(str(ax.denominator))
    while Fraction(10) ** e > ax:
        e -= 1
    while Fraction(10) ** (e + 1) <= ax:
        e += 1
    scale = Fraction(10) ** (digits - 1 - e)
    return Fraction(round(x * scale)) / scale


@dataclass(frozen=True)
class Shown:
    """The digits a view writes an identity with.

    Attributes
    ----------
    operand_digits : significant digits of every factor or term
    result_digits : significant digits of the product or sum (the user's choice)
    holds : whether the operands as written, multiplied or added exactly and rounded to
        ``result_digits``, give the result as written (write "=" if so, "≈" if not)
    """

    operand_digits: int
    result_digits: int
    holds: bool

    @property
    def relation(self) -> str:
        """The sign to write: "=" where the identity holds to the digits shown, "≈" where
        it cannot."""
        return "=" if self.holds else "≈"


def _finite(values: Sequence[float]) -> bool:
    return all(math.isfinite(v) for v in values)


#: Room for every exact product of three written float64s (51 digits) and sum of a dozen
#: (their exponents span at most 650 places): these operations never round.
_EXACT = Context(prec=2000, rounding=ROUND_HALF_EVEN, Emin=-999_999, Emax=999_999)


def _written(value: float, digits: int) -> Decimal:
    """``value`` as written with ``digits`` significant digits (the same number as
    ``format(value, f".{digits}g")``), exactly."""
    return Decimal(format(value, f".{digits - 1}e"))


def _shown_result(exact: Decimal, digits: int, scale: Fraction) -> Decimal | Fraction:
    """``scale · exact`` rounded to ``digits`` significant digits, exactly."""
    if scale != 1:
        scaled = _EXACT.multiply(exact, Decimal(scale.numerator))
        _EXACT.clear_flags()
        quotient = _EXACT.divide(scaled, Decimal(scale.denominator))
        if _EXACT.flags[Inexact]:  # 1/3 of a decimal does not terminate: round it exactly
            return rounded(Fraction(scaled) / scale.denominator, digits)
        exact = quotient
    return Context(prec=digits, rounding=ROUND_HALF_EVEN, Emin=-999_999, Emax=999_999).plus(exact)


def _digits_to_hold(
    values: Sequence[float],
    result: float,
    digits: int,
    start: Decimal,
    combine: Callable[[Decimal, Decimal], Decimal],
    scale: Fraction = Fraction(1),
) -> Shown:
    """The fewest digits (from ``digits`` up) at which the written ``values``, folded from
    ``start`` by ``combine`` exactly and scaled, show as ``result`` shown to ``digits``."""
    if not _finite([*values, result]):
        return Shown(digits, digits, False)
    target = _written(result, digits)
    for d in range(digits, MAX_DIGITS + 1):
        exact = start
        for v in values:
            exact = combine(exact, _written(v, d))
        if _shown_result(exact, digits, scale) == target:
            return Shown(d, digits, True)
    return Shown(MAX_DIGITS, digits, False)


def product_digits(factors: Sequence[float], product: float, digits: int) -> Shown:
    """The digits to write ``f₁ · f₂ · … = product`` with (``product`` is the engine's
    value, shown to ``digits``)."""
    return _digits_to_hold(factors, product, digits, Decimal(1), _EXACT.multiply)


def sum_digits(
    terms: Sequence[float], total: float, digits: int, scale: Fraction = Fraction(1)
) -> Shown:
    """The digits to write ``scale · (t₁ + t₂ + …) = total`` with (``scale`` is 1 for a
    sum, 1/n for an average, 2 for 2(a − y); ``total`` is shown to ``digits``)."""
    return _digits_to_hold(terms, total, digits, Decimal(0), _EXACT.add, scale)
