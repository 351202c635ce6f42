"""A DICOM ECG's multiplex groups (DICOM PS3.3 C.10.9): which holds the rhythm, and which were recorded with it.

A 12-lead, General or Ambulatory ECG (PS3.3 A.34) may store beside its rhythm a median beat, a
respiration or pressure group, or a long lead II strip, and may spread the 12 leads over up to five
groups recorded together (A.34.3.4.4): :func:`rhythm_group` picks the rhythm and
:func:`join_simultaneous` joins the groups recorded with it into one, refusing leads recorded one group
after another.
"""

from __future__ import annotations

import copy
import math
import warnings

import numpy as np

from mirage_model.records.leads import derivable_leads, standard_leads_named
from mirage_model.records.record import STANDARD_LEADS

_MEDIAN_LABEL_WORDS = ("MEDIAN", "REPRESENTATIVE", "AVERAGE")   # ecgdatakit's, for a median beat's group
# A multiplex group shorter than this is a beat's length (a median beat is 0.6 to 1.5 s), never
# preferred as the rhythm for holding the 12 leads.
MIN_RHYTHM_S = 2.0


def labelled_median(label) -> bool:
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
        if labelled_median(wf.get("MultiplexGroupLabel")):
            continue
        seconds = _group_seconds(wf)
        original = str(wf.get("WaveformOriginality") or "").strip().upper() != "DERIVED"
        leads = set(group_leads(wf))
        complete = whole_rhythm(wf)
        if key is None or (complete, bool(leads), original, seconds) > key:
            best, key = k, (complete, bool(leads), original, seconds)
    return best


def whole_rhythm(wf) -> bool:
    """Whether a multiplex group's ECG leads give the 12 (with the limb leads Einthoven's and Goldberger's
    identities derive) and it lasts MIN_RHYTHM_S or more. (A group of a beat's length is no rhythm however
    many leads it has: an unlabelled median beat beside a rhythm of fewer leads stays the beat, and the rhythm
    is refused for its leads.)"""
    leads = set(group_leads(wf))
    return set(STANDARD_LEADS) <= leads | derivable_leads(leads) and _group_seconds(wf) >= MIN_RHYTHM_S


def beat_group(wf) -> bool:
    """Whether a multiplex group is a median beat's: labelled one, or shorter than MIN_RHYTHM_S (or of no
    length its fields state)."""
    return labelled_median(wf.get("MultiplexGroupLabel")) or _group_seconds(wf) < MIN_RHYTHM_S


def group_leads(wf) -> list[str]:
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


def join_simultaneous(groups: list, k: int, little_endian: bool, number: dict) -> tuple[list, int]:
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
    leads = {i: group_leads(wf) for i, wf in enumerate(groups)}
    offset, layout = _group_offset(rhythm), _group_layout(rhythm)
    medians = {i for i, wf in enumerate(groups) if labelled_median(wf.get("MultiplexGroupLabel"))}
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
