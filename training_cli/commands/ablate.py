"""``mirage ablate``: the paper's ablation table and sensitivity sweeps, on one split and seed.

Trains one MIRAGE per variant with ``mirage train`` (same data, cache, split, seed and recipe) and
tabulates its validation metrics (the split each variant's checkpoint and thresholds are chosen on) and, with
``--split test``, its test metrics (PTB-XL: fold 10, the benchmark's test fold, to be reported once; without it the
runs never read the test split):

    full, w/o labs, w/o image, w/o signal, w/o contrast, w/o fusion, late-concat, all-shared

``--sweep tau=0.05,0.1,0.2`` or ``--sweep lambda_con=0,0.2,0.445,1`` trains the full model at each
value instead (the paper's sensitivity analysis; repeat --sweep for both). Budget flags
(``--epochs``, ``--limit``, ``--train-limit``, ``--preset base``, the shipped model's) make it fit a CPU. A variant
whose run already finished in OUT is reused when it was trained with the requested recipe (every
option that changes its numbers: data, task, labels, limits, preset, epochs, lr, seed, switches,
bootstrap ...). One trained with another recipe, finished or stopped before its end, is refused before
any training, naming its folder and what differs, unless ``--overwrite`` (retrain it with the
requested recipe, replacing its results); --force retrains every variant.

Writes each variant's run in OUT/<variant>/, and OUT/ablation.csv and OUT/ablation.md: a row for
every variant that finished in OUT, this command's and those an earlier command trained there (a
second ``--variants`` run adds to the first's table), each naming its recipe where it differs from
this command's (column ``recipe``: "epochs 1 (this command: 2)"); a variant folder whose run did not
finish is named below the table. Each row gives its validation and test records and, for a macro AUROC
over fewer than all classes, over how many; a line under the table says why a test AUROC has no interval.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import time
from dataclasses import replace
from pathlib import Path

from mirage_model.review.report.model_info import classes_counted
from mirage_model.words import counted
from training_cli.config import apply_config, remember_defaults
from training_cli.engine import runlog
from training_cli.engine.data import open_index
from training_cli.engine.errors import ConfigError
from training_cli.engine.loop import train
from training_cli.engine.metrics import no_interval_why
from training_cli.engine.recipes import PRESETS, TrainConfig, resolve
from training_cli.options import add_data_args, command_parser, count
from training_cli.outputs import check_output_place

logger = logging.getLogger(__name__)

# variant name -> (table label, TrainConfig switches)
VARIANTS = {
    "full": ("full", {}),
    "no_labs": ("w/o labs", {"no_labs": True}),
    "no_image": ("w/o image", {"no_image": True}),
    "no_signal": ("w/o signal", {"no_signal": True}),
    "no_contrast": ("w/o contrast", {"no_contrast": True}),
    "no_fusion": ("w/o fusion", {"no_fusion": True}),
    "late_concat": ("late-concat", {"late_concat": True}),
    "shared_encoder": ("all-shared", {"shared_encoder": True}),
}
# what each variant changes of the full model (mirage_model/models/config.py), for the log and the table
VARIANT_WHAT = {
    "full": "signal (Graphormer) and image (ViT) branches, each modulated by the labs through FiLM, a fusion "
            "transformer, and the InfoNCE term between the branches",
    "no_labs": "the labs not read: no FiLM, the model sees no clinical value",
    "no_image": "no image branch: the signal alone (no InfoNCE term)",
    "no_signal": "no signal branch: the image alone (no InfoNCE term)",
    "no_contrast": "no InfoNCE term between the two branches",
    "no_fusion": "no fusion transformer: the two branches' CLS embeddings concatenated into the head",
    "late_concat": "the labs enter the fusion as a token instead of FiLM in the branches",
    "shared_encoder": "one transformer stack encodes the lead and the image patch tokens alike",
}
SWEEPABLE = ("tau", "lambda_con")      # TrainConfig fields a --sweep may vary
# options passed through to every variant's TrainConfig (same names)
PASS_THROUGH = ("data", "task", "labels", "labs", "label_map", "split_file", "group_by", "split_method", "cache_dir",
                "limit", "train_limit", "workers", "preset", "epochs", "lr", "batch_size", "weight_decay", "seed",
                "device", "threads", "bootstrap", "clinical", "augment", "ema")


def add_ablate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=None, help="JSON file of option defaults")
    add_data_args(p)
    p.add_argument("--out", default=None, help="output folder")
    p.add_argument("--variants", default=None,
                   help=f"comma-separated subset of {','.join(VARIANTS)} (default: all; none with --sweep)")
    p.add_argument("--sweep", action="append", default=[], metavar="NAME=V1,V2,...",
                   help="sensitivity sweep of tau or lambda_con (repeatable)")
    p.add_argument("--preset", default="base", choices=PRESETS, help="MIRAGE size and recipe (default base)")
    p.add_argument("--epochs", type=count(1), default=None, help="as mirage train (default: the preset's)")
    p.add_argument("--lr", type=float, default=None, help="as mirage train")
    p.add_argument("--batch-size", type=count(1), default=None, help="as mirage train")
    p.add_argument("--weight-decay", type=float, default=None, help="as mirage train")
    p.add_argument("--seed", type=int, default=0, help="as mirage train")
    p.add_argument("--device", default="auto", help="as mirage train")
    p.add_argument("--threads", type=count(0), default=0, help="torch CPU threads (0: torch default)")
    p.add_argument("--split", default="val", choices=("val", "test"),
                   help="the split the table reports, as mirage evaluate names it: val (default), the validation "
                        "split each variant is selected on, the test split never read; test: also each variant's "
                        "selected model on the test split (PTB-XL: fold 10, the benchmark's test fold: report it "
                        "once, never choose on it)")
    p.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples of each test evaluation")
    p.add_argument("--clinical", default=None, help="as mirage train")
    p.add_argument("--augment", action="store_true", help="train every variant with --augment")
    p.add_argument("--ema", type=float, default=0.0, metavar="DECAY", help="train every variant with --ema DECAY")
    p.add_argument("--force", action="store_true",
                   help="retrain every variant that already finished, replacing its results")
    p.add_argument("--overwrite", action="store_true",
                   help="retrain a variant trained with another recipe (finished or stopped before its end), "
                        "replacing its results (without it such an OUT is refused before any training)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


def ablate_command_parser(subparsers=None) -> argparse.ArgumentParser:
    """The parser of ``mirage ablate`` (a subcommand when ``subparsers`` is given, else standalone)."""
    p = command_parser(subparsers, "ablate",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_ablate_args(p)
    remember_defaults(p)
    p.set_defaults(func=run, _parser=p)
    return p


def parse_sweeps(sweeps: list[str]) -> list[tuple[str, str, dict, str]]:
    """["tau=0.05,0.1"] -> [(name, label, TrainConfig switches, value)]."""
    out = []
    for spec in sweeps:
        name, sep, values = spec.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in SWEEPABLE:
            raise ConfigError(f"--sweep {spec!r}: expected tau=V1,V2,... or lambda_con=V1,V2,...")
        for v in [v.strip() for v in values.split(",") if v.strip()]:
            try:
                float(v)
            except ValueError:
                raise ConfigError(f"--sweep {spec!r}: {v!r} is not a number") from None
            out.append((f"{name}={v}", f"{name} = {v}", {name: float(v)}, v))
    return out


def plan(args) -> list[tuple[str, str, dict]]:
    """The runs: [(folder name, table label, TrainConfig switches)]."""
    runs = []
    if args.variants or not args.sweep:
        names = [v.strip() for v in (args.variants or ",".join(VARIANTS)).split(",") if v.strip()]
        for n in names:
            if n not in VARIANTS:
                raise ConfigError(f"--variants: unknown variant {n!r} (known: {', '.join(VARIANTS)})")
            runs.append((n, *VARIANTS[n]))
    for folder, label, switches, _ in parse_sweeps(args.sweep):
        runs.append((folder, label, switches))
    return runs


def variant_config(args, out: Path, switches: dict) -> TrainConfig:
    """The resolved training configuration of one variant: the options ``mirage ablate`` passes through
    (those given), the variant's switches, and the recipe for the rest."""
    given = {dest: getattr(args, dest) for dest in PASS_THROUGH if getattr(args, dest, None) is not None}
    # the test split is read only with --split test (the benchmark's protocol: fold 9 chooses, fold 10 is reported
    # once); every variant had been scored on it, fold 10 of PTB-XL, by default
    return resolve(TrainConfig(model="mirage", out=str(out), no_progress=bool(args.no_progress),
                               no_test=not _scores_test(args), **given, **switches))


def _scores_test(args) -> bool:
    return getattr(args, "split", "val") == "test"


def run(args) -> int:
    if getattr(args, "_parser", None) is not None:
        apply_config(args._parser, args)
    if not args.data or not args.out:
        raise ConfigError("mirage ablate: --data and --out are required")
    out = check_output_place(args.out, "--out")     # a file there: refused before any work
    runs = plan(args)
    configs = [variant_config(args, out / folder, switches) for folder, _, switches in runs]   # checked first
    differences = {}      # folder -> what differs from its earlier run's recipe ([]: nothing), for each run there
    finished = {folder for folder, _, _ in runs if (out / folder / "summary.json").is_file()}
    if not args.force:
        for (folder, _, _), cfg in zip(runs, configs):
            # a run stopped before its end has its best epoch's model already: not lost in silence either
            if folder in finished or (out / folder / "model" / "config.json").is_file():
                differences[folder] = recipe_differences(out / folder, cfg)
        refuse_other_recipes(out, {f: (f in finished, d) for f, d in differences.items() if d},
                             bool(getattr(args, "overwrite", False)))
    # a --data no variant could open (its spec, labels table, task): refused before OUT/config.json is written
    open_index(configs[0].data_options())
    out.mkdir(parents=True, exist_ok=True)
    runlog.write_json(out / "config.json", {k: v for k, v in vars(args).items() if not k.startswith("_") and k != "func"})
    t0 = time.time()
    logger.info("the table reports %s", "the validation (selection) split and the test split (--split test: report "
                "it once, never choose on it)" if _scores_test(args) else "the validation (selection) split; the "
                "test split is not read (--split test scores it)")
    for i, ((folder, label, _), cfg) in enumerate(zip(runs, configs), 1):
        run_dir = out / folder
        differs = differences.get(folder)
        if differs == [] and folder in finished:
            logger.info("[%d/%d] %s: reusing the finished run in %s (same recipe)", i, len(runs), label, run_dir)
        else:
            state = "finished" if folder in finished else "unfinished"
            if differs:
                logger.warning("[%d/%d] %s: the %s run in %s was trained with another recipe (%s); "
                               "retraining it with the requested one (--overwrite)", i, len(runs), label, state,
                               run_dir, "; ".join(differs))
            elif differs == []:
                logger.info("[%d/%d] %s: training again from the start the unfinished run in %s (same recipe)",
                            i, len(runs), label, run_dir)
            else:
                logger.info("[%d/%d] %s: training%s", i, len(runs), label,
                            f" ({VARIANT_WHAT[folder]})" if folder in VARIANT_WHAT else "")
            # the variant's folder is retrained on purpose: its earlier run's outputs are put back if
            # the new run ends before its first model (then read with their own config.json's recipe),
            # else replaced by the new run's (its summary.json only once it finishes)
            train(replace(cfg, overwrite=True))
        rows, left_out = table_rows(out, args)
        write_table(out, rows, args, left_out)
    logger.info("ablation of %s done in %.0f s: %s", counted(len(runs), "variant"), time.time() - t0,
                out / "ablation.md")
    earlier = [r["variant"] for r in rows if r["variant"] not in {folder for folder, _, _ in runs}]
    if earlier:
        logger.info("the table also lists the finished variants an earlier command trained in %s: %s", out,
                    ", ".join(earlier))
    for line in left_out:
        logger.warning("not in the table: %s", line)
    return 0


def refuse_other_recipes(out: Path, differences: dict[str, tuple[bool, list[str]]], overwrite: bool) -> None:
    """Refuse, before any training, an OUT holding variants trained with another recipe unless
    ``overwrite``: retraining them replaces their results (a second ablation with other options had
    done so with a log warning only), or the model an unfinished run had already selected.

    Args:
        differences: variant folder -> (its run finished, what differs: ``recipe_differences``), for
            those that differ.

    Raises:
        ConfigError: naming each variant's folder, whether its run finished, what differs, and --overwrite.
    """
    if overwrite or not differences:
        return
    runs = [f"the {'finished' if done else 'unfinished'} run in {out / folder} ({', '.join(d)})"
            for folder, (done, d) in differences.items()]
    named = runs[0] if len(runs) == 1 else ", ".join(runs[:-1]) + " and " + runs[-1]
    many = len(differences) > 1
    raise ConfigError(f"error: mirage ablate --out {out}: {named} {'were' if many else 'was'} trained with another "
                      f"recipe; give --overwrite to retrain {'them' if many else 'it'} with this one, replacing "
                      f"{'their' if many else 'its'} results, or another --out")


# TrainConfig fields that do not change a run's numbers: where things go and how fast it runs
NOT_RECIPE = ("config", "out", "cache_dir", "workers", "device", "threads", "no_progress", "resume", "overwrite")


def recipe_differences(run_dir: Path, cfg: TrainConfig) -> list[str]:
    """What differs between the recipe a finished run in ``run_dir`` was trained with (its
    config.json) and ``cfg``: ["task superdiagnostic -> mi", ...]; every TrainConfig field counts
    except ``NOT_RECIPE``. A run without a readable config.json differs as a whole."""
    changes = recipe_changes(run_dir, cfg)
    if isinstance(changes, str):
        return [changes]
    return [f"{name} {_said(was)} -> {_said(value)}" for name, was, value in changes]


def recipe_changes(run_dir: Path, cfg: TrainConfig) -> list[tuple[str, object, object]] | str:
    """``recipe_differences`` as [(option, the run's value, ``cfg``'s)], or why the run's recipe
    cannot be read (its config.json missing, unreadable or no run configuration)."""
    try:
        stored = json.loads((run_dir / "config.json").read_text())
    except (OSError, ValueError):
        return "its config.json is missing or unreadable"
    if not isinstance(stored, dict):
        return "its config.json is not a run configuration"
    defaults = TrainConfig().to_dict()
    out = []
    for name, value in cfg.to_dict().items():
        if name in NOT_RECIPE:
            continue
        was = stored.get(name, defaults[name])     # a field newer than the run: its default then
        if was != value:
            out.append((name.replace("_", "-"), was, value))
    return out


def recipe_note(run_dir: Path, cfg: TrainConfig) -> str:
    """A table row's recipe beside the command's (``cfg``: the variant as this command trains it):
    "" when the same, else what the run was trained with: "epochs 1 (this command: 2), seed 0
    (this command: 3)"."""
    changes = recipe_changes(run_dir, cfg)
    if isinstance(changes, str):
        return f"unknown: {changes}"
    return ", ".join(f"{name} {_said(was)} (this command: {_said(value)})" for name, was, value in changes)


def variants_in(out: Path) -> list[tuple[str, str, dict]]:
    """The variant folders in ``out`` (of any command: ``VARIANTS`` and ``--sweep`` runs), as ``plan``
    gives them: [(folder name, table label, TrainConfig switches)], in the paper's order, then the
    sweeps by name and value."""
    try:
        names = {p.name for p in out.iterdir() if p.is_dir()}
    except OSError:
        return []
    found = [(n, *VARIANTS[n]) for n in VARIANTS if n in names]
    sweeps = []
    for n in names - set(VARIANTS):
        try:
            (folder, label, switches, value), = parse_sweeps([n])
        except (ConfigError, ValueError):
            continue                     # not a variant's folder
        if folder == n:
            sweeps.append((SWEEPABLE.index(folder.partition("=")[0]), float(value), (folder, label, switches)))
    return found + [run for _, _, run in sorted(sweeps, key=lambda t: t[:2])]


def table_rows(out: Path, args) -> tuple[list[dict], list[str]]:
    """The table's rows: every variant that finished in ``out``, this command's and those an earlier
    command trained there (a second ``--variants`` run adds its rows to the first's), each with its
    recipe beside this command's (``recipe_note``); and a line for each variant folder left out
    (its run did not finish, or its results cannot be read)."""
    rows, left_out = [], []
    for folder, label, switches in variants_in(out):
        run_dir = out / folder
        if not (run_dir / "summary.json").is_file():
            try:
                started = any(run_dir.iterdir())
            except OSError as err:
                left_out.append(f"{label} ({run_dir}): its folder cannot be read ({err.strerror or err})")
                continue
            if started:
                left_out.append(f"{label} ({run_dir}): its run did not finish (no summary.json)")
            continue
        try:
            row = collect(run_dir, folder, label, test=_scores_test(args))
        except OSError as err:
            left_out.append(f"{label} ({run_dir}): its results cannot be read ({err.filename}: {err.strerror or err})")
            continue
        except (ValueError, AttributeError) as err:
            left_out.append(f"{label} ({run_dir}): its results cannot be read ({err})")
            continue
        row["recipe"] = recipe_note(run_dir, variant_config(args, run_dir, switches))
        rows.append(row)
    return rows, left_out


def _said(value) -> str:
    return "unset" if value is None else str(value)


def collect(run_dir: Path, folder: str, label: str, test: bool = True) -> dict:
    """One table row from a finished run's summary, checkpoint metrics and (``test``) test metrics: besides the
    figures, each split's records (``val_n``, ``test_n``), the classes its macro AUROC is the mean of
    where some have none (``val_classes``, ``test_classes``: "4 of 5"), and why the test AUROC has no
    interval (``test_no_interval``: ``no_interval_why``, or "no bootstrap run"). Without ``test`` the test
    figures are left empty, whatever an earlier run wrote."""
    summary = json.loads((run_dir / "summary.json").read_text())
    cfg = json.loads((run_dir / "model" / "config.json").read_text())
    val_split = (cfg.get("metrics") or {}).get("val", {})
    val = val_split.get("macro", {})
    test_path = run_dir / "test" / "metrics.json"
    test = json.loads(test_path.read_text()) if test and test_path.is_file() else {}
    tm = test.get("macro", {})
    boot = test.get("bootstrap")
    tci = (boot or {}).get("macro", {}).get("auroc")
    no_interval = ""
    if test and not tci and tm.get("auroc") is not None:
        no_interval = ("no bootstrap run" if boot is None else
                       no_interval_why(boot.get("no_interval") or [], len(test.get("per_class") or {}),
                                       "the macro AUROC"))
    return {
        "variant": folder, "label": label, "task": cfg.get("task"),
        "val_n": val_split.get("n"), "val_classes": classes_counted(val_split).replace(" over ", "", 1),
        "val_auroc": val.get("auroc"), "val_auprc": val.get("auprc"), "val_f1": val.get("f1"),
        "test_n": test.get("n"), "test_classes": classes_counted(test).replace(" over ", "", 1),
        "test_auroc": tm.get("auroc"), "test_auroc_lo": tci[0] if tci else None,
        "test_auroc_hi": tci[1] if tci else None, "test_no_interval": no_interval,
        "test_auprc": tm.get("auprc"), "test_f1": tm.get("f1"),
        "test_accuracy": tm.get("accuracy"), "best_epoch": summary.get("best_epoch"),
        "epochs": summary.get("epochs_run"), "duration_s": summary.get("duration_s"),
    }


def _f(v) -> str:
    return "" if v is None else f"{v:.4f}" if isinstance(v, float) else str(v)


# the columns of ablation.csv (``collect``'s, then ``recipe_note``'s)
FIELDS = ("variant", "label", "val_n", "val_classes", "val_auroc", "val_auprc", "val_f1", "test_n", "test_classes",
          "test_auroc", "test_auroc_lo", "test_auroc_hi", "test_no_interval", "test_auprc", "test_f1", "test_accuracy",
          "best_epoch", "epochs", "duration_s", "recipe")


def write_table(out: Path, rows: list[dict], args, left_out: list[str] = ()) -> None:
    """OUT/ablation.csv and OUT/ablation.md: ``rows`` (``table_rows``) under this command's recipe;
    a row trained with another says so in its recipe column; ``left_out`` lines close the page."""
    with open(out / "ablation.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(FIELDS))
        w.writeheader()
        for r in rows:
            w.writerow({k: _f(r.get(k)) for k in FIELDS})
    task = args.task or next((r["task"] for r in rows if r.get("task")), None) or "default"
    test = _scores_test(args)
    split = ("test = the test split (PTB-XL: fold 10), held out, scored once per variant (--split test): report "
             "it once, never choose on it" if test else
             "the validation figures are the selection split's, not held out; the test split was not read "
             "(--split test scores it)")
    lines = [
        "# MIRAGE ablation",
        "",
        f"data `{args.data}`, task {task}, preset {args.preset}, seed {args.seed}, "
        f"epochs {args.epochs or 'recipe'}" + (f", --limit {args.limit}" if args.limit else "")
        + (f", --train-limit {args.train_limit}" if getattr(args, "train_limit", 0) else "")
        + f". Model selection and thresholds on the validation split; {split}. Every variant "
        "that finished in this folder is listed, also those an earlier command trained; a row trained with "
        "another recipe names it in the last column (\"as above\": this recipe).",
        "",
        "| variant | val/test records | val AUROC | val AUPRC | val F1 | test AUROC (95% CI) | test AUPRC | test F1 "
        "| best epoch | recipe |" if test else "| variant | val records | val AUROC | val AUPRC | val F1 | best epoch "
        "| recipe |",
        "|---|---|---|---|---|---|---|---|---|---|" if test else "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        val = (f"{_m(r['val_auroc'])}{_over(r.get('val_classes')) if r['val_auroc'] is not None else ''} | "
               f"{_m(r['val_auprc'])} | {_m(r['val_f1'])}")
        end = f"{r['best_epoch']}/{r['epochs']} | {(r.get('recipe') or 'as above').replace('|', '/')} |"
        if not test:
            lines.append(f"| {r['label']} | {_f(r.get('val_n')) or '?'} | {val} | {end}")
            continue
        ci = (f" ({r['test_auroc_lo']:.3f}-{r['test_auroc_hi']:.3f})" if r["test_auroc_lo"] is not None
              else " (no interval)" if r.get("test_no_interval") else "")
        t = f"{r['test_auroc']:.3f}{_over(r.get('test_classes'))}{ci}" if r["test_auroc"] is not None else "n/a"
        lines.append(f"| {r['label']} | {_f(r.get('val_n')) or '?'}/{_f(r.get('test_n')) or '-'} | {val} | {t} | "
                     f"{_m(r['test_auprc'])} | {_m(r['test_f1'])} | {end}")
    lines += table_notes(rows)
    what = [f"- {r['label']}: {VARIANT_WHAT[r['variant']]}." for r in rows if r["variant"] in VARIANT_WHAT]
    if what:
        lines += ["", "Variants:", "", *what]
    if left_out:
        lines += ["", "Not in the table:", ""] + [f"- {line}" for line in left_out]
    lines += ["", "Research use only, not a diagnosis.", ""]
    (out / "ablation.md").write_text("\n".join(lines))


def _m(v) -> str:
    return "n/a" if v is None else f"{v:.3f}"


def _over(classes: str | None) -> str:
    return f" over {classes}" if classes else ""


def table_notes(rows: list[dict]) -> list[str]:
    """The lines under the table saying what its figures rest on: why a test AUROC has no interval (the
    words of metrics.md and ``mirage evaluate``), and what a macro AUROC over fewer than all classes is."""
    notes, why = [], {}
    for r in rows:
        if r.get("test_no_interval"):
            why.setdefault(r["test_no_interval"], []).append(r["label"])
    for text, labels in why.items():
        which = "every row" if len(labels) == len(rows) > 1 else ", ".join(labels)
        notes.append(f"- Test AUROC without an interval ({which}): {text}.")
    if any(r.get("val_classes") or r.get("test_classes") for r in rows):
        notes.append("- A macro AUROC \"over k of K classes\" is the mean of the classes whose AUROC is defined: "
                     "the split has no positive or no negative record of the others (each run's log and "
                     "test/metrics.md name them).")
    return ["", *notes] if notes else []
