"""Train the electrode-reversal detector shipped as resources/quality/reversal.json.

PTB-XL (100 Hz): median beats of folds 1-8 (training), with every limb swap and adjacent
precordial swap applied synthetically (the swaps permute and invert leads exactly, so they are
applied to the median beat), a multinomial logistic regression (scikit-learn, training only;
inference is numpy in mirage_model.quality). Thresholds per class on fold 9: the lowest
probability that keeps the false alarms on unmodified fold-9 records at or below the budget.
Fold 10 is reported once with --report-fold10.

    python scripts/train_reversal_detector.py --ptbxl PTBXL_DIR [--per-fold 1000] [--report-fold10]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np

from mirage_model.io import RecordError, load_record
from mirage_model.perturb import REVERSALS, reverse_electrodes
from mirage_model.quality import ReversalModel, default_reversal_path, record_median_beat, reversal_features

LIMB_CLASSES = ("LA/RA", "LA/LL", "RA/LL", "RA>LA>LL", "RA>LL>LA")
CHEST_CLASSES = ("V1/V2", "V2/V3", "V3/V4", "V4/V5", "V5/V6")
CLASSES = ("none",) + LIMB_CLASSES + CHEST_CLASSES


def fold_rows(ptbxl: Path) -> dict[int, list[str]]:
    folds: dict[int, list[str]] = {}
    with open(ptbxl / "ptbxl_database.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            folds.setdefault(int(row["strat_fold"]), []).append(row["filename_lr"])
    return folds


def medians(ptbxl: Path, names: list[str], cache: Path | None) -> np.ndarray:
    """(N, 12, 70) median beats (NaN rows for records without 3 beats), cached as .npy."""
    if cache is not None and cache.is_file():
        return np.load(cache)
    out = []
    t0 = time.time()
    for i, name in enumerate(names):
        try:
            out.append(record_median_beat(load_record(ptbxl / name)))
        except RecordError as err:
            print(f"skip {err}", file=sys.stderr)
            out.append(np.full((12, 70), np.nan))
        if i % 1000 == 999:
            print(f"  {i + 1}/{len(names)} {time.time() - t0:.0f}s", file=sys.stderr)
    arr = np.stack(out).astype(np.float32)
    if cache is not None:
        np.save(cache, arr)
    return arr


def variants(med: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Features (N * K, F) and labels (N * K,) of every class applied to each median beat."""
    feats, labels = [], []
    for m in med:
        if np.isnan(m).any():
            continue
        for k, cls in enumerate(CLASSES):
            v = m if cls == "none" else reverse_electrodes(m, 100.0, None, cls)
            feats.append(reversal_features(v))
            labels.append(k)
    return np.asarray(feats), np.asarray(labels)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ptbxl", type=Path, required=True)
    ap.add_argument("--per-fold", type=int, default=1000, help="training records per fold (1-8)")
    ap.add_argument("--cache", type=Path, default=None, help="folder for median-beat caches")
    ap.add_argument("--fa-budget", type=float, default=0.003, help="false alarms per class on fold 9")
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument("--out", type=Path, default=default_reversal_path())
    ap.add_argument("--report-fold10", action="store_true")
    args = ap.parse_args(argv)
    from sklearn.linear_model import LogisticRegression

    assert set(CLASSES[1:]) <= set(REVERSALS)
    folds = fold_rows(args.ptbxl)
    rng = np.random.default_rng(0)
    train_names = [n for f in range(1, 9) for n in rng.permutation(folds[f])[:args.per_fold]]

    def cached(tag):
        return None if args.cache is None else args.cache / f"med_{tag}.npy"

    if args.cache is not None:
        args.cache.mkdir(parents=True, exist_ok=True)
    tr = medians(args.ptbxl, train_names, cached(f"train{args.per_fold}"))
    va = medians(args.ptbxl, folds[9], cached("fold9"))
    xtr, ytr = variants(tr)
    mean, scale = xtr.mean(axis=0), xtr.std(axis=0) + 1e-6
    w = np.where(ytr == 0, len(CLASSES) - 1, 1.0)      # "none" weighs as much as all swaps together
    clf = LogisticRegression(C=args.C, max_iter=3000)
    clf.fit((xtr - mean) / scale, ytr, sample_weight=w)
    model = ReversalModel(CLASSES, mean, scale, clf.coef_, clf.intercept_, {})

    def evaluate(med, thresholds):
        xs, ys = variants(med)
        prob = model.probabilities(xs)
        rows = {}
        none = ys == 0
        for k, cls in enumerate(CLASSES[1:], start=1):
            th = thresholds.get(cls, 1.1)
            det = (prob[ys == k, k] >= th).mean()
            fa = (prob[none, k] >= th).mean()
            rows[cls] = (det, fa)
        anyfa = np.zeros(none.sum(), bool)
        for k, cls in enumerate(CLASSES[1:], start=1):
            anyfa |= prob[none, k] >= thresholds.get(cls, 1.1)
        return rows, anyfa.mean(), int(none.sum())

    # thresholds on fold 9: the lowest that keeps the false alarms within the budget
    xs, ys = variants(va)
    prob = model.probabilities(xs)
    thresholds = {}
    for k, cls in enumerate(CLASSES[1:], start=1):
        neg = np.sort(prob[ys == 0, k])[::-1]
        n_fa = int(np.floor(args.fa_budget * len(neg)))
        th = float(neg[n_fa]) + 1e-6 if n_fa < len(neg) else 0.5
        thresholds[cls] = max(0.5, th)
    rows, anyfa, n = evaluate(va, thresholds)
    print(f"fold 9 ({n} records): any false alarm {anyfa:.2%}")
    for cls, (det, fa) in rows.items():
        print(f"  {cls:9s} threshold {thresholds[cls]:.3f} detected {det:.1%} false alarms {fa:.2%}")
    model = ReversalModel(CLASSES, mean, scale, clf.coef_, clf.intercept_, thresholds, {
        "data": "PTB-XL 100 Hz: training folds 1-8 "
                f"({args.per_fold} records each, every swap applied to each), thresholds on fold 9 "
                f"(false alarms per class <= {args.fa_budget:.1%})",
        "fold9": {cls: {"detected": round(d, 4), "false_alarms": round(f, 4)} for cls, (d, f) in rows.items()},
        "trainer": "scripts/train_reversal_detector.py (scikit-learn LogisticRegression, multinomial)",
    })
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(model.to_json(), indent=1) + "\n")
    print(f"wrote {args.out}")
    if args.report_fold10:
        te = medians(args.ptbxl, folds[10], cached("fold10"))
        rows, anyfa, n = evaluate(te, thresholds)
        print(f"fold 10 ({n} records): any false alarm {anyfa:.2%}")
        for cls, (det, fa) in rows.items():
            print(f"  {cls:9s} detected {det:.1%} false alarms {fa:.2%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
