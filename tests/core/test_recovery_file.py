"""Recovery files: a project archive plus ``recovery.json``, read back exactly; every
damaged field a one-line error; history copies exact and independent."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpstudio.core.errors import BPStudioError
from bpstudio.core.files.project import Project
from bpstudio.core.files.recovery import (
    MEMBER,
    RecoveryInfo,
    read_recovery,
    read_recovery_info,
    write_recovery,
)
from bpstudio.core.files.templates import make_project
from bpstudio.core.training.history import History

WHEN = datetime(2026, 12, 1, 20, 31, 7, tzinfo=UTC)


def trained_project() -> Project:
    project = make_project("xor")
    rng = np.random.default_rng(3)
    for step in range(1, 10_001):
        project.history["batch_cost"].append(step, float(rng.random()))
    project.step = 10_000
    project.view = {"zoom": 1.5, "fit": False}
    return project


def test_write_then_read_gives_the_project_and_the_info(tmp_path: Path) -> None:
    project = trained_project()
    info = RecoveryInfo(WHEN, tmp_path / "xor.bpstudio", "xor", {"selection": None, "layer": 2})
    path = tmp_path / "s.bpstudio-recovery"
    write_recovery(path, project, info)
    restored, read = read_recovery(path)
    assert read == info
    assert restored.to_json() == project.to_json()
    assert restored.params.allclose(project.params)
    # It is also a project file the project reader opens as it is.
    assert Project.load(path).to_json() == project.to_json()


def test_extra_members_never_replace_the_project(tmp_path: Path) -> None:
    path = tmp_path / "p.bpstudio"
    project = make_project("xor")
    project.save(path, extra={"project.json": b"{}", "notes.txt": b"kept"})
    assert Project.load(path).to_json() == project.to_json()
    with zipfile.ZipFile(path) as archive:
        assert archive.read("notes.txt") == b"kept"


def rewrite_info(path: Path, document: object) -> None:
    project = make_project("note")
    project.save(path, extra={MEMBER: json.dumps(document).encode()})


GOOD = RecoveryInfo(WHEN).to_json()


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "not a Backprop Studio recovery file"),
        (GOOD | {"format": "other"}, "not a Backprop Studio recovery file"),
        (GOOD | {"version": 2}, "version 2 is not supported"),
        (GOOD | {"saved_at": 5}, "'saved_at' must be a time"),
        (GOOD | {"saved_at": "yesterday"}, "'saved_at' must be a time"),
        (GOOD | {"project_path": 3}, "'project_path' must be a file name"),
        (GOOD | {"project_path": "a\0b"}, "'project_path' must be a file name"),
        (GOOD | {"title": None}, "'title' must be a string"),
        (GOOD | {"app": []}, "'app' must be a JSON object"),
    ],
)
def test_bad_fields_are_named(tmp_path: Path, document: object, message: str) -> None:
    path = tmp_path / "r.bpstudio-recovery"
    rewrite_info(path, document)
    with pytest.raises(BPStudioError, match=message) as caught:
        read_recovery_info(path)
    assert str(caught.value).startswith(str(path))
    assert "\n" not in str(caught.value)


def test_a_project_without_recovery_fields_is_not_a_recovery_file(tmp_path: Path) -> None:
    path = tmp_path / "p.bpstudio"
    make_project("note").save(path)
    with pytest.raises(BPStudioError, match="recovery.json is missing"):
        read_recovery_info(path)


def test_an_oversized_info_member_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "r.bpstudio-recovery"
    make_project("note").save(path, extra={MEMBER: b" " * (2 << 20)})
    with pytest.raises(BPStudioError, match="too large"):
        read_recovery_info(path)


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(0, 4000), flip=st.integers(0, 4000))
def test_damaged_recovery_files_raise_only_bpstudio_error(
    tmp_path_factory: pytest.TempPathFactory, cut: int, flip: int
) -> None:
    folder = tmp_path_factory.mktemp("damaged")
    good = folder / "good.bpstudio-recovery"
    write_recovery(good, make_project("xor"), RecoveryInfo(WHEN))
    data = bytearray(good.read_bytes())
    data = data[: max(1, len(data) - cut)]
    data[flip % len(data)] ^= 0x5A
    bad = folder / "bad.bpstudio-recovery"
    bad.write_bytes(bytes(data))
    message = ""
    try:
        read_recovery(bad)  # a flip in an unused byte may leave a readable file
    except BPStudioError as exc:
        message = str(exc)
    assert "\n" not in message


def test_a_history_copy_is_exact_and_independent() -> None:
    history = trained_project().history
    copy = history.copy()
    assert copy.to_dict() == history.to_dict()
    assert copy.nbytes == history.nbytes > 0
    copy["batch_cost"].append(20_000, 0.5)
    assert copy.to_dict() != history.to_dict()
    assert History().copy().to_dict() == {}
