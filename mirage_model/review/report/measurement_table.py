"""The interval measurements as the report prints them: the session's one measurement table
(``review.measurements.measurement_rows``: reviewer edits, recomputed values, flags outside the
cited adult ranges) with the automatic value beside an edited one."""

from __future__ import annotations

from reportlab.platypus import Paragraph

from mirage_model.review.measurements import why_unmeasured
from mirage_model.review.report.layout import MM
from mirage_model.review.report.styles import make_table
from mirage_model.review.report.text import FONT_BOLD, pdf_escape


def measurement_flowables(session, st) -> list:
    """The measurement table of ``session`` (or why there is none), its ranges and method."""
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
    rows = session.measurement_table()
    changed = any(r["status"] for r in rows)
    table = [["Measurement", "Value", "Unit", "Reference"] + (["Automatic"] if changed else [])]
    highlight, flagged = [], []
    for r in rows:
        unit = r["unit"]
        if r["value"] is None:
            shown = "not recomputed" if r["status"] == "not recomputed" else "not measurable"
            unit = ""
        else:
            shown = r["shown"] + (f" ({r['status']})" if r["status"] else "")
            if r.get("flag"):   # bold, with an arrow (the report's font has them)
                arrow = {"high": "\u2191", "low": "\u2193"}[r["flag"]]
                shown = Paragraph(f'<b>{pdf_escape(shown)} {arrow}</b> '
                                  f'<font size="6">{r["flag"]}</font>', st["small"])
        line = [r["label"], shown, unit, r["ref_cell"]]
        if r.get("flag") and r["value"] is not None:
            flagged.append(len(table))
        if changed:
            auto = "not measured" if measurements is None else \
                ("not measurable" if r["automatic"] is None else f"{r['automatic']:.0f} {r['unit']}")
            line.append(auto if r["status"] else "")
            if r["status"]:
                highlight.append(len(table))
        table.append(line)
    widths = [55 * MM, 27 * MM, 9 * MM, 17 * MM] + ([19 * MM] if changed else [])
    tbl = make_table(table, widths, highlight_rows=highlight, highlight_color=(0.0, 0.2, 0.55))
    if flagged:   # outside the adult reference range: bold, with the arrow beside the value
        tbl.setStyle([("FONT", (0, r), (1, r), FONT_BOLD, 8) for r in flagged])
    out.append(tbl)
    ranges = [r["range"] for r in rows if r.get("range")]
    if ranges:
        seen = list(dict.fromkeys(ranges))
        out.append(Paragraph(pdf_escape("Adult reference ranges: " + "; ".join(seen) + ". Bold with an arrow "
                                        "(high / low): outside the range."), st["small"]))
    method = getattr(measurements, "method", "") if measurements is not None else ""
    notes = list(getattr(measurements, "notes", ()) or ()) if measurements is not None else []
    text = f"Method: {method}." if method else ""
    if changed:
        text += (" Edited: corrected by the reviewer; the automatic value is beside it. "
                 "Recomputed: follows from the reviewed values (RR = 60000 / heart rate; QTc "
                 "from the reviewed QT and RR with the same formula).")
    if notes:
        text += " Notes: " + "; ".join(str(n) for n in notes)
    if text:
        out.append(Paragraph(pdf_escape(text.strip()), st["small"]))
    return out
