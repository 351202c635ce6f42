"""A patient's age: in years from a birth date and the day of the recording, and in the words a
reader of a child's ECG expects ("7 months", "3 weeks", "5 days").

Ages are years everywhere in the project (``EcgRecord.age``, the clinical "age" feature, the
children's reference ranges of ``review.measurements``); an infant's is a fraction of a year. A
year here is the mean Gregorian year, 365.2425 days, so that a birth date and an acquisition date
give the same age whatever the years between them.

An age no living patient can have is no age: above ``MAX_AGE_Y`` (the longest documented human
life), below 0, or from a birth date that exports write for "unknown" (``placeholder_birth``). The
readers take such an age as unknown and say so in a reader note naming the field and its value.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from mirage_model.words import counted

YEAR_DAYS = 365.2425
MONTH_DAYS = YEAR_DAYS / 12
# Ages under this many years are said in months (below 1 month: weeks, below 2 weeks: days), as a
# paediatric ECG's age is: a year's difference is most of a life at 7 months.
MONTHS_BELOW_Y = 2.0
# A whole month's age from days: an age from dates 3 calendar months apart is 89 to 92 days, below 3
# mean months for most; up to this fraction of a month (3 days) short of a whole month counts as it.
_MONTH_SLACK = 0.1
# The longest documented human life, Jeanne Calment's: 122 years 164 days (1875-1997; Robine JM,
# Allard M. The oldest human. Science 1998;279:1834). An age above it is a placeholder ("999", "150")
# or comes from a placeholder birth date, never a patient's.
MAX_AGE_Y = 122.5
# Birth dates that clinical exports write for "unknown": 1900-01-01 (many HIS and ECG management
# systems), 1899-12-30 (day 0 of OLE Automation and Excel dates), 1800-01-01, 0001-01-01 (.NET's
# DateTime.MinValue). A birth date on or before this day is taken for one of them.
LAST_PLACEHOLDER_BIRTH = date(1900, 1, 1)
# ``placeholder_birth``'s words for a birth date on or before it
PLACEHOLDER_BIRTH_RULE = f"{LAST_PLACEHOLDER_BIRTH.isoformat()} or earlier, what exports write for none"
# an anonymised file's age of 90 or more, written as 90 (HIPAA Safe Harbor, 45 CFR 164.514(b)(2): "all ages over 89
# ... aggregated into a single category of age 90 or older"; ``formats.safe_harbor``): the faces show it "≥90"
AGE_CAPPED_YEARS = 90.0
AGE_CAPPED_NOTE = "age 90 or older, written as 90 (HIPAA Safe Harbor: ages over 89 are one category)"
AGE_CAPPED_SHOWN = "≥90"


def years_between(birth, on) -> float | None:
    """The exact age in years (days / 365.2425) on the day ``on`` of a patient born on ``birth``
    (dates or datetimes; the time of day is not used), or None when either is missing or ``on`` is
    before ``birth``."""
    if isinstance(birth, datetime):
        birth = birth.date()
    if isinstance(on, datetime):
        on = on.date()
    if not isinstance(birth, date) or not isinstance(on, date):
        return None
    days = (on - birth).days
    return days / YEAR_DAYS if days >= 0 else None


def impossible_age(years) -> str | None:
    """Why an age in years (a number) is no living patient's, in the words of a reader note ("older
    than anyone has lived (122.5 years)", "below 0"), or None when it is possible (or no number)."""
    try:
        a = float(years)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(a):
        return None
    if a > MAX_AGE_Y:
        return f"older than anyone has lived ({MAX_AGE_Y:g} years)"
    if a < 0:
        return "below 0"
    return None


def placeholder_birth(birth, on=None, stated=None) -> str | None:
    """Why a birth date looks like a placeholder rather than the patient's, in the words of a reader
    note, or None: on or before ``LAST_PLACEHOLDER_BIRTH`` (1900-01-01, 1899-12-30, 1800-01-01,
    0001-01-01), or the acquisition date ``on`` itself (an export that fills a missing field with the
    day of the ECG) unless the file states a newborn's age (under a day). With no stated age, a birth
    date on the day of the ECG is a newborn's or a placeholder: which, the file cannot tell, so the
    age is unknown (a newborn's is typed in the lab form) rather than 0 days for any adult.

    Args:
        birth: the file's birth date (date or datetime; anything else is no date: None).
        on: the acquisition's date (date or datetime), or None.
        stated: the age in years the file states, or None.
    """
    if isinstance(birth, datetime):
        birth = birth.date()
    if isinstance(on, datetime):
        on = on.date()
    if not isinstance(birth, date):
        return None
    if birth <= LAST_PLACEHOLDER_BIRTH:
        return PLACEHOLDER_BIRTH_RULE
    if isinstance(on, date) and birth == on:
        if stated is None:
            return "the day of the ECG: a newborn's, or filled in for none"
        if stated * YEAR_DAYS >= 1:
            return f"the day of the ECG, and the file states an age of {age_text(stated, ' y')}"
    return None


def age_text(years, year_unit: str = "") -> str:
    """An age in years in the words it is shown with: whole years from 2 years on ("43", with
    ``year_unit`` after it: "43 y"), whole months below 2 years ("7 months", "18 months"), weeks
    below 1 month ("3 weeks") and days below 2 weeks ("5 days"). An age of exactly 0 is "under 1
    year": a whole-year age of 0 (GE MUSE and Philips state years, a birth date alone gives none)
    is any age of 0 to 11 months. "" for no age (None, not a number, negative).

    Args:
        years: the age in years (a float; an infant's a fraction).
        year_unit: what follows an age in whole years ("" in "Age: 43", " y" in a footer's "43 y").
    """
    try:
        a = float(years)
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(a) or a < 0:
        return ""
    if a == 0:
        return "under 1 year"
    if a >= MONTHS_BELOW_Y:
        return f"{math.floor(a)}{year_unit}"
    months = math.floor(a * 12 + _MONTH_SLACK)
    if months >= 1:
        return counted(months, "month")
    days = int(round(a * YEAR_DAYS))
    if days >= 14:
        return counted(days // 7, "week")
    return counted(days, "day")


def shown_age(years, meta=None, year_unit: str = "") -> str:
    """An age in the words every face shows it with (the patient line, every PDF page's header and footer, the
    folder row, the status bar): :func:`age_text`, but an anonymised file's 90 that stands for 90 or older (its
    ``meta["age_note"]`` holds ``AGE_CAPPED_NOTE``) is ``AGE_CAPPED_SHOWN`` ("≥90", "≥90 y" with ``year_unit``).

    Args:
        years: the age in years, as the session holds it (a reviewer's edit of 95 is shown 95).
        meta: the record's ``meta`` (None: no note, the age as it is).
        year_unit: what follows an age in whole years (" y" in a footer's "43 y").
    """
    shown = age_text(years, year_unit)
    note = str((meta or {}).get("age_note") or "")
    if shown and years == AGE_CAPPED_YEARS and AGE_CAPPED_NOTE in note:
        return f"{AGE_CAPPED_SHOWN}{year_unit}"
    return shown

