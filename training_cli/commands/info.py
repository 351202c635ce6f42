"""``mirage info``: versions, device, the shipped model and sample records; with ``--model``, what a checkpoint (a
researcher's own, exported by ``mirage export``) records of itself: its labels, thresholds, inputs, data and figures."""

from __future__ import annotations

import argparse
import platform

import torch

import mirage_model as mm
from mirage_model.checkpoint import CheckpointError, label_summary, read_checkpoint_config
from mirage_model.inference import ModelNotFoundError, resolve_model_path
from mirage_model.paths import shipped_models
from mirage_model.review.report.model_info import macro_auroc_text
from mirage_model.words import counted
from training_cli.engine.cache import default_cache_dir
from training_cli.engine.cache_folders import cache_lines
from training_cli.engine.errors import ModelLoadError
from training_cli.options import command_parser


def info_command_parser(subparsers=None) -> argparse.ArgumentParser:
    """The parser of ``mirage info`` (a subcommand when ``subparsers`` is given, else standalone)."""
    p = command_parser(subparsers, "info")
    p.add_argument("--model", help="also describe this model, a checkpoint folder or a shipped model's name: "
                   "what its config.json records (labels, thresholds, clinical inputs, data, figures)")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    described = model_lines(args.model) if getattr(args, "model", None) else []    # refused before anything is said
    print(f"MIRAGE Review {mm.__version__}  ({mm.RESEARCH_USE_NOTICE})")
    print(f"python {platform.python_version()}  torch {torch.__version__}  "
          f"cuda {'yes: ' + torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no'}")

    shipped = shipped_models()
    print(f"shipped models (--model NAME): {', '.join(shipped) if shipped else 'none'}")
    for name, folder in shipped.items():
        summary = label_summary(folder)
        print(f"  {name}{f' ({summary})' if summary else ''}: {folder}")
    samples = mm.sample_records()
    print(f"sample records: {len(samples)}")
    for path in samples:
        try:
            rec = mm.load_record(path)
            print(f"  {rec.record_id}: {counted(rec.signal.shape[0], 'lead')}, {rec.fs:g} Hz, {rec.duration_s:.1f} s")
        except mm.RecordError as err:
            print(f"  {path.name}: {err.reason}")
    print("\n".join(cache_lines(default_cache_dir())))
    if described:
        print("\n".join(described))
    return 0


def model_lines(model) -> list[str]:
    """What the checkpoint ``model`` (a folder or a shipped name) records of itself, from its config.json alone:
    its name, task, labels and thresholds, clinical inputs (and the labs table it was trained with), data, and its
    validation macro AUROC (the selection split's, said so) and test macro AUROC as the model card words them
    (``macro_auroc_text``).

    Raises:
        ModelLoadError: no such model, or a file that is no checkpoint (the message names it).
    """
    try:
        cfg = read_checkpoint_config(resolve_model_path(model))
    except (ModelNotFoundError, CheckpointError, OSError) as err:
        raise ModelLoadError(f"error: --model {model}: {err}") from None
    prov, metrics = cfg.get("provenance") or {}, cfg.get("metrics") or {}
    labels, thresholds = list(cfg.get("labels") or []), list(cfg.get("thresholds") or [])
    # a statements model's 71 thresholds are its card's to list
    cut = ", ".join(f"{lab} {t:.3f}" for lab, t in zip(labels, thresholds)) if len(labels) <= 12 else ""
    features = [f.get("name") for f in (cfg.get("clinical") or {}).get("features", [])]
    labs = f" (trained with the labs table {prov['labs_file']})" if prov.get("labs_file") else ""
    table = f" ({prov['labels_file']})" if prov.get("labels_file") else ""
    lines = [f"model {cfg.get('name', '')} (--model {model}):",
             f"  task {cfg.get('task', '')}; labels {', '.join(labels) if len(labels) <= 12 else len(labels)}"
             + (f"; thresholds {cut}" if cut else ""),
             f"  clinical inputs: {', '.join(features) if features else 'none'}{labs}",
             f"  trained on {prov.get('data') or prov.get('training_data') or 'unknown data'}{table}"]
    # the validation figure is the one the checkpoint (its epoch, thresholds, calibration) was chosen on: said so,
    # apart from a held-out test figure (it had read "validation (n=8): ..." beside the test's, as if the same kind)
    names = (("val", "validation, the selection split (n={n}; the checkpoint and its thresholds were chosen on it, "
                     "not held out)"), ("test", "test, held out (n={n})"))
    figures = [f"{name.format(n=metrics[key].get('n'))}: {macro_auroc_text(metrics[key])}"
               for key, name in names if isinstance(metrics.get(key), dict)]
    return lines + (["  " + "; ".join(figures)] if figures else ["  no validation or test figures recorded"])
