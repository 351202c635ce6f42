"""The training loop of ``mirage train``: one run from a ``TrainConfig`` to a selected checkpoint.

Model selection (best validation macro AUROC) and per-class thresholds (max F1) use the
validation split only; the selected model is then evaluated once on the test split. Outputs in
``cfg.out``: config.json, model/, last/ (resume state), log.csv, log.jsonl, curves.png,
skipped.csv, summary.json and test/ (see ``mirage train --help``).

One optimisation epoch is ``epoch.train_epoch``; the selected model is saved with its provenance by
``provenance.save_model``; the run's files are written by ``runlog``.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from mirage_model.checkpoint import CheckpointError, check_destination
from mirage_model.clinical import default_schema
from mirage_model.clinical.features import censor_mark
from mirage_model.models import reads_image
from mirage_model.preprocess import PreprocessConfig
from mirage_model.records.fingerprint import SPLITS, fingerprints_entry
from mirage_model.render import RenderConfig
from mirage_model.review.report.model_info import classes_counted
from mirage_model.runtime import set_threads
from mirage_model.words import counted
from training_cli.engine import metrics as M
from training_cli.engine import runlog
from training_cli.engine.data import CachedSplit, class_weights, clean_rows, encode_clinical, check_splits, \
    make_loader, open_data, open_index, split_warnings
from training_cli.engine.distributed import Dist, init_distributed
from training_cli.engine.errors import ConfigError, DataError
from training_cli.engine.checkpoints import read_model_path
from training_cli.engine.earlier_run import ASIDE, RUN_FOLDERS, EarlierRun, refuse_unusable_out
from training_cli.engine.epoch import TrainStep, train_epoch
from training_cli.engine.evaluation import evaluate_checkpoint, predict
from training_cli.engine.left_out import left_out_of, refuse_many_skipped
from training_cli.engine.provenance import record_test_look, save_model
from training_cli.engine.recipes import ABLATIONS, CONSISTENCY_FAULTS, LossConfig, TrainConfig, build_model_for, \
    init_weights_from, param_groups, warmup_cosine
from training_cli.engine.resume import load_resume_state, refuse_other_options, save_resume_state
from training_cli.engine.runtime import amp_settings, resolve_device, set_seed
from training_cli.engine.splits import BY_RECORD, split_digest
from training_cli.outputs import same_path

logger = logging.getLogger(__name__)


def train(cfg: TrainConfig) -> int:
    """Train as configured by ``cfg`` (resolved: ``recipes.resolve``). Returns 0 on success.

    With ``cfg.overwrite`` the outputs of an earlier run in ``cfg.out`` are set aside as the run
    starts and put back if it ends, by any exception or Ctrl-C, before its first epoch has written
    its model and resume state (``earlier_run``); from then on the run's own replace them.

    Raises:
        ConfigError: options that do not fit (--ema, --consistency, --resume, --init-from).
        DataError: a dataset that cannot be used (empty splits, a cache without mV windows).
        TrainingError: the loss became NaN or infinite.
    """
    t_start = time.time()
    dist = init_distributed(cfg.device)
    device = resolve_device(cfg.device)
    if dist.enabled and device.type == "cuda":
        device = torch.device("cuda", dist.local_rank)
    if cfg.threads:
        set_threads(cfg.threads)
    set_seed(cfg.seed)
    out = Path(cfg.out).expanduser()
    _check_outputs(out, cfg.resume or cfg.overwrite)
    if cfg.init_from and cfg.overwrite and not cfg.resume:
        _refuse_init_from_out(cfg.init_from, out)
    progress = dist.main and not cfg.no_progress
    if cfg.resume:
        if not (out / "last" / "state.json").is_file():    # before OUT/config.json is written
            raise ConfigError(f"error: --resume: no resume state in {out / 'last'} (a run writes it at each "
                              "epoch's end); train without --resume")
        cfg = _split_as_stopped(cfg, out / "last")
        refuse_other_options(cfg.to_dict(), _stopped_state(out / "last"), out)
    # records and splits first: an empty training or validation split is refused before the cache or any file is written
    index = open_index(cfg.data_options())
    if cfg.resume:
        _check_split_kept(index, out / "last")
    check_splits(index, cfg.data_options())
    earlier = None
    if dist.main:
        out.mkdir(parents=True, exist_ok=True)
        if cfg.overwrite and not cfg.resume:
            try:
                earlier = EarlierRun.set_aside(out)
            except OSError as err:
                raise ConfigError(f"error: --out {out}: cannot set the earlier run's outputs aside in {out / ASIDE} "
                                  f"({err.strerror or err}); nothing was replaced") from None
    try:
        code = _train(cfg, out, dist, device, index, progress, t_start, earlier)
    except BaseException:
        if earlier is not None:      # nothing of this run replaces the earlier run's outputs yet
            earlier.put_back()
        raise
    if earlier is not None:
        earlier.discard()
    return code


def _train(cfg: TrainConfig, out: Path, dist: Dist, device: torch.device, index, progress: bool, t_start: float,
           earlier: EarlierRun | None) -> int:
    """``train`` from the run's configuration on, once its splits are checked and an earlier run's
    outputs set aside (``earlier``, with --overwrite: removed once the first epoch has written this
    run's model and resume state)."""
    if dist.main:
        runlog.write_json(out / "config.json", {**cfg.to_dict(), "command": runlog.command_line(),
                                                "world_size": dist.world})

    pcfg = PreprocessConfig(denoise_k=cfg.denoise, denoise_floor_mv=cfg.denoise_floor)
    rcfg = RenderConfig()
    # the test split is read only when the run scores it (not with --no-test or --stop-after)
    ds, cache, skipped = open_data(cfg.data_options(), pcfg, rcfg, dist, progress, dataset=index,
                                   splits=("train", "val", "test") if cfg.scores_test else ("train", "val"),
                                   skipped_file=str(out / "skipped.csv") if dist.main else None)
    if dist.main:
        runlog.write_skipped(out / "skipped.csv", ds, skipped)
    refuse_many_skipped(ds, skipped, cfg.allow_skipped, str(out / "skipped.csv"))
    K, task_type = len(ds.classes), ds.task_type
    all_targets = ds.targets()

    schema, clin, cmask = _clinical(cfg, ds, cache.ok, dist)
    splits = _splits(cfg, ds, cache.ok)
    # how many training records gave each clinical value (the rest masked): the model card says it
    # records of each class in each split (of those that loaded): on a small own dataset the card
    # shows which classes the validation and test figures rest on
    # (not the test split's where the run does not read it, --no-test or --stop-after: its records were never opened)
    class_counts = {name: {c: int(n) for c, n in zip(ds.classes, M.as_multilabel(all_targets[rows], K).sum(0))}
                    for name, rows in splits.items() if name != "test" or cfg.scores_test}
    clinical_coverage = {"train_records": int(len(splits["train"])),
                         "present": {n: int(c) for n, c in zip(schema.names, cmask[splits["train"]].sum(0))}}
    # of those, how many were censored ("<5"), which the model read as their limit: the card says so beside the
    # count, as the run's warning did, so that a reader of the card alone does not take them for measured values
    censored = {n: sum(bool(censor_mark((ds.items[i].clinical or {}).get(n))) for i in splits["train"])
                for n in schema.names}
    if any(censored.values()):
        clinical_coverage["censored"] = {n: c for n, c in censored.items() if c}
    left_out = left_out_of(ds, skipped)
    # the fingerprints of the records the model is fitted and selected on: mirage score and the app mark them
    trained = fingerprints_entry({s: [ds.items[i].path for i in splits[s]] for s in SPLITS}) if dist.main else None
    absent = [n for n, c in clinical_coverage["present"].items() if not c and n not in ds.clinical_names]
    if absent and dist.main:
        # --clinical d_dimer on data that has none had trained in silence a model that reads a value
        # it never met (the labs table's own empty columns are warned of as it is read)
        logger.warning("--clinical %s: no record of the training split gives %s (the data's clinical values: "
                       "%s); the model cannot learn %s", ",".join(absent), ", ".join(absent),
                       ", ".join(ds.clinical_names) or "none", "them" if len(absent) > 1 else "it")
    model, model_type, model_cfg = build_model_for(cfg, K, task_type, len(schema.names))
    if cfg.init_from:
        init_weights_from(model, cfg.init_from, schema.names)
    model.to(device)
    with_image = reads_image(model_type, model_cfg)
    ema = None
    if cfg.ema:
        if not 0.0 < cfg.ema < 1.0:
            raise ConfigError(f"mirage train: --ema must lie between 0 and 1 (got {cfg.ema:g})")

        ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(cfg.ema), use_buffers=True)
    kept = ema.module if ema is not None else model     # the weights validated, selected and saved
    if dist.main:
        n_par, C = sum(p.numel() for p in model.parameters()), len(schema.names)   # w/o labs had read "4 clinical"
        logger.info("%s (%s): %.2fM parameters, %d classes, %s; device %s, world %d", model_type, cfg.preset
                    if model_type == "mirage" else "default", n_par / 1e6, K, f"{C} clinical features" if
                    model_cfg.get("use_labs", True) else "no clinical features (w/o labs)", device, dist.world)

    consistency = float(cfg.consistency)
    if consistency < 0 or (consistency and not cfg.noise):
        raise ConfigError(f"mirage train: --consistency needs --noise and a weight >= 0 (got {consistency:g})")
    if cfg.consistency_faults not in CONSISTENCY_FAULTS:
        raise ConfigError(f"mirage train: --consistency-faults is one of {', '.join(CONSISTENCY_FAULTS)} "
                          f"(got {cfg.consistency_faults!r})")

    if not (math.isfinite(cfg.smooth_noise) and 0 <= cfg.smooth_noise <= 1):
        raise ConfigError(f"mirage train: --smooth-noise is a noise level from 0 to 1 mV (got {cfg.smooth_noise:g})")

    def split_data(name, noise=False, smooth_mv=0.0):
        rows = splits[name]
        return CachedSplit(cache, rows, clin[rows], cmask[rows], all_targets[rows], with_image, noise, pcfg, rcfg,
                           keep_clean=noise and consistency > 0,
                           muscle_copy=noise and consistency > 0 and cfg.consistency_faults == "noise",
                           smooth_mv=smooth_mv)

    if (cfg.noise or cfg.smooth_noise) and cache.mv is None:
        raise DataError(f"mirage train --noise / --smooth-noise: the input cache {cache.path} has no mV windows; rebuild it")
    pin = device.type == "cuda"
    train_loader = make_loader(split_data("train", cfg.noise, cfg.smooth_noise), cfg.batch_size, True, cfg.seed,
                               dist, cfg.workers, pin)
    val_loader = make_loader(split_data("val"), cfg.batch_size * 2, False, cfg.seed, Dist(), cfg.workers, pin)
    if dist.main:
        for line in split_warnings(all_targets, splits, task_type, ds.classes, ds.kind, cfg.limit or 0):
            # a class the loss pushes one way only, or learnt, thresholded and tested on a handful of records
            logger.warning("%s", line)
    weights = None
    if not cfg.no_class_weights:
        weights = torch.from_numpy(class_weights(all_targets[splits["train"]], task_type, K)).to(device)
    loss_cfg = model.config if model_type == "mirage" else LossConfig(model_cfg)

    net = model
    if dist.enabled:
        # an ablated MIRAGE may leave modules out of the graph; the full models use every parameter
        unused = model_type == "mirage" and any(getattr(cfg, f) for f in ABLATIONS)
        net = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None,
                                      find_unused_parameters=unused)
    opt = torch.optim.AdamW(param_groups(model, cfg.weight_decay), lr=cfg.lr)
    steps_per_epoch = len(train_loader)
    total_steps = steps_per_epoch * cfg.epochs
    sched = torch.optim.lr_scheduler.LambdaLR(opt, warmup_cosine(total_steps, cfg.warmup))
    amp = amp_settings(device, cfg.amp)
    scaler = torch.amp.GradScaler("cuda") if amp[2] else None

    start_epoch, history, best = 0, [], {"auroc": -math.inf, "epoch": 0}   # the score is -val_loss without AUROC
    if cfg.resume:
        start_epoch, history, best = _resume(out / "last", model, opt, sched, scaler, ema, total_steps, best, dist)
        if history:    # the run's clock goes on from where it stopped (elapsed, duration: the whole run's)
            t_start -= float(history[-1].get("elapsed_s", 0.0) or 0.0)
    unread = 0 if cfg.scores_test else int(len(index.split_indices("test")))    # --no-test: held out, not 0 records
    run_meta = {"records": {**{s: int(len(r)) for s, r in splits.items()}, **({"test": unread} if unread else {})},
                "skipped": len(skipped), "cache": str(cache.path), **({"test_not_read": True} if unread else {}),
                "cache_build_s": round(cache.build_s, 1), "cache_reused": cache.reused,
                "train_sampling_rates": cache.sampling_rates(splits["train"])}    # the model card says them
    if dist.main:
        logger.info("train %d / val %d / test %d%s records (%d skipped); %d steps per epoch; cache %s (%s)",
                    len(splits["train"]), len(splits["val"]), len(splits["test"]) or unread, " (not read by this run)"
                    * bool(unread), len(skipped), steps_per_epoch, cache.path,
                    "reused" if cache.reused else f"built in {cache.build_s:.0f} s")

    step = TrainStep(net, model, opt, sched, scaler, ema, device, amp, loss_cfg, weights, task_type, consistency,
                 cfg.consistency_faults, cfg.augment)
    val_y = M.as_multilabel(all_targets[splits["val"]], K)
    if dist.main:
        M.warn_no_positives(val_y, ds.classes, "validation split", thresholds=task_type == "multilabel")
    val_metrics: dict = {}             # the last epoch's (the split is fixed: the same classes without an AUROC)
    for epoch in range(start_epoch, cfg.epochs):
        t0 = time.time()
        row = train_epoch(step, train_loader, epoch, cfg, progress)
        train_s = time.time() - t0
        if dist.main:
            idx, probs = predict(kept, val_loader, device, amp, progress, desc="validate")
            vm = M.compute_metrics(val_y, probs, ds.classes, None, task_type)
            val_metrics = vm
            row["val_loss"] = _val_loss(probs, all_targets[splits["val"]], task_type, weights)
            row["val_macro_auroc"] = vm["macro"]["auroc"]
            row["val_macro_auprc"] = vm["macro"]["auprc"]
            for c in ds.classes:
                row[f"val_auroc_{c}"] = vm["per_class"][c]["auroc"]
            row["train_s"] = round(train_s, 1)
            row["epoch_s"] = round(time.time() - t0, 1)
            row["elapsed_s"] = round(time.time() - t_start, 1)
            history.append(row)
            score = row["val_macro_auroc"] if row["val_macro_auroc"] is not None else -row["val_loss"]
            improved = score > best["auroc"]
            logger.info("epoch %d/%d: train loss %.4f, val loss %.4f, val macro AUROC %s, lr %.2e, %.0f s%s",
                        epoch + 1, cfg.epochs, row["train_loss"], row["val_loss"], _macro_words(vm),
                        row["lr"], row["epoch_s"], "  (best)" if improved else "")
            if improved:
                best = {"auroc": float(score), "epoch": epoch + 1}
                thresholds = (M.best_f1_thresholds(val_y, probs) if task_type == "multilabel"
                              else np.full(K, 0.5))
                vm_thr = M.compute_metrics(val_y, probs, ds.classes, thresholds, task_type)
                save_model(out / "model", kept, model_type, task_type, ds, schema, pcfg, rcfg, thresholds,
                            cfg, t_start, {"val": vm_thr, "best_epoch": epoch + 1, **run_meta},
                            coverage=clinical_coverage, class_counts=class_counts, left_out=left_out, records=trained)
            runlog.write_epoch_log(out, history)
            try:
                runlog.plot_curves(out / "curves.png", history, ds.classes)
            except Exception as err:  # noqa: BLE001 - a plot must never end a training run
                logger.warning("could not draw learning curves: %s", err)
            save_resume_state(out / "last", model, opt, sched, scaler, epoch + 1, {
                "history": history, "best": best, "total_steps": total_steps, "args": cfg.to_dict(),
                "command": runlog.command_line(), "split": split_state(index)}, ema)
            if earlier is not None and (out / "model" / "config.json").is_file():
                earlier.discard()       # this run has a model and a resume state of its own now
        dist.barrier()
        if cfg.stop_after and epoch + 1 >= cfg.stop_after:
            logger.info("stopping after epoch %d (--stop-after)", epoch + 1)
            break

    duration = time.time() - t_start
    if dist.main:
        # best["auroc"] is the selection score: the macro AUROC, or -val_loss where no class has one
        chosen = next((h for h in history if h.get("epoch") == best["epoch"]), {})
        best_auroc = chosen.get("val_macro_auroc")
        summary = {"best_epoch": best["epoch"], "best_val_macro_auroc": best_auroc,
                   "selected_by": "val loss (no class has a validation AUROC)" if best_auroc is None and chosen
                   else "val macro AUROC", "duration_s": round(duration, 1),
                   "epochs_run": len(history), **run_meta}
        if history:
            summary["mean_epoch_s"] = round(float(np.mean([h["epoch_s"] for h in history])), 1)
        if cfg.scores_test and len(splits["test"]) and (out / "model" / "config.json").is_file():
            test = evaluate_checkpoint(out / "model", cfg.data_options(), out / "test", split="test", device=device,
                                       n_boot=cfg.bootstrap, progress=progress, prepared=(ds, cache, skipped),
                                       batch_size=cfg.batch_size, seed=cfg.seed, command=runlog.command_line())
            summary["test_macro_auroc"] = test["macro"]["auroc"]
            record_test_look(out / "model", test)
        runlog.write_json(out / "summary.json", summary)
        logger.info("done in %.0f s: best val macro AUROC %s (epoch %d)%s; %s skipped; outputs in %s",
                    duration, "undefined (selected by val loss)" if best_auroc is None
                    else f"{best_auroc:.4f}{classes_counted(val_metrics)}",
                    best["epoch"],
                    f", test macro AUROC {_num(summary.get('test_macro_auroc'))}" if "test_macro_auroc" in summary
                    else "",
                    counted(len(skipped), "record"), out)
    if dist.enabled:
        dist.barrier()            # rank 0 may still be evaluating the test split
        torch.distributed.destroy_process_group()
    return 0


def _check_outputs(out: Path, replace_model: bool = False) -> None:
    """Refuse, before any preprocessing or training, an output folder the run could not write its
    selected checkpoint into (``checkpoint.check_destination``: the rule the save applies at the
    first epoch's end), and one whose model/ holds an earlier run's checkpoint unless the run
    continues it (--resume) or replaces it (--overwrite): the same command run twice had replaced
    a trained model at the new run's first epoch, without a word.

    Raises:
        ConfigError: --out is a file, OUT/model exists and is not a MIRAGE checkpoint folder, or it
            holds a checkpoint and ``replace_model`` is False, or OUT is a model or holds an earlier
            run's outputs set aside by a killed --overwrite run (``earlier_run.refuse_unusable_out``).
    """
    if out.exists() and not out.is_dir():
        raise ConfigError(f"error: --out {out}: exists and is not a folder")
    refuse_unusable_out(out)
    try:
        check_destination(out / "model")
    except CheckpointError as err:
        raise ConfigError(f"error: --out {out}: {err}") from None
    if not replace_model and (out / "model" / "config.json").is_file():
        raise ConfigError(f"error: --out {out}: {out / 'model'} holds the model of an earlier run; give "
                          "--resume to continue that run, --overwrite to train a new model in its place, "
                          "or another --out")


def _refuse_init_from_out(spec: str, out: Path) -> None:
    """Refuse an --init-from that is the model (or resume state) of the --out an --overwrite run replaces:
    an --out is never an input. The run set OUT/model aside before reading it, then said "no such
    checkpoint" of the model the user had named (and had it been read, replaced it).

    Raises:
        ConfigError: naming --init-from and --out; or --init-from names no model (``read_model_path``).
    """
    source = read_model_path(spec, "mirage train", "--init-from")
    for name in RUN_FOLDERS:
        if any(same_path(place, out / name) for place in (source, *source.parents)):
            raise ConfigError(f"error: mirage train --out {out}: {out / name} is the model being read "
                              f"(--init-from {spec}); it is never replaced, --overwrite or not: give another "
                              "--out, or copy the model elsewhere first")


def split_state(ds) -> dict:
    """What the resume state keeps of the run's split: its method, its patient column and a digest
    of every record's split (``splits.split_digest``)."""
    info = ds.split_info
    return {"method": info.method if info is not None else None,
            "group_by": info.group_column if info is not None else None, "digest": split_digest(ds.items)}


def _stopped_state(last: Path) -> dict | None:
    try:
        return json.loads((last / "state.json").read_text())
    except (OSError, ValueError):
        return None                  # _resume says so, after the checks that need no state


def _split_as_stopped(cfg: TrainConfig, last: Path) -> TrainConfig:
    """The configuration that splits the records as the stopped run did: a run stopped before
    stratification (its state records no split) was split record by record (``--split-method
    random``); a later one as its state says.

    Raises:
        ConfigError: --split-method or --group-by ask for another split than the stopped run's.
    """
    state = _stopped_state(last)
    if state is None:
        return cfg
    kept = state.get("split")
    method, group = ("random", None) if kept is None else (kept.get("method"), kept.get("group_by"))
    if method not in ("stratified", "random"):
        return cfg                   # PTB-XL's folds, a split file or a split column: the options say it
    same = (cfg.split_method in (None, method)
            and (method == "random" or cfg.group_by is None or cfg.group_by == (group or BY_RECORD)))
    if not same:
        raise ConfigError(f"--resume: the stopped run in {last.parent} was split {method}"
                          f"{'' if method == 'random' else f' by {group or BY_RECORD}'}"
                          f"{' (before stratification)' if kept is None else ''}; resume it without "
                          "--split-method and --group-by, or train anew with --overwrite")
    if kept is None and cfg.split_method is None:
        logger.info("--resume: the stopped run was made before stratified splits; its records keep their "
                    "random split (--split-method random)")
    return replace(cfg, split_method=method, group_by=None if method == "random" else group or BY_RECORD)


def _check_split_kept(ds, last: Path) -> None:
    """Refuse to resume a run whose records now split otherwise (a labels table edited since).

    Raises:
        ConfigError: the stopped run's split digest differs from this one's.
    """
    kept = (_stopped_state(last) or {}).get("split")
    if kept and kept.get("digest") and kept["digest"] != split_digest(ds.items):
        raise ConfigError(f"--resume: the records of {ds.spec} split otherwise than when the run in {last.parent} "
                          "stopped (its labels table, split file or records changed): its model was chosen on "
                          "another validation split; train anew with --overwrite")


def _resume(last: Path, model, opt, sched, scaler, ema, total_steps: int, best: dict, dist: Dist):
    """Restore a stopped run from ``OUT/last`` -> (epochs done, log rows, best so far).

    Raises:
        ConfigError: no resume state, or one of a run with another number of steps.
    """
    if not (last / "state.json").is_file():
        raise ConfigError(f"error: --resume: no resume state in {last}")
    state = load_resume_state(last, model, opt, sched, scaler, ema)
    start_epoch = state["epoch"]
    history = state.get("history", [])
    best = state.get("best", best)
    if state.get("total_steps") not in (None, total_steps):
        raise ConfigError(f"--resume: the stopped run had {state['total_steps']} steps in all, this one "
                          f"{total_steps}: keep --epochs, --batch-size and the data the same")
    if dist.main:
        chosen = next((h.get("val_macro_auroc") for h in history if h.get("epoch") == best["epoch"]), None)
        logger.info("resuming after epoch %d (best val macro AUROC %s at epoch %d)", start_epoch,
                    "undefined" if chosen is None else f"{chosen:.4f}", best["epoch"])
    return start_epoch, history, best


def _clinical(cfg: TrainConfig, ds, ok, dist: Dist):
    """The clinical schema (the dataset's features or --clinical, normalisation fitted on the training
    records that loaded) and the encoded matrix of every record: (schema, x (N, C), mask (N, C))."""
    names = [n.strip() for n in cfg.clinical.split(",")] if cfg.clinical else list(ds.clinical_names)
    left = [n for n in ds.clinical_names if n not in names]
    if left and dist.main:
        # the data gives them, --clinical leaves them out: said, as the labs table's own columns are
        logger.info("not used: %s (given by the data, not named by --clinical %s)", ", ".join(left), cfg.clinical)
    schema = default_schema(names)
    rows_all = [it.clinical for it in ds.items]
    train_rows = ds.split_indices("train")
    train_rows = train_rows[ok[train_rows]]
    schema = schema.fit(clean_rows(schema, [rows_all[i] for i in train_rows]))
    clin, cmask, dropped = encode_clinical(schema, rows_all)
    if dropped and dist.main:
        logger.warning("%d impossible clinical values were treated as missing", dropped)
    return schema, clin, cmask


def _splits(cfg: TrainConfig, ds, ok) -> dict[str, np.ndarray]:
    """Dataset indices of the records that loaded, per split (the training split cut to --train-limit)."""
    splits = {}
    for s in ("train", "val", "test"):
        r = ds.split_indices(s)
        splits[s] = r[ok[r]]
    if cfg.train_limit and cfg.train_limit < len(splits["train"]):
        pick = np.random.default_rng(cfg.seed).choice(len(splits["train"]), cfg.train_limit, replace=False)
        splits["train"] = np.sort(splits["train"][pick])
    if len(splits["train"]) == 0 or len(splits["val"]) == 0:
        raise DataError(f"error: {cfg.data}: the train and validation splits must not be empty "
                        f"(train {len(splits['train'])}, val {len(splits['val'])})")
    return splits


def _macro_words(vm: dict) -> str:
    """An epoch's validation macro AUROC for the log: "0.8123", "0.8123 over 3 of 4 classes" or "n/a"."""
    value = (vm.get("macro") or {}).get("auroc")
    if value is None or value != value:
        return "n/a"
    return f"{value:.4f}{classes_counted(vm)}"


def _num(v) -> str:
    return "n/a" if v is None else f"{v:.4f}"


def _val_loss(probs: np.ndarray, y: np.ndarray, task_type: str, weights) -> float:
    """Weighted BCE / CE of validation probabilities (same weighting as training)."""
    eps = 1e-7
    p = np.clip(probs.astype(np.float64), eps, 1 - eps)
    w = None if weights is None else weights.detach().cpu().numpy().astype(np.float64)
    if task_type == "multiclass":
        ll = -np.log(p[np.arange(len(y)), y])
        if w is not None:
            return float((w[y] * ll).sum() / w[y].sum())
        return float(ll.mean())
    pw = np.ones(p.shape[1]) if w is None else w
    ll = -(pw[None, :] * y * np.log(p) + (1 - y) * np.log(1 - p))
    return float(ll.mean())
