"""What the seeded fuzz harnesses (``fuzz_mutations.py``, ``fuzz_structural.py``) share: judging every copy made in
a child process, and the table of verdicts per format."""

from __future__ import annotations

import argparse
import shutil
from collections import Counter, defaultdict


def parse_run(ap: argparse.ArgumentParser, argv, worker):
    """A harness's arguments (``ap`` with ``out`` and ``--session``; a hidden ``--worker`` added here) parsed. In the
    child process that judges the copies (``--worker``) ``worker(session)`` runs and None is returned; otherwise OUT,
    required, is emptied for the run's copies."""
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.session)
        return None
    if args.out is None:
        ap.error("OUT is required")
    if args.out.exists():
        shutil.rmtree(args.out)
    return args


def judge_all(made: list[dict], child, fmt: dict[str, str], every: int = 0) -> dict[str, Counter]:
    """Each of ``made`` ({"source", "mutation", "path"}) judged by ``child``, its verdict and format (``fmt``: source
    -> format) put in it, the BAD ones printed (and a line every ``every`` copies when not 0): {format: counts}."""
    counts: dict[str, Counter] = defaultdict(Counter)
    try:
        for k, v in enumerate(made, 1):
            v.update(child.judge(v["path"]))
            if every and k % every == 0:
                print(f"{k} of {len(made)} judged", flush=True)
            v["format"] = fmt[v["source"]]
            counts[v["format"]][v["status"]] += 1
            if v["status"] == "BAD":
                print(f"BAD {v['source']}/{v['mutation']}: {v['detail']}", flush=True)
    finally:
        child.close()
    return counts


def print_counts(counts: dict[str, Counter], noun: str = "variants") -> None:
    """The table of verdicts per format, and all together."""
    print(f"\n{'format':22s} {noun:>8s} {'opens':>6s} {'refused':>8s} {'BAD':>5s}")
    for f, c in sorted(counts.items()):
        print(f"{f:22s} {sum(c.values()):8d} {c['opens']:6d} {c['refused']:8d} {c['BAD']:5d}")
    total = sum((c for c in counts.values()), Counter())
    print(f"{'all':22s} {sum(total.values()):8d} {total['opens']:6d} {total['refused']:8d} {total['BAD']:5d}")
