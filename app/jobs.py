"""The jobs the GUI runs in workers (``workers.Worker``): plain functions of ``(ctx, ...)`` that call the
library (``mirage_model``): read a record and measure it, load the model, score, read a prior ECG, list a
folder, write or print a PDF, score a batch. They check the cancel flag (``ctx.check``) between steps and
never touch a widget.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.workers import JobContext, quality_message, user_message
from mirage_model.limits import record_unscorable
from mirage_model.quality import AssessmentError
from mirage_model.records import load_record
from mirage_model.records.stamp import record_stamp
from mirage_model.review.file_info import cut_short, diagnosis_words
from mirage_model.review.interpret import companion_statements_model
from mirage_model.review.labels import ptbxl_coded
from mirage_model.review.opening import Preparation, measure_head, session_from_file
from mirage_model.review.scoring import compute
from mirage_model.review.session import FAILED
from mirage_model.words import counted

log = logging.getLogger(__name__)


@dataclass
class LoadedRecord:
    """What the GUI needs to show one record: the record, its model inputs and its measurements."""
    record: Any                        # EcgRecord
    inputs: Any = None                 # preprocess.ModelInputs (what the model sees) or None
    measurements: Any = None           # measure.Measurements or None
    # quality.QualityReport of the record's first minute (``inference.assess_record``), made only
    # when asked: its pacer marks and artefacts, drawn before (or without) a model's result
    quality: Any = None
    # inference.RecordInputs: the inputs and quality report above as one preparation, which the
    # model job reuses when made with its model's configs (``Predictor.prepare(..., inputs=)``)
    prepared: Any = None
    # (PreprocessConfig, RenderConfig, assess?) the load job prepares with; None: it does not
    configs: tuple | None = None
    errors: dict = field(default_factory=dict)   # part -> message ("measure": "...")
    stamp: tuple | None = None                   # ``records.stamp.record_stamp`` of its file before it was read
    timings: dict = field(default_factory=dict)  # seconds per step
    drawn: threading.Event = field(default_factory=threading.Event)  # set by the GUI once the traces are up
    # the preparation (``review.opening.Preparation``), made once by whichever job asks first (``preparation``)
    _preparation: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        if self.configs is not None:
            self._preparation = Preparation(self.record, *self.configs)

    def preparation(self):
        """``inference.record_inputs(record, *configs)``, made by the first job that asks (the model
        job started with the traces, or the load job once they are drawn); the other waits for it.

        Raises:
            what ``record_inputs`` raised (to each job that asks).
        """
        return self._preparation.made()

    def preparation_for(self, predictor):
        """``preparation()`` when it is made as ``predictor`` prepares (``Predictor.prepare_key``),
        else None (or when it failed: the model then prepares the record itself and says why).

        Raises:
            quality.AssessmentError: the assessment of that preparation failed. The model's own
                preparation would assess the record again, to fail again: this is its result (no
                prediction), unless the model refuses the record first (unscorable: it says why).
        """
        from mirage_model.inference import inputs_key   # torch: in the worker, never before the first paint

        if self.configs is None or inputs_key(*self.configs) != getattr(predictor, "prepare_key", None):
            return None
        try:
            return self.preparation()
        except AssessmentError:
            if record_unscorable(self.record):
                return None      # as Predictor.prepare: refused first, with that reason
            raise
        except Exception:  # noqa: BLE001 - the load job reports it; the model's own prepare raises it
            return None


def load_record_job(ctx: JobContext, path, preprocess_cfg=None, render_cfg=None,
                    with_inputs: bool = True, with_measurements: bool = True,
                    with_quality: bool = False) -> LoadedRecord:
    """Read a record, build what the model sees, and measure it. Only a failed read is fatal.

    Progress ``(1, 3, LoadedRecord)`` comes as soon as the record is read (the GUI draws it and sets
    ``drawn``); model inputs ``(2, 3)`` and measurements follow. What measuring loads on first use
    (neurokit2, the delineator) loads only after the record is on screen. The inputs are made as
    ``Predictor.prepare`` makes them (``inference.record_inputs`` with ``preprocess_cfg`` and
    ``render_cfg``: pass the model's), once: a model job started with the traces and handed this
    ``LoadedRecord`` makes that preparation or waits for it (``LoadedRecord.preparation``), rather
    than preparing the record again. Prepared and measured as ``mirage report`` and the prior ECG's
    session are (``review.opening``'s ``Preparation`` and ``measure_head``). ``with_quality`` (with
    ``with_inputs``): the record's quality report too
    (``LoadedRecord.quality``, with ``(2, 3)``), part of that preparation: its pacer marks show with
    the model image, and a model that assesses reuses it (one assessment per record); 14 ms on
    LUDB 8 (500 Hz, 10 s). An assessment that fails leaves the model image and is not tried again;
    ``errors["quality"]`` says why ("signal quality not assessed: ...", ``quality_message``), which
    the window shows where the verdict would be.
    """
    t0 = time.perf_counter()
    stamp = record_stamp(path)      # before it is read: a file rewritten while it is read is told too
    record = load_record(path)
    out = LoadedRecord(record=record, timings={"load": time.perf_counter() - t0},
                       configs=(preprocess_cfg, render_cfg, bool(with_quality)) if with_inputs else None, stamp=stamp)
    ctx.check()
    ctx.progress(1, 3, out)
    # Let the GUI thread draw the traces before the heavy steps compete with it for the GIL.
    out.drawn.wait(timeout=2.0)
    ctx.check()
    # scipy (filters, resampling, neurokit2) looks up sys.modules["torch"] to recognise torch
    # arrays; while the model job is still importing torch in another pool thread, that lookup
    # finds a partially initialised module and raises. Importing torch here first waits for that
    # import to complete (or does it), so the scipy work below never sees half a torch.
    import torch  # noqa: F401

    if with_inputs:
        t1 = time.perf_counter()
        got = out._preparation.outcome()        # or the model job's, already made alike
        out.prepared, out.inputs, out.quality = got.prepared, got.inputs, got.quality
        if got.inputs_error is not None:     # the traces can still be reviewed
            log.warning("preparing %s failed", path, exc_info=got.inputs_error)
            out.errors["inputs"] = user_message(got.inputs_error)
        if got.quality_error is not None:
            log.warning("quality of %s failed", path, exc_info=got.quality_error)
            out.errors["quality"] = quality_message(got.quality_error)
        out.timings["inputs"] = time.perf_counter() - t1
    ctx.check()
    ctx.progress(2, 3, out)
    if with_measurements:
        t2 = time.perf_counter()
        try:
            out.measurements = measure_head(record)
        except Exception as err:  # noqa: BLE001
            log.warning("measuring %s failed: %s", path, traceback.format_exc())
            out.errors["measure"] = user_message(err)
        out.timings["measure"] = time.perf_counter() - t2
    ctx.progress(3, 3, out)
    return out


@dataclass
class LoadedModels:
    """The loaded model and the statements model that runs beside it (None: none; ``statements_error``
    says why when one was asked for and could not be loaded)."""
    predictor: object
    statements: object | None = None
    statements_error: str = ""


def load_models_job(ctx: JobContext, path, device: str = "auto", statements: str = "auto") -> LoadedModels:
    """Load the model (``load_predictor_job``) and the statements model beside it.

    ``statements``: "auto" (the shipped statements model unless the model carries PTB-XL
    statements itself; ``MIRAGE_STATEMENTS_MODEL`` overrides), "none", or a checkpoint folder.
    A statements model that fails to load leaves the model loaded and says why.
    """
    predictor = load_predictor_job(ctx, path, device)
    where = companion_statements_model(ptbxl_coded(predictor), statements)    # an own "AFIB" is no statement
    if where is None:
        return LoadedModels(predictor)
    ctx.check()
    try:
        return LoadedModels(predictor, load_predictor_job(ctx, where, device))
    except Exception as err:   # noqa: BLE001 - the model itself is loaded; the interpretation says it lacks statements
        log.warning("could not load the statements model %s", where, exc_info=True)
        return LoadedModels(predictor, None, f"{Path(str(where)).name}: {type(err).__name__}: {err}")


def load_predictor_job(ctx: JobContext, path, device: str = "auto"):
    """Load a checkpoint into a Predictor (``path`` None: the bundled default).

    The Predictor picks torch's intra-op thread count (``runtime.set_threads``: 1 on a
    2-core machine, ``MIRAGE_THREADS`` when set); the app never overrides it.
    """
    from mirage_model.inference import Predictor   # torch: in the worker, never before the first paint

    predictor = Predictor(path, device=device)
    inference_threads()
    return predictor


_THREADS_LOCK = threading.Lock()
_THREADS: list[int] = []   # the count runtime.set_threads chose, once known


def inference_threads() -> int:
    """Make torch in the calling thread use the thread count the library chose; returns it.

    torch keeps OpenMP's thread count per thread: a pool thread that ran torch before the
    Predictor set its count keeps the old one (on 2 cores: 2 threads, about 10x slower under
    load, see ``runtime.default_threads``). Every job that runs the model calls this first.
    """
    import torch   # heavy: only jobs that run the model get here

    from mirage_model.runtime import set_threads   # imports torch

    with _THREADS_LOCK:
        if not _THREADS:
            # the first caller: set_threads sets the count in this thread (or a Predictor
            # made in this thread already did) and reports it
            _THREADS.append(set_threads())
        n = _THREADS[0]
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


def chosen_threads() -> int | None:
    """The torch thread count inference uses, once a model job has run (None before)."""
    with _THREADS_LOCK:
        return _THREADS[0] if _THREADS else None


# One model, one forward at a time: explanations may hook modules, so calls are serialised.
_PREDICT_LOCK = threading.Lock()


def header_job(ctx: JobContext, paths: list) -> int:
    """Load each record of a folder in turn; progress payload ``(index, info dict | error str)``. The info's
    "dx" are the file's diagnoses in words ("atrial fibrillation"), "dx_coded" the same with their codes
    ("atrial fibrillation (164889003)"), as the file's diagnosis lines name them (``file_info.diagnosis_words``)."""
    for i, path in enumerate(paths):
        ctx.check()
        try:
            info = record_info(load_record(path))
        except Exception as err:  # noqa: BLE001 (one bad file must not stop the listing)
            info = user_message(err)
        ctx.progress(i + 1, len(paths), (i, info))
    return len(paths)


def record_info(rec) -> dict:
    """What the folder browser's row says of the record ``rec`` (``header_job``'s info)."""
    return {"record_id": rec.record_id, "age": rec.age, "sex": rec.sex, "fs": rec.fs,
            "duration_s": rec.duration_s, "dx": diagnosis_words(rec, with_codes=False),
            "dx_coded": diagnosis_words(rec), "recording_s": (rec.meta or {}).get("recording_s"),
            "cut_short": cut_short(rec.meta), "age_note": (rec.meta or {}).get("age_note")}


def report_job(ctx: JobContext, session, out_path, settings=None, model_info=None):
    """``report.build_report(session, out_path)``; returns the PDF path. ``session`` is a snapshot
    (``ReviewSession.snapshot``): edits made while the PDF is written do not reach it. Cancelled, the
    file is not put in place (a PDF of that name already there stays as it was)."""
    from mirage_model.review import report   # reportlab: about a second, only when a PDF is written

    ctx.check()
    result = report.build_report(session, out_path, settings=settings, model_info=model_info, check=ctx.check)
    return result if result is not None else out_path


def print_job(ctx: JobContext, session, printer, settings=None, model_info=None, pdf: bytes | None = None):
    """``report.build_report`` into a temporary folder, then its pages painted on ``printer`` at 100 %
    (``report_printer.print_pdf``); returns each page's painted size in device pixels. ``session``
    is a snapshot, as for ``report_job``; ``pdf``: the report already built (the print preview's), painted
    as it is. The cancel flag stops it between strips of a page."""
    from app.report_printer import print_pdf   # the report's page sizes: reportlab, as below
    from mirage_model.review import report   # reportlab: about a second, only when a PDF is written

    ctx.check()
    if pdf is not None:
        return print_pdf(printer, pdf, check=ctx.check, progress=lambda done, total: ctx.progress(done, total))
    with tempfile.TemporaryDirectory(prefix="mirage-print-") as tmp:
        pdf = report.build_report(session, Path(tmp) / "report.pdf", settings=settings, model_info=model_info)
        ctx.check()
        return print_pdf(printer, pdf, check=ctx.check, progress=lambda done, total: ctx.progress(done, total))


def preview_job(ctx: JobContext, session, settings=None, model_info=None):
    """File > Print preview: ``report.build_report`` as ``print_job`` builds it, and its pages rasterised
    (``report_printer.render_pages``). Returns (the PDF's bytes, [(QImage, (width, height) in points)])."""
    from app.report_printer import render_pages   # the report's page sizes: reportlab, as below
    from mirage_model.review import report   # reportlab: about a second, only when a PDF is written

    ctx.check()
    with tempfile.TemporaryDirectory(prefix="mirage-preview-") as tmp:
        data = report.build_report(session, Path(tmp) / "report.pdf", settings=settings,
                                   model_info=model_info).read_bytes()
    ctx.check()
    return data, render_pages(data, check=ctx.check)


def score_job(ctx: JobContext, predictor, record, ticket, explain: bool = True, statements_predictor=None,
              inputs=None):
    """The prediction, the clinical values' contributions and the statements model's prediction
    (None without one, or when it failed) for ``ticket`` (its session's values), under the model
    lock. ``inputs``: the record's ``inference.RecordInputs``, or the ``LoadedRecord`` whose job is
    preparing it (``LoadedRecord.preparation_for``: made here when the load job has not yet, and
    then reused by it), reused when made as ``predictor`` prepares.
    Returns (Prediction, contributions, statements Prediction or None)."""
    if isinstance(inputs, LoadedRecord):
        ctx.check()
        inputs = inputs.preparation_for(predictor)
    with _PREDICT_LOCK:
        ctx.check()
        if getattr(predictor, "device", "cpu") == "cpu":
            inference_threads()
        return compute(predictor, record, ticket, explain=explain, statements_predictor=statements_predictor,
                       check=ctx.check, inputs=inputs)


def prior_job(ctx: JobContext, path, predictor=None, statements_predictor=None):
    """A prior ECG for the open record to be compared with (``ReviewSession.set_prior``): a review
    session of its own, read, prepared and assessed, measured and scored with the same model and
    statements model (``review.opening.session_from_file``, as ``mirage report --prior`` reads it),
    the cancel flag checked between the steps and the model run under the model lock.

    The prior's model result failing leaves its session without one (said in its errors; the
    comparison then has its measurements alone); a file that cannot be read raises (the job's error).

    Returns:
        ReviewSession: the prior's finished session, not yet bound to anything.
    """
    if predictor is not None and getattr(predictor, "device", "cpu") == "cpu":
        inference_threads()
    stamp = record_stamp(path)      # before it is read: a report of the comparison asks whether it changed since
    prior = session_from_file(path, predictor, statements_predictor, check=ctx.check, lock=_PREDICT_LOCK)
    prior.file_stamp = stamp
    if prior.state["prediction"] == FAILED:     # compared by its measurements alone; the log says why
        log.warning("the prior %s was not scored: %s", path, prior.errors.get("prediction", ""))
    return prior


class BatchNotice(str):
    """A line a batch tells when it happens (a killed run's lock taken over), sent as the payload
    of ``progress(0, 0, notice)`` before the first record's row."""


class KeptRows(list):
    """The rows a resumed batch keeps from its output (``score_folder``'s ``keeping``: scored before, not scored
    again), sent as the payload of ``progress(0, 0, rows)`` before the first record's row, so that the dialog
    shows the whole table from the start."""


def batch_job(ctx: JobContext, folder, predictor, out_path, **kwargs):
    """``batch.score_folder`` with progress rows, its notices (``BatchNotice``) and the cancel flag
    wired to this job."""
    from mirage_model.review import batch   # scipy.signal and the loaders' process pool: when a batch starts

    if getattr(predictor, "device", "cpu") == "cpu":
        inference_threads()

    def progress(done, total, row=None):
        ctx.progress(done, total, row)

    kwargs.setdefault("notice", lambda line: ctx.progress(0, 0, BatchNotice(line)))

    def comparing(done, total):
        # a resumed run's kept records scored again for the comparison, after its last row: minutes at "N / N"
        if done == 0:
            ctx.progress(0, 0, BatchNotice(
                f"serial comparison: scoring again the {counted(total, 'record')} kept from the earlier run (the "
                "comparison needs them; their rows stay as they are), about as long as scoring them took"))

    kwargs.setdefault("comparing", comparing)
    # a resumed run's kept rows in the dialog's table from the start (they had appeared at its end alone)
    kwargs.setdefault("keeping", lambda rows: ctx.progress(0, 0, KeptRows(rows)))
    # "0 / N records" once the run knows N, before its first record ends (the dialog had said nothing till then)
    kwargs.setdefault("started", lambda total: ctx.progress(0, total, None))
    return batch.score_folder(folder, predictor, out_path, progress=progress, cancel=ctx.cancelled, **kwargs)
