"""The window as a cardiologist reads one record: calipers, shortcuts and scale labels, checked
against records written here with known beat times and amplitudes (pytest-qt, offscreen).

Truth is the synthetic record's own formula (beats exactly 1.000 s apart, Gaussian waves of
known height), the screen's physical DPI, and the keys a user presses.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import QPointF, Qt  # noqa: E402

from helpers_app import isolated_settings, shown_window, tiny_model  # noqa: E402,F401 - fixtures
from app.main_window import MainWindow  # noqa: E402
from mirage_model.records import STANDARD_LEADS  # noqa: E402

WAIT_MS = 60000
FS = 500
R_TIMES = np.arange(0.5, 10.0, 1.0)          # R waves exactly 1.000 s apart (60 bpm)
LIMB = {"I": 0.7, "II": 1.5}                 # the other limb leads follow Einthoven / Goldberger
CHEST = (0.3, 0.6, 0.9, 1.3, 1.2, 1.05)


def beat_train(t: np.ndarray) -> np.ndarray:
    """P, Q, R (1 mV), S and T as Gaussians around each R time (s)."""
    out = np.zeros_like(t)
    for tc in R_TIMES:
        for mu, sd, amp in ((-0.16, 0.02, 0.15), (-0.02, 0.008, -0.1), (0.0, 0.01, 1.0),
                            (0.022, 0.008, -0.25), (0.28, 0.05, 0.3)):
            out += amp * np.exp(-0.5 * ((t - tc - mu) / sd) ** 2)
    return out


def known_signal(t: np.ndarray) -> np.ndarray:
    """(12, T) mV of the written record at times ``t`` (s), in the standard lead order."""
    base = beat_train(t)
    i, ii = LIMB["I"] * base, LIMB["II"] * base
    limb = [i, ii, ii - i, -(i + ii) / 2, i - ii / 2, ii - i / 2]
    return np.stack(limb + [g * base for g in CHEST])


def write_known_record(folder: Path, name: str = "rr1000") -> Path:
    import wfdb

    t = np.arange(10 * FS) / FS
    wfdb.wrsamp(name, fs=FS, units=["mV"] * 12, sig_name=list(STANDARD_LEADS), p_signal=known_signal(t).T,
                fmt=["16"] * 12, adc_gain=[1000.0] * 12, baseline=[0] * 12, write_dir=str(folder))
    return folder / f"{name}.hea"


def open_measured(qtbot, window: MainWindow, path: Path):
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(path)
    if window.measurements is None:
        pytest.skip("no measurements: " + window.measure_panel.note.text())
    return window.record


def let_go(plot, item, x: float, y: float) -> None:
    """Drop a caliper marker at paper (x, y) mm as the end of a mouse drag does."""
    item.setPos(QPointF(x, y))
    item.sigPositionChangeFinished.emit(item)


def test_a_caliper_stays_where_it_is_let_go_beside_a_hidden_fiducial(qtbot, tmp_path):
    """ST at J+60: a marker let go 110 ms after an R wave (60 ms after the J point) must read
    there, not jump to the QRS offset mark 1.5 mm away that is not even drawn."""
    window = shown_window(qtbot)
    open_measured(qtbot, window, write_known_record(tmp_path))
    plot = window.viewer.plot
    window.viewer.caliper_btn.setChecked(True)
    assert not plot.show_fiducials
    panel = next(p for p in plot.panels() if STANDARD_LEADS[p.lead] == "II" and not p.rhythm)
    r, later = 1.5, 1.61
    xb = float(panel.x_of(later, plot.speed))
    # the measured QRS offset lies within 3 mm of the point: the old snap took the marker there
    assert any(kind == "qrs_off" and abs(fx - xb) <= 3.0 and panel.contains(fx, fy, plot.speed)
               for fx, fy, kind in plot.fiducial_points())
    let_go(plot, plot.caliper_a, float(panel.x_of(r, plot.speed)), panel.baseline)
    let_go(plot, plot.caliper_b, xb, panel.baseline + 3.0)
    reading = plot.caliper_reading()
    truth = known_signal(np.array([r, later]))[1]
    assert reading["dt_ms"] == pytest.approx(110.0, abs=1e-6)
    assert reading["dmv"] == pytest.approx(truth[1] - truth[0], abs=2e-3)   # onto the trace, 1 uV file
    assert reading["lead"] == "II"
    assert "110 ms" in window.viewer.caliper_label.text()


def test_a_caliper_snaps_to_a_drawn_fiducial_within_3_mm_of_glass(qtbot, tmp_path):
    """With the marks shown a marker let go 1 mm of paper from one lands on it at true scale; at
    zoom 4 the same 1 mm is 4 mm of glass and the marker stays where it was put."""
    window = shown_window(qtbot)
    open_measured(qtbot, window, write_known_record(tmp_path))
    plot = window.viewer.plot
    window.viewer.fid_box.setChecked(True)
    window.viewer.caliper_btn.setChecked(True)
    panel = next(p for p in plot.panels() if STANDARD_LEADS[p.lead] == "II" and not p.rhythm)
    marks = sorted(fx for fx, fy, kind in plot.fiducial_points()
                   if kind == "t_off" and panel.contains(fx, fy, plot.speed))
    assert marks
    mark = marks[0]
    let_go(plot, plot.caliper_b, mark + 1.0, panel.baseline)
    assert plot.caliper_b.pos().x() == pytest.approx(mark)
    plot.set_zoom(4.0)
    let_go(plot, plot.caliper_b, mark + 1.0, panel.baseline)
    assert plot.caliper_b.pos().x() == pytest.approx(mark + 1.0)


def test_a_caliper_let_go_between_samples_reads_the_time_of_the_sample_it_reads(qtbot, tmp_path):
    """A marker dropped by the mouse took the height of the nearest sample but kept the time where it
    was let go: on LUDB 1 (checked on an X display) a QRS read "100 ms  601 bpm", a time no two samples
    are apart at 500 Hz and a rate that is not 60000 / 100. Both markers now stand on their samples:
    here 1.5011 s and 1.6009 s are samples 751 and 800, 98 ms apart, at the file's values there."""
    window = shown_window(qtbot)
    open_measured(qtbot, window, write_known_record(tmp_path))
    plot = window.viewer.plot
    window.viewer.caliper_btn.setChecked(True)
    assert not plot.show_fiducials            # no mark to snap to: the trace alone
    panel = next(p for p in plot.panels() if STANDARD_LEADS[p.lead] == "II" and not p.rhythm)
    let_go(plot, plot.caliper_a, float(panel.x_of(1.5011, plot.speed)), panel.baseline + 2.0)
    let_go(plot, plot.caliper_b, float(panel.x_of(1.6009, plot.speed)), panel.baseline)
    reading = plot.caliper_reading()
    truth = known_signal(np.array([751, 800]) / FS)[1]
    assert reading["dt_ms"] == pytest.approx(98.0, abs=1e-6)
    assert reading["rate_bpm"] is None                  # a QRS, no cycle: no rate (60000 / 98 is none)
    assert reading["dmv"] == pytest.approx(truth[1] - truth[0], abs=2e-3)      # 1 uV file
    assert plot.caliper_text.textItem.toPlainText().startswith("98 ms  ")


def press(qtbot, window: MainWindow, key, modifier=Qt.KeyboardModifier.ControlModifier) -> None:
    """A key as a user presses it: a window shortcut needs the active window (on xcb without a
    window manager nothing else activates it)."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    qtbot.keyClick(window.viewer.plot, key, modifier)


def test_ctrl_and_the_equals_key_zooms_in_as_ctrl_plus_does(qtbot, tmp_path):
    """On a US keyboard "+" shares its key with "="; Ctrl and that key did nothing (checked on an
    X display) while Ctrl+- zoomed out."""
    window = shown_window(qtbot)
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(write_known_record(tmp_path))
    plot = window.viewer.plot
    plot.reset_scale()
    press(qtbot, window, Qt.Key.Key_Equal)
    assert plot.zoom == pytest.approx(1.25)
    press(qtbot, window, Qt.Key.Key_Plus)
    assert plot.zoom == pytest.approx(1.25 ** 2)
    press(qtbot, window, Qt.Key.Key_Minus)
    assert plot.zoom == pytest.approx(1.25)
    assert "zoom 1.25x" in window.viewer.scale_label.text()


def test_the_median_beats_note_says_at_what_size_the_sheet_is_drawn(qtbot, tmp_path):
    """The sheet is fitted to its tab (about half size in a 1400 px window) but its note said
    "25 mm/s, 10 mm/mV" only: a ruler on the glass read half. The note now gives the size drawn,
    here checked against the screen's physical DPI and where 10 mm of the sheet land in pixels."""
    window = shown_window(qtbot)
    open_measured(qtbot, window, write_known_record(tmp_path))
    window.tabs.setCurrentWidget(window.median_beats)
    view = window.median_beats
    qtbot.waitUntil(lambda: view.plot.isVisible() and view.vb.width() > 50, timeout=WAIT_MS)
    qtbot.wait(50)
    a, b = view.vb.mapViewToDevice(QPointF(0.0, 0.0)), view.vb.mapViewToDevice(QPointF(10.0, 0.0))
    zoom = abs(b.x() - a.x()) / 10.0 / (window.screen().physicalDotsPerInch() / 25.4)
    assert 0.1 < zoom < 0.95                       # not true size in this window: the note must say so
    note = view.note.text()
    assert f"drawn at {zoom:.2f}x to fit the tab" in note
    assert f"{25 * zoom:.3g} mm/s, {10 * zoom:.3g} mm/mV on screen" in note


def test_calipers_and_layouts_have_keys_and_every_key_is_listed_in_help(qtbot, tmp_path, monkeypatch):
    """Keyboard only: calipers on and off (Ctrl+K) and the layout (Ctrl+1/2/3) without tabbing
    through two toolbars, and Help > Keyboard shortcuts (F1) lists the keys of every command."""
    from PySide6.QtGui import QAction

    window = shown_window(qtbot)
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(write_known_record(tmp_path))
    plot = window.viewer.plot
    press(qtbot, window, Qt.Key.Key_K)
    assert plot.calipers_visible() and window.viewer.caliper_btn.isChecked()
    assert "1000 ms, 60 bpm" in window.viewer.caliper_label.text()     # the markers start 1 s apart
    press(qtbot, window, Qt.Key.Key_K)
    assert not plot.calipers_visible() and window.viewer.caliper_label.text() == ""
    for key, name, rows in ((Qt.Key.Key_1, "12x1", 12), (Qt.Key.Key_2, "6x2", 7), (Qt.Key.Key_3, "3x4", 4)):
        press(qtbot, window, key)
        assert plot.layout_name == name and window.viewer.layout_box.currentText() == name
        assert len(plot.paper.row_baselines) == rows

    from app.dialogs.shortcuts import ShortcutsDialog

    shown = []
    monkeypatch.setattr(ShortcutsDialog, "exec", lambda box: shown.append(box.text.toPlainText()) or 0)
    press(qtbot, window, Qt.Key.Key_F1, Qt.KeyboardModifier.NoModifier)
    assert shown, "F1 opened no list of shortcuts"
    keyed = [a for a in window.findChildren(QAction) if a.shortcuts()]
    assert len(keyed) >= 15
    for action in keyed:
        for seq in action.shortcuts():
            assert seq.toString() in shown[0], f"{action.text()} ({seq.toString()}) is not listed"
        assert action.text().replace("&", "").rstrip(".") in shown[0]


def window_with_result(qtbot, tmp_path, tiny_model):
    """A shown 1400x900 window with ``tiny_model`` loaded and the written record's result in."""
    window = shown_window(qtbot, tiny_model)
    with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS):
        window.open_record(write_known_record(tmp_path))
    qtbot.waitUntil(lambda: window.predict_worker is None, timeout=WAIT_MS)   # its worker ends after the signal
    return window


def test_a_high_value_the_model_does_not_use_still_says_high_after_the_result(qtbot, tmp_path, tiny_model):
    """hs-troponin T 52 ng/L (the 99th percentile limit is 14 ng/L) under a model that does not
    read it: "high (reference < 14 ng/L)" beside "not used by this model" at once (typing it runs
    no model, so no result comes back to refresh the form); within range, the note alone."""
    window = window_with_result(qtbot, tmp_path, tiny_model)
    form = window.lab_form
    assert not form.is_used("troponin_t")
    form.set_value("troponin_t", "52", "ng/L")
    assert form.status("troponin_t") == "high"
    assert "high" in form.message("troponin_t") and "14 ng/L" in form.message("troponin_t")
    assert "not used by this model" in form.message("troponin_t")
    form.set_value("troponin_t", "9", "ng/L")                          # within range: the note alone
    assert form.message("troponin_t") == "not used by this model"
    window.lab_form.refresh()                                          # as a later result refreshes it
    assert form.message("troponin_t") == "not used by this model"
    assert window.predict_worker is None and window.session.state["prediction"] == "ready"


def test_run_model_again_does_not_say_the_values_changed(qtbot, tmp_path, tiny_model):
    """F5 on a record whose result is in said "Out of date: the model runs again with the new
    values" though nothing had been typed; a typed value still says the values changed."""
    window = window_with_result(qtbot, tmp_path, tiny_model)
    text = window.results.interpretation.text.text
    with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS):
        window.run_prediction()
        during = text()
    assert "new values" not in during and "values changed" not in during
    assert "running again" in during
    window._debounce.setInterval(10 ** 6)        # hold the re-run: read the panel while it waits
    window.lab_form.set_value("weight", "80", "kg")
    assert "clinical values changed" in text()
    with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS):
        window.run_prediction()


def test_calipers_on_two_leads_read_each_against_its_own_baseline(qtbot, tmp_path):
    """A on lead I, B on lead II (the next row, 30 mm lower at 10 mm/mV): the reading was the
    height between the markers, 3 mV off (the rows' spacing); it is now lead II's mV at B minus
    lead I's mV at A, from the record's formula, and the label names both leads."""
    window = shown_window(qtbot)
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(write_known_record(tmp_path))
    plot = window.viewer.plot
    window.viewer.caliper_btn.setChecked(True)
    p1, p2 = (next(p for p in plot.panels() if STANDARD_LEADS[p.lead] == name and not p.rhythm) for name in ("I", "II"))
    assert p1.baseline != p2.baseline
    ta, tb = 0.5, 1.5                                  # two R waves, 1 s apart
    truth = known_signal(np.array([ta, tb]))
    let_go(plot, plot.caliper_a, float(p1.x_of(ta, plot.speed)), p1.baseline + 2.0)
    let_go(plot, plot.caliper_b, float(p2.x_of(tb, plot.speed)), p2.baseline + 2.0)
    r = plot.caliper_reading()
    assert r["dt_ms"] == pytest.approx(1000.0) and r["rate_bpm"] == pytest.approx(60.0)
    assert r["dmv"] == pytest.approx(truth[1, 1] - truth[0, 0], abs=2e-3)   # II's R (1.5x) minus I's (0.7x)
    assert (r["lead"], r["lead_b"]) == ("I", "II")
    assert "Calipers (I to II): 1000 ms, 60 bpm" in window.viewer.caliper_label.text()


def test_calipers_keep_their_two_points_when_speed_gain_or_layout_change(qtbot, tmp_path):
    """Markers on two R waves of lead II 1 s apart read 1000 ms. At 50 mm/s they stayed where they
    were on the paper (now 500 ms apart, the label still saying 1000 ms); after Ctrl+1 (12x1) the
    label named lead I and the markers were off screen. They now follow their two points."""
    window = shown_window(qtbot)
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(write_known_record(tmp_path))
    plot, viewer = window.viewer.plot, window.viewer
    viewer.caliper_btn.setChecked(True)
    ta, tb = 0.5, 1.5
    truth = known_signal(np.array([ta, tb]))[1]
    panel = next(p for p in plot.panels() if STANDARD_LEADS[p.lead] == "II" and not p.rhythm)
    let_go(plot, plot.caliper_a, float(panel.x_of(ta, plot.speed)), panel.baseline)
    let_go(plot, plot.caliper_b, float(panel.x_of(tb, plot.speed)), panel.baseline)

    def check():
        r = plot.caliper_reading()
        assert r["dt_ms"] == pytest.approx(1000.0) and (r["lead"], r["lead_b"]) == ("II", "II")
        assert r["dmv"] == pytest.approx(truth[1] - truth[0], abs=2e-3)
        assert "(II): 1000 ms, 60 bpm" in viewer.caliper_label.text()
        for item, t in ((plot.caliper_a, ta), (plot.caliper_b, tb)):
            p = next(q for q in plot.panels() if q.contains(item.pos().x(), item.pos().y(), plot.speed))
            assert p.t_of(item.pos().x(), plot.speed) == pytest.approx(t)

    check()
    viewer.speed.setCurrentText("50 mm/s")
    check()
    viewer.gain.setCurrentText("20 mm/mV")
    check()
    viewer.layout_box.setCurrentText("12x1")
    check()
    viewer.layout_box.setCurrentText("6x2")
    check()


def test_the_trace_view_is_drawn_true_again_on_another_screen(qtbot, tmp_path):
    """The scale followed the physical DPI only on a resize or zoom: a window dragged onto a
    monitor of another DPI kept the first screen's millimetres while the label said "true scale".
    A screen change (here: the window's screenChanged, with the DPI that screen reports) now
    redraws 10 mm/mV as 10 mm of that glass."""
    window = shown_window(qtbot)
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(write_known_record(tmp_path))
    plot = window.viewer.plot
    plot.reset_scale()

    def px_per_mv():
        a, b = plot.vb.mapViewToDevice(QPointF(0.0, 0.0)), plot.vb.mapViewToDevice(QPointF(0.0, plot.gain))
        return abs(a.y() - b.y())

    handle = window.windowHandle()
    assert px_per_mv() == pytest.approx(10 * window.screen().physicalDotsPerInch() / 25.4, rel=1e-3)
    plot._dpi_override = 150.0          # what the other monitor reports (no real second screen offscreen)
    handle.screenChanged.emit(handle.screen())
    assert px_per_mv() == pytest.approx(10 * 150.0 / 25.4, rel=1e-3)
    assert "(true scale)" in window.viewer.scale_label.text()


def _window_peak_mv(view, lead: str) -> float:
    """The drawn median beat's highest point above its cell's baseline, in mV (sheet mm / gain)."""
    cell = next(c for c in view.cells if c.lead == lead)
    y = np.asarray(view.curves[lead].yData, float)
    return float(np.nanmax(y) - cell.baseline) / view.gain


def test_median_beats_open_in_a_window_of_their_own_that_follows_the_record(qtbot, tmp_path):
    """In the tab under the traces the median beats are drawn at about a quarter of true size on a
    1280x800 screen: too small to read a J point. Ctrl+Shift+M (View > Median beats in a window, or
    the tab's button, or a double-click on the sheet) opens them in a window of their own, drawn
    larger, naming the record; another record opened replaces them (never the earlier patient's
    beats beside the new patient's line), a record that fails to open empties them. Truth: the
    written records' R waves, 1.5 mV in lead II, then half that in the second record."""
    import wfdb

    window = shown_window(qtbot)
    open_measured(qtbot, window, write_known_record(tmp_path))
    window.tabs.setCurrentWidget(window.median_beats)
    tab = window.median_beats
    qtbot.waitUntil(lambda: tab.vb.width() > 50, timeout=WAIT_MS)
    press(qtbot, window, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    pop = window.median_window
    assert pop is not None and pop.isVisible(), "Ctrl+Shift+M opened no window"
    beats = pop.beats
    qtbot.waitUntil(lambda: beats.vb.width() > 50 and beats.view is not None, timeout=WAIT_MS)
    qtbot.wait(50)
    assert "rr1000" in pop.windowTitle() and "rr1000" in pop.patient_line.patient_text
    assert beats.screen_zoom() > 1.5 * tab.screen_zoom(), "the window draws the sheet no larger than the tab"
    assert "to fit the window" in beats.note.text()
    assert beats.mark_positions() == tab.mark_positions() and beats.mark_positions()
    first = _window_peak_mv(beats, "II")
    assert first == pytest.approx(1.5, abs=0.25)

    # a second patient: half the amplitude everywhere
    t = np.arange(10 * FS) / FS
    wfdb.wrsamp("half", fs=FS, units=["mV"] * 12, sig_name=list(STANDARD_LEADS), p_signal=0.5 * known_signal(t).T,
                fmt=["16"] * 12, adc_gain=[1000.0] * 12, baseline=[0] * 12, write_dir=str(tmp_path))
    open_measured(qtbot, window, tmp_path / "half.hea")
    qtbot.waitUntil(lambda: beats.view is not None, timeout=WAIT_MS)
    assert "half" in pop.windowTitle() and "rr1000" not in pop.windowTitle()
    assert "half" in pop.patient_line.patient_text and "rr1000" not in pop.patient_line.patient_text
    assert _window_peak_mv(beats, "II") / first == pytest.approx(0.5, abs=0.03)

    # a file that cannot be read: no beats and no record named
    bad = tmp_path / "broken.hea"
    bad.write_text("this is not a wfdb header\n")
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(bad)
    assert beats.view is None and not len(beats.curves["II"].yData if beats.curves["II"].yData is not None else [])
    assert "half" not in pop.windowTitle() and "half" not in pop.patient_line.patient_text
    # with no record there is nothing to enlarge; with one, the tab's button opens the same window
    pop.close()
    assert not tab.enlarge_btn.isEnabled() and not window.median_window_action.isEnabled()
    open_measured(qtbot, window, tmp_path / "half.hea")
    tab.enlarge_btn.click()
    assert window.median_window is pop and pop.isVisible() and "half" in pop.windowTitle()


def test_the_median_beats_window_closes_from_the_keyboard(qtbot, tmp_path):
    """The median beats window (Ctrl+Shift+M) had no key to close it: Esc did nothing there (checked on
    an X display), and a reader without a mouse had it over the main window. Esc and Ctrl+W close it,
    as Help > Keyboard shortcuts says; Ctrl+Shift+M opens it again."""
    from app.dialogs.shortcuts import shortcuts_html

    window = shown_window(qtbot)
    open_measured(qtbot, window, write_known_record(tmp_path))
    mods = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    for key, modifier in ((Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
                          (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)):
        press(qtbot, window, Qt.Key.Key_M, mods)
        pop = window.median_window
        assert pop is not None and pop.isVisible()
        pop.activateWindow()
        qtbot.waitUntil(pop.isActiveWindow, timeout=WAIT_MS)
        qtbot.keyClick(pop.beats, key, modifier)
        assert not pop.isVisible(), f"{key} left the median beats window open"
    assert "close the median beats window" in shortcuts_html(window.menuBar())


def test_the_fiducial_dot_is_named_for_what_it_marks_in_a_negative_qrs(qtbot, tmp_path):
    """The orange dot is each lead's largest QRS deflection: in aVR of the written record (-(I + II) / 2
    of an upright R) that is the negative nadir, and on LUDB 1 it sat under V1-V3's rS complexes (checked
    on an X display), where the legend called it "R peak". It is named "QRS peak", its tooltip says so."""
    window = shown_window(qtbot)
    open_measured(qtbot, window, write_known_record(tmp_path))
    plot, viewer = window.viewer.plot, window.viewer
    viewer.fid_box.setChecked(True)
    avr = next(p for p in plot.panels() if STANDARD_LEADS[p.lead] == "aVR" and not p.rhythm)
    dots = [(x, y) for x, y, kind in plot.fiducial_points() if kind == "r_peak" and avr.contains(x, y, plot.speed)]
    assert dots
    truth = -(LIMB["I"] + LIMB["II"]) / 2                  # aVR's R-time value, mV: the record's formula
    for x, y in dots:
        assert float(avr.mv_of(y, plot.gain)) == pytest.approx(truth, abs=0.02)   # below the baseline
    legend = viewer.fid_legend.text()
    assert "QRS peak" in legend and "R peak" not in legend
    assert "largest QRS deflection" in viewer.fid_legend.toolTip()
