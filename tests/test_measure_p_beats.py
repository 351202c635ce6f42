"""A P wave sought before each QRS on its own (``measure.delineate.p_per_beat``): the share of beats with one and the
spread of their PR, which tell sinus rhythm with irregular RR (sinus arrhythmia) from atrial fibrillation."""

from __future__ import annotations

import csv

import pytest

from mirage_model.measure import measure
from mirage_model.records.load import load_record
from test_measure import synthetic_record

# a sinus arrhythmia: RR 0.7-1.1 s, the PR fixed at 160 ms
SARRH_RR_MS = [700, 850, 1000, 1100, 950, 800]


def test_sinus_arrhythmia_has_a_p_wave_before_every_qrs_at_one_pr():
    rec, truth = synthetic_record(pr_ms=160.0, rr_cycle=SARRH_RR_MS, seconds=12.0)
    m = measure(rec)
    assert m.rhythm_irregular or m.rr_nrmssd > 0.10            # irregular by the AF rule's measures
    assert m.p_share == 1.0
    assert m.pr_iqr_ms is not None and m.pr_iqr_ms <= 4.0      # constructed: one PR (2 samples at 500 Hz)


def test_no_p_waves_gives_no_p_wave_beat_by_beat():
    rec, _ = synthetic_record(with_p=False, rr_cycle=SARRH_RR_MS, seconds=12.0)
    m = measure(rec)
    assert m.p_share is not None and m.p_share < 0.5


def test_too_few_beats_gives_none():
    rec, _ = synthetic_record(rr_ms=1500.0, seconds=4.0)
    m = measure(rec)
    assert m.p_share is None and m.pr_iqr_ms is None


def _ludb_rhythms(shared_datasets) -> dict[str, str]:
    with open(shared_datasets / "ludb" / "ludb.csv", newline="", encoding="utf-8") as f:
        return {r["ID"]: r["Rhythms"].strip() for r in csv.DictReader(f)}


@pytest.mark.parametrize("rhythm", ["Sinus arrhythmia", "Atrial fibrillation"])
def test_ludb_sinus_arrhythmia_and_atrial_fibrillation(ludb_data, shared_datasets, rhythm):
    """ludb.csv's rhythms: each sinus arrhythmia (22, 63, 99) has a P wave before at least 80 % of its beats at a PR
    spread (interquartile range) of at most 25 ms; no atrial fibrillation (8, 38, 44, 51, 83, 88, 93, 95, 96) does."""
    ids = [i for i, r in _ludb_rhythms(shared_datasets).items() if r == rhythm]
    assert len(ids) == (3 if rhythm == "Sinus arrhythmia" else 9)
    for i in ids:
        m = measure(load_record(ludb_data / f"{i}.hea"))
        sinus = m.p_share is not None and m.p_share >= 0.8 and m.pr_iqr_ms is not None and m.pr_iqr_ms <= 25.0
        assert sinus == (rhythm == "Sinus arrhythmia"), (i, m.p_share, m.pr_iqr_ms)
