"""The note's notation as Qt rich text: a<sub>j</sub><sup>(l)</sup>, w<sub>jk</sub><sup>(l)</sup>.

Shared by the panels so every view writes a quantity the same way.
"""

from __future__ import annotations

import math

from bpstudio.core.engine.network import index_text

MINUS = "\u2212"


def symbol(letter: str, layer: int | None, *indices: int) -> str:
    """``symbol("a", 2, 1)`` -> ``a<sub>1</sub><sup>(2)</sup>``."""
    sub = f"<sub>{index_text(*indices)}</sub>" if indices else ""
    sup = f"<sup>({layer})</sup>" if layer is not None else ""
    return f"<i>{letter}</i>{sub}{sup}"


def neuron(layer: int, j: int) -> str:
    return symbol("a", layer, j)


def pre_activation(layer: int, j: int) -> str:
    return symbol("z", layer, j)


def bias(layer: int, j: int) -> str:
    return symbol("b", layer, j)


def weight(layer: int, j: int, k: int) -> str:
    return symbol("w", layer, j, k)


def input_value(j: int) -> str:
    return symbol("x", None, j)


def partial(numerator: str, denominator: str) -> str:
    """∂C/∂x as inline rich text."""
    return f"∂{numerator}/∂{denominator}"


def format_value(value: float | None, digits: int = 6) -> str:
    """A number for reading: significant digits, a true minus sign, "—" for nothing."""
    if value is None:
        return "—"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return f"{MINUS}∞" if value < 0 else "∞"
    if value == 0:
        value = 0.0  # no "−0"
    text = f"{value:.{digits}g}"
    return text.replace("-", MINUS, 1) if text.startswith("-") else text
