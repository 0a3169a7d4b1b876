"""The training worker's backends: one message per undo, the fallback to the thread when no
process starts, a stopped process replaced without freezing the window, switching backends,
and nothing left running after the app quits (pytest-qt, offscreen)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot
from training_helpers import params_equal, process_exists, settle

from bpstudio.app.backends import start_training_process
from bpstudio.app.commands import SetParameterCommand
from bpstudio.app.document import Document
from bpstudio.app.training import TrainingController
from bpstudio.app.worker import StopConditions, WorkerOptions
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.training.trainer import StepUnit

TIMEOUT = 10_000  # ms
REPO = Path(__file__).resolve().parents[2]


def take_one_batch_step(qtbot: QtBot, controller: TrainingController) -> None:
    """Step one mini-batch from step 0 and wait until the document has it."""
    settle(controller)
    controller.step(StepUnit.BATCH)
    qtbot.waitUntil(lambda: controller.document.project.step == 1, timeout=TIMEOUT)


def refuse_to_start(commands: Connection, events: Connection, pings: Connection) -> BaseProcess:
    raise PermissionError("fork refused by the sandbox")


# -- one message per document change --------------------------------------------------------------


def test_undo_and_redo_of_a_training_step_send_one_message_each(
    qtbot: QtBot, document: Document, controller: TrainingController
) -> None:
    take_one_batch_step(qtbot, controller)
    settle(controller)
    trained = document.params.copy()

    before = Counter(controller.worker.sent)
    document.undo_stack.undo()
    assert controller.worker.sent - before == Counter({"set_training_state": 1})
    settle(controller)
    assert controller.snapshot is not None
    assert controller.snapshot.step == 0
    assert params_equal(controller.snapshot.params, document.params)

    before = Counter(controller.worker.sent)
    document.undo_stack.redo()
    assert controller.worker.sent - before == Counter({"set_training_state": 1})
    settle(controller)
    assert controller.snapshot.step == 1
    assert params_equal(controller.snapshot.params, trained)
    # Results of the replayed state are the worker's own: nothing new lands on the stack.
    assert document.undo_stack.count() == 1


def test_a_weight_edit_sends_one_message(
    qtbot: QtBot, document: Document, controller: TrainingController
) -> None:
    settle(controller)
    before = Counter(controller.worker.sent)
    document.push(SetParameterCommand(document, ParamRef.weight(1, 0, 0), 0.5))
    assert controller.worker.sent - before == Counter({"set_parameter": 1})
    before = Counter(controller.worker.sent)
    document.undo_stack.undo()
    assert controller.worker.sent - before == Counter({"set_parameter": 1})


# -- where training runs ---------------------------------------------------------------------------


def test_a_process_that_cannot_start_falls_back_to_the_thread(
    qtbot: QtBot, document: Document
) -> None:
    controller = TrainingController(
        document, options=WorkerOptions(backend="process", start_process=refuse_to_start)
    )
    try:
        assert controller.backend == "thread"
        assert "thread" in controller.last_notice
        assert "fork refused by the sandbox" in controller.last_notice
        take_one_batch_step(qtbot, controller)
    finally:
        controller.shutdown()


def test_a_deferred_start_waits_for_the_event_loop_and_commands_wait_for_it(
    qtbot: QtBot, document: Document
) -> None:
    started: list[int] = []

    def start(commands: Connection, events: Connection, pings: Connection) -> BaseProcess:
        started.append(len(started))
        return start_training_process(commands, events, pings)

    controller = TrainingController(
        document, options=WorkerOptions(backend="process", deferred=True, start_process=start)
    )
    try:
        controller.step(StepUnit.BATCH)  # sent before the process exists: it queues
        assert started == []
        assert controller.worker.pid is None
        qtbot.waitUntil(lambda: document.project.step == 1, timeout=TIMEOUT)
        assert started == [0]
        assert controller.worker.pid is not None
    finally:
        controller.shutdown()


def test_a_deferred_start_begins_when_first_waited_for(document: Document) -> None:
    controller = TrainingController(
        document, options=WorkerOptions(backend="process", deferred=True)
    )
    try:
        assert controller.worker.pid is None
        settle(controller)  # no event loop has run: the wait itself starts the process
        assert controller.worker.pid is not None
    finally:
        controller.shutdown()


def test_a_deferred_start_that_fails_falls_back_to_the_thread(
    qtbot: QtBot, document: Document
) -> None:
    controller = TrainingController(
        document,
        options=WorkerOptions(backend="process", deferred=True, start_process=refuse_to_start),
    )
    try:
        qtbot.waitUntil(lambda: controller.backend == "thread", timeout=TIMEOUT)
        assert "could not be started" in controller.last_notice
        assert "fork refused by the sandbox" in controller.last_notice
        settle(controller)
        controller.step(StepUnit.BATCH)
        qtbot.waitUntil(lambda: document.project.step == 1, timeout=TIMEOUT)
    finally:
        controller.shutdown()


def start_a_process_that_exits(
    commands: Connection, events: Connection, pings: Connection
) -> BaseProcess:
    """What an embedded interpreter does: the child starts, and dies before it serves."""
    import multiprocessing

    process = multiprocessing.get_context("spawn").Process(target=sys.exit, args=(3,))
    process.start()
    return process


def test_a_process_that_dies_before_it_serves_falls_back_to_the_thread(
    qtbot: QtBot, document: Document
) -> None:
    controller = TrainingController(
        document,
        options=WorkerOptions(backend="process", start_process=start_a_process_that_exits),
    )
    try:
        qtbot.waitUntil(lambda: controller.backend == "thread", timeout=TIMEOUT)
        assert "ended before it started (exit code 3)" in controller.last_notice
        take_one_batch_step(qtbot, controller)
    finally:
        controller.shutdown()


def test_the_window_says_so_in_the_status_bar_and_remembers_the_choice(
    qtbot: QtBot, settings: QSettings
) -> None:
    from bpstudio.app.main_window import BACKEND_KEY, MainWindow

    window = MainWindow(
        settings, worker=WorkerOptions(backend="process", start_process=refuse_to_start)
    )
    qtbot.addWidget(window)
    try:
        assert window.controller.backend == "thread"
        assert "could not be started" in window.statusBar().currentMessage()
        assert window.backend_actions["thread"].isChecked()

        window.backend_actions["process"].trigger()
        assert settings.value(BACKEND_KEY) == "process"
        # The injected starter still refuses: the thread stays, and the window says so.
        assert window.controller.backend == "thread"
        assert window.backend_actions["thread"].isChecked()
    finally:
        window.document.undo_stack.setClean()
        window.close()


def test_switching_backends_keeps_the_document_state(
    qtbot: QtBot, document: Document, controller: TrainingController, backend: str
) -> None:
    take_one_batch_step(qtbot, controller)
    settle(controller)
    other = "thread" if backend == "process" else "process"
    controller.set_backend(other)
    assert controller.backend == other
    settle(controller)
    assert controller.snapshot is not None
    assert controller.snapshot.step == 1
    assert params_equal(controller.snapshot.params, document.params)
    controller.step(StepUnit.BATCH)
    qtbot.waitUntil(lambda: document.project.step == 2, timeout=TIMEOUT)


# -- a frozen trainer never freezes the window -----------------------------------------------------


def test_a_pause_behind_a_long_step_waits_with_the_event_loop_running(
    qtbot: QtBot, document: Document, controller: TrainingController
) -> None:
    from PySide6.QtCore import QTimer

    from bpstudio.core.data.source import DataSource
    from bpstudio.core.files.templates import make_project

    project = make_project("xor")
    project.data = DataSource("generator", "xor", n_examples=20_000, noise=0.1)
    project.hyperparameters = project.hyperparameters.with_changes(batch_size=1)
    document.replace_project(project)
    settle(controller)
    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(0)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    controller.step(StepUnit.EPOCH)  # 16,000 steps in one command
    assert controller.pause_for_edit(resume=False)
    timer.stop()
    assert document.project.epoch == 1  # its result landed before the edit could
    assert len(ticks) > 0  # the window's timers ran while it waited


def test_a_stopped_training_process_is_replaced_and_edits_go_on(
    qtbot: QtBot, document: Document
) -> None:
    controller = TrainingController(
        document, options=WorkerOptions(backend="process", unresponsive_after=1.0)
    )
    try:
        settle(controller)
        controller.run(StopConditions())
        qtbot.waitUntil(
            lambda: controller.snapshot is not None and controller.snapshot.step > 10,
            timeout=TIMEOUT,
        )
        stopped = controller.worker
        pid = stopped.pid
        assert pid is not None
        os.kill(pid, signal.SIGSTOP)

        # Undo and an edit both go ahead: the pause before them does not wait for an answer
        # that cannot come.
        assert not controller.pause_for_edit(resume=False)
        document.push(SetParameterCommand(document, ParamRef.weight(1, 0, 0), 0.25))
        assert not controller.pause_for_edit(resume=False)
        document.undo_stack.undo()
        assert not controller.pause_for_edit(resume=False)
        document.undo_stack.redo()
        assert document.params.W[0][0, 0] == 0.25

        # The heartbeat goes unanswered: the process is replaced, with the document's state.
        qtbot.waitUntil(lambda: controller.worker is not stopped, timeout=3 * TIMEOUT)
        assert "stopped answering" in controller.last_notice
        assert not process_exists(pid)
        settle(controller)
        assert not controller.running
        assert controller.snapshot is not None
        assert params_equal(controller.snapshot.params, document.params)
        assert controller.pause_for_edit(resume=False)
    finally:
        controller.shutdown()


# -- quitting --------------------------------------------------------------------------------------


def processes_with(marker: str) -> list[str]:
    """Command lines of the live processes whose environment holds ``marker`` (Linux)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            continue  # gone meanwhile, or not ours
    return found


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux's /proc")
@pytest.mark.parametrize("worker", ["process", "thread"])
def test_quitting_leaves_no_process_behind(tmp_path: Path, worker: str) -> None:
    marker = f"BPSTUDIO_TEST_{uuid.uuid4().hex}"
    env = dict(
        os.environ,
        BPSTUDIO_TEST_MARKER=marker,
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    )
    shot = tmp_path / "shot.png"
    result = subprocess.run(
        [sys.executable, "-m", "bpstudio", "--screenshot", str(shot), "--worker", worker],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    left = processes_with(marker)
    assert result.returncode == 0, result.stderr
    assert shot.exists()
    assert left == []


# -- the fixture that fails a test leaving training running ----------------------------------------

LEAKY_TESTS = """
from bpstudio.app.training import TrainingController
from bpstudio.app.worker import WorkerOptions

kept = []  # a leaked thread must not be destroyed while it runs


def test_leaves_a_process(document):
    kept.append(TrainingController(document, options=WorkerOptions(backend="process")))


def test_leaves_a_thread(document):
    kept.append(TrainingController(document, options=WorkerOptions(backend="thread")))


def test_shuts_down(document):
    TrainingController(document, options=WorkerOptions(backend="thread")).shutdown()


def test_zz_cleanup():
    for controller in kept:
        controller.shutdown()
"""


def test_the_fixture_fails_a_test_that_leaves_training_running(tmp_path: Path) -> None:
    for name in ("conftest.py", "window_helpers.py"):
        (tmp_path / name).write_text(Path(__file__).with_name(name).read_text())
    (tmp_path / "test_leaks.py").write_text(LEAKY_TESTS)
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rE", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = result.stdout
    assert "ERROR at teardown of test_leaves_a_process" in out, out
    assert "training process(es) still running" in out
    assert "ERROR at teardown of test_leaves_a_thread" in out
    assert "QThread(s) still running" in out
    assert "4 passed, 2 errors" in out  # each leaky test passes, then errs at teardown
