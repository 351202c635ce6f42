"""``mirage-review [RECORD ...] [--model M] [--device D] [--screenshot out.png] [--export-pdf DIR]``.

With no RECORD the bundled sample opens (the default record named in
resources/samples/ATTRIBUTION.md, else the first of ``sample_records()``), with the bundled model
when one ships. ``--screenshot`` renders the window offscreen once the analysis has finished,
saves it and exits. ``--export-pdf DIR`` opens each RECORD (every record of a folder) in turn in
the real window, as a user would, waits for its analysis and writes its PDF as the Export button
does, then exits (offscreen when there is no display): 0 when every PDF was written, 1 when a
record failed (said once, on one line naming the file and the problem) or a folder under a RECORD folder could
not be read (its records are not exported), 2 for what is checked before anything loads (DIR, a PDF DIR already
holds for these records without --overwrite, an empty folder, --device, --model) and for a
model that then fails to load; --screenshot exits 2 for a --model that is no model as well. A window
a person watches opens with a --model that is no model (no such path, a folder or file without a
checkpoint): the terminal and the window's message bar name the path and the problem, and the
model of Settings (else the bundled default) is loaded instead. These scripted runs always end, with one line
per problem and no traceback (the log file keeps the details). Research use only, not a diagnosis.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import traceback
from pathlib import Path

from app.platform_check import display_help, display_problem, missing_xcb_packages, xcb_help
from mirage_model.paths import default_sample   # the bundled record the app opens (resources/samples/ATTRIBUTION.md)

log = logging.getLogger("app")
_T_START = time.perf_counter()
# how long the closed app waits for its jobs to stop. A job stops at its next cancel check, but one
# step cannot be interrupted (measuring a long record's first minute took 5 s here, more at 1 kHz):
# past this the process ends without it (end_leaving_jobs). A job that only shows something (a
# measurement, a model run: ``Worker.disposable``) gets EXIT_GRACE_MS; one that writes files, EXIT_WAIT_MS
EXIT_WAIT_MS = 10000
EXIT_GRACE_MS = 500


def get_args_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mirage-review",
        description="MIRAGE Review: view a 12-lead ECG at true scale, classify it with a MIRAGE model and "
                    "see why. Research use only, not a diagnosis.")
    parser.add_argument("record", nargs="*", help="record (.hea/.dat/.mat or a clinical format) or folder; default: "
                        "the bundled sample (several records, and every record of a folder: with --export-pdf)")
    parser.add_argument("--model", help="checkpoint folder or shipped model name (default, mi, statements); "
                        "default: the Settings choice, else the bundled default")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), help="inference device for this session")
    parser.add_argument("--statements-model", metavar="MODEL", default="auto",
                        help="the statements model run beside --model for the interpretation: a checkpoint "
                        "folder, 'auto' (default: the shipped 'statements' model unless the model carries "
                        "statements itself) or 'none' (the measurement rules alone)")
    parser.add_argument("--screenshot", metavar="PNG",
                        help="render the window offscreen after the analysis, save, exit")
    parser.add_argument("--size", type=window_size, default="1600x1050", help="window size for --screenshot (WxH)")
    parser.add_argument("--timeout", type=positive_seconds, default=120.0,
                        help="--screenshot: give up waiting after this many s")
    parser.add_argument("--export-pdf", metavar="DIR", type=Path,
                        help="open each RECORD (each record of a folder) in turn, wait for its analysis, write "
                             "DIR/<record>.pdf as the Export button does, then exit (1: a record failed or a folder "
                             "could not be read). A PDF already in DIR for these records is never replaced "
                             "unasked: such a run is refused before anything loads (exit 2), naming them")
    parser.add_argument("--overwrite", action="store_true",
                        help="--export-pdf: replace the PDFs DIR already holds for these records")
    stored = parser.add_mutually_exclusive_group()
    stored.add_argument("--overreads", metavar="STORE", type=Path,
                        help="the over-read store to read (e.g. a department's shared copy) in place of the one "
                        "Settings names (overreads.sqlite beside the settings file); --export-pdf prints the signed "
                        "over-read it keeps of each record, never a draft")
    stored.add_argument("--no-overreads", action="store_true",
                        help="read no over-read store: --export-pdf's reports say 'Not over-read'")
    parser.add_argument("--labs", metavar="TABLE", type=Path,
                        help="labs table (CSV, as mirage score --labs reads it): each record opened gets its row's "
                        "values (File > Open labs table...)")
    parser.add_argument("--layout", choices=("12x1", "6x2", "3x4"), help="lead layout to start with")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    # for scripts/bench_app.py: print the cold-start timings as JSON once the record is drawn, then quit
    parser.add_argument("--quit-after-draw", action="store_true", help=argparse.SUPPRESS)
    return parser


def window_size(text: str) -> tuple[int, int]:
    """``--size WxH`` as (W, H) pixels; argparse turns the error into a usage line (exit 2)."""
    w, sep, h = text.lower().partition("x")
    try:
        size = (int(w), int(h)) if sep else None
    except ValueError:
        size = None
    if size is None or min(size) < 1 or max(size) > 16384:
        raise argparse.ArgumentTypeError(f"{text!r}: expected WIDTHxHEIGHT in pixels, e.g. 1600x1050")
    return size


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number of seconds above 0")
    return value


def export_inputs(records: list[Path], unreadable: list | None = None, names: dict | None = None,
                  scopes: dict | None = None, links: list | None = None) -> tuple[list[Path], list[str]]:
    """What ``--export-pdf`` opens: each file as given and every record under each folder
    (``formats.find_ecg_files``, as the folder browser lists them, in its order). ``unreadable``,
    when a list, receives (folder, reason) of each folder under them that cannot be listed; ``names``,
    when a dict, each folder's record -> its PDF's path under DIR, as ``mirage score --pdf-dir`` names it
    (``batch.rows.record_pdf_names``: ``sub/1.pdf``; ``a_xml.pdf`` beside ``a.dcm``); ``scopes``, when a dict,
    each folder's record -> (the folder, its records): the run a labs table matches it in, as ``mirage score`` of
    that folder does (``LabsTable.row_for``: ``sub/1`` gets no row ``1`` that ``1`` beside it has); ``links``, when
    a list, one line per folder holding a record file under another name (a link beside it: opened once, by the
    name ``batch.inputs.same_files`` keeps, as ``mirage score`` scores it once; ``same_file_note``).

    Returns:
        The records, and one note per file of a folder that has an ECG format's extension but is no
        ECG this app reads (said, not opened, in the words ``mirage score`` and the batch dialog use:
        ``batch.rows.not_ecg_line``).

    Raises:
        ValueError: a folder with no record in it (the message names it).
    """
    from app.views.folder_browser import natural_key
    from mirage_model import formats
    from mirage_model.review.batch.inputs import same_files
    from mirage_model.review.batch.loading import not_ecg_reason
    from mirage_model.review.batch.rows import not_ecg_line

    out, notes = [], []
    for path in records:
        if not path.is_dir():
            out.append(path)
            continue
        passed_over: list[Path] = []
        found = sorted(formats.find_ecg_files(path, passed_over, unreadable=unreadable), key=natural_key)
        notes.extend(not_ecg_line(p, not_ecg_reason(p)) for p in sorted(passed_over, key=natural_key))
        # one file under several names (a link beside its record): one PDF, as mirage score scores it once; it had
        # written two, and a labs row of its name fitted "2 records", so neither PDF had the row's values
        same = same_files(found)
        if same:
            found = [p for p in found if p not in same]
            if links is not None:
                links.append(same_file_note(path, same))
        if not found:
            raise ValueError(f"{path}: no ECG records in this folder")
        if names is not None:
            from mirage_model.review.batch.rows import record_pdf_names

            names.update(record_pdf_names(path, found))
        if scopes is not None:
            scopes.update((p, (path, found)) for p in found)
        out.extend(found)
    return out, notes


def same_file_note(folder: Path, same: dict) -> str:
    """--export-pdf's line for the record files of ``folder`` that are another name of a record of it
    (``batch.inputs.same_files``: {the link: the record kept}), in the words of mirage score's summary:
    "1 record file is another name of a record of the folder (a link), opened once, one PDF:
    links/1.hea = sub/1.hea"."""
    from mirage_model.csvsafe import printable
    from mirage_model.words import counted

    pairs = sorted(same.items(), key=lambda pair: str(pair[0]))
    named = ", ".join(f"{printable(os.path.relpath(a, folder))} = {printable(os.path.relpath(b, folder))}"
                      for a, b in pairs[:3])
    n = len(pairs)
    return (f"{folder}: {counted(n, 'record file')} {'is' if n == 1 else 'are'} another name of a record of the "
            f"folder (a link), opened once, one PDF: {named}{' ...' if n > 3 else ''}")


def export_targets(records: list[Path], out_dir: Path, names: dict | None = None) -> list[Path]:
    """The PDF ``--export-pdf`` writes under ``out_dir`` for each record it opens, in their order
    (``batch.naming.export_pdf_names``: a folder's records named as ``mirage score --pdf-dir`` names them, the
    files given as a batch names its records', a name still taken numbered by the batch's one rule). Named before
    anything loads, so that the PDFs DIR already holds for them are found first (``main`` refuses them without
    ``--overwrite``)."""
    from mirage_model.review.batch.naming import export_pdf_names

    return [out_dir / name for name in export_pdf_names(records, names)]


def output_folder(folder: Path) -> list[Path]:
    """Create ``--export-pdf``'s folder (and its missing parents) before anything loads
    (``paths.make_output_folder``).

    Returns:
        The folders this call created, outermost first (removed again when the export is
        abandoned before it wrote anything).

    Raises:
        ValueError: the path is a file, or cannot be created or written in (the message names it and why).
    """
    from mirage_model.paths import OutputFolderError, make_output_folder

    try:
        return make_output_folder(folder)
    except OutputFolderError as err:
        if err.kind == "file":
            why = "exists and is not a folder"
        elif err.kind == "write":
            why = "this folder is not writable"
        elif err.kind == "blocked":
            why = f"cannot create this folder: {err.detail} is a file, not a folder"
        else:
            why = f"cannot create this folder: {err.detail}"
        raise ValueError(f"{folder}: {why}") from None


def remove_empty(folders: list[Path]) -> None:
    """Remove the folders ``output_folder`` created, innermost first, where still empty."""
    for folder in reversed(folders):
        try:
            folder.rmdir()
        except OSError:
            return


class _OneLine(logging.Formatter):
    """The terminal's log format in the headless modes: the first line of a message, no traceback
    (the log file keeps the details)."""

    def __init__(self, fmt: str, log_file: Path | None):
        super().__init__(fmt)
        self.where = f" (details in {log_file})" if log_file else ""

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        first = text.strip().splitlines()[0] if text.strip() else text
        multi = "\n" in text.strip() or record.exc_info
        line = logging.Formatter.format(self, logging.makeLogRecord(
            {**record.__dict__, "msg": first.rstrip(":") + (self.where if multi else ""), "args": None,
             "exc_info": None, "exc_text": None}))
        return line


def log_path() -> Path:
    """Where the app's log (and any unexpected error's traceback) is written."""
    from PySide6.QtCore import QStandardPaths

    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    folder = Path(base) if base else Path.home() / ".mirage-review"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = Path(os.environ.get("TMPDIR", "/tmp"))
    return folder / "mirage-review.log"


def setup_logging(verbose: bool = False, headless: bool = False) -> Path | None:
    """Warnings to the terminal, everything from INFO to the log file (``log_path``). ``headless``
    (--export-pdf, --screenshot): the terminal gets one line per message, never a traceback, unless
    ``verbose``."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    text = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    fmt = logging.Formatter(text)
    stream = logging.StreamHandler()
    stream.setLevel(logging.DEBUG if verbose else logging.WARNING)
    root.addHandler(stream)
    path = None
    try:
        path = log_path()
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(fmt)
        root.addHandler(handler)
    except OSError:
        path = None
    stream.setFormatter(_OneLine(text, path) if headless and not verbose else fmt)
    return path


class _QuietLogs(logging.Handler):
    """No log record printed while in a ``with`` block: a ``--labs`` table's warnings (units assumed ...), read before
    the log is set up (``setup_logging``: its file needs Qt), had gone to the terminal alone; the window says them
    (``_labs_table_read``), its message bar logging them to the terminal and the log file, once."""

    def emit(self, record: logging.LogRecord) -> None:
        pass

    def __enter__(self) -> "_QuietLogs":
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc) -> None:
        logging.getLogger().removeHandler(self)


def install_excepthook(parent_getter=lambda: None, log_file: Path | None = None, on_fatal=None) -> None:
    """Unexpected errors: log the traceback, show a short dialog, keep the app running.

    ``on_fatal`` (the headless modes, where no one could close a dialog and the run would never end):
    called with a one-line message instead of the dialog; it ends the run."""

    def hook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log.error("unexpected error:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
        if on_fatal is not None:
            from app.workers import user_message
            on_fatal(f"unexpected error: {user_message(exc)}")
            return
        try:
            from PySide6.QtCore import Qt
            from PySide6.QtWidgets import QApplication, QMessageBox

            if QApplication.instance() is None:
                return
            from app.workers import user_message
            where = f"\n\nDetails were written to {log_file}." if log_file else ""
            box = QMessageBox(QMessageBox.Icon.Warning, "MIRAGE Review",
                              f"Something went wrong: {user_message(exc)}{where}\n\nThe app is still usable.",
                              parent=parent_getter())
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
        except Exception:  # noqa: BLE001 (never raise from the hook itself)
            pass

    sys.excepthook = hook


def fail(message: str, code: int = 2) -> int:
    """Print ``mirage-review: error: MESSAGE`` (one line) and return ``code``."""
    print(f"mirage-review: error: {message}", file=sys.stderr, flush=True)
    return code


def export_records(window, app, records: list[Path], targets: list[Path], result: dict,
                   created: list[Path] = ()) -> None:
    """Open each record in turn in ``window``, wait for its analysis, export its PDF as the Export
    button does (``MainWindow.export_pdf``) to its path in ``targets`` (``export_targets``), then
    quit. A record that fails is said once, on one line naming its file and the problem, as ``mirage
    score`` says it ("failed: PATH: WHY"; the window's message and the load job's log line go to the
    log file only); so does one whose labs-table row fits other records too, or is refused for a bad value its
    models read, as ``mirage score`` refuses it.
    ``result["rc"]``: 0 when every PDF was written, 1 otherwise, 2 when the model to be used could not be loaded
    (then nothing is written, and the folders in ``created`` are removed again while empty: a scripted export
    never hands back reports without the model the user asked for)."""
    from PySide6.QtCore import QTimer

    queue = list(zip(records, targets))
    state = {"current": None, "target": None, "failed": 0, "done": False}
    result.update(written=0, failed=0)
    window.open_failures_said = True
    window.overread_drafts = False      # a signed over-read the store keeps is printed, as Export prints it; no draft

    def finish(rc: int) -> None:
        if not state["done"]:
            state["done"] = True
            queue.clear()
            result["rc"] = rc
            QTimer.singleShot(0, app.quit)

    def model_failed() -> bool:
        """The model this run is to use (--model, Settings or the bundled one) did not load."""
        if window.predictor is not None or window._model_loading or window.model_path() is None:
            return False
        print(f"mirage-review: error: cannot load the model {window.model_path()}: "
              f"{window.model_error or 'unknown error'}; no report written", file=sys.stderr, flush=True)
        remove_empty(list(created))
        finish(2)
        return True

    def next_record():
        if state["done"]:
            return
        if not queue:
            finish(1 if state["failed"] else 0)
            return
        path, state["target"] = queue.pop(0)
        state["current"] = path
        print(f"opening {path}", file=sys.stderr, flush=True)
        window.open_record(path)

    def analysed():
        if state["done"]:
            return
        session = window.session
        if session is None or session.record is None:
            failed(state["current"], window.open_failure or window.message_bar.text() or "could not be opened")
            return
        if model_failed():
            return
        # a labs row that fits other records too is no one's, one with a bad value the models read is refused: the
        # record fails, as its row in mirage score and the batch dialog does, rather than a PDF scored without the
        # values meant for it (or for another patient)
        row = window.labs_row_for(state["current"])
        if row is not None and (row.ambiguous or row.refused):
            failed(state["current"], row.ambiguous or row.refused)
            return
        target = state["target"]
        try:
            # made before the run (again if it was removed since), and a folder's sub-folder
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            failed(str(target), f"cannot create {target.parent}: {err.strerror or err}")
            return
        # the reviewer is the over-read's, a signed one the store keeps (overread_drafts above), never the remembered
        # name (who last signed: maybe another record's)
        window.export_pdf(target)

    def model_finished():
        if not state["done"]:
            model_failed()

    def written(path):
        print(f"wrote {path}", flush=True)
        result["written"] += 1
        QTimer.singleShot(0, next_record)

    def failed(path, message):
        print(f"failed: {path}: {message}", file=sys.stderr, flush=True)
        state["failed"] += 1
        result["failed"] += 1
        QTimer.singleShot(0, next_record)

    window.analysisFinished.connect(analysed)
    window.reportWritten.connect(written)
    window.reportFailed.connect(failed)
    window.modelFinished.connect(model_finished)
    # the first record is opened by main() as usual (model loading after its first paint)
    state["current"], state["target"] = queue.pop(0)
    print(f"opening {records[0]}", file=sys.stderr, flush=True)


def export_summary(written: int, failed: int, not_ecg: int, out_dir: Path) -> str:
    """--export-pdf's last line, in mirage score's words: how many PDFs it wrote where, and how many records
    failed and files were no ECG (each said on its own line above, among the "opening" lines of a long run)."""
    line = f"{written} PDF{'s' if written != 1 else ''} in {out_dir}"
    if failed:
        line += f", failed {failed} (each said above)"
    if not_ecg:
        line += f", {not_ecg} not ECG file{'s' if not_ecg != 1 else ''} (said above)"
    return line


def model_problem(value: str) -> str:
    """What is wrong with a ``--model`` as written, without loading it (no torch: the window opens
    first): "" for a checkpoint folder (config.json and model.safetensors in it), a checkpoint file
    or a shipped model's name; else one line naming the path and the problem. A checkpoint whose
    files are there but corrupt is found when it loads (the window's message bar; a scripted
    export then ends with 2)."""
    from mirage_model.paths import missing_model_text

    path = Path(value).expanduser()
    if not path.exists():
        return missing_model_text(value)
    if path.is_dir():
        missing = [name for name in ("config.json", "model.safetensors") if not (path / name).is_file()]
        if missing:
            return f"{path}: not a model folder (no {' and no '.join(missing)} in it)"
        return ""
    if path.name == "config.json" or path.suffix == ".safetensors":
        return ""
    return f"{path}: a file, not a model (expected a checkpoint folder with config.json and model.safetensors)"


def check_headless_options(args) -> str:
    """--device and --model for a run no one watches (--export-pdf, --screenshot), checked before
    anything loads: a GPU this machine lacks is a usage error (exit 2), as ``mirage report`` says;
    so is a --model that names no checkpoint (``model_problem``: no such path, a folder or file that
    is no model), and a --statements-model that names none (--export-pdf only). A checkpoint that
    exists but cannot be loaded fails the export later (``export_records``).

    Returns:
        What is wrong, in one line ("" when nothing is).
    """
    if args.device not in (None, "auto"):
        from mirage_model.runtime import DeviceError, resolve_device   # torch: the run needs it anyway

        try:
            resolve_device(args.device)
        except DeviceError as err:
            return f"--device {args.device}: {str(err).partition(': ')[2] or err}"
    if args.model and model_problem(args.model):
        return f"--model: cannot load the model {model_problem(args.model)}"
    if args.export_pdf and args.statements_model not in (None, "auto", "none"):
        from mirage_model.inference import ModelNotFoundError, resolve_model_path

        try:        # a statements model the user named: as mirage report, an error when it is not there
            resolve_model_path(args.statements_model)
        except ModelNotFoundError as err:
            return f"--statements-model: cannot load the model {err}"
    return ""


def fallback_model_note(problem: str, settings) -> str:
    """What an interactive run says of a ``--model`` it cannot use (``model_problem``), on the
    terminal before the window opens and in the window's message bar once the model it loads
    instead has loaded: the model chosen in Settings, else the bundled default, else none."""
    from mirage_model.paths import default_model_path

    if settings.model_path:
        instead = f"the model chosen in Settings ({Path(settings.model_path).name}) is loaded instead"
    elif default_model_path() is not None:
        instead = "the default model is loaded instead"
    else:
        instead = "no model is loaded"
    return f"--model {problem}; {instead}"


def main(argv: list[str] | None = None) -> int:
    args = get_args_parser().parse_args(argv)
    import PySide6

    from app import BROKEN_PYSIDE

    if PySide6.__version__ in BROKEN_PYSIDE:
        print(f"mirage-review: PySide6 {PySide6.__version__} has a reference-counting bug that crashes "
              f"the app after a few thousand repaints; install another version, e.g. "
              f"pip install 'PySide6-Essentials!={PySide6.__version__}'", file=sys.stderr)
        return 2
    if len(args.record) > 1 and not args.export_pdf:
        print("mirage-review: several records are opened only with --export-pdf DIR", file=sys.stderr)
        return 2
    headless = bool(args.screenshot or (args.export_pdf and not os.environ.get("DISPLAY")
                                        and not os.environ.get("WAYLAND_DISPLAY")))
    if headless and "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    elif "QT_QPA_PLATFORM" not in os.environ and sys.platform.startswith("linux"):
        missing = missing_xcb_packages()
        if missing:
            print(xcb_help(missing), file=sys.stderr)
            return 3
        no_display = display_problem()
        if no_display:
            print(display_help(no_display), file=sys.stderr)
            return 3
    scripted = bool(args.export_pdf or args.screenshot)   # no one to read a dialog: errors end the run
    problem = check_headless_options(args) if scripted else ""
    if problem:
        return fail(problem)

    # --labs read before anything loads and before DIR is made, as mirage score reads it: one that cannot be, exit 2
    # (no DIR left behind); its warnings (units assumed ...) said by the window, once the log is set up
    labs_table = None
    if args.labs is not None:
        from mirage_model.review.batch.errors import BatchError
        from mirage_model.review.labs_table import LabsTable

        try:
            with _QuietLogs():
                labs_table = LabsTable.read(args.labs)
        except BatchError as err:
            return fail(f"--labs: {err}")

    # --export-pdf: the records (folders listed), and the output folder, before anything loads
    records = [Path(r) for r in args.record]
    created: list[Path] = []
    unreadable: list[tuple[str, str]] = []     # folders that could not be listed: their records are missing
    targets: list[Path] = []                    # the PDF of each record under DIR (export_targets)
    pdf_names: dict[Path, Path] = {}            # a folder's record -> its PDF under DIR (sub/1.pdf)
    labs_scopes: dict[Path, tuple] = {}         # a folder's record -> (the folder, its records): its labs row's run
    linked: list[str] = []                      # a record file under two names (a link): opened once, said
    if args.export_pdf:
        try:
            records, notes = export_inputs(records, unreadable, pdf_names, labs_scopes, linked)
        except (ValueError, OSError) as err:    # an empty folder; a folder that cannot be read
            return fail(str(err))
        if not records and default_sample() is None:
            return fail("no RECORD given and no bundled sample found")
        targets = export_targets(records or [default_sample()], args.export_pdf, pdf_names)
        held = [t for t in targets if t.is_file()]
        if held and not args.overwrite:      # as mirage score --pdf-dir: a PDF is never replaced unasked
            from mirage_model.review.batch.rows import earlier_pdfs_text

            return fail(f"--export-pdf {args.export_pdf}: {earlier_pdfs_text(held, args.export_pdf)}; give "
                        f"--overwrite to replace {'them' if len(held) > 1 else 'it'}, or another DIR")
        for note in notes + linked:
            print(note, file=sys.stderr, flush=True)
        try:
            created = output_folder(args.export_pdf)
        except ValueError as err:
            return fail(f"--export-pdf {err}")

    # Qt, and every app module (they all import Qt), only now: a broken PySide6 or a missing xcb
    # library gets the message above instead of a crash at import
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.colour_scheme import keep_light
    from app.qt_messages import quiet_harmless_messages
    from app.settings import APPLICATION, ORGANIZATION

    quiet_harmless_messages()     # offscreen's "does not support propagateSizeHints()", twice a record
    owns_app = QApplication.instance() is None    # this process is the app (not a script around main)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    keep_light(app)           # its colours and its ECG paper are made for a light window (app/colour_scheme.py)
    log_file = setup_logging(args.verbose, headless=scripted)

    from app.main_window import MainWindow, icon
    from app.settings import Settings

    settings = Settings()
    # a --model that is no model, in a window a person watches: said on the terminal now and in the
    # window's message bar once the model loaded instead has loaded (a scripted run ended above, 2)
    problem = model_problem(args.model) if args.model and not scripted else ""
    model_note = fallback_model_note(problem, settings) if problem else ""
    if model_note:
        print(f"mirage-review: {model_note}", file=sys.stderr, flush=True)
    window = MainWindow(settings, model_path=None if problem else args.model, device=args.device)
    window.statements_model_arg = args.statements_model
    window.labs_scopes = labs_scopes
    window.overread_file = "" if args.no_overreads else str(args.overreads or "") or None
    if labs_table is not None:
        window._labs_table_read(labs_table)     # its warnings in the message bar and the log, as File > Open's
    window.model_note = model_note
    window.ask_before_quit = not scripted     # a person closes it: unfinished PDFs and batches are asked about
    window.setWindowIcon(icon("mirage"))
    result = {"rc": 0}

    def fatal(message: str) -> None:
        """An unexpected error in a scripted run: say it on one line and end the run (rc 1)."""
        print(f"mirage-review: error: {message}", file=sys.stderr, flush=True)
        result["rc"] = result["rc"] or 1
        QTimer.singleShot(0, app.quit)

    install_excepthook(lambda: window, log_file, on_fatal=fatal if scripted else None)
    if args.layout:
        window.viewer.layout_box.setCurrentText(args.layout)

    if args.screenshot:
        window.resize(*args.size)
    else:
        window.fit_to_screen()
    window.show()

    record = records[0] if records else default_sample()
    if args.export_pdf:
        export_records(window, app, records or [record], targets, result, created)
    if args.screenshot:
        out = Path(args.screenshot)

        def shoot():
            app.processEvents()
            window.viewer.plot.reset_scale()
            app.processEvents()
            try:
                out.parent.mkdir(parents=True, exist_ok=True)
            except OSError:
                pass    # said below: the save fails
            ok = window.grab().save(str(out))
            print(f"screenshot written: {out}" if ok else f"could not write {out}", file=sys.stderr)
            result["rc"] = 0 if ok else 1
            app.quit()

        fired = {"done": False}

        def once():
            if not fired["done"]:
                fired["done"] = True
                QTimer.singleShot(300, shoot)   # let the last repaints land

        window.analysisFinished.connect(once)
        if record is not None and Path(record).is_dir():
            # a folder opens no record, so no analysis finishes: shoot once the folder is listed
            # and the model load has ended (polled: either may end before a slot could connect)
            poll = QTimer(window)

            def check():
                if window.browser.worker is None and window.model_worker is None \
                        and not window._model_loading:
                    poll.stop()
                    once()

            poll.timeout.connect(check)
            poll.start(200)
        QTimer.singleShot(int(args.timeout * 1000), once)

    first_paint = {"done": False}

    def drawn(_record):
        if not first_paint["done"]:
            first_paint["done"] = True
            window.viewer.plot.viewport().repaint()     # the traces are on screen, not just queued
            window.timings["cold_start_to_drawn_s"] = time.perf_counter() - _T_START
            window.timings["cpu_s_to_drawn"] = time.process_time()   # all threads of this process
            log.info("cold start to drawn record: %.2f s", window.timings["cold_start_to_drawn_s"])
            if args.quit_after_draw:
                import json
                print(json.dumps({k: round(v, 4) for k, v in window.timings.items()}), flush=True)
                QTimer.singleShot(0, app.quit)

    window.recordLoaded.connect(drawn)
    if model_note:
        noted = {"done": False}

        def say_model_note():
            if not noted["done"]:
                noted["done"] = True
                window.show_message(window.model_reason() or model_note)

        window.modelFinished.connect(say_model_note)
        if window.model_path() is None:     # no model to load instead: nothing finishes loading
            QTimer.singleShot(0, say_model_note)
    if record is not None and not Path(record).is_dir():
        # the model loads once the record is on screen: importing torch would slow the first draw
        started = {"done": False}

        def load_model_once(*_args):
            if not started["done"]:
                started["done"] = True
                window.load_model()

        window.recordLoaded.connect(load_model_once)
        window.message.connect(load_model_once)     # the record failed: load the model anyway
        window.expect_model()
        window.open_path(record)
    elif record is not None:
        window.load_model()
        window.open_path(record)
    else:
        window.load_model()
        window.show_message("No record given and no bundled sample found: use File > Open record.")
        if args.screenshot:
            QTimer.singleShot(0, window.analysisFinished.emit)
    rc = app.exec()
    window.cancel_all()
    from app.workers import stop_for_exit
    left = stop_for_exit(EXIT_WAIT_MS, EXIT_GRACE_MS)
    rc = result["rc"] or rc
    if args.export_pdf and result["rc"] != 2:
        print(export_summary(result.get("written", 0), result.get("failed", 0), len(notes), args.export_pdf),
              flush=True)
    if unreadable:      # said last, as mirage score does; the export is incomplete, so not 0
        from mirage_model.records.folder import unreadable_line

        print(f"{unreadable_line(unreadable)}; the records in them are not exported to {args.export_pdf}",
              file=sys.stderr, flush=True)
        rc = rc or 1
    if left:
        end_leaving_jobs(rc, left)
    if owns_app:
        window.settings.sync()
        end_without_teardown(rc)
    return rc


def end_without_teardown(rc: int) -> None:
    """End the process now, with ``rc``, once every job has stopped: the exit handlers run (the
    log is flushed and closed, PySide6 deletes the QApplication and its windows), then the process
    ends without Python's own teardown, which took 2.8-3.6 s after the window had closed (its
    garbage collection over every module torch, scipy and the measurements had imported; measured
    with a LUDB record scored). Nothing is lost: the settings are synced, every file a job writes is
    written by then (``stop_for_exit`` waited for it) and stdout and stderr are flushed.

    Returns (and Python ends as usual) while a Python thread other than this one is still running:
    Python would wait for it.
    """
    import atexit
    import threading

    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.current_thread()):
        return
    atexit._run_exitfuncs()     # the handlers Python would run (logging.shutdown, PySide6's, finalizers)
    _flush_and_end(rc)


def end_leaving_jobs(rc: int, jobs: list[str] | None = None) -> None:
    """End the process now, with ``rc``, leaving the pool's jobs that are still running (``jobs``,
    their names, for the log).

    Returning instead lets Python shut down under a job that is still running Python code in a Qt
    pool thread, which Python neither knows of nor waits for: closing the window while a 1 h record
    was measured printed "RuntimeError: can't register atexit after shutdown" (its measurement
    imported neurokit2 during the shutdown) and could crash the interpreter. Nothing is lost: the
    settings are saved when the window closes, and every file a job writes is written to a
    temporary name first and replaced in one step.
    """
    log.info("ending with jobs still running: %s", ", ".join(jobs or []) or "none named")
    logging.shutdown()
    _flush_and_end(rc)


def _flush_and_end(rc: int) -> None:
    """Flush stdout and stderr (a closed or missing stream is passed over), then end the process
    with ``rc`` at once."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    os._exit(rc)


if __name__ == "__main__":
    sys.exit(main())
