"""Does mirage_model.measure read a long QT as a normal QTc? PTB-XL's long-QT records (LNGQT) against normal ones.

An investigation of the measurement's QT and the interpretation's prolonged-QTc rule (``interpret.qtc``):

    python scripts/qt_agreement.py ptbxl PTBXL_DIR [--normals 200] [--seed 0] [--json OUT]
    python scripts/qt_agreement.py plot PTBXL_DIR ECG_ID OUT.png

``ptbxl`` measures every record of folds 1-8 labelled LNGQT and ``--normals`` drawn at random (``--seed``) of those
labelled NORM (likelihood 100) without LNGQT (fold 10 is never read), each with the default MeasureConfig: QT, QTc
(Bazett, Fridericia), whether the rules alone (no statements model: it was trained on these folds) state
"Prolonged QTc" and whether marked, the cart's own words on the QT in the ``report`` column, and the tangent-method
T end in leads II and V5 (``delineate.tangent_t_end``) against the delineator's T end in the same lead.
``plot`` draws a record's 12 median beats with each lead's T end (the delineator's) and, in II and V5, the tangent.

Figures (2026-12-07, default MeasureConfig, ``ptbxl /root/data/ptbxl``; README *Measurements* reads them):
    LNGQT: 94 records; prolonged QTc stated 38, marked 7, not said 49; QTc Bazett percentiles 5/25/50/75/95
      409 / 432 / 458 / 479 / 502; QT marked unreliable (T end uncertain) 47: 27 with no prolonged QTc said
      II: tangent - delineator QT, n 59, median +41.5 ms, > 40 ms 30, < -40 ms 2
      V5: n 75, median +34.9 ms, > 40 ms 32, < -40 ms 2
    NORM: 200 records; prolonged QTc stated 6, marked 1, not said 193; 381 / 401 / 414 / 428 / 449;
      QT marked unreliable 4, none beside a prolonged QTc
      II: n 199, median -1.9 ms, > 40 ms 4; V5: n 197, median -5.3 ms, > 40 ms 3
  Before the mark (the same measurement, without ``t_end``): LNGQT stated 39, marked 6; NORM 6 and 1.
  What-ifs on the same median beats, QTc Bazett at or past the sex limit (LNGQT of 94 / NORM of 200): as measured
  49 / 8; the tangent's QT in II or V5 where it is > 40 ms longer 72 / 12; the longer of the delineator's II and V5
  61 / 13 (both beyond 1 % more false prolonged QTc on NORM: not taken).
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import re
import sys
from pathlib import Path

import numpy as np

from mirage_model.measure import measure
sys.path.insert(0, str(Path(__file__).resolve().parent))
from pr_agreement import labelled_and_normal  # noqa: E402

from mirage_model.measure import QT_UNRELIABLE_NOTE  # noqa: E402
from mirage_model.measure.filters import smooth
from mirage_model.measure.results import MeasureConfig
from mirage_model.measure.tangent import TANGENT_LEADS, tangent_t_end
from mirage_model.records import STANDARD_LEADS
# the cart's reading of a long QT in PTB-XL's report column (English and German carts)
CART_LONG_QT = re.compile(r"prolonged qt|long qt|qt-verl|qt verl|qt-zeit verl", re.IGNORECASE)


def lead_t_ends(m, cfg: MeasureConfig | None = None) -> dict:
    """Per lead of ``TANGENT_LEADS``: the delineator's QT and the tangent method's (ms from that lead's QRS onset;
    None where not found), read on ``m``'s median beat (``measure.MedianBeat``)."""
    cfg = cfg or MeasureConfig()
    mb = m.median
    out = {}
    if mb is None or not np.isfinite(mb.fiducials.get("qrs_on", np.nan)):
        return out
    fs, c, g = mb.fs, mb.anchor, mb.fiducials
    qrs_on, qrs_off = int(g["qrs_on"]), int(g["qrs_off"])
    rr = float(m.rr_ms) * fs / 1000.0
    start = qrs_off + int(round(0.06 * fs))
    stop = min(mb.signal.shape[1], c + int(min(0.7 * rr, 0.65 * fs)))
    hard = min(mb.signal.shape[1] - 1, c + int(0.85 * rr))
    for lead in TANGENT_LEADS:
        li = STANDARD_LEADS.index(lead)
        x = mb.signal[li]
        lq, lt = mb.lead_fiducials["qrs_on"][li], mb.lead_fiducials["t_off"][li]
        q = lq if np.isfinite(lq) else qrs_on
        if not np.isfinite(x).all():
            continue
        base = x[max(0, qrs_on - int(round(0.01 * fs)))]
        y = smooth((x - base)[None], fs, cfg.t_lowpass_hz)[0]
        k = tangent_t_end(y, start, stop, fs, cfg.tangent_min_mv, hard)
        out[lead] = {"delineator_ms": round((lt - q) * 1000 / fs, 1) if np.isfinite(lt) else None,
                     "tangent_ms": round((k - q) * 1000 / fs, 1) if k is not None else None}
    return out


def prolonged_stated(m, sex, age) -> str:
    """"stated", "marked" or "": the rules' "Prolonged QTc" on ``m`` (no statements model), with the measurement's
    T-end doubt as ``interpret_prediction`` passes it."""
    from mirage_model.review.interpret import interpret
    from mirage_model.review.measurements import qt_doubt

    it = interpret([], [], [], measurements=m.as_dict(), sex=sex, irregular=m.rhythm_irregular, age=age,
                   t_end=qt_doubt(m))
    said = [s for s in it.statements if s.rule_id == "prolonged_qtc"]
    return "" if not said else ("marked" if said[0].note else "stated")


def run_ptbxl(root: Path, n_normals: int, seed: int) -> list[dict]:
    import mirage_model as mm

    long_qt, normal = labelled_and_normal(root, "LNGQT", n_normals, seed, likelihood=0.0)
    rows = []
    for group, df in (("LNGQT", long_qt), ("NORM", normal)):
        for _, r in df.iterrows():
            rec = mm.load_record(root / f"{r.filename_lr}.hea")
            m = measure(rec)
            rows.append({"ecg_id": int(r.ecg_id), "group": group, "fold": int(r.strat_fold), "sex": rec.sex,
                         "age": rec.age, "likelihood": ast.literal_eval(r.scp_codes).get("LNGQT"),
                         "cart_long_qt": bool(CART_LONG_QT.search(str(r.report))), "report": str(r.report),
                         "hr": m.heart_rate_bpm, "qrs": m.qrs_ms, "qt": m.qt_ms, "qtc_b": m.qtc_bazett_ms,
                         "qtc_f": m.qtc_fridericia_ms, "irregular": m.rhythm_irregular,
                         "stated": prolonged_stated(m, rec.sex, rec.age), "leads": lead_t_ends(m),
                         "t_end_doubt": any(n.startswith(QT_UNRELIABLE_NOTE) for n in m.notes),
                         "notes": [n for n in m.notes if n.startswith(("QT", "rate"))]})
    return rows


def summary(rows: list[dict]) -> list[str]:
    out = []
    for group in ("LNGQT", "NORM"):
        g = [r for r in rows if r["group"] == group]
        stated = sum(r["stated"] == "stated" for r in g)
        marked = sum(r["stated"] == "marked" for r in g)
        qt = np.asarray([r["qtc_b"] for r in g if r["qtc_b"] is not None])
        out.append(f"{group}: {len(g)} records, QTc given {qt.size}; prolonged QTc stated {stated}, marked {marked}, "
                   f"not said {len(g) - stated - marked}; QTc Bazett percentiles 5/25/50/75/95 "
                   + " / ".join(f"{v:.0f}" for v in np.percentile(qt, [5, 25, 50, 75, 95])))
        doubt = [r for r in g if r.get("t_end_doubt")]
        out.append(f"  QT marked unreliable (T end uncertain) {len(doubt)}: of those with no prolonged QTc said "
                   f"{sum(r['stated'] == '' for r in doubt)}, of those said {sum(r['stated'] != '' for r in doubt)}")
        if group == "LNGQT":
            cart = [r for r in g if r["cart_long_qt"]]
            said = [sum(r["stated"] == w for r in cart) for w in ("stated", "marked")]
            out.append(f"  the cart's report says a long QT on {len(cart)}: stated {said[0]}, marked {said[1]}")
        for lead in TANGENT_LEADS:
            d = np.asarray([r["leads"][lead]["tangent_ms"] - r["leads"][lead]["delineator_ms"] for r in g
                            if lead in r["leads"] and None not in r["leads"][lead].values()])
            if d.size:
                out.append(f"  {lead}: tangent - delineator QT, n {d.size}, median {np.median(d):+.1f} ms, "
                           f"> 40 ms {int((d > 40).sum())}, < -40 ms {int((d < -40).sum())}")
    return out


def what_ifs(rows: list[dict]) -> list[str]:
    """QTc Bazett at or past the sex limit (450 ms men, 460 women) per group: as measured, with the tangent's QT in II
    or V5 where it is more than 40 ms longer than the delineator's in that lead, and with the longer of the
    delineator's II and V5 QT (its calibration, -1 ms, added) in place of the median over leads."""
    out = []
    for group in ("LNGQT", "NORM"):
        n = [0, 0, 0]
        g = [r for r in rows if r["group"] == group and r["qt"] is not None]
        for r in g:
            limit, root_rr = (460.0 if r["sex"] == "F" else 450.0), math.sqrt(60.0 / r["hr"])
            ends = [r["leads"][ld] for ld in TANGENT_LEADS if ld in r["leads"]]
            longer = [e["tangent_ms"] - e["delineator_ms"] for e in ends if None not in e.values()]
            own = [e["delineator_ms"] - 1.0 for e in ends if e["delineator_ms"] is not None]
            for i, qt in enumerate((r["qt"], r["qt"] + max([d for d in longer if d > 40] or [0.0]),
                                    max(own) if own else r["qt"])):
                n[i] += qt / root_rr >= limit
        out.append(f"{group}: QTc Bazett past the limit, of {len(g)}: as measured {n[0]}, the tangent's QT where "
                   f"> 40 ms longer {n[1]}, the longer of II and V5 {n[2]}")
    return out


def plot(root: Path, ecg_id: int, out: Path) -> None:
    """The 12 median beats of PTB-XL ``ecg_id`` (folds 1-9 only) with each lead's T end and the tangents."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    import mirage_model as mm

    db = pd.read_csv(root / "ptbxl_database.csv", index_col="ecg_id")
    row = db.loc[ecg_id]
    if int(row.strat_fold) == 10:
        raise SystemExit(f"{ecg_id}: fold 10 is never read")
    m = measure(mm.load_record(root / f"{row.filename_lr}.hea"))
    mb, cfg = m.median, MeasureConfig()
    fs, g = mb.fs, mb.fiducials
    t = (np.arange(mb.signal.shape[1]) - g["qrs_on"]) * 1000 / fs
    fig, axes = plt.subplots(3, 4, figsize=(16, 9), sharex=True)
    base = mb.signal[:, max(0, int(g["qrs_on"]) - int(0.01 * fs))]
    for li, (ax, lead) in enumerate(zip(axes.T.ravel(), STANDARD_LEADS)):
        y = mb.signal[li] - base[li]
        ax.plot(t, y, "k", lw=0.8)
        ax.axhline(0, color="0.7", lw=0.5)
        lt = mb.lead_fiducials["t_off"][li]
        if np.isfinite(lt):
            ax.axvline((lt - g["qrs_on"]) * 1000 / fs, color="b", lw=0.8)
        ax.axvline((g["t_off"] - g["qrs_on"]) * 1000 / fs, color="r", lw=0.6, ls="--")
        if lead in TANGENT_LEADS:
            ends = lead_t_ends(m, cfg).get(lead, {})
            if ends.get("tangent_ms") is not None:
                ax.axvline(ends["tangent_ms"] + (mb.lead_fiducials["qrs_on"][li] - g["qrs_on"]) * 1000 / fs,
                           color="g", lw=0.8)
        ax.set_title(lead, fontsize=9)
        ax.grid(alpha=0.3)
    fig.suptitle(f"PTB-XL {ecg_id}: QT {m.qt_ms} ms, QTc B {m.qtc_bazett_ms} F {m.qtc_fridericia_ms}, HR "
                 f"{m.heart_rate_bpm}; blue: lead's T end, red: global, green: tangent (II, V5)\n{row.report[:150]}",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=80)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("ptbxl")
    a.add_argument("root", type=Path)
    a.add_argument("--normals", type=int, default=200)
    a.add_argument("--seed", type=int, default=0)
    a.add_argument("--json", type=Path)
    b = sub.add_parser("plot")
    b.add_argument("root", type=Path)
    b.add_argument("ecg_id", type=int)
    b.add_argument("out", type=Path)
    args = p.parse_args(argv)
    if args.cmd == "plot":
        plot(args.root, args.ecg_id, args.out)
        return 0
    rows = run_ptbxl(args.root, args.normals, args.seed)
    print("\n".join(summary(rows) + what_ifs(rows)))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
