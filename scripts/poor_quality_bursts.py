"""Should a lead whose only fault is a short burst of noise count toward "poor_quality" (4 or more poor leads:
critical, the calls withheld)? PTB-XL records of the folds asked (a random sample), each as recorded, with a
0.3 s burst of 2-30 Hz noise (1-3 mV peak) in 4 random leads (each at its own random time), and with 0.1 mV RMS of
white noise throughout 4 random leads (leads the whole record's measures grade poor: what "poor_quality" is
for): per condition, the records "poor_quality" fires on (and on how many only by counting leads poor for a
burst alone) and the records whose positive classes the default model changes against the record as recorded.

    python scripts/poor_quality_bursts.py PTBXL_DIR [--folds 1-8] [--n 150] [--seed 0]

Fold 10 is never read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy.signal import butter, sosfiltfilt

from mirage_model.records import STANDARD_LEADS, load_record


def with_bursts(sig: np.ndarray, fs: float, leads, rng, dur_s: float = 0.3) -> np.ndarray:
    """(12, T) ``sig`` with ``dur_s`` of 2-30 Hz noise (1-3 mV peak) added to each of ``leads`` at a random time
    from 1 s to 1 s before the end."""
    out = sig.astype(np.float64).copy()
    n = int(round(dur_s * fs))
    sos = butter(4, [2.0, 30.0], btype="band", fs=fs, output="sos")
    for i in leads:
        v = sosfiltfilt(sos, rng.standard_normal(n + 200))[100:-100]
        a = int(rng.uniform(1.0, out.shape[1] / fs - 1.0 - dur_s) * fs)
        out[i, a:a + n] += rng.uniform(1.0, 3.0) * v / np.abs(v).max()
    return out


def main(argv=None) -> int:
    import dataclasses

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ptbxl", type=Path)
    ap.add_argument("--folds", default="1-8", help="PTB-XL folds to sample, e.g. 1-8 or 9 (10 is refused)")
    ap.add_argument("--n", type=int, default=150)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    lo, _, hi = args.folds.partition("-")
    folds = range(int(lo), int(hi or lo) + 1)
    if 10 in folds:
        print("fold 10 is the test fold: not read", file=sys.stderr)
        return 2
    import pandas as pd
    import torch

    from mirage_model.inference import Predictor

    torch.set_num_threads(1)
    db = pd.read_csv(args.ptbxl / "ptbxl_database.csv", usecols=["ecg_id", "strat_fold", "filename_lr"])
    db = db[db.strat_fold.isin(list(folds))]
    rng = np.random.default_rng(args.seed)
    names = db.filename_lr.to_numpy()[np.sort(rng.choice(len(db), size=min(args.n, len(db)), replace=False))]
    pred = Predictor(None, threads=1)
    stats = {c: {"poor_quality": 0, "by_bursts": 0, "changed": 0, "dp": []} for c in ("recorded", "bursts", "noise")}
    for k, name in enumerate(names):
        record = load_record(args.ptbxl / f"{name}.hea")
        r = np.random.default_rng(1000 + k)
        leads = r.choice(12, size=4, replace=False)
        noisy = record.signal.astype(np.float64)
        noisy[leads] += r.normal(0.0, 0.1, (4, noisy.shape[1]))
        signals = {"recorded": record.signal, "bursts": with_bursts(record.signal, float(record.fs), leads, r),
                   "noise": noisy}
        ref = None
        for cond, sig in signals.items():
            out = pred.predict(dataclasses.replace(record, signal=np.asarray(sig, np.float32)))
            q = out.quality
            poor = {n for n, g in zip(STANDARD_LEADS, q.lead_grade) if g == "poor"}
            burst = next((set(f.leads) for f in q.findings if f.code == "noise_burst"), set())
            s = stats[cond]
            if q.has("poor_quality"):
                s["poor_quality"] += 1
                s["by_bursts"] += len(poor - burst) < 4
            if ref is None:
                ref = out
            else:
                s["changed"] += set(out.model_positive) != set(ref.model_positive)
                s["dp"].append(float(np.abs(out.probabilities - ref.probabilities).max()))
    print(f"{len(names)} PTB-XL records of folds {args.folds} (seed {args.seed})")
    for cond, s in stats.items():
        dp = np.array(s["dp"]) if s["dp"] else np.zeros(1)
        print(f"{cond:<9} poor_quality {s['poor_quality']:>4} (of them only by burst leads {s['by_bursts']:>4}); "
              f"positive classes changed {s['changed']:>4}; max |dp| median {np.median(dp):.3f} p95 "
              f"{np.percentile(dp, 95):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
