"""A review session's clinical and lab values, each with its source: the record's own ("file"), a labs
table's row ("table") or the reviewer's ("user"); checked against the clinical schema
(``clinical.entry_status``), an impossible one kept as refused, never sent to the model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

from mirage_model.clinical import (
    SEX_CODE, ClinicalError, ClinicalFeature, ClinicalSchema, default_schema, entry_status, labs_header_note,
    record_values,
)
from mirage_model.clinical.values import COMPARED_WITH_HEADER, typed_unit
from mirage_model.records.age import MONTHS_BELOW_Y


@dataclass
class ClinicalValue:
    """One clinical or lab value of the patient.

    Attributes:
        name: feature key ("age", "troponin_t").
        text: what was given, as typed or read ("1,5", "<3", "M").
        unit: the unit it was given in (None: the feature's canonical unit).
        source: "file" (the record's header or database), "table" (a labs table's row: a batch's, the
            table of File > Open labs table, ``mirage report --labs``) or "user" (typed, --lab).
        canonical: the value in the canonical unit, None when refused.
        status: "ok", "low", "high" (outside the reference range) or "refused" (impossible).
        message: why it was refused or flagged.
    """
    name: str
    text: str
    unit: str | None
    source: str
    canonical: float | None
    status: str
    message: str = ""

    @property
    def accepted(self) -> bool:
        return self.status != "refused"

    def model_value(self):
        """What the predictor receives: "M"/"F" for sex, else (canonical value, canonical unit)."""
        if self.name == "sex":
            return "M" if self.canonical == SEX_CODE["M"] else "F"
        return self.canonical


def _catalogue(schema: ClinicalSchema | None) -> dict[str, ClinicalFeature]:
    feats = {f.name: f for f in default_schema().features}
    if schema is not None:
        feats.update({f.name: f for f in schema.features})
    return feats


class SessionValues:
    """The clinical values of a :class:`review.session.ReviewSession`, one part of its class: it reads the
    session's ``record``, ``schema``, ``also_read``, ``values``, ``_file_values``, ``labs_notes``,
    ``_labs_left_out`` and ``events``, and calls its ``_inputs_changed`` when a value a model reads changes."""

    def _store_file(self, name: str, value) -> ClinicalValue | None:
        """The record's own value of ``name`` (source "file")."""
        if name == "age" and value < MONTHS_BELOW_Y:
            # an infant's age as a paediatric form gives it: 2.952 months, not 0.246 years
            return self._store(name, round(value * 12, 3), "months", "file")
        return self._store(name, value, None, "file")

    def feature(self, name: str) -> ClinicalFeature:
        feats = _catalogue(self.schema)
        if name not in feats:
            raise ClinicalError(name, f"unknown clinical feature (known: {', '.join(feats)})", "feature")
        return feats[name]

    def used_names(self) -> list[str] | None:
        """The features the model reads (None: no model loaded)."""
        if self.schema is None:
            return None
        return list(self.schema.names)

    def is_used(self, name: str) -> bool | None:
        used = self.used_names()
        return None if used is None else name in used

    def source(self, name: str) -> str:
        v = self.values.get(name)
        return v.source if v is not None else "none"

    def _store(self, name: str, value, unit: str | None, source: str,
               decimal_comma: bool = False) -> ClinicalValue | None:
        feat = self.feature(name)
        if value is None or (isinstance(value, str) and not value.strip()) or \
                (isinstance(value, float) and math.isnan(value)):
            self.values.pop(name, None)
            return None
        if isinstance(value, tuple) and len(value) == 2:
            value, unit = value
        text = value if isinstance(value, str) else (f"{value:g}" if isinstance(value, float) else str(value))
        if feat.kind == "binary" and not isinstance(value, str):
            # a table's sex code (1.0 / 0.0) is shown as the letter it stands for
            text = next((k for k, v in SEX_CODE.items() if v == value), text)
        try:
            canonical, status, message = entry_status(feat, value, unit, decimal_comma)
        except ClinicalError as err:
            canonical, status, message = None, "refused", str(err).split(": ", 1)[-1]
        if canonical is None and status != "refused":
            self.values.pop(name, None)
            return None
        if status != "refused" and isinstance(value, str) and (typed := typed_unit(feat, value))[1] is not None:
            # "70 kg", "1.2 mg/dL": kept as the number in its unit, as if typed in the unit's box (the
            # report prints "1.2 mg/dL (= 106.08 umol/L)", never "1.2 mg/dL umol/L")
            text, unit = typed[0], (None if typed[1] == feat.unit else typed[1])
        cv = ClinicalValue(name, text.strip(), unit or None, source, canonical, status, message)
        self.values[name] = cv
        return cv

    def set_value(self, name: str, value, unit: str | None = None, source: str = "user",
                  decimal_comma: bool = False) -> ClinicalValue | None:
        """A reviewer's (or a labs table's) value. An impossible one is kept as "refused" with its
        message (shown in the app and the PDF) and never sent to the model. Empty clears it. A value
        typed as the record itself gives it (same number, same unit) keeps its source "file".
        ``decimal_comma``: typed where the locale writes decimal commas ("12.500" refused, ``parse_entry``).

        Returns:
            the stored value, or None when cleared.
        Raises:
            ClinicalError: ``name`` is no known clinical feature.
        """
        if source not in ("user", "file", "table"):
            raise ValueError(f"source must be 'user', 'file' or 'table', got {source!r}")
        before = self.read_values()
        cv = self._store(name, value, unit, source, decimal_comma)
        if cv is not None and source == "user" and \
                self._file_values.get(name) == (cv.canonical, cv.unit or self.feature(name).unit):
            cv.source = "file"      # typed again as the file gave it (same number, same unit): still the file's
        if self.labs_notes and name in COMPARED_WITH_HEADER:
            # the reviewer corrected the age or sex a labs row gave: the note says what is left
            self._note_labs_row({n: (v.text, v.unit) for n, v in self.values.items() if v.source == "table"})
        self.events.emit("values", name=name)
        if self.read_values() != before:
            self._inputs_changed()
        return cv

    def set_values(self, values: Mapping[str, object] | None, source: str = "user") -> None:
        """Several values at once (a labs table row, ``--lab`` options): name -> value or (value, unit).
        ``source``: "user", "file" or "table" (a labs table's row the app opened the record with)."""
        if source not in ("user", "file", "table"):
            raise ValueError(f"source must be 'user', 'file' or 'table', got {source!r}")
        before = self.read_values()
        for name, entry in (values or {}).items():
            value, unit = entry if isinstance(entry, tuple) and len(entry) == 2 else (entry, None)
            self._store(name, value, unit, source)
        self.events.emit("values")
        if self.read_values() != before:
            self._inputs_changed()

    def set_labs_row(self, row: Mapping[str, object] | None, source: str = "table", left_out=()) -> str:
        """A labs table's row for this record (``set_values`` with ``source``), compared with the
        record's own header first: where it differs in age or sex (it may be another patient's row)
        the note saying so (``clinical.labs_header_note``) is kept in ``labs_notes`` and returned;
        "" when it agrees. The row's values are used either way, as ``mirage score`` uses them.
        ``left_out``: what the row's bad cells, left out of it, say of themselves: kept in ``labs_notes``
        after that note until the row is dropped (``drop_labs_row``)."""
        self._labs_left_out = tuple(left_out)
        note = self._note_labs_row(row)
        self.set_values(row, source=source)
        return note

    def _note_labs_row(self, row: Mapping[str, object] | None) -> str:
        note = labs_header_note(record_values(self.record), row or {}) if self.record is not None else ""
        self.labs_notes = ((note,) if note else ()) + self._labs_left_out
        return note

    def drop_labs_row(self) -> None:
        """The labs table's values are no longer this record's (the table was closed): each goes, the
        record's own value back in its place; what the reviewer typed stays. Its notes go with them."""
        before = self.read_values()
        self._drop_table_values()
        self.labs_table = ""
        self.events.emit("values")
        if self.read_values() != before:
            self._inputs_changed()

    def replace_labs_row(self, row: Mapping[str, object] | None, left_out=()) -> str:
        """Another labs table's row (None: none) in place of the one the values came from (``drop_labs_row``,
        then ``set_labs_row``, which it returns the note of): the result goes out of date only when the values
        a model reads differ at the end, not when the same row is given again (the same table opened again)."""
        before = self.read_values()
        self._drop_table_values()
        self._labs_left_out = tuple(left_out)
        note = self._note_labs_row(row)
        for name, entry in (row or {}).items():
            value, unit = entry if isinstance(entry, tuple) and len(entry) == 2 else (entry, None)
            self._store(name, value, unit, "table")
        self.events.emit("values")
        if self.read_values() != before:
            self._inputs_changed()
        return note

    def _drop_table_values(self) -> None:
        own = record_values(self.record) if self.record is not None else {}
        for name in [n for n, v in self.values.items() if v.source == "table"]:
            del self.values[name]
            if name in own:
                self._store_file(name, own[name])
        self._labs_left_out = ()
        self.labs_notes = ()

    def model_values(self) -> dict[str, object]:
        """The accepted values, as the predictor receives them (canonical units; sex "M"/"F")."""
        return {n: v.model_value() for n, v in self.values.items() if v.accepted}

    def read_values(self) -> dict[str, object]:
        """The accepted values a model of this session reads: the loaded model's and ``also_read``
        (a statements model's beside it). Only a change of these makes a result out of date; with no
        model known yet every value may be read, so every change counts."""
        values = self.model_values()
        used = self.used_names()
        if used is None:
            return values
        read = set(used) | set(self.also_read)
        return {n: v for n, v in values.items() if n in read}

    def refused(self) -> dict[str, ClinicalValue]:
        return {n: v for n, v in self.values.items() if not v.accepted}

    def unused(self) -> list[str]:
        """Names of given values that the loaded model does not read ("not used by this model")."""
        used = self.used_names()
        if used is None:
            return []
        return [n for n in self.values if n not in used]
