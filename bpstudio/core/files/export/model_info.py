"""What an export says besides the numbers: how raw inputs are prepared, what outputs mean.

A network trained with "Standardise the inputs" sees ``(x - mean) / std`` with the training
split's statistics, never the raw ``x`` a user has. :class:`ModelInfo` carries those
statistics (a :class:`~bpstudio.core.data.csv_data.Standardizer`) together with the task and
the names of the inputs, classes and outputs to every exporter, so each format can apply the
preprocessing where it runs code and say what its outputs are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from bpstudio.core.data.csv_data import Standardizer
from bpstudio.core.data.datasets import Dataset
from bpstudio.core.data.source import DataSource, fit_standardizer
from bpstudio.core.engine.activations import Array
from bpstudio.core.engine.backprop import predict
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.errors import BPStudioError

#: ``task`` values an export can state; "unknown" when the data is not known.
EXPORT_TASKS: tuple[str, ...] = ("classification", "regression", "unknown")

#: ``input_preprocessing`` values: what to do to a raw input before the first layer.
PREPROCESSING_KINDS: tuple[str, ...] = ("none", "standardize")

#: Names of the stored statistics, the same in every format (arrays, fields, initializers,
#: tensors, buffers): the network's input is ``(x - input_mean) / input_std``.
MEAN_NAME = "input_mean"
STD_NAME = "input_std"


@dataclass(frozen=True)
class ModelInfo:
    """The input preprocessing and the meaning of the outputs of an exported network.

    Attributes
    ----------
    standardizer : the training statistics, or None when the inputs are used raw
    task : one of :data:`EXPORT_TASKS`
    feature_names : (d0,) names of the inputs in column order, or empty
    class_names : the classes (classification): one per output column, or two for a single
        sigmoid output whose value is the probability of ``class_names[1]``
    output_names : (n_L,) a name per output column (class or target names), or empty
    """

    standardizer: Standardizer | None = None
    task: str = "unknown"
    feature_names: tuple[str, ...] = ()
    class_names: tuple[str, ...] = ()
    output_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.task not in EXPORT_TASKS:
            raise BPStudioError(
                f"unknown task {self.task!r}; expected one of: {', '.join(EXPORT_TASKS)}"
            )
        for attr in ("feature_names", "class_names", "output_names"):
            names = getattr(self, attr)
            if isinstance(names, str) or not all(isinstance(n, str) for n in names):
                raise BPStudioError(f"{attr} must be a list of strings, got {names!r}")
            object.__setattr__(self, attr, tuple(names))

    @property
    def preprocessing(self) -> str:
        """``"standardize"`` or ``"none"``."""
        return "none" if self.standardizer is None else "standardize"

    def check(self, spec: NetworkSpec, source: str = "") -> ModelInfo:
        """``self`` after checking every length against ``spec``; errors name ``source``."""
        where = f"{source}: " if source else ""
        d0, n_out = spec.input_size, spec.output_size
        if self.standardizer is not None and self.standardizer.n_features != d0:
            raise BPStudioError(
                f"{where}{MEAN_NAME} and {STD_NAME} have {self.standardizer.n_features} values, "
                f"expected {d0} (one per input)"
            )
        if self.feature_names and len(self.feature_names) != d0:
            raise BPStudioError(f"{where}{len(self.feature_names)} feature names for {d0} inputs")
        if self.output_names and len(self.output_names) != n_out:
            raise BPStudioError(f"{where}{len(self.output_names)} output names for {n_out} outputs")
        expected_classes = 2 if n_out == 1 else n_out
        if self.class_names and len(self.class_names) != expected_classes:
            raise BPStudioError(
                f"{where}{len(self.class_names)} class names for a network with {n_out} "
                f"output{'s' if n_out > 1 else ''} (expected {expected_classes})"
            )
        return self

    def prepare(self, X: ArrayLike) -> Array:
        """Raw inputs ``X : (n, d0)`` as the network sees them, float64."""
        raw = np.asarray(X, dtype=np.float64)
        if self.standardizer is None:
            return raw
        return self.standardizer.transform(raw)

    def header_fields(self) -> dict[str, Any]:
        """The JSON-ready fields every format's header stores (the statistics go elsewhere)."""
        return {
            "task": self.task,
            "feature_names": list(self.feature_names),
            "class_names": list(self.class_names),
            "output_names": list(self.output_names),
            "input_preprocessing": self.preprocessing,
        }

    @classmethod
    def from_header(
        cls,
        head: Mapping[str, Any],
        standardizer: Standardizer | None,
        source: str,
    ) -> ModelInfo:
        """The info stored by :meth:`header_fields` (every field optional: version 1 files
        have none) plus the statistics read from the format's own arrays."""
        kind = head.get("input_preprocessing", "none")
        if kind not in PREPROCESSING_KINDS:
            raise BPStudioError(
                f"{source}: input_preprocessing {kind!r} is not one of: "
                f"{', '.join(PREPROCESSING_KINDS)}"
            )
        if kind == "standardize" and standardizer is None:
            raise BPStudioError(
                f"{source}: input_preprocessing is 'standardize' but {MEAN_NAME} and "
                f"{STD_NAME} are missing"
            )
        if kind == "none" and standardizer is not None:
            raise BPStudioError(
                f"{source}: {MEAN_NAME} and {STD_NAME} are present but input_preprocessing "
                "is 'none'"
            )
        fields: dict[str, Any] = {}
        for key in ("feature_names", "class_names", "output_names"):
            names = head.get(key, [])
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise BPStudioError(f"{source}: {key} must be a list of strings, got {names!r}")
            fields[key] = tuple(names)
        task = head.get("task", "unknown")
        if task not in EXPORT_TASKS:
            raise BPStudioError(f"{source}: task {task!r} is not one of: {', '.join(EXPORT_TASKS)}")
        return cls(standardizer, task, **fields)


def standardizer_from_arrays(mean: Any, std: Any, source: str) -> Standardizer:
    """The statistics stored as ``input_mean`` / ``input_std``, checked (1-D, finite, std > 0)."""
    m, s = np.asarray(mean), np.asarray(std)
    for name, arr in ((MEAN_NAME, m), (STD_NAME, s)):
        if arr.dtype.kind not in "fiu" or arr.ndim != 1:
            raise BPStudioError(
                f"{source}: {name} must be a 1-D array of numbers, got {arr.dtype} {arr.shape}"
            )
    try:
        return Standardizer(m.astype(np.float64), s.astype(np.float64))
    except BPStudioError as exc:
        raise BPStudioError(f"{source}: {exc}") from None


def info_for_data(spec: NetworkSpec, source: DataSource, examples: Dataset | None) -> ModelInfo:
    """What an export of a network trained on ``source`` should say.

    ``examples`` are all the examples of ``source`` before the split (None when they cannot
    be read). The statistics are the ones training used (fitted on the training split). A
    network that does not fit the data keeps no names; if its inputs were standardised with
    statistics that cannot be known, that is an error, never a silent omission.
    """
    if examples is None or examples.n_inputs != spec.input_size:
        if source.standardize:
            found = "cannot be read" if examples is None else f"has {examples.n_inputs} inputs"
            raise BPStudioError(
                f"the inputs are standardised with statistics of the data ({source.describe()}), "
                f"which {found}; the {spec.input_size}-input network cannot be exported "
                "without them"
            )
        return ModelInfo()
    standardizer = fit_standardizer(source, examples)
    if examples.n_outputs != spec.output_size:
        return ModelInfo(standardizer, feature_names=examples.feature_names)
    if examples.is_classification:
        classes = examples.class_names
        outputs = classes[1:] if spec.output_size == 1 and classes else classes
        return ModelInfo(standardizer, "classification", examples.feature_names, classes, outputs)
    return ModelInfo(
        standardizer, "regression", examples.feature_names, output_names=examples.target_names
    )


def predict_raw(spec: NetworkSpec, params: Params, info: ModelInfo, X: ArrayLike) -> Array:
    """What the app predicts for raw inputs ``X : (n, d0)``: the preprocessing, then a^(L)."""
    return predict(spec, params, info.prepare(X).astype(spec.np_dtype))


def verification_inputs(
    spec: NetworkSpec,
    info: ModelInfo,
    data: ArrayLike | None = None,
    *,
    n: int = 64,
    rng_seed: int = 0,
) -> Array:
    """Raw inputs ``(m, d0)`` a user would feed: up to ``n`` rows of ``data``, then ``n``
    random rows spread over the inputs' scale (mean ± 3 std when standardised, else
    [-3, 3)), rounded to float32 so float32 and float64 models see identical numbers."""
    rng = np.random.default_rng(rng_seed)
    U = rng.uniform(-3.0, 3.0, (n, spec.input_size))
    if info.standardizer is not None:
        U = info.standardizer.inverse_transform(U)
    rows = [U]
    if data is not None:
        given = np.asarray(data, dtype=np.float64)
        if given.ndim != 2 or given.shape[1] != spec.input_size:
            raise BPStudioError(
                f"verification data has shape {given.shape}, expected (n, {spec.input_size})"
            )
        rows.insert(0, given[:n])
    X = np.concatenate(rows)
    out: Array = X.astype(np.float32).astype(np.float64)
    return out
