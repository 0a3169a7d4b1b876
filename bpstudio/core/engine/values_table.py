"""Every number of one forward and backward pass in one table, for checking by hand.

A student who sets up a small network on paper checks each line of the calculation
(``docs/calculus.md``) against this table: for every neuron z, a, σ′(z), ∂C/∂a and ∂C/∂z,
and for every weight and bias its value and ∂C/∂w or ∂C/∂b, for one example (its own cost)
or averaged over the batch (the components of ∇C). The numbers come from the engine's
readout (:mod:`bpstudio.core.engine.readout`), never from a second derivation.

The table is a value (:class:`ValuesTable`) and :func:`render` writes it as plain text,
CSV, Markdown or LaTeX with as many significant digits as asked. Symbols are written by
whatever notation the caller passes (:class:`Symbols`; the app's notation module fits it),
so the CLI and the app's values table print the same thing.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from bpstudio.core.engine.activations import Array
from bpstudio.core.engine.address import param_refs
from bpstudio.core.engine.backprop import backward, check_batch, forward
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.engine.readout import NeuronReadout, ParamReadout, readout
from bpstudio.core.errors import BPStudioError

FORMATS = ("text", "csv", "markdown", "latex")
DEFAULT_DIGITS = 6
MAX_DIGITS = 17  # float64 round-trips in 17 significant digits


class Symbols(Protocol):
    """Writes the note's symbols: ``symbol("w", 2, 1, 0, plain=True)`` -> ``w₁₀⁽²⁾``, and
    ``layer(2)`` -> ``2`` (or ``L``) for LaTeX superscripts."""

    def symbol(
        self, letter: str, layer: int | str | None, *indices: int | str, plain: bool = ...
    ) -> str: ...

    def layer(self, layer: int | str) -> str: ...


class PlainSymbols:
    """Absolute layer numbers, ASCII only: ``w_10^(2)`` (the default when no notation is
    given)."""

    def layer(self, layer: int | str) -> str:
        return str(layer)

    def symbol(
        self, letter: str, layer: int | str | None, *indices: int | str, plain: bool = True
    ) -> str:
        del plain  # ASCII is the only form
        sep = "," if any(isinstance(i, int) and i >= 10 for i in indices) else ""
        sub = f"_{sep.join(str(i) for i in indices)}" if indices else ""
        sup = f"^({self.layer(layer)})" if layer is not None else ""
        return f"{letter}{sub}{sup}"


@dataclass(frozen=True)
class ValuesTable:
    """The neurons' and parameters' numbers of one pass.

    Attributes
    ----------
    spec : the network.
    example : the example (row of the batch) read out, or None for the batch average.
    n_examples : n, the examples of the batch.
    cost : C_k of the example, or C of the batch.
    neurons : every neuron, layer by layer (the inputs first: only a and ∂C/∂a).
    parameters : every weight and bias in the order of ∇C.
    """

    spec: NetworkSpec
    example: int | None
    n_examples: int
    cost: float
    neurons: tuple[NeuronReadout, ...]
    parameters: tuple[ParamReadout, ...]


def values_table(
    spec: NetworkSpec, params: Params, X: Array, Y: Array, example: int | None = 0
) -> ValuesTable:
    """The table of the batch ``X : (n, d0)``, ``Y : (n, n_L)``: of row ``example`` (its own
    cost C_k) or, with ``example=None``, averaged over the n rows."""
    check_batch(spec, X, Y)
    n = int(X.shape[0])
    if n == 0:
        raise BPStudioError("the values table needs at least one example")
    if example is not None and not 0 <= example < n:
        raise BPStudioError(f"the data has {n} examples (0 to {n - 1}), not an example {example}")
    dtype = spec.np_dtype
    params = params.astype(dtype)
    X, Y = np.asarray(X, dtype=dtype), np.asarray(Y, dtype=dtype)
    trace = forward(spec, params, X)
    grads = backward(spec, params, trace, Y, input_gradient=True)
    values = readout(spec, params, trace, grads, example)
    if example is None:
        cost = float(grads.cost)
    else:
        per_example = spec.loss_fn.per_example(trace.Z[-1], trace.output, Y, spec.output_activation)
        cost = float(per_example[example])
    neurons = tuple(
        values.neuron(l, j) for l in range(spec.n_layers + 1) for j in range(spec.layer_sizes[l])
    )
    parameters = tuple(values.parameter(ref) for ref in param_refs(spec))
    return ValuesTable(spec, example, n, cost, neurons, parameters)


# -- writing ---------------------------------------------------------------------------------


def number(value: float | None, digits: int, fmt: str = "text") -> str:
    """``value`` with ``digits`` significant digits (ASCII minus: it pastes into a
    calculator); empty for nothing; LaTeX writes powers of ten as ``\\times 10^{n}``."""
    if value is None:
        return ""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return ("-" if value < 0 else "") + ("\\infty" if fmt == "latex" else "inf")
    text = f"{(value if value != 0 else 0.0):.{digits}g}"
    if fmt == "latex" and "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa} \\times 10^{{{int(exponent)}}}"
    return text


def _latex_symbol(symbols: Symbols, letter: str, layer: int | None, *indices: int) -> str:
    sep = "," if any(i >= 10 for i in indices) else ""
    sub = f"_{{{sep.join(str(i) for i in indices)}}}" if indices else ""
    if layer is None:
        return f"{letter}{sub}"
    return f"{letter}{sub}^{{({symbols.layer(layer).replace('−', '-')})}}"


@dataclass(frozen=True)
class Sheet:
    """One table as strings: a title, its column headers and its rows."""

    title: str
    header: list[str]
    rows: list[list[str]]


def sheets(table: ValuesTable, digits: int, fmt: str, symbols: Symbols) -> list[Sheet]:
    """The neurons' and the parameters' tables as the cells ``fmt`` writes."""
    latex = fmt == "latex"

    def sym(letter: str, layer: int | None, *indices: int) -> str:
        if latex:
            return f"${_latex_symbol(symbols, letter, layer, *indices)}$"
        return symbols.symbol(letter, layer, *indices, plain=True)

    per_example = table.example is not None
    c = ("C_0" if latex else "C₀") if per_example else "C"

    def d(of: str) -> str:
        return f"$\\partial {c}/\\partial {of}$" if latex else f"∂{c}/∂{of}"

    num: Callable[[float | None], str] = lambda v: number(v, digits, fmt)  # noqa: E731
    slope = "$\\sigma'(z)$" if latex else "σ′(z)"
    neuron_header = ["neuron", "$z$" if latex else "z", "$a$" if latex else "a", slope]
    neuron_header += [d("a"), d("z")]
    neuron_rows = [
        [sym("a", r.layer, r.j), num(r.z), num(r.a), num(r.slope), num(r.dC_da), num(r.dC_dz)]
        for r in table.neurons
    ]
    param_rows = [
        [sym(p.ref.kind, p.ref.layer, *p.ref.index), num(p.value), num(p.gradient)]
        for p in table.parameters
    ]
    theta = "$\\theta$" if latex else "θ"
    return [
        Sheet("Neurons", neuron_header, neuron_rows),
        Sheet("Parameters", ["parameter", "value", d(theta.strip("$"))], param_rows),
    ]


def caption(table: ValuesTable, digits: int = DEFAULT_DIGITS) -> str:
    """One line saying what the table shows."""
    if table.example is None:
        what = f"averaged over the batch of n = {table.n_examples} examples"
        cost = f"C = {number(table.cost, digits)}"
    else:
        which = (
            "one example"
            if table.n_examples == 1
            else f"example {table.example} of {table.n_examples}"
        )
        what = f"for {which} (its own cost)"
        cost = f"C₀ = {number(table.cost, digits)}"
    return f"Network {table.spec.describe()}, {what}: {cost}"


def _text(sheets: Sequence[Sheet]) -> str:
    out = []
    for sheet in sheets:
        widths = [
            max(len(row[i]) for row in [sheet.header, *sheet.rows])
            for i in range(len(sheet.header))
        ]
        out.append(sheet.title)
        lines = [sheet.header, *sheet.rows]
        for n, row in enumerate(lines):
            cells = [row[0].ljust(widths[0])]
            cells += [cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True)]
            out.append("  ".join(cells).rstrip())
            if n == 0:
                out.append("  ".join("-" * w for w in widths))
        out.append("")
    return "\n".join(out)


def _csv(sheets: Sequence[Sheet]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    # One table a spreadsheet reads: the neurons' columns, then the parameters' rows below
    # with their own header, separated by an empty line.
    for n, sheet in enumerate(sheets):
        if n:
            writer.writerow([])
        writer.writerow(sheet.header)
        writer.writerows(sheet.rows)
    return buffer.getvalue()


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|")


def _markdown(sheets: Sequence[Sheet]) -> str:
    out = []
    for sheet in sheets:
        out.append(f"**{sheet.title}**")
        out.append("")
        out.append("| " + " | ".join(_markdown_cell(h) for h in sheet.header) + " |")
        out.append("|" + "|".join([":---", *["---:"] * (len(sheet.header) - 1)]) + "|")
        for row in sheet.rows:
            out.append("| " + " | ".join(_markdown_cell(c) for c in row) + " |")
        out.append("")
    return "\n".join(out)


def _latex(sheets: Sequence[Sheet]) -> str:
    out = []
    for sheet in sheets:
        columns = "l" + "r" * (len(sheet.header) - 1)
        out.append(f"% {sheet.title}")
        out.append(f"\\begin{{tabular}}{{{columns}}}")
        out.append("\\hline")
        out.append(" & ".join(sheet.header) + " \\\\")
        out.append("\\hline")
        for row in sheet.rows:
            cells = [c if c.startswith("$") or not c else f"${c}$" for c in row]
            out.append(" & ".join(cells) + " \\\\")
        out.append("\\hline")
        out.append("\\end{tabular}")
        out.append("")
    return "\n".join(out)


WRITERS: dict[str, Callable[[Sequence[Sheet]], str]] = {
    "text": _text,
    "csv": _csv,
    "markdown": _markdown,
    "latex": _latex,
}


def render(
    table: ValuesTable,
    fmt: str = "text",
    digits: int = DEFAULT_DIGITS,
    symbols: Symbols | None = None,
) -> str:
    """The table as ``fmt`` (one of :data:`FORMATS`) with ``digits`` significant digits."""
    if fmt not in WRITERS:
        raise BPStudioError(f"unknown table format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if not 1 <= digits <= MAX_DIGITS:
        raise BPStudioError(f"digits must be between 1 and {MAX_DIGITS}, not {digits}")
    tables = sheets(table, digits, fmt, symbols if symbols is not None else PlainSymbols())
    return WRITERS[fmt](tables)
