"""The statements model's thresholds chosen again on fold 9 (PTB-XL strat_fold 9, the val split), as the card says.

``mirage calibrate --measured-stage`` chose the thresholds of the 38 stacked labels on the stage's out-of-fold
probabilities (``stacking._cv_scores``, its first seed) and the others on the calibrated probabilities. This script
rebuilds both from the shipped model (the same seeded cross-validation: ``training_cli.engine.metrics
.best_f1_thresholds`` as of before the call floor gives back all 71 shipped thresholds exactly), and chooses the
thresholds with today's ``best_f1_thresholds`` (among the calls the product makes, at least 20 %). Fold 10 is not
read (``splits=("val",)``). Prints the thresholds that differ from the model's config.json and fold 9's figures
with the floor at both (the shipped config.json's since 3641db4: none differ).

Then the fold-9 figures ``mirage calibrate`` stores ("val_calibrated": ``compute_metrics`` on the out-of-fold
probabilities) at the model's own thresholds: the per-label F1 and accuracy that differ from config.json's are
printed, and ``--write`` stores them there, and nothing else (those of 2f6699a's thresholds had stayed at the earlier
ones'). It stops where any AUROC or AUPRC differs from the stored one (they take no threshold: the probabilities would
not be the ones stored). ``--model default`` reads its own task (superdiagnostic).

    python scripts/statements_thresholds.py PTBXL_ROOT [--model statements] [--write]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def trained_task(provenance) -> str:
    """The PTB-XL task a model was trained and calibrated on (its fold-9 records): its provenance's, else "all"
    (the statements model's). The default model's "superdiagnostic" holds 2146 of fold 9's 2183 records."""
    return (provenance or {}).get("task") or "all"


def fold9(model: str, root: str):
    """(labels, targets (N, K), final probabilities (N, K), out-of-fold probabilities (N, K)) of fold 9."""
    from mirage_model import stacking
    from training_cli.engine.checkpoints import load_model
    from training_cli.engine.data import DataOptions, open_data
    from training_cli.engine.distributed import Dist
    from training_cli.engine.evaluation import split_predictions
    from training_cli.engine.measured import split_features
    from training_cli.engine.runtime import resolve_device

    device = resolve_device("cpu")
    loaded = load_model(model, device=str(device))
    prepared = open_data(DataOptions(data=f"ptbxl:{root}", task=trained_task(loaded.provenance), workers=1),
                         loaded.preprocess, loaded.render, Dist(), True, model_labels=loaded.labels,
                         models=[(model, loaded.provenance)], splits=("val",))
    ds = prepared[0]
    labels = list(loaded.labels)
    rows, probs, y, _ = split_predictions(loaded, prepared, "val", device, 64, True, calibrated=True, stacked=False)
    stage = loaded.measured_stack
    feats = split_features([ds.items[i].path for i in rows], Path(prepared[1].path).parent, 1, True, kind=stage.kind)
    final = stage.apply(probs, labels, feats)
    ok = stage.usable(feats)
    raw = stage.trees.raw(feats[ok])
    C = stage.metrics.get("C", stacking.C_DEFAULT)
    oof = probs.copy()
    for j, lab in enumerate(stage.labels):
        k = labels.index(lab)
        X = stage.design(probs[ok], k, labels, None, raw, j)
        oof[np.flatnonzero(ok), k] = stacking.sigmoid(stacking._cv_scores(X, y[ok, k].astype(int), C)[0])
    return labels, y, final, oof


def figures(y, p, labels, thresholds) -> str:
    """Macro F1, subset accuracy and calls of the product (``outputs.is_called``) at ``thresholds``."""
    from mirage_model.outputs import is_called
    from training_cli.engine import metrics as M

    m = M.compute_metrics(y, p, labels, thresholds)
    calls = is_called(p, thresholds[None, :])
    never = [lab for k, lab in enumerate(labels) if not calls[:, k].any()]
    return (f"macro F1 {m['macro']['f1']:.3f}, subset accuracy {m['macro']['subset_accuracy']:.3f}, calls "
            f"{int(calls.sum())} ({int((calls & y.astype(bool)).sum())} on a record labelled so), never called "
            f"{len(never)}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("ptbxl", help="the PTB-XL tree (ptbxl_database.csv, records100/)")
    ap.add_argument("--model", default="statements")
    ap.add_argument("--write", action="store_true", help="store fold 9's figures at the model's thresholds in its "
                    "config.json (metrics.val_calibrated)")
    args = ap.parse_args(argv)
    from mirage_model.runtime import set_threads
    from training_cli.engine.checkpoints import model_path
    from training_cli.engine.metrics import best_f1_thresholds

    set_threads(1)
    labels, y, final, oof = fold9(args.model, args.ptbxl)
    cfg_path = Path(model_path(args.model)) / "config.json"
    cfg = json.loads(cfg_path.read_text())
    old = np.asarray(cfg["thresholds"], dtype=np.float64)
    new = best_f1_thresholds(y, oof)
    for k, lab in enumerate(labels):
        if new[k] != old[k]:
            print(f"{lab}: {old[k]:.4f} -> {new[k]:.4f} (fold-9 positives {int(y[:, k].sum())})")
    for name, p in (("as mirage evaluate --split val scores them", final), ("out of fold", oof)):
        print(f"{name}: config {figures(y, p, labels, old)}; new {figures(y, p, labels, new)}")
    fresh = stored_figures(cfg["metrics"]["val_calibrated"], y, oof, labels, old)
    if args.write:
        cfg["metrics"]["val_calibrated"] = fresh
        cfg_path.write_text(json.dumps(cfg, indent=2) + "\n")
        print(f"wrote {cfg_path}: metrics.val_calibrated at its thresholds")


def stored_figures(stored: dict, y, oof, labels, thresholds) -> dict:
    """``mirage calibrate``'s "val_calibrated" figures of ``oof`` (N, K) at ``thresholds`` (K,), the per-label
    F1 and accuracy that changed printed. Raises SystemExit where a figure that takes no threshold (AUROC, AUPRC,
    positives, n) is not the stored one."""
    from training_cli.engine import metrics as M

    fresh = M.compute_metrics(y, oof, labels, thresholds)
    same = [("n", stored["n"], fresh["n"])] + [
        (f"{lab} {key}", stored["per_class"][lab][key], fresh["per_class"][lab][key])
        for lab in labels for key in ("auroc", "auprc", "positives")] + [
        (f"macro {key}", stored["macro"][key], fresh["macro"][key]) for key in ("auroc", "auprc")]
    off = [f"{what} {a} -> {b}" for what, a, b in same if a != b]
    if off:
        raise SystemExit("the out-of-fold probabilities are not the ones config.json's figures were computed on "
                         f"({'; '.join(off[:5])})")
    for lab in labels:
        was, now = stored["per_class"][lab], fresh["per_class"][lab]
        if (was["f1"], was["accuracy"]) != (now["f1"], now["accuracy"]):
            print(f"{lab}: F1 {was['f1']} -> {now['f1']}, accuracy {was['accuracy']} -> {now['accuracy']}")
    print("macro: " + ", ".join(f"{k} {stored['macro'].get(k)} -> {fresh['macro'][k]}" for k in fresh["macro"]))
    return fresh


if __name__ == "__main__":
    main()
