"""The median-beat page: one representative beat per lead on ECG paper at true scale (25 mm/s,
10 mm/mV, the sheet's 1 mm / 5 mm grid and 1 mV / 200 ms pulses; Kligfield et al. 2007), in the
cart's 3x4 order, with vertical marks at the global fiducials (P onset/offset, QRS onset/offset,
T end) and their legend.

The beats are MIRAGE's (``review.median_beats.median_beat_view``), never the device's own. When
the session has none, the page says why instead of drawing an empty grid.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from reportlab.lib.utils import simpleSplit

from mirage_model.review.median_beats import (
    FIDUCIAL_MARKS, GRID_3X4, MedianBeatView, median_beat_view, unavailable_reason,
)
from mirage_model.review.report.context import ReportContext
from mirage_model.review.report.header import draw_notice
from mirage_model.review.report.layout import MM
from mirage_model.review.report.text import pdf_text
from mirage_model.review.report.waveforms import draw_grid

SPEED_MM_S = 25.0            # the median page is always printed at the standard scale
GAIN_MM_MV = 10.0
CELL_W_MM = 40.0             # one lead: 1.6 s of paper
ROW_MM = 40.0                # one row: +-2 mV around the baseline
CAL_MM = 10.0                # the calibration pulses' column
QRS_AT_MM = 15.0             # the QRS onset lies on this 5 mm line of each cell (the cells align)
TOP_MM = 25.0                # page top to the grid's top


def _cell_geometry(ctx: ReportContext) -> dict:
    """The page's grid in points: origin, size, the x of each column's QRS onset, each row's baseline."""
    lay = ctx.layout
    n_rows, n_cols = len(GRID_3X4), len(GRID_3X4[0])
    w_mm, h_mm = CAL_MM + n_cols * CELL_W_MM, n_rows * ROW_MM
    x0 = 10 * MM
    y0 = round((lay.page_height / MM) - TOP_MM - h_mm) * MM
    qrs_x = [x0 + (CAL_MM + j * CELL_W_MM + QRS_AT_MM) * MM for j in range(n_cols)]
    base = [y0 + (h_mm - (i + 0.5) * ROW_MM) * MM for i in range(n_rows)]
    return dict(x0=x0, y0=y0, w=w_mm * MM, h=h_mm * MM, qrs_x=qrs_x, base=base)


def _draw_beats(c, g: dict, view: MedianBeatView) -> None:
    pt_ms = SPEED_MM_S * MM / 1000.0
    pt_mv = GAIN_MM_MV * MM
    lo_ms, hi_ms = -(QRS_AT_MM - 1.0) / SPEED_MM_S * 1000.0, (CELL_W_MM - QRS_AT_MM - 1.0) / SPEED_MM_S * 1000.0
    inside = (view.t_ms >= lo_ms) & (view.t_ms <= hi_ms)
    half = ROW_MM / 2.0 * MM - 1.0 * MM
    for i, row in enumerate(GRID_3X4):
        for j, lead in enumerate(row):
            xq, base = g["qrs_x"][j], g["base"][i]
            # the fiducials first, so the trace is drawn over them
            for _key, _label, ms, rgb in view.marks:
                if lo_ms <= ms <= hi_ms:
                    c.saveState()
                    c.setStrokeColorRGB(*rgb)
                    c.setLineWidth(0.7)
                    c.setDash(2, 1.2)
                    x = xq + ms * pt_ms
                    c.line(x, base - half, x, base + half)
                    c.restoreState()
            y = view.lead(lead)
            ok = inside & np.isfinite(y)
            c.setStrokeColorRGB(0, 0, 0)
            c.setLineWidth(0.7)
            c.setLineJoin(1)
            c.setLineCap(1)
            # one path per finite run: a sample no beat covers breaks the line, nothing is invented
            edges = np.flatnonzero(np.diff(np.concatenate([[0], ok.astype(np.int8), [0]])))
            for a, b in zip(edges[::2], edges[1::2]):
                if b - a < 2:
                    continue
                xs = xq + view.t_ms[a:b] * pt_ms
                ys = base + np.clip(y[a:b], -half / pt_mv, half / pt_mv) * pt_mv
                path = c.beginPath()
                path.moveTo(float(xs[0]), float(ys[0]))
                for px, py in zip(xs[1:].tolist(), ys[1:].tolist()):
                    path.lineTo(px, py)
                c.drawPath(path, stroke=1, fill=0)
            label = lead if view.usable[view.leads.index(lead)] else f"{lead} (unusable)"
            c.setFont("Helvetica-Bold", 8)
            c.setFillColorRGB(0, 0, 0)
            c.drawString(xq - (QRS_AT_MM - 2.0) * MM, base + half - 3.5 * MM, pdf_text(label))
    # calibration pulses (1 mV, 200 ms) at the start of each row
    c.setLineWidth(0.8)
    for base in g["base"]:
        xa = g["x0"] + 3.0 * MM
        xb = xa + 0.2 * SPEED_MM_S * MM
        path = c.beginPath()
        path.moveTo(xa - 1.5 * MM, base)
        path.lineTo(xa, base)
        path.lineTo(xa, base + pt_mv)
        path.lineTo(xb, base + pt_mv)
        path.lineTo(xb, base)
        path.lineTo(xb + 1.5 * MM, base)
        c.drawPath(path, stroke=1, fill=0)


def _draw_legend(c, x: float, top: float, view: MedianBeatView, ctx: ReportContext) -> None:
    """The fiducials' legend with their times, and where the beats come from."""
    y = top
    c.setFillColorRGB(0, 0, 0)
    c.setFont("Helvetica-Bold", 9)
    c.drawString(x, y, "Fiducials (all leads)")
    y -= 5 * MM
    c.setFont("Helvetica", 8)
    for _key, label, ms, rgb in view.marks:
        c.saveState()
        c.setStrokeColorRGB(*rgb)
        c.setLineWidth(0.9)
        c.setDash(2, 1.2)
        c.line(x, y + 1.2 * MM, x + 8 * MM, y + 1.2 * MM)
        c.restoreState()
        c.drawString(x + 10 * MM, y, pdf_text(f"{label}: {ms:+.0f} ms" if round(ms) else f"{label}: 0 ms"))
        y -= 4.5 * MM
    missing = [label for key, label, _rgb in FIDUCIAL_MARKS if key not in {m[0] for m in view.marks}]
    if missing:
        c.drawString(x, y, pdf_text(f"not found: {', '.join(missing)}"))
        y -= 4.5 * MM
    y -= 2 * MM
    lines = [
        view.caption + ".",
        "Times from the QRS onset; the marks are the global",
        "boundaries the intervals are measured between.",
        f"{SPEED_MM_S:g} mm/s   {GAIN_MM_MV:g} mm/mV   grid 1 mm / 5 mm",
        f"Conditioning filter 0.5-100 Hz; sampled at {view.fs:g} Hz.",
        "Baseline: each lead's level 10 ms before the QRS onset.",
    ]
    if ctx.session.measurement_edits:
        lines.append("Reviewer edits change the values, not these marks.")
    meta = getattr(ctx.record, "meta", None) or {}
    if meta.get("device_median_beats"):
        lines.append("The device's own median beats are not shown here.")
    for text in lines:
        c.drawString(x, y, pdf_text(text))
        y -= 4 * MM


def draw_median_page(c, doc, ctx: ReportContext) -> None:
    """The median-beat page: title, grid, beats, fiducials, legend, the footer (research use)."""
    lay = ctx.layout
    rec = ctx.record
    c.saveState()
    c.setFont("Helvetica-Bold", 13)
    c.drawString(10 * MM, lay.page_height - 13 * MM, pdf_text(f"Median beats  -  record {rec.record_id}"))
    session = ctx.session
    view = median_beat_view(session.measurements)
    g = _cell_geometry(ctx)
    if view is None:
        if session.state.get("measurements") == "pending":
            why = "No median beats: the measurements were still being computed when this report was written."
        else:
            why = unavailable_reason(session)
        y = lay.page_height - 25 * MM
        for line in simpleSplit(pdf_text(why), "Helvetica", 10, lay.page_width - 20 * MM):
            c.setFont("Helvetica", 10)
            c.drawString(10 * MM, y, line)
            y -= 5 * MM
    else:
        draw_grid(c, replace(lay, grid_x0=g["x0"], grid_y0=g["y0"], grid_width=g["w"], grid_height=g["h"]))
        _draw_beats(c, g, view)
        _draw_legend(c, g["x0"] + g["w"] + 8 * MM, g["y0"] + g["h"] - 3 * MM, view, ctx)
    c.restoreState()
    draw_notice(c, lay.page_width, rec.record_id, ctx)
