"""Training on one's own folder matches a labels table's rows over the table's folder as it matches a labs table's
(``clinical.labs_tree.rows_above`` and ``tree_match``, as ``run_match`` matches a labs table): a stem row ("1") or a
spreadsheet's number ("417") that fits records of two folders under the table's folder labels neither, training
refusing the table in the words it refuses a labs table with; a row named by the record's path under the table's
folder ("siteA/1" for a run of DATASET/siteA) labels it, so that a record two rows fit ("siteA/1" and "1") is refused.

Had been: ``mirage train --data folder:DATASET/siteA --labels DATASET/labels.csv`` trained siteA/1 on the row "1" that
fits DATASET/siteB/1 too (perhaps siteB's patient's classes), silently; siteA/00417 on "417" beside siteB/0417; and
siteA/1 on "1" beside a row "siteA/1" (warned of as naming no file, as was the row "siteA/1" alone). ``mirage
evaluate``, ``calibrate`` and ``interpretation`` open own data as training does: figures measured on another
patient's truth.

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


def _dataset(root: Path, names: tuple[str, ...], table: str) -> Path:
    """ROOT/NAME (LUDB 1's files) for each NAME of ``names`` ("siteA/1") and ROOT/labels.csv holding ``table``;
    returns ROOT."""
    for path in names:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        for suffix in (".hea", ".dat"):
            shutil.copy(LUDB / f"1{suffix}", root / f"{path}{suffix}")
    (root / "labels.csv").write_text(table)
    return root


def _open(root: Path, folder: str = "siteA"):
    return D.open_dataset(f"folder:{root / folder}", labels=root / "labels.csv", seed=0)


def test_a_stem_row_that_fits_records_of_two_sites_labels_neither(tmp_path):
    root = _dataset(tmp_path / "ds", ("siteA/1", "siteB/1"), "record_id,labels,split\n1,NORM,train\n")
    with pytest.raises(DatasetError) as info:
        _open(root)
    assert str(info.value) == (f"{root / 'labels.csv'}: 1 record's labels row is ambiguous (1: labels row '1' fits "
                               "2 records under the folder of labels.csv (siteA/1, siteB/1); name each record by its "
                               "path there (e.g. 'siteA/1'))"), info.value


def test_a_spreadsheets_number_that_fits_records_of_two_sites_labels_neither(tmp_path):
    root = _dataset(tmp_path / "ds", ("siteA/00417", "siteB/0417"), "record_id,labels,split\n417,NORM,train\n")
    with pytest.raises(DatasetError) as info:
        _open(root)
    assert ("labels row '417' fits 2 records under the folder of labels.csv as the number a spreadsheet may have "
            "made of their names (siteA/00417, siteB/0417)") in str(info.value), info.value


def test_a_record_two_rows_fit_is_labelled_by_neither(tmp_path):
    root = _dataset(tmp_path / "ds", ("siteA/1",), "record_id,labels,split\nsiteA/1,NORM,train\n1,MI,train\n")
    with pytest.raises(DatasetError) as info:
        _open(root)
    assert str(info.value) == (f"{root / 'labels.csv'}, line 3: row '1' names the record '1' that line 2 ('siteA/1') "
                               "names already; give each record one row"), info.value


def test_a_row_named_by_its_path_under_the_tables_folder_labels_its_record(tmp_path):
    root = _dataset(tmp_path / "ds", ("siteA/1", "siteB/1"), "record_id,labels,split\nsiteA/1,NORM,train\n"
                    "siteB/1,MI,train\n")
    assert [(it.record_id, it.labels) for it in _open(root).items] == [("siteA/1", ("NORM",))]
    assert [(it.record_id, it.labels) for it in _open(root, "siteB").items] == [("siteB/1", ("MI",))]


def test_a_stem_row_that_fits_one_record_under_the_tables_folder_labels_it(tmp_path):
    root = _dataset(tmp_path / "ds", ("siteA/1", "siteB/2"), "record_id,labels,split\n1,NORM,train\n")
    assert [(it.record_id, it.labels) for it in _open(root).items] == [("1", ("NORM",))]


def test_mirage_train_evaluate_calibrate_and_interpretation_of_one_site_say_the_rows_ambiguity(tmp_path, capsys):
    from helpers_models import make_tiny_checkpoint
    from training_cli.main import main

    root = _dataset(tmp_path / "ds", ("siteA/1", "siteB/1"), "record_id,labels,split\n1,NORM,train\n")
    data = ["--data", f"folder:{root / 'siteA'}", "--labels", str(root / "labels.csv")]
    out = tmp_path / "run"
    assert main(["train", *data, "--out", str(out), "--preset", "tiny", "--epochs", "1", "--no-progress",
                 "--workers", "1", "--threads", "1"]) != 0
    fits = "labels row '1' fits 2 records under the folder of labels.csv (siteA/1, siteB/1)"
    err = capsys.readouterr().err
    assert fits in err and not (out / "model").exists(), err
    tiny = make_tiny_checkpoint(tmp_path / "tiny", labels=("NORM",))
    for command, more in (("evaluate", ["--split", "train"]), ("calibrate", []),
                          ("interpretation", ["--statements-model", "none", "--label", "NORM"])):
        assert main([command, "--model", str(tiny), *data, *more, "--out", str(tmp_path / command),
                     "--no-progress", "--threads", "1"]) != 0, command
        err = capsys.readouterr().err
        assert fits in err, (command, err)
