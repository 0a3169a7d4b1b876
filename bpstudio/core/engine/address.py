"""One address per parameter: :class:`ParamRef` names a single weight w_jk^(l) or bias b_j^(l).

Every place that says "which parameter" (an edit, a selection, a message to the training
process, a component of ∇C, a line of the CLI) carries this value. Its plain name is the one
saved files and the CLI have always used: ``W2[1,3]`` is w_13^(2) (layers 1-based as in the
note, neurons 0-based), ``b2[1]`` is b_1^(2). The order of ∇C (``docs/calculus.md``) is
W1 row by row, b1, W2, b2, ..., which :func:`param_refs` and :meth:`ParamRef.grad_index`
both follow, so the two can never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from bpstudio.core.errors import BPStudioError

if TYPE_CHECKING:
    from bpstudio.core.engine.network import NetworkSpec, Params

Kind = Literal["w", "b"]

_ARRAY_NAME = re.compile(r"^([Wb])([1-9][0-9]*)$")
_REF_NAME = re.compile(r"^\s*([Wwb])([1-9][0-9]*)\s*\[\s*([0-9]+)\s*(?:,\s*([0-9]+)\s*)?\]\s*$")


def array_name(kind: Kind, layer: int) -> str:
    """The name of a layer's array in saved files: ``W2`` or ``b2``."""
    return f"{'W' if kind == 'w' else 'b'}{layer}"


def array_shapes(spec: NetworkSpec) -> Iterator[tuple[str, tuple[int, ...]]]:
    """Every array's name and shape in the order of ∇C: ``("W1", (n_1, n_0)), ("b1",
    (n_1,)), ...``."""
    for l, (w_shape, b_shape) in enumerate(spec.shapes(), start=1):
        yield array_name("w", l), w_shape
        yield array_name("b", l), b_shape


def parse_array_name(name: str) -> tuple[Kind, int]:
    """``"W2"`` -> ``("w", 2)``, ``"b1"`` -> ``("b", 1)``; raises for anything else."""
    match = _ARRAY_NAME.match(name)
    if not match:
        raise BPStudioError(f"{name!r} is not an array name like 'W1' or 'b1'")
    return ("w" if match.group(1) == "W" else "b"), int(match.group(2))


@dataclass(frozen=True)
class ParamRef:
    """The address of one parameter.

    Attributes
    ----------
    kind : "w" or "b"
    layer : int
        l, 1..L (the layer the weight feeds or the bias belongs to).
    j : int
        The neuron of layer l, 0-based.
    k : int or None
        The neuron of layer l-1 a weight comes from; None for a bias.
    """

    kind: Kind
    layer: int
    j: int
    k: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("w", "b"):
            raise BPStudioError(f"a parameter is a weight 'w' or a bias 'b', not {self.kind!r}")
        if (self.kind == "w") != (self.k is not None):
            raise BPStudioError("a weight has two neuron indices (j, k), a bias one (j)")
        if self.layer < 1 or self.j < 0 or (self.k is not None and self.k < 0):
            raise BPStudioError(f"{self.name} has no such layer or neuron")

    @classmethod
    def weight(cls, layer: int, j: int, k: int) -> ParamRef:
        """w_jk^(layer)."""
        return cls("w", int(layer), int(j), int(k))

    @classmethod
    def bias(cls, layer: int, j: int) -> ParamRef:
        """b_j^(layer)."""
        return cls("b", int(layer), int(j))

    # -- reading ------------------------------------------------------------------------------

    @property
    def is_weight(self) -> bool:
        return self.kind == "w"

    @property
    def index(self) -> tuple[int, ...]:
        """The entry in the layer's array: ``(j, k)`` in ``W[l - 1]``, ``(j,)`` in ``b[l - 1]``."""
        return (self.j,) if self.k is None else (self.j, self.k)

    @property
    def array_name(self) -> str:
        """``W2`` or ``b2``."""
        return array_name(self.kind, self.layer)

    @property
    def name(self) -> str:
        """The plain name used by files and the CLI: ``W2[1,3]`` or ``b2[1]``."""
        return f"{self.array_name}[{','.join(str(i) for i in self.index)}]"

    def __str__(self) -> str:
        return self.name

    @classmethod
    def parse(cls, name: str) -> ParamRef:
        """The inverse of :attr:`name`: ``"W2[1,3]"`` -> ``ParamRef("w", 2, 1, 3)``."""
        match = _REF_NAME.match(name)
        if not match:
            raise BPStudioError(f"{name!r} is not a parameter name like 'W2[1,3]' or 'b2[1]'")
        letter, layer, j, k = match.groups()
        if letter in "Ww":
            if k is None:
                raise BPStudioError(f"{name!r}: a weight needs two indices, as in 'W2[1,3]'")
            return cls.weight(int(layer), int(j), int(k))
        if k is not None:
            raise BPStudioError(f"{name!r}: a bias has one index, as in 'b2[1]'")
        return cls.bias(int(layer), int(j))

    def fits(self, spec: NetworkSpec) -> bool:
        """Whether ``spec`` has this parameter."""
        if self.layer > spec.n_layers or self.j >= spec.layer_sizes[self.layer]:
            return False
        return self.k is None or self.k < spec.layer_sizes[self.layer - 1]

    def check(self, spec: NetworkSpec) -> None:
        """Raise :class:`BPStudioError` unless ``spec`` has this parameter."""
        if not self.fits(spec):
            raise BPStudioError(f"a {spec.describe()} network has no parameter {self.name}")

    # -- the parameter in Params and in ∇C ----------------------------------------------------

    def get(self, params: Params) -> float:
        """The parameter's value in ``params`` (or in a gradient laid out as Params)."""
        arrays = params.W if self.is_weight else params.b
        return float(arrays[self.layer - 1][self.index])

    def set(self, params: Params, value: float) -> None:
        """Write ``value`` into ``params`` in place."""
        arrays = params.W if self.is_weight else params.b
        arrays[self.layer - 1][self.index] = value

    def grad_index(self, spec: NetworkSpec) -> int:
        """The position of this parameter in ∇C (``Grads.vector()``, ``Params.vector()``)."""
        self.check(spec)
        sizes = spec.layer_sizes
        start = sum(sizes[l] * (sizes[l - 1] + 1) for l in range(1, self.layer))
        n_prev = sizes[self.layer - 1]
        if self.k is not None:
            return start + self.j * n_prev + self.k
        return start + sizes[self.layer] * n_prev + self.j


def layer_refs(spec: NetworkSpec, layer: int, kind: Kind) -> Iterator[ParamRef]:
    """The weights (row by row) or the biases of one layer, in ∇C order."""
    n_out, n_in = spec.layer_sizes[layer], spec.layer_sizes[layer - 1]
    if kind == "w":
        for j in range(n_out):
            for k in range(n_in):
                yield ParamRef("w", layer, j, k)
    else:
        for j in range(n_out):
            yield ParamRef("b", layer, j)


def param_refs(spec: NetworkSpec) -> Iterator[ParamRef]:
    """Every parameter of ``spec`` in the order of ∇C: W1 (row by row), b1, W2, b2, ..."""
    for l in range(1, spec.n_layers + 1):
        yield from layer_refs(spec, l, "w")
        yield from layer_refs(spec, l, "b")


def ref_at(spec: NetworkSpec, index: int) -> ParamRef:
    """The parameter at position ``index`` of ∇C (the inverse of :meth:`ParamRef.grad_index`)."""
    if not 0 <= index < spec.parameter_count:
        raise BPStudioError(f"∇C has {spec.parameter_count} components, not a component {index}")
    sizes = spec.layer_sizes
    for l in range(1, spec.n_layers + 1):
        n_out, n_in = sizes[l], sizes[l - 1]
        if index < n_out * n_in:
            return ParamRef("w", l, index // n_in, index % n_in)
        index -= n_out * n_in
        if index < n_out:
            return ParamRef("b", l, index)
        index -= n_out
    raise AssertionError("unreachable: the index was checked against parameter_count")
