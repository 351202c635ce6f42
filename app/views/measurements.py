"""Measurements panel: a view of a ``ReviewSession``'s measurements and the reviewer's corrections.

The automatic intervals come from ``mirage_model.measure``; an edit goes to the session
(``ReviewSession.set_measurement_edit``), whose one table (``review.measurements.measurement_rows``:
QTc recomputed from an edited QT, RR or heart rate) is what this panel and the PDF both show.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QHBoxLayout, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from app.views.elided_label import ElidedLabel, ElidedLines
from app.views.following import FollowsSession
from mirage_model.measure import SCALAR_FIELDS
from mirage_model.review.file_info import device_values
from mirage_model.review.interpret import session_interpretation
from mirage_model.review.measurements import (DOUBT_MARK, NOT_APPLICABLE, age_note, amplitudes_not_in_mv, doubt_text,
                                              is_paediatric, measurement_rows, unsaid_notes, why_unmeasured)

ROWS = tuple((f.key, f.short, f.unit) for f in SCALAR_FIELDS)   # key, label, unit: the library's list
DECIMALS = {f.key: f.decimals for f in SCALAR_FIELDS}            # a value's least decimals (mV: 2)
# the rows read at a glance, kept in view over the note (the intervals and axes); the QRS voltages under them lie
# below the fold where the panel is short (1366x768, 1280x800), a flagged one named above the table
GLANCE_ROWS = sum(1 for f in SCALAR_FIELDS if f.unit != "mV")
EDITED = QColor(255, 236, 179)


EDIT_NOTE = ("Double-click a value (or select it and press F2) to correct it; clear it to restore the automatic "
             "value.")
# rows as tall as the text and a few pixels (Qt's default, 30 px, showed 4 of the 11 rows on a 1366x768
# screen): as tall as the room lets every row be, between these margins over the font's height
ROW_PAD_MIN, ROW_PAD_MAX = 1, 6
FLAG_COLOUR = "#a01010"
DEVICE_COLUMN = 3                              # the device's own value (hidden when the file has none)

class MeasurementsPanel(FollowsSession, QWidget):
    """Table of measurements; the Value column is editable. ``edited`` fires after a correction."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = None                    # the ReviewSession shown (None: no record)
        self.table = QTableWidget(len(ROWS), 4)
        # the acquiring device's own values (a cart's 12SL or DXL analysis) beside MIRAGE's, when its file has them
        self.table.setHorizontalHeaderLabels(["Measurement", "Value", "Source", "Device"])
        self.table.setColumnHidden(DEVICE_COLUMN, True)
        self.table.verticalHeader().setVisible(False)
        self.table.setTabKeyNavigation(False)     # arrows move between values, Tab on to the next control
        header = self.table.horizontalHeader()
        # the stretched Source column is never narrower than the default section size (100 px),
        # wider than "automatic" needs: its own contents set its least width instead
        header.setDefaultSectionSize(header.minimumSectionSize())
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)      # _fit_rows sets their height
        rows.setMinimumSectionSize(1)
        self.table.setAccessibleName("Measurements")
        # the title and a flagged value out of view on one line; the note under it, wrapped: cut to the
        # title line's rest it read "Notes: measured on the first..." (the panel sits in the window's
        # result column, which gives it the height of the row it had under the traces and two lines).
        # Its lines are those the rows leave it (``_fit_note``): LUDB record 1's note of three lines at
        # 1280x800 put "T axis -53" behind a scroll bar; the whole note is on its hover then
        self.title = QLabel("<b>Measurements</b>")
        self.flagged = ElidedLabel("")          # flagged values scrolled out of view, and where they are
        self.flagged.setStyleSheet(f"color: {FLAG_COLOUR}; font-weight: bold")
        self.flagged.setVisible(False)
        self.note = ElidedLines(EDIT_NOTE)
        self.note.setStyleSheet("color: #555")
        line = self._title_line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.setSpacing(8)
        line.addWidget(self.title)
        line.addWidget(self.flagged, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(1)
        lay.addLayout(line)
        lay.addWidget(self.note)
        lay.addWidget(self.table, 1)
        self._filling = False
        self._flags: dict[int, str] = {}       # row -> "QTc Bazett 512 ms \u2191" for the flagged values
        self._doubts: list[str] = []           # what the record cannot carry (``doubt_text``): the note's first words
        self._rows: list[dict] = []            # the table as last filled (its doubts say some of the notes)
        self.table.itemChanged.connect(self._item_changed)
        self.table.viewport().installEventFilter(self)
        self.table.verticalScrollBar().valueChanged.connect(self._say_flags_out_of_view)
        self._fill()

    # the panel renders a ReviewSession's measurement table (``set_session``, FollowsSession); edits go
    # to the session; redrawn when its clinical values change (the ranges and flags follow sex and age)
    def redraws_on(self, name: str, info: dict) -> bool:
        # the quality check's verdict may take the QRS voltages' limits away (every lead scaled to one size) and put
        # the intervals in doubt (mains left); the interpretation's rhythm (the model's result, the measurements) may
        # make the PR and P axis not applicable (atrial fibrillation or flutter). An edit refreshes it (``set_edit``)
        return (name == "values" or (name == "state" and info.get("part") in (
            "quality", "prediction", "measurements"))) and not self._filling

    def set_session(self, session) -> None:
        """Another record's table, read from its first row (the heart rate), not where the last was left."""
        super().set_session(session)
        self.table.scrollToTop()

    def refresh(self) -> None:
        self._fill()
        s = self.session
        state = s.state["measurements"] if s is not None else "none"
        error = s.errors.get("measurements", "") if s is not None else ""
        if s is None:
            self.note.setText("Open a record to measure it.")
        elif state == "pending":
            self.note.setText("Measuring...")
        elif state == "failed":
            self.note.setText(f"Measurement failed: {error}" if error else "Measurement failed.")
        elif why := why_unmeasured(self.automatic, self.edits, error):
            # no value in the table: why, as the PDF's page 1 says it
            self.note.setText(f"{why[:1].upper()}{why[1:]}. Double-click a value to enter it.")
        elif notes := unsaid_notes(self.automatic, s.age, self._rows):     # not a note a doubt says
            self.note.setText("Notes: " + "; ".join(notes))
        else:
            self.note.setText(EDIT_NOTE)
        if self._doubts and state not in ("pending", "failed"):
            # what the record cannot carry comes first: the values it marks are in the table beside it
            self.note.setText(". ".join(self._doubts) + ". " + self.note.text())
        if s is not None and is_paediatric(s.age) and state not in ("pending", "failed"):
            # a child's table flags only the rate, PR, QRS and QTc: said where the flags would be, not left for the
            # hover alone
            self.note.setText(f"{age_note(s.age)[:1].upper()}{age_note(s.age)[1:]}; the rate by a child's centiles "
                              f"for age, PR, QRS and QTc by a child's upper limit. {self.note.text()}")
        self._fit_note()
        self._describe()

    @property
    def automatic(self):
        return self.session.measurements if self.session is not None else None

    @property
    def edits(self) -> dict[str, float]:
        return dict(self.session.measurement_edits) if self.session is not None else {}

    @property
    def pending(self) -> bool:
        return self.session is not None and self.session.state["measurements"] == "pending"

    def set_pending(self) -> None:
        """Kept for callers: a new record is being measured (the window binds a new session)."""
        self.refresh()

    def automatic_value(self, key: str):
        return None if self.automatic is None else getattr(self.automatic, key, None)

    def _row(self, key: str) -> dict:
        """The session's row for ``key`` (``review.measurements.measurement_rows``: the same
        table the PDF prints)."""
        sex, age = getattr(self.session, "sex", None), getattr(self.session, "age", None)
        return next(r for r in measurement_rows(self.automatic, self.edits, sex, age, self._scaled())
                    if r["key"] == key)

    def _scaled(self) -> bool:
        """The quality check found every lead scaled to one size: no QRS voltage limit nor flag."""
        return amplitudes_not_in_mv(getattr(self.session, "quality", None))

    def value(self, key: str):
        """The value in force: the reviewer's, else recomputed from edited values (RR from the rate,
        QTc from QT and RR), else automatic."""
        return self._row(key)["value"]

    def source(self, key: str) -> str:
        """"edited", "recomputed", "not recomputed", "automatic", "measuring...", "not measurable" (measured, no
        value found) or "not measured" (no measurement: cancelled, failed or switched off)."""
        if self.session is None:
            return ""
        return self._source_of(self._row(key))

    def _source_of(self, row: dict) -> str:
        """``source`` of a row of ``measurement_rows``."""
        if self.session is None:
            return ""
        if self.pending:
            return "measuring..."
        if row["status"]:
            return row["status"]
        if row["automatic"] is not None:
            return "automatic"
        # a record never measured (Esc while it was, a failed measurement) is not one whose waves cannot be measured
        return "not measurable" if self.automatic is not None else "not measured"

    def set_edit(self, key: str, value: float | None) -> None:
        """Correct one value (None: back to the automatic value)."""
        if self.session is None:
            raise ValueError("no record open")
        self.session.set_measurement_edit(key, None if value is None else float(value))
        self.refresh()     # the table and its note: an edited value carries no doubt
        self.edited.emit()

    def _fill(self) -> None:
        self._filling = True
        self._flags = {}
        ready = self.session is not None and not self.pending
        sex, age = getattr(self.session, "sex", None), getattr(self.session, "age", None)
        # once a fill (value and source of every row come from it; per row it was 23 tables a fill), with what the
        # record cannot carry: the quality check's findings, the interpretation's rhythm (the session's table, the
        # PDF's); none of these while it is measured
        if ready:
            table_rows = self.session.measurement_table(session_interpretation(self.session))
        else:
            table_rows = measurement_rows(self.automatic, self.edits, sex, age, self._scaled())
        rows = {row["key"]: row for row in table_rows}
        self._doubts = doubt_text(table_rows) if ready else []
        self._rows = table_rows if ready else []
        table = rows if ready else {}
        device, theirs = device_values(getattr(self.session, "record", None))
        whose = f"{device}: the device's own measurement, as stored in the file; not MIRAGE's"
        self.table.setColumnHidden(DEVICE_COLUMN, not theirs)
        self.table.horizontalHeaderItem(DEVICE_COLUMN).setToolTip(whose if theirs else "")
        try:
            for r, (key, label, unit) in enumerate(ROWS):
                name = QTableWidgetItem(f"{label} ({unit})")
                name.setFlags(Qt.ItemFlag.ItemIsEnabled)
                v = rows[key]["value"]
                row = table.get(key, {})
                # the table's own text (decimals where the flag needs them: QRS 119.6, not 120); a value the record
                # cannot carry marked, or not shown as one (why on hover and in the note)
                text = "" if v is None else row.get("shown") or f"{v:.0f}"
                doubt = row.get("doubt", "") if v is not None else row.get("doubt", "") if row.get(
                    "doubt") == NOT_APPLICABLE else ""
                item = QTableWidgetItem(NOT_APPLICABLE if doubt == NOT_APPLICABLE
                                        else f"{text} {DOUBT_MARK}" if doubt else text)
                editable = Qt.ItemFlag.ItemIsEditable if self.session is not None and not self.pending \
                    else Qt.ItemFlag.NoItemFlags
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | editable | Qt.ItemFlag.ItemIsSelectable)
                src = self._source_of(rows[key])
                if doubt:
                    item.setToolTip(f"{doubt}: {row['doubt_why']}")
                    src = doubt
                if src in ("edited", "recomputed", "not recomputed"):
                    auto = self.automatic_value(key)
                    item.setBackground(QBrush(EDITED))
                    item.setToolTip(f"automatic: {'-' if auto is None else f'{auto:.{DECIMALS[key]}f}'} {unit}")
                if row.get("flag") and v is not None:
                    # outside the adult reference range: bold, an arrow beside it, the range on hover
                    bold = QFont(item.font())
                    bold.setBold(True)
                    item.setFont(bold)
                    name.setFont(bold)
                    # the arrow alone (its word on hover): "automatic  \u2191 high" widened the
                    # column past the panel's room in a 1024 px window
                    arrow = {"high": "\u2191", "low": "\u2193"}[row["flag"]]
                    src += " " + arrow
                    self._flags[r] = f"{label} {item.text()} {unit} {arrow}"
                    flag = f"{row['flag']}: outside the adult reference range"
                else:
                    flag = ""
                if row.get("range"):
                    tip = f"reference: {row['range']}"
                    # no range beside no value (not measurable, not recomputed, not applicable): its hover says why
                    # only, as the PDF's dash; the name's hover keeps it, as the ranges' sources under the PDF's table
                    if v is not None and doubt != NOT_APPLICABLE:
                        item.setToolTip((item.toolTip() + "\n" if item.toolTip() else "") + tip)
                    name.setToolTip(tip)
                    flag = f"{flag} ({row['range']})" if flag else ""
                source = QTableWidgetItem(src)
                if flag or doubt:
                    # a value marked unreliable keeps its flag (a cart's doubtful QTc stays flagged): both on hover
                    source.setToolTip("\n".join(t for t in (flag, doubt and f"{doubt}: {row['doubt_why']}") if t))
                source.setFlags(Qt.ItemFlag.ItemIsEnabled)
                dv = theirs.get(key)
                cart = QTableWidgetItem("" if dv is None else f"{dv:.0f}")
                cart.setFlags(Qt.ItemFlag.ItemIsEnabled)
                if dv is not None:
                    cart.setToolTip(whose)
                for c, it in enumerate((name, item, source, cart)):
                    self.table.setItem(r, c, it)
        finally:
            self._filling = False
        self._keep_values_in_view()
        self._fit_rows()

    def _keep_values_in_view(self) -> None:
        """The table is never narrower than its columns in view (three; four with the device's own
        values), so that a narrow window (1024 px with the folder dock open) gives them their room
        rather than hiding the values, or where they come from and their high/low flag, behind a
        scroll bar."""
        header, model = self.table.horizontalHeader(), self.table.model()
        grid = 1 if self.table.showGrid() else 0
        # every row's cell, not only those in view (``sizeHintForColumn``): at 600 px high a
        # "not measurable" below the fold widened the Source column past the table's minimum
        need = sum(max([header.sectionSizeHint(c)] + [self.table.sizeHintForIndex(model.index(r, c)).width() + grid
                                                      for r in range(self.table.rowCount())])
                   for c in range(self.table.columnCount()) if not self.table.isColumnHidden(c))
        need += self.table.verticalScrollBar().sizeHint().width() + 2 * self.table.frameWidth()
        self.table.setMinimumWidth(need)

    def resizeEvent(self, event) -> None:           # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit_note()

    def _fit_note(self) -> None:
        """The note's lines: those the panel's height leaves it over the title line and every row at
        its least height (``ROW_PAD_MIN``), one at least; a longer note is cut with "..." there, whole
        on its hover (and in the table's accessible description). Every row is the intervals' and axes'
        (``GLANCE_ROWS``): the voltages under them scroll rather than cut the note to a line."""
        n = min(self.table.rowCount(), GLANCE_ROWS)
        rows = n * (self.table.fontMetrics().height() + ROW_PAD_MIN)
        table = rows + self.table.horizontalHeader().sizeHint().height() + 2 * self.table.frameWidth()
        spacing = 2 * max(0, self.layout().spacing())
        room = self.height() - self._title_line.sizeHint().height() - spacing - table
        fm = self.note.fontMetrics()
        self.note.set_max_lines(max(1, 1 + (room - fm.height()) // fm.lineSpacing()))

    def eventFilter(self, watched, event) -> bool:     # noqa: N802 (Qt's name)
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_rows()
        return super().eventFilter(watched, event)

    def _fit_rows(self) -> None:
        """Rows as tall as lets them all be in view (the block read at a glance, as on a cart's
        printout), between ROW_PAD_MIN and ROW_PAD_MAX pixels over the font's height; where even
        the least is too tall, the rows out of view scroll and their flags are said above."""
        n = self.table.rowCount()
        text = self.table.fontMetrics().height()
        room = self.table.viewport().height()
        height = max(text + ROW_PAD_MIN, min(text + ROW_PAD_MAX, room // n if n else 0))
        rows = self.table.verticalHeader()
        if rows.defaultSectionSize() != height or any(self.table.rowHeight(r) != height for r in range(n)):
            rows.setDefaultSectionSize(height)
            for r in range(n):
                self.table.setRowHeight(r, height)
        self._say_flags_out_of_view()

    def _say_flags_out_of_view(self) -> None:
        """Name the flagged values (outside the reference range) whose rows are not wholly in view,
        and where they are, above the table: a QTc flagged below the fold is not missed."""
        view = self.table.viewport().rect()
        where: dict[str, list[str]] = {"above": [], "below": []}
        for r, text in self._flags.items():
            cell = self.table.visualRect(self.table.model().index(r, 1))
            if not view.contains(cell):
                where["above" if cell.top() < view.top() else "below"].append(text)
        # where first: a narrow panel cuts the end of the line ("below: QTc Bazett 512 ms \u2191, QR...")
        said = "; ".join(f"{side}: {', '.join(items)}" for side, items in where.items() if items)
        self.flagged.setText(said)
        self.flagged.setVisible(bool(said))     # the note stays: hiding it would give the rows room and undo the flag
        self._describe()

    def _describe(self) -> None:
        """The note (and any flag out of view) as the table's accessible description; the note on
        the flag's hover too."""
        if self.flagged.text():
            self.flagged.set_tip(f"Outside the adult reference range: scroll the table to see it.\n{self.note.text()}")
        self.table.setAccessibleDescription(" ".join(t for t in (self.flagged.text(), self.note.text()) if t))

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != 1:
            return
        key = ROWS[item.row()][0]
        text = item.text().strip()
        try:
            self.set_edit(key, None if text == "" else float(text))
        except ValueError as err:
            self.note.setText(f"Not accepted: {err}" if "between" in str(err)
                              else f"Not accepted: {text!r} is not a number")
            self._fit_note()
            self._fill()

    def report_edits(self) -> dict[str, float]:
        """The reviewer's own corrections, Measurements.as_dict() key -> value (what the PDF marks
        "edited"; values recomputed from them are the report's to derive)."""
        return dict(self.edits)

    def corrected(self):
        """Measurements with the reviewer's corrections in force, each noted as edited (None: none).
        For a report without ``measurement_edits``; the table itself is :meth:`value`."""
        m = self.automatic
        if m is None:
            return None
        if not self.edits:
            return m
        changes = {key: self.value(key) for key, _l, _u in ROWS
                   if self.source(key) in ("edited", "recomputed", "not recomputed")}
        notes = list(getattr(m, "notes", ()) or ())
        for key, label, unit in ROWS:
            if key in changes:
                auto = self.automatic_value(key)
                was = "not measurable" if auto is None else f"{auto:.{DECIMALS[key]}f} {unit}"
                how = {"edited": "edited by reviewer", "recomputed": "recomputed from edited values"}.get(
                    self.source(key), "not recomputable from edited values")
                now = "-" if changes[key] is None else f"{changes[key]:.{DECIMALS[key]}f} {unit}"
                notes.append(f"{label} {how}: {now} (automatic: {was})")
        return dataclasses.replace(m, notes=tuple(notes), **changes)
