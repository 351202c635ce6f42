"""MIRAGE Review's window, driven through its real widgets with pytest-qt (offscreen).

Truth comes from outside the app: wfdb's own reader for the plotted samples, the screen's
physical DPI for the scale, pypdf for the exported report, the QTc formulas for edited values.
QSettings are isolated in tmp_path.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import QPointF, QSettings, Qt  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402

from app import jobs, workers  # noqa: E402
from helpers_app import isolated_settings, tiny_model, two_record_folder, with_a_header  # noqa: E402,F401 - fixtures
from helpers_batch import run_batch_dialog  # noqa: E402
from app.dialogs.about import about_text  # noqa: E402
from app.main_window import MainWindow  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.views.paper import GAINS, SPEEDS  # noqa: E402
from mirage_model import RESEARCH_USE_NOTICE  # noqa: E402
from mirage_model.paths import resources_dir  # noqa: E402

SAMPLE = resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr.hea"
SAMPLE_MI = resources_dir() / "samples" / "ptbxl" / "records100" / "11000" / "11125_lr.hea"
needs_sample = pytest.mark.skipif(not SAMPLE.is_file(), reason="bundled sample records not present")
WAIT_MS = 60000
LAB_WAIT_MS = 1500      # past the lab form's debounce (LAB_DEBOUNCE_MS) with room to spare


def make_window(qtbot, model: str | None = None, load_model: bool = True) -> MainWindow:
    settings = Settings()
    settings.model_path = ""
    window = MainWindow(settings, model_path=model)
    window.resize(1400, 900)
    qtbot.addWidget(window)
    window.show()
    if load_model:
        if model is None:
            window.load_model()
        else:
            window.load_model(model)
            qtbot.waitUntil(lambda: window.model_worker is None, timeout=WAIT_MS)
    return window


def open_and_wait(qtbot, window: MainWindow, path, analysis: bool = False):
    if analysis:
        with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
            window.open_record(path)
    else:
        with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
            window.open_record(path)
    return window.record


def wfdb_signal(hea: Path) -> np.ndarray:
    """(12, T) mV in standard lead order, read by wfdb itself."""
    import wfdb

    rec = wfdb.rdrecord(str(hea.with_suffix("")))
    order = [name.upper() for name in rec.sig_name]
    std = ["I", "II", "III", "AVR", "AVL", "AVF", "V1", "V2", "V3", "V4", "V5", "V6"]
    return np.stack([rec.p_signal[:, order.index(n)] for n in std]).astype(np.float64)


# ---------------------------------------------------------------------------------------------
# traces


@needs_sample
def test_plotted_curves_are_the_record(qtbot):
    window = make_window(qtbot)
    window.viewer.layout_box.setCurrentText("12x1")
    open_and_wait(qtbot, window, SAMPLE)
    truth = wfdb_signal(SAMPLE)
    plot = window.viewer.plot
    panels = plot.panel_curves()
    assert len(panels) == 12
    for panel, curve in panels:
        x, y = curve.xData, curve.yData          # paper mm, as plotted
        mv = panel.mv_of(y, plot.gain)
        t = panel.t_of(x, plot.speed)
        np.testing.assert_allclose(mv, truth[panel.lead], atol=1e-4)
        np.testing.assert_allclose(t, np.arange(truth.shape[1]) / 100.0, atol=1e-9)
    assert "00417_lr" in window.windowTitle()


@needs_sample
def test_3x4_layout_columns_and_rhythm_strip(qtbot):
    window = make_window(qtbot)
    window.viewer.layout_box.setCurrentText("3x4")
    open_and_wait(qtbot, window, SAMPLE)
    truth = wfdb_signal(SAMPLE)
    plot = window.viewer.plot
    panels = plot.panel_curves()
    assert len(panels) == 13
    rhythm = [p for p, _ in panels if p.rhythm]
    assert len(rhythm) == 1 and rhythm[0].lead == 1 and rhythm[0].t1 - rhythm[0].t0 == pytest.approx(10.0)
    spans = sorted({(round(p.t0, 3), round(p.t1, 3)) for p, _ in panels if not p.rhythm})
    assert spans == [(0.0, 2.5), (2.5, 5.0), (5.0, 7.5), (7.5, 10.0)]
    # the same page as the model's image and the PDF: each lead in the same row, column and time span
    from mirage_model.render import make_layout
    page = make_layout(224, 224)
    screen = {p.lead: p for p, _ in panels if not p.rhythm}
    rows = sorted({p.baseline for p in screen.values()}, reverse=True)     # y up: first row on top
    cols = sorted({p.x0 for p in screen.values()})
    for ref in page.panels[:12]:
        p = screen[ref.lead]
        assert (p.t0, p.t1) == pytest.approx((ref.t0, ref.t1))
        assert rows.index(p.baseline) == int(ref.y0 // 56) and cols.index(p.x0) == int(ref.x0 // 56)
    for panel, curve in panels:
        t = panel.t_of(curve.xData, plot.speed)
        idx = np.round(t * 100).astype(int)
        np.testing.assert_allclose(panel.mv_of(curve.yData, plot.gain), truth[panel.lead, idx], atol=1e-4)


def _px_per_mv(plot) -> float:
    panel = plot.panels()[0]
    x = panel.x0 + 10.0
    a = plot.vb.mapViewToDevice(QPointF(x, panel.y_of(0.0, plot.gain)))
    b = plot.vb.mapViewToDevice(QPointF(x, panel.y_of(1.0, plot.gain)))
    return abs(a.y() - b.y())


def _px_per_s(plot) -> float:
    panel = plot.panels()[0]
    a = plot.vb.mapViewToDevice(QPointF(panel.x_of(panel.t0, plot.speed), panel.baseline))
    b = plot.vb.mapViewToDevice(QPointF(panel.x_of(panel.t0 + 1.0, plot.speed), panel.baseline))
    return abs(b.x() - a.x())


@needs_sample
def test_gain_and_speed_are_true_physical_scale(qtbot):
    window = make_window(qtbot)
    open_and_wait(qtbot, window, SAMPLE)
    plot = window.viewer.plot
    px_per_mm = window.screen().physicalDotsPerInch() / 25.4
    for i, gain in enumerate(GAINS):
        window.viewer.gain.setCurrentIndex(i)
        assert _px_per_mv(plot) == pytest.approx(gain * px_per_mm, rel=1e-3)
    for i, speed in enumerate(SPEEDS):
        window.viewer.speed.setCurrentIndex(i)
        assert _px_per_s(plot) == pytest.approx(speed * px_per_mm, rel=1e-3)
    assert "(true scale)" in window.viewer.scale_label.text()

    # still true after a resize
    window.viewer.gain.setCurrentText("10 mm/mV")
    window.resize(900, 700)
    qtbot.waitUntil(lambda: abs(plot.vb.width() - plot.width()) < 2)
    assert _px_per_mv(plot) == pytest.approx(10 * px_per_mm, rel=1e-3)

    # zoom changes the label honestly, reset restores true scale
    plot.set_zoom(2.0)
    assert _px_per_mv(plot) == pytest.approx(20 * px_per_mm, rel=1e-3)
    assert "zoom 2.00x" in window.viewer.scale_label.text()
    assert "20 mm/mV on screen" in window.viewer.scale_label.text()
    plot.reset_scale()
    assert _px_per_mv(plot) == pytest.approx(10 * px_per_mm, rel=1e-3)
    assert "(true scale)" in window.viewer.scale_label.text()

    # a wheel zoom (the ViewBox scales itself, then reports a manual change) is read back honestly
    plot.vb.scaleBy((0.5, 0.5))
    plot.vb.sigRangeChangedManually.emit([True, True])
    assert plot.zoom == pytest.approx(2.0, rel=1e-3)
    assert "zoom 2.00x" in window.viewer.scale_label.text()
    plot.reset_scale()

    # a user-set DPI (screens that report a wrong size) is honoured
    plot.set_dpi_override(200.0)
    assert _px_per_mv(plot) == pytest.approx(10 * 200 / 25.4, rel=1e-3)


@needs_sample
def test_calibration_pulse_is_1mv_by_200ms(qtbot):
    window = make_window(qtbot)
    open_and_wait(qtbot, window, SAMPLE)
    plot = window.viewer.plot
    cal = plot.cal_items[0]
    x, y = cal.xData, cal.yData
    assert (y.max() - y.min()) / plot.gain == pytest.approx(1.0)
    top = x[y == y.max()]
    assert (top.max() - top.min()) / plot.speed == pytest.approx(0.2)


@needs_sample
def test_display_filters_change_the_view_not_the_record(qtbot):
    window = make_window(qtbot)
    window.viewer.layout_box.setCurrentText("12x1")
    record = open_and_wait(qtbot, window, SAMPLE)
    before = record.signal.copy()
    plot = window.viewer.plot
    # compared in mV (what is drawn before the page's mm scale): a late resize may refit the page
    raw = plot.displayed_signal().copy()
    np.testing.assert_array_equal(raw, before)
    window.viewer.highpass.setChecked(True)
    window.viewer.notch.setCurrentText("50 Hz notch")
    assert "Display filters ON" in window.viewer.filter_label.text()
    assert not np.allclose(plot.displayed_signal(), raw)
    np.testing.assert_array_equal(window.record.signal, before)   # what the model gets is untouched
    window.viewer.highpass.setChecked(False)
    window.viewer.notch.setCurrentText("No notch")
    np.testing.assert_allclose(plot.displayed_signal(), raw, atol=1e-6)
    assert "Display filters off" in window.viewer.filter_label.text()


@needs_sample
def test_calipers_read_interval_rate_amplitude(qtbot):
    window = make_window(qtbot)
    open_and_wait(qtbot, window, SAMPLE)
    plot = window.viewer.plot
    window.viewer.caliper_btn.setChecked(True)
    panel = plot.panels()[0]
    plot.caliper_a.setPos(QPointF(panel.x_of(0.5, plot.speed), panel.y_of(0.0, plot.gain)))
    plot.caliper_b.setPos(QPointF(panel.x_of(1.3, plot.speed), panel.y_of(1.5, plot.gain)))
    r = plot.caliper_reading()
    assert r["dt_ms"] == pytest.approx(800.0)
    assert r["rate_bpm"] == pytest.approx(75.0)
    assert r["dmv"] == pytest.approx(1.5)
    assert r["lead"] == "I"
    assert "800 ms" in window.viewer.caliper_label.text()
    # snapping puts the marker on the trace
    x, y = plot.snap_point(panel.x_of(1.0, plot.speed), panel.y_of(1.2, plot.gain))
    t = panel.t_of(x, plot.speed)
    s = int(round(t * 100))
    assert panel.mv_of(y, plot.gain) == pytest.approx(wfdb_signal(SAMPLE)[0, s], abs=1e-4)
    window.viewer.caliper_btn.setChecked(False)
    assert plot.caliper_reading() is None


def _rgb(widget) -> np.ndarray:
    img = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    w, h = img.width(), img.height()
    return np.frombuffer(img.constBits(), dtype=np.uint8, count=h * img.bytesPerLine()) \
        .reshape(h, img.bytesPerLine() // 4, 4)[:, :w, 2::-1].astype(int)


def test_the_calipers_button_looks_like_a_button_off_and_pressed_on(qtbot):
    """Off, the Calipers switch was a plain word among the tool bar's check boxes (a flat tool
    button): its edge must be drawn (a frame, unlike the bar around it), and on must look clearly
    otherwise than off, away from its text."""
    from app.views.ecg_viewer import EcgViewer

    viewer = EcgViewer()
    viewer.resize(1400, 500)
    qtbot.addWidget(viewer)
    viewer.show()
    qtbot.waitExposed(viewer)
    button = viewer.caliper_btn
    bar = next(b for b in viewer.toolbars if b.isAncestorOf(button))      # the row it sits in
    drawn = {}
    for on in (False, True):
        button.setChecked(on)
        qtbot.wait(20)
        rgb = _rgb(bar)
        r = button.geometry()
        drawn[on] = rgb[r.top():r.bottom() + 1, r.left():r.right() + 1]
        background = rgb[rgb.shape[0] // 2, -3]          # the bar's empty right end
        assert len(np.unique(rgb[:, -3], axis=0)) == 1
        edges = np.concatenate([drawn[on][:, :3], drawn[on][:, -3:]], axis=1)   # left and right edges
        assert np.abs(edges - background).sum(axis=2).max() > 60, f"no frame drawn (checked={on})"
    text = (drawn[False].sum(axis=2) < 300) | (drawn[True].sum(axis=2) < 300)
    assert np.abs(drawn[True] - drawn[False]).sum(axis=2)[~text].mean() > 30
    assert button.isCheckable()


@needs_sample
def test_measurements_fiducials_and_edits(qtbot):
    window = make_window(qtbot)
    open_and_wait(qtbot, window, SAMPLE, analysis=True)
    m = window.measurements
    if m is None:
        pytest.skip("measure() unavailable: " + window.measure_panel.note.text())
    panel = window.measure_panel
    window.viewer.fid_box.setChecked(True)
    points = window.viewer.plot.fiducial_points()
    assert points and window.viewer.plot.fiducials.isVisible()
    window.viewer.fid_box.setChecked(False)
    assert not window.viewer.plot.fiducials.isVisible()
    # the reviewer corrects QT through the table; QTc follows with the standard formulas
    row = [k for k, *_ in __import__("app.views.measurements", fromlist=["ROWS"]).ROWS].index("qt_ms")
    panel.table.item(row, 1).setText("452")
    corrected = panel.corrected()
    assert corrected.qt_ms == 452.0
    assert panel.source("qt_ms") == "edited"
    rr = corrected.rr_ms
    if rr:
        assert corrected.qtc_bazett_ms == pytest.approx(452.0 / np.sqrt(rr / 1000.0))
        assert corrected.qtc_fridericia_ms == pytest.approx(452.0 / np.cbrt(rr / 1000.0))
    assert any("QT edited by reviewer" in n for n in corrected.notes)
    # nonsense is refused and leaves the value alone
    panel.table.item(row, 1).setText("abc")
    assert panel.corrected().qt_ms == 452.0
    assert "Not accepted" in panel.note.text()
    # clearing restores the automatic value
    panel.table.item(row, 1).setText("")
    assert panel.corrected().qt_ms == m.qt_ms


# ---------------------------------------------------------------------------------------------
# model, labs, explanations, report


@needs_sample
def test_no_model_says_so_and_still_views(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("MIRAGE_RESOURCES", str(tmp_path / "no-resources"))   # as if no model shipped
    window = make_window(qtbot, model=None)
    assert window.predictor is None
    assert "No model loaded" in window.results.model_label.text()
    open_and_wait(qtbot, window, SAMPLE, analysis=True)
    assert window.record.record_id == "00417_lr"
    assert window.prediction is None
    assert RESEARCH_USE_NOTICE in window.notice.text()
    assert window.image_view.image is not None and window.image_view.image.shape == (224, 224)


def test_shipped_models_menu_switches_model(qtbot, tmp_path, monkeypatch):
    from helpers_models import make_tiny_checkpoint

    res = tmp_path / "res"
    make_tiny_checkpoint(res / "models" / "default")
    make_tiny_checkpoint(res / "models" / "mi", labels=("MI",))
    monkeypatch.setenv("MIRAGE_RESOURCES", str(res))
    window = make_window(qtbot, model=None)
    qtbot.waitUntil(lambda: window.model_worker is None and window.predictor is not None, timeout=WAIT_MS)
    assert window.predictor.labels == ("NORM", "MI", "STTC", "CD", "HYP")
    model_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Model")
    shipped = next(a.menu() for a in model_menu.actions() if a.text() == "&Shipped models")
    assert [a.text() for a in shipped.actions()] == ["default (NORM, MI, STTC, CD, HYP)", "mi (MI)"]
    shipped.actions()[1].trigger()
    qtbot.waitUntil(lambda: window.model_worker is None and window.predictor.labels == ("MI",), timeout=WAIT_MS)
    assert window.settings.model_path == str(res / "models" / "mi")


def test_the_model_menu_marks_the_loaded_model_whichever_way_it_was_loaded(qtbot, tmp_path, monkeypatch):
    """The checked shipped model is the one whose numbers are on screen: after the startup load,
    a menu pick, a model from a folder of one's own, a Settings choice spelt another way, and a load
    that fails (then no model is checked, and the menu says none is loaded)."""
    import shutil

    from helpers_models import make_tiny_checkpoint

    res = tmp_path / "res"
    make_tiny_checkpoint(res / "models" / "default")
    make_tiny_checkpoint(res / "models" / "mi", labels=("MI",))
    own = make_tiny_checkpoint(tmp_path / "own", labels=("AFIB",))
    monkeypatch.setenv("MIRAGE_RESOURCES", str(res))
    window = make_window(qtbot, model=None)
    qtbot.waitUntil(lambda: window.model_worker is None and window.predictor is not None, timeout=WAIT_MS)
    model_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Model")
    shipped = next(a.menu() for a in model_menu.actions() if a.text() == "&Shipped models")
    default, mi = shipped.actions()

    def checked():
        return [a.text() for a in shipped.actions() if a.isCheckable() and a.isChecked()]

    def loaded_line():
        a = next(a for a in model_menu.actions() if a.text().startswith(("Loaded", "No model")))
        return f"{a.text()} ({a.toolTip()})" if a.toolTip() not in ("", a.text()) else a.text()   # the folder on hover

    assert default.isCheckable() and mi.isCheckable()
    assert window.predictor.labels == ("NORM", "MI", "STTC", "CD", "HYP")
    assert checked() == ["default (NORM, MI, STTC, CD, HYP)"]
    assert str(res / "models" / "default") in loaded_line()

    mi.trigger()                                   # asked for: the check waits for the model
    qtbot.waitUntil(lambda: window.model_worker is None and window.predictor.labels == ("MI",), timeout=WAIT_MS)
    assert checked() == ["mi (MI)"]
    mi.trigger()                                   # a second click on the loaded one keeps it checked
    qtbot.waitUntil(lambda: window.model_worker is None, timeout=WAIT_MS)
    assert checked() == ["mi (MI)"]

    window.use_model(str(own))                     # Model > Choose model...: a folder of one's own
    qtbot.waitUntil(lambda: window.model_worker is None and window.predictor.labels == ("AFIB",), timeout=WAIT_MS)
    assert checked() == []
    assert str(own) in loaded_line()

    # Settings: the shipped default, spelt with a trailing slash and through a relative path
    monkeypatch.chdir(res)
    window.settings.model_path = "models/default/"
    window.load_model()
    qtbot.waitUntil(lambda: window.model_worker is None and window.predictor.labels[0] == "NORM", timeout=WAIT_MS)
    assert checked() == ["default (NORM, MI, STTC, CD, HYP)"]

    broken = tmp_path / "broken_model"
    shutil.copytree(res / "models" / "mi", broken)
    (broken / "model.safetensors").write_bytes(b"not weights")
    with qtbot.waitSignal(window.modelFinished, timeout=WAIT_MS):
        window.use_model(str(broken))
    assert window.predictor is None
    assert checked() == []
    assert loaded_line() == "No model loaded"


@needs_sample
def test_lab_value_changes_prediction(qtbot, tiny_model):
    window = make_window(qtbot, model=str(tiny_model))
    assert window.predictor is not None, window.model_error
    with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS) as first:
        window.open_record(SAMPLE)
    p0 = first.args[0].probabilities.copy()
    # age and sex prefilled from the record
    assert window.lab_form.raw_values()["age"][0] == "75"
    assert window.lab_form.raw_values()["sex"][0] == "F"
    assert window.lab_form.is_used("weight") and not window.lab_form.is_used("troponin_t")
    with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS) as second:
        window.lab_form.set_value("weight", "150", "kg")
        window.lab_form.set_value("height", "150", "cm")
    p1 = second.args[0].probabilities
    assert p1.shape == p0.shape == (5,)
    assert not np.allclose(p0, p1, atol=1e-7, rtol=0)
    # the model got the session's values: the file's height replaced by the reviewer's, canonical units
    assert second.args[0].clinical_used["used"]["weight"] == 150.0
    assert window.session.values["weight"].source == "user" and window.session.values["age"].source == "file"
    # the bars show the new result against the model's thresholds
    np.testing.assert_allclose(window.results.bars.probabilities, p1)
    np.testing.assert_allclose(window.results.bars.thresholds, window.predictor.thresholds)


@needs_sample
def test_a_lab_the_model_does_not_read_is_kept_without_running_the_model_again(qtbot, tiny_model, monkeypatch):
    """Troponin is "not used by this model" (it reads age, sex, height, weight): typing it keeps it
    in the session, marked so, and starts no model run (no "updating"/"running" either); weight,
    which the model reads, still does."""
    window = make_window(qtbot, model=str(tiny_model))
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(SAMPLE)
    assert window.prediction is not None
    runs = []
    real = jobs.score_job

    def counted(*args, **kwargs):
        runs.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(jobs, "score_job", counted)
    shown = window.prediction
    texts = []
    window.results.state.setText = (lambda set_text: lambda t: (texts.append(t), set_text(t)))(
        window.results.state.setText)
    assert not window.lab_form.is_used("troponin_t")
    window.lab_form.set_value("troponin_t", "52", "ng/L")
    qtbot.wait(LAB_WAIT_MS)
    assert runs == [] and window.predict_worker is None
    assert not any("updating" in t or "Running" in t for t in texts), texts
    assert window.prediction is shown and window.session.state["prediction"] == "ready"
    assert window.session.values["troponin_t"].canonical == 52.0
    assert window.lab_form.message("troponin_t") == "high (reference \u2264 14 ng/L); not used by this model"
    with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS):
        window.lab_form.set_value("weight", "150", "kg")
    assert runs == [1]
    assert window.prediction.clinical_used["used"]["weight"] == 150.0


@needs_sample
def test_impossible_lab_value_is_refused_at_the_field(qtbot, tiny_model):
    window = make_window(qtbot, model=str(tiny_model))
    form = window.lab_form
    form.set_value("weight", "9000", "kg")
    assert form.status("weight") == "error"
    assert "possible" in form.message("weight")
    assert "weight" not in form.values()
    form.set_value("weight", "9", "kg")   # possible (a child), accepted
    assert form.status("weight") == "ok" and form.values()["weight"] == (9.0, "kg")
    form.set_value("troponin_t", "52", "ng/L")   # not used by the model: recorded, flagged high
    assert form.status("troponin_t") == "high"
    assert form.report_values()["troponin_t"] == (52.0, "ng/L")
    form.set_value("troponin_t", "0.052", "ng/mL")   # unit conversion: 52 ng/L, still high
    assert form.status("troponin_t") == "high"


@needs_sample
def test_overlays_name_their_method_and_toggle(qtbot, tiny_model):
    window = make_window(qtbot, model=str(tiny_model))
    with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS):
        window.open_record(SAMPLE)
    plot = window.viewer.plot
    state = plot.overlay_state()
    assert state["importance"] and state["saliency"]
    assert "gradient" in state["importance_method"] and "rollout" in state["saliency_method"]
    assert "lead importance" in window.viewer.overlay_label.text()
    window.viewer.importance_box.setChecked(False)
    window.viewer.saliency_box.setChecked(False)
    state = plot.overlay_state()
    assert not state["importance"] and not state["saliency"]
    assert window.viewer.overlay_label.text() == ""
    window.viewer.saliency_box.setChecked(True)
    # patch saliency over the model image, method selectable, follows to the traces
    sal, method = window.image_view.current_saliency()
    assert sal.shape == (14, 14) and "rollout" in method
    window.image_view.method.setCurrentText("gradient")
    sal, method = window.image_view.current_saliency()
    assert "gradient" in method
    assert "gradient" in plot.overlay_state()["saliency_method"]
    window.image_view.opacity.setValue(80)
    assert window.image_view.sal_item.opacity() == pytest.approx(0.8)
    window.image_view.show_box.setChecked(False)
    assert window.image_view.current_saliency()[0] is None and not window.image_view.sal_item.isVisible()
    # heatmaps hold the explanation's 12x12 matrices, name their methods and switch off one by one
    expl = window.prediction.explanation
    heat = window.heatmaps
    np.testing.assert_allclose(heat.matrices[0], expl.lead_bias)
    np.testing.assert_allclose(heat.matrices[1], expl.lead_attention)
    state = heat.state()
    for i, key in enumerate(("lead_bias", "lead_attention")):
        assert state[key] == {"shown": True, "method": expl.methods[key]}
        assert expl.methods[key] in heat.caption.text()
        assert heat.plots[i].toolTip() == expl.methods[key]
    assert "Graphormer" in heat.plots[0].titleLabel.text
    heat.boxes[0].setChecked(False)
    state = heat.state()
    assert not state["lead_bias"]["shown"] and state["lead_attention"]["shown"]
    assert not heat.images[0][0].isVisible() and heat.images[1][0].isVisible()
    assert "off" in heat.plots[0].titleLabel.text and "switched off" in heat.caption.text()
    heat.set_shown("lead_attention", False)
    assert not any(v["shown"] for v in heat.state().values())
    heat.set_shown("lead_bias", True)
    assert heat.state()["lead_bias"]["shown"] and heat.images[0][0].isVisible()
    np.testing.assert_allclose(heat.images[0][0].image, expl.lead_bias)
    # the image shown is exactly what the model got for the explained window
    from mirage_model.preprocess import model_inputs
    inputs = model_inputs(window.record.signal, window.record.fs, window.predictor.preprocess_cfg,
                          window.predictor.render_cfg)
    np.testing.assert_array_equal(window.image_view.image, inputs.image[expl.window])


@needs_sample
def test_export_pdf(qtbot, tiny_model, tmp_path):
    from mirage_model.review.interpret import session_interpretation

    pypdf = pytest.importorskip("pypdf")
    window = make_window(qtbot, model=str(tiny_model))
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(SAMPLE)
    out = tmp_path / "review.pdf"
    window.session.overread.set_comment("checked by hand")       # the reviewer and comment are the over-read's
    window.session.overread.sign(session_interpretation(window.session), "Dr Test Reviewer")
    assert window.export_pdf(out) is not None
    qtbot.waitUntil(lambda: window.export_worker is None, timeout=WAIT_MS)
    assert out.is_file(), window.message_bar.text()
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(str(out)).pages)
    assert "00417_lr" in text
    assert "Over-read by Dr Test Reviewer" in text and "checked by hand" in text
    assert "Research use only" in text


@needs_sample
def test_corrected_measurement_reaches_the_pdf_marked_edited(qtbot, tmp_path, monkeypatch):
    import inspect

    from mirage_model.review import report

    pypdf = pytest.importorskip("pypdf")
    window = make_window(qtbot, model=None)
    open_and_wait(qtbot, window, SAMPLE, analysis=True)
    panel = window.measure_panel
    auto = window.measurements
    if auto is None or auto.qt_ms is None:
        pytest.skip("measure() gave no QT: " + panel.note.text())
    new_qt = round(auto.qt_ms) + 37.0
    panel.set_edit("qt_ms", new_qt)
    calls = []
    real = report.build_report

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(report, "build_report", spy)
    out = tmp_path / "edited.pdf"
    window.export_pdf(out)
    qtbot.waitUntil(lambda: window.export_worker is None and out.is_file(), timeout=WAIT_MS)
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(str(out)).pages)
    ((session, path),) = calls
    # the PDF is made from a snapshot of the window's session: the edit, the untouched automatic values
    assert session is not window.session and session.id == window.session.id
    assert session.measurement_edits == {"qt_ms": new_qt}
    assert session.measurements is auto and not any("edited" in n for n in auto.notes)
    assert f"{new_qt:.0f} (edited)" in text
    assert f"{new_qt:.0f}" in text and f"{auto.qt_ms:.0f}" in text   # the edit and the automatic value


def test_measurement_panel_renders_its_session(qtbot):
    """The panel shows the session's one table; its edits reach the session (and so the PDF)."""
    from mirage_model.measure import Measurements

    from PySide6.QtCore import Qt

    from app.views.measurements import MeasurementsPanel
    from mirage_model.review.session import ReviewSession

    sys.path.insert(0, str(Path(__file__).parent))
    from helpers_models import synthetic_record

    panel = MeasurementsPanel()
    qtbot.addWidget(panel)
    auto = Measurements(heart_rate_bpm=60.0, rr_ms=1000.0, pr_ms=160.0, qrs_ms=90.0, qt_ms=400.0,
                        qtc_bazett_ms=400.0, qtc_fridericia_ms=400.0, p_axis_deg=50.0, qrs_axis_deg=30.0,
                        t_axis_deg=40.0)
    session = ReviewSession(synthetic_record())
    panel.set_session(session)
    row = [k for k, *_ in __import__("app.views.measurements", fromlist=["ROWS"]).ROWS].index("qt_ms")
    # while the record is being measured nothing reads "not measurable" and nothing is editable
    assert panel.source("qt_ms") == "measuring..." and panel.table.item(row, 2).text() == "measuring..."
    assert not panel.table.item(row, 1).flags() & Qt.ItemFlag.ItemIsEditable
    session.accept_measurements(session.id, auto)
    panel.refresh()
    assert panel.source("qt_ms") == "automatic" and panel.table.item(row, 1).text() == "400"
    panel.set_edit("qt_ms", 440.0)
    # QTc follows the edited QT with RR 1 s: both formulas give the QT itself
    assert panel.value("qtc_bazett_ms") == pytest.approx(440.0)
    assert panel.source("qtc_fridericia_ms") == "recomputed"
    assert session.measurement_edits == {"qt_ms": 440.0}
    table = {r["key"]: r for r in session.measurement_table()}
    assert table["qtc_bazett_ms"]["value"] == pytest.approx(440.0 / np.sqrt(1.0))
    # a measurement result for another session is refused
    other = ReviewSession(synthetic_record(seed=1))
    assert not session.accept_measurements(other.id, None)
    panel.set_edit("qt_ms", None)
    assert session.measurement_edits == {}


def test_measurement_panel_says_why_a_record_has_no_value(qtbot):
    """PTB Diagnostic s0010_re (2 s) is too short for measure(): the panel's table is empty, and its note
    says why in the words of the PDF's page 1 (``review.measurements.why_unmeasured``)."""
    from app.views.measurements import MeasurementsPanel
    from mirage_model import load_record
    from mirage_model.measure import measure
    from mirage_model.review.session import ReviewSession

    record = load_record(Path(__file__).parent / "data" / "ptbdb" / "s0010_re.hea")
    seconds = record.signal.shape[1] / record.fs
    session = ReviewSession(record)
    session.accept_measurements(session.id, measure(record))
    panel = MeasurementsPanel()
    qtbot.addWidget(panel)
    panel.set_session(session)
    assert all(panel.table.item(r, 1).text() == "" for r in range(panel.table.rowCount()))
    assert panel.note.text().startswith(f"Not measured: record too short ({seconds:.1f} s) for measurement.")
    panel.set_edit("qt_ms", 400.0)                   # a value entered by hand: the usual note again
    panel.refresh()
    assert not panel.note.text().startswith("Not measured")


def test_corrupt_file_shows_message_and_app_stays_usable(qtbot, tmp_path):
    bad = tmp_path / "broken.hea"
    bad.write_text("this is not a wfdb header\n")
    window = make_window(qtbot)
    with qtbot.waitSignal(window.message, timeout=WAIT_MS) as msg:
        window.open_record(bad)
    assert "broken" in msg.args[0]
    assert window.message_bar.isVisible() and "broken" in window.message_bar.text()
    missing = tmp_path / "nothing_here.hea"
    with qtbot.waitSignal(window.message, timeout=WAIT_MS) as msg:
        window.open_record(missing)
    assert "nothing_here" in msg.args[0]
    if SAMPLE.is_file():
        open_and_wait(qtbot, window, SAMPLE)
        assert window.record.record_id == "00417_lr"
        assert not window.message_bar.isVisible()


def _paper_and_ink_pixels(plot) -> tuple[int, int]:
    """(pixels of paper or grid colour, near-black pixels) in the plot as drawn."""
    from app.views.paper import MAJOR, MINOR, PAPER

    img = plot.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    w, h = img.width(), img.height()
    rgb = np.frombuffer(img.constBits(), dtype=np.uint8, count=h * img.bytesPerLine()) \
        .reshape(h, img.bytesPerLine() // 4, 4)[:, :w, 2::-1].astype(int)
    paper = 0
    for c in (PAPER, MINOR, MAJOR):
        paper += int((np.abs(rgb - np.array([c.red(), c.green(), c.blue()])).sum(axis=2) <= 6).sum())
    return paper, int((rgb.sum(axis=2) < 200).sum())


@needs_sample
def test_a_failed_open_leaves_no_paper_and_says_no_record_is_open(qtbot, tmp_path):
    """After a file fails to open, the view must not keep the previous record's blank paper and
    calibration pulses (an ECG with no signal): no paper-coloured pixel, no ink, and the view says
    plainly that no record is open and which file failed."""
    window = make_window(qtbot, load_model=False)
    plot = window.viewer.plot
    open_and_wait(qtbot, window, SAMPLE)
    qtbot.wait(50)
    paper, ink = _paper_and_ink_pixels(plot)
    assert paper > 10000 and ink > 500          # the record drawn: paper, traces and pulses
    bad = tmp_path / "broken.hea"
    bad.write_text("this is not a wfdb header\n")
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(bad)
    qtbot.wait(50)
    assert _paper_and_ink_pixels(plot)[0] == 0, "the previous record's paper is still on screen"
    assert plot.placeholder.isVisible()
    assert plot.placeholder_text.startswith("No record open")
    assert "broken.hea could not be opened" in plot.placeholder_text
    assert "header" in plot.placeholder_text and str(tmp_path) not in plot.placeholder_text   # why, briefly
    assert plot.placeholder.geometry().intersects(plot.rect())
    # no pulses either: with the placeholder's own words taken away, nothing is drawn at all
    plot.placeholder.setVisible(False)
    paper, ink = _paper_and_ink_pixels(plot)
    plot.placeholder.setVisible(True)
    assert paper == 0
    assert ink == 0
    # and the next good record is drawn on paper again, without the placeholder
    open_and_wait(qtbot, window, SAMPLE)
    qtbot.wait(50)
    paper, ink = _paper_and_ink_pixels(plot)
    assert paper > 10000 and ink > 500 and not plot.placeholder.isVisible()


# ---------------------------------------------------------------------------------------------
# the patient line

MUSE = Path(__file__).parent / "data" / "formats" / "muse-sinus.xml"


def muse_patient_facts(xml: Path) -> dict:
    """The patient fields of a GE MUSE XML, read with ElementTree (the truth, not the app's reader)."""
    import xml.etree.ElementTree as ET

    root = ET.parse(xml).getroot()
    demo, test = root.find("PatientDemographics"), root.find("TestDemographics")
    month, day, year = test.findtext("AcquisitionDate").split("-")      # MUSE writes MM-DD-YYYY
    return {"name": f"{demo.findtext('PatientFirstName')} {demo.findtext('PatientLastName')}",
            "id": demo.findtext("PatientID"), "age": demo.findtext("PatientAge"),
            "sex": demo.findtext("Gender")[0], "acquired": f"{year}-{month}-{day} {test.findtext('AcquisitionTime')}"}


def ptbxl_patient_facts(ecg_id: int) -> dict:
    """Age, sex and recording date of a bundled PTB-XL record, from the database's own CSV."""
    import csv

    with open(SAMPLE.parents[2] / "ptbxl_database.csv", newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if int(r["ecg_id"]) == ecg_id)
    return {"age": f"{float(row['age']):g}", "sex": "F" if row["sex"] == "1" else "M",
            "acquired": row["recording_date"], "id": f"{float(row['patient_id']):.0f}"}


def test_patient_line_names_the_muse_patient_as_its_file_does(qtbot):
    """The patient's name and ID were in the window title and a passing status message only, age
    and sex in the lab form, the acquisition date nowhere: a line above the traces now names them
    all, in the words of the PDF's page-1 header. Truth: the XML's own elements."""
    pytest.importorskip("ecgdatakit")
    from PySide6.QtCore import QPoint

    truth = muse_patient_facts(MUSE)
    assert truth["name"] == "JOHN DOE" and truth["acquired"] == "2023-04-29 22:41:16"
    window = make_window(qtbot, load_model=False)
    line = window.patient_line
    assert line.patient_text == "" and line.text() == "No record open"
    open_and_wait(qtbot, window, MUSE)
    facts = line.patient_text.split("   |   ")
    assert facts == [f"Patient: {truth['name']}", f"ID: {truth['id']}", f"Age: {truth['age']}",
                     f"Sex: {truth['sex']}", f"Acquired: {truth['acquired']}", "Record: muse-sinus",
                     "Device: MV360", "Site: UNIVERSITY OF HOSPITAL"]
    assert line.text() == line.patient_text                  # whole at 1400 px, not cut
    assert line.isVisible() and line.mapTo(window, QPoint(0, 0)).y() < window.viewer.mapTo(window, QPoint(0, 0)).y()


def test_patient_line_and_status_bar_say_an_anonymised_record_is(qtbot, tmp_path):
    """The MUSE record saved anonymised (File > Save record as, WFDB) and opened again: the patient line
    began at the age, as for a file whose name nobody typed. It now begins "Patient: anonymised", as the
    PDF's header does, and the status bar says "anonymised" where it gives the name and ID."""
    pytest.importorskip("ecgdatakit")
    window = make_window(qtbot, load_model=False)
    open_and_wait(qtbot, window, MUSE)
    out = window.save_record_as(tmp_path / "anon.hea", "wfdb", anonymise=True)
    assert "anonymised: " in out.read_text()                  # what the written header says
    open_and_wait(qtbot, window, out)
    facts = window.patient_line.patient_text.split("   |   ")
    assert facts[0] == "Patient: anonymised" and "JOHN" not in window.patient_line.patient_text, facts
    assert "; anonymised" in window.status_label.text(), window.status_label.text()
    # the window title names the patient as the status bar does (it named no one: "MIRAGE Review - anon")
    assert window.windowTitle() == "MIRAGE Review - anon - anonymised", window.windowTitle()


def test_a_cyrillic_name_from_a_record_in_a_non_ascii_folder_is_in_the_title_and_patient_line(qtbot, tmp_path):
    """A MUSE XML in UTF-8 naming "Сергей Иванов", in "Ärztin/ЭКГ 1/": the window title and the
    patient line show the name and the record (the file's stem) as written. Truth: the names written here."""
    pytest.importorskip("ecgdatakit")
    text = MUSE.read_bytes().decode("latin-1")
    text = (text.replace('encoding="ISO-8859-1"', 'encoding="UTF-8"')
            .replace("<PatientLastName>DOE<", "<PatientLastName>Иванов<")
            .replace("<PatientFirstName>JOHN<", "<PatientFirstName>Сергей<"))
    folder = tmp_path / "Ärztin" / "ЭКГ 1"
    folder.mkdir(parents=True)
    path = folder / "Иванов Сергей.xml"
    path.write_bytes(text.encode("utf-8"))
    window = make_window(qtbot, load_model=False)
    open_and_wait(qtbot, window, path)
    assert window.windowTitle().startswith("MIRAGE Review - Иванов Сергей - Сергей Иванов, ID ")
    facts = window.patient_line.patient_text.split("   |   ")
    assert facts[0] == "Patient: Сергей Иванов" and "Record: Иванов Сергей" in facts


@needs_sample
def test_patient_line_follows_the_record_on_screen_and_clears_when_none_is(qtbot, tmp_path):
    """Open the MUSE file, step to the next record of a folder (Ctrl+PgDown), open a batch's row,
    then a file that fails to open: the line names each record's patient, then no one (it must
    never keep naming the previous patient). Truth: the XML and PTB-XL's database CSV."""
    pytest.importorskip("ecgdatakit")
    window = make_window(qtbot, load_model=False)
    line = window.patient_line
    open_and_wait(qtbot, window, MUSE)
    assert "JOHN DOE" in line.patient_text
    window.open_folder(SAMPLE.parents[2])                     # samples/ptbxl
    qtbot.waitUntil(lambda: window.browser.worker is None, timeout=WAIT_MS)
    ids = [window.browser.table.item(r, 0).text() for r in range(window.browser.table.rowCount())]
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.browser._open_row(ids.index("00417_lr"))
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.next_action.trigger()                          # Ctrl+PgDown
    rid = window.record.record_id
    assert rid != "00417_lr"
    truth = ptbxl_patient_facts(int(rid.split("_")[0]))
    assert line.patient_text == "   |   ".join([f"ID: PTB-XL patient {truth['id']}", f"Age: {truth['age']}",
                                                f"Sex: {truth['sex']}", f"Acquired: {truth['acquired']}",
                                                f"Record: {rid}"])
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(SAMPLE, values={"age": (40.0, "years")})     # a batch row's labs
    assert "Age: 40   |   Sex: F" in line.patient_text and "Record: 00417_lr" in line.patient_text
    bad = tmp_path / "broken.hea"
    bad.write_text("this is not a wfdb header\n")
    with qtbot.waitSignal(window.message, timeout=WAIT_MS):
        window.open_record(bad)
    assert line.patient_text == "" and line.text() == "No record open"
    assert "None" not in line.text()


def test_patient_line_follows_an_age_edit_as_the_pdf_header_does(qtbot):
    """The reviewer corrects the age in the lab form: the line says the new age at once, and its
    facts are the PDF header's (one function makes both)."""
    pytest.importorskip("ecgdatakit")
    from types import SimpleNamespace

    from mirage_model.review.report.header import header_lines

    window = make_window(qtbot, load_model=False)
    open_and_wait(qtbot, window, MUSE)
    assert "Age: 43" in window.patient_line.patient_text
    window.lab_form.set_value("age", "44")
    assert window.session.age == 44
    assert "Age: 44" in window.patient_line.patient_text and "Age: 43" not in window.patient_line.patient_text
    ctx = SimpleNamespace(settings=SimpleNamespace(patient_name="", patient_id=""), record=window.record,
                          age=window.session.age, sex=window.session.sex)
    assert [f for f in window.patient_line.patient_text.split("   |   ") if not f.startswith("Record: ")] \
        == header_lines(ctx)
    window.lab_form.set_value("age", "")                      # cleared: "unknown" as on page 1, never "None"
    assert "Age: unknown" in window.patient_line.patient_text and "None" not in window.patient_line.patient_text


# ---------------------------------------------------------------------------------------------
# folder browser, recent files, batch, workers, about


@needs_sample
def test_folder_browser_loads_details_lazily(qtbot):
    from mirage_model.records import find_records

    window = make_window(qtbot)
    folder = SAMPLE.parent.parent.parent   # samples/ptbxl
    window.open_folder(folder)
    qtbot.waitUntil(lambda: window.browser.worker is None, timeout=WAIT_MS)
    table = window.browser.table
    expected = find_records(folder)
    assert table.rowCount() == len(expected) == 4
    ids = [table.item(r, 0).text() for r in range(table.rowCount())]
    row = ids.index("00417_lr")
    assert table.item(row, 1).text() == "75" and table.item(row, 2).text() == "F"
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.browser._open_row(row)
    assert window.record.record_id == "00417_lr"


@needs_sample
def test_a_record_opened_by_a_relative_path_reopens_from_another_working_folder(qtbot, tmp_path, monkeypatch):
    """``mirage-review resources/samples/ludb/14.hea`` stored that relative path as the recent file
    and last folder; started later from another folder (a desktop launcher starts in $HOME), File >
    Open recent said "header file not found" and cleared the record on screen. Both are stored
    absolute now."""
    ludb = resources_dir() / "samples" / "ludb"
    monkeypatch.chdir(ludb.parent)
    window = make_window(qtbot, load_model=False)
    open_and_wait(qtbot, window, Path("ludb") / "14.hea")
    monkeypatch.chdir(tmp_path)                                  # the next day, started elsewhere
    window = make_window(qtbot, load_model=False)
    assert Path(window.settings.last_folder) == ludb
    first = window.recent_menu.actions()[0]
    assert Path(first.text()) == ludb / "14.hea"
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        first.trigger()
    assert window.record.record_id == "14" and not window.message_bar.isVisible()
    assert np.allclose(window.record.signal, wfdb_signal(ludb / "14.hea"), atol=1e-6, equal_nan=True)


@needs_sample
def test_save_record_as_keeps_the_original_recording(qtbot, tmp_path, monkeypatch):
    """File > Save record as offered the open record's own file (FOLDER/1.hea) and, once Qt's
    "1.hea already exists, replace?" was answered Yes, rewrote it: LUDB's gains and diagnosis lines
    were gone from the original. The dialog now offers 1_copy.hea, and the original's bytes stay."""
    from PySide6.QtWidgets import QFileDialog

    ludb = resources_dir() / "samples" / "ludb"
    folder = tmp_path / "records"
    folder.mkdir()
    for ext in ("hea", "dat"):
        (folder / f"1.{ext}").write_bytes((ludb / f"1.{ext}").read_bytes())
    original = {p.name: p.read_bytes() for p in folder.iterdir()}
    window = make_window(qtbot, load_model=False)
    open_and_wait(qtbot, window, folder / "1.hea")
    offered = []

    def accept_default(parent, caption, default, filters):     # the user presses Save, then Yes
        offered.append(Path(default))
        return default, filters.split(";;")[0]

    monkeypatch.setattr(QFileDialog, "getSaveFileName", accept_default)
    window.save_as_dialog()
    assert offered == [folder / "1_copy.hea"]
    assert {n: b for n, b in ((p.name, p.read_bytes()) for p in folder.iterdir()) if n in original} == original
    assert np.allclose(wfdb_signal(folder / "1_copy.hea"), wfdb_signal(folder / "1.hea"), atol=6e-4)
    # typed over the original by hand: refused and said, the file untouched
    assert window.save_record_as(folder / "1.hea", "wfdb") is None
    assert "read from" in window.message_bar.text()
    assert (folder / "1.hea").read_bytes() == original["1.hea"]


@needs_sample
def test_recent_files_persist_in_isolated_settings(qtbot):
    window = make_window(qtbot)
    open_and_wait(qtbot, window, SAMPLE)
    open_and_wait(qtbot, window, SAMPLE_MI)
    assert Settings().recent_files[:2] == [str(SAMPLE_MI), str(SAMPLE)]
    actions = [a.text() for a in window.recent_menu.actions()]
    assert str(SAMPLE_MI) in actions


def test_batch_dialog_table_progress_and_open(qtbot, tmp_path, monkeypatch):
    """The dialog's plumbing with a stand-in score_folder (the real one is tested in test_batch.py)."""
    from app.dialogs import batch as batch_dialog
    from app.dialogs.batch import BatchDialog
    from mirage_model.review import batch

    calls = {}

    def fake_score_folder(folder, predictor, out_path, progress=None, cancel=None, **kwargs):
        calls.update(folder=folder, out=out_path, kwargs=kwargs)
        rows = [{"record_id": f"r{i}", "record_path": f"r{i}.hea", "status": "ok", "prob_NORM": 0.1 * i}
                for i in range(3)]
        rows[1].update(status="error", error="signal file is truncated")
        rows[2].update(status="not_ecg", record_path="r2.xml", error="an XML file, but not an ECG MIRAGE reads")
        for i, row in enumerate(rows):
            if cancel():
                break
            progress(i + 1, len(rows), row)
        return {"n_scored": len(rows)}

    monkeypatch.setattr(batch, "score_folder", fake_score_folder, raising=False)
    dlg = BatchDialog(None, predictor=object(), device="auto", folder=str(with_a_header(tmp_path)))
    qtbot.addWidget(dlg)
    dlg.pdf_dir.setText(str(tmp_path / "pdf"))
    assert dlg.start() is not None
    qtbot.waitUntil(lambda: dlg.worker is None, timeout=WAIT_MS)
    assert dlg.table.rowCount() == 3 and dlg.progress.value() == 3
    assert dlg.columns[0] == "record_id"
    err = dlg.columns.index("error")        # a failure in red; a file that is no ECG told in grey
    assert dlg.table.item(1, err).foreground().color() == batch_dialog.FAILED_COLOUR
    assert dlg.table.item(2, err).foreground().color() == batch_dialog.NOT_ECG_COLOUR
    assert calls["kwargs"]["pdf_dir"] == str(tmp_path / "pdf")
    assert "Done" in dlg.status.text()
    with qtbot.waitSignal(dlg.openRecord) as opened:
        dlg.table.cellActivated.emit(1, 0)
    assert opened.args[0] == str(tmp_path / "r1.hea")
    # by keyboard: Up/Down choose a row, Enter opens it (and presses no button: it had opened a
    # folder chooser, the dialog's first button, over the record), Tab leaves the table
    from PySide6.QtWidgets import QFileDialog
    choosers = []
    for name in ("getExistingDirectory", "getOpenFileName", "getSaveFileName"):
        monkeypatch.setattr(QFileDialog, name, lambda *a, n=name, **k: choosers.append(n) or ("" if "Dir" in n
                                                                                            else ("", "")))
    dlg.show()
    dlg.table.setFocus()
    dlg.table.setCurrentCell(0, 0)
    with qtbot.waitSignal(dlg.openRecord) as opened:
        qtbot.keyClick(dlg.table, Qt.Key.Key_Return)
    assert opened.args[0] == str(tmp_path / "r0.hea")
    assert choosers == []
    qtbot.keyClick(dlg.table, Qt.Key.Key_Tab)
    assert not dlg.table.hasFocus()


def test_batch_dialog_tells_records_of_one_name_apart(qtbot, tmp_path, monkeypatch):
    """An export with a file name in two sub-folders (siteA/ecg.hea, siteB/ecg.hea: two patients)
    showed two rows reading 'ecg' and nothing else to tell them apart: the record's path was hidden.
    Truth: each row's record_path, which must be on screen in its row."""
    from app.dialogs import batch as batch_dialog
    from app.dialogs.batch import BatchDialog
    from mirage_model.review import batch

    def fake_score_folder(folder, predictor, out_path, progress=None, cancel=None, **kwargs):
        rows = [{"record_id": "ecg", "record_path": f"{site}/ecg.hea", "status": "ok", "prob_NORM": 0.5}
                for site in ("siteA", "siteB")]
        for i, row in enumerate(rows):
            progress(i + 1, len(rows), row)
        return {"n_scored": len(rows)}

    monkeypatch.setattr(batch, "score_folder", fake_score_folder, raising=False)
    dlg = BatchDialog(None, predictor=object(), device="auto", folder=str(with_a_header(tmp_path)))
    qtbot.addWidget(dlg)
    assert dlg.start() is not None
    qtbot.waitUntil(lambda: dlg.worker is None, timeout=WAIT_MS)
    shown = [[dlg.table.item(r, c).text() for c in range(dlg.table.columnCount())]
             for r in range(dlg.table.rowCount())]
    assert len(shown) == 2 and shown[0] != shown[1]
    for r, row in enumerate(dlg.rows):
        assert row["record_path"] in shown[r]


def test_batch_dialog_writes_the_scored_folders_csv_not_the_last_ones(qtbot, tmp_path, monkeypatch):
    """The dialog opens on the last record's folder A with A/scores.csv as its output; Browse...
    to folder B left the output at A/scores.csv, so B's scores replaced A's earlier results there,
    named as A's. The output now follows the folder until the user chooses one."""
    from PySide6.QtWidgets import QFileDialog

    from app.dialogs.batch import BatchDialog
    from mirage_model.review import batch

    calls = []

    def fake_score_folder(folder, predictor, out_path, progress=None, cancel=None, **kwargs):
        calls.append((Path(folder), Path(out_path)))
        return {"n_scored": 0}

    monkeypatch.setattr(batch, "score_folder", fake_score_folder, raising=False)
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for d in (a, b, c):
        d.mkdir()
        with_a_header(d)
    dlg = BatchDialog(None, predictor=object(), device="auto", folder=str(a))
    qtbot.addWidget(dlg)
    assert Path(dlg.output.text()) == a / "scores.csv"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(b))
    dlg._browse_folder()
    assert dlg.start() is not None
    qtbot.waitUntil(lambda: dlg.worker is None, timeout=WAIT_MS)
    assert calls[-1] == (b, b / "scores.csv")
    dlg.output.clear()                                            # the user's own choice is kept
    qtbot.keyClicks(dlg.output, str(tmp_path / "mine.csv"))
    dlg.folder.setText(str(c))
    assert Path(dlg.output.text()) == tmp_path / "mine.csv"


@needs_sample
def test_batch_dialog_scores_a_real_folder(qtbot, tiny_model, tmp_path):
    from mirage_model.records import find_records

    folder = SAMPLE.parent.parent.parent          # samples/ptbxl: 4 records
    out = tmp_path / "scores.csv"
    dlg = run_batch_dialog(qtbot, tiny_model, folder, out)
    n = len(find_records(folder))
    assert dlg.table.rowCount() == n == 4, dlg.status.text()
    assert "4 scored" in dlg.status.text()
    import csv
    with open(out, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["record_id"] for r in rows) == sorted(p.stem for p in find_records(folder))
    r = [row.get("record_id") for row in dlg.rows].index("00417_lr")
    assert dlg.record_path(r).resolve() == SAMPLE.resolve()


@needs_sample
def test_batch_dialog_resumed_shows_the_whole_output(qtbot, tiny_model, tmp_path):
    """After a resumed batch the results table held only the records this run scored: the rows the
    output kept (scored before the stop) were neither shown nor openable, so a finished resume of a
    whole folder showed an empty table. Truth: the output file's rows."""
    import csv
    import shutil

    folder = tmp_path / "ptbxl"
    shutil.copytree(SAMPLE.parent.parent.parent, folder)
    out = tmp_path / "scores.csv"
    run_batch_dialog(qtbot, tiny_model, folder, out)     # the whole folder, then resumed
    dlg = run_batch_dialog(qtbot, tiny_model, folder, out, resume=True)
    assert "4 skipped" in dlg.status.text(), dlg.status.text()
    with open(out, newline="", encoding="utf-8-sig") as fh:       # the CSV starts with a BOM (Excel)
        truth = list(csv.DictReader(fh))
    assert [r["record_path"] for r in dlg.rows] == [r["record_path"] for r in truth] and len(truth) == 4
    assert dlg.table.rowCount() == 4
    col = dlg.columns.index("prob_MI")
    for r, row in enumerate(truth):
        assert float(dlg.table.item(r, col).text()) == pytest.approx(float(row["prob_MI"]), abs=5e-4)
        assert dlg.record_path(r) == folder / row["record_path"]


@needs_sample
def test_batch_row_opens_with_the_labs_values_the_batch_used(qtbot, tiny_model, tmp_path):
    """A batch with a labs table; double-clicking a result row opened the record with its file's
    values (age 75 from the PTB-XL database) instead of the table's (age 40, its weight, height
    and CRP), so the window's probabilities were not the row's. The record now opens with the row's
    values, from "table", still editable; its probabilities are the CSV row's (the truth here)."""
    import csv
    import shutil

    folder = tmp_path / "ptbxl"
    shutil.copytree(SAMPLE.parent.parent.parent, folder)
    labs = tmp_path / "labs.csv"
    # rows keyed by the file stem: the batch finds them by the trailing part of the record's path
    labs.write_text("record_id,age,sex,weight [kg],height [cm],crp [mg/L]\n"
                    "00417_lr,40,F,95,190,12\n11125_lr,30,,50,,\n")
    out = tmp_path / "scores.csv"
    dlg = run_batch_dialog(qtbot, tiny_model, folder, out, labs=labs)
    assert dlg.table.rowCount() == 4 and "4 scored" in dlg.status.text(), dlg.status.text()
    with open(out, newline="", encoding="utf-8-sig") as fh:
        truth = {row["record_id"]: row for row in csv.DictReader(fh)}
    assert truth["00417_lr"]["age_used"] == "40.0" and truth["00417_lr"]["sex_used"] == "F"

    window = make_window(qtbot, tiny_model)
    dlg.openRecord.connect(window.open_record)          # as MainWindow.batch_dialog_open wires it
    for rid in ("00417_lr", "11125_lr", "04016_lr"):    # full row, partial row, no row
        r = [row["record_id"] for row in dlg.rows].index(rid)
        with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
            dlg.table.cellActivated.emit(r, 0)
        assert window.session.record_id == rid
        pred = window.session.prediction
        assert pred is not None, window.session.errors
        row = truth[rid]
        got = {lab: float(p) for lab, p in zip(pred.labels, pred.probabilities)}
        want = {lab: float(row[f"prob_{lab}"]) for lab in pred.labels}
        assert got == pytest.approx(want, abs=2e-6), (rid, got, want)

    r = [row["record_id"] for row in dlg.rows].index("00417_lr")
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        dlg.table.cellActivated.emit(r, 0)
    values = window.session.values
    assert values["age"].canonical == 40 and values["age"].source == "table"
    assert values["crp"].canonical == 12 and values["crp"].source == "table"   # recorded, not read by the model
    assert window.lab_form.editor("age").text() == "40" and window.lab_form.editor("sex").currentText() == "F"
    assert window.lab_form._rows["weight"].source.text() == "table"
    window.lab_form.set_value("age", "41")                # the reviewer can still change them
    assert values["age"].source == "user" and window.session.age == 41


@needs_sample
def test_batch_dialog_says_a_folder_it_could_not_read(qtbot, tiny_model, tmp_path, locked_folders):
    """The batch's summary.unreadable_folders is told in the dialog's result line, as mirage score
    says it (had been dropped: "Done: 1 scored" with locked/'s record silently missing), and no
    dialog opens for it. The locked_folders fixture refuses "locked" (root's chmod 000 does not stop a listing)."""
    import shutil

    from PySide6.QtWidgets import QApplication

    folder = tmp_path / "records"
    for sub in ("ok", "locked"):
        (folder / sub).mkdir(parents=True)
        shutil.copy(SAMPLE, folder / sub)
        shutil.copy(SAMPLE.with_suffix(".dat"), folder / sub)
    out = tmp_path / "scores.csv"
    dlg = run_batch_dialog(qtbot, tiny_model, folder, out)
    assert dlg.table.rowCount() == 1 and "1 scored" in dlg.status.text(), dlg.status.text()
    note = f"1 folder could not be read: {folder / 'locked'} (Permission denied)"
    assert f"{note}; the records in them are not in {out}" in dlg.status.text()
    assert note in dlg.status.toolTip()
    assert QApplication.activeModalWidget() is None


@needs_sample
def test_batch_dialog_tells_a_taken_over_lock_before_the_first_row(qtbot, tiny_model, tmp_path):
    """A lock file left by a killed run (pid=424242, nobody holding it) was taken over with the
    dialog saying so only in its end-of-run summary (hours later on a large folder), as mirage
    score once did. The dialog's notes say it before the first record's row arrives, once, and the
    run goes on. Truth: the lock file and PID this test wrote."""
    folder = two_record_folder(tmp_path)
    out = tmp_path / "scores.csv"
    lock = tmp_path / ".scores.csv.lock"
    lock.write_text("pid=424242\n")
    seen: list[str] = []          # the notes when each record's row arrived

    def listen(dlg, worker):
        worker.signals.progress.connect(lambda _d, _t, row: seen.append(dlg.notes.text())
                                        if isinstance(row, dict) else None)

    dlg = run_batch_dialog(qtbot, tiny_model, folder, out, listen=listen)
    line = f"lock file {lock} was left by 'mirage score' process 424242, which is no longer running"
    assert len(seen) == 2 and line in seen[0], (seen, dlg.status.text())
    assert "2 scored" in dlg.status.text(), dlg.status.text()
    told = dlg.notes.text() + dlg.status.text()
    assert told.count(line) == 1 and told.count("taken over") == 1, told
    assert dlg.notes.isVisibleTo(dlg)


@needs_sample
def test_batch_dialog_names_the_labs_rows_that_fit_no_record(qtbot, tiny_model, tmp_path):
    """The labs-table rows that matched no record (their values used for nobody) and the case /
    leading-zero hint were printed by mirage score but never shown by the dialog: "Done: 4 scored"
    and nothing else. They are named in its notes now, with the hint, and the run still scores every
    record. Truth: the table's ids ('00417_LR' is the record 00417_lr in other case, '99999' none)."""
    import shutil

    from PySide6.QtWidgets import QApplication

    folder = tmp_path / "ptbxl"
    shutil.copytree(SAMPLE.parent.parent.parent, folder)
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,age\n00417_LR,40\n99999,50\n11125_lr,60\n")
    dlg = run_batch_dialog(qtbot, tiny_model, folder, tmp_path / "scores.csv", labs=labs)
    assert dlg.table.rowCount() == 4 and "4 scored" in dlg.status.text(), dlg.status.text()
    notes = dlg.notes.text()
    assert "2 rows of labs.csv fit no record in this folder and were not used ('00417_LR', '99999')" in notes, notes
    assert "'00417_LR' differs from the record '00417_lr' only in case or leading zeros" in notes, notes
    assert "Traceback" not in notes and dlg.notes.isVisibleTo(dlg)
    assert "00417_LR" in dlg.notes.toolTip() and "99999" in dlg.notes.toolTip()
    assert QApplication.activeModalWidget() is None
    r = [row["record_id"] for row in dlg.rows].index("11125_lr")     # the row that fits is used
    assert dlg.rows[r]["age_used"] == 60


@needs_sample
def test_channels_not_among_the_12_leads_are_named_in_the_window(qtbot):
    """A PTB Diagnostic record carries the Frank leads vx, vy, vz beside its 12 leads; the window
    dropped them without a word. Its record information now names them (the words of the PDF's
    notes), as drawn after the 12 (test_app_extra_leads). Truth: wfdb's own reading of the header."""
    import wfdb

    hea = Path(__file__).parent / "data" / "ptbdb" / "s0010_re.hea"
    std = {"I", "II", "III", "AVR", "AVL", "AVF", "V1", "V2", "V3", "V4", "V5", "V6"}
    others = [n for n in wfdb.rdheader(str(hea.with_suffix(""))).sig_name if n.upper() not in std]
    assert others == ["vx", "vy", "vz"]
    window = make_window(qtbot, load_model=False)
    open_and_wait(qtbot, window, hea)
    note = f"extra leads drawn after the 12: {', '.join(others)} (not read by the models)"
    assert note in window.results.device.text()
    assert window.results.device.isVisibleTo(window)
    open_and_wait(qtbot, window, SAMPLE)                  # 12 leads only
    assert "extra leads" not in window.results.device.text()


@needs_sample
def test_measurement_values_stay_in_view_at_1024x600_with_the_folder_open(qtbot):
    """At 1024x600 with the folder dock open the Measurements table was squeezed to its first
    column: the Value column lay right of the viewport, behind a horizontal scroll bar. Its name
    and value cells now lie within the viewport, and their Source too."""
    from PySide6.QtWidgets import QApplication

    window = make_window(qtbot, load_model=False)
    window.open_folder(SAMPLE.parent.parent.parent)
    qtbot.waitUntil(lambda: window.browser_dock.isVisible(), timeout=WAIT_MS)
    open_and_wait(qtbot, window, SAMPLE, analysis=True)   # measured: the values are in the table
    window.resize(1024, 600)        # the height stops at the window's minimum (631 offscreen)
    qtbot.waitUntil(lambda: window.width() == 1024, timeout=WAIT_MS)
    QApplication.processEvents()
    table = window.measure_panel.table
    view = table.viewport().rect()
    assert window.measure_panel.isVisible() and view.width() > 0
    for r in range(table.rowCount()):
        for c in (0, 1, 2):                                  # the name, the value and its source
            cell = table.visualRect(table.model().index(r, c))
            if cell.isValid():                               # rows below the fold are scrolled to, not cut
                assert view.left() <= cell.left() and cell.right() <= view.right(), (r, c, cell, view)
    assert table.horizontalScrollBar().value() == 0
    value = table.item(0, 1).text()
    assert value and table.columnWidth(1) >= table.fontMetrics().horizontalAdvance(value)
    name = table.item(0, 0).text()                           # not cut to "Heart r..."
    assert table.columnWidth(0) >= table.fontMetrics().horizontalAdvance(name)


def test_worker_reports_errors_and_honours_cancel(qtbot):
    from mirage_model.records import RecordError

    def failing(ctx):
        raise RecordError("x.hea", "signal file is truncated")

    w = workers.Worker(failing)
    with qtbot.waitSignal(w.signals.error, timeout=WAIT_MS) as err:
        w.start()
    assert err.args[0] == "x.hea: signal file is truncated"

    def slow(ctx):
        for i in range(1000):
            ctx.check()
            ctx.progress(i, 1000)
            import time
            time.sleep(0.001)
        return "finished"

    results = []
    w = workers.Worker(slow)
    w.signals.result.connect(results.append)
    with qtbot.waitSignal(w.signals.finished, timeout=WAIT_MS):
        w.start()
        w.cancel()
    assert results == []


def test_about_and_excepthook(qtbot, tmp_path, monkeypatch):
    from app import main as app_main

    text = about_text()
    assert RESEARCH_USE_NOTICE in text and "PySide6" in text
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    app_main.install_excepthook(lambda: None, tmp_path / "log.txt")
    try:
        raise ValueError("boom")
    except ValueError:
        sys.excepthook(*sys.exc_info())   # must not raise; shows a dialog and logs
    assert app_main.default_sample() is None or app_main.default_sample().suffix == ".hea"


@pytest.mark.slow
@needs_sample
def test_screenshot_cli(tmp_path):
    """``mirage-review --screenshot`` renders the window offscreen and exits (a separate process)."""
    import os
    import subprocess

    out = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path), HOME=str(tmp_path))
    proc = subprocess.run([sys.executable, "-m", "app.main", "--screenshot", str(out), str(SAMPLE)],
                          env=env, capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parent.parent)
    assert proc.returncode == 0, proc.stderr[-2000:]
    from PIL import Image

    img = Image.open(out)
    assert img.size == (1600, 1050)


def test_long_record_is_clipped_and_downsampled(qtbot):
    """A minute-long 500 Hz record (12x1 draws up to a minute whole, WHOLE_12X1_S; a longer one page
    by page: test_app_long_records): full data in each reused curve, a screenful drawn, pages in 3x4."""
    from app.views.ecg_viewer import EcgViewer
    from app.views.paper import WHOLE_12X1_S
    from mirage_model.records import EcgRecord

    fs, seconds = 500.0, int(WHOLE_12X1_S)
    t = np.arange(int(fs * seconds)) / fs
    signal = np.stack([np.sin(2 * np.pi * (1 + k / 10) * t) for k in range(12)]).astype(np.float32)
    viewer = EcgViewer()
    qtbot.addWidget(viewer)
    viewer.resize(1200, 800)
    viewer.show()
    viewer.layout_box.setCurrentText("12x1")
    viewer.set_record(EcgRecord(signal=signal, fs=fs, record_id="long"))
    plot = viewer.plot
    curves_before = list(plot.curves)
    qtbot.waitUntil(lambda: plot.curves[0].curve.xData is not None)
    item = plot.curves[0]
    assert item.xData.size == signal.shape[1]                  # the whole record is in the item
    assert item.opts["clipToView"] and item.opts["autoDownsample"] and item.opts["downsampleMethod"] == "peak"
    drawn = item.curve.xData.size                              # what the PlotCurveItem actually draws
    assert drawn < signal.shape[1] / 10
    assert drawn >= 0.5 * plot.vb.width()                      # about a peak pair per pixel, not fewer
    viewer.layout_box.setCurrentText("3x4")
    assert plot.curves[:len(curves_before)] == curves_before   # reused, not recreated
    assert viewer.page.count() == 6 and viewer.page.isEnabled()
    viewer.page.setCurrentIndex(5)
    starts = sorted({p.t0 for p in plot.panels() if not p.rhythm})
    assert starts == pytest.approx([50.0, 52.5, 55.0, 57.5])


def test_icons_load():
    from app.window.menus import icon

    for name in ("open", "folder", "run", "pdf", "batch", "settings", "mirage"):
        assert not icon(name).isNull(), name


@needs_sample
def test_drop_a_record_and_a_folder(qtbot):
    from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    window = make_window(qtbot)

    def drop(path):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        event = QDropEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                           Qt.KeyboardModifier.NoModifier)
        window.dropEvent(event)

    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        drop(SAMPLE_MI)
    assert window.record.record_id == "11125_lr"
    drop(SAMPLE_MI.parent)
    assert window.browser_dock.isVisible()
    qtbot.waitUntil(lambda: window.browser.worker is None, timeout=WAIT_MS)
    assert window.browser.table.rowCount() == 1


def test_settings_dialog_round_trip(qtbot, tmp_path):
    from app.settings import SettingsDialog

    settings = Settings()
    assert (settings.device, settings.page_size, settings.model_path) == ("auto", "A4", "")
    dlg = SettingsDialog(settings)
    qtbot.addWidget(dlg)
    dlg.device.setCurrentText("cpu")
    dlg.page_size.setCurrentText("Letter")
    dlg.institution.setText("Test Hospital")
    dlg.model_path.setText(str(tmp_path / "ckpt"))
    dlg.dpi.setValue(110.0)
    dlg.apply()
    fresh = Settings()            # a new QSettings object reads what was stored
    assert (fresh.device, fresh.page_size, fresh.institution) == ("cpu", "Letter", "Test Hospital")
    assert fresh.model_path == str(tmp_path / "ckpt") and fresh.dpi_override == 110.0
    # --device applies to the session only
    window = MainWindow(fresh, model_path=None, device="cuda")
    qtbot.addWidget(window)
    assert window.device() == "cuda" and Settings().device == "cpu"
    assert window.model_path() == str(tmp_path / "ckpt")


def test_lab_form_without_model_records_everything(qtbot):
    from app.views.lab_form import LabForm

    form = LabForm()
    qtbot.addWidget(form)
    assert form.model_schema is None and not form.is_used("age")
    form.set_value("troponin_t", "<3", "ng/L")          # censored result: its limit, normal
    assert form.status("troponin_t") == "ok" and form.values()["troponin_t"] == (3.0, "ng/L")
    form.set_value("potassium", "2.9", "mmol/L")
    assert form.status("potassium") == "low"
    form.set_value("potassium", "abc", "mmol/L")
    assert form.status("potassium") == "error" and "not a number" in form.message("potassium")
    assert "potassium" not in form.values() and "potassium" in form.errors()



def test_lab_form_stars_only_what_a_loaded_model_does_not_read(qtbot):
    """While the model loaded (a real 1024x768 window, the first seconds) every row read "Age *",
    "Sex *", "Weight *": "* = not used by this model", for the values the model was about to read,
    under a caption saying they are "used once it is loaded". A star now needs a model: none while
    one loads or none is loaded; once a model's schema is known, exactly the features outside it.
    Truth: the schema's own feature names."""
    from app.views.lab_form import LabForm
    from mirage_model.clinical import default_schema

    form = LabForm()
    qtbot.addWidget(form)
    form.set_loading_model(True)
    starred = [n for n in form.features() if form._rows[n].name_label.text().endswith(" *")]
    assert starred == [] and "*" not in form.caption.text()
    form.set_loading_model(False)
    assert [n for n in form.features() if form._rows[n].name_label.text().endswith(" *")] == []
    form.set_schema(default_schema().subset(["age", "sex"]))
    starred = {n for n in form.features() if form._rows[n].name_label.text().endswith(" *")}
    assert starred == set(default_schema().names) - {"age", "sex"}
    assert "* = not used by this model" in form.caption.text()

# ---------------------------------------------------------------------------------------------
# paper, heatmaps, report edits, torch threads


def _tall_record():
    """500 Hz, 10 s: small beats, plus tall waves in the outer rows and a 40 mV lead-off spike."""
    from mirage_model.records import EcgRecord

    sig = np.zeros((12, 5000), np.float32)
    sig[:, ::250] = 1.0
    sig[0, 1000:1010] = 6.0          # lead I: top row in every layout
    sig[0, 3000:3005] = 40.0         # beyond what any paper should grow for: clipped
    sig[11, 2000:2010] = -5.0        # V6: bottom row in 12x1
    sig[1, 4000:4010] = -4.0         # lead II: the rhythm strip, bottom row in 6x2 / 3x4
    return EcgRecord(signal=sig, fs=500.0, record_id="tall")


def _dark_pixels_off_paper(plot) -> int:
    """Trace-dark pixels painted outside the paper rectangle (grabbed from the screen buffer)."""
    img = plot.viewport().grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    w, h = img.width(), img.height()
    arr = np.frombuffer(img.constBits(), np.uint8).reshape(h, img.bytesPerLine())[:, :3 * w].reshape(h, w, 3)
    a = plot.vb.mapViewToDevice(QPointF(0.0, plot.paper.height))
    b = plot.vb.mapViewToDevice(QPointF(plot.paper.width, 0.0))
    outside = np.ones((h, w), bool)
    outside[max(0, int(a.y()) - 1):int(b.y()) + 2, max(0, int(a.x()) - 1):int(b.x()) + 2] = False
    assert outside.sum() > 0.05 * h * w    # the page is fitted: there is glass around it
    return int(((arr.astype(int).sum(axis=2) < 300) & outside).sum())


def test_paper_covers_every_trace_and_clips_the_rest(qtbot):
    from app.views.ecg_viewer import EcgViewer
    from app.views.paper import BOTTOM_MM, LAYOUTS, MAX_GROW_MM, TOP_MM

    viewer = EcgViewer()
    qtbot.addWidget(viewer)
    viewer.resize(1200, 800)
    viewer.show()
    record = _tall_record()
    viewer.set_record(record)
    plot = viewer.plot
    for layout in LAYOUTS:
        viewer.layout_box.setCurrentText(layout)
        for speed in range(len(SPEEDS)):
            viewer.speed.setCurrentIndex(speed)
            for gain in range(len(GAINS)):
                viewer.gain.setCurrentIndex(gain)
                W, H = plot.paper.width, plot.paper.height
                assert plot.trace_clip.rect().getRect() == (0.0, 0.0, W, H)
                half_row = plot.panels()[0].height / 2
                top_margin = H - max(p.baseline for p in plot.panels()) - half_row
                bottom_margin = min(p.baseline for p in plot.panels()) - half_row
                cap = TOP_MM + MAX_GROW_MM
                for panel, curve in plot.panel_curves():
                    assert curve.parentItem() is plot.trace_clip
                    x, y = curve.xData, curve.yData
                    assert x.min() >= 0 and x.max() <= W, (layout, speed, gain)
                    # everything but the 40 mV spike lies on the paper itself, unless the paper
                    # reached its limit (then the rest is clipped at the edge)
                    mv = panel.mv_of(y, plot.gain)
                    ok = y[mv < 10.0]
                    assert ok.min() >= 0 or bottom_margin == BOTTOM_MM + MAX_GROW_MM, (layout, panel)
                    assert ok.max() <= H or top_margin == cap, (layout, panel, plot.speed, plot.gain)
                # the paper grew for the tallest wave in the top row (the spike at 6 s falls in
                # lead I only in 12x1; in 6x2 / 3x4 lead I shows 0-5 s / 0-2.5 s), at most by
                # MAX_GROW_MM, and for the -5 mV (V6, 12x1) or -4 mV (rhythm strip) wave below
                for margin, default, mv in ((top_margin, TOP_MM, 40.0 if layout == "12x1" else 6.0),
                                            (bottom_margin, BOTTOM_MM, 5.0 if layout == "12x1" else 4.0)):
                    need = min(default + MAX_GROW_MM, mv * plot.gain - half_row + 2.0)
                    assert margin >= need and margin <= max(default, need + 5.0), (layout, mv, plot.gain)
    # and on screen no ink lands off the paper (the 40 mV spike is cut at its edge)
    for layout in ("12x1", "3x4"):
        viewer.layout_box.setCurrentText(layout)
        viewer.gain.setCurrentText("20 mm/mV")
        plot.fit_page()
        if layout == "12x1":    # "Fit page" fits its width, the rows running on below: zoomed out to the whole page
            plot.zoom *= min(1.0, plot.vb.height() / ((plot.paper.height + 4) * plot.px_per_paper_mm()))
            plot.apply_scale(QPointF(-2.0, plot.paper.height + 2.0))
        plot.viewport().repaint()
        assert _dark_pixels_off_paper(plot) == 0, layout


@needs_sample
def test_bundled_samples_stay_on_their_paper(qtbot):
    """Real records (incl. LVH's tall QRS) fit the paper without clipping at every layout and speed."""
    from app.views.ecg_viewer import EcgViewer
    from app.views.paper import LAYOUTS
    from mirage_model.records import load_record
    from mirage_model.paths import sample_records

    viewer = EcgViewer()
    qtbot.addWidget(viewer)
    viewer.resize(1000, 700)
    viewer.show()
    for path in sample_records():
        viewer.set_record(load_record(path))
        plot = viewer.plot
        for layout in LAYOUTS:
            viewer.layout_box.setCurrentText(layout)
            for speed in range(len(SPEEDS)):
                viewer.speed.setCurrentIndex(speed)
                W, H = plot.paper.width, plot.paper.height
                for panel, curve in plot.panel_curves():
                    x, y = curve.xData, curve.yData
                    assert 0 <= x.min() and x.max() <= W - 4.0, (path.stem, layout, plot.speed)
                    assert 0 <= np.nanmin(y) and np.nanmax(y) <= H, (path.stem, layout, panel.lead)


@needs_sample
def test_inference_runs_off_the_gui_thread_with_the_librarys_thread_count(qtbot, tiny_model, monkeypatch, request):
    import threading

    import torch

    from mirage_model import runtime

    monkeypatch.delenv("MIRAGE_THREADS", raising=False)
    # a fresh process as far as threads go: nothing chosen yet, torch at its own default
    monkeypatch.setattr(runtime, "_THREADS_SET", False)
    monkeypatch.setattr(jobs, "_THREADS", [])
    before = torch.get_num_threads()
    request.addfinalizer(lambda: torch.set_num_threads(before))
    torch.set_num_threads(max(2, before))
    window = make_window(qtbot, model=str(tiny_model))
    predictor = window.predictor
    seen = []
    real = predictor.predict

    def spy(*args, **kwargs):
        seen.append((threading.current_thread() is threading.main_thread(), torch.get_num_threads()))
        return real(*args, **kwargs)

    monkeypatch.setattr(predictor, "predict", spy)
    with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS):
        window.open_record(SAMPLE)
    chosen = jobs.chosen_threads()
    assert seen and all(not on_gui for on_gui, _ in seen)
    # the count set_threads chose (1 on a 2-core machine), not torch's default of one per core
    assert chosen == runtime.default_threads() and all(n == chosen for _, n in seen)
    assert runtime.default_threads(2) == 1
    if window.predictor.device == "cpu":
        assert f"{chosen} torch thread" in window.results.model_label.text()


# ---------------------------------------------------------------------------------------------
# issue 13: window size, legends, colours, folder order, screenshot of a folder, export CLI


def test_window_fits_the_screen_and_remembers_its_geometry(qtbot):
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    window.fit_to_screen(restore=False)
    avail = window.screen().availableGeometry()
    assert window.width() <= avail.width() and window.height() <= avail.height()
    window.resize(1280, 800)
    window.show()
    qtbot.wait(50)
    # the scale buttons are on the toolbar itself, never in its overflow menu
    for w in (window.viewer.reset_btn, window.viewer.fit_btn):
        assert w.isVisible()
        assert w.mapTo(window, w.rect().bottomRight()).x() <= window.width()
    assert window.statusBar().isVisible() and window.statusBar().geometry().bottom() <= window.height()
    window.move(10, 20)
    window.resize(740, 640)
    size = (window.width(), window.height())
    window.close()
    assert Settings().window_geometry is not None
    again = MainWindow(Settings())
    qtbot.addWidget(again)
    again.fit_to_screen()
    assert (again.width(), again.height()) == size


def test_a_short_screen_opens_records_fitted_also_when_the_window_size_is_restored(qtbot):
    """On a 1280x800 screen records open fitted to the page (the 3x4 page at true scale is taller than
    the screen). The first start did; every later one, restoring the saved window size, opened them at
    true scale with 2 of the 4 rows in view. Truth: the screen's own available height."""
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    window.fit_to_screen(restore=False)
    short = window.screen().availableGeometry().height() < 900
    assert window.fit_page_on_open == short
    window.close()                                      # saves the geometry
    assert Settings().window_geometry is not None
    again = MainWindow(Settings())
    qtbot.addWidget(again)
    again.fit_to_screen()                               # restores it
    assert again.fit_page_on_open == short
    if not short:
        pytest.skip("this screen is tall enough for true scale; the restored case is checked on short ones")


def test_probability_bars_colours_names_and_legend(qtbot):
    from app.views.probability_bars import ProbabilityBars

    bars = ProbabilityBars()
    qtbot.addWidget(bars)
    bars.set_prediction(("NORM", "MI", "STTC"), [0.9, 0.8, 0.1], [0.5, 0.5, 0.5])
    assert bars.colour("NORM", 0.9, 0.5).name() == ProbabilityBars.NORMAL.name()     # reassuring, not red
    assert bars.colour("MI", 0.8, 0.5).name() == ProbabilityBars.FINDING.name()
    assert bars.colour("STTC", 0.1, 0.5).name() == ProbabilityBars.BELOW.name()
    # a rare class's threshold below 1 %: at 0.4 % it is above it but not called, so not red
    assert bars.colour("STTC", 0.004, 0.003).name() == ProbabilityBars.BELOW.name()
    assert bars.colour("STTC", 0.25, 0.003).name() == ProbabilityBars.FINDING.name()
    assert "threshold" in bars.legend_text()[0]
    bars.resize(420, bars.sizeHint().height())
    img = bars.grab().toImage()
    assert img.width() == 420
    assert bars.sizeHint().height() >= 8 + 22 * 3 + ProbabilityBars.LEGEND_H
    from mirage_model.review.labels import label_name
    assert label_name("MI") == "Myocardial infarction" and label_name("XYZ") == "XYZ"


def test_fiducial_legend_follows_the_checkbox(qtbot):
    from app.views.ecg_viewer import EcgViewer
    from app.views.plot_overlays import FIDUCIAL_STYLE

    viewer = EcgViewer()
    qtbot.addWidget(viewer)
    viewer.show()
    assert not viewer.fid_legend.isVisible()
    viewer.fid_box.setChecked(True)
    assert viewer.fid_legend.isVisible()
    html = viewer.fid_legend.text()
    for name in ("P on/off", "QRS on/off", "QRS peak", "T end"):
        assert name in html
    r, g, b = FIDUCIAL_STYLE["r_peak"][1]
    assert f"rgb({r},{g},{b})" in html


def test_folder_browser_sorts_naturally_and_steps(qtbot, tmp_path):
    from app.views.folder_browser import natural_key

    names = ["1", "10", "100", "11", "2"]
    assert sorted(names, key=natural_key) == ["1", "2", "10", "11", "100"]
    src = resources_dir() / "samples" / "ludb"
    if not (src / "1.hea").is_file():
        pytest.skip("bundled LUDB sample not present")
    for n in names:
        for ext in ("hea", "dat"):
            text = (src / f"1.{ext}").read_bytes()
            if ext == "hea":
                text = text.replace(b"1 12 500", f"{n} 12 500".encode(), 1).replace(b"1.dat", f"{n}.dat".encode())
            (tmp_path / f"{n}.{ext}").write_bytes(text)
    (tmp_path / "ward-list.xml").write_text("<wardlist/>")              # an XML that is no ECG: told, not listed
    window = make_window(qtbot, load_model=False)
    assert not window.step_record(1)                                 # no folder yet: says how to get one
    assert window.status_label.text().startswith("No folder is open: File > Open folder")
    w = window.open_folder(tmp_path)
    qtbot.waitUntil(lambda: window.browser.worker is None, timeout=WAIT_MS)
    assert [Path(p).stem for p in window.browser.paths] == ["1", "2", "10", "11", "100"]
    assert "1 file(s) here are no ECG MIRAGE reads, not listed: ward-list.xml" in window.browser.folder_label.text()
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.browser._open_row(1)
    assert window.record.record_id == "2"
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        assert window.step_record(1)
    assert window.record.record_id == "10"
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        assert window.step_record(-1)
    assert window.record.record_id == "2"
    # the shortcut as a user presses it: Ctrl held must not add the next row to the selection. A
    # window shortcut needs the active window: on a real display (xcb) without a window manager,
    # nothing activates it but this
    from PySide6.QtCore import Qt
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        qtbot.keyClick(window.browser.table, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert window.record.record_id == "10"
    assert [i.row() for i in window.browser.table.selectionModel().selectedRows()] == [2]
    del w


def test_loading_model_is_said_and_run_needs_a_model(qtbot, tiny_model):
    window = make_window(qtbot, load_model=False)
    assert "No model loaded" not in window.results.model_label.text()
    assert not window.run_action.isEnabled() and not window.results.run_btn.isEnabled()
    window.load_model(str(tiny_model))
    assert "Loading model" in window.results.model_label.text()
    assert "Loading the model" in window.lab_form.caption.text()
    qtbot.waitUntil(lambda: window.model_worker is None, timeout=WAIT_MS)
    # a model and no record: nothing to run yet (test_app_keyboard checks every record control)
    assert not window.run_action.isEnabled() and not window.results.run_btn.isEnabled()
    open_and_wait(qtbot, window, SAMPLE)
    assert window.run_action.isEnabled() and window.results.run_btn.isEnabled()


@pytest.mark.slow
def test_screenshot_of_a_folder_does_not_wait_out_its_timeout(tmp_path):
    import os
    import subprocess
    import time

    src = resources_dir() / "samples" / "ludb"
    folder = tmp_path / "recs"
    folder.mkdir()
    for f in src.glob("1.*"):
        (folder / f.name).write_bytes(f.read_bytes())
    out = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path), HOME=str(tmp_path))
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "app.main", "--screenshot", str(out), "--timeout", "200",
                           str(folder)], env=env, capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parent.parent)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert out.is_file() and time.perf_counter() - t0 < 150


@needs_sample
def test_out_of_range_measurements_are_bold_with_an_arrow_and_the_range_on_hover(qtbot, tiny_model):
    # 00417_lr is a woman (F, 75 in the file): a QTc of 455 ms is within her range (< 460), a
    # QRS of 130 ms is wide for anyone (>= 120, Surawicz 2009)
    from mirage_model.measure import Measurements

    w = make_window(qtbot, tiny_model)
    open_and_wait(qtbot, w, SAMPLE, analysis=True)
    assert w.session.sex == "F"
    panel = w.measure_panel
    auto = Measurements(**{**{k: None for k in Measurements.__dataclass_fields__},
                           "heart_rate_bpm": 75.0, "rr_ms": 800.0, "qrs_ms": 130.0, "qt_ms": 407.0,
                           "qtc_bazett_ms": 455.0, "method": "test"})
    assert w.session.accept_measurements(w.session.id, auto)
    panel._fill()
    keys = [k for k, _, _ in __import__("app.views.measurements", fromlist=["ROWS"]).ROWS]
    qrs, qtc = keys.index("qrs_ms"), keys.index("qtc_bazett_ms")
    assert panel.table.item(qrs, 1).font().bold() and "\u2191" in panel.table.item(qrs, 2).text()
    assert "high" in panel.table.item(qrs, 2).toolTip() and "< 120 ms" in panel.table.item(qrs, 2).toolTip()
    assert "< 120 ms" in panel.table.item(qrs, 1).toolTip()
    assert not panel.table.item(qtc, 1).font().bold() and "women" in panel.table.item(qtc, 1).toolTip()


def test_artefact_stretches_are_shaded_on_their_leads(qtbot):
    """A quality finding placed in time (a large artefact) is shaded on the leads it names, over
    exactly its seconds, where the page shows those leads at that time; a new record clears it."""
    from app.views.ecg_viewer import EcgViewer
    from mirage_model.quality import Finding, QualityReport
    from mirage_model.records import STANDARD_LEADS, EcgRecord

    fs = 100.0
    t = np.arange(int(fs * 20)) / fs
    signal = np.stack([np.sin(2 * np.pi * 1.2 * t)] * 12).astype(np.float32)
    viewer = EcgViewer()
    qtbot.addWidget(viewer)
    viewer.resize(1200, 800)
    viewer.show()
    viewer.layout_box.setCurrentText("12x1")                # every lead over the whole 20 s
    viewer.set_record(EcgRecord(signal=signal, fs=fs, record_id="pop"))
    plot = viewer.plot

    def check(leads, n):
        boxes = plot.artefact_boxes()
        assert len(boxes) == n, boxes
        for box in boxes:
            p = next(p for p in plot.panels() if abs(p.baseline - box.center().y()) < 1e-6
                     and p.t0 <= 17.0 < p.t1)
            assert STANDARD_LEADS[p.lead] in leads
            assert p.t_of(box.left(), plot.speed) == pytest.approx(16.9, abs=1e-6)
            assert p.t_of(box.right(), plot.speed) == pytest.approx(17.4, abs=1e-6)

    found = Finding("artefact", "large artefact at 16.9-17.4 s", "warning", ("I", "III"), span_s=(16.9, 17.4))
    plot.set_quality(QualityReport("usable", "", (found,)))
    check(("I", "III"), 2)
    # 3x4: 17 s lies in the third column (V1-V3) of the page 10-20 s
    found = Finding("artefact", "large artefact at 16.9-17.4 s", "critical", ("V1", "V2"), span_s=(16.9, 17.4))
    plot.set_quality(QualityReport("unreliable", found.name, (found,)))
    viewer.layout_box.setCurrentText("3x4")
    assert plot.artefact_boxes() == []                      # page 0-10 s
    viewer.page.setCurrentIndex(1)
    check(("V1", "V2"), 2)
    viewer.set_record(EcgRecord(signal=signal, fs=fs, record_id="next"))
    plot.set_quality(None)
    assert plot.artefact_boxes() == []


def test_the_model_image_and_its_controls_fit_beside_the_tabs_on_a_1280_screen(qtbot):
    """On a 1280x800 screen the model-image column (about 250 px) had its title and its saliency
    controls (the opacity slider) run past its right edge; then, in a tab of its own under the traces,
    it was out of view until clicked. Beside the tabs now, it is in view as the window opens, and every
    control of it lies inside it and the window at that width, right of the tabs."""
    window = make_window(qtbot, load_model=False)
    window.resize(1280, 800)
    window.show()
    qtbot.wait(50)
    view = window.image_view
    assert view.isVisible() and window.tabs.currentWidget() is window.lab_form
    assert view.minimumSizeHint().width() <= view.width()      # nothing in it squeezed below its minimum
    left = view.mapTo(window, view.rect().topLeft()).x()
    edge = view.mapTo(window, view.rect().topRight()).x()
    assert window.tabs.mapTo(window, window.tabs.rect().topRight()).x() < left
    for child in (view.show_box, view.method, view.opacity):
        right = child.mapTo(window, child.rect().topRight()).x()
        assert child.isVisible() and right <= edge <= window.width(), (type(child).__name__, right, edge)


def test_folder_browser_shows_a_folder_it_could_not_read(qtbot, tmp_path, locked_folders):
    """A folder the search cannot list is told in the browser's line (one note, not a dialog per
    folder); the records of the others are listed (as root chmod 000 does not stop a listing, so
    the refusal is simulated)."""
    import shutil

    from app.views.folder_browser import FolderBrowser

    sample = resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr.hea"
    for sub in ("ok", "locked"):
        (tmp_path / sub).mkdir()
        shutil.copy(sample, tmp_path / sub)
        shutil.copy(sample.with_suffix(".dat"), tmp_path / sub)
    browser = FolderBrowser()
    qtbot.addWidget(browser)
    browser.set_folder(tmp_path)
    qtbot.waitUntil(lambda: browser.worker is None, timeout=WAIT_MS)
    assert browser.paths == [tmp_path / "ok" / "00417_lr.hea"]
    note = f"1 folder could not be read: {tmp_path / 'locked'} (Permission denied)"
    assert note in browser.folder_label.text() and note in browser.folder_label.toolTip()


def test_folder_browser_steps_without_resolving_every_path(qtbot, tmp_path, monkeypatch):
    """Ctrl+PgDown finds the open record's row by one lookup: before, it resolved every listed
    path on the GUI thread (1.3 s per key press in PTB-XL's 21,799-record folder)."""
    from app.views.folder_browser import FolderBrowser

    browser = FolderBrowser()
    qtbot.addWidget(browser)
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    browser.folder = tmp_path / "real"
    paths = [tmp_path / "real" / f"{k}.hea" for k in range(200)]
    for p in paths[:3]:
        p.write_text("")
    browser._progress(0, len(paths), ("paths", paths))
    opened = []
    browser.openRecord.connect(opened.append)
    calls = []
    real_resolve = Path.resolve
    monkeypatch.setattr(Path, "resolve", lambda self, *a, **k: calls.append(self) or real_resolve(self, *a, **k))
    assert browser.step(paths[0], 1) and opened[-1] == str(paths[1])        # the path as listed
    assert browser.step(tmp_path / "link" / "1.hea", 1) and opened[-1] == str(paths[2])   # another spelling
    assert not browser.step(paths[-1], 1)                                    # the last one: no next
    assert browser.step(tmp_path / "elsewhere.hea", 1) and opened[-1] == str(paths[0])    # not listed: the first
    assert len(calls) <= 6


@needs_sample
def test_folder_browser_highlights_the_record_on_screen_not_the_one_before(qtbot, tmp_path):
    """Row 2 of a folder opened, then the PTB-XL sample from File > Open (or a batch row, a recent
    entry): the browser had kept row 2 highlighted ("2", 64, M) beside the sample's traces (75, F),
    as if it were that patient's. Now the highlight follows the record on screen: none while the
    record is not listed, its own row when a listed record is opened from elsewhere."""
    ludb = resources_dir() / "samples" / "ludb"
    for name in ("1", "14"):
        for ext in ("hea", "dat"):
            (tmp_path / f"{name}.{ext}").write_bytes((ludb / f"{name}.{ext}").read_bytes())
    window = make_window(qtbot, load_model=False)
    window.open_folder(tmp_path)
    qtbot.waitUntil(lambda: window.browser.worker is None, timeout=WAIT_MS)
    assert [Path(p).name for p in window.browser.paths] == ["1.hea", "14.hea"]

    def highlighted() -> list[Path]:
        return [Path(window.browser.paths[i.row()]) for i in window.browser.table.selectionModel().selectedRows()]

    table = window.browser.table
    cell = table.visualRect(table.model().index(1, 0)).center()
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):      # a double-click on row 2
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    assert highlighted() == [tmp_path / "14.hea"] == [window.record_path]
    open_and_wait(qtbot, window, SAMPLE)                      # not in the folder: no row is this patient
    assert window.record_path == SAMPLE and highlighted() == []
    open_and_wait(qtbot, window, tmp_path / "1.hea")          # listed, opened from File > Open
    assert highlighted() == [tmp_path / "1.hea"] == [window.record_path]


@needs_sample
def test_a_folder_opened_after_its_record_highlights_that_record(qtbot, tmp_path):
    """LUDB 14 opened from File > Open, then its folder from File > Open folder: the list came with no row
    highlighted, while Ctrl+PgDown went on from 14's row (the browser knew where the record on screen was,
    and did not show it). The row of the record on screen is now highlighted as the list arrives."""
    ludb = resources_dir() / "samples" / "ludb"
    for name in ("1", "14"):
        for ext in ("hea", "dat"):
            (tmp_path / f"{name}.{ext}").write_bytes((ludb / f"{name}.{ext}").read_bytes())
    window = make_window(qtbot, load_model=False)
    open_and_wait(qtbot, window, tmp_path / "14.hea")
    window.open_folder(tmp_path)
    qtbot.waitUntil(lambda: window.browser.worker is None, timeout=WAIT_MS)
    assert [Path(p).name for p in window.browser.paths] == ["1.hea", "14.hea"]
    rows = [i.row() for i in window.browser.table.selectionModel().selectedRows()]
    assert rows == [1], rows


@needs_sample
def test_a_job_that_ends_after_its_window_was_deleted_touches_nothing(qtbot, tiny_model, monkeypatch):
    """A model run still going when its window is closed and deleted (the app quitting, a test
    ending) delivered 'finished' to the deleted window: RuntimeError 'Internal C++ object
    (QProgressBar) already deleted' in the event loop, which the next test inherited."""
    import threading

    import shiboken6

    from app import jobs, workers

    running, release = threading.Event(), threading.Event()

    def slow_score(ctx, *args, **kwargs):
        running.set()
        release.wait(10)
        raise workers.Cancelled()

    monkeypatch.setattr(jobs, "score_job", slow_score)
    settings = Settings()
    settings.model_path = ""
    window = MainWindow(settings, model_path=str(tiny_model))
    window.show()
    window.load_model(str(tiny_model))
    qtbot.waitUntil(lambda: window.model_worker is None, timeout=WAIT_MS)
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(SAMPLE)
    qtbot.waitUntil(lambda: running.is_set() and window.predict_worker is not None, timeout=WAIT_MS)
    worker = window.predict_worker
    window.close()
    shiboken6.delete(window)
    release.set()
    assert workers.cancel_all_and_wait(10000)
    qtbot.wait(200)                        # the queued started/finished arrive now; pytest-qt fails on errors
    assert worker.elapsed_s is not None and not shiboken6.isValid(window)


def test_probability_bars_show_a_called_class_name_whole(qtbot):
    """A researcher's own class name, called (drawn bold), had been measured in the regular font:
    the wider bold text ran past its right-aligned box and lost its first letters ("orhofflimmern"
    for a folder model's "Vorhofflimmern" at 1400x900). Now no name pixel touches the left edge and
    a called and an uncalled copy of the name take the same room."""
    from app.views.probability_bars import ProbabilityBars

    bars = ProbabilityBars()
    qtbot.addWidget(bars)
    name = "Vorhofflimmern"
    bars.set_prediction((name, "LVH"), [0.54, 0.1], [0.5, 0.5])
    bars.resize(900, bars.sizeHint().height())
    img = bars.grab().toImage()
    row = range(4, 4 + 18)                                   # the called class's row
    dark = [x for x in range(0, 40) for y in row if img.pixelColor(x, y).lightness() < 128]
    assert dark, "the name is drawn"
    assert min(dark) >= 2, f"the bold name starts at x={min(dark)}: cut at the widget's left edge"
