"""The batch dialog's table of results (``BatchResultsTable``, a part of ``batch.BatchDialog``): each row in the
folder dock's order as it arrives, its cells and their colours and tooltips, a failed file's message fitted and shown
whole under the table, the serial comparison's columns, a resumed run's kept rows (from its start, marked kept) and
the output file's rows after it, and the record a row names (double-click opens it); a header clicked sorts the rows
by its column (numbers as numbers, empty cells last either way), each row still the record it names."""

from __future__ import annotations

import math
from bisect import bisect_right
from pathlib import Path

from PySide6.QtCore import QEvent, QRect, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QStyledItemDelegate, QTableWidgetItem

from mirage_model.records.folder import natural_key

# Columns shown first when a row has them; the rest follow in the row's own order.
# record_path beside the id: an export names records alike in different sub-folders (siteA/ecg.hea,
# siteB/ecg.hea), and the path is what tells them apart
# the patient and the time beside the record's name: a patient found among UID-named files by sorting on the ID
PREFERRED = ("record_id", "patient_id", "patient_name", "recorded", "record_path", "status", "error", "same_ecg_as",
             "positive")
HIDDEN = ("path", "notes")   # kept for double-click / the CSV, not shown as columns
# the record's names: their columns as wide as the widest (up to a third of the table), and a longer one cut in the
# middle, whole on hover ("cinc/E00001.hea" had read "cinc/...": the record's name was the part cut)
NAME_COLUMNS = ("record_id", "record_path")
# the serial comparison's columns whose words are read whole in a tooltip
SERIAL_TIPS = ("serial_changes", "serial_warnings")
# text colours in the table, each at least WCAG 2.1's 4.5:1 on its white (Qt's red, dark grey and dark
# yellow were 4.0, 3.9 and 4.2:1)
FAILED_COLOUR = QColor("#b00000")         # a record that could not be scored
NOT_ECG_COLOUR = QColor("#666666")        # a file that is no ECG: told, not a failure
LABS_DIFFER_COLOUR = QColor("#6b6b00")    # its labs row may be another patient's
# a failed row is as tall as its message's wrapped lines up to this many; the rest is under the table when selected
ERROR_LINES = 4
# the hex digits of an ecg_key the table shows (40 bits: two of 100,000 ECGs alike by chance about once in 200
# such folders); the whole key (40 digits, the over-read store's) on hover and in the CSV
KEY_SHOWN = 10
# a resumed run's kept row, marked in its status cell: its record was scored by the run it resumes, not by this one
KEPT_STATUS = "ok (kept)"
KEPT_TIP = "kept from the output's earlier run (Resume): scored then, not scored again by this run"


def _row_message(row: dict) -> str:
    """The whole message of a result row: its error; a file that is no ECG's in the words ``mirage score``
    and ``mirage-review --export-pdf`` say it in ("not an ECG: x.xml: the file is empty": ``rows.not_ecg_line``)."""
    message = str(row.get("error") or "")
    from mirage_model.review.batch.rows import NOT_ECG, not_ecg_line   # loaded by the batch that made the row

    if message and row.get("status") == NOT_ECG:
        return not_ecg_line(str(row.get("record_path") or ""), message)
    return message


def _decimals(key: str) -> int | None:
    """The decimals the measurement panel and the PDF give column ``key``'s values (QRS axis -5 deg, Sokolow-Lyon
    2.22 mV), None for a column that is no measurement."""
    from mirage_model.measure import SCALAR_FIELDS   # loaded by the batch that made the row

    return next((f.decimals for f in SCALAR_FIELDS if f.key == key), None)


def _fmt(value, key: str = "", row: dict | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if _decimals(key) is not None and math.isfinite(value):
            # a measurement as the window's panel and the PDF show it (``ranges.shown_value``, by the row's sex and
            # age): a QRS axis of -5.4 deg had read "-5.400" beside "-66", and a QRS of 119.6 ms "120", wide
            from mirage_model.review.measurements.ranges import shown_value   # loaded by the batch that made the row

            row = row or {}
            return shown_value(key, value, row.get("sex_used") or None,
                               row.get("age_given", row.get("age_used")))   # the patient's age, not the model's
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.0f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _typed(row: dict) -> dict:
    """A row read back from a CSV output, its numbers (probabilities, measurements) as numbers,
    so that the table shows them as it shows a row scored in this run."""
    from mirage_model.review.batch.cells import number_column   # loaded by the batch that wrote the row

    out = {}
    for key, value in row.items():
        if isinstance(value, str) and number_column(key):
            try:
                value = float(value) if value else None
            except ValueError:
                pass
        out[key] = value
    return out


def _row_key(row: dict) -> tuple:
    """A result row's place in the table: its record's path in the folder dock's order."""
    return natural_key(row.get("record_path") or row.get("path") or "")


class _Reversed:
    """A sort key compared the other way round (a column sorted descending, its empty cells still last)."""

    __slots__ = ("key",)

    def __init__(self, key):
        self.key = key

    def __lt__(self, other) -> bool:
        return other.key < self.key

    def __eq__(self, other) -> bool:
        return self.key == other.key


def _sort_value(row: dict, key: str):
    """What column ``key`` sorts ``row`` by: a number column's value as a number, another's text as shown in the
    natural order ("10" after "9"); None for an empty cell (a record not scored has no probabilities)."""
    from mirage_model.review.batch.cells import number_column   # loaded by the batch that made the row

    value = row.get(key)
    if number_column(key):
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        return number if math.isfinite(number) else None
    text = _fmt(value, key, row)
    return natural_key(text) if text else None


class NamesElidedInTheMiddle(QStyledItemDelegate):
    """The table's cells as Qt draws them, those of ``NAME_COLUMNS`` cut in the middle ("site/.../E00001.hea")."""

    def __init__(self, dialog):
        super().__init__(dialog.table)
        self._dialog = dialog

    def initStyleOption(self, option, index) -> None:
        super().initStyleOption(option, index)
        columns = self._dialog.columns
        if 0 <= index.column() < len(columns) and columns[index.column()] in NAME_COLUMNS:
            option.textElideMode = Qt.TextElideMode.ElideMiddle


class BatchResultsTable:
    """The results table's part of ``BatchDialog`` (its ``table``, ``message``, ``rows`` and ``columns``)."""

    def _add_row(self, row: dict) -> None:
        """Show ``row`` in its place: the records in the folder dock's order (``natural_key``: 1, 2, 10,
        not the batch's 1, 10, 2), as they arrive and after a resumed run alike."""
        self._note_labs_header(row)
        key = self._sort_key(row)
        r = bisect_right(self._row_keys, key)
        self._row_keys.insert(r, key)
        self.rows.insert(r, row)
        new = [k for k in row if k not in self.columns and k not in HIDDEN]
        if new:
            self.columns = [c for c in PREFERRED if c in self.columns or c in row] + \
                [c for c in self.columns + new if c not in PREFERRED]
            self._set_headers()
            for i, old in enumerate(self.rows):
                if i != r:
                    self._fill_row(i if i < r else i - 1, old)
        self.table.insertRow(r)
        self._fit_names(row)
        self._fill_row(r, row)
        if row.get("error"):
            self._fit_error(r, str(row.get("error")))
        self._show_message(self.table.currentRow())

    def _setup_header(self) -> None:
        """The header's names read from their start, cut at their end ("device_statem...", centred they had lost
        both ends: "evice_statement"), whole with what the column holds on hover; a click sorts by the column."""
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setTextElideMode(Qt.TextElideMode.ElideRight)
        header.setSectionsClickable(True)
        header.sectionClicked.connect(self._sort_by)
        self._sort: tuple[str, Qt.SortOrder] | None = None      # (column, order) the rows are sorted by

    def _set_headers(self) -> None:
        """The header cells of ``columns``, each with what its column holds (``cells.column_tip``) on hover."""
        from mirage_model.review.batch.cells import column_tip   # loaded by the batch that made the rows

        self.table.setColumnCount(len(self.columns))
        self.table.setHorizontalHeaderLabels(self.columns)
        for c, key in enumerate(self.columns):
            self.table.horizontalHeaderItem(c).setToolTip(f"{column_tip(key)}\nclick to sort by it; again to reverse")

    def _sort_key(self, row: dict) -> tuple:
        """A result row's place in the table: by the column sorted on (its empty cells last either way), else
        and among equals its record's path in the folder dock's order."""
        natural = _row_key(row)
        if self._sort is None:
            return natural
        key, order = self._sort
        value = _sort_value(row, key)
        if value is None:
            return (1, 0, natural)
        return (0, _Reversed(value) if order == Qt.SortOrder.DescendingOrder else value, natural)

    def _sort_by(self, c: int) -> None:
        """Sort the rows by column ``c``: ascending, descending when it is sorted ascending already. ``rows``
        stays in the table's order, so a row double-clicked opens the record it shows; the selected record
        stays selected."""
        if not 0 <= c < len(self.columns):
            return
        key = self.columns[c]
        order = Qt.SortOrder.DescendingOrder if self._sort == (key, Qt.SortOrder.AscendingOrder) \
            else Qt.SortOrder.AscendingOrder
        self._sort = (key, order)
        self.table.horizontalHeader().setSortIndicatorShown(True)
        self.table.horizontalHeader().setSortIndicator(c, order)
        current = self.rows[self.table.currentRow()] if 0 <= self.table.currentRow() < len(self.rows) else None
        keyed = sorted(((self._sort_key(row), i) for i, row in enumerate(self.rows)), key=lambda k: k[0])
        self.rows = [self.rows[i] for _, i in keyed]
        self._row_keys = [k for k, _ in keyed]
        self.table.setRowCount(0)
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            self._fill_row(r, row)
            if row.get("error"):
                self._fit_row(r)
        if current is not None:
            self.table.setCurrentCell(next(r for r, row in enumerate(self.rows) if row is current),
                                      max(0, self.table.currentColumn()))

    def _fit_names(self, row: dict) -> None:
        """The name columns as wide as ``row``'s names too, up to a third of the table's width."""
        fm = self.table.fontMetrics()
        room = max(self.table.horizontalHeader().defaultSectionSize(), self.table.viewport().width() // 3)
        for key in NAME_COLUMNS:
            if key in self.columns and row.get(key):
                c = self.columns.index(key)
                need = fm.horizontalAdvance(_fmt(row.get(key))) + 2 * fm.averageCharWidth()
                self._name_widths[key] = max(need, self._name_widths.get(key, 0))
                need = min(room, need)
                if need > self.table.columnWidth(c):
                    self.table.setColumnWidth(c, need)
                    self._fit_error_column()        # the error column, right of it, kept within the table

    def _fit_error(self, r: int, message: str) -> None:
        """The error column as wide as its widest message, up to half the table's width (100 px cut "bad.dat:
        signal file is truncated (...)" to "bad.dat: signal file is ..."), and row ``r`` as tall as its wrapped
        message, up to ``ERROR_LINES`` lines."""
        fm = self.table.fontMetrics()
        widest = fm.horizontalAdvance(message) + 2 * fm.averageCharWidth()     # the cell's margins
        if widest > self._error_width:
            self._error_width = widest
            self._fit_error_column(skip=r)
        self._fit_row(r)

    def _fit_error_column(self, skip: int = -1) -> None:
        """The error column ``min(widest message, half the table)`` wide (the header's default at least), and
        the failed rows but ``skip`` as tall as their messages wrap at that width."""
        if not self._error_width or "error" not in self.columns:
            return
        c = self.columns.index("error")
        # half the table, and no further than its right edge: after the five columns left of it (id, patient, date,
        # path, status) half of a 1000 px dialog's table had ended 8-40 px past it, the message cut there
        header = self.table.horizontalHeader()
        self._names_give_way(c, max(header.defaultSectionSize(),
                                    min(self._error_width, self.table.viewport().width() // 2)))
        room = max(header.defaultSectionSize(),
                   min(self.table.viewport().width() // 2, self.table.viewport().width() - header.sectionPosition(c)))
        width = max(self.table.horizontalHeader().defaultSectionSize(), min(self._error_width, room))
        if width != self.table.columnWidth(c):
            self.table.setColumnWidth(c, width)
            for i, other in enumerate(self.rows):      # their wrapped lines change with the width
                if other.get("error") and i != skip:
                    self._fit_row(i)

    def _names_give_way(self, c: int, want: int) -> None:
        """The name columns left of column ``c`` narrowed (the widest first, none below a sixth of the table or the
        header's default) until ``c``, ``want`` px wide, ends within the table: a third of the table each, two long
        names (a 200-character file name, a Welch Allyn export's under a sub-folder) had put the error column past
        its right edge, every failed row's message out of view; the message wraps in more lines rather than the
        names shrinking to "cinc/...". A name is cut in the middle, whole on hover."""
        header = self.table.horizontalHeader()
        least = max(header.defaultSectionSize(), self.table.viewport().width() // 6)
        excess = header.sectionPosition(c) + want - self.table.viewport().width()
        names = [self.columns.index(k) for k in NAME_COLUMNS if k in self.columns and self.columns.index(k) < c]
        while excess > 0:
            top = max((self.table.columnWidth(n) for n in names), default=0)
            widest = [n for n in names if self.table.columnWidth(n) == top]
            # the widest, alike, down to the next widest name (or the default), at most by what is still in excess
            floor = max([least] + [self.table.columnWidth(n) for n in names
                                                         if self.table.columnWidth(n) < top])
            cut = min(-(-excess // len(widest)) if widest else 0, top - floor)
            if cut <= 0:
                return
            for n in widest:
                self.table.setColumnWidth(n, top - cut)
            excess -= cut * len(widest)

    def _widen_names(self) -> None:
        """The name columns as wide as their widest name again, up to a third of the table (a dialog made wider
        after they gave way to the error column had kept them narrow)."""
        room = max(self.table.horizontalHeader().defaultSectionSize(), self.table.viewport().width() // 3)
        for key, widest in self._name_widths.items():
            if key in self.columns and min(room, widest) > self.table.columnWidth(self.columns.index(key)):
                self.table.setColumnWidth(self.columns.index(key), min(room, widest))

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self._viewport:
            self._widen_names()
            self._fit_error_column()
        return super().eventFilter(watched, event)

    def _fit_row(self, r: int) -> None:
        """Row ``r`` as tall as its message wrapped at the error column's width (4 px margins each side), a line's
        height at least and ``ERROR_LINES`` lines at most. Sized by all its cells, the model's name wrapped in its
        narrow column had made "the file is empty" a row four lines tall."""
        item = self.table.item(r, self.columns.index("error")) if "error" in self.columns else None
        if item is None:
            return
        fm = self.table.fontMetrics()
        box = QRect(0, 0, max(1, self.table.columnWidth(self.columns.index("error")) - 8), 10_000)
        wrapped = fm.boundingRect(box, Qt.TextFlag.TextWordWrap, item.text()).height()
        most = fm.lineSpacing() * ERROR_LINES + 8
        self.table.setRowHeight(r, min(most, max(self.table.verticalHeader().defaultSectionSize(), wrapped + 6)))

    def _show_message(self, r: int) -> None:
        """Under the table, the whole message of result row ``r`` (none: hidden), coloured as its error cell."""
        row = self.rows[r] if 0 <= r < len(self.rows) else {}
        message = _row_message(row)
        self.message.setText(message)
        self.message.setVisible(bool(message))
        if message:
            from mirage_model.review.batch.rows import NOT_ECG   # loaded by the batch that made the row

            colour = NOT_ECG_COLOUR if row.get("status") == NOT_ECG else FAILED_COLOUR
            self.message.setStyleSheet(f"color: {colour.name()}")

    def _fill_row(self, r: int, row: dict) -> None:
        from mirage_model.review.batch.rows import NOT_ECG, withheld_words   # loaded by the batch that made the row
        fm = self.table.fontMetrics()
        for c, key in enumerate(self.columns):
            item = QTableWidgetItem(_fmt(row.get(key), key, row))
            if key == "ecg_key" and len(str(row.get(key) or "")) > KEY_SHOWN:
                # 40 hex digits had filled the column, cut at its end: its start tells the rows of one ECG apart
                item.setText(f"{str(row.get(key))[:KEY_SHOWN]}\u2026")
                item.setToolTip(f"{row.get(key)}\nthe ECG's identity, whole in the output: the rows of one ECG share "
                                "it (same_ecg_as names the first)")
            if key == "error" and row.get(key):
                # a file that is no ECG is told, not a failure: grey, not red
                item.setForeground(NOT_ECG_COLOUR if row.get("status") == NOT_ECG else FAILED_COLOUR)
                item.setToolTip(_row_message(row))
            if key == "positive":       # an empty cell read as a clean record: the calls the gate withheld, and why
                held, why = withheld_words(row)
                if held:
                    item.setText(held)
                    item.setToolTip(why)
            if key == "status" and str(row.get("record_path")) in self._kept:
                item.setText(KEPT_STATUS)
                item.setToolTip(KEPT_TIP)
            if key in SERIAL_TIPS and row.get(key):      # a comparison's words run long: whole on hover
                item.setToolTip(str(row.get(key)))
            elif not item.toolTip() and fm.horizontalAdvance(item.text()) > self.table.columnWidth(c):
                item.setToolTip(item.text())     # cut by its column ("Sinus rhythm, 83 bpm; ..."): whole on hover
            if key == "record_id" and "labs row differs" in str(row.get("notes") or ""):
                # its labs row may be another patient's: the id says so at a glance, the tip in words
                item.setForeground(LABS_DIFFER_COLOUR)
                item.setToolTip(str(row.get("notes")))
            self.table.setItem(r, c, item)

    def _show_serial(self, cells: dict) -> None:
        """The serial comparison's columns (``SerialCounts.cells``: record_path -> its columns) in the rows shown;
        a row the run did not compare keeps what it has (a resumed run's kept row: its output's)."""
        from mirage_model.review.batch.rows import SERIAL_COLUMNS   # loaded by the batch that made the rows

        for row in self.rows:
            row.update(cells.get(str(row.get("record_path")), {}))
        new = [c for c in SERIAL_COLUMNS if c not in self.columns]
        if self.rows and new:
            self.columns += new
            self._set_headers()
        for r, row in enumerate(self.rows):
            self._fill_row(r, row)

    def _show_kept(self, rows: list) -> None:
        """The rows a resumed run keeps from its output (``jobs.KeptRows``), in their places and marked kept, when
        the run starts: the table had shown this run's rows alone until its end ("0 / 213 records" over an empty
        table, the earlier run's rows nowhere)."""
        for row in rows:
            self._kept.add(str(row.get("record_path")))
            self._add_row(_typed(row))

    def _show_output(self, out: Path) -> None:
        """The table as the output file holds it, after a resumed run: the rows it kept (scored
        before, shown from its start, ``_show_kept``) as the file has them now with this run's, in the folder dock's
        order."""
        from mirage_model.review.batch import BatchError, read_rows   # loaded by the batch that wrote it

        try:
            _cols, rows = read_rows(out)
        except BatchError as err:
            self.status.setToolTip(str(err))
            return
        fresh = {str(r.get("record_path")): r for r in self.rows if str(r.get("record_path")) not in self._kept}
        self.rows, self._row_keys, self.columns = [], [], []
        self._labs_header = []            # counted again over the file's rows (kept ones too)
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        for row in rows:
            shown = fresh.get(str(row.get("record_path")))
            if shown is not None:
                # the copy a row names as the file has it: a kept row of the same ECG below this run's row named
                # anew once the run had sent it (``pipeline.OutputCopies``)
                shown["same_ecg_as"] = row.get("same_ecg_as")
            self._add_row(shown or _typed(row))

    def record_path(self, r: int) -> Path | None:
        """The record of result row ``r`` (rows name it relative to the scored folder)."""
        if not 0 <= r < len(self.rows):
            return None
        text = self.rows[r].get("record_path") or self.rows[r].get("path") or ""
        if not text:
            return None
        path = Path(text)
        return path if path.is_absolute() else self.scored_folder / path

    @property
    def scored_folder(self) -> Path:
        """The folder the last run was started on (its rows name their records relative to it); before any
        run, the folder box's."""
        return self._folder if self._folder is not None else Path(self.folder.text())

    def record_values(self, r: int) -> dict:
        """The labs-table values the batch scored result row ``r``'s record with ({} without a table)."""
        path = self.record_path(r)
        if path is None or self.labs_lookup is None:
            return {}
        return self.labs_lookup.values(path)

    def _double_clicked(self, r: int, _c: int) -> None:
        path = self.record_path(r)
        if path is not None:
            self.openRecord.emit(str(path), self.record_values(r))
