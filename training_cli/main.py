"""``mirage``: the bundled CLI that trains, evaluates, ablates, benchmarks and batch-scores MIRAGE models.

Each subcommand lives in its own module exposing ``add_parser(subparsers)`` (which sets
``func=run`` on its parser) and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

# (subcommand module, one-line help) in the order --help lists them
SUBCOMMANDS = (
    "info",
    "train",
    "evaluate",
    "compare",
    "ensemble",
    "calibrate",
    "ablate",
    "bench",
    "robustness",
    "score",
    "report_cmd",
    "measure_cmd",
    "convert",
    "export",
)


def get_args_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mirage",
        description="MIRAGE Review command line: train, evaluate, ablate, benchmark and batch-score "
        "ECG models. Research use only, not a diagnosis.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"training_cli.{name}")
        except ModuleNotFoundError as err:
            if err.name == f"training_cli.{name}":
                continue  # subcommand not built yet
            raise
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = get_args_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (``mirage info | head``): stop quietly, as Unix tools do
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
