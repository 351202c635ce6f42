"""A labs table that names the records' patients: the patient column a researcher keeps beside the
labs (not in the labels table) splits the records by patient, as the labels table's column does.

Found on a folder of 20 LUDB records whose labs table had a patient_id column: the table was
refused ("unknown feature column"), so the split by patient could not be had without copying the
column into the labels table.
"""

from __future__ import annotations

import logging

import pytest

from helpers_training import make_folder
from mirage_model.clinical import LabsTableError, read_labs_table
from training_cli.engine import datasets as D

N = 40                                            # make_folder's records with n_copies=10


def _patient(k: int) -> str:
    """The patient of record ecgNNN: three records each (P0, P0, P0, P1 ...), 14 patients."""
    return f"P{k // 3}"


def _folder(tmp_path, labs_columns="patient_id", labs_cell=_patient, labels_column=None, labels_cell=_patient):
    """make_folder's 40 records; labs.csv with ``labs_columns`` (one cell per column from
    ``labs_cell``) and an age; labels.csv with ``labels_column`` when given."""
    root, labels = make_folder(tmp_path / "ecgs", n_copies=10)
    if labels_column:
        rows = labels.read_text().splitlines()
        rows = [rows[0] + f",{labels_column}"] + [r + f",{labels_cell(k)}" for k, r in enumerate(rows[1:])]
        labels.write_text("\n".join(rows) + "\n")
    labs = tmp_path / "labs.csv"
    cols = [c for c in labs_columns.split(",") if c]
    labs.write_text("record_id," + "".join(f"{c}," for c in cols) + "age\n" + "".join(
        f"ecg{k:03d}," + "".join(f"{labs_cell(k)}," for _ in cols) + f"{50 + k}\n" for k in range(N)))
    return root, labels, labs


def _splits_by_patient(ds) -> dict[str, set]:
    out: dict[str, set] = {}
    for it in ds.items:
        out.setdefault(_patient(int(it.record_id[3:])), set()).add(it.split)
    return out


def test_a_labs_table_may_carry_patient_columns_that_are_no_features(tmp_path):
    path = tmp_path / "labs.csv"
    path.write_text("ECG;Patient ID;Age;MRN;CRP [mg/L]\n1;P7;64;  0042 ;3,5\n2;;70;;\n")
    patients: dict = {}
    table = read_labs_table(path, patients=patients)
    assert table == {"1": {"age": (64.0, None), "crp": (3.5, "mg/L")}, "2": {"age": (70.0, None)}}
    assert patients == {"1": {"Patient ID": "P7", "MRN": "0042"}}     # empty cells name no patient
    assert read_labs_table(path) == table                              # score, report and the app read it alike
    # a column --group-by names, under a name of its own
    path.write_text("ECG,Kennung,age\n1,K1,64\n")
    warnings = []                                  # without --group-by it is a column of its own: not used
    assert read_labs_table(path, warnings=warnings) == {"1": {"age": (64.0, None)}}
    assert warnings[0].startswith(f"{path}: not used: 'Kennung' (a column of no feature")
    patients = {}
    assert read_labs_table(path, patients=patients, patient_columns=("kennung",)) == {"1": {"age": (64.0, None)}}
    assert patients == {"1": {"Kennung": "K1"}}


def test_a_mistyped_feature_is_still_refused_naming_the_feature(tmp_path):
    # a mistyped feature left out (as a column of its own is, with a warning) would train without it
    path = tmp_path / "labs.csv"
    path.write_text("record_id,patient_id,troponine,age\n1,P1,12,64\n")
    with pytest.raises(LabsTableError) as info:
        read_labs_table(path)
    assert "column 'troponine': unknown feature column" in str(info.value)
    assert str(info.value).endswith("; did you mean troponin_t or troponin_i? Write a feature's name as listed, "
                                    "or leave the column out")


def test_the_labs_table_s_patient_column_splits_by_patient(tmp_path, caplog):
    root, labels, labs = _folder(tmp_path, labs_columns="Patient ID")
    for seed in range(3):
        with caplog.at_level(logging.WARNING):
            ds = D.open_dataset(f"folder:{root}", labels=labels, labs=labs, seed=seed)
        assert all(len(s) == 1 for s in _splits_by_patient(ds).values())
        assert ds.split_info.group_column == "Patient ID" and ds.split_info.groups == 14
        assert ds.split_info.describe().startswith("stratified split by patient (seed %d; column Patient ID of "
                                                   "labs.csv: 14 patients, at most 3 records each)" % seed)
        assert "no patient column" not in caplog.text
        assert ds.clinical_names == ["age"] and ds.items[5].clinical["age"] == (55.0, None)
    ds = D.open_dataset(f"folder:{root}", labels=labels, labs=labs, group_by="record")     # by record
    assert ds.split_info.group_column is None and ds.split_info.groups == N
    # --group-by names a column of the labs table
    root, labels, labs = _folder(tmp_path / "k", labs_columns="Kennung")
    ds = D.open_dataset(f"folder:{root}", labels=labels, labs=labs, group_by="kennung")
    assert ds.split_info.group_column == "Kennung" and all(len(s) == 1 for s in _splits_by_patient(ds).values())
    root, labels, labs = _folder(tmp_path / "n", labs_columns="Patient ID")
    with pytest.raises(D.DatasetError, match=r"labels.csv: --group-by Nummer: no such column"):
        D.open_dataset(f"folder:{root}", labels=labels, labs=labs, group_by="Nummer")


def test_the_labels_table_s_patient_column_comes_first_and_must_agree(tmp_path):
    # both tables name the patients alike: the labels table's column is the one said
    root, labels, labs = _folder(tmp_path, labels_column="patient_id")
    ds = D.open_dataset(f"folder:{root}", labels=labels, labs=labs)
    assert (ds.split_info.group_column, ds.split_info.table) == ("patient_id", "labels.csv")
    assert all(len(s) == 1 for s in _splits_by_patient(ds).values())
    # one record's labs row names another patient (a row of someone else's?): refused, naming it
    root, labels, labs = _folder(tmp_path / "b", labels_column="patient_id",
                                 labs_cell=lambda k: "P9" if k == 4 else _patient(k))
    with pytest.raises(D.DatasetError) as info:
        D.open_dataset(f"folder:{root}", labels=labels, labs=labs)
    assert str(info.value) == (f"{labels}, line 6: record 'ecg004' is patient 'P1' there (patient_id), but 'P9' in "
                               f"{labs} (patient_id); correct one table, or leave one of the columns out")


def test_two_kinds_of_patient_id_must_group_the_records_alike(tmp_path):
    # the study's ids in the labels table, the hospital's MRN in the labs table: other values, one grouping
    root, labels, labs = _folder(tmp_path, labels_column="patient_id", labs_columns="MRN",
                                 labs_cell=lambda k: f"{900 + k // 3:06d}")
    ds = D.open_dataset(f"folder:{root}", labels=labels, labs=labs)
    assert ds.split_info.group_column == "patient_id" and ds.split_info.groups == 14
    # record ecg005's MRN is its own: the labels table has it with ecg003 and ecg004
    root, labels, labs = _folder(tmp_path / "b", labels_column="patient_id", labs_columns="MRN",
                                 labs_cell=lambda k: "777" if k == 5 else f"{900 + k // 3:06d}")
    with pytest.raises(D.DatasetError) as info:
        D.open_dataset(f"folder:{root}", labels=labels, labs=labs)
    assert str(info.value) == (f"{labels}: records 'ecg003' and 'ecg005' are one patient there (patient_id 'P1'), "
                               f"but two in {labs} (MRN '000901' and '777'); correct one table, or leave one of the "
                               "columns out")


def test_a_model_split_by_the_labs_table_s_patients_asks_for_it_again(tmp_path, monkeypatch):
    """Evaluated without --labs, a model whose split came from the labs table's patient column had
    been refused with "--group-by patient_id: no such column", of an option never given."""
    import json
    import sys

    from helpers_training import train_argv
    from training_cli.engine.data import DataOptions, open_index
    from training_cli.engine.errors import ConfigError
    from training_cli.main import main

    root, labels, labs = _folder(tmp_path)
    argv = train_argv(f"folder:{root}", tmp_path / "run", tmp_path / "cache", "--stop-after", "1", "--no-test",
                      "--labs", str(labs), labels=labels)
    # the console script's full path (a user's home) is not the command the run records
    monkeypatch.setattr(sys, "argv", ["/home/ann/venv/bin/mirage", "train", *argv])
    assert main(["train", *argv]) == 0
    prov = json.loads((tmp_path / "run" / "model" / "config.json").read_text())["provenance"]
    assert prov["command"] == "mirage train " + " ".join(argv)
    assert json.loads((tmp_path / "run" / "config.json").read_text())["command"] == prov["command"]
    assert prov["group_by"] == "patient_id" and prov["group_by_labs"] is True
    model = [("run", prov)]
    with pytest.raises(ConfigError) as info:
        open_index(DataOptions(data=f"folder:{root}", labels=str(labels)), models=model)
    assert str(info.value) == (f"error: run was trained on a split of folder:{root} by patient (patient_id, "
                               "a column of its labs table labs.csv); give --labs labs.csv so that its val and test "
                               "splits are the ones it was not trained on")
    ds = open_index(DataOptions(data=f"folder:{root}", labels=str(labels), labs=str(labs)), models=model)
    assert ds.split_info.group_column == "patient_id" and all(len(s) == 1 for s in _splits_by_patient(ds).values())


def test_neither_table_naming_patients_is_said_of_both(tmp_path, caplog):
    root, labels, labs = _folder(tmp_path, labs_columns="")
    with caplog.at_level(logging.WARNING):
        ds = D.open_dataset(f"folder:{root}", labels=labels, labs=labs)
    assert ds.split_info.group_column is None and ds.split_info.groups == N
    assert ds.split_info.describe().startswith("stratified split by record (seed 0); no patient column in "
                                               "labels.csv or labs.csv (looked for patient_id, ")
    assert f"{labels}: no patient column (patient_id, patient, patient_no, patient_number, patient_nr, mrn ...), " \
           f"nor in {labs}: the seeded split is by record" in caplog.text


def test_an_ensemble_keeps_where_its_members_patients_came_from(tmp_path):
    import json

    from helpers_models import make_tiny_checkpoint
    from mirage_model.checkpoint import load_checkpoint
    from training_cli.engine.checkpoints import load_members
    from training_cli.engine.data import DataOptions, open_index
    from training_cli.engine.errors import ConfigError
    from training_cli.main import main

    root, labels, labs = _folder(tmp_path)
    split = {"data": f"folder:{root}", "labs_file": "labs.csv", "split_method": "stratified", "group_by": "patient_id",
             "group_by_labs": True, "splits": "stratified split by patient (seed 0; column patient_id of labs.csv)"}
    members = []
    for seed in (0, 1):
        path = make_tiny_checkpoint(tmp_path / f"m{seed}", labels=["CD", "HYP", "MI", "NORM"], clinical=(), seed=seed)
        doc = json.loads((path / "config.json").read_text())
        doc["provenance"] = {**(doc.get("provenance") or {}), **split}
        (path / "config.json").write_text(json.dumps(doc))
        members.append(str(path))
    data = ["--data", f"folder:{root}", "--labels", str(labels), "--labs", str(labs), "--cache-dir",
            str(tmp_path / "cache"), "--no-progress", "--workers", "1", "--threads", "1"]
    assert main(["ensemble", *members, "--out", str(tmp_path / "ens"), *data]) == 0
    prov = load_checkpoint(tmp_path / "ens").provenance
    assert prov["group_by_labs"] is True
    with pytest.raises(ConfigError, match="a column of its labs table labs.csv\\); give --labs labs.csv"):
        open_index(DataOptions(data=f"folder:{root}", labels=str(labels)), models=[("ens", prov)])
    # a member taken from the ensemble ("ens#0") keeps it too
    member = load_members(f"{tmp_path / 'ens'}#0")[0]
    assert member.provenance["group_by_labs"] is True
