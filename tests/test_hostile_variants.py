"""Hostile and unusual files of every format (scripts/fuzz_variants.py) and the faults that sweep found.

Each variant is written here into tmp_path from the project's own sample records; ``load_record``
must give a record that keeps the EcgRecord contract or a ``RecordError`` naming the file.
"""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

from helpers_scripts import load_script
from mirage_model.limits import MIN_SCORABLE_S, record_unscorable, seconds_short_of
from mirage_model.records import EcgRecord, RecordError, load_record

pytest.importorskip("wfdb")


@pytest.fixture(scope="module")
def fuzz():
    return load_script("fuzz_variants")


def _ludb_at(fuzz, tmp_path, fs: float, n: int):
    """LUDB record 1 resampled to ``fs`` and cut to ``n`` samples, written as WFDB; its header."""
    sig, fs0 = fuzz._base()
    sig = fuzz._resample(sig, fs0, fs)[:, :n]
    assert sig.shape[1] == n
    return fuzz.wfdb_write(tmp_path / "rec", "rec", sig, fs, fuzz.STANDARD)


def test_a_record_just_short_of_the_scoring_limit_does_not_say_it_has_that_limit(fuzz, tmp_path):
    """999 samples at 499.7 Hz are 1.9992 s: the reason said 'too short to score (999 samples, 2 s;
    at least 2 s needed)', a contradiction; it now gives the duration to the digit that shows it short."""
    rec = load_record(_ludb_at(fuzz, tmp_path, 499.7, 999))
    why = record_unscorable(rec)
    assert why is not None and why.startswith("too short to score (999 samples, ")
    shown = float(re.search(r"999 samples, ([0-9.]+) s", why).group(1))
    assert shown < MIN_SCORABLE_S, why
    assert shown == pytest.approx(999 / 499.7, abs=1e-3), why
    # the limit's own text is unchanged, and a duration that rounds clear of it keeps three digits
    assert why.endswith(f"at least {MIN_SCORABLE_S:g} s needed)")
    assert seconds_short_of(0.5, 2.0) == "0.5" and seconds_short_of(1.23456, 2.0) == "1.23"
    assert seconds_short_of(9.96, 10.0, ".1f") == "9.96" and seconds_short_of(9.84, 10.0, ".1f") == "9.8"


def test_measurement_of_a_record_just_short_of_its_limit_does_not_round_up_to_it(fuzz, tmp_path):
    """Measurement needs 2.5 s: 1249 samples at 500 Hz (2.498 s) said 'record too short (2.5 s)'."""
    from mirage_model.measure import measure

    rec = load_record(_ludb_at(fuzz, tmp_path, 500.0, 1249))
    notes = " ".join(measure(rec).notes)
    m = re.search(r"record too short \(([0-9.]+) s\)", notes)
    assert m is not None, notes
    assert float(m.group(1)) == pytest.approx(1249 / 500, abs=1e-3) and float(m.group(1)) < 2.5, notes


def _check(rec: EcgRecord) -> None:
    assert rec.signal.dtype == np.float32 and rec.signal.shape[0] == 12 and np.isfinite(rec.fs) and rec.fs > 0
    assert not np.isnan(rec.signal[~rec.quality["missing"]]).any()
    assert not np.isinf(rec.signal).any()


@pytest.mark.slow
def test_every_variant_reads_or_is_refused_naming_its_file(fuzz, tmp_path):
    """The sweep's load_record path: every variant (about 150: lead sets, vendor names, units, rates,
    lengths, NaN, all zero, truncations, zero and random bytes, huge declared lengths, folders named
    like records) within 10 s each, and the variants that must read do, those that must not do not."""
    pytest.importorskip("edfio")
    made = fuzz.make_variants(tmp_path / "v")
    assert len(made) > 100
    outcome = {}
    for name, path in made.items():
        t0 = time.process_time()
        try:
            _check(load_record(path))
            outcome[name] = "ok"
        except RecordError as err:
            assert str(err).startswith(str(err.path)) and str(err.path).startswith(str(path.parent)), (name, err)
            outcome[name] = "error"
        assert time.process_time() - t0 < 10, name
    must_read = ["wfdb_base", "edf_base", "wfdb_eight_leads", "edf_fifteen_leads", "wfdb_lower_case",
                 "edf_vendor_DI", "wfdb_microvolt_units", "edf_volt_units", "wfdb_rate_257", "edf_rate_2000",
                 "wfdb_long_5min", "wfdb_non_ascii_name", "wfdb_duplicate_II", "muse_non_ascii_name"]
    must_refuse = ["wfdb_one_lead_II", "wfdb_microvolt_labelled_mV", "wfdb_dat_trunc30", "wfdb_length_huge",
                   "edf_nrec_huge", "dir_like_hea", "dir_like_edf", "zero_dcm", "random_scp", "mat_nan"]
    assert [n for n in must_read if outcome.get(n) != "ok"] == []
    assert [n for n in must_refuse if outcome.get(n) != "error"] == []


@pytest.mark.parametrize("field, value, says", [
    ("NumberOfWaveformSamples", 10**9, r"Waveform Data has 240000 bytes, expected 24000000000"),   # ecgdatakit's
    ("NumberOfWaveformSamples", 100, r"Waveform Data holds 240,000 bytes"),                        # ours
    ("SamplingFrequency", "NaN", r"Sampling Frequency NaN is not a finite number"),                # ours
])
def test_dicom_messages_number_the_rhythm_group_alike(tmp_path, field, value, says):
    """The sample's rhythm is the first item of its Waveform Sequence (two groups: RHYTHM, MEDIAN BEAT).
    A fault in it was 'multiplex group 0' in ecgdatakit's messages and in the sampling frequency's,
    'multiplex group 1' in the others: every message now counts from 1."""
    pydicom = pytest.importorskip("pydicom")
    pytest.importorskip("ecgdatakit")
    from pathlib import Path

    src = Path(__file__).parent / "data" / "formats" / "waveform_ecg.dcm"
    ds = pydicom.dcmread(src)
    assert [g.MultiplexGroupLabel for g in ds.WaveformSequence] == ["RHYTHM", "MEDIAN BEAT"]
    setattr(ds.WaveformSequence[0], field, value)
    path = tmp_path / "wave.dcm"
    ds.save_as(path, enforce_file_format=False)
    with pytest.raises(RecordError) as info:
        load_record(path)
    msg = str(info.value)
    assert msg.startswith(str(path)) and re.search(says, msg), msg
    assert "read as DICOM ECG waveform: multiplex group 1: " in msg and "group 0" not in msg, msg


def _undecodable(tmp_path, name: bytes, src):
    """A copy of ``src`` under a file name whose bytes are not UTF-8 (a Latin-1 system's archive);
    skipped where the file system refuses such a name (macOS, Windows)."""
    import os
    import shutil

    path = tmp_path / os.fsdecode(name)
    try:
        shutil.copy(src, path)
    except (OSError, UnicodeError):
        pytest.skip("the file system refuses a name that is not UTF-8")
    return path


def test_a_record_whose_file_name_is_not_utf8_gets_its_pdf_report(fuzz, tmp_path):
    """'M\\xfcller.edf' (Latin-1 bytes): the record read, but its id held the lone surrogate '\\udcfc' and
    mirage report (and the window's Export, and mirage score --pdf-dir, which then lost the record's
    row to 'report PDF not written: UnicodeEncodeError') failed. The id now has the byte as '\\xfc', as
    the batch CSV writes the name."""
    pytest.importorskip("edfio")
    from training_cli.main import main as mirage

    sig, fs = fuzz._base()
    edf = fuzz.edf_write(tmp_path / "src", "rec", sig, fs, [f"ECG {n}" for n in fuzz.STANDARD])
    path = _undecodable(tmp_path, b"M\xfcller.edf", edf)
    rec = load_record(path)
    assert rec.record_id == "M\\xfcller"
    out = tmp_path / "report.pdf"
    assert mirage(["report", str(path), "--out", str(out), "--no-model", "--no-measure"]) == 0
    from pypdf import PdfReader

    pdf = PdfReader(out)
    assert pdf.metadata.title == "ECG report M\\xfcller.edf"        # the file's name, as the footer's
    page = pdf.pages[0].extract_text()
    assert f"file {tmp_path.name}/M\\xfcller.edf" in page and "\ufffd" not in page


def test_an_output_whose_name_is_not_utf8_is_written(tmp_path):
    """Every output goes through paths.atomic_output, whose temporary name encoded the output's name as
    UTF-8: 'out\\xfc.pdf' (a name typed on a Latin-1 terminal) failed with UnicodeEncodeError."""
    import os

    from mirage_model.paths import atomic_write_bytes

    target = tmp_path / os.fsdecode(b"out\xfc.csv")
    try:
        atomic_write_bytes(target, b"x,y\n")
    except OSError:
        pytest.skip("the file system refuses a name that is not UTF-8")
    assert sorted(os.listdir(os.fsencode(tmp_path))) == [b"out\xfc.csv"]
    assert target.read_bytes() == b"x,y\n"
