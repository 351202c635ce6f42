"""A child's ECG is not read by adult criteria: below 16 years the adult rate, axis and lower limits
flag nothing and state nothing; PR, QRS and QTc are judged by what a clinical text says of a child's
upper limits; and the interpretation says so, once and first, with the count of children in the
models' training data; in the library, the app, PDF page 1 and ``mirage score``'s interpretation
column alike.

Independent truth, typed from the sources:
* the age the paediatric normal limits cover, 0-16 years: Rijnbeek PR et al. Eur Heart J
  2001;22:702-11, abstract: "ECGs from 1912 healthy Dutch children (age 11 days to 16 years)";
  Davignon A et al. Pediatr Cardiol 1979/80;1:123-31, summary: "2,141 white children aged 0 to 16
  years divided into 12 age groups". (Their tables' limits could not be checked against a public copy,
  so none is applied: ``review.measurements`` says why.)
* the adult limits the rules cite: heart rate 50-100 bpm (Mason et al. 2007), QRS axis -30 to +90 deg
  (Surawicz et al. 2009), PR <= 200 ms (Surawicz et al. 2009).
* a child's PR, QRS and QTc limits, in words (Wenning DM, "Normal ECG at Age Intervals", Atlas of
  Pediatric Emergency Medicine, McGraw-Hill, AccessEmergencyMedicine): PR 0.08-0.15 s in younger
  children and 0.12-0.2 s in adolescents; QRS not over 0.08 s below 8 years, 0.1-0.12 s in
  adolescents; QTc upper limit 490 ms in infancy, 440 ms after 6 months of age. So the adult PR > 200 ms,
  QRS >= 120 ms and QTc >= 450/460 ms are outside a child's range too (only under 6 months is the QTc's
  490 ms above the adult limit).
* a child's heart rate limits, the 1st and 99th centiles of resting heart rate by age (Fleming S et al. Normal
  ranges of heart rate and respiratory rate in children from birth to 18 years of age. Lancet 2011;377:1011-8,
  its table of centiles; ``FLEMING_BPM``, typed from it, as two public copies quote it).
* PTB-XL's ptbxl_database.csv: 21,799 records, 64 of them of age under 16 years (counted from the file
  in ``test_the_training_data_count_is_ptbxls_own``).
"""

from __future__ import annotations

import csv
import re
import shutil

import numpy as np
import pytest

from mirage_model.measure import SCALAR_KEYS, Measurements
from mirage_model.review import measurements as rm
from mirage_model.review.interpret import (PTBXL_RECORDS, PTBXL_UNDER_16, interpret, interpret_prediction,
                                           prediction_age)

CHILD_NOTE = "Paediatric ECG (age 4): adult rate, axis and lower limits not applied"
CHILD_RANGE = "age 4: paediatric ECG, adult rate, axis and lower limits not applied"
# Fleming et al. 2011's 1st and 99th centiles of heart rate (bpm) for some age groups, (from, below) years
FLEMING_BPM = {(0.0, 0.25): (107.0, 181.0), (0.5, 0.75): (98.0, 168.0), (3.0, 4.0): (70.0, 136.0),
               (4.0, 6.0): (65.0, 131.0), (12.0, 15.0): (47.0, 108.0)}
# Wenning's limits (see above), typed here as the test's truth
INFANT_QTC_MS, ADULT_PR_MS, ADULT_QRS_MS, ADULT_QTC_MS = 490.0, 200.0, 120.0, {"M": 450.0, "F": 460.0}
# the brief's case: a 4-year-old at 115 bpm with a QRS axis of +100 deg (both normal at that age), PR
# 210 ms and QTc 470 ms (past the adult limits of 200 and 450/460 ms)
VALUES = dict(heart_rate_bpm=115.0, rr_ms=522.0, pr_ms=210.0, qrs_ms=70.0, qt_ms=340.0,
              qtc_bazett_ms=470.0, qtc_fridericia_ms=440.0, qtc_framingham_ms=440.0,
              p_axis_deg=50.0, qrs_axis_deg=100.0, t_axis_deg=40.0)


def _measurements(**values) -> Measurements:
    base = dict.fromkeys(SCALAR_KEYS)
    base.update(values)
    return Measurements(**base, fs=100.0, method="test values")


def test_the_age_limit_is_the_sources_16_years():
    # both paediatric studies cover birth to 16 years; from 16 the adult criteria apply
    assert rm.PAEDIATRIC_BELOW_Y == 16.0
    assert rm.is_paediatric(4) and rm.is_paediatric(0.25) and rm.is_paediatric(15.9)
    assert not rm.is_paediatric(16) and not rm.is_paediatric(17) and not rm.is_paediatric(None)
    assert not rm.is_paediatric(float("nan")) and not rm.is_paediatric("unknown")


def test_rules_state_nothing_from_adult_limits_for_a_child():
    labels, probs, thr = ["SR", "NORM"], [0.9, 0.8], [0.5, 0.5]
    adult = interpret(labels, probs, thr, VALUES, "M", age=None)
    said = [s.text for s in adult.statements]
    # age unknown: the adult rules, as before (Mason 2007: > 100 bpm; Surawicz 2009: > +90 deg, > 200 ms)
    assert "Sinus tachycardia, 115 bpm" in said and "Right axis deviation (100 deg)" in said
    # (at 115 bpm an adult's Bazett QTc is said with Fridericia's beside it, marked where that one is within)
    assert "First degree AV block (PR 210 ms)" in said and "Prolonged QTc (470 ms, Bazett, Fridericia 440 ms)" in said
    assert not adult.notes
    for age in (16, 17, 40):      # 16-17: adult criteria (the sources stop at 16)
        it = interpret(labels, probs, thr, VALUES, "M", age=age)
        assert [s.text for s in it.statements] == said and not it.notes

    child = interpret(labels, probs, thr, VALUES, "M", age=4)
    # the rate and the axis are a 4-year-old's; PR 210 ms is past even the adult limit, above a child's,
    # and QTc 470 ms past the adult 450 ms, above a child's 440 ms: those stand, with the clinical text cited
    assert [s.text for s in child.statements] == ["Sinus rhythm, 115 bpm", "First degree AV block (PR 210 ms)",
                                                  "Prolonged QTc (470 ms, Bazett)"]
    models = [s for s in child.statements if s.source == "model"]
    assert [s.code for s in models] == ["SR"] and models[0].adult_trained
    assert models[0].source_tag().endswith("trained on adults")
    avb, qtc = child.statements[1].rule, child.statements[2].rule
    assert avb.startswith(f"PR 210 ms > {ADULT_PR_MS:g} ms") and "above a child's" in avb and "Wenning" in avb
    assert qtc.startswith(f"QTc 470 ms >= {ADULT_QTC_MS['M']:g} ms at age 4") and "Wenning" in qtc
    # a 4-year-old's rate and axis alone: nothing abnormal, the model's normal ECG stands
    calm = interpret(labels, probs, thr, dict(VALUES, pr_ms=140.0, qtc_bazett_ms=420.0), "M", age=4)
    assert [s.text for s in calm.statements] == ["Sinus rhythm, 115 bpm", "Normal ECG"]
    assert all(s.source == "model" and s.adult_trained for s in calm.statements)
    # said once, first, with the training data's count
    assert len(child.notes) == 1 and child.notes[0].startswith(CHILD_NOTE)
    assert f"{PTBXL_UNDER_16} of {PTBXL_RECORDS:,} records under 16 years" in child.notes[0]
    assert child.lines()[0].startswith(CHILD_NOTE)
    assert child.text().startswith(f"[{CHILD_NOTE}") and child.text().count("Paediatric") == 1


def test_no_model_statement_of_a_child_is_marked_by_an_adult_limit():
    # an adult's PR 150 ms contradicts first degree AV block, QRS 100 ms a complete block, axis +60 a left
    # anterior fascicular block, QTc 420 ms long QT: none of these adult limits is a child's
    m = dict(heart_rate_bpm=90.0, pr_ms=150.0, qrs_ms=100.0, qrs_axis_deg=60.0, qtc_bazett_ms=420.0)
    labels = ["SR", "1AVB", "CRBBB", "LAFB", "LNGQT"]
    probs, thr = [0.9] * 5, [0.5] * 5
    adult = interpret(labels, probs, thr, m, "F", age=40)
    assert {s.code for s in adult.statements if s.note} == {"1AVB", "CRBBB", "LAFB", "LNGQT"}
    child = interpret(labels, probs, thr, m, "F", age=10)
    assert {s.code for s in child.statements} == set(labels) and not any(s.note for s in child.statements)


def test_the_models_rate_word_is_not_an_adult_limit_said_to_a_child():
    # PTB-XL's sinus tachycardia is an adult's > 100 bpm: a 3-year-old at 111 bpm is in sinus rhythm
    child = interpret(["STACH"], [0.7], [0.5], {"heart_rate_bpm": 111.0, "pr_ms": 110.0, "qrs_ms": 60.0}, age=3)
    assert [s.text for s in child.statements] == ["Sinus rhythm, 111 bpm"]
    assert child.statements[0].adult_trained and child.statements[0].code == "STACH"
    assert any("adult limits (50-100 bpm), not applied at age 3" in r for r in child.resolved)
    adult = interpret(["STACH"], [0.7], [0.5], {"heart_rate_bpm": 111.0, "pr_ms": 150.0, "qrs_ms": 80.0})
    assert adult.statements[0].text == "Sinus tachycardia, 111 bpm"


def test_a_childs_rate_is_judged_by_the_centiles_for_age():
    # a 4-year-old at 45 bpm: below Fleming's 1st centile at 4-6 years (65 bpm), a marked bradycardia; the table
    # flags it low and the rule says it "for age", so the model's normal ECG is not stated
    lo, hi = FLEMING_BPM[(4.0, 6.0)]
    m = dict(heart_rate_bpm=45.0, pr_ms=130.0, qrs_ms=70.0, qtc_bazett_ms=410.0, qrs_axis_deg=60.0)
    assert rm.flag("heart_rate_bpm", 45.0, "M", 4) == "low"
    assert rm.reference_range("heart_rate_bpm", "M", 4).limits == (lo, hi)
    slow = interpret(["SR", "NORM"], [0.9, 0.8], [0.5, 0.5], m, "M", age=4)
    said = [s.text for s in slow.statements]
    assert said == ["Sinus bradycardia (for age), 45 bpm"] and "Normal ECG" not in said
    assert slow.statements[0].rule.startswith(f"rate 45 bpm < {lo:g} bpm at age 4")
    assert "Fleming" in slow.statements[0].rule
    assert any(r.startswith("normal ECG (80%) not stated") for r in slow.resolved)
    assert [(word) for _, _, word in rm.outside_range(m, "M", 4)] == ["low"]
    # at 110 bpm (within 65-131) nothing is flagged and the model's normal ECG stands
    calm = interpret(["SR", "NORM"], [0.9, 0.8], [0.5, 0.5], dict(m, heart_rate_bpm=110.0), "M", age=4)
    assert [s.text for s in calm.statements] == ["Sinus rhythm, 110 bpm", "Normal ECG"]
    assert rm.flag("heart_rate_bpm", 110.0, "M", 4) == ""
    # above the 99th centile: tachycardia for age
    fast = interpret(["SR"], [0.9], [0.5], dict(m, heart_rate_bpm=hi + 9), "M", age=4)
    assert fast.statements[0].text == f"Sinus tachycardia (for age), {hi + 9:g} bpm"
    # an infant (2 months, 8 months, and a whole-year age of 0) at 150 bpm: within the centiles, no tachycardia
    for age in (2 / 12, 8 / 12, 0):
        infant = interpret(["SR", "NORM"], [0.9, 0.8], [0.5, 0.5], dict(m, heart_rate_bpm=150.0), "M", age=age)
        assert [s.text for s in infant.statements] == ["Sinus rhythm, 150 bpm", "Normal ECG"], age
        assert rm.flag("heart_rate_bpm", 150.0, "M", age) == ""
    assert rm.flag("heart_rate_bpm", FLEMING_BPM[(0.0, 0.25)][1] + 1, "M", 1 / 12) == "high"
    assert rm.flag("heart_rate_bpm", FLEMING_BPM[(0.5, 0.75)][0] - 1, "M", 0.6) == "low"
    # a 13-year-old at 50 bpm is within his centiles (47-108), the model's adult sinus bradycardia is not said
    teen = interpret(["SBRAD"], [0.9], [0.5], dict(m, heart_rate_bpm=50.0), "M", age=13)
    assert [s.text for s in teen.statements] == ["Sinus rhythm, 50 bpm"]
    assert rm.flag("heart_rate_bpm", FLEMING_BPM[(12.0, 15.0)][0] - 1, "M", 13) == "low"
    # an adult, and an unknown age: the adult rule (Mason et al. 2007: < 50 bpm), as before
    for age in (None, 16, 40):
        adult = interpret(["SR", "NORM"], [0.9, 0.8], [0.5, 0.5], m, "M", age=age)
        assert [s.text for s in adult.statements] == ["Sinus bradycardia, 45 bpm"]
        assert adult.statements[0].rule == "rate 45 bpm < 50 bpm (Mason et al. 2007)"
        ok = interpret(["SR", "NORM"], [0.9, 0.8], [0.5, 0.5], dict(m, heart_rate_bpm=110.0), "M", age=age)
        assert [s.text for s in ok.statements] == ["Sinus tachycardia, 110 bpm"]


def test_a_childs_table_flags_only_pr_qrs_and_qtc_by_a_childs_limits():
    m = _measurements(**VALUES)
    child = {r["key"]: r for r in rm.measurement_rows(m, sex="M", age=4)}
    assert {k for k, r in child.items() if r["flag"]} == {"pr_ms", "qtc_bazett_ms"}
    assert child["pr_ms"]["flag"] == child["qtc_bazett_ms"]["flag"] == "high"
    assert child["qrs_axis_deg"]["range"] == CHILD_RANGE
    assert child["qrs_axis_deg"]["ref_cell"] == "not applied" and child["qrs_axis_deg"]["ref_low"] is None
    # the rate by a 4-year-old's centiles (Fleming et al. 2011, 4-6 years: 1st 65, 99th 131 bpm): 115 bpm is within
    hr = child["heart_rate_bpm"]
    assert (hr["ref_low"], hr["ref_high"]) == FLEMING_BPM[(4, 6)] and "Fleming" in hr["range"] and not hr["flag"]
    assert child["pr_ms"]["ref_high"] == ADULT_PR_MS and child["pr_ms"]["ref_low"] is None
    assert child["qrs_ms"]["ref_high"] == ADULT_QRS_MS and child["qrs_ms"]["ref_low"] is None
    for key in ("qtc_bazett_ms", "qtc_fridericia_ms"):
        assert child[key]["ref_high"] == ADULT_QTC_MS["M"] and child[key]["ref_low"] is None
    assert child["qtc_fridericia_ms"]["flag"] == ""          # 440 ms: a child's limit, not past it
    # a girl of 10: 455 ms is within the adult women's 460 ms; 445 ms is not flagged (past a child's 440 ms,
    # but not past the adult limit: conservative)
    assert rm.flag("qtc_bazett_ms", 455.0, "F", 10) == "" and rm.flag("qtc_bazett_ms", 460.0, "F", 10) == "high"
    assert rm.flag("qtc_bazett_ms", 445.0, "M", 10) == ""
    assert [(label, word) for label, _, word in rm.outside_range(VALUES, "M", 4)] == [
        (child["pr_ms"]["label"], "high"), (child["qtc_bazett_ms"]["label"], "high")]
    # an infant (3 months): the QTc limit is 490 ms, so 470 ms is within it
    infant = {r["key"]: r for r in rm.measurement_rows(m, sex="M", age=0.25)}
    assert infant["qtc_bazett_ms"]["ref_high"] == INFANT_QTC_MS and infant["qtc_bazett_ms"]["flag"] == ""
    # age 0 (a whole-year age: 0-11 months; GE MUSE and Philips give months so): the adult limit, the lower
    zero = {r["key"]: r for r in rm.measurement_rows(m, sex="M", age=0)}
    assert zero["qtc_bazett_ms"]["ref_high"] == ADULT_QTC_MS["M"] and zero["qtc_bazett_ms"]["flag"] == "high"
    # a QRS of 130 ms is wide at any age; 100 ms is not flagged (conservative: a child's limit is not known here)
    assert rm.flag("qrs_ms", 130.0, "F", 10) == "high" and rm.flag("qrs_ms", 100.0, "F", 10) == ""
    assert rm.flag("pr_ms", 90.0, "F", 10) == ""
    # the rate by a child's centiles: 40 bpm at 10 years is below them (Fleming, 8-12 years: 52 bpm), 55 is not
    assert rm.flag("heart_rate_bpm", 40.0, "F", 10) == "low" and rm.flag("heart_rate_bpm", 55.0, "F", 10) == ""

    unknown = {r["key"]: r for r in rm.measurement_rows(m, sex="M")}
    assert unknown["heart_rate_bpm"]["flag"] == "high" and unknown["qrs_axis_deg"]["flag"] == "high"
    assert unknown["heart_rate_bpm"]["range"] == "50-100 bpm (Mason et al. 2007); age unknown: adult ranges"
    assert unknown["heart_rate_bpm"]["ref_cell"] == "50-100"
    adult = {r["key"]: r for r in rm.measurement_rows(m, sex="M", age=16)}
    assert adult["heart_rate_bpm"]["range"] == "50-100 bpm (Mason et al. 2007)"
    assert adult["pr_ms"]["flag"] == "high" and adult["qtc_bazett_ms"]["flag"] == "high"


def test_mirage_scores_interpretation_takes_the_age_the_record_was_scored_with():
    """``mirage score`` calls ``interpret_prediction`` without an age: the prediction's own
    (``clinical_used``, used by the model or not, in its unit) is the one."""
    class Pred:
        labels, probabilities, thresholds = ["SR", "NORM"], [0.9, 0.8], [0.5, 0.5]
        withheld, model_name, quality, measured_labels = "", "m", None, ()
        clinical_used = {"used": {}, "ignored": {"age": (48, "months")}, "missing": []}

    assert prediction_age(Pred()) == 4.0
    it = interpret_prediction(Pred(), VALUES, "M")
    assert it.notes and it.notes[0].startswith(CHILD_NOTE)
    assert "Sinus tachycardia" not in it.text()
    assert interpret_prediction(Pred(), VALUES, "M", age=None).notes == ()     # the session's "unknown" wins
    Pred.clinical_used = {"used": {"age": 61.0}}
    assert "Sinus tachycardia, 115 bpm" in interpret_prediction(Pred(), VALUES, "M").text()


def test_the_training_data_count_is_ptbxls_own(ptbxl_root):
    with (ptbxl_root / "ptbxl_database.csv").open(newline="") as fh:
        ages = [row["age"] for row in csv.DictReader(fh)]
    assert len(ages) == PTBXL_RECORDS
    assert sum(1 for a in ages if a and float(a) < 16) == PTBXL_UNDER_16


@pytest.mark.slow
def test_ptbxl_children_lose_their_adult_flags_and_rule_statements(ptbxl_root):
    """Real children of PTB-XL folds 1-9, measured: 16941 (15 y, fold 6; its report "rechtstyp ... lagetyp
    in anbetracht des alters normal", a right axis normal for the age) and 01106 (3 y, fold 3, 111 bpm;
    "normal ecg for age")."""
    import mirage_model as mm
    from mirage_model.measure import measure

    for rec, age, key, adult_words in (("records100/16000/16941_lr", 15.0, "qrs_axis_deg", "Right axis deviation"),
                                       ("records100/01000/01106_lr", 3.0, "heart_rate_bpm", None)):
        record = mm.load_record(ptbxl_root / f"{rec}.hea")
        assert record.age == age                          # from ptbxl_database.csv
        m = measure(record)
        before = {r["key"]: r["flag"] for r in rm.measurement_rows(m, sex=record.sex)}
        after = {r["key"]: r["flag"] for r in rm.measurement_rows(m, sex=record.sex, age=record.age)}
        assert before[key] == "high" and not after[key]
        assert {k for k, f in after.items() if f} <= {"pr_ms", "qrs_ms", "qtc_bazett_ms", "qtc_fridericia_ms",
                                                       "qtc_framingham_ms"}
        it = interpret_prediction(None, m, record.sex, age=record.age)
        assert it.notes[0].startswith(f"Paediatric ECG (age {age:g})")
        # no rule citing an adult limit alone (the rules alone leave "Rhythm not classified" with the rate)
        cited = ("Mason", "Surawicz", "Rautaharju", "Priori")
        assert [s.text for s in it.statements if s.rule and any(c in s.rule for c in cited)
                and "Wenning" not in s.rule] == []
        if adult_words:
            assert adult_words in interpret_prediction(None, m, record.sex, age=None).text()
            assert adult_words not in it.text()


# ----------------------------------------------------------------------------------------------- the faces

@pytest.fixture(scope="module")
def statements_predictor(tmp_path_factory):
    import mirage_model as mm
    from helpers_models import make_tiny_checkpoint

    labels = ["NORM", "SR", "STACH", "1AVB", "CLBBB"]
    return mm.Predictor(make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "stmts", labels=labels,
                                             clinical=("age", "sex")), device="cpu")


def _session(record, age, predictor=None):
    from mirage_model.review.session import ReviewSession

    s = ReviewSession(record)
    s.set_value("age", "" if age is None else str(age))
    s.accept_measurements(s.id, _measurements(**VALUES))
    if predictor is not None:
        s.set_model(predictor.schema, predictor.name)
        s.accept_prediction(s.ticket(), predictor.predict(record, s.model_values(), explain=False))
    return s


def test_the_pdf_says_paediatric_and_flags_nothing(tmp_path, record, statements_predictor):
    pypdf = pytest.importorskip("pypdf")
    from mirage_model.review.report import build_report

    def pages(age):
        out = build_report(_session(record, age, statements_predictor), tmp_path / f"r{age}.pdf")
        return [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(str(out)).pages]

    child_pages, adult_pages = pages(4), pages(None)
    child, adult = child_pages[0], adult_pages[0]
    # the line under the block, in the wording that fits (the full one under the measurement table, on its page)
    table = next(k + 1 for k, text in enumerate(child_pages) if k and "Interval measurements" in text)
    assert ("Age 4: paediatric ECG, axis not flagged" in child or f"Age 4: paediatric limits (page {table})." in child)
    # PR 210 ms and QTc 470 ms (Bazett) bold with an arrow up, nothing low; the rate and axis plain
    assert child.count("\u2191") == 2 and "\u2193" not in child and "outside the adult range" not in child
    assert re.search(r"Paediatric ECG \(age 4\): adult rate,? [^.]*models trained on adults", child)
    assert "Sinus tachycardia" not in child and "Right axis deviation" not in child
    # the model's first degree AV block with the PR that supports it; the QTc by the rule, Wenning cited
    assert "First degree AV block (PR 210 ms)" in child
    assert "Prolonged QTc (470 ms, Bazett) [rule" in child          # the rule in full on page 3
    assert "outside the adult range (age unknown)" in adult and "\u2191" in adult
    assert "Right axis deviation (100 deg)" in adult and "Paediatric" not in adult
    # page 3: the interpretation in full, the note first; the measurement table's ranges
    rest = " ".join(child_pages[1:])
    assert CHILD_NOTE in rest and "trained on adults" in rest
    assert "QTc 470 ms >= 460 ms at age 4: < 460 ms (women): the adult upper limit, above a child's" in rest
    assert f"Reference ranges, {CHILD_RANGE}" in rest
    assert f"< {ADULT_QTC_MS['F']:g} ms (women): the adult upper limit, above a child's 440 ms" in rest
    assert "Adult reference ranges" not in rest
    rest = " ".join(adult_pages[1:])
    assert "Adult reference ranges (age unknown): 50-100 bpm (Mason et al. 2007);" in rest
    assert rest.count("age unknown") == 1


def test_the_pdf_of_a_3_month_old_holds_his_qtc_to_the_infants_limit(tmp_path, record, statements_predictor):
    """Age 0.25 (a file's birth date 3 months before its ECG, test_formats_ages.py): QTc 470 ms lies within
    the infant's 490 ms (a man's 450 ms or a woman's 460 ms would flag it), so only the PR of 210 ms is
    bold with an arrow; the header, band and footer say "3 months", not "0.25"."""
    pypdf = pytest.importorskip("pypdf")
    from mirage_model.review.report import build_report

    out = build_report(_session(record, 0.25, statements_predictor), tmp_path / "infant.pdf")
    pages = [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(str(out)).pages]
    first, rest = pages[0], " ".join(pages[1:])
    assert "Age: 3 months" in first and "0.25" not in first
    assert "Age 3 months: paediatric" in first
    assert first.count("\u2191") == 1 and "\u2193" not in first            # PR 210 ms only
    assert "Prolonged QTc" not in first and "Prolonged QTc" not in rest
    assert f"<= {INFANT_QTC_MS:g} ms under 6 months of age" in rest
    assert "Paediatric ECG (age 3 months): adult rate" in rest
    assert all("(ID PTB-XL patient 4938, F, 3 months)" in page for page in pages)   # every page's footer


def test_the_app_says_paediatric_and_flags_nothing(qtbot, record):
    pytest.importorskip("pytestqt")
    from app.views.interpretation import interpretation_html
    from app.views.measurements import MeasurementsPanel

    panel = MeasurementsPanel()
    qtbot.addWidget(panel)
    session = _session(record, None)
    panel.set_session(session)
    assert panel._flags                                   # adult ranges: 115 bpm and +100 deg flagged
    session.set_value("age", "4")                         # the lab form's edit: the panel follows it
    bold = {panel.table.item(r, 0).text() for r in range(panel.table.rowCount())
            if panel.table.item(r, 1).font().bold()}
    assert bold == {"PR (ms)", "QTc Bazett (ms)"}           # PR 210 ms, QTc 470 ms; not the rate or axis
    assert panel.note.text().startswith(f"{CHILD_RANGE[:1].upper()}{CHILD_RANGE[1:]}; the rate by a child's centiles "
                                      "for age, PR, QRS and QTc by a child's")
    tips = [panel.table.item(r, 1).toolTip() for r in range(panel.table.rowCount())]
    assert "65-131 bpm at 4-6 years" in tips[0] and "Fleming" in tips[0]      # the rate: a 4-year-old's centiles
    assert any(CHILD_RANGE in tip for tip in tips[1:])                         # the axis: no limit
    html = interpretation_html(session)
    assert CHILD_NOTE in html and html.index(CHILD_NOTE) < html.index("<ol")
    assert "Sinus tachycardia" not in html and "Right axis deviation" not in html
    panel.set_session(None)


def test_mirage_score_says_paediatric_in_its_interpretation_column(tmp_path, record, capsys):
    """A child's row says "[paediatric: adult limits not applied]" (the long note was repeated in every
    child's cell); the run's summary says what it means once."""
    from helpers_models import make_tiny_checkpoint
    from training_cli.main import main

    import mirage_model as mm

    folder = tmp_path / "records"
    folder.mkdir()
    sample = next(p for p in mm.sample_records() if p.stem == "00417_lr")
    for ext in (".hea", ".dat"):
        shutil.copy(sample.with_suffix(ext), folder / f"00417_lr{ext}")
    ckpt = make_tiny_checkpoint(tmp_path / "ckpt", labels=["NORM", "SR", "STACH"], clinical=("age", "sex"))
    out = tmp_path / "r.csv"
    # 48 months: 4 years; 3 months: 0.25 (age_used had 1 decimal: 0.2); none: the file's 75 years
    for age, child, used in (("48", True, "4.0"), ("3", True, "0.25"), ("", False, None)):
        labs = tmp_path / "labs.csv"
        labs.write_text(f"record_id,age [months]\n00417_lr,{age}\n")
        assert main(["score", str(folder), "--model", str(ckpt), "--out", str(out), "--no-progress",
                     "--labs", str(labs), "--overwrite", "--statements-model", "none"]) == 0
        with out.open(newline="", encoding="utf-8-sig") as fh:
            row = next(csv.DictReader(fh))
        assert row["interpretation"].startswith("[paediatric: adult limits not applied] ") is child, \
            row["interpretation"]
        assert used is None or row["age_used"] == used
        assert "Paediatric ECG" not in row["interpretation"] and "Wenning" not in row["interpretation"]
        printed = capsys.readouterr().out
        said = [line for line in printed.splitlines() if "paediatric: adult limits not applied" in line]
        assert len(said) == child, printed
        if child:
            assert said[0].startswith('1 record of children: its interpretation\'s "[paediatric: adult limits '
                                      'not applied]" means: adult rate, axis and lower limits not applied')
            assert "Wenning" in said[0] and "trained on adults" in said[0]


# ------------------------------------------------------------------------------- rate-dependent rules (0ceba3c)

def _at(hr: float, qt: float) -> dict:
    """Measurements at ``hr`` bpm with QT ``qt`` ms, the QTc worked by their formulas (Bazett QT / sqrt(RR s),
    Fridericia QT / cbrt(RR s)); a sinus rhythm's PR and a narrow QRS."""
    rr = 60.0 / hr
    return dict(heart_rate_bpm=hr, rr_ms=1000.0 * rr, pr_ms=110.0, qrs_ms=70.0, qt_ms=qt,
                qtc_bazett_ms=qt / rr ** 0.5, qtc_fridericia_ms=qt / rr ** (1 / 3), qrs_axis_deg=60.0)


# age, rate, QT and the Bazett and Fridericia QTc worked by hand (RR 0.375 s: sqrt 0.6124, cbrt 0.7211; RR 0.4615 s:
# sqrt 0.6794, cbrt 0.7728)
@pytest.mark.parametrize("age, hr, qt, bazett, fridericia", [(1.0, 160.0, 300.0, 489.9, 416.0),
                                                             (6.0, 130.0, 330.0, 485.7, 427.0)])
def test_a_childs_qtc_is_bazetts_at_any_rate(age, hr, qt, bazett, fridericia):
    """An infant's normal rate is above 120 bpm (Fleming et al. 2011: median 145 bpm at one month), the child's QTc
    limits are Bazett's (Wenning), and in children Bazett's QTc is the least rate-dependent (Phan et al. 2015). Above
    120 bpm the adults' Fridericia hid the long QT: a 1-year-old at 160 bpm with a QTc of 490 ms by Bazett (416 ms by
    Fridericia) read no prolonged QTc at all. Now Bazett's, unmarked (no "Bazett above 120 bpm" doubt), the formula's
    reason in the rule; an adult's at those rates stays Fridericia's."""
    m = _at(hr, qt)
    assert abs(m["qtc_bazett_ms"] - bazett) < 0.1 and abs(m["qtc_fridericia_ms"] - fridericia) < 0.1
    child = interpret(["SR"], [0.9], [0.5], m, "M", age=age)
    q = [s for s in child.statements if s.text.startswith("Prolonged QTc")]
    assert [(s.text, s.note) for s in q] == [(f"Prolonged QTc ({bazett:.0f} ms, Bazett)", None)]
    assert "Bazett at any rate below 16 years (Phan et al. 2015" in q[0].rule
    adult = interpret(["SR"], [0.9], [0.5], m, "M", age=40)
    assert not any(s.text.startswith("Prolonged QTc") for s in adult.statements)      # Fridericia < 450 ms
    # a child's QTc within the limits by Bazett: nothing said
    calm = interpret(["SR"], [0.9], [0.5], _at(hr, qt - 40.0), "M", age=age)
    assert not any("QTc" in s.text for s in calm.statements)


def _flutter_at(per_min: float):
    from mirage_model.measure.atrial import AtrialActivity

    return AtrialActivity(("II", "III", "aVF", "V1"), np.full(4, per_min / 60.0), np.full(4, 0.85))


def test_a_childs_flutter_needs_more_than_twice_the_rate():
    """A child's normal rate puts the second harmonic of its P and T waves in the flutter band (a 1-year-old at
    160 bpm: 320/min): the flutter rule replaced the model's atrial fibrillation with "Atrial flutter, atrial rate
    320/min, ventricular rate 160 bpm". Below 16 years it needs the atrial rate at least 2.5 times the ventricular
    (3:1, 4:1); at 2:1 the rhythm said stands, with the reason in the resolved list. An adult's, and a child's at 3:1,
    as before."""
    af = dict(irregular=True, rr_nrmssd=0.2)
    child = interpret(["AFIB"], [0.9], [0.5], _at(160.0, 250.0) | {"pr_ms": None}, "M", age=1.0,
                      atrial_activity=_flutter_at(320.0), **af)
    assert child.statements[0].text.startswith("Atrial fibrillation, 160 bpm")
    assert any(r.startswith("atrial flutter from the atrial activity not stated: regular atrial activity at 320/min "
                            "is 2.0 times the ventricular rate 160 bpm") for r in child.resolved)
    adult = interpret(["AFIB"], [0.9], [0.5], _at(160.0, 250.0) | {"pr_ms": None}, "M", age=40.0,
                      atrial_activity=_flutter_at(320.0), **af)
    assert adult.statements[0].text.startswith("Atrial flutter, atrial rate 320/min")
    three = interpret(["AFIB"], [0.9], [0.5], _at(100.0, 330.0) | {"pr_ms": None}, "M", age=8.0,
                      atrial_activity=_flutter_at(300.0), **af)
    assert three.statements[0].text.startswith("Atrial flutter, atrial rate 300/min, ventricular rate 100 bpm")


def test_a_childs_measurement_notes_say_bazetts_qtc_at_any_rate_as_the_rule_does(tmp_path, qtbot):
    """A regular rhythm at 133 bpm (RR 450 ms, synthetic) carries the measurement's note "QTc Bazett unreliable:
    heart rate 133 bpm > 120": an adult's QTc there is Fridericia's (Rautaharju et al. 2009), and that note stands.
    A child's QTc is Bazett's at any rate (the rule, Phan et al. 2015: ``test_a_childs_qtc_is_bazetts_at_any_rate``),
    so the app's measurement panel, the PDF's measurement table and the rule say the same words and nothing calls
    that QTc unreliable (an adult's is marked so, with the note's words)."""
    pytest.importorskip("pytestqt")
    pypdf = pytest.importorskip("pypdf")
    from test_measure import synthetic_record

    from app.views.measurements import MeasurementsPanel
    from mirage_model.measure import measure
    from mirage_model.review.report import build_report
    from mirage_model.review.session import ReviewSession

    rec, _ = synthetic_record(rr_ms=450, pr_ms=120, qt_ms=280)          # 133 bpm, as the rhythm was built
    m = measure(rec)
    assert m.heart_rate_bpm == pytest.approx(133.3, abs=1) and any("Bazett unreliable" in n for n in m.notes)
    rule = interpret(["SR"], [0.9], [0.5], m.as_dict() | {"qtc_bazett_ms": 470.0}, "M", age=1.0)
    words = "Bazett at any rate below 16 years (Phan et al. 2015: Bazett's QTc the least rate-dependent in children)"
    assert any(words in (s.rule or "") for s in rule.statements if s.text.startswith("Prolonged QTc"))
    panel = MeasurementsPanel()
    qtbot.addWidget(panel)
    for age, child in ((None, False), (40, False), (1, True)):
        s = ReviewSession(rec)
        s.set_value("age", "" if age is None else str(age))
        s.accept_measurements(s.id, m)
        panel.set_session(s)
        pdf = build_report(s, tmp_path / f"r{age}.pdf")
        text = " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(str(pdf)).pages)
        for said in (panel.note.text(), text):
            # an adult's Bazett QTc marked unreliable, the note's words beside the mark (``measurement_rows``)
            assert (f"Unreliable (?): QTc Bazett: heart rate {m.heart_rate_bpm:g} bpm > 120" in said) is not child, said
            assert (f"QTc {words}: heart rate {m.heart_rate_bpm:g} bpm" in said) is child, said
        # the other notes as measured
        others = [n for n in m.notes if "Bazett" not in n]
        assert [n for n in rm.measurement_notes(m, age) if "Bazett" not in n] == others
    panel.set_session(None)
