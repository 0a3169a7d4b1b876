"""Small pictures of what one hidden neuron computes over the input plane (2-D inputs),
shown in the neuron's tooltip, as TensorFlow Playground shows them next to its neurons."""

from __future__ import annotations

import base64

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QImage

from bpstudio.app.theme import theme
from bpstudio.core.engine.decision import Range, neuron_grid
from bpstudio.core.engine.network import NetworkSpec, Params

THUMBNAIL_RESOLUTION = 40
THUMBNAIL_PIXELS = 120

#: The activation value drawn in the scale's zero colour: the middle of its range.
_CENTRES = {"sigmoid": 0.5, "softmax": 0.5}


def neuron_image(
    spec: NetworkSpec, params: Params, layer: int, j: int, x_range: Range, y_range: Range
) -> QImage:
    """a_j^(layer) over the input plane on the canvas's diverging colour scale (y upwards)."""
    values = neuron_grid(spec, params, layer, j, x_range, y_range, THUMBNAIL_RESOLUTION)
    centre = _CENTRES.get(spec.activations[layer - 1], 0.0)
    shifted = values - centre
    scale = float(np.max(np.abs(shifted))) or 1.0
    if centre:
        scale = max(scale, 0.5)  # a sigmoid's full range is ±0.5 around its centre
    rgb = theme().values.rgb(shifted[::-1].ravel(), scale)  # row 0 of the image is the top (y max)
    pixels = np.ascontiguousarray(
        rgb.reshape(THUMBNAIL_RESOLUTION, THUMBNAIL_RESOLUTION, 3).round().astype(np.uint8)
    )
    image = QImage(
        pixels.data,
        THUMBNAIL_RESOLUTION,
        THUMBNAIL_RESOLUTION,
        3 * THUMBNAIL_RESOLUTION,
        QImage.Format.Format_RGB888,
    ).copy()  # own the pixels: the NumPy buffer goes away
    return image.scaled(
        THUMBNAIL_PIXELS,
        THUMBNAIL_PIXELS,
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


def image_html(image: QImage) -> str:
    """An ``<img>`` tag carrying ``image`` as an inline PNG (for rich-text tooltips)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs want bytes; Qt takes str
    buffer.close()
    encoded = base64.b64encode(bytes(data.data())).decode("ascii")
    return f"<img src='data:image/png;base64,{encoded}' width='{image.width()}'>"
