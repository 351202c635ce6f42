"""Accuracy of mirage_model.measure against the LUDB cardiologists' annotations.

LUDB (Lobachevsky University ECG Database 1.0.1, Kalyakulina et al., IEEE Access 2020): records
1-100 of its 200 (those in the project's shared copy) at 500 Hz, 10 s, 12 leads, each lead annotated on its own by cardiologists
(files N.i ... N.v6; '(' onset, 'p'/'N'/'t' peak, ')' offset of each wave).

Reference (global intervals, as IEC 60601-2-25 / CSE define them):
  * Beats are the QRS complexes of the lead with the most QRS annotations; the QRS of every other
    lead whose peak lies within 100 ms of that beat's peak belongs to the beat.
  * Per beat: QRS onset = earliest QRS onset over the leads, QRS offset = latest; P onset =
    earliest P onset among the P waves that lie between the previous beat's QRS offset and this
    beat's QRS onset; T offset = latest T offset among the T waves between this QRS offset and
    the next QRS onset. A global P onset (T offset) needs a P (T) in at least 3 leads.
  * PR = QRS on - P on, QRS = QRS off - QRS on, QT = T off - QRS on, per beat; the record's
    reference value is the median over its beats (None when no beat has it: e.g. no P
    annotated in atrial fibrillation, flutter or ventricular pacing).
  * RR = mean interval between consecutive annotated QRS peaks (of the master lead);
    HR = 60000 / RR.

Usage:
    python scripts/eval_ludb.py --ludb DATA_DIR [--out OUT] [--fs 100] [--scalars-only]
                                [--compare-neurokit [dwt cwt peak]]

--fs 100 resamples every record to 100 Hz first (scipy.signal.resample_poly per lead), to check
the method at PTB-XL's low rate against the same annotations (which stay in ms).

DATA_DIR holds 1.hea/1.dat/1.i ... (and ludb.csv next to it or in it for the rhythms). Writes
OUT.md (Markdown tables) and OUT.json (per-record values and the summary).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from mirage_model.io import STANDARD_LEADS, EcgRecord
from mirage_model.measure import measure

LUDB_LEADS = ("i", "ii", "iii", "avr", "avl", "avf", "v1", "v2", "v3", "v4", "v5", "v6")
QUANTITIES = ("heart_rate_bpm", "pr_ms", "qrs_ms", "qt_ms")
# IEC 60601-2-25:2011 201.12.4.102.3.2 (CSE data set): tolerated mean difference / std (ms)
IEC_TOLERANCE = {"pr_ms": (10.0, 10.0), "qrs_ms": (10.0, 10.0), "qt_ms": (25.0, 30.0)}


def load_ludb_record(stem: Path) -> EcgRecord:
    """One LUDB record as an EcgRecord (through load_record when available, else wfdb)."""
    try:
        from mirage_model.io import load_record
        return load_record(stem.with_suffix(".hea"))
    except NotImplementedError:
        import wfdb
        r = wfdb.rdrecord(str(stem))
        names = [n.lower() for n in r.sig_name]
        order = [names.index(n.lower()) for n in STANDARD_LEADS]
        sig = np.asarray(r.p_signal, dtype=np.float32).T[order]         # (T, L) -> (12, T)
        return EcgRecord(signal=sig, fs=float(r.fs), record_id=stem.name, path=stem.with_suffix(".hea"))


def _waves(stem: Path, lead: str) -> dict[str, list[tuple[int, int, int]]]:
    """(onset, peak, offset) per wave kind ('p', 'N', 't') for one lead's annotation file."""
    import wfdb
    ann = wfdb.rdann(str(stem), lead)
    sym, smp = ann.symbol, ann.sample
    out: dict[str, list[tuple[int, int, int]]] = {"p": [], "N": [], "t": []}
    for i, s in enumerate(sym):
        if s in out and 0 < i < len(sym) - 1 and sym[i - 1] == "(" and sym[i + 1] == ")":
            out[s].append((int(smp[i - 1]), int(smp[i]), int(smp[i + 1])))
    return out


def ludb_reference(stem: Path, fs: float = 500.0) -> dict:
    """Reference HR/RR/PR/QRS/QT (median over beats) and per-beat global fiducials for one record."""
    waves = {lead: _waves(stem, lead) for lead in LUDB_LEADS}
    master = max(LUDB_LEADS, key=lambda ld: len(waves[ld]["N"]))
    tol = int(0.1 * fs)
    beats = []
    for (_, pk, _) in waves[master]["N"]:
        qrs = []
        for lead in LUDB_LEADS:
            cand = [w for w in waves[lead]["N"] if abs(w[1] - pk) <= tol]
            if cand:
                qrs.append(min(cand, key=lambda w: abs(w[1] - pk)))
        beats.append({"peak": pk, "qrs_on": min(w[0] for w in qrs), "qrs_off": max(w[2] for w in qrs)})
    for j, b in enumerate(beats):
        prev_off = beats[j - 1]["qrs_off"] if j > 0 else b["qrs_on"] - int(0.5 * fs)
        next_on = beats[j + 1]["qrs_on"] if j + 1 < len(beats) else b["qrs_off"] + int(0.8 * fs)
        p_on = [w[0] for ld in LUDB_LEADS for w in waves[ld]["p"] if w[0] >= prev_off and w[2] <= b["qrs_on"]]
        t_off = [w[2] for ld in LUDB_LEADS for w in waves[ld]["t"] if w[0] >= b["qrs_off"] - int(0.02 * fs)
                 and w[2] <= next_on]
        b["p_on"] = min(p_on) if len(p_on) >= 3 else None
        b["t_off"] = max(t_off) if len(t_off) >= 3 else None

    def med(vals):
        vals = [v for v in vals if v is not None]
        return round(float(np.median(vals)) * 1000.0 / fs, 1) if vals else None

    peaks = [b["peak"] for b in beats]
    rr = np.diff(peaks) * 1000.0 / fs if len(peaks) > 1 else np.zeros(0)
    rr = rr[rr < 2000]   # a gap in the annotations is not an RR interval
    return {
        "rr_ms": round(float(rr.mean()), 1) if rr.size else None,
        "heart_rate_bpm": round(60000.0 / float(rr.mean()), 1) if rr.size else None,
        "pr_ms": med([b["qrs_on"] - b["p_on"] if b["p_on"] is not None else None for b in beats]),
        "qrs_ms": med([b["qrs_off"] - b["qrs_on"] for b in beats]),
        "qt_ms": med([b["t_off"] - b["qrs_on"] if b["t_off"] is not None else None for b in beats]),
        "n_beats": len(beats),
        "beats": beats,
    }


def _rhythms(ludb_dir: Path) -> dict[str, str]:
    for cand in (ludb_dir / "ludb.csv", ludb_dir.parent / "ludb.csv"):
        if cand.is_file():
            with open(cand, newline="", encoding="utf-8") as f:
                return {row["ID"].strip(): row["Rhythms"].strip() for row in csv.DictReader(f)}
    return {}


def _trim4(d: np.ndarray) -> np.ndarray:
    return d[np.argsort(np.abs(d))[:-4]] if d.size > 5 else d


def _summary(rows: list[dict], key: str, subset=None) -> dict:
    d = [r["ours"][key] - r["ref"][key] for r in rows
         if (subset is None or subset(r)) and r["ours"][key] is not None and r["ref"][key] is not None]
    d = np.asarray(d, dtype=float)
    return {
        "n": int(d.size),
        "mean": round(float(d.mean()), 1) + 0.0 if d.size else None,
        "sd": round(float(d.std(ddof=1)), 1) if d.size > 1 else None,
        "mae": round(float(np.abs(d).mean()), 1) if d.size else None,
        # mean and SD without the 4 largest |differences| (the CSE test's outlier rule, as described
        # for IEC 60601-2-51/-2-25; see docs/measurements.md)
        "trim4_mean": round(float(_trim4(d).mean()), 1) + 0.0 if d.size > 5 else None,
        "trim4_sd": round(float(_trim4(d).std(ddof=1)), 1) if d.size > 5 else None,
        "within_tol_pct": (round(100.0 * float(np.mean(np.abs(d) <= IEC_TOLERANCE[key][0])), 1)
                           if d.size and key in IEC_TOLERANCE else None),
        "ours_none": sum(1 for r in rows if (subset is None or subset(r)) and r["ours"][key] is None),
        "ref_none": sum(1 for r in rows if (subset is None or subset(r)) and r["ref"][key] is None),
        "ours_none_ref_has": sum(1 for r in rows if (subset is None or subset(r))
                                 and r["ours"][key] is None and r["ref"][key] is not None),
        "ours_has_ref_none": sum(1 for r in rows if (subset is None or subset(r))
                                 and r["ours"][key] is not None and r["ref"][key] is None),
    }


def decimate_record(rec: EcgRecord, fs: float) -> EcgRecord:
    """The record resampled to ``fs`` (an integer fraction of its own rate, e.g. 500 -> 100 Hz).

    ``scipy.signal.resample_poly`` per lead (anti-alias FIR), as a 100 Hz recorder would store it;
    the annotations stay in ms, so the reference does not change.
    """
    from fractions import Fraction

    from scipy.signal import resample_poly

    if float(fs) == float(rec.fs):
        return rec
    frac = Fraction(float(fs) / float(rec.fs)).limit_denominator(1000)
    sig = resample_poly(np.asarray(rec.signal, dtype=np.float64), frac.numerator, frac.denominator, axis=1)
    return EcgRecord(signal=sig.astype(np.float32), fs=float(fs), record_id=rec.record_id, path=rec.path,
                     age=rec.age, sex=rec.sex, dx=rec.dx, quality=rec.quality, comments=rec.comments,
                     meta=rec.meta)


def evaluate(ludb_dir: Path, measure_fn=measure, records: list[str] | None = None,
             fs: float | None = None, scalars_only: bool = False) -> dict:
    """Run ``measure_fn`` on every record and compare with the reference. Returns a JSON-able dict.

    ``fs``: resample each record to this rate first (e.g. 100 Hz, see ``decimate_record``).
    ``scalars_only``: call ``measure_fn(rec, fiducials=False)`` (the batch path; same values).
    """
    rhythms = _rhythms(ludb_dir)
    stems = sorted((p.with_suffix("") for p in ludb_dir.glob("*.hea")), key=lambda p: int(p.stem))
    if records:
        stems = [s for s in stems if s.stem in records]
    if not stems:
        raise SystemExit(f"{ludb_dir}: no LUDB records (*.hea) found")
    from tqdm import tqdm

    rows, times = [], []
    for stem in tqdm(stems, desc=getattr(measure_fn, "__name__", "measure"), unit="record", leave=False):
        rec = load_ludb_record(stem)
        ref = ludb_reference(stem, rec.fs)                 # annotations at the file's own rate
        if fs is not None:
            rec = decimate_record(rec, fs)
        t0 = time.perf_counter()
        m = measure_fn(rec, fiducials=False) if scalars_only else measure_fn(rec)
        times.append(time.perf_counter() - t0)
        ours = m.as_dict() if hasattr(m, "as_dict") else m
        ref.pop("beats")
        rows.append({"record": stem.stem, "rhythm": rhythms.get(stem.stem, ""), "ours": ours, "ref": ref,
                     "notes": list(getattr(m, "notes", ())), "time_ms": round(times[-1] * 1000, 1)})
    out = {"n_records": len(rows), "fs": fs, "time_ms_median": round(float(np.median(times)) * 1000, 1),
           "time_ms_max": round(float(np.max(times)) * 1000, 1), "summary": {}, "rows": rows}
    for name, subset in (("all", None),
                         ("records 1-50", lambda r: int(r["record"]) <= 50),
                         ("records 51-100", lambda r: int(r["record"]) > 50),
                         ("sinus rhythms", lambda r: r["rhythm"].lower().startswith("sinus"))):
        if subset is not None and not any(subset(r) for r in rows):
            continue
        out["summary"][name] = {k: _summary(rows, k, subset) for k in QUANTITIES}
    out["af_flutter_pr_none"] = sum(1 for r in rows if r["rhythm"].lower().startswith("atrial")
                                    and r["ours"]["pr_ms"] is None)
    out["af_flutter_n"] = sum(1 for r in rows if r["rhythm"].lower().startswith("atrial"))
    return out


def markdown(res: dict, title: str = "mirage_model.measure vs LUDB cardiologists") -> str:
    lines = [f"### {title}", "",
             f"{res['n_records']} records; difference = ours - reference; mean, SD and mean absolute "
             "difference over the records where both have a value; within tol.: records whose difference "
             "is within 10 ms (PR, QRS) or 25 ms (QT). None counts: records without a value.", ""]
    for name, summ in res["summary"].items():
        lines += [f"**{name}**", "",
                  "| quantity | n | mean diff | SD | mean / SD w/o 4 largest | MAE | within tol. | ours None | ref None | ours None, ref has | ours has, ref None | IEC 60601-2-25 (mean / SD) |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for k, s in summ.items():
            tol = IEC_TOLERANCE.get(k)
            tol_s = f"+-{tol[0]:g} / {tol[1]:g} ms" if tol else "-"
            within = f"{s['within_tol_pct']}%" if s["within_tol_pct"] is not None else "-"
            lines.append(f"| {k} | {s['n']} | {s['mean']} | {s['sd']} | {s['trim4_mean']} / {s['trim4_sd']} | "
                         f"{s['mae']} | {within} | {s['ours_none']} | "
                         f"{s['ref_none']} | {s['ours_none_ref_has']} | {s['ours_has_ref_none']} | {tol_s} |")
        lines.append("")
    lines.append("Largest differences (record: ours - reference, ms): " + "; ".join(
        f"{k}: " + ", ".join(f"{r['record']}: {r['ours'][k] - r['ref'][k]:+.0f}" for r in sorted(
            (r for r in res["rows"] if r["ours"][k] is not None and r["ref"][k] is not None),
            key=lambda r: -abs(r["ours"][k] - r["ref"][k]))[:4])
        for k in QUANTITIES[1:]) + ".")
    lines.append("")
    lines.append(f"Atrial fibrillation/flutter records with PR None: {res['af_flutter_pr_none']} of "
                 f"{res['af_flutter_n']}.")
    lines.append(f"Time per record: median {res['time_ms_median']} ms, max {res['time_ms_max']} ms.")
    return "\n".join(lines) + "\n"


# --- neurokit2 delineators, per lead, for comparison -----------------------------------------

def neurokit_measure(method: str, aggregate: str = "extreme"):
    """A measure-like function: neurokit2 ``ecg_delineate(method)`` on every lead.

    Per beat the global onset is the earliest (``aggregate="extreme"``) or the median
    (``"median"``) of the 12 leads' onsets (offsets: latest / median), then the median over beats.
    R peaks: neurokit2 on lead II.
    """
    import neurokit2 as nk

    def fn(rec: EcgRecord) -> dict:
        fs = int(rec.fs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clean = np.stack([nk.ecg_clean(s, sampling_rate=fs) for s in rec.signal.astype(float)])
            _, info = nk.ecg_peaks(clean[1], sampling_rate=fs)
            rp = np.asarray(info["ECG_R_Peaks"])
            per = {"P_on": [], "R_on": [], "R_off": [], "T_off": []}
            for s in clean:
                try:
                    _, w = nk.ecg_delineate(s, rp, sampling_rate=fs, method=method)
                except Exception:  # noqa: BLE001 - neurokit raises assorted errors on hard leads
                    w = {}
                for key, nkkey in (("P_on", "ECG_P_Onsets"), ("R_on", "ECG_R_Onsets"),
                                   ("R_off", "ECG_R_Offsets"), ("T_off", "ECG_T_Offsets")):
                    v = np.asarray(w.get(nkkey, [np.nan] * len(rp)), dtype=float)
                    if v.size != len(rp):
                        # some methods (cwt) return P/T waves not one per R peak: a P onset
                        # belongs to the next R peak, a T offset to the previous one
                        out = np.full(len(rp), np.nan)
                        v = v[np.isfinite(v)]
                        j = np.searchsorted(rp, v) - (1 if key == "T_off" else 0)
                        ok = (j >= 0) & (j < len(rp))
                        out[j[ok]] = v[ok]
                        v = out
                    per[key].append(v)
        a = {k: np.asarray(v) for k, v in per.items()}             # (12, n_beats)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if aggregate == "extreme":
                on, off = np.nanmin, np.nanmax
            else:
                on = off = np.nanmedian
            p_on, r_on, r_off, t_off = on(a["P_on"], 0), on(a["R_on"], 0), off(a["R_off"], 0), off(a["T_off"], 0)

            def medms(v):
                v = v[np.isfinite(v)]
                return round(float(np.median(v)) * 1000 / fs, 1) if v.size else None

            rr = np.diff(rp) * 1000 / fs
        return {"heart_rate_bpm": round(60000 / rr.mean(), 1) if rr.size else None,
                "pr_ms": medms(r_on - p_on), "qrs_ms": medms(r_off - r_on), "qt_ms": medms(t_off - r_on)}

    fn.__name__ = f"neurokit {method}/{aggregate}"
    return fn


def get_args_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ludb", type=Path, required=True, help="LUDB data folder (1.hea, 1.dat, 1.i ...)")
    p.add_argument("--out", type=Path, default=Path("ludb_eval"), help="output stem: writes OUT.md and OUT.json")
    p.add_argument("--records", nargs="*", help="only these record numbers")
    p.add_argument("--fs", type=float, default=None,
                   help="resample the records to this rate first (e.g. 100: LUDB as a 100 Hz recorder "
                        "would store it; annotations stay in ms)")
    p.add_argument("--scalars-only", action="store_true",
                   help="measure(record, fiducials=False), the batch path: same values, shorter time")
    p.add_argument("--compare-neurokit", nargs="*", choices=("dwt", "cwt", "peak"), metavar="METHOD",
                   help="also evaluate neurokit2's per-lead delineators (default: dwt cwt peak; slow)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = get_args_parser().parse_args(argv)
    if not args.ludb.is_dir():
        print(f"{args.ludb}: not a folder", file=sys.stderr)
        return 2
    res = evaluate(args.ludb, records=args.records, fs=args.fs, scalars_only=args.scalars_only)
    md = markdown(res, "mirage_model.measure vs LUDB cardiologists"
                  + (f", records resampled to {args.fs:g} Hz" if args.fs else ", 500 Hz"))
    results = {"measure": res}
    if args.compare_neurokit is not None:
        for method in args.compare_neurokit or ("dwt", "cwt", "peak"):
            for agg in ("extreme", "median"):
                r = evaluate(args.ludb, neurokit_measure(method, agg), records=args.records, fs=args.fs)
                md += "\n" + markdown(r, f"neurokit2 ecg_delineate(method='{method}'), leads combined by {agg}")
                results[f"neurokit_{method}_{agg}"] = r
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".md").write_text(md, encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
