"""How much the measurements of a stable patient's repeat ECGs differ: the serial comparison's thresholds.

The rule (``mirage_model.review.serial``, written before the figures): from PTB-XL (never fold 10), the pairs
of records of one patient_id taken at most 30 days apart whose scp_codes are identical (codes and
likelihoods), folds 1-8 to choose, fold 9 to report once, each measured with the project's measurement path
(``measure.measure``); the threshold per measurement is the q-th percentile of |difference| (axes: the
shortest angle) rounded up to 5 ms / 5 bpm / 5 deg, q the same for all nine: the lowest of ``PERCENTILES`` at
which at most ``MAX_PAIRS_SAID`` (10 %) of the folds 1-8 pairs get any measurement change said. Every pair of
a patient's records counts once. Beside them, the pairs whose labels gained a statement (``GAINED``: CLBBB,
CRBBB, 1AVB, LNGQT; per patient the first record with it and the last one before, on an earlier day, folds
1-9): how often the change the statement means (QRS widened, PR lengthened, QTc lengthened) is said.

    python scripts/serial_thresholds.py PTBXL_ROOT [--days 30] [--json OUT]

Figures (PTB-XL 1.0.3 at 100 Hz; the default unet delineator; 937 records measured, about 10 min on one CPU
thread). Folds 1-8: 486 pairs of 296 patients; any measurement change said on 19 % of them at q = 95, 16 % at
96, 14 % at 97, 9.5 % at 98 (chosen), 5 % at 99. |difference| (n: pairs with both measured):

    heart_rate_bpm    n=482  median   6.2  p95  32.6  p98  41.1  -> 45
    pr_ms             n=329  median   6.0  p95  27.6  p98  36.9  -> 40
    qrs_ms            n=462  median   2.0  p95  12.0  p98  20.0  -> 20
    qt_ms             n=450  median  14.0  p95  51.0  p98  72.0  -> 75
    qtc_bazett_ms     n=450  median  12.2  p95  51.8  p98  67.0  -> 70
    qtc_fridericia_ms n=450  median   9.4  p95  37.8  p98  52.2  -> 55 (ICH E14: 60)
    p_axis_deg        n=322  median   7.5  p95  34.8  p98  47.4  -> 50
    qrs_axis_deg      n=462  median   5.1  p95  34.2  p98  57.5  -> 60
    t_axis_deg        n=450  median  10.3  p95  77.6  p98 120.0  -> 125

A change said on stable pairs, before (the same-day 95th percentiles: rate 30, PR 25, QRS 20, QT 45, QTc 60,
axes 20/50/55) -> after: folds 1-8 146 of 486 (30 %) -> 46 (9.5 %); fold 9, reported once, 10 of 27 (37 %)
-> 2 (7 %). Statements gained (folds 1-9, pairs with the measurement on both), said before -> after: 1AVB
PR lengthened 10 -> 5 of 37, CLBBB QRS widened 1 -> 1 of 5, CRBBB 4 -> 4 of 9, LNGQT QTc (Bazett)
lengthened 0 -> 0 of 17. Most of these labels come with little change measured (median change: PR +10 ms,
QRS +8 (CLBBB) and +12 (CRBBB), QTc Bazett +3 ms; the earlier record often measured as long already), so the
detection is low either way: the labels say what the reader called, not by how much the ECG changed.
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
PERCENTILES = (95.0, 96.0, 97.0, 98.0, 99.0, 99.5, 100.0)   # tried in this order, all measurements together
MAX_PAIRS_SAID = 0.10     # at most this share of stable pairs may get any measurement change said
# a statement gained on a later record, and the measurement whose change should be said
GAINED = {"CLBBB": ("qrs_ms", 1), "CRBBB": ("qrs_ms", 1), "1AVB": ("pr_ms", 1), "LNGQT": ("qtc_bazett_ms", 1)}


def _table(table, folds):
    t = table[table["strat_fold"].isin(list(folds)) & (table["strat_fold"] <= 9)].copy()    # never fold 10
    t["when"] = t["recording_date"].astype(str).str[:10].map(lambda d: np.datetime64(d, "D"))
    t["codes"] = t["scp_codes"].apply(lambda s: tuple(sorted(ast.literal_eval(s).items())))
    return t.sort_values("recording_date")


def stable_pairs(table, days: int = 30, folds=range(1, 9)) -> list[tuple[str, str]]:
    """(earlier, later) filename_lr of every pair of one patient's records at most ``days`` calendar days apart
    (0: the same day) with identical scp_codes (codes and likelihoods), both of ``folds`` (a patient's records
    share one fold); a ``ptbxl_database.csv`` table as pandas reads it. Fold 10 is never taken."""
    pairs = []
    for _, group in _table(table, folds).groupby(["patient_id", "codes"]):
        rows = group.to_dict("records")
        pairs += [(a["filename_lr"], b["filename_lr"]) for a, b in itertools.combinations(rows, 2)
                  if int((b["when"] - a["when"]) / np.timedelta64(1, "D")) <= days]
    return pairs


def gained_pairs(table, folds=range(1, 10)) -> list[tuple[str, str, str]]:
    """(code, earlier, later): per patient and ``GAINED`` code, the first record holding the code and the
    latest record before it (on an earlier day) without it. Fold 10 is never taken."""
    out = []
    for _, group in _table(table, folds).groupby("patient_id"):
        rows = group.to_dict("records")
        for code in GAINED:
            first = next((i for i, r in enumerate(rows) if code in dict(r["codes"])), None)
            if first is None:
                continue
            before = [r for r in rows[:first] if r["when"] < rows[first]["when"]]
            if before:
                out.append((code, before[-1]["filename_lr"], rows[first]["filename_lr"]))
    return out


def difference(key: str, a: float | None, b: float | None) -> float | None:
    """|b - a|, an axis's by the shortest angle; None where either is missing."""
    d = signed_difference(key, a, b)
    return None if d is None else abs(d)


def signed_difference(key: str, a: float | None, b: float | None) -> float | None:
    """b - a, an axis's the signed shortest angle; None where either is missing."""
    if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
        return None
    d = b - a
    if key.endswith("_deg"):
        d = (d + 180.0) % 360.0 - 180.0
    return d


def threshold(diffs, q: float = 95.0, step: float = STEP) -> float:
    """The ``q``th percentile of ``diffs`` rounded up to ``step``; one ``step`` at least (no change is no change)."""
    return max(step, float(math.ceil(np.percentile(np.asarray(diffs, float), q) / step) * step))


def thresholds_at(values: dict, pairs, q: float) -> dict[str, float]:
    """Every compared measurement's threshold at percentile ``q`` of the pairs' |differences| (QTc: at least
    ICH E14's 60 ms)."""
    from mirage_model.review.serial import COMPARED_KEYS, ICH_E14_QTC_MS

    out = {}
    for key in COMPARED_KEYS:
        d = [x for a, b in pairs if (x := difference(key, values[a][key], values[b][key])) is not None]
        out[key] = threshold(d, q)
        if key.startswith("qtc"):
            out[key] = max(out[key], ICH_E14_QTC_MS)
    return out


def share_said(values: dict, pairs, thresholds: dict[str, float]) -> tuple[float, dict[str, int]]:
    """The share of pairs with any measurement's |difference| at or over its threshold (as
    ``serial.measurement_change`` says it), and how many pairs each measurement is said on."""
    from mirage_model.review.serial.changes import is_said

    said, per = 0, dict.fromkeys(thresholds, 0)
    for a, b in pairs:
        hit = [k for k, t in thresholds.items()
               if (d := difference(k, values[a][k], values[b][k])) is not None and is_said(k, d, t)]
        said += bool(hit)
        for k in hit:
            per[k] += 1
    return said / max(len(pairs), 1), per


def choose(values: dict, pairs) -> tuple[float, dict[str, float]]:
    """The rule: the lowest of ``PERCENTILES`` at which at most ``MAX_PAIRS_SAID`` of ``pairs`` get a change
    said, and its thresholds (the last tried when none does)."""
    for q in PERCENTILES:
        thr = thresholds_at(values, pairs, q)
        if share_said(values, pairs, thr)[0] <= MAX_PAIRS_SAID:
            break
    return q, thr


def detected(values: dict, gained, thresholds: dict[str, float]) -> dict[str, tuple[int, int]]:
    """code -> (pairs whose expected measurement's change is said in its direction, pairs with both measured)."""
    from mirage_model.review.serial.changes import is_said

    out = {}
    for code, a, b in gained:
        key, sign = GAINED[code]
        d = signed_difference(key, values[a][key], values[b][key])
        hit, n = out.get(code, (0, 0))
        if d is not None:
            out[code] = (hit + (sign * d > 0 and is_said(key, d, thresholds[key])), n + 1)
    return out


def main(argv=None) -> int:
    import pandas as pd
    import torch

    import mirage_model as mm
    from mirage_model.measure import measure
    from mirage_model.review.serial import COMPARED_KEYS, THRESHOLDS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ptbxl", type=Path, help="PTB-XL's folder (ptbxl_database.csv, records100/)")
    ap.add_argument("--days", type=int, default=30, help="stable pairs at most this many days apart (30)")
    ap.add_argument("--json", type=Path, help="write {record: measurements} here")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    table = pd.read_csv(args.ptbxl / "ptbxl_database.csv")
    choosing, reporting = stable_pairs(table, args.days, range(1, 9)), stable_pairs(table, args.days, [9])
    gained = gained_pairs(table)
    names = sorted({n for p in choosing + reporting for n in p} | {n for _, a, b in gained for n in (a, b)})
    print(f"stable pairs: {len(choosing)} of folds 1-8, {len(reporting)} of fold 9; {len(gained)} pairs with a "
          f"statement gained; {len(names)} records")
    values = {n: measure(mm.load_record(args.ptbxl / f"{n}.hea")).as_dict() for n in names}
    if args.json:
        args.json.write_text(json.dumps(values), encoding="utf-8")
    q, thr = choose(values, choosing)
    print(f"percentile {q:g}: " + ", ".join(f"{k} {thr[k]:g}" for k in COMPARED_KEYS))
    for title, t in (("before (THRESHOLDS)", THRESHOLDS), (f"after (percentile {q:g})", thr)):
        print(title)
        for name, pairs in (("folds 1-8", choosing), ("fold 9", reporting)):
            share, per = share_said(values, pairs, t)
            print(f"    stable {name}: {len(pairs)} pairs, a change said on {share:.0%} "
                  f"({', '.join(f'{k} {v}' for k, v in per.items() if v)})")
        print("    gained: " + ", ".join(f"{c} {h}/{n}" for c, (h, n) in detected(values, gained, t).items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
