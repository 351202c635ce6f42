"""Page 1: the 12-lead ECG on paper at true scale, as the conventional printed layout (3x4 leads,
each column a different 2.5 s slice, plus a 10 s lead II rhythm strip; Kligfield et al. 2007).

The grid and the traces are vector paths (PDF operators formatted here in one pass), so they stay
crisp at any zoom; the traces are the one renderer's ``panel_traces`` placed by
:func:`mirage_model.review.report.layout.page_layouts`.
"""

from __future__ import annotations

import functools
import math
import re

import numpy as np

from mirage_model import preprocess
from mirage_model.records import STANDARD_LEADS
from mirage_model.render import LEAD_NAMES, panel_traces, polyline_segments
from mirage_model.review.file_info import (EXTRA_DRAWN, cut_short, file_diagnosis_note, length_read, part_read,
                                          reader_notes, record_notes)
from mirage_model.review.paced import PACER_MARK_MM, PACER_RGB, pacer_legend, pacer_level, pacer_times
from mirage_model.review.report.context import EXTRA_LEADS, SHEET_NOTES, ReportContext
from mirage_model.review.report.header import clip, draw_notice, draw_page_header
from mirage_model.review.report.layout import MM, ReportLayout, edge_clipped, spike_room_mv
from mirage_model.review.report.summary_band import draw_summary_band
from mirage_model.review.report.text import FONT, FONT_BOLD, READABLE, pdf_text

STANDARD_GAIN_MM_MV = 10.0       # Kligfield et al. 2007
# The ECG page shows the first 10 s; this much is filtered for it (the rest of a long record is
# never drawn, and filtering a 24 h recording whole would take gigabytes).
DISPLAY_S = 12.0


def display_signal(record) -> tuple[np.ndarray, float, str]:
    """(12, T) mV band-passed for display with the preprocessing filter, its fs, and the band text.

    The text says what the traces went through at this record's rate, no more: the low-pass only
    where the preprocessing applies it, the mains frequencies it subtracts at this rate
    (``preprocess.mains_frequencies``: below 0.95 x Nyquist; "50/60 Hz mains removed" had been printed
    at 500 Hz and left out at 120-150 Hz, where 50 and 60 Hz are removed too). The mains filter is named as
    a filter, not as mains found: it runs on every record (``only_present=False``), where page 2's median
    beats have only the mains lines the measurement finds subtracted ("50/60 Hz mains and harmonics
    removed" over page 2's "No mains line ... found" read as a contradiction). It is the report's own
    filter: the app's display filters change its screen only.

    Only the first ``DISPLAY_S`` seconds (the page shows 10 s): memory does not grow with the
    record's length.
    """
    cfg = preprocess.PreprocessConfig()
    fs = float(record.fs)
    n = int(round(DISPLAY_S * fs))
    shown = preprocess.filter_signal(np.asarray(record.signal[:, :n], dtype=np.float32), fs, cfg)
    # the preprocessing skips the low-pass near Nyquist (see its module docstring)
    frac = getattr(preprocess, "LOWPASS_MAX_NYQUIST_FRACTION", 0.9)
    removed = preprocess.mains_frequencies(fs, tuple(cfg.mains_hz)) if cfg.mains_hz else ()
    fundamentals = [f for f in cfg.mains_hz if f in removed]
    mains = ""
    if fundamentals:
        mains = (f"{'/'.join(f'{f:g}' for f in fundamentals)} Hz mains filter"
                 + (" with harmonics" if len(removed) > len(fundamentals) else ""))
    if cfg.high_hz < frac * fs / 2.0:
        band = f"{cfg.low_hz:g}-{cfg.high_hz:g} Hz (Butterworth, zero-phase)" + (f", {mains}" if mains else "")
    else:
        skipped = f"{cfg.high_hz:g} Hz low-pass" + ("" if mains or not cfg.mains_hz else " and mains removal")
        band = f"{cfg.low_hz:g} Hz high-pass, zero-phase" + (f", {mains}" if mains else "") + \
            f" ({skipped} not applied at {fs:g} Hz)"
    return np.asarray(shown, dtype=np.float64), fs, band


def _polyline_ops(xs: np.ndarray, ys: np.ndarray) -> str:
    """PDF path operators (moveto + linetos, 3 decimals = 0.35 um) for one polyline.

    Formatted in one pass here instead of one reportlab call per point: a 500 Hz record has
    5,000 points in its rhythm strip alone, and reportlab's pure-Python number formatting
    dominated the report's run time.
    """
    pts = np.column_stack([xs, ys]).ravel()
    text = " ".join(f"{v:.3f}" for v in pts.tolist()).split(" ")
    ops = [f"{text[0]} {text[1]} m"]
    ops.extend(f"{text[i]} {text[i + 1]} l" for i in range(2, len(text), 2))
    return "\n".join(ops)


@functools.lru_cache(maxsize=8)
def _grid_ops(x0: float, y0: float, w: float, h: float, minor: float) -> tuple[str, str]:
    """(minor lines, major lines) of the ECG paper as PDF path operators; the same on every page
    of a batch, so formatted once."""
    nx = int(round(w / minor))
    ny = int(round(h / minor))
    out = []
    for major in (False, True):
        segments = []
        for i in range(nx + 1):
            if (i % 5 == 0) == major:
                x = x0 + i * minor
                segments.append(_polyline_ops(np.array([x, x]), np.array([y0, y0 + h])))
        for j in range(ny + 1):
            if (j % 5 == 0) == major:
                y = y0 + j * minor
                segments.append(_polyline_ops(np.array([x0, x0 + w]), np.array([y, y])))
        out.append("\n".join(segments) + "\nS")
    return out[0], out[1]


def draw_calibration_pulse(c, xa: float, xb: float, base: float, top: float) -> None:
    """The 1 mV x 200 ms calibration pulse: up at ``xa``, down at ``xb`` (points), from ``base`` to
    ``top``, with 1.5 mm of baseline either side."""
    path = c.beginPath()
    path.moveTo(xa - 1.5 * MM, base)
    path.lineTo(xa, base)
    path.lineTo(xa, top)
    path.lineTo(xb, top)
    path.lineTo(xb, base)
    path.lineTo(xb + 1.5 * MM, base)
    c.drawPath(path, stroke=1, fill=0)


def draw_grid(c, lay: ReportLayout) -> None:
    ops = _grid_ops(lay.grid_x0, lay.grid_y0, lay.grid_width, lay.grid_height, lay.minor_pt)
    for major, literal in zip((False, True), ops):
        c.saveState()
        if major:
            c.setStrokeColorRGB(0.94, 0.55, 0.55)
            c.setLineWidth(0.5)
        else:
            c.setStrokeColorRGB(1.0, 0.82, 0.82)
            c.setLineWidth(0.2)
        c.addLiteral(literal)
        c.restoreState()


def _no_trace(signal: np.ndarray, fs: float, panel, said=None) -> str:
    """ " (missing)" when ``panel``'s window of its lead holds no finite sample (a lead the file
    lacks: a blank panel; what ``said`` says of its lead instead, lead -> words: " (withheld)", a lead the
    reader withheld for amplitudes that are not an ECG's, " (not derived: needs lead I, withheld)", " (missing: V3R
    in its place, not V3)"), " (flat)"
    when every sample is the same value (a flat line that is no isoelectric trace), else "" (also for a window
    after a short record's end: the caption says so)."""
    lead = LEAD_NAMES.index(panel.lead)
    x = signal[lead, max(0, math.ceil(panel.t0 * fs - 1e-9)):max(0, math.ceil(panel.t1 * fs - 1e-9))]
    if not x.size:
        return ""
    x = x[np.isfinite(x)]
    if not x.size:
        return f" ({(said or {}).get(panel.lead) or 'missing'})"
    return " (flat)" if np.ptp(x) == 0 else ""


def draw_traces(c, lay: ReportLayout, geom, signal: np.ndarray, fs: float, said=None) -> None:
    """Lead traces as vector paths from the renderer's ``panel_traces`` (the geometry the raster
    images use); NaN (missing) samples break the line, nothing is invented. ``said``: lead -> why a lead is
    blank throughout the record, where it is more than "missing" (``EcgRecord.missing_text``: "withheld",
    "not derived: needs lead I, withheld"), said on its blank panels."""
    ecg, x_off, top = geom
    c.setStrokeColorRGB(0, 0, 0)
    c.setLineWidth(0.6)
    c.setLineJoin(1)
    c.setLineCap(1)
    for _panel, xs, ys in panel_traces(signal, fs, ecg):
        for sx, sy in polyline_segments(xs, ys):
            if len(sx) < 2:
                continue
            # renderer y runs down from the sheet's top
            c.addLiteral(_polyline_ops(sx + x_off, top - sy) + "\nS")
    # calibration pulses (1 mV, 200 ms) and column separators
    c.setLineWidth(0.8)
    for xa, xb, base, top in lay.calibration:
        draw_calibration_pulse(c, xa, xb, base, top)
        if lay.gain_mm_mv != STANDARD_GAIN_MM_MV:     # a reduced gain is said at every pulse, as carts do
            # at READABLE pt "2.5 mm/mV" is wider than the 10 mm before the traces: the unit under the number
            x = (lay.grid_x0 + min(p.x0 for p in lay.panels)) / 2      # the middle of the margin before the traces
            c.setFillColorRGB(0, 0, 0)
            c.setFont(FONT_BOLD, READABLE)
            c.drawCentredString(x, top + 1.2 * MM + 1.15 * READABLE, f"{lay.gain_mm_mv:g}")
            c.setFont(FONT, READABLE)
            c.drawCentredString(x, top + 1.2 * MM, "mm/mV")
    c.setLineWidth(0.6)
    for panel in lay.panels:
        if panel.rhythm or panel.t0 == 0:
            continue
        c.line(panel.x0, panel.baseline - 2.5 * MM, panel.x0, panel.baseline + 2.5 * MM)
    # labels on a light paper-coloured patch: a tall QRS (V1-V3) must not overprint them
    c.setFont(FONT_BOLD, 8)
    for panel in lay.panels:
        label = f"{panel.lead} (rhythm)" if panel.rhythm else panel.lead
        label += _no_trace(signal, fs, panel, said)
        x, y = panel.x0 + 1.2 * MM, panel.baseline + 12.0 * MM
        w = c.stringWidth(label, FONT_BOLD, 8)
        c.saveState()
        c.setFillColorRGB(1.0, 1.0, 1.0)
        c.setFillAlpha(0.85)
        c.rect(x - 0.6 * MM, y - 0.9 * MM, w + 1.2 * MM, 3.9 * MM, stroke=0, fill=1)
        c.restoreState()
        c.setFillColorRGB(0, 0, 0)
        c.drawString(x, y, label)


def draw_pacer_marks(c, lay: ReportLayout, signal: np.ndarray, fs: float, times_s: np.ndarray) -> int:
    """A pacer mark at each pacing stimulus in ``times_s`` (s from the record's start) on every
    panel showing that moment: a thin vertical tick in ``PACER_RGB`` across the trace there
    (``PACER_MARK_MM`` below and above its level there: ``pacer_level``), as electrocardiographs mark the
    pacing pulses they detect. The display filter shrinks the spikes themselves. Returns the
    number of marks drawn."""
    lo, hi = (v * MM for v in PACER_MARK_MM)
    n = 0
    c.saveState()
    c.setStrokeColorRGB(*PACER_RGB)
    c.setLineWidth(0.5)
    c.setLineCap(0)
    for panel in lay.panels:
        lead = LEAD_NAMES.index(panel.lead)
        for t in times_s[(times_s >= panel.t0) & (times_s < panel.t1)]:
            x, y = lay.to_point(panel, float(t), pacer_level(signal[lead], fs, float(t)))
            c.line(x, y + lo, x, y + hi)
            n += 1
    c.restoreState()
    return n


def _pacer_times(ctx: ReportContext) -> np.ndarray:
    """The pacing stimuli the session's quality report found (s), within the sheet's 10 s."""
    times = pacer_times(getattr(ctx.prediction, "quality", None))
    return times[times < 10.0]


def caption_parts(ctx: ReportContext) -> tuple[list[str], list[str]]:
    """(the caption under the sheet, part by part, the scale first; the notes about this record:
    a lowered gain, leads cut at the sheet's edge, a short record, quality flags, the reader's
    notes). Page 1 prints what fits its one line; page 3 prints them all."""
    lay = ctx.layout
    rec = ctx.record
    duration = rec.signal.shape[1] / float(rec.fs)
    shown = min(duration, 10.0)
    # the first part of a longer recording (a Holter read in part) says so: "shown: first 10.0 s (2.50 h of 24.0 h
    # read)", else "shown: first 10.0 s of 12.0 s"
    whole = (getattr(rec, "meta", None) or {}).get("recording_s")
    cut = cut_short(getattr(rec, "meta", None))       # "of 47.8 s (file cut short)"
    length = (f"({length_read(duration, whole)})" if part_read(duration, whole)
              else f"of {length_read(duration, cut=cut)}")
    caption = [f"{lay.speed_mm_s:g} mm/s, {lay.gain_mm_mv:g} mm/mV", f"filter: {ctx.band}",
               f"sampling rate {ctx.fs:g} Hz", f"shown: first {shown:.1f} s {length}",
               "calibration 1 mV / 200 ms", "grid 1 mm / 5 mm"]
    notes = []
    if len(_pacer_times(ctx)):                       # first: the marks on the sheet need their key
        notes.append(pacer_legend(getattr(ctx.prediction, "quality", None)))
    if lay.gain_mm_mv < ctx.settings.gain_mm_mv:     # sheet_gain lowered it
        notes.append(f"gain {lay.gain_mm_mv:g} mm/mV: at {ctx.settings.gain_mm_mv:g} mm/mV the tallest complexes "
                     "would run into the next row")
    clipped = edge_clipped(lay, ctx.signal[:, :int(round(10.0 * ctx.fs))], ctx.fs)
    if clipped:
        notes.append(f"cut at the sheet's edge: {', '.join(clipped)}")
    if ctx.spikes_clipped:
        notes.append(f"spikes (pacing?) clipped at \u00b1{spike_room_mv(lay):.3g} mV: {', '.join(ctx.spikes_clipped)}")
    if ctx.off_clipped:
        notes.append(f"electrode off? clipped at \u00b1{spike_room_mv(lay):.3g} mV: {', '.join(ctx.off_clipped)}")
    if duration < 10.0:
        notes.append("record shorter than 10 s: blank after its end")
    quality = getattr(rec, "quality", None) or {}
    if hasattr(rec, "flag_texts"):
        flagged = rec.flag_texts(tuple(quality))
    else:
        flagged = [f"{key}: {', '.join(leads)}" for key, flags in quality.items()
                   if (leads := [STANDARD_LEADS[i] for i, f in enumerate(np.asarray(flags).ravel()[:12]) if f])]
    if flagged:
        notes.append("Lead quality flags - " + "; ".join(flagged))
    # the file's leads outside the 12 have a page of their own: said where
    notes += [n.replace(EXTRA_DRAWN, f"extra leads on {ctx.page(EXTRA_LEADS)}") for n in record_notes(rec)]
    notes += reader_notes(rec)      # what the file's reader noticed: a model or none
    return caption, notes


CAPTION_KEPT = 4                 # caption parts page 1 never drops (scale, filter, rate, what is shown)
SEP = "   "


def compact_caption(parts: list[str], where: str = "page 3") -> list[str]:
    """``caption_parts``' first parts in fewer words, for a line with notes: the filter without its
    design (its brackets, page 3 says it: "filter: 0.5-150 Hz, 50/60 Hz mains filter (page 3)"),
    the rate and the time shown without their labels ("500 Hz", "first 10.0 s of 10.0 s"). ``where``: the
    page that prints the caption in full (``ReportContext.page(SHEET_NOTES)``)."""
    out = []
    for part in parts:
        if part.startswith("filter: ") and "(" in part:
            # the harmonics are the mains' own (page 3 names them): the line's room goes to the record's notes
            part = " ".join(re.sub(r"\s*\([^)]*\)", "", part).replace(" with harmonics", "").split()) + f" ({where})"
        out.append(part.removeprefix("sampling rate ").removeprefix("shown: "))
    return out


def caption_line(c, caption: list[str], notes: list[str], width: float, extra: str = "",
                 where: str = "page 3") -> tuple[str, str, float]:
    """(caption text, notes text, font size) for the one line under the sheet, every part whole and
    never under ``READABLE`` pt: the size shrinks (7.5 to 7 pt), then the standard scale's last parts
    (calibration, grid: also in page 2's legend) give way, then notes, counted as on page 3 (each
    count tried with the caption whole, then in fewer words: ``compact_caption``), then (a record
    with very long caption parts) the caption's parts after the scale, said to be on page 3, which
    prints them all. ``extra`` (what the file itself says of the diagnosis, ``file_info.file_diagnosis_note``;
    page 3 has it in its own section) ends the line where it fits whole beside every note, the caption
    whole or in fewer words (``compact_caption``, which points to page 3 for the filter's design), and is
    left out otherwise: never at the cost of a note about the sheet. ``where``: the page that prints the caption
    and notes in full ("page 3", ``ReportContext.page(SHEET_NOTES)``)."""
    def width_of(cap, note, size):
        return c.stringWidth(cap, FONT, size) + (5 * MM + c.stringWidth(note, FONT, size) if note else 0.0)

    def more(k):                       # the first k notes, and how many page 3 adds
        left = len(notes) - k
        return notes[:k] + ([f"{left} more note{'s' if left > 1 else ''} on {where}"] if left else [])

    short = compact_caption(caption[:CAPTION_KEPT], where)
    candidates = [(caption[:k], notes) for k in range(len(caption), CAPTION_KEPT - 1, -1)]
    candidates += [(cap, more(k)) for k in range(len(notes), -1, -1) for cap in (caption[:CAPTION_KEPT], short)]
    candidates += [(short[:k] + [f"the rest of the caption on {where}"], more(0))
                   for k in range(CAPTION_KEPT - 1, 0, -1)]
    if extra:
        said = notes + [extra]
        candidates = [(caption[:k], said) for k in range(len(caption), CAPTION_KEPT - 1, -1)] + [(short, said)] \
            + candidates
    for cap, note in candidates:
        cap, note = pdf_text(SEP.join(cap)), pdf_text(SEP.join(note))
        size = 7.5
        while size > READABLE and width_of(cap, note, size) > width:
            size -= 0.5
        if width_of(cap, note, size) <= width:
            return cap, note, size
    return clip(c, cap, FONT, READABLE, width), "", READABLE


def _blank_said(rec) -> dict:
    """lead -> why ``rec``'s lead is blank, where more than "missing" (``EcgRecord.missing_text``)."""
    if not all(hasattr(rec, a) for a in ("missing_text", "missing_share", "flagged_leads")):
        return {}
    flagged = set(rec.flagged_leads("missing"))        # the others hold samples: one pass over the record each
    share = rec.missing_share()
    texts = {name: rec.missing_text(k, share) for k, name in enumerate(rec.sig_name) if name in flagged}
    return {name: text for name, text in texts.items() if text.startswith(("withheld", "not derived", "missing:"))}


def draw_ecg_page(c, doc, ctx: ReportContext) -> None:
    """Page 1: the header, the band (measurements and interpretation), the sheet (grid, traces,
    pulses, labels), its caption, the footer."""
    lay = ctx.layout
    rec = ctx.record
    draw_page_header(c, ctx)
    draw_summary_band(c, ctx)

    draw_grid(c, lay)
    draw_traces(c, lay, ctx.geom, ctx.signal, ctx.fs, _blank_said(rec))
    draw_pacer_marks(c, lay, ctx.signal, ctx.fs, _pacer_times(ctx))

    # one line under the sheet (the band took the room of a second): the caption, then the notes
    # at the right, then what the file says of the diagnosis where it fits; page 3 has them all
    c.saveState()
    caption, notes = caption_parts(ctx)
    cap, note, size = caption_line(c, caption, notes, lay.grid_width, file_diagnosis_note(rec), ctx.page(SHEET_NOTES))
    y = lay.grid_y0 - 3.4 * MM
    c.setFont(FONT, size)
    c.drawString(lay.grid_x0, y, cap)
    if note:
        c.drawRightString(lay.grid_x0 + lay.grid_width, y, note)
    c.restoreState()
    draw_notice(c, lay.page_width, rec.record_id, ctx)
