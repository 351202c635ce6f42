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


class FitTable(Table):
    """A table whose column widths, when they add up to more than its frame is wide (a results
    column is 119.5 mm on a Letter page, 128.3 mm on A4), shrink in proportion to fit it, so
    that the table (its stripes and cells) never runs past the frame into the gutter or the margin."""

    def wrap(self, availWidth, availHeight):   # noqa: N802, N803 - reportlab's names
        total = sum(self._argW)
        if total > availWidth + 0.01:
            self._argW = self._colWidths = [w * availWidth / total for w in self._argW]
        return super().wrap(availWidth, availHeight)


# a flagged row or value (outside its range, refused, a positive call), and a row the reviewer edited
FLAG_RED = (0.6, 0.0, 0.0)
EDITED_BLUE = (0.0, 0.2, 0.55)


TABLE_SIZE = 8.0        # pt: the tables' font size (a table that sizes its columns to its texts reads it)


def make_table(rows, widths, header=True, highlight_rows=(), highlight_color=FLAG_RED, padding=6.0):
    """A left-aligned table; ``highlight_rows`` bold in ``highlight_color``. Plain-string cells are
    the program's words (``text.pdf_text``); what a file or a person wrote goes in a Paragraph.
    ``padding``: pt left and right of each cell's text. Widths too wide for the frame shrink to it
    (``FitTable``)."""
    register_fonts()
    tbl = FitTable(rows, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, TABLE_SIZE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.Color(0.95, 0.95, 0.95)]),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LEFTPADDING", (0, 0), (-1, -1), padding),
        ("RIGHTPADDING", (0, 0), (-1, -1), padding),
    ]
    if header:
        style.append(("FONT", (0, 0), (-1, 0), FONT_BOLD, TABLE_SIZE))
    for r in highlight_rows:
        style.append(("FONT", (0, r), (-1, r), FONT_BOLD, TABLE_SIZE))
        style.append(("TEXTCOLOR", (0, r), (-1, r), colors.Color(*highlight_color)))
    tbl.setStyle(TableStyle(style))
    return tbl
