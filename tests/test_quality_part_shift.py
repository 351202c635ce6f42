"""A lead shifted in time in part of the record only (two acquisitions spliced, QualityConfig.part_shift):
named "leads_shifted" with the lead, its lag and the part, where the whole record's lag measures read its
in-time part or a mix.

Truth: the faults are made from two real LUDB records shipped with the project (1 and 65, 500 Hz): the lead's
second half replaced by its own signal from ``ms`` earlier (late by ``ms``); the unmodified
records are not named.
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
