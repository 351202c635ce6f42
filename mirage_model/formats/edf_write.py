"""EDF+ out: a record written as an EDF+ file (``write_edf``) whose data records hold its samples exactly
(``record_layout``), its header fields in EDF+'s structured patient and recording fields (Kemp & Olivan 2003)
where ASCII can hold them (``ascii_letters``) and the rest as annotations (``note_annotations``), through edfio.
``edf.read_edf`` reads such a file back, its missing samples (``EDF_MISSING``) NaN again."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from pathlib import Path

import numpy as np

from mirage_model.formats.extra import require
from mirage_model.formats.fields import acquired_datetime, header_fields
from mirage_model.records.extra_leads import whole_extra_leads
from mirage_model.records.metadata import WRITTEN_IDENTITY, WRITTEN_PATIENT, WRITTEN_RECORDING
from mirage_model.records.record import STANDARD_LEADS, EcgRecord, RecordError

# EDF has no code for a missing sample. MIRAGE writes one at the digital minimum, which its written
# samples never reach (their physical range is 0.1% wider than the record's peak), and names it in
# the recording field ("MIRAGE missing=-32768"); other readers show such samples at the lead's
# negative limit, this reader makes them NaN again (the "missing" quality flag).
EDF_MISSING = -32768
_MARK = "MIRAGE"
# Data record durations tried when none divides the record: the nearest to 1 s that makes the
# sampling frequency exact is used (a record of 1 s or so is what EDF readers expect).
_DURATIONS = (1, 2, 0.5, 4, 5, 0.25, 0.2, 8, 10, 0.125, 0.1, 16, 20, 25, 0.05, 0.04, 50, 100, 0.02, 0.01,
              200, 1000, 10000)


def _held_lines(record: EcgRecord, fields: dict, written: dict, birth, acquired) -> set[str]:
    """The lines of ``formats.write.field_lines`` ("Patient name: ...") whose value the EDF+ header
    holds as written, as :func:`read_edf` gives it back (a subfield's "_" read as a blank): the others
    (a name outside ASCII, "Иванов" written "X"; an ID with "_"; a device name cut at the field's 80
    characters) stay annotations, read back over the header's.

    Args:
        fields: ``formats.fields.header_fields``' patient fields; ``written``: the subfields as written
            ({"id", "name", "admin_code", "device"}); ``birth``, ``acquired``: the birth date and start written.
    """
    values = {WRITTEN_PATIENT["id"]: (fields.get("patient_id"), written["id"]),
              WRITTEN_PATIENT["name"]: (fields.get("patient_name"), written["name"]),
              WRITTEN_IDENTITY["admin_code"]: (record.meta.get("admin_code"), written["admin_code"]),
              WRITTEN_RECORDING["device"]: (record.meta.get("device"), written["device"])}
    held = {f"{label}: {value}" for label, (value, sub) in values.items()
            if value is not None and sub.replace("_", " ") == str(value)}
    if birth is not None and birth.isoformat() == str(fields.get("birth_date")):
        held.add(f"{WRITTEN_PATIENT['birth_date']}: {fields['birth_date']}")
    if acquired is not None and acquired.isoformat(sep=" ", timespec="seconds") == str(record.meta.get("acquired")):
        held.add(f"{WRITTEN_RECORDING['acquired']}: {record.meta['acquired']}")
    return held


def note_annotations(edfio, notes: list[str], duration: float, records: int) -> list:
    """``notes`` as EDF+ annotations, in order, spread over the first data records: each data record's
    annotation signal is as long as the fullest one's, so that the 50 lines of a PTB header, all in the
    first, had made every data record 4 KB longer. One after another within a data record, 1 ms apart
    (less where a data record is shorter): readers (edfio) sort annotations by time, then by text.

    Args:
        notes: the texts, in order.
        duration: seconds of one data record; ``records``: data records in the file.

    Returns:
        [edfio.EdfAnnotation] (onset in seconds, no duration, text), one per note.
    """
    if not notes:
        return []
    per = -(-len(notes) // max(1, records))              # notes in a data record
    step = min(0.001, duration / (per + 1))
    return [edfio.EdfAnnotation((k // per) * duration + (k % per) * step, None, text) for k, text in enumerate(notes)]


def _duration_text(d: float) -> str | None:
    """``d`` seconds as the 8-character duration field writes it (edfio: an integer, else
    ``str(float)``), or None when it does not fit or needs an exponent."""
    text = str(int(d)) if float(d).is_integer() else str(float(d))
    return text if len(text) <= 8 and "e" not in text else None


def record_layout(fs: float, T: int) -> tuple[float, int, int]:
    """The data records that hold ``T`` samples at ``fs`` Hz exactly in EDF.

    EDF gives each signal's samples per data record (an integer) and the record's duration (8
    characters); a reader's sampling frequency is their quotient, so ``n / duration`` must be
    ``fs`` exactly. A duration of 0.1 to 10 s whose ``n`` divides ``T`` is used when one exists
    (the nearest to 1 s); else the last data record is padded, with the duration nearest to 1 s
    that gives ``fs`` exactly (360 Hz x 3601: 11 records of 1 s; 499.5 Hz: 2 s of 999 samples).

    Args:
        fs: sampling frequency in Hz.
        T: samples a lead.

    Returns:
        (duration in seconds, samples per data record n, data records R), R * n >= T.

    Raises:
        ValueError: no duration of 8 characters gives ``fs`` exactly.
    """
    def exact(d: float) -> tuple[float, int] | None:
        text = _duration_text(d)
        if text is None or float(text) <= 0:
            return None
        n = round(fs * float(text))
        return (float(text), n) if n >= 1 and n / float(text) == fs else None

    whole = []   # (duration, n) with n dividing T
    for n in _divisors(T):
        d = n / fs
        if 0.1 <= d <= 10:
            for digits in range(1, 9):   # the shortest decimal that gives fs back
                found = exact(float(f"{d:.{digits}g}"))
                if found and found[1] == n:
                    whole.append(found)
                    break
    if whole:
        d, n = min(whole, key=lambda dn: abs(math.log(dn[0])))
        return d, n, T // n
    for d in _DURATIONS:
        found = exact(d)
        if found:
            d, n = found
            return d, n, -(-T // n)
    raise ValueError(f"no data record duration of 8 characters holds a whole number of samples at {fs!r} Hz")


def _divisors(T: int) -> list[int]:
    """The divisors of ``T`` (T >= 1)."""
    small = [k for k in range(1, math.isqrt(T) + 1) if T % k == 0]
    return sorted(set(small + [T // k for k in small]))


_LATIN_FOLDS = str.maketrans({"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "Ð": "D",
                              "ð": "d", "Þ": "Th", "þ": "th", "ß": "ss", "Æ": "AE", "æ": "ae",
                              "Œ": "OE", "œ": "oe", "ı": "i", "Ħ": "H", "ħ": "h"})


def ascii_letters(text: str) -> str | None:
    """``text`` in ASCII for an EDF header: accents dropped ("Wójcik" -> "Wojcik", "Łukasz" ->
    "Lukasz"); None when a letter has no ASCII form (Cyrillic, Greek, CJK ...): such a name or ID
    is written as not given ("X") rather than as the fragment that is ASCII ("ID-Ω7" had been
    written "ID-7", another patient's ID; "Иванов" an empty name)."""
    folded = unicodedata.normalize("NFKD", text.translate(_LATIN_FOLDS))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return folded if folded.isascii() else None


def write_edf(record: EcgRecord, out_path: Path, *, anonymise: bool = False, notes: list[str] = (),
              keep_dates: bool = False) -> Path:
    """Write ``record`` as EDF+ (16-bit, one "ECG <lead>" signal per standard lead, then one per extra lead under
    its name, "V4R", "vx": ``EcgRecord.extra_leads``; mV).

    The physical range is the 12 leads' own, and each extra lead's its own (symmetric, at least +-1 mV, 0.1% wider
    than its peak),
    so the resolution is range / 65535, a few microvolts for an ordinary ECG. Missing samples (NaN)
    are written at the digital minimum ``EDF_MISSING``, which no written sample reaches, and the
    recording field says so ("MIRAGE missing=-32768"): :func:`read_edf` makes them NaN again.
    The data records are laid out by :func:`record_layout`; when the last one is padded (with
    missing samples) the recording field gives the true length ("samples=3601"), where
    :func:`read_edf` cuts it. ``notes`` (``formats.write.field_lines`` and ``carried_notes``: the header's
    fields as written, the file's diagnoses and notes, the device's statements and measurements, what the
    source's reader found of the file) are written as annotations (:func:`note_annotations`), which
    :func:`read_edf` reads back. Anonymised (``formats.safe_harbor``), the patient field says so and by which rule
    ("anonymised:HIPAA_Safe_Harbor"; "anonymised:dates_kept" with ``keep_dates``); a record whose acquisition
    time is its year alone is written "Startdate X" (EDF+ 2.1.3.3: a subfield that must be made anonymous is
    "X"), the header's startdate and starttime 01.01.85 00.00.00 (the first day EDF's startdate holds, its
    clipping year 1985: what edfio's anonymize writes), and the year as an annotation ("Acquired: 2023").

    Returns:
        ``out_path``.
    """
    edfio = require("edfio", out_path, "edf")

    extra = whole_extra_leads(record)
    x = np.asarray(record.signal, dtype=np.float64)   # (12, T)
    T = x.shape[1]
    try:
        duration, n, records = record_layout(float(record.fs), T)
    except ValueError as err:
        raise RecordError(out_path, f"cannot write EDF+: {err}") from None
    x = np.concatenate([x, np.asarray([e.signal for e in extra], dtype=np.float64).reshape(len(extra), T)])
    L = len(x)    # the 12, then the extra leads
    padded = records * n > T
    if padded:   # the last data record filled up with missing samples, cut off again on reading
        x = np.concatenate([x, np.full((L, records * n - T), np.nan)], axis=1)   # (L, R * n)
    nan = np.isnan(x)
    x = np.where(nan, 0.0, x)
    signals = []
    twelve = max(1.0, float(np.abs(x[:12]).max()) * 1.001)   # samples stay above the digital minimum
    # the 12 share a physical range, each extra lead (labelled by its name: "V4R", "vx") has its own
    for k, label in enumerate([f"ECG {lead}" for lead in STANDARD_LEADS] + [e.name for e in extra]):
        span = twelve if k < 12 else max(1.0, float(np.abs(x[k]).max()) * 1.001)
        sig = edfio.EdfSignal(x[k], record.fs, label=label, physical_dimension="mV",
                              physical_range=(-span, span), transducer_type="ECG electrode")
        if nan[k].any():   # the same calibration, missing samples at the reserved code
            digital = sig.digital.copy()
            digital[nan[k]] = EDF_MISSING
            sig = edfio.EdfSignal.from_digital(
                digital, record.fs, label=sig.label, physical_dimension="mV", transducer_type="ECG electrode",
                physical_range=(sig.physical_min, sig.physical_max), digital_range=sig.digital_range)
        signals.append(sig)
    fields = header_fields(record, anonymise)

    def sub(text) -> str:  # EDF headers are ASCII; subfields hold no spaces
        ascii_text = ascii_letters(str(text))
        # a field of spaces alone (a cart's blank patient ID) is not given: edfio refuses an empty subfield
        return (re.sub(r"\s+", "_", ascii_text.strip())[:40] if ascii_text else "") or "X"

    additional = []
    if record.age is not None:
        additional.append(f"Age:{record.age:g}")
    if anonymise:
        additional.append("anonymised:dates_kept" if keep_dates else "anonymised:HIPAA_Safe_Harbor")
    elif record.meta.get("anonymised"):    # an anonymised source's copy is no less so
        additional.append("anonymised:copy")
    birth = None
    if not anonymise and fields.get("birth_date"):
        try:
            birth = dt.date.fromisoformat(str(fields["birth_date"])[:10])
        except ValueError:
            birth = None
    # EDF's patient field holds 80 characters: the name is shortened to fit
    code, name = sub(fields.get("patient_id") or "X"), sub(fields.get("patient_name") or "X")
    room = 80 - len(" ".join([code, "X", "01-JAN-2000", *additional])) - 2
    name = name[:max(1, room)]
    patient = edfio.Patient(code=code, sex=record.sex if record.sex in ("M", "F") else "X",
                            birthdate=birth, name=name, additional=additional)
    acquired = acquired_datetime(record.meta.get("acquired"))
    rec_extra = [_MARK] + ([f"missing={EDF_MISSING}"] if nan.any() else []) + ([f"samples={T}"] if padded else [])
    # EDF's recording field holds 80 characters: "Startdate dd-MMM-yyyy admincode X device extras"; the
    # admin code is EDF+'s own (an anonymised file drops it), the site no subfield's: an annotation
    room = 80 - len("Startdate 01-JAN-2000 X ") - len(" ".join(rec_extra)) - 2
    admin = sub(("" if anonymise else record.meta.get("admin_code")) or "X")
    device = sub(record.meta.get("device") or "X")
    if len(admin) + len(device) > room:
        device = device[:max(1, room // 2)]
        admin = admin[:max(1, room - len(device))]
    recording = edfio.Recording(startdate=acquired.date() if acquired else None,
                                hospital_administration_code=admin, equipment_code=device,
                                additional=rec_extra)
    held = _held_lines(record, fields, {"id": code, "name": name, "admin_code": admin, "device": device},
                       birth, acquired)
    notes = [note for note in notes if note not in held]
    try:
        edf = edfio.Edf(signals, patient=patient, recording=recording,
                        starttime=acquired.time() if acquired else None, data_record_duration=duration,
                        annotations=note_annotations(edfio, notes, duration, records))
        edf.write(out_path)
    except ValueError as err:
        raise RecordError(out_path, f"cannot write EDF+: {err}") from None
    except OSError as err:   # a folder of that name, a full disk, no permission: this input fails, not the batch
        raise RecordError(out_path, f"cannot write EDF+: {err.strerror or err}") from None
    return out_path
