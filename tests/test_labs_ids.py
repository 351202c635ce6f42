"""A labs table's record ids: training, ``mirage score`` and ``mirage report`` find the same row for
a record (its path in the folder, "siteA/1"; a stem-keyed row only where it fits one record)."""

from __future__ import annotations

import csv
import logging
import shutil
from pathlib import Path

import pytest

from mirage_model.clinical import match_labs_rows
from training_cli.engine import datasets as D
from training_cli.main import main

from helpers_training import PTBXL_LABELS, SAMPLES

pytestmark = pytest.mark.usefixtures("one_torch_thread")

AGE = {"siteA": 30, "siteB": 80}       # each site's patients get their own age in the labs table


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    from helpers_models import make_tiny_checkpoint

    return make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny")


def two_sites(root: Path) -> tuple[Path, Path]:
    """siteA/ and siteB/, each with the four shipped PTB-XL records under the same names (two
    patients per name), and labels.csv keyed by path in the folder ("siteA/00417_lr")."""
    rows = ["record_id,labels,split"]
    for site in AGE:
        (root / site).mkdir(parents=True)
        for k, hea in enumerate(sorted((SAMPLES / "ptbxl" / "records100").rglob("*.hea"))):
            shutil.copy(hea, root / site / hea.name)
            shutil.copy(hea.with_suffix(".dat"), root / site / hea.with_suffix(".dat").name)
            rows.append(f"{site}/{hea.stem},{PTBXL_LABELS[hea.stem]},{'train' if k < 2 else 'val'}")
    labels = root.parent / "labels.csv"
    labels.write_text("\n".join(rows) + "\n")
    return root, labels


def labs_by_path(root: Path, path: Path) -> Path:
    path.write_text("record_id,age\n" + "".join(
        f"{hea.relative_to(root).with_suffix('').as_posix()},{AGE[hea.parent.name]}\n"
        for hea in sorted(root.rglob("*.hea"))))
    return path


def _rows(path: Path) -> dict[str, dict]:
    with path.open(newline="", encoding="utf-8-sig") as fh:     # the batch CSV starts with a BOM
        return {r["record_path"]: r for r in csv.DictReader(fh)}



def score(root, checkpoint, labs, out) -> int:
    """``mirage score ROOT`` with ``labs``, the model alone, no measurements: the exit status."""
    return main(["score", str(root), "--model", str(checkpoint), "--labs", str(labs), "--out", str(out),
                 "--statements-model", "none", "--no-measure", "--no-progress"])


def test_match_labs_rows_longest_trailing_part_and_ambiguous_stems():
    m = match_labs_rows(["siteA/1", "1", "2", "x/3", "ecg_9"], ["siteA/1", "siteB/1", "siteA/2", "siteB/3"])
    assert m.row_id("siteA/1") == "siteA/1"              # its own path wins over the stem
    assert m.row_id("siteA/2") == "2"                    # a stem that fits one record
    assert m.row_id("siteB/1") is None and "fits 2 records" in m.ambiguous["siteB/1"]
    assert m.row_id("siteB/3") is None                   # "x/3" is another folder's record
    assert m.unmatched == ["x/3", "ecg_9"]


def test_training_and_score_find_a_records_row_by_its_path(tmp_path, checkpoint, capsys):
    root, labels = two_sites(tmp_path / "ds")
    labs = labs_by_path(root, tmp_path / "labs.csv")
    ds = D.open_dataset(f"folder:{root}", labels=labels, labs=labs)
    assert {it.record_id: it.clinical["age"][0] for it in ds.items} == {
        it.record_id: AGE[it.record_id.split("/")[0]] for it in ds.items}
    out = tmp_path / "s.csv"
    assert score(root, checkpoint, labs, out) == 0
    rows = _rows(out)
    assert len(rows) == 8
    for rel, row in rows.items():         # the table's age, never another site's
        assert float(row["age_used"]) == AGE[rel.split("/")[0]], (rel, row["age_used"])


def test_a_stem_keyed_row_that_fits_two_records_is_refused(tmp_path, checkpoint):
    root, labels = two_sites(tmp_path / "ds")
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,age\n00417_lr,30\n11125_lr,40\nsiteB/04016_lr,50\n")
    with pytest.raises(D.DatasetError, match="ambiguous.*'00417_lr' fits 2 records"):
        D.open_dataset(f"folder:{root}", labels=labels, labs=labs)
    out = tmp_path / "s.csv"
    assert score(root, checkpoint, labs, out) == 1
    rows = _rows(out)
    for site in AGE:
        for stem in ("00417_lr", "11125_lr"):
            row = rows[f"{site}/{stem}.hea"]
            assert row["status"] == "error" and "fits 2 records" in row["error"], row
    assert float(rows["siteB/04016_lr.hea"]["age_used"]) == 50
    assert rows["siteA/04016_lr.hea"]["status"] == "ok" and rows["siteA/04016_lr.hea"]["age_used"] != "50.0"


def test_report_takes_the_row_of_the_longest_trailing_part_of_the_path(tmp_path, capsys):
    root, _ = two_sites(tmp_path / "ds")
    labs = labs_by_path(root, tmp_path / "labs.csv")
    out = tmp_path / "r.pdf"
    assert main(["report", str(root / "siteB" / "00417_lr.hea"), "--no-model", "--no-measure",
                 "--labs", str(labs), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "has no row" not in err and "'siteB/00417_lr' is used" in err, err


def test_labs_rows_that_fit_no_record_are_told(tmp_path, checkpoint, caplog, capsys):
    """A table whose ids name no record ("1.hea", "ecg_1") had trained a "labs" model on no lab value
    and let score use none, silently."""
    root, labels = two_sites(tmp_path / "ds")          # 00417_lr and 04016_lr train, the others val
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,age,troponin_t [ng/L]\nsiteA/00417_lr,30,\nsiteA/10388_lr,,14\necg_9,40,\n")
    with caplog.at_level(logging.WARNING, logger="training_cli.engine.folder"):
        D.open_dataset(f"folder:{root}", labels=labels, labs=labs)
    said = caplog.text
    assert "1 of 3 rows fits no record and is not used (ecg_9)" in said, said
    assert "troponin_t has no value in the training split (4 records)" in said, said
    assert "age has no value" not in said
    bad = tmp_path / "bad.csv"
    bad.write_text("record_id,age\n00417_lr.hea,30\necg_1,40\n")
    with pytest.raises(D.DatasetError, match="none of its 2 rows fits a record"):
        D.open_dataset(f"folder:{root}", labels=labels, labs=bad)
    out = tmp_path / "s.csv"
    assert score(root, checkpoint, bad, out) == 0
    err = capsys.readouterr().err
    assert "bad.csv: 2 row(s) fit no record under" in err and "'00417_lr.hea', 'ecg_1'" in err, err
    assert main(["report", str(root / "siteA" / "00417_lr.hea"), "--no-model", "--no-measure",
                 "--labs", str(bad), "--out", str(tmp_path / "r.pdf")]) == 0
    err = capsys.readouterr().err
    assert "has no row for record 00417_lr" in err and "'00417_lr.hea', 'ecg_1'" in err, err


def test_score_reports_the_age_and_sex_the_model_used(tmp_path, checkpoint):
    """"Age [months]" 1092 had given age_used 1092.0 (the model read 91 years), and a labs table's
    sex ("male", stored as 1.0) an empty sex_used."""
    root, _ = two_sites(tmp_path / "ds")
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,age [months],sex\nsiteA/00417_lr,1092,male\nsiteB/00417_lr,,0\n")
    out = tmp_path / "s.csv"
    assert score(root, checkpoint, labs, out) == 0
    rows = _rows(out)
    assert (rows["siteA/00417_lr.hea"]["age_used"], rows["siteA/00417_lr.hea"]["sex_used"]) == ("91.0", "M")
    assert rows["siteB/00417_lr.hea"]["sex_used"] == "F"


def test_a_labels_row_keyed_by_a_file_name_two_records_share_is_refused(tmp_path):
    """labels.csv keyed "00417_lr" for siteA/00417_lr and siteB/00417_lr (two patients) had labelled the
    first found and left the other out of the dataset, silently; it is refused as labs rows are."""
    root, labels = two_sites(tmp_path / "ds")
    stem_keyed = tmp_path / "stem_labels.csv"
    text = labels.read_text().replace("siteA/", "")
    stem_keyed.write_text(text)
    with pytest.raises(D.DatasetError, match=r"row '00417_lr' fits 2 records \(siteA/00417_lr, siteB/00417_lr\)"):
        D.open_dataset(f"folder:{root}", labels=stem_keyed)
    assert len(D.open_dataset(f"folder:{root}", labels=labels).items) == 8     # keyed by path: all 8


def test_score_of_one_site_finds_the_rows_of_the_datasets_table(tmp_path, checkpoint, capsys):
    """The dataset's table (rows 'siteA/00417_lr') given to `mirage score DATASET/siteA`: every row
    'fit no record' (the ids under siteA/ are '00417_lr') and the site was scored without its labs,
    while `mirage report` of the same record took its row. Score now finds it as report does."""
    root, _ = two_sites(tmp_path / "ds")
    labs = labs_by_path(root, tmp_path / "labs.csv")
    for site in AGE:
        out = tmp_path / f"{site}.csv"
        assert score(root / site, checkpoint, labs, out) == 0
        rows = _rows(out)
        assert len(rows) == 4
        for rel, row in rows.items():
            assert float(row["age_used"]) == AGE[site], (site, rel, row["age_used"])
        err = capsys.readouterr().err
        assert "fit no record" not in err.replace("4 row(s) fit no record", ""), err
        assert "4 row(s) fit no record" in err                # the other site's rows
    # a row keyed from further up ("ds/siteB/00417_lr") for a batch of the whole dataset
    above = tmp_path / "above.csv"
    above.write_text("record_id,age\nds/siteB/00417_lr,55\n")
    assert score(root, checkpoint, above, tmp_path / "all.csv") == 0
    rows = _rows(tmp_path / "all.csv")
    assert float(rows["siteB/00417_lr.hea"]["age_used"]) == 55
    assert rows["siteA/00417_lr.hea"]["age_used"] != "55.0"


def test_score_says_which_unmatched_rows_differ_only_in_case_or_leading_zeros(tmp_path, checkpoint, capsys):
    """`mirage score` warned "2 row(s) fit no record" without a hint, where training names the row that
    differs from a record only in case or leading zeros; it gives the same hint now."""
    root = tmp_path / "ecgs"
    root.mkdir()
    for hea in sorted((SAMPLES / "ptbxl" / "records100").rglob("*.hea"))[:2]:
        shutil.copy(hea, root / hea.name)
        shutil.copy(hea.with_suffix(".dat"), root / hea.with_suffix(".dat").name)
    stems = sorted(p.stem for p in root.glob("*.hea"))                  # 00417_lr, 04016_lr
    labs = tmp_path / "labs.csv"
    upper = stems[0].upper()                                            # '00417_LR': case only
    unpadded = stems[1].lstrip("0")                                     # '4016_lr': leading zeros only
    labs.write_text(f"record_id,age\n{upper},30\n{unpadded},40\nnobody_9,50\n")
    assert score(root, checkpoint, labs, tmp_path / "s.csv") == 0
    err = capsys.readouterr().err
    assert "labs.csv: 3 row(s) fit no record under" in err, err
    assert (f"; {upper!r} differs from the record {stems[0]!r} only in case or leading zeros (2 ids so; ids "
            "must match exactly)") in err, err
    # a table whose unmatched rows are no near miss gets no hint
    labs.write_text(f"record_id,age\n{stems[0]},30\nnobody_9,50\n")
    assert score(root, checkpoint, labs, tmp_path / "t.csv") == 0
    err = capsys.readouterr().err
    assert "1 row(s) fit no record" in err and "differs from the record" not in err, err


# --------------------------------------------------------------------------- ids a spreadsheet made numbers
def test_a_row_id_a_spreadsheet_made_a_number_matches_the_one_record_it_names():
    """'1.0' (pandas' float of 1) and '417' (Excel's number of 00417) fit no record as written; they
    name one record as a number. Truth: the ids written here by hand."""
    from mirage_model.clinical.labs import near_miss_text, respelled_note

    m = match_labs_rows(["1.0", "417", "x"], ["a/1", "b/00417", "c/7"])
    assert m.rows == {"a/1": "1.0", "b/00417": "417"} and m.unmatched == ["x"]
    assert respelled_note("417", "b/00417") == ("row '417' read as the record '00417' (the same number: "
                                                "an id a spreadsheet reformatted)")
    assert respelled_note("00417", "b/00417") == "" and respelled_note("7", "c/7") == ""
    # never where it is not unambiguous: a number two records read as, a record with a row of its own,
    # two rows that read as one record
    assert match_labs_rows(["417"], ["a/00417", "b/0417"]).rows == {}
    assert match_labs_rows(["1", "1.0"], ["a/1"]).rows == {"a/1": "1"}
    assert match_labs_rows(["1.0", "01"], ["a/1"]).rows == {}
    # nor a whole number that is not one, nor a part of a name: "417" is not "00417_lr"
    assert match_labs_rows(["1.5", "417"], ["a/1", "00417_lr"]).rows == {}
    # each refusal is explained
    hint = near_miss_text(["417"], ["a/00417", "b/0417"])
    assert "'417' looks like a number a spreadsheet reformatted and fits 2 records as one ('a/00417', 'b/0417')" in hint
    assert "would be the record 'a/1', which has a row of its own" in near_miss_text(["1.0"], ["a/1"])
    assert "may mean the record '00417_lr': not matched" in near_miss_text(["417"], ["00417_lr"])
    assert "scientific notation" in near_miss_text(["1.23457E+11"], ["123456789012"])


def _numbered_records(root: Path) -> Path:
    """LUDB's records 1 and 14 as 0001 and 0014 (a hospital's zero-padded numbers), each rewritten
    to name its own signal file."""
    root.mkdir(parents=True)
    for stem, name in (("1", "0001"), ("14", "0014")):
        src = SAMPLES / "ludb" / f"{stem}.hea"
        lines = src.read_text().splitlines()
        lines[0] = name + lines[0][len(stem):]
        lines = [line.replace(f"{stem}.dat", f"{name}.dat", 1) for line in lines]
        (root / f"{name}.hea").write_text("\n".join(lines) + "\n")
        shutil.copy(src.with_suffix(".dat"), root / f"{name}.dat")
    return root


def test_training_and_score_match_ids_a_spreadsheet_made_numbers(tmp_path, checkpoint, caplog, capsys):
    """A labels and a labs table saved from Excel ('1' and '14' for the records 0001 and 0014), and one
    from pandas ('1.0'): every row had fitted no record ("none of its 2 rows names a record")."""
    root = _numbered_records(tmp_path / "ecgs")
    labels = tmp_path / "labels.csv"
    labels.write_text("record_id,labels,split\n1,NORM,train\n14.0,MI,val\n")
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,age\n1.0,33\n14,44\n")
    with caplog.at_level(logging.WARNING):
        ds = D.open_dataset(f"folder:{root}", labels=labels, labs=labs)
    assert {it.path.stem: (it.labels, it.clinical["age"][0]) for it in ds.items} == {
        "0001": (("NORM",), 33.0), "0014": (("MI",), 44.0)}
    assert "labels.csv: 2 rows matched only as the number a spreadsheet made of their ids" in caplog.text
    assert "labs.csv: 2 rows matched only as the number a spreadsheet made of their ids" in caplog.text
    assert "row '1.0' read as the record '0001'" in caplog.text
    caplog.clear()
    out = tmp_path / "s.csv"
    with caplog.at_level(logging.WARNING):
        assert score(root, checkpoint, labs, out) == 0
    rows = _rows(out)
    assert {k: float(r["age_used"]) for k, r in rows.items()} == {"0001.hea": 33.0, "0014.hea": 44.0}
    assert "labs table: 2 rows matched only as the number a spreadsheet made of their ids" in caplog.text


def test_a_row_that_fits_several_files_of_one_name_is_refused(tmp_path, checkpoint, capsys):
    """dupe/3.hea, dupe/3.xml and dupe/3.dcm (three recordings of three patients, aged 51, 43 and 42 in
    their files) share the labs id 'dupe/3': one row was used for all three. Now none of them takes
    it; a record of another name keeps its own row."""
    from mirage_model.paths import resources_dir

    formats = Path(__file__).resolve().parent / "data" / "formats"
    root = tmp_path / "dupe"
    root.mkdir()
    ludb = resources_dir() / "samples" / "ludb"
    (root / "3.hea").write_text((ludb / "1.hea").read_text().replace("1 12", "3 12", 1).replace("1.dat", "3.dat"))
    shutil.copy(ludb / "1.dat", root / "3.dat")
    shutil.copy(formats / "muse-sinus.xml", root / "3.xml")
    shutil.copy(formats / "waveform_ecg.dcm", root / "3.dcm")
    shutil.copy(ludb / "14.hea", root / "14.hea")
    shutil.copy(ludb / "14.dat", root / "14.dat")
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,age\n3,60\n14,70\n")
    m = match_labs_rows(["3", "14"], ["3", "3", "3", "14"])
    assert m.row_id("3") is None and "labs row '3' fits 3 files of this run" in m.ambiguous["3"]
    assert m.row_id("14") == "14"
    out = tmp_path / "s.csv"
    assert score(root, checkpoint, labs, out) == 1
    rows = _rows(out)
    for name in ("3.hea", "3.xml", "3.dcm"):
        assert rows[name]["status"] == "error" and "fits 3 files" in rows[name]["error"], rows[name]
    assert float(rows["14.hea"]["age_used"]) == 70
    # a row keyed from the folder above ("dupe/3", found by the whole path) is refused alike
    labs.write_text("record_id,age\ndupe/3,60\n")
    assert score(root, checkpoint, labs, tmp_path / "s2.csv") == 1
    rows = _rows(tmp_path / "s2.csv")
    assert all(rows[n]["status"] == "error" and "fits 3 files" in rows[n]["error"] for n in ("3.hea", "3.xml", "3.dcm"))
    # mirage report of one of them alike (it sees the others beside it), of 14 not
    for name, status in (("3.xml", 2), ("14.hea", 0)):
        capsys.readouterr()
        assert main(["report", str(root / name), "--no-model", "--no-measure", "--labs", str(labs),
                     "--out", str(tmp_path / f"{name}.pdf")]) == status
        err = capsys.readouterr().err
        assert ("fits 3 files" in err and "3.dcm, 3.hea" in err) == (status == 2), err
