"""AV conduction read beat by beat (``measure.p_waves``, ``review.interpret.av_conduction``) on PTB-XL folds 1-8.

``collect PTBXL SET OUT`` scores a set's records with the shipped default and statements models (``mirage score``'s
pipeline) and pickles what the interpretation read (``interpretation_inputs``), the Measurements whole (its
``p_waves``); ``table CACHE...`` interprets each again with the code in use and prints, per set, the records whose
interpretation changed, the AV conduction statements said, "Normal ECG" lost and atrial fibrillation first, before
(the interpretation written when collected) and after; ``table --remeasure PTBXL`` measures the P waves again where
the median beat has none (a change of ``measure.p_template`` read without scoring again). The sets (folds 1-8; fold
10 is never read): every record labelled 2AVB, every one labelled 3AVB, and at random (seed ``SEED``) 50 labelled
1AVB, 400 labelled SR and NORM (neither AV block nor AFIB/AFLT), 80 AFIB, 80 AFLT (all 59 of folds 1-8), 50 PAC and
50 PVC. ``ludb FOLDER`` checks
the P waves found against LUDB's annotated P waves (lead II).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import interpretation_inputs  # noqa: E402
from interpretation_inputs import add_collect_parser, load, ptbxl_table  # noqa: E402

SIZES = {"avb2": None, "avb3": None, "avb1": 50, "sr": 400, "afib": 80, "aflt": 80, "pac": 50, "pvc": 50}
SEED = 52
AVB = ("1AVB", "2AVB", "3AVB")


def chosen(root: Path, which: str):
    """The PTB-XL rows of set ``which`` (folds 1-8)."""
    d = ptbxl_table(root)
    d = d[d.strat_fold <= 8]
    has = {k: d.codes.apply(lambda c, k=k: k in c) for k in ("1AVB", "2AVB", "3AVB", "AFIB", "AFLT", "SR", "NORM",
                                                              "PAC", "PVC")}
    if which == "sr":
        s = d[has["SR"] & has["NORM"] & ~has["1AVB"] & ~has["2AVB"] & ~has["3AVB"] & ~has["AFIB"] & ~has["AFLT"]]
    else:
        s = d[has[{"avb1": "1AVB", "avb2": "2AVB", "avb3": "3AVB", "afib": "AFIB", "aflt": "AFLT", "pac": "PAC",
                    "pvc": "PVC"}[which]]]
    n = SIZES[which]
    return s if n is None or len(s) <= n else s.sample(n, random_state=SEED)


def collect(root: Path, which: str, out: Path) -> None:
    """Score the records of set ``which`` and pickle what the interpretation read."""
    def keep(said_by, measurements, sex, kw):
        return dict(said_by=said_by, measurements=measurements, sex=sex, quality=kw.get("quality"), own=kw.get("own"))
    interpretation_inputs.collect(root, chosen(root, which), which, out, keep)


def first_statement(text: str | None) -> str:
    return (text or "").split("; ")[0]


AV_WORDS = ("AV block", "AV dissociation")
AF_MARKED = "P waves at a constant rate"        # av_conduction.AF_MARK: the note of an AF statement so marked


def texts(paths: list[Path], out: Path) -> None:
    """Each cached record's interpretation with the code in use (run with main's on PYTHONPATH for "before"), as JSON
    {record: {"text": its brief text, "notes": why each statement marked "(?)" is doubted}}."""
    import json

    from mirage_model.review.interpret import interpret_prediction
    said = {}
    for c in load(paths):
        it = interpret_prediction(c["said_by"], c["measurements"], c["sex"], quality=c["quality"], own=c["own"])
        said[c["record"]] = {"text": it.text(brief=True), "notes": it.notes_text()}
    out.write_text(json.dumps(said))


def remeasured(c: dict, ptbxl: Path):
    """The cached record's Measurements, its ``p_waves`` measured again with the code in use where the median beat
    has no P wave (``measure.p_template``'s search: the models' outputs and the other measurements stay)."""
    from dataclasses import replace

    import numpy as np

    from mirage_model.measure import measure
    from mirage_model.records.load import load_record
    m = c["measurements"]
    if m.median is not None and np.isfinite(m.median.fiducials.get("p_on", np.nan)):
        return m
    rec = c["record"]
    again = measure(load_record(ptbxl / "records100" / f"{rec[:2]}000" / f"{rec}.hea"), fiducials=False)
    return replace(m, p_waves=again.p_waves)


def table(paths: list[Path], before_json: Path | None = None, ptbxl: Path | None = None) -> None:
    """Per cache: AV statements said, Normal ECG lost, AF first (unmarked: no "(?)" on it), AF marked by P waves
    marching (``AF_MARKED``), before (``before_json``, from ``texts``; with ``ptbxl``, the cached measurements read
    with the code in use; else the interpretation written when collected) and after (with ``ptbxl``, the P waves
    measured again where the median beat has none: ``remeasured``); each changed record."""
    import json

    from mirage_model.review.interpret import interpret_prediction
    given = json.loads(before_json.read_text()) if before_json is not None else {}
    for p in paths:
        recs = load([p])
        n = len(recs)
        said, normal, af, plain, marked = [0, 0], [0, 0], [0, 0], [0, 0], [0, 0]
        print(f"== {p.name}: {n} records")
        for c in recs:
            before = given.get(c["record"], c["interpretation"] or "")
            if ptbxl is not None and c["record"] not in given:
                was = interpret_prediction(c["said_by"], c["measurements"], c["sex"], quality=c["quality"],
                                           own=c["own"])
                before = {"text": was.text(brief=True), "notes": was.notes_text()}
            before, before_notes = (before["text"], before["notes"]) if isinstance(before, dict) else (before, "")
            m = c["measurements"] if ptbxl is None else remeasured(c, ptbxl)
            it = interpret_prediction(c["said_by"], m, c["sex"], quality=c["quality"], own=c["own"])
            after = it.text(brief=True)
            for k, (t, why) in enumerate(((before, before_notes), (after, it.notes_text()))):
                said[k] += any(w in s for s in t.split("; ") for w in AV_WORDS if "First degree" not in s)
                normal[k] += "Normal ECG" in t
                af[k] += first_statement(t).startswith("Atrial fibrillation")
                plain[k] += first_statement(t).startswith("Atrial fibrillation") and "(?)" not in first_statement(t)
                marked[k] += AF_MARKED in why
            if before != after:
                print(f"   {c['record']} {sorted(c['meta'][2])}\n      before: {before[:300]}\n"
                      f"      after:  {after[:300]}")
        print(f"   AV block statements (2nd degree, complete, dissociation) {said[0]} -> {said[1]}; Normal ECG "
              f"{normal[0]} -> {normal[1]}; AF first {af[0]} -> {af[1]} (unmarked {plain[0]} -> {plain[1]}); "
              f"AF marked by P waves at a constant rate {marked[0]} -> {marked[1]}")


def ludb(folder: Path, tol_ms: float = 40.0) -> None:
    """The P waves found (``Measurements.p_waves``) against LUDB's annotated P onsets in lead II, per record with a
    template: a found onset matches an annotated one within ``tol_ms``; only annotated P waves inside the annotated
    stretch and the searched one count. Prints per record and in all: annotated, found, matched (sensitivity, PPV),
    non-conducted P waves found and the ludb.csv rhythm."""
    import csv

    import numpy as np
    import wfdb

    from mirage_model.measure import measure
    from mirage_model.records.load import load_record
    with open(folder.parent / "ludb.csv", newline="", encoding="utf-8") as f:
        rhythm = {r["ID"]: r["Rhythms"].strip() for r in csv.DictReader(f)}
    tot = np.zeros(3, dtype=int)
    for i in range(1, 101):
        m = measure(load_record(folder / f"{i}.hea"), fiducials=False)
        w = m.p_waves
        if w is None:
            print(f"{i:3d} no template ({rhythm.get(str(i), '')})", flush=True)
            continue
        a = wfdb.rdann(str(folder / str(i)), "ii")
        sym, smp = np.asarray(a.symbol), np.asarray(a.sample)
        onsets = np.array([smp[k - 1] for k in range(1, len(sym)) if sym[k] == "p" and sym[k - 1] == "("]) / m.fs
        lo, hi = max(smp.min() / m.fs, w.span_s[0]), min(smp.max() / m.fs, w.span_s[1])
        onsets = onsets[(onsets >= lo) & (onsets <= hi)]
        found = w.onset_s[(w.onset_s >= lo) & (w.onset_s <= hi)]
        hit = sum(bool(np.any(np.abs(found - t) * 1000 <= tol_ms)) for t in onsets)
        tot += (len(onsets), len(found), hit)
        print(f"{i:3d} annotated {len(onsets):2d} found {len(found):2d} matched {hit:2d} blocked {w.n_blocked} "
              f"regular {w.regular} ({rhythm.get(str(i), '')})", flush=True)
    print(f"all: annotated {tot[0]}, found {tot[1]}, matched {tot[2]} (sensitivity {tot[2] / max(tot[0], 1):.3f}, "
          f"PPV {tot[2] / max(tot[1], 1):.3f})")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    add_collect_parser(sub, tuple(SIZES))
    b = sub.add_parser("table")
    b.add_argument("caches", type=Path, nargs="+")
    b.add_argument("--before", type=Path, help="the interpretations before, from `texts` run on main's code")
    b.add_argument("--remeasure", type=Path, metavar="PTBXL",
                   help="measure the P waves again from PTB-XL's records where the median beat has none")
    t = sub.add_parser("texts")
    t.add_argument("out", type=Path)
    t.add_argument("caches", type=Path, nargs="+")
    c = sub.add_parser("ludb")
    c.add_argument("folder", type=Path, help="LUDB's data folder (1.hea ... 100.hea, the .ii annotations)")
    args = ap.parse_args(argv)
    if args.cmd == "collect":
        collect(args.ptbxl, args.set, args.out)
    elif args.cmd == "ludb":
        ludb(args.folder)
    elif args.cmd == "texts":
        texts(args.caches, args.out)
    else:
        table(args.caches, args.before, args.remeasure)
    return 0


if __name__ == "__main__":
    sys.exit(main())
