"""Hostile files, one class of fault at a time: each is refused in one line, at its reader."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bpstudio.core.data.csv_data import read_csv as read_data_csv
from bpstudio.core.data.source import DataSource, data_path_outside
from bpstudio.core.engine.footprint import check_training_memory, training_bytes
from bpstudio.core.engine.network import NetworkSpec, initialize
from bpstudio.core.errors import BPStudioError
from bpstudio.core.files.export import read_csv, read_json, read_npz, write_csv, write_npz
from bpstudio.core.files.project import Project
from bpstudio.core.files.safe_json import MAX_DEPTH, load_json
from bpstudio.core.files.safe_zip import parse_npy
from bpstudio.core.files.templates import make_project

SPEC = NetworkSpec.build([2, 3, 1], "tanh", "sigmoid")


def one_line(exc: pytest.ExceptionInfo[BPStudioError]) -> str:
    message = str(exc.value)
    assert "\n" not in message
    assert len(message) < 400
    return message


def project_file(tmp_path: Path) -> Path:
    path = tmp_path / "good.bpstudio"
    make_project("xor").save(path)
    return path


def rewrite(path: Path, out: Path, **members: bytes) -> Path:
    with zipfile.ZipFile(path) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    contents.update(members)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    return out


def with_document(path: Path, out: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    with zipfile.ZipFile(path) as archive:
        document = json.loads(archive.read("project.json"))
    change(document)
    return rewrite(path, out, **{"project.json": json.dumps(document).encode()})


# -- JSON ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "nested too deeply"),
        ('{"a": ' + "9" * 5000 + "}", "5000 digits"),
        ('{"a": NaN}', "NaN is not allowed"),
        ('{"a": -Infinity}', "-Infinity is not allowed"),
        ('{"a": 1e400}', "out of range"),
        ('{"a": ', "not valid JSON"),
    ],
)
def test_json_loader_refuses(text: str, message: str) -> None:
    with pytest.raises(BPStudioError, match=message) as info:
        load_json(text, "f.json")
    assert one_line(info).startswith("f.json: ")


def test_json_loader_bounds_size() -> None:
    with pytest.raises(BPStudioError, match="more than the 10 allowed"):
        load_json(b"[1, 2, 3, 4, 5]", "f.json", max_bytes=10)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (("hyperparameters", "batch_size"), 2.5, "'hyperparameters.batch_size' must be a whole"),
        (("hyperparameters", "seed"), 0.5, "'hyperparameters.seed' must be a whole"),
        (("hyperparameters", "learning_rate"), "fast", "'hyperparameters.learning_rate'"),
        (("hyperparameters", "shuffle"), 1, "must be true or false"),
        (("training", "step"), 1e100, "'training.step' must be a whole number"),
        (("training", "epoch"), -1, "'training.epoch' must be a whole number"),
        (("data", "seed"), 1.5, "'data.seed' must be a whole number"),
        (("data", "validation_fraction"), "half", "'data.validation_fraction'"),
        (("network", "layer_sizes"), [2, 2**40, 1], r"'network.layer_sizes\[1\]'"),
        (("view", "zoom"), "big", "'view.zoom'"),
    ],
)
def test_project_schema_names_the_field(
    tmp_path: Path, field: tuple[str, str], value: Any, message: str
) -> None:
    bad = with_document(
        project_file(tmp_path),
        tmp_path / "bad.bpstudio",
        lambda d: d.setdefault(field[0], {}).update({field[1]: value}),
    )
    with pytest.raises(BPStudioError, match=message) as info:
        Project.load(bad)
    assert one_line(info).startswith(str(bad))


def test_history_steps_beyond_float_precision_are_refused(tmp_path: Path) -> None:
    series = {"x": [0, 1e100], "y": [1.0, 0.5], "count": 2}
    bad = with_document(
        project_file(tmp_path),
        tmp_path / "bad.bpstudio",
        lambda d: d.update(history={"batch_cost": series}),
    )
    with pytest.raises(BPStudioError, match=r"history.batch_cost.x\[1\]"):
        Project.load(bad)


def test_weight_files_refuse_hostile_json(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text('{"format": "bpstudio-weights", "layers": ' + "[" * 5000 + "]" * 5000 + "}")
    with pytest.raises(BPStudioError, match="nested too deeply"):
        read_json(path)
    path.write_text('{"format": "bpstudio-weights", "version": ' + "1" * 9000 + "}")
    with pytest.raises(BPStudioError, match="9000 digits"):
        read_json(path)


# -- zip and npz -----------------------------------------------------------------------------


def test_zip_bomb_is_refused_before_it_is_read(tmp_path: Path) -> None:
    zeros = io.BytesIO()
    np.savez(zeros, W1=np.zeros((4, 2)), b1=np.zeros(4), W2=np.zeros((1, 4)), b2=np.zeros(1))
    bomb = zeros.getvalue() + b"\0" * (64 << 20)  # inflates to 64 MB, compresses to ~64 kB
    bad = rewrite(project_file(tmp_path), tmp_path / "bomb.bpstudio", **{"params.npz": bomb})
    assert bad.stat().st_size < 1 << 20
    with pytest.raises(BPStudioError, match="params.npz would inflate to 67,") as info:
        Project.load(bad)
    one_line(info)


def test_a_member_inflating_past_its_declared_size_stops(tmp_path: Path) -> None:
    good = project_file(tmp_path)
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as archive:
        info = archive.getinfo("project.json")
    # Lower the declared size in the central directory (the first entry is project.json).
    first = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, first + 24, info.file_size // 2)
    bad = tmp_path / "lying.bpstudio"
    bad.write_bytes(bytes(data))
    with pytest.raises(BPStudioError, match="inflates past its declared size|damaged"):
        Project.load(bad)


def test_encrypted_and_foreign_compression_are_refused(tmp_path: Path) -> None:
    good = project_file(tmp_path)
    for flag_offset, value, message in ((8, 0x1, "encrypted"), (10, 99, "compression method 99")):
        data = bytearray(good.read_bytes())
        first = data.find(b"PK\x01\x02")
        field = struct.unpack_from("<H", data, first + flag_offset)[0]
        struct.pack_into("<H", data, first + flag_offset, field | value if value == 1 else value)
        bad = tmp_path / "foreign.bpstudio"
        bad.write_bytes(bytes(data))
        with pytest.raises(BPStudioError, match=message):
            Project.load(bad)


def npy_bytes(array: np.ndarray[Any, Any]) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def test_npy_header_declaring_terabytes_is_refused() -> None:
    data = npy_bytes(np.zeros((2, 2)))
    header_end = data.index(b"\n") + 1
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)}
    )
    huge = buffer.getvalue() + data[header_end:]  # 8 TB declared, 32 bytes of data
    with pytest.raises(BPStudioError, match=r"declares shape \(1000000, 1000000\)") as info:
        parse_npy(huge, "W1")
    one_line(info)


@pytest.mark.parametrize(
    ("array", "kind"),
    [
        (np.array([[1 + 2j]]), "complex"),
        (np.array([[True]]), "boolean"),
        (np.array([["a"]]), "text"),
        (np.array([[b"a"]]), "byte-string"),
    ],
)
def test_arrays_that_are_not_real_numbers_are_refused(
    tmp_path: Path, array: np.ndarray[Any, Any], kind: str
) -> None:
    path = tmp_path / "w.npz"
    np.savez(path, W1=array, b1=np.zeros(1))
    with pytest.raises(BPStudioError, match=f"W1: holds {kind} values"):
        read_npz(path)


def test_truncated_npz_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.npz"
    write_npz(SPEC, initialize(SPEC), path)
    data = path.read_bytes()
    for cut in (10, len(data) // 3, len(data) - 30):
        path.write_bytes(data[:cut])
        with pytest.raises(BPStudioError) as info:
            read_npz(path)
        one_line(info)


# -- CSV -------------------------------------------------------------------------------------


def test_csv_data_with_a_field_over_the_csv_limit(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text('x,y\n1,2\n"' + "7" * 200_000 + '",3\n')
    with pytest.raises(BPStudioError, match="field limit") as info:
        read_data_csv(path)
    one_line(info)
    # Unquoted, past the lines sniffing reads: the cell is named, its text cut short.
    path.write_text("x,y\n" + "1,2\n" * 200 + "7" * 200_000 + "a,3\n")
    with pytest.raises(BPStudioError, match=r"line 202, column 'x': '777") as info:
        read_data_csv(path)
    one_line(info)


def test_csv_data_with_a_quoted_newline(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text('x,label\n1,a\n2,"b\nc"\n3,a\n')
    with pytest.raises(BPStudioError, match="line 3: a quoted cell runs past the end"):
        read_data_csv(path, label_column="label")


def test_weight_csv_with_a_long_field_or_a_quoted_newline(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    write_csv(SPEC, initialize(SPEC), path)
    text = path.read_text()
    path.write_text(text.replace("0,", '"' + "1" * 200_000 + '",', 1))
    with pytest.raises(BPStudioError, match="field limit") as info:
        read_csv(path)
    one_line(info)
    path.write_text(text.replace("\n0,", '\n"0\n",', 1))
    with pytest.raises(BPStudioError, match="holds a line break"):
        read_csv(path)


# -- data path, memory -----------------------------------------------------------------------


def test_data_paths_outside_the_project_folder_are_found(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    (folder / "data").mkdir(parents=True)
    inside = DataSource("csv", path="data/x.csv")
    assert data_path_outside(inside, folder) is None
    climbing = DataSource("csv", path="../secret.csv")
    assert data_path_outside(climbing, folder) == (tmp_path / "secret.csv").resolve()
    absolute = DataSource("csv", path="/etc/passwd")
    assert data_path_outside(absolute, folder) == Path("/etc/passwd").resolve()
    assert data_path_outside(DataSource("generator", "xor"), folder) is None


def test_training_memory_is_estimated_and_refused_up_front() -> None:
    wide = NetworkSpec.build([2, 100_000, 100_000, 1], "relu", "linear")
    needed = training_bytes(wide, 100, 10)
    assert needed > 5 * 8 * wide.parameter_count
    with pytest.raises(BPStudioError, match=r"would need about 400\.\d GB") as info:
        check_training_memory(wide, 100, 10, available=16 * 10**9)
    one_line(info)
    assert check_training_memory(SPEC, 100, 10, available=16 * 10**9) < 10**6
