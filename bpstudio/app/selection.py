"""What the user has selected: a neuron (and with it its bias), or one weight.

Shared by the canvas, inspector, weight matrix and chain-rule panel, like Qt's
QItemSelectionModel is shared by views of one model.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.network import NetworkSpec


@dataclass(frozen=True)
class Selection:
    """``kind`` is "neuron" (layer l, neuron j; l = 0 is the input) or "weight" (w_jk^(l))."""

    kind: str
    layer: int
    j: int
    k: int | None = None

    @classmethod
    def neuron(cls, layer: int, j: int) -> Selection:
        return cls("neuron", layer, j)

    @classmethod
    def weight(cls, layer: int, j: int, k: int) -> Selection:
        return cls("weight", layer, j, k)

    @property
    def is_weight(self) -> bool:
        return self.kind == "weight"

    def fits(self, spec: NetworkSpec) -> bool:
        if not 0 <= self.layer <= spec.n_layers or not 0 <= self.j < spec.layer_sizes[self.layer]:
            return False
        if self.is_weight:
            return (
                self.layer >= 1
                and self.k is not None
                and 0 <= self.k < spec.layer_sizes[self.layer - 1]
            )
        return True

    @property
    def param(self) -> ParamRef | None:
        """The parameter the selection stands for: the weight, or the neuron's bias (an
        input neuron has none)."""
        if self.is_weight:
            assert self.k is not None
            return ParamRef.weight(self.layer, self.j, self.k)
        return ParamRef.bias(self.layer, self.j) if self.layer >= 1 else None


class SelectionModel(QObject):
    selectionChanged = Signal(object)  # Selection | None
    layerSelected = Signal(int)  # the layer whose matrix the weight panel shows

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._selection: Selection | None = None
        self._layer = 1

    @property
    def selection(self) -> Selection | None:
        return self._selection

    @property
    def layer(self) -> int:
        return self._layer

    def select(self, selection: Selection | None) -> None:
        if selection == self._selection:
            return
        self._selection = selection
        if selection is not None and selection.layer >= 1:
            self.select_layer(selection.layer)
        self.selectionChanged.emit(selection)

    def select_layer(self, layer: int) -> None:
        if layer != self._layer:
            self._layer = layer
            self.layerSelected.emit(layer)

    def clear(self) -> None:
        self.select(None)

    def validate(self, spec: NetworkSpec) -> None:
        """Drop a selection that no longer exists after a structural edit."""
        if self._selection is not None and not self._selection.fits(spec):
            self.select(None)
        if not 1 <= self._layer <= spec.n_layers:
            self.select_layer(min(max(self._layer, 1), spec.n_layers))
