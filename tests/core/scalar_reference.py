"""A tiny scalar autodiff reference, micrograd-style, independent of the engine.

Every number is a :class:`Value`; every operation records its inputs and a three-line
backward that says the chain rule for that operation. :meth:`Value.backward` visits the
graph in reverse topological order. :func:`network_cost_and_gradients` builds the network of
docs/calculus.md §3 one scalar at a time (z_j = Σ_k w_jk a_k + b_j, a_j = f(z_j)) and returns the
cost and ∂C/∂W, ∂C/∂b as plain nested lists, so the tests can compare it with the vectorised
engine. Nothing here imports ``bpstudio``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

LEAKY_SLOPE = 0.01


class Value:
    """One scalar and its gradient ∂(output)/∂(this value)."""

    __slots__ = ("data", "grad", "_prev", "_backward")

    def __init__(self, data: float, prev: Iterable[Value] = ()) -> None:
        self.data = float(data)
        self.grad = 0.0
        self._prev = tuple(prev)
        self._backward: Callable[[], None] = lambda: None

    def __repr__(self) -> str:
        return f"Value(data={self.data!r}, grad={self.grad!r})"

    # -- arithmetic ------------------------------------------------------------------------

    def __add__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))

        def _backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, exponent: float) -> Value:
        out = Value(self.data**exponent, (self,))

        def _backward() -> None:
            self.grad += exponent * self.data ** (exponent - 1) * out.grad

        out._backward = _backward
        return out

    def __neg__(self) -> Value:
        return self * -1.0

    def __radd__(self, other: float) -> Value:
        return self + other

    def __sub__(self, other: Value | float) -> Value:
        return self + (-other)

    def __rsub__(self, other: float) -> Value:
        return Value(other) - self

    def __rmul__(self, other: float) -> Value:
        return self * other

    def __truediv__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        return self * other**-1.0

    # -- functions -------------------------------------------------------------------------

    def exp(self) -> Value:
        out = Value(math.exp(self.data), (self,))

        def _backward() -> None:
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self) -> Value:
        out = Value(math.log(self.data), (self,))

        def _backward() -> None:
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    def sigmoid(self) -> Value:
        s = 1.0 / (1.0 + math.exp(-self.data))
        out = Value(s, (self,))

        def _backward() -> None:
            self.grad += s * (1.0 - s) * out.grad

        out._backward = _backward
        return out

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        out = Value(t, (self,))

        def _backward() -> None:
            self.grad += (1.0 - t * t) * out.grad

        out._backward = _backward
        return out

    def relu(self) -> Value:
        out = Value(self.data if self.data > 0 else 0.0, (self,))

        def _backward() -> None:
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

        out._backward = _backward
        return out

    def leaky_relu(self) -> Value:
        slope = 1.0 if self.data > 0 else LEAKY_SLOPE
        out = Value(self.data * slope, (self,))

        def _backward() -> None:
            self.grad += slope * out.grad

        out._backward = _backward
        return out

    def linear(self) -> Value:
        return self

    # -- backpropagation -------------------------------------------------------------------

    def backward(self) -> None:
        """Fill ``grad`` of every value this one depends on (∂self/∂value)."""
        order: list[Value] = []
        seen: set[int] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:  # iterative post-order DFS: a topological order without recursion
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in node._prev if id(child) not in seen)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


def _softmax(zs: Sequence[Value]) -> list[Value]:
    exps = [z.exp() for z in zs]
    total = sum(exps[1:], exps[0])
    return [e / total for e in exps]


_ELEMENTWISE: dict[str, Callable[[Value], Value]] = {
    "sigmoid": Value.sigmoid,
    "tanh": Value.tanh,
    "relu": Value.relu,
    "leaky_relu": Value.leaky_relu,
    "linear": Value.linear,
}


def _example_cost(
    a_out: Sequence[Value], z_out: Sequence[Value], y: Sequence[float], loss: str, output: str
) -> Value:
    """C_k for one example."""
    terms: list[Value]
    if loss in ("squared_error", "mse"):
        terms = [(a - t) * (a - t) for a, t in zip(a_out, y, strict=True)]
        total = sum(terms[1:], terms[0])
        return total if loss == "squared_error" else total / len(terms)
    if loss == "cross_entropy" and output == "sigmoid":
        terms = [
            -(a.log() * t + (1.0 - a).log() * (1.0 - t)) for a, t in zip(a_out, y, strict=True)
        ]
        return sum(terms[1:], terms[0])
    if loss == "cross_entropy" and output == "softmax":
        # log a_j = z_j - log Σ_i e^{z_i}, written with the graph's own exp and log
        exps = [z.exp() for z in z_out]
        log_total = sum(exps[1:], exps[0]).log()
        terms = [(z - log_total) * (-t) for z, t in zip(z_out, y, strict=True)]
        return sum(terms[1:], terms[0])
    raise ValueError(f"the reference has no cost {loss!r} with output {output!r}")


def network_cost_and_gradients(
    layer_sizes: Sequence[int],
    activations: Sequence[str],
    loss: str,
    W: Sequence[Sequence[Sequence[float]]],
    b: Sequence[Sequence[float]],
    X: Sequence[Sequence[float]],
    Y: Sequence[Sequence[float]],
) -> tuple[float, list[list[list[float]]], list[list[float]]]:
    """C = (1/n) Σ_k C_k and its gradient, one scalar at a time.

    ``W[l][j][k]`` is w_jk^(l+1) and ``b[l][j]`` is b_j^(l+1) (docs/calculus.md §4's layout).
    Returns ``(C, dW, db)`` with dW and db in the same nested layout.
    """
    Wv = [[[Value(w) for w in row] for row in layer] for layer in W]
    bv = [[Value(v) for v in layer] for layer in b]
    costs: list[Value] = []
    for x, y in zip(X, Y, strict=True):
        a: list[Value] = [Value(v) for v in x]
        z: list[Value] = []
        for l in range(len(layer_sizes) - 1):
            z = []
            for j in range(layer_sizes[l + 1]):
                s = bv[l][j]
                for k in range(layer_sizes[l]):
                    s = s + Wv[l][j][k] * a[k]
                z.append(s)
            act = activations[l]
            a = _softmax(z) if act == "softmax" else [_ELEMENTWISE[act](v) for v in z]
        costs.append(_example_cost(a, z, y, loss, activations[-1]))
    C = sum(costs[1:], costs[0]) / len(costs)
    C.backward()
    dW = [[[w.grad for w in row] for row in layer] for layer in Wv]
    db = [[v.grad for v in layer] for layer in bv]
    return C.data, dW, db


def network_reference(
    spec: Any, params: Any, X: Any, Y: Any
) -> tuple[float, list[list[list[float]]], list[list[float]]]:
    """:func:`network_cost_and_gradients` of an engine network (a ``NetworkSpec``, its
    ``Params`` and arrays X, Y), read as plain Python lists."""
    return network_cost_and_gradients(
        spec.layer_sizes,
        spec.activations,
        spec.loss,
        [W.tolist() for W in params.W],
        [b.tolist() for b in params.b],
        X.tolist(),
        Y.tolist(),
    )
