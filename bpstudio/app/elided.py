"""One-line labels that shorten their text to their width and tooltip the whole of it.

Status lines and captions change with the state and are read at a glance; where the
window is too narrow for one, it ends in "…" and its tooltip holds the full text, so
nothing is cut off silently and the layout never grows to fit a long message.
"""

from __future__ import annotations

import html
import re

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import (
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QTextDocument,
    QTextDocumentFragment,
)
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

#: A digit of the text, or a tag or entity (kept as they are: their digits are not text).
_DIGITS = re.compile(r"(<[^>]*>|&#?\w+;)|\d")
#: Caption shapes whose widths a label remembers at most.
MAX_MEASURED = 256


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
        if text == self.text():
            return  # the same text (every frame, often): no repaint, no layout request
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
        tip = self.text() if self.is_elided() else self._tip
        if tip != self.toolTip():
            self.setToolTip(tip)


class FittedRichLabel(QLabel):
    """A one-line rich-text label that shows the longest of its forms that fits its width.

    Rich text (sub- and superscripts) cannot be elided character by character, so a
    caption gives its forms from the fullest to the shortest; where even the shortest is
    too wide, its plain text is elided with "…". The tooltip holds the fullest form
    whenever a shorter one is shown. Like :func:`widgets.status_label`, its changing text
    never re-lays out the window.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._forms: tuple[str, ...] = ("",)
        self._widths: dict[str, float] = {}
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(40)
        super().setTextFormat(Qt.TextFormat.RichText)

    def set_forms(self, *forms: str) -> None:
        """The caption's forms, fullest first (at least one)."""
        if not forms:
            raise ValueError("a caption needs at least one form")
        if forms != self._forms:
            self._forms = forms
            self._fit()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt override)
        self.set_forms(text)

    def forms(self) -> tuple[str, ...]:
        return self._forms

    def is_shortened(self) -> bool:
        """True when the fullest form does not fit and a shorter (or elided) one is shown."""
        return self.text() != self._forms[0]

    def text_width(self, html: str) -> float:
        """The width ``html`` takes on one line in this label's font, with every digit as
        wide as the widest: captions whose numbers change every frame are measured (a rich
        text layout each) only when their shape changes."""
        widest = self._widest_digit()
        shape = _DIGITS.sub(lambda m: m.group(1) or widest, html)
        width = self._widths.get(shape)
        if width is None:
            document = QTextDocument()
            document.setDocumentMargin(0)
            document.setDefaultFont(self.font())
            document.setHtml(shape)
            width = document.idealWidth()
            if len(self._widths) > MAX_MEASURED:
                self._widths.clear()
            self._widths[shape] = width
        return width

    def _widest_digit(self) -> str:
        metrics = self.fontMetrics()
        return max("0123456789", key=metrics.horizontalAdvance)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._widths = {}
            self._fit()

    def _fit(self) -> None:
        room = self.contentsRect().width() - 2 * self.margin()
        shown = next((form for form in self._forms if self.text_width(form) <= room), None)
        if shown is None:
            plain = self._plain(self._forms[-1])
            shown = html.escape(
                self.fontMetrics().elidedText(plain, Qt.TextElideMode.ElideRight, max(room, 0))
            )
        if shown != super().text():
            super().setText(shown)
        tip = "" if shown == self._forms[0] else self._plain(self._forms[0])
        if tip != self.toolTip():
            self.setToolTip(tip)

    @staticmethod
    def _plain(html: str) -> str:
        return QTextDocumentFragment.fromHtml(html).toPlainText()
