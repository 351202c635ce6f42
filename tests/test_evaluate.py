"""Metrics against sklearn (independent truth), bootstrap intervals, and ``mirage evaluate`` end to end."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from helpers_training import make_folder, train_argv
from training_cli.engine import metrics as M

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def scores():
    rng = np.random.default_rng(7)
    y = (rng.random((400, 4)) < [0.1, 0.3, 0.5, 0.05]).astype(np.float32)
    p = np.clip(rng.random((400, 4)) * 0.7 + y * 0.35, 0, 1).round(2)     # rounding makes ties
    return y, p


def test_auroc_auprc_match_sklearn(scores):
    metrics = pytest.importorskip("sklearn.metrics")
    y, p = scores
    for k in range(4):
        assert M.auroc(y[:, k], p[:, k]) == pytest.approx(metrics.roc_auc_score(y[:, k], p[:, k]), abs=1e-12)
        assert M.auprc(y[:, k], p[:, k]) == pytest.approx(
            metrics.average_precision_score(y[:, k], p[:, k]), abs=1e-12)
    assert M.macro_auroc(y, p) == pytest.approx(metrics.roc_auc_score(y, p, average="macro"))
    assert np.isnan(M.auroc(np.zeros(5), np.arange(5.0)))        # one class only: undefined


def test_threshold_metrics_and_best_f1(scores):
    metrics = pytest.importorskip("sklearn.metrics")
    y, p = scores
    thr = M.best_f1_thresholds(y, p)
    tm = M.threshold_metrics(y, p, thr)
    for k in range(4):
        pred = p[:, k] >= thr[k]
        assert tm["f1"][k] == pytest.approx(metrics.f1_score(y[:, k], pred))
        assert tm["accuracy"][k] == pytest.approx(metrics.accuracy_score(y[:, k], pred))
        # no other threshold on the grid of scores the product can call (at least 20 %) does better
        best = max(metrics.f1_score(y[:, k], p[:, k] >= t) for t in np.unique(p[:, k]) if t >= 0.2)
        assert tm["f1"][k] == pytest.approx(best)


def test_threshold_metrics_call_as_the_product():
    """A class is counted positive only where the product calls it: at or above its threshold and at least
    20 % (``outputs.is_called``). Class a's threshold 0.05 lies below that floor: its records at 0.10 and 0.15
    are not called; class b's threshold 0.5 lies above it: the floor changes nothing there."""
    y = np.array([[1, 1], [1, 0], [0, 1], [0, 0], [0, 0], [0, 0], [1, 0]], dtype=np.float32)
    p = np.array([[.25, .60], [.30, .40], [.01, .50], [.01, .30], [.10, .10], [.15, .10], [.10, .10]])
    thr = np.array([0.05, 0.5])
    tm = M.threshold_metrics(y, p, thr)
    # a: called on records 1 and 2 only -> TP 2, FN 1 (record 7 at 0.10), FP 0 (records 5, 6 at 0.10, 0.15), TN 4
    # (at the threshold alone: TP 3, FP 2, TN 2 -> F1 0.75, sensitivity 1, specificity 0.5, accuracy 5/7)
    assert tm["f1"][0] == pytest.approx(0.8) and tm["accuracy"][0] == pytest.approx(6 / 7)
    assert tm["sensitivity"][0] == pytest.approx(2 / 3) and tm["specificity"][0] == pytest.approx(1.0)
    # b: called on records 1 and 3, its two positives
    assert tm["f1"][1] == pytest.approx(1.0) and tm["accuracy"][1] == pytest.approx(1.0)
    m = M.compute_metrics(y, p, ["a", "b"], thr)
    assert m["per_class"]["a"]["f1"] == pytest.approx(0.8) and m["min_called_p"] == pytest.approx(0.20)
    # every call right on all records but 7 (a positive at 0.10, not called); at the threshold alone 5 and 6 wrong
    assert m["macro"]["subset_accuracy"] == pytest.approx(6 / 7)


def test_multiclass_metrics():
    y = np.array([0, 1, 2, 2, 1, 0])
    p = np.array([[.8, .1, .1], [.2, .7, .1], [.1, .2, .7], [.5, .1, .4], [.3, .4, .3], [.6, .3, .1]])
    m = M.compute_metrics(y, p, ["a", "b", "c"], task_type="multiclass")
    assert m["macro"]["accuracy_top1"] == pytest.approx(5 / 6)
    assert m["per_class"]["c"]["positives"] == 2


def test_bootstrap_is_seeded_and_brackets_estimate(scores):
    y, p = scores
    a = M.bootstrap_ci(y, p, list("abcd"), n_boot=100, seed=3)
    b = M.bootstrap_ci(y, p, list("abcd"), n_boot=100, seed=3)
    c = M.bootstrap_ci(y, p, list("abcd"), n_boot=100, seed=4)
    assert a == b and a != c
    lo, hi = a["macro"]["auroc"]
    assert lo < M.macro_auroc(y, p) < hi and hi - lo < 0.2


def test_evaluate_command(tmp_path):
    from training_cli.commands.train import config_from_args, train_command_parser
    from training_cli.engine.loop import train
    from training_cli.main import main

    root, labels = make_folder(tmp_path / "data", n_copies=3, split_column=True)
    cache = tmp_path / "cache"
    run = tmp_path / "run"
    args = train_command_parser().parse_args(train_argv(f"folder:{root}", run, cache, "--epochs", "1", "--no-test",
                                                         labels=labels))
    train(config_from_args(args))
    out = tmp_path / "eval" / "metrics.json"
    rc = main(["evaluate", "--model", str(run / "model"), "--data", f"folder:{root}", "--labels", str(labels),
               "--split", "test", "--out", str(out), "--cache-dir", str(cache), "--bootstrap", "50",
               "--no-progress"])
    assert rc == 0
    m = json.loads(out.read_text())
    for name in ("metrics.md", "roc.png", "pr.png", "predictions.csv"):
        assert (out.parent / name).is_file()
    assert m["split"] == "test" and m["n"] == 4 and m["bootstrap"]["n_boot"] == 50
    # recompute from the written predictions with an independent implementation
    skm = pytest.importorskip("sklearn.metrics")
    rows = list(csv.DictReader(open(out.parent / "predictions.csv")))
    labels_ = m["labels"]
    P = np.array([[float(r[f"p_{c}"]) for c in labels_] for r in rows])
    Y = np.array([[int(r[f"y_{c}"]) for c in labels_] for r in rows])
    for k, c in enumerate(labels_):
        if 0 < Y[:, k].sum() < len(Y):
            assert m["per_class"][c]["auroc"] == pytest.approx(skm.roc_auc_score(Y[:, k], P[:, k]), abs=1e-6)
            thr = m["thresholds"][k]
            called = (P[:, k] >= thr) & (P[:, k] >= 0.20)        # the product's call rule (outputs.is_called)
            assert m["per_class"][c]["f1"] == pytest.approx(skm.f1_score(Y[:, k], called), abs=1e-6)
    md = (out.parent / "metrics.md").read_text()
    assert "| **macro** |" in md and "at or above its threshold and at least 20 % (`outputs.is_called`)" in md
    # each class's ECE, recomputed from the predictions, beside its chance level on the same records
    from mirage_model.calibration import ece
    for k, c in enumerate(labels_):
        assert m["calibration"]["ece"][c] == pytest.approx(ece(Y[:, k], P[:, k]), abs=1e-6)
        chance = m["calibration"]["chance"][c]
        assert 0 <= chance["chance_mean"] <= chance["chance_p95"] <= 1 and 0 < chance["p_value"] <= 1
    assert "| class | ECE | chance mean |" in (out.parent / "metrics.md").read_text()


def test_evaluate_bad_checkpoint(tmp_path, capsys):
    from training_cli.main import main

    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "config.json").write_text("{not json")
    assert main(["evaluate", "--model", str(tmp_path / "m"), "--data", f"challenge:{tmp_path}", "--out",
                 str(tmp_path / "o.json")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "config.json" in err and "Traceback" not in err


def test_written_predictions_keep_the_ranking(tmp_path):
    """A calibrated probability can differ from its neighbour only in the 1e-6 tie-break of an isotonic
    map (mirage_model.calibration.TIE_BREAK): predictions.csv keeps such differences (read back, the
    AUROC is the one computed in memory)."""
    from mirage_model.calibration import TIE_BREAK
    from training_cli.engine.evaluation import _write_predictions
    from training_cli.commands.compare import read_predictions

    step = np.full(6, 0.0123)                                        # one isotonic step: all tied
    raw = np.array([0.010, 0.011, 0.012, 0.013, 0.014, 0.015])
    p = ((1 - TIE_BREAK) * step + TIE_BREAK * raw)[:, None]
    y = np.array([[0], [0], [0], [1], [1], [1]])
    _write_predictions(tmp_path / "predictions.csv", [f"r{i}" for i in range(6)], ["X"], p, y, "multilabel")
    _, _, P, Y = read_predictions(tmp_path / "predictions.csv")
    assert len(np.unique(P[:, 0])) == 6
    assert M.auroc(Y[:, 0], P[:, 0]) == pytest.approx(M.auroc(y[:, 0], p[:, 0])) == 1.0


def test_reliability_diagram_gives_many_classes_a_panel_each(tmp_path):
    """Up to ONE_PANEL_MAX classes share one panel; 71 statements get a grid of panels (one legend of
    71 entries covered the whole plot), so the figure grows with the class count."""
    from PIL import Image

    from training_cli.engine.evaluation import ONE_PANEL_MAX, plot_reliability

    rng = np.random.default_rng(0)
    sizes = {}
    for n in (3, 71):
        p = rng.uniform(size=(400, n))
        y = (rng.uniform(size=(400, n)) < p).astype(float)
        out = tmp_path / f"rel{n}.png"
        plot_reliability(out, y, p, [f"C{k}" for k in range(n)], f"{n} classes")
        sizes[n] = Image.open(out).size
    assert 3 <= ONE_PANEL_MAX < 71
    width, height = sizes[71]
    assert width >= 2 * sizes[3][0] and height >= 2 * sizes[3][1]      # a 9 x 8 grid of 1.6-inch panels


@pytest.mark.parametrize("command, flag", [("evaluate", "--limit"), ("train", "--limit"), ("train", "--train-limit"),
                                           ("calibrate", "--limit")])
def test_a_negative_limit_is_refused_before_any_work(tmp_path, capsys, command, flag):
    """A negative count is refused naming the option (it used to build an empty cache and then fail
    on an empty split); 0 means all records and the help says so."""
    from helpers_models import make_tiny_checkpoint
    from training_cli.main import main

    root, labels = make_folder(tmp_path / "data", n_copies=1)
    cache, out = tmp_path / "cache", tmp_path / "out"
    argv = [command, "--data", f"folder:{root}", "--labels", str(labels), "--cache-dir", str(cache), "--out", str(out),
            flag, "-3", "--no-progress"]
    if command != "train":
        argv += ["--model", str(make_tiny_checkpoint(tmp_path / "m"))]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert f"{flag} must be at least 1, or 0 for all records (got -3)" in err and "Traceback" not in err
    assert not cache.exists() and not out.exists()
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert "0, the default: all records" in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("command", ["evaluate", "calibrate", "ensemble"])
def test_a_model_of_other_labels_than_the_tasks_is_refused_before_any_work(tmp_path, capsys, command):
    """A superclass model on a rhythm task: one line naming both label sets, exit 1, no cache built
    and nothing written (calibrate used to fit NORM/MI/... on all-zero outcomes, write a checkpoint
    and crash; ensemble ended in a TypeError after a logging traceback; evaluate exited 0 with n/a)."""
    from helpers_models import make_tiny_checkpoint
    from training_cli.main import main

    root, _ = make_folder(tmp_path / "data", n_copies=3, split_column=True)
    rhythm = tmp_path / "rhythm.csv"
    rhythm.write_text("record_id,labels,split\n" + "".join(
        f"ecg{k:03d},{'AFIB' if k % 2 else 'SR'},{['train', 'val', 'test'][k // 4]}\n" for k in range(12)))
    cache, out = tmp_path / "cache", tmp_path / "out"
    models = [str(make_tiny_checkpoint(tmp_path / f"m{s}", seed=s)) for s in (0, 1)]    # NORM, MI, STTC, CD, HYP
    model_args = {"evaluate": ["--model", models[0]], "calibrate": ["--model", models[0]], "ensemble": models}[command]
    argv = [command, *model_args, "--data", f"folder:{root}", "--labels", str(rhythm), "--cache-dir", str(cache),
            "--out", str(out), "--no-progress", "--workers", "1"]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert err == (f"error: the model's labels (NORM, MI, STTC, CD, HYP) are not labels of task multilabel of "
                   f"folder:{root} (AFIB, SR); give the data (and labels table) the model was trained on")
    assert not cache.exists() and not out.exists()


def test_evaluate_warns_once_of_the_models_features_the_data_does_not_give(tmp_path, caplog):
    """A model trained with --labs, evaluated without them, had every lab masked for every record, silently."""
    import logging

    from helpers_models import make_tiny_checkpoint
    from training_cli.main import main

    root, labels = make_folder(tmp_path / "data", n_copies=3, split_column=True)   # test: ecg008-ecg011
    model = make_tiny_checkpoint(tmp_path / "model", labels=("NORM", "MI", "CD", "HYP"),
                                 clinical=("troponin_t", "potassium"))
    argv = ["evaluate", "--model", str(model), "--data", f"folder:{root}", "--labels", str(labels), "--split",
            "test", "--out", str(tmp_path / "eval"), "--cache-dir", str(tmp_path / "cache"), "--bootstrap", "0",
            "--no-progress"]
    with caplog.at_level(logging.WARNING, logger="training_cli.engine.evaluation"):
        assert main(argv) == 0
    told = [r.getMessage() for r in caplog.records if "clinical features" in r.getMessage()]
    assert len(told) == 1, told
    assert "no value of 2 of them for any record of the test split (troponin_t, potassium)" in told[0], told[0]
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,troponin_t [ng/L]\necg008,14\necg010,30\n")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="training_cli.engine.evaluation"):
        assert main(argv + ["--labs", str(labs), "--overwrite"]) == 0
    told = [r.getMessage() for r in caplog.records if "clinical features" in r.getMessage()]
    assert len(told) == 1 and "no value of 1 of them" in told[0] and "(potassium)" in told[0], told


def test_a_model_of_a_seeded_split_is_scored_on_its_own_test_split(tmp_path, capsys):
    """Trained with --seed 5 on a folder, evaluated (and calibrated) with the default seed 0: the
    "test" split was another draw, mostly the model's own training records (5 of 6 in a run on 65
    records), and its figures were reported as test figures. Now refused, naming the seed; with it,
    the scored records are the test split of seed 5 and none of its training records."""
    from training_cli.engine.datasets import open_dataset
    from training_cli.main import main

    root, labels = make_folder(tmp_path / "data", n_copies=3)               # 12 records, no split column
    cache = tmp_path / "cache"
    run = tmp_path / "run"
    assert main(["train", *train_argv(f"folder:{root}", run, cache, "--seed", "5", "--epochs", "1", "--no-test",
                                      labels=labels)]) == 0
    capsys.readouterr()
    truth = {s: {it.record_id for it in open_dataset(f"folder:{root}", labels=labels, seed=5).items if it.split == s}
             for s in ("train", "test")}
    common = ["--data", f"folder:{root}", "--labels", str(labels), "--cache-dir", str(cache), "--no-progress"]
    out = tmp_path / "eval"
    assert main(["evaluate", "--model", str(run / "model"), *common, "--bootstrap", "0", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "(seed 5); --seed 0 splits these records otherwise" in err and "give --seed 5" in err
    assert not out.exists()
    cal = tmp_path / "cal"
    assert main(["calibrate", "--model", str(run / "model"), *common, "--out", str(cal)]) == 1
    assert "give --seed 5" in capsys.readouterr().err and not cal.exists()
    assert main(["evaluate", "--model", str(run / "model"), *common, "--bootstrap", "0", "--out", str(out),
                 "--seed", "5"]) == 0
    with open(out / "predictions.csv", newline="") as f:
        scored = {row["record_id"] for row in csv.DictReader(f)}
    assert scored == truth["test"] and not scored & truth["train"]


def test_a_predictions_file_is_written_whole_or_not_at_all(tmp_path):
    """predictions.csv (what `mirage compare` reads) was written in place: a failure half-way (a full
    disk, an interrupt) left the header and the first rows where the last look's file had been."""
    from training_cli.engine.evaluation import _write_predictions

    path = tmp_path / "predictions.csv"
    before = "record_id,p_AF,y_AF\nr1,0.25,0\nr2,0.75,1\n"
    path.write_text(before)
    probs = np.array([[0.1], [0.9]], dtype=object)
    probs[1, 0] = "not a number"                       # the second row fails to format
    with pytest.raises(ValueError):
        _write_predictions(path, ["a", "b"], ["AF"], probs, np.array([[0], [1]]), "multilabel")
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["predictions.csv"]       # no temporary file left
    _write_predictions(path, ["a", "b"], ["AF"], np.array([[0.1], [0.9]]), np.array([[0], [1]]), "multilabel")
    with open(path, newline="") as f:
        assert list(csv.reader(f)) == [["record_id", "p_AF", "y_AF"], ["a", "0.1", "0"], ["b", "0.9", "1"]]


@pytest.mark.parametrize("out_name", ["eval", "eval/metrics.json"])
def test_an_earlier_evaluations_files_are_not_replaced_without_overwrite(tmp_path, capsys, out_name):
    """A second `mirage evaluate --out DIR` replaced the first run's metrics.json, predictions.csv and
    plots at its end, without a word (train, calibrate, ensemble and convert refuse it). Refused now
    before any work, naming the folder, the files and --overwrite; with --overwrite they are replaced."""
    from helpers_models import make_tiny_checkpoint
    from training_cli.main import main

    root, labels = make_folder(tmp_path / "data", n_copies=3, split_column=True)
    model = make_tiny_checkpoint(tmp_path / "model", labels=("NORM", "MI", "CD", "HYP"))
    out = tmp_path / out_name
    folder = tmp_path / "eval"
    argv = ["evaluate", "--model", str(model), "--data", f"folder:{root}", "--labels", str(labels), "--split",
            "test", "--out", str(out), "--cache-dir", str(tmp_path / "cache"), "--bootstrap", "0", "--no-progress"]
    assert main(argv) == 0
    first = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert {"metrics.json", "predictions.csv", "reliability.png", "metrics.md"} <= set(first)
    capsys.readouterr()
    assert main(argv + ["--split", "val"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "--overwrite" in err and "another --out" in err
    assert str(folder.resolve() if out_name.endswith(".json") else folder) in err
    assert "metrics.json, predictions.csv, reliability.png" in err, err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == first          # nothing lost
    assert main(argv + ["--split", "val", "--overwrite"]) == 0
    assert json.loads((folder / "metrics.json").read_text())["split"] == "val"


def test_a_plot_that_fails_leaves_no_earlier_runs_file(tmp_path, monkeypatch, caplog):
    """`mirage evaluate --overwrite` whose ROC plot fails kept the earlier run's roc.png beside the new
    metrics (the folder mixed two runs; the log said only "could not draw ROC/PR curves"). The
    earlier file is removed, the other plots are this run's, and the log and metrics.md name the
    plot that failed."""
    from helpers_models import make_tiny_checkpoint
    from training_cli.engine import evaluation
    from training_cli.main import main

    root, labels = make_folder(tmp_path / "data", n_copies=3, split_column=True)
    model = make_tiny_checkpoint(tmp_path / "model", labels=("NORM", "MI", "CD", "HYP"))
    folder = tmp_path / "eval"
    argv = ["evaluate", "--model", str(model), "--data", f"folder:{root}", "--labels", str(labels), "--split",
            "test", "--out", str(folder), "--cache-dir", str(tmp_path / "cache"), "--bootstrap", "0", "--no-progress"]
    assert main(argv) == 0
    first = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert {"roc.png", "pr.png", "reliability.png"} <= set(first)
    drawn = evaluation.plot_curves

    def roc_fails(folder_, y, p, labels_, metrics, kinds=("roc", "pr")):
        if "roc" in kinds:
            raise RuntimeError("no space left for roc.png")
        return drawn(folder_, y, p, labels_, metrics, kinds)

    monkeypatch.setattr(evaluation, "plot_curves", roc_fails)
    with caplog.at_level("WARNING"):
        assert main(argv[:argv.index("test")] + ["val"] + argv[argv.index("test") + 1:] + ["--overwrite"]) == 0
    second = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert "roc.png" not in second                                       # the earlier run's is gone
    assert json.loads(second["metrics.json"])["split"] == "val"
    for name in ("pr.png", "reliability.png", "predictions.csv", "metrics.md"):
        assert second[name] != first[name], name                        # each of them this run's
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "could not draw roc.png (the ROC curves): no space left for roc.png" in said, said
    assert "Not drawn: roc.png (the ROC curves): no space left for roc.png." in second["metrics.md"].decode()


@pytest.mark.slow
def test_export_quotes_the_evaluate_command_that_made_its_test_figures(tmp_path):
    """The card's test figures named the command behind them only when `mirage export` was told it
    (--evaluate-command, typed by hand: none, or another run's, and the card said so). `mirage evaluate`
    records its own command line in metrics.json; the card quotes it, paths scrubbed as elsewhere."""
    from helpers_models import make_tiny_checkpoint
    from training_cli.main import main

    root, labels = make_folder(tmp_path / "data", n_copies=3, split_column=True)
    cache = tmp_path / "cache"
    run = tmp_path / "run"
    make_tiny_checkpoint(run / "model")
    out = tmp_path / "eval" / "metrics.json"
    argv = ["--model", str(run / "model"), "--data", f"folder:{root}", "--labels", str(labels), "--split", "test",
            "--out", str(out), "--cache-dir", str(cache), "--bootstrap", "0", "--no-progress"]
    assert main(["evaluate", *argv]) == 0
    said = ("mirage evaluate --model model --data folder:data --labels labels.csv --split test --out metrics.json "
            "--cache-dir cache --bootstrap 0 --no-progress")
    assert main(["export", "--model", str(run / "model"), "--out", str(tmp_path / "shipped"),
                 "--test-metrics", str(out)]) == 0
    card = (tmp_path / "shipped" / "MODEL_CARD.md").read_text()
    assert f"command: `{said}`" in card


@pytest.mark.slow
def test_a_test_split_scored_again_in_place_is_counted_on_the_card(tmp_path):
    """`mirage evaluate --overwrite` into the metrics.json of an earlier scoring of the same model
    replaced it, and with it the only trace of that look: the card said "evaluated once" of a test
    split scored twice. The new metrics.json keeps the earlier look; another model's is not kept."""
    from helpers_models import make_tiny_checkpoint
    from training_cli.main import main

    root, labels = make_folder(tmp_path / "data", n_copies=3, split_column=True)
    model = make_tiny_checkpoint(tmp_path / "run" / "model")
    out = tmp_path / "eval" / "metrics.json"
    argv = ["evaluate", "--model", str(model), "--data", f"folder:{root}", "--labels", str(labels), "--split", "test",
            "--out", str(out), "--cache-dir", str(tmp_path / "cache"), "--bootstrap", "0", "--no-progress"]
    assert main(argv) == 0
    first = json.loads(out.read_text())["look_id"]
    assert main([*argv, "--overwrite"]) == 0
    second = json.loads(out.read_text())
    assert [look["look_id"] for look in second["earlier_looks"]] == [first]
    assert main(["export", "--model", str(model), "--out", str(tmp_path / "shipped"), "--test-metrics", str(out)]) == 0
    card = (tmp_path / "shipped" / "MODEL_CARD.md").read_text()
    assert "n=4, scored 2 times for this model" in card and "evaluated once" not in card
    # another checkpoint at the same path (retrained: other weights, other thresholds): the earlier
    # looks were another model's
    make_tiny_checkpoint(tmp_path / "run" / "model", seed=1, thresholds=[0.3] * 5)
    assert main([*argv, "--overwrite"]) == 0
    assert "earlier_looks" not in json.loads(out.read_text())
