"""The interval measurements as the report prints them: the session's one measurement table
(``review.measurements.measurement_rows``: reviewer edits, recomputed values, flags outside the
cited adult ranges, none for a child) with the automatic value beside an edited one, and the acquiring
device's own value beside MIRAGE's where the file stores one (``review.file_info.device_values``)."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.platypus import Paragraph

from mirage_model.review.file_info import device_values
from mirage_model.review.interpret import session_interpretation
from mirage_model.review.measurements import (DOUBT_MARK, NOT_APPLICABLE, age_note, doubt_text, is_paediatric,
                                              unsaid_notes, why_unmeasured)
from mirage_model.review.report.layout import MM
from mirage_model.review.report.styles import EDITED_BLUE, make_table
from mirage_model.review.report.text import READABLE, pdf_escape

DEVICE_W = 15 * MM
NO_RANGE = "\u2014"        # the Reference cell of a row without a value (an em dash)


def measurement_flowables(session, st, rows: list[dict] | None = None) -> list:
    """The measurement table of ``session`` (or why there is none), its ranges and method. ``rows``: the table
    as the report built it (``ReportContext.measurement_rows``); None: built here."""
    out = [Paragraph("Interval measurements", st["h1"])]
    measurements = session.measurements
    edits = session.measurement_edits
    state = session.state.get("measurements")
    if measurements is None and not edits:
        if state == "pending":
            text = "Not in this report: the measurements were still being computed when it was written."
        else:   # the reason as page 1 and the app say it
            why = why_unmeasured(None, None, session.errors.get("measurements", ""))
            text = why[:1].upper() + why[1:] + "."
        out.append(Paragraph(pdf_escape(text), st["body"]))
        return out
    # the interpretation's rhythm says whether the PR and P axis are a P wave's (``measurement_rows``)
    if rows is None:
        rows = session.measurement_table(session_interpretation(session))
    changed = any(r["status"] for r in rows)
    device, theirs = device_values(getattr(session, "record", None))
    table = [["Measurement", "Value", "Unit", "Reference"] + (["Automatic"] if changed else [])
             + (["Device"] if theirs else [])]
    highlight = []
    blue = colors.Color(*EDITED_BLUE).hexval().replace("0x", "#")   # an edited row, as make_table highlights it
    for r in rows:
        unit = r["unit"]
        edited = bool(r["status"])
        hot = bool(r.get("flag")) and r["value"] is not None     # outside the range applied: bold, arrow

        def cell(text, bold=False):
            # a Paragraph, so that a long label or value wraps inside its column instead of running
            # into the next; in the cells' 8 pt, bold and blue as the row's plain cells when edited
            text = pdf_escape(text)
            text = f"<b>{text}</b>" if bold or edited else text
            return Paragraph(f'<font color="{blue}">{text}</font>' if edited else text, st["cell"])

        if r["doubt"] == NOT_APPLICABLE:     # why under the table (``doubt_text``); measured or not
            shown = cell(NOT_APPLICABLE)
            unit = ""
        elif r["value"] is None:
            shown = cell("not recomputed" if r["status"] == "not recomputed" else "not measurable")
            unit = ""
        else:
            # a value read through what the record cannot carry: kept, marked, why under the table
            mark = f" {DOUBT_MARK}" if r["doubt"] else ""
            shown = r["shown"] + mark + (f" ({r['status']})" if r["status"] else "")
            if hot:   # bold, with an arrow (the report's font has them), and the flag's word at READABLE pt
                arrow = {"high": "\u2191", "low": "\u2193"}[r["flag"]]
                text = f'<b>{pdf_escape(shown)} {arrow}</b> <font size="{READABLE:g}">{r["flag"]}</font>'
                shown = Paragraph(f'<font color="{blue}">{text}</font>' if edited else text, st["cell"])
            else:
                shown = cell(shown)
        # a range wraps between its bounds ("> 340," / "< 450"), never between a sign and its number; none beside a
        # row without a value, not measurable, not recomputed or not applicable ("Sokolow-Lyon | not measurable |
        # < 3.5", a PR beside atrial flutter "120-200"): a dash, its range's source still under the table
        ref = (NO_RANGE if r["value"] is None or r["doubt"] == NOT_APPLICABLE
               else r["ref_cell"].replace("< ", "<\u00a0").replace("> ", ">\u00a0"))
        line = [cell(r["label"], bold=hot), shown, unit, cell(ref)]
        if changed:
            places = 2 if r["unit"] == "mV" else 0
            auto = "not measured" if measurements is None else \
                ("not measurable" if r["automatic"] is None else f"{r['automatic']:.{places}f} {r['unit']}")
            line.append(cell(auto if r["status"] else ""))
        if theirs:
            # the device's value, never styled as the reviewer's edit of MIRAGE's beside it
            dv = theirs.get(r["key"])
            line.append(Paragraph("" if dv is None else f"{dv:.0f}", st["cell"]))
        if edited:
            highlight.append(len(table))
        table.append(line)
    # 3 pt padding: the longest label bold ("QTc (Fridericia: QT / cbrt(RR in s))", 54 mm) and
    # "> 340, < 450" bold whole without the Automatic column (113.5 mm: within a Letter column)
    widths = ([57 * MM, 25 * MM, 9 * MM, 22.5 * MM] if not changed
              else [49 * MM, 28 * MM, 9 * MM, 22 * MM, 21.5 * MM])     # 129.5 mm: shrunk to the column
    if theirs:     # the device's column (a value of at most 4 digits) takes its room from the labels, which wrap
        widths = [widths[0] - DEVICE_W] + widths[1:] + [DEVICE_W]
    tbl = make_table(table, widths, highlight_rows=highlight, highlight_color=EDITED_BLUE, padding=3.0)
    out.append(tbl)
    if doubts := doubt_text(rows):
        # what the record cannot carry, said where the marked values are (the app says it on their hover)
        out.append(Paragraph("<b>" + pdf_escape(". ".join(doubts)) + ".</b>", st["small"]))
    ranges = [r["range"] for r in rows if r.get("range")]
    if ranges and is_paediatric(session.age):
        # a child's ECG (``review.measurements.PAEDIATRIC_BELOW_Y``): axis not judged, the rate by a child's
        # centiles for age, PR, QRS and QTc by a child's upper limit; said once, not after each range
        judged: dict[str, list[str]] = {}     # range text -> the rows judged by it (the three QTc formulas share one)
        for r in rows:
            if r.get("range") and r.get("ref_high") is not None:
                judged.setdefault(r["range"], []).append(r["label"])
        out.append(Paragraph(pdf_escape(f"Reference ranges, {age_note(session.age)} (no cited table of paediatric "
                                        "axis limits is built in): " + "; ".join(
                                            f"{', '.join(labels)} {text}" for text, labels in judged.items())
                                        + ". Bold with an arrow: outside the range."), st["small"]))
    elif ranges:
        # no age given: said once, not after each range as the app's hover says it
        unknown = age_note(session.age)
        seen = list(dict.fromkeys(r.removesuffix(f"; {unknown}") if unknown else r for r in ranges))
        head = "Adult reference ranges" + (" (age unknown)" if unknown else "")
        out.append(Paragraph(pdf_escape(f"{head}: " + "; ".join(seen) + ". Bold with an arrow "
                                        "(high / low): outside the range."), st["small"]))
    method = getattr(measurements, "method", "") if measurements is not None else ""
    # a child's QTc: Bazett's at any rate; a note the doubts above say is not said again
    notes = unsaid_notes(measurements, session.age, rows)
    text = f"Method: {method}." if method else ""
    if changed:
        text += (" Edited: corrected by the reviewer; the automatic value is beside it. "
                 "Recomputed: follows from the reviewed values (RR = 60000 / heart rate; QTc "
                 "from the reviewed QT and RR with the same formula).")
    if theirs:
        text += f" Device: {device}'s own measurement, as stored in the file; not MIRAGE's."
    if notes:
        text += " Notes: " + "; ".join(str(n) for n in notes)
    if text:
        out.append(Paragraph(pdf_escape(text.strip()), st["small"]))
    return out
