"""What a finished batch run says (``BatchOutcome``, a part of ``batch.BatchDialog``): its status line (what was
scored, failed and skipped, the speed, where the results and PDFs are, what a cancelled run left and how to go on, an
output that could not be written, the folder's other files) with the files not read in its tooltip, and what it adds
to the notes and the table at the end (the serial comparison's columns, the labs table's warnings)."""

from __future__ import annotations

from pathlib import Path

from app.dialogs.batch_jobs import NothingToScore
from mirage_model.records.folder import unreadable_line
from mirage_model.review.batch.naming import failed_kept_text, not_replaced, not_replaced_text
from mirage_model.words import counted


def _not_read_tip(not_read: list) -> str:
    """The status's tooltip naming the files a batch did not read (their paths under the folder), the first 200."""
    if not not_read:
        return ""
    return ("Files not read:\n" + "\n".join(not_read[:200])
            + (f"\n... and {len(not_read) - 200} more" if len(not_read) > 200 else ""))




class BatchOutcome:
    """The finished run's part of ``BatchDialog`` (its ``status`` line and ``summary``)."""

    def _not_replaced(self) -> str:
        """What a run stopped before its end says of the earlier PDFs it was told to replace and did not reach: they
        stay in the PDF folder beside this run's, though the output has no row of theirs (its rows were replaced),
        and may hold other values (another labs table, another model). A stopped run had said "3 PDFs in pdfs" of
        a folder that held 10. A run that ended says those of the records it failed (``BatchSummary.earlier_kept``),
        as ``mirage score`` does: they had stayed without a word, taken for this run's."""
        kept = getattr(self.summary, "earlier_kept", None)
        if kept and not getattr(self.summary, "cancelled", False):
            return f" {failed_kept_text(kept, self._pdf_dir)}."
        if not self._replacing or not getattr(self.summary, "cancelled", False):
            return ""
        left = not_replaced(self._replacing, self._pdf_dir, (row.get("pdf") for row in self.rows))
        return f" {not_replaced_text(left, self._pdf_dir)} (Resume replaces them)." if left else ""

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
        if getattr(summary, "unscorable", 0):
            # read but no usable signal (red in the table as a file that could not be read): as mirage score says it
            speed += f"; {summary.unscorable_line()}"
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
        text += self._not_replaced()
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
        if getattr(summary, "copies", 0):          # one ECG in two files: two rows, as mirage score says it
            text += f" {summary.copies_line()}."
        if getattr(summary, "kept_without", (0,))[0]:   # an earlier version's kept rows, as score says it
            text += f" {summary.kept_without_line()}."
        if getattr(summary, "in_training", None):  # the model's own training records: optimistic, as score says
            text += f" {summary.in_training_line()}."
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
            self._note_unmatched(unmatched, getattr(summary, "labs_unmatched_hint", ""),
                                 getattr(summary, "labs_id_examples", None) or ())
        # what became of the table's values, as mirage score's last line on it says: a troponin column the model
        # does not read had gone unsaid here, but for each row's values_not_used cell at the table's far right
        labs = summary.labs_line(self._labs_name or "the labs table", getattr(summary, "model_reads", ())) \
            if hasattr(summary, "labs_line") else ""
        if labs and f"{labs}." not in self._notes:
            self._add_note(f"{labs}.")
        self.status.setText(text)
