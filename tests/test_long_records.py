"""Long records (Holter-style exports): a record longer than ``max_windows`` hops is scored on that
many 10 s windows spread over it, so the CSV and the PDF must say how much of it the result rests
on (they said nothing, and the PDF called a 1 h record's 16 windows "overlapping")."""

from __future__ import annotations

import csv
import dataclasses
import re

import numpy as np
import pytest

import mirage_model as mm
from mirage_model.paths import resources_dir
from mirage_model.preprocess import PreprocessConfig, window_coverage
from mirage_model.records import load_record

from helpers_app import WAIT_MS, isolated_settings, shown_window  # noqa: E402,F401 (isolated_settings: autouse)

PTBXL = resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr"


@pytest.fixture(scope="module")
def predictor(tmp_path_factory):
    from helpers_models import make_tiny_checkpoint

    return mm.Predictor(make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny", seed=4), device="cpu")


@pytest.fixture(scope="module")
def long_record():
    """200 s at 100 Hz: 39 windows at a 5 s hop, thinned to 16 spread over it (about 12.7 s apart,
    so they do not overlap: 160 s of the 200 s)."""
    rec = load_record(PTBXL)
    rng = np.random.default_rng(0)
    sig = np.concatenate([rec.signal] * 20, axis=1)
    sig = sig + rng.normal(0, 0.01, sig.shape)
    return dataclasses.replace(rec, signal=sig.astype(np.float32))


def test_window_coverage_in_words():
    # 16 windows of 10 s spread evenly over 1 h: 160 s of it
    starts = np.linspace(0, 3590, 16)
    assert window_coverage(starts, 10.0, 3600.0) == (
        "16 windows of 10 s spread over the 1.00 h record (160 s of its 3600 s)")
    # overlapping windows that reach every second of a 20 s record: nothing to say
    assert window_coverage([0.0, 5.0, 10.0], 10.0, 20.0) == ""
    # two overlapping windows (0-10, 5-15) of a 5 min record cover 15 s, counted once
    assert window_coverage([0.0, 5.0], 10.0, 300.0).endswith("5.0 min record (15 s of its 300 s)")


def test_the_report_and_the_csv_say_what_of_a_long_record_was_scored(predictor, long_record, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    import wfdb

    from mirage_model.review.batch import score_folder
    from mirage_model.review.report import build_report
    from mirage_model.review.scoring import score_session
    from mirage_model.review.session import ReviewSession

    assert PreprocessConfig().max_windows == 16
    session = ReviewSession(long_record)
    score_session(session, predictor, explain=False)
    assert len(session.prediction.window_starts_s) == 16
    out = build_report(session, tmp_path / "r.pdf")
    text = " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(str(out)).pages)
    assert ("Probabilities are the mean over its 16 windows of 10 s spread over the 3.3 min record "
            "(160 s of its 200 s)") in text
    assert "overlapping 10 s windows" not in text

    folder = tmp_path / "holter"
    folder.mkdir()
    rec = long_record
    wfdb.wrsamp("long", fs=rec.fs, units=["mV"] * 12, sig_name=list(mm.STANDARD_LEADS),
                p_signal=rec.signal.T.astype(np.float64), fmt=["16"] * 12, write_dir=str(folder))
    score_folder(folder, predictor, tmp_path / "out.csv", measure=False)
    with open(tmp_path / "out.csv", encoding="utf-8-sig", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["status"] == "ok"
    assert "model scored 16 windows of 10 s spread over the 3.3 min record (160 s of its 200 s)" in row["notes"]


def test_the_window_measures_a_long_record_on_its_first_minute_and_says_so(long_record, tmp_path, monkeypatch):
    """The window's load job measured the whole record (a 1 h 12-lead 500 Hz record: 27 s and a
    5.6 GB peak in the window, against 0.7 GB for `mirage score`, which measures the first 60 s)
    and the panel did not say what it measured. Truth: 60 s at 100 Hz is 6,000 samples."""
    import threading

    import wfdb

    import mirage_model.measure as measure_mod
    from app import jobs, workers

    rec = long_record
    wfdb.wrsamp("long", fs=rec.fs, units=["mV"] * 12, sig_name=list(mm.STANDARD_LEADS),
                p_signal=rec.signal.T.astype(np.float64), fmt=["16"] * 12, write_dir=str(tmp_path))
    seen = []
    real = measure_mod.measure

    def spy(record, *args, **kwargs):
        seen.append(record.signal.shape[1])
        return real(record, *args, **kwargs)

    monkeypatch.setattr(measure_mod, "measure", spy)
    ctx = workers.JobContext(workers.WorkerSignals(), threading.Event())
    out = jobs.load_record_job(ctx, tmp_path / "long.hea", with_inputs=False)
    assert seen == [6000]
    assert out.measurements.notes[0] == "measured on the first 60 s of a 3.3 min record"


@pytest.mark.slow
def test_the_reports_of_mirage_report_and_score_say_the_measurements_are_the_first_minute(
        predictor, long_record, tmp_path):
    """The window's PDF said the interval table was measured on the first 60 s of a long record;
    `mirage report` said it only on stderr and `mirage score --pdf-dir` not at all, so their pages
    printed a 95.6 s ISHNE record's intervals as if of all of it. The length in the words the
    model line uses for it ("0.06 h" read oddly beside "3.3 min"). Truth: 200 s at 100 Hz."""
    pypdf = pytest.importorskip("pypdf")
    import wfdb

    from mirage_model.review.batch import score_folder
    from training_cli.main import main

    note = "measured on the first 60 s of a 3.3 min record"
    rec = long_record
    folder = tmp_path / "holter"
    folder.mkdir()
    wfdb.wrsamp("long", fs=rec.fs, units=["mV"] * 12, sig_name=list(mm.STANDARD_LEADS),
                p_signal=rec.signal.T.astype(np.float64), fmt=["16"] * 12, write_dir=str(folder))

    def said(pdf) -> int:
        return " ".join(" ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(str(pdf)).pages).count(note)

    out = tmp_path / "report.pdf"
    assert main(["report", str(folder / "long.hea"), "--no-model", "--no-explain", "--out", str(out)]) == 0
    assert said(out) == 1
    score_folder(folder, predictor, tmp_path / "out.csv", pdf_dir=tmp_path / "pdfs")
    (pdf,) = (tmp_path / "pdfs").glob("*.pdf")
    assert said(pdf) == 1
    with open(tmp_path / "out.csv", encoding="utf-8-sig", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["notes"].count(note) == 1                 # the row's note, not doubled by the PDF's


def test_unfiltered_display_of_a_long_record_costs_one_float32_copy():
    """With the display filters off (the default) the window's displayed signal went through a
    float64 copy of the whole record on the GUI thread (1.1 s, 850 MB more for 4.9 h of 12 leads
    at 500 Hz). Truth: the output's own size; the values are the input's."""
    import tracemalloc

    from app.display_filters import display_filter

    x = np.random.default_rng(1).normal(size=(12, 200_000)).astype(np.float32)
    tracemalloc.start()
    y = display_filter(x, 500.0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert y.dtype == np.float32 and y is not x and np.array_equal(y, x)
    assert peak < 1.5 * y.nbytes


def test_the_unfiltered_view_draws_the_records_own_samples(qtbot):
    """Opening a long record with the display filters off copied the whole record on the GUI thread
    (1 s and 425 MB for 4.9 h of 12 leads at 500 Hz); the view only reads it. With a filter on it
    draws a filtered copy, and the record is untouched."""
    from app.views.ecg_viewer import EcgViewer
    from mirage_model.records import EcgRecord

    signal = np.random.default_rng(2).normal(size=(12, 30_000)).astype(np.float32)
    before = signal.copy()
    viewer = EcgViewer()
    qtbot.addWidget(viewer)
    viewer.set_record(EcgRecord(signal=signal, fs=500.0, record_id="long"))
    assert np.shares_memory(viewer.plot.displayed_signal(), signal)
    viewer.plot.set_filters(True, 50.0)
    assert not np.shares_memory(viewer.plot.displayed_signal(), signal)
    assert np.array_equal(signal, before)


def test_the_window_says_what_of_a_long_record_the_result_rests_on(qtbot, long_record, tmp_path):
    """The model result panel gave the probabilities of a long record with no word that they are
    the mean over 16 windows of 10 s spread over it."""
    import wfdb
    from helpers_models import make_tiny_checkpoint

    rec = long_record
    wfdb.wrsamp("long", fs=rec.fs, units=["mV"] * 12, sig_name=list(mm.STANDARD_LEADS),
                p_signal=rec.signal.T.astype(np.float64), fmt=["16"] * 12, write_dir=str(tmp_path))
    window = shown_window(qtbot, make_tiny_checkpoint(tmp_path / "tiny", seed=4))
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(tmp_path / "long.hea")
    assert ("Mean over 16 windows of 10 s spread over the 3.3 min record (160 s of its 200 s)"
            in window.results.positive.text())
    # the time the scoring took says what it is ("0.20 s" alone read as some other duration)
    assert re.search(r"scored in \d+\.\d\d s", window.results.positive.text())
