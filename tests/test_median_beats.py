"""Median beats (issue 16): the median beat of a record built from one known beat is that beat and
its fiducials fall on the beat's own wave boundaries; the PDF page draws it at true scale with
the lead labels and the fiducials' legend (or says why there is none); the app's tab fills with
the session's measurements and empties when another record opens.

Truth is the synthetic beat itself (its waves start and end where they were placed), the paper
scale (25 mm/s, 10 mm/mV, 1 pt = 1/72 inch) and pypdf's reading of the written page.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from helpers_pdf import drawing_ops
from mirage_model.measure import measure
from mirage_model.records import STANDARD_LEADS, EcgRecord
from mirage_model.review.median_beats import FIDUCIAL_MARKS, median_beat_view, unavailable_reason
from mirage_model.review.session import ReviewSession

FS = 500.0
PT_PER_MM = 72.0 / 25.4
# the synthetic beat's waves (ms from the start of its 1 s cycle): raised-cosine bumps whose
# support is the wave, so each boundary is known to the sample
P = (100, 200)
QRS = (260, 350)
T_END = 700
# per lead (P, QRS, T) gains: upright and inverted waves, small and large leads
GAINS = [(1, 1, 1), (1.2, 1.3, 1.2), (0.3, 0.4, 0.2), (-1, -1, -1), (0.5, 0.4, 0.4), (0.8, 0.9, 0.7),
         (0.5, -1.2, -0.3), (0.6, 0.8, 0.8), (0.7, 1.1, 1.0), (0.8, 1.4, 1.1), (0.9, 1.2, 0.9), (1.0, 1.0, 0.8)]


def _bump(beat: np.ndarray, start_ms: float, dur_ms: float, amp: float) -> None:
    a, n = int(round(start_ms * FS / 1000)), int(round(dur_ms * FS / 1000)) + 1
    beat[a:a + n] += amp * np.sin(np.pi * np.arange(n) / (n - 1)) ** 2


def _beat(gp: float, gq: float, gt: float) -> np.ndarray:
    """One 1 s cycle (500 samples) in mV: P, then Q, R, S inside QRS, then T."""
    b = np.zeros(int(FS))
    _bump(b, P[0], P[1] - P[0], 0.15 * gp)
    _bump(b, QRS[0], 20, -0.1 * gq)
    _bump(b, 275, 50, 1.0 * gq)
    _bump(b, 320, QRS[1] - 320, -0.25 * gq)
    _bump(b, 500, T_END - 500, 0.3 * gt)
    return b


@pytest.fixture(scope="module")
def synthetic():
    """A 10 s record of the same beat ten times at 60 bpm, and its measurements."""
    beat = np.stack([_beat(*g) for g in GAINS])                   # (12, 500)
    record = EcgRecord(signal=np.tile(beat, (1, 10)), fs=FS, record_id="synthetic")
    return dict(record=record, beat=beat, m=measure(record))


def _cycle_start(m) -> int:
    """The median-beat sample where a cycle of the synthetic beat starts (sample 0 of ``_beat``)."""
    return int((m.median.anchor - m.beats[0]) % int(FS))


# ------------------------------------------------------------------------------ the library

def test_median_beat_is_the_repeated_beat(synthetic):
    m, beat = synthetic["m"], synthetic["beat"]
    med = m.median
    assert med is not None and med.signal.shape[0] == 12 and med.fs == FS
    assert med.n_beats >= 8 and med.usable.all()
    # the record around the median's anchor is the truth: every cycle is the same beat
    K = med.signal.shape[1]
    start = _cycle_start(m)
    truth = np.tile(beat, (1, 4))[:, int(FS) - start:int(FS) - start + K]      # (12, K)
    # the conditioning band-pass (0.5 Hz high-pass) takes the mean away: compare around it
    got = med.signal - med.signal.mean(axis=1, keepdims=True)
    want = truth - truth.mean(axis=1, keepdims=True)
    assert np.abs(got - want).max() < 0.02          # mV, on waves of 0.1 to 1.4 mV
    # the view puts each lead's PR-segment level at 0, time 0 at the QRS onset
    view = median_beat_view(m)
    k = int(np.argmin(np.abs(view.t_ms)))
    assert view.t_ms[k] == pytest.approx(0.0, abs=1000 / FS)
    k0 = int(round(med.fiducials["qrs_on"] - 0.01 * FS))
    assert np.abs(view.signal - (truth - truth[:, k0:k0 + 1])).max() < 0.02
    assert view.caption == f"Median beats computed by MIRAGE from {med.n_beats} dominant beats"


def test_median_fiducials_fall_on_the_beats_boundaries(synthetic):
    m = synthetic["m"]
    med = m.median
    start = _cycle_start(m)
    truth_ms = {"p_on": P[0], "p_off": P[1], "qrs_on": QRS[0], "qrs_off": QRS[1], "t_off": T_END}
    tolerance_ms = {"p_on": 10, "p_off": 15, "qrs_on": 10, "qrs_off": 10, "t_off": 20}
    for key, want in truth_ms.items():
        got = (med.fiducials[key] - start) * 1000.0 / FS
        assert got == pytest.approx(want, abs=tolerance_ms[key]), key
        # each lead's own boundary, where it has one, is near the beat's as well
        lead = (med.lead_fiducials[key] - start) * 1000.0 / FS
        assert np.isfinite(lead).sum() >= 6, key
        assert np.nanmedian(np.abs(lead - want)) <= tolerance_ms[key] + 5, key
    # the median's fiducials are the record's global ones of every dominant beat
    j = int(np.flatnonzero(m.dominant)[0])
    shift = m.beats[j] - med.anchor
    for key in ("p_on", "qrs_on", "qrs_off", "t_off"):
        assert m.global_fiducials[key][j] == med.fiducials[key] + shift
    # the intervals are the fiducials' differences (to a sample)
    assert (med.fiducials["qrs_off"] - med.fiducials["qrs_on"]) * 1000 / FS == pytest.approx(m.qrs_ms, abs=2.5)
    assert (med.fiducials["t_off"] - med.fiducials["qrs_on"]) * 1000 / FS == pytest.approx(m.qt_ms, abs=2.5)


def test_no_median_beat_says_why():
    flat = EcgRecord(signal=np.zeros((12, 5000)), fs=FS, record_id="flat")
    m = measure(flat)
    assert m.median is None and median_beat_view(m) is None
    s = ReviewSession.from_results(flat, measurements=m, file_values=False)
    assert unavailable_reason(s).startswith("No median beats: ") and m.notes[0] in unavailable_reason(s)
    failed = ReviewSession.from_results(flat, measure_error="the measuring job crashed", file_values=False)
    assert "the measuring job crashed" in unavailable_reason(failed)


# ------------------------------------------------------------------------------ the PDF page

pypdf = pytest.importorskip("pypdf")


def _strokes(page) -> dict[tuple, list[tuple[float, float, float, float]]]:
    """Stroke colour (r, g, b rounded) -> straight segments (x0, y0, x1, y1) drawn in it, in pt."""
    pos, out = None, {}
    for colour, op, args in drawing_ops(page):
        if op == b"m":
            pos = (float(args[0]), float(args[1]))
        elif op == b"l" and pos is not None:
            nxt = (float(args[0]), float(args[1]))
            out.setdefault(colour, []).append((*pos, *nxt))
            pos = nxt
    return out


@pytest.fixture(scope="module")
def median_pdf(tmp_path_factory, synthetic):
    from mirage_model.review.report import build_report

    s = ReviewSession.from_results(synthetic["record"], measurements=synthetic["m"], file_values=False)
    out = build_report(s, tmp_path_factory.mktemp("pdf") / "median.pdf")
    return pypdf.PdfReader(str(out))


def test_pdf_median_page_labels_legend_and_true_scale(median_pdf, synthetic):
    med = synthetic["m"].median
    page = median_pdf.pages[1]
    text = page.extract_text()
    assert "Median beats" in text and "synthetic" in text
    assert f"computed by MIRAGE from {med.n_beats} dominant beats" in text
    # how the intervals were combined: the synthetic beat's 12 leads each have their boundaries
    assert "PR, QRS and QT: the median over 12 leads of each lead's own interval." in " ".join(text.split())
    for _key, label, _rgb in FIDUCIAL_MARKS:
        assert label in text
    words = set(re.findall(r"[A-Za-z0-9]+", text))
    assert set(STANDARD_LEADS) <= words
    assert "Research use only" in text
    # the QRS onset and offset marks of each lead are (QRS in s) x 25 mm/s apart on the page
    strokes = _strokes(page)
    xs = {key: sorted({round(seg[0], 2) for seg in strokes[tuple(round(c, 2) for c in rgb)]
                       if seg[0] == seg[2]})
          for key, _label, rgb in FIDUCIAL_MARKS}
    assert len(xs["qrs_on"]) == 4 and len(xs["qrs_off"]) == 4           # one per column of the 3x4
    qrs_s = synthetic["m"].qrs_ms / 1000.0                                # the QRS duration measured
    for a, b in zip(xs["qrs_on"], xs["qrs_off"]):
        assert b - a == pytest.approx(qrs_s * 25.0 * PT_PER_MM, abs=0.05)
    # the calibration pulses are 1 mV = 10 mm high
    black = strokes[(0.0, 0.0, 0.0)]
    risers = [abs(y1 - y0) for x0, y0, x1, y1 in black if x0 == x1 and abs(y1 - y0) > 5 * PT_PER_MM]
    assert risers and all(h == pytest.approx(10 * PT_PER_MM, abs=0.01) for h in risers)


def test_pdf_median_page_without_measurements_says_so(tmp_path, synthetic):
    from mirage_model.review.report import build_report

    s = ReviewSession.from_results(synthetic["record"], measure_error="the measuring job crashed",
                                   file_values=False)
    text = pypdf.PdfReader(str(build_report(s, tmp_path / "none.pdf"))).pages[1].extract_text()
    assert "No median beats" in text and "the measuring job crashed" in text
    assert "QRS onset" not in text and "Research use only" in text


def test_pdf_median_legend_says_the_intervals_pages_1_and_3_print(tmp_path):
    """LUDB 1 read as a cardiologist reads its report: page 2's legend said "P onset: -136 ms",
    "QRS offset: +78 ms", "T end: +472 ms" while pages 1 and 3 said PR 137, QRS 79, QT 473 ms (the
    fiducials are whole samples, the intervals a median over the leads). Truth: the interval table
    the same PDF prints on page 3; each mark stays within a sample of its fiducial."""
    from mirage_model.paths import resources_dir
    from mirage_model.records import load_record
    from mirage_model.review.report import build_report

    path = resources_dir() / "samples" / "ludb" / "1.hea"
    if not path.is_file():
        pytest.skip("bundled LUDB sample not present")
    record = load_record(path)
    m = measure(record)
    s = ReviewSession.from_results(record, measurements=m, file_values=False)
    pages = [" ".join((p.extract_text() or "").split())
             for p in pypdf.PdfReader(str(build_report(s, tmp_path / "ludb1.pdf"))).pages]
    legend = {label: int(ms) for label, ms in re.findall(r"(P onset|QRS offset|T end): ([-+]\d+) ms", pages[1])}
    table = " ".join(pages[2:])
    printed = {name: int(re.search(rf"{name} (\d+) ms", table).group(1))
               for name in ("PR interval", "QRS duration", "QT interval")}
    assert legend == {"P onset": -printed["PR interval"], "QRS offset": printed["QRS duration"],
                      "T end": printed["QT interval"]}
    view = median_beat_view(m)
    at_sample = {key: (m.median.fiducials[key] - m.median.fiducials["qrs_on"]) * 1000 / m.median.fs
                 for key in ("p_on", "qrs_off", "t_off")}
    for key, _label, ms, _rgb in view.marks:
        if key in at_sample:
            assert abs(ms - at_sample[key]) <= 1000 / m.median.fs, key


# ------------------------------------------------------------------------------ the app's tab

def test_app_tab_fills_with_the_sessions_median_beats_and_clears(request, tmp_path):
    pytest.importorskip("pytestqt")
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    qtbot = request.getfixturevalue("qtbot")
    from app import workers
    from app.main_window import MainWindow
    from app.settings import Settings
    from mirage_model.paths import resources_dir

    first = resources_dir() / "samples" / "ludb" / "1.hea"
    second = resources_dir() / "samples" / "ludb" / "14.hea"
    if not (first.is_file() and second.is_file()):
        pytest.skip("bundled LUDB samples not present")
    settings = Settings()
    settings.model_path = ""
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    view = window.median_beats
    assert window.tabs.indexOf(view) >= 0 and window.tabs.tabText(window.tabs.indexOf(view)) == "Median beats"
    try:
        window.open_record(first)
        qtbot.waitUntil(lambda: window.session.state["measurements"] != "pending", timeout=60000)
        med = window.measurements.median
        assert med is not None and view.view is not None
        assert f"from {med.n_beats} dominant beats" in view.note.text()
        # how the intervals were combined over the leads (LUDB 1: all 12 leads have their boundaries)
        assert "PR, QRS and QT: the median over 12 leads of each lead's own interval." in view.note.text()
        # each lead's curve is its median beat at 10 mm/mV: its height in mm is 10 x its mV range
        for i, lead in enumerate(STANDARD_LEADS):
            y = view.curves[lead].yData
            assert y is not None and np.isfinite(y).sum() > 100, lead
            assert np.nanmax(y) - np.nanmin(y) == pytest.approx(10 * np.ptp(med.signal[i]), rel=1e-6), lead
        # the fiducial marks sit at the measured boundaries, ms from the QRS onset
        want = {key: (med.fiducials[key] - med.fiducials["qrs_on"]) * 1000 / med.fs
                for key, _label, _rgb in FIDUCIAL_MARKS if np.isfinite(med.fiducials[key])}
        m1 = window.measurements                  # P onset, QRS offset, T end: at the intervals printed
        want.update({"p_on": -m1.pr_ms, "qrs_off": m1.qrs_ms, "t_off": m1.qt_ms})
        assert view.mark_positions() == pytest.approx(want)
        assert {"qrs_on", "qrs_off", "t_off"} <= set(want)

        # another record: nothing of the first stays while the second is measured
        window.open_record(second)
        assert view.view is None and "still being computed" in view.note.text()
        assert all(c.yData is None or len(c.yData) == 0 for c in view.curves.values())
        assert view.mark_positions() == {}
        qrs_first = want["qrs_off"]
        qtbot.waitUntil(lambda: window.session.state["measurements"] != "pending", timeout=60000)
        med2 = window.measurements.median
        assert med2 is not None and view.view is not None and view.view.n_beats == med2.n_beats
        assert view.mark_positions()["qrs_off"] == pytest.approx(window.measurements.qrs_ms)
        assert view.mark_positions()["qrs_off"] != qrs_first      # QRS 79 ms on LUDB 1, 97 ms on 14
        # LUDB 14 at 84 bpm: each lead's curve is one beat, ending before the next QRS (RR ~716 ms)
        lo, hi = view.view.span_ms
        assert -window.measurements.rr_ms < lo and hi < window.measurements.rr_ms - 100
        for cell in view.cells:
            x = view.curves[cell.lead].xData
            assert lo - 2 <= (np.nanmin(x) - cell.qrs_x) * 40 and (np.nanmax(x) - cell.qrs_x) * 40 <= hi + 2
        assert "One beat drawn" in view.note.text()

        # measuring failed: the tab says why
        window.session.accept_measurements(window.session.id, None, "the measuring job crashed")
        assert view.view is None and "the measuring job crashed" in view.note.text()
    finally:
        window.cancel_all()
        workers.cancel_all_and_wait(30000)


def _black_paths(page) -> list[np.ndarray]:
    """Each black path drawn on ``page`` as an (n, 2) array of its points, in pt."""
    paths = []
    for colour, op, args in drawing_ops(page):
        if op == b"m" and colour == (0.0, 0.0, 0.0):
            paths.append([(float(args[0]), float(args[1]))])
        elif op == b"l" and colour == (0.0, 0.0, 0.0) and paths:
            paths[-1].append((float(args[0]), float(args[1])))
    return [np.array(p) for p in paths]


def test_pdf_median_page_halves_the_gain_for_beats_taller_than_their_row(tmp_path, synthetic):
    """The synthetic beats at 2.5 times their size: V4's R wave is 3.5 mV (1.4 x 2.5), 35 mm at
    10 mm/mV in a row of +-20 mm. The page drew it at 10 mm/mV clipped flat at 19 mm; it is now
    drawn at 5 mm/mV, its pulses 5 mm high, the legend saying so, and V4's beat (Q -0.1, R 1.0,
    S -0.25 times 1.4 x 2.5 mV: 4.375 mV from S to R) measures 21.9 mm from trough to peak."""
    from mirage_model.review.report import build_report

    record = EcgRecord(signal=synthetic["record"].signal * 2.5, fs=FS, record_id="tall")
    s = ReviewSession.from_results(record, measurements=measure(record), file_values=False)
    page = pypdf.PdfReader(str(build_report(s, tmp_path / "tall.pdf"))).pages[1]
    text = " ".join(page.extract_text().split())
    assert "25 mm/s, 5 mm/mV" in text and "Gain 5 mm/mV: at 10 mm/mV the tallest beat would leave its row." in text
    paths = _black_paths(page)
    pulses = [p for p in paths if len(p) == 6]
    assert len(pulses) == 3 and all((p[2, 1] - p[1, 1]) / PT_PER_MM == pytest.approx(5.0, abs=0.005) for p in pulses)
    beats = [p for p in paths if len(p) > 50]
    tallest = max(float(np.ptp(p[:, 1])) for p in beats) / PT_PER_MM
    assert tallest == pytest.approx(1.4 * 1.25 * 2.5 * 5.0, abs=0.3)


def test_pdf_median_page_rows_have_room_for_beats_of_2_point_4_mv(tmp_path, synthetic):
    """The page's rows are 50 mm (+-2.5 mV at 10 mm/mV; the app tab's are 40): the synthetic beats at 1.6
    times their size (V4's R 2.24 mV) are drawn at 10 mm/mV there, not halved as with 40 mm rows (on 40 %
    of 200 PTB-XL fold-9 records the page had been at 5 mm/mV or less; with 50 mm rows 20 %). The row pitch is
    the sheet's: three pulses 50 mm apart, each 10 mm high, the sheet on the page."""
    from mirage_model.review.median_beats import PAGE_ROW_MM, ROW_MM, fitting_gain, median_beat_view
    from mirage_model.review.report import build_report

    record = EcgRecord(signal=synthetic["record"].signal * 1.6, fs=FS, record_id="taller")
    m = measure(record)
    view = median_beat_view(m)
    assert (PAGE_ROW_MM, ROW_MM) == (50.0, 40.0)
    assert fitting_gain(view, row_mm=PAGE_ROW_MM) == 10.0 and fitting_gain(view) == 5.0
    s = ReviewSession.from_results(record, measurements=m, file_values=False)
    page = pypdf.PdfReader(str(build_report(s, tmp_path / "taller.pdf"))).pages[1]
    text = " ".join(page.extract_text().split())
    assert "25 mm/s, 10 mm/mV" in text and "Gain" not in text
    pulses = [p for p in _black_paths(page) if len(p) == 6]
    assert len(pulses) == 3 and all((p[2, 1] - p[1, 1]) / PT_PER_MM == pytest.approx(10.0, abs=0.005) for p in pulses)
    bases = sorted(float(p[0, 1]) / PT_PER_MM for p in pulses)
    assert np.diff(bases) == pytest.approx([50.0, 50.0], abs=0.01)
    assert bases[0] - 25.0 > 15.0                 # the lowest row's bottom edge above the footer


def test_app_tab_halves_the_gain_for_beats_taller_than_their_row(request, synthetic):
    """The same tall beats in the app's Median beats tab: it drew them at 10 mm/mV clipped flat at 19 mm
    (V4's 4.375 mV drawn as 3.8; on 40 % of 200 PTB-XL fold-9 records some lead's median beat went past
    +-1.9 mV); now at the PDF page's gain, 5 mm/mV, unclipped, its pulses 5 mm high, the note
    saying so with the grid's values at that gain."""
    pytest.importorskip("pytestqt")
    qtbot = request.getfixturevalue("qtbot")
    from app.views.median_beats import MedianBeatsView

    record = EcgRecord(signal=synthetic["record"].signal * 2.5, fs=FS, record_id="tall")
    m = measure(record)
    view = MedianBeatsView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    view.set_session(ReviewSession.from_results(record, measurements=m, file_values=False))
    assert view.gain == 5.0
    v4 = view.curves["V4"].yData
    base = next(c.baseline for c in view.cells if c.lead == "V4")
    v4_mv = m.median.signal[STANDARD_LEADS.index("V4")]
    assert np.nanmax(v4) - np.nanmin(v4) == pytest.approx(5.0 * np.ptp(v4_mv), rel=1e-6)
    assert np.nanmax(np.abs(v4 - base)) < 19.0                       # inside its row: nothing clipped
    pulse = view.pulses.yData
    assert pulse[2] - pulse[1] == pytest.approx(5.0)                 # (base, base, top, top, base, base, NaN) per row
    note = view.note.text()
    assert "25 mm/s, 5 mm/mV" in note and "(40 ms / 0.2 mV, 200 ms / 1 mV)" in note
    assert "Gain 5 mm/mV: at 10 mm/mV the tallest beat would leave its row." in note
    # a record whose beats fit: 10 mm/mV, no label
    view.set_session(ReviewSession.from_results(synthetic["record"], measurements=synthetic["m"], file_values=False))
    assert view.gain == 10.0 and view.pulses.yData[2] - view.pulses.yData[1] == pytest.approx(10.0)
    assert "(40 ms / 0.1 mV, 200 ms / 0.5 mV)" in view.note.text() and "Gain" not in view.note.text()


# ------------------------------------------------------------------------------ one beat, not its neighbours

def _fast_beat(gp: float, gq: float, gt: float) -> np.ndarray:
    """One 0.5 s cycle (120 bpm) in mV: P 60-140 ms, QRS 200-290 ms, T 380-480 ms."""
    b = np.zeros(int(FS) // 2)
    _bump(b, 60, 80, 0.15 * gp)
    _bump(b, 200, 20, -0.1 * gq)
    _bump(b, 215, 50, 1.0 * gq)
    _bump(b, 260, 30, -0.25 * gq)
    _bump(b, 380, 100, 0.3 * gt)
    return b


def _drawn_ms(view, cell) -> tuple[float, float]:
    """(first, last) ms from the QRS onset of what ``cell_segments`` draws in ``cell``."""
    from mirage_model.review.median_beats import cell_segments

    xs = np.concatenate([x for x, _y in cell_segments(view, cell)])
    return (xs.min() - cell.qrs_x) * 40.0, (xs.max() - cell.qrs_x) * 40.0       # 25 mm/s: 40 ms/mm


def test_a_fast_median_beat_is_drawn_without_its_neighbours(tmp_path):
    """At 120 bpm (RR 500 ms) the 1.2 s median window held the next beat's P and QRS (+360 and
    +500 ms from this QRS onset) and the previous T wave (ending at -220 ms); each cell drew them
    up to +790 ms, and a reader took the next QRS for part of the beat. The cell now draws one
    beat: from after the previous T end to before the next P onset, its own P onset (-140 ms)
    and T end (+280 ms) kept. Truth is the synthetic beat's own timing."""
    from mirage_model.review.median_beats import sheet_cells
    from mirage_model.review.report import build_report

    beat = np.stack([_fast_beat(*g) for g in GAINS])                  # (12, 250)
    record = EcgRecord(signal=np.tile(beat, (1, 20)), fs=FS, record_id="fast")
    m = measure(record)
    assert m.heart_rate_bpm == pytest.approx(120, abs=1)
    view = median_beat_view(m)
    prev_t_end, own_p_on, own_t_end, next_p_on = 480 - 500 - 200, 60 - 200, 480 - 200, 500 + 60 - 200
    for cell in sheet_cells():
        first, last = _drawn_ms(view, cell)
        assert prev_t_end <= first <= own_p_on - 10, cell.lead
        assert own_t_end + 10 <= last <= next_p_on, cell.lead
    # the fiducial marks stay: all five drawn, at the beat's boundaries
    assert {key for key, *_ in view.marks} == {key for key, *_ in FIDUCIAL_MARKS}
    # the PDF page draws the same: each beat's path spans at most (360 + 220) ms = 14.5 mm
    s = ReviewSession.from_results(record, measurements=m, file_values=False)
    page = pypdf.PdfReader(str(build_report(s, tmp_path / "fast.pdf"))).pages[1]
    beats = [p for p in _black_paths(page) if len(p) > 50]
    assert len(beats) == 12
    widths = [float(np.ptp(p[:, 0])) / PT_PER_MM for p in beats]
    assert all((own_t_end - own_p_on) / 40.0 <= w <= (next_p_on - prev_t_end) / 40.0 for w in widths), widths
    strokes = _strokes(page)
    for _key, _label, rgb in FIDUCIAL_MARKS:
        assert len({seg[0] for seg in strokes[tuple(round(c, 2) for c in rgb)] if seg[0] == seg[2]}) == 4


def _ludb_waves(path, lead: str = "ii") -> dict[str, np.ndarray]:
    """LUDB's own wave boundaries in one lead (ms): "p_on", "qrs_on", "t_off" of each annotated wave."""
    wfdb = pytest.importorskip("wfdb")
    ann = wfdb.rdann(str(path), lead)
    sym, at = list(ann.symbol), np.asarray(ann.sample) * 1000.0 / ann.fs
    out = {"p_on": [], "qrs_on": [], "t_off": []}
    for i, s in enumerate(sym):
        if s == "p" and i > 0 and sym[i - 1] == "(":
            out["p_on"].append(at[i - 1])
        elif s == "N" and i > 0 and sym[i - 1] == "(":
            out["qrs_on"].append(at[i - 1])
        elif s == "t" and i + 1 < len(sym) and sym[i + 1] == ")":
            out["t_off"].append(at[i + 1])
    return {k: np.asarray(v) for k, v in out.items()}


@pytest.mark.filterwarnings("ignore:The inplace keyword")     # wfdb's annotation reader on pandas 3
def test_ludb_14_median_beats_stop_before_the_next_beat(shared_datasets):
    """LUDB 14 at 84 bpm: the cells drew to +796 ms, past the next QRS onset (RR ~716 ms by
    LUDB's annotations) and from -402 ms, inside the previous T wave. Each cell now ends before
    the next P onset and starts after the previous T end, as LUDB's cardiologists annotated them
    (their median distances from each QRS onset)."""
    from mirage_model.records import load_record
    from mirage_model.review.median_beats import sheet_cells

    path = shared_datasets / "ludb" / "data" / "14"
    if not path.with_suffix(".hea").is_file():
        pytest.skip("LUDB not present")
    waves = _ludb_waves(path)
    q = waves["qrs_on"]
    next_p = np.median([p - a for a in q for p in waves["p_on"][waves["p_on"] > a + 400][:1]])
    prev_t = np.median([a - t for a in q for t in waves["t_off"][waves["t_off"] < a - 200][-1:]])
    assert 500 < next_p < 600 and 300 < prev_t < 400        # ms: the next P after, the previous T end before
    view = median_beat_view(measure(load_record(path.with_suffix(".hea"))))
    for cell in sheet_cells():
        first, last = _drawn_ms(view, cell)
        assert -prev_t <= first and last <= next_p, (cell.lead, first, last)


# ------------------------------------------------------------------------------ what the beats went through

def _bundled(*parts):
    from mirage_model.paths import resources_dir
    from mirage_model.records import load_record

    path = resources_dir().joinpath("samples", *parts)
    if not path.is_file():
        pytest.skip(f"bundled sample {path.name} not present")
    return load_record(path)


@pytest.mark.slow
def test_pdf_median_legend_of_a_100_hz_record_says_what_its_beats_hold(tmp_path):
    """PTB-XL 00417_lr (100 Hz) printed "Filter 0.5-100 Hz; sampled at 500 Hz (resampled from 100 Hz)"
    under beats that hold nothing above 50 Hz, the Nyquist frequency of 100 Hz, and said nothing of a
    mains filter (none can be applied: 50 Hz sits on that Nyquist frequency). Truth: fs / 2 of the
    record's header, and the pipeline's order (resampled to 500 Hz, then band-passed)."""
    from mirage_model.review.report import build_report

    record = _bundled("ptbxl", "records100", "00000", "00417_lr.hea")
    assert record.fs == 100.0
    m = measure(record)
    s = ReviewSession.from_results(record, measurements=m, file_values=False)
    text = " ".join(pypdf.PdfReader(str(build_report(s, tmp_path / "lr.pdf"))).pages[1].extract_text().split())
    assert "Filter 0.5-50 Hz in effect: recorded at 100 Hz (nothing above 50 Hz), resampled to 500 Hz, " \
           "band-passed 0.5-100 Hz." in text
    assert "No mains filter: 50/60 Hz cannot be told from a 100 Hz signal." in text
    assert "Filter 0.5-100 Hz;" not in text and "resampled from" not in text


@pytest.mark.slow
def test_median_legend_names_the_leads_whose_mains_was_subtracted():
    """LUDB 1 (500 Hz) as recorded carries no mains line, and page 2 said nothing either way; with 0.05 mV
    of 50 Hz added to I and V2 the measurement subtracts it before the median is taken, and the
    legend must say so. Truth: the sinusoid this test adds, and the file as recorded."""
    import dataclasses

    from mirage_model.review.median_beats import conditioning_notes

    record = _bundled("ludb", "1.hea")
    clean = conditioning_notes(median_beat_view(measure(record)))
    assert clean == ["Filter 0.5-100 Hz; sampled at 500 Hz.",
                     "No mains line (50/60 Hz) found in this record: none subtracted before measuring "
                     "(page 1's mains filter runs on every record)."]
    x = record.signal.astype(np.float64)
    hum = 0.05 * np.sin(2 * np.pi * 50.0 * np.arange(x.shape[1]) / record.fs + 0.3)
    for lead in ("I", "V2"):
        x[STANDARD_LEADS.index(lead)] += hum
    m = measure(dataclasses.replace(record, signal=x.astype(np.float32)))
    assert {"I", "V2"} <= set(m.mains_leads)
    said = conditioning_notes(median_beat_view(m))[1]
    assert said.startswith("Mains lines (50/60 Hz and harmonics) subtracted in ")
    assert said.endswith("every lead.") if len(m.mains_leads) == 12 else ("I, " in said and "V2" in said)
