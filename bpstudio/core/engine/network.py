"""The network: its shape (:class:`NetworkSpec`, frozen) and its numbers (:class:`Params`).

Layout and names follow ``docs/calculus.md``. Layer ``l`` runs from 1 to L; layer 0 is the input.
``Params.W[l - 1]`` is the matrix of layer l, shape (n_l, n_{l-1}), row j holding the weights
into neuron j, so ``W[l - 1][j, k]`` is w_jk^(l). ``Params.b[l - 1]`` has shape (n_l,).
Serialised names are 1-based as in the note: ``W1, b1, W2, b2, ...``; one parameter's
address is a :class:`~bpstudio.core.engine.address.ParamRef`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from bpstudio.core.engine.activations import ACTIVATIONS, Activation, Array, get_activation
from bpstudio.core.engine.address import array_name
from bpstudio.core.engine.init import get_initializer
from bpstudio.core.engine.losses import Loss, get_loss
from bpstudio.core.errors import BPStudioError

DTYPES: dict[str, type[np.floating]] = {"float64": np.float64, "float32": np.float32}


@dataclass(frozen=True)
class NetworkSpec:
    """The shape of a layered, fully connected network.

    Attributes
    ----------
    layer_sizes : (d0, n1, ..., nL)
        Neurons per layer, input first.
    activations : (f1, ..., fL)
        Activation name of every non-input layer (keys of ``ACTIVATIONS``).
    loss : str
        Cost name (keys of ``LOSSES``); ``squared_error`` is the note's C0.
    dtype : "float64" or "float32"
    """

    layer_sizes: tuple[int, ...]
    activations: tuple[str, ...]
    loss: str = "squared_error"
    dtype: str = "float64"

    def __post_init__(self) -> None:
        object.__setattr__(self, "layer_sizes", tuple(int(n) for n in self.layer_sizes))
        object.__setattr__(self, "activations", tuple(str(a) for a in self.activations))
        if len(self.layer_sizes) < 2:
            raise BPStudioError("a network needs at least an input and an output layer")
        if any(n < 1 for n in self.layer_sizes):
            raise BPStudioError(f"every layer needs at least one neuron, got {self.layer_sizes}")
        if len(self.activations) != len(self.layer_sizes) - 1:
            raise BPStudioError(
                f"expected {len(self.layer_sizes) - 1} activations (one per non-input layer), "
                f"got {len(self.activations)}"
            )
        for name in self.activations:
            get_activation(name)
        if "softmax" in self.activations[:-1]:
            raise BPStudioError("softmax is only allowed on the output layer")
        get_loss(self.loss).check_output(get_activation(self.activations[-1]))
        if self.dtype not in DTYPES:
            raise BPStudioError(f"unknown dtype {self.dtype!r}; expected float64 or float32")

    @classmethod
    def build(
        cls,
        layer_sizes: Sequence[int],
        activation: str = "sigmoid",
        output_activation: str | None = None,
        loss: str = "squared_error",
        dtype: str = "float64",
    ) -> NetworkSpec:
        """A spec with one activation for the hidden layers and one for the output."""
        n_layers = len(layer_sizes) - 1
        out = output_activation or activation
        return cls(tuple(layer_sizes), (activation,) * (n_layers - 1) + (out,), loss, dtype)

    # -- reading ---------------------------------------------------------------------------

    @property
    def n_layers(self) -> int:
        """L, the number of layers with weights (the input layer is not counted)."""
        return len(self.layer_sizes) - 1

    @property
    def input_size(self) -> int:
        return self.layer_sizes[0]

    @property
    def output_size(self) -> int:
        return self.layer_sizes[-1]

    @property
    def np_dtype(self) -> type[np.floating]:
        return DTYPES[self.dtype]

    def activation(self, layer: int) -> Activation:
        """The activation object of layer ``layer`` (1..L)."""
        return ACTIVATIONS[self.activations[layer - 1]]

    @property
    def output_activation(self) -> Activation:
        return self.activation(self.n_layers)

    @property
    def loss_fn(self) -> Loss:
        return get_loss(self.loss)

    @property
    def parameter_count(self) -> int:
        sizes = self.layer_sizes
        return sum(sizes[i + 1] * (sizes[i] + 1) for i in range(self.n_layers))

    def shapes(self) -> Iterator[tuple[tuple[int, int], tuple[int]]]:
        """(W shape, b shape) for layers 1..L."""
        for l in range(1, self.n_layers + 1):
            yield (self.layer_sizes[l], self.layer_sizes[l - 1]), (self.layer_sizes[l],)

    def describe(self) -> str:
        """``2-4-1 (tanh, sigmoid; cross_entropy)``."""
        sizes = "-".join(str(n) for n in self.layer_sizes)
        return f"{sizes} ({', '.join(self.activations)}; {self.loss})"

    # -- editing (each returns a new spec) ---------------------------------------------------

    def with_changes(self, **changes: Any) -> NetworkSpec:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer_sizes": list(self.layer_sizes),
            "activations": list(self.activations),
            "loss": self.loss,
            "dtype": self.dtype,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NetworkSpec:
        try:
            return cls(
                tuple(data["layer_sizes"]),
                tuple(data["activations"]),
                str(data.get("loss", "squared_error")),
                str(data.get("dtype", "float64")),
            )
        except KeyError as exc:
            raise BPStudioError(
                f"network description is missing the field {exc.args[0]!r}"
            ) from None
        except (TypeError, ValueError) as exc:
            raise BPStudioError(f"network description is malformed: {exc}") from None


@dataclass
class Params:
    """Weights and biases, one array per layer (index ``l - 1`` for layer l)."""

    W: list[Array] = field(default_factory=list)
    b: list[Array] = field(default_factory=list)

    @property
    def n_layers(self) -> int:
        return len(self.W)

    def copy(self) -> Params:
        return Params([w.copy() for w in self.W], [v.copy() for v in self.b])

    def astype(self, dtype: type[np.floating] | str) -> Params:
        return Params([w.astype(dtype) for w in self.W], [v.astype(dtype) for v in self.b])

    def arrays(self) -> Iterator[Array]:
        """Arrays in the order of the gradient vector ∇C: W1, b1, W2, b2, ..."""
        for w, v in zip(self.W, self.b, strict=True):
            yield w
            yield v

    def named(self) -> dict[str, Array]:
        """``{"W1": ..., "b1": ..., ...}`` in ∇C order."""
        out: dict[str, Array] = {}
        for l, (w, v) in enumerate(zip(self.W, self.b, strict=True), start=1):
            out[array_name("w", l)] = w
            out[array_name("b", l)] = v
        return out

    def vector(self) -> Array:
        """Every parameter in one flat vector, in the order of ∇C."""
        return np.concatenate([a.ravel() for a in self.arrays()])

    @classmethod
    def from_vector(cls, spec: NetworkSpec, vector: Array) -> Params:
        """The inverse of :meth:`vector`."""
        if vector.shape != (spec.parameter_count,):
            raise BPStudioError(
                f"expected a vector of {spec.parameter_count} parameters, got shape {vector.shape}"
            )
        W: list[Array] = []
        b: list[Array] = []
        i = 0
        for w_shape, b_shape in spec.shapes():
            size = w_shape[0] * w_shape[1]
            W.append(vector[i : i + size].reshape(w_shape).copy())
            i += size
            b.append(vector[i : i + b_shape[0]].copy())
            i += b_shape[0]
        return cls(W, b)

    @classmethod
    def from_named(cls, spec: NetworkSpec, arrays: Mapping[str, Any], source: str = "") -> Params:
        """Params from ``{"W1": ..., "b1": ...}``, checked against ``spec``."""
        where = f"{source}: " if source else ""
        extra = sorted(set(arrays) - {n for n in _names(spec)})
        if extra:
            raise BPStudioError(f"{where}unexpected arrays {extra} for a {spec.describe()} network")
        W: list[Array] = []
        b: list[Array] = []
        for l, (w_shape, b_shape) in enumerate(spec.shapes(), start=1):
            for name, shape, dest in (
                (array_name("w", l), w_shape, W),
                (array_name("b", l), b_shape, b),
            ):
                if name not in arrays:
                    raise BPStudioError(f"{where}missing array {name!r} (expected shape {shape})")
                arr = np.asarray(arrays[name], dtype=spec.np_dtype)
                if arr.shape != shape:
                    raise BPStudioError(
                        f"{where}{name} has shape {arr.shape}, expected {shape} "
                        f"for a {spec.describe()} network"
                    )
                if not np.all(np.isfinite(arr)):
                    raise BPStudioError(f"{where}{name} contains NaN or infinite values")
                dest.append(arr.copy())
        return cls(W, b)

    def check(self, spec: NetworkSpec) -> None:
        """Raise :class:`BPStudioError` unless every array has the shape ``spec`` asks for."""
        Params.from_named(spec, self.named())

    def allclose(self, other: Params, rtol: float = 0.0, atol: float = 0.0) -> bool:
        if self.n_layers != other.n_layers:
            return False
        return all(
            a.shape == o.shape and np.allclose(a, o, rtol=rtol, atol=atol)
            for a, o in zip(self.arrays(), other.arrays(), strict=True)
        )


def _names(spec: NetworkSpec) -> Iterator[str]:
    for l in range(1, spec.n_layers + 1):
        yield array_name("w", l)
        yield array_name("b", l)


def initialize(
    spec: NetworkSpec,
    scheme: str = "xavier",
    seed: int | np.random.Generator | None = 0,
) -> Params:
    """Fresh parameters for ``spec`` drawn with ``scheme``; the same seed gives the same numbers."""
    init = get_initializer(scheme)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    W, b = [], []
    for (fan_out, fan_in), _ in spec.shapes():
        w, v = init(rng, fan_out, fan_in)
        W.append(w.astype(spec.np_dtype))
        b.append(v.astype(spec.np_dtype))
    return Params(W, b)


def initialize_layer(
    spec: NetworkSpec, layer: int, scheme: str, seed: int | np.random.Generator | None
) -> tuple[Array, Array]:
    """Fresh (W, b) for one layer (1..L)."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    fan_out, fan_in = spec.layer_sizes[layer], spec.layer_sizes[layer - 1]
    w, v = get_initializer(scheme)(rng, fan_out, fan_in)
    return w.astype(spec.np_dtype), v.astype(spec.np_dtype)
