"""The scoring pipeline: records loaded ahead (``loading.RecordLoader``), scored in chunks with
``Predictor.predict_batch`` (one batched forward pass over all windows of a chunk), PDFs written
beside (in the loader pool when there is one), rows handed on in input order."""

from __future__ import annotations

import logging
import os
from collections import deque
from concurrent.futures import Future
from pathlib import Path
from typing import Callable, Iterable, Iterator

from mirage_model.limits import RECORD_TIMEOUT_S
from mirage_model.records.folder import natural_key
from mirage_model.review.batch.cells import NOT_ECG, columns, error_message
from mirage_model.review.batch.inputs import labs_dict, own_name_hint, signal_file_hints
from mirage_model.review.batch.loading import LoadedRecord, NotBegun, RecordLoader
from mirage_model.review.batch.naming import rel_path
from mirage_model.review.batch.rows import Scorer, pdf_one
from mirage_model.review.file_info import anonymised
from mirage_model.review.interpret import statement_labels
from mirage_model.review.labels import ptbxl_coded
from mirage_model.review.store import overread_key

log = logging.getLogger(__name__)

FIRST_CHUNK = 4     # records in the first chunk: the first rows (and the progress bar) come soon
CHUNK_SIZE = 32     # records per chunk after it, scored in one batched pass: their rows come together


def _next_chunk(loader: RecordLoader, size: int, cancel: Callable[[], bool]) -> tuple[list[LoadedRecord], bool]:
    """(up to ``size`` loaded records, whether the input ended or ``cancel`` said stop)."""
    chunk: list[LoadedRecord] = []
    while len(chunk) < size:
        if cancel():
            return chunk, True
        item = loader.next_item()
        if item is None:
            return chunk, True
        chunk.append(item)
    return chunk, False


# an anonymised record's key, which its row's ecg_key cell does not say: kept in the row for same_ecg_as, never
# written (the outputs write their columns alone)
COPY_KEY = "_copy_key"


def _same_ecg(row: dict, item: LoadedRecord, seen: dict) -> None:
    """``row``'s ``ecg_key`` (the over-read store's key: its samples, leads, rate, patient and time) and, where an
    earlier row has that key, ``same_ecg_as``: its record. Byte-identical copies in one folder (dup_a, dup_b) had
    been two rows with nothing to say so, and counted as two patients' ECGs. ``seen`` gains the row's key. A file
    that says it was anonymised (``file_info.anonymised``) gets no ``ecg_key`` cell (its key, ``COPY_KEY``, finds its
    copies all the same): whoever holds the identified file gets that key by anonymising it again, so that it would
    tie a shared table's row to its patient."""
    if item.record is None or "ecg_key" not in row:
        return
    try:
        key = overread_key(item.record)
    except Exception:                     # a record read but not hashable: no identity said, nothing else lost
        log.debug("no ECG key for %s", row.get("record_path"), exc_info=True)
        return
    if anonymised(item.record):
        row["ecg_key"], row[COPY_KEY] = None, key
    else:
        row["ecg_key"] = key
    row["same_ecg_as"] = seen.get(key)
    seen.setdefault(key, row["record_path"])


class OutputCopies:
    """``same_ecg_as`` over a whole output, in its order: a resumed run's rows come among the rows it kept, and a
    record scored now (one that had failed, or new in the folder) may stand above a kept row of the same ECG. Each
    row of an ECG names the first in the output's order; that one names none. ``iter_rows`` alone names the first
    row it saw, which had been a kept row below it: "same ECG as" a later row.

    Args:
        place: a row's record_path -> its place in the output (``score_folder``'s order); a path without one
            after every one that has, in the order added (a kept row of a record no longer in the folder).
    """

    def __init__(self, place: Callable[[str], int]):
        self._place = place
        self._added = 0
        self._rows: dict[str, list[tuple[tuple, dict]]] = {}    # ecg_key -> (place, row) of its rows, first first

    def add(self, row: dict) -> None:
        """Name ``row``'s first row of its ECG in its ``same_ecg_as``, and, where it stands above that one, name
        it in the others' (changed in place). A row without an ``ecg_key`` (a file not read) is left as it is, but
        for an anonymised file's this run scored (``COPY_KEY``; a kept row of one has none to be found by)."""
        key = row.get("ecg_key") or row.get(COPY_KEY)
        if not key:
            return
        self._added += 1
        rows = self._rows.setdefault(str(key), [])
        rows.append(((self._place(str(row.get("record_path"))), self._added), row))
        rows.sort(key=lambda pair: pair[0])
        first = rows[0][1]
        for _place, other in rows:
            other["same_ecg_as"] = None if other is first else first.get("record_path")


def _finish(row: dict, pdf: Future | None, pdf_dir: Path | None) -> dict:
    """``row`` with its PDF's path, or an error when the PDF could not be written."""
    if pdf is not None:
        try:
            row["pdf"] = rel_path(Path(pdf.result()), pdf_dir)
        except Exception as err:
            log.debug("PDF failed for %s", row["record_path"], exc_info=True)
            row["status"] = "error"
            row["error"] = f"report PDF not written: {error_message(err)}"
    return row


def _finished(pending: deque, pdf_dir: Path | None) -> Iterator[dict]:
    """The rows of ``pending`` (row, PDF future or None) from its start whose PDFs are done, finished (``_finish``),
    in order: one whose PDF is still being written keeps its place, and those after it theirs."""
    while pending and (pending[0][1] is None or pending[0][1].done()):
        yield _finish(*pending.popleft(), pdf_dir)


def iter_rows(paths: list[Path], predictor, *, root=None, labs=None, pdf_dir=None, workers: int = 1,
              measure: bool = True, explain: bool = False, chunk_size: int = CHUNK_SIZE,
              report_settings=None, cancel: Callable[[], bool] | None = None,
              orphans: Iterable[Path] = (), not_ecg: Iterable[Path] = (), mp_context: str | None = None,
              record_timeout_s: float | None = RECORD_TIMEOUT_S,
              labs_errors: dict | None = None, all_statements: bool = False,
              statements_predictor=None, name_pdfs_among: Iterable[Path] | None = None,
              labs_lookup=None, ids_among: Iterable[Path] = (), on_row: Callable | None = None,
              write_pdfs: bool = True, patient_names: bool = False) -> Iterator[dict]:
    """Score ``paths`` (header files) and yield one row dict per record, in order.

    Args:
        paths: record headers to score (e.g. from :func:`find_inputs`).
        predictor: an ``inference.Predictor``.
        root: folder that ``record_path`` is relative to (default: the common parent).
        labs: {record_id: {name: (value, unit)}} or a labs CSV path (``clinical.read_labs_table``).
        pdf_dir: write one PDF report per scored record under this folder (mirroring subfolders).
        workers: loader processes; 1 loads and measures in this process.
        measure: add interval measurements (``measure.measure``).
        explain: compute explanations (only useful for the PDFs; slower).
        chunk_size: records per ``predict_batch`` call.
        report_settings: ``report.ReportSettings`` for the PDFs.
        cancel: called between records; True stops after the records already scored.
        orphans: signal files without a header; each gets an error row.
        not_ecg: files that look like no ECG (``find_inputs``): read like records, and a row that
            fails says what the file is, with the status "not_ecg" (not counted as a failure).
        mp_context: process start method for the pool ("forkserver" by default on Linux).
        record_timeout_s: time limit (s) for reading and measuring one record; a record that
            takes longer gets an error row (None: no limit). In a pool the stuck loader
            process is stopped and the pool restarted.
        labs_errors: {record_id: message} of labs rows that could not be read; those records
            get an error row (``labs`` given as a path fills this itself).
        all_statements: add one ``stmt_<code>`` probability column per PTB-XL statement the
            statements model carries (``interpret.statement_labels``; none for a superclass model).
        statements_predictor: a statements model run beside ``predictor``; the interpretation
            column (and ``stmt_`` columns, the PDFs' interpretation) come from it. None: from
            ``predictor`` itself (its statements, if any) and the measurement rules.
        name_pdfs_among: every record of the run (``paths`` and those a resumed run already did),
            so that two records never get the same PDF name (``naming.pdf_names``); default ``paths``.
        labs_lookup: the ``batch.LabsLookup`` of ``labs`` over ``name_pdfs_among`` under ``root``,
            when the caller has built it (``score_folder``); None: built here.
        ids_among: the run's other records (those a resumed run kept), beside ``paths``,
            ``orphans``, ``not_ecg`` and ``name_pdfs_among``, among which each ``record_id`` is unique
            (``naming.record_ids``).
        on_row: called as on_row(row, item, session_args, pdf_args) as each record's row is made (before its
            PDF is written): the ``loading.LoadedRecord``, ``rows.record_session``'s arguments (None: not
            scored) and ``rows.pdf_one``'s (None: no PDF). The serial comparison collects the run's records so.
            It returns True where the caller writes the record's PDF itself, later (a record the comparison may
            compare: its PDF is written once, with the comparison): none is written here, and the row's ``pdf``
            is left empty.
        write_pdfs: False: no PDF is written (a row's ``pdf`` names the one it would be), though ``pdf_dir``
            names them (a resumed run's kept records scored again for the comparison).
        patient_names: rows with a ``patient_name`` (``cells.columns``' ``names``).

    Yields:
        Row dicts keyed by :func:`columns`. Stops early (without error) when ``cancel`` says so.
    """
    paths = [Path(p) for p in paths]
    orphan_set = {Path(p) for p in orphans}
    not_ecg_set = {Path(p) for p in not_ecg}
    all_paths = sorted(set(paths) | orphan_set | not_ecg_set, key=natural_key)     # 1, 2, 10: one order
    if root is None:
        root = Path(os.path.commonpath([str(p.parent) for p in all_paths])) if all_paths else Path(".")
    labels = list(getattr(predictor, "labels", ()))
    stmt_labels = ptbxl_coded(statements_predictor or predictor)    # an own "AFIB" is no statement
    statements = statement_labels(stmt_labels) if all_statements else []
    cols = columns(labels, measure=measure, pdf=pdf_dir is not None, statements=statements, names=patient_names)
    labs_errors = dict(labs_errors or {})
    among = paths if name_pdfs_among is None else [Path(p) for p in name_pdfs_among]
    scorer = Scorer(predictor, Path(root), labs_dict(labs, labs_errors), measure, pdf_dir, explain,
                    report_settings, cols, labs_errors, statements_predictor,
                    paths=among, labs_lookup=labs_lookup,
                    ids_among=set(among) | set(all_paths) | {Path(p) for p in ids_among or ()})
    cancel = cancel or (lambda: False)
    chunk_size = max(1, int(chunk_size))
    loader = RecordLoader(all_paths, orphan_set, workers=workers, do_measure=measure,
                          ahead=chunk_size * 2 + 2 * max(1, workers), timeout_s=record_timeout_s,
                          mp_context=mp_context)
    # a header without its signal file and a signal file without its header in one folder: each
    # error row names the other (a .dat renamed away from its record)
    hints = signal_file_hints(paths, orphan_set)
    seen: dict = {}     # {ecg_key: record_path} of the first row of each ECG (``OutputCopies``: among kept rows)
    pending: deque = deque()    # (row, PDF future or None), in output order
    dropped: deque = deque()    # rows of pending a cancel left out, with their PDFs (removed at the end)
    try:
        size = min(chunk_size, FIRST_CHUNK)
        while True:
            chunk, ended = _next_chunk(loader, size, cancel)
            size = chunk_size
            if not chunk:
                break
            for item, pred, clinical, message, stmts in scorer.predict(chunk, cancel):
                if pred is not None and scorer.pdf_dir is not None and cancel():
                    break                     # its PDF (and the rows after it) not begun: a resumed run does them
                if pred is None:
                    row = scorer.error_row(item, message)
                    if Path(item.path) in not_ecg_set and row["status"] == "error":
                        row["status"] = NOT_ECG
                    if row["status"] == "error" and Path(item.path) in hints:
                        row["error"] = f"{row['error']}; {hints[Path(item.path)]}"
                    elif row["status"] == "error" and "not found" in row["error"]:
                        hint = own_name_hint(item.path)      # 1 - Copy.hea naming 1.dat
                        row["error"] += f"; {hint}" if hint else ""
                    _same_ecg(row, item, seen)
                    if on_row is not None:
                        on_row(row, item, None, None)
                    pending.append((row, None))
                    continue
                row = scorer.ok_row(item, pred, clinical, stmts)
                _same_ecg(row, item, seen)
                pdf = None
                args = scorer.pdf_args(item, pred, clinical, stmts) if scorer.pdf_dir is not None else None
                later = on_row is not None and on_row(row, item, scorer.session_args(item, pred, clinical, stmts),
                                                      args)
                if args is not None and not write_pdfs:
                    row["pdf"] = rel_path(Path(args[0]), scorer.pdf_dir)
                elif args is not None and not later:
                    pdf = loader.run(pdf_one, *args)
                pending.append((row, pdf))
                # handed on as its PDF is done, not when the chunk's last is: without a loader pool each is written
                # here, a second or more, and the first 4 rows had come together after the fourth PDF (a face's
                # count at "0 / 12" while PDFs were written)
                yield from _finished(pending, scorer.pdf_dir)
            yield from _finished(pending, scorer.pdf_dir)
            if cancel() or ended:
                break
        if cancel():
            _drop_unstarted(pending, dropped, loader)
        while pending:
            yield _finish(*pending.popleft(), scorer.pdf_dir)
    finally:
        loader.close()         # waits for the PDFs being written
        _remove_pdfs_without_rows(pending + dropped)


def _not_begun(pdf: Future | None) -> bool:
    """Whether the PDF ``pdf`` was dropped by a cancel before any process began it (cancelled while
    queued, or ``loading.NotBegun``); waits for one being written."""
    if pdf is None:
        return False
    return pdf.cancelled() or isinstance(pdf.exception(), NotBegun)


def _drop_unstarted(pending: deque, dropped: deque, loader: RecordLoader) -> None:
    """On a cancel, the PDFs of ``pending`` that no loader process has begun are not begun
    (``RecordLoader.stop``, ``Future.cancel``), and the rows from the first such one on are moved to
    ``dropped``: the run ends once the PDFs being written are done (one per loader process), not
    after every scored row's PDF (up to a chunk, 32). A resumed run scores those records. Waits for
    the PDFs being written."""
    loader.stop()
    for _row, pdf in pending:
        if pdf is not None:
            pdf.cancel()
    for k, (_row, pdf) in enumerate(pending):
        if _not_begun(pdf):
            break
    else:
        return
    while len(pending) > k:
        dropped.appendleft(pending.pop())


def _remove_pdfs_without_rows(pending: deque) -> None:
    """Remove the PDFs of rows never handed on (an exception or Ctrl-C stopped the run, or its
    reader closed it, before them): no output holds their rows, so a run resumed onto that output
    would find them in its PDF folder as another run's (``earlier_pdfs``) and refuse them."""
    for _row, pdf in pending:
        if pdf is None or not pdf.done() or pdf.cancelled() or pdf.exception() is not None:
            continue
        try:
            Path(pdf.result()).unlink(missing_ok=True)
        except OSError as err:
            log.warning("could not remove %s, a PDF whose row was not written: %s", pdf.result(), err)
