"""The batch dialog's work off the GUI thread (``workers.Worker`` jobs, no widgets): listing the
folder and the PDFs a run would replace, and the batch itself with its own copy of the model."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app import jobs
from mirage_model.review.interpret import companion_statements_model
from mirage_model.review.labels import ptbxl_coded


@dataclass
class ListedFolder:
    """A folder listed before a batch with a PDF folder starts: ``found`` and ``unreadable`` as
    ``find_inputs`` gave them (handed on to the batch, which does not list again), ``earlier`` the
    PDFs already in the PDF folder that the run would write (``batch.earlier_pdfs``)."""

    found: tuple
    unreadable: list = field(default_factory=list)
    earlier: list = field(default_factory=list)
    resumed: bool = False       # a run resumed onto an output: ``earlier`` leaves out its finished records'


def list_folder_job(ctx, folder, pdf_dir, resume_out=None) -> ListedFolder:
    """List ``folder``'s records and find the PDFs of them already in ``pdf_dir`` (off the GUI
    thread: 3 s for the 21,799 records of PTB-XL on a busy 2-core machine). A run resumed onto
    ``resume_out`` writes none for the records that output finished (``resume.finished_records``):
    theirs are not counted, as ``mirage score --resume`` counts them."""
    from mirage_model.review.batch import BatchError, earlier_pdfs, find_inputs   # scipy: when a batch starts
    from mirage_model.review.batch.resume import finished_records

    unreadable: list = []
    found = find_inputs(folder, unreadable)
    ctx.check()
    resumed = resume_out is not None and Path(resume_out).exists()
    try:
        done = finished_records(Path(resume_out)) if resumed else set()
    except BatchError:
        return ListedFolder(found, unreadable, [], resumed)     # the batch refuses that output, naming it
    return ListedFolder(found, unreadable, earlier_pdfs(pdf_dir, folder, found[0], done), resumed)


@dataclass
class LabsMatched:
    """The run's labs-table match, sent before its first row: ``lookup`` (``batch.LabsLookup``),
    the ids of the rows that fit no record (``unmatched``), the case / leading-zero ``hint``
    (``clinical.labs.near_miss_text``) and two of the run's records' ids, the example of a row's id
    (``examples``), as the run's summary gives them at the end (``BatchSummary.labs_id_examples``)."""

    lookup: object
    unmatched: list = field(default_factory=list)
    hint: str = ""
    examples: list = field(default_factory=list)


@dataclass
class NothingToScore:
    """A folder the batch was not run on, no output written (``batch.run.nothing_to_score``, as ``mirage
    score`` refuses it): ``line`` says why and what the folder holds, ``not_read`` names its files that are
    no record (their paths under it)."""

    line: str
    not_read: list = field(default_factory=list)


def batch_with_model_job(ctx, folder, model_path, device, predictor, out_path, statements: str = "auto", **kwargs):
    """Score a folder with its own copy of the model (loaded for ``device``), so that the batch and
    the main window's inference never share one model between threads. Without a model path the
    given ``predictor`` is used. ``statements`` ("auto", "none" or a folder, as
    ``jobs.load_models_job``): the statements model loaded beside it for the interpretation.
    A folder with nothing to score gets no output, nor a model loaded: :class:`NothingToScore`. A run without a labs
    table of a model that reads labs says so first (``jobs.BatchNotice``: the dialog's notes)."""
    from mirage_model.inference import Predictor   # torch: imported when a batch starts, not with the window
    from mirage_model.review.batch.errors import BatchError
    from mirage_model.review.batch.inputs import find_inputs, labs_lookup
    from mirage_model.review.batch.run import nothing_to_score
    from mirage_model.review.labs_table import labs_not_given_note

    if kwargs.get("found") is None:     # not listed before (no PDF folder to look at): listed once, here
        unreadable: list = []
        kwargs.update(found=find_inputs(folder, unreadable), unreadable_folders=unreadable)
    not_read: list = []
    nothing = nothing_to_score(folder, kwargs["found"], kwargs.get("unreadable_folders"), not_read)
    if nothing:
        return NothingToScore(nothing, not_read)
    ctx.check()
    if kwargs.get("labs"):
        # the batch's own match of the table's rows to the folder's records, handed to the dialog
        # before the model loads and the first row, so that the rows that fit no record are named
        # when the run starts and a row opens with the values it was scored with
        lookup = labs_lookup(kwargs["labs"], folder, kwargs["found"][0])
        unmatched = list(lookup.match.unmatched)
        # the hint over every record of the run, as score_folder's summary gives it at the end
        hint = lookup.unmatched_hint(sorted(set().union(*kwargs["found"]))) if unmatched else ""
        examples = sorted({lookup.record_id(p) for p in kwargs["found"][0]})[:2] if unmatched else []
        ctx.progress(0, 0, LabsMatched(lookup, unmatched, hint, examples))
        kwargs.update(labs=lookup)    # read and matched once
        ctx.check()
    if model_path or predictor is None:
        predictor = Predictor(model_path or None, device=device)
    if not kwargs.get("labs") and (note := labs_not_given_note(predictor, how="a labs table", give="a labs table")):
        # before the first row, as mirage score says it before its run: the labs of a model trained with a table had
        # been masked for every record in silence
        ctx.progress(0, 0, jobs.BatchNotice(note.removeprefix("note: ")))
    where = companion_statements_model(ptbxl_coded(predictor), statements)    # an own "AFIB" is no statement
    if where is not None:
        kwargs["statements_predictor"] = Predictor(where, device=device)
    try:
        return jobs.batch_job(ctx, folder, predictor, out_path, **kwargs)
    except BatchError as err:
        if err.dialog:      # the refusal in this dialog's words: "untick Resume", not "run without --resume"
            raise BatchError(err.dialog) from err
        raise
