"""``mirage score``: batch-score every record under a folder into a CSV (or JSON lines).

A thin face over :func:`mirage_model.review.batch.score_folder` (the app's batch dialog calls the same
function). Each row carries the interpretation (``review.interpret``: statements in reading order;
``interpretation_notes``: why each one marked "(?)" is doubted), from the shipped statements model run beside --model (``--statements-model``) and the measurement
rules, and names that model; ``--all-statements`` adds one probability column per statement;
``--compare-prior`` compares each record with the same patient's latest earlier one of the folder
(``review.batch.priors``). Exit
code: 0 every record scored, 1 some failed, a folder could not be read (its records are not in the
output) or interrupted, 2 usage or model errors. Research use only, not a diagnosis.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import shlex
import signal
import sys
from pathlib import Path

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from mirage_model.review.batch import BatchError, earlier_pdfs, find_inputs, score_folder
from mirage_model.review.batch.inputs import labs_lookup
from mirage_model.review.batch.pipeline import FIRST_CHUNK
from mirage_model.review.batch.run import interrupted_saves, is_hidden, nothing_to_score
from mirage_model.review.batch.outputs import earlier_output, earlier_output_refusal, output_dialect
from mirage_model.review.batch.resume import finished_records
from mirage_model.review.batch.time_left import no_work
from mirage_model.review.batch.rows import NOT_ECG, earlier_pdfs_text, not_ecg_line
from mirage_model.review.batch.naming import failed_kept_text, not_replaced, not_replaced_text, pdfs_named
from mirage_model.clinical.labs import unmatched_rows_text
from mirage_model.csvsafe import printable
from mirage_model.limits import RECORD_TIMEOUT_S
from mirage_model.paths import OutputError
from mirage_model.records.folder import not_regular, unreadable_line
from mirage_model.review.interpret import statement_labels
from mirage_model.review.labels import ptbxl_coded
from mirage_model.review.labs_table import labs_absent_note, labs_not_given_note
from mirage_model.words import counted
from training_cli.engine.progress import RowsBar
from training_cli.engine.stop_signals import signal_words, stop_signals_interrupt
from training_cli.engine.errors import UsageError
from training_cli.engine.checkpoints import load_predictor, load_statements_predictor
from training_cli.options import (MODEL_HELP, RECORD_KINDS, add_csv_dialect_arg, add_report_args,
                                  add_statements_model_arg, check_labs_file, command_parser, count,
                                  settings_from_args)
from training_cli.outputs import check_output_file, check_output_folder

log = logging.getLogger(__name__)


def score_command_parser(subparsers=None) -> argparse.ArgumentParser:
    """The parser of ``mirage score`` (a subcommand when ``subparsers`` is given, else standalone)."""
    p = command_parser(
        subparsers, "score",
        description=f"Score every ECG record under FOLDER (recursively: {RECORD_KINDS}) with a model; "
        "one row per record. A bad record gets "
        "status 'error' and a message, and the batch goes on. Exit code 0: every record scored (files "
        "that are no ECG, status 'not_ecg', are listed apart, not failed), 1: some failed, a folder could "
        "not be read (its records are not in the output) or the output could not be written (its rows "
        "saved beside it), 2: usage or model error, 128 + the signal when stopped (130: Ctrl-C, 143: kill; "
        "the rows done are saved). Research use only, not a diagnosis.")
    p.add_argument("folder", type=Path, help="folder of records (searched recursively)")
    p.add_argument("--out", type=Path, required=True, help="output file (CSV, or JSON lines with --format jsonl)")
    p.add_argument("--model", type=Path, default=None, help=MODEL_HELP)
    p.add_argument("--labs", type=Path, default=None,
                   help="labs CSV: first column the record id, one column per feature (see the README)")
    p.add_argument("--pdf-dir", type=Path, default=None, help="also write one PDF report per record here")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the rows an earlier run wrote in --out and the PDFs it wrote in --pdf-dir for "
                   "these records (without it such an --out or --pdf-dir is refused before any record is "
                   "scored; with --resume the --out's rows are kept, and only PDFs of records it has no "
                   "finished row of count: that run's own are skipped with their records). A file that is "
                   "no output of mirage score is never replaced")
    p.add_argument("--explain", action="store_true", help="include explanations in the PDFs (slower)")
    p.add_argument("--workers", type=count(1), default=1,
                   help="loader processes that read and measure records ahead of the model (default 1: none)")
    p.add_argument("--device", default="auto", help="auto (GPU when present), cpu or cuda")
    p.add_argument("--format", dest="fmt", choices=("csv", "jsonl"), default=None,
                   help="output format (default: from the --out suffix, else csv)")
    add_csv_dialect_arg(p, ". With --resume the output's own is kept; naming the other is refused")
    p.add_argument("--resume", action="store_true",
                   help="keep the rows already in --out and score only the other records (refused, "
                   "the file untouched, when its rows were scored with another model or other labs values)")
    p.add_argument("--no-measure", dest="measure", action="store_false",
                   help="skip the interval measurement columns (faster)")
    p.add_argument("--chunk-size", type=count(1), default=32, help="records per batched forward pass")
    p.add_argument("--threads", type=count(1), default=1,
                   help="torch threads for the model (default 1: each chunk is already a batch, and "
                   "on a busy CPU more threads wait on each other; use --workers for parallelism)")
    p.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                   help="time limit for reading and measuring one record; a record that takes "
                   "longer gets an error row and the batch goes on (default 120; 0: none)")
    add_statements_model_arg(p)
    p.add_argument("--all-statements", action="store_true",
                   help="one stmt_<CODE> probability column per PTB-XL statement of the statements "
                   "model (a superclass model has none). Every output has the 'interpretation' column "
                   "(the statements in reading order), 'interpretation_notes' (why each statement marked "
                   "'(?)' is doubted) and 'statements_model' (which model said them)")
    p.add_argument("--compare-prior", action="store_true",
                   help="once every record is scored, compare each with the same patient's latest earlier record "
                   "in the folder (by recording date; the same patient: the files' patient IDs, else name and birth "
                   "date, as 'mirage report --prior' decides), into the columns prior_file, prior_date, "
                   "serial_changes (what changed, or why nothing was compared: undated, no identity, the earlier "
                   "record failed) and serial_warnings; with --pdf-dir a compared record's PDF gets the serial "
                   "comparison page. With --resume the kept records are scored again for it (their rows kept)")
    p.add_argument("--patient-names", action="store_true",
                   help="add a patient_name column (the name each file gives). Without it the output names each "
                   "record's patient by ID (patient_id) and recording time (recorded) only: a research CSV is "
                   "shared and mailed, and a name in it identifies the patient to anyone who reads it")
    p.add_argument("--list-not-read", action="store_true",
                   help="name each file under FOLDER that was not read (no ECG record, no part of one, no "
                   "row: a .pdf, a .txt); without it the summary counts them by extension")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    add_report_args(p)
    p.set_defaults(func=run)
    return p


def refuse_earlier_pdfs(args, headers: list[Path], fmt: str) -> list[Path]:
    """Refuse, before any record is scored, a run that would replace PDFs an earlier run wrote in
    --pdf-dir for these records (a second run had replaced them one by one, without a word), unless
    --overwrite. A run resumed onto its --out writes no PDF for the records that output finished
    (their PDFs are not counted); one it would write for any other record is another run's (a run
    removes the PDFs of rows it did not save as it stops; only one killed leaves them), and was
    replaced without a word too: another model's, or another folder's records of the same names.

    Returns:
        The PDFs an --overwrite run replaces (``earlier_pdfs``): one stopped before it reaches them names them.

    Raises:
        UsageError: naming the folder, how many of its PDFs would be replaced, and the options.
    """
    resumed = args.resume and args.out.exists()
    try:
        done = finished_records(args.out, fmt) if resumed else set()
    except BatchError:
        return []                   # score_folder refuses that output, naming it, before any record
    found = earlier_pdfs(args.pdf_dir, args.folder, headers, done)
    if not found or args.overwrite:
        return found
    n = len(found)
    names = pdfs_named(found, args.pdf_dir)
    them = "them" if n > 1 else "it"
    if resumed:
        raise UsageError(
            f"error: mirage score --pdf-dir {printable(args.pdf_dir)}: it holds {n} PDF{'s' if n > 1 else ''} of "
            f"records this resumed run would score ({names}) that {printable(args.out)} has no finished row of: "
            f"another run's (another model's, or of other records with the same names), those of the last "
            f"records of a run killed before it saved their rows, or an earlier run's that an --overwrite run "
            f"stopped before it replaced {them}; give --overwrite to replace {them}, or another --pdf-dir")
    held = earlier_pdfs_text(found, args.pdf_dir)
    raise UsageError(f"error: mirage score --pdf-dir {printable(args.pdf_dir)}: {held}; "
                     f"give --overwrite to replace {them}, --resume with that run's --out to score only the records "
                     "it did not finish, or another --pdf-dir")


def resume_command(args, out=None) -> str:
    """The command that carries an interrupted run on: this one (as typed, when it is ``mirage score
    ...``) with ``--resume``; else the folder, the output and ``--resume``, the other options to add.
    ``out``: the output to carry on from, when not ``--out``'s (the spare file a run's rows went to)."""
    argv = sys.argv[2:] if sys.argv[1:2] == ["score"] else None
    out = args.out if out is None else out
    if argv is None:
        return (shlex.join(["mirage", "score", str(args.folder), "--out", str(out), "--resume"])
                + "   (with this run's other options: --model, --labs ...)")
    if out != args.out:
        argv = _with_out(argv, str(out))
    return shlex.join(["mirage", "score", *argv, *([] if "--resume" in argv else ["--resume"])])


def _with_out(argv: list[str], out: str) -> list[str]:
    """``argv`` with its ``--out`` value (``--out X``, ``--out=X``) replaced by ``out``."""
    argv = list(argv)
    for i, a in enumerate(argv):
        if a == "--out" and i + 1 < len(argv):
            argv[i + 1] = out
        elif a.startswith("--out="):
            argv[i] = f"--out={out}"
    return argv


def run(args) -> int:
    fmt = args.fmt or ("jsonl" if args.out.suffix.lower() in (".jsonl", ".ndjson") else "csv")

    time_limit = RECORD_TIMEOUT_S if args.time_limit is None else args.time_limit
    if not (time_limit >= 0 and time_limit < float("inf")):
        raise UsageError("error: --time-limit must be a number of seconds (0: none)")
    if not args.folder.is_dir():
        if args.folder.is_file():     # one record given: say how to get what was asked for
            raise UsageError(f"error: {printable(str(args.folder))}: a file, not a folder (mirage score reads every "
                             "record under a folder; for this record's PDF: mirage report FILE --out REPORT.pdf)")
        raise UsageError(f"error: {args.folder}: {'not a folder' if args.folder.exists() else 'folder not found'}")
    if fmt != "csv" and getattr(args, "csv_dialect", None):
        raise UsageError(f"error: --csv-dialect is for a CSV output; {printable(args.out)} is written as JSON lines")
    check_labs_file(args.labs)
    check_output_file(args.out, "--out")
    try:     # before the model loads: an earlier run's rows, or a file that is no output (an ECG's .dat)
        if earlier_output(args.out, fmt) and not args.resume and not args.overwrite:
            raise UsageError(f"error: mirage score --out {printable(earlier_output_refusal(args.out))}")
        if fmt == "csv":        # a resumed output of the other dialect than --csv-dialect's: refused, both named
            output_dialect(args.out, getattr(args, "csv_dialect", None), args.resume)
    except BatchError as err:
        raise UsageError(f"error: {err}") from None
    if args.pdf_dir is not None:     # before any record is scored: a bad folder would fail every row's PDF
        check_output_folder(args.pdf_dir, "--pdf-dir")

    # kill (SIGTERM) and a closed terminal (SIGHUP) stop the run as Ctrl-C does from here on: while the
    # folder is listed and the model loads too (seconds to minutes), where they had ended it at once,
    # without a word (exit -15)
    stage = ["listing the folder"]
    with stop_signals_interrupt() as stopped_by:
        try:
            done = _score(args, fmt, time_limit, stage, stopped_by)
        except KeyboardInterrupt:
            sig = stopped_by[0] if stopped_by else signal.SIGINT
            print(f"interrupted ({signal_words(sig)}) while {stage[0]}: no record was scored and nothing was "
                  f"written to {printable(args.out)}", file=sys.stderr)
            return 128 + int(sig)
    if isinstance(done, int):
        return done
    summary, predictor = done
    return _report(args, summary, predictor)


def _score(args, fmt: str, time_limit: float, stage: list, stopped_by: list):
    """List the folder, load the models and score the records (``run``'s work under the stop signals,
    ``stage[0]`` saying which part is under way). Returns (summary, predictor), or the exit status of a
    run stopped while scoring (the rows done saved, the command that resumes said).

    Raises:
        KeyboardInterrupt: the run was stopped before any record was scored.
    """
    unreadable: list[tuple[str, str]] = []
    found = find_inputs(args.folder, unreadable)     # searched once: passed on
    headers, orphans, not_ecg = found
    nothing = nothing_to_score(args.folder, found, unreadable)     # saying what the folder holds, as the app does
    if nothing:
        raise UsageError(f"error: {nothing}")
    replacing = refuse_earlier_pdfs(args, headers, fmt) if args.pdf_dir is not None else []
    labs = args.labs
    if labs is not None:     # a table refused before the model loads and the bar says "0/39"; its warnings said
        try:
            labs = labs_lookup(labs, args.folder, headers)
        except BatchError as err:
            raise UsageError(f"error: {err}") from None
    stage[0] = "loading the model"
    predictor = load_predictor(args.model, args.device)
    statements_predictor = load_statements_predictor(predictor, args.statements_model, args.device)
    source = statements_predictor or predictor
    if args.labs is None and (note := labs_not_given_note(predictor)):    # before the run: it can be stopped and given
        print(note, file=sys.stderr)
    elif args.labs is not None and (note := labs_absent_note(predictor, Path(args.labs).name, labs.labs)):
        print(f"note: {note}", file=sys.stderr)
    if args.all_statements and not statement_labels(ptbxl_coded(source)):
        labels = ", ".join(getattr(source, "labels", ()))
        print(f"--all-statements: model {getattr(source, 'name', '')} carries no PTB-XL statement labels "
              f"(its labels: {labels}); no stmt_ columns are written", file=sys.stderr)

    stage[0] = "starting to score"
    bar = None
    if args.progress:
        # the total is known before the first record (the bar never sits at "0/?"); smoothing=0: the time left
        # is the mean rate since the first chunk, not a burst of its 32 rows, nor the wait for the first
        bar = RowsBar(total=len(headers) + len(orphans) + len(not_ecg), unit="rec", desc="scoring", dynamic_ncols=True,
                      file=sys.stderr, smoothing=0, first=min(args.chunk_size, FIRST_CHUNK))
    failed = {"failed": 0, "not_ecg": 0}
    handled = [0, 0]        # rows this run handed on, of how many
    written: list[str] = []     # their PDFs (``pdf`` cells): a stop names the earlier PDFs not among them

    def progress(done: int, total: int, row: dict) -> None:
        handled[:] = [done, total]
        written.append(row.get("pdf") or "")
        if bar is None:
            return
        if bar.total != total:
            bar.total = total
            bar.refresh()
        status = row.get("status")
        if status != "ok":
            # counted as the summary counts them: a file that is no ECG is told, not a failure
            failed["not_ecg" if status == NOT_ECG else "failed"] += 1
            # a count, not a name: one failed record's name must not sit beside every later one
            parts = [f"{failed['failed']} failed"] if failed["failed"] else []
            if failed["not_ecg"]:
                parts.append(f"{failed['not_ecg']} not ECG")
            bar.set_postfix_str(f"{', '.join(parts)} (listed at the end)", refresh=False)
        bar.update(1, failed=int(no_work(row)))

    def start(total: int) -> None:
        # "0 of N" before the first record ends (a stop then had said "0 of this run's 0 records"); N is this
        # run's records, fewer than the folder's when resuming
        handled[:] = [0, total]
        if bar is not None and bar.total != total:
            bar.total = total
            bar.refresh()

    again = []      # the bar of a resumed run's kept records scored again for --compare-prior

    def comparing(done: int, total: int) -> None:
        # minutes of work after the last row: said, and counted, not a bar sitting at its end
        if done == 0:
            if bar is not None:
                bar.close()
            tqdm.write(f"serial comparison: scoring again the {counted(total, 'record')} kept from the earlier run "
                       "(the comparison needs them; their rows stay as they are)", file=sys.stderr)
            if args.progress:
                again.append(RowsBar(total=total, unit="rec", desc="comparing", dynamic_ncols=True, file=sys.stderr,
                                     smoothing=0, first=min(args.chunk_size, FIRST_CHUNK)))
        elif again:
            again[0].update(1)

    def warn_now(line: str) -> None:
        """A warning when it happens (a stale lock taken over), above the progress bar."""
        tqdm.write(f"warning: {printable(line)}", file=sys.stderr)

    interrupted = None
    saved_in, unsaved = None, ""
    summary = None
    # what the library logs while the bar is drawn (a stale lock taken over) goes above the bar on a line of
    # its own, not on the bar's line after its text
    above_bar = logging_redirect_tqdm() if bar is not None else contextlib.nullcontext()
    try:
        with above_bar:
            summary = score_folder(
                args.folder, predictor, args.out, labs=labs, pdf_dir=args.pdf_dir,
                workers=args.workers, resume=args.resume, fmt=fmt, measure=args.measure,
                progress=progress, report_settings=settings_from_args(args) if args.pdf_dir else None,
                explain=args.explain, chunk_size=args.chunk_size, torch_threads=args.threads,
                record_timeout_s=time_limit or None, all_statements=args.all_statements,
                statements_predictor=statements_predictor, found=found,
                unreadable_folders=unreadable, notice=warn_now, overwrite=args.overwrite,
                compare_prior=args.compare_prior, started=start, csv_dialect=getattr(args, "csv_dialect", None),
                patient_names=args.patient_names, comparing=comparing)
    except BatchError as err:
        if bar is not None:
            bar.close()
        raise UsageError(f"error: {err}")
    except OSError as err:
        if bar is not None:
            bar.close()
        # an OutputError already says "cannot write OUT: reason"
        what = str(err) if isinstance(err, OutputError) else f"cannot write {err.filename or args.out}: {err.strerror or err}"
        raise UsageError(f"error: {what}; the rows saved before it stay in {args.out}: run again with "
                         "--resume once it can be written")
    except KeyboardInterrupt as stop:
        interrupted = stopped_by[0] if stopped_by else signal.SIGINT
        saved_in, unsaved = interrupted_saves(stop)
    finally:
        for b in [bar, *again]:
            if b is not None:
                b.close()
    if interrupted is not None:
        done, total = handled
        how = signal_words(interrupted)
        what = "CSV: its header and whole rows" if fmt == "csv" else "JSON lines file"
        if unsaved:         # the output could not be written: where the rows are, said first
            print(f"error: {printable(unsaved)}", file=sys.stderr)
        saved_in = saved_in or args.out
        # an --overwrite run's earlier PDFs it did not reach stay beside its own, with no row in its output
        left = not_replaced(replacing, args.pdf_dir, written) if replacing else []
        stays = f" {not_replaced_text(left, args.pdf_dir)} (the command below replaces them)." if left else ""
        print(f"interrupted ({how}): the rows done so far ({done} of this run's {total} records) are saved in "
              f"{printable(saved_in)}, a valid {what}.{stays} To score the other records without scoring those again:"
              f"\n  {resume_command(args, saved_in)}", file=sys.stderr)
        return 128 + int(interrupted)
    return summary, predictor


def _report(args, summary, predictor) -> int:
    """What ``mirage score`` says at the end of a run (stdout; failures and warnings on stderr), and
    its exit status."""
    for path, message in summary.errors[:50]:
        print(f"failed: {printable(path)}: {printable(message)}", file=sys.stderr)
    if len(summary.errors) > 50:
        print(f"... and {len(summary.errors) - 50} more failures (see the status column)", file=sys.stderr)
    extra = f", {counted(summary.pdfs, 'PDF')} in {args.pdf_dir}" if args.pdf_dir else ""
    if summary.unscorable:
        extra += f" ({summary.unscorable_line()})"
    for path, what in summary.passed_over[:20]:
        print(not_ecg_line(path, what), file=sys.stderr)
    if len(summary.passed_over) > 20:
        print(f"... and {len(summary.passed_over) - 20} more files that are no ECG (status 'not_ecg')",
              file=sys.stderr)
    skipped = f", {summary.skipped} already done (skipped)" if summary.skipped else ""
    if summary.not_ecg:
        skipped += f", {counted(summary.not_ecg, 'not ECG file')} (status 'not_ecg')"
    print(f"scored {summary.scored}, failed {summary.failed}{skipped} in {summary.seconds:.1f} s"
          f"{summary.speed_text()} -> {_rows_in(summary)}{extra}")
    if summary.earlier_kept:        # an --overwrite run's earlier PDFs of records it failed: not its own
        print(f"warning: {failed_kept_text(summary.earlier_kept, args.pdf_dir)}", file=sys.stderr)
    if summary.serial is not None:
        print(summary.serial.line())
        for path, message in summary.serial.pdf_errors[:20]:
            print(f"warning: {printable(path)}: not written again with the serial comparison (the PDF without it "
                  f"stays): {printable(message)}", file=sys.stderr)
    elif getattr(args, "compare_prior", False) and summary.cancelled:
        print("serial comparison: not made (the run was stopped first); --resume makes it")
    if summary.paediatric:        # said once, not in every child's row
        print(summary.paediatric_line())
    if summary.unreadable_folders:
        print(f"{unreadable_line(summary.unreadable_folders)}; the records in them are not in {args.out}")
    if summary.same_file:
        print(summary.same_file_line())
    if summary.copies:      # one ECG in two files: two rows, each naming the other's record
        print(summary.copies_line())
    if summary.kept_without[0]:     # an earlier version's kept rows: empty in the columns added since
        print(f"note: {summary.kept_without_line()}", file=sys.stderr)
    if summary.in_training:     # the model's own training or validation records: optimistic, said once
        print(f"warning: {summary.in_training_line()}", file=sys.stderr)
    if summary.own_files:     # an earlier run's results CSV and PDFs in the folder: no records, not failures
        print(summary.own_files_line())
    if getattr(summary, "annotations", None):     # LUDB's "1.ii" beside "1.hea": the record's, not passed over
        print(summary.annotations_line())
    if summary.not_read:
        if args.list_not_read:
            for path in summary.not_read:      # a hidden file or folder was not looked at: not "read"
                # a named pipe or a device, never opened, says what it is (a hidden folder is not searched)
                what = "" if is_hidden(path) else not_regular(Path(args.folder) / path)
                print(f"{'not searched' if is_hidden(path) else 'not read'}: {printable(path)}"
                      + (f" ({what})" if what else ""), file=sys.stderr)
        print(summary.not_read_line("no ECG records", "named above" if args.list_not_read
                                    else "--list-not-read names them"))
    if args.labs is not None:
        print(summary.labs_line(Path(args.labs).name, summary.model_reads))
        if summary.labs_header:
            print(f"warning: {printable(summary.labs_header_line(str(args.labs)))}", file=sys.stderr)
        if summary.labs_unmatched:
            ids = summary.labs_unmatched
            print(f"warning: {args.labs}: {len(ids)} row(s) fit no record under {args.folder} and were not used "
                  f"{unmatched_rows_text(ids, summary.labs_unmatched_hint, summary.labs_id_examples)}", file=sys.stderr)
    if summary.unsaved:     # said last: the rows are not where --out says
        print(f"error: {_unsaved_words(args, summary)}", file=sys.stderr)
    return summary.exit_code


def _rows_in(summary) -> str:
    """The file the run's rows are in: its output, or the spare file they went to (said at the end)."""
    if summary.unsaved and summary.saved_in is not None and summary.saved_in != summary.out_path:
        return f"{summary.saved_in} (not {summary.out_path}: see below)"
    return str(summary.out_path)


def _unsaved_words(args, summary) -> str:
    """``BatchSummary.unsaved`` and what to do: move the spare file over the output once it can be
    written; a run that stopped early carries on from the spare."""
    spare = summary.saved_in
    if spare is None or spare == summary.out_path:
        return f"{printable(summary.unsaved)}; to score the rest once it can be written:\n  {resume_command(args)}"
    words = (f"{printable(summary.unsaved)}. Once {printable(args.out)} can be written again (the program holding "
             f"it closed, or made writable), replace it with {printable(spare.name)}")
    if summary.cancelled:
        words += f"; to score the other records without scoring those again:\n  {resume_command(args, spare)}"
    return words

