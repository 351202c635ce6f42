"""``mirage interpretation``: the records of one label through mirage score's path, and the counts of
how the interpretation reads on them (first statement, stated at all, contradicting statements)."""

from __future__ import annotations

import csv
import json
import shutil

import pytest

import mirage_model as mm
from helpers_models import make_tiny_checkpoint
from training_cli.commands.interpretation import _Counts
from training_cli.main import main

LABELS = ("SR", "AFIB", "NORM", "PVC")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """The bundled samples as a folder dataset: two records labelled AFIB in the test split, one not."""
    root = tmp_path_factory.mktemp("ds")
    picked = [p for p in mm.sample_records() if p.stem in ("00417_lr", "14", "1")][:3]
    if len(picked) < 3:
        picked = mm.sample_records()[:3]
    rows = []
    for k, hea in enumerate(picked):
        for f in hea.parent.glob(hea.stem + ".*"):
            shutil.copy(f, root / f.name)
        rows.append((hea.stem, "AFIB" if k < 2 else "SR", "test"))
    with open(root / "labels.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["record_id", "labels", "split"])
        w.writerows(rows)
    return root


@pytest.mark.parametrize("afib_threshold", [0.0, 1.01])
def test_counts_follow_the_interpretation(dataset, tmp_path, afib_threshold):
    # AFIB above threshold on every record, or never; NORM always above its threshold (it must not
    # be said beside atrial fibrillation); PVC always (after the rhythm, whatever its probability)
    model = make_tiny_checkpoint(tmp_path / "m", labels=LABELS, thresholds=(1.01, afib_threshold, 0.0, 0.0),
                                 name="tiny-statements")
    out = tmp_path / "out"
    code = main(["interpretation", "--model", str(model), "--statements-model", "none", "--data",
                 f"folder:{dataset}", "--labels", str(dataset / "labels.csv"), "--task", "multilabel",
                 "--label", "AFIB", "--out", str(out)])
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    rows = list(csv.DictReader(open(out / "rows.csv", newline="", encoding="utf-8-sig")))
    assert summary["records"] == 2 == len(rows)                 # the two AFIB records only
    assert all(r["has_label"] == "True" for r in rows)
    # above threshold: AF first on both; never above: AF first where it is the more probable rhythm and no
    # P wave was found before the QRS (a measured PR refutes a guessed AF)
    first = 2 if afib_threshold == 0.0 else sum(float(r["prob_AFIB"]) > float(r["prob_SR"]) and not r["pr_ms"]
                                                 for r in rows)
    assert summary["first_statement"] == first
    withheld = sum(r["interpretation"].startswith("WITHHELD") for r in rows)
    assert summary["withheld"] == withheld
    starts = sum(r["interpretation"].startswith("Atrial fibrillation") for r in rows)
    assert summary["first_statement"] == starts
    assert summary["contradicting"] == {"NORM (Normal ECG)": 0}       # never beside AF or the premature complexes
    assert summary["contradicting_marked"] == {"NORM (Normal ECG)": 0}
    if afib_threshold == 0.0:
        assert all("Ventricular premature complexes" in r["interpretation"].split("; ")[1] for r in rows)
    else:
        # sinus rhythm is never above its threshold and AFIB never either: the most probable one is said
        assert all("most probable rhythm" in r["interpretation"].split("; ")[0] for r in rows)


def test_counts_tell_a_marked_contradiction_apart():
    """A "Normal ECG (?)" (a measurement disagrees) still counts as said, and as marked; a withheld
    interpretation starting with the statement is not a first statement."""
    c = _Counts(["NORM"])
    words = {"NORM": "Normal ECG"}
    for text in ("Sinus rhythm, 51 bpm (?); Normal ECG (?)", "Sinus rhythm, 87 bpm; Normal ECG",
                 "Atrial fibrillation, 90 bpm, irregular; Left axis deviation (-40 deg)",
                 "WITHHELD (poor signal quality in 10 leads): Atrial fibrillation, 119 bpm, irregular"):
        c.add({"status": "ok", "interpretation": text}, "Atrial fibrillation", words)
    c.add({"status": "error", "interpretation": None}, "Atrial fibrillation", words)
    assert (c.n, c.ok, c.first, c.stated, c.withheld) == (5, 4, 1, 2, 1)
    assert c.contradicted == {"NORM": 2} and c.marked == {"NORM": 1}


def test_unknown_label_is_a_usage_error(dataset, tmp_path, capsys):
    code = main(["interpretation", "--data", f"folder:{dataset}", "--labels", str(dataset / "labels.csv"),
                 "--label", "XYZ", "--out", str(tmp_path / "o")])
    assert code == 2 and "not a PTB-XL statement code" in capsys.readouterr().err


def test_negatives_are_the_records_without_the_label(dataset, tmp_path):
    model = make_tiny_checkpoint(tmp_path / "m", labels=LABELS, thresholds=(1.01, 0.0, 0.0, 0.0),
                                 name="tiny-statements")
    out = tmp_path / "out"
    code = main(["interpretation", "--model", str(model), "--statements-model", "none", "--data",
                 f"folder:{dataset}", "--labels", str(dataset / "labels.csv"), "--task", "multilabel",
                 "--label", "AFIB", "--negatives", "--out", str(out)])
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    rows = list(csv.DictReader(open(out / "rows.csv", newline="", encoding="utf-8-sig")))
    labelled = {r["record_id"]: r["has_label"] for r in rows}
    truth = {row["record_id"]: "AFIB" in row["labels"] for row in csv.DictReader(open(dataset / "labels.csv"))}
    assert {k: v == "True" for k, v in labelled.items()} == truth
    # AF above threshold everywhere: the one record without the label is a false alarm
    assert summary["negatives"] == {"records": 1, "scored": 1, "first_statement": 1 - sum(
        r["interpretation"].startswith("WITHHELD") for r in rows if r["has_label"] == "False"),
        "first_statement_share": summary["negatives"]["first_statement_share"], "stated": 1}


def test_a_superclass_label_is_refused_with_what_is_accepted(tmp_path, capsys):
    """--task superdiagnostic --label MI: MI is a PTB-XL superclass (a class of statements), not a
    statement the interpretation can say; the message and the help say what --label takes."""
    code = main(["interpretation", "--data", "ptbxl:/nonexistent", "--task", "superdiagnostic", "--label", "MI",
                 "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "'MI' is a PTB-XL superclass" in err and "IMI" in err
    from training_cli.commands.interpretation import interpretation_command_parser

    helps = {a.dest: a.help for a in interpretation_command_parser()._actions}
    assert "superdiagnostic" in helps["task"] and "not statements" in helps["task"]
    assert "statement code" in helps["label"]


def test_a_label_outside_the_task_is_named(dataset, tmp_path, capsys):
    """NORM is a statement code but no label of this dataset's task: say so, not "no record carries it"."""
    code = main(["interpretation", "--data", f"folder:{dataset}", "--labels", str(dataset / "labels.csv"),
                 "--task", "multilabel", "--label", "NORM", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    with open(dataset / "labels.csv", newline="") as fh:
        labels = sorted({lab for row in csv.DictReader(fh) for lab in row["labels"].split(",")})
    assert code == 2 and "--label NORM is not a label of" in err and all(lab in err for lab in labels)


@pytest.mark.parametrize("limit", ["-1", "-5"])
def test_a_negative_limit_is_refused(dataset, tmp_path, capsys, limit):
    """--limit -1 had been taken as a slice (rows[:-1]) and scored records instead of being refused."""
    code = main(["interpretation", "--data", f"folder:{dataset}", "--labels", str(dataset / "labels.csv"),
                 "--task", "multilabel", "--label", "AFIB", "--limit", limit, "--out", str(tmp_path / "o")])
    assert code == 2 and f"--limit {limit}" in capsys.readouterr().err
    assert not (tmp_path / "o" / "summary.json").exists()


def test_an_interrupted_write_leaves_the_previous_outputs_whole(dataset, tmp_path, monkeypatch):
    """rows.csv and summary.json were written in place: a run stopped while writing rows.csv left a
    half-written file over the previous run's. They are now written atomically (a temp file
    replaced in one step), so the previous complete files stay and no temp file is left."""
    from pathlib import Path

    from training_cli.commands import interpretation

    class Interrupted:                  # a cell whose writing is cut short, as by Ctrl-C
        def __str__(self):
            raise KeyboardInterrupt

    def rows(paths, predictor, root, statements_predictor):
        for k, p in enumerate(paths):
            yield {"record_path": Path(p).relative_to(root).as_posix(), "status": "ok",
                   "interpretation": "Atrial fibrillation, 90 bpm, irregular",
                   "notes": Interrupted() if k == len(paths) - 1 else ""}

    monkeypatch.setattr(interpretation, "iter_rows", rows)
    monkeypatch.setattr(interpretation, "load_predictor", lambda model, device: object())
    monkeypatch.setattr(interpretation, "load_statements_predictor", lambda p, model, device: None)
    out = tmp_path / "out"
    out.mkdir()
    old = {"rows.csv": b"record_path,status\r\nold_1,ok\r\nold_2,ok\r\n", "summary.json": b'{"records": 2}\n'}
    for name, data in old.items():
        (out / name).write_bytes(data)
    code = main(["interpretation", "--data", f"folder:{dataset}", "--labels", str(dataset / "labels.csv"),
                 "--task", "multilabel", "--label", "AFIB", "--out", str(out), "--overwrite"])
    assert code == 130
    assert {p.name: p.read_bytes() for p in out.iterdir()} == old


@pytest.mark.parametrize("flag", [[], ["--no-progress"]])
def test_a_progress_bar_on_stderr_unless_asked_not_to(dataset, tmp_path, capsys, flag):
    """A PTB-XL fold takes minutes, and the command printed nothing until its summary; it now counts
    the records on stderr, as mirage score does, and --no-progress (for logs) leaves that out."""
    model = make_tiny_checkpoint(tmp_path / "m", labels=LABELS, thresholds=(1.01, 0.0, 0.0, 0.0), name="tiny")
    code = main(["interpretation", "--model", str(model), "--statements-model", "none", "--data",
                 f"folder:{dataset}", "--labels", str(dataset / "labels.csv"), "--task", "multilabel",
                 "--label", "AFIB", "--out", str(tmp_path / "out")] + flag)
    assert code == 0
    err = capsys.readouterr().err
    assert ("interpreting" in err and "2/2" in err) == (not flag)


def _labs_table(dataset):
    """A labs table of the dataset's three records (hand-written values: the truth the rows are read against), in
    the dataset's folder: a table's rows are matched among the records under its folder (``clinical.labs_tree``), and
    the folder above holds the other tests' copies of the same records."""
    stems = sorted(p.stem for p in dataset.glob("*.hea"))
    path = dataset / "labs_table.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["ECG", "hs-TnT [ng/L]", "CRP [mg/dL]"])
        for k, stem in enumerate(stems):
            w.writerow([stem, 12.5 + k, 0.5 * (k + 1)])
    return path, {stem: f"crp={5.0 * (k + 1):g} mg/L; troponin_t={12.5 + k:g} ng/L" for k, stem in enumerate(stems)}


def test_a_labs_model_reads_the_labs_table_as_mirage_score_does(dataset, tmp_path, capsys):
    """A model trained with a labs table had no --labs here: its labs were masked for every record, in
    silence. --labs now gives each record its row (CRP 0.5 mg/dL read as 5 mg/L), and the rows are mirage
    score --labs's rows of the same records; without it the run says what is masked, as mirage score does."""
    model = make_tiny_checkpoint(tmp_path / "m", labels=LABELS, clinical=("age", "sex", "troponin_t", "crp"),
                                 thresholds=(1.01, 0.0, 0.0, 0.0), name="tiny-labs")
    labs, truth = _labs_table(dataset)
    common = ["--model", str(model), "--statements-model", "none", "--data", f"folder:{dataset}", "--labels",
              str(dataset / "labels.csv"), "--task", "multilabel", "--label", "AFIB", "--no-progress"]
    assert main(["interpretation", *common, "--labs", str(labs), "--out", str(tmp_path / "with")]) == 0
    assert "masked" not in capsys.readouterr().err
    rows = list(csv.DictReader(open(tmp_path / "with" / "rows.csv", newline="", encoding="utf-8-sig")))
    assert len(rows) == 2 and {r["record_id"]: r["labs_used"] for r in rows} == {
        r["record_id"]: truth[r["record_id"]] for r in rows}
    assert json.loads((tmp_path / "with" / "summary.json").read_text())["labs"] == str(labs)
    assert main(["score", str(dataset), "--model", str(model), "--statements-model", "none", "--labs", str(labs),
                 "--no-progress", "--out", str(tmp_path / "score.csv")]) == 0
    scored = {r["record_id"]: r for r in csv.DictReader(open(tmp_path / "score.csv", newline="",
                                                              encoding="utf-8-sig"))}
    for r in rows:
        assert [r[f"prob_{c}"] for c in LABELS] == [scored[r["record_id"]][f"prob_{c}"] for c in LABELS]
        assert r["interpretation"] == scored[r["record_id"]]["interpretation"]
    capsys.readouterr()
    assert main(["interpretation", *common, "--out", str(tmp_path / "without")]) == 0
    assert "note: tiny-labs reads troponin_t, crp; without --labs they are masked as missing" in \
        capsys.readouterr().err
    rows = list(csv.DictReader(open(tmp_path / "without" / "rows.csv", newline="", encoding="utf-8-sig")))
    assert [r["labs_used"] for r in rows] == ["", ""]


@pytest.mark.parametrize("labs", ["missing.csv", "."])
def test_a_labs_path_that_is_no_table_is_refused(dataset, tmp_path, capsys, labs):
    code = main(["interpretation", "--data", f"folder:{dataset}", "--labels", str(dataset / "labels.csv"),
                 "--labs", str(tmp_path / labs), "--label", "AFIB", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and ("labs table not found" if labs == "missing.csv" else "a folder, not a labs table") in err


def test_own_label_names_are_read_for_the_statements_given(dataset, tmp_path, capsys):
    """Own data labels its records in its own words (MI, Vorhofflimmern): --label takes such a label, and
    --statement the statement codes the interpretation is read for; without --statement it says so (MI had
    been refused on folder data as a PTB-XL superclass, telling to use --task all, which folder data has not)."""
    labels = tmp_path / "own_labels.csv"
    with open(dataset / "labels.csv", newline="") as fh, open(labels, "w", newline="") as out:
        w = csv.writer(out)
        for row in csv.reader(fh):
            w.writerow([row[0], {"AFIB": "Vorhofflimmern", "SR": "MI"}.get(row[1], row[1]), row[2]])
    model = make_tiny_checkpoint(tmp_path / "m", labels=LABELS, thresholds=(1.01, 0.0, 0.0, 0.0), name="tiny")
    common = ["interpretation", "--model", str(model), "--statements-model", "none", "--data", f"folder:{dataset}",
              "--labels", str(labels), "--task", "multilabel", "--no-progress"]
    for label in ("MI", "Vorhofflimmern"):
        assert main([*common, "--label", label, "--out", str(tmp_path / "o")]) == 2
        err = capsys.readouterr().err
        assert f"--label {label!r}" in err and "--statement" in err and "--task all" not in err
    assert main([*common, "--label", "Vorhofflimmern", "--statement", "AFIB,AFLT", "--out", str(tmp_path / "o")]) == 0
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert (summary["label"], summary["records"], summary["statement_codes"]) == ("Vorhofflimmern", 2, ["AFIB", "AFLT"])
    assert summary["statement"] == "Atrial fibrillation or Atrial flutter"
    assert main([*common, "--label", "MI", "--statement", "MI", "--out", str(tmp_path / "o2")]) == 2
    assert "--statement 'MI' is not a PTB-XL statement code" in capsys.readouterr().err


def test_counts_take_any_of_several_statements():
    c = _Counts([])
    for text in ("Sinus rhythm; Anterior infarct", "Atrial flutter, 150 bpm; Inferior infarct", "Normal ECG"):
        c.add({"status": "ok", "interpretation": text}, ("Inferior infarct", "Anterior infarct"), {})
    assert (c.ok, c.first, c.stated) == (3, 0, 2)
    c.add({"status": "ok", "interpretation": "Inferior infarct; Left axis deviation"}, ("Inferior infarct",
                                                                                         "Anterior infarct"), {})
    assert (c.first, c.stated) == (1, 3)


def test_counts_take_an_own_label_said_with_its_words():
    """An own label that its data gives words is said "Q wave abnormal (QAb, the model's own label)": counted as
    the label's statement, as "QAb (the model's own label)" is."""
    c = _Counts([])
    own, marks = ("QAb (the model's own label)",), ("(QAb, the model's own label)",)
    for text in ("Sinus rhythm, 72 bpm; Q wave abnormal (QAb, the model's own label)", "QAb (the model's own label)",
                 "Sinus rhythm, 72 bpm; Q wave abnormal"):
        c.add({"status": "ok", "interpretation": text}, own, {}, marks)
    assert (c.ok, c.first, c.stated, c.own) == (3, 1, 2, 2)


@pytest.mark.parametrize("trained", ["random", "seed 3"])
def test_own_data_is_split_as_the_model_was_trained(tmp_path, capsys, trained):
    """A model's own data was opened with the seed-0 stratified split whatever the model was trained with,
    so that its "test" records were others than mirage evaluate's, most of them records it trained on. They
    are now the split the model was trained with: a model made before stratification (a random split) gets
    that split, and one trained with --seed 3 is refused without --seed 3, as mirage evaluate refuses it."""
    from helpers_training import make_folder
    from training_cli.engine.datasets import open_dataset

    root, labels = make_folder(tmp_path / "ecgs", n_copies=10)       # 40 records, no split column
    spec = f"folder:{root}"
    seed, method = (0, "random") if trained == "random" else (3, "stratified")
    model = make_tiny_checkpoint(tmp_path / "m", labels=("CD", "HYP", "MI", "NORM"), name="tiny-own")
    doc = json.loads((model / "config.json").read_text())
    doc["provenance"] = {**doc["provenance"], "data": spec, **(
        {"splits": "seeded random split (seed 0)"} if trained == "random" else
        {"splits": "stratified split by record (seed 3)", "split_method": "stratified", "group_by": None})}
    (model / "config.json").write_text(json.dumps(doc))
    # the truth: the records of the split the model was trained with, and their own 80/10/10
    as_trained = open_dataset(spec, labels=labels, seed=seed, split_method=method)
    test_ids = sorted(it.record_id for it in as_trained.items if it.split == "test")
    default_ids = sorted(it.record_id for it in open_dataset(spec, labels=labels).items if it.split == "test")
    assert len(test_ids) == 4 and test_ids != default_ids                # the default split is another one
    common = ["interpretation", "--model", str(model), "--statements-model", "none", "--data", spec, "--labels",
              str(labels), "--task", "multilabel", "--label", "NORM", "--negatives", "--no-progress"]
    if trained == "seed 3":
        assert main([*common, "--out", str(tmp_path / "refused")]) == 1
        assert "(seed 3); --seed 0 splits these records otherwise" in capsys.readouterr().err
        assert not (tmp_path / "refused").exists()
        common += ["--seed", "3"]
    assert main([*common, "--out", str(tmp_path / "out")]) == 0
    rows = list(csv.DictReader(open(tmp_path / "out" / "rows.csv", newline="", encoding="utf-8-sig")))
    assert sorted(r["record_id"] for r in rows) == test_ids
    assert {r["record_id"] for r in rows if r["has_label"] == "True"} == {
        it.record_id for it in as_trained.items if it.split == "test" and "NORM" in it.labels}


def test_a_folder_of_edf_records_is_read_as_score_reads_it(dataset, tmp_path, capsys):
    """A folder of EDF+ records (any format mirage score reads) had every record failed, "header file not found":
    each path was made X.hea. The records are read as they are, and a record that fails is named with why."""
    from mirage_model.formats.edf import write_edf
    from mirage_model.records import load_record

    edf = tmp_path / "edf"
    edf.mkdir()
    for hea in sorted(dataset.glob("*.hea")):
        write_edf(load_record(hea), edf / f"{hea.stem}.edf")
    shutil.copy(dataset / "labels.csv", edf / "labels.csv")
    model = make_tiny_checkpoint(tmp_path / "m", labels=LABELS, thresholds=(1.01, 0.0, 0.0, 0.0), name="tiny")
    common = ["interpretation", "--model", str(model), "--statements-model", "none", "--data", f"folder:{edf}",
              "--labels", str(edf / "labels.csv"), "--task", "multilabel", "--label", "AFIB", "--no-progress"]
    assert main([*common, "--out", str(tmp_path / "out")]) == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert (summary["records"], summary["scored"], summary["failed"]) == (2, 2, 0)
    assert "2 records scored (0 failed)" in capsys.readouterr().out
    stem = next(r["record_id"] for r in csv.DictReader(open(edf / "labels.csv")) if r["labels"] == "AFIB")
    first = edf / f"{stem}.edf"
    first.write_bytes(b"0       not an EDF file")                # one of the two AFIB records
    assert main([*common, "--out", str(tmp_path / "out2")]) == 0
    out = capsys.readouterr()
    assert "1 record scored (1 failed)" in out.out
    assert f"1 record failed (listed in {tmp_path / 'out2' / 'rows.csv'}): {first.name}: " in out.err


def test_threads_are_taken_as_train_and_evaluate_take_them(dataset, tmp_path):
    """--threads 1 (the README's tip for a busy machine, given to every other command) had been refused as an
    unrecognised argument."""
    import torch

    model = make_tiny_checkpoint(tmp_path / "m", labels=LABELS, thresholds=(1.01, 0.0, 0.0, 0.0), name="tiny")
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        assert main(["interpretation", "--model", str(model), "--statements-model", "none", "--data",
                     f"folder:{dataset}", "--labels", str(dataset / "labels.csv"), "--task", "multilabel",
                     "--label", "AFIB", "--threads", "1", "--no-progress", "--out", str(tmp_path / "out")]) == 0
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_the_labs_table_s_warning_is_said_once(dataset, tmp_path, capsys, caplog, monkeypatch):
    """--labs read the table twice (the dataset's, then each record's row as mirage score finds it), and every
    warning of it (a column no model reads, 'Smoker') was printed twice: once now, as mirage score says it. The
    table is read once: the rows the dataset read are the ones each record's row is found among."""
    from mirage_model.clinical import labs as clinical_labs
    model = make_tiny_checkpoint(tmp_path / "m", labels=LABELS, clinical=("age", "sex", "troponin_t", "crp"),
                                 thresholds=(1.01, 0.0, 0.0, 0.0), name="tiny-labs")
    labs, truth = _labs_table(dataset)
    lines = labs.read_text().splitlines()
    labs.write_text("\n".join([lines[0] + ",Smoker"] + [line + ",yes" for line in lines[1:]]) + "\n")
    read = []
    text_of = clinical_labs.read_table_text
    monkeypatch.setattr(clinical_labs, "read_table_text",
                        lambda path, *a, **k: read.append(path) or text_of(path, *a, **k))
    assert main(["interpretation", "--model", str(model), "--statements-model", "none", "--data", f"folder:{dataset}",
                 "--labels", str(dataset / "labels.csv"), "--task", "multilabel", "--label", "AFIB", "--no-progress",
                 "--labs", str(labs), "--out", str(tmp_path / "with")]) == 0
    said = capsys.readouterr().err + "\n".join(r.getMessage() for r in caplog.records)
    assert said.count("not used: 'Smoker'") == 1, said
    assert [str(p) for p in read].count(str(labs)) == 1
    rows = list(csv.DictReader(open(tmp_path / "with" / "rows.csv", newline="", encoding="utf-8-sig")))
    assert {r["record_id"]: r["labs_used"] for r in rows} == {r["record_id"]: truth[r["record_id"]] for r in rows}


def test_an_own_model_s_label_is_counted_where_it_is_said(dataset, tmp_path, capsys):
    """A model trained on other data (its provenance a folder of one's own) says its AFIB as its own label, "AFIB (the
    model's own label)", on both AFIB records (threshold 0): --label AFIB had reported "states it on 0", looking only
    for PTB-XL's "Atrial fibrillation"."""
    model = make_tiny_checkpoint(tmp_path / "m", labels=LABELS, thresholds=(1.01, 0.0, 1.01, 1.01), name="tiny-own")
    doc = json.loads((model / "config.json").read_text())
    doc["provenance"].update({"data": "folder:mydata", "data_kind": "folder", "labels_file": "labels.csv"})
    (model / "config.json").write_text(json.dumps(doc))
    assert main(["interpretation", "--model", str(model), "--statements-model", "none", "--data", f"folder:{dataset}",
                 "--labels", str(dataset / "labels.csv"), "--task", "multilabel", "--label", "AFIB", "--no-progress",
                 "--out", str(tmp_path / "out")]) == 0
    rows = list(csv.DictReader(open(tmp_path / "out" / "rows.csv", newline="", encoding="utf-8-sig")))
    said = [r for r in rows if "AFIB (the model's own label)" in r["interpretation"].split("; ")]
    assert len(rows) == 2 and len(said) == 2, [r["interpretation"] for r in rows]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert (summary["stated"], summary["stated_as_own_label"]) == (2, 2)
    assert "states it on 2 (100.0%, 2 as the model's own label)" in capsys.readouterr().out


def test_own_data_split_otherwise_is_opened_once(tmp_path, capsys, caplog, monkeypatch):
    """A model trained on a random split of its own data: the data was opened with the default (stratified) split,
    then again as the model was split, and each of its warnings (here the labels table's row with no file) was said
    twice. It is opened once, split as trained."""
    from helpers_training import make_folder
    from training_cli.engine import data as engine_data

    root, labels = make_folder(tmp_path / "ecgs", n_copies=10)       # 40 records, no split column
    with open(labels, "a", newline="") as fh:
        fh.write("no_such_record,NORM\n")                  # a row whose record is not there: one warning
    spec = f"folder:{root}"
    model = make_tiny_checkpoint(tmp_path / "m", labels=("CD", "HYP", "MI", "NORM"), name="tiny-own")
    doc = json.loads((model / "config.json").read_text())
    doc["provenance"] = {**doc["provenance"], "data": spec, "splits": "seeded random split (seed 0)"}
    (model / "config.json").write_text(json.dumps(doc))
    opened = []
    real = engine_data.open_dataset
    monkeypatch.setattr(engine_data, "open_dataset", lambda *a, **k: opened.append(k) or real(*a, **k))
    assert main(["interpretation", "--model", str(model), "--statements-model", "none", "--data", spec, "--labels",
                 str(labels), "--task", "multilabel", "--label", "NORM", "--no-progress",
                 "--out", str(tmp_path / "out")]) == 0
    assert [k["split_method"] for k in opened] == ["random"]
    said = capsys.readouterr().err + "\n".join(r.getMessage() for r in caplog.records)
    assert said.count("no_such_record") == 1, said


def test_rows_csv_in_the_excel_eu_dialect_has_the_same_numbers(dataset, tmp_path):
    """``--csv-dialect excel-eu``: rows.csv with ';' between cells and decimal commas (the CSV a German Excel opens
    in columns), its numbers those of the default rows.csv, each decimal comma read as a point by hand."""
    model = make_tiny_checkpoint(tmp_path / "m", labels=LABELS, name="tiny-statements")
    common = ["interpretation", "--model", str(model), "--statements-model", "none", "--data", f"folder:{dataset}",
              "--labels", str(dataset / "labels.csv"), "--task", "multilabel", "--label", "AFIB", "--no-progress"]
    assert main([*common, "--out", str(tmp_path / "plain")]) == 0
    assert main([*common, "--csv-dialect", "excel-eu", "--out", str(tmp_path / "eu")]) == 0
    plain = list(csv.DictReader(open(tmp_path / "plain" / "rows.csv", newline="", encoding="utf-8-sig")))
    eu = list(csv.DictReader(open(tmp_path / "eu" / "rows.csv", newline="", encoding="utf-8-sig"), delimiter=";"))
    assert len(plain) == len(eu) == 2
    compared = 0
    for a, b in zip(plain, eu):
        assert a["record_path"] == b["record_path"] and a["interpretation"] == b["interpretation"]
        for col in ("prob_SR", "prob_AFIB", "prob_NORM", "prob_PVC", "qrs_ms"):
            if a[col]:
                assert "," in b[col] and float(b[col].replace(",", ".")) == float(a[col]), (col, a[col], b[col])
                compared += 1
    assert compared >= 8


def test_the_help_s_own_data_example_is_two_shell_lines():
    """The docstring's "\\" at the end of the example's first line was a string continuation: --help printed
    "--labs labs.csv         --label MI" on one line. It prints the shell's continuation, as the README's
    own-data example is one command."""
    from training_cli.commands.interpretation import interpretation_command_parser

    text = interpretation_command_parser().format_help()
    assert "--labs labs.csv \\\n        --label MI --statement IMI,AMI --out DIR" in text
    assert "labs.csv         --label" not in text
