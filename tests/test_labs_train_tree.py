"""Training on one's own folder matches a labs table's rows as ``mirage score``, ``mirage report`` and the app do
(``clinical.labs_tree.run_match``): a row that fits records of two folders under the table's folder is no record's,
and a row named by its path under that folder is its record's, whichever folder the run holds.

Had been: ``mirage train --data folder:DATASET/siteA --labs DATASET/labs.csv`` gave siteA/1 the row "1" that fits
DATASET/siteB/1 too (perhaps siteB's patient's labs, silently in training), where score, report and the app refused
it; and the row "siteA/1", which score finds for siteA/1, fitted no record of the training run (the table refused).
``mirage evaluate`` and ``mirage interpretation`` open own data as training does.

Truth: the folder each test builds (LUDB record 1 copied under two sites) and the table it writes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mirage_model.paths import resources_dir
from training_cli.engine import datasets as D
from training_cli.engine.dataset import DatasetError

LUDB = resources_dir() / "samples" / "ludb"
pytestmark = pytest.mark.skipif(not (LUDB / "1.hea").is_file(), reason="bundled samples not present")
FITS = "labs row '1' fits 2 records under the folder of labs.csv (siteA/1, siteB/1)"


def _dataset(root: Path, table: str) -> Path:
    """ROOT/siteA/1 and ROOT/siteB/1 (LUDB 1's files), ROOT/labs.csv holding ``table`` and ROOT/siteA/labels.csv
    labelling siteA's record NORM; returns ROOT."""
    for site in ("siteA", "siteB"):
        (root / site).mkdir(parents=True)
        for suffix in (".hea", ".dat"):
            shutil.copy(LUDB / f"1{suffix}", root / site / f"1{suffix}")
    (root / "labs.csv").write_text(table)
    (root / "siteA" / "labels.csv").write_text("record_id,labels,split\n1,NORM,train\n")
    return root


def test_training_on_one_site_refuses_a_stem_row_that_fits_the_other_sites_record(tmp_path):
    root = _dataset(tmp_path / "ds", "record_id,weight [kg]\n1,70\n")
    with pytest.raises(DatasetError) as info:
        D.open_dataset(f"folder:{root / 'siteA'}", labels=root / "siteA" / "labels.csv", labs=root / "labs.csv")
    assert str(info.value) == (f"{root / 'labs.csv'}: 1 record's labs row is ambiguous (1: {FITS}; name each record "
                               "by its path there (e.g. 'siteA/1'))"), info.value


def test_training_on_one_site_takes_the_row_named_by_its_path_under_the_tables_folder(tmp_path):
    root = _dataset(tmp_path / "ds", "record_id,weight [kg]\nsiteA/1,70\nsiteB/1,90\n")
    ds = D.open_dataset(f"folder:{root / 'siteA'}", labels=root / "siteA" / "labels.csv", labs=root / "labs.csv")
    assert [(it.record_id, it.clinical.get("weight")) for it in ds.items] == [("1", (70.0, "kg"))]


def test_mirage_train_and_evaluate_of_one_site_say_the_rows_ambiguity(tmp_path, capsys):
    from helpers_models import make_tiny_checkpoint
    from training_cli.main import main

    root = _dataset(tmp_path / "ds", "record_id,weight [kg]\n1,70\n")
    data = ["--data", f"folder:{root / 'siteA'}", "--labels", str(root / "siteA" / "labels.csv"),
            "--labs", str(root / "labs.csv")]
    out = tmp_path / "run"
    assert main(["train", *data, "--out", str(out), "--preset", "tiny", "--epochs", "1", "--no-progress",
                 "--workers", "1", "--threads", "1"]) != 0
    err = capsys.readouterr().err
    assert FITS in err and not (out / "model").exists(), err
    tiny = make_tiny_checkpoint(tmp_path / "tiny", labels=("NORM",), clinical=("age", "weight"))
    assert main(["evaluate", "--model", str(tiny), *data, "--split", "train", "--out", str(tmp_path / "ev"),
                 "--no-progress", "--threads", "1"]) != 0
    err = capsys.readouterr().err
    assert FITS in err, err
