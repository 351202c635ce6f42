"""A whole record at the wrong gain, and one chest lead shifted by 20-40 ms (quality.consistency):
faults the first bars of ``test_quality_liars`` let through.

Truth: the faults are made from the two real records shipped with the project (PTB-XL 00417 at
100 Hz, LUDB 1 at 500 Hz), so the lead, its shift and the gain are known; the unmodified records
carry neither finding (``test_quality_liars``, and its slow check on 2,700 clean records).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

LEADS = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")


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


def _shifted(record, lead, ms):
    sig = record.signal.astype(np.float64)
    k = LEADS.index(lead)
    sig[k] = np.roll(sig[k], int(round(ms / 1000 * record.fs)))
    return _with(record, sig)


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


def test_a_wfdb_header_five_times_off_is_named_and_its_source_is_not():
    """A real file with a wrong gain: the EGM package exported GE MUSE's muse-sinus.xml to WFDB in
    integer microvolts (test_formats checks every sample against the XML to 1 uV) under a header
    that says 200 per mV, so the WFDB record reads five times too tall (typical lead 4.3 mV); the
    XML itself reads 0.9 mV."""
    from pathlib import Path

    from mirage_model.quality import assess
    from mirage_model.records import load_record

    data = Path(__file__).parent / "data" / "formats"
    wrong = assess(load_record(data / "muse-sinus.hea"))
    found = [f for f in wrong.findings if f.code == "amplitude_high"]
    assert len(found) == 1 and found[0].severity == "warning"
    assert not assess(load_record(data / "muse-sinus.xml")).has("amplitude_high")


@pytest.mark.slow
def test_challenge_2020_copies_of_ptbxl_at_five_times_their_gain_are_named(cinc_samples):
    """The PhysioNet/CinC Challenge 2020 copies of PTB-XL records 599 and 20715 (folds 7 and 4) say
    200 per mV over samples in microvolts: every lead reads 4.9-5.5 times PTB-XL's own record. The
    2021 copies (1000 per mV) read as PTB-XL's, and none of them is named."""
    from mirage_model.quality import assess
    from mirage_model.records import load_record

    ours = [p for p in cinc_samples if p.stem.startswith("HR")]     # their folds told by PTB-XL's table
    if not ours:
        pytest.skip("PTB-XL's table absent: the folds of the Challenge's PTB-XL records cannot be told")
    old = {p.stem: p for p in ours if p.parent.name == "cinc2020"}
    for name in ("HR00599", "HR20715"):
        report = assess(load_record(old[name]))
        assert report.has("amplitude_high"), name
    fixed = [p for p in ours if p.parent.name == "PTB_PTBXL"]
    assert fixed and not [p.name for p in fixed if assess(load_record(p)).has("amplitude_high")]


def test_beat_height_is_the_geometric_mean_of_the_leads_heights():
    from mirage_model.quality.consistency import beat_height

    t = np.linspace(0, 2 * np.pi, 70)
    med = np.stack([h / 2 * np.sin(t) for h in [1.0] * 6 + [4.0] * 6])      # peak-to-peak 1 and 4 mV
    assert beat_height(med, np.ones(12, bool)) == pytest.approx(2.0, rel=1e-3)
    usable = np.ones(12, bool)
    usable[6:] = False
    assert beat_height(med, usable) == pytest.approx(1.0, rel=1e-3)
    assert np.isnan(beat_height(med, np.zeros(12, bool)))


@pytest.mark.parametrize("lead, ms", [("V2", 20), ("V2", 40), ("V5", 20), ("V5", -40)])
def test_one_chest_lead_shifted_by_20_to_40_ms_is_withheld(ludb, lead, ms):
    """Under the 60 ms the QRS energy needs (a right bundle branch block's late R' reaches 80 ms
    there): the other leads predict the lead best at its delay."""
    report, found = _found(_shifted(ludb, lead, ms), "leads_shifted")
    assert report.gated and len(found) == 1 and found[0].leads == (lead,)
    assert f"{lead} {ms:+d} ms" in found[0].name


def test_one_chest_lead_shifted_by_40_ms_at_100_hz(ptb):
    report, found = _found(_shifted(ptb, "V4", 40), "leads_shifted")
    assert report.gated and len(found) == 1 and found[0].leads == ("V4",) and "V4 +40 ms" in found[0].name


def test_chest_lead_lags_read_back_the_shift_put_in(ludb):
    """The measure on a known fault: V3 rolled by 3 samples at 100 Hz reads +30 ms and fits the others
    there far better than at no lag; every other chest lead fits best within 10 ms, and the limb
    leads are not measured."""
    from scipy.signal import sosfiltfilt

    from mirage_model.quality.consistency import chest_lead_lags
    from mirage_model.quality.indices import _resample_to, _sos

    x100 = _resample_to(ludb.signal.astype(np.float64), ludb.fs, 100.0)
    x40 = sosfiltfilt(_sos("low", 0.0, 40.0, 100.0, 4), sosfiltfilt(_sos("high", 0.5, 0.0, 100.0), x100), axis=-1)
    k = LEADS.index("V3")
    lag, gain = chest_lead_lags(x40, np.ones(12, bool))
    assert np.abs(lag[6:]).max() <= 0.01 and np.isnan(lag[:6]).all() and np.isnan(gain[:6]).all()
    x40[k] = np.roll(x40[k], 3)
    lag, gain = chest_lead_lags(x40, np.ones(12, bool), bar=6.0)
    assert lag[k] == pytest.approx(0.03) and gain[k] > 6.0
    assert np.abs(np.delete(lag[6:], k - 6)).max() <= 0.01 and np.delete(gain[6:], k - 6).max() < 6.0


@pytest.mark.slow
def test_ptbxl_records_whose_v6_is_late_are_named(ptbxl_root):
    """Three PTB-XL records (folds 1-9) of one device type carry V6 50 ms after the other leads, as
    plain by eye; PTB-XL's own annotation marks V6's electrode in two of them ("electrodes_problems").
    They are the only records of the 19,601 of folds 1-9 that the chest-lead measure names."""
    import pandas as pd

    from mirage_model.quality import assess
    from mirage_model.records import load_record

    db = pd.read_csv(ptbxl_root / "ptbxl_database.csv", index_col="ecg_id")
    assert list(db.loc[[2576, 2578], "electrodes_problems"].str.strip()) == ["V6", "V6"]
    for ecg_id in (2576, 2578, 7866):
        report = assess(load_record(ptbxl_root / f"{db.loc[ecg_id, 'filename_lr']}.hea"))
        found = [f for f in report.findings if f.code == "leads_shifted"]
        assert report.gated and len(found) == 1 and found[0].leads == ("V6",) and "V6 +50 ms" in found[0].name


@pytest.mark.parametrize("shift", [-23, 0, 7, 25])
def test_the_lag_match_is_the_mean_product_over_the_samples_both_signals_hold(shift):
    """``lead_lags``' match of two energies at each lag, by its definition: the mean over the samples both hold
    of a[t + d] * b[t]; its best lag and the share of that best at no lag."""
    from mirage_model.quality.consistency import FS, _match

    rng = np.random.default_rng(abs(shift))
    a = rng.standard_normal(333)
    b = np.roll(a, -shift) + 0.3 * rng.standard_normal(333)     # b[t] ~ a[t + shift]
    n, k = len(a), 25
    c = [sum(a[t + d] * b[t] for t in range(max(0, -d), n - max(0, d))) / (n - abs(d)) for d in range(-k, k + 1)]
    lag, zero = _match(a, b, k)
    assert lag == shift / FS and zero == pytest.approx(c[k] / max(c), rel=1e-9)
