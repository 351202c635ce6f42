"""Clinical-format misreadings left over from earlier work, each on a file written here with known
mV (or a bundled real file turned into the variant) and read back through ``load_record``: it reads
within the quantisation step, with a reader note where the file misstates itself, or is refused
naming the file and what is wrong.

- UTF-16 XML without a byte-order mark (GE MUSE, Philips, HL7 aECG): the root element was looked
  for in the bytes read as Latin-1, so the file was refused as "root element <?>".
- Philips waveforms stated unsigned with signal offset 0 that hold signed 16-bit samples read up to
  327 mV (every sample below 0 V as 65536 counts above it), silently.
- DICOM 16-bit waveforms without Waveform Sample Interpretation (5400,1006), which carts omit
  although the standard requires it, were refused (before that, read as signed: unsigned samples
  163.84 mV off); the samples now show which they are.
- WFDB: a header naming "Müller.dat" composed (NFC) while the file on disk is decomposed (NFD, as
  macOS stores it), or the other way round, said "not found"; a signal file that is a named pipe or
  a folder said "not found" too.
"""

from __future__ import annotations

import base64
import os
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from mirage_model.formats import registry
from mirage_model.records import STANDARD_LEADS, RecordError, load_record

pytest.importorskip("ecgdatakit")
pytest.importorskip("defusedxml")

from test_formats_muse_philips import assert_reads, muse_xml, philips_xml, truth  # noqa: E402

DATA = Path(__file__).parent / "data" / "formats"


def _without_bom(data: bytes, order: str) -> bytes:
    """UTF-16 text with its byte-order mark (Python's "utf-16") as UTF-16 of ``order`` without one."""
    assert data[:2] == b"\xff\xfe"
    return data[2:].decode("utf-16-le").encode(f"utf-16-{order}")


# ---------------------------------------------------------------- UTF-16 without a byte-order mark

@pytest.mark.parametrize("order", ["le", "be"])
@pytest.mark.parametrize("vendor", ["muse", "philips"])
def test_utf16_xml_without_a_byte_order_mark_reads_its_millivolts(tmp_path, vendor, order):
    sig = truth()
    data = muse_xml(sig, name="JOSÉ", encoding="UTF-16") if vendor == "muse" else philips_xml(sig, encoding="utf-16")
    path = tmp_path / "ecg.xml"
    path.write_bytes(_without_bom(data, order))
    rec = load_record(path)
    assert_reads(rec, sig, 500, 0.00488 if vendor == "muse" else 0.005)
    assert rec.meta["patient"]["name"] == ("JOSÉ DOE" if vendor == "muse" else "Anna Müller")


@pytest.mark.parametrize("order", ["le", "be"])
def test_utf16_aecg_without_a_byte_order_mark_reads_its_digits(tmp_path, order):
    """The bundled HL7 aECG (UTF-8) as UTF-16 without a mark: lead II as its digits say."""
    from test_formats import _aecg_lead_mv

    text = (DATA / "aecg_subject1_0.xml").read_text(encoding="utf-8")
    path = tmp_path / "aecg.xml"
    path.write_bytes(text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode(f"utf-16-{order}"))
    assert registry.sniff_file(path) == "hl7-aecg"
    rec = load_record(path)
    np.testing.assert_allclose(rec.signal[STANDARD_LEADS.index("II")], _aecg_lead_mv(text, "MDC_ECG_LEAD_II"),
                               atol=1e-6)


def test_utf16_without_a_mark_that_cannot_be_read_says_so(tmp_path):
    """A file cut short, in UTF-16 bytes under a prolog that declares UTF-8, cannot be parsed: the
    message says what the file is, not that its root element is unknown. (Not cut, it reads:
    test_formats_leftovers2.)"""
    text = philips_xml(truth()).decode("utf-8")
    for order in ("le", "be"):
        path = tmp_path / f"ecg-{order}.xml"
        path.write_bytes(text[: len(text) // 2].encode(f"utf-16-{order}"))
        with pytest.raises(RecordError, match=rf"ecg-{order}\.xml: read as Philips .*UTF-16 text without a "
                                              rf"byte-order mark \({'little' if order == 'le' else 'big'} endian\)"):
            load_record(path)
    other = tmp_path / "other.xml"
    other.write_bytes('<?xml version="1.0" encoding="UTF-16"?><Foo><a/></Foo>'.encode("utf-16-le"))
    with pytest.raises(RecordError, match=r"other\.xml: an XML file, but not an ECG .*root element <Foo>"):
        load_record(other)


def test_utf16_without_a_mark_is_told_from_other_text():
    assert registry.utf16_without_bom('<?xml version="1.0"?>'.encode("utf-16-le")) == "utf-16-le"
    assert registry.utf16_without_bom('\n <RestingECG>'.encode("utf-16-be")) == "utf-16-be"
    for head in ('<?xml version="1.0"?>'.encode("utf-8"), '<?xml?>'.encode("utf-16"), b"<a>\x00\x00",
                 b"", b"\x00\x00\x00\x00\x00\x00"):
        assert registry.utf16_without_bom(head) is None, head


# ---------------------------------------------------------------- Philips: the sign of the samples

def _philips_counts(sig: np.ndarray, counts: np.ndarray, *, signed: str = "False", offset: str = "0",
                    plain: bool = False) -> bytes:
    """philips_xml of ``sig`` whose waveform holds ``counts`` (12, T) instead, as base64 of their
    bytes or (``plain``) as decimal numbers, with signalsigned and signaloffset as given."""
    text = philips_xml(sig).decode()
    start = text.index(">", text.index("<parsedwaveforms")) + 1
    payload = " ".join(str(int(v)) for v in counts.ravel()) if plain else base64.b64encode(counts.tobytes()).decode()
    text = text[:start] + payload + text[text.index("</parsedwaveforms>"):]
    if plain:
        text = text.replace('dataencoding="Base64"', 'dataencoding="Plain"')
    return (text.replace('signalsigned="True"', f'signalsigned="{signed}"')
            .replace('signaloffset="0"', f'signaloffset="{offset}"')
            .replace("<signalsigned>True<", f"<signalsigned>{signed}<")
            .replace("<signaloffset>0<", f"<signaloffset>{offset}<")).encode()


@pytest.mark.parametrize("shift_mv, plain, signed", [(0.0, False, "False"), (0.0, True, "False"),
                                                     (0.0, True, "True"), (-3.0, False, "False")],
                         ids=["base64", "plain", "plain-stated-signed", "all-below-0V"])
def test_philips_signed_samples_stated_unsigned_read_as_signed_with_a_note(tmp_path, shift_mv, plain, signed):
    """Signed int16 counts stored as unsigned 16-bit numbers, offset 0: read before as up to 327 mV
    (every sample below 0 V as 65536 counts above it); now the mV written, with a note. 3 mV below
    0 V throughout, no lead wraps: its counts of 32768 and more tell it."""
    sig = truth() + shift_mv
    counts = np.round(sig / 0.005).astype("<i2").view("<u2")
    rec = load_record(_write(tmp_path, _philips_counts(sig, counts, signed=signed, plain=plain)))
    assert_reads(rec, sig, 500, 0.005)
    assert any("were read as signed" in n and f"signalsigned {signed}, signaloffset 0" in n
               for n in rec.meta["reader_warnings"])


def test_philips_signed_samples_with_signed_flag_read_with_no_note(tmp_path):
    """Unchanged: the same counts stated signed (also with a lead that steps from rail to rail, as
    after a shock), and an unsigned signal with its zero at 32768."""
    sig = truth()
    counts = np.round(sig / 0.005).astype("<i2")
    rec = load_record(_write(tmp_path, _philips_counts(sig, counts, signed="True")))
    assert_reads(rec, sig, 500, 0.005)
    assert "reader_warnings" not in rec.meta
    railed = sig.copy()
    railed[STANDARD_LEADS.index("V2"), 1000:1010] = 32767 * 0.005
    railed[STANDARD_LEADS.index("V2"), 1010:1020] = -32768 * 0.005
    railed_counts = np.round(railed / 0.005).astype("<i2")
    rec = load_record(_write(tmp_path, _philips_counts(railed, railed_counts, signed="True")))
    assert float(np.abs(rec.signal - railed).max()) <= 0.005
    unsigned = (counts.astype(np.int32) + 32768).astype("<u2")
    rec = load_record(_write(tmp_path, _philips_counts(sig, unsigned, offset="32768")))
    assert_reads(rec, sig, 500, 0.005)
    assert "reader_warnings" not in rec.meta


def test_philips_xli_stated_unsigned_reads_as_before(tmp_path):
    """XLI's deltas decode to signed counts whatever signalsigned says: the real 1.04 file with
    signalsigned False reads its sierraecg counts, unchanged and without a note."""
    sierraecg = pytest.importorskip("sierraecg")
    src = DATA / "3191723_ZZDEMOPTONLY_1-04_orig.xml"
    text = src.read_bytes().decode("utf-16")
    assert text.count('signalsigned="True"') + text.count("<signalsigned>True<") >= 1
    flipped = text.replace('signalsigned="True"', 'signalsigned="False"').replace("<signalsigned>True<",
                                                                                   "<signalsigned>False<")
    rec = load_record(_write(tmp_path, flipped.encode("utf-16")))
    ref = sierraecg.read_file(str(src))
    T = rec.signal.shape[1]
    for lead in ref.leads[:12]:
        want = np.asarray(lead.samples, dtype=np.float64)[:T] * 0.005
        assert np.abs(rec.signal[STANDARD_LEADS.index(lead.label)] - want).max() < 1e-5, lead.label
    assert "reader_warnings" not in rec.meta


def test_philips_samples_that_read_as_no_ecg_either_way_are_refused_naming_the_fields(tmp_path):
    sig = truth()
    counts = np.round(sig / 0.005).astype(np.int32)
    # an unsigned signal around 32768 stated with offset 0, one lead 30 mV off it: 164 mV off read as
    # declared, wrapping as signed, and with 32768 as 0 V one lead sits where no ECG's median does
    # (test_formats_leftovers2: the same without that lead reads with 32768 as 0 V)
    off = counts + 32768
    off[STANDARD_LEADS.index("V4")] += 6000
    with pytest.raises(RecordError, match=r"ecg\.xml: read as Philips .*sit around 32768.*signaloffset 0"
                                          r".*lead V4 sits \+30 mV from 0 V.*\(signaloffset\) is misstated"):
        load_record(_write(tmp_path, _philips_counts(sig, off.astype("<u2"))))
    # signed data of which one lead (aVR) sits 100 mV off: wraps as unsigned, 100 mV off as signed
    counts[STANDARD_LEADS.index("aVR")] += 20000
    with pytest.raises(RecordError, match=r"ecg\.xml: read as Philips .*read like no ECG with signalsigned False, "
                                          r"signaloffset 0 .*lead aVR sits at"):
        load_record(_write(tmp_path, _philips_counts(sig, counts.astype("<i2").view("<u2"))))


def _write(tmp_path: Path, data: bytes, name: str = "ecg.xml") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------- DICOM without Sample Interpretation

def _dicom_without_interpretation(path: Path, counts: np.ndarray, **kwargs) -> Path:
    pytest.importorskip("pydicom")
    from test_formats_dicom_codec import _without_interpretation, write_ecg

    return _without_interpretation(write_ecg(path, counts, **kwargs))


@pytest.mark.parametrize("case", ["SS", "SS big endian", "US with baseline", "SS above 0 V", "US with baseline in mV"])
def test_dicom_16_bit_samples_without_interpretation_read_as_they_show(tmp_path, case):
    """Signed samples (crossing 0 V) and unsigned ones around 32768 with the Channel Baseline that
    puts 0 V there: each read as the mV written, with a note naming the missing field."""
    from pydicom.uid import ExplicitVRBigEndian
    from test_formats_dicom_codec import MV, counts_for

    kwargs, counts, code = {
        "SS": ({}, counts_for(2.5), "signed (SS)"),
        "SS big endian": ({"syntax": ExplicitVRBigEndian}, counts_for(2.5), "signed (SS)"),
        "US with baseline": ({"interpretation": "US", "baseline": "-81920"}, counts_for(2.5, -81920), "unsigned (US)"),
        "SS above 0 V": ({"baseline": "-5000"}, counts_for(2.5, -5000), "signed (SS)"),
        "US with baseline in mV": ({"interpretation": "US", "baseline": "-81.92", "sensitivity": "0.0025",
                                    "units": ("mV", "millivolt")}, counts_for(2.5, -81920), "unsigned (US)"),
    }[case]
    if case == "SS above 0 V":
        assert counts.min() > 0            # no sample reads otherwise as unsigned
    rec = load_record(_dicom_without_interpretation(tmp_path / "ecg.dcm", counts, **kwargs))
    assert float(np.abs(rec.signal - MV).max()) <= 0.0025 / 2 + 1e-6
    assert any(f"Waveform Sample Interpretation (5400,1006) is missing; its 16-bit samples were read as {code}" in n
               for n in rec.meta["reader_warnings"]), rec.meta.get("reader_warnings")


def test_dicom_samples_without_interpretation_that_fit_no_reading_are_refused(tmp_path):
    """Unsigned samples around 32768 without the baseline that puts 0 V there (164 mV off as
    unsigned, wrapping as signed), and 8-bit samples (which may also be companded), stay refused."""
    from test_formats_dicom_codec import counts_for

    path = _dicom_without_interpretation(tmp_path / "us.dcm", counts_for(2.5, -81920), interpretation="US")
    with pytest.raises(RecordError, match=r"us\.dcm: read as DICOM .*Waveform Sample Interpretation \(5400,1006\) "
                                          r"is missing, and its 16-bit samples read like no ECG as signed \(SS: lead I "
                                          r"wraps.*or as unsigned \(US: lead I sits 327\d\d counts from 0 V\)"):
        load_record(path)
    path = _dicom_without_interpretation(tmp_path / "sb.dcm", counts_for(20), interpretation="SB", sensitivity="20")
    with pytest.raises(RecordError, match=r"sb\.dcm: read as DICOM .*\(5400,1006\) is missing, so whether its 8-bit"):
        load_record(path)


# ---------------------------------------------------------------- WFDB: the signal file as on disk

NAME = "Müller"
WFDB_SIG = np.array([(0.3 + 0.05 * k) * np.sin(2 * np.pi * (1 + 0.1 * k) * np.arange(5000) / 500 + k)
                     for k in range(12)])          # (12, T) mV


def _wfdb_record(folder: Path, name: str, fmt: str = "16") -> Path:
    """WFDB_SIG written by wfdb's own writer as record ``name`` (5 uV a unit); its header path."""
    wfdb = pytest.importorskip("wfdb")
    folder.mkdir(parents=True, exist_ok=True)
    wfdb.wrsamp(name, fs=500, units=["mV"] * 12, sig_name=list(STANDARD_LEADS), p_signal=WFDB_SIG.T,
                fmt=[fmt] * 12, adc_gain=[200.0] * 12, baseline=[0] * 12, write_dir=str(folder))
    return folder / f"{name}.hea"


def _respell(path: Path, form: str) -> Path:
    """``path`` renamed to its name in Unicode normal form ``form``."""
    new = path.with_name(unicodedata.normalize(form, path.name))
    os.rename(path, new)
    return new


@pytest.mark.parametrize("fmt", ["16", "212"])     # read with numpy, and through wfdb's reader
@pytest.mark.parametrize("header_form, disk_form", [("NFC", "NFD"), ("NFD", "NFC")])
def test_wfdb_signal_file_named_in_the_other_unicode_form_is_found(tmp_path, header_form, disk_form, fmt):
    hea = _wfdb_record(tmp_path, unicodedata.normalize("NFC", NAME), fmt)
    dat = hea.with_suffix(".dat")
    text = hea.read_text(encoding="utf-8").replace(dat.name, unicodedata.normalize(header_form, dat.name))
    hea.write_text(text.replace(hea.stem, unicodedata.normalize(header_form, hea.stem)), encoding="utf-8")
    _respell(dat, disk_form)
    assert unicodedata.normalize(header_form, dat.name) not in os.listdir(tmp_path)   # no file of that spelling
    rec = load_record(hea)
    assert float(np.abs(rec.signal - WFDB_SIG).max()) <= 0.0025 + 1e-6       # half of the 5 uV unit


def test_wfdb_segment_named_in_the_other_unicode_form_is_found(tmp_path):
    """A multi-segment master written composed; its segment's header and samples stored decomposed."""
    seg = _wfdb_record(tmp_path, "Müller_1")
    text = seg.read_text(encoding="utf-8")
    seg.write_text(unicodedata.normalize("NFD", text), encoding="utf-8")   # as a Mac would write it
    _respell(seg.with_suffix(".dat"), "NFD")
    _respell(seg, "NFD")
    master = tmp_path / "Müller.hea"
    master.write_text("Müller/1 12 500 5000\nMüller_1 5000\n", encoding="utf-8")
    rec = load_record(master)
    assert float(np.abs(rec.signal - WFDB_SIG).max()) <= 0.0025 + 1e-6


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_wfdb_signal_file_that_is_no_regular_file_says_what_it_is(tmp_path):
    hea = _wfdb_record(tmp_path, "rec")
    dat = hea.with_suffix(".dat")
    dat.unlink()
    os.mkfifo(dat)          # opening it would block until a writer came: never opened
    with pytest.raises(RecordError, match=r"rec\.dat: signal file rec\.dat is a named pipe \(FIFO\), "
                                          r"not a regular file"):
        load_record(hea)
    dat.unlink()
    dat.mkdir()
    with pytest.raises(RecordError, match=r"rec\.dat: signal file rec\.dat is a folder, not a regular file"):
        load_record(hea)
    dat.rmdir()
    with pytest.raises(RecordError, match=r"rec\.dat: signal file rec\.dat not found \(named in rec\.hea\)"):
        load_record(hea)


@pytest.mark.parametrize("fmt", ["16", "212"])
def test_wfdb_files_named_in_another_letter_case_are_found(tmp_path, fmt):
    """A record copied from a FAT medium: "REC.HEA" + "REC.DAT" on disk, the header naming "rec.dat"."""
    hea = _wfdb_record(tmp_path, "rec", fmt)
    hea.with_suffix(".dat").rename(tmp_path / "REC.DAT")
    hea = hea.rename(tmp_path / "REC.HEA")
    assert "rec.dat" not in os.listdir(tmp_path)
    rec = load_record(hea)
    assert float(np.abs(rec.signal - WFDB_SIG).max()) <= 0.0025 + 1e-6


def test_wfdb_files_differing_only_in_case_are_not_guessed(tmp_path):
    """Two files that fold to the named one: which holds the samples cannot be told, so not found; a
    file that appears later in the same folder is seen (the folder's listing is not kept stale)."""
    hea = _wfdb_record(tmp_path, "rec")
    dat = hea.with_suffix(".dat")
    data = dat.read_bytes()
    dat.unlink()
    (tmp_path / "REC.DAT").write_bytes(data)
    (tmp_path / "Rec.Dat").write_bytes(bytes(len(data)))
    with pytest.raises(RecordError, match=r"signal file rec\.dat not found \(named in rec\.hea\)"):
        load_record(hea)
    (tmp_path / "Rec.Dat").unlink()
    rec = load_record(hea)
    assert float(np.abs(rec.signal - WFDB_SIG).max()) <= 0.0025 + 1e-6
