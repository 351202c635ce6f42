"""Discontinuous EDF+D and BDF+D recordings (EDF+ spec, Kemp & Olivan 2003, section 2.2.4: each
data record starts at the onset of its first time-stamped annotation list), and the header's
calibration (EDF spec 2.1: the digital range maps linearly onto the physical one).

The files are written here byte by byte from the spec, so the truth is what was written: the
digital samples of each record (1 uV a count) and the onset given to each record.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from mirage_model.limits import MAX_SAMPLES
from mirage_model.records import STANDARD_LEADS, RecordError, load_record

pytest.importorskip("edfio")

FS = 250     # Hz
N = 250      # samples per data record (1 s records)
R = 8        # data records
ANN_BYTES = 30  # bytes of the "EDF Annotations" signal in each record


def digital_samples(seed: int = 0) -> np.ndarray:
    """(12, R * N) counts of 1 uV: a different ECG-sized wave per lead plus noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(R * N) / FS
    k = np.arange(12)[:, None]
    x = 800 * np.sin(2 * np.pi * 1.1 * t + 0.5 * k) + 150 * np.sin(2 * np.pi * 7 * t + k) + 10 * k
    return np.rint(x + rng.integers(-20, 21, size=x.shape)).astype(np.int64)


def tal(onset: float) -> bytes:
    """The timekeeping TAL of one data record: "+onset", 0x14, an empty text, 0x14, 0x00."""
    return np.format_float_positional(float(onset), trim="-", sign=True).encode() + b"\x14\x14\x00"


def write_edf_plus(path: Path, x: np.ndarray, onsets=None, *, reserved: str | None = None,
                   tals: list[bytes] | None = None, annotations: bool = True) -> Path:
    """An EDF+D (or, for a .bdf path, BDF+D) file of 12 "ECG <lead>" signals in uV, one data record
    of N samples a signal per onset; ``tals`` replaces the annotation bytes of each record."""
    bdf = path.suffix == ".bdf"
    reserved = reserved or ("BDF+D" if bdf else "EDF+D")
    width = 3 if bdf else 2
    top = (1 << (8 * width - 1)) - 1
    tals = tals if tals is not None else [tal(o) for o in onsets]
    ann_samples = ANN_BYTES // width
    signals = [(f"ECG {lead}", "uV", N) for lead in STANDARD_LEADS]
    if annotations:
        signals.append((f"{'BDF' if bdf else 'EDF'} Annotations", "", ann_samples))
    ns = len(signals)

    def field(value, size: int) -> bytes:
        text = str(value).encode("latin-1")
        assert len(text) <= size, (value, size)
        return text.ljust(size)

    head = (
        (b"\xffBIOSEMI" if bdf else field("0", 8)) + field("X X X X", 80)
        + field("Startdate 01-JAN-2020 X X X", 80) + field("01.01.20", 8) + field("10.00.00", 8)
        + field(256 * (ns + 1), 8) + field(reserved, 44) + field(len(tals), 8) + field(1, 8) + field(ns, 4)
    )
    columns = [
        [field(label, 16) for label, _, _ in signals],
        [field("", 80) for _ in signals],
        [field(unit, 8) for _, unit, _ in signals],
        [field(-top - 1, 8) for _ in signals],  # physical minimum: 1 uV a count
        [field(top, 8) for _ in signals],
        [field(-top - 1, 8) for _ in signals],
        [field(top, 8) for _ in signals],
        [field("", 80) for _ in signals],
        [field(n, 8) for _, _, n in signals],
        [field("", 32) for _ in signals],
    ]
    body = []
    for r, annotation in enumerate(tals):
        samples = x[:, r * N:(r + 1) * N].astype("<i4")  # (12, N)
        raw = samples.tobytes() if bdf else samples.astype("<i2").tobytes()
        if bdf:  # 24-bit little endian: the low 3 bytes of each int32
            raw = np.frombuffer(raw, np.uint8).reshape(-1, 4)[:, :3].tobytes()
        body.append(raw)
        if annotations:
            assert len(annotation) <= ann_samples * width
            body.append(annotation.ljust(ann_samples * width, b"\x00"))
    path.write_bytes(head + b"".join(b"".join(c) for c in columns) + b"".join(body))
    return path


def expected_mv(x: np.ndarray, onsets) -> np.ndarray:
    """(12, T) mV with each record at its onset (a whole number of samples after the first) and NaN
    where no record is."""
    at = [round((o - onsets[0]) * FS) for o in onsets]
    out = np.full((12, at[-1] + N), np.nan)
    for r, a in enumerate(at):
        out[:, a:a + N] = x[:, r * N:(r + 1) * N] / 1000
    return out


def refused(path: Path, pattern: str) -> str:
    with pytest.raises(RecordError) as err:
        load_record(path)
    msg = str(err.value)
    assert path.name in msg and re.search(r"read as (EDF|BDF)", msg), msg
    assert re.search(pattern, msg), msg
    return msg


KINDS = ["edf", "bdf"]
# onsets (s) of the R records of a file with gaps
GAPPED = {
    "2 s after record 3": [0, 1, 2, 5, 6, 7, 8, 9],
    "two gaps, off the second": [0, 1, 2, 3.5, 4.5, 5.5, 8.004, 9.004],
    "first record at 0.2 s": [0.2, 1.2, 2.2, 4.2, 5.2, 6.2, 7.2, 8.2],
}


@pytest.mark.parametrize("kind", KINDS)
def test_the_writer_here_agrees_with_independent_readers(tmp_path, kind):
    """pyedflib reads the EDF+C/BDF+C form of these files to the written counts, and edfio's own
    reading of the timekeeping TALs calls the gapped file discontinuous and the other not."""
    import edfio
    pyedflib = pytest.importorskip("pyedflib")
    x = digital_samples()
    path = write_edf_plus(tmp_path / f"c.{kind}", x, range(R), reserved=f"{kind.upper()}+C")
    with pyedflib.EdfReader(str(path)) as f:
        assert f.signals_in_file == 12 and f.getSampleFrequency(0) == FS
        for k in (0, 5, 11):
            np.testing.assert_array_equal(f.readSignal(k, digital=True), x[k])
    read = edfio.read_bdf if kind == "bdf" else edfio.read_edf
    assert read(write_edf_plus(tmp_path / f"d.{kind}", x, range(R))).is_continuous
    assert not read(write_edf_plus(tmp_path / f"g.{kind}", x, GAPPED["2 s after record 3"])).is_continuous


@pytest.mark.parametrize("kind", KINDS)
def test_contiguous_edfd_reads_like_edfc(tmp_path, kind):
    x = digital_samples()
    onsets = [float(r) for r in range(R)]
    onsets[3] += 0.4 / FS   # late by under half a sample: still contiguous
    d = load_record(write_edf_plus(tmp_path / f"d.{kind}", x, onsets))
    c = load_record(write_edf_plus(tmp_path / f"c.{kind}", x, onsets, reserved=f"{kind.upper()}+C"))
    np.testing.assert_array_equal(d.signal, c.signal)
    np.testing.assert_allclose(d.signal, x / 1000, atol=1e-6)
    assert not d.quality["missing"].any() and not d.quality["derived"].any()
    assert d.meta["edf_discontinuous"] == {"records": R, "gaps": 0, "gap_s": 0.0}
    assert "edf_discontinuous" not in c.meta


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", sorted(GAPPED))
def test_gap_between_records_is_missing_in_every_lead(tmp_path, kind, case):
    x = digital_samples(seed=1)
    onsets = GAPPED[case]
    rec = load_record(write_edf_plus(tmp_path / f"gap.{kind}", x, onsets))
    truth = expected_mv(x, onsets)
    assert rec.signal.shape == truth.shape
    np.testing.assert_array_equal(np.isnan(rec.signal), np.isnan(truth))
    np.testing.assert_allclose(rec.signal, truth, atol=1e-6)   # NaN where truth is NaN, else equal
    assert rec.quality["missing"].all() and not rec.quality["flat"].any()
    gap_s = (truth.shape[1] - R * N) / FS
    steps = np.diff(onsets)
    assert rec.meta["edf_discontinuous"] == {"records": R, "gaps": int(np.sum(steps > 1.001)),
                                             "gap_s": pytest.approx(gap_s)}


def test_gap_of_two_seconds_lies_exactly_between_the_records(tmp_path):
    """The plainest case stated in samples: records 0-2 fill 0-750, NaN 750-1250, record 3 from 1250."""
    x = digital_samples(seed=2)
    rec = load_record(write_edf_plus(tmp_path / "two.edf", x, [0, 1, 2, 5, 6, 7, 8, 9]))
    assert rec.signal.shape == (12, (R + 2) * N)
    assert np.isnan(rec.signal[:, 3 * N:5 * N]).all()
    assert not np.isnan(rec.signal[:, :3 * N]).any() and not np.isnan(rec.signal[:, 5 * N:]).any()
    np.testing.assert_allclose(rec.signal[:, 5 * N], x[:, 3 * N] / 1000, atol=1e-6)
    np.testing.assert_allclose(rec.signal[:, -1], x[:, -1] / 1000, atol=1e-6)


def test_edfc_with_gapped_onsets_still_reads_as_continuous(tmp_path):
    """Only the "EDF+D" mark makes the onsets place the records: an EDF+C file reads as before."""
    x = digital_samples()
    rec = load_record(write_edf_plus(tmp_path / "c.edf", x, [0, 1, 2, 5, 6, 7, 8, 9], reserved="EDF+C"))
    np.testing.assert_allclose(rec.signal, x / 1000, atol=1e-6)
    assert "edf_discontinuous" not in rec.meta and not rec.quality["missing"].any()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("onsets, pattern", [
    ([0, 1, 2, 3, 4, 5, 2, 7], r"data record 7 starts at 2 s.*backwards or overlap"),
    ([0, 1, 2, 3, 3.5, 4.5, 5.5, 6.5], r"data record 5 starts at 3\.5 s.*backwards or overlap"),
    ([0, 1, 2, 3, 4, 5, 6, MAX_SAMPLES / FS + 10], rf"at most {MAX_SAMPLES:,} are read"),
], ids=["backwards", "overlap", "beyond the limit"])
def test_unplaceable_records_are_refused_naming_the_file(tmp_path, kind, onsets, pattern):
    refused(write_edf_plus(tmp_path / f"bad.{kind}", digital_samples(), onsets), pattern)


def test_record_without_a_readable_onset_is_refused(tmp_path):
    tals = [tal(r) for r in range(R)]
    tals[4] = b"x4\x14\x14\x00"
    refused(write_edf_plus(tmp_path / "noonset.edf", digital_samples(), tals=tals),
            r"data record 5 of 8 has no readable onset")
    tals[4] = b""   # an empty annotation list
    refused(write_edf_plus(tmp_path / "empty.edf", digital_samples(), tals=tals), r"no readable onset")


def test_edfd_without_an_annotation_signal_is_refused(tmp_path):
    path = write_edf_plus(tmp_path / "noann.edf", digital_samples(), [float(r) for r in range(R)],
                          annotations=False)
    refused(path, r"EDF\+D \(discontinuous\) but has no annotation signal")


# ---------------------------------------------------------------------------------------------
# header calibration: the physical range maps the digital one linearly (EDF spec 2.1)

_SIGNAL_FIELDS = {"label": 16, "transducer": 80, "dimension": 8, "physical_min": 8, "physical_max": 8,
                  "digital_min": 8, "digital_max": 8}   # the first columns of the signal header, in order


def set_signal_field(path: Path, ns: int, signal: int, name: str, value) -> None:
    """Overwrite one signal's header field (its column starts after the fixed header and the
    columns before it, each ``ns`` fields wide)."""
    at = 256
    for field_name, width in _SIGNAL_FIELDS.items():
        if field_name == name:
            break
        at += ns * width
    width = _SIGNAL_FIELDS[name]
    data = bytearray(path.read_bytes())
    data[at + signal * width: at + (signal + 1) * width] = str(value).encode("latin-1").ljust(width)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("kind", KINDS)
def test_a_reversed_physical_range_inverts_as_the_spec_maps_it_and_is_flagged(tmp_path, kind):
    """An EDF/BDF whose header gives leads I and V2 a physical maximum below the minimum: the
    spec's linear map from the digital range turns them upside down. They are read so (values as
    the map gives them, not "corrected"), but nothing had said so: the record now names the leads
    as a WFDB negative gain does (meta["negative_gain_leads"]), and the quality findings carry a
    warning with the ranges and the limb leads derived from the inverted I."""
    from mirage_model import quality

    x = digital_samples(seed=3)
    ns = 13                                            # 12 leads and the annotation signal
    top = (1 << (24 if kind == "bdf" else 16) - 1) - 1
    path = write_edf_plus(tmp_path / f"rev.{kind}", x, range(R), reserved=f"{kind.upper()}+C")
    plain = load_record(path)
    for k, name in zip(range(2, 6), ("Resp", "SpO2", "Pleth", "Temp")):   # III, aVR, aVL, aVF: derived
        set_signal_field(path, ns, k, "label", name)
    for lead in ("I", "V2"):
        k = STANDARD_LEADS.index(lead)
        set_signal_field(path, ns, k, "physical_min", top)
        set_signal_field(path, ns, k, "physical_max", -top - 1)
    rec = load_record(path)
    truth = x / 1000.0                                 # mV: 1 uV a count where the range is not reversed
    for lead in ("I", "V2"):                           # (d - dmin) (pmax - pmin) / (dmax - dmin) + pmin
        k = STANDARD_LEADS.index(lead)
        truth[k] = ((x[k] + top + 1) * (-top - 1 - top) / (2 * top + 1) + top) / 1000.0
    stored = [STANDARD_LEADS.index(lead) for lead in ("I", "II", "V1", "V2", "V3", "V4", "V5", "V6")]
    np.testing.assert_allclose(rec.signal[stored], truth[stored], atol=1e-6)
    np.testing.assert_allclose(rec.signal[STANDARD_LEADS.index("III")], truth[1] - truth[0], atol=1e-5)
    assert rec.meta["negative_gain_leads"] == ("I", "V2")
    found = [f for f in quality.assess(rec).findings if f.code == "negative_gain"]
    assert len(found) == 1 and found[0].severity == "warning" and found[0].leads == ("I", "V2")
    assert found[0].name == "signal inverted by the header's negative gain (I, V2)"
    detail = found[0].detail
    assert f"I physical range {top} to {-top - 1} uV over digital {-top - 1} to {top}" in detail, detail
    assert "physical maximum below its minimum" in detail and "III, aVR, aVL, aVF, derived from I" in detail
    assert "negative_gain_leads" not in plain.meta and not quality.assess(plain).has("negative_gain")


@pytest.mark.parametrize("kind", KINDS)
def test_an_empty_digital_range_is_refused_naming_the_file_and_lead(tmp_path, kind):
    """A digital maximum equal to the minimum leaves the spec's map dividing by zero (edfio then
    returns raw counts): refused naming the file and the lead, never read as NaN, inf or counts."""
    path = write_edf_plus(tmp_path / f"flat.{kind}", digital_samples(), range(R), reserved=f"{kind.upper()}+C")
    set_signal_field(path, 13, STANDARD_LEADS.index("V3"), "digital_max", -(1 << (24 if kind == "bdf" else 16) - 1))
    refused(path, r"lead ECG V3: digital range (-\d+) to \1 is not a rising range")


def test_one_edf_signal_in_volts_among_millivolts_is_withheld_by_lead(tmp_path):
    """LUDB record 1 written as EDF+ by MIRAGE, then lead I's physical dimension (EDF 2.1: 8
    characters per signal after the labels and transducers) changed from "mV" to "V": lead I
    alone would read 1000 times too large while the leads' median stays an ECG's (found by mutating
    the written file). Had refused the record; now lead I is withheld (named), rebuilt from II and III
    (I = II - III, Einthoven) and flagged derived, and the other eleven leads read as the file MIRAGE wrote."""
    from mirage_model.formats.write import write_record

    rec = load_record(Path(__file__).resolve().parents[1] / "resources" / "samples" / "ludb" / "1.hea")
    path = write_record(rec, tmp_path, "edf", name="one_in_volts")
    data = bytearray(path.read_bytes())
    ns = int(data[252:256])
    dim = 256 + (16 + 80) * ns          # first signal's physical dimension
    assert data[dim:dim + 8].decode().strip() == "mV"
    data[dim:dim + 8] = b"V".ljust(8)
    path.write_bytes(bytes(data))
    written = load_record(write_record(rec, tmp_path, "edf", name="as_written"))
    got = load_record(path)
    np.testing.assert_allclose(got.signal[0], written.signal[1] - written.signal[2], atol=1e-6)
    assert got.quality["derived"][0] and not got.quality["missing"][0]
    assert "withheld_leads" not in got.meta                 # rebuilt and shown: not withheld; its note says why
    assert got.meta["reader_warnings"][-1].startswith("I derived from II and III: its own samples were withheld (")
    assert got.meta["reader_warnings"][-1].endswith("are not an ECG's: electrode off, the file's units for this "
                                                    "lead wrong, or its samples damaged)")
    assert np.array_equal(got.signal[1:], written.signal[1:], equal_nan=True)


@pytest.mark.parametrize("kind", KINDS)
def test_a_discontinuous_file_longer_than_the_limit_is_read_in_part_with_its_gaps(tmp_path, kind, monkeypatch):
    """An EDF+D (BDF+D) file longer than the limit (lowered to 4 records' 1,000 samples a signal) is read in
    part, as an EDF+C one: the data records that lie, with their gaps, within the limit's time. Onsets 0, 1, 3,
    4, ..., 8: the records at 0, 1 and 3 s (4 s with the gap, NaN between), not the one at 4 s beyond it; the
    recording spans 9 s (its last record, at 8 s, is 1 s long)."""
    from mirage_model.formats import edf_records

    monkeypatch.setattr(edf_records, "MAX_SAMPLES", 4 * N)
    x = digital_samples()
    rec = load_record(write_edf_plus(tmp_path / f"long.{kind}", x, [0, 1, 3, 4, 5, 6, 7, 8]))
    expected = np.concatenate([x[:, :2 * N], np.full((12, N), np.nan), x[:, 2 * N:3 * N]], axis=1) / 1000
    np.testing.assert_allclose(rec.signal, expected, atol=1e-6)      # NaN where NaN
    assert rec.meta["read_part_note"].startswith(f"only the first 4 s of the 9 s recording read ({4 * N:,} of "
                                                 f"{9 * N:,} samples a lead")
