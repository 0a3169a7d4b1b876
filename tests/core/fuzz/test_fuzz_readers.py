"""Every reader, fed damaged and hostile versions of real files: a clean load or one line.

Each test draws truncations, bit flips, inserted and deleted bytes of a real file, or splices
hostile text (NaN, huge integers, deep nesting, wrong types, a field over the csv limit, a
quoted line break) into it, and asserts the reader either loads or raises BPStudioError with
a one-line message, never another exception. A project that loads must save and reload to
the same document. The summary at the end of the run says how many cases each tried.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fuzzing import HOSTILE_TEXT, damaged, mutated_document, outcome, spliced_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpstudio.core.data.csv_data import read_csv as read_data_csv
from bpstudio.core.engine.network import NetworkSpec, initialize
from bpstudio.core.files.export import read_csv, read_json, read_npz, write_csv, write_json
from bpstudio.core.files.export.npz import write_npz
from bpstudio.core.files.project import Project
from bpstudio.core.files.templates import make_project

FUZZ = settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SPEC = NetworkSpec.build([2, 3, 1], "tanh", "sigmoid")
WORK = Path(tempfile.mkdtemp(prefix="bpstudio-fuzz-"))


def _project_bytes() -> bytes:
    project = make_project("xor")
    for step in range(1, 40):
        project.history["batch_cost"].append(step, 1.0 / step)
    project.step = 39
    project.view = {"zoom": 1.5, "center": [0.0, 1.0], "fit": False, "expanded": [1]}
    path = WORK / "real.bpstudio"
    project.save(path)
    return path.read_bytes()


PROJECT = _project_bytes()
_WEIGHTS = WORK / "fields-source.json"
write_json(SPEC, initialize(SPEC, seed=1), _WEIGHTS)
WEIGHT_JSON_TEXT = _WEIGHTS.read_text()
with zipfile.ZipFile(io.BytesIO(PROJECT)) as _archive:
    PROJECT_JSON = _archive.read("project.json").decode()
    PARAMS_NPZ = _archive.read("params.npz")


def read_case(reader: str, name: str, content: str | bytes, read: Callable[[Path], Any]) -> Any:
    """Write ``content`` to the file ``name`` and :func:`outcome` of reading it back."""
    path = WORK / name
    if isinstance(content, str):
        path.write_text(content)
    else:
        path.write_bytes(content)
    return outcome(reader, lambda: read(path))


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _load_project(data: bytes) -> None:
    project = read_case("project", "case.bpstudio", data, Project.load)
    if project is not None:  # a project that loads always saves and reloads
        again = WORK / "again.bpstudio"
        project.save(again)
        reloaded = Project.load(again)
        assert reloaded.to_json() == project.to_json()
        assert reloaded.params.allclose(project.params)


@FUZZ
@given(data=damaged(PROJECT))
def test_project_bytes(data: bytes) -> None:
    _load_project(data)


@FUZZ
@given(text=spliced_text(PROJECT_JSON, [*HOSTILE_TEXT, '"step": ', '"batch_size": 2.5, ']))
def test_project_json(text: str) -> None:
    _load_project(_zip({"project.json": text.encode(), "params.npz": PARAMS_NPZ}))


@FUZZ
@given(document=mutated_document(json.loads(PROJECT_JSON)))
def test_project_fields(document: object) -> None:
    text = json.dumps(document)
    _load_project(_zip({"project.json": text.encode(), "params.npz": PARAMS_NPZ}))


@FUZZ
@given(document=mutated_document(json.loads(WEIGHT_JSON_TEXT)))
def test_weight_json_fields(document: object) -> None:
    read_case("weights json", "fields.json", json.dumps(document), read_json)


@FUZZ
@given(npz=damaged(PARAMS_NPZ))
def test_project_params(npz: bytes) -> None:
    _load_project(_zip({"project.json": PROJECT_JSON.encode(), "params.npz": npz}))


def _data_csv() -> str:
    rng = np.random.default_rng(0)
    rows = [f"{a:.4f},{b:.4f},{'ab'[int(a > 0)]}" for a, b in rng.normal(size=(30, 2))]
    return "x1,x2,label\n" + "\n".join(rows) + "\n"


DATA_CSV = _data_csv()
CSV_PIECES = [
    '"',
    '"a\nb"',
    "\n",
    ",",
    ";",
    "\t",
    "NaN",
    "1e999",
    "7" * 140_000,
    '"' + "7" * 140_000 + '"',
]


@FUZZ
@given(text=spliced_text(DATA_CSV, CSV_PIECES), label=st.booleans())
def test_csv_data(text: str, label: bool) -> None:
    label_column = "label" if label else None
    read_case("csv data", "data.csv", text, lambda p: read_data_csv(p, label_column=label_column))


@FUZZ
@given(data=damaged(DATA_CSV.encode()))
def test_csv_data_bytes(data: bytes) -> None:
    read_case("csv data", "data.csv", data, read_data_csv)


def _export_text(write: object, name: str) -> str:
    path = WORK / name
    write(SPEC, initialize(SPEC, seed=1), path)  # type: ignore[operator]
    return path.read_text()


WEIGHT_CSV = _export_text(write_csv, "w.csv")
WEIGHT_JSON = _export_text(write_json, "w.json")


@FUZZ
@given(text=spliced_text(WEIGHT_CSV, [*CSV_PIECES, "# metadata: " + "[" * 3000]))
def test_weight_csv(text: str) -> None:
    read_case("weights csv", "case.csv", text, read_csv)


@FUZZ
@given(text=spliced_text(WEIGHT_JSON, HOSTILE_TEXT))
def test_weight_json(text: str) -> None:
    read_case("weights json", "case.json", text, read_json)


def _npz_bytes() -> bytes:
    path = WORK / "w.npz"
    write_npz(SPEC, initialize(SPEC, seed=2), path)
    return path.read_bytes()


WEIGHT_NPZ = _npz_bytes()


@FUZZ
@given(data=damaged(WEIGHT_NPZ))
def test_weight_npz(data: bytes) -> None:
    read_case("weights npz", "case.npz", data, read_npz)


@FUZZ
@given(
    dtype=st.sampled_from(["f8", "f4", "i8", "u1", "c16", "?", "U3", "S2", "f2", ">f8"]),
    shape=st.one_of(st.just((3, 2)), st.lists(st.integers(0, 4), max_size=3).map(tuple)),
    metadata=st.sampled_from(
        [None, json.dumps({"format": "bpstudio-weights"}), "NaN", "[" * 3000, "{}"]
    ),
)
def test_weight_npz_arrays(dtype: str, shape: tuple[int, ...], metadata: str | None) -> None:
    path = WORK / "case.npz"
    arrays = {"W1": np.zeros(shape, dtype=dtype), "b1": np.zeros(3)}
    if metadata is not None:
        arrays["metadata"] = np.array(metadata)
    np.savez(path, **arrays)
    outcome("weights npz", lambda: read_npz(path))


@pytest.mark.slow
@settings(FUZZ, max_examples=3000)
@given(data=damaged(PROJECT))
def test_project_bytes_long(data: bytes) -> None:
    _load_project(data)
