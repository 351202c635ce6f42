"""GE MUSE XML: the resting ECG export of GE Healthcare's MUSE cardiology system (root element
``<RestingECG>``; GE's own schema, no public standard), read by ecgdatakit's parser.

The parser converts the patient's and the cart's number fields with ``int()``: this module adapts
it so that one such field reading "NaN" or "inf" is left out (with a reader warning naming it)
instead of refusing the whole ECG, and so that such a waveform field refuses the file naming it.
A damaged median beat waveform (its counts disagree with its data, its base64 is corrupt) is left
out with a reader note, as the DICOM reader leaves out such a median beat group: it is the
device's, and refused the rhythm with it. An age in MONTHS, WEEKS, DAYS or HOURS (AgeUnits) is read
as a fraction of a year, not the parser's whole years (an infant's 0).
"""

from __future__ import annotations

import base64
import binascii
import math
import warnings

from mirage_model.formats.xml_numbers import whole_count
from mirage_model.records.age import YEAR_DAYS


# The GE MUSE fields ecgdatakit reads as numbers: the patient's (names and IDs are text, and "Nan"
# is a given name) and the sections of the cart's measurements, which hold numbers only.
_PATIENT_NUMBERS = ("PatientAge", "HeightCM", "HeightIN", "WeightKG", "WeightLBS")
# <AgeUnits> and how many of each make a year
_AGE_UNITS = {"YEARS": 1.0, "MONTHS": 12.0, "WEEKS": YEAR_DAYS / 7, "DAYS": YEAR_DAYS, "HOURS": YEAR_DAYS * 24}
_MEASUREMENTS = ("RestingECGMeasurements", "OriginalRestingECGMeasurements", "QRSTimesTypes", "PharmaData")


def adapt_parser(parser):
    """ecgdatakit's GE MUSE parser, made to leave out a patient or measurement field that reads
    "NaN" or "inf": it converts them with ``int()``, so one such field (a PatientAge, the cart's
    VentricularRate) refused the whole ECG with a Python error. The field is dropped before it is
    read, and a reader warning names it; such a field of a waveform (SampleBase) refuses the file
    naming it."""

    class FiniteNumbers(type(parser)):
        def _read_patient(self, demo, acquired, meta):
            _drop_non_finite(demo, "patient", _PATIENT_NUMBERS)
            info = super()._read_patient(demo, acquired, meta)
            # PatientAge alone (the parser's int(): a PatientAge of 7 MONTHS was 0 years); where it is
            # absent, the parser's whole years from the dates would pass for a stated age
            info.age = stated_age(demo)
            return info

        def _read_measurements(self, root, record):
            for section in _MEASUREMENTS:
                _drop_non_finite(root.find(section), "measurement")
            return super()._read_measurements(root, record)

        def _read_waveforms(self, root, record, file_path):
            # a waveform's own numbers (SampleBase, LeadSampleCountTotal ...) cannot be left out:
            # refused naming the field, not "cannot convert float NaN to integer"
            from ecgdatakit.exceptions import CorruptedFileError

            for wave in list(root.findall("Waveform")):
                problem = _median_problem(wave)
                if problem:
                    # the device's median beat, damaged: left out with a note, the rhythm still reads
                    root.remove(wave)
                    warnings.warn(f"GE MUSE: the median beat waveform was left out: {problem}")
            for wave in root.iter("Waveform"):
                for el in wave.iter():
                    if el.tag == "LeadAmplitudeUnitsPerBit":
                        continue              # (a resolution: checked with its unit, lead_scale.physical_mv)
                    text = _non_finite_text(el)
                    if text is not None:
                        raise CorruptedFileError(f"GE MUSE: the waveform field <{el.tag}> reads {text!r}, "
                                                 "which is not a finite number")
            return super()._read_waveforms(root, record, file_path)

    return FiniteNumbers()


def stated_age(demo) -> float | None:
    """<PatientDemographics>' PatientAge in years by its AgeUnits (7 MONTHS: 0.583), or None when
    either is missing, the unit is none of GE's, or the age is not a number."""
    if demo is None:
        return None
    text = (demo.findtext("PatientAge") or "").strip().replace(",", ".")
    per_year = _AGE_UNITS.get((demo.findtext("AgeUnits") or "").strip().upper())
    try:
        age = float(text)
    except ValueError:
        return None
    return age / per_year if per_year and math.isfinite(age) else None     # "-1": said by assemble._age


def _drop_non_finite(element, what: str, tags: tuple[str, ...] | None = None) -> None:
    """Remove from the XML ``element`` every text field (of ``tags``, when given) that reads as a
    number but not a finite one ("NaN", "inf", "-Infinity"), each with a warning naming it."""
    if element is None:
        return
    for parent in list(element.iter()):
        for child in list(parent):
            if tags is not None and child.tag not in tags:
                continue
            text = _non_finite_text(child)
            if text is not None:
                parent.remove(child)
                warnings.warn(f"GE MUSE: the {what} field <{child.tag}> reads {text!r}, which is not a "
                              "number; it was left out")


def _non_finite_text(element) -> str | None:
    """The text of a leaf XML field that reads as a number but not a finite one ("NaN", "inf",
    "-Infinity"; a decimal comma allowed), else None."""
    text = (element.text or "").strip()
    if len(element) or not text or len(text) > 32:
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return None if math.isfinite(value) else text


def _median_problem(wave) -> str | None:
    """What makes a Median ``<Waveform>`` unreadable (the parser refuses the whole file for it), in
    words naming the field, or None (also for a Rhythm waveform: its problems refuse the file)."""
    kind = (wave.findtext("WaveformType") or "").strip().lower()
    if kind != "median":
        return None
    try:
        base = float((wave.findtext("SampleBase") or "").strip().replace(",", "."))
    except ValueError:
        base = 0.0
    if not (math.isfinite(base) and base > 0):
        return "it has no valid SampleBase"
    for lead in wave.findall("LeadData"):
        name = (lead.findtext("LeadID") or "?").strip()
        try:
            payload = base64.b64decode("".join((lead.findtext("WaveFormData") or "").split()), validate=True)
        except (binascii.Error, ValueError):
            return f"lead {name}'s WaveFormData is not valid base64"
        size = whole_count(lead.findtext("LeadSampleSize"), decimals=True) or 2
        if not payload or size not in (1, 2, 4) or len(payload) % size:
            return f"lead {name} holds {len(payload)} bytes, not a whole number of {size}-byte samples"
        for tag, held in (("LeadByteCountTotal", len(payload)), ("LeadSampleCountTotal", len(payload) // size)):
            stated = whole_count(lead.findtext(tag), decimals=True)
            if stated is not None and stated != held:
                return f"lead {name}'s {tag} is {stated} but its WaveFormData holds {held}"
    return None
