"""A lead whose level lies far from 0 V (an electrode settling, an amplifier recovering from overload) is
named. Philips' PageWriter file ad4d3d80-d165_1-04_orig.xml (sierra-ecg-tools) has V3 start at -17 mV
and drift to -4.5 mV, as sierraecg reads it too; the quality check said only 'baseline wander'."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tests.helpers_quality import assess_signal


@pytest.fixture(scope="module")
def ludb():
    from mirage_model.paths import sample_records
    from mirage_model.records import load_record

    return load_record(next(p for p in sample_records() if "ludb" in str(p) and p.stem == "1"))


def _v3_recovering(record, start_mv=-17.0, end_mv=-4.5):
    """``record``'s signal with V3 on an exponential return from ``start_mv`` towards 0 V, reaching
    ``end_mv`` at the end (a high-pass amplifier settling after an overload)."""
    sig = record.signal.astype(np.float64).copy()
    T = sig.shape[1]
    tau = T / np.log(start_mv / end_mv)
    sig[8] += start_mv * np.exp(-np.arange(T) / tau)
    return sig


def test_a_lead_settling_from_minus_17_mv_is_named(ludb):
    _, found = assess_signal(ludb, _v3_recovering(ludb))
    assert "lead_offset" in found
    f = found["lead_offset"]
    assert f.leads == ("V3",) and f.severity == "warning"
    # the level is a 1.5 s running median: at the start, the median of the first 0.75 s (-17 to -15.6 mV)
    assert re.search(r"\(V3 -1[56]\.\d mV at 0\.\d s, -4\.[5-9] mV at the end\)", f.name)


def test_a_lead_whose_whole_level_sits_at_12_mv_is_named(ludb):
    sig = ludb.signal.astype(np.float64).copy()
    sig[1] += 12.0
    _, found = assess_signal(ludb, sig)
    assert found["lead_offset"].leads == ("II",)


def test_the_record_as_recorded_and_an_offset_of_5_mv_are_not(ludb):
    """PTB-XL folds 1-9 hold 52 records beyond 5 mV, 3 beyond 10 mV; LUDB none beyond 0.8 mV."""
    assert "lead_offset" not in assess_signal(ludb, ludb.signal)[1]
    sig = ludb.signal.astype(np.float64).copy()
    sig[8] += 5.0
    assert "lead_offset" not in assess_signal(ludb, sig)[1]
