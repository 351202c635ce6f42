"""A lead with no ECG in it, or with noise or an artefact in it, is named as such, not as a lead
shifted in time ("leads_shifted" means a lead that carries the heart's beats, late or early).

Truth: the faults are made from the two real records shipped with the project (PTB-XL 00417 at
100 Hz, LUDB 1 at 500 Hz), so which lead is dead, noisy or late, and by how much, is known; the
unmodified records carry none of these findings (``test_quality_liars``).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

LEADS = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")


@pytest.fixture(scope="module", params=["00417", "ludb"])
def clean(request):
    from mirage_model.paths import sample_records
    from mirage_model.records import load_record

    want = request.param
    return load_record(next(p for p in sample_records() if want in str(p) and (want != "ludb" or p.stem == "1")))


def _assess(record, lead, trace):
    from mirage_model.quality import assess

    sig = record.signal.astype(np.float64)
    sig[LEADS.index(lead)] = trace
    report = assess(dataclasses.replace(record, signal=sig.astype(np.float32)))
    return report, {f.code: f for f in report.findings}


def _transient(record, mv=-9.0, at_s=0.3, tau_s=0.15):
    """(T,) an electrode connected at ``at_s``: a swing of ``mv`` decaying with ``tau_s`` (PTB-XL 20682's V1)."""
    t = np.arange(record.signal.shape[1]) / record.fs
    return np.where(t >= at_s, mv * np.exp(-(t - at_s) / tau_s), 0.0)


@pytest.mark.parametrize("lead", ["aVL", "V1", "V3", "V5"])
def test_a_flat_lead_with_noise_is_missing(clean, lead):
    """A flat line with 0.005 mV of noise is over the 0.02 mV a flat lead's trace stays under (its 0.5-99.5th
    percentile spread is about 0.026 mV), so it was read as a poor lead ("usable" with a V1 or V3 so); it has
    no heartbeat in it: the lead is missing, and the calls are withheld."""
    noise = np.random.default_rng(0).normal(0.0, 0.005, clean.signal.shape[1])
    report, found = _assess(clean, lead, noise)
    assert "lead_missing" in found and found["lead_missing"].leads == (lead,)
    assert f"no ECG in lead {lead}" in found["lead_missing"].name and report.gated
    assert "leads_shifted" not in found
    assert report.lead_grade[LEADS.index(lead)] == "absent"


@pytest.mark.parametrize("lead", ["V1", "V3", "V5"])
def test_a_dead_lead_with_a_transient_is_missing_not_shifted(clean, lead):
    """The same dead lead starting with a 9 mV swing (an electrode connected): the swing's slope had set
    the lead's QRS energy and the beats of every lead (10-11 leads "poor", and "leads shifted" naming the
    dead lead); now the lead is missing, and no other lead is poor."""
    noise = np.random.default_rng(1).normal(0.0, 0.005, clean.signal.shape[1])
    report, found = _assess(clean, lead, noise + _transient(clean))
    assert "leads_shifted" not in found and "poor_quality" not in found
    assert found["lead_missing"].leads == (lead,)
    assert [g for g in report.lead_grade if g in ("poor", "absent")] == ["absent"]


@pytest.mark.parametrize("lead", ["V1", "V2"])
def test_a_lead_with_a_large_transient_is_noisy_not_shifted(clean, lead):
    """A lead that carries its ECG (at a third of its size) after a 9 mV swing in its first second (PTB-XL
    20682's V1): its QRS energy is the swing's, out of step with the others' and matching them at no lag.
    It had read "leads shifted"; it is a poor lead and an artefact, and not missing. One finding per cause:
    the artefact, with its time, and not a noise burst or a noisy lead besides."""
    sig = clean.signal[LEADS.index(lead)].astype(np.float64)
    report, found = _assess(clean, lead, 0.3 * sig + _transient(clean))
    assert "leads_shifted" not in found and "lead_missing" not in found
    assert found["artefact"].leads == (lead,)
    assert [n for n, g in zip(LEADS, report.lead_grade) if g == "poor"] == [lead]
    assert "lead_noisy" not in found and "noise_burst" not in found


@pytest.mark.parametrize("lead", ["V1", "V3", "V5"])
def test_a_lead_of_white_noise_is_noisy(clean, lead):
    """0.1 mV RMS of white noise, over the 0.08 mV a poor lead's noise reaches: named noisy, not missing
    (its median beat keeps the noise's spread) and not shifted. One finding per cause: the high-frequency
    noise ("noise", which says the lead is graded poor), not "poor signal quality" ("lead_noisy") besides."""
    noise = np.random.default_rng(2).normal(0.0, 0.1, clean.signal.shape[1])
    report, found = _assess(clean, lead, noise)
    assert "leads_shifted" not in found and "lead_missing" not in found
    assert found["noise"].leads == (lead,) and f"graded poor: {lead} " in found["noise"].detail
    assert [n for n, g in zip(LEADS, report.lead_grade) if g == "poor"] == [lead]
    assert "lead_noisy" not in found


@pytest.mark.parametrize("lead", ["aVL", "III"])
def test_a_small_lead_under_noise_is_named_for_its_noise_once(clean, lead):
    """A small lead (a sixth of its size: near-isoelectric by the heart's axis) under 0.05 mV RMS of white noise
    at 100 Hz (as much within 40 Hz at 500 Hz): its noise (0.035-0.045 mV) is under the 0.08 mV that grades a
    lead poor, but its beats disagree under it (correlation 0.34-0.40), so it is poor. The noise is the one
    cause: "noise" names it, and it had been "lead_noisy" too."""
    sig = clean.signal[LEADS.index(lead)].astype(np.float64)
    mv = 0.05 * np.sqrt(clean.fs / 2 / 40) if clean.fs > 100 else 0.05
    report, found = _assess(clean, lead, 0.15 * sig + np.random.default_rng(3).normal(0.0, mv, sig.shape))
    assert [n for n, g in zip(LEADS, report.lead_grade) if g == "poor"] == [lead]
    assert report.indices["noise_mv"][LEADS.index(lead)] < 0.08
    assert found["noise"].leads == (lead,) and f"graded poor: {lead} " in found["noise"].detail
    assert "lead_noisy" not in found


def test_a_lead_whose_beats_disagree_without_noise_is_poor_quality():
    """00417's V3 with every other beat turned upside down (its sign flipped half-way between R peaks): no
    high-frequency noise, its beats unlike each other (correlation about 0.05). That is "poor signal quality"
    ("lead_noisy"), which names what "noise" does not."""
    from mirage_model.paths import sample_records
    from mirage_model.records import load_record

    from scipy.signal import find_peaks

    record = load_record(next(p for p in sample_records() if "00417" in str(p)))
    sig = record.signal[LEADS.index("V3")].astype(np.float64)
    ii = np.abs(record.signal[LEADS.index("II")] - np.median(record.signal[LEADS.index("II")]))
    r = find_peaks(ii, height=0.6 * ii.max(), distance=int(0.3 * record.fs))[0]          # R peaks (lead II)
    flip = np.where(np.searchsorted((r[:-1] + r[1:]) / 2, np.arange(len(sig))) % 2 == 0, 1.0, -1.0)
    report, found = _assess(record, "V3", (sig - np.median(sig)) * flip)
    assert [n for n, g in zip(LEADS, report.lead_grade) if g == "poor"] == ["V3"]
    assert found["lead_noisy"].leads == ("V3",) and "noise" not in found


@pytest.mark.parametrize("lead", ["V1", "V3", "V5"])
def test_a_lead_50_ms_late_is_still_shifted(clean, lead):
    sig = clean.signal[LEADS.index(lead)].astype(np.float64)
    report, found = _assess(clean, lead, np.roll(sig, int(round(0.05 * clean.fs))))
    assert report.gated and found["leads_shifted"].leads == (lead,) and f"{lead} +50 ms" in found["leads_shifted"].name
    assert "lead_missing" not in found and "lead_noisy" not in found
