"""The one answer to "which clinical values does this record carry" (``record_values``), the
parsing of one typed entry (``parse_entry``), and the one comparison of a labs-table row with the
record's own header (``header_disagreement``, ``labs_header_note``): training, ``mirage score``,
``mirage report`` and the app all say alike where a row may be another patient's."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Mapping

import numpy as np

from mirage_model.clinical.features import (AGE_OVER_89_NOTE, AGE_OVER_89_YEARS, SEX_CODE, ClinicalError,
                                            ClinicalFeature, _known_features, _unit_key, age_below, censor_mark,
                                            is_age_over_89, open_age_of, open_age_reading, parse_sex)
from mirage_model.words import first_few, fmt_num

RECORD_FEATURES: tuple[str, ...] = ("age", "sex", "height", "weight")


def record_values(record) -> dict[str, object]:
    """The clinical values a record itself carries: name -> value in the canonical unit.

    The one definition used by the app, ``mirage score``, ``mirage report``, ``mirage bench`` and
    evaluation alike, so that the same record with the same extra inputs gets the same
    probabilities everywhere. Age and sex come from the header (``record.age``, ``record.sex``:
    "M"/"F"), height (cm) and weight (kg) from ``record.meta`` (PTB-XL's database carries them).
    A value that is absent, not finite or impossible (outside ``ClinicalFeature.valid``) is left
    out: it counts as missing, as training treats it (``ClinicalSchema.canonical(errors="missing")``).

    Args:
        record: an ``EcgRecord`` (anything with ``age``, ``sex`` and ``meta``).

    Returns:
        dict with a subset of ``RECORD_FEATURES``; sex as "M" or "F", the others as float.
    """
    features = {f.name: f for f in _known_features()}
    raw: dict[str, object] = {
        "age": getattr(record, "age", None),
        "sex": getattr(record, "sex", None),
    }
    meta = getattr(record, "meta", None) or {}
    for key in ("height", "weight"):
        raw[key] = meta.get(key)
    out: dict[str, object] = {}
    for name in RECORD_FEATURES:
        value = raw.get(name)
        if name == "sex":
            sex = parse_sex(value)
            if sex is not None:
                out["sex"] = sex
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            continue
        try:
            canonical = features[name].to_canonical(float(value))
        except ClinicalError:
            continue
        if canonical is not None:
            out[name] = float(canonical)
    return out


# a number with its unit after it, as a request form writes it ("70 kg", "70kg", "4.1 mmol/l", "7.5 x10^9/L"):
# the unit begins with a letter, "/" ("/uL"), "×" or a power of ten, never another digit ("12 500" stays
# no number), nor an exponent ("1e3" stays 1000)
_RX_WITH_UNIT = re.compile(r"\s*([<>≤≥=]*\s*[+-]?[0-9.,]*[0-9](?:[eE][+-]?[0-9]+)?)\s*"
                           r"((?![eE][+-]?[0-9])(?:[^\W\d_]|[/×]|10(?:\^|\*\*|[³⁶⁹¹])).*?)\s*")


# a height as a US request form writes it: 5'10", 5' 10", 5'10, 5 ft 10 in, 5ft10in, 6', 6 ft (whole feet,
# then inches); the marks also as a word processor writes them (5′10″, 5’10”) and the inches as two
# apostrophes (5'10''). A bare inch mark (70") is inches
_FEET = r"(?:'|′|’|ft\.?|feet|foot)"
_INCHES = r"(?:\"|″|”|''|′′|’’|in\.?|inch|inches)"
_RX_FEET_INCHES = re.compile(rf"\s*([0-9]+)\s*{_FEET}(?:\s*([0-9]+(?:\.[0-9]+)?)\s*{_INCHES}?)?\s*", re.I)
_RX_INCH_MARK = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(?:\"|″|”|''|′′|’’)\s*")
# a foot or inch mark anywhere: a height written so but not read as above is refused, never guessed at
# ("5.10 ft": 5 ft 10 in or 5.1 ft? "5'13\"", "5 ft 10 cm")
_RX_FEET_MARK = re.compile(r"['′’\"″”]|(?<![a-z])(?:ft|feet|foot)(?![a-z])", re.I)
FEET_INCHES_HINT = "type the height in cm, or as 5'10\""


def _quoted(text: str) -> str:
    """``text`` in single quotes as typed: repr's '5\\'10"' for 5'10" reads badly."""
    return f"'{text}'" if text.isprintable() else repr(text)


def _takes_feet(feature: ClinicalFeature) -> bool:
    """Whether ``feature`` is a height that takes inches (a schema saved by hand may not)."""
    return feature.name == "height" and _unit_key("in") in {_unit_key(u) for u in feature.units}


def feet_inches(feature: ClinicalFeature, text) -> tuple[str, str | None] | None:
    """A height written in feet and inches -> (feet, inches as typed, or None for "6'"); ("", inches) for
    a bare inch mark ("70\""); None for any other text, or a feature other than a height in inches.

    Raises:
        ClinicalError: a foot or inch mark in a height not so read: inches of 12 or more ("5'13\""), feet
            with a fraction ("5.10 ft": 5 ft 10 in or 5.1 ft?), another unit after them ("5 ft 10 cm").
    """
    if not _takes_feet(feature) or not isinstance(text, str):
        return None
    if m := _RX_FEET_INCHES.fullmatch(text):
        feet, inches = m.groups()
        if inches is None or Decimal(inches) < 12:
            return feet, inches
    elif m := _RX_INCH_MARK.fullmatch(text):
        return "", m.group(1)
    elif not _RX_FEET_MARK.search(text):
        return None
    raise ClinicalError(feature.name, f"{_quoted(text.strip())} cannot be read as feet and inches (whole feet, "
                                      f"then fewer than 12 inches): {FEET_INCHES_HINT}")


def _spellings(feature: ClinicalFeature) -> dict[str, str]:
    """``_unit_key`` of each unit ``feature`` takes -> the unit as it spells it (its own unit first)."""
    return {_unit_key(u): u for u in reversed([feature.unit, *feature.units]) if u}


def typed_unit(feature: ClinicalFeature, text) -> tuple[str, str | None]:
    """A value typed or tabled with its unit -> (the number's text, the unit as ``feature`` spells it):
    "70 kg", "70kg", "70 KG" and "70 kgs" -> ("70", "kg"); "4.1 mmol/l" -> ("4.1", "mmol/L"). (text, None) where
    no unit follows the number (a bare number, text of no number, a binary feature's "M"). A height in feet
    and inches is its inches (``feet_inches``): 5'10" -> ("70", "in").

    Raises:
        ClinicalError: the unit is not one ``feature`` takes ("'70 st': unit 'st' not known for Weight;
            type kg (or g, lb, lbs)"); one of another quantity ("70 cm" for a weight) is no guess either;
            a height in feet and inches that cannot be read (``feet_inches``).
    """
    if (written := feet_inches(feature, text)) is not None:        # 5'10": 70 in
        feet, inches = written
        return str(Decimal(feet or 0) * 12 + Decimal(inches or 0)), _spellings(feature)[_unit_key("in")]
    m = _RX_WITH_UNIT.fullmatch(text) if isinstance(text, str) and feature.kind != "binary" else None
    if m is None:
        return text, None
    spelled = _spellings(feature)    # after the bare numbers, a labs table's every cell: built for a unit typed
    number, unit = m.groups()
    key = _unit_key(unit)
    if key not in spelled and key.isalpha() and len(key) > 2 and key.endswith("s") and key[:-1] in spelled:
        key = key[:-1]     # "70.5 kgs": a plural, as the table's "lbs" and "yrs" are ("ms" stays no "m")
    if key not in spelled:
        others = [u for u in dict.fromkeys(feature.units) if u != feature.unit]
        takes = f"{feature.unit} (or {', '.join(others)})" if others else feature.unit or "no unit"
        raise ClinicalError(feature.name, f"{text.strip()!r}: unit {unit!r} not known for {feature.label}; "
                                          f"type {takes}", "unit")
    return number.strip(), spelled[key]


def typed_unit_reading(feature: ClinicalFeature, text, canonical: float) -> str:
    """What a value typed with its unit was read as: "'1.2 mg/dL' read as 1.2 mg/dL (= 106.1 umol/L)",
    "'70 kg' read as 70 kg", "'5'10\"' read as 5 ft 10 in (= 177.8 cm)"; "" where no unit was typed with it.
    The converted value has the 4 significant digits the PDF's values table prints it with ("'154 lb' ...
    (= 69.85 kg)", not the 69.8532 of ``:g``)."""
    number, unit = typed_unit(feature, text)
    if unit is None:
        return ""
    read = f"{text.strip()!r} read as {number.replace(',', '.')} {unit}"       # a decimal comma read as a point
    if (written := feet_inches(feature, text)) is not None and written[0]:
        feet, inches = written
        read = f"{_quoted(text.strip())} read as {int(feet)} ft" + (f" {float(inches):g} in" if inches else "")
    if feature.factor(unit) == 1.0:
        return read
    return f"{read} (= {censor_mark(text)}{fmt_num(canonical, 4)} {feature.unit})"


def parse_entry(feature: ClinicalFeature, text, unit: str | None = None,
                decimal_comma: bool = False) -> float | None:
    """A value as a person types it -> canonical float (None when empty).

    Accepts a decimal comma ("1,5" is 1.5, as many laboratories print it) and a censored result
    ("<3" counts as its limit). A comma followed by exactly three digits after a non-zero whole part
    ("12,500", "1,500") is refused: it is as likely a thousands separator (12500) as a decimal comma
    (12.5), and reading it wrong hides a value 1000 times too high. Where the person's locale writes
    decimal commas (``decimal_comma``: German, French, Dutch, Italian), a point there ("12.500", "1.234")
    is refused as well: it is that locale's thousands point as likely as a decimal point. A unit typed after the number
    ("70 kg", "1.2 mg/dL": ``typed_unit``) is the value's, whatever ``unit`` (the unit box) says: read in
    it as choosing it in the box would; a height in feet and inches (5'10") in inches. Everything else as
    ``ClinicalFeature.to_canonical``.

    Raises:
        ClinicalError: not a number (saying what to type: ``number_hint``), an ambiguous comma, an unknown
            unit, a height in feet and inches that cannot be read, or an impossible value.
    """
    below = age_below(text, unit) if feature.name == "age" else ""
    if below:          # "<2": no one age (``features.age_below``); its limit would be older than the patient
        raise ClinicalError(feature.name, f"{below}: type the age itself (a child under 2 in months: 18 "
                                          "months), or leave it empty (age unknown)")
    number, typed = typed_unit(feature, text)
    if typed is not None:
        text, unit = number, typed
    opened = open_age_of(feature, text, unit)
    if opened is not None:
        return feature.to_canonical(opened, unit)     # ">89": 90, "<1": 0, as a header's age
    if isinstance(text, str) and feature.kind != "binary":
        t = text.strip()
        core = t.lstrip("<>≤≥=").strip()
        m = re.fullmatch(r"[+-]?(\d+),(\d+)", core)
        p = re.fullmatch(r"[+-]?(\d+)\.(\d{3})", core) if decimal_comma else None
        if p and p.group(1).lstrip("0"):
            whole, frac = p.groups()
            # the decimal typed so that it is read: "12,5" for 12.500, "1,2340" (not the refused "1,234")
            decimal = f"{whole},{frac.rstrip('0') or '0'}" if frac.endswith("0") else f"{whole},{frac}0"
            raise ClinicalError(feature.name,
                f"{text.strip()!r} is ambiguous where numbers are written with decimal commas: a thousands "
                f"point ({whole}{frac}) or a decimal point? Type the number without the point "
                f"({whole}{frac}), or with a decimal comma ({decimal})")
        if m:
            whole, frac = m.groups()
            if len(frac) == 3 and whole.lstrip("0"):
                raise ClinicalError(feature.name,
                    f"{text.strip()!r} is ambiguous: a thousands separator "
                    f"({whole}{frac}) or a decimal comma ({whole}.{frac})? Type the number without the "
                    f"comma, or with a decimal point")
            t = t.replace(",", ".")
        text = t
    if is_age_over_89(feature, text, unit):
        return AGE_OVER_89_YEARS     # PTB-XL's 300, read as training reads it
    try:
        return feature.to_canonical(text, unit)
    except ClinicalError as err:
        if err.reason != "value" or feature.kind == "binary":
            raise
        # "'abc' is not a number" alone left the reviewer without a next step
        said = str(err).removeprefix(f"{feature.name}: ")
        raise ClinicalError(feature.name, f"{said}: {number_hint(feature)}") from None


def number_hint(feature: ClinicalFeature) -> str:
    """What to type in a field that was given no number: "type a number, optionally with its unit (kg, g,
    lb)", one unit of each size the feature takes (lbs is lb); for height, feet and inches as well
    (``FEET_INCHES_HINT``)."""
    if _takes_feet(feature):
        return FEET_INCHES_HINT
    sizes: dict[float, str] = {}
    for u, f in [(feature.unit, 1.0), *feature.units.items()]:
        if u:
            sizes.setdefault(f, u)
    return f"type a number, optionally with its unit ({first_few(sizes.values(), 4)})" if sizes else "type a number"


def entry_status(feature: ClinicalFeature, text, unit: str | None = None,
                 decimal_comma: bool = False) -> tuple[float | None, str, str]:
    """A value as a person types it -> (canonical, status, message), as the lab form shows it while
    typing and the review session stores it: status "ok", "low" or "high" (against the reference
    range, the message naming it); the message also says PTB-XL's 300 read as 90, and a value beyond
    the model's training data read at its edge (``ClinicalFeature.training_note``), and first what a
    value typed with its unit was read as (``typed_unit_reading``). (None, "empty", "") for an empty entry.

    Raises:
        ClinicalError: as ``parse_entry`` (``decimal_comma`` as there).
    """
    canonical = parse_entry(feature, text, unit, decimal_comma)
    if canonical is None:
        return None, "empty", ""
    status, parts = "ok", []
    typed = text
    number, typed_in = typed_unit(feature, text)
    if typed_in is not None:
        text, unit = number, typed_in
    # an age written open or PTB-XL's 300 says what it was read as itself ("'>89 years' read as 90")
    age_note = (AGE_OVER_89_NOTE if is_age_over_89(feature, text, unit)       # 300: 90, as training reads it
                else open_age_reading(typed, canonical) if open_age_of(feature, text, unit) is not None else "")
    if typed_in is not None and not age_note:
        parts.append(typed_unit_reading(feature, typed, canonical))
    flag = feature.flag(canonical) if feature.reference is not None else None
    if flag:
        status = flag
        parts.append(f"{flag} (reference {feature.reference_text()})")
    elif age_note:
        parts.append(age_note)
    if held := feature.training_note(canonical):
        parts.append(held)
    return canonical, status, "; ".join(parts)


# what a labs row and its record's header are compared on: a row that differs from the ECG's own
# header in these may be another patient's (ids mixed up)
COMPARED_WITH_HEADER: tuple[str, ...] = ("age", "sex")
# the start of every note saying so (the CSV's notes, the PDF, the app, the batch dialog find it)
LABS_HEADER_NOTE = "labs row differs from the ECG header"


def header_disagreement(name: str, header_value, table_value) -> str:
    """"sex F in the labs table, M in the header" where a record's labs row and its header differ
    in age (by more than a year, an infant's by more than a month: ``_ages_agree``) or sex; "" where
    they agree or cannot be compared (another feature, a value missing or unreadable on either side).

    Args:
        name: the feature ("age" or "sex"; any other gives "").
        header_value: the record's own value (``record_values``: years, "M"/"F").
        table_value: the labs row's value, bare or (value, unit) as ``read_labs_table`` gives it.
    """
    if name not in COMPARED_WITH_HEADER:
        return ""
    feat = next(f for f in _known_features() if f.name == name)
    value, unit = table_value if isinstance(table_value, tuple) else (table_value, None)
    try:
        table = feat.to_canonical(value, unit) if feat.kind != "binary" else feat.to_canonical(value)
        header = feat.to_canonical(header_value)
    except (ClinicalError, KeyError, TypeError, ValueError):
        return ""
    if table is None or header is None:
        return ""
    if name == "sex":
        if table == header:
            return ""
        word = {code: letter for letter, code in SEX_CODE.items()}
        return f"sex {word.get(table, table)} in the labs table, {word.get(header, header)} in the header"
    if _ages_agree(table, header):
        return ""
    return f"age {_age_words(table)} in the labs table, {_age_words(header)} in the header"


def _age_words(age: float) -> str:
    """An age in years as the note says it: a whole number of years as stated ("43", "1", "0": a table's
    "1" is any age of 12-23 months), a fraction below 2 years as ``records.age.age_text`` shows it
    everywhere else ("3 months", "14 months")."""
    from mirage_model.records.age import MONTHS_BELOW_Y, age_text   # here: records imports clinical

    return f"{age:g}" if age >= MONTHS_BELOW_Y or age == int(age) else age_text(age)


def _ages_agree(table: float, header: float) -> bool:
    """Whether a labs row's age and the header's (years) are one patient's.

    From 2 years on, within a year (draws and ECGs on other days, a birthday between them; whole
    years as carts and tables state them). Below 2 years on either side a year is half a life (3
    months and 14 months are no one patient's age), so the ages are compared as the spans they
    state: a whole number of years (a table's or a cart's "0") any age within that year, a fraction
    (an age from the dates, 0.25) itself; the spans must come within a month of each other (the
    header's 0.25 agrees with a table's 0, not with its 1 or 1.2)."""
    from mirage_model.records.age import MONTHS_BELOW_Y, YEAR_DAYS   # here: records imports clinical

    if min(table, header) >= MONTHS_BELOW_Y:
        return abs(table - header) <= 1

    def span(age: float) -> tuple[float, float]:
        return (age, age + 1) if age == int(age) else (age, age)

    (a0, a1), (b0, b1) = span(table), span(header)
    return max(a0 - b1, b0 - a1, 0.0) <= 31 / YEAR_DAYS                # within 31 days


def header_disagreements(own: Mapping, row: Mapping) -> list[str]:
    """Each ``header_disagreement`` of a labs row (``row``: {name: value or (value, unit)}) with the
    record's own values (``own``: ``record_values(record)``), age before sex; [] where they agree."""
    out = []
    for name in COMPARED_WITH_HEADER:
        if name in own and name in (row or {}):
            differ = header_disagreement(name, own[name], row[name])
            if differ:
                out.append(differ)
    return out


def labs_header_note(own: Mapping, row: Mapping) -> str:
    """The note a scored record carries when its labs row differs from its header in age or sex:
    "labs row differs from the ECG header (sex M in the labs table, F in the header): it may be
    another patient's row (ids mixed up?), and the table's values are used"; "" when they agree.
    One sentence without ";", so that it stays one part of a row's "; "-joined notes.

    The table's values are used, as in training (``training_cli`` warns alike): a model meets the
    inputs it was trained on. The note goes wherever the values are shown (the CSV's notes, the
    PDF's labs block, the app's lab form and message bar, the batch dialog), so that a reader who
    finds the header right can correct the table.
    """
    differs = header_disagreements(own, row)
    if not differs:
        return ""
    return (f"{LABS_HEADER_NOTE} ({', '.join(differs)}): it may be another patient's row (ids mixed "
            "up?), and the table's values are used")


def model_features(predictor) -> tuple[list[str], str | None]:
    """The clinical features ``predictor`` reads (its schema's; none for a model trained without labs) and the labs
    table it was trained with (its provenance's ``labs_file``; None), what ``review.labs_table``'s
    ``labs_absent_note`` and ``labs_not_given_note`` say of a run's labs."""
    names = getattr(getattr(predictor, "schema", None), "names", []) or []
    if not getattr(predictor, "_uses_labs", True):
        names = []
    return list(names), (getattr(getattr(predictor, "loaded", None), "provenance", None) or {}).get("labs_file")
