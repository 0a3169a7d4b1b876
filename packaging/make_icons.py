"""Render the application icon, ``resources/icons/bpstudio.svg``, to the PNGs the desktops use.

    python packaging/make_icons.py          # rewrite resources/icons/hicolor/*/apps/bpstudio.png
    python packaging/make_icons.py --check  # exit 1 if a committed PNG differs from a fresh render

The PNGs follow the freedesktop icon theme layout (``hicolor/NxN/apps``), so installing them
is a copy; PyInstaller turns the 256 px one into Windows' .ico and macOS's .icns. Rendering uses
Qt's own SVG renderer, so the same Qt gives the same pixels; ``--check`` allows the small
differences another Qt release's antialiasing makes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "resources" / "icons"
SVG = ICONS / "bpstudio.svg"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
#: --check: the largest mean difference per channel (0..255) still counted as the same icon.
CHECK_TOLERANCE = 2.0


def png_path(size: int) -> Path:
    return ICONS / "hicolor" / f"{size}x{size}" / "apps" / "bpstudio.png"


def render(size: int) -> QImage:
    """The SVG drawn into a transparent ``size`` x ``size`` image."""
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"{SVG}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def mean_difference(a: QImage, b: QImage) -> float:
    """Mean absolute difference per channel of two images of one size."""
    a = a.convertToFormat(QImage.Format.Format_RGBA8888)
    b = b.convertToFormat(QImage.Format.Format_RGBA8888)
    if a.size() != b.size():
        return float("inf")
    da, db = bytes(a.constBits()), bytes(b.constBits())
    return sum(abs(x - y) for x, y in zip(da, db, strict=True)) / len(da)


def write_all() -> None:
    for size in SIZES:
        path = png_path(size)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not render(size).save(str(path), "PNG"):
            raise SystemExit(f"could not write {path}")
        print(f"wrote {path.relative_to(ROOT)}")


def check_all() -> int:
    stale = []
    for size in SIZES:
        path = png_path(size)
        committed = QImage(str(path))
        if committed.isNull() or mean_difference(committed, render(size)) > CHECK_TOLERANCE:
            stale.append(str(path.relative_to(ROOT)))
    for name in stale:
        print(f"out of date: {name}", file=sys.stderr)
    if stale:
        print("run: python packaging/make_icons.py", file=sys.stderr)
    return 1 if stale else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    if QGuiApplication.instance() is None:
        _app = QGuiApplication([sys.argv[0]])  # noqa: F841 (fonts and painting need one)
    if args.check:
        return check_all()
    write_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
