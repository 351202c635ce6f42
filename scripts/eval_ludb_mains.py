"""How mains interference moves mirage_model.measure on LUDB, against the clean run and the annotations.

Every LUDB record (500 Hz) is measured clean and with mains added (``perturb.mains``: a sinusoid of
0.5-1x the stated peak amplitude per basis lead, random phase, Einthoven-consistent; with
``--harmonic`` also 3f at a third of it), at 50 and 60 Hz and 0.05, 0.1, 0.2 mV, seeded by the
record's number. Reported per condition, over the records: the PR, QRS and QT differences from the
clean run (median and largest |difference|, records moved by more than 5 ms) and from the
cardiologists' reference (``eval_ludb.ludb_reference``, median over leads: MAE), the axes' angular
differences, the median beat's global and per-lead boundaries, and the flags that flip (a value
None on one side only, the irregular-rhythm flag, the beat count, a pacing-spike note).

Usage:
    python scripts/eval_ludb_mains.py --ludb DATA_DIR [--out OUT.json] [--records 1 2 ...]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_ludb import load_ludb_record, ludb_reference  # noqa: E402

from mirage_model import perturb  # noqa: E402
from mirage_model.measure import measure  # noqa: E402

INTERVALS = ("pr_ms", "qrs_ms", "qt_ms")
AXES = ("p_axis_deg", "qrs_axis_deg", "t_axis_deg")
BOUNDS = ("p_on", "p_off", "qrs_on", "qrs_off", "t_off")
CONDITIONS = [("clean", None, 0.0, 1)] + [
    (f"{f:g} Hz {a:g} mV{' +3f' if h == 2 else ''}", f, a, h)
    for f in (50.0, 60.0) for a in (0.05, 0.1, 0.2) for h in (1, 2)]


def one(m) -> dict:
    """The values of one Measurements that the comparison reads."""
    d = m.as_dict()
    med = m.median
    return {
        **{k: d[k] for k in ("heart_rate_bpm",) + INTERVALS + AXES},
        "irregular": m.rhythm_irregular, "n_beats": int(len(m.beats)),
        "paced_note": any("pacing spike" in t for t in m.notes),
        "notes": list(m.notes),
        "bounds_ms": ({k: (float(v) - med.anchor) * 1000.0 / med.fs for k, v in med.fiducials.items()}
                      if med is not None else {}),
        "lead_bounds_ms": ({k: ((np.asarray(v, float) - med.anchor) * 1000.0 / med.fs).tolist()
                            for k, v in med.lead_fiducials.items()} if med is not None else {}),
    }


def run(ludb: Path, records: list[str] | None) -> dict:
    stems = sorted((p.with_suffix("") for p in ludb.glob("*.hea")), key=lambda p: int(p.stem))
    if records:
        stems = [s for s in stems if s.stem in records]
    rows, times = [], []
    for stem in stems:
        rec = load_ludb_record(stem)
        ref = ludb_reference(stem, rec.fs)
        ref.pop("beats")
        row = {"record": stem.stem, "ref": ref}
        for name, f, a, h in CONDITIONS:
            r = rec
            if f is not None:
                rng = np.random.default_rng(int(stem.stem))
                sig = perturb.mains(rec.signal, rec.fs, rng, freq_hz=f, amplitude_mv=a, harmonics=h)
                r = type(rec)(signal=sig, fs=rec.fs, record_id=rec.record_id, path=rec.path)
            t0 = time.perf_counter()
            m = measure(r)
            times.append(time.perf_counter() - t0)
            row[name] = one(m)
        rows.append(row)
        print(stem.stem, end=" ", flush=True)
    print()
    return {"rows": rows, "time_ms_median": round(float(np.median(times)) * 1000, 1)}


def _angle(a, b):
    return abs((a - b + 180.0) % 360.0 - 180.0)


def summary(res: dict) -> list[str]:
    rows = res["rows"]
    out = [f"{len(rows)} records; measure() median {res['time_ms_median']} ms a call", "",
           "| condition | " + " | ".join(f"{k[:-3]} MAE vs ref" for k in INTERVALS)
           + " | " + " | ".join(f"{k[:-3]} vs clean: med / max / >5 ms" for k in INTERVALS)
           + " | axes vs clean: max P / QRS / T (deg) | bounds vs clean: med / max (ms) | lead bounds >5 ms | flips |",
           "|---" * 10 + "|"]
    for name, *_ in CONDITIONS:
        cells = []
        for k in INTERVALS:
            d = [r[name][k] - r["ref"][k] for r in rows if r[name][k] is not None and r["ref"][k] is not None]
            cells.append(f"{np.mean(np.abs(d)):.1f} (n {len(d)})" if d else "-")
        for k in INTERVALS:
            d = np.array([abs(r[name][k] - r["clean"][k]) for r in rows
                          if r[name][k] is not None and r["clean"][k] is not None])
            cells.append(f"{np.median(d):.1f} / {d.max():.1f} / {int((d > 5).sum())}" if d.size else "-")
        ax = []
        for k in AXES:
            d = [_angle(r[name][k], r["clean"][k]) for r in rows
                 if r[name][k] is not None and r["clean"][k] is not None]
            ax.append(f"{max(d):.1f}" if d else "-")
        cells.append(" / ".join(ax))
        bd = np.array([abs(r[name]["bounds_ms"][k] - r["clean"]["bounds_ms"][k]) for r in rows for k in BOUNDS
                       if np.isfinite(r[name]["bounds_ms"].get(k, np.nan))
                       and np.isfinite(r["clean"]["bounds_ms"].get(k, np.nan))])
        cells.append(f"{np.median(bd):.1f} / {bd.max():.1f}" if bd.size else "-")
        ld = np.concatenate([[]] + [np.abs(np.subtract(r[name]["lead_bounds_ms"][k], r["clean"]["lead_bounds_ms"][k]))
                                    for r in rows for k in BOUNDS
                                    if r[name]["lead_bounds_ms"] and r["clean"]["lead_bounds_ms"]])
        ld = ld[np.isfinite(ld)]
        cells.append(f"{int((ld > 5).sum())} of {ld.size}")
        flips = []
        for k in INTERVALS + AXES:
            n = sum((r[name][k] is None) != (r["clean"][k] is None) for r in rows)
            if n:
                flips.append(f"{k[:-3]} None {n}")
        for k, label in (("irregular", "irregular"), ("n_beats", "beats"), ("paced_note", "spike note")):
            n = sum(r[name][k] != r["clean"][k] for r in rows)
            if n:
                flips.append(f"{label} {n}")
        cells.append(", ".join(flips) or "none")
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ludb", type=Path, required=True, help="LUDB data folder (1.hea, 1.dat, 1.i ...)")
    ap.add_argument("--out", type=Path, default=None, help="write the per-record values here (JSON)")
    ap.add_argument("--records", nargs="*", default=None)
    ap.add_argument("--summary-of", type=Path, default=None, help="only summarise an earlier --out")
    args = ap.parse_args(argv)
    if args.summary_of is not None:
        res = json.loads(args.summary_of.read_text())
    else:
        import torch
        torch.set_num_threads(1)
        res = run(args.ludb, args.records)
        if args.out is not None:
            args.out.write_text(json.dumps(res))
    print("\n".join(summary(res)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
