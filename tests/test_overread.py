"""The reader's over-read (``review.overread``), Qt-free: a decision kept across a re-run of the same model on the
same record, not applied once its statement's words change, never carried to the next record's session; signing
(with statements left unread) and un-signing by an edit after it. PTB-XL 00417_lr (bundled, 100 Hz), measured by
the rules delineator, with a statements model's prediction made up here (SR 0.90, IRBBB 0.60 above their
thresholds): the interpretation says "Sinus rhythm, 55 bpm" and "Incomplete right bundle branch block"."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from types import SimpleNamespace

import numpy as np
import pytest

from helpers_overread import record_and_measurements  # noqa: F401 - fixture
from helpers_pdf import pdftotext_page
from mirage_model.review.interpret import session_interpretation
from mirage_model.review.overread import CONFIRMED, NOT_OVERREAD, STRUCK
from mirage_model.review.session import ReviewSession

SINUS, IRBBB = "Sinus rhythm, 55 bpm", "Incomplete right bundle branch block"


def _prediction(probs=(0.9, 0.6, 0.1, 0.1)):
    from mirage_model.inference import Prediction
    from mirage_model.outputs import is_called

    labels, th = ("SR", "IRBBB", "LAFB", "NORM"), (0.5, 0.3, 0.3, 0.5)
    return Prediction(labels=labels, probabilities=np.asarray(probs, np.float32),
                      thresholds=np.asarray(th, np.float32), model_name="statements",
                      positive=tuple(lab for lab, p, t in zip(labels, probs, th) if is_called(p, t)))


def _session(record_and_measurements) -> ReviewSession:
    record, measured = record_and_measurements
    return ReviewSession.from_results(record, file_values=False, measurements=measured, prediction=_prediction())


def _statement(session, text):
    return next(s for s in session_interpretation(session).statements if s.text == text)


def test_the_interpretation_is_the_one_these_tests_read(record_and_measurements):
    s = _session(record_and_measurements)
    assert [x.text for x in session_interpretation(s).statements] == [SINUS, IRBBB]
    assert not s.overread.edited and s.overread.status(session_interpretation(s)) == NOT_OVERREAD


def test_a_decision_is_kept_when_the_same_model_runs_again(record_and_measurements):
    s = _session(record_and_measurements)
    seen = []
    s.events.connect(lambda name, info: seen.append((name, info.get("what"))))
    s.overread.confirm(_statement(s, SINUS))
    s.overread.strike(_statement(s, IRBBB), "  rSr' in V1 only ")
    assert seen == [("overread", "decision"), ("overread", "decision")]
    # Run model again (F5): the same model on the same record, a new result accepted
    assert s.accept_prediction(s.ticket(), _prediction())
    it = session_interpretation(s)
    assert s.overread.decision(_statement(s, SINUS)).verdict == CONFIRMED
    assert s.overread.decision(_statement(s, IRBBB)).verdict == STRUCK
    assert s.overread.decision(_statement(s, IRBBB)).reason == "rSr' in V1 only"
    assert s.overread.unread(it) == 0 and s.overread.no_longer_applies(it) == 0
    assert [x.text for x in s.overread.kept(it)] == [SINUS]


def test_a_decision_is_not_applied_to_a_statement_whose_words_changed(record_and_measurements):
    s = _session(record_and_measurements)
    s.overread.confirm(_statement(s, SINUS))
    s.set_measurement_edit("heart_rate_bpm", 72.0)      # the reader measured the rate again: "... 72 bpm"
    it = session_interpretation(s)
    sinus = next(x for x in it.statements if x.code == "SR")
    assert sinus.text != SINUS
    assert s.overread.decision(sinus) is None
    assert s.overread.no_longer_applies(it) == 1 and s.overread.unread(it) == len(it.statements)
    assert s.overread.status(it) == NOT_OVERREAD


def test_a_decision_never_reaches_the_next_records_session(record_and_measurements):
    first = _session(record_and_measurements)
    first.overread.strike(_statement(first, IRBBB))
    first.overread.add("Left atrial abnormality", "hypertrophy")
    first.overread.set_comment("Compare with last year's ECG")
    nxt = _session(record_and_measurements)          # the same words on the next record opened
    assert nxt.overread is not first.overread
    assert not nxt.overread.edited and nxt.overread.decision(_statement(nxt, IRBBB)) is None
    assert nxt.overread.added == [] and nxt.overread.comment == ""


def test_a_snapshot_for_the_pdf_keeps_the_over_read_as_it_was(record_and_measurements):
    s = _session(record_and_measurements)
    s.overread.strike(_statement(s, IRBBB))
    snap = s.snapshot()
    s.overread.confirm(_statement(s, IRBBB))
    s.overread.add("Early repolarisation", "repolarisation")
    assert snap.overread.decision(_statement(s, IRBBB)).verdict == STRUCK and snap.overread.added == []


@pytest.fixture
def berlin(monkeypatch):
    """Local time in Berlin (UTC+1 in December)."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_signing_with_statements_left_unread_says_how_many(record_and_measurements, berlin):
    s = _session(record_and_measurements)
    s.overread.confirm(_statement(s, SINUS))
    it = session_interpretation(s)
    said = s.overread.sign(it, "  Dr A.  Reader ", now=datetime(2026, 12, 6, 7, 10, 42, tzinfo=timezone.utc))
    assert said == "Signed with 1 machine statement neither confirmed nor struck"
    assert s.overread.signed_for(it) and not s.overread.needs_asking(it)
    assert s.overread.status(it) == ("Over-read by Dr A. Reader, 2026-12-06 07:10 UTC (08:10 local); "
                                     "1 machine statement neither confirmed nor struck")


def test_an_edit_after_signing_un_signs_and_says_so(record_and_measurements, berlin):
    s = _session(record_and_measurements)
    it = session_interpretation(s)
    s.overread.confirm(_statement(s, SINUS))
    s.overread.strike(_statement(s, IRBBB))
    assert s.overread.sign(it, "", now=datetime(2026, 12, 6, 23, 30, tzinfo=timezone.utc)) == "Signed"
    assert s.overread.status(it) == ("Over-read by a reviewer who gave no name, 2026-12-06 23:30 UTC "
                                     "(2026-12-07 00:30 local)")
    s.overread.set_comment("RBBB pattern is positional")
    assert not s.overread.signed_for(it) and s.overread.needs_asking(it)
    assert s.overread.note.startswith("Un-signed: the over-read was edited after signing")
    s.overread.set_comment("RBBB pattern is positional; no change")     # typing on: still said
    assert s.overread.note.startswith("Un-signed: the over-read was edited after signing")
    assert s.overread.status(it) == NOT_OVERREAD


def test_a_signature_holds_only_for_the_statements_it_was_signed_over(record_and_measurements):
    s = _session(record_and_measurements)
    s.overread.confirm(_statement(s, SINUS))
    s.overread.sign(session_interpretation(s), "Dr B", now=datetime(2026, 12, 6, 7, 0, tzinfo=timezone.utc))
    s.set_measurement_edit("heart_rate_bpm", 72.0)
    it = session_interpretation(s)
    assert not s.overread.signed_for(it)
    assert s.overread.status(it).startswith(f"{NOT_OVERREAD}: the interpretation changed after it was signed (by Dr B")


@pytest.mark.parametrize("text, group, why", [("   ", "rhythm", "The statement is empty"),
                                              ("Dextrocardia", "anatomy", "Unknown group 'anatomy'")])
def test_an_added_statement_needs_words_and_one_of_the_groups(text, group, why):
    from mirage_model.review.overread import OverRead

    ov = OverRead()
    with pytest.raises(ValueError, match=why):
        ov.add(text, group)
    assert ov.added == [] and not ov.edited




def test_the_pdf_of_a_record_no_one_over_read_says_so(record_and_measurements, tmp_path):
    from mirage_model.review.report import build_report

    pdf = build_report(_session(record_and_measurements), tmp_path / "r.pdf")
    page1 = pdftotext_page(pdf, 1)
    assert "Interpretation Not over-read: machine statements unconfirmed; source: a rule" in page1, page1
    assert f"{SINUS} [model 90%" in page1 and f"{IRBBB} [model 60%" in page1
    assert "Over-read by" not in page1 and "reviewer" not in page1
    assert "Research use only, not a diagnosis" in page1


def test_the_pdf_says_the_reviewers_reading(record_and_measurements, tmp_path, berlin):
    from mirage_model.review.report import build_report

    s = _session(record_and_measurements)
    s.overread.confirm(_statement(s, SINUS))
    s.overread.strike(_statement(s, IRBBB), "rSr' in V1 alone")
    s.overread.add("Early repolarisation, inferior leads", "repolarisation")
    s.overread.set_comment("No change since 2025.")
    s.overread.sign(session_interpretation(s), "Dr A. Reader", now=datetime(2026, 12, 6, 7, 10, tzinfo=timezone.utc))
    pdf = build_report(s, tmp_path / "r.pdf")
    page1 = pdftotext_page(pdf, 1)
    assert "Not over-read" not in page1
    assert f"{SINUS} [model 90%, high confidence]" in page1
    assert f"{IRBBB} [model" not in page1           # struck: said on the reviewer's line, not as a statement
    assert f"Struck by the reviewer: {IRBBB} (rSr' in V1 alone)" in page1
    assert "Added by the reviewer: Early repolarisation, inferior leads (reviewer)" in page1
    assert "Over-read by Dr A. Reader, 2026-12-06 07:10 UTC (08:10 local)" in page1
    assert "Research use only, not a diagnosis" in page1
    full = " ".join(pdftotext_page(pdf, k) for k in (2, 3))
    assert "(struck by the reviewer: rSr' in V1 alone)" in full
    assert "3. Early repolarisation, inferior leads (reviewer) [repolarisation]" in full
    assert "Reviewer's comment: No change since 2025." in full
    for k in (2, 3):
        assert "Research use only, not a diagnosis" in pdftotext_page(pdf, k)


def test_the_pdf_says_a_statement_left_undecided_in_the_sign_dialog_s_words(record_and_measurements, tmp_path,
                                                                            berlin):
    """A signed report had printed "1 machine statement left unread", which reads as if the cardiologist had not read
    it; the Sign dialog had asked about it as "neither confirmed nor struck"."""
    from mirage_model.review.report import build_report

    s = _session(record_and_measurements)
    s.overread.strike(_statement(s, IRBBB), "rSr' in V1 alone")          # the sinus rhythm left undecided
    s.overread.sign(session_interpretation(s), "Dr A. Reader", now=datetime(2026, 12, 6, 7, 10, tzinfo=timezone.utc))
    pdf = build_report(s, tmp_path / "r.pdf")
    for k in (1, 3):
        text = " ".join(pdftotext_page(pdf, k).split())
        assert "Over-read by Dr A. Reader, 2026-12-06 07:10 UTC (08:10 local); 1 machine statement neither confirmed " \
               "nor struck" in text and "unread" not in text, (k, text[text.find("Over-read by"):][:200])


def test_the_shortest_head_says_what_the_over_read_says(record_and_measurements, tmp_path, monkeypatch):
    """Where only the band's shortest head fits (here: the longer ones made not to), it says "unconfirmed" unless
    signed, and "over-read" once signed (it had said "research use, unconfirmed" under a signature)."""
    from mirage_model.review.report import build_report, summary_band

    fits = summary_band.fits
    monkeypatch.setattr(summary_band, "fits", lambda c, runs, width: fits(c, runs, width)
                        and not ("Interpretation" in "".join(r.text for r in runs)
                                 and "research use, " not in "".join(r.text for r in runs)))
    s = _session(record_and_measurements)
    assert "Interpretation research use, unconfirmed" in pdftotext_page(build_report(s, tmp_path / "a.pdf"), 1)
    s.overread.confirm(_statement(s, SINUS))
    s.overread.sign(session_interpretation(s), "Dr C", now=datetime(2026, 12, 6, 7, 10, tzinfo=timezone.utc))
    page1 = pdftotext_page(build_report(s, tmp_path / "b.pdf"), 1)
    assert "Interpretation research use, over-read" in page1 and "research use, unconfirmed" not in page1
    assert "Over-read by Dr C, 2026-12-06 07:10 UTC" in page1


def test_the_pdf_of_an_over_read_edited_after_signing_is_not_over_read(record_and_measurements, tmp_path):
    from mirage_model.review.report import build_report

    s = _session(record_and_measurements)
    s.overread.confirm(_statement(s, SINUS))
    s.overread.sign(session_interpretation(s), "Dr B", now=datetime(2026, 12, 6, 7, 10, tzinfo=timezone.utc))
    s.overread.strike(_statement(s, IRBBB))
    page1 = pdftotext_page(build_report(s, tmp_path / "r.pdf"), 1)
    assert "Interpretation Not over-read: machine statements unconfirmed" in page1
    assert "Over-read by" not in page1
    assert f"Struck by the reviewer: {IRBBB}" in page1


@pytest.mark.parametrize("page_size", ["A4", "Letter"])
def test_the_unsigned_head_keeps_the_statements_sources(record_and_measurements, tmp_path, page_size):
    """Page 1's head of an unsigned report says it is not over-read and where each statement comes from: "the
    source of each: a rule ... (probability)" had gone for "Not over-read: ...; research use" on A4 and Letter."""
    from mirage_model.review.report import ReportSettings, build_report

    pdf = build_report(_session(record_and_measurements), tmp_path / "r.pdf", settings=ReportSettings(page_size))
    page1 = pdftotext_page(pdf, 1)
    head = page1[page1.index("Interpretation"):page1.index("QT ")]
    assert head.startswith("Interpretation Not over-read") and "unconfirmed" in head, head
    assert "rule (threshold cited) or the model (probability)" in head, head


@pytest.mark.parametrize("page_size", ["A4", "Letter"])
def test_a_withheld_unsigned_head_says_both(record_and_measurements, tmp_path, page_size):
    """An interpretation withheld and not over-read: the head says both (it had said WITHHELD alone)."""
    import dataclasses

    from mirage_model.review.report import ReportSettings, build_report

    record, measured = record_and_measurements
    pred = dataclasses.replace(_prediction(), withheld="signal quality critical: leads missing or flat (V4)")
    s = ReviewSession.from_results(record, file_values=False, measurements=measured, prediction=pred)
    assert session_interpretation(s).withheld
    page1 = pdftotext_page(build_report(s, tmp_path / "r.pdf", settings=ReportSettings(page_size)), 1)
    assert "Interpretation WITHHELD" in page1 and "Not over-read" in page1, page1


def test_the_signature_line_fits_the_band_whole(record_and_measurements, berlin):
    """Page 1's signature line was drawn with no width check, cut mid-word ("...; 1 machine statement left unread
    (reviewer's comment: pag"): now the first wording drawn whole is drawn, and it names who signed and when."""
    from reportlab.pdfgen.canvas import Canvas

    from mirage_model.review.report.band_text import fits_shrunk
    from mirage_model.review.report.overread import band_rows

    s = _session(record_and_measurements)
    s.overread.strike(_statement(s, IRBBB), "rSr' in V1 alone")
    s.overread.set_comment("No change since 2025.")
    it = session_interpretation(s)
    s.overread.sign(it, "Dr Alexandra Reader-Montgomery", now=datetime(2026, 12, 6, 7, 10, tzinfo=timezone.utc))
    c = Canvas("unused.pdf")
    words = "Over-read by Dr Alexandra Reader-Montgomery, 2026-12-06 07:10 UTC (08:10 local)"
    for width in (499, 480):                                     # page 1 band: 499 pt
        # no room but the signature's: the rest on page 3
        rows = band_rows(c, s.overread, it, width, room=1, amendment=None)
        line = "".join(r.text for r in rows[-1])
        assert len(rows) == 1 and fits_shrunk(c, rows[-1], width), (width, line)     # drawn whole
        assert line.startswith(words) and "1 undecided" in line and line.endswith("page 3)"), (width, line)


def test_page_1_keeps_the_machine_statements_before_the_over_reads_lines(record_and_measurements, tmp_path, berlin):
    """Three statements (SR 0.90, IRBBB and LAFB 0.60), LAFB struck, two added, a comment, signed: the over-read's
    lines took the band's room first and page 1 listed no statement in full ("... and 2 more, continued on page 3:
    ..."). The two not struck are printed whole; the over-read folds, its signature naming what went to page 3."""
    from mirage_model.review.report import build_report
    from mirage_model.review.report.summary_band import more_runs
    from reportlab.pdfgen.canvas import Canvas

    record, measured = record_and_measurements
    s = ReviewSession.from_results(record, file_values=False, measurements=measured,
                                   prediction=_prediction((0.9, 0.6, 0.6, 0.1)))
    s.overread.confirm(_statement(s, SINUS))
    s.overread.strike(_statement(s, "Left anterior fascicular block"), "rSr' in V1 alone")
    for words in ("Early repolarisation, inferior leads", "Sinus arrhythmia"):
        s.overread.add(words, "other")
    s.overread.set_comment("No change since 2025.")
    s.overread.sign(session_interpretation(s), "Dr A. Reader", now=datetime(2026, 12, 6, 7, 10, tzinfo=timezone.utc))
    page1 = pdftotext_page(build_report(s, tmp_path / "r.pdf"), 1)
    assert f"{SINUS} [model 90%" in page1 and f"{IRBBB} [model 60%" in page1, page1
    assert "and 2 more" not in page1 and "Over-read by Dr A. Reader" in page1, page1
    assert "struck: Left anterior fascicular block" in page1, page1         # by name, not "1 struck"
    # a count with no statement before it says what it counts
    rest = [SimpleNamespace(text="Sinus rhythm", note="")] * 4               # 40 pt: too narrow to name any
    text = "".join(r.text for r in more_runs(Canvas("unused.pdf"), rest, 40.0, alone=True)[0])
    assert text == "4 statements, continued on page 3", text


def test_a_signature_is_kept_only_by_a_report_written_of_it(record_and_measurements, berlin):
    """Signed over-reads live with the session: ``unkept`` until a report of that very signature is written (the
    copy the PDF was made from says which), and again after a new signature."""
    s = _session(record_and_measurements)
    it = session_interpretation(s)
    assert not s.overread.unkept(it)                      # nothing signed: nothing to keep
    s.overread.sign(it, "Dr K", now=datetime(2026, 12, 6, 7, 10, tzinfo=timezone.utc))
    assert s.overread.unkept(it)
    written = s.snapshot().overread.signature()           # what the PDF was made from
    s.overread.kept_in_report(written)
    assert not s.overread.unkept(it)
    s.overread.kept_in_report(None)                       # a report of an unsigned copy keeps nothing
    assert not s.overread.unkept(it)
    s.overread.sign(it, "Dr K", now=datetime(2026, 12, 6, 7, 20, tzinfo=timezone.utc))
    assert s.overread.unkept(it)                          # another signature, in no report yet
    s.overread.kept_in_report(s.snapshot().overread.signature())
    s.overread.strike(_statement(s, IRBBB))               # edited (un-signed) and signed again within the second
    s.overread.sign(it, "Dr K", now=datetime(2026, 12, 6, 7, 20, tzinfo=timezone.utc))
    assert s.overread.unkept(it)                          # the report holds the earlier reading, not this one


def _pages(path) -> list[str]:
    """Every page's text as pdftotext reads the written PDF (whitespace runs made one space)."""
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed")
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [" ".join(p.split()) for p in out.split("\f") if p.strip()]


def test_a_signed_report_is_not_stamped_unconfirmed(record_and_measurements, tmp_path):
    """Every page's foot said "Research use only, not a diagnosis; unconfirmed." under a signature, and the Review
    section "...; unconfirmed. The model's output was over-read as page 1 says": signed over its statements, the
    report says "over-read" there (research use stays); unsigned, or edited after signing, "unconfirmed"."""
    from mirage_model.review.report import build_report

    s = _session(record_and_measurements)
    unsigned = _pages(build_report(s, tmp_path / "a.pdf"))
    assert len(unsigned) >= 3
    assert all("Research use only, not a diagnosis; unconfirmed." in p for p in unsigned)
    s.overread.confirm(_statement(s, SINUS))
    s.overread.sign(session_interpretation(s), "Dr C", now=datetime(2026, 12, 6, 7, 10, tzinfo=timezone.utc))
    signed = _pages(build_report(s, tmp_path / "b.pdf"))
    assert len(signed) == len(unsigned)
    for p in signed:
        assert "Research use only, not a diagnosis; over-read." in p and "unconfirmed" not in p, p
    assert any("Research use only, not a diagnosis; over-read. The model's output was over-read as page 1 says"
               in p for p in signed)
    s.overread.strike(_statement(s, IRBBB))                 # an edit after signing un-signs
    edited = _pages(build_report(s, tmp_path / "c.pdf"))
    assert all("Research use only, not a diagnosis; unconfirmed." in p for p in edited)


@pytest.mark.parametrize("page_size", ["A4", "Letter"])
def test_an_over_read_whose_store_could_not_be_read_is_unknown_not_absent(record_and_measurements, tmp_path,
                                                                          page_size):
    """The store locked or damaged (``OverRead.store_unread``, the app's Export and Print): the over-read kept may be
    signed, so no page says "Not over-read" (page 1's head, a withheld head and the draft's line had); page 3 says
    what failed."""
    import dataclasses

    from mirage_model.review.report import ReportSettings, build_report

    record, measured = record_and_measurements
    unread = "The over-read store /x/overreads.sqlite could not be read: database is locked"
    unknown = "Over-read unknown (its store could not be read): machine statements unconfirmed"
    for withheld in ("", "signal quality critical: leads missing or flat (V4)"):
        pred = dataclasses.replace(_prediction(), withheld=withheld)
        s = ReviewSession.from_results(record, file_values=False, measurements=measured, prediction=pred)
        s.overread.store_unread = unread
        assert s.overread.status(session_interpretation(s)) == f"{unknown}. {unread}."
        s.overread.strike(_statement(s, IRBBB))         # a draft: its line on page 1
        pdf = build_report(s, tmp_path / "r.pdf", settings=ReportSettings(page_size))
        page1, page3 = pdftotext_page(pdf, 1), pdftotext_page(pdf, 3)
        assert "Not over-read" not in page1 + page3 and "not over-read" not in page1 + page3, (withheld, page1)
        assert ("Over-read unknown" if withheld else unknown) in page1, page1
        assert f"{unknown}. {unread}." in page3


def test_page_1_names_what_was_struck_where_its_line_folds(record_and_measurements, berlin):
    """LUDB 57, "Inferior infarct" struck, the band short: page 1 said "Not over-read: machine statements unconfirmed
    (1 struck: page 3)" under the head's own "Not over-read: ...", and never what was struck, beside the model's MI
    0.90. Unsigned, the one line left names the struck statement (the head says "Not over-read"); signed, the
    signature's line names it after the signature."""
    from reportlab.pdfgen.canvas import Canvas

    from mirage_model.review.report.band_text import fits_shrunk
    from mirage_model.review.report.overread import band_rows

    s = _session(record_and_measurements)
    s.overread.strike(_statement(s, IRBBB), "rSr' in V1 alone")
    it = session_interpretation(s)
    c = Canvas("unused.pdf")
    for width in (499, 480):                                     # page 1 band: 499 pt (A4)
        rows = band_rows(c, s.overread, it, width, room=1, amendment=None)
        line = "".join(r.text for r in rows[-1])
        assert len(rows) == 1 and fits_shrunk(c, rows[-1], width), (width, line)
        assert line == f"Struck by the reviewer: {IRBBB} (rSr' in V1 alone)", (width, line)
    s.overread.sign(it, "Dr A. Reader", now=datetime(2026, 12, 6, 7, 10, tzinfo=timezone.utc))
    for width in (499,):
        rows = band_rows(c, s.overread, it, width, room=1, amendment=None)
        line = "".join(r.text for r in rows[-1])
        assert len(rows) == 1 and fits_shrunk(c, rows[-1], width), (width, line)
        assert line.startswith("Over-read by Dr A. Reader, 2026-12-06 07:10 UTC") and "1 " in line, (width, line)
        assert line.endswith(f"; struck: {IRBBB} (why: page 3)"), (width, line)


def test_page_1_names_the_first_of_several_struck_where_all_do_not_fit(record_and_measurements, berlin):
    """Two statements struck, signed, one line left: it had said "2 struck (page 3)"; it names the first struck and
    counts the other where both names do not fit after the signature."""
    from reportlab.pdfgen.canvas import Canvas

    from mirage_model.review.report.band_text import fits_shrunk
    from mirage_model.review.report.overread import band_rows

    record, measured = record_and_measurements
    s = ReviewSession.from_results(record, file_values=False, measurements=measured,
                                   prediction=_prediction((0.9, 0.6, 0.6, 0.1)))
    s.overread.strike(_statement(s, SINUS), "P waves not seen")
    s.overread.strike(_statement(s, "Left anterior fascicular block"), "axis -27 deg")
    it = session_interpretation(s)
    s.overread.sign(it, "Dr A. Reader", now=datetime(2026, 12, 6, 7, 10, tzinfo=timezone.utc))
    c = Canvas("unused.pdf")
    rows = band_rows(c, s.overread, it, 499, room=1, amendment=None)
    line = "".join(r.text for r in rows[-1])
    assert len(rows) == 1 and fits_shrunk(c, rows[-1], 499), line
    assert line.startswith("Over-read by Dr A. Reader, 2026-12-06 07:10 UTC"), line
    assert line.endswith(f"; struck: {SINUS} and 1 more (why: page 3)"), line


def test_page_1_says_not_over_read_once(record_and_measurements):
    """LUDB 57 with three statements struck, unsigned: page 1 printed "Not over-read: machine statements unconfirmed"
    in the head and again under the struck line. The head says it; the over-read's lines do not repeat it."""
    from reportlab.pdfgen.canvas import Canvas

    from mirage_model.review.report.overread import band_rows

    s = _session(record_and_measurements)
    s.overread.strike(_statement(s, IRBBB), "rSr' in V1 alone")
    it = session_interpretation(s)
    rows = [("".join(r.text for r in row))
            for row in band_rows(Canvas("unused.pdf"), s.overread, it, 499, room=3, amendment=None)]
    assert rows == [f"Struck by the reviewer: {IRBBB} (rSr' in V1 alone)"], rows
