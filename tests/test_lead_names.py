"""Lead names and units read the same way by every reader: the words around a lead's name
("EKG I", "ECG lead I", "V1-Ref"), a minus that is the lead's sign ("ECG -aVR"), a difference of
two limb leads ("I-II" is -III), and microvolts written with a micro sign (U+00B5 or U+03BC, in
latin-1 or UTF-8). Truth: wfdb's own reading of the unmodified sample records."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import wfdb

from mirage_model.records import STANDARD_LEADS, canonical_lead, load_record

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"
PTBXL = SAMPLES / "ptbxl" / "records100" / "00000" / "00417_lr"
LUDB = SAMPLES / "ludb" / "1"
IDX = {name: k for k, name in enumerate(STANDARD_LEADS)}
# micro sign U+00B5 and Greek mu U+03BC, each in latin-1 (where it has one) and in UTF-8
MICRO = [b"\xb5V", "\u00b5V".encode(), "\u03bcV".encode()]


@pytest.fixture(scope="module")
def ptbxl():
    """(digital (T, 12) int64, gain, wfdb's physical (12, T) mV) of PTB-XL 00417, in standard order."""
    rec = wfdb.rdrecord(str(PTBXL), physical=False)
    assert [n.upper() for n in rec.sig_name] == [n.upper() for n in STANDARD_LEADS]
    truth = wfdb.rdrecord(str(PTBXL)).p_signal.T
    return rec.d_signal.astype(np.int64), float(rec.adc_gain[0]), truth


def _write(folder: Path, name: str, digital: np.ndarray, names: list[str], gain: float, units: bytes = b"mV") -> Path:
    """A format-16 WFDB record at 100 Hz written byte for byte (``units`` as given); returns the .hea."""
    T, L = digital.shape
    digital.astype("<i2").tofile(folder / f"{name}.dat")
    lines = [f"{name} {L} 100 {T}".encode()]
    for k in range(L):
        lines.append(f"{name}.dat 16 {gain}(0)/".encode() + units
                     + f" 16 0 {int(digital[0, k])} {int(digital[:, k].sum()) % 65536} 0 {names[k]}".encode())
    hea = folder / f"{name}.hea"
    hea.write_bytes(b"\n".join(lines) + b"\n")
    return hea


@pytest.mark.parametrize("name,expected", [
    ("ECG -aVR", ("aVR", -1)), ("Lead -aVR", ("aVR", -1)), ("EKG -aVR", ("aVR", -1)), ("-aVR", ("aVR", -1)),
    ("ECG-aVR", ("aVR", 1)), ("EKG I", ("I", 1)), ("ECG lead I", ("I", 1)), ("V1-Ref", ("V1", 1)),
    ("I-II", ("III", -1)), ("II-I", ("III", 1)), ("II-III", ("I", 1)), ("III-II", ("I", -1)),
    ("I-III", None), ("aVR-aVL", None), ("EEG Fp1-F3", None), ("MLII", None),
])
def test_canonical_lead_signs_and_words(name, expected):
    assert canonical_lead(name) == expected


@pytest.mark.parametrize("label", ["ECG -aVR", "Lead -aVR", "EKG -aVR"])
def test_wfdb_minus_avr_after_a_word_is_inverted(tmp_path, ptbxl, label):
    digital, gain, truth = ptbxl
    d = digital.copy()
    d[:, IDX["aVR"]] *= -1   # the file stores -aVR (Cabrera)
    names = list(STANDARD_LEADS)
    names[IDX["aVR"]] = label
    rec = load_record(_write(tmp_path, "cabrera", d, names, gain))
    np.testing.assert_allclose(rec.signal[IDX["aVR"]], truth[IDX["aVR"]], atol=1e-6)
    assert rec.meta["inverted_leads"] == ("aVR",)


def test_edf_minus_avr_after_a_word_is_inverted(tmp_path):
    pyedflib = pytest.importorskip("pyedflib")
    from pyedflib import highlevel

    ref = wfdb.rdrecord(str(LUDB))
    x = np.ascontiguousarray(ref.p_signal.T * 1000)   # (12, T) uV, LUDB's order = standard order
    x[IDX["aVR"]] *= -1
    labels = [f"ECG {'-aVR' if n == 'aVR' else n}" for n in STANDARD_LEADS]
    headers = highlevel.make_signal_headers(labels, dimension="uV", sample_frequency=ref.fs,
                                            physical_min=-10000, physical_max=10000)
    path = tmp_path / "cabrera.edf"
    highlevel.write_edf(str(path), x, headers, highlevel.make_header(), file_type=pyedflib.FILETYPE_EDFPLUS)
    rec = load_record(path)
    np.testing.assert_allclose(rec.signal[IDX["aVR"]], ref.p_signal[:, IDX["aVR"]], atol=1e-3)
    assert rec.meta["inverted_leads"] == ("aVR",)


@pytest.mark.parametrize("style", ["EKG {}", "ECG lead {}", "{}-Ref"])
def test_wfdb_reads_the_lead_names_other_formats_read(tmp_path, ptbxl, style):
    digital, gain, truth = ptbxl
    names = [style.format(n) for n in STANDARD_LEADS]
    rec = load_record(_write(tmp_path, "named", digital, names, gain))
    np.testing.assert_allclose(rec.signal, truth, atol=1e-6)
    assert "inverted_leads" not in rec.meta and "derived_leads" not in rec.meta


@pytest.mark.parametrize("order", [("I", "II"), ("II", "I")])
def test_a_difference_of_limb_leads_is_the_lead_it_equals(tmp_path, ptbxl, order):
    """A channel "I-II" holds I - II = -III (Einthoven: III = II - I), "II-I" holds III."""
    digital, gain, truth = ptbxl
    a, b = order
    d = digital.copy()
    d[:, IDX["III"]] = digital[:, IDX[a]] - digital[:, IDX[b]]
    names = list(STANDARD_LEADS)
    names[IDX["III"]] = f"{a}-{b}"
    rec = load_record(_write(tmp_path, "bipolar", d, names, gain))
    np.testing.assert_allclose(rec.signal[IDX["III"]], truth[IDX["II"]] - truth[IDX["I"]], atol=1e-6)
    assert rec.meta.get("inverted_leads", ()) == (("III",) if order == ("I", "II") else ())


@pytest.mark.parametrize("units", MICRO, ids=["latin1-micro", "utf8-micro", "utf8-mu"])
def test_wfdb_micro_sign_units_are_microvolts(tmp_path, ptbxl, units):
    digital, gain, truth = ptbxl
    rec = load_record(_write(tmp_path, "mu", digital, list(STANDARD_LEADS), gain / 1000, units))
    np.testing.assert_allclose(rec.signal, truth, atol=1e-6)


@pytest.mark.parametrize("units", MICRO, ids=["latin1-micro", "utf8-micro", "utf8-mu"])
def test_edf_micro_sign_units_are_microvolts(tmp_path, units):
    pyedflib = pytest.importorskip("pyedflib")
    from pyedflib import highlevel

    ref = wfdb.rdrecord(str(LUDB))
    x = np.ascontiguousarray(ref.p_signal.T * 1000)   # (12, T) uV
    headers = highlevel.make_signal_headers([f"ECG {n}" for n in STANDARD_LEADS], dimension="uV",
                                            sample_frequency=ref.fs, physical_min=-10000, physical_max=10000)
    path = tmp_path / "mu.edf"
    highlevel.write_edf(str(path), x, headers, highlevel.make_header(), file_type=pyedflib.FILETYPE_EDFPLUS)
    raw = bytearray(path.read_bytes())
    ns = int(raw[252:256])
    start = 256 + ns * (16 + 80)   # the physical dimension fields, 8 bytes each (EDF spec 2.1)
    patched = 0
    for k in range(ns):
        if raw[start + 8 * k: start + 8 * k + 2] == b"uV":
            raw[start + 8 * k: start + 8 * k + 8] = units.ljust(8)
            patched += 1
    assert patched == 12
    path.write_bytes(bytes(raw))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec = load_record(path)
    np.testing.assert_allclose(rec.signal, ref.p_signal.T, atol=1e-3)
