"""A lead shifted in time in part of the record only (two acquisitions spliced, QualityConfig.part_shift):
named "leads_shifted" with the lead, its lag and the part, where the whole record's lag measures read its
in-time part or a mix.

Truth: the faults are made from two real LUDB records shipped with the project (1 and 65, 500 Hz): the lead's
signal from a known onset (its second half, or 35-60 % of the way in) replaced by its own from ``ms`` earlier
(late by ``ms``); the unmodified records are not named. On the shared data (skipped where absent): LUDB's 100
records and the CinC samples (PTB-XL's left out) are not named, and PTB-XL records of folds 1-8 whose lead was
looked at (plotted against its neighbours: its whole beat, T wave included, late from one beat on while they
stay; ``scripts/lying_leads.py part-shift``) are named with that lead and the lag read from its median beats.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

LEADS = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")


@pytest.fixture(scope="module", params=["1", "65"])
def clean(request, test_data):
    from mirage_model.paths import sample_records
    from mirage_model.records import load_record

    if request.param == "1":
        return load_record(next(p for p in sample_records() if "ludb" in str(p) and p.stem == "1"))
    return load_record(test_data / "ludb" / "65.hea")


def _shifted_found(record, signal=None):
    from mirage_model.quality import QualityConfig, assess

    rec = record if signal is None else dataclasses.replace(record, signal=np.asarray(signal, np.float32))
    report = assess(rec, QualityConfig(part_shift=True))
    return report, [f for f in report.findings if f.code == "leads_shifted"]


def _late_second_half(record, lead: str, ms: int) -> np.ndarray:
    sig = record.signal.astype(np.float64)
    T, d = sig.shape[1], int(round(ms / 1000 * record.fs))
    k = LEADS.index(lead)
    sig[k, T // 2:] = record.signal[k, T // 2 - d:T - d]
    return sig


def test_the_clean_records_are_not_named(clean):
    assert _shifted_found(clean)[1] == []


@pytest.mark.parametrize("lead, ms", [("V3", 40), ("V3", 100), ("V5", 80), ("II", 80), ("aVL", 100)])
def test_a_lead_late_in_the_second_half_is_named_with_its_part(clean, lead, ms):
    """Before: nothing named "leads_shifted" (the whole record's lag is its first half's, 0 ms); from about
    120-160 ms the part reads without the lead's ECG and "lead_lost" says it late there."""
    report, found = _shifted_found(clean, _late_second_half(clean, lead, ms))
    assert report.gated and len(found) == 1 and found[0].leads == (lead,)
    assert f"{lead} +{ms} ms from" in found[0].name and "part of the record" in found[0].name
    half = len(clean.signal[0]) / clean.fs / 2
    assert found[0].span_s[0] >= half - 0.5 and found[0].span_s[1] >= 2 * half - 0.5


def test_the_check_is_off_by_default(clean):
    from mirage_model.quality import assess

    rec = dataclasses.replace(clean, signal=np.asarray(_late_second_half(clean, "V3", 100), np.float32))
    assert "leads_shifted" not in assess(rec).codes


@pytest.mark.parametrize("lead, ms, share", [("V2", 20, 0.45), ("V4", 40, 0.6), ("V5", 60, 0.35), ("aVL", 60, 0.45)])
def test_a_lead_late_from_a_known_onset_is_named_with_its_lag_in_a_part_after_it(clean, lead, ms, share):
    """The check reads the record's halves and thirds: the part named is the one the shifted stretch fills most
    (V5 late from 3.5 s reads its second half), never one before the onset."""
    sig = clean.signal.astype(np.float64)
    T, d, k = sig.shape[1], int(round(ms / 1000 * clean.fs)), LEADS.index(lead)
    on = int(share * T)
    sig[k, on:] = clean.signal[k, on - d:T - d]
    found = [f for f in _shifted_found(clean, sig)[1] if "part of the record" in f.name]
    assert len(found) == 1 and found[0].leads == (lead,)
    assert f"{lead} +{ms} ms from" in found[0].name
    a, b = found[0].span_s
    onset_s, end_s = on / clean.fs, T / clean.fs
    assert b > onset_s and min(b, end_s) - max(a, onset_s) >= (b - a) / 2


@pytest.mark.slow
def test_clean_real_records_are_not_named(ludb_data, cinc_samples):
    """LUDB's 100 records and the CinC samples (those of PTB-XL left out: one is of its test fold): none named.
    With the part check, 0 of 2,195 such records and PTB-XL folds 1-8 records were false alarms."""
    from mirage_model.quality import QualityConfig, assess
    from mirage_model.records import RecordError, load_record

    cinc = [p for p in cinc_samples if "PTB" not in p.parent.name and not p.stem.startswith(("HR", "S0"))]
    named = []
    for p in sorted(ludb_data.glob("*.hea")) + cinc:
        try:
            report = assess(load_record(p), QualityConfig(part_shift=True))
        except RecordError:      # the CinC samples include malformed headers on purpose
            continue
        named += [(p.stem, f.name) for f in report.findings if "part of the record" in f.name]
    assert len(cinc) >= 40 and named == []


@pytest.mark.slow
@pytest.mark.parametrize("ecg_id, lead, lag_ms", [(465, "V6", 54), (7774, "V4", 51), (11903, "V6", 53),
                                                  (15794, "V6", 52)])
def test_real_records_with_a_lead_late_from_one_beat_on_are_named(ptbxl_root, ecg_id, lead, lag_ms):
    """Truth: the lead's median beat after the part's edge against its own before it, by cross-correlation at
    the record's rate (its neighbours' move 0-1 ms), and each record plotted and looked at."""
    from mirage_model.records import load_record

    rec = load_record(ptbxl_root / "records100" / f"{ecg_id // 1000:02d}000" / f"{ecg_id:05d}_lr.hea")
    found = [f for f in _shifted_found(rec)[1] if "part of the record" in f.name]
    assert len(found) == 1 and found[0].leads == (lead,)
    got = int(found[0].name.split(f"{lead} +")[1].split(" ms")[0])
    assert abs(got - lag_ms) <= 10
