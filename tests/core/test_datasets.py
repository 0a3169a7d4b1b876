"""The Dataset model, the seeded split, the built-in generators and the bundled digits."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bpstudio
from bpstudio.core import resources
from bpstudio.core.data.datasets import (
    GENERATORS,
    Dataset,
    blobs,
    circles,
    digits,
    make_dataset,
    moons,
    note_example,
    sine,
    spirals,
    xor,
)
from bpstudio.core.errors import BPStudioError

SEEDED = [name for name, info in GENERATORS.items() if info.has_seed]
BINARY_2D = {"xor": xor, "circles": circles, "moons": moons, "spirals": spirals}


def indexed_classification(class_sizes: list[int]) -> Dataset:
    """One-hot data whose single input is the row number, so rows can be traced."""
    labels = np.repeat(np.arange(len(class_sizes)), class_sizes)
    n = labels.size
    return Dataset(
        X=np.arange(n, dtype=np.float64)[:, None],
        Y=np.eye(len(class_sizes))[labels],
        task="classification",
        name="indexed",
    )


# -- the model ------------------------------------------------------------------------------


def test_dataset_properties_and_readonly_arrays() -> None:
    X = np.zeros((4, 3))
    Y = np.array([[0.0], [1.0], [1.0], [0.0]])
    ds = Dataset(X, Y, "classification", "tiny", class_names=("no", "yes"))
    assert (ds.n_examples, ds.n_inputs, ds.n_outputs) == (4, 3, 1)
    assert ds.is_classification
    assert ds.n_classes == 2
    np.testing.assert_array_equal(ds.labels, [0, 1, 1, 0])
    assert ds.suggested_output() == ("sigmoid", "cross_entropy")
    with pytest.raises(ValueError, match="read-only"):
        ds.X[0, 0] = 1.0
    X[0, 0] = 5.0  # the caller's array stays writable
    assert ds.X.dtype == np.float64


def test_one_hot_labels_and_suggestions() -> None:
    Y = np.eye(3)[[2, 0, 1, 2]]
    ds = Dataset(np.ones((4, 2)), Y, "classification", "k3")
    np.testing.assert_array_equal(ds.labels, [2, 0, 1, 2])
    assert ds.n_classes == 3
    assert ds.suggested_output() == ("softmax", "cross_entropy")
    reg = Dataset(np.ones((2, 1)), np.array([[0.3], [2.5]]), "regression", "r")
    assert reg.suggested_output() == ("linear", "squared_error")
    with pytest.raises(BPStudioError, match="regression"):
        _ = reg.labels


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"X": np.ones(3), "Y": np.ones((3, 1))}, "2-D"),
        ({"X": np.ones((3, 2)), "Y": np.ones((2, 1))}, "3 rows but Y has 2"),
        ({"X": np.array([[1.0], [np.nan]]), "Y": np.ones((2, 1))}, "finite"),
        ({"X": np.ones((2, 1)), "Y": np.array([[1.0], [np.inf]])}, "finite"),
        ({"X": np.ones((2, 0)), "Y": np.ones((2, 1))}, "at least one input"),
        ({"X": [["a"]], "Y": [[1.0]]}, "expected numbers"),
        ({"task": "clustering"}, "unknown task"),
        ({"task": "classification", "Y": np.array([[0.5], [1.0]])}, "0 or 1"),
        ({"task": "classification", "Y": np.array([[1.0, 1.0], [0.0, 1.0]])}, "one-hot"),
        ({"task": "classification", "class_names": ("a", "b", "c")}, "3 class names"),
        ({"feature_names": ("a", "b")}, "2 feature names"),
        ({"target_names": ("a", "b")}, "2 target names"),
        ({"class_names": ("a", "b")}, "regression data set has no class"),
    ],
)
def test_dataset_validation(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {
        "X": np.ones((2, 1)),
        "Y": np.array([[0.0], [1.0]]),
        "task": "regression",
        "name": "bad",
    }
    args.update(kwargs)
    with pytest.raises(BPStudioError, match=message):
        Dataset(**args)  # type: ignore[arg-type]


def test_subset_keeps_metadata_and_checks_indices() -> None:
    ds = blobs(30, n_classes=3, seed=1)
    sub = ds.subset([3, 1, 4])
    np.testing.assert_array_equal(sub.X, ds.X[[3, 1, 4]])
    assert sub.class_names == ds.class_names
    assert sub.feature_names == ds.feature_names
    mask = np.zeros(30, dtype=bool)
    mask[[0, 29]] = True
    np.testing.assert_array_equal(ds.subset(mask).Y, ds.Y[[0, 29]])
    empty = ds.subset([])
    assert (empty.n_examples, empty.n_inputs, empty.n_outputs) == (0, 2, 3)
    with pytest.raises(BPStudioError, match="out of range"):
        ds.subset([30])
    with pytest.raises(BPStudioError, match="integer indices"):
        ds.subset([0.5])
    with pytest.raises(BPStudioError, match="30 entries"):
        ds.subset(np.ones(3, dtype=bool))


# -- split ----------------------------------------------------------------------------------


def test_split_sizes_stratified_disjoint_and_seeded() -> None:
    ds = indexed_classification([50, 30, 20])
    train, val = ds.split(0.2, seed=7)
    assert (train.n_examples, val.n_examples) == (80, 20)
    np.testing.assert_array_equal(np.bincount(val.labels, minlength=3), [10, 6, 4])
    np.testing.assert_array_equal(np.bincount(train.labels, minlength=3), [40, 24, 16])
    ids_train, ids_val = train.X[:, 0], val.X[:, 0]
    assert not set(ids_train) & set(ids_val)
    np.testing.assert_array_equal(np.sort(np.concatenate([ids_train, ids_val])), np.arange(100))
    # Rows stay paired with their targets.
    labels_of = ds.labels
    np.testing.assert_array_equal(train.labels, labels_of[ids_train.astype(int)])
    # Shuffled, seeded.
    assert not np.array_equal(ids_train, np.sort(ids_train))
    again_train, again_val = ds.split(0.2, seed=7)
    np.testing.assert_array_equal(again_train.X, train.X)
    np.testing.assert_array_equal(again_val.X, val.X)
    other_train, _ = ds.split(0.2, seed=8)
    assert not np.array_equal(other_train.X, train.X)


def test_split_regression_edge_cases() -> None:
    ds = sine(10, seed=0)
    train, val = ds.split(0.0, seed=0)
    assert train.n_examples == 10
    assert (val.n_examples, val.n_inputs, val.n_outputs) == (0, 1, 1)
    train, val = note_example().split(0.5, seed=0)
    assert (train.n_examples, val.n_examples) == (1, 0)
    train, val = ds.split(0.99, seed=0)
    assert (train.n_examples, val.n_examples) == (1, 9)
    for bad in (1.0, -0.1, math.nan, 2):
        with pytest.raises(BPStudioError, match="validation fraction"):
            ds.split(bad, seed=0)
    with pytest.raises(BPStudioError, match="seed"):
        ds.split(0.5, seed=-1)


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 12), min_size=2, max_size=5).filter(lambda s: sum(s) > 0),
    fraction=st.floats(0.0, 0.95),
    seed=st.integers(0, 2**16),
)
def test_split_is_a_stratified_partition(sizes: list[int], fraction: float, seed: int) -> None:
    ds = indexed_classification(sizes)
    train, val = ds.split(fraction, seed)
    n = sum(sizes)
    assert val.n_examples == min(round(fraction * n), n - 1)
    assert train.n_examples >= 1
    ids = np.concatenate([train.X[:, 0], val.X[:, 0]])
    np.testing.assert_array_equal(np.sort(ids), np.arange(n))
    per_class = np.bincount(val.labels, minlength=len(sizes))
    if all(fraction * size <= size - 1 for size in sizes if size):
        # Unless keeping one training example per class forces a shift, every class is
        # within one example of the exact proportion.
        for c, size in enumerate(sizes):
            assert abs(per_class[c] - fraction * size) < 1.0 + 1e-9


# -- generators -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", SEEDED)
def test_generators_are_deterministic_per_seed(name: str) -> None:
    a, b, c = (make_dataset(name, seed=s) for s in (3, 3, 4))
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.Y, b.Y)
    assert not np.array_equal(a.X, c.X)


@pytest.mark.parametrize("name", list(GENERATORS))
def test_registry_defaults_match_the_generators(name: str) -> None:
    info = GENERATORS[name]
    ds = make_dataset(name)
    assert info.name == name
    assert ds.task == info.task
    assert ds.n_examples == info.default_size
    assert info.min_size <= info.default_size <= info.max_size
    if info.has_classes:
        assert ds.n_classes == info.default_classes


@pytest.mark.parametrize("name", list(BINARY_2D))
def test_binary_2d_generators(name: str) -> None:
    ds = BINARY_2D[name](n_examples=201, seed=2)
    assert ds.X.shape == (201, 2)
    assert ds.Y.shape == (201, 1)
    assert ds.suggested_output() == ("sigmoid", "cross_entropy")
    assert len(ds.class_names) == 2
    counts = np.bincount(ds.labels, minlength=2)
    assert sorted(counts) == [100, 101]
    assert np.abs(ds.X).max() < 1.6
    clean = BINARY_2D[name](n_examples=400, noise=0.0, seed=2)
    assert np.abs(clean.X).max() <= 1.0 + 1e-12
    # The classes are not sorted: examples arrive mixed.
    assert (np.diff(clean.labels) < 0).any()


def test_xor_labels_follow_the_quadrants() -> None:
    ds = xor(300, noise=0.0, seed=5)
    signs_differ = (ds.X[:, 0] * ds.X[:, 1] < 0).astype(int)
    np.testing.assert_array_equal(ds.labels, signs_differ)
    quadrants = np.sign(ds.X[:, 0]) * 2 + np.sign(ds.X[:, 1])
    assert len(np.unique(quadrants)) == 4


def test_circles_disc_inside_ring() -> None:
    ds = circles(300, noise=0.0, seed=5)
    r = np.hypot(ds.X[:, 0], ds.X[:, 1])
    assert r[ds.labels == 1].max() <= 0.5
    assert r[ds.labels == 0].min() >= 0.7


def test_moons_and_spirals_shapes() -> None:
    m = moons(400, noise=0.0, seed=1)
    upper, lower = m.X[m.labels == 0], m.X[m.labels == 1]
    assert upper[:, 1].mean() > lower[:, 1].mean()
    s = spirals(400, noise=0.0, seed=1)
    r = np.hypot(s.X[:, 0], s.X[:, 1])
    assert r.max() <= 1.0 + 1e-12
    # The two arms are a half-turn apart: point reflection maps one onto the other.
    a = s.X[s.labels == 0]
    angle = np.arctan2(a[:, 0], a[:, 1])
    ra = np.hypot(a[:, 0], a[:, 1])
    expected = np.mod(1.75 * 2 * np.pi * ra + np.pi, 2 * np.pi) - np.pi
    np.testing.assert_allclose(np.cos(angle - expected), 1.0, atol=1e-9)


def test_blobs_one_hot_and_balanced() -> None:
    ds = blobs(n_examples=301, n_classes=4, noise=0.1, seed=9)
    assert ds.X.shape == (301, 2)
    assert ds.Y.shape == (301, 4)
    np.testing.assert_array_equal(ds.Y.sum(axis=1), 1.0)
    assert sorted(np.bincount(ds.labels)) == [75, 75, 75, 76]
    assert ds.suggested_output() == ("softmax", "cross_entropy")
    means = np.array([ds.X[ds.labels == c].mean(axis=0) for c in range(4)])
    np.testing.assert_allclose(np.hypot(means[:, 0], means[:, 1]), 0.6, atol=0.05)


def test_sine_and_note() -> None:
    ds = sine(50, noise=0.0, seed=1)
    assert ds.X.shape == (50, 1)
    assert ds.task == "regression"
    assert np.abs(ds.X).max() <= 1.0
    np.testing.assert_allclose(ds.Y[:, 0], np.sin(np.pi * ds.X[:, 0]), rtol=0, atol=1e-12)
    noisy = sine(2000, noise=0.05, seed=1)
    residual = noisy.Y[:, 0] - np.sin(np.pi * noisy.X[:, 0])
    assert 0.04 < residual.std() < 0.06
    note = note_example()
    np.testing.assert_array_equal(note.X, [[1.0]])
    np.testing.assert_array_equal(note.Y, [[0.25]])
    assert note_example(2.0, -1.0).Y[0, 0] == -1.0


def test_digits_load_offline() -> None:
    ds = digits()
    assert ds.X.shape == (1797, 64)
    assert ds.Y.shape == (1797, 10)
    assert ds.n_classes == 10
    assert ds.class_names == tuple("0123456789")
    assert ds.X.min() == 0.0
    assert ds.X.max() == 1.0
    np.testing.assert_array_equal(ds.X * 16, np.round(ds.X * 16))
    np.testing.assert_array_equal(
        np.bincount(ds.labels), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    )
    # The file's first image is a zero.
    assert ds.labels[0] == 0
    shuffled = digits(seed=1)
    assert not np.array_equal(shuffled.labels, ds.labels)
    np.testing.assert_array_equal(np.bincount(shuffled.labels), np.bincount(ds.labels))
    np.testing.assert_array_equal(digits(n_examples=100, seed=1).X, shuffled.X[:100])


def test_resource_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert resources.resource_path("data", "digits.npz").is_file()
    with pytest.raises(BPStudioError, match="missing"):
        resources.resource_path("data", "no-such-file.npz")
    with pytest.raises(BPStudioError):
        resources.resource_path()
    # An installed wheel's copy (bpstudio/_resources) wins over the source tree.
    package = tmp_path / "bpstudio"
    (package / "_resources" / "data").mkdir(parents=True)
    (package / "_resources" / "data" / "digits.npz").write_bytes(b"wheel copy")
    monkeypatch.setattr(bpstudio, "__file__", str(package / "__init__.py"))
    assert resources.resource_path("data", "digits.npz").read_bytes() == b"wheel copy"
    assert resources.resource_path("data", "README.md").is_file()  # falls back to the source


# -- make_dataset and argument errors -------------------------------------------------------


def test_make_dataset_arguments() -> None:
    ds = make_dataset("blobs", n_examples=40, noise=0.2, seed=3, n_classes=5)
    assert ds.Y.shape == (40, 5)
    assert make_dataset("digits", n_examples=10).n_examples == 10
    np.testing.assert_array_equal(make_dataset("xor", seed=1).X, xor(seed=1).X)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: make_dataset("mnist"), "unknown data set 'mnist'.*xor, circles"),
        (lambda: make_dataset("xor", n_examples=1), "between 2 and"),
        (lambda: make_dataset("xor", n_examples=10**9), "between 2 and"),
        (lambda: make_dataset("sine", n_examples=0), "between 1 and"),
        (lambda: make_dataset("digits", n_examples=1798), "between 1 and 1,797"),
        (lambda: make_dataset("digits", noise=0.1), "takes no noise"),
        (lambda: make_dataset("note", n_examples=5), "takes no n_examples"),
        (lambda: make_dataset("xor", n_classes=3), "takes no n_classes"),
        (lambda: make_dataset("blobs", n_classes=1), "n_classes must be between 2 and 10"),
        (lambda: make_dataset("blobs", n_examples=2, n_classes=3), "between 3 and"),
        (lambda: make_dataset("moons", noise=-0.1), "noise"),
        (lambda: make_dataset("moons", noise=math.inf), "noise"),
        (lambda: make_dataset("circles", seed=-3), "seed"),
        (lambda: xor(n_examples=2.5), "integer"),  # type: ignore[arg-type]
        (lambda: xor(n_examples=True), "integer"),
    ],
)
def test_bad_generator_arguments(call: object, message: str) -> None:
    with pytest.raises(BPStudioError, match=message):
        call()  # type: ignore[operator]
