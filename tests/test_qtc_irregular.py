"""The prolonged-QTc rule at an irregular rhythm: the QTc of the mean RR is of no one cycle (Rautaharju et al. 2009,
part IV, on the QT in atrial fibrillation), and Bazett's over-corrects at atrial fibrillation's fast rates. LUDB 38
(atrial fibrillation, 112 bpm, a man) had stated "Prolonged QTc (465 ms, Bazett, Fridericia 420 ms)" (?): Bazett's
465 ms past the men's 450 ms, Fridericia's 420 ms within it, the table marking both unreliable."""

from __future__ import annotations

from mirage_model.review.interpret import interpret

LUDB_38 = {"heart_rate_bpm": 112.0, "qt_ms": 340.0, "qrs_ms": 90.0, "qtc_bazett_ms": 465.0,
           "qtc_fridericia_ms": 420.0}       # LUDB 38 as measured (465.3, 419.5 ms)


def _prolonged(it):
    return [s for s in it.statements if s.text.startswith("Prolonged QTc")]


def test_an_irregular_rhythm_s_bazett_qtc_alone_past_the_limit_is_not_stated():
    it = interpret(["AFIB"], [0.9], [0.5], LUDB_38, "M", age=60, irregular=True)
    assert _prolonged(it) == [], it.text()
    why = [r for r in it.resolved if r.startswith("prolonged QTc")]
    assert why == ["prolonged QTc (465 ms, Bazett) not stated: the rhythm is irregular (the QTc of the mean RR is of "
                   "no one cycle, Rautaharju et al. 2009); Fridericia 420 ms < 450 ms for men"]
    # no Fridericia QTc to judge it by: not stated either
    alone = {k: v for k, v in LUDB_38.items() if k != "qtc_fridericia_ms"}
    it = interpret(["AFIB"], [0.9], [0.5], alone, "M", age=60, irregular=True)
    assert _prolonged(it) == [] and any(r.endswith("no Fridericia QTc measured") for r in it.resolved)


def test_an_irregular_rhythm_s_qtc_past_the_limit_by_both_formulas_is_stated_marked():
    for hr, fridericia in ((112.0, 462.0), (85.0, 458.0)):        # in and below Bazett's 100-120 bpm band
        values = {**LUDB_38, "heart_rate_bpm": hr, "qtc_bazett_ms": 475.0, "qtc_fridericia_ms": fridericia}
        it = interpret(["AFIB"], [0.9], [0.5], values, "M", age=60, irregular=True)
        said = _prolonged(it)
        assert [s.text for s in said] == [f"Prolonged QTc (475 ms, Bazett, Fridericia {fridericia:g} ms)"]
        assert said[0].note == "unreliable: irregular rhythm"
        assert f"Fridericia {fridericia:g} ms >= 450 ms for men" in said[0].rule


def test_a_regular_rhythm_s_long_qt_is_stated_as_before():
    """LUDB 95 (sinus rhythm, 65 bpm, measured Bazett 470.6, Fridericia 464.6 ms) and a regular rhythm at 112 bpm."""
    values = {**LUDB_38, "heart_rate_bpm": 65.0, "qtc_bazett_ms": 470.6, "qtc_fridericia_ms": 464.6}
    it = interpret(["SR"], [0.9], [0.5], values, "M", age=60, irregular=False)
    said = _prolonged(it)
    assert [s.text for s in said] == ["Prolonged QTc (471 ms, Bazett)"] and said[0].note is None
    it = interpret(["STACH"], [0.9], [0.5], LUDB_38, "M", age=60, irregular=False)
    assert [s.text for s in _prolonged(it)] == ["Prolonged QTc (465 ms, Bazett, Fridericia 420 ms)"]


def test_a_wide_qrs_s_unadjusted_qtc_at_an_irregular_rhythm_needs_fridericia_s_too():
    """PTB-XL 02066_lr (AFIB, a woman, 74 bpm, QRS 152 ms, QT 418 ms): Bazett 463 ms past the women's 460 ms, only
    unadjusted, had stood marked "QT lengthened by the wide QRS"; Fridericia's 447 ms is within it. 02818_lr (QRS 161
    ms, Bazett 517, Fridericia 471 ms) stays, marked as before."""
    values = {"heart_rate_bpm": 74.0, "qt_ms": 418.0, "qrs_ms": 152.0, "qtc_bazett_ms": 463.0,
              "qtc_fridericia_ms": 447.0}
    it = interpret(["AFIB"], [0.9], [0.5], values, "F", age=81, irregular=True)
    assert _prolonged(it) == []
    why = [r for r in it.resolved if r.startswith("prolonged QTc (463 ms, Bazett) not stated")]
    assert len(why) == 1 and why[0].endswith("Fridericia 447 ms < 460 ms for women"), it.resolved
    values = {**values, "heart_rate_bpm": 105.0, "qt_ms": 390.0, "qrs_ms": 161.0, "qtc_bazett_ms": 517.0,
              "qtc_fridericia_ms": 471.0}
    said = _prolonged(interpret(["AFIB"], [0.9], [0.5], values, "F", age=82, irregular=True))
    assert [s.text for s in said] == ["Prolonged QTc (517 ms, Bazett)"]
    assert said[0].note.startswith("QT lengthened by the wide QRS") and said[0].note.endswith("irregular rhythm")
