"""QRS voltage (``measure.voltage``) and its reference ranges (``review.measurements``): synthetic records of known R
and S amplitudes, and the cited limits at and beside them (Hancock et al. 2009; low voltage < 0.5 mV in every limb
lead, < 1.0 mV in every precordial lead)."""

from __future__ import annotations

import numpy as np
import pytest

from mirage_model.measure import measure, qrs_voltage
from mirage_model.records import STANDARD_LEADS, EcgRecord
from mirage_model.review.measurements import flag, measurement_rows, reference_range

FS = 500.0


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


def test_a_record_with_limb_qrs_of_0_4_mv_is_flagged_low_in_the_table():
    r = {**{ld: 0.25 for ld in STANDARD_LEADS[:6]}, **{ld: 0.9 for ld in STANDARD_LEADS[6:]}}
    s = {**{ld: 0.15 for ld in STANDARD_LEADS[:6]}, **{ld: 0.5 for ld in STANDARD_LEADS[6:]}}
    m = measure(voltage_record(r, s))
    assert m.qrs_limb_mv == pytest.approx(0.4, abs=0.03)           # 0.25 + 0.15 p-p in every limb lead
    assert m.qrs_precordial_mv == pytest.approx(1.4, abs=0.05)
    rows = {row["key"]: row for row in measurement_rows(m, age=60)}
    assert rows["qrs_limb_mv"]["flag"] == "low" and rows["qrs_precordial_mv"]["flag"] == ""


def test_a_womans_cornell_of_2_2_mv_is_flagged_a_mans_is_not_and_without_sex_none_is():
    assert flag("cornell_mv", 2.2, "F") == "high"
    assert flag("cornell_mv", 2.2, "M") == ""
    assert flag("cornell_mv", 2.0, "F") == ""                     # above 2.0 mV, not at it
    assert flag("cornell_mv", 3.5, None) == ""
    assert reference_range("cornell_mv", None).text.startswith("sex not given: no limit")
    rows = {r["key"]: r for r in measurement_rows(None, {"cornell_mv": 2.2}, sex=None)}
    assert rows["cornell_mv"]["ref_cell"] == "not applied"
