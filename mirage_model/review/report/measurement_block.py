"""Page 1's measurement block, as GE MUSE and Philips reports print it left of the interpretation: the session's
one measurement table (``review.measurements.measurement_rows``: the reviewer's edits, recomputed QTc, flags
outside the cited adult ranges, a child's limits) in three columns of rate, RR, PR, QRS; QT, QTc by Bazett and
by Fridericia, Sokolow-Lyon; the P, QRS and T axes, Cornell. A value outside its range is bold with an arrow;
the line under the block says what the marks mean, or why there is no value, in the fullest wording that fits.
Every label and value whole at one size, never under ``READABLE``: the gaps narrow first.
"""

from __future__ import annotations

from reportlab.lib.utils import simpleSplit

from mirage_model.records.age import age_text
from mirage_model.review.measurements import (DOUBT_MARK, NOT_APPLICABLE, UNRELIABLE, clean_age, is_paediatric,
                                              short_labels, why_unmeasured)
from mirage_model.review.report.band_text import GREY, READABLE, SIZE, Run
from mirage_model.review.report.layout import MM
from mirage_model.review.report.text import FONT, FONT_BOLD, pdf_text

# the block's three columns of measurements (key), as carts group them
BLOCK_KEYS = (("heart_rate_bpm", "rr_ms", "pr_ms", "qrs_ms"),
              ("qt_ms", "qtc_bazett_ms", "qtc_fridericia_ms", "sokolow_lyon_mv"),
              ("p_axis_deg", "qrs_axis_deg", "t_axis_deg", "cornell_mv"))
ARROWS = {"high": "\u2191", "low": "\u2193"}     # in the report's font (DejaVu Sans has arrows)
MEASURE_W = 98 * MM                              # the measurement block's width


def measurement_cells(session, interpretation=None, rows: list[dict] | None = None,
                      table: str = "page 3") -> tuple[list[list[tuple[str, list[Run]]]], list[str]]:
    """The block's columns of (label, value runs) from the session's measurement table (``interpretation``: the
    session's, for the PR and P axis beside atrial fibrillation or flutter; ``rows``: that table as the report built
    it, ``ReportContext.measurement_rows``), and the
    line under it (what is not there and why, or what bold and * mean) in its wordings, the
    fullest first: the band prints the first that fits its free lines at ``READABLE`` pt (the
    formulas are in the measurement table, on ``table``: "page 4", ``ReportContext.page``)."""
    if session.measurements is None and session.state.get("measurements") == "pending":
        return [], ["Measurements: still being computed when this report was written."]
    # no value to show (none measured, or measure() found none: a record too short): the reason, not dashes
    why = why_unmeasured(session.measurements, session.measurement_edits, session.errors.get("measurements", ""))
    if why:
        return [], [f"Measurements: {why}."]
    rows = {r["key"]: r for r in (session.measurement_table(interpretation) if rows is None else rows)}
    labels = short_labels()
    columns = []
    for keys in BLOCK_KEYS:
        col = []
        for key in keys:
            r = rows[key]
            if r["doubt"] == NOT_APPLICABLE:         # page 3 says why; measured or not
                col.append((labels[key], [Run("n/a", colour=GREY)]))
                continue
            if r["value"] is None:
                col.append((labels[key], [Run("-", colour=GREY)]))
                continue
            mark = ("*" if r["status"] else "") + (DOUBT_MARK if r["doubt"] else "")
            value = f"{r['shown']}{mark} {r['unit']}"
            if r.get("flag"):
                runs = [Run(value, FONT_BOLD), Run(" "), Run(ARROWS[r["flag"]], FONT_BOLD)]
            else:
                runs = [Run(value)]
            col.append((labels[key], runs))
        columns.append(col)
    reviewer = " *: reviewer's value." if any(r["status"] for r in rows.values()) else ""
    doubts = {r["doubt"] for r in rows.values()}
    # what the record cannot carry, beside the reviewer's mark; both marks with one pointer where room is short (an
    # irregular AF: "?: unreliable, n/a: not applicable (page 4).", not "n/a: not ... (page 4)", which said nothing)
    marks = [m for m, d in ((f"{DOUBT_MARK}: unreliable", UNRELIABLE), ("n/a: not applicable", NOT_APPLICABLE))
             if d in doubts]
    edited = "".join(f" {m} ({table})." for m in marks) + reviewer
    joint = f" {', '.join(marks)} ({table}).{reviewer}" if len(marks) > 1 else ""
    arrows = ARROWS["high"] + ARROWS["low"]
    if is_paediatric(session.age):
        # a child's ECG: axis unflagged, the rate by a child's centiles; said instead of "outside the adult range"
        a = age_text(session.age)
        kids = (f"Age {a}: paediatric ECG, axis not flagged; bold {arrows}: rate, PR, QRS or QTc outside a "
                f"child's limit ({table}).")
        short = f"Age {a}: paediatric limits ({table})."
        return columns, [f"QTc: Bazett QT/sqrt(RR), Fridericia QT/cbrt(RR). {kids}{edited}",
                         f"{kids}{edited} QTc formulas: {table}.", f"{kids}{edited}", f"{short}{edited}"] + \
            ([f"{short}{joint}"] if joint else [])
    adult = "the adult range" + (" (age unknown)" if clean_age(session.age) is None else "")
    notes = [f"QTc: Bazett QT/sqrt(RR), Fridericia QT/cbrt(RR). Bold, arrow: outside {adult}.{edited}",
             f"QTc: Bazett QT/\u221aRR, Fridericia QT/\u221bRR. Bold {arrows}: outside {adult}.{edited}",
             f"Bold {arrows}: outside {adult}.{edited} QTc formulas: {table}.",
             f"Bold {arrows}: outside {adult}.{edited} Formulas: {table}."]
    if doubts - {""}:      # the marks' words before the formulas' pointer (PTB-XL 02739: cut at "Fo ... (page 3)")
        notes += [f"Bold {arrows}: outside {adult}.{text}" for text in (edited, joint) if text]
    return columns, notes


def note_rows(c, notes: list[str], width: float, free: int, more: str) -> list[str]:
    """The rows of the line under the measurement block: the first wording of ``notes`` that fits
    ``free`` rows of ``width`` pt at ``READABLE`` pt, wrapped; else the last wording's first rows,
    the last of them cut with ``more`` (" ... (page 4)": the measurement table's page)."""
    free = max(free, 1)
    for note in notes:
        rows = simpleSplit(pdf_text(note), FONT, READABLE, width) or [""]
        if len(rows) <= free:
            return rows
    last = rows[free - 1]
    cut = False
    while last and c.stringWidth(last.rstrip() + more, FONT, READABLE) > width:
        last, cut = last[:-1], True
    if cut and " " in last.strip() and not last.endswith(" ") and not rows[free - 1][len(last):].startswith(" "):
        # at a word's end: "?: unreliable ... (page 4)", not "?: unreliable (p ... (page 4)" (PTB-XL 02739_lr)
        last = last[:last.rstrip().rfind(" ")]
    return rows[:free - 1] + [last.rstrip() + more]


LABEL_GAP = 1.5 * MM                             # between a label and its value
COLUMN_GAP = 2.5 * MM                            # the least room between a value and the next column's label
TIGHT_GAPS = (1.0 * MM, 1.5 * MM)                # the label and column gaps, narrowed where READABLE type needs the room


def block_rows(c, columns, width: float) -> list[list[tuple[float, list[Run]]]]:
    """The measurement block's rows as (x from the block's left edge, runs) to draw, every label
    and value whole at one size: each column as wide as its longest label and its longest value
    (a bold value with its arrow, a reviewer's *), the room left over shared between the columns;
    when they do not fit ``width`` at the band's size, every text of the block is made smaller by
    the same factor (to ``READABLE`` pt at the least), never one value alone, and then the gaps
    narrower (to ``TIGHT_GAPS``: every flagged and edited value at its widest fits 96 mm so)."""
    if not columns:
        return []

    def w(runs):
        return sum(c.stringWidth(pdf_text(r.text), r.font, r.size) for r in runs)

    label_w = [max(w([Run(label)]) for label, _ in col) for col in columns]
    # a column of dashes as wide as one of values, so that the columns stand where they stood on other reports
    value_w = [max([w([Run("-000 deg")])] + [w(runs) for _, runs in col]) for col in columns]
    n = len(columns)
    gaps = LABEL_GAP * n + COLUMN_GAP * (n - 1)
    texts = sum(label_w) + sum(value_w)
    scale = min(1.0, max(READABLE / SIZE, (width - gaps) / texts))
    label_gap, column_gap = LABEL_GAP, COLUMN_GAP
    if texts * scale + gaps > width:          # at READABLE pt: the gaps give way, by the same fraction
        tight = TIGHT_GAPS[0] * n + TIGHT_GAPS[1] * (n - 1)
        f = max(0.0, min(1.0, (width - texts * scale - tight) / (gaps - tight)))
        label_gap = TIGHT_GAPS[0] + f * (LABEL_GAP - TIGHT_GAPS[0])
        column_gap = TIGHT_GAPS[1] + f * (COLUMN_GAP - TIGHT_GAPS[1])
    spare = max(width - label_gap * n - column_gap * (n - 1) - texts * scale, 0.0)
    gap = column_gap + (spare / (n - 1) if n > 1 else 0.0)
    rows: list[list[tuple[float, list[Run]]]] = []
    x = 0.0
    for i, col in enumerate(columns):
        value_x = x + label_w[i] * scale + label_gap
        for j, (label, runs) in enumerate(col):
            while len(rows) <= j:
                rows.append([])
            rows[j].append((x, [Run(label, colour=GREY, size=SIZE * scale)]))
            rows[j].append((value_x, [Run(r.text, r.font, r.colour, r.size * scale) for r in runs]))
        x = value_x + value_w[i] * scale + gap
    return rows
