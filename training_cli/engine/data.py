"""Training data: a dataset opened with its input cache, its splits as batches, the clinical matrix.

A split is served by ``CachedSplit`` whole batches at a time from the memory-mapped cache
(``engine.cache``); ``make_loader`` wraps it in a DataLoader whose sampler is seeded per epoch
(DistributedSampler, also for one process).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields, replace
from types import SimpleNamespace

import numpy as np
import torch
from torch.utils.data import BatchSampler, DataLoader, DistributedSampler, SequentialSampler

from mirage_model.averaging import add_fresh_noise
from mirage_model.clinical import ClinicalError
from mirage_model.preprocess import PreprocessConfig
from mirage_model.words import counted
from training_cli.engine import cache as cache_mod
from training_cli.engine.augment import muscle_noise_inputs, noisy_inputs
from training_cli.engine.datasets import SPLITS, DatasetError, open_dataset
from training_cli.engine.distributed import Dist
from training_cli.engine.errors import ConfigError, DataError
from training_cli.engine.left_out import skipped_named
from training_cli.engine.metrics import as_multilabel
from training_cli.engine.model_labels import check_model_labels
from training_cli.engine.split_record import (check_label_map, check_split_file, check_split_seed, recorded_split,
                                              same_root)
from training_cli.engine.splits import BY_RECORD
from training_cli.outputs import check_output_place

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DataOptions:
    """Where the records come from and how they are split and cached (the ``data`` option group)."""

    data: str | None = None          # "ptbxl:ROOT", "challenge:ROOT" or "folder:ROOT"
    task: str | None = None          # PTB-XL task, or multilabel / multiclass
    labels: str | None = None        # folder datasets: labels CSV
    labs: str | None = None          # folder datasets: laboratory results CSV
    label_map: str | None = None     # challenge datasets: SNOMED-CT -> class CSV
    split_file: str | None = None    # CSV record_id,split
    cache_dir: str | None = None     # input cache folder (None: default_cache_dir())
    limit: int = 0                   # debug: first N records of each split (0: all)
    train_limit: int = 0             # a seeded random subset of N training records (0: all)
    workers: int = 0                 # processes for preprocessing and loading
    seed: int = 0                    # seed of random splits
    group_by: str | None = None      # folder datasets: the labels table's patient column (None: found; "record")
    split_method: str | None = None  # "stratified" or "random" (None: stratified, or as a model or resumed run was)

    def __post_init__(self):
        # a negative count used to open an empty dataset and fail later on an empty cache or split
        for name in ("limit", "train_limit"):
            value = getattr(self, name)
            if value is not None and value < 0:
                flag = "--" + name.replace("_", "-")
                raise ConfigError(f"error: {flag} must be at least 1, or 0 for all records (got {value})")
        # a negative count of processes had reached torch's DataLoader after train wrote its config.json
        if self.workers is not None and self.workers < 0:
            raise ConfigError(f"error: --workers must be at least 1, or 0 for all cores (got {self.workers})")

    @classmethod
    def of(cls, options) -> "DataOptions":
        """The data options of any object that carries them as attributes (a parsed command line, a config)."""
        return cls(**{f.name: getattr(options, f.name, f.default) for f in fields(cls)})


class CachedSplit:
    """Batches of one split from the cache: __getitem__ takes a list of rows (a whole batch)."""

    def __init__(self, cache, rows: np.ndarray, clinical: np.ndarray, mask: np.ndarray, targets: np.ndarray,
                 with_image: bool, noise: bool = False, preprocess_cfg=None, render_cfg=None,
                 keep_clean: bool = False, muscle_copy: bool = False, with_mv: bool = False,
                 smooth_mv: float = 0.0):
        self.cache, self.rows = cache, rows
        self.smooth_mv = smooth_mv             # in-band noise (mV) on every signal, as noise-averaged scoring adds
        self.with_mv = with_mv                 # the windows in mV too, as mv (noise-averaged scoring)
        self.keep_clean = keep_clean           # with noise: the clean inputs too, as clean_signal / clean_image
        self.muscle_copy = muscle_copy         # with keep_clean: a muscle-noise-only copy, stab_signal / stab_image
        self.clinical, self.mask, self.targets = clinical, mask, targets
        self.with_image = with_image
        self.noise, self.preprocess_cfg, self.render_cfg = noise, preprocess_cfg, render_cfg

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, batch):
        idx = np.asarray(batch, dtype=np.int64)
        rows = self.rows[idx]
        order = np.argsort(rows)               # memmaps read fastest in file order
        rows, idx = rows[order], idx[order]
        out = {
            "index": torch.from_numpy(idx),
            "signal": torch.from_numpy(np.ascontiguousarray(self.cache.signal[rows])),
            "clinical": torch.from_numpy(self.clinical[idx]),
            "mask": torch.from_numpy(self.mask[idx]),
            "target": torch.from_numpy(self.targets[idx]),
        }
        if self.with_image:
            out["image"] = torch.from_numpy(np.ascontiguousarray(self.cache.image[rows]))   # uint8 (B, S, S)
        if self.smooth_mv > 0 and not self.noise:
            rng = np.random.default_rng(int(torch.randint(0, 2 ** 62, (1,)).item()))
            out["signal"] = torch.from_numpy(add_fresh_noise(out["signal"].numpy(), self.cache.mv[rows], self.smooth_mv,
                                                             rng, self.preprocess_cfg or PreprocessConfig()))
        if self.with_mv:
            out["mv"] = torch.from_numpy(np.asarray(self.cache.mv[rows], dtype=np.float32))   # (B, 12, T) mV
        if self.noise:
            # drawn from torch's generator, which ``mirage train`` seeds and its resume state restores
            rng = np.random.default_rng(int(torch.randint(0, 2 ** 62, (1,)).item()))
            preserving: list = []
            signal, image = noisy_inputs(self.cache.mv[rows], rng, self.preprocess_cfg, self.render_cfg,
                                         preserving=preserving, smooth_mv=self.smooth_mv)
            if self.keep_clean:
                out["preserving"] = torch.from_numpy(preserving[0])   # faults that leave the reading unchanged
                if self.muscle_copy:
                    stab_signal, stab_image = muscle_noise_inputs(self.cache.mv[rows], rng, self.preprocess_cfg,
                                                                  self.render_cfg)
                    out["stab_signal"] = torch.from_numpy(stab_signal)
                    if self.with_image:
                        out["stab_image"] = torch.from_numpy(stab_image)
                out["clean_signal"] = out["signal"]
                if self.with_image:
                    out["clean_image"] = out["image"]
            out["signal"] = torch.from_numpy(signal)
            if self.with_image:
                out["image"] = torch.from_numpy(image)
        return out


def inputs_to_device(signal, image, device):
    """signal (B, L, T), image uint8 (B, S, S) or None -> (signal, image (B, 1, S, S) float in [0, 1] or None)."""
    nb = device.type == "cuda"
    signal = signal.to(device, non_blocking=nb)
    if image is not None:
        image = image.to(device, non_blocking=nb).unsqueeze(1).float().div_(255.0)
    return signal, image


def batch_to_device(batch: dict, device):
    """-> (signal (B, L, T), image (B, 1, S, S) float in [0, 1] or None, clinical, mask, target)."""
    nb = device.type == "cuda"
    signal, image = inputs_to_device(batch["signal"], batch.get("image"), device)
    return (signal, image, batch["clinical"].to(device, non_blocking=nb), batch["mask"].to(device, non_blocking=nb),
            batch["target"].to(device, non_blocking=nb))


def make_loader(split: CachedSplit, batch_size: int, shuffle: bool, seed: int, dist: Dist, workers: int,
                pin: bool):
    if shuffle:
        # DistributedSampler also serves one process: a seeded permutation per epoch (set_epoch)
        base = DistributedSampler(range(len(split)), num_replicas=dist.world, rank=dist.rank, shuffle=True,
                                  seed=seed, drop_last=False)
    else:
        base = SequentialSampler(range(len(split)))
    sampler = BatchSampler(base, batch_size, drop_last=False)
    loader = DataLoader(split, sampler=sampler, batch_size=None, num_workers=workers, pin_memory=pin,
                        persistent_workers=workers > 0, generator=torch.Generator().manual_seed(seed))
    loader.base_sampler = base
    return loader


def encode_clinical(schema, rows: list[dict]) -> tuple[np.ndarray, np.ndarray, int]:
    """Encode clinical dicts; an impossible value is masked (counted) rather than ending the run.

    Returns: x (N, C) float32, mask (N, C) float32, number of values dropped.
    """
    xs, ms, dropped = [], [], 0
    for row in rows:
        row = {k: v for k, v in (row or {}).items() if k in schema.names}
        for _ in range(len(schema.names) + 1):
            try:
                x, m = schema.encode(row)
                break
            except ClinicalError as err:
                if err.feature not in row:
                    raise
                row.pop(err.feature)
                dropped += 1
        xs.append(x)
        ms.append(m)
    C = len(schema.names)
    if not xs:
        return np.zeros((0, C), np.float32), np.zeros((0, C), np.float32), dropped
    return np.stack(xs).astype(np.float32), np.stack(ms).astype(np.float32), dropped


def clean_rows(schema, rows: list[dict]) -> list[dict]:
    """Rows with impossible values removed (for fitting normalisation statistics)."""
    out = []
    for row in rows:
        row = {k: v for k, v in (row or {}).items() if k in schema.names}
        for _ in range(len(schema.names) + 1):
            try:
                schema.canonical(row)
                break
            except ClinicalError as err:
                if err.feature not in row:
                    raise
                row.pop(err.feature)
        out.append(row)
    return out


def class_weights(y: np.ndarray, task_type: str, K: int) -> np.ndarray:
    """multilabel: pos_weight = neg / pos per class; multiclass: inverse frequency N / (K n_k). (K,)"""
    if task_type == "multiclass":
        counts = np.bincount(y, minlength=K).astype(np.float64)
        w = len(y) / (K * np.maximum(counts, 1))
    else:
        pos = y.sum(0).astype(np.float64)
        w = (len(y) - pos) / np.maximum(pos, 1)
        w[pos == 0] = 1.0
    return w.astype(np.float32)


PTBXL_FOLDS = "PTB-XL's folds fix the splits: 1-8 train, 9 val, 10 test"


def _fixed_fix(kind: str, limit: int) -> str | None:
    """The fix of a class too rare in a split where PTB-XL's folds fix the splits, else None."""
    if kind != "ptbxl":
        return None
    return f"give a larger --limit than {limit} ({PTBXL_FOLDS})" if limit else f"{PTBXL_FOLDS}, and hold no more"


def unlearnable_classes(y: np.ndarray, task_type: str, classes, kind: str = "folder", limit: int = 0) -> list[str]:
    """What the training split's targets leave a class unable to learn: one sentence per class with
    no positive record (or, multi-label, no negative one) and the fix, [] when every class has both.

    Args:
        y: the training split's targets, (N, K) 0/1 (multi-label) or (N,) class indices.
        classes: the K class names.
        kind, limit: the dataset's kind and the run's --limit (0: none); PTB-XL's folds fix its splits, so
            its fix is a larger --limit, not a record moved to another split or a class left out of a table.
    """
    classes = list(classes)
    fixed = _fixed_fix(kind, limit)
    if task_type == "multiclass":
        counts = np.bincount(np.asarray(y, dtype=np.int64), minlength=len(classes))
        return [f"no record of {c}: the model cannot learn it; "
                + (fixed or "put some of its records in the training split")
                for c, n in zip(classes, counts) if n == 0]
    y = np.asarray(y)
    pos = y.sum(0) if y.size else np.zeros(len(classes))
    out = []
    for c, p in zip(classes, pos):
        if p == 0:
            out.append(f"no positive record of {c}: the model cannot learn it; "
                       + (fixed or "put some of its records in the training split"))
        elif p == len(y):
            out.append(f"no negative record of {c} (every record is {c}): the model cannot learn it; "
                       + (fixed or f"put some records without {c} in the training split"))
    return out


# fewer positive records of a class than this in a split: what the split gives of it (what is learnt, the
# threshold chosen on validation, the test figures) rests on a handful of records
FEW_SPLIT_POSITIVES = 5


def split_warnings(y: np.ndarray, splits: dict, task_type: str, classes, kind: str = "folder",
                   limit: int = 0) -> list[str]:
    """What a run should say of its classes before training: each class the training split cannot teach
    (``unlearnable_classes``), and in one line the classes with fewer than ``FEW_SPLIT_POSITIVES`` positive
    records in a split that holds records, with their counts per split and what to do ([] when none).
    A class with 3 positive records, one in each split, had trained without a word (``mirage calibrate``
    warned of it only later).

    Args:
        y: every record's targets, (N, K) 0/1 (multi-label) or (N,) class indices.
        splits: split name -> the record indices of it ("train", "val", "test").
        classes: the K class names.
        kind, limit: the dataset's kind and the run's --limit, as ``unlearnable_classes`` reads them.
    """
    classes = list(classes)
    train = np.asarray(splits["train"])
    out = [f"the training split ({len(train)} records) has {problem}"
           for problem in unlearnable_classes(y[train], task_type, classes, kind, limit)]
    fixed = _fixed_fix(kind, limit)
    names = [name for name in ("train", "val", "test") if len(splits.get(name, ()))]
    counts = {name: as_multilabel(y[np.asarray(splits[name])], len(classes)).sum(0) for name in names}
    few = [(c, [int(counts[name][k]) for name in names]) for k, c in enumerate(classes)
           if counts["train"][k] and min(counts[name][k] for name in names) < FEW_SPLIT_POSITIVES]
    if few:
        shown = "; ".join(f"{c}: " + ", ".join(f"{n} {name}" for n, name in zip(ns, names)) for c, ns in few[:12])
        more = f"; ... ({len(few)} in all)" if len(few) > 12 else ""
        out.append(f"{counted(len(few), 'class', plural='classes')} {'has' if len(few) == 1 else 'have'} fewer "
                   f"than {FEW_SPLIT_POSITIVES} positive records in a split ({shown}{more}): what is learnt of "
                   f"{'it' if len(few) == 1 else 'them'}{', ' if 'test' in names else ' and '}the threshold chosen on "
                   f"validation{' and the test figures' if 'test' in names else ''} rest on those few records; "
                   + (fixed or f"give each split at least {FEW_SPLIT_POSITIVES} (more records of the class, or a "
                      "split that spreads them), or leave the class out of the labels table"))
    return out


def _split_as_trained(options: DataOptions, ds, models) -> DataOptions | None:
    """The options that split ``ds`` as the models' own data was split, where the options leave the
    method and the patient column to find and the dataset was split otherwise (a model trained
    before stratification: the earlier random split); None when nothing is to change.

    Raises:
        ConfigError: the models were split in two ways, or --split-method / --group-by ask for another.
    """
    info = ds.split_info
    if options.split_file or info is None or info.method not in ("stratified", "random"):
        return None
    wanted = {recorded_split(prov) for _, prov in models if same_root(prov.get("data", "") if prov else "", ds)}
    wanted.discard(None)
    if not wanted:
        return None
    if len(wanted) > 1:
        raise ConfigError(f"error: the models were trained on {ds.spec} split in different ways "
                          f"({'; '.join(f'{m} by {g or BY_RECORD}' for m, g in sorted(wanted, key=str))}); score them "
                          "one at a time")
    method, group = wanted.pop()
    if method == info.method and (method == "random" or group == info.group_column):
        return None
    from_labs = [prov for _, prov in models if prov and prov.get("group_by_labs") and prov.get("group_by") == group]
    if from_labs and not options.labs and method != "random":
        # the patients were named by the labs table: without it the records cannot be split as trained,
        # and the message had been "--group-by patient_id: no such column", of an option never given
        raise ConfigError(f"error: {models[0][0]} was trained on a split of {ds.spec} by patient ({group}, a column "
                          f"of its labs table {from_labs[0].get('labs_file', 'the labs table')}); give --labs "
                          f"{from_labs[0].get('labs_file', 'LABS.csv')} so that its val and test splits are the ones "
                          "it was not trained on")
    flag = f"--split-method {method}" + ("" if method == "random" else f" --group-by {group or BY_RECORD}")
    if options.split_method is not None or options.group_by is not None:
        raise ConfigError(f"error: {models[0][0]} was trained on a {method} split of {ds.spec}"
                          f"{'' if method == 'random' else f' by {group or BY_RECORD}'}; this split is "
                          f"{info.method} by {info.group_column or BY_RECORD}, so its val and test splits would "
                          f"hold records the model was trained on: give {flag}")
    logger.info("%s was trained on a %s split of these records (%s): split so here", models[0][0], method,
                "by record, as before stratification" if method == "random" else f"by {group or BY_RECORD}")
    return replace(options, split_method=method, group_by=None if method == "random" else group or BY_RECORD)


def _recorded_first(options: DataOptions, models) -> DataOptions:
    """The options to open the models' own data with first: the options as given, but with the seeded split the
    models recorded (``recorded_split``) where the options leave it to find and it needs no table to name its
    patients: a random split, or a stratified one by a named column. ``_split_as_trained`` then finds nothing to
    change and the data is not opened again; anything else (a by-record split, a labs table's column, options that
    ask for another) is left to it."""
    if options.split_file or options.split_method is not None or options.group_by is not None:
        return options
    kind, _, root = str(options.data or "").partition(":")
    here = SimpleNamespace(kind=kind.strip().lower(), root=root)
    provs = [prov for _, prov in models if prov and same_root(prov.get("data", ""), here)]
    wanted = {recorded_split(prov) for prov in provs} - {None}
    if len(wanted) != 1 or any(prov.get("group_by_labs") for prov in provs):
        return options
    method, group = wanted.pop()
    if method == "random":
        return replace(options, split_method="random")
    return replace(options, split_method=method, group_by=group) if group and group != BY_RECORD else options


def open_index(options: DataOptions, model_labels=None, models=(), dataset=None):
    """The dataset named by ``options`` (its records, labels and splits; no signal read, no cache
    built), cut to ``options.limit``; ``model_labels`` and ``models`` as ``open_data`` checks them.
    A model's own data is split as it was trained on it (``_split_as_trained``); ``dataset``: the one
    ``open_index(options)`` gave, opened again only where the models were split otherwise.

    Raises:
        DataError, ConfigError: as ``open_data``.
        UsageError: ``--cache-dir`` is a file or lies under one.
    """
    if options.cache_dir:    # a file there had been "error: FILE: File exists", after train wrote its config.json
        check_output_place(options.cache_dir, "--cache-dir")

    def opened(options):
        try:
            return open_dataset(options.data, options.task, labels=options.labels, labs=options.labs,
                                label_map=options.label_map, split_file=options.split_file, seed=options.seed,
                                group_by=options.group_by, split_method=options.split_method or "stratified")
        except DatasetError as err:
            raise DataError(f"error: {err}") from None

    # split as the models recorded it where that is plain, so that it is opened once (its warnings said once)
    ds = dataset if dataset is not None else opened(_recorded_first(options, list(models)))
    if models and (as_trained := _split_as_trained(options, ds, list(models))) is not None:
        ds = opened(as_trained)
    if model_labels is not None:
        check_model_labels(model_labels, ds, models[0][1] if len(models) == 1 else None)
    for name, provenance in models:
        check_split_file(provenance, options, ds, name)
        check_split_seed(provenance, options, ds, name)
        check_label_map(provenance, options, ds, name)
    return ds.limit(options.limit)


SPLIT_WORDS = {"train": "training", "val": "validation", "test": "test"}


def check_splits(ds, options: DataOptions, needed=("train", "val")) -> None:
    """Refuse a dataset whose ``needed`` splits hold no record, before any record is read: what
    the split came from (``--split-file``, the split column of ``--labels``, PTB-XL's folds or the
    seed) is named with how to fill it.

    Raises:
        DataError: a needed split is empty.
    """
    counts = {s: len(ds.split_indices(s)) for s in SPLIT_WORDS}
    empty = [s for s in needed if counts[s] == 0]
    if not empty:
        return
    names = " and ".join(f"{SPLIT_WORDS[s]} split ('{s}')" for s in empty)
    have = ", ".join(f"{s} {n}" for s, n in counts.items())     # records per split
    marks = " and ".join(f"'{s}'" for s in empty)
    kind = str(options.data or "").split(":", 1)[0]
    if options.split_file:
        fix = f"mark some records {marks} in {options.split_file}"
    elif kind == "folder":
        fix = (f"mark some records {marks} in the split column of {options.labels or 'the labels table'} "
               "(or give a --split-file); without a split column the records are split 80/10/10 by --seed, "
               "by patient where the table names them")
    elif kind == "ptbxl":
        fix = "PTB-XL's folds 1-8 are the training split and fold 9 the validation split: use a root that has them"
    else:
        fix = (f"give a --split-file that marks some records {marks} (a seeded split of fewer than 3 records "
               "leaves one empty)")
    raise DataError(f"error: {options.data}: the {names} {'hold' if len(empty) > 1 else 'holds'} no record ({have}), so nothing was "
                    f"trained or written; {fix}")


def open_data(options: DataOptions, preprocess_cfg=None, render_cfg=None, dist: Dist = Dist(),
              progress: bool = True, model_labels=None, models=(), dataset=None, splits=SPLITS,
              skipped_file: str | None = None):
    """Open the dataset named by ``options``, build or load the cache of its ``splits``, drop records
    that failed. Only the records of ``splits`` are read (``evaluate --split val`` never opens a test
    record); each split has its own cache, shared by the commands that read it.

    ``model_labels``: the labels of the model the data is opened for (``evaluate``, ``calibrate``,
    ``ensemble``): checked against the task's (``check_model_labels``) before the cache is built.
    ``models``: the checkpoints the data is opened for, as (name, provenance): their own data is
    split as they were trained on it (``check_split_seed``).

    ``dataset``: the dataset as ``open_index`` opened it with the same ``options`` (not opened again).

    ``skipped_file``: the file the caller lists the records that failed in (``mirage train``'s
    ``OUT/skipped.csv``), named in the warning; the warning names the first three itself either way.

    Returns (dataset, cache, skipped) with ``dataset`` cut to ``splits`` (``cache`` row i is its item i).

    Raises:
        DataError: the dataset cannot be opened (the message names the file).
        ConfigError: the model's labels are none of the task's, or its data would be split with
            another seed than the one it was trained with.
    """
    ds = dataset if dataset is not None else open_index(options, model_labels, models)
    ds = ds.only(splits)
    kwargs = dict(cache_dir=options.cache_dir, workers=options.workers, progress=progress)
    if dist.main:
        cache = cache_mod.build_or_load_by_split(ds, preprocess_cfg, render_cfg, **kwargs)
    dist.barrier()
    if not dist.main:
        cache = cache_mod.build_or_load_by_split(ds, preprocess_cfg, render_cfg, **{**kwargs, "progress": False})
    skipped = dict(cache.errors)
    if skipped:
        # evaluate, calibrate and ensemble write no skipped.csv, yet the warning sent their user to one; and
        # a cache built by an earlier command names no record as it is loaded: the records are named here
        named = skipped_named(ds, skipped)
        listed = f" (all listed in {skipped_file})" if skipped_file else ""
        logger.warning("%d of %s failed to load and %s skipped%s: %s%s", len(skipped), counted(len(ds.items), "record"),
                       "is" if len(skipped) == 1 else "are", listed, "; ".join(named[:3]),
                       f"; {len(named) - 3} more" if len(named) > 3 else "")
    return ds, cache, skipped
