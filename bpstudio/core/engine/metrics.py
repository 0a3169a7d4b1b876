"""Classification metrics computed from network outputs and targets."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from bpstudio.core.engine.activations import Array


def predicted_labels(A: Array) -> NDArray[np.intp]:
    """Class per row: argmax for several outputs, a > 0.5 for a single output."""
    if A.shape[1] == 1:
        return (A[:, 0] > 0.5).astype(np.intp)
    return np.argmax(A, axis=1)


def target_labels(Y: Array) -> NDArray[np.intp]:
    """Class per row of one-hot (or single 0/1 column) targets."""
    return predicted_labels(Y)


def accuracy(A: Array, Y: Array) -> float:
    """Fraction of rows whose predicted class equals the target class (NaN for no rows)."""
    if A.shape[0] == 0:
        return float("nan")
    return float(np.mean(predicted_labels(A) == target_labels(Y)))


def confusion_matrix(A: Array, Y: Array, n_classes: int | None = None) -> NDArray[np.int64]:
    """``M[t, p]`` counts rows of true class t predicted as class p; sums to n."""
    k = n_classes or max(2, A.shape[1])
    M = np.zeros((k, k), dtype=np.int64)
    np.add.at(M, (target_labels(Y), predicted_labels(A)), 1)
    return M
