"""File → Export and File → Import weights: every format of :mod:`bpstudio.core.files.export`,
plus PNG/SVG pictures of the canvas and the plots.

Every export carries the input preprocessing and the names of the data the network was
trained on, is written atomically, and is read back with the format's own reader and fed
the user's raw inputs before the user is told it worked. Formats whose optional packages
are missing stay in the menu and explain how to enable them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QAction, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsScene, QMenu, QMessageBox, QWidget

from bpstudio.app.commands import EditNetworkCommand
from bpstudio.app.document import Document
from bpstudio.app.editing import EditPauser
from bpstudio.app.file_dialogs import FileDialogs, FileKind
from bpstudio.app.theme import theme
from bpstudio.core.data.datasets import Dataset
from bpstudio.core.data.source import load_examples
from bpstudio.core.errors import BPStudioError
from bpstudio.core.files.atomic import atomic_path
from bpstudio.core.files.export import (
    EXPORT_FORMATS,
    ExportFormat,
    export_params,
    info_for_data,
    verify_export,
)

if TYPE_CHECKING:
    from bpstudio.app.worker import LoadedData


class ExportController(EditPauser, Protocol):
    """What exports need of :class:`~bpstudio.app.training.TrainingController`: pauses
    around them, and the data training loaded (the raw examples to verify an export on)."""

    @property
    def data(self) -> LoadedData | None: ...


IMPORT_FILTER = "Weights (*.npz *.json);;NumPy archive (*.npz);;JSON weights (*.json)"


def missing_extra_message(fmt: ExportFormat) -> str:
    return (
        f"{fmt.label} export needs an optional package that is not installed.\n\n"
        f"Install it with:\n    pip install 'bpstudio[{fmt.optional_extra}]'\n\n"
        "then restart Backprop Studio."
    )


def document_examples(document: Document, loaded: LoadedData | None) -> Dataset | None:
    """The document's examples (raw, before any standardisation): the ones training loaded
    when they are still the document's, else read again; None if they cannot be read."""
    if loaded is not None and loaded.source == document.data_source:
        return loaded.examples
    base = document.path.parent if document.path else None
    try:
        return load_examples(document.data_source, base)
    except (BPStudioError, OSError):
        return None


def export_to(
    fmt_name: str, document: Document, path: Path, loaded: LoadedData | None = None
) -> tuple[list[Path], float]:
    """Export the document's weights with its data's preprocessing and names, and verify the
    file on the raw examples; returns (files, max difference)."""
    fmt = EXPORT_FORMATS[fmt_name]
    if not fmt.available():
        raise BPStudioError(missing_extra_message(fmt))
    project = document.project
    examples = document_examples(document, loaded)
    info = info_for_data(project.spec, project.data, examples)
    files = export_params(
        fmt_name,
        project.spec,
        project.params,
        path,
        metadata={"project": document.title, "step": project.step},
        info=info,
    )
    difference = float("nan")
    if fmt.verifiable():
        fits = examples is not None and examples.n_inputs == project.spec.input_size
        difference = verify_export(
            fmt_name,
            path,
            project.spec,
            project.params,
            info=info,
            X=examples.X if fits and examples is not None else None,
        )
    return files, difference


def import_weights(document: Document, path: Path) -> None:
    """Load W1, b1, … from an .npz or .json export into the current network (one undo step)."""
    spec = document.spec
    if path.suffix.lower() == ".json":
        from bpstudio.core.files.export.json_format import read_json

        file_spec, params = read_json(path)
        if file_spec.layer_sizes != spec.layer_sizes:
            raise BPStudioError(
                f"{path.name}: the weights are for a {'-'.join(map(str, file_spec.layer_sizes))} "
                f"network; this one is {'-'.join(map(str, spec.layer_sizes))}"
            )
        params = params.astype(spec.np_dtype)
    else:
        from bpstudio.core.files.export.npz import load_params_npz

        params = load_params_npz(path, spec)
    document.push(EditNetworkCommand(document, f"Import weights from {path.name}", spec, params))


def save_scene_image(scene: QGraphicsScene, path: Path) -> None:
    """PNG (2× resolution) or SVG of everything in ``scene``, written atomically."""
    rect = scene.itemsBoundingRect().adjusted(-20, -20, 20, 20)
    with atomic_path(path) as tmp:
        if path.suffix.lower() == ".svg":
            generator = QSvgGenerator()
            generator.setFileName(str(tmp))
            generator.setSize(QSize(int(rect.width()), int(rect.height())))
            generator.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
            generator.setTitle("Backprop Studio network")
            painter = QPainter(generator)
            scene.render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
            painter.end()
        else:
            image = QImage(
                int(rect.width() * 2), int(rect.height() * 2), QImage.Format.Format_ARGB32
            )
            image.fill(theme().background)
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            scene.render(painter, QRectF(image.rect()), rect)
            painter.end()
            if not image.save(str(tmp), "PNG"):  # type: ignore[call-overload]
                raise BPStudioError(f"could not write the image {path}")


def save_plot_image(plot_item: object, path: Path) -> None:
    """PNG or SVG of a pyqtgraph PlotItem, written atomically."""
    import pyqtgraph.exporters as exporters

    svg = path.suffix.lower() == ".svg"
    exporter = exporters.SVGExporter(plot_item) if svg else exporters.ImageExporter(plot_item)
    if not svg:
        exporter.parameters()["width"] = 1600
    with atomic_path(path) as tmp:
        exporter.export(str(tmp))


@dataclass(frozen=True)
class Picture:
    """A view that File → Export Image can save: its menu entry, the file name's suffix
    (``"canvas"`` gives ``project-canvas.png``) and how to write it to a path."""

    label: str
    slug: str
    save: Callable[[Path], None]


class ExportActions:
    """The File menu's export and import entries.

    Parameters
    ----------
    parent : parent of the actions and of the dialogs.
    document : the project whose weights are exported or imported.
    controller : pauses training around an export or an import; its ``data`` are the
        examples an export is verified on.
    files : asks for paths; exports, images and imports each reopen their last folder.
    show_message : shows a status message for some milliseconds.
    pictures : the views File → Export Image offers.
    """

    def __init__(
        self,
        parent: QWidget,
        document: Document,
        controller: ExportController,
        files: FileDialogs,
        show_message: Callable[[str, int], None],
        pictures: Sequence[Picture] = (),
    ) -> None:
        self.parent = parent
        self.document = document
        self.controller = controller
        self.files = files
        self.show_message = show_message
        self.pictures = {picture.slug: picture for picture in pictures}
        self.import_action = QAction("Import &Weights…", parent)
        self.import_action.setStatusTip("Load W1, b1, … from an .npz or .json export")
        self.import_action.triggered.connect(self.import_weights)
        self.format_actions: dict[str, QAction] = {}
        for name, fmt in EXPORT_FORMATS.items():
            action = QAction(f"{fmt.label} ({fmt.extension})…", parent)
            action.setStatusTip(fmt.description)
            action.setToolTip(fmt.description)
            action.triggered.connect(lambda _=False, n=name: self.export(n))
            self.format_actions[name] = action

    def _explain_missing_extras(self) -> None:
        """Tips name the extra a format needs: found out when the menu first opens, because
        importing the optional packages (onnx takes a second) must not delay start-up."""
        for name, fmt in EXPORT_FORMATS.items():
            action = self.format_actions[name]
            tip = fmt.description
            if not fmt.available():
                tip = f"Needs: pip install 'bpstudio[{fmt.optional_extra}]'"
            action.setStatusTip(tip)
            action.setToolTip(tip)

    def add_to_menu(self, menu: QMenu) -> None:
        menu.addAction(self.import_action)
        export_menu = menu.addMenu("&Export Weights")
        export_menu.aboutToShow.connect(self._explain_missing_extras)
        for action in self.format_actions.values():
            export_menu.addAction(action)
        images = menu.addMenu("Export &Image")
        for slug, picture in self.pictures.items():
            images.addAction(f"{picture.label}…", partial(self.export_image, slug))

    def _parent(self) -> QWidget:
        return self.parent

    def _ask_path(
        self, title: str, default_name: str, file_filter: str, kind: FileKind = FileKind.EXPORT
    ) -> Path | None:
        return self.files.save_path(kind, title, default_name, file_filter, self._parent())

    def export(self, name: str) -> None:
        fmt = EXPORT_FORMATS[name]
        if not fmt.available():
            QMessageBox.information(
                self._parent(), f"Export {fmt.label}", missing_extra_message(fmt)
            )
            return
        self.controller.pause_for_edit()
        self.controller.finish_edit()
        path = self._ask_path(
            f"Export {fmt.label}", f"{self.document.title}{fmt.extension}", fmt.file_filter
        )
        if path is None:
            return
        if not any(path.name.lower().endswith(ext) for ext in fmt.extensions):
            path = path.with_name(path.name + fmt.extension)
        try:
            files, difference = export_to(name, self.document, path, self.controller.data)
        except (BPStudioError, OSError) as exc:
            QMessageBox.critical(self._parent(), "Export failed", f"{path}:\n{exc}")
            return
        check = (
            f"read back and verified (max difference {difference:.2g})"
            if difference == difference
            else "written (install the verifier package to check it)"
        )
        names = ", ".join(f.name for f in files)
        self.show_message(f"Exported {names}: {check}", 8000)

    def import_weights(self) -> None:
        path = self.files.open_path(
            FileKind.WEIGHTS, "Import weights", IMPORT_FILTER, self._parent()
        )
        if path is None:
            return
        self.controller.pause_for_edit()
        try:
            import_weights(self.document, path)
        except (BPStudioError, OSError) as exc:
            QMessageBox.critical(self._parent(), "Cannot import the weights", str(exc))
        finally:
            self.controller.finish_edit()

    def export_image(self, what: str) -> None:
        """Ask for a path and save the picture ``what`` (a :class:`Picture`'s slug) there."""
        picture = self.pictures[what]
        path = self._ask_path(
            "Export image",
            f"{self.document.title}-{what}.png",
            "PNG image (*.png);;SVG drawing (*.svg)",
            FileKind.IMAGE,
        )
        if path is None:
            return
        if path.suffix.lower() not in (".png", ".svg"):
            path = path.with_suffix(".png")
        try:
            picture.save(path)
        except (BPStudioError, OSError) as exc:
            QMessageBox.critical(self._parent(), "Export failed", f"{path}:\n{exc}")
            return
        self.show_message(f"Saved {path}", 6000)
