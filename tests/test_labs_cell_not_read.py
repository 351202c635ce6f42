"""A bad labs cell in a column no model of the run reads is left out of its record's row, said, and
the record scored; a bad cell of a feature a model reads still refuses the record."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

import mirage_model as mm
from training_cli.main import main

# the tiny model reads these four (helpers_models.TINY_CLINICAL), as the shipped default model does
READ = ("age", "sex", "height", "weight")


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    from helpers_models import make_tiny_checkpoint

    return make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny", clinical=READ)


def _ptbxl_folder(root: Path) -> list[str]:
    base = mm.resources_dir() / "samples" / "ptbxl" / "records100"
    heads = sorted(base.glob("*/*_lr.hea"))
    if len(heads) < 3:
        pytest.skip("bundled PTB-XL samples not present")
    root.mkdir()
    for hea in heads[:3]:
        for f in hea.parent.glob(hea.stem + ".*"):
            shutil.copy(f, root / f.name)
    return [h.stem for h in heads[:3]]


def _rows(path: Path) -> dict[str, dict]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return {r["record_id"]: r for r in csv.DictReader(fh)}


def test_a_bad_cell_no_model_reads_is_left_out_and_the_record_scored(checkpoint, tmp_path, capsys, caplog):
    a, b, c = _ptbxl_folder(tmp_path / "in")
    labs = tmp_path / "labs.csv"
    # a: 'abc' for troponin (line 2), c: a CRP below 0 (line 4): no model of the run reads either.
    # b: 'abc' for age (line 3): the model reads age, so b is refused as before
    labs.write_text(f"record_id,age,troponin_t [ng/L],crp [mg/L]\n{a},61,abc,3\n{b},abc,12,\n{c},50,5,-4\n")
    out = tmp_path / "r.csv"
    pdfs = tmp_path / "pdf"
    rc = main(["score", str(tmp_path / "in"), "--model", str(checkpoint), "--out", str(out), "--no-progress",
               "--labs", str(labs), "--no-measure", "--pdf-dir", str(pdfs)])
    assert rc == 1                                  # b failed
    captured = capsys.readouterr()
    rows = _rows(out)
    assert rows[b]["status"] == "error" and "labs row refused" in rows[b]["error"]
    assert "line 3, column 'age'" in rows[b]["error"] and "'abc' is not a number" in rows[b]["error"]
    assert rows[a]["status"] == "ok" and rows[c]["status"] == "ok"
    # the record's notes name the file, line, column and the problem
    assert "labs value left out" in rows[a]["notes"]
    assert "labs.csv, line 2, column 'troponin_t [ng/L]'" in rows[a]["notes"]
    assert "'abc' is not a number" in rows[a]["notes"]
    assert "labs.csv, line 4, column 'crp [mg/L]'" in rows[c]["notes"] and "-4" in rows[c]["notes"]
    # the row's other values are used: a's age 61 from the table, CRP 3 kept (not read by the model)
    assert float(rows[a]["age_used"]) == 61.0
    assert "crp=3" in rows[a]["labs_used"] and "troponin" not in rows[a]["labs_used"]
    assert "troponin" not in (rows[b]["notes"] or "")
    # a warning names both cells; the summary counts one row refused (b), not three
    assert "2 labs values left out, no model of the run reads them" in caplog.text
    assert "line 2, column 'troponin_t [ng/L]'" in caplog.text and "line 4, column 'crp [mg/L]'" in caplog.text
    assert "1 of 3 rows refused" in captured.out
    # the PDF's labs block names the value left out (the value itself is not in its table)
    pytest.importorskip("reportlab")
    pypdf = pytest.importorskip("pypdf")
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(pdfs / f"{a}.pdf").pages)
    assert "labs value left out" in " ".join(text.split())


def test_every_bad_cell_refuses_its_row_when_the_models_do_not_say_what_they_read(tmp_path):
    from mirage_model.review.batch.inputs import labs_lookup

    folder = tmp_path / "in"
    ids = _ptbxl_folder(folder)
    labs = tmp_path / "labs.csv"
    labs.write_text(f"record_id,troponin_t [ng/L]\n{ids[0]},abc\n")
    lookup = labs_lookup(labs, folder)
    path = folder / f"{ids[0]}.hea"
    assert "'abc' is not a number" in lookup.refused(path)      # reads None: any feature may be read
    lookup.reads = frozenset(READ)
    assert lookup.refused(path) == "" and lookup.values(path) == {}
    assert lookup.left_out(path) and "line 2" in lookup.left_out(path)[0]
    lookup.reads = frozenset(READ + ("troponin_t",))             # a statements model reading troponin
    assert "troponin_t" in lookup.refused(path) and lookup.left_out(path) == []


def test_a_bad_age_or_sex_refuses_its_row_whatever_the_models_read(tmp_path):
    """The age and sex are read by the product whatever the model: a child's limits and the QTc's by sex. A model
    that reads no labs (reads: none) had let 'abc' for an age pass as "no model of the run reads it", leaving a child
    to adult limits (a reviewer's find)."""
    from mirage_model.review.batch.inputs import labs_lookup

    folder = tmp_path / "in"
    ids = _ptbxl_folder(folder)
    labs = tmp_path / "labs.csv"
    labs.write_text(f"record_id,age,sex,troponin_t [ng/L]\n{ids[0]},abc,M,1\n{ids[1]},40,Q,2\n{ids[2]},40,M,abc\n")
    lookup = labs_lookup(labs, folder)
    lookup.reads = frozenset()                                   # a model that reads no lab values
    assert "age" in lookup.refused(folder / f"{ids[0]}.hea").lower()
    assert lookup.refused(folder / f"{ids[1]}.hea")              # sex 'Q'
    assert lookup.refused(folder / f"{ids[2]}.hea") == ""        # troponin: no model reads it, left out


def test_report_reads_the_labs_table_by_the_rules_of_score(checkpoint, tmp_path, capsys):
    """`mirage report REC --labs` had refused the whole report for a bad cell of REC's row in a column no
    model reads (troponin 'abc' for a model of age, sex, height and weight: exit 2, no PDF), where
    `mirage score --labs` leaves that cell out, says so and scores the record. Now report reads the table
    by score's reader and rules (``LabsLookup``): the cell is left out, named on stderr and on the PDF's
    labs block, the row's other values used (age 61, as the table says); a bad age, which the product reads
    whatever the model, still refuses the report before any model loads."""
    pypdf = pytest.importorskip("pypdf")
    a, _, _ = _ptbxl_folder(tmp_path / "in")
    record = tmp_path / "in" / f"{a}.hea"
    labs = tmp_path / "labs.csv"
    labs.write_text(f"record_id,age,troponin_t [ng/L]\n{a},61,abc\n")
    out = tmp_path / "r.pdf"
    argv = ["report", str(record), "--model", str(checkpoint), "--statements-model", "none", "--no-measure",
            "--no-explain", "--labs", str(labs), "--out", str(out)]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "labs value left out, no model of the run reads it: " in err
    assert "labs.csv, line 2, column 'troponin_t [ng/L]': troponin_t: 'abc' is not a number" in err
    text = " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(out).pages).split())
    assert "labs value left out" in text and "Age 61 years" in text, text
    # the record's age bad: refused, naming the file, line and column; nothing written
    out.unlink()
    labs.write_text(f"record_id,age,troponin_t [ng/L]\n{a},abc,12\n")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "labs.csv, line 2, column 'age'" in err and "'abc' is not a number" in err
    assert not out.exists()


def test_a_model_without_labs_says_the_tables_values_are_not_used(tmp_path, capsys):
    """A model trained without labs (``use_labs`` False: its schema names age, sex, height and weight, it reads none):
    the summary's labs line says so, as the bad cell left out of a row does ("no model of the run reads it"). The
    line had counted from the schema's names and said "all 4 values used by this model"."""
    from helpers_models import make_tiny_checkpoint

    model = make_tiny_checkpoint(tmp_path / "no_labs", clinical=READ, use_labs=False)
    assert mm.Predictor(model, device="cpu").clinical_read == ()
    a, b, _c = _ptbxl_folder(tmp_path / "in")
    labs = tmp_path / "labs.csv"
    labs.write_text(f"record_id,age,sex,height [cm]\n{a},61,F,170\n{b},50,M,abc\n")
    out = tmp_path / "r.csv"
    rc = main(["score", str(tmp_path / "in"), "--model", str(model), "--out", str(out), "--no-progress",
               "--labs", str(labs), "--no-measure", "--statements-model", "none"])
    said = capsys.readouterr().out
    rows = _rows(out)
    # b's height, no number, is left out of its row: no model of the run reads it
    assert rc == 0 and rows[b]["status"] == "ok" and "labs value left out" in rows[b]["notes"]
    assert sorted(rows[a]["values_not_used"].split(";")) == ["age", "height", "sex"]       # the row says it too
    assert "labs.csv: 5 of 5 values not used by this model (age 2, height 1, sex 2)" in said, said
