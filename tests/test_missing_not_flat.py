"""A lead with no samples (the file has no channel for it) is said "missing", not "flat" and "missing": the app's
message, the PDF's caption (``flag_texts``) and mirage score's quality_flags had said "flat: V4; missing: V4" of
the shipped PTB-XL record 00417 written without V4, the loader flagging an all-NaN lead flat too. A lead whose
samples are there and constant stays "flat"."""
from __future__ import annotations

import csv

import numpy as np
import wfdb

from test_missing_lead_channel import v4_two_ways  # noqa: F401 - fixture

from mirage_model.records import STANDARD_LEADS, load_record


def test_a_lead_the_file_lacks_is_missing_not_flat(v4_two_ways):
    absent, invalid = v4_two_ways
    for hea in (absent, invalid):
        rec = load_record(hea)
        assert rec.flag_texts() == ["samples missing: V4 (missing)"], rec.flag_texts()
        assert rec.blank_leads() == ("V4",)


def test_a_constant_lead_with_its_samples_stays_flat(tmp_path):
    """00417 with V2 held at 0.5 mV (samples there, constant) and V4 absent: V2 flat, V4 missing."""
    rec = wfdb.rdrecord(str(_sample()))
    names = list(rec.sig_name)
    signal = rec.p_signal.copy()
    signal[:, STANDARD_LEADS.index("V2")] = 0.5
    keep = [k for k in range(12) if names[k].upper() != "V4"]
    wfdb.wrsamp("v2flat", fs=100, units=["mV"] * 11, sig_name=[names[k] for k in keep], p_signal=signal[:, keep],
                fmt=["16"] * 11, adc_gain=[1000.0] * 11, baseline=[0] * 11, write_dir=str(tmp_path))
    loaded = load_record(tmp_path / "v2flat.hea")
    assert loaded.flag_texts() == ["flat: V2", "samples missing: V4 (missing)"], loaded.flag_texts()


def _sample():
    from test_missing_lead_channel import PTBXL_SAMPLE
    return PTBXL_SAMPLE.with_suffix("")


def test_mirage_score_says_missing_alone(tmp_path, v4_two_ways):
    from helpers_models import make_tiny_checkpoint
    from training_cli.main import main

    absent, _ = v4_two_ways
    folder = tmp_path / "records"
    folder.mkdir()
    for suffix in (".hea", ".dat"):
        (folder / f"no_v4{suffix}").write_bytes(absent.with_suffix(suffix).read_bytes())
    out = tmp_path / "results.csv"
    ckpt = make_tiny_checkpoint(tmp_path / "tiny")
    assert main(["score", str(folder), "--model", str(ckpt), "--out", str(out), "--no-progress"]) == 0
    with out.open(newline="", encoding="utf-8-sig") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["quality_flags"] == "missing: V4", row["quality_flags"]
    assert np.isnan(load_record(folder / "no_v4.hea").signal[STANDARD_LEADS.index("V4")]).all()
