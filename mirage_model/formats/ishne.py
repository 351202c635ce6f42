"""ISHNE Holter files: the ISHNE standard output format for Holter ECG, version 1.0 (Badilini,
Ann Noninvasive Electrocardiol 1998;3:263-266): a 512-byte header, then the leads' 16-bit samples
interleaved. Read by ecgdatakit's parser.

This module refuses a file holding more samples a lead than are read before the decoder loads it
whole, and gives the samples a lead the header declares, so that a file cut short is said to be.
"""

from __future__ import annotations

import struct
from pathlib import Path

from mirage_model.formats.assemble import fail
from mirage_model.limits import MAX_SAMPLES


def check_ishne_length(path: Path) -> None:
    """An ISHNE Holter file must not hold more than MAX_SAMPLES samples a lead: the decoder reads
    the whole ECG block into memory (as float64, several copies) before any limit is applied, so a
    24 h 12-lead recording at 1000 Hz (2 GB of int16) took minutes and tens of GB, or ended in
    MemoryError. The samples a lead holds follow from the header (ISHNE 1.0: the ECG size in
    samples a lead at byte 14, the ECG block's offset at 22, the number of leads at 156, the
    sampling rate at 272) and the file's size; a header that cannot say is left to the parser."""
    with open(path, "rb") as f:
        head = f.read(512)
    try:
        ecg_size, _, ecg_offset = struct.unpack_from("<iii", head, 14)
        (leads,) = struct.unpack_from("<h", head, 156)
        (fs,) = struct.unpack_from("<h", head, 272)
    except struct.error:
        return
    size = path.stat().st_size
    if leads <= 0 or not 0 < ecg_offset < size:
        return
    held = (size - ecg_offset) // (2 * leads)
    n = min(held, ecg_size) if ecg_size > 0 else held
    if n > MAX_SAMPLES:
        rate = f" ({n / fs / 3600:.3g} h at {fs} Hz)" if fs > 0 else ""
        raise fail(path, "ishne", f"the file holds {n:,} samples a lead{rate}; at most {MAX_SAMPLES:,} are "
                                  f"read ({MAX_SAMPLES / 1000 / 3600:.3g} h at 1000 Hz, {MAX_SAMPLES / 100 / 3600:.3g} h "
                                  "at 100 Hz)")


def declared_samples(src) -> int | None:
    """The samples per lead the header declares (its ECG size field, whatever the file goes on to
    hold), from ecgdatakit's ``raw_metadata``; None when it does not say. (The other formats' readers refuse
    a file shorter than its header, or have no such count.)"""
    try:
        n = int((src.raw_metadata or {}).get("ecg_size"))
    except (TypeError, ValueError):
        return None
    return n if n > 0 else None
