"""Records in: ``load_record`` reads one record from whatever file names it (a WFDB header, its
signal file or stem, a PhysioNet/CinC Challenge ``.mat`` record, or a clinical format that
``mirage_model.formats`` recognises by content), ``find_records`` lists a folder's records.
"""

from __future__ import annotations

from pathlib import Path

from mirage_model import formats
from mirage_model.limits import unscorable_reason
from mirage_model.records.folder import link_problem, not_regular
from mirage_model.records.record import EcgRecord, RecordError, read_guarded
from mirage_model.records.wfdb_header import _parse_header, segment_headers
from mirage_model.records.wfdb_record import _build_record


def load_record(path: str | Path) -> EcgRecord:
    """Read one record. ``path`` may name the .hea, the .dat/.mat or the record stem, or a clinical
    ECG file (GE MUSE, GE CardioSoft, Philips or HL7 aECG XML, DICOM, SCP-ECG, EDF/BDF, ISHNE, MFER), whose
    format is recognised from its content and read by :mod:`mirage_model.formats`.

    A multi-segment WFDB record (master header ``NAME/NSEG``, fixed or variable layout) is read as
    its segments joined in order; gaps (``~``) and, in a variable layout, channels a segment lacks
    are NaN and flag their leads "missing".

    Leads are matched case-insensitively ("AVR", "aVR", "avr", "Lead II", "DII"); channels that are
    not one of the 12 standard leads (Frank vx/vy/vz, MLII, ...) are dropped and listed in
    ``meta["dropped_leads"]``. Records with I, II and V1-V6 get III, aVR, aVL and aVF derived
    (Einthoven/Goldberger) and flagged ``quality["derived"]``. PTB-XL age, sex and scp codes come
    from a ``ptbxl_database.csv`` found up to three folders above the header.

    Quality flags, each (12,) bool: "flat" (peak-to-peak below FLAT_PTP_MV), "saturated" (clipped:
    ``CLIP_MIN_RUNS`` runs of ``CLIP_RUN_S`` at the ends of the digital range, or stuck at the
    range's end or the lead's own extreme for SATURATION_RUN_S), "missing" (NaN where the file
    marks samples invalid, or throughout a lead withheld: ``records.leads.off_scale_leads``, an electrode off
    or one lead's units wrong beside leads with an ECG's amplitudes), "derived" (computed from other leads).

    Records with no usable signal (all leads flat, constant, zero, saturated or missing, or
    shorter than ``limits.MIN_SCORABLE_S``) load, with ``meta["unscorable"]`` saying why; the
    Predictor refuses to score them (``UnscorableRecordError``).

    Every input costs bounded time and memory: sampling frequency, length, gains, baselines and
    channel counts are checked against ``mirage_model.limits`` before samples are read.

    ``meta`` keys: "format" ("wfdb" or "challenge-mat"), "sample_format" (WFDB format code),
    "file_leads" (channel names as in the file), "units" and "adc_gain" (of the 12 leads read; of
    the first segment that holds each, for a multi-segment record), and when they apply:
    "segments" and "segment_layout" ("fixed" or "variable") of a multi-segment record,
    "base_time", "base_date", "dropped_leads", "duplicate_leads", "renamed_leads" (IEC C1-C6 as
    V1-V6, e.g. "C1 -> V1"), "derived_leads", "inverted_leads", "checksum_mismatch" (a minority
    of signals), "stuck_at_limit" (flat leads at the digital limit), "unscorable", "withheld_leads" (lead ->
    why it was withheld, ``limits.withheld_text``),
    "negative_gain_leads" and "negative_gain_note" (leads whose header gain is negative, a WFDB
    ADC gain or an EDF/BDF physical maximum below its minimum: read inverted, as the format says,
    and reported by the quality findings as "negative_gain"),
    "samples_per_frame" (leads stored at several samples a frame, read at that many times the
    frame rate: ``fs`` is the leads' rate), "header_quirks", "dx_system" ("SNOMED-CT", "PTB-XL SCP", "LUDB", "PTB"), "age_note", "rx",
    "hx", "sx", "ecg_date", "file_notes" (PTB's medication, {label: text}), and for PTB-XL "height", "weight",
    "recording_date" and "ptbxl"
    (scp_codes with likelihoods, ecg_id, patient_id, strat_fold, report, noise notes).

    Args:
        path: the header (``.hea``), a signal file (``.dat``, ``.mat`` ...) or the record stem.

    Returns:
        The record; ``signal`` is float32 (12, T) in mV.

    Raises:
        RecordError: missing/truncated signal file, unparsable header, fewer leads than needed,
            unknown units, zero-length signal, implausible or too large declared values,
            amplitudes that are not an ECG's in mV (``records.leads.off_scale_leads``),
            checksums that do not fit the samples, segments that do not fit their master header
            (missing, nested, another sampling rate or length) (message names the file and the
            problem). No other exception escapes for a malformed file.
    """
    problem = link_problem(Path(path).expanduser())
    if not problem and not Path(path).expanduser().is_dir():
        # a named pipe, a socket or a device (a link to /dev/zero) exists: "not found" would be untrue, and
        # opening one to read it would block or never end
        problem = not_regular(Path(path).expanduser())
    if problem:                    # a loop or a dangling link is listed as a file: "not found" would puzzle
        raise RecordError(path, problem)
    fmt = formats.detect(Path(path).expanduser())
    if fmt is not None:
        record = formats.read(Path(path).expanduser(), fmt)   # amplitudes checked by formats.build_record
    else:
        hea = _header_path(Path(path).expanduser())
        record = read_guarded(lambda: _build_record(hea, _parse_header(hea)), lambda reason: RecordError(hea, reason),
                              path=hea)     # amplitudes checked by _build_record
    reason = unscorable_reason(record)
    if reason:
        record.meta["unscorable"] = reason
    return record


def find_records(folder: str | Path) -> list[Path]:
    """All records' header files (.hea) under ``folder``, recursively, sorted. Files that are not
    headers are ignored, and so are the segment headers (and layout header) of a multi-segment
    record: the record is listed once, by its master header. The folder is listed as every record
    search lists it (``formats.listed_files``: regular files only, hidden ones skipped, no WFDB
    signal file looked at).

    Raises:
        RecordError: ``folder`` does not exist or is not a folder.
    """
    root = Path(folder)
    if not root.is_dir():
        raise RecordError(root, "not a folder" if root.exists() else "folder not found")
    found = [p for p in formats.listed_files(root) if p.name.lower().endswith(".hea")]
    parts = segment_headers(found)
    # sorted as paths sort (by their parts), with the parts as the key: faster than comparing Paths
    return sorted((hea for hea in found if hea not in parts), key=lambda p: p.parts)


# --------------------------------------------------------------------------------------------
# Paths
# --------------------------------------------------------------------------------------------

def _header_path(path: Path) -> Path:
    """The .hea for whatever the user named: the header, a signal file, or the stem."""
    if path.is_dir():
        raise RecordError(path, "is a folder, not a record (pick a .hea file)")
    if path.suffix.lower() == ".hea":
        if not path.is_file():
            raise RecordError(path, "header file not found")
        return path
    candidates = [path.with_name(path.name + ".hea")]
    if path.suffix:
        candidates.append(path.with_suffix(".hea"))
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    if path.is_file():
        raise RecordError(path, f"no header file {candidates[-1].name} next to it; a record needs "
                                "its .hea to be read")
    raise RecordError(path, "record not found (no such file and no .hea for it)")
