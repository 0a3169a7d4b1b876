"""The walkthrough's screens, one idea each, in the order of the note "Backpropagation
Calculus" (``docs/calculus.md``).

A screen is words and formulas around the live network's numbers: :func:`build` takes the
network as it is now (:class:`LiveNetwork`) and returns a :class:`Page`, the rich text, the
numbers it shows by name (so a test can compare each with the engine), what to highlight,
and the "try it" actions. Symbols come from :mod:`bpstudio.app.notation` and follow the
L-relative / absolute switch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtGui import QColor

from bpstudio.app import notation
from bpstudio.app.notation import Notation
from bpstudio.app.theme import css, theme
from bpstudio.app.walkthrough.live import LiveNetwork
from bpstudio.core.engine.address import ParamRef, param_refs

#: The template each screen runs on (``bpstudio.core.files.templates``).
CHAIN, EXAMPLES, PATHS = "note", "note_examples", "note_paths"


@dataclass(frozen=True)
class Try:
    """A "try it" button: ``action`` is ``"nudge"`` (``ref`` by ``amount``), ``"step"`` (one
    gradient-descent step), ``"example"`` (the next training example) or ``"path"`` (the
    next neuron k of layer L−1)."""

    label: str
    action: str
    ref: ParamRef | None = None
    amount: float = 0.0


@dataclass
class Page:
    """One screen as drawn for the current network."""

    title: str
    html: str = ""
    numbers: dict[str, float] = field(default_factory=dict)
    neurons: list[tuple[int, int]] = field(default_factory=list)
    params: list[ParamRef] = field(default_factory=list)
    focus: ParamRef | tuple[int, int] | None = None
    tries: list[Try] = field(default_factory=list)

    def num(self, key: str, value: float, colour: QColor | None = None, paren: bool = False) -> str:
        """``value`` as shown in a formula, remembered under ``key``."""
        self.numbers[key] = float(value)
        text = notation.formula_number(value, 4, paren=paren)
        if colour is None:
            return text
        return f"<b style='color:{css(colour)}'>{text}</b>"

    def para(self, text: str) -> None:
        self.html += f"<p>{text}</p>"

    def formula(self, text: str) -> None:
        """A formula on a line of its own, wrapping only at the spaces around its operators."""
        self.html += f"<p style='margin-left:12px; font-size:large'>{notation.unbroken(text)}</p>"

    def table(self, rows: list[str]) -> None:
        self.html += f"<table style='margin-left:12px'>{''.join(rows)}</table>"

    def product(self, key: str, gradient: float | None) -> None:
        """The chain rule's result, ``= value`` in the product's colour."""
        assert gradient is not None
        self.formula(f"= {self.num(key, gradient, theme().chain.product)}")

    def select(self, ref: ParamRef) -> None:
        """Highlight ``ref`` and focus the canvas on it."""
        self.params.append(ref)
        self.focus = ref


@dataclass(frozen=True)
class Screen:
    title: str
    template: str
    build: Callable[[LiveNetwork, Notation, Page], None]


# -- helpers ----------------------------------------------------------------------------------


def _refs_chain(live: LiveNetwork) -> tuple[ParamRef, ParamRef, ParamRef]:
    L = live.spec.n_layers
    return ParamRef.weight(L, 0, 0), ParamRef.bias(L, 0), ParamRef.weight(L - 1, 0, 0)


def _two_a_minus_y(nt: Notation, L: int) -> str:
    return f"2({nt.symbol('a', L)} {notation.MINUS} {nt.target()})"


def _C0() -> str:
    return notation.cost(per_example=True)


def _nudges(name: str, ref: ParamRef) -> list[Try]:
    """Nudge ``ref`` up and down by 0.1."""
    return [
        Try(f"Nudge {name} up (+0.1)", "nudge", ref, 0.1),
        Try(f"Nudge {name} down (−0.1)", "nudge", ref, -0.1),
    ]


def _example_note(live: LiveNetwork, nt: Notation) -> str:
    x = ", ".join(notation.formula_number(v, 4) for v in live.X[live.example])
    y = ", ".join(notation.formula_number(v, 4) for v in live.Y[live.example])
    return f"training example {live.example}: {nt.input_value()} = {x}, {nt.target()} = {y}"


# -- the screens ------------------------------------------------------------------------------


def _chain(live: LiveNetwork, nt: Notation, page: Page) -> None:
    L = live.spec.n_layers
    one = live.one
    page.para(
        "The note begins with the simplest network: one neuron per layer, a chain "
        f"{' → '.join(nt.symbol('a', l) for l in range(L + 1))}. "
        f"It has {L} weights and {L} biases, highlighted on the canvas:"
    )
    rows = []
    for l in range(1, L + 1):
        w, b = ParamRef.weight(l, 0, 0), ParamRef.bias(l, 0)
        rows.append(
            f"<tr><td>{nt.symbol('w', l)} = {page.num(f'w{l}', w.get(live.params))}</td>"
            f"<td>&nbsp;&nbsp;&nbsp;{nt.symbol('b', l)} = {page.num(f'b{l}', b.get(live.params))}"
            "</td></tr>"
        )
        page.params += [w, b]
    page.table(rows)
    page.para(
        f"On the {_example_note(live, nt)} the network outputs {nt.symbol('a', L)} = "
        f"{page.num('a_L', one.a[L][0])} and its cost is {_C0()} = "
        f"{page.num('C0', live.example_costs[live.example])}."
    )
    page.para(
        "<b>The question of the note:</b> how sensitive is the cost to each of these six "
        "numbers? Which weight or bias, nudged a little, changes the cost the most?"
    )
    page.focus = ParamRef.weight(L, 0, 0)


def _cost(live: LiveNetwork, nt: Notation, page: Page) -> None:
    L = live.spec.n_layers
    aL, y = live.one.a[L][0], live.target()
    page.para(
        "The cost of one training example is the square of the difference between what "
        "the network gives and what it should give:"
    )
    page.formula(
        f"{_C0()} = " + notation.power(f"({nt.symbol('a', L)} {notation.MINUS} {nt.target()})", "2")
    )
    page.formula(
        "= "
        + notation.power(
            f"({page.num('a_L', aL)} {notation.MINUS} {page.num('y', y, paren=True)})", "2"
        )
        + f" = {page.num('C0', live.example_costs[live.example])}"
    )
    page.para(
        f"The output {nt.symbol('a', L)} and the target {nt.target()} = "
        f"{notation.formula_number(y)} "
        f"are drawn beside the output neuron, with {_C0()}."
    )
    page.neurons.append((L, 0))
    page.focus = (L, 0)


def _dependency(live: LiveNetwork, nt: Notation, page: Page) -> None:
    L = live.spec.n_layers
    one = live.one
    wL, bL, _ = _refs_chain(live)
    zL, aL = nt.symbol("z", L), nt.symbol("a", L)
    page.para("The last neuron first weighs its input and adds its bias, then squashes:")
    page.formula(f"{zL} = {nt.symbol('w', L)} {nt.symbol('a', L - 1)} + {nt.symbol('b', L)}")
    page.formula(
        f"= {page.num('w_L', wL.get(live.params))} · {page.num('a_L-1', one.a[L - 1][0])} + "
        f"{page.num('b_L', bL.get(live.params), paren=True)} = {page.num('z_L', one.z[L - 1][0])}"
    )
    page.formula(f"{aL} = σ({zL}) = {page.num('a_L', one.a[L][0])}")
    page.para(
        f"So {nt.symbol('w', L)} reaches the cost only through a chain of dependencies: "
        f"{nt.symbol('w', L)} → {zL} → {aL} → {_C0()} (and {nt.symbol('a', L - 1)} and "
        f"{nt.symbol('b', L)} feed {zL} too). A nudge to {nt.symbol('w', L)} nudges {zL}, "
        f"which nudges {aL}, which nudges {_C0()}."
    )
    page.neurons += [(L - 1, 0), (L, 0)]
    page.params += [wL, bL]
    page.focus = wL


def _factors(
    live: LiveNetwork, nt: Notation, page: Page, first: str, first_value: float, key: str
) -> str:
    """first · σ′(z^(L)) · 2(a^(L) − y), coloured by factor, and its product's number."""
    L = live.spec.n_layers
    c = theme().chain
    n = live.one.neuron(L, 0)
    assert n.slope is not None
    assert n.dC_da is not None
    symbols = (
        f"<span style='color:{css(c.dz_dw)}'>{first}</span> · "
        f"<span style='color:{css(c.da_dz)}'>σ′({nt.symbol('z', L)})</span> · "
        f"<span style='color:{css(c.dC_da)}'>{_two_a_minus_y(nt, L)}</span>"
    )
    numbers = (
        f"{page.num(key + '.first', first_value, c.dz_dw)} · "
        f"{page.num('slope_L', n.slope, c.da_dz)}"
        f" · {page.num('dC0_da_L', n.dC_da, c.dC_da, paren=True)}"
    )
    return f"{symbols}<br>= {numbers}"


def _dC_dw(live: LiveNetwork, nt: Notation, page: Page) -> None:
    L = live.spec.n_layers
    wL, _, _ = _refs_chain(live)
    page.para(
        f"The chain rule multiplies the three sensitivities along the chain "
        f"{nt.symbol('w', L)} → {nt.symbol('z', L)} → {nt.symbol('a', L)} → {_C0()}:"
    )
    dz, da, dc = (
        partial_(nt.symbol("z", L), nt.symbol("w", L)),
        partial_(nt.symbol("a", L), nt.symbol("z", L)),
        partial_(_C0(), nt.symbol("a", L)),
    )
    page.formula(f"{partial_(_C0(), nt.symbol('w', L))} = {dz} · {da} · {dc}")
    page.formula(
        "= " + _factors(live, nt, page, nt.symbol("a", L - 1), live.one.a[L - 1][0], "dC0_dw_L")
    )
    page.product("dC0_dw_L", live.one.parameter(wL).gradient)
    page.para(
        f"Each factor lives on the canvas: {nt.symbol('a', L - 1)} on the neuron the weight "
        f"comes from, σ′({nt.symbol('z', L)}) on the output neuron, "
        f"{_two_a_minus_y(nt, L)} where the output meets its target. "
        f"Nudge {nt.symbol('w', L)} and watch {_C0()} and the three factors change."
    )
    page.numbers["C0"] = float(live.example_costs[live.example])
    page.para(f"Now {_C0()} = {notation.formula_number(page.numbers['C0'])}.")
    page.neurons += [(L - 1, 0), (L, 0)]
    page.select(wL)
    page.tries += _nudges("w", wL)


def _dC_db(live: LiveNetwork, nt: Notation, page: Page) -> None:
    L = live.spec.n_layers
    _, bL, _ = _refs_chain(live)
    page.para(
        f"The bias enters {nt.symbol('z', L)} with a factor of one: "
        f"{partial_(nt.symbol('z', L), nt.symbol('b', L))} = 1. So"
    )
    page.formula(
        f"{partial_(_C0(), nt.symbol('b', L))} = " + _factors(live, nt, page, "1", 1.0, "dC0_db_L")
    )
    page.product("dC0_db_L", live.one.parameter(bL).gradient)
    page.para(
        f"The same as {partial_(_C0(), nt.symbol('w', L))} with {nt.symbol('a', L - 1)} "
        "replaced by 1."
    )
    page.select(bL)
    page.tries += _nudges("b", bL)


def _back_one_layer(live: LiveNetwork, nt: Notation, page: Page) -> None:
    L = live.spec.n_layers
    wL, _, wL1 = _refs_chain(live)
    c = theme().chain
    one = live.one
    page.para(
        f"{nt.symbol('a', L - 1)} is not a parameter, but the cost is sensitive to it too; "
        f"with {partial_(nt.symbol('z', L), nt.symbol('a', L - 1))} = {nt.symbol('w', L)}:"
    )
    page.formula(
        f"{partial_(_C0(), nt.symbol('a', L - 1))} = "
        + _factors(live, nt, page, nt.symbol("w", L), wL.get(live.params), "dC0_da_L-1")
    )
    back = one.neuron(L - 1, 0)
    assert back.dC_da is not None
    assert back.slope is not None
    page.product("dC0_da_L-1", back.dC_da)
    page.para(
        "That is the step back one layer. The layer before repeats the same pattern, with "
        f"{partial_(_C0(), nt.symbol('a', L - 1))} in place of {_two_a_minus_y(nt, L)}:"
    )
    gradient = one.parameter(wL1).gradient
    assert gradient is not None
    page.formula(
        f"{partial_(_C0(), nt.symbol('w', L - 1))} = {nt.symbol('a', L - 2)} · "
        f"σ′({nt.symbol('z', L - 1)}) · {partial_(_C0(), nt.symbol('a', L - 1))}"
    )
    page.formula(
        f"= {page.num('a_L-2', one.a[L - 2][0])} · {page.num('slope_L-1', back.slope)} · "
        f"{notation.formula_number(back.dC_da, 4, paren=True)} = "
        f"{page.num('dC0_dw_L-1', gradient, c.product)}"
    )
    page.neurons += [(L - 2, 0), (L - 1, 0)]
    page.params += [wL, wL1]
    page.focus = wL1
    page.tries.append(Try("Nudge w up (+0.1)", "nudge", wL1, 0.1))


def _average(live: LiveNetwork, nt: Notation, page: Page) -> None:
    L = live.spec.n_layers
    wL, _, _ = _refs_chain(live)
    c = theme().chain
    page.para(
        f"The network learns from many examples. The full cost is the average of the "
        f"examples' costs, and so is its gradient (here {nt.symbol('n', None)} = {live.n}):"
    )
    C, C_k = notation.cost(), notation.cost(per_example=True, example="k")
    n, w = nt.symbol("n", None), nt.symbol("w", L)
    page.formula(
        f"{C} = (1/{n}) {nt.sum_over('k')} {C_k},&nbsp;&nbsp; "
        f"{partial_(C, w)} = (1/{n}) {nt.sum_over('k')} {partial_(C_k, w)}"
    )
    rows = [
        f"<tr><th>k</th><th>&nbsp;{nt.input_value()}</th><th>&nbsp;{nt.target()}</th>"
        f"<th>&nbsp;{C_k}</th><th>&nbsp;{partial_(C_k, w)}</th></tr>"
    ]
    for k in range(live.n):
        gk = live.example_readout(k).parameter(wL).gradient
        assert gk is not None
        mark = f" style='background:{css(theme().accent_soft)}'" if k == live.example else ""
        rows.append(
            f"<tr{mark}><td>{k}</td><td>&nbsp;{notation.formula_number(live.X[k, 0])}</td>"
            f"<td>&nbsp;{notation.formula_number(live.Y[k, 0])}</td>"
            f"<td>&nbsp;{page.num(f'C_{k}', live.example_costs[k])}</td>"
            f"<td>&nbsp;{page.num(f'dC{k}_dw_L', gk)}</td></tr>"
        )
    page.table(rows)
    gradient = live.batch.parameter(wL).gradient
    assert gradient is not None
    page.formula(
        f"{notation.cost()} = {page.num('C', live.cost)},&nbsp;&nbsp; "
        f"{partial_(notation.cost(), nt.symbol('w', L))} = "
        f"{page.num('dC_dw_L', gradient, c.product)}"
    )
    page.para(
        f"The canvas shows example {live.example} (highlighted row). Switch the example: "
        "its own terms change, the average stays the same because it is over all of them."
    )
    page.select(wL)
    page.tries.append(Try("Show the next example", "example"))


def _gradient_step(live: LiveNetwork, nt: Notation, page: Page) -> None:
    page.para(
        "Every weight and bias has its own average sensitivity. Together they are the "
        f"gradient ∇{notation.cost()}, one component per parameter (the Gradient panel draws them):"
    )
    rows = []
    vector = live.grads.vector()
    for i, ref in enumerate(param_refs(live.spec)):
        rows.append(
            f"<tr><td>{partial_(notation.cost(), nt.param(ref))}</td>"
            f"<td align='right'>&nbsp;&nbsp;{page.num(f'grad{i}', vector[i])}</td></tr>"
        )
        page.params.append(ref)
    page.table(rows)
    eta = live.learning_rate
    page.para(
        "One step of gradient descent moves every parameter a little against its component, "
        f"with the learning rate η = {page.num('eta', eta)}:"
    )
    w = nt.symbol("w", None)
    page.formula(f"{w} ← {w} {notation.MINUS} η {partial_(notation.cost(), w)}")
    page.para(
        f"The cost now: {notation.cost()} = {page.num('C', live.cost)}. Take a step and watch "
        "it fall (each step is one undo step)."
    )
    page.focus = ParamRef.weight(live.spec.n_layers, 0, 0)
    page.tries.append(Try("Take one gradient step", "step"))


def _many_neurons(live: LiveNetwork, nt: Notation, page: Page) -> None:
    L = live.spec.n_layers
    one = live.one
    n_L = live.spec.layer_sizes[L]
    page.para(
        f"With more than one neuron per layer the symbols take indices: {nt.neuron(L, 'j')} is "
        f"neuron j of layer {nt.layer(L)}, and {nt.weight(L, 'j', 'k')} the weight from "
        f"neuron k of layer {nt.layer(L - 1)} to neuron j of layer {nt.layer(L)}. Here layer "
        f"{nt.layer(L - 1)} has {live.spec.layer_sizes[L - 1]} neurons and the output "
        f"{nt.symbol('n', None, 'L')} = {n_L}. Hover or select a neuron or an edge to see "
        "its name."
    )
    page.formula(
        f"{nt.pre_activation(L, 'j')} = {nt.sum_over('k')} {nt.weight(L, 'j', 'k')} "
        f"{nt.neuron(L - 1, 'k')} + {nt.bias(L, 'j')},&nbsp;&nbsp; "
        f"{nt.neuron(L, 'j')} = σ({nt.pre_activation(L, 'j')})"
    )
    page.formula(
        f"{_C0()} = {nt.sum_over('j')} "
        + notation.power(f"({nt.neuron(L, 'j')} {notation.MINUS} {nt.target('j')})", "2")
    )
    terms = []
    for j in range(n_L):
        difference = (
            f"({page.num(f'a_L{j}', one.a[L][j])} {notation.MINUS} "
            f"{page.num(f'y{j}', live.Y[live.example, j], paren=True)})"
        )
        terms.append(notation.power(difference, "2"))
        page.neurons.append((L, j))
    page.formula(
        "= " + " + ".join(terms) + f" = {page.num('C0', live.example_costs[live.example])}"
    )
    page.para(f"On the {_example_note(live, nt)}.")
    page.focus = (L, 0)


def _paths(live: LiveNetwork, nt: Notation, page: Page) -> None:
    L = live.spec.n_layers
    one = live.one
    c = theme().chain
    k = live.path % live.spec.layer_sizes[L - 1]
    n_L = live.spec.layer_sizes[L]
    page.para(
        f"A neuron {nt.neuron(L - 1, 'k')} of layer {nt.layer(L - 1)} reaches the cost along "
        f"{n_L} paths, one through every {nt.neuron(L, 'j')}; its sensitivity is their sum:"
    )
    page.formula(
        f"{partial_(_C0(), nt.neuron(L - 1, 'k'))} = {nt.sum_over('j')} "
        f"{nt.weight(L, 'j', 'k')} σ′({nt.pre_activation(L, 'j')}) "
        f"{partial_(_C0(), nt.neuron(L, 'j'))}"
    )
    terms = []
    for j in range(n_L):
        ref = ParamRef.weight(L, j, k)
        n = one.neuron(L, j)
        assert n.slope is not None
        assert n.dC_da is not None
        terms.append(
            f"{page.num(f'w_{j}{k}', ref.get(live.params), c.dz_dw, paren=True)} · "
            f"{page.num(f'slope_{j}', n.slope, c.da_dz)} · "
            f"{page.num(f'dC0_da_L{j}', n.dC_da, c.dC_da, paren=True)}"
        )
        page.params.append(ref)
        page.neurons.append((L, j))
    back = one.neuron(L - 1, k).dC_da
    assert back is not None
    page.para(f"For k = {k}, the {n_L} highlighted paths:")
    page.formula(
        f"{partial_(_C0(), nt.neuron(L - 1, k))} = "
        + "<br>&nbsp;&nbsp;+ ".join(terms)
        + f"<br>= {page.num('dC0_da_k', back, c.product)}"
    )
    page.neurons.append((L - 1, k))
    page.focus = (L - 1, k)
    page.tries.append(Try("Take the next neuron k", "path"))


def _general(live: LiveNetwork, nt: Notation, page: Page) -> None:
    L = live.spec.n_layers
    page.para("For any layer l, the same three factors and the same sum over paths:")
    page.formula(
        f"{partial_(_C0(), nt.weight('l', 'j', 'k'))} = {nt.neuron('l-1', 'k')} "
        f"σ′({nt.pre_activation('l', 'j')}) {partial_(_C0(), nt.neuron('l', 'j'))}"
    )
    page.formula(
        f"{partial_(_C0(), nt.neuron('l', 'j'))} = {nt.sum_over('i')} "
        f"{nt.weight('l+1', 'i', 'j')} σ′({nt.pre_activation('l+1', 'i')}) "
        f"{partial_(_C0(), nt.neuron('l+1', 'i'))},&nbsp;&nbsp; starting from "
        f"{partial_(_C0(), nt.neuron(L, 'j'))} = 2({nt.neuron(L, 'j')} {notation.MINUS} "
        f"{nt.target('j')})"
    )
    page.para(
        "The app computes them for every neuron of a layer and every example of the batch "
        "at once, one matrix product per layer, from the output back to the input "
        "(G stands for ∂C/∂, rows are examples, ⊙ multiplies entry by entry):"
    )
    G_Z, G_A = nt.symbol("G", "l", "Z"), nt.symbol("G", "l", "A")
    page.formula(
        f"{G_Z} = {G_A} ⊙ σ′({nt.symbol('Z', 'l')}),&nbsp; "
        f"{notation.partial(notation.cost(), nt.matrix('l'))} = "
        f"{notation.power(G_Z, 'T')} {nt.symbol('A', 'l-1')},&nbsp; "
        f"{nt.symbol('G', 'l-1', 'A')} = {G_Z} {nt.matrix('l')}"
    )
    rows = []
    for l in range(L, 0, -1):
        dW = live.grads.dW[l - 1]
        j, k = divmod(int(abs(dW).argmax()), dW.shape[1])
        ref = ParamRef.weight(l, j, k)
        rows.append(
            f"<tr><td>layer {nt.layer(l)}: {nt.matrix(l)} is {dW.shape[0]}×{dW.shape[1]}; "
            f"largest {partial_(notation.cost(), nt.param(ref))}</td>"
            f"<td align='right'>&nbsp;= {page.num(f'dC_dW{l}max', dW[j, k])}</td></tr>"
        )
        page.params.append(ref)
    page.table(rows)
    page.para(
        "Leave the walkthrough to return to your own project, where every panel shows these "
        "numbers for your network."
    )
    page.focus = page.params[0]


def partial_(numerator: str, denominator: str) -> str:
    """∂numerator/∂denominator as a small fraction that reads inline (and that a line does
    not break inside)."""
    return notation.unbroken(f"∂{numerator}/∂{denominator}")


SCREENS: tuple[Screen, ...] = (
    Screen("The chain and its question", CHAIN, _chain),
    Screen("The cost of one example", CHAIN, _cost),
    Screen("From w to the cost: a chain of dependencies", CHAIN, _dependency),
    Screen("The chain rule: three factors", CHAIN, _dC_dw),
    Screen("The bias", CHAIN, _dC_db),
    Screen("One layer back", CHAIN, _back_one_layer),
    Screen("Many examples: the average", EXAMPLES, _average),
    Screen("The gradient and one step of descent", EXAMPLES, _gradient_step),
    Screen("More than one neuron per layer", PATHS, _many_neurons),
    Screen("The sum over paths", PATHS, _paths),
    Screen("Any layer, every layer at once", PATHS, _general),
)
