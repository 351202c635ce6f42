"""``mirage``: the bundled CLI that trains, evaluates, ablates, benchmarks and batch-scores MIRAGE models.

Each subcommand lives in its own module exposing ``add_parser(subparsers)`` (which sets
``func=run`` on its parser) and ``run(args) -> int``.

No traceback reaches a user: the library's typed errors (a record, checkpoint, labs table or batch
that cannot be used; each names its file) become one ``error:`` line and exit code 2; anything
unforeseen becomes one line and exit code 1, with the traceback only under ``--verbose``.
Numerical warnings (numpy's RuntimeWarning on odd input) are shown only under ``--verbose``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import warnings

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
        module = importlib.import_module(f"training_cli.{name}")   # a listed command that is missing is a bug
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
    if not args.verbose:
        warnings.filterwarnings("ignore", category=RuntimeWarning)
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
    except _typed_errors() as err:
        logging.getLogger(__name__).debug("typed error", exc_info=True)
        print(f"error: {err}", file=sys.stderr)
        return 2
    except MemoryError:
        print("error: not enough memory for this input", file=sys.stderr)
        return 2
    except Exception as err:   # a bug, not the user's input: one line, details under --verbose
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        print(f"error: {type(err).__name__}: {err} (run with --verbose for details)", file=sys.stderr)
        return 1


def _typed_errors() -> tuple[type[BaseException], ...]:
    """The library's user-facing error types (each message names the file at fault)."""
    from mirage_model.batch import BatchError
    from mirage_model.checkpoint import CheckpointError
    from mirage_model.clinical import ClinicalError
    from mirage_model.records import RecordError
    from mirage_model.preprocess import PreprocessError

    return (RecordError, CheckpointError, ClinicalError, BatchError, PreprocessError)


if __name__ == "__main__":
    sys.exit(main())
