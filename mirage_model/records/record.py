"""The record every reader returns: ``EcgRecord`` (12 leads, lead-first ``(L, T)`` in mV), the
lead order, the per-lead quality flags and the errors of reading."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mirage_model.csvsafe import encodable
from mirage_model.errors import MirageInputError

STANDARD_LEADS: tuple[str, ...] = (
    "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6",
)

QUALITY_FLAGS: tuple[str, ...] = ("flat", "saturated", "missing", "derived")

# A lead whose peak-to-peak amplitude over the whole record is below this is flagged flat (mV).
FLAT_PTP_MV = 0.02
# A lead that sits at its own extreme value for this long (or 4 samples, whichever is more) is
# flagged saturated: real waves do not plateau at their extreme for 80 ms.
SATURATION_RUN_S = 0.08
# A lead that stays at one end of its file's digital range for this long without a break (10 ms,
# at least 4 consecutive samples), on at least CLIP_MIN_RUNS occasions (or once for
# SATURATION_RUN_S), is flagged saturated (clipped by the recorder). Runs, not a count of samples:
# a writer that scales each lead to the whole range (wfdb-python's wrsamp from physical values,
# EDF writers that take the physical range from the data) puts the lead's own maximum and minimum
# exactly there, so every R peak as tall as the tallest touches the limit, and a 5-minute record
# has dozens of such samples. An unclipped peak stays within one quantum of its top for a few ms
# at most (LUDB at 500 Hz, 0.8 uV steps: 3 equal samples, 4 ms; PTB-XL at 100 Hz: 1 or 2 samples,
# 3 in 0.05 % of leads), while a QRS cut by an ADC sits at the rail for 10 ms and more (LUDB 1's
# lead II cut at its 99th percentile: 7 samples, 14 ms), beat after beat. At low rates the floor of
# 4 samples keeps ties at a peak apart (30 ms from the first to the last at 100 Hz). Two runs, not
# one: a lead's extreme can be a single flat stretch (PTB-XL at 100 Hz has 40-70 ms of one value at
# a lead's extreme, at its start or mid-record, in about 1 % of records); an ADC cuts every tall beat.
CLIP_RUN_S = 0.01
CLIP_MIN_SAMPLES = 4
CLIP_MIN_RUNS = 2
log = logging.getLogger(__name__)

# Samples per lead converted at a time by the readers (bounds the float64 temporaries).
_CHUNK = 1 << 18


class RecordError(MirageInputError):
    """A record that cannot be read. ``str(err)`` names the file and what is wrong.

    Attributes:
        path: the file (or record stem) at fault.
        reason: a short human sentence, e.g. "signal file is truncated (expected 12000 samples, found 5000)".
    """

    def __init__(self, path: str | Path, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class ReaderFaultError(RecordError):
    """A reader of MIRAGE's own that failed by its own fault (a bug of ours, not a damaged file):
    ``str(err)`` is "MIRAGE could not read FILE: an error in MIRAGE's FORMAT reader (please report it,
    with the file if you can): WHAT (where)". The traceback goes to the log (``raise_own_fault``).

    Attributes:
        path, reason: as RecordError's; reason is the text after "FILE: ".
        reader: the format's name ("GE CardioSoft XML", "WFDB").
        fault: the reader's exception, with its traceback (for a log).
    """

    def __init__(self, path: str | Path, reader: str, err: BaseException):
        self.reader = reader
        self.fault = err
        super().__init__(path, f"an error in MIRAGE's {reader} reader (please report it, with the file if you "
                               f"can): {_fault_place(err)}")

    def __str__(self) -> str:
        return f"MIRAGE could not read {self.path}: {self.reason}"


# Exceptions a damaged file cannot cause in a frame of MIRAGE's own code that checks what it parses:
# raised there, they are a fault of the reader (a name misspelt, an attribute of None unchecked, a call
# with the wrong arguments), not the file's. The same raised in a library's frame (ecgdatakit, pydicom,
# edfio, wfdb on a damaged file) are still the file's damage, said by ``fault_words``.
_OWN_FAULTS = (AttributeError, TypeError, NameError)
_PACKAGE = Path(__file__).resolve().parents[1]


def _innermost(err: BaseException):
    """The innermost traceback entry of ``err`` (None when it has none)."""
    tb = err.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb


def own_fault(err: BaseException) -> BaseException | None:
    """The bug of MIRAGE's reader behind ``err``, if it is one rather than a damaged file's: ``err`` or
    the exception it was raised from (a parser that wraps what it calls in its own error: ecgdatakit's
    DICOM "cannot decode an element") when that is an AttributeError, TypeError or NameError raised in
    a frame of mirage_model's own code; None otherwise."""
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        tb = _innermost(err)
        if isinstance(err, _OWN_FAULTS) and tb is not None \
                and Path(tb.tb_frame.f_code.co_filename).resolve().is_relative_to(_PACKAGE):
            return err
        err = err.__cause__
    return None


def _fault_place(err: BaseException) -> str:
    """``err``'s text and where it was raised, shortly: "'NoneType' object has no attribute 'text'
    (cardiosoft.py, line 88)"."""
    text = re.sub(r"\s+", " ", str(err)).strip()
    text = text if len(text) <= 160 else text[:157] + "..."
    tb = _innermost(err)
    where = f" ({Path(tb.tb_frame.f_code.co_filename).name}, line {tb.tb_lineno})" if tb is not None else ""
    return (text or type(err).__name__) + where


def raise_own_fault(err: BaseException, path: str | Path, reader: str) -> None:
    """Raise ReaderFaultError for ``err`` when it is MIRAGE's reader's own fault (``own_fault``), its
    traceback logged (for the report it asks for; on screen only with -v); return otherwise, for the
    caller to say what the damaged file's exception means."""
    fault = own_fault(err)
    if fault is not None:
        log.debug("MIRAGE's %s reader failed on %s", reader, path, exc_info=err)
        raise ReaderFaultError(path, reader, fault) from None


def read_guarded(read, refuse, noun: str = "record", path: str | Path | None = None, reader: str = "WFDB"):
    """``read()`` with numpy's warnings silenced, any failure but a RecordError turned into
    ``refuse(reason)`` (a RecordError naming the file): a reader's fault on a malformed file is
    still that file's error, never another exception. ``noun`` names what ran out of memory. With
    ``path``, a fault of MIRAGE's own code is said as one (``raise_own_fault``, ``reader`` the format's
    name), not blamed on the file."""
    try:
        with np.errstate(all="ignore"):   # numpy warnings are not messages for a user
            return read()
    except RecordError:
        raise
    except MemoryError:
        raise refuse(f"not enough memory to read this {noun}") from None
    except RecursionError:
        raise refuse("cannot be read (nested too deeply)") from None
    except OSError as err:     # a file of the record that cannot be opened: its name and the system's reason
        what = Path(err.filename).name if err.filename else ""
        raise refuse(f"cannot read {what or 'the file'} ({err.strerror or err})") from None
    except Exception as err:  # any other failure on a malformed file is still the file's error
        if path is not None:
            raise_own_fault(err, path, reader)
        raise refuse(f"cannot be read ({fault_words(err)})") from None


# Python's own wording of a value that is no number, and what it says to a reader of ECG files
_PY_NUMBER = ((re.compile(r"could not convert string to float: (.*)", re.S), r"\1 is not a number"),
              (re.compile(r"invalid literal for int\(\) with base \d+: (.*)", re.S), r"\1 is not a whole number"),
              (re.compile(r"cannot convert float (?:NaN|infinity) to integer"), "a number in the file is not finite"),
              (re.compile(r"int\(\) argument must be a string, a bytes-like object or a real number, not '(\w+)'"),
               r"its value is a \1, not one whole number"))
# exceptions whose text is Python's, not the file's: what they mean for a file being read
_PY_FAULTS = ((EOFError, "the file ends early or its data is damaged"),
              (IndexError, "the file ends early or its data is damaged"),
              (UnicodeError, "text in the file is not in the encoding it declares"),
              (KeyError, "a field the format requires is missing"),
              (AttributeError, "a part the format requires is missing or damaged"),
              (TypeError, "a part the format requires is missing or damaged"),
              (OverflowError, "a number in the file is out of range"),
              (ZeroDivisionError, "a number in the file is zero where the format needs another"))
# a Python class name left in a message: "(CorruptedFileError)", "ValueError: "
_CLASS_NAME = re.compile(r"\s*\((?:[\w.]+\.)?[A-Z]\w*(?:Error|Exception|Warning)\)"
                         r"|\b(?:[\w.]+\.)?[A-Z]\w*(?:Error|Exception)\b:?\s*")


def fault_words(err: BaseException, path: str | Path | None = None) -> str:
    """A reader's exception on a damaged file, in words for the person who opened it: the reader's own
    text when it has one (ecgdatakit's, wfdb's: "rhythm waveform has no valid SampleBase"), Python's
    phrasing of a value that is no number put in words ("'x' is not a number"), and an exception whose
    text is Python's alone (an index out of range, an unpack short of bytes) said by what it means for
    the file; never the exception's class name (logged, for whoever debugs the reader), and without the
    file's path or name, which the RecordError names once already."""
    log.debug("reader fault: %s: %s", type(err).__name__, err)
    text = str(err.args[0] if isinstance(err, KeyError) and err.args else err).strip()
    if path is not None:
        name = Path(path).name
        for said in (str(path), name):
            text = re.sub(rf"\s*(?:\bof|\bin|\bfor|\bfrom)?\s*'?{re.escape(said)}'?", "", text)
        text = text.strip(" :")
    if isinstance(err, KeyError) and text:
        return f"a field the format requires is missing ({text!r})"
    for pattern, words in _PY_NUMBER:
        if pattern.search(text):
            return pattern.sub(words, text)
    meaning = next((words for kind, words in _PY_FAULTS if isinstance(err, kind)), None)
    if meaning is None and (type(err).__name__ == "error" or text.startswith("unpack requires")):
        meaning = "the file ends early or its data is damaged"    # struct.error
    if meaning is not None:
        return meaning
    text = re.sub(r"\s{2,}", " ", _CLASS_NAME.sub(" ", text)).strip(" :")
    return lower_first(text) or "the file is damaged"


def lower_first(text: str) -> str:
    """``text`` with a reader's sentence-case capital left out ("Missing or invalid sampling rate" ->
    "missing ..."), for a reason that follows "name: read as ...:"; a name's capitals ("SampleBase",
    "MUSE", "I") are kept."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first[0].isupper() and first[1:].isalpha() and first[1:].islower():
        return text[0].lower() + text[1:]
    return text


@dataclass(frozen=True)
class ExtraLead:
    """A channel of the file outside the 12 standard leads that is an ECG lead all the same: a paediatric
    lead set's right-sided V3R and V4R, the posterior V7-V9 of a 15-lead export, Frank's vx, vy and vz (PTB
    Diagnostic). Kept to be drawn below the 12 (the app, the PDF); the models, the preprocessing, the
    measurements and the quality checks read the 12 alone.

    Attributes:
        name: the channel's name as the file writes it, stripped ("V4R", "vx").
        signal: float32 (T,) in mV at the record's ``fs``, T the record's; NaN where the file marks samples
            invalid, never invented.
    """

    name: str
    signal: np.ndarray


class UnscorableRecordError(RecordError):
    """A record that was read but holds no signal a model can judge (flat, constant, saturated,
    missing or too short). ``reason`` says which; it is an outcome to report, not a finding."""


@dataclass
class EcgRecord:
    """One 12-lead ECG.

    Attributes:
        signal: float32 (12, T) in mV, leads in STANDARD_LEADS order. Missing samples are NaN only
            if ``quality["missing"]`` flags that lead; loaders never invent values silently.
        fs: sampling frequency in Hz.
        sig_name: lead names as in STANDARD_LEADS (after mapping from the file's spelling).
        record_id: the record's name (file stem), e.g. "00001_lr"; a name's bytes that are not UTF-8
            (PEP 383's lone surrogates) as ``\\xNN`` (``csvsafe.encodable``, as the batch CSV writes
            it), so that the id can be written anywhere: a PDF, a UTF-8 table, a window title.
        path: path of the header file.
        age: years or None; sex: "M", "F" or None.
        dx: diagnosis codes/labels the file carries (SNOMED-CT codes from ``#Dx``, PTB-XL scp codes, PTB notes).
        quality: per-lead boolean flags, each a (12,) bool array: "flat", "saturated", "missing", "derived".
        comments: raw header comment lines; meta: any other fields (acquisition date, original leads, units...).
        extra_leads: the file's ECG leads outside the 12 (``ExtraLead``: V3R, V4R, V7-V9, Frank's vx, vy, vz), each
            (T,) mV at ``fs``, in the file's order: drawn below the 12, read by no model or measurement. A channel
            that could not be kept (unreadable, another length or rate) is named in ``meta["extra_leads_unread"]``
            (name -> why).
        found: what a check found of this signal, kept for the next caller that asks of the same record
            (``found_once``: ``quality.record_electrode_off``, ``measure.pipeline.mains_subtracted``); never copied
            by ``dataclasses.replace``, whose record may hold another signal. Each kept finding is checked against a
            digest of the samples it read, so a signal edited in place (``record.signal[...] = ...``) or put in the
            record's place is read again.
    """

    signal: np.ndarray
    fs: float
    record_id: str
    path: Path | None = None
    sig_name: tuple[str, ...] = STANDARD_LEADS
    age: float | None = None
    sex: str | None = None
    dx: tuple[str, ...] = ()
    quality: dict[str, np.ndarray] = field(default_factory=dict)
    comments: tuple[str, ...] = ()
    meta: dict = field(default_factory=dict)
    extra_leads: tuple[ExtraLead, ...] = ()
    found: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # "M\udcfcller" (a Latin-1 file name on a UTF-8 system) could be held but never written: the
        # PDF report failed with UnicodeEncodeError, the window dropped the letter
        if isinstance(self.record_id, str):
            self.record_id = encodable(self.record_id)

    @property
    def duration_s(self) -> float:
        return self.signal.shape[1] / self.fs

    def missing_share(self) -> np.ndarray:
        """float64 (12,): the share of each lead's samples that are missing (NaN); 0 for a complete
        lead, 1 for a lead the file does not carry."""
        return np.isnan(np.asarray(self.signal, dtype=np.float32)).mean(axis=1).astype(np.float64)

    def missing_text(self, lead: int, share: np.ndarray | None = None) -> str:
        """A lead's missing samples in a few words: "missing" (all of them), "withheld" (a lead the reader
        withheld, ``meta["withheld_leads"]``: an electrode off, or its units wrong), "not derived: needs I,
        withheld" (a limb lead derived from one withheld, or "... I, missing" from one missing from the file:
        ``leads.blank_sources``), "missing: V3R in its place, not V3" (a chest lead the file has no channel for,
        holding another in its place: ``leads.held_in_place``), "4% missing" (a gap), or "". ``share``:
        ``missing_share()`` when already computed (a caller asking of every lead scans the signal once)."""
        share = self.missing_share() if share is None else share
        if share[lead] <= 0:
            return ""
        if share[lead] < 0.995:
            return f"{max(1, round(float(share[lead]) * 100))}% missing"
        withheld = self.meta.get("withheld_leads") or {}
        if self.sig_name[lead] in withheld:
            return "withheld"
        from mirage_model.records.leads import blank_sources, held_in_place, sources_text  # here: leads imports this
        blank = {name for name, s in zip(self.sig_name, share) if s >= 0.995}
        needs = blank_sources(self.sig_name[lead], self.flagged_leads("derived"), blank)
        if needs:
            return f"not derived: needs {sources_text(needs, withheld, short=True)}"
        # a paediatric lead set's V3R is no V3: a reader must not take the lead it holds for the blank one
        name = self.sig_name[lead]
        instead = held_in_place(self.meta.get("absent_leads") or (), self.meta.get("dropped_leads") or ())
        return f"missing: {instead[name]} in its place, not {name}" if name in instead else "missing"

    def not_derived(self, lead: int, share: np.ndarray | None = None) -> bool:
        """Whether ``lead`` is a limb lead left blank for want of a lead it is derived from (``missing_text``, which
        says so of a derived lead only)."""
        return self.missing_text(lead, share).startswith("not derived")

    def flag_texts(self, flags: tuple[str, ...] = QUALITY_FLAGS) -> list[str]:
        """The leads carrying each of ``flags``, one text per flag that any lead carries, e.g.
        "flat: V1" or "samples missing: I, II (4% missing); V2 (missing)" (leads grouped by the share
        missing: a gap is not a missing lead). For the app's message and the report's notes."""
        out = []
        share = self.missing_share()             # once: every lead's words below read it
        for flag in flags:
            names = self.flagged_leads(flag)
            if flag == "flat":          # a lead with no samples is missing, not flat
                names = tuple(n for n in names if n not in self.blank_leads(share))
            if flag == "derived":       # a limb lead blank for want of its sources was not derived
                names = tuple(n for k, n in enumerate(self.sig_name) if n in names and not self.not_derived(k, share))
            if not names:
                continue
            if flag != "missing":
                out.append(f"{flag}: {', '.join(names)}")
                continue
            groups: dict[str, list[str]] = {}
            for k, name in enumerate(self.sig_name):
                if name in names:
                    groups.setdefault(self.missing_text(k, share) or "missing", []).append(name)
            out.append("samples missing: " + "; ".join(f"{', '.join(v)} ({t})" for t, v in groups.items()))
        return out

    def blank_leads(self, share: np.ndarray | None = None) -> tuple[str, ...]:
        """Names of the leads with no samples (the file lacks them, or the reader withheld them): "missing", never
        "flat", whose flag the loader sets on them too. ``share``: ``missing_share()`` when already computed."""
        share = self.missing_share() if share is None else share
        return tuple(name for name, s in zip(self.sig_name, share) if s >= 0.995)

    def flagged_leads(self, flag: str) -> tuple[str, ...]:
        """Names of the leads carrying quality ``flag`` ("flat", "saturated", "missing", "derived")."""
        mask = self.quality.get(flag)
        if mask is None:
            return ()
        return tuple(name for name, bad in zip(self.sig_name, mask) if bad)


# the lock held while a kept value is made (``found_once``), one per record and key, made when first asked for and
# gone when no caller holds it: none in the record, which stays picklable; _MAKING itself is guarded by _MAKING_GUARD
_MAKING: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_MAKING_GUARD = threading.Lock()


def _making_lock(record, key) -> threading.RLock:
    """The lock held while ``record``'s kept value ``key`` is made. Keyed by the record's id: while a caller holds the
    lock it holds the record too, so no other record can have taken that id."""
    with _MAKING_GUARD:
        lock = _MAKING.get((id(record), key))
        if lock is None:
            lock = _MAKING[(id(record), key)] = threading.RLock()
    return lock


def found_once(record, key, make, samples: int | None = None):
    """``make()``, kept on ``record`` (``EcgRecord.found``, under ``key``) for the next caller that asks of the same
    record: found once per record where several parts of the library read the same thing of it. A kept value is
    given back only while the record holds the same signal object and its first ``samples`` samples (None: all)
    hash the same (blake2b, about 1 ms for 10 s at 500 Hz): a signal put in the record's place, or edited in place,
    is read again. Callers in other threads asking for the same value of the same record wait for the one making it;
    those asking for another record's, or another value, do not. An object without ``found`` (``signal`` and ``fs``
    alone) keeps nothing.

    Args:
        record: an ``EcgRecord``, or another object with ``signal`` (L, T).
        key: what was found, with everything it depends on besides the samples (hashable).
        make: () -> the value. Kept values are shared by every caller: they must not be changed. A make may ask for
            another kept value of the record (never, through others, for its own).
        samples: how many samples, from the start, ``make`` reads.
    """
    kept = getattr(record, "found", None)
    if not isinstance(kept, dict):
        return make()
    signal = record.signal
    n = np.shape(signal)[1] if samples is None else min(int(samples), np.shape(signal)[1])
    digest = hashlib.blake2b(np.ascontiguousarray(np.asarray(signal)[:, :n]).tobytes(), digest_size=16).digest()
    # the app's record-load job and its model job ask at the same moment (both right after the record's preparation),
    # and each had made it; the loader threads of other records (``mirage score --workers``, the app's loader pool)
    # had waited for it too, behind one lock for every record, for tens to hundreds of milliseconds
    with _making_lock(record, key):
        got = kept.get(key)
        if got is not None and got[0] is signal and got[1] == digest:
            return got[2]
        value = make()
        kept[key] = (signal, digest, value)
    return value
