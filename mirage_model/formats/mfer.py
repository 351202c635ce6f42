"""MFER (ISO 22077-1, Medical waveform Format Encoding Rules): the patient's age as the file states it.

MFER's age (tag 0x83) is the age in whole years (1 byte) and in days (2 bytes), then the birth date.
ecgdatakit's parser keeps the whole years alone, so an infant's "0 years, 90 days" was an age of 0.
"""

from __future__ import annotations

from mirage_model.records.age import YEAR_DAYS


def stated_age(years, days) -> float | None:
    """The age in years that MFER's age field states: its whole years, or below 1 year its days as a
    fraction of a year (90 days: 0.246); None when it states neither (both 0 or absent: the birth
    date gives the age)."""
    if years:
        return float(years)
    if days:
        return days / YEAR_DAYS
    return None


def adapt_parser(parser):
    """ecgdatakit's MFER parser, made to give an infant's age in days as a fraction of a year, and no
    age where the file states none (the parser's whole years from the birth date: the dates give it)."""

    class AgeInDays(type(parser)):
        def _finish_patient(self):
            super()._finish_patient()
            self._patient.age = stated_age(*self._age)

    return AgeInDays()
