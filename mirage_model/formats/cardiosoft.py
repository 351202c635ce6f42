"""GE CardioSoft XML: the resting ECG export of GE Healthcare's CardioSoft PC ECG system (root element
``<CardiologyXML>``; GE's own layout, no public specification), read into ecgdatakit's ``ECGRecord``
so that it takes the path every vendor format takes (``vendor._to_record``).

ecgdatakit has no CardioSoft parser; the layout is the one the files state about themselves
(CardioSoft V6.73's exports, tests/data/formats/cardiosoft-example1.xml):

- ``<StripData>``: the rhythm, ``<NumberOfLeads>``, ``<SampleRate units="Hz">``,
  ``<ChannelSampleCountTotal>``, ``<Resolution units="uVperLsb">`` and one ``<WaveformData lead="I">``
  per lead holding that many comma-separated whole numbers (12 leads stored: III and the augmented
  leads are the cart's, and agree with Einthoven's and Goldberger's identities to a count);
- ``<RestingECGMeasurements>``: the 12SL analysis' global measurements, each with its ``units``
  ("BPM", "ms", "degrees"), and ``<MedianSamples>``, the median beats in the same layout;
- ``<StripData><ArrhythmiaResults>``: each beat's time in ms (the second reading of the time axis the
  tests use);
- ``<PatientInfo>``: ``PID``, ``Name``, ``Age units="YEARS"``, ``BirthDateTime``, ``Gender``;
  ``<ObservationDateTime>``: the acquisition's date and time, field by field;
  ``<ClinicalInfo><DeviceInfo>``: ``Desc``, ``SoftwareVer``, ``AnalysisVer``.

A rhythm field that is missing, no number, in another unit or disagreeing with the data refuses the
file naming the field; a damaged median beat is left out with a reader note (it is the device's), as
GE MUSE's is (:mod:`muse`). Dates of year 1 (an anonymised export writes 1/1/1 01:01:01) are no date.
"""

from __future__ import annotations

import math
import warnings
from datetime import datetime
from pathlib import Path

import numpy as np

from mirage_model.formats.xml_numbers import WHOLE, whole_count
from mirage_model.records.age import YEAR_DAYS

# <Age units=...> and how many of each make a year
_AGE_UNITS = {"YEARS": 1.0, "MONTHS": 12.0, "WEEKS": YEAR_DAYS / 7, "DAYS": YEAR_DAYS, "HOURS": YEAR_DAYS * 24}
# <RestingECGMeasurements> field -> (ecgdatakit GlobalMeasurements field, the unit it must state)
_MEASUREMENTS = {"VentricularRate": ("heart_rate", "bpm"), "RRInterval": ("rr_interval", "ms"),
                 "PQInterval": ("pr_interval", "ms"), "QRSDuration": ("qrs_duration", "ms"),
                 "QTInterval": ("qt_interval", "ms"), "PAxis": ("p_axis", "degrees"),
                 "RAxis": ("qrs_axis", "degrees"), "TAxis": ("t_axis", "degrees")}
# the cart's QTc, whose formula the file does not name: kept as an annotation (device_report._UNNAMED_QTC)
QTC_FIELD = "QTCInterval"
# a date before this year is an export's placeholder (year 1), not a date
_FIRST_YEAR = 1901


class CardioSoftParser:
    """GE CardioSoft ``<CardiologyXML>`` -> ecgdatakit ``ECGRecord`` (``parse``, as ecgdatakit's parsers)."""

    def parse(self, file_path: Path):
        from defusedxml import ElementTree
        from ecgdatakit.exceptions import CorruptedFileError
        from ecgdatakit.models import ECGRecord, GlobalMeasurements

        root = ElementTree.parse(str(file_path), forbid_dtd=False).getroot()
        if root.tag != "CardiologyXML":
            raise CorruptedFileError(f"GE CardioSoft: the root element is <{root.tag}>, not <CardiologyXML>")
        strip = root.find("StripData")
        if strip is None or strip.find("WaveformData") is None:
            raise CorruptedFileError("GE CardioSoft: the file holds no rhythm strip (<StripData> with "
                                     "<WaveformData>)")
        record = ECGRecord(source_format="ge_cardiosoft_xml")
        record.leads = _block_leads(strip, "StripData", CorruptedFileError)
        resting = root.find("RestingECGMeasurements")
        median = resting.find("MedianSamples") if resting is not None else None
        if median is not None and median.find("WaveformData") is not None:
            try:
                record.median_beats = _block_leads(median, "MedianSamples", CorruptedFileError)
            except CorruptedFileError as err:
                warnings.warn(f"{err}; the device's median beat was left out")
        record.measurements = GlobalMeasurements()
        record.annotations = {}
        if resting is not None:
            _read_measurements(resting, record)
        _read_patient(root.find("PatientInfo"), record)
        _read_recording(root, record)
        return record


def _block_leads(block, where: str, error) -> list:
    """The leads of a ``<StripData>`` or ``<MedianSamples>`` block as ecgdatakit Leads of counts.

    Raises:
        ``error``: naming the field that is missing, no number, in another unit, or disagrees with the data.
    """
    from ecgdatakit.models import Lead

    rate = _stated(block, "SampleRate", where, "hz", error)
    if abs(rate - round(rate)) > 1e-6 * rate:
        raise error(f"GE CardioSoft: <{where}>'s <SampleRate> reads {rate:g} Hz, not a whole number of Hz")
    resolution = _stated(block, "Resolution", where, "uvperlsb", error)
    count = whole_count(block.findtext("ChannelSampleCountTotal"))
    stated_leads = whole_count(block.findtext("NumberOfLeads"))
    waves = block.findall("WaveformData")
    if stated_leads is not None and stated_leads != len(waves):
        raise error(f"GE CardioSoft: <{where}> states <NumberOfLeads> {stated_leads} but holds "
                    f"{len(waves)} <WaveformData>")
    leads, seen = [], set()
    for i, wave in enumerate(waves):
        label = (wave.get("lead") or "").strip()
        if not label:
            raise error(f"GE CardioSoft: <{where}>'s <WaveformData> number {i + 1} names no lead (lead=\"...\")")
        if label.lower() in seen:
            raise error(f"GE CardioSoft: <{where}> holds lead {label} twice")
        seen.add(label.lower())
        samples = _counts(wave.text or "", f"<{where}> lead {label}'s <WaveformData>", error)
        if count is not None and samples.size != count:
            raise error(f"GE CardioSoft: <{where}> lead {label}'s <WaveformData> holds {samples.size} samples, "
                        f"but <ChannelSampleCountTotal> is {count}")
        leads.append(Lead(label=label, samples=samples, sampling_rate=int(round(rate)), resolution=resolution,
                          resolution_unit="uV", units="", is_raw=True, adc_resolution=resolution,
                          adc_resolution_unit="uVperLsb"))
    return leads


def _stated(block, tag: str, where: str, unit: str, error) -> float:
    """A block's ``<tag units=unit>`` as a positive finite number (the unit compared in lower case)."""
    element = block.find(tag)
    if element is None:
        raise error(f"GE CardioSoft: <{where}> has no <{tag}>")
    stated_unit = (element.get("units") or "").strip()
    if stated_unit.lower() != unit:
        raise error(f"GE CardioSoft: <{where}>'s <{tag}> is in {stated_unit or '(no unit)'!r}, "
                    f"not {'Hz' if unit == 'hz' else 'uVperLsb'}")
    text = (element.text or "").strip()
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise error(f"GE CardioSoft: <{where}>'s <{tag}> reads {text!r}, not a number above 0")
    return value


def _counts(text: str, where: str, error) -> np.ndarray:
    """Comma-separated whole numbers (white space around them allowed) as float64 counts (T,)."""
    parts = text.split(",")
    if parts and not parts[-1].strip():
        parts = parts[:-1]             # a trailing comma
    for i, part in enumerate(parts):
        if not WHOLE.fullmatch(part.strip()):
            raise error(f"GE CardioSoft: {where} holds {part.strip()[:20]!r} at sample {i + 1}, not a whole number")
    if not parts:
        raise error(f"GE CardioSoft: {where} is empty")
    return np.array([int(p) for p in parts], dtype=np.float64)


def _number(element) -> float | None:
    """An element's text as a finite float, or None."""
    text = (element.text or "").strip() if element is not None else ""
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _read_measurements(resting, record) -> None:
    """The 12SL global measurements, each in the unit it must state (another unit: left out with a note)."""
    for tag, (field, unit) in _MEASUREMENTS.items():
        element = resting.find(tag)
        value = _number(element)
        if value is None:
            continue
        stated = (element.get("units") or "").strip()
        if stated and stated.lower() != unit:
            warnings.warn(f"GE CardioSoft: the measurement <{tag}> is in {stated!r}, not {unit}; it was left out")
            continue
        setattr(record.measurements, field, int(round(value)))
    qtc = resting.find(QTC_FIELD)
    value = _number(qtc)
    if value is not None and (qtc.get("units") or "ms").strip().lower() == "ms":
        record.annotations[QTC_FIELD] = f"{value:g}"
    analysis = (resting.findtext("DiagnosisVersion") or "").strip()
    if analysis:
        record.raw_metadata["device_analysis"] = analysis


def _read_patient(info, record) -> None:
    """<PatientInfo>: ID, name, age (by its units), birth date, sex."""
    patient = record.patient
    if info is None:
        return
    patient.patient_id = (info.findtext("PID") or "").strip()
    patient.last_name = (info.findtext("Name/FamilyName") or "").strip()
    patient.first_name = (info.findtext("Name/GivenName") or "").strip()
    gender = (info.findtext("Gender") or "").strip().upper()
    patient.sex = {"MALE": "M", "FEMALE": "F"}.get(gender, "")
    age = info.find("Age")
    value = _number(age)
    per_year = _AGE_UNITS.get((age.get("units") or "YEARS").strip().upper()) if age is not None else None
    if value is not None and per_year:
        patient.age = value / per_year
    elif value is not None:
        warnings.warn(f"GE CardioSoft: the age {value:g} is in {age.get('units')!r}, a unit MIRAGE does not "
                      "know; it was left out")
    born = _date_fields(info.find("BirthDateTime"))
    if born is not None:
        patient.birth_date = born    # (a placeholder, 0001-01-01, is said so by assemble._age)


def _read_recording(root, record) -> None:
    """Acquisition time (a year-1 placeholder: none, with a note), device, site."""
    observed = root.find("ObservationDateTime")
    when = _date_fields(observed, with_time=True)
    if when is not None and when.year < _FIRST_YEAR:
        warnings.warn(f"GE CardioSoft: the acquisition time <ObservationDateTime> reads {when.isoformat(sep=' ')}, "
                      "a placeholder (an anonymised export): no acquisition time")
        when = None
    record.recording.date = when
    device = root.find("ClinicalInfo/DeviceInfo")
    if device is not None:
        record.recording.device.model = " ".join(
            x for x in ((device.findtext("Desc") or "").strip(), (device.findtext("SoftwareVer") or "").strip()) if x)
        analysis = (device.findtext("AnalysisVer") or "").strip()
        if analysis and "device_analysis" not in record.raw_metadata:
            record.raw_metadata["device_analysis"] = analysis
    site = (root.findtext("PatientVisit/ServicingFacility/Name") or
            root.findtext("PatientVisit/AssignedPatientLocation/Facility") or "").strip()
    record.recording.device.institution = site


def _date_fields(element, with_time: bool = False) -> datetime | None:
    """A date (and time) given field by field (<Year>, <Month>, <Day>, <Hour> ...), or None when a
    field is missing or they are no date."""
    if element is None:
        return None
    names = ("Year", "Month", "Day") + (("Hour", "Minute", "Second") if with_time else ())
    values = [whole_count(element.findtext(name)) for name in names]
    if any(v is None for v in values):
        return None
    try:
        return datetime(*values)
    except ValueError:
        return None
