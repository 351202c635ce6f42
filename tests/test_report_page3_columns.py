"""Page 3 of the PDF begins with the interpretation in full, in its left column under the page's title. A
KeepTogether inside the interpretation's own KeepTogether (the sheet notes kept with their page mark) had made
reportlab's wrap report the section as 0xffffff pt tall, so it was always moved to the right column: every PDF a
tester exported (LUDB 44, a CinC AF record, PTB-XL 00417) had page 3's left column empty but for its title, and the
model result pushed on to page 4. Truth: where pypdf finds the heading's text on the page."""

from __future__ import annotations

import pytest

pypdf = pytest.importorskip("pypdf")

from mirage_model.measure import measure
from mirage_model.paths import resources_dir
from mirage_model.quality import assess
from mirage_model.records import load_record
from mirage_model.review.report import build_report
from mirage_model.review.session import ReviewSession

LUDB = resources_dir() / "samples" / "ludb"


def _text_at(page, words: str) -> list[tuple[float, float]]:
    """(x, y) in points of every text run on ``page`` that contains ``words``."""
    found = []

    def visit(text, cm, tm, font, size):
        if words in text:
            found.append((cm[4] + tm[4] * cm[0], cm[5] + tm[5] * cm[3]))

    page.extract_text(visitor_text=visit)
    return found


def test_the_interpretation_in_full_starts_page_3s_left_column(tmp_path):
    record = load_record(LUDB / "1.hea")
    session = ReviewSession.from_results(record, measurements=measure(record))
    session.set_quality(assess(record))
    out = build_report(session, tmp_path / "r.pdf")
    page = pypdf.PdfReader(str(out)).pages[2]
    width = float(page.mediabox.width)
    title = _text_at(page, "1: results")
    heading = _text_at(page, "Interpretation (page 1, in full)")
    assert title and heading, page.extract_text()[:300]
    (_, ty), (hx, hy) = title[0], heading[0]
    # before: the heading at the top of the right column (x past the page's middle, level with the title)
    assert hx < width / 2, f"interpretation at x={hx:.0f} pt of a {width:.0f} pt page: in the right column"
    assert hy < ty, "the interpretation is under the page's title"
