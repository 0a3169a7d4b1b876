"""The cost curves: C per step, C on the whole training and validation sets, and accuracy.

With an L1 or L2 penalty on, C is the whole cost C_data + penalty; the data term C_data of
the training and validation sets is drawn beside it (dotted) and the axis says so.

Snapshots carry the history already decimated (at most ~4k points per series); the plot
draws the history of the snapshot shown, once a frame (:mod:`bpstudio.app.pacing`), with
pyqtgraph's clip-to-view and peak downsampling. While idle it draws the document's history,
so undoing a training run rewinds the curves too.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QPalette, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from bpstudio.app.document import Document
from bpstudio.app.elided import FittedRichLabel
from bpstudio.app.plots import fix_axis_widths, follow_theme, stepped_range
from bpstudio.app.theme import css, theme
from bpstudio.app.training import TrainingController
from bpstudio.core.engine.activations import Array
from bpstudio.core.training.snapshot import Snapshot

#: name -> (legend label, width, dash style, on the accuracy axis); colours come from the
#: theme (:func:`series_colour`). Qt strokes wide, antialiased or dashed pens on long jagged
#: polylines very slowly (seconds for 4k noisy points), so wide lines are drawn without
#: antialiasing as separate segments and the dashed accuracy curves are one pixel wide.
SERIES_STYLE: dict[str, tuple[str, float, Qt.PenStyle, bool]] = {
    "batch_cost": ("C per mini-batch", 1.0, Qt.PenStyle.SolidLine, False),
    "train_cost": ("C train", 2.0, Qt.PenStyle.SolidLine, False),
    "validation_cost": ("C validation", 2.0, Qt.PenStyle.SolidLine, False),
    "train_accuracy": ("accuracy train", 1.0, Qt.PenStyle.DashLine, True),
    "validation_accuracy": ("accuracy validation", 1.0, Qt.PenStyle.DashLine, True),
    "train_data_cost": ("C_data train", 1.0, Qt.PenStyle.DotLine, False),
    "validation_data_cost": ("C_data validation", 1.0, Qt.PenStyle.DotLine, False),
}
#: Pixels between two legend entries in a row.
LEGEND_SPACING = 12
#: The curves of the data term, in the legend only while a penalty made them differ from C.
DATA_TERM_SERIES = ("train_data_cost", "validation_data_cost")


def series_colour(name: str, text: bool = False) -> QColor:
    """The theme's colour of a history series (``text``: as written in the summary)."""
    pens = theme().plots
    colours = {
        "batch_cost": pens.batch_cost_text if text else pens.batch_cost,
        "train_cost": pens.train_cost,
        "validation_cost": pens.validation_cost,
        "train_accuracy": pens.train_accuracy,
        "validation_accuracy": pens.validation_accuracy,
        # The data term C_data is drawn dotted in the colour of its C.
        "train_data_cost": pens.train_cost,
        "validation_data_cost": pens.validation_cost,
    }
    return colours[name]


History = dict[str, tuple[Array, Array]]

SYMBOLS_BELOW = 40  # evaluation points are marked while a series has at most this many


class CostPlot(QWidget):
    """Cost against step (left axis, optionally logarithmic) and accuracy (right, 0..1).

    Attributes
    ----------
    plot_item : pg.PlotItem, for exporting the image.
    curves : name -> pg.PlotDataItem for every history series.
    draw_count : how many times the curves were redrawn (for tests and benchmarks).
    """

    def __init__(
        self, document: Document, controller: TrainingController, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.controller = controller
        self.draw_count = 0
        self.history: History = {}
        self._pending: History | None = None
        self._has_accuracy: bool | None = None
        self._has_data_terms: bool | None = None
        self._signatures: dict[str, tuple[float, ...]] = {}  # of the data each curve shows

        palette = self.palette()
        background = palette.color(QPalette.ColorRole.Base)
        foreground = palette.color(QPalette.ColorRole.Text)
        self.plot_widget = pg.PlotWidget(background=background)
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        item = self.plot_item
        item.showGrid(x=False, y=False)
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="peak")
        item.setLabel("bottom", "gradient step")
        item.setLabel("left", "cost C")
        item.setMenuEnabled(True)
        # The plot follows the data with ranges that grow in 1-2-5 steps (re-laying out the
        # axes on every redraw is the costliest part of a frame) until the user pans or
        # zooms; the "A" button hands the ranges to pyqtgraph's own auto-range.
        self._follow = True
        self._x_range: tuple[float, float] | None = None
        self._y_range: tuple[float, float] | None = None
        item.vb.disableAutoRange()
        fix_axis_widths(item, ("left", "right"))
        item.vb.sigRangeChangedManually.connect(self._on_range_changed_manually)
        for name in ("left", "bottom", "right"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(foreground))
            axis.setTextPen(pg.mkPen(foreground))
        # The legend sits above the data, in the row of the (unused) title, so it never hides
        # a curve; it is part of the plot item, so exported images carry it.
        self.legend = pg.LegendItem(
            colCount=5, labelTextColor=foreground, labelTextSize="8pt", horSpacing=LEGEND_SPACING
        )
        item.layout.removeItem(item.titleLabel)
        item.titleLabel.hide()
        # Its width must not push the right axis out of a narrow plot.
        self.legend.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.legend.setMinimumWidth(10)
        item.layout.addItem(self.legend, 0, 1)
        item.legend = self.legend  # plot(name=...) and exporters find it there

        # Accuracy on a second y axis: its own ViewBox sharing the x axis
        # (pyqtgraph's MultiplePlotAxes example).
        self.accuracy_view = pg.ViewBox()
        self.accuracy_view.setMouseEnabled(x=True, y=False)
        self.accuracy_view.setYRange(0.0, 1.0, padding=0.02)
        item.scene().addItem(self.accuracy_view)
        right = item.getAxis("right")
        right.linkToView(self.accuracy_view)
        right.setLabel("accuracy")
        self.accuracy_view.setXLink(item.vb)
        item.vb.sigResized.connect(self._sync_accuracy_view)

        self.curves: dict[str, pg.PlotDataItem] = {}
        for name, (label, width, dash, on_accuracy) in SERIES_STYLE.items():
            pen = pg.mkPen(series_colour(name), width=width, style=dash)
            curve = pg.PlotDataItem(name=label, pen=pen, antialias=False)
            if width > 1:
                curve.curve.setSegmentedLineMode("on")
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
            if on_accuracy:
                self.accuracy_view.addItem(curve)
            else:
                item.addItem(curve)
            self.curves[name] = curve
        self.curves["batch_cost"].setZValue(-1)
        self._show_accuracy(False)

        self.summary = FittedRichLabel()
        self.log_check = QCheckBox("Log scale")
        self.log_check.setToolTip("Logarithmic cost axis: shows progress over many decades")
        self.log_check.toggled.connect(self._on_log_toggled)
        self.batch_check = QCheckBox("Per-step C")
        self.batch_check.setChecked(True)
        self.batch_check.setToolTip("Show the noisy cost of every mini-batch")
        self.batch_check.toggled.connect(self.curves["batch_cost"].setVisible)
        self._show_data_terms(False)  # after log_check: it sets the axis label

        bar = QHBoxLayout()
        bar.setContentsMargins(4, 0, 4, 0)
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.batch_check)
        bar.addWidget(self.log_check)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(self.plot_widget, 1)

        controller.snapshotShown.connect(self._on_snapshot)
        document.historyChanged.connect(self._on_history_changed)
        document.projectReplaced.connect(self._on_project_replaced)
        follow_theme(self, self.plot_widget, self._on_theme_changed)
        self._on_history_changed()

    def _on_theme_changed(self) -> None:
        """Take the series' colours and the legend's text colour from the new theme."""
        for name, (_label, width, dash, _on_accuracy) in SERIES_STYLE.items():
            curve = self.curves[name]
            curve.setPen(pg.mkPen(series_colour(name), width=width, style=dash))
            if curve.opts["symbol"] is not None:
                curve.setSymbolPen(pg.mkPen(series_colour(name)))
                curve.setSymbolBrush(pg.mkBrush(series_colour(name)))
        self.legend.setLabelTextColor(self.palette().color(QPalette.ColorRole.Text))
        self.summary.set_forms(*self._summary_forms(self.history))

    # -- data in ---------------------------------------------------------------------------------

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        self._schedule(snapshot.history)

    def _on_project_replaced(self) -> None:
        self._follow = True
        self._x_range = self._y_range = None
        self._on_history_changed()

    def _on_history_changed(self) -> None:
        if self.controller.running:
            return  # the run's snapshots are newer than the document
        history = self.document.project.history
        self._schedule({name: series.data() for name, series in history.series.items()})

    def _schedule(self, history: History) -> None:
        """Draw ``history`` now (the frame's), or when shown again if hidden."""
        self._pending = history
        if self.isVisible():
            self._draw_pending()

    def _draw_pending(self) -> None:
        if self._pending is not None:
            history, self._pending = self._pending, None
            self.draw(history)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # presenter mode's larger type
            self._follow_font()

    def _follow_font(self) -> None:
        """The legend's entries in the widget's type size (the axes' titles keep theirs:
        the cost plot is short in presenter mode, and they run along its height)."""
        points = self.font().pointSizeF()
        if points <= 0:
            return
        self.legend.setLabelTextSize(f"{max(8.0, 0.9 * points):.1f}pt")
        for _sample, label in self.legend.items:
            label.setText(label.text)  # the size applies when the text is set
        self._fit_legend()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit_legend()

    def _fit_legend(self) -> None:
        """As many legend entries in a row as the plot's width holds (the rest wrap to a
        second row), so no entry is cut off at the right."""
        entries = self.legend.items
        if not entries:
            return
        widest = max(
            sample.boundingRect().width() + label.item.boundingRect().width() + LEGEND_SPACING
            for sample, label in entries
        )
        room = self.plot_widget.width() - 2 * self.plot_item.getAxis("left").width()
        columns = max(1, min(len(entries), int(room // max(widest, 1.0))))
        self.legend.setColumnCount(columns)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self._fit_legend()
        self._draw_pending()

    # -- drawing ---------------------------------------------------------------------------------

    def draw(self, history: History) -> None:
        """Set every curve's data from ``history`` (name -> (step, value) arrays)."""
        self.history = history
        empty = (np.empty(0), np.empty(0))
        for name, curve in self.curves.items():
            x, y = history.get(name, empty)
            # Evaluations are sparse early on: mark them, or one point would not show.
            sparse = name != "batch_cost" and 0 < len(x) <= SYMBOLS_BELOW
            if sparse != (curve.opts["symbol"] is not None):
                colour = series_colour(name)
                curve.setSymbol("o" if sparse else None)
                curve.setSymbolSize(5)
                curve.setSymbolPen(pg.mkPen(colour))
                curve.setSymbolBrush(pg.mkBrush(colour))
            # Evaluation series change once in many steps: setting the same data again
            # would cost its downsampling and bounds for nothing.
            signature = (len(x), float(x[0]), float(x[-1]), float(y[-1])) if len(x) else (0,)
            if self._signatures.get(name) == signature:
                continue
            self._signatures[name] = signature
            # In log mode pyqtgraph maps a zero cost to NaN (a gap), without warnings.
            curve.setData(x, y)
        has_accuracy = len(history.get("train_accuracy", empty)[0]) > 0
        self._show_accuracy(has_accuracy)
        self._show_data_terms(any(len(history.get(n, empty)[0]) > 0 for n in DATA_TERM_SERIES))
        if self._follow and not any(self.plot_item.vb.autoRangeEnabled()):
            self._follow_data(history)
        self.summary.set_forms(*self._summary_forms(history))
        self.draw_count += 1

    def _follow_data(self, history: History) -> None:
        """Keep every point in view, with range ends that change in steps."""
        log = self.log_check.isChecked()
        x_max, y_low, y_high = 1.0, math.inf, -math.inf
        for name, style in SERIES_STYLE.items():
            on_accuracy = style[3]
            x, y = history.get(name, (np.empty(0), np.empty(0)))
            if len(x) == 0:
                continue
            x_max = max(x_max, float(x[-1]))
            if on_accuracy or not self.curves[name].isVisible():
                continue
            y = y[np.isfinite(y) & (y > 0)] if log else y[np.isfinite(y)]
            if y.size:
                y_low, y_high = min(y_low, float(y.min())), max(y_high, float(y.max()))
        vb = self.plot_item.vb
        x_range = stepped_range(self._x_range, 0.0, x_max)
        if x_range != self._x_range:
            self._x_range = x_range
            vb.setXRange(*x_range, padding=0.0)
        if not math.isfinite(y_low):
            return
        if log:
            y_range = (
                float(math.floor(math.log10(y_low))),
                float(math.ceil(math.log10(y_high))),
            )
            if y_range[0] == y_range[1]:
                y_range = (y_range[0] - 1, y_range[1])
        else:
            y_range = stepped_range(self._y_range, min(0.0, y_low), y_high)
        if y_range != self._y_range:
            self._y_range = (float(y_range[0]), float(y_range[1]))
            vb.setYRange(*self._y_range, padding=0.02)

    def _on_range_changed_manually(self) -> None:
        self._follow = False

    def follow(self) -> None:
        """Go back to following the data (after the user panned or zoomed)."""
        self._follow = True
        self._x_range = self._y_range = None
        self.plot_item.vb.disableAutoRange()
        self.draw(self.history)

    def _show_accuracy(self, visible: bool) -> None:
        if visible == self._has_accuracy:
            return
        self._has_accuracy = visible
        self.plot_item.showAxis("right", visible)
        for name in ("train_accuracy", "validation_accuracy"):
            curve = self.curves[name]
            curve.setVisible(visible)
            self.legend.removeItem(curve)
            if visible:
                self.legend.addItem(curve, SERIES_STYLE[name][0])
        self._fit_legend()

    def _show_data_terms(self, visible: bool) -> None:
        if visible == self._has_data_terms:
            return
        self._has_data_terms = visible
        for name in DATA_TERM_SERIES:
            curve = self.curves[name]
            curve.setVisible(visible)
            self.legend.removeItem(curve)
            if visible:
                self.legend.addItem(curve, SERIES_STYLE[name][0])
        self._fit_legend()
        self._set_cost_label()

    def _set_cost_label(self) -> None:
        what = "cost C = C_data + penalty" if self._has_data_terms else "cost C"
        log = " (log scale)" if self.log_check.isChecked() else ""
        self.plot_item.setLabel("left", what + log)

    def _sync_accuracy_view(self) -> None:
        self.accuracy_view.setGeometry(self.plot_item.vb.sceneBoundingRect())
        self.accuracy_view.linkedViewChanged(self.plot_item.vb, self.accuracy_view.XAxis)

    def _on_log_toggled(self, log: bool) -> None:
        self.plot_item.setLogMode(y=log)
        self._set_cost_label()
        # The accuracy curves live in their own view box and stay linear.
        self._y_range = None
        self.draw(self.history)

    @staticmethod
    def _summary_forms(history: History) -> tuple[str, ...]:
        """The latest value of every series, fullest first (see :class:`FittedRichLabel`):
        an evaluation on a whole set that is older than the last step says at which step it
        was made ("train C 0.64 (step 16)"); shorter forms leave out the accuracies, then
        the whole-set evaluations."""
        steps = history.get("batch_cost", (np.empty(0), np.empty(0)))[0]
        latest = int(steps[-1]) if len(steps) else None
        muted = css(theme().text_muted)
        parts: list[tuple[str, str]] = []  # (series, its text)
        for name, label, fmt in (
            ("batch_cost", "batch C", "{:.4g}"),
            ("train_cost", "train C", "{:.4g}"),
            ("validation_cost", "val. C", "{:.4g}"),
            ("train_data_cost", "train C_data", "{:.4g}"),
            ("validation_data_cost", "val. C_data", "{:.4g}"),
            ("train_accuracy", "train acc.", "{:.1%}"),
            ("validation_accuracy", "val. acc.", "{:.1%}"),
        ):
            x, y = history.get(name, (np.empty(0), np.empty(0)))
            if len(y) == 0 or not math.isfinite(float(y[-1])):
                continue
            colour = css(series_colour(name, text=True))
            value = fmt.format(float(y[-1]))
            step = int(x[-1])
            when = ""
            if latest is not None and step != latest:
                when = f" <span style='color:{muted}'>(step {step:,})</span>"
            parts.append(
                (name, f"<span style='color:{colour}'>{label} <b>{value}</b>{when}</span>")
            )
        if not parts:
            return (
                "<i>No training yet: step or run to draw the cost.</i>",
                "<i>No training yet</i>",
            )
        costs = [text for name, text in parts if "accuracy" not in name]
        batch = [text for name, text in parts if name == "batch_cost"]
        forms = [" &nbsp; ".join(texts) for texts in ([t for _n, t in parts], costs, batch)]
        return tuple(dict.fromkeys(form for form in forms if form))  # distinct, in order
