"""Hostile and unusual files of every format (scripts/fuzz_variants.py).

Each variant is written here into tmp_path from the project's own sample records; ``load_record``
must give a record that keeps the EcgRecord contract or a ``RecordError`` naming the file.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from helpers_scripts import load_script
from mirage_model.records import EcgRecord, RecordError, load_record

pytest.importorskip("wfdb")


@pytest.fixture(scope="module")
def fuzz():
    return load_script("fuzz_variants")


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
