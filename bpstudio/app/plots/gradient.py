"""The gradient vector ∇C as a bar chart, in the note's order.

∇C = [∂C/∂w^(1), ∂C/∂b^(1), …, ∂C/∂w^(L), ∂C/∂b^(L)]: one bar per component, grouped and
coloured by layer, weights in the layer's colour and biases in a lighter tint of it. The
selected weight (or the selected neuron's bias) is outlined; hovering a bar names it and
clicking selects it. Networks with more than :data:`MAX_COMPONENTS` components show the
gradient's norm per layer and a histogram of one layer's components instead.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from bpstudio.app import notation
from bpstudio.app.document import Document
from bpstudio.app.elided import FittedRichLabel
from bpstudio.app.notation import Notation
from bpstudio.app.plots import fix_axis_widths, follow_theme, stepped_range
from bpstudio.app.selection import Selection, SelectionModel
from bpstudio.app.theme import css, set_palette_style, theme
from bpstudio.app.training import TrainingController
from bpstudio.core.engine.activations import Array
from bpstudio.core.engine.address import Kind, ParamRef, array_name, ref_at
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.files.project import SavedGradient
from bpstudio.core.training.snapshot import Snapshot
from bpstudio.core.training.trainer import Phase

MAX_COMPONENTS = 400
GROUP_GAP = 1.5  # empty bar widths between two groups
X_MARGIN = 1.0  # empty bar widths left of the first bar and right of the last
LABEL_ROWS = 2  # group labels alternate between rows where neighbours would overlap
LABEL_SPACING = 4.0  # pixels between two labels of a row
SHRINK_AFTER = 1.0  # seconds of small gradients before the y axis zooms in while running

MODE_AUTO, MODE_COMPONENTS, MODE_LAYERS = "auto", "components", "layers"


def layer_color(layer: int) -> QColor:
    """The theme's hue of layer ``layer`` (colour-blind friendly, after Okabe & Ito)."""
    return theme().layer_color(layer)


def bias_color(layer: int) -> QColor:
    return layer_color(layer).lighter(160)


@dataclass(frozen=True)
class Group:
    """The weights or the biases of one layer: consecutive components of ∇C."""

    kind: Kind
    layer: int
    start: int  # index of its first component in ∇C
    size: int
    x: Array  # bar centres

    @property
    def name(self) -> str:
        return array_name(self.kind, self.layer)


class ComponentLayout:
    """Where each component of ∇C sits on the x axis, for one network shape; the order of
    the components is the parameter address's (:func:`param_refs`)."""

    def __init__(self, spec: NetworkSpec) -> None:
        self.spec = spec
        self.groups: list[Group] = []
        xs: list[Array] = []
        x0 = 0.0
        for l, (w_shape, b_shape) in enumerate(spec.shapes(), start=1):
            for first, size in (
                (ParamRef.weight(l, 0, 0), w_shape[0] * w_shape[1]),
                (ParamRef.bias(l, 0), b_shape[0]),
            ):
                x = x0 + np.arange(size, dtype=float)
                self.groups.append(Group(first.kind, l, first.grad_index(spec), size, x))
                xs.append(x)
                x0 += size + GROUP_GAP
        self.x = np.concatenate(xs) if xs else np.empty(0)
        self.size = spec.parameter_count

    def component(self, index: int) -> ParamRef:
        """The parameter whose gradient is component ``index`` of ∇C."""
        return ref_at(self.spec, index)

    def index_of(self, selection: Selection | None) -> int | None:
        """The component a selection stands for: a weight, or a neuron's bias."""
        if selection is None or not selection.fits(self.spec):
            return None
        ref = selection.param
        return ref.grad_index(self.spec) if ref is not None else None

    def index_at(self, x: float) -> int | None:
        if self.size == 0:
            return None
        i = int(np.searchsorted(self.x, x))
        best = None
        for candidate in (i - 1, i):
            if 0 <= candidate < self.size and abs(self.x[candidate] - x) <= 0.5:
                best = candidate
        return best


class GroupAxis(pg.AxisItem):  # type: ignore[misc]  # pyqtgraph is untyped
    """The components page's bottom axis: one label per group of ∇C (W1, b1, …), each
    under its group's bars, kept inside the axis's width (shifted in rather than clipped)
    and put in a second row where it would overlap its neighbour. A label is left out only
    when neither row has room for it; the hover line names every bar."""

    def __init__(self) -> None:
        super().__init__("bottom")
        self.groups: list[tuple[float, str]] = []  # (centre, label), by centre
        self._fit_height()

    def _metrics(self) -> QFontMetricsF:
        font = self.style["tickFont"]
        return QFontMetricsF(font if font is not None else self.font())

    def _text_offset(self) -> float:
        return float(max(0, self.style["tickLength"]) + self.style["tickTextOffset"][1])

    def _fit_height(self) -> None:
        pitch = self._row_pitch()
        self.setHeight(int(np.ceil(self._text_offset() + LABEL_ROWS * pitch + 1)))

    def _row_pitch(self) -> float:
        return float(np.ceil(self._metrics().height()) + 1)

    def set_groups(self, groups: list[tuple[float, str]]) -> None:
        self.groups = sorted(groups)
        self.setTicks([[(x, name) for x, name in self.groups], []])
        self.picture = None
        self.update()

    def label_rects(self) -> list[tuple[str, QRectF]]:
        """The labels drawn and their rectangles, in the axis item's coordinates."""
        bounds = self.mapRectFromParent(self.geometry())
        low, high = self.range
        if not self.groups or bounds.width() <= 0 or high <= low:
            return []
        metrics = self._metrics()
        height = metrics.height()
        pitch = self._row_pitch()
        top = bounds.top() + self._text_offset()
        scale = bounds.width() / (high - low)
        right_ends = [-np.inf] * LABEL_ROWS
        placed = []
        for x, text in self.groups:
            width = metrics.horizontalAdvance(text) + 2.0
            if width > bounds.width():
                continue
            centre = bounds.left() + (x - low) * scale
            left = min(max(centre - width / 2, bounds.left()), bounds.right() - width)
            for row in range(LABEL_ROWS):
                if left >= right_ends[row] + LABEL_SPACING:
                    right_ends[row] = left + width
                    placed.append((text, QRectF(left, top + row * pitch, width, height)))
                    break
        return placed

    def generateDrawSpecs(self, p: QPainter) -> tuple[object, object, list[object]]:  # noqa: N802 (Qt override)
        axis_spec, tick_specs, _ = super().generateDrawSpecs(p)
        flags = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
        texts: list[object] = [(rect, flags, text) for text, rect in self.label_rects()]
        return axis_spec, tick_specs, texts


class GradientPlot(QWidget):
    """∇C of the last mini-batch, live from the worker's snapshots.

    Attributes
    ----------
    mode : "components" or "layers", the mode shown now (``requested_mode`` may be "auto").
    heights : the components last drawn (∇C in the note's order), or None.
    norms : (‖∂C/∂W^(l)‖, ‖∂C/∂b^(l)‖) per layer last drawn.
    """

    def __init__(
        self,
        document: Document,
        selection: SelectionModel,
        controller: TrainingController,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.selection = selection
        self.controller = controller
        self.requested_mode = MODE_AUTO
        self.mode = MODE_COMPONENTS
        self.layout_: ComponentLayout | None = None
        self.heights: Array | None = None
        self.norms: list[tuple[float, float]] = []
        self.hovered: int | None = None
        self.draw_count = 0
        self._snapshot: Snapshot | None = None
        self._pending: Snapshot | None = None

        palette = self.palette()
        self._background = palette.color(QPalette.ColorRole.Base)
        self._foreground = palette.color(QPalette.ColorRole.Text)

        # Header: what is shown, mode, layer for the histogram.
        self.summary = FittedRichLabel()
        self.hover_label = FittedRichLabel()
        self.mode_combo = QComboBox()
        self.mode_combo.addItem("Auto", MODE_AUTO)
        self.mode_combo.addItem("Every component", MODE_COMPONENTS)
        self.mode_combo.addItem("Norm per layer + histogram", MODE_LAYERS)
        self.mode_combo.setToolTip(
            f"Every component of ∇C, or (automatic above {MAX_COMPONENTS} components) the "
            "gradient's size per layer and the spread of one layer's components"
        )
        self.mode_combo.currentIndexChanged.connect(self._on_mode_changed)
        # The header leaves the summary its room: the combos are as wide as "Auto" needs.
        self.mode_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.mode_combo.setMinimumContentsLength(6)
        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip("The layer whose components the histogram shows")
        self.layer_combo.currentIndexChanged.connect(self._rescale_layers_page)
        self.log_check = QCheckBox("Log")
        self.log_check.setChecked(True)
        self.log_check.setToolTip("Norms on a logarithmic scale (vanishing gradients show up)")
        self.log_check.toggled.connect(self._rescale_layers_page)
        header = QHBoxLayout()
        header.setContentsMargins(4, 0, 4, 0)
        header.addWidget(self.summary, 1)
        header.addWidget(self.log_check)
        header.addWidget(self.layer_combo)
        header.addWidget(self.mode_combo)

        self.stack = QStackedWidget()
        self.stack.addWidget(self._build_components_page())
        self.stack.addWidget(self._build_layers_page())

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.hover_label)

        controller.snapshotShown.connect(self._on_snapshot)
        selection.selectionChanged.connect(self._on_selection_changed)
        document.networkChanged.connect(self._on_network_changed)
        document.projectReplaced.connect(self._on_network_changed)
        self._set_spec(document.spec)
        self._apply_mode()
        if controller.snapshot is not None:
            self._on_snapshot(controller.snapshot)
        else:
            self._show_message()

    # -- construction ----------------------------------------------------------------------------

    def _new_plot(self, bottom: pg.AxisItem | None = None) -> pg.PlotWidget:
        axes = {"bottom": bottom} if bottom is not None else None
        widget = pg.PlotWidget(background=self._background, axisItems=axes)
        item = widget.getPlotItem()
        item.showGrid(x=False, y=False)
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(self._foreground))
            axis.setTextPen(pg.mkPen(self._foreground))
        fix_axis_widths(item)
        zero = pg.InfiniteLine(pos=0.0, angle=0, pen=pg.mkPen(self._foreground, width=1))
        item.addItem(zero)
        widget.zero_line = zero
        follow_theme(self, widget, lambda: self._on_theme_changed(zero))
        return widget

    def _on_theme_changed(self, zero: pg.InfiniteLine) -> None:
        """Re-read the theme's colours: the zero line, the marks, and the bars' layer hues."""
        self._background = self.palette().color(QPalette.ColorRole.Base)
        self._foreground = self.palette().color(QPalette.ColorRole.Text)
        zero.setPen(pg.mkPen(self._foreground, width=1))
        if hasattr(self, "selected_bar"):
            self.selected_bar.setOpts(pen=pg.mkPen(theme().plots.outline, width=2.5))
            self.hover_bar.setOpts(brush=pg.mkBrush(theme().plots.shade))
        self._redraw()

    def _build_components_page(self) -> QWidget:
        self.group_axis = GroupAxis()
        self.components_widget = self._new_plot(self.group_axis)
        self.plot_item: pg.PlotItem = self.components_widget.getPlotItem()
        self.plot_item.setLabel("left", "∂C/∂θ")
        # Every group stays in view: the x range is the data's, whatever the width; a few
        # pixels on the right keep the last bar off the dock's edge.
        self.plot_item.setMouseEnabled(x=False, y=False)
        self.plot_item.setContentsMargins(0, 0, 6, 0)
        self.plot_item.vb.setMenuEnabled(False)
        # Ranges set by hand, in 1-2-5 steps: re-laying out the axes on every redraw would be
        # the costliest part of a frame.
        self.plot_item.vb.disableAutoRange()
        self._y_range: tuple[float, float] | None = None
        self._shrink_since: float | None = None
        self.bars: dict[str, pg.BarGraphItem] = {}
        no_pen = pg.mkPen(None)
        self.selected_bar = pg.BarGraphItem(
            x=[], height=[], width=0.9, pen=pg.mkPen(theme().plots.outline, width=2.5), brush=None
        )
        self.selected_bar.setZValue(10)
        self.hover_bar = pg.BarGraphItem(
            x=[], height=[], width=0.9, pen=no_pen, brush=pg.mkBrush(theme().plots.shade)
        )
        self.hover_bar.setZValue(11)
        self.plot_item.addItem(self.selected_bar)
        self.plot_item.addItem(self.hover_bar)
        scene = self.components_widget.scene()
        scene.sigMouseMoved.connect(self._on_mouse_moved)
        scene.sigMouseClicked.connect(self._on_mouse_clicked)
        return self.components_widget

    def _build_layers_page(self) -> QWidget:
        page = QWidget()
        row = QHBoxLayout(page)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        self.norms_widget = self._new_plot()
        self.norms_item: pg.PlotItem = self.norms_widget.getPlotItem()
        # Titles are labels above the plots: a pyqtgraph title as wide as its text would
        # widen a narrow plot past its widget and hide its right side.
        self.norms_title = _plot_title(
            "size per layer: ‖∂C/∂W‖ (dark), ‖∂C/∂b‖ (light)",
            "‖∂C/∂W‖ (dark), ‖∂C/∂b‖ (light)",
            "‖∂C/∂W‖, ‖∂C/∂b‖",
        )
        self.histogram_title = _plot_title("")
        self.norm_bars_w = pg.BarGraphItem(x=[], height=[], width=0.38, pen=pg.mkPen(None))
        self.norm_bars_b = pg.BarGraphItem(x=[], height=[], width=0.38, pen=pg.mkPen(None))
        self.norms_item.addItem(self.norm_bars_w)
        self.norms_item.addItem(self.norm_bars_b)
        self.histogram_widget = self._new_plot()
        self.histogram_item: pg.PlotItem = self.histogram_widget.getPlotItem()
        self.histogram_item.setLabel("left", "components")
        self.histogram_item.setLabel("bottom", "∂C/∂θ")
        # Ranges set by hand with hysteresis, as on the components page.
        self.norms_item.vb.disableAutoRange()
        self.histogram_item.vb.disableAutoRange()
        self._norms_range: tuple[float, float] | None = None
        self._histogram_x: tuple[float, float] | None = None
        self._histogram_y: tuple[float, float] | None = None
        self.histogram_curve_w = pg.PlotDataItem(stepMode="center", fillLevel=0)
        self.histogram_curve_b = pg.PlotDataItem(stepMode="center")
        self.histogram_item.addItem(self.histogram_curve_w)
        self.histogram_item.addItem(self.histogram_curve_b)
        for title, widget in (
            (self.norms_title, self.norms_widget),
            (self.histogram_title, self.histogram_widget),
        ):
            column = QVBoxLayout()
            column.setSpacing(0)
            column.addWidget(title)
            column.addWidget(widget, 1)
            row.addLayout(column, 1)
        return page

    # -- network shape ---------------------------------------------------------------------------

    def _set_spec(self, spec: NetworkSpec) -> None:
        if self.layout_ is not None and self.layout_.spec == spec:
            return
        layout = ComponentLayout(spec)
        self.layout_ = layout
        self.hovered = None
        self._y_range = None
        for bar in self.bars.values():
            self.plot_item.removeItem(bar)
        self.bars = {}
        ticks = []
        for group in layout.groups:
            if group.kind == "w":
                brush, pen = pg.mkBrush(layer_color(group.layer)), pg.mkPen(None)
            else:
                brush = pg.mkBrush(bias_color(group.layer))
                pen = pg.mkPen(layer_color(group.layer).darker(120), width=1)
            bar = pg.BarGraphItem(
                x=group.x, height=np.zeros(group.size), width=0.8, brush=brush, pen=pen
            )
            self.plot_item.addItem(bar)
            self.bars[group.name] = bar
            ticks.append((float(group.x.mean()), group.name))
        self.group_axis.set_groups(ticks)
        self._fit_x()

        current = self.layer_combo.currentData()
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        for l in range(1, spec.n_layers + 1):
            self.layer_combo.addItem(f"Layer {l}", l)
        index = self.layer_combo.findData(current)
        self.layer_combo.setCurrentIndex(index if index >= 0 else spec.n_layers - 1)
        self.layer_combo.blockSignals(False)
        self.norms_item.getAxis("bottom").setTicks(
            [[(float(l), f"layer {l}") for l in range(1, spec.n_layers + 1)], []]
        )
        self.norms_item.setXRange(0.4, spec.n_layers + 0.6, padding=0)
        self._norms_range = self._histogram_x = self._histogram_y = None
        self._apply_mode()

    def _fit_x(self) -> None:
        """The x range of every bar, with a margin (the axis keeps their labels inside)."""
        layout = self.layout_
        if layout is None or not layout.size:
            self.plot_item.setXRange(0.0, 1.0, padding=0)
            return
        self.plot_item.setXRange(
            float(layout.x[0]) - X_MARGIN, float(layout.x[-1]) + X_MARGIN, padding=0
        )

    def group_labels(self) -> dict[str, QRectF]:
        """The group labels drawn under the bars and their rectangles, in the coordinates of
        the components plot widget (what a person sees of them)."""
        view = self.components_widget
        labels = {}
        to_view = view.viewportTransform()
        for text, rect in self.group_axis.label_rects():
            labels[text] = to_view.mapRect(self.group_axis.mapRectToScene(rect))
        return labels

    def _on_network_changed(self) -> None:
        """A new network or project: the axis is the new network's at once, and a gradient
        of another network is no longer shown."""
        spec = self.document.spec
        self._set_spec(spec)
        self._fit_x()
        if self._snapshot is not None and self._snapshot.spec != spec:
            self._snapshot = None
            self.heights = None
            self.norms = []
            self._clear_bars()
            self._show_message()
        else:
            # The same shape (another template of it): what is hovered is read anew.
            self.hovered = None
            self._update_overlays()
        if self._pending is not None and self._pending.spec != spec:
            self._pending = None

    # -- modes -----------------------------------------------------------------------------------

    def set_mode(self, mode: str) -> None:
        """ "auto", "components" or "layers"."""
        index = self.mode_combo.findData(mode)
        if index < 0:
            raise ValueError(f"unknown gradient plot mode {mode!r}")
        self.mode_combo.setCurrentIndex(index)

    def _on_mode_changed(self) -> None:
        self.requested_mode = str(self.mode_combo.currentData())
        self._apply_mode()
        self._redraw()

    def _apply_mode(self) -> None:
        mode = self.requested_mode
        if mode == MODE_AUTO:
            size = self.layout_.size if self.layout_ is not None else 0
            mode = MODE_LAYERS if size > MAX_COMPONENTS else MODE_COMPONENTS
        self.mode = mode
        self.stack.setCurrentIndex(0 if mode == MODE_COMPONENTS else 1)
        self.layer_combo.setVisible(mode == MODE_LAYERS)
        self.log_check.setVisible(mode == MODE_LAYERS)
        self.hover_label.setVisible(mode == MODE_COMPONENTS)

    # -- snapshots -------------------------------------------------------------------------------

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        self._pending = snapshot
        if self.isVisible():  # a hidden plot draws when it is shown again
            self._draw_pending()

    def _draw_pending(self) -> None:
        if self._pending is not None:
            snapshot, self._pending = self._pending, None
            self.draw(snapshot)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self._draw_pending()

    def _rescale_layers_page(self) -> None:
        self._norms_range = self._histogram_x = self._histogram_y = None
        self._redraw()

    def redraw(self) -> None:
        """Draw the last snapshot again (the notation of its labels changed)."""
        self._redraw()

    def _redraw(self) -> None:
        if self._snapshot is not None:
            self.draw(self._snapshot)

    def draw(self, snapshot: Snapshot) -> None:
        if snapshot.spec != self.document.spec:
            return  # from the network before an edit or a new project: another is on its way
        self._snapshot = snapshot
        self._set_spec(snapshot.spec)
        grads = snapshot.batch_grads
        saved = self._saved_gradient(snapshot)
        if grads is not None:
            dW, db = grads.dW, grads.db
            n = len(snapshot.batch_indices)
            # The gradient of the step just taken is that of the parameters before its update.
            after = snapshot.after_update
            which = f"step {snapshot.step}'s mini-batch" if after else "the mini-batch"
        elif saved is not None:  # a reopened project, or training rebuilt at its last step
            dW, db = saved.grads.W, saved.grads.b
            n = saved.examples
            which = f"step {saved.step}'s mini-batch"
        else:
            self.heights = None
            self.norms = []
            self._clear_bars()
            self._show_message(snapshot)
            return
        vector = Params(dW, db).vector()
        norm = float(np.sqrt(np.vdot(vector, vector)))
        size = f"‖∇C‖ = <b>{notation.format_value(norm, 4)}</b>"
        self.summary.set_forms(
            f"∇C of {which} (n = {n:,}): {vector.size:,} components, {size}",
            f"∇C (n = {n:,}): {vector.size:,} components, {size}",
            size,
        )
        if self.mode == MODE_COMPONENTS:
            self._draw_components(vector)
        else:
            self._draw_layers(dW, db)
        self.draw_count += 1

    def _saved_gradient(self, snapshot: Snapshot) -> SavedGradient | None:
        """The document's gradient of the step ``snapshot`` stands at, when the snapshot
        has none of its own and no step is half done."""
        saved = self.document.project.gradient
        if saved is None or snapshot.batch_grads is not None or snapshot.phase is not None:
            return None
        if saved.step != snapshot.step or snapshot.next_phase is not Phase.FORWARD:
            return None
        return saved

    def _show_message(self, snapshot: Snapshot | None = None) -> None:
        if snapshot is not None and snapshot.next_phase.value == "backward":
            forms = (
                "Forward pass done: run the <b>backward</b> pass to compute ∇C.",
                "Next: backward",
            )
        else:
            forms = ("No gradient yet: step or run training to compute ∇C.", "No gradient yet")
        self.summary.set_forms(*(f"<i>{text}</i>" for text in forms))

    def _clear_bars(self) -> None:
        """No gradient drawn: flat bars, and nothing hovered or read out."""
        for group in self.layout_.groups if self.layout_ else []:
            self.bars[group.name].setOpts(height=np.zeros(group.size))
        self.hovered = None
        self._update_overlays()

    def _draw_components(self, vector: Array) -> None:
        assert self.layout_ is not None
        self.heights = vector
        heights = np.nan_to_num(vector, nan=0.0, posinf=0.0, neginf=0.0)
        for group in self.layout_.groups:
            self.bars[group.name].setOpts(height=heights[group.start : group.start + group.size])
        if heights.size:
            self._follow_y(float(heights.min()), float(heights.max()))
        self._update_overlays()

    def _follow_y(self, low: float, high: float) -> None:
        """Grow the y range at once; shrink it when the bars use less than 40% of it —
        at once while stepping, after a second of small gradients while running (mini-batch
        gradients jump, and every range change re-lays out the axis)."""
        snug = stepped_range(None, min(0.0, low), max(0.0, high))
        current = self._y_range
        new = current
        if current is None or current[0] > low or current[1] < high:
            new = snug
            self._shrink_since = None
        elif (current[1] - current[0]) > 2.5 * (snug[1] - snug[0]):
            running = self._snapshot is not None and self._snapshot.running
            now = time.perf_counter()
            if not running or (
                self._shrink_since is not None and now - self._shrink_since > SHRINK_AFTER
            ):
                new = snug
                self._shrink_since = None
            elif self._shrink_since is None:
                self._shrink_since = now
        else:
            self._shrink_since = None
        if new != current and new is not None:
            self._y_range = new
            self.plot_item.setYRange(*new, padding=0.03)

    def _update_overlays(self) -> None:
        """The selected and hovered bars, and the hover line: the hovered component of the
        gradient drawn now, or the hint when no bar of it is hovered (or none is drawn)."""
        layout = self.layout_
        heights = self.heights
        if layout is None or heights is None:
            self.selected_bar.setOpts(x=[], height=[])
            self._show_hovered(None, None)
            return
        selected = layout.index_of(self.selection.selection)
        if selected is not None:
            self.selected_bar.setOpts(x=[layout.x[selected]], height=[heights[selected]])
        else:
            self.selected_bar.setOpts(x=[], height=[])
        hovered = self.hovered
        self._show_hovered(
            layout, heights if hovered is not None and hovered < heights.size else None
        )

    def _show_hovered(self, layout: ComponentLayout | None, heights: Array | None) -> None:
        """The hovered bar's component of ``heights`` (None: the hint)."""
        hovered = self.hovered
        if layout is not None and heights is not None and hovered is not None:
            self.hover_bar.setOpts(x=[layout.x[hovered]], height=[heights[hovered]])
            nt = Notation.for_spec(layout.spec)
            symbol = nt.gradient(nt.param(layout.component(hovered)))
            value = notation.format_value(float(heights[hovered]))
            self.hover_label.setText(f"{symbol} = <b>{value}</b>")
            return
        self.hover_bar.setOpts(x=[], height=[])
        muted = f"<span style='color:{css(theme().text_muted)}'>{{}}</span>"
        self.hover_label.set_forms(
            muted.format(
                "Hover a bar to read it, click to select it. "
                "Dark bars: weights; light bars: biases."
            ),
            muted.format("Hover a bar to read it, click to select it. Dark: W; light: b."),
            muted.format("Hover a bar to read it, click to select it."),
        )

    def _draw_layers(self, dW: list[Array], db: list[Array]) -> None:
        L = len(dW)
        norms = [
            (float(np.sqrt(np.vdot(w, w))), float(np.sqrt(np.vdot(b, b))))
            for w, b in zip(dW, db, strict=True)
        ]
        self.norms = norms
        layers = np.arange(1, L + 1, dtype=float)
        values = np.array(norms, dtype=float).reshape(L, 2)
        log = self.log_check.isChecked()
        self.norms_widget.zero_line.setVisible(not log)
        if log:
            with np.errstate(divide="ignore"):
                logs = np.log10(values)
            finite = logs[np.isfinite(logs)]
            floor = float(np.floor(finite.min())) - 0.5 if finite.size else -1.0
            logs = np.where(np.isfinite(logs), logs, floor)
            y0, tops = floor, logs
            norms_range = (floor, float(np.ceil(logs.max())) if finite.size else 0.0)
            if norms_range[0] >= norms_range[1]:
                norms_range = (norms_range[0], norms_range[0] + 1.0)
        else:
            y0, tops = 0.0, values
            norms_range = stepped_range(self._norms_range, 0.0, float(values.max(initial=0.0)))
        _set_axis_label(self.norms_item, "left", "log₁₀ ‖∂C/∂θ‖" if log else "‖∂C/∂θ‖")
        self.norm_bars_w.setOpts(
            x=layers - 0.2,
            y0=y0,
            y1=tops[:, 0],
            height=None,
            brushes=[pg.mkBrush(layer_color(int(l))) for l in layers],
        )
        self.norm_bars_b.setOpts(
            x=layers + 0.2,
            y0=y0,
            y1=tops[:, 1],
            height=None,
            brushes=[pg.mkBrush(bias_color(int(l))) for l in layers],
        )
        if norms_range != self._norms_range:
            self._norms_range = norms_range
            self.norms_item.setYRange(*norms_range, padding=0.03)
        layer = int(self.layer_combo.currentData() or L)
        layer = min(max(layer, 1), L)
        w = dW[layer - 1].ravel()
        b = db[layer - 1].ravel()
        both = np.concatenate([w, b])
        both = both[np.isfinite(both)]
        colour = layer_color(layer)
        if both.size:
            # Bins over a range with 1-2-5 ends that changes only now and then: the axes
            # are laid out again only when it does.
            bins = int(np.clip(np.sqrt(both.size), 10, 60))
            lo, hi = stepped_range(self._histogram_x, float(both.min()), float(both.max()))
            edges = np.linspace(lo, hi, bins + 1)
            counts_w, _ = np.histogram(w[np.isfinite(w)], bins=edges)
            counts_b, _ = np.histogram(b[np.isfinite(b)], bins=edges)
            fill = QColor(colour)
            fill.setAlpha(150)
            self.histogram_curve_w.setData(
                edges, counts_w, pen=pg.mkPen(colour, width=1), brush=pg.mkBrush(fill)
            )
            self.histogram_curve_b.setData(
                edges, counts_b, pen=pg.mkPen(colour.darker(150), width=2)
            )
            top = float(max(counts_w.max(initial=0), counts_b.max(initial=0)))
            counts_range = stepped_range(self._histogram_y, 0.0, top)
            if (lo, hi) != self._histogram_x:
                self._histogram_x = (lo, hi)
                self.histogram_item.setXRange(lo, hi, padding=0.02)
            if counts_range != self._histogram_y:
                self._histogram_y = counts_range
                self.histogram_item.setYRange(*counts_range, padding=0.03)
        nt = Notation.for_spec(self.layout_.spec if self.layout_ is not None else None)
        d_w, d_b = nt.gradient(nt.matrix(layer)), nt.gradient(nt.biases(layer))
        self.histogram_title.set_forms(
            f"components of {d_w} (filled) and {d_b}", f"{d_w} (filled), {d_b}", f"{d_w}, {d_b}"
        )

    # -- interaction -----------------------------------------------------------------------------

    def _on_selection_changed(self, _selection: Selection | None) -> None:
        self._update_overlays()

    def _component_at(self, scene_pos: QPointF) -> int | None:
        vb = self.plot_item.vb
        if self.layout_ is None or not vb.sceneBoundingRect().contains(scene_pos):
            return None
        return self.layout_.index_at(vb.mapSceneToView(scene_pos).x())

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        index = self._component_at(scene_pos)
        if index != self.hovered:
            self.hovered = index
            self._update_overlays()

    def _on_mouse_clicked(self, event: object) -> None:
        scene_pos = event.scenePos()  # type: ignore[attr-defined]
        index = self._component_at(scene_pos)
        if index is None or self.layout_ is None:
            return
        c = self.layout_.component(index)
        if c.k is not None:
            self.selection.select(Selection.weight(c.layer, c.j, c.k))
        else:
            self.selection.select(Selection.neuron(c.layer, c.j))


def _set_axis_label(item: pg.PlotItem, axis: str, text: str) -> None:
    """Set an axis label only when it changes (each change lays the plot out again)."""
    if item.getAxis(axis).labelText != text:
        item.setLabel(axis, text)


def _plot_title(*forms: str) -> FittedRichLabel:
    """A caption above one of the layers page's plots: its longest form that fits."""
    label = FittedRichLabel()  # its text never widens the page
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    set_palette_style(label, "color: palette(mid);")
    label.set_forms(*forms)
    return label
