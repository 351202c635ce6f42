"""Accuracy of mirage_model.measure against the LUDB cardiologists' annotations.

LUDB (Lobachevsky University ECG Database 1.0.1, Kalyakulina et al., IEEE Access 2020): records
1-100 of its 200 (those in the project's shared copy) at 500 Hz, 10 s, 12 leads, each lead annotated on its own by cardiologists
(files N.i ... N.v6; '(' onset, 'p'/'N'/'t' peak, ')' offset of each wave).

Reference, three conventions (``reference_from_waves``), each the median over the record's beats:
  * Beats are the QRS complexes of the lead with the most QRS annotations; the QRS of every other
    lead whose peak lies within 100 ms of that beat's peak belongs to the beat.
  * global (``*_global``; what ``measure`` reports with MeasureConfig(intervals="global")): per
    beat, the 2nd-earliest QRS onset and the 2nd-latest QRS offset over the annotated leads, PR from the
    2nd-earliest P onset (each lead's last P before the QRS), QT to the 2nd-latest T offset (each lead's
    first T after it); at least 3 leads. The CSE-style global construction, guarded as ``measure`` is
    (``measure.combine``): one lead's boundary cannot stretch it.
  * median over leads (the keys ``pr_ms``, ``qrs_ms``, ``qt_ms``; what ``measure`` reports by default):
    per beat, PR, QRS and QT are measured in every annotated lead on its own (that lead's P onset, QRS
    onset/offset and T offset) and the beat's value is their median over the leads (at least 3 for PR
    and QT).
  * earliest/latest (``*_extreme``): per beat, the earliest QRS and P onset and the latest QRS
    and T offset over the leads (P between the previous QRS offset and this QRS onset, T up to
    the next QRS onset; at least 3 leads): the unguarded global construction, which on
    independently annotated leads adds their scatter to every duration.
  * RR = mean interval between consecutive annotated QRS peaks (of the master lead);
    HR = 60000 / RR.
The method's calibration constants (MeasureConfig.global_bias_ms, unet_bias_ms ...) were fitted on
records 1-50; records 51-100 are reported as held out.

Usage:
    python scripts/eval_ludb.py --ludb DATA_DIR [--out OUT] [--fs 100] [--scalars-only]
                                [--plots [DIR]] [--compare-neurokit [dwt cwt peak]]

--fs 100 resamples every record to 100 Hz first (scipy.signal.resample_poly per lead), to check
the method at PTB-XL's low rate against the same annotations (which stay in ms).

DATA_DIR holds 1.hea/1.dat/1.i ... (and ludb.csv next to it or in it for the rhythms). Writes
OUT.md (Markdown tables) and OUT.json (per-record values and the summary); --plots the Bland-Altman
PNGs of both references into OUT_plots/ beside them (or into DIR). The documentation shows four of
them (docs/measurements.md): copy those into docs/ by hand (written straight into docs/, a run also
left there the plots the pages do not show, untracked: ..._extreme_100hz.png).
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

from mirage_model.records import STANDARD_LEADS, EcgRecord
from mirage_model.measure import measure

LUDB_LEADS = ("i", "ii", "iii", "avr", "avl", "avf", "v1", "v2", "v3", "v4", "v5", "v6")
QUANTITIES = ("heart_rate_bpm", "pr_ms", "qrs_ms", "qt_ms")
# Global-interval tolerances (mean difference, SD; ms) for an electrocardiograph on the CSE
# database, as IEC 60601-2-25:2011 is usually quoted (and as issue 17 states them). The standard's
# text could not be checked here, so no clause or table number is cited: see docs/measurements.md.
IEC_TOLERANCE = {"pr_ms": (10.0, 10.0), "qrs_ms": (10.0, 10.0), "qt_ms": (25.0, 30.0)}
# the global reference's guard: the 2nd-earliest onset / 2nd-latest offset (as MeasureConfig.global_rank)
GLOBAL_RANK = 2


def load_ludb_record(stem: Path) -> EcgRecord:
    """One LUDB record as an EcgRecord in mV from the stored samples (microvolts).

    The headers give each lead its own gain, under which the limb leads break Einthoven's law
    (I + III = II); the stored integers are microvolts and satisfy it exactly, so we read those
    (timing is the same either way; amplitudes, the spatial velocity and the axes are not).
    """
    import wfdb

    r = wfdb.rdrecord(str(stem), physical=False)
    names = [n.lower() for n in r.sig_name]
    order = [names.index(n.lower()) for n in STANDARD_LEADS]
    sig = np.asarray(r.d_signal, dtype=np.float64).T[order] / 1000.0     # (T, L) uV -> (12, T) mV
    return EcgRecord(signal=sig.astype(np.float32), fs=float(r.fs), record_id=stem.name,
                     path=stem.with_suffix(".hea"))


def _nth(values: list, n: int, latest: bool) -> float:
    """The n-th earliest (or latest) of a beat's annotated boundaries (the middle one where fewer than
    2n - 1 leads have one): the reference's own, apart from ``measure``'s code."""
    v = sorted(values, reverse=latest)
    return float(v[min(n, (len(v) + 1) // 2) - 1])


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
    """Reference HR/RR/PR/QRS/QT for one record in both conventions (see ``reference_from_waves``)."""
    return reference_from_waves({lead: _waves(stem, lead) for lead in LUDB_LEADS}, fs)


def reference_from_waves(waves: dict, fs: float = 500.0) -> dict:
    """Reference values from per-lead wave annotations (lead -> kind -> [(on, peak, off)], samples).

    Two conventions, both the median over beats:
      * ``median`` (the default keys ``pr_ms``, ``qrs_ms``, ``qt_ms``): per beat, each interval is
        measured in every annotated lead on its own (PR = that lead's QRS onset - its P onset,
        QT = its T offset - its QRS onset) and the beat's value is the median over those leads
        (at least 3 for PR and QT): a cardiologist's per-lead reading, robust to one lead.
      * ``extreme`` (keys ``pr_ms_extreme`` ...): per beat, earliest onset and latest offset over
        the leads (the CSE "global" construction from independently annotated leads; it widens
        every interval by the lead-to-lead scatter of the annotations).
      * ``global`` (keys ``pr_ms_global`` ...): per beat, the 2nd-earliest onset and 2nd-latest offset
        over the leads (``GLOBAL_RANK``; each lead's last P before the QRS and first T after it), at
        least 3 leads: the global construction guarded against one lead's boundary.
    Also ``beats``: per beat the extreme-convention global fiducials (samples).
    """
    master = max(LUDB_LEADS, key=lambda ld: len(waves[ld]["N"]))
    tol = int(0.1 * fs)
    beats = []
    for (_, pk, _) in waves[master]["N"]:
        qrs = {}
        for lead in LUDB_LEADS:
            cand = [w for w in waves[lead]["N"] if abs(w[1] - pk) <= tol]
            if cand:
                qrs[lead] = min(cand, key=lambda w: abs(w[1] - pk))
        beats.append({"peak": pk, "qrs": qrs, "qrs_on": min(w[0] for w in qrs.values()),
                      "qrs_off": max(w[2] for w in qrs.values())})
    for j, b in enumerate(beats):
        prev_off = beats[j - 1]["qrs_off"] if j > 0 else b["qrs_on"] - int(0.5 * fs)
        next_on = beats[j + 1]["qrs_on"] if j + 1 < len(beats) else b["qrs_off"] + int(0.8 * fs)
        p_on, t_off, pr_l, qt_l, lead_p, lead_t = [], [], [], [], [], []
        for ld in LUDB_LEADS:
            ps = [w for w in waves[ld]["p"] if w[0] >= prev_off and w[2] <= b["qrs_on"]]
            ts = [w for w in waves[ld]["t"] if w[0] >= b["qrs_off"] - int(0.02 * fs) and w[2] <= next_on]
            p_on += [w[0] for w in ps]
            t_off += [w[2] for w in ts]
            if ps:
                lead_p.append(max(ps, key=lambda w: w[0])[0])
            if ts:
                lead_t.append(min(ts, key=lambda w: w[0])[2])
            if ld in b["qrs"] and ps:
                pr_l.append(b["qrs"][ld][0] - max(ps, key=lambda w: w[0])[0])    # the lead's last P
            if ld in b["qrs"] and ts:
                qt_l.append(min(ts, key=lambda w: w[0])[2] - b["qrs"][ld][0])     # the lead's first T
        b["p_on"] = min(p_on) if len(p_on) >= 3 else None
        b["t_off"] = max(t_off) if len(t_off) >= 3 else None
        b["pr_med"] = float(np.median(pr_l)) if len(pr_l) >= 3 else None
        b["qt_med"] = float(np.median(qt_l)) if len(qt_l) >= 3 else None
        b["qrs_med"] = float(np.median([w[2] - w[0] for w in b["qrs"].values()]))
        on = _nth([w[0] for w in b["qrs"].values()], GLOBAL_RANK, latest=False)
        off = _nth([w[2] for w in b["qrs"].values()], GLOBAL_RANK, latest=True)
        enough = len(b["qrs"]) >= 3
        b["qrs_glob"] = off - on if enough else None
        b["pr_glob"] = on - _nth(lead_p, GLOBAL_RANK, False) if enough and len(lead_p) >= 3 else None
        b["qt_glob"] = _nth(lead_t, GLOBAL_RANK, True) - on if enough and len(lead_t) >= 3 else None

    def med(vals):
        vals = [v for v in vals if v is not None]
        return round(float(np.median(vals)) * 1000.0 / fs, 1) if vals else None

    peaks = [b["peak"] for b in beats]
    rr = np.diff(peaks) * 1000.0 / fs if len(peaks) > 1 else np.zeros(0)
    rr = rr[rr < 2000]   # a gap in the annotations is not an RR interval
    for b in beats:
        b.pop("qrs")
    return {
        "rr_ms": round(float(rr.mean()), 1) if rr.size else None,
        "heart_rate_bpm": round(60000.0 / float(rr.mean()), 1) if rr.size else None,
        "pr_ms": med([b["pr_med"] for b in beats]),
        "qrs_ms": med([b["qrs_med"] for b in beats]),
        "qt_ms": med([b["qt_med"] for b in beats]),
        "pr_ms_extreme": med([b["qrs_on"] - b["p_on"] if b["p_on"] is not None else None for b in beats]),
        "qrs_ms_extreme": med([b["qrs_off"] - b["qrs_on"] for b in beats]),
        "qt_ms_extreme": med([b["t_off"] - b["qrs_on"] if b["t_off"] is not None else None for b in beats]),
        "pr_ms_global": med([b["pr_glob"] for b in beats]),
        "qrs_ms_global": med([b["qrs_glob"] for b in beats]),
        "qt_ms_global": med([b["qt_glob"] for b in beats]),
        "n_beats": len(beats),
        "beats": beats,
    }


def _rhythms(ludb_dir: Path) -> dict[str, str]:
    for cand in (ludb_dir / "ludb.csv", ludb_dir.parent / "ludb.csv"):
        if cand.is_file():
            with open(cand, newline="", encoding="utf-8") as f:
                return {row["ID"].strip(): row["Rhythms"].strip() for row in csv.DictReader(f)}
    return {}


def _paced(ludb_dir: Path) -> set[str]:
    for cand in (ludb_dir / "ludb.csv", ludb_dir.parent / "ludb.csv"):
        if cand.is_file():
            with open(cand, newline="", encoding="utf-8") as f:
                return {row["ID"].strip() for row in csv.DictReader(f) if "pacing" in row["Cardiac pacing"].lower()}
    return set()


def _trim4(d: np.ndarray) -> np.ndarray:
    return d[np.argsort(np.abs(d))[:-4]] if d.size > 5 else d


CONVENTIONS = {"median": "median over leads (each lead read on its own; measure's default)",
               "global": "2nd-earliest onset / 2nd-latest offset over leads",
               "extreme": "earliest onset / latest offset over leads"}


def _ref_key(key: str, convention: str) -> str:
    return key if convention == "median" or key == "heart_rate_bpm" else f"{key}_{convention}"


def _summary(rows: list[dict], key: str, subset=None, convention: str = "median") -> dict:
    rk = _ref_key(key, convention)
    d = [r["ours"][key] - r["ref"][rk] for r in rows
         if (subset is None or subset(r)) and r["ours"][key] is not None and r["ref"][rk] is not None]
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
        "ref_none": sum(1 for r in rows if (subset is None or subset(r)) and r["ref"][rk] is None),
        "ours_none_ref_has": sum(1 for r in rows if (subset is None or subset(r))
                                 and r["ours"][key] is None and r["ref"][rk] is not None),
        "ours_has_ref_none": sum(1 for r in rows if (subset is None or subset(r))
                                 and r["ours"][key] is not None and r["ref"][rk] is None),
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
    paced = _paced(ludb_dir)
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
        rows.append({"record": stem.stem, "rhythm": rhythms.get(stem.stem, ""), "paced": stem.stem in paced,
                     "ours": ours, "ref": ref,
                     "notes": list(getattr(m, "notes", ())), "time_ms": round(times[-1] * 1000, 1)})
    out = {"n_records": len(rows), "fs": fs, "time_ms_median": round(float(np.median(times)) * 1000, 1),
           "time_ms_max": round(float(np.max(times)) * 1000, 1), "summary": {}, "rows": rows}
    for name, subset in (("records 51-100 (held out: never tuned on)", lambda r: int(r["record"]) > 50),
                         ("records 1-50 (the calibration was fitted here)", lambda r: int(r["record"]) <= 50),
                         ("all", None),
                         ("sinus rhythms", lambda r: r["rhythm"].lower().startswith("sinus")),
                         ("records 51-100 without pacemakers", lambda r: int(r["record"]) > 50 and not r["paced"])):
        if subset is not None and not any(subset(r) for r in rows):
            continue
        for conv in CONVENTIONS:
            out["summary"][f"{name} | {conv}"] = {k: _summary(rows, k, subset, conv) for k in QUANTITIES}
    out["af_flutter_pr_none"] = sum(1 for r in rows if r["rhythm"].lower().startswith("atrial")
                                    and r["ours"]["pr_ms"] is None)
    out["af_flutter_n"] = sum(1 for r in rows if r["rhythm"].lower().startswith("atrial"))
    return out


def markdown(res: dict, title: str = "mirage_model.measure vs LUDB cardiologists") -> str:
    lines = [f"### {title}", "",
             f"{res['n_records']} records; difference = ours - reference; mean, SD and mean absolute "
             "difference over the records where both have a value; within tol.: records whose difference "
             "is within 10 ms (PR, QRS) or 25 ms (QT). None counts: records without a value. Reference "
             "conventions: " + "; ".join(f"{k}: {v}" for k, v in CONVENTIONS.items()) + ".", ""]
    for name, summ in res["summary"].items():
        lines += [f"**{name}**", "",
                  "| quantity | n | mean diff | SD | mean / SD w/o 4 largest | MAE | within tol. | ours None | ref None | ours None, ref has | ours has, ref None |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for k, s in summ.items():
            within = f"{s['within_tol_pct']}%" if s["within_tol_pct"] is not None else "-"
            lines.append(f"| {k} | {s['n']} | {s['mean']} | {s['sd']} | {s['trim4_mean']} / {s['trim4_sd']} | "
                         f"{s['mae']} | {within} | {s['ours_none']} | "
                         f"{s['ref_none']} | {s['ours_none_ref_has']} | {s['ours_has_ref_none']} |")
        lines.append("")
    conv = res.get("convention", "median")       # the reference made the way the intervals were measured
    lines.append(f"Largest differences against the {conv} reference (record: ours - reference, ms): "
                 + "; ".join(f"{k}: " + ", ".join(f"{r['record']}: {r['ours'][k] - r['ref'][rk]:+.0f}" for r in sorted(
                     (r for r in res["rows"] if r["ours"][k] is not None and r["ref"][rk] is not None),
                     key=lambda r: -abs(r["ours"][k] - r["ref"][rk]))[:4])
                     for k in QUANTITIES[1:] for rk in [_ref_key(k, conv)]) + ".")
    lines.append("")
    lines.append(f"Atrial fibrillation/flutter records with PR None: {res['af_flutter_pr_none']} of "
                 f"{res['af_flutter_n']}.")
    lines.append(f"Time per record: median {res['time_ms_median']} ms, max {res['time_ms_max']} ms.")
    return "\n".join(lines) + "\n"


def bland_altman(res: dict, path: Path, convention: str = "median") -> None:
    """Bland-Altman plots (difference against mean) for HR, PR, QRS and QT in one PNG.

    Held-out records (51-100) filled, calibration records (1-50) open; lines: the held-out mean
    difference and its 95 % limits of agreement (mean +- 1.96 SD); grey band: the tolerance on the
    mean difference quoted for IEC 60601-2-25's global intervals (10 ms PR and QRS, 25 ms QT).
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    units = {"heart_rate_bpm": ("heart rate", "bpm"), "pr_ms": ("PR", "ms"), "qrs_ms": ("QRS", "ms"),
             "qt_ms": ("QT", "ms")}
    fig, axes = plt.subplots(1, 4, figsize=(16, 4))
    for ax, key in zip(axes, QUANTITIES):
        rk = _ref_key(key, convention)
        pts = [(r["ours"][key], r["ref"][rk], int(r["record"]) > 50) for r in res["rows"]
               if r["ours"][key] is not None and r["ref"][rk] is not None]
        if not pts:
            continue
        a = np.asarray(pts, dtype=float)
        mean, diff, held = (a[:, 0] + a[:, 1]) / 2, a[:, 0] - a[:, 1], a[:, 2] > 0
        tol = IEC_TOLERANCE.get(key)
        if tol:
            ax.axhspan(-tol[0], tol[0], color="0.92", zorder=0)
        ax.scatter(mean[~held], diff[~held], facecolors="none", edgecolors="tab:blue", s=18,
                   label="records 1-50 (calibration)")
        ax.scatter(mean[held], diff[held], color="tab:red", s=18, label="records 51-100 (held out)")
        if held.sum() > 1:
            m, sd = diff[held].mean(), diff[held].std(ddof=1)
            for y, ls in ((m, "-"), (m - 1.96 * sd, "--"), (m + 1.96 * sd, "--")):
                ax.axhline(y, color="tab:red", ls=ls, lw=1)
            ax.set_title(f"{units[key][0]}: held out {m:+.1f} +- {sd:.1f} {units[key][1]} (n={held.sum()})")
        ax.set_xlabel(f"mean of ours and reference ({units[key][1]})")
        ax.set_ylabel(f"ours - reference ({units[key][1]})")
    axes[0].legend(fontsize=7, loc="lower left")
    fig.suptitle(f"mirage_model.measure vs LUDB cardiologists, reference: {CONVENTIONS[convention]}")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


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


# --plots without a folder: OUT_plots/ beside OUT.md, outside the repository's docs/
_BESIDE_OUT = Path("\0beside-out")


def plots_folder(plots: Path, out: Path) -> Path:
    """Where --plots writes: its folder, or OUT_plots beside OUT.md when it names none."""
    return out.parent / f"{out.name}_plots" if plots == _BESIDE_OUT else plots


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
    p.add_argument("--delineator", choices=("rules", "unet", "combined"), default=None,
                   help="per-lead delineator (MeasureConfig.delineator; default: the configured one)")
    p.add_argument("--intervals", choices=("median", "global"), default="median",
                   help="how measure combines the leads (MeasureConfig.intervals; default median)")
    p.add_argument("--plots", type=Path, nargs="?", default=None, const=_BESIDE_OUT, metavar="DIR",
                   help="write the Bland-Altman PNGs (ludb_bland_altman_median.png, ..._extreme.png) into DIR, "
                        "or, without DIR, into OUT_plots/ beside OUT.md")
    p.add_argument("--compare-neurokit", nargs="*", choices=("dwt", "cwt", "peak"), metavar="METHOD",
                   help="also evaluate neurokit2's per-lead delineators (default: dwt cwt peak; slow)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = get_args_parser().parse_args(argv)
    if not args.ludb.is_dir():
        print(f"{args.ludb}: not a folder", file=sys.stderr)
        return 2
    fn = measure
    if args.delineator or args.intervals != "median":
        from functools import partial

        from mirage_model.measure import MeasureConfig
        fn = partial(measure, config=MeasureConfig(delineator=args.delineator or "unet", intervals=args.intervals))
        fn.__name__ = f"measure ({args.delineator or 'unet'}, {args.intervals})"
    res = evaluate(args.ludb, fn, records=args.records, fs=args.fs, scalars_only=args.scalars_only)
    res["convention"] = args.intervals
    md = markdown(res, "mirage_model.measure vs LUDB cardiologists"
                  + (f", records resampled to {args.fs:g} Hz" if args.fs else ", 500 Hz"))
    results = {"measure": res}
    if args.plots is not None:
        sfx = ((f"_{args.delineator}" if args.delineator else "") + ("_global" if args.intervals == "global" else "")
               + (f"_{args.fs:g}hz" if args.fs else ""))
        folder = plots_folder(args.plots, args.out)
        for conv in CONVENTIONS:
            bland_altman(res, folder / f"ludb_bland_altman_{conv}{sfx}.png", conv)
        print(f"plots: {folder}", file=sys.stderr)
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
