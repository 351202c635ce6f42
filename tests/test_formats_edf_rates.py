"""EDF/EDF+ files whose signals are not all at one rate (EDF gives each signal its own samples per
data record), data records of other durations than 1 s, and rates that are not whole numbers: read
with their true timing. Truth: pyedflib's writer and reader, and a 1 Hz square pulse whose edges
must land on the half and whole seconds."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pyedflib = pytest.importorskip("pyedflib")
pytest.importorskip("edfio")

from mirage_model.records import load_record  # noqa: E402

LEADS = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]


def _pulse(t: np.ndarray) -> np.ndarray:
    """1 mV for the first half of each second, 0 for the second half."""
    return np.where((t % 1.0) < 0.5, 1.0, 0.0)


def _write(path, channels, duration=1.0):
    """An EDF+ (a .bdf path: BDF+) file of ``channels``: (label, samples per data record, physical
    samples, units)."""
    bdf = path.suffix == ".bdf"
    w = pyedflib.EdfWriter(str(path), len(channels), file_type=pyedflib.FILETYPE_BDFPLUS if bdf
                           else pyedflib.FILETYPE_EDFPLUS)
    try:
        if duration != 1.0:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                w.setDatarecordDuration(duration)
        w.setSignalHeaders([{"label": label, "dimension": units, "sample_frequency": n / duration,
                             "physical_max": 5.0 if units == "mV" else 100.0,
                             "physical_min": -5.0 if units == "mV" else 0.0,
                             "digital_max": 8388607 if bdf else 32767, "digital_min": -8388608 if bdf else -32768,
                             "transducer": "", "prefilter": ""}
                            for label, n, _, units in channels])
        w.writeSamples([x for _, _, x, _ in channels])
    finally:
        w.close()
    return path


def _ecg(T, fs, seed=0):
    t = np.arange(T) / fs
    rng = np.random.default_rng(seed)
    return [np.sin(2 * np.pi * (1 + k) * t) * 0.5 + rng.normal(0, 0.05, T) for k in range(12)]


@pytest.mark.parametrize("suffix, slow", [(".edf", 250), (".bdf", 250), (".edf", 200)])
def test_lead_at_a_lower_rate_interpolated_on_time(tmp_path, suffix, slow):
    """11 leads at 500 Hz, V6 at 250 or 200 Hz (a 1 Hz square pulse), SpO2 at 1 Hz: read at 500 Hz,
    V6 interpolated with its edges at the right seconds, SpO2 left out, a note naming V6."""
    secs, fs = 4, 500
    x = _ecg(secs * fs, fs)
    t_slow = np.arange(secs * slow) / slow
    channels = [(f"ECG {lead}", fs, x[k], "mV") for k, lead in enumerate(LEADS[:11])]
    channels += [("ECG V6", slow, _pulse(t_slow), "mV"), ("SpO2", 1, np.full(secs, 97.0), "%")]
    path = _write(tmp_path / f"mixed{suffix}", channels)

    rec = load_record(path)

    assert rec.fs == 500.0 and rec.signal.shape == (12, secs * fs)
    with pyedflib.EdfReader(str(path)) as f:
        for k in range(11):
            np.testing.assert_allclose(rec.signal[k], f.readSignal(k), atol=1e-6)
        v6 = f.readSignal(11)
    t = np.arange(secs * fs) / fs
    np.testing.assert_allclose(rec.signal[11], np.interp(t, t_slow, v6), atol=1e-6)
    up = rec.signal[11] > 0.5
    rises = t[np.flatnonzero(np.diff(up.astype(int)) == 1) + 1]
    falls = t[np.flatnonzero(np.diff(up.astype(int)) == -1) + 1]
    np.testing.assert_allclose(rises, [1.0, 2.0, 3.0], atol=1 / slow)
    np.testing.assert_allclose(falls, [0.5, 1.5, 2.5, 3.5], atol=1 / slow)
    assert rec.meta["resampled_leads"] == ("ECG V6",)
    assert any(f"ECG V6 ({slow} Hz)" in w for w in rec.meta["reader_warnings"])
    assert "SpO2" in rec.meta["dropped_leads"]


@pytest.mark.parametrize("duration, n", [(0.1, 50), (10.0, 5000), (2.0, 999)])
def test_data_record_durations_and_rates(tmp_path, duration, n):
    """Data records of 0.1 s, 10 s, and 999 samples in 2 s (499.5 Hz): the rate is samples per
    record over its duration, the pulse's edges on the half seconds."""
    fs = n / duration
    secs = 20 if duration == 10.0 else 4
    T = int(round(secs * fs))
    t = np.arange(T) / fs
    x = _ecg(T, fs, seed=1)
    x[0] = _pulse(t)
    path = _write(tmp_path / "dur.edf", [(f"ECG {lead}", n, x[k], "mV") for k, lead in enumerate(LEADS)], duration)

    rec = load_record(path)

    assert rec.fs == pytest.approx(fs, rel=1e-12)
    assert rec.signal.shape[1] / rec.fs == pytest.approx(secs)
    edges = np.flatnonzero(np.diff((rec.signal[0] > 0.5).astype(int))) + 1
    np.testing.assert_allclose(t[edges], np.arange(1, 2 * secs) * 0.5, atol=1.01 / fs)


def _edf_plus_d(path, leads, onsets):
    """An EDF+D file written byte by byte (EDF+ spec 2.2.4): ``leads`` (label, samples per 1 s data
    record, digital samples of 1 uV a count) and an annotation signal whose first TAL in each data
    record gives its onset."""
    ann = 15   # 30 bytes of annotations a data record
    signals = [(label, "uV", n) for label, n, _ in leads] + [("EDF Annotations", "", ann)]

    def field(value, size):
        return str(value).encode("latin-1").ljust(size)

    ns = len(signals)
    head = (field("0", 8) + field("X X X X", 80) + field("Startdate 01-JAN-2020 X X X", 80) + field("01.01.20", 8)
            + field("10.00.00", 8) + field(256 * (ns + 1), 8) + field("EDF+D", 44) + field(len(onsets), 8)
            + field(1, 8) + field(ns, 4))
    for column in ([field(label, 16) for label, _, _ in signals], [field("", 80)] * ns,
                   [field(unit, 8) for _, unit, _ in signals], [field(-32768, 8)] * ns, [field(32767, 8)] * ns,
                   [field(-32768, 8)] * ns, [field(32767, 8)] * ns, [field("", 80)] * ns,
                   [field(n, 8) for _, _, n in signals], [field("", 32)] * ns):
        head += b"".join(column)
    body = b""
    for r, onset in enumerate(onsets):
        for _, n, x in leads:
            body += x[r * n:(r + 1) * n].astype("<i2").tobytes()
        body += (f"+{onset:g}".encode() + b"\x14\x14\x00").ljust(2 * ann, b"\x00")
    path.write_bytes(head + body)
    return path


def test_slower_lead_of_an_edf_plus_d_file_not_blended_across_a_gap(tmp_path):
    """EDF+D of three 1 s data records at 0, 1 and 5 s; 11 leads at 250 Hz, V6 at 125 Hz, V6 a ramp
    of its sample numbers. V6 is interpolated within each stretch and holds its last sample at a
    stretch's end, never blending in the stretch recorded 3 s later; the gap stays missing."""
    onsets = [0, 1, 5]
    R = len(onsets)
    rng = np.random.default_rng(0)
    leads = [(f"ECG {lead}", 250, rng.integers(-500, 500, 250 * R)) for lead in LEADS[:11]]
    ramp = np.arange(125 * R) * 4          # uV: 4 uV per V6 sample
    leads.append(("ECG V6", 125, ramp))
    rec = load_record(_edf_plus_d(tmp_path / "gap.edf", leads, onsets))

    assert rec.fs == 250.0 and rec.signal.shape == (12, 6 * 250)
    v6 = rec.signal[11].astype(np.float64) * 1000             # uV
    first = v6[:500]                                          # records 1 and 2: one stretch
    np.testing.assert_allclose(first[:499], np.arange(499) * 2.0, atol=1e-3)   # half a V6 sample a step
    assert first[499] == pytest.approx(ramp[249])             # held, not 250 samples on (record 3's first)
    assert np.isnan(v6[500:1250]).all()                       # 3 s gap
    np.testing.assert_allclose(v6[1250:1499], ramp[250] + np.arange(249) * 2.0, atol=1e-3)
    np.testing.assert_allclose(rec.signal[0, 1250:] * 1000, leads[0][2][500:], atol=1e-3)


def test_annotation_only_file_refused_as_such(tmp_path):
    """EDF+ allows a data record duration of 0 in a file of annotations alone (spec 2.2.4): refused
    as holding no ECG signal, not as a damaged duration field; with ECG signals 0 stays an error."""
    from mirage_model.records import RecordError

    def field(value, size):
        return str(value).encode("latin-1").ljust(size)

    def edf(labels, n):
        ns = len(labels)
        head = (field("0", 8) + field("X X X X", 80) + field("Startdate 01-JAN-2020 X X X", 80)
                + field("01.01.20", 8) + field("10.00.00", 8) + field(256 * (ns + 1), 8) + field("EDF+C", 44)
                + field(1, 8) + field(0, 8) + field(ns, 4))
        for column in ([field(label, 16) for label in labels], [field("", 80)] * ns, [field("", 8)] * ns,
                       [field(-32768, 8)] * ns, [field(32767, 8)] * ns, [field(-32768, 8)] * ns,
                       [field(32767, 8)] * ns, [field("", 80)] * ns, [field(n, 8)] * ns, [field("", 32)] * ns):
            head += b"".join(column)
        return head + b"+0\x14\x14\x00+1.5\x150\x14beat\x14\x00".ljust(2 * n * ns, b"\x00")

    only = tmp_path / "notes.edf"
    only.write_bytes(edf(["EDF Annotations"], 20))
    with pytest.raises(RecordError, match="annotations only .*no ECG signal"):
        load_record(only)
    ecg = tmp_path / "zero.edf"
    ecg.write_bytes(edf([f"ECG {lead}" for lead in LEADS], 20))
    with pytest.raises(RecordError, match="duration 0 s is not a positive number"):
        load_record(ecg)
