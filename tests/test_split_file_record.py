"""A model trained with --split-file is scored on its own data only with that split file.

Without it, `mirage evaluate` split the records by seed: a tiny model trained on 200 PTB-XL records
(folds 1-8) as a folder, 160/20/20 by a split file, was evaluated on a "test" split 17 of whose 20 records
it had been trained on, with no word said.
"""

from __future__ import annotations

import hashlib
import shutil

import pytest

from helpers_training import make_folder, train_argv
from mirage_model.checkpoint import load_checkpoint
from training_cli.engine.data import DataOptions, open_index
from training_cli.engine.errors import ConfigError
from training_cli.main import main


def _split_file(path, test: str = "ecg002"):
    """ecg001 val, ``test`` test, the others of ecg000-ecg007 train."""
    ids = [f"ecg{k:03d}" for k in range(8)]
    split = {r: "test" if r == test else "val" if r == "ecg001" else "train" for r in ids}
    path.write_text("record_id,split\n" + "".join(f"{r},{s}\n" for r, s in split.items()))
    return path


def test_a_model_of_a_split_file_is_refused_without_it_or_with_another(tmp_path):
    root, labels = make_folder(tmp_path / "ecgs", n_copies=2)               # ecg000-ecg007
    split = _split_file(tmp_path / "splits.csv")
    digest = hashlib.sha256(split.read_bytes()).hexdigest()[:16]
    prov = {"data": "folder:ecgs", "splits": "split file runs/splits.csv", "split_file": "runs/splits.csv",
            "split_file_digest": digest}
    without = DataOptions(data=f"folder:{root}", labels=str(labels))
    with pytest.raises(ConfigError) as err:
        open_index(without, models=[("runs/r1/model", prov)])
    assert str(err.value) == ("error: runs/r1/model was trained on folder:ecgs split by the split file "
                              "runs/splits.csv; without --split-file these records are split by seed, so its val "
                              "and test splits would hold records the model was trained on: give --split-file "
                              "runs/splits.csv")
    other = _split_file(tmp_path / "other.csv", test="ecg003")              # ecg003 trained on, here a test record
    other_digest = hashlib.sha256(other.read_bytes()).hexdigest()[:16]
    with pytest.raises(ConfigError) as err:
        open_index(DataOptions(data=without.data, labels=str(labels), split_file=str(other)),
                   models=[("runs/r1/model", prov)])
    assert str(err.value) == (f"error: runs/r1/model was trained on folder:ecgs split by the split file "
                              f"runs/splits.csv (content digest {digest}); {other} is another file (digest "
                              f"{other_digest}), so its val and test splits may hold records the model was trained "
                              "on: give the split file it was trained with (--split-file runs/splits.csv)")
    moved = shutil.copy(split, tmp_path / "moved.csv")                      # the same content elsewhere: scored
    ds = open_index(DataOptions(data=without.data, labels=str(labels), split_file=str(moved)),
                    models=[("runs/r1/model", prov)])
    assert [it.record_id for it in ds.items if it.split == "test"] == ["ecg002"]
    # a model made before the file's name and digest were recorded: its "splits" words name the file
    older = {"data": "folder:ecgs",
             "splits": "split file runs/splits.csv; 2 patients have records in more than one split"}
    with pytest.raises(ConfigError, match="split file runs/splits.csv; without --split-file .* give --split-file "
                                          "runs/splits.csv$"):
        open_index(without, models=[("runs/r1/model", older)])
    open_index(DataOptions(data=without.data, labels=str(labels), split_file=str(other)), models=[("m", older)])
    open_index(without, models=[("m", {**prov, "data": "folder:elsewhere"})])     # other data: split as asked
    open_index(without, models=[("m", {"data": "folder:ecgs", "splits": "stratified split by record (seed 0)"})])


def test_train_records_the_split_file_and_evaluate_refuses_the_data_without_it(tmp_path, capsys):
    root, labels = make_folder(tmp_path / "ecgs", n_copies=2)
    split = _split_file(tmp_path / "splits.csv")
    out, cache = tmp_path / "run", tmp_path / "cache"
    assert main(["train", *train_argv(f"folder:{root}", out, cache, "--split-file", str(split), "--epochs", "1",
                                      labels=labels)]) == 0
    prov = load_checkpoint(out / "model").provenance
    assert prov["split_file"] == str(split)
    assert prov["split_file_digest"] == hashlib.sha256(split.read_bytes()).hexdigest()[:16]
    capsys.readouterr()
    code = main(["evaluate", "--model", str(out / "model"), "--data", f"folder:{root}", "--labels", str(labels),
                 "--cache-dir", str(cache), "--out", str(tmp_path / "eval"), "--no-progress", "--threads", "1"])
    assert code != 0
    assert f"give --split-file {split}" in capsys.readouterr().err
    assert not (tmp_path / "eval").exists()


def test_an_ensemble_of_split_file_models_keeps_the_file_and_its_digest(tmp_path, capsys):
    """An ensemble kept its first member's data keys from a list of its own, without the split file's name and
    digest: evaluated with a split file of other content, it was split by that file with no word said."""
    root, labels = make_folder(tmp_path / "ecgs", n_copies=2)
    split = _split_file(tmp_path / "splits.csv")
    cache, runs = tmp_path / "cache", []
    for seed in (0, 1):
        out = tmp_path / f"run{seed}"
        assert main(["train", *train_argv(f"folder:{root}", out, cache, "--split-file", str(split), "--epochs", "1",
                                          "--seed", str(seed), labels=labels)]) == 0
        runs.append(out / "model")
    data = ["--data", f"folder:{root}", "--labels", str(labels), "--cache-dir", str(cache), "--no-progress",
            "--workers", "1", "--split-file", str(split)]
    assert main(["ensemble", *map(str, runs), "--out", str(tmp_path / "ens"), *data]) == 0
    prov = load_checkpoint(tmp_path / "ens").provenance
    assert prov["split_file"] == str(split)
    assert prov["split_file_digest"] == hashlib.sha256(split.read_bytes()).hexdigest()[:16]
    other = _split_file(tmp_path / "other.csv", test="ecg003")
    capsys.readouterr()
    code = main(["evaluate", "--model", str(tmp_path / "ens"), "--data", f"folder:{root}", "--labels", str(labels),
                 "--cache-dir", str(cache), "--split-file", str(other), "--out", str(tmp_path / "eval"),
                 "--no-progress", "--threads", "1"])
    assert code != 0 and "is another file" in capsys.readouterr().err
