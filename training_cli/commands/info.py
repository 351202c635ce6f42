"""``mirage info``: versions, device, the shipped model and sample records."""

from __future__ import annotations

import argparse
import platform

import torch

import mirage_model as mm
from mirage_model.checkpoint import label_summary
from mirage_model.paths import shipped_models
from mirage_model.words import counted
from training_cli.options import command_parser


def info_command_parser(subparsers=None) -> argparse.ArgumentParser:
    """The parser of ``mirage info`` (a subcommand when ``subparsers`` is given, else standalone)."""
    p = command_parser(subparsers, "info")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
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
    return 0
