"""The page of extra leads: the file's ECG leads outside the 12 (``EcgRecord.extra_leads``: a paediatric lead
set's V3R and V4R, a 15-lead export's V4R, V8, V9, PTB Diagnostic's Frank leads vx, vy, vz), after the results,
on ECG paper at page 1's scale (its speed and gain, 1 mm / 5 mm grid, a 1 mV / 200 ms pulse a row; Kligfield et al.
2007), one 10 s row each, up to ``ROWS`` rows a page, filtered as page 1's traces are. No model, measurement or
quality check reads them: the page says so.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from reportlab.lib.utils import simpleSplit

from mirage_model import preprocess
from mirage_model.records.extra_leads import whole_extra_leads
from mirage_model.render import PAGE_S
from mirage_model.review.report.context import ReportContext
from mirage_model.review.report.header import draw_notice
from mirage_model.review.report.layout import MM
from mirage_model.review.report.text import FONT, FONT_BOLD, READABLE, clip_runs, draw_runs_text, font_runs, pdf_text
from mirage_model.review.report.waveforms import draw_calibration_pulse, draw_grid

ROWS = 4                 # rows a page: page 1's sheet of 4 rows of 40 mm
ROW_MM = 40.0
_CAL_MM = 10.0           # the sheet's left part that holds the pulses (page 1's)


def extra_pages(record) -> int:
    """How many pages of extra leads the report of ``record`` has (0: none)."""
    n = len(whole_extra_leads(record))
    return -(-n // ROWS)


def extra_signal(record, fs: float) -> np.ndarray:
    """(E, n) float64 mV of the first ``PAGE_S`` seconds of the extra leads, through page 1's display filter
    (``preprocess.filter_signal``, ``waveforms.display_signal``); NaN where the file has no sample."""
    leads = whole_extra_leads(record)
    n = int(round(PAGE_S * fs))
    x = np.stack([np.asarray(e.signal[:n], dtype=np.float32) for e in leads])
    return np.asarray(preprocess.filter_signal(x, fs, preprocess.PreprocessConfig()), dtype=np.float64)


def draw_extra_page(c, doc, ctx: ReportContext, page: int) -> None:
    """Page ``page`` (from 0) of the extra leads: title, grid, a row a lead (its pulse, trace and name), the
    caption, the footer (research use)."""
    lay, rec = ctx.layout, ctx.record
    leads = whole_extra_leads(rec)[page * ROWS:(page + 1) * ROWS]
    signal = extra_signal(rec, ctx.fs)[page * ROWS:(page + 1) * ROWS]
    c.saveState()
    title = font_runs(f"Extra leads  -  record {rec.record_id}", FONT_BOLD)
    draw_runs_text(c, 10 * MM, lay.page_height - 13 * MM, clip_runs(c, title, 13, lay.page_width - 20 * MM), 13)
    height = ROW_MM * MM * len(leads)
    top = lay.grid_y0 + lay.grid_height          # page 1's sheet's top: the rows from there down
    draw_grid(c, replace(lay, grid_y0=top - height, grid_height=height))
    x0 = lay.grid_x0 + _CAL_MM * MM
    room_mv = (ROW_MM / 2 - 1.0) / lay.gain_mm_mv     # a trace stays within its row (as page 1's clip_leads)
    cut = []
    for r, (lead, x) in enumerate(zip(leads, signal)):
        base = top - (r + 0.5) * ROW_MM * MM
        c.setStrokeColorRGB(0, 0, 0)
        c.setLineWidth(0.8)
        cal = lay.grid_x0 + 3.0 * MM
        draw_calibration_pulse(c, cal, cal + 0.2 * lay.pt_per_s, base, base + lay.pt_per_mv)
        if np.nanmax(np.abs(x), initial=0.0) > room_mv:
            cut.append(lead.name)
        y = base + np.clip(x, -room_mv, room_mv) * lay.pt_per_mv
        xs = x0 + np.arange(len(x)) / ctx.fs * lay.pt_per_s
        c.setLineWidth(0.6)
        for run in np.split(np.arange(len(x)), np.flatnonzero(np.diff(np.isfinite(y).astype(int))) + 1):
            if len(run) > 1 and np.isfinite(y[run[0]]):
                path = c.beginPath()
                path.moveTo(float(xs[run[0]]), float(y[run[0]]))
                for px, py in zip(xs[run[1:]].tolist(), y[run[1:]].tolist()):
                    path.lineTo(px, py)
                c.drawPath(path, stroke=1, fill=0)
        c.setFont(FONT_BOLD, 8)
        label = pdf_text(lead.name + ("" if np.isfinite(x).any() else " (missing)"))
        c.setFillColorRGB(1.0, 1.0, 1.0)
        c.rect(x0 + 0.6 * MM, base + 11.1 * MM, c.stringWidth(label, FONT_BOLD, 8) + 1.2 * MM, 3.9 * MM,
               stroke=0, fill=1)
        c.setFillColorRGB(0, 0, 0)
        c.drawString(x0 + 1.2 * MM, base + 12.0 * MM, label)
    caption = (f"{lay.speed_mm_s:g} mm/s, {lay.gain_mm_mv:g} mm/mV (page 1's scale), filter: {ctx.band}, first "
               f"{min(PAGE_S, rec.signal.shape[1] / ctx.fs):.1f} s. The file's leads outside the 12 standard leads: "
               "no model, measurement or quality check reads them." + (f" Cut at the row's edge: {', '.join(cut)}."
                                                                       if cut else ""))
    c.setFont(FONT, READABLE)
    y = top - height - 3.4 * MM
    for line in simpleSplit(pdf_text(caption), FONT, READABLE, lay.grid_width):
        c.drawString(lay.grid_x0, y, line)
        y -= 1.3 * READABLE
    c.restoreState()
    draw_notice(c, lay.page_width, rec.record_id, ctx)
