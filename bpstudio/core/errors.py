"""The one exception type for problems a person has to fix (bad files, shapes, names)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")


class BPStudioError(Exception):
    """A clear, human-readable error: what was wrong, where, and what was expected."""


def lookup(registry: Mapping[str, T], name: str, what: str) -> T:
    """``registry[name]``, or an error naming the unknown ``what`` and every known name."""
    try:
        return registry[name]
    except (KeyError, TypeError):
        known = ", ".join(registry)
        raise BPStudioError(f"unknown {what} {name!r}; expected one of: {known}") from None
