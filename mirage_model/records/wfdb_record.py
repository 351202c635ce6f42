"""A WFDB record assembled: the file's channels mapped to the 12 standard leads, scaled to mV,
missing limb leads derived, per-lead quality flags set (flat, saturated, missing, derived) and
the header's comments and PTB-XL's table read into the record's fields. A multi-segment record's
segments (``wfdb_segments``) are each read as a single-segment record into their stretch of it.

This is the one place where wfdb's time-major ``(T, L)`` layout becomes lead-first ``(L, T)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mirage_model.limits import MAX_ABS_MV, MAX_MV_PER_UNIT, length_words, min_mv_per_unit, plausible_fs, read_part_note
from mirage_model.records import ptbxl
from mirage_model.records.flags import RunLength, clip_samples, clipped, set_flags
from mirage_model.records.extra_leads import is_extra_lead, kept_extra_leads
from mirage_model.records.leads import (absent_rows, add_twin_signals, derive_leads, enough_leads,
                                       hollow_leads_refusal, lead_mapping_meta, match_leads, off_scale_leads,
                                       rebuilt_notes, still_withheld, too_few_leads, unit_scale,
                                       withhold)
from mirage_model.records.metadata import apply_comments
from mirage_model.records.record import (_CHUNK, QUALITY_FLAGS, STANDARD_LEADS, EcgRecord, RecordError, fault_words,
                                         raise_own_fault, read_guarded)
from mirage_model.records.wfdb_header import _BITS, _Header, _Signal, _parse_header, frames_read, iso_base_datetime
from mirage_model.records.wfdb_samples import _INVALID, _FileColumn, _read_digital, files_cut
from mirage_model.records.wfdb_segments import _join_segments, _single_part, trim_parts
from mirage_model.words import counted


# what a refusal for too few leads calls the file and its channels (``too_few_leads``)
_IN_HEADER = ("the header", "signal")


@dataclass
class _Tally:
    """What reading the samples found, per standard lead, summed over a record's segments.

    Attributes:
        missing: (12,) bool, a sample is missing (invalid, in a gap, or in a segment without it).
        at_rail: per lead, its runs of samples at the top and the bottom of the file's digital
            range: two ``RunLength`` for each segment that carries it.
        checksum_bad: leads whose samples do not fit their header's checksum (in some segment).
        read: the first signal read for each lead (its units, gain and format go into ``meta``).
        negative_gain: per lead, the header's gain and units ("-200/mV") where a segment that
            carries it declares a negative ADC gain (the first such segment).
    """

    missing: np.ndarray = field(default_factory=lambda: np.zeros(12, dtype=bool))
    at_rail: dict[str, list[RunLength]] = field(default_factory=dict)
    checksum_bad: list[str] = field(default_factory=list)
    read: dict[str, _Signal] = field(default_factory=dict)
    negative_gain: dict[str, str] = field(default_factory=dict)
    first_sample: dict[str, tuple[int, int]] = field(default_factory=dict)   # lead -> (header's initial value, file's)


def _build_record(hea: Path, header: _Header) -> EcgRecord:
    joined = _join_segments(hea, header) if header.segments is not None else None
    signals = joined.signals if joined else header.signals
    parts = joined.parts if joined else [_single_part(hea, header)]

    # Which of the record's channels feeds each standard lead (first occurrence wins).
    match = match_leads([sig.name for sig in signals])
    chosen = match.chosen
    absent = absent_rows(chosen)     # a lead without a channel (V4 not written) is blank, as one all invalid is
    if not enough_leads(chosen):
        refused = too_few_leads([sig.name for sig in signals], match, [STANDARD_LEADS[k] for k in absent],
                                where=_IN_HEADER)
        # a lead named twice is said first, the likelier fault; a signal file cut short as well, after it
        cut = files_cut(hea, header) if match.twins and joined is None else ""
        raise RecordError(hea, f"{refused}; {cut}" if cut else refused)

    # Samples per frame of each lead (the most any segment stores it at): the leads are read at the
    # highest (WFDB "212x2": the record's rate is fs * 2, which averaging to the frame rate halved)
    stored = {lead: {part.header.signals[part.source[i]].spf for part in parts
                     if part.header is not None and part.source[i] is not None} or {signals[i].spf}
              for lead, (i, _) in chosen.items()}
    per_frame = max(max(k) for k in stored.values())
    fs = header.fs * per_frame
    implausible = plausible_fs(fs)
    if implausible:   # the frame rate was checked alone; the leads' rate is checked here
        raise RecordError(hea, f"{implausible}: the leads hold {per_frame} sample(s) a frame at "
                               f"{header.fs:g} frames a second")
    slower = [lead for lead in chosen if min(stored[lead]) != per_frame]
    rate_note = None
    if joined and per_frame > 1:   # read in part to MAX_SAMPLES samples a lead, not frames
        trim_parts(header, joined, frames_read(per_frame))
        parts = joined.parts
    if per_frame > 1:
        header.quirks.append(f"{per_frame} samples per frame: read at {fs:g} Hz (the frame rate is "
                             f"{header.fs:g} Hz)")
        if slower:
            rate_note = (f"{', '.join(slower)} stored at fewer samples per frame than the other leads "
                         f"({', '.join(str(min(stored[lead])) for lead in slower)}, not {per_frame}): "
                         f"interpolated to {fs:g} Hz")
    # A multi-segment record's length is the master header's; a single one's is known once read.
    signal = np.full((12, header.sig_len * per_frame), np.nan, dtype=np.float32) if joined else None
    tally = _Tally()
    tally.missing[absent] = True
    for part in parts:
        # the part's own signal index and sign for each lead it carries
        columns = {lead: (part.source[i], sign) for lead, (i, sign) in chosen.items()
                   if part.source[i] is not None}
        for lead in chosen:
            if lead not in columns:   # a gap, or a segment without this channel: NaN stays
                tally.missing[STANDARD_LEADS.index(lead)] = True
        if not columns:
            continue
        scale = _lead_scales(part.hea, part.header, columns)
        digital, sig_len = _read_digital(part.hea, part.header, sorted(j for j, _ in columns.values()), per_frame)
        if joined is None:
            signal = np.empty((12, sig_len * per_frame), dtype=np.float32)
            signal[absent] = np.nan
        elif sig_len != part.sig_len:   # a segment header without a length: its file gave another
            raise RecordError(part.hea, f"segment holds {counted(sig_len, 'sample', ',')} per signal, but {hea.name} "
                                        f"declares {part.sig_len:,} for it")
        start = part.start * per_frame
        _convert(part.hea, part.header, columns, scale, digital,
                 signal[:, start:start + sig_len * per_frame], tally, per_frame)
        del digital
    if joined:
        for part in (p for p in parts if p.header is not None):
            for quirk in part.header.quirks:
                note = f"segment {part.header.record_name}: {quirk}"
                if note not in header.quirks:   # a segment named twice notes its quirks once
                    header.quirks.append(note)

    # a lead all invalid counts as one without a channel: the same file without it opens (or is refused) alike
    refusal, held = hollow_leads_refusal(signal, [sig.name for sig in signals], match, where=_IN_HEADER)
    if refusal:
        raise RecordError(hea, refusal)
    implausible, off = off_scale_leads(signal, held)
    if implausible:
        raise RecordError(hea, implausible)
    withheld = withhold(signal, off, tally.missing)     # before a limb lead is derived from them
    flags = {name: np.zeros(12, dtype=bool) for name in QUALITY_FLAGS}
    flags["missing"] = tally.missing
    # clipped: runs at the range's ends, not peaks that a whole-range writer put there
    at_limit = np.array([clipped(tally.at_rail.get(lead, []), fs) for lead in STANDARD_LEADS])
    at_limit[list(off)] = False          # a lead withheld is missing, not stuck at the limit
    derived = derive_leads(signal, chosen)
    limb_at_limit = bool(at_limit[:3].any())  # a derived lead inherits its sources' clipping
    for k in derived:
        flags["derived"][k] = True
        at_limit[k] = limb_at_limit
        flags["missing"][k] = bool(np.isnan(signal[k]).any())

    set_flags(signal, fs, flags, at_limit)

    # a lead that no segment carries shows its layout's nominal units and gain
    read = [tally.read.get(lead, signals[chosen[lead][0]]) for lead in STANDARD_LEADS if lead in chosen]
    first = next((s for s in read if s.file_name != "~"), read[0])
    meta = {
        "format": "challenge-mat" if first.file_name.lower().endswith(".mat") else "wfdb",
        "sample_format": first.fmt,
        "file_leads": tuple(s.name for s in signals),
        "units": tuple(s.units for s in read),
        "adc_gain": tuple(s.adc_gain for s in read),
    }
    if joined:
        meta["segments"] = len(joined.parts)
        meta["segment_layout"] = joined.layout
    if header.base_time:
        meta["base_time"] = header.base_time
    if header.base_date:
        meta["base_date"] = header.base_date
        acquired = iso_base_datetime(header.base_date, header.base_time)
        if acquired:      # as the other readers give it (a header MIRAGE wrote says it again in a comment)
            meta["acquired"] = acquired
    meta.update(lead_mapping_meta(match, derived))
    if rebuilt := rebuilt_notes(chosen, derived, withheld):    # a limb lead all invalid in the file, rebuilt
        meta["reader_warnings"] = (*meta.get("reader_warnings", ()), *rebuilt)
    if match.twins:
        add_twin_signals(meta, match, _twin_rows(parts, match, signal.shape[1], per_frame))
    extra, unread = kept_extra_leads(_extra_rows(hea, parts, header, signals, match, signal.shape[1], per_frame),
                                     signal.shape[1])
    if unread:
        meta["extra_leads_unread"] = unread
    if tally.checksum_bad:
        meta["checksum_mismatch"] = tuple(tally.checksum_bad)
    if blank := still_withheld(withheld, derived):
        meta["withheld_leads"] = blank
    if (at_limit & flags["flat"]).any():   # stuck at the ADC's limit: saturated, not merely flat
        meta["stuck_at_limit"] = tuple(STANDARD_LEADS[k] for k in np.flatnonzero(at_limit & flags["flat"]))
    if header.quirks:
        meta["header_quirks"] = tuple(header.quirks)
    uncalibrated = tuple(lead for lead in STANDARD_LEADS if lead in tally.read and tally.read[lead].uncalibrated)
    if uncalibrated:
        # WFDB: a gain of 0 (or none) marks a signal uncalibrated; its physical values use the default
        # 200 units per mV, a guess that may be several times off (LUDB's leads are 1716 per mV)
        meta["uncalibrated_leads"] = uncalibrated
        meta["uncalibrated_note"] = (f"the header gives no ADC gain (0 or none) for {', '.join(uncalibrated)}: "
                                     "WFDB calls such signals uncalibrated; MIRAGE assumed WFDB's default of "
                                     "200 units per mV, so their amplitudes in mV may be wrong")
    if tally.negative_gain:
        # WFDB's physical value is (d - baseline) / gain: read as the format says, and said
        inverted = tuple(lead for lead in STANDARD_LEADS if lead in tally.negative_gain)
        meta["negative_gain_leads"] = inverted
        sources = [lead for lead in ("I", "II") if lead in inverted]
        follow = [STANDARD_LEADS[k] for k in derived] if sources else []
        meta["negative_gain_note"] = (
            "the header gives " + ", ".join(f"{lead} {tally.negative_gain[lead]}" for lead in inverted)
            + ": a negative ADC gain reads the stored samples upside down"
            + (f" (and {', '.join(follow)}, derived from {' and '.join(sources)})" if follow else "")
            + "; if the waveform looks inverted, the header's gain is wrong")

    if per_frame > 1:
        meta["samples_per_frame"] = per_frame
    if header.held is not None:
        _note_part(meta, header, signal.shape[1], per_frame, fs)
    disagree = [*header.notes, *(n for p in parts if p.header is not None and p.header is not header
                                 for n in p.header.notes)]
    if tally.first_sample:
        # WFDB writes each signal's first sample as its initial value: another one means the header was
        # damaged or written for other samples (the word "checksum" is not used: the findings read it as a CRC)
        disagree.append("the header's initial value is not the first sample read for "
                        + ", ".join(f"{lead} ({init} in the header, {first} in the file)"
                                    for lead, (init, first) in tally.first_sample.items())
                        + ": the header may be damaged or not this file's")
    if disagree:
        meta["reader_warnings"] = (*meta.get("reader_warnings", ()), *dict.fromkeys(disagree))
    if rate_note:   # said beside the record (the quality findings' reader notes)
        meta["reader_warnings"] = (*meta.get("reader_warnings", ()), rate_note)
    rec = EcgRecord(signal=signal, fs=float(fs), record_id=hea.stem, path=hea,
                    quality=flags, comments=tuple(header.comments), meta=meta, extra_leads=extra)
    _apply_header_fields(rec, hea, header.comments)
    return rec


def _note_part(meta: dict, header: _Header, read: int, per_frame: int, fs: float) -> None:
    """What a record read in part (``header.held``) says of it, as an ISHNE Holter does
    (``limits.read_part_note``), its whole length (``meta["recording_s"]``: what its signal file holds) and,
    when the signal file holds fewer frames than the header declares (cut short after the part read), that
    too (``declared_length_note``). ``read``: the samples a lead read, at ``fs`` Hz."""
    held = header.file_frames or header.held
    meta["read_part_note"] = read_part_note(read, held * per_frame, fs, frames_read())
    meta["recording_s"] = held * per_frame / fs
    if header.file_frames:
        meta["declared_length_note"] = (
            f"the signal file holds {length_words(held * per_frame / fs)} of the "
            f"{length_words(header.held * per_frame / fs)} its header declares ({held * per_frame:,} of "
            f"{header.held * per_frame:,} samples a lead): it is cut short after the part read, which is whole")


def _apply_header_fields(rec: EcgRecord, hea: Path, comments: list[str]) -> None:
    """Age, sex, diagnoses and notes from the header's comments, then PTB-XL's table: what a record
    and its header alone (``load_header``) both carry."""
    apply_comments(rec, comments)
    ptbxl.apply_metadata(rec, hea)


def load_header(path: str | Path) -> EcgRecord:
    """A WFDB record's header fields without its samples: age, sex, diagnoses, comments and
    PTB-XL's table, filled exactly as ``load_record`` fills them, on a record whose signal is empty
    ``(12, 0)``. For reading the clinical values of many records (``clinical.record_values``)
    without reading their signals.

    Raises:
        RecordError: the header cannot be read or parsed.
    """
    hea = Path(path)
    header = read_guarded(lambda: _parse_header(hea), lambda reason: RecordError(hea, reason), "header", hea)
    rec = EcgRecord(signal=np.zeros((12, 0), dtype=np.float32), fs=float(header.fs), record_id=hea.stem, path=hea,
                    comments=tuple(header.comments))
    _apply_header_fields(rec, hea, header.comments)
    return rec


def _lead_scales(hea: Path, header: _Header, columns: dict) -> dict[str, float]:
    """mV per unit of each lead's units, for ``columns`` (lead -> (signal index, sign)) of the
    single-segment record ``header``; refuses unknown units and implausible gains."""
    scale = {}
    for lead, (i, _) in columns.items():
        sig = header.signals[i]
        factor = unit_scale(sig.units)
        if factor is None:
            raise RecordError(hea, f"unknown units {sig.units!r} for lead {sig.name} "
                                   "(expected mV, uV or V)")
        scale[lead] = factor
        mv_per_unit = factor / abs(sig.adc_gain)
        if not min_mv_per_unit(_BITS.get(sig.fmt, 16)) <= mv_per_unit <= MAX_MV_PER_UNIT:
            raise RecordError(hea, f"implausible ADC gain {sig.adc_gain:g} per {sig.units} for "
                                   f"lead {sig.name}: one digital unit would be {mv_per_unit:.3g} mV")
    return scale


def _twin_rows(parts: list, match, T: int, per_frame: int = 1) -> dict:
    """Channel index -> (T,) mV of each channel that names a lead already read (``match.twins``),
    read and scaled as that lead would be (``_channel_row``). A channel that cannot be read in some
    segment is left out."""
    rows = {}
    for lead, i, sign in match.twins:
        try:
            rows[i] = _channel_row(parts, i, sign, T, per_frame, lead)
        except RecordError:
            continue
    return rows


def _channel_row(parts: list, i: int, sign: int, T: int, per_frame: int, lead: str = "I") -> np.ndarray:
    """(T,) float32 mV of the record's channel ``i``, read and scaled as ``lead`` would be (its units, gain and
    range checked), segment by segment (``parts``: a single-segment record is its one part); NaN where a segment
    lacks it (a gap, a variable layout's segment without it).

    Raises:
        RecordError: the channel cannot be read (its units, gain, checksum, file).
    """
    k = STANDARD_LEADS.index(lead)
    row = np.full(T, np.nan, dtype=np.float32)
    for part in parts:
        j = part.source[i]
        if j is None:
            continue
        columns = {lead: (j, sign)}
        scale = _lead_scales(part.hea, part.header, columns)
        digital, sig_len = _read_digital(part.hea, part.header, [j], per_frame)
        sig_len *= per_frame
        out = np.full((k + 1, sig_len), np.nan, dtype=np.float32)    # rows up to the lead's: _convert writes its own
        _convert(part.hea, part.header, columns, scale, digital, out, _Tally(), per_frame)
        start = part.start * per_frame
        n = max(0, min(T - start, sig_len))
        row[start:start + n] = out[k, :n]
    return row


def _extra_rows(hea: Path, parts: list, header: _Header, signals: list, match, T: int, per_frame: int) -> list:
    """(name, (T,) mV or why it cannot be read) of each channel that is an extra lead (``is_extra_lead``: V4R,
    Frank's vx), for ``extra_leads.kept_extra_leads``. One stored at another rate than the leads, or that cannot be
    read (its own signal file missing or damaged, units that are no voltage), is said, never the record refused."""
    rows = []
    for i, sig in enumerate(signals):
        if i in match.matched or not is_extra_lead(sig.name):
            continue
        spf = {p.header.signals[p.source[i]].spf for p in parts if p.header is not None and p.source[i] is not None}
        if spf and spf != {per_frame}:
            rows.append((sig.name, f"sampled at {header.fs * min(spf):g} Hz, not the leads' {header.fs * per_frame:g} "
                                   "Hz"))
            continue
        try:
            rows.append((sig.name, _channel_row(parts, i, 1, T, per_frame)))
        except RecordError as err:
            rows.append((sig.name, err.reason))
        except OSError as err:
            rows.append((sig.name, f"cannot read {Path(err.filename or 'its file').name} ({err.strerror or err})"))
        except Exception as err:      # a damaged file's, unless MIRAGE's own fault (raised as such)
            raise_own_fault(err, hea, "WFDB")
            rows.append((sig.name, fault_words(err)))
    return rows


def _convert(hea: Path, header: _Header, columns: dict, scale: dict, digital: dict, out: np.ndarray,
             tally: _Tally, per_frame: int = 1) -> None:
    """Write the physical samples (mV) of one single-segment record into ``out``.

    Args:
        hea, header: the single-segment record (a whole record, or one segment of one).
        columns: standard lead -> (the header's signal index, sign), the leads it carries.
        scale: standard lead -> mV per unit of its units.
        digital: signal index -> its digital samples, from ``_read_digital``.
        out: float32 (12, T), a view of the record's signal where this record's T samples go;
            rows of leads not in ``columns`` are left as they are.
        tally: missing samples, runs at the range's limits, checksums and signals read, updated.
        per_frame: samples per frame in ``digital`` (``_read_digital``): the rate is ``header.fs``
            times it.

    Raises:
        RecordError: the checksums of most signals do not fit the samples, or a sample is beyond
            ``limits.MAX_ABS_MV`` once in mV.
    """
    T = out.shape[1]
    totals = np.zeros(12, dtype=np.int64)
    clip = clip_samples(header.fs * per_frame)
    runs = {lead: (RunLength(clip), RunLength(clip)) for lead in columns}   # at the top, at the bottom
    for a in range(0, T, _CHUNK):   # chunk by chunk (each file block read once): bounded temporaries
        b = min(a + _CHUNK, T)
        for k, lead in enumerate(STANDARD_LEADS):
            if lead not in columns:
                continue
            i, sign = columns[lead]
            sig = header.signals[i]
            source = digital[i]
            d = source.read(a, b) if isinstance(source, _FileColumn) else source[a:b]
            totals[k] += int(d.sum(dtype=np.int64)) % 65536
            phys = (d.astype(np.float64) - sig.baseline) * (sign * scale[lead] / sig.adc_gain)
            invalid = _INVALID.get(sig.fmt)
            nan_mask = None
            if invalid is not None:
                nan_mask = d == invalid
                if nan_mask.any():
                    phys[nan_mask] = np.nan
                    tally.missing[k] = True
                else:
                    nan_mask = None
            if sig.fmt != "8":  # format 8 stores differences: no fixed digital range
                bits = sig.adc_res if 0 < sig.adc_res <= _BITS[sig.fmt] else _BITS[sig.fmt]
                lo, hi = -(2 ** (bits - 1)) + 1, 2 ** (bits - 1) - 1
                at_hi, at_lo = d >= hi, d <= lo
                if nan_mask is not None:   # an invalid sample breaks a run (-32768 is below lo)
                    at_hi &= ~nan_mask
                    at_lo &= ~nan_mask
                runs[lead][0].feed(at_hi)
                runs[lead][1].feed(at_lo)
            # beyond any recorder's range: a gain, baseline or units field, or the samples, are wrong
            peak = float(np.fmax.reduce(np.abs(phys), initial=0.0))   # fmax: NaN (invalid) ignored
            if peak > MAX_ABS_MV:
                raise RecordError(hea, f"lead {sig.name} reaches {peak:.3g} mV, beyond any ECG recorder's "
                                       f"range ({MAX_ABS_MV:g} mV): a gain, baseline or units field in the "
                                       "header is wrong, or the signal file is corrupt")
            out[k, a:b] = phys
            if a == 0 and len(d) and sig.init_stated and sig.fmt != "8" and sig.spf == per_frame \
                    and int(d[0]) != sig.init_value:      # format 8 stores differences from the initial value
                tally.first_sample.setdefault(lead, (sig.init_value, int(d[0])))
    checksum_bad, checked = [], 0
    for k, lead in enumerate(STANDARD_LEADS):
        if lead in columns:
            tally.at_rail.setdefault(lead, []).extend(runs[lead])
            sig = header.signals[columns[lead][0]]
            tally.read.setdefault(lead, sig)
            if sig.adc_gain < 0:
                tally.negative_gain.setdefault(lead, f"{sig.adc_gain:g}/{sig.units}")
            # the samples as stored, all of them (a record read in part: not all of them)
            if sig.checksum is not None and sig.spf == per_frame and header.held is None:
                checked += 1
                if int(totals[k]) % 65536 != sig.checksum % 65536:
                    checksum_bad.append(lead)
    if checked and len(checksum_bad) * 2 > checked:
        which = ("the checksum of the one signal checked does not" if checked == 1 else
                 f"checksums of {len(checksum_bad)} of {checked} signals do not")
        fmt = header.signals[columns[checksum_bad[0]][0]].fmt
        why = (f"the header declares {counted(T, 'sample', ',')} per signal, but its signal file holds "
               f"{header.file_longer:,} at format {fmt}: the record line's signal length or the format is wrong, "
               "or the file is damaged"
               if header.file_longer
               else f"wrong format {fmt}?")
        raise RecordError(hea, f"{which} match the samples: the signal file does not fit its header ({why})")
    tally.checksum_bad.extend(lead for lead in checksum_bad if lead not in tally.checksum_bad)
