"""``mirage-review RECORD ... --export-pdf DIR``: the records it opens (every record of a folder), the PDF each
gets under DIR (named as ``mirage score --pdf-dir`` names them), DIR made before anything loads, and the run
itself: each record opened in turn in the real window, its analysis waited for and its PDF written as the Export
button does, one line per record that fails, and the last line's counts. ``app.main`` checks the options and
starts the run. Qt is imported inside the functions: ``app.main`` imports this module before its platform check.
Research use only, not a diagnosis.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


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

    from mirage_model.review.labs_table import labs_not_given_note

    queue = list(zip(records, targets))
    state = {"current": None, "target": None, "failed": 0, "done": False, "noted": False}
    result.update(written=0, failed=0)
    window.open_failures_said = True
    window.overread_drafts = False      # a signed over-read the store keeps is printed, as Export prints it; no draft
    window.store_accepting = ""         # a refused store: the terminal's line names mirage overreads --accept

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
        if not state["noted"] and window.labs_table is None and window.predictor is not None:
            # once, as mirage score says it before its run: each PDF's page 3 says it, the terminal had not
            state["noted"] = True
            if note := labs_not_given_note(window.predictor):
                print(note, file=sys.stderr, flush=True)
        # a labs row that fits other records too is no one's, one with a bad value the models read is refused: the
        # record fails, as its row in mirage score and the batch dialog does, rather than a PDF scored without the
        # values meant for it (or for another patient)
        row = window.labs_row_for(state["current"])
        if row is not None and (row.ambiguous or row.refused):
            failed(state["current"], row.ambiguous or row.refused)
            return
        if window.overread_unread:      # maybe signed: no PDF says "Not over-read" of it
            failed(state["current"], f"{window.overread_unread}; use --no-overreads to print without over-reads")
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
