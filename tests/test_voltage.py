"""QRS voltage (``measure.voltage``) and its rules (``review.interpret``): synthetic records of known R and S
amplitudes, the cited limits at and beside them (Hancock et al. 2009; low voltage < 0.5 mV in every limb lead,
< 1.0 mV in every precordial lead), and the records where the rules must not fire (LBBB, paced, children)."""

from __future__ import annotations

import numpy as np
import pytest

from mirage_model.measure import measure, qrs_voltage
from mirage_model.records import STANDARD_LEADS, EcgRecord
from mirage_model.review.interpret import STATEMENTS, interpret
from mirage_model.review.measurements import flag, measurement_rows, reference_range

FS = 500.0
CODES = list(STATEMENTS)
NORMAL_MV = {"pr_ms": 160.0, "qrs_ms": 90.0, "sokolow_lyon_mv": 2.0, "cornell_mv": 1.0, "qrs_limb_mv": 1.2,
             "qrs_precordial_mv": 2.0}


def _hump(n: int) -> np.ndarray:
    """A sine-squared hump of n samples whose peak is exactly 1 (n odd)."""
    return np.sin(np.pi * (np.arange(n) + 0.5) / n) ** 2


def voltage_record(r_mv: dict, s_mv: dict, seconds: float = 10.0, seed: int = 0) -> EcgRecord:
    """12 leads of identical beats, each lead's QRS an R hump of ``r_mv[lead]`` then an S trough of ``s_mv[lead]``
    (mV against a flat PR segment), with a P and a T wave: the truth the voltages must read."""
    rng = np.random.default_rng(seed)
    T = int(seconds * FS)
    p, r, s, t = _hump(51), _hump(21), _hump(21), _hump(91)         # 102, 42, 42, 182 ms
    sig = np.zeros((12, T))
    for start in range(150, T - 400, 500):                           # 120 bpm
        q0 = start + 80                                              # PR 160 ms
        for li, lead in enumerate(STANDARD_LEADS):
            sig[li, start:start + 51] += 0.1 * p
            sig[li, q0:q0 + 21] += r_mv[lead] * r
            sig[li, q0 + 21:q0 + 42] -= s_mv[lead] * s
            sig[li, q0 + 110:q0 + 201] += 0.2 * t
    sig += 0.003 * rng.standard_normal(sig.shape)
    return EcgRecord(signal=sig.astype(np.float32), fs=FS, sig_name=list(STANDARD_LEADS), record_id="voltage")


def run(pos: dict, meas: dict, sex=None, **kw):
    probs = [pos.get(c, 0.01) for c in CODES]
    return interpret(CODES, probs, [0.3] * len(CODES), {"heart_rate_bpm": 70.0, **meas}, sex, **kw)


def texts(it) -> list[str]:
    return [s.text for s in it.statements]


LVH_R = {**{ld: 0.6 for ld in STANDARD_LEADS}, "aVL": 0.9, "V5": 2.0, "V6": 2.5}
LVH_S = {**{ld: 0.3 for ld in STANDARD_LEADS}, "V1": 1.6, "V3": 1.3}


def test_sokolow_lyon_and_cornell_read_the_known_amplitudes():
    m = measure(voltage_record(LVH_R, LVH_S))
    # SV1 1.6 + max(RV5 2.0, RV6 2.5) = 4.1 mV; RaVL 0.9 + SV3 1.3 = 2.2 mV
    assert m.sokolow_lyon_mv == pytest.approx(4.1, abs=0.08)
    assert m.cornell_mv == pytest.approx(2.2, abs=0.05)
    v = qrs_voltage(m.median)
    assert v.r[STANDARD_LEADS.index("V6")] == pytest.approx(2.5, abs=0.05)
    assert v.s[STANDARD_LEADS.index("V1")] == pytest.approx(1.6, abs=0.05)
    rows = {r["key"]: r for r in measurement_rows(m, sex="M", age=50)}
    assert rows["sokolow_lyon_mv"]["flag"] == "high" and rows["sokolow_lyon_mv"]["unit"] == "mV"
    assert rows["sokolow_lyon_mv"]["shown"] == f"{m.sokolow_lyon_mv:.2f}"
    assert rows["cornell_mv"]["flag"] == ""                        # a man's limit: > 2.8 mV


def test_a_record_with_limb_qrs_of_0_4_mv_reads_low_voltage_in_the_limb_leads():
    r = {**{ld: 0.25 for ld in STANDARD_LEADS[:6]}, **{ld: 0.9 for ld in STANDARD_LEADS[6:]}}
    s = {**{ld: 0.15 for ld in STANDARD_LEADS[:6]}, **{ld: 0.5 for ld in STANDARD_LEADS[6:]}}
    m = measure(voltage_record(r, s))
    assert m.qrs_limb_mv == pytest.approx(0.4, abs=0.03)           # 0.25 + 0.15 p-p in every limb lead
    assert m.qrs_precordial_mv == pytest.approx(1.4, abs=0.05)
    rows = {row["key"]: row for row in measurement_rows(m, age=60)}
    assert rows["qrs_limb_mv"]["flag"] == "low" and rows["qrs_precordial_mv"]["flag"] == ""
    it = interpret(CODES, [0.9 if c in ("SR", "NORM") else 0.01 for c in CODES], [0.3] * len(CODES), m.as_dict(),
                   age=60)
    said = texts(it)
    assert "Low QRS voltage (limb leads)" in said
    assert not any(t.startswith("Normal ECG") for t in said)
    low = next(s for s in it.statements if s.text.startswith("Low QRS voltage"))
    assert low.source == "measurement" and "< 0.5 mV" in low.rule and "Mason et al. 2007" in low.rule


def test_low_voltage_at_exactly_its_limits_is_not_low_and_just_below_is():
    at = run({"SR": 0.9}, {**NORMAL_MV, "qrs_limb_mv": 0.5, "qrs_precordial_mv": 1.0})
    assert not any(t.startswith("Low QRS voltage") for t in texts(at))
    below = run({"SR": 0.9}, {**NORMAL_MV, "qrs_limb_mv": 0.499, "qrs_precordial_mv": 0.999})
    assert "Low QRS voltage (limb and precordial leads)" in texts(below)
    low = next(s for s in below.statements if s.text.startswith("Low QRS voltage"))
    assert "0.499 mV < 0.5 mV" in low.rule                        # the decimals its comparison needs
    only = run({"SR": 0.9}, {**NORMAL_MV, "qrs_precordial_mv": 0.8})
    assert "Low QRS voltage (precordial leads)" in texts(only)


def test_sokolow_lyon_at_3_5_mv_is_voltage_lvh_and_cornell_at_2_8_mv_in_a_man_is_not():
    at = run({"SR": 0.9}, {**NORMAL_MV, "sokolow_lyon_mv": 3.5}, sex="M")
    assert "Voltage criteria for left ventricular hypertrophy (Sokolow-Lyon 3.50 mV)" in texts(at)
    lvh = next(s for s in at.statements if s.text.startswith("Voltage criteria"))
    assert ">= 3.5 mV" in lvh.rule and "Hancock et al. 2009" in lvh.rule and lvh.group == "hypertrophy"
    assert not any(t.startswith("Voltage criteria") for t in texts(run({"SR": 0.9}, {**NORMAL_MV, "sokolow_lyon_mv":
                                                                                     3.49}, sex="M")))
    assert not any(t.startswith("Voltage criteria") for t in texts(run({"SR": 0.9}, {**NORMAL_MV, "cornell_mv": 2.8},
                                                                           sex="M")))


def test_a_womans_cornell_of_2_2_mv_is_flagged_a_mans_is_not_and_without_sex_none_is():
    assert flag("cornell_mv", 2.2, "F") == "high"
    assert flag("cornell_mv", 2.2, "M") == ""
    assert flag("cornell_mv", 2.0, "F") == ""                     # above 2.0 mV, not at it
    assert flag("cornell_mv", 3.5, None) == ""
    assert reference_range("cornell_mv", None).text.startswith("sex not given: no limit")
    rows = {r["key"]: r for r in measurement_rows(None, {"cornell_mv": 2.2}, sex=None)}
    assert rows["cornell_mv"]["ref_cell"] == "not applied"
    woman = run({"SR": 0.9}, {**NORMAL_MV, "cornell_mv": 2.2}, sex="F")
    assert "Voltage criteria for left ventricular hypertrophy (Cornell 2.20 mV)" in texts(woman)
    assert not any(t.startswith("Voltage criteria") for t in texts(run({"SR": 0.9}, {**NORMAL_MV, "cornell_mv": 2.2},
                                                                           sex="M")))


def test_voltage_lvh_is_not_said_beside_lbbb_pacing_a_child_or_the_models_own_lvh():
    tall = {**NORMAL_MV, "sokolow_lyon_mv": 4.1, "qrs_ms": 150.0}
    lbbb = run({"SR": 0.9, "CLBBB": 0.9}, tall, sex="M")
    assert not any(t.startswith("Voltage criteria") for t in texts(lbbb))
    assert any("not read beside" in r and "left bundle branch block" in r for r in lbbb.resolved)
    paced = run({"PACE": 0.9}, tall, sex="M")
    assert not any(t.startswith("Voltage criteria") for t in texts(paced))
    assert any("voltage criteria for left ventricular hypertrophy (Sokolow-Lyon 4.10 mV)" in r
               and "ventricular-paced QRS" in r for r in paced.resolved)
    child = run({"SR": 0.9}, {**NORMAL_MV, "sokolow_lyon_mv": 4.1, "qrs_limb_mv": 0.4}, sex="M", age=10)
    assert not any(t.startswith(("Voltage criteria", "Low QRS voltage")) for t in texts(child))
    assert any("age 10, adult voltage limits not applied" in r for r in child.resolved)
    assert flag("sokolow_lyon_mv", 4.1, "M", age=10) == ""
    own = run({"SR": 0.9, "LVH": 0.8}, {**NORMAL_MV, "sokolow_lyon_mv": 4.1}, sex="M")
    assert sum(s.code == "LVH" or s.text.startswith("Voltage criteria") for s in own.statements) == 1
    own_low = run({"SR": 0.9, "LVOLT": 0.8}, {**NORMAL_MV, "qrs_limb_mv": 0.4})
    assert sum("voltage" in s.text.lower() for s in own_low.statements) == 1


def test_voltage_lvh_is_not_said_beside_the_models_wolff_parkinson_white_pattern():
    """Pre-excitation changes the QRS voltages as a left bundle branch block does: beside the model's WPW the voltage
    criteria are not read (the resolved list says why); without it the same voltage reads them."""
    tall = {**NORMAL_MV, "cornell_mv": 2.53, "qrs_ms": 117.0, "pr_ms": 100.0}
    wpw = run({"SR": 0.9, "WPW": 0.9}, tall, sex="F")
    assert not any(t.startswith("Voltage criteria") for t in texts(wpw))
    assert any("voltage criteria for left ventricular hypertrophy (Cornell 2.53 mV) not stated: not read beside "
               "Wolff-Parkinson-White pattern (90%)" in r for r in wpw.resolved)
    assert "Voltage criteria for left ventricular hypertrophy (Cornell 2.53 mV)" in texts(run({"SR": 0.9}, tall,
                                                                                               sex="F"))


def test_voltage_rules_are_marked_when_the_amplitudes_are_in_doubt_and_keep_normal_ecg_away():
    it = run({"SR": 0.9, "NORM": 0.9}, {**NORMAL_MV, "sokolow_lyon_mv": 6.0}, sex="M",
             amplitudes="every lead taller than a heart gives")
    lvh = next(s for s in it.statements if s.text.startswith("Voltage criteria"))
    assert lvh.note.startswith("unreliable: amplitudes in doubt")
    assert not any(t.startswith("Normal ECG") for t in texts(it))
    assert any(t.startswith("Normal ECG") for t in texts(run({"SR": 0.9, "NORM": 0.9}, NORMAL_MV, sex="M")))


def test_leads_scaled_to_one_size_read_no_voltage_rule_whatever_else_the_check_found():
    """Every lead scaled to one size ("amplitude_scaled") and taller than a heart gives ("amplitude_high") on one
    report: the measurement table then flags no voltage (``amplitudes_not_in_mv``, by the finding's code), and no
    voltage rule is read either, the resolved list saying why in the scaled finding's words. The rules had looked for
    "amplitudes not in mV" in the words of the first finding, "amplitude_high"'s, and said "Voltage criteria for left
    ventricular hypertrophy" (marked) beside a table that flagged nothing."""
    from mirage_model.quality.findings import NOT_IN_MV, Finding, QualityReport
    from mirage_model.review.interpret import interpret_prediction
    from mirage_model.review.measurements import amplitudes_not_in_mv

    high = Finding("amplitude_high", "beats taller than a heart gives in every lead (typical lead 6.0 mV): gain or "
                   "units wrong?", "warning", ())
    scaled = Finding("amplitude_scaled", f"every lead scaled to the same size (6.00 mV peak-to-peak): {NOT_IN_MV}",
                     "warning", ())
    quality = QualityReport("usable", "", (high, scaled))
    tall = {**NORMAL_MV, "heart_rate_bpm": 70.0, "sokolow_lyon_mv": 6.0}
    assert flag("sokolow_lyon_mv", 6.0, "M") == "high"
    assert flag("sokolow_lyon_mv", 6.0, "M", scaled=amplitudes_not_in_mv(quality)) == ""      # the table's
    it = interpret_prediction(None, tall, "M", quality=quality)
    assert not any("voltage" in t.lower() for t in texts(it)), texts(it)
    assert ("voltage criteria for left ventricular hypertrophy (Sokolow-Lyon 6.00 mV) not stated: a measurement from "
            "amplitudes not in mV (quality check: every lead scaled to the same size, 6.00 mV peak-to-peak)"
            in it.resolved), it.resolved
