"""A record that two rows of a labs table fit, its path under the table's folder ("siteA/1") and a shorter part of it
("1"), gets neither, whatever folder the run holds: which holds its patient's labs is not known.

Had been: the record was given the one or the other as the run's folder made its id, silently: ``mirage score
DATASET`` and training on folder:DATASET gave DATASET/siteA/1 the row "siteA/1" (70 kg), ``mirage score
DATASET/siteA``, training on folder:DATASET/siteA and the window's File > Open of it the row "1" (90 kg).

Truth: the folder each test builds (LUDB record 1 as DATASET/siteA/1) and the table it writes, two rows of it
naming that one record.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mirage_model.paths import resources_dir

LUDB = resources_dir() / "samples" / "ludb"
pytestmark = pytest.mark.skipif(not (LUDB / "1.hea").is_file(), reason="bundled samples not present")
BOTH = "labs rows 'siteA/1' and '1' both fit the record"


def _dataset(root: Path) -> Path:
    """ROOT/siteA/1 (LUDB 1's files), ROOT/labs.csv with the rows "siteA/1" (70 kg) and "1" (90 kg), and
    ROOT/labels.csv and ROOT/siteA/labels.csv labelling the record NORM; returns ROOT."""
    (root / "siteA").mkdir(parents=True)
    for suffix in (".hea", ".dat"):
        shutil.copy(LUDB / f"1{suffix}", root / "siteA" / f"1{suffix}")
    (root / "labs.csv").write_text("record_id,weight [kg]\nsiteA/1,70\n1,90\n")
    (root / "labels.csv").write_text("record_id,labels,split\nsiteA/1,NORM,train\n")
    (root / "siteA" / "labels.csv").write_text("record_id,labels,split\n1,NORM,train\n")
    return root


def test_a_run_of_either_folder_gives_the_record_neither_row(tmp_path):
    from mirage_model.review.batch.inputs import labs_lookup

    root = _dataset(tmp_path / "ds")
    hea = root / "siteA" / "1.hea"
    for run, rid in ((root, "siteA/1"), (root / "siteA", "1")):
        lookup = labs_lookup(root / "labs.csv", run)
        assert lookup.values(hea) == {} and lookup.row_id(hea) is None, run
        assert lookup.ambiguous(hea).startswith(f"{BOTH} {rid!r} (its path and a shorter part of it)"), run
        assert lookup.match.unmatched == [], run        # neither row is said to fit no record


def test_the_window_gives_the_record_opened_alone_neither_row(tmp_path):
    from mirage_model.review.labs_table import LabsTable

    root = _dataset(tmp_path / "ds")
    row = LabsTable.read(root / "labs.csv").row_for(root / "siteA" / "1.hea")
    assert row.values == {} and row.line == "no row used for record 1 in labs.csv", row
    assert row.notes[0].startswith(BOTH), row


@pytest.mark.parametrize("site", [False, True])
def test_training_on_either_folder_refuses_the_two_rows(tmp_path, site):
    from training_cli.engine import datasets as D
    from training_cli.engine.dataset import DatasetError

    root = _dataset(tmp_path / "ds")
    data = root / "siteA" if site else root
    with pytest.raises(DatasetError) as info:
        D.open_dataset(f"folder:{data}", labels=data / "labels.csv", labs=root / "labs.csv")
    assert BOTH in str(info.value), info.value
