"""The calipers' read-out over the traces and on the paper: a rate only for a span that can be a cycle, and the
reading whole in a laptop's window.

Truth: the markers set by hand at times on the paper (90 ms, a QRS; 200 ms, 300 bpm; 800 ms, 75 bpm) and the
rate worked out by hand from each (60000 / ms)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import QPointF  # noqa: E402
from PySide6.QtWidgets import QLabel  # noqa: E402

from helpers_app import WAIT_MS, isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from mirage_model.paths import resources_dir  # noqa: E402

LUDB = resources_dir() / "samples" / "ludb"
needs_ludb = pytest.mark.skipif(not (LUDB / "1.hea").is_file(), reason="bundled LUDB samples not present")


def _open(qtbot, window):
    window.open_folder(LUDB)
    qtbot.waitUntil(lambda: window.browser.worker is None, timeout=WAIT_MS)
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        assert window.step_record(1)


def _span(plot, t0: float, t1: float, mv1: float = 0.0):
    panel = plot.panels()[0]
    plot.caliper_a.setPos(QPointF(panel.x_of(t0, plot.speed), panel.y_of(0.0, plot.gain)))
    plot.caliper_b.setPos(QPointF(panel.x_of(t1, plot.speed), panel.y_of(mv1, plot.gain)))
    return plot.caliper_reading()


@needs_ludb
def test_a_span_shorter_than_a_cycle_reads_no_rate(qtbot):
    """A 90 ms QRS had read "90 ms, 667 bpm": no rhythm runs at 667/min. From 200 ms (300 bpm) on, a span can be
    an RR and its rate is read beside it, as before."""
    window = shown_window(qtbot)
    _open(qtbot, window)
    viewer, plot = window.viewer, window.viewer.plot
    viewer.caliper_btn.setChecked(True)
    r = _span(plot, 1.0, 1.09, 0.5)
    assert r["dt_ms"] == pytest.approx(90.0) and r["rate_bpm"] is None
    assert viewer.caliper_label.text() == "Calipers (I): 90 ms, +0.50 mV"
    assert plot.caliper_text.textItem.toPlainText() == "90 ms  +0.50 mV"        # the read-out on the paper
    r = _span(plot, 1.0, 1.198)
    assert r["rate_bpm"] is None and "bpm" not in viewer.caliper_label.text()
    r = _span(plot, 1.0, 1.2)
    assert r["rate_bpm"] == pytest.approx(300.0)
    assert viewer.caliper_label.text() == "Calipers (I): 200 ms, 300 bpm, +0.00 mV"
    r = _span(plot, 1.0, 1.8)
    assert r["rate_bpm"] == pytest.approx(75.0)
    assert plot.caliper_text.textItem.toPlainText() == "800 ms  75 bpm  +0.00 mV"


@needs_ludb
@pytest.mark.parametrize("size", [(1024, 700), (1008, 740)])
def test_the_caliper_reading_and_the_scale_on_screen_read_whole_in_a_narrow_window(qtbot, size):
    """At 1024x700 with the folder dock open and the page fitted, the line over the traces had read "zoom 0.47x:
    11.8 mm/s, 4.71 mm/m..." and "Calipers (I to II): 100..." (a cardiologist's screenshot). Now each says less
    where the line is short and cuts nothing it says: the reading whole ("1000 ms, 60 bpm, +0.50 mV"), the scale on
    screen whole; what is left out ("Calipers (I to II)", the zoom) is in the tooltips. Truth: the markers set by
    hand 1000 ms and 0.50 mV apart (60 bpm), the plot's own zoom, and the text each label draws."""
    window = shown_window(qtbot, size=size)
    _open(qtbot, window)
    viewer, plot = window.viewer, window.viewer.plot
    assert window.browser_dock.isVisible()
    plot.fit_page()
    viewer.caliper_btn.setChecked(True)
    first, last = plot.panels()[0], plot.panels()[-1]
    plot.caliper_a.setPos(QPointF(first.x_of(1.0, plot.speed), first.y_of(0.0, plot.gain)))
    plot.caliper_b.setPos(QPointF(last.x_of(2.0, plot.speed), last.y_of(0.5, plot.gain)))
    qtbot.wait(100)
    z = plot.zoom
    assert plot.fitted and abs(z - 1.0) > 0.01
    drawn = {name: QLabel.text(getattr(viewer, name)) for name in ("scale_label", "filter_label", "caliper_label")}
    assert not any("\u2026" in text or "..." in text for text in drawn.values()), drawn
    assert drawn["caliper_label"].endswith("1000 ms, 60 bpm, +0.50 mV"), drawn
    assert f"{25 * z:.3g} mm/s, {10 * z:.3g} mm/mV" in drawn["scale_label"], drawn
    assert drawn["filter_label"] == "Display filters off"
    assert "Calipers (I to II): 1000 ms, 60 bpm, +0.50 mV" in viewer.caliper_label.toolTip()
    assert f"zoom {z:.2f}x" in drawn["scale_label"] + viewer.scale_label.toolTip()
    viewer.caliper_btn.setChecked(False)               # hidden: the line's room is the scale's again
    qtbot.wait(50)
    assert viewer.caliper_label.minimumSizeHint().width() == 0
