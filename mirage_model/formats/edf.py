"""EDF, EDF+ and BDF in and EDF+ out, through edfio (Apache-2.0, the Siesta Group).

Follows the EDF specification (Kemp et al. 1992), EDF+ (Kemp & Olivan 2003: the structured
patient field "code sex birthdate name additional" and recording field "Startdate date hospital
technician equipment additional") and BioSemi's 24-bit BDF variant.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

from mirage_model.formats.assemble import build_record, fail, vendor_lead
from mirage_model.formats.fields import acquired_datetime, header_fields
from mirage_model.formats.vendor import require
from mirage_model.records.flags import clip_samples
from mirage_model.records.leads import UNIT_SCALE, match_leads
from mirage_model.records.record import STANDARD_LEADS, EcgRecord, RecordError

_RX_AGE = re.compile(r"^age[_:=]?(\d+(?:\.\d+)?)$", re.I)


def read_edf(path: Path, fmt: str) -> EcgRecord:
    """Read an EDF/EDF+ (``fmt`` "edf") or BDF ("bdf") file.

    Channels named after a standard lead ("ECG I", "EKG II", "V1") are kept; others (EEG,
    annotations, respiration ...) are listed in ``meta["dropped_leads"]``.

    Raises:
        RecordError: a damaged or cut header, data shorter than the header says, too few ECG
            leads, leads with different sampling frequencies, unknown units.
    """
    edfio = require("edfio", path, fmt)
    _check_length(path, fmt)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # edfio warns about odd but readable headers
            edf = edfio.read_bdf(path) if fmt == "bdf" else edfio.read_edf(path)
            signals = list(edf.signals)
    except Exception as err:  # edfio raises ValueError and others on damaged headers or data
        raise fail(path, fmt, f"the header or data is damaged ({type(err).__name__}: {err})") from None

    is_ecg = set(match_leads([s.label for s in signals], vendor_lead).matched)
    ecg = [s for i, s in enumerate(signals) if i in is_ecg]
    rates = Counter(float(s.sampling_frequency) for s in ecg)
    if len(rates) > 1:
        raise fail(path, fmt, "ECG leads have different sampling frequencies "
                              f"({', '.join(f'{r:g}' for r in sorted(rates))} Hz)")
    fs = rates.most_common(1)[0][0] if rates else (float(signals[0].sampling_frequency) if signals else 0.0)
    channels, at_limit, dropped = [], {}, []
    for i, s in enumerate(signals):
        if i not in is_ecg:
            dropped.append(s.label)
            continue
        unit = s.physical_dimension.strip()
        scale = UNIT_SCALE.get(unit.lower().replace("μ", "µ"))
        if scale is None:
            raise fail(path, fmt, f"unknown units {unit!r} for lead {s.label} (expected mV, uV or V)")
        try:
            digital = s.digital
            data = np.asarray(s.data, dtype=np.float64) * scale
        except Exception as err:
            raise fail(path, fmt, f"lead {s.label}: data cannot be read ({err})") from None
        channels.append((s.label, data))
        clip = clip_samples(float(s.sampling_frequency))   # clipped, not merely scaled to the whole range
        at_limit[s.label] = bool(np.count_nonzero(digital >= s.digital_max) >= clip
                                 or np.count_nonzero(digital <= s.digital_min) >= clip)
    if not channels:
        raise fail(path, fmt, f"no ECG leads among its {len(signals)} channels "
                              f"({', '.join(s.label for s in signals) or 'none'})")
    return build_record(path, fmt, channels, fs, at_limit=at_limit, info=_edf_info(edf, dropped))


def _check_length(path: Path, fmt: str) -> None:
    """The file must hold the data records its header declares (edfio silently truncates)."""
    with open(path, "rb") as f:
        head = f.read(256)
        try:
            header_bytes, n_records, ns = int(head[184:192]), int(head[236:244]), int(head[252:256])
            f.seek(256 + ns * 216)
            per_record = sum(int(f.read(8)) for _ in range(ns))
        except ValueError:
            raise fail(path, fmt, "the header is damaged or cut short (a number field is not a "
                                  "number)") from None
    expected = header_bytes + per_record * (3 if fmt == "bdf" else 2) * max(n_records, 0)
    size = path.stat().st_size
    if size < expected:
        raise fail(path, fmt, f"the file is cut short ({size} bytes; its header describes "
                              f"{n_records} data records, {expected} bytes)")


def _edf_info(edf, dropped: list[str]) -> dict:
    info: dict = {"meta": {"reader": "edfio"}}
    if dropped:
        info["meta"]["non_ecg_channels"] = tuple(dropped)
    try:
        p = edf.patient
        info["patient_id"] = "" if p.code == "X" else p.code.replace("_", " ")
        info["patient_name"] = "" if p.name == "X" else p.name.replace("_", " ")
        info["sex"] = p.sex if p.sex in ("M", "F") else None
        try:
            info["birth_date"] = p.birthdate
        except ValueError:  # "X": not given
            pass
        for field in p.additional:
            m = _RX_AGE.match(field)
            if m:
                info["age"] = float(m.group(1))
            if field.lower().startswith("anonymised"):
                info["anonymised"] = "the file says it was anonymised"
    except Exception:  # plain EDF: the field is free text
        text = edf.local_patient_identification.strip()
        if text and text != "X":
            info["meta"]["edf_patient_field"] = text
    try:
        r = edf.recording
        if r.equipment_code != "X":
            info["device"] = r.equipment_code.replace("_", " ")
        if r.hospital_administration_code != "X":
            info["site"] = r.hospital_administration_code.replace("_", " ")
    except Exception:
        text = edf.local_recording_identification.strip()
        if text:
            info["meta"]["edf_recording_field"] = text
    try:
        info["acquired"] = edf.startdatetime
    except Exception:
        pass
    return info


def write_edf(record: EcgRecord, out_path: Path, *, anonymise: bool = False) -> Path:
    """Write ``record`` as EDF+ (16-bit, one "ECG <lead>" signal per standard lead, mV).

    The physical range is the record's own (symmetric, at least +-1 mV), so the resolution is
    range / 65535, a few microvolts for an ordinary ECG. Missing samples (NaN) are written as 0
    and named in the recording field.

    Returns:
        ``out_path``.
    """
    edfio = require("edfio", out_path, "edf")

    x = np.asarray(record.signal, dtype=np.float64)
    nan = np.isnan(x)
    x = np.where(nan, 0.0, x)
    span = max(1.0, float(np.abs(x).max()) * 1.001)
    signals = [edfio.EdfSignal(x[k], record.fs, label=f"ECG {lead}", physical_dimension="mV",
                               physical_range=(-span, span), transducer_type="ECG electrode")
               for k, lead in enumerate(STANDARD_LEADS)]
    fields = header_fields(record, anonymise)
    T = x.shape[1]
    duration = 1.0 if float(record.fs).is_integer() and T % int(record.fs) == 0 else T / record.fs

    def sub(text) -> str:  # EDF headers are ASCII; subfields hold no spaces
        ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
        return re.sub(r"\s+", "_", ascii_text.strip())[:40] or "X"

    additional = []
    if record.age is not None:
        additional.append(f"Age:{record.age:g}")
    if anonymise:
        additional.append("anonymised:name_ID_birthdate_removed")
    birth = None
    if not anonymise and fields.get("birth_date"):
        try:
            birth = dt.date.fromisoformat(str(fields["birth_date"])[:10])
        except ValueError:
            birth = None
    # EDF's patient field holds 80 characters: the name is shortened to fit
    code, name = sub(fields.get("patient_id") or "X"), sub(fields.get("patient_name") or "X")
    room = 80 - len(" ".join([code, "X", "01-JAN-2000", *additional])) - 2
    patient = edfio.Patient(code=code, sex=record.sex if record.sex in ("M", "F") else "X",
                            birthdate=birth, name=name[:max(1, room)], additional=additional)
    acquired = acquired_datetime(record.meta.get("acquired"))
    rec_extra = ["MIRAGE"] + (["missing_samples_written_as_0"] if nan.any() else [])
    # EDF's recording field holds 80 characters: "Startdate dd-MMM-yyyy site X device extras"
    room = 80 - len("Startdate 01-JAN-2000 X ") - len(" ".join(rec_extra)) - 2
    site, device = sub(record.meta.get("site") or "X"), sub(record.meta.get("device") or "X")
    if len(site) + len(device) > room:
        device = device[:max(1, room // 2)]
        site = site[:max(1, room - len(device))]
    recording = edfio.Recording(startdate=acquired.date() if acquired else None,
                                hospital_administration_code=site, equipment_code=device,
                                additional=rec_extra)
    try:
        edf = edfio.Edf(signals, patient=patient, recording=recording,
                        starttime=acquired.time() if acquired else None, data_record_duration=duration)
        edf.write(out_path)
    except ValueError as err:
        raise RecordError(out_path, f"cannot write EDF+: {err}") from None
    return out_path
