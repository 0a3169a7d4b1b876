"""Numbers a student can trust: random networks driven through random phases, steps, short
runs, edits, undos and redos in the main window; after every action the chain-rule panel's
products and sums hold to the digits it writes, and the panel, the inspector, the canvas
and the gradient plot show the same numbers as each other and as the engine (pytest-qt,
offscreen).

The identities are checked on the texts written (read back as a person would, multiplied
or added exactly, rounded to the digits of the result), not on the floats behind them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PySide6.QtCore import QSettings
from pytestqt.exceptions import TimeoutError
from pytestqt.qtbot import QtBot
from window_helpers import discard_changes

from bpstudio.app import notation
from bpstudio.app.commands import SetParameterCommand
from bpstudio.app.main_window import MainWindow
from bpstudio.app.panels.chain_rule import ShownIdentity
from bpstudio.app.selection import Selection
from bpstudio.app.worker import StopConditions, WorkerOptions
from bpstudio.core.data.source import DataSource, load_examples
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.backprop import gradients
from bpstudio.core.engine.network import NetworkSpec, initialize
from bpstudio.core.engine.shown_digits import rounded
from bpstudio.core.files.project import Project
from bpstudio.core.files.templates import make_project
from bpstudio.core.training.hyperparams import Hyperparameters
from bpstudio.core.training.trainer import StepUnit

TIMEOUT = 5_000  # ms, for the views to redraw
RUN_TIMEOUT = 20_000  # ms, for a short run to finish under a busy machine

#: (data set, its number of classes or None, output activation, cost); the cross-entropies
#: are the fused cases.
OUTPUTS = [
    ("xor", None, "sigmoid", "cross_entropy"),
    ("xor", None, "sigmoid", "squared_error"),
    ("xor", None, "tanh", "mse"),
    ("blobs", 3, "softmax", "cross_entropy"),
    ("blobs", 2, "sigmoid", "squared_error"),
    ("note_examples", None, "sigmoid", "squared_error"),
]
N_INPUTS = {"xor": 2, "blobs": 2, "note_examples": 1}


@st.composite
def projects(draw: st.DrawFn) -> Project:
    data, classes, output, loss = draw(st.sampled_from(OUTPUTS))
    hidden = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    source = DataSource(
        name=data,
        n_examples=None if data == "note_examples" else 24,
        n_classes=classes,
        seed=draw(st.integers(0, 9)),
    )
    n_out = load_examples(source).n_outputs
    sizes = (N_INPUTS[data], *hidden, n_out)
    acts = tuple(draw(st.sampled_from(["sigmoid", "tanh", "relu"])) for _ in hidden)
    spec = NetworkSpec(sizes, (*acts, output), loss)
    hp = Hyperparameters(
        batch_size=draw(st.integers(1, 6)),
        learning_rate=draw(st.sampled_from([0.1, 0.5, 3.0])),
        seed=draw(st.integers(0, 9)),
    )
    return Project(spec, initialize(spec, seed=draw(st.integers(0, 99))), source, hp)


def parameters(spec: NetworkSpec) -> list[ParamRef]:
    refs = []
    for l in range(1, spec.n_layers + 1):
        for j in range(spec.layer_sizes[l]):
            refs.append(ParamRef.bias(l, j))
            refs.extend(ParamRef.weight(l, j, k) for k in range(spec.layer_sizes[l - 1]))
    return refs


actions = st.lists(
    st.one_of(
        st.tuples(st.just("phase")),
        st.tuples(st.just("batch")),
        st.tuples(st.just("run")),
        st.tuples(st.just("undo")),
        st.tuples(st.just("redo")),
        # Large weights saturate the outputs: the fused a − y must still be shown right.
        st.tuples(
            st.just("edit"), st.integers(0, 10_000), st.sampled_from([-40.0, -2.5, 0.0, 0.7, 25.0])
        ),
        st.tuples(st.just("select"), st.integers(0, 10_000)),
    ),
    min_size=1,
    max_size=7,
)


# -- reading numbers back as a person would ------------------------------------------------------

_POWER = re.compile(r"^(.*)·10<sup>(.*)</sup>$")


def read(text: str) -> Fraction:
    """A number as the panel writes it: −, parentheses, 1.2·10<sup>−5</sup>."""
    text = text.replace("(", "").replace(")", "")
    sign = 1
    while text.startswith(notation.MINUS):
        sign, text = -sign, text[1:]
    exponent = 0
    match = _POWER.match(text)
    if match:
        text, exponent = match.group(1), int(match.group(2).replace(notation.MINUS, "-"))
    return sign * Fraction(text) * Fraction(10) ** exponent


def holds(identity: ShownIdentity) -> bool:
    values = [read(text) for text in identity.operands]
    if identity.kind == "product":
        exact = Fraction(1)
        for v in values:
            exact *= v
    else:
        exact = identity.scale * sum(values, Fraction(0))
    return rounded(exact, identity.digits) == read(identity.result)


# -- the checks ----------------------------------------------------------------------------------


def check_identities(window: MainWindow) -> None:
    panel = window.chain_rule
    for identity in panel.identities:
        for text in (identity.result, *identity.operands):
            # A term's minus sign may be written as the operator: "a − y".
            assert text in panel.html or text.removeprefix(notation.MINUS) in panel.html
        if identity.relation == "=":
            assert holds(identity), identity
        else:  # "≈" only where the digits cannot make it hold: all 17 of them were tried
            assert not holds(identity), identity


def check_views_agree(window: MainWindow) -> None:
    snap = window.controller.snapshot
    sel = window.selection.selection
    assert snap is not None
    assert snap.spec == window.document.spec
    assert snap.params.allclose(window.document.params)  # one state: the document's
    panel, inspector = window.chain_rule, window.inspector
    scene = window.canvas.network_scene
    values = scene.values
    assert values is not None
    probe, batch = snap.probe_readout, snap.batch_readout
    plot = window.gradient_plot.heights
    if snap.batch_grads is not None and plot is not None:
        np.testing.assert_array_equal(plot, snap.batch_grads.vector())
    if sel is None or sel.layer == 0:
        return
    ref = sel.param
    assert ref is not None
    live = inspector.live_numbers()
    gradient = batch.parameter(ref).gradient if batch is not None else None
    key = "dC_dw" if ref.is_weight else "dC_db"
    assert live[key] == gradient
    assert panel.engine_gradient == gradient
    if ref.is_weight:
        assert values.dW is None or float(values.dW[ref.layer - 1][ref.j, ref.k]) == gradient
        if probe is not None:
            assert live["a_prev"] == probe.neuron(ref.layer - 1, ref.k).a
    if gradient is not None:
        # The inspector's ∂C/∂θ, to the same digits, is the panel's average of the batch.
        assert notation.formula_number(gradient, notation.settings.digits) in panel.html
    terms = panel.terms
    if snap.probe is not None and snap.probe.grads is not None:
        assert terms is not None
        # The engine, from the parameters the panel says it shows, on the probe example.
        again = gradients(snap.spec, snap.pass_params, snap.probe.x, snap.probe.y)
        np.testing.assert_allclose(
            terms.per_example[0], ref.get(again.as_params()), rtol=1e-12, atol=1e-15
        )
        if terms.fused:
            assert "Not written" in panel.html
            assert not terms.factored


def act(qtbot: QtBot, window: MainWindow, action: tuple[object, ...]) -> None:
    document, controller = window.document, window.controller
    kind = action[0]
    if kind == "phase":
        controller.step(StepUnit.PHASE)
    elif kind == "batch":
        controller.step(StepUnit.BATCH)
    elif kind == "run":  # a short run at full speed, back in the document as one undo step
        steps = document.project.step
        controller.run(StopConditions(max_steps=steps + 5))
        controller.worker.wait_for_data()
        assert controller.sync()
        qtbot.waitUntil(
            lambda: not controller.running and document.project.step == steps + 5,
            timeout=RUN_TIMEOUT,
        )
    elif kind == "undo":
        document.undo_stack.undo()
    elif kind == "redo":
        document.undo_stack.redo()
    elif kind == "edit":
        refs = parameters(document.spec)
        ref = refs[int(action[1]) % len(refs)]  # type: ignore[call-overload]
        document.push(SetParameterCommand(document, ref, float(action[2])))  # type: ignore[arg-type]
    elif kind == "select":
        refs = parameters(document.spec)
        ref = refs[int(action[1]) % len(refs)]  # type: ignore[call-overload]
        if ref.k is None:
            window.selection.select(Selection.neuron(ref.layer, ref.j))
        else:
            window.selection.select(Selection.weight(ref.layer, ref.j, ref.k))


def settle(qtbot: QtBot, window: MainWindow) -> None:
    """Wait for the worker and the views, then check what they show."""
    controller = window.controller
    controller.worker.wait_for_data()
    assert controller.sync()

    def consistent() -> None:
        check_views_agree(window)
        check_identities(window)

    # The views redraw on the next turns of the event loop: wait until they have (and if
    # they never do, fail with the check's own message).
    try:
        qtbot.waitUntil(consistent, timeout=TIMEOUT)
    except TimeoutError:
        consistent()
        raise


@pytest.fixture
def window(qtbot: QtBot, settings: QSettings) -> Iterator[MainWindow]:
    # Closing with the random edits unsaved asks what to do with them: discard them.
    win = MainWindow(settings, worker=WorkerOptions(backend="thread"))
    win.ask_unsaved = discard_changes
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
    win.controller.shutdown()


def _run(qtbot: QtBot, window: MainWindow, project: Project, steps: list) -> None:
    window.document.replace_project(project)
    window.selection.select(Selection.weight(project.spec.n_layers, 0, 0))
    settle(qtbot, window)
    for action in steps:
        act(qtbot, window, action)
        settle(qtbot, window)


def _examples(n: int) -> hypothesis_settings:
    """``n`` random sessions; one window serves them all (hence the fixture check off)."""
    return hypothesis_settings(
        max_examples=n,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@_examples(25)
@given(project=projects(), steps=actions)
def test_shown_numbers_hold_and_agree(
    qtbot: QtBot, window: MainWindow, project: Project, steps: list
) -> None:
    _run(qtbot, window, project, steps)


@pytest.mark.slow
@_examples(200)
@given(project=projects(), steps=actions)
def test_shown_numbers_hold_and_agree_thoroughly(
    qtbot: QtBot, window: MainWindow, project: Project, steps: list
) -> None:
    _run(qtbot, window, project, steps)


def test_a_saturated_sigmoid_output_shows_the_fused_gradient(
    qtbot: QtBot, window: MainWindow
) -> None:
    # XOR's 2-4-1 with cross-entropy; an output bias of 60 saturates a to exactly 1.0, so
    # σ′(z) = 0 and ∂C₀/∂a is clipped to 10¹⁵: the factor form would read 0 · 10¹⁵ = 0.
    project = make_project("xor")
    project.params.b[-1][0] = 60.0
    window.document.replace_project(project)
    window.selection.select(Selection.weight(2, 0, 1))
    settle(qtbot, window)
    window.controller.step(StepUnit.PHASE)
    window.controller.step(StepUnit.PHASE)
    settle(qtbot, window)
    panel = window.chain_rule
    terms = panel.terms
    assert terms is not None
    assert terms.fused
    assert terms.da_dz[0] == 0.0
    y = float(window.controller.snapshot.probe.y[0, 0])  # type: ignore[union-attr]
    assert terms.dC_dz[0] == 1.0 - y
    # The product written is a_k · (a − y), and it is the engine's gradient.
    product = panel.identities[0]
    assert product.kind == "product"
    assert len(product.operands) == 2
    assert read(product.result) == rounded(terms.per_example[0], product.digits)
    assert terms.per_example[0] == terms.dz_dparam[0] * (1.0 - y)
    assert "Not written as σ′(" in panel.html
    # No product through the output is written with its vanished slope as a factor.
    assert all(len(i.operands) == 2 for i in panel.identities if i.kind == "product")
