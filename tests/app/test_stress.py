"""Stress: the whole window under many edits while it trains, and a training process that
is killed or stopped mid-run.

Each test runs at two sizes: a short one in ``make test`` and the full one (the ``slow``
marker, ``make test-all``). The module's timeout is the bound on time: a deadlock fails.
Afterwards there has been no exception (pytest-qt fails a test for one in a Qt slot; the
training process's errors would reach stderr), no thread or process is left, undo all and
redo all round-trip, and memory is bounded.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from bpstudio.app.commands import SetHyperparametersCommand, SetParameterCommand
from bpstudio.app.editing import push_network_edit
from bpstudio.app.main_window import MainWindow
from bpstudio.app.selection import Selection
from bpstudio.app.worker import PROCESS_NAME
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.edits import add_neuron, remove_neuron, set_activation
from bpstudio.core.engine.network import initialize
from bpstudio.core.errors import BPStudioError
from bpstudio.core.training.trainer import StepUnit

pytestmark = pytest.mark.timeout(900)

TIMEOUT = 20_000  # ms for one wait
MIB = 2**20
UNDO_BUDGET = 16 * MIB  # small, so that the stack's bound shows in a short session


def sizes(short: int, full: int) -> Any:
    return pytest.mark.parametrize(
        "n",
        [pytest.param(short, id="short"), pytest.param(full, id="full", marks=pytest.mark.slow)],
    )


# -- helpers -------------------------------------------------------------------------------------


def resident_bytes() -> int:
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        pytest.skip("no /proc/self/status on this system")
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    pytest.skip("no VmRSS in /proc/self/status")


def training_processes() -> list[multiprocessing.Process]:
    return [p for p in multiprocessing.active_children() if p.name == PROCESS_NAME]


def our_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("bpstudio-")]


@pytest.fixture
def make_window(open_window: Callable[[], MainWindow]) -> Callable[[], MainWindow]:
    def make() -> MainWindow:
        window = open_window()
        window.show()
        window.document.undo_budget = UNDO_BUDGET
        window.new_from_template("xor")
        settle(window)
        return window

    return make


def settle(window: MainWindow) -> None:
    window.controller.worker.wait_for_data()
    assert window.controller.sync()


def pause(qtbot: QtBot, window: MainWindow) -> None:
    controller = window.controller
    controller.pause()
    qtbot.waitUntil(lambda: not controller.running, timeout=TIMEOUT)
    settle(window)


def run_until_trained(qtbot: QtBot, window: MainWindow) -> None:
    controller = window.controller
    start = window.document.project.step
    controller.run()
    qtbot.waitUntil(
        lambda: (
            controller.snapshot is not None
            and controller.snapshot.running
            and controller.snapshot.step > start
        ),
        timeout=TIMEOUT,
    )


def document_state(window: MainWindow) -> tuple[object, ...]:
    project = window.document.project
    return (
        project.spec,
        [a.copy() for a in project.params.arrays()],
        project.hyperparameters,
        project.data,
        project.step,
        project.epoch,
        project.history.to_dict(),
    )


def same_state(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    arrays_a, arrays_b = a[1], b[1]
    assert isinstance(arrays_a, list)
    assert isinstance(arrays_b, list)
    return (
        a[0] == b[0]
        and len(arrays_a) == len(arrays_b)
        and all(np.array_equal(x, y) for x, y in zip(arrays_a, arrays_b, strict=True))
        and a[2:] == b[2:]
    )


def check_undo_all_redo_all(qtbot: QtBot, window: MainWindow) -> None:
    """Undo everything kept and redo it: the same document, twice at each end."""
    if window.controller.running:
        pause(qtbot, window)
    settle(window)
    # What training has already sent lands on the stack first (as before an undo).
    window.controller.pause_for_edit(resume=False)
    settle(window)
    stack = window.document.undo_stack
    end = document_state(window)
    steps = stack.index()
    for _ in range(steps):
        stack.undo()
    assert not stack.canUndo()
    bottom = document_state(window)
    for _ in range(steps):
        stack.redo()
    assert same_state(document_state(window), end)
    for _ in range(steps):
        stack.undo()
    assert same_state(document_state(window), bottom)
    for _ in range(steps):
        stack.redo()
    assert same_state(document_state(window), end)
    assert window.document.undo_nbytes() <= UNDO_BUDGET


def check_nothing_left(window: MainWindow, capfd: pytest.CaptureFixture[str]) -> None:
    assert "internal error" not in window.controller.problem
    assert window.close()
    assert training_processes() == []
    assert our_threads() == []
    err = capfd.readouterr().err
    assert "Traceback" not in err, err


def check_clean_end(qtbot: QtBot, window: MainWindow, capfd: pytest.CaptureFixture[str]) -> None:
    """The end of every session: undo all and redo all round-trip, then nothing is left."""
    check_undo_all_redo_all(qtbot, window)
    check_nothing_left(window, capfd)


# -- random edits while training -------------------------------------------------------------


def random_action(window: MainWindow, rng: np.random.Generator) -> None:
    """One of the things a person does: edit, undo, redo, run, pause, step, select."""
    doc, controller = window.document, window.controller
    shape = doc.spec.layer_sizes
    choice = int(rng.integers(11))
    try:
        if choice == 0:
            l = int(rng.integers(1, len(shape)))
            j, k = int(rng.integers(shape[l])), int(rng.integers(shape[l - 1]))
            value = float(rng.normal())
            ref = ParamRef.weight(l, j, k)
            doc.push(SetParameterCommand(doc, ref, value, drag_id=int(rng.integers(3))))
        elif choice == 1 and shape[1] < 8:
            push_network_edit(
                doc, controller, "Add a neuron", lambda s, p: add_neuron(s, p, 1, doc.rng)
            )
        elif choice == 2:
            push_network_edit(
                doc, controller, "Remove a neuron", lambda s, p: remove_neuron(s, p, 1, 0)
            )
        elif choice == 3:
            name = str(rng.choice(["tanh", "sigmoid", "relu"]))
            push_network_edit(
                doc, controller, "Activation", lambda s, p: set_activation(s, p, 1, name)
            )
        elif choice == 4:
            rate = float(10 ** rng.uniform(-3, 0))
            hp = doc.hyperparameters.with_changes(learning_rate=rate)
            doc.push(SetHyperparametersCommand(doc, hp, "learning_rate"))
        elif choice == 5:
            window.undo()
        elif choice == 6:
            window.redo()
        elif choice == 7:
            controller.run()
        elif choice == 8:
            controller.pause()
        elif choice == 9:
            controller.step(str(rng.choice([u.value for u in StepUnit])))
        else:
            l = int(rng.integers(1, len(shape)))
            window.selection.select(Selection.neuron(l, int(rng.integers(shape[l]))))
    except BPStudioError:
        pass  # a refused edit (the last neuron of a layer): nothing changed


@sizes(30, 1000)
def test_random_edits_interleaved_with_run_pause_and_step(
    qtbot: QtBot,
    qapp: QApplication,
    make_window: Callable[[], MainWindow],
    capfd: pytest.CaptureFixture[str],
    n: int,
) -> None:
    window = make_window()
    rng = np.random.default_rng(15)
    memory: list[int] = []
    for i in range(n):
        random_action(window, rng)
        qapp.processEvents()
        if i in (n // 5, n - 1):
            memory.append(resident_bytes())
    check_undo_all_redo_all(qtbot, window)
    # What the session adds after its first fifth is bounded by the undo budget (and
    # the heap's slack), not by the number of edits.
    assert memory[1] - memory[0] < UNDO_BUDGET + 64 * MIB
    check_nothing_left(window, capfd)


@sizes(4, 200)
def test_run_pause_reset_cycles(
    qtbot: QtBot,
    make_window: Callable[[], MainWindow],
    capfd: pytest.CaptureFixture[str],
    n: int,
) -> None:
    window = make_window()
    controller = window.controller
    for cycle in range(n):
        run_until_trained(qtbot, window)
        pause(qtbot, window)
        assert window.document.project.step > 0
        seed = window.document.hyperparameters.seed + cycle
        controller.reset(initialize(window.document.spec, "xavier", seed))
        assert window.document.project.step == 0
        assert window.document.undo_stack.undoText() == "Reset training"
    check_clean_end(qtbot, window, capfd)


@sizes(80, 3000)
def test_learning_rate_changes_every_few_milliseconds_during_a_run(
    qtbot: QtBot,
    make_window: Callable[[], MainWindow],
    capfd: pytest.CaptureFixture[str],
    n: int,
) -> None:
    window = make_window()
    doc = window.document
    rates = np.geomspace(1e-3, 1.0, n)
    sent: list[float] = []

    def change() -> None:
        if len(sent) < n:
            rate = float(rates[len(sent)])
            hp = doc.hyperparameters.with_changes(learning_rate=rate)
            doc.push(SetHyperparametersCommand(doc, hp, "learning_rate"))
            sent.append(rate)

    run_until_trained(qtbot, window)
    before = doc.undo_stack.count()
    timer = QTimer()
    timer.setInterval(2)
    timer.timeout.connect(change)
    timer.start()
    qtbot.waitUntil(lambda: len(sent) == n, timeout=max(TIMEOUT, 20 * n))
    timer.stop()
    assert window.controller.running
    assert doc.undo_stack.count() == before + 1  # a stream of changes is one undo step
    pause(qtbot, window)
    assert doc.hyperparameters.learning_rate == rates[-1]
    check_clean_end(qtbot, window, capfd)


@sizes(1, 12)
def test_closing_the_window_mid_run(
    qtbot: QtBot,
    make_window: Callable[[], MainWindow],
    capfd: pytest.CaptureFixture[str],
    recovery_folder: Path,
    n: int,
) -> None:
    rng = np.random.default_rng(4)
    for _ in range(n):
        window = make_window()
        run_until_trained(qtbot, window)
        for _ in range(5):
            random_action(window, rng)
        window.controller.run()
        check_nothing_left(window, capfd)
    assert list(recovery_folder.iterdir()) == []  # every exit was clean


@sizes(1, 6)
def test_killing_the_training_process_mid_run(
    qtbot: QtBot,
    make_window: Callable[[], MainWindow],
    capfd: pytest.CaptureFixture[str],
    n: int,
) -> None:
    rng = np.random.default_rng(5)
    for _ in range(n):
        window = make_window()  # a process dies at most once a minute in one window
        controller = window.controller
        run_until_trained(qtbot, window)
        first = controller.worker
        assert first.pid is not None
        os.kill(first.pid, signal.SIGKILL)
        qtbot.waitUntil(lambda c=controller, w=first: c.worker is not w, timeout=TIMEOUT)
        settle(window)
        for _ in range(10):
            random_action(window, rng)
        run_until_trained(qtbot, window)
        check_clean_end(qtbot, window, capfd)


@pytest.mark.parametrize(
    "n",
    [
        pytest.param(3, id="short", marks=pytest.mark.timeout(15)),
        pytest.param(30, id="full", marks=[pytest.mark.slow, pytest.mark.timeout(120)]),
    ],
)
def test_stopping_the_training_process_mid_run(
    qtbot: QtBot,
    make_window: Callable[[], MainWindow],
    capfd: pytest.CaptureFixture[str],
    n: int,
) -> None:
    window = make_window()
    controller = window.controller
    run_until_trained(qtbot, window)
    pid = controller.worker.pid
    assert pid is not None
    rng = np.random.default_rng(6)
    os.kill(pid, signal.SIGSTOP)
    try:
        # Edits, undo and redo while the trainer cannot answer: none may wait for it.
        for _ in range(n):
            random_action(window, rng)
            window.undo()
            window.redo()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)  # unless it has been replaced (and ended) meanwhile
    run_until_trained(qtbot, window)
    check_clean_end(qtbot, window, capfd)
