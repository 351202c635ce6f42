"""``mirage robustness``: how recording faults change a model's calls, and whether quality checks see them.

For every record (records the model never trained on: LUDB, PTB-XL fold 10, a Challenge folder)
the model scores the clean record and each perturbed copy (``mirage_model.perturb.PRESETS``: mains,
baseline wander, muscle noise, electrode motion, gain, a lead zeroed, electrode reversals, all
applied at the record's native rate with a per-record seed; ``--draws N`` draws the seeded ones N
times and reports each draw and the mean). Per perturbation the table gives the share of records
whose positive set (the model's thresholds) changes, the calls added and removed per class, the
share that ``mirage_model.quality.assess`` gates (verdict not "usable") and the
detection rate of each quality finding (present on the perturbed copy, absent on the clean one).
Writes a Markdown table (``--out``) and a CSV (same name, .csv; an ``--out`` ending in .csv names
the CSV and the table gets .md); an earlier run's are replaced only with ``--overwrite``. Research
use only.
"""

from __future__ import annotations

import argparse
import csv
import logging
import math
import re
import sys
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from tqdm import tqdm

from mirage_model.clinical import record_values
from mirage_model.records import RecordError, find_records, load_record
from mirage_model.review.batch.inputs import labs_lookup
from mirage_model.review.batch.errors import BatchError
from mirage_model.perturb import PRESETS, SEEDED, apply, at_rate
from mirage_model.paths import atomic_output, atomic_write_text
from mirage_model.quality import assess
from mirage_model.runtime import set_threads
from training_cli.engine.data import DataOptions, open_index
from training_cli.engine.errors import ConfigError, DataError, UsageError
from training_cli.engine.ptbxl import fitted_split_warning, fold_split
from training_cli.engine.split_record import same_root
from mirage_model.review.labs_table import labs_not_given_note
from training_cli.engine.checkpoints import load_predictor
from training_cli.options import MODEL_HELP, add_overwrite_arg, check_labs_file, command_parser, count
from training_cli.outputs import check_output_file, refuse_earlier_outputs

log = logging.getLogger(__name__)

DEFAULT_PERTURBATIONS = (
    "mains 50 Hz 0.1 mV", "mains 60 Hz 0.1 mV", "baseline wander 0.3 Hz 0.5 mV", "muscle noise 0.05 mV",
    "electrode motion 0.5 mV", "gain x2 all leads", "gain x2 lead V2", "lead II zeroed", "lead V1 zeroed",
    "reversal LA/RA", "reversal LA/LL", "reversal RA/LL", "reversal RA/RL", "reversal V1/V2",
)


def robustness_command_parser(subparsers=None) -> argparse.ArgumentParser:
    """The parser of ``mirage robustness`` (a subcommand when ``subparsers`` is given, else standalone)."""
    p = command_parser(subparsers, "robustness",
                       description=__doc__.split("\n\n")[0] + " " + __doc__.split("\n\n")[1])
    p.add_argument("--model", type=Path, default=None,
                   help=MODEL_HELP)
    p.add_argument("--data", type=Path, action="append", required=True,
                   help="folder of records (WFDB / Challenge, searched recursively); a PTB-XL root (with "
                   "ptbxl_database.csv) is read by --fold. The other commands' forms ptbxl:ROOT, "
                   "challenge:ROOT and folder:ROOT are taken too. Repeat for several")
    p.add_argument("--labs", type=Path, default=None,
                   help="labs CSV: first column the record id, one column per feature, each record's row found as "
                   "mirage score --labs finds it (a model trained with labs reads them; without, they are masked)")
    p.add_argument("--fold", type=int, default=10,
                   help="PTB-XL strat_fold (1-10) to use from a PTB-XL root (default 10)")
    p.add_argument("--limit", type=int, default=None, help="at most this many records per --data (first in order)")
    p.add_argument("--include-trained", action="store_true",
                   help="also score the records of the model's own training and validation split where --data is "
                   "the data its checkpoint names (default: left out, saying how many; where its split cannot be "
                   "made again here, all are scored with a warning)")
    p.add_argument("--perturbations", default=",".join(DEFAULT_PERTURBATIONS),
                   help="comma-separated names from mirage_model.perturb.PRESETS, or 'all' "
                   "(default: the 14 of the README table)")
    p.add_argument("--rate", type=float, default=None,
                   help="resample every record to this rate (Hz) before perturbing, e.g. 500 for PTB-XL's 100 Hz "
                   "files: white noise then reaches the model as it would from a 500 Hz recording (default: "
                   "each record's own rate)")
    p.add_argument("--seed", type=int, default=0, help="base seed (record i uses seed + i)")
    p.add_argument("--draws", type=int, default=1,
                   help="noise draws of each seeded perturbation (mains, wander, muscle noise, electrode "
                   "motion): seeds SEED, SEED + 1000, ...; the table gives each draw's count and the mean")
    p.add_argument("--out", type=Path, default=Path("robustness.md"),
                   help="Markdown table; the CSV goes next to it, same name with .csv (an --out ending in "
                   ".csv names the CSV, and the table gets .md)")
    add_overwrite_arg(p, "the table and CSV")
    p.add_argument("--device", default="auto", help="auto (GPU when present), cpu or cuda")
    p.add_argument("--threads", type=count(1), default=1, help="torch threads (default 1)")
    p.add_argument("--chunk-size", type=count(1), default=16, help="records per batched forward pass")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    p.set_defaults(func=run)
    return p


_SPEC = re.compile(r"^(ptbxl|challenge|folder):(.+)$", re.IGNORECASE)


def data_folder(data: Path) -> Path:
    """The folder of one ``--data``: a path, or ``ptbxl:ROOT`` / ``challenge:ROOT`` / ``folder:ROOT``
    as the other commands take it.

    Raises:
        UsageError: the folder is missing, or a ``ptbxl:`` root has no ptbxl_database.csv.
    """
    match = _SPEC.match(str(data))
    kind, folder = (match.group(1).lower(), Path(match.group(2)).expanduser()) if match else (None, data)
    if not folder.is_dir():
        what = "not a folder" if folder.exists() else "folder not found"
        raise UsageError(f"error: --data {data}: " + (f"{folder}: {what}" if match else what))
    if kind == "ptbxl" and not (folder / "ptbxl_database.csv").is_file():
        raise UsageError(f"error: --data {data}: no ptbxl_database.csv in {folder} (give the PTB-XL root)")
    return folder


def ptbxl_folds(folder: Path) -> set[int]:
    """The strat_fold values of a PTB-XL root's table (empty when ``folder`` is no PTB-XL root)."""
    table = folder / "ptbxl_database.csv"
    if not table.is_file():
        return set()
    with open(table, newline="") as fh:
        return {int(float(r["strat_fold"])) for r in csv.DictReader(fh) if (r.get("strat_fold") or "").strip()}


def _record_paths(folder: Path, fold: int) -> list[Path]:
    table = folder / "ptbxl_database.csv"
    if table.is_file():
        with open(table, newline="") as fh:
            return [folder / (r["filename_lr"] + ".hea") for r in csv.DictReader(fh)
                    if (r.get("strat_fold") or "").strip() and int(float(r["strat_fold"])) == fold]
    return find_records(folder)


def records_trained_on(provenance: dict | None, folder: Path, paths: list[Path],
                       fold: int) -> set[Path] | str | None:
    """Which of ``paths`` (records of ``folder``) the model was trained or validated on, split as
    ``mirage evaluate`` splits a model's own data again (``engine.data.open_index``): None when the
    checkpoint names other data, the reason in words when its split cannot be made again here.
    PTB-XL: folds 1-8 train, 9 validation."""
    provenance = provenance or {}
    kind = str(provenance.get("data", "")).partition(":")[0].strip().lower()
    here = SimpleNamespace(kind="ptbxl" if (folder / "ptbxl_database.csv").is_file() else kind, root=folder)
    if not same_root(provenance.get("data", ""), here):
        return None
    if here.kind == "ptbxl":
        return set(paths) if fold <= 9 else set()

    def beside(key):    # the checkpoint keeps a table's name: the folder's own, as a folder dataset has it
        name = provenance.get(key)
        return str(folder / Path(name).name) if name and (folder / Path(name).name).is_file() else None
    options = DataOptions(data=f"{kind}:{folder}", task=provenance.get("task"), labels=beside("labels_file"),
                          labs=beside("labs_file") if provenance.get("group_by_labs") else None,
                          label_map=beside("label_map_file"),
                          split_file=provenance.get("split_file"), seed=int(provenance.get("seed") or 0))
    try:
        ds = open_index(options, models=[("the model", provenance)])
    except (ConfigError, DataError, UsageError, OSError) as err:
        return str(err).removeprefix("error: ")
    seen = {Path(it.path).with_suffix("").resolve() for it in ds.items if it.split in ("train", "val")}
    return {p for p in paths if Path(p).with_suffix("").resolve() in seen}


def load_records(folders: list[Path], fold: int, limit: int | None, labs: Path | None = None, skip=None):
    """Records from each folder (at most ``limit`` each, after those ``skip`` (folder -> paths) leaves out);
    unreadable ones are listed, not fatal.

    Returns:
        (records, failed, clinical): ``clinical`` each record's values as ``mirage score`` scores it (its
        own, with its row of the labs table ``labs`` over them, found as score finds it: ``labs_lookup``).

    Raises:
        UsageError: the labs table cannot be read (naming it).
    """
    records, failed, clinical = [], [], []
    for folder in folders:
        paths = [p for p in _record_paths(folder, fold) if p not in (skip or {}).get(folder, ())]
        if limit is not None:
            paths = paths[:limit]
        lookup = None
        if labs is not None:
            try:
                lookup = labs_lookup(labs, folder, paths)
            except BatchError as err:
                raise UsageError(f"error: {err}") from None
        for path in paths:
            try:
                records.append(load_record(path))
            except RecordError as err:
                failed.append(str(err))
                continue
            clinical.append({**record_values(records[-1]), **(lookup.values(path) if lookup is not None else {})})
    return records, failed, clinical


def _scores(predictor, records, chunk: int, bar=None, clinical=None) -> list[tuple[str, ...]]:
    out = []
    for i in range(0, len(records), chunk):
        part = records[i:i + chunk]
        values = clinical[i:i + chunk] if clinical is not None else [record_values(r) for r in part]
        preds = predictor.predict_batch(part, values, explain=False)
        out.extend(p.model_positive for p in preds)   # the model's own calls: the gate is measured apart
        if bar is not None:
            bar.update(len(part))
    return out


def draws_of(name: str, draws: int) -> int:
    """How many draws a perturbation gets: ``draws`` when it draws from its seed (``perturb.SEEDED``),
    else one (its copies are the same for every seed)."""
    return draws if name in SEEDED else 1


def draw_seeds(seed: int, draws: int, n: int) -> list[int]:
    """Base seeds of ``draws`` noise draws over ``n`` records: seed, seed + 1000, ... (the step is the
    next multiple of 1000 at or above ``n``, so no record's seed recurs in another draw)."""
    step = 1000 * max(1, math.ceil(n / 1000))
    return [seed + k * step for k in range(draws)]


def benchmark(predictor, records, perturbations, seed: int = 0, chunk: int = 16, bar=None, draws: int = 1,
              clinical: list[dict] | None = None) -> dict:
    """Run the benchmark; a perturbation that draws from its seed (``perturb.SEEDED``) is drawn
    ``draws`` times (``draw_seeds``), the others once (their copies are the same for every seed).
    ``clinical``: each record's values (``load_records``), the same for its perturbed copies; None: its own.

    Returns:
        {"labels": (K,), "n": records, "clean": {"positive_rate": {label: share}, "findings":
        {code: share}, "gated": share}, "rows": [one dict per perturbation: "name", "changed"
        (share, mean over draws), "changed_n" (records, mean over draws), "changed_draws" (records
        per draw), "seeds" (base seed per draw), "added" / "removed" {label: calls per draw, mean},
        "gated", "findings" {code: share newly raised, mean over draws}, "seconds"]}.
    """
    labels = predictor.labels
    clean_pos = _scores(predictor, records, chunk, bar, clinical)
    clean_q = [assess(r) for r in records]
    n = len(records)
    clean_codes = [set(q.codes) for q in clean_q]
    result = {
        "labels": list(labels), "n": n,
        "clean": {
            "positive_rate": {lab: sum(lab in p for p in clean_pos) / n for lab in labels},
            "findings": {c: k / n for c, k in Counter(c for cs in clean_codes for c in cs).most_common()},
            "gated": sum(q.gated for q in clean_q) / n,
        },
        "rows": [],
    }
    for name in perturbations:
        t0 = time.perf_counter()
        seeds = draw_seeds(seed, draws_of(name, draws), n)
        added, removed, new = Counter(), Counter(), Counter()
        changed, gated, same = [], 0, None
        for base in seeds:
            pert = [apply(r, name, base + i) for i, r in enumerate(records)]
            if same is None:      # a copy the fault left as it was (mains 60 Hz at 100 Hz: above Nyquist) tests nothing
                same = [r for r, p in zip(records, pert) if np.array_equal(r.signal, p.signal, equal_nan=True)]
            pos = _scores(predictor, pert, chunk, bar, clinical)
            qs = [assess(r) for r in pert]
            changed.append(sum(set(a) != set(b) for a, b in zip(clean_pos, pos)))
            for a, b in zip(clean_pos, pos):
                added.update(set(b) - set(a))
                removed.update(set(a) - set(b))
            new.update(c for q, cs in zip(qs, clean_codes) for c in set(q.codes) - cs)
            gated += sum(q.gated for q in qs)
        k = len(seeds)
        result["rows"].append({
            "name": name, "changed": sum(changed) / (n * k), "changed_n": sum(changed) / k,
            "changed_draws": changed, "seeds": seeds,
            "added": {lab: added[lab] / k for lab in labels if added[lab]},
            "removed": {lab: removed[lab] / k for lab in labels if removed[lab]},
            "gated": gated / (n * k),
            "findings": {c: m / (n * k) for c, m in new.most_common()},
            "seconds": round(time.perf_counter() - t0, 1),
            "unchanged": len(same or ()), "unchanged_rates": sorted({float(r.fs) for r in same or ()}),
        })
    return result


def _count(v: float) -> str:
    return f"{v:g}" if float(v).is_integer() else f"{v:.1f}"


def _calls(d: dict) -> str:
    return " ".join(f"{k} {_count(v)}" for k, v in d.items()) or "-"


def _changed(row: dict, n: int) -> str:
    """"9% (9/100)", or over several draws "9.2% (9, 13, 9, 8, 7 of 100)"."""
    if len(row["changed_draws"]) == 1:
        return f"{row['changed']:.0%} ({row['changed_draws'][0]}/{n})"
    return f"{row['changed']:.1%} ({', '.join(map(str, row['changed_draws']))} of {n})"


def _findings(d: dict, min_share: float = 0.05) -> str:
    shown = [f"{c} {s:.0%}" for c, s in d.items() if s >= min_share]
    return ", ".join(shown) or "-"


def to_markdown(result: dict, model_name: str, data_desc: str, labs_note: str = "") -> str:
    """The table; ``labs_note`` (``labs_not_given_note``): the labs the model reads that were masked."""
    n = result["n"]
    clean = result["clean"]
    seeds = max((row["seeds"] for row in result["rows"]), key=len, default=[])   # the most drawn row's
    lines = [
        f"Model: {model_name}. Records: {n} ({data_desc})."
        + (f" Seeded perturbations: {len(seeds)} noise draws (base seeds {', '.join(map(str, seeds))}); their "
           "calls, gated share and findings are means per draw." if len(seeds) > 1 else ""),
        f"Clean records: gated {clean['gated']:.0%}; positive rate "
        + ", ".join(f"{k} {v:.0%}" for k, v in clean["positive_rate"].items())
        + "; findings " + _findings(clean["findings"]) + ".",
        *([f"Labs: {labs_note.removeprefix('note: ')}, on the clean and on every perturbed copy."]
          if labs_note else []),
        "",
        "| perturbation | positive set changed | calls added | calls removed | gated | findings raised (new vs clean, >= 5 %) |",
        "|---|---|---|---|---|---|",
    ]
    for row in result["rows"]:
        mark = " (records left unchanged: below)" if row.get("unchanged") else ""
        lines.append(f"| {row['name']}{mark} | {_changed(row, n)} | {_calls(row['added'])} | "
                     f"{_calls(row['removed'])} | {row['gated']:.0%} | {_findings(row['findings'])} |")
    notes = [unchanged_note(row, n) for row in result["rows"] if row.get("unchanged")]
    return "\n".join(lines + ([""] + notes if notes else [])) + "\n"


def unchanged_note(row: dict, n: int) -> str:
    """What a perturbation that left records as they were measured: nothing on them. "mains 60 Hz 0.1 mV left 8 of
    8 records as they were (at 100 Hz, whose Nyquist frequency is 50 Hz): its row measures no fault on them; --rate
    500 resamples the records before perturbing". Its row had read "0% changed, gated 0%", as if the
    model and the quality gate withstood 60 Hz mains that no copy carried."""
    rates = row.get("unchanged_rates") or []
    mains = row["name"].startswith("mains") and rates
    at = f" (at {', '.join(f'{r:g}' for r in rates)} Hz" if rates else ""
    at += f", whose Nyquist frequency is {max(rates) / 2:g} Hz)" if mains else ")" if rates else ""
    return (f"{row['name']} left {row['unchanged']} of {n} records as they were{at}: its row measures no fault on "
            "them" + ("; --rate 500 resamples the records before perturbing" if mains else ""))


def write_csv(path: Path, result: dict) -> None:
    codes = sorted({c for row in result["rows"] for c in row["findings"]})
    labels = result["labels"]
    with atomic_output(path) as tmp, open(tmp, "x", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["perturbation", "records", "draws", "positive_set_changed", "changed_per_draw", "gated"]
                   + [f"added_{k}" for k in labels] + [f"removed_{k}" for k in labels]
                   + [f"finding_{c}" for c in codes])
        for row in result["rows"]:
            w.writerow([row["name"], result["n"], len(row["changed_draws"]), f"{row['changed']:.4f}",
                        " ".join(map(str, row["changed_draws"])), f"{row['gated']:.4f}"]
                       + [_count(row["added"].get(k, 0)) for k in labels]
                       + [_count(row["removed"].get(k, 0)) for k in labels]
                       + [f"{row['findings'].get(c, 0.0):.4f}" for c in codes])


def _data_name(folder: Path) -> str:
    """A folder's name for the table ("ludb/data" rather than a bare "data")."""
    folder = folder.resolve()
    generic = folder.name.lower() in ("data", "records", "files", "wfdb")
    return f"{folder.parent.name}/{folder.name}" if generic else folder.name


def output_paths(out: Path) -> tuple[Path, Path]:
    """(Markdown table, CSV) of ``--out``: OUT and OUT with .csv; an OUT ending in .csv is the CSV's
    name and the table's is OUT with .md (never one file for both)."""
    if out.suffix.lower() == ".csv":
        return out.with_suffix(".md"), out
    return out, out.with_suffix(".csv")


def run(args) -> int:
    md_path, csv_path = output_paths(args.out)
    names = list(PRESETS) if args.perturbations.strip() == "all" else \
        [s.strip() for s in args.perturbations.split(",") if s.strip()]
    unknown = [s for s in names if s not in PRESETS]
    if unknown:
        raise UsageError(f"error: unknown perturbation(s): {', '.join(unknown)} (known: {', '.join(PRESETS)})")
    args.data = [data_folder(d) for d in args.data]
    for folder in args.data:
        folds = ptbxl_folds(folder)
        if folds and args.fold not in folds:
            have = sorted(folds)
            span = (f"{have[0]}-{have[-1]}" if have == list(range(have[0], have[-1] + 1))
                    else ", ".join(map(str, have)))
            raise UsageError(f"error: --fold {args.fold}: no such fold; {folder} has PTB-XL folds {span}")
    if not 1 <= args.draws <= 100:
        raise UsageError(f"error: --draws {args.draws}: give 1 to 100 draws")
    if args.limit is not None and args.limit < 1:
        raise UsageError("error: --limit must be at least 1")
    if args.rate is not None and not (math.isfinite(args.rate) and 0 < args.rate <= 10_000):
        raise UsageError(f"error: --rate {args.rate:g}: give a rate in Hz between 0 and 10000")
    for path in (md_path, csv_path):
        check_output_file(path, "--out")
    refuse_earlier_outputs("mirage robustness", args.out, (md_path, csv_path), args.overwrite, records=args.data)
    check_labs_file(args.labs)
    predictor = load_predictor(args.model, args.device, quality=False)   # quality is assessed below, once
    # "records the model never trained on", the help says: a model's own folder had been scored, with a warning
    # at last; its training and validation records are now left out where its split can be made again
    trained_notes, left_out, skip = [], [], {}
    for folder in args.data:
        paths = _record_paths(folder, args.fold)
        seen = records_trained_on(getattr(predictor.loaded, "provenance", None), folder, paths, args.fold)
        if isinstance(seen, str):
            trained_notes.append(f"{_data_name(folder)} is the folder the model was trained on, and its split "
                                 f"could not be made again ({seen}): some of its records are its training records")
        elif seen and args.include_trained:
            trained_notes.append(f"{sum(p in seen for p in paths[:args.limit])} of the {len(paths[:args.limit])} "
                                 f"records of {_data_name(folder)} are in the model's training or validation split: "
                                 "its calls on them are not those of records it never saw")
        elif seen:
            skip[folder] = seen
            fold = f" fold {args.fold}" if (folder / "ptbxl_database.csv").is_file() else ""
            left_out.append(f"{len(seen)} of the {len(paths)} records of {_data_name(folder)}{fold} left out: the "
                            "model's training or validation split (--include-trained scores them)")
        elif seen is None and (folder / "ptbxl_database.csv").is_file():
            # another copy of PTB-XL than the one its checkpoint names (the shipped model's names none): its folds
            # are the same, and fold 9 had been scored without a word, though the model was calibrated on it
            note = fitted_split_warning(predictor.loaded, fold_split(args.fold), f"PTB-XL fold {args.fold}")
            if note:
                trained_notes.append(note)
    for note in left_out:
        log.warning("%s", note)
    for note in trained_notes:
        log.warning("%s", note)
    records, failed, clinical = load_records(args.data, args.fold, args.limit, args.labs, skip)
    if args.rate is not None:
        records = [at_rate(r, args.rate) for r in records]
    for msg in failed:
        log.warning("skipped: %s", msg)
    if not records:
        raise UsageError(("error: no records left to score under " if left_out else "error: no readable records under ")
                         + ", ".join(map(str, args.data)) + "".join(f"; {note}" for note in left_out))
    # a model trained with a labs table had been scored here with every lab masked, and the table said nothing
    labs_note = labs_not_given_note(predictor) if args.labs is None else ""
    if labs_note:
        log.warning("%s: the calls below are those of `mirage score` without --labs", labs_note.removeprefix("note: "))

    set_threads(args.threads)
    bar = None
    if args.progress:
        passes = 1 + sum(draws_of(name, args.draws) for name in names)
        bar = tqdm(total=len(records) * passes, unit="rec", desc="robustness", file=sys.stderr)
    try:
        result = benchmark(predictor, records, names, seed=args.seed, chunk=args.chunk_size, bar=bar,
                           draws=args.draws, clinical=clinical)
    finally:
        if bar is not None:
            bar.close()
    desc = ", ".join(_data_name(f) + (f" fold {args.fold}" if (f / "ptbxl_database.csv").is_file() else "")
                     for f in args.data)
    if args.rate is not None:
        desc += f", resampled to {args.rate:g} Hz before perturbing"
    if failed:
        desc += f"; {len(failed)} unreadable skipped"
    if left_out:
        desc += "; " + "; ".join(left_out)
    if trained_notes:
        desc += "; WARNING: " + "; ".join(trained_notes)
    for row in result["rows"]:
        if row.get("unchanged"):
            log.warning("%s", unchanged_note(row, result["n"]))
    md = to_markdown(result, predictor.name, desc, labs_note)
    atomic_write_text(md_path, md)
    write_csv(csv_path, result)
    print(md)
    print(f"wrote {md_path} (Markdown table) and {csv_path} (CSV)")
    return 0
