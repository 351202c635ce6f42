"""Page 1's pointers to later pages ("?: unreliable (page 3)", "Formulas: page 3") name the page that holds what
they point to. They had "page 3" written in: the interval measurements' table was on page 4 in every PDF a tester
exported (GE MUSE muse-sinus.xml, a CinC AF record, LUDB 1), so a cardiologist following "page 3" found the model
result instead. Truth: the PDF's own text, page by page (pypdf), and the heading each pointer's section starts with."""

from __future__ import annotations

import re

import pytest

pypdf = pytest.importorskip("pypdf")

from mirage_model.measure import measure
from mirage_model.paths import resources_dir
from mirage_model.quality import assess
from mirage_model.records import load_record
from mirage_model.review.report import build_report
from mirage_model.review.session import ReviewSession

LUDB = resources_dir() / "samples" / "ludb"
# a pointer's words on page 1 -> the heading of the section it points to
TARGETS = ((re.compile(r"unreliable \(page (\d+)\)|not applicable \(page (\d+)\)|[Ff]ormulas: page (\d+)"
                       r"|paediatric limits \(page (\d+)\)|child's limit \(page (\d+)\)"), "Interval measurements"),
           (re.compile(r"details from page (\d+)|probabilities from page (\d+)"), "Model result"),
           (re.compile(r"more notes? on page (\d+)|caption on page (\d+)"), "ECG sheet (page 1)"))


def _session(rid: str) -> ReviewSession:
    record = load_record(LUDB / f"{rid}.hea")
    session = ReviewSession.from_results(record, measurements=measure(record))
    session.set_quality(assess(record))          # the check that finds every lead scaled to one size
    return session


def _pages(out) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(str(out)).pages]


def _pointers(pages: list[str]) -> list[tuple[str, int, str]]:
    """(pointer, page it names, the heading it points to) of every pointer on page 1."""
    found = []
    for pattern, heading in TARGETS:
        for m in pattern.finditer(pages[0]):
            found.append((m.group(0), int(next(g for g in m.groups() if g)), heading))
    return found


@pytest.mark.parametrize("prior", [False, True], ids=["alone", "with a prior ECG"])
def test_every_page_1_pointer_names_the_page_of_its_section(tmp_path, prior):
    """LUDB 1 (every lead scaled to one size: its axes marked "?", "unreliable (page N)"), alone and with LUDB 14 as
    its prior (a serial comparison page last). Before: "?: unreliable (page 3)", the table on page 4."""
    session = _session("1")
    if prior:
        session.set_prior(_session("14"))
    out = build_report(session, tmp_path / "r.pdf")
    pages = _pages(out)
    assert (pages[-1].startswith("Serial comparison") or "Serial comparison" in pages[-1]) == prior
    pointers = _pointers(pages)
    assert any(heading == "Interval measurements" for _, _, heading in pointers), pages[0]
    for words, number, heading in pointers:
        holding = [k + 1 for k, text in enumerate(pages) if k and heading in text]
        assert holding, (heading, words)
        assert number == holding[0], f"{words!r} on page 1, {heading!r} on page {holding[0]}"
    # the table's own page, wherever the results before it put it (page 4 while page 3's left column was left
    # empty, test_report_page3_columns; page 3 since)
    table = next(k + 1 for k, text in enumerate(pages) if k and "Interval measurements" in text)
    assert f"unreliable (page {table})" in pages[0]
