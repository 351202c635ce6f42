"""The report's paragraph styles and its one table style (header rule, zebra rows, highlights)."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.platypus import Table, TableStyle

from mirage_model.review.report.text import FONT, FONT_BOLD, register_fonts


def styles() -> dict:
    """name -> ParagraphStyle: h1, h2, body, small, cell (all in the report's font, ``text.FONT``)."""
    register_fonts()
    base = getSampleStyleSheet()
    return {
        "h1": ParagraphStyle("h1", parent=base["Heading2"], fontName=FONT_BOLD, fontSize=12, spaceBefore=4,
                             spaceAfter=3),
        "h2": ParagraphStyle("h2", parent=base["Heading3"], fontName=FONT_BOLD, fontSize=10, spaceBefore=3,
                             spaceAfter=2),
        "body": ParagraphStyle("body", parent=base["BodyText"], fontName=FONT, fontSize=8.5, leading=10.5),
        "small": ParagraphStyle("small", parent=base["BodyText"], fontName=FONT, fontSize=7.5, leading=9,
                                textColor="#444444"),
        "cell": ParagraphStyle("cell", parent=base["BodyText"], fontName=FONT, fontSize=8, leading=9.5,
                               spaceBefore=0, spaceAfter=0),
    }


def make_table(rows, widths, header=True, highlight_rows=(), highlight_color=(0.6, 0.0, 0.0)):
    """A left-aligned table; ``highlight_rows`` bold in ``highlight_color``. Plain-string cells are
    the program's words (``text.pdf_text``); what a file or a person wrote goes in a Paragraph."""
    register_fonts()
    tbl = Table(rows, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, 8),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.Color(0.95, 0.95, 0.95)]),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    if header:
        style.append(("FONT", (0, 0), (-1, 0), FONT_BOLD, 8))
    for r in highlight_rows:
        style.append(("FONT", (0, r), (-1, r), FONT_BOLD, 8))
        style.append(("TEXTCOLOR", (0, r), (-1, r), colors.Color(*highlight_color)))
    tbl.setStyle(TableStyle(style))
    return tbl
