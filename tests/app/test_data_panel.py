"""Data in, results out: the data panel, the CSV import dialog, the decision plot, results."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QDialog

from bpstudio.app.dialogs.import_csv import ImportCsvDialog
from bpstudio.app.document import Document
from bpstudio.app.miniatures import dataset_pixmap, generator_pixmap
from bpstudio.app.panels.data import DataPanel
from bpstudio.app.panels.results import ResultsPanel
from bpstudio.app.plots.decision import DecisionPlot
from bpstudio.app.training import TrainingController
from bpstudio.core.data.datasets import GENERATORS, Dataset
from bpstudio.core.data.source import CSV_CACHE, DataSource, file_sha256
from bpstudio.core.engine.network import NetworkSpec
from bpstudio.core.files.project import Project
from bpstudio.core.files.templates import make_project

WAIT = 10_000  # ms; generous for slow CI machines


@pytest.fixture
def panel(qtbot, document: Document, controller: TrainingController) -> Iterator[DataPanel]:
    widget = DataPanel(document, controller)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: controller.data is not None, timeout=WAIT)
    yield widget
    widget.shutdown()


@pytest.fixture
def plot(qtbot, document: Document, controller: TrainingController) -> Iterator[DecisionPlot]:
    widget = DecisionPlot(document, controller)
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    yield widget
    widget.shutdown()


@pytest.fixture
def results(qtbot, document: Document, controller: TrainingController) -> Iterator[ResultsPanel]:
    widget = ResultsPanel(document, controller)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.shutdown()


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    CSV_CACHE.clear()
    yield
    CSV_CACHE.clear()


def _choose(panel: DataPanel, name: str) -> None:
    panel.generator_combo.setCurrentIndex(panel.generator_combo.findData(name))


def _write_labelled(path: Path, rows: int = 60) -> Path:
    rng = np.random.default_rng(1)
    lines = ["x1,x2,x3,species"]
    for i in range(rows):
        a, b, c = rng.normal(size=3)
        lines.append(f"{a:.5f},{b:.5f},{c:.5f},{('setosa', 'virginica', 'versicolor')[i % 3]}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- the data panel --------------------------------------------------------------------------------


def test_binding_a_generator_reshapes_in_one_undo_step(qtbot, panel, document, controller):
    before_spec, before_params = document.spec, document.params.copy()
    before_source = document.data_source
    asked = []
    panel.confirm_reshape = lambda ex, suggested, kept: asked.append(suggested.changes) or True
    _choose(panel, "blobs")
    panel.classes_spin.setValue(4)
    assert panel.is_pending()
    assert panel.apply_button.isEnabled()
    with qtbot.waitSignal(controller.dataLoaded, timeout=WAIT):
        assert panel.apply()
    assert asked == [("outputs 1 → 4", "output activation sigmoid → softmax")]
    assert document.data_source.name == "blobs"
    assert document.data_source.n_classes == 4
    assert document.spec.layer_sizes == (2, 4, 4)
    assert document.spec.activations[-1] == "softmax"
    np.testing.assert_array_equal(document.params.W[0], before_params.W[0])  # hidden kept
    assert not panel.is_pending()
    assert document.undo_stack.count() == 1

    document.undo_stack.undo()
    assert document.data_source == before_source
    assert document.spec == before_spec
    assert document.params.allclose(before_params)
    assert panel.generator_combo.currentData() == "xor"  # the controls follow the undo
    document.undo_stack.redo()
    assert document.spec.layer_sizes == (2, 4, 4)


def test_declining_the_reshape_changes_nothing(panel, document):
    panel.confirm_reshape = lambda *args: None
    _choose(panel, "digits")
    assert not panel.apply()
    assert document.undo_stack.count() == 0
    assert document.data_source.name == "xor"


def test_data_that_fits_binds_without_asking(qtbot, panel, document, controller):
    panel.confirm_reshape = lambda *args: pytest.fail("should not ask")
    panel.noise_slider.setValue(30)
    panel.validation_spin.setValue(40)
    with qtbot.waitSignal(controller.dataLoaded, timeout=WAIT):
        assert panel.apply()
    assert document.data_source.noise == pytest.approx(0.3)
    assert document.data_source.validation_fraction == pytest.approx(0.4)
    assert controller.data.validation.n_examples == 80
    assert panel.summary_labels["Examples"].text() == "120 training · 80 validation"


def test_preview_follows_the_sliders(qtbot, panel):
    with qtbot.waitSignal(panel.previewUpdated, timeout=WAIT):
        _choose(panel, "moons")
    assert panel.preview.source.name == "moons"
    assert panel.preview_view.mode == "plane"
    with qtbot.waitSignal(panel.previewUpdated, timeout=WAIT):
        panel.noise_slider.setValue(42)
    qtbot.waitUntil(lambda: panel.preview.source.noise == pytest.approx(0.42), timeout=WAIT)
    assert panel.summary_labels["Task"].text() == "classification, 2 classes"
    # A burst of slider moves costs at most a couple of previews, never one per move.
    runs = panel.preview_job.runs
    for value in range(100, 200):
        panel.size_spin.setValue(value)
    assert panel.preview_job.runs - runs <= 1
    qtbot.waitUntil(
        lambda: panel.preview.train.n_examples + panel.preview.validation.n_examples == 199,
        timeout=WAIT,
    )
    assert panel.preview_job.runs - runs <= 3


def test_controls_match_the_generator(qtbot, panel):
    form = panel.generator_form
    _choose(panel, "note")
    assert not form.isRowVisible(panel.size_row)
    assert not form.isRowVisible(panel.noise_row)
    assert not form.isRowVisible(panel.seed_row)
    _choose(panel, "blobs")
    assert form.isRowVisible(panel.classes_spin)
    _choose(panel, "digits")
    assert not form.isRowVisible(panel.noise_row)
    assert not form.isRowVisible(panel.classes_spin)
    qtbot.waitUntil(lambda: panel.preview.source.name == "digits", timeout=WAIT)
    assert panel.preview_view.mode == "images"
    _choose(panel, "sine")
    qtbot.waitUntil(lambda: panel.preview.source.name == "sine", timeout=WAIT)
    assert panel.preview_view.mode == "line"


def test_reopened_project_with_a_missing_csv_explains(qtbot, tmp_path):
    project = Project.note_example()
    missing = tmp_path / "gone.csv"
    project.data = DataSource("csv", path=str(missing), sha256="0" * 64, label_column="label")
    document = Document(project)
    controller = TrainingController(document)
    widget = DataPanel(document, controller)
    qtbot.addWidget(widget)
    try:
        widget.show()
        qtbot.waitUntil(lambda: widget.problem_frame.isVisible(), timeout=WAIT)
        assert "gone.csv was not found" in widget.problem_label.text()
        assert "import the data again" in widget.problem_label.text()
        assert widget.problem_button.isVisibleTo(widget)
        assert not widget.apply_button.isEnabled()
    finally:
        widget.shutdown()
        controller.shutdown()


# -- the CSV import dialog -------------------------------------------------------------------------


def test_import_dialog_reads_a_good_file(qtbot, tmp_path, panel, document, controller):
    path = _write_labelled(tmp_path / "flowers.csv")
    dialog = ImportCsvDialog(None, path, validation_fraction=0.25)
    qtbot.addWidget(dialog)
    assert dialog.format.delimiter == ","
    assert dialog.format.has_header
    assert dialog.table.rowCount() == 20
    # A column called "species" holding words is taken as the class label.
    assert dialog.chosen_targets() == ("species", ())
    dialog.standardize_check.setChecked(True)
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT):
        dialog.start_import()
    source, dataset = dialog.source, dialog.dataset
    assert source == DataSource(
        "csv",
        name="flowers",
        path=str(path.resolve()),
        sha256=file_sha256(path),
        label_column="species",
        standardize=True,
        validation_fraction=0.25,
        delimiter=",",
        has_header=True,
    )
    assert dataset.X.shape == (60, 3)
    assert dataset.Y.shape == (60, 3)
    assert dataset.class_names == ("setosa", "versicolor", "virginica")

    # Binding it: the worker finds the parsed file in the cache instead of reading it again.
    panel.take_import(source, dataset)
    panel.confirm_reshape = lambda *args: True
    hits = CSV_CACHE.hits
    with qtbot.waitSignal(controller.dataLoaded, timeout=WAIT):
        assert panel.apply()
    assert document.data_source == source
    assert document.spec.layer_sizes == (3, 4, 3)
    assert controller.data.examples is dataset
    assert CSV_CACHE.hits == hits + 1
    train = controller.data.train
    np.testing.assert_allclose(train.X.mean(axis=0), 0.0, atol=1e-12)  # training statistics
    assert panel.generator_combo.currentData() == "csv"


def test_import_dialog_numeric_targets(qtbot, tmp_path):
    path = tmp_path / "reg.tsv"
    path.write_text("a\tb\ty\n1\t2\t0.5\n3\t4\t1.5\n5\t6\t2.5\n", encoding="utf-8")
    dialog = ImportCsvDialog(None, path)
    qtbot.addWidget(dialog)
    assert dialog.format.delimiter == "\t"
    assert dialog.chosen_targets() == (None, ("y",))
    dialog.set_targets(targets=["b", "y"])
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT):
        dialog.start_import()
    assert dialog.source.target_columns == ("b", "y")
    assert dialog.dataset.task == "regression"
    assert dialog.dataset.X.shape == (3, 1)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a,b,y\n1,2,0\n3,4\n5,6,1\n", "line 3 has 2 columns, expected 3"),
        ("a,b,y\n1,2,0\n3,x,1\n", "line 3, column 'b': 'x' is not a number"),
    ],
)
def test_a_bad_file_shows_the_error_and_imports_nothing(
    qtbot, tmp_path, panel, document, content, message
):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    before = (document.data_source, document.spec)
    dialog = ImportCsvDialog(panel, path)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.importFailed, timeout=WAIT):
        dialog.start_import()
    assert message in dialog.error_text
    assert dialog.source is None
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.import_button.isEnabled()  # fix the choice and try again
    assert (document.data_source, document.spec) == before
    assert document.undo_stack.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "the file is empty"), (b"a,b\n1,2\n\xff\xfe,3\n", "not UTF-8")],
)
def test_unreadable_files_are_refused_before_import(qtbot, tmp_path, content, message):
    path = tmp_path / "odd.csv"
    path.write_bytes(content)
    dialog = ImportCsvDialog(None, path)
    qtbot.addWidget(dialog)
    assert message in dialog.error_text
    assert not dialog.import_button.isEnabled()


def test_cancelling_an_import_keeps_the_dialog_open(qtbot, tmp_path):
    path = tmp_path / "big.csv"
    rng = np.random.default_rng(0)
    np.savetxt(path, rng.normal(size=(40_000, 8)), delimiter=",", fmt="%.6f")  # ~3 MB: chunks
    dialog = ImportCsvDialog(None, path)
    qtbot.addWidget(dialog)
    fractions: list[float] = []

    def on_progress(fraction: float) -> None:
        fractions.append(fraction)
        if fraction > 0.05:
            dialog.cancel_import()  # what the progress dialog's Cancel button does

    # Directly in the reader thread, so the cancel lands before the next chunk for sure.
    dialog.importProgressed.connect(on_progress, Qt.ConnectionType.DirectConnection)
    dialog.start_import()
    qtbot.waitUntil(lambda: not dialog.importing, timeout=WAIT)
    assert fractions
    assert fractions[-1] < 1.0
    assert dialog.source is None
    assert dialog.error_text == ""  # cancelling is not an error
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert len(CSV_CACHE) == 0


# -- decision plot and results ---------------------------------------------------------------------


def test_decision_plot_draws_the_grid_and_clicks_set_the_probe(qtbot, plot, controller):
    qtbot.waitUntil(lambda: plot.frame is not None, timeout=WAIT)
    assert plot.mode == "plane"
    assert plot.frame.rgb.shape == (64, 64, 3)
    assert plot.frame.values.shape == (64, 64)
    assert plot.caption.text().startswith("Step 0 · ")  # the state the picture is of

    # What a click on a training point sends (pyqtgraph's signal, with the spot under it).
    item, spot = next(
        (item, spot) for item in plot.point_items for spot in item.points() if spot.data() == 17
    )
    item.sigClicked.emit(item, [spot], None)
    assert controller.probe_index == 17
    qtbot.waitUntil(
        lambda: controller.snapshot is not None and controller.snapshot.probe.index == 17,
        timeout=WAIT,
    )
    x = controller.data.train.X[17]
    assert list(plot.probe_marker.getData()[0]) == [x[0]]


def test_decision_plot_explains_inputs_it_cannot_draw(qtbot, document, controller, plot, panel):
    panel.confirm_reshape = lambda *args: True
    _choose(panel, "digits")
    with qtbot.waitSignal(controller.dataLoaded, timeout=WAIT):
        panel.apply()
    qtbot.waitUntil(lambda: plot.mode == "message", timeout=WAIT)
    assert "64" in plot.message.text()


def test_confusion_matrix_sums_to_the_examples(qtbot, results, controller):
    with qtbot.waitSignal(results.resultsUpdated, timeout=WAIT):
        results.refresh()
    data = controller.data
    counts = results.confusion_model.counts
    assert counts.sum() == data.validation.n_examples
    assert results.metric_title.text() == "Accuracy at step 0"
    results.set_combo.setCurrentIndex(results.set_combo.findData("train"))
    assert results.confusion_model.counts.sum() == data.train.n_examples
    assert results.results.train.accuracy == pytest.approx(
        np.trace(results.confusion_model.counts) / data.train.n_examples
    )


def test_selecting_a_table_row_sets_the_probe(qtbot, results, controller):
    qtbot.waitUntil(lambda: results.table.examples.rowCount() > 0, timeout=WAIT)
    results.tabs.setCurrentIndex(1)
    results.table.selectRow(9)
    assert controller.probe_index == 9


def test_digits_gallery_shows_mistakes(qtbot, document, controller, results, panel):
    panel.confirm_reshape = lambda *args: True
    _choose(panel, "digits")
    with qtbot.waitSignal(controller.dataLoaded, timeout=WAIT):
        panel.apply()
    assert document.spec == NetworkSpec((64, 4, 10), ("tanh", "softmax"), "cross_entropy")
    qtbot.waitUntil(
        lambda: results.results is not None and results.results.train.n == 1438, timeout=WAIT
    )
    wrong = results.results.validation.wrong
    assert results.gallery.count() == min(len(wrong), 60)
    assert results.confusion_model.counts.sum() == 359
    first = results.gallery.item(0).text()
    assert " → " in first


def test_fitted_curve_outside_the_data_widens_the_plot(qtbot, plot, document, controller):
    # The note's single example: y = 0.25, but the untrained chain outputs a = 0.4767.
    document.replace_project(make_project("note"))
    qtbot.waitUntil(lambda: plot.mode == "line" and bool(plot.curves), timeout=10_000)
    qtbot.waitUntil(lambda: plot.plot_item.viewRange()[1][1] >= 0.4767, timeout=10_000)
    lo, hi = plot.plot_item.viewRange()[1]
    assert lo <= 0.25 <= hi


# -- the output view fills its area ---------------------------------------------------------------


def _pixels(plot: DecisionPlot, item) -> QRectF:
    """``item``'s bounding rectangle in the plot widget's pixels."""
    return QRectF(plot.plot_widget.mapFromScene(item.sceneBoundingRect()).boundingRect())


def _covers(plot: DecisionPlot) -> bool:
    if plot.frame is None:
        return False
    box = _pixels(plot, plot.plot_item.getViewBox())
    image = _pixels(plot, plot.image)
    inside = image.intersected(box)
    return inside.width() >= 0.98 * box.width() and inside.height() >= 0.98 * box.height()


@pytest.mark.parametrize("template", ["xor", "spirals"])
@pytest.mark.parametrize("size", [(900, 300), (340, 640)], ids=["wide", "tall"])
def test_the_input_plane_fills_the_output_view(qtbot, plot, document, controller, template, size):
    if template != "xor":
        with qtbot.waitSignal(controller.dataLoaded, timeout=WAIT):
            document.replace_project(make_project(template))
    plot.resize(*size)
    qtbot.waitUntil(lambda: _covers(plot), timeout=WAIT)
    assert plot.mode == "plane"
    assert plot.equal_scale
    box = _pixels(plot, plot.plot_item.getViewBox())
    canvas = plot.plot_widget.rect()
    wide = size[0] > size[1]
    # The view box spans the plot but for its axes (XOR's used a third of the width).
    if wide:
        assert box.width() >= 0.9 * canvas.width()
    else:
        assert box.height() >= 0.9 * canvas.height()
    # One scale on both axes: a unit is as many pixels across as up.
    per_x, per_y = plot.plot_item.getViewBox().viewPixelSize()
    assert per_x == pytest.approx(per_y, rel=0.02)
    # Every example is in view.
    (x0, x1), (y0, y1) = plot.plot_item.getViewBox().viewRange()
    X = controller.data.train.X
    assert x0 <= X[:, 0].min() <= X[:, 0].max() <= x1
    assert y0 <= X[:, 1].min() <= X[:, 1].max() <= y1


def test_inputs_of_unlike_extent_get_a_scale_each(
    qtbot, tmp_path, plot, document, controller, panel
):
    rng = np.random.default_rng(3)
    path = tmp_path / "unlike.csv"
    lines = ["price,ratio,kind"]
    for _ in range(80):
        price, ratio = rng.uniform(0, 1000), rng.uniform(0, 1)
        lines.append(f"{price:.3f},{ratio:.5f},{'cheap' if price < 500 else 'dear'}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    dialog = ImportCsvDialog(panel, path)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT):
        dialog.start_import()
    panel.take_import(dialog.source, dialog.dataset)
    panel.confirm_reshape = lambda *args: True
    with qtbot.waitSignal(controller.dataLoaded, timeout=WAIT):
        assert panel.apply()
    plot.resize(600, 400)
    qtbot.waitUntil(lambda: _covers(plot), timeout=WAIT)
    assert not plot.equal_scale
    (x0, x1), (y0, y1) = plot.plot_item.getViewBox().viewRange()
    assert x1 - x0 < 1.3 * 1000
    assert y1 - y0 < 1.3


# -- the data panel's thumbnails ------------------------------------------------------------------


def _icon_image(panel: DataPanel, name: str):
    combo = panel.generator_combo
    size = combo.iconSize()
    return combo.itemIcon(combo.findData(name)).pixmap(size).toImage()


def test_every_generator_is_offered_with_its_picture(panel):
    combo = panel.generator_combo
    for name in GENERATORS:
        assert not combo.itemIcon(combo.findData(name)).isNull(), name
    assert combo.itemIcon(combo.findData("csv")).isNull()  # no file read yet
    size = combo.iconSize().width()
    assert _icon_image(panel, "spirals") == generator_pixmap("spirals", size, 1.0).toImage()


def test_the_thumbnail_follows_the_choice(qtbot, panel):
    size = panel.generator_combo.iconSize().width()
    qtbot.waitUntil(lambda: panel.thumbnail is not None)
    first = panel.thumbnail.toImage()
    assert _icon_image(panel, "xor") == first

    with qtbot.waitSignal(panel.previewUpdated, timeout=WAIT):
        panel.seed_spin.setValue(panel.seed_spin.value() + 5)  # other examples, same recipe
    reseeded = panel.thumbnail.toImage()
    assert reseeded != first
    assert _icon_image(panel, "xor") == reseeded

    with qtbot.waitSignal(panel.previewUpdated, timeout=WAIT):
        _choose(panel, "circles")
    assert panel.thumbnail.toImage() not in (first, reseeded)
    # The row left behind shows its default picture again.
    assert _icon_image(panel, "xor") == generator_pixmap("xor", size, 1.0).toImage()


def test_an_imported_file_gets_its_picture(qtbot, panel):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(50, 3))
    examples = Dataset(X, (X[:, :1] > 0).astype(float), "classification", "table", ("a", "b"))
    source = DataSource("csv", name="table", path="table.csv", sha256="0" * 64)
    with qtbot.waitSignal(panel.previewUpdated, timeout=WAIT):
        panel.take_import(source, examples)
    assert panel.generator_combo.currentData() == "csv"
    size = panel.generator_combo.iconSize().width()
    assert panel.thumbnail.toImage() == dataset_pixmap(examples, size, 1.0).toImage()
    assert _icon_image(panel, "csv") == panel.thumbnail.toImage()
