"""The shipped models keep the fingerprints of their PTB-XL training and validation records
(``provenance.training_records``, written by scripts/ship_training_records.py) and mark a scored record of them.

Truth: PTB-XL 1.0.3's ptbxl_database.csv gives record 1 strat_fold 3 (a training fold of every shipped model: NORM,
labelled for every task) and record 10 strat_fold 9 (the validation fold; NORM); both ship unchanged in
tests/data/ptbxl. The bundled samples 00417, 04016, 10388 and 11125 are fold 10 (their own table,
resources/samples/ptbxl/ptbxl_database.csv), the test fold, never fingerprinted; LUDB was never trained on. The
counts are the records of each split that have a label for the task, counted here from PTB-XL's own tables by the
benchmark's rule (datasets README: scp_codes aggregated through scp_statements.csv, records with no label dropped)
where the shared PTB-XL tables are present.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from conftest import SHARED, TEST_DATA
from helpers_scripts import load_script
from helpers_training import SAMPLES
from mirage_model.records.fingerprint import TrainingRecords
from training_cli.main import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

MODELS = Path(__file__).resolve().parents[1] / "resources" / "models"
SHIPPED = ("default", "mi", "statements")
PTBXL = TEST_DATA / "ptbxl" / "records100" / "00000"
TRAIN_RECORD, VAL_RECORD = PTBXL / "00001_lr.hea", PTBXL / "00010_lr.hea"       # strat_fold 3 and 9
FOLD_10 = sorted((SAMPLES / "ptbxl" / "records100").rglob("*.hea"))
TASKS = {"default": "superdiagnostic", "mi": "mi", "statements": "all"}


def _kept(model: str) -> TrainingRecords:
    provenance = json.loads((MODELS / model / "config.json").read_text(encoding="utf-8"))["provenance"]
    kept = TrainingRecords.of(provenance)
    assert kept is not None, f"{model}: its config.json keeps no training records"
    return kept


@pytest.mark.parametrize("model", SHIPPED)
def test_a_shipped_model_marks_its_training_and_validation_records_only(model):
    kept = _kept(model)
    assert kept.split_of(TRAIN_RECORD) == "train"
    assert kept.split_of(VAL_RECORD) == "val"
    assert [p.stem for p in FOLD_10] == ["00417_lr", "04016_lr", "10388_lr", "11125_lr"]
    assert [kept.split_of(p) for p in FOLD_10] == [""] * 4
    assert kept.split_of(SAMPLES / "ludb" / "1.hea") == ""


def test_the_bundled_records_folds_are_the_tables():
    """The folds the test rests on, from PTB-XL's tables: the samples' own, and the whole table where shared."""
    with open(SAMPLES / "ptbxl" / "ptbxl_database.csv", newline="") as fh:
        assert {r["ecg_id"]: r["strat_fold"] for r in csv.DictReader(fh)} == \
            {"417": "10", "4016": "10", "10388": "10", "11125": "10"}
    table = SHARED / "ptbxl" / "ptbxl_database.csv"
    if not table.is_file():
        pytest.skip("PTB-XL's table not present in ../shared/datasets")
    with open(table, newline="") as fh:
        folds = {int(float(r["ecg_id"])): r["strat_fold"] for r in csv.DictReader(fh)}
    assert (folds[1], folds[10]) == ("3", "9")


def _task_counts(task: str) -> dict[str, int]:
    """Records of folds 1-8 and 9 with a label for ``task``, from PTB-XL's tables: superdiagnostic and mi keep a
    record with a code of a diagnostic superclass, all one with any of the 71 statements."""
    with open(SHARED / "ptbxl" / "scp_statements.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    codes = {r[""] for r in rows if task == "all" or (r["diagnostic"] == "1.0" and r["diagnostic_class"])}
    counts = {"train": 0, "val": 0}
    with open(SHARED / "ptbxl" / "ptbxl_database.csv", newline="") as fh:
        for r in csv.DictReader(fh):
            fold = int(r["strat_fold"])
            if fold <= 9 and codes & set(ast.literal_eval(r["scp_codes"])):
                counts["train" if fold <= 8 else "val"] += 1
    return counts


@pytest.mark.parametrize("model", SHIPPED)
def test_a_shipped_model_keeps_every_record_of_its_task_in_folds_1_to_9(model):
    if not (SHARED / "ptbxl" / "scp_statements.csv").is_file():
        pytest.skip("PTB-XL's tables not present in ../shared/datasets")
    entry = json.loads((MODELS / model / "config.json").read_text(encoding="utf-8"))["provenance"]["training_records"]
    assert entry["counts"] == _task_counts(TASKS[model])
    assert entry["unread"] == {"train": 0, "val": 0}
    kept = _kept(model)
    assert (len(kept.train), len(kept.val)) == (entry["counts"]["train"], entry["counts"]["val"])


def test_mirage_score_with_the_shipped_default_says_which_record_it_was_trained_on(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    for f in [*PTBXL.glob("00001_lr.*"), *(SAMPLES / "ptbxl" / "records100" / "00000").glob("00417_lr.*")]:
        shutil.copy(f, folder / f.name)
    out = tmp_path / "scores.csv"
    assert main(["score", str(folder), "--model", "default", "--out", str(out), "--no-progress", "--no-measure",
                 "--statements-model", "none"]) == 0
    with out.open(newline="", encoding="utf-8-sig") as fh:
        assert {r["record_id"]: r["in_training"] for r in csv.DictReader(fh)} == {"00001_lr": "train", "00417_lr": ""}


def _mini_ptbxl(root: Path) -> Path:
    """A PTB-XL root of record 1 (fold 3), record 10 (fold 9) and the sample 00417 (fold 10), NORM each."""
    (root / "records100" / "00000").mkdir(parents=True)
    for f in [*PTBXL.glob("*_lr.*"), *(SAMPLES / "ptbxl" / "records100" / "00000").glob("00417_lr.*")]:
        shutil.copy(f, root / "records100" / "00000" / f.name)
    with open(SAMPLES / "ptbxl" / "ptbxl_database.csv", newline="") as fh:
        reader = csv.DictReader(fh)
        template, fields = next(reader), reader.fieldnames
    with open(root / "ptbxl_database.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fields)
        writer.writeheader()
        for ecg_id, fold in ((1, 3), (10, 9), (417, 10)):
            writer.writerow({**template, "ecg_id": ecg_id, "strat_fold": fold, "scp_codes": "{'NORM': 100.0}",
                             "filename_lr": f"records100/00000/{ecg_id:05d}_lr"})
    (root / "scp_statements.csv").write_text(",description,diagnostic,form,rhythm,diagnostic_class,"
                                             "diagnostic_subclass\nNORM,normal ECG,1.0,,,NORM,NORM\n")
    return root


def test_the_script_adds_the_fingerprints_alone_and_leaves_fold_10_out(tmp_path, capsys):
    model = tmp_path / "mi"
    model.mkdir()
    shipped = json.loads((MODELS / "mi" / "config.json").read_text(encoding="utf-8"))
    shipped["provenance"].pop("training_records", None)             # as it shipped before
    (model / "config.json").write_text(json.dumps(shipped, indent=2) + "\n", encoding="utf-8")
    load_script("ship_training_records").main([str(model), "--ptbxl", str(_mini_ptbxl(tmp_path / "ptbxl"))])
    text = (model / "config.json").read_text(encoding="utf-8")
    written = json.loads(text)
    entry = written["provenance"].pop("training_records")
    assert written == shipped and list(written["provenance"]) == list(shipped["provenance"])
    assert text == json.dumps({**written, "provenance": {**written["provenance"], "training_records": entry}},
                              indent=2) + "\n"
    assert entry["counts"] == {"train": 1, "val": 1}

    def digest(stem):        # the module's rule written out: BLAKE2b-64 of the .dat's size then its bytes
        data = (PTBXL / f"{stem}.dat").read_bytes()
        return hashlib.blake2b(len(data).to_bytes(8, "little") + data, digest_size=8).digest()

    kept = TrainingRecords.of({"training_records": entry})
    assert (kept.train, kept.val) == ({digest("00001_lr")}, {digest("00010_lr")})


@pytest.mark.parametrize("model, counts", [("default", (17084, 2146)), ("mi", (17084, 2146)),
                                           ("statements", (17418, 2183))])
def test_a_shipped_card_says_the_model_marks_its_training_records(model, counts):
    """Each card holds the line the card writer makes of its config.json, with the records its own training counted
    (the mi and statements cards' "Records:" line; the default's: its val 2146 there and the 17084 records of the
    train split its measured stage was trained on)."""
    from training_cli.engine.card_training import training_records_lines

    card = (MODELS / model / "MODEL_CARD.md").read_text(encoding="utf-8")
    provenance = json.loads((MODELS / model / "config.json").read_text(encoding="utf-8"))["provenance"]
    assert training_records_lines(provenance)[0] in card.splitlines()
    assert f"of each of its {counts[0]} training and {counts[1]} validation records" in card


def test_an_exported_card_says_it_where_the_model_keeps_fingerprints(tmp_path):
    from helpers_models import make_tiny_checkpoint
    from mirage_model.checkpoint import load_checkpoint
    from mirage_model.records.fingerprint import fingerprints_entry
    from training_cli.engine.model_card import model_card

    tiny = make_tiny_checkpoint(tmp_path / "tiny")
    assert "Training records marked" not in model_card(load_checkpoint(tiny), None, {}, "", [])
    config = json.loads((tiny / "config.json").read_text(encoding="utf-8"))
    config["provenance"]["training_records"] = fingerprints_entry({"train": [TRAIN_RECORD], "val": [VAL_RECORD]})
    (tiny / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    card = model_card(load_checkpoint(tiny), None, {}, "", [])
    assert "- Training records marked: the model keeps a fingerprint of the signal files of each of its 1 training " \
           "and 1 validation records" in card
