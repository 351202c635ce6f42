"""ISHNE Holter files: the ISHNE standard output format for Holter ECG, version 1.0 (Badilini,
Ann Noninvasive Electrocardiol 1998;3:263-266): a 512-byte header, then the leads' 16-bit samples
interleaved. Read by ecgdatakit's parser.

This module reads only the first ``limits.MAX_SAMPLES`` samples a lead of a longer file (a 24 h Holter
at 1000 Hz), and says so, and gives the samples a lead the header declares, so that a file cut short is
said to be; bytes after the declared samples are not read as ECG, and a reader note says how many there are.

The checksum (CRC-CCITT, bytes 8-9) covers the header only, from byte 10 to the end of the
variable-length block: the patient, the dates, the number of leads and their names, each lead's
amplitude resolution and the sampling rate; never the samples. A mismatch means the header changed
after it was written, and the fields that say whose ECG it is and how every sample is scaled and
timed may be wrong, where nothing in the samples could show it (a resolution of 2500 nV for 5000, a
rate of 200 Hz for 250, lead I named II all read as an ECG). The file is read, so that its signal can
be seen, with a reader note naming the file, what the CRC covers and the values it can no longer
vouch for (the quality findings show it, ``file_checksum``); ecgdatakit's own warning said only
"checksum mismatch".
"""

from __future__ import annotations

import struct
import warnings
from pathlib import Path

import numpy as np

from mirage_model.formats.assemble import fail
from mirage_model.limits import MAX_SAMPLES
from mirage_model.words import counted


def samples_to_read(path: Path) -> tuple[int, int, float] | None:
    """How much of an ISHNE Holter file is read: None when all of it, else (samples a lead read, samples
    a lead the file holds, sampling rate in Hz) for a file holding more than MAX_SAMPLES samples a lead.

    The decoder read the whole ECG block into memory (as float64, several copies) before any limit
    applied, so a 24 h 12-lead recording at 1000 Hz (2 GB of int16) took minutes and tens of GB, or ended
    in MemoryError; it was then refused before decoding. Its first MAX_SAMPLES samples a lead are now read
    (``adapt_parser``'s ``keep_samples``), nothing after them, and the record says so (``limits.read_part_note``):
    the samples lie at fixed places (one frame of 16-bit samples per instant), so the part read costs what
    a file of that length costs (docs/long_records.md). The samples a lead the file holds follow from the
    header (ISHNE 1.0: the ECG size in samples a lead at byte 14, the ECG block's offset at 22, the number
    of leads at 156, the sampling rate at 272) and the file's size; a header that cannot say is left to the
    parser."""
    with open(path, "rb") as f:
        head = f.read(512)
    try:
        ecg_size, _, ecg_offset = struct.unpack_from("<iii", head, 14)
        (leads,) = struct.unpack_from("<h", head, 156)
        (fs,) = struct.unpack_from("<h", head, 272)
    except struct.error:
        return None
    size = path.stat().st_size
    if leads <= 0 or not 0 < ecg_offset < size:
        return None
    held = (size - ecg_offset) // (2 * leads)
    n = min(held, ecg_size) if ecg_size > 0 else held
    if n <= MAX_SAMPLES:
        return None
    if fs <= 0:
        raise fail(path, "ishne", f"the file holds {n:,} samples a lead at a sampling rate of {fs} Hz; at most "
                                  f"{MAX_SAMPLES:,} are read")
    return MAX_SAMPLES, n, float(fs)


def declared_samples(src) -> int | None:
    """The samples per lead the header declares (its ECG size field, whatever the file goes on to
    hold), from ecgdatakit's ``raw_metadata``; None when it does not say. (The other formats' readers refuse
    a file shorter than its header, or have no such count.)"""
    try:
        n = int((src.raw_metadata or {}).get("ecg_size"))
    except (TypeError, ValueError):
        return None
    return n if n > 0 else None


def adapt_parser(parser):
    """ecgdatakit's ISHNE parser, reading the first ``keep_samples`` samples a lead alone when that is set
    (``samples_to_read``), its checksum warning replaced by a reader note that names the file
    and says what the checksum covers (the header only) and which of the values read it can no longer
    vouch for (``header_checksum_note``)."""
    from ecgdatakit.exceptions import ChecksumWarning

    class CheckedHeader(type(parser)):
        keep_samples: int | None = None   # samples a lead read from the start (``samples_to_read``); None: all

        def _read_signal(self, filename, layout, nleads):
            keep = self.keep_samples
            if keep is None:
                keep = declared_frames(Path(filename), layout.data_offset, layout.ecg_size, nleads)
                if keep is None:
                    return super()._read_signal(filename, layout, nleads)
            # the first keep frames alone: the rest of a 2 GB Holter is never read
            raw = np.fromfile(filename, dtype="<i2", count=keep * nleads, offset=layout.data_offset)
            return np.reshape(raw, (nleads, raw.size // nleads), order="F")

        def _build_leads(self, signal, meta):
            # each lead keeps its int16 counts (a view of the frames read), not ecgdatakit's float64 copy:
            # to_physical scales them to the same float64 values (int16 to float64 is exact), one lead at a
            # time, where the copies of all leads cost 8 bytes a sample beside the 2 the file holds
            leads = super()._build_leads(signal[:, :0], meta)
            for lead, counts in zip(leads, signal):
                lead.samples = counts
            return leads

        def _verify_checksum(self, filename, layout):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                super()._verify_checksum(filename, layout)
            for w in caught:
                if issubclass(w.category, ChecksumWarning):
                    warnings.warn(header_checksum_note(Path(filename), layout.data_offset))
                else:
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)

    return CheckedHeader()


def declared_frames(path: Path, offset: int, declared: int, leads: int) -> int | None:
    """The samples a lead to read of an ISHNE file that holds more after its ECG block's ``offset`` than the
    ``declared`` samples a lead (the header's ECG size, byte 14) of ``leads`` 16-bit samples: ``declared``,
    with a warning (a reader note) saying how many bytes follow them; None when the file holds no more.
    Bytes after the declared samples (a file written twice over, a transfer's trailing garbage) were read as
    more of the ECG, and shown as such: 16 KB of garbage became 0.7 s of -80 mV "ECG" without a word but
    ecgdatakit's "incomplete final frame ... File may be truncated". A file holding fewer than declared is read
    as it is (``formats.vendor`` says how much it holds)."""
    if declared <= 0 or leads <= 0:
        return None
    extra = path.stat().st_size - offset - 2 * leads * declared
    if extra <= 0:
        return None
    warnings.warn(f"{path.name}: {extra:,} bytes follow the {declared:,} samples a lead the ISHNE header declares "
                  "(ECG size, byte 14): they were not read as ECG (a file written twice over, or data appended "
                  "to it)")
    return declared


def header_checksum_note(path: Path, end: int) -> str:
    """The reader note for an ISHNE file whose header checksum (of bytes 10 to ``end``) fails: the file,
    what the checksum covers, and the header's values that the samples were read with (ISHNE 1.0: the
    number of leads at byte 156, their codes at 158, their resolution in nV per count at 206, the
    sampling rate at 272)."""
    with open(path, "rb") as f:
        head = f.read(522)
    try:
        (leads,) = struct.unpack_from("<h", head, 156)
        codes = struct.unpack_from("<12h", head, 158)[: max(0, min(leads, 12))]
        nv = struct.unpack_from("<12h", head, 206)[: max(0, min(leads, 12))]
        (fs,) = struct.unpack_from("<h", head, 272)
    except struct.error:
        values = "its values"
    else:
        resolution = (f"{nv[0]} nV per count" if len(set(nv)) == 1 else
                      "resolutions " + ", ".join(str(v) for v in nv) + " nV per count") if nv else "no resolution"
        values = f"{counted(leads, 'lead')} (codes {', '.join(str(c) for c in codes)}), {resolution}, {fs} Hz"
    return (f"{path.name}: the ISHNE header's checksum (CRC) does not match it: the header (bytes 10 to {end}: "
            "patient, dates, leads, amplitude resolution, sampling rate) changed after it was written, so the "
            f"file's identity and the scale and timing of its samples cannot be vouched for; the checksum does "
            f"not cover the samples, which were read as the header describes them ({values}): check these "
            "against the recorder's report")
