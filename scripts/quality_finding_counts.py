"""How many records each quality finding fires on: ``quality.assess`` over every WFDB record under the folders
given (LUDB's 100, the PhysioNet/CinC Challenge samples), as recorded or, with ``--pulse START``, with a 1 mV,
200 ms calibration pulse added to every lead from START s (``--pulse -0.2``: ending 0.2 s before the end).

A check that a change to the quality check makes no finding fire newly on clean records: run it before and
after the change, the second time with ``--compare`` the first run's JSON; it lists, per finding code and
severity, the records it fires on before and after, and names each record where a finding now fires that did
not (and the reverse).

    python scripts/quality_finding_counts.py DIR [DIR ...] [--pulse START] [--out counts.json]
        [--compare before.json]
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


def with_pulse(record, start_s: float, dur_s: float = 0.2, mv: float = 1.0):
    """``record`` with ``mv`` mV added to every lead for ``dur_s`` from ``start_s`` (negative: from the end)."""
    sig = np.asarray(record.signal, dtype=np.float64).copy()
    fs, T = float(record.fs), sig.shape[1]
    a = int(round(start_s * fs)) if start_s >= 0 else T - int(round((-start_s + dur_s) * fs))
    sig[:, max(0, a):max(0, a) + int(round(dur_s * fs))] += mv
    return dataclasses.replace(record, signal=sig.astype(np.float32))


def run(folders: list[Path], pulse: float | None) -> dict:
    """{record path: {"verdict", "findings": [[code, severity, [leads]], ...]}} over every .hea under
    ``folders``; records the reader refuses are listed under "refused" with its reason."""
    out, refused = {}, {}
    for folder in folders:
        for hea in sorted(folder.rglob("*.hea")):
            try:
                record = load_record(hea)
            except RecordError as err:
                refused[str(hea)] = str(err)
                continue
            if pulse is not None:
                record = with_pulse(record, pulse)
            report = assess(record)
            out[str(hea)] = {"verdict": report.verdict,
                             "findings": [[f.code, f.severity, list(f.leads)] for f in report.findings]}
    return {"records": out, "refused": refused, "pulse": pulse}


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
    ap.add_argument("folders", type=Path, nargs="+")
    ap.add_argument("--pulse", type=float, default=None, help="add a 1 mV, 200 ms pulse from this time (s)")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--compare", type=Path, default=None, help="a JSON this script wrote before")
    args = ap.parse_args(argv)
    missing = [str(f) for f in args.folders if not f.is_dir()]
    if missing:
        print(f"not a folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    result = run(args.folders, args.pulse)
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))
    for path, why in result["refused"].items():
        print(f"refused {path}: {why}", file=sys.stderr)
    print(f"{len(result['records'])} records" + (f", pulse at {args.pulse:g} s" if args.pulse is not None else ""))
    if args.compare:
        for line in compare(json.loads(args.compare.read_text()), result):
            print(line)
    else:
        for (code, sev), n in sorted(counts(result).items()):
            print(f"{code:<28} {sev:<9} {n:>6}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
