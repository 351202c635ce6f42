"""MIRAGE's measurements against the acquiring cart's own (GE 12SL, Philips DXL, Mortara VERITAS).

For each vendor file given (a folder: every file in it that a reader takes), the cart's global
measurements as the file stores them (``review.file_info.device_values``) beside ``measure()``'s,
and their difference. Files whose signal is another file's (the same ECG in two formats) count once.
Then, per interval, the mean and SD of the differences beside the limits IEC 60601-2-25:2011
(201.12.4.104.2, the CSE biological ECGs) sets for a cart against the CSE referees: PR mean within
10 ms and SD at most 10, QRS 6 and 10, QT 12 and 30 ms. A cart is not the referee: the two
algorithms' errors add, and most carts take a global interval from the earliest onset to the latest
offset in any lead, MIRAGE by default the median over the leads of each lead's interval (``--intervals
global``: its opt-in global intervals, the 2nd-earliest onset to the 2nd-latest offset; docs/measurements.md).
A record is listed for a look when a difference exceeds the mean limit and the SD limit together
(PR 20, QRS 16, QT 42 ms) or an axis differs by more than 15 degrees.

    python scripts/cart_agreement.py tests/data/formats MORE_FILES... [--delineator rules]
"""

from __future__ import annotations

import argparse
import hashlib
import warnings
from pathlib import Path

import numpy as np

from mirage_model.formats import find_ecg_files
from mirage_model.measure import MeasureConfig, measure
from mirage_model.records.load import load_record
from mirage_model.review.file_info import device_values

KEYS = ("heart_rate_bpm", "pr_ms", "qrs_ms", "qt_ms", "qtc_bazett_ms", "p_axis_deg", "qrs_axis_deg", "t_axis_deg")
SHORT = {"heart_rate_bpm": "HR", "pr_ms": "PR", "qrs_ms": "QRS", "qt_ms": "QT", "qtc_bazett_ms": "QTcB",
         "p_axis_deg": "P ax", "qrs_axis_deg": "QRS ax", "t_axis_deg": "T ax"}
IEC = {"pr_ms": (10.0, 10.0), "qrs_ms": (6.0, 10.0), "qt_ms": (12.0, 30.0)}   # (|mean| limit, SD limit) ms
AXIS_LOOK = 15.0


def _files(paths: list[Path]) -> list[Path]:
    out = []
    for p in paths:
        out.extend(sorted(find_ecg_files(p)) if p.is_dir() else [p])
    return out


def _difference(key: str, mirage: float, cart: float) -> float:
    d = mirage - cart
    return (d + 180.0) % 360.0 - 180.0 if key.endswith("_deg") else d


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+", type=Path, help="vendor files or folders of them")
    ap.add_argument("--delineator", default=MeasureConfig().delineator, help="unet, rules or combined")
    ap.add_argument("--intervals", default=MeasureConfig().intervals,
                    help="global (earliest onset to latest offset over the leads) or median (over the leads)")
    args = ap.parse_args(argv)
    cfg = MeasureConfig(delineator=args.delineator, intervals=args.intervals)
    chosen: dict[str, tuple[Path, object, str, dict]] = {}     # signal digest -> the file with most cart values
    for path in _files(args.paths):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                record = load_record(path)
            except Exception as err:          # noqa: BLE001 - a file a reader refuses is named, not fatal
                print(f"<!-- {path.name}: not read ({type(err).__name__}) -->")
                continue
        name, cart = device_values(record)
        if not cart:
            continue
        digest = hashlib.sha1(np.round(np.nan_to_num(record.signal), 3).tobytes()).hexdigest()
        other = chosen.get(digest)
        if other is not None:
            kept, dropped = (other[0], path) if len(other[3]) >= len(cart) else (path, other[0])
            print(f"<!-- {dropped.name}: the same signal as {kept.name}, counted once -->")
            if kept == other[0]:
                continue
        chosen[digest] = (path, record, name, cart)
    diffs: dict[str, list[float]] = {k: [] for k in KEYS}
    outside = False
    print("| file | cart | " + " | ".join(f"{SHORT[k]} MIRAGE / cart (diff)" for k in KEYS) + " |")
    print("|---|---|" + "---|" * len(KEYS))
    looks = []
    for path, record, name, cart in chosen.values():
        m = measure(record, cfg, fiducials=False).as_dict()
        cells = []
        for k in KEYS:
            a, b = m.get(k), cart.get(k)
            if a is None or b is None:
                cells.append(f"{'-' if a is None else f'{a:.0f}'} / {'-' if b is None else f'{b:.0f}'}")
                continue
            d = _difference(k, a, b)
            diffs[k].append(d)
            cells.append(f"{a:.0f} / {b:.0f} ({d:+.0f})")
            limit = sum(IEC[k]) if k in IEC else AXIS_LOOK if k.endswith("_deg") else None
            if limit is not None and abs(d) > limit:
                looks.append(f"{path.name}: {SHORT[k]} {a:.0f} vs {b:.0f} ({d:+.0f})")
        print(f"| {path.name} | {name} | " + " | ".join(cells) + " |")
    print(f"\nDelineator: {args.delineator}, intervals: {args.intervals}. MIRAGE - cart over {len(chosen)} ECGs:")
    for k in KEYS:
        d = np.asarray(diffs[k])
        if not d.size:
            continue
        sd = float(np.std(d, ddof=1)) if d.size > 1 else float("nan")
        line = (f"  {SHORT[k]:7s} n={d.size:2d}  mean {d.mean():+6.1f}  SD {sd:5.1f}  "
                f"median |d| {np.median(np.abs(d)):5.1f}")
        if k in IEC:
            lm, ls = IEC[k]
            ok = abs(d.mean()) <= lm and sd <= ls
            outside = outside or not ok
            line += f"   IEC limits mean {lm:g}, SD {ls:g}: {'within' if ok else 'outside'}"
        print(line)
    # "Nothing beyond the limits." had followed summary lines that said "outside": it is of single ECGs
    each = f"a difference beyond the mean + SD limit (axes: {AXIS_LOOK:g} deg)"
    print(f"\nECGs with {each}:" if looks else f"\nNo single ECG with {each}; the summary's 'outside' above "
          "is of the mean or SD over all of them" if outside else f"\nNo single ECG with {each}.")
    for x in looks:
        print("  " + x)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
