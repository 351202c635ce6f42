"""``mirage score``'s CSV gives each number as precisely as the PDF shows it, or more. The QRS voltages had
been rounded to 0.1 mV where the PDF shows 0.01 (PTB-XL 08079_lr's Sokolow-Lyon 1.95 mV read "2.0", 00519_lr's
Cornell 3.21 mV "3.2": a Cornell voltage of 1.96 mV read as a woman's limit, 2.0 mV).

Truth: each record's measurements as ``measure`` gives them, rounded by hand to the PDF's 0.01 mV and 0.1 ms."""

from __future__ import annotations

import csv
import shutil

import pytest

import mirage_model as mm
from mirage_model.paths import resources_dir

LUDB = resources_dir() / "samples" / "ludb"
VOLTAGE_KEYS = ("sokolow_lyon_mv", "cornell_mv", "qrs_limb_mv", "qrs_precordial_mv")
INTERVAL_KEYS = ("pr_ms", "qrs_ms", "qt_ms", "qtc_bazett_ms")
pytestmark = pytest.mark.skipif(not (LUDB / "14.hea").is_file(), reason="bundled LUDB samples not present")


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    from helpers_models import make_tiny_checkpoint
    from mirage_model.review.batch import score_folder

    tmp = tmp_path_factory.mktemp("precision")
    predictor = mm.Predictor(make_tiny_checkpoint(tmp / "tiny"), device="cpu")
    folder = tmp / "records"
    folder.mkdir()
    for f in [*LUDB.glob("1.*"), *LUDB.glob("14.*")]:
        shutil.copy(f, folder / f.name)
    score_folder(folder, predictor, tmp / "scores.csv")
    with open(tmp / "scores.csv", encoding="utf-8-sig", newline="") as fh:
        return {row["record_id"]: row for row in csv.DictReader(fh)}


@pytest.mark.parametrize("name", ["1", "14"])
def test_the_voltages_have_the_pdf_s_two_decimals(scored, name):
    from mirage_model.measure import measure

    values = measure(mm.load_record(LUDB / f"{name}.hea")).as_dict()
    row = scored[name]
    assert row["status"] == "ok", row
    for key in VOLTAGE_KEYS:
        assert values[key] is not None, key
        assert float(row[key]) == round(values[key], 2), (key, row[key], values[key])
    # the intervals keep their tenth of a millisecond (the PDF's whole ms is coarser): nothing lost
    for key in INTERVAL_KEYS:
        if values[key] is not None:
            assert float(row[key]) == round(values[key], 1), (key, row[key], values[key])


def test_a_tiny_probability_is_written_in_fixed_decimals(tmp_path):
    """A probability rounded to 6 decimals had been written "9e-06" (Python's repr), beside "0.123457"."""
    from mirage_model.review.batch.cells import clean_float
    from mirage_model.review.batch.outputs import write_atomic

    out = tmp_path / "scores.csv"
    row = {"prob_MI": clean_float(9.4e-06, 6), "prob_CD": clean_float(0.1234567, 6), "prob_HYP": 1e-07,
           "qrs_ms": 98.0, "rr_ms": 1234.5}
    write_atomic(out, list(row), [row], "csv")
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[1] == "0.000009,0.123457,0.0000001,98.0,1234.5", lines
