"""``mirage compare``: paired bootstrap of the AUROC difference between two prediction files."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from training_cli.commands.compare import PredictionsError, compare_files, paired_bootstrap
from training_cli.main import main

CLASSES = ["NORM", "MI"]


def write_predictions(path, ids, p, y, classes=CLASSES):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["record_id"] + [f"p_{c}" for c in classes] + [f"y_{c}" for c in classes])
        for rid, pr, yr in zip(ids, p, y):
            w.writerow([rid] + [f"{v:.6f}" for v in pr] + [int(v) for v in yr])
    return path


def synthetic(n=400, seed=0):
    """Targets, a good model (label + small noise) and a weak one (label + large noise)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, (n, 2))
    good = 1 / (1 + np.exp(-(3 * (y - 0.5) + rng.normal(0, 0.5, (n, 2)))))
    weak = 1 / (1 + np.exp(-(0.5 * (y - 0.5) + rng.normal(0, 1.0, (n, 2)))))
    return y, good, weak


def pairwise_auroc(y, p):
    """AUROC by its definition: the share of (positive, negative) pairs ranked right, ties half."""
    pos, neg = p[y == 1], p[y == 0]
    d = pos[:, None] - neg[None, :]
    return float(((d > 0).sum() + 0.5 * (d == 0).sum()) / d.size)


def test_difference_matches_direct_aurocs_and_interval_excludes_zero():
    roc_auc_score = pairwise_auroc
    y, good, weak = synthetic()
    r = paired_bootstrap(y, good, weak, n_boot=300)
    direct = [roc_auc_score(y[:, k], good[:, k]) - roc_auc_score(y[:, k], weak[:, k]) for k in range(2)]
    for k in range(2):
        assert r["per_class"][k]["diff"] == pytest.approx(direct[k], abs=1e-6)
    assert r["macro"]["diff"] == pytest.approx(np.mean(direct), abs=1e-6)
    lo, hi = r["macro"]["diff_ci"]
    assert 0 < lo < r["macro"]["diff"] < hi
    assert r["macro"]["p_a_not_better"] == 0.0


def test_same_model_gives_zero_difference():
    y, good, _ = synthetic()
    r = paired_bootstrap(y, good, good.copy(), n_boot=50)
    assert r["macro"]["diff"] == 0 and r["macro"]["diff_ci"] == [0.0, 0.0]


def test_files_are_aligned_by_record_id(tmp_path):
    y, good, weak = synthetic(n=100)
    ids = [str(i) for i in range(100)]
    a = write_predictions(tmp_path / "a.csv", ids, good, y)
    perm = np.random.default_rng(1).permutation(100)
    b = write_predictions(tmp_path / "b.csv", [ids[i] for i in perm], weak[perm], y[perm])
    straight = write_predictions(tmp_path / "b0.csv", ids, weak, y)
    assert compare_files(a, b, n_boot=20)["macro"] == compare_files(a, straight, n_boot=20)["macro"]


@pytest.mark.parametrize("problem, message", [
    ("other_records", "score different records"),
    ("other_labels", "different labels for 1 records"),
    ("other_classes", "classes"),
    ("nan", "NaN"),
    ("not_csv", "not a predictions.csv"),
    ("missing", "cannot read"),
])
def test_bad_files_name_the_file_and_problem(tmp_path, problem, message):
    y, good, weak = synthetic(n=20)
    ids = [str(i) for i in range(20)]
    a = write_predictions(tmp_path / "a.csv", ids, good, y)
    b = tmp_path / "b.csv"
    if problem == "other_records":
        write_predictions(b, ids[:-1] + ["x"], weak, y)
    elif problem == "other_labels":
        y2 = y.copy()
        y2[3, 0] = 1 - y2[3, 0]
        write_predictions(b, ids, weak, y2)
    elif problem == "other_classes":
        write_predictions(b, ids, weak, y, classes=["NORM", "CD"])
    elif problem == "nan":
        weak = weak.copy()
        weak[2, 1] = np.nan
        write_predictions(b, ids, weak, y)
    elif problem == "not_csv":
        b.write_text("hello\n")
    with pytest.raises(PredictionsError, match=message) as err:
        compare_files(a, b, n_boot=5)
    assert str(b) in str(err.value) or str(a) in str(err.value)


def test_cli_prints_table_and_writes_json(tmp_path, capsys):
    y, good, weak = synthetic(n=120)
    ids = [str(i) for i in range(120)]
    a = write_predictions(tmp_path / "a.csv", ids, good, y)
    b = write_predictions(tmp_path / "b.csv", ids, weak, y)
    out = tmp_path / "cmp.json"
    assert main(["compare", str(a), str(b), "--names", "mirage", "resnet", "--bootstrap", "50",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "| macro |" in text and "mirage" in text and "resnet" in text
    assert out.exists()
    assert main(["compare", str(a), str(tmp_path / "nope.csv")]) == 2
    assert "nope.csv" in capsys.readouterr().err


def test_a_class_without_positives_is_undefined_not_a_crash(tmp_path, capsys):
    """Records that hold no positive of one class (a rare statement on a small split): the command had
    ended with "IndexError: index -1 is out of bounds" and no output. Now the class's row says
    undefined, the macro row over how many classes, the JSON has nulls (no NaN), and the macro
    difference is that of the other classes, checked against the direct AUROCs."""
    import json

    y, good, weak = synthetic(n=120)
    y[:, 1] = 0
    ids = [str(i) for i in range(120)]
    a = write_predictions(tmp_path / "a.csv", ids, good, y)
    b = write_predictions(tmp_path / "b.csv", ids, weak, y)
    out = tmp_path / "cmp.json"
    assert main(["compare", str(a), str(b), "--bootstrap", "50", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    k = len(CLASSES)
    assert f"| macro over {k - 1} of {k} classes |" in text
    assert f"| {CLASSES[1]} | undefined | undefined | - | - |" in text
    assert f"AUROC undefined for {CLASSES[1]}:" in text
    raw = out.read_text()
    assert "NaN" not in raw
    result = json.loads(raw)
    assert result["per_class"][1]["a"] is None and result["per_class"][1]["diff_ci"] is None
    kept = [c for c in range(k) if c != 1]
    direct = np.mean([pairwise_auroc(y[:, c], good[:, c]) - pairwise_auroc(y[:, c], weak[:, c]) for c in kept])
    assert result["macro"]["diff"] == pytest.approx(direct, abs=1e-5)
