"""Clipping ("saturated") means a run at the end of the file's digital range, not a count of
samples there: writers that scale each lead to the whole range put every peak as tall as the
tallest at the limit, and a long record has dozens of those."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import wfdb

from mirage_model.records import load_record
from mirage_model.records.flags import RunLength, clip_samples

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"
# (record, percentile of lead II above which a recorder with a narrower range would have cut it)
CASES = [("ludb/1", 99), ("ptbxl/records100/00000/00417_lr", 95)]
MINUTES = 5


def _five_minutes(record: str) -> tuple[np.ndarray, float, list[str]]:
    """A real record repeated to 5 minutes: physical (T, L) in mV, fs, the file's lead names."""
    ref = wfdb.rdrecord(str(SAMPLES / record))
    reps = int(MINUTES * 60 * ref.fs) // ref.sig_len
    return np.tile(ref.p_signal, (reps, 1)), float(ref.fs), list(ref.sig_name)


def _cut_lead_ii(phys: np.ndarray, names: list[str], percentile: float) -> np.ndarray:
    """``phys`` with lead II's values above its ``percentile`` set to that rail (every R wave cut)."""
    cut = phys.copy()
    k = [n.upper() for n in names].index("II")
    cut[:, k] = np.minimum(cut[:, k], np.percentile(cut[:, k], percentile))
    return cut


def _runs(mask: np.ndarray) -> list[int]:
    """Lengths of the runs of True in ``mask``, by a plain loop."""
    runs, run = [], 0
    for v in mask.tolist() + [False]:
        if v:
            run += 1
        elif run:
            runs.append(run)
            run = 0
    return runs


def test_run_length_across_pieces_is_the_whole_masks():
    rng = np.random.default_rng(0)
    for _ in range(300):
        mask = rng.random(int(rng.integers(0, 300))) < rng.choice([0.3, 0.8, 0.97, 1.0])
        cuts = np.sort(rng.integers(0, mask.size + 1, size=int(rng.integers(0, 6))))
        runs = RunLength(min_len=3)
        for piece in np.split(mask, cuts):
            runs.feed(piece)
        truth = _runs(mask)
        assert runs.longest == max(truth, default=0)
        assert runs.count == sum(r >= 3 for r in truth)


@pytest.mark.parametrize("record,percentile", CASES)
def test_wfdb_whole_range_long_record_is_not_clipped_but_a_cut_lead_is(tmp_path, record, percentile):
    phys, fs, names = _five_minutes(record)
    wfdb.wrsamp("scaled", fs=fs, units=["mV"] * 12, sig_name=names, p_signal=phys, fmt=["16"] * 12,
                write_dir=str(tmp_path))
    written = wfdb.rdrecord(str(tmp_path / "scaled"), physical=False).d_signal
    # the premise: every lead's extremes are at the range's ends, many times over
    at_limit = np.maximum((written == 32767).sum(axis=0), (written == -32767).sum(axis=0))
    assert (at_limit >= clip_samples(fs)).all()
    rec = load_record(tmp_path / "scaled.hea")
    assert rec.flagged_leads("saturated") == ()
    assert "unscorable" not in rec.meta
    truth = wfdb.rdrecord(str(tmp_path / "scaled"))
    np.testing.assert_allclose(rec.signal[1], truth.p_signal[:, [n.upper() for n in names].index("II")],
                               atol=1e-5)

    # lead II through an ADC whose range ends at its `percentile`: same mV, a finer step, cut there
    scaled = wfdb.rdrecord(str(tmp_path / "scaled"), physical=False)
    k = [n.upper() for n in names].index("II")
    d = written.astype(np.int64)
    factor = 32767 / np.percentile(d[:, k], percentile)
    d[:, k] = np.clip(np.round(d[:, k] * factor), -32767, 32767)
    gain = list(scaled.adc_gain)
    gain[k] *= factor
    wfdb.wrsamp("cut", fs=fs, units=["mV"] * 12, sig_name=names, d_signal=d, fmt=["16"] * 12, adc_gain=gain,
                baseline=list(scaled.baseline), write_dir=str(tmp_path))
    rec = load_record(tmp_path / "cut.hea")
    assert rec.flagged_leads("saturated") == ("II",)


@pytest.mark.parametrize("record,percentile", CASES)
def test_edf_range_from_the_data_long_record_is_not_clipped_but_a_cut_lead_is(tmp_path, record, percentile):
    pyedflib = pytest.importorskip("pyedflib")
    from pyedflib import highlevel

    phys, fs, names = _five_minutes(record)

    def write(name: str, x: np.ndarray) -> Path:
        x = np.ascontiguousarray(x.T * 1000)   # (12, T) uV
        headers = [highlevel.make_signal_header(f"ECG {n}", dimension="uV", sample_frequency=fs,
                                                physical_min=float(row.min()), physical_max=float(row.max()))
                   for n, row in zip(names, x)]
        path = tmp_path / f"{name}.edf"
        with warnings.catch_warnings():   # pyedflib rounds a range to EDF's 8 characters, and says so
            warnings.simplefilter("ignore", UserWarning)
            highlevel.write_edf(str(path), x, headers, highlevel.make_header(), file_type=pyedflib.FILETYPE_EDFPLUS)
        return path

    scaled = write("scaled", phys)
    digital = highlevel.read_edf(str(scaled), digital=True)[0]   # (12, T)
    at_limit = np.maximum((digital == 32767).sum(axis=1), (digital == -32768).sum(axis=1))
    assert (at_limit >= clip_samples(fs)).all()   # the premise: extremes at the ends, many times over
    rec = load_record(scaled)
    assert rec.flagged_leads("saturated") == ()
    assert "unscorable" not in rec.meta

    cut = write("cut", _cut_lead_ii(phys, names, percentile))
    assert load_record(cut).flagged_leads("saturated") == ("II",)

