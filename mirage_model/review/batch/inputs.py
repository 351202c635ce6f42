"""What a batch reads: the records under a folder (and signal files that lack their header) and
the labs table."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from mirage_model.clinical import ClinicalError, LabsMatch, labs_record_id, read_labs_table
from mirage_model.clinical.labs import near_miss_text, patient_column_warning
from mirage_model.clinical.labs_tree import run_match
from mirage_model.formats import find_ecg_files, name_key, named_files, record_key, signal_names
from mirage_model.clinical.renamed import RENAMED_CSV, read_renamed
from mirage_model.records import RecordError, ptbxl
from mirage_model.records.folder import natural_key, walk_files
from mirage_model.records.wfdb_header import segment_headers
from mirage_model.review.batch.annotations import annotation_files
from mirage_model.review.batch.errors import BatchError

# read by the product whatever the model: the measurements' reference limits (a child's by age, the QTc's by sex) and
# the interpretation's rules (``review.measurements``, ``interpret``): a bad cell of theirs refuses its labs row
ALWAYS_READ = frozenset({"age", "sex"})
SIGNAL_SUFFIXES = (".dat", ".mat")       # signal files that must come with a header


class FoundInputs(tuple):
    """What :func:`find_inputs` found: unpacked as (headers, orphans, not_ecg), each a list of paths
    in natural order (``records.folder.natural_key``: 1, 2, 10), as a 3-tuple; ``not_read`` holds the
    folder's other files, which no row tells of and no header names (a .pdf, a .txt, a WFDB annotation file, a
    hidden file or folder), in that order too, so that a run's summary can count them; ``same_file`` the
    records left out as another name of a record listed (``same_files``: a link), each (path, the
    record's path as listed); ``annotations`` the WFDB annotation files beside a record of their stem
    (``annotations.annotation_files``: "1.atr" beside "1.hea"), which are not among ``not_read``."""

    not_read: list
    same_file: list
    annotations: list

    def __new__(cls, headers, orphans, not_ecg, not_read=(), same_file=(), annotations=()):
        self = super().__new__(cls, (list(headers), list(orphans), list(not_ecg)))
        self.not_read = list(not_read)
        self.same_file = list(same_file)
        self.annotations = list(annotations)
        return self

    def __getnewargs__(self):
        return (*self, self.not_read, self.same_file, self.annotations)


def same_files(paths, links=None) -> dict[Path, Path]:
    """{path: the path kept} of the ``paths`` that are one file under several names (a symbolic link to a
    record beside it, a linked copy of a folder's records, a hard link): each file is kept once, by a
    name that is no link when it has one, else its first in natural order. A batch had scored such a
    file once per name, so a results table counted one recording two or three times. A path that
    cannot be looked at is kept (reading it says why). ``links``: the files of the listing that are
    symbolic links or share an inode number with another (``walk_files``' ``file_links``: hard links
    are found there, beside a symbolic link or not), when known: none among ``paths``, nothing is looked
    at (PTB-XL's 21,799 headers: 0.25 s of stat calls)."""
    paths = list(paths)
    if links is not None and not set(map(Path, links)).intersection(paths):
        return {}
    by_file: dict[tuple[int, int], list[Path]] = {}
    for p in paths:
        try:
            st = os.stat(p)
        except OSError:
            continue
        by_file.setdefault((st.st_dev, st.st_ino), []).append(Path(p))
    out = {}
    for names in by_file.values():
        if len(names) > 1:
            kept = min(names, key=lambda q: (q.is_symlink(), natural_key(q)))
            out.update({q: kept for q in names if q != kept})
    return out


def find_inputs(folder, unreadable: list | None = None) -> FoundInputs:
    """(record headers, signal files without a header, files with an ECG format's extension that
    are no ECG MIRAGE reads) under ``folder``, recursively, each in natural order. A signal file (.dat, .mat)
    is "without a header" when no header in its folder names it (``formats.signal_names``): ``1.mat``
    beside ``1.hea`` naming ``1.dat``, ``zero.dat`` beside a ``zero.hea`` naming ``other.dat``; one
    that a header of another stem names (``x.hea`` naming ``signals.dat``) is that record's, as is a file of any other
    extension that a header in its folder names as a signal file (PTB's ``s0010_re.xyz``): in no list. The files
    that are no ECG are read like records, so that their row says what they are, with the status "not_ecg". A WFDB
    annotation file beside a header of its stem ("1.atr", "1.ii" beside "1.hea") is in the result's
    ``annotations``. PTB-XL's ``ptbxl_database.csv`` that a header's record is read with (``records.ptbxl.
    find_database``: its age, sex, patient and date) is in no list, nor is ``mirage convert``'s list of the records
    it renamed (``clinical.renamed.RENAMED_CSV``, read with a labs table: ``labs_lookup``). Every other file
    (a .pdf, a .txt, an annotation file with no record: what no row tells of) is in its ``not_read``, and so is
    every hidden file and folder (a leading dot: not searched, ``walk_files``), and every named pipe, socket or
    device (never opened: reading a pipe would block the batch). ``unreadable``,
    when a list, receives (folder, reason) of each folder that cannot be listed. The folder is
    walked once.

    Raises:
        BatchError: the folder does not exist or is not a folder.
    """
    passed_over: list[Path] = []
    hidden: list[Path] = []
    links: list[Path] = []
    special: list[Path] = []        # named pipes, sockets, devices: never opened, but not passed over in silence
    files = list(walk_files(folder, unreadable=unreadable, hidden=hidden, file_links=links, special=special)) \
        if Path(folder).is_dir() else []
    try:
        headers = find_ecg_files(folder, passed_over, files=files)  # WFDB headers and clinical-format files
    except RecordError as err:
        raise BatchError(str(err)) from None
    # a multi-segment record's segments are read through its master: their .dat files have a header
    heads = [p for p in headers if p.suffix.lower() == ".hea"]
    heads += segment_headers(heads)
    signals: dict[str, list[Path]] = {}
    for p in files:
        if p.suffix.lower() in SIGNAL_SUFFIXES:
            signals.setdefault(record_key(p), []).append(p)
    # a signal file is a record's only when a header in its folder names it: its own stem's (the
    # usual case, checked first), or another's (x.hea naming signals.dat). zero.dat beside a zero.hea
    # naming other.dat is a file of its own, with its own row, as is a signal file no header names
    by_key: dict[str, list[Path]] = {}
    by_folder: dict[Path, list[Path]] = {}
    for h in heads:
        by_key.setdefault(record_key(h), []).append(h)
        by_folder.setdefault(h.parent, []).append(h)
    probed: dict[Path, frozenset | None] = {}

    def names(hea: Path, p: Path, own: bool) -> bool:
        if hea not in probed:
            probed[hea] = signal_names(hea)
        got = probed[hea]
        if got is not None and name_key(p.name) in got:
            return True
        # a header that cannot be read or parsed (no signal file named: "rec 1.dat", a name with a
        # blank) is taken to name its own stem's file, which gets no row of its own: its row says why
        return own and not named_files(hea)

    orphans = []
    for key, group in signals.items():
        own = by_key.get(key, [])
        for p in group:
            if any(names(h, p, True) for h in own if h.parent == p.parent):
                continue
            if any(names(h, p, False) for h in by_folder.get(p.parent, ()) if h not in own):
                continue
            orphans.append(p)
    # every file is a record, part of one (a signal file, a segment's header), or has a row of its
    # own: the rest are named in the summary, never passed over in silence
    used = set(headers) | set(heads) | set(passed_over) | {p for group in signals.values() for p in group}
    # hidden files and folders (".DS_Store", ".git", a record named ".1.hea") are not searched, but named
    # one file under several names (copy.hea -> 1.hea) is one record: listed once, the others said
    same = same_files(headers, links)
    rest = [p for p in files if p not in used]
    # a file a header names (PTB's .xyz) is its record's, as a .dat is: no file passed over
    named = _named_signals(rest, by_folder, probed)
    rest = [p for p in rest if p not in named]
    # an annotation file belongs to the record of its stem: counted apart, not as a file passed over
    annotations = annotation_files(rest, heads)
    if annotations:
        beside = set(annotations)
        rest = [p for p in rest if p not in beside]
    # PTB-XL's table is read for the records below it (age, sex, patient, date): not a file passed over
    tables = {ptbxl.find_database(h) for h in {h.parent: h for h in heads}.values()}     # one look per folder
    rest = [p for p in rest if p.name != ptbxl.DATABASE_NAME or p not in tables]
    # mirage convert's list of the records it renamed is read with a labs table (``labs_lookup``): no file passed over
    rest = [p for p in rest if p.name != RENAMED_CSV]
    return FoundInputs(sorted((p for p in headers if p not in same), key=natural_key), sorted(orphans, key=natural_key),
                       sorted(passed_over, key=natural_key), sorted(rest + hidden + special, key=natural_key),
                       sorted(same.items(), key=lambda pair: natural_key(pair[0])),
                       sorted(annotations, key=natural_key))


def _named_signals(paths, by_folder: dict, probed: dict) -> set[Path]:
    """The files among ``paths`` that a header in their folder (``by_folder``: {folder: its headers}) names as a
    signal file, whatever their extension, as a .dat is named: PTB's "s0010_re.xyz", its Frank leads vx, vy, vz,
    had been counted among the files not read. Each header of a folder holding one of ``paths`` is probed once
    (``formats.signal_names``, kept in ``probed``: {header: names}); one that names a file is parsed
    (``formats.named_files``), which tells signal files from a multi-segment master's segments (LUDB's 1200
    annotation files beside 100 headers: about 10 ms)."""
    index: dict[Path, dict[str, list[Path]]] = {}       # {folder: {name: the headers whose probe names it}}
    out = set()
    for p in paths:
        folder = p.parent
        names = index.get(folder)
        if names is None:
            names = index[folder] = {}
            for h in by_folder.get(folder, ()):
                if h not in probed:
                    probed[h] = signal_names(h)
                for name in probed[h] or ():
                    names.setdefault(name, []).append(h)
        if not names:
            continue
        key = name_key(p.name)
        if any(key in map(name_key, named_files(h)) for h in names.get(key, ())):
            out.add(p)
    return out


def _missing_signal_files(hea: Path) -> list[str]:
    """The signal files the header at ``hea`` names that are not beside it ([] when all are, or
    the header cannot be read: loading it then says why)."""
    if any(hea.with_suffix(s).is_file() for s in SIGNAL_SUFFIXES):
        return []                   # the usual case, without parsing: NAME.hea beside NAME.dat
    return [n for n in named_files(hea) if not (hea.parent / n).is_file()]


def own_name_hint(hea) -> str:
    """What the error row of a header that misses the signal files it names adds when a signal
    file bearing the header's own name lies beside it: a record copied with its files renamed
    ("1 - Copy.hea", "1 - Copy.dat": Windows' copy), whose header still names the original's
    1.dat. "" otherwise (or when the header cannot be read: loading it says why)."""
    hea = Path(hea)
    if hea.suffix.lower() != ".hea":
        return ""
    named = named_files(hea)
    missing = [n for n in named if not (hea.parent / n).is_file()]
    own = [hea.with_suffix(x) for x in SIGNAL_SUFFIXES if hea.with_suffix(x).is_file()]
    own = [p for p in own if p.name not in named]
    if not missing or not own:
        return ""
    return (f"{own[0].name} beside it bears this header's name: if it is this record's signal file (a "
            f"copy whose header still names the original's {missing[0]}), edit the header's signal lines "
            f"to name {own[0].name}")


def signal_file_hints(headers: Iterable[Path], orphans: Iterable[Path], limit: int = 3) -> dict[Path, str]:
    """What the error row of a header that misses its signal file and that of a signal file
    without a header add when both are in one folder: most often one file renamed away from its
    record (``001.dat`` to ``001_old.dat``). Each row stays (every file in the folder has its
    row) and names the other: {path: hint}. Only the folders holding an orphan are looked at. A
    signal file beside a header of its stem that names other files is told what that header names.
    """
    headers, orphans = list(headers), list(orphans)
    stems = {record_key(h): Path(h) for h in headers if Path(h).suffix.lower() == ".hea"}
    by_folder: dict[Path, list[Path]] = {}
    for p in orphans:
        # one of a header's stem (zero.dat beside a zero.hea naming other.dat, a copy's renamed
        # files) is told below, and its header's row by ``own_name_hint``: edit the header
        if record_key(p) not in stems:
            by_folder.setdefault(Path(p).parent, []).append(Path(p))
    lacking: dict[Path, list[tuple[Path, list[str]]]] = {}
    for hea in headers:
        hea = Path(hea)
        if hea.parent in by_folder and hea.suffix.lower() == ".hea":
            missing = _missing_signal_files(hea)
            if missing:
                lacking.setdefault(hea.parent, []).append((hea, missing))
    hints: dict[Path, str] = {}
    for folder, heads in lacking.items():
        loose = sorted(by_folder[folder])
        named = ", ".join(p.name for p in loose[:limit]) + (" ..." if len(loose) > limit else "")
        # a rename is suggested only where the pair is the folder's only one: one header missing
        # one file, one file without a header; otherwise each row lists the other kind
        pair = len(loose) == 1 and len(heads) == 1 and len(heads[0][1]) == 1
        for hea, missing in heads:
            if pair:
                hints[hea] = (f"{loose[0].name} in the same folder has no header: if it is this record's "
                              f"signal file, rename it {missing[0]}")
            else:
                hints[hea] = f"signal files in the same folder without a header: {named}"
        for orphan in loose:
            if pair:
                hea, (missing,) = heads[0]
                hints[orphan] = (f"{hea.name} in the same folder names {missing}, which is missing: if "
                                 f"this is that file, rename it {missing}")
            else:
                lack = ", ".join(f"{h.name} ({', '.join(m)})" for h, m in heads[:limit])
                hints[orphan] = (f"headers in the same folder whose signal files are missing: {lack}"
                                 + (" ..." if len(heads) > limit else ""))
    # a signal file beside a header of its stem that names another (1.mat beside 1.hea naming 1.dat)
    for orphan in orphans:
        hea = stems.get(record_key(orphan))
        if hea is not None and Path(orphan) not in hints:
            named = sorted(named_files(hea))
            hints[Path(orphan)] = f"{hea.name} beside it names {', '.join(named) or 'no signal file'}, not this file"
            if named and not any((hea.parent / n).is_file() for n in named):
                hints[Path(orphan)] += (f", and {'that is' if len(named) == 1 else 'those are'} missing: if this is "
                                        f"its signal file, edit {hea.name}'s signal lines to name {Path(orphan).name}")
    return hints


def labs_dict(labs, row_errors: dict | None = None, warnings: list | None = None,
              not_read: list | None = None, cell_errors: dict | None = None,
              patient_first: list | None = None, censored: list | None = None) -> dict:
    """{record_id: values} of a labs table (a path, or such a dict already); a row that cannot be
    read goes to ``row_errors`` ({record_id: message}, when given) instead of stopping the batch;
    the table's warnings (units assumed, censored values) to ``warnings`` too, when given, and its
    columns of no feature to ``not_read``; with ``cell_errors`` a bad value is left out of its row
    and recorded there ({record_id: {feature: message}}, ``read_labs_table``) instead; the first
    column's header to ``patient_first`` when it names patients, its censored cells to ``censored``, unsaid
    (``read_labs_table``).

    Raises:
        BatchError: the table itself cannot be read.
    """
    if labs is None:
        return {}
    if isinstance(labs, Mapping):
        return dict(labs)
    try:
        return read_labs_table(labs, row_errors=row_errors, warnings=warnings, not_read=not_read,
                               cell_errors=cell_errors, patient_first=patient_first, censored=censored)
    except ClinicalError as err:
        raise BatchError(str(err)) from None


def labs_row_ids(labs: Mapping, row_errors: Mapping) -> list[str]:
    """Every row id of a labs table as ``labs_dict`` split it: its read rows, then the refused ones
    (``row_errors``) not among them; what ``clinical.match_labs_rows`` matches records against."""
    return list(labs) + [r for r in row_errors if r not in labs]


def features_read(*predictors) -> frozenset | None:
    """The clinical features any of ``predictors`` (None ones skipped) reads
    (``Predictor.clinical_read``); None when one does not say: every feature counts as read."""
    names: set = set()
    for predictor in predictors:
        if predictor is None:
            continue
        read = getattr(predictor, "clinical_read", None)
        if read is None:
            return None
        names.update(read)
    return frozenset(names)


def left_out_note(why: str) -> str:
    """The words a record's row (its notes, its PDF) gives a bad labs value left out of it: ``why``
    names the file, line, column and the problem (``LabsTableError``)."""
    return f"labs value left out, no model of the run reads it: {why}"


@dataclass
class LabsLookup:
    """Each record's labs row in one run: the table (``labs_dict``), its refused rows, and the
    match of its rows to the run's records (``clinical.match_labs_rows`` over every record of the
    run, named by ``clinical.labs_record_id`` under ``root``). The batch scores a record with the
    values :meth:`values` gives it; the app's batch dialog opens a result row's record with them.

    Build one with :meth:`build` (or :func:`labs_lookup` for a folder).
    """

    labs: dict                                  # {row id: {name: (value, unit)}}
    errors: dict                                # {row id: why the row was refused}
    root: Path                                  # the folder the records' ids are relative to
    match: LabsMatch = field(default_factory=lambda: LabsMatch({}, {}, []))
    # what reading the table warned of (``read_labs_table``'s ``warnings``: units assumed, censored
    # values read as their limit), for a face that shows no log (the app's batch dialog)
    warnings: list = field(default_factory=list)
    # the table's file (None: given as a dict): in the scored folder it is no file passed over
    source: Path | None = None
    # the table's columns of no feature ("Smoker", "Kalium (mmol/L)"), as its header names them: no
    # model reads them, and the run's summary says so beside the values it counts
    not_read: list = field(default_factory=list)
    # {row id: {feature: why}}: bad values left out of rows read (``read_labs_table``'s ``cell_errors``)
    cell_errors: dict = field(default_factory=dict)
    # the features the run's models read (``features_read``); None: every feature, so that any bad
    # value refuses its row. A bad value no model reads is left out and said (``left_out``)
    reads: frozenset | None = None
    # the table's censored cells (``clinical.labs.CensoredCell``), warned of once the models' reads are known
    censored: list = field(default_factory=list)
    # the table's file where ``build`` was given it: the records under its folder its rows are decided over
    table: Path | None = None

    @classmethod
    def build(cls, labs: dict, errors: Mapping | None, root, paths: Iterable,
              warnings: Iterable[str] = (), not_read: Iterable[str] = (),
              cell_errors: Mapping | None = None, renamed: Iterable = (), table=None) -> "LabsLookup":
        """The lookup of the run over ``paths`` (every record of it) under ``root``; ``renamed``: the (input id,
        record id) pairs of mirage convert's list in ``root`` (``clinical.renamed.read_renamed``). ``table``: the
        table's file, where it is one: a row that fits records of two folders under its folder is no record's,
        whichever of them the run holds (``clinical.labs_tree.tree_match``)."""
        errors = dict(errors or {})
        cells = {rid: dict(bad) for rid, bad in (cell_errors or {}).items()}
        match = run_match(labs_row_ids(labs, errors), paths, root, renamed, table)
        return cls(labs, errors, Path(root), match, list(warnings), not_read=list(not_read), cell_errors=cells,
                   table=None if table is None else Path(table))

    def fits_almost_none(self, records: int) -> bool:
        """Whether the table's rows fit no record of the run (of ``records``), or almost none: a tenth or
        less of its rows fit a record, and a tenth or less of the run's records have a row (a table of the
        records' names fits all of one or the other: a run of some of its records, a table of a few)."""
        rows = len(labs_row_ids(self.labs, self.errors))
        fit_rows = rows - len(self.match.unmatched)
        fit_records = len(self.match.rows) + len(self.match.ambiguous)
        return fit_rows <= 0.1 * rows and fit_records <= 0.1 * records

    def record_id(self, path) -> str:
        """The record's id in the labs table (``clinical.labs_record_id``): its path under the root."""
        return labs_record_id(path, self.root)

    def unmatched_hint(self, paths: Iterable) -> str:
        """Why some of the rows that fit no record may not (``clinical.labs.near_miss_text``: case,
        leading zeros) against the run's records ``paths``; "" when none does."""
        return near_miss_text(self.match.unmatched, (self.record_id(p) for p in paths), self.match.listed_read)

    def ambiguous(self, path) -> str:
        """Why the record gets no row because its row fits other records too ("" when not so)."""
        return self._match(path).ambiguous.get(self.record_id(path), "")

    def row_id(self, path) -> str | None:
        """The id of the labs row of the record at ``path`` (None: none, or an ambiguous one)."""
        return self._match(path).row_id(self.record_id(path))

    def _match(self, path) -> LabsMatch:
        """The run's match, or a record's own, matched alone, outside the run's list (``iter_rows`` on its own)."""
        rid = self.record_id(path)
        if rid in self.match.rows or rid in self.match.ambiguous:
            return self.match
        return run_match(labs_row_ids(self.labs, self.errors), [Path(path)], self.root, table=self.table)

    def row_refused(self, row_id) -> str:
        """Why the labs row ``row_id`` was refused ("" when it was read): a row that could not be read,
        or a bad value of a feature a model of the run reads, or of the age or sex, which the measurements'
        limits (a child's, a woman's QTc) and the interpretation read whatever the model (a wrong age is never
        read silently)."""
        if row_id in self.errors:
            return str(self.errors[row_id] or "")
        bad = self.cell_errors.get(row_id) or {}
        return next((why for name, why in bad.items()
                     if self.reads is None or name in self.reads or name in ALWAYS_READ), "")

    def refused(self, path) -> str:
        """Why the record's labs row was refused ("" when it was read, or there is none)."""
        return self.row_refused(self.row_id(path))

    def refused_rows(self) -> set:
        """The ids of the rows refused (``row_refused``)."""
        return set(self.errors) | {rid for rid in self.cell_errors if self.row_refused(rid)}

    def left_out(self, path, named=str) -> list[str]:
        """The bad values left out of the record's labs row, as ``left_out_note`` words each, when
        no model of the run reads their features ([] when the row is refused, or has none). ``named``:
        how each problem names the table (the window's lab form: by its file's name)."""
        rid = self.row_id(path)
        if self.row_refused(rid):
            return []
        return [left_out_note(named(why)) for why in (self.cell_errors.get(rid) or {}).values()]

    def values(self, path) -> dict:
        """The labs-table values the batch scores the record at ``path`` with ({name: (value,
        unit)}, over the file's own); {} when it has no row, an ambiguous or a refused one."""
        if self.ambiguous(path) or self.refused(path):
            return {}
        return dict(self.labs.get(self.row_id(path), {}) or {})


def labs_lookup(labs, folder, headers: Iterable | None = None, rows: Mapping | None = None,
                patient_first: str | None = None) -> LabsLookup:
    """The :class:`LabsLookup` a batch of ``folder`` with the labs table ``labs`` (a path or a
    dict) uses; ``headers``: the folder's records as ``find_inputs`` found them (None: searched here).
    ``rows``: the table's rows as the command has read them already (a dataset's, whose reading refuses
    the table for any bad row or cell and has said its warnings), with ``patient_first`` (its first
    column's header when that names patients): the table is not read again.

    Raises:
        BatchError: the table itself cannot be read, or the folder does not exist.
    """
    errors: dict = {}
    warnings: list = []
    not_read: list = []
    cells: dict = {}
    first: list = [patient_first] if patient_first else []
    censored: list = []
    table = dict(rows) if rows is not None else labs_dict(labs, errors, warnings, not_read, cells, first, censored)
    if headers is None:
        headers = find_inputs(folder)[0]
    headers = list(headers)
    # rows named as the inputs mirage convert wrote under another name, by its list in the folder
    renamed, why = read_renamed(folder)
    if why:
        warnings.append(why)
    source = None if labs is None or isinstance(labs, Mapping) else Path(labs)
    lookup = LabsLookup.build(table, errors, folder, headers, warnings, not_read, cells, renamed, source)
    lookup.censored, lookup.source = censored, source
    if first and lookup.fits_almost_none(len(headers)):
        # a table keyed by patient ID: said before any record is scored, not after a run without its values
        patient_column_warning(labs, first[0], lookup.warnings)
    return lookup
