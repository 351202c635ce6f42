"""How much the measurements of a stable patient's repeat ECGs differ: the serial comparison's thresholds.

The rule (``mirage_model.review.serial``, written before the figures): from PTB-XL folds 1-9 (never fold 10),
the pairs of records of one patient_id taken on the same day (recording_date) whose scp_codes are identical
(codes and likelihoods), each measured with the project's measurement path (``measure.measure``); the
threshold per measurement is the 95th percentile of |difference| (axes: the shortest angle), rounded up to
5 ms / 5 bpm / 5 deg. Every pair of such a group's records counts once.

    python scripts/serial_thresholds.py PTBXL_ROOT [--json OUT]

Figures (PTB-XL 1.0.3 at 100 Hz, folds 1-9: 40 such groups of 89 records, 62 pairs; the default unet
delineator; n: pairs with both values measured; median and 95th percentile of |difference|; the threshold;
56 s on one CPU thread):

    heart_rate_bpm    n=62  median   4.8  p95  25.9  -> 30
    pr_ms             n=45  median   5.0  p95  22.0  -> 25
    qrs_ms            n=62  median   2.0  p95  15.8  -> 20
    qt_ms             n=60  median   7.0  p95  42.1  -> 45
    qtc_bazett_ms     n=60  median   9.2  p95  55.6  -> 60 (ICH E14: 60)
    qtc_fridericia_ms n=60  median   5.4  p95  30.1  -> 35 (ICH E14: 60)
    p_axis_deg        n=44  median   6.6  p95  17.7  -> 20
    qrs_axis_deg      n=62  median   4.8  p95  49.7  -> 50
    t_axis_deg        n=60  median  10.9  p95  51.7  -> 55

Few pairs (a group of three same-day records gives three), so the 95th percentiles are rough: the largest
differences decide them.
"""

from __future__ import annotations

import argparse
import ast
import itertools
import json
import math
from pathlib import Path

import numpy as np

STEP = 5.0      # thresholds rounded up to 5 ms / 5 bpm / 5 deg


def stable_pairs(table) -> list[tuple[str, str]]:
    """(filename_lr, filename_lr) of every pair of folds 1-9 records of one patient taken the same day with
    identical scp_codes (a ``ptbxl_database.csv`` table as pandas reads it); fold 10 is dropped first."""
    t = table[table["strat_fold"] <= 9].copy()
    t["day"] = t["recording_date"].astype(str).str[:10]
    t["codes"] = t["scp_codes"].apply(lambda s: tuple(sorted(ast.literal_eval(s).items())))
    pairs = []
    for _, group in t.sort_values("recording_date").groupby(["patient_id", "day", "codes"]):
        pairs += list(itertools.combinations(group["filename_lr"].tolist(), 2))
    return pairs


def difference(key: str, a: float | None, b: float | None) -> float | None:
    """|b - a|, an axis's by the shortest angle; None where either is missing."""
    if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
        return None
    d = b - a
    if key.endswith("_deg"):
        d = (d + 180.0) % 360.0 - 180.0
    return abs(d)


def threshold(diffs, step: float = STEP) -> float:
    """The 95th percentile of ``diffs`` rounded up to ``step``."""
    return float(math.ceil(np.percentile(np.asarray(diffs, float), 95) / step) * step)


def main(argv=None) -> int:
    import pandas as pd
    import torch

    import mirage_model as mm
    from mirage_model.measure import measure
    from mirage_model.review.serial import COMPARED_KEYS, ICH_E14_QTC_MS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ptbxl", type=Path, help="PTB-XL's folder (ptbxl_database.csv, records100/)")
    ap.add_argument("--json", type=Path, help="write {key: [differences]} here")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    table = pd.read_csv(args.ptbxl / "ptbxl_database.csv")
    pairs = stable_pairs(table)
    names = sorted({n for p in pairs for n in p})
    print(f"{len(pairs)} pairs of {len(names)} records")
    values = {n: measure(mm.load_record(args.ptbxl / f"{n}.hea")).as_dict() for n in names}
    out = {}
    for key in COMPARED_KEYS:
        d = [x for a, b in pairs if (x := difference(key, values[a][key], values[b][key])) is not None]
        out[key] = d
        thr = threshold(d)
        law = f" (ICH E14: {max(thr, ICH_E14_QTC_MS):g})" if key.startswith("qtc") else ""
        print(f"{key:17s} n={len(d)}  median {np.median(d):5.1f}  p95 {np.percentile(d, 95):5.1f}  -> {thr:g}{law}")
    if args.json:
        args.json.write_text(json.dumps(out), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
