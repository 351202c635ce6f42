"""The LVH voltage candidates of ``scripts/voltage_agreement.py`` (task lvhage: today's criteria, an age limit, the
Cornell product) against values worked by hand, and the rule the folds 1-8 figures chose (today's: no age limit, the
Cornell voltage) as the interpretation and the measurement table say it."""

from __future__ import annotations

import pytest
from helpers_scripts import load_script

from mirage_model.review.interpret import STATEMENTS, interpret
from mirage_model.review.measurements import flag, measurement_rows

CODES = list(STATEMENTS)
NORMAL_MV = {"pr_ms": 160.0, "qrs_ms": 90.0, "sokolow_lyon_mv": 2.0, "cornell_mv": 1.0, "qrs_limb_mv": 1.2,
             "qrs_precordial_mv": 2.0}


@pytest.fixture(scope="module")
def va():
    return load_script("voltage_agreement")


def row(sex="M", age=60.0, sok=2.0, cor=1.0, qrs=90.0, labels=(), set_="random", **kw) -> dict:
    return {**dict(sex=sex, age=age, sokolow_lyon_mv=sok, cornell_mv=cor, qrs_ms=qrs, labels=list(labels), set=set_,
                   before=["Sinus rhythm", "Normal ECG"], after=["Sinus rhythm", "Normal ECG"], normal_low=True,
                   lvh_sayable=True), **kw}


def test_the_cornell_product_is_molloys_with_0_8_mv_added_for_women(va):
    # a woman: (1.60 + 0.8 mV) x 10 mm/mV x 100 ms = 2400 mm*ms, not above 2440; (1.65 + 0.8) x 10 x 100 = 2450 is
    assert va.cornell_product(row("F", cor=1.6, qrs=100.0)) == pytest.approx(2400.0)
    assert not va.candidates(row("F", cor=1.6, qrs=100.0))["c"]
    assert va.candidates(row("F", cor=1.65, qrs=100.0))["c"]
    # a man: 2.44 mV x 10 x 100 ms = 2440, not above; 2.45 mV is; the Cornell voltage (a) needs above 2.8 mV
    assert not va.candidates(row("M", cor=2.44, qrs=100.0))["c"]
    flags = va.candidates(row("M", cor=2.45, qrs=100.0))
    assert flags["c"] and not flags["a"]
    # no product without the sex or the QRS duration
    assert va.cornell_product(row(None, cor=3.0)) is None and va.cornell_product(row(qrs=None, cor=3.0)) is None


def test_the_age_limits_leave_out_the_young_an_unknown_age_is_applied_and_a_child_never(va):
    young = va.candidates(row(age=25.0, sok=3.8))
    assert young["a"] and young["c"] and not any(young[f"{k}{n}"] for k in "bd" for n in (30, 35, 40))
    at_35 = va.candidates(row(age=35.0, sok=3.8))
    assert at_35["b30"] and at_35["b35"] and not at_35["b40"]
    assert all(va.candidates(row(age=60.0, sok=3.8)).values())
    assert all(va.candidates(row(age=None, sok=3.8)).values())
    assert not any(va.candidates(row(age=10.0, sok=3.8)).values())


def test_the_candidate_report_counts_sensitivity_precision_and_normal_ecg_lost_as_worked_by_hand(va):
    rows = [row(sok=3.6, labels=["VCLVH", "LVH"], before=["Sinus rhythm"]),  # (a) true positive, random
            row(age=25.0, sok=3.6, labels=["NORM"]),                         # (a) false positive, young: Normal lost
            row(age=25.0, sok=3.6, labels=["NORM"], lvh_sayable=False),      # flagged, not said (the model's own)
            row(sok=2.0, labels=["LVH"]),                                    # missed
            row(sok=3.6, labels=["VCLVH"], set_="labelled")]                 # sensitivity only
    rows[1]["after"] = ["Sinus rhythm", "Voltage criteria for left ventricular hypertrophy (Sokolow-Lyon 3.60 mV)"]
    lines = {ln.split(")")[0].strip(" ("): [c.strip() for c in ln.split(") ", 1)[1].split(" | ")]
             for ln in va.candidate_report(rows)[1:-1]}
    # (a): VCLVH 2 of 2 flagged; LVH|VCLVH 2 of 3; random positives 3: VCLVH 1, LVH|VCLVH 1; "Normal ECG" said
    # before the voltage rules on 3 random records, lost on 1 (the 25-year-old where the rule may speak)
    assert lines["a"] == ["2/2 (100%)", "2/3 (67%)", "1/3 (33%)", "1/3 (33%)", "1 of 3 (1 NORM)"]
    # (b30): the two 25-year-olds out: random positives 1, Normal lost none
    assert lines["b30"] == ["2/2 (100%)", "2/3 (67%)", "1/1 (100%)", "1/1 (100%)", "0 of 3 (0 NORM)"]
    assert "(a)'s 'Normal ECG' lost as the interpretation says it: 1" in va.candidate_report(rows)[-1]


def run(pos: dict, meas: dict, sex=None, **kw):
    probs = [pos.get(c, 0.01) for c in CODES]
    return interpret(CODES, probs, [0.3] * len(CODES), {"heart_rate_bpm": 70.0, **meas}, sex, **kw)


def lvh_said(it) -> list[str]:
    return [s.text for s in it.statements if s.source == "measurement" and s.text.startswith("Voltage criteria")]


@pytest.mark.parametrize("age", [25, 60])
def test_the_chosen_rule_has_no_age_limit_a_man_of_25_and_of_60_with_sokolow_lyon_3_8_mv_both_read_it(age):
    # folds 1-8 (scripts/voltage_agreement.py): no age limit raised the precision by 3 points, each cost sensitivity
    it = run({"SR": 0.9, "NORM": 0.9}, {**NORMAL_MV, "sokolow_lyon_mv": 3.8}, sex="M", age=age)
    assert lvh_said(it) == ["Voltage criteria for left ventricular hypertrophy (Sokolow-Lyon 3.80 mV)"]
    assert not any(s.text.startswith("Normal ECG") for s in it.statements)
    rows = {r["key"]: r for r in measurement_rows(None, {"sokolow_lyon_mv": 3.8}, sex="M", age=age)}
    assert rows["sokolow_lyon_mv"]["flag"] == "high"


def test_the_chosen_rule_reads_a_womans_cornell_voltage_not_its_product_either_side_of_2_0_mv():
    # at QRS 100 ms her Cornell product at 1.7 mV is (1.7 + 0.8) x 10 x 100 = 2500 mm*ms > 2440: not read
    for cornell, said in ((1.7, False), (2.0, False), (2.01, True)):
        it = run({"SR": 0.9}, {**NORMAL_MV, "qrs_ms": 100.0, "cornell_mv": cornell}, sex="F", age=60)
        assert bool(lvh_said(it)) is said, cornell
        assert (flag("cornell_mv", cornell, "F", 60) == "high") is said
