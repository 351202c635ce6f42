"""The patient and recording fields a written file carries (WFDB header comments, EDF+ header),
shared by the WFDB and EDF+ writers."""

from __future__ import annotations

import datetime as dt

from mirage_model.records.record import EcgRecord


def header_fields(record: EcgRecord, anonymise: bool) -> dict:
    """Patient and recording fields to write; identity fields are left out when ``anonymise``."""
    patient = dict(record.meta.get("patient") or {})
    out = {}
    if not anonymise:
        for key, name in (("id", "patient_id"), ("name", "patient_name"), ("birth_date", "birth_date")):
            if patient.get(key):
                out[name] = patient[key]
    return out


def acquired_datetime(value) -> dt.datetime | None:
    """A record's ``meta["acquired"]`` (datetime or ISO text) as a datetime, or None."""
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
