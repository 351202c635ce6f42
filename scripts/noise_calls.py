"""At what noise do the model's calls become unreliable, and what do the quality indices read there? Records of
PTB-XL (folds asked, a random sample) and/or every WFDB record under the folders given (LUDB), each as recorded and
with noise added throughout 1, 4 or 12 random leads: white (broadband) Gaussian noise, or muscle-like noise (EMG:
Gaussian noise band-passed 20-150 Hz, up to 0.45 fs), each at one level drawn per record log-uniformly from
``--range`` (mV RMS of the noise added; one level per record and condition covers the range with fewer model runs
than a grid). Per level band: the median noise index (``indices.noise_index``, the "noise_mv" of
``QualityReport.indices``) of the noisy leads, the records "poor_quality" fires on, the records with the "noise"
finding, and the records whose calls change against the record as recorded: the default (superclass) model's
positive classes and the statements model's positive statements, before the quality gate
(``Prediction.model_positive``). The per-record figures go to ``--out`` (JSON).

Then, per band of the record's noise load (``noise_load``: the root sum of squares of the noise index over the
leads the "noise" finding names, those over ``QualityConfig.noise_warn_mv``), the share of records whose superclass
calls changed, and the rule's thresholds (``choose``): the lowest load of ``GRID`` from which every band changes
the calls of at least 10 % of its records (warning: calls unconfirmed), and of at least 25 % (critical: withheld);
with ``--choose`` a JSON this script wrote is read instead of scoring again.

    python scripts/noise_calls.py [DIR ...] [--ptbxl ROOT --folds 1-8 --n 150] [--range 0.01 0.3]
        [--leads 1 4 12] [--kinds white emg] [--seed 0] [--out noise_calls.json]
    python scripts/noise_calls.py --choose noise_calls.json [more.json ...]

Fold 10 is never read: PTB-XL's records among the Challenge samples under the folders (HR#####) are left out
where their fold is 10 or, without ``--ptbxl``, cannot be told (``ptbxl.headers_outside_test_fold``).
Single-threaded (torch: one thread).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
from scipy.signal import butter, sosfiltfilt

KINDS = ("white", "emg")


def noise(kind: str, mv: float, shape: tuple[int, int], fs: float, rng) -> np.ndarray:
    """(l, T) noise of ``mv`` mV RMS per lead: "white" Gaussian, or "emg", Gaussian band-passed 20-150 Hz (the
    upper edge at most 0.45 fs: 20-45 Hz at 100 Hz), a surface EMG's band."""
    v = rng.standard_normal((shape[0], shape[1] + 400))
    if kind == "emg":
        sos = butter(4, [20.0, min(150.0, 0.45 * fs)], btype="band", fs=fs, output="sos")
        v = sosfiltfilt(sos, v, axis=-1)
    elif kind != "white":
        raise ValueError(f"unknown noise kind {kind!r}: give white or emg")
    v = v[:, 200:-200]
    return mv * v / np.sqrt(np.mean(v ** 2, axis=1, keepdims=True))


def with_noise(sig: np.ndarray, fs: float, kind: str, mv: float, leads, rng) -> np.ndarray:
    """(12, T) ``sig`` with ``noise`` of ``kind`` and ``mv`` mV RMS added to each of ``leads`` (a copy)."""
    out = np.asarray(sig, dtype=np.float64).copy()
    leads = np.asarray(leads, dtype=int)
    out[leads] += noise(kind, mv, (len(leads), out.shape[1]), fs, rng)
    return out


def ptbxl_headers(root: Path, folds, n: int, seed: int) -> list[Path]:
    """``n`` PTB-XL 100 Hz headers of ``folds`` (never 10; a random sample, ``seed``), in ecg_id order."""
    import pandas as pd

    db = pd.read_csv(root / "ptbxl_database.csv", usecols=["ecg_id", "strat_fold", "filename_lr"])
    db = db[db.strat_fold.isin([f for f in folds if f != 10])]
    pick = np.sort(np.random.default_rng(seed).choice(len(db), size=min(n, len(db)), replace=False))
    return [root / f"{name}.hea" for name in db.filename_lr.to_numpy()[pick]]


def _state(pred, spred) -> dict:
    """What a condition keeps of one record: its quality indices and findings and both models' calls."""
    q = pred.quality
    return {"noise_mv": [None if not np.isfinite(v) else round(float(v), 4) for v in q.indices.get("noise_mv", [])],
            "beat_corr": [None if not np.isfinite(v) else round(float(v), 3) for v in q.indices.get("beat_corr", [])],
            "grade": list(q.lead_grade), "verdict": q.verdict,
            "findings": [[f.code, f.severity, list(f.leads)] for f in q.findings],
            "classes": list(pred.model_positive), "statements": list(spred.model_positive) if spred else None}


def noisy_conditions(headers: list[Path], score, span, lead_counts, kinds, seed: int, per_lead: bool = False,
                     digits: int = 4) -> tuple[dict, dict]:
    """Each record of ``headers`` scored as recorded and in each noisy condition: ``({record path: {"clean":
    score(record, signal), "KIND N": score(record, noisy signal) with "leads" (the N leads noisy) and "mv" (the
    level, rounded to ``digits``)}}, {path of a record the reader refuses: why})``. A condition adds ``with_noise``
    of KIND to N random leads at a level drawn log-uniformly from ``span`` (divided by the square root of N with
    ``per_lead``), drawn from a generator seeded by (``seed``, the record's index, N, KIND)."""
    from mirage_model.records import RecordError, load_record

    out, refused = {}, {}
    for k, hea in enumerate(headers):
        try:
            record = load_record(hea)
            fs = float(record.fs)
            states = {"clean": score(record, record.signal)}
        except RecordError as err:
            refused[str(hea)] = str(err)
            continue
        for kind in kinds:
            for n in lead_counts:
                rng = np.random.default_rng([seed, k, n, KINDS.index(kind)])
                leads = np.sort(rng.choice(12, size=n, replace=False))
                mv = float(np.exp(rng.uniform(np.log(span[0]), np.log(span[1]))))
                if per_lead:
                    mv = mv / np.sqrt(n)
                sig = with_noise(record.signal, fs, kind, mv, leads, rng)
                states[f"{kind} {n}"] = dict(score(record, sig), leads=[int(i) for i in leads], mv=round(mv, digits))
        out[str(hea)] = states
        print(f"{k + 1}/{len(headers)} {hea.stem}", file=sys.stderr, flush=True)
    return out, refused


def run(headers: list[Path], span, lead_counts, kinds, seed: int) -> dict:
    """{record path: {"clean": state, "KIND N": state with "leads" (the leads noisy) and "mv" (the level)}}
    (``_state``, ``noisy_conditions``); records the reader refuses, or that are not scored, under "refused"."""
    import torch

    from mirage_model.inference import Predictor
    from mirage_model.paths import statements_model_path

    torch.set_num_threads(1)
    pred = Predictor(None, threads=1)
    spath = statements_model_path()
    spred = Predictor(spath, threads=1) if spath is not None else None

    def score(record, sig):
        r = dataclasses.replace(record, signal=np.asarray(sig, np.float32))
        prep = pred.prepare(r)
        other = spred.predict(r, explain=False, prepared=spred.prepare(r, like=prep)) if spred else None
        return _state(pred.predict(r, explain=False, prepared=prep), other)

    out, refused = noisy_conditions(headers, score, span, lead_counts, kinds, seed)
    return {"records": out, "refused": refused, "range": list(span), "leads": list(lead_counts),
            "kinds": list(kinds), "seed": seed}


BANDS = (0.0, 0.02, 0.04, 0.08, 0.16, 1.0)     # mV RMS of the noise added, for the table


def changed(state: dict, clean: dict) -> tuple[bool, bool]:
    """(the superclass model's positive classes changed, the statements model's changed) against ``clean``."""
    a = set(state["classes"]) != set(clean["classes"])
    b = state["statements"] is not None and set(state["statements"]) != set(clean["statements"])
    return a, b


def table(result: dict) -> list[str]:
    """Per condition and band of the level added: records, median noise index of the noisy leads (mV),
    "poor_quality", "noise" finding, and calls changed (classes, statements, either), as percentages."""
    recs = result["records"]
    lines = [f"{'condition':<10} {'mV added':<10} {'n':>4} {'noise_mv':>8} {'poor_q':>7} {'noise_f':>7} "
             f"{'classes':>8} {'stmts':>8} {'either':>8}"]
    conds = [c for c in next(iter(recs.values()), {}) if c != "clean"] if recs else []
    groups = [("clean", "", lambda s: True)] + [
        (c, f"{lo:g}-{hi:g}", lambda s, lo=lo, hi=hi: lo <= s["mv"] < hi)
        for c in conds for lo, hi in zip(BANDS[:-1], BANDS[1:])]
    for cond, band, inside in groups:
        rows = [r for r in recs.values() if cond in r and inside(r[cond])]
        if not rows:
            continue
        nm, pq, nf, cc, sc, ei = [], 0, 0, 0, 0, 0
        for r in rows:
            s = r[cond]
            nm += [s["noise_mv"][i] for i in s.get("leads", range(12)) if s["noise_mv"][i] is not None]
            codes = {f[0] for f in s["findings"]}
            pq += "poor_quality" in codes
            nf += "noise" in codes
            a, b = changed(s, r["clean"])
            cc, sc, ei = cc + a, sc + b, ei + (a or b)
        n = len(rows)
        lines.append(f"{cond:<10} {band:<10} {n:>4} {np.median(nm) if nm else float('nan'):>8.3f} {pq / n:>7.1%} "
                     f"{nf / n:>7.1%} {cc / n:>8.1%} {sc / n:>8.1%} {ei / n:>8.1%}")
    return lines


GRID = (0.04, 0.05, 0.06, 0.08, 0.10, 0.12, 0.15, 0.20, 0.30)   # mV: candidate loads, and the bands' edges
WARN_SHARE, CRITICAL_SHARE = 0.10, 0.25     # calls changed in this share of a band's records: warning, critical
MIN_BAND = 10                               # bands with fewer noisy records are not judged


def noise_load(noise_mv, warn_mv: float | None = None) -> float:
    """The record's noise load (mV): the root sum of squares of the (12,) noise index ``noise_mv`` (None or NaN:
    not computed) over the leads above ``warn_mv`` (``QualityConfig.noise_warn_mv``), the leads "noise" names."""
    if warn_mv is None:
        from mirage_model.quality import QualityConfig

        warn_mv = QualityConfig.noise_warn_mv
    v = np.array([np.nan if x is None else x for x in noise_mv], dtype=np.float64)
    v = np.nan_to_num(v, nan=0.0)
    return float(np.sqrt(np.sum(np.where(v > warn_mv, v, 0.0) ** 2)))


def bands(results) -> list[tuple[float, float, int, float, float]]:
    """(low, high, records, share whose superclass calls changed, share whose statements changed) per band of
    ``GRID`` (below its first value, then each value to the next, the last to infinity), over the noisy conditions
    of every result (``run``'s)."""
    rows = [(noise_load(s["noise_mv"]), *changed(s, r["clean"])) for res in results
            for r in res["records"].values() for c, s in r.items() if c != "clean" and s["noise_mv"]]
    edges = (0.0,) + GRID + (np.inf,)
    out = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = [(a, b) for v, a, b in rows if lo <= v < hi]
        n = len(inside)
        out.append((lo, hi, n, sum(a for a, _ in inside) / n if n else np.nan,
                    sum(b for _, b in inside) / n if n else np.nan))
    return out


def choose(results, share: float) -> float | None:
    """The lowest load of ``GRID`` from which every band (``bands``, those of ``MIN_BAND`` records or more) changes
    the superclass calls of at least ``share`` of its records; None where no load does."""
    judged = [(lo, changed_share) for lo, _, n, changed_share, _ in bands(results) if lo > 0 and n >= MIN_BAND]
    for k, (lo, _) in enumerate(judged):
        if all(v >= share for _, v in judged[k:]):
            return lo
    return None


def clean_loads(results) -> list[float]:
    """The noise load of every record as recorded."""
    return [noise_load(r["clean"]["noise_mv"]) for res in results for r in res["records"].values()
            if r["clean"]["noise_mv"]]


def choice_lines(results) -> list[str]:
    """The bands, the thresholds ``choose`` gives and how many records as recorded reach each."""
    lines = [f"{'noise load mV':<14} {'n':>5} {'classes':>8} {'stmts':>8}"]
    for lo, hi, n, a, b in bands(results):
        if n:
            lines.append(f"{lo:.2f}-{hi:<9.2f} {n:>5} {a:>8.1%} {b:>8.1%}")
    loads = np.array(clean_loads(results))
    for what, share in (("warning", WARN_SHARE), ("critical", CRITICAL_SHARE)):
        t = choose(results, share)
        reach = int((loads >= t).sum()) if t is not None else 0
        lines.append(f"{what}: {'none' if t is None else format(t, 'g') + ' mV'} (calls changed in {share:.0%} or more "
                     f"from there); records as recorded at or above it: {reach} of {len(loads)}")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", type=Path, nargs="*")
    ap.add_argument("--ptbxl", type=Path, default=None)
    ap.add_argument("--folds", default="1-8", help="PTB-XL folds to sample, e.g. 1-8 or 9 (10 is refused)")
    ap.add_argument("--n", type=int, default=150, help="PTB-XL records (default 150)")
    ap.add_argument("--range", type=float, nargs=2, default=[0.01, 0.3], metavar=("LOW", "HIGH"),
                    help="noise levels, mV RMS, drawn log-uniformly (default 0.01 0.3)")
    ap.add_argument("--leads", type=int, nargs="+", default=[1, 4, 12], help="how many leads get noise")
    ap.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--choose", type=Path, nargs="+", default=None, help="JSONs this script wrote: the bands and "
                    "the thresholds they give, nothing scored")
    args = ap.parse_args(argv)
    if args.choose:
        try:
            results = [json.loads(p.read_text()) for p in args.choose]
        except (OSError, ValueError) as err:
            print(f"cannot read {err}", file=sys.stderr)
            return 2
        for line in choice_lines(results):
            print(line)
        return 0
    lo, _, hi = args.folds.partition("-")
    folds = range(int(lo), int(hi or lo) + 1)
    if args.ptbxl is not None and 10 in folds:
        print("fold 10 is the test fold: not read", file=sys.stderr)
        return 2
    bad = [str(f) for f in args.folders + ([args.ptbxl] if args.ptbxl else []) if not f.is_dir()]
    if bad or not (args.folders or args.ptbxl):
        print(f"not a folder: {', '.join(bad)}" if bad else "no folder given", file=sys.stderr)
        return 2
    if not 0 < args.range[0] <= args.range[1]:
        print(f"--range: give 0 < LOW <= HIGH, not {args.range}", file=sys.stderr)
        return 2
    if any(n < 1 or n > 12 for n in args.leads):
        print(f"--leads: give 1 to 12, not {args.leads}", file=sys.stderr)
        return 2
    from mirage_model.records.ptbxl import DATABASE_NAME, headers_outside_test_fold

    database = args.ptbxl / DATABASE_NAME if args.ptbxl else None
    headers = [hea for folder in args.folders for hea in headers_outside_test_fold(folder, database)]
    if args.ptbxl:
        headers += ptbxl_headers(args.ptbxl, folds, args.n, args.seed)
    result = run(headers, args.range, args.leads, args.kinds, args.seed)
    if args.out:
        args.out.write_text(json.dumps(result))
    for path, why in result["refused"].items():
        print(f"refused {path}: {why}", file=sys.stderr)
    for line in table(result) + choice_lines([result]):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
