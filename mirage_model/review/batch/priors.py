"""The serial comparison of a batch (``mirage score --compare-prior``): each scored record compared
(``review.serial.compare``, as ``mirage report --prior`` and the app compare one) with the same patient's
latest earlier record of the run, by recording date.

Who is the same patient is ``serial.same_patient``'s rule: the files' patient IDs (a PTB-XL record's
patient_id), else name and birth date; a record that identifies no one (no ID, nor name and birth date, or an
anonymised file) is never paired, and neither is an undated one (its row says why). A record's prior is the
latest of the run's records that ``same_patient`` calls the same patient and that is dated before it; when that
record failed (its row an error), the record is not compared with an older one in its place: its row says so.

The records are compared once the run has scored them all, from the sessions the run built as it scored them
(``rows.record_session``: the values, prediction, statements and measurements of the record's row; no file is
read twice). Until then the run holds each such record that identifies a patient and is dated (its signal and
results: about 0.1 MB for a 10 s PTB-XL record at 100 Hz). A PDF of a compared record (``--pdf-dir``) is written
again with the comparison on its last page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from mirage_model.records.folder import natural_key
from mirage_model.review.batch.rows import SERIAL_COLUMNS, error_message, pdf_one, record_session, rel_path
from mirage_model.review.file_info import anonymised, record_date
from mirage_model.review.serial import compare, patient_identity, recorded_at, same_patient

log = logging.getLogger(__name__)

# why a scored record was not compared, in its serial_changes cell (and counted so in the run's summary)
NO_IDENTITY = "not compared: the file does not identify the patient (no patient ID, nor name and birth date)"
ANONYMISED = "not compared: the file is anonymised (it identifies no patient)"
UNDATED = "not compared: the file gives no recording date"
FIRST = "not compared: no earlier ECG of this patient in the folder"
PRIOR_FAILED = "not compared: this patient's earlier ECG {rel} ({date}) was not scored (see its row)"
NOT_AGAIN = "not compared: it could not be scored again for the comparison ({why})"
UNDATED_BESIDE = "Not compared with this patient's undated ECG{s} (no recording date): {names}."


@dataclass
class _Entry:
    """What the comparison keeps of one record of the run that was read (only of those that identify a
    patient and are dated: the others are never anyone's prior)."""
    rel: str                       # its record_path
    record: object                 # the EcgRecord (identity, date, signal)
    when: datetime | None
    session_args: tuple | None     # ``rows.record_session``'s arguments; None: not scored
    pdf_args: tuple | None = None  # ``rows.pdf_one``'s, when the run writes PDFs
    error: str = ""                # why it was not scored


@dataclass
class SerialCounts:
    """What the comparison of a run did (``BatchSummary.serial``)."""
    compared: int = 0              # records compared with an earlier one
    changed: int = 0               # of them, those with a change said
    warned: int = 0                # of them, those with a warning (different patients, dates, the same recording)
    first: int = 0                 # the earliest ECG of their patient in the folder
    undated: int = 0
    unidentified: int = 0          # no identity, or anonymised
    prior_failed: int = 0
    pdfs: int = 0                  # PDFs written again with the comparison
    pdf_errors: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0           # the comparison's own time (and its PDFs'), after the scoring
    rescored: int = 0              # records a resumed run kept, scored again for it
    stood: int = 0                 # records a resumed run kept with the earlier run's comparison (not again)

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
            line += f"; {self.pdfs} PDFs written again with it"
        return line + f" ({self.seconds:.1f} s)"


class PriorComparer:
    """Collects the run's records as they are scored (``add``, ``iter_rows``' ``on_row``), then compares each
    with the same patient's latest earlier record (``results``) and writes the compared records' PDFs again
    (``write_pdfs``)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.entries: dict[str, _Entry] = {}
        self.words: dict[str, str] = {}      # record_path -> why a scored record is not compared
        self.pairs: dict[str, str] = {}      # record_path -> its prior's

    def add(self, row: dict, item, session_args: tuple | None, pdf_args: tuple | None) -> None:
        """One row of the run (``iter_rows``' ``on_row``): kept when its record identifies a patient and is
        dated (a scored one with what its session is built of, a failed one as a prior that failed)."""
        record = getattr(item, "record", None)
        if record is None:                       # never read: identifies no one
            return
        rel = row["record_path"]
        ident = patient_identity(record)
        self.entries.pop(rel, None)
        self.words.pop(rel, None)
        if not (ident[0] or (ident[1] and ident[2])):
            if session_args is not None:
                self.words[rel] = ANONYMISED if anonymised(record) else NO_IDENTITY
            return
        when = recorded_at(record)
        if when is None:
            if session_args is not None:
                self.words[rel] = UNDATED
            self.entries[rel] = _Entry(rel, record, None, None)      # counted beside its patient's records
            return
        self.entries[rel] = _Entry(rel, record, when, session_args, pdf_args,
                                   "" if session_args is not None else str(row.get("error") or "not scored"))

    def results(self, ok: set[str]) -> tuple[dict[str, dict], SerialCounts]:
        """The serial columns of each record of ``ok`` (the record_paths of the run's ok rows) the run read,
        and the counts. An entry whose row is not ok (its PDF failed) counts as failed."""
        counts = SerialCounts()
        by_id: dict[str, list[_Entry]] = {}
        by_name: dict[tuple[str, str], list[_Entry]] = {}
        for e in self.entries.values():
            pid, name, birth = patient_identity(e.record)
            if pid:
                by_id.setdefault(pid, []).append(e)
            if name and birth:
                by_name.setdefault((name, birth), []).append(e)
        out: dict[str, dict] = {}
        for rel, words in self.words.items():
            if rel in ok:
                out[rel] = _cells(changes=words)
                counts.undated += words == UNDATED
                counts.unidentified += words != UNDATED
        for e in sorted(self.entries.values(), key=lambda e: natural_key(e.rel)):
            if e.when is None or e.rel not in ok:
                continue
            if e.session_args is None:           # a kept record that could not be scored again
                out[e.rel] = _cells(changes=NOT_AGAIN.format(why=e.error))
                continue
            pid, name, birth = patient_identity(e.record)
            near = {id(c): c for c in by_id.get(pid, []) + by_name.get((name, birth), []) if c is not e}
            same = [c for c in near.values() if same_patient(c.record, e.record)[0] is True]
            earlier = [c for c in same if c.when is not None and c.when < e.when]
            undated = sorted((c.rel for c in same if c.when is None), key=natural_key)
            beside = UNDATED_BESIDE.format(s="s" * (len(undated) != 1), names=", ".join(undated[:3])
                                           + (" ..." if len(undated) > 3 else "")) if undated else ""
            if not earlier:
                out[e.rel] = _cells(changes=FIRST, warnings=beside)
                counts.first += 1
                continue
            prior = max(earlier, key=lambda c: (c.when, natural_key(c.rel)))
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

    def session(self, e: _Entry):
        """The record's session, as its row was scored (``rows.record_session``)."""
        return record_session(*e.session_args)

    def write_pdfs(self, counts: SerialCounts, pdf_dir: Path) -> None:
        """Each compared record's PDF written again (where the run writes PDFs), the comparison on its last
        page; one that cannot be written keeps the PDF written without it, and is named in ``counts``."""
        for rel, prior_rel in self.pairs.items():
            e = self.entries[rel]
            if e.pdf_args is None:
                continue
            try:
                pdf_one(*e.pdf_args, prior=self.session(self.entries[prior_rel]))
                counts.pdfs += 1
            except Exception as err:           # its PDF without the comparison stays; said, never a traceback
                log.debug("PDF with the comparison failed for %s", rel, exc_info=True)
                counts.pdf_errors.append((rel_path(Path(e.pdf_args[0]), pdf_dir), error_message(err)))


def _cells(prior_file: str | None = None, prior_date: str | None = None, changes: str | None = None,
           warnings: str | None = None) -> dict:
    return dict(zip(SERIAL_COLUMNS, (prior_file, prior_date, changes or None, warnings or None)))
