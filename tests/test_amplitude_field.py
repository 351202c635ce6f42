"""A record whose amplitudes are many times too large or too small for a heart has its QRS voltages (Sokolow-Lyon,
Cornell, the limb and precordial QRS amplitudes) marked unreliable in the measurement table, with the quality
finding's words, and that reason names the file's field that scaled the samples: an SCP-ECG file's Section 6
amplitude value multiplier, a WFDB header's gain, an EDF header's physical range.

Truth: the faulty files are made here from files shipped with the project, by editing the one field that scales
their samples to a value written in the test: Example.scp's Section 6 multiplier to 65535 nV (the mutation harness'
case, every lead about 26 times too tall), PTB-XL 00417's header gain from 1000 to 1000 / 26 (x26) and to 10000
(x1/10). The unmodified files have no such mark.
"""

from __future__ import annotations

import dataclasses
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

FORMATS = Path(__file__).parent / "data" / "formats"
VOLTAGES = ("sokolow_lyon_mv", "cornell_mv", "qrs_limb_mv", "qrs_precordial_mv")


def _rows(path):
    from mirage_model.review.opening import session_from_file

    session = session_from_file(path)
    return {r["key"]: r for r in session.measurement_table()}, session.quality_report


def _scp_with_multiplier(tmp_path: Path, avm: int) -> Path:
    """Example.scp with its Section 6 amplitude value multiplier (the first 2 bytes after the section's 16-byte
    header, EN 1064 5.10.2) set to ``avm`` nV; Section 0's pointer table read by hand."""
    data = bytearray((FORMATS / "Example.scp").read_bytes())
    end = 6 + struct.unpack_from("<I", data, 10)[0]
    for pos in range(6 + 16, end - 9, 10):
        sid, length, index = struct.unpack_from("<HII", data, pos)
        if sid == 6:
            struct.pack_into("<H", data, index - 1 + 16, avm)
            break
    else:
        raise AssertionError("Example.scp has no Section 6")
    out = tmp_path / f"avm{avm}.scp"
    out.write_bytes(bytes(data))
    return out


def _ptbxl_with_gain(tmp_path: Path, gain: str) -> Path:
    """PTB-XL 00417 (100 Hz, shipped) with every lead's header gain "1000.0" replaced by ``gain``."""
    from mirage_model.paths import sample_records

    hea = next(Path(p) for p in sample_records() if "00417" in str(p))
    shutil.copy(hea.with_suffix(".dat"), tmp_path / "00417_lr.dat")
    text = hea.read_text()
    assert text.count("1000.0(0)/mV") == 12
    (tmp_path / "00417_lr.hea").write_text(text.replace("1000.0(0)/mV", f"{gain}(0)/mV"))
    return tmp_path / "00417_lr.hea"


def test_scp_multiplier_65535_marks_the_voltages_and_names_the_field(tmp_path):
    rows, quality = _rows(_scp_with_multiplier(tmp_path, 65535))
    codes = {f.code for f in quality.findings}
    assert "amplitude_implausible" in codes
    for key in VOLTAGES:
        assert rows[key]["doubt"] == "unreliable", key
        assert "Section 6 amplitude value multiplier (65535 nV a count)" in rows[key]["doubt_why"], key
    # Sokolow-Lyon at 26 times a real ECG's: far above its limit, the flag kept beside the mark
    assert rows["sokolow_lyon_mv"]["value"] > 20 and rows["sokolow_lyon_mv"]["flag"] == "high"


def test_scp_as_shipped_has_no_voltage_mark():
    rows, quality = _rows(FORMATS / "Example.scp")
    assert not {f.code for f in quality.findings} & {"amplitude_implausible", "amplitude_high", "amplitude_low"}
    assert all(not rows[key]["doubt"] for key in VOLTAGES)


@pytest.mark.parametrize("gain, code", [("38.46", "amplitude_implausible"), ("10000.0", "amplitude_low")])
def test_wfdb_gain_wrong_marks_the_voltages_and_names_the_gain(tmp_path, gain, code):
    rows, quality = _rows(_ptbxl_with_gain(tmp_path, gain))
    found = [f for f in quality.findings if f.code == code]
    assert found, [f.code for f in quality.findings]
    assert f"the WFDB header's gain ({float(gain):g} adu/mV)" in found[0].name
    for key in VOLTAGES:
        assert rows[key]["doubt"] == "unreliable", key
        assert f"({float(gain):g} adu/mV)" in rows[key]["doubt_why"], key


def test_wfdb_as_shipped_has_no_voltage_mark(tmp_path):
    rows, quality = _rows(_ptbxl_with_gain(tmp_path, "1000.0"))
    assert not {f.code for f in quality.findings} & {"amplitude_implausible", "amplitude_high", "amplitude_low"}
    assert all(not rows[key]["doubt"] for key in VOLTAGES)


def test_edf_names_its_physical_range(tmp_path):
    from mirage_model.formats.edf import write_edf
    from mirage_model.quality import assess
    from mirage_model.records import load_record

    rec = load_record(_ptbxl_with_gain(tmp_path, "1000.0"))
    tall = dataclasses.replace(rec, signal=(rec.signal * 26.0).astype(np.float32))
    path = write_edf(tall, tmp_path / "tall.edf")
    found = [f for f in assess(load_record(path)).findings if f.code == "amplitude_implausible"]
    assert found and "scaled by the EDF header's physical range" in found[0].name


def test_muse_xml_names_its_units_per_bit(tmp_path):
    """GE MUSE XML with LeadAmplitudeUnitsPerBit 4.88 made 126.88 (26 times): the reason names the field."""
    from mirage_model.quality import assess
    from mirage_model.records import load_record

    text = (FORMATS / "muse-sinus.xml").read_bytes()
    assert text.count(b"<LeadAmplitudeUnitsPerBit>4.88<") == 16
    path = tmp_path / "muse-tall.xml"
    path.write_bytes(text.replace(b"<LeadAmplitudeUnitsPerBit>4.88<", b"<LeadAmplitudeUnitsPerBit>126.88<"))
    found = [f for f in assess(load_record(path)).findings if f.code == "amplitude_implausible"]
    assert found and "scaled by the file's LeadAmplitudeUnitsPerBit (126.88 uV per count)" in found[0].name


def test_the_lead_named_is_the_lead_whose_scale_is_quoted(tmp_path):
    """Leads scaled alike no more: the reason quotes the first scaled lead's value and names that lead in the
    words its docstring gives (EDF's "the others' differ"); it had named the first ECG lead (``ecg[0]``), which
    may be one given in physical units, beside another lead's value."""
    from types import SimpleNamespace

    from mirage_model.formats.lead_scale import scale_said

    def lead(label, res, unit, raw=True):
        return SimpleNamespace(label=label, resolution=res, resolution_unit=unit, is_raw=raw)

    ecg = [lead("V1", 1.0, "", raw=False), lead("I", 4.88, "uV"), lead("II", 2.44, "uV")]
    assert scale_said(ecg, "muse-xml").endswith("(4.88 uV per count in lead I; the others' differ)")
    assert scale_said(ecg[1:2] * 2, "muse-xml").endswith("(4.88 uV per count)")
    assert scale_said(ecg[:1], "muse-xml") == ""


def test_muse_xml_with_one_lead_scaled_otherwise_names_it(tmp_path):
    """GE MUSE XML whose first lead's LeadAmplitudeUnitsPerBit reads 126.88 (the others 4.88): that lead is named
    with its value."""
    from mirage_model.records import load_record

    text = (FORMATS / "muse-sinus.xml").read_bytes()
    path = tmp_path / "muse-one.xml"
    at = text.index(b"Rhythm</WaveformType>")         # the rhythm strip's leads (I first), after the median beats'
    path.write_bytes(text[:at] + text[at:].replace(b"<LeadAmplitudeUnitsPerBit>4.88<",
                                                   b"<LeadAmplitudeUnitsPerBit>126.88<", 1))
    said = load_record(path).meta["amplitude_field"]
    assert said == "the file's LeadAmplitudeUnitsPerBit (126.88 uV per count in lead I; the others' differ)", said
