"""Multi-segment WFDB records (PhysioNet ``header(5)``) read by ``load_record``, against independent
truth: the samples written with wfdb-python and wfdb's own reader (``rdrecord(m2s=True)``) of the
same files. Segments are written by ``wfdb.wrsamp``, master headers by ``wfdb.MultiRecord``; the
layout segment (which wfdb-python cannot write) and the malformed headers are written by hand in
the form PhysioNet's layout headers take (``~ 0 GAIN/mV RES ZERO INIT 0 0 NAME``)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import wfdb

from mirage_model.limits import MAX_SAMPLES, MAX_SEGMENTS
from mirage_model.records import STANDARD_LEADS, RecordError, load_record

FS = 500
LEADS = list(STANDARD_LEADS)
IDX = {lead: k for k, lead in enumerate(STANDARD_LEADS)}
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")   # wfdb-python's own pandas calls


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------

def _ecg(rng: np.random.Generator, T: int, n: int) -> np.ndarray:
    """(T, n) physical samples in mV: a 1.2 Hz wave per channel plus noise (not flat, in range)."""
    t = np.arange(T)[:, None] / FS
    return 0.8 * np.sin(2 * np.pi * 1.2 * t + np.arange(n)[None, :]) + rng.normal(0, 0.05, (T, n))


def write_segment(folder: Path, name: str, leads: list[str], phys: np.ndarray, *, gain: float = 200.0,
                  baseline: int = 0, fs: float = FS) -> np.ndarray:
    """Write ``phys`` (T, n) mV as a single-segment format-16 record with wfdb.wrsamp.

    Returns:
        (T, n) the physical values the stored digital samples stand for (the truth to compare with).
    """
    n = len(leads)
    digital = (np.round(phys * gain) + baseline).astype(np.int16)
    wfdb.wrsamp(name, fs=fs, units=["mV"] * n, sig_name=leads, d_signal=digital, fmt=["16"] * n,
                adc_gain=[gain] * n, baseline=[baseline] * n, write_dir=str(folder))
    return (digital.astype(np.float64) - baseline) / gain


def write_master(folder: Path, name: str, seg_names: list[str], seg_lens: list[int], n_sig: int,
                 layout: str = "fixed") -> Path:
    """Write a multi-segment master header with wfdb.MultiRecord; returns the .hea."""
    wfdb.MultiRecord(record_name=name, n_sig=n_sig, fs=FS, sig_len=sum(seg_lens), seg_name=seg_names,
                     seg_len=seg_lens, layout=layout,
                     segments=[None] * len(seg_names)).wrheader(write_dir=str(folder))
    return folder / f"{name}.hea"


def write_layout(folder: Path, name: str, leads: list[str]) -> None:
    """A variable-layout record's layout segment: every signal, no file, length 0."""
    lines = [f"{name} {len(leads)} {FS} 0"] + [f"~ 0 200/mV 16 0 0 0 0 {lead}" for lead in leads]
    (folder / f"{name}.hea").write_text("\n".join(lines) + "\n")


def wfdb_m2s(hea: Path) -> np.ndarray:
    """wfdb's own reading of a multi-segment record, as (12, T) in standard lead order."""
    rec = wfdb.rdrecord(str(hea.with_suffix("")), m2s=True)
    return rec.p_signal[:, [rec.sig_name.index(lead) for lead in STANDARD_LEADS]].T


@pytest.fixture
def fixed_record(tmp_path) -> tuple[Path, np.ndarray]:
    """A fixed-layout 12-lead record of two segments (1500 + 1000 samples); also its (12, T) truth."""
    rng = np.random.default_rng(1)
    a = write_segment(tmp_path, "fx_0001", LEADS, _ecg(rng, 1500, 12))
    b = write_segment(tmp_path, "fx_0002", LEADS, _ecg(rng, 1000, 12))
    hea = write_master(tmp_path, "fx", ["fx_0001", "fx_0002"], [1500, 1000], 12)
    return hea, np.concatenate([a, b]).T


def _refused(hea: Path, blamed: Path, match: str) -> RecordError:
    """load_record(hea) raises a RecordError that names ``blamed`` and matches ``match``."""
    with pytest.raises(RecordError, match=match) as info:
        load_record(hea)
    err = info.value
    assert err.path == blamed
    assert str(err).startswith(str(blamed)) and blamed.name in str(err)
    return err


# ----------------------------------------------------------------------------------------------
# reading
# ----------------------------------------------------------------------------------------------

def test_fixed_layout_12_lead_record(fixed_record):
    hea, truth = fixed_record
    rec = load_record(hea)
    assert rec.signal.shape == (12, 2500) and rec.signal.dtype == np.float32
    assert rec.fs == FS and rec.record_id == "fx"
    np.testing.assert_allclose(rec.signal, truth, rtol=0, atol=1e-6)
    np.testing.assert_allclose(rec.signal, wfdb_m2s(hea), rtol=0, atol=1e-6)
    assert not rec.quality["missing"].any() and not rec.quality["derived"].any()
    assert rec.meta["segments"] == 2 and rec.meta["segment_layout"] == "fixed"
    assert rec.meta["file_leads"] == STANDARD_LEADS
    assert "unscorable" not in rec.meta


def test_variable_layout_with_gap_and_missing_channel(tmp_path):
    rng = np.random.default_rng(2)
    write_layout(tmp_path, "vr_layout", LEADS)
    a = write_segment(tmp_path, "vr_0001", LEADS, _ecg(rng, 1200, 12))
    # the second segment lacks V3 and stores its channels in another order
    order = ["V6", "II", "I", "aVR", "aVL", "aVF", "III", "V1", "V2", "V4", "V5"]
    b = write_segment(tmp_path, "vr_0002", order, _ecg(rng, 900, 11))
    hea = write_master(tmp_path, "vr", ["vr_layout", "vr_0001", "~", "vr_0002"], [0, 1200, 400, 900], 12,
                       layout="variable")

    rec = load_record(hea)
    assert rec.signal.shape == (12, 2500)
    truth = np.full((12, 2500), np.nan)
    truth[:, :1200] = a.T
    for j, lead in enumerate(order):
        truth[IDX[lead], 1600:] = b[:, j]
    np.testing.assert_allclose(rec.signal, truth, rtol=0, atol=1e-6)   # NaN where truth is NaN
    np.testing.assert_allclose(rec.signal, wfdb_m2s(hea), rtol=0, atol=1e-6)
    assert np.isnan(rec.signal[:, 1200:1600]).all()                    # the gap, in every lead
    assert np.isnan(rec.signal[IDX["V3"], 1600:]).all()                # the absent channel
    assert not np.isnan(rec.signal[IDX["V4"], 1600:]).any()
    # the EcgRecord contract: a lead holds NaN exactly when it is flagged missing
    assert (rec.quality["missing"] == np.isnan(rec.signal).any(axis=1)).all()
    assert rec.meta["segments"] == 3 and rec.meta["segment_layout"] == "variable"


def _name_twice(folder: Path, name: str, placeholder: str, lead: str) -> None:
    """Rename signal ``placeholder`` of segment ``name`` to ``lead`` (wfdb.wrsamp refuses a name twice)."""
    hea = folder / f"{name}.hea"
    lines = hea.read_text().splitlines()
    lines = [ln.rsplit(" ", 1)[0] + f" {lead}" if ln.endswith(f" {placeholder}") else ln for ln in lines]
    hea.write_text("\n".join(lines) + "\n")


def test_a_lead_named_twice_keeps_its_second_channel_in_a_fixed_layout(tmp_path):
    """A multi-segment record naming II twice kept the "named twice" finding but dropped the second
    channel (no "signal": the viewer drew only the first), where a single-segment record keeps it.
    Truth: the samples wfdb.wrsamp stored in each segment's 13th channel, the gap NaN."""
    from mirage_model import quality

    rng = np.random.default_rng(11)
    a = write_segment(tmp_path, "tw_0001", LEADS + ["IIb"], _ecg(rng, 1000, 13))
    b = write_segment(tmp_path, "tw_0002", LEADS + ["IIb"], _ecg(rng, 700, 13))
    for seg in ("tw_0001", "tw_0002"):
        _name_twice(tmp_path, seg, "IIb", "II")
    hea = write_master(tmp_path, "tw", ["tw_0001", "~", "tw_0002"], [1000, 300, 700], 13)
    rec = load_record(hea)
    twin = rec.meta["named_twice"][0]
    assert (twin["lead"], twin["first_channel"], twin["channel"]) == ("II", 2, 13)
    truth = np.full(2000, np.nan)
    truth[:1000], truth[1300:] = a[:, 12], b[:, 12]
    np.testing.assert_allclose(twin["signal"], truth, rtol=0, atol=1e-6)        # NaN in the gap
    first = np.full(2000, np.nan)
    first[:1000], first[1300:] = a[:, 1], b[:, 1]
    np.testing.assert_allclose(rec.signal[IDX["II"]], first, rtol=0, atol=1e-6)  # the first read as II
    assert quality.assess(rec).has("lead_named_twice")


def test_a_lead_named_twice_in_a_variable_layout_is_matched_occurrence_by_occurrence(tmp_path):
    """A variable layout matches segments' signals by name: the layout's second "V1" is each segment's
    second V1 (not its first again); a segment without a second V1 leaves the twin NaN there."""
    rng = np.random.default_rng(12)
    names = LEADS + ["V1"]
    write_layout(tmp_path, "tv_layout", names)
    order = ["V1", "I", "II", "III", "aVR", "aVL", "aVF", "V2", "V3", "V4", "V5", "V6", "V1b"]
    a = write_segment(tmp_path, "tv_0001", order, _ecg(rng, 800, 13))
    _name_twice(tmp_path, "tv_0001", "V1b", "V1")                                               # both V1s
    b = write_segment(tmp_path, "tv_0002", LEADS, _ecg(rng, 600, 12))                          # one V1
    hea = write_master(tmp_path, "tv", ["tv_layout", "tv_0001", "tv_0002"], [0, 800, 600], 13, layout="variable")
    rec = load_record(hea)
    twin = rec.meta["named_twice"][0]
    assert (twin["lead"], twin["first_channel"], twin["channel"]) == ("V1", 7, 13)
    truth = np.full(1400, np.nan)
    truth[:800] = a[:, 12]
    np.testing.assert_allclose(twin["signal"], truth, rtol=0, atol=1e-6)
    np.testing.assert_allclose(rec.signal[IDX["V1"], :800], a[:, 0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(rec.signal[IDX["V1"], 800:], b[:, IDX["V1"]], rtol=0, atol=1e-6)


def test_each_segment_uses_its_own_gain_and_baseline(tmp_path):
    rng = np.random.default_rng(3)
    phys = _ecg(rng, 2000, 12)          # one continuous signal, stored at two resolutions
    write_layout(tmp_path, "gn_layout", LEADS)
    a = write_segment(tmp_path, "gn_0001", LEADS, phys[:1000], gain=200.0)
    b = write_segment(tmp_path, "gn_0002", LEADS, phys[1000:], gain=1000.0, baseline=-300)
    hea = write_master(tmp_path, "gn", ["gn_layout", "gn_0001", "gn_0002"], [0, 1000, 1000], 12,
                       layout="variable")
    rec = load_record(hea)
    np.testing.assert_allclose(rec.signal, np.concatenate([a, b]).T, rtol=0, atol=1e-6)
    np.testing.assert_allclose(rec.signal, wfdb_m2s(hea), rtol=0, atol=1e-6)
    # both halves are within a quantisation step (half of 1/200 mV) of the signal written
    np.testing.assert_allclose(rec.signal, phys.T, rtol=0, atol=0.5 / 200 + 1e-6)
    assert not rec.quality["missing"].any()
    assert rec.meta["adc_gain"] == (200.0,) * 12     # the first segment's, as read


def test_segment_named_twice_and_derived_limb_leads(tmp_path):
    """A segment the master names twice is played twice; III and the augmented leads, absent from
    the files, are derived over the whole joined record."""
    rng = np.random.default_rng(4)
    leads = ["I", "II", "V1", "V2", "V3", "V4", "V5", "V6"]
    a = write_segment(tmp_path, "rp_0001", leads, _ecg(rng, 1000, 8))
    hea = write_master(tmp_path, "rp", ["rp_0001", "rp_0001"], [1000, 1000], 8)
    rec = load_record(hea)
    twice = np.concatenate([a, a])
    np.testing.assert_allclose(rec.signal[IDX["I"]], twice[:, 0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(rec.signal[IDX["III"]], twice[:, 1] - twice[:, 0], rtol=0, atol=1e-5)
    assert rec.flagged_leads("derived") == ("III", "aVR", "aVL", "aVF")


# ----------------------------------------------------------------------------------------------
# refused, with the file at fault named
# ----------------------------------------------------------------------------------------------

def test_segment_at_another_sampling_rate_is_refused(tmp_path):
    rng = np.random.default_rng(5)
    write_segment(tmp_path, "sr_0001", LEADS, _ecg(rng, 1000, 12))
    write_segment(tmp_path, "sr_0002", LEADS, _ecg(rng, 1000, 12), fs=250)
    hea = write_master(tmp_path, "sr", ["sr_0001", "sr_0002"], [1000, 1000], 12)
    _refused(hea, tmp_path / "sr_0002.hea", r"sampled at 250 Hz, but sr\.hea at 500 Hz")


def test_missing_segment_is_refused(fixed_record):
    hea, _ = fixed_record
    (hea.parent / "fx_0002.hea").unlink()
    _refused(hea, hea.parent / "fx_0002.hea", r"segment header not found \(named in fx\.hea\)")


def test_missing_layout_segment_is_refused(tmp_path):
    rng = np.random.default_rng(6)
    write_segment(tmp_path, "nl_0001", LEADS, _ecg(rng, 1000, 12))
    hea = write_master(tmp_path, "nl", ["nl_layout", "nl_0001"], [0, 1000], 12, layout="variable")
    _refused(hea, tmp_path / "nl_layout.hea", "layout segment header not found")


@pytest.mark.parametrize("declared, word", [(1200, "more"), (1800, "fewer")])
def test_segment_of_another_length_than_declared_is_refused(fixed_record, declared, word):
    hea, _ = fixed_record
    hea.write_text(hea.read_text().replace("fx_0001 1500", f"fx_0001 {declared}")
                   .replace(" 2500", f" {declared + 1000}"))
    _refused(hea, hea.parent / "fx_0001.hea",
             rf"holds 1,500 samples per signal, {word} than the {declared:,} that fx\.hea declares")


def test_segment_without_length_whose_file_holds_more_is_refused(fixed_record):
    hea, _ = fixed_record
    seg = hea.parent / "fx_0001.hea"
    lines = seg.read_text().splitlines()
    lines[0] = "fx_0001 12 500"            # no length: the file's size gives it
    seg.write_text("\n".join(lines) + "\n")
    hea.write_text(hea.read_text().replace("fx_0001 1500", "fx_0001 1200").replace(" 2500", " 2200"))
    _refused(hea, seg, r"holds 1,500 samples per signal, but fx\.hea declares 1,200")


def test_total_length_disagreeing_with_master_is_refused(fixed_record):
    hea, _ = fixed_record
    hea.write_text(hea.read_text().replace("fx/2 12 500 2500", "fx/2 12 500 3000"))
    _refused(hea, hea, "segments' lengths add up to 2,500 samples, but the record line declares 3,000")


def test_too_many_segments_are_refused_before_any_is_opened(tmp_path):
    hea = tmp_path / "many.hea"
    n = MAX_SEGMENTS + 1
    hea.write_text(f"many/{n} 12 500 {n}\n" + "many_0001 1\n" * n)
    t0 = time.perf_counter()
    _refused(hea, hea, f"declares {n:,} segments; at most {MAX_SEGMENTS:,}")
    assert time.perf_counter() - t0 < 0.5


def test_nested_multi_segment_record_is_refused(fixed_record):
    hea, _ = fixed_record
    inner = hea.parent / "fx_0002.hea"
    inner.write_text("fx_0002/1 12 500 1000\nfx_0001 1000\n")
    _refused(hea, inner, r"itself a multi-segment record")


def test_fixed_layout_segment_with_other_signals_is_refused(tmp_path):
    rng = np.random.default_rng(7)
    write_segment(tmp_path, "fo_0001", LEADS, _ecg(rng, 1000, 12))
    swapped = LEADS[1:2] + LEADS[:1] + LEADS[2:]         # I and II exchanged: a silent misreading
    write_segment(tmp_path, "fo_0002", swapped, _ecg(rng, 1000, 12))
    hea = write_master(tmp_path, "fo", ["fo_0001", "fo_0002"], [1000, 1000], 12)
    _refused(hea, tmp_path / "fo_0002.hea", "are not those of the first segment fo_0001")


@pytest.mark.parametrize("lines, match", [
    # a master that would make the reader allocate (12, 10^10) floats: read in part (its first MAX_SAMPLES
    # samples a lead, trim_parts), here a gap of them, refused from its text alone
    ([f"huge/2 12 500 {10**10}", "~ 5000000000", "~ 5000000000"], "every segment is a gap"),
    (["huge/2 12 500", f"~ {MAX_SAMPLES}", "~ 1"], "every segment is a gap"),
    (["huge/2 12 500 2000", "../fx_0001 1000", "~ 1000"], "not 'NAME LENGTH'"),
    (["huge/3 12 500 2000", "~ 1000", "~ 1000"], "declares 3 segments but lists only 2"),
    (["huge/0 12 500 0"], "no segments"),
])
def test_hostile_master_headers_are_refused_fast(tmp_path, lines, match):
    hea = tmp_path / "huge.hea"
    hea.write_text("\n".join(lines) + "\n")
    t0 = time.perf_counter()
    _refused(hea, hea, match)
    assert time.perf_counter() - t0 < 0.5


def test_gaps_only_without_layout_are_refused(tmp_path):
    hea = tmp_path / "gaps.hea"
    hea.write_text("gaps/2 12 500 2000\n~ 1000\n~ 1000\n")
    _refused(hea, hea, "every segment is a gap")


def test_a_folder_lists_a_multi_segment_record_once_by_its_master(tmp_path, fixed_record):
    from mirage_model.records import find_records
    rng = np.random.default_rng(5)
    write_layout(tmp_path, "vf_layout", LEADS)
    write_segment(tmp_path, "vf_0001", LEADS, _ecg(rng, 1000, 12))
    write_master(tmp_path, "vf", ["vf_layout", "vf_0001", "~"], [0, 1000, 200], 12, layout="variable")
    write_segment(tmp_path, "single", LEADS, _ecg(rng, 1000, 12))      # an ordinary record beside them
    (tmp_path / "odd.hea").write_text("not a header\n")                # listed: loading it says what is wrong
    names = [p.name for p in find_records(tmp_path)]
    assert names == ["fx.hea", "odd.hea", "single.hea", "vf.hea"]


def test_the_folder_browser_and_a_batch_read_a_multi_segment_record_once(tmp_path):
    from mirage_model.formats import find_ecg_files
    from mirage_model.review.batch.inputs import find_inputs
    rng = np.random.default_rng(6)
    write_segment(tmp_path, "ms_0001", LEADS, _ecg(rng, 1000, 12))
    write_segment(tmp_path, "ms_0002", LEADS, _ecg(rng, 1000, 12))
    write_master(tmp_path, "ms", ["ms_0001", "ms_0002"], [1000, 1000], 12)
    write_segment(tmp_path, "single", LEADS, _ecg(rng, 1000, 12))
    (tmp_path / "lost.dat").write_bytes(b"\0" * 24)                    # a signal file without its header
    assert [p.name for p in find_ecg_files(tmp_path)] == ["ms.hea", "single.hea"]
    headers, orphans, passed_over = find_inputs(tmp_path)
    assert [p.name for p in headers] == ["ms.hea", "single.hea"]
    assert [p.name for p in orphans] == ["lost.dat"]                   # the segments' .dat files are not orphans
    assert passed_over == []

