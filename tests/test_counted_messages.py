"""Messages that count say "1 sample", "1 signal", "1 lead" (not "1 samples"), as English does.

Truth: English grammar; the records are written by the tests."""

from __future__ import annotations

import numpy as np
import pytest

from mirage_model.limits import unscorable_reason
from mirage_model.preprocess import PreprocessError, filter_signal
from mirage_model.records import EcgRecord, RecordError, load_record
from mirage_model.words import counted


def test_counted_is_singular_for_one_only():
    assert [counted(n, "lead") for n in (0, 1, 2, 12)] == ["0 leads", "1 lead", "2 leads", "12 leads"]
    assert counted(1, "sample is", ",", "samples are") == "1 sample is"
    assert counted(5000, "sample", ",") == "5,000 samples"


def test_a_record_of_one_sample_is_one_sample_too_short():
    said = unscorable_reason(EcgRecord(signal=np.zeros((12, 1), np.float32), fs=100.0, record_id="r"))
    assert "(1 sample," in said and "1 samples" not in said


def test_a_signal_of_one_lead_and_one_sample_is_said_so():
    with pytest.raises(PreprocessError) as err:
        filter_signal(np.zeros((1, 1)), 100.0)
    assert "signal has 1 lead and 1 sample;" in str(err.value)


def test_a_header_of_one_signal_and_no_signal_line_says_one_signal(tmp_path):
    (tmp_path / "r.hea").write_text("r 1 100 1000\n")
    with pytest.raises(RecordError) as err:
        load_record(tmp_path / "r.hea")
    assert "it declares 1 signal but describes only 0" in str(err.value)


def test_an_empty_signal_file_of_one_sample_expected_says_one_sample(tmp_path):
    leads = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")
    (tmp_path / "r.hea").write_text("r 12 100 1\n" + "".join(f"r.dat 16 200/mV 16 0 0 0 0 {lead}\n" for lead in leads))
    (tmp_path / "r.dat").write_bytes(b"")
    with pytest.raises(RecordError) as err:
        load_record(tmp_path / "r.hea")
    assert "(expected 1 sample per lead)" in str(err.value)
