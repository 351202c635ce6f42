"""The serial comparison in the report (``review.serial``): page 1's "Compared with ..." lines right under
the interpretation (``band_lines``), and the "Serial comparison" page, the report's last
(``draw_serial_page``): the warnings, the summary, the measurement table (prior, current, change, the
change it is said at; the significant rows marked), the statement changes, and both median beats of each
lead overlaid on ECG paper (prior grey, current black, 25 mm/s, 10 mm/mV, aligned at their QRS onsets,
as GE MUSE's serial comparison prints them).

Nothing else of the prior reaches the report: not its patient fields, not its clinical or lab values;
the prior is named by ``SerialComparison.prior_label`` (its date, else its file name).
"""

from __future__ import annotations

from dataclasses import replace

from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph

from mirage_model.review.measurements import short_labels
from mirage_model.review.median_beats import (
    GAIN_MM_MV, ROW_MM, SPEED_MM_S, fitting_gain, median_beat_view, sheet_cells, sheet_size,
)
from mirage_model.review.report.band_text import GREY, INDENT, READABLE, RED, Run, fits, wrap_runs
from mirage_model.review.report.context import ReportContext
from mirage_model.review.report.header import draw_notice
from mirage_model.review.report.layout import MM
from mirage_model.review.report.styles import TABLE_SIZE, make_table, styles
from mirage_model.review.report.text import (
    FONT, FONT_BOLD, clip_runs, draw_runs_text, font_runs, pdf_escape, pdf_text, register_fonts,
)
from mirage_model.review.serial import SerialComparison, compare
from mirage_model.review.serial.changes import _fmt

PAGE_NAME = "Serial comparison"
MORE = " ... (Serial comparison, last page)"
PRIOR_GREY = (0.55, 0.55, 0.55)
TOP_MM = 25.0                # page top to the sheet's top, as the median-beat page
COLUMN_GAP_MM = 6.0          # between the sheet and the text column on its right


def report_comparison(session) -> SerialComparison | None:
    """The comparison a report of ``session`` prints: None without a prior, or while either session's
    measurements or prediction are still being computed (a comparison of half a result misleads)."""
    prior = getattr(session, "prior", None)
    if prior is None:
        return None
    for s in (prior, session):
        if any(s.state.get(part) == "pending" for part in ("measurements", "prediction")):
            return None
    return compare(prior, session)


def _first_open(text: str) -> int:
    """Where ``text``'s outermost parenthesis left open starts (-1: none is)."""
    opened: list[int] = []
    for k, ch in enumerate(text):
        if ch == "(":
            opened.append(k)
        elif ch == ")" and opened:
            opened.pop()
    return opened[0] if opened else -1


def _cut(c, runs: list[Run], width: float, rows: int) -> list[tuple[float, list[Run]]]:
    """``runs`` wrapped onto at most ``rows`` lines of ``width`` pt, as (indent, runs): a hanging indent,
    the last line cut with ``MORE`` when they need more."""
    lines = wrap_runs(c, runs, width)
    if len(lines) <= rows:
        return [(INDENT if k else 0.0, line) for k, line in enumerate(lines)]
    lines = lines[:rows]
    last = list(lines[-1])
    room = width - (INDENT if rows > 1 else 0.0)
    more = Run(MORE, colour=GREY)
    while last and not fits(c, last + [more], room):       # whole words off the end
        r = last[-1]
        text = r.text.rstrip()
        text = text[:text.rfind(" ")].rstrip(" ,;:") if " " in text else ""
        # no parenthesis left open: "fibrillation", not "(was sinus"; cut at the outermost one left open, not
        # the last: "(was sinus bradycardia (uncertain) on" had kept "(was sinus bradycardia"
        if (at := _first_open(text)) >= 0:
            text = text[:at].rstrip(" ,;:")
        last = last[:-1] + ([Run(text, r.font, r.colour, r.size)] if text else [])
    lines[-1] = last + [more]
    return [(INDENT if k else 0.0, line) for k, line in enumerate(lines)]


def band_lines(c, comparison: SerialComparison | None, width: float, rows: int,
               note: str = "") -> list[tuple[float, list[Run]]]:
    """Page 1's lines under the interpretation as (indent, runs), at most ``rows`` (1 at the least): the
    warnings (different patients, the dates' order) in red on a line of their own, then "Compared with ...:
    ..." (``summary``), cut where the band has no room (the last page has it all). ``note``: why a prior
    asked for was not compared (``ReviewSession.prior_note``), said instead."""
    rows = max(rows, 1)
    if comparison is None:
        if not note:
            return []
        return _cut(c, [Run(f"Not compared with a prior ECG: {note}", FONT_BOLD, RED)], width, 1)
    out: list[tuple[float, list[Run]]] = []
    warnings = " ".join(comparison.warnings)
    if warnings and rows > 1:
        # whole, else each warning's first part (up to its colon) with where the rest is
        short = " ".join(w.split(": ")[0].rstrip(".") + "." for w in comparison.warnings) + " See the last page."
        runs = next((r for r in ([Run(warnings, FONT_BOLD, RED)], [Run(short, FONT_BOLD, RED)]) if fits(c, r, width)),
                    None)
        out += [(0.0, runs)] if runs else _cut(c, [Run(short, FONT_BOLD, RED)], width, 1)
    head, _, rest = comparison.summary.partition(": ")
    runs = [Run(head + (": " if rest else ""), FONT_BOLD), Run(rest)]
    if warnings and rows == 1:
        runs = [Run("(see the warning on the last page) ", FONT_BOLD, RED)] + runs
    return out + _cut(c, runs, width, rows - len(out))


# ---------------------------------------------------------------------- the page
def measurement_rows(comparison: SerialComparison) -> tuple[list[list[str]], list[int]]:
    """The page's table: header, then one row per measurement (label and unit, prior, current, change,
    the change it is said at; "-" where not measured, "n/c" where measured on both and not compared: the
    summary says why); and the rows (1-based, after the header) whose change is significant, marked "*" and
    highlighted."""
    short = short_labels()

    def num(v, sign=False):
        return "-" if v is None else ("0" if sign and round(v) == 0 else f"{v:+.0f}" if sign else _fmt(v))
    rows = [["Measurement", "Prior", "Current", "Change", "Said at"]]
    marked = []
    for i, m in enumerate(comparison.measurements, start=1):
        rows.append([f"{short.get(m.key, m.label)} ({m.unit})", num(m.prior), num(m.current),
                     "n/c" if m.why_not else num(m.change, sign=True) + (" *" if m.significant else ""),
                     f"\u00b1{m.said_at:g}"])
        if m.significant:
            marked.append(i)
    return rows, marked


def statement_paragraphs(comparison: SerialComparison) -> list[tuple[str, str]]:
    """(heading, words) of the statement changes that are there, in reading order."""
    pacing = comparison.pacing_words.removeprefix("Pacing changed: ")     # "paced on the ECG of ...": its case kept
    parts = [("Pacing changed", pacing[:1].upper() + pacing[1:]),
             ("Rhythm", comparison.rhythm_words.removeprefix("Rhythm ").capitalize()
              if comparison.rhythm_words else ""),
             ("New", "; ".join(comparison.new_statements)),
             ("Possibly new", "; ".join(comparison.possibly_new)),
             ("No longer present", "; ".join(comparison.gone_statements)),
             ("Possibly no longer present", "; ".join(comparison.possibly_gone)),
             ("Unchanged", "; ".join(comparison.unchanged_statements))]
    return [(h, w) for h, w in parts if w]


RULE_WORDS = ("*: a change at or beyond its threshold ('Said at'): the 98th percentile of the differences between "
              "repeat ECGs of stable patients (PTB-XL: one patient, at most 30 days apart, the same statements), "
              "rounded up to 5; a QTc change of 60 ms at the least (ICH E14, 2005). 'Possibly': the statement is "
              "uncertain on one of the two ECGs (low confidence, marked (?), or near its threshold). n/c: measured "
              "on both, not compared (the summary says why).")


TABLE_MM = (30.0, 15.0, 15.0, 17.0, 16.0)   # the table's columns where the page has room for them (A4)
TABLE_PADDING = 3.0                          # pt left and right of each cell's text


def table_widths(rows: list[list[str]], width: float) -> list[float]:
    """The measurement table's column widths (pt) in a column ``width`` pt wide: each column at least as
    wide as its widest text in bold (a significant row is bold: "QTc Fridericia (ms)" is 30.3 mm at 8 pt)
    and its padding; ``TABLE_MM`` where the column has room for it, else what room there is shared as
    ``TABLE_MM`` shares it. Where even the texts do not fit, their own widths (``FitTable`` shrinks them)."""
    register_fonts()
    need = [max(stringWidth(pdf_text(str(r[k])), FONT_BOLD, TABLE_SIZE) for r in rows) + 2 * TABLE_PADDING
            for k in range(len(rows[0]))]
    want = [max(n, mm * MM) for n, mm in zip(need, TABLE_MM)]
    if sum(want) <= width:
        return want
    spare, wished = width - sum(need), sum(want) - sum(need)
    if spare <= 0:
        return need
    return [n + (w - n) * spare / wished for n, w in zip(need, want)]


def _flowables(comparison: SerialComparison, st, width: float) -> list:
    warn = st["body"].clone("warn", fontName=FONT_BOLD, textColor="#a60000")
    out = [Paragraph(pdf_escape(w), warn) for w in comparison.warnings]
    out.append(Paragraph(pdf_escape(comparison.summary), st["body"]))
    rows, marked = measurement_rows(comparison)
    out.append(make_table(rows, table_widths(rows, width), highlight_rows=marked, padding=TABLE_PADDING))
    for head, words in statement_paragraphs(comparison):
        out.append(Paragraph(f"<b>{pdf_escape(head)}:</b> {pdf_escape(words)}", st["body"]))
    out += [Paragraph(pdf_escape(n), st["small"]) for n in comparison.notes]
    out.append(Paragraph(pdf_escape(RULE_WORDS), st["small"]))
    return out


def _draw_column(c, x: float, top: float, width: float, bottom: float, flowables) -> float:
    """``flowables`` drawn down from ``top`` within ``width``; one that does not fit above ``bottom`` is
    left out with the ones after it, said in a last line. Returns the y where they ended."""
    y = top
    for k, f in enumerate(flowables):
        _w, h = f.wrapOn(c, width, y - bottom)
        if y - h < bottom:
            c.setFont(FONT, READABLE)
            c.setFillColorRGB(*GREY)
            c.drawString(x, bottom, pdf_text(f"({len(flowables) - k} more paragraphs left out for want of room)"))
            return bottom
        f.drawOn(c, x, y - h)
        y -= h + 1.5 * MM
    return y


def _draw_beats(c, x0: float, y0: float, views, gain: float) -> None:
    """Each lead's beats overlaid in its cell: the prior's first, grey, then the current's, black."""
    from mirage_model.review.report.median_beats import draw_cell_trace     # here: that module imports this one
    from mirage_model.review.report.waveforms import draw_calibration_pulse
    half = (ROW_MM / 2.0 - 1.0) * MM
    cells = sheet_cells(row_mm=ROW_MM)
    for view, rgb, width in views:
        if view is None:
            continue
        c.setStrokeColorRGB(*rgb)
        c.setLineWidth(width)
        c.setLineJoin(1)
        c.setLineCap(1)
        for cell in cells:
            draw_cell_trace(c, x0, y0, view, cell, gain)
    c.setFillColorRGB(0, 0, 0)
    c.setFont(FONT_BOLD, 8)
    for cell in cells:
        c.drawString(x0 + (cell.x0 + 2.0) * MM, y0 + cell.baseline * MM + half - 3.5 * MM, cell.lead)
    c.setStrokeColorRGB(0, 0, 0)
    c.setLineWidth(0.8)
    for base in sorted({y0 + cell.baseline * MM for cell in cells}):
        xa = x0 + 3.0 * MM
        draw_calibration_pulse(c, xa, xa + 0.2 * SPEED_MM_S * MM, base, base + gain * MM)


def draw_serial_page(c, doc, ctx: ReportContext) -> None:
    """The "Serial comparison" page: title, the overlaid median beats (left), the comparison (right), the footer."""
    from mirage_model.review.report.waveforms import draw_grid     # (waveforms draws page 1's band, which imports this)
    lay = ctx.layout
    rec = ctx.record
    comparison = ctx.serial
    c.saveState()
    title = font_runs(f"{PAGE_NAME}  -  record {rec.record_id}", FONT_BOLD)
    draw_runs_text(c, 10 * MM, lay.page_height - 13 * MM, clip_runs(c, title, 13, lay.page_width - 20 * MM), 13)
    sub = f"This ECG compared with {comparison.prior_label}"
    c.setFont(FONT, 9)
    c.setFillColorRGB(0, 0, 0)
    c.drawString(10 * MM, lay.page_height - 19 * MM, pdf_text(simpleSplit(pdf_text(sub), FONT, 9,
                                                                           lay.page_width - 20 * MM)[0]))
    w_mm, h_mm = sheet_size(row_mm=ROW_MM)
    x0 = 10 * MM
    y0 = round(lay.page_height / MM - TOP_MM - h_mm) * MM
    w, h = w_mm * MM, h_mm * MM
    draw_grid(c, replace(lay, grid_x0=x0, grid_y0=y0, grid_width=w, grid_height=h))
    prior_view = median_beat_view(getattr(ctx.session.prior, "measurements", None))
    current_view = median_beat_view(ctx.session.measurements)
    views = [v for v in (prior_view, current_view) if v is not None]
    gain = min((fitting_gain(v, row_mm=ROW_MM) for v in views), default=GAIN_MM_MV)
    _draw_beats(c, x0, y0, [(prior_view, PRIOR_GREY, 0.9), (current_view, (0.0, 0.0, 0.0), 0.7)], gain)
    legend = [f"Median beats computed by MIRAGE, overlaid: prior ({comparison.prior_label}) grey, this ECG black; "
              f"each aligned at its own QRS onset. {SPEED_MM_S:g} mm/s, {gain:g} mm/mV (pulses 1 mV, 200 ms); "
              "grid 1 mm / 5 mm."]
    if gain != GAIN_MM_MV:
        legend.append(f"Gain {gain:g} mm/mV: at {GAIN_MM_MV:g} mm/mV the tallest beat would leave its row.")
    for who, view in (("prior ECG", prior_view), ("this ECG", current_view)):
        if view is None:
            legend.append(f"No median beats of the {who}: not drawn.")
    y = y0 - 5 * MM
    c.setFont(FONT, 8)
    c.setFillColorRGB(0, 0, 0)
    for text in legend:
        for row in simpleSplit(pdf_text(text), FONT, 8, w):
            c.drawString(x0, y, row)
            y -= 4 * MM
    cx = x0 + w + COLUMN_GAP_MM * MM
    column = lay.page_width - 10 * MM - cx
    _draw_column(c, cx, lay.page_height - TOP_MM * MM, column, 14 * MM, _flowables(comparison, styles(), column))
    c.restoreState()
    draw_notice(c, lay.page_width, rec.record_id, ctx)
