"""The schema of ``project.json``: every field's type, range and finiteness, checked on load.

The document is first parsed by :func:`~bpstudio.core.files.safe_json.load_json` (finite
numbers, bounded depth and digits); :func:`validate_project_json` then checks each section
against the table below before any object is built from it, so a value that would only fail
later (a fractional batch size reaching the training process, a step count of 1e100 reaching
a plot axis) is refused when the file is opened, with a message naming the field.

The closed sections (network, hyperparameters, data, training, history) refuse unknown
fields; ``view`` and the top level accept fields this version does not know, provided the
known ones are valid.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any

from bpstudio.core.errors import BPStudioError
from bpstudio.core.training.history import SERIES_NAMES
from bpstudio.core.training.hyperparams import MAX_SEED

FORMAT_NAME = "bpstudio-project"
FORMAT_VERSION = 1

#: Step and epoch counts stay exact in a float64 (plot axes, the history's x values).
MAX_COUNT = 2**53
#: Largest finite float64: numbers only need to be finite unless a range says more.
BIG = sys.float_info.max
MAX_LAYERS = 1000
MAX_NEURONS = 2**31 - 1
MAX_EXAMPLES = 10_000_000
MAX_CLASSES = 1000
#: Points per history series (the series keep 4096; a few more are tolerated).
MAX_SERIES_POINTS = 100_000
MAX_TEXT = 4096

Check = Callable[[Any, str], None]


class SchemaError(BPStudioError):
    """A field of project.json that is missing, of the wrong type or out of range."""


def _fail(field: str, expected: str, value: Any) -> SchemaError:
    shown = repr(value)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return SchemaError(f"project.json field {field!r} must be {expected}, got {shown}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def integer(lo: int, hi: int) -> Check:
    def check(value: Any, field: str) -> None:
        if not _is_int(value) or not lo <= value <= hi:
            raise _fail(field, f"a whole number from {lo:,} to {hi:,}", value)

    return check


def number(lo: float, hi: float, *, hi_open: bool = False, lo_open: bool = False) -> Check:
    left, right = "(" if lo_open else "[", ")" if hi_open else "]"

    def check(value: Any, field: str) -> None:
        ok = _is_number(value) and (lo < value if lo_open else lo <= value)
        ok = ok and (value < hi if hi_open else value <= hi)
        if not ok:
            raise _fail(field, f"a finite number in {left}{lo:g}, {hi:g}{right}", value)

    return check


def text(max_len: int = MAX_TEXT) -> Check:
    def check(value: Any, field: str) -> None:
        if not isinstance(value, str) or len(value) > max_len:
            raise _fail(field, f"a string of at most {max_len:,} characters", value)

    return check


def boolean(value: Any, field: str) -> None:
    if not isinstance(value, bool):
        raise _fail(field, "true or false", value)


def optional(check: Check) -> Check:
    def wrapped(value: Any, field: str) -> None:
        if value is not None:
            check(value, field)

    return wrapped


def list_of(item: Check, min_len: int, max_len: int) -> Check:
    def check(value: Any, field: str) -> None:
        if not isinstance(value, list) or not min_len <= len(value) <= max_len:
            raise _fail(field, f"a list of {min_len} to {max_len:,} entries", value)
        for i, entry in enumerate(value):
            item(entry, f"{field}[{i}]")

    return check


def sha256_text(value: Any, field: str) -> None:
    if not isinstance(value, str) or (
        value and (len(value) != 64 or any(c not in "0123456789abcdef" for c in value))
    ):
        raise _fail(field, "empty or 64 lowercase hexadecimal digits", value)


NETWORK: dict[str, Check] = {
    "layer_sizes": list_of(integer(1, MAX_NEURONS), 2, MAX_LAYERS + 1),
    "activations": list_of(text(64), 1, MAX_LAYERS),
    "loss": text(64),
    "dtype": text(16),
}
HYPERPARAMETERS: dict[str, Check] = {
    "learning_rate": number(0.0, BIG, lo_open=True),
    "batch_size": integer(1, MAX_COUNT),
    "optimizer": text(64),
    "momentum": number(0.0, 1.0, hi_open=True),
    "nesterov": boolean,
    "beta1": number(0.0, 1.0, hi_open=True),
    "beta2": number(0.0, 1.0, hi_open=True),
    "eps": number(0.0, BIG, lo_open=True),
    "l1": number(0.0, BIG),
    "l2": number(0.0, BIG),
    "schedule": text(64),
    "schedule_every": integer(1, MAX_COUNT),
    "schedule_factor": number(0.0, 1.0, lo_open=True),
    "schedule_rate": number(0.0, BIG, lo_open=True),
    "seed": integer(0, MAX_SEED),
    "shuffle": boolean,
}
DATA: dict[str, Check] = {
    "kind": text(16),
    "name": text(256),
    "n_examples": optional(integer(1, MAX_EXAMPLES)),
    "noise": optional(number(0.0, BIG)),
    "n_classes": optional(integer(1, MAX_CLASSES)),
    "seed": integer(0, MAX_SEED),
    "validation_fraction": number(0.0, 1.0, hi_open=True),
    "path": text(),
    "sha256": sha256_text,
    "label_column": optional(text()),
    "target_columns": list_of(text(), 0, 10_000),
    "standardize": boolean,
    "delimiter": optional(text(1)),
    "has_header": optional(boolean),
}
TRAINING: dict[str, Check] = {
    "step": integer(0, MAX_COUNT),
    "epoch": integer(0, MAX_COUNT),
    "examples_seen": integer(0, MAX_EXAMPLES),
    "gradient_step": integer(1, MAX_COUNT),
    "gradient_examples": integer(1, MAX_EXAMPLES),
}
SERIES: dict[str, Check] = {
    "x": list_of(number(0.0, MAX_COUNT), 0, MAX_SERIES_POINTS),
    "y": list_of(number(-BIG, BIG), 0, MAX_SERIES_POINTS),
    "count": integer(0, MAX_COUNT),
}
VIEW: dict[str, Check] = {
    "zoom": number(0.0, BIG, lo_open=True),
    "center": list_of(number(-BIG, BIG), 2, 2),
    "fit": boolean,
    "expanded": list_of(integer(0, MAX_LAYERS), 0, MAX_LAYERS + 1),
    "edge_mode": text(32),
}
HISTORY_SERIES = SERIES_NAMES  # the history's own list: one place names the series


def _section(document: Mapping[str, Any], name: str, required: bool = False) -> dict[str, Any]:
    if name not in document:
        if required:
            raise SchemaError(f"project.json has no {name!r} section")
        return {}
    value = document[name]
    if not isinstance(value, dict):
        raise _fail(name, "a JSON object", value)
    return value


def _fields(
    section: Mapping[str, Any], prefix: str, table: Mapping[str, Check], closed: bool
) -> None:
    if closed:
        unknown = sorted(set(section) - set(table))
        if unknown:
            raise SchemaError(
                f"project.json section {prefix!r} has unknown fields: {', '.join(unknown)[:80]}"
            )
    for key, check in table.items():
        if key in section:
            check(section[key], f"{prefix}.{key}")


def validate_project_json(document: Any) -> None:
    """Raise :class:`SchemaError` unless ``document`` is a valid version-1 project.json.

    Checks what JSON can say (types, ranges, lengths); the consistency of the fields with
    each other (activation names, the arrays' shapes) is left to the objects built from them.
    """
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise SchemaError("not a Backprop Studio project file")
    version = document.get("version")
    if version != FORMAT_VERSION or not _is_int(version):
        raise SchemaError(
            f"project format version {repr(version)[:20]} is not supported; this "
            f"Backprop Studio reads version {FORMAT_VERSION}. A newer version of the app may "
            "open it."
        )
    if "written_by" in document:
        text(256)(document["written_by"], "written_by")
    network = _section(document, "network", required=True)
    for key in ("layer_sizes", "activations"):
        if key not in network:
            raise SchemaError(f"project.json field 'network.{key}' is missing")
    _fields(network, "network", NETWORK, closed=True)
    _fields(_section(document, "hyperparameters"), "hyperparameters", HYPERPARAMETERS, True)
    _fields(_section(document, "data"), "data", DATA, closed=True)
    _fields(_section(document, "training"), "training", TRAINING, closed=True)
    history = _section(document, "history")
    unknown = sorted(set(history) - set(HISTORY_SERIES))
    if unknown:
        raise SchemaError(f"project.json has unknown history series: {', '.join(unknown)[:80]}")
    for name, series in history.items():
        if not isinstance(series, dict):
            raise _fail(f"history.{name}", "a JSON object", series)
        _fields(series, f"history.{name}", SERIES, closed=True)
        if len(series.get("x", [])) != len(series.get("y", [])):
            raise SchemaError(f"project.json history.{name} has different numbers of x and y")
    _fields(_section(document, "view"), "view", VIEW, closed=False)
