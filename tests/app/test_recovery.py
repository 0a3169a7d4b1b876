"""Autosave and recovery inside one process: when the recovery file is written and removed,
and how the next start offers a file that a crashed window left behind."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import shiboken6
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from bpstudio.app.commands import SetParameterCommand
from bpstudio.app.main_window import MainWindow
from bpstudio.app.recovery import Autosaver, RecoveryFolder, apply_selection_fields
from bpstudio.app.selection import Selection, SelectionModel
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.files.project import Project
from bpstudio.core.files.recovery import SUFFIX, RecoveryInfo, read_recovery
from bpstudio.core.files.templates import make_project

Button = QMessageBox.StandardButton
TIMEOUT = 10_000  # ms


@pytest.fixture
def make_window(
    qtbot: QtBot, settings: QSettings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[], MainWindow]]:
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a: Button.Discard))
    windows: list[MainWindow] = []

    def make() -> MainWindow:
        window = MainWindow(settings)
        qtbot.addWidget(window)
        assert window.autosaver is not None
        window.autosaver.delay_ms = 20
        windows.append(window)
        return window

    yield make
    for window in windows:
        # pytest-qt has closed them already; one may have been deleted meanwhile (a nested
        # event loop while another closed: a pause waits for its session that way).
        if shiboken6.isValid(window):
            window.close()
        window.controller.shutdown()


def autosaver(window: MainWindow) -> Autosaver:
    assert window.autosaver is not None
    return window.autosaver


def set_weight(window: MainWindow, value: float) -> None:
    window.document.push(SetParameterCommand(window.document, ParamRef.weight(1, 0, 0), value))


def wait_saved(qtbot: QtBot, saver: Autosaver, count: int) -> None:
    qtbot.waitUntil(lambda: saver.saves >= count and not saver.busy, timeout=TIMEOUT)


def test_a_burst_of_edits_is_autosaved_once_after_it(
    qtbot: QtBot, make_window: Callable[[], MainWindow]
) -> None:
    window = make_window()
    saver = autosaver(window)
    assert not saver.path.exists()  # nothing unsaved, nothing to recover
    for value in (0.1, 0.2, 0.3, 0.4):
        set_weight(window, value)
    wait_saved(qtbot, saver, 1)
    assert saver.saves == 1
    project, info = read_recovery(saver.path)
    assert project.params.allclose(window.document.params)
    assert info.project_path is None
    assert info.title == "Untitled"
    set_weight(window, 0.5)
    wait_saved(qtbot, saver, 2)
    assert read_recovery(saver.path)[0].params.W[0][0, 0] == 0.5


def test_a_stream_of_edits_still_autosaves_within_the_longest_delay(
    qtbot: QtBot, make_window: Callable[[], MainWindow]
) -> None:
    window = make_window()
    saver = autosaver(window)
    saver.delay_ms, saver.max_delay_ms = 60_000, 50
    values = iter(np.linspace(0.0, 1.0, 100_000))

    def keep_editing() -> bool:
        set_weight(window, float(next(values)))
        return saver.saves >= 1

    qtbot.waitUntil(keep_editing, timeout=TIMEOUT)


def test_saving_or_undoing_to_the_saved_state_removes_the_recovery_file(
    qtbot: QtBot, make_window: Callable[[], MainWindow], tmp_path: Path
) -> None:
    window = make_window()
    saver = autosaver(window)
    set_weight(window, 0.25)
    wait_saved(qtbot, saver, 1)
    assert saver.path.exists()
    assert window._save_to(tmp_path / "p.bpstudio")
    qtbot.waitUntil(lambda: not saver.path.exists(), timeout=TIMEOUT)
    set_weight(window, 0.5)
    wait_saved(qtbot, saver, 2)
    assert read_recovery(saver.path)[1].project_path == tmp_path / "p.bpstudio"
    window.document.undo_stack.undo()
    qtbot.waitUntil(lambda: not saver.path.exists(), timeout=TIMEOUT)


def test_a_training_pause_autosaves_the_trained_steps(
    qtbot: QtBot, make_window: Callable[[], MainWindow]
) -> None:
    window = make_window()
    saver = autosaver(window)
    saver.delay_ms = 600_000  # only the pause can save within the test
    controller = window.controller
    controller.worker.wait_for_data()
    controller.run()
    qtbot.waitUntil(lambda: controller.snapshot is not None and controller.snapshot.step > 0)
    controller.pause()
    qtbot.waitUntil(lambda: window.document.project.step > 0, timeout=TIMEOUT)
    wait_saved(qtbot, saver, 1)
    project, _ = read_recovery(saver.path)
    assert project.step == window.document.project.step
    assert project.params.allclose(window.document.params)


def test_a_clean_exit_leaves_nothing_behind(
    qtbot: QtBot, make_window: Callable[[], MainWindow], recovery_folder: Path
) -> None:
    window = make_window()
    set_weight(window, 0.25)
    wait_saved(qtbot, autosaver(window), 1)
    assert sorted(p.suffix for p in recovery_folder.iterdir()) == [".bpstudio-recovery", ".lock"]
    assert window.close()  # the user discards the changes
    assert list(recovery_folder.iterdir()) == []


def test_two_windows_keep_to_their_own_files(
    qtbot: QtBot, make_window: Callable[[], MainWindow]
) -> None:
    first, second = make_window(), make_window()
    set_weight(first, 0.25)
    set_weight(second, 0.75)
    wait_saved(qtbot, autosaver(first), 1)
    wait_saved(qtbot, autosaver(second), 1)
    assert autosaver(first).path != autosaver(second).path
    assert autosaver(second).folder.orphans() == []
    assert not second.offer_recovery(lambda info: pytest.fail("offered a live window's file"))
    assert read_recovery(autosaver(first).path)[0].params.W[0][0, 0] == 0.25


# -- after a crash ---------------------------------------------------------------------------------


def leave_crashed_session(folder: Path, recovery_file: Path, name: str = "4242-dead") -> Path:
    """Make ``folder`` look as a window killed mid-session leaves it: its recovery file,
    its lock (taken by a process that then died without unlocking) and a temporary file
    of an autosave cut short."""
    lock = folder / f"{name}.lock"
    program = "import os, sys\nfrom PySide6.QtCore import QLockFile\n"
    program += "lock = QLockFile(sys.argv[1])\nassert lock.tryLock(0)\nos._exit(0)\n"
    subprocess.run([sys.executable, "-c", program, str(lock)], check=True)
    assert lock.exists()
    orphan = folder / f"{name}{SUFFIX}"
    orphan.write_bytes(recovery_file.read_bytes())
    (folder / f".{name}{SUFFIX}.x1y2z3.tmp").write_bytes(b"half an autosave")
    return orphan


def crashed_window(
    qtbot: QtBot, make_window: Callable[[], MainWindow], recovery_folder: Path
) -> tuple[MainWindow, Path]:
    """A window with edits, a selection and an autosave, whose files a crash left behind."""
    window = make_window()
    window.new_from_template("xor")
    set_weight(window, 0.625)
    window.selection.select(Selection.weight(2, 0, 3))
    wait_saved(qtbot, autosaver(window), 1)
    orphan = leave_crashed_session(recovery_folder, autosaver(window).path)
    return window, orphan


def test_the_next_start_restores_what_a_crash_left(
    qtbot: QtBot, make_window: Callable[[], MainWindow], recovery_folder: Path
) -> None:
    crashed, orphan = crashed_window(qtbot, make_window, recovery_folder)
    window = make_window()
    offers: list[RecoveryInfo] = []
    assert window.offer_recovery(lambda info: offers.append(info) is None)
    assert [info.title for info in offers] == ["Untitled"]
    doc = window.document
    assert doc.spec == crashed.document.spec
    assert doc.params.allclose(crashed.document.params)
    assert doc.data_source == crashed.document.data_source
    assert doc.is_modified()  # never saved: closing asks, Save writes it
    assert window.selection.selection == Selection.weight(2, 0, 3)
    assert window.selection.layer == 2
    # The work now lives in this window's recovery file; the crashed session is gone.
    assert read_recovery(autosaver(window).path)[0].params.allclose(doc.params)
    names = {p.name for p in recovery_folder.iterdir()}
    assert not any(name.startswith("4242-dead") or "4242-dead" in name for name in names)
    assert not orphan.exists()


def test_declining_the_offer_deletes_the_file(
    qtbot: QtBot, make_window: Callable[[], MainWindow], recovery_folder: Path
) -> None:
    _, orphan = crashed_window(qtbot, make_window, recovery_folder)
    window = make_window()
    before = window.document.project
    assert not window.offer_recovery(lambda info: False)
    assert window.document.project is before
    assert not orphan.exists()
    assert not (recovery_folder / "4242-dead.lock").exists()


def test_a_damaged_recovery_file_is_reported_and_removed(
    qtbot: QtBot,
    make_window: Callable[[], MainWindow],
    recovery_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, orphan = crashed_window(qtbot, make_window, recovery_folder)
    orphan.write_bytes(orphan.read_bytes()[:100])
    errors: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "critical", staticmethod(lambda parent, title, text: errors.append(text))
    )
    window = make_window()
    assert not window.offer_recovery(lambda info: True)
    assert len(errors) == 1
    assert orphan.name in errors[0]
    assert not orphan.exists()


def test_of_two_crashed_sessions_the_newest_is_offered_first_and_the_other_kept(
    qtbot: QtBot, make_window: Callable[[], MainWindow], recovery_folder: Path
) -> None:
    crashed, newer = crashed_window(qtbot, make_window, recovery_folder)
    older = leave_crashed_session(recovery_folder, newer, name="4243-dead")
    Project.note_example().save(older)  # not a recovery file: no recovery.json
    os.utime(older, (1, 1))
    window = make_window()
    offers: list[RecoveryInfo] = []
    assert window.offer_recovery(lambda info: offers.append(info) is None)
    assert len(offers) == 1
    assert window.document.params.allclose(crashed.document.params)
    assert older.exists()  # not asked about yet: the next start offers it
    assert autosaver(window).folder.orphans()[0].path == older


def test_a_folder_that_cannot_be_made_turns_autosave_off(
    qtbot: QtBot, settings: QSettings, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    window = MainWindow(settings, recovery_folder=blocker / "recovery")
    qtbot.addWidget(window)
    try:
        assert window.autosaver is None
        assert not window.offer_recovery(lambda info: True)
    finally:
        window.controller.shutdown()


def test_a_recovery_folder_session_holds_its_lock(recovery_folder: Path) -> None:
    first = RecoveryFolder(recovery_folder)
    second = RecoveryFolder(recovery_folder)
    try:
        assert first.session != second.session
        assert first.orphans() == second.orphans() == []
    finally:
        first.close()
        second.close()
    assert list(recovery_folder.iterdir()) == []


@pytest.mark.parametrize(
    "app",
    [
        {"selection": {"kind": "weight", "layer": 2, "j": 0, "k": 9}},  # no such weight
        {"selection": {"kind": "neuron", "layer": True, "j": 0, "k": None}},
        {"selection": {"kind": "edge", "layer": 1, "j": 0, "k": None}},
        {"selection": {"kind": "weight", "layer": 1, "j": 0, "k": "0"}},
        {"selection": [1, 0], "layer": 99},
    ],
)
def test_selection_fields_that_do_not_fit_are_dropped(qapp: object, app: dict[str, object]) -> None:

    model = SelectionModel()
    apply_selection_fields(model, app, make_project("xor").spec)
    assert model.selection is None
    assert model.layer == 1
