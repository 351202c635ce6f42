"""``mirage evaluate``: metrics of a checkpoint on one split of a dataset, with bootstrap intervals.

Macro and per-class AUROC and AUPRC, F1 and accuracy at the checkpoint's validation thresholds (chosen
on the validation split by ``mirage train``), a class called as the app, the PDF and ``mirage score``
call it (``outputs.is_called``: at or above its threshold and at least 20 %), with a percentile
bootstrap 95% interval over records (1000 seeded resamples by default) for each class with at least 20
positive and 20 negative records and for the macro of those classes; a class with fewer, and the macro
of all classes when it holds one, get none (the printed line and metrics.md name them); ROC and PR
curves as PNG; a Markdown summary. Only the records of --split are read; the model runs directly on
their cached model inputs (the one preprocessing path).

    mirage evaluate --model RUN/model --data ptbxl:ROOT --task superdiagnostic --split test --out metrics.json

Writes ``metrics.json`` (or ``OUT/metrics.json`` when --out is a folder) and beside it
``metrics.md``, ``roc.png``, ``pr.png``, ``reliability.png`` and ``predictions.csv``; files an
earlier run left there are replaced only with ``--overwrite`` (refused before any work without it).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from mirage_model.review.report.model_info import macro_auroc_text
from mirage_model.runtime import set_threads
from training_cli.config import apply_config, remember_defaults
from training_cli.engine.data import DataOptions
from training_cli.engine.errors import ConfigError
from training_cli.engine.evaluation import evaluate_checkpoint, fmt, output_files
from training_cli.engine.metrics import enough_words, no_interval_why
from training_cli.engine.runtime import resolve_device
from training_cli.options import add_data_args, add_overwrite_arg, command_parser, count
from training_cli.outputs import check_output_place, refuse_earlier_outputs


def add_eval_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=None, help="JSON file of option defaults")
    p.add_argument("--model", required=False, default=None, help="checkpoint folder (from mirage train: OUT/model)")
    add_data_args(p)
    p.add_argument("--split", default="test", choices=("train", "val", "test"), help="the split to read (default test)")
    p.add_argument("--out", default=None, help="metrics.json path or a folder")
    add_overwrite_arg(p, "the metrics, predictions and plots")
    p.add_argument("--bootstrap", type=int, default=1000,
                   help="bootstrap resamples (0: none); a class with fewer than 20 positive or negative records "
                        "gets no interval")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed; also the seed of random splits")
    p.add_argument("--device", default="auto", help="auto (GPU when present), cpu or cuda")
    p.add_argument("--batch-size", type=count(1), default=64, help="records per forward pass (default 64)")
    p.add_argument("--threads", type=count(0), default=0, help="torch CPU threads (0: torch default)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


def evaluate_command_parser(subparsers=None) -> argparse.ArgumentParser:
    """The parser of ``mirage evaluate`` (a subcommand when ``subparsers`` is given, else standalone)."""
    p = command_parser(subparsers, "evaluate",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_eval_args(p)
    remember_defaults(p)
    p.set_defaults(func=run, _parser=p)
    return p


def run(args) -> int:
    if getattr(args, "_parser", None) is not None:
        apply_config(args._parser, args)
    for opt in ("model", "data", "out"):
        if not getattr(args, opt):
            raise ConfigError(f"mirage evaluate: --{opt} is required")
    files = output_files(args.out)
    check_output_place(args.out, "--out", folder=files[0] != Path(args.out).expanduser())   # a folder or a metrics.json
    refuse_earlier_outputs("mirage evaluate", args.out, files, args.overwrite, error=ConfigError)
    device = resolve_device(args.device)
    if args.threads:
        set_threads(args.threads)
    m = evaluate_checkpoint(args.model, DataOptions.of(args), args.out, split=args.split, device=device,
                            n_boot=args.bootstrap, progress=not args.no_progress, batch_size=args.batch_size,
                            seed=args.seed, command=shlex.join(["mirage", "evaluate", *_argv(args)]),
                            replaced=_replaced(files[0]))
    macro = m["macro"]
    ci = m.get("bootstrap", {}).get("macro", {}).get("auroc")
    print(f"{args.split}: {macro_auroc_text(m, ci)}, macro AUPRC {fmt(macro['auprc'])}, "
          f"macro F1 {fmt(macro['f1'])} on {m['n']} records{_no_interval(m)}")
    return 0


def _no_interval(m: dict) -> str:
    """What the printed line adds where some classes have no bootstrap interval: which classes and why,
    once, in the model card's and metrics.md's words, and the macro of the others with its interval; ""
    when every class has one."""
    boot = m.get("bootstrap") or {}
    if not boot.get("no_interval"):
        return ""
    said = f"; {no_interval_why(boot['no_interval'], len(m['per_class']), 'the macro of all classes')}"
    if enough := boot.get("macro_enough"):
        said += (f"; {enough_words(len(enough['classes']), len(m['per_class']))}: AUROC "
                 f"{fmt(enough['point']['auroc'], enough['ci']['auroc'])}")
    return said


def _argv(args) -> list[str]:
    """The options this command was given (``config.remember_defaults`` keeps them; else sys.argv's)."""
    argv = getattr(args, "_argv", None)
    return list(argv) if argv is not None else sys.argv[2:]


def _replaced(path: Path) -> dict | None:
    """The metrics.json an --overwrite replaces (its looks at the split are kept), None if none or unreadable."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None
