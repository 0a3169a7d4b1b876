"""How much memory training a network needs, estimated before any array is allocated.

A command line such as ``--layers 2,100000,100000,1`` asks for 10^10 weights (80 GB in
float64); allocating them fails late, with NumPy's multi-line ``MemoryError`` or the system
killing the process. :func:`check_training_memory` refuses such a network up front and says
what it would need.
"""

from __future__ import annotations

import os

import numpy as np

from bpstudio.core.engine.network import NetworkSpec
from bpstudio.core.errors import BPStudioError

#: Copies of the parameter vector alive while training: W and b, ∇C, two optimiser buffers
#: (Adam's moments or momentum's velocity) and one snapshot.
PARAMETER_COPIES = 5
#: Arrays of shape (batch, n_l) per layer in a forward and backward pass: Z, A, G_A, G_Z.
TRACE_ARRAYS = 4


def training_bytes(spec: NetworkSpec, n_examples: int, batch_size: int) -> int:
    """Bytes of the parameters, their gradients and optimiser state, and the batch's trace.

    Evaluation over all ``n_examples`` keeps two layers' activations, ``(n, n_l)``, at once.
    """
    itemsize = np.dtype(spec.np_dtype).itemsize
    widest = max(spec.layer_sizes)
    parameters = PARAMETER_COPIES * spec.parameter_count
    trace = TRACE_ARRAYS * max(batch_size, 1) * sum(spec.layer_sizes)
    evaluation = 2 * max(n_examples, 1) * widest
    return itemsize * (parameters + trace + evaluation)


def physical_memory() -> int | None:
    """Bytes of RAM in this computer, or None where the system does not say."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def format_bytes(n: float) -> str:
    """``1.5 GB``: decimal units, as people read memory sizes."""
    for unit in ("bytes", "kB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def check_training_memory(
    spec: NetworkSpec, n_examples: int, batch_size: int, available: int | None = None
) -> int:
    """The estimate of :func:`training_bytes`; raises if it exceeds ``available`` (default RAM)."""
    needed = training_bytes(spec, n_examples, batch_size)
    limit = physical_memory() if available is None else available
    if limit is not None and needed > limit:
        sizes = "-".join(str(n) for n in spec.layer_sizes)
        raise BPStudioError(
            f"the network {sizes} has {spec.parameter_count:,} parameters and would need about "
            f"{format_bytes(needed)} of memory to train; this computer has {format_bytes(limit)}"
        )
    return needed
