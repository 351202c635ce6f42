"""``mirage interpretation``: how the interpretation reads on the records of one label.

Takes the records of a dataset split that carry ``--label`` (e.g. PTB-XL fold 10 records labelled
AFIB) through the same path as ``mirage score`` (the record file read, measured, scored by
``--model`` with the statements model beside it, interpreted) and counts how often the
interpretation's first statement is that label's statement (not counted when the quality gate
withheld the interpretation), how often the label is stated at all (a model's own label of the name, "LVH (the
model's own label)", counts too), and how often a contradicting statement stands beside it ("Normal ECG" by default).

    mirage interpretation --model default --data ptbxl:ROOT --task all --split test --label AFIB --out DIR
    mirage interpretation --model runs/own/model --data folder:mydata --labels labels.csv --labs labs.csv \\
        --label MI --statement IMI,AMI --out DIR

On your own data ``--label`` is one of your labels (the records it picks) and ``--statement`` the
PTB-XL statement codes to look for in the interpretation (default: ``--label``, when it is one); a
model trained with a labs table reads the same table with ``--labs``, each record's row found as
``mirage score --labs`` and ``mirage evaluate --labs`` find it. A model's own data is split as the
model was trained on it, as ``mirage evaluate`` splits it (``engine.data.open_index``: its seed, method
and patient column), so that its test records are none it trained on.

Writes ``DIR/rows.csv`` (the score rows, as ``mirage score`` writes them) and ``DIR/summary.json``,
each atomically (an interrupted run leaves the previous file whole); prints the summary. An
earlier run's files in DIR are replaced only with ``--overwrite``. Research use only.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tqdm import tqdm

from mirage_model.review.batch.errors import BatchError
from mirage_model.review.batch.inputs import features_read, labs_lookup
from mirage_model.review.batch.outputs import DEFAULT_DIALECT, write_atomic
from mirage_model.review.batch.pipeline import iter_rows
from mirage_model.review.interpret import OWN_LABEL, STATEMENTS
from mirage_model.runtime import set_threads
from mirage_model.words import counted
from mirage_model.checkpoint import CheckpointError, read_checkpoint_config
from mirage_model.review.labs_table import labs_not_given_note
from training_cli.engine.checkpoints import load_predictor, load_statements_predictor, model_path
from training_cli.engine.data import DataOptions, open_index
from training_cli.engine.errors import ConfigError, DataError, UsageError
from training_cli.engine.ptbxl import PTBXL_SUPERCLASSES
from training_cli.engine.runlog import command_line, write_json
from training_cli.options import (add_csv_dialect_arg, add_overwrite_arg, add_split_args, add_statements_model_arg,
                                  check_labs_file, command_parser, count)
from training_cli.outputs import check_output_folder, check_output_place, refuse_earlier_outputs

OUTPUT_NAMES = ("rows.csv", "summary.json")     # what a run writes in --out


def interpretation_command_parser(subparsers=None) -> argparse.ArgumentParser:
    """The parser of ``mirage interpretation`` (a subcommand when ``subparsers`` is given, else standalone)."""
    p = command_parser(subparsers, "interpretation",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=None, help="checkpoint folder or shipped name (default: default)")
    add_statements_model_arg(p)
    p.add_argument("--data", required=True, help="ptbxl:ROOT (or challenge:ROOT, folder:ROOT)")
    p.add_argument("--task", default=None,
                   help="the dataset task whose records are searched for --label; --label must be one of its "
                   "labels, so for PTB-XL a task of statement codes: all (default), diagnostic, form or rhythm "
                   "(superdiagnostic's MI, STTC, CD, HYP are classes of statements, not statements)")
    p.add_argument("--labels", default=None, help="folder datasets: labels CSV (record id, labels[, split])")
    p.add_argument("--labs", type=Path, default=None,
                   help="folder datasets: the labs table a model trained with --labs reads (as mirage score "
                   "and evaluate read it: the record id first, one column per feature); without it the model's "
                   "labs are masked")
    add_split_args(p)
    p.add_argument("--seed", type=int, default=0,
                   help="the seed of a seeded split (Challenge and folder data without a split column or file): "
                   "the one the model was trained with, as for mirage evaluate (default 0)")
    p.add_argument("--split", default="test", choices=("train", "val", "test"), help="the split to read (default test)")
    p.add_argument("--label", required=True,
                   help="the records' label, one of the dataset task's labels: for PTB-XL a statement code (e.g. "
                   "AFIB, IMI, NORM), for your own data one of your labels (e.g. MI); unless it is a PTB-XL "
                   "statement code, give --statement")
    p.add_argument("--statement", default=None,
                   help="the PTB-XL statement codes the interpretation is read for, comma separated (e.g. "
                   "IMI,AMI for the records labelled MI): the first statement or a stated one that is any of "
                   "them counts (default: --label)")
    p.add_argument("--contradicts", default="NORM",
                   help="statement codes that must not be said on these records, comma separated (default NORM)")
    p.add_argument("--negatives", action="store_true",
                   help="also score the split's records without --label and count how often their "
                   "interpretation starts with its statement (false alarms); slower: the whole split")
    p.add_argument("--limit", type=int, default=0, help="at most N records (0: all)")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    add_overwrite_arg(p, "the rows.csv and summary.json")
    add_csv_dialect_arg(p, " (rows.csv)")
    p.add_argument("--device", default="auto", help="auto (GPU when present), cpu or cuda")
    p.add_argument("--threads", type=count(1), default=None,
                   help="torch CPU threads, as train and evaluate take it (default: 1 on 2 cores, else half the "
                   "cores, at most 4; see mirage_model.runtime.default_threads)")
    p.add_argument("--no-progress", dest="progress", action="store_false",
                   help="no progress bar (on stderr; a fold of PTB-XL takes minutes)")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    code = args.label.strip()
    looked_for = _statements(code, args.statement, str(args.data).startswith("ptbxl:"))
    if args.limit < 0:
        raise UsageError(f"error: --limit {args.limit}: give a number of records (0: all)")
    contradicts = [c.strip() for c in args.contradicts.split(",") if c.strip()]
    for c in contradicts:
        if c not in STATEMENTS:
            raise UsageError(f"error: --contradicts {c!r} is not a PTB-XL statement code")
    check_labs_file(args.labs)
    check_output_place(args.out, "--out")       # created once the data and the models are read
    refuse_earlier_outputs("mirage interpretation", args.out, [args.out / name for name in OUTPUT_NAMES],
                           args.overwrite)
    task = args.task or ("all" if str(args.data).startswith("ptbxl:") else None)
    options = DataOptions(data=args.data, task=task, labels=args.labels, labs=args.labs, label_map=args.label_map,
                          split_file=args.split_file, seed=args.seed, group_by=args.group_by,
                          split_method=args.split_method)
    # the model's own data split as it was trained on it, as mirage evaluate splits it (another seed or method had
    # made a "test" split of records the model was trained on), its provenance read before the weights load: the
    # data is opened once (opened again for the model's split, every warning of it, the labs table's, was said twice)
    provenance = _provenance(args.model)
    ds = open_index(options, models=[(str(args.model or "default"), provenance)] if provenance else ())
    set_threads(args.threads)
    rows_idx, neg_idx = _picked(ds, args, code)      # the data and --label checked before the models load
    predictor = load_predictor(args.model, args.device)
    statements = load_statements_predictor(predictor, args.statements_model, args.device)
    if args.labs is None and (note := labs_not_given_note(predictor)):    # as mirage score says it, before the run
        print(note, file=sys.stderr)
    check_output_folder(args.out, "--out")
    text = " or ".join(STATEMENTS[c].text for c in looked_for)
    # a model trained on other data says its own labels as its own ("LVH (the model's own label)"): the records'
    # label or a statement code of that name is the statement looked for too (it had counted "states it on 0")
    names = list(dict.fromkeys([code, *looked_for]))
    own = tuple(f"{c} ({OWN_LABEL})" for c in names)
    texts = tuple(STATEMENTS[c].text for c in looked_for) + own
    # an own label said with the words its data gave it: "Q wave abnormal (QAb, the model's own label)"
    marks = tuple(f"({c}, {OWN_LABEL})" for c in names)
    words = {c: STATEMENTS[c].text for c in contradicts}
    positive = set(rows_idx)
    order = rows_idx + neg_idx
    paths = [Path(ds.items[i].path) for i in order]
    # a PTB-XL item is its record's stem (records100/00000/00001_lr): its header read; a folder's EDF+ or MUSE
    # file is read as it is (it had been made X.hea: "header file not found", every record failed)
    paths = [p if p.is_file() else p.with_name(p.name + ".hea") for p in paths]
    counts = {True: _Counts(contradicts), False: _Counts(contradicts)}
    root = Path(os.path.commonpath([str(p.parent) for p in paths]))
    labelled = {p.relative_to(root).as_posix(): i in positive for i, p in zip(order, paths)}
    labs = {}
    if args.labs is not None:
        # each record's row as mirage score FOLDER --labs finds it over every record of the folder, which is
        # how the dataset (mirage evaluate) matched it too (clinical.labs_tree.run_match)
        try:
            # the rows the dataset read (and warned of): the table is read once
            lookup = labs_lookup(args.labs, ds.root, rows=ds.labs_rows, patient_first=ds.labs_patient_first)
        except BatchError as err:
            raise DataError(f"error: {err}") from None
        lookup.reads = features_read(predictor, statements)
        labs = {"labs": lookup.labs, "labs_errors": lookup.errors, "labs_lookup": lookup}
    out_rows = []
    # the records take minutes (a PTB-XL fold: about 2,200): a bar on stderr, as mirage score has
    bar = tqdm(total=len(paths), unit="rec", desc="interpreting", dynamic_ncols=True, file=sys.stderr,
               smoothing=0, disable=not args.progress)
    for row in iter_rows(paths, predictor, root=root, statements_predictor=statements, **labs):    # in path order
        row["has_label"] = labelled[row["record_path"]]
        out_rows.append(row)
        counts[row["has_label"]].add(row, texts, words, marks)
        bar.update(1)
    bar.close()
    pos, neg = counts[True], counts[False]
    summary = {
        "data": args.data, "split": args.split, "label": code, "statement": text, "statement_codes": looked_for,
        "labs": str(args.labs) if args.labs is not None else None, "records": pos.n,
        "scored": pos.ok, "failed": pos.n - pos.ok,
        "first_statement": pos.first, "first_statement_share": pos.first / pos.ok if pos.ok else None,
        "stated": pos.stated, "stated_share": pos.stated / pos.ok if pos.ok else None,
        "stated_as_own_label": pos.own, "own_label_statements": list(own),
        "contradicting": {f"{c} ({words[c]})": k for c, k in pos.contradicted.items()},
        "contradicting_marked": {f"{c} ({words[c]})": k for c, k in pos.marked.items()},
        "withheld": pos.withheld,
        "model": getattr(predictor, "name", ""), "statements_model": getattr(statements, "name", None),
        "command": command_line(),
    }
    if args.negatives:
        summary["negatives"] = {"records": neg.n, "scored": neg.ok, "first_statement": neg.first,
                                "first_statement_share": neg.first / neg.ok if neg.ok else None,
                                "stated": neg.stated}
    args.out.mkdir(parents=True, exist_ok=True)
    if out_rows:     # as mirage score writes its rows: atomically, text cells spreadsheet-safe
        write_atomic(args.out / "rows.csv", list(out_rows[0]), out_rows, "csv", args.csv_dialect or DEFAULT_DIALECT)
    write_json(args.out / "summary.json", summary)
    ok = max(pos.ok, 1)
    shown = code if looked_for == [code] else f"{code}, read as {','.join(looked_for)}"
    print(f"{shown} ({text}), {args.split} split: {counted(pos.ok, 'record')} scored ({pos.n - pos.ok} failed); "
          f"interpretation starts with it on {pos.first} ({pos.first / ok:.1%}), states it on {pos.stated} "
          f"({pos.stated / ok:.1%}" + (f", {pos.own} as the model's own label" if pos.own else "") + "); "
          + ", ".join(f"{words[c]!r} on {k}" + (f" ({pos.marked[c]} of them marked (?))" if pos.marked[c] else "")
                      for c, k in pos.contradicted.items()))
    failed = [r for r in out_rows if r.get("status") != "ok"]
    if failed:        # which and why, as mirage score names them: a count alone had said nothing of the cause
        print(f"{counted(len(failed), 'record')} failed (listed in {args.out / 'rows.csv'}): "
              + "; ".join(f"{r['record_path']}: {r.get('error') or r.get('status')}" for r in failed[:3])
              + ("; ..." if len(failed) > 3 else ""), file=sys.stderr)
    if args.negatives:
        print(f"records without {code}: {neg.ok} scored; interpretation starts with {text.lower()} on {neg.first} "
              f"({neg.first / max(neg.ok, 1):.2%}), states it on {neg.stated}")
    return 0


def _provenance(model) -> dict | None:
    """The provenance ``--model``'s config records (None: none, or no checkpoint there: ``load_predictor`` then says
    why)."""
    try:
        return read_checkpoint_config(model_path(model or "default")).get("provenance") or None
    except (CheckpointError, ConfigError, OSError, AttributeError):
        return None


def _picked(ds, args, code: str) -> tuple[list[int], list[int]]:
    """The indices of ``ds``'s ``--split`` records that carry ``code``, and (``--negatives``) of those that
    do not, each cut to ``--limit``.

    Raises:
        UsageError: ``code`` is no label of the task, or no record of the split carries it.
    """
    if code not in ds.classes:
        shown = ", ".join(ds.classes[:12]) + (" ..." if len(ds.classes) > 12 else "")
        raise UsageError(f"error: --label {code} is not a label of {args.data}'s task {ds.task} (its labels: "
                         f"{shown})" + ("; --task all has every statement" if ds.kind == "ptbxl" else ""))
    split = list(ds.split_indices(args.split))
    rows_idx = [i for i in split if code in ds.items[i].labels]
    neg_idx = [i for i in split if code not in ds.items[i].labels] if args.negatives else []
    if args.limit:
        rows_idx, neg_idx = rows_idx[:args.limit], neg_idx[:args.limit]
    if not rows_idx:
        raise UsageError(f"error: no {args.split} record of {args.data} carries {code}")
    return rows_idx, neg_idx


def _statements(label: str, given: str | None, ptbxl: bool) -> list[str]:
    """The PTB-XL statement codes ``--statement`` names (``given``), else ``label`` when it is one.

    Raises:
        UsageError: a code that is no PTB-XL statement, or none given for a label that is none (a PTB-XL
            superclass, your own label name): the interpretation says statements, so the message names
            what to give.
    """
    if given is not None:
        codes = [c.strip() for c in given.split(",") if c.strip()]
        if not codes:
            raise UsageError("error: --statement: give PTB-XL statement codes, comma separated (e.g. IMI,AMI)")
        for c in codes:
            if c not in STATEMENTS:
                hint = (f" ({c} is a PTB-XL superclass, a class of statements: give its statements, e.g. "
                        "IMI,AMI for MI)" if c in PTBXL_SUPERCLASSES else " (e.g. AFIB, IMI, NORM)")
                raise UsageError(f"error: --statement {c!r} is not a PTB-XL statement code{hint}")
        return list(dict.fromkeys(codes))
    if label in STATEMENTS:
        return [label]
    if label in PTBXL_SUPERCLASSES:
        raise UsageError(f"error: --label {label!r} is a PTB-XL superclass, not a PTB-XL statement code: the "
                         "interpretation says statements; " + (
                             "give one of the class's statements (e.g. IMI, AMI for MI) with --task all" if ptbxl
                             else f"to read the records labelled {label}, name the statements to look for with "
                             "--statement (e.g. --statement IMI,AMI for MI)"))
    raise UsageError(f"error: --label {label!r} is not a PTB-XL statement code (e.g. AFIB, IMI, NORM), the "
                     "statements the interpretation says; for records labelled so in your own data, name the "
                     "statements to look for with --statement (e.g. --statement AFIB)")


class _Counts:
    """How the interpretation reads on a group of rows."""

    def __init__(self, contradicts):
        self.n = self.ok = self.first = self.stated = self.withheld = 0
        self.own = 0          # of the stated, by a model's own label alone ("LVH (the model's own label)")
        self.contradicted = {c: 0 for c in contradicts}
        self.marked = {c: 0 for c in contradicts}      # of those, said marked "(?)" (a measurement disagrees)

    def add(self, row: dict, text: str | tuple, words: dict, marks: tuple = ()) -> None:
        """Count ``row``; ``text``: the statement's words, or a tuple of statements any of which counts; ``marks``:
        what a statement holds anywhere to count too (an own label said with its words)."""
        self.n += 1
        if row.get("status") != "ok":
            return
        self.ok += 1
        it = str(row.get("interpretation") or "")
        withheld = it.startswith("WITHHELD (")
        self.withheld += withheld
        body = it.split("): ", 1)[1] if withheld else it
        said = [s.strip() for s in body.split("; ")]
        def found(s: str) -> bool:
            return s.startswith(text) or any(m in s for m in marks)

        if said and found(said[0]) and not withheld:    # a withheld one does not count
            self.first += 1
        hits = [s for s in said if found(s)]
        if hits:
            self.stated += 1
            self.own += all(f"{OWN_LABEL})" in s for s in hits)
        for c, w in words.items():
            hits = [s for s in said if s.startswith(w)]
            if hits:
                self.contradicted[c] += 1
                self.marked[c] += all(s.endswith("(?)") for s in hits)
