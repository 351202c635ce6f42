"""Does a calibration map keep a model's ranking on records it was not fitted on? (validation split only)

For each class of a checkpoint, the validation split (PTB-XL fold 9) is cut into 5 folds; each
method is fitted on 4 and applied to the fifth, exactly as ``mirage_model.calibration.fit`` chooses
its method. The script prints, for the classes where isotonic regression wins the cross-validated
Brier score, the raw model's AUROC and the pooled out-of-fold AUROC of

* ``isotonic, ties``: the step function itself (how ``Calibration.apply`` worked before the
  tie-break: every record inside one step, or beyond its ends, gets the same probability);
* ``isotonic``: the map as applied now, with the rank-preserving tie-break
  (``calibration.TIE_BREAK``).

The pooled out-of-fold figures mix 5 different maps, so they sit a little under the raw AUROC even
without ties; the comparison that matters is between the two isotonic columns. No test data is
read. Research use only.

Usage:
    python scripts/calibration_ties.py --model CHECKPOINT --data ptbxl:PTBXL_ROOT --task all
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from mirage_model.calibration import TIE_BREAK, Calibration, _brier, _fit_one
from training_cli.engine import metrics as M
from training_cli.engine.checkpoints import load_model
from training_cli.engine.data import DataOptions, open_data
from training_cli.engine.distributed import Dist
from training_cli.engine.evaluation import split_predictions


def out_of_fold(y: np.ndarray, p: np.ndarray, folds: int = 5, seed: int = 0) -> dict[str, np.ndarray]:
    """One class: (N,) outcomes and raw probabilities -> method -> (N,) out-of-fold calibrated values
    ("platt", "isotonic" as applied, "isotonic, ties" as the bare step function)."""
    n = len(y)
    fold = np.random.default_rng(seed).permutation(n) % folds     # the folds of calibration.fit
    out = {m: np.empty(n) for m in ("platt", "isotonic", "isotonic, ties")}
    for f in range(folds):
        tr, te = fold != f, fold == f
        out["platt"][te] = Calibration(("platt",), (_fit_one("platt", y[tr], p[tr]),)).apply(p[te, None])[:, 0]
        iso = _fit_one("isotonic", y[tr], p[tr])
        out["isotonic"][te] = Calibration(("isotonic",), (iso,)).apply(p[te, None])[:, 0]
        out["isotonic, ties"][te] = np.interp(p[te], iso["x"], iso["y"])
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="checkpoint folder (its calibration is not used)")
    ap.add_argument("--data", required=True, help="ptbxl:ROOT (or another dataset spec of mirage)")
    ap.add_argument("--task", default=None, help="the dataset task (e.g. all, superdiagnostic)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    loaded = load_model(args.model)
    prepared = open_data(DataOptions.of(args), loaded.preprocess, loaded.render, Dist(), False)
    _, raw, y, _ = split_predictions(loaded, prepared, "val", torch.device("cpu"), 64, False, calibrated=False)
    y = M.as_multilabel(y, len(loaded.labels))
    print(f"{loaded.name}, validation split, {len(raw)} records; isotonic tie-break {TIE_BREAK:g}")
    print("| class | positives | raw | platt | isotonic, ties | isotonic |\n|---|---|---|---|---|---|")
    for k, c in enumerate(loaded.labels):
        if not 0 < y[:, k].sum() < len(y):
            continue
        cv = out_of_fold(y[:, k], raw[:, k].astype(np.float64))
        if _brier(y[:, k], cv["isotonic"]) >= _brier(y[:, k], cv["platt"]):
            continue                                             # Platt chosen: no step function
        a = {m: M.auroc(y[:, k], v) for m, v in cv.items()}
        print(f"| {c} | {int(y[:, k].sum())} | {M.auroc(y[:, k], raw[:, k]):.3f} | {a['platt']:.3f} | "
              f"{a['isotonic, ties']:.3f} | {a['isotonic']:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
