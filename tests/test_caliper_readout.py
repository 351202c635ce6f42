"""The calipers' read-out over the traces and on the paper: a rate only for a span that can be a cycle.

Truth: the markers set by hand at times on the paper (90 ms, a QRS; 200 ms, 300 bpm; 800 ms, 75 bpm) and the
rate worked out by hand from each (60000 / ms)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import QPointF  # noqa: E402

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
