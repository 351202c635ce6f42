"""A labs table opened for the records a reviewer opens one at a time (the app's File > Open labs
table, ``mirage-review RECORD --labs TABLE``): read by ``mirage score --labs``'s reader and matched
to a record as a batch of its folder matches it (``batch.inputs.labs_dict``, ``LabsLookup``), so that
one table gives a record the same row in the window as in ``mirage score`` (by ``mirage convert``'s list of the
records it renamed where the folder holds one: ``clinical.renamed``).

A record's row is found among the records of the folder it is opened from (the folder browser's, where
it is one of them; else the folder it lies in, with its files of one name and other extensions): a
stem-keyed row that fits two records of that folder fits neither, as in the batch. Research use only,
not a diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from mirage_model.clinical import RECORD_FEATURES
from mirage_model.clinical.values import model_features
from mirage_model.clinical.labs import censored_warning
from mirage_model.csvsafe import printable
from mirage_model.formats import same_name_records
from mirage_model.records.stamp import file_stamp
from mirage_model.clinical.renamed import RENAMED_CSV, read_renamed
from mirage_model.review.batch.inputs import LabsLookup, labs_dict


def labs_absent_note(predictor, table: str, rows) -> str:
    """What a labs table leaves out for a model that reads laboratory values: the labs it gives no record a value
    of (a column missing, or every cell of it empty), which are masked as missing for every record, as ``mirage
    evaluate`` warns of them: "own reads troponin_t; labs.csv has no value of it (no such column, or its cells
    empty): masked as missing for every record (it was trained with labs.csv: give a table with this column)".
    ``mirage score --labs`` says it before its run ("note: ..."), the app when a table is opened beside a model or a
    model loaded beside a table: a table without the troponin column of the model's training table had been scored
    in silence, and the app's lab form had shown the troponin "not given". ``rows``: the table's rows read ({row id:
    {feature: (value, unit)}}). "" where it gives every lab the model reads (the header's values, age and sex, come
    from the records too), or for a model that reads none (or no model: None)."""
    names, trained = model_features(predictor)
    given = {name for row in rows.values() for name, (value, _unit) in row.items() if value is not None}
    absent = [n for n in names if n not in RECORD_FEATURES and n not in given]
    if not absent:
        return ""
    one = len(absent) == 1
    return (f"{getattr(predictor, 'name', 'the model')} reads {', '.join(absent)}; {table} has no value "
            f"of {'it' if one else 'them'} (no such column, or its cells empty): masked as missing for every record"
            + (f" (it was trained with {trained}: give a table with {'this column' if one else 'these columns'})"
               if trained else ""))


def labs_not_given_note(predictor, given=(), how: str = "--labs", give: str | None = "--labs") -> str:
    """What a run that gives no labs table leaves out for a model that reads laboratory values (the
    features beyond the header's, less ``given``): a model trained with a labs table had been scored
    without one in silence, every lab masked as missing. "" for a model that reads none (or only the
    header's values, as the shipped models), or a --no-labs ablation. ``how``: what a run gives the table by
    (``mirage score``'s --labs; the batch dialog's "a labs table"); ``give``: the option that gives it, named to a
    model trained with one (None: the command has none, ``mirage robustness``). ``mirage score``, ``report``,
    ``interpretation`` and ``robustness`` print it before their run, the batch dialog in its notes."""
    names, table = model_features(predictor)
    labs = [n for n in names if n not in RECORD_FEATURES and n not in given]
    if not labs:
        return ""
    # a labs table may have given the header's values too (weight, in a folder of WFDB records whose headers have
    # none): the note had named the labs alone, and a run without the table masked weight for every record
    header = [n for n in names if n in RECORD_FEATURES and n not in given]
    return (f"note: {getattr(predictor, 'name', 'the model')} reads {', '.join(labs)}; without {how} they are "
            "masked as missing" + (f", and {', '.join(header)} where a record's header does not give them"
                                   if header and table else "")
            + (f" (it was trained with {table}: give {give} with these records' rows)" if table and give else ""))


@dataclass(frozen=True)
class RecordRow:
    """What an opened labs table gives one record (``LabsTable.row_for``)."""

    values: dict = field(default_factory=dict)   # {feature: (value, unit)}: the row's cells read; {} for none
    line: str = ""                               # "row '1' of labs.csv" / "no row for record 1 in labs.csv"
    # bad cells left out, a row refused or fitting other records too, the folder's list of convert not read
    notes: tuple = ()
    ambiguous: str = ""                          # why its row is no one's (it fits other records too): a batch's error
    refused: str = ""                            # "labs row refused: WHY": a batch's error for it, in its words


class LabsTable:
    """A labs table read once (``read``), asked for each record opened (``row_for``).

    Attributes:
        path: the table's file.
        name: its file name as the window shows it ("labs.csv").
        warnings: what reading it warned of (units assumed, the encoding, columns not used).
        censored: its censored cells (``clinical.labs.CensoredCell``: "<5" read as 5), warned of for the features
            a model reads (``censored_line``), not in ``warnings``.
        stamp: its file's ``records.stamp.file_stamp`` taken before it was read (None: not read from a file), by
            which ``changed`` tells a table rewritten since.
    """

    def __init__(self, path, labs: dict, errors: dict, cell_errors: dict, warnings: list, not_read: list,
                 censored: list = (), stamp: tuple | None = None):
        self.path = Path(path)
        self.stamp = stamp
        self.name = printable(self.path.name)
        self.labs, self.errors, self.cell_errors = labs, errors, cell_errors
        self.warnings, self.not_read, self.censored = list(warnings), list(not_read), list(censored)
        self._lookup: tuple | None = None        # (root, the folder's list of records, its LabsLookup)

    @classmethod
    def read(cls, path) -> "LabsTable":
        """Read the table at ``path`` as ``mirage score --labs`` reads it: a bad value is left out of its
        row and named (``cell_errors``), a row that cannot be read (a record id on two rows) is refused
        alone, every other problem of the table refuses it.

        Raises:
            BatchError: the table cannot be read (naming the file, line and column).
        """
        errors: dict = {}
        cells: dict = {}
        warnings: list = []
        not_read: list = []
        censored: list = []
        stamp = file_stamp(path)        # before it is read: a change while it is read is told too
        labs = labs_dict(Path(path), errors, warnings, not_read, cells, censored=censored)
        return cls(path, labs, errors, cells, warnings, not_read, censored, stamp)

    def changed(self) -> str:
        """Why this table's rows may no longer be its file's ("labs.csv changed on disk since it was read: ..."): it
        was written, replaced or removed since (a lab system's re-export under the same name, a corrected copy put
        over it, ``cp -p`` keeping its size and time included); "" where it is as it was read."""
        if self.stamp is None or file_stamp(self.path) == self.stamp:
            return ""
        return f"{self.name} changed on disk since it was read: its rows are not given until it is read again"

    def censored_line(self, reads: frozenset | None) -> str:
        """The warning of the table's censored values that the features ``reads`` (``batch.inputs.features_read``;
        None: every feature) take as their limit, as ``mirage score`` warns of those its models read; "" for none.
        The table's whole count had been said when it was opened, before any model, its troponin "<5" said read
        by a model that reads no troponin."""
        return censored_warning(self.path, self.censored, reads)

    def absent_line(self, predictor) -> str:
        """``labs_absent_note`` of this table for ``predictor`` (None: no model loaded, nothing said)."""
        return labs_absent_note(predictor, self.name, self.labs) if predictor is not None else ""

    def _named(self, why: str) -> str:
        """A problem of the table (``LabsTableError``: "/data/labs.csv, line 2, column 'crp': ...") naming it by
        its file's name, as the lab form's line above it does ("labs.csv, line 2, ..."): the folders took the
        form's width."""
        whole = str(self.path)
        return self.name + why[len(whole):] if why.startswith(whole + ",") or why.startswith(whole + ":") else why

    def _lookup_for(self, path: Path, folder, records: Sequence) -> LabsLookup:
        """The lookup of the run ``path`` belongs to: the folder's (``records`` listed under ``folder``) when
        it is one of them, else its own folder's with its files of one name (``formats.same_name_records``)."""
        if folder is not None and records and path in records:
            if self._lookup is not None and self._lookup[0] == Path(folder) and self._lookup[1] is records:
                return self._lookup[2]
            lookup = self._build(folder, records)
            self._lookup = (Path(folder), records, lookup)
            return lookup
        return self._build(path.parent, [path, *same_name_records(path)])

    def _build(self, folder, records: Sequence) -> LabsLookup:
        """The lookup of ``records`` under ``folder``, by convert's list there as ``mirage score`` reads it: one that
        cannot be read (damaged, other columns, not UTF-8) matches nothing and is in its ``warnings``, in
        ``read_renamed``'s words, which ``row_for`` gives each record's notes (the lab form had said nothing)."""
        renamed, why = read_renamed(folder)
        return LabsLookup.build(self.labs, self.errors, folder, records, [why] if why else [],
                                cell_errors=self.cell_errors, renamed=renamed, table=self.path)

    def row_for(self, path, folder=None, records: Sequence = (), reads: frozenset | None = frozenset()) -> RecordRow:
        """The row of the record at ``path``, opened from ``folder`` whose records are ``records`` (the folder
        browser's list; none: the record's own folder), by ``mirage score``'s rule for bad values
        (``LabsLookup.refused``, ``left_out``, ``values``): ``reads`` are the features the window's models read
        (``batch.inputs.features_read``; None: every feature; the default, before a model loads: none but
        ``ALWAYS_READ``, the age and sex the measurements read whatever the model).

        Returns:
            its values and the line naming its row; for no row (none, an ambiguous one or one refused: a row
            that could not be read, or a bad value of the age, the sex or a feature ``reads`` names) no values,
            the line saying so and, for an ambiguous or refused row, why in ``notes``; another bad value of
            its row is left out and named in ``notes`` as the batch names it (``left_out_note``: file, line,
            column).
        """
        path = Path(path)
        if why := self.changed():        # its old rows may be another result, or another patient's
            return RecordRow({}, f"no row used from {self.name}: it changed on disk", (why,))
        lookup = self._lookup_for(path, folder, records)
        lookup.reads = reads
        rid = printable(lookup.record_id(path))
        # the folder's list of convert that could not be read: no row matched by it, and said with every record's
        listed = tuple(lookup.warnings)
        if why := lookup.ambiguous(path):
            return RecordRow({}, f"no row used for record {rid} in {self.name}", (why, *listed), ambiguous=why)
        row = lookup.row_id(path)
        if row is None:
            return RecordRow({}, f"no row for record {rid} in {self.name}", listed)
        if why := lookup.refused(path):
            return RecordRow({}, f"row {printable(row)!r} of {self.name} refused",
                             (f"labs row refused: {self._named(why)}", *listed), refused=f"labs row refused: {why}")
        # a row named as the record's input before mirage convert renamed it ("Müller" for Muller), by its list
        by = f" (by {RENAMED_CSV})" if lookup.record_id(path) in lookup.match.listed else ""
        return RecordRow(lookup.values(path), f"row {printable(row)!r} of {self.name}{by}",
                         (*lookup.left_out(path, named=self._named), *listed))
