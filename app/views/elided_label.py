"""A one-line label whose text never sets the window's minimum width, and a wrapped one of at most so many
lines."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QTextLayout, QTextOption
from PySide6.QtWidgets import QLabel, QSizePolicy


class ElidedLabel(QLabel):
    """A plain-text line that asks for its whole text's width but takes less where there is less,
    cut with "..." (the whole text in the tooltip then).

    A QLabel's minimum width is its text's: in the central widget, a text that changed with the
    record or the zoom ("zoom 0.49x: 12.2 mm/s ...") changed the window's minimum width, and the
    main window took the difference from the folder dock, so the dock and the traces jumped from
    one record to the next.

    ``set_forms`` gives shorter wordings of the same text, tried in turn before any is cut: the caliper's
    reading at 1024x700 had read "Calipers (I to II): 100..." where "1000 ms, 60 bpm, +0.50 mV" fits.
    """

    def __init__(self, text: str = "", parent=None, least: str = ""):
        """``least``: a text the label is never narrower than (its minimum width; "": none)."""
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.full_text = ""
        self.forms: tuple[str, ...] = ()    # the text's wordings, the whole first, each shorter than the last
        self.tip = ""          # a tooltip of its own, shown under the whole text when that is cut
        self.least = least
        self.setText(text)

    def set_tip(self, tip: str) -> None:
        """A tooltip kept whether or not the text is cut (the whole text is added above it then)."""
        self.tip = tip
        self._elide()

    def setText(self, text: str) -> None:          # noqa: N802 (Qt's name)
        self.set_forms((text,))

    def set_forms(self, forms) -> None:
        """The whole text first, then shorter wordings of it: the first that fits is shown, the last cut where
        none does (the whole text in the tooltip whenever it is not the one shown)."""
        self.forms = tuple(forms) or ("",)
        self.full_text = self.forms[0]
        self.updateGeometry()
        self._elide()

    def text(self) -> str:                          # the whole text, not what fits
        return self.full_text

    def sizeHint(self) -> QSize:                    # noqa: N802
        m = self.contentsMargins()
        return QSize(self.fontMetrics().horizontalAdvance(self.full_text) + m.left() + m.right() + 2,
                     super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:             # noqa: N802
        m = self.contentsMargins()
        least = self.fontMetrics().horizontalAdvance(self.least) + m.left() + m.right() + 2 if self.least else 0
        return QSize(least, super().minimumSizeHint().height())

    def _elide(self) -> None:
        room = self.contentsRect().width()
        shown = self.full_text
        if room > 0 and self.fontMetrics().horizontalAdvance(shown) > room:
            shown = next((f for f in self.forms[1:] if self.fontMetrics().horizontalAdvance(f) <= room), None)
            if shown is None:
                shown = self.fontMetrics().elidedText(self.forms[-1], Qt.TextElideMode.ElideRight, room)
        super().setText(shown)
        self.setToolTip("\n".join(t for t in (self.full_text if shown != self.full_text else "", self.tip) if t))

    def resizeEvent(self, event) -> None:           # noqa: N802
        super().resizeEvent(event)
        self._elide()


class ElidedLines(QLabel):
    """A plain-text label wrapped to at most ``max_lines`` lines (``set_max_lines``), its last line cut with
    "..." where the whole does not fit (the whole text in the tooltip then). ``text()`` is the whole text.

    A wrapped note whose lines the panel below it needs: the measurement block's note of three lines took
    the room of its last row at 1280x800 ("T axis -53" behind a scroll bar).
    """

    def __init__(self, text: str = "", parent=None):
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.full_text = ""
        self.max_lines = 0     # 0: as many as the text needs
        self.setText(text)

    def set_max_lines(self, lines: int) -> None:
        if lines != self.max_lines:
            self.max_lines = lines
            self._elide()

    def setText(self, text: str) -> None:          # noqa: N802 (Qt's name)
        self.full_text = text
        self._elide()

    def text(self) -> str:                          # the whole text, not what fits
        return self.full_text

    def lines_needed(self, width: int | None = None) -> int:
        """How many lines the whole text wraps to at ``width`` px (None: the label's own)."""
        return len(self._line_starts(self.contentsRect().width() if width is None else width))

    def _line_starts(self, width: int) -> list[int]:
        """Where each line of the whole text begins, wrapped at ``width`` px as the label wraps it (word by
        word, "\n" kept)."""
        starts: list[int] = []
        offset = 0
        for paragraph in self.full_text.split("\n"):
            layout = QTextLayout(paragraph, self.font())
            option = QTextOption()
            option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
            layout.setTextOption(option)
            layout.beginLayout()
            while (line := layout.createLine()).isValid():
                line.setLineWidth(width)
                starts.append(offset + line.textStart())
            layout.endLayout()
            offset += len(paragraph) + 1
        return starts

    def _elide(self) -> None:
        width = self.contentsRect().width()
        shown = self.full_text
        if self.max_lines > 0 and width > 0:
            starts = self._line_starts(width)
            if len(starts) > self.max_lines:
                last = starts[self.max_lines - 1]
                head = self.full_text[:last].rstrip(" \n")
                rest = " ".join(self.full_text[last:].split())
                shown = (head + "\n" if head else "") + self.fontMetrics().elidedText(
                    rest, Qt.TextElideMode.ElideRight, width)
        super().setText(shown)
        self.setToolTip(self.full_text if shown != self.full_text else "")

    def resizeEvent(self, event) -> None:           # noqa: N802
        super().resizeEvent(event)
        if self.max_lines > 0:
            self._elide()
