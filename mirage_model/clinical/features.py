"""The clinical features: units and their conversions, possible and reference ranges, sex, and
the errors of a value that cannot be used (``ClinicalError``)."""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mirage_model.errors import MirageInputError

SCHEMA_VERSION = 1


class ClinicalError(MirageInputError, ValueError):
    """An impossible value or unknown unit. ``feature`` names the field; str() is a user-facing sentence.

    ``reason``: "value" (not a number / not a valid category), "range" (physically impossible),
    "unit" (unknown unit), "feature" (unknown feature name) or "schema" (malformed schema).
    """

    def __init__(self, feature: str, message: str, reason: str = "value"):
        self.feature = feature
        self.reason = reason
        super().__init__(f"{feature}: {message}")


class LabsTableError(ClinicalError):
    """A bad labs CSV: str() names the file, the line and the column."""

    def __init__(self, path, message: str, line: int | None = None, column: str | None = None):
        self.feature = column or ""
        self.reason = "table"
        self.path = Path(path)
        self.line = line
        self.column = column
        where = [str(self.path)]
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column!r}")
        ValueError.__init__(self, f"{', '.join(where)}: {message}")


@functools.lru_cache(maxsize=4096)
def _unit_key(unit: str) -> str:
    """Normalised spelling of a unit for matching ("µg/L" == "ug/l", "x10^9/L" == "10^9/l"). Cached: a labs
    table's every cell asks it of its feature's few units (a 2-million-row table had spent most of its time here)."""
    u = unit.strip().lower().replace("µ", "u").replace("μ", "u").replace("mcg", "ug")
    u = u.replace("×", "x").replace("**", "^").replace(" ", "")
    for sup, plain in (("³", "^3"), ("⁶", "^6"), ("⁹", "^9"), ("¹²", "^12")):
        u = u.replace(sup, plain)
    u = u.replace("mm^3", "ul").replace("mm3", "ul").replace("cmm", "ul")
    if u.startswith("x10"):
        u = u[1:]
    return u


_RX_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# "#n/a" ("#nv" in German): the cell a spreadsheet's lookup writes where it found no value; a formula's
# error ("#value!", "#div/0!") is no missing value but a wrong formula, and stays refused
_MISSING_STRINGS = {"", "na", "n/a", "nan", "none", "null", "missing", "-", "?", "#n/a", "#nv"}
# sex as hospital tables and headers write it, in the commonest European languages (PTB-XL's
# German "w"/"weiblich" among them). Only words and letters that mean one sex in every one of
# these languages; "m"/"f" keep meaning male/female as before (Spanish "M" for mujer and Hungarian
# "F" for férfi read otherwise: such a table should spell the word out)
_SEX_WORDS = {
    "M": ("m", "male", "man", "masculine",                            # English
          "männlich", "maennlich", "mann", "männl", "maennl",           # German
          "homme", "masculin", "h",                                   # French ("h": homme, hombre, homem)
          "hombre", "masculino", "varón", "varon",                              # Spanish, Portuguese
          "uomo", "maschio", "maschile",                              # Italian
          "mannelijk",                                                # Dutch
          "homem",                                                    # Portuguese
          "manlig", "mand", "mandlig", "mannlig",                      # Swedish, Danish, Norwegian
          "mężczyzna", "mezczyzna", "męski", "mies", "masc"),                      # Polish, Finnish
    "F": ("f", "female", "woman", "feminine",
          "weiblich", "w", "frau", "weibl",
          "femme", "féminin", "feminin",
          "mujer", "femenino", "feminino",
          "donna", "femmina", "femminile",
          "vrouw", "vrouwelijk",
          "mulher",
          "kvinna", "kvinnlig", "kvinde", "kvindelig", "kvinne", "kvinnelig", "k",
          "kobieta", "żeński", "nainen", "fem"),
}
_SEX_WORDS = {word: letter for letter, words in _SEX_WORDS.items() for word in words}
# letters and words that mean male in one language and female in another: refused, saying why
_SEX_AMBIGUOUS = {"v": "Dutch vrouw, female; Spanish varón, male"}
_BINARY_CODES = {"1": 1.0, "0": 0.0}   # a binary feature written as a number in a labs table
SEX_CODE = {"M": 1.0, "F": 0.0}          # the model's encoding of sex


def _sex_key(value: str) -> str:
    """A sex cell as compared with ``_SEX_WORDS``: NFC (a decomposed "ä" from a Mac), case folded,
    blanks around and one trailing dot dropped ("w.", "Männl.")."""
    key = unicodedata.normalize("NFC", value).strip().casefold()
    return key[:-1].rstrip() if key.endswith(".") else key


def parse_sex(value) -> str | None:
    """Sex as written in a header, a labs table, a file's patient field or a command line ->
    "M", "F" or None (anything else, including "1"/"0": which number means what differs by
    source, e.g. PTB-XL's 0 is male).

    Accepted, in any case, with blanks around and a trailing dot ("w."): M, male, man, masculine,
    F, female, woman, feminine, and the words of the commonest European languages that name one
    sex in all of them (German männlich/weiblich/m/w, French homme/femme/h, Spanish hombre/mujer,
    Italian uomo/donna, Dutch man/vrouw, Portuguese, the Scandinavian languages, Polish, Finnish;
    ``_SEX_WORDS``). A letter that names one sex in one language and the other in another ("v":
    Dutch vrouw, Spanish varón) gives None, as does anything else (``sex_refusal`` says why).
    """
    if not isinstance(value, str):
        return None
    return _SEX_WORDS.get(_sex_key(value))


def sex_refusal(value) -> str:
    """Why ``value`` is not read as a sex, as a sentence naming it: "'v' is ambiguous (Dutch vrouw,
    female; Spanish varón, male): write M or F", or "'x' is not a sex we read: write M or F (or a
    word such as male, weiblich, femme, hombre)"; "" where ``parse_sex`` reads it."""
    if parse_sex(value) is not None:
        return ""
    why = _SEX_AMBIGUOUS.get(_sex_key(value)) if isinstance(value, str) else None
    if why:
        return f"{value!r} is ambiguous ({why}): write M or F"
    return f"{value!r} is not a sex we read: write M or F (or a word such as male, weiblich, femme, hombre)"


CENSOR_MARKS = "<>≤≥"        # a censored result: below or above what the assay measures ("<0.3")


def censor_mark(value) -> str:
    """"<", ">", "≤" or "≥" where ``value`` is a censored result as written ("<0.3", "> 35000"),
    else "". The model takes such a value at its limit (``ClinicalFeature.to_canonical``); wherever
    the value is shown, the mark is shown with it, so that a limit never reads as a measured value."""
    if isinstance(value, tuple) and len(value) == 2:
        value = value[0]
    if not isinstance(value, str):
        return ""
    text = value.strip()
    return text[0] if text[:1] and text[0] in CENSOR_MARKS else ""


def _is_missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip().lower() in _MISSING_STRINGS
    if isinstance(value, (float, np.floating)):
        return bool(np.isnan(value))
    return False


@dataclass
class ClinicalFeature:
    name: str                       # key, e.g. "troponin_t"
    label: str                      # human label, e.g. "hs-Troponin T"
    unit: str                       # canonical unit, e.g. "ng/L"
    units: dict[str, float] = field(default_factory=dict)   # accepted unit -> factor to canonical (value*factor)
    valid: tuple[float, float] = (float("-inf"), float("inf"))   # physically possible range (outside: error)
    reference: tuple[float | None, float | None] | None = None   # normal reference range (outside: flagged)
    mean: float = 0.0               # normalisation statistics (canonical unit), fitted on training data
    std: float = 1.0
    kind: str = "continuous"        # "continuous" or "binary" (sex: M=1, F=0)
    log: bool = False               # normalise log1p(value) (skewed labs such as troponin, NT-proBNP)
    aliases: tuple[str, ...] = ()   # other column names accepted in labs tables ("hs_tnt", "gender")
    # the smallest and largest value of the training data (canonical unit; ``ClinicalSchema.fit``): the
    # model's input is held within it (``normalise``). None: not known (schemas saved before 2026-12-05)
    trained: tuple[float, float] | None = None

    def factor(self, unit: str | None) -> float:
        """Multiplier from ``unit`` to the canonical unit (None or "" = canonical).

        Raises:
            ClinicalError: the unit is not one this feature accepts.
        """
        if unit is None or (isinstance(unit, str) and unit.strip() == ""):
            return 1.0
        key = _unit_key(str(unit))
        table = {_unit_key(self.unit): 1.0} if self.unit else {}
        table.update({_unit_key(u): f for u, f in self.units.items()})
        if key not in table:
            # a unit the reader learnt after a checkpoint was saved ("Jahre"): the reader's table accepts it, so the
            # model's schema, saved with the units of its day, converts it as the reader does (the same canonical unit)
            table = {**_known_units(self.name, self.unit), **table}
        if key not in table:
            accepted = ", ".join([self.unit] + [u for u in self.units if u != self.unit]) or "none"
            raise ClinicalError(self.name, f"unknown unit {unit!r} for {self.label} (accepted: {accepted})",
                                "unit")
        return float(table[key])

    def to_canonical(self, value, unit: str | None = None) -> float | None:
        """One raw value -> float in the canonical unit, or None when missing.

        Args:
            value: a number, a numeric string (a censored result such as "<3" counts as its
                limit), "M"/"F" for a binary feature, a ``(value, unit)`` tuple, or None/NaN/"".
            unit: the unit of a bare value (None: canonical).

        Raises:
            ClinicalError: not a number, an unknown unit or a physically impossible value.
        """
        if isinstance(value, tuple):
            if len(value) != 2:
                raise ClinicalError(self.name, f"expected (value, unit), got {value!r}")
            value, unit = value
        if _is_missing(value):
            return None
        if self.kind == "binary":
            key = str(value).strip().lower()
            if isinstance(value, (bool, np.bool_)):
                return 1.0 if value else 0.0
            if isinstance(value, (int, float, np.integer, np.floating)) and float(value) in (0.0, 1.0):
                return float(value)
            sex = parse_sex(key)
            if sex is not None:
                return SEX_CODE[sex]
            if key in _BINARY_CODES:
                return _BINARY_CODES[key]
            if self.name == "sex":
                raise ClinicalError(self.name, sex_refusal(str(value).strip()))
            raise ClinicalError(self.name, f"{value!r} is not a valid {self.label} (use M/F or 1/0)")
        if isinstance(value, str):
            text = value.strip().lstrip("<>≤≥=").strip()
            try:
                if not _RX_NUMBER.fullmatch(text) and text.lower() not in ("nan", ""):
                    raise ValueError(text)
                number = float(text)
            except ValueError:
                raise ClinicalError(self.name, f"{value!r} is not a number") from None
        elif isinstance(value, (bool, np.bool_)):
            raise ClinicalError(self.name, f"{value!r} is not a number")
        else:
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise ClinicalError(self.name, f"{value!r} is not a number") from None
        if math.isnan(number):
            return None
        canonical = number * self.factor(unit)
        lo, hi = self.valid
        if not math.isfinite(canonical) or canonical < lo or canonical > hi:
            shown = f"{number:g} {unit}" if unit else f"{number:g} {self.unit}".rstrip()
            raise ClinicalError(
                self.name, f"{shown} is not a possible {self.label} "
                f"(possible range {lo:g}-{hi:g} {self.unit})".rstrip(), "range")
        return canonical + 0.0     # "-0" typed is 0: -0.0 had been shown "-0" in the lab form and the PDF

    def normalise(self, canonical: float) -> float:
        """Canonical value -> model input ``(t(v) - mean) / std``, the value first held within the
        training data's range (``held``): a weight of 450 kg, possible but 24 SD above PTB-XL's mean,
        took the default model's NORM for LUDB 1 from 45 % to 2.9 %, an extrapolation of its FiLM."""
        v = self.held(canonical)
        v = math.log1p(max(v, 0.0)) if self.log else v
        return (v - self.mean) / self.std

    def held(self, canonical: float) -> float:
        """``canonical`` held within ``trained`` (itself when inside, or no range is known)."""
        if self.trained is None or self.kind != "continuous":
            return canonical
        lo, hi = self.trained
        return min(max(canonical, lo), hi)

    def training_note(self, canonical: float | None) -> str:
        """Words for a value outside the training data's range, as the model uses it ("above the range
        of the model's training data (5-210 kg): used as 210 kg"); "" inside it, or no range known."""
        if canonical is None or self.trained is None or self.kind != "continuous":
            return ""
        used = self.held(canonical)
        if used == canonical:
            return ""
        lo, hi = self.trained
        side = "above" if canonical > hi else "below"
        unit = f" {self.unit}" if self.unit else ""
        return f"{side} the range of the model's training data ({lo:g}-{hi:g}{unit}): used as {used:g}{unit}"

    def flag(self, value, unit: str | None = None) -> str | None:
        """"low" / "high" against the reference range, None when normal, missing or no range."""
        v = self.to_canonical(value, unit)
        if v is None or self.reference is None:
            return None
        lo, hi = self.reference
        if lo is not None and v < lo:
            return "low"
        if hi is not None and v > hi:
            return "high"
        return None

    def reference_text(self) -> str:
        """Reference range as shown in the app and the report, e.g. "\u2264 14 ng/L" or "3.5-5 mmol/L".

        Its bounds are within the range, as :meth:`flag` judges them (14 ng/L of troponin T is not
        flagged): "< 14 ng/L" beside an unflagged 14 read as a missed flag."""
        if self.reference is None:
            return ""
        lo, hi = self.reference
        if lo is not None and hi is not None:
            return f"{lo:g}-{hi:g} {self.unit}"
        if hi is not None:
            return f"\u2264 {hi:g} {self.unit}"
        return f"\u2265 {lo:g} {self.unit}"

    def matches(self, column: str) -> bool:
        """Whether a table column name refers to this feature (case, spaces and dashes ignored)."""
        names = (self.name, self.label) + tuple(self.aliases)
        return column_key(column) in {column_key(n) for n in names}


def column_key(column: str) -> str:
    """A table column's name as names are compared: lower case, letters and digits only ("Sex_M" -> "sexm"),
    German umlauts and ß written out ("Größe", "Groesse", "GRÖSSE" -> "groesse"; they had been dropped: "gre")."""
    folded = column.casefold().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")   # casefold: ß -> ss
    return re.sub(r"[^a-z0-9]", "", folded)


def _ng_per_l() -> dict[str, float]:
    return {"ng/L": 1.0, "pg/mL": 1.0, "ng/mL": 1000.0, "ug/L": 1000.0}


# PTB-XL's age for anyone older than 89 (PTB-XL 1.0.2+ removed the exact ages above 89 for privacy),
# and the age shown and used for them: training reads PTB-XL's table so (``records.ptbxl.decode_age``),
# and a header's "#Age: 300", a labs table's age 300 and a lab form's typed 300 are read alike.
AGE_OVER_89 = 300.0
AGE_OVER_89_YEARS = 90.0
AGE_OVER_89_NOTE = "PTB-XL age 300 means older than 89; shown as 90"


_RX_OPEN_AGE = re.compile(r"(?:(>=?|≥|over)\s*(\d+(?:\.\d+)?)|(\d+(?:\.\d+)?)\s*\+)\s*(?:years?|y)?")
# an infant's age written "<1" (under one year, months not given): 0, as a whole-year age of 0 is read
# (``records.age.age_text``: "under 1 year", any age of 0-11 months), not the censored limit 1 an
# assay's "<1" is (a year-old child's normal limits are not a newborn's)
_RX_UNDER_ONE = re.compile(r"(?:<|under|less than)\s*1\s*(?:years?|y)?")
AGE_UNDER_ONE = 0.0


def open_age(text) -> float | None:
    """The youngest age an age written open above can be, in years: ">89", "> 89" and "over 89" -> 90
    (the next year: whole years given), ">=90", "≥90" and "90+" -> 90, as a record header's age is read
    (``records.metadata``) and as PTB-XL's "older than 89" trains (90); an infant's "<1", "< 1 year"
    and "under 1" -> 0 (``AGE_UNDER_ONE``: under one year, months not given); None for any other text.
    A censored laboratory result is read at its limit instead (``censor_mark``): an age is not an assay's."""
    if not isinstance(text, str) or len(text) > 20:
        return None
    t = " ".join(text.split()).lower()
    if _RX_UNDER_ONE.fullmatch(t):
        return AGE_UNDER_ONE
    m = _RX_OPEN_AGE.fullmatch(t)
    if not m:
        return None
    if m.group(3) is not None:
        return float(m.group(3))
    n = float(m.group(2))
    return n + 1 if m.group(1) in (">", "over") else n


# an age written open below anything but one year ("<2", "<= 1", "under 18", "<6" months): no one age. Not
# its limit N (older than the patient is: a toddler's limits for a newborn), nor N - 1 (">89" reads its
# bound, 90, because the adult limits no longer change with age; below 2 years the children's rules tell
# months apart, the infant's QTc limit under 6 months): read as unknown, said, on every path
_RX_AGE_BELOW = re.compile(r"(<=|<|≤|under|less than|below|up to)\s*(\d+(?:\.\d+)?)\s*(years?|y|months?|mo)?")


def age_below(text, unit: str | None = None) -> str:
    """What an age written open below says, where it is not an infant's "<1" (``open_age``): "'<2' is
    an age under 2 years, not one age" ("'<=1' ... up to 1 year", "'<6' ... under 6 months" with ``unit``
    months); each path ends it with what it does (the header's and a labs table's "read as unknown",
    the lab form's refusal). "" for any other text."""
    if not isinstance(text, str) or len(text) > 20:
        return ""
    t = " ".join(text.split()).lower()
    m = _RX_AGE_BELOW.fullmatch(t)
    if not m or (_RX_UNDER_ONE.fullmatch(t) and str(unit or "years").lower() in ("years", "year", "y", "yr", "yrs")):
        return ""
    n = float(m.group(2))
    months = (m.group(3) or str(unit or "")).lower().startswith("mo")
    word = ("month" if months else "year") + "s" * (n != 1)
    bound = "up to" if m.group(1) in ("<=", "≤", "up to") else "under"
    return f"{text.strip()!r} is an age {bound} {n:g} {word}, not one age"


def open_age_of(feature: ClinicalFeature, text, unit: str | None = None) -> float | None:
    """``open_age`` of ``feature``'s ``text`` when the feature is the age and ``unit`` is years (a typed
    entry, a labs table's cell), else None."""
    if feature.name != "age" or not isinstance(text, str):
        return None
    try:
        return open_age(text) if feature.factor(unit) == 1.0 else None
    except (ClinicalError, KeyError):
        return None


def open_age_reading(text, years: float) -> str:
    """What an age written open (``open_age``) was read as, for a note: "'>89' read as 90, the youngest
    the patient can be"; "'<1' read as under 1 year (months not given)"."""
    if years == AGE_UNDER_ONE:
        return f"{text.strip()!r} read as under 1 year (months not given)"
    return f"{text.strip()!r} read as {years:g}, the youngest the patient can be"


def is_age_over_89(feature: ClinicalFeature, value, unit: str | None = None) -> bool:
    """Whether ``value`` (a number or its text) of ``feature`` is PTB-XL's age 300 in years."""
    if feature.name != "age":
        return False
    try:
        return float(str(value).strip()) == AGE_OVER_89 and feature.factor(unit) == 1.0
    except (ValueError, ClinicalError, KeyError):
        return False


def _known_features() -> list[ClinicalFeature]:
    # mean/std are rough adult priors (in the transformed space) until ``fit`` on training data.
    # Aliases include the German names German laboratories head their columns with (Alter, Geschlecht,
    # Größe, Gewicht, Kreatinin, Kalium, Leukozyten, D-Dimere) and the age's German units; a bare "Troponin"
    # names neither T nor I and is no alias. A table is read with this schema whatever the model (``read_labs_table``).
    inf = float("inf")
    return [
        ClinicalFeature("age", "Age", "years", {"years": 1.0, "y": 1.0, "yr": 1.0, "yrs": 1.0,
                                                 "year": 1.0, "months": 1 / 12, "mo": 1 / 12,
                                                 # German: "Alter (Jahre)", "Alter [a]" (annus), an infant's months
                                                 "Jahre": 1.0, "Jahr": 1.0, "J": 1.0, "a": 1.0, "Monate": 1 / 12},
                        valid=(0.0, 130.0), mean=60.0, std=17.0, aliases=("alter", "lebensalter")),
        ClinicalFeature("sex", "Sex", "", {}, valid=(0.0, 1.0), mean=0.5, std=0.5, kind="binary",
                        aliases=("gender", "sex_m", "geschlecht")),
        ClinicalFeature("height", "Height", "cm", {"cm": 1.0, "m": 100.0, "mm": 0.1, "in": 2.54,
                                                   "inch": 2.54, "inches": 2.54},
                        valid=(30.0, 260.0), mean=168.0, std=10.0,
                        aliases=("größe", "groesse", "körpergröße", "koerpergroesse")),
        ClinicalFeature("weight", "Weight", "kg", {"kg": 1.0, "g": 0.001, "lb": 0.45359237,
                                                   "lbs": 0.45359237},
                        valid=(0.3, 500.0), mean=75.0, std=15.0,
                        aliases=("gewicht", "körpergewicht", "koerpergewicht")),
        ClinicalFeature("troponin_t", "hs-Troponin T", "ng/L", _ng_per_l(), valid=(0.0, 1e5),
                        reference=(None, 14.0), mean=2.6, std=1.2, log=True,
                        aliases=("hs_troponin_t", "hstnt", "tnt", "ctnt", "hs_ctnt", "troponin t")),
        ClinicalFeature("troponin_i", "hs-Troponin I", "ng/L", _ng_per_l(), valid=(0.0, 1e6),
                        reference=(None, 26.0), mean=2.3, std=1.5, log=True,
                        aliases=("hs_troponin_i", "hstni", "tni", "ctni", "hs_ctni", "troponin i")),
        ClinicalFeature("d_dimer", "D-dimer", "mg/L FEU",
                        {"mg/L FEU": 1.0, "ug/mL FEU": 1.0, "ug/L FEU": 0.001, "ng/mL FEU": 0.001,
                         # an unqualified mass unit is read as FEU, the commonest reporting form
                         "mg/L": 1.0, "ug/mL": 1.0, "ug/L": 0.001, "ng/mL": 0.001,
                         # D-dimer units (DDU) are about half of FEU (conversion is approximate)
                         "mg/L DDU": 2.0, "ug/mL DDU": 2.0, "ug/L DDU": 0.002, "ng/mL DDU": 0.002},
                        valid=(0.0, 200.0), reference=(None, 0.5), mean=0.5, std=0.5, log=True,
                        aliases=("ddimer", "dd", "d-dimere")),
        ClinicalFeature("ck_mb", "CK-MB", "ng/mL", {"ng/mL": 1.0, "ug/L": 1.0, "ng/L": 0.001},
                        valid=(0.0, 5000.0), reference=(None, 5.0), mean=1.3, std=0.9, log=True,
                        aliases=("ckmb", "ck_mb_mass")),
        ClinicalFeature("nt_probnp", "NT-proBNP", "pg/mL", {"pg/mL": 1.0, "ng/L": 1.0,
                                                           "ng/mL": 1000.0, "pmol/L": 8.457},
                        valid=(0.0, 2e5), reference=(None, 125.0), mean=5.5, std=1.8, log=True,
                        aliases=("ntprobnp", "nt_pro_bnp", "probnp")),
        ClinicalFeature("wbc", "WBC", "10^9/L", {"10^9/L": 1.0, "G/L": 1.0, "10^3/uL": 1.0,
                                                 "K/uL": 1.0, "10^3/mm3": 1.0, "/uL": 0.001,
                                                 "cells/uL": 0.001, "/nL": 1.0},
                        valid=(0.0, 1000.0), reference=(4.0, 11.0), mean=2.1, std=0.35, log=True,
                        aliases=("leukocytes", "white_cell_count", "white_blood_cells", "leukozyten")),
        ClinicalFeature("crp", "CRP", "mg/L", {"mg/L": 1.0, "ug/mL": 1.0, "mg/dL": 10.0},
                        valid=(0.0, 1000.0), reference=(None, 5.0), mean=1.8, std=1.3, log=True,
                        aliases=("c_reactive_protein", "hs_crp", "hscrp")),
        ClinicalFeature("creatinine", "Creatinine", "umol/L", {"umol/L": 1.0, "mmol/L": 1000.0,
                                                               "mg/dL": 88.4, "mg/L": 8.84},
                        valid=(5.0, 3000.0), reference=(45.0, 110.0), mean=4.5, std=0.35, log=True,
                        aliases=("crea", "creat", "scr", "kreatinin", "krea")),
        ClinicalFeature("potassium", "Potassium", "mmol/L", {"mmol/L": 1.0, "mEq/L": 1.0},
                        valid=(1.0, 12.0), reference=(3.5, 5.0), mean=4.2, std=0.5,
                        aliases=("k", "k+", "serum_potassium", "kalium")),
    ]


KNOWN_FEATURES: tuple[str, ...] = tuple(f.name for f in _known_features())


@functools.lru_cache(maxsize=64)
def _known_units(name: str, unit: str) -> dict[str, float]:
    """The reader's unit table of the known feature ``name`` ({unit key: factor}), where its canonical unit is
    ``unit``; {} otherwise (a feature of its own, or one stored in another canonical unit)."""
    known = next((f for f in _known_features() if f.name == name), None)
    if known is None or _unit_key(known.unit or "-") != _unit_key(unit or "-"):
        return {}
    return {_unit_key(u): float(v) for u, v in {known.unit: 1.0, **known.units}.items() if u}
