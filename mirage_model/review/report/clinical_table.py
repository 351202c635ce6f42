"""The clinical and laboratory values of a session as the report prints them: value as entered
(with the canonical value when converted), unit, reference range, flag, source, whether the
model read it, and each value's contribution to the probabilities."""

from __future__ import annotations

import re

import numpy as np
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from mirage_model.clinical.features import censor_mark
from mirage_model.records.age import AGE_CAPPED_SHOWN, shown_age
from mirage_model.review.labels import changes_said, model_words
from mirage_model.review.report.context import ReportContext
from mirage_model.review.report.layout import MM
from mirage_model.review.report.styles import FLAG_RED, make_table
from mirage_model.review.report.text import FONT_BOLD, pdf_escape, pdf_text
from mirage_model.words import fmt_num


def session_clinical_rows(session) -> list[dict]:
    """The clinical/lab table of a session: one dict per given value (accepted or refused).

    Returns:
        dicts with keys name, label, value, unit, reference, flag ("H", "L", "refused" or ""),
        source ("file", "table" or "user"), used ("used by model", "not used by this model", "no model"),
        contribution (float (K,) or None), message (why a value was refused).
    """
    used = session.used_names()
    contributions = session.contributions or {}
    rows = []
    for name, v in session.values.items():
        feat = session.feature(name)
        if feat.kind == "binary":
            value, unit = (v.model_value() if v.accepted else v.text), ""
        else:
            # as entered (its unit), with the canonical value beside it when converted; a censored
            # result keeps its mark in both ("<0.3 (= <3 mg/L)"): a limit never reads as measured. An
            # accepted value's comma is the decimal comma it was read with: printed as a point, as every
            # other number of the report is ("4,2" typed on a German workstation: 4.2); a refused one as typed
            text = v.text.replace(",", ".") if v.accepted else v.text
            value, unit = text, (v.unit or feat.unit)
            if v.accepted and v.unit and feat.factor(v.unit) != 1.0:
                value = f"{text} (= {censor_mark(text)}{fmt_num(v.canonical, 4)} {feat.unit})"
            if name == "age" and v.accepted and \
                    shown_age(v.canonical, getattr(session.record, "meta", None)) == AGE_CAPPED_SHOWN:
                value = AGE_CAPPED_SHOWN     # an anonymised file's 90 for 90 or older: "≥90 years" (page 1)
        if not v.accepted:
            use = "refused, not given"
        elif used is None:
            use = "no model"
        else:
            use = "used by model" if name in used else "not used by this model"
            if name in used and feat.training_note(v.canonical):    # read at its training data's edge
                lo, hi = feat.trained
                use = f"used by model as {feat.held(v.canonical):g} {feat.unit} (trained on {lo:g}-{hi:g})"
        flag = {"high": "H", "low": "L", "refused": "refused"}.get(v.status, "")
        rows.append(dict(name=name, label=feat.label, value=str(value), unit=unit or "",
                         reference=feat.reference_text() if feat.kind == "continuous" else "",
                         flag=flag, source=v.source, used=use,
                         contribution=contributions.get(name), message=v.message if not v.accepted else ""))
    return rows


_SUPERSCRIPT = str.maketrans("0123456789-", "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079\u207b")


def unit_print(text: str) -> str:
    """A unit as a printed page writes it: a power of ten raised ("10^9/L" -> "10\u2079/L"), the rest as it is."""
    return re.sub(r"10\^(-?\d+)", lambda m: "10" + m.group(1).translate(_SUPERSCRIPT), text)


def _value_markup(row: dict) -> str:
    """A table row's value as its cell prints it: the value as entered with its unit, and a converted
    value's canonical one on the next line ("1.4 mg/dL" / "(= 123.8 umol/L)"), each kept whole (no
    break inside a number and its unit: "1.4 (= 123.8 umol/L)" broke over three lines)."""
    entered, _, converted = row["value"].partition(" (= ")
    nbsp = "\u00a0"
    lines = [" ".join(w for w in (entered, unit_print(row["unit"])) if w)]
    if converted:
        lines.append(f"(= {unit_print(converted)}")
    return "<br/>".join(pdf_escape(line).replace(" ", nbsp) for line in lines)


def _contribution_markup(delta, labels, words=None) -> str:
    """A value's contributions in the classes' words (``labels.changes_said``: the bars', the lab form's), as
    Paragraph markup that breaks only between classes: "Myocardial infarction (MI) -0.003" is kept on one line,
    where a row had ended in "Myocardial" or "ISC_" and the number began the next."""
    if delta is None:
        return ""
    text = changes_said(np.asarray(delta, dtype=float), labels, words)
    return ", ".join(pdf_escape(item).replace(" ", "\u00a0") for item in text.split(", "))


def clinical_flowables(ctx: ReportContext, st) -> list:
    """The values table, its notes (refused, not used) and the contributions table."""
    session = ctx.session
    out = [Paragraph("Clinical and laboratory values", st["h1"])]
    if getattr(session, "labs_table", ""):
        # the labs table the review window had open: which row gave the values, or that it has none
        out.append(Paragraph(pdf_escape(f"Labs table: {session.labs_table}."), st["small"]))
    for note in getattr(session, "labs_notes", ()) or ():
        # a labs row that may be another patient's: said above the values it gave, bold red
        out.append(Paragraph(pdf_escape(f"Warning: {note}."), ParagraphStyle(
            "labs_warning", parent=st["small"], fontName=FONT_BOLD, textColor=colors.Color(*FLAG_RED))))
    rows = session_clinical_rows(session)
    pred = session.prediction
    if not rows:
        out.append(Paragraph("None given." + (" The model ran with its clinical inputs marked "
                                              "missing." if pred is not None else ""), st["body"]))
        return out
    table = [["Feature", "Value", "Reference", "Flag", "From", "Model"]]
    # a value outside its range (or refused): the value, its unit and the flag bold red, as the
    # interval table marks its values; the feature, source and use stay plain
    red = colors.Color(*FLAG_RED)                 # make_table's highlight colour
    flagged_style = ParagraphStyle("cell_flagged", parent=st["cell"], fontName=FONT_BOLD, textColor=red)
    flagged = []
    for r in rows:
        hot = r["flag"] in ("H", "L", "refused")
        table.append([Paragraph(pdf_escape(r["label"]), st["cell"]),
                      Paragraph(_value_markup(r), flagged_style if hot else st["cell"]),
                      Paragraph(pdf_escape(unit_print(r["reference"])), st["cell"]), pdf_text(r["flag"]),
                      pdf_text(r["source"]), Paragraph(pdf_escape(r["used"]), st["cell"])])
        if hot:
            flagged.append(len(table) - 1)
    # widths for the value with its unit and its conversion ("= 123.8 umol/L" bold) on one line each, the
    # flag ("refused" bold), source ("table") and feature ("hs-Troponin T") whole; "not used by this
    # model" wraps. 119.5 mm: a Letter column.
    tbl = make_table(table, [22 * MM, 29 * MM, 19 * MM, 14.5 * MM, 10.5 * MM, 24.5 * MM], padding=3.0)
    for r in flagged:
        tbl.setStyle([("FONT", (3, r), (3, r), FONT_BOLD, 8), ("TEXTCOLOR", (3, r), (3, r), red)])
    out.append(tbl)
    sources = ["file = the record's own header or database", "user = entered by the reviewer (typed, or --lab)"]
    if any(r["source"] == "table" for r in rows):
        sources.insert(1, "table = a labs table's row (the one a batch scored the record with, of the table "
                          "opened in the review window, or mirage report's --labs)")
    notes = ["Flag: H above / L below the reference range (generic adult reference, canonical "
             f"unit, not the issuing laboratory's). From: {', '.join(sources)}."]
    refused = [r for r in rows if r["flag"] == "refused"]
    if refused:
        notes.append("Refused (not given to the model): " + "; ".join(
            f"{r['label']} {r['value']}: {r['message']}" for r in refused) + ".")
    # an anonymised file's "≥90" is Safe Harbor's category, no assay's limit (page 3's reader notes say so)
    censored = [r for r in rows if censor_mark(r["value"]) and (r["name"], r["value"]) != ("age", AGE_CAPPED_SHOWN)]
    if censored:
        # a value the model does not read was not taken at its limit (nor at all): said of those it read alone;
        # none where no model was run ("no model") or the value was refused
        took = [r["label"] for r in censored if r["used"].startswith("used by model")]
        tail = ("; the model took the limit" if len(took) == len(censored)
                else f"; the model took the limit of {', '.join(took)}" if took else "")
        notes.append("Censored (below or above what the assay measures): " + ", ".join(
            f"{r['label']} {r['value'].split(' (=')[0]}" for r in censored) + tail + ".")
    unused = [r["label"] for r in rows if r["used"] == "not used by this model"]
    if unused:
        notes.append(f"Not used by this model (kept for the record): {', '.join(unused)}.")
    # the features the model reads that this record's values lacked: a model trained with a labs table,
    # reported without one, had listed age and sex alone, its troponin and CRP masked unsaid
    missing = [session.feature(n).label for n in ((getattr(pred, "clinical_used", None) or {}).get("missing") or ())]
    if missing:
        notes.append(f"Read by this model but not given (masked as missing): {', '.join(missing)}.")
    out.append(Paragraph(pdf_escape(" ".join(notes)), st["small"]))
    contrib = [(r["label"], r["contribution"]) for r in rows if r["contribution"] is not None]
    if pred is not None and contrib:
        ctable = [["Value used", "Probability with this value minus with it masked"]]
        words = model_words(pred)      # the bars' words: "Normal ECG (NORM) +0.026"
        for label, delta in contrib:
            ctable.append([Paragraph(pdf_escape(label), st["cell"]),
                           Paragraph(_contribution_markup(delta, pred.labels, words), st["cell"])])
        out.append(make_table(ctable, [26 * MM, 97 * MM]))
        out.append(Paragraph(pdf_escape("Contribution: probability with the value minus probability with "
                                        "the value masked as missing (one extra model pass per value). "
                                        "Positive: the value raised that class's probability."), st["small"]))
    elif pred is not None and session.state.get("contributions") not in ("ready",):
        why = session.errors.get("contributions", "")
        if why and session.state.get("contributions") != "unavailable":
            out.append(Paragraph(pdf_escape(f"Contributions of the clinical values: {why}."), st["small"]))
    return out
