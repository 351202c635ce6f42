"""Sampling rates from stated sample intervals (``formats.rates``).

An SCP-ECG sample interval is a whole number of microseconds (EN 1064, Sections 5 and 6), so a cart
sampling at 600 Hz writes 1667 (1e6 / 600 = 1666.67 rounded): read as 600 Hz, not 599.88 Hz. An interval
that is no rounded whole rate's (1500 us) is read as stated (666.67 Hz), where ecgdatakit rounded every
rate to whole Hz (667 Hz: 9 s read as 8.9955 s). The same in the other readers that state an interval:
MFER's (ISO 22077-1, unit, exponent, mantissa) and HL7 aECG's time increment written to the microsecond or
finer (0.0016667 s). A DICOM median beat is read at its own multiplex group's Sampling Frequency.
Truth: each rate worked out by hand from the interval the test writes; durations are samples / rate.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from mirage_model.formats.rates import interval_rate
from mirage_model.records import load_record
from mirage_model.review.file_info import reader_notes

pytest.importorskip("ecgdatakit")

from test_formats_found_files import WELCH_ALLYN, _scp_crcs_again, _scp_section  # noqa: E402
from test_formats_holter_mfer import MFER_CODES, _ludb_counts, write_mfer  # noqa: E402

DATA = Path(__file__).parent / "data" / "formats"
STANDARD = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]


@pytest.mark.parametrize("us, hz", [(1667, 600.0), (2000, 500.0), (1000, 1000.0), (4000, 250.0), (3333, 300.0),
                                    (7812, 128.0), (7813, 128.0), (1953, 512.0), (1500, 1e6 / 1500), (2001, 1e6 / 2001),
                                    (3000, 1e6 / 3000)])
def test_interval_rate_by_hand(us, hz):
    """1667: 1e6 / 1667 = 599.88, round 600, 1e6 / 600 = 1666.67 rounds to 1667: 600. 1500: 666.67, round
    667, 1e6 / 667 = 1499.25 rounds to 1499, not 1500: 666.67 as stated. 3000: 333 Hz's is 3003: as stated.
    128 Hz's 7812.5 rounds to 7812 or 7813 (a tie): both are 128 Hz."""
    assert interval_rate(us * 1e-6) == pytest.approx(hz, rel=1e-12)


@pytest.mark.parametrize("seconds, hz", [(0.0016667, 600.0), (0.0033333, 300.0), (0.00166667, 600.0),
                                         (0.001666667, 600.0), (0.00166669, 1 / 0.00166669),
                                         (0.0016668, 1 / 0.0016668), (0.0020001, 1 / 0.0020001)])
def test_interval_rate_finer_than_the_microsecond_by_hand(seconds, hz):
    """An interval written to 0.1 us, 10 ns or 1 ns is read as a whole rate when it is that rate's interval
    rounded to the digits written (an HL7 REAL's precision): 1 / 600 = 0.00166666... is 0.0016667,
    0.00166667, 0.001666667; 1 / 300 = 0.0033333. One that is not is read as stated: 0.00166669
    (599.99 Hz; 600 Hz's is 0.00166667 at 8 digits), 0.0016668 (599.95 Hz; 0.0016667 at 7),
    0.0020001 (499.975 Hz; 500 Hz's is 0.0020000), although each lies within 0.01 % of the whole rate's."""
    assert interval_rate(seconds) == pytest.approx(hz, rel=1e-12)


def _welch_allyn_interval(tmp_path: Path, us: int) -> Path:
    """The Welch Allyn file (600 Hz, 1667 us) with Section 6's sample interval (bytes 2-3 of its body)
    written ``us``, its CRCs written again; its 6000 samples a lead are unchanged."""
    data = bytearray(WELCH_ALLYN.read_bytes())
    start, length = _scp_section(data, 6)
    assert struct.unpack_from("<H", data, start + 16 + 2)[0] == 1667
    struct.pack_into("<H", data, start + 16 + 2, us)
    _scp_crcs_again(data, start, length)
    path = tmp_path / f"interval_{us}.SCP"
    path.write_bytes(bytes(data))
    return path


def test_scp_interval_is_read_as_the_rate_it_states(tmp_path):
    """The Welch Allyn file's 1667 us is 600 Hz exactly, its 6000 samples 10 s, its reference beat's too
    (ecgdatakit already rounded it so: this holds the reading). A copy stating 1500 us is 666.67 Hz and
    9 s (had been 667 Hz, 8.9955 s), one stating 2001 us 499.75 Hz and 12.006 s (had been 500 Hz, 12 s)."""
    rec = load_record(WELCH_ALLYN)
    assert rec.fs == 600.0 and rec.signal.shape[1] / rec.fs == 10.0
    assert rec.meta["device_median_beats"]["fs"] == 600.0
    for us in (1500, 2001):
        odd = load_record(_welch_allyn_interval(tmp_path, us))
        assert odd.fs == pytest.approx(1e6 / us, rel=1e-12)
        assert odd.signal.shape[1] * us * 1e-6 == pytest.approx(odd.signal.shape[1] / odd.fs, rel=1e-12)
        np.testing.assert_array_equal(odd.signal, rec.signal)


def _aecg(tmp_path: Path, increment: str) -> Path:
    text = (DATA / "aecg_subject1_0.xml").read_text(encoding="utf-8")
    assert text.count('<increment value="0.002" unit="s"/>') == 2     # the rhythm's and the median beat's
    path = tmp_path / f"aecg_{increment}.xml"
    path.write_text(text.replace('<increment value="0.002" unit="s"/>', f'<increment value="{increment}" unit="s"/>'),
                    encoding="utf-8")
    return path


def test_aecg_increment_to_the_microsecond_is_the_whole_rate(tmp_path):
    """An aECG time increment of 0.001667 s (600 Hz written to the microsecond) had been read as
    599.88 Hz, with ecgdatakit's note "rounded to 600 Hz"; it is 600 Hz. A 3 ms increment stays 333.33 Hz
    (rhythm and median beat; the beat had been 333 Hz), and ecgdatakit's note that it rounded to 333 Hz,
    which MIRAGE does not, is no longer said."""
    rec = load_record(_aecg(tmp_path, "0.001667"))
    assert rec.fs == 600.0 and rec.meta["device_median_beats"]["fs"] == 600.0
    assert not any("rounded to" in note for note in reader_notes(rec))
    odd = load_record(_aecg(tmp_path, "0.003"))
    assert odd.fs == pytest.approx(1 / 0.003, rel=1e-12)
    assert odd.meta["device_median_beats"]["fs"] == pytest.approx(1 / 0.003, rel=1e-12)
    assert not any("rounded to" in note for note in reader_notes(odd))


def test_aecg_increment_to_a_tenth_of_a_microsecond_is_the_whole_rate(tmp_path):
    """An aECG time increment of 0.0016667 s (600 Hz written to 0.1 us: 1 / 600 = 0.00166666...) had been
    read as 599.988 Hz (1 / 0.0016667), rhythm and median beat; it is 600 Hz, its 5000 samples 8.3333 s.
    0.00166669 s, which no 600 Hz cart writes to 10 ns (0.00166667), stays 599.99 Hz."""
    rec = load_record(_aecg(tmp_path, "0.0016667"))
    assert rec.fs == 600.0 and rec.meta["device_median_beats"]["fs"] == 600.0
    assert rec.signal.shape == (12, 5000) and rec.signal.shape[1] / rec.fs == pytest.approx(25 / 3, rel=1e-12)
    odd = load_record(_aecg(tmp_path, "0.00166669"))
    assert odd.fs == pytest.approx(1 / 0.00166669, rel=1e-12)
    assert odd.meta["device_median_beats"]["fs"] == pytest.approx(1 / 0.00166669, rel=1e-12)


def test_mfer_interval_in_microseconds_is_read_as_stated(tmp_path):
    """LUDB record 1 (500 Hz) written as MFER with its interval (tag 0x0B: seconds, exponent -3, mantissa
    2) restated as 1500 us (exponent -6, mantissa 1500): 666.67 Hz, 5000 samples in 7.5 s; ecgdatakit
    had read 667 Hz."""
    counts, fs = _ludb_counts()
    path = tmp_path / "cart.mwf"
    write_mfer(path, [(code, fs, counts[STANDARD.index(lead)]) for lead, code in MFER_CODES.items()])
    data = path.read_bytes()
    two_ms, us_1500 = b"\x0b\x04\x01\xfd\x02\x00", b"\x0b\x04\x01\xfa" + struct.pack("<H", 1500)
    assert data.count(two_ms) == len(MFER_CODES)
    path.write_bytes(data.replace(two_ms, us_1500))
    rec = load_record(path)
    assert rec.fs == pytest.approx(1e6 / 1500, rel=1e-12)
    assert rec.signal.shape[1] / rec.fs == pytest.approx(7.5, rel=1e-12)


@pytest.mark.parametrize("rhythm_hz, median_hz", [("1000", "499.8"), ("333.333", "333.333")])
def test_dicom_median_beat_is_read_at_its_own_groups_rate(tmp_path, rhythm_hz, median_hz):
    """pydicom's waveform_ecg.dcm, its median beat's multiplex group (labelled "MEDIAN BEAT", 1200
    samples) stating 499.8 Hz beside a 1000 Hz rhythm, or 333.333 Hz as its rhythm does: the beat is
    read at the rate its own group states (1200 / 499.8 = 2.4010 s), where it had taken ecgdatakit's
    whole 500 Hz (2.4 s) or 333 Hz; its samples are unchanged."""
    pydicom = pytest.importorskip("pydicom")
    ds = pydicom.dcmread(DATA / "waveform_ecg.dcm")
    rhythm, median = ds.WaveformSequence
    assert "MEDIAN" in median.MultiplexGroupLabel.upper() and median.NumberOfWaveformSamples == 1200
    ref_beat = ds.waveform_array(1)                           # (1200, 12) uV
    rhythm.SamplingFrequency, median.SamplingFrequency = rhythm_hz, median_hz
    ds.save_as(tmp_path / "median_rate.dcm")
    rec = load_record(tmp_path / "median_rate.dcm")
    assert rec.fs == float(rhythm_hz)
    beats = rec.meta["device_median_beats"]
    assert beats["fs"] == float(median_hz)
    assert len(beats["leads"]["II"]) / beats["fs"] == pytest.approx(1200 / float(median_hz), rel=1e-12)
    np.testing.assert_allclose(beats["leads"]["II"] * 1000, ref_beat[:, 1], atol=1e-3)
