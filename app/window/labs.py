"""The labs table the window has open (File > Open labs table..., ``mirage-review RECORD --labs TABLE``):
every record opened while it is open, by any way (a file, the folder's next or previous record, a
recent one), gets its row's values with the source "table", read and matched as ``mirage score --labs``
reads them (``review.labs_table``); a record it has no row for gets none, and the lab form says so.
What the reviewer types stays theirs; closing the table takes its values off the record on screen. A table
rewritten on disk since it was read (a lab system's re-export under the same name) gives no row: it is read again,
and its row is given once it is (``LabsTable.changed``).

``LabsTableMixin`` is one of the jobs ``MainWindow`` composes; the window owns the widgets and the session.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from app import workers
from app.views.dialog_focus import dialog_of
from mirage_model.csvsafe import printable
from mirage_model.review.batch.inputs import features_read
from mirage_model.review.labs_table import LabsTable, RecordRow, labs_not_given_note

LABS_FILTER = "Labs tables (*.csv *.tsv *.txt);;All files (*)"


class LabsTableMixin:
    """The window's labs table: opened, given to each record opened, closed (for ``MainWindow``)."""

    labs_table: LabsTable | None = None
    labs_worker: workers.Worker | None = None       # reading a labs table (``open_labs_table``)
    # {record: (folder, its records)}: the run each record of an ``--export-pdf FOLDER`` is matched in (the
    # folder browser lists none of them); {} in a window a person uses
    labs_scopes: dict = {}

    def open_labs_dialog(self) -> None:
        table = self.labs_table
        start = str(table.path.parent) if table is not None else self.settings.last_folder or str(Path.home())
        with dialog_of(self):
            path, _ = QFileDialog.getOpenFileName(self, "Open labs table", start, LABS_FILTER)
        if path:
            self.open_labs_table(path)

    def open_labs_table(self, path) -> workers.Worker:
        """Read the labs table at ``path`` in a job (PTB-XL's 19,601 rows: seconds) and, once read, use it for
        the record on screen and every one opened after it. One that cannot be read is said in the message bar,
        naming the file, line and column; the table open before it stays open."""
        if self.labs_worker is not None:
            self.labs_worker.cancel()
        self.show_status(f"Reading the labs table {printable(Path(path).name)}...")
        w = workers.Worker(_read_table_job, path, self.browser.folder, self.browser.paths, name="labs table",
                           disposable=True)
        w.signals.result.connect(workers.while_alive(self, self._labs_table_read))
        w.signals.error.connect(workers.while_alive(self, lambda msg: self.show_message(f"Labs table not opened: "
                                                                                          f"{msg}")))
        w.signals.finished.connect(workers.while_alive(self, lambda: self._labs_job_ended(w)))
        self.labs_worker = w
        return w.start()

    def _labs_table_read(self, table: LabsTable) -> None:
        self.set_labs_table(table)
        # units assumed, columns no model reads, censored values the loaded models read: as mirage score warns
        # and the labs the loaded model reads that the table gives no value of (masked for every record), as
        # mirage score --labs notes them: the lab form had shown them "not given", nothing saying why
        said = [*table.warnings, *filter(None, [table.censored_line(self.labs_reads()),
                                                table.absent_line(self.predictor)])]
        if said:
            self.show_message("; ".join(said))
        else:
            self.show_status(f"Labs table {table.name} open: each record opened gets its row.")

    def labs_follow_model(self) -> None:
        """A model has loaded with a table open: its row again by this model's rule (a bad value it reads refuses
        the row, as in ``mirage score``), and the table's censored values it reads said (none before a model), and
        the labs it reads that the table gives no value of (``LabsTable.absent_line``)."""
        self._give_labs_row()
        said = filter(None, [self.labs_table.censored_line(self.labs_reads()),
                             self.labs_table.absent_line(self.predictor)])
        if line := "; ".join(said):
            self.show_message(line)

    def _labs_job_ended(self, w) -> None:
        if self.labs_worker is w:
            self.labs_worker = None

    def close_labs_table(self) -> None:
        """No labs table: its values leave the record on screen (its file's own come back), none are given after."""
        self.set_labs_table(None)

    def labs_row_for(self, path) -> RecordRow | None:
        """The open table's row for the record at ``path``, matched as a batch of the folder it was opened from
        matches it: ``--export-pdf FOLDER``'s (``labs_scopes``), else the folder browser's where it is one of
        its records, else (File > Open, a recent record) the folder it lies in, as ``mirage score`` of that
        folder would (``LabsTable.row_for``). None with no table open."""
        if self.labs_table is None:
            return None
        if self.labs_table.changed() and self.labs_worker is None:
            # rewritten since it was read: read again, its row given once read (``set_labs_table``); until then
            # none, the lab form saying why (``LabsTable.row_for``)
            self.open_labs_table(self.labs_table.path)
        folder, records = self.labs_scopes.get(Path(path)) or (self.browser.folder, self.browser.paths)
        return self.labs_table.row_for(path, folder, records, reads=self.labs_reads())

    def labs_reads(self) -> frozenset | None:
        """The features whose bad value in a labs row refuses the row, as ``mirage score`` with this window's
        models refuses it (``features_read``: the model's and the statements model's); before a model loads,
        none but the age and sex (``ALWAYS_READ``), which the measurements read whatever the model."""
        if self.predictor is None:
            return frozenset()
        return features_read(self.predictor, self.statements_predictor)

    def set_labs_table(self, table: LabsTable | None) -> None:
        """``table`` (None: none) for every record opened from now on, and for the one on screen: its values
        take the place of the previous table's; what the reviewer typed stays. A record opened with a batch's
        row (the batch dialog's) keeps that row."""
        self.labs_table = table
        self.say_labs_masked()
        self.close_labs_action.setEnabled(table is not None)
        named = f" {table.name}".replace("&", "&&") if table is not None else ""     # "&" is no mnemonic here
        self.close_labs_action.setText(f"Close labs &table{named}")
        if self._give_labs_row():
            self._labs_changed()

    def say_labs_masked(self) -> None:
        """Under the model's name, while no table is open, the labs the loaded model reads that are masked unless
        typed, in ``mirage score``'s words without --labs (``labs_not_given_note``): a model trained with a labs table
        had scored every record with its labs masked, only the lab form's "not given" saying so."""
        note = "" if self.labs_table is not None or self.predictor is None else labs_not_given_note(
            self.predictor, how="a labs table (File > Open labs table...) or values typed in the lab form",
            give="a labs table")
        self.results.set_labs_note(note.removeprefix("note: "))

    def _give_labs_row(self) -> bool:
        """The open table's row (none: the previous one's values off) to the record on screen, by the rule of the
        models loaded now (``labs_reads``); called again when a model arrives, before the record is scored with it.
        Returns whether the shown record's values were set (then the result may be out of date)."""
        session = self.session
        if session is None or session.path is None:
            return False
        if session.labs_batch:
            return False    # the batch dialog's row, the record still being read or not: the batch scored it with it
        row = self.labs_row_for(session.path) or RecordRow()
        if session.record is None:        # still being read: its row is given once it is (``_show_record``)
            session.labs_table = row.line
            self._table_values = (session.id, dict(row.values), row.notes)
            self.lab_form.refresh()
            return False
        typed = {n for n, v in session.values.items() if v.source == "user"}
        values = {n: v for n, v in row.values.items() if n not in typed}
        self._table_values = (session.id, values, row.notes)
        # one change: the same row given again (the table opened again) leaves the result current
        session.replace_labs_row(values, left_out=row.notes)
        session.labs_table = row.line
        self.lab_form.refresh()
        return True


def _read_table_job(ctx, path, folder, records) -> LabsTable:
    """The labs table at ``path``, and its match to the folder browser's ``records`` under ``folder`` made
    here once (``LabsTable.row_for`` keeps it): 2 s for 19,601 records on 2 busy cores."""
    table = LabsTable.read(path)
    ctx.check()
    if folder is not None and records:
        table.row_for(records[0], folder, records)
    return table
