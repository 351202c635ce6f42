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
The choice of the rhythm and the joining of groups are :mod:`dicom_groups`'; the checks of a group's
samples, their encoding, scale and Channel Status, :mod:`dicom_samples`'.
"""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

from mirage_model.formats.assemble import fail, fail_unless_ours, person_name, sex_code_note
from mirage_model.formats.dicom_cut import read_before_cut_group
from mirage_model.formats.dicom_groups import group_leads, join_simultaneous, labelled_median, rhythm_group
from mirage_model.formats.dicom_samples import (apply_channel_status, group_problem, infer_interpretation,
                                                padding_in_range, scale_problem)
from mirage_model.formats.extra import require
from mirage_model.formats.reader_notes import collect_reader_notes
from mirage_model.limits import MAX_SAMPLES, length_words, too_long_advice
from mirage_model.records.age import YEAR_DAYS
from mirage_model.records.leads import canonical_lead
from mirage_model.records.record import fault_words, own_fault

# DICOM waveform storage SOP classes that hold an ECG (PS3.4 B.5).
_ECG_SOP = {
    "1.2.840.10008.5.1.4.1.1.9.1.1": "12-lead ECG",
    "1.2.840.10008.5.1.4.1.1.9.1.2": "General ECG",
    "1.2.840.10008.5.1.4.1.1.9.1.3": "Ambulatory ECG",
}
# A cath lab's Hemodynamic Waveform (PS3.3 A.36) may hold the 12 ECG leads beside its pressures: a GE
# Marquette Mac-Lab stores its 12-lead ECG as one (Modality ECG). Read when a group holds ECG leads.
_HEMODYNAMIC_SOP = "1.2.840.10008.5.1.4.1.1.9.2.1"


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
            if any(group_leads(wf) for wf in groups):
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


# Patient's Age (0010,1010), an AS value "nnnD", "nnnW", "nnnM" or "nnnY": how many of each unit make a year
_AGE_UNITS = {"D": YEAR_DAYS, "W": YEAR_DAYS / 7, "M": 12.0, "Y": 1.0}


# Patient's Sex (0010,0040), PS3.3 C.7.1.1.1: its defined terms
_SEX_CODES = {"M": "male", "F": "female", "O": "other"}


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
                ds, groups = None, None
            # a file cut inside a median beat's group: read up to that group, the rhythm whole before it, no median
            # beat (``beats_cut``: the reader note says so, ``vendor``)
            before = read_before_cut_group(Path(file_path), groups)
            self.beats_cut = before is not None
            ds, groups = before or (ds, groups)
            if ds is None:
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
                groups, k = join_simultaneous(groups, k, self._is_little_endian(ds), self._number)
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
            rhythm = not getattr(self, "_rhythm_read", True) and not labelled_median(wf.get("MultiplexGroupLabel"))
            problem = infer_interpretation(wf, little_endian, index + 1)
            problem = problem or group_problem(wf)
            if not problem:
                padding_in_range(wf, little_endian, index + 1)
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
                problem = scale_problem(ch_def)
                if problem:
                    raise CorruptedFileError(f"DICOM multiplex group {self._group_number}, channel {ch + 1} "
                                             f"(lead {lead.label}): {problem}")
                apply_channel_status(lead, ch_def)
            return lead, label, filt

        def _read_patient(self, ds, acquired, meta):
            # ecgdatakit keeps the alphabetic group's family and given names alone: the middle name
            # went to meta, and a Japanese "Yamada^Tarou=山田^太郎=やまだ^たろう" (ISO 2022 IR 87)
            # lost its ideographic name, or printed as "=山田^太郎" when only that group is there
            info = super()._read_patient(ds, acquired, meta)
            # Patient's Age alone (the parser's whole years: an infant's "003M" was 0); where it is absent,
            # the parser's whole years from the dates would pass for a stated age
            info.age = stated_age(ds)
            # "O" (other) or no code was read as unknown without a word: said, with what the limits by sex took
            note = sex_code_note("DICOM: Patient's Sex (0010,0040)", ds.get("PatientSex"), _SEX_CODES)
            if note:
                warnings.warn(note)
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


def stated_rate(meta: dict, part: str = "rhythm"):
    """The rhythm's (``part`` "rhythm") or the median beat's ("median") Sampling Frequency as the file
    states it, from ecgdatakit's ``raw_metadata``: the first multiplex group read that is not labelled a
    median beat, or the first that is, as ecgdatakit chooses each; None when there is none."""
    median = part == "median"
    groups = [g for g in meta.get("multiplex_groups") or () if labelled_median(g.get("label")) == median]
    return groups[0].get("sampling_frequency") if groups else None
