"""A labs row whose age or sex differs from the ECG's own header may be another patient's row (ids
mixed up). Training warned of it; ``mirage score``, ``mirage report`` and the PDF had used such a
row in silence (a woman's ECG reported as "Sex M", the footer "(M, 51 y)"). Now each names the
record, the field and both values; the table's values are still used, as in training.

A censored result ("<0,3": below what the assay measures) had been read as its limit and shown as
0.3, a value a clinician reads as measured; it keeps its mark wherever it is shown ("<0.3"), and
the model still takes the limit.

Truth: the bundled LUDB record 1's header, read here as text ("#<sex>: F", "#<age>: 51"); the
table this test writes (Excel style: ';' and decimal commas)."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest

import mirage_model as mm
from mirage_model.clinical import header_disagreement, labs_header_note, read_labs_table
from training_cli.main import main

LUDB = mm.resources_dir() / "samples" / "ludb"
pytestmark = pytest.mark.skipif(not (LUDB / "1.hea").is_file(), reason="bundled LUDB samples not present")


def _header_fact(hea: Path, key: str) -> str:
    """A LUDB header comment's value ("#<sex>: F"), read from the file's text."""
    return re.search(rf"^#<{key}>:\s*(\S+)", hea.read_text(), re.M).group(1)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    from helpers_models import make_tiny_checkpoint

    return make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny")


@pytest.fixture()
def trial(tmp_path):
    """LUDB records 1 and 14 in a folder, and an Excel-style labs table: record 1's row gives the
    other sex (its header's is F) and a troponin below detection; record 14's agrees with its header
    and gives a CRP below detection."""
    folder = tmp_path / "records"
    folder.mkdir()
    for stem in ("1", "14"):
        for f in LUDB.glob(stem + ".*"):
            shutil.copy(f, folder / f.name)
    sex_1, age_1 = _header_fact(LUDB / "1.hea", "sex"), _header_fact(LUDB / "1.hea", "age")
    sex_14, age_14 = _header_fact(LUDB / "14.hea", "sex"), _header_fact(LUDB / "14.hea", "age")
    other = {"F": "M", "M": "F"}[sex_1]
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id;age;sex;troponin_t [ng/L];crp [mg/dL]\n"
                    f"1;{age_1};{other};<0,3;1,2\n14;{age_14};{sex_14};25,5;<0,3\n", encoding="utf-8")
    return folder, labs, sex_1, other


def test_the_comparison_names_the_field_and_both_values():
    assert header_disagreement("sex", "F", (1.0, None)) == "sex M in the labs table, F in the header"
    assert header_disagreement("sex", "M", "male") == ""
    # a year apart is a draw on another day; months are converted
    assert header_disagreement("age", 51.0, (52.0, None)) == ""
    assert header_disagreement("age", 51.0, (53.0, "years")) == "age 53 in the labs table, 51 in the header"
    assert header_disagreement("age", 51.0, (612.0, "months")) == ""
    assert header_disagreement("age", None, (40.0, None)) == ""          # nothing to compare
    assert header_disagreement("crp", 5.0, (50.0, None)) == ""           # only age and sex
    note = labs_header_note({"age": 51.0, "sex": "F"}, {"age": (40.0, None), "sex": (1.0, None)})
    assert note.startswith("labs row differs from the ECG header (age 40 in the labs table, 51 in the header, "
                           "sex M in the labs table, F in the header)") and ";" not in note
    assert labs_header_note({"age": 51.0, "sex": "F"}, {"troponin_t": (3.0, None)}) == ""


def test_a_censored_cell_keeps_its_mark_and_the_model_takes_its_limit(trial):
    _folder, labs, _sex, _other = trial
    warnings: list = []
    table = read_labs_table(labs, warnings=warnings)
    assert table["1"]["troponin_t"] == ("<0.3", "ng/L") and table["14"]["crp"] == ("<0.3", "mg/dL")
    assert table["1"]["crp"] == (1.2, "mg/dL")
    schema = mm.default_schema()
    assert schema["troponin_t"].to_canonical(table["1"]["troponin_t"]) == pytest.approx(0.3)
    assert schema["crp"].to_canonical(table["14"]["crp"]) == pytest.approx(3.0)     # 0.3 mg/dL
    assert len(warnings) == 1 and "2 censored values read as their limit by the model" in warnings[0]


def test_score_says_which_record_s_row_differs_and_keeps_censoring(checkpoint, trial, tmp_path, capsys):
    folder, labs, sex, other = trial
    out = tmp_path / "scores.csv"
    assert main(["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--no-progress",
                 "--labs", str(labs), "--no-measure", "--statements-model", "none"]) == 0
    err = capsys.readouterr().err
    assert (f"labs.csv: 1 record's labs row differs from its ECG header in age or sex and may be another "
            f"patient's; the table's values are used (1.hea: sex {other} in the labs table, {sex} in the "
            "header)") in err, err
    with out.open(newline="", encoding="utf-8-sig") as fh:
        rows = {r["record_id"]: r for r in csv.DictReader(fh)}
    assert f"labs row differs from the ECG header (sex {other} in the labs table, {sex} in the header)" \
        in rows["1"]["notes"]
    assert "labs row differs" not in (rows["14"]["notes"] or "")
    assert rows["1"]["sex_used"] == other                   # the table's value, as in training
    # the limit with its mark, in canonical units: troponin <0.3 ng/L, CRP <0.3 mg/dL = <3 mg/L
    assert "troponin_t=<0.3 ng/L" in rows["1"]["labs_used"]
    assert "crp=<3 mg/L" in rows["14"]["labs_used"]


def test_report_warns_and_its_labs_block_says_so(trial, tmp_path, capsys):
    pypdf = pytest.importorskip("pypdf")
    folder, labs, sex, other = trial
    out = tmp_path / "r.pdf"
    assert main(["report", str(folder / "1.hea"), "--no-model", "--no-measure", "--labs", str(labs),
                 "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert (f"record 1: labs row differs from the ECG header (sex {other} in the labs table, {sex} in the "
            "header)") in err, err
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(str(out)).pages).replace("\u00a0", " ").split())
    assert (f"Warning: labs row differs from the ECG header (sex {other} in the labs table, {sex} in the "
            "header)") in text, text
    assert re.search(r"hs-Troponin T\s+<0\.3\b", text), text
    assert "CRP 1.2 mg/dL (= 12 mg/L)" in text            # an uncensored value as before


def test_the_pdf_keeps_the_mark_beside_a_converted_value(trial, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    folder, labs, _sex, _other = trial
    out = tmp_path / "r14.pdf"
    assert main(["report", str(folder / "14.hea"), "--no-model", "--no-measure", "--labs", str(labs),
                 "--out", str(out)]) == 0
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(str(out)).pages).replace("\u00a0", " ").split())
    assert "<0.3 mg/dL (= <3 mg/L)" in text, text
    assert "Censored (below or above what the assay measures): CRP <0.3" in text
    assert "labs row differs" not in text
    # no model took the limit of a report without a model result (--no-model): its labs block had said "Censored
    # (...): CRP <0.3; the model took the limit."; the value is "no model"'s in the table
    assert "Censored (below or above what the assay measures): CRP <0.3." in text, text
    assert "took the limit" not in text


def test_report_s_labs_values_are_the_table_s_and_its_row_is_named(trial, tmp_path):
    """`mirage report --labs` said "user" ("entered by the reviewer or a labs table") of the row's values and
    named no row, where the app's PDF of the same record and table says "table" and "Labs table: row '14' of
    labs.csv."; a record the table has no row for is said so."""
    pypdf = pytest.importorskip("pypdf")
    folder, labs, _sex, _other = trial
    out = tmp_path / "r14.pdf"
    assert main(["report", str(folder / "14.hea"), "--no-model", "--no-measure", "--labs", str(labs),
                 "--out", str(out)]) == 0
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(str(out)).pages).replace("\u00a0", " ").split())
    assert "Labs table: row '14' of labs.csv." in text, text
    # the table's troponin, its reference and flag, then its source
    assert "hs-Troponin T 25.5 ng/L \u2264 14 ng/L H table" in text, text
    assert "user = entered by the reviewer or a labs table" not in text
    (folder / "14.hea").rename(folder / "15.hea")
    (folder / "14.dat").rename(folder / "15.dat")
    text_of = (folder / "15.hea").read_text().replace("14.dat", "15.dat").replace("14 ", "15 ", 1)
    (folder / "15.hea").write_text(text_of)
    out = tmp_path / "r15.pdf"
    assert main(["report", str(folder / "15.hea"), "--no-model", "--no-measure", "--labs", str(labs),
                 "--out", str(out)]) == 0
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(str(out)).pages).replace("\u00a0", " ").split())
    assert "Labs table: no row for record 15 in labs.csv." in text, text


def test_the_pdf_says_the_model_took_a_limit_only_of_a_value_it_reads(trial, checkpoint, tmp_path):
    """The tiny model reads age, sex, height and weight: record 14's CRP <0.3 mg/dL is kept in the labs block and
    is no input of it, so "the model took the limit" is not said of it (a 300-record batch's PDFs had said it
    beside "Not used by this model (kept for the record): hs-Troponin T, CRP")."""
    pypdf = pytest.importorskip("pypdf")
    folder, labs, _sex, _other = trial
    out = tmp_path / "r14.pdf"
    assert main(["report", str(folder / "14.hea"), "--model", str(checkpoint), "--no-measure", "--labs", str(labs),
                 "--out", str(out)]) == 0
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(str(out)).pages).replace("\u00a0", " ").split())
    assert "Censored (below or above what the assay measures): CRP <0.3." in text, text
    assert "took the limit" not in text
    assert "Not used by this model (kept for the record): hs-Troponin T, CRP" in text
