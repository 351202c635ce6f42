"""Train the electrode-reversal detector shipped as resources/quality/reversal.json.

PTB-XL (100 Hz): median beats of folds 1-8 as recorded ("none") and with every limb swap and
adjacent precordial swap applied (the swaps are linear lead maps, so they are applied to the median
beat exactly), a multinomial logistic regression (scikit-learn, training only; inference is numpy
in mirage_model.quality.ReversalModel). Thresholds on fold 9, the lowest that keep the false alarms
on unmodified fold-9 records within the budgets: one on the limb classes' summed probability, one
per precordial swap.
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

from mirage_model.records import RecordError, load_record
from mirage_model.perturb import reverse_electrodes
from mirage_model.quality import (CHEST_SWAPS, LIMB_SWAPS, ReversalModel, default_reversal_path, record_median_beat,
                                  reversal_features)

CLASSES = ("none",) + LIMB_SWAPS + CHEST_SWAPS


def fold_rows(ptbxl: Path) -> dict[int, list[str]]:
    folds: dict[int, list[str]] = {}
    with open(ptbxl / "ptbxl_database.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            folds.setdefault(int(row["strat_fold"]), []).append(row["filename_lr"])
    return folds


def medians(ptbxl: Path, names: list[str], cache: Path | None) -> np.ndarray:
    """(N, 12, 70) median beats of the records with at least 3 beats, cached as .npy."""
    if cache is not None and cache.is_file():
        arr = np.load(cache)
    else:
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
    return arr[~np.isnan(arr).any(axis=(1, 2))].astype(np.float64)


def recorded(med: np.ndarray) -> np.ndarray:
    """(N, K, 12, 70): each median beat as it would be recorded under each class's swap."""
    eye = np.eye(12)
    fwd = np.stack([eye] + [reverse_electrodes(eye, 100.0, None, c).astype(np.float64) for c in CLASSES[1:]])
    return np.einsum("kij,njs->nkis", fwd, med)


def decide(prob: np.ndarray, thresholds: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(..., K) probabilities -> limb decision (...), limb name index (...), chest decisions (..., 5)."""
    limb = slice(1, 1 + len(LIMB_SWAPS))
    p_limb = prob[..., limb].sum(axis=-1)
    chest = prob[..., 1 + len(LIMB_SWAPS):] >= np.array([thresholds[c] for c in CHEST_SWAPS])
    return p_limb >= thresholds["limb"], 1 + prob[..., limb].argmax(axis=-1), chest


def report(tag: str, prob: np.ndarray, thresholds: dict) -> dict:
    """prob: (N, K variants, K classes)."""
    limb, limb_name, chest = decide(prob, thresholds)
    out = {"records": int(prob.shape[0]),
           "false_alarms": {"limb": float(limb[:, 0].mean()), "chest": float(chest[:, 0].any(axis=-1).mean()),
                            "any": float((limb[:, 0] | chest[:, 0].any(axis=-1)).mean())},
           "detected": {}, "named_first": {}}
    for k, cls in enumerate(CLASSES[1:], start=1):
        if cls in LIMB_SWAPS:
            det = limb[:, k]
            named = det & (limb_name[:, k] == k)
        else:
            det = chest[:, k, CHEST_SWAPS.index(cls)]
            named = det
        out["detected"][cls] = round(float(det.mean()), 4)
        out["named_first"][cls] = round(float(named.mean()), 4)
    print(f"{tag} ({out['records']} records): false alarms "
          + ", ".join(f"{k} {v:.2%}" for k, v in out["false_alarms"].items()))
    for cls in CLASSES[1:]:
        print(f"  {cls:9s} detected {out['detected'][cls]:.1%} (named first {out['named_first'][cls]:.1%})")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ptbxl", type=Path, required=True)
    ap.add_argument("--per-fold", type=int, default=1000, help="training records per fold (1-8)")
    ap.add_argument("--cache", type=Path, default=None, help="folder for median-beat caches")
    ap.add_argument("--fa-limb", type=float, default=0.005, help="false alarms of 'limb swap' on fold 9")
    ap.add_argument("--fa-chest", type=float, default=0.001, help="false alarms per precordial swap on fold 9")
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument("--out", type=Path, default=default_reversal_path())
    ap.add_argument("--report-fold10", action="store_true")
    args = ap.parse_args(argv)
    from sklearn.linear_model import LogisticRegression

    folds = fold_rows(args.ptbxl)
    rng = np.random.default_rng(0)
    train_names = [n for f in range(1, 9) for n in rng.permutation(folds[f])[:args.per_fold]]

    def cached(tag):
        return None if args.cache is None else args.cache / f"med_{tag}.npy"

    if args.cache is not None:
        args.cache.mkdir(parents=True, exist_ok=True)
    tr = medians(args.ptbxl, train_names, cached(f"train{args.per_fold}"))
    va = medians(args.ptbxl, folds[9], cached("fold9"))
    xtr = reversal_features(recorded(tr))                        # (N, K, F)
    ytr = np.broadcast_to(np.arange(len(CLASSES)), xtr.shape[:2])
    xtr, ytr = xtr.reshape(-1, xtr.shape[-1]), ytr.ravel()
    mean, scale = xtr.mean(axis=0), xtr.std(axis=0) + 1e-6
    w = np.where(ytr == 0, len(CLASSES) - 1, 1.0)              # "none" weighs as much as all swaps together
    clf = LogisticRegression(C=args.C, max_iter=3000)
    clf.fit((xtr - mean) / scale, ytr, sample_weight=w)
    model = ReversalModel(CLASSES, mean, scale, clf.coef_, clf.intercept_, {"limb": 1.0})

    p9 = model.probabilities(reversal_features(recorded(va)))   # (N, K variants, K classes)
    neg = p9[:, 0]                                              # unmodified records
    thresholds = {}
    order = np.sort(neg[:, 1:1 + len(LIMB_SWAPS)].sum(axis=-1))[::-1]
    thresholds["limb"] = float(order[int(np.floor(args.fa_limb * len(order)))] + 1e-6)
    for c in CHEST_SWAPS:
        order = np.sort(neg[:, CLASSES.index(c)])[::-1]
        thresholds[c] = float(order[int(np.floor(args.fa_chest * len(order)))] + 1e-6)
    fold9 = report("fold 9", p9, thresholds)
    model = ReversalModel(CLASSES, mean, scale, clf.coef_, clf.intercept_, thresholds, {
        "data": f"PTB-XL 100 Hz median beats: training folds 1-8 ({len(tr)} records, each also with every "
                f"swap applied), thresholds on fold 9 (false alarms: any limb swap <= {args.fa_limb:.1%}, "
                f"each precordial swap <= {args.fa_chest:.1%})",
        "fold9": fold9,
        "trainer": "scripts/train_reversal_detector.py (scikit-learn LogisticRegression, multinomial)",
    })
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(model.to_json(), indent=1) + "\n")
    print(f"wrote {args.out}")
    if args.report_fold10:
        te = medians(args.ptbxl, folds[10], cached("fold10"))
        report("fold 10", model.probabilities(reversal_features(recorded(te))), thresholds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
