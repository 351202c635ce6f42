"""A researcher's own data, as a spreadsheet exports it: what training says of the tables, and what the
model card records of them.

Found by walking the README's own-data path with 72 LUDB and Challenge records, a labels table and a
labs table written by hand: ``challenge:ROOT --labs labs.csv`` trained a model without a lab value and
said nothing; ``--label-map`` was dropped for a folder dataset, so SNOMED-CT codes in labels.csv
trained beside the same classes written as names; a column of class names not called ``labels``
was refused as "must be 0 or 1"; and the card named neither the labs table nor the calibration.
"""

from __future__ import annotations

import json
import logging
import sys

import pytest

from helpers_training import make_folder, train_argv
from training_cli.engine import datasets as D
from training_cli.main import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _challenge(root):
    root.mkdir()
    for i, dx in enumerate(["164889003", "426783006", "426783006"]):
        (root / f"x{i}.hea").write_text(f"x{i} 12 500 5000\n#Age: 60\n#Sex: Male\n#Dx: {dx}\n")
    return root


def test_a_table_the_dataset_kind_does_not_read_is_refused(tmp_path, capsys):
    data = _challenge(tmp_path / "cinc")
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,crp\nx0,5\n")
    with pytest.raises(D.DatasetError) as err:
        D.open_dataset(f"challenge:{data}", labs=labs)
    assert "--labs is not read for a challenge dataset" in str(err.value)
    assert "folder:ROOT --labels labels.csv [--labs labs.csv]" in str(err.value)
    with pytest.raises(D.DatasetError, match="--labels and --labs are not read"):
        D.open_dataset(f"challenge:{data}", labels=labs, labs=labs)
    # the command line: one line naming the option, no traceback, nothing trained
    out = tmp_path / "run"
    assert main(["train", *train_argv(f"challenge:{data}", out, tmp_path / "cache", "--labs", str(labs))]) == 1
    said = capsys.readouterr().err
    assert "--labs is not read for a challenge dataset" in said and "Traceback" not in said
    assert not (out / "model").exists()
    assert len(D.open_dataset(f"challenge:{data}").items) == 3     # without it, as before


def test_a_label_map_names_the_codes_of_a_folder_labels_table(tmp_path, caplog):
    root, labels = make_folder(tmp_path / "f", n_copies=1)
    # four records: two written as names, two as the SNOMED-CT codes of the same classes
    labels.write_text("\ufeffrecord_id;labels\r\necg000;Sinus rhythm\r\necg001;164889003\r\n"
                      "ecg002;426783006\r\necg003;Atrial fibrillation|Sinus rhythm\r\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        ds = D.open_dataset(f"folder:{root}", labels=labels)
    assert ds.classes == ["164889003", "426783006", "Atrial fibrillation", "Sinus rhythm"]
    assert "2 of 4 classes look like SNOMED-CT codes (164889003, 426783006)" in caplog.text
    assert "--label-map" in caplog.text
    lmap = tmp_path / "map.csv"
    lmap.write_text("snomed_ct,class\n426783006,Sinus rhythm\n164889003,Atrial fibrillation\n")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        ds = D.open_dataset(f"folder:{root}", labels=labels, label_map=lmap)
    assert ds.classes == ["Atrial fibrillation", "Sinus rhythm"]
    assert {it.record_id: it.labels for it in ds.items} == {
        "ecg000": ("Sinus rhythm",), "ecg001": ("Atrial fibrillation",), "ecg002": ("Sinus rhythm",),
        "ecg003": ("Atrial fibrillation", "Sinus rhythm")}
    assert "SNOMED" not in caplog.text
    # a table written in codes only is the researcher's choice: no warning
    labels.write_text("record_id,labels\necg000,164889003\necg001,426783006\n")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert D.open_dataset(f"folder:{root}", labels=labels).classes == ["164889003", "426783006"]
    assert "SNOMED" not in caplog.text


def test_a_column_of_class_names_under_another_name_is_explained(tmp_path):
    root, labels = make_folder(tmp_path / "f", n_copies=1)
    labels.write_text("record_id;Diagnosis\necg000;Sinus rhythm\n")
    with pytest.raises(D.DatasetError) as err:
        D.open_dataset(f"folder:{root}", labels=labels)
    assert str(err.value) == (f"{labels}, line 2: column Diagnosis must be 0 or 1, found 'Sinus rhythm'; a "
                              "column of class names must be named 'labels' (without one, every column but "
                              "the record id and 'split' is a class of 0/1 cells: leave other columns out)")
    labels.write_text("record_id,AF\necg000,2\n")                    # a number: no hint
    with pytest.raises(D.DatasetError) as err:
        D.open_dataset(f"folder:{root}", labels=labels)
    assert str(err.value).endswith("column AF must be 0 or 1, found '2'")


def test_a_labels_table_without_a_class_column_says_so(tmp_path):
    """A table of ids and patients alone had been refused as 'every class column is 0 or empty'."""
    root, labels = make_folder(tmp_path / "f", n_copies=1)
    labels.write_text("record_id;patient_id\necg000;P1\necg001;P2\n")
    with pytest.raises(D.DatasetError) as err:
        D.open_dataset(f"folder:{root}", labels=labels)
    assert str(err.value) == (f"{labels}: no class column (its columns: record_id (record id), patient_id "
                              "(patient)); add a column 'labels' of each record's classes (e.g. NORM|MI), or one "
                              "column of 0/1 per class")
    labels.write_text("ecg,split\necg000,train\n")
    with pytest.raises(D.DatasetError, match=r"its columns: ecg \(record id\), split \(split\)\); .*NORM;MI"):
        D.open_dataset(f"folder:{root}", labels=labels, group_by="record")


def test_a_class_with_a_comma_in_a_semicolon_table_is_told_the_bar(tmp_path):
    """In a ';'-separated table, "separate classes with ';'" would split the row."""
    root, labels = make_folder(tmp_path / "f", n_copies=1)
    labels.write_text("record_id;labels\necg000;Atrial flutter, typical\n")
    with pytest.raises(D.DatasetError) as err:
        D.open_dataset(f"folder:{root}", labels=labels)
    assert str(err.value) == (f"{labels}, line 2: class 'Atrial flutter, typical' holds a comma; separate "
                              "classes with '|' (Atrial flutter|typical), or name the class without a comma")


def test_the_card_names_the_labs_table_its_coverage_and_the_calibration(tmp_path, monkeypatch):
    root, labels = make_folder(tmp_path / "f", n_copies=4, split_column=True)   # copies 0, 3 train: 8
    labs = tmp_path / "labs_2026.csv"
    # troponin for ecg000-ecg003 (copy 0: train) and ecg004 (val): 4 of the 8 training records, ecg000's
    # censored ("<5": below the assay's limit), which the model reads as 5
    labs.write_text("\ufeffPatient ID;hs-TnT [ng/L];CRP [mg/dL]\r\n"
                    + "".join(f"ecg{k:03d};{10 + k},5;NA\r\n" if k else "ecg000;<5;NA\r\n" for k in range(5))
                    + "ecg012;-;0,4\r\n", encoding="utf-8")                  # ecg012: copy 3, train
    out, cache = tmp_path / "run", tmp_path / "cache"
    assert main(["train", *train_argv(f"folder:{root}", out, cache, "--epochs", "1", "--no-test", labels=labels),
                 "--labs", str(labs)]) == 0
    prov = json.loads((out / "model" / "config.json").read_text())["provenance"]
    assert prov["labs_file"] == "labs_2026.csv"
    assert prov["clinical_coverage"]["train_records"] == 8
    assert prov["clinical_coverage"]["present"]["troponin_t"] == 4
    assert prov["clinical_coverage"]["present"]["crp"] == 1
    assert prov["clinical_coverage"]["censored"] == {"troponin_t": 1}    # the card had not said it
    data = ["--data", f"folder:{root}", "--labels", str(labels), "--labs", str(labs), "--cache-dir", str(cache),
            "--no-progress"]
    calibrate = ["calibrate", "--model", str(out / "model"), *data, "--out", str(tmp_path / "cal")]
    monkeypatch.setattr(sys, "argv", ["mirage", *calibrate])          # what the command records
    assert main(calibrate) == 0
    assert main(["export", "--model", str(tmp_path / "cal"), "--out", str(tmp_path / "shipped")]) == 0
    card = (tmp_path / "shipped" / "MODEL_CARD.md").read_text()
    assert ("- Clinical values: the labs table labs_2026.csv (a record's own row), age and sex from the "
            "record's header where the table gives none; given for, of the 8 training records: ") in card
    assert "troponin_t 4 (1 of them censored, read as their limit), crp 1" in card
    # copies 0 and 3 train, 1 val, 2 test; each copy one record per class, copy 0's HYP record NORM too; the
    # test split not counted: --no-test never opens its records
    assert "- Records per class (train/val): CD 2/1, HYP 2/1, MI 2/1, NORM 3/1" in card
    line = next(x for x in card.splitlines() if x.startswith("- Probabilities: calibrated"))
    assert "`mirage calibrate --model model --data folder:f --labels labels.csv --labs labs_2026.csv" in line
    assert str(tmp_path) not in card                                   # no path of this machine


def _left_out_folder(tmp_path):
    """A folder dataset with one of each thing its tables and records leave out: a labels row naming no
    record (99), a row with no label (ecg013), a record with no row (ecg014), a record that cannot load
    (ecg015, its signal cut short), labelled records with no labs row (ecg005-ecg012), a labs row that fits
    no record (ecg999), a labs column of no feature (Smoker) and a censored value (ecg000's '<5')."""
    root, labels = make_folder(tmp_path / "f", n_copies=4, split_column=True)   # copies 0, 3 train
    rows = labels.read_text().splitlines()
    rows = [r.replace("ecg013,", "ecg013,,").split(",,")[0] + ",,train" if r.startswith("ecg013,") else r
            for r in rows if not r.startswith("ecg014,")] + ["99,NORM,train"]
    labels.write_text("\n".join(rows) + "\n")
    dat = root / "ecg015.dat"
    dat.write_bytes(dat.read_bytes()[:300])
    labs = tmp_path / "labs.csv"
    labs.write_text("Patient ID;hs-TnT [ng/L];Smoker\n"
                    + "".join(f"ecg{k:03d};{'<5' if k == 0 else 10 + k};no\n" for k in range(5))
                    + "ecg999;7;yes\n")
    return root, labels, labs


def test_what_the_data_left_out_is_counted_for_the_card(tmp_path):
    """The card's counts of what was left out, from the tables and records as ``mirage train`` reads them
    (the end-to-end run: ``test_the_card_says_what_the_data_left_out``)."""
    from training_cli.engine.data import DataOptions, open_data
    from training_cli.engine.left_out import left_out_lines, left_out_of

    root, labels, labs = _left_out_folder(tmp_path)
    options = DataOptions(data=f"folder:{root}", labels=str(labels), labs=str(labs), cache_dir=str(tmp_path / "c"),
                          workers=1)
    ds, _, skipped = open_data(options, progress=False, splits=("train",))
    left = left_out_of(ds, skipped)
    assert {k: (v["count"], v["first"]) for k, v in left.items()} == {
        "no_file": (1, ["99"]), "unlabelled": (1, ["ecg013"]), "no_labels_row": (1, ["ecg014"]),
        "no_labs_row": (9, ["ecg005", "ecg006", "ecg007"]), "labs_rows_unmatched": (1, ["ecg999"]),
        "labs_columns_not_read": (1, ["Smoker"]), "failed_to_load": (1, ["ecg015"])}
    [(why, n)] = left["failed_to_load"]["reasons"].items()
    assert n == 1 and why.startswith("signal file is truncated") and str(tmp_path) not in why
    lines = left_out_lines({"left_out": left, "labels_file": "labels.csv", "labs_file": "labs.csv",
                             "clinical_coverage": {"censored": {"troponin_t": 1}}})
    # the censored value was read: the "Clinical values" line counts it, not this list
    assert lines[0] == "- Left out of the data:" and len(lines) == 8
    assert "  - 1 column of labs.csv not read (of no feature the model reads) (Smoker)" in lines
    assert not any("censored" in line for line in lines)
    assert left_out_lines({"data": "ptbxl:ptbxl"}) == []          # a checkpoint that records none


def test_the_records_line_counts_the_records_that_failed_to_load_only_where_nothing_else_does():
    """"- Records:" and "Left out of the data" had both counted ecg015; the left-out entry, which gives the reason,
    is now the one, and the Records line keeps its count for a checkpoint with no such entry (an ensemble)."""
    from training_cli.engine.left_out import records_line

    metrics = {"records": {"train": 8, "val": 4}, "skipped": 1}
    left = {"left_out": {"failed_to_load": {"count": 1, "first": ["ecg015"], "reasons": {"truncated": 1}}}}
    assert records_line(metrics, left) == "- Records: train 8, val 4"
    assert records_line(metrics, {}) == "- Records: train 8, val 4; skipped (failed to load): 1"
    assert records_line({"records": {"val": 4}}, {"left_out": {}}) == "- Records: val 4; skipped (failed to load): 0"


@pytest.mark.slow
def test_the_card_says_what_the_data_left_out(tmp_path):
    """The card named the data, labels and labs tables, not what they left out: a reviewer of a paper read
    its '- Records:' counts and could not learn that a row named no file, a record had no row, one failed
    to load, or a labs column was not read. Its Training section now counts each, naming the first."""
    root, labels, labs = _left_out_folder(tmp_path)
    out, cache = tmp_path / "run", tmp_path / "cache"
    assert main(["train", *train_argv(f"folder:{root}", out, cache, "--epochs", "1", "--no-test", labels=labels),
                 "--labs", str(labs)]) == 0
    assert main(["export", "--model", str(out / "model"), "--out", str(tmp_path / "shipped")]) == 0
    card = (tmp_path / "shipped" / "MODEL_CARD.md").read_text()
    lines = card.splitlines()
    at = lines.index("- Left out of the data:")
    assert lines[at - 1].startswith("- Records: ") and lines[at - 2].startswith("- Data: ")   # the Training section
    assert "failed to load" not in lines[at - 1]                       # said once, below, with the reason
    said = lines[at + 1:at + 8]
    assert said[:3] == ["  - 1 row of labels.csv naming no record under the folder (99)",
                        "  - 1 row of labels.csv with no label (ecg013)",
                        "  - 1 record under the folder with no row in labels.csv (ecg014)"]
    assert said[3].startswith("  - 1 record that failed to load (ecg015); why: 1 record, signal file is truncated")
    # 14 labelled records (16 less ecg013, ecg014), 5 with a labs row (ecg000-ecg004)
    assert said[4:] == ["  - 9 labelled records with no row in labs.csv (every lab of theirs masked as missing) "
                        "(first: ecg005, ecg006, ecg007, ...)",
                        "  - 1 row of labs.csv fitting no record (ecg999)",
                        "  - 1 column of labs.csv not read (of no feature the model reads) (Smoker)"]
    assert lines[at + 8] == "" or not lines[at + 8].startswith("  - ")   # the censored value is no longer here
    assert "(1 of them censored, read as their limit)" in card              # but in the Clinical values line
    assert str(tmp_path) not in card                                   # no path of this machine


def test_every_bad_cell_of_a_labs_table_is_named_at_once(tmp_path):
    """A spreadsheet of 60 rows with a refused sex in 18 of them had taken 18 runs, one refused cell
    each; every bad cell is now named in the one error, the first where it was. ('w', weiblich, was
    the refused cell then; it is read now: 'v', Dutch vrouw or Spanish varón, stays refused.)"""
    from mirage_model.clinical import LabsTableError, read_labs_table

    labs = tmp_path / "labs.csv"
    labs.write_text("\ufeffPatient ID;Sex;CRP [mg/dL]\r\nludb/1;v;0,5\r\nludb/2;M;1,2\r\nludb/3;V.;pos\r\n"
                    "ludb/4;F;0,1\r\n", encoding="utf-8")
    with pytest.raises(LabsTableError) as err:
        read_labs_table(labs)
    assert (err.value.line, err.value.column) == (2, "Sex")
    assert str(err.value) == (
        f"{labs}, line 2, column 'Sex': sex: 'v' is ambiguous (Dutch vrouw, female; Spanish varón, male): "
        "write M or F; 2 more problems: "
        "line 4, column 'Sex': sex: 'V.' is ambiguous (Dutch vrouw, female; Spanish varón, male): write M or F; "
        "line 4, column 'CRP [mg/dL]': crp: 'pos' is not a number")
    labs.write_text("record_id,sex\na,M\nb,x\n")                          # one bad cell: as before
    with pytest.raises(LabsTableError) as err:
        read_labs_table(labs)
    assert str(err.value) == (f"{labs}, line 3, column 'sex': sex: 'x' is not a sex we read: write M or F "
                              "(or a word such as male, weiblich, femme, hombre)")
    labs.write_text("record_id,sex\na,M\nb,F\n")
    assert read_labs_table(labs) == {"a": {"sex": (1.0, None)}, "b": {"sex": (0.0, None)}}


def test_every_problem_of_a_labs_table_is_named_at_once_whatever_its_kind(tmp_path):
    """Only bad cells had been gathered: a mistyped column, a feature twice, a units row that
    contradicts the header, a row of too many cells, an empty id and an id twice each stopped the
    read at once, so a table took a run per kind. Every problem now comes in the one error, in the
    table's order, each with its line (and column); a 10,000-row table wrong throughout is told by
    column past the first ten named, not in 10,000 clauses."""
    from mirage_model.clinical import LabsTableError, read_labs_table

    labs = tmp_path / "labs.csv"
    labs.write_text("ECG;Sex;troponine;CRP [mg/dL];hs-CRP;potassium [mmol/L]\nunit;;;mg/L;;\nsiteA/1;w;1;0,5;3;4\n"
                    "siteA/2;v;1;pos;3;4;9\n;M;1;1;1;4\nsiteA/1;F;2;1;1;45\nsiteA/3;X;1;1;1;4\n")
    with pytest.raises(LabsTableError) as err:
        read_labs_table(labs)
    assert (err.value.line, err.value.column) == (1, "troponine")
    text = str(err.value)
    assert text.startswith(f"{labs}, line 1, column 'troponine': unknown feature column (known: age,")
    assert text.split("; did you mean troponin_t or troponin_i? Write a feature's name as listed, or leave the "
                      "column out")[1] == (
        "; 7 more problems: line 1, column 'hs-CRP': crp appears twice (also as 'CRP [mg/dL]'); "
        "line 2, column 'CRP [mg/dL]': unit 'mg/L' contradicts the header's 'mg/dL'; "
        "line 4: 7 cells but the header has 6 columns; line 5, column 'ECG': empty record id; "
        "line 6, column 'ECG': record id 'siteA/1' appears twice (also on line 3); "
        "line 6, column 'potassium [mmol/L]': potassium: 45 mmol/L is not a possible Potassium (possible range "
        "1-12 mmol/L); line 7, column 'Sex': sex: 'X' is not a sex we read: write M or F (or a word such as male, "
        "weiblich, femme, hombre)")
    # a table of 10,000 rows, every CRP written 'pos' and every 1000th sex 'X': bounded, counted by column
    rows = "".join(f"r{i};{'X' if i % 1000 == 0 else 'M'};pos\n" for i in range(10_000))
    labs.write_text("ECG;Sex;CRP [mg/L]\n" + rows)
    with pytest.raises(LabsTableError) as err:
        read_labs_table(labs)
    text = str(err.value)
    assert text.startswith(f"{labs}, line 2, column 'Sex': sex: 'X' is not a sex we read")
    assert "; 10,009 more problems: line 2, column 'CRP [mg/L]': crp: 'pos' is not a number; line 3, column" in text
    assert text.endswith(" ... and 9,999 not named here ('CRP [mg/L]' 9,990, 'Sex' 9)")
    assert text.count("line ") == 11 and len(text) < 2000


def test_a_spreadsheet_s_own_columns_in_a_labs_table_are_named_as_not_used(tmp_path):
    """A column no model reads ('Smoker', the date of the draw) had refused the whole table, even
    under --clinical, until deleted by hand: it is now named in a warning, and the rest read. What
    is truly ambiguous stays refused: two columns of one feature."""
    from mirage_model.clinical import LabsTableError, read_labs_table

    labs = tmp_path / "labs.csv"
    labs.write_text("Patient ID;Date of draw;CRP [mg/dL];Smoker\nludb/1;44927;0,5;yes\n")
    warnings = []
    assert read_labs_table(labs, warnings=warnings) == {"ludb/1": {"crp": (0.5, "mg/dL")}}
    assert warnings == [f"{labs}: not used: 'Date of draw', 'Smoker' (columns of no feature the model reads, nor a "
                        "patient column; known: age, sex, height, weight, troponin_t, troponin_i, d_dimer, ck_mb, "
                        "nt_probnp, wbc, crp, creatinine, potassium); the other columns are read"]
    labs.write_text("Patient ID;Smoker;CRP [mg/dL];hs-CRP [mg/L]\nludb/1;yes;0,5;5\n")
    with pytest.raises(LabsTableError, match="line 1, column 'hs-CRP \\[mg/L\\]': crp appears twice"):
        read_labs_table(labs)


def test_a_column_of_when_a_lab_was_drawn_is_named_as_not_used(tmp_path):
    """A lab's date or time beside its value ('CRP date', 'Troponin date', 'Datum Kreatinin') had refused the
    table: as crp followed by words of no unit ("write its unit in brackets"), or as a troponin mistyped ("did
    you mean troponin_t?", a column of dates). They are columns of their own, named as not used; a feature's name
    with other words ('Age at time of ECG') is still refused, asking for its unit."""
    from mirage_model.clinical import LabsTableError, read_labs_table

    labs = tmp_path / "labs.csv"
    labs.write_text("ECG;CRP date;CRP [mg/L];Troponin date;Datum Kreatinin;Kreatinin [mg/dL]\n"
                    "ludb/1;2021-02-14;4,0;14.02.2021 08:15;2021-02-14;0,9\n")
    warnings = []
    assert read_labs_table(labs, warnings=warnings) == {"ludb/1": {"crp": (4.0, "mg/L"),
                                                                   "creatinine": (0.9, "mg/dL")}}
    assert warnings == [f"{labs}: not used: 'CRP date', 'Troponin date', 'Datum Kreatinin' (columns of no feature "
                        "the model reads, nor a patient column; known: age, sex, height, weight, troponin_t, "
                        "troponin_i, d_dimer, ck_mb, nt_probnp, wbc, crp, creatinine, potassium); the other columns "
                        "are read"]
    labs.write_text("ECG;Age at time of ECG;CRP [mg/L]\nludb/1;51;4,0\n")
    with pytest.raises(LabsTableError, match="'Age' is age \\(Age\\), but 'at time of ECG' after it is no unit"):
        read_labs_table(labs)


def test_ids_written_on_windows_and_splits_spelled_out(tmp_path, caplog):
    """A table written on Windows names siteA/ecg000 as 'siteA\\ecg000': every row had fitted no
    record, and the run ended on "no labelled records for task 'multilabel'", which named no id;
    'training' and 'Testing' in the split column were refused."""
    root, _ = make_folder(tmp_path / "f" / "siteA", n_copies=1)
    data = root.parent
    labels = tmp_path / "labels.csv"
    labels.write_text("record_id;labels;split\r\nsiteA\\ecg000;MI;training\r\nsiteA\\ecg001.hea;NORM;Validation\r\n"
                      "siteA\\ecg002;NORM;Testing\r\nsiteA\\ecg003;MI;train\r\n")
    labs = tmp_path / "labs.csv"
    labs.write_text("Patient ID;CRP [mg/dL]\r\nsiteA\\ecg000;0,5\r\nsiteA\\ecg002;1,5\r\n")
    ds = D.open_dataset(f"folder:{data}", labels=labels, labs=labs)
    got = {it.record_id: (it.split, it.clinical.get("crp")) for it in ds.items}
    assert got == {"siteA/ecg000": ("train", (0.5, "mg/dL")), "siteA/ecg001": ("val", None),
                   "siteA/ecg002": ("test", (1.5, "mg/dL")), "siteA/ecg003": ("train", None)}
    split = tmp_path / "split.csv"
    split.write_text("record_id,split\nsiteA\\ecg000,train\nsiteA\\ecg001,val\n"
                     "siteA\\ecg002,test\nsiteA\\ecg003,train\n")
    assert D.read_split_file(split)["siteA/ecg001"] == "val"
    # no row names a record: the error names the ids and the form to write
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("record_id,labels\n1.0,MI\n2.0,NORM\n")
    with pytest.raises(D.DatasetError) as err:
        D.open_dataset(f"folder:{data}", labels=wrong)
    assert str(err.value) == (f"{wrong}: none of its 2 rows names a record under {data} (ids such as '1.0', "
                              "'2.0'); name each record by its path in the folder without the extension, e.g. "
                              "'siteA/ecg000'")


def test_a_model_trained_with_a_label_map_is_not_scored_without_it(tmp_path):
    """Evaluated without the map it was trained with, a model read the records labelled by code as
    negatives (test macro AUROC 0.506 -> 0.322 on the same 7 records), with warnings only."""
    from training_cli.engine.data import DataOptions, check_label_map
    from training_cli.engine.errors import ConfigError

    root, labels = make_folder(tmp_path / "ecgs", n_copies=1)
    labels.write_text("record_id,labels\necg000,Sinus rhythm\necg001,426783006\n")
    prov = {"data": "folder:ecgs", "label_map_file": "codes.csv"}
    without = DataOptions(data=f"folder:{root}", labels=str(labels))
    ds = D.open_dataset(without.data, labels=labels)
    with pytest.raises(ConfigError) as err:
        check_label_map(prov, without, ds, "runs/r2/model")
    assert str(err.value) == ("error: runs/r2/model was trained on folder:ecgs with --label-map codes.csv (its "
                              "classes are named through it); give --label-map codes.csv here too, or the "
                              "records labelled by code count as negatives of every class")
    check_label_map(prov, DataOptions(data=without.data, labels=str(labels), label_map="codes.csv"), ds)
    check_label_map({"data": "folder:ecgs"}, without, ds)                # trained without one
    check_label_map({**prov, "data": "folder:elsewhere"}, without, ds)  # other data: its own labels


def test_clinical_features_are_checked_before_any_work(tmp_path, caplog):
    """--clinical troponin (for troponin_t) had been refused only after the input cache was built;
    --clinical d_dimer on data without one trained, in silence, a model reading a value it never met."""
    from training_cli.engine.errors import ConfigError
    from training_cli.engine.recipes import TrainConfig, resolve

    with pytest.raises(ConfigError) as err:
        resolve(TrainConfig(data="folder:x", out=str(tmp_path / "o"), clinical="troponin,crp"))
    assert str(err.value).startswith("mirage train: --clinical troponin,crp: unknown feature 'troponin' (known: age,")
    with pytest.raises(ConfigError, match="a feature named twice"):
        resolve(TrainConfig(data="folder:x", out=str(tmp_path / "o"), clinical="crp,crp"))
    root, labels = make_folder(tmp_path / "f", n_copies=3)
    labs = tmp_path / "labs.csv"
    # a column of its own (Smoker) had refused the table even under --clinical: named as not used, as is
    # a feature the table gives that --clinical leaves out
    labs.write_text("record_id,crp [mg/L],Smoker,troponin_t\necg000,5,yes,12\necg001,7,no,\n")
    out = tmp_path / "run"
    with caplog.at_level(logging.INFO):
        assert main(["train", *train_argv(f"folder:{root}", out, tmp_path / "cache", "--epochs", "1", "--no-test",
                                          "--clinical", "crp,d_dimer", labels=labels), "--labs", str(labs)]) == 0
    assert "--clinical d_dimer: no record of the training split gives d_dimer" in caplog.text
    assert "--clinical crp:" not in caplog.text
    assert f"{labs}: not used: 'Smoker' (a column of no feature the model reads" in caplog.text
    assert "troponin_t (given by the data, not named by --clinical crp,d_dimer)" in caplog.text


def test_scoring_a_labs_model_without_labs_says_so():
    """A model trained with --labs, scored by `mirage score` without a table, had its labs masked for
    every record in silence."""
    from types import SimpleNamespace

    from mirage_model.review.labs_table import labs_not_given_note as no_labs_note

    def model(names, provenance=None, uses=True):
        return SimpleNamespace(name="own", schema=SimpleNamespace(names=names), _uses_labs=uses,
                               loaded=SimpleNamespace(provenance=provenance or {}))

    assert no_labs_note(model(["age", "sex", "troponin_t", "crp"], {"labs_file": "labs.csv"})) == (
        "note: own reads troponin_t, crp; without --labs they are masked as missing, and age, sex where a record's "
        "header does not give them (it was trained with labs.csv: give --labs with these records' rows)")
    assert no_labs_note(model(["crp"])).endswith("masked as missing")
    assert no_labs_note(model(["age", "sex", "height", "weight"])) == ""      # the header's values only
    assert no_labs_note(model(["age", "crp"], uses=False)) == ""              # a --no-labs ablation
    # mirage report: the values given by --lab are not named
    assert no_labs_note(model(["troponin_t", "crp"]), {"crp": 5}, "--labs or --lab") == (
        "note: own reads troponin_t; without --labs or --lab they are masked as missing")
    assert no_labs_note(model(["crp"]), {"crp": 5}, "--labs or --lab") == ""


def test_excel_s_separator_line_and_a_stray_cell(tmp_path):
    """A table saved for Excel begins "sep=;": the labels table had then ended the run on an
    AttributeError, and the labs table refused a column named ''. A row with a cell past the header
    had gone under no column (the same AttributeError when it was the first row)."""
    from mirage_model.clinical import read_labs_table

    root, labels = make_folder(tmp_path / "f", n_copies=1)
    labels.write_text("sep=;\r\nrecord_id;labels\r\necg000;MI|NORM\r\necg001;NORM\r\n")
    labs = tmp_path / "labs.csv"
    labs.write_text("sep=;\r\nPatient ID;CRP [mg/dL]\r\necg000;0,5\r\necg001;x\r\n")
    with pytest.raises(D.DatasetError) as err:                     # the line named is the file's
        D.open_dataset(f"folder:{root}", labels=labels, labs=labs)
    assert str(err.value) == f"{labs}, line 4, column 'CRP [mg/dL]': crp: 'x' is not a number"
    labs.write_text("sep=;\r\nPatient ID;CRP [mg/dL]\r\nunit;\r\necg000;0,5\r\n")
    assert read_labs_table(labs) == {"ecg000": {"crp": (0.5, "mg/dL")}}
    ds = D.open_dataset(f"folder:{root}", labels=labels, labs=labs)
    assert {it.record_id: it.labels for it in ds.items} == {"ecg000": ("MI", "NORM"), "ecg001": ("NORM",)}
    assert ds.items[0].clinical["crp"] == (0.5, "mg/dL")
    labels.write_text("sep=;\r\nrecord_id;labels\r\necg000;MI\r\necg000;NORM\r\n")
    with pytest.raises(D.DatasetError, match=r"line 4: record 'ecg000' appears twice \(also on line 3\)"):
        D.open_dataset(f"folder:{root}", labels=labels)
    stray = tmp_path / "stray.csv"
    stray.write_text("record_id;labels;split\necg000;MI;train\necg001;NORM;;val\necg002;NORM;test\n")
    with pytest.raises(D.DatasetError) as err:
        D.open_dataset(f"folder:{root}", labels=stray)
    assert str(err.value) == f"{stray}, line 3: 4 cells but the header has 3 columns ('record_id', 'labels', 'split')"
    # a comma-separated table whose cells hold ';' between classes is read by its header's separator
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("record_id,labels\necg000,MI;NORM\necg001,NORM;HYP\necg002,CD;MI\n")
    assert D.open_dataset(f"folder:{root}", labels=mixed).classes == ["CD", "HYP", "MI", "NORM"]


def test_a_class_typed_with_other_blanks_is_refused(tmp_path):
    """'Sinus rhythm' and 'Sinus  rhythm' (free text typed in a spreadsheet) had trained as two classes."""
    root, labels = make_folder(tmp_path / "f", n_copies=1)
    labels.write_text("record_id;labels\necg000;Sinus rhythm\necg001;AF\necg002;Sinus  rhythm\n")
    with pytest.raises(D.DatasetError) as err:
        D.open_dataset(f"folder:{root}", labels=labels)
    assert str(err.value) == (f"{labels}, line 4: class 'Sinus  rhythm' differs from 'Sinus rhythm' (line 2) "
                              "only in case or blanks; write each class one way")


def test_records_per_class_of_either_task_type():
    import numpy as np

    from training_cli.engine.metrics import as_multilabel     # how the run counts them for the card

    assert as_multilabel(np.array([0, 2, 2]), 3).sum(0).tolist() == [1, 0, 2]
    assert as_multilabel(np.array([[1, 0], [1, 1]], np.float32), 2).sum(0).tolist() == [2, 1]
    assert as_multilabel(np.zeros((0, 2), np.float32), 2).sum(0).tolist() == [0, 0]
    assert as_multilabel(np.zeros(0, np.int64), 2).sum(0).tolist() == [0, 0]


def test_a_labels_table_s_first_column_is_its_record_id_whatever_its_name(tmp_path):
    """'ECG-Nr;labels' had been refused ("no record id column"), while the labs table beside it took its
    first column 'Patient ID' as the id."""
    root, labels = make_folder(tmp_path / "f", n_copies=1)
    labels.write_text("\ufeffECG-Nr;labels;split\r\necg000;MI;train\r\necg001;NORM;val\r\necg002;NORM;test\r\n",
                      encoding="utf-8")
    ds = D.open_dataset(f"folder:{root}", labels=labels)
    assert {it.record_id: (it.labels, it.split) for it in ds.items} == {
        "ecg000": (("MI",), "train"), "ecg001": (("NORM",), "val"), "ecg002": (("NORM",), "test")}
    split = tmp_path / "split.csv"
    split.write_text("ECG-Nr,split\necg000,train\n")
    assert D.read_split_file(split) == {"ecg000": "train"}
    labels.write_text("labels;record_id_x\nMI;ecg000\n")                # no id column to take
    with pytest.raises(D.DatasetError, match="no record id column .name the first column record_id."):
        D.open_dataset(f"folder:{root}", labels=labels)


def test_records_that_failed_are_named_where_no_skipped_csv_is_written(tmp_path, caplog):
    """`mirage calibrate`, `evaluate` and `ensemble` said "2 of 7 records failed to load and are skipped (see
    skipped.csv)", but only `mirage train` writes a skipped.csv; and their cache, built by the training
    run, named no record as it was loaded: the user had no way to learn which. The warning names them
    (a truncated signal file here), and names skipped.csv only where the caller writes one."""
    from training_cli.engine.data import DataOptions, open_data

    root, labels = make_folder(tmp_path / "f", n_copies=1, split_column=True)   # 4 records, all train
    dat = root / "ecg001.dat"
    dat.write_bytes(dat.read_bytes()[:300])                                   # cut short: cannot load
    options = DataOptions(data=f"folder:{root}", labels=str(labels), cache_dir=str(tmp_path / "cache"), workers=1)
    for skipped_file in (None, "run/skipped.csv"):          # built, then loaded from the cache as it stands
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            _, _, skipped = open_data(options, progress=False, splits=("train",), skipped_file=skipped_file)
        assert list(skipped) == ["ecg001"]
        line = next(r.getMessage() for r in caplog.records if "failed to load" in r.getMessage())
        listed = " (all listed in run/skipped.csv)" if skipped_file else ""
        said = f"1 of 4 records failed to load and is skipped{listed}: {root / 'ecg001.hea'}: "
        assert line.startswith(said), line
        assert "truncated" in line


def test_rows_left_out_of_a_labels_table_are_named_by_their_line(tmp_path, caplog):
    """A labels table saved by Excel (BOM, CRLF) with a record that is not in the folder and a record
    left without a label: the warnings said "1 labelled records have no file under f (first: 99)" and
    "1 rows have an empty 'labels' cell and are left out (first: ecg001)", ids alone, which in a table
    of thousands of rows had to be searched for. Each row is now named by its line too."""
    root, _ = make_folder(tmp_path / "f", n_copies=1)
    labels = tmp_path / "labels.csv"
    labels.write_bytes("\ufeffrecord,labels\r\necg000,AF\r\necg001,\r\necg002,normal\r\n99,AF\r\n"
                       "ecg003,AF;normal\r\n".encode())
    with caplog.at_level(logging.WARNING):
        ds = D.open_dataset(f"folder:{root}", labels=labels)
    assert sorted(it.record_id for it in ds.items) == ["ecg000", "ecg002", "ecg003"]
    assert f"labels.csv: 1 labelled record has no file under {root} and is not used (line 5: 99)" in caplog.text
    assert "labels.csv: 1 row has an empty 'labels' cell and is left out (line 3: ecg001)" in caplog.text


def test_one_record_left_out_is_told_in_the_singular(tmp_path, caplog):
    """'1 of 63 records under f have no row in it and are not used (first: 17)': the warnings of one record or
    row left out spoke of several. Each now reads in the singular, naming it."""
    root, labels = make_folder(tmp_path / "f", n_copies=1)                   # ecg000-ecg003
    labels.write_text("record_id,labels\necg000,NORM\necg001,MI\necg002,CD\n")   # ecg003: no row
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,crp [mg/L]\necg000,3\necg001,4\nx9,5\n")     # ecg002: no row; x9: no record
    with caplog.at_level(logging.WARNING):
        D.open_dataset(f"folder:{root}", labels=labels, labs=labs)
    assert f"labels.csv: 1 of 4 records under {root} has no row in it and is not used (ecg003)" in caplog.text
    assert "labs.csv: 1 of 3 rows fits no record and is not used (x9)" in caplog.text
    assert "labs.csv: 1 of 3 labelled records has no row: its labs are masked as missing (ecg002)" \
        in caplog.text
    # the one training record: ecg002, no labs row
    assert "crp has no value in the training split (1 record)" in caplog.text


def test_classes_split_by_the_separator_of_a_semicolon_table_are_told_the_bar(tmp_path):
    """A ';'-separated labels table (Excel's in much of Europe) whose multi-label cell is written as the
    README writes one in a comma-separated table, "AF;LBBB", unquoted: the row has a cell too many, and
    the error said only "4 cells but the header has 3 columns". It now says how to write the cell, and
    the row written so is read with both classes (and its split)."""
    root, _ = make_folder(tmp_path / "f", n_copies=1)
    labels = tmp_path / "labels.csv"
    labels.write_bytes("\ufeffrecord;labels;split\r\necg000;AF;LBBB;train\r\necg001;normal;val\r\n".encode())
    with pytest.raises(D.DatasetError) as err:
        D.open_dataset(f"folder:{root}", labels=labels)
    assert str(err.value) == (f"{labels}, line 2: 4 cells but the header has 3 columns ('record', 'labels', "
                              "'split'); in a ';'-separated table separate a record's classes with '|' (AF|LBBB), "
                              "or put the cell in quotes (\"AF;LBBB\")")
    for cell in ("AF|LBBB", '"AF;LBBB"'):                                     # as the message says
        labels.write_bytes(f"record;labels;split\r\necg000;{cell};train\r\necg001;normal;val\r\n".encode())
        ds = D.open_dataset(f"folder:{root}", labels=labels)
        assert {it.record_id: (it.labels, it.split) for it in ds.items} == {
            "ecg000": (("AF", "LBBB"), "train"), "ecg001": (("normal",), "val")}


def test_a_run_that_more_than_a_tenth_of_its_records_failed_to_load_stops_before_training(tmp_path, capsys):
    """A tester's `mirage train` carried on with 77 of 197 records failed to load, said in a warning line and a
    count in the summary only. Past 10 % the run now stops before training, naming the first three and why;
    --allow-skipped trains on the rest."""
    from training_cli.engine.errors import DataError
    from training_cli.engine.left_out import refuse_many_skipped

    root, labels = make_folder(tmp_path / "f", n_copies=4, split_column=True)     # 16 records, ecg000-ecg015
    for k in (12, 13, 14, 15):                                                      # 4 of 16 cut short: 25 %
        dat = root / f"ecg{k:03d}.dat"
        dat.write_bytes(dat.read_bytes()[:300])
    out = tmp_path / "run"
    assert main(["train", *train_argv(f"folder:{root}", out, tmp_path / "cache", "--epochs", "1", "--no-test",
                                      labels=labels)]) == 1
    said = capsys.readouterr().err
    # --no-test: the 12 records of the training and validation splits are read (the 4 of the test split not)
    assert "error: 4 of 12 records failed to load (33.3%, more than 10%) (all listed in " in said, said
    assert said.count(".hea: signal file is truncated") == 3 and "; ...; fix them, or train on the rest with " \
                                                                 "--allow-skipped" in said, said
    assert not (out / "model").exists()                                              # nothing trained
    # at 10 % or with --allow-skipped it goes on
    from types import SimpleNamespace

    def ds(n):
        return SimpleNamespace(items=[SimpleNamespace(record_id=f"r{k}", path=f"f/r{k}.hea") for k in range(n)])

    assert refuse_many_skipped(ds(10), {"r0": "x"}, allow=False) is None
    assert refuse_many_skipped(ds(16), {"r0": "x", "r1": "y"}, allow=True) is None
    with pytest.raises(DataError, match=r"^error: 2 of 19 records failed to load \(10.5%, more than 10%\): "
                                        r"f/r0.hea: x; f/r1.hea: y; fix them"):
        refuse_many_skipped(ds(19), {"r0": "x", "r1": "y"}, allow=False)
