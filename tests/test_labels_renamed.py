"""Convert's list of the records it wrote under another name (``renamed_records.csv``) wherever a table meets records:
training's labels table (``--labels`` of a folder dataset) is matched by it as a labs table is, a row that names one
record as written and another by the list says how to mend the table in ``score``, training and the app alike, and
a list that cannot be read is said by the app's labs form in ``score``'s words, nothing matched by it.

Had been: a labels table keyed by the inputs' names ("Müller") left the converted records unlabelled ("labelled
records have no file"); the "1"/"1_2" refusal said to "name the rows as the records are named now", which a table
keyed by convert's names already did; the app's lab form was silent about a damaged list.

Truth: the names each test gives its inputs (the WFDB names worked out by hand: ü -> u, a blank -> "_", a second
input of one name numbered _2), the classes and values of the tables it writes, and convert's list as convert writes
it (``clinical.renamed``: input_file, input_id, record_id)."""

from __future__ import annotations

import csv
import logging
import shutil
from pathlib import Path

import pytest

from mirage_model.paths import resources_dir
from training_cli.engine import datasets
from training_cli.engine.dataset import DatasetError
from training_cli.main import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

FORMATS = Path(__file__).parent / "data" / "formats"
LUDB = resources_dir() / "samples" / "ludb"
LIST_HEADER = "input_file,input_id,record_id\n"


def _converted(tmp_path, inputs: dict[str, Path]) -> Path:
    """``mirage convert --to wfdb`` run for real on ``inputs`` ({path under the input folder: file copied there})."""
    src, out = tmp_path / "in", tmp_path / "out"
    for name, file in inputs.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(file, src / name)
    assert main(["convert", str(src), "--to", "wfdb", str(out)]) == 0
    return out


def _ludb_as(folder: Path, names: dict[str, str]) -> None:
    """LUDB 1 or 14 ({new record id: "1" or "14"}) under ``folder`` as WFDB records of the new names."""
    for name, ludb in names.items():
        hea = folder / f"{name}.hea"
        hea.parent.mkdir(parents=True, exist_ok=True)
        stem = hea.stem
        shutil.copy(LUDB / f"{ludb}.dat", hea.with_suffix(".dat"))
        lines = (LUDB / f"{ludb}.hea").read_text().splitlines()
        hea.write_text("\n".join([stem + lines[0][len(ludb):]]
                                 + [line.replace(f"{ludb}.dat", f"{stem}.dat", 1) for line in lines[1:]]) + "\n")


def test_a_labels_table_keyed_by_the_inputs_names_labels_the_records_convert_renamed(tmp_path, caplog):
    out = _converted(tmp_path, {"Müller.xml": FORMATS / "muse-sinus.xml",
                                "siteA/Anna Smith.scp": FORMATS / "Example.scp", "plain.xml": FORMATS / "129DYPRG.XML"})
    labels = out / "labels.csv"     # in the folder it names: above it and in/, a row "1" fits in/1 and out/1 both
    labels.write_text("record_id,labels,split\nMüller,NORM,train\nsiteA/Anna Smith,MI,train\nplain,NORM,val\n",
                      encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        ds = datasets.open_dataset(f"folder:{out}", labels=labels)
    assert {it.path.relative_to(out).as_posix(): it.labels for it in ds.items} == {
        "Muller.hea": ("NORM",), "siteA/Anna_Smith.hea": ("MI",), "plain.hea": ("NORM",)}
    assert (f"{labels}: 2 rows matched to the record mirage convert wrote under another name (row 'Müller' -> "
            "record Muller (renamed_records.csv); row 'siteA/Anna Smith' -> record siteA/Anna_Smith "
            "(renamed_records.csv))") in caplog.text
    assert "no file under" not in caplog.text
    # without the list nothing is guessed: the rows name no record, and the hint says to keep the list
    (out / "renamed_records.csv").unlink()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        ds = datasets.open_dataset(f"folder:{out}", labels=labels)
    assert [it.path.name for it in ds.items] == ["plain.hea"]
    assert "'Müller' may be the record 'Muller' if this folder was converted" in caplog.text


@pytest.mark.parametrize("rows, records, listed, labelled, refused", [
    # the record has a row of its own
    ("Müller,MI\nMuller,NORM\n", {"Muller": "1"}, [("Müller", "Muller")], {"Muller": ("NORM",)},
     "1 row that renamed_records.csv names not matched, it fits no record (row 'Müller' -> record Muller "
     "(renamed_records.csv), which has a row of its own ('Muller'))"),
    # two rows would be the one record
    ("a/Müller,MI\nMüller,NORM\n", {"a/Muller": "1"}, [("a/Müller", "a/Muller")], {},
     "2 rows that renamed_records.csv names not matched, each fits no record (row 'a/Müller' -> record a/Muller "
     "(renamed_records.csv), which 2 rows would be; row 'Müller' -> record a/Muller (renamed_records.csv), which 2 "
     "rows would be)"),
    # the name of two inputs
    ("Müller,MI\n", {"a/Muller": "1", "b/Muller": "14"}, [("a/Müller", "a/Muller"), ("b/Müller", "b/Muller")], {},
     "1 row that renamed_records.csv names not matched, it fits no record (row 'Müller' names 2 records in "
     "renamed_records.csv (a/Muller, b/Muller))"),
])
def test_a_labels_row_the_list_names_is_refused_as_a_labs_row_is_and_named(tmp_path, caplog, rows, records, listed,
                                                                            labelled, refused):
    root = tmp_path / "data"
    _ludb_as(root, {**records, "plain": "14", "extra": "1"})
    (root / "renamed_records.csv").write_text(LIST_HEADER + "".join(f"/in/{i}.xml,{i},{r}\n" for i, r in listed),
                                              encoding="utf-8")
    labels = tmp_path / "labels.csv"
    labels.write_text("record_id,labels,split\n" + "".join(f"{line},train\n" for line in rows.splitlines())
                      + "plain,NORM,train\nextra,MI,val\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        ds = datasets.open_dataset(f"folder:{root}", labels=labels)
    assert {it.path.relative_to(root).with_suffix("").as_posix(): it.labels for it in ds.items} == {
        **labelled, "plain": ("NORM",), "extra": ("MI",)}
    assert f"{labels}: {refused}" in caplog.text
    assert "no file under" not in caplog.text          # each refused row said once, with why


def test_a_row_of_one_record_as_written_and_another_by_the_list_says_how_to_mend_the_table(tmp_path, capsys):
    """1.scp and 1.xml of one folder: convert writes 1 and 1_2 (numbered), the list says input "1" -> 1_2; the row
    "1" may be either's, in score, training (labs and labels) and the app alike, and the words say what to do."""
    from helpers_models import make_tiny_checkpoint
    from mirage_model.review.labs_table import LabsTable

    out = _converted(tmp_path, {"1.scp": FORMATS / "Example.scp", "1.xml": FORMATS / "muse-sinus.xml",
                                "2.xml": FORMATS / "129DYPRG.XML"})
    with (out / "renamed_records.csv").open(newline="", encoding="utf-8") as fh:
        assert [r[1:] for r in csv.reader(fh)] == [["input_id", "record_id"], ["1", "1_2"]]
    by_inputs = ("labs row '1' names the record '1' as written and, by renamed_records.csv, the input convert wrote "
                 "as '1_2', which has no row: either may be its patient, so neither is given it; to mend it, give the "
                 "record 1_2 its row as convert wrote it ('1_2'): the row '1' is then the record 1's; or, where a "
                 "table so keyed has no row for the record 1_2, move renamed_records.csv out of the folder")
    labs = out / "labs.csv"      # the converted folder's: above it and in, the row "2" would fit in/2 and out/2 both
    labs.write_text("record_id,age\n1,61\n2,40\n")
    # the app's labs form
    records = sorted(out.glob("*.hea"))
    row = LabsTable.read(labs).row_for(out / "1_2.hea", out, records)
    assert row.values == {} and row.notes == (by_inputs,)
    # mirage score: each record's error row (a record failed: exit 1)
    model = make_tiny_checkpoint(tmp_path / "m", clinical=("age", "sex"))
    capsys.readouterr()
    assert main(["score", str(out), "--model", str(model), "--labs", str(labs), "--out", str(tmp_path / "s.csv"),
                 "--statements-model", "none", "--no-measure", "--no-progress"]) == 1
    with (tmp_path / "s.csv").open(newline="", encoding="utf-8-sig") as fh:
        errors = {r["record_path"]: r["error"] for r in csv.DictReader(fh)}
    assert errors == {"1.hea": by_inputs, "1_2.hea": by_inputs, "2.hea": ""}
    # training: the labs table refused, naming the row, and so is a labels table keyed alike
    labels = out / "labels.csv"     # in the folder it names: above it and in/, a row "1" fits in/1 and out/1 both
    labels.write_text("record_id,labels,split\n1,NORM,train\n2,MI,val\n")
    with pytest.raises(DatasetError) as err:
        datasets.open_dataset(f"folder:{out}", labels=labels)
    assert str(err.value) == f"{labels}, line 2: {by_inputs.replace('labs row', 'labels row')}"
    # keyed by convert's names, as its summary asks (a row "1_2" of its own): "1" is the record 1's, list or none
    labels.write_text("record_id,labels,split\n1,NORM,train\n1_2,MI,train\n2,MI,val\n")
    ds = datasets.open_dataset(f"folder:{out}", labels=labels)
    assert {it.path.stem: it.labels for it in ds.items} == {"1": ("NORM",), "1_2": ("MI",), "2": ("MI",)}
    # a labels table of no such row, with the labs table keyed by the inputs' names: the labs table refused
    labels.write_text("record_id,labels,split\n1_2,NORM,train\n2,MI,val\n")
    with pytest.raises(DatasetError) as err:
        datasets.open_dataset(f"folder:{out}", labels=labels, labs=labs)
    assert f"1_2: {by_inputs}" in str(err.value)
    labs.write_text("record_id,age\n1,61\n1_2,52\n2,40\n")
    # mended as the words say: the record 1_2 given its row as convert wrote it, the list left in the folder
    labels.write_text("record_id,labels,split\n1,NORM,train\n1_2,MI,train\n2,MI,val\n")
    ds = datasets.open_dataset(f"folder:{out}", labels=labels, labs=labs)
    assert {it.path.stem: (it.labels, it.clinical["age"][0]) for it in ds.items} == {
        "1": (("NORM",), 61.0), "1_2": (("MI",), 52.0), "2": (("MI",), 40.0)}
    assert LabsTable.read(labs).row_for(out / "1_2.hea", out, records).values["age"] == (52.0, None)
    # and where a table so keyed has no row for the record 1_2: the list moved out of the folder
    shutil.move(out / "renamed_records.csv", tmp_path / "renamed_records.csv")
    labels.write_text("record_id,labels,split\n1,NORM,train\n2,MI,val\n")
    ds = datasets.open_dataset(f"folder:{out}", labels=labels)
    assert {it.path.stem: it.labels for it in ds.items} == {"1": ("NORM",), "2": ("MI",)}


NOT_UTF8 = (LIST_HEADER + "/in/Müller.xml,Müller,Muller\n").encode("cp1252")


@pytest.mark.parametrize("content, why", [
    # "input_file,input_id,record_id\n" is 30 bytes, "/in/M" 5 more: the ü (0xfc in Windows-1252) is byte 35
    (NOT_UTF8, "cannot read it ('utf-8' codec can't decode byte 0xfc in position 35: invalid start byte)"),
    ("patient,notes\n1,mine\n".encode(), "is no list of input_file, input_id, record_id (mirage convert's)"),
    # damaged: a row cut short
    ((LIST_HEADER + "/in/Müller.xml,Müller\n").encode(), "is no list of input_file, input_id, record_id "
                                                        "(mirage convert's)"),
])
def test_a_list_that_cannot_be_read_is_said_by_the_lab_form_in_scores_words_and_matches_nothing(tmp_path, content,
                                                                                                 why):
    from mirage_model.review.batch import labs_lookup
    from mirage_model.review.labs_table import LabsTable

    root = tmp_path / "data"
    _ludb_as(root, {"Muller": "1", "plain": "14"})
    listed = root / "renamed_records.csv"
    listed.write_bytes(content)
    said = f"{listed}{':' if why.startswith('cannot') else ''} {why}: no labs row matched by it"
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,weight\nMüller,70\nplain,90\n", encoding="utf-8")
    table = LabsTable.read(labs)
    records = sorted(root.glob("*.hea"))
    muller = table.row_for(root / "Muller.hea", root, records)
    assert muller.values == {} and muller.line == "no row for record Muller in labs.csv" and muller.notes == (said,)
    plain = table.row_for(root / "plain.hea", root, records)
    assert plain.values == {"weight": (90.0, None)} and plain.notes == (said,)
    # a record opened on its own (File > Open): its folder's list, said the same
    assert table.row_for(root / "Muller.hea").notes == (said,)
    # mirage score's and the batch dialog's words
    assert said in labs_lookup(labs, root, records).warnings


def test_a_table_keyed_by_converts_names_fits_the_numbered_records_in_any_order(tmp_path, capsys):
    """1.hea, 1.xml and 1_2.dcm of one folder: convert writes 1, 1_2 (1.xml's, numbered) and 1_2_2 (1_2.dcm's,
    numbered, its own name taken), the list says input "1" -> 1_2 and input "1_2" -> 1_2_2, and its summary asks for
    the numbered records' rows as written. A table that does so fits every record, its rows in any order, in the
    app's labs form and training alike (had been: "1" and "1_2" refused for all three records); one keyed by the
    inputs' names ("1", "1_2") fits none, as each of its rows may be another record's patient."""
    from mirage_model.review.labs_table import LabsTable

    src = tmp_path / "in"
    _ludb_as(src, {"1": "1"})
    shutil.copy(FORMATS / "muse-sinus.xml", src / "1.xml")
    shutil.copy(FORMATS / "ecgtoolkit-Example.dcm", src / "1_2.dcm")
    out = tmp_path / "out"
    assert main(["convert", str(src), "--to", "wfdb", str(out)]) == 0
    said = capsys.readouterr().out
    with (out / "renamed_records.csv").open(newline="", encoding="utf-8") as fh:
        assert [r[1:] for r in csv.reader(fh)][1:] == [["1", "1_2"], ["1_2", "1_2_2"]]
    assert ("a numbered record's row must name it as written ('1_2'): where it has none, a row '1' that names "
            "another record as written is refused, as it may be either's") in said
    records = sorted(out.glob("*.hea"))
    assert [p.stem for p in records] == ["1", "1_2", "1_2_2"]
    labs, labels = out / "labs.csv", out / "labels.csv"     # the tables in the folder they name the records of
    ages = {"1": 61.0, "1_2": 52.0, "1_2_2": 70.0}
    for order in (["1", "1_2", "1_2_2"], ["1_2_2", "1_2", "1"], ["1_2", "1", "1_2_2"]):
        labs.write_text("record_id,age\n" + "".join(f"{r},{ages[r]:g}\n" for r in order))
        table = LabsTable.read(labs)
        rows = {p.stem: table.row_for(p, out, records) for p in records}
        assert {r: (row.values["age"][0], row.notes) for r, row in rows.items()} == {
            r: (a, ()) for r, a in ages.items()}
        labels.write_text("record_id,labels,split\n" + "".join(f"{r},NORM,train\n" for r in order[:2])
                          + f"{order[2]},MI,val\n")
        ds = datasets.open_dataset(f"folder:{out}", labels=labels, labs=labs)
        assert {it.path.stem: (it.labels, it.clinical["age"][0]) for it in ds.items} == {
            r: (("MI",) if r == order[2] else ("NORM",), ages[r]) for r in order}
    # keyed by the inputs' names: "1_2" may be 1_2.dcm's (the record 1_2_2), so the record 1_2 has no row that
    # stands, and "1" may be 1.xml's (the record 1_2): no record is given a row
    labs.write_text("record_id,age\n1_2,52\n1,61\n")
    table = LabsTable.read(labs)
    rows = {p.stem: table.row_for(p, out, records) for p in records}
    assert all(row.values == {} for row in rows.values())
    assert rows["1"].notes == (
        "labs row '1' names the record '1' as written and, by renamed_records.csv, the input convert wrote as '1_2', "
        "whose row '1_2' is refused too: either may be its patient, so neither is given it; to mend it, mend the row "
        "'1_2' first (said with the record 1_2), or, where the table names the records as convert wrote them, move "
        "renamed_records.csv out of the folder",)
    assert rows["1_2"].notes == rows["1_2_2"].notes == (
        "labs row '1_2' names the record '1_2' as written and, by renamed_records.csv, the input convert wrote as "
        "'1_2_2', which has no row: either may be its patient, so neither is given it; to mend it, give the record "
        "1_2_2 its row as convert wrote it ('1_2_2'): the row '1_2' is then the record 1_2's; or, where a table so "
        "keyed has no row for the record 1_2_2, move renamed_records.csv out of the folder",)
    labels.write_text("record_id,labels,split\n1_2,NORM,train\n1,MI,val\n")
    with pytest.raises(DatasetError) as err:
        datasets.open_dataset(f"folder:{out}", labels=labels)
    assert str(err.value).startswith(f"{labels}, line 2: labels row '1_2' names the record '1_2' as written")


def test_the_same_files_given_one_by_one_number_another_record_and_only_its_rows_are_refused(tmp_path, capsys):
    """1_2.dcm, 1.xml, 1.hea given in that order: 1_2 and 1 keep their names and 1.hea is written 1_3 (input "1");
    the row "1_2" is no input's name, so it stands whatever else the table holds, and "1" stands only beside a row
    "1_3" of the record 1_3's own."""
    from mirage_model.review.labs_table import LabsTable

    src = tmp_path / "in"
    _ludb_as(src, {"1": "1"})
    shutil.copy(FORMATS / "muse-sinus.xml", src / "1.xml")
    shutil.copy(FORMATS / "ecgtoolkit-Example.dcm", src / "1_2.dcm")
    out = tmp_path / "out"
    assert main(["convert", *(str(src / n) for n in ("1_2.dcm", "1.xml", "1.hea")), "--to", "wfdb", str(out)]) == 0
    assert "must name it as written ('1_3'): where it has none, a row '1' that names" in capsys.readouterr().out
    with (out / "renamed_records.csv").open(newline="", encoding="utf-8") as fh:
        assert [r[1:] for r in csv.reader(fh)][1:] == [["1", "1_3"]]
    records = sorted(out.glob("*.hea"))
    labs = out / "labs.csv"      # the table in the folder it names the records of
    labs.write_text("record_id,age\n1,61\n1_2,52\n")
    table = LabsTable.read(labs)
    rows = {p.stem: table.row_for(p, out, records) for p in records}
    assert {r: row.values.get("age", (None,))[0] for r, row in rows.items()} == {"1": None, "1_2": 52.0, "1_3": None}
    assert rows["1_3"].notes[0].startswith("labs row '1' names the record '1' as written and, by renamed_records.csv,"
                                           " the input convert wrote as '1_3', which has no row")
    labs.write_text("record_id,age\n1_3,70\n1,61\n1_2,52\n")
    table = LabsTable.read(labs)
    assert {p.stem: table.row_for(p, out, records).values["age"][0] for p in records} == {
        "1": 61.0, "1_2": 52.0, "1_3": 70.0}
