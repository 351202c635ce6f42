"""DICOM ECG waveforms: the 12-lead, General and Ambulatory ECG IODs (DICOM PS3.3 A.34), and a
Hemodynamic Waveform (A.36) that holds ECG leads, whose samples are in the Waveform module's multiplex
groups (PS3.3 C.10.9), and their storage SOP classes (PS3.4 B.5).

ecgdatakit's DICOM parser reads the file; this module checks first that it is an ECG waveform
(what pydicom says of the file is left to the full read's notes, :mod:`reader_notes`), and adapts
the parser: it takes the rhythm :func:`rhythm_group` picks, joins the groups recorded together
into one (PS3.3 A.34.3.4.4), refuses groups recorded one after another, reads 16-bit samples whose
Waveform Sample Interpretation is missing as signed or unsigned by what the samples show (with a
reader note; refused when neither reads like an ECG, and for other widths), refuses a rhythm whose
channel count disagrees with its channel definitions or its Waveform Data, or whose Channel
Sensitivity or Correction Factor is no number above 0, naming the field (PS3.3 Table C.10-9),
makes a lead whose Channel Status is DISCONNECTED or INVALID missing, and keeps a patient's middle
and ideographic names and an age in days, weeks or months ("003M") as a fraction of a year.
"""

from __future__ import annotations

import copy
import math
import re
import warnings
from pathlib import Path

import numpy as np

from mirage_model.formats.assemble import fail, fail_unless_ours, misread_16bit, person_name
from mirage_model.formats.extra import require
from mirage_model.formats.reader_notes import collect_reader_notes
from mirage_model.limits import MAX_SAMPLES, length_words, too_long_advice
from mirage_model.records.age import YEAR_DAYS
from mirage_model.records.leads import canonical_lead, derivable_leads, standard_leads_named
from mirage_model.records.record import STANDARD_LEADS, fault_words, own_fault
from mirage_model.words import counted

# DICOM waveform storage SOP classes that hold an ECG (PS3.4 B.5).
_ECG_SOP = {
    "1.2.840.10008.5.1.4.1.1.9.1.1": "12-lead ECG",
    "1.2.840.10008.5.1.4.1.1.9.1.2": "General ECG",
    "1.2.840.10008.5.1.4.1.1.9.1.3": "Ambulatory ECG",
}
# A cath lab's Hemodynamic Waveform (PS3.3 A.36) may hold the 12 ECG leads beside its pressures: a GE
# Marquette Mac-Lab stores its 12-lead ECG as one (Modality ECG). Read when a group holds ECG leads.
_HEMODYNAMIC_SOP = "1.2.840.10008.5.1.4.1.1.9.2.1"

_MEDIAN_LABEL_WORDS = ("MEDIAN", "REPRESENTATIVE", "AVERAGE")   # ecgdatakit's, for a median beat's group
# A multiplex group shorter than this is a beat's length (a median beat is 0.6 to 1.5 s), never
# preferred as the rhythm for holding the 12 leads.
MIN_RHYTHM_S = 2.0


def check_dicom(path: Path) -> None:
    """A DICOM file must be an ECG waveform (12-lead, General or Ambulatory ECG), or a Hemodynamic
    Waveform one of whose multiplex groups holds ECG leads."""
    pydicom = require("pydicom", path, "dicom-ecg")
    try:
        # force: a DICOM without its 128-byte preamble, which registry.sniff recognised as one;
        # pydicom's complaints here are said again by the full read (its reader warnings): dropped
        with collect_reader_notes():    # elements are decoded when read: SOPClassUID too
            ds = pydicom.dcmread(str(path), stop_before_pixels=True, specific_tags=[(0x0008, 0x0016)], force=True)
            sop = str(getattr(ds, "SOPClassUID", "") or "")
    except Exception as err:
        raise fail_unless_ours(path, "dicom-ecg", err, f"the file cannot be parsed ({fault_words(err, path)}): "
                                                       "it is damaged or cut short") from None
    if sop == _HEMODYNAMIC_SOP:
        _check_hemodynamic(path, pydicom)
    elif sop in _ECG_SOP:
        _check_length(path, pydicom)
    else:
        if sop and not re.fullmatch(r"[0-9]+(\.[0-9]+)*", sop):   # PS3.5 9.1: digits and dots
            raise fail(path, "dicom-ecg", f"its SOP Class UID '{sop}' is not a valid UID (digits separated "
                                          "by dots): the file is damaged or cut short")
        try:
            with collect_reader_notes():
                name = pydicom.uid.UID(sop).name if sop else "none"
        except Exception:
            name = sop
        raise fail(path, "dicom-ecg", f"the file holds no ECG waveform (its SOP class: {name})")


def _check_length(path: Path, pydicom) -> None:
    """A waveform group declaring more than MAX_SAMPLES samples a channel is refused before its samples are
    decoded (they were decoded whole, then refused: a 221 MB file of 2.6 h at 1000 Hz took 7 s and 1.9 GB),
    naming its length and what to do (``limits.too_long_advice``). The counts are read with the samples
    left on disk (``defer_size``); a group whose count cannot be read, or whose Waveform Data does not hold
    that many samples, is left to the full read."""
    try:
        with collect_reader_notes():
            ds = pydicom.dcmread(str(path), force=True, defer_size=4096)
            groups = [(int(wf.get("NumberOfWaveformSamples") or 0), float(wf.get("SamplingFrequency") or 0),
                       str(wf.get("MultiplexGroupLabel") or "").strip(),
                       int(wf.get("NumberOfWaveformChannels") or 0) * int(wf.get("WaveformBitsAllocated") or 0) // 8,
                       getattr(wf.get_item((0x5400, 0x1010)), "length", None))
                      for wf in ds.get("WaveformSequence") or []]
    except Exception:
        return          # the full read says what is wrong
    for n, fs, label, frame_bytes, held in groups:
        # a count its Waveform Data does not hold is a damaged field, which the full read names as such
        if n > MAX_SAMPLES and held == n * frame_bytes:
            length = f" ({length_words(n / fs)} at {fs:g} Hz)" if math.isfinite(fs) and fs > 0 else ""
            raise fail(path, "dicom-ecg", f"its {label or 'waveform'} group holds {n:,} samples a channel{length}; "
                                          f"at most {MAX_SAMPLES:,} are read{too_long_advice(fs, MAX_SAMPLES)}")


def _check_hemodynamic(path: Path, pydicom) -> None:
    """A Hemodynamic Waveform is read when one of its multiplex groups holds an ECG lead; refused
    otherwise, naming its channels (pressures, say)."""
    try:
        with collect_reader_notes():
            ds = pydicom.dcmread(str(path), force=True)
            groups = list(ds.get("WaveformSequence") or [])
            if any(_group_leads(wf) for wf in groups):
                return
            channels = [_channel_name(ch) for wf in groups for ch in wf.get("ChannelDefinitionSequence") or []]
    except Exception as err:
        raise fail_unless_ours(path, "dicom-ecg", err, f"the file cannot be parsed ({fault_words(err, path)}): "
                                                       "it is damaged or cut short") from None
    named = ", ".join(x for x in channels[:6] if x) + (", ..." if len(channels) > 6 else "")
    raise fail(path, "dicom-ecg", "a Hemodynamic Waveform DICOM without ECG leads (its channels: "
                                  f"{named or 'none named'}): no ECG to read")


def _channel_name(ch) -> str:
    """A channel's name for a message: its source's code meaning, else its Channel Label."""
    source = ch.get("ChannelSourceSequence") or []
    meaning = str(source[0].get("CodeMeaning") or "").strip() if source else ""
    return meaning or str(ch.get("ChannelLabel") or "").strip()


def _labelled_median(label) -> bool:
    """Whether a multiplex group's Multiplex Group Label (the pydicom element's value, or the label
    ecgdatakit's ``raw_metadata`` keeps) names a median beat, as ecgdatakit tells one: it holds
    MEDIAN, REPRESENTATIVE or AVERAGE, in any case."""
    text = str(label or "").upper()
    return any(word in text for word in _MEDIAN_LABEL_WORDS)


def rhythm_group(groups) -> int | None:
    """Which DICOM multiplex group (an item of the Waveform Sequence, PS3.3 C.10.9) holds the rhythm:
    of the groups not labelled a median beat (MultiplexGroupLabel), one whose ECG leads give the 12
    (with the limb leads Einthoven's and Goldberger's identities derive) and that lasts MIN_RHYTHM_S
    or more before one that lacks some, one with ECG leads before one without (a General ECG's
    respiration or pressure group, a continuous lead II strip longer than the 12-lead rhythm), an
    ORIGINAL one before a DERIVED one (Waveform Originality: a median beat is derived from the
    rhythm), then the longest in seconds, then the first. None when no group qualifies.

    Args:
        groups: the Waveform Sequence's items (pydicom Datasets).
    """
    best, key = None, None
    for k, wf in enumerate(groups):
        if _labelled_median(wf.get("MultiplexGroupLabel")):
            continue
        seconds = _group_seconds(wf)
        original = str(wf.get("WaveformOriginality") or "").strip().upper() != "DERIVED"
        leads = set(_group_leads(wf))
        # (a group of a beat's length is no rhythm however many leads it has: an unlabelled median
        # beat beside a rhythm of fewer leads stays the beat, and the rhythm is refused for its leads)
        complete = set(STANDARD_LEADS) <= leads | derivable_leads(leads) and seconds >= MIN_RHYTHM_S
        if key is None or (complete, bool(leads), original, seconds) > key:
            best, key = k, (complete, bool(leads), original, seconds)
    return best


# Patient's Age (0010,1010), an AS value "nnnD", "nnnW", "nnnM" or "nnnY": how many of each unit make a year
_AGE_UNITS = {"D": YEAR_DAYS, "W": YEAR_DAYS / 7, "M": 12.0, "Y": 1.0}


def stated_age(ds) -> float | None:
    """Patient's Age (PS3.5 6.2, VR AS: "003M") in years as a fraction (0.25), or None when it is
    absent or not an AS value."""
    text = str(ds.get("PatientAge") or "").strip().upper()
    if len(text) == 4 and text[:3].isdigit() and text[3] in _AGE_UNITS:
        return int(text[:3]) / _AGE_UNITS[text[3]]
    return None


def adapt_parser(parser):
    """ecgdatakit's DICOM parser, made to take the rhythm ``rhythm_group`` picks: it takes the
    first group that is not labelled a median beat, so an unlabelled median beat stored first
    (1.2 s) would be read as the record although the 10 s rhythm follows it. The rhythm's group
    is moved to the front of the Waveform Sequence; each group keeps its number, which the
    annotations refer to."""
    import pydicom   # lazy: the formats extra (check_dicom required it)
    from ecgdatakit.exceptions import CorruptedFileError

    class RhythmFirst(type(parser)):
        def parse(self, file_path: Path):
            try:
                ds = pydicom.dcmread(str(file_path), force=True)   # as check_dicom
                groups = list(ds.get("WaveformSequence") or [])
            except Exception:
                return super().parse(file_path)      # its own error says what is wrong
            from ecgdatakit.exceptions import CorruptedFileError, ECGDataKitError

            for i, wf in enumerate(groups):
                # ecgdatakit int()s it: "NaN" or "inf" gave "cannot convert float NaN to integer"
                try:
                    rate = float(wf.get("SamplingFrequency"))
                except (TypeError, ValueError):
                    continue                          # absent or no number: its own error says so
                if not math.isfinite(rate):
                    raise CorruptedFileError(f"DICOM multiplex group {i + 1}: Sampling Frequency "
                                             f"{wf.get('SamplingFrequency')} is not a finite number")
            k = rhythm_group(groups)
            self._number = {id(wf): i for i, wf in enumerate(groups)}
            self._rhythm_read = False
            if k is not None:
                groups, k = _join_simultaneous(groups, k, self._is_little_endian(ds), self._number)
            if k:
                ds.WaveformSequence = pydicom.sequence.Sequence([groups[k]] + groups[:k] + groups[k + 1:])
            elif k == 0:
                ds.WaveformSequence = pydicom.sequence.Sequence(groups)
            try:
                return self._parse_dataset(ds, file_path)
            except Exception as err:
                # as ecgdatakit's parse(): its own errors and warnings pass, others name the element; a
                # bug of MIRAGE's own (here or in the methods it adapts) passes too, to be said as one
                if isinstance(err, (ECGDataKitError, Warning)) or own_fault(err) is not None:
                    raise
                raise CorruptedFileError(f"DICOM: cannot decode an element: {fault_words(err)}") from err

        def _read_group(self, wf, index, little_endian):
            index = getattr(self, "_number", {}).get(id(wf), index)
            # ecgdatakit's rhythm: the first group read that is not labelled a median beat
            rhythm = not getattr(self, "_rhythm_read", True) and not _labelled_median(wf.get("MultiplexGroupLabel"))
            problem = _infer_interpretation(wf, little_endian, index + 1)
            problem = problem or _group_problem(wf)
            if problem:
                if rhythm:
                    raise CorruptedFileError(f"DICOM multiplex group {index + 1}: {problem}")
                # another group (a median beat, a second strip): left out rather than read wrong
                warnings.warn(f"DICOM: multiplex group {index + 1} is left out: {problem}")
                return None
            self._checking, self._group_number = rhythm, index + 1
            try:
                group = super()._read_group(wf, index, little_endian)
            except CorruptedFileError as err:
                # ecgdatakit counts the groups from 0, every message of ours from 1 (the first item of the
                # Waveform Sequence): one group must not be "group 0" in one message and "group 1" in another
                own = f"DICOM multiplex group {index}:"
                if str(err).startswith(own):
                    raise CorruptedFileError(f"DICOM multiplex group {index + 1}:{str(err)[len(own):]}") from err
                raise
            finally:
                self._checking = False
            if rhythm and group is not None:
                self._rhythm_read = True
            return group

        def _read_channel(self, ch_def, ch, samples, rate):
            lead, label, filt = super()._read_channel(ch_def, ch, samples, rate)
            if getattr(self, "_checking", False) and ch_def is not None and canonical_lead(lead.label or ""):
                # an ECG lead of the rhythm: a scale field that is no finite (positive) number is named;
                # ecgdatakit multiplies them into one "resolution", or reads one that is no number as absent
                problem = _scale_problem(ch_def)
                if problem:
                    raise CorruptedFileError(f"DICOM multiplex group {self._group_number}, channel {ch + 1} "
                                             f"(lead {lead.label}): {problem}")
                _apply_channel_status(lead, ch_def)
            return lead, label, filt

        def _read_patient(self, ds, acquired, meta):
            # ecgdatakit keeps the alphabetic group's family and given names alone: the middle name
            # went to meta, and a Japanese "Yamada^Tarou=山田^太郎=やまだ^たろう" (ISO 2022 IR 87)
            # lost its ideographic name, or printed as "=山田^太郎" when only that group is there
            info = super()._read_patient(ds, acquired, meta)
            # Patient's Age alone (the parser's whole years: an infant's "003M" was 0); where it is absent,
            # the parser's whole years from the dates would pass for a stated age
            info.age = stated_age(ds)
            pn = ds.get("PatientName")
            if pn is None or not hasattr(pn, "components"):
                return info
            middle = (getattr(pn, "middle_name", "") or "").strip()
            if middle:
                info.first_name = " ".join(x for x in (info.first_name, middle) if x)
            # PS3.5 6.2.1.2: alphabetic = ideographic = phonetic, each family^given^middle^prefix^suffix
            groups = [str(g) for g in pn.components]
            ideographic = person_name(*reversed((groups[1].split("^") + ["", ""])[:2])) if len(groups) > 1 else ""
            if ideographic:
                alphabetic = groups[0].strip("^ ")
                if not alphabetic:
                    info.first_name, info.last_name = "", ideographic
                elif ideographic not in (info.first_name, info.last_name):
                    info.last_name = f"{info.last_name} ({ideographic})".strip()
            return info

    return RhythmFirst()


# Waveform Bits Allocated -> bytes a sample (PS3.3 C.10.9.1.5: 8, 16, 32 and 64 bit encodings)
_SAMPLE_BYTES = {8: 1, 16: 2, 32: 4, 64: 8}
# A channel's scale fields (PS3.3 Table C.10-9): physical = sample x Channel Sensitivity x Channel
# Sensitivity Correction Factor + Channel Baseline (a baseline that is no number is named by vendor's
# offset check)
_SCALE_FIELDS = (("ChannelSensitivity", "Channel Sensitivity (003A,0210)"),
                 ("ChannelSensitivityCorrectionFactor", "Channel Sensitivity Correction Factor (003A,0212)"))


def _group_problem(wf) -> str | None:
    """What makes a multiplex group's fields fail to describe its Waveform Data, in words; None when
    they describe it (or a field is absent or unreadable: ecgdatakit's own checks say so).

    Waveform Sample Interpretation is required (Type 1): without it ecgdatakit took 16-bit samples
    as signed, and unsigned ones (US, with a baseline) were read 163.84 mV off wherever the signal
    crossed zero, silently. 16-bit samples have it inferred before (``_infer_interpretation``); other
    widths without it are refused here.

    The Channel Definition Sequence has one item per channel (PS3.3 Table C.10-9), and Waveform Data
    holds Number of Waveform Samples x Number of Waveform Channels samples, padded to an even length
    (PS3.5 7.1). A group that states fewer channels than its data hold was read channel by
    channel out of step (8 of 12 interleaved channels: every lead another's samples, and the limb
    leads derived from them), and one with more samples than stated cut short silently; data too
    short for the counts are refused by ecgdatakit.
    """
    from ecgdatakit.parsing.parsers.dicom_waveform import _SAMPLE_DTYPES

    try:
        channels = int(wf.get("NumberOfWaveformChannels") or 0)
        samples = int(wf.get("NumberOfWaveformSamples") or 0)
        bits = int(wf.get("WaveformBitsAllocated") or 0)
    except (TypeError, ValueError):
        return None
    data = wf.get("WaveformData")
    defs = wf.get("ChannelDefinitionSequence")
    if data is None or channels <= 0 or samples <= 0:
        return None
    interpretation = str(wf.get("WaveformSampleInterpretation") or "").strip().upper()
    if not interpretation:   # (16-bit samples have had theirs inferred from the data: _infer_interpretation)
        return (f"Waveform Sample Interpretation (5400,1006) is missing, so whether its {bits}-bit samples "
                "are signed, unsigned or companded (SS, US, MB ...) is not stated")
    if defs is not None and len(defs) != channels:
        return (f"Number of Waveform Channels is {channels} but the Channel Definition Sequence "
                f"defines {len(defs)} channels")
    if (bits, interpretation) not in _SAMPLE_DTYPES:
        return None      # ecgdatakit names the encoding it does not know
    size = _SAMPLE_BYTES[bits]
    frame = channels * size
    extra = len(data) - samples * frame
    if extra >= frame:
        return (f"Waveform Data holds {len(data):,} bytes, {counted(extra // frame, 'sample', ',')} a channel more "
                f"than the {counted(samples, 'sample', ',')} x {counted(channels, 'channel')} x {size} bytes its "
                "counts state")
    return None


def _infer_interpretation(wf, little_endian: bool, number: int) -> str | None:
    """Give a 16-bit multiplex group without Waveform Sample Interpretation (5400,1006) the one its
    samples show, with a reader note naming the missing field; the problem in words when neither
    signed (SS) nor unsigned (US) reads like an ECG; None when there is nothing to infer.

    The standard makes the field Type 1, but carts omit it. Signed samples read as unsigned wrap
    around 0/65535 wherever the signal crosses 0 V; unsigned ones read as signed wrap at 32767/-32768
    wherever the signal crosses the middle of the range. A reading is taken when no ECG channel
    steps by 32768 counts or more and each one's median, with its Channel Baseline, lies within
    16384 counts of 0 V; when both readings pass and differ, the one nearer 0 V. Samples below
    32768 read alike either way (signed). Other widths are not inferred (8 bits may also be
    companded, MB/AB), and stay refused by ``_group_problem``."""
    if str(wf.get("WaveformSampleInterpretation") or "").strip():
        return None
    try:
        channels = int(wf.get("NumberOfWaveformChannels") or 0)
        bits = int(wf.get("WaveformBitsAllocated") or 0)
    except (TypeError, ValueError):
        return None
    data = wf.get("WaveformData")
    if bits != 16 or data is None or channels <= 0:
        return None
    data = bytes(data)
    n = len(data) // (2 * channels)
    if n == 0:
        return None                   # no samples to judge: its counts are refused on their own
    codes = np.frombuffer(data[:n * channels * 2], dtype="<u2" if little_endian else ">u2").reshape(n, channels)
    pad = bytes(wf.get("WaveformPaddingValue") or b"")
    pad = int.from_bytes(pad[:2], "little" if little_endian else "big") if len(pad) >= 2 else None
    defs = list(wf.get("ChannelDefinitionSequence") or [])
    picked = _channels_judged(defs, channels)
    judged = [(label, codes[:, ch][codes[:, ch] != pad].astype(np.int64), _baseline_counts(defs, ch))
              for ch, label in picked]
    readings = {"SS": [(label, np.where(u >= 32768, u - 65536, u), base) for label, u, base in judged],
                "US": judged}
    why = {code: _unlike_ecg(reading) for code, reading in readings.items()}
    passing = [code for code in ("SS", "US") if why[code] is None]
    missing = f"multiplex group {number}: Waveform Sample Interpretation (5400,1006) is missing"
    if not passing:
        return (f"Waveform Sample Interpretation (5400,1006) is missing, and its 16-bit samples read like no "
                f"ECG as signed (SS: {why['SS']}) or as unsigned (US: {why['US']})")
    if not any((u >= 32768).any() for _, u, _ in judged):
        code, how = "SS", "its samples are all below 32768, which read alike as signed and unsigned"
    elif len(passing) == 2:
        code = min(passing, key=lambda c: max((abs(float(np.median(x)) + b) for _, x, b in readings[c] if x.size),
                                              default=0.0))
        how = "both readings look like an ECG; the one nearer 0 V was taken"
    else:
        code = passing[0]
        other = "US" if code == "SS" else "SS"
        how = f"read as {'unsigned (US)' if other == 'US' else 'signed (SS)'} they would be no ECG ({why[other]})"
    wf.WaveformSampleInterpretation = code
    read = "signed (SS)" if code == "SS" else "unsigned (US)"
    warnings.warn(f"DICOM: {missing}; its 16-bit samples were read as {read}: {how}")
    return None


def _channels_judged(defs: list, channels: int) -> list[tuple[int, str]]:
    """(channel index, lead) of a group's ECG channels, by the names ``_group_leads`` gives them;
    every channel (named by its number) when none is an ECG lead."""
    from ecgdatakit.parsing.parsers.dicom_waveform import (_code_parts, _first_code, _lead_from_code,
                                                           _lead_from_meaning, _text)
    ecg = []
    for ch, item in enumerate(defs[:channels]):
        scheme, value, meaning = _code_parts(_first_code(item, "ChannelSourceSequence"))
        label = _lead_from_code(scheme, value) or _lead_from_meaning(meaning) or _text(item.get("ChannelLabel"))
        lead = canonical_lead(label or "")
        if lead is not None:
            ecg.append((ch, lead[0]))
    return ecg or [(ch, f"channel {ch + 1}") for ch in range(channels)]


def _baseline_counts(defs: list, ch: int) -> float:
    """A channel's Channel Baseline in counts (it is in the sensitivity's units), 0 when not stated."""
    try:
        item = defs[ch]
        baseline = float(item.get("ChannelBaseline") or 0.0)
        scale = float(item.get("ChannelSensitivity")) * float(item.get("ChannelSensitivityCorrectionFactor") or 1.0)
    except (IndexError, TypeError, ValueError):
        return 0.0
    if not (math.isfinite(baseline) and math.isfinite(scale) and scale > 0):
        return 0.0
    return baseline / scale


def _unlike_ecg(reading: list) -> str | None:
    """Why a reading's channels (lead, counts, baseline in counts) are no ECG, or None
    (``assemble.misread_16bit``: a step of 32768 counts or more, or a median 16384 or more from 0 V)."""
    for label, x, base in reading:
        odd = misread_16bit(x, base)
        if odd is not None:
            return (f"lead {label} wraps around the 16-bit range" if math.isnan(odd)
                    else f"lead {label} sits {odd:.0f} counts from 0 V")
    return None


def _scale_problem(ch_def) -> str | None:
    """A channel's Channel Sensitivity or Correction Factor that is present but no finite number
    above 0, in words; None when both are fine (or absent: vendor names a missing sensitivity).
    ecgdatakit multiplies the two into one "resolution", so its message could not say which was
    wrong, and it read a value that is no number ("2,5") as absent."""
    for keyword, name in _SCALE_FIELDS:
        raw = ch_def.get(keyword)
        text = str(raw).strip() if raw is not None else ""
        if not text:
            continue
        try:
            value = float(raw)
        except (TypeError, ValueError):
            return f"{name} {text!r} is not a number"
        if not (math.isfinite(value) and value > 0):
            return f"{name} {text} is not a positive number (finite, above 0)"
    return None


# Channel Status (003A,0301) terms (PS3.3 Table C.10-9) under which a channel's samples are no signal
_NO_SIGNAL_STATUS = {"DISCONNECTED", "INVALID"}


def _apply_channel_status(lead, ch_def) -> None:
    """Act on a rhythm lead's Channel Status: DISCONNECTED or INVALID samples are no signal, so the
    lead is made missing (NaN, flagged "missing" as padding is) instead of read as a flat or noisy
    lead; any other term but OK (TEST DATA, QUESTIONABLE, UNCALIBRATED, UNZEROED) is said in a reader
    note beside the record. ecgdatakit kept the status as an annotation that nothing read."""
    raw = ch_def.get("ChannelStatus")
    values = raw if isinstance(raw, (list, tuple)) or type(raw).__name__ == "MultiValue" else [raw]
    terms = [str(v).strip().upper() for v in values if v is not None and str(v).strip()]
    if not terms or set(terms) == {"OK"}:
        return
    said = ", ".join(terms)
    if _NO_SIGNAL_STATUS & set(terms):
        lead.samples = np.full(len(lead.samples), np.nan)
        warnings.warn(f"DICOM: lead {lead.label}: Channel Status {said}: its samples are no signal and are "
                      "left out (the lead is missing)")
    else:
        warnings.warn(f"DICOM: lead {lead.label}: Channel Status {said}: the file marks its samples so; "
                      "they are read as they are")


def _group_leads(wf) -> list[str]:
    """The standard leads a DICOM multiplex group's channels are, from each channel's source code,
    its meaning or its label (as ecgdatakit names them), in channel order."""
    from ecgdatakit.parsing.parsers.dicom_waveform import (_code_parts, _first_code, _lead_from_code,
                                                           _lead_from_meaning, _text)
    labels = []
    for ch in wf.get("ChannelDefinitionSequence") or []:
        scheme, value, meaning = _code_parts(_first_code(ch, "ChannelSourceSequence"))
        labels.append(_lead_from_code(scheme, value) or _lead_from_meaning(meaning) or _text(ch.get("ChannelLabel")))
    return standard_leads_named(labels)


def _group_seconds(wf) -> float:
    """A multiplex group's length in seconds (0 when its fields cannot say)."""
    try:
        return int(wf.get("NumberOfWaveformSamples") or 0) / float(wf.get("SamplingFrequency") or 0)
    except (TypeError, ValueError, ZeroDivisionError):
        return 0.0


def _group_offset(wf) -> float | None:
    """A multiplex group's Multiplex Group Time Offset (0018,1068) in ms, None when not stated."""
    try:
        value = float(wf.get("MultiplexGroupTimeOffset"))
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _group_layout(wf) -> tuple | None:
    """What two multiplex groups must share for their channels to form one group: rate, samples,
    sample encoding, padding value, originality; None when a field cannot be read."""
    try:
        return (float(wf.get("SamplingFrequency")), int(wf.get("NumberOfWaveformSamples")),
                int(wf.get("WaveformBitsAllocated")), str(wf.get("WaveformSampleInterpretation") or "").strip().upper(),
                bytes(wf.get("WaveformPaddingValue") or b""),
                str(wf.get("WaveformOriginality") or "").strip().upper())
    except (TypeError, ValueError):
        return None


def _join_simultaneous(groups: list, k: int, little_endian: bool, number: dict) -> tuple[list, int]:
    """The Waveform Sequence's groups with the rhythm (group ``k``) joined by the groups recorded
    with it, and the rhythm's new index.

    A 12-lead ECG may spread its leads over up to five multiplex groups (PS3.3 A.34.3.4.4): groups
    recorded together (the same Multiplex Group Time Offset, stated in each, and the same rate,
    number of samples and sample encoding) hold one ECG, and their channels are read as one group
    (``number`` then gives the joined group the rhythm's number). Groups that hold leads the rhythm
    lacks but are not stated to be recorded with it (the strip chart's four groups of three leads
    recorded one after another, PS3.3 A.34.3.4.4's example, or groups without a time offset) are no
    simultaneous 12-lead ECG: the file is refused naming the groups and their leads, rather than as
    missing the leads a group beside it holds.

    Raises:
        CorruptedFileError: the rhythm lacks leads that groups not recorded with it hold.
    """
    from ecgdatakit.exceptions import CorruptedFileError
    from ecgdatakit.parsing.parsers.dicom_waveform import _DEFAULT_INTERPRETATION, _SAMPLE_DTYPES

    rhythm = groups[k]
    leads = {i: _group_leads(wf) for i, wf in enumerate(groups)}
    offset, layout = _group_offset(rhythm), _group_layout(rhythm)
    medians = {i for i, wf in enumerate(groups) if _labelled_median(wf.get("MultiplexGroupLabel"))}
    partners, joined_leads = [], set(leads[k])
    for i, wf in enumerate(groups):
        if (i != k and i not in medians and leads[i] and offset is not None and layout is not None
                and _group_offset(wf) == offset and _group_layout(wf) == layout
                and not set(leads[i]) & joined_leads):   # a lead twice is no partner: two recordings of it
            partners.append(i)
            joined_leads |= set(leads[i])
    if partners:
        try:
            bits, interpretation = layout[2], layout[3] or _DEFAULT_INTERPRETATION.get(layout[2], "")
            dtype = np.dtype(_SAMPLE_DTYPES[(bits, interpretation)]).newbyteorder("<" if little_endian else ">")
            n = layout[1]
            joined, arrays, channels = copy.deepcopy(rhythm), [], []
            for i in [k, *partners]:
                wf = groups[i]
                c = int(wf.get("NumberOfWaveformChannels"))
                defs = list(wf.get("ChannelDefinitionSequence") or [])
                data = bytes(wf.get("WaveformData") or b"")
                if len(defs) != c or len(data) < n * c * dtype.itemsize:
                    raise ValueError(f"group {i + 1}: channels or data do not match")
                arrays.append(np.frombuffer(data[: n * c * dtype.itemsize], dtype=dtype).reshape(n, c))
                channels.extend(copy.deepcopy(ch) for ch in defs)
        except (KeyError, TypeError, ValueError):
            partners = []          # read as before: the rhythm group alone
        else:
            import pydicom   # lazy: the formats extra
            joined.WaveformData = np.concatenate(arrays, axis=1).tobytes()   # (n, channels of all)
            joined.NumberOfWaveformChannels = sum(a.shape[1] for a in arrays)
            joined.ChannelDefinitionSequence = pydicom.sequence.Sequence(channels)
            number[id(joined)] = number.get(id(rhythm), k)
            warnings.warn(f"DICOM: multiplex groups {', '.join(str(i + 1) for i in sorted([k, *partners]))} "
                          f"(Multiplex Group Time Offset {offset:g} ms each, {layout[0]:g} Hz, {layout[1]} samples) "
                          "were recorded together and are read as one 12-lead rhythm")
            kept = [joined if i == k else wf for i, wf in enumerate(groups) if i not in partners]
            return kept, kept.index(joined)
    have = set(leads[k])
    have_all = have | derivable_leads(have)
    apart = {i: [lead for lead in leads[i] if lead not in have_all]
             for i in range(len(groups)) if i != k and i not in medians and _group_seconds(groups[i]) >= MIN_RHYTHM_S}
    apart = {i: missing for i, missing in apart.items() if missing}
    if apart and not set(STANDARD_LEADS) <= have_all:
        def group_text(i: int) -> str:
            seconds = _group_seconds(groups[i])
            length = f", {seconds:.3g} s" if seconds else ""
            at = _group_offset(groups[i])
            when = f" from {at:g} ms" if at is not None else ", no time offset stated"
            return f"group {i + 1} ({', '.join(leads[i]) or 'no ECG lead'}{length}{when})"
        raise CorruptedFileError(
            f"the ECG leads are in {1 + len(apart)} multiplex groups not stated to be recorded together: "
            f"{group_text(k)} is the rhythm, and {'; '.join(group_text(i) for i in sorted(apart))} hold the other "
            "leads (a 12-lead ECG's groups are read as one only when each states the same Multiplex Group Time "
            "Offset, rate and length)")
    return groups, k


def stated_rate(meta: dict, part: str = "rhythm"):
    """The rhythm's (``part`` "rhythm") or the median beat's ("median") Sampling Frequency as the file
    states it, from ecgdatakit's ``raw_metadata``: the first multiplex group read that is not labelled a
    median beat, or the first that is, as ecgdatakit chooses each; None when there is none."""
    median = part == "median"
    groups = [g for g in meta.get("multiplex_groups") or () if _labelled_median(g.get("label")) == median]
    return groups[0].get("sampling_frequency") if groups else None
