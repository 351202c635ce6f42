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
from pathlib import Path

from app.export_run import export_inputs, export_records, export_summary, export_targets, output_folder
from app.platform_check import display_help, display_problem, missing_xcb_packages, xcb_help
from app.process_end import EXIT_GRACE_MS, EXIT_WAIT_MS, end_leaving_jobs, end_without_teardown
from app.run_logging import QuietLogs, install_excepthook, setup_logging
from mirage_model.paths import default_sample   # the bundled record the app opens (resources/samples/ATTRIBUTION.md)

log = logging.getLogger("app")
_T_START = time.perf_counter()


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
                        "$MIRAGE_OVERREAD_STORE or Settings name (else overreads.sqlite beside the settings file); "
                        "--export-pdf prints the signed "
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


def fail(message: str, code: int = 2) -> int:
    """Print ``mirage-review: error: MESSAGE`` (one line) and return ``code``."""
    print(f"mirage-review: error: {message}", file=sys.stderr, flush=True)
    return code


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
            with QuietLogs():
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
    collector = None
    if owns_app:
        # Python's cycle collector off, run from a 1 s timer in the GUI thread instead (pyqtgraph's GarbageCollector):
        # CPython collects in whichever thread allocates past its threshold, and a collection in a worker building a
        # Predictor had destroyed a settings dialog off its thread, a segmentation fault (test_app_panels_current)
        from pyqtgraph.util.garbage_collector import GarbageCollector
        collector = GarbageCollector(interval=1.0)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    keep_light(app)           # its colours and its ECG paper are made for a light window (app/colour_scheme.py)
    log_file = setup_logging(args.verbose, headless=scripted)

    from app.main_window import MainWindow
    from app.window.menus import icon
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
    window.log_file = log_file
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
    if collector is not None:       # held through exec(), its timer collecting; still off while the workers end
        collector.timer.stop()
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


if __name__ == "__main__":
    sys.exit(main())
