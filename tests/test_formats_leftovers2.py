"""More clinical-format misreadings, each on a file written here with known mV (or a bundled real file
turned into the variant) and read back through ``load_record``: within half a quantisation step of
what was written, with a reader note where the file misstates itself, or refused naming the file
and what is wrong.

- Philips: unsigned 16-bit counts whose zero is 32768 stated with signaloffset 0 (a common export
  mistake) were refused, or, stated signed, read as wrapping around -32768/32767; signed counts
  stated with signaloffset 32768 were not checked (read 164 mV off at 5 uV).
- UTF-16 XML without a byte-order mark whose prolog declares another encoding (UTF-8, Latin-1) was
  refused: the bytes tell UTF-16 (one byte of every two in the ASCII prolog is 0).
- Philips representative beats (``<repbeats>``, kept as ``meta["device_median_beats"]``): the real
  PageWriter Touch file's 2400 ms beats hold 1200 ms of beat and then 32767 (fill), read as a step of
  82 mV; the beats were decoded as signed whatever they hold and never checked against the rhythm's
  scale (a ``<repbeats>`` without its resolution takes the rhythm's: twice too large in that file).
- ISHNE: a header checksum that fails was noted as "ISHNE checksum mismatch: stored=... computed=...",
  naming neither the file nor what the checksum covers (the header: whose ECG, how its samples are
  scaled and timed; never the samples).
"""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest

from mirage_model.records import STANDARD_LEADS, RecordError, load_record

pytest.importorskip("ecgdatakit")
pytest.importorskip("defusedxml")

from test_formats_leftovers import DATA, _philips_counts, _write  # noqa: E402
from test_formats_muse_philips import muse_xml, philips_xml, truth  # noqa: E402

STEP_MV = 0.005          # the files' resolution: 5 uV per count


def _assert_within_half_step(rec, sig: np.ndarray) -> None:
    """Every lead (all 12 stored) within half a quantisation step of the mV written."""
    assert rec.fs == 500 and rec.signal.shape == sig.shape
    err = float(np.abs(rec.signal - sig).max())
    assert err <= STEP_MV / 2 + 1e-6, err


def _notes(rec) -> str:
    return " | ".join(rec.meta.get("reader_warnings", ()))


# ---------------------------------------------------------------- Philips: counts around 32768

@pytest.mark.parametrize("signed, plain", [("False", False), ("False", True), ("True", False), ("(absent)", False)],
                         ids=["unsigned-base64", "unsigned-plain", "stated-signed-base64", "no-sign-base64"])
def test_philips_counts_around_32768_stated_offset_0_read_with_32768_as_0v(tmp_path, signed, plain):
    """Unsigned counts with 0 V at 32768 stated with signaloffset 0: refused before (stated unsigned),
    or decoded as signed, wrapping at every crossing of 0 V (stated signed, or no sign stated: the
    parser's default). Read now with 32768 as 0 V, and a note saying the offset is misstated."""
    sig = truth()
    counts = (np.round(sig / STEP_MV).astype(np.int32) + 32768).astype("<u2")
    data = _philips_counts(sig, counts, signed=signed, plain=plain)
    if signed == "(absent)":
        data = data.replace(b' signalsigned="(absent)"', b"").replace(b"<signalsigned>(absent)</signalsigned>", b"")
        assert b"signalsigned" not in data
    rec = load_record(_write(tmp_path, data))
    _assert_within_half_step(rec, sig)
    assert "32768 as 0 V" in _notes(rec) and f"signaloffset 0" in _notes(rec), _notes(rec)


def test_philips_counts_around_32768_that_no_ecg_would_hold_are_refused(tmp_path):
    """Read with 32768 as 0 V, one lead's counts spread as no ECG's do (8 mV from its median, where
    PTB-XL's leads deviate at most 1.7 mV): the zero cannot be told, refused naming the lead."""
    sig = truth()
    counts = np.round(sig / STEP_MV).astype(np.int32) + 32768
    counts[STANDARD_LEADS.index("V2"), 0::2] += 1600          # +-8 mV from sample to sample
    counts[STANDARD_LEADS.index("V2"), 1::2] -= 1600
    with pytest.raises(RecordError, match=r"ecg\.xml: read as Philips .*sit around 32768.*lead V2 deviates "
                                          r"8 mV from its median.*\(signaloffset\) is misstated"):
        load_record(_write(tmp_path, _philips_counts(sig, counts.astype("<u2"))))


# ---------------------------------------------------------------- Philips: signed with offset 32768

def test_philips_signed_counts_stated_with_offset_32768_read_with_0_as_0v(tmp_path):
    """Signed counts around 0 stated signed with signaloffset 32768 (no signed 16-bit count is 32768):
    read before 164 mV below the truth, silently; now with 0 as 0 V and a note naming the fields."""
    sig = truth()
    counts = np.round(sig / STEP_MV).astype("<i2")
    rec = load_record(_write(tmp_path, _philips_counts(sig, counts, signed="True", offset="32768")))
    _assert_within_half_step(rec, sig)
    assert ("signalsigned True, signaloffset 32768" in _notes(rec)
            and "read with 0 as 0 V (signaloffset misstated)" in _notes(rec)), _notes(rec)


def test_philips_unsigned_counts_stated_signed_with_offset_32768_read_as_unsigned(tmp_path):
    """Unsigned counts around 32768 stated signed with offset 32768: decoded as signed they wrap around
    -32768/32767 (read before: 164 mV off at each crossing of 0 V, refused for its amplitudes); now
    read as unsigned, with a note that signalsigned is misstated."""
    sig = truth()
    counts = (np.round(sig / STEP_MV).astype(np.int32) + 32768).astype("<u2")
    rec = load_record(_write(tmp_path, _philips_counts(sig, counts, signed="True", offset="32768")))
    _assert_within_half_step(rec, sig)
    assert "read as unsigned (signalsigned misstated)" in _notes(rec), _notes(rec)


def test_philips_plain_counts_stated_signed_with_offset_32768_read_as_stated(tmp_path):
    """Plain-text counts around 32768 with offset 32768 are what they say, whatever signalsigned says."""
    sig = truth()
    counts = np.round(sig / STEP_MV).astype(np.int32) + 32768
    rec = load_record(_write(tmp_path, _philips_counts(sig, counts, signed="True", offset="32768", plain=True)))
    _assert_within_half_step(rec, sig)
    assert "reader_warnings" not in rec.meta


def test_philips_signed_with_offset_32768_fitting_no_reading_is_refused(tmp_path):
    """Signed counts, stated with offset 32768, of which one lead (V5) sits 100 mV off: no reading fits
    every lead (before: read 64 to 164 mV off, silently)."""
    sig = truth()
    counts = np.round(sig / STEP_MV).astype(np.int32)
    counts[STANDARD_LEADS.index("V5")] += 20000
    with pytest.raises(RecordError, match=r"ecg\.xml: read as Philips .*read like no ECG with signalsigned True, "
                                          r"signaloffset 32768 .*lead V5 sits \+100 mV from 0 V.*"
                                          r"signalsigned and signaloffset misstate them"):
        load_record(_write(tmp_path, _philips_counts(sig, counts.astype("<i2"), signed="True", offset="32768")))


# ---------------------------------------------------------------- UTF-16 without a mark, declared otherwise

@pytest.mark.parametrize("order", ["le", "be"])
@pytest.mark.parametrize("vendor", ["philips", "muse"])
def test_utf16_without_a_mark_under_a_prolog_of_another_encoding_reads_with_a_note(tmp_path, vendor, order):
    """Philips under a UTF-8 prolog, GE MUSE under an ISO-8859-1 one, written in UTF-16 without a
    byte-order mark: refused before; now the mV written (within half a step: the 12 leads of the
    Philips file are stored, MUSE's 8 stored leads at 4.88 uV), the name as written, and a note."""
    sig = truth()
    if vendor == "philips":
        text, step, name, declared = philips_xml(sig).decode("utf-8"), 0.005, "Anna Müller", "utf-8"
    else:
        text, step, name, declared = muse_xml(sig, name="JOSÉ").decode("latin-1"), 0.00488, "JOSÉ DOE", "ISO-8859-1"
    assert f'encoding="{declared}"' in text
    path = tmp_path / "ecg.xml"
    path.write_bytes(text.encode(f"utf-16-{order}"))
    rec = load_record(path)
    stored = [STANDARD_LEADS.index(lead) for lead in rec.meta["file_leads"]]
    assert rec.fs == 500 and rec.signal.shape == sig.shape
    err = float(np.abs(rec.signal[stored] - sig[stored]).max())
    assert err <= step / 2 + 1e-6, err
    assert rec.meta["patient"]["name"] == name
    assert any(f"declares the {declared} encoding, but its text is UTF-16 "
               f"({'little' if order == 'le' else 'big'} endian) without a byte-order mark" in note
               for note in rec.meta["reader_warnings"]), rec.meta["reader_warnings"]


def test_utf16_aecg_without_a_mark_under_a_utf8_prolog_reads_its_digits(tmp_path):
    """The bundled HL7 aECG (UTF-8, no prolog) under a prolog saying UTF-8, in UTF-16 without a mark:
    lead II as its digits say."""
    from test_formats import _aecg_lead_mv

    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + (DATA / "aecg_subject1_0.xml").read_text(encoding="utf-8")
    path = tmp_path / "aecg.xml"
    path.write_bytes(text.encode("utf-16-le"))
    rec = load_record(path)
    np.testing.assert_allclose(rec.signal[STANDARD_LEADS.index("II")], _aecg_lead_mv(text, "MDC_ECG_LEAD_II"),
                               atol=1e-6)
    assert any("declares the UTF-8 encoding" in note for note in rec.meta["reader_warnings"])


# ---------------------------------------------------------------- ISHNE: the header's checksum

@pytest.mark.parametrize("field, offset, value", [("first name", 38, b"Jane"),
                                                  ("resolution of lead I", 206, (2500).to_bytes(2, "little"))],
                         ids=["name", "resolution"])
def test_ishne_header_checksum_that_fails_is_read_with_a_note_saying_what_it_covers(tmp_path, field, offset, value):
    """The real Holter file with one header field changed after its CRC was written (a name; lead I's
    resolution, 5000 -> 2500 nV: read half as large, which nothing in the samples shows): the samples as
    the changed header describes them (decoded here from the published layout), and a note naming the
    file, what the CRC covers (the header, not the samples) and the values read; a file_checksum finding."""
    from test_formats_holter_mfer import ishne_decode

    from mirage_model.quality import assess

    data = bytearray((DATA / "ECG_P28.01.ecg").read_bytes())
    data[offset: offset + len(value)] = value
    path = tmp_path / "altered.ecg"
    path.write_bytes(bytes(data))
    truth = ishne_decode(path)
    assert not truth["crc_ok"]
    rec = load_record(path)
    np.testing.assert_allclose(rec.signal, truth["counts"] * truth["nv"][:, None] * 1e-6, atol=1e-6)
    resolution = "5000 nV per count" if field == "first name" else "resolutions 2500, 5000, 5000"
    note = " | ".join(rec.meta["reader_warnings"])
    assert ("altered.ecg: the ISHNE header's checksum (CRC) does not match it" in note
            and "does not cover the samples" in note and resolution in note
            and "12 leads (codes 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16)" in note and "1000 Hz" in note), note
    assert "file_checksum" in {f.code for f in assess(rec).findings}
    assert "reader_warnings" not in load_record(DATA / "ECG_P28.01.ecg").meta      # its CRC fits: no note


# ---------------------------------------------------------------- Philips: representative beats

PAGEWRITER = DATA / "3191723_ZZDEMOPTONLY_1-04_orig.xml"


def test_philips_representative_beats_end_where_their_fill_begins():
    """The real 1.04 file: each lead's beat as sierraecg decodes it (int16, 2.5 uV per count), up to its
    fill of 32767 (read before as part of the beat: a step of 82 mV)."""
    sierraecg = pytest.importorskip("sierraecg")
    ref = sierraecg.read_file(str(PAGEWRITER), include_repbeats=True).repbeats
    beats = load_record(PAGEWRITER).meta["device_median_beats"]
    assert beats["fs"] == 500 and set(beats["leads"]) == set(STANDARD_LEADS)
    for lead, x in beats["leads"].items():
        counts = np.asarray(ref[lead].samples, dtype=np.float64)
        assert len(x) == 600 and (counts[600:] == 32767).all(), lead        # 1200 ms of beat, then fill
        np.testing.assert_allclose(x, counts[:600] * 0.0025, atol=1e-6, err_msg=lead)


def test_philips_representative_beats_without_their_resolution_are_left_out_with_a_note(tmp_path):
    """The real file without <repbeats resolution="2.5">: the parser takes the rhythm's 5 uV, twice the
    beats' (kept before, every beat twice as tall); now left out, the rhythm read as before."""
    text = PAGEWRITER.read_bytes().decode("utf-16")
    assert text.count(' resolution="2.5"') == 1
    rec = load_record(_write(tmp_path, text.replace(' resolution="2.5"', "").encode("utf-16")))
    assert "device_median_beats" not in rec.meta
    notes = _notes(rec)
    assert re.search(r"span 1\.[6-9] times the rhythm's range", notes) and "left out" in notes, notes
    np.testing.assert_array_equal(rec.signal, load_record(PAGEWRITER).signal)


def _with_beats(sig: np.ndarray, counts: np.ndarray, resolution: str = "5") -> bytes:
    """philips_xml of ``sig`` with <repbeats> holding ``counts`` (12, K), 16-bit in base64, 500 Hz."""
    beats = "".join(f'<repbeat leadname="{lead}"><waveform duration="{counts.shape[1] * 2}">'
                    f"{base64.b64encode(counts[k].tobytes()).decode()}</waveform></repbeat>"
                    for k, lead in enumerate(STANDARD_LEADS))
    text = philips_xml(sig).decode().replace(
        "</parsedwaveforms>", f'</parsedwaveforms><repbeats dataencoding="Base64" samplespersec="500" '
                              f'resolution="{resolution}">{beats}</repbeats>')
    return text.encode()


def test_philips_unsigned_representative_beats_are_read_so_with_a_note(tmp_path):
    """Beats written as unsigned counts around 32768 (decoded as signed, they wrap at every crossing of
    0 V): read with 32768 as 0 V, within half a step of the mV written, with a note."""
    sig = truth()
    beat = sig[:, :600]
    counts = (np.round(beat / STEP_MV).astype(np.int32) + 32768).astype("<u2")
    rec = load_record(_write(tmp_path, _with_beats(sig, counts)))
    leads = rec.meta["device_median_beats"]["leads"]
    err = max(float(np.abs(leads[lead] - beat[k]).max()) for k, lead in enumerate(STANDARD_LEADS))
    assert err <= STEP_MV / 2 + 1e-6, err
    assert "representative beats' (<repbeats>)" in _notes(rec) and "32768 as 0 V" in _notes(rec), _notes(rec)
    _assert_within_half_step(rec, sig)                       # the rhythm as written


def test_philips_representative_beats_in_another_unit_are_left_out(tmp_path):
    """Beats stored in 5 uV counts under a resolution of 5000 (1000 times too tall): left out, noted."""
    sig = truth()
    counts = np.round(sig[:, :600] / STEP_MV).astype("<i2")
    rec = load_record(_write(tmp_path, _with_beats(sig, counts, resolution="5000")))
    assert "device_median_beats" not in rec.meta
    assert re.search(r"span 9\.\de\+02 times the rhythm's range", _notes(rec)), _notes(rec)
