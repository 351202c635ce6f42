"""Batch scoring of folders, shared by ``mirage score`` and the app's "Batch score folder..." dialog.

Every record under a folder (recursively; WFDB .hea + .dat, Challenge .hea + .mat and the
clinical formats of :mod:`mirage_model.formats`: GE MUSE, Philips, HL7 aECG, DICOM, SCP-ECG,
EDF ...) gets one row: its format and acquiring device, its probabilities, positive labels, the
model's id and, when asked, its interval measurements and a PDF report. A bad record never stops
a batch: it gets ``status = "error"`` and a message naming the problem.

Pipeline: records are loaded (and measured) either in this process or, with ``workers > 1``,
in a process pool that runs ahead of the model; the model scores them in chunks with
``Predictor.predict_batch`` (one batched forward pass over all windows of the chunk).

Writes are atomic: rows are kept in memory and the whole output file is rewritten to a temp
file in the same folder and ``os.replace``d over the output at checkpoints (every few seconds),
at the end, on cancel and on Ctrl-C. A crash therefore leaves the previous complete file, never a
half-written row, and ``resume=True`` carries on from it. PDFs are written the same way by
:func:`mirage_model.report.build_report`.

Hostile input: each record's load and measurement runs under a time limit (``record_timeout_s``:
a record that takes longer becomes an error row and the batch goes on); records with no usable
signal get ``status = "unscorable"`` and the reason, never probabilities; text cells that would
start a spreadsheet formula are prefixed with a quote (``csvsafe``); a labs table row that cannot
be read is refused for its record alone; a second run writing the same output is refused (a lock
file ``.<name>.lock`` next to it).

Research use only, not a diagnosis.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping

from mirage_model.csvsafe import neutralise, restore
from mirage_model.limits import HEAD_S, RECORD_TIMEOUT_S, record_head
from mirage_model.records import STANDARD_LEADS
from mirage_model.paths import temp_sibling

try:
    import fcntl
except ImportError:   # not on POSIX: no output lock
    fcntl = None

log = logging.getLogger(__name__)

MEASURE_COLUMNS: tuple[str, ...] = (
    "heart_rate_bpm", "rr_ms", "pr_ms", "qrs_ms", "qt_ms", "qtc_bazett_ms", "qtc_fridericia_ms",
    "qtc_framingham_ms", "p_axis_deg", "qrs_axis_deg", "t_axis_deg",
)
FORMATS = ("csv", "jsonl")
SIGNAL_SUFFIXES = (".dat", ".mat")       # signal files that must come with a header


class BatchError(Exception):
    """A batch that cannot start (bad folder, output or labs table, or an output to resume that
    does not fit). ``str()`` is a user-facing sentence."""


@dataclass
class BatchSummary:
    """What a batch did. ``seconds`` is wall time of this run; ``records_per_s`` counts scored
    and failed records of this run (skipped ones are not work)."""
    scored: int
    failed: int
    skipped: int
    seconds: float
    records_per_s: float
    out_path: Path
    cancelled: bool = False
    errors: list[tuple[str, str]] = field(default_factory=list)   # (record path, message)
    pdfs: int = 0
    unscorable: int = 0               # of ``failed``: read, but no usable signal (not scored)

    @property
    def exit_code(self) -> int:
        """0 all ok, 1 some failed (or cancelled before the end)."""
        return 1 if (self.failed or self.cancelled) else 0


def columns(labels: Iterable[str], measure: bool = True, pdf: bool = False) -> list[str]:
    """The output columns (= row dict keys) for a model's ``labels``."""
    cols = ["record_path", "record_id", "format", "device", "status", "error"]
    cols += [f"prob_{lab}" for lab in labels]
    cols += ["positive", "withheld_positive", "model", "age_used", "sex_used", "values_not_used", "quality_flags",
             "quality", "warnings", "quality_codes"]
    if measure:
        cols += list(MEASURE_COLUMNS)
    if pdf:
        cols.append("pdf")
    cols.append("notes")
    return cols


def record_clinical(record) -> dict:
    """Clinical values a record itself carries: ``clinical.record_values`` (the one definition)."""
    from mirage_model.clinical import record_values

    return record_values(record)


def find_inputs(folder) -> tuple[list[Path], list[Path]]:
    """(record headers, signal files without a header) under ``folder``, recursively, sorted.

    Raises:
        BatchError: the folder does not exist or is not a folder.
    """
    from mirage_model.formats import find_ecg_files
    from mirage_model.records import RecordError

    try:
        headers = find_ecg_files(folder)  # WFDB headers and clinical-format files
    except RecordError as err:
        raise BatchError(str(err)) from None
    stems = {h.with_suffix("").as_posix().lower() for h in headers if h.suffix.lower() == ".hea"}
    orphans = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for f in filenames:
            p = Path(dirpath) / f
            if p.suffix.lower() in SIGNAL_SUFFIXES and not f.startswith(".") \
                    and p.with_suffix("").as_posix().lower() not in stems:
                orphans.append(p)
    return headers, sorted(orphans)


# --------------------------------------------------------------------------------------------
# work items (module level so that a process pool can run them)

@dataclass
class _Loaded:
    path: str
    record: object = None             # EcgRecord
    measurements: object = None       # Measurements
    error: str = ""
    note: str = ""
    unscorable: str = ""              # why the record holds no usable signal (then not scored)




def _worker_init() -> None:
    # Ctrl-C is handled by the parent, which then shuts the pool down; workers must not die first
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import warnings

    warnings.filterwarnings("ignore", category=RuntimeWarning)   # odd input is reported in its row
    try:
        import torch
        torch.set_num_threads(1)
    except Exception:   # torch is optional in a loader process
        pass


def _pool_context(method: str | None):
    """The start method of the loader pool. "forkserver" by default: forking this process itself
    is unsafe once torch or Qt run threads, while the fork server is a clean single-threaded
    process that imports the loaders once (preload) and forks cheap workers from there."""
    if method is None:
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["mirage_model.batch", "mirage_model.measure", "mirage_model.report"])
    return ctx


def _load_one(path: str, do_measure: bool, orphan: bool = False) -> _Loaded:
    """Load (and measure) one record; never raises."""
    from mirage_model.records import RecordError, load_record

    item = _Loaded(path)
    if orphan:
        item.error = "signal file without a header (.hea); cannot be read"
        return item
    try:
        item.record = load_record(path)
    except RecordError as err:
        item.error = err.reason
        return item
    except Exception as err:  # an unforeseen reader failure must not stop the batch
        log.debug("unexpected error reading %s", path, exc_info=True)
        item.error = f"cannot read the record ({type(err).__name__}: {err})"
        return item
    item.unscorable = str((item.record.meta or {}).get("unscorable") or "")
    if do_measure and not item.unscorable:
        from mirage_model.measure import measure

        rec = record_head(item.record)
        if rec is not item.record:
            item.note = (f"measured on the first {HEAD_S:g} s of a "
                         f"{item.record.duration_s / 3600:.2f} h record")
        try:
            item.measurements = measure(rec, fiducials=False)
        except Exception as err:  # measurements are extra information; the score still counts
            log.debug("measurement failed for %s", path, exc_info=True)
            item.note = f"measurements failed ({type(err).__name__}: {err})"
    return item


def _load_in_thread(path: str, do_measure: bool, orphan: bool, timeout_s: float | None) -> _Loaded:
    """``_load_one`` under a time limit, in this process: a record that takes longer becomes an
    error row. The late thread is left to finish on its own (Python cannot stop it); everything
    it reads is bounded by ``mirage_model.limits``, so it ends."""
    if not timeout_s:
        return _load_one(path, do_measure, orphan)
    box: list = []
    worker = threading.Thread(target=lambda: box.append(_load_one(path, do_measure, orphan)),
                              name="mirage-load", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if box:
        return box[0]
    return _Loaded(path=path, error=_timeout_message(timeout_s))


def _timeout_message(timeout_s: float) -> str:
    return f"reading and measuring took longer than the {timeout_s:g} s time limit; skipped"


def _pdf_one(out_path: str, record, prediction, clinical_values, schema, measurements,
             settings, model_info, contributions=None) -> str:
    """The record's PDF through the one report path: a review session, then ``build_report``."""
    from mirage_model.report import build_report
    from mirage_model.review.session import ReviewSession

    session = ReviewSession.from_results(record, values=clinical_values, prediction=prediction,
                                         schema=schema, measurements=measurements,
                                         measured=measurements is not None, file_values=False,
                                         contributions=contributions)
    return str(build_report(session, out_path, settings=settings, model_info=model_info))


# --------------------------------------------------------------------------------------------
# rows

def _labs_dict(labs, row_errors: dict | None = None) -> dict:
    """{record_id: values} of a labs table; a row that cannot be read goes to ``row_errors``
    ({record_id: message}, when given) instead of stopping the batch."""
    if labs is None:
        return {}
    if isinstance(labs, Mapping):
        return dict(labs)
    from mirage_model.clinical import ClinicalError, read_labs_table

    try:
        return read_labs_table(labs, row_errors=row_errors)
    except ClinicalError as err:
        raise BatchError(str(err)) from None


def _clean_float(value, digits: int):
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return round(v, digits) if math.isfinite(v) else None


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _error_message(err: BaseException) -> str:
    from mirage_model.clinical import ClinicalError
    from mirage_model.records import RecordError

    if isinstance(err, RecordError):
        return err.reason
    if isinstance(err, ClinicalError):
        return f"clinical values: {err}"
    return f"{type(err).__name__}: {err}"


class _Scorer:
    """Turns loaded records into rows: batched predictions, then optional PDFs."""

    def __init__(self, predictor, root: Path, labs: dict, measure: bool, pdf_dir, explain: bool,
                 report_settings, cols: list[str], labs_errors: dict | None = None):
        self.predictor = predictor
        self.root = root
        self.labs = labs
        self.labs_errors = labs_errors or {}
        self.measure = measure
        self.pdf_dir = Path(pdf_dir) if pdf_dir is not None else None
        self.explain = explain
        self.report_settings = report_settings
        self.cols = cols
        self.model_id = str(getattr(predictor, "name", "") or "")
        self.schema = getattr(predictor, "schema", None)
        self._model_info = None

    @property
    def model_info(self) -> dict:
        if self._model_info is None:
            from mirage_model.report import model_info_from

            self._model_info = model_info_from(self.predictor)
        return self._model_info

    def clinical_for(self, record) -> dict:
        values = record_clinical(record)
        values.update(self.labs.get(record.record_id, {}) or {})
        return values

    def base_row(self, item: _Loaded) -> dict:
        from mirage_model.formats import guess_format

        row = {c: None for c in self.cols}
        path = Path(item.path)
        row["record_path"] = _rel(path, self.root)
        row["record_id"] = getattr(item.record, "record_id", None) or path.stem
        meta = getattr(item.record, "meta", None) or {}
        row["format"] = meta.get("format") or guess_format(path)
        row["device"] = meta.get("device")
        row["model"] = self.model_id
        row["notes"] = item.note or None
        return row

    def error_row(self, item: _Loaded, message: str) -> dict:
        row = self.base_row(item)
        row["status"] = "unscorable" if item.unscorable and message == item.unscorable else "error"
        row["error"] = message
        return row

    def predict(self, items: list[_Loaded]) -> list[tuple[_Loaded, object, dict, str]]:
        """(item, prediction or None, clinical values, error message) per loaded item, in order."""
        for it in items:
            if it.record is None:
                continue
            if it.unscorable:                 # no usable signal: never scored
                it.error = it.unscorable
            elif it.record.record_id in self.labs_errors:
                it.error = f"labs row refused: {self.labs_errors[it.record.record_id]}"
        from mirage_model.records import UnscorableRecordError

        good = [it for it in items if it.record is not None and not it.error]
        clinicals = [self.clinical_for(it.record) for it in good]
        preds: list = []
        errors: list[str] = []
        if good:
            try:
                preds = self.predictor.predict_batch([it.record for it in good], clinicals,
                                                     explain=self.explain)
                errors = [""] * len(good)
            except Exception:
                # one record spoilt the chunk: score them one by one to find it
                preds, errors = [], []
                for it, clin in zip(good, clinicals):
                    try:
                        preds.append(self.predictor.predict_batch([it.record], [clin],
                                                                  explain=self.explain)[0])
                        errors.append("")
                    except Exception as err:
                        log.debug("scoring %s failed", it.path, exc_info=True)
                        preds.append(None)
                        errors.append(_error_message(err))
                        if isinstance(err, UnscorableRecordError):
                            it.unscorable = err.reason
        by_id = {id(it): (p, c, e) for it, p, c, e in zip(good, preds, clinicals, errors)}
        out = []
        for it in items:
            if id(it) not in by_id:
                out.append((it, None, {}, it.error))
            else:
                out.append((it, *by_id[id(it)]))
        return out

    def ok_row(self, item: _Loaded, pred) -> dict:
        row = self.base_row(item)
        row["status"] = "ok"
        for lab, p in zip(pred.labels, pred.probabilities):
            key = f"prob_{lab}"
            if key in row:
                row[key] = _clean_float(p, 6)
        row["positive"] = ";".join(pred.positive)
        # the quality gate (mirage_model.quality via Predictor): calls on a poor or untrained-for record
        # are withheld from "positive" and listed apart, next to the reason
        row["withheld_positive"] = ";".join(pred.model_positive) if pred.withheld else None
        q = getattr(pred, "quality", None)
        if q is not None:
            cols = q.as_columns()
            row["quality"] = cols["quality"] + (f" ({cols['quality_reason']})" if cols["quality_reason"] else "")
            row["warnings"] = cols["warnings"] or None
            row["quality_codes"] = cols["quality_codes"] or None
        row["model"] = pred.model_name or self.model_id
        if self.measure and item.measurements is not None:
            values = item.measurements.as_dict()
            for key in MEASURE_COLUMNS:
                row[key] = _clean_float(values.get(key), 1)
        # what the app and the PDF show beside the probabilities
        used = (pred.clinical_used or {}).get("used") or {}
        ignored = (pred.clinical_used or {}).get("ignored") or {}
        age, sex = used.get("age"), used.get("sex")
        if isinstance(age, tuple):
            age = age[0]
        row["age_used"] = _clean_float(age, 1)
        row["sex_used"] = sex if sex in ("M", "F") else None
        row["values_not_used"] = ";".join(sorted(ignored)) or None
        quality = getattr(item.record, "quality", None) or {}
        flagged = []
        for key, flags in quality.items():
            try:
                leads = [STANDARD_LEADS[i] for i, f in enumerate(list(flags)[:12]) if f]
            except TypeError:
                continue
            if leads:
                flagged.append(f"{key}: {' '.join(leads)}")
        row["quality_flags"] = "; ".join(flagged) or None
        notes = [item.note] if item.note else []
        if item.measurements is not None:
            notes += [str(n) for n in (getattr(item.measurements, "notes", ()) or ())]
        row["notes"] = "; ".join(notes) or None
        return row

    def pdf_path(self, item: _Loaded) -> Path:
        rel = Path(_rel(Path(item.path), self.root))
        if rel.is_absolute():
            rel = Path(rel.name)
        return self.pdf_dir / rel.with_suffix(".pdf")

    def pdf_args(self, item: _Loaded, pred, clinical: dict) -> tuple:
        # the clinical values' contributions, as the app and 'mirage report' print them
        from mirage_model.review.scoring import clinical_contributions

        try:
            contributions = clinical_contributions(self.predictor, item.record, clinical)
        except Exception:   # an extra of the PDF; never fails the row
            log.debug("contributions failed for %s", item.path, exc_info=True)
            contributions = None
        return (str(self.pdf_path(item)), item.record, pred, clinical, self.schema,
                item.measurements, self.report_settings, self.model_info, contributions)


def iter_rows(paths: list[Path], predictor, *, root=None, labs=None, pdf_dir=None, workers: int = 1,
              measure: bool = True, explain: bool = False, chunk_size: int = 32,
              report_settings=None, cancel: Callable[[], bool] | None = None,
              orphans: Iterable[Path] = (), mp_context: str | None = None,
              record_timeout_s: float | None = RECORD_TIMEOUT_S,
              labs_errors: dict | None = None) -> Iterator[dict]:
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
        mp_context: process start method for the pool ("forkserver" by default on Linux).
        record_timeout_s: time limit (s) for reading and measuring one record; a record that
            takes longer gets an error row (None: no limit). In a pool the stuck loader
            process is stopped and the pool restarted.
        labs_errors: {record_id: message} of labs rows that could not be read; those records
            get an error row (``labs`` given as a path fills this itself).

    Yields:
        Row dicts keyed by :func:`columns`. Stops early (without error) when ``cancel`` says so.
    """
    paths = [Path(p) for p in paths]
    orphan_set = {Path(p) for p in orphans}
    all_paths = sorted(set(paths) | orphan_set)
    if root is None:
        root = Path(os.path.commonpath([str(p.parent) for p in all_paths])) if all_paths else Path(".")
    labels = list(getattr(predictor, "labels", ()))
    cols = columns(labels, measure=measure, pdf=pdf_dir is not None)
    labs_errors = dict(labs_errors or {})
    scorer = _Scorer(predictor, Path(root), _labs_dict(labs, labs_errors), measure, pdf_dir, explain,
                     report_settings, cols, labs_errors)
    cancel = cancel or (lambda: False)
    chunk_size = max(1, int(chunk_size))

    def new_pool():
        return ProcessPoolExecutor(max_workers=int(workers), mp_context=_pool_context(mp_context),
                                   initializer=_worker_init)

    use_pool = workers > 1 and len(all_paths) > 1
    state = {"pool": new_pool() if use_pool else None, "restarts": 0}
    pools = [state["pool"]] if use_pool else []
    in_flight: deque = deque()    # (path, future) submitted to the pool, in order
    requeue: deque = deque()      # paths to load again after the pool broke
    todo = iter(all_paths)
    max_ahead = chunk_size * 2 + 2 * max(1, workers)

    def next_path():
        return requeue.popleft() if requeue else next(todo, None)

    def pool_broken(err) -> None:
        """A loader process died (out of memory, a crash in native code): restart the pool a
        few times, then carry on in this process."""
        requeue.extendleft(reversed([p for p, _ in in_flight]))
        in_flight.clear()
        if state["restarts"] < 3:
            state["restarts"] += 1
            log.warning("a loader process failed (%s); restarting the loader pool", err)
            state["pool"] = new_pool()
            pools.append(state["pool"])
        else:
            log.warning("loader processes keep failing (%s); loading in this process", err)
            state["pool"] = None

    def submit_more() -> None:
        while state["pool"] is not None and len(in_flight) < max_ahead:
            p = next_path()
            if p is None:
                return
            try:
                fut = state["pool"].submit(_load_one, str(p), measure, p in orphan_set)
            except (BrokenProcessPool, RuntimeError) as err:
                requeue.appendleft(p)
                pool_broken(err)
                continue
            in_flight.append((p, fut))

    def next_item() -> _Loaded | None:
        while True:
            submit_more()
            if state["pool"] is None:
                p = next_path()
                return None if p is None else _load_in_thread(str(p), measure, p in orphan_set,
                                                              record_timeout_s)
            if not in_flight:
                return None
            p, fut = in_flight.popleft()
            try:
                return fut.result(timeout=record_timeout_s or None)
            except TimeoutError:
                # a stuck loader: stop its processes, restart the pool, retry the others
                pool = state["pool"]
                for proc in list((getattr(pool, "_processes", None) or {}).values()):
                    proc.terminate()
                requeue.extendleft(reversed([q for q, _ in in_flight]))
                in_flight.clear()
                state["pool"] = new_pool()
                pools.append(state["pool"])
                return _Loaded(path=str(p), error=_timeout_message(record_timeout_s))
            except BrokenProcessPool as err:
                # this record may be what killed the worker: report it, retry the others
                pool_broken(err)
                return _Loaded(path=str(p), error=f"the loader process crashed on this record ({err})")
            except Exception as err:
                return _Loaded(path=str(p), error=f"loader process failed ({type(err).__name__}: {err})")

    def submit_pdf(args) -> Future:
        pool = state["pool"]
        if pool is not None:
            try:
                return pool.submit(_pdf_one, *args)
            except (BrokenProcessPool, RuntimeError):
                pass
        fut = Future()
        try:
            fut.set_result(_pdf_one(*args))
        except Exception as err:
            fut.set_exception(err)
        return fut

    pending: deque = deque()    # (row, pdf future or None), in output order

    def finish(row: dict, fut) -> dict:
        if fut is not None:
            try:
                row["pdf"] = _rel(Path(fut.result()), scorer.pdf_dir)
            except Exception as err:
                log.debug("PDF failed for %s", row["record_path"], exc_info=True)
                row["status"] = "error"
                row["error"] = f"report PDF not written: {_error_message(err)}"
        return row

    try:
        stopped = False
        while not stopped:
            chunk = []
            # a small first chunk: the first rows (and the progress bar) come after a few records
            limit = chunk_size if state.get("chunks") else min(chunk_size, 4)
            state["chunks"] = state.get("chunks", 0) + 1
            while len(chunk) < limit:
                if cancel():
                    stopped = True
                    break
                item = next_item()
                if item is None:
                    stopped = True
                    break
                chunk.append(item)
            if not chunk:
                break
            for item, pred, clinical, message in scorer.predict(chunk):
                if pred is None:
                    pending.append((scorer.error_row(item, message), None))
                    continue
                row = scorer.ok_row(item, pred)
                fut = None
                if scorer.pdf_dir is not None:
                    fut = submit_pdf(scorer.pdf_args(item, pred, clinical))
                pending.append((row, fut))
            # hand on every finished row; PDFs still being written keep their rows (and order)
            while pending and (pending[0][1] is None or pending[0][1].done()):
                yield finish(*pending.popleft())
            if cancel():
                break
        while pending:
            yield finish(*pending.popleft())
    finally:
        for _p, fut in in_flight:
            fut.cancel()
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)


# --------------------------------------------------------------------------------------------
# output files

def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    if isinstance(value, (int, bool)):
        return str(value)
    return neutralise(str(value))   # text from files or checkpoints: no spreadsheet formulas


def _json_value(value):
    return neutralise(value) if isinstance(value, str) else value


def _write_atomic(out_path: Path, cols: list[str], rows: list[dict], fmt: str) -> None:
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_sibling(out_path)
    try:
        with open(tmp, "x", encoding="utf-8", newline="") as fh:
            if fmt == "csv":
                writer = csv.writer(fh)
                writer.writerow(cols)
                for row in rows:
                    writer.writerow([_cell(row.get(c)) for c in cols])
            else:
                for row in rows:
                    fh.write(json.dumps({c: _json_value(row.get(c)) for c in cols},
                                        allow_nan=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out_path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_rows(path, fmt: str | None = None) -> tuple[list[str], list[dict]]:
    """(columns, rows) of an output file written by :func:`score_folder` (CSV or JSON lines).

    Raises:
        BatchError: the file cannot be read or parsed (message names it).
    """
    path = Path(path)
    fmt = fmt or ("jsonl" if path.suffix.lower() in (".jsonl", ".ndjson") else "csv")
    try:
        with open(path, encoding="utf-8", newline="") as fh:   # newline="": a CR in a name stays a CR
            text = fh.read()
    except (OSError, UnicodeDecodeError) as err:
        raise BatchError(f"{path}: cannot read ({err})") from None
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))
        try:
            rows = [{k: restore(v) if isinstance(v, str) else v for k, v in row.items()}
                    for row in reader]
        except csv.Error as err:
            raise BatchError(f"{path}: not a valid CSV ({err})") from None
        cols = list(reader.fieldnames or [])
        return cols, rows
    rows, cols = [], []
    for n, line in enumerate(text.split("\n"), 1):   # JSON escapes CR; only LF ends a line
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise BatchError(f"{path}: line {n} is not valid JSON ({err.msg})") from None
        if not isinstance(row, dict):
            raise BatchError(f"{path}: line {n} is not a JSON object")
        if not cols:
            cols = list(row)
        rows.append({k: restore(v) if isinstance(v, str) else v for k, v in row.items()})
    return cols, rows


def score_folder(folder, predictor, out_path, *, labs=None, pdf_dir=None, workers: int = 1,
                 resume: bool = False, fmt: str = "csv", measure: bool = True,
                 progress: Callable[[int, int, dict], None] | None = None,
                 cancel: Callable[[], bool] | None = None, report_settings=None,
                 explain: bool = False, chunk_size: int = 32, checkpoint_s: float = 5.0,
                 mp_context: str | None = None, torch_threads: int | None = None,
                 record_timeout_s: float | None = RECORD_TIMEOUT_S) -> BatchSummary:
    """Score every record under ``folder`` into ``out_path`` (one row per record).

    Args:
        folder: searched recursively for records (.hea with .dat or .mat); signal files without
            a header are listed as errors.
        predictor: an ``inference.Predictor``.
        out_path: the CSV or JSON-lines file to write (atomically, see the module docstring).
        labs: labs CSV path or {record_id: {name: (value, unit)}}; merged over the age, sex,
            height and weight the record itself carries.
        pdf_dir: also write one PDF report per scored record there.
        workers: loader processes (load + measure run ahead of the model); 1: none.
        resume: keep the rows of an existing ``out_path`` whose status is ok and skip those
            records; errored records are tried again.
        fmt: "csv" or "jsonl".
        measure: add interval measurement columns.
        progress: called as progress(done, total, row) after each row (done counts this run).
        cancel: checked between records; True stops, keeping (and writing) what was done.
        report_settings: ``report.ReportSettings`` for the PDFs.
        explain: compute explanations for the PDFs (slower).
        chunk_size: records per batched forward pass.
        checkpoint_s: rewrite the output at least this often while scoring.
        mp_context: process start method of the loader pool.
        torch_threads: torch intra-op threads while scoring (restored after); None leaves the
            process's setting. 1 is usually best for batches on a small CPU: the chunk is already
            a batch, and on a busy machine extra threads wait on each other (measured on 2
            shared cores: 76 records/s with 1 thread, 11 with 2).
        record_timeout_s: time limit (s) for reading and measuring one record (see iter_rows).

    Returns:
        BatchSummary (scored, failed, skipped, seconds, records_per_s, out_path, cancelled, errors).

    Raises:
        BatchError: missing folder, bad labs table, unknown format, an output to resume that
            cannot be read or was written with other columns (another model), or an output that
            another run is writing (its lock is held).
        KeyboardInterrupt: after writing what was done.
    """
    t0 = time.perf_counter()
    if fmt not in FORMATS:
        raise BatchError(f"unknown output format {fmt!r} (use csv or jsonl)")
    folder = Path(folder)
    out_path = Path(out_path)
    headers, orphans = find_inputs(folder)
    labs_errors: dict = {}
    labs_d = _labs_dict(labs, labs_errors)
    labels = list(getattr(predictor, "labels", ()))
    cols = columns(labels, measure=measure, pdf=pdf_dir is not None)
    lock = _lock_output(out_path)
    try:
        return _score_locked(folder, predictor, out_path, headers, orphans, labs_d, labs_errors, cols,
                             t0, pdf_dir=pdf_dir, workers=workers, resume=resume, fmt=fmt,
                             measure=measure, progress=progress, cancel=cancel,
                             report_settings=report_settings, explain=explain,
                             chunk_size=chunk_size, checkpoint_s=checkpoint_s,
                             mp_context=mp_context, torch_threads=torch_threads,
                             record_timeout_s=record_timeout_s)
    finally:
        lock.close()


class _OutputLock:
    """An exclusive ``flock`` on ``.<name>.lock`` next to an output; ``close()`` releases it and
    removes the lock file."""

    def __init__(self, path: Path, fh):
        self.path, self.fh = path, fh

    def close(self) -> None:
        if self.fh is None:
            return
        try:
            os.unlink(self.path)     # while still held: a waiting run then finds a fresh file
        except OSError:
            pass
        self.fh.close()
        self.fh = None


def _lock_output(out_path: Path) -> _OutputLock:
    """Lock ``out_path`` against a second run writing it (two runs rewriting one output would each
    replace the other's rows). Without ``fcntl`` (not POSIX) nothing is locked.

    Raises:
        BatchError: another process holds the lock, or the lock file cannot be made.
    """
    lock_path = out_path.parent / f".{out_path.name[:200]}.lock"
    for _ in range(5):
        try:
            out_path.parent.mkdir(parents=True, exist_ok=True)
            fh = open(lock_path, "a+b")
        except OSError as err:
            raise BatchError(f"{out_path}: cannot write there ({err.strerror or err})") from None
        if fcntl is None:
            return _OutputLock(lock_path, fh)
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            raise BatchError(f"{out_path}: another 'mirage score' run is writing this file; wait for "
                             "it to finish or choose another --out") from None
        try:
            same = os.stat(lock_path).st_ino == os.fstat(fh.fileno()).st_ino
        except OSError:
            same = False
        if same:     # not a file that the previous holder removed as we opened it
            return _OutputLock(lock_path, fh)
        fh.close()
    raise BatchError(f"{out_path}: cannot lock the output (its lock file keeps changing)")


def _score_locked(folder, predictor, out_path, headers, orphans, labs_d, labs_errors, cols, t0, *,
                  pdf_dir, workers, resume, fmt, measure, progress, cancel, report_settings, explain,
                  chunk_size, checkpoint_s, mp_context, torch_threads, record_timeout_s):
    kept: list[dict] = []
    done_keys: set[str] = set()
    if resume and out_path.exists():
        old_cols, old_rows = read_rows(out_path, fmt)
        if old_rows and old_cols != cols:
            raise BatchError(
                f"{out_path}: cannot resume: its columns differ from this run's (another model, "
                "or --no-measure/--pdf-dir changed); write to a new output file")
        for row in old_rows:
            key = str(row.get("record_path"))
            if row.get("status") == "ok" and key not in done_keys:   # exact path: one row each
                kept.append(row)
                done_keys.add(key)
    todo_h = [h for h in headers if _rel(h, folder) not in done_keys]
    todo_o = [o for o in orphans if _rel(o, folder) not in done_keys]
    skipped = len(headers) + len(orphans) - len(todo_h) - len(todo_o)
    total = len(todo_h) + len(todo_o)

    rows = list(kept)
    summary = BatchSummary(scored=0, failed=0, skipped=skipped, seconds=0.0, records_per_s=0.0,
                           out_path=out_path)
    cancelled = {"flag": False}

    def cancel_check() -> bool:
        if cancel is not None and cancel():
            cancelled["flag"] = True
        return cancelled["flag"]

    _write_atomic(out_path, cols, rows, fmt)    # a valid (possibly empty) file from the start
    restore_threads = None
    if torch_threads is not None:
        import torch

        restore_threads = torch.get_num_threads()
        torch.set_num_threads(max(1, int(torch_threads)))
    last_write = time.perf_counter()
    gen = iter_rows(todo_h, predictor, root=folder, labs=labs_d, pdf_dir=pdf_dir, workers=workers,
                    measure=measure, explain=explain, chunk_size=chunk_size,
                    report_settings=report_settings, cancel=cancel_check, orphans=todo_o,
                    mp_context=mp_context, record_timeout_s=record_timeout_s,
                    labs_errors=labs_errors)
    try:
        for row in gen:
            rows.append(row)
            if row["status"] == "ok":
                summary.scored += 1
                if row.get("pdf"):
                    summary.pdfs += 1
            else:
                summary.failed += 1
                summary.unscorable += row["status"] == "unscorable"
                summary.errors.append((row["record_path"], row["error"] or ""))
            if progress is not None:
                progress(summary.scored + summary.failed, total, row)
            if time.perf_counter() - last_write >= checkpoint_s:
                _write_atomic(out_path, cols, rows, fmt)
                last_write = time.perf_counter()
    finally:
        gen.close()
        if restore_threads is not None:
            import torch

            torch.set_num_threads(restore_threads)
        _write_atomic(out_path, cols, rows, fmt)
        summary.seconds = time.perf_counter() - t0
        n = summary.scored + summary.failed
        summary.records_per_s = n / summary.seconds if summary.seconds > 0 else 0.0
        summary.cancelled = cancelled["flag"] and n < total
    return summary
