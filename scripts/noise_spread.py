"""How far muscle or white noise moves each statement's (and each class's) calibrated probability, the spread the
interpretation marks a call by at the noise warning level (``noise_spread``; the "noise" finding's rule:
``QualityConfig.noise_calls_mv``, scripts/noise_calls.py).

``measure``: PTB-XL records (folds asked, never 10, a random sample), each as recorded and with the noise of
scripts/noise_calls.py (``noise_calls.with_noise``: white or muscle-band Gaussian noise throughout 1, 4 or 12 random
leads) at one level per condition, drawn log-uniformly from ``--range`` divided by the square root of the lead count
(so the record's noise load, ``QualityReport.noise_load``, lands around the warning band whatever the lead count);
each scored by the shipped models (default superclass, statements, MI: ``Prediction.probabilities``, calibrated, the
statements model's measured stage applied). Written to ``--out`` (JSON): per record and condition the noise load and
every model's probabilities.

``fit``: per model, label and band of ``noise_spread.BANDS``, the 90th percentile of |delta logit| between a noisy
condition and its record as recorded (``noise_spread.logit``: probabilities clipped to 1e-4..1-1e-4, the
calibration's own ends), over the noisy conditions whose load lies in the band; written into the shipped model's
config.json as its key "noise_spread" (``--write``: that key alone added or replaced, the rest of the file as it
was, weights untouched) or printed.

``check``: the marking rule (``noise_spread.NoiseSpread.marked``) on a measured JSON, against the calls the noise
flipped: of the calls of a noisy condition in the warning band (its load ``noise_calls_mv`` to ``noise_withhold_mv``),
those that differ from the record as recorded (flipped), the share marked (recall); of those marked, the share flipped
(precision); the share of calls marked. Today every call of such a record "may change" (the quality line alone).
Then (``hidden``) the calls the noise took away and how many of them the "may hide" line names
(``noise_spread.may_hide``), and how many names that line has per noisy condition.

    python scripts/noise_spread.py measure --ptbxl ROOT --folds 1-8 --n 400 [--seed 0] --out spread_1_8.json
    python scripts/noise_spread.py fit spread_1_8.json [--write]
    python scripts/noise_spread.py check spread_9.json
    python scripts/noise_spread.py clean DIR ... [--ptbxl ROOT --folds 9 --n 2183]

``clean``: records as recorded (every WFDB record under the folders, and/or PTB-XL): their noise load, and for those
at the warning level the calls marked; below it nothing is marked, whatever the spread. PTB-XL's records among the
Challenge samples (HR#####) are left out unread where their fold is 10 or, without ``--ptbxl``, cannot be told
(``ptbxl.headers_outside_test_fold``).

Single-threaded (torch: one thread).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from noise_calls import KINDS, noisy_conditions, ptbxl_headers  # noqa: E402

from mirage_model.outputs import is_called  # noqa: E402
from mirage_model.quality import QualityConfig  # noqa: E402
from mirage_model.noise_spread import (BANDS, CONFIG_KEY, MAY_HIDE_NAMED, SPREAD_QUANTILE, NoiseSpread,  # noqa: E402
                                       logit)

MODELS = ("default", "statements", "mi")


def measure(headers: list[Path], span, lead_counts, kinds, seed: int) -> dict:
    """{"records": {path: {"clean"|"KIND N": {"load": mV, "mv": level, "leads": [...], MODEL: [(K,) probabilities]}}},
    "labels": {MODEL: labels}, "thresholds": {MODEL: thresholds}, "refused": {path: why}}."""
    import torch

    from mirage_model.inference import Predictor
    from mirage_model.paths import shipped_models

    torch.set_num_threads(1)
    paths = shipped_models()
    preds = {m: Predictor(paths[m], threads=1) for m in MODELS}

    def score(record, sig):
        r = dataclasses.replace(record, signal=np.asarray(sig, np.float32))
        prep = preds["default"].prepare(r)
        got = {m: p.predict(r, explain=False, prepared=prep if m == "default" else p.prepare(r, like=prep))
               for m, p in preds.items()}
        q = got["default"].quality
        return {"load": round(q.noise_load, 5), "gated": bool(q.gated),
                **{m: [round(float(v), 6) for v in g.probabilities] for m, g in got.items()}}

    out, refused = noisy_conditions(headers, score, span, lead_counts, kinds, seed, per_lead=True, digits=5)
    return {"records": out, "refused": refused, "labels": {m: list(p.labels) for m, p in preds.items()},
            "thresholds": {m: [float(t) for t in p.thresholds] for m, p in preds.items()},
            "range": list(span), "leads": list(lead_counts), "kinds": list(kinds), "seed": seed}


def pairs(result: dict, model: str):
    """(load (M,), clean (M, K), noisy (M, K) probabilities) over every noisy condition of ``result``, M of them."""
    loads, clean, noisy = [], [], []
    for states in result["records"].values():
        for cond, s in states.items():
            if cond != "clean":
                loads.append(s["load"])
                clean.append(states["clean"][model])
                noisy.append(s[model])
    return np.array(loads), np.array(clean, dtype=np.float64), np.array(noisy, dtype=np.float64)


def fit(result: dict, model: str) -> dict:
    """The "noise_spread" document of ``model``: per band of ``BANDS`` and label, the ``SPREAD_QUANTILE``
    of |delta logit| over the noisy conditions whose load lies in the band (null where none does)."""
    load, clean, noisy = pairs(result, model)
    delta = np.abs(logit(noisy) - logit(clean))                            # (M, K)
    spread, counts = [], []
    for lo, hi in zip(BANDS[:-1], BANDS[1:]):
        inside = (load >= lo) & (load < hi)
        counts.append(int(inside.sum()))
        spread.append([round(float(v), 3) for v in np.quantile(delta[inside], SPREAD_QUANTILE, axis=0)]
                      if inside.any() else None)
    return {"version": 1, "labels": result["labels"][model], "bands_mv": list(BANDS), "quantile": SPREAD_QUANTILE,
            "spread_logit": spread, "conditions": counts,
            "fitted_on": (f"PTB-XL 100 Hz, {len(result['records'])} records of folds {result.get('folds', '?')}, white "
                          "and muscle "
                          f"(20-45 Hz) noise in {'/'.join(map(str, result['leads']))} random leads "
                          f"(scripts/noise_spread.py, seed {result['seed']})")}


def check(result: dict, spreads: dict[str, NoiseSpread], cfg: QualityConfig = QualityConfig()) -> list[str]:
    """Per model: of the noisy conditions in the warning band, calls (called on the noisy record, as a reader sees
    them) and the labels not called, flipped against the record as recorded, marked, and the rule's recall and
    precision on the calls; then the records as recorded in the band."""
    lines = [f"{'model':<11} {'conds':>5} {'calls':>6} {'flipped':>8} {'marked':>7} {'recall':>7} {'precis':>7} "
             f"{'share':>6} | {'lost':>5} {'lost marked':>11}"]
    for model in MODELS:
        load, clean, noisy = pairs(result, model)
        th = np.array(result["thresholds"][model])
        band = (load >= cfg.noise_calls_mv) & (load < cfg.noise_withhold_mv)
        c_clean = np.vectorize(is_called)(clean[band], th)
        c_noisy = np.vectorize(is_called)(noisy[band], th)
        marked = np.array([spreads[model].marked(p, th, ld) for p, ld in zip(noisy[band], load[band])], dtype=bool)
        calls, flipped = c_noisy, c_noisy != c_clean
        n, f, m = calls.sum(), (calls & flipped).sum(), (calls & marked).sum()
        fm = (calls & flipped & marked).sum()
        lost = ~c_noisy & c_clean
        lines.append(f"{model:<11} {band.sum():>5} {n:>6} {f:>8} {m:>7} {fm / max(f, 1):>7.1%} {fm / max(m, 1):>7.1%} "
                     f"{m / max(n, 1):>6.1%} | {lost.sum():>5} {(lost & marked).sum():>11}")
    loads = np.array([r["clean"]["load"] for r in result["records"].values()])
    inside = int(((loads >= cfg.noise_calls_mv) & (loads < cfg.noise_withhold_mv)).sum())
    lines.append(f"records as recorded with a load in the warning band: {inside} of {len(loads)}")
    lines.append("today: every call of a noisy condition in the band 'may change' (recall 100 %, share 100 %, "
                 "precision = flipped / calls)")
    return lines


def hidden(result: dict, spreads: dict[str, NoiseSpread], cfg: QualityConfig = QualityConfig(),
           line_models=("default", "statements"), limit: int = MAY_HIDE_NAMED) -> list[str]:
    """The rule for what the noise may hide (``noise_spread.may_hide``) on the noisy conditions in the warning
    band: per model, the calls the noise took away (called as recorded, not with the noise) and of those the ones
    named (NORM is never named: counted apart); then the line the app and page 1 show for ``line_models`` (the
    loaded model and the statements model beside it): names per noisy condition, and of the calls those models
    lost, the ones among the ``limit`` nearest. The interpretation's own statements (a rhythm guessed below
    threshold), which the line leaves out, are not known here: the counts are before that."""
    from types import SimpleNamespace

    from mirage_model.noise_spread import may_hide

    lines = [f"{'model':<11} {'conds':>5} {'lost':>5} {'NORM':>5} {'named':>6} {'share':>6} | names per condition: "
             f"{'mean':>5} {'median':>6} {'max':>4} {'none':>5}"]
    per_model = {}
    for model in MODELS:
        load, clean, noisy = pairs(result, model)
        labels, th = result["labels"][model], np.array(result["thresholds"][model])
        band = (load >= cfg.noise_calls_mv) & (load < cfg.noise_withhold_mv)
        rows = []
        for pc, pn, ld in zip(clean[band], noisy[band], load[band]):
            called = is_called(pn, th)
            pred = SimpleNamespace(labels=labels, probabilities=pn, thresholds=th,
                                   noise_doubted=tuple(np.array(labels)[spreads[model].marked(pn, th, ld)]),
                                   model_positive=tuple(np.array(labels)[called]))
            lost = {lab for lab, c, n in zip(labels, is_called(pc, th), called) if c and not n}
            rows.append((lost, may_hide(pred)))
        per_model[model] = rows
        lost = sum(len(a) for a, _ in rows)
        norm = sum("NORM" in a for a, _ in rows)
        named = sum(len(a & {lab for lab, _, _ in h}) for a, h in rows)
        counts = np.array([len(h) for _, h in rows])
        lines.append(f"{model:<11} {band.sum():>5} {lost:>5} {norm:>5} {named:>6} {named / max(lost, 1):>6.1%} | "
                     f"{' ' * 21}{counts.mean():>5.2f} {np.median(counts):>6.1f} {counts.max():>4} "
                     f"{(counts == 0).mean():>5.1%}")
    line = [[(way, lab) for m in line_models for lab, _, way in per_model[m][k][1]]
            for k in range(len(per_model[line_models[0]]))]
    counts = np.array([len(names) for names in line])
    lost = [set().union(*(per_model[m][k][0] for m in line_models)) for k in range(len(line))]
    shown = [{lab for _, lab in sorted(names)[:limit]} for names in line]
    n_lost = sum(len(a) for a in lost)
    lines.append(f"the line ({' + '.join(line_models)}), {len(line)} noisy conditions: names per condition mean "
                 f"{counts.mean():.2f}, median {np.median(counts):.0f}, max {counts.max()}; with a line "
                 f"{(counts > 0).mean():.1%}, more than {limit} names {(counts > limit).mean():.1%}; of their "
                 f"{n_lost} calls lost, named {sum(len(a & {lab for _, lab in n}) for a, n in zip(lost, line))}, among "
                 f"the {limit} nearest {sum(len(a & s) for a, s in zip(lost, shown))}; of the {counts.sum()} names, "
                 f"calls lost {sum(len(a & {lab for _, lab in n}) for a, n in zip(lost, line))}")
    return lines


def write_spread(folder: Path, doc: dict) -> None:
    """Set config.json's "noise_spread" of the checkpoint ``folder`` to ``doc`` (checked against its labels), the
    other keys and their order as they were (the file is written as ``save_checkpoint`` writes it); the weights
    and the model card are not touched. Atomic."""
    from mirage_model.checkpoint import CONFIG_NAME
    from mirage_model.paths import atomic_output

    path = Path(folder) / CONFIG_NAME
    config = json.loads(path.read_text(encoding="utf-8"))
    config[CONFIG_KEY] = NoiseSpread.from_dict(doc, config["labels"]).to_dict()
    with atomic_output(path) as tmp:
        tmp.write_text(json.dumps(config, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def read_spread(folder: Path) -> NoiseSpread:
    """The noise spread stored in the checkpoint ``folder`` (``load_checkpoint`` validates it the same way)."""
    from mirage_model.checkpoint import read_checkpoint_config

    config = read_checkpoint_config(folder)
    if config.get(CONFIG_KEY) is None:
        raise SystemExit(f"{folder}: its config.json holds no {CONFIG_KEY}; fit --write first")
    return NoiseSpread.from_dict(config[CONFIG_KEY], config["labels"])


def clean(headers: list[Path], cfg: QualityConfig = QualityConfig()) -> list[str]:
    """Records as recorded: how many read, how many with a noise load at the warning level, and the calls
    (``Prediction.positive``) and marks (``doubted_calls``) of the shipped models on those, and the line of what
    the noise may hide (``interpret.noise_hidden``: the default and statements models, all named)."""
    import torch

    from mirage_model.inference import Predictor, assess_record
    from mirage_model.paths import shipped_models
    from mirage_model.records import RecordError, load_record
    from mirage_model.review.interpret import doubted_calls, interpret_prediction, noise_hidden

    torch.set_num_threads(1)
    preds, read, refused, lines = None, 0, 0, []
    for hea in headers:
        try:
            record = load_record(hea)
            q = assess_record(record)
        except (RecordError, ValueError) as err:
            refused += 1
            print(f"refused {hea}: {err}", file=sys.stderr)
            continue
        read += 1
        if not cfg.noise_calls_mv <= q.noise_load < cfg.noise_withhold_mv:
            continue
        preds = preds or {m: Predictor(shipped_models()[m], threads=1) for m in MODELS}
        said, got = [], {}
        for m, p in preds.items():
            got[m] = p.predict(record, explain=False)
            said.append(f"{m}: {len(got[m].positive)} calls, marked {sorted(doubted_calls(got[m]))}")
        it = interpret_prediction(got["statements"], own=got["default"])
        hides = noise_hidden(got["default"], got["statements"], it, limit=None)
        lines.append(f"{hea.stem}: load {q.noise_load:.3f} mV; " + "; ".join(said) + f"; line: {hides or 'none'}")
    return [f"{read} records read ({refused} refused); at the warning level: {len(lines)}"] + lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="what", required=True)
    m = sub.add_parser("measure")
    m.add_argument("--ptbxl", type=Path, required=True)
    m.add_argument("--folds", default="1-8", help="PTB-XL folds to sample, e.g. 1-8 or 9 (10 is refused)")
    m.add_argument("--n", type=int, default=400)
    m.add_argument("--range", type=float, nargs=2, default=[0.05, 0.25], metavar=("LOW", "HIGH"),
                   help="noise levels times the square root of the lead count, mV RMS (default 0.05 0.25)")
    m.add_argument("--leads", type=int, nargs="+", default=[1, 4, 12])
    m.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--out", type=Path, required=True)
    f = sub.add_parser("fit")
    f.add_argument("measured", type=Path)
    f.add_argument("--write", action="store_true",
                   help=f"store it in resources/models/<model>/config.json (key {CONFIG_KEY!r})")
    c = sub.add_parser("check")
    c.add_argument("measured", type=Path)
    k = sub.add_parser("clean")
    k.add_argument("folders", type=Path, nargs="*")
    k.add_argument("--ptbxl", type=Path, default=None)
    k.add_argument("--folds", default="9")
    k.add_argument("--n", type=int, default=2183)
    args = ap.parse_args(argv)
    if args.what == "clean":
        lo, _, hi = args.folds.partition("-")
        folds = range(int(lo), int(hi or lo) + 1)
        if args.ptbxl is not None and 10 in folds:
            print("fold 10 is the test fold: not read", file=sys.stderr)
            return 2
        from mirage_model.records.ptbxl import DATABASE_NAME, headers_outside_test_fold

        table = args.ptbxl / DATABASE_NAME if args.ptbxl else None
        headers = [hea for folder in args.folders for hea in headers_outside_test_fold(folder, table)]
        headers += ptbxl_headers(args.ptbxl, folds, args.n, 0) if args.ptbxl else []
        for line in clean(headers):
            print(line)
        return 0
    if args.what == "measure":
        lo, _, hi = args.folds.partition("-")
        folds = range(int(lo), int(hi or lo) + 1)
        if 10 in folds:
            print("fold 10 is the test fold: not read", file=sys.stderr)
            return 2
        result = measure(ptbxl_headers(args.ptbxl, folds, args.n, args.seed), args.range, args.leads, args.kinds,
                         args.seed)
        result["folds"] = args.folds
        args.out.write_text(json.dumps(result))
        return 0
    try:
        result = json.loads(args.measured.read_text())
    except (OSError, ValueError) as err:
        print(f"cannot read {args.measured}: {err}", file=sys.stderr)
        return 2
    from mirage_model.paths import shipped_models

    if args.what == "fit":
        for model in MODELS:
            doc = fit(result, model)
            if args.write:
                write_spread(shipped_models()[model], doc)
            print(model, doc["conditions"], json.dumps(doc["spread_logit"])[:400])
        return 0
    spreads = {m: read_spread(shipped_models()[m]) for m in MODELS}
    for line in check(result, spreads) + hidden(result, spreads):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
