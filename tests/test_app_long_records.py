"""The trace view on long records (Holter-like: an hour or more of 12 leads at 500-1000 Hz): the GUI
stays responsive and the view says what it shows.

Truth comes from outside the view: scipy's own filters for the display filters, the explanation's
window for the overlays.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt, QThreadPool  # noqa: E402

from app import workers  # noqa: E402
from app.views import ecg_plot, plot_filters  # noqa: E402
from app.views.ecg_viewer import EcgViewer  # noqa: E402
from helpers_app import WAIT_MS, isolated_settings  # noqa: E402,F401 (isolated_settings: autouse)
from mirage_model.records import EcgRecord  # noqa: E402

FS = 500.0


def long_signal(seconds: float = 400.0, seed: int = 0) -> np.ndarray:
    """(12, T) mV: beats, baseline wander and 50 Hz mains, more samples than the view filters at once."""
    t = np.arange(int(seconds * FS)) / FS
    rng = np.random.default_rng(seed)
    beats = np.exp(-(((t % 0.8) - 0.3) / 0.012) ** 2)
    rows = [(0.5 + 0.1 * i) * beats + 0.4 * np.sin(2 * np.pi * 0.15 * t + i) + 0.05 * np.sin(2 * np.pi * 50 * t)
            + 0.01 * rng.standard_normal(t.size) for i in range(12)]
    sig = np.asarray(rows, dtype=np.float32)
    assert sig.size > getattr(ecg_plot, "SYNC_FILTER_VALUES", 360_000)
    return sig


def scipy_reference(sig: np.ndarray, highpass: bool, notch_hz: float | None) -> np.ndarray:
    """The display filters as their docstring states them, straight from scipy."""
    from scipy import signal as sps

    x = sig.astype(np.float64)
    if highpass:
        x = sps.sosfiltfilt(sps.butter(2, 0.5, btype="highpass", fs=FS, output="sos"), x, axis=-1)
    if notch_hz:
        x = sps.filtfilt(*sps.iirnotch(notch_hz, 30.0, fs=FS), x, axis=-1)
    return x.astype(np.float32)


def viewer_with(qtbot, sig: np.ndarray) -> EcgViewer:
    viewer = EcgViewer()
    viewer.resize(1200, 700)
    qtbot.addWidget(viewer)
    viewer.show()
    viewer.set_record(EcgRecord(signal=sig, fs=FS, record_id="long"))
    return viewer


def settled(qtbot, viewer) -> None:
    """Wait until no filtering is under way and its result (queued to the GUI thread) has landed."""
    qtbot.waitUntil(lambda: not viewer.plot.filter_state()["pending"], timeout=WAIT_MS)
    assert workers.cancel_all_and_wait(WAIT_MS)
    qtbot.wait(50)


def test_a_long_record_is_filtered_off_the_gui_thread_and_the_label_says_so(qtbot):
    """Turning the baseline filter on held the GUI thread while the whole record was filtered (1.8 s
    for 1 h of 12 leads at 500 Hz): now the call returns at once, the trace stays the record's own
    samples, all of them, and the label says that they are unfiltered until the filtered trace
    replaces them, whole."""
    sig = long_signal()
    viewer = viewer_with(qtbot, sig)
    plot = viewer.plot
    with qtbot.waitSignal(plot.filtersChanged, timeout=WAIT_MS,
                          check_params_cb=lambda *a: plot.filter_state()["shown"] == (True, 50.0)):
        viewer.highpass.setChecked(True)
        viewer.notch.setCurrentText("50 Hz notch")
        # asked for, not yet shown: the view still draws the record itself and says so
        assert np.shares_memory(plot.displayed_signal(), sig)
        assert plot.filter_state()["pending"]
        assert "Display filters ON" not in viewer.filter_label.text()
        assert "Applying display filters (high-pass 0.5 Hz, notch 50 Hz)" in viewer.filter_label.text()
        assert "shown unfiltered" in viewer.filter_label.text()
    np.testing.assert_allclose(plot.displayed_signal(), scipy_reference(sig, True, 50.0), atol=1e-5)
    assert viewer.filter_label.text() == "Display filters ON: high-pass 0.5 Hz, notch 50 Hz (model input unchanged)"
    # what is drawn is the filtered trace: the first panel's curve holds its samples
    panel, curve = plot.panel_curves()[0]
    s = plot._panel_samples(panel)
    np.testing.assert_allclose(curve.yData, panel.y_of(scipy_reference(sig, True, 50.0)[panel.lead, s], plot.gain),
                               atol=1e-3)


def test_a_toggle_during_filtering_never_shows_the_stale_result(qtbot):
    """The filters change while a long record is being filtered: the first result (high-pass) is
    dropped, the trace shows what was asked last (the notch alone)."""
    sig = long_signal()
    viewer = viewer_with(qtbot, sig)
    plot = viewer.plot
    shown = []
    plot.filtersChanged.connect(lambda: shown.append(plot.filter_state()["shown"]))
    viewer.highpass.setChecked(True)
    viewer.highpass.setChecked(False)
    viewer.notch.setCurrentText("60 Hz notch")
    settled(qtbot, viewer)
    assert (True, None) not in shown       # the high-pass result was never shown
    assert plot.filter_state()["shown"] == (False, 60.0)
    np.testing.assert_allclose(plot.displayed_signal(), scipy_reference(sig, False, 60.0), atol=1e-5)
    assert viewer.filter_label.text() == "Display filters ON: notch 60 Hz (model input unchanged)"
    # asked back for what is shown while filtering: the job is dropped, the trace stays
    viewer.highpass.setChecked(True)
    viewer.highpass.setChecked(False)
    assert not plot.filter_state()["pending"] and plot.filter_state()["shown"] == (False, 60.0)
    assert viewer.filter_label.text() == "Display filters ON: notch 60 Hz (model input unchanged)"
    settled(qtbot, viewer)
    np.testing.assert_allclose(plot.displayed_signal(), scipy_reference(sig, False, 60.0), atol=1e-5)
    # on, then off again before it is done: the record's own samples, no filtered trace afterwards
    viewer.highpass.setChecked(True)
    viewer.notch.setCurrentText("No notch")
    viewer.highpass.setChecked(False)
    settled(qtbot, viewer)
    assert np.shares_memory(plot.displayed_signal(), sig)
    assert viewer.filter_label.text() == "Display filters off"


def test_another_record_never_gets_the_previous_records_filtered_trace(qtbot):
    """A record opened while the previous one is being filtered shows its own samples (unfiltered,
    and labelled so) and then its own filtered trace, never the other record's."""
    first, second = long_signal(seed=1), long_signal(seed=2) * 0.5
    viewer = viewer_with(qtbot, first)
    viewer.highpass.setChecked(True)
    viewer.set_record(EcgRecord(signal=second, fs=FS, record_id="second"))
    assert np.shares_memory(viewer.plot.displayed_signal(), second)
    assert "shown unfiltered" in viewer.filter_label.text()
    settled(qtbot, viewer)
    np.testing.assert_allclose(viewer.plot.displayed_signal(), scipy_reference(second, True, None), atol=1e-5)
    assert viewer.filter_label.text().startswith("Display filters ON: high-pass 0.5 Hz")


def test_a_filter_that_fails_leaves_the_trace_whole_and_says_so(qtbot, monkeypatch):
    sig = long_signal()
    viewer = viewer_with(qtbot, sig)

    def fails(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(plot_filters, "display_filter", fails)
    viewer.highpass.setChecked(True)
    settled(qtbot, viewer)
    assert np.shares_memory(viewer.plot.displayed_signal(), sig)
    assert viewer.filter_label.text() == ("Display filters (high-pass 0.5 Hz) failed: out of memory; "
                                          "shown unfiltered")


# Closing the window while a job is in a step it cannot stop in (measuring a long record): the run
# below holds the measurement 3 s, past an exit wait cut to 1 s, then measures for real (which
# imports neurokit2 on first use).
CLOSE_MID_MEASUREMENT = r'''
import sys, threading, time
from PySide6.QtCore import QTimer
from app import main as app_main
from app.main_window import MainWindow
import mirage_model.measure as measure_mod

measuring = threading.Event()
real = measure_mod.measure

def slow(*args, **kwargs):
    measuring.set()
    time.sleep(30.0)                  # a measurement that outlasts any wait
    return real(*args, **kwargs)

measure_mod.measure = slow
MainWindow.load_model = lambda self, *a, **k: None      # the record's own jobs only
shown = MainWindow.show

def close(window):
    print(f"closing at {time.time():.3f}", flush=True)
    window.close()

def show(self):
    shown(self)
    poll = QTimer(self)
    poll.timeout.connect(lambda: measuring.is_set() and (poll.stop(), close(self)))
    poll.start(20)

MainWindow.show = show
t0 = time.perf_counter()
rc = app_main.main(sys.argv[1:])
print(f"main returned {rc} after {time.perf_counter() - t0:.1f} s", flush=True)
sys.exit(rc)
'''


def test_closing_during_a_long_measurement_ends_at_once_and_quietly(tmp_path):
    """Closing the window while a 1 h record was measured printed "RuntimeError: can't register
    atexit after shutdown" (the job, still measuring when Python shut down, imported neurokit2);
    then the process lived on for the whole 10 s wait (EXIT_WAIT_MS) after the window had gone. A
    measurement is made again when the record is opened again, so nobody is asked and nothing is
    waited for: the process ends within a moment of the close (EXIT_GRACE_MS), exit status 0, no
    error text, the log naming the job left. Truth: the clock, against the measurement held 30 s."""
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    from mirage_model.paths import resources_dir

    record = resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr.hea"
    if not record.is_file():
        pytest.skip("bundled sample records not present")
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "cfg"),
               XDG_DATA_HOME=str(tmp_path / "data"), HOME=str(tmp_path / "home"), MIRAGE_STATEMENTS_MODEL="none",
               PYTHONPATH=str(root))
    proc = subprocess.run([sys.executable, "-c", CLOSE_MID_MEASUREMENT, str(record)], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    ended = time.time()
    errors = [line for line in proc.stderr.splitlines() if line.strip() and "propagateSizeHints" not in line]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert errors == [], proc.stderr[-3000:]
    closed = float(proc.stdout.split("closing at ")[1].split()[0])
    assert ended - closed < 5.0, (ended - closed, proc.stdout)      # 10.2 s before: the whole wait
    log = "".join(p.read_text() for p in (tmp_path / "data").rglob("mirage-review.log"))
    assert "ending with jobs still running: load" in log
    assert "main returned" not in proc.stdout      # it did not return into a shutdown under the job


def test_exit_waits_for_a_job_that_writes_files_and_not_for_one_that_shows(qtbot):
    """``workers.stop_for_exit``: a disposable job (a measurement, a model run) still running after
    the grace is left at once; a job that writes files (a PDF) is waited for until it ends, up to the
    wait. Truth: the jobs' own clocks (each holds for a time the test chose)."""
    import threading
    import time

    release = threading.Event()

    def held(ctx, seconds):
        release.wait(seconds)
        return seconds

    measuring = workers.Worker(held, 20.0, name="measure", disposable=True).start()
    writing = workers.Worker(held, 1.5, name="report").start()
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() >= 2, timeout=WAIT_MS)
    t0 = time.monotonic()
    left = workers.stop_for_exit(wait_ms=8000, grace_ms=300)
    took = time.monotonic() - t0
    assert left == ["measure"]                          # the PDF ended; the measurement was left
    assert 1.4 <= took < 4.0, took                      # until the report ended, not the 8 s wait
    assert measuring.is_cancelled and writing.is_cancelled
    # only disposable jobs: the grace alone
    t0 = time.monotonic()
    assert workers.stop_for_exit(wait_ms=8000, grace_ms=300) == ["measure"]
    assert time.monotonic() - t0 < 1.5
    # a job that writes and outlasts the wait: left at the wait
    release.set()
    qtbot.waitUntil(lambda: not workers.live_jobs(), timeout=WAIT_MS)
    release.clear()
    workers.Worker(held, 20.0, name="report").start()
    qtbot.waitUntil(lambda: workers.live_jobs() == ["report"], timeout=WAIT_MS)
    t0 = time.monotonic()
    assert workers.stop_for_exit(wait_ms=600, grace_ms=100) == ["report"]
    assert 0.55 <= time.monotonic() - t0 < 2.0
    release.set()
    assert workers.stop_for_exit(wait_ms=WAIT_MS) == []


def explanation_of(record, start_s: float):
    """An explanation as the model gives it for the 10 s window at ``start_s``: lead importance, and
    saliency on the window's own samples (``explain.explain_window``: (12, T_w) from record sample
    ``signal_start``, a sample's margin either side)."""
    from mirage_model.explain import Explanation

    a, b = int(start_s * FS) - 1, int((start_s + 10.0) * FS) + 1
    sal = np.random.default_rng(3).uniform(0.5, 1.0, size=(12, b - a)).astype(np.float32)
    imp = np.linspace(1.0, 2.0, 12)
    return Explanation(lead_bias=None, lead_attention=None, lead_importance=(imp / imp.sum()).astype(np.float32),
                       patch_rollout=None, patch_gradient=None, signal_saliency=sal,
                       methods={"lead_importance": "gradient x input", "signal_saliency": "rollout mapped"},
                       window=7, window_start_s=start_s, signal_start=a)


def drawn_overlay_seconds(plot) -> list[tuple[str, float, float]]:
    """(kind, first s, last s) of every importance bar and saliency strip drawn, read back from the
    items' place on the paper through the panel they sit in."""
    out = []
    for band in plot._bands:
        if band.isVisible():
            r = band.rect()
            p = next(p for p in plot.panels() if p.contains(r.center().x() + 0.9, r.center().y(), plot.speed))
            t = float(p.t_of(r.left() + 0.2, plot.speed))
            out.append(("importance", t, t))
    for img in plot._sal_items:
        if img.isVisible():
            r = img.mapRectToParent(img.boundingRect())
            p = next(p for p in plot.panels() if p.contains(r.center().x(), r.center().y(), plot.speed))
            out.append(("saliency", float(p.t_of(r.left(), plot.speed)), float(p.t_of(r.right(), plot.speed))))
    return out


def test_the_explanation_is_drawn_over_the_window_it_explains_only(qtbot):
    """The lead importance bars and the saliency were drawn on whatever page was shown, while the
    explained 10 s window of a long record may be elsewhere (35-45 s here). They are drawn over that
    window only: none on a page without it, over its part on a page with part of it; switching an
    overlay on shows the explained window (a page of its own in the page box)."""
    sig = long_signal(120.0)
    viewer = viewer_with(qtbot, sig)
    plot = viewer.plot
    plot.set_explanation(explanation_of(plot.record, 35.0))
    # page 0-10 s: nothing of 35-45 s on it
    assert drawn_overlay_seconds(plot) == []
    assert plot.explained_span() == (35.0, 45.0)
    assert not plot.overlay_state()["importance"] and not plot.overlay_state()["saliency"]
    assert "not drawn: they are of the explained window 35-45 s, not on this page" in viewer.overlay_full
    # page 30-40 s: the columns from 35 s (V1-V6) and the rhythm strip, only over 35-40 s
    viewer.page.setCurrentIndex(viewer.page.findText("30-40 s"))
    drawn = drawn_overlay_seconds(plot)
    assert sorted(k for k, _, _ in drawn) == ["importance"] * 7 + ["saliency"] * 7
    for kind, a, b in drawn:
        assert 35.0 - 1e-6 <= a <= b <= 40.0 + 1e-6, (kind, a, b)
    assert "drawn over its part on this page" in viewer.overlay_full
    # the explained window is a page of its own; switching the saliency on goes there
    viewer.page.setCurrentIndex(0)
    viewer.saliency_box.setChecked(False)
    viewer.saliency_box.setChecked(True)
    assert viewer.page.currentText() == "35-45 s explained"
    drawn = drawn_overlay_seconds(plot)
    assert len([k for k, _, _ in drawn if k == "saliency"]) == 13     # 12 leads and the rhythm strip
    for kind, a, b in drawn:
        assert 35.0 - 1e-6 <= a <= b <= 45.0 + 1e-6, (kind, a, b)
    assert "not drawn" not in viewer.overlay_full and "its part" not in viewer.overlay_full
    # another record: no explained page left behind
    viewer.set_record(EcgRecord(signal=sig, fs=FS, record_id="next"))
    assert not any("explained" in viewer.page.itemText(i) for i in range(viewer.page.count()))


def test_a_page_change_does_not_copy_the_whole_records_saliency(qtbot):
    """The saliency map spanned the whole record (86 MB for 1 h of 12 leads at 500 Hz) and every
    redraw copied it; it is the explained window's alone now, and a page change allocates a small
    part of the record. Truth: the record's own size."""
    import tracemalloc

    sig = long_signal(1200.0)
    viewer = viewer_with(qtbot, sig)
    explanation = explanation_of(viewer.plot.record, 600.0)
    viewer.plot.set_explanation(explanation)
    explained = viewer.page.findData(600.0)
    viewer.page.setCurrentIndex(explained)
    tracemalloc.start()
    viewer.page.setCurrentIndex(explained - 1)
    viewer.page.setCurrentIndex(explained)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert viewer.plot.overlay_state()["saliency"]
    assert peak < 0.05 * sig.nbytes, peak          # 0.64 MB here, of a 28.8 MB record


def test_the_saliency_strips_show_the_windows_own_samples(qtbot):
    """The explanation keeps the saliency of the explained window's samples only, (12, T_w) from
    record sample ``signal_start``: each strip drawn is the map over its panel's seconds (max over
    columns of a few samples on the rhythm strip), relative to the map's largest value. The plot
    read the map as spanning the whole record, so a window-only map drew values of other times
    (or none). Truth: the map as made, indexed by record sample."""
    sig = long_signal(120.0)
    viewer = viewer_with(qtbot, sig)
    plot = viewer.plot
    e = explanation_of(plot.record, 35.0)
    plot.set_explanation(e)
    viewer.page.setCurrentIndex(viewer.page.findText("35-45 s explained"))
    top = float(e.signal_saliency.max())
    checked = 0
    for p, img in zip(plot.panels(), plot._sal_items):
        assert img.isVisible()
        a, b = int(round(p.t0 * FS)), int(round(p.t1 * FS))
        want = e.signal_saliency[p.lead, a - e.signal_start:b - e.signal_start] / top
        if want.size > 2000:
            k = int(np.ceil(want.size / 2000))
            want = np.pad(want, (0, (-want.size) % k)).reshape(-1, k).max(axis=1)
        np.testing.assert_allclose(img.image[0], want, rtol=1e-6)
        checked += 1
    assert checked == 13


def test_opening_a_long_record_reads_only_the_samples_drawn_for_gaps(qtbot):
    """Opening a record checked the whole of it for gaps (NaN) on the GUI thread, a (L, T) mask:
    160 ms for 1 h of 12 leads at 1 kHz. Only the drawn samples are checked now; a gap on the page
    still breaks the trace there. Truth: the mask's own size, and the gap's samples."""
    import tracemalloc

    sig = long_signal(1200.0)
    sig[1, 1000:1100] = np.nan                 # lead II, 2.0-2.2 s: on the first page
    viewer = EcgViewer()
    viewer.resize(1200, 700)
    qtbot.addWidget(viewer)
    viewer.show()
    tracemalloc.start()
    viewer.set_record(EcgRecord(signal=sig, fs=FS, record_id="long"))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    time_axis = sig.shape[1] * 8                # the view's (T,) float64 seconds
    assert peak < time_axis + 0.5 * sig.shape[0] * sig.shape[1], peak
    panel, curve = next((p, c) for p, c in viewer.plot.panel_curves() if p.lead == 1 and not p.rhythm)
    assert curve.opts["connect"] == "finite"
    assert np.isnan(curve.yData).sum() == 100


def test_12x1_shows_a_long_record_page_by_page(qtbot):
    """12x1 drew each lead over the whole record: for 400 s that is 10 m of paper at 25 mm/s, and
    "Fit page" shrank it to a smear with the lead names piled up, while the page box was greyed out.
    Past a minute it now shows the 10 s page the page box chooses, as 6x2 and 3x4 do; up to a minute
    the whole record still. Truth: the written signal's own beats, every 0.8 s at 0.3 s."""
    from app.views.paper import PAGE_S, WHOLE_12X1_S

    sig = long_signal(400.0)
    viewer = viewer_with(qtbot, sig)
    viewer.layout_box.setCurrentText("12x1")
    plot = viewer.plot
    spans = {(p.t0, p.t1) for p in plot.panels()}
    assert spans == {(0.0, PAGE_S)} and len(plot.panels()) == 12
    assert viewer.page.isEnabled() and viewer.page.count() == 40
    viewer.page.setCurrentIndex(viewer.page.findData(120.0))
    assert {(p.t0, p.t1) for p in plot.panels()} == {(120.0, 130.0)}
    # the curve drawn for lead I is the record's lead I over 120-130 s (peaks where the beats are)
    panel, curve = plot.panel_curves()[0]
    x, y = curve.getOriginalDataset()
    t = panel.t_of(np.asarray(x), plot.speed)
    assert t.min() == pytest.approx(120.0, abs=0.01) and t.max() == pytest.approx(130.0, abs=0.01)
    mv = panel.mv_of(np.asarray(y), plot.gain)
    peaks = t[(mv > 0.9 * np.nanmax(mv))]
    assert np.all(np.abs(((peaks - 0.3) / 0.8) - np.round((peaks - 0.3) / 0.8)) < 0.02)
    # a record of a minute or less is still drawn whole in 12x1, its page box not offered
    short = viewer_with(qtbot, sig[:, : int(WHOLE_12X1_S * FS)].copy())
    short.layout_box.setCurrentText("12x1")
    assert {(p.t0, p.t1) for p in short.plot.panels()} == {(0.0, WHOLE_12X1_S)}
    assert not short.page.isEnabled()


def _shows_whole(box) -> bool:
    """Whether the combo box's text field is as wide as its current text (not cut off)."""
    from PySide6.QtWidgets import QStyle, QStyleOptionComboBox

    opt = QStyleOptionComboBox()
    box.initStyleOption(opt)
    field = box.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                       QStyle.SubControl.SC_ComboBoxEditField, box)
    return box.fontMetrics().horizontalAdvance(box.currentText()) <= field.width()


def test_the_page_box_shows_a_long_records_pages_whole(qtbot):
    """The page box was sized for "0-10 s" when first shown, and showed a 1 h record's last page as
    "3590-3" and its explained window as "3350.6". Truth: the pixel width of each entry's own text
    in the box's font, against the box's text field."""
    sig = np.zeros((12, int(3600 * FS)), np.float32)
    viewer = viewer_with(qtbot, sig)
    viewer.plot.set_explanation(explanation_of(viewer.plot.record, 3350.67))
    qtbot.wait(20)
    for text in ("3590-3600 s", "3350.67-3360.67 s explained", "1230-1240 s"):
        viewer.page.setCurrentIndex(viewer.page.findText(text))
        qtbot.wait(20)
        assert viewer.page.currentText() == text
        assert _shows_whole(viewer.page), (text, viewer.page.width())


def test_the_explained_window_and_the_next_page_are_one_key_away(qtbot):
    """Among a 1 h record's 360 pages the explained window was an entry to scroll to. View > Go to
    the explained window (Ctrl+Shift+E) shows it, offered only while there is one; Page Down and
    Page Up in the trace view step through the pages, offered where there is a page to go to.
    Truth: the page box's entries, which the record's length sets."""
    sig = long_signal(120.0)
    viewer = viewer_with(qtbot, sig)
    plot = viewer.plot
    assert not viewer.explained_action.isEnabled()
    plot.set_explanation(explanation_of(plot.record, 35.0))
    assert viewer.page.currentText() == "0-10 s" and viewer.explained_action.isEnabled()
    viewer.activateWindow()
    qtbot.waitUntil(viewer.isActiveWindow, timeout=WAIT_MS)      # keys reach the window's shortcuts
    plot.setFocus()
    qtbot.keyClick(plot, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert viewer.page.currentText() == "35-45 s explained"
    assert plot.overlay_state()["saliency"] and plot.explained_span() == (35.0, 45.0)
    # the next page after it, and back
    qtbot.keyClick(plot, Qt.Key.Key_PageDown)
    assert viewer.page.currentText() == "40-50 s"
    qtbot.keyClick(plot, Qt.Key.Key_PageUp)
    qtbot.keyClick(plot, Qt.Key.Key_PageUp)
    assert viewer.page.currentText() == "30-40 s"
    # the first page: nothing before it; the last: nothing after it
    viewer.page.setCurrentIndex(0)
    assert not viewer.prev_page_action.isEnabled() and viewer.next_page_action.isEnabled()
    qtbot.keyClick(plot, Qt.Key.Key_PageUp)
    assert viewer.page.currentIndex() == 0
    viewer.page.setCurrentIndex(viewer.page.count() - 1)
    assert viewer.page.currentText() == "110-120 s" and not viewer.next_page_action.isEnabled()
    # a record of one page: neither the page keys nor the explained window
    viewer.set_record(EcgRecord(signal=np.zeros((12, 5000), np.float32), fs=FS, record_id="short"))
    assert not any(a.isEnabled() for a in (viewer.explained_action, viewer.next_page_action,
                                           viewer.prev_page_action))


def test_the_lead_attention_of_a_long_record_names_its_window(qtbot):
    """The lead attention of a long record is that of its explained 10 s window, while its heat map
    was titled "Lead attention (this record)" (the model image beside it said "window at ... s").
    Its title and caption name the window now; a window at 0 s keeps the record's title. Truth: the
    explanation's own window start."""
    from dataclasses import replace

    from app.views.explain import LeadHeatmaps

    heat = LeadHeatmaps()
    qtbot.addWidget(heat)
    e = replace(explanation_of(None, 3350.67),
                lead_attention=np.full((12, 12), 1 / 12, np.float32),
                methods={"lead_attention": "last Graphormer layer lead-to-lead attention, mean over heads"})
    heat.set_explanation(e)
    assert heat.plots[1].titleLabel.text.startswith("Lead attention (window at 3350.67 s)")
    assert "lead attention (window at 3350.67 s):" in heat.caption.text()
    heat.set_explanation(replace(e, window_start_s=0.0))
    assert heat.plots[1].titleLabel.text.startswith("Lead attention (this record)")


def test_the_lead_importance_figures_stay_under_the_lead_names_when_zoomed_out(qtbot):
    """The lead-importance figure ("58%") sat 4.5 mm of paper under the panel's top, under the lead
    name at true scale; on a fitted 6x2 page (0.4x here, as on a 1280x800 screen) 4.5 mm is 7 px,
    less than a line of text, and the figure was drawn over the name. It now sits a line under the
    name at any zoom, and at 4.5 mm where that is lower (or after the name on its line, where the trace fills
    the line under it). Truth: the two texts' rectangles on screen."""
    sig = long_signal(120.0)
    viewer = viewer_with(qtbot, sig)
    viewer.resize(700, 450)
    plot = viewer.plot
    plot.set_explanation(explanation_of(plot.record, 30.0))
    viewer.layout_box.setCurrentText("6x2")
    viewer.page.setCurrentIndex(viewer.page.findData(30.0))
    assert viewer.page.currentText() == "30-40 s explained"
    for zoom in (None, 0.35, 1.0):
        if zoom is None:
            plot.fit_page()
        else:
            plot.set_zoom(zoom)
        qtbot.wait(20)
        assert plot.zoom < 0.6 or zoom == 1.0
        checked = 0
        for p, name, figure in zip(plot.panels(), plot.labels, plot._imp_labels):
            if not figure.isVisible() or abs(p.t0 - 30.0) > 1e-6:
                continue
            a, b = name.sceneBoundingRect(), figure.sceneBoundingRect()
            assert a.height() > 0 and b.height() > 0
            assert not a.intersects(b), (zoom, name.toPlainText(), a, b)
            # under it, or after it on its line (the trace on the line under it), never over it
            assert b.top() >= a.bottom() - 1 or (abs(b.top() - a.top()) < 1 and b.left() >= a.right() + 2)
            checked += 1
        assert checked == 7                                   # 6 rows of the 30 s column and the strip
