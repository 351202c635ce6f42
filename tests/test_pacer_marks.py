"""Pacer marks: where the quality check finds pacing stimuli, the PDF's ECG sheet and the app's
traces draw a thin tick in their own colour at each, explained once; the display low-pass (75 Hz)
shrinks the spikes themselves (LUDB 8's 0.5 mV spikes to ~0.1 mV on the sheet).

Truth: stimuli written into a real record (LUDB 1, atrial fibrillation, no pacemaker) at known
times, 60 ms before each QRS peak that LUDB's cardiologists annotated; the paper scale (25 mm/s,
1 pt = 1/72 inch) read back from the PDF's own drawing operators.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from helpers_pdf import drawing_ops
from mirage_model import quality
from mirage_model.paths import resources_dir
from mirage_model.records import load_record

LUDB1 = resources_dir() / "samples" / "ludb" / "1"
PT_PER_MM = 72.0 / 25.4
SPEED_MM_S = 25.0
PACER = (0.0, 0.55, 0.65)          # the marks' stroke colour, as written in the PDF (rounded)


@pytest.fixture(scope="module")
def paced():
    """LUDB 1 with a 2 mV, one-sample stimulus 60 ms before each annotated QRS peak, the stimulus
    times (s) and the quality report of the record."""
    wfdb = pytest.importorskip("wfdb")
    if not LUDB1.with_suffix(".hea").is_file():
        pytest.skip("bundled LUDB sample not present")
    rec = load_record(LUDB1.with_suffix(".hea"))
    ann = wfdb.rdann(str(Path(__file__).resolve().parent / "data" / "ludb" / "1"), "ii")
    peaks = np.asarray(ann.sample)[np.asarray(ann.symbol) == "N"]
    at = peaks - int(0.06 * rec.fs)
    at = at[at >= 0]
    x = rec.signal.astype(np.float64).copy()
    w = np.array([1.0, 0.8, -0.2, -0.9, 0.6, 0.3, -0.5, -1.0, -0.7, 0.4, 0.8, 0.9])
    for k in at:
        x[:, k] += 2.0 * w
    rec = dataclasses.replace(rec, signal=x.astype(np.float32))
    q = quality.assess(rec)
    assert q.has("paced_rhythm"), q.summary()
    return rec, at / rec.fs, q


@pytest.mark.filterwarnings("ignore:The inplace keyword")     # wfdb's annotation reader on pandas 3
def test_the_paced_finding_places_each_stimulus(paced):
    from mirage_model.review.paced import pacer_times

    _rec, truth, q = paced
    got = pacer_times(q)
    assert len(got) == len(truth)
    assert np.abs(got - truth).max() <= 0.002                  # s: within one sample pair at 500 Hz
    assert len(pacer_times(None)) == 0
    assert len(pacer_times(quality.assess(load_record(LUDB1.with_suffix(".hea"))))) == 0   # no pacemaker


def _vertical_strokes(page, colour) -> list[tuple[float, float, float]]:
    """(x, y0, y1) in pt of each vertical straight segment stroked in ``colour`` on ``page``."""
    pos, out = None, []
    for col, op, args in drawing_ops(page):
        if op == b"m":
            pos = (float(args[0]), float(args[1]))
        elif op == b"l" and pos is not None:
            nxt = (float(args[0]), float(args[1]))
            if col == colour and abs(nxt[0] - pos[0]) < 1e-3:
                out.append((pos[0], min(pos[1], nxt[1]), max(pos[1], nxt[1])))
            pos = nxt
    return out


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_pdf_sheet_marks_each_stimulus_on_every_trace_showing_it(paced, tmp_path):
    """Page 1 drew nothing for the stimuli but the filtered spikes; it now draws a teal tick at
    each: the rhythm strip's ticks are (t2 - t1) x 25 mm/s apart, each stimulus of the first 10 s
    is marked in the 3 leads of its 2.5 s column and on the rhythm strip, and the caption says
    what the ticks are."""
    pypdf = pytest.importorskip("pypdf")
    from mirage_model.inference import Prediction
    from mirage_model.review.report import build_report
    from mirage_model.review.session import ReviewSession

    rec, truth, q = paced
    pred = Prediction(labels=("NORM",), probabilities=np.array([0.1], np.float32),
                      thresholds=np.array([0.5], np.float32), positive=(), model_name="m", quality=q)
    s = ReviewSession.from_results(rec, prediction=pred, file_values=False)
    page = pypdf.PdfReader(str(build_report(s, tmp_path / "paced.pdf"))).pages[0]
    marks = _vertical_strokes(page, PACER)
    shown = truth[truth < 10.0]
    assert len(shown) >= 5 and len(marks) == 4 * len(shown)
    assert all((y1 - y0) / PT_PER_MM == pytest.approx(8.0, abs=0.01) for _x, y0, y1 in marks)
    # the rhythm strip is the lowest row: one tick per stimulus, spaced as the stimuli at 25 mm/s
    low = min(y0 for _x, y0, _y1 in marks)
    strip = sorted(x for x, y0, _y1 in marks if y0 < low + 15 * PT_PER_MM)
    assert len(strip) == len(shown)
    np.testing.assert_allclose(np.diff(strip), np.diff(shown) * SPEED_MM_S * PT_PER_MM, atol=0.01)
    text = " ".join(page.extract_text().split())
    assert "teal ticks: pacing stimuli found by the quality check (pacer marks)" in text

    # no stimuli found: no ticks, no key
    quiet = dataclasses.replace(pred, quality=dataclasses.replace(q, findings=()))
    s = ReviewSession.from_results(rec, prediction=quiet, file_values=False)
    page = pypdf.PdfReader(str(build_report(s, tmp_path / "quiet.pdf"))).pages[0]
    assert _vertical_strokes(page, PACER) == [] and "pacer marks" not in page.extract_text()


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_app_traces_mark_each_stimulus_and_say_so(paced, qtbot):
    """The app's traces: one tick per stimulus on each panel showing it, across the displayed
    trace, the rhythm strip's ticks (t2 - t1) x 25 mm/s apart; the caption under the traces names
    them first; a record without them (set_quality(None)) clears them."""
    from app.views.ecg_viewer import EcgViewer

    rec, truth, q = paced
    viewer = EcgViewer()
    qtbot.addWidget(viewer)
    viewer.resize(1200, 800)
    viewer.show()
    viewer.set_record(rec)
    plot = viewer.plot
    plot.set_quality(q)
    marks = plot.pacer_mark_positions()
    shown = truth[truth < 10.0]
    assert len(marks) == 4 * len(shown)                         # 3x4: 3 leads per column + the rhythm strip
    assert plot.pacer_marks.isVisible() and len(plot.pacer_marks.xData) == 2 * len(marks)
    assert all(y1 - y0 == pytest.approx(8.0) for _x, y0, y1 in marks)
    strip = next(p for p in plot.paper.panels if p.rhythm)
    xs = sorted(x for x, y0, _y1 in marks if abs(y0 + 3.0 - strip.baseline) < strip.height / 2)
    assert len(xs) == len(shown)
    np.testing.assert_allclose(np.diff(xs), np.diff(shown) * plot.speed, atol=1e-6)
    assert plot.speed == SPEED_MM_S
    assert plot.overlay_text.startswith("teal ticks: pacing stimuli found by the quality check")
    spikes_only = dataclasses.replace(q, findings=tuple(dataclasses.replace(f, code="pacing_spikes")
                                                        if f.code == "paced_rhythm" else f for f in q.findings))
    plot.set_quality(spikes_only)       # spikes before a few beats only: pacing or artefact, as the finding says
    assert plot.overlay_text.startswith("teal ticks: spikes before a few beats (pacing or artefact: check)")
    plot.set_quality(None)
    assert plot.pacer_mark_positions() == [] and not plot.pacer_marks.isVisible()
    assert "pacer" not in plot.overlay_text


FORMATS = Path(__file__).resolve().parent / "data" / "formats"


@pytest.fixture(scope="module")
def spikes():
    """A real export with no pacemaker whose quality report finds "pacing-like spikes" before a few beats only (a
    baseline step at 2.1 s, the others later): ECG_P28.01, 96 s at 1000 Hz."""
    rec = load_record(FORMATS / "ECG_P28.01.ecg")
    q = quality.assess(rec)
    assert q.has("pacing_spikes") and not q.has("paced_rhythm"), q.summary()
    return rec, q


def test_spikes_before_a_few_beats_are_keyed_as_pacing_or_artefact(spikes, paced, tmp_path):
    """The key under the traces said "pacing stimuli found" of spikes before 3 of 102 beats, where the quality
    check's own finding says "check for intermittent pacing or artefact": a baseline step keyed as a pacemaker's
    stimulus. The key now says what the finding says, on page 1 and under the app's traces alike; a paced rhythm's
    keeps its words."""
    pypdf = pytest.importorskip("pypdf")
    from mirage_model.inference import Prediction
    from mirage_model.review.paced import PACER_LEGEND, pacer_legend
    from mirage_model.review.report import build_report
    from mirage_model.review.session import ReviewSession

    rec, q = spikes
    assert pacer_legend(q) == "teal ticks: spikes before a few beats (pacing or artefact: check)"
    assert pacer_legend(paced[2]) == PACER_LEGEND
    pred = Prediction(labels=("NORM",), probabilities=np.array([0.1], np.float32),
                      thresholds=np.array([0.5], np.float32), positive=(), model_name="m", quality=q)
    s = ReviewSession.from_results(rec, prediction=pred, file_values=False)
    text = " ".join(pypdf.PdfReader(str(build_report(s, tmp_path / "p28.pdf"))).pages[0].extract_text().split())
    assert "teal ticks: spikes before a few beats (pacing or artefact: check)" in text
    assert "pacing stimuli found" not in text
