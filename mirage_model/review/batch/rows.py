"""One output row per record (``Scorer``): the ok and error rows of a chunk of loaded records scored in
batches (``predict``), and each record's PDF through the one report path (``record_session``, ``pdf_one``).
A row's columns and cells are ``cells``', a record's names ``naming``'s: importable from here too, where the
app, the CLI and the tests import them."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterable

from mirage_model.clinical import labs_header_note, record_values
from mirage_model.formats import guess_format
from mirage_model.limits import with_head_note
from mirage_model.preprocess import prediction_coverage
from mirage_model.csvsafe import printable
from mirage_model.records import STANDARD_LEADS, UnscorableRecordError
from mirage_model.measure import SCALAR_KEYS
from mirage_model.review.batch.cells import (NOT_ECG, SERIAL_COLUMNS, canonical_value, clean_float, error_message,
                                             labs_header_notes, labs_text, measurement_cell, not_ecg_line, sex_letter,
                                             withheld_words)
from mirage_model.review.batch.inputs import LabsLookup, features_read
from mirage_model.review.batch.loading import LoadedRecord
from mirage_model.review.batch.naming import (_record_rel, earlier_pdfs_text, pdf_name, pdf_names, record_ids,
                                              record_pdf_names, rel_path)
from mirage_model.review.batch.predict import ScoringCancelled, predict_each, predict_prepared, prepare_one
from mirage_model.review.file_info import (device_statements, file_diagnosis_text, patient_names, reader_notes,
                                           record_date)
from mirage_model.review.labels import ptbxl_coded
from mirage_model.review.interpret import (doubted_calls, infarct_disagreement, interpret_prediction, noise_hidden,
                                           prediction_age, statement_labels)
from mirage_model.review.measurements import NOT_APPLICABLE, doubt_text, measurement_rows, unsaid_notes
from mirage_model.review.paced import withhold_paced
from mirage_model.review.scoring import clinical_contributions
from mirage_model.review.session import ReviewSession

# the names the app, the CLI and the tests import from here (``cells``' and ``naming``'s among them)
__all__ = ["NOT_ECG", "SERIAL_COLUMNS", "Scorer", "earlier_pdfs_text", "error_message", "labs_header_notes",
           "not_ecg_line", "pdf_names", "pdf_one", "record_ids", "record_pdf_names", "record_session", "withheld_words"]

log = logging.getLogger(__name__)


def record_session(record, prediction, clinical_values, schema, measurements, contributions=None,
                   statements=None, labs_row=None, labs_left_out=(), labs_line: str = "") -> ReviewSession:
    """The review session of a scored record, as its PDF and its serial comparison read it: the values
    the model saw (``clinical_values``; ``labs_row`` the labs table's row among them), its prediction
    and the statements model's (``statements``), its measurements (None: not measured).
    ``labs_left_out``: the row's bad values that no model read (``LabsLookup.left_out``), which its
    labs block names above the values, as it names a row that differs from the header. ``labs_line``: which
    row of which table it is ("row '00519_lr' of labs.csv", ``Scorer.labs_line``), named above the labs
    block as the app's and ``mirage report``'s PDFs name it."""
    session = ReviewSession.from_results(record, values=clinical_values, prediction=prediction,
                                         schema=schema, measurements=measurements,
                                         measured=measurements is not None, file_values=False,
                                         contributions=contributions, statements=statements,
                                         labs_row=labs_row, labs_left_out=labs_left_out)
    session.labs_table = labs_line
    return session


def pdf_one(out_path: str, record, prediction, clinical_values, schema, measurements,
            settings, model_info, contributions=None, statements=None, labs_row=None, labs_left_out=(),
            labs_line: str = "", prior=None) -> str:
    """The record's PDF through the one report path: a review session, then ``build_report``.
    ``labs_row``: the labs table's row among ``clinical_values`` (its labs block says where it
    differs from the record's header, and ``labs_left_out``, the bad values left out of it);
    ``prior``: the same patient's earlier record's session (``record_session``), compared on the
    report's last page. Module level: a loader process runs it."""
    from mirage_model.review.report import build_report   # reportlab: only when PDFs are asked for

    session = record_session(record, prediction, clinical_values, schema, measurements, contributions,
                             statements, labs_row, labs_left_out, labs_line)
    if prior is not None:
        session.set_prior(prior)
    return str(build_report(session, out_path, settings=settings, model_info=model_info))


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

    def labs_line(self, item: LoadedRecord) -> str:
        """Which row of the labs table the record's PDF names above its labs block, as the app's and
        ``mirage report``'s do: "row '00519_lr' of labs.csv", "no row for record X in labs.csv" (none, an
        ambiguous or a refused one), "" without a table's file."""
        source = getattr(self.labs_lookup, "source", None)
        if source is None:
            return ""
        rid = self.labs_row_id(item.path)
        if rid is None or self.labs_lookup.refused(item.path):
            return f"no row for record {printable(item.record.record_id)} in {printable(source.name)}"
        return f"row {printable(rid)!r} of {printable(source.name)}"

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
        # who and when, as the window's patient line shows them: a patient found among UID-named files without
        # opening a PDF (the name only where the run asks for it: ``columns``' ``names``)
        if item.record is not None:
            name, row["patient_id"] = (printable(v) or None for v in patient_names(item.record))
            if "patient_name" in row:
                row["patient_name"] = name
            row["recorded"] = record_date(item.record) or None
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
            if q.verdict == "unscorable":
                # no signal to score (no QRS complex found, one channel copied to every lead: a pure 50 Hz hum): "ok"
                # and the model's probabilities beside it had read as a result; as every unscorable row, none
                row["status"] = "unscorable"
                row["error"] = f"signal quality unscorable: {q.reason or 'no usable signal'}"
                for col in row:
                    if col.startswith(("prob_", "stmt_")) or col in ("positive", "withheld_positive"):
                        row[col] = None
        row["model"] = pred.model_name or self.model_id
        # a record the model was trained or selected on (its probabilities optimistic): "train" / "val"
        row["in_training"] = getattr(pred, "in_training", "") or None
        doubts, table = [], []
        if self.measure and item.measurements is not None:
            values = item.measurements.as_dict()
            # what the record cannot carry, as the app's and the PDF's table say it: a PR beside atrial fibrillation
            # or flutter is no value (empty, as an unmeasured one), mains left marks the intervals; the notes say why
            table = measurement_rows(item.measurements, None, sex, prediction_age(said_by), quality=quality,
                                     interpretation=it)
            limits = {r["key"]: (r["ref_low"], r["ref_high"]) for r in table}
            for key in SCALAR_KEYS:
                row[key] = measurement_cell(key, values.get(key), limits.get(key, ()))
            for r in table:
                if r["doubt"] == NOT_APPLICABLE:
                    row[r["key"]] = None
            doubts = doubt_text(table)
        # what the app and the PDF show beside the probabilities
        used = (pred.clinical_used or {}).get("used") or {}
        ignored = (pred.clinical_used or {}).get("ignored") or {}
        # as the model read them: age in years ("Age [months]" 1092 is 91.0), sex as M/F (a labs
        # table's "male" or 1.0 is M)
        # the age the file or the labs table gave (the interpretation's and the measurements' limits read it), and
        # the one the model read: held within its training data's range (104 years read as 90; the notes say so)
        row["age_given"] = clean_float(canonical_value("age", used.get("age", ignored.get("age"))), 2)  # infant: 0.25
        age = canonical_value("age", used.get("age"))
        schema = getattr(self.predictor, "schema", None)
        if age is not None and schema is not None and "age" in schema.names:
            age = schema["age"].held(age)
        row["age_used"] = clean_float(age, 2)
        row["sex_used"] = sex_letter(used.get("sex"))
        # the labs table's values this record was scored with (its own row, as LabsLookup matched
        # it), so that a reader can check a row against the table; "" when it has none
        row["labs_used"] = labs_text(self.labs_lookup.values(item.path))
        row["values_not_used"] = ";".join(sorted(ignored)) or None
        held = (pred.clinical_used or {}).get("held") or {}
        quality = getattr(item.record, "quality", None) or {}
        flagged = []
        blank = item.record.blank_leads() if hasattr(item.record, "blank_leads") else ()
        for key, flags in quality.items():
            try:
                leads = [STANDARD_LEADS[i] for i, f in enumerate(list(flags)[:12]) if f]
            except TypeError:
                continue
            if key == "flat":       # a lead with no samples is missing, not flat
                leads = [lead for lead in leads if lead not in blank]
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
            # its reason once: the measurement's own note, when given above, is not said again after it
            # ("fewer than 2 usable independent leads ..." had been said twice on an unscorable row)
            head, _, why = said_by.measured_note.partition(": ")
            notes.append(head if why and why in notes else said_by.measured_note)
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
                statements, self.labs_row_of(item.record), tuple(self.labs_lookup.left_out(item.path)),
                self.labs_line(item))

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
                tuple(self.labs_lookup.left_out(item.path)), self.labs_line(item))
