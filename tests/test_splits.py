"""The seeded split of a folder or Challenge dataset: by patient where the labels table names them,
stratified so that each class reaches the validation and test splits (iterative stratification,
Sechidis et al. 2011), the same for one seed in any process; the split of earlier runs kept for their
models and resumed runs.

Found on a 72-record own dataset: the seeded split was random by record, so that two ECGs of one
patient could lie in training and test, and 5 of 6 classes had no validation positive.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers_training import make_folder, train_argv
from training_cli.engine import datasets as D
from training_cli.engine.data import DataOptions, open_index
from training_cli.engine.dataset import Item
from training_cli.engine.errors import ConfigError
from training_cli.engine.splits import random_split, split_digest
from training_cli.main import main

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.usefixtures("one_torch_thread")

# the four shipped records' classes, as make_folder gives them to ecg000, ecg001, ... in turn
CYCLE = ["CD", "HYP", "MI", "NORM"]


def _patients_folder(tmp_path, n_copies=10, per_patient=3, column="Patient ID", extra=None):
    """make_folder's records (ecgNNN, the classes of CYCLE in turn) with a labels table that names
    their patients: records k, k+1, k+2 are one patient (P0, P0, P0, P1 ...). ``extra``: record
    number -> an extra class."""
    root, _ = make_folder(tmp_path / "ecgs", n_copies=n_copies)
    rows = [f"record_id,labels,{column}"]
    patient = {}
    for k in range(4 * n_copies):
        patient[f"ecg{k:03d}"] = f"P{k // per_patient}"
        labs = CYCLE[k % 4] + (f";{extra[k]}" if extra and k in extra else "")
        rows.append(f"ecg{k:03d},{labs},{patient[f'ecg{k:03d}']}")
    labels = root / "labels.csv"
    labels.write_text("\n".join(rows) + "\n")
    return root, labels, patient


def test_one_patient_s_records_share_a_split_and_every_class_reaches_val_and_test(tmp_path):
    root, labels, patient = _patients_folder(tmp_path)            # 40 records, 14 patients
    for seed in range(5):
        ds = D.open_dataset(f"folder:{root}", labels=labels, seed=seed)
        splits_of: dict[str, set] = {}
        for it in ds.items:
            splits_of.setdefault(patient[it.record_id], set()).add(it.split)
        assert all(len(s) == 1 for s in splits_of.values()), (seed, splits_of)
        for c in CYCLE:              # each class has 10 records of 10 patients (a patient's 3 records differ)
            assert {it.split for it in ds.items if c in it.labels} == {"train", "val", "test"}, (seed, c)
    assert ds.split_info.describe() == ("stratified split by patient (seed 4; column Patient ID of labels.csv: "
                                        "14 patients, at most 3 records each)")


def test_patients_of_one_record_each_are_said_so(tmp_path):
    """A table of one ECG per patient (200 PTB-XL records, 197 patients) had read "197 patients, at most
    1 records each" in the log and on the model card."""
    root, labels, _ = _patients_folder(tmp_path, n_copies=3, per_patient=1)     # 12 records, 12 patients
    ds = D.open_dataset(f"folder:{root}", labels=labels)
    assert ds.split_info.describe() == ("stratified split by patient (seed 0; column Patient ID of labels.csv: "
                                        "12 patients, 1 record each)")


def test_a_patient_column_beside_0_1_class_columns_is_no_class(tmp_path):
    root, _ = make_folder(tmp_path / "ecgs", n_copies=3)
    labels = root / "labels.csv"
    labels.write_text("record_id,MI,NORM,mrn\n" + "".join(
        f"ecg{k:03d},{int(k % 4 == 2)},{int(k % 4 == 3)},{1000 + k // 2}\n" for k in range(12)))
    ds = D.open_dataset(f"folder:{root}", labels=labels)
    assert ds.classes == ["MI", "NORM"]
    assert ds.split_info.group_column == "mrn" and ds.split_info.groups == 6


def test_a_class_with_fewer_positive_patients_than_splits_is_noted(tmp_path):
    # WPW on one patient's records only (ecg000, ecg001: P0); LQT on none but ecg039's (P13)
    root, labels, _ = _patients_folder(tmp_path, extra={0: "WPW", 1: "WPW", 39: "LQT"})
    ds = D.open_dataset(f"folder:{root}", labels=labels)
    wpw = {it.split for it in ds.items if "WPW" in it.labels}
    assert len(wpw) == 1
    text = ds.split_info.describe()
    assert "; no positive " in text
    assert "LQT in val or test (only 1 positive patient)" in text
    lacking = [s for s in ("val", "test") if s not in wpw]
    assert f"WPW in {' or '.join(lacking)} (only 1 positive patient)" in text


def test_the_same_seed_splits_alike_in_a_fresh_process(tmp_path):
    root, labels, _ = _patients_folder(tmp_path)
    here = split_digest(D.open_dataset(f"folder:{root}", labels=labels, seed=3).items)
    assert here != split_digest(D.open_dataset(f"folder:{root}", labels=labels, seed=4).items)
    code = ("import sys; from training_cli.engine import datasets as D; from training_cli.engine.splits import "
            "split_digest; print(split_digest(D.open_dataset(sys.argv[1], labels=sys.argv[2], seed=3).items))")
    for hash_seed in ("1", "4242"):        # no dependence on set or dict order of strings
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
        out = subprocess.run([sys.executable, "-c", code, f"folder:{root}", str(labels)], env=env,
                             capture_output=True, text=True, check=True)
        assert out.stdout.strip() == here


def test_group_by_names_the_column_or_splits_by_record(tmp_path, caplog):
    root, labels, patient = _patients_folder(tmp_path, column="Kennung")
    with caplog.at_level(logging.WARNING):
        ds = D.open_dataset(f"folder:{root}", labels=labels)       # not a name read as a patient's id
    assert ds.split_info.group_column is None
    assert "no patient column in labels.csv" in ds.split_info.describe()
    assert (f"{labels}: no patient column (patient_id, patient, patient_no, patient_number, patient_nr, mrn ...): "
            "the seeded split is by record") in caplog.text
    caplog.clear()
    ds = D.open_dataset(f"folder:{root}", labels=labels, group_by="kennung")
    assert ds.split_info.group_column == "Kennung" and ds.split_info.groups == 14
    with pytest.raises(D.DatasetError) as err:
        D.open_dataset(f"folder:{root}", labels=labels, group_by="patient")
    assert str(err.value) == (f"{labels}: --group-by patient: no such column (columns: record_id, labels, Kennung); "
                              "name the column of patient ids, or --group-by record to split by record")
    root2, labels2, _ = _patients_folder(tmp_path / "b")
    with caplog.at_level(logging.WARNING):
        ds = D.open_dataset(f"folder:{root2}", labels=labels2, group_by="record")
    assert ds.split_info.group_column is None and ds.split_info.groups == 40
    assert "no patient column" not in caplog.text                  # said: every record another patient's
    assert ds.split_info.describe() == "stratified split by record (seed 0)"
    rows = labels2.read_text().splitlines()
    labels2.write_text("\n".join([rows[0].replace("Patient ID", "patient_id,Subject")] + [r + ",S" for r in rows[1:]])
                       + "\n")
    with pytest.raises(D.DatasetError, match=r"columns 'patient_id' and 'Subject' both read as patient ids; name "
                                             r"the one to split by with --group-by"):
        D.open_dataset(f"folder:{root2}", labels=labels2)


def test_a_split_file_and_a_split_column_win(tmp_path, caplog):
    root, labels, patient = _patients_folder(tmp_path)
    split = tmp_path / "split.csv"
    # P0's records in train and test: the file is obeyed, and the patient counted in a warning
    split.write_text("record_id,split\n" + "".join(
        f"ecg{k:03d},{'test' if k in (2, 5) else 'val' if k in (30, 31, 32) else 'train'}\n" for k in range(40)))
    with caplog.at_level(logging.WARNING):
        ds = D.open_dataset(f"folder:{root}", labels=labels, split_file=split)
    assert [it.record_id for it in ds.items if it.split == "test"] == ["ecg002", "ecg005"]
    assert ds.split_info.across == 2                                  # P0 (ecg000-002) and P1 (ecg003-005)
    assert "2 patients (Patient ID) have records in more than one split" in caplog.text
    # a split column for some records: a patient's unmarked records follow its marked one
    rows = labels.read_text().splitlines()
    rows[0] += ",split"
    rows[1:] = [r + (",test" if i == 3 else ",") for i, r in enumerate(rows[1:])]     # ecg003: P1, test
    labels.write_text("\n".join(rows) + "\n")
    ds = D.open_dataset(f"folder:{root}", labels=labels)
    assert {it.record_id: it.split for it in ds.items if patient[it.record_id] == "P1"} == \
        {"ecg003": "test", "ecg004": "test", "ecg005": "test"}


def test_the_random_method_is_the_split_of_earlier_runs():
    # the split of 20 records r00-r19 with seed 3 by the code before stratification (commit 9762bed)
    items = [Item(f"r{k:02d}", Path("x"), ("A",), {}, "") for k in range(20)]
    random_split(items, 3, 0.1, 0.1)
    assert "".join("." if it.split == "train" else it.split[1] for it in items) == "........a...e...e.a."


def test_a_model_trained_before_stratification_is_scored_on_its_own_split(tmp_path):
    root, labels, _ = _patients_folder(tmp_path)
    spec = f"folder:{root}"
    options = DataOptions(data=spec, labels=str(labels))
    earlier = D.open_dataset(spec, labels=labels, split_method="random")
    old = ("old", {"data": spec, "splits": "seeded random split (seed 0)"})
    ds = open_index(options, models=[old])
    assert [it.split for it in ds.items] == [it.split for it in earlier.items]
    assert [it.split for it in open_index(options).items] != [it.split for it in earlier.items]
    with pytest.raises(ConfigError, match="give --split-method random"):
        open_index(DataOptions(data=spec, labels=str(labels), split_method="stratified"), models=[old])
    new = ("new", {"data": spec, "splits": "stratified split by patient (seed 0; ...)", "split_method": "stratified",
                   "group_by": "Patient ID"})
    assert split_digest(open_index(options, models=[new]).items) == split_digest(open_index(options).items)
    with pytest.raises(ConfigError, match="split in different ways"):
        open_index(options, models=[old, new])


def test_resume_keeps_the_split_of_a_run_stopped_before_stratification(tmp_path, caplog):
    root, labels, _ = _patients_folder(tmp_path, n_copies=4)
    cache, out = tmp_path / "cache", tmp_path / "run"
    argv = train_argv(f"folder:{root}", out, cache, "--stop-after", "1", "--no-test", labels=labels)
    assert main(["train", *argv, "--out", str(tmp_path / "new")]) == 0
    prov = json.loads((tmp_path / "new" / "model" / "config.json").read_text())["provenance"]
    assert prov["splits"].startswith("stratified split by patient (seed 0; column Patient ID of labels.csv: "
                                     "6 patients, at most 3 records each)")
    assert prov["split_method"] == "stratified" and prov["group_by"] == "Patient ID"
    state = json.loads((tmp_path / "new" / "last" / "state.json").read_text())
    assert state["split"]["digest"] == split_digest(D.open_dataset(f"folder:{root}", labels=labels).items)
    # a run stopped before stratification (split at random; its state keeps no split): resumed on its split
    assert main(["train", *argv, "--split-method", "random"]) == 0
    state_file = out / "last" / "state.json"
    old = json.loads(state_file.read_text())
    old.pop("split")
    state_file.write_text(json.dumps(old))
    resume = train_argv(f"folder:{root}", out, cache, "--resume", "--no-test", labels=labels)
    with caplog.at_level(logging.INFO):
        assert main(["train", *resume]) == 0
    assert "its records keep their random split (--split-method random)" in caplog.text
    assert json.loads((out / "config.json").read_text())["split_method"] == "random"
    state = json.loads(state_file.read_text())
    assert state["split"]["method"] == "random"
    assert state["split"]["digest"] == split_digest(
        D.open_dataset(f"folder:{root}", labels=labels, split_method="random").items)
    # asked for another split than the stopped run's, or on an edited table: refused
    state_file.write_text(json.dumps(old))
    assert main(["train", *resume, "--split-method", "stratified"]) != 0
    labels.write_text(labels.read_text().replace("ecg001,HYP", "ecg001,HYP;MI"))
    state_file.write_text(json.dumps({**old, "split": {"method": "stratified", "group_by": "Patient ID",
                                                       "digest": "0" * 16}}))
    with pytest.raises(ConfigError, match="split otherwise than when the run"):
        from training_cli.commands.train import config_from_args, train_command_parser
        from training_cli.engine.loop import train
        train(config_from_args(train_command_parser().parse_args(resume)))


def test_the_72_record_example_reaches_val_and_test_with_every_class(shared_datasets, cinc_samples, tmp_path):
    """LUDB 1-42 and 30 Challenge 2021 samples, classes from LUDB's table and the #Dx codes: with
    the random split 85 of 120 (class, seed) pairs had a val and a test positive, stratified 120."""
    import csv
    import shutil

    dst = tmp_path / "own"
    (dst / "ludb").mkdir(parents=True)
    ludb = {r["ID"]: r for r in csv.DictReader(open(shared_datasets / "ludb" / "ludb.csv", encoding="utf-8"))}
    rows = []
    for i in range(1, 43):
        r = ludb[str(i)]
        for ext in (".hea", ".dat"):
            shutil.copy(shared_datasets / "ludb" / "data" / f"{i}{ext}", dst / "ludb" / f"{i}{ext}")
        labs = [c for c, hit in (("SR", "Sinus rhythm" in r["Rhythms"]), ("SB", "bradycardia" in r["Rhythms"]),
                                 ("AF", "fibrillation" in r["Rhythms"] or "flutter" in r["Rhythms"].lower()),
                                 ("LVH", "ventricular hypertrophy" in r["Hypertrophies"]
                                  or "ventricular overload" in r["Hypertrophies"]),
                                 ("BBB", "bundle branch block" in r["Conduction abnormalities"]),
                                 ("ISCH", bool(r["Ischemia"].strip()))) if hit]
        rows.append(f"ludb/{i},{';'.join(labs)}")
    codes = {"426783006": "SR", "426177001": "SB", "164889003": "AF", "164890007": "AF", "164873001": "LVH",
             "59118001": "BBB", "713426002": "BBB", "164909002": "BBB", "713427006": "BBB", "733534002": "BBB",
             "164930006": "ISCH", "429622005": "ISCH", "164931005": "ISCH", "164934002": "ISCH", "59931005": "ISCH"}
    (dst / "cinc").mkdir()
    for h in [p for p in cinc_samples if "cinc2021" in p.parts][:30]:
        shutil.copy(h, dst / "cinc" / h.name)
        dx = next(x for x in h.read_text().splitlines() if x.startswith("#Dx")).split(":", 1)[1]
        labs = sorted({codes[c.strip()] for c in dx.split(",") if c.strip() in codes})
        rows.append(f"cinc/{h.stem},{';'.join(labs)}")
    labels = dst / "labels.csv"
    labels.write_text("record_id,labels\n" + "\n".join(rows) + "\n")
    for method, reached in (("random", 85), ("stratified", 120)):
        n = 0
        for seed in range(20):
            ds = D.open_dataset(f"folder:{dst}", labels=labels, seed=seed, split_method=method)
            for c in ds.classes:
                pos = [it.split for it in ds.items if c in it.labels]
                n += len(pos) >= 3 and "val" in pos and "test" in pos
        assert n == reached, method


def _synthetic_table():
    """448 records of 150 patients (1-5 records each), 8 classes from 40 % to 0.6 % prevalence: a
    patient's classes, plus now and then one of a record's own."""
    rng = np.random.default_rng(123)
    prevalence = {"NORM": .4, "MI": .2, "STTC": .15, "CD": .1, "HYP": .06, "AF": .03, "WPW": .012, "BRU": .006}
    rows = []
    for p in range(150):
        n = int(rng.integers(1, 6))
        base = {c for c, q in prevalence.items() if rng.random() < q}
        for r in range(n):
            own = {c for c, q in prevalence.items() if rng.random() < q / 4}
            rows.append((f"p{p:03d}_r{r}", f"P{p:03d}", tuple(sorted(base | own))))
    return rows


def test_a_synthetic_table_of_patients_is_split_by_patient_with_every_class_in_val_and_test():
    from training_cli.engine.splits import assign_splits

    rows = _synthetic_table()
    patient_of = {rid: p for rid, p, _ in rows}
    positive_patients = {}
    for _, p, labs in rows:
        for c in labs:
            positive_patients.setdefault(c, set()).add(p)
    counted = {}
    for method in ("random", "stratified"):
        across = reached = eligible = 0
        for seed in range(20):
            items = [Item(rid, Path(rid), labs, {}, "") for rid, _, labs in rows]
            assign_splits(items, None, seed, 0.1, 0.1, patients=patient_of, method=method, group_column="patient")
            splits_of = {}
            for it in items:
                splits_of.setdefault(patient_of[it.record_id], set()).add(it.split)
            across += sum(len(s) > 1 for s in splits_of.values())
            for c, pats in positive_patients.items():
                if len(pats) >= 3:
                    eligible += 1
                    got = {it.split for it in items if c in it.labels}
                    reached += "val" in got and "test" in got
        counted[method] = (across, reached, eligible)
    assert counted["random"] == (1267, 125, 140)
    assert counted["stratified"] == (0, 140, 140)
