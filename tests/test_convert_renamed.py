"""``mirage convert --to wfdb`` writes "Müller.xml" as the record Muller (a WFDB name is ASCII letters, digits, '-'
and '_'; wfdb-python 4.3 writes "Müller.hea" but cannot read it back: its header parser looks for "Mller.dat"). A
labs table keyed by the original names then fitted no converted record, in silence: a researcher who converted and
scored with the same table got no labs for those patients. Now the labs matcher reads a row "Müller" as the record
Muller where that is the one record it can mean (``clinical.labs_ids.ascii_rows``), says so, and convert lists
the records it wrote under another name (``renamed_records.csv``) and names the list in its summary.

Truth: the names each test gives its inputs and the values of the tables it writes; the WFDB names are worked
out by hand (ü -> u, a blank -> "_")."""

from __future__ import annotations

import csv
import logging
import shutil
from pathlib import Path

import pytest

from mirage_model.clinical import match_labs_rows
from training_cli.main import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

FORMATS = Path(__file__).parent / "data" / "formats"


def test_a_row_keyed_by_the_name_before_it_was_made_ascii_fits_the_converted_record():
    m = match_labs_rows(["Müller", "siteA/Anna Smith", "Zoë", "x"], ["Muller", "siteA/Anna_Smith", "b/Zoe", "plain"])
    assert m.rows == {"Muller": "Müller", "siteA/Anna_Smith": "siteA/Anna Smith", "b/Zoe": "Zoë"}
    assert m.unmatched == ["x"] and not m.ambiguous
    assert m.ascii_notes() == ["row 'Müller' read as the record 'Muller'",
                               "row 'siteA/Anna Smith' read as the record 'siteA/Anna_Smith'",
                               "row 'Zoë' read as the record 'b/Zoe'"]
    assert m.respelled_notes() == []


@pytest.mark.parametrize("rows, records", [
    (["Müller", "Muller"], ["Muller"]),                 # the record has a row of its own: another patient's name
    (["Müller", "Mûller"], ["Muller"]),                 # two rows would be the one record
    (["Müller"], ["a/Muller", "b/Muller"]),             # the name fits two records
    (["Müller"], ["Muller", "Muller_2"]),               # convert numbered a second input of that name: either
])
def test_a_row_is_never_read_as_a_record_it_may_not_mean(rows, records):
    m = match_labs_rows(rows, records)
    assert "Müller" in m.unmatched and m.ascii_notes() == []
    assert m.rows == ({"Muller": "Muller"} if "Muller" in rows else {})


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
            f"siteA/Anna_Smith): {listed} lists them; a labs table keyed by the inputs' names still fits them "
            "(a row 'Müller' is read as the record 'Muller')") in said
    # the input folder's labs table, keyed by the names as they were
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,age\nMüller,61\nsiteA/Anna Smith,52\nplain,40\n", encoding="utf-8")
    model = make_tiny_checkpoint(tmp_path / "m", clinical=("age", "sex"))
    with caplog.at_level(logging.WARNING):
        assert main(["score", str(out), "--model", str(model), "--labs", str(labs), "--out", str(tmp_path / "s.csv"),
                     "--statements-model", "none", "--no-measure", "--no-progress"]) == 0
    with (tmp_path / "s.csv").open(newline="", encoding="utf-8-sig") as fh:
        ages = {r["record_path"]: r["age_used"] for r in csv.DictReader(fh)}
    assert {k: float(v) for k, v in ages.items()} == {"Muller.hea": 61.0, "plain.hea": 40.0,
                                                      "siteA/Anna_Smith.hea": 52.0}
    assert ("labs table: 2 rows matched only as the name a WFDB record is given (row 'Müller' read as the record "
            "'Muller'; row 'siteA/Anna Smith' read as the record 'siteA/Anna_Smith')") in caplog.text
    # training on the converted folder reads the same rows
    from training_cli.engine import datasets

    labels = tmp_path / "labels.csv"
    labels.write_text("record_id,labels,split\nMuller,NORM,train\nsiteA/Anna_Smith,MI,train\nplain,NORM,val\n")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        ds = datasets.open_dataset(f"folder:{out}", labels=labels, labs=labs)
    assert {it.path.stem: it.clinical["age"][0] for it in ds.items} == {"Muller": 61.0, "Anna_Smith": 52.0,
                                                                         "plain": 40.0}
    assert "labs.csv: 2 rows matched only as the name a WFDB record is given" in caplog.text


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
