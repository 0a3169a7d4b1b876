"""The network canvas: a zoomable, pannable view of :class:`NetworkScene` that accepts
layers dragged from the :class:`~bpstudio.app.canvas.palette.LayerPalette`.

The view keeps only view state (zoom, which wide layers are expanded, what the edges
show); everything else it reads from the document and the training controller's snapshots.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any, Protocol

import numpy as np
from PySide6.QtCore import (
    QEvent,
    QObject,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QSettings,
    Qt,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import (
    QAction,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPen,
    QResizeEvent,
    QShowEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsView,
    QMainWindow,
    QMenu,
    QToolBar,
    QWidget,
)

from bpstudio.app.action_icons import ThemedIcons
from bpstudio.app.canvas.icons import action_icon
from bpstudio.app.canvas.mime import parse_layer_mime, validate_payload
from bpstudio.app.canvas.overlay import CanvasLegend, ZoomBadge
from bpstudio.app.canvas.scene import EDGE_MODES, NetworkScene
from bpstudio.app.canvas.values import values_from_document, values_from_snapshot
from bpstudio.app.document import Document
from bpstudio.app.editing import EditPauser, NetworkEditor
from bpstudio.app.selection import SelectionModel
from bpstudio.app.theme import theme
from bpstudio.core.engine.decision import padded_range
from bpstudio.core.training.snapshot import Snapshot

MIN_ZOOM = 0.03
MAX_ZOOM = 6.0
MAX_FIT_ZOOM = 1.25  # a tiny network is not blown up past this by "fit"
WHEEL_STEP = 1.0015  # zoom factor per 1/8 degree of wheel rotation
BUTTON_STEP = 1.25  # zoom factor of Zoom In / Zoom Out
HIT_PIXELS = 6.0  # how near (screen pixels) a click must be to an edge
GRID = 24.0  # scene units between background dots
HEAT_MAPS_KEY = "view/neuron_heat_maps"  # QSettings key
FIT_MARGIN = 14  # pixels "fit" leaves around the network


class Controller(EditPauser, Protocol):
    """What the canvas needs of the training controller (a stub will do in tests): pauses
    around its edits and the snapshots to draw."""

    snapshotShown: SignalInstance


class NetworkView(QGraphicsView):
    """The canvas.

    Signals
    -------
    message(str) : a status message for the user (also shown in the window's status bar).
    zoomChanged(float) : the scale factor changed.
    """

    message = Signal(str)
    zoomChanged = Signal(float)

    def __init__(
        self,
        document: Document,
        selection: SelectionModel,
        controller: Controller | QObject,
        parent: QWidget | None = None,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__(parent)
        # The view actions' icons, drawn again when the theme or the palette changes.
        self.icons = ThemedIcons(self)
        #: Where view preferences are remembered (none: not remembered).
        self.settings = settings
        self.document = document
        self.selection = selection
        self.controller = controller
        self.editor = NetworkEditor(document, controller, self)  # type: ignore[arg-type]
        self.network_scene = NetworkScene(document, selection, self.editor, self)
        self.setScene(self.network_scene)
        self._snapshot: Snapshot | None = None
        self._auto_fit = True  # keep the network fitted until the user zooms or pans
        self._fit_cap = MAX_FIT_ZOOM
        self._fit_area = 0  # which of content_areas() the network was fitted in
        self._pinned_button: tuple[int, str, QPointF] | None = None  # see _keep_button
        self._drag_message = ""

        self.setObjectName("NetworkView")
        self.setRenderHints(
            QPainter.RenderHint.Antialiasing
            | QPainter.RenderHint.TextAntialiasing
            | QPainter.RenderHint.SmoothPixmapTransform
        )
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(320, 240)

        self.network_scene.keep_button = self._keep_button
        self.network_scene.labelsChanged.connect(self._on_labels_changed)
        self.legend = CanvasLegend(self)
        self.zoom_badge = ZoomBadge(self)
        self._make_actions()

        self.editor.message.connect(self._on_message)
        document.networkChanged.connect(self._on_network_changed)
        document.projectReplaced.connect(self._on_project_replaced)
        document.parametersChanged.connect(self._on_parameters_changed)
        document.parameterChanged.connect(self._on_parameter_changed)
        controller.snapshotShown.connect(self._on_snapshot)  # type: ignore[union-attr]
        data_loaded = getattr(controller, "dataLoaded", None)
        if data_loaded is not None:
            data_loaded.connect(self._on_data_loaded)

        self.network_scene.rebuild()
        snapshot = getattr(controller, "snapshot", None)
        if isinstance(snapshot, Snapshot):
            self._on_snapshot(snapshot)
        self._apply_stored_view(document.project.view)

    def _on_data_loaded(self, data: object) -> None:
        """Neuron pictures cover the plane the training inputs span."""
        X = getattr(getattr(data, "train", None), "X", None)
        if isinstance(X, np.ndarray) and X.ndim == 2 and X.shape[1] == 2 and X.shape[0]:
            self.network_scene.input_ranges = (padded_range(X[:, 0]), padded_range(X[:, 1]))
            self.network_scene.refresh_heat_maps()

    # -- actions -------------------------------------------------------------------------------

    def _make_actions(self) -> None:
        def make(text: str, icon: str, slot: object, tip: str) -> QAction:
            action = QAction(text, self)
            self.icons.add(action, partial(action_icon, icon))
            action.setStatusTip(tip)
            action.setToolTip(tip)
            action.triggered.connect(slot)
            return action

        self.act_zoom_in = make("Zoom &In", "zoom_in", self.zoom_in, "Zoom in on the network")
        self.act_zoom_in.setShortcut(QKeySequence(QKeySequence.StandardKey.ZoomIn))
        self.act_zoom_out = make("Zoom &Out", "zoom_out", self.zoom_out, "Zoom out")
        self.act_zoom_out.setShortcut(QKeySequence(QKeySequence.StandardKey.ZoomOut))
        self.act_fit = make(
            "&Fit Network",
            "zoom_fit",
            lambda: self.fit_network(),
            "Zoom so that the whole network fits",
        )
        self.act_fit.setShortcut(QKeySequence("Ctrl+0"))
        self.act_fit.setIconText("Fit")
        self.act_edges_gradient = make(
            "Edges Show ∂C/∂&w",
            "edges_gradient",
            self._on_edges_gradient_toggled,
            "Colour the edges by the batch gradient ∂C/∂w instead of the weights w",
        )
        self.act_edges_gradient.setCheckable(True)
        self.act_heat_maps = QAction("Neuron &Heat Maps", self)
        tip = "Draw each hidden neuron as what it computes over the input plane (2 inputs)"
        self.act_heat_maps.setStatusTip(tip)
        self.act_heat_maps.setToolTip(tip)
        self.act_heat_maps.setCheckable(True)
        self.act_heat_maps.triggered.connect(self.set_heat_maps)
        stored = self.settings.value(HEAT_MAPS_KEY, False) if self.settings is not None else False
        shown = stored in (True, "true")  # an INI file gives the string back
        self.act_heat_maps.setChecked(shown)
        self.network_scene.heat_maps = shown

    def add_view_actions(self, menu: QMenu) -> None:
        """Zoom in, zoom out, fit, and the edges-show-gradient and heat-map toggles."""
        menu.addActions([self.act_zoom_in, self.act_zoom_out, self.act_fit])
        menu.addSeparator()
        menu.addAction(self.act_edges_gradient)
        menu.addAction(self.act_heat_maps)

    def set_heat_maps(self, shown: bool) -> None:
        """Hidden neurons as heat maps over the input plane (remembered in the settings)."""
        self.act_heat_maps.setChecked(shown)
        self.network_scene.set_heat_maps(shown)
        if self.settings is not None:
            self.settings.setValue(HEAT_MAPS_KEY, shown)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.icons.refresh()  # presenter mode's palette is not a theme

    def add_toolbar_actions(self, toolbar: QToolBar) -> None:
        toolbar.addAction(self.act_fit)

    # -- zoom ----------------------------------------------------------------------------------

    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, zoom: float, center: QPointF | None = None) -> None:
        """Set the scale factor (clamped), keeping ``center`` (or the view's centre) in view."""
        self._auto_fit = False
        self._set_zoom(zoom, center)

    def _set_zoom(self, zoom: float, center: QPointF | None = None) -> None:
        if center is None:
            center = self.mapToScene(self.viewport().rect().center())
        zoom = min(max(zoom, MIN_ZOOM), MAX_ZOOM)
        self.setTransform(QTransform.fromScale(zoom, zoom))
        self.centerOn(center)
        self._on_zoom_changed()

    def zoom_by(self, factor: float) -> None:
        """Zoom by ``factor`` around the transformation anchor (the mouse for the wheel)."""
        current = self.zoom()
        target = min(max(current * factor, MIN_ZOOM), MAX_ZOOM)
        if math.isclose(target, current):
            return
        self._auto_fit = False
        self.scale(target / current, target / current)
        self._on_zoom_changed()

    def zoom_in(self) -> None:
        self._zoom_about_centre(BUTTON_STEP)

    def zoom_out(self) -> None:
        self._zoom_about_centre(1 / BUTTON_STEP)

    def _zoom_about_centre(self, factor: float) -> None:
        anchor = self.transformationAnchor()
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.zoom_by(factor)
        self.setTransformationAnchor(anchor)

    def fit_network(self, max_zoom: float = MAX_FIT_ZOOM) -> None:
        """Zoom so the whole network, its headers and labels included, is visible above or
        beside the legend, at most ``max_zoom`` (and keep it so while the view resizes)."""
        self._auto_fit = True
        self._fit_cap = max_zoom
        self._fit()

    def content_areas(self) -> list[QRect]:
        """Where the fitted network may go: above the legend, or right of it."""
        full = self.viewport().rect()
        if not self.legend.isVisibleTo(self):
            return [full]
        legend = self.legend.geometry()
        above, beside = QRect(full), QRect(full)
        above.setBottom(legend.top() - 6)
        beside.setLeft(legend.right() + 6)
        return [above, beside]

    def content_area(self) -> QRect:
        """The part of the viewport the network was fitted in."""
        areas = self.content_areas()
        return areas[min(self._fit_area, len(areas) - 1)]

    def _fit_zoom(self, area: QRect) -> float:
        """The largest zoom (up to the cap) at which the network fits in ``area``."""
        scene = self.network_scene
        width, height = area.width() - 2 * FIT_MARGIN, area.height() - 2 * FIT_MARGIN

        def fits(zoom: float) -> bool:
            extent = scene.screen_extent(zoom)
            return extent.width() <= width and extent.height() <= height

        # The extent grows with the zoom (the scaled part) plus a part that does not (the
        # headers and labels): bisect for the largest zoom that fits.
        lo, hi = MIN_ZOOM, self._fit_cap
        if fits(hi):
            return hi
        for _ in range(30):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if fits(mid) else (lo, mid)
        return lo

    def _fit(self) -> None:
        scene = self.network_scene
        if scene.network_rect().isEmpty():
            return
        areas = [a for a in self.content_areas() if a.width() >= 2 and a.height() >= 2]
        if not areas:
            return
        zooms = [self._fit_zoom(a) for a in areas]
        best = max(range(len(areas)), key=lambda i: zooms[i] - 1e-3 * i)  # ties: above
        self._fit_area = self.content_areas().index(areas[best])
        zoom, area = zooms[best], areas[best]
        extent = scene.screen_extent(zoom)
        # Centre the extent in the content area, not in the whole viewport.
        shift = QPointF(self.viewport().rect().center() - area.center())
        centre = (extent.center() + shift) / zoom
        self._set_zoom(zoom, centre)

    def _keep_button(self, layer: int, name: str, action: Callable[[], object]) -> None:
        """Run a header button's ``action`` (which rebuilds the scene: the column re-centres
        and "fit" may re-zoom), then scroll so the button is where it was on screen: the
        next click at the same point presses it again. Repeated clicks aim at the first
        click's spot, so rounding does not add up."""
        before = self._button_spot(layer, name)
        if before is None:
            action()
            return
        pinned = self._pinned_button
        same = pinned is not None and pinned[:2] == (layer, name)
        if same and pinned is not None and (pinned[2] - before).manhattanLength() <= 3:
            before = pinned[2]
        self._pinned_button = (layer, name, before)
        action()
        after = self._button_spot(layer, name)
        if after is None:
            return
        shift = after - before
        bars = self.horizontalScrollBar(), self.verticalScrollBar()
        for bar, d in zip(bars, (shift.x(), shift.y()), strict=True):
            bar.setValue(bar.value() + round(d))

    def _button_spot(self, layer: int, name: str) -> QPointF | None:
        header = self.network_scene.header_item(layer)
        if header is None or name not in header.buttons:
            return None
        return header.buttons[name].deviceTransform(self.viewportTransform()).map(QPointF())

    def _on_labels_changed(self) -> None:
        """A label grew past the edge of a fitted view: fit again (only then, so the zoom
        does not twitch while the numbers change)."""
        if self._auto_fit and self.isVisible() and self.overflowing():
            self._fit()

    def shown_items(self) -> list[QGraphicsItem]:
        """The top-level items the network shows (neurons, edges, headers, labels...)."""
        indicator = self.network_scene.drop_indicator
        return [
            item
            for item in self.network_scene.items()
            if item.parentItem() is None and item.isVisible() and item is not indicator
        ]

    def overflowing(self) -> list[QGraphicsItem]:
        """The shown items not wholly inside :meth:`content_area` (empty once fitted)."""
        area = QRectF(self.content_area()).adjusted(-0.5, -0.5, 0.5, 0.5)
        return [i for i in self.shown_items() if not area.contains(self.screen_rect(i))]

    def screen_rect(self, item: QGraphicsItem) -> QRectF:
        """Where ``item`` is drawn in the viewport (pixels), whether it scales or not."""
        return item.deviceTransform(self.viewportTransform()).mapRect(item.boundingRect())

    def screen_point(self, item: QGraphicsItem, local: QPointF | None = None) -> QPoint:
        """The viewport pixel of ``local`` (item coordinates, default its origin)."""
        point = item.deviceTransform(self.viewportTransform()).map(local or QPointF())
        return point.toPoint()

    def _on_zoom_changed(self) -> None:
        zoom = self.zoom()
        self.network_scene.set_zoom(zoom, self.viewportTransform())
        self.network_scene.set_hit_tolerance(HIT_PIXELS / max(zoom, 1e-6))
        self.zoom_badge.set_zoom(zoom)
        self.zoomChanged.emit(zoom)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt override)
        delta = event.angleDelta().y() or event.angleDelta().x()
        if delta:
            self.zoom_by(WHEEL_STEP**delta)
        event.accept()

    # -- view state ----------------------------------------------------------------------------

    def view_state(self) -> dict[str, Any]:
        """Zoom, centre, expanded layers and edge mode: JSON-serialisable, saved in projects."""
        center = self.mapToScene(self.viewport().rect().center())
        return {
            "zoom": round(self.zoom(), 4),
            "center": [round(center.x(), 1), round(center.y(), 1)],
            "fit": self._auto_fit,
            "expanded": sorted(self.network_scene.expanded),
            "edge_mode": self.network_scene.edge_mode,
        }

    def apply_view_state(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`view_state` returned; unknown or bad entries are ignored."""
        if not isinstance(state, dict):
            return
        scene = self.network_scene
        expanded = state.get("expanded")
        if isinstance(expanded, list):
            wanted = {int(l) for l in expanded if isinstance(l, int) and not isinstance(l, bool)}
            if wanted != scene.expanded:
                scene.expanded = wanted
                scene.rebuild()
        mode = state.get("edge_mode")
        if mode in EDGE_MODES:
            self.set_edge_mode(mode)
        zoom = state.get("zoom")
        center = state.get("center")
        if state.get("fit", True) or not isinstance(zoom, (int, float)) or zoom <= 0:
            self.fit_network()
            return
        self._auto_fit = False
        point = None
        if (
            isinstance(center, list)
            and len(center) == 2
            and all(isinstance(c, (int, float)) for c in center)
        ):
            point = QPointF(float(center[0]), float(center[1]))
        self.set_zoom(float(zoom), point)

    def _apply_stored_view(self, state: dict[str, Any]) -> None:
        if state:
            self.apply_view_state(state)
        else:
            self.fit_network()

    def set_edge_mode(self, mode: str) -> None:
        """``"weights"`` (edges coloured by w) or ``"gradients"`` (by ∂C/∂w)."""
        self.network_scene.set_edge_mode(mode)
        self.act_edges_gradient.setChecked(mode == "gradients")
        self.legend.set_edge_mode(mode)

    def _on_edges_gradient_toggled(self, checked: bool) -> None:
        self.set_edge_mode("gradients" if checked else "weights")

    # -- document and training -----------------------------------------------------------------

    def _on_network_changed(self) -> None:
        self.network_scene.rebuild()
        if self._auto_fit:
            self._fit()

    def _on_project_replaced(self) -> None:
        self._snapshot = None
        scene = self.network_scene
        scene.values = None
        scene.selected_header = None
        view = self.document.project.view
        expanded = view.get("expanded") if isinstance(view, dict) else None
        scene.expanded = {int(l) for l in expanded if isinstance(l, int)} if expanded else set()
        scene.rebuild()
        self._update_legend_note()
        self._apply_stored_view(view if isinstance(view, dict) else {})

    def _on_parameters_changed(self) -> None:
        doc = self.document
        self.network_scene.apply_values(values_from_document(doc.spec, doc.params, self._snapshot))

    def _on_parameter_changed(self, _ref: object) -> None:
        self._on_parameters_changed()

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        """Live values of the frame: recolour (no rebuild), the heat maps included;
        snapshots of another network are ignored."""
        if snapshot.spec != self.document.spec:
            return
        self._snapshot = snapshot
        self.network_scene.set_draft(snapshot.running)
        self.network_scene.apply_values(values_from_snapshot(snapshot))
        self._update_legend_note()

    def _update_legend_note(self) -> None:
        values = self.network_scene.values
        if values is None or values.A is None:
            note = "Activations appear after a forward pass"
        elif values.dA is None:
            note = f"Probe: example {values.probe_index} · no ∂C/∂a yet"
        elif values.after_update:
            note = (
                f"Step {values.step}: example {values.probe_index} and the weights before the "
                "update (forward uses the new ones)"
            )
        else:
            note = f"Showing training example {values.probe_index}"
        self.legend.set_note(note)

    # -- messages ------------------------------------------------------------------------------

    def _on_message(self, text: str) -> None:
        self.show_message(text)

    def show_message(self, text: str, timeout: int = 6000) -> None:
        """Tell the user: the window's status bar if there is one, and :attr:`message`."""
        window = self.window()
        if isinstance(window, QMainWindow) and text:
            window.statusBar().showMessage(text, timeout)
        self.message.emit(text)

    # -- keyboard ------------------------------------------------------------------------------

    def selected_layer(self) -> int | None:
        """The layer of the selected header, neuron or weight."""
        scene = self.network_scene
        if scene.selected_header is not None:
            return scene.selected_header
        selection = self.selection.selection
        return selection.layer if selection is not None else None

    def delete_selected(self) -> bool:
        """Remove the selected neuron, or the layer whose header is selected."""
        selection = self.selection.selection
        header = self.network_scene.selected_header
        if selection is not None and not selection.is_weight:
            return self.editor.remove_neuron(selection.layer, selection.j)
        if header is not None:
            if 0 < header < self.document.spec.n_layers:
                return self.editor.remove_layer(header)
            self.show_message("The input and output layers stay; remove a hidden layer instead.")
            return False
        self.show_message("Select a neuron or a layer's header to delete it.")
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        key = event.key()
        plain = not (
            event.modifiers()
            & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
        )
        layer = self.selected_layer()
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and plain:
            self.delete_selected()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal) and plain and layer is not None:
            self.editor.add_neuron(layer)
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore) and plain and layer is not None:
            self.editor.remove_neuron(layer)
        elif key == Qt.Key.Key_Escape:
            self.selection.clear()
            self.network_scene.select_header(None)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    # -- mouse ---------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        on_background = self.itemAt(event.position().toPoint()) is None
        super().mousePressEvent(event)
        if on_background and event.button() == Qt.MouseButton.LeftButton:
            # A press on the background starts a pan: stop following the window size.
            self._auto_fit = False

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        super().mouseReleaseEvent(event)
        event.accept()  # a click on a neuron, an edge or the background ends here

    # -- drag and drop -------------------------------------------------------------------------

    def _drag_payload(self, event: QDropEvent) -> dict[str, Any] | None:
        return parse_layer_mime(event.mimeData())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        payload = self._drag_payload(event)
        if payload is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self._show_drop_target(payload, self.mapToScene(event.position().toPoint()))

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 (Qt override)
        payload = self._drag_payload(event)
        if payload is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self._show_drop_target(payload, self.mapToScene(event.position().toPoint()))

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:  # noqa: N802 (Qt override)
        self.network_scene.hide_drop_indicator()
        self._drag_message = ""
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        payload = self._drag_payload(event)
        self.network_scene.hide_drop_indicator()
        self._drag_message = ""
        if payload is None:
            event.ignore()
            return
        pos = self.mapToScene(event.position().toPoint())
        if self.drop_layer(payload, pos):
            event.acceptProposedAction()
        else:
            event.ignore()

    def _show_drop_target(self, payload: dict[str, Any], pos: QPointF) -> None:
        scene = self.network_scene
        if payload["kind"] == "hidden":
            position = scene.show_insert_indicator(pos.x())
            text = f"Drop to insert a hidden layer as layer {position}"
        else:
            layer = 0 if payload["kind"] == "input" else self.document.spec.n_layers
            scene.show_column_indicator(layer, f"This network has its {payload['kind']} layer")
            text = self._one_of_each(payload["kind"])
        if text != self._drag_message:
            self._drag_message = text
            self.show_message(text, 3000)

    @staticmethod
    def _one_of_each(kind: str) -> str:
        return (
            f"A network has exactly one {kind} layer: resize it with the + and − buttons "
            "of its header, or drop a hidden layer between the input and the output."
        )

    def drop_layer(self, payload: dict[str, Any], scene_pos: QPointF) -> bool:
        """Insert the dragged layer where it was dropped (what a drop does); one undo step."""
        clean = validate_payload(payload)
        if clean is None:
            self.show_message("That is not a layer this network can take.")
            return False
        if clean["kind"] != "hidden":
            self.show_message(self._one_of_each(clean["kind"]))
            return False
        position = self.network_scene.show_insert_indicator(scene_pos.x())
        self.network_scene.hide_drop_indicator()
        inserted = self.editor.insert_layer(position, clean["size"], clean["activation"])
        if inserted:
            self.network_scene.select_header(position)
            self.show_message(
                f"Inserted a hidden layer of {clean['size']} {clean['activation']} neurons "
                f"as layer {position}",
                4000,
            )
        return inserted

    # -- painting and geometry -----------------------------------------------------------------

    def drawBackground(self, painter: QPainter, rect: QRectF | QRect) -> None:  # noqa: N802
        colors = theme()
        painter.fillRect(rect, colors.background)
        zoom = self.zoom()
        step = GRID
        while step * zoom < 14:
            step *= 2
        pen = QPen(colors.grid_dot, 1.6 if zoom >= 0.5 else 1.2)
        pen.setCosmetic(True)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        x0 = math.floor(rect.left() / step) * step
        y0 = math.floor(rect.top() / step) * step
        nx = int((rect.right() - x0) / step) + 1
        ny = int((rect.bottom() - y0) / step) + 1
        if nx * ny > 40000:
            return
        points = [QPointF(x0 + i * step, y0 + k * step) for k in range(ny) for i in range(nx)]
        painter.drawPoints(points)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._place_overlays()
        if self._auto_fit:
            self._fit()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self._place_overlays()
        if self._auto_fit:
            self._fit()

    def _place_overlays(self) -> None:
        """The legend in the bottom-left corner, compact unless the canvas has room for the
        long form; the zoom level in the bottom-right."""
        area = self.viewport().geometry()
        margin = 10
        self.legend.set_compact(area.width() < 900 or area.height() < 560)
        self.legend.resize(self.legend.sizeHint())
        self.legend.show()
        self.legend.move(area.left() + margin, area.bottom() - self.legend.height() - margin + 1)
        self.zoom_badge.resize(self.zoom_badge.sizeHint())
        self.zoom_badge.move(
            area.right() - self.zoom_badge.width() - margin + 1,
            area.bottom() - self.zoom_badge.height() - margin + 1,
        )
