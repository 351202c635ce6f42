""""Batch score folder..." dialog: a face over ``mirage_model.review.batch.score_folder`` in a worker.

Folder, output CSV, optional PDF folder and labs table, device; a progress bar, cancel, and a table
of results as they arrive. What the run tells besides its rows (a killed run's lock taken over,
when it happens; the labs-table rows that fit no record, what reading the table warned of (units
assumed, censored values read as their limit) and its refused rows, when the run starts; the
records whose labs row differs from their ECG header in age or sex, as their rows arrive) stays in
lines of notes under the progress, each with its details in the notes' tooltip; such a record's
id is orange, its note in the id's tooltip. A failed file's message is read without hovering: the error column
widens to it (up to half the table, fitted again when the dialog is resized; the row as tall as its wrapped words,
up to ``ERROR_LINES`` lines), and the selected row's whole message shows under the table. A run that would
replace the rows an earlier run wrote in its output CSV, or the PDFs it wrote in its PDF folder, asks first
(Replace / Cancel, ``batch_questions``), as ``mirage score`` refuses one without --overwrite; an output that is no
batch output (a record's signal file, the labs table) is never written; a resumed run
skips its finished records and their PDFs, and is asked only about PDFs of the records its output
has no finished row of (another run's), as ``mirage score --resume``. Double-clicking a row opens that
record in the main window, with the labs-table values the batch scored it with
(``batch.LabsLookup``), so that the window's probabilities are the row's. "Compare each record with the patient's
earlier ECG in the folder" (off by default) is ``mirage score --compare-prior``: the same serial columns, filled
in the table once every record is scored (the comparison is made then), its words whole on hover.
"""

from __future__ import annotations

from bisect import bisect_right
from pathlib import Path

from PySide6.QtCore import QEvent, QSize, QStandardPaths, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QMessageBox,
    QProgressBar, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from app import workers
from app.dialogs.batch_jobs import LabsMatched, ListedFolder, NothingToScore, batch_with_model_job, list_folder_job
from app.dialogs.batch_paths import default_output, refused_output
from app.dialogs.batch_questions import ask_replace_output, ask_replace_pdfs
from app.dialogs.form_rows import add_row
from app.views.placeholder import set_placeholder
from app.settings import DEVICES
from app.views.focus_ring import FocusRing
from mirage_model.clinical.labs import unmatched_rows_text
from mirage_model.records.folder import natural_key, unreadable_line
from mirage_model.words import counted

# Columns shown first when a row has them; the rest follow in the row's own order.
# record_path beside the id: an export names records alike in different sub-folders (siteA/ecg.hea,
# siteB/ecg.hea), and the path is what tells them apart
PREFERRED = ("record_id", "record_path", "status", "error", "positive")
HIDDEN = ("path", "notes")   # kept for double-click / the CSV, not shown as columns
# the serial comparison's columns whose words are read whole in a tooltip
SERIAL_TIPS = ("serial_changes", "serial_warnings")
# text colours in the table, each at least WCAG 2.1's 4.5:1 on its white (Qt's red, dark grey and dark
# yellow were 4.0, 3.9 and 4.2:1)
FAILED_COLOUR = QColor("#b00000")         # a record that could not be scored
NOT_ECG_COLOUR = QColor("#666666")        # a file that is no ECG: told, not a failure
LABS_DIFFER_COLOUR = QColor("#6b6b00")    # its labs row may be another patient's
# the batch checks its cancel flag before each record and each forward pass (``Scorer.predict``): what is
# being scored now is finished and written, the rest is left to a resumed run
CANCELLING = "Cancelling: the record being scored now is finished and written first"
# a failed row is as tall as its message's wrapped lines up to this many; the rest is under the table when selected
ERROR_LINES = 4


def _row_message(row: dict) -> str:
    """The whole message of a result row: its error; a file that is no ECG's in the words ``mirage score``
    and ``mirage-review --export-pdf`` say it in ("not an ECG: x.xml: the file is empty": ``rows.not_ecg_line``)."""
    message = str(row.get("error") or "")
    from mirage_model.review.batch.rows import NOT_ECG, not_ecg_line   # loaded by the batch that made the row

    if message and row.get("status") == NOT_ECG:
        return not_ecg_line(str(row.get("record_path") or ""), message)
    return message


def _fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.0f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _typed(row: dict) -> dict:
    """A row read back from a CSV output, its numbers (probabilities, measurements) as numbers,
    so that the table shows them as it shows a row scored in this run."""
    from mirage_model.measure import SCALAR_KEYS   # loaded by the batch that wrote the row

    numeric = ("age_used", *SCALAR_KEYS)          # besides prob_ and stmt_
    out = {}
    for key, value in row.items():
        if isinstance(value, str) and (key.startswith(("prob_", "stmt_")) or key in numeric):
            try:
                value = float(value) if value else None
            except ValueError:
                pass
        out[key] = value
    return out


def _not_read_tip(not_read: list) -> str:
    """The status's tooltip naming the files a batch did not read (their paths under the folder), the first 200."""
    if not not_read:
        return ""
    return ("Files not read:\n" + "\n".join(not_read[:200])
            + (f"\n... and {len(not_read) - 200} more" if len(not_read) > 200 else ""))


def _row_key(row: dict) -> tuple:
    """A result row's place in the table: its record's path in the folder dock's order."""
    return natural_key(row.get("record_path") or row.get("path") or "")


class BatchDialog(QDialog):
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
        screen = (parent.screen() if parent is not None else None) or QGuiApplication.primaryScreen()
        room = screen.availableGeometry().size() * 0.9 if screen is not None else QSize(900, 560)
        self.resize(QSize(1000, 900).boundedTo(room))
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
        self.summary = None
        self.labs_lookup = None         # batch.LabsLookup of the run, when it had a labs table
        self.columns: list[str] = []
        self._notes: list[str] = []       # the lines of ``self.notes``
        self._tips: dict[str, str] = {}   # a line of the notes -> its details (the notes' tooltip)
        self._labs_header: list[tuple[str, str]] = []    # (record path, note): labs row differs from header
        self._labs_header_line = ""       # the notes' line that counts them
        self._labs_name = ""              # the file name of the run's labs table (as started)
        self._pdf_dir = None              # the run's PDF folder (as started), None without one
        self._handled = (0, 0)            # (records handled, records this run scores): its last progress

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
                               "program's installed files.")
        self.folder.textChanged.connect(self._folder_changed)
        self.output.textEdited.connect(self._output_chosen)
        self.pdf_dir = QLineEdit()
        set_placeholder(self.pdf_dir, "optional: write one PDF report per record")
        self.labs = QLineEdit()
        set_placeholder(self.labs, "optional: CSV of clinical values per record_id")
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
        self.table.setTabKeyNavigation(False)     # Up/Down choose a row, Enter opens it, Tab leaves the table
        self.table.cellDoubleClicked.connect(self._double_clicked)
        self.table.cellActivated.connect(self._double_clicked)
        self.table.setToolTip("double-click a row (or Enter) to open the record")
        self.table.currentCellChanged.connect(lambda r, *_: self._show_message(r))
        self._error_width = 0             # the widest error message's width in the table's font (px)
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
        folder = QFileDialog.getExistingDirectory(self, "Folder of records", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def _browse_output(self) -> None:
        # no "replace?" here: Start asks about an earlier run's rows, offering Resume (``_may_write``)
        path, _ = QFileDialog.getSaveFileName(self, "Output CSV", self.output.text(), "CSV (*.csv)",
                                              options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            self.output.setText(path)
            self._output_follows = False

    def _browse_pdf(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "PDF folder", self.pdf_dir.text())
        if folder:
            self.pdf_dir.setText(folder)

    def _browse_labs(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Labs table", self.labs.text(), "CSV (*.csv);;All files (*)")
        if path:
            self.labs.setText(path)

    # ------------------------------------------------------------------ running
    def start(self) -> workers.Worker | None:
        folder, out = self.folder.text().strip(), self.output.text().strip()
        if not folder or not Path(folder).is_dir():
            self.status.setText(f"Choose an existing folder (got {folder!r}).")
            return None
        if not out:
            self.status.setText("Choose an output CSV file.")
            return None
        refused = refused_output(out, self.pdf_dir.text().strip())
        if refused:
            self.status.setText(f"Not started: {refused}.")
            return None
        self.status.setToolTip("")
        kwargs = {}
        if self.pdf_dir.text().strip():
            kwargs["pdf_dir"] = self.pdf_dir.text().strip()
        if self.labs.text().strip():
            kwargs["labs"] = self.labs.text().strip()
        if self.compare_prior.isChecked():
            kwargs["compare_prior"] = True
        if self.resume.isChecked():
            kwargs["resume"] = True
        else:
            replace = self._may_write(out)
            if replace is None:
                return None
            kwargs["overwrite"] = replace     # False: rows that appear meanwhile are refused by the batch
        self._folder = Path(folder)
        self.folderStarted.emit(str(self._folder))
        # PDFs an earlier run wrote for these records are asked about first (mirage score refuses
        # them without --overwrite); a resumed run skips its finished records and their PDFs, and
        # is asked, as mirage score --resume refuses, only about the others' (another run's)
        if "pdf_dir" in kwargs:
            return self._list_first(folder, out, kwargs)
        return self._start_batch(folder, out, kwargs)

    def _may_write(self, out: str) -> bool | None:
        """Whether a run that is not resumed may write ``out``: None when not (the status says why),
        True when it holds an earlier run's rows and the user answers Replace (``mirage score``
        refuses them without --overwrite), False when it holds none. A file that is no batch output
        (a record's signal file, the labs table) is never written. Only the file's first 64 KiB are
        read (``batch.outputs.earlier_output``)."""
        from mirage_model.review.batch import BatchError      # scipy: when a batch starts
        from mirage_model.review.batch.outputs import earlier_output

        try:
            earlier = earlier_output(out, "csv")
        except BatchError as err:
            self.status.setText(f"Not started: {err}")
            return None
        if earlier and not ask_replace_output(self, out):
            self.status.setText(f"Not started: the rows in {out} are kept, nothing was written. Tick Resume to "
                                "score only the records it did not finish, or choose another output CSV.")
            return None
        return earlier

    def _list_first(self, folder: str, out: str, kwargs: dict) -> workers.Worker:
        """List the folder and look for the PDFs the run would replace, in a worker; the batch
        starts when none would be replaced, or when the user answers Replace."""
        checker = workers.Worker(list_folder_job, folder, kwargs["pdf_dir"], out if kwargs.get("resume") else None,
                                 name="batch listing")
        sig = checker.signals
        sig.result.connect(workers.while_alive(self, lambda listed: self._listed(checker, listed, folder, out, kwargs)))
        sig.error.connect(self._error)
        sig.finished.connect(workers.while_alive(self, lambda: self._listing_finished(checker)))
        self.worker = checker
        self.start_btn.setEnabled(False)
        self.cancel_btn.setEnabled(True)
        self.progress.setRange(0, 0)
        self.status.setText(f"Listing the folder and looking for earlier PDFs in {kwargs['pdf_dir']}...")
        checker.start()
        return checker

    def _listed(self, checker: workers.Worker, listed: ListedFolder, folder: str, out: str, kwargs: dict) -> None:
        if self.worker is not checker or checker.is_cancelled:
            return
        self.worker = None
        pdf_dir = kwargs["pdf_dir"]
        if listed.earlier and not ask_replace_pdfs(self, listed.earlier, pdf_dir, listed.resumed):
            self._idle()
            n = len(listed.earlier)
            self.status.setText(f"Not started: the {n} earlier PDF{'s' if n != 1 else ''} in {pdf_dir} "
                                f"{'are' if n != 1 else 'is'} kept, nothing was written. Choose another PDF "
                                "folder" + ("." if listed.resumed else ", or tick Resume with that run's output CSV."))
            return
        kwargs = dict(kwargs, found=listed.found, unreadable_folders=listed.unreadable)    # listed once
        self._start_batch(folder, out, kwargs)

    def _listing_finished(self, checker: workers.Worker) -> None:
        if self.worker is not checker:      # the batch started, or the question was answered
            return
        self.worker = None
        self._idle()
        if checker.is_cancelled:
            self.status.setText("Cancelled before any record was scored; nothing was written.")

    def _clear_results(self) -> None:
        """Empty the table and the notes of the last run: when the next one starts, not before (a run not
        started, its output's or PDFs' question answered Cancel, leaves the last run's rows in view)."""
        self.rows, self._row_keys = [], []
        self.columns = []
        self.labs_lookup = None
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        self._error_width = 0
        self._show_message(-1)
        self.summary = None
        self.status.setToolTip("")
        self._set_notes([])
        self._labs_header, self._labs_header_line = [], ""
        self._handled = (0, 0)

    def _start_batch(self, folder: str, out: str, kwargs: dict) -> workers.Worker:
        self._clear_results()
        self._labs_name = Path(kwargs.get("labs", "")).name
        self._pdf_dir = kwargs.get("pdf_dir")          # the run's, for its last line: the PDF folder may be edited
        self.worker = workers.Worker(batch_with_model_job, folder, self.model_path, self.device.currentText(),
                                     self.predictor, out, self.statements, name="batch", keep_result=True,
                                     **kwargs)
        sig = self.worker.signals
        sig.progress.connect(self._progress)
        sig.result.connect(self._done)
        sig.error.connect(self._error)
        sig.finished.connect(self._finished)
        self.start_btn.setEnabled(False)
        self.cancel_btn.setEnabled(True)
        self.progress.setRange(0, 0)
        self.status.setText("Loading the model and listing the folder...")
        self.worker.start()
        return self.worker

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.status.setText(CANCELLING)

    def _progress(self, done: int, total: int, row) -> None:
        if isinstance(row, LabsMatched):
            self.labs_lookup = row.lookup
            if row.unmatched:             # known before any record is scored: named now
                self._note_unmatched(row.unmatched, row.hint)
            self._note_table(row.lookup)
            return
        if isinstance(row, workers.BatchNotice):        # told when it happens, not at the end
            self._add_note(f"Note: {row}.")
            return
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        self._handled = (done, total)
        self.status.setText(f"{done} / {total} records" + (f"; {CANCELLING[0].lower()}{CANCELLING[1:]}"
                                                           if self.worker is not None and self.worker.is_cancelled
                                                           else ""))
        if isinstance(row, dict):
            self._add_row(row)

    def _note_table(self, lookup) -> None:
        """What reading the labs table warned of (units assumed, censored values read as their
        limit: ``mirage score`` logs the same lines) and its refused rows, in the notes, once."""
        table = self._labs_name or "the labs table"
        for warning in getattr(lookup, "warnings", None) or ():
            line = f"Warning: {warning}."
            if line not in self._notes:
                self._add_note(line)
        errors = dict(getattr(lookup, "errors", None) or {})
        if errors:
            n = len(errors)
            line = (f"Warning: {n} row{'s' if n != 1 else ''} of {table} refused and not used "
                    f"({', '.join(list(errors)[:3])}{' ...' if n > 3 else ''}): see {'their' if n != 1 else 'its'} "
                    "records' error rows.")
            if line not in self._notes:
                self._add_note(line, tip="Labs-table rows refused:\n" + "\n".join(
                    f"{rid}: {why}" for rid, why in list(errors.items())[:200]))

    def _note_labs_header(self, row: dict) -> None:
        """A scored record whose labs row differs from its ECG header (its notes say so): one line
        of the notes counts them and names the first, each record's note in the tooltip."""
        from mirage_model.review.batch.rows import labs_header_notes   # loaded by the batch that made the row
        from mirage_model.review.batch.run import labs_header_line

        found = labs_header_notes(row.get("notes")) if row.get("status") == "ok" else []
        if not found:
            return
        self._labs_header += [(str(row.get("record_path")), n) for n in found]
        line = "Warning: " + labs_header_line(self._labs_name or "the labs table", self._labs_header) + "."
        self._tips[line] = "Labs rows that differ from their ECG header:\n" + "\n".join(
            f"{path}: {note}" for path, note in self._labs_header[:200])
        self._set_labs_header_line(line)

    def _set_labs_header_line(self, line: str) -> None:
        """The notes' line on labs rows that differ from their header, in its place ("": none)."""
        old = self._labs_header_line
        self._labs_header_line = line
        lines = [line if x == old else x for x in self._notes if x != old or line]
        if line and line not in lines:
            lines.append(line)
        self._set_notes(lines)

    def _add_row(self, row: dict) -> None:
        """Show ``row`` in its place: the records in the folder dock's order (``natural_key``: 1, 2, 10,
        not the batch's 1, 10, 2), as they arrive and after a resumed run alike."""
        self._note_labs_header(row)
        key = _row_key(row)
        r = bisect_right(self._row_keys, key)
        self._row_keys.insert(r, key)
        self.rows.insert(r, row)
        new = [k for k in row if k not in self.columns and k not in HIDDEN]
        if new:
            self.columns = [c for c in PREFERRED if c in self.columns or c in row] + \
                [c for c in self.columns + new if c not in PREFERRED]
            self.table.setColumnCount(len(self.columns))
            self.table.setHorizontalHeaderLabels(self.columns)
            for i, old in enumerate(self.rows):
                if i != r:
                    self._fill_row(i if i < r else i - 1, old)
        self.table.insertRow(r)
        self._fill_row(r, row)
        if row.get("error"):
            self._fit_error(r, str(row.get("error")))
        self._show_message(self.table.currentRow())

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
        room = max(self.table.horizontalHeader().defaultSectionSize(), self.table.viewport().width() // 2)
        width = max(self.table.horizontalHeader().defaultSectionSize(), min(self._error_width, room))
        if width != self.table.columnWidth(c):
            self.table.setColumnWidth(c, width)
            for i, other in enumerate(self.rows):      # their wrapped lines change with the width
                if other.get("error") and i != skip:
                    self._fit_row(i)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self._viewport:
            self._fit_error_column()
        return super().eventFilter(watched, event)

    def _fit_row(self, r: int) -> None:
        self.table.resizeRowToContents(r)
        most = self.table.fontMetrics().lineSpacing() * ERROR_LINES + 8
        if self.table.rowHeight(r) > most:
            self.table.setRowHeight(r, most)

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
            item = QTableWidgetItem(_fmt(row.get(key)))
            if key == "error" and row.get(key):
                # a file that is no ECG is told, not a failure: grey, not red
                item.setForeground(NOT_ECG_COLOUR if row.get("status") == NOT_ECG else FAILED_COLOUR)
                item.setToolTip(_row_message(row))
            if key == "positive":       # an empty cell read as a clean record: the calls the gate withheld, and why
                held, why = withheld_words(row)
                if held:
                    item.setText(held)
                    item.setToolTip(why)
            if key in SERIAL_TIPS and row.get(key):      # a comparison's words run long: whole on hover
                item.setToolTip(str(row.get(key)))
            elif not item.toolTip() and fm.horizontalAdvance(item.text()) > self.table.columnWidth(c):
                item.setToolTip(item.text())     # cut by its column ("Sinus rhythm, 83 bpm; ..."): whole on hover
            if key == "record_id" and "labs row differs" in str(row.get("notes") or ""):
                # its labs row may be another patient's: the id says so at a glance, the tip in words
                item.setForeground(LABS_DIFFER_COLOUR)
                item.setToolTip(str(row.get("notes")))
            self.table.setItem(r, c, item)

    def _done(self, summary) -> None:
        if isinstance(summary, NothingToScore):     # no output written: what the folder holds, as mirage score says it
            self.status.setText(f"{summary.line[:1].upper()}{summary.line[1:]}.")
            self.status.setToolTip(_not_read_tip(summary.not_read))
            return
        self.summary = summary
        if not getattr(summary, "cancelled", False):
            # every record handled: the bar full, also where Resume kept them all and no progress came (it was blank)
            # (its count kept where progress came: "3 / 3 records" stays 3 of 3)
            full = max(1, self.progress.maximum())
            self.progress.setRange(0, full)
            self.progress.setValue(full)
        out = getattr(summary, "out_path", None) or self.output.text()
        if getattr(summary, "skipped", 0):      # from where the rows are (a spare file: the output unwritable)
            self._show_output(Path(getattr(summary, "saved_in", None) or out))
        scored = getattr(summary, "scored", len(self.rows))
        parts = [f"{scored} scored"]
        for name in ("failed", "skipped"):
            if getattr(summary, name, 0):
                parts.append(f"{getattr(summary, name)} {name}")
        if getattr(summary, "not_ecg", 0):
            parts.append(counted(summary.not_ecg, "not ECG file"))
        speed = summary.speed_text() if hasattr(summary, "speed_text") else ""
        verb = "Cancelled" if getattr(summary, "cancelled", False) else "Done"
        # the PDFs this run wrote and where, as mirage score --pdf-dir says them ("34 PDFs in pdfs")
        pdfs = f"; {counted(getattr(summary, 'pdfs', 0), 'PDF')} in {self._pdf_dir}" if self._pdf_dir else ""
        text = f"{verb}: {', '.join(parts)}{speed}. Results in {out}{pdfs}."
        done, total = self._handled
        # the run's own count: a Cancel during the first record came before any progress, which left (0, 0)
        total, done = max(total, getattr(summary, "to_score", 0)), max(done, getattr(summary, "handled", 0))
        if getattr(summary, "cancelled", False) and done < total:
            # what is left and how to go on, as mirage score says it when stopped (it had said neither)
            text += (f" {total - done} of this run's {total} records not scored: tick Resume and press Start "
                     "to score them without scoring those again.")
        unsaved = getattr(summary, "unsaved", "")
        spare = getattr(summary, "saved_in", None)
        if unsaved:         # the output could not be written at the end: where the rows are, and what to do
            text = f"{verb}: {', '.join(parts)}{speed}, but {unsaved}."
            if spare is not None and Path(spare) != Path(out):
                text += (f" Once {out} can be written again (the program holding it closed, or made writable), "
                         f"replace it with {Path(spare).name}; or choose {Path(spare).name} as the output and tick "
                         "Resume to score any records left.")
        tips = []
        unreadable = getattr(summary, "unreadable_folders", None)
        if unreadable:      # the output is incomplete: said here, as mirage score says it (no dialog per folder)
            text += f" {unreadable_line(unreadable)}; the records in them are not in {out}."
            tips.append(unreadable_line(unreadable, limit=len(unreadable)))
        if getattr(summary, "same_file", None):     # one recording under two names: scored once, said
            text += f" {summary.same_file_line()}."
        not_read = list(getattr(summary, "not_read", None) or ())
        # what the folder holds besides its records
        if getattr(summary, "own_files", None):     # an earlier run's results and PDFs: not records
            text += f" {summary.own_files_line()}."
        if getattr(summary, "annotations", None):   # LUDB's "1.ii" beside "1.hea": the record's, not passed over
            text += f" {summary.annotations_line()}."
        if not_read:    # the folder's other files (a .pdf, a .txt): counted here, named in the tooltip
            text += f" {summary.not_read_line('no ECG records')}."
            tips.append(_not_read_tip(not_read))
        self.status.setToolTip("\n\n".join(tips))
        lock_note = getattr(summary, "lock_note", "")
        if lock_note and not any(lock_note in line for line in self._notes):    # told once, when it happened
            self._add_note(f"Note: {lock_note}.")
        children = summary.paediatric_line() if getattr(summary, "paediatric", 0) else ""
        if children and children not in self._notes:   # what the rows' "[paediatric: ...]" means, once
            self._add_note(children)
        serial = getattr(summary, "serial", None)
        if serial is not None:      # the rows arrived before the comparison: its columns filled in now
            self._show_serial(serial.cells)
            text += f" {serial.line()[:1].upper()}{serial.line()[1:]}."
        elif self.compare_prior.isChecked() and getattr(summary, "cancelled", False):
            text += " Serial comparison: not made (the run was stopped first); Resume makes it."
        # what the run found in the labs table besides what reading it warned of (noted at its start): a bad
        # value in a column no model reads, left out of its record's row; a spreadsheet's number taken for an id
        for warning in getattr(summary, "labs_warnings", None) or ():
            if f"Warning: {warning}." not in self._notes:
                self._add_note(f"Warning: {warning}.")
        unmatched = list(getattr(summary, "labs_unmatched", None) or ())
        if unmatched:       # named when the run started: kept, not said twice
            self._note_unmatched(unmatched, getattr(summary, "labs_unmatched_hint", ""))
        self.status.setText(text)

    def _show_serial(self, cells: dict) -> None:
        """The serial comparison's columns (``SerialCounts.cells``: record_path -> its columns) in the rows shown;
        a row the run did not compare keeps what it has (a resumed run's kept row: its output's)."""
        from mirage_model.review.batch.rows import SERIAL_COLUMNS   # loaded by the batch that made the rows

        for row in self.rows:
            row.update(cells.get(str(row.get("record_path")), {}))
        new = [c for c in SERIAL_COLUMNS if c not in self.columns]
        if self.rows and new:
            self.columns += new
            self.table.setColumnCount(len(self.columns))
            self.table.setHorizontalHeaderLabels(self.columns)
        for r, row in enumerate(self.rows):
            self._fill_row(r, row)

    def _note_unmatched(self, ids: list[str], hint: str) -> None:
        """The notes' line naming the labs-table rows that fit no record (every id in its tooltip),
        once."""
        line = self._unmatched_line(ids, hint)
        if line not in self._notes:
            self._add_note(line, tip="Labs-table rows that fit no record:\n" + "\n".join(ids[:200])
                           + (f"\n... and {len(ids) - 200} more" if len(ids) > 200 else ""))

    def _unmatched_line(self, ids: list[str], hint: str) -> str:
        """The labs-table rows that fit no record, in the words of ``mirage score``'s warning."""
        table = self._labs_name or "the labs table"
        n = len(ids)
        return (f"Warning: {n} row{'s' if n != 1 else ''} of {table} fit no record in this folder and "
                f"{'were' if n != 1 else 'was'} not used {unmatched_rows_text(ids, hint)}.")

    def _add_note(self, line: str, tip: str = "") -> None:
        if tip:
            self._tips[line] = tip
        self._set_notes(self._notes + [line])

    def _set_notes(self, lines: list[str]) -> None:
        """The notes' lines; its tooltip the details of each line that has them, in order."""
        self._notes = list(lines)
        self._tips = {k: v for k, v in self._tips.items() if k in self._notes}
        self.notes.setText("\n".join(self._notes))
        self.notes.setToolTip("\n\n".join(self._tips[line] for line in self._notes if line in self._tips))
        self.notes.setVisible(bool(self._notes))

    def _show_output(self, out: Path) -> None:
        """The table as the output file holds it, after a resumed run: the rows it kept (scored
        before, not sent as this run's progress) with this run's, in the folder dock's order."""
        from mirage_model.review.batch import BatchError, read_rows   # loaded by the batch that wrote it

        try:
            _cols, rows = read_rows(out)
        except BatchError as err:
            self.status.setToolTip(str(err))
            return
        fresh = {str(r.get("record_path")): r for r in self.rows}
        self.rows, self._row_keys, self.columns = [], [], []
        self._labs_header = []            # counted again over the file's rows (kept ones too)
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        for row in rows:
            self._add_row(fresh.get(str(row.get("record_path"))) or _typed(row))

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
            self.status.setText(f"Cancelled after {len(self.rows)} records (rows written so far are kept).")

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
            answer = QMessageBox.question(
                self, "Batch scoring", f"Stop batch scoring now ({self.status.text()})?\n\nIt stops after "
                "the current record; the rows written so far are kept.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        if self.worker is not None:
            self.worker.cancel()
        super().closeEvent(event)
