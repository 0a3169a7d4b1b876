"""Reading a number a person typed: the one parser behind every number field.

Qt-free so that it is tested on its own. It accepts what a student writes by hand, and
refuses everything else with a one-line message instead of guessing.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

#: Minus signs people type or paste: the ASCII hyphen-minus, U+2212 and the en dash.
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-", "\ufe63": "-", "\uff0d": "-"})
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


class NumberTextError(ValueError):
    """The text is not a number the field takes; the message says why, for people."""


def _plain(text: str, decimal: str) -> str:
    """``text`` with its minus signs made ASCII and the locale's decimal point made '.'."""
    cleaned = text.strip().translate(_MINUS).replace(" ", "")
    if decimal != ".":
        if "." in cleaned:
            raise NumberTextError(f"“{text.strip()}”: use “{decimal}” as the decimal point")
        cleaned = cleaned.replace(decimal, ".")
    return cleaned


def _exact(part: str, shown: str) -> Fraction:
    match = _DECIMAL.fullmatch(part)
    if not match:
        if part.lstrip("+-").lower() in ("nan", "inf", "infinity"):
            raise NumberTextError(f"“{shown}” is not a finite number")
        raise NumberTextError(f"“{shown}” is not a number")
    if match.group(2) and abs(int(match.group(2)[1:])) > 999:
        # Beyond any float; refused before Fraction builds a number with that many digits.
        raise NumberTextError(f"“{shown}” is too large for a number the app can hold")
    return Fraction(part)


def parse_number(
    text: str,
    decimal: str = ".",
    minimum: float = -math.inf,
    maximum: float = math.inf,
    integer: bool = False,
) -> float:
    """The value of ``text``, a number as a person types it.

    Accepts ``0.2``, ``.2``, ``2e-1``, ``-1.5E3``, the Unicode minus (``−1``), ``decimal`` as
    the decimal point (``1,5`` where ``decimal`` is ``","``) and exact fractions ``p/q``
    (``1/3``, read exactly, then rounded once to the nearest float). Refuses anything else:
    empty text, NaN, infinities, values too large for a float, values outside
    [``minimum``, ``maximum``] and, when ``integer``, values with a fractional part.

    Raises
    ------
    NumberTextError : with a one-line message that names the text and what was expected.
    """
    shown = text.strip()
    if not shown:
        raise NumberTextError("type a number")
    cleaned = _plain(text, decimal)
    numerator, slash, denominator = cleaned.partition("/")
    exact = _exact(numerator, shown)
    if slash:
        bottom = _exact(denominator, shown)
        if bottom == 0:
            raise NumberTextError(f"“{shown}” divides by zero")
        exact /= bottom
    try:
        value = float(exact)
    except OverflowError:
        raise NumberTextError(f"“{shown}” is too large for a number the app can hold") from None
    if not math.isfinite(value):  # pragma: no cover (float(Fraction) raises instead)
        raise NumberTextError(f"“{shown}” is not a finite number")
    if integer and exact.denominator != 1:
        raise NumberTextError(f"“{shown}” is not a whole number")
    if not minimum <= value <= maximum:
        raise NumberTextError(f"“{shown}” is outside {_bound(minimum)} … {_bound(maximum)}")
    return value


def _bound(value: float) -> str:
    if math.isinf(value):
        return "−∞" if value < 0 else "∞"
    return f"{value:g}".replace("-", "−")
