"""Records whose samples are not one a frame, or not at a whole-number rate: read with their true
timing and values. Truth is wfdb's own reader (``rdrecord(smooth_frames=False)``) and synthetic
signals of known mV and known timing."""

from __future__ import annotations

import numpy as np
import pytest

wfdb = pytest.importorskip("wfdb")

from mirage_model.records import RecordError, load_record  # noqa: E402

LEADS = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]


def _write(tmp_path, name, fs, spf, digital, fmt="16", names=None):
    """A WFDB record of the given digital samples (one array per signal, ``len = T * spf``)."""
    names = names or LEADS[:len(spf)]
    wfdb.wrsamp(name, fs=fs, units=["mV"] * len(spf), sig_name=names, e_d_signal=digital,
                samps_per_frame=spf, fmt=[fmt] * len(spf), adc_gain=[200.0] * len(spf),
                baseline=[0] * len(spf), write_dir=str(tmp_path))
    return tmp_path / f"{name}.hea"


def _signals(T, spf, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(-1500, 1500, T * s).astype(np.int64) for s in spf]


@pytest.mark.parametrize("fmt", ["16", "212"])
def test_two_samples_per_frame_read_at_their_own_rate(tmp_path, fmt):
    """12 leads at "x2" and a respiration channel at one sample a frame: the leads are read at twice
    the frame rate, sample by sample as wfdb stores them; the respiration channel is left out."""
    T, spf = 400, [2] * 12 + [1]
    hea = _write(tmp_path, "multi", 250, spf, _signals(T, spf), fmt, LEADS + ["RESP"])
    truth = wfdb.rdrecord(str(hea.with_suffix("")), smooth_frames=False)

    rec = load_record(hea)

    assert rec.fs == 500.0
    assert rec.signal.shape == (12, 2 * T)
    for k in range(12):
        np.testing.assert_allclose(rec.signal[k], truth.e_p_signal[k], atol=1e-5)
    assert "RESP" in rec.meta["dropped_leads"]
    assert rec.meta["samples_per_frame"] == 2
    assert "checksum_mismatch" not in rec.meta   # checked over every stored sample, as WFDB sums them


def test_band_above_the_frame_rate_kept(tmp_path):
    """A 150 Hz sine at 2 x 250 Hz: above the frame rate's Nyquist frequency (125 Hz), which
    averaging the pairs of each frame would halve (cos(pi * 150 / 500) = 0.59) and alias."""
    fs, T = 250, 500
    t = np.arange(2 * T) / (2 * fs)
    d = np.round(200 * np.sin(2 * np.pi * 150 * t)).astype(np.int64)   # 1 mV at 200 units per mV
    hea = _write(tmp_path, "sine", fs, [2] * 12, [d] * 12)

    rec = load_record(hea)

    x = rec.signal[1].astype(np.float64)
    amp = 2 * np.abs(np.fft.rfft(x)) / len(x)
    freqs = np.fft.rfftfreq(len(x), 1 / rec.fs)
    assert freqs[np.argmax(amp)] == pytest.approx(150.0)
    assert amp.max() == pytest.approx(1.0, abs=0.01)


def test_lead_at_fewer_samples_per_frame_interpolated_on_time(tmp_path):
    """V6 at one sample a frame beside 11 leads at two: V6 is interpolated to the leads' rate at the
    right times (a 1 Hz square pulse's edges stay at whole seconds), and the record says so."""
    fs, T = 250, 1000                    # 4 s of frames: the leads at 500 Hz
    spf = [2] * 11 + [1]
    digital = _signals(T, spf, seed=1)
    t1 = np.arange(T) / fs
    digital[11] = np.where((t1 % 1.0) < 0.5, 200, 0).astype(np.int64)   # 1 mV for the first half of each second
    hea = _write(tmp_path, "mixed", fs, spf, digital)
    truth = wfdb.rdrecord(str(hea.with_suffix("")), smooth_frames=False)

    rec = load_record(hea)

    assert rec.fs == 500.0 and rec.signal.shape == (12, 2 * T)
    for k in range(11):
        np.testing.assert_allclose(rec.signal[k], truth.e_p_signal[k], atol=1e-5)
    v6 = rec.signal[11]
    t = np.arange(2 * T) / rec.fs
    np.testing.assert_allclose(v6, np.interp(t, t1, truth.e_p_signal[11]), atol=0.003)
    rises = np.flatnonzero(np.diff((v6 > 0.5).astype(int)) == 1) + 1
    falls = np.flatnonzero(np.diff((v6 > 0.5).astype(int)) == -1) + 1
    np.testing.assert_allclose(t[rises], [1.0, 2.0, 3.0], atol=1 / fs)
    np.testing.assert_allclose(t[falls], [0.5, 1.5, 2.5, 3.5], atol=1 / fs)
    assert any("V6" in note and "interpolated" in note for note in rec.meta["reader_warnings"])


def test_invalid_sample_at_two_per_frame_is_missing_there(tmp_path):
    T, spf = 300, [2] * 12
    digital = _signals(T, spf, seed=2)
    digital[0][101] = -32768             # WFDB's invalid sample in format 16
    hea = _write(tmp_path, "gap", 250, spf, digital)

    rec = load_record(hea)

    assert np.flatnonzero(np.isnan(rec.signal[0])).tolist() == [101]
    assert rec.quality["missing"][0]


def test_checksums_checked_at_two_samples_per_frame(tmp_path):
    """Checksums sum every stored sample (``signal(5)``): a header whose checksums do not fit (here
    the data of another record) is refused, as at one sample a frame."""
    T, spf = 300, [2] * 12
    hea = _write(tmp_path, "sums", 250, spf, _signals(T, spf, seed=3))
    other = _write(tmp_path, "other", 250, spf, _signals(T, spf, seed=4))
    hea.with_suffix(".dat").write_bytes(other.with_suffix(".dat").read_bytes())

    with pytest.raises(RecordError, match="checksums"):
        load_record(hea)


@pytest.mark.parametrize("fs", [333.333, 1024 / 3, 499.75, 50.0, 10_000.0])
def test_rates_not_whole_or_far_from_the_models_keep_their_timing(tmp_path, fs):
    """A 1 Hz sine recorded at a rate that is no whole number (333.333 Hz as a header writes it,
    1024/3 Hz, 499.75 Hz) or far from the model's 100 Hz: read at the header's rate, and the one
    preprocessing path brings it to 100 Hz with its duration and phase (near the start and the
    end) within 1 ms."""
    from mirage_model import preprocess

    secs = 8 if fs > 5000 else 20
    T = int(secs * fs)
    # mains removal included at every rate (10 kHz: FFTs, a fraction of a second)
    cfg = preprocess.PreprocessConfig()
    t = np.arange(T) / fs
    d = np.round(1000 * (0.5 * np.sin(2 * np.pi * t) + 0.2 * np.sin(2 * np.pi * 3 * t))).astype(np.int64)
    wfdb.wrsamp("odd", fs=fs, units=["mV"] * 12, sig_name=LEADS, d_signal=np.tile(d[:, None], (1, 12)),
                fmt=["16"] * 12, adc_gain=[1000.0] * 12, baseline=[0] * 12, write_dir=str(tmp_path))

    rec = load_record(tmp_path / "odd.hea")
    assert rec.fs == pytest.approx(fs, rel=1e-9)
    y = preprocess.filtered_resampled(rec.signal, rec.fs, cfg)[1]
    assert y.shape[0] == pytest.approx(T * 100 / fs, abs=1)
    tt = np.arange(len(y)) / 100
    for part in (slice(200, 500), slice(len(y) - 500, len(y) - 200)):
        basis = np.stack([np.sin(2 * np.pi * tt[part]), np.cos(2 * np.pi * tt[part])], axis=1)
        a, b = np.linalg.lstsq(basis, y[part], rcond=None)[0]
        assert abs(np.arctan2(b, a)) / (2 * np.pi) < 0.001          # seconds of phase at 1 Hz


def test_frame_rate_below_an_ecgs_with_leads_at_many_samples_a_frame(tmp_path):
    """31.25 frames a second of 16 samples a lead is an ECG at 500 Hz: read (the frame rate alone
    was refused as below 50 Hz), as wfdb stores the samples."""
    T, spf = 40, [16] * 12
    hea = _write(tmp_path, "slowframes", 31.25, spf, _signals(T, spf, seed=5))
    truth = wfdb.rdrecord(str(hea.with_suffix("")), smooth_frames=False)

    rec = load_record(hea)

    assert rec.fs == 500.0 and rec.signal.shape == (12, 16 * T)
    for k in range(12):
        np.testing.assert_allclose(rec.signal[k], truth.e_p_signal[k], atol=1e-5)


def test_leads_rate_checked_not_only_the_frame_rate(tmp_path):
    """The record's rate is the leads': 31.25 Hz frames whose ECG leads hold one sample a frame
    (only a respiration channel holds 16) are refused as 31.25 Hz, and 1000 Hz frames of 64
    samples a lead (64 kHz) as beyond the plausible range."""
    spf = [1] * 12 + [16]
    slow = _write(tmp_path, "slowleads", 31.25, spf, _signals(40, spf, seed=6), names=LEADS + ["RESP"])
    with pytest.raises(RecordError, match=r"sampling frequency 31.25 Hz is outside the plausible range"):
        load_record(slow)
    fast = _write(tmp_path, "fast", 1000, [64] * 12, _signals(20, [64] * 12, seed=7))
    with pytest.raises(RecordError, match=r"sampling frequency 64000 Hz is outside the plausible range.*64 "
                                          r"sample\(s\) a frame"):
        load_record(fast)


def test_multi_segment_record_at_four_samples_per_frame(tmp_path):
    """A multi-segment record of 62.5 frames a second, 4 samples a lead (250 Hz, as MIMIC-IV's
    waveforms store ECG), with a gap between two segments: read at 250 Hz, each segment as wfdb
    reads it alone (``smooth_frames=False``), the gap missing; averaged to 62.5 Hz it kept no
    ECG band above 31 Hz."""
    spf = [4] * 12
    for name, T, seed in (("s1", 100, 8), ("s2", 150, 9)):
        _write(tmp_path, name, 62.5, spf, _signals(T, spf, seed=seed))
    wfdb.MultiRecord(record_name="multi", n_sig=12, fs=62.5, sig_len=270, seg_name=["s1", "~", "s2"],
                     seg_len=[100, 20, 150], layout="fixed", segments=[None] * 3).wrheader(write_dir=str(tmp_path))
    truth = [wfdb.rdrecord(str(tmp_path / name), smooth_frames=False).e_p_signal for name in ("s1", "s2")]

    rec = load_record(tmp_path / "multi.hea")

    assert rec.fs == 250.0 and rec.signal.shape == (12, 4 * 270)
    for k in range(12):
        expected = np.concatenate([truth[0][k], np.full(4 * 20, np.nan), truth[1][k]])
        np.testing.assert_allclose(rec.signal[k], expected, atol=1e-5)   # NaN where NaN


def test_length_at_the_leads_rate_checked_before_reading(tmp_path, monkeypatch):
    """A header without a length: the frames its file holds times the samples per frame are held
    to the record-length limit before a sample is read (here a limit of 1,000 samples a lead). Longer, the
    record is read in part (docs/long_records.md): its first 250 frames of 4 samples alone reach the reader."""
    from mirage_model.records import wfdb_header, wfdb_samples

    samples = _signals(400, [4] * 12, seed=10)
    hea = _write(tmp_path, "long", 250, [4] * 12, samples)
    lines = hea.read_text().splitlines()
    lines[0] = " ".join(lines[0].split()[:3])               # "long 12 250": no length
    hea.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(wfdb_header, "MAX_SAMPLES", 1000)
    asked = []
    read = wfdb_samples._read_with_wfdb

    def counted_read(hea, fpath, header, members, wanted, sig_len, *args, **kwargs):
        asked.append(sig_len)
        return read(hea, fpath, header, members, wanted, sig_len, *args, **kwargs)

    monkeypatch.setattr(wfdb_samples, "_read_with_wfdb", counted_read)
    rec = load_record(hea)
    assert asked == [250] and rec.signal.shape == (12, 1000) and rec.fs == 1000
    np.testing.assert_allclose(rec.signal, np.stack([x[:1000] for x in samples]) / 200, atol=1e-6)   # as stored
    assert rec.meta["read_part_note"].startswith("only the first 1 s of the 2 s recording read (1,000 of 1,600 "
                                                 "samples a lead at 1000 Hz")
