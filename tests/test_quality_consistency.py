"""A whole record at the wrong gain (quality.consistency): a fault the first bars of
``test_quality_liars`` let through.

Truth: the faults are made from the two real records shipped with the project (PTB-XL 00417 at
100 Hz, LUDB 1 at 500 Hz), so the gain is known; the unmodified records
do not carry it (``test_quality_liars``, and its slow check on 2,700 clean records).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

def _record(name):
    from mirage_model.paths import sample_records
    from mirage_model.records import load_record

    return load_record(next(p for p in sample_records() if name in str(p) and (name != "ludb" or p.stem == "1")))


@pytest.fixture(scope="module")
def ptb():
    return _record("00417")


@pytest.fixture(scope="module")
def ludb():
    return _record("ludb")


def _with(record, signal):
    return dataclasses.replace(record, signal=np.asarray(signal, np.float32))


def _found(record, code):
    from mirage_model.quality import assess

    report = assess(record)
    return report, [f for f in report.findings if f.code == code]


def test_a_record_at_ten_times_its_gain_is_withheld(ludb):
    """LUDB 1 (its tallest lead 0.9 mV as read) at x10 stays under the 20 mV of a single lead's bound,
    but every lead is too tall: critical, and no lead named (the gain is the record's)."""
    report, found = _found(_with(ludb, ludb.signal * 10.0), "amplitude_high")
    assert not report.has("amplitude_implausible")
    assert report.gated and len(found) == 1 and found[0].severity == "critical" and found[0].leads == ()


def test_a_record_at_five_times_its_gain_is_a_warning(ptb):
    report, found = _found(_with(ptb, ptb.signal * 5.0), "amplitude_high")
    assert len(found) == 1 and found[0].severity == "warning" and not report.gated


def test_a_record_already_read_as_impossibly_tall_is_said_once(ptb):
    """00417 at x10 has a lead over 20 mV: "amplitude_implausible" says the units are wrong; the
    record-wide height would say it again."""
    report, found = _found(_with(ptb, ptb.signal * 10.0), "amplitude_high")
    assert report.has("amplitude_implausible") and found == []


def test_beat_height_is_the_geometric_mean_of_the_leads_heights():
    from mirage_model.quality.consistency import beat_height

    t = np.linspace(0, 2 * np.pi, 70)
    med = np.stack([h / 2 * np.sin(t) for h in [1.0] * 6 + [4.0] * 6])      # peak-to-peak 1 and 4 mV
    assert beat_height(med, np.ones(12, bool)) == pytest.approx(2.0, rel=1e-3)
    usable = np.ones(12, bool)
    usable[6:] = False
    assert beat_height(med, usable) == pytest.approx(1.0, rel=1e-3)
    assert np.isnan(beat_height(med, np.zeros(12, bool)))
