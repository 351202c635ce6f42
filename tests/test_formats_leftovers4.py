"""Readers' leftovers of the last fuzz rounds, each on a damaged copy of a bundled sample read back through
``load_record``:

- DICOM: Example.dcm cut inside its median beats' multiplex group (its Waveform Data, an element of its
  channel definitions, its item's tag) was refused (or, cut before them, opened with a reader note): the
  rhythm before it is whole, so it now opens with the rhythm and the same note, never a median beat in part.
- CinC/PhysioNet Challenge MATLAB 5 .mat: a header listing its signals twice was refused naming the
  matrix's shape ("MATLAB variable 'val' has shape (12, 5000), expected (24, samples)"); it now names the
  header and its fault, as the MATLAB v4 case does (test_formats_leftovers3).
- WFDB .hea + .dat: a header listing its 12 signals twice blamed the good signal file ("signal file is
  truncated"), and without a signal length read it frame by frame out of step (2 500 samples a lead, every
  other one: a rhythm twice as fast) without a word; both are now refused naming the header.
- WFDB, a lead named twice: a header whose last six signals repeat its first six was refused for too few leads with
  the repeated names among "other channels"; a .dat cut short under a header naming a lead twice ("V1" and "v1"
  alike) said only "signal file is truncated", or, cut at a whole number of signals, that the file held those. Both
  now name the repetition first, and the file cut short after it.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from mirage_model.records import RecordError, load_record

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"
EXAMPLE_DCM = Path(__file__).parent / "data" / "formats" / "ecgtoolkit-Example.dcm"
ITEM = b"\xfe\xff\x00\xe0"   # (FFFE,E000), little endian


def _elements(data: bytes, start: int, end: int) -> list[tuple[int, bytes, int]]:
    """The implicit-VR little-endian elements from byte ``start`` to ``end`` (one level, no descent into a
    sequence): (the byte its tag starts at, its tag's 4 bytes, its value's length)."""
    out, pos = [], start
    while pos < end:
        length = struct.unpack_from("<I", data, pos + 4)[0]
        out.append((pos, data[pos:pos + 4], length))
        pos += 8 + length
    assert pos == end
    return out


def _cut_points(data: bytes) -> tuple[int, list[int]]:
    """Where Example.dcm's Waveform Sequence (5400,0100) starts its value, and cuts inside its second item (the
    median beats): inside the item's tag and length, in each of the item's elements' tag, length and value (its
    first byte, its last), before and inside the first and last items of its Channel Definition Sequence
    (003A,0200), and every 3 600th byte of its Waveform Data and its last."""
    top = _elements(data, 132 + 12 + struct.unpack_from("<I", data, 132 + 8)[0], len(data))
    (seq, _, seq_len), = [e for e in top if e[1] == b"\x00\x54\x00\x01"]
    items = _elements(data, seq + 8, seq + 8 + seq_len)
    assert [e[1] for e in items] == [ITEM, ITEM]
    at, _, length = items[1]
    cuts = list(range(at + 1, at + 8))
    for pos, tag, size in _elements(data, at + 8, at + 8 + length):
        cuts += [pos + 2, pos + 6, pos + 8] + ([pos + 7 + size] if size > 1 else [])
        if tag == b"\x3a\x00\x00\x02":   # (003A,0200): a channel's item each
            channels = _elements(data, pos + 8, pos + 8 + size)
            assert len(channels) == 12
            for ch, _, ch_len in channels[:1] + channels[-1:]:
                cuts += [ch, ch + 3, ch + 8 + ch_len // 2]
        if tag == b"\x00\x54\x10\x10":   # (5400,1010) Waveform Data: 12 channels x 600 samples x 2 bytes
            assert size == 14_400
            cuts += list(range(pos + 8, pos + 8 + size, 3600))
    return seq + 8, sorted(set(cuts) - {at + 8 + length})


@pytest.fixture(scope="module")
def whole_dcm():
    pytest.importorskip("pydicom")
    pytest.importorskip("ecgdatakit")
    return load_record(EXAMPLE_DCM)


def test_a_dicom_cut_inside_its_median_beats_opens_its_rhythm_with_the_cut_note(tmp_path, whole_dcm):
    data = EXAMPLE_DCM.read_bytes()
    sequence, cuts = _cut_points(data)
    assert len(cuts) > 40 and "device_median_beats" in whole_dcm.meta
    whole_notes = tuple(whole_dcm.meta["reader_warnings"])
    copy = tmp_path / "example.dcm"
    for cut in cuts:
        copy.write_bytes(data[:cut])
        try:
            rec = load_record(copy)
        except RecordError as err:
            pytest.fail(f"cut at byte {cut}: {err}")
        assert np.array_equal(rec.signal, whole_dcm.signal), cut
        assert "device_median_beats" not in rec.meta, cut
        assert tuple(rec.meta["reader_warnings"]) == (*whole_notes, (
            f"DICOM: the file is cut short: it ends inside element (5400,0100), whose 139,576 bytes from byte "
            f"{sequence:,} hold {cut - sequence:,} in the file; the rhythm before the cut is read; the median beats "
            "the cut falls in are not read at all")), cut


def test_a_dicom_cut_after_its_waveforms_says_what_it_holds_before_the_cut_is_read(tmp_path, whole_dcm):
    # Example.dcm (implicit VR) with an element after its Waveform Sequence, (6000,0010) of 2 bytes, the file
    # ending after the first byte of its value (its 8-byte head first): the rhythm and the median beats are whole
    data = EXAMPLE_DCM.read_bytes()
    copy = tmp_path / "example.dcm"
    copy.write_bytes(data + b"\x00\x60\x10\x00" + b"\x02\x00\x00\x00" + b"\x01")
    rec = load_record(copy)
    assert np.array_equal(rec.signal, whole_dcm.signal) and "device_median_beats" in rec.meta
    assert rec.meta["reader_warnings"][-1] == (
        f"DICOM: the file is cut short: it ends inside element (6000,0010), whose 2 bytes from byte {len(data) + 8:,} "
        "hold 1 in the file; what it holds before the cut is read")


def test_a_dicom_cut_inside_its_rhythm_is_still_refused(tmp_path, whole_dcm):
    # the rhythm (the first item, 120 000 bytes of Waveform Data) cut: nothing whole to open
    data = EXAMPLE_DCM.read_bytes()
    rhythm = data.index(b"\x00\x54\x10\x10") + 8
    copy = tmp_path / "example.dcm"
    copy.write_bytes(data[:rhythm + 60_000])
    with pytest.raises(RecordError, match="multiplex group 1: Waveform Data has 60000 bytes, expected 120000"):
        load_record(copy)


def _with_signal_lines(tmp_path: Path, hea: Path, lines: list[str], length: bool = True) -> Path:
    """A copy of the WFDB record ``hea`` (its signal files beside it) under a header of ``lines``' signals and its
    comments (without the signal length, ``length`` False)."""
    for path in hea.parent.glob(hea.stem + ".*"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    head, *rest = hea.read_text().splitlines()
    fields = head.split()
    fields[1] = str(len(lines))
    copy = tmp_path / hea.name
    copy.write_text("\n".join([" ".join(fields if length else fields[:3]), *lines,
                               *[line for line in rest if line.startswith("#")]]) + "\n")
    return copy


def _signal_lines(hea: Path) -> list[str]:
    return [line for line in hea.read_text().splitlines()[1:] if line and not line.startswith("#")]


CINC, LUDB = SAMPLES / "cinc2021" / "A0003.hea", SAMPLES / "ludb" / "1.hea"


@pytest.mark.parametrize("hea, matlab5, lines, words", [
    # A0003.mat as MATLAB 5 ('val', 12 x 5000), each signal listed twice
    (CINC, "rows", lambda s: s + s, "the header lists 24 signals in A0003.mat, but its MATLAB variable 'val' is "
                                    "12 x 5000 (one row per signal: 12 signals): it lists each signal twice "
                                    "(I, II, III, ...)"),
    # stored sample by sample (5000 x 12), V6 listed once more
    (CINC, "columns", lambda s: s + s[-1:], "the header lists 13 signals in A0003.mat, but its MATLAB variable "
                                           "'val' is 5000 x 12 (one column per signal: 12 signals) (V6 listed more "
                                           "than once)"),
    # LUDB 1's 1.dat: 12 signals x 5000 samples in format 16, 120 000 bytes
    (LUDB, None, lambda s: s + s, "the header lists 24 signals in 1.dat, but its 120,000 bytes hold 12 signals of "
                                  "5,000 samples (format 16): it lists each signal twice (i, ii, iii, ...)"),
    (LUDB, None, lambda s: s + s[-1:], "the header lists 13 signals in 1.dat, but its 120,000 bytes hold 12 "
                                       "signals of 5,000 samples (format 16) (v6 listed more than once)"),
], ids=["matlab5-twice", "matlab5-by-column-v6-again", "dat-twice", "dat-v6-again"])
def test_a_header_listing_its_signals_twice_is_refused_naming_the_header(tmp_path, hea, matlab5, lines, words):
    signals = _signal_lines(hea)
    assert len(signals) == 12 and (SAMPLES / "ludb" / "1.dat").stat().st_size == 12 * 5000 * 2
    val = None
    if matlab5:
        scipy_io = pytest.importorskip("scipy.io")
        val = scipy_io.loadmat(hea.with_suffix(".mat"))["val"]
        assert val.shape == (12, 5000)
        val = val if matlab5 == "rows" else val.T

    def copy_of(listed: list[str]) -> Path:
        copy = _with_signal_lines(tmp_path, hea, listed)
        if val is not None:
            scipy_io.savemat(copy.with_suffix(".mat"), {"val": val}, format="5")
        return copy

    if matlab5:   # the MATLAB 5 copy under the header as it was opens
        assert load_record(copy_of(signals)).signal.shape == (12, 5000)
    copy = copy_of(lines(signals))
    with pytest.raises(RecordError) as err:
        load_record(copy)
    assert str(err.value) == f"{copy}: {words}"


def test_a_dat_cut_short_under_a_header_listing_each_signal_once_stays_truncated(tmp_path):
    hea = _with_signal_lines(tmp_path, LUDB, _signal_lines(LUDB))
    (tmp_path / "1.dat").write_bytes((SAMPLES / "ludb" / "1.dat").read_bytes()[:100_000])
    with pytest.raises(RecordError, match=r"1\.dat: signal file is truncated"):
        load_record(hea)


def test_a_wfdb_header_listing_its_signals_twice_without_a_length_is_refused(tmp_path):
    # without checksums and the signal length, 24 signals a frame read 1.dat's 12 out of step: 2 500 samples a
    # lead, every other one of the 5 000 (a heart rate read twice as fast)
    signals = [" ".join(line.split()[:5] + line.split()[-1:]) for line in _signal_lines(LUDB)]
    assert load_record(_with_signal_lines(tmp_path, LUDB, signals, length=False)).signal.shape == (12, 5000)
    hea = _with_signal_lines(tmp_path, LUDB, signals + signals, length=False)
    with pytest.raises(RecordError) as err:
        load_record(hea)
    assert str(err.value) == (f"{hea}: the header lists 24 signals in 1.dat (i, ii, iii, ... listed more than once) "
                              "and no signal length: how many signals its 120,000 bytes hold cannot be told, and "
                              "read as 24 a frame they could be out of step")


def _renamed(line: str, name: str) -> str:
    """A WFDB signal line with its description (the lead's name) replaced by ``name``."""
    return " ".join(line.split()[:-1] + [name])


def test_a_header_whose_last_six_signals_repeat_its_first_six_is_refused_naming_the_repetition(tmp_path):
    # I, II, III, aVR, aVL, aVF, then the six again: six leads, the chest leads' samples under limb leads' names
    signals = _signal_lines(LUDB)
    hea = _with_signal_lines(tmp_path, LUDB, signals[:6] + signals[:6])
    with pytest.raises(RecordError) as err:
        load_record(hea)
    text = str(err.value)
    assert text.startswith(f"{hea}: the header names 6 leads twice (i, ii, iii, avr, avl, avf: signals 7 to 12 "
                           "repeat the names of signals 1 to 6): one signal of each pair is not the lead it names; "
                           "not enough ECG leads: has 6 of the 12 standard leads")
    assert "missing V1, V2, V3, V4, V5, V6;" in text and "other channels" not in text


# 1.dat holds 12 signals of 5 000 samples in format 16: 120 000 bytes; 11 of them, one a name, take 110 000
@pytest.mark.parametrize("lines, size, words", [
    # each signal listed twice over a file cut short (no whole number of signals), and one cut where 10 would fit
    (lambda s: s + s, 99_999, "the header lists 24 signals in 1.dat (i, ii, iii, ... listed more than once), and "
                              "1.dat is cut short as well: its 99,999 bytes hold less than 12 signals of 5,000 "
                              "samples, one a name (format 16: 120,000 bytes)"),
    (lambda s: s + s, 100_000, "the header lists 24 signals in 1.dat (i, ii, iii, ... listed more than once), and "
                               "1.dat is cut short as well: its 100,000 bytes hold less than 12 signals of 5,000 "
                               "samples, one a name (format 16: 120,000 bytes)"),
    # V2's line named "V1" beside LUDB's "v1": one lead named twice, in two spellings
    (lambda s: s[:7] + [_renamed(s[7], "V1")] + s[8:], 100_000,
     "the header lists 12 signals in 1.dat (v1 listed more than once), and 1.dat is cut short as well: its 100,000 "
     "bytes hold less than 11 signals of 5,000 samples, one a name (format 16: 110,000 bytes)"),
    # the same header over a file of 11 signals: V1's line written twice, V2's left out
    (lambda s: s[:7] + [_renamed(s[7], "V1")] + s[8:], 110_000,
     "the header lists 12 signals in 1.dat, but its 110,000 bytes hold 11 signals of 5,000 samples (format 16) "
     "(v1 listed more than once)"),
], ids=["twice-cut", "twice-cut-at-10-signals", "v1-V1-cut", "v1-V1-11-signals"])
def test_a_dat_cut_short_under_a_header_naming_a_lead_twice_says_both(tmp_path, lines, size, words):
    hea = _with_signal_lines(tmp_path, LUDB, lines(_signal_lines(LUDB)))
    (tmp_path / "1.dat").write_bytes((SAMPLES / "ludb" / "1.dat").read_bytes()[:size])
    with pytest.raises(RecordError) as err:
        load_record(hea)
    assert str(err.value) == f"{hea}: {words}"


def test_a_lead_missing_beside_a_lead_named_twice_says_the_twin_may_be_it(tmp_path):
    from mirage_model.review.file_info import record_notes

    # V2's line named "V1": V1 on channels 7 and 8, no V2; the record opens (the quality gate withholds the calls)
    signals = _signal_lines(LUDB)
    record = load_record(_with_signal_lines(tmp_path, LUDB, signals[:7] + [_renamed(signals[7], "V1")] + signals[8:]))
    assert record.meta["absent_leads"] == ("V2",)
    assert record_notes(record) == ["no V2 channel in the file: shown blank (the file names V1 twice: one of its "
                                    "channels may be a missing lead)"]


def test_the_lead_missing_finding_names_the_lead_named_twice_whose_channel_may_be_it(tmp_path):
    """Had been: "lead missing or flat (V2)" beside "lead V1 named twice", its detail "peak-to-peak below 0.02 mV or
    more than half the samples missing", as if V2 were recorded flat; V2's line was labelled "V1"."""
    from mirage_model.quality import assess

    signals = _signal_lines(LUDB)
    record = load_record(_with_signal_lines(tmp_path, LUDB, signals[:7] + [_renamed(signals[7], "V1")] + signals[8:]))
    [missing] = [f for f in assess(record).findings if f.code == "lead_missing"]
    assert missing.name == "lead missing or flat (V2); one of the channels named V1 may be V2"
    assert missing.detail.endswith("; V2: no channel in the file; V1: file channels 7 and 8"), missing.detail
    assert missing.leads == ("V2",)
    # V2's line labelled "resp": V2 missing, no lead named twice, nothing more said
    resp = signals[:7] + [_renamed(signals[7], "resp")] + signals[8:]
    record = load_record(_with_signal_lines(tmp_path, LUDB, resp))
    [missing] = [f for f in assess(record).findings if f.code == "lead_missing"]
    assert missing.name == "lead missing or flat (V2)" and "channel" not in missing.detail, missing


HALF = ("the header names 6 leads twice ({}: signals 7 to 12 repeat the names of signals 1 to 6): "
        "one signal of each pair")


# LUDB 1's 1.dat: 12 x 5,000 samples in format 16, 120,000 bytes, cut to 100,000; CinC A0003.mat: MATLAB v4, a
# 20-byte preamble and the name "val\0", then 12 x 5000 int16 (120,024 bytes), cut to 100,020; and as MATLAB 5
@pytest.mark.parametrize("hea, matlab5, lines, first, last", [
    (LUDB, False, lambda s: s[:6] + s[:6], HALF.format("i, ii, iii, avr, avl, avf"),
     "; 1.dat is cut short as well: its 100,000 bytes hold less than the 12 signals of 5,000 samples the header "
     "lists in it (format 16: 120,000 bytes)"),
    (CINC, False, lambda s: s[:6] + s[:6], HALF.format("I, II, III, aVR, aVL, aVF"),
     "; A0003.mat is cut short as well: its 100,020 bytes hold less than the 12 x 5000 matrix of int16 samples its "
     "preamble declares (120,024 bytes)"),
    (CINC, False, lambda s: s + s, "the header lists 24 signals in A0003.mat, but its MATLAB matrix is 12 x 5000 (one "
     "row per signal: 12 signals): it lists each signal twice (I, II, III, ...)",
     ", and A0003.mat is cut short as well: its 100,020 bytes hold less than the 12 x 5000 matrix of int16 samples "
     "its preamble declares (120,024 bytes)"),
    (CINC, True, lambda s: s[:6] + s[:6], HALF.format("I, II, III, aVR, aVL, aVF"),
     "; A0003.mat is unreadable as well: MATLAB file cannot be read (could not read bytes)"),
    (CINC, True, lambda s: s + s, "the header lists 24 signals in A0003.mat (I, II, III, ... listed more than once), "
     "and A0003.mat is unreadable as well: MATLAB file cannot be read (could not read bytes)", ""),
], ids=["dat-half-doubled", "mat4-half-doubled", "mat4-twice", "mat5-half-doubled", "mat5-twice"])
def test_a_cut_signal_file_under_a_doubled_header_says_both_faults(tmp_path, hea, matlab5, lines, first, last):
    """Had been: the doubling alone (the header refused before its samples are read, or, a MATLAB 4 matrix of
    another count, before its size is), the file's cut unsaid; a MATLAB 5 file cut short under a header listing its
    signals twice said "MATLAB file cannot be read (could not read bytes)" alone, the doubling unsaid."""
    copy = _with_signal_lines(tmp_path, hea, lines(_signal_lines(hea)))
    signal = copy.with_suffix(".mat" if hea is CINC else ".dat")
    if matlab5:
        scipy_io = pytest.importorskip("scipy.io")
        scipy_io.savemat(signal, {"val": scipy_io.loadmat(hea.with_suffix(".mat"))["val"]}, format="5")
    data = signal.read_bytes()
    assert matlab5 or len(data) == (120_024 if hea is CINC else 120_000)
    signal.write_bytes(data[:len(data) * 5 // 6])
    with pytest.raises(RecordError) as err:
        load_record(copy)
    assert str(err.value).startswith(f"{copy}: {first}") and str(err.value).endswith(last), str(err.value)
