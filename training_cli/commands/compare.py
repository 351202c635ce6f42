"""``mirage compare A B``: is model A better than model B on the same test records?

Reads two ``predictions.csv`` files written by ``mirage train`` / ``mirage evaluate`` (columns
``record_id``, ``p_<class>``, ``y_<class>``), checks that they score the same records with the same
labels, and gives the difference in macro and per-class AUROC with a **paired** percentile
bootstrap: each resample draws one set of records and scores both models on it, so the interval
is of the difference itself (narrower and more honest than comparing two separate intervals). The
resamples are drawn as ``mirage evaluate``'s (``metrics.bootstrap_resamples``: each holds a positive and a
negative record of every class that has both), and a class with fewer than ``MIN_INTERVAL_RECORDS`` positive
or negative records gets no interval of its own.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from training_cli.engine.errors import UsageError
from training_cli.engine.metrics import (MIN_INTERVAL_RECORDS, auroc, bootstrap_resamples, enough_words,
                                        interval_classes, macro_auroc, no_interval_words, percentile_interval,
                                        resampling_words)
from training_cli.engine.runlog import write_json
from training_cli.options import add_overwrite_arg, command_parser
from training_cli.outputs import check_output_file, refuse_earlier_outputs


class PredictionsError(ValueError):
    """A predictions file that cannot be read or compared; the message names the file."""


def compare_command_parser(subparsers=None) -> argparse.ArgumentParser:
    """The parser of ``mirage compare`` (a subcommand when ``subparsers`` is given, else standalone)."""
    p = command_parser(subparsers, "compare")
    p.add_argument("a", help="predictions.csv of model A (e.g. RUN/test/predictions.csv)")
    p.add_argument("b", help="predictions.csv of model B, same records and labels")
    p.add_argument("--names", nargs=2, metavar=("A", "B"),
                   help="names for the table (default: what tells the two paths apart, e.g. own_test and base_test "
                        "for runs/own_test/predictions.csv and runs/base_test/predictions.csv)")
    p.add_argument("--bootstrap", type=int, default=1000, help="paired resamples (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    p.add_argument("--out", help="write the result as JSON here")
    add_overwrite_arg(p, "the JSON")
    p.set_defaults(func=run)
    return p


def read_predictions(path) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """-> (record ids (N,), classes (K,), probabilities (N, K), targets (N, K) {0,1})."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
    except OSError as err:
        raise PredictionsError(f"{path}: cannot read ({err.strerror or err})") from None
    except (UnicodeDecodeError, csv.Error):
        raise PredictionsError(f"{path}: not a predictions.csv (not a UTF-8 CSV file)") from None
    if len(rows) < 2 or not rows[0] or rows[0][0] != "record_id":
        raise PredictionsError(f"{path}: not a predictions.csv (expected a 'record_id' header and rows)")
    header = rows[0]
    classes = [h[2:] for h in header if h.startswith("p_")]
    if not classes or [f"y_{c}" for c in classes] != [h for h in header if h.startswith("y_")]:
        raise PredictionsError(f"{path}: needs p_<class> and y_<class> columns for the same classes")
    ip = [header.index(f"p_{c}") for c in classes]
    iy = [header.index(f"y_{c}") for c in classes]
    ids, P, Y = [], [], []
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise PredictionsError(f"{path}: line {n} has {len(row)} fields, the header {len(header)}")
        try:
            P.append([float(row[i]) for i in ip])
            Y.append([int(float(row[i])) for i in iy])
        except ValueError:
            raise PredictionsError(f"{path}: line {n} has a value that is not a number") from None
        ids.append(row[0])
    P, Y = np.asarray(P, dtype=np.float64), np.asarray(Y, dtype=np.int64)
    if not np.all(np.isfinite(P)):
        raise PredictionsError(f"{path}: some probabilities are NaN or infinite")
    if len(set(ids)) != len(ids):
        raise PredictionsError(f"{path}: record ids repeat")
    return ids, classes, P, Y


def paired_bootstrap(y: np.ndarray, pa: np.ndarray, pb: np.ndarray, n_boot: int = 1000, seed: int = 0,
                     alpha: float = 0.05) -> dict:
    """AUROC of A, of B and of A - B, macro and per class, with paired percentile intervals.

    Resamples as ``metrics.bootstrap_ci``'s: intervals only for the classes with at least
    ``MIN_INTERVAL_RECORDS`` positive and negative records, and for the macro over those.

    Args:
        y: (N, K) {0,1} targets; pa, pb: (N, K) scores of the two models on the same records.
    Returns:
        {"macro": {"a", "b", "diff", "diff_ci": [lo, hi], "p_a_not_better"}, "per_class": [...], "n_boot",
        "resamples", "draws", "min_records", "no_interval": [class indices]} where p_a_not_better is the
        share of resamples in which A's AUROC is not above B's. A class in "no_interval" has its "a", "b" and
        "diff" but "diff_ci" and "p_a_not_better" None; where there is one, so has "macro", and
        "macro_enough" (with "classes": [indices]) is the macro over the other classes, with its interval.
    """
    N, K = y.shape
    if n_boot < 1:
        raise ValueError(f"n_boot must be at least 1 (got {n_boot})")
    rng = np.random.default_rng(seed)
    shown = interval_classes(y)
    diffs = np.full((n_boot, K + 1), np.nan)          # per class, then the macro over the shown classes
    counts: dict = {}
    for b, idx in enumerate(bootstrap_resamples(y, n_boot, rng, counts)):
        yb = y[idx]
        for k in np.flatnonzero(shown):
            diffs[b, k] = auroc(yb[:, k], pa[idx, k]) - auroc(yb[:, k], pb[idx, k])
        if shown.any():
            diffs[b, K] = diffs[b, :K][shown].mean()

    def summary(a_val, b_val, d, with_ci=True):
        d = d[~np.isnan(d)]
        if np.isnan(a_val) or np.isnan(b_val):
            # no positive or no negative record of the class: no AUROC, no difference (null in the JSON)
            return {"a": None, "b": None, "diff": None, "diff_ci": None, "p_a_not_better": None}
        with_ci = with_ci and len(d) > 0
        return {"a": round(a_val, 6), "b": round(b_val, 6), "diff": round(a_val - b_val, 6),
                "diff_ci": percentile_interval(d, alpha) if with_ci else None,
                "p_a_not_better": round(float(np.mean(d <= 0)), 4) if with_ci else None}

    a_k = np.array([auroc(y[:, k], pa[:, k]) for k in range(K)])
    b_k = np.array([auroc(y[:, k], pb[:, k]) for k in range(K)])
    per_class = [summary(a_k[k], b_k[k], diffs[:, k], shown[k]) for k in range(K)]
    out = {"n": N, "n_boot": n_boot, "resamples": counts["resamples"], "draws": counts["draws"], "seed": seed,
           "level": 1 - alpha, "min_records": MIN_INTERVAL_RECORDS,
           "no_interval": [k for k in range(K) if not shown[k] and per_class[k]["a"] is not None],
           "macro": summary(macro_auroc(y, pa), macro_auroc(y, pb), diffs[:, K], shown.all()),
           "per_class": per_class}
    if not shown.all() and shown.any():
        out["macro_enough"] = {"classes": [int(k) for k in np.flatnonzero(shown)],
                               **summary(float(a_k[shown].mean()), float(b_k[shown].mean()), diffs[:, K])}
    return out


def compare_files(path_a, path_b, n_boot: int = 1000, seed: int = 0) -> dict:
    """Read both files, align them by record id and run ``paired_bootstrap``; adds "classes"."""
    ids_a, cls_a, pa, ya = read_predictions(path_a)
    ids_b, cls_b, pb, yb = read_predictions(path_b)
    if cls_a != cls_b:
        raise PredictionsError(f"{path_b}: classes {cls_b} differ from {path_a}'s {cls_a}")
    if set(ids_a) != set(ids_b):
        only_a, only_b = len(set(ids_a) - set(ids_b)), len(set(ids_b) - set(ids_a))
        raise PredictionsError(f"{path_a} and {path_b} score different records "
                               f"({only_a} only in the first, {only_b} only in the second)")
    order = {rid: i for i, rid in enumerate(ids_b)}
    idx = np.array([order[rid] for rid in ids_a])
    pb, yb = pb[idx], yb[idx]
    if not np.array_equal(ya, yb):
        bad = int(np.any(ya != yb, axis=1).sum())
        raise PredictionsError(f"{path_a} and {path_b} give different labels for {bad} records")
    out = paired_bootstrap(ya, pa, pb, n_boot, seed)
    out["classes"] = cls_a
    out["no_interval"] = [cls_a[k] for k in out["no_interval"]]
    if "macro_enough" in out:
        out["macro_enough"]["classes"] = [cls_a[k] for k in out["macro_enough"]["classes"]]
    return out


def default_names(path_a, path_b) -> tuple[str, str]:
    """The table's names of two predictions files: what tells their paths apart, the folders between
    the parts both paths share at the start and at the end (``runs/own_test`` and ``runs/base_test``
    -> "own_test", "base_test"; ``runs/A/test/predictions.csv`` and ``runs/B/test/predictions.csv``
    -> "A", "B"; ``runs/A/test`` and ``runs/B/val`` -> "A/test", "B/val"), a file's name without its
    extension where the files differ (``a.csv``, ``b.csv`` -> "a", "b"). A path that is all shared
    takes its own folder's name; one file given twice is "A" and "B"."""
    a, b = Path(path_a).resolve(), Path(path_b).resolve()
    if a == b:
        return "A", "B"
    pa, pb = list(a.parts), list(b.parts)
    if pa[-1] != pb[-1]:
        pa[-1], pb[-1] = a.stem, b.stem                       # the files themselves differ: their names
    end = 0                                                   # parts shared at the end
    while end < min(len(pa), len(pb)) - 1 and pa[-1 - end] == pb[-1 - end]:
        end += 1
    start = 0                                                 # parts shared at the start
    while start < min(len(pa), len(pb)) - end and pa[start] == pb[start]:
        start += 1

    def name(parts: list[str], path: Path, fallback: str) -> str:
        middle = parts[start:len(parts) - end]
        if middle:
            return "/".join(middle)
        return parts[start - 1] if 0 < start and parts[start - 1] != path.anchor else fallback

    name_a, name_b = name(pa, a, "A"), name(pb, b, "B")
    return (name_a, name_b) if name_a != name_b else ("A", "B")


def markdown(result: dict, name_a: str, name_b: str) -> str:
    lv = int(round(100 * result["level"]))
    lines = [f"| AUROC, n={result['n']} | {name_a} | {name_b} | difference ({lv}% paired bootstrap) | "
             f"P(A not better) |", "|---|---|---|---|---|"]
    classes = list(zip(result["classes"], result["per_class"]))
    gone = [name for name, r in classes if r["a"] is None]
    macro = "macro" if not gone else f"macro over {len(classes) - len(gone)} of {len(classes)} classes"
    enough = result.get("macro_enough")
    rows = [(macro, result["macro"])]
    if enough:
        rows.append((enough_words(len(enough["classes"]), len(classes) - len(gone)), enough))
    for name, r in rows + classes:
        if r["a"] is None:
            lines.append(f"| {name} | undefined | undefined | - | - |")
            continue
        if r["diff_ci"] is None:
            lines.append(f"| {name} | {r['a']:.3f} | {r['b']:.3f} | {r['diff']:+.3f} (no interval) | - |")
            continue
        lo, hi = r["diff_ci"]
        lines.append(f"| {name} | {r['a']:.3f} | {r['b']:.3f} | {r['diff']:+.3f} ({lo:+.3f} to {hi:+.3f}) | "
                     f"{r['p_a_not_better']:.3f} |")
    if gone:
        lines += ["", f"AUROC undefined for {', '.join(gone)}: these records hold no positive or no negative "
                      "of them; the macro row is the mean over the other classes."]
    lines += ["", f"Intervals: {resampling_words(result)}."]
    if result.get("no_interval"):
        words = no_interval_words(result["no_interval"], len(classes) - len(gone))
        lines += [f"{words[0].upper()}{words[1:]}: with so few, the bootstrap cannot tell how far their AUROC "
                  "would move on other records, and a macro holding them has none either."]
    return "\n".join(lines)


def run(args) -> int:
    if args.bootstrap < 1:
        raise UsageError(f"mirage compare: --bootstrap {args.bootstrap}: give at least 1 paired resample "
                         "(the difference's interval is read from them)")
    if args.out:
        check_output_file(args.out, "--out")
        refuse_earlier_outputs("mirage compare", args.out, [Path(args.out).expanduser()], args.overwrite,
                               inputs=(args.a, args.b))
    try:
        result = compare_files(args.a, args.b, args.bootstrap, args.seed)
    except PredictionsError as err:
        raise UsageError(f"mirage compare: {err}")
    name_a, name_b = args.names or default_names(args.a, args.b)
    result["names"] = [name_a, name_b]
    print(markdown(result, name_a, name_b))
    if args.out:
        write_json(Path(args.out), result)
    return 0
