"""Where things go on the canvas: pure geometry, no Qt, so it is cheap and easy to test.

Layer ``l`` is a column at ``x = l * COLUMN_SPACING`` (input on the left), its neurons
stacked around ``y = 0``. A layer wider than :data:`COLLAPSE_THRESHOLD` is drawn collapsed
unless expanded: its first :data:`HEAD` and last :data:`TAIL` neurons with a marker between.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

NEURON_RADIUS = 16.0
PITCH = 46.0  # vertical distance between neighbouring neurons
COLUMN_SPACING = 250.0
COLLAPSE_THRESHOLD = 16  # taller columns would make a fitted network too small to read
HEAD = 5
TAIL = 5
MARKER_SLOTS = 1.5  # pitches the collapsed marker takes, between its two neighbours
MARKER_WIDTH = 112.0
MARKER_HEIGHT = 30.0
HEADER_WIDTH = 180.0  # a header card's widest (screen pixels at the default font size)
HEADER_MIN_WIDTH = 64.0  # and narrowest
HEADER_NARROW_WIDTH = 150.0  # narrower cards put their buttons on a row of their own
HEADER_HEIGHT = 52.0  # scene units kept free above the highest neuron for the cards
HEADER_GAP = 34.0  # between a header's bottom and the highest neuron


def is_wide(size: int) -> bool:
    """Whether a layer of ``size`` neurons is drawn collapsed unless expanded."""
    return size > COLLAPSE_THRESHOLD


@dataclass(frozen=True)
class LayerLayout:
    """One column: which neurons are drawn where."""

    layer: int
    size: int
    x: float
    indices: tuple[int, ...]  # the neurons drawn, in order
    ys: tuple[float, ...]  # their centres
    collapsed: bool
    marker_y: float | None  # centre of the "⋯ n neurons" marker when collapsed

    @property
    def top(self) -> float:
        return self.ys[0] - NEURON_RADIUS

    @property
    def bottom(self) -> float:
        return self.ys[-1] + NEURON_RADIUS

    @property
    def hidden_count(self) -> int:
        return self.size - len(self.indices)

    def y_of(self, j: int) -> float | None:
        """The centre of neuron ``j``, or None when it is hidden in the collapsed marker."""
        if not self.collapsed:
            return self.ys[j] if 0 <= j < self.size else None
        if j < HEAD:
            return self.ys[j]
        if j >= self.size - TAIL:
            return self.ys[HEAD + j - (self.size - TAIL)]
        return None


def layer_layout(layer: int, size: int, x: float, collapsed: bool) -> LayerLayout:
    if collapsed and is_wide(size):
        offsets = [i * PITCH for i in range(HEAD)]
        marker = (HEAD - 1 + (MARKER_SLOTS + 1) / 2) * PITCH
        first_tail = (HEAD + MARKER_SLOTS) * PITCH
        offsets += [first_tail + t * PITCH for t in range(TAIL)]
        indices = tuple(range(HEAD)) + tuple(range(size - TAIL, size))
        shift = offsets[-1] / 2
        ys = tuple(o - shift for o in offsets)
        return LayerLayout(layer, size, x, indices, ys, True, marker - shift)
    shift = (size - 1) * PITCH / 2
    ys = tuple(i * PITCH - shift for i in range(size))
    return LayerLayout(layer, size, x, tuple(range(size)), ys, False, None)


def network_layout(sizes: Sequence[int], expanded: Collection[int] = ()) -> list[LayerLayout]:
    """Columns for layers 0..L; wide layers are collapsed unless their index is in
    ``expanded``."""
    return [
        layer_layout(l, n, l * COLUMN_SPACING, is_wide(n) and l not in expanded)
        for l, n in enumerate(sizes)
    ]


def header_bottom(layouts: Sequence[LayerLayout]) -> float:
    """The y of every header's bottom edge: headers line up above the tallest column."""
    return min(lay.top for lay in layouts) - HEADER_GAP


def insert_position(layouts: Sequence[LayerLayout], x: float) -> int:
    """Where a hidden layer dropped at ``x`` goes: the new layer's index, 1..L.

    It lands between the two columns around ``x``; outside the network it lands next to
    the input (left) or the output (right).
    """
    n_layers = len(layouts) - 1
    left_of = sum(1 for lay in layouts if lay.x < x)
    return min(max(left_of, 1), n_layers)


def insert_x(layouts: Sequence[LayerLayout], position: int) -> float:
    """The x between the columns ``position - 1`` and ``position``."""
    return (layouts[position - 1].x + layouts[position].x) / 2


def move_position(layouts: Sequence[LayerLayout], layer: int, x: float) -> int:
    """Where hidden layer ``layer`` dragged to ``x`` goes: its new index, 1..L-1."""
    n_layers = len(layouts) - 1
    others = [lay for lay in layouts[1:n_layers] if lay.layer != layer]
    return 1 + sum(1 for lay in others if lay.x < x)


def move_x(layouts: Sequence[LayerLayout], layer: int, position: int) -> float:
    """The x of the gap a dragged hidden layer would land in (for the drop indicator)."""
    order = [lay for lay in layouts if lay.layer != layer]
    # After removal the columns are input, the other hidden layers, output; the layer
    # lands between order[position - 1] and order[position].
    return (order[position - 1].x + order[position].x) / 2
