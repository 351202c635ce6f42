"""The "Prior ECG" tab: the open record compared with an earlier ECG of the patient, as a reader
compares every ECG with the previous one.

It draws ``mirage_model.review.serial.compare(session.prior, session)`` (the same comparison the PDF
prints): first, and prominent, the warning when the two files may not be the same patient's; the
summary; the measurements side by side (prior, current, change), a significant change bold and
marked with an asterisk and said in words to a screen reader (not by colour alone); then the
statements new and gone, and what was not compared and why (a side's calls withheld, a pacing change).
It follows the ``ReviewSession`` it is given: redrawn when its prior, its
measurements or its model result arrive, emptied when another record opens (a new session has no
prior).
"""

from __future__ import annotations

import html
import logging

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHeaderView, QLabel, QScrollArea, QSizePolicy, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from app.views.following import FollowsSession
from mirage_model.review.serial import said_once

log = logging.getLogger(__name__)

NO_PRIOR = ("No prior ECG. File > Compare with prior ECG... ({keys}) reads an earlier ECG of this patient "
            "and sets it beside this one.")
WARNING_STYLE = "background: #fdecea; color: #8a1c12; border: 2px solid #c0392b; padding: 4px; font-weight: bold;"
SIGNIFICANT_MARK = "*"
COLUMNS = ("Measurement", "Prior", "Current", "Change")


def _number(value: float | None, unit: str, signed: bool = False) -> str:
    """``value`` as the table writes it: whole numbers and the unit ("98 ms", "+34 ms"), "-" when missing."""
    if value is None:
        return "-"
    text = f"{value:+.0f}" if signed else f"{value:.0f}"
    if text in ("-0", "+0"):
        text = "0"
    return f"{text} {unit}".strip()


class ComparisonView(FollowsSession, QWidget):
    """The session's comparison with its prior ECG (``serial.compare``), or how to get one.

    ``priorShown(bool)`` follows whether the session has a prior (the window shows the tab only then)."""

    priorShown = Signal(bool)

    def __init__(self, parent: QWidget | None = None, keys: str = "Ctrl+Shift+P"):
        super().__init__(parent)
        self.session = None
        self.comparison = None           # serial.SerialComparison drawn (None: no prior)
        self._prior = None               # the prior ECG it was drawn of: another one is read from the top
        self.keys = keys
        self.warning = QLabel("")        # the patient warning: first, and only when the files may differ
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(WARNING_STYLE)
        self.warning.setTextFormat(Qt.TextFormat.PlainText)
        self.warning.setAccessibleName("Patient warning")
        self.warning.setVisible(False)
        self.title = QLabel("")
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setAccessibleName("Comparison summary")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setAccessibleName("Measurements, prior and current")
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # the label column gives way (its words wrap) so that the values and their change stay whole in the
        # tab's width: at 1280x800 "QTc (Fridericia: QT / cbrt(RR in s))" had pushed the change out of view
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.setStretchLastSection(False)       # the change beside the values, not at the tab's far edge
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.table.viewport().installEventFilter(self)     # its width known once the table has laid it out
        self.key_note = QLabel("")
        self.key_note.setWordWrap(True)
        self.key_note.setStyleSheet("color: #444")
        self.statements = QLabel("")
        self.statements.setWordWrap(True)
        self.statements.setTextFormat(Qt.TextFormat.RichText)
        self.statements.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notes = QLabel("")
        self.notes.setWordWrap(True)
        self.notes.setTextFormat(Qt.TextFormat.PlainText)
        self.notes.setStyleSheet("color: #555")

        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.setSpacing(4)
        for w in (self.warning, self.title, self.summary, self.table, self.key_note, self.statements, self.notes):
            lay.addWidget(w)
        lay.addStretch(1)
        # the row under the traces is short (210 px at 1280x800): the comparison scrolls, the warning first
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll.setWidget(body)
        self.scroll.setAccessibleName("Comparison with the prior ECG")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll)
        self.refresh()

    def redraws_on(self, name: str, info: dict) -> bool:
        return name in ("prior", "measurements", "values") or (
            name == "state" and info.get("part") in ("measurements", "prediction"))

    def refresh(self) -> None:
        s = self.session
        prior = getattr(s, "prior", None) if s is not None else None
        if prior is not self._prior:     # another prior (or record): its patient warning first, in view
            self._prior = prior
            self.scroll.verticalScrollBar().setValue(0)
        self.comparison = None
        if prior is not None:
            from mirage_model.review.serial import compare

            try:
                self.comparison = compare(prior, s)
            except Exception as err:  # noqa: BLE001 - said in the tab; the review goes on
                log.warning("comparing with the prior failed", exc_info=True)
                self._draw(None)
                self.title.setText(f"<b>The comparison with the prior ECG could not be made:</b> "
                                   f"{html.escape(str(err) or type(err).__name__)}")
                self.priorShown.emit(True)
                return
        self._draw(self.comparison)
        self.priorShown.emit(prior is not None)

    def _draw(self, c) -> None:
        """Fill the widgets from ``c`` (a ``SerialComparison``; None: the line that says how to get one)."""
        shown = c is not None
        for w in (self.summary, self.table, self.key_note, self.statements, self.notes):
            w.setVisible(shown)
        if c is None:
            self.warning.setVisible(False)
            self.warning.setText("")
            self.title.setText(html.escape(NO_PRIOR.format(keys=self.keys)))
            self.table.setRowCount(0)
            return
        warnings = list(c.warnings)      # the patient's first, then the dates'
        if c.same_patient is not True and not c.patient_words:
            warnings.insert(0, "The two files may not be the same patient's: make sure both are the same person's.")
        self.warning.setText("\n".join(f"\u26a0 Warning: {w}" for w in warnings))
        self.warning.setVisible(bool(warnings))
        self.title.setText(f"<b>Prior:</b> {html.escape(c.prior_label)} &nbsp; "
                           f"<b>Current:</b> {html.escape(c.current_label)}")
        self.summary.setText(c.summary)
        self._fill_table(c.measurements)
        marked = any(m.significant for m in c.measurements)
        self.key_note.setText(f"{SIGNIFICANT_MARK} bold: a significant change (beyond the rule's threshold; "
                              "hover a change for it)." if marked else "No measurement changed significantly.")
        parts = []
        if c.pacing_words:      # first: the measurements it leaves out are not the heart's own changes
            parts.append(f"<b>{html.escape(c.pacing_words)}</b>")
        if c.rhythm_words:
            parts.append(f"<b>{html.escape(c.rhythm_words)}</b>")
        if c.new_statements:
            parts.append("<b>New:</b> " + html.escape("; ".join(c.new_statements)))
        if c.possibly_new:
            parts.append("<b>Possibly new:</b> " + html.escape("; ".join(c.possibly_new)))
        if c.gone_statements:
            parts.append("<b>No longer present:</b> " + html.escape("; ".join(c.gone_statements)))
        if c.possibly_gone:
            parts.append("<b>Possibly no longer present:</b> " + html.escape("; ".join(c.possibly_gone)))
        if c.unchanged_statements:
            parts.append("Unchanged: " + html.escape("; ".join(c.unchanged_statements)))
        if c.not_compared:
            parts.append("<b>Not compared:</b> " + html.escape("; ".join(said_once(c.not_compared))))
        self.statements.setText("<br>".join(parts) if parts else "No statements called on either ECG.")
        self.notes.setText("Notes: " + "; ".join(c.notes) if c.notes else "")
        self.notes.setVisible(bool(c.notes))

    def _fill_table(self, rows) -> None:
        self.table.setRowCount(len(rows))
        bold = QFont(self.table.font())
        bold.setBold(True)
        for i, m in enumerate(rows):
            change = "not compared" if m.why_not else _number(m.change, m.unit, signed=True)
            if m.significant:
                change = f"{change} {SIGNIFICANT_MARK}"
            cells = (m.label, _number(m.prior, m.unit), _number(m.current, m.unit), change)
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if m.significant:
                    item.setFont(bold)
                    item.setToolTip(m.words or f"changed beyond {m.threshold:g} {m.unit}")
                    # a screen reader hears it said, not a bold face or an asterisk
                    item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{text}, significant change")
                elif m.why_not:
                    item.setToolTip(f"not compared: {m.why_not}")
                elif m.change is not None:
                    item.setToolTip(f"within {m.threshold:g} {m.unit}: not a significant change")
                self.table.setItem(i, j, item)
        self._fit_columns()

    def eventFilter(self, obj, event) -> bool:
        if obj is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return super().eventFilter(obj, event)

    def _fit_columns(self) -> None:
        """The label column as wide as its longest label where the tab has room, else what the values leave
        it (its labels wrapped, no narrower than its header); the rows as tall as their wrapped labels."""
        t, header = self.table, self.table.horizontalHeader()

        def whole(j: int) -> int:       # what ResizeToContents gives a column (it applies it later, on layout)
            return max(t.sizeHintForColumn(j), header.sectionSizeHint(j))
        room = t.viewport().width() - sum(whole(j) for j in range(1, t.columnCount()))
        width = max(header.sectionSizeHint(0), min(whole(0), room))
        if t.columnWidth(0) != width:
            t.setColumnWidth(0, width)
        t.resizeRowsToContents()
        # as tall as its rows: the tab scrolls as one page, not a table scrolling inside it
        h = t.horizontalHeader().height() + sum(t.rowHeight(r) for r in range(t.rowCount()))
        t.setFixedHeight(h + 2 * t.frameWidth() + 2)

    def significant_rows(self) -> list[str]:
        """The measurement labels drawn as significant changes (what tests read back)."""
        out = []
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 3)
            if item is not None and item.font().bold() and item.text().endswith(SIGNIFICANT_MARK):
                out.append(self.table.item(r, 0).text())
        return out
