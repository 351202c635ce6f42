"""``score_folder``: every record under a folder scored into one output file, with a summary.

The output is rewritten (atomically, ``outputs``) at checkpoints every few seconds, at the end,
on cancel and on Ctrl-C; ``resume=True`` carries on from it. When it cannot be written in the middle
of a run, the rows go to a spare file beside it (``RowSaver``) and the summary says so. A second run writing the same
output is refused (a lock file ``.<name>.lock`` next to it). Beside the output, ``.<name>.stamps`` keeps each
record's files' stamp as the run found them before reading any (``row_stamps``), by which a resumed run tells a kept
row whose record changed on disk since.

What the run did is its ``BatchSummary`` (``summary``); what the folder holds that it does not score, ``not_read``;
the rows written while it goes, ``saving``: their names are importable from here too, where the app, the CLI and
the tests import them.
"""

from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path, PurePosixPath
from typing import Callable

from mirage_model.clinical.labs import censored_warning, listed_warnings, respelled_warning
from mirage_model.limits import RECORD_TIMEOUT_S
from mirage_model.records.folder import natural_key
from mirage_model.review.batch.cells import columns, folder_row, labs_text
from mirage_model.review.batch.errors import BatchError
from mirage_model.review.batch.inputs import LabsLookup, features_read, find_inputs, labs_lookup
from mirage_model.review.batch.naming import earlier_pdfs_by_record, kept_pdf_words, record_ids, rel_path
from mirage_model.review.batch.not_read import (_not_read, is_hidden, no_records_line, not_read_entry, not_read_line,
                                                nothing_to_score, split_own)
from mirage_model.review.batch.outputs import (DEFAULT_DIALECT, FORMATS, earlier_output, earlier_output_refusal,
                                               lock_output, output_dialect, write_atomic)
from mirage_model.review.batch.pipeline import CHUNK_SIZE, OutputCopies, iter_rows
from mirage_model.review.batch.priors import PriorComparer, SerialCounts
from mirage_model.review.batch.resume import check_kept, check_unchanged, kept_rows, kept_without
from mirage_model.review.batch.row_stamps import record_digests, write_stamps
from mirage_model.review.batch.saving import CHECKPOINT_COST, RowSaver, checkpoint_wait, interrupted_saves
from mirage_model.review.batch.summary import BatchSummary, labs_header_line
from mirage_model.review.interpret import statement_labels, trained_words
from mirage_model.review.labels import ptbxl_coded
from mirage_model.words import counted

# the names the app, the CLI and the tests import from here (``summary``'s, ``not_read``'s, ``saving``'s)
__all__ = ["CHECKPOINT_COST", "BatchSummary", "RowSaver", "checkpoint_wait", "interrupted_saves", "is_hidden",
           "labs_header_line", "no_records_line", "not_read_entry", "not_read_line", "nothing_to_score",
           "score_folder", "split_own"]

logger = logging.getLogger(__name__)


def score_folder(folder, predictor, out_path, *, labs=None, pdf_dir=None, workers: int = 1,
                 resume: bool = False, fmt: str = "csv", measure: bool = True,
                 progress: Callable[[int, int, dict], None] | None = None,
                 cancel: Callable[[], bool] | None = None, report_settings=None,
                 explain: bool = False, chunk_size: int = CHUNK_SIZE, checkpoint_s: float = 5.0,
                 mp_context: str | None = None, torch_threads: int | None = None,
                 record_timeout_s: float | None = RECORD_TIMEOUT_S,
                 all_statements: bool = False, statements_predictor=None,
                 found: tuple | None = None, unreadable_folders: list | None = None,
                 notice: Callable[[str], None] | None = None, overwrite: bool = True,
                 compare_prior: bool = False, started: Callable[[int], None] | None = None,
                 csv_dialect: str | None = None, patient_names: bool = False,
                 comparing: Callable[[int, int], None] | None = None,
                 keeping: Callable[[list[dict]], None] | None = None) -> BatchSummary:
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
            statements model, give a record other labs-table values than this run would, a
            kept record scores otherwise now (same name, other weights), or a kept record's files
            changed on disk since its row was scored (``resume.check_unchanged``). An earlier version's output
            that lacks only columns added since (``resume.ADDED_SINCE``) is carried on, its kept rows empty in them
            and saying so in their notes (``BatchSummary.kept_without``).
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
            record of the run (``priors``: the columns ``cells.SERIAL_COLUMNS``; the PDF of a record that may be
            compared is written then, once, with the comparison where there is one; a stopped run's are written
            by the run that resumes it). A resumed run scores the records it keeps again for it
            (their rows stay as they were but for those columns). Not done when the run is cancelled.
        csv_dialect: a CSV's dialect (``outputs.CSV_DIALECTS``: "excel", commas and decimal points; "excel-eu",
            semicolons and decimal commas); None: a resumed output's own, else "excel". A resumed output
            written in another than the one given is refused (``outputs.output_dialect``).
        patient_names: a ``patient_name`` column beside ``patient_id`` and ``recorded`` (``cells.columns``' ``names``).
        comparing: called as comparing(done, total) while a resumed run's kept records are scored again for the
            comparison (``done`` 0 before the first, then after each): about as long a wait as scoring them was,
            after the last row of ``progress``.
        keeping: called with copies of the rows a resumed run keeps (named as the output writes them) before the
            first record is scored, so that a face shows the whole table from the start; not called when none.
        started: called with the number of records this run sets out to score (``BatchSummary.to_score``;
            a resumed run's are fewer than the folder's) before the first is scored, so that a face
            says "0 of N" from the start.

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
    cols = columns(labels, measure=measure, pdf=pdf_dir is not None, statements=statements, serial=compare_prior,
                   names=patient_names)
    lock = lock_output(out_path)
    if lock.stale_note and notice is not None:
        notice(lock.stale_note)
    try:
        if earlier_output(out_path, fmt) and not resume and not overwrite:
            raise BatchError(earlier_output_refusal(out_path))
        dialect = output_dialect(out_path, csv_dialect, resume) if fmt == "csv" else DEFAULT_DIALECT
        # an earlier version's kept rows lack nothing of in_training where this run's model keeps no fingerprints
        blank = () if getattr(predictor, "training_records", None) is not None else ("in_training",)
        kept = kept_rows(out_path, fmt, cols, blank) if resume else []
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
                       labs_lookup=lookup, record_timeout_s=record_timeout_s, patient_names=patient_names)
        # each record's files as they are before any is read: what a resumed run checks its kept rows against
        stamps = record_digests(by_rel)
        if kept:
            check_unchanged(out_path, kept, by_rel, stamps, folder)
            _check_kept(out_path, kept, by_rel, predictor, statements_predictor, lookup, dict(scoring, workers=1))
        done_keys = {str(row.get("record_path")) for row in kept}
        todo_h, todo_o, todo_n = ([p for p in group if rel_path(p, folder) not in done_keys]
                                  for group in (headers, orphans, not_ecg))
        total = len(todo_h) + len(todo_o) + len(todo_n)
        # the PDFs an earlier run wrote for this run's records: one whose record fails now stays, named in its row
        earlier = earlier_pdfs_by_record(pdf_dir, folder, headers, done_keys) if pdf_dir is not None else {}
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
        summary = BatchSummary(scored=0, skipped=skipped, seconds=0.0, records_per_s=0.0, to_score=total,
                               out_path=out_path, unreadable_folders=list(unreadable_folders or ()),
                               lock_note=lock.stale_note, not_read=not_read, own_files=own_files,
                               annotations=[not_read_entry(p, folder) for p in getattr(found, "annotations", ())],
                               same_file=[(rel_path(Path(a), folder), rel_path(Path(b), folder))
                                          for a, b in getattr(found, "same_file", ())],
                               with_row=set(done_keys),
                               trained=trained_words(statements_predictor or predictor, predictor),
                               kept_without=kept_without(kept))
        if labs is not None:
            refused = lookup.refused_rows()
            summary.labs_rows, summary.labs_refused = len(set(labs_d) - refused), len(refused)
            # a refused row whose id fits no record of the run has no error row to see
            summary.labs_refused_elsewhere = len(refused & set(lookup.match.unmatched))
            # the features the run's models read, as a bad value left out of a row is judged (``features_read``)
            summary.model_reads = None if lookup.reads is None else sorted(lookup.reads)
            # a row that fits no record gives no value (said below): "all 645 values used" had counted
            # them beside the warning that their rows were not used
            unmatched = set(lookup.match.unmatched)
            # nor does a row that fits several records (each refused, said in its error row)
            given = set(lookup.match.rows.values())
            summary.labs_ambiguous = len(lookup.match.ambiguous)
            for row_id, values in labs_d.items():
                if row_id in unmatched or row_id in refused or row_id not in given:
                    continue
                for name in values or {}:
                    summary.labs_values[name] = summary.labs_values.get(name, 0) + 1
            summary.labs_unmatched = lookup.match.unmatched
            summary.labs_not_read = list(lookup.not_read)
            summary.labs_warnings = list(lookup.warnings)
            # the censored values of the rows the run's records are given, of features its models read
            line = censored_warning(lookup.source or "labs table", [c for c in lookup.censored if c.row in given
                                    and c.row not in unmatched and c.row not in refused], lookup.reads)
            if line:
                logger.warning("%s", line)
                summary.labs_warnings.append(line)
            left = [why for rid, bad in lookup.cell_errors.items() if rid not in refused and rid not in unmatched
                    for why in bad.values()]
            if left:
                # each named on its record's row too; the record is scored without it
                more = " ..." if len(left) > 3 else ""
                line = (f"{counted(len(left), 'labs value')} left out, no model of the run reads "
                        f"{'it' if len(left) == 1 else 'them'} ({'; '.join(left[:3])}{more})")
                logger.warning("%s", line)
                summary.labs_warnings.append(line)
            for line in (respelled_warning("labs table", lookup.match.respelled_notes()),
                         *listed_warnings("labs table", lookup.match)):
                # a row matched by the number its id reads as ("1.0" for the record 1), or by convert's list of the
                # records it renamed ("Müller" for Muller), and the rows that list names refused: said, never silent
                if line:
                    logger.warning("%s", line)
                    summary.labs_warnings.append(line)
            summary.labs_unmatched_hint = lookup.unmatched_hint(by_rel.values())
            summary.labs_id_examples = sorted({lookup.record_id(p) for p in headers})[:2]   # ECG records, not orphans
        cancelled = False

        def cancel_check() -> bool:
            nonlocal cancelled
            if cancel is not None and cancel():
                cancelled = True
            return cancelled

        saver = RowSaver(out_path, cols, fmt, notice, dialect)

        def write() -> None:
            # in the folder's order, as an uninterrupted run writes them: a resumed run's retried
            # records (failed before) go back to their places; rows of records no longer in the
            # folder stay, at the end
            rows.sort(key=lambda row: order.get(str(row.get("record_path")), len(order)))
            saver.write(rows)
            if not saver.why:
                write_stamps(out_path, folder, stamps)

        # a valid (possibly empty) file from the start; one that cannot be written stops the run here
        write_atomic(out_path, cols, rows, fmt, dialect)
        write_stamps(out_path, folder, stamps)
        last_write, write_s = time.perf_counter(), 0.0
        comparer = PriorComparer(folder) if compare_prior else None
        along = dict(pdf_dir=pdf_dir, workers=workers, explain=explain, chunk_size=chunk_size,
                     report_settings=report_settings, cancel=cancel_check, mp_context=mp_context,
                     name_pdfs_among=headers, ids_among=by_rel.values(),
                     on_row=comparer.add if comparer is not None else None)
        # a copy names the first row of its ECG in the output's order, a kept row or this run's
        copies = OutputCopies(lambda rel: order.get(rel, len(order)))
        for row in rows:
            copies.add(row)
        gen = iter_rows(todo_h, predictor, **scoring, **along, orphans=todo_o, not_ecg=todo_n)
        if keeping is not None and kept:
            keeping([dict(row) for row in kept])      # copies: the run's own go on changing (the comparison's cells)
        if started is not None:
            started(total)
        scored_by = None        # when the last row came: the rate's end (the serial comparison after it is apart)
        try:
            # the generator is closed (its loader pools shut down) before the threads are restored
            with _torch_threads(torch_threads), contextlib.closing(gen), saver.told_on_interrupt():
                for row in gen:
                    kept_pdf = earlier.get(str(row.get("record_path")))
                    if kept_pdf is not None and row.get("status") != "ok" and kept_pdf.is_file():
                        row["error"] = f"{row.get('error') or ''}; {kept_pdf_words(kept_pdf, pdf_dir)}"
                        summary.earlier_kept.append(kept_pdf)
                    rows.append(named(row))
                    copies.add(row)
                    summary.count(row)
                    if progress is not None:
                        progress(summary.handled, total, row)
                    if time.perf_counter() - last_write >= checkpoint_wait(checkpoint_s, write_s):
                        write_from = time.perf_counter()
                        write()
                        last_write = time.perf_counter()
                        write_s = last_write - write_from
                scored_by = time.perf_counter()
                if comparer is not None and not cancel_check():
                    summary.serial = _compare_priors(comparer, rows, kept, by_rel, predictor, scoring, along,
                                                     pdf_dir, cancel_check, comparing)
                    summary.serial_pdfs(done_keys)
        finally:
            write()
            summary.copies = sum(bool(row.get("same_ecg_as")) for row in rows)     # the output's, kept rows too
            summary.unsaved, summary.saved_in = saver.unsaved_line(), saver.saved_in
            summary.seconds = time.perf_counter() - t0
            n = summary.handled
            # records per second of scoring them: a resumed run's serial comparison scores its kept records again
            # after the last row (228 of them, 225 s), which had made 117 records in 209 s read "0.3 records/s"
            scoring_s = (scored_by or time.perf_counter()) - t0
            summary.records_per_s = n / scoring_s if scoring_s > 0 else 0.0
            # cancelled while comparing: its rows have no comparison yet (a resumed run makes it)
            summary.cancelled = cancelled and (n < total or (comparer is not None and summary.serial is None))
        return summary
    finally:
        lock.close()


def _compare_priors(comparer: PriorComparer, rows: list[dict], kept: list[dict], by_rel: dict, predictor,
                    scoring: dict, along: dict, pdf_dir, cancel: Callable[[], bool],
                    comparing: Callable[[int, int], None] | None = None) -> SerialCounts | None:
    """``score_folder``'s serial comparison, once every record is scored: the records a resumed run kept
    scored again (their rows unchanged: the comparison needs their sessions), then each ok row's serial
    columns (``PriorComparer.results``) and the PDFs of the records it held (``PriorComparer.write_pdfs``: each
    once, with the comparison where there is one). None when cancelled meanwhile (the rows are saved without it;
    a resumed run compares them). Where the earlier run compared every kept row, each has its PDF, and this run
    read no record that identifies a patient (nothing it scored or failed can be anyone's prior), the kept rows'
    comparisons stand, and they are not scored again. ``comparing(done, total)`` follows that scoring: it takes
    as long as the kept records took (228 PTB-XL records, 225 s), after the run's last row."""
    started = time.perf_counter()
    again = [by_rel[str(row.get("record_path"))] for row in kept if str(row.get("record_path")) in by_rel]
    stands = bool(again) and not comparer.entries and all(
        row.get("serial_changes") and (pdf_dir is None or row.get("pdf"))
        for row in kept if str(row.get("record_path")) in by_rel)
    if again and not stands:
        # none of the kept rows' PDFs is written while they are scored again: below, the compared ones are, and
        # those a stopped run left to its comparison
        if comparing is not None:
            comparing(0, len(again))
        with contextlib.closing(iter_rows(again, predictor, **scoring, **dict(along, write_pdfs=False))) as gen:
            for done, _row in enumerate(gen, 1):
                if comparing is not None:
                    comparing(done, len(again))
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
