"""The one JSON reader for files: finite numbers only, bounded size, depth and digits.

Python's :func:`json.loads` accepts ``NaN`` and ``Infinity``, turns ``1e400`` into
infinity, parses integers of any length (thousands of digits take quadratic time, and past
Python's limit raise ``ValueError``), and recurses once per nesting level (``RecursionError``
for ``[[[[...]]]]``). :func:`load_json` refuses all of these with a :class:`BPStudioError`
naming the file, so every reader (projects, weight files, archive metadata) gets the same
guarantees from one place.
"""

from __future__ import annotations

import json
import math
from typing import Any

from bpstudio.core.errors import BPStudioError

#: Larger documents are refused before parsing (projects hold a few MB at most).
MAX_JSON_BYTES = 64 << 20
#: Nesting deeper than this is refused (the deepest document written is 4 levels).
MAX_DEPTH = 32
#: Integers with more digits than this are refused (counts fit in 2**63 with 19 digits).
MAX_INT_DIGITS = 30


class _Refused(ValueError):
    """Raised inside the parser's hooks; reported without the parser's position text."""


def _reject_constant(name: str) -> Any:
    raise _Refused(f"{name} is not allowed; numbers must be finite")


def _parse_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise _Refused(f"an integer with {digits} digits is too long (at most {MAX_INT_DIGITS})")
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        shown = text if len(text) <= 24 else text[:20] + "..."
        raise _Refused(f"the number {shown} is out of range")
    return value


def _depth(value: Any) -> int:
    """Nesting depth of a parsed document (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        depth += 1
        if depth > deepest:
            deepest = depth
            if deepest > MAX_DEPTH:
                return deepest
        stack.extend((child, depth) for child in children if isinstance(child, dict | list))
    return deepest


def load_json(
    data: str | bytes, where: str, *, what: str = "JSON", max_bytes: int = MAX_JSON_BYTES
) -> Any:
    """Parse ``data`` (UTF-8 bytes or text) with the limits of this module.

    ``where`` names the file (and member) in messages; ``what`` names the document
    ("project.json", "the metadata"). Raises :class:`BPStudioError` for anything refused.
    """
    if len(data) > max_bytes:
        raise BPStudioError(
            f"{where}: {what} is {len(data):,} bytes, more than the {max_bytes:,} allowed"
        )
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BPStudioError(
                f"{where}: {what} is not UTF-8 text (byte offset {exc.start})"
            ) from None
    else:
        text = data
    try:
        value = json.loads(
            text,
            parse_constant=_reject_constant,
            parse_int=_parse_int,
            parse_float=_parse_float,
        )
    except _Refused as exc:
        raise BPStudioError(f"{where}: {what} is refused: {exc}") from None
    except RecursionError:
        raise BPStudioError(
            f"{where}: {what} is nested too deeply (at most {MAX_DEPTH} levels)"
        ) from None
    except ValueError as exc:  # json.JSONDecodeError and the int digit limit
        raise BPStudioError(f"{where}: {what} is not valid JSON ({exc})") from None
    if _depth(value) > MAX_DEPTH:
        raise BPStudioError(f"{where}: {what} is nested too deeply (at most {MAX_DEPTH} levels)")
    return value
