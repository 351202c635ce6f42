"""Limits that bound the time and memory any input can cost, checked before work is done.

A record, checkpoint or table comes from outside and may be malformed or hostile (a header that
declares 1e10 samples in a sparse file, a sampling frequency of 1e-9, a model width of 1e9). The
readers check the values declared here *before* allocating or computing anything, so that every
input costs bounded time and memory and fails as a typed error naming the file.

The bounds are wide enough for every real ECG the project knows (PTB-XL, PTB Diagnostic, LUDB,
the PhysioNet Challenge sets, 24 h Holter recordings at 100 Hz) and narrow enough that a record
within them is read in under 2 GB and scored in about 2 GB (docs/long_records.md: 2.1 GB peak to score
24 h of 12 leads at 100 Hz). Long records are scored window by window
(``preprocess.windowed_model_inputs``): memory then grows with the file itself, not with float64 copies
of the whole recording.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np

from mirage_model.words import counted

# ---- records -------------------------------------------------------------------------------

MIN_FS = 50.0              # Hz: below this a 12-lead ECG cannot be resampled to the model's 100 Hz honestly
MAX_FS = 32_000.0          # Hz: high-resolution ECG research recorders go up to ~16 kHz
MAX_SIGNALS = 256          # channels declared in one header
MAX_SAMPLES_PER_FRAME = 64  # WFDB samples per frame of one signal
# Samples per lead a record may hold: 25 h at 100 Hz (24 h Holter at 100 Hz fits; the float32
# (12, T) signal is then at most 432 MB). Longer ISHNE, EDF/BDF and WFDB records are read in part (their first
# MAX_SAMPLES samples a lead, read_part_note), others refused, before anything is read (docs/long_records.md).
MAX_SAMPLES = 9_000_000
MAX_HEADER_BYTES = 1 << 20  # a WFDB header is text of a few KB; 1 MiB is generous
# Binary ECG files read whole by their decoder (DICOM, MFER) larger than this are refused before
# they are opened: MAX_SAMPLES samples a lead in 24 channels of 16 bits (DICOM General ECG allows
# 24 channels, PS3.3 A.34.4; 12-lead ECG 13, Ambulatory 12; its samples are 8 or 16 bit; MFER
# carts and Holters write 16-bit samples, or 12 channels of 32 bits: the same bytes), plus 16 MiB
# for header, annotations and median beats: 428 MiB. A 24 h 12-lead Holter at 100 Hz is 207 MB.
MAX_WAVEFORM_FILE_BYTES = MAX_SAMPLES * 24 * 2 + (16 << 20)
# Segments of one multi-segment WFDB record (header(5)). MIMIC waveform records of a day hold
# tens to a few hundred; each segment costs a header to open and parse, so a master header of
# millions of one-sample segments must be refused before any is opened.
MAX_SEGMENTS = 4096
# Header text that the segment headers of one multi-segment record may hold together. A MIMIC
# segment header is under 1 KB, so 4096 of them take 4 MB; 4096 distinct headers of 1 MiB each
# (MAX_HEADER_BYTES) would cost 4 GiB and half a minute before one sample is read.
MAX_SEGMENT_HEADERS_BYTES = 8 << 20
MAX_LINE_CHARS = 4096       # one header line (signal lines are < 200 chars in practice)
# Resolution of one digital unit (mV per unit). Real files: 0.0005-0.01 mV; outside these bounds
# a gain is a corrupt field, not an ECG. Samples wider than 16 bits may be finer (min_mv_per_unit).
MIN_MV_PER_UNIT = 1e-7
MAX_MV_PER_UNIT = 10.0
# Records shorter than this are not scored (no beat to judge); the reader calls them unscorable.
MIN_SCORABLE_S = 2.0

# ---- checkpoints ---------------------------------------------------------------------------

MAX_JSON_BYTES = 4 << 20    # config.json / safetensors metadata text
MAX_JSON_DEPTH = 32         # nesting of the config JSON (a real one nests 4 deep)
MAX_LABELS = 1000
MAX_PARAMETERS = 200_000_000   # a model config that would build more parameters than this is refused
MAX_WEIGHTS_BYTES = 1 << 30    # a weights file larger than this is refused before it is opened (200M fp32 = 800 MB)

# ---- batch ---------------------------------------------------------------------------------

RECORD_TIMEOUT_S = 120.0    # default per-record time limit in batch scoring (load + measure)

# Records longer than this (native samples per lead) are scored window by window (see
# preprocess.windowed_model_inputs); shorter ones go through preprocess.model_inputs whole, as before.
WINDOWED_MIN_SAMPLES = 600_000


def length_words(seconds: float) -> str:
    """A recording's length in words: "2.50 h" from an hour, "4.7 min" from two minutes, else "30 s"."""
    return (f"{seconds / 3600:.2f} h" if seconds >= 3600 else f"{seconds / 60:.1f} min" if seconds >= 120
            else f"{seconds:.0f} s")


def recording_words(seconds: float) -> str:
    """A whole recording's length, of which a part was read: "24.0 h" from an hour, else ``length_words``."""
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else length_words(seconds)


def read_part_note(read: int, held: int, fs: float, limit: int | None = None) -> str:
    """What a record read in part says of it (ISHNE, EDF/BDF and WFDB files longer than ``limit``, MAX_SAMPLES
    when None, samples a lead): "only the first 2.50 h of the 24.0 h recording read (9,000,000 of 86,400,000
    samples a lead at 1000 Hz; at most 9,000,000 are read): ..." (docs/long_records.md)."""
    limit = MAX_SAMPLES if limit is None else limit
    return (f"only the first {length_words(read / fs)} of the {recording_words(held / fs)} recording read ({read:,} of "
            f"{held:,} samples a lead at {fs:g} Hz; at most {limit:,} are read): what is shown and scored "
            "is that part; export a later stretch as a file of its own to review it")


def too_long_advice(fs: float | None, limit: int | None = None) -> str:
    """What a message refusing a record longer than MAX_SAMPLES samples a lead at ``fs`` Hz ends with: what
    to do (docs/long_records.md), e.g. ": export the stretch to review as a file of its own (at most 5.00 h
    at 500 Hz), or the recording at 100 Hz (up to 25.0 h)"; "at most 9,000,000 samples a lead" without a
    usable ``fs``. ``limit``: the samples a lead the reader reads (MAX_SAMPLES when None)."""
    limit = MAX_SAMPLES if limit is None else limit
    most = f"{limit:,} samples a lead"
    if isinstance(fs, (int, float)) and math.isfinite(fs) and fs > 0:
        most = f"{length_words(limit / fs)} at {fs:g} Hz"
    return (f": export the stretch to review as a file of its own (at most {most}), or the recording at "
            f"100 Hz (up to {MAX_SAMPLES / 100 / 3600:.1f} h)")


def json_depth(text: str) -> int:
    """Deepest nesting of ``[``/``{`` in JSON ``text``, counted outside strings, in linear time.

    Lets a reader refuse deeply nested JSON before ``json.loads`` recurses into it.
    """
    depth = best = 0
    in_str = escape = False
    for ch in text:
        if in_str:
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth > best:
                best = depth
        elif ch in "]}":
            depth -= 1
    return best


def min_mv_per_unit(bits: int) -> float:
    """The finest plausible resolution (mV per digital unit) of samples ``bits`` wide.

    MIN_MV_PER_UNIT up to 16 bits; wider samples may be finer by the factor they are wider, so
    that their whole range still spans what 16-bit samples at MIN_MV_PER_UNIT span. wfdb-python's
    ``wrsamp`` spreads a record over the whole range of its format: a 1.5 mV ECG in format 24 or 32
    gets 6e-8 or 2e-10 mV per unit.
    """
    return MIN_MV_PER_UNIT / 2.0 ** max(0, bits - 16)


def plausible_fs(fs: float) -> str | None:
    """None when ``fs`` (Hz) is a plausible ECG sampling rate, else the reason it is not."""
    if not (isinstance(fs, (int, float)) and math.isfinite(fs)) or fs <= 0:
        return f"sampling frequency {fs!r} is not a positive number"
    if not MIN_FS <= fs <= MAX_FS:
        return (f"sampling frequency {fs:g} Hz is outside the plausible range for an ECG "
                f"({MIN_FS:g}-{MAX_FS:g} Hz)")
    return None


# What a record's samples may be, once in mV. An ECG recorder's input stage spans a few hundred mV
# (BioSemi +-262 mV, DC-coupled Holters +-300 mV); a sample beyond 10 V is a scale, offset or units
# field gone wrong (and beyond float32's range it would become inf).
MAX_ABS_MV = 10_000.0
# The median over the stored leads of each lead's median absolute deviation from its baseline. An
# ECG's is 0.005-0.3 mV, a few mV for a lead with strong baseline wander; microvolts read as
# millivolts (a units field or resolution 1000 times too large) give 5-100 mV. Too small a scale is
# no such danger: the leads are then flagged flat and the record unscorable.
MAX_TYPICAL_MV = 5.0
# A lead over MAX_TYPICAL_MV beside leads with an ECG's amplitudes (an electrode off swinging from rail to
# rail, one lead's units field 1000 times off) is withheld, as a missing lead is, when such leads are a
# minority of the stored ones and at least this many leads with an ECG's amplitudes are left to show
# (``records.leads.off_scale_leads``); otherwise the record is refused.
MIN_ECG_LEADS = 8


def lead_deviations_mv(signal: np.ndarray, leads) -> np.ndarray:
    """Each of ``leads`` (row indices) of ``signal`` (12, T) mV: its median absolute deviation from
    its median (on at most ~200k samples a lead; NaN ignored; NaN for an all-missing lead)."""
    T = signal.shape[1]
    x = np.asarray(signal)[list(leads), :: max(1, T // 200_000)].astype(np.float64)
    if x.size == 0:
        return np.zeros(len(list(leads)))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # an all-missing lead has no deviation
        return np.nanmedian(np.abs(x - np.nanmedian(x, axis=1, keepdims=True)), axis=1)


def _typical(mad: np.ndarray) -> float:
    """The record's typical deviation: the median of its leads' (``lead_deviations_mv``, (L,) mV),
    NaN ignored; 0 when none."""
    mad = mad[np.isfinite(mad)]
    return float(np.median(mad)) if mad.size else 0.0


def amplitude_outliers(signal: np.ndarray, leads) -> tuple[float, dict[int, float]]:
    """The record's typical deviation (mV: the median of the ``leads``' of ``signal`` (12, T),
    ``lead_deviations_mv``) and the leads that deviate more than ``MAX_TYPICAL_MV``: row -> deviation mV."""
    leads = list(leads)
    mad = lead_deviations_mv(signal, leads)          # (L,) once: the record's median and each lead's
    with np.errstate(invalid="ignore"):
        off = {leads[i]: float(m) for i, m in enumerate(mad) if m > MAX_TYPICAL_MV}
    return _typical(mad), off


def amplitude_refusal(typical: float, off: dict[int, float], names=None, why_kept: str = "") -> str | None:
    """Why a record is refused for its amplitudes (``amplitude_outliers``' ``typical`` mV and ``off``, the
    leads over ``MAX_TYPICAL_MV`` that are not withheld), or None when nothing is: a typical deviation over
    the limit (a units or resolution field 1000 times off, of the whole record) or, beside leads with an
    ECG's amplitudes, leads over it (a lead whose own units field is wrong would pass a test of the leads'
    median alone and be read 1000 times too large). ``names`` (one a row of the signal) name such leads; row
    numbers when None. ``why_kept``: why such leads were not withheld instead, said after the reason."""
    if typical > MAX_TYPICAL_MV:
        return (f"the amplitudes are not an ECG's in mV (the leads deviate {typical:.3g} mV from their "
                "baseline, where an ECG's deviate well under 1 mV): a units or resolution field in the "
                "file is wrong (microvolts stored as millivolts?)")
    if not off:
        return None
    what = ", ".join(f"{names[k] if names is not None else f'row {k}'} ({m:.3g} mV)" for k, m in off.items())
    return (f"the amplitudes of lead{'s' if len(off) > 1 else ''} {what} are not an ECG's in mV "
            f"(deviation from baseline, where an ECG's is well under 1 mV and the other leads' "
            f"is {typical:.3g} mV): {'their' if len(off) > 1 else 'its'} units or resolution field in the file "
            "is wrong, or the samples are damaged" + (f"; {why_kept}" if why_kept else ""))


def withheld_text(deviation_mv: float) -> str:
    """Why a lead over ``MAX_TYPICAL_MV`` (its deviation from baseline ``deviation_mv``) is withheld, in
    a cardiologist's words: "its amplitudes (6.2 mV from baseline) are not an ECG's: electrode off, the
    file's units for this lead wrong, or its samples damaged" (an SCP-ECG file whose failed CRC decodes one
    lead into tens of mV of noise). Said the same whatever the deviation: a DC-coupled recorder's input
    stage spans a few hundred mV (see ``MAX_ABS_MV``), so an electrode off can swing further than an
    AC-coupled cart's rails, and 50 mV is no proof of a units error."""
    mv = f"{deviation_mv:.1f}" if deviation_mv < 100 else f"{deviation_mv:,.0f}"
    return (f"its amplitudes ({mv} mV from baseline) are not an ECG's: electrode off, the file's units for "
            "this lead wrong, or its samples damaged")


def seconds_short_of(seconds: float, limit: float, fmt: str = ".3g") -> str:
    """``seconds`` as text in ``fmt``, with as many more digits as it takes for a duration short of
    ``limit`` not to read as ``limit`` or more: 1.9992 s is "1.999" beside "at least 2 s", not "2"."""
    text = format(seconds, fmt)
    digits = 3
    while seconds < limit and float(text) >= limit and digits < 12:
        digits += 1
        text = f"{seconds:.{digits}g}"
    return text


def record_unscorable(record) -> str | None:
    """Why ``record`` is not scored: the reason ``load_record`` kept in its meta ("unscorable"), else
    ``unscorable_reason`` of its samples (a record built in memory); None when it can be scored."""
    return (getattr(record, "meta", None) or {}).get("unscorable") or unscorable_reason(record)


def unscorable_reason(record) -> str | None:
    """Why ``record`` (an ``EcgRecord``) holds no signal a model can judge, or None when it does.

    Unscorable: shorter than MIN_SCORABLE_S; or no lead that is neither flat (includes all-zero,
    constant and all-missing leads), saturated nor missing throughout. Such a record must never be
    scored as a finding: a model given zeros answers with confident nonsense.
    """
    sig = record.signal
    fs = float(record.fs)
    T = sig.shape[1] if getattr(sig, "ndim", 0) == 2 else 0
    if T == 0 or not math.isfinite(fs) or fs <= 0:
        return "no samples"
    duration = T / fs
    if duration < MIN_SCORABLE_S:
        return (f"too short to score ({counted(T, 'sample')}, {seconds_short_of(duration, MIN_SCORABLE_S)} s; at least "
                f"{MIN_SCORABLE_S:g} s needed)")
    q = getattr(record, "quality", None) or {}
    n = sig.shape[0]
    flat = np.asarray(q.get("flat", np.zeros(n, bool)), bool)
    sat = np.asarray(q.get("saturated", np.zeros(n, bool)), bool)
    if not q:   # a record built in memory without flags: judge the samples themselves
        with np.errstate(invalid="ignore"):
            ptp = np.nanmax(sig, axis=1) - np.nanmin(sig, axis=1) if np.isfinite(sig).any() \
                else np.zeros(n)
        flat = ~(np.nan_to_num(ptp, nan=0.0) >= 0.02)
    usable = ~(flat | sat)
    if usable.any():
        return None
    stuck = (getattr(record, "meta", None) or {}).get("stuck_at_limit") or ()
    if flat.all() and len(stuck) == n:
        return "no usable signal: every lead is stuck at the recorder's digital limit (saturated)"
    if flat.all():
        if not np.isfinite(sig).any():
            return "no usable signal: every sample is missing"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)    # all-NaN leads
            ptp = float(np.nanmax(np.nanmax(sig, axis=1) - np.nanmin(sig, axis=1)))
        if ptp > 0:
            # leads that move, but by microvolts: not constant; most often millivolt data whose
            # header says uV (1000 times too small), which "constant or zero" would hide
            return (f"no usable signal: every lead is flat (at most {ptp * 1000:.3g} uV peak to peak, "
                    "far below an ECG's; is the amplitude unit in the file right?)")
        return "no usable signal: every lead is flat (constant or zero)"
    return "no usable signal: every lead is flat or saturated"


# Long records are measured and quality-assessed on their first minute (memory stays bounded).
HEAD_S = 60.0


def record_head(record, seconds: float = HEAD_S):
    """The record's first ``seconds`` (an EcgRecord of (12, n) samples), or the record itself when
    it is no longer. Heads of the same signal hold one view of it and share what checks found of it and kept
    (``EcgRecord.found``: ``quality.record_electrode_off``), so that each is found once per record: the quality
    check and the measurement of a long record each made a head of their own, and each ran the electrode-off
    pass of its first minute. The rest (age, sex, flags) is the record's as it is at the call."""
    n = int(seconds * float(record.fs))
    if record.signal.shape[1] <= n:
        return record
    kept = getattr(record, "found", None)
    if not isinstance(kept, dict):
        return dataclasses.replace(record, signal=record.signal[:, :n])
    got = kept.get(("head", n))
    if got is None or got[0] is not record.signal:     # a signal put in the record's place since: a head of its own
        got = kept[("head", n)] = (record.signal, record.signal[:, :n], {})   # a view: an edit in place is the head's
    head = dataclasses.replace(record, signal=got[1])
    head.found = got[2]
    return head


def head_note(record, seconds: float = HEAD_S) -> str:
    """What a reader of ``record``'s measurements is told when they were taken on ``record_head``:
    "measured on the first 60 s of a 1.00 h record" (of a "3.3 min record", a "95 s record": the
    words ``preprocess.window_coverage`` gives a record's length), or "" when the record is no longer."""
    if record.signal.shape[1] <= int(seconds * float(record.fs)):
        return ""
    d = float(record.duration_s)
    length = f"{d / 3600:.2f} h" if d >= 3600 else f"{d / 60:.1f} min" if d >= 120 else f"{d:.0f} s"
    return f"measured on the first {seconds:g} s of a {length} record"


def with_head_note(measurements, record, seconds: float = HEAD_S):
    """``measurements`` (a ``measure.Measurements`` taken on ``record_head(record, seconds)``) with
    :func:`head_note` first among their notes, where the interval table prints them (the app's
    panel, the PDF's page 3); ``measurements`` itself when the record is no longer, or None."""
    note = head_note(record, seconds)
    if measurements is None or not note or note in measurements.notes:
        return measurements
    return dataclasses.replace(measurements, notes=(note,) + tuple(measurements.notes))


# The quality check's findings of beats taller or smaller than a heart gives, whose reason names the file's field
# that scales the samples where the reader knows it (``quality.gain.stated_scale``), and which put the QRS voltages
# in doubt (``review.measurements``, ``review.serial``). Here, not in the quality package: importing any module of
# ``mirage_model.quality`` imports scipy, which a review session does not load.
SCALE_FINDINGS = ("amplitude_implausible", "amplitude_high", "amplitude_low")
