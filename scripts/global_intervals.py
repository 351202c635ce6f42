"""Global PR, QRS and QT in two conventions, from one run of mirage_model.measure per record.

  * median over leads: each lead's interval on its own (its onset to its offset), the median over
    the leads (what ``measure`` reports by default);
  * global: the earliest onset to the latest offset over the leads (IEC 60601-2-25, the CSE study:
    the leads superimposed in time), guarded against one lead's wrong boundary by taking the k-th
    earliest onset and the k-th latest offset (k = 1: the plain extremes). PR: the earliest P onset
    to the earliest QRS onset.

Both are read off the same per-lead boundaries of the median beat (``Measurements.median.lead_fiducials``),
so only the way the leads are combined differs. For each k, a constant is added to the global
intervals like ``MeasureConfig.unet_bias_ms``: minus the median difference from the reference on LUDB
records 1-50 (the records the delineator was trained and calibrated on). The k of
``MeasureConfig.global_rank`` (2) was chosen on records 51-75, and 76-100 scored once (LUDB 101-200 are not
in the project's copy); ``scripts/eval_ludb.py --intervals global`` scores what ``measure`` then reports.

LUDB: the cardiologists' per-lead annotations combined the same two ways per beat (median over the
leads of each lead's interval; k-th earliest onset to k-th latest offset over the annotated leads),
then the median over beats; the summary is printed for records 51-75 (where the rank was chosen), 76-100
and 51-100 (the constants from 1-50). PTB-XL (no truth): how far the conventions differ, and how many
records cross QRS 120 ms and the QTc limits under one and not the other.

Usage:
    python scripts/global_intervals.py ludb --ludb LUDB_DATA_DIR --out OUT [--k 1 2 3]
    python scripts/global_intervals.py ptbxl --ptbxl PTBXL_DIR --out OUT [--n 300] [--folds 1 ... 8]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_ludb import LUDB_LEADS, _waves, load_ludb_record, ludb_reference  # noqa: E402

from mirage_model.measure import measure  # noqa: E402
from mirage_model.measure.formulas import qtc_bazett, qtc_fridericia  # noqa: E402
from mirage_model.measure.results import MeasureConfig  # noqa: E402

KEYS = ("pr_ms", "qrs_ms", "qt_ms")


def kth(values, k: int, latest: bool) -> float | None:
    """The k-th earliest (or latest) of the finite values; None where fewer than k + 2 leads have one
    (three leads at least for k = 1, so two leads cannot set a global interval)."""
    v = np.sort(np.asarray([x for x in values if x is not None and np.isfinite(x)], dtype=float))
    if v.size < max(3, k + 2):
        return None
    return float(v[-k] if latest else v[k - 1])


def lead_raw(m, k: int) -> dict:
    """Uncalibrated global intervals (ms) of a Measurements from its leads' boundaries, both conventions."""
    if m.median is None:
        return {}
    lf, fs = m.median.lead_fiducials, m.median.fs
    out = {}
    pon, qon, qoff, toff = (np.asarray(lf[x], dtype=float) for x in ("p_on", "qrs_on", "qrs_off", "t_off"))
    g_qon, g_qoff, g_toff, g_pon = kth(qon, k, False), kth(qoff, k, True), kth(toff, k, True), kth(pon, k, False)
    ms = 1000.0 / fs
    out["qrs_ms"] = None if g_qon is None or g_qoff is None else (g_qoff - g_qon) * ms
    out["qt_ms"] = None if g_qon is None or g_toff is None or m.qt_ms is None else (g_toff - g_qon) * ms
    out["pr_ms"] = None if g_qon is None or g_pon is None or m.pr_ms is None else (g_qon - g_pon) * ms
    return out


def ludb_global_reference(stem: Path, fs: float, k: int) -> dict:
    """The cardiologists' global PR/QRS/QT (ms) of one LUDB record: per beat the k-th earliest onset
    and k-th latest offset over the annotated leads, the median over beats (k = 1 is eval_ludb's
    ``*_extreme`` reference)."""
    waves = {lead: _waves(stem, lead) for lead in LUDB_LEADS}
    master = max(LUDB_LEADS, key=lambda ld: len(waves[ld]["N"]))
    tol = int(0.1 * fs)
    beats = []
    for (_, pk, _) in waves[master]["N"]:
        qrs = [min(c, key=lambda w: abs(w[1] - pk)) for ld in LUDB_LEADS
               if (c := [w for w in waves[ld]["N"] if abs(w[1] - pk) <= tol])]
        beats.append({"on_all": min(w[0] for w in qrs), "off_all": max(w[2] for w in qrs),
                      "on": kth([w[0] for w in qrs], k, False), "off": kth([w[2] for w in qrs], k, True)})
    vals = {key: [] for key in KEYS}
    for j, b in enumerate(beats):
        prev_off = beats[j - 1]["off_all"] if j > 0 else b["on_all"] - int(0.5 * fs)
        next_on = beats[j + 1]["on_all"] if j + 1 < len(beats) else b["off_all"] + int(0.8 * fs)
        p_on, t_off = [], []
        for ld in LUDB_LEADS:
            ps = [w for w in waves[ld]["p"] if w[0] >= prev_off and w[2] <= b["on_all"]]
            ts = [w for w in waves[ld]["t"] if w[0] >= b["off_all"] - int(0.02 * fs) and w[2] <= next_on]
            if ps:
                p_on.append(max(ps, key=lambda w: w[0])[0])      # the lead's last P before this QRS
            if ts:
                t_off.append(min(ts, key=lambda w: w[0])[2])     # the lead's first T after it
        if b["on"] is None:
            continue
        if b["off"] is not None:
            vals["qrs_ms"].append(b["off"] - b["on"])
        if (g := kth(p_on, k, False)) is not None:
            vals["pr_ms"].append(b["on"] - g)
        if (g := kth(t_off, k, True)) is not None:
            vals["qt_ms"].append(g - b["on"])
    return {key: round(float(np.median(v)) * 1000.0 / fs, 1) if v else None for key, v in vals.items()}


def _stats(d: list[float]) -> dict:
    a = np.asarray(d, dtype=float)
    if a.size < 2:
        return {"n": int(a.size)}
    trim = a[np.argsort(np.abs(a))[:-4]] if a.size > 5 else a
    return {"n": int(a.size), "mean": round(float(a.mean()), 1), "sd": round(float(a.std(ddof=1)), 1),
            "trim4": (round(float(trim.mean()), 1), round(float(trim.std(ddof=1)), 1)),
            "mae": round(float(np.abs(a).mean()), 1)}


def run_ludb(args) -> dict:
    stems = sorted((p.with_suffix("") for p in args.ludb.glob("*.hea")), key=lambda p: int(p.stem))
    rows = []
    for stem in stems:
        rec = load_ludb_record(stem)
        m = measure(rec, config=MeasureConfig(delineator=args.delineator, intervals="median"))
        row = {"record": int(stem.stem), "median": {k: getattr(m, k) for k in KEYS},
               "raw": {str(k): lead_raw(m, k) for k in args.k},
               "ref_median": {}, "ref": {str(k): ludb_global_reference(stem, rec.fs, k) for k in {1, *args.k}}}
        ref = ludb_reference(stem, rec.fs)
        row["ref_median"] = {k: ref[k] for k in KEYS}
        rows.append(row)
        print(stem.stem, row["median"], row["raw"].get("2"), row["ref"].get("1"), file=sys.stderr)
    return {"rows": rows}


def score_ludb(res: dict, calib: range, subsets: dict[str, range], ks: list[int]) -> dict:
    """Differences ours - reference per convention, k and reference k, on each subset of records."""
    rows = res["rows"]
    out = {}
    for k in ks:
        bias = {}
        for key in KEYS:        # calibrated like unet_bias_ms: minus the median difference on records 1-50
            d = [r["raw"][str(k)].get(key) - r["ref"][str(k)][key] for r in rows if r["record"] in calib
                 and r["raw"][str(k)].get(key) is not None and r["ref"][str(k)][key] is not None]
            bias[key] = -round(float(np.median(d)) * 4) / 4 if d else 0.0
        out[f"bias k={k}"] = bias
        for name, sub in subsets.items():
            for rk in sorted({1, k}):
                for key in KEYS:
                    d = [r["raw"][str(k)][key] + bias[key] - r["ref"][str(rk)][key] for r in rows
                         if r["record"] in sub and r["raw"][str(k)].get(key) is not None
                         and r["ref"][str(rk)][key] is not None]
                    out[f"{name} | global k={k} vs ref k={rk} | {key}"] = _stats(d)
    for name, sub in subsets.items():
        for rk in sorted(set(ks) | {1}):
            for key in KEYS:
                d = [r["median"][key] - r["ref"][str(rk)][key] for r in rows if r["record"] in sub
                     and r["median"][key] is not None and r["ref"][str(rk)][key] is not None]
                out[f"{name} | median over leads vs ref k={rk} | {key}"] = _stats(d)
                d = [r["median"][key] - r["ref_median"][key] for r in rows if r["record"] in sub
                     and r["median"][key] is not None and r["ref_median"][key] is not None]
                out[f"{name} | median over leads vs ref median | {key}"] = _stats(d)
    return out


def run_ptbxl(args) -> dict:
    """``measure`` (with the global intervals, ``intervals="global"``) on ``args.n`` PTB-XL records drawn at random
    (seed 0) from ``args.folds`` (never fold 10); the median over the leads from the same run
    (``Measurements.lead_median_ms``)."""
    import pandas as pd
    import wfdb

    from mirage_model.records import STANDARD_LEADS, EcgRecord

    db = pd.read_csv(args.ptbxl / "ptbxl_database.csv", index_col="ecg_id")
    db = db[db.strat_fold.isin([f for f in args.folds if f != 10])]
    pick = db.sample(n=args.n, random_state=0)
    rows = []
    for ecg_id, meta in pick.iterrows():
        r = wfdb.rdrecord(str(args.ptbxl / meta.filename_lr))
        names = [n.lower() for n in r.sig_name]
        sig = r.p_signal.T[[names.index(n.lower()) for n in STANDARD_LEADS]]
        m = measure(EcgRecord(signal=sig.astype(np.float32), fs=float(r.fs), record_id=str(ecg_id)),
                    config=MeasureConfig(delineator=args.delineator, intervals="global"))
        rows.append({"ecg_id": int(ecg_id), "fold": int(meta.strat_fold), "sex": int(meta.sex), "rr_ms": m.rr_ms,
                     "global": {k: getattr(m, k) for k in KEYS}, "median": dict(m.lead_median_ms)})
    return {"rows": rows}


def score_ptbxl(res: dict) -> dict:
    """Spread of global - median over leads, and how many records cross QRS 120 ms and the QTc limits
    (450 ms men, 460 women: ``review.measurements.QTC_LIMITS``) under one convention and not the other."""
    out = {}
    rows = res["rows"]
    for key in KEYS:
        a = np.asarray([r["global"][key] - r["median"][key] for r in rows
                        if r["global"][key] is not None and r["median"].get(key) is not None])
        out[key] = {"n": int(a.size), "mean": round(float(a.mean()), 1), "sd": round(float(a.std(ddof=1)), 1),
                    "p5": round(float(np.percentile(a, 5)), 1), "median": round(float(np.median(a)), 1),
                    "p95": round(float(np.percentile(a, 95)), 1)}
    out["QRS >= 120: global only, median only, both"] = crossings(rows, "qrs_ms", lambda v, r: v >= 120)
    for name, f in (("QTc Bazett", qtc_bazett), ("QTc Fridericia", qtc_fridericia)):
        def long_qtc(v, r, f=f):
            return f(v, r["rr_ms"]) >= (450 if r["sex"] == 0 else 460)     # PTB-XL sex 0: male
        out[f"{name} >= 450 (men) / 460 (women): global only, median only, both"] = crossings(rows, "qt_ms", long_qtc)
    return out


def crossings(rows, key, over) -> tuple[int, int, int]:
    """(records over the limit under the global convention only, under the median only, under both)."""
    g_only = m_only = both = 0
    for r in rows:
        new, old = r["global"][key], r["median"].get(key)
        if old is None or new is None or r["rr_ms"] is None:
            continue
        a, b = over(new, r), over(old, r)
        g_only += a and not b
        m_only += b and not a
        both += a and b
    return g_only, m_only, both


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("what", choices=("ludb", "ptbxl"))
    p.add_argument("--ludb", type=Path)
    p.add_argument("--ptbxl", type=Path)
    p.add_argument("--out", type=Path, required=True, help="JSON of per-record values (re-scored if it exists)")
    p.add_argument("--k", type=int, nargs="*", default=[1, 2, 3])
    p.add_argument("--n", type=int, default=300)
    p.add_argument("--delineator", choices=("rules", "unet", "combined"), default="unet")
    p.add_argument("--folds", type=int, nargs="*", default=list(range(1, 9)))
    args = p.parse_args(argv)
    if args.out.is_file():
        res = json.loads(args.out.read_text())
    else:
        res = run_ludb(args) if args.what == "ludb" else run_ptbxl(args)
        args.out.write_text(json.dumps(res))
    if args.what == "ludb":
        summ = score_ludb(res, range(1, 51), {"51-75": range(51, 76), "76-100": range(76, 101),
                                                "51-100": range(51, 101)}, args.k)
    else:
        summ = score_ptbxl(res)
    print(json.dumps(summ, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
