"""Low QRS voltage at PTB-XL's 100 Hz (task lowvolt, ``scripts/voltage_agreement.py``): a record at 500 Hz and its
100 Hz decimation read the same known QRS amplitude through the measurement path (which resamples a 100 Hz record to
500 Hz before it takes the median beat), so 100 Hz does not make the low-voltage rule fire; the script's 100 Hz /
500 Hz ratios read a QRS too narrow for 100 Hz as attenuated and a usual one as not; its reading of PTB-XL's report
text (German and English) for low voltage, against phrases written here."""

from __future__ import annotations

import numpy as np
import pytest
from helpers_scripts import load_script

from mirage_model.measure import measure
from mirage_model.records import STANDARD_LEADS, EcgRecord
from mirage_model.review.measurements import measurement_rows

FS = 500.0


@pytest.fixture(scope="module")
def va():
    return load_script("voltage_agreement")


def _hump(n: int) -> np.ndarray:
    """A sine-squared hump of n samples whose peak is exactly 1 (n odd)."""
    return np.sin(np.pi * (np.arange(n) + 0.5) / n) ** 2


def qrs_record(r_mv: float, s_mv: float, precordial_x: float, n: int = 21, seconds: float = 6.0) -> EcgRecord:
    """500 Hz, 12 leads of identical beats at 60 bpm: a P wave, a QRS of an R hump of ``r_mv`` (``n`` samples) then an
    S trough of ``s_mv`` in the limb leads and ``precordial_x`` times both in V1-V6, a T wave. The QRS p-p is
    r_mv + s_mv (limb) by construction: the truth both rates must read."""
    rng = np.random.default_rng(1)
    T = int(seconds * FS)
    sig = np.zeros((12, T))
    for start in range(150, T - 450, 500):
        q0 = start + 80
        for li in range(12):
            k = 1.0 if li < 6 else precordial_x
            sig[li, start:start + 51] += 0.08 * _hump(51)
            sig[li, q0:q0 + n] += k * r_mv * _hump(n)
            sig[li, q0 + n:q0 + 2 * n] -= k * s_mv * _hump(n)
            sig[li, q0 + 120:q0 + 211] += 0.15 * _hump(91)
    sig += 0.003 * rng.standard_normal(sig.shape)
    return EcgRecord(signal=sig.astype(np.float32), fs=FS, sig_name=list(STANDARD_LEADS), record_id="lowvolt")


@pytest.mark.parametrize("r_mv, s_mv, low", [(0.30, 0.15, True), (0.35, 0.25, False)])
def test_a_500_hz_record_and_its_100_hz_decimation_read_the_same_qrs_voltage(va, r_mv, s_mv, low):
    rec = qrs_record(r_mv, s_mv, precordial_x=3.0)                   # QRS 84 ms, limb p-p 0.45 / 0.60 mV
    at_100 = va.decimated(rec)
    assert at_100.fs == 100.0 and at_100.signal.shape[1] == rec.signal.shape[1] // 5
    truth = r_mv + s_mv
    for r in (rec, at_100):
        m = measure(r, fiducials=False)
        assert m.qrs_limb_mv == pytest.approx(truth, abs=0.03)
        assert m.qrs_precordial_mv == pytest.approx(3 * truth, abs=0.08)
        rows = {row["key"]: row for row in measurement_rows(m, age=60)}
        assert (rows["qrs_limb_mv"]["flag"] == "low") is low
        assert rows["qrs_precordial_mv"]["flag"] == ""


def test_the_decimation_ratio_reads_a_qrs_too_narrow_for_100_hz_and_not_a_usual_one(va):
    usual = qrs_record(0.5, 0.3, precordial_x=2.0, n=21)             # R and S 42 ms each
    narrow = qrs_record(0.5, 0.3, precordial_x=2.0, n=7)             # 14 ms each: most of it above 25 Hz
    rows = va.decimation_rows([], seconds=10.0)
    assert rows == []
    ratio = {}
    for name, rec in (("usual", usual), ("narrow", narrow)):
        n, d = va.qrs_pp(rec), va.qrs_pp(va.decimated(rec))
        assert n.shape == d.shape == (12,)
        ratio[name] = float(np.median(d / n))
    assert ratio["usual"] == pytest.approx(1.0, abs=0.03)
    assert ratio["narrow"] < 0.9


@pytest.mark.parametrize("text, says", [
    ("sinusrhythmus linkstyp periphere niederspannung unvollständiger linksschenkelblock", True),
    ("sinusrhythmus überdrehter linkstyp niederspannungs-ekg qrs(t) abnormal", True),
    ("sinus rhythm. low limb lead voltage. normal ecg.", True),
    ("rechtstyp, low voltage verzögerte r-progression", True),
    ("sinusrhythmus lagetyp normal periphere low voltage", True),
    ("förmaksflimmer/-fladder lÅga qrs amplituder i extremitetsavledningarna", True),
    ("sinusrytm laga qrs-amplituder i extremitetsavledningarna", True),
    ("sinus rhythm. normal ecg.", False),
    ("sinusrytm normalt ekg", False),
    ("sinusrhythmus linkstyp t flach in avf, niedrige t-wellen", False),
    ("low t wave amplitude in v5, v6", False),
    ("", False),
    (None, False),
])
def test_the_report_text_is_read_for_low_voltage_in_either_language(va, text, says):
    assert va.report_says_low(text) is says


def test_the_precision_against_the_report_counts_the_random_records_only(va):
    def row(ecg_id, limb, report, set_="random", labels=()):
        return dict(ecg_id=ecg_id, set=set_, labels=list(labels), report=report, sex="M", age=60.0,
                    qrs_limb_mv=limb, qrs_precordial_mv=2.0, sokolow_lyon_mv=2.0, cornell_mv=1.0,
                    model=[], after=[], before=[], low_said=False, lvh_said=False)
    rows = [row(1, 0.40, "periphere niederspannung"), row(2, 0.45, "sinus rhythm. normal ecg."),
            row(3, 0.60, "low limb lead voltage", labels=("LVOLT",)), row(4, 1.2, "normal ecg"),
            row(5, 0.30, "niederspannungs-ekg", set_="labelled")]
    lines = [ln for ln in va.report(rows) if ln.startswith("low voltage, limb leads vs the report")]
    # flagged random records 1 and 2, the report says it on 1; the reports of 1 and 3 say it, 1 flagged, 3 LVOLT
    assert len(lines) == 1 and "precision 1/2 (50%)" in lines[0]
    assert "says low voltage 1/2 (50%) flagged (LVOLT on 1 of them)" in lines[0]
