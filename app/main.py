"""``mirage-review [RECORD ...] [--model M] [--device D] [--screenshot out.png] [--export-pdf DIR]``.

With no RECORD the bundled sample opens (the default record named in
resources/samples/ATTRIBUTION.md, else the first of ``sample_records()``), with the bundled model
when one ships. ``--screenshot`` renders the window offscreen once the analysis has finished,
saves it and exits. ``--export-pdf DIR`` opens each RECORD in turn in the real window, as a
user would, waits for its analysis and writes its PDF as the Export button does, then exits
(offscreen when there is no display). Research use only, not a diagnosis.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import traceback
from pathlib import Path

from app.platform_check import missing_xcb_packages, xcb_help
from mirage_model.paths import default_sample   # the bundled record the app opens (resources/samples/ATTRIBUTION.md)

log = logging.getLogger("app")
_T_START = time.perf_counter()


def get_args_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mirage-review",
        description="MIRAGE Review: view a 12-lead ECG at true scale, classify it with a MIRAGE model and "
                    "see why. Research use only, not a diagnosis.")
    parser.add_argument("record", nargs="*", help="record (.hea/.dat/.mat) or folder; default: the bundled sample "
                        "(several records: with --export-pdf)")
    parser.add_argument("--model", help="checkpoint folder or shipped model name (default, mi); default: the Settings choice, else the bundled default")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), help="inference device for this session")
    parser.add_argument("--statements-model", metavar="MODEL", default="auto",
                        help="the statements model run beside --model for the interpretation: a checkpoint "
                        "folder, 'auto' (default: the shipped 'statements' model unless the model carries "
                        "statements itself) or 'none' (the measurement rules alone)")
    parser.add_argument("--screenshot", metavar="PNG", help="render the window offscreen after the analysis, save, exit")
    parser.add_argument("--size", default="1600x1050", help="window size for --screenshot (WxH)")
    parser.add_argument("--timeout", type=float, default=120.0, help="--screenshot: give up waiting after this many s")
    parser.add_argument("--export-pdf", metavar="DIR", type=Path,
                        help="open each RECORD in turn, wait for its analysis, write DIR/<record>.pdf as the "
                             "Export button does, then exit")
    parser.add_argument("--layout", choices=("12x1", "6x2", "3x4"), help="lead layout to start with")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    # for scripts/bench_app.py: print the cold-start timings as JSON once the record is drawn, then quit
    parser.add_argument("--quit-after-draw", action="store_true", help=argparse.SUPPRESS)
    return parser


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


def setup_logging(verbose: bool = False) -> Path | None:
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    stream = logging.StreamHandler()
    stream.setFormatter(fmt)
    stream.setLevel(logging.DEBUG if verbose else logging.WARNING)
    root.addHandler(stream)
    try:
        path = log_path()
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(fmt)
        root.addHandler(handler)
        return path
    except OSError:
        return None


def install_excepthook(parent_getter=lambda: None, log_file: Path | None = None) -> None:
    """Unexpected errors: log the traceback, show a short dialog, keep the app running."""

    def hook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log.error("unexpected error:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
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


def export_records(window, app, records: list[Path], out_dir: Path, result: dict) -> None:
    """Open each record in turn in ``window``, wait for its analysis, export its PDF as the Export
    button does (``MainWindow.export_pdf``) into ``out_dir``, then quit. ``result["rc"]``: 0 when
    every PDF was written, 1 otherwise."""
    from PySide6.QtCore import QTimer

    queue = list(records)
    used: set[str] = set()
    state = {"current": None, "failed": 0}

    def next_record():
        if not queue:
            result["rc"] = 1 if state["failed"] else 0
            QTimer.singleShot(0, app.quit)
            return
        path = queue.pop(0)
        state["current"] = path
        print(f"opening {path}", file=sys.stderr, flush=True)
        window.open_record(path)

    def analysed():
        session = window.session
        if session is None or session.record is None:
            print(f"failed: {state['current']}: {window.message_bar.text() or 'could not be opened'}",
                  file=sys.stderr, flush=True)
            state["failed"] += 1
            QTimer.singleShot(0, next_record)
            return
        name = Path(str(state["current"])).stem or session.record_id
        stem, k = name, 2
        while stem in used:
            stem, k = f"{name}_{k}", k + 1
        used.add(stem)
        out_dir.mkdir(parents=True, exist_ok=True)
        window.export_pdf(out_dir / f"{stem}.pdf", reviewer=window.settings.reviewer)

    def written(path):
        print(f"wrote {path}", flush=True)
        QTimer.singleShot(0, next_record)

    def failed(path, message):
        print(f"failed: {path}: {message}", file=sys.stderr, flush=True)
        state["failed"] += 1
        QTimer.singleShot(0, next_record)

    window.analysisFinished.connect(analysed)
    window.reportWritten.connect(written)
    window.reportFailed.connect(failed)
    # the first record is opened by main() as usual (model loading after its first paint)
    queue.pop(0)
    state["current"] = records[0]


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
    headless = args.screenshot or (args.export_pdf and not os.environ.get("DISPLAY")
                                   and not os.environ.get("WAYLAND_DISPLAY"))
    if headless and "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    elif "QT_QPA_PLATFORM" not in os.environ and sys.platform.startswith("linux"):
        missing = missing_xcb_packages()
        if missing:
            print(xcb_help(missing), file=sys.stderr)
            return 3
    # Qt, and every app module (they all import Qt), only now: a broken PySide6 or a missing xcb
    # library gets the message above instead of a crash at import
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.settings import APPLICATION, ORGANIZATION

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    log_file = setup_logging(args.verbose)

    from app.main_window import MainWindow, icon
    from app.settings import Settings

    settings = Settings()
    window = MainWindow(settings, model_path=args.model, device=args.device)
    window.statements_model_arg = args.statements_model
    window.setWindowIcon(icon("mirage"))
    install_excepthook(lambda: window, log_file)
    if args.layout:
        window.viewer.layout_box.setCurrentText(args.layout)

    if args.screenshot:
        w, h = (int(v) for v in args.size.lower().split("x"))
        window.resize(w, h)
    else:
        window.fit_to_screen()
    window.show()

    records = [Path(r) for r in args.record]
    record = records[0] if records else default_sample()
    result = {"rc": 0}
    if args.export_pdf:
        export_records(window, app, records or [record], args.export_pdf, result)
    if args.screenshot:
        out = Path(args.screenshot)

        def shoot():
            app.processEvents()
            window.viewer.plot.reset_scale()
            app.processEvents()
            out.parent.mkdir(parents=True, exist_ok=True)
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
    from app.workers import cancel_all_and_wait
    cancel_all_and_wait()
    return result["rc"] or rc


if __name__ == "__main__":
    sys.exit(main())
