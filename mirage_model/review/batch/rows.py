"""One output row per record: the columns, batched predictions over a chunk of loaded records,
the ok and error rows, and each record's PDF through the one report path."""

from __future__ import annotations

import logging
import math
from pathlib import Path, PurePosixPath
from typing import Iterable

from mirage_model.clinical import (LABS_HEADER_NOTE, SEX_CODE, ClinicalError, default_schema, labs_header_note,
                                   record_values)
from mirage_model.clinical.features import censor_mark
from mirage_model.csvsafe import encodable, printable
from mirage_model.formats import guess_format
from mirage_model.limits import with_head_note
from mirage_model.preprocess import prediction_coverage
from mirage_model.records import STANDARD_LEADS, RecordError, UnscorableRecordError
from mirage_model.records.folder import natural_key
from mirage_model.measure import SCALAR_KEYS
from mirage_model.paths import OutputError
from mirage_model.review.batch.inputs import LabsLookup, features_read
from mirage_model.review.batch.loading import LoadedRecord
from mirage_model.review.file_info import device_statements, file_diagnosis_text, reader_notes
from mirage_model.review.labels import ptbxl_coded
from mirage_model.review.interpret import (doubted_calls, infarct_disagreement, interpret_prediction, noise_hidden,
                                           prediction_age, statement_labels)
from mirage_model.review.measurements import NOT_APPLICABLE, doubt_text, measurement_rows, unsaid_notes
from mirage_model.review.paced import withhold_paced
from mirage_model.review.scoring import clinical_contributions
from mirage_model.review.session import ReviewSession
from mirage_model.review.withheld_words import short_reason, withheld_sentence

log = logging.getLogger(__name__)

# a row's status: "ok", "error", "unscorable" (read, but no usable signal), or NOT_ECG: a file with an
# ECG format's extension that is no ECG MIRAGE reads (its error says what it is; not a failure)
NOT_ECG = "not_ecg"
# the serial comparison's columns (``--compare-prior``; ``priors``): the same patient's earlier record compared
# (its record_path), its recording date, the comparison's words (what changed, or why nothing was compared),
# and its warnings and notes
SERIAL_COLUMNS = ("prior_file", "prior_date", "serial_changes", "serial_warnings")


def columns(labels: Iterable[str], measure: bool = True, pdf: bool = False,
            statements: Iterable[str] = (), serial: bool = False) -> list[str]:
    """The output columns (= row dict keys) for a model's ``labels``: the record, what its file says of the
    diagnosis (``file_diagnosis``) and what the acquiring device's own analysis states (``device_statements``),
    its status, one
    ``prob_<label>`` per label, the result (``noise_may_hide``: what the record's noise may have taken away, not
    calls) and quality, the measurements (``measure``), the PDF
    (``pdf``), the notes, then the interpretation, why its statements marked "(?)" are doubted
    (``interpretation_notes``), the serial comparison with the same patient's earlier record
    (``serial``: ``SERIAL_COLUMNS``, asked for with ``--compare-prior``) and one
    ``stmt_<code>`` per PTB-XL statement in ``statements`` (``interpret.statement_labels`` of the
    statements model; asked for with ``--all-statements``). ``statements_model`` names the model the
    interpretation's statements come from (empty: the rules alone)."""
    cols = ["record_path", "record_id", "format", "device", "file_diagnosis", "device_statements", "status", "error"]
    cols += [f"prob_{lab}" for lab in labels]
    cols += ["positive", "withheld_positive", "noise_may_hide", "model", "statements_model", "age_used", "sex_used",
             "labs_used", "values_not_used", "quality_flags",
             "quality", "warnings", "quality_codes", "poor_leads"]
    if measure:
        cols += list(SCALAR_KEYS)     # the measurement keys are the columns
    if pdf:
        cols.append("pdf")
    cols.append("notes")
    cols.append("interpretation")
    cols.append("interpretation_notes")
    if serial:
        cols += list(SERIAL_COLUMNS)
    cols += [f"stmt_{code}" for code in statements]
    return cols


def folder_row(cols: list[str], rel: str, reason: str, model: str = "") -> dict:
    """The row of a folder that could not be listed (``rel``: its path under the root, ending in
    "/"): the output itself then says that records may be missing, not only the run's summary."""
    row = {c: None for c in cols}
    row.update(record_path=rel, record_id=Path(rel.rstrip("/")).name or rel, status="error", model=model or None,
               error=f"folder cannot be read ({reason}): the records in it are not in this output")
    return row


def record_ids(rels: Iterable[str]) -> dict[str, str]:
    """{record_path: record_id} of the rows of one output whose name another row of it bears too
    (``siteA/1.hea`` and ``siteB/1.hea``, both "1"; a folder that could not be listed, ``sub/``, and a
    record ``sub.hea``): their path under the folder without the extension ("siteA/1", the id a labs
    table names them by, ``clinical.labs_record_id``; a folder's without its "/"), or their whole
    ``record_path`` when that is shared too (``a.xml`` and ``a.dcm``; ``sub/`` and ``sub.hea``). A row
    whose name is its own keeps it ("00417_lr"; a folder's: its last part), as every output had it.
    ``rels``: the ``record_path`` of every row of the output (a folder's ends in "/"): the run's
    records, its folders that could not be listed and the rows a resumed run keeps of records no
    longer in the folder. So every ``record_id`` is unique in the output, and the same for the same
    rows whichever run (resumed or not) wrote them."""
    rels = sorted(set(rels))

    def name(rel: str) -> str:
        return rel.rstrip("/").rpartition("/")[2] if rel.endswith("/") else PurePosixPath(rel).stem

    def short(rel: str) -> str:
        return rel.rstrip("/") if rel.endswith("/") else PurePosixPath(rel).with_suffix("").as_posix()

    by_name: dict[str, list[str]] = {}
    for rel in rels:
        by_name.setdefault(name(rel), []).append(rel)
    shared = [rel for group in by_name.values() if len(group) > 1 for rel in group]
    by_path: dict[str, list[str]] = {}
    for rel in shared:
        by_path.setdefault(short(rel), []).append(rel)
    return {rel: short(rel) if len(by_path[short(rel)]) == 1 else rel for rel in shared}


def clean_float(value, digits: int):
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return round(v, digits) if math.isfinite(v) else None


def rel_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` (posix), or whole when it is not under it, as an output writes
    it (``csvsafe.encodable``: a name's bytes that are not UTF-8 as ``\\xNN``); a resumed run
    matches records by this text, and a record's PDF is named after it."""
    try:
        return encodable(path.relative_to(root).as_posix())
    except ValueError:
        return encodable(path.as_posix())


def pdf_name(rel: Path, keep_suffix: bool = False) -> Path:
    """The PDF of a record at ``rel``: ``a.hea`` -> ``a.pdf``; ``keep_suffix``: ``a.xml`` -> ``a_xml.pdf``."""
    if keep_suffix and rel.suffix:
        return rel.with_name(f"{rel.stem}_{rel.suffix[1:]}.pdf")
    return rel.with_suffix(".pdf")


def _record_rel(path, root) -> Path:
    """A record's path under ``root`` (its name when it is not under it), as its PDF is named."""
    rel = Path(rel_path(Path(path), root))
    return Path(rel.name) if rel.is_absolute() else rel


def record_pdf_names(root, paths: Iterable[Path]) -> dict[Path, Path]:
    """Each record of a run over ``paths`` under ``root`` -> its PDF's name under the PDF folder
    (``pdf_names`` of their paths under ``root``): where ``Scorer`` writes them."""
    rels = {Path(p): _record_rel(p, Path(root)) for p in paths}
    names = pdf_names(rels.values())
    return {p: names[r] for p, r in rels.items()}


def earlier_pdfs(pdf_dir, root, paths: Iterable[Path], done: Iterable[str] = ()) -> list[Path]:
    """The PDFs a run over the records ``paths`` under ``root`` would write in ``pdf_dir`` that are
    there already (an earlier run's: the run would replace them), in the records' order. ``done``:
    the ``record_path``s a resumed run keeps (``resume.finished_records``): it writes no PDF for
    them, so theirs are not counted."""
    pdf_dir, done = Path(pdf_dir), set(done)
    names = record_pdf_names(root, paths)      # named among all the records, as the run names them
    return [pdf_dir / name for p, name in names.items()
            if (pdf_dir / name).is_file() and rel_path(Path(p), Path(root)) not in done]


def earlier_pdfs_text(found: list[Path], pdf_dir) -> str:
    """What a run says of the PDFs ``found`` (``earlier_pdfs``) that it would replace in ``pdf_dir``:
    how many, and the first three by their path under it ("it holds 2 PDFs an earlier run wrote for
    these records (1.pdf, sub/2.pdf)"); ``mirage score --pdf-dir`` and ``mirage-review --export-pdf``
    refuse such a folder in these words."""
    n = len(found)
    names = ", ".join(printable(Path(p).relative_to(pdf_dir).as_posix()) for p in found[:3]) + (" ..." if n > 3 else "")
    return f"it holds {n} PDF{'s' if n > 1 else ''} an earlier run wrote for these records ({names})"


def not_ecg_line(path: str, why: str) -> str:
    """The one line on a file with an ECG format's extension that is no ECG (a row of status
    ``NOT_ECG``; ``why``: its error): ``mirage score``'s summary, ``mirage-review --export-pdf`` and
    the app's batch dialog all say it so ("not an ECG: x.xml: the file is empty")."""
    return f"not an ECG: {printable(path)}: {printable(why)}"


def withheld_words(row: dict) -> tuple[str, str]:
    """What a row's empty ``positive`` stands for when the quality gate withheld its calls: a short line
    for a table's cell and the whole of it for a tooltip, as ``mirage report`` says it ("positive: none
    (withheld: MI, CD: paced rhythm (...))"); ("", "") when the row withheld nothing. From the row's
    ``withheld_positive`` and ``quality`` ("unreliable (REASON)"), so a row read back from a CSV has them
    too: ("withheld: paced rhythm", "withheld: MI, CD: paced rhythm (statements model, P=0.93; ...)")."""
    held = [lab for lab in str(row.get("withheld_positive") or "").split(";") if lab]
    if not held or row.get("positive"):
        return "", ""
    verdict, _, reason = str(row.get("quality") or "").partition(" (")
    reason = reason[:-1] if reason.endswith(")") else reason
    reason = reason or (f"signal quality {verdict}" if verdict else "signal quality")
    return f"withheld: {short_reason(reason)}", withheld_sentence(held, reason)


def pdf_names(rels: Iterable[Path]) -> dict[Path, Path]:
    """One PDF name per record path (relative), none shared: a record whose plain name (``a.pdf``)
    another record would also get keeps its suffix (``a_xml.pdf``); a name still taken after that
    gets ``_2``, ``_3`` ... in the records' order (``records.folder.natural_key``). Names compare
    case-insensitively (a PDF folder may sit on a case-insensitive disk). Deterministic for a given set of
    paths, so ``--resume`` finds them."""
    rels = sorted(set(rels), key=natural_key)
    plain: dict[str, int] = {}
    for r in rels:
        key = str(pdf_name(r)).lower()
        plain[key] = plain.get(key, 0) + 1
    out: dict[Path, Path] = {}
    taken: set[str] = set()
    for r in rels:
        name = pdf_name(r, keep_suffix=plain[str(pdf_name(r)).lower()] > 1)
        n = 2
        while str(name).lower() in taken:
            name = pdf_name(r, keep_suffix=True).with_name(f"{pdf_name(r, keep_suffix=True).stem}_{n}.pdf")
            n += 1
        taken.add(str(name).lower())
        out[r] = name
    return out


def canonical_value(name: str, value) -> float | None:
    """A clinical value (raw, or (value, unit)) in its feature's canonical unit, as the model
    encodes it (``ClinicalFeature.to_canonical``); None when missing or unreadable."""
    if value is None:
        return None
    try:
        return default_schema([name]).features[0].to_canonical(value)
    except (ClinicalError, KeyError, ValueError, IndexError):
        return None


def sex_letter(value) -> str | None:
    """"M", "F" or None for a sex as any source gives it: "M"/"male" (a header), 1.0/0.0 (a labs
    table, ``SEX_CODE``), or such a value with its unit."""
    code = canonical_value("sex", value)
    return next((k for k, v in SEX_CODE.items() if v == code), None)


def labs_text(values: dict) -> str:
    """A labs row's values as one cell, each in its feature's canonical unit, by name:
    "crp=5 mg/L; sex=F; troponin_t=12 ng/L" for crp 0.5 mg/dL, sex "female" and troponin T
    0.012 ng/mL; a censored value with its mark ("troponin_t=<3 ng/L" for "<3": the model read
    its limit, 3); "" for no values. What a research reader audits a scored row against."""
    parts = []
    for name in sorted(values):
        v = canonical_value(name, values[name])
        if v is None:              # missing, or no feature of the schema
            continue
        if name == "sex":
            shown = sex_letter(v)
        else:
            shown = f"{censor_mark(values[name])}{v:g} {default_schema([name]).features[0].unit}".rstrip()
        if shown is not None:
            parts.append(f"{name}={shown}")
    return "; ".join(parts)


def labs_header_notes(notes) -> list[str]:
    """The parts of a row's notes (its "; "-joined ``notes`` cell) that say its labs row differs
    from the record's header (``clinical.labs_header_note``): [] when none does."""
    return [part for part in str(notes or "").split("; ") if part.startswith(LABS_HEADER_NOTE)]


def error_message(err: BaseException) -> str:
    if isinstance(err, RecordError):
        return err.reason
    if isinstance(err, ClinicalError):
        return f"clinical values: {err}"
    if isinstance(err, OutputError):     # already "cannot write FILE: reason"
        return str(err)
    return f"{type(err).__name__}: {err}"


def record_session(record, prediction, clinical_values, schema, measurements, contributions=None,
                   statements=None, labs_row=None, labs_left_out=()) -> ReviewSession:
    """The review session of a scored record, as its PDF and its serial comparison read it: the values
    the model saw (``clinical_values``; ``labs_row`` the labs table's row among them), its prediction
    and the statements model's (``statements``), its measurements (None: not measured).
    ``labs_left_out``: the row's bad values that no model read (``LabsLookup.left_out``), which its
    labs block names above the values, as it names a row that differs from the header."""
    session = ReviewSession.from_results(record, values=clinical_values, prediction=prediction,
                                         schema=schema, measurements=measurements,
                                         measured=measurements is not None, file_values=False,
                                         contributions=contributions, statements=statements,
                                         labs_row=labs_row, labs_left_out=labs_left_out)
    return session


def pdf_one(out_path: str, record, prediction, clinical_values, schema, measurements,
            settings, model_info, contributions=None, statements=None, labs_row=None, labs_left_out=(),
            prior=None) -> str:
    """The record's PDF through the one report path: a review session, then ``build_report``.
    ``labs_row``: the labs table's row among ``clinical_values`` (its labs block says where it
    differs from the record's header, and ``labs_left_out``, the bad values left out of it);
    ``prior``: the same patient's earlier record's session (``record_session``), compared on the
    report's last page. Module level: a loader process runs it."""
    from mirage_model.review.report import build_report   # reportlab: only when PDFs are asked for

    session = record_session(record, prediction, clinical_values, schema, measurements, contributions,
                             statements, labs_row, labs_left_out)
    if prior is not None:
        session.set_prior(prior)
    return str(build_report(session, out_path, settings=settings, model_info=model_info))


class ScoringCancelled(Exception):
    """The batch's cancel said stop while a group of records was being scored (``predict_each``,
    ``Scorer.predict``): the group has no rows; a resumed run scores its records."""


def prepare_one(predictor, item: LoadedRecord, clinical: dict, like=None) -> tuple[object, Exception | None]:
    """(``predictor.prepare`` of the item's record, None) or (None, the exception); ``like``: the other
    model's preparation of the same record, reused when both preprocess alike."""
    try:
        return predictor.prepare(item.record, clinical, like, measurements=item.measurements), None
    except Exception as err:
        log.debug("%s could not prepare %s", getattr(predictor, "name", "the model"), item.path, exc_info=True)
        return None, err


def predict_prepared(predictor, items: list[LoadedRecord], clinicals: list[dict], preps: list, failures: list,
                     explain: bool) -> list:
    """``predictor.predict_batch`` over the prepared items (``preps[k]`` not None) in one pass; when
    one record spoils the pass, each record alone, to find it (its exception into ``failures[k]``).
    Returns the prediction or None per item, in order."""
    preds: list = [None] * len(items)
    ok = [k for k in range(len(items)) if preps[k] is not None]
    if not ok:
        return preds
    try:
        got = predictor.predict_batch([items[k].record for k in ok], [clinicals[k] for k in ok], explain=explain,
                                      prepared=[preps[k] for k in ok])
        for k, p in zip(ok, got):
            preds[k] = p
    except Exception:
        for k in ok:
            try:
                preds[k] = predictor.predict_batch([items[k].record], [clinicals[k]], explain=explain,
                                                   prepared=[preps[k]])[0]
            except Exception as err:
                log.debug("%s could not score %s", getattr(predictor, "name", "the model"), items[k].path,
                          exc_info=True)
                failures[k] = err
    return preds


def predict_each(predictor, items: list[LoadedRecord], clinicals: list[dict], explain: bool,
                 like: list | None = None, cancel=None) -> tuple[list, list, list]:
    """Each item's record prepared (``prepare_one``), then ``predict_prepared`` over them in one
    pass. Returns (prediction or None, the exception or None, the preparation or None) per item, in
    order.

    Raises:
        ScoringCancelled: ``cancel()`` said stop before a record's preparation or the pass.
    """
    stop = cancel or (lambda: False)
    preps: list = []
    failures: list = []
    for k, (it, clin) in enumerate(zip(items, clinicals)):
        if stop():
            raise ScoringCancelled()
        prep, err = prepare_one(predictor, it, clin, like[k] if like is not None else None)
        preps.append(prep)
        failures.append(err)
    if stop():
        raise ScoringCancelled()
    return predict_prepared(predictor, items, clinicals, preps, failures, explain), failures, preps


class Scorer:
    """Turns loaded records into rows: batched predictions, then optional PDFs.

    ``statements_predictor``: a statements model run beside ``predictor`` on the same records and
    values (without explanations); its statements make the interpretation. None: the interpretation
    comes from ``predictor``'s own statements, if any, and the measurement rules.
    """

    def __init__(self, predictor, root: Path, labs: dict, measure: bool, pdf_dir, explain: bool,
                 report_settings, cols: list[str], labs_errors: dict | None = None,
                 statements_predictor=None, paths: Iterable[Path] = (), labs_lookup: LabsLookup | None = None,
                 ids_among: Iterable[Path] | None = None):
        self.predictor = predictor
        self.statements_predictor = statements_predictor
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
        self._pdf_names = record_pdf_names(root, paths)
        # the run's records' record_id where their names are shared (``record_ids``); ``ids_among``:
        # every record of the run (headers, signal files without one, files that are no ECG)
        self.record_ids = record_ids(rel_path(Path(p), root) for p in (paths if ids_among is None else ids_among))
        # each record's labs row as training finds it: by its path under the root ("siteA/1"),
        # else by a shorter trailing part ("1") that fits no other record of the run; the app's
        # batch dialog opens a row's record with the same lookup's values (``labs_lookup``: the one
        # ``score_folder`` built of the same table, root and records, not built again)
        self.labs_lookup = labs_lookup if labs_lookup is not None else \
            LabsLookup.build(self.labs, self.labs_errors, root, paths)
        if self.labs_lookup.reads is None:
            self.labs_lookup.reads = features_read(predictor, statements_predictor)
        self.labs_match = self.labs_lookup.match

    def labs_id(self, path) -> str:
        """The record's id in the labs table (``clinical.labs_record_id``): its path under the root."""
        return self.labs_lookup.record_id(path)

    def labs_row_id(self, path) -> str | None:
        """The id of the labs row of the record at ``path`` (None: none, or an ambiguous one)."""
        return self.labs_lookup.row_id(path)

    @property
    def model_info(self) -> dict:
        if self._model_info is None:
            from mirage_model.review.report import model_info_from   # reportlab: only for PDFs

            self._model_info = model_info_from(self.predictor)
        return self._model_info

    def labs_row_of(self, record) -> dict:
        """The labs row the record is scored with ({name: (value, unit)}; {} when none)."""
        path = getattr(record, "path", None)
        row = self.labs_row_id(path) if path is not None else record.record_id
        return dict(self.labs.get(row, {}) or {})

    def clinical_for(self, record) -> dict:
        """The record's own values (age, sex ... from its file) with its labs row over them."""
        values = record_values(record)
        values.update(self.labs_row_of(record))
        return values

    def base_row(self, item: LoadedRecord) -> dict:
        row = {c: None for c in self.cols}
        path = Path(item.path)
        row["record_path"] = rel_path(path, self.root)
        # unique in the output: a name another record of the run bears too is told apart by its path
        row["record_id"] = self.record_ids.get(row["record_path"]) or getattr(item.record, "record_id", None) \
            or path.stem
        meta = getattr(item.record, "meta", None) or {}
        row["format"] = meta.get("format") or guess_format(path)
        row["device"] = meta.get("device")
        # what the file itself says of the diagnosis, as written (``file_info.file_diagnosis_text``): apart from
        # MIRAGE's calls, on every row that read the record
        row["file_diagnosis"] = file_diagnosis_text(item.record) or None
        # the cart's own statements (GE MUSE, Philips), as the app and page 3 show them: the device's, not MIRAGE's
        row["device_statements"] = " | ".join(device_statements(item.record)) or None
        row["model"] = self.model_id
        # what the file's reader noticed (a placeholder birth date, PTB-XL's age 300 shown as 90), on
        # every row that read the record, an error's too
        row["notes"] = "; ".join(([item.note] if item.note else []) + reader_notes(item.record)) or None
        return row

    def error_row(self, item: LoadedRecord, message: str) -> dict:
        row = self.base_row(item)
        row["status"] = "unscorable" if item.unscorable and message == item.unscorable else "error"
        row["error"] = message
        return row

    def predict(self, items: list[LoadedRecord], cancel=None) -> list[tuple[LoadedRecord, object, dict, str]]:
        """(item, prediction or None, clinical values, error message) per loaded item, in order.

        The records are scored in groups of about one forward call's windows
        (``Predictor.windows_per_call``), ``cancel`` asked before each record's preparation and each
        pass: when it says stop, the items from the first one not scored on are left out (no rows:
        a resumed run scores them), so that a cancel waits for one record or one forward call, not
        the chunk (32 records: 10 s on a busy 2-core machine)."""
        for it in items:
            if it.record is None:
                continue
            if it.unscorable:                 # no usable signal: never scored
                it.error = it.unscorable
            elif self.labs_id(it.path) in self.labs_match.ambiguous:
                it.error = self.labs_match.ambiguous[self.labs_id(it.path)]
            elif self.labs_lookup.refused(it.path):
                it.error = f"labs row refused: {self.labs_lookup.refused(it.path)}"
        good = [it for it in items if it.record is not None and not it.error]
        for it in good:
            # a bad value no model of the run reads: left out of the row, said in its notes and PDF
            left = self.labs_lookup.left_out(it.path)
            if left:
                it.note = "; ".join(n for n in (it.note, *left) if n)
            # a row that differs from the ECG's own header in age or sex may be another patient's:
            # said in the row's notes (and the summary, the dialog, the PDF), the table's values used
            differs = labs_header_note(record_values(it.record), self.labs_row_of(it.record))
            if differs:
                it.note = "; ".join(n for n in (it.note, differs) if n)
        clinicals = [self.clinical_for(it.record) for it in good]
        preds: list = []
        failures: list = []
        preps: list = []
        stmts: list = []
        step = self.predictor.windows_per_call
        stop = cancel or (lambda: False)
        try:
            while len(preds) < len(good):
                # a group: records prepared one by one until their windows fill one forward call
                start, windows = len(preds), 0
                while len(preps) < len(good) and windows < step:
                    if stop():
                        raise ScoringCancelled()
                    k = len(preps)
                    prep, err = prepare_one(self.predictor, good[k], clinicals[k])
                    preps.append(prep)
                    failures.append(err)
                    windows += len(prep.inputs.signal) if prep is not None else 0
                if stop():
                    raise ScoringCancelled()
                group, clin = good[start:len(preps)], clinicals[start:len(preps)]
                fails = failures[start:]
                p = predict_prepared(self.predictor, group, clin, preps[start:], fails, self.explain)
                failures[start:] = fails
                stmts += self._statements(group, p, clin, preps[start:], cancel)
                preds += p
        except ScoringCancelled:
            pass
        failures = failures[:len(preds)]
        scored = good[:len(preds)]
        errors = [error_message(err) if err is not None else "" for err in failures]
        for it, err in zip(scored, failures):
            if isinstance(err, UnscorableRecordError):
                it.unscorable = err.reason
        # a paced rhythm the statements model calls and the spike check missed: withheld as the app's
        # and the PDF's session withholds it (one rule, review.paced)
        gated = [withhold_paced(p, s) for p, s in zip(preds, stmts)]
        preds, stmts = [p for p, _ in gated], [s for _, s in gated]
        for it, prep in zip(scored, preps):
            it.prepared = prep            # the contributions of the PDF reuse it
        by_id = {id(it): (p, c, e, sp) for it, p, c, e, sp in zip(scored, preds, clinicals, errors, stmts)}
        unscored = {id(it) for it in good[len(preds):]}
        out = []
        for it in items:
            if id(it) in unscored:        # cancelled: this record and those after it have no rows
                break
            if id(it) not in by_id:
                out.append((it, None, {}, it.error, None))
            else:
                out.append((it, *by_id[id(it)]))
        return out

    def _statements(self, good: list[LoadedRecord], preds: list, clinicals: list[dict], preps: list,
                    cancel=None) -> list:
        """The statements model's prediction per scored record (None where it has none or failed:
        that row's interpretation then says so in its notes).

        Raises:
            ScoringCancelled: as ``predict_each``."""
        out: list = [None] * len(good)
        if self.statements_predictor is None:
            return out
        todo = [k for k, p in enumerate(preds) if p is not None]
        if not todo:
            return out
        got, failures, _ = predict_each(self.statements_predictor, [good[k] for k in todo],
                                        [clinicals[k] for k in todo], explain=False, like=[preps[k] for k in todo],
                                        cancel=cancel)
        for k, p, err in zip(todo, got, failures):
            out[k] = p
            if err is not None:
                good[k].note = "; ".join(n for n in (good[k].note, "statements model failed: "
                                                     + error_message(err)) if n)
        return out

    def ok_row(self, item: LoadedRecord, pred, clinical: dict | None = None, statements=None) -> dict:
        """The row of a scored record; ``clinical`` (the values the model saw) gives the sex for the
        interpretation's QTc limit; ``statements``: the statements model's prediction (or None)."""
        row = self.base_row(item)
        row["status"] = "ok"
        for lab, p in zip(pred.labels, pred.probabilities):
            if f"prob_{lab}" in row:
                row[f"prob_{lab}"] = clean_float(p, 6)
        source = statements if statements is not None else (None if self.statements_predictor is not None else pred)
        if source is not None:
            for lab, p in zip(source.labels, source.probabilities):
                if f"stmt_{lab}" in row:                  # stmt_ columns only with --all-statements
                    row[f"stmt_{lab}"] = clean_float(p, 6)
        # the statements in reading order, as page 1 of the PDF prints them ("WITHHELD (why): ..." when gated)
        sex = sex_letter((clinical or {}).get("sex"))
        said_by = statements or pred
        quality = getattr(said_by, "quality", None) or getattr(pred, "quality", None)
        it = interpret_prediction(said_by, item.measurements if self.measure else None, sex, quality=quality, own=pred)
        # a child's long note is short here ("paediatric: adult limits not applied"), said in full once
        # for the run (BatchSummary.paediatric_line)
        row["interpretation"] = it.text(brief=True) or None
        # the app's and the PDF's reasons for each "(?)", page 1's line where the two models disagree on an infarct, and
        # why a statement's confidence word is lower than its probability's
        disagree = infarct_disagreement(pred, said_by, brief=True)
        row["interpretation_notes"] = "; ".join(t for t in (disagree, it.notes_text(), it.lowered_text()) if t) or None
        row["statements_model"] = it.model_name if statement_labels(ptbxl_coded(said_by)) else None
        # a call resting on amplitudes in doubt (a header's gain or units wrong) is marked "(?)" as the
        # interpretation marks its statements, and why in the notes: rows a user can filter on "(?)"
        doubted = doubted_calls(pred)
        row["positive"] = ";".join(f"{lab} (?)" if lab in doubted else lab for lab in pred.positive)
        # the quality gate (mirage_model.quality via Predictor): calls on a poor or untrained-for record
        # are withheld from "positive" and listed apart, next to the reason
        row["withheld_positive"] = ";".join(pred.model_positive) if pred.withheld else None
        # what the record's noise may have taken away (not calls): the app's and page 1's line, every label named
        row["noise_may_hide"] = noise_hidden(pred, statements, it, limit=None) or None
        q = getattr(pred, "quality", None)
        if q is not None:
            cols = q.as_columns()
            row["quality"] = cols["quality"] + (f" ({cols['quality_reason']})" if cols["quality_reason"] else "")
            row["warnings"] = cols["warnings"] or None
            row["quality_codes"] = cols["quality_codes"] or None
            row["poor_leads"] = cols["poor_leads"] or None      # graded poor or absent: "II;V3"
        row["model"] = pred.model_name or self.model_id
        doubts, table = [], []
        if self.measure and item.measurements is not None:
            values = item.measurements.as_dict()
            for key in SCALAR_KEYS:
                row[key] = clean_float(values.get(key), 1)
            # what the record cannot carry, as the app's and the PDF's table say it: a PR beside atrial fibrillation
            # or flutter is no value (empty, as an unmeasured one), mains left marks the intervals; the notes say why
            table = measurement_rows(item.measurements, None, sex, prediction_age(said_by), quality=quality,
                                     interpretation=it)
            for r in table:
                if r["doubt"] == NOT_APPLICABLE:
                    row[r["key"]] = None
            doubts = doubt_text(table)
        # what the app and the PDF show beside the probabilities
        used = (pred.clinical_used or {}).get("used") or {}
        ignored = (pred.clinical_used or {}).get("ignored") or {}
        # as the model read them: age in years ("Age [months]" 1092 is 91.0), sex as M/F (a labs
        # table's "male" or 1.0 is M)
        row["age_used"] = clean_float(canonical_value("age", used.get("age")), 2)   # an infant's 0.25
        row["sex_used"] = sex_letter(used.get("sex"))
        # the labs table's values this record was scored with (its own row, as LabsLookup matched
        # it), so that a reader can check a row against the table; "" when it has none
        row["labs_used"] = labs_text(self.labs_lookup.values(item.path))
        row["values_not_used"] = ";".join(sorted(ignored)) or None
        held = (pred.clinical_used or {}).get("held") or {}
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
        coverage = prediction_coverage(pred, item.record, self.predictor)
        if coverage:    # a long record's probabilities rest on a sample of it; say which
            notes.insert(0, f"model scored {coverage}")
        notes += doubts
        # a child's as the rules read it; not a QTc's note its doubt says
        notes += unsaid_notes(item.measurements, prediction_age(said_by), table)
        if getattr(said_by, "measured_note", ""):    # a measured-rhythm stage left out (e.g. too few beats)
            notes.append(said_by.measured_note)
        notes += [f"{lab} (?): {why}" for lab, why in doubted.items()]
        notes += [f"{name}={labs_text({name: used.get(name)}).partition('=')[2]}: {why}" for name, why in held.items()]
        notes += reader_notes(item.record, row["warnings"] or "")     # not those its warnings say in full
        row["notes"] = "; ".join(notes) or None
        return row

    def pdf_path(self, item: LoadedRecord) -> Path:
        """Where the record's PDF goes: its path under the root with ".pdf" for its suffix, unless
        another scored record would get the same name (``a.xml`` and ``a.dcm``, two patients):
        then each keeps its suffix in the name (``a_xml.pdf``, ``a_dcm.pdf``)."""
        name = self._pdf_names.get(Path(item.path))
        return self.pdf_dir / (name if name is not None else pdf_name(self._rel(item.path)))

    def _rel(self, path) -> Path:
        return _record_rel(path, self.root)

    def session_args(self, item: LoadedRecord, pred, clinical: dict, statements=None) -> tuple:
        """``record_session``'s arguments for a scored record (without contributions: those are the PDF's)."""
        return (item.record, pred, clinical, self.schema, with_head_note(item.measurements, item.record), None,
                statements, self.labs_row_of(item.record), tuple(self.labs_lookup.left_out(item.path)))

    def pdf_args(self, item: LoadedRecord, pred, clinical: dict, statements=None) -> tuple:
        # the clinical values' contributions, as the app and 'mirage report' print them
        try:
            contributions = clinical_contributions(self.predictor, item.record, clinical,
                                                   prepared=item.prepared)
        except Exception:   # an extra of the PDF; never fails the row
            log.debug("contributions failed for %s", item.path, exc_info=True)
            contributions = None
        # the row's note says the measurements are the first minute's; the PDF's table says it too
        return (str(self.pdf_path(item)), item.record, pred, clinical, self.schema,
                with_head_note(item.measurements, item.record), self.report_settings, self.model_info,
                contributions, statements, self.labs_row_of(item.record),
                tuple(self.labs_lookup.left_out(item.path)))
