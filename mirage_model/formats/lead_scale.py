"""A lead of ecgdatakit's ``ECGRecord`` in mV: the resolution, units and offset that scale its counts
checked (``limits.MIN_MV_PER_UNIT`` to ``MAX_MV_PER_UNIT``), and the field each format states them in,
named for messages.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from mirage_model.formats.assemble import fail, fail_unless_ours
from mirage_model.limits import MAX_MV_PER_UNIT, MIN_MV_PER_UNIT
from mirage_model.records.extra_leads import is_extra_lead
from mirage_model.records.leads import unit_scale
from mirage_model.records.record import RecordError


def physical_mv(lead, path: Path, fmt: str) -> np.ndarray:
    """A lead's samples in mV, after checking the resolution and offset that scale them."""
    unit = (lead.resolution_unit or "").strip()
    resolution, offset = float(lead.resolution), float(lead.offset or 0.0)
    if fmt == "hl7-aecg" and not lead.adc_resolution:
        # ecgdatakit reads a scale value that is no number ("NaN", "", "x") or absent as 1 per count:
        # the amplitudes would be silently 2.5 times (a 2.5 uV scale) too small
        raise fail(path, fmt, f"lead {lead.label}: the scale of its digits (<scale value=...>) is missing "
                              "or not a number, so its amplitudes cannot be put in mV")
    if lead.is_raw and not unit:
        # the reader found no scale with a voltage unit: ecgdatakit's own words ("no physical unit in
        # the file") were wrong where the file gives a unit that is no voltage or no scale at all
        raise fail(path, fmt, f"lead {lead.label}: {_no_scale(lead, fmt)}, so its counts cannot be put in mV")
    if lead.is_raw or unit:
        where = f"lead {lead.label}: resolution {resolution:g} {unit or '(no unit)'} per count"
        if not (math.isfinite(resolution) and resolution > 0):
            raise fail(path, fmt, f"{where} is not a positive number")
        to_mv = unit_scale(unit)
        if to_mv is not None and not MIN_MV_PER_UNIT <= resolution * to_mv <= MAX_MV_PER_UNIT:
            raise fail(path, fmt, f"{where} is implausible for an ECG (expected {MIN_MV_PER_UNIT:g} to "
                                  f"{MAX_MV_PER_UNIT:g} mV per count)")
        if not math.isfinite(offset):
            raise fail(path, fmt, f"lead {lead.label}: offset {offset!r} is not a number")
    try:
        phys = lead.to_physical() if lead.is_raw else lead
        if phys.units.lower() not in ("mv", ""):
            phys = phys.convert_units("mV")
    except Exception as err:
        raise fail_unless_ours(path, fmt, err, f"lead {lead.label}: amplitudes cannot be put in mV ({err})") from None
    return np.asarray(phys.samples, dtype=np.float64)


def extra_mv(lead, first, path: Path, fmt: str) -> np.ndarray | str:
    """A channel none of the 12 (``_to_record``): an extra lead's samples in mV (``records.extra_leads``: V4R, vx)
    at the rate of the ECG leads (``first``: one of them), or why they cannot be (another rate, their scale);
    no samples for another channel (blood pressure, respiration), which is not read."""
    if not is_extra_lead(lead.label):
        return np.zeros(0)
    if int(lead.sampling_rate) != int(first.sampling_rate):
        return f"sampled at {float(lead.sampling_rate):g} Hz, not the leads' {float(first.sampling_rate):g} Hz"
    try:
        return physical_mv(lead, path, fmt)
    except RecordError as err:      # "read as GE MUSE XML: lead V4R: ...": the format is the record's
        return err.reason.split(": ", 1)[-1] if err.reason.startswith("read as ") else err.reason


# Where each format states a lead's amplitude scale, for messages.
_SCALE_FIELD = {"dicom-ecg": "Channel Sensitivity", "hl7-aecg": "<scale>", "ge-muse-xml": "LeadAmplitudeUnitsPerBit",
                "ge-cardiosoft-xml": "<Resolution>",
                "philips-xml": "resolution", "scp-ecg": "AVM", "ishne": "amplitude resolution", "mfer": "MWF_SEN"}


def _no_scale(lead, fmt: str) -> str:
    """Why a lead's counts have no scale in volts, in words: its units are no voltage, the scale
    is given without units, or no scale is given."""
    field = _SCALE_FIELD.get(fmt, "amplitude scale")
    units = str(lead.adc_resolution_unit or "").strip()
    if units:
        return f"its {field} is in {units!r}, not in a voltage unit (uV, mV, V)"
    if lead.adc_resolution:
        return f"its {field} ({float(lead.adc_resolution):g}) is given without units"
    return f"the file gives no {field} (with its units) for it"


def scale_said(ecg: list, fmt: str) -> str:
    """The field that scales the ECG leads' counts (``_SCALE_FIELD``), as a reason names it: "the file's
    LeadAmplitudeUnitsPerBit (4.88 uV per count)", the first scaled lead's, "(4.88 uV per count in lead I; the
    others' differ)" where they differ (the lead named is the one whose value is quoted); "" where the samples come in
    physical units already."""
    said = [(lead.label, f"{float(lead.resolution):g} {(lead.resolution_unit or '').strip()} per count") for lead in ecg
            if lead.is_raw or (lead.resolution_unit or "").strip()]
    if not said:
        return ""
    (label, first), *_ = said
    differ = "" if len({s for _, s in said}) == 1 else f" in lead {label}; the others' differ"
    return f"the file's {_SCALE_FIELD.get(fmt, 'amplitude scale')} ({first}{differ})"
