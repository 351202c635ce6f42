"""Which row of a labs table is which record's: a record's id (``labs_record_id``), the rows matched by the
longest trailing part of it (``match_labs_rows``, ``LabsMatch``), ids a spreadsheet made numbers of
(``respelled_rows``), ids of inputs ``mirage convert`` wrote under another name, by its list (``renamed_rows``:
"Müller" for the record Muller), and what is said of rows that fit no record (``near_miss_text``,
``unmatched_rows_text``).
Training, ``mirage score``, ``mirage report`` and the app's batch match rows so."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from mirage_model.clinical.renamed import RENAMED_CSV
from mirage_model.words import first_few


def labs_record_id(path, root=None) -> str:
    """A record's id in a labs (or labels) table: its path relative to ``root``, without the
    extension, with "/" between folders ("siteA/1" for ``root/siteA/1.hea``). Without ``root``, or
    for a path outside it, the whole path without the extension (``match_labs_rows`` then finds
    the row by the longest trailing part of it). Training, ``mirage score`` and ``mirage report``
    name a record by this id, so that one table means the same rows to all three."""
    path = Path(path)
    if root is not None:
        try:
            path = path.relative_to(root)
        except ValueError:
            pass
    return path.with_suffix("").as_posix()


@dataclass(frozen=True)
class LabsMatch:
    """Which row of a labs table belongs to which record of a run (``match_labs_rows``)."""

    rows: dict[str, str]          # record id -> the id of its row
    ambiguous: dict[str, str]     # record id -> why its row is refused (it fits other records too)
    unmatched: list[str]          # row ids that fit no record of the run, in table order
    # record id -> the id of its row, of the rows matched by convert's list (``renamed_rows``), also in ``rows``
    listed: dict[str, str] = field(default_factory=dict)
    # row id -> why the list's record was not given it (among ``unmatched``)
    listed_refused: dict[str, str] = field(default_factory=dict)
    listed_read: bool = False     # whether a list was given (a hint to keep it in the folder is then none)

    def row_id(self, record_id: str) -> str | None:
        """The id of the record's row, or None (no row, or an ambiguous one)."""
        return self.rows.get(record_id)

    def respelled_notes(self) -> list[str]:
        """``respelled_note`` of each row matched only as the number a spreadsheet made of its id."""
        return [note for rid, row in self.rows.items() if (note := respelled_note(row, rid))]

    def listed_notes(self) -> list[str]:
        """"row 'Müller' -> record Muller (renamed_records.csv)" of each row matched by convert's list
        (``renamed_rows``)."""
        return [f"row {row!r} -> record {rid} ({RENAMED_CSV})" for rid, row in self.listed.items()]


def _trailing_ids(record_id: str) -> list[str]:
    """"a/siteA/1" -> ["a/siteA/1", "siteA/1", "1"]: the ids a row may use for the record, longest first."""
    parts = [p for p in record_id.split("/") if p]
    return ["/".join(parts[k:]) for k in range(len(parts))]


def _loose_key(record_id: str) -> str:
    """An id with case and leading zeros dropped ("SiteA/0012_LR" -> "sitea/12_lr")."""
    return re.sub(r"[0-9]+", lambda m: m.group().lstrip("0") or "0", record_id.casefold())


# an id a spreadsheet (or pandas) wrote as a number: "417" for "00417" (leading zeros dropped),
# "1.0" for "1" (an integer column written as floats); digits only, or a whole number with ".0"
_NUMBER_ID = re.compile(r"([0-9]+)(?:\.0+)?")
# "1.23457E+11": a long id Excel wrote in scientific notation, its last digits lost for good
_SCIENTIFIC_ID = re.compile(r"[0-9](?:\.[0-9]+)?[eE]\+?[0-9]+")
# "1.hea", "sub/ECG_7.xml": an id ending in a file's extension (a letter, then up to 4 letters or digits)
_EXTENSION_ID = re.compile(r"(.+)\.[A-Za-z][A-Za-z0-9]{0,4}")


def _number_name(part: str) -> int | None:
    """The record name ``part`` as a whole number ("00417" -> 417), None when it is not digits only."""
    return int(part) if part.isdigit() and part.isascii() else None


def respelled_note(row_id: str, record_id: str) -> str:
    """"row '1.0' read as the record '1' (the same number: an id a spreadsheet reformatted)"
    where the row names the record only as a number a spreadsheet reformatted (``respelled_rows``),
    else ""."""
    m = _NUMBER_ID.fullmatch(row_id)
    stem = record_id.rsplit("/", 1)[-1]
    if m is None or row_id == stem or _number_name(stem) != int(m.group(1)):
        return ""
    return f"row {row_id!r} read as the record {stem!r} (the same number: an id a spreadsheet reformatted)"


def respelled_warning(table, notes: list[str]) -> str:
    """The one warning about a table's rows matched only as the number a spreadsheet made of their
    ids (``notes``: their ``respelled_note``), naming the first three: what training, ``mirage
    score`` and the app's batch dialog say; "" for no notes."""
    n = len(notes)
    if not n:
        return ""
    return (f"{table}: {n} row{'s' if n != 1 else ''} matched only as the number a spreadsheet made of "
            f"{'their ids' if n != 1 else 'its id'} ({'; '.join(notes[:3])}{' ...' if n > 3 else ''}); where a "
            "match is wrong, write the ids as the records are named, with the column formatted as text")


def respelled_rows(row_ids, record_ids, taken=()) -> tuple[dict[str, str], dict[str, str]]:
    """Rows whose id fits no record as written, but does as a number a spreadsheet reformatted:
    "417" for the record 00417 (Excel drops the leading zeros of a number), "1.0" for the record 1
    (an integer column with a missing cell, written by pandas as floats). A row is matched only
    where the number names exactly one record of the run (00417 and 0417 beside each other: neither),
    that record has no row of its own (``taken``: the records other rows fit as written), and no
    other row reads as the same record; a wrong patient's labs are far worse than none. Only the
    record's own name is compared, never a part of it: "417" is not "00417_lr" (the zeros and
    the "_lr" both would be guesses).

    Args:
        row_ids: the ids of the rows that fit no record as written.
        record_ids: every record of the run, as ``labs_record_id`` names them.
        taken: the records that rows fit as written.

    Returns:
        ({row id: the record id it names}, {row id: why it is not matched}) for the rows that look
        like such numbers; rows that look like none are in neither.
    """
    by_number: dict[int, list[str]] = {}
    for rid in dict.fromkeys(record_ids):
        n = _number_name(rid.rsplit("/", 1)[-1])
        if n is not None:
            by_number.setdefault(n, []).append(rid)
    taken = set(taken)
    found: dict[str, str] = {}
    why: dict[str, str] = {}
    for row in dict.fromkeys(row_ids):
        m = _NUMBER_ID.fullmatch(row)
        if m is None:
            if _SCIENTIFIC_ID.fullmatch(row):
                why[row] = (f"{row!r} is a number a spreadsheet wrote in scientific notation, its last "
                            "digits lost: format the id column as text and export the table again")
            continue
        fits = [r for r in by_number.get(int(m.group(1)), []) if r.rsplit("/", 1)[-1] != row]
        if not fits:
            continue
        if len(fits) > 1:
            named = ", ".join(repr(r) for r in fits[:4]) + (" ..." if len(fits) > 4 else "")
            why[row] = (f"{row!r} looks like a number a spreadsheet reformatted and fits {len(fits)} records "
                        f"as one ({named}): not matched; write the record's name as it is, the column as text")
        elif fits[0] in taken:
            why[row] = (f"{row!r} looks like a number a spreadsheet reformatted, and would be the record "
                        f"{fits[0]!r}, which another row names as written: not matched")
        else:
            found[row] = fits[0]
    twice: dict[str, list[str]] = {}
    for row, rid in found.items():
        twice.setdefault(rid, []).append(row)
    for rid, rows in twice.items():
        if len(rows) > 1:
            for row in rows:
                why[row] = (f"{row!r} looks like a number a spreadsheet reformatted, as do "
                            f"{', '.join(repr(r) for r in rows if r != row)}: each would be the record {rid!r}; "
                            "not matched")
                del found[row]
    return found, why


def _ascii_id(row_id: str) -> str:
    """A row's id with its name (the part after the last "/") as ``mirage convert --to wfdb`` names a WFDB record
    (``formats.write.safe_name``: "siteA/Müller Émile" -> "siteA/Muller_Emile"), for a hint only: whose record it
    is, convert's list says (``renamed_rows``)."""
    # imported here: mirage_model.formats imports this package at module level
    from mirage_model.formats.write import safe_name

    folder, _, name = row_id.rpartition("/")
    return f"{folder}/{safe_name(name)}" if folder else safe_name(name)


def listed_warnings(table, match: LabsMatch) -> list[str]:
    """What is said of a table's rows matched by convert's list (``renamed_rows``: "row 'Müller' -> record Muller
    (renamed_records.csv)", the first three) and of those it names that were refused, and why; [] for none."""
    lines = []
    notes = match.listed_notes()
    if notes:
        n = len(notes)
        lines.append(f"{table}: {n} row{'s' if n != 1 else ''} matched to the record mirage convert wrote under "
                     f"another name ({'; '.join(notes[:3])}{' ...' if n > 3 else ''})")
    whys = list(match.listed_refused.values())
    if whys:
        n = len(whys)
        lines.append(f"{table}: {n} row{'s' if n != 1 else ''} that {RENAMED_CSV} names not matched, "
                     f"{'it' if n == 1 else 'each'} fits no record ({'; '.join(whys[:3])}{' ...' if n > 3 else ''})")
    return lines


def _twice_why(kind: str, row: str, record: str, other: str, other_row: str | None, where: str = "") -> str:
    """Why ``row`` ("1" of a ``kind`` table: "labs row '1'"), which names ``record`` as written and, by convert's
    list, the input written as ``other``, is neither's, and how to mend it. Where ``other`` has no row (``other_row``
    None) the row may be the numbered record's: a row of its own, as convert wrote it, settles that (``renamed_rows``),
    or the list moved out of the folder of a table so keyed. Where its row ``other_row`` is refused too, that row is
    mended first. ``where``: "" (``other`` is a record of the run), "run" (of the folder, not in the run) or "gone"
    (in no file of the folder: the list is older than the folder; "1" may still be that input's patient)."""
    name = RENAMED_CSV
    at = {"run": ", a record of the folder not in this run,",
          "gone": ", a record no longer in the folder,"}.get(where, ",")
    if where == "gone" and other_row is None:
        said, mend = (f"{at} which has no row", f"where the table names the records as convert wrote them, the row "
                      f"{row!r} is the record {record}'s: delete the line of {other!r} from {name} (its record is "
                      f"gone), or move {name} out of the folder")
    elif other_row is None:
        said, mend = (f"{at} which has no row", f"give the record {other} its row as convert wrote it ({other!r}): the "
                      f"row {row!r} is then the record {record}'s; or, where a table so keyed has no row for "
                      f"the record {other}, move {name} out of the folder")
    else:
        said, mend = (f"{at} whose row {other_row!r} is refused too", f"mend the row {other_row!r} first (said with "
                      f"the record {other}), or, where the table names the records as convert wrote them, move {name} "
                      "out of the folder")
    return (f"{kind} row {row!r} names the record {record!r} as written and, by {name}, the input convert wrote as "
            f"{other!r}{said}: either may be its patient, so neither is given it; to mend it, {mend}")


def renamed_rows(row_ids, renamed, rows: dict, records, kind: str = "labs",
                 held: dict | None = None, away: dict | None = None) -> tuple[dict, dict, dict]:
    """Rows whose id fits no record as written but is the id (or a trailing part of it) of an input that
    ``mirage convert`` wrote as a record of the run under another name, as its list says (``renamed``:
    ``clinical.renamed.read_renamed``): "Müller" for the record Muller that Müller.xml was written as. Nothing is
    guessed: without the list no row is so matched. A row is refused (named) where it names two inputs, where its
    record has a row of its own, or where two rows would be the one record; and a row matched as written that the
    list names as another record's input ("1" for the record 1, where 1.xml, input "1", was written as 1_2) is
    refused for both records, either may be its patient, unless that record has a row of its own that stands (a row
    "1_2": the table names the records as convert wrote them, and "1" is the record 1's); the words say how to mend
    the table (``_twice_why``). A record of the list that is not in the run counts as well, never given a row: one of
    the folder that the run left out (a few records scored, one opened) has the row the folder's records give it
    (``rows``, ``held``), so that whether "1" is the record 1's does not hang on which records are scored; one no file
    of the folder holds (the list is older) has no patient here, but "1" may still be its input's, and is refused.

    Args:
        row_ids: the ids of the rows that fit no record as written.
        renamed: the list's (input id, record id) pairs.
        rows: {record id: row id} of the rows matched so far, of records of the list not in the run too.
        records: every record of the run that may be given a row (none ambiguous).
        kind: the table's kind, as its refusals name a row ("labs row '1' ...", "labels row '1' ...").
        held: {record id: its row} of the records whose rows are refused already (ambiguous): a row the list
            reads as one of them is refused too, never given to the record it names as written.
        away: {record id: "run" (of the folder, not in the run) or "gone" (in no file of it)} of the list's records
            not in the run; one of the list in none of ``records``, ``rows``, ``held`` and ``away`` is gone.

    Returns:
        {row id: the record of the run it names}, {row id: why it is not matched}, {record id of the run: why its
        row is refused}.
    """
    name, held, away = RENAMED_CSV, held or {}, dict(away or {})
    ours = set(records) | {r for r in (*rows, *held) if r not in away}
    by_part: dict[str, list[str]] = {}
    for source, record in dict.fromkeys(renamed):
        if record not in ours:
            away.setdefault(record, "gone")
        for part in _trailing_ids(source):
            if record not in by_part.setdefault(part, []):
                by_part[part].append(record)
    # a row's reading by the list falls away where the record it names has a row of its own that stands (rows "1"
    # and "1_2": the table names the records as convert wrote them); a row stands where each record the list reads
    # it as stands, grown from the rows it reads as no other record, so that rows that vouch only for each other
    # (a circle) or for a record whose row is refused (``held``) stand for none: where in doubt, no row is given
    others = {rid: [r for r in by_part.get(row, ()) if r != rid] for rid, row in rows.items()}
    standing = {rid for rid, rest in others.items() if not rest}
    while grown := {rid for rid, rest in others.items() if rid not in standing and standing.issuperset(rest)}:
        standing |= grown
    refused_records: dict[str, str] = {}
    doubted = [rid for rid in rows if rid not in standing]
    for rid in doubted:
        other = next(r for r in others[rid] if r not in standing)
        refused_records[rid] = _twice_why(kind, rows[rid], rid, other, rows.get(other, held.get(other)),
                                          away.get(other, ""))
    for rid in doubted:
        for other in others[rid]:
            if other not in standing and other not in held:
                refused_records.setdefault(other, refused_records[rid])
    taken = {r: row for r, row in rows.items() if r in standing}
    found: dict[str, str] = {}
    refused: dict[str, str] = {}
    for row in dict.fromkeys(row_ids):
        fits = by_part.get(row, [])
        if len(fits) > 1:
            refused[row] = f"row {row!r} names {len(fits)} records in {name} ({', '.join(fits[:3])})"
        elif fits and away.get(fits[0]) == "run":
            continue              # a row of a record the run left out: nothing to say of it here
        elif fits and away.get(fits[0]) == "gone":
            refused[row] = f"row {row!r} -> record {fits[0]} ({name}), which is no longer in the folder"
        elif fits and fits[0] in taken:
            refused[row] = f"row {row!r} -> record {fits[0]} ({name}), which has a row of its own ({taken[fits[0]]!r})"
        elif fits and (fits[0] in refused_records or fits[0] in held):
            refused[row] = f"row {row!r} -> record {fits[0]} ({name}), whose row is refused"
        elif fits:
            found[row] = fits[0]
    once = Counter(found.values())
    for row, rid in list(found.items()):
        if once[rid] > 1:
            refused[row] = f"row {row!r} -> record {rid} ({name}), which {once[rid]} rows would be"
            del found[row]
    return found, refused, {r: why for r, why in refused_records.items() if r not in away}


def near_miss_text(row_ids, record_ids, renamed_read: bool = False) -> str:
    """A hint for table ids that fit no record only because of case or leading zeros, e.g.
    "; 'SITEA/01_LR' differs from the record 'siteA/01_lr' only in case or leading zeros (60 ids
    so; ids must match exactly)"; or because a spreadsheet reformatted them as numbers and they were
    not matched (``respelled_rows``: ambiguous, in scientific notation, or "417" beside the record
    00417_lr, which differs in more than the zeros); or because they may be inputs ``mirage convert`` wrote under
    another name ("Müller" beside the record Muller), unless its list was read (``renamed_read``); "" when none
    does. ``row_ids``: the rows that fit no record; ``record_ids`` as ``labs_record_id`` names them; a row may name
    a trailing part of one ("01_lr")."""
    # listed first: a batch passes its ids as a generator, which the loop below had used up, so the hints
    # after it (a spreadsheet's number "417" for 00417_lr) were worked out over no record and never said
    row_ids, record_ids = list(row_ids), list(record_ids)
    loose: dict[str, str] = {}
    for rid in record_ids:
        for part in _trailing_ids(rid):
            loose.setdefault(_loose_key(part), part)
    blocked, numbers = respelled_rows(row_ids, record_ids)
    for row, rid in blocked.items():
        # a row left unmatched although it reads as one record: that record has a row of its own
        numbers[row] = (f"{row!r} looks like a number a spreadsheet reformatted, and would be the record "
                        f"{rid!r}, which has a row of its own or an ambiguous one: not matched")
    text = ""
    if numbers:
        row, n = next(iter(numbers)), len(numbers)
        text = f"; {numbers[row]}" + (f" ({n} ids so)" if n > 1 else "")
    pairs = [(r, loose[_loose_key(r)]) for r in row_ids if r not in numbers
             and _loose_key(r) in loose and loose[_loose_key(r)] != r]
    if pairs:
        (row, record), n = pairs[0], len(pairs)
        text += (f"; {row!r} differs from the record {record!r} only in case or leading zeros "
                 f"({n} id{'s' if n > 1 else ''} so; ids must match exactly)")
    # "1.hea" or "ECG_7.xml": the record's file named with its extension (a list of the folder's files pasted in)
    exact = {part for rid in record_ids for part in _trailing_ids(rid)}
    with_ext = [(r, stem) for r in row_ids if r not in numbers
                and (m := _EXTENSION_ID.fullmatch(r)) and not exact.isdisjoint(_trailing_ids(stem := m.group(1)))]
    if with_ext:
        (row, stem), n = with_ext[0], len(with_ext)
        text += (f"; {row!r} names the record {stem!r} with its file's extension: write {stem!r} "
                 f"({n} id{'s' if n > 1 else ''} so)")
    # "Müller" beside the record Muller: the name mirage convert --to wfdb gives it, but another patient's Muller.hea
    # may be there: never matched so (``renamed_rows``: convert's list says whose it is)
    converted = [] if renamed_read else [(r, key) for r in row_ids if r not in numbers
                                         and (key := _ascii_id(r)) != r and key in exact]
    if converted:
        (row, key), n = converted[0], len(converted)
        text += (f"; {row!r} may be the record {key!r} if this folder was converted: keep convert's "
                 f"{RENAMED_CSV} in it ({n} id{'s' if n > 1 else ''} so)")
    # "417" beside the record 00417_lr: a number at the start of a name (one pass over the names)
    leading: dict[int, str] = {}
    for rid in record_ids if not pairs else ():
        stem = rid.rsplit("/", 1)[-1]
        if (m := re.match(r"([0-9]+)[^0-9]", stem)) and m.group(1).isascii():
            leading.setdefault(int(m.group(1)), stem)
    cut = [(r, leading[int(m.group(1))]) for r in row_ids
           if r not in numbers and (m := _NUMBER_ID.fullmatch(r)) and int(m.group(1)) in leading]
    if cut:
        (row, stem), n = cut[0], len(cut)
        text += (f"; {row!r} looks like a number a spreadsheet reformatted (leading zeros dropped?) and may "
                 f"mean the record {stem!r}: not matched, as it differs in more than the zeros; write the "
                 f"record's name ({stem!r}) with the column formatted as text ({n} id{'s' if n > 1 else ''} so)")
    return text


def id_example(record_ids) -> str:
    """An example of a row's id from the folder's own records, "'H-100022' or 'H-100035' (records of the folder)"
    (the first two by name), where a made-up 'siteA/1' had been given, a form no record of a hospital's folder has;
    "'siteA/1' or '1'" where no record is known."""
    ours = sorted(set(record_ids))[:2]
    if not ours:
        return "'siteA/1' or '1'"
    return " or ".join(map(repr, ours)) + f" ({'a record' if len(ours) == 1 else 'records'} of the folder)"


def unmatched_rows_text(ids, hint: str = "", record_ids=()) -> str:
    """The first five ids of labs-table rows that fit no record and how a row's id is read, for a
    warning: "('00417_LR', '99999'); a row's id is the record's path in the folder without the
    extension, e.g. '00417_lr' or '00418_lr' (records of the folder)" (``id_example`` of the run's ``record_ids``)
    followed by ``hint`` (``near_miss_text``)."""
    ids = list(ids)
    shown = first_few(ids, fmt=repr, more=" ...")
    return (f"({shown}); a row's id is the record's path in the folder without the extension, e.g. "
            f"{id_example(record_ids)}{hint}")


def _as_written(row_ids, record_ids) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Each record's row as written (``match_labs_rows``): ({record id: the longest trailing part of its id that is a
    row}, {record id: that row, where it is the record's alone}, {record id: why its row is refused})."""
    table = set(row_ids)
    # files of one name with other extensions (dupe/3.hea, dupe/3.xml, dupe/3.dcm) share an id: other
    # recordings, perhaps of other patients, that no row of the table can tell apart
    files = Counter(record_ids)
    fits: dict[str, list[str]] = {}               # row id -> the records it fits
    best: dict[str, str] = {}
    for rid in dict.fromkeys(record_ids):
        found = [t for t in _trailing_ids(rid) if t in table]
        for t in found:
            fits.setdefault(t, []).append(rid)
        if found:
            best[rid] = found[0]
    rows: dict[str, str] = {}
    ambiguous: dict[str, str] = {}
    for rid, row in best.items():
        others = [r for r in fits[row] if r != rid]
        if files.get(rid, 1) > 1:
            ambiguous[rid] = (f"labs row {row!r} fits {files[rid]} files of this run, one name with other "
                              "extensions (other recordings, perhaps of other patients); give those files "
                              "names of their own and the rows those names, or leave the row out")
        elif row != rid and others:
            named = ", ".join([rid] + others[:4]) + (" ..." if len(others) > 4 else "")
            ambiguous[rid] = (f"labs row {row!r} fits {len(others) + 1} records ({named}); name each "
                              f"record by its path in the folder (e.g. {rid!r})")
        else:
            rows[rid] = row
    return best, rows, ambiguous


def match_labs_rows(row_ids, record_ids, renamed=(), folder_ids=None) -> LabsMatch:
    """Each record's row of a labs table: the row whose id is the longest trailing part of the
    record's id (``labs_record_id``): "siteA/1" for the record siteA/1, else "1" (its file stem).
    A row that is a shorter trailing part than the whole id (a stem-keyed row "1") and fits two or
    more records of the run (siteA/1 and siteB/1) belongs to none of them: each gets an entry in
    ``ambiguous`` naming the records it fits, so that no patient silently gets another's labs; so
    does a row fitting an id that several files of the run share (``record_ids`` naming it more
    than once: siteA/3.hea and siteA/3.xml).
    A row that fits no record as written, but names one as a number a spreadsheet reformatted
    ("417" for 00417, "1.0" for 1), is that record's row where that is unambiguous
    (``respelled_rows``); whoever reads the match says so (``respelled_note``). A row named as an input that
    ``mirage convert`` wrote under another name ("Müller" for the record Muller) is that record's by the list convert
    wrote (``renamed``; ``renamed_rows``), and only so; said too (``listed_warnings``).

    Args:
        row_ids: the table's record ids, in table order.
        record_ids: every record of the run, as ``labs_record_id`` names them.
        renamed: (input id, record id) pairs of convert's list in the run's folder
            (``clinical.renamed.read_renamed``); () for none.
        folder_ids: every record of the folder the list is in, as ``labs_record_id`` names them, where the run is
            some of them (a few scored, one opened); None: the run's. The list's records the run left out are
            matched among them, and those in no file of it are gone (``renamed_rows``).
    """
    row_ids, record_ids = list(row_ids), list(record_ids)
    best, rows, ambiguous = _as_written(row_ids, record_ids)
    fitting = {t for rid in dict.fromkeys(record_ids) for t in _trailing_ids(rid)}
    unmatched = [r for r in row_ids if r not in fitting]
    # an id a spreadsheet wrote as a number ("417" for 00417, "1.0" for 1): the one record it names,
    # where that is unambiguous (``respelled_rows``); the note is ``respelled_note``
    found, _ = respelled_rows(unmatched, [r for r in dict.fromkeys(record_ids) if r not in ambiguous],
                              taken=set(best))
    rows.update({rid: row for row, rid in found.items()})
    unmatched = [r for r in unmatched if r not in found]
    if not renamed:
        return LabsMatch(rows, ambiguous, unmatched)
    # "Müller" for the record Muller that mirage convert --to wfdb wrote Müller.xml as: by its list, never guessed
    held = {rid: best[rid] for rid in ambiguous}
    # the list's records the run left out: their rows as the folder's records give them, or gone
    out = {record for _, record in renamed} - set(record_ids)
    folder = list(folder_ids if folder_ids is not None else record_ids)
    away = {record: "run" if record in folder else "gone" for record in out}
    theirs: dict[str, str] = {}
    if out:
        there_best, there_rows, _ = _as_written(row_ids, [*folder, *sorted(out.difference(folder))])
        mine = [*rows.values(), *held.values()]
        theirs = {r: row for r, row in there_rows.items() if r in out and row not in mine}
        held.update({r: there_best[r] for r in out if r in there_best and r not in theirs})
    free = [r for r in unmatched if r not in theirs.values() and r not in held.values()]
    found, refused, refused_records = renamed_rows(free, renamed, {**rows, **theirs},
                                                   [r for r in dict.fromkeys(record_ids) if r not in ambiguous],
                                                   held=held, away=away)
    rows = {rid: row for rid, row in rows.items() if rid not in refused_records}
    ambiguous.update(refused_records)
    listed = {rid: row for row, rid in found.items()}
    rows.update(listed)
    return LabsMatch(rows, ambiguous, [r for r in unmatched if r not in found], listed, refused, True)
