"""The main window: files, the unsaved-changes prompt, recent files, exports, the title."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from bpstudio.app.commands import SetParameterCommand
from bpstudio.app.file_dialogs import FileKind, FileRequest
from bpstudio.app.main_window import MainWindow
from bpstudio.core.data.source import load_examples, split_examples
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.backprop import predict
from bpstudio.core.files.export import import_snippet
from bpstudio.core.files.project import Project
from bpstudio.core.files.templates import make_project

Button = QMessageBox.StandardButton


class Dialogs:
    """Stands in for the window's questions, QMessageBox's reports and the window's file
    chooser; records what was asked."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.answer = Button.Discard
        self.save_path = ""
        self.open_path = ""
        self.asked: list[str] = []
        self.errors: list[str] = []
        self.infos: list[str] = []
        self.requests: list[FileRequest] = []
        monkeypatch.setattr(QMessageBox, "warning", staticmethod(self._warning))
        monkeypatch.setattr(QMessageBox, "critical", staticmethod(self._critical))
        monkeypatch.setattr(QMessageBox, "information", staticmethod(self._information))

    def ask_unsaved(self, title: str) -> Button:
        """The window's unsaved-changes question: answers ``answer``."""
        self.asked.append(title)
        return self.answer

    def _warning(self, parent: object, title: str, text: str, *args: object) -> Button:
        self.errors.append(text)
        return Button.Ok

    def _critical(self, parent: object, title: str, text: str, *args: object) -> Button:
        self.errors.append(text)
        return Button.Ok

    def _information(self, parent: object, title: str, text: str, *args: object) -> Button:
        self.infos.append(text)
        return Button.Ok

    def choose(self, request: FileRequest) -> Path | None:
        """The window's file chooser: answers ``save_path`` or ``open_path`` ("" cancels)."""
        self.requests.append(request)
        answer = self.save_path if request.mode == "save" else self.open_path
        return Path(answer) if answer else None


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    return Dialogs(monkeypatch)


@pytest.fixture
def window(qtbot: QtBot, settings: QSettings, dialogs: Dialogs) -> Iterator[MainWindow]:
    win = MainWindow(settings)
    win.file_dialogs.chooser = dialogs.choose
    win.ask_unsaved = dialogs.ask_unsaved
    qtbot.addWidget(win)
    win.show()
    yield win
    dialogs.answer = Button.Discard
    win.close()
    win.controller.shutdown()


def edit_a_weight(window: MainWindow) -> None:
    window.document.push(SetParameterCommand(window.document, ParamRef.weight(1, 0, 0), 0.123))


def test_title_marks_unsaved_changes(window: MainWindow) -> None:
    assert window.windowTitle().startswith("Untitled")
    assert not window.isWindowModified()
    edit_a_weight(window)
    assert window.isWindowModified()
    window.document.undo_stack.undo()
    assert not window.isWindowModified()


def test_save_as_then_reopen_gives_the_same_project(
    window: MainWindow, dialogs: Dialogs, tmp_path: Path
) -> None:
    edit_a_weight(window)
    dialogs.save_path = str(tmp_path / "chain")  # the suffix is added
    assert window.save_as()
    saved = tmp_path / "chain.bpstudio"
    assert saved.is_file()
    assert not window.isWindowModified()
    assert window.windowTitle().startswith("chain")
    assert Project.load(saved).params.W[0][0, 0] == pytest.approx(0.123)
    assert window.recent_files()[0] == str(saved.resolve())

    window.new_from_template("xor")
    assert window.document.spec.layer_sizes == (2, 4, 1)
    assert window.open_path(saved)
    assert window.document.spec.layer_sizes == (1, 1, 1, 1)
    assert window.document.params.W[0][0, 0] == pytest.approx(0.123)


def test_unsaved_changes_are_asked_about_and_cancel_keeps_them(
    window: MainWindow, dialogs: Dialogs
) -> None:
    edit_a_weight(window)
    dialogs.answer = Button.Cancel
    assert not window.maybe_save()
    assert not window.close()
    assert len(dialogs.asked) == 2
    assert window.document.params.W[0][0, 0] == pytest.approx(0.123)
    dialogs.answer = Button.Discard
    assert window.maybe_save()


def test_unsaved_changes_save_answer_saves(
    window: MainWindow, dialogs: Dialogs, tmp_path: Path
) -> None:
    edit_a_weight(window)
    dialogs.answer = Button.Save
    dialogs.save_path = str(tmp_path / "kept.bpstudio")
    assert window.maybe_save()
    assert (tmp_path / "kept.bpstudio").is_file()


def test_opening_a_damaged_file_shows_an_error_and_changes_nothing(
    window: MainWindow, dialogs: Dialogs, tmp_path: Path
) -> None:
    good = tmp_path / "good.bpstudio"
    make_project("xor").save(good)
    damaged = tmp_path / "damaged.bpstudio"
    damaged.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    before = window.document.project
    assert not window.open_path(damaged)
    assert window.document.project is before
    assert dialogs.errors
    assert "damaged.bpstudio" in dialogs.errors[0]


def test_saving_to_an_unwritable_place_reports_and_stays_modified(
    window: MainWindow, dialogs: Dialogs, tmp_path: Path
) -> None:
    edit_a_weight(window)
    assert not window.save_to(tmp_path / "missing-folder" / "p.bpstudio")
    assert dialogs.errors
    assert window.isWindowModified()


def test_export_menu_writes_and_verifies_every_available_format(
    window: MainWindow, dialogs: Dialogs, tmp_path: Path
) -> None:
    for name, action in window.export_actions.format_actions.items():
        target = tmp_path / f"model-{name}"
        dialogs.save_path = str(target)
        action.trigger()
        written = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(f"model-{name}"))
        assert written, name
        assert "verified" in window.statusBar().currentMessage(), name
    assert not dialogs.errors


def test_export_of_a_standardised_project_predicts_like_the_app_on_raw_inputs(
    window: MainWindow, dialogs: Dialogs, tmp_path: Path
) -> None:
    project = make_project("xor")
    project.data = project.data.with_changes(standardize=True)
    window.document.replace_project(project)
    dialogs.save_path = str(tmp_path / "std.py")
    window.export_actions.format_actions["python"].trigger()
    assert not dialogs.errors
    assert "verified" in window.statusBar().currentMessage()
    module = import_snippet(tmp_path / "std.py")
    examples = load_examples(project.data)
    train, validation = split_examples(project.data, examples)
    raw_train, raw_validation = examples.split(project.data.validation_fraction, project.data.seed)
    shown = predict(project.spec, project.params, np.concatenate([train.X, validation.X]))
    got = module.predict(np.concatenate([raw_train.X, raw_validation.X]))
    np.testing.assert_allclose(got, shown, rtol=0, atol=1e-12)
    assert module.INPUT_PREPROCESSING == "standardize"
    assert module.TASK == "classification"


def test_import_weights_is_one_undo_step_and_checks_shapes(
    window: MainWindow, dialogs: Dialogs, tmp_path: Path
) -> None:
    good = tmp_path / "w.npz"
    np.savez(good, W1=[[2.0]], b1=[0.0], W2=[[3.0]], b2=[0.0], W3=[[4.0]], b3=[0.0])
    dialogs.open_path = str(good)
    window.export_actions.import_weights()
    assert window.document.params.W[2][0, 0] == 4.0
    assert window.document.undo_stack.count() == 1
    window.document.undo_stack.undo()
    assert window.document.params.W[2][0, 0] == pytest.approx(0.8)

    bad = tmp_path / "bad.npz"
    np.savez(bad, W1=[[2.0, 1.0]], b1=[0.0], W2=[[3.0]], b2=[0.0], W3=[[4.0]], b3=[0.0])
    dialogs.open_path = str(bad)
    window.export_actions.import_weights()
    assert dialogs.errors
    assert "W1" in dialogs.errors[-1]
    assert window.document.params.W[0][0, 0] == pytest.approx(0.5)


def test_layout_and_recent_files_persist(
    qtbot: QtBot, settings: QSettings, dialogs: Dialogs, tmp_path: Path
) -> None:
    first = MainWindow(settings)
    qtbot.addWidget(first)
    first.show()
    first.docks["gradient"].hide()
    path = tmp_path / "r.bpstudio"
    make_project("note").save(path)
    assert first.open_path(path)
    assert first.close()
    second = MainWindow(settings)
    qtbot.addWidget(second)
    try:
        second.show()
        assert not second.docks["gradient"].isVisible()
        assert second.recent_files()[0] == str(path.resolve())
    finally:
        second.close()
        second.controller.shutdown()


def test_a_data_file_outside_the_project_folder_is_shown_before_it_is_read(
    window: MainWindow, tmp_path: Path
) -> None:
    from bpstudio.core.data.source import DataSource

    folder = tmp_path / "project"
    folder.mkdir()
    outside = tmp_path / "elsewhere.csv"
    outside.write_text("x,y\n1,0\n2,1\n")
    project = Project.note_example()
    project.data = DataSource("csv", path="../elsewhere.csv")
    saved = folder / "p.bpstudio"
    project.save(saved)
    asked: list[str] = []

    def refuse(title: str, text: str) -> bool:
        asked.append(text)
        return False

    window.confirm = refuse
    assert not window.open_path(saved)
    assert str(outside.resolve()) in asked[0]
    assert window.document.path is None  # nothing opened, nothing read

    window.confirm = lambda title, text: True
    assert window.open_path(saved)
    assert window.document.path == saved.resolve()


def test_each_kind_of_file_opens_where_the_last_one_was(
    window: MainWindow, dialogs: Dialogs, tmp_path: Path
) -> None:
    projects, exports, pictures = (tmp_path / n for n in ("projects", "exports", "pictures"))
    for folder in (projects, exports, pictures):
        folder.mkdir()
    dialogs.save_path = str(projects / "a.bpstudio")
    assert window.save_as()
    dialogs.save_path = str(exports / "w.npz")
    window.export_actions.format_actions["npz"].trigger()
    dialogs.save_path = str(pictures / "c.png")
    window.export_actions.export_image("canvas")
    assert (pictures / "c.png").is_file()

    dialogs.save_path = dialogs.open_path = ""  # cancel: only look where each one opens
    window.open_project()
    window.export_actions.format_actions["npz"].trigger()
    window.export_actions.export_image("cost")
    window.save_copy()
    opened = [(r.kind, r.start if r.mode == "open" else r.start.parent) for r in dialogs.requests]
    assert opened[3:] == [
        (FileKind.PROJECT, projects),
        (FileKind.EXPORT, exports),
        (FileKind.IMAGE, pictures),
        (FileKind.PROJECT, projects),
    ]
    # And after a restart: the folders are settings.
    again = MainWindow(window.settings)
    try:
        assert again.file_dialogs.last_folder(FileKind.EXPORT) == exports
        assert again.file_dialogs.last_folder(FileKind.IMAGE) == pictures
        assert (
            again.file_dialogs.last_folder(FileKind.CSV) == projects
        )  # never used: last project's
    finally:
        again.close()
        again.controller.shutdown()
