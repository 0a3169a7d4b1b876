"""The network's output over its input space, under the examples (TensorFlow Playground's
main view).

* Two inputs: a heat map of the output over the input plane (class-1 probability on the
  theme's blue-orange value scale, the predicted class tinted by its probability for
  softmax, the value for regression), the 0.5 contour as the decision boundary, and the
  examples on top: training points filled, validation points ringed. The map fills the
  view: both axes share one scale (circles stay round) and the axis with room to spare
  shows more of the plane; inputs of very different extents get a scale each.
* One input: the fitted curve (one per output) over the examples.
* Anything else: a short explanation.

Clicking a training point makes it the probe example (``controller.set_probe``), whose
forward and backward pass the canvas and the chain-rule panel show.

Cost: the grid is evaluated with one batched forward pass on a background thread
(:class:`LatestJob`) from the parameters of the snapshot shown (the caption names its
step: the picture may lag the frame by a job), at most every
``REFRESH_INTERVAL_MS`` (5 Hz) and only while the plot is visible. The worker is not
involved: snapshots already carry an immutable copy of the parameters, so training never
waits for this view, and a hidden plot costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor, QLinearGradient, QPainter, QPalette, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from bpstudio.app.background import LatestJob, at_step
from bpstudio.app.document import Document
from bpstudio.app.plots import follow_theme
from bpstudio.app.scatter import add_points, shown_inputs
from bpstudio.app.theme import Theme, rgb_array, set_palette_style, theme, to_qcolors
from bpstudio.app.training import TrainingController
from bpstudio.app.worker import LoadedData
from bpstudio.core.data.datasets import Dataset
from bpstudio.core.engine.activations import Array
from bpstudio.core.engine.decision import (
    DEFAULT_RESOLUTION,
    class_and_confidence,
    decision_grid,
    padded_range,
    response_curve,
)
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.training.snapshot import Snapshot

REFRESH_INTERVAL_MS = 200  # ≤ 5 recomputations a second while training runs
#: How strongly the background is tinted (1 = full colour): the points must stand out.
TINT = 0.62
CURVE_POINTS = 256
#: Inputs whose extents differ by more than this factor get a scale each, so neither is a
#: sliver; otherwise both axes share one scale.
EQUAL_SCALE_RATIO = 4.0


@dataclass(frozen=True)
class Frame:
    """One computed picture, ready to draw (made on the background thread)."""

    kind: str  # "plane" or "line"
    spec: NetworkSpec
    xs: Array
    ys: Array | None = None
    rgb: np.ndarray | None = None  # (r, r, 3) uint8, rows follow y
    values: Array | None = None  # plane: (r, r) or (r, r, k); line: (m, n_L)
    boundary: Array | None = None  # (p, 2) contour points, NaN-separated


def output_kind(spec: NetworkSpec) -> str:
    """ "probability" (sigmoid), "classes" (softmax) or "value" (anything else)."""
    act = spec.activations[-1]
    if act == "softmax":
        return "classes"
    if act == "sigmoid" and spec.output_size == 1:
        return "probability"
    return "value"


def compute_frame(
    spec: NetworkSpec,
    params: Params,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    value_scale: float,
    colors: Theme,
    resolution: int = DEFAULT_RESOLUTION,
) -> Frame:
    """Evaluate the network for the view (pure NumPy; runs off the GUI thread, so the
    colours come in as ``colors``)."""
    if spec.input_size == 1:
        xs, A = response_curve(spec, params, x_range, CURVE_POINTS)
        return Frame("line", spec, xs, values=A)
    xs, ys, values = decision_grid(spec, params, x_range, y_range, resolution)
    kind = output_kind(spec)
    boundary = None
    paper = rgb_array(colors.values.zero)
    if kind == "classes" or values.ndim == 3:
        labels, confidence = class_and_confidence(values)
        k = values.shape[2]
        t = np.clip((confidence - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0)[..., None]
        rgb = paper + TINT * t * (colors.class_rgb(k)[labels] - paper)
    else:
        centre, scale = (0.5, 0.5) if kind == "probability" else (0.0, value_scale)
        shifted = values - centre
        rgb = paper + TINT * (colors.values.rgb(shifted.ravel(), scale) - paper)
        rgb = rgb.reshape(*values.shape, 3)
        boundary = _contour(values, centre, xs, ys)
    return Frame(
        "plane",
        spec,
        xs,
        ys,
        rgb=np.ascontiguousarray(np.rint(rgb).astype(np.uint8)),
        values=values,
        boundary=boundary,
    )


def _contour(values: Array, level: float, xs: Array, ys: Array) -> Array | None:
    """The ``level`` contour in data coordinates, lines separated by NaN rows."""
    finite = np.nan_to_num(values, nan=level, posinf=level, neginf=level)
    if finite.min() >= level or finite.max() <= level:
        return None
    lines = pg.functions.isocurve(finite.T, level, connected=True)
    if not lines:
        return None
    dx, dy = xs[1] - xs[0], ys[1] - ys[0]
    parts = []
    for line in lines:
        P = np.asarray(line, dtype=float)
        # isocurve's coordinates put sample i at i + 0.5.
        parts.append(np.column_stack([xs[0] + (P[:, 0] - 0.5) * dx, ys[0] + (P[:, 1] - 0.5) * dy]))
        parts.append(np.full((1, 2), np.nan))
    return np.concatenate(parts)


class GradientLegend(QWidget):
    """A small legend: a colour ramp between two labels, or one swatch per class."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stops: list[tuple[float, QColor]] = []
        self.left = self.right = ""
        self.swatches: list[tuple[QColor, str]] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_ramp(self, left: str, stops: list[tuple[float, QColor]], right: str) -> None:
        self.left, self.stops, self.right, self.swatches = left, stops, right, []
        self.update()

    def set_swatches(self, swatches: list[tuple[QColor, str]]) -> None:
        self.swatches, self.stops = swatches, []
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(240, self.fontMetrics().height() + 6)

    def paintEvent(self, _event: object) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        fm = self.fontMetrics()
        h = self.height()
        text_color = self.palette().color(QPalette.ColorRole.Text)
        painter.setPen(text_color)
        if self.stops:
            lw, rw = fm.horizontalAdvance(self.left), fm.horizontalAdvance(self.right)
            ramp = QRectF(lw + 6, 3, max(20, min(160, self.width() - lw - rw - 12)), h - 6)
            gradient = QLinearGradient(ramp.topLeft(), ramp.topRight())
            for t, color in self.stops:
                gradient.setColorAt(t, color)
            painter.drawText(QRectF(0, 0, lw, h), Qt.AlignmentFlag.AlignVCenter, self.left)
            painter.fillRect(ramp, gradient)
            painter.drawText(
                QRectF(ramp.right() + 6, 0, rw + 2, h), Qt.AlignmentFlag.AlignVCenter, self.right
            )
        x = 0.0
        for color, name in self.swatches:
            w = fm.horizontalAdvance(name)
            if x + 14 + w > self.width():
                break
            painter.fillRect(QRectF(x, h / 2 - 5, 10, 10), color)
            painter.drawText(QRectF(x + 14, 0, w + 2, h), Qt.AlignmentFlag.AlignVCenter, name)
            x += 14 + w + 12
        painter.end()


class DecisionPlot(QWidget):
    """The output over the input space, recomputed in the background from snapshots.

    Attributes
    ----------
    frame : Frame or None, the picture on screen.
    mode : "plane", "line" or "message".

    Signals
    -------
    frameDrawn : a new frame was drawn (tests, benchmarks).
    """

    frameDrawn = Signal()

    def __init__(
        self,
        document: Document,
        controller: TrainingController,
        parent: QWidget | None = None,
        resolution: int = DEFAULT_RESOLUTION,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.controller = controller
        self.resolution = resolution
        self.frame: Frame | None = None
        self.step: int | None = None  # the step of the picture drawn
        self._caption = ""
        self.mode = "message"
        self._data: LoadedData | None = None
        self._ranges: tuple[tuple[float, float], tuple[float, float]] = ((-1.0, 1.0), (-1.0, 1.0))
        #: The examples' own extent (plane), padded.
        self._data_ranges: tuple[tuple[float, float], tuple[float, float]] = self._ranges
        #: Whether the plane is drawn with one scale on both axes (inputs of like extent).
        self.equal_scale = True
        self._value_scale = 1.0
        self._dirty = False
        self._probe_key: tuple[int, str, int | None] | None = None
        self._job = LatestJob(REFRESH_INTERVAL_MS, self, paced=lambda: controller.running)
        self._job.finished.connect(self._on_frame)

        background = self.palette().color(QPalette.ColorRole.Base)
        self.plot_widget = pg.PlotWidget(background=background)
        # Bilinear scaling of the 64x64 grid: smooth colour fields instead of blocks.
        self.plot_widget.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        self.plot_item.setMenuEnabled(False)
        self.plot_item.hideButtons()
        for name in ("left", "bottom"):
            self.plot_item.getAxis(name).enableAutoSIPrefix(False)  # "y (x0.001)" confuses
        self.plot_item.getViewBox().sigResized.connect(self._on_view_resized)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        colors = theme()
        self.boundary = pg.PlotDataItem(
            pen=pg.mkPen(colors.plots.boundary, width=1.6), connect="finite"
        )
        self.boundary.setZValue(-5)
        self.curves: list[pg.PlotDataItem] = []
        self.probe_marker = pg.ScatterPlotItem(
            size=17, pen=pg.mkPen(colors.plots.probe, width=2.2), brush=pg.mkBrush(0, 0, 0, 0)
        )
        self.probe_marker.setZValue(20)
        self.point_items: list[pg.ScatterPlotItem] = []

        self.caption = QLabel()
        self.caption.setWordWrap(True)  # a narrow Output dock wraps it rather than cut it
        self.legend = GradientLegend()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        set_palette_style(self.message, "color: palette(placeholder-text); padding: 24px;")
        set_palette_style(self.caption, "color: palette(placeholder-text); font-size: 9pt;")
        #: Shows the action given to :meth:`add_corner_action` (Enlarge Output).
        self.corner_button = QToolButton()
        self.corner_button.setAutoRaise(True)
        self.corner_button.hide()
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.legend, 1)
        top.addWidget(self.corner_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.caption)
        layout.addWidget(self.message, 1)

        controller.snapshotShown.connect(self._on_snapshot)
        controller.dataLoaded.connect(self._on_data_loaded)
        controller.problemChanged.connect(self._on_problem_changed)
        document.networkChanged.connect(self._on_network_changed)
        follow_theme(self, self.plot_widget, self._on_theme_changed)
        if controller.data is not None:
            self._on_data_loaded(controller.data)
        else:
            self._show_message("Waiting for the data…")

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(460, 420)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(220, 220)

    def add_corner_action(self, action: QAction) -> None:
        """Offer ``action`` as a small button in the view's top right corner."""
        self.corner_button.setDefaultAction(action)
        self.corner_button.show()

    # -- what to show --------------------------------------------------------------------------

    def _current(self) -> tuple[int, NetworkSpec, Params] | None:
        """The step and network to draw: the shown snapshot's, else the document's."""
        snapshot: Snapshot | None = self.controller.snapshot
        if snapshot is not None:
            return snapshot.step, snapshot.spec, snapshot.params
        project = self.document.project
        return project.step, project.spec, project.params.copy()

    def _usable_data(self) -> LoadedData | None:
        data = self._data
        if data is None or data.source != self.document.data_source:
            return None  # stale: the bound data failed to load or is loading
        return data

    def _show_message(self, text: str) -> None:
        self.mode = "message"
        self.plot_widget.hide()
        self.legend.hide()
        self.caption.setText("")
        self.message.setText(text)
        self.message.show()

    def _on_problem_changed(self, message: str) -> None:
        if message and self._usable_data() is None:
            self._show_message(message)

    def _on_data_loaded(self, data: LoadedData) -> None:
        self._data = data
        self._setup()
        self.refresh()

    def _on_network_changed(self) -> None:
        self._setup()
        self.refresh()

    def _on_theme_changed(self) -> None:
        """Draw again in the new theme: the marks' pens, the points, the colour field."""
        colors = theme()
        self.boundary.setPen(pg.mkPen(colors.plots.boundary, width=1.6))
        self.probe_marker.setPen(pg.mkPen(colors.plots.probe, width=2.2))
        self._setup()
        self.refresh()

    def _setup(self) -> None:
        """Lay out the plot for the data and network: items, ranges, labels, legend."""
        data = self._usable_data()
        spec = self.document.spec
        self.plot_item.clear()
        self.point_items = []
        self.curves = []
        self.frame = None
        self.step = None
        if data is None:
            self._show_message("Waiting for the data…")
            return
        train, validation = data.train, data.validation
        d = train.n_inputs
        if d not in (1, 2):
            self._show_message(
                f"The output can be drawn over the inputs for one or two inputs; these "
                f"examples have {d:,}. Results shows how the network classifies them."
            )
            return
        if spec.input_size != d or spec.output_size != train.n_outputs:
            self._show_message(
                "The network does not fit the data yet (see the Data panel), so there is no "
                "output to draw."
            )
            return
        self.message.hide()
        self.plot_widget.show()
        self.legend.show()
        names = train.feature_names or tuple(f"x{i + 1}" for i in range(d))
        X = shown_inputs(train, validation)  # standardised, as the network sees them
        x_range = padded_range(X[:, 0], 0.08)
        if d == 2:
            self.mode = "plane"
            y_range = padded_range(X[:, 1], 0.08)
            spans = (x_range[1] - x_range[0], y_range[1] - y_range[0])
            self._data_ranges = (x_range, y_range)
            self.equal_scale = max(spans) <= EQUAL_SCALE_RATIO * min(spans)
            x_range, y_range = self._fitted_ranges()
            self.plot_item.setAspectLocked(False)  # _fitted_ranges keeps the scales equal
            self.plot_item.setLabel("left", names[1])
            self.plot_item.addItem(self.image)
            self.plot_item.addItem(self.boundary)
            self.image.clear()
            self.boundary.setData([], [])
        else:
            self.mode = "line"
            self.plot_item.setAspectLocked(False)
            ys = train.labels.astype(float) if train.is_classification else data.examples.Y[:, 0]
            y_range = padded_range(ys, 0.12)
            left = "class" if train.is_classification else (train.target_names or ("y",))[0]
            self.plot_item.setLabel("left", left)
        self.plot_item.setLabel("bottom", names[0])
        self._ranges = (x_range, y_range)
        self._value_scale = float(np.max(np.abs(data.examples.Y))) or 1.0
        self.point_items = add_points(self.plot_item, train, validation, size=8 if d == 2 else 7)
        for item in self.point_items:
            item.sigClicked.connect(self._on_points_clicked)
            item.setCursor(Qt.CursorShape.PointingHandCursor)
        self.plot_item.addItem(self.probe_marker)
        self._probe_key = None
        self.plot_item.setRange(xRange=x_range, yRange=y_range, padding=0)
        self._update_caption(spec, train)
        self._update_probe()

    def _fitted_ranges(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The input plane's ranges for the view box as it is now: all of the data, and the
        view box filled. With :attr:`equal_scale` one unit is as long on both axes (circles
        stay round), so the range of the axis with room to spare grows to fill it."""
        x_range, y_range = self._data_ranges
        if not self.equal_scale:
            return x_range, y_range
        box = self.plot_item.getViewBox()
        width, height = max(float(box.width()), 1.0), max(float(box.height()), 1.0)
        if width < 2 or height < 2:
            width = height = 1.0  # not laid out yet: a square until it is
        per_pixel = max((x_range[1] - x_range[0]) / width, (y_range[1] - y_range[0]) / height)
        cx, cy = sum(x_range) / 2, sum(y_range) / 2
        half_x, half_y = per_pixel * width / 2, per_pixel * height / 2
        return (cx - half_x, cx + half_x), (cy - half_y, cy + half_y)

    def _on_view_resized(self) -> None:
        """The view box changed size (a dock dragged, the Output enlarged): fill it again."""
        if self.mode != "plane" or not self.equal_scale:
            return
        fitted = self._fitted_ranges()
        if np.allclose(fitted, self._ranges, rtol=1e-3, atol=0.0):
            return
        self._ranges = fitted
        self.plot_item.setRange(xRange=fitted[0], yRange=fitted[1], padding=0)
        self.refresh()

    def _set_caption(self, text: str) -> None:
        """The caption under the picture; the step of the picture goes before it once
        one is drawn."""
        self._caption = text
        self.caption.setText(text if self.step is None else f"Step {self.step:,} · {text}")

    def _update_caption(self, spec: NetworkSpec, train: Dataset) -> None:
        kind = output_kind(spec)
        names = train.class_names
        if self.mode == "line":
            self._set_caption("line: the network's output · ● training  ○ validation")
            if kind == "classes" or spec.output_size > 1:
                self.legend.set_swatches(
                    [(theme().class_color(c), n) for c, n in enumerate(names or train.target_names)]
                )
            else:
                self.legend.set_swatches([])
            return
        self._set_caption("● training  ○ validation · click a point to probe it")
        if kind == "classes" or spec.output_size > 1:
            labels = names or tuple(f"class {c}" for c in range(spec.output_size))
            self.legend.set_swatches([(theme().class_color(c), n) for c, n in enumerate(labels)])
        elif kind == "probability":
            a, b = (names + ("class 0", "class 1"))[:2] if len(names) >= 2 else ("0", "1")
            self.legend.set_ramp(f"{a}  0", _ramp_stops(), f"1  {b}")
        else:
            s = self._value_scale
            self.legend.set_ramp(f"{-s:.3g}", _ramp_stops(), f"{s:.3g}")

    # -- computing --------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Recompute the picture from the latest parameters (in the background)."""
        if self.mode not in ("plane", "line"):
            return
        if not self.isVisible():
            self._dirty = True
            return
        current = self._current()
        if current is None:
            return
        step, spec, params = current
        if spec.input_size != self._data_inputs():
            return  # a snapshot from before a reshape; the next one will fit
        self._dirty = False
        x_range, y_range = self._ranges
        self._job.submit(
            at_step,
            step,
            compute_frame,
            spec,
            params,
            x_range,
            y_range,
            self._value_scale,
            theme(),
            self.resolution,
        )

    def _data_inputs(self) -> int:
        data = self._usable_data()
        return data.train.n_inputs if data is not None else -1

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        self._update_probe(snapshot)
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    def _on_frame(self, computed: tuple[int, Frame]) -> None:
        step, frame = computed
        if frame.spec.input_size != self._data_inputs() or self.mode != frame.kind:
            return
        self.frame = frame
        self.step = step
        self.caption.setText(f"Step {step:,} · {self._caption}")
        if frame.kind == "plane":
            assert frame.ys is not None
            assert frame.rgb is not None
            xs, ys = frame.xs, frame.ys
            dx, dy = xs[1] - xs[0], ys[1] - ys[0]
            self.image.setImage(frame.rgb, autoLevels=False, levels=(0, 255))
            self.image.setRect(QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys)))
            if frame.boundary is not None:
                self.boundary.setData(frame.boundary[:, 0], frame.boundary[:, 1])
            else:
                self.boundary.setData([], [])
        else:
            self._draw_curves(frame)
        self.frameDrawn.emit()

    def _draw_curves(self, frame: Frame) -> None:
        assert frame.values is not None
        A = frame.values
        spec = frame.spec
        while len(self.curves) < A.shape[1]:
            curve = pg.PlotDataItem()
            curve.setZValue(-5)
            self.plot_item.addItem(curve)
            self.curves.append(curve)
        while len(self.curves) > A.shape[1]:
            self.plot_item.removeItem(self.curves.pop())
        single = A.shape[1] == 1
        colors = theme()
        for j, curve in enumerate(self.curves):
            color = colors.class_color(j)
            if single and output_kind(spec) == "value":
                color = colors.plots.single_output
            if single and output_kind(spec) == "probability":
                color = colors.plots.boundary
            curve.setPen(pg.mkPen(color, width=2.4))
            curve.setData(frame.xs, A[:, j])
        self._include_curve(A)

    def _include_curve(self, A: np.ndarray) -> None:
        """Widen the y range when the fitted curve leaves it (never shrink it while training):
        a curve off-screen looks like no curve at all."""
        finite = A[np.isfinite(A)]
        if finite.size == 0:
            return
        x_range, (lo, hi) = self._ranges
        c_lo, c_hi = float(finite.min()), float(finite.max())
        if c_lo >= lo and c_hi <= hi:
            return
        pad = 0.08 * (max(hi, c_hi) - min(lo, c_lo))
        y_range = (min(lo, c_lo - pad), max(hi, c_hi + pad))
        self._ranges = (x_range, y_range)
        self.plot_item.setRange(yRange=y_range, padding=0)

    # -- the probe example -----------------------------------------------------------------------

    def _on_points_clicked(
        self, _item: pg.ScatterPlotItem, points: object, _ev: object = None
    ) -> None:
        """A click on training points: the first one becomes the probe example."""
        spots = list(points)  # type: ignore[call-overload]
        if spots:
            self.select_example(int(spots[0].data()))

    def select_example(self, index: int) -> None:
        """Make training example ``index`` the probe."""
        self.controller.set_probe(int(index))
        self._update_probe(index=int(index))

    def _update_probe(self, snapshot: Snapshot | None = None, index: int | None = None) -> None:
        data = self._usable_data()
        if data is None or self.mode not in ("plane", "line"):
            return
        if index is None:
            snap = snapshot or self.controller.snapshot
            index = snap.probe.index if snap is not None and snap.probe is not None else None
        if index is None or not 0 <= index < data.train.n_examples:
            index = None
        key = (id(data), self.mode, index)
        if key == self._probe_key:
            return  # unchanged: no repaint (snapshots come 30 times a second)
        self._probe_key = key
        if index is None:
            self.probe_marker.setData([], [])
            return
        x = data.train.X[index]
        if self.mode == "plane":
            self.probe_marker.setData([x[0]], [x[1]])
        else:
            train = data.train
            y = float(train.labels[index]) if train.is_classification else float(train.Y[index, 0])
            self.probe_marker.setData([x[0]], [y])

    # -- lifetime ----------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Wait for a picture being computed (window closing, tests)."""
        self._job.shutdown()


def _ramp_stops() -> list[tuple[float, QColor]]:
    """The picture's value scale: the theme's, tinted as the picture is."""
    scale = theme().values
    paper = rgb_array(scale.zero)
    rgb = paper + TINT * (scale.rgb(np.linspace(-1.0, 1.0, 5)) - paper)
    return [(i / 4, color) for i, color in enumerate(to_qcolors(rgb))]
