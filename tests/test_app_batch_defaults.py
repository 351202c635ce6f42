"""The batch dialog's Folder and Output when it opens, and the results table's room at 1280x800.

The dialog had opened on the folder of the bundled sample the app shows first (inside the installed program's
resources), its output scores.csv beside it: Start at once wrote the user's results into the program's files,
lost on the next update and unwritable in a system install. Truth: ``resources_dir`` (where the program's files
are), the folders the tests make, and the rows a 1280x800 screen's dialog shows, counted off the table's own
geometry."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
from helpers_app import PTBXL_PAIR, WAIT_MS, isolated_settings, shown_window, with_a_header  # noqa: E402,F401
from mirage_model.paths import resources_dir  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
needs_samples = pytest.mark.skipif(not PTBXL_PAIR[0].is_file(), reason="bundled samples not present")


def _opened(qtbot, window, path):
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(path)


def _inside(path: str, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(folder.resolve())


@needs_samples
def test_with_the_bundled_sample_open_nothing_points_into_the_program(qtbot):
    """The app's first record, the bundled sample: the dialog had Folder = its folder under resources/samples and
    Output = scores.csv there. Now neither is inside the resources: no folder (its placeholder asks for one),
    no output until a folder is chosen."""
    window = shown_window(qtbot)
    _opened(qtbot, window, PTBXL_PAIR[0])
    dlg = window.batch_dialog_open()
    assert not _inside(dlg.folder.text() or "/", resources_dir()), dlg.folder.text()
    assert dlg.folder.text() == "" and dlg.output.text() == "", (dlg.folder.text(), dlg.output.text())
    assert dlg.folder.placeholderText()


@needs_samples
def test_the_open_records_folder_and_scores_csv_in_it(qtbot, tmp_path):
    """A record of the user's open: the dialog opens on its folder, the output scores.csv in it."""
    folder = tmp_path / "study"
    folder.mkdir()
    for src in (PTBXL_PAIR[0], PTBXL_PAIR[0].with_suffix(".dat")):
        shutil.copy(src, folder)
    window = shown_window(qtbot)
    _opened(qtbot, window, folder / PTBXL_PAIR[0].name)
    dlg = window.batch_dialog_open()
    assert Path(dlg.folder.text()) == folder
    assert Path(dlg.output.text()) == folder / "scores.csv"


@needs_samples
def test_the_last_batch_folder_is_remembered(qtbot, tmp_path, monkeypatch):
    """A run started on a folder: the next session's dialog, the bundled sample open, opens on that folder."""
    from mirage_model.review import batch

    monkeypatch.setattr(batch, "score_folder", lambda *a, **k: {"n_scored": 0}, raising=False)
    (tmp_path / "runs").mkdir()
    folder = with_a_header(tmp_path / "runs")
    window = shown_window(qtbot)
    dlg = window.batch_dialog_open()
    dlg.predictor = object()
    dlg.folder.setText(str(folder))
    assert dlg.start() is not None
    qtbot.waitUntil(lambda: dlg.worker is None, timeout=WAIT_MS)
    dlg.close()
    window.close()

    again = shown_window(qtbot)
    _opened(qtbot, again, PTBXL_PAIR[0])
    dlg = again.batch_dialog_open()
    assert Path(dlg.folder.text()) == folder and Path(dlg.output.text()) == folder / "scores.csv"


@needs_samples
def test_no_output_inside_the_program_typed_or_defaulted(qtbot, tmp_path):
    """The bundled samples chosen as the folder: the output goes to Documents/mirage_results, not beside them.
    An output CSV or PDF folder typed inside the resources is refused by Start, naming it, and nothing is
    written there."""
    from app.dialogs.batch import BatchDialog

    samples = PTBXL_PAIR[0].parent
    dlg = BatchDialog(folder=str(tmp_path))
    qtbot.addWidget(dlg)
    dlg.predictor = object()
    dlg.folder.setText(str(samples))
    out = Path(dlg.output.text())
    assert not _inside(str(out), resources_dir()), out
    assert out.parent.name == "mirage_results" and out.name == f"{samples.name}_scores.csv", out

    before = sorted(p.name for p in samples.iterdir())
    inside = samples / "scores.csv"
    dlg.output.setText(str(inside))
    assert dlg.start() is None and dlg.worker is None
    assert "inside MIRAGE's own resources folder" in dlg.status.text() and str(inside) in dlg.status.text()
    dlg.output.setText(str(tmp_path / "out.csv"))
    dlg.pdf_dir.setText(str(samples / "pdfs"))
    assert dlg.start() is None and "PDF folder" in dlg.status.text(), dlg.status.text()
    assert sorted(p.name for p in samples.iterdir()) == before


SCRIPT = textwrap.dedent("""
    import json, sys
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from app.dialogs.batch import BatchDialog
    dlg = BatchDialog(folder=sys.argv[1])
    for i in range(40):
        dlg._add_row({"record_id": f"r{i}", "record_path": f"r{i}.hea", "status": "ok", "positive": "NORM"})
    dlg._add_row({"record_id": "bad", "record_path": "bad.hea", "status": "error",
                  "error": "bad.dat: signal file is truncated (expected 120000 bytes, found 4096)"})
    dlg.status.setText("Done: 40 scored, 1 failed (7.1 records/s). Results in " + sys.argv[1] + "/scores.csv. "
                       "12 files not read: 7 .pdf, 4 .txt, 1 .docx (no ECG records).")
    dlg._add_note("Warning: 3 rows of labs.csv fit no record in this folder and were not used (p001, p002, p003).")
    dlg.table.selectRow(0)
    dlg.show()
    for _ in range(5):
        app.processEvents()
    t = dlg.table
    view = t.viewport().rect()
    whole = [r for r in range(t.rowCount()) if view.contains(t.visualRect(t.model().index(r, 0)))]
    room = dlg.screen().availableGeometry()
    print(json.dumps({"rows": len(whole), "size": [dlg.width(), dlg.height()], "room": [room.width(), room.height()]}))
""")


def test_the_results_table_shows_a_screenful_at_1280x800(tmp_path):
    """On a 1280x800 screen the dialog was 900 x 560 and its table, under a run's end line, a note and the
    failed row's message, showed 7 whole rows (fewer under more notes and a longer message). Now the dialog is up
    to 90 % of the screen's free area and its rows a line of text tall: 15 at least (20 here). Its own process,
    on an offscreen screen of 1280x800."""
    screen = tmp_path / "screen.json"
    screen.write_text(json.dumps({"screens": [{"name": "laptop", "x": 0, "y": 0, "width": 1280, "height": 800,
                                               "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    env = {**__import__("os").environ, "QT_QPA_PLATFORM": f"offscreen:configfile={screen}",
           "PYTHONPATH": str(ROOT), "MIRAGE_STATEMENTS_MODEL": "none"}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["room"] == [1280, 800], seen
    assert seen["size"][0] <= 1280 and seen["size"][1] <= 800, seen
    assert seen["rows"] >= 15, seen
