"""A lead graded poor is named as such, not as an electrode reversal: the learned reversal detector
weighs every lead's median beat, and a noisy lead's is its noise's.

Truth: the faults are made from the two real records shipped with the project (PTB-XL 00417 at
100 Hz, LUDB 1 at 500 Hz), so which lead is noisy and which electrodes are swapped is known; the
unmodified records carry no finding of either (``test_quality_liars``).
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers_quality import assess_signal

LEADS = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")


def _load(want):
    from mirage_model.paths import sample_records
    from mirage_model.records import load_record

    return load_record(next(p for p in sample_records() if want in str(p) and (want != "ludb" or p.stem == "1")))


@pytest.fixture(scope="module", params=["00417", "ludb"])
def clean(request):
    return _load(request.param)


def _swapped(record, pair):
    sig = record.signal.astype(np.float64)
    a, b = (LEADS.index(n) for n in pair.split("/"))
    sig[[a, b]] = sig[[b, a]]
    return sig


def test_a_chest_lead_of_white_noise_is_noisy_not_reversed(clean):
    """V5 replaced by 0.1 mV RMS of white noise had read "precordial lead reversal suspected (V4/V5)" in both
    records, critical (every call withheld, the user sent to swap electrodes that are fine). It is a poor
    lead, a warning, and a warning says the electrodes could not be checked, naming the swap read and the lead."""
    sig = clean.signal.astype(np.float64)
    sig[LEADS.index("V5")] = np.random.default_rng(2).normal(0.0, 0.1, sig.shape[1])
    report, found = assess_signal(clean, sig)
    assert not {"precordial_reversal", "limb_reversal", "neutral_reversal"} & set(found)
    assert found["noise"].leads == ("V5",) and "lead_noisy" not in found      # one finding per cause
    unchecked = found["reversal_unchecked"]
    assert unchecked.severity == "warning" and "lead V5 poor" in unchecked.name and "V4/V5" in unchecked.name
    assert not report.gated


@pytest.mark.parametrize("want, pair", [("00417", "V3/V4"), ("00417", "V1/V2"), ("ludb", "V1/V2"),
                                        ("ludb", "V2/V3")])
def test_a_clean_chest_swap_is_still_named(want, pair):
    """The swaps the detector names in these records, no lead poor, are still named, critical."""
    record = _load(want)
    report, found = assess_signal(record, _swapped(record, pair))
    assert found["precordial_reversal"].leads == tuple(pair.split("/"))
    assert f"({pair})" in found["precordial_reversal"].name and report.gated
    assert "lead_noisy" not in found and "poor_quality" not in found


def test_a_swap_beside_a_noisy_lead_is_said_unchecked_not_dropped():
    """V3/V4 swapped in 00417 with V6 noisy: the swap is not named critical on a detector that weighs the
    noise, nor left unsaid: the warning names the poor lead and asks for the electrodes to be checked."""
    record = _load("00417")
    sig = _swapped(record, "V3/V4")
    sig[LEADS.index("V6")] = np.random.default_rng(5).normal(0.0, 0.1, sig.shape[1])
    report, found = assess_signal(record, sig)
    assert "precordial_reversal" not in found and found["noise"].leads == ("V6",) and "lead_noisy" not in found
    assert "reversal_unchecked" in found, sorted(found)
    assert "lead V6 poor" in found["reversal_unchecked"].name
    assert "check the electrodes" in found["reversal_unchecked"].name
