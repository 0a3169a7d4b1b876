"""The layer palette: kinds of layer to drag onto the canvas.

Each entry drags an ``application/x-bpstudio-layer`` payload
(``{"kind": "hidden", "activation": "tanh", "size": 4}``); the canvas inserts a hidden
layer where it is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QDrag, QFont, QFontMetrics, QMouseEvent, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from bpstudio.app.canvas.icons import layer_icon, layer_pixmap
from bpstudio.app.canvas.mime import LAYER_MIME, layer_mime_data
from bpstudio.app.theme import css, theme, with_alpha
from bpstudio.app.widgets import IntegerSpinBox
from bpstudio.core.engine.edits import MAX_LAYER_SIZE

DEFAULT_SIZE = 4
_ROLE_ENTRY = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class PaletteEntry:
    kind: str
    activation: str | None
    title: str
    description: str


ENTRIES: tuple[PaletteEntry, ...] = (
    PaletteEntry("input", None, "Input", "The features x; a network has one"),
    PaletteEntry("hidden", "tanh", "Hidden · tanh", "tanh(z), between −1 and 1"),
    PaletteEntry("hidden", "relu", "Hidden · ReLU", "max(0, z)"),
    PaletteEntry("hidden", "sigmoid", "Hidden · sigmoid", "σ(z) = 1 / (1 + e⁻ᶻ), in (0, 1)"),
    PaletteEntry("hidden", "leaky_relu", "Hidden · leaky ReLU", "max(0.01 z, z)"),
    PaletteEntry("hidden", "linear", "Hidden · linear", "z itself (no squashing)"),
    PaletteEntry("output", None, "Output", "The prediction a⁽ᴸ⁾; a network has one"),
)


class _EntryDelegate(QStyledItemDelegate):
    """Rows drawn as cards: icon, title, one-line description."""

    ROW_HEIGHT = 54

    def sizeHint(  # noqa: N802 (Qt override)
        self, option: QStyleOptionViewItem, _index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(option.rect.width(), self.ROW_HEIGHT)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        colors = theme()
        entry: PaletteEntry = index.data(_ROLE_ENTRY)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = option.rect.adjusted(4, 3, -4, -3)
        state = option.state
        if state & QStyle.StateFlag.State_Selected:
            painter.setPen(QPen(colors.accent, 1.2))
            painter.setBrush(with_alpha(colors.accent, 18))
        elif state & QStyle.StateFlag.State_MouseOver:
            painter.setPen(QPen(with_alpha(colors.kind("hidden"), 90), 1))
            painter.setBrush(with_alpha(colors.kind("hidden"), 12))
        else:
            painter.setPen(QPen(colors.card_border, 1))
            painter.setBrush(colors.card)
        painter.drawRoundedRect(rect, 8, 8)
        icon = layer_pixmap(entry.kind, entry.activation, 36)
        painter.drawPixmap(QPoint(rect.left() + 8, rect.center().y() - 18), icon)
        text_left = rect.left() + 54
        title_font = QFont(option.font)
        title_font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(title_font)
        painter.setPen(colors.text)
        painter.drawText(
            QRect(text_left, rect.top() + 6, rect.right() - text_left - 6, rect.height() // 2 - 4),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom,
            entry.title,
        )
        small = QFont(option.font)
        small.setPointSizeF(max(option.font.pointSizeF() - 1.0, 7.0))
        painter.setFont(small)
        painter.setPen(colors.text_muted)
        metrics = painter.fontMetrics()
        width = rect.right() - text_left - 6
        painter.drawText(
            QRect(text_left, rect.center().y() + 2, width, rect.height() // 2 - 4),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
            metrics.elidedText(entry.description, Qt.TextElideMode.ElideRight, width),
        )
        painter.restore()


class _PaletteList(QListWidget):
    def __init__(self, palette: LayerPalette) -> None:
        super().__init__(palette)
        self._palette = palette
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setMouseTracking(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setUniformItemSizes(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setItemDelegate(_EntryDelegate(self))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # A transparent viewport through the palette rather than a style sheet: a style
        # sheet on the list also restyles its scroll bar (a black handle in Fusion).
        self.viewport().setAutoFillBackground(False)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        """Tall enough for every entry, so a dock shows them all when it can."""
        return QSize(240, len(ENTRIES) * _EntryDelegate.ROW_HEIGHT + 6)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(160, 2 * _EntryDelegate.ROW_HEIGHT)

    def mimeTypes(self) -> list[str]:  # noqa: N802 (Qt override)
        return [LAYER_MIME]

    def mimeData(self, items: Sequence[QListWidgetItem]) -> Any:  # noqa: N802 (Qt override)
        if not items:
            return None
        return layer_mime_data(self._palette.payload(self.row(items[0])))

    def startDrag(self, _supported_actions: Qt.DropAction) -> None:  # noqa: N802, N803
        item = self.currentItem()
        if item is None:
            return
        row = self.row(item)
        drag = QDrag(self)
        drag.setMimeData(self._palette.mime_data(row))
        pixmap = self._palette.drag_pixmap(row)
        drag.setPixmap(pixmap)
        drag.setHotSpot(QPoint(22, int(pixmap.height() / pixmap.devicePixelRatio() / 2)))
        drag.exec(Qt.DropAction.CopyAction)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        super().mouseMoveEvent(event)
        self.viewport().update()


class LayerPalette(QWidget):
    """Layer kinds to drag onto the canvas, and the size of a new hidden layer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        colors = theme()
        super().__init__(parent)
        self.setObjectName("LayerPalette")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        hint = QLabel(
            "Drag a layer onto the canvas: a hidden layer lands between the two columns "
            "where you drop it."
        )
        hint.setWordWrap(True)
        hint.setStyleSheet(f"color: {css(colors.text_muted)};")
        layout.addWidget(hint)

        self.list_widget = _PaletteList(self)
        for entry in ENTRIES:
            item = QListWidgetItem(layer_icon(entry.kind, entry.activation), entry.title)
            item.setData(_ROLE_ENTRY, entry)
            item.setToolTip(f"{entry.title}: {entry.description}. Drag onto the canvas.")
            item.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsDragEnabled
            )
            self.list_widget.addItem(item)
        layout.addWidget(self.list_widget, 1)

        row = QHBoxLayout()
        label = QLabel("Neurons in a new layer")
        self.size_spin = IntegerSpinBox()
        self.size_spin.setRange(1, MAX_LAYER_SIZE)
        self.size_spin.setValue(DEFAULT_SIZE)
        self.size_spin.setToolTip("How many neurons a dropped hidden layer has")
        label.setBuddy(self.size_spin)
        row.addWidget(label, 1)
        row.addWidget(self.size_spin)
        layout.addLayout(row)

    # -- payloads ------------------------------------------------------------------------------

    @property
    def entries(self) -> tuple[PaletteEntry, ...]:
        return ENTRIES

    def row_of(self, kind: str, activation: str | None = None) -> int:
        for i, entry in enumerate(ENTRIES):
            if entry.kind == kind and (activation is None or entry.activation == activation):
                return i
        raise KeyError(f"no palette entry for {kind} {activation or ''}".strip())

    def payload(self, row: int) -> dict[str, Any]:
        """The JSON payload entry ``row`` drags."""
        entry = ENTRIES[row]
        payload: dict[str, Any] = {"kind": entry.kind}
        if entry.kind == "hidden":
            payload["activation"] = entry.activation
            payload["size"] = self.size_spin.value()
        return payload

    def mime_data(self, row: int) -> Any:
        return layer_mime_data(self.payload(row))

    def drag_pixmap(self, row: int) -> QPixmap:
        """What follows the mouse while dragging: a small card with the icon and title."""
        colors = theme()
        entry = ENTRIES[row]
        font = QFont(self.font())
        font.setWeight(QFont.Weight.DemiBold)
        width = QFontMetrics(font).horizontalAdvance(entry.title) + 64
        scale = 2
        pixmap = QPixmap(width * scale, 48 * scale)
        pixmap.setDevicePixelRatio(scale)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(colors.accent, 1.2))
        painter.setBrush(with_alpha(colors.card, 235))
        painter.drawRoundedRect(1, 1, width - 2, 46, 10, 10)
        painter.drawPixmap(QPoint(8, 6), layer_pixmap(entry.kind, entry.activation, 36))
        painter.setFont(font)
        painter.setPen(colors.text)
        painter.drawText(
            QRect(52, 0, width - 56, 48),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            entry.title,
        )
        painter.end()
        return pixmap
