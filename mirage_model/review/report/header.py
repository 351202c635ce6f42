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


def draw_page_header(c, ctx: ReportContext) -> None:
    """Page 1's header block: record, patient and acquisition on the left, the model's summary
    on the right."""
    lay = ctx.layout
    rec = ctx.record
    c.saveState()
    top = lay.page_height - 10 * MM
    c.setFont("Helvetica-Bold", 13)
    c.drawString(10 * MM, top - 3 * MM, pdf_text(f"12-lead ECG  -  record {rec.record_id}"))
    c.setFont("Helvetica", 9)
    c.drawString(10 * MM, top - 8.5 * MM, pdf_text("   ".join(header_lines(ctx))))
    if ctx.settings.institution:
        c.drawString(10 * MM, top - 13 * MM, pdf_text(ctx.settings.institution))
    c.setFont("Helvetica", 7.5)
    c.drawRightString(lay.page_width - 10 * MM, top - 3 * MM,
                      pdf_text(f"Report generated {ctx.generated}"))
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
    c.setFont("Helvetica-Bold", 9)
    c.drawRightString(lay.page_width - 10 * MM, top - 8.5 * MM, pdf_text(summary))
    c.restoreState()
