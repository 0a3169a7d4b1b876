"""The layer palette: kinds of layer to drag onto the canvas.

The entries are a grid of tiles (an icon and a short name; the description is the tooltip),
so all of them show in the short dock of a 1280×720 screen. Each entry drags an
``application/x-bpstudio-layer`` payload
(``{"kind": "hidden", "activation": "tanh", "size": 4}``); the canvas inserts a hidden
layer where it is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt
from PySide6.QtGui import (
    QDrag,
    QFont,
    QFontMetrics,
    QMouseEvent,
    QPainter,
    QPen,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
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
    #: The name on its tile.
    short: str


ENTRIES: tuple[PaletteEntry, ...] = (
    PaletteEntry("input", None, "Input", "The features x; a network has one", "Input"),
    PaletteEntry("hidden", "tanh", "Hidden · tanh", "tanh(z), between −1 and 1", "tanh"),
    PaletteEntry("hidden", "relu", "Hidden · ReLU", "max(0, z)", "ReLU"),
    PaletteEntry(
        "hidden", "sigmoid", "Hidden · sigmoid", "σ(z) = 1 / (1 + e⁻ᶻ), in (0, 1)", "sigmoid"
    ),
    PaletteEntry("hidden", "leaky_relu", "Hidden · leaky ReLU", "max(0.01 z, z)", "leaky ReLU"),
    PaletteEntry("hidden", "linear", "Hidden · linear", "z itself (no squashing)", "linear"),
    PaletteEntry("output", None, "Output", "The prediction a⁽ᴸ⁾; a network has one", "Output"),
)


class _EntryDelegate(QStyledItemDelegate):
    """Entries drawn as tiles: the layer's icon over its short name."""

    TILE = QSize(78, 58)
    ICON = 30

    def sizeHint(  # noqa: N802 (Qt override)
        self, _option: QStyleOptionViewItem, _index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return self.TILE

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
        rect = option.rect.adjusted(2, 2, -2, -2)
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
        painter.drawRoundedRect(rect, 7, 7)
        icon = layer_pixmap(entry.kind, entry.activation, self.ICON)
        painter.drawPixmap(QPoint(rect.center().x() - self.ICON // 2 + 1, rect.top() + 4), icon)
        painter.setFont(option.font)
        painter.setPen(colors.text)
        metrics = painter.fontMetrics()
        text = QRect(rect.left() + 2, rect.top() + self.ICON + 5, rect.width() - 4, 0)
        text.setBottom(rect.bottom() - 2)
        painter.drawText(
            text,
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(entry.short, Qt.TextElideMode.ElideRight, text.width()),
        )
        painter.restore()


#: Pixels around each tile.
SPACING = 3


def grid_height(width: int) -> int:
    """The height the tiles of every entry take in a list ``width`` pixels wide."""
    tile = _EntryDelegate.TILE
    per_row = max(1, (width - SPACING) // (tile.width() + SPACING))
    rows = -(-len(ENTRIES) // per_row)
    return rows * (tile.height() + SPACING) + SPACING + 2


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
        # A grid of tiles that reflows with the dock's width; tiles stay where they are.
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setSpacing(SPACING)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setItemDelegate(_EntryDelegate(self))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # A transparent viewport through the palette rather than a style sheet: a style
        # sheet on the list also restyles its scroll bar (a black handle in Fusion).
        self.viewport().setAutoFillBackground(False)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        """Tall enough for every tile at the list's width, so a dock shows them all."""
        return QSize(240, grid_height(max(self.width(), 240)))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        """Every tile in view: a dock squeezed shorter than that would hide layer kinds."""
        if not self.isVisible():  # no width of its own yet: one row (see resizeEvent)
            return QSize(160, grid_height(len(ENTRIES) * 100))
        return QSize(160, grid_height(self.width()))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # a narrower dock needs another row

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
        self._column = layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        hint = QLabel("Drag a layer onto the canvas.")
        hint.setToolTip("A hidden layer lands between the two columns where you drop it.")
        hint.setWordWrap(True)
        self.hint = hint
        hint.setStyleSheet(f"color: {css(colors.text_muted)};")
        layout.addWidget(hint)

        self.list_widget = _PaletteList(self)
        for entry in ENTRIES:
            item = QListWidgetItem(layer_icon(entry.kind, entry.activation), entry.short)
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

    def height_for(self, width: int) -> int:
        """The height the palette needs to show every tile when it is ``width`` px wide."""
        margins = self._column.contentsMargins()
        inner = width - margins.left() - margins.right()
        return (
            margins.top()
            + self.hint.heightForWidth(inner)
            + grid_height(inner)
            + self.size_spin.sizeHint().height()
            + 2 * self._column.spacing()
            + margins.bottom()
        )

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
