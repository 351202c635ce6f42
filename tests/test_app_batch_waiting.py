"""While the count cannot move the batch dialog says what the run is doing. It had sat at "0 / 48 records" through
the model's first pass and at "4 / 48 records", with no word, while the next 32 records were read and scored in one
pass (their rows come together: 10 s for the 48-record mixed folder here, minutes on a busy machine).

Truth: the pipeline's chunks, 4 records first (``FIRST_CHUNK``) then up to 32 (``CHUNK_SIZE``), and the folder's 12
records (7 bundled samples, 5 broken files) counted by hand."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from helpers_app import WAIT_MS, isolated_settings  # noqa: E402,F401 - fixtures
from helpers_batch import checkpoint  # noqa: E402,F401 - fixture
from test_batch import make_mixed_folder  # noqa: E402


def test_the_status_says_what_the_run_does_while_the_count_waits(qtbot, tmp_path, checkpoint):  # noqa: F811
    from app.dialogs.batch import BatchDialog
    from mirage_model.inference import Predictor

    folder = tmp_path / "records"
    folder.mkdir()
    make_mixed_folder(folder)
    dlg = BatchDialog(None, predictor=Predictor(checkpoint, device="cpu"), device="auto", folder=str(folder))
    qtbot.addWidget(dlg)
    dlg.output.setText(str(tmp_path / "scores.csv"))
    said: list[str] = []
    shown = dlg.status.setText
    dlg.status.setText = lambda text: (said.append(text), shown(text))
    assert dlg.start() is not None
    qtbot.waitUntil(lambda: dlg.worker is None, timeout=WAIT_MS)
    counts = [s for s in said if " / 12 records" in s]
    assert counts and said[-1].startswith("Done: "), said
    # before the first row: the first records read and the model's first pass
    assert "0 / 12 records; reading the first records and starting the model..." in counts, counts
    # after the first chunk of 4, before the rest come in one group of the 8 left
    assert ("4 / 12 records; scoring the next records, up to 8 together: the count moves when they are done..."
            in counts), counts
    # a count that waits says why, or the time left
    for line in counts:
        done = int(line.split(" / ")[0])
        assert done == 12 or "left" in line or "..." in line, line


def test_the_first_records_pdfs_are_said_while_their_rows_come_one_by_one(qtbot, tmp_path):
    """With a PDF folder the first chunk's rows come one by one, as each PDF is written (``pipeline``; they had come
    together after the fourth: "0 / 12 records" while PDFs were written). Between them the line says what the run does
    then (not "scoring the next records, up to 11 together": those 3 are scored), and the close question's count is
    the rows in. Truth: the chunk of 4 (``FIRST_CHUNK``) and the rows given, counted by hand."""
    from app.dialogs.batch import BatchDialog

    dlg = BatchDialog(None, predictor=object(), device="auto", folder=str(tmp_path))
    qtbot.addWidget(dlg)
    dlg._pdf_dir = str(tmp_path / "pdfs")          # as Start sets it for a run with a PDF folder
    dlg._progress(0, 12, None)
    dlg._progress(1, 12, {"record_path": "1.hea", "record_id": "1", "status": "ok", "pdf": "1.pdf"})
    assert dlg.status.text() == "1 / 12 records; writing the first records' PDFs...", dlg.status.text()
    assert dlg.count_said() == "1 / 12 records"
    for done in (2, 3, 4):
        dlg._progress(done, 12, {"record_path": f"{done}.hea", "record_id": str(done), "status": "ok",
                                 "pdf": f"{done}.pdf"})
    # the first chunk in: the next group is scored in one pass
    assert dlg.status.text() == ("4 / 12 records; scoring the next records, up to 8 together: the count moves when "
                                 "they are done..."), dlg.status.text()
