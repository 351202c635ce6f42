"""``score_folder``: every record under a folder scored into one output file, with a summary.

The output is rewritten (atomically, ``outputs``) at checkpoints every few seconds, at the end,
on cancel and on Ctrl-C; ``resume=True`` carries on from it. When it cannot be written in the middle
of a run, the rows go to a spare file beside it (``RowSaver``) and the summary says so. A second run writing the same
output is refused (a lock file ``.<name>.lock`` next to it).
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable

from mirage_model.clinical.labs import respelled_warning
from mirage_model.csvsafe import printable
from mirage_model.limits import RECORD_TIMEOUT_S
from mirage_model.records.folder import natural_key, unreadable_line
from mirage_model.review.batch.annotations import annotations_line
from mirage_model.review.batch.errors import BatchError
from mirage_model.review.batch.inputs import LabsLookup, features_read, find_inputs, labs_lookup
from mirage_model.paths import OutputError
from mirage_model.review.batch.outputs import (FORMATS, earlier_output, earlier_output_refusal, lock_file_of,
                                               lock_output, read_only, spare_output, write_atomic)
from mirage_model.review.batch.own_files import own_files_line, own_outputs_text, written_by_mirage
from mirage_model.review.batch.pipeline import iter_rows
from mirage_model.review.batch.priors import PriorComparer, SerialCounts
from mirage_model.review.batch.resume import check_kept, kept_rows
from mirage_model.review.batch.rows import (NOT_ECG, columns, folder_row, labs_header_notes, labs_text,
                                            record_ids, record_pdf_names, rel_path)
from mirage_model.review.interpret import PAEDIATRIC_SHORT, paediatric_meaning, statement_labels
from mirage_model.review.labels import ptbxl_coded
from mirage_model.words import counted, first_few

logger = logging.getLogger(__name__)


@dataclass
class BatchSummary:
    """What a batch did. ``seconds`` is wall time of this run; ``records_per_s`` counts the rows
    this run wrote (``handled``: scored, failed, not ECG; skipped ones are not work)."""
    scored: int
    skipped: int
    seconds: float
    records_per_s: float
    out_path: Path
    cancelled: bool = False
    errors: list[tuple[str, str]] = field(default_factory=list)   # (record path, message)
    pdfs: int = 0
    unscorable: int = 0               # of ``failed``: read, but no usable signal (not scored)
    # (path, what it is) of the files with an ECG format's extension that are no ECG (not failures)
    passed_over: list[tuple[str, str]] = field(default_factory=list)
    # ids of the labs table's rows that fit no record of the run (their values go nowhere)
    labs_unmatched: list[str] = field(default_factory=list)
    # "" or why some of them may fit no record (``clinical.labs.near_miss_text``: case, leading zeros)
    labs_unmatched_hint: str = ""
    # (folder, reason) of the folders that could not be listed (their records are not in the output)
    unreadable_folders: list[tuple[str, str]] = field(default_factory=list)
    # the labs table (None: none given): how many of its rows were read, how many refused (bad
    # value, id twice: their records get error rows), and its values by feature over the read rows
    # that fit a record
    labs_rows: int | None = None
    labs_refused: int = 0
    labs_values: dict[str, int] = field(default_factory=dict)
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
    # scored records of children, whose interpretation says PAEDIATRIC_SHORT (paediatric_line: its meaning)
    paediatric: int = 0
    # "" or why ``out_path`` could not be written at the end of the run and where its rows are instead
    # (``RowSaver.unsaved_line``); ``saved_in``: the file holding the run's rows (``out_path`` or that one)
    unsaved: str = ""
    saved_in: Path | None = None
    # what the serial comparison did (``compare_prior``; None: not asked for, or the run was cancelled first)
    serial: SerialCounts | None = None

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
        = 1.hea"; "" when none."""
        if not self.same_file:
            return ""
        n = len(self.same_file)
        named = ", ".join(f"{printable(a)} = {printable(b)}" for a, b in self.same_file[:limit])
        return (f"{counted(n, 'record file')} {'is' if n == 1 else 'are'} another name of a record of the folder "
                f"(a link), scored once, in that record's row: {named}{' ...' if n > limit else ''}")

    def count(self, row: dict) -> None:
        """Count one output row of this run."""
        if row["status"] == "ok":
            self.scored += 1
            if row.get("pdf"):
                self.pdfs += 1
            self.labs_header += [(str(row.get("record_path")), n) for n in labs_header_notes(row.get("notes"))]
            self.paediatric += f"[{PAEDIATRIC_SHORT}]" in str(row.get("interpretation") or "")
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
        records/s)", a rate of records it could not score."""
        return f" ({self.records_per_s:.1f} records/s)" if self.scored and self.records_per_s else ""

    def labs_line(self, table: str, model_reads) -> str:
        """What became of the labs table named ``table`` (its file name), for a model that reads
        the features ``model_reads``: "labs.csv: 12 of 30 values not used by this model (crp 6,
        troponin_t 6); 2 of 17 rows refused: see their records' error rows", "labs.csv: all 30
        values used by this model" when the model reads every one (never "0 of 30 values not
        used"), then the table's columns of no feature, which were not read ("; 2 columns not read, of
        no feature MIRAGE knows: 'Kalium (mmol/L)', 'Smoker'"), or, when no row could be read, "every
        row of labs.csv was refused (3 rows): see their records' error rows" (never "0 of 0 values"). ""
        without a table."""
        if self.labs_rows is None:
            return ""
        if self.labs_rows == 0:
            if self.labs_refused:
                return (f"every row of {table} was refused ({self.labs_refused} row"
                        f"{'s' if self.labs_refused != 1 else ''}): see their records' error rows "
                        "('labs row refused: ...')")
            return f"{table}: no rows: no values were used"
        reads = set(model_reads or ())
        unused = {k: v for k, v in self.labs_values.items() if k not in reads}
        total, n = sum(self.labs_values.values()), sum(unused.values())
        detail = f" ({', '.join(f'{k} {v}' for k, v in sorted(unused.items()))})" if unused else ""
        fit = max(0, self.labs_rows - len(self.labs_unmatched))
        if n:
            line = f"{table}: {n} of {total} values not used by this model{detail}"
        elif not total:     # "all 0 values used" had followed the warning that no row fit a record
            line = f"{table}: no value used: " + (
                f"the {counted(fit, 'row')} that fit{'s' * (fit == 1)} a record scored hold{'s' * (fit == 1)} none" if fit
                else f"no row of it fits a record scored ({counted(self.labs_rows, 'row')})")
        else:
            line = f"{table}: {'all ' if total != 1 else ''}{total} value{'s' * (total != 1)} used by this model"
        if self.labs_not_read:
            # "all 102 values used" had been the last word on a table whose potassium column, headed in
            # German, no model read: the warning naming it had scrolled away with the progress bar
            n = len(self.labs_not_read)
            shown = first_few(self.labs_not_read, fmt=repr, more=" ...")
            line += f"; {n} column{'s' * (n != 1)} not read, of no feature MIRAGE knows: {shown}"
        if self.labs_refused:
            line += (f"; {self.labs_refused} of {self.labs_rows + self.labs_refused} rows refused: "
                     "see their records' error rows")
        return line

    def paediatric_line(self) -> str:
        """What the rows of children (``paediatric``) mean by "paediatric: adult limits not applied", said
        once for the run instead of in every row: "2 records of children (under 16 years): their
        interpretation's "[paediatric: adult limits not applied]" means: adult rate, axis ..."; "" when
        there were none."""
        if not self.paediatric:
            return ""
        n = self.paediatric
        return (f"{n} record{'s' * (n != 1)} of children: {'their' if n != 1 else 'its'} interpretation's "
                f"\"[{PAEDIATRIC_SHORT}]\" means: {paediatric_meaning()}")

    def labs_header_line(self, table: str, limit: int = 3) -> str:
        """``labs_header_line`` of this run's records whose labs row differs from their header."""
        return labs_header_line(table, self.labs_header, limit)

    @property
    def exit_code(self) -> int:
        """0 all ok, 1 some failed, a folder could not be read (its records are not in the
        output) or cancelled before the end."""
        return 1 if (self.failed or self.cancelled or self.unreadable_folders or self.unsaved) else 0


def is_hidden(path) -> bool:
    """Whether an entry of ``BatchSummary.not_read`` is a hidden file or folder (a leading dot: not
    searched, ``records.folder.walk_files``), not a file that was looked at and is no record."""
    return Path(path).name.startswith(".")


def not_read_line(paths, why: str = "", names: str = "") -> str:
    """What a batch did not read (``BatchSummary.not_read``), in one line: the files, by extension,
    most first, then the hidden files and folders, which were not searched (a hidden folder's files
    are not looked at, so it counts as a folder, and a hidden file may be a record): "12 files not
    read: 7 .pdf, 4 .txt, 1 .docx; 2 hidden files and 1 hidden folder not searched (a leading dot)"
    ("without extension" for a name without one); "" when none. ``why`` is said of the files (``no
    ECG records``), ``names`` of the first part (where they are named)."""
    paths = [os.fspath(p) for p in paths]
    files = [Path(p) for p in paths if not is_hidden(p)]
    hidden = [p for p in paths if is_hidden(p)]
    parts: list[tuple[str, list[str]]] = []
    if files:
        by_ext: dict[str, int] = {}
        for p in files:
            ext = p.suffix.lower() or "without extension"
            by_ext[ext] = by_ext.get(ext, 0) + 1
        kinds = ", ".join(f"{n} {ext}" for ext, n in sorted(by_ext.items(), key=lambda kv: (-kv[1], kv[0])))
        parts.append((f"{counted(len(files), 'file')} not read: {kinds}", [why] if why else []))
    if hidden:
        folders = sum(p.endswith("/") for p in hidden)          # "sub/.git/" (``_not_read`` marks them)
        kinds = " and ".join(counted(n, f"hidden {noun}") for n, noun in
                             ((len(hidden) - folders, "file"), (folders, "folder")) if n)
        parts.append((f"{kinds} not searched", ["a leading dot"]))
    if parts and names:
        parts[0][1].append(names)
    return "; ".join(text + (f" ({'; '.join(notes)})" if notes else "") for text, notes in parts)


def _not_read(found, folder: Path, out_path: Path, labs, pdf_dir) -> tuple[list[str], list[str]]:
    """(not read, MIRAGE's own): the paths under ``folder`` of ``found.not_read`` (``inputs.FoundInputs``),
    less the labs table and this run's own outputs (the output file, and the PDFs it writes for its records
    in ``pdf_dir``: ``rows.record_pdf_names``; ``pdf_dir`` may be the scored folder itself), split into the
    files MIRAGE wrote (``own_files.written_by_mirage``: another run's results and PDFs) and the rest."""
    files = list(getattr(found, "not_read", ()) or ())
    if not files:
        return [], []
    source = getattr(labs, "source", None) if isinstance(labs, LabsLookup) else labs
    given = [Path(p) for p in (out_path, source) if isinstance(p, (str, os.PathLike))]
    given.append(lock_file_of(out_path))    # a hidden file, left by a killed run
    if pdf_dir is not None:
        # named among the run's records, as score_folder's iter_rows names them (name_pdfs_among)
        given += [Path(pdf_dir) / name for name in record_pdf_names(folder, found[0]).values()]
    own = {os.path.realpath(p) for p in given}
    # realpath only for a file of such a name, as given or as it resolves (20,000 files: 1.2 s -> 0.14 s)
    names = {p.name for p in given} | {os.path.basename(p) for p in own}
    rest = [p for p in files if not (Path(p).name in names and os.path.realpath(p) in own)]
    return split_own(rest, folder)


def split_own(paths, folder) -> tuple[list[str], list[str]]:
    """(not read, MIRAGE's own): the files ``paths`` under ``folder`` as ``not_read_entry`` names them, those
    MIRAGE wrote (``own_files.written_by_mirage``: another run's results and PDFs, a killed run's lock) apart."""
    mirage = {p for p in paths if written_by_mirage(p) and os.path.isfile(p)}
    return ([not_read_entry(p, folder) for p in paths if p not in mirage],
            [not_read_entry(p, folder) for p in paths if p in mirage])


def no_records_line(folder, not_read, own_files, not_ecg=()) -> str:
    """Why a batch of ``folder`` has nothing to score, saying what the folder holds, in one line (``mirage
    score``'s error, the batch dialog's end text): "no ECG records (.hea headers or clinical ECG files) found
    under DIR: it holds only MIRAGE's own outputs (results.csv, 3 PDF reports, 1 lock file)"; its other files
    counted as ``not_read_line`` counts them, MIRAGE's after them. MIRAGE's own files had been counted among
    the files not read ("4 files not read: 3 .pdf, 1 .csv (no ECG records)"), as though a record were among them.

    Args:
        not_read, own_files: the folder's files that are no record, and those of them MIRAGE wrote, by their
            path under it (``split_own``, ``BatchSummary``).
        not_ecg: the files with an ECG format's extension that are no ECG MIRAGE reads (paths).
    """
    line = f"no ECG records (.hea headers or clinical ECG files) found under {folder}"
    own = own_outputs_text(own_files)
    if own and not not_read and not not_ecg:
        return f"{line}: it holds only MIRAGE's own outputs ({own})"
    if not_ecg:
        line += (f"; {len(not_ecg)} file(s) with an ECG extension are no ECG MIRAGE reads: "
                 + first_few(not_ecg, fmt=lambda p: printable(Path(p).name), more=" ..."))
    if not_read:
        line += f"; {not_read_line(not_read, 'no ECG records')}"
    if own:
        line += f"; MIRAGE's own outputs: {own}"
    return line


def nothing_to_score(folder, found, unreadable=(), not_read: list | None = None) -> str:
    """Why a batch of ``folder`` is not run, in one line, when ``found`` (``find_inputs``) holds no record and no
    signal file to give a row: its folders could not be listed ("1 folder could not be read: ...: no records
    could be listed under DIR"), or ``no_records_line`` of what it holds; "" when there is something to score.
    ``mirage score`` refuses such a folder with it and the batch dialog says it, neither writing an output (the
    dialog had written a results CSV of its header line alone). ``not_read``, a list given, is filled with the
    folder's files that are no record, MIRAGE's own apart (``split_own``), for the dialog's tooltip: the dialog had
    split them again."""
    headers, orphans, not_ecg = found
    if headers or orphans:
        return ""
    other, own = split_own(getattr(found, "not_read", ()) or (), folder)
    if not_read is not None:
        not_read.extend(other)
    if unreadable:     # not "no records": none could be looked for
        return f"{unreadable_line(unreadable)}: no records could be listed under {folder}"
    return no_records_line(folder, other, own, not_ecg)


def not_read_entry(path, folder) -> str:
    """A file of ``FoundInputs.not_read`` as ``BatchSummary.not_read`` names it: its path under
    ``folder``; a hidden folder's (not searched: its files are not looked at) with a trailing "/"
    ("sub/.git/")."""
    return rel_path(Path(path), Path(folder)) + ("/" if is_hidden(path) and os.path.isdir(path) else "")


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


def score_folder(folder, predictor, out_path, *, labs=None, pdf_dir=None, workers: int = 1,
                 resume: bool = False, fmt: str = "csv", measure: bool = True,
                 progress: Callable[[int, int, dict], None] | None = None,
                 cancel: Callable[[], bool] | None = None, report_settings=None,
                 explain: bool = False, chunk_size: int = 32, checkpoint_s: float = 5.0,
                 mp_context: str | None = None, torch_threads: int | None = None,
                 record_timeout_s: float | None = RECORD_TIMEOUT_S,
                 all_statements: bool = False, statements_predictor=None,
                 found: tuple | None = None, unreadable_folders: list | None = None,
                 notice: Callable[[str], None] | None = None, overwrite: bool = True,
                 compare_prior: bool = False) -> BatchSummary:
    """Score every record under ``folder`` into ``out_path`` (one row per record).

    Args:
        folder: searched recursively for records (.hea with .dat or .mat); signal files without
            a header are listed as errors.
        predictor: an ``inference.Predictor``.
        out_path: the CSV or JSON-lines file to write (atomically, see the module docstring).
        labs: labs CSV path or {record_id: {name: (value, unit)}}; merged over the age, sex,
            height and weight the record itself carries. Or the run's ``LabsLookup`` already built
            (``inputs.labs_lookup`` of the same folder and records: the app's batch dialog), so that
            the table is read and matched once.
        pdf_dir: also write one PDF report per scored record there.
        workers: loader processes (load + measure run ahead of the model); 1: none.
        resume: keep the rows of an existing ``out_path`` whose status is ok and skip those
            records; errored records are tried again, and every row is written in the folder's
            order. Refused (``resume.check_kept``) when the kept rows name another model or
            statements model, give a record other labs-table values than this run would, or a
            kept record scores otherwise now (same name, other weights).
        fmt: "csv" or "jsonl".
        measure: add interval measurement columns.
        progress: called as progress(done, total, row) after each row (done counts this run).
        cancel: checked between records; True stops, keeping (and writing) what was done.
        report_settings: ``report.ReportSettings`` for the PDFs.
        explain: compute explanations for the PDFs (slower).
        chunk_size: records per batched forward pass.
        checkpoint_s: rewrite the output while scoring when this long has passed since the last
            rewrite, or ``CHECKPOINT_COST`` times that rewrite's own duration if longer (the whole
            file is rewritten atomically each time, so the wait grows with the rows: at most about
            a tenth of the run goes to checkpoints; 21,799 rows take 0.36 s to write).
        mp_context: process start method of the loader pool.
        torch_threads: torch intra-op threads while scoring (restored after); None leaves the
            process's setting. 1 is usually best for batches on a small CPU: the chunk is already
            a batch, and on a busy machine extra threads wait on each other (measured on 2
            shared cores: 76 records/s with 1 thread, 11 with 2).
        record_timeout_s: time limit (s) for reading and measuring one record (see iter_rows).
        all_statements: one ``stmt_<code>`` probability column per PTB-XL statement the model
            carries (``interpret.statement_labels``: none for a superclass model). Every output
            has the ``interpretation`` column (the statements in reading order) and
            ``interpretation_notes`` (why each statement marked "(?)" is doubted).
        statements_predictor: a statements model run beside ``predictor`` (e.g. the shipped
            "statements" model beside the superclass model): the interpretation, the ``stmt_``
            columns and the PDFs' interpretation come from it; ``statements_model`` names it.
        found: what ``find_inputs(folder, unreadable_folders)`` returned, when the caller has
            already searched the folder (it is not searched again); None: searched here. Its
            ``not_read`` files (less the labs table and this run's outputs) are the summary's
            ``not_read``; a plain (headers, orphans, not_ecg) tuple has none.
        unreadable_folders: the folders that search could not list (with ``found``).
        notice: called with a line to tell at once, before any record is scored: the output's lock
            file left by a killed run was taken over (also ``BatchSummary.lock_note`` at the end).
        overwrite: replace the rows an earlier run wrote in ``out_path`` when not resuming; False
            refuses such an output (``mirage score`` without --overwrite or --resume). A file that is
            no batch output (an ECG's signal file, the labs table) is refused either way
            (``outputs.earlier_output``).
        compare_prior: once every record is scored, compare each with the same patient's latest earlier
            record of the run (``priors``: the columns ``rows.SERIAL_COLUMNS``; the PDF of a record that may be
            compared is written then, once, with the comparison where there is one; a stopped run's are written
            by the run that resumes it). A resumed run scores the records it keeps again for it
            (their rows stay as they were but for those columns). Not done when the run is cancelled.

    Returns:
        BatchSummary (scored, failed, skipped, seconds, records_per_s, out_path, cancelled, errors,
        not_read: the folder's files that are no record and have no row; unsaved and saved_in: the
        output could not be written at the end, and the spare file that holds its rows).

    Raises:
        BatchError: missing folder, bad labs table, unknown format, an output to resume that
            cannot be read, was written with other columns, by another model or with other
            labs-table values, an output that another run is writing (its lock is held), an
            output holding an earlier run's rows without ``resume`` or ``overwrite``, or an
            existing file that is no batch output.
        KeyboardInterrupt: after writing what was done.
    """
    t0 = time.perf_counter()
    if fmt not in FORMATS:
        raise BatchError(f"unknown output format {fmt!r} (use csv or jsonl)")
    folder = Path(folder)
    out_path = Path(out_path)
    if found is None:
        unreadable_folders = []
        found = find_inputs(folder, unreadable_folders)
    headers, orphans, not_ecg = found
    # the table read and its rows matched to the run's records once: the summary's unmatched rows,
    # every row's values and the app's batch dialog (which may hand its lookup in as ``labs``)
    if isinstance(labs, LabsLookup):
        lookup = labs
    else:
        lookup = labs_lookup(labs, folder, headers)
    # a bad value the run's models do not read is left out of its row, not its record refused
    lookup.reads = features_read(predictor, statements_predictor)
    labs_d, labs_errors = lookup.labs, lookup.errors
    labels = list(getattr(predictor, "labels", ()))
    statements = statement_labels(ptbxl_coded(statements_predictor or predictor)) \
        if all_statements else []
    cols = columns(labels, measure=measure, pdf=pdf_dir is not None, statements=statements, serial=compare_prior)
    lock = lock_output(out_path)
    if lock.stale_note and notice is not None:
        notice(lock.stale_note)
    try:
        if earlier_output(out_path, fmt) and not resume and not overwrite:
            raise BatchError(earlier_output_refusal(out_path))
        kept = kept_rows(out_path, fmt, cols) if resume else []
        # every record of the folder by its row's record_path, in the order a run writes them
        by_rel = {rel_path(p, folder): p for p in sorted(set(headers) | set(orphans) | set(not_ecg), key=natural_key)}
        # a folder that could not be listed has a row too, where its records would be ("sub/": status error)
        unlisted = {Path(f): reason for f, reason in unreadable_folders or ()}
        folder_rows = [folder_row(cols, _folder_rel(f, folder), reason, str(getattr(predictor, "name", "") or ""))
                       for f, reason in unlisted.items()]
        # natural order (1, 2, 10: ``natural_key``), as the rows arrive and the batch dialog shows them; an
        # output written in text order (1, 10, 2) by an earlier version is rewritten in it when resumed
        # (by record_path, as the dialog sorts them: a folder "sub/" after a record "sub.hea")
        order = {rel: k for k, rel in enumerate(
            sorted([*by_rel, *(_folder_rel(f, folder) for f in unlisted)], key=natural_key))}
        # how every record of this run is scored: the run below, and the resume check's re-scoring
        scoring = dict(root=folder, labs=labs_d, measure=measure, labs_errors=labs_errors,
                       all_statements=all_statements, statements_predictor=statements_predictor,
                       labs_lookup=lookup, record_timeout_s=record_timeout_s)
        if kept:
            _check_kept(out_path, kept, by_rel, predictor, statements_predictor, lookup, dict(scoring, workers=1))
        done_keys = {str(row.get("record_path")) for row in kept}
        todo_h, todo_o, todo_n = ([p for p in group if rel_path(p, folder) not in done_keys]
                                  for group in (headers, orphans, not_ecg))
        total = len(todo_h) + len(todo_o) + len(todo_n)
        skipped = len(headers) + len(orphans) + len(not_ecg) - total

        # record_id unique among the output's rows (rows.record_ids): the run's records, its folders
        # that could not be listed, and the kept rows of records no longer in the folder; a kept row
        # of an earlier output (written when two records could both be "1", or when a record that
        # has gone shared its name) gets its id as this run names it
        ids = record_ids([*by_rel, *(row["record_path"] for row in folder_rows),
                          *(str(row.get("record_path")) for row in kept)])

        def named(row: dict) -> dict:
            path = str(row.get("record_path"))
            row["record_id"] = ids.get(path) or _own_name(path)
            return row

        rows = [named(row) for row in list(kept) + folder_rows]
        not_read, own_files = _not_read(found, folder, out_path, lookup, pdf_dir)
        summary = BatchSummary(scored=0, skipped=skipped, seconds=0.0, records_per_s=0.0,
                               out_path=out_path, unreadable_folders=list(unreadable_folders or ()),
                               lock_note=lock.stale_note, not_read=not_read, own_files=own_files,
                               annotations=[not_read_entry(p, folder) for p in getattr(found, "annotations", ())],
                               same_file=[(rel_path(Path(a), folder), rel_path(Path(b), folder))
                                          for a, b in getattr(found, "same_file", ())])
        if labs is not None:
            refused = lookup.refused_rows()
            summary.labs_rows, summary.labs_refused = len(set(labs_d) - refused), len(refused)
            # a row that fits no record gives no value (said below): "all 645 values used" had counted
            # them beside the warning that their rows were not used
            unmatched = set(lookup.match.unmatched)
            for row_id, values in labs_d.items():
                if row_id in unmatched or row_id in refused:
                    continue
                for name in values or {}:
                    summary.labs_values[name] = summary.labs_values.get(name, 0) + 1
            summary.labs_unmatched = lookup.match.unmatched
            summary.labs_not_read = list(lookup.not_read)
            summary.labs_warnings = list(lookup.warnings)
            left = [why for rid, bad in lookup.cell_errors.items() if rid not in refused and rid not in unmatched
                    for why in bad.values()]
            if left:
                # each named on its record's row too; the record is scored without it
                more = " ..." if len(left) > 3 else ""
                line = (f"{counted(len(left), 'labs value')} left out, no model of the run reads "
                        f"{'it' if len(left) == 1 else 'them'} ({'; '.join(left[:3])}{more})")
                logger.warning("%s", line)
                summary.labs_warnings.append(line)
            line = respelled_warning("labs table", lookup.match.respelled_notes())
            if line:
                # a row matched by the number its id reads as ("1.0" for the record 1): said, never silent
                logger.warning("%s", line)
                summary.labs_warnings.append(line)
            summary.labs_unmatched_hint = lookup.unmatched_hint(by_rel.values())
        cancelled = False

        def cancel_check() -> bool:
            nonlocal cancelled
            if cancel is not None and cancel():
                cancelled = True
            return cancelled

        saver = RowSaver(out_path, cols, fmt, notice)

        def write() -> None:
            # in the folder's order, as an uninterrupted run writes them: a resumed run's retried
            # records (failed before) go back to their places; rows of records no longer in the
            # folder stay, at the end
            rows.sort(key=lambda row: order.get(str(row.get("record_path")), len(order)))
            saver.write(rows)

        # a valid (possibly empty) file from the start; one that cannot be written stops the run here
        write_atomic(out_path, cols, rows, fmt)
        last_write, write_s = time.perf_counter(), 0.0
        comparer = PriorComparer(folder) if compare_prior else None
        along = dict(pdf_dir=pdf_dir, workers=workers, explain=explain, chunk_size=chunk_size,
                     report_settings=report_settings, cancel=cancel_check, mp_context=mp_context,
                     name_pdfs_among=headers, ids_among=by_rel.values(),
                     on_row=comparer.add if comparer is not None else None)
        gen = iter_rows(todo_h, predictor, **scoring, **along, orphans=todo_o, not_ecg=todo_n)
        try:
            # the generator is closed (its loader pools shut down) before the threads are restored
            with _torch_threads(torch_threads), contextlib.closing(gen), saver.told_on_interrupt():
                for row in gen:
                    rows.append(named(row))
                    summary.count(row)
                    if progress is not None:
                        progress(summary.handled, total, row)
                    if time.perf_counter() - last_write >= checkpoint_wait(checkpoint_s, write_s):
                        started = time.perf_counter()
                        write()
                        last_write = time.perf_counter()
                        write_s = last_write - started
                if comparer is not None and not cancel_check():
                    summary.serial = _compare_priors(comparer, rows, kept, by_rel, predictor, scoring, along,
                                                     pdf_dir, cancel_check)
                    summary.serial_pdfs(done_keys)
        finally:
            write()
            summary.unsaved, summary.saved_in = saver.unsaved_line(), saver.saved_in
            summary.seconds = time.perf_counter() - t0
            n = summary.handled
            summary.records_per_s = n / summary.seconds if summary.seconds > 0 else 0.0
            # cancelled while comparing: its rows have no comparison yet (a resumed run makes it)
            summary.cancelled = cancelled and (n < total or (comparer is not None and summary.serial is None))
        return summary
    finally:
        lock.close()


def _compare_priors(comparer: PriorComparer, rows: list[dict], kept: list[dict], by_rel: dict, predictor,
                    scoring: dict, along: dict, pdf_dir, cancel: Callable[[], bool]) -> SerialCounts | None:
    """``score_folder``'s serial comparison, once every record is scored: the records a resumed run kept
    scored again (their rows unchanged: the comparison needs their sessions), then each ok row's serial
    columns (``PriorComparer.results``) and the PDFs of the records it held (``PriorComparer.write_pdfs``: each
    once, with the comparison where there is one). None when cancelled meanwhile (the rows are saved without it;
    a resumed run compares them). Where the earlier run compared every kept row, each has its PDF, and this run
    read no record that identifies a patient (nothing it scored or failed can be anyone's prior), the kept rows'
    comparisons stand, and they are not scored again."""
    started = time.perf_counter()
    again = [by_rel[str(row.get("record_path"))] for row in kept if str(row.get("record_path")) in by_rel]
    stands = bool(again) and not comparer.entries and all(
        row.get("serial_changes") and (pdf_dir is None or row.get("pdf"))
        for row in kept if str(row.get("record_path")) in by_rel)
    if again and not stands:
        # none of the kept rows' PDFs is written while they are scored again: below, the compared ones are, and
        # those a stopped run left to its comparison
        with contextlib.closing(iter_rows(again, predictor, **scoring, **dict(along, write_pdfs=False))) as gen:
            for _row in gen:
                pass
    if cancel():
        return None
    ok = {str(row.get("record_path")) for row in rows if row.get("status") == "ok"}
    cells, counts = comparer.results(ok)
    counts.cells = cells
    for row in rows:
        if str(row.get("record_path")) in cells:
            row.update(cells[str(row.get("record_path"))])
    if pdf_dir is not None:
        comparer.write_pdfs(counts, Path(pdf_dir), rows)
    counts.rescored, counts.stood = (0, len(again)) if stands else (len(again), 0)
    counts.seconds = time.perf_counter() - started
    return counts


class RowSaver:
    """Writes a run's rows to its output, atomically (``outputs.write_atomic``), and keeps them when the
    output cannot be written in the middle of the run: another program holds it (Windows refuses to
    replace a file open in Excel), it was made read-only (``outputs.read_only``: never replaced, as at the
    start), the disk is full. The rows then go to a spare file beside it (``outputs.spare_output``), and
    the output is tried again at each later write; when the last write reaches it, the spare is removed.
    A batch had ended on the first such error, its rows since the last checkpoint lost.

    Attributes:
        saved_in: the file the last write that succeeded went to (None: none yet).
        spare: the spare file, once one was needed.
        why: why the output was not written at the last write ("" when it was).
        failed: why the spare could not be written either at the last write ("" when it was, or not tried).
    """

    def __init__(self, out_path: Path, cols: list[str], fmt: str, notice: Callable[[str], None] | None = None):
        self.out_path, self.cols, self.fmt, self.notice = Path(out_path), cols, fmt, notice
        self.saved_in: Path | None = None
        self.saved_rows = 0
        self.spare: Path | None = None
        self.why = ""
        self.failed = ""

    def write(self, rows: list[dict]) -> None:
        """``rows`` to the output, else to the spare; never raises an ``OSError`` (what went wrong is kept)."""
        self.why = _not_writable(self.out_path) or self._try(self.out_path, rows)
        if not self.why:
            self.failed = ""
            if self.spare is not None and self.spare.exists():
                with contextlib.suppress(OSError):
                    os.remove(self.spare)        # its rows are all in the output now
            return
        first = self.spare is None
        if first:
            self.spare = spare_output(self.out_path)
        self.failed = self._try(self.spare, rows)
        if first and self.notice is not None:
            self.notice(self.unsaved_line(ending=False) + f"; {self.out_path} is tried again at each save")

    def _try(self, path: Path, rows: list[dict]) -> str:
        try:
            write_atomic(path, self.cols, rows, self.fmt)
        except OSError as err:
            return _reason(err)
        self.saved_in, self.saved_rows = path, len(rows)
        return ""

    def unsaved_line(self, ending: bool = True) -> str:
        """What became of the rows when the output could not be written ("" when it was, last time):
        "cannot write results.csv: Permission denied; its rows (120 rows) are in results.unsaved.csv
        instead, none lost"."""
        if not self.why:
            return ""
        line = f"cannot write {self.out_path}: {self.why}"
        if not self.failed:
            return line + (f"; its rows ({counted(self.saved_rows, 'row')}) are in {self.spare} instead, none lost"
                           if ending else f"; its rows are saved in {self.spare} meanwhile")
        line += f", nor the spare file {self.spare}: {self.failed}"
        if self.saved_in is None:
            return line + "; no row of this run could be saved"
        return line + f"; {self.saved_in} holds the {self.saved_rows} rows saved last, the rows since are lost"

    @contextlib.contextmanager
    def told_on_interrupt(self):
        """A ``KeyboardInterrupt`` out of the block carries ``saved_in`` (the file holding the rows, once
        the last write is made by the caller's ``finally``) and ``unsaved`` (``unsaved_line``)."""
        try:
            yield
        except KeyboardInterrupt as stop:
            stop.saver = self           # read after the final write: see ``interrupted_saves``
            raise


def interrupted_saves(stop: BaseException) -> tuple[Path | None, str]:
    """(the file holding an interrupted run's rows, ``RowSaver.unsaved_line``) of the ``KeyboardInterrupt``
    a ``score_folder`` ended with; (None, "") when it carries none (stopped before scoring began)."""
    saver = getattr(stop, "saver", None)
    if saver is None:
        return None, ""
    return saver.saved_in, saver.unsaved_line()


def _not_writable(path: Path) -> str:
    """Why the output must not be replaced now, though it was at the start: it was made read-only
    during the run (``outputs.read_only``); "" otherwise."""
    protected = read_only(path)
    return f"made {protected} during the run, so left as it is" if protected else ""


def _reason(err: OSError) -> str:
    """The system's words for a write that failed ("Permission denied"), without the path
    (``paths.OutputError`` names it: "cannot write OUT: Permission denied")."""
    cause = err.__cause__ if isinstance(err, OutputError) and isinstance(err.__cause__, OSError) else err
    return str(cause.strerror or cause)


def _own_name(rel: str) -> str:
    """The ``record_id`` of a row whose name no other row of the output bears: a record's file stem
    (as its reader names it, ``EcgRecord.record_id``), a folder's last part."""
    if rel.endswith("/"):
        return rel.rstrip("/").rpartition("/")[2] or rel
    return PurePosixPath(rel).stem


def _folder_rel(path: Path, root: Path) -> str:
    """A folder's ``record_path``: its path under ``root`` with a trailing "/" ("sub/locked/")."""
    rel = rel_path(Path(path), root)
    return "./" if rel in ("", ".") else rel.rstrip("/") + "/"


def _check_kept(out_path: Path, kept: list[dict], by_rel: dict, predictor, statements_predictor,
                lookup: LabsLookup, iter_kwargs: dict) -> None:
    """``resume.check_kept`` for this run: its model's and statements model's names, each kept
    record's labs-table values as this run's lookup gives them, and a kept record scored again
    with this run's settings (``iter_kwargs`` of ``iter_rows``)."""
    source = statements_predictor if statements_predictor is not None else predictor
    says = str(getattr(source, "name", "") or "") \
        if statement_labels(ptbxl_coded(source)) else None

    def labs_used(rel: str) -> str | None:
        path = by_rel.get(rel)
        return None if path is None else labs_text(lookup.values(path))

    def rescore(rel: str) -> dict | None:
        with contextlib.closing(iter_rows([by_rel[rel]], predictor, **iter_kwargs)) as gen:
            return next(gen, None)

    check_kept(out_path, kept, model=str(getattr(predictor, "name", "") or ""), statements_model=says,
               labs_used=labs_used, rescore=rescore)


# a checkpoint waits at least this many times as long as the last one took to write
CHECKPOINT_COST = 10.0


def checkpoint_wait(checkpoint_s: float, last_write_s: float) -> float:
    """Seconds to wait after a checkpoint before the next: ``checkpoint_s``, or ``CHECKPOINT_COST``
    times the last rewrite's duration when that is longer (a rewrite of the whole output grows with
    its rows; without this a 100,000-row batch would spend a third of its time rewriting)."""
    return max(float(checkpoint_s), CHECKPOINT_COST * max(0.0, float(last_write_s)))


@contextlib.contextmanager
def _torch_threads(n: int | None):
    """torch's intra-op threads set to ``n`` inside the block and restored after (None: untouched)."""
    if n is None:
        yield
        return
    import torch   # heavy: imported only when a thread count is asked for (the model has it by now)

    before = torch.get_num_threads()
    torch.set_num_threads(max(1, int(n)))
    try:
        yield
    finally:
        torch.set_num_threads(before)
