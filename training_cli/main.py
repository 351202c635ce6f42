"""``mirage``: the bundled CLI that trains, evaluates, ablates, benchmarks and batch-scores MIRAGE models.

Each subcommand is a thin module ``training_cli.commands.NAME`` exposing ``NAME_command_parser(subparsers=None)``
(which sets ``func=run`` on its parser) and ``run(args) -> int``; ``training_cli.commands.COMMANDS``
registers them explicitly (order and one-line help). Only the command being run is imported: the
others are listed by name and help, so ``mirage --help`` and a mistyped command answer at once
instead of loading torch. The work is done by ``training_cli.engine``, which takes typed parameters
and raises typed errors.

No traceback reaches a user, and only this ``main`` turns errors into exit codes: the engine's
``TrainingError`` (an option, dataset, resume state or checkpoint that cannot be used) prints its
message and exits with its ``exit_code`` (1; 2 for the usage errors of score, report, bench,
robustness, convert and compare, as they document); the
library's typed errors (``mirage_model.errors.MirageInputError``: a record, checkpoint, labs table,
batch or signal that cannot be used; each names its file; ``mirage_model.paths.OutputError``: an output
that cannot be written, named as the user gave it) become one ``error:`` line and exit code 2; any other
``OSError`` (a file that cannot be read or written) becomes "error: FILE: reason" and exit code 1;
anything unforeseen becomes one line and exit code 1,
with the traceback only under ``--verbose``.
Numerical warnings (numpy's RuntimeWarning on odd input) are shown only under ``--verbose``.
"""

from __future__ import annotations

import signal
import sys

from training_cli.engine.stop_signals import signal_words, stop_signals_interrupt

# kill (SIGTERM) and a closed terminal (SIGHUP) while this module's imports load stop as Ctrl-C does (main() says
# so): they had ended the process without a word (exit -15); the handlers are put back once they are loaded, and
# main() holds them again for its whole run
with stop_signals_interrupt() as _IMPORT_STOPPED:
    try:
        import argparse
        import importlib
        import logging
        import os
        import warnings

        from mirage_model.errors import MirageInputError
        from training_cli.commands import COMMANDS
        from training_cli.engine.errors import TrainingError
    except KeyboardInterrupt:
        # Ctrl-C while this module's imports load (the first tenth of a second of ``python -m training_cli``
        # or the ``mirage`` script, before main() could catch it) had ended the process with a traceback and a
        # death by SIGINT (exit status -2); main() says "interrupted" and returns 130, as it does later
        _IMPORT_INTERRUPTED = True
    else:
        _IMPORT_INTERRUPTED = False


def _chosen(argv: list[str]) -> str | None:
    """The command word of a ``mirage`` command line (the first argument that is not an option)."""
    return next((a for a in argv if not a.startswith("-")), None)


def get_args_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The ``mirage`` parser. With ``argv``, only the command it names is built in full (its module
    imported); the others are listed by name and help. Without, every command is built."""
    parser = argparse.ArgumentParser(
        prog="mirage",
        description="MIRAGE Review command line: train, evaluate, ablate, benchmark and batch-score "
        "ECG models. Research use only, not a diagnosis.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = _chosen(argv) if argv is not None else None
    for name, help_ in COMMANDS.items():
        if argv is None or name == chosen:
            module = importlib.import_module(f"training_cli.commands.{name}")
            getattr(module, f"{name}_command_parser")(sub)
        else:
            sub.add_parser(name, help=help_, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    # SIGTERM and SIGHUP stop any command as Ctrl-C does from here on, also while its modules (torch) are
    # imported and its line parsed, before mirage score or train hold them for their work: they had ended the
    # process at once and without a word (exit -15)
    began: list = []        # the command's run began: before it, nothing was written
    with stop_signals_interrupt() as stopped_by:
        try:
            if _IMPORT_INTERRUPTED:
                raise KeyboardInterrupt
            return _main(argv, began)
        except KeyboardInterrupt:
            # Ctrl-C also while the command's modules (torch) are imported and its line parsed, not only in
            # its run: a traceback into importlib had been all a user saw
            sig = (_IMPORT_STOPPED or stopped_by or [signal.SIGINT])[0]
            how = "" if sig == signal.SIGINT else f" ({signal_words(sig)})"
            print(f"interrupted{how}" + ("" if began else " while starting: nothing was written"), file=sys.stderr)
            return 128 + int(sig)


def _main(argv: list[str] | None, began: list) -> int:
    """Parse ``argv`` and run its command (``began`` gets True as its run begins); its errors as exit codes."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = get_args_parser(argv)
    args, extra = parser.parse_known_args(argv)
    if extra:
        # a command whose positionals may sit after its options (mirage convert IN... --to wfdb OUT_DIR)
        # takes the rest of them; anything else left over is an error, as parse_args would say
        if getattr(args, "positionals_anywhere", False) and not any(e.startswith("-") for e in extra):
            args.paths = list(args.paths) + [type(args.paths[0])(e) for e in extra]
        else:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
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
        began.append(True)
        return int(args.func(args) or 0)
    except BrokenPipeError:
        # the reader went away (``mirage info | head``): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except TrainingError as err:
        logging.getLogger(__name__).debug("training error", exc_info=True)
        print(err, file=sys.stderr)
        return err.exit_code
    except MirageInputError as err:
        logging.getLogger(__name__).debug("typed error", exc_info=True)
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        # a file the command had to read or write (one it checked already is named by its check): the
        # file and the reason, as any command-line tool says it
        logging.getLogger(__name__).debug("OS error", exc_info=True)
        where = " -> ".join(str(f) for f in (err.filename, err.filename2) if f is not None)
        print(f"error: {where + ': ' if where else ''}{err.strerror or err}", file=sys.stderr)
        return 1
    except MemoryError:
        print("error: not enough memory for this input", file=sys.stderr)
        return 2
    except Exception as err:   # a bug, not the user's input: one line, details under --verbose
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        print(f"error: {type(err).__name__}: {err} (run with --verbose for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
