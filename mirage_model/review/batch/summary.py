"""``BatchSummary``: what a batch did, counted row by row, and the lines its summary says (the labs
table's values used, the rows that differ from their header, the children's records, the links)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mirage_model.csvsafe import printable
from mirage_model.review.batch.annotations import annotations_line
from mirage_model.review.batch.cells import NOT_ECG, labs_header_notes
from mirage_model.review.batch.not_read import not_read_line
from mirage_model.review.batch.own_files import own_files_line
from mirage_model.review.batch.priors import SerialCounts
from mirage_model.review.interpret import PAEDIATRIC_SHORT, PTBXL_TRAINED, paediatric_meaning
from mirage_model.words import counted, first_few


@dataclass
class BatchSummary:
    """What a batch did. ``seconds`` is wall time of this run; ``records_per_s`` counts the rows
    this run wrote (``handled``: scored, failed, not ECG; skipped ones are not work) per second of
    scoring them, up to the last row: the serial comparison after it (``serial.seconds``) is not in it."""
    scored: int
    skipped: int
    seconds: float
    records_per_s: float
    out_path: Path
    cancelled: bool = False
    to_score: int = 0                 # the records this run set out to score (not the skipped ones)
    errors: list[tuple[str, str]] = field(default_factory=list)   # (record path, message)
    pdfs: int = 0
    unscorable: int = 0               # of ``failed``: read, but no usable signal (not scored)
    copies: int = 0                   # the output's rows whose ECG an earlier row's is (``same_ecg_as``; kept too)
    # (path, what it is) of the files with an ECG format's extension that are no ECG (not failures)
    passed_over: list[tuple[str, str]] = field(default_factory=list)
    # ids of the labs table's rows that fit no record of the run (their values go nowhere)
    labs_unmatched: list[str] = field(default_factory=list)
    # "" or why some of them may fit no record (``clinical.labs.near_miss_text``: case, leading zeros)
    labs_unmatched_hint: str = ""
    # two of the run's records' ids, the example of a row's id the unmatched rows' warning gives (not 'siteA/1')
    labs_id_examples: list[str] = field(default_factory=list)
    # (folder, reason) of the folders that could not be listed (their records are not in the output)
    unreadable_folders: list[tuple[str, str]] = field(default_factory=list)
    # the labs table (None: none given): how many of its rows were read, how many refused (bad
    # value, id twice: their records get error rows), and its values by feature over the read rows
    # that fit a record
    labs_rows: int | None = None
    labs_refused: int = 0
    # of ``labs_refused``, the rows of no record of the run (a run of some of the table's records): no error row
    labs_refused_elsewhere: int = 0
    labs_values: dict[str, int] = field(default_factory=dict)
    # the clinical features the run's models read (``inputs.features_read``: none for a model trained without labs,
    # though its schema names some; None: a model that does not say, every feature counted as read): a value of
    # another feature is "not used by this model" in ``labs_line``
    model_reads: list[str] | None = field(default_factory=list)
    # the records whose row fits other records too (refused: their error rows say so); its values, given
    # to no record, are not among ``labs_values``
    labs_ambiguous: int = 0
    # the table's columns of no feature, which no model reads ("Smoker"): said beside the values counted
    labs_not_read: list[str] = field(default_factory=list)
    # what reading the labs table warned of (units assumed, censored values read as their limit)
    labs_warnings: list[str] = field(default_factory=list)
    # (record path, note) of each scored record whose labs row differs from its header in age or
    # sex (``clinical.labs_header_note``: it may be another patient's row), as its notes say
    labs_header: list[tuple[str, str]] = field(default_factory=list)
    # "" or the line saying a lock file left by a killed run was taken over (``OutputLock.stale_note``)
    lock_note: str = ""
    # the folder's files that are no record, no part of one and have no row (a .pdf, a .txt), by
    # their path under the folder; the labs table, this run's outputs and ``own_files`` are not among them
    not_read: list[str] = field(default_factory=list)
    # the folder's files that MIRAGE wrote (``own_files.written_by_mirage``: an earlier run's results CSV,
    # its PDF reports, a killed run's lock file), by their path under the folder: no records, not scored
    own_files: list[str] = field(default_factory=list)
    # the folder's WFDB annotation files beside a record of their stem (``annotations.annotation_files``: LUDB's
    # "1.ii" beside "1.hea"), by their path under the folder: part of a record, no signal, not among ``not_read``
    annotations: list[str] = field(default_factory=list)
    # (path, the record's path) under the folder of each record file left out as another name of a record
    # scored under its own (``inputs.same_files``: a link): scored once, in that record's row
    same_file: list[tuple[str, str]] = field(default_factory=list)
    # the record_paths with a row in the output (kept by Resume, or written by this run): a run stopped before
    # the record a link names leaves both unscored (``same_file_line`` says so)
    with_row: set[str] = field(default_factory=set)
    # scored records of children, whose interpretation says PAEDIATRIC_SHORT (paediatric_line: its meaning)
    paediatric: int = 0
    # what those rows' note says of the models' training data (``interpret.trained_words``: a researcher's own
    # model is not said to be trained on PTB-XL's adults)
    trained: str = PTBXL_TRAINED
    # "" or why ``out_path`` could not be written at the end of the run and where its rows are instead
    # (``RowSaver.unsaved_line``); ``saved_in``: the file holding the run's rows (``out_path`` or that one)
    unsaved: str = ""
    saved_in: Path | None = None
    # what the serial comparison did (``compare_prior``; None: not asked for, or the run was cancelled first)
    serial: SerialCounts | None = None
    # the PDFs an earlier run wrote in the PDF folder for records this run failed (``naming.kept_pdf_words``): no
    # PDF of this run replaced them, and they stay, named in their rows and by the faces (``naming.failed_kept_text``)
    earlier_kept: list[Path] = field(default_factory=list)
    # scored records the model was trained ("train") or selected and calibrated ("val") on: split -> how many
    in_training: dict[str, int] = field(default_factory=dict)
    # (kept rows of an earlier version's output, the columns added since that they have no value of: ``resume``)
    kept_without: tuple[int, list[str]] = (0, [])

    def not_read_line(self, why: str = "", names: str = "") -> str:
        """``not_read_line`` of this run's folder."""
        return not_read_line(self.not_read, why, names)

    def annotations_line(self) -> str:
        """``annotations.annotations_line`` of this run's folder: "1200 annotation files beside their records
        (WFDB), not scored: annotations are not signals (...)"; "" when there are none."""
        return annotations_line(self.annotations)

    def own_files_line(self) -> str:
        """``own_files.own_files_line`` of this run's folder: "6 files MIRAGE wrote (results.csv, 5 in pdfs/)
        not scored"; "" when there are none."""
        return own_files_line(self.own_files)

    def same_file_line(self, limit: int = 3) -> str:
        """The records scored once though the folder holds them under several names, in one line: "1 record
        file is another name of a record of the folder (a link), scored once, in that record's row: copy.hea
        = 1.hea"; of a run stopped before that record, "... (a link), not scored, as the run was stopped before
        that record: copy.hea = 1.hea"; "" when none."""
        if not self.same_file:
            return ""
        left = [pair for pair in self.same_file if self.cancelled and pair[1] not in self.with_row]
        done = [pair for pair in self.same_file if pair not in left]
        n = len(self.same_file)
        head = f"{counted(n, 'record file')} {'is' if n == 1 else 'are'} another name of a record of the folder"

        def named(pairs) -> str:
            return ", ".join(f"{printable(a)} = {printable(b)}" for a, b in pairs[:limit]) + \
                (" ..." if len(pairs) > limit else "")

        said = [f"scored once, in that record's row: {named(done)}"] if done else []
        if left:
            those = "that record" if len({b for _, b in left}) == 1 else "those records"
            said.append(f"not scored, as the run was stopped before {those}: {named(left)}")
        return f"{head} (a link), {'; '.join(said)}"

    def copies_line(self) -> str:
        """"2 records are copies of others (the same ECG: same_ecg_as names the earlier record), not other
        patients' ECGs"; "" when none."""
        n = self.copies
        if not n:
            return ""
        copy = "is a copy of another" if n == 1 else "are copies of others"
        return (f"{counted(n, 'record')} {copy} (the same ECG: same_ecg_as names the earlier record), each kept "
                "in its row")

    def in_training_line(self) -> str:
        """"3 records scored are ones the model was trained on (train 2) or selected and calibrated on (val 1):
        their probabilities are optimistic, no measure of the model (column in_training)"; "" when none."""
        n = sum(self.in_training.values())
        if not n:
            return ""
        which = ", ".join(f"{split} {self.in_training[split]}" for split in ("train", "val") if split in
                          self.in_training)
        return (f"{counted(n, 'record')} scored {'is one' if n == 1 else 'are ones'} the model was trained, or "
                f"selected and calibrated, on ({which}): their probabilities are optimistic, no measure of the model "
                "(column in_training)")

    def kept_without_line(self) -> str:
        """"3 kept rows from an earlier version have no in_training value (a column added since: empty there is not
        known, not "none"; said in their notes)"; "" when none."""
        n, cols = self.kept_without
        if not n:
            return ""
        added = "a column" if len(cols) == 1 else "columns"
        return (f"{counted(n, 'kept row')} from an earlier version {'has' if n == 1 else 'have'} no "
                f"{', '.join(cols)} value ({added} added since: empty there is not known, not \"none\"; said in "
                f"{'its' if n == 1 else 'their'} notes)")

    def unscorable_line(self) -> str:
        """How many of the failed records were read but hold no usable signal, as ``mirage score`` and the batch
        dialog say it: "2 of the failed hold no usable signal: status 'unscorable'"; "" when none. Their rows say
        why in ``error`` and leave the probabilities and calls empty: nothing was scored, so nothing is a result."""
        n = self.unscorable
        if not n:
            return ""
        return f"{n} of the failed {'holds' if n == 1 else 'hold'} no usable signal: status 'unscorable'"

    def count(self, row: dict) -> None:
        """Count one output row of this run."""
        self.with_row.add(str(row.get("record_path")))
        if row.get("pdf"):        # an unscorable signal's PDF too ("Signal quality: UNSCORABLE - no result")
            self.pdfs += 1
        if row["status"] == "ok":
            self.scored += 1
            self.labs_header += [(str(row.get("record_path")), n) for n in labs_header_notes(row.get("notes"))]
            self.paediatric += f"[{PAEDIATRIC_SHORT}]" in str(row.get("interpretation") or "")
            if row.get("in_training"):
                self.in_training[row["in_training"]] = self.in_training.get(row["in_training"], 0) + 1
        elif row["status"] == NOT_ECG:
            self.passed_over.append((row["record_path"], row["error"] or ""))
        else:
            self.unscorable += row["status"] == "unscorable"
            self.errors.append((row["record_path"], row["error"] or ""))

    def serial_pdfs(self, kept: set[str]) -> None:
        """Count the PDFs the serial comparison wrote for the run (``SerialCounts.written``), and the rows whose PDF
        it could not write as failed (a scored one's, or a kept one's: ``kept``, the kept rows' record_paths)."""
        if self.serial is None:
            return
        self.pdfs += self.serial.written
        for rel, message in self.serial.pdf_failed:
            if rel in kept:
                self.skipped -= 1
            else:
                self.scored -= 1
            self.errors.append((rel, message))

    @property
    def failed(self) -> int:
        """Records that could not be scored (their messages in ``errors``)."""
        return len(self.errors)

    @property
    def not_ecg(self) -> int:
        """Files that are no ECG, told in their rows (not failures)."""
        return len(self.passed_over)

    @property
    def handled(self) -> int:
        """The rows this run wrote: scored, failed and not ECG."""
        return self.scored + self.failed + self.not_ecg

    def speed_text(self) -> str:
        """The run's speed for its last line, " (7.1 records/s)"; "" when it scored no record: a
        resumed run that only tried its failed records again read "scored 0, failed 3 ... (0.7
        records/s)", a rate of records it could not score. The serial comparison's time after the scoring is
        not in the rate, and said so: " (0.6 records/s; the serial comparison's 225.4 s apart)" (a resumed run's
        had read "0.3 records/s" of its 117 records, its 228 kept ones scored again for the comparison inside)."""
        if not (self.scored and self.records_per_s):
            return ""
        apart = f"; the serial comparison's {self.serial.seconds:.1f} s apart" \
            if self.serial is not None and round(self.serial.seconds, 1) > 0 else ""
        return f" ({self.records_per_s:.1f} records/s{apart})"

    def labs_line(self, table: str, model_reads) -> str:
        """What became of the labs table named ``table`` (its file name), for a model that reads
        the features ``model_reads`` (None: every one): "labs.csv: 12 of 30 values not used by this model (crp 6,
        troponin_t 6); 2 of 17 rows refused: see their records' error rows", "labs.csv: all 30
        values used by this model" when the model reads every one (never "0 of 30 values not
        used"), then the records whose row fits other records too ("; 2 records given none, their rows fit
        other records too: see their error rows"; "no value used: ..." when no other record had a value),
        then the table's columns of no feature, which were not read ("; 2 columns not read, of
        no feature MIRAGE knows: 'Kalium (mmol/L)', 'Smoker'"), or, when no row could be read, "every
        row of labs.csv was refused (3 rows): see their records' error rows" (never "0 of 0 values"). ""
        without a table."""
        if self.labs_rows is None:
            return ""
        if self.labs_rows == 0:
            if self.labs_refused:
                where = (self._refused_where() if self.labs_refused_elsewhere
                         else ": see their records' error rows ('labs row refused: ...')")
                return (f"every row of {table} was refused ({self.labs_refused} row"
                        f"{'s' if self.labs_refused != 1 else ''}){where}")
            return f"{table}: no rows: no values were used"
        reads = None if model_reads is None else set(model_reads)
        unused = {k: v for k, v in self.labs_values.items() if reads is not None and k not in reads}
        total, n = sum(self.labs_values.values()), sum(unused.values())
        detail = f" ({', '.join(f'{k} {v}' for k, v in sorted(unused.items()))})" if unused else ""
        fit = max(0, self.labs_rows - len(self.labs_unmatched))
        amb = self.labs_ambiguous
        # "all 2 values used" had ended a run whose every record was refused for a row fitting several
        refused_amb = (f"{counted(amb, 'record')} given none, {'its row fits' if amb == 1 else 'their rows fit'} "
                       f"other records too: see {'its' if amb == 1 else 'their'} error row{'s' * (amb != 1)}")
        if n:
            line = f"{table}: {n} of {total} values not used by this model{detail}"
        elif not total and amb:
            line = f"{table}: no value used: {refused_amb}"
            amb = 0
        elif not total:     # "all 0 values used" had followed the warning that no row fit a record
            line = f"{table}: no value used: " + (
                f"the {counted(fit, 'row')} that fit{'s' * (fit == 1)} a record scored "
                f"hold{'s' * (fit == 1)} none" if fit
                else f"no row of it fits a record scored ({counted(self.labs_rows, 'row')})")
        else:
            line = f"{table}: {'all ' if total != 1 else ''}{total} value{'s' * (total != 1)} used by this model"
        if amb:
            line += f"; {refused_amb}"
        if self.labs_not_read:
            # "all 102 values used" had been the last word on a table whose potassium column, headed in
            # German, no model read: the warning naming it had scrolled away with the progress bar
            n = len(self.labs_not_read)
            shown = first_few(self.labs_not_read, fmt=repr, more=" ...")
            line += f"; {n} column{'s' * (n != 1)} not read, of no feature MIRAGE knows: {shown}"
        if self.labs_refused:
            line += (f"; {self.labs_refused} of {self.labs_rows + self.labs_refused} rows refused"
                     + self._refused_where())
        return line

    def _refused_where(self) -> str:
        """Where the refused rows' reasons are: their records' error rows; for a refused row of no record of the
        run, nowhere: ": see their records' error rows" had been said of a row whose record was not scored."""
        elsewhere = min(self.labs_refused_elsewhere, self.labs_refused)
        here = self.labs_refused - elsewhere
        if not elsewhere:
            return ": see their records' error rows"
        if not here:
            return (f": {'it fits' if elsewhere == 1 else 'they fit'} no record of this run "
                    "(no error row)")
        return (f": {here} of a record scored (see {'its error row' if here == 1 else 'their error rows'}), "
                f"{elsewhere} of no record in this run")

    def paediatric_line(self) -> str:
        """What the rows of children (``paediatric``) mean by "paediatric: adult limits not applied", said
        once for the run instead of in every row: "2 records of children (under 16 years): their
        interpretation's "[paediatric: adult limits not applied]" means: adult rate, axis ..."; "" when
        there were none."""
        if not self.paediatric:
            return ""
        n = self.paediatric
        return (f"{n} record{'s' * (n != 1)} of children: {'their' if n != 1 else 'its'} interpretation's "
                f"\"[{PAEDIATRIC_SHORT}]\" means: {paediatric_meaning(self.trained)}")

    def labs_header_line(self, table: str, limit: int = 3) -> str:
        """``labs_header_line`` of this run's records whose labs row differs from their header."""
        return labs_header_line(table, self.labs_header, limit)

    @property
    def exit_code(self) -> int:
        """0 all ok, 1 some failed, a folder could not be read (its records are not in the
        output) or cancelled before the end."""
        return 1 if (self.failed or self.cancelled or self.unreadable_folders or self.unsaved) else 0


def labs_header_line(table: str, records, limit: int = 3) -> str:
    """The records whose labs row differs from their header (``records``: (record path, note) as
    ``BatchSummary.labs_header`` holds them), in one warning: "labs.csv: 2 records' labs rows
    differ from their ECG header in age or sex and may be another patient's; the table's values
    are used (1.hea: sex M in the labs table, F in the header; ...); see the notes column of the
    output"; ""
    when none does. ``mirage score`` prints it, the app's batch dialog shows it."""
    records = list(records)
    if not records:
        return ""
    n = len(records)
    shown = "; ".join(f"{path}: {note.split('(', 1)[-1].split(')', 1)[0]}" for path, note in records[:limit])
    whose = "1 record's labs row differs from its" if n == 1 else f"{n} records' labs rows differ from their"
    return (f"{table}: {whose} ECG header in age or sex and may be another patient's; the table's values "
            f"are used ({shown}{' ...' if n > limit else ''}); see the notes column of the output")
