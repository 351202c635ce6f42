"""``mirage robustness --fold 9`` with a model trained on PTB-XL's official folds (the shipped model: its card says
"PTB-XL strat_fold 1-8 train, 9 val, 10 test" and that its calibration was fitted on the val split) scored the fold
its weights, thresholds and calibration were chosen on without a word: its checkpoint names no PTB-XL folder of
this machine, so the left-out rule for a model's own folder did not apply. It warns now, in the log and in the
table's Records line; ``mirage evaluate --split val`` (or train) of PTB-XL likewise. A model of other data, and the
test split, get no word.

Truth: the folds this test wrote into its PTB-XL-shaped table (9 and 1: no fold 10 is ever scored here; the
records are copies of the LUDB sample) and the provenance and calibration text this test gave the checkpoint
(copied from the shipped model's config.json)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from mirage_model.paths import resources_dir
from training_cli.main import main

LUDB = resources_dir() / "samples" / "ludb"
SPLITS = "PTB-XL strat_fold 1-8 train, 9 val, 10 test"
FITTED = "ptbxl superdiagnostic val split, 2146 records"
SCP = {"NORM": "NORM", "IMI": "MI", "NDT": "STTC", "CLBBB": "CD", "LVH": "HYP"}


def _ptbxl_shaped(root: Path, folds: list[int]) -> Path:
    """A PTB-XL-shaped root: ptbxl_database.csv, scp_statements.csv and one record per entry of ``folds`` (the LUDB
    sample copied to records100/0000k/1), its strat_fold that entry, its statement one of the five superclasses'."""
    if not (LUDB / "1.hea").is_file():
        pytest.skip("bundled LUDB sample not present")
    rows = []
    codes = list(SCP)
    for k, fold in enumerate(folds):
        sub = root / "records100" / f"{k:05d}"
        sub.mkdir(parents=True)
        for ext in (".hea", ".dat"):
            shutil.copy(LUDB / f"1{ext}", sub / f"1{ext}")
        rows.append({"ecg_id": k + 1, "patient_id": k + 1, "age": 60, "sex": k % 2, "height": "", "weight": "",
                     "scp_codes": str({codes[k % len(codes)]: 100.0}), "strat_fold": fold,
                     "filename_lr": f"records100/{k:05d}/1", "filename_hr": f"records500/{k:05d}/1"})
    with (root / "ptbxl_database.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (root / "scp_statements.csv").write_text(
        ",description,diagnostic,form,rhythm,diagnostic_class,diagnostic_subclass\n"
        + "".join(f"{code},{code},1.0,,,{cls},{code}\n" for code, cls in SCP.items()))
    return root


def _ptbxl_model(path: Path, calibrated: bool = True) -> Path:
    """A tiny checkpoint of the five superclasses with the shipped model's provenance data and splits, and (where
    ``calibrated``) a calibration fitted on its val split."""
    from helpers_models import make_tiny_checkpoint

    ckpt = make_tiny_checkpoint(path, name="ptbxl-tiny")
    doc = json.loads((ckpt / "config.json").read_text())
    doc["provenance"].update({"data": "PTB-XL 1.0.3, 100 Hz records (Wagner et al. 2020, CC BY 4.0)",
                              "task": "superdiagnostic", "splits": SPLITS})
    if calibrated:
        doc["calibration"] = {"methods": ["platt"] * 5, "params": [{"a": 1.0, "b": 0.0}] * 5, "fitted_on": FITTED}
    (ckpt / "config.json").write_text(json.dumps(doc))
    return ckpt


def _robustness(tmp_path, model, data, fold, out, caplog) -> list[str]:
    caplog.clear()
    with caplog.at_level("WARNING"):
        assert main(["robustness", "--model", str(model), "--data", str(data), "--fold", str(fold),
                     "--perturbations", "lead II zeroed", "--no-progress", "--out", str(out)]) == 0
    return [r.getMessage() for r in caplog.records]


def test_robustness_warns_of_the_fold_a_ptbxl_model_was_calibrated_or_trained_on(tmp_path, caplog):
    data = _ptbxl_shaped(tmp_path / "ptbxl", [9, 1])
    model = _ptbxl_model(tmp_path / "model")
    said = (f"PTB-XL fold 9 is the validation fold of ptbxl-tiny ({SPLITS}, its card says): its calibration was "
            f"fitted there ({FITTED}), and its weights and thresholds were chosen there, so its figures there are "
            "optimistic, not those of records it never saw (fold 10, its test fold, is)")
    logged = _robustness(tmp_path, model, data, 9, tmp_path / "val.md", caplog)
    assert said in logged, logged
    assert f"Records: 1 (ptbxl fold 9; WARNING: {said}" in (tmp_path / "val.md").read_text()

    trained = (f"PTB-XL fold 1 is among the folds ptbxl-tiny was trained on ({SPLITS}, its card says): its calls "
               "there are not those of records it never saw")
    assert trained in _robustness(tmp_path, model, data, 1, tmp_path / "train.md", caplog)

    # a model of other data (the tests' tiny checkpoint names none): no word on the folds
    from helpers_models import make_tiny_checkpoint

    other = make_tiny_checkpoint(tmp_path / "other")
    logged = _robustness(tmp_path, other, data, 9, tmp_path / "other.md", caplog)
    assert not any("its card says" in line for line in logged), logged
    assert "WARNING" not in (tmp_path / "other.md").read_text()


@pytest.mark.parametrize("split, folds, said", [
    ("val", [9, 9, 9, 9, 9], f"the val split (PTB-XL fold 9) is the validation fold of ptbxl-tiny ({SPLITS}, its "
     f"card says): its calibration was fitted there ({FITTED}), and its weights and thresholds were chosen there"),
    ("train", [1, 2, 3, 4, 5], f"the train split (PTB-XL folds 1-8) is among the folds ptbxl-tiny was trained on "
     f"({SPLITS}, its card says)"),
])
def test_evaluate_warns_of_the_split_a_ptbxl_model_was_chosen_or_trained_on(tmp_path, caplog, split, folds, said):
    data = _ptbxl_shaped(tmp_path / "ptbxl", folds)
    model = _ptbxl_model(tmp_path / "model")
    with caplog.at_level("WARNING"):
        rc = main(["evaluate", "--model", str(model), "--data", f"ptbxl:{data}", "--task", "superdiagnostic",
                   "--split", split, "--bootstrap", "0", "--cache-dir", str(tmp_path / "cache"), "--no-progress",
                   "--out", str(tmp_path / "eval")])
    logged = [r.getMessage() for r in caplog.records]
    assert any(said in line for line in logged), (rc, logged)
