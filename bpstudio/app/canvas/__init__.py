"""The network canvas: a scene mirroring the document's network, its view, and the layer
palette to drag new layers from."""

from bpstudio.app.canvas.mime import LAYER_MIME
from bpstudio.app.canvas.palette import LayerPalette
from bpstudio.app.canvas.scene import NetworkScene
from bpstudio.app.canvas.view import NetworkView

__all__ = ["LAYER_MIME", "LayerPalette", "NetworkScene", "NetworkView"]
