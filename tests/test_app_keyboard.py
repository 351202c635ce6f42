"""MIRAGE Review driven as a cardiologist drives it: by the keyboard, with a folder open before any
record is chosen, and on a laptop-sized window.

Truth comes from outside the app: a synthetic record whose R waves stand exactly 800 ms apart
(75 bpm) with 1.00 mV R waves, the screen's physical DPI for the drawn scale, and the widgets'
own enabled state walked over the whole window (so a control added later is checked too).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import QPointF, Qt  # noqa: E402
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit, QSlider  # noqa: E402

from helpers_app import (WAIT_MS, isolated_settings, shown_window, tiny_model,  # noqa: E402,F401 - fixtures
                         with_a_header)
from mirage_model.paths import resources_dir  # noqa: E402

LUDB = resources_dir() / "samples" / "ludb"
needs_ludb = pytest.mark.skipif(not (LUDB / "1.hea").is_file(), reason="bundled LUDB samples not present")

FS = 500
RR_S = 0.8                 # R to R: 800 ms, 75 bpm
R_MV = 1.0                 # R wave height over a flat baseline
FIRST_R_S = 0.5


def write_rr_record(folder: Path, name: str = "rr800", seconds: float = 10.0) -> Path:
    """A 12-lead WFDB record at 500 Hz: flat 0 mV with a 1.00 mV R wave (a 20 ms triangle peaking on
    a sample) every 800 ms from 0.5 s, in every lead."""
    import wfdb

    n = int(seconds * FS)
    sig = np.zeros((n, 12))
    half = 5                                       # samples each side of the peak
    ramp = R_MV * (1.0 - np.abs(np.arange(-half, half + 1)) / (half + 1))
    for t in np.arange(FIRST_R_S, seconds - 0.1, RR_S):
        s = int(round(t * FS))
        sig[s - half:s + half + 1, :] = ramp[:, None]
    names = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]
    folder.mkdir(parents=True, exist_ok=True)
    wfdb.wrsamp(name, fs=FS, units=["mV"] * 12, sig_name=names, p_signal=sig, fmt=["16"] * 12,
                adc_gain=[1000.0] * 12, baseline=[0] * 12, write_dir=str(folder))
    return folder / f"{name}.hea"


def open_and_wait(qtbot, window, path):
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(path)
    return window.record


# ---------------------------------------------------------------------------------------------
# every control that needs a record is greyed out while none is on screen

# menu commands that need no record: opening, folders, settings, the model, help, the dock
NEED_NO_RECORD = {"Open record", "Open folder", "Open recent", "Clear list", "Next record in folder",
                  "Previous record in folder", "Batch score folder", "Settings", "Quit", "Cancel running work",
                  "Choose model", "Keyboard shortcuts", "About MIRAGE Review", "Folder", "No model loaded",
                  "Open labs table", "Close labs table",      # a labs table is for the records opened after it
                  "Where over-reads are kept",
                  "Panels under the traces"}      # the window's layout: hidden or shown before any record too


def _record_widgets(window):
    """Every input widget (buttons, boxes, lists, fields, sliders) of the parts of the window that
    show a record."""
    out = []
    for part in (window.viewer, window.image_view, window.lab_form, window.heatmaps):
        for kind in (QAbstractButton, QComboBox, QLineEdit, QSlider):
            out += [w for w in part.findChildren(kind) if w.isVisibleTo(window)
                    and not isinstance(w.parent(), QComboBox)]     # a combo box's own line edit
    return out


def _menu_actions(window):
    out = []

    def walk(menu):
        for a in menu.actions():
            if a.menu() is window.recent_menu:      # opens a record: needs none
                continue
            if a.menu() is not None:
                walk(a.menu())
            elif not a.isSeparator() and a.text():
                out.append(a)

    for a in window.menuBar().actions():
        walk(a.menu())
    return out


def _offered(window) -> list[str]:
    """What a user could still press that acts on a record: enabled record widgets and menu commands."""
    names = [f"{type(w).__name__} {getattr(w, 'text', lambda: '')() or w.toolTip()}"
             for w in _record_widgets(window) if w.isEnabled()]
    names += [a.text() for a in _menu_actions(window)
              if a.isEnabled() and a.text().replace("&", "").rstrip(".") not in NEED_NO_RECORD
              and "(" not in a.text()]          # shipped models: "default (NORM, MI ...)"
    return names


@needs_ludb
def test_with_a_folder_open_and_no_record_chosen_nothing_that_needs_a_record_is_offered(qtbot, tmp_path,
                                                                                     tiny_model):
    """The Page box ("0 s"), speed, gain, calipers, filters, Export, Save as, Run model, the lab form
    ... were all live with a folder listed and no record chosen: values typed went to no patient and
    were gone when one opened. All are greyed out until a record is on screen, offered again when
    one is, and greyed out again when the next file cannot be opened."""
    window = shown_window(qtbot, tiny_model)
    window.open_folder(LUDB)
    qtbot.waitUntil(lambda: window.browser.worker is None, timeout=WAIT_MS)
    assert window.browser.paths and window.record is None
    assert len(_record_widgets(window)) >= 12        # the walk found the trace toolbar and the lab form
    assert _offered(window) == []
    assert not window.viewer.page.isEnabled() and not window.run_action.isEnabled()
    assert not window.results.run_btn.isEnabled()

    long = write_rr_record(tmp_path / "long", seconds=25.0)      # three pages: the page box is a choice
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(long)
    overlay = window.image_view.current_saliency()[0] is not None
    for w in _record_widgets(window):
        if w is window.image_view.opacity:          # it sets the saliency overlay's opacity: live with one
            assert w.isEnabled() == overlay
            continue
        assert w.isEnabled(), f"{type(w).__name__} {w.toolTip()} is greyed out with a record on screen"
    assert window.viewer.page.isEnabled() and window.viewer.page.count() == 3
    assert window.run_action.isEnabled() and window.results.run_btn.isEnabled()
    assert window.export_action.isEnabled() and window.calipers_action.isEnabled()

    bad = tmp_path / "bad.hea"
    bad.write_text("not a header\n")
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(bad)
    assert window.record is None
    assert _offered(window) == []


# ---------------------------------------------------------------------------------------------
# calipers by keyboard


def _marker(plot, item):
    """(lead, t s, mV) of a caliper marker, read off the paper independently of the readout."""
    pos = item.pos()
    panel = next(p for p in plot.panels() if p.contains(pos.x(), pos.y(), plot.speed))
    return panel.lead, float(panel.t_of(pos.x(), plot.speed)), float(panel.mv_of(pos.y(), plot.gain))


def _key(qtbot, widget, key, shift=False, times=1):
    mods = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
    for _ in range(times):
        qtbot.keyClick(widget, key, mods)


def test_calipers_move_by_keyboard_and_read_the_known_intervals(qtbot, tmp_path):
    """Calipers could only be dragged with the mouse. With the trace view focused, the arrow keys
    move the selected marker (one sample; Shift: one large box), Up/Down its level, Tab selects the
    other marker and then leaves the view. Truth: the record's R waves stand exactly 800 ms apart
    (75 bpm) and are 1.00 mV tall."""
    from app.dialogs.shortcuts import shortcuts_html

    window = shown_window(qtbot)
    open_and_wait(qtbot, window, write_rr_record(tmp_path))
    plot, viewer = window.viewer.plot, window.viewer
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)      # View > Calipers
    assert plot.calipers_visible() and plot.hasFocus()
    assert _marker(plot, plot.caliper_a)[1] == pytest.approx(0.2)                 # where they start

    # first marker: Shift+Right one large box (200 ms at 25 mm/s), then 50 samples (100 ms at 500 Hz)
    _key(qtbot, plot, Qt.Key.Key_Right, shift=True)
    assert _marker(plot, plot.caliper_a)[1] == pytest.approx(0.4)
    _key(qtbot, plot, Qt.Key.Key_Right, times=50)
    lead, t, mv = _marker(plot, plot.caliper_a)
    assert (lead, t, mv) == (0, pytest.approx(FIRST_R_S), pytest.approx(R_MV, abs=1e-6))   # on the R peak

    # Tab: the second marker (the focus stays); put it on the next R peak
    _key(qtbot, plot, Qt.Key.Key_Tab)
    assert plot.hasFocus() and plot.selected_caliper == 1
    t_b = _marker(plot, plot.caliper_b)[1]
    _key(qtbot, plot, Qt.Key.Key_Right, times=int(round((FIRST_R_S + RR_S - t_b) * FS)))
    _key(qtbot, plot, Qt.Key.Key_Down, shift=True, times=2)      # 2 large boxes: 1.00 mV lower
    _key(qtbot, plot, Qt.Key.Key_Up, times=20)                   # 20 x 0.05 mV: back up 1.00 mV
    assert _marker(plot, plot.caliper_b)[1] == pytest.approx(FIRST_R_S + RR_S)
    r = plot.caliper_reading()
    assert r["dt_ms"] == pytest.approx(800.0) and r["rate_bpm"] == pytest.approx(75.0)
    assert r["dmv"] == pytest.approx(0.0, abs=1e-6)
    assert "800 ms, 75 bpm, +0.00 mV" in viewer.caliper_label.text()
    assert "800 ms  75 bpm" in plot.caliper_text.textItem.toPlainText()     # the readout on the paper

    # the R wave's height: the second marker down to the baseline, two large boxes at 10 mm/mV
    _key(qtbot, plot, Qt.Key.Key_Down, shift=True, times=2)
    assert plot.caliper_reading()["dmv"] == pytest.approx(-R_MV)
    assert "-1.00 mV" in viewer.caliper_label.text()

    # Shift+Tab: the first marker again; 10 samples left it follows the trace down to the baseline
    _key(qtbot, plot, Qt.Key.Key_Backtab, shift=True)
    assert plot.selected_caliper == 0
    _key(qtbot, plot, Qt.Key.Key_Left, times=10)
    assert _marker(plot, plot.caliper_a)[2] == pytest.approx(0.0, abs=1e-6)
    r = plot.caliper_reading()
    assert r["dt_ms"] == pytest.approx(820.0) and r["rate_bpm"] == pytest.approx(60000 / 820)
    assert "820 ms, 73 bpm, +0.00 mV" in viewer.caliper_label.text()

    # at 50 mm/s a large box is 100 ms, and the markers keep their times
    viewer.speed.setCurrentText("50 mm/s")
    assert plot.caliper_reading()["dt_ms"] == pytest.approx(820.0)
    plot.setFocus()
    _key(qtbot, plot, Qt.Key.Key_Right, shift=True)
    assert plot.caliper_reading()["dt_ms"] == pytest.approx(720.0)

    # Tab past the second marker leaves the trace view: no keyboard trap
    plot.select_caliper(1)
    _key(qtbot, plot, Qt.Key.Key_Tab)
    assert not plot.hasFocus()

    text = shortcuts_html(window.menuBar())
    for keys in ("Shift+Left / Shift+Right", "Up / Down", "one sample", "select the other marker"):
        assert keys in text


# ---------------------------------------------------------------------------------------------
# the fitted page on a laptop screen


def _drawn_px(plot, mm: float, axis: str) -> float:
    """Pixels that ``mm`` of paper span on the screen along x or y, read from the view's mapping."""
    a = plot.vb.mapViewToDevice(QPointF(0.0, 0.0))
    b = plot.vb.mapViewToDevice(QPointF(mm, 0.0) if axis == "x" else QPointF(0.0, mm))
    return abs(b.x() - a.x()) if axis == "x" else abs(b.y() - a.y())


def test_on_a_1280x800_screen_the_fitted_page_uses_the_trace_view_and_says_its_scale(qtbot, tmp_path):
    """At 1280x800 the fitted 3x4 page filled 64 % of the trace view's width (grey glass beside it):
    the page is about twice as wide as tall and the row below the traces (held 270 px tall by the
    median-beats tab's minimum) left the traces 328 px of height. That row now gives way on a short
    screen; the page fits about 3/4 of the width, and stays fitted when the window is resized. (More than 75 %
    until the overlays' legend kept its line under the traces from the start: it took that line once a
    model's result came, and the fitted page shrank then, to 74.6 %.)
    Truth: the screen's physical DPI and the paper's millimetres mapped to pixels; true scale is
    still exactly 1 mm of paper to 1 mm of glass."""
    from app.main_window import MainWindow
    from app.settings import Settings

    window = MainWindow(Settings())
    qtbot.addWidget(window)
    window.fit_to_screen(restore=False)
    if not window.fit_page_on_open:
        pytest.skip("this screen is tall enough to open records at true scale")
    window.resize(1280, 800)
    window.show()
    open_and_wait(qtbot, window, write_rr_record(tmp_path))
    plot, viewer = window.viewer.plot, window.viewer
    qtbot.waitUntil(lambda: plot.zoom < 1.0, timeout=5000)                  # opened fitted
    px_per_mm = window.screen().physicalDotsPerInch() / 25.4

    def check_fitted():
        page_w = _drawn_px(plot, plot.paper.width, "x")
        page_h = _drawn_px(plot, plot.paper.height, "y")
        view_w, view_h = plot.viewport().width(), plot.viewport().height()
        assert page_w <= view_w and page_h <= view_h                      # the whole page is in view
        assert max(page_w / view_w, page_h / view_h) > 0.95               # and touches one side
        zoom = _drawn_px(plot, 10.0, "x") / 10.0 / px_per_mm               # the drawn scale, measured
        assert _drawn_px(plot, 10.0, "y") / 10.0 / px_per_mm == pytest.approx(zoom, rel=1e-3)  # aspect kept
        text = viewer.scale_label.text()
        assert f"zoom {zoom:.2f}x" in text and f"{25 * zoom:.3g} mm/s, {10 * zoom:.3g} mm/mV on screen" in text
        return page_w / view_w

    assert check_fitted() > 0.74
    assert window.measure_panel.isVisible() and window.measure_panel.height() >= 150   # still readable
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: plot.viewport().width() < 900, timeout=5000)
    qtbot.wait(50)
    check_fitted()
    window.resize(1280, 800)
    qtbot.wait(50)
    check_fitted()
    viewer.reset_btn.click()                                             # true scale is still exact
    assert _drawn_px(plot, 10.0, "x") == pytest.approx(10 * px_per_mm, rel=1e-3)
    assert _drawn_px(plot, 10.0, "y") == pytest.approx(10 * px_per_mm, rel=1e-3)
    assert "(true scale)" in viewer.scale_label.text()


# ---------------------------------------------------------------------------------------------
# keyboard only: the record list, Tab through the window, the lab form


def _tab_walk(qtbot, start, presses: int, backwards: bool = False) -> list:
    """The widgets the focus visits from ``start`` over ``presses`` Tab (or Shift+Tab) presses."""
    from PySide6.QtWidgets import QApplication

    start.setFocus(Qt.FocusReason.TabFocusReason)
    seen = []
    for _ in range(presses):
        w = QApplication.focusWidget()
        seen.append(w)
        if backwards:
            qtbot.keyClick(w, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
        else:
            qtbot.keyClick(w, Qt.Key.Key_Tab)
    return seen


@needs_ludb
def test_keyboard_alone_opens_a_record_and_tabs_through_the_whole_window_in_reading_order(qtbot, tiny_model):
    """Tab in the folder's record list walked its cells (Record, Age, Sex, ...) and never left the
    list, so a keyboard user could not reach the traces, the result or the lab form; and the lab
    form's fields, made after the rest, came first after the list. Now Up/Down and Enter open a
    record, Tab leaves the list, and Tab walks the window as it reads (trace controls, traces, result, its over-read,
    measurements, tabs, every lab field, the model image beside them) back to the list, Shift+Tab the reverse.
    A lab value typed and Enter re-runs the model."""
    window = shown_window(qtbot, tiny_model)
    window.open_folder(LUDB)
    qtbot.waitUntil(lambda: window.browser.worker is None, timeout=WAIT_MS)
    table = window.browser.table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Down)
    qtbot.keyClick(table, Qt.Key.Key_Down)
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert window.record_path.name == window.browser.paths[table.currentRow()].name

    v, lab = window.viewer, window.lab_form
    fields = [w for row in lab._rows.values() for w in (row.editor, row.unit) if w is not None]
    overread = window.results.interpretation.overread
    qtbot.waitUntil(lambda: overread._row_buttons(0)[0].isVisible())       # the record's rows, shown (queued)
    walk = _tab_walk(qtbot, table, 120)
    back = walk.index(table, 1)                                  # the list comes round again
    ring = walk[:back]
    assert len(set(map(id, ring))) == len(ring)                  # every stop once: no loop, no trap
    image = window.image_view
    controls = [image.show_box, image.method, image.opacity]
    # the over-read's controls after the statements, before the measurements: made for this record (after the
    # window's own), Qt had put them at the chain's end, after the model image's
    confirm, strike = overread._row_buttons(0)
    order = [table, v.reset_btn, v.speed, v.caliper_btn, v.overlay_btn, v.plot, window.results_scroll,
             overread.add_button, overread.sign_button, confirm, strike, overread.comment,
             window.results.run_btn, window.measure_panel.table, window.tabs.tabBar(), fields[0], fields[-1],
             image.show_box]
    at = [ring.index(w) for w in order]                          # each one is reached ...
    assert at == sorted(at)                                      # ... in reading order
    assert ring[ring.index(window.results_scroll) + 1:ring.index(overread.comment) + 1] == overread.controls()
    # the lab form row by row, then the model image's controls beside it, last
    assert ring[-len(fields) - len(controls):] == fields + controls
    assert walk[back + 1] is v.reset_btn
    rev = _tab_walk(qtbot, table, len(ring) + 1, backwards=True)
    assert rev[1:len(ring)] == ring[:0:-1] and rev[len(ring)] is table

    height = lab._rows["height"].editor
    height.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClicks(height, "172")
    with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS):
        qtbot.keyClick(height, Qt.Key.Key_Return)
    assert window.session.values["height"].canonical == pytest.approx(172.0)   # cm
    assert window.session.values["height"].source == "user"


@needs_ludb
def test_the_overlay_legend_takes_one_line_of_a_small_window(qtbot, tiny_model):
    """At 1024x700 the legend under the traces (what the orange bars and the purple shading are, and
    the methods) wrapped to three lines of the trace view's height. It is one line, cut with "..."
    where it does not fit, and the whole legend with the methods is its tooltip."""
    window = shown_window(qtbot, tiny_model, size=(1024, 700))
    with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS):
        window.open_record(LUDB / "1.hea")
    label = window.viewer.overlay_label
    qtbot.waitUntil(label.isVisible, timeout=5000)
    qtbot.wait(50)
    line = label.fontMetrics().lineSpacing()
    assert label.height() < 1.8 * line                              # one line
    assert label.text().startswith("orange bar + %: lead importance")
    assert label.fontMetrics().horizontalAdvance(label.text()) <= label.width()   # no text beyond the edge
    tip = label.toolTip()
    assert "purple shading: saliency in time" in tip and "gradient" in tip and "rollout" in tip


@needs_ludb
def test_on_a_short_screen_the_result_shows_before_the_models_provenance(qtbot, tiny_model):
    """The result panel opened with the model's name, training data and scoring (five to eight small
    lines) and only then the interpretation and the class probabilities, so on a 1280x800 screen the
    probabilities were below the panel's fold. The interpretation and the probabilities now come
    first and the model's provenance under them."""
    from PySide6.QtCore import QPoint

    from app.main_window import MainWindow
    from app.settings import Settings

    settings = Settings()
    settings.model_path = ""
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.fit_to_screen(restore=False)
    window.resize(1280, 800)
    window.show()
    window.load_model(str(tiny_model))
    qtbot.waitUntil(lambda: window.model_worker is None, timeout=WAIT_MS)
    with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS):
        window.open_record(LUDB / "1.hea")
    qtbot.wait(50)
    view = window.results_scroll.viewport()

    def top(w):
        return w.mapTo(view, QPoint(0, 0)).y()

    bars = window.results.bars
    assert bars.isVisible() and top(bars) + 20 < view.height()        # the probabilities are in view
    assert top(window.results.interpretation) < top(bars) < top(window.results.model_label)


def _batch_running(qtbot, tmp_path):
    """(window, batch dialog, its worker) once a batch over ``tmp_path`` (its ``score_folder`` the test's) has
    scored its first record."""
    with_a_header(tmp_path)
    window = shown_window(qtbot)
    dlg = window.batch_dialog_open()
    dlg.predictor = object()
    dlg.folder.setText(str(tmp_path))
    dlg.output.setText(str(tmp_path / "scores.csv"))
    worker = dlg.start()
    assert worker is not None
    qtbot.waitUntil(lambda: dlg.table.rowCount() == 1, timeout=WAIT_MS)
    return window, dlg, worker


def test_esc_in_the_main_window_leaves_a_batch_run_going(qtbot, tmp_path, monkeypatch):
    """Esc in the main window (a measurement selected, a real X window) stopped the batch scoring a
    folder in the window beside it: "Cancelled after 11 records" of 13. Esc cancels the window's own
    work (loading, inference, listing); the batch has its own Cancel, and closing the window still
    stops it. Truth: the rows the stand-in batch handed on, and whether it saw its cancel flag."""
    import threading

    from mirage_model.review import batch

    pressed, seen = threading.Event(), {}

    def fake_score_folder(folder, predictor, out_path, progress=None, cancel=None, **kwargs):
        for i in range(3):
            if i == 1:
                pressed.wait(WAIT_MS / 1000)        # the second record once Esc was pressed
            if cancel():
                seen["cancelled_at"] = i
                break
            progress(i + 1, 3, {"record_id": f"r{i}", "record_path": f"r{i}.hea", "status": "ok"})
        return {"n_scored": i + 1}

    monkeypatch.setattr(batch, "score_folder", fake_score_folder, raising=False)
    window, dlg, worker = _batch_running(qtbot, tmp_path)
    try:
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
        window.measure_panel.table.setFocus()
        qtbot.keyClick(window.measure_panel.table, Qt.Key.Key_Escape)
        # Esc reached the window's Cancel running work, which has nothing of its own to stop
        assert window.status_label.text().startswith("Nothing to cancel here: the batch run goes on")
    finally:
        pressed.set()
    qtbot.waitUntil(lambda: dlg.worker is None, timeout=WAIT_MS)
    assert not worker.is_cancelled and "cancelled_at" not in seen
    assert dlg.table.rowCount() == 3


def test_esc_in_the_main_window_after_the_batch_was_cancelled_has_nothing_to_cancel(qtbot, tmp_path, monkeypatch):
    """A batch cancelled in its window (finishing its current record) is not a batch that "goes on": Esc
    in the main window said "the batch run goes on (its window's Cancel stops it)" of a run already
    stopping, as quitting does not ("batch scoring is running" is not asked of a cancelled run)."""
    import threading

    from mirage_model.review import batch

    pressed = threading.Event()

    def held_score_folder(folder, predictor, out_path, progress=None, cancel=None, **kwargs):
        progress(1, 3, {"record_id": "r0", "record_path": "r0.hea", "status": "ok"})
        pressed.wait(WAIT_MS / 1000)           # the current record, until Esc was pressed
        return {"n_scored": 1}

    monkeypatch.setattr(batch, "score_folder", held_score_folder, raising=False)
    window, dlg, worker = _batch_running(qtbot, tmp_path)
    try:
        dlg.cancel_btn.click()                 # the batch window's Cancel: stops after the current record
        assert worker.is_cancelled and dlg.worker is worker
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
        window.measure_panel.table.setFocus()
        qtbot.keyClick(window.measure_panel.table, Qt.Key.Key_Escape)
        assert window.status_label.text() == "Nothing to cancel."
        assert window.unfinished_work() == []
    finally:
        pressed.set()
    qtbot.waitUntil(lambda: dlg.worker is None, timeout=WAIT_MS)
