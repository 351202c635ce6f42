"""PR and sinus statements on atrial fibrillation and flutter with the loaded model alone (no statements model).

Without a statements model (``--statements-model none``, or the app's choice) the interpretation has no rhythm of a
model to judge the measurements beside: a flutter wave before each QRS is measured as a P wave and was said as a
"Short PR interval". This script counts, on PTB-XL, how often the interpretation of the default model alone states a
short PR, a first degree AV block or a sinus rhythm on records labelled AFLT or AFIB, and a short PR on records
labelled SR; and checks that the statements model's interpretations do not change.

Step 1, ``collect``: scores chosen records with the shipped default and statements models (``mirage score``'s
pipeline, ``review.batch.iter_rows``) and caches, per record, what ``interpret.interpret_prediction`` was given (both
models' predictions, the measurements, sex, quality) beside the record's SCP codes. Sets:

* ``aflt18``: every record of folds 1-8 labelled AFLT;
* ``afib18``: every record of folds 1-8 labelled AFIB and not AFLT;
* ``sr18``: 300 records of folds 1-8 labelled SR and neither AFIB nor AFLT (``random_state=44``);
* ``norm18``: 500 records of folds 1-8 labelled NORM and neither AFIB nor AFLT (``random_state=44``);
* ``stach18``: every record of folds 1-8 labelled STACH and neither AFIB nor AFLT (at 2:1 a sinus tachycardia's P and
  T waves can give the flutter waves' peak);
* ``aflt9``, ``afib9``, ``sr9``, ``stach9``, ``norm9``: the same from fold 9 (the once-only check).

Fold 10 is never read (the records are chosen by ``strat_fold <= 9`` before anything else).

Step 2, ``count``: the default model's interpretation alone rerun with the code in use on each cached record; per label,
the records stating a short PR, a first degree AV block, a sinus rhythm (and how many of those marked), "Normal ECG".

Step 3, ``dump``: every interpretation both ways (text, notes, resolved list, the measurement table's PR doubt) as JSON
lines, to compare before and after a change byte for byte.

    python scripts/atrial_pr_default.py collect PTBXL aflt18 OUT/aflt18.pkl
    python scripts/atrial_pr_default.py count OUT/aflt18.pkl OUT/afib18.pkl OUT/sr18.pkl
    python scripts/atrial_pr_default.py dump OUT/aflt18.pkl OUT/sr18.pkl --out before.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import interpretation_inputs  # noqa: E402
from interpretation_inputs import add_collect_parser, load, ptbxl_table  # noqa: E402

SETS = ("aflt18", "afib18", "sr18", "stach18", "norm18", "aflt9", "afib9", "sr9", "stach9", "norm9")
SR_SAMPLE, SR_SEED = 300, 44
NORM_SAMPLE = 500


def chosen(root: Path, which: str):
    """The PTB-XL rows of set ``which`` (a ``pandas.DataFrame`` indexed by ecg_id, its SCP codes in ``codes``)."""
    d = ptbxl_table(root)
    folds = d.strat_fold <= 8 if which.endswith("18") else d.strat_fold == 9
    aflt = d.codes.apply(lambda c: "AFLT" in c)
    afib = d.codes.apply(lambda c: "AFIB" in c)
    if which.startswith("aflt"):
        s = d[folds & aflt]
    elif which.startswith("afib"):
        s = d[folds & afib & ~aflt]
    elif which.startswith("norm"):
        s = d[folds & d.codes.apply(lambda c: "NORM" in c) & ~aflt & ~afib]
        s = s.sample(min(NORM_SAMPLE, len(s)), random_state=SR_SEED)
    elif which.startswith("stach"):
        s = d[folds & d.codes.apply(lambda c: "STACH" in c) & ~aflt & ~afib]
    else:
        s = d[folds & d.codes.apply(lambda c: "SR" in c) & ~aflt & ~afib]
        s = s.sample(min(SR_SAMPLE, len(s)), random_state=SR_SEED)
    assert (s.strat_fold <= 9).all()
    return s


def collect(root: Path, which: str, out: Path) -> None:
    """Score the records of set ``which`` and pickle what the interpretation read (see the module docstring)."""
    def keep(said_by, measurements, sex, kw):
        return dict(statements=said_by, measurements=measurements, sex=sex, quality=kw.get("quality"),
                    own=kw.get("own"))
    interpretation_inputs.collect(root, chosen(root, which), which, out, keep)


def interpretation(c, alone: bool):
    """The record's interpretation with the default model alone (``alone``) or with the statements model beside it,
    as ``mirage score`` builds it (``batch.rows``), and its measurement table."""
    from mirage_model.review.interpret import interpret_prediction, prediction_age
    from mirage_model.review.measurements import measurement_rows
    said_by = c["own"] if alone else c["statements"]
    quality = getattr(said_by, "quality", None) or getattr(c["own"], "quality", None)
    it = interpret_prediction(said_by, c["measurements"], c["sex"], quality=quality, own=c["own"])
    table = measurement_rows(c["measurements"], None, c["sex"], prediction_age(said_by), quality=quality,
                             interpretation=it)
    return it, table


def group(c) -> str:
    codes = c["meta"][2]
    return ("AFLT" if "AFLT" in codes else "AFIB" if "AFIB" in codes else "STACH" if "STACH" in codes else "SR")


def count(paths: list[Path], show: bool) -> None:
    """Per label, the default-alone interpretations stating a short PR, a first degree AV block, a sinus rhythm."""
    from mirage_model.review.interpret import SINUS
    tally: dict[str, dict[str, int]] = {}
    for c in load(paths):
        it, table = interpretation(c, alone=True)
        said = {s.rule_id for s in it.statements if s.rule_id}
        sinus = [s for s in it.statements if s.code in SINUS or s.text.startswith("Sinus")]
        pr_row = next((r for r in table if r["key"] == "pr_ms"), {})
        hits = {"records": True, "withheld": bool(it.withheld), "short_pr": "short_pr" in said,
                "first_degree_av_block": "first_degree_av_block" in said,
                "sinus": bool(sinus), "sinus_unmarked": any(s.note is None for s in sinus),
                "pr_flagged": bool(pr_row.get("flag")) and not pr_row.get("doubt"),
                "normal_ecg": any(s.code == "NORM" for s in it.statements)}
        t = tally.setdefault(group(c), {})
        for k, v in hits.items():
            t[k] = t.get(k, 0) + bool(v)
        atrial = group(c) in ("AFLT", "AFIB")
        said_one = hits["short_pr"] or hits["first_degree_av_block"] or hits["sinus"] or hits["normal_ecg"]
        if show and said_one and atrial:
            print(f"  {c['record']} [{group(c)}] {it.text(brief=True)[:150]}")
    for g, t in sorted(tally.items()):
        print(g, ", ".join(f"{k} {v}" for k, v in t.items()))


def dump(paths: list[Path], out: Path) -> None:
    """Both interpretations of each record (text, notes, resolved, the PR row's doubt) as JSON lines."""
    with open(out, "w") as f:
        for c in load(paths):
            row = {"record": c["record"]}
            for alone in (False, True):
                it, table = interpretation(c, alone)
                pr_row = next((r for r in table if r["key"] == "pr_ms"), {})
                row["alone" if alone else "statements"] = {
                    "text": it.text(brief=True), "notes": it.notes_text(), "lines": it.lines(),
                    "pr": [pr_row.get("value"), pr_row.get("flag"), pr_row.get("doubt"), pr_row.get("doubt_why")]}
            f.write(json.dumps(row, default=str, sort_keys=True) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    add_collect_parser(sub, SETS)
    b = sub.add_parser("count")
    b.add_argument("caches", type=Path, nargs="+")
    b.add_argument("--show", action="store_true", help="print each AFLT/AFIB record that states one")
    c = sub.add_parser("dump")
    c.add_argument("caches", type=Path, nargs="+")
    c.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    if args.cmd == "collect":
        collect(args.ptbxl, args.set, args.out)
    elif args.cmd == "count":
        count(args.caches, args.show)
    else:
        dump(args.caches, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
