"""The batch dialog's notes under the progress (``BatchNotes``, a part of ``batch.BatchDialog``): what the run tells
besides its rows, a line each with its details in the notes' tooltip: what reading the labs table warned of, its
refused rows, the rows that fit no record, the records whose labs row differs from their ECG header."""

from __future__ import annotations

from mirage_model.clinical.labs import unmatched_rows_text


class BatchNotes:
    """The notes' part of ``BatchDialog`` (its ``notes`` label, ``_notes`` lines and ``_tips``)."""

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

    def _note_unmatched(self, ids: list[str], hint: str, examples=()) -> None:
        """The notes' line naming the labs-table rows that fit no record (every id in its tooltip),
        once; ``examples``: two of the run's records' ids, the example of a row's id it gives."""
        line = self._unmatched_line(ids, hint, examples)
        if line not in self._notes:
            self._add_note(line, tip="Labs-table rows that fit no record:\n" + "\n".join(ids[:200])
                           + (f"\n... and {len(ids) - 200} more" if len(ids) > 200 else ""))

    def _unmatched_line(self, ids: list[str], hint: str, examples=()) -> str:
        """The labs-table rows that fit no record, in the words of ``mirage score``'s warning: its example of a
        row's id one of the folder's own records' (it had given a made-up 'siteA/1' where the CLI gave them)."""
        table = self._labs_name or "the labs table"
        n = len(ids)
        return (f"Warning: {n} row{'s' if n != 1 else ''} of {table} fit no record in this folder and "
                f"{'were' if n != 1 else 'was'} not used {unmatched_rows_text(ids, hint, examples)}.")

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
