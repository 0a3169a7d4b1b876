"""Weight initialisation schemes, in one registry; seeded and reproducible.

Each scheme draws ``W : (n_l, n_{l-1})`` for one layer from a ``numpy.random.Generator``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bpstudio.core.engine.activations import Array
from bpstudio.core.errors import lookup

#: (rng, fan_out, fan_in) -> (W, b)
Initializer = Callable[[np.random.Generator, int, int], tuple[Array, Array]]


def _uniform(rng: np.random.Generator, fan_out: int, fan_in: int) -> tuple[Array, Array]:
    return rng.uniform(-1.0, 1.0, (fan_out, fan_in)), rng.uniform(-1.0, 1.0, fan_out)


def _normal(rng: np.random.Generator, fan_out: int, fan_in: int) -> tuple[Array, Array]:
    return rng.normal(0.0, 1.0, (fan_out, fan_in)), rng.normal(0.0, 1.0, fan_out)


def _xavier(rng: np.random.Generator, fan_out: int, fan_in: int) -> tuple[Array, Array]:
    # Glorot & Bengio (2010): U(-r, r) with r = sqrt(6 / (fan_in + fan_out)).
    r = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-r, r, (fan_out, fan_in)), np.zeros(fan_out)


def _he(rng: np.random.Generator, fan_out: int, fan_in: int) -> tuple[Array, Array]:
    # He et al. (2015): N(0, 2 / fan_in), made for ReLU layers.
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), (fan_out, fan_in)), np.zeros(fan_out)


def _zeros(_rng: np.random.Generator, fan_out: int, fan_in: int) -> tuple[Array, Array]:
    return np.zeros((fan_out, fan_in)), np.zeros(fan_out)


INITIALIZERS: dict[str, Initializer] = {
    "xavier": _xavier,
    "he": _he,
    "uniform": _uniform,
    "normal": _normal,
    "zeros": _zeros,
}

INITIALIZER_LABELS: dict[str, str] = {
    "xavier": "Xavier / Glorot uniform (biases 0)",
    "he": "He normal (biases 0)",
    "uniform": "Uniform(-1, 1) (weights and biases)",
    "normal": "Normal(0, 1) (weights and biases)",
    "zeros": "Zeros",
}


def get_initializer(name: str) -> Initializer:
    """Look a scheme up by name, with a clear error for unknown names."""
    return lookup(INITIALIZERS, name, "initialisation")
