"""Does a record scored at its own rate read as it would at the models' training rate (100 Hz)?

For each WFDB record given, the default model's probabilities on the record as stored (e.g. 500 Hz)
and on the same record first resampled to 100 Hz (``preprocess.resample``; PTB-XL's 100 Hz records,
the training data, were made so and carry no mains frequency below Nyquist). Prints per record the
largest difference over the classes, and a summary.

    python scripts/rate_agreement.py LUDB_DIR 1 2 3 ... [--json OUT]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np

import mirage_model as mm
from mirage_model.preprocess import resample


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, help="folder of WFDB records (e.g. LUDB's data/)")
    ap.add_argument("records", nargs="+", help="record names in it (e.g. 1 2 3)")
    ap.add_argument("--json", type=Path, help="write {record: [p_native, p_100hz]} here")
    args = ap.parse_args(argv)
    predictor = mm.Predictor()
    out, diffs = {}, []
    for name in args.records:
        rec = mm.load_record(args.folder / f"{name}.hea")
        native = np.asarray(predictor.predict(rec, clinical={}).probabilities, dtype=float)
        x = np.asarray(rec.signal, dtype=np.float64)
        at100 = dataclasses.replace(rec, signal=resample(x, rec.fs, 100.0).astype(np.float32), fs=100.0)
        slow = np.asarray(predictor.predict(at100, clinical={}).probabilities, dtype=float)
        d = float(np.abs(native - slow).max())
        diffs.append(d)
        out[name] = [native.tolist(), slow.tolist()]
        print(f"{name}\t{rec.fs:g} Hz\tlargest difference {d:.4f}")
    d = np.asarray(diffs)
    print(f"{len(d)} records: median {np.median(d):.4f}, mean {d.mean():.4f}, max {d.max():.4f}, "
          f"within 0.01 on {(d <= 0.01).sum()}")
    if args.json:
        args.json.write_text(json.dumps(out), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
