"""Damage for real files: truncations, bit flips, inserted and deleted bytes, spliced text."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from bpstudio.core.errors import BPStudioError

#: reader name -> cases tried / cases that loaded cleanly (the rest were refused)
TRIED: Counter[str] = Counter()
LOADED: Counter[str] = Counter()

#: Values that pass JSON but not a schema, or that stress a parser.
HOSTILE_TEXT = [
    "NaN",
    "-Infinity",
    "1e400",
    "9" * 5000,
    "[" * 3000,
    "2.5",
    '"7"',
    "-1",
    "1e100",
    "true",
    "null",
    "{}",
    "[]",
    '"' + "x" * 300_000 + '"',
]


@st.composite
def damaged(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with one to three random kinds of damage."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "zero"]))
        if not out:
            break
        at = draw(st.integers(0, len(out) - 1))
        if kind == "truncate":
            del out[at:]
        elif kind == "flip":
            out[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del out[at : at + draw(st.integers(1, 64))]
        else:
            out[at : at + 8] = bytes(min(8, len(out) - at))
    return bytes(out)


#: Values that a field of a JSON document may be replaced with.
HOSTILE_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    2.5,
    1e100,
    10**30,
    2**53 + 1,
    "",
    "x" * 5000,
    [],
    {},
    [[[[1]]]],
    {"a": 1},
    [1, 2, 3],
    0.0,
    1e-300,
]


#: Fresh copies, so that a later mutation never edits the list above.
hostile_values = st.sampled_from(HOSTILE_VALUES).map(lambda v: json.loads(json.dumps(v)))


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a member of a parsed JSON document (the root excluded)."""
    out: list[tuple[Any, ...]] = []
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, child in items:
        out.append((*prefix, key))
        out.extend(_paths(child, (*prefix, key)))
    return out


@st.composite
def mutated_document(draw: st.DrawFn, document: Any) -> Any:
    """A deep copy of ``document`` with one to three members replaced, deleted or added."""
    doc = json.loads(json.dumps(document))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "seed", "step", "zoom"]))] = draw(hostile_values)
        else:
            parent[path[-1]] = draw(hostile_values)
    return doc


@st.composite
def spliced_text(draw: st.DrawFn, text: str, pieces: list[str]) -> str:
    """``text`` with hostile pieces written over, inserted into or cut from it."""
    out = text
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(out)))
        piece = draw(st.sampled_from(pieces))
        if draw(st.booleans()):
            out = out[:at] + piece + out[at + draw(st.integers(0, 20)) :]
        else:
            out = out[:at] + piece + out[at:]
    return out


def outcome(reader: str, load: Callable[[], Any]) -> Any:
    """Run ``load``: a value, or None after a one-line BPStudioError; nothing else escapes."""
    TRIED[reader] += 1
    try:
        value = load()
    except BPStudioError as exc:
        refusal = str(exc)
    else:
        LOADED[reader] += 1
        return value
    assert "\n" not in refusal, refusal[:300]
    return None
