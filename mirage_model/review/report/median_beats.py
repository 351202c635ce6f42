"""The median-beat page: one representative beat per lead on ECG paper at true scale (25 mm/s,
10 mm/mV, or 5 mm/mV when the tallest beat would leave its row (``fitting_gain``; the page's rows are
``PAGE_ROW_MM``, 50 mm, +-2.5 mV at 10 mm/mV: with the app's 40 mm, 4 in 10 PTB-XL records were halved), the sheet's
1 mm / 5 mm grid and 1 mV / 200 ms pulses; Kligfield et al. 2007), in the cart's 3x4 order, with vertical marks at the global fiducials (P onset/offset, QRS onset/offset,
T end) and their legend.

The beats are MIRAGE's (``review.median_beats.median_beat_view``), never the device's own. When
the session has none, the page says why instead of drawing an empty grid.
"""

from __future__ import annotations

from dataclasses import replace

from reportlab.lib.utils import simpleSplit

from mirage_model.review.median_beats import (
    CAL_MM, FIDUCIAL_MARKS, GAIN_MM_MV, PAGE_ROW_MM, SPEED_MM_S, MedianBeatView, cell_segments, conditioning_notes,
    fitting_gain,
    median_beat_view, sheet_cells, sheet_size, shown_ms, span_note,
    unavailable_reason,
)
from mirage_model.review.report.context import ReportContext
from mirage_model.review.report.header import draw_notice
from mirage_model.review.report.layout import MM
from mirage_model.review.report.text import FONT, FONT_BOLD, READABLE, clip_runs, draw_runs_text, font_runs, pdf_text
from mirage_model.review.report.waveforms import draw_calibration_pulse, draw_grid

TOP_MM = 25.0                # page top to the sheet's top


def _sheet_origin(ctx: ReportContext) -> tuple[float, float]:
    """The sheet's bottom-left corner on the page, in pt (on whole millimetres, as page 1's)."""
    return 10 * MM, round(ctx.layout.page_height / MM - TOP_MM - sheet_size(row_mm=PAGE_ROW_MM)[1]) * MM


def draw_cell_trace(c, x0: float, y0: float, view: MedianBeatView, cell, gain: float) -> None:
    """Stroke one lead's median beat in its sheet ``cell`` (``median_beats.cell_segments``: mm from the sheet's
    origin at ``x0, y0`` points) at ``gain`` mm/mV, in the canvas's current colour and width: the median-beat page
    and the serial comparison's overlay draw beats alike."""
    for xs, ys in cell_segments(view, cell, gain):
        path = c.beginPath()
        path.moveTo(x0 + float(xs[0]) * MM, y0 + float(ys[0]) * MM)
        for px, py in zip((x0 + xs[1:] * MM).tolist(), (y0 + ys[1:] * MM).tolist()):
            path.lineTo(px, py)
        c.drawPath(path, stroke=1, fill=0)


def _draw_beats(c, x0: float, y0: float, view: MedianBeatView, gain: float) -> None:
    """The 12 beats with the fiducial marks, labels and calibration pulses at ``gain`` mm/mV; sheet
    origin (x0, y0) pt."""
    half = (PAGE_ROW_MM / 2.0 - 1.0) * MM
    lo, hi = shown_ms(view)
    for cell in sheet_cells(row_mm=PAGE_ROW_MM):
        xq, base = x0 + cell.qrs_x * MM, y0 + cell.baseline * MM
        # the fiducials first, so the trace is drawn over them
        for _key, _label, ms, rgb in view.marks:
            if lo <= ms <= hi:
                c.saveState()
                c.setStrokeColorRGB(*rgb)
                c.setLineWidth(0.7)
                c.setDash(2, 1.2)
                x = xq + ms * SPEED_MM_S / 1000.0 * MM
                c.line(x, base - half, x, base + half)
                c.restoreState()
        c.setStrokeColorRGB(0, 0, 0)
        c.setLineWidth(0.7)
        c.setLineJoin(1)
        c.setLineCap(1)
        draw_cell_trace(c, x0, y0, view, cell, gain)
        label = cell.lead if view.usable[view.leads.index(cell.lead)] else f"{cell.lead} (unusable)"
        c.setFont(FONT_BOLD, 8)
        c.setFillColorRGB(0, 0, 0)
        c.drawString(x0 + (cell.x0 + 2.0) * MM, base + half - 3.5 * MM, pdf_text(label))
    # calibration pulses (1 mV, 200 ms) at the start of each row
    c.setLineWidth(0.8)
    for base in sorted({y0 + cell.baseline * MM for cell in sheet_cells(row_mm=PAGE_ROW_MM)}):
        xa = x0 + 3.0 * MM
        draw_calibration_pulse(c, xa, xa + 0.2 * SPEED_MM_S * MM, base, base + gain * MM)
        if gain != GAIN_MM_MV:                      # a reduced gain is said at every pulse, as on page 1
            # at READABLE pt "5 mm/mV" is wider than the 10 mm before the beats: the unit under the number
            x = x0 + CAL_MM / 2 * MM                  # the middle of the pulses' column
            c.setFont(FONT_BOLD, READABLE)
            c.drawCentredString(x, base + (gain + 1.2) * MM + 1.15 * READABLE, f"{gain:g}")
            c.setFont(FONT, READABLE)
            c.drawCentredString(x, base + (gain + 1.2) * MM, "mm/mV")


def _draw_legend(c, x: float, top: float, view: MedianBeatView, ctx: ReportContext, gain: float) -> None:
    """The fiducials' legend with their times, and where the beats come from."""
    y = top
    c.setFillColorRGB(0, 0, 0)
    c.setFont(FONT_BOLD, 9)
    c.drawString(x, y, "Fiducials (all leads)")
    y -= 5 * MM
    c.setFont(FONT, 8)
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
        *([view.intervals_how] if view.intervals_how else []),
        f"{SPEED_MM_S:g} mm/s, {gain:g} mm/mV; grid 1 mm / 5 mm",
        *conditioning_notes(view),
        "Baseline: each lead's level 10 ms before the QRS onset.",
    ]
    if span_note(view):
        lines.append(span_note(view))
    if gain != GAIN_MM_MV:
        lines.append(f"Gain {gain:g} mm/mV: at {GAIN_MM_MV:g} mm/mV the tallest beat would leave its row.")
    if ctx.session.measurement_edits:
        lines.append("Reviewer edits change the values, not these marks.")
    meta = getattr(ctx.record, "meta", None) or {}
    if meta.get("device_median_beats"):
        lines.append("The device's own median beats are not shown here.")
    room = ctx.layout.page_width - 10 * MM - x        # wrapped to the page's margin (Letter is 18 mm narrower)
    for text in lines:
        for row in simpleSplit(pdf_text(text), FONT, 8, room):
            c.drawString(x, y, row)
            y -= 4 * MM


def draw_median_page(c, doc, ctx: ReportContext) -> None:
    """The median-beat page: title, grid, beats, fiducials, legend, the footer (research use)."""
    lay = ctx.layout
    rec = ctx.record
    c.saveState()
    title = font_runs(f"Median beats  -  record {rec.record_id}", FONT_BOLD)    # the record id in its own script
    draw_runs_text(c, 10 * MM, lay.page_height - 13 * MM, clip_runs(c, title, 13, lay.page_width - 20 * MM), 13)
    session = ctx.session
    view = median_beat_view(session.measurements)
    x0, y0 = _sheet_origin(ctx)
    if view is None:
        if session.state.get("measurements") == "pending":
            why = "No median beats: the measurements were still being computed when this report was written."
        else:
            why = unavailable_reason(session)
        y = lay.page_height - 25 * MM
        for line in simpleSplit(pdf_text(why), FONT, 10, lay.page_width - 20 * MM):
            c.setFont(FONT, 10)
            c.drawString(10 * MM, y, line)
            y -= 5 * MM
    else:
        w, h = (v * MM for v in sheet_size(row_mm=PAGE_ROW_MM))
        draw_grid(c, replace(lay, grid_x0=x0, grid_y0=y0, grid_width=w, grid_height=h))
        gain = fitting_gain(view, row_mm=PAGE_ROW_MM)
        _draw_beats(c, x0, y0, view, gain)
        _draw_legend(c, x0 + w + 8 * MM, y0 + h - 3 * MM, view, ctx, gain)
    c.restoreState()
    draw_notice(c, lay.page_width, rec.record_id, ctx)
