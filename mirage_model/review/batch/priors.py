"""The serial comparison of a batch (``mirage score --compare-prior``): each scored record compared
(``review.serial.compare``, as ``mirage report --prior`` and the app compare one) with the same patient's
latest earlier record of the run, by recording date.

Who is the same patient is ``serial.same_identity``'s rule: the files' patient IDs (a PTB-XL record's
patient_id), else name and birth date, and not where the files give different sexes or birth dates; a record that
identifies no one (no ID, nor name and birth date, a placeholder ID such as "0", "unknown" or "123456", or an
anonymised file) is never paired, and neither is an undated one, nor one whose date dates nothing (1900-01-01 or
earlier, 1970-01-01, over a day after the run starts: ``serial.recording_time``); its row says why. A record's prior
is the latest of the run's records that ``same_identity`` calls the same patient and that is dated before it; two
records of one time (a copy in another format), or of one day where either gives no time of day, are not ordered,
and are named in each other's warnings; nor are the records of its ID that give another sex or birth date. When
the prior failed (its row an error), the record is not compared with an older one in its place: its row says so.

The records are compared once the run has scored them all, from the sessions the run built as it scored them
(``rows.record_session``: the values, prediction, statements and measurements of the record's row; no file is
read twice). Until then the run holds each such record that identifies a patient and is dated (its signal and
results: about 0.1 MB for a 10 s PTB-XL record at 100 Hz). Such a record's PDF (``--pdf-dir``) is written then, once:
with the comparison on its last page where it was compared (it had been written as it was scored, then again with
the comparison), without where it was not.
"""

from __future__ import annotations

import heapq
import logging
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from mirage_model.records.folder import natural_key
from mirage_model.review.batch.cells import SERIAL_COLUMNS, error_message
from mirage_model.review.batch.naming import rel_path
from mirage_model.review.batch.rows import pdf_one, record_session
from mirage_model.review.file_info import file_patient, record_date
from mirage_model.review.serial import (UNDATED_WHY, Identity, compare, identity, identity_clash, recording_time,
                                        same_identity)

log = logging.getLogger(__name__)

# why a scored record was not compared, in its serial_changes cell (and counted so in the run's summary)
NO_IDENTITY = "not compared: the file does not identify the patient (no patient ID, nor name and birth date)"
PLACEHOLDER_ID = ("not compared: the file's patient ID {id!r} is a placeholder that identifies no one, and it gives "
                  "no name and birth date")
ANONYMISED = "not compared: the file is anonymised (it identifies no patient)"
UNDATED = "not compared: the file gives no recording date"
FIRST = "not compared: no earlier ECG of this patient in the folder"
PRIOR_FAILED = "not compared: this patient's earlier ECG {rel} ({date}) was not scored (see its row)"
NOT_AGAIN = "not compared: it could not be scored again for the comparison ({why})"
UNDATED_BESIDE = "Not compared with this patient's undated ECG{s} (no recording date): {names}."
# the same patient's ECGs that cannot be ordered against this one: the same time (a copy of this recording, or two
# recordings a clock gave one time), or the same day where a file gives no time of day
SAME_TIME_BESIDE = ("Not compared with this patient's ECG{s} of the same time (or the same day, without a time of "
                    "day to tell which is the earlier): {names}.")
# one ID (or name and birth date) on files that give another sex or birth date: two patients, or a mistyped file
CLASH_BESIDE = ("Not taken as this patient's: {names} (the same patient ID, or name and birth date, but another sex "
                "or birth date).")


def _names(rels: list[str]) -> str:
    rels = sorted(rels, key=natural_key)
    return ", ".join(rels[:3]) + (" ..." if len(rels) > 3 else "")


def _beside(words: str, rels: list[str]) -> str:
    return words.format(s="s" * (len(rels) != 1), names=_names(rels)) if rels else ""


@dataclass
class _Entry:
    """What the comparison keeps of one record of the run that was read (only of those that identify a
    patient: the others are never anyone's prior)."""
    rel: str                       # its record_path
    record: object                 # the EcgRecord (identity, date, signal)
    when: datetime | None
    session_args: tuple | None     # ``rows.record_session``'s arguments; None: not scored
    pdf_args: tuple | None = None  # ``rows.pdf_one``'s, when the run writes PDFs
    error: str = ""                # why it was not scored
    who: Identity | None = None    # ``serial.identity`` of its record
    timed: bool = False            # its date gives the time of day

    @property
    def order(self) -> tuple:
        return self.when, natural_key(self.rel)


@dataclass
class SerialCounts:
    """What the comparison of a run did (``BatchSummary.serial``)."""
    compared: int = 0              # records compared with an earlier one
    changed: int = 0               # of them, those with a change said
    warned: int = 0                # of them, those with a warning (different patients, dates, the same recording)
    first: int = 0                 # the earliest ECG of their patient in the folder
    undated: int = 0               # no recording date, or one that dates nothing (a placeholder, the future)
    unidentified: int = 0          # no identity, or anonymised
    prior_failed: int = 0
    pdfs: int = 0                  # PDFs written with the comparison
    written: int = 0               # PDFs the run left to the comparison, written (with it or without)
    # (record_path, message) of the PDFs the run left to the comparison that could not be written (their rows errors)
    pdf_failed: list[tuple[str, str]] = field(default_factory=list)
    # (PDF, message) of a kept record's PDF that could not be written again with the comparison (it stays as it was)
    pdf_errors: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0           # the comparison's own time (and its PDFs'), after the scoring
    rescored: int = 0              # records a resumed run kept, scored again for it
    stood: int = 0                 # records a resumed run kept with the earlier run's comparison (not again)
    # record_path -> its row's serial columns (``SERIAL_COLUMNS``) as the run wrote them (the app's table fills
    # them in once the run ends: its rows arrived before the comparison)
    cells: dict[str, dict] = field(default_factory=dict)

    def line(self) -> str:
        """The run's summary line: "serial comparison: 37 records compared with the patient's earlier ECG
        (12 with a change said, 1 with a warning); not compared: 60 first of their patient, 5 undated, ..."."""
        done = f"{self.compared} record{'s' * (self.compared != 1)} compared with the patient's earlier ECG"
        said = [f"{self.changed} with a change said"] + ([f"{self.warned} with a warning"] if self.warned else [])
        done += f" ({', '.join(said)})" if self.compared else ""
        nots = [f"{n} {what}" for n, what in ((self.first, "first of their patient here"), (self.undated, "undated"),
                                              (self.unidentified, "identifying no patient"),
                                              (self.prior_failed, "whose earlier ECG failed")) if n]
        line = f"serial comparison: {done}" + (f"; not compared: {', '.join(nots)}" if nots else "")
        if self.rescored:
            line += f"; {self.rescored} records kept from the earlier run scored again for it"
        if self.stood:
            line += f"; {self.stood} records kept with the earlier run's comparison (no record read now changes it)"
        if self.pdfs:
            line += f"; {self.pdfs} PDFs written with it"
        return line + f" ({self.seconds:.1f} s)"


class PriorComparer:
    """Collects the run's records as they are scored (``add``, ``iter_rows``' ``on_row``), then compares each
    with the same patient's latest earlier record (``results``) and writes the PDFs of the records it held
    (``write_pdfs``).

    Args:
        root: the run's folder.
        now: the run's present (default: the clock's when it starts); a recording date more than a day after it
            dates nothing (``serial.recording_time``).
    """

    def __init__(self, root: Path, now: datetime | None = None):
        self.root = Path(root)
        self.now = now or datetime.now()
        self.entries: dict[str, _Entry] = {}
        self.words: dict[str, str] = {}      # record_path -> why a scored record is not compared
        self.undated: set[str] = set()       # of them, those without a date that dates (counted so)
        self.pairs: dict[str, str] = {}      # record_path -> its prior's

    def add(self, row: dict, item, session_args: tuple | None, pdf_args: tuple | None) -> bool:
        """One row of the run (``iter_rows``' ``on_row``): kept when its record identifies a patient (a scored
        one with what its session is built of, a failed one as a prior that failed, an undated one to be named
        beside its patient's records). True where a scored record is kept to be compared: its PDF is
        ``write_pdfs``'s."""
        record = getattr(item, "record", None)
        if record is None:                       # never read: identifies no one
            return False
        rel = row["record_path"]
        who = identity(record)
        self.entries.pop(rel, None)
        self.words.pop(rel, None)
        self.undated.discard(rel)
        if not who.known:
            if session_args is not None:
                given = file_patient(record).get("id")
                self.words[rel] = (ANONYMISED if who.anonymised else PLACEHOLDER_ID.format(id=given) if given
                                   else NO_IDENTITY)
            return False
        when, timed, why = recording_time(record, self.now)
        if when is None:
            if session_args is not None:
                self.words[rel] = UNDATED if why == UNDATED_WHY else f"not compared: {why}"
                self.undated.add(rel)
            self.entries[rel] = _Entry(rel, record, None, None, who=who)     # named beside its patient's records
            return False
        self.entries[rel] = _Entry(rel, record, when, session_args, pdf_args,
                                   "" if session_args is not None else str(row.get("error") or "not scored"),
                                   who=who, timed=timed)
        return session_args is not None

    def results(self, ok: set[str]) -> tuple[dict[str, dict], SerialCounts]:
        """The serial columns of each record of ``ok`` (the record_paths of the run's ok rows) the run read,
        and the counts. An entry whose row is not ok (its PDF failed) counts as failed.

        A record's candidates are the records of its ID, or of its name and birth date, each list sorted by
        date once; the latest earlier one ``serial.same_identity`` calls the same patient is found by walking
        back from the record's date, so a folder of one patient's 10,000 ECGs is paired in about linear time."""
        counts = SerialCounts()
        dated: dict[tuple, list[_Entry]] = {}
        undated: dict[tuple, list[_Entry]] = {}
        for e in self.entries.values():
            for key in _keys(e.who):
                (dated if e.when is not None else undated).setdefault(key, []).append(e)
        for group in dated.values():
            group.sort(key=lambda c: c.order)
        days = {key: [c.when.date() for c in group] for key, group in dated.items()}
        out: dict[str, dict] = {}
        for rel, words in self.words.items():
            if rel in ok:
                out[rel] = _cells(changes=words)
                counts.undated += rel in self.undated
                counts.unidentified += rel not in self.undated
        for e in sorted(self.entries.values(), key=lambda e: natural_key(e.rel)):
            if e.when is None or e.rel not in ok:
                continue
            if e.session_args is None:           # a kept record that could not be scored again
                out[e.rel] = _cells(changes=NOT_AGAIN.format(why=e.error))
                continue
            keys = _candidate_keys(e.who)
            without = sorted({c.rel for key in keys for c in undated.get(key, ())
                              if same_identity(c.who, e.who)[0] is True})
            prior, tied, clashed = self._prior(e, [(dated.get(key, []), days.get(key, [])) for key in keys])
            beside = " ".join(w for w in (_beside(CLASH_BESIDE, clashed), _beside(SAME_TIME_BESIDE, tied),
                                          _beside(UNDATED_BESIDE, without)) if w)
            if prior is None:
                out[e.rel] = _cells(changes=FIRST, warnings=beside)
                counts.first += 1
                continue
            if prior.session_args is None or prior.rel not in ok:
                out[e.rel] = _cells(changes=PRIOR_FAILED.format(rel=prior.rel, date=record_date(prior.record)),
                                    warnings=beside)
                counts.prior_failed += 1
                continue
            x = compare(self.session(prior), self.session(e))
            head = f"Compared with {x.prior_label}: "
            changes = x.summary[len(head):] if x.summary.startswith(head) else x.summary
            out[e.rel] = _cells(prior.rel, record_date(prior.record), changes[:1].upper() + changes[1:],
                                " ".join((*x.warnings, *x.notes, *([beside] if beside else []))))
            self.pairs[e.rel] = prior.rel
            counts.compared += 1
            counts.changed += bool(x.significant or x.new_statements or x.gone_statements or x.possibly_new
                                   or x.possibly_gone or x.rhythm_words)
            counts.warned += bool(x.warnings)
        return out, counts

    @staticmethod
    def _prior(e: _Entry, groups: list[tuple[list[_Entry], list]]) -> tuple[_Entry | None, list[str], list[str]]:
        """``e``'s prior: the latest of ``groups``' records (each sorted by ``order``, with their days) dated
        before it that is the same patient; and the record_paths of the same patient's records passed over on
        the way, that cannot be ordered against it (``SAME_TIME_BESIDE``), and of those that give one ID but
        another sex or birth date (``CLASH_BESIDE``). A record with a time of day and one without are ordered by
        their days alone."""
        walks = []
        for group, days in groups:
            # from the last record of e's day backwards: one of that day may be later, or not be ordered
            last = bisect_right(days, e.when.date())
            walks.append(reversed(group[:last]))      # bound now: a generator over ``group`` read the last list
        tied, clashed, seen = [], [], set()
        for c in heapq.merge(*walks, key=lambda c: c.order, reverse=True):
            if c is e or c.rel in seen:
                continue
            seen.add(c.rel)
            same, _words = same_identity(c.who, e.who)
            if same is not True:
                if identity_clash(c.who, e.who) and set(_keys(c.who)) & set(_keys(e.who)):
                    clashed.append(c.rel)
                continue
            if c.timed and e.timed:
                if c.when > e.when:
                    continue
                if c.when == e.when:
                    tied.append(c.rel)
                    continue
            elif c.when.date() >= e.when.date():
                if c.when.date() == e.when.date():
                    tied.append(c.rel)
                continue
            return c, tied, clashed
        return None, tied, clashed

    def session(self, e: _Entry):
        """The record's session, as its row was scored (``rows.record_session``)."""
        return record_session(*e.session_args)

    def write_pdfs(self, counts: SerialCounts, pdf_dir: Path, rows: list[dict]) -> None:
        """The PDFs of the records held to be compared (where the run writes PDFs), once the comparison is made:
        each ok row of ``rows`` without its PDF yet (left by ``add``, this run's or a stopped run's) gets it, the
        comparison on its last page where it was compared, and its ``pdf`` cell (in ``counts.cells`` too); one
        that cannot be written makes its row an error, as a PDF that fails while scoring does. A compared record
        whose PDF stands (a resumed run's kept row) has it written again with the comparison; where that fails it
        stays as it was, named in ``counts.pdf_errors``."""
        by_rel = {str(row.get("record_path")): row for row in rows}
        for rel, e in self.entries.items():
            row, prior_rel = by_rel.get(rel), self.pairs.get(rel)
            first = row is not None and not row.get("pdf")
            if e.pdf_args is None or row is None or row.get("status") != "ok" or not (first or prior_rel):
                continue
            try:
                written = pdf_one(*e.pdf_args, prior=self.session(self.entries[prior_rel]) if prior_rel else None)
            except Exception as err:           # said, never a traceback
                log.debug("PDF failed for %s", rel, exc_info=True)
                if first:
                    cells = dict(status="error", error=f"report PDF not written: {error_message(err)}")
                    row.update(cells)
                    counts.cells.setdefault(rel, {}).update(cells)
                    counts.pdf_failed.append((rel, cells["error"]))
                else:
                    counts.pdf_errors.append((rel_path(Path(e.pdf_args[0]), pdf_dir), error_message(err)))
                continue
            counts.pdfs += prior_rel is not None
            if first:
                row["pdf"] = rel_path(Path(written), pdf_dir)
                counts.cells.setdefault(rel, {})["pdf"] = row["pdf"]
                counts.written += 1


def _cells(prior_file: str | None = None, prior_date: str | None = None, changes: str | None = None,
           warnings: str | None = None) -> dict:
    return dict(zip(SERIAL_COLUMNS, (prior_file, prior_date, changes or None, warnings or None)))


def _keys(who: Identity) -> tuple[tuple, ...]:
    """The lists a record is filed in: its ID's, and its name and birth date's (with and without an ID)."""
    keys = [("id", who.id)] if who.id else []
    if who.name and who.birth:
        keys += [("name", who.name, who.birth)] + ([] if who.id else [("name, no id", who.name, who.birth)])
    return tuple(keys)


def _candidate_keys(who: Identity) -> tuple[tuple, ...]:
    """The lists a record's same patient is in (``serial.same_identity``): with an ID, its ID's and those of its
    name and birth date without an ID; without, all of its name and birth date."""
    if who.id:
        return (("id", who.id),) + ((("name, no id", who.name, who.birth),) if who.name and who.birth else ())
    return (("name", who.name, who.birth),)
