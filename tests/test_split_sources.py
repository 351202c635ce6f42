"""A labels table's split column and a split file given together: the column comes first, the file
gives the records the column leaves without a split, and a record the two place differently is
refused; the checkpoint's provenance says so.

Found: a split file overrode a split column that covered some records (their splits from the column
lost in silence), and was ignored in silence beside a column that covered every record, while the
provenance's docstring said the column wins.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from helpers_training import make_folder
from training_cli.engine import datasets as D
from training_cli.engine.provenance import _split_source

N = 12                                             # make_folder's records with n_copies=3


def _folder(tmp_path, column: dict[int, str]):
    """make_folder's 12 records (ecg000-ecg011), the labels table's split column filled for ``column``
    (record number -> split) and empty for the rest."""
    root, labels = make_folder(tmp_path / "ecgs", n_copies=3)
    rows = labels.read_text().splitlines()
    rows = [rows[0] + ",split"] + [r + f",{column.get(k, '')}" for k, r in enumerate(rows[1:])]
    labels.write_text("\n".join(rows) + "\n")
    return root, labels


def _split_file(tmp_path, splits: dict[int, str]):
    path = tmp_path / "split.csv"
    path.write_text("record_id,split\n" + "".join(f"ecg{k:03d},{s}\n" for k, s in splits.items()))
    return path


def _file_splits(k: int) -> str:
    return ["train", "train", "val", "test"][k % 4]


def test_the_split_column_comes_first_and_the_file_gives_the_rest(tmp_path):
    root, labels = _folder(tmp_path, {0: "test", 1: "val"})
    split = _split_file(tmp_path, {k: _file_splits(k) for k in range(2, N)})     # the file leaves out 0 and 1
    ds = D.open_dataset(f"folder:{root}", labels=labels, split_file=split)
    assert {it.record_id: it.split for it in ds.items} == {
        "ecg000": "test", "ecg001": "val", **{f"ecg{k:03d}": _file_splits(k) for k in range(2, N)}}
    cfg = SimpleNamespace(labels=str(labels), split_file=str(split), seed=0)
    assert _split_source(cfg, ds).startswith(f"the split column of labels.csv; records without one: split file "
                                             f"{split}; no positive")
    # a file that names the column's records too, with the same splits, changes nothing
    split = _split_file(tmp_path, {0: "test", 1: "val", **{k: _file_splits(k) for k in range(2, N)}})
    assert [it.split for it in D.open_dataset(f"folder:{root}", labels=labels, split_file=split).items] == \
        [it.split for it in ds.items]


def test_a_record_the_column_and_the_file_place_differently_is_refused(tmp_path):
    root, labels = _folder(tmp_path, {0: "test", 1: "val"})
    split = _split_file(tmp_path, {k: _file_splits(k) for k in range(N)})       # ecg000 train, ecg001 train
    with pytest.raises(D.DatasetError) as info:
        D.open_dataset(f"folder:{root}", labels=labels, split_file=split)
    assert str(info.value) == (f"{split}: record 'ecg000' is 'train' there but 'test' in the split column of "
                               f"{labels}; give each record one split (empty the column's cells or leave the "
                               "record out of the file)")
    # a column that gives every record a split: the file is read all the same, never ignored in silence
    root, labels = _folder(tmp_path / "full", {k: ["train", "val", "test"][k % 3] for k in range(N)})
    with pytest.raises(D.DatasetError, match=r"record 'ecg001' is 'train' there but 'val' in the split column"):
        D.open_dataset(f"folder:{root}", labels=labels, split_file=split)
    agreeing = _split_file(tmp_path, {k: ["train", "val", "test"][k % 3] for k in range(N)})
    ds = D.open_dataset(f"folder:{root}", labels=labels, split_file=agreeing)
    assert ds.split_info.method == "column" and ds.split_info.describe() == "the split column of labels.csv"


def test_records_neither_places_are_refused_counting_them(tmp_path):
    root, labels = _folder(tmp_path, {0: "test", 1: "val"})
    split = _split_file(tmp_path, {k: _file_splits(k) for k in range(2, N - 3)})   # ecg009-ecg011 in neither
    with pytest.raises(D.DatasetError) as info:
        D.open_dataset(f"folder:{root}", labels=labels, split_file=split)
    assert str(info.value) == (f"{split}: 3 of 12 records have no split there nor in the split column of {labels} "
                               "(first: ecg009, ecg010, ecg011); give every record a split")


def test_a_partial_column_without_a_file_is_completed_by_the_seed_and_said(tmp_path, caplog):
    root, labels = _folder(tmp_path, {0: "test", 1: "val", 2: "train"})
    with caplog.at_level(logging.WARNING):
        ds = D.open_dataset(f"folder:{root}", labels=labels, seed=4)
    assert [it.split for it in ds.items[:3]] == ["test", "val", "train"]
    assert all(it.split for it in ds.items)
    assert f"{labels}: 9 of 12 records have no split in its split column: split by --seed 4" in caplog.text
    cfg = SimpleNamespace(labels=str(labels), split_file=None, seed=4)
    assert _split_source(cfg, ds).startswith("the split column of labels.csv; records without one: stratified split "
                                             "by record (seed 4)")
    assert ds.split_info.describe() == _split_source(cfg, ds)          # what the log's "split:" line says
