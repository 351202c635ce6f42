"""A labs row matched as the number a spreadsheet made of a record's name ("417" for 00417: Excel drops the leading
zeros) is refused, as a stem row is, where it fits records of two folders under the table's folder (siteA/00417 and
siteB/0417), or two records of one folder (00417 and 000417) of which one is opened alone: in training, ``mirage
score``, ``mirage report`` and the app's File > Open alike.

Had been: the number was checked among the run's records alone, so ``mirage score DATASET/siteA``, ``mirage report
DATASET/siteA/00417.hea``, File > Open of it and ``mirage train --data folder:DATASET/siteA`` gave siteA/00417 the row
"417", perhaps the patient of siteB/0417 (or of 000417 beside it, for File > Open).

Truth: the folder each test builds (LUDB record 1 copied under the names given) and the table it writes.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from mirage_model.paths import resources_dir

LUDB = resources_dir() / "samples" / "ludb"
pytestmark = pytest.mark.skipif(not (LUDB / "1.hea").is_file(), reason="bundled samples not present")
TABLE = "record_id,weight [kg]\n417,70\n"
FITS = ("labs row '417' fits 2 records under the folder of labs.csv as the number a spreadsheet may have made of "
        "their names (siteA/00417, siteB/0417)")


def _dataset(root: Path, names=("siteA/00417", "siteB/0417")) -> Path:
    """ROOT/NAME (LUDB 1's signal under each of ``names``, its header naming it so) and ROOT/labs.csv; returns ROOT."""
    for name in names:
        hea = root / f"{name}.hea"
        hea.parent.mkdir(parents=True, exist_ok=True)
        head, *rest = (LUDB / "1.hea").read_text().splitlines()
        stem = hea.stem
        hea.write_text("\n".join([f"{stem} {head.split(' ', 1)[1]}",
                                  *(line.replace("1.dat", f"{stem}.dat", 1) for line in rest)]) + "\n")
        shutil.copy(LUDB / "1.dat", hea.with_suffix(".dat"))
    (root / "labs.csv").write_text(TABLE)
    return root


def test_score_and_report_of_one_site_refuse_a_number_that_fits_the_other_sites_record(tmp_path, capsys):
    from helpers_models import make_tiny_checkpoint
    from training_cli.main import main

    root = _dataset(tmp_path / "ds")
    assert main(["report", str(root / "siteA" / "00417.hea"), "--no-model", "--no-measure",
                 "--labs", str(root / "labs.csv"), "--out", str(tmp_path / "r.pdf")]) == 2
    err = capsys.readouterr().err
    assert FITS in err and not (tmp_path / "r.pdf").exists(), err
    tiny = make_tiny_checkpoint(tmp_path / "tiny", clinical=("age", "weight"))
    out = tmp_path / "s.csv"
    assert main(["score", str(root / "siteA"), "--model", str(tiny), "--out", str(out), "--no-progress",
                 "--labs", str(root / "labs.csv"), "--statements-model", "none", "--no-measure"]) == 1
    with open(out, newline="", encoding="utf-8-sig") as fh:
        rows = {r["record_path"]: (r["status"], r["error"]) for r in csv.DictReader(fh)}
    assert list(rows) == ["00417.hea"] and rows["00417.hea"][0] == "error", rows
    assert rows["00417.hea"][1].startswith(FITS), rows


def test_training_on_one_site_refuses_the_number(tmp_path):
    from training_cli.engine import datasets as D
    from training_cli.engine.dataset import DatasetError

    root = _dataset(tmp_path / "ds")
    (root / "siteA" / "labels.csv").write_text("record_id,labels,split\n00417,NORM,train\n")
    with pytest.raises(DatasetError) as info:
        D.open_dataset(f"folder:{root / 'siteA'}", labels=root / "siteA" / "labels.csv", labs=root / "labs.csv")
    assert f"00417: {FITS}; write each record's name as it is (e.g. 'siteA/00417')" in str(info.value), info.value


@pytest.mark.parametrize("names, opened", [(("siteA/00417", "siteB/0417"), "siteA/00417"),
                                           (("00417", "000417"), "00417")])
def test_the_window_gives_a_record_opened_alone_no_number_row_of_two_records(tmp_path, names, opened):
    from mirage_model.review.labs_table import LabsTable

    root = _dataset(tmp_path / "ds", names)
    table = LabsTable.read(root / "labs.csv")
    hea = root / f"{opened}.hea"
    row = table.row_for(hea)
    assert row.values == {} and row.line == f"no row used for record {hea.stem} in labs.csv", row
    named = ", ".join(names)
    assert row.notes[0].startswith(f"labs row '417' fits 2 records under the folder of labs.csv as the number a "
                                   f"spreadsheet may have made of their names ({named})"), row


def test_a_number_that_fits_one_record_under_the_tables_folder_is_still_its_records(tmp_path):
    """The other side: siteA/00417 alone under the folder keeps the row "417" (said as a spreadsheet's number)."""
    from mirage_model.review.batch.inputs import labs_lookup

    root = _dataset(tmp_path / "ds", ("siteA/00417", "siteB/00418"))
    lookup = labs_lookup(root / "labs.csv", root / "siteA")
    hea = root / "siteA" / "00417.hea"
    assert lookup.values(hea) == {"weight": (70.0, "kg")} and lookup.ambiguous(hea) == ""
