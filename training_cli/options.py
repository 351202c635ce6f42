"""Argument groups and parser construction shared by several commands (the options a user types the
same way everywhere: the data a command reads, the PDF report's header)."""

from __future__ import annotations

import argparse
from pathlib import Path

from mirage_model.clinical.labs import PATIENT_COLUMNS
from mirage_model.review.batch.outputs import CSV_DIALECTS
from mirage_model.review.report import ReportSettings
from training_cli.commands import COMMANDS
from training_cli.engine.errors import UsageError


# what --model takes in the commands that score records, and what they read (one wording for all)
# --group-by's help names the columns read as patient ids (clinical.labs.PATIENT_COLUMNS)
_PATIENT_NAMES = f"{', '.join(PATIENT_COLUMNS[:-1])} or {PATIENT_COLUMNS[-1]}"
SHIPPED_NAMES = "default, mi, statements"       # resources/models (``paths.shipped_models``)
MODEL_HELP = f"checkpoint folder, or a shipped model by name: {SHIPPED_NAMES} (default: default)"
RECORD_KINDS = ("WFDB and PhysioNet Challenge records (.hea with .dat/.mat) and clinical files (GE MUSE, "
                "GE CardioSoft, Philips, HL7 aECG, DICOM, SCP-ECG, EDF/BDF, ISHNE, MFER)")


def count(least: int):
    """An argparse ``type`` for a count typed on the command line (--threads, --batch-size, --epochs): a
    whole number of at least ``least``, else the usage error, naming the option (exit 2), that a
    non-number gets. A negative --threads had been run on one thread without a word, and a negative
    --workers reached torch's DataLoader."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"{value}: give {least} or more")
        return value

    parse.__name__ = "count"
    return parse


def plain_text(formatter: type[argparse.HelpFormatter]) -> type[argparse.HelpFormatter]:
    """``formatter`` writing ``--help`` without the docstrings' reStructuredText literal marks: a command's
    description is its module docstring and its options' help is written in the same words, whose ``name``
    read as two backticks around every name in a terminal ("``mirage bench``: latency ...")."""

    class PlainText(formatter):
        def _format_text(self, text: str) -> str:
            return super()._format_text(text.replace("``", ""))

        def _expand_help(self, action) -> str:
            return super()._expand_help(action).replace("``", "")

    return PlainText


def command_parser(subparsers, name: str, **kwargs) -> argparse.ArgumentParser:
    """The parser of ``mirage NAME``: a subcommand of ``mirage`` when ``subparsers`` is given (accelerate's
    ``xxx_command_parser(subparsers=None)``), with its one-line help from ``commands.COMMANDS``, else a
    standalone parser. A command without a description of its own is described by that line, so that
    its ``--help`` says what it does."""
    kwargs.setdefault("description", COMMANDS[name][:1].upper() + COMMANDS[name][1:] + ".")
    kwargs["formatter_class"] = plain_text(kwargs.get("formatter_class", argparse.HelpFormatter))
    if subparsers is not None:
        p = subparsers.add_parser(name, help=COMMANDS[name], **kwargs)
    else:
        p = argparse.ArgumentParser(f"mirage {name}", **kwargs)
    # `mirage -v NAME ...` also after the command, where "run with --verbose" leads a user to put it
    # (SUPPRESS: not given here, `mirage`'s own -v stands)
    p.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                   help="debug logging, and the traceback of an error (as mirage -v %s ...)" % name)
    return p


def add_overwrite_arg(p: argparse.ArgumentParser, what: str = "the model") -> None:
    """``--overwrite``: a command that writes to ``--out`` replaces ``what`` an earlier run left there
    only with it (``outputs.refuse_earlier_outputs``)."""
    p.add_argument("--overwrite", action="store_true",
                   help=f"replace {what} an earlier run left in --out (without it such an --out is refused "
                        "before any work)")


def add_data_args(p: argparse.ArgumentParser) -> None:
    """The data options (``engine.data.DataOptions``)."""
    g = p.add_argument_group("data")
    g.add_argument("--data", help="ptbxl:ROOT, challenge:ROOT or folder:ROOT")
    g.add_argument("--task", default=None,
                   help="PTB-XL: superdiagnostic (default), subdiagnostic, diagnostic, form, rhythm, all, mi; "
                        "challenge/folder: multilabel (default) or multiclass")
    g.add_argument("--labels", default=None, help="folder datasets: labels CSV (record id, labels[, split])")
    g.add_argument("--labs", default=None, help="folder datasets: laboratory results CSV (the record id first, "
                   "then one column per feature, its unit in the header: 'crp [mg/dL]')")
    add_split_args(g)
    g.add_argument("--cache-dir", default=None, help="input cache folder (default $MIRAGE_CACHE if set, else ~/.cache/mirage)")
    g.add_argument("--limit", type=int, default=0,
                   help="debug: first N records of each split (0, the default: all records; negative: refused)")
    g.add_argument("--train-limit", type=int, default=0,
                   help="budget runs: a seeded random subset of N training records (val and test stay whole; "
                        "0, the default: all)")
    g.add_argument("--workers", type=count(0), default=0,
                   help="processes for preprocessing and data loading (0: all cores for preprocessing, "
                        "in-process loading)")


def add_split_args(g) -> None:
    """The data options that name a dataset's classes and splits beside --data, --task, --labels and --labs
    (``engine.data.DataOptions``): ``add_data_args``, and ``mirage interpretation``, which reads a model's
    own data split as the model was trained on it, as ``mirage evaluate`` does (``engine.data.open_index``)."""
    g.add_argument("--label-map", default=None, help="SNOMED-CT -> class CSV (columns snomed_ct,class): "
                   "challenge datasets (default: the 2021 scored classes); folder datasets: names the "
                   "codes written in --labels")
    g.add_argument("--split-file", default=None,
                   help="CSV record_id,split (train/val/test); folder datasets: for the records the labels "
                        "table's split column leaves without one")
    g.add_argument("--group-by", default=None, metavar="COLUMN",
                   help="folder datasets: the column of patient ids, in the labels table or else the labs table; "
                        "the seeded split keeps each "
                        f"patient's records in one split (default: the first column named {_PATIENT_NAMES}, in any "
                        "case, with blanks, '-' or '_' or none; 'record': split by record)")
    g.add_argument("--split-method", default=None, choices=("stratified", "random"),
                   help="the seeded split: 'stratified' (default: iterative stratification by patient) or "
                        "'random' (the record-by-record split of runs made before it; a model's own data and a "
                        "resumed run are split as they were without this option)")


def add_csv_dialect_arg(p: argparse.ArgumentParser, more: str = "") -> None:
    """``--csv-dialect``: the separator and decimal mark of a CSV that staff open in Excel
    (``review.batch.outputs.CSV_DIALECTS``; ``mirage score``, ``mirage interpretation``)."""
    p.add_argument("--csv-dialect", choices=tuple(CSV_DIALECTS), default=None,
                   help="the CSV's separator and decimal mark: excel (the default: ',' and '.', as pandas, R's "
                   "read.csv and an English Excel read it) or excel-eu (';' and ',': the CSV a German, French, "
                   "Dutch ... Excel opens in columns, as R's write.csv2 writes it); UTF-8 with a byte order mark "
                   "either way" + more)


def add_statements_model_arg(p: argparse.ArgumentParser, what: str = "the interpretation") -> None:
    """``--statements-model``: the statements model run beside --model (``engine.checkpoints.load_statements_predictor``)."""
    p.add_argument("--statements-model", default="auto", metavar="MODEL",
                   help=f"the statements model run beside --model for {what}: a checkpoint folder or "
                   "shipped name; 'auto' (default): the shipped 'statements' model unless --model carries "
                   "statements itself; 'none': --model and the measurement rules alone")


def check_labs_file(path) -> None:
    """Refuse a ``--labs`` that is no file (``mirage score``, ``mirage interpretation``); None passes.

    Raises:
        UsageError: naming the path and what it is.
    """
    if path is not None and not Path(path).is_file():
        path = Path(path)
        what = ("a folder, not a labs table (a CSV file)" if path.is_dir() else
                "not a regular file (a labs table is a CSV file)" if path.exists() else "labs table not found")
        raise UsageError(f"error: {path}: {what}")


def add_report_args(p: argparse.ArgumentParser) -> None:
    """Options of the PDF report shared by ``mirage score`` and ``mirage report``."""
    g = p.add_argument_group("PDF report")
    g.add_argument("--page", choices=("A4", "Letter"), default="A4", help="landscape page size (default A4)")
    g.add_argument("--institution", default="", help="institution line printed under the header")
    g.add_argument("--reviewer", default="", help="name printed on the report's line to sign (the report is not "
                                                  "over-read: it says so)")
    g.add_argument("--comment", default="", help="reviewer's comment, printed as the over-read's (page 1 and 3)")


def settings_from_args(args, **extra) -> ReportSettings:
    """The report settings of a parsed command line that has the ``add_report_args`` options."""
    return ReportSettings(page_size=args.page, institution=args.institution, reviewer=args.reviewer,
                          comment=args.comment, **extra)
