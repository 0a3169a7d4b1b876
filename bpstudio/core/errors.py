"""The one exception type for problems a person has to fix (bad files, shapes, names)."""


class BPStudioError(Exception):
    """A clear, human-readable error: what was wrong, where, and what was expected."""
