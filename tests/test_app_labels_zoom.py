"""The lead names and the lead-importance bars on the paper at any zoom (pytest-qt, offscreen): at 0.30x in
12x1 the names sat on the traces against the calibration pulses; zoomed in, a column's bars showed a gap
between rows. Truth: the drawn items' own places on screen, and the paper's rows
(25 mm a row in 12x1 at 10 mm/mV: room for 2.5 mV), the pulse and the baseline each row is drawn about."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF

pytest.importorskip("pytestqt")

from helpers_app import isolated_settings  # noqa: E402,F401 - fixture
from mirage_model.paths import resources_dir  # noqa: E402

LUDB1 = resources_dir() / "samples" / "ludb" / "1.hea"
pytestmark = pytest.mark.skipif(not LUDB1.is_file(), reason="bundled samples not present")


def _viewer(qtbot):
    from app.views.ecg_viewer import EcgViewer
    from mirage_model import load_record

    viewer = EcgViewer()
    viewer.resize(1200, 700)
    qtbot.addWidget(viewer)
    viewer.show()
    viewer.set_record(load_record(LUDB1))
    viewer.plot.set_layout("12x1")
    return viewer


def _explanation(record):
    from mirage_model.explain import Explanation

    imp = np.linspace(1.0, 2.0, 12)
    return Explanation(lead_bias=None, lead_attention=None, lead_importance=(imp / imp.sum()).astype(np.float32),
                       patch_rollout=None, patch_gradient=None, signal_saliency=None,
                       methods={"lead_importance": "gradient x input"}, window=0, window_start_s=0.0,
                       signal_start=0)


def test_at_a_small_zoom_the_lead_names_stay_off_the_calibration_pulses_and_above_the_traces(qtbot):
    viewer = _viewer(qtbot)
    plot = viewer.plot
    plot.set_explanation(_explanation(plot.record))
    assert plot.paper.row_baselines[0] - plot.paper.row_baselines[1] == pytest.approx(25.0)   # 12x1 rows
    for zoom in (0.30, 1.0):
        plot.set_zoom(zoom)
        qtbot.wait(20)
        names = [lab for lab in plot.labels if lab.isVisible()]
        assert len(names) == 12
        for r, (name, pulse, figure) in enumerate(zip(names, plot.cal_items, plot._imp_labels)):
            box, cal = name.sceneBoundingRect(), pulse.sceneBoundingRect()
            assert box.height() > 0 and cal.width() > 0
            assert box.left() >= cal.right() + 2, (zoom, name.toPlainText(), box, cal)      # clear of the pulse
            baseline_y = plot.vb.mapViewToScene(QPointF(0.0, plot.paper.row_baselines[r])).y()
            assert abs(cal.bottom() - baseline_y) < 1.5          # the pulse stands on the row's baseline
            assert box.bottom() < baseline_y, (zoom, name.toPlainText(), box.bottom(), baseline_y)   # above the trace
            # the importance figure under its name, or beside it on its line where the trace leaves the line under
            # it no room, inside its own row (not on the next row's name)
            fig = figure.sceneBoundingRect()
            under = fig.top() >= box.bottom() - 1
            beside = abs(fig.top() - box.top()) < 1 and fig.left() >= box.right() + 2
            assert (under or beside) and not fig.intersects(box), (zoom, r, fig, box)
            if r + 1 < len(names):
                assert not fig.intersects(names[r + 1].sceneBoundingRect()), (zoom, r)
            assert name.textItem.font().pointSizeF() >= 6.5                          # still a readable name

def test_zoomed_in_a_columns_importance_bars_meet_without_a_gap(qtbot):
    viewer = _viewer(qtbot)
    plot = viewer.plot
    plot.set_explanation(_explanation(plot.record))
    plot.set_zoom(4.0)
    qtbot.wait(20)
    bars = sorted((b.sceneBoundingRect() for b in plot._bands if b.isVisible()), key=lambda r: r.top())
    assert len(bars) == 12
    px_per_mm = plot.px_per_paper_mm()
    for upper, lower in zip(bars, bars[1:]):
        assert abs(lower.top() - upper.bottom()) < 0.5, (upper, lower)          # no gap, no overlap
    # each bar is its whole row: 25 mm of paper
    assert all(b.height() == pytest.approx(25.0 * px_per_mm, rel=0.01) for b in bars)


@pytest.mark.parametrize("layout", ["3x4", "12x1"])
def test_an_importance_figure_stands_clear_of_its_orange_bar_at_any_zoom(qtbot, layout):
    """The "%" figure is written in the bar's orange; it stood 1 mm into the 2.2 mm bar, its first digit
    on the bar at every zoom (Xvfb 1280x800, LUDB 1, 3x4 fitted at 0.69x: "10%" on the bar of I). Now it
    starts 3 px or more right of the bar, still under its name and in its row."""
    viewer = _viewer(qtbot)
    plot = viewer.plot
    plot.set_layout(layout)
    plot.set_explanation(_explanation(plot.record))
    for zoom in (0.30, 0.69, 1.0, 4.0):
        plot.set_zoom(zoom)
        qtbot.wait(20)
        shown = [(b, f) for b, f in zip(plot._bands, plot._imp_labels) if b.isVisible() and f.isVisible()]
        assert len(shown) == (13 if layout == "3x4" else 12), (layout, zoom)      # 3x4: the rhythm strip too
        for bar, figure in shown:
            box, rect = figure.sceneBoundingRect(), bar.sceneBoundingRect()
            assert box.left() >= rect.right() + 2.5, (layout, zoom, figure.toPlainText(), box.left(), rect.right())
            assert box.top() < rect.bottom() and box.bottom() > rect.top()      # beside it, in its row
