"""Channels read from any file -> one ``EcgRecord``: vendor lead names, standard order, mV, derived
limb leads (Einthoven/Goldberger), quality flags, calibration pulse, patient fields.

Every reader in this package hands its channels to :func:`build_record`, so a MUSE file, an EDF
and a WFDB record obey the same contract as ``io.load_record`` and use its lead derivation and
quality checks (not copies of them).
"""

from __future__ import annotations

import math
import re
import warnings
from datetime import date, datetime
from pathlib import Path

import numpy as np

from mirage_model.clinical import parse_sex
from mirage_model.formats.registry import FORMATS
from mirage_model.limits import MAX_ABS_MV, MAX_SAMPLES, plausible_fs, too_long_advice
from mirage_model.records.age import (MONTHS_BELOW_Y, YEAR_DAYS, age_text, impossible_age, placeholder_birth,
                                     years_between)
from mirage_model.records.extra_leads import is_extra_lead, kept_extra_leads
from mirage_model.records.flags import set_flags
from mirage_model.records.leads import (absent_rows, add_twin_signals, derive_leads, enough_leads,
                                       hollow_leads_refusal, lead_mapping_meta, match_leads, off_scale_leads,
                                       rebuilt_notes, still_withheld, too_few_leads, withhold)
from mirage_model.records.record import (QUALITY_FLAGS, STANDARD_LEADS, EcgRecord, ExtraLead, RecordError,
                                         lower_first, raise_own_fault)
from mirage_model.words import counted

# Trailing stretch where every stored lead carries the same values and a step of at least this
# size: a calibration pulse (Philips appends a 1 mV pulse after the 10 s strip), not ECG.
CAL_PULSE_MIN_MV = 0.5
CAL_TAIL_MIN_S = 0.1
# Leads count as carrying the same value within this (2 LSB at 5 uV; converters round per lead).
CAL_SAME_MV = 0.012
# A whole-year age the file states agrees with its dates' exact age one year off when the dates lie
# within this many days of a birthday (an age entered at registration, the ECG after the birthday).
BIRTHDAY_SLACK_DAYS = 31
# An infant's age from dates is kept to 0.001 y (9 hours; a day is 0.0027 y): what a written file's
# "Age: %g" (6 digits) holds, so that a record saved and opened again keeps its age. From
# records.age.MONTHS_BELOW_Y (2 years) on, an age is whole years, as carts state it and as the
# models were trained (PTB-XL's ages are whole years): 43, not 43.809, in the lab form and the model.
AGE_DECIMALS = 3

# 16-bit counts read with the wrong sign or zero (a cart's Philips signalsigned/signaloffset misstated, a
# DICOM waveform without Waveform Sample Interpretation): a step between two samples this large is the
# range wrapped (164 mV at 5 uV: never a heart's), and a lead whose median lies this far from 0 V sits
# nearer the middle of the unsigned range (32768) than its zero.
WRAP_COUNTS = 32768
MID_COUNTS = 16384


def wraps_16bit(counts: np.ndarray) -> bool:
    """Whether a lead's counts (1-D) step by ``WRAP_COUNTS`` or more between two samples."""
    return counts.size > 1 and bool(np.any(np.abs(np.diff(counts)) >= WRAP_COUNTS))


def misread_16bit(counts: np.ndarray, base: float = 0.0) -> float | None:
    """Why a lead's 16-bit counts (1-D; ``base``: the count offset of 0 V) are no ECG as read: NaN when
    they wrap (``wraps_16bit``), their median's distance from 0 V in counts when it reaches
    ``MID_COUNTS``, None when they read like an ECG."""
    if wraps_16bit(counts):
        return float("nan")
    if counts.size and abs(float(np.median(counts)) + base) >= MID_COUNTS:
        return float(np.median(counts)) + base
    return None


# A trailing run of at least this many samples at the 16-bit range's ends is a median beat's fill
_FILL_MIN = 2


def cut_beat_fill(beats: list) -> None:
    """Cut each median beat's (ecgdatakit Leads of counts) trailing fill of the 16-bit range's ends,
    in place: a PageWriter Touch fills its 2400 ms representative beats after the beat's 1200 ms with
    32767 (a step of 82 mV at 2.5 uV), and an aECG converted from its XML keeps that fill as digits. A
    run of ``_FILL_MIN`` samples in a lead is fill; so is a shorter one that every lead (two or more)
    ends in: the C# ECG Toolkit's DICOM median beat is 599 samples of beat and one frame of -32768 in
    all 12 channels (a -81.9 mV step at 2.5 uV; its SCP-ECG and aECG copies hold the 599 alone). A
    lone sample at the range's end in one lead is left: a beat read as signed that is unsigned can
    pass through it (``philips._check_beat_counts`` rereads such beats)."""
    counts = [np.asarray(beat.samples, dtype=np.float64) for beat in beats]
    runs = []
    for c in counts:
        filled = np.isin(c, (32767, -32768))
        runs.append(len(c) if filled.all() else int(np.argmin(filled[::-1])))
    every = len(runs) > 1 and min(runs) > 0
    for beat, c, run in zip(beats, counts, runs):
        if run >= _FILL_MIN or (every and run):
            beat.samples = c[:len(c) - run]


def format_name(fmt: str) -> str:
    """The name of format ``fmt`` for messages ("GE CardioSoft XML"); the id itself when unknown."""
    return FORMATS[fmt].name if fmt in FORMATS else fmt


def fail(path, fmt: str, reason: str) -> RecordError:
    """A RecordError that names the format the file was taken for, once: a reader's own tag for the
    format at the start of ``reason`` ("GE CardioSoft: ", "DICOM multiplex group 1", "SCP-ECG record
    declares ...") is left out, and a reader's sentence-case capital ("Missing or invalid sampling rate")."""
    name = format_name(fmt)
    return RecordError(path, f"read as {name}: {said_once(reason, name)}")


def fail_unless_ours(path, fmt: str, err: BaseException, reason: str) -> RecordError:
    """``fail(path, fmt, reason)`` for a damaged file's exception ``err``; raises ``records.ReaderFaultError``
    instead when ``err`` is a bug of MIRAGE's own reader (``records.record.raise_own_fault``)."""
    raise_own_fault(err, path, format_name(fmt))
    return fail(path, fmt, reason)


# a reason's first words that may be a reader's tag for its format: "GE MUSE: ", "DICOM multiplex", "SCP-ECG record"
_FORMAT_TAG = re.compile(r"([A-Z][\w/-]*(?: [A-Z][\w/-]*)*)(?::\s+|\s+(?=(?:multiplex|record)\b))")


def said_once(reason: str, name: str) -> str:
    """``reason`` without a leading tag that repeats the format's ``name`` (see ``fail``)."""
    tag = _FORMAT_TAG.match(reason)
    if tag is not None and tag[1].lower() in name.lower():
        reason = reason[tag.end():]
        if reason.startswith("record "):
            reason = "the " + reason
    return lower_first(reason)


def build_record(path: Path, fmt: str, channels: list[tuple[str, np.ndarray]], fs: float, *,
                 at_limit: dict[str, bool] | None = None, info: dict | None = None,
                 nan_is_missing: bool = False, kind: str | None = None) -> EcgRecord:
    """Assemble an EcgRecord from named channels in mV.

    What a reader returns is checked here, whatever the format: a plausible sampling frequency
    (``limits.plausible_fs``), at most ``limits.MAX_SAMPLES`` samples per lead, finite samples
    within ``limits.MAX_ABS_MV``, and amplitudes that are an ECG's in mV (``records.leads.off_scale_leads``:
    a minority of leads that are not, an electrode off or a lead's units wrong, are withheld, NaN and flagged
    "missing", ``meta["withheld_leads"]`` saying why).

    Args:
        path: the file read (named in errors).
        fmt: a ``FORMATS`` id.
        channels: (name as in the file, samples (T,) in mV) per channel, any order; a channel no reader reads
            (SpO2) with no samples; an extra lead (``records.extra_leads.is_extra_lead``: V4R, vx) that its reader
            could not read (another rate, no voltage units) with the reason in words instead of samples. The extra
            leads as long as the leads are kept (``EcgRecord.extra_leads``), the others said
            (``meta["extra_leads_unread"]``).
        fs: sampling frequency in Hz (all channels).
        at_limit: lead name as in the file -> True when it is clipped
            (``records.flags.clipped``: runs at the ends of the digital range).
        info: patient/recording fields (see :func:`apply_info`) and extra ``meta`` entries.
        nan_is_missing: the format marks samples missing and the reader made them NaN (DICOM's
            padding value, MFER's null value); otherwise a NaN sample is an error, not a gap.
        kind: what the file says it is, for a refusal of too few leads ("an MFER 'Monitoring Waveform'").

    Returns:
        The record; ``signal`` float32 (12, T) in mV, STANDARD_LEADS order (``records.load_record``
        adds ``meta["unscorable"]``, as for every record). T is the longest lead's length: a lead
        that ends early is NaN after its last sample and flagged "missing", and ``meta["short_leads"]``
        / ``meta["length_note"]`` name it (the quality assessment reports it).

    Raises:
        RecordError: too few leads, no samples, a bad sampling frequency, too many samples,
            samples that are not finite or not an ECG's in mV.
    """
    implausible = plausible_fs(float(fs))
    if implausible:
        raise fail(path, fmt, implausible)
    match = match_leads([name for name, _ in channels])
    chosen = match.chosen
    absent = absent_rows(chosen)     # a lead without a channel (V4 not written) is blank, as one all invalid is
    if not enough_leads(chosen):
        raise fail(path, fmt, too_few_leads([name for name, _ in channels], match, [STANDARD_LEADS[k] for k in absent],
                                            kind))
    lengths = {lead: len(channels[i][1]) for lead, (i, _) in chosen.items()}
    T = max(lengths.values())
    if T == 0:
        raise fail(path, fmt, "the leads hold no samples")
    if T > MAX_SAMPLES:
        raise fail(path, fmt, f"the leads hold {T:,} samples each ({T / fs / 3600:.3g} h at {fs:g} Hz); at most "
                              f"{MAX_SAMPLES:,} are read{too_long_advice(fs)}")
    for i, _ in chosen.values():
        problem = _bad_samples(channels[i][1], nan_is_missing) if len(channels[i][1]) else None
        if problem:
            raise fail(path, fmt, f"lead {channels[i][0]}: {problem}")
    # A lead that ends early (a cart that stopped one lead) keeps the record's length: its missing
    # tail is NaN, flagged "missing" on that lead only, instead of cutting every lead to it.
    short = tuple(lead for lead in STANDARD_LEADS if lead in lengths and lengths[lead] < T)

    signal = np.zeros((12, T), dtype=np.float32)
    flags = {name: np.zeros(12, dtype=bool) for name in QUALITY_FLAGS}
    limit = np.zeros(12, dtype=bool)
    for k, lead in enumerate(STANDARD_LEADS):
        if lead in chosen:
            i, sign = chosen[lead]
            stored_values = np.asarray(channels[i][1], dtype=np.float64)
            n = len(stored_values)
            # scaled in float64 and rounded once to float32, as a whole (T,) float64 copy did, without it
            np.multiply(stored_values, sign, out=signal[k, :n], casting="same_kind")
            signal[k, n:] = np.nan
            if n < T or np.isnan(signal[k, :n]).any():
                flags["missing"][k] = True
            limit[k] = bool((at_limit or {}).get(channels[i][0], False))
    signal[absent] = np.nan
    flags["missing"][absent] = True
    # a lead all invalid counts as one without a channel: the same file without it opens (or is refused) alike
    refusal, held = hollow_leads_refusal(signal, [name for name, _ in channels], match, kind)
    if refusal:
        raise fail(path, fmt, refusal)
    implausible, off = off_scale_leads(signal, held)
    if implausible:
        raise fail(path, fmt, implausible)
    withheld = withhold(signal, off, flags["missing"])      # before a limb lead is derived from them
    stored = [STANDARD_LEADS.index(lead) for lead in chosen if STANDARD_LEADS.index(lead) not in off]
    cal_s = _trim_calibration(signal, stored, fs)
    # the file's leads outside the 12 (V4R, vx): as long as the leads, cut where they are (a calibration pulse)
    extra, unread = kept_extra_leads([(name, x) for i, (name, x) in enumerate(channels)
                                      if i not in match.matched and is_extra_lead(name)], T)
    if cal_s:
        signal = np.ascontiguousarray(signal[:, : signal.shape[1] - int(round(cal_s * fs))])
        extra = tuple(ExtraLead(e.name, e.signal[: signal.shape[1]].copy()) for e in extra)
    derived = derive_leads(signal, chosen)
    for k in derived:
        flags["derived"][k] = True
        limit[k] = bool(limit[:3].any())
        flags["missing"][k] = bool(np.isnan(signal[k]).any())
    set_flags(signal, fs, flags, limit)

    meta = {"format": fmt, "format_name": FORMATS[fmt].name,
            "file_leads": tuple(n for n, _ in channels)}
    meta.update(lead_mapping_meta(match, derived))
    if match.twins:
        twins = {}
        for _, i, sign in match.twins:
            row = np.full(signal.shape[1], np.nan, dtype=np.float32)
            stored_values = np.asarray(channels[i][1], dtype=np.float64)[: signal.shape[1]]
            row[: len(stored_values)] = stored_values * sign
            twins[i] = row
        add_twin_signals(meta, match, twins)
    if short:
        meta["short_leads"] = short
        meta["length_note"] = ("leads differ in length in the file: " + ", ".join(
            f"{lead} {lengths[lead]:,}" for lead in short) + f" of {counted(T, 'sample', ',')}; the rest is missing")
    if cal_s:
        meta["calibration_removed_s"] = round(cal_s, 3)
    if blank := still_withheld(withheld, derived):
        meta["withheld_leads"] = blank
    if unread:
        meta["extra_leads_unread"] = unread
    rec = EcgRecord(signal=signal, fs=float(fs), record_id=path.stem, path=path, quality=flags, meta=meta,
                    extra_leads=extra)
    apply_info(rec, info or {})
    if rebuilt := rebuilt_notes(chosen, derived, withheld):    # after the file's own notes, which apply_info sets
        rec.meta["reader_warnings"] = (*rec.meta.get("reader_warnings", ()), *rebuilt)
    return rec


def _bad_samples(values: np.ndarray, nan_is_missing: bool) -> str | None:
    """What is wrong with one lead's samples (T,) in mV, or None."""
    x = np.asarray(values, dtype=np.float64)
    n_inf = int(np.count_nonzero(np.isinf(x)))
    if n_inf:
        return (f"{counted(n_inf, 'sample is', ',', 'samples are')} infinite once scaled to mV (a resolution, "
                "scale or offset field in the file is out of range)")
    nan = np.isnan(x)
    if nan.all():
        return None if nan_is_missing else "every sample is not a number (NaN)"
    if nan.any() and not nan_is_missing:
        nans = counted(int(np.count_nonzero(nan)), "sample is not a number", ",", "samples are not numbers")
        return f"{nans} (NaN), and the format has no mark for missing samples"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        peak = float(np.nanmax(np.abs(x)))
    if peak > MAX_ABS_MV:
        return (f"reaches {peak:.3g} mV, beyond any ECG recorder's range ({MAX_ABS_MV:g} mV): a "
                "resolution, offset or units field in the file is wrong")
    return None


_CAL_CHUNK = 1 << 18   # samples a lead compared at a time by _trim_calibration


def _trim_calibration(signal: np.ndarray, stored: list[int], fs: float) -> float:
    """Seconds of trailing calibration pulse in ``signal`` (12, T) (0 when there is none)."""
    if len(stored) < 2:
        return 0.0
    T = signal.shape[1]
    same = np.empty(T, dtype=bool)  # (T,)
    for a in range(0, T, _CAL_CHUNK):   # in stretches: the stored leads' whole copies cost 3 times the record
        x = signal[stored, a:a + _CAL_CHUNK]
        same[a:a + _CAL_CHUNK] = np.all(np.abs(x - x[0]) <= CAL_SAME_MV, axis=0)
    if not same[-1]:
        return 0.0
    start = len(same) - int(np.argmin(same[::-1])) if not same.all() else 0
    tail = signal[stored[0], start:]
    if len(tail) < CAL_TAIL_MIN_S * fs or np.ptp(tail) < CAL_PULSE_MIN_MV or start == 0:
        return 0.0
    return len(tail) / fs


# What carts and Holter software write into a name field left empty ("none none" in ISHNE files). A name
# that stands in for a patient's ("JOHN DOE", "Name Surname", "Anonymous", "XXX") is a name, kept as the file
# states it, without a note: it is what the cart printed and the hospital's record holds (an unidentified
# patient is registered as "Doe, John"), an identifier is matched as it is written, and no age, rule or model
# input comes from it (a placeholder birth date, which would give an age, is noted: ``_age``).
_PLACEHOLDERS = frozenset({"none", "unknown", "n/a", "na", "null", "-", "--", "?"})


def _iso(value) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if value else None


def apply_info(rec: EcgRecord, info: dict) -> None:
    """Patient and recording fields into ``rec`` (age, sex) and ``rec.meta``.

    ``info`` keys (all optional): patient_id, patient_name, birth_date (date), age (years, as the
    file states it), sex ("M"/"F"), acquired (datetime), acquired_on (the acquisition's date when the
    file gives no time of day: used for the age alone), device, site, device_report (dict),
    device_median_beats (dict), anonymised (bool), and "meta" (a dict merged into ``rec.meta``).

    The age is the exact one from the birth and acquisition dates when the file states none or
    one that agrees with them (``_age``); a reader note names a stated age that disagrees.
    """
    patient = {}
    if info.get("patient_id"):
        patient["id"] = str(info["patient_id"]).strip()
    name = str(info.get("patient_name") or "").strip()
    if name and not all(part.lower() in _PLACEHOLDERS for part in name.replace("^", " ").split()):
        patient["name"] = name
    birth = info.get("birth_date")
    if isinstance(birth, datetime):
        birth = birth.date()
    if birth:
        patient["birth_date"] = _iso(birth)
    if patient:
        rec.meta["patient"] = patient
    acquired = info.get("acquired")
    age, age_notes = _age(info.get("age"), birth, acquired or info.get("acquired_on"))
    if age is not None:
        rec.age = age
    sex = parse_sex(str(info.get("sex") or ""))
    if sex is not None:
        rec.sex = sex
    if acquired:
        rec.meta["acquired"] = _iso(acquired)
    for key in ("device", "site"):
        if info.get(key):
            rec.meta[key] = str(info[key]).strip()
    for key in ("device_report", "device_median_beats", "anonymised"):
        if info.get(key):
            rec.meta[key] = info[key]
    rec.meta.update(info.get("meta") or {})
    if age_notes:
        rec.meta["reader_warnings"] = (*rec.meta.get("reader_warnings", ()), *age_notes)


def _age(stated, birth, acquired) -> tuple[float | None, tuple[str, ...]]:
    """The patient's age in years and reader notes (none, one or two) from the age the file states
    and its birth and acquisition dates.

    An age no living patient has is no age (``records.age``): a stated age above ``MAX_AGE_Y`` or
    below 0 ("999", "-1"), a placeholder birth date (``placeholder_birth``: 1900-01-01 and before,
    the day of the ECG for anyone but a newborn) and dates that give an age above ``MAX_AGE_Y``
    are left out, each with a note naming the field and its value; the other field, when it gives a
    possible age, gives it, else the age is unknown.

    The exact age from the dates (``records.age.years_between``: an infant's 0.25, not the whole
    years 0 that GE MUSE, Philips and a birth date gave) is taken when the file states no age, and
    when the stated age agrees with it: a whole-year age that is its whole years or, within
    ``BIRTHDAY_SLACK_DAYS`` of a birthday, one more or less (an age entered the day before a
    birthday, the ECG recorded after it), and an age in months, weeks or days within as many days
    of it. A stated age that disagrees more is kept, with a note naming both (one of the file's
    fields is wrong; the stated age is what the cart printed). From ``MONTHS_BELOW_Y`` on, the age
    from the dates is their whole years (see ``AGE_DECIMALS``)."""
    if stated is not None:
        try:
            stated = float(stated)
        except (TypeError, ValueError):
            stated = None
    if stated is not None and not math.isfinite(stated):
        stated = None
    on = acquired.date() if isinstance(acquired, datetime) else acquired
    left_out = []        # (what was left out and why, the field whose age replaces it)
    why = impossible_age(stated)
    if why:
        left_out.append((f"the file states an age of {stated:g} y, {why}, a placeholder", "dates"))
        stated = None
    why = placeholder_birth(birth, on, stated)
    exact = None if why else years_between(birth, acquired)
    notes = []
    if why:
        left_out.append((f"birth date {_iso(birth)} looks like a placeholder ({why})", "stated"))
    elif exact is None and years_between(on, birth) is not None:     # born after the ECG: a date is wrong
        notes.append(f"the file's birth date {_iso(birth)} is after its acquisition date {_iso(on)}; "
                     "no age is taken from them")
    elif exact is not None and impossible_age(exact):
        left_out.append((f"birth date {_iso(birth)} and acquisition date {_iso(on)} give {exact:.1f} y, "
                         f"{impossible_age(exact)}", "stated"))
        exact = None
    if exact is None:
        age = stated
    else:
        exact = round(exact, AGE_DECIMALS)
        if stated is None or _agrees(stated, exact):
            age = float(math.floor(exact)) if exact >= MONTHS_BELOW_Y else exact
        else:
            age = stated
            notes.append(f"the file states an age of {age_text(stated, ' y')}, but its birth date {_iso(birth)} "
                         f"and acquisition date {_iso(on)} give {age_text(exact, ' y')} ({exact:.2f} y); the "
                         "stated age is used")
    instead = {"dates": "the age from its birth and acquisition dates is used", "stated": "the stated age is used"}
    return age, tuple(f"{text}: {'age unknown' if age is None else instead[other]}" for text, other in left_out) \
        + tuple(notes)


def _agrees(stated: float, exact: float) -> bool:
    """Whether a stated age in years agrees with the exact age from the dates (see ``_age``)."""
    slack = BIRTHDAY_SLACK_DAYS / YEAR_DAYS
    if stated == math.floor(stated):
        return math.floor(exact - slack) <= stated <= math.floor(exact + slack)
    return abs(stated - exact) <= slack


def _is_cjk(ch: str) -> bool:
    """Han, kana or Hangul: scripts that write the family name first."""
    code = ord(ch)
    return (0x2E80 <= code <= 0x9FFF or 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF
            or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x3FFFF)


# a stated sex that is neither male nor female, read as none: said of the file alone, as a labs table's row or a
# typed sex may then give M or F, which the limits by sex use; their own words say which sex they used
# (``review.measurements.ranges``: "men", "women", or "sex not given: the lower of the two sexes' limits")
SEX_UNREAD = "the file gives no male or female sex"


def sex_code_note(field: str, stated, codes: dict[str, str]) -> str:
    """The reader note for a file's ``field`` (its format and element: "DICOM: Patient's Sex (0010,0040)") stating
    ``stated``, a sex that is neither male ("M") nor female ("F"), which the parsers read as unknown without a word:
    what the file said, in its standard's words (``codes``: code -> meaning) or as no code of it, and that it gives
    no male or female sex (``SEX_UNREAD``). "" where it states M, F or nothing."""
    code = str(stated or "").strip().upper()
    if not code or code in ("M", "F"):
        return ""
    known = ", ".join(f"{k} {v}" for k, v in codes.items())
    said = (f"stated as {codes[code]} ({code})" if code in codes
            else f"stated as {str(stated).strip()!r}, no code of its standard ({known})")
    return f"{field} {said}: {SEX_UNREAD}"


def person_name(given, family) -> str:
    """A patient's name as it is written: "Łukasz Wójcik" (given first), but a name all in Han, kana
    or Hangul family first without a space ("李小龙", "김민수", "佐藤花子"), as the files' own
    language writes it and a hospital's records list it; "" when neither is given."""
    given, family = (str(x or "").strip() for x in (given, family))
    letters = [ch for ch in given + family if ch.isalpha()]
    if letters and all(_is_cjk(ch) for ch in letters):     # "Tarou Yamada (山田太郎)" stays as it is
        return family + given
    return " ".join(x for x in (given, family) if x)
