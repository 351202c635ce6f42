"""A QTc the measurement table marks unreliable ("?": an irregular rhythm, a rate below 50 bpm, Bazett's above
120 bpm) is not compared with the prior ECG's, and the summary says why: `mirage score --compare-prior` on PTB-XL
patient 381 (folds 1-8) said "QTc (Bazett) lengthened 421 -> 512 ms" of 00761_lr, whose QTc its own row's notes call
unreliable (atrial fibrillation, RR coefficient of variation 0.24), against 00693_lr in sinus rhythm.

Truth: measurements written here by hand (a QTc 91 ms longer, past the 70 ms the comparison says a change at) and the
measurement's own note of an irregular rhythm."""

from __future__ import annotations

import numpy as np

from mirage_model.measure import QTC_UNRELIABLE_NOTE, SCALAR_KEYS, Measurements
from mirage_model.records.record import EcgRecord
from mirage_model.review.serial import compare
from mirage_model.review.session import ReviewSession

IRREGULAR = (f"{QTC_UNRELIABLE_NOTE}irregular rhythm (RR coefficient of variation 0.24 > 0.15; e.g. atrial "
             "fibrillation): QT and the mean RR do not belong to the same cycle")


def _session(rid: str, acquired: str, notes=(), **values) -> ReviewSession:
    record = EcgRecord(np.zeros((12, 5000), np.float32), 500.0, rid,
                       meta={"patient": {"id": "381"}, "acquired": acquired})
    m = Measurements(**{**dict.fromkeys(SCALAR_KEYS), **values}, fs=500.0, method="test values", notes=tuple(notes))
    return ReviewSession.from_results(record, measurements=m)


SINUS = dict(heart_rate_bpm=64.0, rr_ms=937.5, qrs_ms=96.0, qt_ms=408.0, qtc_bazett_ms=421.0,
             qtc_fridericia_ms=416.0)
AF = dict(heart_rate_bpm=70.0, rr_ms=857.0, qrs_ms=96.0, qt_ms=420.0, qtc_bazett_ms=512.0,
          qtc_fridericia_ms=480.0)


def test_an_unreliable_qtc_is_not_said_changed():
    x = compare(_session("p", "1987-04-30 09:22:12", **SINUS), _session("c", "1987-06-10 10:00:00", [IRREGULAR], **AF))
    by_key = {m.key: m for m in x.measurements}
    for key in ("qtc_bazett_ms", "qtc_fridericia_ms"):
        assert not by_key[key].significant and by_key[key].change is None, key
        assert by_key[key].why_not == "irregular rhythm on this ECG: the QT and the mean RR are of no one cycle"
    assert "QTc" not in x.summary.split("Not compared:")[0]
    assert ("Not compared: QTc and Prolonged QTc (irregular rhythm on this ECG: the QT and the mean RR are of no one "
            "cycle).") in x.summary


def test_a_reliable_qtc_change_is_still_said():
    x = compare(_session("p", "1987-04-30 09:22:12", **SINUS), _session("c", "1987-06-10 10:00:00", **AF))
    said = {m.key: m.words for m in x.significant}
    assert said["qtc_bazett_ms"] == "QTc (Bazett) lengthened 421 -> 512 ms"


def test_a_qtc_marked_for_a_slow_rate_alone_is_compared():
    """A regular rhythm below 50 bpm marks the QTc "?" (the corrections extrapolate) on both sides alike: compared."""
    slow = (f"{QTC_UNRELIABLE_NOTE}heart rate 45 bpm < 50 (the corrections extrapolate at slow rates; Bazett "
            "under-corrects)")
    x = compare(_session("p", "1987-04-30 09:22:12", [slow], **SINUS),
                _session("c", "1987-06-10 10:00:00", [slow], **AF))
    assert {m.key: m.words for m in x.significant}["qtc_bazett_ms"] == "QTc (Bazett) lengthened 421 -> 512 ms"


WHY = "irregular rhythm on this ECG: the QT and the mean RR are of no one cycle"


def test_the_reason_left_out_for_the_qtc_and_its_rule_is_said_once():
    """The QTc (512 ms, irregular) and the Prolonged QTc its rule says are left out for one reason: the summary had
    said it twice ("QTc (irregular rhythm ...); Prolonged QTc (irregular rhythm ...)", the Prior ECG tab of PTB-XL
    03341_lr against 03277_lr). The entries stay apart in ``not_compared`` (a measurement's and a rule statement's,
    left out by two steps); what is shown names both before the reason, once."""
    from mirage_model.review.serial import said_once

    x = compare(_session("p", "1987-04-30 09:22:12", **SINUS), _session("c", "1987-06-10 10:00:00", [IRREGULAR], **AF))
    assert x.not_compared == (f"QTc ({WHY})", f"Prolonged QTc ({WHY})")
    assert x.summary.count(WHY) == 1, x.summary
    assert x.summary.endswith(f"Not compared: QTc and Prolonged QTc ({WHY}).")
    assert said_once(x.not_compared) == [f"QTc and Prolonged QTc ({WHY})"]


def test_said_once_keeps_each_reason_in_its_place():
    """Reasons of their own stay apart, in order; a reason with brackets of its own is read whole; three names for
    one reason are listed."""
    from mirage_model.review.serial import said_once

    withheld = "statements (the prior ECG's calls were withheld: high-frequency (muscle) noise in V1)"
    assert said_once(["measurements (the prior ECG has none: no beats)", "First degree AV block (no PR on the prior "
                      "ECG)", withheld, "Wide QRS (no QRS on the prior ECG)"]) == [
        "measurements (the prior ECG has none: no beats)", "First degree AV block (no PR on the prior ECG)", withheld,
        "Wide QRS (no QRS on the prior ECG)"]
    assert said_once(["PR and P axis (af)", withheld, "First degree AV block (af)", "Short PR (af)"]) == [
        "PR and P axis, First degree AV block and Short PR (af)", withheld]
    assert said_once(["statements (noise (muscle))", "Wide QRS (noise (muscle))"]) == [
        "statements and Wide QRS (noise (muscle))"]
