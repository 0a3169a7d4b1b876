"""The note's labels on the canvas, and highlighted quantities (the walkthrough's).

For a chain (one neuron per layer, the note's 1-1-1-1 network) every neuron, edge and bias
is labelled as the note labels it, with its current number: a^(L−1) = 0.52 under the
neuron, w^(L) = 0.8 over its edge, b^(L) under its a, and y and C₀ beside the output. For
wider networks the selected neuron or weight carries its a_j^(L) or w_jk^(L) (hovering
shows the same in the tooltip). Symbols come from :mod:`bpstudio.app.notation`, so they
follow the L-relative / absolute switch; the numbers come from the scene's
:class:`~bpstudio.app.canvas.values.CanvasValues`, never computed here: the parameters as
they are now (after an update, its new values), a and C₀ of the last forward pass.

:meth:`NoteAnnotations.set_highlight` marks neurons and parameters (a halo, a thick
stroke over an edge), which the scene re-draws after every rebuild.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QFont, QPen, QTransform
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsRectItem,
    QGraphicsTextItem,
)

from bpstudio.app import notation
from bpstudio.app.canvas.items import font_pixels, points_to_pixels
from bpstudio.app.canvas.layout import NEURON_RADIUS
from bpstudio.app.notation import Notation
from bpstudio.app.theme import css, theme, with_alpha
from bpstudio.core.engine.address import ParamRef

if TYPE_CHECKING:
    from bpstudio.app.canvas.scene import NetworkScene

#: The item data key of a label's rich text as set (to skip setting it again).
_HTML = 0
#: Above neurons (3) and edges (0), below the drop indicator (10).
LABEL_Z = 5.0
HALO_Z = 1.5


def font_points(font: QFont) -> float:
    """A font's size in points on screen."""
    return font_pixels(font) / points_to_pixels(1.0)


def _value(value: float | None, stacked: bool = False) -> str:
    """`` = 0.383`` after a symbol, or on a line of its own under it (``stacked``: narrow
    labels, for neighbouring columns at a small zoom)."""
    if value is None:
        return ""
    return ("<br>" if stacked else " ") + f"= {notation.formula_number(value, 3)}"


class NoteAnnotations:
    """The labels and highlights of one :class:`NetworkScene`."""

    def __init__(self, scene: NetworkScene) -> None:
        self.scene = scene
        self._items: list[QGraphicsItem] = []
        self._labels: list[QGraphicsTextItem] = []  # the text items among them, in order
        self._wanted: list[tuple[str, QPointF, str, bool]] = []
        #: The places of the labels drawn and the highlight they were drawn with.
        self._drawn: tuple[object, ...] | None = None
        self.highlighted_neurons: frozenset[tuple[int, int]] = frozenset()
        self.highlighted_params: frozenset[ParamRef] = frozenset()

    # -- the public API ------------------------------------------------------------------------

    def set_highlight(
        self, neurons: Iterable[tuple[int, int]] = (), params: Iterable[ParamRef] = ()
    ) -> None:
        """Highlight neurons ``(layer, j)`` and parameters (weights on their edges, biases
        on their neurons); an empty call clears the highlight."""
        self.highlighted_neurons = frozenset(neurons)
        self.highlighted_params = frozenset(params)
        self.refresh()

    def labels(self) -> list[str]:
        """The rich text of every label shown (tests read what a person sees)."""
        return [i.toHtml() for i in self._items if isinstance(i, QGraphicsTextItem)]

    def drawn_texts(self) -> list[tuple[str, float]]:
        """Every label's plain text and its size on screen in points (labels keep their
        size at every zoom)."""
        return [
            (i.toPlainText(), font_points(i.font()))
            for i in self._items
            if isinstance(i, QGraphicsTextItem) and i.isVisible()
        ]

    def halo_count(self) -> int:
        """How many highlight marks are drawn."""
        return sum(isinstance(i, (QGraphicsEllipseItem, QGraphicsLineItem)) for i in self._items)

    # -- drawing -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-draw for the scene's current items, values and notation.

        Every frame asks for it: labels whose place and kind stay keep their items, and
        only a label whose text changed is set again; nothing is removed from the scene and
        added again unless the labels' places or the highlight changed."""
        self._wanted = []
        spec = self.scene.spec
        if self.scene.values is not None and self.scene.values.spec == spec:
            if all(n == 1 for n in spec.layer_sizes):
                self._label_chain()
            else:
                self._label_selection()
        marks = (self.highlighted_neurons, self.highlighted_params)
        if self._reusable(marks):
            changed = False
            for (html, _anchor, align, strong), label in zip(
                self._wanted, self._labels, strict=True
            ):
                changed |= self._set_label(label, html, align, strong)
            if changed:
                self.scene.labelsChanged.emit()
            return
        for item in self._items:
            # The scene's rebuild (clear()) deletes them with everything else.
            if shiboken6.isValid(item) and item.scene() is self.scene:
                self.scene.removeItem(item)
        self._items.clear()
        self._labels = []
        for html, anchor, align, strong in self._wanted:
            self._add_label(html, anchor, align, strong)
        if self.scene.values is not None and self.scene.values.spec == spec:
            self._draw_highlight()
        self._drawn = (
            [(anchor, align, strong) for _html, anchor, align, strong in self._wanted],
            marks,
        )
        self.scene.labelsChanged.emit()

    def _reusable(self, marks: tuple[object, ...]) -> bool:
        """Whether the labels drawn sit where the wanted ones go, with the same highlight,
        and are all still in the scene."""
        places = [(anchor, align, strong) for _html, anchor, align, strong in self._wanted]
        return (
            self._drawn is not None
            and self._drawn == (places, marks)
            and all(shiboken6.isValid(i) and i.scene() is self.scene for i in self._items)
        )

    def _text(self, html: str, anchor: QPointF, align: str = "below", strong: bool = False) -> None:
        """A label at ``anchor`` (a scene point) that keeps its size at every zoom: centred
        ``below`` or ``above`` it, or starting ``right`` of it."""
        self._wanted.append((html, QPointF(anchor), align, strong))

    def _add_label(self, html: str, anchor: QPointF, align: str, strong: bool) -> None:
        item = QGraphicsTextItem()
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        item.setZValue(LABEL_Z)
        item.setPos(anchor)
        backdrop = QGraphicsRectItem(item)
        backdrop.setPen(QPen(Qt.PenStyle.NoPen))
        backdrop.setFlag(QGraphicsItem.GraphicsItemFlag.ItemStacksBehindParent)
        self._set_label(item, html, align, strong)
        self.scene.addItem(item)
        self._items.append(item)
        self._labels.append(item)

    def _set_label(self, item: QGraphicsTextItem, html: str, align: str, strong: bool) -> bool:
        """Give a label its text and place it by its new size; False if it had that text."""
        colors = theme()
        weight = "font-weight:600;" if strong else ""
        text = f"<div align='center' style='color:{css(colors.text)};{weight}'>{html}</div>"
        if item.data(_HTML) == text:
            return False
        item.setData(_HTML, text)
        item.setHtml(text)
        rect = item.boundingRect()
        dx = -rect.width() / 2 if align in ("below", "above") else 0.0
        dy = {"below": 0.0, "above": -rect.height()}.get(align, -rect.height() / 2)
        item.setTransform(QTransform.fromTranslate(dx, dy))
        for child in item.childItems():
            if isinstance(child, QGraphicsRectItem):  # its backdrop
                child.setRect(rect.adjusted(3, 3, -3, -3))
                child.setBrush(QBrush(with_alpha(colors.background, 215)))
        return True

    def _label_chain(self) -> None:
        scene, values = self.scene, self.scene.values
        assert values is not None
        spec = scene.spec
        nt = Notation.for_spec(spec)
        L = spec.n_layers
        r = NEURON_RADIUS
        marked = self.highlighted_neurons
        refs = self.highlighted_params

        def line(html: str, strong: bool) -> str:
            return f"<b>{html}</b>" if strong else html

        for l in range(L + 1):
            item = scene.neuron_item(l, 0)
            if item is None:
                continue
            centre = item.pos()
            a = nt.symbol("a", l) + _value(values.activation(l, 0), stacked=True)
            lines = [line(a, (l, 0) in marked)]
            if l >= 1:
                b = nt.symbol("b", l) + _value(values.bias_now(l, 0), stacked=True)
                lines.append(line(b, ParamRef.bias(l, 0) in refs))
                previous = scene.neuron_item(l - 1, 0)
                if previous is not None:
                    middle = (previous.pos() + centre) / 2
                    w = nt.symbol("w", l) + _value(values.weight_now(l, 0, 0))
                    strong = ParamRef.weight(l, 0, 0) in refs
                    self._text(line(w, strong), QPointF(middle.x(), middle.y() - 4), "above")
            self._text("<br>".join(lines), QPointF(centre.x(), centre.y() + r + 2))
        output = scene.neuron_item(L, 0)
        if output is not None:
            right = QPointF(output.pos().x() + r + 4, output.pos().y())
            y = values.y[0] if values.y is not None else None
            cost = line(notation.cost(per_example=True) + _value(values.cost), (L, 0) in marked)
            self._text(f"{nt.symbol('y', None)}{_value(y)}<br>{cost}", right, "right")

    def _label_selection(self) -> None:
        """a_j^(l) or w_jk^(l) beside the selected neuron or weight of a wider network."""
        scene, values = self.scene, self.scene.values
        assert values is not None
        selection = scene.selection.selection
        if selection is None or not selection.fits(scene.spec):
            return
        nt = Notation.for_spec(scene.spec)
        l, j = selection.layer, selection.j
        if selection.is_weight:
            k = selection.k or 0
            edge = scene.edge_item(l)
            line = edge.line(j, k) if edge is not None else None
            if line is None:
                return
            text = nt.weight(l, j, k) + _value(values.weight_now(l, j, k))
            self._text(text, line.center() - QPointF(0, 4), "above")
            return
        item = scene.neuron_item(l, j)
        if item is not None:
            text = nt.neuron(l, j) + _value(values.activation(l, j))
            # Above the neuron: below it sits its neighbour in the column.
            self._text(text, item.pos() - QPointF(0, NEURON_RADIUS + 6), "above")

    def _draw_highlight(self) -> None:
        colors = theme()
        pen = QPen(colors.accent, 3.0)
        r = NEURON_RADIUS + 6
        neurons = set(self.highlighted_neurons)
        neurons |= {(p.layer, p.j) for p in self.highlighted_params if not p.is_weight}
        for l, j in sorted(neurons):
            item = self.scene.neuron_item(l, j)
            if item is None:
                continue
            halo = QGraphicsEllipseItem(-r, -r, 2 * r, 2 * r)
            halo.setPos(item.pos())
            halo.setPen(pen)
            halo.setBrush(QBrush(with_alpha(colors.accent, 40)))
            halo.setZValue(HALO_Z)
            self.scene.addItem(halo)
            self._items.append(halo)
        stroke = QPen(with_alpha(colors.accent, 150), 7.0)
        stroke.setCapStyle(Qt.PenCapStyle.RoundCap)
        for ref in sorted(self.highlighted_params, key=lambda p: p.name):
            edge = self.scene.edge_item(ref.layer) if ref.is_weight else None
            line = edge.line(ref.j, ref.k or 0) if edge is not None else None
            if line is None:
                continue
            mark = QGraphicsLineItem(line)
            mark.setPen(stroke)
            mark.setZValue(HALO_Z)
            self.scene.addItem(mark)
            self._items.append(mark)
