"""A labs table's rows decided over every record of the folder the table sits in, not over the run's records alone
(``tree_match``): a row "1" beside DATASET/siteA/1 and DATASET/siteB/1 is either's, so it is neither's, whether
the run scores DATASET, DATASET/siteA alone or opens siteA/1 in the window. Matched over the run alone, a run of
siteA/1 had been given the row, which may be siteB's patient's labs. A record named by its whole path under the
table's folder ("siteA/1") keeps its row. A record outside that folder is matched among the run's records alone, as
before (``labs_ids.match_labs_rows``): nothing says which other records such a table is of. A row matched as the
number a spreadsheet made of a record's name ("417" for 00417, ``labs_ids.respelled_rows``) is decided so too: beside
siteA/00417 and siteB/0417 (or 000417) it is neither's. A record that two rows fit ("siteA/1" and "1") gets neither
(``two_rows``). ``run_match`` is a run's whole match, for training, ``mirage score``, ``mirage report`` and the app;
training matches its labels table's rows so too (``rows_above``, ``tree_match``).
Research use only, not a diagnosis.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from dataclasses import replace
from typing import Iterable, Mapping

from mirage_model.clinical.labs_ids import (_NUMBER_ID, LabsMatch, _number_name, _trailing_ids, labs_record_id,
                                            match_labs_rows, respelled_note)
from mirage_model.clinical.renamed import folder_ids, records_under


def run_match(row_ids, paths: Iterable, root, renamed: Iterable = (), table=None) -> LabsMatch:
    """Each record's row of a labs table in a run over ``paths`` (every record of it, files) under ``root``: by its id
    there (``labs_record_id``, ``match_labs_rows``; ``renamed``: the (input id, record id) pairs of mirage convert's
    list in ``root``), else, for a row that fits no record so, by the longest trailing part of its whole path (the
    dataset's table, "siteA/1", for a run of DATASET/siteA, as ``mirage report`` finds a record's row); with
    ``table`` (the table's file) a row that fits records of two folders under its folder is no record's
    (``tree_match``), and a record two rows fit has neither (``two_rows``). Training, ``mirage score``, ``mirage
    report`` and the app match a table so."""
    root = Path(root)
    paths = list(paths)
    ids = [labs_record_id(p, root) for p in paths]
    row_ids, renamed = list(row_ids), list(renamed)
    # the list's records the run left out are matched by the folder's records
    match = match_labs_rows(row_ids, ids, renamed, folder_ids(root, renamed, ids))
    if match.unmatched:
        # rows keyed from a folder above the run's; such a batch had scored every record without its labs
        whole = [(labs_record_id(Path(os.path.abspath(p))), i) for i, p in zip(ids, paths)
                 if i not in match.rows and i not in match.ambiguous]
        free = dict(whole)
        # every file, files of one name included: a row they share fits none of them
        more = match_labs_rows(match.unmatched, [w for w, _ in whole])
        match = LabsMatch({**match.rows, **{free[w]: r for w, r in more.rows.items()}},
                          {**match.ambiguous, **{free[w]: m for w, m in more.ambiguous.items()}},
                          more.unmatched, match.listed,
                          {r: why for r, why in match.listed_refused.items() if r in more.unmatched},
                          match.listed_read)
    match = two_rows(match, dict(zip(ids, paths)), row_ids)
    return match if table is None else tree_match(match, dict(zip(ids, paths)), table)


def two_rows(match: LabsMatch, paths: Mapping[str, Path], row_ids) -> LabsMatch:
    """``match`` less the records that two rows of the table (``row_ids``) fit, by trailing parts of their whole
    paths (``paths``: {record id: its file}): "siteA/1" and "1" both fit DATASET/siteA/1, and the record had been
    given the one or the other as the run's folder made its id ("siteA/1" scoring DATASET, "1" scoring
    DATASET/siteA or opening it alone): which holds its patient's labs is not known. Those records' ``ambiguous``
    says so; a row given by convert's list (``listed``) stays."""
    table = set(row_ids)
    held: dict[str, str] = {}
    named: set[str] = set()         # the rows so refused: each fits a record, so none is said to fit none
    for rid in match.rows:
        if rid in match.listed or rid not in paths:
            continue
        fits = [t for t in _trailing_ids(labs_record_id(Path(os.path.abspath(paths[rid])))) if t in table]
        if len(fits) > 1:
            named.update(fits)
            held[rid] = (f"labs rows {fits[0]!r} and {fits[1]!r} both fit the record {rid!r} (its path and a shorter "
                         "part of it): which holds its patient's labs is not known; give each record one row")
    if not held:
        return match
    return replace(match, rows={rid: row for rid, row in match.rows.items() if rid not in held},
                   ambiguous={**match.ambiguous, **held}, unmatched=[r for r in match.unmatched if r not in named])


def tree_match(match: LabsMatch, paths: Mapping[str, Path], table, kind: str = "labs") -> LabsMatch:
    """``match`` (the run's, ``labs_ids.match_labs_rows``) less the rows that fit records of two folders under the
    folder of ``table`` (the labs table's file), those records' ``ambiguous`` saying why (``tree_ambiguous``); a row
    given by convert's list (``listed``) stays. ``paths``: {record id: its file} of the run; ``kind``: the table's, as
    the words name a row ("labs row '1' ...", "labels row '1' ...")."""
    held = tree_ambiguous({rid: row for rid, row in match.rows.items() if rid not in match.listed}, paths, table,
                          kind)
    if not held:
        return match
    return replace(match, rows={rid: row for rid, row in match.rows.items() if rid not in held},
                   ambiguous={**match.ambiguous, **held})


def rows_above(row_ids, paths: Iterable, root) -> dict[str, Path]:
    """{row id: its record's file} of the rows of ``row_ids`` (a training run's labels rows that fit no record of
    ``paths``, the run's files under ``root``, by its id there) that fit one by a trailing part of its whole path
    (DATASET/labels.csv's "siteA/1" for a run of DATASET/siteA), as ``run_match`` finds a labs table's row; a row
    that fits two records is neither's."""
    paths = list(paths)
    files = {labs_record_id(p, root): Path(p) for p in paths}
    return {row: files[rid] for rid, row in run_match(row_ids, paths, root).rows.items()}


def tree_ambiguous(rows: Mapping[str, str], paths: Mapping[str, Path], table, kind: str = "labs") -> dict[str, str]:
    """Why each record of ``rows`` ({record id: its row's id}, as the run matched them) gets no row: its file
    (``paths``: {record id: its file}) lies under the folder of ``table`` (the labs table's file) and its row, a
    shorter trailing part of its path there than the whole ("1" for siteA/1), or the number a spreadsheet made of
    its name ("417" for 00417: ``labs_ids.respelled_note``), fits another record under that folder too, as written
    or as that number ({record id: why}; records whose rows fit no other there are not in it). The folder is walked
    only where such a row is met, and again only once a folder under it changed (``renamed.records_under``); one
    that cannot be walked refuses no row."""
    from mirage_model.records import RecordError

    folder = Path(os.path.abspath(Path(table).parent))
    index: tuple[dict[str, list[str]], dict[int, list[str]]] | None = None
    out: dict[str, str] = {}
    for rid, row in rows.items():
        try:
            mine = Path(os.path.abspath(paths[rid])).relative_to(folder).with_suffix("").as_posix()
        except (KeyError, ValueError):
            continue        # a record outside the table's folder: matched among the run's alone
        number = _NUMBER_ID.fullmatch(row) if respelled_note(row, mine) else None
        if row == mine or not (number or row in _trailing_ids(mine)):
            continue        # its whole path there, or a row found otherwise (a longer path)
        if index is None:
            try:
                index = _by_part(tuple(records_under(folder)))
            except RecordError:
                return out
        # a number fits the records named by it, "417" the records 417, 0417 and 00417: a spreadsheet's, perhaps
        fits = index[1].get(int(number.group(1)), ()) if number else index[0].get(row, ())
        others = [t for t in fits if t != mine]
        if others and number:
            named = ", ".join([mine, *others[:4]]) + (" ..." if len(others) > 4 else "")
            out[rid] = (f"{kind} row {row!r} fits {len(others) + 1} records under the folder of {Path(table).name} as "
                        f"the number a spreadsheet may have made of their names ({named}); write each record's "
                        f"name as it is (e.g. {mine!r}), the id column formatted as text")
        elif others:
            named = ", ".join([mine, *others[:4]]) + (" ..." if len(others) > 4 else "")
            out[rid] = (f"{kind} row {row!r} fits {len(others) + 1} records under the folder of {Path(table).name} "
                        f"({named}); name each record by its path there (e.g. {mine!r})")
    return out


@lru_cache(maxsize=2)
def _by_part(ids: tuple[str, ...]) -> tuple[dict[str, list[str]], dict[int, list[str]]]:
    """{trailing part: the ids of ``ids`` it fits} ("1" -> ["siteA/1", "siteB/1"]) and {number: the ids whose name
    is that number} (417 -> ["siteA/00417", "siteB/0417"]), each id once."""
    parts: dict[str, list[str]] = {}
    numbers: dict[int, list[str]] = {}
    for rid in dict.fromkeys(ids):
        for part in _trailing_ids(rid):
            parts.setdefault(part, []).append(rid)
        if (n := _number_name(rid.rsplit("/", 1)[-1])) is not None:
            numbers.setdefault(n, []).append(rid)
    return parts, numbers
