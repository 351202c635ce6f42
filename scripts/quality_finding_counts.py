"""How many records each quality finding fires on: ``quality.assess`` over every WFDB record under the folders
given (LUDB's 100, the PhysioNet/CinC Challenge samples) and, with ``--ptbxl ROOT``, ``--ptbxl-n`` PTB-XL records
of folds 1-9 (100 Hz, a random sample, seed 0; fold 10 is never read), as recorded or, with ``--pulse START``, with a
1 mV, 200 ms calibration pulse added to every lead from START s (``--pulse -0.2``: ending 0.2 s before the end), or,
with ``--noise MV``, with white noise of MV mV RMS added to one lead of each record (a random lead, seed 0).

A check that a change to the quality check makes no finding fire newly on clean records: run it before and
after the change, the second time with ``--compare`` the first run's JSON; it lists, per finding code and
severity, the records it fires on before and after, and names each record where a finding now fires that did
not (and the reverse).

    python scripts/quality_finding_counts.py [DIR ...] [--ptbxl ROOT [--ptbxl-n 300]] [--skip NAME ...]
        [--pulse START] [--noise MV] [--out counts.json] [--compare before.json]

PTB-XL's records among the Challenge samples (HR#####, PTB-XL's ecg_id) are left out unread where their fold is 10
or cannot be told: all of them without ``--ptbxl``, HR00009 with it (``--ptbxl ROOT --ptbxl-n 0`` tells the folds
and adds no PTB-XL record; ``ptbxl.headers_outside_test_fold``).

Each record's lead grades are kept too: ``--compare`` counts the records whose grades changed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from mirage_model.quality import assess
from mirage_model.records import RecordError, load_record
from mirage_model.records.ptbxl import DATABASE_NAME, headers_outside_test_fold


def with_pulse(record, start_s: float, dur_s: float = 0.2, mv: float = 1.0):
    """``record`` with ``mv`` mV added to every lead for ``dur_s`` from ``start_s`` (negative: from the end)."""
    sig = np.asarray(record.signal, dtype=np.float64).copy()
    fs, T = float(record.fs), sig.shape[1]
    a = int(round(start_s * fs)) if start_s >= 0 else T - int(round((-start_s + dur_s) * fs))
    sig[:, max(0, a):max(0, a) + int(round(dur_s * fs))] += mv
    return dataclasses.replace(record, signal=sig.astype(np.float32))


def with_noise(record, mv: float, lead: int, seed: int):
    """``record`` with white noise of ``mv`` mV RMS added to lead ``lead`` (0-11)."""
    sig = np.asarray(record.signal, dtype=np.float64).copy()
    sig[lead] += np.random.default_rng(seed).normal(0.0, mv, sig.shape[1])
    return dataclasses.replace(record, signal=sig.astype(np.float32))


def ptbxl_headers(root: Path, n: int, seed: int = 0) -> list[Path]:
    """``n`` PTB-XL 100 Hz headers of folds 1-9 (a random sample, ``seed``), in ecg_id order."""
    import pandas as pd

    db = pd.read_csv(root / "ptbxl_database.csv", usecols=["ecg_id", "strat_fold", "filename_lr"])
    db = db[db.strat_fold <= 9]
    pick = np.sort(np.random.default_rng(seed).choice(len(db), size=min(n, len(db)), replace=False))
    return [root / f"{name}.hea" for name in db.filename_lr.to_numpy()[pick]]


def run(paths: list[Path], pulse: float | None, noise: float | None = None) -> dict:
    """{record path: {"verdict", "grade": [12 grades], "findings": [[code, severity, [leads]], ...]}} over
    ``paths`` (headers, and every .hea under a folder less PTB-XL's records: ``headers_outside_test_fold``); records
    the reader refuses are listed under "refused" with its reason. ``noise``: white noise of that many mV RMS in one
    lead of each record (record k: lead and noise from seed k)."""
    out, refused = {}, {}
    headers = [hea for p in paths for hea in (headers_outside_test_fold(p) if p.is_dir() else [p])]
    for k, hea in enumerate(headers):
        try:
            record = load_record(hea)
        except RecordError as err:
            refused[str(hea)] = str(err)
            continue
        if pulse is not None:
            record = with_pulse(record, pulse)
        if noise is not None:
            record = with_noise(record, noise, int(np.random.default_rng(k).integers(12)), seed=k)
        report = assess(record)
        out[str(hea)] = {"verdict": report.verdict, "grade": list(report.lead_grade),
                         "findings": [[f.code, f.severity, list(f.leads)] for f in report.findings]}
    return {"records": out, "refused": refused, "pulse": pulse, "noise": noise}


def counts(result: dict) -> Counter:
    """(code, severity) -> the number of records it fires on."""
    return Counter(key for r in result["records"].values() for key in {(c, s) for c, s, _ in r["findings"]})


def compare(before: dict, after: dict) -> list[str]:
    """Lines: per (code, severity) the records before and after, then each record where one fires newly or no
    longer."""
    cb, ca = counts(before), counts(after)
    lines = [f"{'finding':<28} {'severity':<9} {'before':>6} {'after':>6}"]
    for key in sorted(set(cb) | set(ca)):
        mark = "" if cb[key] == ca[key] else "  *"
        lines.append(f"{key[0]:<28} {key[1]:<9} {cb[key]:>6} {ca[key]:>6}{mark}")
    vb = Counter(r["verdict"] for r in before["records"].values())
    va = Counter(r["verdict"] for r in after["records"].values())
    lines.append("verdicts: " + ", ".join(f"{v} {vb[v]} -> {va[v]}" for v in ("usable", "unreliable", "unscorable")))
    both = set(before["records"]) & set(after["records"])
    regraded = [p for p in sorted(both) if before["records"][p].get("grade") != after["records"][p].get("grade")]
    lines.append(f"lead grades changed in {len(regraded)} of {len(both)} records")
    for path in sorted(set(before["records"]) & set(after["records"])):
        fb = {(c, s) for c, s, _ in before["records"][path]["findings"]}
        fa = {(c, s) for c, s, _ in after["records"][path]["findings"]}
        for c, s in sorted(fa - fb):
            lines.append(f"new   {path}: {c} ({s})")
        for c, s in sorted(fb - fa):
            lines.append(f"gone  {path}: {c} ({s})")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", type=Path, nargs="*")
    ap.add_argument("--ptbxl", type=Path, default=None, help="PTB-XL's folder: add records of folds 1-9")
    ap.add_argument("--ptbxl-n", type=int, default=300, help="how many PTB-XL records (default 300)")
    ap.add_argument("--skip", nargs="*", default=[], help="record names to leave out (PTB-XL's fold 10 among the "
                    "Challenge samples is left out without it)")
    ap.add_argument("--pulse", type=float, default=None, help="add a 1 mV, 200 ms pulse from this time (s)")
    ap.add_argument("--noise", type=float, default=None, help="add white noise of this many mV RMS to one lead")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--compare", type=Path, default=None, help="a JSON this script wrote before")
    args = ap.parse_args(argv)
    missing = [str(f) for f in args.folders + ([args.ptbxl] if args.ptbxl else []) if not f.is_dir()]
    if missing or not (args.folders or args.ptbxl):
        print(f"not a folder: {', '.join(missing)}" if missing else "no folder given", file=sys.stderr)
        return 2
    table = args.ptbxl / DATABASE_NAME if args.ptbxl else None
    headers = [hea for folder in args.folders for hea in headers_outside_test_fold(folder, table)
               if hea.stem not in args.skip]
    if args.ptbxl:
        headers += ptbxl_headers(args.ptbxl, args.ptbxl_n)
    result = run(headers, args.pulse, args.noise)
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))
    for path, why in result["refused"].items():
        print(f"refused {path}: {why}", file=sys.stderr)
    print(f"{len(result['records'])} records" + (f", pulse at {args.pulse:g} s" if args.pulse is not None else "")
          + (f", {args.noise:g} mV noise in one lead" if args.noise is not None else ""))
    if args.compare:
        for line in compare(json.loads(args.compare.read_text()), result):
            print(line)
    else:
        for (code, sev), n in sorted(counts(result).items()):
            print(f"{code:<28} {sev:<9} {n:>6}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
