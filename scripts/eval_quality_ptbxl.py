"""Quality checks on one PTB-XL fold: verdicts on the records as recorded, and electrode-reversal
detection on the same records with each swap applied.

``quality.assess`` runs end to end on every record as recorded and with LA/RA, RA/RL and LA/RL
applied (``perturb.reverse_electrodes``: LA/RA is I inverted, II <-> III, aVR <-> aVL). The other
limb and precordial swaps are scored by the learned detector on the record's median beat with the
swap applied (exactly what ``assess`` computes for a swapped record: the swaps are linear lead maps
and the median beat commutes with them). Fold 10 is the held-out report; the detector's
thresholds come from fold 9.

    python scripts/eval_quality_ptbxl.py --ptbxl PTBXL_DIR --fold 10 [--limit N] [--out result.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from mirage_model import perturb, quality
from mirage_model.quality.reversal import _learned_reversal
from mirage_model.records import RecordError, load_record

FULL = ("LA/RA", "RA/RL", "LA/RL")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ptbxl", type=Path, required=True)
    ap.add_argument("--fold", type=int, default=10)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    with open(args.ptbxl / "ptbxl_database.csv", newline="") as fh:
        names = [r["filename_lr"] for r in csv.DictReader(fh) if int(r["strat_fold"]) == args.fold]
    names = names[:args.limit] if args.limit else names
    model = quality.load_reversal_model()
    verdicts, codes = Counter(), Counter()
    reversal_fa = 0
    full_hits = {s: 0 for s in FULL}
    full_named = {s: 0 for s in FULL}
    det_hits = Counter()
    det_named = Counter()
    n = 0
    seconds = []
    t_start = time.time()
    for i, name in enumerate(names):
        try:
            rec = load_record(args.ptbxl / name)
        except RecordError as err:
            print(f"skip {err}", file=sys.stderr)
            continue
        n += 1
        t0 = time.perf_counter()
        q = quality.assess(rec)
        seconds.append(time.perf_counter() - t0)
        verdicts[q.verdict] += 1
        codes.update(set(q.codes))
        reversal_fa += any(c in ("limb_reversal", "neutral_reversal") for c in q.codes)
        for swap in FULL:
            rq = quality.assess(perturb.apply(rec, f"reversal {swap}"))
            hit = [f for f in rq.findings if f.code in ("limb_reversal", "neutral_reversal")]
            full_hits[swap] += bool(hit)
            full_named[swap] += bool(hit) and swap in hit[0].name
        med = quality.record_median_beat(rec)
        if not np.isnan(med).any() and model is not None:
            for swap in quality.LIMB_SWAPS[1:] + quality.CHEST_SWAPS:
                found = _learned_reversal(model, perturb.reverse_electrodes(med, 100.0, None, swap))
                code = "limb_reversal" if swap in quality.LIMB_SWAPS else "precordial_reversal"
                hit = [f for f in found if f.code == code]
                det_hits[swap] += bool(hit)
                det_named[swap] += bool(hit) and swap in hit[0].name
        if i % 200 == 199:
            print(f"  {i + 1}/{len(names)} {time.time() - t_start:.0f}s", file=sys.stderr)
    result = {
        "fold": args.fold, "records": n,
        "verdicts": {k: v / n for k, v in verdicts.items()},
        "findings": {k: v / n for k, v in codes.most_common()},
        "reversal_false_alarms": reversal_fa / n,
        "detected_end_to_end": {s: full_hits[s] / n for s in FULL},
        "named_end_to_end": {s: full_named[s] / n for s in FULL},
        "detected_on_median_beat": {s: det_hits[s] / n for s in det_hits},
        "named_on_median_beat": {s: det_named[s] / n for s in det_named},
        "assess_ms_median": 1000 * float(np.median(seconds)),
    }
    print(json.dumps(result, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
