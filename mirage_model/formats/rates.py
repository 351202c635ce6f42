"""A record's sampling rate as its file states it, where ecgdatakit gives every lead a whole number of Hz.

A stated rate that is no whole number (a DICOM Sampling Frequency of 333.333 Hz, an HL7 aECG time increment
of 3 ms, an SCP-ECG sample interval of 1500 us) would otherwise stretch or squeeze the record's time axis;
and a sample interval stated in whole microseconds (SCP-ECG Sections 5 and 6, EN 1064 5.7 and 5.8; MFER's
interval, ISO 22077-1; an aECG increment written to the microsecond or finer) that is a whole rate's interval
rounded to the digits written (1667 us, 0.0016667 s for 600 Hz) is read as that rate, not as 1e6 / 1667 =
599.88 Hz.
"""

from __future__ import annotations

import math
import re

from mirage_model.formats import aecg, dicom

# ecgdatakit's HL7 aECG parser's warning of its rounding, which MIRAGE's reading (``stated_rate``) undoes
_ROUNDED = re.compile(r"^Sampling rate [\d.]+ Hz is not an integer; rounded to \d+ Hz$")


def interval_rate(seconds: float) -> float:
    """The sampling rate (Hz) of a stated sample interval (s), ``1 / seconds``; but an interval written to
    the microsecond or finer (to 1 ns) that is the rounding of a whole rate's interval to the digits it is
    written to is that rate: 1667 us (1e6 / 600 = 1666.67) is 600 Hz, as a cart sampling at 600 Hz can
    write no closer, and so is 0.0016667 s (an HL7 REAL's precision is the digits written: HL7 V3 data
    types). An exact interval keeps its rate: 2000 us is 500 Hz, 1500 us 666.67 Hz (667 Hz's interval,
    1499.25, rounds to 1499, not to 1500), 0.00166669 s 599.99 Hz (600 Hz's is 0.00166667)."""
    for digits in range(6, 10):                   # the interval's last digit: 1 us, 0.1 us, 10 ns, 1 ns
        units = seconds * 10.0 ** digits
        n = round(units)
        if n >= 1 and abs(units - n) <= 1e-9 * n:      # written to this digit
            whole = round(10.0 ** digits / n)
            if whole >= 1 and abs(10.0 ** digits / whole - n) <= 0.5:   # (7812.5 us for 128 Hz: either way)
                return float(whole)
            break
    return 1.0 / seconds


def stated_rate(fmt: str, src, rate: int, part: str = "rhythm", index: int = 0) -> float:
    """The sampling frequency (Hz) of the rhythm (``part`` "rhythm") or the device's median beat
    ("median") as the file states it, from ecgdatakit's ``raw_metadata``: a DICOM rhythm's or median
    beat's multiplex group (chosen as ecgdatakit chooses each), an HL7 aECG series' time increment,
    SCP-ECG's sample interval in us, MFER's rate of channel ``index`` (the first ECG lead's) by
    :func:`interval_rate`. Kept when it
    rounds to ecgdatakit's ``rate``; within 1 ppm of ``rate`` it is ``rate`` (1 / 0.002 s in binary
    floating point), and ``rate`` where the file states none."""
    meta = src.raw_metadata or {}
    try:
        if fmt == "dicom-ecg":
            stated = float(dicom.stated_rate(meta, part))
        elif fmt == "hl7-aecg":
            stated = interval_rate(1.0 / float(aecg.stated_rate(meta, part)))
        elif fmt == "scp-ecg":
            stated = interval_rate(float(meta[f"{part}_sample_interval_us"]) * 1e-6)
        elif fmt == "mfer" and part == "rhythm":
            stated = interval_rate(1.0 / float(meta["sampling_rates"][index]))
        else:
            return float(rate)
    except (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError, OverflowError):
        return float(rate)
    if not math.isfinite(stated) or round(stated) != rate or abs(stated - rate) <= 1e-6 * rate:
        return float(rate)
    return stated


def without_rounding_notes(fmt: str, notes: tuple[str, ...]) -> tuple[str, ...]:
    """``notes`` without ecgdatakit's "Sampling rate 333.3333 Hz is not an integer; rounded to 333 Hz"
    of an HL7 aECG file: MIRAGE reads its rhythm and median beat at the rate stated (:func:`stated_rate`),
    so that the note said a rounding that was not made."""
    return tuple(note for note in notes if not (fmt == "hl7-aecg" and _ROUNDED.match(note)))
