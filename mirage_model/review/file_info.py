"""What the record's own file says beside the signal: the patient and device fields for the
report's header and the app's title, the acquiring device's own interpretation (always
labelled as the device's, never mixed with MIRAGE's), and the record's notes (what the file holds
that is not shown)."""

from __future__ import annotations


def device_report_lines(record) -> tuple[str, list[str]]:
    """The acquiring device's own interpretation, as the file stores it, for the app and the PDF.

    Returns:
        (heading, lines): heading names the device ("MV360 (GE 12SL): the device's own analysis,
        not MIRAGE's"); lines are its statements, then its measurements ("PR interval (ms): 144").
        ("", []) when the file carries none. Never mixed with MIRAGE's statements.
    """
    report = (getattr(record, "meta", None) or {}).get("device_report") or {}
    statements = [str(s) for s in report.get("statements") or ()]
    measurements = [f"{k}: {v:g}" if isinstance(v, (int, float)) else f"{k}: {v}"
                    for k, v in (report.get("measurements") or {}).items()]
    if not statements and not measurements:
        return "", []
    heading = f"{report.get('source') or 'acquiring device'}: the device's own analysis, not MIRAGE's"
    return heading, statements + measurements


def file_patient(record) -> dict:
    """Patient and recording fields the file carries (meta["patient"], device, site), for headers.

    Returns {"name", "id", "device", "site"}; a field the file does not carry (or that anonymising
    removed) is absent.
    """
    meta = getattr(record, "meta", None) or {}
    patient = meta.get("patient") or {}
    out = {k: str(patient[k]) for k in ("name", "id") if patient.get(k)}
    for k in ("device", "site"):
        if meta.get(k):
            out[k] = str(meta[k])
    return out


def record_notes(record) -> list[str]:
    """The record's notes, one line each, for the app's record information and the PDF's notes
    under the sheet (the one place their words are made): the file's channels that are no 12-lead
    ECG lead and so are not shown, e.g. the PTB Diagnostic records' Frank leads or an EDF's SpO2
    (``meta["dropped_leads"]``, filled by ``records.leads.lead_mapping_meta`` and the EDF reader).

    Returns:
        e.g. ["not shown: vx, vy, vz (not among the 12 standard leads)"]; [] when there is nothing to say.
    """
    meta = getattr(record, "meta", None) or {}
    dropped = [str(name) for name in meta.get("dropped_leads") or ()]
    if not dropped:
        return []
    return [f"not shown: {', '.join(dropped)} (not among the 12 standard leads)"]
