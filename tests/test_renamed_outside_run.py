"""Convert's list (``renamed_records.csv``) naming a record that is not in the run: a few records of the folder
scored (``mirage robustness`` over some paths), the app's File > Open of one record (its lookup is of the record and
its files of one name), or a list older than the folder, whose record's file is gone. Where the list says input "1"
(1.xml) was written as the record 1_2, the row "1" may be 1.xml's patient, whether or not 1_2 is scored: the folder's
records decide, as ``mirage score`` of the whole folder does; a record gone from the folder has no patient here, but
the row "1" may still be its input's, and is refused, the words saying so.

Had been: ``renamed_rows`` dropped the list's records not in the run, so that the record 1 was given the row "1"
opened alone or scored without 1_2, and whenever 1_2 had been removed.

Truth: the names each test gives its inputs (convert numbers the second input of one name: 1.xml -> 1_2), the rows
and ages of the tables it writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from mirage_model.clinical import match_labs_rows
from mirage_model.clinical.labs import listed_warnings
from mirage_model.paths import resources_dir
from mirage_model.review.batch import labs_lookup
from mirage_model.review.labs_table import LabsTable
from training_cli.engine import datasets
from training_cli.engine.dataset import DatasetError

from test_labels_renamed import _converted, _ludb_as  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")

FORMATS = Path(__file__).parent / "data" / "formats"
LUDB = resources_dir() / "samples" / "ludb"


def test_a_record_of_the_folder_left_out_of_the_run_decides_as_in_the_whole_folder():
    # the list: input "1" written as 1_2; the run holds the record 1 alone, the folder 1 and 1_2
    m = match_labs_rows(["1"], ["1"], [("1", "1_2")], folder_ids=["1", "1_2"])
    assert m.rows == {} and list(m.ambiguous) == ["1"] and m.unmatched == []
    assert m.ambiguous["1"] == (
        "labs row '1' names the record '1' as written and, by renamed_records.csv, the input convert wrote as '1_2', "
        "a record of the folder not in this run, which has no row: either may be its patient, so neither is given "
        "it; to mend it, give the record 1_2 its row as convert wrote it ('1_2'): the row '1' is then the record 1's; "
        "or, where a table so keyed has no row for the record 1_2, move renamed_records.csv out of the folder")
    # a row "1_2" of its own: the table names the records as convert wrote them, "1" is the record 1's
    m = match_labs_rows(["1", "1_2"], ["1"], [("1", "1_2")], folder_ids=["1", "1_2"])
    assert m.rows == {"1": "1"} and not m.ambiguous and m.unmatched == ["1_2"] and not m.listed_refused
    # "1_2" fits siteA/1_2 and siteB/1_2 of the folder: no row stands for siteA/1_2, "1" may be its patient's
    folder = ["siteA/1", "siteA/1_2", "siteB/1_2"]
    m = match_labs_rows(["1", "1_2"], ["siteA/1"], [("siteA/1", "siteA/1_2")], folder_ids=folder)
    assert m.rows == {} and list(m.ambiguous) == ["siteA/1"]
    assert ("'siteA/1_2', a record of the folder not in this run, whose row '1_2' is refused too"
            in m.ambiguous["siteA/1"])
    # a row the list names as the input of a record left out of the run: that record's, not the run's; nothing said
    m = match_labs_rows(["Müller", "plain"], ["plain"], [("Müller", "Muller")], folder_ids=["plain", "Muller"])
    assert m.rows == {"plain": "plain"} and m.unmatched == ["Müller"] and not m.listed_refused


def test_a_record_of_the_list_gone_from_the_folder_leaves_the_row_in_doubt_and_says_so():
    m = match_labs_rows(["1", "2"], ["1", "2"], [("1", "1_2")])
    assert m.rows == {"2": "2"} and list(m.ambiguous) == ["1"]
    assert m.ambiguous["1"] == (
        "labs row '1' names the record '1' as written and, by renamed_records.csv, the input convert wrote as '1_2', "
        "a record no longer in the folder, which has no row: either may be its patient, so neither is given it; to "
        "mend it, where the table names the records as convert wrote them, the row '1' is the record 1's: delete the "
        "line of '1_2' from renamed_records.csv (its record is gone), or move renamed_records.csv out of the folder")
    # a table with the gone record's row as convert wrote it: "1" is the record 1's
    m = match_labs_rows(["1", "1_2"], ["1"], [("1", "1_2")])
    assert m.rows == {"1": "1"} and not m.ambiguous and m.unmatched == ["1_2"]
    # a row named as the gone record's input fits no record, and is said so
    m = match_labs_rows(["Müller", "plain"], ["plain"], [("Müller", "Muller")])
    assert m.rows == {"plain": "plain"} and m.unmatched == ["Müller"]
    assert listed_warnings("labs.csv", m) == [
        "labs.csv: 1 row that renamed_records.csv names not matched, it fits no record (row 'Müller' -> record "
        "Muller (renamed_records.csv), which is no longer in the folder)"]


def _ages(table: Path, rows: dict[str, float]) -> LabsTable:
    table.write_text("record_id,age\n" + "".join(f"{r},{a:g}\n" for r, a in rows.items()))
    return LabsTable.read(table)


def test_one_record_opened_or_scored_alone_gets_the_row_the_whole_folder_gives_it(tmp_path):
    """LUDB 1 as 1.hea and muse-sinus.xml as 1.xml, converted: records 1 and 1_2, the list input "1" -> 1_2."""
    out = _converted(tmp_path, {"1.hea": LUDB / "1.hea", "1.dat": LUDB / "1.dat", "1.xml": FORMATS / "muse-sinus.xml"})
    assert (out / "renamed_records.csv").read_text(encoding="utf-8").splitlines()[1:] == [
        f"{tmp_path / 'in' / '1.xml'},1,1_2"]
    one, labs = out / "1.hea", out / "labs.csv"
    table = _ages(labs, {"1": 61})
    whole = labs_lookup(labs, out)
    assert whole.match.rows == {} and "which has no row" in whole.ambiguous(one)
    # scored alone (a run over some of the folder's paths, as mirage robustness builds it) and opened alone
    # (File > Open: the record's own folder, no folder list): refused alike, the record 1_2 named as left out
    alone = labs_lookup(labs, out, [one])
    assert alone.match.rows == {} and "'1_2', a record of the folder not in this run, which has no row" in \
        alone.ambiguous(one)
    row = table.row_for(one)
    assert row.values == {} and row.notes == (alone.ambiguous(one),)
    # keyed by convert's names: the record 1 has its row "1" in every face
    table = _ages(labs, {"1": 61, "1_2": 52})
    assert labs_lookup(labs, out, [one]).match.rows == {"1": "1"}
    assert table.row_for(one).values["age"][0] == 61.0
    assert {p.stem: table.row_for(p, out, sorted(out.glob("*.hea"))).values["age"][0] for p in out.glob("*.hea")} \
        == {"1": 61.0, "1_2": 52.0}


def test_a_row_of_two_records_of_the_folder_is_in_doubt_for_a_run_of_one(tmp_path):
    """siteA/1.hea, siteA/1.xml and siteB/1_2.dcm, converted: siteA/1, siteA/1_2 (input "siteA/1") and siteB/1_2.
    The stem-keyed row "1_2" fits two records of the folder, so none of its rows stands for siteA/1_2, and "1" may be
    its patient: refused for siteA/1 scored alone, as for the whole folder."""
    out = _converted(tmp_path, {"siteA/1.hea": LUDB / "1.hea", "siteA/1.dat": LUDB / "1.dat",
                                "siteA/1.xml": FORMATS / "muse-sinus.xml",
                                "siteB/1_2.dcm": FORMATS / "ecgtoolkit-Example.dcm"})
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.hea")) == [
        "siteA/1.hea", "siteA/1_2.hea", "siteB/1_2.hea"]
    labs = out / "labs.csv"
    _ages(labs, {"1": 61, "1_2": 52})
    assert labs_lookup(labs, out).match.rows == {}
    alone = labs_lookup(labs, out, [out / "siteA" / "1.hea"])
    assert alone.match.rows == {}
    assert "'siteA/1_2', a record of the folder not in this run, whose row '1_2' is refused too" in \
        alone.ambiguous(out / "siteA" / "1.hea")


def test_a_list_whose_record_was_removed_refuses_the_row_in_score_and_the_app(tmp_path):
    """The converted folder of 1.hea and 1.xml with the record 1_2 (1.xml's) removed since: the list still reads the
    row "1" as 1.xml's input; score's lookup and the app's lab form refuse it for the record 1, saying the record
    1_2 is gone; a table with a row "1_2" of its own gives the record 1 its row."""
    out = _converted(tmp_path, {"1.hea": LUDB / "1.hea", "1.dat": LUDB / "1.dat", "1.xml": FORMATS / "muse-sinus.xml"})
    for f in out.glob("1_2.*"):
        f.unlink()
    one, labs = out / "1.hea", out / "labs.csv"
    table = _ages(labs, {"1": 61})
    lookup = labs_lookup(labs, out)
    assert lookup.match.rows == {} and lookup.values(one) == {}
    assert "'1_2', a record no longer in the folder, which has no row" in lookup.ambiguous(one)
    assert "delete the line of '1_2' from renamed_records.csv (its record is gone)" in lookup.ambiguous(one)
    row = table.row_for(one, out, [one])
    assert row.values == {} and row.notes == (lookup.ambiguous(one),)
    table = _ages(labs, {"1": 61, "1_2": 52})
    assert labs_lookup(labs, out).match.rows == {"1": "1"}
    assert table.row_for(one).values["age"][0] == 61.0
    # training's labels table by the same rule: the row "1" may be the gone record's patient
    labels = tmp_path / "labels.csv"
    labels.write_text("record_id,labels,split\n1,NORM,train\n")
    with pytest.raises(DatasetError) as err:
        datasets.open_dataset(f"folder:{out}", labels=labels)
    assert str(err.value).startswith(f"{labels}, line 2: labels row '1' names the record '1' as written and, by "
                                     "renamed_records.csv, the input convert wrote as '1_2', a record no longer in "
                                     "the folder, which has no row")




def test_file_open_finds_the_folders_records_once_until_a_folder_under_it_changes(tmp_path, monkeypatch):
    """File > Open of one record after another (``LabsTable.row_for`` of the record alone) in a converted folder whose
    list names another record of it (input "1" -> 1_2): the folder's records are found once, not for each record
    opened (a folder of 20,000 files had been walked for each, 1.2-1.9 s), and found again, the new one with them,
    once a record is added in a folder under it (siteB/1_2.hea beside siteB/5.hea: only siteB changes)."""
    import mirage_model.formats as formats
    from mirage_model.clinical.renamed import folder_ids

    out = _converted(tmp_path, {"1.hea": LUDB / "1.hea", "1.dat": LUDB / "1.dat", "1.xml": FORMATS / "muse-sinus.xml"})
    _ludb_as(out, {"siteB/5": "1"})
    walks, walk = [], formats.find_ecg_files
    monkeypatch.setattr(formats, "find_ecg_files",
                        lambda folder, *a, **k: walks.append(folder) or walk(folder, *a, **k))
    table, one = _ages(out / "labs.csv", {"1": 61, "1_2": 52}), out / "1.hea"
    for _ in range(3):
        assert table.row_for(one).values["age"][0] == 61.0      # "1_2" is the record 1_2's row: "1" is 1's
    assert table.row_for(out / "siteB" / "5.hea").values == {}      # no row of its own
    assert sorted(folder_ids(out, [("1", "1_2")], ["1"])) == ["1", "1_2", "siteB/5"]
    assert len(walks) == 1, walks
    _ludb_as(out, {"siteB/1_2": "1"})
    assert sorted(folder_ids(out, [("1", "1_2")], ["1"])) == ["1", "1_2", "siteB/1_2", "siteB/5"]
    assert table.row_for(one).values["age"][0] == 61.0 and len(walks) == 2, walks
