"""The reference ranges of the measurement table, with their sources: the adults', a child's by age (below
``PAEDIATRIC_BELOW_Y`` years), the QRS voltages'; the flag each value gets against its range (``flag``, the comparison
the interpretation's rules make) and the values a table flags (``outside_range``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Mapping

from mirage_model.clinical import parse_sex
from mirage_model.records.age import age_text
from mirage_model.review.measurements.edits import _measure
from mirage_model.words import shown


# Adult reference ranges, with their sources, each with the comparison the interpretation's rule
# makes on the same value (``interpret`` flags through ``flag``): a value outside is flagged.
# Heart rate 50-100 bpm (bradycardia < 50, tachycardia > 100): Mason et al., Circulation
# 2007;115:1325 (AHA/ACCF/HRS part II).
# PR 120-200 ms (first-degree AV block > 200 ms), QRS < 120 ms (wide >= 120 ms): Surawicz et al.,
# Circulation 2009;119:e235 (part III).
# QTc < 450 ms men, < 460 ms women (prolonged at or above): Rautaharju et al., Circulation
# 2009;119:e241 (part IV).
# QTc <= 340 ms is short: Priori SG et al., 2015 ESC Guidelines for the management of patients with
# ventricular arrhythmias, Eur Heart J 2015;36:2793 (short QT syndrome diagnosed at QTc <= 340 ms).
# Part IV's "<= 390 ms" flagged 39 of the first 300 PTB-XL fold-9 records labelled normal ECG (QTc
# Bazett 5th percentile 379 ms there) and took their "Normal ECG" away; <= 340 ms none of them.
# QRS axis -30 to +90 deg (left axis deviation < -30, right > +90): Surawicz et al. 2009 (part III).
# QRS voltage (``measure.voltage``): Sokolow-Lyon SV1 + max(RV5, RV6) >= 3.5 mV and Cornell RaVL + SV3 > 2.8 mV in men,
# > 2.0 mV in women, voltage criteria for left ventricular hypertrophy (Hancock EW et al., Circulation 2009;119:e251,
# part V); without the patient's sex Cornell has no limit (the range says so). Low QRS voltage: peak-to-peak < 0.5 mV
# in every limb lead, < 1.0 mV in every precordial lead (Mason et al. 2007, part II's "low voltage" statements; the
# limits as J Electrocardiol 2008;41:281 states them), so the largest of the group flagged low when below its limit.
# The LVH limits apply from 16 years, with no higher age limit and on the Cornell voltage, not its product: the
# interpretation's rule, measured against the alternatives on PTB-XL folds 1-8 (scripts/voltage_agreement.py).
# These are adults' limits. Children's differ with age (a rate of 115 bpm and a QRS axis of +100 deg are
# normal at 4 years); the paediatric ECG normal limits in use are tables of 2nd and 98th percentiles by age
# group from birth to 16 years: Rijnbeek PR, Witsenburg M, Schrama E, Hess J, Kors JA. New normal limits for
# the paediatric electrocardiogram. Eur Heart J 2001;22:702-11 ("1912 healthy Dutch children (age 11 days to
# 16 years)", abstract), and Davignon A et al. Normal ECG standards for infants and children. Pediatr Cardiol
# 1979/80;1:123-31 ("2,141 white children aged 0 to 16 years divided into 12 age groups", summary). Neither
# table could be read whole here from a public copy (Davignon's heart rates for birth to 3 months only, as a
# secondary page quotes them), and limits typed from memory are not cited limits, so neither is built in: below
# PAEDIATRIC_BELOW_Y years the adult axis and lower limits are not applied (every place that names a range says
# so, ``age_note``). A child's heart rate is judged by a table whose every figure could be checked here,
# ``CHILD_RATE_BPM``: the 1st and 99th centiles of resting heart rate by age of Fleming et al.'s systematic review
# (Lancet 2011). What a child's ECG is further judged by comes from a clinical text that states it in words
# (Wenning DM, "Normal ECG at Age Intervals", Atlas
# of Pediatric Emergency Medicine, McGraw-Hill; AccessEmergencyMedicine): a child's PR runs 80-150 ms in
# younger children and 120-200 ms in adolescents, its QRS stays at or under 80 ms below 8 years and within
# 100-120 ms in adolescents, so a PR above the adults' 200 ms and a QRS of 120 ms or more are outside a
# child's range as well (flagged: conservative, a PR of 170 ms or a QRS of 100 ms may be long at 4 years
# and is not); and the upper limit of the QTc is 490 ms in infancy, 440 ms after 6 months of age. A child's
# value is flagged only where both the adult and the child's limit call it long: the QTc above the adult
# limit after 6 months (440 ms lies below it), above 490 ms under 6 months. From
# 16 years the adult limits apply; with no age given they apply too, and the range says "age unknown:
# adult ranges".
PAEDIATRIC_BELOW_Y = 16.0
# a child's QTc upper limit (not at it: above it) after INFANT_BELOW_Y years, and in infancy (Wenning; applied
# from an age above 0 and below INFANT_BELOW_Y: an age of 0 may be a whole-year age of 0-11 months)
QTC_CHILD, QTC_INFANT, INFANT_BELOW_Y = 440.0, 490.0, 0.5
WENNING = "Wenning, Atlas of Pediatric Emergency Medicine"
# a child's QTc is Bazett's at every rate (``interpret``'s rule 0ceba3c): its limits (Wenning) are Bazett's, and in 702
# children (81 % under 2 years, 122 +/- 20 bpm) Bazett's QTc was the least rate-dependent, Fridericia's falling with the
# rate (Phan DQ, Silka MJ, Lan YT, Chang RK. J Pediatr 2015;166:960-4)
PHAN = "Phan et al. 2015: Bazett's QTc the least rate-dependent in children"
CHILD_BAZETT = f"Bazett at any rate below {PAEDIATRIC_BELOW_Y:g} years ({PHAN})"     # the rule's words and the table's
# A child's heart rate limits (bpm) by age: (from, below) years, then the 1st and 99th centiles of Fleming S,
# Thompson M, Stevens R, et al. Normal ranges of heart rate and respiratory rate in children from birth to 18 years
# of age: a systematic review of observational studies. Lancet 2011;377:1011-8 (its table of centiles by age; "59 [of
# 69 studies] provided data on the heart rate of 143,346 children", abstract). The paper itself was not read here:
# each figure is the table's as two public pages quote it, one all thirteen rows' 1st and 99th centiles ("0 to 3
# months: 143 beats/min (ranging from 107 to 181 beats/min)" ... "15 to 18 years: 73 beats/min (43 to 104
# beats/min)"), the other the 10th, 50th and 90th centiles from 8 to 18 years ("8-12 67 84 103; 12-15 62 78 96;
# 15-18 58 73 92. Source: Fleming et al, Lancet 2011"), which lie in order within the first's. Resting rates, not
# from ECGs; the 1st and 99th centiles (wider than the ECG tables' 2nd and 98th above) keep a normal child's rate
# from being called abnormal. The last row (15-18 years) is used to 16 years.
CHILD_RATE_BPM: tuple[tuple[float, float, float, float], ...] = (
    (0.0, 0.25, 107.0, 181.0), (0.25, 0.5, 104.0, 175.0), (0.5, 0.75, 98.0, 168.0), (0.75, 1.0, 93.0, 161.0),
    (1.0, 1.5, 88.0, 156.0), (1.5, 2.0, 82.0, 149.0), (2.0, 3.0, 76.0, 142.0), (3.0, 4.0, 70.0, 136.0),
    (4.0, 6.0, 65.0, 131.0), (6.0, 8.0, 59.0, 123.0), (8.0, 12.0, 52.0, 115.0), (12.0, 15.0, 47.0, 108.0),
    (15.0, 18.0, 43.0, 104.0),
)
FLEMING = "1st-99th centile for age, Fleming et al. 2011"
# the measurements whose adult upper limit is above a child's, so that it is applied below 16 years
ADULT_UPPER_KEPT = ("pr_ms", "qrs_ms")
# The limits compare the value as measured, not a rounded one: QRS 119.6 ms is not wide, and the
# table shows it as "119.6" (``shown``), not as an unflagged "120"; 120.3 ms shows "120".


@dataclass(frozen=True)
class ReferenceRange:
    """A reference range as the rules read it.

    Attributes:
        low: a value below it is low (at it too when ``low_at``); None: no lower limit.
        high: a value above it is high (at it too when ``high_at``); None: no upper limit.
        text: the range in words with its source.
        low_at: the lower limit itself is low (QTc <= 340 ms is short).
        high_at: the upper limit itself is high (QRS >= 120 ms is wide, QTc >= 450 ms prolonged).
    """
    low: float | None
    high: float | None
    text: str
    low_at: bool = False
    high_at: bool = False

    def flag(self, value: float | None) -> str:
        """"high", "low" or "" for ``value`` (None: "")."""
        if value is None:
            return ""
        if self.high is not None and (value > self.high or (self.high_at and value == self.high)):
            return "high"
        if self.low is not None and (value < self.low or (self.low_at and value == self.low)):
            return "low"
        return ""

    def cell(self) -> str:
        """The range in a table cell: "120-200", "-30 to +90", "< 120", "> 340, < 450" (unit beside it)."""
        lo = None if self.low is None else ("> " if self.low_at else "") + f"{self.low:g}"
        hi = None if self.high is None else ("< " if self.high_at else "") + f"{self.high:g}"
        if lo is not None and hi is not None:
            if self.low_at or self.high_at:
                return f"{lo}, {hi}" if self.low_at else f">= {lo}, {hi}"
            return f"{lo} to {self.high:+g}" if self.low < 0 else f"{lo}-{hi}"
        if hi is not None:
            return hi if self.high_at else f"<= {hi}"
        if lo is not None:
            return lo if self.low_at else f">= {lo}"
        return ""

    @property
    def limits(self) -> tuple[float, ...]:
        return tuple(x for x in (self.low, self.high) if x is not None)


REFERENCE_RANGES: dict[str, ReferenceRange] = {
    "heart_rate_bpm": ReferenceRange(50.0, 100.0, "50-100 bpm (Mason et al. 2007)"),
    "pr_ms": ReferenceRange(120.0, 200.0, "120-200 ms (Surawicz et al. 2009)"),
    "qrs_ms": ReferenceRange(None, 120.0, "< 120 ms (Surawicz et al. 2009)", high_at=True),
    "qrs_axis_deg": ReferenceRange(-30.0, 90.0, "-30 to +90 deg (Surawicz et al. 2009)"),
}
QTC_LIMITS = {"M": 450.0, "F": 460.0}
QTC_SHORT = 340.0
SOKOLOW_LYON_MV = 3.5           # at or above: voltage criteria for LVH (Hancock et al. 2009)
CORNELL_MV = {"M": 2.8, "F": 2.0}   # above: voltage criteria for LVH (Hancock et al. 2009)
LOW_LIMB_MV, LOW_PRECORDIAL_MV = 0.5, 1.0   # below in every lead of the group: low QRS voltage
HANCOCK = "Hancock et al. 2009"
LOW_VOLTAGE_SOURCE = "Mason et al. 2007"
VOLTAGE_RANGES: dict[str, ReferenceRange] = {
    "sokolow_lyon_mv": ReferenceRange(None, SOKOLOW_LYON_MV, f"< {SOKOLOW_LYON_MV:g} mV (Sokolow-Lyon; {HANCOCK})",
                                      high_at=True),
    "qrs_limb_mv": ReferenceRange(LOW_LIMB_MV, None, f">= {LOW_LIMB_MV:g} mV (low voltage: below it in every limb "
                                  f"lead; {LOW_VOLTAGE_SOURCE})"),
    "qrs_precordial_mv": ReferenceRange(LOW_PRECORDIAL_MV, None, f">= {LOW_PRECORDIAL_MV:g} mV (low voltage: below "
                                        f"it in every precordial lead; {LOW_VOLTAGE_SOURCE})"),
}
VOLTAGE_CHILD = "adult voltage limits not applied"
# the quality check's finding of a record whose leads are each scaled to one size (LUDB: 1.00 mV peak-to-peak over
# the record): its QRS voltages are the file's scale, not the heart's, and no voltage limit is applied to them
SCALED = "amplitude_scaled"
VOLTAGE_SCALED = "(every lead scaled to the same size): voltage limits not applied"    # after NOT_IN_MV's words


def clean_age(age) -> float | None:
    """An age in years as a finite float, or None (not given, not a number, not finite, negative)."""
    try:
        a = float(age)
    except (TypeError, ValueError):
        return None
    return a if math.isfinite(a) and a >= 0 else None


def is_paediatric(age) -> bool:
    """True below ``PAEDIATRIC_BELOW_Y`` years (the age the paediatric normal limits cover), where the
    adult rate, axis and lower limits are not applied (``reference_range``); False from it and when the
    age is unknown."""
    a = clean_age(age)
    return a is not None and a < PAEDIATRIC_BELOW_Y


def child_rate_limits(age) -> tuple[float, float, str] | None:
    """A child's heart rate limits: (lowest normal, highest normal, the age they are for, "4-6 years") from
    ``CHILD_RATE_BPM`` (Fleming et al. 2011) below ``PAEDIATRIC_BELOW_Y`` years; None from it or with no age.

    A whole-year age (4, 0) may be anywhere in that year (a header's "Age: 4", a birth date's years): its
    limits are the widest of the age groups within the year (an age of 0: 93-181 bpm, any infant's).
    """
    a = clean_age(age)
    if a is None or a >= PAEDIATRIC_BELOW_Y:
        return None
    top = a + 1.0 if a == int(a) else a
    rows = [r for r in CHILD_RATE_BPM if r[0] <= a < r[1] or (a < r[0] < top)]
    lo, hi = min(r[2] for r in rows), max(r[3] for r in rows)
    first, last = rows[0][0], rows[-1][1]
    span = f"{first * 12:g}-{last * 12:g} months" if last <= 2 else f"{first:g}-{last:g} years"
    return lo, hi, span


def age_note(age) -> str:
    """What a named range says about the patient's age: "age 4: paediatric ECG, adult rate, axis and
    lower limits not applied" below ``PAEDIATRIC_BELOW_Y`` years, "age unknown: adult ranges" with no
    age, "" for an adult."""
    a = clean_age(age)
    if a is None:
        return "age unknown: adult ranges"
    if a < PAEDIATRIC_BELOW_Y:
        return f"age {age_text(a)}: paediatric ECG, adult rate, axis and lower limits not applied"
    return ""


def reference_range(key: str, sex: str | None = None, age=None, scaled: bool = False) -> ReferenceRange | None:
    """A measurement's reference range as applied to a patient of ``age`` years, or None when it
    has none here: the adult range (its text ending "; age unknown: adult ranges" when ``age`` is
    None), or, below ``PAEDIATRIC_BELOW_Y`` years, a child's: for PR, QRS and the QTc the adult upper limit
    alone, which lies above a child's (the QTc under 6 months: ``QTC_INFANT``, above the adult's), the heart
    rate by a child's centiles for age (``child_rate_limits``), for the others none (flags nothing; its text says
    the adult limits are not applied). ``scaled``: the record's
    leads are each scaled to one size (``amplitudes_not_in_mv``), and the QRS voltages have no limit
    (``VOLTAGE_SCALED``)."""
    if scaled and key in _measure().VOLTAGE_KEYS:
        from mirage_model.quality.findings import NOT_IN_MV     # on first use: mirage_model.quality imports scipy
        return ReferenceRange(None, None, f"{NOT_IN_MV} {VOLTAGE_SCALED}")
    if key == "cornell_mv":
        s = parse_sex(sex)
        if s in CORNELL_MV:
            who = {"M": "men", "F": "women"}[s]
            adult = ReferenceRange(None, CORNELL_MV[s], f"<= {CORNELL_MV[s]:g} mV, {who} (Cornell; {HANCOCK})")
        else:
            adult = ReferenceRange(None, None, f"sex not given: no limit (Cornell <= {CORNELL_MV['M']:g} mV men, "
                                   f"<= {CORNELL_MV['F']:g} mV women; {HANCOCK})")
    elif key in _measure().QTC_KEYS:
        s = parse_sex(sex)
        hi = QTC_LIMITS.get(s, QTC_LIMITS["M"])
        who = {"M": "men", "F": "women"}.get(s, "sex not given: the lower of the two sexes' limits")
        # as interpret says them: short at or below QTC_SHORT, prolonged at or above the limit
        adult = ReferenceRange(QTC_SHORT, hi, f"> {QTC_SHORT:g} and < {hi:g} ms, {who} "
                               "(upper: Rautaharju et al. 2009; lower: Priori et al. 2015)", low_at=True, high_at=True)
    else:
        adult = REFERENCE_RANGES.get(key) or VOLTAGE_RANGES.get(key)
    if adult is None:
        return None
    if is_paediatric(age):
        a = clean_age(age)
        if key in _measure().VOLTAGE_KEYS:     # a child's voltages run higher and lower with age: no adult limit
            return ReferenceRange(None, None, f"age {age_text(a)}: paediatric ECG, {VOLTAGE_CHILD}")
        # an age of 0 is often a whole-year age of an infant of 0-11 months (GE MUSE's AgeUnits MONTHS, a
        # Philips <months>, a birth date: whole years), so the infant's higher limit needs an age above 0
        if key in _measure().QTC_KEYS and 0 < a < INFANT_BELOW_Y and QTC_INFANT > adult.high:
            return ReferenceRange(None, QTC_INFANT, f"<= {QTC_INFANT:g} ms under 6 months of age ({WENNING}); "
                                  "the lower limit not applied")
        if key in _measure().QTC_KEYS:     # after 6 months a child's 440 ms lies below the adult limit
            return ReferenceRange(None, adult.high, f"< {adult.high:g} ms ({who}): the adult upper limit, above a "
                                  f"child's {QTC_CHILD:g} ms ({WENNING}); the lower limit not applied", high_at=True)
        if key in ADULT_UPPER_KEPT:
            return ReferenceRange(None, adult.high, f"{adult.cell()} ms: the adult upper limit, above a child's "
                                  f"({WENNING}); the lower limit not applied", high_at=adult.high_at)
        rate = child_rate_limits(a) if key == "heart_rate_bpm" else None
        if rate is not None:      # a child's rate: its own centiles for age (``CHILD_RATE_BPM``)
            lo, hi, span = rate
            return ReferenceRange(lo, hi, f"{lo:g}-{hi:g} bpm at {span} ({FLEMING})")
        return ReferenceRange(None, None, age_note(age))
    note = age_note(age)
    return replace(adult, text=f"{adult.text}; {note}") if note and adult.limits else adult


def flag(key: str, value: float | None, sex: str | None = None, age=None, scaled: bool = False) -> str:
    """"high", "low" or "" for a value against its reference range: the comparison the
    interpretation's rule makes (``interpret`` decides through this function); below
    ``PAEDIATRIC_BELOW_Y`` years only a long PR, a wide QRS, a long QTc ("high") and a heart rate outside a child's
    centiles for age ("high" or "low") are flagged; with ``scaled``
    (every lead scaled to one size) no QRS voltage is."""
    ref = reference_range(key, sex, age, scaled)
    return ref.flag(value) if ref is not None else ""


def shown_value(key: str, value: float, sex: str | None = None, age=None, scaled: bool = False) -> str:
    """The measurement ``key``'s ``value`` as the measurement panel, the PDF and the batch dialog show it: its field's
    decimals (``ScalarField.decimals``), more where fewer would cross a limit of its range (``words.shown``, judged by
    ``reference_range``'s flag): QRS 119.6 ms reads "119.6", not a wide "120"; an axis of -0.4 deg reads "0", not
    "-0"."""
    field = next(f for f in _measure().SCALAR_FIELDS if f.key == key)
    ref = reference_range(key, sex, age, scaled)
    text = shown(value, decimals=field.decimals, judge=ref.flag if ref is not None else None)
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def outside_range(values: Mapping | None, sex: str | None = None, age=None,
                  scaled: bool = False) -> list[tuple[str, str, str]]:
    """The measurements of ``values`` (key -> value, as ``Measurements.as_dict()`` or the table)
    that the table flags, in the table's order: (label, value with its unit as the table shows it,
    "high" or "low"), e.g. ("QRS duration", "124 ms", "high"); below ``PAEDIATRIC_BELOW_Y`` years by a
    child's ranges (``reference_range``); with ``scaled`` (every lead scaled to one size) no QRS voltage."""
    out = []
    for f in _measure().SCALAR_FIELDS if values else ():
        v = values.get(f.key)
        try:
            v = float(v)
        except (TypeError, ValueError):
            continue
        ref = reference_range(f.key, sex, age, scaled)
        if ref is not None and math.isfinite(v) and ref.flag(v):
            out.append((f.label, f"{shown_value(f.key, v, sex, age, scaled)} {f.unit}", ref.flag(v)))
    return out
