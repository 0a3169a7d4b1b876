"""The project file: round trips, atomic saves, and clear errors for anything damaged."""

from __future__ import annotations

import dataclasses
import functools
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bpstudio.core.data.source import DataSource
from bpstudio.core.engine.activations import HIDDEN_ACTIVATIONS
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.engine.optim import DEFAULT_DECAY_RATE, OPTIMIZER_LABELS, SCHEDULES
from bpstudio.core.errors import BPStudioError
from bpstudio.core.files.project import FORMAT_NAME, FORMAT_VERSION, Project
from bpstudio.core.files.project_schema import HYPERPARAMETERS
from bpstudio.core.training.history import SERIES_NAMES, History
from bpstudio.core.training.hyperparams import Hyperparameters

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

OUTPUTS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax")


# -- strategies ----------------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def specs(draw: st.DrawFn) -> NetworkSpec:
    n_layers = draw(st.integers(1, 4))
    sizes = draw(st.lists(st.integers(1, 6), min_size=n_layers + 1, max_size=n_layers + 1))
    hidden = draw(
        st.lists(st.sampled_from(HIDDEN_ACTIVATIONS), min_size=n_layers - 1, max_size=n_layers - 1)
    )
    output = draw(st.sampled_from(OUTPUTS))
    losses = ["squared_error", "mse"] + (
        ["cross_entropy"] if output in ("sigmoid", "softmax") else []
    )
    return NetworkSpec(
        tuple(sizes),
        (*hidden, output),
        draw(st.sampled_from(losses)),
        draw(st.sampled_from(["float64", "float32"])),
    )


@st.composite
def projects(draw: st.DrawFn) -> Project:
    spec = draw(specs())
    width = 32 if spec.dtype == "float32" else 64
    finite = st.floats(allow_nan=False, allow_infinity=False, width=width)
    params = Params(
        [draw(arrays(spec.np_dtype, w, elements=finite)) for w, _ in spec.shapes()],
        [draw(arrays(spec.np_dtype, b, elements=finite)) for _, b in spec.shapes()],
    )
    hp = Hyperparameters(
        learning_rate=draw(st.floats(1e-6, 10.0)),
        batch_size=draw(st.integers(1, 4096)),
        optimizer=draw(st.sampled_from(sorted(OPTIMIZER_LABELS))),
        momentum=draw(st.floats(0.0, 0.999)),
        nesterov=draw(st.booleans()),
        l1=draw(st.floats(0.0, 1.0)),
        l2=draw(st.floats(0.0, 1.0)),
        schedule=draw(st.sampled_from(sorted(SCHEDULES))),
        schedule_every=draw(st.integers(1, 10**6)),
        schedule_factor=draw(st.floats(0.01, 1.0)),
        schedule_rate=draw(st.floats(1e-9, 1.0)),
        beta1=draw(st.floats(0.0, 0.9999)),
        beta2=draw(st.floats(0.0, 0.999999)),
        eps=draw(st.floats(1e-12, 1.0)),
        seed=draw(st.integers(0, 2**32 - 1)),
        shuffle=draw(st.booleans()),
    )
    data = DataSource(
        "generator",
        draw(st.sampled_from(["note", "xor", "moons", "spiral"])),
        n_examples=draw(st.none() | st.integers(1, 10_000)),
        noise=draw(st.none() | st.floats(0.0, 1.0)),
        seed=draw(st.integers(0, 1000)),
        validation_fraction=draw(st.floats(0.0, 0.9)),
    )
    history = History()
    for name in draw(st.lists(st.sampled_from(SERIES_NAMES), max_size=3, unique=True)):
        ys = draw(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=20))
        for x, y in enumerate(ys, start=1):
            history[name].append(float(x), y)
    view = draw(st.dictionaries(st.text(max_size=6), json_values, max_size=4))
    return Project(
        spec,
        params,
        data,
        hp,
        history,
        draw(st.integers(0, 10**9)),
        draw(st.integers(0, 10**6)),
        view,
    )


def assert_same_project(a: Project, b: Project) -> None:
    assert a.spec == b.spec
    for x, y in zip(a.params.arrays(), b.params.arrays(), strict=True):
        assert x.dtype == y.dtype == a.spec.np_dtype
        np.testing.assert_array_equal(x, y)
    assert a.data == b.data
    assert a.hyperparameters == b.hyperparameters
    assert (a.step, a.epoch) == (b.step, b.epoch)
    assert a.view == b.view
    for name in SERIES_NAMES:
        assert a.history[name].count == b.history[name].count
        for u, v in zip(a.history[name].data(), b.history[name].data(), strict=True):
            np.testing.assert_array_equal(u, v)


# -- round trips, atomic saves -------------------------------------------------------------


@PROPERTY
@given(project=projects())
def test_save_then_load_gives_the_same_project(project: Project) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "work.bpstudio"
        project.save(path)
        assert os.listdir(folder) == ["work.bpstudio"]
        loaded = Project.load(path)
        assert_same_project(project, loaded)
        loaded.save(path)  # saving over an existing file
        assert_same_project(project, Project.load(path))
        assert os.listdir(folder) == ["work.bpstudio"]


def test_note_example_round_trip_and_copy(tmp_path: Path) -> None:
    project = Project.note_example()
    project.history["batch_cost"].append(1, 0.05)
    project.view["selected"] = "W2"
    project.save(tmp_path / "note.bpstudio")
    loaded = Project.load(tmp_path / "note.bpstudio")
    assert_same_project(project, loaded)
    copy = loaded.copy()
    copy.params.W[0][0, 0] = 9.0
    copy.view["selected"] = "b1"
    assert loaded.params.W[0][0, 0] == 0.5
    assert loaded.view["selected"] == "W2"
    with zipfile.ZipFile(tmp_path / "note.bpstudio") as archive:
        document = json.loads(archive.read("project.json"))
        assert set(archive.namelist()) == {"project.json", "params.npz"}
    assert (document["format"], document["version"]) == (FORMAT_NAME, FORMAT_VERSION)


def test_a_failed_save_leaves_the_old_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "work.bpstudio"
    Project.note_example().save(path)
    original = path.read_bytes()
    changed = Project.note_example()
    changed.params.W[0][0, 0] = 42.0
    real_writestr = zipfile.ZipFile.writestr

    def failing_writestr(
        self: zipfile.ZipFile, name: Any, data: Any, *args: Any, **kwargs: Any
    ) -> None:
        if name == "params.npz":  # project.json is already in the temporary file
            raise OSError(28, "No space left on device")
        real_writestr(self, name, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", failing_writestr)
    with pytest.raises(OSError, match="No space left"):
        changed.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == original
    assert os.listdir(tmp_path) == ["work.bpstudio"]  # no temporary file left behind
    assert Project.load(path).params.W[0][0, 0] == 0.5


def test_a_failed_first_save_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_savez(*args: Any, **kwargs: Any) -> None:
        raise MemoryError("out of memory")

    monkeypatch.setattr(np, "savez_compressed", failing_savez)
    with pytest.raises(MemoryError):
        Project.note_example().save(tmp_path / "new.bpstudio")
    assert os.listdir(tmp_path) == []


def test_saving_into_a_missing_folder_is_explained(tmp_path: Path) -> None:
    with pytest.raises(BPStudioError, match="does not exist"):
        Project.note_example().save(tmp_path / "nowhere" / "work.bpstudio")


def test_non_finite_parameters_are_refused_at_the_source() -> None:
    params = Project.note_example().params
    params.W[1][0, 0] = np.nan
    with pytest.raises(BPStudioError, match="NaN or infinite"):
        Project(NetworkSpec.build([1, 1, 1, 1]), params)


# -- damaged and foreign files -------------------------------------------------------------


@functools.cache
def good_bytes() -> bytes:
    """A valid project file's bytes (saved once: saving syncs to disk, which is slow)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "good.bpstudio"
        project = Project.note_example()
        project.history["batch_cost"].append(1, 0.05)
        project.save(path)
        return path.read_bytes()


def good_file(folder: Path) -> Path:
    path = folder / "good.bpstudio"
    path.write_bytes(good_bytes())
    return path


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_zip(path: Path, contents: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    return path


def with_document(change: Callable[[dict[str, Any]], object]) -> Callable[[Path, Path], Path]:
    def make(good: Path, bad: Path) -> Path:
        contents = members(good)
        document = json.loads(contents["project.json"])
        change(document)
        contents["project.json"] = json.dumps(document).encode()
        return write_zip(bad, contents)

    return make


def with_arrays(**arrays: Any) -> Callable[[Path, Path], Path]:
    def make(good: Path, bad: Path) -> Path:
        contents = members(good)
        with np.load(io.BytesIO(contents["params.npz"])) as npz:
            named = {name: npz[name] for name in npz.files}
        named.update(arrays)
        named = {k: v for k, v in named.items() if v is not None}
        buffer = io.BytesIO()
        np.savez(buffer, **named)
        contents["params.npz"] = buffer.getvalue()
        return write_zip(bad, contents)

    return make


def with_bytes(make_bytes: Callable[[bytes], bytes]) -> Callable[[Path, Path], Path]:
    def make(good: Path, bad: Path) -> Path:
        bad.write_bytes(make_bytes(good.read_bytes()))
        return bad

    return make


def with_member(name: str, data: bytes | None) -> Callable[[Path, Path], Path]:
    def make(good: Path, bad: Path) -> Path:
        contents = members(good)
        if data is None:
            del contents[name]
        else:
            contents[name] = data
        return write_zip(bad, contents)

    return make


def pickled_npz() -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, W1=np.array([[{"evil": 1}]], dtype=object), b1=np.zeros(1))
    return buffer.getvalue()


DAMAGED: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "empty file": (
        with_bytes(lambda b: b""),
        "not a readable Backprop Studio project",
    ),
    "not a zip": (with_bytes(lambda b: b"layer_sizes,W1\n1,2\n"), "damaged, truncated"),
    "truncated at 90%": (with_bytes(lambda b: b[: len(b) * 9 // 10]), "damaged, truncated"),
    "truncated at 50%": (with_bytes(lambda b: b[: len(b) // 2]), "damaged, truncated"),
    "truncated header": (with_bytes(lambda b: b[:30]), "damaged, truncated"),
    "no project.json": (with_member("project.json", None), r"project.json is missing"),
    "no params.npz": (with_member("params.npz", None), r"params.npz is missing"),
    "project.json not JSON": (with_member("project.json", b"{'format': 1"), "not valid JSON"),
    "project.json not UTF-8": (with_member("project.json", b"\xff\xfe\x00"), "not UTF-8 text"),
    "project.json a list": (
        with_member("project.json", b"[1, 2]"),
        "not a Backprop Studio project file",
    ),
    "wrong format name": (
        with_document(lambda d: d.update(format="other-app")),
        "not a Backprop Studio project file",
    ),
    "unknown version": (
        with_document(lambda d: d.update(version=99)),
        "version 99 is not supported",
    ),
    "no version": (with_document(lambda d: d.pop("version")), "version None is not supported"),
    "no network": (with_document(lambda d: d.pop("network")), "no 'network' section"),
    "unknown activation": (
        with_document(lambda d: d["network"].update(activations=["sigmoid", "swish", "sigmoid"])),
        "unknown activation 'swish'",
    ),
    "too few activations": (
        with_document(lambda d: d["network"].update(activations=["sigmoid"])),
        "expected 3 activations",
    ),
    "layer size not a number": (
        with_document(lambda d: d["network"].update(layer_sizes=[1, "two", 1, 1])),
        r"'network.layer_sizes\[1\]' must be a whole number",
    ),
    "layer sizes disagree with the arrays": (
        with_document(lambda d: d["network"].update(layer_sizes=[1, 2, 1, 1])),
        r"W1 has shape \(1, 1\), expected \(2, 1\)",
    ),
    "array of the wrong shape": (
        with_arrays(W2=np.zeros((1, 3))),
        r"W2 has shape \(1, 3\), expected \(1, 1\)",
    ),
    "missing array": (with_arrays(b3=None), "missing array 'b3'"),
    "extra array": (with_arrays(W4=np.zeros((1, 1))), r"unexpected arrays \['W4'\]"),
    "NaN weight": (with_arrays(W1=np.array([[np.nan]])), "W1 contains NaN or infinite values"),
    "params.npz not an npz": (
        with_member("params.npz", b"PK\x03\x04garbage"),
        "params.npz: not a readable NumPy .npz archive",
    ),
    "pickled object array": (with_member("params.npz", pickled_npz()), "W1: holds object values"),
    "unknown training setting": (
        with_document(lambda d: d["hyperparameters"].update(colour="red")),
        "'hyperparameters' has unknown fields: colour",
    ),
    "invalid learning rate": (
        with_document(lambda d: d["hyperparameters"].update(learning_rate=-1)),
        r"'hyperparameters.learning_rate' must be a finite number in \(0, ",
    ),
    "training section a list": (
        with_document(lambda d: d.update(training=[1, 2])),
        "'training' must be a JSON object",
    ),
    "step not a number": (
        with_document(lambda d: d.update(training={"step": "many"})),
        "'training.step' must be a whole number",
    ),
    "history of the wrong type": (
        with_document(lambda d: d.update(history=[])),
        "'history' must be a JSON object, got \\[\\]",
    ),
    "unknown history series": (
        with_document(lambda d: d.update(history={"loss": {}})),
        "unknown history series",
    ),
    "ragged history": (
        with_document(lambda d: d.update(history={"batch_cost": {"x": [1, 2], "y": [1.0]}})),
        "different numbers of x and y",
    ),
    "data section a string": (
        with_document(lambda d: d.update(data="xor")),
        "'data' must be a JSON object",
    ),
    "unknown data kind": (
        with_document(lambda d: d["data"].update(kind="sql")),
        "unknown data source kind",
    ),
    "view a number": (
        with_document(lambda d: d.update(view=3)),
        "'view' must be a JSON object, got 3",
    ),
    "infinite layer size": (
        with_member(
            "project.json",
            b'{"format": "bpstudio-project", "version": 1, "network": '
            b'{"layer_sizes": [1, 1e400], "activations": ["sigmoid"]}}',
        ),
        "the number 1e400 is out of range",
    ),
}


@pytest.mark.parametrize("case", list(DAMAGED))
def test_damaged_files_raise_a_clear_error(tmp_path: Path, case: str) -> None:
    make, message = DAMAGED[case]
    bad = make(good_file(tmp_path), tmp_path / "bad.bpstudio")
    with pytest.raises(BPStudioError, match=message) as info:
        Project.load(bad)
    assert str(info.value).startswith(str(bad))  # the message names the file


@pytest.mark.parametrize(
    ("saved", "rate"),
    [
        ({}, DEFAULT_DECAY_RATE),
        ({"schedule": "step", "schedule_every": 50, "schedule_factor": 0.1}, DEFAULT_DECAY_RATE),
        # An exponential schedule saved as η₀ · factor^(t / every) keeps its curve.
        ({"schedule": "exponential", "schedule_every": 500, "schedule_factor": 0.1}, None),
    ],
)
def test_projects_saved_before_the_optimiser_settings_load_with_the_defaults(
    tmp_path: Path, saved: dict[str, Any], rate: float | None
) -> None:
    def change(document: dict[str, Any]) -> None:
        settings = document["hyperparameters"]
        for name in ("eps", "schedule_rate", *saved):
            settings.pop(name)
        settings.update(saved)

    path = with_document(change)(good_file(tmp_path), tmp_path / "old.bpstudio")
    hp = Project.load(path).hyperparameters
    assert hp.eps == 1e-8
    assert (hp.beta1, hp.beta2) == (0.9, 0.999)
    if rate is not None:
        assert hp.schedule_rate == rate
    else:
        assert hp.schedule == "exponential"
        for t in (0, 250, 500, 1234):
            assert hp.learning_rate_at(t) == pytest.approx(
                hp.learning_rate * 0.1 ** (t / 500), rel=1e-12
            )


def test_the_optimiser_settings_are_saved(tmp_path: Path) -> None:
    project = Project.note_example()
    project.hyperparameters = project.hyperparameters.with_changes(
        optimizer="adam", beta1=0.8, beta2=0.95, eps=1e-6, schedule="exponential",
        schedule_rate=0.01, schedule_every=30, schedule_factor=0.25,
    )  # fmt: skip
    project.save(tmp_path / "p.bpstudio")
    document = json.loads(members(tmp_path / "p.bpstudio")["project.json"])
    settings = document["hyperparameters"]
    assert (settings["beta1"], settings["beta2"], settings["eps"]) == (0.8, 0.95, 1e-6)
    assert settings["schedule_rate"] == 0.01
    assert (settings["schedule_every"], settings["schedule_factor"]) == (30, 0.25)
    assert Project.load(tmp_path / "p.bpstudio").hyperparameters == project.hyperparameters


def test_missing_file_and_folder_are_explained(tmp_path: Path) -> None:
    with pytest.raises(BPStudioError, match="no such file"):
        Project.load(tmp_path / "missing.bpstudio")
    with pytest.raises(BPStudioError, match="is a folder"):
        Project.load(tmp_path)


def assert_loads_or_explains(path: Path) -> None:
    """Loading either works or raises BPStudioError naming the file; nothing else escapes."""
    error: BPStudioError | None = None
    try:
        Project.load(path)
    except BPStudioError as exc:
        error = exc
    assert error is None or str(error).startswith(str(path))


@settings(max_examples=100, deadline=None)
@given(
    cut=st.integers(0, 10**6),
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=4),
    truncate=st.booleans(),
)
def test_corrupted_bytes_never_raise_anything_but_bpstudio_error(
    cut: int, flips: list[tuple[int, int]], truncate: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = bytearray(good_bytes())
        for position, value in flips:
            data[position % len(data)] = value
        if truncate:
            data = data[: cut % len(data)]
        bad = Path(folder) / "bad.bpstudio"
        bad.write_bytes(bytes(data))
        assert_loads_or_explains(bad)  # a flip in an unused byte may leave a readable file


@settings(max_examples=100, deadline=None)
@given(
    section=st.sampled_from(
        ["network", "hyperparameters", "data", "training", "history", "view", "version"]
    ),
    key=st.none()
    | st.sampled_from(["layer_sizes", "activations", "loss", "dtype", "step", "batch_cost", "x"]),
    value=json_values,
)
def test_wrong_json_types_never_raise_anything_but_bpstudio_error(
    section: str, key: str | None, value: Any
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        good = good_file(Path(folder))

        def change(document: dict[str, Any]) -> None:
            if key is not None and isinstance(document.get(section), dict):
                document[section][key] = value
            else:
                document[section] = value

        bad = with_document(change)(good, Path(folder) / "bad.bpstudio")
        assert_loads_or_explains(bad)


def test_the_schema_knows_every_hyperparameter() -> None:
    """A new setting must be added to project.json's schema, or projects that use it would
    refuse to open."""
    assert set(HYPERPARAMETERS) == {f.name for f in dataclasses.fields(Hyperparameters)}
