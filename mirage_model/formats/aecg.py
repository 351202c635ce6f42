"""HL7 aECG: the HL7 Version 3 Annotated ECG (ANSI/HL7 V3 ECG, R1-2004), an XML document whose
series hold sequence sets of sequences (one per lead, and a TIME_ sequence giving the set's time
axis), read by ecgdatakit's parser.

This module adapts the parser to read a series whose leads are split over several sequence sets
recorded together, and to refuse sets recorded one after another as no simultaneous 12-lead ECG, to
read a reported age in months, weeks, days or hours as a fraction of a year, and to cut a median beat's
trailing fill of the 16-bit range's ends (``assemble.cut_beat_fill``).
"""

from __future__ import annotations

import math
import warnings

from mirage_model.formats.assemble import cut_beat_fill, sex_code_note
from mirage_model.records.age import YEAR_DAYS
from mirage_model.records.leads import derivable_leads, standard_leads_named
from mirage_model.records.record import STANDARD_LEADS

# UCUM units of the reported age and how many of each make a year
# HL7 V3 AdministrativeGender (2.16.840.1.113883.5.1), the code system aECG's administrativeGenderCode names
_SEX_CODES = {"M": "male", "F": "female", "UN": "undifferentiated"}
_AGE_UNITS = {"a": 1.0, "yr": 1.0, "mo": 12.0, "wk": YEAR_DAYS / 7, "d": YEAR_DAYS, "h": YEAR_DAYS * 24}


def _time_axis(sequence_set) -> tuple[str, ...] | None:
    """An HL7 aECG sequence set's time axis: its TIME_ sequence's code, head and increment (value
    and unit), or None when it has none."""
    for seq in sequence_set.findall("component/sequence"):
        code = seq.find("code")
        name = (code.get("code") or "").strip() if code is not None else ""
        if name.upper().startswith("TIME_"):
            value = seq.find("value")
            head = value.find("head") if value is not None else None
            inc = value.find("increment") if value is not None else None
            return (name.upper(), *((el.get(k) or "").strip() if el is not None else ""
                                    for el, k in ((head, "value"), (inc, "value"), (inc, "unit"))))
    return None


def adapt_parser(parser):
    """ecgdatakit's HL7 aECG parser, made to read a series whose leads are split over several
    sequence sets. A sequence set holds the sequences recorded together (one time axis, its
    TIME_ sequence); ecgdatakit read the first set only, so a cart that writes the limb leads in
    one set and the chest leads in another (the same head and increment: recorded together) was
    refused as "missing V1 ... V6". Sets on the first set's time axis are read as one; when their
    leads do not give the 12 and sets of another time axis hold the rest (recorded one group after
    another, as a 4x3 strip chart does), they are no simultaneous 12-lead ECG, and the file is
    refused saying so (sets of another axis are otherwise left out, as ecgdatakit leaves them)."""
    from ecgdatakit.exceptions import CorruptedFileError

    class SequenceSets(type(parser)):
        def _read_sequence_set(self, series, kind, file_path):
            holders = [comp for comp in series.findall("component") if comp.find("sequenceSet") is not None]
            if len(holders) > 1:
                first = holders[0].find("sequenceSet")
                axis = _time_axis(first)
                have = set(self._set_leads(first))
                apart = []
                for comp in holders[1:]:
                    other = comp.find("sequenceSet")
                    if axis is not None and _time_axis(other) == axis:
                        for seq in other.findall("component"):   # its leads join the first set
                            if not _is_time_sequence(seq):
                                first.append(seq)
                        series.remove(comp)
                        have |= set(self._set_leads(other))
                    else:
                        apart.append(other)
                others = {lead for other in apart for lead in self._set_leads(other)}
                elsewhere = [lead for lead in STANDARD_LEADS if lead in others - have]
                complete = set(STANDARD_LEADS) <= have | derivable_leads(have)   # the first axis's leads give the 12
                if elsewhere and kind == "rhythm" and not complete:   # (a median beat's sets: the first is read, as before)
                    heads = ", ".join(dict.fromkeys((_time_axis(x) or ("", "?"))[1] or "?"
                                                    for x in [first, *apart]))
                    together = [lead for lead in STANDARD_LEADS if lead in have]
                    raise CorruptedFileError(
                        f"the {kind} series holds its leads in {1 + len(apart)} sequence sets on different "
                        f"time axes (heads {heads}): {', '.join(elsewhere)} were not recorded with "
                        f"{', '.join(together) or 'the first set'}, so they are no simultaneous 12-lead ECG")
            return super()._read_sequence_set(series, kind, file_path)

        def _set_leads(self, sequence_set) -> list[str]:
            """The standard leads a sequence set's sequences hold (by their MDC codes)."""
            codes = [seq.find("code") for seq in sequence_set.findall("component/sequence")]
            return standard_leads_named(self._lead_label(code.get("code") or "") for code in codes if code is not None)

        def _read_context(self, root, record):
            super()._read_context(root, record)
            self._stated_age = stated_age(root)      # the parser's int(): a reported age of 3 mo was 0 years

        def _read_patient(self, root):
            info = super()._read_patient(root)
            # "UN" (undifferentiated) or no code was read as unknown without a word: said, with what the limits
            # by sex took
            note = sex_code_note("HL7 aECG: administrativeGenderCode", gender_code(root), _SEX_CODES)
            if note:
                warnings.warn(note)
            return info

        def parse(self, file_path):
            self._stated_age = None
            record = super().parse(file_path)
            # a median beat converted from a Philips XML (sierra-ecg-tools) keeps the cart's fill as digits
            cut_beat_fill(record.median_beats or [])
            # the reported age alone: the parser's whole years from the dates, where none is reported,
            # would pass for one (and keep 123 from a placeholder birth date 1900-01-01)
            record.patient.age = self._stated_age
            return record

    return SequenceSets()


def gender_code(root) -> str:
    """The subject's administrativeGenderCode's code as the file states it ("" where none is stated)."""
    from ecgdatakit.parsing.parsers import hl7_aecg as hx

    subject = hx._child(root, "componentOf/timepointEvent/componentOf/subjectAssignment/subject/trialSubject")
    person = hx._child(subject, "subjectDemographicPerson") if subject is not None else None
    return hx._attr(hx._child(person, "administrativeGenderCode"), "code") if person is not None else ""


def stated_age(root) -> float | None:
    """The reported age (LOINC 21612-7, a PQ value with a UCUM unit: "3" "mo") among the document's
    related observations, in years as a fraction (0.25), or None when there is none in a known unit."""
    from ecgdatakit.parsing.parsers import hl7_aecg as hx

    for obs in hx._children(root, "controlVariable/relatedObservation"):
        if hx._attr(hx._child(obs, "code"), "code") == "21612-7":
            value = hx._child(obs, "value")
            age = hx._float(hx._attr(value, "value"))
            per_year = _AGE_UNITS.get(hx._attr(value, "unit") or "a")
            if age is not None and per_year and math.isfinite(age):     # "-1": said by assemble._age
                return age / per_year
    return None


def _is_time_sequence(component) -> bool:
    """Whether a sequence set's component is its TIME_ sequence."""
    code = component.find("sequence/code")
    return code is not None and (code.get("code") or "").strip().upper().startswith("TIME_")


def stated_rate(meta: dict, part: str = "rhythm"):
    """The rhythm (``part`` "rhythm") or median beat ("median") series' sampling rate as its time
    increment states it (ecgdatakit's ``raw_metadata``), None when it is not given."""
    return (meta.get(f"{part}_time") or {}).get("sampling_rate_exact")
