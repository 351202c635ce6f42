"""Records out: WFDB (header(5) + format 16 signal file) and EDF+ (see :mod:`edf`), optionally
anonymised, so that clinical exports become research data.

Anonymising drops the patient's name, ID and birth date, keeps sex, applies HIPAA's Safe Harbor rule to the rest
(:mod:`safe_harbor`: dates to the year, ages over 89 as 90, the site and free text dropped) and says so, naming
the rule, in the written header. The device's statements and measurements, the file's diagnoses and clinical notes
(#Rx/#Hx/#Sx, PTB's medication, PTB-XL's row) and the source header's other comments are kept as
labelled comments (EDF+: annotations), read back by the readers; the file's extra leads (V4R, Frank's vx:
``EcgRecord.extra_leads``) are written after the 12 under their names; what neither format holds (the device's
median beats, channels that are no ECG lead) is named by :func:`left_out`. An
anonymised file's name does not come from the input's (which often is the patient's name or ID):
``mirage convert`` numbers its outputs (:func:`anonymous_names`) and prints which input each came from;
a name given to :func:`write_record` has every part that matches the patient's name, ID or birth date
replaced by "X" (:func:`scrub_identity`).
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from mirage_model.formats.edf_write import _LATIN_FOLDS, write_edf
from mirage_model.formats.fields import acquired_datetime, header_fields
from mirage_model.formats.safe_harbor import anonymised_note, dropped_text, safe_harbor
from mirage_model.records.metadata import (DEVICE_MEASUREMENT, DEVICE_STATEMENT, DIAGNOSES, FILE_NOTES, PTBXL_ROW,
                                           STATEMENT_ORIGIN, WRITTEN_BODY, WRITTEN_IDENTITY, WRITTEN_NOTES,
                                           WRITTEN_PATIENT, WRITTEN_RECORDING, source_comments, unread_comments)
from mirage_model.records.age import PLACEHOLDER_BIRTH_RULE
from mirage_model.records.extra_leads import whole_extra_leads
from mirage_model.records.record import STANDARD_LEADS, EcgRecord, RecordError

WRITE_FORMATS = ("wfdb", "edf")
ANONYMISED_NOTE = anonymised_note()     # "anonymised: HIPAA Safe Harbor, 45 CFR 164.514(b)(2): ..."
# a copy, not anonymised again, of a file that says it was: it says so too, claiming no rule of its own
COPIED_ANONYMISED_NOTE = "anonymised: a copy of a file that says it was anonymised"
ANONYMOUS_STEM = "ecg"  # an anonymised record's file name: ecg.hea, or ecg_0001.hea, ... from mirage convert
# WFDB format 16 holds -32767..32767 (-32768 marks a missing sample); 1 uV per unit keeps
# +-32.7 mV, more than any surface ECG; larger signals get a smaller gain.
WFDB_GAIN = 1000.0


WFDB_NAME_RULE = ("a WFDB record name may hold only ASCII letters, digits, '-' and '_' (PhysioNet's WFDB "
                  "software refuses any other character)")


# Greek (ELOT 743 / ISO 843, simplified) and Cyrillic (Russian, Ukrainian, Bulgarian, Serbian:
# the ICAO passport transliteration) letters in ASCII, lower case; capitals take the capitalised form
_TRANSLIT = {
    **dict(zip("αβγδεζηθικλμνξοπρσςτυφχψω", ["a", "v", "g", "d", "e", "z", "i", "th", "i", "k", "l", "m", "n",
                                              "x", "o", "p", "r", "s", "s", "t", "y", "f", "ch", "ps", "o"])),
    **dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґђјљњћџ",
               ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r", "s",
                "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "ie", "y", "", "e", "iu", "ia", "i", "i", "ie",
                "g", "dj", "j", "lj", "nj", "c", "dz"])),
}


def _ascii_of(ch: str) -> str | None:
    """One character in ASCII for a WFDB name (accents dropped, Greek and Cyrillic
    transliterated), or None when it has no ASCII form."""
    base = "".join(c for c in unicodedata.normalize("NFKD", ch.translate(_LATIN_FOLDS)) if not unicodedata.combining(c))
    if base.isascii():
        return base
    low = _TRANSLIT.get(base.lower())
    if low is None:
        return None
    return low.capitalize() if base != base.lower() else low


def safe_name(text: str) -> str:
    """``text`` as a WFDB record name ([-A-Za-z0-9_]: the PhysioNet WFDB library's
    ``wfdb_checkname`` refuses any other character, though wfdb-python writes them). Accented
    Latin letters lose their accents ("Müller" -> "Muller", "Łukasz" -> "Lukasz"), Greek and
    Cyrillic ones are transliterated ("Ωmega" -> "Omega", "Иванов" -> "Ivanov"); any other letter
    or digit is written as its code point ("李" -> "U674E"), so that two such names never become
    one; runs of anything else (blanks, punctuation) become "_". "record" when nothing is left."""
    out = []
    for ch in text:
        folded = _ascii_of(ch)
        if folded is not None:
            out.append(folded)
        elif ch.isalnum():
            out.append(f"U{ord(ch):04X}")
        else:
            out.append("_")
    return re.sub(r"[^-A-Za-z0-9_]+", "_", "".join(out)).strip("_") or "record"


def file_stem(text: str) -> str:
    """``text`` as a file name's stem, as written (an EDF+ file's name has no WFDB rule): only
    path separators, control characters and those Windows refuses (``:*?"<>|``) become "_"."""
    return re.sub(r'[\x00-\x1f/\\:*?"<>|]+', "_", text).strip(" ._") or "record"


def renamed_note(asked: str, written: str) -> str:
    """What a user who asked for the WFDB record ``asked`` is told when it was written as
    ``written`` ("" when they are the same)."""
    if asked == written:
        return ""
    coded = next((ch for ch in asked if _ascii_of(ch) is None and ch.isalnum()), None)
    how = f" ({coded} as U{ord(coded):04X}: a letter with no ASCII form is written as its code point)" if coded else ""
    return f"'{asked}' was saved as '{written}': {WFDB_NAME_RULE}, so the name was transliterated{how}"


class OutputExistsError(RecordError):
    """An output file is already there and replacing it was not asked for (``overwrite=False``).

    Attributes:
        existing: the output files already present (a WFDB record's ``.hea`` and/or ``.dat``, an ``.edf``).
    """

    def __init__(self, existing: list[Path]):
        self.existing = list(existing)
        names = " and ".join(p.name for p in self.existing)
        super().__init__(self.existing[0], f"{names} already exist{'s' if len(self.existing) == 1 else ''} "
                                           f"in {self.existing[0].parent}; not replaced")


def write_record(record: EcgRecord, out_dir: str | Path, fmt: str, *, anonymise: bool = False,
                 name: str | None = None, overwrite: bool = False, keep_dates: bool = False) -> Path:
    """Write ``record`` to ``out_dir`` as ``fmt`` ("wfdb" or "edf").

    Args:
        record: any record MIRAGE reads.
        out_dir: folder (created if needed).
        fmt: "wfdb" (``NAME.hea`` + ``NAME.dat``) or "edf" (``NAME.edf``, EDF+).
        anonymise: drop name, ID and birth date, apply HIPAA Safe Harbor to the rest
            (:func:`safe_harbor.safe_harbor`: dates to the year, ages over 89 as 90, free text dropped) and say
            so in the header; the file is then named ``name`` with any part of the identity replaced by "X"
            (:func:`scrub_identity`), by default ``ANONYMOUS_STEM``, never after the record's id.
        name: record name; default: the record's id. A WFDB name is made one (:func:`safe_name`:
            ASCII, accents dropped, other letters as code points; :func:`renamed_note` says so to a
            user), an EDF+ file keeps it as given (:func:`file_stem`).
        keep_dates: with ``anonymise``, keep the recording's date and time (the file then says it is not
            Safe-Harbor de-identified).
        overwrite: replace output files already there; without it any of them (a WFDB record's
            ``.hea`` or ``.dat`` alone included) raises :class:`OutputExistsError` and nothing is written.

    Returns:
        The written ``.hea`` or ``.edf`` path.

    Raises:
        OutputExistsError: an output file exists and ``overwrite`` is False.
        RecordError: unknown format or the file cannot be written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = output_name(record, fmt, anonymise=anonymise, name=name)
    if fmt not in WRITE_FORMATS:
        raise RecordError(out_dir, f"cannot write format {fmt!r} (choose one of {', '.join(WRITE_FORMATS)})")
    targets = [out_dir / f"{name}.hea", out_dir / f"{name}.dat"] if fmt == "wfdb" else [out_dir / f"{name}.edf"]
    own = source_file_hit(record, targets)
    if own is not None:
        raise RecordError(own, "this is the file the record was read from: writing it would replace the original "
                               "recording (lead data and header alike); choose another name or folder")
    existing = [t for t in targets if t.exists() or t.is_symlink()]
    if existing and not overwrite:
        raise OutputExistsError(existing)
    if anonymise:
        record = safe_harbor(record, keep_dates)
    if fmt == "wfdb":
        return write_wfdb(record, out_dir, name, anonymise=anonymise, keep_dates=keep_dates)
    # the header's fields as written too: EDF's are ASCII, 80 characters a field ("Иванов" is "X" there)
    return write_edf(record, out_dir / f"{name}.edf", anonymise=anonymise, keep_dates=keep_dates,
                     notes=field_lines(record, anonymise) + carried_notes(record, anonymise)
                     + ([anonymised_note(keep_dates)] if anonymise else []))


# what a PTB-XL record's table row (``meta["ptbxl"]``) keeps in a written file: the row itself, not where the
# table was; an anonymised file also not the row's patient and ECG ids (they find the patient in PTB-XL)
_PTBXL_LOCAL = ("ptbxl_database",)
_PTBXL_IDENTITY = ("patient_id", "ecg_id")


def left_out(record: EcgRecord, anonymise: bool = False) -> list[str]:
    """What of ``record`` a file :func:`write_record` writes (WFDB or EDF+, which carry the same) does not
    hold, one phrase each, for ``mirage convert`` and the app's Save as to say: the device's median beats (a
    beat of its own length, no lead of the record), the file's channels outside the 12 that are not written
    (``meta["dropped_leads"]`` but the extra leads written after the 12: an SpO2 channel, an extra lead that
    could not be read) and a lead's second channel (``meta["named_twice"]``), and, anonymised, a
    source header's other comments and a plain EDF's patient field (free text that may name the patient), and
    the free text HIPAA's Safe Harbor drops (:func:`safe_harbor.dropped_text`: the site, a header's Rx note, ...).
    The name, ID and birth date an anonymised file drops are not listed: that is what was asked for.

    Returns:
        e.g. ["the device's median beats", "channels SpO2, Resp (not among the 12 standard leads)"]; [] when
        the file keeps all that was read.
    """
    meta = record.meta
    out = []
    if meta.get("device_median_beats"):
        out.append("the device's median beats")
    written = {e.name.strip() for e in whole_extra_leads(record)}
    dropped = [str(name) for name in meta.get("dropped_leads") or () if str(name).strip() not in written]
    if dropped:
        out.append(f"{'channels' if len(dropped) > 1 else 'channel'} {', '.join(dropped)} (not among the 12 "
                   "standard leads)")
    twins = [t for t in meta.get("named_twice") or () if isinstance(t, dict) and t.get("lead")]
    if twins:
        out.append("the second channel of " + ", ".join(f"{t['lead']} (channel {t.get('channel', '?')})"
                                                         for t in twins))
    if anonymise and unread_comments(list(record.comments)):
        out.append("the source header's other comments (they may name the patient)")
    if anonymise and meta.get("edf_patient_field"):
        out.append("the EDF patient field (it may name the patient)")
    if anonymise and meta.get("admin_code"):
        out.append("the EDF+ hospital administration code (it leads to the patient)")
    return out + (dropped_text(record) if anonymise else [])


def left_out_line(record: EcgRecord, anonymise: bool = False) -> str:
    """:func:`left_out` in one line, "left out: A; B", as ``mirage convert`` and Save as say it; "" for none."""
    lost = left_out(record, anonymise)
    return f"left out: {'; '.join(lost)}" if lost else ""


def output_name(record: EcgRecord, fmt: str, *, anonymise: bool = False, name: str | None = None) -> str:
    """The file stem :func:`write_record` writes ``record`` under (same arguments)."""
    if anonymise:  # the record's id is its file's stem, often the patient's name or ID: never used
        return scrub_identity(name or ANONYMOUS_STEM, record)
    if fmt == "wfdb":
        return safe_name(name or record.record_id)
    return file_stem(name or record.record_id)


def source_file_hit(record: EcgRecord, targets: list[Path]) -> Path | None:
    """The first of ``targets`` that is one of the files ``record`` was read from: its own file,
    or a file of the same name beside it (a WFDB header's signal file, a Challenge ``.mat``).
    None when the record has no path (built in memory) or no target is one of them."""
    src = Path(record.path) if getattr(record, "path", None) else None
    if src is None:
        return None
    for target in targets:
        if target.stem != src.stem or not target.exists():
            continue
        try:
            if os.path.samefile(target.parent, src.parent):
                return target
        except OSError:
            continue
    return None


def _fold(text: str) -> str:
    """``text`` in ASCII letters as a file name writes it: accents dropped ("Müller" -> "Muller")."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


# what shows nothing in a note: controls, format characters (zero-width, direction marks), private use,
# surrogates, unassigned; a scrubbed note keeps every other character as written
_HIDDEN = ("Cc", "Cf", "Co", "Cs", "Cn")


def _identity_tokens(record: EcgRecord) -> set[str]:
    """Lower-case ASCII parts of the patient's name, ID and birth date, of any length ("li", "yu"),
    each as a file name would spell it (accents dropped), the birth date also as its digits."""
    patient = record.meta.get("patient") or {}
    text = " ".join(str(patient.get(key) or "") for key in ("name", "id", "birth_date"))
    tokens = {t.lower() for t in re.split(r"[^A-Za-z0-9]+", _fold(text)) if t}
    birth = re.sub(r"[^0-9]", "", str(patient.get("birth_date") or ""))
    if len(birth) >= 6:  # 1980-01-15 is also 19800115 in a file name
        tokens.add(birth)
    return tokens - {"x"}  # "X": the field's "not given"


def scrub_identity(name: str, record: EcgRecord) -> str:
    """``name`` as a WFDB record name with every part (split at anything but letters and digits)
    that is one of the patient's name, ID or birth date parts replaced by "X", and those of 3 or
    more characters also inside a longer part ("081486213ecg" -> "Xecg", "MullerHans" -> "XHans";
    a safety net that may blank more than the identity, never less of what the header names)."""
    tokens = _identity_tokens(record)
    long_ids = sorted((t for t in tokens if len(t) >= 3), key=len, reverse=True)
    parts = re.split(r"([^A-Za-z0-9]+)", _fold(name))
    out = []
    for part in parts:
        if part.lower() in tokens:
            part = "X"
        else:
            for token in long_ids:
                part = re.sub(re.escape(token), "X", part, flags=re.I)
        out.append(part)
    return safe_name("".join(out))


def field_lines(record: EcgRecord, anonymise: bool) -> list[str]:
    """The patient's fields (none of its identity when ``anonymise``), the recording's, a Challenge header's
    notes (#Rx, #Hx, #Sx) and PTB-XL's height and weight (a converted record is scored as its source), one
    "Label: value" line each (``records.metadata``'s ``WRITTEN_*`` labels, which its readers read back): a WFDB
    header's comments, and an EDF+ file's annotations beside its header."""
    labels = {f"patient_{k}" if k != "birth_date" else k: v for k, v in WRITTEN_PATIENT.items()}
    lines = [f"{labels[key]}: {value}" for key, value in header_fields(record, anonymise).items()]
    written = {**WRITTEN_RECORDING, **({} if anonymise else WRITTEN_IDENTITY), **WRITTEN_NOTES}
    for key, label in written.items():
        if str(record.meta.get(key) or "").strip():
            lines.append(f"{label}: {record.meta[key]}")
    for key, label in WRITTEN_BODY.items():       # PTB-XL's height and weight: a model reads them
        if isinstance(record.meta.get(key), (int, float)):
            lines.append(f"{label}: {float(record.meta[key]):g}")
    return lines


def carried_notes(record: EcgRecord, anonymise: bool, dx: bool = True) -> list[str]:
    """The record's diagnoses with their system (``dx``; LUDB's, PTB's, PTB-XL's codes: a converted
    record keeps its labels), the file's notes (PTB's medication), PTB-XL's table row (its report, the
    likelihoods of its codes, its ids and noise notes), the device's statements, who made them and its
    measurements (labelled as the device's), then what the source's reader found of its integrity and the
    leads it derived (``records.metadata.source_comments``; an anonymised record's without its identity,
    :func:`scrub_text`), and the source header's comments that no field holds (not when ``anonymise``: free
    text may name the patient): the lines a WFDB header's comments and an EDF+ file's annotations carry,
    which their readers read back."""
    lines = []
    meta = record.meta
    if dx and record.dx:
        system = meta.get("dx_system") or "file"
        lines.append(f"{DIAGNOSES} ({system}): {json.dumps(list(record.dx), ensure_ascii=True)}")
    if meta.get("file_notes"):
        lines.append(f"{FILE_NOTES}: {json.dumps(dict(meta['file_notes']), ensure_ascii=True)}")
    row = {k: v for k, v in (meta.get("ptbxl") or {}).items()
           if k not in _PTBXL_LOCAL and not (anonymise and k in _PTBXL_IDENTITY)}
    if row:
        lines.append(f"{PTBXL_ROW}: {json.dumps(row, ensure_ascii=True)}")
    report = meta.get("device_report") or {}
    source = report.get("source", "device")
    for statement in report.get("statements", ()):
        lines.append(f"{DEVICE_STATEMENT} ({source}): {statement}")
    if report.get("statement_origin"):
        lines.append(f"{STATEMENT_ORIGIN}: {report['statement_origin']}")
    for key, value in (report.get("measurements") or {}).items():
        lines.append(f"{DEVICE_MEASUREMENT} ({source}): {key} = {value}")
    lines += source_comments(meta, (lambda text: scrub_text(text, record)) if anonymise else None)
    return lines + ([] if anonymise else unread_comments(list(record.comments)))


def scrub_text(text: str, record: EcgRecord) -> str:
    """``text`` (a reader's note) with the patient's name, ID and birth date parts and the source file's
    name replaced by "X", as :func:`scrub_identity` treats a file name (whole words of any length, parts
    of 3 or more characters also inside longer words), matched both as written ("Иванов", "Müller") and
    in ASCII letters ("Muller" for "Müller"). The rest is kept as written ("µV", "°", "é"), but for
    the characters that show nothing (controls, zero-width and direction marks, private-use and
    unassigned code points): dropped first, so that none hides a name ("Mül\u200bler")."""
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _HIDDEN)
    text, kept = _placeholder_birth_note(text)
    patient = record.meta.get("patient") or {}
    written = {t.casefold() for key in ("name", "id", "birth_date")
               for t in re.split(r"[\W_]+", str(patient.get(key) or "")) if t} - {"x"}
    folded_tokens = _identity_tokens(record)
    if record.path is not None:
        written |= {record.path.name.casefold(), record.path.stem.casefold()}
        # in ASCII letters where it has them all ("Müller.xml"; not "Иванов.xml", whose ".xml" is any file's)
        folded_tokens |= {_fold(n).lower() for n in (record.path.name, record.path.stem) if len(_fold(n)) == len(n)}
    # each character's ASCII letters ("ü" -> "u", "µ" -> ""), and which character each came from
    folded, owner = [], []
    for i, ch in enumerate(text):
        f = _fold(ch)
        folded.append(f)
        owner.extend([i] * len(f))
    folded = "".join(folded)
    cut = [False] * len(text)
    for view, tokens, at in ((text, written, None), (folded, folded_tokens, owner)):
        for token in (t for t in tokens if t):
            word = re.escape(token) if len(token) >= 3 else rf"(?<!\w){re.escape(token)}(?!\w)"
            for m in re.finditer(word, view, flags=re.I):
                start, end = (m.start(), m.end()) if at is None else (at[m.start()], at[m.end() - 1] + 1)
                cut[start:end] = [True] * (end - start)
    cut[kept[0]:kept[1]] = [False] * (kept[1] - kept[0])
    out = []
    for i, ch in enumerate(text):
        if not cut[i]:
            out.append(ch)
        elif i == 0 or not cut[i - 1]:
            out.append("X")             # a run of the identity: one "X"
    return "".join(out)


# a reader's note on a placeholder birth date (formats.assemble's: "birth date 1900-01-01 looks like a placeholder
# (1900-01-01 or earlier, what exports write for none)"), and the rule's own words in it
_PLACEHOLDER_NOTE = re.compile(r"\bbirth date \S+ (looks like a placeholder \()(" + re.escape(PLACEHOLDER_BIRTH_RULE)
                               + r"\))?")


def _placeholder_birth_note(text: str) -> tuple[str, tuple[int, int]]:
    """``text`` with the date of a note on a placeholder birth date dropped ("the birth date looks like a
    placeholder (...)"): a placeholder is no one's birth date, and the note reads as well without it,
    whatever date it held (a newborn's, on the day of the ECG, is gone with it); and the span of the rule's
    own words in it ("1900-01-01 or earlier, ..."), which hold no identity and are kept whole where a birth
    date's parts ("1900", "01") would blank them; (0, 0) where ``text`` is no such note."""
    m = _PLACEHOLDER_NOTE.search(text)
    if m is None:
        return text, (0, 0)
    text = f"{text[:m.start()]}the birth date {m[1]}{text[m.end(1):]}"
    if m[2] is None:
        return text, (0, 0)
    start = m.start() + len(f"the birth date {m[1]}")
    return text, (start, start + len(PLACEHOLDER_BIRTH_RULE))


def anonymous_names(count: int, out_dir: str | Path) -> Iterator[str]:
    """File names for anonymised records, "ecg_0001", ..., that owe nothing to the inputs, numbered
    on after those already written in ``out_dir`` (a second run adds, never overwrites), as many as
    asked for: ``count`` (the inputs) sets the digits; a caller skips a name that holds a record's
    identity by chance (:func:`anonymous_name_for`)."""
    out_dir = Path(out_dir)
    width = max(4, len(str(count)))
    k = 0
    while True:
        k += 1
        name = f"{ANONYMOUS_STEM}_{k:0{width}d}"
        if not any((out_dir / f"{name}{ext}").exists() for ext in (".hea", ".dat", ".edf")):
            yield name


def anonymous_name_for(record: EcgRecord, names: Iterator[str]) -> str:
    """The next of ``names`` (:func:`anonymous_names`) that holds no part of ``record``'s identity
    (:func:`scrub_identity` leaves it whole): "ecg_0001" of a patient whose ID is "001" would have
    been written "ecg_X", its number lost, and any number may hold an ID's digits by chance."""
    return next(name for name in names if scrub_identity(name, record) == name)


def write_wfdb(record: EcgRecord, out_dir: Path, name: str, *, anonymise: bool = False,
               keep_dates: bool = False) -> Path:
    """WFDB record ``name`` in ``out_dir``: 12 signals, then the record's extra leads (V4R, vx: their names),
    format 16, mV, NaN as the invalid sample; the 12 share a gain, each extra lead has its own."""
    import wfdb  # lazy: wfdb imports pandas (about 0.5 s); only when a WFDB record is written

    extra = whole_extra_leads(record)
    x = np.asarray(record.signal, dtype=np.float64)  # (12, T)
    gains = [_wfdb_gain(x)] * 12 + [_wfdb_gain(e.signal) for e in extra]
    x = np.concatenate([x, np.asarray([e.signal for e in extra], dtype=np.float64).reshape(len(extra), x.shape[1])])
    d = np.round(x * np.asarray(gains)[:, None])  # (12 + E, T)
    d = np.where(np.isnan(x), -32768, d).astype(np.int16)
    n = len(gains)
    base = acquired_datetime(record.meta.get("acquired"))
    try:
        wfdb.wrsamp(name, fs=float(record.fs), units=["mV"] * n, sig_name=[*STANDARD_LEADS, *(e.name for e in extra)],
                    d_signal=d.T.copy(), fmt=["16"] * n, adc_gain=gains, baseline=[0] * n,
                    comments=wfdb_comments(record, anonymise, keep_dates), write_dir=str(out_dir),
                    base_time=base.time() if base else None, base_date=base.date() if base else None)
    except Exception as err:  # wfdb raises ValueError/OSError on bad names or full disks
        raise RecordError(out_dir / f"{name}.hea", f"cannot write WFDB: {err}") from None
    return out_dir / f"{name}.hea"


def _wfdb_gain(x: np.ndarray) -> float:
    """Units a mV that keep ``x`` (mV) within format 16: ``WFDB_GAIN``, or fewer for a larger signal."""
    x = np.asarray(x, dtype=np.float64)
    peak = float(np.nanmax(np.abs(x))) if np.isfinite(x).any() else 0.0
    return WFDB_GAIN if peak * WFDB_GAIN < 32000 else float(np.floor(32000 / peak))


def wfdb_comments(record: EcgRecord, anonymise: bool, keep_dates: bool = False) -> list[str]:
    """Header comment lines: Age/Sex as PhysioNet Challenge headers write them, then the rest; anonymised, last
    the line that says so and by which rule (:func:`safe_harbor.anonymised_note`)."""
    lines = []
    if record.age is not None:
        lines.append(f"Age: {record.age:g}")
    if record.sex:
        lines.append(f"Sex: {'Male' if record.sex == 'M' else 'Female'}")
    if record.dx and record.meta.get("dx_system") == "SNOMED-CT":
        lines.append("Dx: " + ",".join(record.dx))
    # the labels records.metadata reads back (a record saved and opened again keeps them)
    lines += field_lines(record, anonymise)
    source = record.meta.get("format_name") or record.meta.get("format")
    if source:
        origin = "" if anonymise else f" ({record.path.name if record.path else record.record_id})"
        lines.append(f"Converted from: {source}{origin}")
    # a Challenge header's SNOMED-CT codes are its "Dx:" line above
    lines.extend(carried_notes(record, anonymise, dx=record.meta.get("dx_system") != "SNOMED-CT"))
    if anonymise:
        lines.append(anonymised_note(keep_dates))
    elif record.meta.get("anonymised"):    # an anonymised source's copy is no less so
        lines.append(COPIED_ANONYMISED_NOTE)
    # one line per comment: newlines inside a value would start a header line
    return [re.sub(r"[\r\n]+", " ", line) for line in lines]
