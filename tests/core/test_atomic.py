"""Atomic writes: usual permissions, writes through symbolic links, stale temporaries cleaned."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bpstudio.core.errors import BPStudioError
from bpstudio.core.files.atomic import atomic_write_text, clean_stale_temporaries
from bpstudio.core.files.outputs import check_output_paths

posix = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions and processes")


@posix
def test_new_files_get_the_umask_and_replaced_files_keep_their_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        atomic_write_text(tmp_path / "new.txt", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o640
    kept = tmp_path / "kept.txt"
    kept.write_text("old")
    kept.chmod(0o604)
    atomic_write_text(kept, "new")
    assert kept.stat().st_mode & 0o777 == 0o604
    assert kept.read_text() == "new"


def test_writing_onto_a_symbolic_link_writes_its_target(tmp_path: Path) -> None:
    target = tmp_path / "real.txt"
    target.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    atomic_write_text(link, "new")
    assert link.is_symlink()
    assert target.read_text() == "new"


def test_a_folder_is_never_a_target(tmp_path: Path) -> None:
    with pytest.raises(BPStudioError, match="it is a folder"):
        atomic_write_text(tmp_path, "x")
    assert list(tmp_path.iterdir()) == []


@posix
def test_temporaries_of_dead_writers_are_cleaned_by_the_next_write(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".p.bpstudio.{dead_pid}.abc_1234.tmp"
    stale.write_bytes(b"half")
    live = tmp_path / f".p.bpstudio.{os.getppid()}.xyz_5678.tmp"  # a running process's file
    live.write_bytes(b"busy")
    unrelated = tmp_path / ".p.bpstudio.notes.tmp"
    unrelated.write_bytes(b"mine")
    old_style = tmp_path / ".p.bpstudio.k2j4h6g8.tmp"  # named before pids were; two days old
    old_style.write_bytes(b"half")
    os.utime(old_style, (time.time() - 2 * 86400,) * 2)
    fresh_old_style = tmp_path / ".p.bpstudio.a1b2c3d4.tmp"
    fresh_old_style.write_bytes(b"maybe busy")
    atomic_write_text(tmp_path / "p.bpstudio", "saved")
    assert not stale.exists()
    assert not old_style.exists()
    assert live.exists()
    assert unrelated.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [live.name, unrelated.name, fresh_old_style.name, "p.bpstudio"]
    )
    assert clean_stale_temporaries(tmp_path / "p.bpstudio") == []


def test_output_paths_are_checked_together(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    assert check_output_paths([tmp_path / "a.npz", tmp_path / "b.bpstudio"])
    with pytest.raises(BPStudioError, match="does not exist"):
        check_output_paths([tmp_path / "a.npz", tmp_path / "missing" / "b"])
    with pytest.raises(BPStudioError, match="it is a folder"):
        check_output_paths([tmp_path / "folder"])
    with pytest.raises(BPStudioError, match="name the same file"):
        check_output_paths([tmp_path / "a", tmp_path / "folder" / ".." / "a"])
