"""Help > Walk through the note: every screen's numbers are the engine's, for the network
in the window; its "try it" edits are undo steps; leaving puts the user's project back."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from bpstudio.app import notation
from bpstudio.app.main_window import NOTATION_KEY, MainWindow
from bpstudio.app.walkthrough.panel import SCREEN_KEY
from bpstudio.app.walkthrough.screens import SCREENS
from bpstudio.app.worker import WorkerOptions
from bpstudio.core.data.source import load_examples, split_examples
from bpstudio.core.engine.activations import ACTIVATIONS
from bpstudio.core.engine.address import param_refs
from bpstudio.core.engine.backprop import gradients
from bpstudio.core.files.templates import make_project


@pytest.fixture(autouse=True)
def _keep_notation() -> Iterator[None]:
    """The notation is app-wide: put it back for the other tests."""
    style = notation.settings.layers
    yield
    notation.settings.layers = style


@pytest.fixture
def window(open_window: Callable[..., MainWindow]) -> MainWindow:
    window = open_window(worker=WorkerOptions(backend="thread"))
    window.document.replace_project(make_project("xor"))
    window.show()
    return window


def expected_numbers(window: MainWindow, example: int, path: int) -> dict[str, float]:
    """Every number any screen may show, computed from backprop.py alone (no readout)."""
    doc = window.document
    spec, params = doc.spec, doc.params
    data, _ = split_examples(doc.data_source, load_examples(doc.data_source))
    X, Y = data.X, data.Y
    L = spec.n_layers
    one = gradients(spec, params, X[example : example + 1], Y[example : example + 1])
    batch = gradients(spec, params, X, Y)
    # The example's forward pass, written out layer by layer.
    A, Z = [X[example]], []
    for l in range(1, L + 1):
        Z.append(A[-1] @ params.W[l - 1].T + params.b[l - 1])
        A.append(ACTIVATIONS[spec.activations[l - 1]].forward(Z[-1][None])[0])

    def slope(l: int) -> np.ndarray:
        act = ACTIVATIONS[spec.activations[l - 1]]
        return act.derivative(Z[l - 1][None], A[l][None])[0]

    all_costs = [gradients(spec, params, X[k : k + 1], Y[k : k + 1]).cost for k in range(len(X))]
    out: dict[str, float] = {
        "C0": float(((A[L] - Y[example]) ** 2).sum()),
        "C": batch.cost,
        "a_L": A[L][0],
        "y": Y[example, 0],
        "z_L": Z[L - 1][0],
        "w_L": params.W[L - 1][0, 0],
        "b_L": params.b[L - 1][0],
        "slope_L": slope(L)[0],
        "dC0_da_L": 2 * (A[L][0] - Y[example, 0]),
        "eta": doc.hyperparameters.learning_rate,
        "dC0_db_L.first": 1.0,
    }
    if L >= 2 and spec.layer_sizes[L] == 1:
        out |= {
            "a_L-1": A[L - 1][0],
            "dC0_dw_L.first": A[L - 1][0],
            "dC0_dw_L": one.dW[L - 1][0, 0],
            "dC0_db_L": one.db[L - 1][0],
            "dC0_da_L-1.first": params.W[L - 1][0, 0],
            "dC0_da_L-1": params.W[L - 1][0, 0] * slope(L)[0] * 2 * (A[L][0] - Y[example, 0]),
            "dC0_dw_L-1": one.dW[L - 2][0, 0],
            "slope_L-1": slope(L - 1)[0],
            "dC_dw_L": batch.dW[L - 1][0, 0],
        }
        if L >= 3:
            out["a_L-2"] = A[L - 2][0]
    for l in range(1, L + 1):
        if spec.layer_sizes[l] == 1 and spec.layer_sizes[l - 1] == 1:
            out[f"w{l}"] = params.W[l - 1][0, 0]
            out[f"b{l}"] = params.b[l - 1][0]
        dW = batch.dW[l - 1]
        out[f"dC_dW{l}max"] = float(dW.flat[np.abs(dW).argmax()])
    for k, c in enumerate(all_costs):
        out[f"C_{k}"] = c
        if spec.layer_sizes[L] == 1:
            g = gradients(spec, params, X[k : k + 1], Y[k : k + 1])
            out[f"dC{k}_dw_L"] = g.dW[L - 1][0, 0]
    vector = np.concatenate(
        [np.r_[dW.ravel(), db] for dW, db in zip(batch.dW, batch.db, strict=True)]
    )
    assert len(vector) == len(list(param_refs(spec)))
    for i, g in enumerate(vector):
        out[f"grad{i}"] = g
    n_L = spec.layer_sizes[L]
    for j in range(n_L):
        out[f"a_L{j}"] = A[L][j]
        out[f"y{j}"] = Y[example, j]
        out[f"slope_{j}"] = slope(L)[j]
        out[f"dC0_da_L{j}"] = 2 * (A[L][j] - Y[example, j])
        out[f"w_{j}{path}"] = params.W[L - 1][j, path]
    # The sum over the paths through every a_j^(L), written out as the note does.
    out["dC0_da_k"] = sum(
        params.W[L - 1][j, path] * slope(L)[j] * 2 * (A[L][j] - Y[example, j]) for j in range(n_L)
    )
    return out


def check_screen(window: MainWindow) -> None:
    panel = window.walkthrough
    page = panel.page
    assert page is not None
    shown = panel.live()  # the example and path the screen is built from
    expected = expected_numbers(window, shown.example, shown.path)
    assert page.numbers, f"screen {panel.index + 1} shows no numbers"
    for key, value in page.numbers.items():
        assert key in expected, f"screen {panel.index + 1}: no independent value for {key}"
        np.testing.assert_allclose(value, expected[key], rtol=1e-9, atol=1e-12, err_msg=key)
        # ... and the person reads that number on the screen.
        assert notation.formula_number(value, 4) in page.html, key
    assert "\\frac" not in page.html
    assert "$" not in page.html


def test_walk_from_first_to_last_screen(window: MainWindow, qtbot: QtBot) -> None:
    user = window.document.project.copy()
    window.open_walkthrough(0)
    panel = window.walkthrough
    assert window.document.spec.layer_sizes == (1, 1, 1, 1)
    seen = []
    for i in range(len(SCREENS)):
        assert panel.index == i
        check_screen(window)
        seen.append(panel.page.title if panel.page else "")
        # Every "try it" keeps the numbers the engine's.
        for action in panel.page.tries if panel.page else []:
            before = panel.live()
            panel.run_try(action)
            check_screen(window)
            after = panel.live()
            if action.action == "example":  # the next example, probed on every view
                assert after.example == (before.example + 1) % before.n
                assert window.controller.probe_index == after.example
            elif action.action == "path":
                assert after.path == (before.path + 1) % before.spec.layer_sizes[-2]
        qtbot.keyClick(panel, Qt.Key.Key_Right)
    assert panel.index == len(SCREENS) - 1
    assert seen == [s.title for s in SCREENS]
    assert window.document.spec.layer_sizes == (2, 3, 2)
    panel.leave()
    doc = window.document
    assert doc.spec == user.spec
    assert doc.data_source == user.data
    for W, W0 in zip(doc.params.W, user.params.W, strict=True):
        np.testing.assert_array_equal(W, W0)
    assert not window.docks["walkthrough"].isVisibleTo(window)


def test_nudge_and_step_are_undo_steps(window: MainWindow, qtbot: QtBot) -> None:
    window.open_walkthrough(3)  # the chain rule's three factors
    panel = window.walkthrough
    page = panel.page
    assert page is not None
    before_grad = page.numbers["dC0_dw_L"]
    nudge = next(t for t in page.tries if t.action == "nudge" and t.amount > 0)
    assert nudge.ref is not None
    w0 = window.document.parameter(nudge.ref)
    panel.run_try(nudge)
    assert window.document.parameter(nudge.ref) == pytest.approx(w0 + 0.1)
    assert panel.page is not None
    assert panel.page.numbers["dC0_dw_L"] != before_grad
    window.document.undo_stack.undo()
    assert window.document.parameter(nudge.ref) == w0
    assert panel.page.numbers["dC0_dw_L"] == before_grad

    panel.go(7)  # one step of gradient descent
    cost = panel.page.numbers["C"]
    panel.run_try(next(t for t in panel.page.tries if t.action == "step"))
    assert panel.page.numbers["C"] < cost
    window.document.undo_stack.undo()
    assert panel.page.numbers["C"] == cost


def test_leaving_and_resuming(window: MainWindow, settings: QSettings, qtbot: QtBot) -> None:
    window.open_walkthrough(0)
    panel = window.walkthrough
    qtbot.keyClick(panel, Qt.Key.Key_Right)
    qtbot.keyClick(panel, Qt.Key.Key_Right)
    qtbot.keyClick(panel, Qt.Key.Key_Left)
    assert panel.index == 1
    panel.leave()
    assert window.document.spec.layer_sizes == (2, 4, 1)  # the user's XOR network is back
    assert int(settings.value(SCREEN_KEY)) == 1
    window.open_walkthrough()
    assert panel.index == 1
    assert panel.active


def test_canvas_labels_follow_the_notation_switch(window: MainWindow, settings: QSettings) -> None:
    window.open_walkthrough(1)
    annotations = window.canvas.scene().annotations
    window.set_relative_layers(True)
    assert any("(L−1)" in text for text in annotations.labels())
    assert annotations.halo_count() >= 1  # the output neuron the screen speaks of
    window.set_relative_layers(False)
    labels = " ".join(annotations.labels())
    assert "(L" not in labels
    assert "(3)" in labels
    assert "(3)" in (window.walkthrough.page.html if window.walkthrough.page else "")
    assert settings.value(NOTATION_KEY) == "absolute"


def test_first_launch_offers_the_walkthrough_once(open_window: Callable[..., MainWindow]) -> None:
    window = open_window(worker=WorkerOptions(backend="thread"))
    spec = window.document.spec
    window.offer_walkthrough()
    assert window.docks["walkthrough"].isVisibleTo(window)
    assert not window.walkthrough.active
    assert window.document.spec == spec
    window.docks["walkthrough"].hide()
    window.offer_walkthrough()
    assert not window.docks["walkthrough"].isVisibleTo(window)


def _lines(html: str, width: float) -> list[str]:
    """The lines ``html`` is laid out in at ``width`` pixels."""
    document = QTextDocument()
    document.setDefaultFont(QApplication.font())
    document.setHtml(html)
    document.setTextWidth(width)
    document.documentLayout().documentSize()  # lays the text out
    lines = []
    block = document.begin()
    while block.isValid():
        layout = block.layout()
        for i in range(layout.lineCount()):
            line = layout.lineAt(i)
            lines.append(block.text()[line.textStart() : line.textStart() + line.textLength()])
        block = block.next()
    return lines


def test_formulas_wrap_at_operators_only(window: MainWindow) -> None:
    """Every screen (screen 10's sum over paths first) in a narrow walkthrough: no line ends
    inside a symbol such as ∂C₀/∂a."""
    for index in (9, *range(len(SCREENS))):
        window.open_walkthrough(index)
        page = window.walkthrough.page
        assert page is not None
        for width in range(180, 420, 12):
            for line in _lines(page.html, width):
                ends = ("/", "/" + notation.WORD_JOINER)
                assert not line.rstrip().endswith(ends), (index + 1, width, line)
