"""A WFDB record assembled: the file's channels mapped to the 12 standard leads, scaled to mV,
missing limb leads derived, per-lead quality flags set (flat, saturated, missing, derived) and
the header's comments and PTB-XL's table read into the record's fields.

This is the one place where wfdb's time-major ``(T, L)`` layout becomes lead-first ``(L, T)``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mirage_model.limits import MAX_MV_PER_UNIT, MIN_MV_PER_UNIT
from mirage_model.records import ptbxl
from mirage_model.records.flags import clip_samples, set_flags
from mirage_model.records.leads import UNIT_SCALE, derivable_leads, derive_leads, lead_mapping_meta, match_leads
from mirage_model.records.metadata import apply_comments
from mirage_model.records.record import _CHUNK, QUALITY_FLAGS, STANDARD_LEADS, EcgRecord, RecordError
from mirage_model.records.wfdb_header import _BITS, _Header
from mirage_model.records.wfdb_samples import _INVALID, _FileColumn, _read_digital


def _build_record(hea: Path, header: _Header) -> EcgRecord:
    # Which file channel feeds each standard lead (first occurrence wins).
    match = match_leads([sig.name for sig in header.signals])
    chosen = match.chosen
    derivable = derivable_leads(set(chosen))
    missing = [lead for lead in STANDARD_LEADS if lead not in chosen and lead not in derivable]
    if missing:
        present = [lead for lead in STANDARD_LEADS if lead in chosen]
        names = ", ".join(s.name or "?" for s in header.signals)
        raise RecordError(hea, f"not enough ECG leads: has {len(present)} of the 12 standard leads "
                               f"({names or 'none'}); missing {', '.join(missing)}")

    scale = {}
    for lead, (i, _) in chosen.items():
        units = header.signals[i].units
        factor = UNIT_SCALE.get(units.lower())
        if factor is None:
            raise RecordError(hea, f"unknown units {units!r} for lead {header.signals[i].name} "
                                   "(expected mV, uV or V)")
        scale[lead] = factor
        mv_per_unit = factor / abs(header.signals[i].adc_gain)
        if not MIN_MV_PER_UNIT <= mv_per_unit <= MAX_MV_PER_UNIT:
            raise RecordError(hea, f"implausible ADC gain {header.signals[i].adc_gain:g} per {units} for "
                                   f"lead {header.signals[i].name}: one digital unit would be "
                                   f"{mv_per_unit:.3g} mV")

    wanted = sorted(i for i, _ in chosen.values())
    digital, sig_len = _read_digital(hea, header, wanted)

    T = sig_len
    signal = np.empty((12, T), dtype=np.float32)
    flags = {name: np.zeros(12, dtype=bool) for name in QUALITY_FLAGS}
    n_at_hi = np.zeros(12, dtype=np.int64)       # samples at the top / bottom of the digital range
    n_at_lo = np.zeros(12, dtype=np.int64)
    checksum_bad, checked = [], 0
    totals = np.zeros(12, dtype=np.int64)
    for a in range(0, T, _CHUNK):   # chunk by chunk (each file block read once): bounded temporaries
        b = min(a + _CHUNK, T)
        for k, lead in enumerate(STANDARD_LEADS):
            if lead not in chosen:
                continue
            i, sign = chosen[lead]
            sig = header.signals[i]
            source = digital[i]
            d = source.read(a, b) if isinstance(source, _FileColumn) else source[a:b]
            totals[k] += int(d.sum(dtype=np.int64)) % 65536
            phys = (d.astype(np.float64) - sig.baseline) * (sign * scale[lead] / sig.adc_gain)
            invalid = _INVALID.get(sig.fmt)
            valid = d
            if invalid is not None:
                nan_mask = d == invalid
                if nan_mask.any():
                    phys[nan_mask] = np.nan
                    flags["missing"][k] = True
                    valid = d[~nan_mask]
            if sig.fmt != "8" and valid.size:  # format 8 stores differences: no fixed digital range
                bits = sig.adc_res if 0 < sig.adc_res <= _BITS[sig.fmt] else _BITS[sig.fmt]
                lo, hi = -(2 ** (bits - 1)) + 1, 2 ** (bits - 1) - 1
                n_at_hi[k] += int(np.count_nonzero(valid >= hi))
                n_at_lo[k] += int(np.count_nonzero(valid <= lo))
            signal[k, a:b] = phys
    for k, lead in enumerate(STANDARD_LEADS):
        if lead in chosen:
            sig = header.signals[chosen[lead][0]]
            if sig.checksum is not None and sig.spf == 1:
                checked += 1
                if int(totals[k]) % 65536 != sig.checksum % 65536:
                    checksum_bad.append(lead)
    del digital
    if checked and len(checksum_bad) * 2 > checked:
        raise RecordError(hea, f"checksums of {len(checksum_bad)} of {checked} signals do not match "
                               f"the samples: the signal file does not fit its header (wrong format "
                               f"{header.signals[chosen[checksum_bad[0]][0]].fmt}?)")

    clip = clip_samples(header.fs)
    at_limit = (n_at_hi >= clip) | (n_at_lo >= clip)   # clipped, not merely scaled to the whole range
    derived = derive_leads(signal, chosen)
    limb_at_limit = bool(at_limit[:3].any())  # a derived lead inherits its sources' clipping
    for k in derived:
        flags["derived"][k] = True
        at_limit[k] = limb_at_limit
        flags["missing"][k] = bool(np.isnan(signal[k]).any())

    set_flags(signal, header.fs, flags, at_limit)

    read = [header.signals[chosen[lead][0]] for lead in STANDARD_LEADS if lead in chosen]
    meta = {
        "format": "challenge-mat" if read[0].file_name.lower().endswith(".mat") else "wfdb",
        "sample_format": read[0].fmt,
        "file_leads": tuple(s.name for s in header.signals),
        "units": tuple(s.units for s in read),
        "adc_gain": tuple(s.adc_gain for s in read),
    }
    if header.base_time:
        meta["base_time"] = header.base_time
    if header.base_date:
        meta["base_date"] = header.base_date
    meta.update(lead_mapping_meta(match, derived))
    if checksum_bad:
        meta["checksum_mismatch"] = tuple(checksum_bad)
    if (at_limit & flags["flat"]).any():   # stuck at the ADC's limit: saturated, not merely flat
        meta["stuck_at_limit"] = tuple(STANDARD_LEADS[k] for k in np.flatnonzero(at_limit & flags["flat"]))
    if header.quirks:
        meta["header_quirks"] = tuple(header.quirks)

    rec = EcgRecord(signal=signal, fs=float(header.fs), record_id=hea.stem, path=hea,
                    quality=flags, comments=tuple(header.comments), meta=meta)
    apply_comments(rec, header.comments)
    ptbxl.apply_metadata(rec, hea)
    return rec
