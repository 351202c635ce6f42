"""``age_used`` is the age the model read: the Welch Allyn SCP file's patient is 104 years old, beyond the shipped
model's training data (PTB-XL, whose oldest are written as 90), so the model read 90; the file's age is
``age_given``."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from training_cli.main import main

DATA = Path(__file__).parent / "data" / "formats"


def test_welch_allyn_age_used_is_the_age_the_model_read(tmp_path):
    from mirage_model.review.batch.cells import column_tip

    folder = tmp_path / "records"
    folder.mkdir()
    src = next(DATA.glob("welch-allyn-*.SCP"))
    shutil.copy(src, folder / src.name)
    out = tmp_path / "r.csv"
    assert main(["score", str(folder), "--out", str(out), "--no-progress", "--statements-model", "none"]) == 0
    with out.open(newline="", encoding="utf-8-sig") as fh:
        row = next(csv.DictReader(fh))
    assert row["status"] == "ok", row["error"]
    # the file's header: age 104 years, male; the shipped model was trained on ages 2 to 90
    assert row["age_given"] == "104.0"
    assert row["age_used"] == "90.0"
    assert row["sex_used"] == "M"
    assert "age=104 years" in row["notes"] and "used as 90 years" in row["notes"]
    assert "the age the model read" in column_tip("age_used")
    assert "gave" in column_tip("age_given")
