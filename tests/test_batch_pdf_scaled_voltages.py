"""A batch PDF (``mirage score --pdf-dir``, the batch dialog) of a record whose leads are each scaled to one size
(LUDB: every lead 1.00 mV peak-to-peak, the truth read by wfdb in test_amplitude_scaled) applies no QRS voltage
limit, as the app's Export and its table do. The batch's review session holds no quality verdict of its own (the
prediction's has it), so its measurement table had applied the limits: LUDB 1's page 4 read "QRS amplitude,
precordial leads 0.93 ↓ low mV >= 1" while page 3 said low voltage was not stated off amplitudes not in mV."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import mirage_model as mm
from mirage_model.paths import resources_dir

LUDB = resources_dir() / "samples" / "ludb"
VOLTAGE_KEYS = ("sokolow_lyon_mv", "cornell_mv", "qrs_limb_mv", "qrs_precordial_mv")
pytestmark = pytest.mark.skipif(not (LUDB / "1.hea").is_file(), reason="bundled LUDB samples not present")


@pytest.fixture(scope="module")
def predictor(tmp_path_factory):
    from helpers_models import make_tiny_checkpoint

    return mm.Predictor(make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny"), device="cpu")


def test_a_batch_session_of_a_scaled_record_applies_no_voltage_limit(predictor):
    from mirage_model.measure import measure
    from mirage_model.review.batch.rows import record_session
    from mirage_model.review.measurements import VOLTAGE_SCALED

    record = mm.load_record(LUDB / "1.hea")
    prediction = predictor.predict(record)
    assert prediction.quality.has("amplitude_scaled")
    session = record_session(record, prediction, {}, predictor.schema, measure(record))
    assert session.quality is None                   # the batch sets no verdict of its own: the prediction's is read
    rows = {r["key"]: r for r in session.measurement_table()}
    for key in VOLTAGE_KEYS:
        assert rows[key]["flag"] == "" and rows[key]["ref_cell"] == "not applied", rows[key]
        assert VOLTAGE_SCALED in rows[key]["range"], rows[key]


def test_the_batch_pdf_of_a_scaled_record_flags_no_voltage(predictor, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    from mirage_model.review.batch import score_folder

    folder = tmp_path / "records"
    folder.mkdir()
    for f in LUDB.glob("1.*"):
        shutil.copy(f, folder / f.name)
    score_folder(folder, predictor, tmp_path / "scores.csv", pdf_dir=tmp_path / "pdfs")
    pdf = Path(tmp_path / "pdfs" / "1.pdf")
    text = "\n".join(p.extract_text() or "" for p in pypdf.PdfReader(str(pdf)).pages)
    # page 4's row, as pypdf gives it: its label over two lines, the value, the unit, the range
    start = text.index("QRS amplitude, precordial leads")
    row = text[start:text.index("Adult reference ranges", start)]
    assert "0.93" in row and "mV" in row, row
    # no "low" flag (the word, not "slow" of a QTc note the row's text runs into)
    assert "not applied" in row and not re.search(r"\blow\b", row) and ">= 1" not in row, row
