"""Data sets: the :class:`Dataset` model, a seeded train/validation split and the built-ins.

A data set is two batch-first float64 matrices, inputs ``X : (n, d)`` and targets
``Y : (n, k)``, plus what they mean (``task``, names of classes, features and targets).
Targets are a 0/1 column for binary classification, one-hot rows for multi-class
classification, and real values for regression, so they feed the losses directly.

Built-in generators (2-D toy problems in the style of TensorFlow Playground, a 1-D sine, the
note's single example and the bundled 8x8 digits) are deterministic given ``seed``; each is
described in the :data:`GENERATORS` registry so a GUI can build its controls from it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from bpstudio.core.errors import BPStudioError, lookup
from bpstudio.core.resources import resource_path

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

TASKS: tuple[str, ...] = ("classification", "regression")

#: Upper bound on generated data set sizes (a slider's end; ~10 MB of 2-D float64 data).
MAX_GENERATED = 200_000


def _readonly(a: FloatArray) -> FloatArray:
    """A read-only view: the data set is frozen, its arrays too (the caller's array is not)."""
    view = a.view()
    view.flags.writeable = False
    return view


@dataclass(frozen=True)
class Dataset:
    """Inputs, targets and what they mean.

    Attributes
    ----------
    X : (n, d) float64
        Inputs, one example per row (a read-only view).
    Y : (n, k) float64
        Targets: a 0/1 column (binary), one-hot rows (multi-class) or real values.
    task : "classification" or "regression"
    name : str
    class_names : names of the classes (classification; 2 for a binary column, else k).
    feature_names : d names, or empty.
    target_names : k names, or empty.
    """

    X: FloatArray
    Y: FloatArray
    task: str
    name: str
    class_names: tuple[str, ...] = ()
    feature_names: tuple[str, ...] = ()
    target_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        where = f"data set {self.name!r}"
        X = _as_matrix(self.X, f"{where}: inputs X")
        Y = _as_matrix(self.Y, f"{where}: targets Y")
        if X.shape[0] != Y.shape[0]:
            raise BPStudioError(
                f"{where}: X has {X.shape[0]} rows but Y has {Y.shape[0]}; expected one target "
                "row per example"
            )
        if X.shape[1] < 1 or Y.shape[1] < 1:
            raise BPStudioError(
                f"{where}: expected at least one input and one target column, got X "
                f"{X.shape} and Y {Y.shape}"
            )
        if self.task not in TASKS:
            raise BPStudioError(
                f"{where}: unknown task {self.task!r}; expected one of: {', '.join(TASKS)}"
            )
        object.__setattr__(self, "X", _readonly(X))
        object.__setattr__(self, "Y", _readonly(Y))
        for attr in ("class_names", "feature_names", "target_names"):
            object.__setattr__(self, attr, tuple(str(s) for s in getattr(self, attr)))
        if self.feature_names and len(self.feature_names) != X.shape[1]:
            raise BPStudioError(
                f"{where}: {len(self.feature_names)} feature names for {X.shape[1]} input columns"
            )
        if self.target_names and len(self.target_names) != Y.shape[1]:
            raise BPStudioError(
                f"{where}: {len(self.target_names)} target names for {Y.shape[1]} target columns"
            )
        if self.task == "classification":
            self._check_class_targets(where, Y)
        elif self.class_names:
            raise BPStudioError(f"{where}: a regression data set has no class names")

    def _check_class_targets(self, where: str, Y: FloatArray) -> None:
        not_binary = (Y != 0.0) & (Y != 1.0)
        if not_binary.any():
            row, col = np.argwhere(not_binary)[0]
            raise BPStudioError(
                f"{where}: classification targets must be 0 or 1, got {Y[row, col]!r} in row "
                f"{row + 1}, column {col + 1}"
            )
        if Y.shape[1] > 1:
            sums = Y.sum(axis=1)
            if (sums != 1.0).any():
                row = int(np.flatnonzero(sums != 1.0)[0])
                raise BPStudioError(
                    f"{where}: multi-class targets must be one-hot (exactly one 1 per row); "
                    f"row {row + 1} has {int(sums[row])}"
                )
        if self.class_names and len(self.class_names) != self.n_classes:
            raise BPStudioError(
                f"{where}: {len(self.class_names)} class names for {self.n_classes} classes"
            )

    # -- reading ---------------------------------------------------------------------------

    @property
    def n_examples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_inputs(self) -> int:
        return int(self.X.shape[1])

    @property
    def n_outputs(self) -> int:
        return int(self.Y.shape[1])

    @property
    def is_classification(self) -> bool:
        return self.task == "classification"

    @property
    def n_classes(self) -> int:
        """Number of classes: 2 for a single binary column, else the number of columns."""
        if not self.is_classification:
            raise BPStudioError(f"data set {self.name!r} is a regression problem: no classes")
        return 2 if self.n_outputs == 1 else self.n_outputs

    @property
    def labels(self) -> IntArray:
        """Class index per example, ``(n,)``: argmax of one-hot rows, or ``Y > 0.5``."""
        if not self.is_classification:
            raise BPStudioError(f"data set {self.name!r} is a regression problem: no labels")
        if self.n_outputs == 1:
            labels: IntArray = (self.Y[:, 0] > 0.5).astype(np.int64)
        else:
            labels = np.argmax(self.Y, axis=1).astype(np.int64)
        return labels

    def suggested_output(self) -> tuple[str, str]:
        """(output activation, loss) names that fit the targets."""
        if not self.is_classification:
            return ("linear", "squared_error")
        if self.n_outputs == 1:
            return ("sigmoid", "cross_entropy")
        return ("softmax", "cross_entropy")

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, {self.task}, n={self.n_examples}, "
            f"d={self.n_inputs}, k={self.n_outputs})"
        )

    # -- deriving --------------------------------------------------------------------------

    def subset(self, indices: ArrayLike) -> Dataset:
        """The examples at ``indices`` (integer positions or a boolean mask), same metadata."""
        idx = np.asarray(indices)
        if idx.dtype == np.bool_:
            if idx.shape != (self.n_examples,):
                raise BPStudioError(
                    f"a boolean mask for {self.name!r} needs {self.n_examples} entries, got "
                    f"shape {idx.shape}"
                )
            idx = np.flatnonzero(idx)
        if idx.size == 0:
            idx = np.zeros(0, dtype=np.int64)
        if idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer):
            raise BPStudioError(
                f"subset of {self.name!r}: expected a 1-D array of integer indices, got "
                f"dtype {idx.dtype} with shape {idx.shape}"
            )
        if idx.size and (idx.min() < -self.n_examples or idx.max() >= self.n_examples):
            raise BPStudioError(
                f"subset of {self.name!r}: index out of range for {self.n_examples} examples"
            )
        return Dataset(
            X=self.X[idx],
            Y=self.Y[idx],
            task=self.task,
            name=self.name,
            class_names=self.class_names,
            feature_names=self.feature_names,
            target_names=self.target_names,
        )

    def split(self, validation_fraction: float, seed: int) -> tuple[Dataset, Dataset]:
        """A shuffled (train, validation) pair; stratified by class for classification.

        ``round(fraction * n)`` examples go to validation, but training always keeps at
        least one example, and each class keeps at least one training example when the
        validation count allows it. Fraction 0 gives an empty validation set.
        """
        fraction = float(validation_fraction)
        if not (math.isfinite(fraction) and 0.0 <= fraction < 1.0):
            raise BPStudioError(
                f"validation fraction must be at least 0 and below 1, got {validation_fraction!r}"
            )
        rng = _rng(seed)
        n = self.n_examples
        n_val = min(round(fraction * n), max(n - 1, 0))
        if self.is_classification:
            groups = [np.flatnonzero(self.labels == c) for c in range(self.n_classes)]
        else:
            groups = [np.arange(n)]
        counts = _allocate(n_val, [len(g) for g in groups], fraction)
        train_parts: list[IntArray] = []
        val_parts: list[IntArray] = []
        for group, k in zip(groups, counts, strict=True):
            shuffled = rng.permutation(group)
            val_parts.append(shuffled[:k])
            train_parts.append(shuffled[k:])
        train_idx = rng.permutation(np.concatenate(train_parts)).astype(np.int64)
        val_idx = rng.permutation(np.concatenate(val_parts)).astype(np.int64)
        return self.subset(train_idx), self.subset(val_idx)


def _as_matrix(a: ArrayLike, what: str) -> FloatArray:
    try:
        m = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise BPStudioError(f"{what}: expected numbers ({exc})") from None
    if m.ndim != 2:
        raise BPStudioError(f"{what}: expected a 2-D array (examples x columns), got {m.ndim}-D")
    if not np.isfinite(m).all():
        row, col = np.argwhere(~np.isfinite(m))[0]
        raise BPStudioError(
            f"{what}: every value must be finite, got {m[row, col]} in row {row + 1}, "
            f"column {col + 1}"
        )
    return m


def _allocate(total: int, sizes: Sequence[int], fraction: float) -> list[int]:
    """Split ``total`` validation slots over groups in proportion to their sizes.

    Largest remainders first; a group is only emptied of training examples once no other
    group can take the slot.
    """
    quotas = [fraction * s for s in sizes]
    # Σ floor(f * s) <= floor(f * n) <= total, so only increments are ever needed.
    counts = [math.floor(q) for q in quotas]
    order = sorted(range(len(sizes)), key=lambda i: (-(quotas[i] - counts[i]), i))
    for keep_one in (True, False):
        grew = True
        while sum(counts) < total and grew:
            grew = False
            for i in order:
                if sum(counts) < total and counts[i] < sizes[i] - (1 if keep_one else 0):
                    counts[i] += 1
                    grew = True
    return counts


# -- generators ---------------------------------------------------------------------------


def _rng(seed: int) -> np.random.Generator:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise BPStudioError(f"seed must be a non-negative integer, got {seed!r}")
    return np.random.default_rng(int(seed))


def _check_size(name: str, n_examples: int, minimum: int, maximum: int = MAX_GENERATED) -> int:
    if isinstance(n_examples, bool) or not isinstance(n_examples, int | np.integer):
        raise BPStudioError(f"{name}: n_examples must be an integer, got {n_examples!r}")
    if not minimum <= n_examples <= maximum:
        raise BPStudioError(
            f"{name}: n_examples must be between {minimum} and {maximum:,}, got {n_examples}"
        )
    return int(n_examples)


def _check_noise(name: str, noise: float) -> float:
    try:
        value = float(noise)
    except (TypeError, ValueError):
        raise BPStudioError(f"{name}: noise must be a number, got {noise!r}") from None
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise BPStudioError(f"{name}: noise must be between 0 and 1, got {noise!r}")
    return value


def _generator_start(
    name: str, n_examples: int, minimum: int, noise: float, seed: int
) -> tuple[int, float, np.random.Generator]:
    """A generator's checked size and noise level, and its random generator."""
    return _check_size(name, n_examples, minimum), _check_noise(name, noise), _rng(seed)


def _jitter(P: FloatArray, sigma: float, rng: np.random.Generator) -> FloatArray:
    """``P`` plus Gaussian noise of standard deviation ``sigma``."""
    return P + sigma * rng.standard_normal(P.shape)


def _class_sizes(n: int, k: int) -> list[int]:
    """Balanced class counts: n // k each, the first n % k classes one more."""
    return [n // k + (1 if c < n % k else 0) for c in range(k)]


def _binary(
    name: str,
    points: Sequence[FloatArray],
    rng: np.random.Generator,
    class_names: tuple[str, str],
) -> Dataset:
    """Stack the points of class 0 and class 1, shuffle, and label them with a 0/1 column."""
    X = np.concatenate(points)
    y = np.concatenate([np.full(len(p), float(c)) for c, p in enumerate(points)])
    order = rng.permutation(len(X))
    return Dataset(
        X=X[order],
        Y=y[order, None],
        task="classification",
        name=name,
        class_names=class_names,
        feature_names=("x1", "x2"),
        target_names=("y",),
    )


def note_example(x: float = 1.0, y: float = 0.25) -> Dataset:
    """The note's single training example: one input ``x``, one target ``y``."""
    return Dataset(
        X=np.array([[x]], dtype=np.float64),
        Y=np.array([[y]], dtype=np.float64),
        task="regression",
        name="The note's example",
        feature_names=("x",),
        target_names=("y",),
    )


def note_examples() -> Dataset:
    """The note's chain with several examples, for its average C = (1/n) Σ_k C_k: the note's
    own (x = 1, y = 0.25) first, then three more."""
    return Dataset(
        X=np.array([[1.0], [0.5], [-0.5], [-1.0]]),
        Y=np.array([[0.25], [0.4], [0.6], [0.75]]),
        task="regression",
        name="The note's chain, four examples",
        feature_names=("x",),
        target_names=("y",),
    )


def note_two_outputs() -> Dataset:
    """Four examples with two inputs and two targets, for the note's n_L = 2 output layer."""
    return Dataset(
        X=np.array([[1.0, 0.5], [0.5, -1.0], [-1.0, 0.25], [-0.5, -0.5]]),
        Y=np.array([[0.25, 0.75], [0.8, 0.1], [0.6, 0.4], [0.3, 0.5]]),
        task="regression",
        name="The note's two outputs",
        feature_names=("x1", "x2"),
        target_names=("y1", "y2"),
    )


def xor(n_examples: int = 200, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Points in the four quadrants of [-1, 1]²; class 1 where the signs of x1 and x2 differ.

    As in TensorFlow Playground, points keep a small margin from the axes before Gaussian
    noise (standard deviation ``noise``) is added, so more noise blurs the boundary.
    """
    n, sigma, rng = _generator_start("xor", n_examples, 2, noise, seed)
    margin = 0.05
    points = []
    for c, n_c in enumerate(_class_sizes(n, 2)):
        P = rng.uniform(margin, 1.0, size=(n_c, 2))
        # Class 0: quadrants I and III (same signs); class 1: II and IV (signs differ).
        first = np.where(np.arange(n_c) % 2 == 0, 1.0, -1.0)
        second = first if c == 0 else -first
        P *= np.stack([first, second], axis=1)
        points.append(_jitter(P, sigma, rng))
    return _binary("XOR", points, rng, ("same sign", "signs differ"))


def circles(n_examples: int = 200, noise: float = 0.1, seed: int = 0) -> Dataset:
    """A disc of radius 0.5 (class 1) inside a ring between radius 0.7 and 1 (class 0)."""
    n, sigma, rng = _generator_start("circles", n_examples, 2, noise, seed)
    n_outer, n_inner = _class_sizes(n, 2)
    points = []
    for n_c, (r_lo, r_hi) in ((n_outer, (0.7, 1.0)), (n_inner, (0.0, 0.5))):
        r = rng.uniform(r_lo, r_hi, n_c)
        angle = rng.uniform(0.0, 2.0 * np.pi, n_c)
        P = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)
        points.append(_jitter(P, sigma, rng))
    return _binary("Circles", points, rng, ("outer ring", "inner disc"))


def moons(n_examples: int = 200, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Two interleaving half-moons (upper: class 0, lower: class 1), scaled into [-1, 1]²."""
    n, sigma, rng = _generator_start("moons", n_examples, 2, noise, seed)
    n_upper, n_lower = _class_sizes(n, 2)
    t_upper = rng.uniform(0.0, np.pi, n_upper)
    t_lower = rng.uniform(0.0, np.pi, n_lower)
    upper = np.stack([np.cos(t_upper), np.sin(t_upper)], axis=1)
    lower = np.stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)], axis=1)
    # The pair spans x in [-1, 2], y in [-0.5, 1]; centre it and scale by 1.5.
    centre = np.array([0.5, 0.25])
    points = [_jitter((P - centre) / 1.5, sigma, rng) for P in (upper, lower)]
    return _binary("Moons", points, rng, ("upper moon", "lower moon"))


def spirals(n_examples: int = 200, noise: float = 0.05, seed: int = 0) -> Dataset:
    """Two interleaved spirals of 1.75 turns each, radius 0 to 1 (TensorFlow Playground's)."""
    n, sigma, rng = _generator_start("spirals", n_examples, 2, noise, seed)
    points = []
    for c, n_c in enumerate(_class_sizes(n, 2)):
        r = rng.uniform(0.0, 1.0, n_c)
        angle = 1.75 * 2.0 * np.pi * r + c * np.pi
        P = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
        points.append(_jitter(P, sigma, rng))
    return _binary("Two spirals", points, rng, ("spiral A", "spiral B"))


def blobs(n_examples: int = 300, n_classes: int = 3, noise: float = 0.15, seed: int = 0) -> Dataset:
    """``n_classes`` Gaussian blobs (standard deviation ``noise``) with one-hot targets.

    The centres sit evenly on a circle of radius 0.6, so they do not depend on the seed.
    """
    if isinstance(n_classes, bool) or not isinstance(n_classes, int | np.integer):
        raise BPStudioError(f"blobs: n_classes must be an integer, got {n_classes!r}")
    if not 2 <= n_classes <= 10:
        raise BPStudioError(f"blobs: n_classes must be between 2 and 10, got {n_classes}")
    k = int(n_classes)
    n, sigma, rng = _generator_start("blobs", n_examples, k, noise, seed)
    angles = np.pi / 2 + 2.0 * np.pi * np.arange(k) / k
    centres = 0.6 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    labels = np.repeat(np.arange(k), _class_sizes(n, k))
    X = _jitter(centres[labels], sigma, rng)
    order = rng.permutation(n)
    X, labels = X[order], labels[order]
    names = tuple(f"class {c}" for c in range(k))
    return Dataset(
        X=X,
        Y=np.eye(k)[labels],
        task="classification",
        name=f"{k} blobs",
        class_names=names,
        feature_names=("x1", "x2"),
        target_names=names,
    )


def sine(n_examples: int = 100, noise: float = 0.05, seed: int = 0) -> Dataset:
    """y = sin(x) + noise for x uniform on [-π, π]; the input is x / π, in [-1, 1]."""
    n, sigma, rng = _generator_start("sine", n_examples, 1, noise, seed)
    x = rng.uniform(-np.pi, np.pi, n)
    y = _jitter(np.sin(x), sigma, rng)
    return Dataset(
        X=(x / np.pi)[:, None],
        Y=y[:, None],
        task="regression",
        name="Sine",
        feature_names=("x / π",),
        target_names=("sin x",),
    )


DIGITS_SIZE = 1797


@functools.lru_cache(maxsize=1)
def _digits_arrays() -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
    path = resource_path("data", "digits.npz")
    try:
        with np.load(path, allow_pickle=False) as archive:
            images = np.asarray(archive["images"], dtype=np.uint8)
            labels = np.asarray(archive["labels"], dtype=np.uint8)
    except (OSError, KeyError, ValueError) as exc:
        raise BPStudioError(f"cannot read the bundled digits file {path}: {exc}") from None
    if images.shape != (DIGITS_SIZE, 64) or labels.shape != (DIGITS_SIZE,):
        raise BPStudioError(
            f"{path}: expected images (1797, 64) and labels (1797,), got {images.shape} "
            f"and {labels.shape}"
        )
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


def digits(n_examples: int | None = None, seed: int | None = None) -> Dataset:
    """The 8x8 UCI handwritten digits (1,797 images, 10 classes), pixels scaled to [0, 1].

    Loaded from the bundled ``resources/data/digits.npz``; no network access. ``seed``
    shuffles the rows (``None`` keeps the file's order); ``n_examples`` keeps the first
    rows after shuffling.
    """
    images, labels = _digits_arrays()
    n = DIGITS_SIZE if n_examples is None else _check_size("digits", n_examples, 1, DIGITS_SIZE)
    order = np.arange(DIGITS_SIZE) if seed is None else _rng(seed).permutation(DIGITS_SIZE)
    order = order[:n]
    names = tuple(str(d) for d in range(10))
    return Dataset(
        X=images[order].astype(np.float64) / 16.0,
        Y=np.eye(10)[labels[order]],
        task="classification",
        name="Digits (8x8)",
        class_names=names,
        feature_names=tuple(f"pixel_{r}_{c}" for r in range(8) for c in range(8)),
        target_names=names,
    )


# -- registry -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneratorInfo:
    """What a GUI needs to offer one built-in data set and its controls."""

    name: str
    label: str
    make: Callable[..., Dataset] = field(repr=False)
    task: str
    description: str
    has_size: bool = True
    default_size: int = 200
    min_size: int = 2
    max_size: int = MAX_GENERATED
    has_noise: bool = True
    default_noise: float = 0.1
    has_classes: bool = False
    default_classes: int = 0
    min_classes: int = 0
    max_classes: int = 0
    has_seed: bool = True


def _fixed(
    name: str, label: str, make: Callable[..., Dataset], task: str, description: str, n: int
) -> GeneratorInfo:
    """A generator whose ``n`` examples are fixed: no size, noise or seed to choose."""
    return GeneratorInfo(
        name,
        label,
        make,
        task,
        description,
        has_size=False,
        default_size=n,
        min_size=n,
        max_size=n,
        has_noise=False,
        default_noise=0.0,
        has_seed=False,
    )


GENERATORS: dict[str, GeneratorInfo] = {
    info.name: info
    for info in (
        _fixed(
            "note",
            "The note's example",
            note_example,
            "regression",
            "One input, one target: x = 1, y = 0.25.",
            1,
        ),
        _fixed(
            "note_examples",
            "The note's chain, four examples",
            note_examples,
            "regression",
            "One input, one target, four fixed examples (the note's x = 1, y = 0.25 first).",
            4,
        ),
        _fixed(
            "note_two_outputs",
            "The note's two outputs",
            note_two_outputs,
            "regression",
            "Two inputs, two targets, four fixed examples (for a 2-neuron output layer).",
            4,
        ),
        GeneratorInfo(
            "xor", "XOR", xor, "classification", "Four quadrants; class 1 where signs differ."
        ),
        GeneratorInfo(
            "circles", "Circles", circles, "classification", "An inner disc inside a ring."
        ),
        GeneratorInfo("moons", "Two moons", moons, "classification", "Interleaving half-moons."),
        GeneratorInfo(
            "spirals",
            "Two spirals",
            spirals,
            "classification",
            "Two interleaved spirals.",
            default_noise=0.05,
        ),
        GeneratorInfo(
            "blobs",
            "Gaussian blobs",
            blobs,
            "classification",
            "k Gaussian clusters, one-hot targets.",
            default_size=300,
            default_noise=0.15,
            has_classes=True,
            default_classes=3,
            min_classes=2,
            max_classes=10,
        ),
        GeneratorInfo(
            "sine",
            "Sine curve",
            sine,
            "regression",
            "y = sin(x) on [-π, π].",
            default_size=100,
            min_size=1,
            default_noise=0.05,
        ),
        GeneratorInfo(
            "digits",
            "Digits (8x8)",
            digits,
            "classification",
            "1,797 handwritten digits, 64 pixels, 10 classes (UCI).",
            default_size=DIGITS_SIZE,
            min_size=1,
            max_size=DIGITS_SIZE,
            has_noise=False,
            default_noise=0.0,
        ),
    )
}


def make_dataset(
    name: str,
    n_examples: int | None = None,
    noise: float | None = None,
    seed: int = 0,
    n_classes: int | None = None,
) -> Dataset:
    """Build the built-in data set ``name``; ``None`` arguments take the generator's default."""
    info = lookup(GENERATORS, name, "data set")
    kwargs: dict[str, Any] = {}
    for arg, value, allowed in (
        ("n_examples", n_examples, info.has_size),
        ("noise", noise, info.has_noise),
        ("n_classes", n_classes, info.has_classes),
    ):
        if value is None:
            continue
        if not allowed:
            raise BPStudioError(f"data set {name!r} takes no {arg} (got {value!r})")
        kwargs[arg] = value
    if info.has_seed:
        kwargs["seed"] = seed
    return info.make(**kwargs)
