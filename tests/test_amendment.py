"""What an amended over-read changed (``review.amendment``): worded against the signature it amends, printed on the
PDF's page 3 (and counted on page 1), and read back from the store after the record is opened again.

Found on a cardiologist's walk: an amended over-read's page 3 said who signed, when and who signed first, not what the
amendment changed. Truth: the differences worked out by hand from what each signature decided (a clinical amendment
says what it changed). Record: the bundled PTB-XL 00417_lr (sinus rhythm and IRBBB above threshold)."""

from __future__ import annotations

from datetime import datetime, timezone

from helpers_overread import record_and_measurements  # noqa: F401 - fixture
from helpers_pdf import pdftotext_page
from mirage_model.review.amendment import changes, changes_line, keep_signatures, kept_now
from mirage_model.review.interpret import session_interpretation
from mirage_model.review.session import ReviewSession
from mirage_model.review.store import OverReadStore
from test_overread import IRBBB, SINUS, _prediction, _statement

FIRST = datetime(2026, 12, 6, 7, 10, tzinfo=timezone.utc)
SECOND = datetime(2026, 12, 6, 9, 30, tzinfo=timezone.utc)
INFERIOR, TWAVE, AXIS = ("model", "IMI", "Inferior infarct"), ("model", "NT_", "T wave abnormality"), \
    ("measurement", "axis", "Left axis deviation")


def _state(decisions, added=(), comment="", over=(), signed_at="2026-12-06T09:30:00+00:00"):
    return {"decisions": [[*k, verdict, why] for k, verdict, why in decisions], "added": [list(a) for a in added],
            "comment": comment, "reader": "Dr B", "signed_at": signed_at, "signed_over": [list(k) for k in over]}


def test_each_difference_is_worded_once():
    before = _state([(INFERIOR, "confirmed", "")], added=[("Early repolarisation", "repolarisation")],
                    comment="QT long", over=(INFERIOR, TWAVE, AXIS), signed_at="2026-12-06T07:10:00+00:00")
    after = _state([(INFERIOR, "struck", "Q waves positional"), (TWAVE, "confirmed", "")],
                   added=[("Sinus arrhythmia", "rhythm")], comment="QT long; compare with the prior",
                   over=(INFERIOR, TWAVE))          # the axis statement no longer said (a measurement edited)
    assert changes(before, after, order=(INFERIOR, TWAVE, AXIS)) == [
        "Inferior infarct: was confirmed, now struck (Q waves positional)",
        "T wave abnormality: was undecided, now confirmed",
        "Left axis deviation: no longer stated (was undecided)",
        "added: Sinus arrhythmia",
        "removed: Early repolarisation",
        "comment changed (was: QT long)"]
    assert changes(before, before) == []


def _amended(record_and_measurements):
    """00417_lr: sinus rhythm and IRBBB confirmed, signed by Dr A; amended: IRBBB struck (QRS 96 ms), Early
    repolarisation added, signed by Dr B; each signature kept as the app keeps it."""
    record, measured = record_and_measurements
    s = ReviewSession.from_results(record, file_values=False, measurements=measured, prediction=_prediction())
    it, ov = session_interpretation(s), s.overread
    ov.confirm(_statement(s, SINUS))
    ov.confirm(_statement(s, IRBBB))
    ov.sign(it, "Dr A", now=FIRST)
    kept_now(ov, ov.state())
    ov.strike(_statement(s, IRBBB), "QRS 96 ms")
    ov.add("Early repolarisation", "repolarisation")
    ov.sign(it, "Dr B", now=SECOND)
    kept_now(ov, ov.state())
    return s, it


CHANGED = ("Changes: Incomplete right bundle branch block: was confirmed, now struck (QRS 96 ms); added: Early "
           "repolarisation")


def test_page_3_says_what_the_amendment_changed_and_page_1_counts_it(record_and_measurements, tmp_path):
    from mirage_model.review.report import build_report

    s, it = _amended(record_and_measurements)
    pdf = build_report(s, tmp_path / "r.pdf")
    page1, page3 = (" ".join(pdftotext_page(pdf, k).split()) for k in (1, 3))
    assert CHANGED in page3, page3
    # the signature amended named once, on the signature's line (it had been named again before the changes)
    amends = "amends the over-read signed by Dr A on 2026-12-06 07:10 UTC"
    assert page3.count("Dr A") == 1 and amends in page3, page3
    assert page1.count("Dr A") <= 1 and "2 changes (page 3)" in page1, page1


def test_what_changed_is_read_back_from_the_store(record_and_measurements, tmp_path):
    """Both signatures saved, the record opened again (a new session): the store's signatures say the same."""
    s, it = _amended(record_and_measurements)
    store = OverReadStore(tmp_path / "overreads.sqlite")
    ov = s.overread
    for who, when in ov.kept_signatures:
        store.save("k", ov.kept_states[(who, when)], record="00417_lr")
    again = ReviewSession.from_results(record_and_measurements[0], file_values=False,
                                       measurements=record_and_measurements[1], prediction=_prediction())
    kept, signatures = store.printed("k")
    keep_signatures(again.overread, signatures)
    again.overread.restore(*kept)
    assert changes_line(again.overread, session_interpretation(again)) == CHANGED
