"""Does mirage_model.measure read a long PR short? Measured PR against LUDB's annotations and on PTB-XL 1AVB.

An investigation, no change to the measurement (the PR feeds the statements model's measured stage).

    python scripts/pr_agreement.py ludb LUDB_DATA_DIR [--json OUT]
    python scripts/pr_agreement.py ptbxl PTBXL_DIR [--normals 300] [--seed 0] [--json OUT]
    python scripts/pr_agreement.py plot WFDB_HEA OUT.png

Each record is measured twice: the default delineator ("unet": the learned per-lead boundaries) and
``MeasureConfig(delineator="rules")``; both share the rule-based spatial P search (``delineate.p_wave``),
which decides whether there is a P wave at all. Per record we also keep how many leads the U-Net gave a
P onset (``boundaries`` takes the last P run whose offset lies < 300 ms before the QRS onset).

LUDB reference: ``eval_ludb.reference_from_waves``. Binned by the median-over-leads PR (per beat each
lead's own QRS onset minus its own last P onset, median over leads, then over beats): the convention
the method's bias constants were fitted to (records 1-50), so a bin's mean difference is the
measurement's error there and not the annotations' lead-to-lead scatter; the earliest-P-onset to
earliest-QRS-onset PR ("extreme") is reported beside it.

Figures (2026-12-05, default MeasureConfig; ``ludb`` 41 s, ``ptbxl`` 104 s on one core).

LUDB records 1-100, measured - annotated PR (median over leads), by annotated PR; "<200": measured < 200 ms;
"None": no PR measured. unet/rules at 500 Hz, @100: the record resampled to 100 Hz first (PTB-XL's rate):
    annotated PR   n | unet mean/SD <200 | rules mean/SD <200 | unet@100 mean/SD <200 | rules@100 mean/SD <200
    < 160         39 |  +2.0 / 4.4   35  |  +0.3 / 13.3  36   |  +1.9 / 4.5   36      |  -2.9 / 12.2  37
    160-200       38 |  -1.8 / 4.2   38  |  -0.7 /  8.1  38   |  -1.9 / 4.3   38      |  -1.3 /  9.4  38
    200-240        8 |  -3.5 / 4.7    1  |  -2.0 /  7.6   1   |  -5.0 / 6.1    2      |  -5.4 / 16.7   3
    >= 240         0 |                   |                    |                       |
  Against the earliest-P-onset to earliest-QRS-onset PR the bins read 200-240 (n 11): unet -12.3 / 10.4 (5 < 200),
  rules -11.8 / 13.5 (5); >= 240 (n 1, record 78 at 240 ms): unet -21, rules -30.5.
  That convention is longer by the leads' scatter (< 160: unet -3.3, 160-200: -8.3), not a long-PR effect.
  So LUDB shows no long-PR shortfall, but it holds no PR >= 240 ms and none > 228.5 ms in records 1-50, the
  U-Net's whole training set: it never saw a long PR. The one long PR read < 200 at 500 Hz is record 43
  (212 ms -> 199; rules 222.5).

PTB-XL folds 1-8 (fold 10 never read), 100 Hz: 624 records labelled 1AVB (likelihood 100) and 300 drawn at
random (seed 0) of those labelled NORM (likelihood 100) without 1AVB:
    1AVB   unet : PR given 495 (None 129); percentiles 5/25/50/75/95 164/197/213/222/242 ms; < 200 ms 146 (29 %)
    1AVB   rules: PR given 474 (None 150); percentiles 5/25/50/75/95 170/200/216/234/274 ms; < 200 ms 125 (26 %)
    normal unet : PR given 288; 126/144/155/165/185 ms; > 200 ms 4
    normal rules: PR given 290; 103/130/146/160/188 ms; > 200 ms 7
  The U-Net's PR stops near 240 ms (95th percentile 242 against the rules' 274). On the 462 1AVB records both
  measure, by the rules' PR: 240-280 ms (83 records): U-Net median 213, mean U-Net - rules -49.5 ms, 33 read
  < 200; 280-400 ms (15): mean -42.1, 6 read < 200; 200-240 (247): -3.7. Where the U-Net reads about 150 ms and the
  rules 260-315 ms (e.g. ecg_id 11877, 11097, 15804, 4908), only 3-9 of the 12 leads have a U-Net P run at all.
  Strips of 11877 (PR by eye about 300 ms: the P at 0.10 s, QRS at 0.40 s in II/V1) and 11097 (P right after
  the T, about 300 ms) show the U-Net's P onset on the flat PR segment about 150 ms before the QRS, where there is
  no P wave; the rules' P onset lies on the P wave (11877: 315.5 ms). ``plot`` of 11097's median beat: the P wave
  at -380 to -250 ms from R in II and V1, where the rules put their onset and offset; the U-Net gives those
  leads no P and labels a flat stretch at -210 to -140 ms in V5 as one.
  Reading long PRs short is the U-Net's (the default delineator's): unet < 200 <= rules on 79 of the 462. The
  reverse (rules < 200 <= unet, 60) lies where the rules read 160-200 ms (109 records) and the U-Net 11.4 ms longer
  on average: below 200 ms the rules read shorter than the U-Net on normal records too (+8.6 ms), a calibration
  difference at 100 Hz, not the long-PR failure; PTB-XL gives no annotated PR to say which is right there.
  A second loss, shared by both (the rule-based spatial P search gates the PR for either delineator): 88 1AVB
  records (14 %) against 8 of 300 normal (3 %) get "PR: P wave boundaries not found"; their median rate is
  97 bpm (all 1AVB: 75): at that rate a long PR's P meets the previous T wave (not checked record by record).
  Not a window too short: p_window_s 0.40 or
  0.45 s (default 0.33) gives a PR on 5 of the 88. 24 more have "no consistent P wave", 15 no QRS bounds.

What a fix would be (not made here: the PR feeds the statements model's measured stage features):
  * the U-Net: retrain it with long PRs, e.g. augmenting LUDB 1-50's beat windows by stretching the PR segment
    (P wave moved earlier, baseline in between) up to 350 ms, and check on LUDB 51-100 and on these figures;
  * meanwhile, in median_beat.py, keep a lead's learned P onset only where it lies near the rules' spatial P
    (as the rules' own per-lead search does: within 40 ms of it), else take that lead's rule-based onset; and
    ``learned.boundaries`` could prefer a P run with amplitude over an empty one nearer the QRS.
    Tried, not committed (a what-if: ``median_beat._measure_signal`` with the U-Net's per-lead P onset and offset
    replaced by the rules' where the U-Net has none or its onset lies > 40 ms from the rules' one; biases as
    they are): LUDB 200-240 -0.2 / SD 2.8 (none < 200; at 100 Hz -0.5 / 5.9), < 160 +2.3 / 4.5, 160-200
    -1.4 / 4.5; PTB-XL 1AVB percentiles 5/25/50/75/95 185/210/222/239/287 ms, < 200 ms 59 of 495 (12 %, from
    146, 29 %); normal > 200 ms 7 of 288 (from 4), median 154 (from 155). The lead engineer decides (the PR is a
    model input).
  * the synthetic finding (220 -> 210, 280 -> 171-181 ms) matches the U-Net's behaviour seen here.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_ludb import decimate_record, load_ludb_record, ludb_reference  # noqa: E402

from mirage_model.measure import measure  # noqa: E402
from mirage_model.measure.results import MeasureConfig  # noqa: E402

BINS = ((0, 160), (160, 200), (200, 240), (240, 1000))     # annotated PR, ms
RULES = MeasureConfig(delineator="rules")


def _both(rec) -> dict:
    """PR of the default (U-Net) and the rule-based delineator, and the U-Net's per-lead P onsets."""
    out = {}
    for name, cfg in (("unet", None), ("rules", RULES)):
        m = measure(rec, cfg, fiducials=False)
        out[name] = m.pr_ms
        if name == "unet":
            lf = m.median.lead_fiducials if m.median is not None else {}
            pon = np.asarray(lf.get("p_on", []), dtype=float)
            out["unet_p_leads"] = int(np.isfinite(pon).sum())
            out["hr"] = m.heart_rate_bpm
            out["p_corr"] = m.p_correlation
            out["pr_note"] = next((n for n in m.notes if n.startswith("PR")), "")
    return out


def _bin_table(rows: list[dict], ref_key: str, ours: str) -> list[str]:
    lines = [f"  {'annotated PR':>14} {'n':>3} {'mean':>6} {'SD':>5} {'<200':>5} {'None':>4}   ({ours} - {ref_key})"]
    for lo, hi in BINS:
        sel = [r for r in rows if r["ref"].get(ref_key) is not None and lo <= r["ref"][ref_key] < hi]
        d = np.asarray([r[ours] - r["ref"][ref_key] for r in sel if r[ours] is not None])
        short = sum(1 for r in sel if r[ours] is not None and r[ours] < 200)
        none = sum(1 for r in sel if r[ours] is None)
        label = f"{lo}-{hi}" if hi < 1000 else f">= {lo}"
        mean = f"{d.mean():+6.1f}" if d.size else "     -"
        sd = f"{d.std(ddof=1):5.1f}" if d.size > 1 else "    -"
        lines.append(f"  {label:>14} {len(sel):>3} {mean} {sd} {short:>5} {none:>4}")
    return lines


def run_ludb(folder: Path) -> dict:
    stems = sorted((p.with_suffix("") for p in folder.glob("*.hea")), key=lambda p: int(p.stem))
    if not stems:
        raise SystemExit(f"{folder}: no LUDB records (*.hea) found")
    rows = []
    for stem in stems:
        rec = load_ludb_record(stem)
        ref = ludb_reference(stem, rec.fs)
        ref.pop("beats")
        row = {"record": stem.stem, "ref": {k: ref[k] for k in ("pr_ms", "pr_ms_extreme")}}
        for fs in (500.0, 100.0):
            r = _both(decimate_record(rec, fs))
            suf = "" if fs == 500.0 else "_100"
            row.update({f"{k}{suf}": v for k, v in r.items()})
        rows.append(row)
    for ref_key in ("pr_ms", "pr_ms_extreme"):
        for ours in ("unet", "rules", "unet_100", "rules_100"):
            print("\n".join(_bin_table(rows, ref_key, ours)))
    long_ = [r for r in rows if (r["ref"]["pr_ms"] or 0) >= 200]
    print("annotated PR >= 200 ms (median over leads): record, ref, ref extreme, unet, rules, unet@100, "
          "rules@100, U-Net P leads, note")
    for r in sorted(long_, key=lambda r: r["ref"]["pr_ms"]):
        print(f"  {r['record']:>4} {r['ref']['pr_ms']:6.1f} {r['ref']['pr_ms_extreme']} {r['unet']} {r['rules']} "
              f"{r['unet_100']} {r['rules_100']} {r['unet_p_leads']} {r['pr_note']}")
    return {"rows": rows}


def labelled_and_normal(folder: Path, code: str, n_normals: int, seed: int, likelihood: float = 100.0):
    """PTB-XL's folds 1-8 (fold 10 is never read): the rows labelled ``code`` at ``likelihood`` or more, and
    ``n_normals`` drawn at random (``seed``) of those labelled NORM (likelihood 100) without ``code``
    (two ``pandas.DataFrame``)."""
    import pandas as pd

    db = pd.read_csv(folder / "ptbxl_database.csv")
    db = db[db.strat_fold <= 8]                             # folds 1-8 only: fold 10 is never read
    codes = db.scp_codes.map(ast.literal_eval)
    labelled = db[codes.map(lambda c: c.get(code, -1) >= likelihood)]
    normal = db[codes.map(lambda c: c.get("NORM", 0) == 100 and code not in c)]
    return labelled, normal.sample(n=min(n_normals, len(normal)), random_state=seed)


def run_ptbxl(folder: Path, n_normals: int, seed: int) -> dict:
    import mirage_model as mm

    avb, normal = labelled_and_normal(folder, "1AVB", n_normals, seed)
    rows = []
    for group, df in (("1AVB", avb), ("normal", normal)):
        for _, r in df.iterrows():
            rec = mm.load_record(folder / f"{r.filename_lr}.hea")
            rows.append({"ecg_id": int(r.ecg_id), "group": group, **_both(rec)})
    for group in ("1AVB", "normal"):
        g = [r for r in rows if r["group"] == group]
        print(f"{group}: {len(g)} records")
        for k in ("unet", "rules"):
            v = np.asarray([r[k] for r in g if r[k] is not None])
            q = np.percentile(v, [5, 25, 50, 75, 95])
            print(f"  {k:>5}: PR given {v.size}, None {len(g) - v.size}; percentiles 5/25/50/75/95 "
                  f"{' / '.join(f'{x:.0f}' for x in q)} ms; < 200 ms {int((v < 200).sum())} "
                  f"({100 * (v < 200).mean():.0f} %), > 200 ms {int((v > 200).sum())}")
        both = [r for r in g if r["unet"] is not None and r["rules"] is not None]
        d = np.asarray([r["unet"] - r["rules"] for r in both])
        print(f"  unet - rules on {len(both)}: mean {d.mean():+.1f}, median {np.median(d):+.1f} ms; "
              f"unet < 200 <= rules {sum(r['unet'] < 200 <= r['rules'] for r in both)}, "
              f"rules < 200 <= unet {sum(r['rules'] < 200 <= r['unet'] for r in both)}")
        notes: dict[str, int] = {}
        for r in g:
            if r["unet"] is None:
                key = r["pr_note"].split("(")[0].strip() or "(no PR note)"
                notes[key] = notes.get(key, 0) + 1
        print(f"  why no PR: {notes}")
    return {"rows": rows}


def plot(path: Path, out: Path) -> None:
    """The median beat of lead II and V1 with both delineators' per-lead P and QRS onsets."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import mirage_model as mm

    ludb = path.with_suffix(".i").is_file()               # LUDB: read its stored microvolts (eval_ludb)
    rec = load_ludb_record(path.with_suffix("")) if ludb else mm.load_record(path)
    fig, axes = plt.subplots(3, 1, figsize=(9, 8), sharex=True)
    for name, cfg in (("unet", None), ("rules", RULES)):
        m = measure(rec, cfg)
        med = m.median
        t = (np.arange(med.signal.shape[1]) - med.anchor) * 1000.0 / med.fs
        for ax, li, lead in zip(axes, (1, 6, 10), ("II", "V1", "V5")):
            if name == "unet":
                ax.plot(t, med.signal[li], "k", lw=1)
                ax.set_ylabel(lead)
            for key, col in (("p_on", "tab:green"), ("p_off", "tab:olive"), ("qrs_on", "tab:red")):
                v = med.lead_fiducials[key][li]
                if np.isfinite(v):
                    ax.axvline((v - med.anchor) * 1000.0 / med.fs, color=col,
                               ls="-" if name == "unet" else "--", lw=1)
    mu = measure(rec)
    axes[0].set_title(f"{path.stem}: PR unet {mu.pr_ms} ms, rules {m.pr_ms} ms "
                      "(solid: unet, dashed: rules; green P on, olive P off, red QRS on)", fontsize=9)
    axes[-1].set_xlabel("ms from the anchor (R)")
    fig.tight_layout()
    fig.savefig(out, dpi=90)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=("ludb", "ptbxl", "plot"))
    ap.add_argument("path", type=Path)
    ap.add_argument("out", type=Path, nargs="?", help="plot: the PNG")
    ap.add_argument("--normals", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    import torch
    torch.set_num_threads(1)
    if args.what == "plot":
        plot(args.path, args.out)
        return 0
    res = run_ludb(args.path) if args.what == "ludb" else run_ptbxl(args.path, args.normals, args.seed)
    if args.json:
        args.json.write_text(json.dumps(res), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
