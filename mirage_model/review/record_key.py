"""A record's keys in the over-read store (``review.store``): ``overread_key``, the record found by its content, not
its path (its samples as read, rate, lead names, leads outside the 12, when it was recorded and the patient the file
names), and ``loose_identity``, a looser one a re-export or a changed reader keeps (its name, patient, time, rate and
length), by which a changed copy of a record over-read is told of it, never given it.
Research use only, not a diagnosis.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

from mirage_model.review.file_info import file_patient, record_date


def overread_key(record) -> str:
    """The over-read's key of ``record`` (an ``EcgRecord``): a hex digest of its samples (float32 (L, T), NaN where
    missing), sampling rate, lead names, extra leads (each one's name and (T,) samples), the recording's date and time
    (``file_info.record_date``) and the patient's ID, name, birth date, age and sex as the file gives them."""
    meta = getattr(record, "meta", None) or {}
    patient = meta.get("patient") or {}
    facts = file_patient(record)
    said = (facts.get("id"), facts.get("name"), patient.get("birth_date"), getattr(record, "age", None),
            getattr(record, "sex", None))
    who = [" ".join(("" if x is None else str(x)).split()) for x in said]
    signal = np.ascontiguousarray(np.asarray(record.signal, dtype=np.float32))     # (L, T)
    extra = [(str(e.name), np.ascontiguousarray(np.asarray(e.signal, dtype=np.float32)))
             for e in getattr(record, "extra_leads", ()) or ()]
    head = json.dumps({"fs": float(record.fs), "leads": list(record.sig_name), "shape": list(signal.shape),
                       "patient": who, "recorded": " ".join(record_date(record).split()),
                       "extra": [[name, list(x.shape)] for name, x in extra]})
    h = hashlib.blake2b(head.encode("utf-8"), digest_size=20)
    h.update(signal)        # the array's own buffer: tobytes() had copied it (86 MB for 1 h of 12 leads at 500 Hz)
    for _, x in extra:
        h.update(x)
    return h.hexdigest()


def loose_identity(record) -> str | None:
    """A looser identity of ``record`` than ``overread_key``, which a re-export or a changed reader keeps: a hex digest
    of its name (``record_id``), the patient's ID, name, birth date, age and sex, the recording's date and time, its
    sampling rate and number of samples; its samples and lead names left out. None where the file does not name both
    the patient (ID or name) and when it was recorded: two recordings (of one patient on two days, of two patients
    under one anonymised ID, of two patients at one time) may then share all of it."""
    meta = getattr(record, "meta", None) or {}
    facts = file_patient(record)
    said = (facts.get("id"), facts.get("name"), (meta.get("patient") or {}).get("birth_date"),
            getattr(record, "age", None), getattr(record, "sex", None))
    who = [" ".join(("" if x is None else str(x)).split()) for x in said]
    recorded = " ".join(record_date(record).split())
    if not ((who[0] or who[1]) and recorded):
        return None
    signal = np.asarray(record.signal)      # (L, T)
    head = json.dumps({"record": str(getattr(record, "record_id", "") or ""), "patient": who, "recorded": recorded,
                       "fs": float(record.fs), "samples": int(signal.shape[-1])})
    return hashlib.blake2b(head.encode("utf-8"), digest_size=20).hexdigest()
