"""Widgets floating over the canvas: the colour legend and the zoom level.

They are children of the view, not scene items, so they stay put while the scene pans and
zooms, and they let mouse events through to the canvas.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QLinearGradient, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from bpstudio.app.theme import theme, with_alpha


def _font(pixel_size: int, weight: QFont.Weight = QFont.Weight.Normal) -> QFont:
    font = QFont()
    font.setPixelSize(pixel_size)
    font.setWeight(weight)
    return font


class _Card(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)

    def _card(self, painter: QPainter) -> QRectF:
        colors = theme()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(1, 1, -1, -3)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colors.shadow)
        painter.drawRoundedRect(rect.translated(0, 2), 10, 10)
        painter.setPen(QPen(colors.card_border, 1))
        painter.setBrush(with_alpha(colors.card, 240))
        painter.drawRoundedRect(rect, 10, 10)
        return rect


class CanvasLegend(_Card):
    """What the colours mean: neuron fill a, ring ∂C/∂a, edges w or ∂C/∂w."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edge_mode = "weights"
        self.note = "Activations appear after a forward pass"
        self.resize(self.sizeHint())

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(236, 100)

    def set_edge_mode(self, mode: str) -> None:
        if mode != self.edge_mode:
            self.edge_mode = mode
            self.update()

    def set_note(self, note: str) -> None:
        if note != self.note:
            self.note = note
            self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        colors = theme()
        painter = QPainter(self)
        rect = self._card(painter)
        left = rect.left() + 12
        swatch = left + 50  # where the colour samples start
        symbol = swatch + 118  # where "a", "∂C/∂a", "w" go
        rows = (rect.top() + 17, rect.top() + 38, rect.top() + 59)
        label_font = _font(11, QFont.Weight.DemiBold)
        small = _font(10)
        gradient_mode = self.edge_mode == "gradients"

        painter.setFont(label_font)
        painter.setPen(colors.text)
        for y, label in zip(rows, ("Neuron", "Ring", "Edge"), strict=True):
            painter.drawText(QPointF(left, y + 4), label)

        # Neuron fill: a on the value scale (blue-orange) from -1 to +1.
        y = rows[0]
        painter.setFont(small)
        painter.setPen(colors.text_muted)
        painter.drawText(QPointF(swatch, y + 4), "−1")
        painter.drawText(QPointF(swatch + 92, y + 4), "+1")
        bar = QRectF(swatch + 17, y - 5, 72, 10)
        gradient = QLinearGradient(bar.topLeft(), bar.topRight())
        for position, color in colors.values.stops():
            gradient.setColorAt(position, color)
        painter.setPen(QPen(colors.card_border, 1))
        painter.setBrush(gradient)
        painter.drawRoundedRect(bar, 5, 5)

        # Ring: ∂C/∂a, green negative, pink positive.
        y = rows[1]
        for i, color in enumerate((colors.gradients.negative, colors.gradients.positive)):
            cx = swatch + 23 + i * 50
            painter.setPen(QPen(color, 2.6))
            painter.setBrush(colors.card)
            painter.drawEllipse(QPointF(cx, y), 5.5, 5.5)
        # Edge: w (blue/orange) or ∂C/∂w (green/pink).
        y = rows[2]
        pair = (
            (colors.gradients.negative, colors.gradients.positive)
            if gradient_mode
            else (colors.values.negative, colors.values.positive)
        )
        for i, color in enumerate(pair):
            x0 = swatch + 13 + i * 50
            pen = QPen(color, 3)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            painter.drawLine(QPointF(x0, y + 4), QPointF(x0 + 20, y - 4))
        painter.setFont(small)
        painter.setPen(colors.text_muted)
        for y in rows[1:]:
            painter.drawText(QPointF(swatch + 2, y + 4), "−")
            painter.drawText(QPointF(swatch + 52, y + 4), "+")

        painter.setFont(_font(12, QFont.Weight.Medium))
        painter.setPen(colors.text)
        labels = ("a", "∂C/∂a", "∂C/∂w" if gradient_mode else "w")
        for y, label in zip(rows, labels, strict=True):
            painter.drawText(QPointF(symbol, y + 4), label)
        painter.setFont(small)
        painter.setPen(colors.text_muted)
        painter.drawText(
            QRectF(left, rect.bottom() - 22, rect.width() - 24, 16),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self.note,
        )
        painter.end()


class ZoomBadge(_Card):
    """The zoom level, e.g. "85%"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = "100%"
        self.resize(self.sizeHint())

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(58, 30)

    def set_zoom(self, zoom: float) -> None:
        text = f"{zoom * 100:.0f}%"
        if text != self.text:
            self.text = text
            self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        colors = theme()
        painter = QPainter(self)
        rect = self._card(painter)
        painter.setFont(_font(11, QFont.Weight.Medium))
        painter.setPen(colors.text_muted)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.text)
        painter.end()
