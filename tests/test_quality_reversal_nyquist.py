"""Mains on the Nyquist of a 100 Hz record (50 Hz: the samples alternate +-A) is named as mains, not also as an
electrode reversal: the measurement cannot subtract it there, and the median beats the reversal detector read
kept part of it, alternating with each lead's phase.

Truth: the faults are made from real PTB-XL records at 100 Hz shipped with the project (``perturb.mains``, the
robustness command's perturbation, at 0.3 and 0.5 mV), so the electrodes are known to be in place, and the
unmodified records carry no reversal finding; a V1/V2 swap made by exchanging the two leads is a known one.
"""

from __future__ import annotations

import dataclasses
import numpy as np
import pytest

from helpers_quality import assess_signal

REVERSALS = ("limb_reversal", "precordial_reversal", "neutral_reversal", "reversal_unchecked")


def _load(stem):
    from mirage_model.paths import sample_records
    from mirage_model.records import load_record

    return load_record(next(p for p in sample_records() if p.stem == stem))


def _with_mains(record, amplitude_mv, seed):
    from mirage_model.perturb import mains

    sig = np.asarray(record.signal, dtype=np.float64)
    return mains(sig, record.fs, np.random.default_rng(seed), freq_hz=50.0, amplitude_mv=amplitude_mv)


# (record, mains amplitude mV, seed): each had read a reversal, critical ("precordial lead reversal suspected
# (V5/V6)", "(V4/V5)", "limb lead reversal suspected (RA/LL)"), its calls withheld for electrodes that are fine
CASES = [("11125_lr", 0.3, 0), ("11125_lr", 0.3, 1), ("11125_lr", 0.5, 3), ("04016_lr", 0.5, 0),
         ("04016_lr", 0.5, 2), ("00417_lr", 0.5, 1)]


@pytest.mark.parametrize("stem,amplitude,seed", CASES)
def test_nyquist_mains_is_named_as_mains_not_as_a_reversal(stem, amplitude, seed):
    record = _load(stem)
    assert record.fs == 100.0
    _, clean = assess_signal(record, record.signal)
    assert not set(clean) & set(REVERSALS)
    report, found = assess_signal(record, _with_mains(record, amplitude, seed))
    assert "mains" in found and "mains_left" in found
    assert not set(found) & set(REVERSALS), [f.name for f in report.findings if f.code in REVERSALS]


@pytest.mark.parametrize("stem,seed", [("11125_lr", 0), ("00417_lr", 1), ("10388_lr", 2)])
def test_a_chest_swap_under_nyquist_mains_is_still_named(stem, seed):
    """V1 and V2 exchanged: named so, and with 0.5 mV of 50 Hz on the swapped record too (it had read V4/V5, or
    no swap at all)."""
    record = _load(stem)
    sig = np.asarray(record.signal, dtype=np.float64).copy()
    sig[[6, 7]] = sig[[7, 6]]
    _, swapped = assess_signal(record, sig)
    assert swapped["precordial_reversal"].name == "precordial lead reversal suspected (V1/V2)"
    swapped_record = dataclasses.replace(record, signal=sig.astype(np.float32))
    _, found = assess_signal(record, _with_mains(swapped_record, 0.5, seed))
    assert "mains" in found
    assert found["precordial_reversal"].name == "precordial lead reversal suspected (V1/V2)"


def test_without_nyquist_takes_the_alternation_and_leaves_the_ecg():
    """A drifting +-0.5 mV alternation (50.2 Hz sampled at 100 Hz) added to a real record is taken away to within
    5 % of it, and the record itself loses under 0.03 mV anywhere (it has nothing near Nyquist)."""
    from mirage_model.quality.reversal import _without_nyquist

    record = _load("00417_lr")
    x = np.nan_to_num(np.asarray(record.signal, dtype=np.float64))
    t = np.arange(x.shape[1]) / 100.0
    line = 0.5 * np.sin(2 * np.pi * 50.2 * t + np.linspace(0, 3, 12)[:, None])
    out = _without_nyquist(x + line, 100.0)
    inner = slice(50, -50)
    assert np.abs(out - x)[:, inner].max() < 0.05 * 0.5
    assert np.abs(_without_nyquist(x, 100.0) - x).max() < 0.03
