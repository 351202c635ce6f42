"""A labs table's rows decided over every record of the folder the table sits in, not over the run's records alone
(``tree_match``): a row "1" beside DATASET/siteA/1 and DATASET/siteB/1 is either's, so it is neither's, whether
the run scores DATASET, DATASET/siteA alone or opens siteA/1 in the window. Matched over the run alone, a run of
siteA/1 had been given the row, which may be siteB's patient's labs. A record named by its whole path under the
table's folder ("siteA/1") keeps its row. A record outside that folder is matched among the run's records alone, as
before (``labs_ids.match_labs_rows``): nothing says which other records such a table is of.
Research use only, not a diagnosis.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from dataclasses import replace
from typing import Mapping

from mirage_model.clinical.labs_ids import LabsMatch, _trailing_ids
from mirage_model.clinical.renamed import records_under


def tree_match(match: LabsMatch, paths: Mapping[str, Path], table) -> LabsMatch:
    """``match`` (the run's, ``labs_ids.match_labs_rows``) less the rows that fit records of two folders under the
    folder of ``table`` (the labs table's file), those records' ``ambiguous`` saying why (``tree_ambiguous``); a row
    given by convert's list (``listed``) stays. ``paths``: {record id: its file} of the run."""
    held = tree_ambiguous({rid: row for rid, row in match.rows.items() if rid not in match.listed}, paths, table)
    if not held:
        return match
    return replace(match, rows={rid: row for rid, row in match.rows.items() if rid not in held},
                   ambiguous={**match.ambiguous, **held})


def tree_ambiguous(rows: Mapping[str, str], paths: Mapping[str, Path], table) -> dict[str, str]:
    """Why each record of ``rows`` ({record id: its row's id}, as the run matched them) gets no row: its file
    (``paths``: {record id: its file}) lies under the folder of ``table`` (the labs table's file) and its row, a
    shorter trailing part of its path there than the whole ("1" for siteA/1), fits another record under that folder
    too ({record id: why}; records whose rows fit no other there are not in it). The folder is walked only where such
    a row is met, and again only once a folder under it changed (``renamed.records_under``); one that cannot be
    walked refuses no row."""
    from mirage_model.records import RecordError

    folder = Path(os.path.abspath(Path(table).parent))
    index: dict[str, list[str]] | None = None
    out: dict[str, str] = {}
    for rid, row in rows.items():
        try:
            mine = Path(os.path.abspath(paths[rid])).relative_to(folder).with_suffix("").as_posix()
        except (KeyError, ValueError):
            continue        # a record outside the table's folder: matched among the run's alone
        if row == mine or row not in _trailing_ids(mine):
            continue        # its whole path there, or a row found otherwise (a longer path, a spreadsheet's number)
        if index is None:
            try:
                index = _by_part(tuple(records_under(folder)))
            except RecordError:
                return out
        others = [t for t in index.get(row, ()) if t != mine]
        if others:
            named = ", ".join([mine, *others[:4]]) + (" ..." if len(others) > 4 else "")
            out[rid] = (f"labs row {row!r} fits {len(others) + 1} records under the folder of {Path(table).name} "
                        f"({named}); name each record by its path there (e.g. {mine!r})")
    return out


@lru_cache(maxsize=2)
def _by_part(ids: tuple[str, ...]) -> dict[str, list[str]]:
    """{trailing part: the ids of ``ids`` it fits} ("1" -> ["siteA/1", "siteB/1"]), each id once."""
    index: dict[str, list[str]] = {}
    for rid in dict.fromkeys(ids):
        for part in _trailing_ids(rid):
            index.setdefault(part, []).append(rid)
    return index
