"""The interpretation's first rhythm statement against PTB-XL's rhythm labels, and whether a wrong one is marked.

Step 1, ``collect``: for each PTB-XL rhythm statement (``scp_statements.csv``'s rhythm == 1: SR, AFIB, STACH, SBRAD,
SARRH, SVARR, AFLT, SVTAC, PSVT, PACE, BIGU, TRIGU), up to ``--per-label`` records carrying it (all where fewer),
chosen at random with ``--seed`` from the folds given (default 1-8; fold 10 is refused and never read: the records
are chosen from the table after it is dropped), scored with the shipped default and statements models (``mirage
score``'s pipeline, ``review.batch.iter_rows``), what the interpretation was given cached
(``interpretation_inputs.collect``) so that it can be rerun with the code in use without scoring again.

Step 2, ``table``: per label, the records' first statement rerun with the code in use (the body of a withheld
interpretation read as it is), read as a rhythm (``first_rhythm``); right when it is one of the record's rhythm labels
(a record with two rhythm labels is right when either matches), "sinus family" when both are sinus (SR, SBRAD,
STACH, SARRH: the rate words' limits differ, PTB-XL's bradycardia is below 60 bpm, the rules' below 50); a wrong one
is "marked" when its statement carries the doubt mark "(?)" and "guessed" when said as the most probable rhythm below
its threshold; "AF first (marked)": the records whose first statement is atrial fibrillation, and of them those marked.
``--records`` lists every wrong record.

    python scripts/rhythm_agreement.py collect PTBXL OUT/rhythm18.pkl [--folds 1-8] [--per-label 60] [--seed 55] \
        [--labels AFIB,...]
    python scripts/rhythm_agreement.py table OUT/rhythm18.pkl [--records]

The models were trained on folds 1-8: figures there are on training records (optimistic for the models' calls,
fair for the rules).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import interpretation_inputs  # noqa: E402
from interpretation_inputs import load, ptbxl_table  # noqa: E402

RHYTHMS = ("SR", "AFIB", "STACH", "SBRAD", "SARRH", "SVARR", "AFLT", "SVTAC", "PSVT", "PACE", "BIGU", "TRIGU")
SINUS_FAMILY = {"SR", "SBRAD", "STACH", "SARRH"}
# the first words of a rhythm statement -> the PTB-XL code it says (longest first: "Sinus rhythm" is no prefix of the
# others, "Supraventricular tachycardia" is of none); "WCT": the wide QRS tachycardia rule, which PTB-XL has no code of
FIRST_WORDS = (("Paroxysmal supraventricular tachycardia", "PSVT"), ("Supraventricular tachycardia", "SVTAC"),
               ("Supraventricular arrhythmia", "SVARR"), ("Sinus rhythm", "SR"), ("Sinus bradycardia", "SBRAD"),
               ("Sinus tachycardia", "STACH"), ("Sinus arrhythmia", "SARRH"), ("Atrial fibrillation", "AFIB"),
               ("Atrial flutter", "AFLT"), ("Paced rhythm", "PACE"), ("Bigeminal", "BIGU"), ("Trigeminal", "TRIGU"),
               ("Wide QRS tachycardia", "WCT"))
MARK = "(?)"
GUESS = "below its threshold"


def parse_folds(text: str) -> list[int]:
    """``"1-8"`` or ``"1,2,5"`` -> the folds; fold 10 (the benchmark's test fold) is refused.

    Raises:
        SystemExit: a fold outside 1-9, or 10.
    """
    folds: set[int] = set()
    for part in text.split(","):
        lo, _, hi = part.strip().partition("-")
        try:
            a, b = int(lo), int(hi or lo)
        except ValueError:
            raise SystemExit(f"--folds {text!r}: give folds as 1-8 or 1,2,3") from None
        folds.update(range(a, b + 1))
    if 10 in folds:
        raise SystemExit("--folds: fold 10 is PTB-XL's test fold and is never read here")
    if not folds or min(folds) < 1 or max(folds) > 9:
        raise SystemExit(f"--folds {text!r}: folds are 1-9")
    return sorted(folds)


def chosen(root: Path, folds: list[int], per_label: int, seed: int, labels=RHYTHMS):
    """The PTB-XL rows to score (indexed by ecg_id) and, per rhythm label of ``labels``, the ecg_ids chosen for
    it."""
    d = ptbxl_table(root)                         # fold 10 dropped before anything else
    d = d[d.strat_fold.isin(folds)]
    picked = {}
    for code in labels:
        s = d[d.codes.apply(lambda c: code in c)]
        picked[code] = list(s.sample(min(per_label, len(s)), random_state=seed).index)
    ids = sorted({i for v in picked.values() for i in v})
    assert (d.loc[ids].strat_fold <= 9).all()
    return d.loc[ids], picked


def first_rhythm(text: str | None) -> tuple[str, str, bool]:
    """(the code the first statement says, the statement, whether withheld) of an interpretation's text; the code is
    "other" for a first statement that names no rhythm."""
    t = text or ""
    withheld = t.startswith("WITHHELD (")
    if withheld:
        t = t.split("): ", 1)[-1]
    first = t.split("; ")[0].strip()
    for words, code in FIRST_WORDS:
        if first.startswith(words):
            return code, first, withheld
    return "other", first, withheld


def collect(root: Path, out: Path, folds: list[int], per_label: int, seed: int, labels=RHYTHMS) -> None:
    rows, picked = chosen(root, folds, per_label, seed, labels)
    print(f"folds {folds}: {len(rows)} records; " + ", ".join(f"{c} {len(v)}" for c, v in picked.items()), flush=True)

    def keep(said_by, measurements, sex, kw):
        return dict(said_by=said_by, measurements=measurements, sex=sex, kw=kw)
    interpretation_inputs.collect(root, rows, "rhythm", out, keep)
    out.with_suffix(".picked.txt").write_text(
        "".join(f"{c}\t{' '.join(map(str, v))}\n" for c, v in picked.items()), encoding="utf-8")


def rerun(c) -> str:
    """The interpretation's text of a cached record with the code in use (as ``mirage score`` writes it)."""
    from mirage_model.review.interpret import interpret_prediction
    return interpret_prediction(c["said_by"], c["measurements"], c["sex"], **c["kw"]).text(brief=True)


def table(path: Path, records: bool) -> None:
    recs = {c["meta"][0]: c for c in load([path])}
    picked = {}
    for line in path.with_suffix(".picked.txt").read_text(encoding="utf-8").splitlines():
        code, _, ids = line.partition("\t")
        picked[code] = [int(i) for i in ids.split()]
    texts = {i: rerun(c) for i, c in recs.items()}
    changed = sum(texts[i] != (c["interpretation"] or "") for i, c in recs.items())
    print(f"{len(recs)} records; interpretation rerun differs from the one written on {changed}")
    read = {i: first_rhythm(t) for i, t in texts.items()}
    print("| label | records | first is a label | sinus family | wrong | wrong marked (?) | wrong guessed | "
          "withheld | AF first (marked) | first statements (code: n) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    wrong_rows = []
    for code in picked:
        ids = [i for i in picked.get(code, []) if i in recs]
        right = fam = wrong = marked = guessed = withheld = 0
        said = Counter()
        af = af_marked = 0            # atrial fibrillation said first, and of those marked
        for i in ids:
            labels = {k for k in recs[i]["meta"][2] if k in RHYTHMS}
            got, first, held = read[i]
            said[got] += 1
            withheld += held
            af += got == "AFIB"
            af_marked += got == "AFIB" and MARK in first
            if got in labels:
                right += 1
                continue
            if got in SINUS_FAMILY and labels & SINUS_FAMILY:
                fam += 1
                continue
            wrong += 1
            marked += MARK in first
            guessed += GUESS in first
            wrong_rows.append((code, i, ",".join(sorted(labels)), first, held))
        n = max(len(ids), 1)
        print(f"| {code} | {len(ids)} | {right} ({right / n:.0%}) | {fam} | {wrong} | {marked} | {guessed} | "
              f"{withheld} | {af} ({af_marked}) | " + ", ".join(f"{k} {v}" for k, v in said.most_common()) + " |")
    if records:
        for code, i, labels, first, held in wrong_rows:
            print(f"{code}\t{i:05d}\t{labels}\t{'WITHHELD ' if held else ''}{first}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("collect")
    a.add_argument("ptbxl", type=Path)
    a.add_argument("out", type=Path)
    a.add_argument("--folds", default="1-8", help="PTB-XL folds, e.g. 1-8 (default) or 9; 10 is refused")
    a.add_argument("--per-label", type=int, default=60, help="records per rhythm label at most (default 60)")
    a.add_argument("--seed", type=int, default=55, help="the seed of the random choice (default 55)")
    a.add_argument("--labels", default=",".join(RHYTHMS), help="the rhythm labels, comma separated (default all)")
    b = sub.add_parser("table")
    b.add_argument("cache", type=Path)
    b.add_argument("--records", action="store_true", help="list every record whose first rhythm is wrong")
    args = ap.parse_args(argv)
    if args.cmd == "collect":
        labels = [c.strip() for c in args.labels.split(",") if c.strip()]
        if not labels or set(labels) - set(RHYTHMS):
            raise SystemExit(f"--labels {args.labels!r}: PTB-XL's rhythm labels are {', '.join(RHYTHMS)}")
        collect(args.ptbxl, args.out, parse_folds(args.folds), args.per_label, args.seed, labels)
    else:
        table(args.cache, args.records)
    return 0


if __name__ == "__main__":
    sys.exit(main())
