"""The acquiring device's own analysis in a vendor file (its statements, global measurements and median
beats), kept apart from MIRAGE's and labelled as the device's (``meta["device_report"]``,
``meta["device_median_beats"]``).
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from pathlib import Path

import numpy as np

from mirage_model.formats import cardiosoft, rates
from mirage_model.formats.assemble import cut_beat_fill
from mirage_model.formats.lead_scale import physical_mv
from mirage_model.formats.registry import FORMATS
from mirage_model.records.leads import canonical_lead
from mirage_model.records.record import RecordError

log = logging.getLogger(__name__)

_DEVICE_ANALYSIS = {"ge-muse-xml": "GE 12SL", "philips-xml": "Philips DXL"}   # else the file's (raw_metadata)


# the annotation in which ecgdatakit keeps a cart's headline QTc when the file names no formula for
# it: GE MUSE's QTCorrected ("491"), Philips 1.03's meanqtc ("393 ms (formula not stated)")
_UNNAMED_QTC = {"ge-muse-xml": "QTCorrected", "philips-xml": "qtc", "ge-cardiosoft-xml": cardiosoft.QTC_FIELD}


def _unnamed_qtc(fmt: str, src) -> int | float | None:
    """The cart's own QTc in ms when the file states one without its formula (``_UNNAMED_QTC``), else None."""
    key = _UNNAMED_QTC.get(fmt)
    text = str((src.annotations or {}).get(key, "")).strip() if key else ""
    match = re.match(r"[-+]?\d+(?:\.\d+)?", text)
    if match is None:
        return None
    qtc = float(match.group())
    if not math.isfinite(qtc):
        return None
    return int(qtc) if qtc.is_integer() else qtc


_NO_BLANK_BEFORE = re.compile(r"\s+(?=[,;])")


def device_report(fmt: str, src, device: str) -> dict | None:
    """The device's own interpretation and global measurements, labelled as the device's."""
    # a line the cart continues (MUSE's "Anterior infarct" then ", age undetermined") joins without the blank
    # before its comma: "Anterior infarct , age undetermined" had been shown
    statements = [_NO_BLANK_BEFORE.sub("", " ".join(s for s in pair if s)).strip()
                  for pair in src.interpretation.statements]
    statements = [s for s in statements if s]
    m = src.measurements
    fields = (("heart_rate", "Heart rate", "bpm"), ("rr_interval", "RR interval", "ms"),
              ("pr_interval", "PR interval", "ms"), ("qrs_duration", "QRS duration", "ms"),
              ("qt_interval", "QT interval", "ms"), ("qtc_bazett", "QTc (Bazett)", "ms"),
              ("qtc_fridericia", "QTc (Fridericia)", "ms"), ("p_axis", "P axis", "deg"),
              ("qrs_axis", "QRS axis", "deg"), ("t_axis", "T axis", "deg"))
    values = {key: getattr(m, key, None) for key, _, _ in fields}
    qtc = _unnamed_qtc(fmt, src) if values["qtc_bazett"] is None else None
    if qtc is not None:
        # the cart's headline QTc, of no named formula, shown where Bazett's would be
        values["qtc_bazett"] = qtc
        fields = tuple((k, "QTc, formula not stated", u) if k == "qtc_bazett" else (k, lab, u)
                       for k, lab, u in fields)
    measurements = {f"{label} ({unit})": values[key] for key, label, unit in fields if values[key] is not None}
    if not statements and not measurements:
        return None
    analysis = _DEVICE_ANALYSIS.get(fmt) or field_text((src.raw_metadata or {}).get("device_analysis"))
    source = " ".join(x for x in (device or FORMATS[fmt].name, f"({analysis})" if analysis else "") if x)
    who = src.interpretation.source or "machine"
    return {"source": source, "statements": tuple(statements), "measurements": measurements,
            "statement_origin": who,
            "note": "the acquiring device's own analysis, as stored in the file; not MIRAGE's"}


def field_text(value) -> str:
    """A device's or site's name as text: its control characters left out (an SCP-ECG writer's
    length bytes that the parser takes for a string: ECG Viewer's manufacturer '\x01'), stripped."""
    return "".join(ch for ch in str(value or "") if unicodedata.category(ch) != "Cc").strip()


# A maker's name written as its copyright notice: Mindray's BeneHeart carts write their HL7 aECG
# <manufacturerOrganization><name> "(C) Shenzhen Mindray Bio-Medical Electronics Co., Ltd. All rights reserved."
_COPYRIGHT_HEAD = re.compile(r"^(?:\(c\)|©|copyright\b)[\s,]*(?:\d{4}(?:\s*[-–]\s*\d{4})?[\s,]+)?", re.IGNORECASE)
_RIGHTS_TAIL = re.compile(r"(?:^|[\s,;]+)all rights reserved\.?$", re.IGNORECASE)


# a maker field filled with a writer's placeholder: the C# ECG Toolkit's DICOM writer states Manufacturer "Unknown"
_NO_MAKER = frozenset({"unknown", "n/a", "na", "none", "-"})


def maker_name(value) -> str:
    """A device maker's name as text (``field_text``), without the copyright notice some write around it:
    "(C) Shenzhen Mindray Bio-Medical Electronics Co., Ltd. All rights reserved." -> "Shenzhen Mindray
    Bio-Medical Electronics Co., Ltd."; a name that is the notice alone stays as written; a placeholder
    ("Unknown", ``_NO_MAKER``) is none, so that the device is named by its model alone ("ELI250")."""
    text = field_text(value)
    if text.lower() in _NO_MAKER:
        return ""
    bare = _RIGHTS_TAIL.sub("", _COPYRIGHT_HEAD.sub("", text)).strip()
    return bare or text


def median_beats(path: Path, fmt: str, src) -> dict | None:
    """The device's median (representative) beats: {"fs": Hz, "leads": {lead: (T,) mV}}, each lead's
    trailing fill of the 16-bit range's ends cut (``assemble.cut_beat_fill``, whatever the format: a DICOM
    median beat had kept its -32768 frame, a -81.9 mV step, where an aECG's fill was cut)."""
    beats = src.median_beats or []
    if not beats:
        return None
    raw = [lead for lead in beats if getattr(lead, "is_raw", False)]    # counts; physical samples have no fill
    cut_beat_fill(raw)
    leads = {}
    fs = None
    for lead in beats:
        mapped = canonical_lead(lead.label)
        if mapped is None or mapped[0] in leads:
            continue
        try:
            leads[mapped[0]] = (physical_mv(lead, path, fmt) * mapped[1]).astype(np.float32)
        except RecordError:
            return None
        fs = rates.stated_rate(fmt, src, int(lead.sampling_rate), part="median")
    if not leads:
        return None
    if len({len(x) for x in leads.values()}) > 1:
        # one beat, drawn lead beside lead: leads of different lengths are no such beat (and cannot
        # be combined into limb leads); the device's beat is left out, the rhythm still reads
        log.warning("%s: the device's median beat has leads of different lengths; left out", path.name)
        return None
    if {"I", "II"} <= set(leads):  # 8-lead carts (GE): the beat's limb leads as for the rhythm
        i, ii = leads["I"], leads["II"]
        derived = {"III": ii - i, "aVR": -(i + ii) / 2, "aVL": i - ii / 2, "aVF": ii - i / 2}
        added = [lead for lead in derived if lead not in leads]
        leads.update({lead: derived[lead].astype(np.float32) for lead in added})
        if added:
            return {"fs": fs, "leads": leads, "derived_leads": tuple(added)}
    return {"fs": fs, "leads": leads}
