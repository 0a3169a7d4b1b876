"""A one-line label that elides its text to its width and tooltips the whole of it.

Status lines and captions change with the state and are read at a glance; where the
window is too narrow for one, it ends in "…" and its tooltip holds the full text, so
nothing is cut off silently and the layout never grows to fit a long message.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    """A plain-text label drawn as ``fontMetrics().elidedText(text, ElideRight, width)``.

    ``toolTip()`` is the full text whenever the shown text is shorter, else empty (or
    the tooltip set with :meth:`set_tip`).
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tip = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        # Not Ignored: a box layout gives an Ignored widget with a stretch its neighbours'
        # minimum widths too. Expanding with a small hint grows as far as there is room.
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(24)
        self.setText(text)

    def set_tip(self, tip: str) -> None:
        """A tooltip shown when the text is not elided (else the full text is shown)."""
        self._tip = tip
        self._update_tip()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt override)
        super().setText(text)
        self._update_tip()

    def shown_text(self) -> str:
        """The text as drawn: the whole text, or its elided start."""
        width = self.contentsRect().width()
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, width)

    def is_elided(self) -> bool:
        return self.shown_text() != self.text()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(self.minimumWidth(), super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        # The text's length never re-lays out the window (see widgets.status_label).
        return self.minimumSizeHint()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._update_tip()

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(
            self.contentsRect(),
            int(self.alignment() | Qt.AlignmentFlag.AlignVCenter),
            self.shown_text(),
        )
        painter.end()

    def _update_tip(self) -> None:
        self.setToolTip(self.text() if self.is_elided() else self._tip)
