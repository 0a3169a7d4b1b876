"""The scene: a picture of the document's network, rebuilt when its structure changes and
recoloured (without a rebuild) when its numbers change.

Layers are columns of :class:`NeuronItem` from the input (left) to the output (right); the
weights between two layers are one :class:`EdgeBundleItem`. The scene turns clicks into
selections and hands edits to the :class:`NetworkEditor`.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QColor,
    QImage,
    QPainter,
    QTransform,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsSceneContextMenuEvent,
    QGraphicsSceneHelpEvent,
    QGraphicsSceneMouseEvent,
    QMenu,
    QToolTip,
    QWidget,
)

from bpstudio.app import notation
from bpstudio.app.canvas.annotations import NoteAnnotations
from bpstudio.app.canvas.items import (
    CollapsedMarkerItem,
    DropIndicatorItem,
    EdgeBundleItem,
    HeaderButton,
    LayerHeaderItem,
    NeuronItem,
    font_pixels,
    points_to_pixels,
)
from bpstudio.app.canvas.layout import (
    HEADER_HEIGHT,
    NEURON_RADIUS,
    LayerLayout,
    header_bottom,
    insert_position,
    insert_x,
    is_wide,
    move_position,
    move_x,
    network_layout,
)
from bpstudio.app.canvas.thumbnails import hidden_neuron_images, image_html, neuron_image
from bpstudio.app.canvas.values import CanvasValues, max_abs, values_from_document
from bpstudio.app.document import Document
from bpstudio.app.editing import NetworkEditor, activation_short
from bpstudio.app.notation import Notation
from bpstudio.app.selection import Selection, SelectionModel
from bpstudio.app.theme import css, notifier, theme, to_qcolors, with_alpha
from bpstudio.core.engine.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.init import INITIALIZER_LABELS
from bpstudio.core.engine.network import NetworkSpec, Params

EDGE_MODES = ("weights", "gradients")


def _number(value: float | None) -> str:
    return notation.format_value(value, 4)


class NetworkScene(QGraphicsScene):
    #: A click on a neuron or an edge (the Selection), selected or not before.
    itemClicked = Signal(object)
    #: The note's labels were re-drawn (their size may have changed).
    labelsChanged = Signal()

    def __init__(
        self,
        document: Document,
        selection: SelectionModel,
        editor: NetworkEditor,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.draft = False  # see set_draft
        self.document = document
        self.selection = selection
        self.editor = editor
        self.spec: NetworkSpec = document.spec
        #: The input plane the neuron pictures cover: the data's range once data is loaded.
        self.input_ranges: tuple[tuple[float, float], tuple[float, float]] = (
            (-1.5, 1.5),
            (-1.5, 1.5),
        )
        self.layouts: list[LayerLayout] = []
        #: Wide layers the user expanded (index of the layer).
        self.expanded: set[int] = set()
        self.edge_mode = "weights"
        self.hit_tolerance = 6.0
        #: Hidden neurons drawn as heat maps over the input plane (see set_heat_maps).
        self.heat_maps = False
        self.values: CanvasValues | None = None
        self.selected_header: int | None = None
        #: How many times the items were rebuilt (tests check that recolouring does not).
        self.build_count = 0
        self._neurons: dict[tuple[int, int], NeuronItem] = {}
        self._edges: dict[int, EdgeBundleItem] = {}
        self._headers: dict[int, LayerHeaderItem] = {}
        self._markers: dict[int, CollapsedMarkerItem] = {}
        self._indicator: DropIndicatorItem | None = None
        #: The view's zoom and its scene-to-viewport transform (items that keep their size
        #: on screen are hit-tested through it).
        self.zoom = 1.0
        self.device_transform = QTransform()
        #: Runs a header button's action; the view replaces it to keep the button in place.
        self.keep_button: Callable[[int, str, Callable[[], object]], None] = _run_now
        #: The note's labels and the highlighted quantities (see set_highlight).
        self.annotations = NoteAnnotations(self)
        self.setBackgroundBrush(theme().background)
        selection.selectionChanged.connect(self._on_selection_changed)
        notifier().themeChanged.connect(self._on_theme_changed)

    def _on_theme_changed(self) -> None:
        """Items read the theme when they paint: a new background and one repaint do."""
        self.setBackgroundBrush(theme().background)
        self.update()

    # -- items ---------------------------------------------------------------------------------

    def neuron_item(self, layer: int, j: int) -> NeuronItem | None:
        return self._neurons.get((layer, j))

    def neuron_items(self, layer: int | None = None) -> list[NeuronItem]:
        return [n for (l, _), n in self._neurons.items() if layer is None or l == layer]

    def edge_item(self, layer: int) -> EdgeBundleItem | None:
        """The item drawing the weights of layer ``layer`` (between ``layer - 1`` and it)."""
        return self._edges.get(layer)

    def edge_items(self) -> list[EdgeBundleItem]:
        return list(self._edges.values())

    def header_item(self, layer: int) -> LayerHeaderItem | None:
        return self._headers.get(layer)

    def marker_item(self, layer: int) -> CollapsedMarkerItem | None:
        return self._markers.get(layer)

    @property
    def drop_indicator(self) -> DropIndicatorItem | None:
        return self._indicator

    def is_collapsed(self, layer: int) -> bool:
        return 0 <= layer < len(self.layouts) and self.layouts[layer].collapsed

    def _fixed_size(self, item: QGraphicsItem) -> bool:
        return bool(item.flags() & QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)

    def network_rect(self) -> QRectF:
        """The extent (scene units) of what scales with the zoom: neurons, edges, markers;
        not the drop indicator, nor the headers and labels that keep their size on screen
        (:meth:`screen_extent` adds those)."""
        rect = QRectF()
        for item in self.items():
            top_level = item.parentItem() is None and item is not self._indicator
            if top_level and not self._fixed_size(item):
                rect = rect.united(item.sceneBoundingRect())
        return rect

    def screen_extent(self, zoom: float) -> QRectF:
        """Everything the network shows at ``zoom``, in pixels of a view whose scene origin
        is at (0, 0): the scaled items times ``zoom``, united with the headers (at the width
        they take at ``zoom``) and labels, each at its anchor times ``zoom``."""
        scaled = self.network_rect()
        rect = QRectF(
            scaled.x() * zoom, scaled.y() * zoom, scaled.width() * zoom, scaled.height() * zoom
        )
        width = LayerHeaderItem.width_for(zoom)
        for item in self.items():
            if item.parentItem() is not None or not self._fixed_size(item) or not item.isVisible():
                continue
            if isinstance(item, LayerHeaderItem):
                h = LayerHeaderItem.height_for(width)
                box = QRectF(-width / 2, -h, width, h).adjusted(-2, -2, 2, 4)
            else:
                box = item.transform().mapRect(item.boundingRect())
            rect = rect.united(box.translated(item.pos().x() * zoom, item.pos().y() * zoom))
        return rect

    @contextmanager
    def life_size(self) -> Iterator[None]:
        """Headers and labels drawn in scene units at their full size while the block runs
        (an exported picture has no zoom for them to ignore); restored afterwards."""
        flag = QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations
        fixed = [i for i in self.items() if i.parentItem() is None and self._fixed_size(i)]
        for item in fixed:
            item.setFlag(flag, False)
        for header in self._headers.values():
            header.set_width(LayerHeaderItem.width_for(1.0))
        try:
            yield
        finally:
            for item in fixed:
                item.setFlag(flag, True)
            width = LayerHeaderItem.width_for(self.zoom)
            for header in self._headers.values():
                header.set_width(width)

    def itemsBoundingRect(self) -> QRectF:  # noqa: N802 (Qt override, for exports)
        with self.life_size():
            return super().itemsBoundingRect()

    def render(  # Qt override: File ▸ Export Image renders the scene at its own scale
        self,
        painter: QPainter,
        target: QRectF | QRect = QRectF(),  # noqa: B008 (Qt's default)
        source: QRectF | QRect = QRectF(),  # noqa: B008
        mode: Qt.AspectRatioMode = Qt.AspectRatioMode.KeepAspectRatio,
    ) -> None:
        with self.life_size():
            super().render(painter, target, source, mode)

    def set_zoom(self, zoom: float, device_transform: QTransform) -> None:
        """The view's zoom changed: headers take the width of a column on screen."""
        self.device_transform = device_transform
        if zoom == self.zoom:
            return
        self.zoom = zoom
        width = LayerHeaderItem.width_for(zoom)
        for header in self._headers.values():
            header.set_width(width)
        if self._indicator is not None:
            self._indicator.set_zoom(zoom)

    def items_at(self, pos: QPointF) -> list[QGraphicsItem]:
        """The items under ``pos``, topmost first, as the view shows them."""
        return self.items(
            pos,
            Qt.ItemSelectionMode.IntersectsItemShape,
            Qt.SortOrder.DescendingOrder,
            self.device_transform,
        )

    def drawn_texts(self) -> list[tuple[str, float]]:
        """Every text the canvas shows at its zoom with its size on screen in points: the
        headers', neurons', markers' and edges' texts and the note's labels."""
        texts: list[tuple[str, float]] = []
        painted = (NeuronItem, EdgeBundleItem, LayerHeaderItem, CollapsedMarkerItem)
        for item in self.items():
            if item.isVisible() and isinstance(item, (*painted, DropIndicatorItem)):
                for text, font, fixed in item.drawn_texts(self.zoom):
                    pixels = font_pixels(font) * (1.0 if fixed else self.zoom)
                    texts.append((text, pixels / points_to_pixels(1.0)))
        texts += self.annotations.drawn_texts()
        return texts

    # -- building ------------------------------------------------------------------------------

    def rebuild(self) -> None:
        """Make the items for the document's network (structure changed, or expand/collapse)."""
        spec = self.document.spec
        sizes = spec.layer_sizes
        self.selection.validate(spec)
        self.spec = spec
        self.expanded = {l for l in self.expanded if l < len(sizes) and is_wide(sizes[l])}
        if self.selected_header is not None and self.selected_header > spec.n_layers:
            self.selected_header = None
        self.clear()
        self._neurons.clear()
        self._edges.clear()
        self._headers.clear()
        self._markers.clear()
        self.layouts = network_layout(sizes, self.expanded)
        for l in range(1, spec.n_layers + 1):
            edge = EdgeBundleItem(l)
            edge.hit_tolerance = self.hit_tolerance
            edge.set_geometry(self.layouts[l - 1], self.layouts[l])
            self.addItem(edge)
            self._edges[l] = edge
        for lay in self.layouts:
            for j, y in zip(lay.indices, lay.ys, strict=True):
                neuron = NeuronItem(lay.layer, j)
                neuron.setPos(lay.x, y)
                self.addItem(neuron)
                self._neurons[(lay.layer, j)] = neuron
            if lay.collapsed and lay.marker_y is not None:
                marker = CollapsedMarkerItem(lay.layer, lay.size, lay.hidden_count)
                marker.setPos(lay.x, lay.marker_y)
                self.addItem(marker)
                self._markers[lay.layer] = marker
        top = header_bottom(self.layouts)
        for lay in self.layouts:
            header = self._make_header(spec, lay)
            header.setPos(lay.x, top)
            self.addItem(header)
            self._headers[lay.layer] = header
        self._indicator = DropIndicatorItem()
        self._indicator.set_zoom(self.zoom)
        self.addItem(self._indicator)
        rect = self.network_rect()
        self.setSceneRect(rect.adjusted(-600, -400, 600, 400))
        self.build_count += 1
        values = self.values
        if values is None or values.spec != spec:
            values = values_from_document(spec, self.document.params, None)
        self.apply_values(values)
        self._apply_marks(self.selection.selection)

    def _make_header(self, spec: NetworkSpec, lay: LayerLayout) -> LayerHeaderItem:
        l, n = lay.layer, lay.size
        if l == 0:
            kind, title = "input", "Input"
            subtitle = f"{n:,} input{'s' if n != 1 else ''}"
            shorter: tuple[str, ...] = ("In",)
        else:
            kind = "output" if l == spec.n_layers else "hidden"
            name, short = ("Output", "Out") if kind == "output" else (f"Layer {l}", f"L{l}")
            act = activation_short(spec.activations[l - 1])
            title = f"{name} · {act}"
            subtitle = f"{n:,} neuron{'s' if n != 1 else ''}"
            shorter = (f"{short} · {act}", name, short)
        header = LayerHeaderItem(l, kind, title, subtitle, kind == "hidden", shorter, (f"{n:,}",))
        header.set_width(LayerHeaderItem.width_for(self.zoom))
        header.add_button(
            "add",
            "plus",
            self._pinned(l, "add", lambda: self.editor.add_neuron(l)),
            f"Add a neuron to {title}",
        )
        header.add_button(
            "remove",
            "minus",
            self._pinned(l, "remove", lambda: self.editor.remove_neuron(l)),
            f"Remove the last neuron of {title}",
        )
        if is_wide(n):
            collapsed = lay.collapsed
            header.add_button(
                "toggle",
                "expand" if collapsed else "collapse",
                lambda: self.toggle_expanded(l),
                f"{'Expand' if collapsed else 'Collapse'} this layer: draw "
                f"{'all' if collapsed else 'only the first and last'} of its {n:,} neurons",
                row=0,
            )
        header.setToolTip(
            f"{title}: {subtitle}."
            + (" Drag sideways to move the layer." if kind == "hidden" else "")
            + " Right-click for more."
        )
        return header

    def _pinned(self, layer: int, name: str, action: Callable[[], object]) -> Callable[[], None]:
        """``action`` run through :attr:`keep_button` (the view keeps the button under the
        pointer while the rebuilt layer re-centres)."""

        def run() -> None:
            self.keep_button(layer, name, action)

        return run

    def toggle_expanded(self, layer: int) -> None:
        self.set_expanded(layer, layer not in self.expanded)

    def set_expanded(self, layer: int, expanded: bool) -> None:
        if expanded == (layer in self.expanded):
            return
        if expanded:
            self.expanded.add(layer)
        else:
            self.expanded.discard(layer)
        self.rebuild()

    # -- values --------------------------------------------------------------------------------

    def set_edge_mode(self, mode: str) -> None:
        if mode not in EDGE_MODES:
            raise ValueError(f"edge mode must be one of {EDGE_MODES}, got {mode!r}")
        if mode != self.edge_mode:
            self.edge_mode = mode
            if self.values is not None:
                self.apply_values(self.values)

    def set_draft(self, draft: bool) -> None:
        """Draft quality (see :func:`bpstudio.app.canvas.items._draft`) while training runs;
        leaving it repaints everything in full quality."""
        if draft != self.draft:
            self.draft = draft
            for item in self.items():
                item.update()

    def apply_values(self, values: CanvasValues) -> None:
        """Recolour neurons and edges for new numbers; no item is created or deleted."""
        if values.spec != self.spec:
            return
        self.values = values
        colors = theme()
        gradient = self.edge_mode == "gradients"
        w_scale = max_abs(values.W) or 1.0
        for l, edge in self._edges.items():
            if gradient:
                dW = values.dW[l - 1] if values.dW is not None else None
                edge.set_values(dW, max_abs([dW]) if dW is not None else 0.0, True)
            else:
                edge.set_values(values.W[l - 1], w_scale, False)
        b_scale = max(max_abs(values.b), 1e-12)
        g_scale = max_abs(values.dA) if values.dA is not None else 0.0  # type: ignore[arg-type]
        for lay in self.layouts:
            l = lay.layer
            idx = np.array(lay.indices)
            n = len(idx)
            fills: list[QColor | None] = [None] * n
            texts = [""] * n
            if values.A is not None:
                a = values.A[l][idx]
                fills = to_qcolors(colors.values.rgb(a))  # type: ignore[assignment]
                texts = [notation.compact(v) for v in a.tolist()]
            rings: list[QColor | None] = [None] * n
            widths = [0.0] * n
            grad = values.dA[l] if values.dA is not None else None
            if grad is not None and g_scale > 0:
                g = grad[idx]
                t = np.sqrt(np.clip(np.nan_to_num(np.abs(g) / g_scale), 0, 1))
                for i, (gi, ti) in enumerate(zip(g.tolist(), t.tolist(), strict=True)):
                    if ti >= 0.08:
                        rings[i] = with_alpha(colors.gradients.sign(gi), 90 + 165 * ti)
                        widths[i] = round(1.2 + 4.3 * ti, 1)
            biases: list[QColor | None] = [None] * n
            if l >= 1:
                rgb = colors.values.rgb(values.b[l - 1][idx], b_scale)
                biases = to_qcolors(rgb)  # type: ignore[assignment]
            for i, j in enumerate(lay.indices):
                self._neurons[(l, j)].set_values(fills[i], texts[i], rings[i], widths[i], biases[i])
        self.annotations.refresh()
        self.refresh_heat_maps()

    def set_heat_maps(self, shown: bool) -> None:
        """Draw every hidden neuron as a heat map of what it computes over the input plane
        (networks with 2 inputs), or with its probe activation's colour."""
        if shown != self.heat_maps:
            self.heat_maps = shown
            self.refresh_heat_maps()

    def refresh_heat_maps(self) -> None:
        """Re-draw the heat maps for the current parameters and input plane."""
        values = self.values
        pictures: dict[tuple[int, int], QImage] = {}
        if self.heat_maps and values is not None and values.spec == self.spec:
            pictures = hidden_neuron_images(
                self.spec, Params(list(values.W), list(values.b)), *self.input_ranges
            )
        for key, neuron in self._neurons.items():
            neuron.set_picture(pictures.get(key))

    def set_highlight(
        self, neurons: Iterable[tuple[int, int]] = (), params: Iterable[ParamRef] = ()
    ) -> None:
        """Highlight neurons ``(layer, j)`` and parameters; no arguments clear it."""
        self.annotations.set_highlight(neurons, params)

    # -- selection -----------------------------------------------------------------------------

    def _on_selection_changed(self, selection: Selection | None) -> None:
        if selection is not None:
            self._set_header(None)
        self._apply_marks(selection)

    def select_header(self, layer: int | None) -> None:
        """Select a layer through its header (Delete then removes the layer)."""
        if layer is not None:
            self.selection.clear()
            if layer >= 1:
                self.selection.select_layer(layer)
        self._set_header(layer)

    def _set_header(self, layer: int | None) -> None:
        self.selected_header = layer
        for l, header in self._headers.items():
            header.set_marked(l == layer)

    def _apply_marks(self, selection: Selection | None) -> None:
        if selection is not None and not selection.fits(self.spec):
            selection = None
        marked: tuple[int, int] | None = None
        related: set[tuple[int, int]] = set()
        if selection is not None and selection.is_weight:
            related = {(selection.layer, selection.j), (selection.layer - 1, selection.k or 0)}
        elif selection is not None:
            marked = (selection.layer, selection.j)
        for key, neuron in self._neurons.items():
            neuron.set_marks(key == marked, key in related)
        self.annotations.refresh()
        for l, marker in self._markers.items():
            ends = {marked} | related if marked else related
            lay = self.layouts[l]
            marker.set_marked(any(e[0] == l and lay.y_of(e[1]) is None for e in ends if e))
        for l, edge in self._edges.items():
            if selection is None:
                edge.set_focus(None, None, False)
            elif selection.is_weight:
                line = (
                    edge.line_index(selection.j, selection.k or 0) if l == selection.layer else None
                )
                edge.set_focus(None, line, True)
            else:
                mask = edge.focus_mask_for(selection.layer, selection.j)
                edge.set_focus(mask, None, True)

    # -- hit testing ---------------------------------------------------------------------------

    def set_hit_tolerance(self, tolerance: float) -> None:
        """How near (scene units) a click must be to an edge to select its weight."""
        self.hit_tolerance = tolerance
        for edge in self._edges.values():
            edge.hit_tolerance = tolerance

    def hit_test(self, pos: QPointF) -> Selection | None:
        """The neuron under ``pos``, else the weight whose edge passes nearest, else None."""
        for item in self.items_at(pos):
            if isinstance(item, NeuronItem):
                return Selection.neuron(item.layer, item.j)
            if isinstance(item, (HeaderButton, LayerHeaderItem, CollapsedMarkerItem)):
                return None
        best: tuple[float, Selection] | None = None
        for edge in self._edges.values():
            hit = edge.weight_at(pos, self.hit_tolerance)
            if hit is not None:
                line = edge.line(*hit)
                assert line is not None
                d = _distance(pos, line.p1(), line.p2())
                if best is None or d < best[0]:
                    best = (d, Selection.weight(edge.layer, hit[0], hit[1]))
        return best[1] if best is not None else None

    def layer_at(self, pos: QPointF) -> int | None:
        """The layer whose neuron, header, marker or column is under ``pos``."""
        for item in self.items_at(pos):
            while item.parentItem() is not None:
                item = item.parentItem()
            if isinstance(item, (NeuronItem, LayerHeaderItem, CollapsedMarkerItem)):
                return item.layer
        top = header_bottom(self.layouts) - HEADER_HEIGHT
        for lay in self.layouts:
            near = abs(pos.x() - lay.x) <= NEURON_RADIUS * 2.5
            if near and top <= pos.y() <= lay.bottom + NEURON_RADIUS * 2:
                return lay.layer
        return None

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        top = self.itemAt(event.scenePos(), self.device_transform)
        if isinstance(top, (HeaderButton, LayerHeaderItem, CollapsedMarkerItem)):
            super().mousePressEvent(event)
            return
        hit = self.hit_test(event.scenePos())
        if hit is not None:
            self.selection.select(hit)
            self.itemClicked.emit(hit)
            event.accept()
            return
        # The background: clear the selection and let the view pan.
        self.selection.clear()
        self._set_header(None)
        event.ignore()

    # -- context menu --------------------------------------------------------------------------

    def layer_menu(
        self, layer: int, neuron: int | None = None, parent: QWidget | None = None
    ) -> QMenu:
        """The context menu of ``layer`` (and of one of its neurons)."""
        spec = self.spec
        is_output = layer == spec.n_layers
        is_hidden = 0 < layer < spec.n_layers
        header = self._headers.get(layer)
        menu = QMenu(header.title if header is not None else f"Layer {layer}", parent)
        menu.setObjectName(f"layer_menu_{layer}")
        editor = self.editor

        def action(name: str, text: str, slot: object, enabled: bool = True) -> QAction:
            act = menu.addAction(text)
            act.setObjectName(name)
            act.triggered.connect(slot)
            act.setEnabled(enabled)
            return act

        action("add_neuron", "Add neuron", lambda: editor.add_neuron(layer))
        if neuron is not None:
            action(
                "remove_neuron",
                f"Remove neuron {neuron}",
                lambda: editor.remove_neuron(layer, neuron),
            )
        action(
            "remove_last_neuron",
            "Remove last neuron",
            lambda: editor.remove_neuron(layer),
            spec.layer_sizes[layer] > 1,
        )
        if layer >= 1:
            menu.addSeparator()
            activations = menu.addMenu("Activation")
            activations.setObjectName("activation_menu")
            group = QActionGroup(activations)
            current = spec.activations[layer - 1]
            names = list(ACTIVATIONS) if is_output else list(HIDDEN_ACTIVATIONS)
            for name in names:
                act = activations.addAction(ACTIVATIONS[name].label)
                act.setObjectName(f"activation_{name}")
                act.setCheckable(True)
                act.setChecked(name == current)
                group.addAction(act)
                act.triggered.connect(lambda _=False, a=name: editor.set_activation(layer, a))
            init = menu.addMenu("Initialise layer")
            init.setObjectName("initialise_menu")
            for scheme, label in INITIALIZER_LABELS.items():
                act = init.addAction(label)
                act.setObjectName(f"initialise_{scheme}")
                act.triggered.connect(lambda _=False, s=scheme: editor.initialise_layer(layer, s))
        if is_wide(spec.layer_sizes[layer]):
            menu.addSeparator()
            collapsed = self.is_collapsed(layer)
            action(
                "toggle_collapse",
                "Expand layer" if collapsed else "Collapse layer",
                lambda: self.toggle_expanded(layer),
            )
        menu.addSeparator()
        remove = action(
            "remove_layer", "Remove layer", lambda: editor.remove_layer(layer), is_hidden
        )
        if not is_hidden:
            remove.setToolTip("A network keeps its input and output layers")
        return menu

    def contextMenuEvent(self, event: QGraphicsSceneContextMenuEvent) -> None:  # noqa: N802
        pos = event.scenePos()
        layer = self.layer_at(pos)
        if layer is None:
            event.ignore()
            return
        hit = self.hit_test(pos)
        neuron = hit.j if hit is not None and not hit.is_weight else None
        if hit is not None and not hit.is_weight:
            self.selection.select(hit)
        else:
            self.select_header(layer)
        parent = event.widget()
        menu = self.layer_menu(layer, neuron, parent)
        menu.exec(event.screenPos())
        menu.deleteLater()
        event.accept()

    # -- tooltips ------------------------------------------------------------------------------

    def helpEvent(self, event: QGraphicsSceneHelpEvent) -> None:  # noqa: N802
        text = self.tooltip_at(event.scenePos())
        if text:
            QToolTip.showText(event.screenPos(), text, event.widget())
            event.accept()
        else:
            QToolTip.hideText()
            event.ignore()

    def tooltip_at(self, pos: QPointF) -> str:
        """Rich text for whatever is under ``pos`` (the numbers behind the colours)."""
        for item in self.items_at(pos):
            if isinstance(item, (HeaderButton, LayerHeaderItem, CollapsedMarkerItem)):
                return item.toolTip()
            if isinstance(item, NeuronItem):
                return self.neuron_tooltip(item.layer, item.j)
        hit = self.hit_test(pos)
        if hit is not None and hit.is_weight:
            return self.weight_tooltip(hit.layer, hit.j, hit.k or 0)
        return ""

    def neuron_tooltip(self, layer: int, j: int) -> str:
        v = self.values
        spec = self.spec
        if layer == 0:
            title = f"Input {j}"
        else:
            name = "output" if layer == spec.n_layers else "layer"
            act = activation_short(spec.activations[layer - 1])
            title = f"Neuron {j} of {name} {layer if name == 'layer' else ''} · {act}"
        nt = Notation.for_spec(spec)
        rows = [(nt.neuron(layer, j), v.activation(layer, j) if v else None)]
        if layer >= 1:
            rows += [
                (nt.pre_activation(layer, j), v.pre_activation(layer, j) if v else None),
                (nt.bias(layer, j), v.bias_now(layer, j) if v else None),
                (nt.slope(layer, j), v.derivative(layer, j) if v else None),
            ]
        rows.append((nt.gradient(nt.neuron(layer, j)), v.grad_a(layer, j) if v else None))
        body = "".join(
            f"<tr><td>{label}</td><td align='right'>&nbsp;&nbsp;{_number(value)}</td></tr>"
            for label, value in rows
        )
        note = ""
        muted = css(theme().text_muted)
        if v is None or v.A is None:
            note = f"<br><span style='color:{muted}'>Step a forward pass to see a and z.</span>"
        elif v.dA is None:
            note = f"<br><span style='color:{muted}'>Step a backward pass to see ∂C/∂a.</span>"
        elif v.probe_index is not None:
            note = (
                f"<br><span style='color:{muted}'>Probe: training example {v.probe_index}.</span>"
            )
        picture = self._neuron_picture(layer, j)
        return f"<b>{html.escape(title.replace('  ', ' '))}</b><table>{body}</table>{note}{picture}"

    def _neuron_picture(self, layer: int, j: int) -> str:
        """For 2 inputs: what the neuron computes over the input plane, as a small image."""
        v = self.values
        if v is None or layer < 1 or self.spec.input_size != 2:
            return ""
        params = Params(list(v.W), list(v.b))
        image = neuron_image(self.spec, params, layer, j, *self.input_ranges)
        (x0, x1), (y0, y1) = self.input_ranges
        return (
            f"<br>{image_html(image)}<br><span style='color:{css(theme().text_muted)}'>"
            f"a over the input plane, x₁ ∈ [{x0:.2g}, {x1:.2g}], x₂ ∈ [{y0:.2g}, {y1:.2g}]</span>"
        )

    def weight_tooltip(self, layer: int, j: int, k: int) -> str:
        v = self.values
        w = v.weight_now(layer, j, k) if v is not None else None
        dw = float(v.dW[layer - 1][j, k]) if v is not None and v.dW is not None else None
        a_prev = v.activation(layer - 1, k) if v is not None else None
        nt = Notation.for_spec(self.spec)
        rows = [
            (nt.weight(layer, j, k), w),
            (f"{nt.gradient(nt.symbol('w', None))} (batch)", dw),
            (nt.neuron(layer - 1, k), a_prev),
        ]
        body = "".join(
            f"<tr><td>{label}</td><td align='right'>&nbsp;&nbsp;{_number(value)}</td></tr>"
            for label, value in rows
        )
        return (
            f"<b>Weight from neuron {k} of layer {layer - 1} to neuron {j} of layer {layer}</b>"
            f"<table>{body}</table>"
        )

    # -- drop and move indicators --------------------------------------------------------------

    def _span(self) -> tuple[float, float]:
        top = header_bottom(self.layouts) - HEADER_HEIGHT
        bottom = max(lay.bottom for lay in self.layouts) + 12
        return top, bottom

    def show_insert_indicator(self, x: float) -> int:
        """Show where a hidden layer dropped at ``x`` goes; returns its position (1..L)."""
        position = insert_position(self.layouts, x)
        if self._indicator is not None:
            top, bottom = self._span()
            self._indicator.show_line(
                insert_x(self.layouts, position), top + HEADER_HEIGHT + 6, bottom, "New layer here"
            )
        return position

    def show_column_indicator(self, layer: int, label: str) -> None:
        """Highlight an existing column (a second input or output would change nothing)."""
        if self._indicator is not None:
            lay = self.layouts[layer]
            top, bottom = self._span()
            self._indicator.show_column(lay.x, top + HEADER_HEIGHT + 6, bottom, label)

    def show_move_indicator(self, layer: int, x: float) -> int:
        position = move_position(self.layouts, layer, x)
        if self._indicator is not None:
            top, bottom = self._span()
            label = f"Move to position {position}"
            self._indicator.show_line(
                move_x(self.layouts, layer, position), top + HEADER_HEIGHT + 6, bottom, label
            )
        return position

    def hide_drop_indicator(self) -> None:
        if self._indicator is not None:
            self._indicator.hide()

    def finish_layer_move(self, layer: int, x: float) -> bool:
        """A hidden layer's header was dropped at ``x``: move the layer there."""
        self.hide_drop_indicator()
        if not 0 < layer < self.spec.n_layers:
            return False
        position = move_position(self.layouts, layer, x)
        moved = self.editor.move_layer(layer, position)
        if moved:
            self._set_header(position)
            self.selection.select_layer(position)
        return moved


def _run_now(_layer: int, _name: str, action: Callable[[], object]) -> None:
    action()


def _distance(p: QPointF, a: QPointF, b: QPointF) -> float:
    dx, dy = b.x() - a.x(), b.y() - a.y()
    t = ((p.x() - a.x()) * dx + (p.y() - a.y()) * dy) / (dx * dx + dy * dy or 1.0)
    t = min(max(t, 0.0), 1.0)
    return float(np.hypot(a.x() + t * dx - p.x(), a.y() + t * dy - p.y()))
