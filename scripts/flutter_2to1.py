"""Atrial flutter with 2:1 conduction against sinus tachycardia on PTB-XL: what the interpretation reads and measures.

Step 1, ``collect``: scores chosen PTB-XL records with the shipped models (``mirage score``'s pipeline,
``review.batch.iter_rows``) and caches, per record, what ``interpret.interpret_prediction`` was given (the statements
model's prediction, the measurements with the signal the atrial activity was measured on, sex, quality) beside the
record's SCP codes, so that the interpretation can be rerun on it without scoring again. Sets:

* ``aflt18``: every record of folds 1-8 labelled AFLT;
* ``stach18``: every record of folds 1-8 labelled STACH and neither AFIB nor AFLT;
* ``sr18``: 500 records of folds 1-8 labelled SR and none of AFIB, AFLT, STACH (``random_state=21``);
* ``aflt9``, ``stach9``, ``sr9``: the same from fold 9 (the once-only check).

Fold 10 is never read (the records are chosen by ``strat_fold <= 9`` before anything else).

Step 2, ``table``: per record, the interpretation's first statement rerun with the code in use, and the evidence that
separates 2:1 flutter from sinus tachycardia: ventricular rate, RR regularity, PR, the model's AFLT / STACH / SR, the
atrial peak over the ventricular rate, each lead's concentration (II, III, aVF, V1) and its harmonic ratio.

    python scripts/flutter_2to1.py collect PTBXL aflt18 OUT/aflt18.pkl
    python scripts/flutter_2to1.py table OUT/aflt18.pkl OUT/stach18.pkl OUT/sr18.pkl [--tsv table.tsv]

Step 3, ``bars``: the interpretation rerun at each bar of the inferior-lead 2:1 rule
(``interpret.flutter.FLUTTER_2TO1_INFERIOR_CONCENTRATION``; 2.0 turns it off), flutter said first per label and every
record whose first statement changes.

    python scripts/flutter_2to1.py bars OUT/aflt18.pkl OUT/stach18.pkl OUT/sr18.pkl
    python scripts/flutter_2to1.py bars OUT/aflt9.pkl OUT/stach9.pkl OUT/sr9.pkl --bar 0.80
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import interpretation_inputs  # noqa: E402
from interpretation_inputs import add_collect_parser, load, ptbxl_table  # noqa: E402

SETS = ("aflt18", "stach18", "sr18", "aflt9", "stach9", "sr9")
SR_SAMPLE, SR_SEED = 500, 21


def chosen(root: Path, which: str):
    """The PTB-XL rows of set ``which`` (a ``pandas.DataFrame`` indexed by ecg_id, its SCP codes in ``codes``)."""
    d = ptbxl_table(root)
    folds = d.strat_fold <= 8 if which.endswith("18") else d.strat_fold == 9
    atrial = d.codes.apply(lambda c: "AFIB" in c or "AFLT" in c)
    if which.startswith("aflt"):
        s = d[folds & d.codes.apply(lambda c: "AFLT" in c)]
    elif which.startswith("stach"):
        s = d[folds & d.codes.apply(lambda c: "STACH" in c) & ~atrial]
    else:
        s = d[folds & d.codes.apply(lambda c: "SR" in c and "STACH" not in c) & ~atrial]
        s = s.sample(min(SR_SAMPLE, len(s)), random_state=SR_SEED)
    assert (s.strat_fold <= 9).all()
    return s


def collect(root: Path, which: str, out: Path) -> None:
    """Score the records of set ``which`` and pickle what the interpretation read (see the module docstring)."""
    import mirage_model.measure.pipeline as mp

    signals = {}
    measured = mp.atrial_activity

    def keep_signal(x, fs, beats, on, off):
        # the signal the atrial activity is measured on, by the result's identity (records are measured a chunk
        # at a time before any is interpreted; the result is kept alive with it, so no id is reused)
        a = measured(x, fs, beats, on, off)
        signals[id(a)] = (a, (np.asarray(x, dtype=np.float32), fs, np.asarray(beats), np.asarray(on),
                              np.asarray(off)))
        return a
    mp.atrial_activity = keep_signal

    def keep(said_by, measurements, sex, kw):
        a = getattr(measurements, "atrial", None)
        kept = signals.pop(id(a), None) if a is not None else None
        return dict(said_by=said_by, measurements=measurements, sex=sex, quality=kw.get("quality"),
                    own=kw.get("own"), signal=None if kept is None else kept[1])
    interpretation_inputs.collect(root, chosen(root, which), which, out, keep)


def rerun(c):
    """(Interpretation, measurements) of a cached record, the atrial activity measured again with the code in use."""
    from mirage_model.measure.atrial import atrial_activity
    from mirage_model.review.interpret import interpret_prediction
    m = c["measurements"]
    if m is not None and c.get("signal") is not None:
        x, fs, beats, on, off = c["signal"]
        m = replace(m, atrial=atrial_activity(x.astype(np.float64), fs, beats, on, off))
    return interpret_prediction(c["said_by"], m, c["sex"], quality=c["quality"], own=c["own"]), m


def prob(pred, code: str) -> float:
    labels = list(pred.labels)
    return float(pred.probabilities[labels.index(code)]) if code in labels else float("nan")


def first_statement(text: str | None) -> str:
    t = text or ""
    if t.startswith("WITHHELD ("):
        t = "WITHHELD " + t.split("): ", 1)[-1]
    return t.split("; ")[0]


def features(c) -> dict:
    """The table's row of one cached record (see the module docstring)."""
    it, m = rerun(c)
    a = m.atrial if m is not None else None
    hr = m.heart_rate_bpm if m is not None else None
    rate = 60.0 * float(np.nanmedian(a.dominant_hz)) if a is not None and np.isfinite(a.dominant_hz).any() else None
    row = dict(record=c["record"], fold=c["meta"][1], label=",".join(sorted(c["meta"][2])), age=c["meta"][3],
               first=first_statement(it.text(brief=True)), hr=hr, rr_cv=getattr(m, "rr_cv", None),
               rr_nrmssd=getattr(m, "rr_nrmssd", None), pr=getattr(m, "pr_ms", None),
               p_aflt=prob(c["said_by"], "AFLT"), p_stach=prob(c["said_by"], "STACH"), p_sr=prob(c["said_by"], "SR"),
               ratio=rate / hr if rate and hr else None)
    for j, ld in enumerate(("II", "III", "aVF", "V1")):
        row[f"hz_{ld}"] = None if a is None else float(a.dominant_hz[j])
        row[f"conc_{ld}"] = None if a is None else float(a.concentration[j])
        row[f"harm_{ld}"] = None if a is None or a.harmonic_ratio is None else float(a.harmonic_ratio[j])
    return row


def table(paths: list[Path], tsv: Path | None) -> None:
    rows = [features(c) for c in load(paths)]
    if tsv is not None:
        with open(tsv, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter="\t")
            w.writeheader()
            w.writerows(rows)
    for r in rows:
        print("\t".join("" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v) for v in r.values()))


def bars(paths: list[Path], values=(2.0, 0.75, 0.80, 0.85, 0.90)) -> None:
    """Per value of ``interpret.flutter.FLUTTER_2TO1_INFERIOR_CONCENTRATION`` (2.0: the inferior-lead rule off, as
    before it), the records of each label group whose first statement is atrial flutter, and each record that
    changes."""
    import mirage_model.review.interpret.atrial as atrial     # where the rule's statement cites it
    import mirage_model.review.interpret.flutter as flutter   # where the rule reads it
    recs = load(paths)

    def group(c):
        codes = c["meta"][2]
        return "AFLT" if "AFLT" in codes else "STACH" if "STACH" in codes else "SR"
    firsts = {}
    for v in values:
        atrial.FLUTTER_2TO1_INFERIOR_CONCENTRATION = flutter.FLUTTER_2TO1_INFERIOR_CONCENTRATION = v
        firsts[v] = {c["record"]: (group(c), first_statement(rerun(c)[0].text(brief=True))) for c in recs}
    base = firsts[values[0]]
    for v in values:
        counts = {}
        for g, t in firsts[v].values():
            n, k = counts.get(g, (0, 0))
            counts[g] = (n + 1, k + t.startswith("Atrial flutter"))
        print(f"bar {v:.2f}: " + ", ".join(f"{g} flutter first {k} of {n}" for g, (n, k) in sorted(counts.items())))
        for r, (g, t) in firsts[v].items():
            if t != base[r][1]:
                print(f"   {r} [{g}] {base[r][1][:70]} -> {t[:90]}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    add_collect_parser(sub, SETS)
    b = sub.add_parser("table")
    b.add_argument("caches", type=Path, nargs="+")
    b.add_argument("--tsv", type=Path)
    c = sub.add_parser("bars")
    c.add_argument("caches", type=Path, nargs="+")
    c.add_argument("--bar", type=float, help="this bar alone beside the rule off (fold 9, looked at once)")
    args = ap.parse_args(argv)
    if args.cmd == "collect":
        collect(args.ptbxl, args.set, args.out)
    elif args.cmd == "bars":
        bars(args.caches, *([(2.0, args.bar)] if args.bar is not None else []))
    else:
        table(args.caches, args.tsv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
