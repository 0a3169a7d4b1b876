"""Small pictures of what one hidden neuron computes over the input plane (2-D inputs),
shown in the neuron's tooltip and, with View ▸ Neuron Heat Maps, in the neurons on the
canvas, as TensorFlow Playground draws its neurons."""

from __future__ import annotations

import base64

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QImage

from bpstudio.app.theme import theme
from bpstudio.core.engine.activations import Array
from bpstudio.core.engine.decision import Range, layer_grids, neuron_grid
from bpstudio.core.engine.network import NetworkSpec, Params

THUMBNAIL_RESOLUTION = 40
THUMBNAIL_PIXELS = 120
#: Grid points per axis of the heat maps drawn in the neurons on the canvas.
HEAT_MAP_RESOLUTION = 24

#: The activation value drawn in the scale's zero colour: the middle of its range.
_CENTRES = {"sigmoid": 0.5, "softmax": 0.5}


def heat_maps_rgb(grid: Array, activation: str) -> np.ndarray:
    """Pixels ``(n, r, r, 3)`` uint8 of ``n`` neurons' grids ``(r, r, n)`` (rows follow y) on
    the canvas's diverging value scale, y upwards (row 0 is the top): the activation's middle
    (0, or 0.5 for a sigmoid) in the zero colour, each neuron's largest departure from it at
    full colour. One colour lookup for all of them."""
    centre = _CENTRES.get(activation, 0.0)
    shifted = np.nan_to_num(np.asarray(grid, dtype=np.float64) - centre)
    r, c, n = shifted.shape
    scale = np.max(np.abs(shifted), axis=(0, 1))
    scale[scale == 0] = 1.0
    if centre:
        scale = np.maximum(scale, 0.5)  # a sigmoid's full range is ±0.5 around its centre
    t = np.moveaxis(shifted[::-1] / scale, 2, 0)  # (n, r, c)
    rgb = theme().values.rgb(t.ravel(), 1.0)
    return np.ascontiguousarray(rgb.reshape(n, r, c, 3).round().astype(np.uint8))


def heat_map_rgb(values: Array, activation: str) -> np.ndarray:
    """:func:`heat_maps_rgb` of one neuron's grid ``(r, r)``: ``(r, r, 3)`` uint8."""
    return heat_maps_rgb(np.asarray(values)[:, :, None], activation)[0]


def rgb_image(pixels: np.ndarray) -> QImage:
    """A QImage owning a copy of ``pixels`` ``(h, w, 3)`` uint8."""
    h, w, _ = pixels.shape
    data = np.ascontiguousarray(pixels)
    return QImage(data.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def image_pixels(image: QImage) -> np.ndarray:
    """The ``(h, w, 3)`` uint8 pixels of ``image`` (to compare with :func:`heat_map_rgb`)."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w = rgb.height(), rgb.width()
    rows = np.frombuffer(rgb.constBits(), dtype=np.uint8).reshape(h, rgb.bytesPerLine())
    return rows[:, : 3 * w].reshape(h, w, 3).copy()


def neuron_image(
    spec: NetworkSpec, params: Params, layer: int, j: int, x_range: Range, y_range: Range
) -> QImage:
    """a_j^(layer) over the input plane on the canvas's diverging colour scale (y upwards)."""
    values = neuron_grid(spec, params, layer, j, x_range, y_range, THUMBNAIL_RESOLUTION)
    image = rgb_image(heat_map_rgb(values, spec.activations[layer - 1]))
    return image.scaled(
        THUMBNAIL_PIXELS,
        THUMBNAIL_PIXELS,
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


def hidden_neuron_images(
    spec: NetworkSpec, params: Params, x_range: Range, y_range: Range
) -> dict[tuple[int, int], QImage]:
    """A :data:`HEAT_MAP_RESOLUTION`² heat map of every hidden neuron ``(layer, j)``, from
    one forward pass over the grid (empty unless the network has 2 inputs)."""
    if spec.input_size != 2 or spec.n_layers < 2:
        return {}
    grids = layer_grids(spec, params, x_range, y_range, HEAT_MAP_RESOLUTION)
    images: dict[tuple[int, int], QImage] = {}
    for l in range(1, spec.n_layers):
        pixels = heat_maps_rgb(grids[l - 1], spec.activations[l - 1])
        for j in range(pixels.shape[0]):
            images[(l, j)] = rgb_image(pixels[j])
    return images


def image_html(image: QImage) -> str:
    """An ``<img>`` tag carrying ``image`` as an inline PNG (for rich-text tooltips)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs want bytes; Qt takes str
    buffer.close()
    encoded = base64.b64encode(bytes(data.data())).decode("ascii")
    return f"<img src='data:image/png;base64,{encoded}' width='{image.width()}'>"
