"""``mirage convert --to wfdb`` writes "Müller.xml" as the record Muller (a WFDB name is ASCII letters, digits, '-'
and '_'; wfdb-python 4.3 writes "Müller.hea" but cannot read it back: its header parser looks for "Mller.dat"). A
labs table keyed by the original names then fitted no converted record, in silence: a researcher who converted and
scored with the same table got no labs for those patients. Convert lists the records it wrote under another name
(``renamed_records.csv``) and names the list in its summary; where the scored folder holds that list, the labs
matcher gives the record Muller the row "Müller" by it, and says so (``clinical.labs_ids.renamed_rows``). Without
it nothing is guessed: another patient's Muller.hea is not the row "Müller"'s; the warning may only hint.

Truth: the names each test gives its inputs and the values of the tables it writes; the WFDB names are worked
out by hand (ü -> u, a blank -> "_")."""

from __future__ import annotations

import csv
import logging
import shutil
from pathlib import Path

import pytest

from mirage_model.clinical import match_labs_rows
from mirage_model.clinical.labs import listed_warnings, near_miss_text
from mirage_model.review.batch import find_inputs
from training_cli.main import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

FORMATS = Path(__file__).parent / "data" / "formats"


def test_a_row_fits_the_record_convert_renamed_its_input_to_by_its_list_alone():
    listed = [("Müller", "Muller"), ("siteA/Anna Smith", "siteA/Anna_Smith"), ("b/Zoë", "b/Zoe")]
    m = match_labs_rows(["Müller", "siteA/Anna Smith", "Zoë", "x"], ["Muller", "siteA/Anna_Smith", "b/Zoe", "plain"],
                        listed)
    # "Zoë": a trailing part of the input id b/Zoë, as a row may name a record by a trailing part of its id
    assert m.rows == {"Muller": "Müller", "siteA/Anna_Smith": "siteA/Anna Smith", "b/Zoe": "Zoë"}
    assert m.unmatched == ["x"] and not m.ambiguous and not m.listed_refused
    assert m.listed_notes() == ["row 'Müller' -> record Muller (renamed_records.csv)",
                                "row 'siteA/Anna Smith' -> record siteA/Anna_Smith (renamed_records.csv)",
                                "row 'Zoë' -> record b/Zoe (renamed_records.csv)"]
    assert m.respelled_notes() == []
    # a numbered record's input: the list says whose it is
    assert match_labs_rows(["Muller", "Müller"], ["Muller", "Muller_2"], [("Müller", "Muller_2")]).rows == {
        "Muller": "Muller", "Muller_2": "Müller"}


def test_without_the_list_a_row_is_never_given_a_record_of_its_ascii_name_only_a_hint():
    # another patient's Muller.hea in a folder never converted: the row "Müller" is not its
    m = match_labs_rows(["Müller", "plain"], ["Muller", "plain"])
    assert m.rows == {"plain": "plain"} and m.unmatched == ["Müller"] and m.listed_notes() == []
    assert near_miss_text(m.unmatched, ["Muller", "plain"]) == (
        "; 'Müller' may be the record 'Muller' if this folder was converted: keep convert's renamed_records.csv "
        "in it (1 id so)")
    assert near_miss_text(["Müller"], ["Muller"], renamed_read=True) == ""
    assert near_miss_text(["Müller"], ["Mueller"]) == ""


@pytest.mark.parametrize("rows, records, listed, refused", [
    # the record has a row of its own
    (["Müller", "Muller"], ["Muller"], [("Müller", "Muller")],
     {"Müller": "row 'Müller' -> record Muller (renamed_records.csv), which has a row of its own ('Muller')"}),
    # two rows would be the one record
    (["a/Müller", "Müller"], ["a/Muller"], [("a/Müller", "a/Muller")],
     {"a/Müller": "row 'a/Müller' -> record a/Muller (renamed_records.csv), which 2 rows would be",
      "Müller": "row 'Müller' -> record a/Muller (renamed_records.csv), which 2 rows would be"}),
    # the name of two inputs
    (["Müller"], ["a/Muller", "b/Muller"], [("a/Müller", "a/Muller"), ("b/Müller", "b/Muller")],
     {"Müller": "row 'Müller' names 2 records in renamed_records.csv (a/Muller, b/Muller)"}),
])
def test_a_row_the_list_names_is_refused_where_it_may_not_be_the_records(rows, records, listed, refused):
    m = match_labs_rows(rows, records, listed)
    assert m.listed_refused == refused and m.listed_notes() == []
    assert m.rows == ({"Muller": "Muller"} if "Muller" in rows else {})
    assert listed_warnings("labs.csv", m) == [
        f"labs.csv: {len(refused)} row{'s' if len(refused) > 1 else ''} that renamed_records.csv names not matched, "
        f"{'each' if len(refused) > 1 else 'it'} fits no record ({'; '.join(refused.values())})"]


def test_a_row_of_a_records_name_that_the_list_gives_another_record_is_neither_records():
    # 1.hea and 1.xml of one folder: convert wrote 1 and 1_2, and the row "1" may be either input's
    m = match_labs_rows(["1", "2"], ["1", "1_2", "2"], [("1", "1_2")])
    assert m.rows == {"2": "2"} and set(m.ambiguous) == {"1", "1_2"}
    assert m.ambiguous["1"].startswith("labs row '1' names the record '1' as written and, by renamed_records.csv, "
                                       "the input convert wrote as '1_2', which has no row: either may be its patient")


# convert's list of the folder 1.hea, 1.xml, 1_2.dcm (sorted: 1.xml written 1_2, 1_2.dcm then 1_2_2) and of the same
# files given one by one as 1_2.dcm 1.xml 1.hea (1_2 and 1 kept, 1.hea written 1_3)
CHAIN = [("1", "1_2"), ("1_2", "1_2_2")]
GIVEN = [("1", "1_3")]


@pytest.mark.parametrize("rows, records, listed, given, refused", [
    # keyed by convert's names, in any order: the record 1_2 has its row "1_2", so "1" is the record 1's
    (["1", "1_2", "2"], ["1", "1_2", "2"], [("1", "1_2")], {"1": "1", "1_2": "1_2", "2": "2"}, set()),
    (["1_2", "2", "1"], ["1", "1_2", "2"], [("1", "1_2")], {"1": "1", "1_2": "1_2", "2": "2"}, set()),
    (["1_2_2", "1", "1_2"], ["1", "1_2", "1_2_2"], CHAIN, {"1": "1", "1_2": "1_2", "1_2_2": "1_2_2"}, set()),
    (["1_3", "1_2", "1"], ["1", "1_2", "1_3"], GIVEN, {"1": "1", "1_2": "1_2", "1_3": "1_3"}, set()),
    # the row "1_2" is no input's name here, and the record 1_3 (1.hea's) has no row: only "1" is refused
    (["1", "1_2"], ["1", "1_2", "1_3"], GIVEN, {"1_2": "1_2"}, {"1", "1_3"}),
    # a numbered record's row alone: nothing the list reads differently
    (["1_2"], ["1", "1_2"], [("1", "1_2")], {"1_2": "1_2"}, set()),
])
def test_a_row_the_list_reads_as_a_record_with_a_row_of_its_own_is_the_record_it_names(rows, records, listed, given,
                                                                                       refused):
    m = match_labs_rows(rows, records, listed)
    assert m.rows == given and set(m.ambiguous) == refused
    assert not m.listed and not m.listed_refused


def test_a_row_the_list_reads_as_a_record_whose_row_is_refused_is_refused_too():
    # keyed by the inputs' names: "1_2" is 1_2.dcm's (the record 1_2_2, no row) as much as the record 1_2's, so
    # the record 1_2 has no row that stands and "1" may be 1.xml's (the record 1_2): no record is given a row
    m = match_labs_rows(["1_2", "1"], ["1", "1_2", "1_2_2"], CHAIN)
    assert m.rows == {} and set(m.ambiguous) == {"1", "1_2", "1_2_2"}
    assert m.ambiguous["1"] == (
        "labs row '1' names the record '1' as written and, by renamed_records.csv, the input convert wrote as '1_2', "
        "whose row '1_2' is refused too: either may be its patient, so neither is given it; to mend it, mend the row "
        "'1_2' first (said with the record 1_2), or, where the table names the records as convert wrote them, move "
        "renamed_records.csv out of the folder")
    assert m.ambiguous["1_2"] == m.ambiguous["1_2_2"] == (
        "labs row '1_2' names the record '1_2' as written and, by renamed_records.csv, the input convert wrote as "
        "'1_2_2', which has no row: either may be its patient, so neither is given it; to mend it, give the record "
        "1_2_2 its row as convert wrote it ('1_2_2'): the row '1_2' is then the record 1_2's; or, where a table so "
        "keyed has no row for the record 1_2_2, move renamed_records.csv out of the folder")
    # rows that only vouch for each other (a list that reads a as b's input and b as a's): neither stands
    m = match_labs_rows(["a", "b"], ["a", "b"], [("a", "b"), ("b", "a")])
    assert m.rows == {} and "whose row 'b' is refused too" in m.ambiguous["a"]
    # the record the list reads "1" as has an ambiguous row ("1_2" fits siteA/1_2 and siteB/1_2): "1" may be
    # its patient's, and is not given to siteA/1 (had been: its reading by the list was dropped with the record)
    m = match_labs_rows(["1", "1_2"], ["siteA/1", "siteA/1_2", "siteB/1_2"], [("siteA/1", "siteA/1_2")])
    assert m.rows == {} and set(m.ambiguous) == {"siteA/1", "siteA/1_2", "siteB/1_2"}
    assert "the input convert wrote as 'siteA/1_2', whose row '1_2' is refused too" in m.ambiguous["siteA/1"]
    assert m.ambiguous["siteA/1_2"].startswith("labs row '1_2' fits 2 records")
    # a row named as that record's input is refused too, never given to an ambiguous record
    m = match_labs_rows(["Müller", "Muller"], ["a/Muller", "b/Muller"], [("a/Müller", "a/Muller")])
    assert m.rows == {} and m.listed_refused == {
        "Müller": "row 'Müller' -> record a/Muller (renamed_records.csv), whose row is refused"}


def _inputs(root: Path) -> Path:
    src = root / "in"
    (src / "siteA").mkdir(parents=True)
    shutil.copy(FORMATS / "muse-sinus.xml", src / "Müller.xml")
    shutil.copy(FORMATS / "Example.scp", src / "siteA" / "Anna Smith.scp")
    shutil.copy(FORMATS / "129DYPRG.XML", src / "plain.xml")
    return src


def test_convert_lists_the_renamed_and_score_gives_them_their_rows(tmp_path, capsys, caplog):
    from helpers_models import make_tiny_checkpoint

    src, out = _inputs(tmp_path), tmp_path / "out"
    assert main(["convert", str(src), "--to", "wfdb", str(out)]) == 0
    said = capsys.readouterr().out
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.hea")) == [
        "Muller.hea", "plain.hea", "siteA/Anna_Smith.hea"]
    listed = out / "renamed_records.csv"
    with listed.open(newline="", encoding="utf-8") as fh:
        assert list(csv.reader(fh)) == [["input_file", "input_id", "record_id"],
                                        [str(src / "Müller.xml"), "Müller", "Muller"],
                                        [str(src / "siteA" / "Anna Smith.scp"), "siteA/Anna Smith",
                                         "siteA/Anna_Smith"]]
    assert (f"2 of 3 records written under another name than their input's (Müller -> Muller, siteA/Anna Smith -> "
            f"siteA/Anna_Smith): {listed} lists them; kept in the folder, it lets a labs table keyed by the inputs' "
            "names fit them (a row 'Müller' is the record 'Muller')") in said
    # the input folder's labs table, keyed by the names as they were
    labs = src / "labs.csv"     # in the input folder: above it and out, the row "plain" would fit in/ and out/ both
    labs.write_text("record_id,age\nMüller,61\nsiteA/Anna Smith,52\nplain,40\n", encoding="utf-8")
    model = make_tiny_checkpoint(tmp_path / "m", clinical=("age", "sex"))
    capsys.readouterr()

    def score(name):
        with caplog.at_level(logging.WARNING):
            assert main(["score", str(out), "--model", str(model), "--labs", str(labs), "--out", str(tmp_path / name),
                         "--statements-model", "none", "--no-measure", "--no-progress"]) == 0
        with (tmp_path / name).open(newline="", encoding="utf-8-sig") as fh:
            return {r["record_path"]: float(r["age_used"] or "nan") for r in csv.DictReader(fh)}

    ages = score("s.csv")
    assert ages == {"Muller.hea": 61.0, "plain.hea": 40.0, "siteA/Anna_Smith.hea": 52.0}
    assert ("labs table: 2 rows matched to the record mirage convert wrote under another name (row 'Müller' -> "
            "record Muller (renamed_records.csv); row 'siteA/Anna Smith' -> record siteA/Anna_Smith "
            "(renamed_records.csv))") in caplog.text
    # the list is convert's, not a file the run passed over
    said = capsys.readouterr()
    assert "not read" not in said.out + said.err + caplog.text
    assert find_inputs(out).not_read == []
    # training on the converted folder reads the same rows
    from training_cli.engine import datasets

    labels = out / "labels.csv"     # in the folder it names: above it and in/, the row "plain" fits in/ and out/ both
    labels.write_text("record_id,labels,split\nMuller,NORM,train\nsiteA/Anna_Smith,MI,train\nplain,NORM,val\n")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        ds = datasets.open_dataset(f"folder:{out}", labels=labels, labs=labs)
    assert {it.path.stem: it.clinical["age"][0] for it in ds.items} == {"Muller": 61.0, "Anna_Smith": 52.0,
                                                                         "plain": 40.0}
    assert ("labs.csv: 2 rows matched to the record mirage convert wrote under another name (row 'Müller' -> "
            "record Muller (renamed_records.csv)") in caplog.text
    # without the list nothing is guessed: the rows fit no record, and the warning says what to keep
    listed.unlink()
    caplog.clear()
    ages = score("s2.csv")
    assert ages == {"Muller.hea": 43.0, "plain.hea": 40.0, "siteA/Anna_Smith.hea": 49.0}    # their headers' ages
    assert ("'Müller' may be the record 'Muller' if this folder was converted: keep convert's renamed_records.csv "
            "in it (2 ids so)") in capsys.readouterr().err


def test_a_second_run_keeps_the_first_runs_list_and_a_numbered_record_is_said(tmp_path, capsys):
    src, out = _inputs(tmp_path), tmp_path / "out"
    assert main(["convert", str(src / "Müller.xml"), "--to", "wfdb", str(out)]) == 0
    other = tmp_path / "other" / "Muller.xml"
    other.parent.mkdir()
    shutil.copy(FORMATS / "muse-sinus.xml", other)
    capsys.readouterr()
    # a second run into the same folder: its Muller.xml is skipped (Muller.hea is there), plain.xml is written
    assert main(["convert", str(other), str(src / "plain.xml"), "--to", "wfdb", str(out)]) == 0
    assert "Muller.hea and Muller.dat already in" in capsys.readouterr().err
    with (out / "renamed_records.csv").open(newline="", encoding="utf-8") as fh:
        assert [r[1:] for r in csv.reader(fh)] == [["input_id", "record_id"], ["Müller", "Muller"]]
    # two inputs of one run that write one name: the second is numbered, listed, and its row must name it
    both = tmp_path / "both"
    both.mkdir()
    shutil.copy(FORMATS / "Example.scp", both / "Muller.scp")
    shutil.copy(FORMATS / "muse-sinus.xml", both / "Müller.xml")
    assert main(["convert", str(both), "--to", "wfdb", str(tmp_path / "out2")]) == 0
    said = capsys.readouterr().out
    assert "a numbered record's row must name it as written ('Muller_2')" in said
    with (tmp_path / "out2" / "renamed_records.csv").open(newline="", encoding="utf-8") as fh:
        assert [r[1:] for r in csv.reader(fh)] == [["input_id", "record_id"], ["Müller", "Muller_2"]]
    assert match_labs_rows(["Müller"], ["Muller", "Muller_2"]).unmatched == ["Müller"]


def test_anonymised_outputs_are_never_listed(tmp_path, capsys):
    src, out = _inputs(tmp_path), tmp_path / "out"
    assert main(["convert", str(src), "--to", "wfdb", str(out), "--anonymise"]) == 0
    assert not (out / "renamed_records.csv").exists() and "another name" not in capsys.readouterr().out


def test_a_file_of_that_name_that_is_no_such_list_is_kept_and_said(tmp_path, capsys):
    src, out = _inputs(tmp_path), tmp_path / "out"
    out.mkdir()
    (out / "renamed_records.csv").write_text("patient,notes\n1,mine\n")
    assert main(["convert", str(src), "--to", "edf", str(out)]) == 0   # EDF keeps "Müller" and "Anna Smith"
    assert (out / "renamed_records.csv").read_text() == "patient,notes\n1,mine\n"
    assert main(["convert", str(src), "--to", "wfdb", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"error: {out / 'renamed_records.csv'} is there and is no list of input_file, input_id, record_id" in err
    assert (out / "renamed_records.csv").read_text() == "patient,notes\n1,mine\n" and (out / "Muller.hea").is_file()


def test_the_list_in_a_scored_folder_is_no_file_passed_over(tmp_path):
    # LUDB record 65 (65.hea, 65.dat and two annotation files) and convert's list beside it, and a note of the user's
    for f in (Path(__file__).parent / "data" / "ludb").glob("65.*"):
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / "renamed_records.csv").write_text("input_file,input_id,record_id\n/in/Müller.xml,Müller,Muller\n",
                                                  encoding="utf-8")
    (tmp_path / "notes.txt").write_text("mine\n")
    found = find_inputs(tmp_path)
    assert [p.name for p in found[0]] == ["65.hea"]
    assert [p.name for p in found.not_read] == ["notes.txt"]


def test_a_scored_folders_list_gives_the_window_the_same_row_and_a_bad_list_is_said(tmp_path):
    from mirage_model.review.batch import labs_lookup
    from mirage_model.review.labs_table import LabsTable

    records = [tmp_path / "Muller.hea", tmp_path / "plain.hea"]
    rows = {"Müller": {"age": (61.0, "years")}, "plain": {"age": (40.0, "years")}}
    listed = tmp_path / "renamed_records.csv"
    listed.write_text("input_file,input_id,record_id\n/in/Müller.xml,Müller,Muller\n", encoding="utf-8")
    assert labs_lookup(rows, tmp_path, records).match.rows == {"Muller": "Müller", "plain": "plain"}
    table = LabsTable(tmp_path / "labs.csv", rows, {}, {}, [], [], [])
    assert table.row_for(records[0], tmp_path, records).line == "row 'Müller' of labs.csv (by renamed_records.csv)"
    # a file of that name that is no such list: said, and nothing matched by it
    listed.write_text("patient,notes\n1,mine\n")
    lookup = labs_lookup(rows, tmp_path, records)
    assert lookup.match.rows == {"plain": "plain"} and lookup.warnings == [
        f"{listed} is no list of input_file, input_id, record_id (mirage convert's): no labs row matched by it"]


def test_the_summary_counts_the_numbered_records_and_the_list_names_each(tmp_path, capsys):
    """1.hea, 1.scp, 1.xml, 1_2.dcm, Muller.xml and Müller.dcm of one folder (files taken in name order): 1.hea keeps
    1, 1.scp is numbered 1_2, 1.xml 1_3, 1_2.dcm 1_2_2 (its own name taken), Müller.dcm Muller_2 (Muller.xml keeps
    Muller), worked out by hand. The summary had named the first numbered record alone; it says how many there are
    and that the list names each, and the list has every one."""
    src = tmp_path / "in"
    src.mkdir()
    ludb = Path(__file__).parents[1] / "resources" / "samples" / "ludb"
    for name in ("1.hea", "1.dat"):
        shutil.copy(ludb / name, src / name)
    for source, name in (("Example.scp", "1.scp"), ("muse-sinus.xml", "1.xml"), ("ecgtoolkit-Example.dcm", "1_2.dcm"),
                         ("aecg_subject1_0.xml", "Muller.xml"), ("waveform_ecg.dcm", "Müller.dcm")):
        shutil.copy(FORMATS / source, src / name)
    out = tmp_path / "out"
    assert main(["convert", str(src), "--to", "wfdb", str(out)]) == 0
    said = capsys.readouterr().out
    assert "4 of 6 records written under another name than their input's" in said
    assert "; 4 records were numbered (1_2, 1_2_2, 1_3, ...: renamed_records.csv names all 4); a numbered record's " \
           "row must name it as written ('1_2')" in said
    with (out / "renamed_records.csv").open(newline="", encoding="utf-8") as fh:
        assert [r[1:] for r in csv.reader(fh)] == [["input_id", "record_id"], ["1", "1_2"], ["1", "1_3"],
                                                   ["1_2", "1_2_2"], ["Müller", "Muller_2"]]
    assert sorted(p.stem for p in out.glob("*.hea")) == ["1", "1_2", "1_2_2", "1_3", "Muller", "Muller_2"]
