"""The "Fit page" in the 12x1 layout: the twelve full-width rows make a page taller than wide, which
fitted whole in the trace view of a 1280x800 window (0.30x) took a third of the view's width, each
lead 7.5 mm high. Fitted to the page's width, the leads keep most of their height at 10 mm/mV and
the scale on screen stays what the scale line says.

Truth: the screen's dots per inch given to the plot (96: 96 / 25.4 px a millimetre of glass), the
paper's width in mm and 25 mm/s, 10 mm/mV worked out by hand from them."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import QPointF  # noqa: E402

from mirage_model.records import load_record  # noqa: E402

LUDB_1 = Path(__file__).resolve().parents[1] / "resources" / "samples" / "ludb" / "1"
needs_ludb = pytest.mark.skipif(not LUDB_1.with_suffix(".hea").is_file(), reason="bundled LUDB sample absent")
PX_PER_MM = 96 / 25.4
TRACE_VIEW = (930, 355)     # the trace view of the 1280x800 window (Xvfb screenshot)


def _fitted(qtbot, layout):
    from app.views.ecg_plot import EcgPlot

    plot = EcgPlot()
    qtbot.addWidget(plot)
    plot.resize(*TRACE_VIEW)
    plot.show()
    plot.set_dpi_override(96)
    plot.set_layout(layout)
    plot.set_record(load_record(LUDB_1))
    plot.fit_page()
    qtbot.wait(50)
    return plot


def _px(plot, a: QPointF, b: QPointF) -> tuple[float, float]:
    """Screen pixels between two paper points (mm)."""
    pa, pb = plot.vb.mapViewToScene(a), plot.vb.mapViewToScene(b)
    return abs(pb.x() - pa.x()), abs(pb.y() - pa.y())


@needs_ludb
def test_a_fitted_12x1_page_fills_the_width_and_keeps_the_scale(qtbot):
    plot = _fitted(qtbot, "12x1")
    view_w = plot.vb.width()
    paper_w, _ = _px(plot, QPointF(0, 0), QPointF(plot.paper.width, 0))
    assert paper_w >= 0.95 * view_w - 8 * PX_PER_MM, (paper_w, view_w)     # was a third of it
    assert paper_w <= view_w + 1
    zoom = plot.zoom
    # 1 s of trace is 25 mm of paper, 1 mV 10 mm: on the glass 25 and 10 mm times the zoom said
    one_s, _ = _px(plot, QPointF(100, 0), QPointF(125, 0))
    _, one_mv = _px(plot, QPointF(0, 50), QPointF(0, 60))
    assert one_s == pytest.approx(25 * zoom * PX_PER_MM, rel=0.01)
    assert one_mv == pytest.approx(10 * zoom * PX_PER_MM, rel=0.01)
    assert f"{25 * zoom:.3g} mm/s, {10 * zoom:.3g} mm/mV on screen (page width fitted)" in plot.scale_text()
    # each lead's row (2.5 mV at 10 mm/mV: 25 mm) at least 3/4 of its true height; 0.30x before
    _, row = _px(plot, QPointF(0, 0), QPointF(0, plot.paper.panels[0].height))
    assert row >= 0.75 * 25 * PX_PER_MM, (row, zoom)
    # the top-left corner of the page in view, the rows below it scrolled to
    top_left = plot.vb.mapViewToScene(QPointF(0, plot.paper.height))
    assert 0 <= top_left.x() <= 3 * PX_PER_MM and 0 <= top_left.y() <= 3 * PX_PER_MM


@needs_ludb
def test_a_fitted_3x4_page_still_fits_whole(qtbot):
    plot = _fitted(qtbot, "3x4")
    w, h = _px(plot, QPointF(0, 0), QPointF(plot.paper.width, plot.paper.height))
    assert w <= plot.vb.width() + 1 and h <= plot.vb.height() + 1
    assert max(w / plot.vb.width(), h / plot.vb.height()) >= 0.95
    assert plot.scale_text().endswith("(page fitted)")


def test_the_fit_page_button_says_what_12x1_fits(qtbot):
    """Its tooltip had said "the whole page fits", which 12x1 no longer does (its width fits, the rows scrolled)."""
    from app.views.ecg_viewer import EcgViewer

    viewer = EcgViewer()
    qtbot.addWidget(viewer)
    tip = viewer.fit_btn.toolTip()
    assert "whole page" in tip and "in 12x1 its width" in tip and "Ctrl+9" in tip, tip


def _viewer(qtbot, layout):
    from app.views.ecg_viewer import EcgViewer

    viewer = EcgViewer()
    qtbot.addWidget(viewer)
    viewer.resize(TRACE_VIEW[0], TRACE_VIEW[1] + 90)          # the tool bars and the scale line above the traces
    viewer.show()
    qtbot.waitExposed(viewer)
    viewer.plot.set_dpi_override(96)
    viewer.plot.set_record(load_record(LUDB_1))
    viewer.layout_box.setCurrentText(layout)
    viewer.plot.fit_page()
    qtbot.wait(50)
    return viewer


def _leads_in_view(plot) -> list[int]:
    """The leads whose row's baseline is in the view (paper y up: the view's top is its rect's bottom)."""
    view = plot.vb.viewRect()
    return [p.lead for p in plot.paper.panels if view.top() <= p.baseline <= view.bottom()]


@needs_ludb
def test_a_fitted_12x1_page_shows_a_scroll_bar_to_the_leads_below(qtbot):
    """Fitted to its width, 12x1 showed 4 of its 12 leads with no scroll bar and nothing to say 8 were below: a
    scroll bar beside the traces says it, and scrolled to its end it shows the last lead, V6."""
    viewer = _viewer(qtbot, "12x1")
    plot, bar = viewer.plot, viewer.rows_scroll
    first = _leads_in_view(plot)
    assert 0 in first and len(first) < 12, first                  # lead I at the top, some leads below
    assert bar.isVisible() and bar.maximum() > 0 and bar.value() == 0
    # the bar's handle is the share of the page in view (worked out from the paper: view height / page height)
    page_h = plot.paper.height + 4
    assert bar.pageStep() / (bar.maximum() + bar.pageStep()) == pytest.approx(plot.vb.viewRect().height() / page_h,
                                                                                abs=0.01)
    zoom = plot.zoom
    bar.setValue(bar.maximum())
    qtbot.wait(20)
    last = _leads_in_view(plot)
    assert 11 in last and 0 not in last, last                    # V6 in view, the page scrolled, not zoomed
    assert plot.zoom == pytest.approx(zoom) and plot.fitted


@needs_ludb
def test_a_fitted_3x4_page_has_no_scroll_bar(qtbot):
    viewer = _viewer(qtbot, "3x4")
    assert not viewer.rows_scroll.isVisible()
    assert sorted({p.lead for p in viewer.plot.paper.panels}) == list(range(12))
    assert set(_leads_in_view(viewer.plot)) == set(range(12))
