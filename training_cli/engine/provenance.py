"""The selected model of a ``mirage train`` run, saved with what it records of the run: the provenance
the model card reads (data, recipe, where the splits came from, clinical coverage, records per class)
and, once the run has scored the test split, that look (``metrics["test_looks"]``) and its figures
(``metrics["test"]``).
"""

from __future__ import annotations

import time
from pathlib import Path

from mirage_model.checkpoint import load_checkpoint, save_checkpoint
from training_cli.engine import runlog
from training_cli.engine.evaluation import look_record
from training_cli.engine.looks import kept_test
from training_cli.engine.ptbxl import PTBXL_SPLITS
from training_cli.engine.recipes import TrainConfig
from training_cli.engine.split_record import split_file_digest
from training_cli.engine.splits import SPLIT_METHODS
from training_cli.engine.tables import id_column, read_table, table_record_id


def record_test_look(folder: Path, test: dict) -> None:
    """Record in the selected checkpoint that the run scored the test split (once, here): an export
    quoting a later evaluation then says the test split was looked at twice. Its figures go with it
    (``metrics.test``, with the command, where ``mirage export --test-metrics`` puts an evaluation's), so that
    the app's model line and an export's card show them: they had stayed in OUT/test/metrics.json alone."""
    loaded = load_checkpoint(folder)
    metrics = {**(loaded.metrics or {}), "test": kept_test(test, "mirage train"),
               "test_looks": [*(loaded.metrics or {}).get("test_looks", []), look_record(test, "mirage train")]}
    save_checkpoint(folder, loaded.model, model_type=loaded.model_type, task=loaded.task, labels=loaded.labels,
                    schema=loaded.schema, preprocess=loaded.preprocess, render=loaded.render,
                    thresholds=loaded.thresholds, provenance=loaded.provenance, metrics=metrics, name=loaded.name,
                    extra=loaded.extra, label_descriptions=loaded.label_descriptions)


def _split_source(cfg: TrainConfig, ds) -> str:
    """Where the run's train/val/test splits came from, in words (the checkpoint's provenance "splits").

    A folder dataset takes its labels file's ``split`` column first (``splits.assign_splits``): a split
    file or the seed only decide the records the column leaves without one (a split file that gives a
    record of the column another split, or leaves a record without any, is refused).
    """
    if ds.kind == "ptbxl":
        return PTBXL_SPLITS
    info = getattr(ds, "split_info", None)
    seeded = info.describe(with_column=False) if info is not None else f"seeded random split (seed {cfg.seed})"
    notes = info.notes() if info is not None else ""
    in_column: set[str] = set()
    if ds.kind == "folder" and cfg.labels:
        rows = read_table(Path(cfg.labels))
        col = {c.strip().lower(): c for c in rows[0].keys()}.get("split")
        id_col = id_column(Path(cfg.labels), rows[0].keys())
        for row in rows if col else ():
            if (row[col] or "").strip():
                in_column.add(table_record_id(row[id_col]))
    labels = Path(cfg.labels).name if cfg.labels else ""
    if in_column and all(it.record_id in in_column for it in ds.items):
        return f"the split column of {labels}{notes}"
    rest = f"split file {cfg.split_file}{notes}" if cfg.split_file else seeded
    if in_column:
        return f"the split column of {labels}; records without one: {rest}"
    return rest


def save_model(folder, model, model_type, task_type, ds, schema, pcfg, rcfg, thresholds, cfg: TrainConfig, t_start,
               metrics, coverage: dict | None = None, class_counts: dict | None = None, left_out: dict | None = None,
               records: dict | None = None):
    splits = _split_source(cfg, ds)
    provenance = {
        "data": ds.spec, "task": ds.task, "command": runlog.command_line(), "date": runlog.utc_now(),
        "code_version": runlog.code_version(), "hardware": runlog.hardware(),
        "duration_s": round(time.time() - t_start, 1), "seed": cfg.seed, "preset": cfg.preset,
        "recipe": {**{k: getattr(cfg, k) for k in ("epochs", "lr", "batch_size", "weight_decay", "warmup")},
                   "augment": bool(cfg.augment), "ema": float(cfg.ema),
                   "noise": bool(cfg.noise),
                   **({"smooth_noise": cfg.smooth_noise} if cfg.smooth_noise else {}),
                   "consistency": float(cfg.consistency),
                   **({"consistency_faults": cfg.consistency_faults} if cfg.consistency else {}),
                   "init_from": cfg.init_from},
        "splits": splits,
        # the split file that split the records (not one a split column overrode for all of them): evaluate and
        # the other commands refuse the model's data without it, or with a file of other content
        **({"split_file": str(cfg.split_file), "split_file_digest": split_file_digest(cfg.split_file)}
           if cfg.split_file and f"split file {cfg.split_file}" in splits else {}),
        # how a seeded split was made, so that evaluate and calibrate split the model's data the same way
        **({"split_method": ds.split_info.method, "group_by": ds.split_info.group_column}
           if getattr(ds, "split_info", None) is not None and ds.split_info.method in SPLIT_METHODS else {}),
        # the patient column's table when it is the labs table's: scoring the data again needs --labs
        **({"group_by_labs": True} if getattr(ds, "split_info", None) is not None and ds.split_info.group_column
           and ds.kind == "folder" and cfg.labs and ds.split_info.table == Path(cfg.labs).name
           and ds.split_info.table != Path(cfg.labels or "").name else {}),
        # what the model card says of the training data (``model_card``): never PTB-XL's story
        # for another dataset
        "data_kind": ds.kind, "data_root": Path(ds.root).name,
        **({"labels_file": Path(cfg.labels).name} if ds.kind == "folder" and cfg.labels else {}),
        **({"label_map_file": Path(cfg.label_map).name} if cfg.label_map else {}),
        **({"labs_file": Path(cfg.labs).name} if ds.kind == "folder" and cfg.labs else {}),
        **({"clinical_coverage": coverage} if coverage is not None else {}),
        **({"class_counts": class_counts} if class_counts is not None else {}),
        # what the tables and records left out (``loop._left_out``): the card counts them
        **({"left_out": left_out} if left_out else {}),
        # the fingerprints of the training and validation records (``records.fingerprint``): a record scored later
        # is marked as one the model was trained or selected on
        **({"training_records": records} if records else {}),
    }
    name = f"{model_type}-{ds.kind}-{ds.task}" + (f"-{cfg.preset}" if model_type == "mirage" else "")
    save_checkpoint(folder, model, model_type=model_type, task=task_type, labels=list(ds.classes), schema=schema,
                    preprocess=pcfg, render=rcfg, thresholds=[float(t) for t in thresholds], provenance=provenance,
                    metrics=metrics, name=name,
                    # each label's words, the data's where it gives them (a Challenge label map's), else the label
                    label_descriptions={c: ds.descriptions.get(c) or c for c in ds.classes})
