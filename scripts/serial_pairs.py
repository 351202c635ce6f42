"""What the serial comparison says on real pairs of one patient's ECGs (PTB-XL folds 1-9, never fold 10).

Each record is read, measured and scored as ``mirage report --prior`` does it (the shipped model and the
statements model beside it, ``review.scoring.score_session``), and each pair compared
(``review.serial.compare``, the earlier record as the prior). Two sets of pairs:

* stable: the same-day pairs with identical scp_codes (``serial_thresholds.stable_pairs`` with days=0):
  how often a change is said where the cardiologists saw none;
* AF onset: a patient's record whose scp_codes hold no AFIB followed, on a later day, by one that holds AFIB
  (the first such pair of each patient, at most ``--max-pairs``): how often the new atrial fibrillation is said.

    python scripts/serial_pairs.py PTBXL_ROOT [--max-pairs 40]

Figures (PTB-XL 1.0.3 at 100 Hz, folds 1-9; the shipped models; --max-pairs 40; about 5 min on one CPU thread),
with the thresholds at the 98th percentile of the 30-day stable pairs and the rhythm rules as they are now
(before both, with the same-day 95th percentiles, in brackets):

    stable (same-day pairs with identical scp_codes, of folds 1-9: the 30-day rule chose on folds 1-8, so
        these are not independent of it), 62 pairs: nothing said on 39 (63 %) [34, 55 %]; a measurement
        change on 6 (10 %: QRS axis 3, QRS 1, QTc Bazett 1, P axis 1) [13, 21 %]; a statement new or gone,
        plainly, on 6 (10 %) [6], "possibly" on 13 (21 %) [13]; the rhythm changed plainly on none, possibly
        on 2 [0, 2]
    AF onset, 40 pairs: new atrial fibrillation said plainly on 23 (57 %) [18, 45 %], "possibly" on 10
        (25 %) [9]; a rate change on 13 [22], a QT change on 6 [21]; nothing said on none [1]

Of the AF onsets not said plainly before the rhythm rules changed (13): AF already called on the prior (its
labels without AFIB) on 6, 4 of them plainly; AF only guessed on the prior, below its threshold, on 3; AF
not called on the current ECG alone on 4 (AFIB probability 0.02-0.33: the statements model's).
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serial_thresholds import stable_pairs  # noqa: E402  (a script beside this one)


def af_onset_pairs(table, max_pairs: int) -> list[tuple[str, str]]:
    """(earlier, later) filename_lr: per patient of folds 1-9 the first record without AFIB followed on a
    later day by one with AFIB; at most ``max_pairs``, patients in id order."""
    t = table[table["strat_fold"] <= 9].copy()
    t["af"] = t["scp_codes"].apply(lambda s: "AFIB" in ast.literal_eval(s))
    t["day"] = t["recording_date"].astype(str).str[:10]
    pairs = []
    for _, g in t.sort_values(["patient_id", "recording_date"]).groupby("patient_id"):
        rows = g.to_dict("records")
        for i, a in enumerate(rows):
            if a["af"]:
                continue
            b = next((r for r in rows[i + 1:] if r["af"] and r["day"] > a["day"]), None)
            if b is not None:
                pairs.append((a["filename_lr"], b["filename_lr"]))
                break
        if len(pairs) >= max_pairs:
            break
    return pairs


def main(argv=None) -> int:
    import pandas as pd
    import torch

    import mirage_model as mm
    from mirage_model.measure import measure
    from mirage_model.review.scoring import score_session
    from mirage_model.review.serial import compare
    from mirage_model.review.session import ReviewSession
    from training_cli.engine.checkpoints import load_predictor, load_statements_predictor

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ptbxl", type=Path, help="PTB-XL's folder (ptbxl_database.csv, records100/)")
    ap.add_argument("--max-pairs", type=int, default=40, help="AF onset pairs at most (default 40)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    table = pd.read_csv(args.ptbxl / "ptbxl_database.csv")
    predictor = load_predictor(None, "cpu")
    statements = load_statements_predictor(predictor, "auto", "cpu")
    sessions: dict[str, ReviewSession] = {}

    def session(name: str) -> ReviewSession:
        if name not in sessions:
            rec = mm.load_record(args.ptbxl / f"{name}.hea")
            s = ReviewSession.from_results(rec, measurements=measure(rec))
            score_session(s, predictor, explain=False, contributions=False, statements_predictor=statements)
            sessions[name] = s
        return sessions[name]

    same_day = stable_pairs(table, days=0, folds=range(1, 10))
    for title, pairs in (("stable (same day, same scp_codes)", same_day),
                         ("AF onset (no AFIB, later AFIB)", af_onset_pairs(table, args.max_pairs))):
        said = Counter()
        for a, b in pairs:
            x = compare(session(a), session(b))
            said["any measurement"] += bool(x.significant)
            for m in x.significant:
                said[m.key] += 1
            said["a statement new/gone"] += bool(x.new_statements or x.gone_statements)
            said["a statement possibly new/gone"] += bool(x.possibly_new or x.possibly_gone)
            said["rhythm changed"] += bool(x.rhythm_words) and "possibly" not in x.rhythm_words
            said["rhythm possibly changed"] += "possibly" in x.rhythm_words
            said["new atrial fibrillation"] += ("new atrial fibrillation" in x.summary
                                                and "possibly new atrial fibrillation" not in x.summary)
            said["possibly new atrial fibrillation"] += "possibly new atrial fibrillation" in x.summary
            said["nothing said"] += x.summary.endswith("no significant change.")
        print(f"{title}: {len(pairs)} pairs")
        for k, v in sorted(said.items(), key=lambda kv: -kv[1]):
            print(f"    {k:32s} {v:4d}  ({v / max(len(pairs), 1):.0%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
