"""Start a new project from one of the core's templates: each listed with a thumbnail of its
network and its data, the chosen one sketched larger beside a picture of its examples."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bpstudio.app.miniatures import (
    dataset_pixmap,
    draw_edges,
    icon_of,
    layer_kind,
    neuron_columns,
    template_parts,
    template_pixmap,
)
from bpstudio.app.theme import blend, set_palette_style, theme, with_alpha
from bpstudio.app.widgets import ok_cancel_buttons
from bpstudio.core.engine.activations import ACTIVATIONS
from bpstudio.core.engine.losses import LOSSES
from bpstudio.core.engine.network import NetworkSpec
from bpstudio.core.files.templates import TEMPLATES

DEFAULT_TEMPLATE = "note"
#: A template's thumbnail in the list (logical pixels) and its data's picture beside the sketch.
ICON_SIZE = QSize(96, 54)
DATA_PICTURE = 132

#: Past this many neurons a layer is drawn with a gap ("⋮") and its size written below.
MAX_DRAWN = 7


class NetworkSketch(QWidget):
    """A small drawing of a network's shape: one column of neurons per layer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._spec: NetworkSpec | None = None
        self.setMinimumSize(300, 170)

    def set_spec(self, spec: NetworkSpec | None) -> None:
        self._spec = spec
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(360, 200)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().base())
        if self._spec is None:
            return
        spec = self._spec
        caption_height = 34
        area = QRectF(self.rect()).adjusted(40, 16, -40, -16 - caption_height)
        columns = neuron_columns(area, spec.layer_sizes, MAX_DRAWN)
        radius = min(9.0, area.height() / MAX_DRAWN / 2.6)

        colors = theme()
        edge, outline = with_alpha(colors.outline, 90), colors.outline_hover
        painter.setPen(QPen(edge, 1.0))
        draw_edges(painter, columns)

        for i, column in enumerate(columns):
            colour = blend(colors.kind(layer_kind(i, spec.n_layers)), 0.55, colors.card)
            truncated = spec.layer_sizes[i] > MAX_DRAWN
            for r, p in enumerate(column):
                if truncated and r == MAX_DRAWN - 2:
                    painter.setPen(outline)
                    painter.drawText(
                        QRectF(p.x() - 10, p.y() - 10, 20, 20), Qt.AlignmentFlag.AlignCenter, "⋮"
                    )
                    continue
                painter.setPen(QPen(outline, 1.0))
                painter.setBrush(colour)
                painter.drawEllipse(p, radius, radius)

            x = column[0].x()
            label_rect = QRectF(x - 45, area.bottom() + 10, 90, 16)
            painter.setPen(self.palette().text().color())
            painter.drawText(label_rect, Qt.AlignmentFlag.AlignCenter, str(spec.layer_sizes[i]))
            name = "input" if i == 0 else spec.activations[i - 1]
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(label_rect.translated(0, 15), Qt.AlignmentFlag.AlignCenter, name)
        painter.end()


class NewProjectDialog(QDialog):
    """Pick a template. After ``exec()`` returns true, :attr:`template_name` is its name."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New Project")
        self.template_name: str | None = None
        self._specs = {name: template_parts(name)[0] for name in TEMPLATES}

        self.list = QListWidget()
        self.list.setIconSize(ICON_SIZE)
        self.list.setSpacing(3)
        self.list.setWordWrap(True)  # a label too long for the list wraps; it is never cut
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        w, h = ICON_SIZE.width(), ICON_SIZE.height()
        for name, template in TEMPLATES.items():
            item = QListWidgetItem(template.label)
            item.setIcon(icon_of(partial(template_pixmap, name, w, h)))
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setToolTip(template.description)
            self.list.addItem(item)
        longest = max(self.fontMetrics().horizontalAdvance(t.label) for t in TEMPLATES.values())
        scroll_bar = self.list.verticalScrollBar().sizeHint().width()
        self.list.setMinimumWidth(min(w + longest + scroll_bar + 36, 440))

        self.title = QLabel()
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.title.setFont(font)
        self.sketch = NetworkSketch()
        self.data_picture = QLabel()
        self.data_picture.setFixedSize(DATA_PICTURE, DATA_PICTURE)
        self.data_picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details = QLabel()
        self.details.setWordWrap(True)
        set_palette_style(self.details, "color: palette(placeholder-text);")

        preview = QVBoxLayout()
        preview.addWidget(self.title)
        pictures = QHBoxLayout()
        pictures.addWidget(self.sketch, 1)
        pictures.addWidget(self.data_picture, 0, Qt.AlignmentFlag.AlignVCenter)
        preview.addLayout(pictures, 1)
        preview.addWidget(self.description)
        preview.addWidget(self.details)

        body = QHBoxLayout()
        body.addWidget(self.list)
        body.addLayout(preview, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(ok_cancel_buttons(self, "Create"))
        self.resize(self.list.minimumWidth() + 560, 420)

        self.list.currentItemChanged.connect(self._on_current_item_changed)
        self.list.itemDoubleClicked.connect(self._on_item_double_clicked)
        self.select(DEFAULT_TEMPLATE)

    def selected_name(self) -> str | None:
        item = self.list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def select(self, name: str) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == name:
                self.list.setCurrentRow(row)
                return

    def accept(self) -> None:
        self.template_name = self.selected_name()
        super().accept()

    def _on_current_item_changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        name = self.selected_name() if current is not None else None
        if name is None:
            self.title.clear()
            self.description.clear()
            self.details.clear()
            self.sketch.set_spec(None)
            self.data_picture.clear()
            return
        template, spec = TEMPLATES[name], self._specs[name]
        self.title.setText(template.label)
        self.description.setText(template.description)
        acts = ", ".join(dict.fromkeys(ACTIVATIONS[a].label for a in spec.activations))
        self.details.setText(
            f"{' – '.join(map(str, spec.layer_sizes))} neurons · {acts} · "
            f"{LOSSES[spec.loss].label} · {spec.parameter_count:,} parameters"
        )
        self.sketch.set_spec(spec)
        examples = template_parts(name)[1]
        self.data_picture.setPixmap(
            dataset_pixmap(examples, DATA_PICTURE, self.devicePixelRatioF())
        )
        self.data_picture.setToolTip(f"The examples: {examples.name}")

    def _on_item_double_clicked(self, _item: QListWidgetItem) -> None:
        self.accept()
