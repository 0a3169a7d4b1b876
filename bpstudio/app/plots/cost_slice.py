"""C(w): the cost along the selected weight or bias, its tangent and the current point.

The picture behind "how sensitive is the cost to this weight": every other parameter held
fixed, the cost traces a curve as the one parameter moves, and the tangent at the current
value has the slope ∂C/∂w. The slice is computed in the core
(:func:`bpstudio.core.engine.slice.compute_slice`) on a background job
(:class:`LatestJob`), asked for by each frame and each edit, so training and dragging the
value keep it live without holding up the window; curve, tangent and current point come
from one computation, and the caption names the step it was computed at (it may lag the
frame by a job). It uses the examples of the last batch (or, before any, the training set),
at most a few hundred of them, evenly spaced; the caption says when it subsampled. The
caption's two lines (the examples, then the current point and slope) each show the longest
of their wordings that fits, so a narrow Inspector never cuts them off.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QPalette, QShowEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from bpstudio.app import notation
from bpstudio.app.background import LatestJob, at_step
from bpstudio.app.document import Document
from bpstudio.app.elided import FittedRichLabel
from bpstudio.app.notation import Notation
from bpstudio.app.plots import fix_axis_widths, follow_theme
from bpstudio.app.selection import SelectionModel
from bpstudio.app.theme import set_palette_style, theme
from bpstudio.app.training import TrainingController
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.slice import CostSlice, compute_slice
from bpstudio.core.training.snapshot import Snapshot

#: Values of the parameter per slice, and the examples it averages over at most. For
#: 784-128-10 a first-layer weight's slice then takes about 20 ms on one core (40 ms with
#: 512 examples), so following training five times a second costs a tenth of a core.
POINTS = 31
MAX_EXAMPLES = 256
#: Milliseconds between two jobs at least (while training runs, and otherwise), one at a time.
RUNNING_INTERVAL_MS = 200
JOB_INTERVAL_MS = 100


class CostSlicePlot(QWidget):
    """The slice of C along the selected parameter; hidden when no weight or bias is selected.

    Signals
    -------
    sliceDrawn(object) : a slice (:class:`CostSlice`) was drawn (tests).
    """

    sliceDrawn = Signal(object)

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
        self.slice: CostSlice | None = None
        self.step: int | None = None  # the step of the slice drawn
        self._job = LatestJob(JOB_INTERVAL_MS, self, paced=lambda: controller.running)
        self._job.finished.connect(self._on_slice)
        self._job.failed.connect(self._on_failed)

        background = self.palette().color(QPalette.ColorRole.Base)
        self.plot_widget = _SlicePlotWidget(background=background)
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        self.plot_item.setMenuEnabled(False)
        self.plot_item.hideButtons()
        self.plot_item.setMouseEnabled(False, False)
        self.plot_item.showGrid(x=True, y=True, alpha=0.15)
        for name in ("left", "bottom"):
            self.plot_item.getAxis(name).enableAutoSIPrefix(False)
        fix_axis_widths(self.plot_item)
        self.curve = self.plot_item.plot()
        self.tangent = self.plot_item.plot()
        self.point = pg.ScatterPlotItem(size=9)
        self.plot_item.addItem(self.point)
        self._on_theme_changed()  # the pens and brush, from the theme
        self.plot_widget.setMinimumHeight(120)
        follow_theme(self, self.plot_widget, self._on_theme_changed)

        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        # One line each, of a fixed height: their text changes with every computation, and
        # the layout must neither wait for a relayout to make room nor jump while training.
        #: The state the slice was computed at and the examples it averages over.
        self.caption = FittedRichLabel()
        #: The current point and the slope there.
        self.readout = FittedRichLabel()
        for label in (self.caption, self.readout):
            set_palette_style(label, "color: palette(placeholder-text);")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.plot_widget)
        layout.addWidget(self.caption)
        layout.addWidget(self.readout)

        selection.selectionChanged.connect(self._on_selection_changed)
        document.parametersChanged.connect(self.request)
        document.parameterChanged.connect(self._on_parameter_changed)
        document.networkChanged.connect(self._on_selection_changed)
        document.projectReplaced.connect(self._on_selection_changed)
        controller.snapshotShown.connect(self._on_snapshot)
        controller.dataLoaded.connect(self.request)
        self._on_selection_changed()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        # The plot's glance and the caption's two lines: at 1280×720 the Inspector shows
        # them all, with the weight's editor above, without scrolling.
        return QSize(260, super().sizeHint().height())

    def _on_theme_changed(self) -> None:
        """Take the curve's, tangent's and point's colours from the new theme."""
        colours = theme().plots
        self.curve.setPen(pg.mkPen(colours.train_cost, width=2))
        self.tangent.setPen(
            pg.mkPen(colours.validation_cost, width=1.6, style=Qt.PenStyle.DashLine)
        )
        self.point.setPen(pg.mkPen(colours.probe, width=1.5))
        self.point.setBrush(pg.mkBrush(colours.probe))

    # -- what to show ----------------------------------------------------------------------------

    def parameter(self) -> ParamRef | None:
        """The selected weight or bias (a neuron's bias), if the network has it."""
        current = self.selection.selection
        if current is None or not current.fits(self.document.spec):
            return None
        return current.param

    def _inputs(self) -> tuple[object, ...] | None:
        """(step, spec, params, X, Y, ref) for the job: while training runs the shown
        snapshot's parameters and batch, else the document's parameters and the training
        set."""
        ref = self.parameter()
        data = self.controller.data
        if ref is None or data is None or data.source != self.document.data_source:
            return None
        train = data.train
        spec = self.document.spec
        if train.X.shape[1] != spec.input_size or train.Y.shape[1] != spec.output_size:
            return None
        snapshot: Snapshot | None = self.controller.snapshot
        if snapshot is not None and snapshot.spec == spec and snapshot.running:
            rows = snapshot.batch_indices
            return snapshot.step, spec, snapshot.params, train.X[rows], train.Y[rows], ref
        step = self.document.project.step
        return step, spec, self.document.params.copy(), train.X, train.Y, ref

    # -- computing -------------------------------------------------------------------------------

    def request(self, *_args: object) -> None:
        """Ask for a new slice of the state shown (the job runs the newest request)."""
        if self.parameter() is None or not self.isVisible():
            return  # showEvent asks again
        inputs = self._inputs()
        if inputs is None:
            return
        running = self.controller.running
        self._job.min_interval_ms = RUNNING_INTERVAL_MS if running else JOB_INTERVAL_MS
        step, *args = inputs
        self._job.submit(at_step, step, compute_slice, *args, POINTS, MAX_EXAMPLES)

    def _on_slice(self, computed: tuple[int, CostSlice]) -> None:
        step, result = computed
        if result.ref != self.parameter():
            return  # the selection moved on while it was computed
        self.step = step
        self.slice = result
        with np.errstate(all="ignore"):
            finite = np.isfinite(result.costs)
            self.curve.setData(result.values[finite], result.costs[finite])
            ends = result.values[[0, -1]]
            # The tangent over the middle half: long enough to read its slope, short enough
            # not to dwarf the curve when the slope is steep.
            span = (ends[1] - ends[0]) / 4
            xs = np.array([result.value - span, result.value + span])
            self.tangent.setData(xs, result.tangent(xs))
        self.point.setData([result.value], [result.cost])
        # Fit the axes to the new curve now: fitted when the plot paints (pyqtgraph's
        # default), the new range would ask for a second paint right after the first.
        self.plot_item.vb.prepareForPaint()
        self._show_caption(step, result)
        self.sliceDrawn.emit(result)

    def _on_failed(self, message: str) -> None:
        self.caption.setText(html.escape(f"Cannot compute the slice: {message}"))
        self.readout.setText("")

    def _show_caption(self, step: int, result: CostSlice) -> None:
        nt = Notation.for_spec(self.document.spec)
        name = nt.param(result.ref, plain=True)
        n, total = f"{result.n_examples:,}", f"{result.n_total:,}"
        examples: tuple[str, ...]
        if result.subsampled:
            examples = (
                f"C over {n} of {total} examples, evenly spaced (faster while training)",
                f"C over {n} of {total} examples, evenly spaced",
                f"C over {n} of {total} examples",
                f"{n} of {total} examples",
            )
        else:
            plural = "s" * (result.n_examples != 1)
            examples = (f"C over {n} example{plural}", f"{n} example{plural}")
        self.caption.set_forms(*(html.escape(f"Step {step:,}: {e}.") for e in examples))
        value = notation.format_value(result.value, 4)
        cost = notation.format_value(result.cost, 4)
        slope = notation.format_value(result.gradient, 4)
        self.readout.set_forms(
            *(
                html.escape(form)
                for form in (
                    f"At {name} = {value}: C = {cost}, slope ∂C/∂{name} = {slope} "
                    "(dashed tangent).",
                    f"At {name} = {value}: C = {cost}, slope ∂C/∂{name} = {slope}.",
                    f"C = {cost}, slope ∂C/∂{name} = {slope}.",
                    f"C = {cost}, slope {slope}.",
                )
            )
        )

    # -- handlers --------------------------------------------------------------------------------

    def _on_selection_changed(self, *_args: object) -> None:
        ref = self.parameter()
        self.setVisible(ref is not None)
        if ref is None:
            self.slice = None
            self._job.cancel_pending()
            return
        nt = Notation.for_spec(self.document.spec)
        symbol = nt.param(ref)
        self.title.setText(f"Cost along {symbol}: {notation.cost()}({symbol})")
        self.plot_item.setLabel("bottom", nt.param(ref, plain=True))
        self.plot_item.setLabel("left", notation.cost(plain=True))
        self.curve.setData([], [])
        self.tangent.setData([], [])
        self.point.setData([], [])
        self.caption.setText("Computing…")
        self.readout.setText("")
        self.request()

    def _on_parameter_changed(self, _ref: object) -> None:
        self.request()  # any parameter moves the curve, not only the selected one

    def _on_snapshot(self, _snapshot: object) -> None:
        self.request()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.request()

    def shutdown(self) -> None:
        """Wait for a slice being computed (window closing, tests)."""
        self._job.shutdown()


class _SlicePlotWidget(pg.PlotWidget):  # type: ignore[misc]
    """A plot that asks for the height of a glance, not pyqtgraph's 480 px: in the
    Inspector's scroll area the layout gives each row its asked-for height, which would push
    the current point and the rows below it out of view."""

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(260, 140)
