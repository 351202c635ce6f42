"""``mirage convert`` and the WFDB / EDF+ writers: every format read writes back to the same
signal within the written format's resolution, read by MIRAGE and by independent readers (wfdb,
pyedflib); anonymising drops name, ID and birth date and keeps age and sex."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from mirage_model import formats
from mirage_model.records import STANDARD_LEADS, RecordError, load_record
from training_cli.main import main

pytest.importorskip("ecgdatakit")
pytest.importorskip("edfio")

DATA = Path(__file__).parent / "data" / "formats"
SAMPLES = ["muse-sinus.xml", "129DYPRG.XML", "aecg_subject1_0.xml", "waveform_ecg.dcm", "Example.scp"]


@pytest.mark.parametrize("name", SAMPLES)
def test_wfdb_round_trip_within_one_microvolt(tmp_path, name):
    wfdb = pytest.importorskip("wfdb")
    rec = load_record(DATA / name)
    hea = formats.write_record(rec, tmp_path, "wfdb")
    back = load_record(hea)
    assert back.meta["format"] == "wfdb" and back.fs == rec.fs
    np.testing.assert_allclose(back.signal, rec.signal, atol=0.0005 + 1e-6)  # gain 1000/mV
    assert back.age == rec.age and back.sex == rec.sex
    ref = wfdb.rdrecord(str(hea.with_suffix("")))  # wfdb's own reader
    assert ref.sig_name == list(STANDARD_LEADS) and ref.units == ["mV"] * 12
    np.testing.assert_allclose(ref.p_signal.T, rec.signal, atol=0.0005 + 1e-6)


@pytest.mark.parametrize("name", SAMPLES)
def test_edf_round_trip_within_its_resolution(tmp_path, name):
    rec = load_record(DATA / name)
    path = formats.write_record(rec, tmp_path, "edf")
    back = load_record(path)
    assert back.meta["format"] == "edf" and back.fs == rec.fs
    span = max(1.0, float(np.abs(rec.signal).max()) * 1.001)
    resolution = 2 * span / 65535
    np.testing.assert_allclose(back.signal, rec.signal, atol=resolution / 2 + 1e-6)
    assert back.age == rec.age and back.sex == rec.sex
    assert back.meta["patient"]["id"].replace(" ", "_") == rec.meta["patient"]["id"].replace(" ", "_")
    pyedflib = pytest.importorskip("pyedflib")
    from pyedflib import highlevel

    sigs, headers, header = highlevel.read_edf(str(path))
    assert [h["label"] for h in headers] == [f"ECG {lead}" for lead in STANDARD_LEADS]
    np.testing.assert_allclose(np.asarray(sigs), rec.signal, atol=resolution + 1e-6)


def test_anonymise_drops_identity_keeps_age_and_sex(tmp_path):
    rec = load_record(DATA / "muse-sinus.xml")
    p = rec.meta["patient"]
    for fmt in ("wfdb", "edf"):
        out = formats.write_record(rec, tmp_path / fmt, fmt, anonymise=True)
        raw = out.read_bytes()[:4096] if fmt == "edf" else out.read_bytes()
        for secret in (p["id"], p["name"].split()[0], p["name"].split()[-1], p["birth_date"],
                       p["birth_date"][:4]):
            assert secret.encode() not in raw, (fmt, secret)
        back = load_record(out)
        assert back.age == rec.age and back.sex == rec.sex
        assert "patient" not in back.meta or not back.meta["patient"].get("name")
        if fmt == "wfdb":
            assert formats.ANONYMISED_NOTE in back.comments
        else:
            assert back.meta.get("anonymised")
    # a file name carrying the patient's ID loses it too
    named = tmp_path / f"{p['id']}_ecg.xml"
    shutil.copy(DATA / "muse-sinus.xml", named)
    out = formats.write_record(load_record(named), tmp_path / "byid", "wfdb", anonymise=True)
    assert p["id"] not in out.name and p["id"] not in out.read_text()
    # without --anonymise the identity is kept
    out = formats.write_record(rec, tmp_path / "named", "wfdb")
    assert p["id"] in out.read_text()


@pytest.mark.parametrize("fmt", ["wfdb", "edf"])
def test_an_anonymised_record_reopened_says_so_where_the_name_was(tmp_path, fmt):
    """An anonymised WFDB record reopened did not know it was (its reader passed over the header's
    "anonymised: ..." comment; EDF+ set meta["anonymised"]), and neither the patient line nor page 1
    of the PDF said so: no name, as if none had been typed. Both now read "Patient: anonymised"
    where the name was. Truth: the written file's own words, and the source's name (JOHN DOE)."""
    pypdf = pytest.importorskip("pypdf")
    from mirage_model.review.file_info import patient_facts
    from mirage_model.review.report import build_report
    from mirage_model.review.session import ReviewSession

    rec = load_record(DATA / "muse-sinus.xml")
    assert rec.meta["patient"]["name"] == "JOHN DOE"
    out = formats.write_record(rec, tmp_path / fmt, fmt, anonymise=True)
    said = out.read_bytes()[:4096]
    assert (formats.ANONYMISED_NOTE.encode() if fmt == "wfdb" else b"anonymised") in said
    back = load_record(out)
    assert back.meta.get("anonymised")
    assert patient_facts(back, back.age, back.sex)[0] == "Patient: anonymised"
    pdf = build_report(ReviewSession.from_results(back), tmp_path / "r.pdf")
    header = " ".join(pypdf.PdfReader(str(pdf)).pages[0].extract_text().split()).split("Measurements")[0]
    assert "Patient: anonymised" in header and "JOHN" not in header
    # every page's footer names the patient as page 1 does: "record ecg (anonymised, M, 43 y)" (it gave
    # "(M, 43 y)", as for a record whose patient nobody named)
    for page in pypdf.PdfReader(str(pdf)).pages:
        footer = " ".join(page.extract_text().split())
        assert f"record {back.record_id} (anonymised, M, 43 y)" in footer, footer[-300:]
    # a record saved as it was names its patient, never "anonymised"
    named = load_record(formats.write_record(rec, tmp_path / "named", fmt))
    assert not named.meta.get("anonymised") and patient_facts(named)[0] == "Patient: JOHN DOE"


@pytest.mark.parametrize("fmt", ["wfdb", "edf"])
def test_an_anonymised_note_keeps_its_non_ascii_but_not_the_patient(tmp_path, fmt):
    """scrub_text folded an anonymised record's carried note to ASCII: "5 µV" lost its µ (read "5 V", a
    thousand-fold reading) and "°" went. Now what shows is kept as written, and the identity goes however
    it is written: as the file gives it, in ASCII letters, in another script, or split by a zero-width
    space. Truth: the notes and names written here."""
    rec = load_record(DATA / "muse-sinus.xml")
    rec.meta["patient"] = {"name": "Jürgen Müller-Иванов", "id": "081486213"}
    rec.meta["reader_warnings"] = ("offset 5 µV at 25 °C, naïve gain",
                                   "named Müller, MULLER, Mül\u200bler, ИВАНОВ and Jurgen (ID 081486213)")
    back = load_record(formats.write_record(rec, tmp_path / fmt, fmt, anonymise=True))
    assert back.meta["reader_warnings"] == ("in the source file: offset 5 µV at 25 °C, naïve gain",
                                            "in the source file: named X, X, X, X and X (ID X)")
    plain = load_record(formats.write_record(rec, tmp_path / f"plain{fmt}", fmt))   # not anonymised: as written
    assert plain.meta["reader_warnings"][1] == "in the source file: " + rec.meta["reader_warnings"][1]


def test_device_statements_travel_as_labelled_comments(tmp_path):
    rec = load_record(DATA / "muse-sinus.xml")
    back = load_record(formats.write_record(rec, tmp_path, "wfdb"))
    stated = [c for c in back.comments if c.startswith("Device statement")]
    assert len(stated) == len(rec.meta["device_report"]["statements"])
    assert all("12SL" in c for c in stated)
    # EDF+ carries them as annotations (they were dropped): the same statements and measurements back
    edf = load_record(formats.write_record(rec, tmp_path, "edf"))
    assert edf.meta["device_report"]["statements"] == rec.meta["device_report"]["statements"]
    assert edf.meta["device_report"]["measurements"] == rec.meta["device_report"]["measurements"]
    assert edf.meta["device_report"]["source"] == rec.meta["device_report"]["source"]


def test_convert_cli_mixed_folder(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    for name in SAMPLES:
        shutil.copy(DATA / name, src / name)
    (src / "broken.xml").write_text("<RestingECG><PatientDemographics>")  # cut short
    out = tmp_path / "out"
    code = main(["convert", str(src), "--to", "wfdb", str(out), "--anonymise"])
    assert code == 1  # one input failed, the rest converted
    err = capsys.readouterr().err
    assert "broken.xml: read as GE MUSE XML" in err and "1 of 6" in err
    written = sorted(p.name for p in out.glob("*.hea"))
    assert len(written) == len(SAMPLES)
    for hea in out.glob("*.hea"):
        assert formats.ANONYMISED_NOTE in hea.read_text()
        assert load_record(hea).signal.shape[0] == 12
    assert main(["convert", str(DATA / "Example.scp"), "--to", "edf", str(out)]) == 0
    assert (out / "Example.edf").is_file()


def test_convert_cli_takes_the_readme_order_with_several_inputs(tmp_path, capsys):
    """README: ``mirage convert IN... --to wfdb|edf OUT_DIR``. With two inputs before --to, the
    output folder after it had been refused ("unrecognized arguments"); options anywhere work,
    a lone input without an output folder and an unknown option are refused."""
    out = tmp_path / "out"
    assert main(["convert", str(DATA / "muse-sinus.xml"), str(DATA / "Example.scp"), "--to", "wfdb", str(out)]) == 0
    assert sorted(p.name for p in out.glob("*.hea")) == ["Example.hea", "muse-sinus.hea"]
    assert main(["convert", "--to", "edf", str(DATA / "Example.scp"), str(tmp_path / "e"), "--anonymise"]) == 0
    assert (tmp_path / "e" / "ecg_0001.edf").is_file()  # anonymised: numbered, not named after the input
    capsys.readouterr()
    assert main(["convert", str(DATA / "Example.scp"), "--to", "edf"]) == 2
    assert "output folder" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["convert", str(DATA / "Example.scp"), "--to", "edf", str(out), "--bogus"])
    assert e.value.code == 2 and "unrecognized arguments" in capsys.readouterr().err


def _muse_of(tmp_path: Path, last: str, first: str, file_name: str) -> Path:
    """muse-sinus.xml (patient ID 081486213, born 07-08-1979) with the patient's name replaced."""
    import re

    text = (DATA / "muse-sinus.xml").read_text(encoding="latin-1")
    text = re.sub(r"<PatientLastName>.*?</PatientLastName>", f"<PatientLastName>{last}</PatientLastName>", text)
    text = re.sub(r"<PatientFirstName>.*?</PatientFirstName>", f"<PatientFirstName>{first}</PatientFirstName>", text)
    path = tmp_path / file_name
    path.write_text(text, encoding="latin-1")
    return path


# (last name, first name): non-ASCII, two-letter, multi-part, common words
PATIENTS = [("MÜLLER", "HANS"), ("LI", "YU"), ("O'BRIEN-SMITH", "MARY ANN"), ("KING", "MAY")]


def _spellings(part: str) -> set[str]:
    """How a file name may carry one name part: as written, accents dropped, accented letters as _."""
    import unicodedata

    folded = unicodedata.normalize("NFKD", part).encode("ascii", "ignore").decode()
    return {part.lower(), folded.lower(), "".join(c if c.isascii() else "_" for c in part).lower()}


@pytest.mark.parametrize("fmt", ["wfdb", "edf"])
def test_convert_anonymise_keeps_no_identity_in_file_names(tmp_path, capsys, fmt):
    """The audit's MUSE files of "HANS MÜLLER" and "YU LI" came out as M_LLER_X_X.hea, M_ller_X.hea and
    LI_YU_X.hea: the name was made ASCII before its parts were matched and parts under 3 letters
    were kept. Anonymised outputs are now numbered; each input's line says which output it became."""
    import re

    src = tmp_path / "in"
    src.mkdir()
    for last, first in PATIENTS:
        _muse_of(src, last, first, f"{last}_{first}_081486213.xml".replace(" ", "_"))
        _muse_of(src, last, first, f"{last.title()}, {first.title()} 19790807.xml")
    out = tmp_path / "out"
    assert main(["convert", str(src), "--to", fmt, str(out), "--anonymise"]) == 0
    lines = capsys.readouterr().out.splitlines()
    ext = ".hea" if fmt == "wfdb" else ".edf"
    written = sorted(p.name for p in out.glob(f"*{ext}"))
    assert written == [f"ecg_{k:04d}{ext}" for k in range(1, 2 * len(PATIENTS) + 1)]
    # the terminal lines map each input to its own output, one to one
    mapped = dict(re.match(r"(.*) \(GE MUSE XML\) -> (.*) \(anonymised\)$", line).groups() for line in lines
                  if not line.startswith("  "))     # an input's notes ("  left out: ...") are indented under it
    assert sorted(Path(p).name for p in mapped) == sorted(p.name for p in src.iterdir())
    assert sorted(Path(o).name for o in mapped.values()) == written
    for last, first in PATIENTS:
        parts = re.split(r"[\s'-]+", f"{last} {first}")
        for path in out.iterdir():
            # the text a reader shows: the WFDB header, the EDF header (13 signals); .dat is samples
            raw = {".hea": path.read_bytes(), ".dat": b""}.get(path.suffix) or path.read_bytes()[:256 * 14]
            for part in parts:
                for spelling in _spellings(part):
                    assert spelling not in path.name.lower(), (path.name, part)
                    word = rb"(?i)(?<![a-z])" + re.escape(spelling.encode("latin-1")) + rb"(?![a-z])"
                    assert len(spelling) < 2 or not re.search(word, raw), (path.name, part)
            for secret in ("081486213", "1979", "07-08", "08-07"):
                assert secret not in path.name and secret.encode() not in raw, (path.name, secret)
    # a second run into the same folder numbers on, overwriting nothing
    assert main(["convert", str(src / "LI_YU_081486213.xml"), "--to", fmt, str(out), "--anonymise"]) == 0
    assert f"ecg_{2 * len(PATIENTS) + 1:04d}{ext}" in {p.name for p in out.iterdir()}


@pytest.mark.parametrize("last,first", PATIENTS)
def test_write_record_anonymise_scrubs_a_given_name(tmp_path, last, first):
    """A name given to write_record with anonymise (the app's Save as) loses every part of the
    patient's name, ID and birth date, however the file name spells it; without a name the file is
    ecg.hea, never the input's stem."""
    import re

    rec = load_record(_muse_of(tmp_path, last, first, "in.xml"))
    given = f"{last}_{first}_081486213 {last.title()}, {first.title()} 1979-08-07 ecg".replace("'", "")
    out = formats.write_record(rec, tmp_path / "a", "wfdb", anonymise=True, name=given)
    stem = out.stem.lower()
    for part in re.split(r"[\s'-]+", f"{last} {first}"):
        assert not any(re.search(rf"(?<![a-z]){re.escape(s)}(?![a-z])", stem) for s in _spellings(part)), (stem, part)
    assert "081486213" not in stem and "1979" not in stem and stem.endswith("_ecg")
    named = _muse_of(tmp_path, last, first, f"{last}_{first}.xml")
    assert formats.write_record(load_record(named), tmp_path / "b", "edf", anonymise=True).name == "ecg.edf"


def _wfdb_with_gap(folder: Path, lead: str = "V2", gap=slice(1000, 1600)) -> tuple[Path, np.ndarray]:
    """muse-sinus's 12 leads written by wfdb itself with ``lead``'s samples ``gap`` invalid (-32768,
    WFDB's missing sample); returns the header and the gap's mask (12, T)."""
    wfdb = pytest.importorskip("wfdb")
    x = load_record(DATA / "muse-sinus.xml").signal.astype(np.float64)  # (12, T) mV
    d = np.round(x * 1000).astype(np.int16)
    mask = np.zeros(x.shape, dtype=bool)
    mask[STANDARD_LEADS.index(lead), gap] = True
    d[mask] = -32768
    folder.mkdir(parents=True, exist_ok=True)
    wfdb.wrsamp("gap", fs=500, units=["mV"] * 12, sig_name=list(STANDARD_LEADS), d_signal=d.T.copy(),
                fmt=["16"] * 12, adc_gain=[1000.0] * 12, baseline=[0] * 12, write_dir=str(folder))
    return folder / "gap.hea", mask


def test_convert_to_edf_keeps_missing_samples_missing(tmp_path, capsys):
    """The audit's WFDB and DICOM records with part of V2 missing came back from EDF as 0 mV, quality
    "usable" with no flag: the writer wrote NaN as 0. They are now written at the digital minimum,
    named in the header, and read back as missing; the command names the lead."""
    from mirage_model.quality import assess

    hea, mask = _wfdb_with_gap(tmp_path / "in")
    src = load_record(hea)
    assert np.array_equal(np.isnan(src.signal), mask)  # wfdb's invalid sample is read as missing
    assert main(["convert", str(hea), "--to", "edf", str(tmp_path / "out")]) == 0
    assert "missing samples in V2" in capsys.readouterr().out
    edf = tmp_path / "out" / "gap.edf"
    back = load_record(edf)
    assert back.signal.shape == src.signal.shape
    assert np.array_equal(np.isnan(back.signal), mask)
    assert np.array_equal(back.quality["missing"], src.quality["missing"])
    assert [STANDARD_LEADS[k] for k in np.flatnonzero(back.quality["missing"])] == ["V2"]
    span = float(np.nanmax(np.abs(src.signal))) * 1.001
    np.testing.assert_allclose(back.signal[~mask], src.signal[~mask], atol=span / 65535 + 1e-6)
    a, b = assess(src), assess(back)
    assert (a.verdict, sorted(f.code for f in a.findings)) == (b.verdict, sorted(f.code for f in b.findings))
    assert "missing" in " ".join(f.code for f in b.findings)
    # another EDF reader still reads the file: every sample a number, the gap at V2's negative limit
    pyedflib = pytest.importorskip("pyedflib")
    from pyedflib import highlevel

    sigs, headers, _ = highlevel.read_edf(str(edf))
    sigs = np.asarray(sigs)
    assert sigs.shape == src.signal.shape and np.isfinite(sigs).all()
    v2 = STANDARD_LEADS.index("V2")
    np.testing.assert_allclose(sigs[v2, mask[v2]], headers[v2]["physical_min"], atol=span / 65535)
    np.testing.assert_allclose(sigs[~mask], src.signal[~mask], atol=2 * span / 65535 + 1e-6)


@pytest.mark.parametrize("fs,T", [(360, 3601), (128, 1283), (499.5, 5000), (500, 5000), (100, 1000),
                                  (257, 2570), (257, 2571)])
def test_convert_to_edf_any_length_and_rate(tmp_path, fs, T):
    """The audit's 360 Hz x 3601, 128 Hz x 1283 and 499.5 Hz x 5000 records failed ("'10.0027777...'
    exceeds maximum field length: 18 > 8"): the data record was the whole record, whose duration
    does not fit EDF's 8 characters. Each now reads back with its shape, fs and samples; the file's
    own header (parsed here) gives fs exactly as samples per data record / duration."""
    wfdb = pytest.importorskip("wfdb")
    x = load_record(DATA / "muse-sinus.xml").signal.astype(np.float64)  # (12, 5000) mV
    d = np.round(np.tile(x, (1, 2))[:, :T] * 1000).astype(np.int16)
    (tmp_path / "in").mkdir()
    wfdb.wrsamp("rec", fs=fs, units=["mV"] * 12, sig_name=list(STANDARD_LEADS), d_signal=d.T.copy(),
                fmt=["16"] * 12, adc_gain=[1000.0] * 12, baseline=[0] * 12, write_dir=str(tmp_path / "in"))
    truth = wfdb.rdrecord(str(tmp_path / "in" / "rec"))  # wfdb's own reading of the source
    assert main(["convert", str(tmp_path / "in" / "rec.hea"), "--to", "edf", str(tmp_path / "out")]) == 0
    edf = tmp_path / "out" / "rec.edf"
    back = load_record(edf)
    assert back.signal.shape == (12, T) and back.fs == truth.fs == fs
    span = float(np.abs(truth.p_signal).max()) * 1.001
    np.testing.assert_allclose(back.signal, truth.p_signal.T, atol=span / 65535 + 1e-6)
    assert not np.isnan(back.signal).any() and not back.quality["missing"].any()
    head = edf.read_bytes()[:256 * 14]
    records, duration, ns = int(head[236:244]), head[244:252].decode().strip(), int(head[252:256])
    n = int(head[256 + 216 * ns: 256 + 216 * ns + 8])  # samples per data record of the first signal
    assert n / float(duration) == fs and records * n >= T and (records - 1) * n < T
    # another reader: the same rate and samples; a padded last data record at the negative limit
    pyedflib = pytest.importorskip("pyedflib")
    from pyedflib import highlevel

    sigs, headers, _ = highlevel.read_edf(str(edf))
    sigs = np.asarray(sigs)
    assert headers[0]["sample_frequency"] == fs and sigs.shape == (12, records * n)
    np.testing.assert_allclose(sigs[:, :T], truth.p_signal.T, atol=2 * span / 65535 + 1e-6)
    np.testing.assert_allclose(sigs[:, T:], headers[0]["physical_min"], atol=span / 65535)


@pytest.mark.parametrize("fmt, suffixes", [("wfdb", (".hea", ".dat")), ("edf", (".edf",))])
def test_write_record_never_writes_over_the_file_it_was_read_from(tmp_path, fmt, suffixes):
    """The app's Save record as offered the open record's own file (LUDB 1.hea beside 1.dat) and,
    after Qt's "replace?", rewrote it: the original's gains and its diagnosis lines were gone. A
    record is never written over the files it was read from; beside them, under another name, it is."""
    wfdb = pytest.importorskip("wfdb")
    src = Path(__file__).resolve().parents[1] / "resources" / "samples" / "ludb"
    if not (src / "1.hea").is_file():
        pytest.skip("bundled LUDB sample not present")
    for ext in (".hea", ".dat"):
        shutil.copy(src / f"1{ext}", tmp_path / f"1{ext}")
    rec = load_record(tmp_path / "1.hea")
    if fmt == "edf":                       # an EDF record saved as EDF under its own name
        edf = formats.write_record(rec, tmp_path / "edf", "edf", name="1")
        rec = load_record(edf)
    before = {p.name: p.read_bytes() for p in Path(rec.path).parent.iterdir()}
    with pytest.raises(RecordError, match="read from"):
        formats.write_record(rec, Path(rec.path).parent, fmt, name="1")
    assert {p.name: p.read_bytes() for p in Path(rec.path).parent.iterdir()} == before
    out = formats.write_record(rec, Path(rec.path).parent, fmt, name="1_copy")
    assert out.name == f"1_copy{suffixes[0]}"
    if fmt == "wfdb":                      # the copy reads back as the original does, by wfdb's reader
        ref = wfdb.rdrecord(str(tmp_path / "1"))
        order = [n.upper() for n in ref.sig_name]
        truth = np.stack([ref.p_signal[:, order.index(n.upper())] for n in STANDARD_LEADS])
        np.testing.assert_allclose(load_record(out).signal, truth, atol=0.0005 + 1e-6)


def test_convert_never_writes_two_inputs_into_one_wfdb_record(tmp_path, capsys):
    """'Müller Émile.xml' and 'Muller_Emile.xml' (two patients) both became Muller_Emile.hea: the
    check for a name used twice compared the input stems, not the WFDB names written, so the
    second conversion replaced the first in silence. Truth: the two patients this test writes."""
    src = tmp_path / "in"
    src.mkdir()
    _muse_of(src, "MÜLLER", "ÉMILE", "Müller Émile.xml")      # the MUSE file is ISO 8859-1
    _muse_of(src, "MULLER", "EMILE", "Muller_Emile.xml")
    out = tmp_path / "out"
    assert main(["convert", str(src), "--to", "wfdb", str(out)]) == 0
    heads = sorted(out.glob("*.hea"))
    assert [h.name for h in heads] == ["Muller_Emile.hea", "Muller_Emile_2.hea"]
    names = sorted(load_record(h).meta["patient"]["name"] for h in heads)
    assert names == ["EMILE MULLER", "ÉMILE MÜLLER"]


def test_convert_never_replaces_an_earlier_runs_output_unasked(tmp_path, capsys):
    """A second ``mirage convert`` into the same folder replaced the first run's files in silence
    (an edit made to Example.hea in between was lost, exit 0, no word). Truth: the bytes this test
    wrote into the earlier output, and the record the new input holds."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for name in ("Example.scp", "muse-sinus.xml"):
        shutil.copy(DATA / name, src / name)
    assert main(["convert", str(src), "--to", "wfdb", str(out)]) == 0
    capsys.readouterr()
    edited = (out / "Example.hea").read_bytes() + b"# reviewed by hand\n"
    (out / "Example.hea").write_bytes(edited)
    dat = (out / "muse-sinus.dat").read_bytes()
    (out / "muse-sinus.hea").unlink()          # a half-present pair counts too: the .dat is data
    shutil.copy(DATA / "waveform_ecg.dcm", src / "waveform_ecg.dcm")
    assert main(["convert", str(src), "--to", "wfdb", str(out)]) == 0    # the rest of the batch carries on
    err = capsys.readouterr().err
    assert (out / "Example.hea").read_bytes() == edited
    assert (out / "muse-sinus.dat").read_bytes() == dat and not (out / "muse-sinus.hea").exists()
    assert "skipped" in err and "Example.scp" in err and "Example.hea" in err and "muse-sinus.dat" in err
    assert "2 of 3 inputs skipped" in err and "--overwrite" in err
    np.testing.assert_allclose(load_record(out / "waveform_ecg.hea").signal,
                               load_record(DATA / "waveform_ecg.dcm").signal, atol=0.0005 + 1e-6)
    # asked for: replaced, and the replacement is the input's record
    assert main(["convert", str(src), "--to", "wfdb", str(out), "--overwrite"]) == 0
    assert "skipped" not in capsys.readouterr().err
    assert b"reviewed by hand" not in (out / "Example.hea").read_bytes()
    np.testing.assert_allclose(load_record(out / "muse-sinus.hea").signal,
                               load_record(DATA / "muse-sinus.xml").signal, atol=0.0005 + 1e-6)


def test_write_record_refuses_an_existing_output_unless_asked(tmp_path):
    rec = load_record(DATA / "Example.scp")
    (tmp_path / "Example.edf").write_bytes(b"not mine")
    with pytest.raises(formats.OutputExistsError, match="Example.edf already exists"):
        formats.write_record(rec, tmp_path, "edf")
    assert (tmp_path / "Example.edf").read_bytes() == b"not mine"
    path = formats.write_record(rec, tmp_path, "edf", overwrite=True)
    np.testing.assert_allclose(load_record(path).signal, rec.signal, atol=0.01)


def test_an_edf_that_cannot_be_written_fails_that_input_not_the_batch(tmp_path, capsys):
    """A folder named Example.edf in OUT_DIR (asked to --overwrite) raised IsADirectoryError out of
    the writer: 'error: .../Example.edf: Is a directory' ended the run and muse-sinus.xml, next in the
    batch, was never converted. Truth: the folder this test makes and the second input's record."""
    out = tmp_path / "out"
    (out / "Example.edf").mkdir(parents=True)
    code = main(["convert", str(DATA / "Example.scp"), str(DATA / "muse-sinus.xml"), "--to", "edf", str(out),
                 "--overwrite"])
    err = capsys.readouterr().err
    assert code == 1 and f"error: {out / 'Example.edf'}: cannot write EDF+" in err and "1 of 2" in err
    rec = load_record(out / "muse-sinus.edf")
    span = max(1.0, float(np.abs(load_record(DATA / "muse-sinus.xml").signal).max()) * 1.001)
    np.testing.assert_allclose(rec.signal, load_record(DATA / "muse-sinus.xml").signal, atol=span / 65535 + 1e-6)


def test_a_converted_file_keeps_what_its_source_reader_found(tmp_path):
    """A file whose reader found it damaged stays judged so once converted: an SCP-ECG file with a
    byte flipped in its rhythm data (section 6 CRC fails; truth: the flip made here) is withheld
    ("file_checksum", critical) as read, and was "usable" as the WFDB written from it. Its WFDB now
    carries the source's notes, marked as the source's; MUSE's derived limb leads stay flagged
    derived (truth: the file stores 8 leads); a WFDB source without an ADC gain stays uncalibrated;
    an anonymised note loses the source file's name."""
    pytest.importorskip("ecgdatakit")
    from mirage_model import quality

    data = bytearray((DATA / "Example.scp").read_bytes())
    data[len(data) // 2] ^= 0x01                                  # inside Section 6, the rhythm data
    (tmp_path / "flipped.scp").write_bytes(bytes(data))
    src = load_record(tmp_path / "flipped.scp")
    assert quality.assess(src).verdict == "unreliable"
    for fmt, anonymise in (("wfdb", False), ("wfdb", True), ("edf", False), ("edf", True)):
        out = formats.write_record(src, tmp_path / f"{fmt}{anonymise}", fmt, anonymise=anonymise)
        back = load_record(out)
        q = quality.assess(back)
        f = next(f for f in q.findings if f.code == "file_checksum")
        assert f.severity == "critical" and "Section 6" in f.detail and q.verdict == "unreliable"
        assert all(w.startswith("in the source file: ") for w in back.meta["reader_warnings"])
        assert not anonymise or b"flipped" not in out.read_bytes()
        # converted again, the notes are not said twice
        again = load_record(formats.write_record(back, tmp_path / f"x{fmt}{anonymise}", fmt))
        assert again.meta["reader_warnings"] == back.meta["reader_warnings"]
        assert not back.meta.get("dropped_leads")             # the annotations are no lead left out

    muse = load_record(DATA / "muse-sinus.xml")
    name = muse.meta["patient"]["name"].split()[-1]
    muse.meta["reader_warnings"] = (f"a note naming {name} and {muse.path.name}",)
    for fmt in ("wfdb", "edf"):
        back = load_record(formats.write_record(muse, tmp_path / f"muse{fmt}", fmt))
        assert back.flagged_leads("derived") == muse.flagged_leads("derived") == ("III", "aVR", "aVL", "aVF")
        out = formats.write_record(muse, tmp_path / f"anon{fmt}", fmt, anonymise=True)
        assert name.encode() not in out.read_bytes() and b"muse-sinus" not in out.read_bytes()
        assert load_record(out).meta["reader_warnings"] == ("in the source file: a note naming X and X",)

    x = (np.sin(np.linspace(0, 60, 5000))[:, None] * np.linspace(0.5, 1.0, 12)).astype(np.float64)
    import wfdb
    wfdb.wrsamp("nogain", fs=500, units=["mV"] * 12, sig_name=list(STANDARD_LEADS), d_signal=np.round(x * 200).astype(
        np.int16), fmt=["16"] * 12, adc_gain=[200] * 12, baseline=[0] * 12, write_dir=str(tmp_path))
    hea = tmp_path / "nogain.hea"
    lines = hea.read_text().splitlines()
    lines[1] = lines[1].replace(" 200(0)/mV ", " 0(0)/mV ", 1)       # lead I: no ADC gain (WFDB: uncalibrated)
    hea.write_text("\n".join(lines) + "\n")
    src = load_record(hea)
    assert src.meta["uncalibrated_leads"] == ("I",)
    back = load_record(formats.write_record(src, tmp_path / "ng", "wfdb"))
    assert back.meta["uncalibrated_leads"] == ("I",)
    assert quality.assess(back).has("uncalibrated")


def test_a_converted_record_keeps_its_diagnoses(tmp_path):
    """LUDB's cardiologists' diagnoses, PTB-XL's SCP codes and a Challenge header's SNOMED-CT codes
    (truth: the source files' own lines) are read back from the WFDB and EDF+ files written from them,
    with their system; before, only SNOMED-CT codes reached a WFDB header and EDF+ kept none."""
    samples = Path(__file__).resolve().parent.parent / "resources" / "samples"
    ludb = samples / "ludb" / "1.hea"
    told = [line.lstrip("#").strip().rstrip(" .") for line in ludb.read_text().splitlines()]
    told = told[told.index("<diagnoses>:") + 1:]
    ptbxl = next((samples / "ptbxl" / "records100").rglob("*.hea"))
    for src, system in ((ludb, "LUDB"), (ptbxl, "PTB-XL SCP"), (samples / "cinc2021" / "A0003.hea", "SNOMED-CT")):
        rec = load_record(src)
        assert rec.meta["dx_system"] == system and rec.dx
        if system == "LUDB":
            assert list(rec.dx) == [t for t in told if t]
        for fmt in ("wfdb", "edf"):
            for anonymise in (False, True):
                back = load_record(formats.write_record(rec, tmp_path / f"{src.stem}{fmt}{anonymise}", fmt,
                                                        anonymise=anonymise))
                assert back.dx == rec.dx and back.meta["dx_system"] == system, (src.name, fmt)
    hea = formats.write_record(load_record(samples / "cinc2021" / "A0003.hea"), tmp_path / "once", "wfdb")
    assert sum("Dx" in line or "Diagnoses" in line for line in hea.read_text().splitlines()) == 1


def test_a_run_that_converts_nothing_leaves_no_output_folder(tmp_path, capsys):
    """'mirage convert MISSING.hea --to wfdb OUT/sub' had left OUT/sub behind, empty; a folder that was
    there before stays."""
    from training_cli.main import main

    out = tmp_path / "out" / "sub"
    assert main(["convert", str(tmp_path / "missing.hea"), "--to", "wfdb", str(out)]) == 1
    assert "header file not found" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    kept = tmp_path / "kept"
    kept.mkdir()
    assert main(["convert", str(tmp_path / "missing.hea"), "--to", "edf", str(kept)]) == 1
    assert kept.is_dir()


def test_convert_anonymise_numbers_every_output_even_where_a_number_holds_the_identity(tmp_path, capsys):
    """A GE CardioSoft export whose patient ID is "001" and birth date 0001-01-01 (the shipped sample) was
    written "ecg_X.edf": the generated "ecg_0001" holds "001", and the name safety net blanked it, number and
    all. A generated name that holds a record's identity by chance is skipped instead: every output keeps
    its own number, and none holds the ID."""
    import re
    import shutil

    src = tmp_path / "in"
    src.mkdir()
    for k in (1, 2):
        shutil.copy(Path(__file__).parent / "data" / "formats" / "cardiosoft-example1.xml", src / f"cs{k}.xml")
    out = tmp_path / "out"
    assert main(["convert", str(src), "--to", "edf", str(out), "--anonymise"]) == 0
    written = sorted(p.name for p in out.glob("*.edf"))
    assert len(written) == 2 and all(re.fullmatch(r"ecg_\d{4}\.edf", n) for n in written), written
    assert not any("001" in n for n in written), written


def test_an_anonymised_note_on_a_placeholder_birth_date_drops_the_date_cleanly(tmp_path):
    """A note that explains a placeholder birth date holds no identity (a placeholder is no one's birth
    date): the anonymiser drops the date from it and keeps the rule's words, where it had blanked both:
    "birth date X-X-X looks like a placeholder (1900-X-X or earlier, ...)". Truth: the shipped CardioSoft
    sample's birth date, 0001-01-01 (its <DateOfBirth>), and the rule's words as age.py states them."""
    rec = load_record(DATA / "cardiosoft-example1.xml")
    raw = "".join((DATA / "cardiosoft-example1.xml").read_text(encoding="latin-1").split())
    assert "<BirthDateTime><Day>1</Day><Month>1</Month><Year>1</Year></BirthDateTime>" in raw
    back = load_record(formats.write_record(rec, tmp_path, "wfdb", anonymise=True))
    said = [n for n in back.meta.get("reader_warnings") or () if "placeholder" in n and "birth" in n]
    assert said == ["in the source file: the birth date looks like a placeholder (1900-01-01 or earlier, what "
                    "exports write for none): the stated age is used"], said


@pytest.mark.parametrize("birth, note, said", [
    # a placeholder's note: the date dropped, whatever it is (on the day of the ECG, a newborn's may be real)
    ("1900-01-01", "birth date 1900-01-01 looks like a placeholder (1900-01-01 or earlier, what exports write for "
     "none): age unknown", "the birth date looks like a placeholder (1900-01-01 or earlier, what exports write for "
     "none): age unknown"),
    ("2024-05-06", "birth date 2024-05-06 looks like a placeholder (the day of the ECG: a newborn's, or filled in "
     "for none): age unknown", "the birth date looks like a placeholder (the day of the ECG: a newborn's, or filled "
     "in for none): age unknown"),
    # a real birth date in any other note is blanked, as before
    ("1980-01-15", "the file states an age of 50 y, but its birth date 1980-01-15 and acquisition date 2020-03-04 "
     "give 40 y (40.13 y); the stated age is used", "the file states an age of 50 y, but its birth date X-X-X and "
     "acquisition date 2020-03-04 give 40 y (40.13 y); the stated age is used"),
    ("1980-01-15", "the file's birth date 1980-01-15 is after its acquisition date 1970-02-02; no age is taken "
     "from them", "the file's birth date X-X-X is after its acquisition date 1970-02-02; no age is taken from them"),
    # the rule's words with a real date's parts around them: only the words are kept whole
    ("1955-01-01", "birth date 1955-01-01 looks like a placeholder (1900-01-01 or earlier, what exports write for "
     "none), born 1955-01-01", "the birth date looks like a placeholder (1900-01-01 or earlier, what exports write "
     "for none), born X-X-X"),
])
def test_scrub_text_drops_a_placeholder_birth_date_and_never_lets_a_real_one_through(birth, note, said):
    from mirage_model.formats.write import scrub_text
    from mirage_model.records import EcgRecord

    rec = EcgRecord(signal=np.zeros((12, 10), dtype=np.float32), fs=500.0, record_id="r",
                    meta={"patient": {"birth_date": birth, "id": "77"}})
    out = scrub_text(note, rec)
    assert out == said
    if birth != "1900-01-01":
        assert birth not in out and birth.replace("-", "") not in out
