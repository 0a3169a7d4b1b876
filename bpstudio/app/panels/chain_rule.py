"""The chain rule for the selected weight or bias, with live numbers.

For weight w_jk^(l) the panel shows the note's product of three factors for one example
(the probe), the average over the last mini-batch, which equals the engine's component of
∇C, where ∂C/∂a_j^(l) comes from (2(a_j − y_j) at the output, a sum over paths below),
and ∂C/∂a_k^(l−1) as the sum over every path j through layer l. The numbers come from
:mod:`bpstudio.core.engine.chain` applied to the worker's snapshots; the panel does no maths of its
own beyond formatting.

Every product and sum it writes holds to the digits shown: a result (a product, a sum, an
average) is the engine's value to the user's digits, and its operands get the fewest
digits from there up for which multiplying or adding them as written, then rounding, gives
the result as written (:mod:`bpstudio.core.engine.shown_digits`); where no count of digits
can, the panel writes "≈" instead of "=". Each one is kept in :attr:`ChainRulePanel.identities`
as written, so tests can check them. Where the cost fuses with a sigmoid or softmax output
(cross-entropy), the output's ∂C/∂z = a − y is shown itself, not as σ′(z) · ∂C/∂a.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import shiboken6
from PySide6.QtGui import QShowEvent, QTextDocument
from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from bpstudio.app import notation
from bpstudio.app.document import Document
from bpstudio.app.notation import MINUS, Notation, cost, exact, power
from bpstudio.app.notation import formula_number as num
from bpstudio.app.notation import partial as d
from bpstudio.app.selection import Selection, SelectionModel
from bpstudio.app.theme import ThemeColour
from bpstudio.app.training import TrainingController
from bpstudio.core.engine.backprop import Grads, Trace
from bpstudio.core.engine.chain import (
    ChainTerms,
    PathTerm,
    activation_paths,
    chain_terms,
    fuses_at,
)
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.engine.readout import Readout
from bpstudio.core.engine.shown_digits import product_digits, sum_digits
from bpstudio.core.training.snapshot import Snapshot

#: Colours of the note's three factors (also used in the legend rows), from the theme.
C_DZ = ThemeColour(lambda t: t.chain.dz_dw)  # ∂z/∂w = a_k^(l-1)
C_DA = ThemeColour(lambda t: t.chain.da_dz)  # ∂a/∂z = σ'(z)
C_DC = ThemeColour(lambda t: t.chain.dC_da)  # ∂C/∂a
C_RES = ThemeColour(lambda t: t.chain.product)  # the product
MUTED = ThemeColour(lambda t: t.text_muted)
OK = ThemeColour(lambda t: t.messages.ok)
ERROR = ThemeColour(lambda t: t.messages.error)
NOTICE = ThemeColour(lambda t: t.messages.notice_background)

MAX_PATHS = 12  # path terms listed before "… and n more"
MAX_BATCH_TERMS = 4  # per-example terms written out in the batch average


@dataclass(frozen=True)
class ShownIdentity:
    """A product or a sum exactly as the panel writes it (the texts are in :attr:`html`).

    ``kind`` is "product" (operands multiplied) or "sum" (operands added, each text carrying
    its sign, the whole multiplied by ``scale``: 1/n for an average, 2 for 2(a − y));
    ``result`` is written with ``digits`` significant digits; ``relation`` is "=" where
    the identity holds to the digits shown, "≈" where it cannot.
    """

    kind: str
    operands: tuple[str, ...]
    result: str
    digits: int
    relation: str
    scale: Fraction = Fraction(1)


# -- notation ------------------------------------------------------------------------------------


def colored(text: str, colour: str | ThemeColour, bold: bool = False) -> str:
    weight = "font-weight:600;" if bold else ""
    return f"<span style='color:{colour};{weight}'>{text}</span>"


def layer_name(layer: int, L: int) -> str:
    if layer == 0:
        return "input layer"
    return "output layer L" if layer == L else f"hidden layer {layer}"


# -- the panel -----------------------------------------------------------------------------------


class ChainRulePanel(QWidget):
    """The note's chain rule for the selection, with the snapshot's numbers.

    Attributes (for tests and other views)
    ----------
    terms : ChainTerms of the probe example (n = 1), or None.
    batch_terms : ChainTerms of the last mini-batch, or None.
    engine_gradient : the engine's ∂C/∂θ for the selection from ``batch_grads``, or None.
    paths : (total, [PathTerm]) for ∂C₀/∂a_k^(l−1) of the probe, or None.
    identities : every product and sum written in :attr:`html`, as written.
    html : the rich text shown.
    """

    def __init__(
        self,
        document: Document,
        selection: SelectionModel,
        controller: TrainingController,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.selection = selection
        self.controller = controller
        self.terms: ChainTerms | None = None
        self.batch_terms: ChainTerms | None = None
        self.engine_gradient: float | None = None
        self.paths: tuple[float, list[PathTerm]] | None = None
        self.identities: list[ShownIdentity] = []
        self.html = ""
        self.draw_count = 0
        self._snapshot: Snapshot | None = controller.snapshot
        self._stale = False

        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.setReadOnly(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.browser)

        controller.snapshotShown.connect(self._on_snapshot)
        selection.selectionChanged.connect(self._on_selection_changed)
        self.refresh()

    @property
    def nt(self) -> Notation:
        """The notation for the network shown."""
        snap = self._snapshot
        return Notation.for_spec(snap.spec if snap is not None else self.document.spec)

    # -- events ----------------------------------------------------------------------------------

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        self._stale = True
        if self.isVisible():  # a hidden panel draws when it is shown again
            self.refresh()

    def _on_selection_changed(self, _selection: Selection | None) -> None:
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._stale:
            self.refresh()

    # -- computing -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Recompute the terms for the selection from the latest snapshot and redraw."""
        self._stale = False
        self.terms = self.batch_terms = None
        self.engine_gradient = None
        self.paths = None
        self.identities = []
        self._set_html(self._build())
        self.draw_count += 1

    def _set_html(self, text: str) -> None:
        if text == self.html:
            return
        self.html = text
        # Parsed into a new document and swapped in at once, in the frame's turn: the
        # views of a frame change together (the frame clock's interval pays for the layout).
        document = QTextDocument(self.browser)
        document.setDefaultFont(self.browser.font())
        document.setDocumentMargin(self.browser.document().documentMargin())
        document.setHtml(text)
        bar = self.browser.verticalScrollBar()
        position = bar.value()
        old = self.browser.document()
        self.browser.setDocument(document)  # deletes only the document it started with
        if shiboken6.isValid(old) and old.parent() is self.browser:
            old.deleteLater()
        bar.setValue(position)

    def _build(self) -> str:
        nt = self.nt
        sel = self.selection.selection
        snap = self._snapshot
        if sel is None:
            return _page(
                "<p>Select a <b>weight</b> (an edge) or a <b>neuron</b> in the network to see "
                "how the chain rule builds its gradient:</p>"
                f"<p style='margin-left:12px'>{d('C', nt.weight('l', 'j', 'k'))} = "
                f"{colored(nt.neuron('l-1', 'k'), C_DZ)} · "
                f"{colored('σ′(' + nt.pre_activation('l', 'j') + ')', C_DA)} · "
                f"{colored(d('C', nt.neuron('l', 'j')), C_DC)}</p>"
                f"<p style='color:{MUTED}'>A neuron shows its bias {nt.bias(None, 'j')} and how "
                "the cost depends on its activation through every path.</p>"
            )
        if snap is None:
            return _page("<p><i>Waiting for the training engine…</i></p>")
        spec = snap.spec
        if not sel.fits(spec):
            return _page("<p><i>The selection is not part of this network.</i></p>")
        if sel.layer == 0:
            return self._build_input(snap, sel)
        return self._build_parameter(snap, sel)

    def _probe(self, snap: Snapshot) -> tuple[Trace | None, Grads | None, str]:
        probe = snap.probe
        if probe is None:
            return None, None, ""
        x = ", ".join(num(float(v), 3) for v in probe.x[0][:6])
        y = ", ".join(num(float(v), 3) for v in probe.y[0][:6])
        more = "…" if probe.x.shape[1] > 6 else ""
        more_y = "…" if probe.y.shape[1] > 6 else ""
        about = (
            f"Probe example #{probe.index}: x = ({x}{more}), y = ({y}{more_y}). "
            f"{cost(True)} is this example's cost alone."
        )
        return probe.trace, probe.grads, about

    # -- products and sums that hold to the digits shown ------------------------------------------

    def _product(
        self,
        factors: Sequence[float],
        product: float,
        digits: int | None = None,
        paren: bool = True,
    ) -> tuple[list[str], str, str]:
        """The texts of ``f₁ · f₂ · … = product`` (the engine's product, to ``digits``, by
        default the user's), the relation ("=" or "≈"), recorded in :attr:`identities`."""
        d = notation.settings.digits if digits is None else digits
        shown = product_digits(factors, product, d)
        texts = [num(float(f), shown.operand_digits, paren=paren) for f in factors]
        result = num(float(product), d)
        self.identities.append(ShownIdentity("product", tuple(texts), result, d, shown.relation))
        return texts, result, shown.relation

    def _difference(
        self, a: float, y: float, value: float, scale: Fraction = Fraction(1)
    ) -> tuple[str, str, str, str]:
        """The texts of ``scale · (a − y) = value`` (a, the (−)y written after "−", the
        result, the relation), recorded in :attr:`identities`."""
        d = notation.settings.digits
        shown = sum_digits([a, -y], value, d, scale)
        a_text = num(a, shown.operand_digits)
        y_text = num(y, shown.operand_digits, paren=True)
        result = num(value, d)
        self.identities.append(
            ShownIdentity(
                "sum", (a_text, MINUS + y_text), result, d, shown.relation, Fraction(scale)
            )
        )
        return a_text, y_text, result, shown.relation

    # -- weights and biases ----------------------------------------------------------------------

    def _build_parameter(self, snap: Snapshot, sel: Selection) -> str:
        nt = self.nt
        spec = snap.spec
        L = spec.n_layers
        l, j = sel.layer, sel.j
        k = sel.k if sel.is_weight else None
        act = spec.activation(l)
        parts: list[str] = []
        if k is None:
            target = nt.bias(l, j)
            parts.append(
                f"<h3>Bias {target}</h3><p style='color:{MUTED}'>of neuron j = {j} in the "
                f"{layer_name(l, L)} ({act.label}).</p>"
            )
        else:
            target = nt.weight(l, j, k)
            parts.append(
                f"<h3>Weight {target}</h3><p style='color:{MUTED}'>from neuron k = {k} of "
                f"layer {l - 1} to neuron j = {j} of the {layer_name(l, L)} ({act.label}).</p>"
            )
        trace, grads, about = self._probe(snap)
        values = snap.probe_readout
        if trace is None or values is None:
            parts.append(
                _notice("Run a <b>forward pass</b> to compute z and a for the probe example.")
            )
            factored = act.elementwise and not fuses_at(spec, l)
            parts.append(_symbolic(nt, target, l, j, factored, per_example=True))
            return _page("".join(parts))
        parts.append(f"<p style='color:{MUTED}'>{about}</p>")
        if snap.after_update:
            parts.append(_after_update_notice(snap, target, sel))
        if grads is None:
            parts.append(self._forward_only(values, target, l, j, k))
            parts.append(
                _notice(f"Run a <b>backward pass</b> to get {d(cost(True), 'a')} and the gradient.")
            )
        else:
            terms = chain_terms(spec, snap.pass_params, trace, grads, l, j, k)
            self.terms = terms
            parts.append(self._probe_formula(spec, terms, target))
            parts.append(self._dC_da_section(spec, snap.pass_params, trace, grads, terms, snap))
        parts.append(self._batch_section(snap, target, l, j, k))
        if grads is not None and k is not None:
            parts.append(self._paths_section(spec, snap.pass_params, trace, grads, l, k))
        return _page("".join(parts))

    def _forward_only(self, values: Readout, target: str, l: int, j: int, k: int | None) -> str:
        """The factors a forward pass already gives (the probe's readout), before backward."""
        neuron = values.neuron(l, j)
        assert neuron.z is not None  # l >= 1
        assert neuron.slope is not None
        d = notation.settings.digits
        first = "1" if k is None else num(values.neuron(l - 1, k).a, d)
        factored = values.spec.activation(l).elementwise and not fuses_at(values.spec, l)
        slope = f"{colored(num(neuron.slope, d, paren=True), C_DA)} · " if factored else ""
        rows = [
            _symbolic(self.nt, target, l, j, factored, per_example=True),
            f"<p>= {colored(first, C_DZ)} · {slope}"
            f"{colored('?', C_DC)} &nbsp; <span style='color:{MUTED}'>(z = {num(neuron.z, d)}, "
            f"a = {num(neuron.a, d)})</span></p>",
        ]
        return "".join(rows)

    def _probe_formula(self, spec: NetworkSpec, t: ChainTerms, target: str) -> str:
        nt = self.nt
        l, j, k = t.layer, t.j, t.k
        C0 = cost(True)
        zj, aj = nt.pre_activation(l, j), nt.neuron(l, j)
        first_sym = "1" if k is None else nt.neuron(l - 1, k)
        first = float(t.dz_dparam[0])
        result = float(t.per_example[0])
        out: list[str] = [_symbolic(nt, target, l, j, t.factored, per_example=True)]
        if t.factored:
            factors = [first, float(t.da_dz[0]), float(t.dC_da[0])]
            colours = [C_DZ, C_DA, C_DC]
            symbols = f"{colored(first_sym, C_DZ)} · {colored(nt.slope(l, j), C_DA)} · " + colored(
                d(C0, aj), C_DC
            )
        else:
            factors = [first, float(t.dC_dz[0])]
            colours = [C_DZ, C_DC]
            symbols = f"{colored(first_sym, C_DZ)} · {colored(d(C0, zj), C_DC)}"
        texts, shown_result, relation = self._product(factors, result)
        numbers = " · ".join(colored(text, c) for text, c in zip(texts, colours, strict=True))
        out.append(
            f"<p style='margin-left:40px'>= {symbols}</p>"
            f"<p style='margin-left:40px'>= {numbers} {relation} "
            f"{colored(shown_result, C_RES, bold=True)}</p>"
        )
        # The table lists the factors with the digits of the product above.
        values = [text.removeprefix("(").removesuffix(")") for text in texts]
        rows = []
        if k is None:
            rows.append((C_DZ, f"{d(zj, nt.bias(l, j))} = 1", "1", "a bias adds to z directly"))
        else:
            rows.append(
                (
                    C_DZ,
                    f"{d(zj, nt.weight(l, j, k))} = {nt.neuron(l - 1, k)}",
                    values[0],
                    "the activation the weight multiplies",
                )
            )
        act = spec.activation(l)
        z = float(t.z[0])
        if t.factored:
            rows.append(
                (
                    C_DA,
                    f"{d(aj, zj)} = {nt.slope(l, j)}",
                    f"σ′({num(z, notation.settings.digits)}) = {values[1]}",
                    f"the slope of {html.escape(act.label)} at z",
                )
            )
            rows.append(
                (
                    C_DC,
                    d(C0, aj),
                    values[2],
                    "how the cost changes with this neuron's activation (below)",
                )
            )
        elif t.fused:
            rows.append(
                (
                    C_DC,
                    d(C0, zj),
                    values[1],
                    f"{nt.neuron(l, j)} − {nt.target(j)}: the cross-entropy cancels the "
                    "output's slope (below)",
                )
            )
        else:
            rows.append(
                (
                    C_DC,
                    d(C0, zj),
                    values[1],
                    "∂a/∂z and ∂C/∂a together: softmax couples its neurons (below)",
                )
            )
        table = "".join(
            f"<tr><td valign='top'>{colored('■', c)}</td><td>{sym}<br>"
            f"<span style='color:{MUTED}; font-size:small'>{why}</span></td>"
            f"<td align='right' valign='top'><b>{value}</b></td></tr>"
            for c, sym, value, why in rows
        )
        out.append(
            f"<table cellspacing='0' cellpadding='2' style='margin-left:8px'>{table}</table>"
        )
        return "".join(out)

    def _dC_da_section(
        self,
        spec: NetworkSpec,
        params: Params,
        trace: Trace,
        grads: Grads,
        t: ChainTerms,
        snap: Snapshot,
    ) -> str:
        nt = self.nt
        l, j = t.layer, t.j
        L = spec.n_layers
        C0 = cost(True)
        aj = nt.neuron(l, j)
        source = aj if t.factored else nt.pre_activation(l, j)
        head = f"<h4>Where {colored(d(C0, source), C_DC)} comes from</h4>"
        if l == L:
            return head + self._output_gradient(spec, t, snap)
        # Hidden layer: every path through the neurons i of layer l + 1.
        _, paths = activation_paths(spec, params, trace, grads, l + 1, j, example=0)
        total = float(t.dC_da[0])  # the engine's ∂C₀/∂a_j, the factor written above
        table, shown_total, relation = self._paths_block(spec, l + 1, j, paths, "i", total)
        if spec.activation(l + 1).elementwise and not fuses_at(spec, l + 1):
            path = f"{nt.slope(l + 1, 'i')} · {d(C0, nt.neuron(l + 1, 'i'))}"
        else:
            path = d(C0, nt.pre_activation(l + 1, "i"))
        formula = (
            f"<p>{d(C0, aj)} = {nt.sum_over('i')} {nt.weight(l + 1, 'i', j)} · {path} "
            f"{relation} {colored(shown_total, C_DC, bold=True)}</p>"
            f"<p style='color:{MUTED}'>{aj} feeds every neuron i of "
            f"layer {l + 1}, so its influence on the cost adds up over those paths:</p>"
        )
        return head + formula + table

    def _output_gradient(self, spec: NetworkSpec, t: ChainTerms, snap: Snapshot) -> str:
        nt = self.nt
        j, L = t.j, t.layer
        C0 = cost(True)
        a = float(t.a[0])
        probe = snap.probe
        y = float(probe.y[0, j]) if probe is not None else float("nan")
        aj, yj, zj = nt.neuron(L, j), nt.target(j), nt.pre_activation(L, j)
        a_i, a_j = nt.neuron(None, "i"), nt.neuron(None, "j")
        y_j, z_i = nt.target("j"), nt.pre_activation(None, "i")
        act = spec.activation(L)
        loss = spec.loss
        digits = notation.settings.digits
        value = float(t.dC_da[0])
        z_grad = float(t.dC_dz[0])
        if t.fused:
            a_text, y_text, shown, rel = self._difference(a, y, z_grad)
            fused = (
                f"{d(C0, zj)} = {aj} − {yj} = {a_text} − {y_text} {rel} "
                f"{colored(shown, C_DC, bold=True)}"
            )
            if act.elementwise:
                why = (
                    f"<p style='color:{MUTED}'>Not written as {nt.slope(L, j)} · {d(C0, aj)}: "
                    f"as the output saturates {nt.slope(L, j)} → 0 while {d(C0, aj)} → ∞, "
                    "and their product loses the gradient; the cost cancels them exactly.</p>"
                )
            else:
                why = (
                    f"<p style='color:{MUTED}'>Not written through {d(C0, a_i)}: as the output "
                    f"saturates {d(a_i, zj)} → 0 while {d(C0, a_i)} = −{nt.target('i')}/{a_i} "
                    "→ ∞, and their products lose the gradient; the cost cancels them "
                    "exactly.</p>"
                )
        if not act.elementwise:
            lines = [
                f"<p>Softmax couples the outputs: every {z_i} changes every {a_j} "
                f"through the shared sum Σ {power('e', 'z')}, so the chain rule runs over all of "
                f"them: {d(C0, zj)} = {nt.sum_over('i')} "
                f"{d(nt.neuron('L', 'i'), zj)} · "
                f"{d(C0, nt.neuron('L', 'i'))} = "
                f"{a_j}({d(C0, a_j)} − {nt.sum_over('i')} {a_i} {d(C0, a_i)}).</p>"
            ]
            if t.fused:
                lines.append(f"<p>With cross-entropy this collapses to {fused}</p>{why}")
            else:
                lines.append(
                    f"<p>{d(C0, zj)} = {colored(num(z_grad, digits), C_DC, bold=True)}</p>"
                )
            return "".join(lines)
        if t.fused:
            return (
                f"<p>Cross-entropy {C0} = −{nt.sum_over('j')}[{y_j} ln {a_j} + "
                f"(1 − {y_j}) ln(1 − {a_j})] of a sigmoid output: {fused}</p>{why}"
            )
        if loss == "squared_error":
            a_text, y_text, shown, rel = self._difference(a, y, value, Fraction(2))
            return (
                f"<p>The note's cost {C0} = {nt.sum_over('j')}({nt.neuron('L', 'j')} − "
                f"{nt.target('j')})²: {d(C0, aj)} = 2({aj} − {yj}) = "
                f"2({a_text} − {y_text}) {rel} {colored(shown, C_DC, bold=True)}</p>"
            )
        if loss == "mse":
            n_L = spec.output_size
            a_text, y_text, shown, rel = self._difference(a, y, value, Fraction(2, n_L))
            return (
                f"<p>Mean squared error over the {n_L} outputs: {d(C0, aj)} = "
                f"(2/{nt.symbol('n', None, 'L')})({aj} − {yj}) = "
                f"(2/{n_L})({a_text} − {y_text}) {rel} {colored(shown, C_DC, bold=True)}</p>"
            )
        return f"<p>{d(C0, aj)} = {colored(num(value, digits), C_DC, bold=True)}</p>"

    def _batch_section(self, snap: Snapshot, target: str, l: int, j: int, k: int | None) -> str:
        nt = self.nt
        trace, grads = snap.batch_trace, snap.batch_grads
        head = "<h4>Average over the mini-batch: one component of ∇C</h4>"
        if trace is None or grads is None:
            what = "forward and backward pass" if trace is None else "backward pass"
            return head + _notice(
                f"Run a <b>{what}</b> on a mini-batch to average the terms over its examples."
            )
        bt = chain_terms(snap.spec, snap.pass_params, trace, grads, l, j, k)
        self.batch_terms = bt
        engine = bt.ref.get(grads.as_params())
        self.engine_gradient = engine
        n = bt.per_example.size
        average = bt.gradient
        digits = notation.settings.digits
        terms = [float(v) for v in bt.per_example]
        if n <= MAX_BATCH_TERMS:
            # Every term written: the average of them as written is the engine's, to the
            # digits shown.
            shown = sum_digits(terms, engine, digits, Fraction(1, n))
            texts = [num(v, shown.operand_digits, paren=True) for v in terms]
            relation = shown.relation
            self.identities.append(
                ShownIdentity(
                    "sum", tuple(texts), num(engine, digits), digits, relation, Fraction(1, n)
                )
            )
        else:
            texts = [num(v, 3, paren=True) for v in terms[:MAX_BATCH_TERMS]] + ["…"]
            relation = "="
        stale = ""
        if snap.after_update:
            stale = (
                f"<p style='color:{MUTED}'>(The mini-batch step {snap.step} learned from: "
                "this gradient was computed before that update.)</p>"
            )
        agree = math.isclose(average, engine, rel_tol=1e-9, abs_tol=1e-15)
        mark = colored("✓ equal", OK, bold=True) if agree else colored("✗ differ", ERROR)
        sum_text = " + ".join(texts)
        return head + (
            f"<p>{d('C', target)} = (1/n) {nt.sum_over('i')} "
            f"{d(nt.symbol('C', None, 'i'), target)} = "
            f"(1/{n})({sum_text}) {relation} "
            f"{colored(num(engine, digits), C_RES, bold=True)}</p>"
            f"<p style='color:{MUTED}'>over the n = {n} examples i of the batch "
            f"({_batch_indices(snap)}).</p>"
            f"<p>Engine's component of ∇C: <b>{exact(engine)}</b>; the average of the "
            f"products: {exact(average)} {mark}</p>" + stale
        )

    def _paths_section(
        self, spec: NetworkSpec, params: Params, trace: Trace, grads: Grads, l: int, k: int
    ) -> str:
        nt = self.nt
        C0 = cost(True)
        total, paths = activation_paths(spec, params, trace, grads, l, k, example=0)
        self.paths = (total, paths)
        is_input = l - 1 == 0
        # The engine's ∂C₀/∂a_k, the number the inspector shows (the paths' own sum where
        # the backward pass did not compute the input's gradient).
        dA = grads.dA[l - 1]
        engine = total if dA is None else float(trace.n_examples * dA[0, k])
        ak = nt.input_value(k) if is_input else nt.neuron(l - 1, k)
        head = f"<h4>Backpropagating one layer down: {d(C0, ak)}</h4>"
        table, shown_total, relation = self._paths_block(spec, l, k, paths, "j", engine)
        if spec.activation(l).elementwise and not fuses_at(spec, l):
            path = f"{nt.slope(l, 'j')} · {d(C0, nt.neuron(l, 'j'))}"
        else:
            path = d(C0, nt.pre_activation(l, "j"))
        formula = (
            f"<p>{d(C0, ak)} = {nt.sum_over('j')} {nt.weight(l, 'j', 'k')} · {path} "
            f"{relation} {colored(shown_total, C_RES, bold=True)}</p>"
        )
        note = (
            f"<p style='color:{MUTED}'>{'The input' if is_input else 'This activation'} "
            f"feeds every neuron j of layer {l}: one term per path, added up"
            + (" (the sensitivity of the cost to the input itself)." if is_input else ".")
            + "</p>"
        )
        return head + formula + note + table

    def _paths_block(
        self,
        spec: NetworkSpec,
        layer: int,
        k: int,
        paths: list[PathTerm],
        index: str,
        total: float,
    ) -> tuple[str, str, str]:
        """One row per path through neuron ``index`` of ``layer``, biggest contributions
        first, each row's product and the rows' sum holding to the digits shown.

        Returns the table, the total as written and its relation ("=" or "≈").
        """
        nt = self.nt
        C0 = cost(True)
        factored = spec.activation(layer).elementwise and not fuses_at(spec, layer)
        ordered = sorted(paths, key=lambda p: -abs(p.value))
        shown, hidden = ordered[:MAX_PATHS], ordered[MAX_PATHS:]
        rest = float(np.sum([p.value for p in hidden])) if hidden else None
        digits = notation.settings.digits
        addends = [p.value for p in shown] + ([rest] if rest is not None else [])
        sums = sum_digits(addends, total, digits)
        term_digits = sums.operand_digits
        if factored:
            header = (
                f"<tr style='color:{MUTED}'><td>{index}</td><td>{nt.weight(None, index, k)}</td>"
                f"<td>{nt.slope(None, index)}</td><td>{d(C0, nt.neuron(None, index))}</td>"
                "<td>term</td></tr>"
            )
        else:
            header = (
                f"<tr style='color:{MUTED}'><td>{index}</td><td>{nt.weight(None, index, k)}</td>"
                f"<td>{d(C0, nt.pre_activation(None, index))}</td><td>term</td></tr>"
            )
        rows: list[str] = []
        terms: list[str] = []
        colours: list[str | ThemeColour]
        for p in shown:
            if factored:
                factors = [p.weight, p.da_dz, p.dC_da]
                colours = ["", C_DA, C_DC]
            else:
                factors = [p.weight, p.dC_dz]
                colours = ["", C_DC]
            texts, term, relation = self._product(factors, p.value, term_digits, paren=False)
            terms.append(term)
            cells = "".join(
                f"<td align='right'>{colored(text, c) if c else text}</td>"
                for text, c in zip(texts, colours, strict=True)
            )
            mark = "" if relation == "=" else "≈ "
            rows.append(f"<tr><td>{p.j}</td>{cells}<td align='right'><b>{mark}{term}</b></td></tr>")
        more = ""
        if rest is not None:
            rest_text = num(rest, term_digits)
            terms.append(rest_text)
            more = (
                f"<tr><td colspan='5' style='color:{MUTED}'>… and {len(hidden)} more "
                f"paths adding {rest_text}</td></tr>"
            )
        shown_total = num(total, digits)
        self.identities.append(
            ShownIdentity("sum", tuple(terms), shown_total, digits, sums.relation)
        )
        table = (
            f"<table cellspacing='0' cellpadding='2' style='margin-left:12px'>{header}"
            f"{''.join(rows)}{more}</table>"
        )
        return table, shown_total, sums.relation

    # -- input neurons ---------------------------------------------------------------------------

    def _build_input(self, snap: Snapshot, sel: Selection) -> str:
        nt = self.nt
        spec = snap.spec
        k = sel.j
        parts = [
            f"<h3>Input {nt.input_value(k)} = {nt.neuron(0, k)}</h3>"
            f"<p style='color:{MUTED}'>Inputs have no weights or bias of their own; the chain "
            "rule still tells how the cost depends on them.</p>"
        ]
        trace, grads, about = self._probe(snap)
        if trace is None or snap.probe is None:
            parts.append(_notice("Run a <b>forward pass</b> to see the probe example."))
            return _page("".join(parts))
        parts.append(f"<p style='color:{MUTED}'>{about}</p>")
        parts.append(f"<p>{nt.input_value(k)} = <b>{num(float(snap.probe.x[0, k]), 6)}</b></p>")
        if grads is None:
            parts.append(_notice(f"Run a <b>backward pass</b> to get {d(cost(True), 'x')}."))
            return _page("".join(parts))
        parts.append(self._paths_section(spec, snap.pass_params, trace, grads, 1, k))
        dX = grads.dA[0]
        if dX is not None:
            parts.append(
                f"<p>Engine's {d(cost(True), nt.input_value(k))}: "
                f"<b>{exact(float(dX[0, k]))}</b></p>"
            )
        return _page("".join(parts))


# -- html helpers --------------------------------------------------------------------------------


def _page(body: str) -> str:
    return (
        "<html><head><style>"
        "h3 { margin: 2px 0 2px 0; } h4 { margin: 10px 0 2px 0; }"
        "p { margin: 2px 0 2px 0; } td { padding: 1px 6px 1px 0; }"
        f"</style></head><body>{body}</body></html>"
    )


def _notice(text: str) -> str:
    return (
        f"<table width='100%' cellpadding='4' style='background-color:{NOTICE}; margin:4px 0'>"
        f"<tr><td>{text}</td></tr></table>"
    )


def _symbolic(
    nt: Notation, target: str, l: int, j: int, elementwise: bool, per_example: bool
) -> str:
    C0 = cost(per_example)
    zj, aj = nt.pre_activation(l, j), nt.neuron(l, j)
    if elementwise:
        rhs = (
            f"{colored(d(zj, target), C_DZ)} · {colored(d(aj, zj), C_DA)} · "
            f"{colored(d(C0, aj), C_DC)}"
        )
    else:
        rhs = f"{colored(d(zj, target), C_DZ)} · {colored(d(C0, zj), C_DC)}"
    return f"<p style='font-size:large'>{d(C0, target)} = {rhs}</p>"


def _after_update_notice(snap: Snapshot, target: str, sel: Selection) -> str:
    """Says which state the numbers are: the step just taken, before its update."""
    ref = sel.param
    change = ""
    if ref is not None:
        before, after = ref.get(snap.pass_params), ref.get(snap.params)
        change = f" It had {target} = {num(before, 6)}; the update made it {num(after, 6)}."
    return _notice(
        f"Step {snap.step} just taken: every number below was computed with the parameters "
        f"<b>before</b> its update.{change} Run a <b>forward pass</b> for the new ones."
    )


def _batch_indices(snap: Snapshot) -> str:
    indices = [int(i) for i in snap.batch_indices[:8]]
    if len(indices) == 0:
        return "the whole training set"
    text = ", ".join(f"#{i}" for i in indices)
    if len(snap.batch_indices) > 8:
        text += ", …"
    return text
