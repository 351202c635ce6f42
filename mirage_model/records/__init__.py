"""Records in: ECG files read into ``EcgRecord``s (12 leads, lead-first ``(L, T)`` in mV).

Follows the WFDB header and signal specification (PhysioNet, ``header(5)``, ``signal(5)``) and the
PhysioNet/CinC Challenge 2020/2021 record form (a WFDB header whose signal file is a MATLAB v4
``.mat`` with a 24-byte preamble, ``#Age``/``#Sex``/``#Dx`` comments); clinical formats (MUSE,
DICOM, EDF ...) come through ``mirage_model.formats``.

Modules: ``record`` (EcgRecord, errors, lead order), ``leads`` (names, units, Einthoven and
Goldberger), ``wfdb_header`` / ``wfdb_samples`` / ``wfdb_record`` (reading a WFDB record),
``wfdb_segments`` (the segments of a multi-segment WFDB record),
``metadata`` (header comments), ``ptbxl`` (PTB-XL's table), ``age`` (an age from a birth date and
the recording's date; an age in words, an infant's in months), ``folder`` (the one walk of a folder
that every folder search uses), ``stamp`` (whether a record's files changed on disk), ``fingerprint`` (a record's
content fingerprint: the training records a checkpoint keeps), ``load``
(``load_record``, ``find_records``); ``load_header`` reads a WFDB header's fields alone.
"""

from mirage_model.records.leads import canonical_lead
from mirage_model.records.load import find_records, load_record
from mirage_model.records.wfdb_record import load_header
from mirage_model.records.record import (FLAT_PTP_MV, QUALITY_FLAGS, SATURATION_RUN_S, STANDARD_LEADS, EcgRecord,
                                         ExtraLead, RecordError, UnscorableRecordError)

__all__ = ["FLAT_PTP_MV", "QUALITY_FLAGS", "SATURATION_RUN_S", "STANDARD_LEADS", "EcgRecord", "ExtraLead",
           "RecordError", "UnscorableRecordError", "canonical_lead", "find_records", "load_header", "load_record"]
