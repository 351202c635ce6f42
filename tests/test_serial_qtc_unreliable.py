"""A QTc the measurement table marks unreliable ("?": an irregular rhythm, a rate below 50 bpm, Bazett's above
120 bpm) is not compared with the prior ECG's, and the summary says why: `mirage score --compare-prior` on PTB-XL
patient 381 (folds 1-8) said "QTc (Bazett) lengthened 421 -> 512 ms" of 00761_lr, whose QTc its own row's notes call
unreliable (atrial fibrillation, RR coefficient of variation 0.24), against 00693_lr in sinus rhythm.

Truth: measurements written here by hand (a QTc 91 ms longer, past the 70 ms the comparison says a change at) and the
measurement's own note of an irregular rhythm."""

from __future__ import annotations

import numpy as np

from mirage_model.measure import QT_UNRELIABLE_NOTE, QTC_UNRELIABLE_NOTE, SCALAR_KEYS, Measurements
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


# beats every 0.8 s with one RR of 3.4 s after the 4th (2.4 -> 5.8 s): a pause worked out by hand
PAUSED_BEATS = np.array([0.0, 0.8, 1.6, 2.4, 5.8, 6.6, 7.4, 8.2, 9.0, 9.8]) * 500
PAUSED_WHY = "the mean RR holds a pause of 3.4 s (at 2.4 s)"


def test_a_qtc_of_a_mean_rr_with_a_pause_is_left_out_for_the_pause():
    """This ECG's beats hold a 3.4 s pause, which its interpretation says, and its measurement table marks the QTc
    rows for ("the mean RR holds a pause of 3.4 s (at 2.4 s)"). The comparison had built its tables without the
    interpretation and left the QTc out for the irregular rhythm the pause makes of the mean; it now says the
    interpretation's reason. The measurement's own irregular-rhythm note stands on the prior side."""
    current = _session("c", "1987-06-10 10:00:00", [IRREGULAR], beats=PAUSED_BEATS, **AF)
    x = compare(_session("p", "1987-04-30 09:22:12", **SINUS), current)
    why = f"{PAUSED_WHY} on this ECG, and the QTc corrects the QT by it"
    by_key = {m.key: m for m in x.measurements}
    for key in ("qtc_bazett_ms", "qtc_fridericia_ms"):
        assert by_key[key].change is None and by_key[key].why_not == why, by_key[key]
    assert f"Not compared: QTc ({why})." in x.summary, x.summary
    assert IRREGULAR not in x.summary
    # the prior ECG irregular, this one with the pause: each side's reason, in the order of the sides
    x = compare(_session("p", "1987-04-30 09:22:12", [IRREGULAR], **SINUS), current)
    assert {m.key: m.why_not for m in x.measurements}["qtc_bazett_ms"] == (
        f"irregular rhythm on the prior ECG: the QT and the mean RR are of no one cycle; {why}")
    # both with the pause: said once, for both
    x = compare(_session("p", "1987-04-30 09:22:12", [IRREGULAR], beats=PAUSED_BEATS, **SINUS), current)
    assert {m.key: m.why_not for m in x.measurements}["qtc_bazett_ms"] == (
        f"{PAUSED_WHY} on both ECGs, and the QTc corrects the QT by it")


def test_ludb1_with_a_pause_against_itself_leaves_the_qtc_out_for_the_pause(qtbot):
    """LUDB 1 as recorded, then with a 3.8 s pause put in after the beat LUDB marks at 2.684 s: its QTc (Bazett's
    short, of the mean RR with the pause) is left out for the pause its interpretation says, where the comparison had
    said the irregular rhythm; the app's Prior ECG tab shows it."""
    import dataclasses

    import mirage_model as mm
    from mirage_model.measure import measure
    from mirage_model.paths import resources_dir
    from mirage_model.quality import assess
    from test_interpret_pause import _ludb_1_paused

    rec, x, start, end, _ = _ludb_1_paused(pause_s=3.8)
    paused = dataclasses.replace(rec, signal=x.astype(np.float32))
    plain = mm.load_record(resources_dir() / "samples" / "ludb" / "1")
    sessions = []
    for r in (plain, paused):
        s = ReviewSession.from_results(r, measurements=measure(r))
        s.set_quality(assess(r))
        sessions.append(s)
    why = (f"the mean RR holds a pause of {end - start:.1f} s (at {start:.1f} s) on this ECG, and the QTc corrects "
           "the QT by it")
    assert why.startswith("the mean RR holds a pause of 3.8 s (at 2.7 s)")
    comparison = compare(*sessions)
    assert {m.key: m.why_not for m in comparison.measurements}["qtc_bazett_ms"] == why
    assert why in comparison.summary and IRREGULAR not in comparison.summary
    from app.views.comparison import ComparisonView

    sessions[1].set_prior(sessions[0])
    view = ComparisonView()
    qtbot.addWidget(view)
    view.set_session(sessions[1])
    row = next(r for r in range(view.table.rowCount()) if view.table.item(r, 0).text().startswith("QTc (Bazett"))
    assert view.table.item(row, 3).text() == "not compared"
    assert view.table.item(row, 3).toolTip() == f"not compared: {why}"
    assert why in view.statements.text()


# the measurement's note where the tangent method ends the T wave elsewhere (``measure.tangent.t_end_doubt``'s words)
T_END = (f"{QT_UNRELIABLE_NOTE}T end uncertain: in V5 the tangent method ends the T wave 62 ms earlier than the "
         "delineator (QT 428 ms there) (tangent method, Rautaharju et al. 2009): check the T end by hand")
LONGER = dict(heart_rate_bpm=64.0, rr_ms=937.5, qrs_ms=96.0, qt_ms=490.0, qtc_bazett_ms=506.0,
              qtc_fridericia_ms=501.0)      # QT 82 ms and QTc 85 ms longer than SINUS's: past 75 and 70 ms


def test_a_qt_whose_t_end_is_uncertain_is_not_said_changed():
    """QT 408 -> 490 ms with this ECG's T end in doubt (its table marks the QT and every QTc): a reader does not call
    the QT lengthened from a T end the tangent method puts 62 ms earlier. The QT, both QTc and the QTc rule's
    statement are left out, why named once; the same on the prior side; without the note the change is said."""
    from mirage_model.review.serial import said_once

    plain = compare(_session("p", "1987-04-30 09:22:12", **SINUS), _session("c", "1987-06-10 10:00:00", **LONGER))
    assert {m.key: m.words for m in plain.significant}["qt_ms"] == "QT lengthened 408 -> 490 ms"
    why = ("T end uncertain on this ECG: the tangent method ends the T wave elsewhere, so a change of the QT may be "
           "its reading (check it by hand)")
    x = compare(_session("p", "1987-04-30 09:22:12", **SINUS),
                _session("c", "1987-06-10 10:00:00", [T_END], **LONGER))
    by_key = {m.key: m for m in x.measurements}
    for key in ("qt_ms", "qtc_bazett_ms", "qtc_fridericia_ms"):
        assert by_key[key].change is None and not by_key[key].significant and by_key[key].why_not == why, key
    assert said_once(x.not_compared) == [f"QT and QTc and Prolonged QTc ({why})"]
    assert "lengthened" not in x.summary, x.summary
    x = compare(_session("p", "1987-04-30 09:22:12", [T_END], **LONGER),
                _session("c", "1987-06-10 10:00:00", **SINUS))
    assert {m.key: m.why_not for m in x.measurements}["qt_ms"] == why.replace("this ECG", "the prior ECG")
