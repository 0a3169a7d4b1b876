"""The inspector: the selected neuron or weight, its value to edit and its live numbers.

For a neuron a_j^(l) it edits the bias b_j^(l) and the layer's activation and shows, for the
probe example, z, a, σ'(z) and ∂C/∂a, and ∂C/∂b for the last batch. For a weight w_jk^(l) it
edits the value and shows ∂C/∂w. With nothing selected it summarises the network and lets
the cost function change. Edits are undo commands; live values come from snapshots.
"""

from __future__ import annotations

import itertools
import math

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from bpstudio.app import notation
from bpstudio.app.commands import SetParameterCommand
from bpstudio.app.document import Document
from bpstudio.app.editing import push_network_edit, set_loss
from bpstudio.app.notation import Notation
from bpstudio.app.selection import Selection, SelectionModel
from bpstudio.app.theme import css, set_palette_style, theme
from bpstudio.app.training import TrainingController
from bpstudio.app.widgets import PageStack, ValueSpinBox
from bpstudio.core.engine import edits
from bpstudio.core.engine.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.losses import LOSSES
from bpstudio.core.errors import BPStudioError
from bpstudio.core.training.snapshot import Snapshot

#: Every slider drag gets a fresh id so that its steps merge into one undo command.
_drag_ids = itertools.count(1)

SLIDER_STEPS = 1000  # slider positions on each side of 0


def new_drag_id() -> int:
    return next(_drag_ids)


def slider_span(value: float) -> float:
    """The slider reaches ±span: at least max(4, 2|value|), rounded up to 1, 2, 4 or 5 × 10^n."""
    need = max(4.0, 2.0 * abs(value)) if math.isfinite(value) else 4.0
    need = min(need, 1e300)  # 2|value| overflows to inf near the largest float
    scale = 10.0 ** math.floor(math.log10(need))
    for m in (1.0, 2.0, 4.0, 5.0, 10.0):
        if m * scale >= need * (1 - 1e-12):
            return m * scale
    return 10.0 * scale  # pragma: no cover (the loop always returns)


class ParameterEditor(QWidget):
    """A spin box and a slider for one weight or bias.

    Signals
    -------
    edited(float, object) : the user chose a value; the second argument is the drag id while
        the slider is dragged (all steps of one drag share it) and None otherwise.
    """

    edited = Signal(float, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._value = 0.0
        self._span = 4.0
        self._drag_id: int | None = None

        self.spin = ValueSpinBox()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(-SLIDER_STEPS, SLIDER_STEPS)
        self.slider.setPageStep(SLIDER_STEPS // 10)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setTickInterval(SLIDER_STEPS // 2)
        self.low_label = QLabel()
        self.high_label = QLabel()
        for label in (self.low_label, self.high_label):
            set_palette_style(label, "color: palette(placeholder-text);")
            label.setMinimumWidth(24)
        self.high_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        # One row, the value then its slider: at 1280×720 the slice of C below stays in view.
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.spin, 2)
        layout.addSpacing(4)
        layout.addWidget(self.low_label)
        layout.addWidget(self.slider, 3)
        layout.addWidget(self.high_label)

        self.spin.valueChanged.connect(self._on_spin_value_changed)
        self.slider.sliderPressed.connect(self._on_slider_pressed)
        self.slider.sliderReleased.connect(self._on_slider_released)
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self._show_span()

    @property
    def value(self) -> float:
        return self._value

    @property
    def span(self) -> float:
        return self._span

    def is_editing(self) -> bool:
        """True while the user holds the slider or types in the spin box."""
        return self.slider.isSliderDown() or self.spin.hasFocus()

    def set_value(self, value: float) -> None:
        """Show ``value`` without emitting :attr:`edited`."""
        self._value = float(value)
        with QSignalBlocker(self.spin):
            self.spin.setValue(self._value)
        if not self.slider.isSliderDown():
            # The range is fixed during a drag so that the slider does not run away.
            self._span = slider_span(self._value)
            self._show_span()
            with QSignalBlocker(self.slider):
                # Clamped: a value beyond the span (or a huge one) pins the slider at its end.
                position = (
                    self._value / self._span * SLIDER_STEPS if math.isfinite(self._value) else 0
                )
                self.slider.setValue(round(min(max(position, -SLIDER_STEPS), SLIDER_STEPS)))

    def _show_span(self) -> None:
        self.low_label.setText(notation.format_value(-self._span, 3))
        self.high_label.setText(notation.format_value(self._span, 3))
        self.slider.setToolTip(f"Drag to change the value between ±{self._span:g}")

    def _slider_value(self, position: int) -> float:
        decimals = max(0, 3 - math.floor(math.log10(self._span)))
        return round(position * self._span / SLIDER_STEPS, decimals)

    def _on_spin_value_changed(self, value: float) -> None:
        self.edited.emit(float(value), None)

    def _on_slider_pressed(self) -> None:
        self._drag_id = new_drag_id()

    def _on_slider_released(self) -> None:
        self._drag_id = None
        self.set_value(self._value)  # re-centre the range on the value reached

    def _on_slider_value_changed(self, position: int) -> None:
        drag = self._drag_id if self.slider.isSliderDown() else None
        self.edited.emit(self._slider_value(position), drag)


def _value_label() -> QLabel:
    label = QLabel("—")
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setMinimumWidth(90)
    return label


def _note_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    set_palette_style(label, "color: palette(placeholder-text);")
    return label


class _LiveRows:
    """A form of read-only live values, each row a rich-text name and a number."""

    def __init__(self, form: QFormLayout, names: list[str]) -> None:
        self.names: dict[str, QLabel] = {}
        self.values: dict[str, QLabel] = {}
        self.numbers: dict[str, float | None] = dict.fromkeys(names)  # as shown
        for key in names:
            name, value = QLabel(), _value_label()
            name.setTextFormat(Qt.TextFormat.RichText)
            form.addRow(name, value)
            self.names[key] = name
            self.values[key] = value

    def set_name(self, key: str, html: str, tip: str = "") -> None:
        self.names[key].setText(html)
        self.names[key].setToolTip(tip)
        self.values[key].setToolTip(tip)

    def set_value(self, key: str, value: float | None) -> None:
        self.numbers[key] = value
        self.values[key].setText(notation.format_value(value))

    def clear(self) -> None:
        for key, label in self.values.items():
            self.numbers[key] = None
            label.setText("—")


class InspectorPanel(QWidget):
    """Shows and edits what :class:`SelectionModel` has selected.

    Parameters
    ----------
    document : the project being edited (read; edits are pushed as commands).
    selection : the shared selection.
    controller : the training controller: ``snapshot``/``snapshotShown`` feed the live
        values and ``pause_for_edit``/``finish_edit`` bracket network edits.
    slice_view : a view shown below the selected parameter's numbers (the window gives it
        the plot of C along that parameter, which follows the selection itself).
    """

    PAGE_SUMMARY, PAGE_NEURON, PAGE_INPUT, PAGE_WEIGHT = range(4)
    hint_text = (
        "Click a neuron or a weight on the canvas, or a cell of the weight matrix, to see its "
        "value, edit it and watch its gradient."
    )

    def __init__(
        self,
        document: Document,
        selection: SelectionModel,
        controller: TrainingController,
        parent: QWidget | None = None,
        slice_view: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.selection = selection
        self.controller = controller

        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        self.title.setFont(font)
        self.subtitle = _note_label()
        self.subtitle.setTextFormat(Qt.TextFormat.RichText)

        self.pages = PageStack()
        self._page_widgets = [
            self._build_summary_page(),
            self._build_neuron_page(),
            self._build_input_page(),
            self._build_weight_page(),
        ]
        for widget in self._page_widgets:
            self.pages.addWidget(widget)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {css(theme().messages.error)};")
        self.message.setVisible(False)

        # In a short dock the panel scrolls instead of squeezing its rows together.
        content = QWidget()
        column = QVBoxLayout(content)
        column.addWidget(self.title)
        column.addWidget(self.subtitle)
        column.addWidget(self.pages)
        # The slice of C sits right under the value it varies (see _show_page): in a short
        # dock (1280×720) it is in view without scrolling, the live numbers below it.
        self._slice_view = slice_view
        self._slice_layout: QVBoxLayout | None = None
        self._place_slice(self._page_widgets[self.PAGE_WEIGHT])
        column.addWidget(self.message)
        column.addStretch(1)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidget(content)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll_area)

        self.bias_editor.edited.connect(self._on_bias_edited)
        self.weight_editor.edited.connect(self._on_weight_edited)
        self.activation_combo.currentIndexChanged.connect(self._on_activation_changed)
        self.cost_combo.currentIndexChanged.connect(self._on_cost_changed)
        selection.selectionChanged.connect(self._on_selection_changed)
        document.networkChanged.connect(self._on_network_changed)
        document.projectReplaced.connect(self._on_network_changed)
        document.parametersChanged.connect(self._on_parameters_changed)
        document.parameterChanged.connect(self._on_parameter_changed)
        controller.snapshotShown.connect(self._on_snapshot_received)
        self.refresh()

    # -- construction ----------------------------------------------------------------------------

    def _build_summary_page(self) -> QWidget:
        page = QWidget()
        box = QGroupBox("Structure")
        form = QFormLayout(box)
        self.sizes_label = QLabel()
        self.layers_label = QLabel()
        self.layers_label.setTextFormat(Qt.TextFormat.RichText)
        self.count_label = QLabel()
        self.cost_combo = QComboBox()
        for name, loss in LOSSES.items():
            self.cost_combo.addItem(loss.label, name)
        self.cost_combo.setToolTip("The cost C that gradient descent minimises")
        form.addRow("Neurons:", self.sizes_label)
        form.addRow("Layers:", self.layers_label)
        form.addRow("Parameters:", self.count_label)
        form.addRow("Cost:", self.cost_combo)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(box)
        layout.addStretch(1)
        return page

    def _build_neuron_page(self) -> QWidget:
        page = QWidget()
        self.bias_box = QGroupBox("Bias")
        bias_form = QFormLayout(self.bias_box)
        self.bias_name = QLabel()
        self.bias_editor = ParameterEditor()
        bias_form.addRow(self.bias_name, self.bias_editor)

        self.layer_box = QGroupBox("Layer")
        layer_form = QFormLayout(self.layer_box)
        self.activation_combo = QComboBox()
        self.activation_combo.setToolTip("Applies to every neuron of the layer")
        layer_form.addRow("Activation σ:", self.activation_combo)

        self.neuron_probe_box = QGroupBox("Probe example")
        self.neuron_probe = _LiveRows(
            QFormLayout(self.neuron_probe_box), ["z", "a", "slope", "dC_da"]
        )
        self.neuron_batch_box = QGroupBox("Last batch")
        self.neuron_batch = _LiveRows(QFormLayout(self.neuron_batch_box), ["dC_db"])

        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.bias_box, self.layer_box, self.neuron_probe_box, self.neuron_batch_box):
            layout.addWidget(widget)
        layout.addStretch(1)
        self._neuron_layout = layout
        return page

    def _build_input_page(self) -> QWidget:
        page = QWidget()
        self.input_probe_box = QGroupBox("Probe example")
        self.input_probe = _LiveRows(QFormLayout(self.input_probe_box), ["x", "dC_dx"])
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.input_probe_box)
        layout.addWidget(
            _note_label(
                "Input neurons have no weights or bias: they hold the example's features. "
                "Choose the probe example in the Data panel."
            )
        )
        layout.addStretch(1)
        return page

    def _build_weight_page(self) -> QWidget:
        page = QWidget()
        self.weight_box = QGroupBox("Weight")
        weight_form = QFormLayout(self.weight_box)
        self.weight_name = QLabel()
        self.weight_editor = ParameterEditor()
        weight_form.addRow(self.weight_name, self.weight_editor)
        self.weight_batch_box = QGroupBox("Last batch")
        self.weight_batch = _LiveRows(QFormLayout(self.weight_batch_box), ["dC_dw"])
        self.weight_probe_box = QGroupBox("Probe example")
        self.weight_probe = _LiveRows(QFormLayout(self.weight_probe_box), ["a_prev"])
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.weight_box)
        layout.addWidget(self.weight_batch_box)
        layout.addWidget(self.weight_probe_box)
        layout.addStretch(1)
        self._weight_layout = layout
        return page

    # -- reading the document --------------------------------------------------------------------

    def current(self) -> Selection | None:
        """The selection, if it exists in the current network."""
        current = self.selection.selection
        if current is not None and current.fits(self.document.spec):
            return current
        return None

    def _live_snapshot(self) -> Snapshot | None:
        """The latest snapshot, if it belongs to the network shown."""
        snapshot = self.controller.snapshot
        if snapshot is None or snapshot.spec != self.document.spec:
            return None
        return snapshot

    # -- showing ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Rebuild the panel for the current selection and network."""
        current = self.current()
        spec = self.document.spec
        nt = Notation.for_spec(spec)
        c_k = nt.symbol("C", None, "k", plain=True)  # one example's cost, in tooltips
        if current is None:
            self._show_page(self.PAGE_SUMMARY)
            self.title.setText("Network")
            self.subtitle.setText(self.hint_text)
            self._show_summary()
        elif current.is_weight:
            l, j, k = current.layer, current.j, current.k
            assert k is not None
            self._show_page(self.PAGE_WEIGHT)
            self.title.setText(f"Weight {nt.weight(l, j, k)}")
            self.subtitle.setText(
                f"From neuron {nt.neuron(l - 1, k)} to neuron {nt.neuron(l, j)}: "
                f"row {j}, column {k} of {nt.matrix(l)}."
            )
            self.weight_name.setText(f"{nt.weight(l, j, k)} =")
            self.weight_batch.set_name(
                "dC_dw",
                f"{nt.gradient(nt.weight(l, j, k))} =",
                f"The gradient component, averaged over the last batch: (1/n) Σ ∂{c_k}/∂w",
            )
            self.weight_probe.set_name(
                "a_prev",
                f"∂{nt.pre_activation(l, j)}/∂{nt.weight(l, j, k)} = {nt.neuron(l - 1, k)} =",
                "The first factor of the chain rule for this weight",
            )
        elif current.layer == 0:
            j = current.j
            self._show_page(self.PAGE_INPUT)
            self.title.setText(f"Input {nt.input_value(j)} = {nt.neuron(0, j)}")
            self.subtitle.setText(f"Input neuron <i>j</i> = {j} (of {spec.input_size}).")
            self.input_probe.set_name("x", f"{nt.input_value(j)} =")
            self.input_probe.set_name(
                "dC_dx",
                f"{nt.gradient(nt.input_value(j))} =",
                "How the probe example's cost changes with this input",
            )
        else:
            l, j = current.layer, current.j
            self._show_page(self.PAGE_NEURON)
            self.title.setText(f"Neuron {nt.neuron(l, j)}")
            output = l == spec.n_layers
            kind = "Output layer" if output else f"Hidden layer {l}"
            self.subtitle.setText(
                f"{kind}, neuron <i>j</i> = {j} (of {spec.layer_sizes[l]}): "
                f"{nt.neuron(l, j)} = σ({nt.pre_activation(l, j)}), "
                f"{nt.pre_activation(l, j)} = {nt.sum_over('k')} {nt.weight(l, j, 'k')}"
                f" {nt.neuron(l - 1, 'k')} + {nt.bias(l, j)}."
            )
            self.bias_name.setText(f"{nt.bias(l, j)} =")
            self.layer_box.setTitle(f"Layer {l}")
            self._fill_activation_combo(l)
            z, a = nt.pre_activation(l, j), nt.neuron(l, j)
            a_j, z_i = nt.neuron(None, "j", plain=True), nt.pre_activation(None, "i", plain=True)
            self.neuron_probe.set_name("z", f"{z} =", "Weighted input of the neuron")
            self.neuron_probe.set_name("a", f"{a} = σ({z}) =", "The neuron's activation")
            if spec.activation(l).elementwise:
                self.neuron_probe.set_name(
                    "slope",
                    f"σ′({z}) =",
                    "Slope of the activation, ∂a/∂z: the chain rule's middle factor",
                )
            else:
                self.neuron_probe.set_name(
                    "slope",
                    f"∂{a}/∂{z} =",
                    "Softmax couples the layer's neurons: this is the diagonal term "
                    f"{a_j}(1 − {a_j}); every {z_i} also moves {a_j}",
                )
            self.neuron_probe.set_name(
                "dC_da",
                f"{nt.gradient(a)} =",
                f"How the probe example's cost {c_k} changes with this activation",
            )
            self.neuron_batch.set_name(
                "dC_db",
                f"{nt.gradient(nt.bias(l, j))} =",
                f"The gradient component, averaged over the last batch: (1/n) Σ ∂{c_k}/∂b",
            )
        self._refresh_values()
        self._refresh_live()

    def _show_page(self, page: int) -> None:
        self._place_slice(self._page_widgets[page])
        self.pages.setCurrentIndex(page)  # as tall as this page alone (see PageStack)

    def _place_slice(self, page: QWidget) -> None:
        """Put the slice view under the shown page's editor (a weight's, a bias's)."""
        view = self._slice_view
        target = {
            self._page_widgets[1]: self._neuron_layout,
            self._page_widgets[3]: self._weight_layout,
        }.get(page)
        if view is None or target is None or target is self._slice_layout:
            return
        if self._slice_layout is not None:
            self._slice_layout.removeWidget(view)
        target.insertWidget(1, view)  # after the Weight (or Bias) box
        self._slice_layout = target

    def _show_summary(self) -> None:
        spec = self.document.spec
        self.sizes_label.setText(" – ".join(str(n) for n in spec.layer_sizes))
        rows = []
        for l in range(1, spec.n_layers + 1):
            kind = "output" if l == spec.n_layers else "hidden"
            act = ACTIVATIONS[spec.activations[l - 1]].label
            rows.append(f"{l} ({kind}): {spec.layer_sizes[l]} × {act}")
        self.layers_label.setText("<br>".join(rows))
        weights = sum(r * c for (r, c), _ in spec.shapes())
        biases = spec.parameter_count - weights
        self.count_label.setText(
            f"{spec.parameter_count:,} ({weights:,} weights, {biases:,} biases)"
        )
        with QSignalBlocker(self.cost_combo):
            self.cost_combo.setCurrentIndex(self.cost_combo.findData(spec.loss))

    def _fill_activation_combo(self, layer: int) -> None:
        spec = self.document.spec
        names = ACTIVATIONS if layer == spec.n_layers else HIDDEN_ACTIVATIONS
        with QSignalBlocker(self.activation_combo):
            self.activation_combo.clear()
            for name in names:
                self.activation_combo.addItem(ACTIVATIONS[name].label, name)
            self.activation_combo.setCurrentIndex(
                self.activation_combo.findData(spec.activations[layer - 1])
            )

    def _refresh_values(self) -> None:
        """The editable value of the selected parameter, from the document."""
        current = self.current()
        ref = current.param if current is not None else None
        if ref is None:
            return
        editor = self.weight_editor if ref.is_weight else self.bias_editor
        editor.set_value(self.document.parameter(ref))

    def _refresh_live(self) -> None:
        """The read-only numbers, from the latest snapshot's readouts."""
        current = self.current()
        if current is None:
            return
        snapshot = self._live_snapshot()
        probe = snapshot.probe if snapshot is not None else None
        probe_values = snapshot.probe_readout if snapshot is not None else None
        batch_values = snapshot.batch_readout if snapshot is not None else None
        probe_title = f"Probe example #{probe.index}" if probe is not None else "Probe example"
        batch_title = "Last batch"
        if batch_values is not None:
            batch_title = f"Last batch (n = {batch_values.n_examples})"
        if snapshot is not None and snapshot.after_update:
            # One state: these numbers are the step just taken's, not the new parameters'.
            before = f" · step {snapshot.step}, before its update"
            probe_title += before
            batch_title += before
        l, j = current.layer, current.j
        ref = current.param

        if ref is not None and ref.k is not None:
            self.weight_probe_box.setTitle(probe_title)
            self.weight_batch_box.setTitle(batch_title)
            self.weight_batch.set_value(
                "dC_dw", batch_values.parameter(ref).gradient if batch_values else None
            )
            self.weight_probe.set_value(
                "a_prev", probe_values.neuron(l - 1, ref.k).a if probe_values else None
            )
            self._show_running_value(snapshot, self.weight_editor, ref)
        elif ref is None:
            self.input_probe_box.setTitle(probe_title)
            neuron = probe_values.neuron(0, j) if probe_values is not None else None
            self.input_probe.set_value("x", float(probe.x[0, j]) if probe is not None else None)
            self.input_probe.set_value("dC_dx", neuron.dC_da if neuron is not None else None)
        else:
            self.neuron_probe_box.setTitle(probe_title)
            self.neuron_batch_box.setTitle(batch_title)
            if probe_values is not None:
                neuron = probe_values.neuron(l, j)
                self.neuron_probe.set_value("z", neuron.z)
                self.neuron_probe.set_value("a", neuron.a)
                self.neuron_probe.set_value("slope", neuron.slope)
                self.neuron_probe.set_value("dC_da", neuron.dC_da)
            else:
                self.neuron_probe.clear()
            self.neuron_batch.set_value(
                "dC_db", batch_values.parameter(ref).gradient if batch_values else None
            )
            self._show_running_value(snapshot, self.bias_editor, ref)

    def _show_running_value(
        self, snapshot: Snapshot | None, editor: ParameterEditor, ref: ParamRef
    ) -> None:
        # While a run trains, the document holds the values it started from; show the live
        # ones (they land in the document as one undo step when the run pauses).
        if snapshot is None or not snapshot.running or editor.is_editing():
            return
        editor.set_value(ref.get(snapshot.params))

    def live_numbers(self) -> dict[str, float | None]:
        """The read-only numbers the page shown displays (for tests and other views), by
        row: ``a_prev``, ``dC_dw``; ``x``, ``dC_dx``; ``z``, ``a``, ``slope``, ``dC_da``,
        ``dC_db``. They all come from the latest snapshot's one state (its
        ``pass_params``)."""
        page = self.pages.currentIndex()
        rows = {
            self.PAGE_WEIGHT: (self.weight_probe, self.weight_batch),
            self.PAGE_INPUT: (self.input_probe,),
            self.PAGE_NEURON: (self.neuron_probe, self.neuron_batch),
        }.get(page, ())
        return {key: value for row in rows for key, value in row.numbers.items()}

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # -- handlers --------------------------------------------------------------------------------

    def _on_selection_changed(self, _selection: object) -> None:
        self._show_message("")
        self.refresh()

    def _on_network_changed(self) -> None:
        self.refresh()

    def _on_parameters_changed(self) -> None:
        self._refresh_values()
        if self.current() is None:
            self._show_summary()

    def _on_parameter_changed(self, ref: ParamRef) -> None:
        current = self.current()
        if current is not None and current.param == ref:
            self._refresh_values()

    def _on_snapshot_received(self, _snapshot: object) -> None:
        self._refresh_live()

    def _push_parameter(self, weight: bool, value: float, drag: object) -> None:
        """Set the selected weight (or the selected neuron's bias) to ``value``."""
        current = self.current()
        ref = current.param if current is not None else None
        if ref is None or ref.is_weight != weight or not math.isfinite(value):
            return
        if value == self.document.parameter(ref):
            return
        self._show_message("")
        drag_id = drag if isinstance(drag, int) else None
        self.document.push(SetParameterCommand(self.document, ref, value, drag_id=drag_id))

    def _on_bias_edited(self, value: float, drag: object) -> None:
        self._push_parameter(False, value, drag)

    def _on_weight_edited(self, value: float, drag: object) -> None:
        self._push_parameter(True, value, drag)

    def _on_activation_changed(self, _index: int) -> None:
        current = self.current()
        name = self.activation_combo.currentData()
        if current is None or current.layer < 1 or name is None:
            return
        layer = current.layer
        if self.document.spec.activations[layer - 1] == name:
            return
        try:
            push_network_edit(
                self.document,
                self.controller,
                f"Set activation of layer {layer} to {ACTIVATIONS[name].label}",
                lambda spec, params: edits.set_activation(spec, params, layer, str(name)),
            )
        except BPStudioError as exc:
            self._show_message(f"Cannot use {ACTIVATIONS[name].label} in layer {layer}: {exc}.")
            self._fill_activation_combo(layer)
            return
        self._show_message("")

    def _on_cost_changed(self, _index: int) -> None:
        name = self.cost_combo.currentData()
        if name is None or name == self.document.spec.loss:
            return
        try:
            push_network_edit(
                self.document,
                self.controller,
                f"Set cost to {LOSSES[name].label}",
                lambda spec, params: set_loss(spec, params, str(name)),
            )
        except BPStudioError as exc:
            self._show_message(str(exc))
            self._show_summary()
            return
        self._show_message("")
