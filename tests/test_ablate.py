"""``mirage ablate``: variants and sweeps train through the same harness and land in one table."""

from __future__ import annotations

import csv
import json

import pytest

from helpers_training import make_folder
from training_cli.commands import ablate
from training_cli.commands.train import config_from_args, train_command_parser
from training_cli.engine.errors import ConfigError
from training_cli.main import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_plan_and_sweep_parsing():
    args = ablate.ablate_command_parser().parse_args(["--data", "x", "--out", "y"])
    assert [r[0] for r in ablate.plan(args)] == list(ablate.VARIANTS)          # the paper's 8 rows
    args = ablate.ablate_command_parser().parse_args(["--sweep", "tau=0.05,0.1", "--sweep", "lambda-con=0"])
    runs = ablate.plan(args)
    assert [r[0] for r in runs] == ["tau=0.05", "tau=0.1", "lambda_con=0"]
    assert runs[2][2] == {"lambda_con": 0.0}
    with pytest.raises(ConfigError, match="tau=V1"):
        ablate.parse_sweeps(["dropout=0.1"])
    with pytest.raises(ConfigError, match="unknown variant"):
        ablate.plan(ablate.ablate_command_parser().parse_args(["--variants", "full,no_brain"]))


@pytest.mark.slow
def test_ablate_runs_variants_and_sweep(tmp_path, caplog):
    root, labels = make_folder(tmp_path / "data", n_copies=3, split_column=True)
    out = tmp_path / "abl"
    argv = ["ablate", "--data", f"folder:{root}", "--labels", str(labels), "--out", str(out), "--preset", "tiny",
            "--epochs", "1", "--batch-size", "4", "--variants", "full,no_image", "--sweep", "tau=0.05",
            "--cache-dir", str(tmp_path / "cache"), "--bootstrap", "20", "--no-progress", "--split", "test"]
    assert main(argv) == 0
    rows = list(csv.DictReader(open(out / "ablation.csv")))
    assert [r["variant"] for r in rows] == ["full", "no_image", "tau=0.05"]
    assert all(r["val_auroc"] != "" and r["test_auroc"] != "" for r in rows)
    cfg = json.loads((out / "no_image" / "model" / "config.json").read_text())
    assert cfg["model_config"]["use_image"] is False
    assert json.loads((out / "tau=0.05" / "model" / "config.json").read_text())["model_config"]["tau"] == 0.05
    md = (out / "ablation.md").read_text()
    assert "| w/o image |" in md and "| tau = 0.05 |" in md
    with caplog.at_level("INFO"):
        assert main(argv) == 0                       # finished variants are reused, not retrained
    assert sum("reusing the finished run" in r.getMessage() for r in caplog.records) == 3


def test_ablate_one_variant(tmp_path, caplog):
    """The fast end-to-end run: one ablated variant, one epoch, its row in the table."""
    root, labels = make_folder(tmp_path / "data", n_copies=3, split_column=True)
    out = tmp_path / "abl"
    with caplog.at_level("INFO"):
        assert main(["ablate", "--data", f"folder:{root}", "--labels", str(labels), "--out", str(out),
                     "--preset", "tiny", "--epochs", "1", "--batch-size", "4", "--variants", "no_image", "--cache-dir",
                     str(tmp_path / "cache"), "--bootstrap", "0", "--no-progress", "--threads", "1"]) == 0
    assert any(r.getMessage().startswith("ablation of 1 variant done in") for r in caplog.records)  # "1 variants"
    rows = list(csv.DictReader(open(out / "ablation.csv")))
    assert [r["variant"] for r in rows] == ["no_image"] and rows[0]["val_auroc"] != ""
    cfg = json.loads((out / "no_image" / "model" / "config.json").read_text())
    assert cfg["model_config"]["use_image"] is False
    assert "| w/o image |" in (out / "ablation.md").read_text()
    assert "- w/o image: no image branch: the signal alone (no InfoNCE term)." in (out / "ablation.md").read_text()
    # the benchmark's protocol: the validation split chooses, the test split (PTB-XL fold 10) is reported once and
    # only when asked for (--split test); every variant had been scored on it. Truth: labels.csv's split column
    # puts 4 records in each split; the test split's are never read
    assert rows[0]["val_n"] == "4" and rows[0]["test_n"] == rows[0]["test_auroc"] == ""
    assert json.loads((out / "no_image" / "config.json").read_text())["no_test"] is True
    assert not (out / "no_image" / "test").exists()
    md = (out / "ablation.md").read_text()
    assert "| variant | val records | val AUROC | val AUPRC | val F1 | best epoch | recipe |" in md and "test AUROC" \
        not in md
    assert "the test split was not read (--split test scores it)" in md
    assert any("the test split is not read" in r.getMessage() for r in caplog.records)


def test_variants_are_the_runs_the_train_command_line_gives(tmp_path):
    """A variant's configuration equals what ``mirage train`` parses from the same options and switches."""
    args = ablate.ablate_command_parser().parse_args(
        ["--data", "x", "--out", "y", "--augment", "--ema", "0.999", "--epochs", "3", "--lr", "0.002", "--limit", "5"])
    for switches, flags in (({"no_labs": True}, ["--no-labs"]), ({"tau": 0.05}, ["--tau", "0.05"]), ({}, [])):
        cfg = ablate.variant_config(args, tmp_path / "v", switches)
        argv = ["--model", "mirage", "--out", str(tmp_path / "v"), "--data", "x", "--preset", "base", "--epochs", "3",
                "--lr", "0.002", "--limit", "5", "--augment", "--ema", "0.999", "--bootstrap", "200", "--no-test",
                *flags]            # the test split read only with --split test
        assert cfg == config_from_args(train_command_parser().parse_args(argv))
    assert cfg.augment is True and cfg.ema == 0.999 and cfg.preset == "base" and cfg.bootstrap == 200
    plain = ablate.variant_config(ablate.ablate_command_parser().parse_args(["--data", "x", "--out", "y"]),
                                  tmp_path / "f", {})
    assert plain.augment is False and plain.ema == 0.0 and plain.no_labs is False


def test_a_finished_run_is_reused_only_for_the_same_recipe(tmp_path, caplog, capsys):
    """A second ablation with another recipe never reads the old run as its own (it used to reuse
    it and print its numbers under the new options' header), nor replaces it without a word (it
    then retrained it with a log warning only): it is refused before any training, naming the
    variant's folder and what differs, and retrains only with --overwrite. The same recipe is
    reused, untouched."""
    root, labels = make_folder(tmp_path / "data", n_copies=3, split_column=True)
    out = tmp_path / "abl"
    base = ["ablate", "--data", f"folder:{root}", "--labels", str(labels), "--out", str(out), "--preset", "tiny",
            "--batch-size", "4", "--variants", "no_image", "--cache-dir", str(tmp_path / "cache"),
            "--bootstrap", "0", "--no-progress", "--threads", "1"]
    run_dir = out / "no_image"
    assert main([*base, "--epochs", "1"]) == 0
    first = (run_dir / "summary.json").read_bytes()
    kept = {p: p.read_bytes() for p in [*run_dir.rglob("*"), out / "ablation.csv", out / "ablation.md",
                                         out / "config.json"] if p.is_file()}
    caplog.clear()
    with caplog.at_level("INFO"):
        assert main([*base, "--epochs", "1", "--threads", "2"]) == 0      # threads do not change the recipe
    assert any("reusing the finished run" in r.getMessage() for r in caplog.records)
    assert (run_dir / "summary.json").read_bytes() == first
    kept[out / "config.json"] = (out / "config.json").read_bytes()       # the last command's options
    capsys.readouterr()
    caplog.clear()
    with caplog.at_level("INFO"):
        assert main([*base, "--epochs", "2", "--seed", "3"]) == 1
    err = capsys.readouterr().err
    assert f"the finished run in {run_dir} (epochs 1 -> 2, seed 0 -> 3) was trained with another recipe" in err
    assert "give --overwrite to retrain it" in err and "another --out" in err
    assert not any("training" in r.getMessage() for r in caplog.records)           # refused before any work
    assert {p: p.read_bytes() for p in kept} == kept                                 # nothing replaced
    assert sorted(p for p in [*run_dir.rglob("*"), *out.glob("*")] if p.is_file()) == sorted(kept)
    caplog.clear()
    with caplog.at_level("INFO"):
        assert main([*base, "--epochs", "2", "--seed", "3", "--overwrite"]) == 0
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "reusing" not in said and "epochs 1 -> 2" in said and "seed 0 -> 3" in said and "retraining" in said
    summary = json.loads((run_dir / "summary.json").read_text())
    trained = json.loads((run_dir / "config.json").read_text())
    assert summary["epochs_run"] == 2 and trained["epochs"] == 2 and trained["seed"] == 3
    row = next(csv.DictReader(open(out / "ablation.csv")))
    assert row["epochs"] == "2"
    assert "epochs 2" in (out / "ablation.md").read_text()


def test_a_retrained_variant_that_fails_early_keeps_its_earlier_run(tmp_path, monkeypatch):
    """`mirage ablate --overwrite` removed a variant's summary.json and test metrics before retraining
    it: a retraining that failed in its first epoch left the finished earlier run without its
    results. Its outputs are put back now, as they were, and the next ablation still finds it."""
    from training_cli.engine import loop

    root, labels = make_folder(tmp_path / "data", n_copies=3, split_column=True)
    out = tmp_path / "abl"
    base = ["ablate", "--data", f"folder:{root}", "--labels", str(labels), "--out", str(out), "--preset", "tiny",
            "--batch-size", "4", "--variants", "no_image", "--cache-dir", str(tmp_path / "cache"),
            "--bootstrap", "20", "--no-progress", "--threads", "1", "--split", "test"]
    assert main([*base, "--epochs", "1"]) == 0
    run_dir = out / "no_image"
    before = {p: p.read_bytes() for p in run_dir.rglob("*") if p.is_file()}
    assert run_dir / "summary.json" in before and run_dir / "test" / "metrics.json" in before

    def fail(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(loop, "train_epoch", fail)
    args = ablate.ablate_command_parser().parse_args([*base[1:], "--epochs", "2", "--overwrite"])
    with pytest.raises(KeyboardInterrupt):
        ablate.run(args)
    assert {p: p.read_bytes() for p in run_dir.rglob("*") if p.is_file()} == before


def test_the_table_lists_every_finished_variant_in_the_folder_with_its_recipe(tmp_path, caplog):
    """A second `mirage ablate --variants ...` into the same --out wrote a table of its own variants
    only, although the first command's finished variants were still there: the table lists every
    finished variant in the folder now, in the paper's order, a row trained with another recipe
    naming it, and a line for a variant folder whose run did not finish."""
    root, labels = make_folder(tmp_path / "data", n_copies=3, split_column=True)
    out = tmp_path / "abl"
    base = ["ablate", "--data", f"folder:{root}", "--labels", str(labels), "--out", str(out), "--preset", "tiny",
            "--batch-size", "4", "--cache-dir", str(tmp_path / "cache"), "--bootstrap", "20", "--no-progress",
            "--threads", "1", "--split", "test"]
    assert main([*base, "--variants", "no_image", "--epochs", "1"]) == 0
    (out / "no_signal").mkdir()                       # a run stopped before its end: no summary.json
    (out / "no_signal" / "config.json").write_text("{}")
    (out / "notes").mkdir()                           # no variant's folder
    with caplog.at_level("INFO"):
        assert main([*base, "--variants", "no_labs", "--epochs", "2"]) == 0
    rows = list(csv.DictReader(open(out / "ablation.csv")))
    assert [r["variant"] for r in rows] == ["no_labs", "no_image"]
    for r in rows:                                    # each row is its own run's
        test = json.loads((out / r["variant"] / "test" / "metrics.json").read_text())
        assert float(r["test_auroc"]) == pytest.approx(test["macro"]["auroc"], abs=5e-5)
        assert r["epochs"] == str(json.loads((out / r["variant"] / "summary.json").read_text())["epochs_run"])
    assert rows[0]["recipe"] == ""
    assert rows[1]["recipe"] == "epochs 1 (this command: 2)"
    md = (out / "ablation.md").read_text()
    assert "| w/o labs |" in md and "| 2/2 | as above |" in md
    assert "| w/o image |" in md and "| epochs 1 (this command: 2) |" in md
    assert f"- w/o signal ({out / 'no_signal'}): its run did not finish (no summary.json)" in md
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "an earlier command trained" in said and "no_image" in said and "w/o signal" in said
    # the w/o-labs run says what it removed, and its model line no longer counts the data's clinical features
    assert "w/o labs: training (the labs not read: no FiLM, the model sees no clinical value)" in said
    assert "classes, no clinical features (w/o labs); device" in said


def test_variant_folders_are_found_in_the_papers_order():
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for name in ("tau=0.2", "lambda_con=0", "tau=0.05", "no_image", "full", "tau=x", "lambda-con=1", "misc"):
            (out / name).mkdir()
        (out / "no_labs").write_text("a file, not a run")
        assert [v[0] for v in ablate.variants_in(out)] == ["full", "no_image", "tau=0.05", "tau=0.2", "lambda_con=0"]
        assert ablate.variants_in(out)[2][1:] == ("tau = 0.05", {"tau": 0.05})


def test_refusal_names_every_variant_of_another_recipe(tmp_path):
    """Finished variants of another recipe, and one stopped before its end (its model already
    selected, no summary.json: it used to be retrained over in silence): one refusal before anything
    is written, naming each folder, whether it finished, and what differs. A variant not yet trained,
    and an unfinished one of the same recipe (trained again from the start), are not named."""
    out = tmp_path / "abl"
    args = ablate.ablate_command_parser().parse_args(["--data", "ptbxl:/d", "--out", str(out), "--preset", "tiny",
                                                      "--variants", "full,no_labs,no_image,no_signal,no_fusion",
                                                      "--epochs", "2"])
    for folder, switches, epochs, finished in (("full", {}, 1, True), ("no_labs", {"no_labs": True}, 1, True),
                                               ("no_image", {"no_image": True}, 1, False),
                                               ("no_signal", {"no_signal": True}, 2, False)):
        cfg = ablate.variant_config(args, out / folder, switches)
        (out / folder / "model").mkdir(parents=True)
        (out / folder / "config.json").write_text(json.dumps({**cfg.to_dict(), "epochs": epochs}))
        (out / folder / "model" / "config.json").write_text("{}")
        if finished:
            (out / folder / "summary.json").write_text("{}")
    before = sorted(p for p in out.rglob("*"))
    with pytest.raises(ConfigError) as info:
        ablate.run(args)
    said = str(info.value)
    assert f"the finished run in {out / 'full'} (epochs 1 -> 2), " \
           f"the finished run in {out / 'no_labs'} (epochs 1 -> 2) " \
           f"and the unfinished run in {out / 'no_image'} (epochs 1 -> 2) were trained with another recipe; give " \
           "--overwrite to retrain them" in said, said
    assert "no_signal" not in said and "no_fusion" not in said
    assert sorted(p for p in out.rglob("*")) == before          # nothing written: no config.json, no folder


def test_recipe_differences_name_every_result_changing_option(tmp_path):
    args = ablate.ablate_command_parser().parse_args(["--data", "ptbxl:/d", "--out", "y", "--task", "mi",
                                                      "--limit", "40", "--preset", "tiny"])
    cfg = ablate.variant_config(args, tmp_path / "full", {})
    run = tmp_path / "full"
    run.mkdir()
    assert ablate.recipe_differences(run, cfg) == ["its config.json is missing or unreadable"]
    stored = {**cfg.to_dict(), "task": "superdiagnostic", "limit": 0, "out": "elsewhere", "threads": 8,
              "command": "mirage ablate ...", "world_size": 1}
    (run / "config.json").write_text(json.dumps(stored))
    assert ablate.recipe_differences(run, cfg) == ["task superdiagnostic -> mi", "limit 0 -> 40"]
    (run / "config.json").write_text(json.dumps({**cfg.to_dict(), "out": "elsewhere"}))
    assert ablate.recipe_differences(run, cfg) == []


def _finished_variant(out, folder, val, test):
    """A finished variant's files as `mirage train` writes them, with hand-written metrics."""
    (out / folder / "model").mkdir(parents=True)
    (out / folder / "test").mkdir()
    (out / folder / "summary.json").write_text(json.dumps({"best_epoch": 1, "epochs_run": 1}))
    (out / folder / "model" / "config.json").write_text(json.dumps({"task": "multilabel", "metrics": {"val": val}}))
    (out / folder / "test" / "metrics.json").write_text(json.dumps(test))


def test_the_table_says_what_each_macro_auroc_rests_on(tmp_path):
    """The table had printed a validation macro AUROC over 2 of 3 classes as the macro of all three, a
    test AUROC under "(95% CI)" with no interval and no word why, no split's size, and "task default"
    for a folder dataset's multilabel task: it gives each split's records, over how many classes a
    macro is the mean, and why the test AUROC has no interval, in the words of metrics.md."""
    out = tmp_path / "abl"
    per = {"A": {"auroc": 0.75}, "B": {"auroc": 0.25}, "C": {"auroc": None}}     # C: no validation positive
    val = {"n": 12, "macro": {"auroc": 0.5, "auprc": 0.4, "f1": 0.3}, "per_class": per}
    test = {"n": 9, "macro": {"auroc": 0.625, "auprc": 0.5, "f1": 0.4},
            "per_class": {"A": {"auroc": 0.5}, "B": {"auroc": 0.75}, "C": {"auroc": 0.625}},
            "bootstrap": {"no_interval": ["A", "B", "C"], "macro": {"auroc": None}}}
    _finished_variant(out, "full", val, test)
    args = ablate.ablate_command_parser().parse_args(["--data", "folder:/d", "--labels", "l.csv", "--out", str(out),
                                                      "--preset", "tiny", "--epochs", "1", "--split", "test"])
    rows, _ = ablate.table_rows(out, args)
    ablate.write_table(out, rows, args)
    md = (out / "ablation.md").read_text()
    assert "task multilabel," in md
    assert "| full | 12/9 | 0.500 over 2 of 3 classes | 0.400 | 0.300 | 0.625 (no interval) | 0.500 |" in md, md
    assert ("- Test AUROC without an interval (full): classes with fewer than 20 positive or negative records: "
            "no interval (3 of 3: A, B, C): with so few") in md
    assert "over k of K classes" in md
    assert "- full: signal (Graphormer) and image (ViT) branches, each modulated by the labs through FiLM" in md
    row, = csv.DictReader(open(out / "ablation.csv"))
    assert (row["val_n"], row["val_classes"], row["test_n"], row["test_classes"]) == ("12", "2 of 3 classes", "9", "")
    # without --split test the table gives no test figure, though an earlier run wrote some
    args = ablate.ablate_command_parser().parse_args(["--data", "folder:/d", "--labels", "l.csv", "--out", str(out),
                                                      "--preset", "tiny", "--epochs", "1"])
    rows, _ = ablate.table_rows(out, args)
    assert (rows[0]["test_n"], rows[0]["test_auroc"], rows[0]["val_auroc"]) == (None, None, 0.5)
    ablate.write_table(out, rows, args)
    assert "| full | 12 | 0.500 over 2 of 3 classes | 0.400 | 0.300 | 1/1 |" in (out / "ablation.md").read_text()
