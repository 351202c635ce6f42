"""The interval measurement table with the reviewer's corrections (one table for app, PDF and CSV).

``measurement_rows`` applies the reviewer's edits to the automatic measurements
(``mirage_model.measure``) and recomputes what follows from them: RR from an edited heart rate
(RR = 60000 / HR) and each QTc with its own formula (Bazett QT / sqrt(RR), Fridericia
QT / cbrt(RR); Framingham QT + 154 ms (1 - RR); ``measure.qtc_*``) from the reviewed QT and RR.
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass, replace
from typing import Mapping

from mirage_model.clinical import parse_sex
from mirage_model.limits import SCALE_FINDINGS
from mirage_model.records.age import age_text
from mirage_model.words import shown  # noqa: F401 (its home was here; callers import it from here)


def _measure():
    """``mirage_model.measure``, the owner of the measurement keys (``SCALAR_FIELDS``: key, label,
    unit; ``QTC_KEYS``) and the QTc formulas. Imported on first use: it imports scipy.signal, and
    the app draws a record (and builds its session) before paying for that import.

    ``import_module``, not ``from mirage_model import measure``: that attribute of the package
    is the ``measure()`` function once ``mirage_model.measure`` has been read as a public name.
    """
    return importlib.import_module("mirage_model.measure")


# the range a reviewer's correction must fall in (physiologically possible, generously)
EDIT_LIMITS: dict[str, tuple[float, float]] = {
    "heart_rate_bpm": (10, 400), "rr_ms": (150, 6000), "pr_ms": (40, 600), "qrs_ms": (20, 400),
    "qt_ms": (100, 900), "qtc_bazett_ms": (100, 1000), "qtc_fridericia_ms": (100, 1000),
    "qtc_framingham_ms": (100, 1000), "p_axis_deg": (-180, 180), "qrs_axis_deg": (-180, 180), "t_axis_deg": (-180, 180),
    "sokolow_lyon_mv": (0, 20), "cornell_mv": (0, 20), "qrs_limb_mv": (0, 20), "qrs_precordial_mv": (0, 20)}


def check_edit(key: str, value: float) -> float:
    """A reviewer's correction, checked against ``EDIT_LIMITS``.

    Raises:
        ValueError: unknown key, not a number, or outside the possible range (names the range).
    """
    v = clean_edits({key: value})[key]
    lo, hi = EDIT_LIMITS[key]
    if not lo <= v <= hi:
        label = next(f.label for f in _measure().SCALAR_FIELDS if f.key == key)
        raise ValueError(f"{label} must be between {lo} and {hi}")
    return v


def clean_edits(edits: Mapping[str, object] | None) -> dict[str, float]:
    """Validated edits: key -> finite float.

    Raises:
        ValueError: an edit names no measurement, or its value is not a finite number.
    """
    clean: dict[str, float] = {}
    keys = _measure().SCALAR_KEYS if edits else ()   # no edits: no need to import measure
    for key, value in (edits or {}).items():
        if key not in keys:
            raise ValueError(f"measurement edit {key!r} names no measurement (known: {', '.join(keys)})")
        try:
            v = float(str(value).replace(",", ".")) if isinstance(value, str) else float(value)
        except (TypeError, ValueError):
            raise ValueError(f"measurement edit {key}: {value!r} is not a number") from None
        if not math.isfinite(v):
            raise ValueError(f"measurement edit {key}: {value!r} is not a finite number")
        clean[key] = v
    return clean


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


# The quality check's finding of mains interference the measurement could not subtract (``quality.mains_left``): the
# intervals' ends and the P and T waves are read through it, so their values are shown marked unreliable, their
# high/low flag kept beside the mark, as a cart marks a doubtful value and keeps its flag (LUDB 1 at 100 Hz with
# 0.03 mV of 50 Hz on Nyquist: PR 141, QRS 80, QT 472 ms against 137, 79, 473 clean, the T axis -24 deg against -51).
# The rows are those the serial comparison leaves out for the same finding
# (``serial.compare``: PR, QRS, QT, QTc, P and T axes); the rate and RR (R peaks), the QRS axis and the QRS
# voltages stand, as they stand there.
MAINS_LEFT = "mains_left"
MAINS_LEFT_KEYS = ("pr_ms", "qrs_ms", "qt_ms", "qtc_bazett_ms", "qtc_fridericia_ms", "qtc_framingham_ms",
                   "p_axis_deg", "t_axis_deg")
# A PR and a P axis are a P wave's: beside the atrial fibrillation or flutter the interpretation says (its rhythm
# statement by its code, AFIB or AFLT, whoever says it: the model, its guess, the AF rule, the flutter rules), the wave
# measured before the QRS is a flutter wave or none (``interpret.PR_ATRIAL_WHY``; the PR rules are not said there
# either). PTB-XL 02739_lr (AFLT) had shown PR 87 ms and a P axis of -139 deg. They are not shown as values ("not
# applicable"); where the interpretation marks that rhythm (a P wave candidate alike beat to beat, a regular rhythm)
# they are shown, marked unreliable, as where flutter waves were measured with no model that states atrial
# fibrillation or flutter (``interpret.BARE_FLUTTER``, ``Interpretation.p_doubt``). A withheld interpretation states
# no rhythm: nothing here follows from it.
ATRIAL_KEYS = ("pr_ms", "p_axis_deg")
# A frontal axis is read off the sizes of leads I and aVF against each other (``measure.delineate.wave_axis``): with
# every lead scaled to one size ("amplitude_scaled") that ratio is the file's, not the heart's. LUDB 1 (annotated left
# axis deviation) reads a QRS axis of +27 deg, and its limb leads break Einthoven's law (II - I - III: 46 % of II's
# RMS); on LUDB 1-40, 23 of the 38 annotated axes agree. The axes are shown marked unreliable, their flag kept.
AXIS_KEYS = ("p_axis_deg", "qrs_axis_deg", "t_axis_deg")
AXES_SCALED = "every lead scaled to the same size: an axis is read off the sizes of leads I and aVF"
# The quality check's findings of a record whose beats are taller or smaller than a heart gives: "amplitude_implausible"
# (a lead's mean beat over 20 mV peak-to-peak, ``QualityConfig.max_beat_ptp_mv``; the largest of 19,794 real records is
# 10.7 mV), "amplitude_high" (every lead too tall, or QRS, P wave and noise all several times their size: a gain wrong)
# and "amplitude_low" (no lead's beat reaches 0.3 mV, or QRS, P wave and noise all a fraction of their size). The QRS
# voltages are then the file's scale, not the heart's:
# an SCP-ECG file whose Section 6 amplitude multiplier reads 65535 nV for 2500 (every lead 26 times too tall) showed
# Sokolow-Lyon 62.44 mV and Cornell 52.79 mV flagged high, unmarked, where the interpretation was withheld. They are
# shown marked unreliable with the finding's words, their flag kept, as the voltage statements are marked
# (``interpret.AMPLITUDE_UNRELIABLE_NOTE``).
AMPLITUDE_DOUBT = SCALE_FINDINGS
# The QRS voltages (``measure.VOLTAGE_KEYS``) of such a record are the file's scale: no limit is applied to them
# (``VOLTAGE_SCALED``), and they are shown marked as its axes are (LUDB 1: Sokolow-Lyon 1.59 mV, Cornell 1.05 mV
# on page 1 with no mark, beside its marked axes); their doubt's words (not ``VOLTAGE_SCALED``, the range's words):
SCALED_VOLTAGES_WHY = "every lead scaled to the same size: amplitudes not in mV"
UNRELIABLE, NOT_APPLICABLE = "unreliable", "not applicable"
DOUBT_MARK = "?"           # beside a value shown unreliable (the app's cell, the PDF's, page 1's block)


def finding(quality, code: str):
    """A ``quality.QualityReport``'s (or None's) first finding ``code``, or None (no such finding, or no report)."""
    return next((f for f in getattr(quality, "findings", ()) or () if getattr(f, "code", None) == code), None)


def mains_left_doubt(quality) -> str:
    """Why a ``quality.QualityReport``'s (or None's) "mains_left" finding puts the intervals and the P and T axes in
    doubt, as a row says it: "mains interference (50 Hz) left after its subtraction (all 12 leads)"; "" without
    that finding."""
    found = finding(quality, MAINS_LEFT)
    if found is None:
        return ""
    from mirage_model.quality.findings import leads_text     # on first use: mirage_model.quality imports scipy

    what = str(found.name).split(":")[0]
    return f"{what} ({leads_text(found.leads)})" if found.leads else what


def amplitude_doubt(quality) -> str:
    """Why a ``quality.QualityReport``'s (or None's) amplitude finding (``AMPLITUDE_DOUBT``, the first found) puts the
    QRS voltages in doubt, in its words: "beats 56 mV tall in V2: more than any heart gives (units or gain wrong?)";
    "" without one."""
    found = next((f for f in (finding(quality, code) for code in AMPLITUDE_DOUBT) if f is not None), None)
    return "" if found is None else str(found.name)


def atrial_rhythm(interpretation):
    """The atrial fibrillation or flutter an ``interpret.Interpretation`` (or None) states as its rhythm: its first
    rhythm statement coded AFIB or AFLT (by code, not words), or None (none said, or the interpretation withheld)."""
    if interpretation is None or getattr(interpretation, "withheld", None):
        return None
    from mirage_model.review.interpret import atrial_statement     # interpret imports this module

    return atrial_statement(interpretation.statements)


def atrial_reason(statement) -> tuple[str, str]:
    """(rhythm, reason) for the PR and the P axis beside ``atrial_rhythm``'s statement (None: ("", "")): the rhythm's
    name in a sentence, "atrial flutter", and why it has no P wave to measure, "the wave measured as a P wave is a
    flutter wave (Saoudi et al. 2001), and a PR and a P axis need a P wave"."""
    if statement is None:
        return "", ""
    # interpret imports this module
    from mirage_model.review.interpret import PR_ATRIAL_WHY, STATEMENTS, _in_sentence

    return (_in_sentence(STATEMENTS[statement.code].text),
            f"the wave measured as a P wave is {PR_ATRIAL_WHY[statement.code]}, and a PR and a P axis need a P wave")


def atrial_doubt(statement) -> tuple[str, str]:
    """(doubt, why) for the PR and the P axis beside ``atrial_rhythm``'s statement (None: ("", "")): "not applicable"
    beside a rhythm said unmarked, "unreliable" beside one the interpretation marks; why in words, "atrial flutter:
    the wave measured as a P wave is a flutter wave (Saoudi et al. 2001), and a PR and a P axis need a P wave"
    (``atrial_reason``'s parts)."""
    name, reason = atrial_reason(statement)
    if not name:
        return "", ""
    if statement.note:
        return UNRELIABLE, f"{name} said, marked ({statement.note}): {reason}"
    return NOT_APPLICABLE, f"{name}: {reason}"


def amplitudes_not_in_mv(quality) -> bool:
    """Whether a ``quality.QualityReport`` (or None) found every lead scaled to one size ("amplitude_scaled"):
    the table's QRS voltages then carry no limit and no flag (``reference_range``'s ``scaled``)."""
    return finding(quality, SCALED) is not None


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


def measurement_notes(measurements, age=None) -> list[str]:
    """The automatic measurements' notes as the table says them (the app's panel, the PDF, ``mirage score``'s notes
    column) for a patient of ``age``: below ``PAEDIATRIC_BELOW_Y`` years the QTc is Bazett's at any rate, as the
    interpretation's rule judges it (``PHAN``), so the adults' "QTc Bazett unreliable: heart rate 130 bpm > 120"
    says that instead; [] for no measurements."""
    notes = [str(n) for n in (getattr(measurements, "notes", ()) or ())] if measurements is not None else []
    if not is_paediatric(age) or not notes:
        return notes
    fast = _measure().BAZETT_FAST_NOTE
    hr = getattr(measurements, "heart_rate_bpm", None)
    said = f"QTc {CHILD_BAZETT}" + (f": heart rate {hr:g} bpm" if hr is not None else "")
    return [said if n.startswith(fast) else n for n in notes]


def _qtc_reason(note: str) -> tuple[str, tuple[str, ...]]:
    """(why, the QTc keys it puts in doubt) for a measurement note on a QTc reported but unreliable (``measure``'s
    ``QTC_UNRELIABLE_NOTE``: every formula; ``BAZETT_FAST_NOTE``: Bazett's), why being the note's words after its
    head; ("", ()) for any other note."""
    measure = _measure()
    fast = measure.BAZETT_FAST_NOTE
    for head, keys in ((measure.QTC_UNRELIABLE_NOTE, measure.QTC_KEYS),
                       (fast[:fast.index(": ") + 2], ("qtc_bazett_ms",))):
        if note.startswith(head) and note[len(head):]:
            return note[len(head):], keys
    return "", ()


def qtc_doubts(measurements, age=None, rate_edited: bool = False) -> dict[str, str]:
    """The QTc rows the measurement's own notes call unreliable (every formula at an irregular rhythm or below 50 bpm,
    Bazett's above 120 bpm; not a child's, whose QTc is Bazett's at any rate: ``measurement_notes``), key -> why in
    the note's words after its head: "irregular rhythm (RR coefficient of variation 0.46 > 0.15; e.g. atrial
    fibrillation): QT and the mean RR do not belong to the same cycle", two notes joined by "; ". ``rate_edited``:
    the reviewer's rate or RR replaced the measured one the rate notes judge, so only the irregular rhythm's stands.
    {} without such a note."""
    out: dict[str, list[str]] = {}
    for note in measurement_notes(measurements, age):
        why, keys = _qtc_reason(note)
        if why and not (rate_edited and why.startswith("heart rate")):
            for k in keys:
                out.setdefault(k, []).append(why)
    return {k: "; ".join(whys) for k, whys in out.items()}


def unsaid_notes(measurements, age=None, rows: list[dict] | None = None) -> list[str]:
    """``measurement_notes`` less those a row of ``rows`` (``measurement_rows``) gives as its doubt's reason
    (``qtc_doubts``), which ``doubt_text`` says beside the marked values: a note is said once."""
    said = [r["doubt_why"] for r in rows or () if r.get("doubt")]
    out = []
    for note in measurement_notes(measurements, age):
        why = _qtc_reason(note)[0]
        if not (why and any(why in w for w in said)):
            out.append(note)
    return out


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
            out.append((f.label, f"{shown(v, decimals=f.decimals, judge=ref.flag)} {f.unit}", ref.flag(v)))
    return out


def why_unmeasured(measurements, edits: Mapping[str, float] | None = None, error: str = "") -> str:
    """Why the measurement table holds no value at all, as the app and the PDF both say it.

    ``measure()`` gives every value None, with the reason in ``Measurements.notes``, on a record it
    cannot measure (too short, too noisy, too few usable leads); no measurements at all (None) have
    the session's error instead.

    Args:
        measurements: measure.Measurements or None (not measured).
        edits: the reviewer's values (any of them is a value in the table).
        error: why there are no measurements (the session's error), used when there are none.

    Returns:
        "not measured: record too short (2.0 s) for measurement" (the notes, or ``error``, joined by
        "; "), "not measured" with no reason known, or "" when the table holds a value.
    """
    if edits or (measurements is not None and any(getattr(measurements, k, None) is not None
                                                  for k in _measure().SCALAR_KEYS)):
        return ""
    notes = tuple(getattr(measurements, "notes", ()) or ()) if measurements is not None else ()
    why = "; ".join(str(n) for n in notes) or (error or "").strip()
    if why.startswith("not measured"):
        return why
    return f"not measured: {why}" if why else "not measured"


def measurement_rows(measurements, edits: Mapping[str, float] | None = None, sex: str | None = None,
                     age=None, scaled: bool = False, quality=None, interpretation=None) -> list[dict]:
    """The interval table with the reviewer's corrections applied.

    An edited value is shown with the automatic one beside it. When the reviewer changed
    ``qt_ms``, ``rr_ms`` or ``heart_rate_bpm`` (and not the QTc itself), each QTc is recomputed
    from the reviewed QT and RR and marked "recomputed"; an edited heart rate likewise recomputes
    RR and an edited RR the rate unless both were edited. A QTc that cannot be recomputed (no QT
    or RR) is "not recomputed" rather than left at a value that no longer matches its QT. The QTc rows
    the measurement's own notes call unreliable (an irregular rhythm, a rate below 50 bpm, Bazett's above
    120 bpm in an adult) are "unreliable" with the note's words (``qtc_doubts``); the QTc of a rate or RR
    the reviewer edited, by the irregular rhythm alone.

    Args:
        measurements: measure.Measurements or None (not measured).
        edits: Measurements.as_dict() key -> the reviewer's value (ms, bpm, degrees or mV).

        sex: "M" or "F" for the QTc reference range (None: the men's, and the range says so).
        age: the patient's age in years for the ranges (``reference_range``): None, the adult ranges,
            and the range says "age unknown"; below ``PAEDIATRIC_BELOW_Y`` a child's (PR and QRS by their
            adult upper limit, the QTc by a child's, the heart rate by a child's centiles for age
            (``child_rate_limits``); the axes: none, the range says "paediatric ECG, adult rate, axis and lower
            limits not applied" and ref_cell "not applied").
        scaled: the record's leads each scaled to one size (``amplitudes_not_in_mv``): the QRS voltages are shown
            with no limit and no flag, their range saying why (``VOLTAGE_SCALED``), and "unreliable"
            (``SCALED_VOLTAGES_WHY``); so too where ``quality`` found it.
        quality: the record's ``quality.QualityReport`` (or None): with mains interference left after its
            subtraction ("mains_left") the automatic PR, QRS, QT, QTc and P and T axes (``MAINS_LEFT_KEYS``) are
            "unreliable" (``mains_left_doubt``); with every lead scaled to one size (it or ``scaled``) the three
            axes (``AXIS_KEYS``: ``AXES_SCALED``); with beats taller or smaller than a heart gives the QRS voltages
            (``amplitude_doubt``).
        interpretation: the record's ``interpret.Interpretation`` (or None): beside the atrial fibrillation or flutter
            it states (``atrial_rhythm``) the automatic PR and P axis (``ATRIAL_KEYS``) are "not applicable", or
            "unreliable" where it marks that rhythm (``atrial_doubt``), or where it found flutter waves with no model
            to state the rhythm (its ``p_doubt``).

    Returns:
        One dict per row: key, label, unit, value (float or None), automatic (float or None),
        status ("", "edited", "recomputed" or "not recomputed"), flag ("high", "low" or "": the
        comparison the interpretation's rule makes), range (the reference range's text with its
        source, "" when it has none), its limits ref_low / ref_high (None where open), ref_cell (the
        range in a table cell), shown (the value as text: whole units, with the decimals that keep
        it on its side of the limits; None when there is no value), doubt ("", ``UNRELIABLE``: the value
        shown marked ``DOUBT_MARK``, or ``NOT_APPLICABLE``: not shown as a value) and doubt_why (why, in words;
        "" with no doubt). An unreliable row keeps its flag (a long QTc at an irregular rhythm is marked and
        flagged both, as a cart prints it); a row not applicable has none. A reviewer's own value (edited)
        carries no doubt; a QTc recomputed from it carries the QT's.

    Raises:
        ValueError: an edit names no measurement, or its value is not a finite number.
    """
    measure = _measure()
    keys = measure.SCALAR_KEYS
    clean = clean_edits(edits)
    auto = {}
    for key in keys:
        a = getattr(measurements, key, None) if measurements is not None else None
        auto[key] = float(a) if a is not None and math.isfinite(float(a)) else None
    value = {k: clean.get(k, auto[k]) for k in keys}
    status = {k: ("edited" if k in clean else "") for k in keys}
    # rate and RR are one quantity: an edit of one carries over to the other (RR = 60000 / HR)
    for edited, other in (("heart_rate_bpm", "rr_ms"), ("rr_ms", "heart_rate_bpm")):
        if edited in clean and other not in clean and clean[edited] > 0:
            value[other] = 60000.0 / clean[edited]
            status[other] = "recomputed"
    if {"qt_ms", "rr_ms", "heart_rate_bpm"} & set(clean):
        rr = value["rr_ms"]
        qt = value["qt_ms"]
        for key, formula in (("qtc_bazett_ms", measure.qtc_bazett), ("qtc_fridericia_ms", measure.qtc_fridericia),
                             ("qtc_framingham_ms", measure.qtc_framingham)):
            if key in clean:
                continue
            if qt is not None and rr is not None and rr > 0:
                value[key] = float(formula(qt, rr))
                status[key] = "recomputed"
            else:
                value[key] = None
                status[key] = "not recomputed"
    # what the record cannot carry, per row: (doubt, why), a row's automatic value read through it
    doubts: dict[str, tuple[str, str]] = {}
    if mains := mains_left_doubt(quality):
        doubts.update(dict.fromkeys(MAINS_LEFT_KEYS, (UNRELIABLE, mains)))
    scaled = scaled or amplitudes_not_in_mv(quality)
    if scaled:
        doubts.update(dict.fromkeys(AXIS_KEYS, (UNRELIABLE, AXES_SCALED)))
    if amplitudes := amplitude_doubt(quality):
        doubts.update(dict.fromkeys(measure.VOLTAGE_KEYS, (UNRELIABLE, amplitudes)))
    if scaled:      # both found: the scaled one's words, by which the voltages go unread (``interpret.gain_evidence``)
        doubts.update(dict.fromkeys(measure.VOLTAGE_KEYS, (UNRELIABLE, SCALED_VOLTAGES_WHY)))
    atrial = atrial_doubt(atrial_rhythm(interpretation))
    if not atrial[0] and interpretation is not None and not getattr(interpretation, "withheld", None):
        # flutter waves measured, no model here to state the rhythm (``interpret.BARE_FLUTTER``): shown, marked
        why = getattr(interpretation, "p_doubt", "")
        atrial = (UNRELIABLE, why) if why else atrial
    if atrial[0]:
        # beside mains left too: there is no P wave to read through it
        doubts.update(dict.fromkeys(ATRIAL_KEYS, atrial))
    # the QTc the measurement itself calls unreliable (irregular rhythm, its rate): beside mains left the mains' reason
    # stands (the QT itself is read through it) and the note stays in the notes
    rate_edited = bool({"heart_rate_bpm", "rr_ms"} & set(clean))
    qtc = qtc_doubts(measurements, age, rate_edited)
    for k, why in qtc.items():
        doubts.setdefault(k, (UNRELIABLE, why))
    rows = []
    for f in measure.SCALAR_FIELDS:
        k = f.key
        ref = reference_range(k, sex, age, scaled)
        not_applied = ref is not None and not ref.limits
        ref = ref or ReferenceRange(None, None, "")
        v = value[k]
        # a reviewer's value is theirs; a QTc recomputed from an edited QT is read off the reviewer's QT
        own = status[k] == "edited" or (status[k] == "recomputed" and k in measure.QTC_KEYS and "qt_ms" in clean)
        doubt, why = doubts.get(k, ("", "")) if not own else ("", "")
        if v is None and doubt != NOT_APPLICABLE:   # beside AF no P wave was found: not applicable, not unmeasurable
            doubt, why = "", ""
        if v is not None and status[k] == "recomputed" and k in qtc:
            # the reviewer's QT corrected by the machine's RR: the rhythm's or the rate's doubt is the RR's, it stands
            doubt, why = UNRELIABLE, qtc[k]
        rows.append(dict(key=k, label=f.label, unit=f.unit, value=v, automatic=auto[k], status=status[k],
                         flag="" if doubt == NOT_APPLICABLE else ref.flag(v), range=ref.text, ref_low=ref.low,
                         ref_high=ref.high, ref_cell="not applied" if not_applied else ref.cell(),
                         shown=None if v is None else shown(v, decimals=f.decimals, judge=ref.flag),
                         doubt=doubt, doubt_why=why))
    return rows


def short_labels() -> dict[str, str]:
    """key -> the measure module's short label ("QTc Bazett"), as a table or a footnote names a row."""
    return {f.key: f.short for f in _measure().SCALAR_FIELDS}


def doubt_text(rows: list[dict]) -> list[str]:
    """The doubts of ``measurement_rows``' rows, each said once with the rows it touches (their short names), for
    a table's footnote and a CSV's notes column: "Unreliable (?): PR, QRS, QT, QTc Bazett, QTc Fridericia, QTc
    Framingham, P axis, T axis: mains interference (50 Hz) left after its subtraction (all 12 leads)", "Not
    applicable: PR, P axis: atrial flutter: ..."; [] without doubt."""
    short = short_labels()
    said: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        if r.get("doubt"):
            said.setdefault((r["doubt"], r["doubt_why"]), []).append(short.get(r["key"], r["label"]))
    return [f"{doubt[:1].upper()}{doubt[1:]}{f' ({DOUBT_MARK})' if doubt == UNRELIABLE else ''}: {', '.join(names)}: "
            f"{why}" for (doubt, why), names in said.items()]
