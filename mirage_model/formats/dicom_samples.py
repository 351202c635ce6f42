"""A DICOM ECG multiplex group's samples as its fields describe them (DICOM PS3.3 C.10.9, Table C.10-9):
the counts and channel definitions checked against its Waveform Data, 16-bit samples without Waveform
Sample Interpretation read as signed or unsigned by what they show, a channel's scale fields checked, and
its Channel Status acted on.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from mirage_model.formats.assemble import misread_16bit
from mirage_model.records.leads import canonical_lead
from mirage_model.words import counted

# Waveform Bits Allocated -> bytes a sample (PS3.3 C.10.9.1.5: 8, 16, 32 and 64 bit encodings)
_SAMPLE_BYTES = {8: 1, 16: 2, 32: 4, 64: 8}
# A channel's scale fields (PS3.3 Table C.10-9): physical = sample x Channel Sensitivity x Channel
# Sensitivity Correction Factor + Channel Baseline (a baseline that is no number is named by vendor's
# offset check)
_SCALE_FIELDS = (("ChannelSensitivity", "Channel Sensitivity (003A,0210)"),
                 ("ChannelSensitivityCorrectionFactor", "Channel Sensitivity Correction Factor (003A,0212)"))


def group_problem(wf) -> str | None:
    """What makes a multiplex group's fields fail to describe its Waveform Data, in words; None when
    they describe it (or a field is absent or unreadable: ecgdatakit's own checks say so).

    Waveform Sample Interpretation is required (Type 1): without it ecgdatakit took 16-bit samples
    as signed, and unsigned ones (US, with a baseline) were read 163.84 mV off wherever the signal
    crossed zero, silently. 16-bit samples have it inferred before (``infer_interpretation``); other
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
    if not interpretation:   # (16-bit samples have had theirs inferred from the data: infer_interpretation)
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


def infer_interpretation(wf, little_endian: bool, number: int) -> str | None:
    """Give a 16-bit multiplex group without Waveform Sample Interpretation (5400,1006) the one its
    samples show, with a reader note naming the missing field; the problem in words when neither
    signed (SS) nor unsigned (US) reads like an ECG; None when there is nothing to infer.

    The standard makes the field Type 1, but carts omit it. Signed samples read as unsigned wrap
    around 0/65535 wherever the signal crosses 0 V; unsigned ones read as signed wrap at 32767/-32768
    wherever the signal crosses the middle of the range. A reading is taken when no ECG channel
    steps by 32768 counts or more and each one's median, with its Channel Baseline, lies within
    16384 counts of 0 V; when both readings pass and differ, the one nearer 0 V. Samples below
    32768 read alike either way (signed). Other widths are not inferred (8 bits may also be
    companded, MB/AB), and stay refused by ``group_problem``."""
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


def padding_in_range(wf, little_endian: bool, number: int) -> None:
    """A 16-bit group's Waveform Padding Value (5400,100A) that its ECG leads pass through is no padding:
    padding marks samples that are no part of the waveform (PS3.3 C.10.9.1.6), a value the waveform itself
    does not take, but the C# ECG Toolkit's DICOM writer states 0, and its leads' samples of 0 V, where the
    traces cross the baseline, were read as missing (Example.dcm: 58 to 180 of each lead's 5000). When the
    value lies strictly between a lead's smaller and larger samples in every ECG lead that holds it, it is
    removed from ``wf`` (so the parser reads those samples) and a warning says so; -32768 or 65535, which no
    sample can pass, stay padding. A run of the value at the group's end in every channel at once is padding still
    (a writer that states 0 and pads with it): it is judged apart from the leads' 0 V inside the recording and
    kept missing, written over in ``wf`` with a value no sample of the group takes, stated as the padding."""
    pad = bytes(wf.get("WaveformPaddingValue") or b"")
    code = str(wf.get("WaveformSampleInterpretation") or "").strip().upper()
    try:
        channels, bits = int(wf.get("NumberOfWaveformChannels") or 0), int(wf.get("WaveformBitsAllocated") or 0)
    except (TypeError, ValueError):
        return
    data = wf.get("WaveformData")
    if len(pad) < 2 or bits != 16 or code not in ("SS", "US") or data is None or channels <= 0:
        return
    dtype = np.dtype(("<" if little_endian else ">") + ("i2" if code == "SS" else "u2"))
    data = bytes(data)
    n = len(data) // (2 * channels)
    samples = np.frombuffer(data[:n * channels * 2], dtype=dtype).reshape(n, channels)
    value = int(np.frombuffer(pad[:2], dtype=dtype)[0])
    padded = (samples == value).all(axis=1)
    tail = n - int(np.flatnonzero(~padded)[-1]) - 1 if not padded.all() else n
    held = []
    for ch, label in _channels_judged(list(wf.get("ChannelDefinitionSequence") or []), channels):
        x = samples[:n - tail, ch]
        hits = int((x == value).sum())
        if not hits:
            continue
        rest = x[x != value]
        if not (rest.size and rest.min() < value < rest.max()):
            return                    # in this lead it may be padding: the group's samples stay as stated
        held.append(f"{label} {hits}")
    if not held:
        return
    if tail:
        kept = samples.copy()
        kept[n - tail:] = free = _unused_value(samples, dtype)
        wf.WaveformPaddingValue = np.asarray(free, dtype=dtype).tobytes()
        wf.WaveformData = kept.tobytes() + data[n * channels * 2:]
    else:
        del wf.WaveformPaddingValue
    warnings.warn(f"DICOM: multiplex group {number}'s Waveform Padding Value (5400,100A) is {value}, a value "
                  f"its leads pass through ({', '.join(held)} of {n} samples): read as samples, not as padding"
                  + (f"; the group's last {counted(tail, 'sample')}, {value} in every channel, stay padding (missing)"
                     if tail else ""))


def _unused_value(samples: np.ndarray, dtype) -> int:
    """A value of ``dtype`` that none of ``samples`` takes: from the lowest up for signed samples, from the
    highest down for unsigned ones (one of the first ``samples``' distinct count + 1 is free)."""
    used = np.unique(samples)
    info = np.iinfo(dtype)
    step = 1 if info.min < 0 else -1
    start = info.min if step == 1 else info.max
    candidates = np.arange(start, start + step * (used.size + 1), step)
    return int(candidates[~np.isin(candidates, used)][0])


def _channels_judged(defs: list, channels: int) -> list[tuple[int, str]]:
    """(channel index, lead) of a group's ECG channels, by the names ``group_leads`` gives them;
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


def scale_problem(ch_def) -> str | None:
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


def apply_channel_status(lead, ch_def) -> None:
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
