"""The model card of ``mirage export`` says only what the checkpoint records of its own training.

An audit of an own-data workflow (a folder of LUDB records, splits from labels.csv's split column)
found the card telling PTB-XL's story: "fold 9", "one German hospital's archive (PTB-XL, 1989-1996)",
"seeded random split (seed 0)".
"""

from __future__ import annotations

import json
import logging
import re

import pytest

from helpers_models import make_tiny_checkpoint
from helpers_training import make_folder, train_argv
from training_cli.main import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

PTBXL_SPLITS = "PTB-XL strat_fold 1-8 train, 9 val, 10 test"
PTBXL_ORIGIN = ("Not validated prospectively. Trained on one German hospital's archive (PTB-XL, 1989-1996): "
                "performance on other populations, devices and sampling rates is unknown.")


@pytest.fixture(scope="module")
def own_run(tmp_path_factory):
    """A 1-epoch tiny run on a folder dataset whose splits come from labels.csv's split column; its
    validation split has no MI record (copy 1's MI record relabelled NORM)."""
    base = tmp_path_factory.mktemp("own")
    root, labels = make_folder(base / "own_data" / "ecgs", n_copies=4, split_column=True)
    lines = labels.read_text().splitlines()
    labels.write_text("\n".join(line.replace(",MI,val", ",NORM,val") for line in lines) + "\n")
    assert ",MI,val" not in labels.read_text() and ",MI,train" in labels.read_text()
    out, cache = base / "own", base / "cache"
    seen = _Warnings()
    logging.getLogger("training_cli").addHandler(seen)
    try:
        assert main(["train", *train_argv(f"folder:{root}", out, cache, "--epochs", "1", labels=labels)]) == 0
    finally:
        logging.getLogger("training_cli").removeHandler(seen)
    (out / "warnings.txt").write_text("\n".join(seen.messages))
    return out


class _Warnings(logging.Handler):
    """The warnings a module-scoped run logs (pytest's caplog is per test)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def export_card(model, out, *extra) -> str:
    assert main(["export", "--model", str(model), "--out", str(out), *extra]) == 0
    return (out / "MODEL_CARD.md").read_text()


def test_card_of_a_folder_model_tells_its_own_data_and_splits(own_run, tmp_path):
    card = export_card(own_run / "model", tmp_path / "shipped", "--test-metrics",
                       str(own_run / "test" / "metrics.json"))
    assert "- Data: folder:ecgs; splits: the split column of labels.csv" in card
    assert "Trained on one folder of records only (folder:ecgs, labelled by labels.csv): performance on other" in card
    assert "Validation (the val split, n=4, model selection)" in card
    assert "PTB-XL" not in card and "fold 9" not in card and "German" not in card and "seeded" not in card
    assert "- Task: multilabel; labels: " in card                   # had read "multilabel (multilabel)"
    recipe = next(line for line in card.splitlines() if line.startswith("- Recipe: "))
    assert recipe.startswith("- Recipe: epochs 1, lr ") and "{" not in recipe, recipe   # had printed a Python dict


def test_the_recipe_reads_as_words():
    """The card's Recipe line had printed the checkpoint's dict: "{'epochs': 6, 'lr': 0.0005, ...}"."""
    from training_cli.engine.card_training import recipe_words

    shipped_mi = {"epochs": 6, "lr": 0.0005, "batch_size": 64, "weight_decay": 0.05, "warmup": 0.13, "augment": True,
                  "ema": 0.999, "noise": True, "init_from": "resources/models/mi"}
    assert recipe_words(shipped_mi) == ("epochs 6, lr 0.0005, batch size 64, weight decay 0.05, warm-up 0.13; "
                                        "augmentation on, fault noise on, EMA 0.999; "
                                        "initialised from resources/models/mi")
    plain = {"epochs": 1, "lr": 3e-4, "batch_size": 32, "weight_decay": 0.05, "warmup": 0.13, "augment": False,
             "ema": 0.0, "noise": False, "consistency": 0.0, "init_from": None}
    assert recipe_words(plain) == ("epochs 1, lr 0.0003, batch size 32, weight decay 0.05, warm-up 0.13; "
                                   "augmentation off, fault noise off, EMA off; from scratch")
    assert recipe_words("mean of the members' probabilities") == "mean of the members' probabilities"


@pytest.mark.parametrize("provenance", [
    {"data": "ptbxl:/data/ptbxl", "splits": PTBXL_SPLITS, "data_kind": "ptbxl", "data_root": "ptbxl"},
    {"data": "ptbxl:/data/ptbxl", "splits": PTBXL_SPLITS},          # a checkpoint older than "data_kind"
])
def test_card_of_a_ptbxl_model_keeps_the_ptbxl_wording(tmp_path, provenance):
    src = make_tiny_checkpoint(tmp_path / "run" / "model")
    doc = json.loads((src / "config.json").read_text())
    labels = doc["labels"]
    doc["provenance"].update(provenance)
    doc["metrics"] = {"val": {"n": 50, "macro": {"auroc": 0.8},
                              "per_class": {c: {"auroc": 0.8, "positives": 10} for c in labels}}}
    (src / "config.json").write_text(json.dumps(doc))
    card = export_card(src, tmp_path / "shipped", "--data-name", "PTB-XL 1.0.3, 100 Hz records")
    assert f"- Data: PTB-XL 1.0.3, 100 Hz records; splits: {PTBXL_SPLITS}" in card
    assert "Validation (fold 9, n=50, model selection), macro AUROC 0.800.\n" in card     # the n a folder card gives
    assert PTBXL_ORIGIN in card


def test_card_marks_what_was_not_measured_and_training_warns(own_run, tmp_path):
    """The validation split has no MI record: its threshold is best_f1_thresholds' 0.5 fallback and the
    macro AUROC is over 3 of the 4 classes; the card had called both measured, training had said nothing."""
    card = export_card(own_run / "model", tmp_path / "shipped", "--test-metrics",
                       str(own_run / "test" / "metrics.json"))
    assert "MI 0.500 (a fallback, not measured: no validation positives)" in card
    # the classes with validation positives are measured: one fallback on the thresholds line (the card quotes the
    # command, sys.argv, which may hold the word: pytest tests/test_report_fallback_threshold.py ...)
    thresholds = next(line for line in card.splitlines() if line.startswith("- Thresholds"))
    assert thresholds.count("fallback") == 1, thresholds
    assert re.search(r"\b(CD|HYP|NORM) 0\.\d+ \(", thresholds) is None, thresholds
    assert "model selection), macro AUROC" in card and " over 3 of 4 classes (MI: undefined," in card
    log = (own_run / "warnings.txt").read_text()
    assert "validation split: no positive record of MI (1 of 4 classes): AUROC undefined; threshold 0.5 is a " \
           "fallback" in log


def test_the_pdf_report_says_over_how_many_classes_in_the_card_s_words(own_run, tmp_path):
    """The PDF report's model section gave the validation macro AUROC without saying it was over 3 of
    the 4 classes (MI has no validation record), which the model card says. Both now take the words
    from one function (report.model_info.macro_auroc_text)."""

    from mirage_model.checkpoint import load_checkpoint
    from mirage_model.review.report.model_info import metric_lines, model_info_from

    card = export_card(own_run / "model", tmp_path / "shipped")
    said = re.search(r"model selection\), (macro AUROC .*?)\.\n", card).group(1)
    assert " over 3 of 4 classes (MI: undefined," in said
    loaded = load_checkpoint(own_run / "model")
    val = metric_lines(model_info_from(loaded)["metrics"], loaded.labels)[0]
    assert val.startswith("<b>Validation (model selection, n=4)</b>: " + said + "; per class ")
    assert "MI " not in val.split("; per class ")[1]            # no per-class AUROC for MI



def test_calibrate_ensemble_and_the_member_line_say_over_how_many_classes(own_run, tmp_path, capsys):
    """The validation split has no MI record. `mirage calibrate` and `mirage ensemble` printed "val
    macro AUROC 0.5556" and the card's line for each ensemble member "validation macro AUROC 0.556",
    without saying that it was over 3 of the 4 classes, which the card's own validation line says;
    all now take the words from report.model_info.macro_auroc_text."""
    root = own_run.parent / "own_data" / "ecgs"
    data = ["--data", f"folder:{root}", "--labels", str(root / "labels.csv"), "--cache-dir",
            str(own_run.parent / "cache"), "--no-progress"]
    over = " over 3 of 4 classes (MI: undefined, the split has no positive or no negative record of them)"
    capsys.readouterr()
    assert main(["calibrate", "--model", str(own_run / "model"), *data, "--out", str(tmp_path / "cal")]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith(f"wrote {tmp_path / 'cal'}: val macro AUROC ") and last.endswith(over), last
    model = str(own_run / "model")
    assert main(["ensemble", model, model, *data, "--out", str(tmp_path / "ens")]) == 0
    said = capsys.readouterr().out
    assert said.startswith("ensemble of 2: val macro AUROC ") and over + " on 4 records" in said, said
    card = export_card(tmp_path / "ens", tmp_path / "shipped")
    members = [line for line in card.splitlines() if line.startswith("  - member ")]
    assert len(members) == 2 and all("; validation macro AUROC " in m and over in m for m in members), members


def test_evaluate_says_over_how_many_classes_in_the_card_s_words(own_run, tmp_path, capsys):
    """`mirage evaluate` of the validation split (no MI record) printed "val: macro AUROC 0.556
    (lo-hi)" and its metrics.md gave the macro row alone, without saying it was over 3 of the 4
    classes; both now say so in the card's words (report.model_info.macro_auroc_text)."""

    root = own_run.parent / "own_data" / "ecgs"
    out = tmp_path / "eval"
    capsys.readouterr()
    assert main(["evaluate", "--model", str(own_run / "model"), "--data", f"folder:{root}", "--labels",
                 str(root / "labels.csv"), "--cache-dir", str(own_run.parent / "cache"), "--split", "val",
                 "--out", str(out), "--bootstrap", "20", "--no-progress"]) == 0
    over = " over 3 of 4 classes (MI: undefined, the split has no positive or no negative record of them)"
    said = capsys.readouterr().out
    # no interval: none of the 4 records' classes has 20 positive and negative records (metrics.bootstrap_ci)
    assert re.search(r"^val: macro AUROC \d\.\d{3}" + re.escape(over) + ", macro AUPRC ", said), said
    assert "The val split's macro AUROC " in (out / "metrics.md").read_text()
    assert over + "." in (out / "metrics.md").read_text()

def test_card_of_a_split_without_any_auroc(tmp_path):
    """A validation split too small for any AUROC had ended the export with a TypeError."""
    src = make_tiny_checkpoint(tmp_path / "run" / "model", labels=("A", "B"))
    doc = json.loads((src / "config.json").read_text())
    doc["metrics"] = {"val": {"n": 1, "macro": {"auroc": None},
                              "per_class": {"A": {"auroc": None, "positives": 1},
                                            "B": {"auroc": None, "positives": 0}}}}
    (src / "config.json").write_text(json.dumps(doc))
    card = export_card(src, tmp_path / "shipped")
    assert "macro AUROC undefined (no class has both positive and negative records in the split)" in card
    assert ("A 0.500 (a fallback, not measured: no validation negatives), "
            "B 0.500 (a fallback, not measured: no validation positives)") in card


def test_card_marks_a_threshold_chosen_on_no_negative_as_a_fallback(tmp_path):
    """A validation split whose every record is positive for a label (a researcher's 'SINUS' on 4
    records) had its threshold chosen by F1 below the lowest score, one that calls every record
    positive, and the card gave it as measured; it is the 0.5 fallback, and the card says why."""
    src = make_tiny_checkpoint(tmp_path / "run" / "model", labels=("AF", "SINUS"))
    doc = json.loads((src / "config.json").read_text())
    doc["metrics"] = {"val": {"n": 4, "macro": {"auroc": 0.75},
                              "per_class": {"AF": {"auroc": 0.75, "positives": 2},
                                            "SINUS": {"auroc": None, "positives": 4}}}}
    doc["thresholds"] = [0.41, 0.5]
    (src / "config.json").write_text(json.dumps(doc))
    card = export_card(src, tmp_path / "shipped")
    assert "- Thresholds (max F1 on the validation split): AF 0.410, SINUS 0.500 (a fallback, not measured: " \
           "no validation negatives)" in card


def test_card_gives_each_calibration_maps_positive_and_negative_records(tmp_path):
    """A researcher's card had said "AF platt, LVH identity, ..." alone: that AF's map was fitted on 1 positive
    record, which ``mirage calibrate`` prints as "a rough map", was nowhere in it. Truth: the counts written by hand
    into config.json's calibration (as ``calibration.fit`` writes them), AF's and PVC's maps on under 10 of one."""
    src = make_tiny_checkpoint(tmp_path / "run" / "model", labels=("AF", "LVH", "PVC", "SR"))
    doc = json.loads((src / "config.json").read_text())
    doc["calibration"] = {"methods": ["platt", "identity", "platt", "platt"],
                          "params": [{"a": 1.0, "b": 0.0}, {}, {"a": 2.0, "b": -1.0}, {"a": 1.5, "b": 0.2}],
                          "fitted_on": "folder multilabel val split, 40 records",
                          "metrics": {"positives": [1, 0, 31, 12], "negatives": [39, 40, 9, 28]}}
    (src / "config.json").write_text(json.dumps(doc))
    card = export_card(src, tmp_path / "shipped")
    line = next(x for x in card.splitlines() if x.startswith("- Probabilities: "))
    assert line.startswith("- Probabilities: calibrated on the folder multilabel val split, 40 records (each label's "
                           "map, then its positive/negative records there: AF platt 1/39, LVH identity 0/40, "
                           "PVC platt 31/9, SR platt 12/28; fitted on fewer than 10 positive or negative records, a "
                           "rough map: AF, PVC; `mirage calibrate`)")
    # a calibration without the counts (an older config.json): the maps as before, nothing invented
    del doc["calibration"]["metrics"]
    (src / "config.json").write_text(json.dumps(doc))
    bare = export_card(src, tmp_path / "bare")
    assert "(AF platt, LVH identity, PVC platt, SR platt; `mirage calibrate`)" in bare and "rough" not in bare


def test_card_says_the_floor_of_the_calls_beside_thresholds_below_it(tmp_path):
    """Every call is at or above its threshold and at least 20 % (``outputs.is_called``); a card whose thresholds
    lie below 20 % (max F1 chose them so) had given them as the calls' rule. Truth: the thresholds counted by hand,
    2 of the 3 below 20 %; a card whose thresholds are all at or above it says nothing of the floor."""
    src = make_tiny_checkpoint(tmp_path / "run" / "model", labels=("AF", "PVC", "WPW"))
    doc = json.loads((src / "config.json").read_text())
    doc["thresholds"] = [0.05, 0.199, 0.41]
    (src / "config.json").write_text(json.dumps(doc))
    card = export_card(src, tmp_path / "shipped")
    lines = card.splitlines()
    at = next(k for k, line in enumerate(lines) if line.startswith("- Thresholds ("))
    calls = ("- Calls: at or above the threshold and at least 20 % (`outputs.MIN_CALLED_P`); 2 of the 3 thresholds "
             "are below 20 %: those labels are called from 20 %")
    assert lines[at + 1] == calls
    # test figures scored before mirage evaluate called by the floor (no "min_called_p"): the card says so
    row = {"auroc": 0.9, "auprc": 0.8, "f1": 0.7, "accuracy": 0.75}
    test = {"n": 10, "split": "test", "macro": row, "per_class": dict.fromkeys(("AF", "PVC", "WPW"), row)}
    (tmp_path / "before.json").write_text(json.dumps(test))
    (tmp_path / "after.json").write_text(json.dumps({**test, "min_called_p": 0.2}))
    before = export_card(src, tmp_path / "with_before", "--test-metrics", str(tmp_path / "before.json"))
    assert (calls + "; the test split's F1 and accuracy below were computed at the thresholds alone, before the "
            "floor\n") in before
    assert calls + "\n" in export_card(src, tmp_path / "with_after", "--test-metrics", str(tmp_path / "after.json"))
    doc["thresholds"] = [0.2, 0.35, 0.41]
    (src / "config.json").write_text(json.dumps(doc))
    assert "- Calls:" not in export_card(src, tmp_path / "shipped_above")


def test_card_counts_the_test_looks_the_checkpoint_records(own_run, tmp_path):
    """mirage train scores the test split (OUT/test/) and records it in the checkpoint; a card quoting a
    later `mirage evaluate` had said "evaluated once" (--test-looks defaulted to 1 whatever was recorded)."""
    looks = json.loads((own_run / "model" / "config.json").read_text())["metrics"]["test_looks"]
    assert [(look["by"], look["split"], look["n"]) for look in looks] == [("mirage train", "test", 4)]
    own = export_card(own_run / "model", tmp_path / "own", "--test-metrics", str(own_run / "test" / "metrics.json"))
    assert "Test split (test, n=4, evaluated once)" in own          # the run's own look, counted once

    root = own_run.parent / "own_data"
    assert main(["evaluate", "--model", str(own_run / "model"), "--data", f"folder:{root / 'ecgs'}",
                 "--labels", str(root / "ecgs" / "labels.csv"), "--cache-dir", str(own_run.parent / "cache"),
                 "--split", "test", "--out", str(tmp_path / "eval"), "--bootstrap", "20", "--no-progress"]) == 0
    second = export_card(own_run / "model", tmp_path / "second", "--test-metrics",
                         str(tmp_path / "eval" / "metrics.json"))
    assert ("Test split (test, n=4, scored 2 times for this model (by `mirage train` at the end of training, then by "
            "the evaluation these figures come from): the figures are the last look's)") in second
    assert "evaluated once" not in second
    # the exported checkpoint keeps both looks: exporting it again with the same figures still says 2
    again = export_card(tmp_path / "second", tmp_path / "again", "--test-metrics",
                        str(tmp_path / "eval" / "metrics.json"))
    assert "n=4, scored 2 times for this model" in again
    # the user's own count still wins
    told = export_card(own_run / "model", tmp_path / "told", "--test-metrics", str(tmp_path / "eval" / "metrics.json"),
                       "--test-looks", "1")
    assert "Test split (test, n=4, evaluated once)" in told


def test_the_run_s_test_figures_are_kept_in_its_checkpoint_and_carded_without_test_metrics(own_run, tmp_path):
    """mirage train scores the test split: its figures had stayed in OUT/test/metrics.json, so that the checkpoint's
    config.json held none, the app's model line showed none and `mirage export` without --test-metrics wrote "No
    test-split figures are recorded". They now land in ``metrics.test`` as an export of that metrics.json puts
    them, with the train command that scored them."""
    from mirage_model.review.report.model_info import held_out_figure
    from training_cli.commands.export import scrub_paths

    scored = json.loads((own_run / "test" / "metrics.json").read_text())
    doc = json.loads((own_run / "model" / "config.json").read_text())
    kept = doc["metrics"]["test"]
    assert kept["n"] == 4 and kept["split"] == "test" and kept["look_id"] == scored["look_id"]
    assert kept["macro"] == scored["macro"] and kept["per_class"] == scored["per_class"]
    assert kept["thresholds"] == doc["thresholds"]
    assert kept["command"] == doc["provenance"]["command"] and kept["command"].startswith("mirage ")
    assert held_out_figure(doc["metrics"], doc["provenance"]).startswith(
        f"test-split macro AUROC {scored['macro']['auroc']:.3f}")
    card = export_card(own_run / "model", tmp_path / "stored")
    assert "No test-split figures are recorded" not in card
    assert "Test split (test, n=4, evaluated once)" in card           # one look: the run's, not two
    assert f"; command: `{scrub_paths(kept['command'])}`;" in card
    assert "(`metrics.test`, written by `mirage train`, which scored the test split at the end of training)" in card
    # exported with the same figures as --test-metrics, they are that one look still
    assert "n=4, evaluated once" in export_card(own_run / "model", tmp_path / "given", "--test-metrics",
                                                str(own_run / "test" / "metrics.json"))


def test_an_older_run_s_own_test_look_is_counted(tmp_path):
    """A checkpoint trained before "test_looks": its run's OUT/test/metrics.json beside OUT/model is a look."""
    src = make_tiny_checkpoint(tmp_path / "run" / "model")
    metrics = {"n": 10, "split": "test", "date": "2026-01-01T10:00:00Z",
               "macro": {"auroc": 0.9, "auprc": 0.8, "f1": 0.7, "accuracy": 0.75},
               "per_class": {lab: {"auroc": 0.9, "auprc": 0.8, "f1": 0.7, "accuracy": 0.75}
                             for lab in ("NORM", "MI", "STTC", "CD", "HYP")}}
    (tmp_path / "run" / "test").mkdir()
    (tmp_path / "run" / "test" / "metrics.json").write_text(json.dumps(metrics))
    (tmp_path / "run" / "summary.json").write_text(json.dumps({"test_macro_auroc": 0.9}))
    (tmp_path / "eval.json").write_text(json.dumps({**metrics, "date": "2026-01-02T10:00:00Z"}))
    assert "n=10, evaluated once" in export_card(src, tmp_path / "a", "--test-metrics",
                                                  str(tmp_path / "run" / "test" / "metrics.json"))
    assert "n=10, scored 2 times for this model" in export_card(src, tmp_path / "b", "--test-metrics",
                                                                  str(tmp_path / "eval.json"))


def test_calibrate_and_ensemble_say_an_undefined_validation_auroc(tmp_path, capsys):
    """A validation split where no class has both positive and negative records (every val record
    labelled NORM only): calibrate and ensemble had ended with "TypeError: unsupported format string
    passed to NoneType.__format__" after writing; they now say the AUROC is undefined."""
    root, labels = make_folder(tmp_path / "ecgs", n_copies=3, split_column=True)
    lines = labels.read_text().splitlines()
    labels.write_text("\n".join([lines[0]] + [line.rsplit(",", 2)[0] + ",NORM,val" if line.endswith(",val")
                                              else line for line in lines[1:]]) + "\n")
    out, cache = tmp_path / "run", tmp_path / "cache"
    assert main(["train", *train_argv(f"folder:{root}", out, cache, "--epochs", "1", labels=labels)]) == 0
    data = ["--data", f"folder:{root}", "--labels", str(labels), "--cache-dir", str(cache), "--no-progress"]
    capsys.readouterr()
    assert main(["calibrate", "--model", str(out / "model"), *data, "--out", str(tmp_path / "cal")]) == 0
    assert "val macro AUROC undefined" in capsys.readouterr().out
    assert main(["ensemble", str(out / "model"), str(out / "model"), *data, "--out", str(tmp_path / "ens")]) == 0
    assert ("val macro AUROC undefined (no class has both positive and negative records in the split) on 4 records "
            "(best member undefined)") in capsys.readouterr().out


def test_a_run_whose_validation_split_has_no_auroc_says_so_instead_of_a_loss(tmp_path, caplog):
    """Every validation record NORM: no class has an AUROC there, so the run selects by validation
    loss. The summary and the last log line said that negative loss was the "best val macro AUROC"
    (e.g. -0.69); now the AUROC is None / "undefined" and the summary says how it selected."""
    root, labels = make_folder(tmp_path / "data" / "ecgs", n_copies=4, split_column=True)
    lines = labels.read_text().splitlines()
    relabelled = [line if not line.endswith(",val") else ",".join(line.split(",")[:-2] + ["NORM", "val"])
                  for line in lines]
    labels.write_text("\n".join(relabelled) + "\n")
    assert sum(line.endswith(",NORM,val") for line in relabelled) >= 2
    out = tmp_path / "run"
    with caplog.at_level(logging.INFO, logger="training_cli"):
        assert main(["train", *train_argv(f"folder:{root}", out, tmp_path / "cache", "--epochs", "1",
                                          labels=labels)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["best_val_macro_auroc"] is None
    assert summary["selected_by"].startswith("val loss")
    done = [r.getMessage() for r in caplog.records if r.getMessage().startswith("done in")]
    assert done and "best val macro AUROC undefined (selected by val loss)" in done[-1]


def test_a_card_written_again_after_the_thresholds_were_chosen_again_says_its_test_figures_are_the_earlier(
        tmp_path):
    """The statements model's thresholds below 20 % were chosen again on the validation split after its test split
    was scored; a card written again from what the checkpoint keeps of that scoring had lost the note that the test
    split's F1 and accuracy were the earlier thresholds' (no threshold below the floor: no "Calls" line), so it gave
    them as the new thresholds'. Truth: the two thresholds changed by hand here, the scoring's kept in config.json."""
    src = make_tiny_checkpoint(tmp_path / "run" / "model", labels=("AF", "PVC", "WPW"))
    doc = json.loads((src / "config.json").read_text())
    doc["thresholds"] = [0.05, 0.199, 0.41]
    (src / "config.json").write_text(json.dumps(doc))
    row = {"auroc": 0.9, "auprc": 0.8, "f1": 0.7, "accuracy": 0.75}
    test = {"n": 10, "split": "test", "macro": row, "per_class": dict.fromkeys(("AF", "PVC", "WPW"), row),
            "model_type": "mirage", "labels": ["AF", "PVC", "WPW"], "thresholds": [0.05, 0.199, 0.41]}
    (tmp_path / "metrics.json").write_text(json.dumps(test))       # scored before the floor: no "min_called_p"
    export_card(src, tmp_path / "shipped", "--test-metrics", str(tmp_path / "metrics.json"))
    shipped = json.loads((tmp_path / "shipped" / "config.json").read_text())
    assert shipped["metrics"]["test"]["thresholds"] == [0.05, 0.199, 0.41]      # what it was scored at, kept
    shipped["thresholds"] = [0.2, 0.35, 0.41]                                    # two chosen again
    (tmp_path / "shipped" / "config.json").write_text(json.dumps(shipped))
    (tmp_path / "kept.json").write_text(json.dumps(shipped["metrics"]["test"]))
    card = export_card(tmp_path / "shipped", tmp_path / "again", "--test-metrics", str(tmp_path / "kept.json"))
    assert ("- Calls: at or above the threshold and at least 20 % (`outputs.MIN_CALLED_P`); every threshold is at "
            "least 20 %; the test split's F1 and accuracy below were computed at the earlier thresholds alone, before "
            "the floor (config.json `metrics.test.thresholds`; 2 of the 3 differ from these); its AUROC and AUPRC "
            "take no threshold\n") in card
    again = json.loads((tmp_path / "again" / "config.json").read_text())
    assert again["metrics"]["test"]["thresholds"] == [0.05, 0.199, 0.41]       # and written again, kept again
    # earlier thresholds all at or above the floor, scored with it: the earlier thresholds, not "before the floor"
    kept = {**shipped["metrics"]["test"], "thresholds": [0.3, 0.35, 0.41], "min_called_p": 0.2}
    (tmp_path / "kept.json").write_text(json.dumps(kept))
    card = export_card(tmp_path / "shipped", tmp_path / "above", "--test-metrics", str(tmp_path / "kept.json"))
    assert ("every threshold is at least 20 %; the test split's F1 and accuracy below were computed at the earlier "
            "thresholds (config.json `metrics.test.thresholds`; 1 of the 3 differs from these)") in card
    # scored at these very thresholds: nothing to say
    (tmp_path / "kept.json").write_text(json.dumps({**kept, "thresholds": [0.2, 0.35, 0.41]}))
    assert "- Calls:" not in export_card(tmp_path / "shipped", tmp_path / "same", "--test-metrics",
                                         str(tmp_path / "kept.json"))


def test_test_metrics_of_another_model_are_refused(own_run, tmp_path, capsys):
    """An ensemble exported with its first member's test/metrics.json (or a calibrated checkpoint with
    the uncalibrated one's) got a card whose "Test split ... evaluated once" table held that other
    model's figures, as its own. The metrics.json names the model type, labels and thresholds it
    scored at; any that are not this checkpoint's is refused, naming the file."""
    root = own_run.parent / "own_data" / "ecgs"
    data = ["--data", f"folder:{root}", "--labels", str(root / "labels.csv"), "--cache-dir",
            str(own_run.parent / "cache"), "--no-progress"]
    model, member_metrics = str(own_run / "model"), str(own_run / "test" / "metrics.json")
    assert main(["ensemble", model, model, *data, "--out", str(tmp_path / "ens")]) == 0
    capsys.readouterr()
    assert main(["export", "--model", str(tmp_path / "ens"), "--out", str(tmp_path / "shipped"),
                 "--test-metrics", member_metrics]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"mirage export: --test-metrics {member_metrics} scored mirage-folder-multilabel-tiny, "
                          "not this checkpoint (model type mirage, this checkpoint's ensemble)"), err
    assert not (tmp_path / "shipped").exists()
    # the same model type and labels at other thresholds: another model too
    other = json.loads((own_run / "test" / "metrics.json").read_text())
    other["thresholds"] = [t + 0.1 for t in other["thresholds"]]
    (tmp_path / "other.json").write_text(json.dumps(other))
    assert main(["export", "--model", model, "--out", str(tmp_path / "x"), "--test-metrics",
                 str(tmp_path / "other.json")]) == 1
    assert "not this checkpoint (thresholds " in capsys.readouterr().err
    # its own figures are taken
    assert "Test split (test, n=4" in export_card(own_run / "model", tmp_path / "own", "--test-metrics", member_metrics)


def test_an_export_without_test_metrics_shows_the_figures_config_json_holds(tmp_path):
    """`mirage export` without --test-metrics wrote a card with no test table, although the checkpoint's
    config.json held the test figures an earlier export had merged in (a shipped model exported again). The
    card shows them, saying where they came from; a checkpoint that holds none says no figures are recorded.
    Truth: the figures written here by hand."""
    src = make_tiny_checkpoint(tmp_path / "run" / "model")
    none = export_card(src, tmp_path / "none")
    assert "No test-split figures are recorded for this model" in none and "Test split (" not in none
    row = {"auroc": 0.9, "auprc": 0.8, "f1": 0.7, "accuracy": 0.75}
    test = {"n": 10, "split": "test", "date": "2026-01-02T10:00:00Z", "macro": row,
            "per_class": dict.fromkeys(("NORM", "MI", "STTC", "CD", "HYP"), row)}
    (tmp_path / "metrics.json").write_text(json.dumps(test))
    export_card(src, tmp_path / "shipped", "--test-metrics", str(tmp_path / "metrics.json"))
    again = export_card(tmp_path / "shipped", tmp_path / "again")
    assert ("Test split (test, n=10, evaluated once), without intervals (no bootstrap run); figures from this "
            "checkpoint's config.json (`metrics.test`, merged in by an earlier `mirage export`)\n") in again
    assert "| **macro** | 0.900 | 0.800 | 0.700 | 0.750 |" in again and "| MI | 0.900 | 0.800 |" in again
    assert "No test-split figures" not in again
    # re-calibrated after that scoring (mirage calibrate keeps the metrics): the figures are said to be earlier
    doc = json.loads((tmp_path / "shipped" / "config.json").read_text())
    doc["provenance"]["calibration_date"] = "2026-01-05T09:00:00Z"
    (tmp_path / "shipped" / "config.json").write_text(json.dumps(doc))
    later = export_card(tmp_path / "shipped", tmp_path / "later")
    assert ("merged in by an earlier `mirage export`), scored before `mirage calibrate` re-calibrated this checkpoint "
            "(2026-01-05T09:00:00Z): `mirage evaluate` scores it as it is now\n") in later


def test_the_card_gives_a_run_under_a_minute_in_seconds(tmp_path):
    """A tiny own-data run of 7.3 s had "wall time to the selected epoch 0 min" on its card."""
    src = make_tiny_checkpoint(tmp_path / "run" / "model")
    for seconds, said in ((7.3, "7 s"), (750.0, "12 min")):
        doc = json.loads((src / "config.json").read_text())
        doc["provenance"]["duration_s"] = seconds
        (src / "config.json").write_text(json.dumps(doc))
        card = export_card(src, tmp_path / f"shipped{seconds:.0f}")
        assert f"; wall time to the selected epoch {said}; date " in card, card


def test_a_test_split_whose_classes_have_no_interval_is_not_said_to_have_them(tmp_path):
    """19 test records, every class under 20 positives: the card said "with percentile bootstrap 95% intervals" over a
    table of none. Truth: the bootstrap section written here by hand (no figure given an interval)."""
    src = make_tiny_checkpoint(tmp_path / "run" / "model")
    labels = ("NORM", "MI", "STTC", "CD", "HYP")
    row = {"auroc": 0.6, "auprc": 0.5, "f1": 0.4, "accuracy": 0.5}
    none = dict.fromkeys(row)
    test = {"n": 19, "split": "test", "macro": row, "per_class": dict.fromkeys(labels, row),
            "bootstrap": {"macro": none, "per_class": dict.fromkeys(labels, none), "no_interval": list(labels)}}
    (tmp_path / "metrics.json").write_text(json.dumps(test))
    card = export_card(src, tmp_path / "shipped", "--test-metrics", str(tmp_path / "metrics.json"))
    assert "Test split (test, n=19, evaluated once), without intervals (below)\n" in card
    assert "bootstrap 95% intervals" not in card
    test["bootstrap"]["per_class"]["NORM"] = {**none, "auroc": [0.4, 0.8]}
    (tmp_path / "metrics.json").write_text(json.dumps(test))
    card = export_card(src, tmp_path / "shipped2", "--test-metrics", str(tmp_path / "metrics.json"))
    assert "Test split (test, n=19, evaluated once), with percentile bootstrap 95% intervals\n" in card


def test_a_test_split_scored_without_a_bootstrap_is_not_said_to_have_intervals(tmp_path):
    """`mirage evaluate --bootstrap 0` writes no bootstrap section: the card had said "with percentile bootstrap 95%
    intervals" over a table of point figures (a reviewer's find, session 44). Truth: the metrics written here by hand,
    with no bootstrap section, so no figure of the table can carry an interval."""
    src = make_tiny_checkpoint(tmp_path / "run" / "model")
    row = {"auroc": 0.6, "auprc": 0.5, "f1": 0.4, "accuracy": 0.5}
    test = {"n": 40, "split": "test", "macro": row,
            "per_class": dict.fromkeys(("NORM", "MI", "STTC", "CD", "HYP"), row)}
    (tmp_path / "metrics.json").write_text(json.dumps(test))
    card = export_card(src, tmp_path / "shipped", "--test-metrics", str(tmp_path / "metrics.json"))
    assert "Test split (test, n=40, evaluated once), without intervals (no bootstrap run)\n" in card, card
    assert "bootstrap 95% intervals" not in card
    assert "| **macro** | 0.600 | 0.500 | 0.400 | 0.500 |" in card, card


def test_evaluate_command_without_test_metrics_is_refused(tmp_path, capsys):
    """`--evaluate-command` without --test-metrics was quoted on the card beside the figures `mirage train` stored
    (and logged as "not the command that wrote --test-metrics", none given): it is refused, naming both options."""
    model = make_tiny_checkpoint(tmp_path / "model")
    assert main(["export", "--model", str(model), "--out", str(tmp_path / "shipped"),
                 "--evaluate-command", "mirage evaluate --model M --split test"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("mirage export: --evaluate-command quotes the command that wrote --test-metrics, "
                          "and none was given"), err
    assert "Traceback" not in err and not (tmp_path / "shipped").exists()


def test_the_card_gives_the_training_records_sampling_rates(tmp_path):
    """A researcher mixing 100 and 500 Hz recorders read nothing of it on the card. It now counts the training
    records by their own rate, as the run read them. Truth: the bundled PTB-XL records' headers say 100 Hz, the
    bundled LUDB record's 500 Hz (the first line of each .hea, read here); 4 PTB-XL and 2 LUDB copies train."""
    import shutil

    import mirage_model as mm

    root, labels = make_folder(tmp_path / "ecgs", n_copies=3, split_column=True)
    ludb = mm.resources_dir() / "samples" / "ludb"
    (root / "ludb").mkdir()
    for k in (1, 2):
        for ext in (".hea", ".dat"):
            shutil.copy(ludb / f"1{ext}", root / "ludb" / f"1{ext}".replace("1", str(k), 1))
        hea = root / "ludb" / f"{k}.hea"
        hea.write_text(hea.read_text().replace("1.dat", f"{k}.dat"))
    rates = {p.stem: p.read_text().split("\n")[0].split()[2] for p in [*root.glob("*.hea"), *root.glob("ludb/*.hea")]}
    assert set(rates.values()) == {"100", "500"}
    with open(labels, "a") as fh:
        fh.write("ludb/1,NORM,train\nludb/2,CD,train\n")
    out = tmp_path / "run"
    assert main(["train", *train_argv(f"folder:{root}", out, tmp_path / "cache", "--epochs", "1", "--no-test",
                                      labels=labels)]) == 0
    card = export_card(out / "model", tmp_path / "shipped")
    assert "- Sampling rates of the training records: 100 Hz 4 records, 500 Hz 2 records (resampled to 100 Hz)" \
        in card.splitlines(), card
    from training_cli.engine.left_out import sampling_rates_lines
    assert sampling_rates_lines({}, 100.0) == []       # a checkpoint that records none says nothing


def test_the_card_says_no_record_was_resampled_where_all_have_the_model_s_rate():
    """A card of 100 Hz records only had read "100 Hz 108 records (resampled to 100 Hz)"."""
    from training_cli.engine.left_out import sampling_rates_lines

    assert sampling_rates_lines({"train_sampling_rates": {"100": 108}}, 100.0) == [
        "- Sampling rates of the training records: 100 Hz 108 records (the model's rate: none resampled)"]
    assert sampling_rates_lines({"train_sampling_rates": {"500": 3}}, 100.0) == [
        "- Sampling rates of the training records: 500 Hz 3 records (resampled to 100 Hz)"]


def test_the_card_of_a_model_of_rhythm_labels_does_not_say_rhythm_is_outside_them(tmp_path):
    """A researcher's model of AF, LVH, OTHER and SR (LUDB and CinC records labelled from their headers) had a card
    ending "Other label systems (rhythm, other cohorts' codes) are outside these 4 classes": two of them are rhythms.
    Truth: AF and SR name atrial fibrillation and sinus rhythm (their words here are the CinC map's SNOMED-CT terms);
    PTB-XL's five superclasses name no rhythm."""
    own = make_tiny_checkpoint(tmp_path / "own" / "model", labels=("AF", "LVH", "OTHER", "SR"))
    card = export_card(own, tmp_path / "own_card")
    assert "Other label systems (other cohorts' codes) are outside these 4 classes." in card
    assert "(rhythm, " not in card
    worded = make_tiny_checkpoint(tmp_path / "worded" / "model", labels=("Fib", "QAb"))
    doc = json.loads((worded / "config.json").read_text())
    doc["label_descriptions"] = {"Fib": "atrial fibrillation", "QAb": "Q wave abnormal"}
    (worded / "config.json").write_text(json.dumps(doc))
    assert "Other label systems (other cohorts' codes) are outside these 2 classes." in export_card(
        worded, tmp_path / "worded_card")
    superclasses = export_card(make_tiny_checkpoint(tmp_path / "ptbxl" / "model"), tmp_path / "ptbxl_card")
    assert "Other label systems (rhythm, other cohorts' codes) are outside these 5 classes." in superclasses


def test_the_card_says_paced_records_were_trained_on_only_from_the_training_labels(tmp_path):
    """Every card had said paced records were ones the model "was not trained for": untrue of a researcher's model
    whose training records held LUDB 8 and 34 ("UNIpolar ventricular pacing" in their headers; session 55's own-data
    walk). The card now gives the clinical reason (the paced QRS is wide, its repolarisation secondary: Sgarbossa et
    al. 1996) and what the training labels say. Truth: the class counts written into config.json here."""
    def card_of(name, labels, train, words=None):
        model = make_tiny_checkpoint(tmp_path / name / "model", labels=labels)
        doc = json.loads((model / "config.json").read_text())
        doc["provenance"]["class_counts"] = {"train": train}
        if words:
            doc["label_descriptions"] = words
        (model / "config.json").write_text(json.dumps(doc))
        return export_card(model, tmp_path / f"{name}_card")

    plain = card_of("plain", ("AF", "SR"), {"AF": 11, "SR": 44})
    assert "not trained for" not in plain
    assert "Sgarbossa et al. 1996" in plain
    assert "whether any of its training records was paced is not recorded" in plain
    paced = card_of("paced", ("PR", "SR"), {"PR": 7, "SR": 44}, {"PR": "pacing rhythm", "SR": "sinus rhythm"})
    assert "of its training records 7 labelled PR;" in paced and "not recorded" not in paced
