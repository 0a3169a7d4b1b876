"""Thumbnails of data sets and templates, and the New Project dialog that lists them."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from bpstudio.app.dialogs.new_project import ICON_SIZE, NewProjectDialog
from bpstudio.app.miniatures import (
    dataset_pixmap,
    generator_pixmap,
    icon_of,
    picture_kind,
    template_pixmap,
)
from bpstudio.app.theme import DARK, LIGHT, Theme, theme, use_theme
from bpstudio.core.data.datasets import GENERATORS, Dataset, digits, make_dataset
from bpstudio.core.files.templates import TEMPLATES


@pytest.fixture(autouse=True)
def _light(qapp: QApplication) -> Iterator[None]:
    use_theme(LIGHT)
    yield
    use_theme(None)


def pixels(pixmap: QPixmap) -> np.ndarray:
    """``(h, w, 3)`` RGB of a pixmap, in device pixels."""
    image = pixmap.toImage().convertToFormat(QImage.Format.Format_RGB888)
    h, w = image.height(), image.width()
    data = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    return data.reshape(h, image.bytesPerLine())[:, : 3 * w].reshape(h, w, 3).copy()


def near(rgb: np.ndarray, color: QColor, tolerance: int = 40) -> np.ndarray:
    """Where ``rgb`` is within ``tolerance`` (per channel) of ``color``."""
    target = np.array([color.red(), color.green(), color.blue()])
    return (np.abs(rgb.astype(int) - target) <= tolerance).all(axis=-1)


def card(colors: Theme) -> QColor:
    return colors.card


def test_each_built_in_has_a_picture_of_its_kind() -> None:
    kinds = {name: picture_kind(make_dataset(name)) for name in GENERATORS}
    assert kinds["xor"] == kinds["spirals"] == kinds["blobs"] == "plane"
    assert kinds["sine"] == kinds["note"] == "line"
    assert kinds["digits"] == "image"
    X = np.random.default_rng(0).normal(size=(30, 5))
    table = Dataset(X, (X[:, :1] > 0).astype(float), "classification", "table", ("no", "yes"))
    assert picture_kind(table) == "strips"


def test_xor_thumbnail_puts_each_class_in_its_quadrants() -> None:
    rgb = pixels(generator_pixmap("xor", 64, 1.0))
    blue, orange = near(rgb, theme().class_color(0)), near(rgb, theme().class_color(1))
    h, w = blue.shape
    top, left = slice(0, h // 2), slice(0, w // 2)
    bottom, right = slice(h // 2, h), slice(w // 2, w)
    # Class 1 where the signs differ: top left (x < 0, y > 0) and bottom right; y is upwards.
    for rows, cols, ink, other in (
        (top, left, orange, blue),
        (bottom, right, orange, blue),
        (top, right, blue, orange),
        (bottom, left, blue, orange),
    ):
        assert ink[rows, cols].sum() > max(20, 3 * other[rows, cols].sum())


def test_sine_thumbnail_draws_the_curve() -> None:
    rgb = pixels(generator_pixmap("sine", 64, 1.0))
    ink = ~near(rgb, card(theme()), 30)
    ink[:3], ink[-3:], ink[:, :3], ink[:, -3:] = False, False, False, False  # the frame
    rows = np.nonzero(ink)[0]
    cols = np.nonzero(ink)[1]
    middle = rgb.shape[0] / 2
    # sin x < 0 left of the middle (drawn low), > 0 right of it (drawn high).
    assert rows[cols < 24].mean() > middle > rows[cols > 40].mean()


def test_digit_thumbnail_shows_the_first_digit_in_ink() -> None:
    rgb = pixels(generator_pixmap("digits", 64, 1.0))
    first = digits().X[0].reshape(8, 8)
    ink = near(rgb, theme().text, 60)
    assert ink.sum() > 200
    # The darkest of the 8x8 pixels is inked in the thumbnail, the blankest is not.
    cell = (64 - 6) / 8
    r, c = np.unravel_index(np.argmax(first), first.shape)
    assert ink[round(3 + cell * (r + 0.5)), round(3 + cell * (c + 0.5))]
    r, c = np.unravel_index(np.argmin(first), first.shape)
    assert not ink[round(3 + cell * (r + 0.5)), round(3 + cell * (c + 0.5))]


def test_strips_colour_every_input_by_class() -> None:
    X = np.random.default_rng(1).normal(size=(60, 3))
    Y = (X[:, :1] > 0).astype(float)
    table = Dataset(X, Y, "classification", "table", ("no", "yes"))
    rgb = pixels(dataset_pixmap(table, 90, 1.0))
    coloured = near(rgb, theme().class_color(0), 70) | near(rgb, theme().class_color(1), 70)
    band = rgb.shape[0] / 3
    for i in range(3):
        assert coloured[round(band * i + 8) : round(band * (i + 1) - 8)].sum() > 20


def test_thumbnails_are_crisp_at_two_times() -> None:
    one, two = generator_pixmap("circles", 40, 1.0), generator_pixmap("circles", 40, 2.0)
    assert (one.width(), one.devicePixelRatio()) == (40, 1.0)
    assert (two.width(), two.height(), two.devicePixelRatio()) == (80, 80, 2.0)
    assert two.deviceIndependentSize().toSize() == one.size()
    # Drawn at two times, not scaled up: finer detail than the 1x picture doubled.
    doubled = np.repeat(np.repeat(pixels(one), 2, axis=0), 2, axis=1)
    assert np.abs(pixels(two).astype(int) - doubled).sum() > 0


def test_thumbnails_follow_the_theme() -> None:
    light = pixels(generator_pixmap("moons", 40, 1.0))
    use_theme(DARK)
    dark = pixels(generator_pixmap("moons", 40, 1.0))
    assert near(light[20:22, 2:4], LIGHT.card, 2).all()
    assert near(dark[20:22, 2:4], DARK.card, 2).all()
    assert near(dark, DARK.class_color(0), 30).sum() > 20


def test_template_thumbnail_shows_its_network_and_data() -> None:
    pictures = {name: pixels(template_pixmap(name, 96, 54, 1.0)) for name in TEMPLATES}
    assert len({p.tobytes() for p in pictures.values()}) == len(TEMPLATES)
    # The network half: the digits network's 6 drawn rows of neurons against the chain's one.
    hidden = LIGHT.kind("hidden")
    chain = near(pictures["note"][:, :48], hidden, 40).any(axis=1).sum()
    wide = near(pictures["digits"][:, :48], hidden, 40).any(axis=1).sum()
    assert wide > 3 * chain > 0
    # The data half: the spirals' two classes.
    data = pictures["spirals"][:, 48:]
    assert near(data, LIGHT.class_color(0), 40).sum() > 30
    assert near(data, LIGHT.class_color(1), 40).sum() > 30


# -- the New Project dialog ----------------------------------------------------------------------


@pytest.fixture
def dialog(qtbot: QtBot) -> NewProjectDialog:
    widget = NewProjectDialog()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_every_template_is_listed_with_its_thumbnail(dialog: NewProjectDialog) -> None:
    assert dialog.list.count() == len(TEMPLATES)
    for row, name in enumerate(TEMPLATES):
        item = dialog.list.item(row)
        icon = item.icon().pixmap(ICON_SIZE)
        assert not icon.isNull()
        expected = template_pixmap(name, ICON_SIZE.width(), ICON_SIZE.height(), 1.0)
        assert icon.toImage() == expected.toImage()


def test_template_names_are_not_cut(dialog: NewProjectDialog) -> None:
    metrics = dialog.list.fontMetrics()
    for row in range(dialog.list.count()):
        item = dialog.list.item(row)
        room = dialog.list.visualItemRect(item).width() - ICON_SIZE.width() - 12
        assert metrics.horizontalAdvance(item.text()) <= room, item.text()


def test_choosing_a_template_shows_its_examples(dialog: NewProjectDialog) -> None:
    dialog.select("xor")
    xor = dialog.data_picture.pixmap().toImage()
    dialog.select("digits")
    assert dialog.data_picture.pixmap().toImage() != xor
    assert "digits" in dialog.data_picture.toolTip().lower()
    dialog.accept()
    assert dialog.template_name == "digits"


def test_the_dialog_fits_a_small_laptop_screen(dialog: NewProjectDialog) -> None:
    assert dialog.width() <= 1280 - 80
    assert dialog.height() <= 720 - 80


def test_icons_paint_when_shown_at_the_ratio_they_are_shown_at() -> None:
    painted: list[float] = []

    def paint(dpr: float) -> QPixmap:
        painted.append(dpr)
        return generator_pixmap("xor", 36, dpr)

    icon = icon_of(paint)
    assert painted == []  # a list of thumbnails costs nothing until it is seen
    two = icon.pixmap(QSize(36, 36), 2.0)
    assert (two.width(), two.devicePixelRatio()) == (72, 2.0)
    assert icon.pixmap(QSize(36, 36), 2.0).toImage() == two.toImage()
    one = icon.pixmap(QSize(36, 36))
    assert one.width() == 36
    assert painted == [2.0, 1.0]  # each ratio painted once
