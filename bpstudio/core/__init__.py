"""The Qt-free core of Backprop Studio: pure NumPy and the standard library.

Nothing in this package imports Qt; a test keeps it that way.
"""

from bpstudio.core.errors import BPStudioError

__all__ = ["BPStudioError"]
