"""The batch dialog's last line after Cancel says how many records were left unscored and how to
score them (tick Resume, press Start), as ``mirage score`` says it when stopped; it had said
"Cancelled: 11 scored (0.3 records/s). Results in scores.csv." and no more, so that a user did not
know that 28 of the folder's 39 records were missing from the results.

Truth: the counts the run reported (11 of 39 handled), the 28 left worked out by hand."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from helpers_app import isolated_settings, tiny_model  # noqa: E402,F401 - fixtures


def _summary(out, cancelled: bool, scored: int):
    from mirage_model.review.batch.run import BatchSummary

    return BatchSummary(scored=scored, skipped=0, seconds=10.0, records_per_s=scored / 10.0, out_path=out,
                        cancelled=cancelled)


def test_a_cancelled_run_says_how_many_records_are_left_and_how_to_score_them(qtbot, tmp_path):
    from app.dialogs.batch import BatchDialog

    out = tmp_path / "scores.csv"
    dlg = BatchDialog(None, device="auto", folder=str(tmp_path))
    qtbot.addWidget(dlg)
    dlg.output.setText(str(out))
    for done in range(1, 12):                       # 11 of the run's 39 records handled, then Cancel
        dlg._progress(done, 39, {"record_path": f"{done}.hea", "record_id": str(done), "status": "ok"})
    dlg._done(_summary(out, cancelled=True, scored=11))
    text = dlg.status.text()
    assert text.startswith("Cancelled: 11 scored"), text
    assert ("28 of this run's 39 records not scored: tick Resume and press Start to score them without "
            "scoring those again.") in text, text


def test_a_run_that_ended_says_nothing_is_left(qtbot, tmp_path):
    from app.dialogs.batch import BatchDialog

    out = tmp_path / "scores.csv"
    dlg = BatchDialog(None, device="auto", folder=str(tmp_path))
    qtbot.addWidget(dlg)
    dlg.output.setText(str(out))
    for done in range(1, 4):
        dlg._progress(done, 3, {"record_path": f"{done}.hea", "record_id": str(done), "status": "ok"})
    dlg._done(_summary(out, cancelled=False, scored=3))
    text = dlg.status.text()
    assert text.startswith("Done: 3 scored") and "not scored" not in text and "Resume" not in text, text


def test_a_resumed_run_that_kept_every_row_shows_a_full_bar(qtbot, tmp_path):
    """Resume on an output holding every record's row: no record to score, so no progress came, and the
    bar was left blank (no "100%") under "Done: 0 scored, 39 skipped" (walked under Xvfb, session 46)."""
    from app.dialogs.batch import BatchDialog
    from mirage_model.review.batch.run import BatchSummary

    out = tmp_path / "scores.csv"
    dlg = BatchDialog(None, device="auto", folder=str(tmp_path))
    qtbot.addWidget(dlg)
    dlg.progress.setRange(0, 0)                     # busy, as a run starts
    dlg._done(BatchSummary(scored=0, skipped=39, seconds=1.0, records_per_s=0.0, out_path=out))
    dlg._finished()
    assert dlg.status.text().startswith("Done: 0 scored, 39 skipped"), dlg.status.text()
    assert dlg.progress.maximum() > 0 and dlg.progress.value() == dlg.progress.maximum()


def test_a_cancel_during_the_first_record_says_how_many_are_left(qtbot, tmp_path):
    """Cancel pressed while the first record was being scored: no progress had come, so the dialog knew no total
    and said nothing of the 39 records left. The summary carries the run's total (39, set when the run started)."""
    from app.dialogs.batch import BatchDialog
    from mirage_model.review.batch.run import BatchSummary

    out = tmp_path / "scores.csv"
    dlg = BatchDialog(None, device="auto", folder=str(tmp_path))
    qtbot.addWidget(dlg)
    dlg.output.setText(str(out))
    dlg._done(BatchSummary(scored=0, skipped=0, seconds=3.0, records_per_s=0.0, out_path=out, cancelled=True,
                           to_score=39))
    assert "39 of this run's 39 records not scored: tick Resume" in dlg.status.text(), dlg.status.text()


def test_the_library_counts_the_records_a_cancelled_run_set_out_to_score(tiny_model, tmp_path):
    """A real run on two PTB-XL records (bundled), cancelled before its first record: to_score is 2, none handled."""
    from helpers_app import two_record_folder
    from mirage_model.inference import Predictor
    from mirage_model.review.batch.run import score_folder

    folder = two_record_folder(tmp_path)
    summary = score_folder(folder, Predictor(tiny_model, device="cpu"), tmp_path / "scores.csv", cancel=lambda: True)
    assert (summary.to_score, summary.handled, summary.cancelled) == (2, 0, True)


def test_a_cancelled_run_names_the_earlier_pdfs_it_did_not_replace(qtbot, tmp_path, monkeypatch):
    """A run told to replace an earlier run's PDFs (Replace) and cancelled after two records leaves the other
    earlier PDFs in the PDF folder, beside its own, though its output has no row of theirs (the earlier rows were
    replaced) and they may carry other values (another labs table, another model). The dialog had said "2 PDFs in
    pdfs" of a folder holding 4 (Xvfb, 12 records: "3 PDFs in pdfs", 10 there). It names those it did not replace.

    Truth: the four PDFs this test wrote, and the two rows it gave the run (1.pdf and 2.pdf written)."""
    from app import workers
    from app.dialogs import batch_start
    from app.dialogs.batch import BatchDialog
    from app.dialogs.batch_jobs import ListedFolder
    from mirage_model.review.batch.run import BatchSummary

    monkeypatch.setattr(workers.Worker, "start", lambda self, pool=None: self)     # the dialog's own steps alone
    monkeypatch.setattr(batch_start, "ask_replace_pdfs", lambda *a, **k: True)     # Replace
    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    earlier = [pdfs / f"{n}.pdf" for n in (1, 2, 3, 4)]
    for p in earlier:
        p.write_bytes(b"%PDF-1.4 an earlier run's")
    dlg = BatchDialog(None, device="auto", folder=str(tmp_path))
    qtbot.addWidget(dlg)
    dlg.output.setText(str(tmp_path / "scores.csv"))
    dlg.pdf_dir.setText(str(pdfs))
    dlg.start()
    dlg.worker.signals.result.emit(ListedFolder((), [], earlier, False))     # listed: the four would be replaced
    for n in (1, 2):
        dlg._progress(n, 4, {"record_path": f"{n}.hea", "record_id": str(n), "status": "ok", "pdf": f"{n}.pdf"})
    dlg.worker.cancel()
    dlg._done(BatchSummary(scored=2, skipped=0, seconds=2.0, records_per_s=1.0, out_path=tmp_path / "scores.csv",
                           cancelled=True, pdfs=2))
    text = dlg.status.text()
    assert f"2 PDFs in {pdfs}." in text, text
    assert f"2 PDFs an earlier run wrote (3.pdf, 4.pdf) are still in {pdfs}, not replaced" in text, text

    dlg._finished()             # the same run not cancelled, or with nothing to replace, says nothing of them
    dlg.start()
    dlg.worker.signals.result.emit(ListedFolder((), [], [], False))
    dlg._done(BatchSummary(scored=0, skipped=0, seconds=2.0, records_per_s=0.0, out_path=tmp_path / "scores.csv",
                           cancelled=True))
    assert "not replaced" not in dlg.status.text(), dlg.status.text()
