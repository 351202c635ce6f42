"""What a run's data left out, recorded with its model and said on its card: the folder tables' rows and records
not used (``Dataset.left_out``, counted by ``kinds_left_out``), the records that failed to load by reason
(``left_out_of``, saved in the checkpoint's provenance by ``loop``), and the card's lines of them (``records_line``,
``sampling_rates_lines``, ``left_out_lines``, read by ``model_card``). A reviewer of the work reads there what its
figures do not rest on. A run that more than ``SKIPPED_LIMIT`` of its records failed to load stops before training
(``refuse_many_skipped``) unless told to go on.
"""

from __future__ import annotations

from pathlib import Path

from mirage_model.words import counted
from training_cli.engine.errors import DataError

# the share of a run's records that may fail to load before ``mirage train`` stops unless --allow-skipped: a tester's
# run had trained on 120 of 197 records (77 failed) with a warning line and a count in the summary only
SKIPPED_LIMIT = 0.10


def skipped_named(ds, skipped: dict) -> list[str]:
    """The records of ``ds`` (a ``Dataset``) that failed to load (``skipped``: {record id: why}) as a warning names
    them, each "its path (else its id): why", in ``skipped``'s order."""
    by_id = {it.record_id: it for it in ds.items}
    return [f"{getattr(by_id.get(rid), 'path', None) or rid}: {why}" for rid, why in skipped.items()]


def refuse_many_skipped(ds, skipped: dict, allow: bool, listed: str | None = None) -> None:
    """Raise DataError when more than ``SKIPPED_LIMIT`` of the records of ``ds`` (a ``Dataset``) failed to load
    (``skipped``: {record id: why}) and ``allow`` (--allow-skipped) is not given: the figures of a run that leaves
    out so much of its data are not the data's. The message names the first three files and their reasons, and
    ``listed`` (the file that lists them all)."""
    total = len(ds.items)
    if allow or not skipped or len(skipped) <= SKIPPED_LIMIT * total:
        return
    named = "; ".join(skipped_named(ds, skipped)[:3])
    where = f" (all listed in {listed})" if listed else ""
    raise DataError(f"error: {len(skipped)} of {counted(total, 'record')} failed to load "
                    f"({len(skipped) / total:.1%}, more than {SKIPPED_LIMIT:.0%}){where}: {named}"
                    f"{'; ...' if len(skipped) > 3 else ''}; fix them, or train on the rest with --allow-skipped")


def kinds_left_out(**kinds) -> dict:
    """Each kind of thing the data left out that has any, {kind: {"count": n, "first": the first 3}}, the records
    named by their path in the folder (or the labels table's id), never by a path of the machine. A folder dataset's
    tables (``folder.read_folder``: ``Dataset.left_out``): ``no_file`` (labels rows that name no record),
    ``unlabelled`` (rows with no label), ``no_labels_row`` (records the labels table has no row for), ``no_labs_row``
    (labelled records the labs table has no row for), ``labs_rows_unmatched`` (labs rows that fit no record),
    ``labs_columns_not_read`` (the labs table's columns of no feature); a Challenge dataset's (``challenge``):
    ``no_scored_class`` (records none of whose #Dx codes the label map names, with their codes),
    ``not_one_class`` (a multiclass task's records of several); ``failed_to_load`` (``left_out_of``)."""
    return {kind: {"count": len(ids), "first": [str(i) for i in list(ids)[:3]]} for kind, ids in kinds.items() if ids}


def left_out_of(ds, skipped: dict) -> dict:
    """What the data left out, for the model card: the folder tables' (``Dataset.left_out``) and the records that
    failed to load, counted by reason ({"count", "first", "reasons": {reason: n}}), the machine's paths taken out."""
    left_out = {**(getattr(ds, "left_out", None) or {}), **kinds_left_out(failed_to_load=list(skipped or ()))}
    if skipped:
        roots = sorted({str(Path(ds.root)), str(Path(ds.root).resolve())}, key=len, reverse=True)
        reasons: dict[str, int] = {}
        for why in skipped.values():
            for root in roots:
                why = str(why).replace(root + "/", "").replace(root, Path(ds.root).name)
            reasons[why] = reasons.get(why, 0) + 1
        left_out["failed_to_load"]["reasons"] = dict(sorted(reasons.items(), key=lambda kv: -kv[1]))
    return left_out


def records_line(metrics: dict, prov: dict) -> str:
    """The records of each split, and how many failed to load where "Left out of the data" does not name them
    with their reasons (a checkpoint that records none, an ensemble)."""
    line = "- Records: " + ", ".join(f"{k} {v}" for k, v in (metrics.get("records") or {}).items())
    if metrics.get("test_not_read"):      # mirage train --no-test: held out, never opened
        line += " (not read by the training run)"
    if ((prov.get("left_out") or {}).get("failed_to_load") or {}).get("count"):
        return line
    return line + f"; skipped (failed to load): {metrics.get('skipped', 0)}"


def sampling_rates_lines(metrics: dict, target_fs: float) -> list[str]:
    """The training records' own sampling rates as the run read them (``metrics["train_sampling_rates"]``), and
    the rate the model reads them at: "- Sampling rates: 100 Hz 180 records, 500 Hz 20 records (resampled to
    100 Hz)", for a researcher who mixed recorders; "100 Hz 108 records (the model's rate: none resampled)" where every
    record has the model's rate. [] for a checkpoint that records none."""
    rates = metrics.get("train_sampling_rates") or {}
    if not rates:
        return []
    said = ", ".join(f"{fs} Hz {counted(n, 'record')}" for fs, n in rates.items())
    # a card of 100 Hz records had read "100 Hz 108 records (resampled to 100 Hz)"
    same = all(_rate(fs) == float(target_fs) for fs in rates)
    how = "the model's rate: none resampled" if same else f"resampled to {target_fs:g} Hz"
    return [f"- Sampling rates of the training records: {said} ({how})"]


def _rate(fs) -> float | None:
    try:
        return float(fs)
    except (TypeError, ValueError):
        return None


def left_out_lines(prov: dict) -> list[str]:
    """What the training data left out (``prov["left_out"]``, ``left_out_of``), counted, with the first few
    named: rows of the labels table naming no record or no label, records with no row, records that failed to
    load (by reason), the labs table's rows and columns not read. (The censored lab values, read, are counted in
    the "Clinical values" line.) A reviewer of the work reads here what the figures do not rest on. [] for a
    checkpoint that records none."""
    left = prov.get("left_out") or {}
    labels, labs = prov.get("labels_file") or "the labels table", prov.get("labs_file") or "the labs table"

    def first(kind: str) -> str:
        names = left[kind].get("first") or []
        more = ", ..." if left[kind]["count"] > len(names) else ""
        return f" ({'first: ' if more else ''}{', '.join(names)}{more})" if names else ""

    said = {
        "no_file": lambda n: f"{counted(n, 'row')} of {labels} naming no record under the folder",
        "unlabelled": lambda n: f"{counted(n, 'row')} of {labels} with no label",
        "no_labels_row": lambda n: f"{counted(n, 'record')} under the folder with no row in {labels}",
        "no_scored_class": lambda n: f"{counted(n, 'record')} none of whose #Dx codes is of a class of "
                                     f"{prov.get('label_map_file') or 'the 2021 Challenge scored classes'}",
        "not_one_class": lambda n: f"{counted(n, 'record')} of more than one class (a multiclass task)",
        "failed_to_load": lambda n: f"{counted(n, 'record')} that failed to load",
        "no_labs_row": lambda n: f"{counted(n, 'labelled record')} with no row in {labs} ("
                                 f"{'its labs' if n == 1 else 'every lab of theirs'} masked as missing)",
        "labs_rows_unmatched": lambda n: f"{counted(n, 'row')} of {labs} fitting no record",
        "labs_columns_not_read": lambda n: f"{counted(n, 'column')} of {labs} not read (of no feature the model "
                                           "reads)",
    }
    lines = []
    for kind, words in said.items():
        if not left.get(kind, {}).get("count"):
            continue
        line = f"  - {words(left[kind]['count'])}{first(kind)}"
        reasons = left[kind].get("reasons") or {}
        if reasons:
            shown = list(reasons.items())[:5]
            line += ("; why: " + "; ".join(f"{counted(n, 'record')}, {why}" for why, n in shown)
                     + (f"; {counted(len(reasons) - 5, 'other reason')}" if len(reasons) > 5 else ""))
        lines.append(line)
    return ["- Left out of the data:", *lines] if lines else []
