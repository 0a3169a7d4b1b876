"""Icons drawn with QPainter: the palette's layer tiles and the canvas's view actions.

Drawn at twice the logical size so they stay sharp on high-DPI screens.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QPainter, QPainterPath, QPalette, QPen, QPixmap

from bpstudio.app.theme import theme, with_alpha

_SCALE = 2


def _canvas(size: int) -> tuple[QPixmap, QPainter]:
    pixmap = QPixmap(size * _SCALE, size * _SCALE)
    pixmap.setDevicePixelRatio(_SCALE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    return pixmap, painter


def _curve(activation: str, t: float) -> float:
    """The activation's shape on [-1, 1] -> roughly [-1, 1], for the glyph only."""
    x = 3.0 * t
    if activation == "sigmoid":
        return 2.0 / (1.0 + math.exp(-x)) - 1.0
    if activation == "tanh":
        return math.tanh(x)
    if activation == "relu":
        return max(x, 0.0) / 1.5 - 1.0
    if activation == "leaky_relu":
        return (x if x > 0 else 0.12 * x) / 1.5 - 0.8
    return t  # linear


def layer_pixmap(kind: str, activation: str | None = None, size: int = 40) -> QPixmap:
    """A rounded tile: a column of neurons, with the activation's curve for hidden layers."""
    colors = theme()
    pixmap, p = _canvas(size)
    tint = colors.kind(kind)
    rect = QRectF(1, 1, size - 2, size - 2)
    p.setPen(QPen(with_alpha(tint, 90), 1))
    p.setBrush(with_alpha(tint, 28))
    p.drawRoundedRect(rect, 9, 9)
    s = size / 40.0
    if kind == "hidden" and activation:
        # Axes and the curve.
        p.setPen(QPen(with_alpha(tint, 80), 1 * s))
        p.drawLine(QPointF(8 * s, 20 * s), QPointF(32 * s, 20 * s))
        p.drawLine(QPointF(20 * s, 8 * s), QPointF(20 * s, 32 * s))
        path = QPainterPath()
        steps = 32
        for i in range(steps + 1):
            t = -1 + 2 * i / steps
            point = QPointF(20 * s + 12 * s * t, 20 * s - 10 * s * _curve(activation, t))
            if i == 0:
                path.moveTo(point)
            else:
                path.lineTo(point)
        pen = QPen(tint, 2.4 * s)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)
    else:
        # A column of three neurons with an arrow in (input) or out (output).
        p.setPen(QPen(tint, 1.6 * s))
        p.setBrush(colors.card)
        cx = 22 * s if kind == "input" else 18 * s
        for cy in (11, 20, 29):
            p.drawEllipse(QPointF(cx, cy * s), 3.6 * s, 3.6 * s)
        pen = QPen(tint, 1.8 * s)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        x0, x1 = (6 * s, 14 * s) if kind == "input" else (26 * s, 34 * s)
        p.drawLine(QPointF(x0, 20 * s), QPointF(x1, 20 * s))
        p.drawLine(QPointF(x1 - 3 * s, 17 * s), QPointF(x1, 20 * s))
        p.drawLine(QPointF(x1 - 3 * s, 23 * s), QPointF(x1, 20 * s))
    p.end()
    return pixmap


def layer_icon(kind: str, activation: str | None = None) -> QIcon:
    return QIcon(layer_pixmap(kind, activation))


def action_icon(name: str) -> QIcon:
    """``zoom_in``, ``zoom_out``, ``zoom_fit`` or ``edges_gradient``, drawn in the
    palette's button text (the toolbar's and menus' ink, in every theme and in presenter
    mode) with the theme's colours for the marks."""
    colors = theme()
    ink = QGuiApplication.palette().color(QPalette.ColorRole.ButtonText)
    pixmap, p = _canvas(24)
    pen = QPen(ink, 1.8)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    if name in ("zoom_in", "zoom_out"):
        p.drawEllipse(QPointF(10, 10), 6, 6)
        p.drawLine(QPointF(14.5, 14.5), QPointF(20, 20))
        p.drawLine(QPointF(7, 10), QPointF(13, 10))
        if name == "zoom_in":
            p.drawLine(QPointF(10, 7), QPointF(10, 13))
    elif name == "zoom_fit":
        for sx, sy in ((1, 1), (-1, 1), (1, -1), (-1, -1)):
            cx, cy = 12 - sx * 8, 12 - sy * 8
            path = QPainterPath(QPointF(cx, cy + sy * 5))
            path.lineTo(QPointF(cx, cy))
            path.lineTo(QPointF(cx + sx * 5, cy))
            p.drawPath(path)
        p.setPen(QPen(colors.kinds["hidden"], 1.6))
        p.drawEllipse(QPointF(12, 12), 3, 3)
    else:  # edges_gradient
        ends = ((6, 18, colors.gradients.positive), (18, 6, colors.gradients.negative))
        for y0, y1, color in ends:
            edge = QPen(color, 2.2)
            edge.setCapStyle(Qt.PenCapStyle.RoundCap)
            p.setPen(edge)
            p.drawLine(QPointF(5, y0), QPointF(19, y1))
        p.setPen(QPen(ink, 1.4))
        p.setBrush(QGuiApplication.palette().color(QPalette.ColorRole.Button))
        for x, y in ((4, 6), (4, 18), (20, 6), (20, 18)):
            p.drawEllipse(QPointF(x, y), 2.6, 2.6)
    p.end()
    return QIcon(pixmap)
