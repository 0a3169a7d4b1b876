"""Every symbol and number as the user reads it, written in one place.

Two forms of the note's notation:

- rich text for Qt labels, tooltips and documents: ``<i>w</i><sub>01</sub><sup>(2)</sup>``;
- plain Unicode text for undo texts, the status bar and window titles: ``w₀₁⁽²⁾``.

Indices are run together as the note writes them (w₁₂ is "w one two"); when one has two
digits a comma keeps them apart (w₁₀,₂). Layers are written with absolute numbers
(``w^(2)``) or, as the note does, relative to the output layer L (``w^(L)``, ``a^(L−1)``):
:class:`LayerStyle`, chosen app-wide in :data:`settings`, which every view reads through
:meth:`Notation.for_spec`.
"""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass

from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.network import NetworkSpec

MINUS = "\u2212"
#: The learning rate.
ETA = "η"

Index = int | str
Layer = int | str | None

_SUBSCRIPT = str.maketrans("0123456789+-−()ijkn", "₀₁₂₃₄₅₆₇₈₉₊₋₋₍₎ᵢⱼₖₙ")
_SUPERSCRIPT = str.maketrans("0123456789+-−()Llijkn", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁽⁾ᴸˡⁱʲᵏⁿ")


class LayerStyle(enum.Enum):
    """How a layer is written: ``ABSOLUTE`` w^(2), or ``RELATIVE`` to the output, w^(L)."""

    ABSOLUTE = "absolute"
    RELATIVE = "relative"


@dataclass
class NotationSettings:
    """The app-wide choice of notation (the View menu and preferences switch it)."""

    layers: LayerStyle = LayerStyle.ABSOLUTE
    digits: int = 6  # significant digits of a number written by format_value


#: The one setting every view reads (through :meth:`Notation.for_spec`).
settings = NotationSettings()

#: The QSettings keys (and values: :class:`LayerStyle`'s) that remember the choices.
LAYER_STYLE_KEY = "view/notation"
DIGITS_KEY = "view/digits"
MIN_DIGITS, MAX_DIGITS = 3, 12


def set_layer_style(style: LayerStyle) -> None:
    """Write layers as ``style`` from now on (views redraw when they next refresh)."""
    settings.layers = style


def set_digits(digits: int) -> None:
    """Show ``digits`` significant digits (clamped to MIN_DIGITS..MAX_DIGITS)."""
    settings.digits = max(MIN_DIGITS, min(MAX_DIGITS, int(digits)))


def subscript(text: str) -> str:
    """``"10,2"`` -> ``"₁₀,₂"`` (characters without a subscript form stay as they are)."""
    return text.translate(_SUBSCRIPT)


def superscript(text: str) -> str:
    """``"(L−1)"`` -> ``"⁽ᴸ⁻¹⁾"``."""
    return text.translate(_SUPERSCRIPT)


def index_text(*indices: Index) -> str:
    """Indices as the note writes them: ``jk``, ``01``; past 9 with commas (``3,12``)."""
    sep = "," if any(isinstance(i, int) and i >= 10 for i in indices) else ""
    return sep.join(str(i) for i in indices)


@dataclass(frozen=True)
class Notation:
    """The note's notation for one network (L = ``n_layers``) in one :class:`LayerStyle`.

    Layers are numbers (1..L, 0 the input) or symbolic text such as ``"l"`` or ``"l-1"``,
    which is written as given (with a true minus sign).
    """

    n_layers: int | None = None
    style: LayerStyle = LayerStyle.ABSOLUTE

    @classmethod
    def for_spec(cls, spec: NetworkSpec | None = None) -> Notation:
        """The notation the user chose, for the network ``spec``."""
        return cls(spec.n_layers if spec is not None else None, settings.layers)

    # -- pieces ---------------------------------------------------------------------------------

    def layer(self, layer: int | str) -> str:
        """``2``, or relative to the output: ``L``, ``L−1``; symbolic layers as given."""
        if isinstance(layer, str):
            return layer.replace("-", MINUS)
        if self.style is LayerStyle.RELATIVE and self.n_layers is not None:
            behind = self.n_layers - layer
            return "L" if behind == 0 else f"L{MINUS}{behind}" if behind > 0 else f"L+{-behind}"
        return str(layer)

    def symbol(self, letter: str, layer: Layer, *indices: Index, plain: bool = False) -> str:
        """``symbol("a", 2, 1)`` -> ``<i>a</i><sub>1</sub><sup>(2)</sup>`` or ``a₁⁽²⁾``."""
        sub = index_text(*indices)
        sup = f"({self.layer(layer)})" if layer is not None else ""
        if plain:
            return f"{letter}{subscript(sub)}{superscript(sup)}"
        return (
            f"<i>{letter}</i>"
            + (f"<sub>{sub}</sub>" if sub else "")
            + (f"<sup>{sup}</sup>" if sup else "")
        )

    # -- the note's quantities -----------------------------------------------------------------

    def neuron(self, layer: Layer, j: Index, plain: bool = False) -> str:
        """a_j^(l)."""
        return self.symbol("a", layer, j, plain=plain)

    def pre_activation(self, layer: Layer, j: Index, plain: bool = False) -> str:
        """z_j^(l)."""
        return self.symbol("z", layer, j, plain=plain)

    def bias(self, layer: Layer, j: Index, plain: bool = False) -> str:
        """b_j^(l)."""
        return self.symbol("b", layer, j, plain=plain)

    def weight(self, layer: Layer, j: Index, k: Index, plain: bool = False) -> str:
        """w_jk^(l)."""
        return self.symbol("w", layer, j, k, plain=plain)

    def input_value(self, j: Index | None = None, plain: bool = False) -> str:
        """x_j (no layer: the input), or x for a network's one input."""
        return self.symbol("x", None, *([] if j is None else [j]), plain=plain)

    def target(self, j: Index | None = None, plain: bool = False) -> str:
        """y_j, or y for a network's one output."""
        return self.symbol("y", None, *([] if j is None else [j]), plain=plain)

    def matrix(self, layer: Layer, plain: bool = False) -> str:
        """W^(l), the weights of a whole layer."""
        return self.symbol("W", layer, plain=plain)

    def biases(self, layer: Layer, plain: bool = False) -> str:
        """b^(l), the biases of a whole layer."""
        return self.symbol("b", layer, plain=plain)

    def param(self, ref: ParamRef, plain: bool = False) -> str:
        """The parameter ``ref`` in the note's notation: w_jk^(l) or b_j^(l)."""
        return self.symbol(ref.kind, ref.layer, *ref.index, plain=plain)

    def slope(self, layer: Layer, j: Index, plain: bool = False) -> str:
        """σ′(z_j^(l)), the activation's slope."""
        return f"σ′({self.pre_activation(layer, j, plain=plain)})"

    def sum_over(self, index: str, plain: bool = False) -> str:
        """Σ_k, a sum over the neurons ``index``."""
        return f"Σ{subscript(index)}" if plain else f"Σ<sub>{index}</sub>"

    def gradient(self, quantity: str, per_example: bool = False, plain: bool = False) -> str:
        """∂C/∂(quantity), or ∂C₀/∂(quantity) for one example's cost."""
        return partial(cost(per_example, plain=plain), quantity)


def cost(per_example: bool = False, plain: bool = False, example: str = "0") -> str:
    """C, or C₀ for the cost of one example (C_k for ``example="k"``)."""
    if not per_example:
        return "C"
    return f"C{subscript(example)}" if plain else f"C<sub>{example}</sub>"


def power(base: str, exponent: str, plain: bool = False) -> str:
    """base to the power exponent: e^z (not a layer: no parentheses)."""
    return f"{base}{superscript(exponent)}" if plain else f"{base}<sup>{exponent}</sup>"


#: An invisible character that forbids a line break where it stands.
WORD_JOINER = "\u2060"
_SLASH = re.compile(r"(?<!<)/(?!>)")


def unbroken(html: str) -> str:
    """A symbol of rich text (∂C₀/∂a) that a line never breaks inside: text wraps at the
    spaces around a formula's operators only. A line may break after a slash; a word joiner
    after each slash (not those of the tags) forbids it."""
    return _SLASH.sub("/" + WORD_JOINER, html)


def partial(numerator: str, denominator: str) -> str:
    """∂numerator/∂denominator, inline."""
    return f"∂{numerator}/∂{denominator}"


# -- numbers -------------------------------------------------------------------------------------


def format_value(value: float | None, digits: int | None = None) -> str:
    """A number for reading: ``digits`` significant digits (else the user's choice,
    ``settings.digits``), a true minus sign, "—" for nothing."""
    if digits is None:
        digits = settings.digits
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


def fixed(value: float, decimals: int = 4) -> str:
    """A number with a fixed count of decimals (table cells line up): ``−0.5000``."""
    if not math.isfinite(value):
        return format_value(value)
    text = f"{value:.{decimals}f}"
    return text.replace("-", MINUS, 1) if text.startswith("-") else text


def formula_number(value: float, digits: int = 4, paren: bool = False) -> str:
    """A number inside a rich-text formula: powers of ten as ·10<sup>n</sup>; negative
    numbers in parentheses with ``paren`` (as in 2 · (−0.5))."""
    if not math.isfinite(value):
        return format_value(value)
    text = format_value(value, digits)
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}·10<sup>{format_value(int(exponent))}</sup>"
    if paren and value < 0:
        return f"({text})"
    return text


def exact(value: float) -> str:
    """All the digits float64 holds, for comparing with the engine: ``−1.234567890123e−02``."""
    return f"{value:.12e}".replace("-", MINUS)


def compact(value: float) -> str:
    """A neuron's activation in at most four characters."""
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else "∞"
    magnitude = abs(value)
    if magnitude >= 99.5:
        text = f"{value:.0e}".replace("e+0", "e")
    elif magnitude >= 9.95:
        text = f"{value:.0f}"
    elif magnitude >= 0.995:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}".replace("0.", ".", 1)
    return text.replace("-", "−")
