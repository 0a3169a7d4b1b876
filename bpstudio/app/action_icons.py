"""Toolbar icons drawn in the colours of the palette in use, drawn again when it changes.

Qt's standard icons (``QStyle.standardIcon``) are dark glyphs whatever the palette is, so
on the dark theme they were dark on dark. These glyphs take the palette's button text
(the theme's text: the application palette follows the theme, and presenter mode's
high-contrast palette too) and a muted shade of it when disabled. :class:`ThemedIcons`
sets them on actions and sets them again when the theme or the palette changes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QObject, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QAction,
    QColor,
    QGuiApplication,
    QIcon,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)

from bpstudio.app.theme import notifier

#: Glyphs :func:`glyph_icon` draws.
GLYPHS = ("play", "pause", "step", "phase", "reset", "check")
#: Drawn at this many device pixels per logical pixel: sharp at 2× and 3×.
_SCALE = 3
_SIZE = 24


def _ink(group: QPalette.ColorGroup) -> QColor:
    return QGuiApplication.palette().color(group, QPalette.ColorRole.ButtonText)


def glyph_pixmap(name: str, ink: QColor, size: int = _SIZE) -> QPixmap:
    """The glyph ``name`` (one of :data:`GLYPHS`) in ``ink`` on a transparent square."""
    pixmap = QPixmap(size * _SCALE, size * _SCALE)
    pixmap.setDevicePixelRatio(_SCALE)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(size / _SIZE, size / _SIZE)
    pen = QPen(ink, 2.2)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    if name in ("play", "step"):
        p.setPen(QPen(ink, 1.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                      Qt.PenJoinStyle.RoundJoin))  # fmt: skip
        p.setBrush(ink)
        right = 19.0 if name == "play" else 15.0
        left = 6.0 if name == "play" else 4.5
        triangle = QPainterPath(QPointF(left, 4.5))
        triangle.lineTo(QPointF(right, 12))
        triangle.lineTo(QPointF(left, 19.5))
        triangle.closeSubpath()
        p.drawPath(triangle)
        if name == "step":
            p.drawRoundedRect(QRectF(16.5, 4.5, 3.2, 15), 1, 1)
    elif name == "pause":
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(ink)
        p.drawRoundedRect(QRectF(6, 4.5, 4.2, 15), 1.2, 1.2)
        p.drawRoundedRect(QRectF(13.8, 4.5, 4.2, 15), 1.2, 1.2)
    elif name == "phase":
        # Three dots, forward · backward · update, and an arrow to the next.
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(ink)
        for x in (4.0, 10.0):
            p.drawEllipse(QPointF(x, 12), 2.2, 2.2)
        p.setPen(pen)
        p.drawLine(QPointF(14, 12), QPointF(20, 12))
        p.drawLine(QPointF(17, 8.5), QPointF(20.5, 12))
        p.drawLine(QPointF(17, 15.5), QPointF(20.5, 12))
    elif name == "reset":
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawArc(QRectF(5, 5, 14, 14), 100 * 16, 290 * 16)
        head = QPainterPath(QPointF(10.5, 2.8))
        head.lineTo(QPointF(13.8, 5.2))
        head.lineTo(QPointF(10.8, 8.2))
        p.drawPath(head)
    elif name == "check":
        p.setPen(pen)
        p.drawLine(QPointF(5, 12.5), QPointF(10, 17.5))
        p.drawLine(QPointF(10, 17.5), QPointF(19, 6.5))
    else:
        p.end()
        raise ValueError(f"no glyph {name!r}; expected one of {', '.join(GLYPHS)}")
    p.end()
    return pixmap


def glyph_icon(name: str, ink: QColor | None = None) -> QIcon:
    """An icon of ``name`` in the palette's button text (``ink`` if given), muted when
    disabled."""
    icon = QIcon()
    normal = ink or _ink(QPalette.ColorGroup.Active)
    icon.addPixmap(glyph_pixmap(name, normal), QIcon.Mode.Normal)
    icon.addPixmap(glyph_pixmap(name, normal), QIcon.Mode.Active)
    disabled = QColor(_ink(QPalette.ColorGroup.Disabled) if ink is None else ink)
    if disabled == normal:
        disabled.setAlphaF(0.4)
    icon.addPixmap(glyph_pixmap(name, disabled), QIcon.Mode.Disabled)
    return icon


class ThemedIcons(QObject):
    """Keeps actions' icons in the palette's colours.

    ``add(action, glyph)`` with a glyph name, or a callable giving the icon (for an icon
    that follows a state, such as Run/Pause, call :meth:`refresh` when the state changes).
    The icons are drawn again when the theme changes; a widget showing them calls
    :meth:`refresh` on its palette change (presenter mode's palette is not a theme).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._icons: list[tuple[QAction, Callable[[], QIcon]]] = []
        notifier().themeChanged.connect(self.refresh)

    def add(self, action: QAction, glyph: str | Callable[[], QIcon]) -> None:
        make: Callable[[], QIcon] = glyph if callable(glyph) else partial(glyph_icon, glyph)
        self._icons.append((action, make))
        action.setIcon(make())

    def refresh(self) -> None:
        """Draw every icon again (a widget that shows them calls this on a palette change)."""
        for action, make in self._icons:
            action.setIcon(make())
