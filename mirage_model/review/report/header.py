"""What names the patient and the result on the pages: page 1's header block (record, patient,
acquisition, the model's summary) and the footer of every page (the research-use notice, the
record and its patient, the page number)."""

from __future__ import annotations

import numpy as np

from mirage_model import RESEARCH_USE_NOTICE, __version__
from mirage_model.review.file_info import file_patient
from mirage_model.review.report.context import ReportContext
from mirage_model.review.report.layout import MM
from mirage_model.review.report.text import fmt_num, pdf_text


def record_date(record) -> str:
    meta = getattr(record, "meta", None) or {}
    for key in ("recording_date", "acquisition_date", "acquired", "datetime", "date", "base_datetime"):
        if meta.get(key):
            return str(meta[key])
    date, time = meta.get("base_date"), meta.get("base_time")
    if date:
        return f"{date} {time}" if time else str(date)
    return ""


def _patient_tag(ctx) -> str:
    """The patient this page belongs to, as printed in every page's footer ("F, 75 y")."""
    if ctx is None:
        return ""
    bits = []
    if ctx.settings.patient_id:
        bits.append(f"ID {ctx.settings.patient_id}")
    if ctx.sex:
        bits.append(str(ctx.sex))
    if ctx.age is not None:
        bits.append(f"{fmt_num(ctx.age, 3)} y")
    return ", ".join(bits)


def draw_notice(c, page_w: float, record_id: str, ctx=None) -> None:
    """The footer of every page: the research-use notice, the record and its patient, the page."""
    c.saveState()
    c.setFillColorRGB(0.65, 0.0, 0.0)
    c.setFont("Helvetica-Bold", 9)
    c.drawString(10 * MM, 6 * MM, pdf_text(RESEARCH_USE_NOTICE))
    c.setFillColorRGB(0.3, 0.3, 0.3)
    c.setFont("Helvetica", 7.5)
    tag = _patient_tag(ctx)
    who = f"record {record_id}" + (f" ({tag})" if tag else "")
    c.drawRightString(page_w - 10 * MM, 6 * MM,
                      pdf_text(f"{who}  |  MIRAGE Review {__version__}  |  page {c.getPageNumber()}"))
    c.restoreState()


def header_lines(ctx: ReportContext) -> list[str]:
    s = ctx.settings
    patient = []
    from_file = file_patient(ctx.record)     # what the file says, unless the user gave it
    name = s.patient_name or from_file.get("name")
    pid = s.patient_id or from_file.get("id")
    if name:
        patient.append(f"Patient: {name}")
    if pid:
        patient.append(f"ID: {pid}")
    if ctx.age is not None:
        patient.append(f"Age: {fmt_num(ctx.age, 3)}")
    if ctx.sex:
        patient.append(f"Sex: {ctx.sex}")
    date = record_date(ctx.record)
    if date:
        patient.append(f"Acquired: {date}")
    if from_file.get("device"):
        patient.append(f"Device: {from_file['device']}" + (f", {from_file['site']}" if from_file.get("site") else ""))
    return patient


def place_header(patient_w: float, summary_w: float, institution_w: float, width: float,
                 gap: float = 5 * MM) -> tuple[int, int]:
    """Which header line (1 = the patient line, 2 = the one under it; 0 = the title line) the
    model's summary and the institution go on, so that no two texts overlap.

    Widths in points; ``institution_w`` 0 when there is none. The summary sits right-aligned on the
    patient line when both fit, else on line 2; the institution sits on line 2 at the left unless
    the summary took line 2 and they would meet, then it follows the title on line 0.
    """
    summary_line = 1 if patient_w + gap + summary_w <= width else 2
    institution_line = 2
    if institution_w and summary_line == 2 and institution_w + gap + summary_w > width:
        institution_line = 0
    return summary_line, institution_line


def _fit(c, text: str, font: str, size: float, width: float, smallest: float = 6.0) -> float:
    """The largest font size <= ``size`` (down to ``smallest``) at which ``text`` fits ``width``."""
    while size > smallest and c.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def draw_page_header(c, ctx: ReportContext) -> None:
    """Page 1's header block: record, patient and acquisition on the left, the model's summary
    on the right (under the patient line when they would meet)."""
    lay = ctx.layout
    rec = ctx.record
    c.saveState()
    top = lay.page_height - 10 * MM
    width = lay.page_width - 20 * MM
    line_y = {0: top - 3 * MM, 1: top - 8.5 * MM, 2: top - 13 * MM}
    title = pdf_text(f"12-lead ECG  -  record {rec.record_id}")
    patient = pdf_text("   ".join(header_lines(ctx)))
    institution = pdf_text(ctx.settings.institution or "")
    pred = ctx.prediction
    if pred is None:
        summary = "Model: no model result"
    else:
        pos = [f"{lab} {p:.2f}" for lab, p in zip(pred.labels, np.asarray(pred.probabilities))
               if lab in set(pred.positive)]
        if getattr(pred, "withheld", ""):
            summary = f"Model {pred.model_name}: RESULT WITHHELD - {pred.withheld}"
        else:
            summary = (f"Model {pred.model_name}: positive " + ", ".join(pos)) if pos else \
                f"Model {pred.model_name}: no class above its threshold"
        summary += "  (details on page 2)"
    summary = pdf_text(summary)
    summary_size = _fit(c, summary, "Helvetica-Bold", 9, width)
    patient_size = _fit(c, patient, "Helvetica", 9, width)
    summary_line, institution_line = place_header(
        c.stringWidth(patient, "Helvetica", patient_size), c.stringWidth(summary, "Helvetica-Bold", summary_size),
        c.stringWidth(institution, "Helvetica", 9) if institution else 0.0, width)

    c.setFont("Helvetica-Bold", 13)
    c.drawString(10 * MM, line_y[0], title)
    c.setFont("Helvetica", patient_size)
    c.drawString(10 * MM, line_y[1], patient)
    if institution:
        c.setFont("Helvetica", 9)
        x = 10 * MM if institution_line else 10 * MM + c.stringWidth(title, "Helvetica-Bold", 13) + 5 * MM
        c.drawString(x, line_y[institution_line], institution)
    c.setFont("Helvetica", 7.5)
    c.drawRightString(lay.page_width - 10 * MM, line_y[0], pdf_text(f"Report generated {ctx.generated}"))
    c.setFont("Helvetica-Bold", summary_size)
    c.drawRightString(lay.page_width - 10 * MM, line_y[summary_line], summary)
    c.restoreState()
