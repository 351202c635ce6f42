"""The file's ECG leads outside the standard 12 (``EcgRecord.extra_leads``): which channels they are, by
name, and the check that keeps one (its samples as long as the record's, in mV, within any recorder's range).

Right-sided chest leads (V1R-V9R: a paediatric lead set records V3R and V4R, often with V7, in place of V3, V4
and V5), posterior ones (V7-V9 of a 15-lead export) and Frank's orthogonal leads (vx, vy, vz: PTB Diagnostic).
They are drawn below the 12 (the app's view, the PDF's page of extra leads); the models, the preprocessing, the
measurements and the quality checks read the 12 alone. Other channels (respiration, SpO2, EEG) stay "not shown".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

from mirage_model.limits import MAX_ABS_MV
from mirage_model.records.record import ExtraLead
from mirage_model.words import counted

# V1R-V9R, V7-V9, Frank's X, Y, Z (PTB's vx, vy, vz; SCP-ECG's X, Y, Z)
_EXTRA = re.compile(r"(?i)^(?:ecg|ekg|lead)?[\s_.:-]*(v[1-9]r|v[7-9]|v?[xyz])$")


def is_extra_lead(name: str | None) -> bool:
    """Whether a channel named ``name`` (none of the 12) is an ECG lead kept as an extra one: V1R-V9R, V7-V9,
    Frank's X, Y, Z ("vx", "vy", "vz"), case and the words "ECG", "EKG", "Lead" before the name ignored."""
    return bool(name) and _EXTRA.match(name.strip()) is not None


def kept_extra_leads(rows: Iterable[tuple[str, np.ndarray | str]], T: int) -> tuple[tuple[ExtraLead, ...], dict]:
    """The extra leads of a record of ``T`` samples a lead from its reader's ``rows``: (name, (n,) mV at the
    record's rate) of each channel read, or (name, why) of one its reader could not read (another rate, units
    that are no voltage, damaged samples).

    Returns:
        (the ``ExtraLead``s kept, in order; ``meta["extra_leads_unread"]``: name -> why each other one is not
        shown: its reader's why, "N samples, not the record's T" of another length, "no valid sample", or a
        peak beyond any recorder's range).
    """
    kept, unread = [], {}
    for name, row in rows:
        name = str(name).strip()
        if isinstance(row, str):
            unread[name] = row
            continue
        x = np.asarray(row, dtype=np.float32)
        if x.shape != (T,):
            unread[name] = f"{counted(int(x.size), 'sample')}, not the record's {T:,}"
            continue
        finite = np.isfinite(x)
        if not finite.any():
            unread[name] = "no valid sample"
            continue
        peak = float(np.abs(x[finite]).max())
        if peak > MAX_ABS_MV:
            unread[name] = f"reaches {peak:.3g} mV, beyond any ECG recorder's range: its scale in the file is wrong"
            continue
        kept.append(ExtraLead(name, x))
    return tuple(kept), unread


def whole_extra_leads(record) -> list[ExtraLead]:
    """``record``'s extra leads as long as its signal (``EcgRecord.extra_leads``; none of a record whose signal
    was put in another's place at another length), in the file's order: those drawn and written after the 12."""
    T = np.shape(record.signal)[-1]
    return [e for e in getattr(record, "extra_leads", ()) or () if np.shape(e.signal) == (T,)]
