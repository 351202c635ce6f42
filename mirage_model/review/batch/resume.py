"""``resume``: the rows of an earlier run's output that a new run keeps (its scored records are
skipped; records that failed are tried again), and the check that they were scored as this run
would score them: a resumed output never mixes two models' or two labs tables' rows."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Callable, Mapping

from mirage_model.review.batch.errors import BatchError
from mirage_model.review.batch.outputs import read_rows
from mirage_model.review.batch.row_stamps import changed_since_scored

# a kept row's probability and the same record scored again may differ by float rounding (a
# record scored in a chunk or alone); another model's differ far more
PROBE_TOLERANCE = 1e-4
PROBES = 3          # kept records compared by the re-scoring check (one that now fails is passed by)


# the columns added to the output since the earliest version whose outputs a resumed run carries on, each with the
# commit that added it: a kept row of an output that lacks them has no value for them (its record is not read again),
# left empty and said in its notes (``KEPT_WITHOUT``) and by the summary, where empty may mean "none" (in_training:
# not a training record; same_ecg_as: no copy). Not among them: age_given (fcb1cfa1, 2026-12-06 15:54), since which
# age_used is the age the model read, no longer the file's (a kept row's would mean another thing), and every column
# added before it (labs_used, which the resume checks kept rows by; poor_leads, noise_may_hide ...): an output lacking
# one of those is refused, naming the columns it lacks
ADDED_SINCE = {"patient_id": "76a43214", "recorded": "76a43214", "same_ecg_as": "93079f16", "ecg_key": "93079f16",
               "in_training": "a452acb6"}
KEPT_WITHOUT = "kept from an earlier version: no "      # a kept row's note: "... no in_training value"


def added_since(old: list[str], new: list[str]) -> list[str] | None:
    """The columns of ``new`` (this run's) that an output of columns ``old`` lacks, where it is an earlier version's
    output of them: ``new`` less some of ``ADDED_SINCE``, in the same order ([] where ``old`` is ``new``); None where
    it is not (a column of another kind lacking, one over, another order).

    Example: added_since(["record_path", "model", "notes"], ["record_path", "model", "in_training", "notes"])
    is ["in_training"]."""
    lacking = [c for c in new if c not in old]
    if any(c not in ADDED_SINCE for c in lacking) or [c for c in new if c in old] != old:
        return None
    return lacking


def kept_rows(out_path: Path, fmt: str, cols: list[str], blank_anyway=()) -> list[dict]:
    """The ok rows of ``out_path`` (one per record path, the first), or [] when it does not exist. An earlier
    version's output (``added_since``) is kept too: its rows' notes end in what they have no value of ("kept from an
    earlier version: no in_training value"), less the columns of ``blank_anyway``, which this run leaves empty in
    every row (in_training, for a model that keeps no fingerprints).

    Raises:
        BatchError: the output cannot be read, or was written with other columns (another
            model, or --no-measure/--pdf-dir/--all-statements/--compare-prior changed).
    """
    if not out_path.exists():
        return []
    old_cols, old_rows = read_rows(out_path, fmt)
    lacking = added_since(old_cols, cols) if old_rows else []
    if lacking is None:
        raise BatchError(f"{out_path}: cannot resume: {columns_differ(old_cols, cols)}; its rows and this "
                         "run's would not line up. Run without --resume to score every record again, or "
                         "write to a new output file",
                         dialog=f"{out_path}: cannot resume: {columns_differ(old_cols, cols, DIALOG_CHANGED)}; "
                         f"its rows and this run's would not line up. {DIALOG_ADVICE}")
    unknown = [c for c in lacking if c not in blank_anyway]
    kept, done = [], set()
    for row in old_rows:
        key = str(row.get("record_path"))
        if row.get("status") == "ok" and key not in done:   # exact path: one row each
            if unknown:
                note = f"{KEPT_WITHOUT}{', '.join(unknown)} value"
                row["notes"] = f"{row['notes']}; {note}" if row.get("notes") else note
            kept.append(row)
            done.add(key)
    return kept


def kept_without(kept: list[dict]) -> tuple[int, list[str]]:
    """(how many of the ``kept`` rows are an earlier version's without a value of columns added since, those
    columns), by the rows' notes (``KEPT_WITHOUT``): also those of a run resumed before."""
    n, named = 0, []
    for row in kept:
        for part in str(row.get("notes") or "").split("; "):
            if part.startswith(KEPT_WITHOUT) and part.endswith(" value"):
                n += 1
                named += [c for c in part[len(KEPT_WITHOUT):-len(" value")].split(", ") if c not in named]
                break
    return n, named


def finished_records(out_path: Path, fmt: str | None = None) -> set[str]:
    """The ``record_path``s of ``out_path``'s ok rows: the records a run resumed onto it keeps, and
    writes no PDF for (set() when the file does not exist).

    Raises:
        BatchError: the output cannot be read.
    """
    if not Path(out_path).exists():
        return set()
    return {str(row.get("record_path")) for row in read_rows(out_path, fmt)[1] if row.get("status") == "ok"}


# what a resumed output's refusal says to do, in the batch dialog's words: it has a Resume box and an output
# field, and none of the command's options (it had said "Run without --resume", "--pdf-dir ... changed")
DIALOG_ADVICE = "Untick Resume to score every record again, or choose another output CSV"
CLI_CHANGED = ("written by an older version, another model, or with --no-measure, --pdf-dir, --all-statements, "
               "--compare-prior or --patient-names changed")
DIALOG_CHANGED = ("written by an older version, another model, with the PDF folder or \"Compare each record with "
                  "the patient's earlier ECG\" or \"Patient names\" changed, or by mirage score with other options")


def columns_differ(old: list[str], new: list[str], changed: str = CLI_CHANGED, limit: int = 6) -> str:
    """Why an output's columns ``old`` are not this run's ``new``, naming the columns: "it lacks
    the column poor_leads, which this run writes (written by an older version?)"; ``changed``: what may
    have changed them, in the words of the command (the default) or of the batch dialog."""
    def named(cols: list[str]) -> str:
        return ", ".join(cols[:limit]) + (f" and {len(cols) - limit} more" if len(cols) > limit else "")

    lacks = [c for c in new if c not in old]
    extra = [c for c in old if c not in new]
    parts = []
    if lacks:
        parts.append(f"it lacks the column{'s' if len(lacks) > 1 else ''} {named(lacks)}, which this run writes")
    if extra:
        parts.append(f"it has the column{'s' if len(extra) > 1 else ''} {named(extra)}, which this run does not write")
    if not parts:
        parts.append("its columns are in another order")
    return "; ".join(parts) + f" ({changed})"


def check_unchanged(out_path: Path, kept: list[dict], files: Mapping[str, Path], now: Mapping[str, str],
                    folder: Path) -> None:
    """Refuse to resume onto ``out_path`` where a record of its ``kept`` rows (``files``: record_path -> its file)
    changed on disk since its row was scored: its stamp now (``now``: ``row_stamps.record_digests``) is not the one
    the stamps file beside the output holds (``row_stamps.changed_since_scored``); an output without one (an older
    version's), where its files were written after the output last was. Its row is of content the file no longer
    holds (a corrected re-export under the same name, a copy put over it with its time set back), and a resumed run
    keeps it. Where the stamps were taken in another folder than ``folder``, the refusal says so: its records of the
    same names are other files.

    Raises:
        BatchError: naming how many and the first three.
    """
    rels = [rel for rel in (str(row.get("record_path")) for row in kept) if rel in files]
    changed, exact, scored_in = changed_since_scored(out_path, rels, files, now)
    if not changed:
        return
    named = ", ".join(p.name for p in changed[:3]) + (" ..." if len(changed) > 3 else "")
    if scored_in and os.path.abspath(folder) != scored_in:
        raise _refuse(out_path, f"its rows were scored from the records of {scored_in}; {len(changed)} of "
                                f"this folder's of the same names are other files ({named}) (is it the output of "
                                "another folder with records of the same names?)")
    since = "their rows were scored" if exact else "it was written"
    raise _refuse(out_path, f"{len(changed)} of the records it holds rows of changed on disk since {since} "
                            f"({named}), and a resumed run would keep their rows of what they held then")


def _refuse(out_path: Path, why: str) -> BatchError:
    said = f"{out_path}: cannot resume: {why}; its rows and this run's would not be comparable."
    return BatchError(f"{said} Run without --resume to score every record again, or write to a new output file",
                      dialog=f"{said} {DIALOG_ADVICE}")


def _number(value) -> float | None:
    if value is None or value == "":
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def check_kept(out_path: Path, kept: list[dict], *, model: str, statements_model: str | None,
               labs_used: Callable[[str], str | None], rescore: Callable[[str], dict | None]) -> None:
    """Refuse to resume onto rows that this run would not have written: scored by another model
    (its name; or, with the same name, other probabilities for the same record, re-scored by
    ``rescore``), with another statements model, or with other labs-table values.

    Args:
        out_path: the output (for the message).
        kept: the ok rows ``kept_rows`` gave.
        model: this run's model name (a row's ``model``).
        statements_model: the name this run's rows give in ``statements_model`` (None: none).
        labs_used: record_path -> the ``labs_used`` text this run gives that record (None: the
            record is no longer in the folder; not checked).
        rescore: record_path -> this run's row of that record (None when it cannot be scored now).

    Raises:
        BatchError: naming the first difference found.
    """
    if not kept:
        return
    for row in kept:
        if str(row.get("model") or "") != str(model or ""):
            raise _refuse(out_path, f"its rows were scored with the model {row.get('model')!r} "
                                    f"({row.get('record_path')}), this run uses {model!r}")
    said = {str(r.get("statements_model")) for r in kept if r.get("statements_model")}
    if said - {str(statements_model or "")} or (statements_model and not said):
        old = ", ".join(sorted(said)) or "none"
        raise _refuse(out_path, f"its interpretations come from the statements model {old}, this "
                                f"run's from {statements_model or 'none'}")
    for row in kept:
        path = str(row.get("record_path"))
        now = labs_used(path)
        if now is not None and str(row.get("labs_used") or "") != now:
            raise _refuse(out_path, f"the labs-table values differ: {path} was scored with "
                                    f"{row.get('labs_used') or 'none'!r}, this run gives it {now or 'none'!r}")
    # records spread over the output, each compared: another folder's output of the same names
    # (site A's 1.hea ... kept for site B's) is found though its first records are the same files
    present = [row for row in kept if labs_used(str(row.get("record_path"))) is not None]
    compared = 0
    for row in _spread(present)[:3 * PROBES]:          # a few that fail now are passed by, not all
        if compared >= PROBES:
            break
        again = rescore(str(row.get("record_path")))
        if again is None or again.get("status") != "ok":
            continue                                   # fails now: the next one is tried
        compared += 1
        for col in row:
            if not col.startswith(("prob_", "stmt_")):
                continue
            old, new = _number(row.get(col)), _number(again.get(col))
            if (old is None) != (new is None) or (old is not None and abs(old - new) > PROBE_TOLERANCE):
                raise _refuse(out_path, f"{row.get('record_path')} scores {col} {new} now, "
                                        f"{old} in its row: the record or the model changed since the "
                                        "output was written (is it the output of another folder with "
                                        "records of the same names, or of another model's files?)")


def _spread(rows: list) -> list:
    """``rows`` in the order the re-scoring check tries them: the first, the last, the middle,
    then the quarters ..., then the rest in order; each once."""
    n = len(rows)
    order, seen = [], set()
    for k in [0, n - 1] + [n * j // d for d in (2, 4, 8) for j in range(1, d, 2)] + list(range(n)):
        if 0 <= k < n and k not in seen:
            seen.add(k)
            order.append(rows[k])
    return order
