""""Batch score folder..." dialog: a face over ``mirage_model.review.batch.score_folder`` in a worker.

Folder, output CSV, optional PDF folder and labs table, device; a progress bar, cancel, and a table
of results as they arrive. What the run tells besides its rows (a killed run's lock taken over,
when it happens; the labs-table rows that fit no record, what reading the table warned of (units
assumed, censored values read as their limit) and its refused rows, when the run starts; the
records whose labs row differs from their ECG header in age or sex, as their rows arrive) stays in
lines of notes under the progress, each with its details in the notes' tooltip; such a record's
id is orange, its note in the id's tooltip. A failed file's message is read without hovering: the error column
widens to it (up to half the table and never past its right edge, fitted again when the dialog is resized; the row
as tall as its wrapped words, up to ``ERROR_LINES`` lines), and the selected row's whole message shows under the
table. A run that would replace the rows an earlier run wrote in its output CSV, or the PDFs it wrote in its PDF
folder, asks first (Replace / Cancel, ``batch_questions``), as ``mirage score`` refuses one without --overwrite; an
output that is no batch output (a record's signal file, the labs table) is never written; a resumed run
skips its finished records and their PDFs, and is asked only about PDFs of the records its output
has no finished row of (another run's), as ``mirage score --resume``. Double-clicking a row opens that
record in the main window, with the labs-table values the batch scored it with
(``batch.LabsLookup``), so that the window's probabilities are the row's. "Compare each record with the patient's
earlier ECG in the folder" (off by default) is ``mirage score --compare-prior``: the same serial columns, filled
in the table once every record is scored (the comparison is made then), its words whole on hover.

The dialog's parts, one job each: this module (the form, cancelling and closing a run, its progress),
``batch_start`` (what Start does: the questions asked first, the folder listed, the run started), ``batch_table``
(the table of results), ``batch_notes`` (the notes under the progress) and ``batch_outcome`` (what a finished run
says). The names tests and the window import from here are here as before.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QSize, QStandardPaths, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QMessageBox,
    QProgressBar, QPushButton, QTableWidget, QVBoxLayout, QWidget,
)

from app import jobs, workers
from app.dialogs.batch_jobs import LabsMatched
from app.dialogs.batch_notes import BatchNotes
from app.dialogs.batch_outcome import BatchOutcome
from app.dialogs.batch_paths import default_output
from app.dialogs.batch_start import BatchStart
from app.dialogs.batch_table import (ERROR_LINES, FAILED_COLOUR, LABS_DIFFER_COLOUR, NOT_ECG_COLOUR,
                                     BatchResultsTable, NamesElidedInTheMiddle)
from app.dialogs.form_rows import add_row
from app.views.dialog_focus import dialog_of
from app.views.placeholder import set_placeholder
from app.settings import DEVICES
from app.views.focus_ring import FocusRing
from app.views.screen_room import resize_within_screen
from mirage_model.review.batch.pipeline import CHUNK_SIZE, FIRST_CHUNK
from mirage_model.review.batch.time_left import TimeLeft, left_words, no_work

# the batch checks its cancel flag before each record and each forward pass (``Scorer.predict``): what is
# being scored now is finished and written, the rest is left to a resumed run
CANCELLING = "Cancelling: the record being scored now is finished and written first"

__all__ = ["CANCELLING", "ERROR_LINES", "FAILED_COLOUR", "LABS_DIFFER_COLOUR", "NOT_ECG_COLOUR", "BatchDialog"]


class BatchDialog(BatchStart, BatchResultsTable, BatchNotes, BatchOutcome, QDialog):
    """Non-modal batch scoring. ``openRecord(path, values)`` when a result row is double-clicked:
    ``values`` are the labs-table values the batch scored that record with ({name: (value, unit)};
    empty without a labs table). ``folderStarted(folder)`` when a run is started on a folder (the app
    remembers it: ``Settings.batch_folder``)."""

    openRecord = Signal(str, object)
    folderStarted = Signal(str)

    def __init__(self, parent: QWidget | None = None, predictor=None, model_path: str = "", device: str = "auto",
                 folder: str = "", statements: str = "auto"):
        super().__init__(parent)
        self.setWindowTitle("Batch score folder")
        self.focus_ring = FocusRing(self)         # the focused control outlined, as in the main window
        # 1000 x 900 within 90 % of the screen's free area (a title bar above it): at 1280x800 under a 1.5 scale
        # factor (853 x 533 logical px) a fixed 900 x 560 had opened past the screen's edge, and on the 1280x800
        # screen itself its 560 px left the results table three rows below a run's end line, notes and message
        resize_within_screen(self, parent, QSize(1000, 900))
        # where a folder inside MIRAGE's resources (the bundled samples) writes its results (``default_output``)
        self._documents = (QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
                           or str(Path.home()))
        self.predictor = predictor
        self.model_path = model_path
        self.statements = statements or "auto"
        self.worker: workers.Worker | None = None
        self._folder: Path | None = None    # the folder a run was started on (``scored_folder``)
        self.rows: list[dict] = []        # as the table shows them
        self._row_keys: list[tuple] = []  # their places (``_row_key``)
        self._kept: set[str] = set()      # record_paths of the rows a resumed run kept (not scored again)
        self.summary = None
        self.labs_lookup = None         # batch.LabsLookup of the run, when it had a labs table
        self.columns: list[str] = []
        self._notes: list[str] = []       # the lines of ``self.notes``
        self._tips: dict[str, str] = {}   # a line of the notes -> its details (the notes' tooltip)
        self._labs_header: list[tuple[str, str]] = []    # (record path, note): labs row differs from header
        self._labs_header_line = ""       # the notes' line that counts them
        self._labs_name = ""              # the file name of the run's labs table (as started)
        self._pdf_dir = None              # the run's PDF folder (as started), None without one
        self._replacing: list = []        # the earlier PDFs the run was told to replace (Replace), as listed
        self._handled = (0, 0)            # (records handled, records this run scores): its last progress
        self._rate_from = None            # the run's time left (``time_left.TimeLeft``): see _time_left

        self.folder = QLineEdit(folder)
        set_placeholder(self.folder, "the folder of ECG records to score")
        self.output = QLineEdit(default_output(folder, self._documents))
        # the output follows the folder (FOLDER/scores.csv) until the user types or browses one:
        # a folder chosen after the dialog opened must not write over the previous folder's CSV
        self._output_follows = True
        # in the folder, where its records are, rather than beside it (a dataset's parent folder, a drive's
        # root may not be writable): a later run of the folder tells the results and PDFs MIRAGE wrote
        # there from its records (``batch.own_files``), so they are neither scored nor counted as not read
        self.output.setToolTip("By default scores.csv in the scored folder, the same file for every run of it: "
                               "Start asks before replacing its rows, Resume keeps them. The results CSVs and PDF "
                               "reports MIRAGE wrote in the folder are never scored as records; the end line "
                               "counts them apart. For a folder of MIRAGE's own bundled samples, "
                               f"{Path(self._documents) / 'mirage_results'}: nothing is written inside the "
                               "program's installed files. Where the system writes decimal commas (German, "
                               "French, Dutch ... settings) the CSV has ';' between cells and decimal commas, as "
                               "Excel there opens it; a resumed output keeps its own.")
        self.folder.textChanged.connect(self._folder_changed)
        self.output.textEdited.connect(self._output_chosen)
        self.pdf_dir = QLineEdit()
        set_placeholder(self.pdf_dir, "optional: write one PDF report per record")
        self.labs = QLineEdit()
        set_placeholder(self.labs, "optional: CSV of clinical values per record_id")
        # the main window's open labs table until the user types, clears or browses one (``follow_labs``)
        self._labs_follows = True
        self.labs.textEdited.connect(lambda _text: setattr(self, "_labs_follows", False))
        self.device = QComboBox()
        self.device.addItems(DEVICES)
        self.device.setCurrentText(device)
        self.resume = QCheckBox("&Resume: keep the rows already in the output and skip those records")
        # mirage score --compare-prior: the serial columns, filled once every record is scored
        self.compare_prior = QCheckBox("Co&mpare each record with the patient's earlier ECG in the folder")
        self.compare_prior.setToolTip("Once every record is scored, each is compared with the same patient's "
                                      "latest earlier ECG of the folder (the patient ID, else name and birth date; "
                                      "by recording date): the columns prior_file, prior_date, serial_changes and "
                                      "serial_warnings, as mirage score --compare-prior writes them.")
        # mirage score --patient-names: the IDs alone otherwise, as a CSV that travels should carry them
        self.patient_names = QCheckBox("Patient &names in the output (else the patient IDs alone)")
        self.patient_names.setToolTip("A patient_name column beside patient_id and recorded, as mirage score "
                                      "--patient-names writes it. Off, the CSV names no one: it is shared and mailed.")
        form = QFormLayout()
        # a letter each (Alt+F ...), and each field and Browse button named: a screen reader had said
        # "edit" of the four fields and "Browse..." of the four buttons
        add_row(form, "&Folder", self._with_browse(self.folder, self._browse_folder, "the folder of records"),
                self.folder)
        add_row(form, "&Output CSV", self._with_browse(self.output, self._browse_output, "the output CSV"),
                self.output)
        add_row(form, "&PDF folder", self._with_browse(self.pdf_dir, self._browse_pdf, "the PDF folder"),
                self.pdf_dir)
        add_row(form, "&Labs table", self._with_browse(self.labs, self._browse_labs, "the labs table"), self.labs)
        add_row(form, "De&vice", self.device)
        form.addRow("", self.resume)
        form.addRow("", self.compare_prior)
        form.addRow("", self.patient_names)

        self.progress = QProgressBar()
        self.progress.setAccessibleName("Batch progress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        # what the run tells besides its rows and counts; kept while the status line counts on
        self.notes = QLabel("")
        self.notes.setWordWrap(True)
        self.notes.setTextFormat(Qt.TextFormat.PlainText)     # ids and paths are the table's and the disk's
        self.notes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notes.setVisible(False)
        self.start_btn = QPushButton("&Start")
        self.cancel_btn = QPushButton("&Cancel")
        self.cancel_btn.setEnabled(False)
        self.close_btn = QPushButton("Close")
        self.start_btn.clicked.connect(self.start)
        self.cancel_btn.clicked.connect(self.cancel)
        self.close_btn.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.start_btn)
        buttons.addWidget(self.cancel_btn)
        buttons.addWidget(self.close_btn)

        self.table = QTableWidget(0, 0)
        self.table.setAccessibleName("Batch results")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        # rows a line of text tall (the style's 30 px showed a third fewer); a failed row grows to its message
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.table.setItemDelegate(NamesElidedInTheMiddle(self))     # a record's name cut in the middle
        self._setup_header()
        self.table.setTabKeyNavigation(False)     # Up/Down choose a row, Enter opens it, Tab leaves the table
        # a double-click (or Enter) activates the row: both signals had been connected, and a double-click sent
        # the record to the window twice (its first reading cancelled, an unsigned over-read's question asked twice)
        self.table.cellActivated.connect(self._double_clicked)
        self.table.setToolTip("double-click a row (or Enter) to open the record")
        self.table.currentCellChanged.connect(lambda r, *_: self._show_message(r))
        self._error_width = 0             # the widest error message's width in the table's font (px)
        self._name_widths: dict[str, int] = {}     # the widest name of each of NAME_COLUMNS (px), as _error_width
        # the error column's room is half the table: a resized dialog fits it again (sized only as rows came,
        # a dialog made wider kept the message cut short, and one made narrower pushed it out of view)
        self._viewport = self.table.viewport()
        self._viewport.installEventFilter(self)
        # the selected row's whole message (the error column cut it to "bad.dat: signal file is ..." at 100 px)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setAccessibleName("Message of the selected row")
        self.message.setVisible(False)

        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addLayout(buttons)
        lay.addWidget(self.status)
        lay.addWidget(self.notes)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.message)
        # Enter presses no button: a dialog's Enter went to its first button, Browse, so Enter on a
        # result row opened the record and a folder chooser over it (and Enter in a field did too)
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
            button.setDefault(False)

    def _with_browse(self, edit: QLineEdit, slot, what: str) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(edit, 1)
        button = QPushButton("Browse...")
        button.setAccessibleName(f"Browse for {what}")
        button.clicked.connect(slot)
        row.addWidget(button)
        return row

    def _folder_changed(self, text: str) -> None:
        if (self._output_follows or not self.output.text().strip()) and text.strip():
            self.output.setText(default_output(text, self._documents))
            self._output_follows = True

    def _output_chosen(self, text: str) -> None:
        self._output_follows = not text.strip()

    def _browse_folder(self) -> None:
        with dialog_of(self):
            folder = QFileDialog.getExistingDirectory(self, "Folder of records", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def _browse_output(self) -> None:
        # no "replace?" here: Start asks about an earlier run's rows, offering Resume (``_may_write``)
        with dialog_of(self):
            path, _ = QFileDialog.getSaveFileName(self, "Output CSV", self.output.text(), "CSV (*.csv)",
                                                  options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            self.output.setText(path)
            self._output_follows = False

    def _browse_pdf(self) -> None:
        with dialog_of(self):
            folder = QFileDialog.getExistingDirectory(self, "PDF folder", self.pdf_dir.text())
        if folder:
            self.pdf_dir.setText(folder)

    def _browse_labs(self) -> None:
        with dialog_of(self):
            path, _ = QFileDialog.getOpenFileName(self, "Labs table", self.labs.text(), "CSV (*.csv);;All files (*)")
        if path:
            self.labs.setText(path)
            self._labs_follows = False

    def follow_labs(self, path) -> None:
        """The Labs table the main window has open (``path``; None: none), the field's value until the user types,
        clears or browses one: a window started with ``--labs`` had its batch say the labs were masked."""
        if self._labs_follows:          # a run under way read its table when it started
            self.labs.setText(str(Path(path).absolute()) if path else "")

    # ------------------------------------------------------------------ running
    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.status.setText(CANCELLING)

    def _progress(self, done: int, total: int, row) -> None:
        if isinstance(row, LabsMatched):
            self.labs_lookup = row.lookup
            if row.unmatched:             # known before any record is scored: named now
                self._note_unmatched(row.unmatched, row.hint, row.examples)
            self._note_table(row.lookup)
            return
        if isinstance(row, jobs.BatchNotice):        # told when it happens, not at the end
            self._add_note(f"Note: {row}.")
            return
        if isinstance(row, jobs.KeptRows):          # a resumed run's kept rows: shown before its first new one
            self._show_kept(row)
            return
        # a resumed run counts the whole: its kept rows too ("312 / 340 records, 300 from the earlier run"); it had
        # said "12 / 40 records" where 300 of 340 were done, and the bar stood at 30 %
        kept = len(self._kept)
        self.progress.setRange(0, max(1, total + kept))
        self.progress.setValue(done + kept)
        self._handled = (done, total)
        if self._rate_from is None and total > 0:
            self._rate_from = TimeLeft(min(FIRST_CHUNK, total))
        if self._rate_from is not None:
            # a failed row is no scored work: counted, the 5 broken files of a 48-record folder made it jump
            self._rate_from.seen(done, time.monotonic(), self._rate_from.failed + no_work(row))
        cancelling = self.worker is not None and self.worker.is_cancelled
        left = self._time_left(done, total)
        whole = f"{done + kept} / {total + kept} records" + (f", {kept} from the earlier run" if kept else "")
        self.status.setText(f"{whole}{left}"
                            + (f"; {CANCELLING[0].lower()}{CANCELLING[1:]}" if cancelling
                               else "" if left else self._doing(done, total)))
        if isinstance(row, dict):
            self._add_row(row)

    def count_said(self) -> str:
        """The status line's count ("36 / 300 records"; resumed, "312 / 340 records, 300 from the earlier run"),
        without what follows it (the time left, what the run does), as the questions on closing name the run."""
        return self.status.text().split("; ")[0]

    def _doing(self, done: int, total: int) -> str:
        """What the run is doing while the count cannot move, before a time left can be said: the model's first pass
        on the first records, their PDFs (each row comes as its PDF is written), then a group of records scored in
        one pass whose rows come together. The dialog had sat at "4 / 48 records" with no word while the next 32 were
        read and scored (10 s here, minutes on a busy machine)."""
        if done >= total:
            return ""
        if done == 0:
            return "; reading the first records and starting the model..."
        if done < min(FIRST_CHUNK, total) and self._pdf_dir:
            return "; writing the first records' PDFs..."
        return (f"; scoring the next records, up to {min(CHUNK_SIZE, total - done)} together: the count moves "
                "when they are done...")

    def _time_left(self, done: int, total: int) -> str:
        """"; about 5 min left" at the rate since the first chunk came in, as ``mirage score``'s bar counts it (the
        wait for the first, the loader and the model's first pass, is no rate of the others); "" before a later
        record is in. The dialog had said "36 / 300 records" alone, for a run of 4 min on a busy machine."""
        left = self._rate_from.seconds(done, total, time.monotonic()) if self._rate_from is not None else None
        return "" if left is None else f"; {left_words(left)}"

    def _error(self, message: str) -> None:
        self.status.setText(f"Batch scoring stopped: {message}")

    def _idle(self) -> None:
        """The buttons and progress of a dialog that runs nothing."""
        self.start_btn.setEnabled(True)
        self.cancel_btn.setEnabled(False)
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)

    def _finished(self) -> None:
        cancelled = self.worker is not None and self.worker.is_cancelled
        self.worker = None
        self._idle()
        if cancelled and self.summary is None:
            ran = sum(str(row.get("record_path")) not in self._kept for row in self.rows)   # not the kept ones
            self.status.setText(f"Cancelled after {ran} records (rows written so far are kept).")

    def keyPressEvent(self, event) -> None:
        # Esc as the Close button: QDialog's Esc hid the dialog without a close, so a run went on unseen and
        # unasked (closed, it is asked about and stopped)
        if event.key() == Qt.Key.Key_Escape and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.close()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:
        running = self.worker is not None and not self.worker.is_cancelled
        # a person closing it mid-run is asked first (the main window's ask_before_quit: scripted runs
        # and tests are not); closed, the run stops after the current record, its rows so far kept
        if running and getattr(self.parent(), "ask_before_quit", False):
            with dialog_of(self):
                answer = QMessageBox.question(
                    self, "Batch scoring", f"Stop batch scoring now ({self.count_said()})?\n\nIt stops after "
                    "the current record; the rows written so far are kept.",
                    QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        if self.worker is not None:
            self.worker.cancel()
        super().closeEvent(event)
