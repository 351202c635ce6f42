"""The file's ECG leads outside the 12 (``EcgRecord.extra_leads``: PTB Diagnostic's Frank leads vx, vy, vz) drawn in
rows of their own below the 12 (pytest-qt, offscreen): the app had named them only. Truth: wfdb's own reading of the
record's samples, and the paper's scale (25 mm/s, 10 mm/mV: a sample's place is the row's baseline + mV x gain)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")
wfdb = pytest.importorskip("wfdb")

from helpers_app import isolated_settings  # noqa: E402,F401 - fixture

PTB = Path(__file__).parent / "data" / "ptbdb" / "s0010_re.hea"


def _viewer(qtbot, layout: str):
    from app.views.ecg_viewer import EcgViewer
    from mirage_model import load_record

    viewer = EcgViewer()
    viewer.resize(1200, 700)
    qtbot.addWidget(viewer)
    viewer.show()
    viewer.set_record(load_record(PTB))
    viewer.plot.set_layout(layout)
    return viewer


@pytest.mark.parametrize("layout, rows", [("12x1", 15), ("3x4", 7)])
def test_the_frank_leads_are_drawn_named_below_the_12_at_the_papers_scale(qtbot, layout, rows):
    plot = _viewer(qtbot, layout).plot
    truth = wfdb.rdrecord(str(PTB.with_suffix("")))
    names = truth.sig_name[12:]
    assert names == ["vx", "vy", "vz"]
    assert len(plot.paper.row_baselines) == rows                # the 12 (or 3x4's 4 rows), then vx, vy, vz
    shown = [(curve, label) for curve, label in zip(plot.curves, plot.labels) if curve.isVisible()]
    assert len(shown) == 12 + (layout != "12x1") + 3             # 3x4's rhythm strip
    extra = shown[-3:]
    lowest = min(p.baseline for p in plot.paper.panels)
    for k, (curve, label) in enumerate(extra):
        assert label.isVisible() and label.toPlainText().split()[0] == names[k]
        panel = plot.paper.extra[k]
        assert panel.baseline < lowest                           # below every one of the 12
        x, y = curve.xData, curve.yData                         # as set, not downsampled for the screen
        n = len(x)
        t = np.arange(n) / truth.fs
        np.testing.assert_allclose(x, panel.x0 + t * 25.0, atol=1e-6)                 # 25 mm/s
        np.testing.assert_allclose(y, panel.baseline + truth.p_signal[:n, 12 + k] * 10.0, atol=1e-4)   # 10 mm/mV
    # each row has its calibration pulse, the extra ones too
    assert sum(cal.isVisible() for cal in plot.cal_items) == rows


def test_a_long_records_extra_leads_are_filtered_in_the_worker_not_on_the_gui_thread(qtbot, monkeypatch):
    """A Holter-long record (400 s of 12 leads at 500 Hz, past ``SYNC_FILTER_VALUES``) with V4R, V8 and V9: its 12
    were filtered in a worker, its extra leads on the GUI thread when the result came (a stall as long as the 12's
    took in the worker). Now they are filtered in the same worker, and drawn filtered. Truth: scipy's zero-phase
    2nd-order Butterworth high-pass at 0.5 Hz (the display filter's docstring) of the rows the test writes."""
    import threading

    from scipy import signal as sps

    from app import workers
    from app.views import plot_filters
    from app.views.ecg_viewer import EcgViewer
    from mirage_model.records import EcgRecord
    from mirage_model.records.record import ExtraLead

    fs = 500.0
    t = np.arange(int(400 * fs)) / fs
    beats = np.exp(-(((t % 0.8) - 0.3) / 0.012) ** 2)
    rows = np.asarray([(0.5 + 0.1 * i) * beats + 0.4 * np.sin(2 * np.pi * 0.15 * t + i) for i in range(15)],
                      dtype=np.float32)      # (15, T): beats on baseline wander
    assert rows[:12].size > plot_filters.SYNC_FILTER_VALUES
    rec = EcgRecord(signal=rows[:12], fs=fs, record_id="holter",
                    extra_leads=tuple(ExtraLead(n, rows[12 + k]) for k, n in enumerate(["V4R", "V8", "V9"])))
    on_gui = []
    real = plot_filters.display_filter

    def spy(signal, fs, highpass=False, notch_hz=None, check=None):
        if highpass or notch_hz:
            on_gui.append(threading.current_thread() is threading.main_thread())
        return real(signal, fs, highpass, notch_hz, check=check)

    monkeypatch.setattr(plot_filters, "display_filter", spy)
    viewer = EcgViewer()
    viewer.resize(1200, 700)
    qtbot.addWidget(viewer)
    viewer.show()
    viewer.set_record(rec)
    viewer.plot.set_layout("12x1")
    with qtbot.waitSignal(viewer.plot.filtersChanged, timeout=60_000,
                          check_params_cb=lambda *a: viewer.plot.filter_state()["shown"] == (True, None)):
        viewer.highpass.setChecked(True)
    assert workers.cancel_all_and_wait(60_000)
    qtbot.wait(50)
    assert on_gui and not any(on_gui)            # every filtering call ran in the worker: none on the GUI thread
    truth = sps.sosfiltfilt(sps.butter(2, 0.5, btype="highpass", fs=fs, output="sos"), rows[12:].astype(np.float64),
                            axis=-1)
    plot = viewer.plot
    shown = [curve for curve in plot.curves if curve.isVisible()][-3:]
    for k, curve in enumerate(shown):
        panel = plot.paper.extra[k]
        n = len(curve.yData)
        np.testing.assert_allclose(curve.yData, panel.baseline + truth[k, :n] * plot.gain, atol=1e-3)


def test_calipers_measure_an_extra_leads_row_in_its_own_mv_and_name_it(qtbot):
    """A cardiologist reads ST elevation in V4R (right ventricular infarction). The calipers read the 12 alone: a
    marker on V4R's row read as one off the traces (no lead, the plain height between the markers), or, where V6's
    deep trace passed within half a row, as V6. Now V4R's row is measured as one of the 12: the markers snap onto
    V4R's samples, the reading is V4R's mV against V4R's baseline and names "V4R" (the second extra lead here: never
    "II", the 12's lead of that index), the arrow keys follow its trace, and a new gain keeps the same two points.
    Truth: the samples the test writes (V4R flat at 0 mV, its ST segment 2.0-2.3 s at +0.20 mV) and the paper's
    geometry (baseline + mV x gain)."""
    from PySide6.QtCore import QPointF

    from app.views.ecg_viewer import EcgViewer
    from mirage_model.records import EcgRecord
    from mirage_model.records.record import ExtraLead

    fs, T = 500.0, 5000
    viewer = EcgViewer()
    viewer.resize(1200, 700)
    qtbot.addWidget(viewer)
    viewer.show()

    def show(v6_mv: float) -> None:
        sig = np.zeros((12, T), np.float32)
        sig[11] = v6_mv                                              # V6 held low: its trace near the rows below
        v4r = np.zeros(T, np.float32)
        v4r[1000:1150] = 0.20                                        # ST elevation of 0.20 mV, 2.0-2.3 s
        viewer.set_record(EcgRecord(signal=sig, fs=fs, record_id="v4r",
                                    extra_leads=(ExtraLead("V3R", np.full(T, -0.5, np.float32)),
                                                 ExtraLead("V4R", v4r))))
        viewer.plot.set_layout("12x1")

    show(0.0)
    plot = viewer.plot
    v6, v4r = plot.paper.panels[11], plot.paper.extra[1]
    low = -0.6 * (v6.baseline - v4r.baseline) / plot.gain / 2      # V6 reaching 30 % of the way to V4R's row
    show(low)
    v6, v3r, v4r = plot.paper.panels[11], plot.paper.extra[0], plot.paper.extra[1]
    assert v4r.baseline < v3r.baseline < v6.baseline
    x1, x2 = float(v4r.x_of(1.0, plot.speed)), float(v4r.x_of(2.1, plot.speed))
    assert plot.panel_at(x1, float(v4r.y_of(0.0, plot.gain))) is v4r
    assert plot.panel_at(x1, float(v3r.y_of(-0.5, plot.gain))) is v3r
    assert plot.panel_at(x1, float(v6.y_of(low, plot.gain))) == v6  # V6's own trace is still V6's
    viewer.caliper_btn.setChecked(True)
    # let go a little off V4R's trace: each marker snaps onto the sample under it
    plot.caliper_a.setPos(QPointF(x1 + 0.01, float(v4r.y_of(0.05, plot.gain))))
    plot._caliper_snap(plot.caliper_a)
    plot.caliper_b.setPos(QPointF(x2 - 0.01, float(v4r.y_of(0.12, plot.gain))))
    plot._caliper_snap(plot.caliper_b)
    assert (plot.caliper_b.pos().x(), plot.caliper_b.pos().y()) == pytest.approx(
        (x2, float(v4r.y_of(0.20, plot.gain))))
    r = plot.caliper_reading()
    assert (r["lead"], r["lead_b"]) == ("V4R", "V4R")
    assert r["dt_ms"] == pytest.approx(1100.0) and r["dmv"] == pytest.approx(0.20, abs=1e-6)
    assert "Calipers (V4R): 1100 ms, 55 bpm, +0.20 mV" == viewer.caliper_label.text()
    plot.nudge_caliper(1, 0)                      # one sample on, along V4R's trace (still in the ST segment)
    r = plot.caliper_reading()
    assert r["dt_ms"] == pytest.approx(1102.0) and r["dmv"] == pytest.approx(0.20, abs=1e-6)
    plot.nudge_caliper(1, 0, large=True)          # 200 ms on: 2.302 s, past the ST segment, back to 0 mV
    assert plot.caliper_reading()["dmv"] == pytest.approx(0.0, abs=1e-6)
    plot.nudge_caliper(-1, 0, large=True)         # back to 2.102 s
    plot.set_gain(20.0)                           # laid out again: the same two points of V4R, read the same
    r = plot.caliper_reading()
    assert (r["lead"], r["lead_b"]) == ("V4R", "V4R")
    assert r["dt_ms"] == pytest.approx(1102.0) and r["dmv"] == pytest.approx(0.20, abs=1e-6)
    v4r = plot.paper.extra[1]
    assert plot.caliper_b.pos().y() == pytest.approx(float(v4r.y_of(0.20, 20.0)))
    # a marker off every trace (the left margin) still reads the plain height and names no lead
    plot.caliper_a.setPos(QPointF(1.0, float(v4r.y_of(0.0, plot.gain))))
    r = plot.caliper_reading()
    assert r["lead"] is None and r["lead_b"] == "V4R"


@pytest.mark.parametrize("layout", ["3x4", "6x2"])
def test_fit_page_fits_the_12_and_leaves_the_extra_leads_below_to_scroll_to(qtbot, layout):
    """Fit page had fitted the extra rows too: the 12 shrank to 0.40x (4 mm/mV) and half the trace area was empty
    (PTB Diagnostic s0016lre at 1280x800). The 12 (and the rhythm strip) fill the view; the extra rows are below
    it, the rows' scroll bar shown."""
    viewer = _viewer(qtbot, layout)
    plot = viewer.plot
    plot.fit_page()
    qtbot.waitUntil(lambda: viewer.rows_scroll.isVisible())
    view = plot.vb.viewRect()                        # y up: top() is the lowest paper y shown
    lo, hi = min(view.top(), view.bottom()), max(view.top(), view.bottom())
    for p in plot.paper.panels:                      # every row of the 12 in view, whole
        assert lo - 1e-6 <= p.baseline - p.height / 2 and p.baseline + p.height / 2 <= hi + 1e-6, p
    first = plot.paper.extra[0]
    assert first.baseline < lo                       # the extra rows below the view (their baselines out of it)
    rows_12 = (max(p.baseline + p.height / 2 for p in plot.paper.panels)
               - min(p.baseline - p.height / 2 for p in plot.paper.panels))
    fills = max(rows_12 / (hi - lo), plot.paper.width / view.width())
    assert fills > 0.75                              # the 12 fill the view by height or by width
