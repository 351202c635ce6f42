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
    ("Ableitung II", ("II", 1)), ("Abl. aVF", ("aVF", 1)), ("Dérivation V1", ("V1", 1)),
    ("De\u0301rivation V1", ("V1", 1)), ("Derivación III", ("III", 1)), ("Derivazione aVL", ("aVL", 1)),
    ("Derivação V6", ("V6", 1)), ("Afleiding I", ("I", 1)), ("Отведение aVR", ("aVR", 1)),
    ("Ableitung -aVR", ("aVR", -1)), ("Ableitung V4R", None), ("Ableitung", None),
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


@pytest.mark.parametrize("style", ["EKG {}", "ECG lead {}", "{}-Ref", "Ableitung {}", "Dérivation {}"])
def test_wfdb_reads_the_lead_names_other_formats_read(tmp_path, ptbxl, style):
    """Every lead read from its own channel, none derived or missing: "Ableitung I" (German) had been no lead, so
    I, II and III were read as missing (and written blank by mirage convert)."""
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


@pytest.mark.parametrize("name,expected", [
    ("ECG LA-RA", ("I", 1)), ("ECG LL-RA", ("II", 1)), ("ECG LL-LA", ("III", 1)), ("LF-RA", ("II", 1)),
    ("ECG RA-LA", ("I", -1)), ("RA-LL", ("II", -1)), ("LA-LL", ("III", -1)), ("ECG LA", None), ("LA-RL", None),
])
def test_a_pair_of_limb_electrodes_is_the_lead_they_form(name, expected):
    assert canonical_lead(name) == expected


@pytest.mark.parametrize("reverse", [False, True], ids=["LA-RA", "RA-LA"])
def test_edf_limb_leads_labelled_by_their_electrodes(tmp_path, reverse):
    """An EDF+ whose limb channels are named by their electrodes ("ECG LA-RA" = I, "ECG LL-RA" = II,
    "ECG LL-LA" = III, Einthoven) and that stores no augmented leads: read as the 12 leads in mV
    (the augmented ones derived), not refused for lack of leads. Stored the other way round
    ("ECG RA-LA" holds -I), the lead is turned back and named inverted."""
    pyedflib = pytest.importorskip("pyedflib")
    from pyedflib import highlevel

    ref = wfdb.rdrecord(str(LUDB))
    truth = ref.p_signal.T                                  # (12, T) mV, LUDB's order = standard order
    pairs = {"I": ("LA", "RA"), "II": ("LL", "RA"), "III": ("LL", "LA")}
    keep = [n for n in STANDARD_LEADS if n not in ("aVR", "aVL", "aVF")]
    labels, x = [], []
    for n in keep:
        if n in pairs:
            a, b = pairs[n][::-1] if reverse else pairs[n]
            labels.append(f"ECG {a}-{b}")
            x.append(-truth[IDX[n]] * 1000 if reverse else truth[IDX[n]] * 1000)   # uV
        else:
            labels.append(f"ECG {n}")
            x.append(truth[IDX[n]] * 1000)
    headers = highlevel.make_signal_headers(labels, dimension="uV", sample_frequency=ref.fs,
                                            physical_min=-10000, physical_max=10000)
    path = tmp_path / "electrodes.edf"
    highlevel.write_edf(str(path), np.ascontiguousarray(x), headers, highlevel.make_header(),
                        file_type=pyedflib.FILETYPE_EDFPLUS)
    rec = load_record(path)
    assert rec.fs == ref.fs and rec.signal.shape == truth.shape
    stored = [IDX[n] for n in keep]
    np.testing.assert_allclose(rec.signal[stored], truth[stored], atol=1e-3)   # 0.3 uV a count over +-10 mV
    i, ii = truth[IDX["I"]], truth[IDX["II"]]                  # Goldberger, from the file's I and II
    for lead, values in (("aVR", -(i + ii) / 2), ("aVL", i - ii / 2), ("aVF", ii - i / 2)):
        np.testing.assert_allclose(rec.signal[IDX[lead]], values, atol=1e-3)
    assert rec.meta["derived_leads"] == ("aVR", "aVL", "aVF")
    assert rec.meta.get("inverted_leads", ()) == (("I", "II", "III") if reverse else ())


@pytest.mark.parametrize("label,encoding", [("ЭКГ II", "utf-8"), ("ЭКГ II", "cp1251"), ("ECG II", "ascii")])
def test_edf_labels_outside_ascii_are_read_as_written(tmp_path, label, encoding):
    """EDF labels are ASCII by the spec, but exports write the language's own ("ЭКГ II", Russian
    for ECG II, in UTF-8) and code-page symbols on other channels ("SpO²" in windows-1252). edfio
    decoded them as ASCII, one U+FFFD a byte: lead II was dropped (derived from I and III instead)
    and the channels listed as "������ II" and "SpO�". Read as written: II is the file's own
    (a code page that is not UTF-8 is read as windows-1252, so the Cyrillic one still drops II,
    derived, and is named without U+FFFD where windows-1252 has the byte)."""
    pyedflib = pytest.importorskip("pyedflib")
    from pyedflib import highlevel

    ref = wfdb.rdrecord(str(LUDB))
    truth = ref.p_signal.T                                    # (12, T) mV, standard order
    labels = [f"ECG {n}" for n in STANDARD_LEADS] + ["SpO2"]
    headers = highlevel.make_signal_headers(labels, dimension="uV", sample_frequency=ref.fs,
                                            physical_min=-10000, physical_max=10000)
    headers[12].update(dimension="%", physical_min=0, physical_max=100)
    path = tmp_path / "labels.edf"
    highlevel.write_edf(str(path), [*truth * 1000, np.full(truth.shape[1], 97.0)], headers, highlevel.make_header(),
                        file_type=pyedflib.FILETYPE_EDFPLUS)
    raw = bytearray(path.read_bytes())
    ns = int(raw[252:256])
    for k, text in ((IDX["II"], label.encode(encoding)), (12, "SpO²".encode("cp1252"))):
        raw[256 + 16 * k: 256 + 16 * (k + 1)] = text.ljust(16)   # the label fields, 16 bytes each
    path.write_bytes(bytes(raw))
    rec = load_record(path)
    assert rec.meta["file_leads"][IDX["II"]] == (label if encoding != "cp1251"
                                                 else label.encode("cp1251").decode("cp1252"))
    assert rec.meta["dropped_leads"][-1] == "SpO²"
    assert all("\ufffd" not in name for name in rec.meta["file_leads"])
    if encoding == "cp1251":
        assert rec.meta["derived_leads"] == ("II",)
    else:
        assert "derived_leads" not in rec.meta
        np.testing.assert_allclose(rec.signal[IDX["II"]], truth[IDX["II"]], atol=1e-3)


def test_an_electrode_pair_beside_the_lead_it_forms_stays_an_extra_channel():
    """A file naming lead I outright and also a channel "ECG LA-RA" keeps its "ECG I" as I and
    lists the pair as a channel left out, as before pairs were read: not a lead named twice (which
    withholds the calls)."""
    from mirage_model.records.leads import match_leads

    match = match_leads(["ECG I", "ECG II", "ECG LA-RA", "ECG LL-LA", "ECG V1"])
    assert match.chosen == {"I": (0, 1), "II": (1, 1), "III": (3, 1), "V1": (4, 1)}
    assert match.dropped == ("ECG LA-RA",) and match.duplicates == () and match.twins == ()


def test_standard_leads_named_keeps_the_leads_in_channel_order():
    """Which leads a group of channels holds (a DICOM multiplex group, an aECG sequence set), as
    the table above reads each label: signs dropped, other channels and empty labels left out."""
    from mirage_model.records.leads import standard_leads_named

    labels = ["MDC_ECG_LEAD_V1", None, "Lead II", "", "RESP", "ECG -aVR", "MLII", "LA-RA", "v6"]
    assert standard_leads_named(labels) == ["V1", "II", "aVR", "I", "V6"]
    assert standard_leads_named(iter(["II", "II"])) == ["II", "II"]     # a generator; a lead twice stays twice
    assert standard_leads_named([]) == []
