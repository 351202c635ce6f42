"""The folder browser: a folder's records with id, age, sex, rate and duration, listed at once
and filled in by a worker."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHeaderView, QLabel, QProgressBar, QStyledItemDelegate, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from app import jobs, workers
from mirage_model import formats
from mirage_model.csvsafe import printable
from mirage_model.records.age import shown_age
from mirage_model.records.folder import natural_key, unreadable_line
from mirage_model.review.file_info import length_read

# a row whose file could not be read: the batch table's red, 7.4:1 on the table's white (Qt's red had been
# 4.0:1, under WCAG 2.1's 4.5:1)
UNREADABLE_COLOUR = QColor("#b00000")
# an item drawn to the view's right edge at most, elided there (``EdgeElideDelegate``)
ELIDE_AT_EDGE_ROLE = Qt.ItemDataRole.UserRole + 1


class EdgeElideDelegate(QStyledItemDelegate):
    """Draws an item marked ``ELIDE_AT_EDGE_ROLE`` to the view's right edge at most, so that the view's
    elide mode ends it there with "...". The "unreadable: ..." line spans the row past that edge, wider
    than its text: Qt's eliding saw room for all of it, and the default dock showed "unreadab", cut with no
    mark (its whole text is on hover)."""

    def initStyleOption(self, option, index) -> None:
        super().initStyleOption(option, index)
        view = self.parent()
        if not index.data(ELIDE_AT_EDGE_ROLE) or view is None:
            return
        right = view.viewport().rect().right()
        if option.rect.right() > right > option.rect.left():
            option.rect.setRight(right)


class FolderBrowser(QWidget):
    """Records of a folder with id, age, sex, rate and duration, filled in lazily by a worker."""

    openRecord = Signal(str)

    # short headers (the full name on hover): the dock is ~260 px wide in a 1024 px window, and
    # the patient's age and sex must be readable there without scrolling; the diagnoses follow them,
    # starting in view (after the rate and length they began at the dock's right edge, 1280 and 1024 px
    # windows alike: seen only by scrolling), the rate and length, alike in most folders, last
    COLUMNS = ("Record", "Age", "Sex", "Dx / status", "Hz", "s")
    TIPS = ("Record name", "Age (years; under 2 years in months, weeks or days)", "Sex",
            "Diagnoses in the file (their codes on hover), or why it could not be read", "Sampling rate (Hz)",
            "Length (s)")
    NARROW = (1, 2, 4, 5)        # columns as wide as their contents
    PATIENT = (1, 2)             # age and sex: kept in view beside the record name
    RECORD_MIN_PX = 60           # the record name is elided to no less than this
    DX = 3                       # the diagnoses: one line, elided, all of them on hover
    DX_CHARS = 40                # the Dx column is as wide as its text up to this many characters (it scrolls)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.folder_label = QLabel("No folder")
        self.folder_label.setWordWrap(True)
        self.table = QTableWidget(0, len(self.COLUMNS))
        for c, (name, tip) in enumerate(zip(self.COLUMNS, self.TIPS)):
            head = QTableWidgetItem(name)
            head.setToolTip(tip)
            if c == self.DX:      # at its start, in view: centred in its 40 characters it was past the dock's edge
                head.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            self.table.setHorizontalHeaderItem(c, head)
        header = self.table.horizontalHeader()
        for c in self.NARROW:
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        # one line a row: a wrapped cell showed "Rhyth" over "brady" in a 260 px dock; now elided
        # ("Rhythm: Sinus brady..."), the whole on hover
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setItemDelegate(EdgeElideDelegate(self.table))
        self.table.setHorizontalScrollMode(QTableWidget.ScrollMode.ScrollPerPixel)
        self.table.viewport().installEventFilter(self)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        # one record is open at a time: Ctrl+PgDown (Ctrl held) must not extend the selection
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        # a list of records, not a grid to edit: Up/Down choose the record, Enter opens it, and Tab
        # leaves the list (Qt's default walked Tab through every cell and never out of the table)
        self.table.setTabKeyNavigation(False)
        self.table.cellDoubleClicked.connect(self._open_row)
        self.table.cellActivated.connect(self._open_row)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.folder_label)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.progress)
        self.paths: list[Path] = []
        self.folder: Path | None = None
        self._rows: dict[str, int] | None = None    # path -> row, built on the first step
        self._shared: set[str] = set()              # ``record_key`` of stems two listed files share
        self._also: dict[Path, list[Path]] = {}     # a listed record's other names in the folder (links to it)
        self.worker: workers.Worker | None = None
        self._open: Path | None = None              # the record on screen (``show_open``): its row highlighted

    def set_folder(self, folder: str | Path) -> workers.Worker:
        """List the folder's records now and load their details in a worker (cancels a previous one)."""
        if self.worker is not None:
            self.worker.cancel()
        self.folder_label.setText(printable(folder))
        self.folder_label.setToolTip("")
        self.table.setRowCount(0)
        self.table.clearSpans()
        self.paths = []
        self._also = {}
        self.folder = Path(folder)
        self._rows = None
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.worker = workers.Worker(_folder_job, folder, name="folder", disposable=True)
        self.worker.signals.progress.connect(self._progress)
        self.worker.signals.error.connect(self._error)
        self.worker.signals.finished.connect(self._finished)
        return self.worker.start()

    def _progress(self, done: int, total: int, payload) -> None:
        kind, data = payload
        if kind == "paths":
            self.paths = list(data)
            self._rows = None
            # records of one stem in one folder (3.hea, 3.xml, 3.dcm): each row names its file, or
            # the three read "3" alike
            counts = Counter(formats.record_key(p) for p in self.paths)
            self._shared = {k for k, n in counts.items() if n > 1}
            self.table.setRowCount(len(self.paths))
            for r, path in enumerate(self.paths):
                item = QTableWidgetItem(self._name(path))
                item.setToolTip(self._tip(path))
                self.table.setItem(r, 0, item)
                self.table.setItem(r, self.DX, QTableWidgetItem("loading..."))
            self.progress.setRange(0, max(1, len(self.paths)))
            if self._open is not None:     # a folder opened after its record: that row, where Ctrl+PgDown goes on
                self.show_open(self._open)
            if not self.paths:
                self.folder_label.setText(f"{self.folder_label.text()}: no ECG records found")
            return
        if kind == "same_file":       # one file under several names (a link beside it): one row, the names on hover
            self._also = {}
            for other, kept in data:
                self._also.setdefault(Path(kept), []).append(Path(other))
            for r, path in enumerate(self.paths):
                if path in self._also and self.table.item(r, 0) is not None:
                    self.table.item(r, 0).setToolTip(self._tip(path))
            return
        if kind == "passed_over":     # files with an ECG extension that are no ECG: told, not listed
            names = [printable(Path(p).name) for p in data]
            self.folder_label.setText(
                f"{self.folder_label.text()} ({len(names)} file(s) here are no ECG MIRAGE reads, not listed: "
                + ", ".join(names[:3]) + (", ..." if len(names) > 3 else "") + ")")
            self.folder_label.setToolTip("\n".join(printable(p) for p in data))
            return
        if kind == "unreadable":      # folders the search could not list: told, not a dialog each
            self.folder_label.setText(f"{self.folder_label.text()} ({unreadable_line(data)})")
            tip = self.folder_label.toolTip()
            self.folder_label.setToolTip((tip + "\n" if tip else "") + unreadable_line(data, limit=len(data)))
            return
        index, info = data
        self.progress.setValue(done)
        self._fill_row(index, info)

    def show_row(self, path, info: dict) -> None:
        """The row of the record at ``path`` (none where it is not listed) says ``info`` (``jobs.record_info``):
        that record as it was read when opened. A file rewritten in place since the folder was listed (a corrected
        re-export under the same name) had kept the listing's age, sex and diagnoses beside the new record."""
        r = self.row_of(path) if self.paths else -1
        if r >= 0:
            self._fill_row(r, info)

    def _fill_row(self, index: int, info) -> None:
        """Row ``index`` says ``info``: the record's id, age, sex, diagnoses, rate and length, or why it could not be
        read (a str)."""
        done = self.progress.value()
        if isinstance(info, str):
            # the row names the record: the message drops the folder's path and runs from the age
            # column on, so a narrow dock shows why (it showed "unr" of "unreadable: /path/...")
            prefix = str(self.folder) + os.sep if self.folder is not None else None
            shown = info[len(prefix):] if prefix and info.startswith(prefix) else info
            item = QTableWidgetItem(f"unreadable: {shown}")
            item.setForeground(UNREADABLE_COLOUR)
            item.setToolTip(info)
            item.setData(ELIDE_AT_EDGE_ROLE, True)      # "unreadable: 12..." at the dock's edge, not "unreadab"
            # no width of its own: the age and sex columns fit their values, not this line
            item.setData(Qt.ItemDataRole.SizeHintRole, QSize(0, 0))
            self.table.setItem(index, 1, item)
            self.table.setSpan(index, 1, 1, len(self.COLUMNS) - 1)
            return
        if self.table.columnSpan(index, 1) > 1:        # an unreadable row read since: its cells again
            self.table.setSpan(index, 1, 1, 1)
        age = info.get("age")
        values = (info["record_id"], shown_age(age, info), info.get("sex") or "",   # "43", "3 months", "≥90"
                  ", ".join(list(map(str, info.get("dx") or ()))[:4]), f"{info['fs']:g}", f"{info['duration_s']:.1f}")
        if info.get("recording_s") or info.get("cut_short"):    # a Holter read in part, a file cut short: said so
            values = values[:-1] + (length_read(info["duration_s"], info.get("recording_s"), info.get("cut_short")),)
        if index < len(self.paths) and formats.record_key(self.paths[index]) in self._shared:
            values = (self._name(self.paths[index]),) + values[1:]
        for c, text in enumerate(values):
            item = QTableWidgetItem(text)
            if c == 0 and index < len(self.paths):
                item.setToolTip(self._tip(self.paths[index]))
            if c == self.DX and info.get("dx"):     # every diagnosis with its code, the cell shows four by name
                item.setToolTip("\n".join(map(str, info.get("dx_coded") or info["dx"])))
            self.table.setItem(index, c, item)
        if index < 100 or done >= len(self.paths):     # the rows in view, and once at the end
            self.fit_columns()

    def _tip(self, path) -> str:
        """Column 0's tooltip: ``path``, then the other names the folder holds it under, listed once
        (``inputs.same_files``, as a batch scores it once)."""
        also = self._also.get(Path(path))
        if not also:
            return printable(path)
        base = self.folder if self.folder is not None else Path(path).parent
        names = [printable(os.path.relpath(p, base)) for p in also]
        return f"{printable(path)}\nalso in this folder as (the same file, listed once): {', '.join(names)}"

    def _name(self, path) -> str:
        """Column 0 of ``path``'s row: its file name when another listed file of the folder has its
        stem, else the stem (replaced by the record's id once read); a byte that is not UTF-8 as ``\\xNN``."""
        return printable(Path(path).name if formats.record_key(path) in self._shared else Path(path).stem)

    def sizeHint(self) -> QSize:
        """The dock's width as it opens: the record, age and sex columns at their usual widths and the
        start of the Dx column (the rest of it, the rate and the length scroll), not Qt's default 100 px
        a column: in a 1024 px window the measurement and result panels need the rest."""
        hint = super().sizeHint()
        fm = self.table.fontMetrics()
        # the Dx column's start in the room the rate and length took before it (the dock's width unchanged:
        # the 1024 px window's panels keep theirs)
        columns = sum(fm.horizontalAdvance(t) + 10 for t in ("00000_lr", "Age", "Sex", "1000", "10.0"))
        scroll = self.table.verticalScrollBar().sizeHint().width()
        return QSize(columns + scroll + 2 * self.table.frameWidth() + 4, hint.height())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self.fit_columns()
        return False

    def fit_columns(self) -> None:
        """The record name as wide as its longest name in view, but never so wide that age and
        sex leave the view: the record column gives way (its names elided, the full name on
        hover) before they do. The Dx / status column follows, starting in view, as wide as its text
        (up to DX_CHARS) and scrolled to for the rest in a narrow dock; then the rate and length,
        the last column taking what is left when the dock is wide."""
        header = self.table.horizontalHeader()
        want = max(self.table.sizeHintForColumn(0), header.sectionSizeHint(0))
        room = self.table.viewport().width() - sum(header.sectionSize(c) for c in self.PATIENT)
        self.table.setColumnWidth(0, max(self.RECORD_MIN_PX, min(want, room)))
        # stretched into what was left of the view it read "Rhyth"; as wide as its text it is one line
        dx = min(self.table.sizeHintForColumn(self.DX), self.table.fontMetrics().horizontalAdvance("x" * self.DX_CHARS))
        self.table.setColumnWidth(self.DX, max(dx, header.sectionSizeHint(self.DX)))

    def _error(self, message: str) -> None:
        self.folder_label.setText(f"{self.folder_label.text()}: {message}")

    def _finished(self) -> None:
        self.progress.setVisible(False)
        self.worker = None

    def _open_row(self, r: int, _c: int = 0) -> None:
        if 0 <= r < len(self.paths):
            self.openRecord.emit(str(self.paths[r]))

    def step(self, current: Path | None, delta: int) -> bool:
        """Open the record ``delta`` rows from ``current`` (the next / previous one); False at an end."""
        if not self.paths:
            return False
        i = self.row_of(current) if current else -1
        j = i + delta if i >= 0 else (0 if delta > 0 else len(self.paths) - 1)
        if not 0 <= j < len(self.paths):
            return False
        self.table.selectRow(j)
        self._open_row(j)
        return True

    def show_open(self, path) -> None:
        """Highlight the row of the record now open, and none when it is not listed here (opened
        from a file, a recent entry or the batch table): a highlighted row names the patient on
        screen (its id, age and sex), never the one before."""
        self._open = Path(path)
        r = self.row_of(path) if self.paths else -1
        if r >= 0:
            self.table.selectRow(r)
        else:
            self.table.clearSelection()

    def row_of(self, path) -> int:
        """The row of ``path`` (-1: not listed), by the path as listed, else by where it resolves
        to under the folder. One lookup, not one ``resolve`` per listed path (a folder of 21,799
        records took 1.3 s on the GUI thread per Ctrl+PgDown)."""
        if self._rows is None:
            self._rows = {str(p): r for r, p in enumerate(self.paths)}
        path = Path(path)
        if str(path) in self._rows:
            return self._rows[str(path)]
        if self.folder is None:
            return -1
        try:
            rel = path.resolve().relative_to(self.folder.resolve())
        except (OSError, ValueError):
            return -1
        return self._rows.get(str(self.folder / rel), -1)


def _folder_job(ctx, folder):
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a folder")
    from mirage_model.review.batch.inputs import same_files

    passed_over: list[Path] = []
    unreadable: list[tuple[str, str]] = []
    links: list[Path] = []
    files = list(formats.listed_files(folder, ctx.check, unreadable, file_links=links))    # cancellable
    paths = sorted(formats.find_ecg_files(folder, passed_over, files=files), key=natural_key)
    # one file under several names (copy.hea -> 1.hea, a linked copy of the records): one row, as a batch
    # scores it once; the other names are told on hover
    same = same_files(paths, links)
    paths = [p for p in paths if p not in same]
    ctx.progress(0, len(paths), ("paths", paths))
    if same:
        ctx.progress(0, len(paths), ("same_file", sorted(same.items(), key=lambda pair: natural_key(pair[0]))))
    if passed_over:
        ctx.progress(0, len(paths), ("passed_over", sorted(passed_over, key=natural_key)))
    if unreadable:
        ctx.progress(0, len(paths), ("unreadable", unreadable))

    class _Relay:  # header_job reports (index, info); tag it for the browser
        def progress(self, done, total, payload):
            ctx.progress(done, total, ("info", payload))

        def check(self):
            ctx.check()

    return jobs.header_job(_Relay(), paths)

