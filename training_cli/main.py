"""``mirage``: the bundled CLI that trains, evaluates, ablates, benchmarks and batch-scores MIRAGE models.

Each subcommand is a thin module in ``training_cli.commands`` exposing ``xxx_command_parser(subparsers=None)``
(which sets ``func=run`` on its parser) and ``run(args) -> int``; ``COMMANDS`` registers them here
explicitly. The work is done by ``training_cli.engine``, which takes typed parameters and raises typed
errors.

No traceback reaches a user, and only this ``main`` turns errors into exit codes: the engine's
``TrainingError`` (an option, dataset, resume state or checkpoint that cannot be used) prints its
message and exits with its ``exit_code`` (1; 2 for the usage errors of score, report, bench,
robustness, convert and compare, as they document); the
library's typed errors (a record, checkpoint, labs table or batch that cannot be used; each names its
file) become one ``error:`` line and exit code 2; anything unforeseen becomes one line and exit code 1,
with the traceback only under ``--verbose``.
Numerical warnings (numpy's RuntimeWarning on odd input) are shown only under ``--verbose``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings

from mirage_model.review.batch import BatchError
from mirage_model.checkpoint import CheckpointError
from mirage_model.clinical import ClinicalError
from mirage_model.records import RecordError
from mirage_model.preprocess import PreprocessError
from training_cli.commands.ablate import ablate_command_parser
from training_cli.commands.bench import bench_command_parser
from training_cli.commands.calibrate import calibrate_command_parser
from training_cli.commands.compare import compare_command_parser
from training_cli.commands.convert import convert_command_parser
from training_cli.commands.ensemble import ensemble_command_parser
from training_cli.commands.evaluate import evaluate_command_parser
from training_cli.commands.export import export_command_parser
from training_cli.commands.info import info_command_parser
from training_cli.commands.interpretation import interpretation_command_parser
from training_cli.commands.report import report_command_parser
from training_cli.commands.robustness import robustness_command_parser
from training_cli.commands.score import score_command_parser
from training_cli.commands.train import train_command_parser
from training_cli.engine.errors import TrainingError

# the subcommands, in the order --help lists them
COMMANDS = (
    info_command_parser,
    train_command_parser,
    evaluate_command_parser,
    compare_command_parser,
    ensemble_command_parser,
    calibrate_command_parser,
    ablate_command_parser,
    bench_command_parser,
    robustness_command_parser,
    score_command_parser,
    interpretation_command_parser,
    report_command_parser,
    convert_command_parser,
    export_command_parser,
)
# the library's user-facing error types (each message names the file at fault)
LIBRARY_ERRORS = (RecordError, CheckpointError, ClinicalError, BatchError, PreprocessError)


def get_args_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mirage",
        description="MIRAGE Review command line: train, evaluate, ablate, benchmark and batch-score "
        "ECG models. Research use only, not a diagnosis.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command_parser in COMMANDS:
        command_parser(sub)
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
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except TrainingError as err:
        logging.getLogger(__name__).debug("training error", exc_info=True)
        print(err, file=sys.stderr)
        return err.exit_code
    except LIBRARY_ERRORS as err:
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


if __name__ == "__main__":
    sys.exit(main())
