"""``mirage report``: the PDF report of one record (ECG at true scale, model result, labs,
measurements, explanations). A thin face over :func:`mirage_model.review.report.build_report`.

``--prior PRIOR``: the same patient's prior ECG, read, measured and scored like this one (the same model),
compared with it (``review.serial``): page 1 says the changes under the interpretation and the last page
holds the comparison. Nothing else of the prior reaches the report (its patient fields, its values).

Exit code: 0 written, 1 written without the comparison (the prior could not be read or measured), 2 usage,
record, labs or model errors. Research use only, not a diagnosis.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from pathlib import Path

from mirage_model.clinical import (ClinicalError, default_schema, labs_header_note, labs_record_id, parse_sex,
                                   record_values)
from mirage_model.clinical.features import sex_refusal
from mirage_model.clinical.labs import censored_warning
from mirage_model.csvsafe import printable
from mirage_model.formats import same_name_records
from mirage_model.records import RecordError, UnscorableRecordError, load_record
from mirage_model.limits import HEAD_S, record_head, with_head_note
from mirage_model.measure import measure
from mirage_model.paths import default_model_path
from mirage_model.quality import AssessmentError
from mirage_model.review.batch import BatchError
from mirage_model.review.batch.inputs import LabsLookup, features_read, labs_dict
from mirage_model.review.batch.naming import NOT_A_PDF_NAME, pdf_named
from mirage_model.review.measurements import measurement_rows
from mirage_model.review.interpret.prediction import session_interpretation
from mirage_model.review.amendment import changes_line, keep_signatures
from mirage_model.review.opening import prepare, session_from_file
from mirage_model.review.overread import signer_name
from mirage_model.review.report import build_report, model_info_from
from mirage_model.review.scoring import score_session
from mirage_model.review.session import FAILED, ReviewSession
from mirage_model.review.store import StoreError, loose_identity, overread_key
from mirage_model.review.store_location import ENV_STORE, store_choice
from mirage_model.review.store_words import elsewhere_notice
from mirage_model.review.withheld_words import withheld_sentence
from training_cli.engine.errors import UsageError
from mirage_model.review.labs_table import labs_not_given_note
from training_cli.engine.checkpoints import load_predictor, load_statements_predictor
from training_cli.options import (MODEL_HELP, add_overwrite_arg, add_report_args, add_statements_model_arg,
                                  command_parser, settings_from_args)
from training_cli.outputs import check_output_place, refuse_earlier_outputs

log = logging.getLogger(__name__)

_LAB_RE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_\-]*)\s*=\s*([-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)\s*(\S.*)?$")
# sex (or an alias of it, "gender", as a labs table's column) given anything but a number: a word for
# clinical.parse_sex to read or refuse ("sex=weiblich", and a "männlich" typed decomposed on a Mac,
# whose combining mark is no word character); a number is the model's code, as a labs table's sex
# column reads it (1 male, 0 female)
_WORD_RE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_\-]*)\s*=\s*([^\d\s.+\-].*?)\s*$", re.DOTALL)


def parse_lab(text: str, schema=None) -> tuple[str, object]:
    """``name=value[unit]`` (e.g. ``troponin_t=14ng/L``, ``crp=5 mg/L``, ``sex=F``) -> (name, value).

    The value is checked with its unit against the feature's possible range.

    Raises:
        ValueError: unparsable text, unknown feature or unit, impossible value (user-facing message).
    """
    schema = schema or default_schema()
    m = _WORD_RE.match(text)
    if m and (m.group(1).lower() == "sex" or any(f.name == "sex" and f.matches(m.group(1)) for f in schema.features)):
        sex = parse_sex(m.group(2))
        if sex is None:
            raise ValueError(f"--lab {text!r}: {sex_refusal(m.group(2))}")
        return "sex", sex
    m = _LAB_RE.match(text)
    if not m:
        raise ValueError(f"--lab {text!r}: expected name=value[unit], e.g. troponin_t=14ng/L")
    name, value, unit = m.group(1), float(m.group(2)), (m.group(3) or "").strip() or None
    digits = re.match(r"[,.][0-9]+", unit or "")
    if digits:
        # "crp=1,2mg/dL" had read as 1 of the unknown unit ",2mg/dL": the number goes on past a comma
        raise ValueError(f"--lab {text!r}: {m.group(2)}{digits.group(0)} is not one number: write a decimal "
                         "with a point (1.2) and no thousands separator (1200)")
    feature = next((f for f in schema.features if f.name == name or f.matches(name)), None)
    if feature is None:
        raise ValueError(f"--lab {text!r}: unknown feature {name!r} (known: {', '.join(schema.names)})")
    try:
        feature.to_canonical(value, unit)
    except ClinicalError as err:
        raise ValueError(f"--lab {text!r}: {err}") from None
    return feature.name, (value, unit)


def report_command_parser(subparsers=None) -> argparse.ArgumentParser:
    """The parser of ``mirage report`` (a subcommand when ``subparsers`` is given, else standalone)."""
    p = command_parser(
        subparsers, "report",
        description="Write a PDF report of one ECG record: the 12-lead ECG at 25 mm/s and "
        "10 mm/mV, the model's result with its explanations, the clinical and lab values, and "
        "the interval measurements. Without a model the report shows 'no model result'. "
        "Research use only, not a diagnosis.")
    p.add_argument("record", type=Path,
                   help="the record: a WFDB or Challenge .hea (.dat/.mat or the record stem), or a clinical "
                        "file (GE MUSE, GE CardioSoft, Philips, HL7 aECG, DICOM, SCP-ECG, EDF/BDF, ISHNE, MFER)")
    p.add_argument("--out", type=Path, required=True, help="the PDF to write (its name ends in .pdf)")
    add_overwrite_arg(p, "the PDF")
    p.add_argument("--model", type=Path, default=None, help=MODEL_HELP)
    p.add_argument("--no-model", action="store_true", help="report without a model result")
    add_statements_model_arg(p, "page 1's interpretation")
    labs = p.add_mutually_exclusive_group()
    labs.add_argument("--labs", type=Path, default=None, help="labs CSV (the row whose id is the longest trailing part of the record's path without "
                      "the extension: 'siteA/1', else '1')")
    labs.add_argument("--lab", action="append", default=[], metavar="NAME=VALUE[UNIT]",
                      help="one clinical/lab value, e.g. --lab troponin_t=14ng/L --lab sex=F (repeatable); sex (or "
                      "gender) takes the words a labs table's sex column takes: female, weiblich, femme ...")
    p.add_argument("--patient-name", default="", help="patient name printed in the header")
    p.add_argument("--patient-id", default="", help="patient id printed in the header")
    p.add_argument("--no-measure", dest="measure", action="store_false", help="leave out interval measurements")
    p.add_argument("--prior", type=Path, default=None, metavar="PRIOR",
                   help="the same patient's prior ECG (any format the record may be in): measured and scored "
                   "like the record, with the same model, and compared with it on page 1 and a last page "
                   "'Serial comparison'. One that cannot be read: an error naming it, and the report is written "
                   "without the comparison, saying so (exit status 1)")
    p.add_argument("--edit", action="append", default=[], metavar="KEY=VALUE",
                   help="a reviewer-corrected measurement, e.g. --edit qt_ms=420 --edit pr_ms=180 "
                   "(keys as the measurement columns of 'mirage score'; printed as edited next to "
                   "the automatic value; repeatable)")
    p.add_argument("--no-explain", dest="explain", action="store_false", help="leave out explanations (faster)")
    p.add_argument("--device", default="auto", help="auto (GPU when present), cpu or cuda")
    stored = p.add_mutually_exclusive_group()
    stored.add_argument("--overreads", type=Path, default=None, metavar="STORE",
                        help="the over-read store to read (e.g. a department's shared copy); default: MIRAGE Review's "
                        f"own (${ENV_STORE} where set, else the file its Settings name, else overreads.sqlite beside "
                        "its settings file). The record's "
                        "signed over-read it keeps is printed, as the app's Export prints it; never a draft")
    stored.add_argument("--no-overreads", action="store_true", help="read no over-read store")
    add_report_args(p)
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    check_output_place(args.out, "--out", folder=False)
    # the over-read store among the inputs: --out naming it is refused, --overwrite or not (every signature kept)
    refuse_earlier_outputs("mirage report", args.out, [args.out.expanduser()], args.overwrite,
                           inputs=(args.labs, None if args.no_overreads else store_path(args)),
                           records=(args.record, args.prior))
    if named := pdf_named(args.out):      # after the refusals that say what --out is
        raise UsageError(f"error: --out {args.out}: {NOT_A_PDF_NAME.format(named)}")
    try:
        record = load_record(args.record)
    except RecordError as err:
        raise UsageError(f"error: {err}")
    values: dict = {}        # given here; the record's own values enter the session from the file
    # the record's file as the labs table's ids name it (a folder record: its own path)
    where = Path(os.path.abspath(getattr(record, "path", None) or args.record))
    lookup = record_labs(args.labs, where) if args.labs is not None else None
    for text in args.lab:
        try:
            name, value = parse_lab(text)
        except ValueError as err:
            raise UsageError(f"error: {err}")
        values[name] = value

    edits = {}
    for text in args.edit:
        key, sep, value = text.partition("=")
        try:
            if not sep:
                raise ValueError(f"--edit {text!r}: expected KEY=VALUE, e.g. qt_ms=420")
            edits[key.strip()] = value.strip()
            measurement_rows(None, edits)
        except ValueError as err:
            raise UsageError(f"error: {err}")

    predictor = prediction = None
    if not args.no_model:
        if args.model is None and default_model_path() is None:
            print("warning: no model given and none ships with this installation; the report says "
                  "'no model result' (use --model to score)", file=sys.stderr)
        else:
            predictor = load_predictor(args.model, args.device)
            if args.labs is None and (note := labs_not_given_note(predictor, values, "--labs or --lab")):
                print(note, file=sys.stderr)
    statements_predictor = load_statements_predictor(predictor, args.statements_model, args.device)
    labs_row: dict = {}      # the labs table's row among the values
    labs_line = ""           # which row it is, named above the PDF's labs block as the app names it
    left_out: list[str] = []     # its bad values that no model of the run reads, left out
    if lookup is not None:
        labs_row, left_out, labs_line = labs_row_used(lookup, args.labs, record, where,
                                                      features_read(predictor, statements_predictor))
        values.update(labs_row)
    measurements, measure_error = None, ""
    if args.measure:
        try:
            measured = record_head(record)        # as mirage score: bounded memory on long recordings
            if measured is not record:
                print(f"note: {printable(record.record_id)}: measured on the first {HEAD_S:g} s", file=sys.stderr)
            measurements = with_head_note(measure(measured), record)      # the PDF says so, as the app's does
        except Exception as err:   # measurements are extra; the report still goes out
            measure_error = f"{type(err).__name__}: {err}"
            print(f"warning: measurements failed for {printable(record.record_id)}: {printable(err)}", file=sys.stderr)

    # the same review session as the app's: the record's values (file), then --labs / --lab (user)
    session = ReviewSession.from_results(record, values=values, measurements=measurements,
                                         measure_error=measure_error, measured=args.measure,
                                         measurement_edits={k: float(v) for k, v in edits.items()} or None,
                                         path=args.record, labs_row=labs_row,
                                         labs_left_out=left_out)     # named on the PDF's labs block, as score's
    session.labs_table = labs_line
    refused = session.refused()
    if refused:
        for name, v in refused.items():
            print(f"warning: {name} {v.text}: {v.message}; not given to the model", file=sys.stderr)
    if predictor is None:      # assessed as the app assesses a record it opens without a model: the rules are gated
        prepare(session, None)
    else:
        try:
            score_session(session, predictor, explain=args.explain, contributions=True,
                          statements_predictor=statements_predictor)
        except ClinicalError as err:
            raise UsageError(f"error: clinical values: {err}")
        except UnscorableRecordError as err:   # no usable signal: a report without a model result
            print(f"warning: {printable(err.path)}: not scored: {printable(err.reason)}", file=sys.stderr)
            session.fail_prediction(session.ticket(), f"not scored: {err.reason}")
        except AssessmentError as err:   # no quality verdict: no calls without the gate, as in the app
            print(f"warning: {printable(err.path)}: not scored: {printable(err.reason)}", file=sys.stderr)
            session.set_quality(None, err.reason)
            session.fail_prediction(session.ticket(), f"not scored: {err.reason}")
        except RecordError as err:
            raise UsageError(f"error: {err}")
        except Exception as err:   # preprocessing a malformed record: an error, not a traceback
            log.debug("scoring %s failed", args.record, exc_info=True)
            raise UsageError(f"error: {args.record}: cannot be scored ({type(err).__name__}: {err})")
    prediction = session.prediction

    prior_failed = False
    if args.prior is not None:
        if not args.measure:
            print("note: --prior with --no-measure: the prior is not measured either; only the statements are "
                  "compared", file=sys.stderr)
        why = add_prior(session, args.prior, predictor, statements_predictor, args.measure)
        if why:
            prior_failed = True
            print(f"error: --prior: {printable(why)}; the report is written without the comparison", file=sys.stderr)
            # the PDF names the file, not where it lies on this machine
            session.clear_prior(why.replace(str(args.prior.parent) + os.sep, "") if str(args.prior.parent) != "."
                                else why)

    restore_signed(session, args)
    settings = settings_from_args(args, patient_name=args.patient_name, patient_id=args.patient_id)
    try:
        out = build_report(session, args.out, settings=settings,
                           model_info=model_info_from(predictor) if predictor is not None else None)
    except (OSError, ValueError) as err:
        raise UsageError(f"error: cannot write {args.out}: {err}")
    print(f"wrote {printable(out)} ({printable(record.record_id)}; {result_summary(prediction)})")
    return 1 if prior_failed else 0


def store_path(args) -> Path:
    """The over-read store this report reads: ``--overreads``, else MIRAGE Review's own (``store_choice``)."""
    return store_choice(args.overreads).path


def restore_signed(session: ReviewSession, args) -> None:
    """The record's signed over-read the store keeps (``review.store``: the current one where signed, else the last
    signature of a draft amending it; never a draft) into ``session``, with the signatures kept of it, as the app's
    Export prints it (``OverReadStore.printed``). A store that cannot be read (locked, damaged), named by
    ``--overreads`` or not, is an error: the record may be signed, and no report says "Not over-read" of it. MIRAGE
    Review's own store not made yet is none (nothing signed). A record whose key finds nothing but whose loose identity matches an over-read
    kept (its file changed: ``OverReadStore.elsewhere``) is told of it on stderr in the app's words
    (``store_words.elsewhere_notice``), and none is printed.

    Raises:
        UsageError: ``--overreads`` names no file; the store cannot be read; a signed over-read beside ``--reviewer``
            or ``--comment`` (a report names one reviewer and prints one comment).
    """
    if args.no_overreads:
        return
    # the app's own, as it keeps it: named in its settings on a share not mounted, said, not read as none
    store = store_choice(args.overreads).store()
    if args.overreads is not None and not store.path.is_file():
        raise UsageError(f"error: --overreads {args.overreads}: no such file (or give --no-overreads)")
    try:
        key = overread_key(session.record)
        kept, signatures = store.printed(key)
        keep_signatures(session.overread, signatures)
        if kept is not None:
            session.overread.restore(*kept)
        # a changed file of a record over-read (re-exported, read otherwise): said as the app says it, never printed
        other = None if kept is not None or session.overread.kept_signatures else \
            store.elsewhere(key, loose_identity(session.record))
    except (StoreError, ValueError) as err:
        said = err.problem if isinstance(err, StoreError) else \
            f"The over-read kept for this record in {store.path} could not be restored ({err})"
        # a batch script sees no warning: a PDF saying "Not over-read" of a record that may be signed is refused
        raise UsageError(f"error: {printable(said)}; no report written (the record may be signed): use "
                         "--no-overreads to print without over-reads") from None
    if other is not None:
        print(f"note: {store.path}: {printable(elsewhere_notice(session.record, *other))}", file=sys.stderr)
    if kept is None:
        return
    ov = session.overread
    it = session_interpretation(session)
    print(f"note: {store.path}: {ov.status(it)}", file=sys.stderr)
    changed = changes_line(ov, it) if ov.signed_for(it) else ""
    if changed:
        print(f"note: {printable(changed)}", file=sys.stderr)     # what the amendment changed
    if args.reviewer.strip() or args.comment.strip():
        raise UsageError(f"error: {store.path} keeps the over-read of {printable(session.record_id)} signed by "
                         f"{signer_name(ov.reader)}: a report names one reviewer and prints one comment; leave "
                         "--reviewer and --comment out, or give --no-overreads")


def result_summary(prediction) -> str:
    """The model's result in one line for the terminal: its calls, those the quality gate withheld and why (as
    the CSV's ``withheld_positive`` and the PDF's "RESULT WITHHELD" say them; a bare "positive: none" had read
    as a record without findings), and every class's probability."""
    if prediction is None:
        return "no model result"
    held = f" ({withheld_sentence(prediction.model_positive, prediction.withheld)})" \
        if prediction.withheld and prediction.model_positive else ""
    return ("positive: " + (", ".join(prediction.positive) or "none") + held + "; probabilities "
            + ", ".join(f"{lab} {p:.3f}" for lab, p in zip(prediction.labels, prediction.probabilities)))


def record_labs(labs: Path, where: Path) -> LabsLookup:
    """The labs table ``labs`` read as ``mirage score --labs`` reads it (``batch.inputs.labs_dict``: a bad
    value left out of its row and kept as a cell error, a row that cannot be read refused alone) and
    matched to the record at ``where`` (``LabsLookup``), whose row is found as training and score find it: the longest
    trailing part of its path ("siteB/1" before "1"). Files beside it of its name (3.hea and 3.dcm beside
    3.xml) share its id: a row fits none of them, as in mirage score, since it cannot say which recording
    (perhaps which patient) it is for. Refused at once: a table that cannot be read, an ambiguous row, and
    a row refused whatever the model (it cannot be read, or its age or sex is bad: ``ALWAYS_READ``), so
    that no model is loaded for a report that cannot be written.

    Raises:
        UsageError: naming the table and the problem.
    """
    errors: dict = {}
    cells: dict = {}
    censored: list = []         # said of the record's own row alone, once the model's reads are known
    try:
        table = labs_dict(labs, errors, cell_errors=cells, censored=censored)
    except BatchError as err:
        raise UsageError(f"error: {err}") from None
    others = same_name_records(where)
    # ids relative to the file system's root: the whole path, so the longest trailing part is matched
    lookup = LabsLookup.build(table, errors, Path(where.anchor), [where, *others], cell_errors=cells, table=labs)
    lookup.reads = frozenset()           # the features every run reads (ALWAYS_READ): the models' come once loaded
    lookup.censored = censored
    if lookup.ambiguous(where):
        beside = f" (beside {where.name}: {', '.join(p.name for p in others)})" if others else ""   # files of its name
        raise UsageError(f"error: {labs}: {lookup.ambiguous(where)}{beside}; or leave --labs out")
    if lookup.refused(where):
        raise UsageError(f"error: {lookup.refused(where)}")
    return lookup


def labs_row_used(lookup: LabsLookup, labs: Path, record, where: Path, reads) -> tuple[dict, list[str], str]:
    """The row of ``record`` (its file at ``where``) in the labs table (``record_labs``) for a run whose
    models read the features ``reads`` (``batch.inputs.features_read``), by ``mirage score``'s rules
    (``LabsLookup``): a bad value of a feature they read refuses it, one no model reads is left out and
    said (stderr, and the PDF's labs block: the notes returned). Says too which row is used, that there
    is none, that other records' rows were refused, and a row whose age or sex differs from the header.

    Returns:
        The row's values ({} when none), the notes on the values left out of it, and the line naming the row as
        the app's labs block names it ("row '1' of labs.csv", "no row for record 1 in labs.csv").

    Raises:
        UsageError: the row is refused (naming the table, line, column and problem).
    """
    lookup.reads = reads
    if lookup.refused(where):
        raise UsageError(f"error: {lookup.refused(where)}")
    row_id = lookup.row_id(where)
    others = sorted(r for r in lookup.refused_rows() if r != row_id)    # by the same rules: their records
    if others:
        print(f"warning: {labs}: {len(others)} other record(s)' row(s) unreadable and ignored "
              f"(records {', '.join(others[:5])}{' ...' if len(others) > 5 else ''})", file=sys.stderr)
    if row_id is None:
        path_id = labs_record_id(where)
        tail = "/".join(path_id.split("/")[-2:])
        ids = list(lookup.labs)[:3]
        print(f"warning: {labs} has no row for record {printable(record.record_id)} (looked for its path "
              f"without the extension: {tail!r} ... down to {path_id.split('/')[-1]!r}; the table's "
              f"{len(lookup.labs)} row(s) fit no such id{': ' + ', '.join(repr(i) for i in ids) if ids else ''}"
              f"{' ...' if len(lookup.labs) > 3 else ''}); no lab values used", file=sys.stderr)
        return {}, [], f"no row for record {printable(record.record_id)} in {printable(labs.name)}"
    print(f"note: {labs}: the row of {row_id!r} is used for {printable(record.record_id)}", file=sys.stderr)
    row = lookup.values(where)
    left_out = lookup.left_out(where)
    for note in left_out:
        print(f"warning: {printable(record.record_id)}: {note}", file=sys.stderr)
    if censored := censored_warning(labs, lookup.censored, reads, row=row_id):
        print(f"warning: {censored}", file=sys.stderr)
    differs = labs_header_note(record_values(record), row)
    if differs:     # it may be another patient's row: said here and on the PDF's labs block
        print(f"warning: {labs}: record {printable(record.record_id)}: {differs}", file=sys.stderr)
    return row, left_out, f"row {printable(row_id)!r} of {printable(labs.name)}"


def add_prior(session: ReviewSession, path: Path, predictor, statements_predictor, measured: bool = True) -> str:
    """Read, assess, measure and score the prior ECG at ``path`` as the app reads one
    (``review.opening.session_from_file``: its own file's values only, no labs, no --lab, no edits) and set it
    as ``session``'s prior. Returns why it could not be, naming the file ("" when set): a prior that cannot be
    read is no comparison, and the report goes out without it. A prior that cannot be measured or scored is
    still compared by what it has (the comparison's notes say what it lacks)."""
    try:
        prior = session_from_file(path, predictor, statements_predictor, measured=measured)
    except RecordError as err:
        return str(err)                      # names the file at fault (the prior, or its signal file)
    if prior.state["measurements"] == FAILED:     # compared without measurements: the comparison's notes say so
        print(f"warning: --prior {printable(path)}: measurements failed: "
              f"{printable(prior.errors.get('measurements', ''))}", file=sys.stderr)
    session.set_prior(prior)
    return ""
