"""What a batch reads: the records under a folder (and signal files that lack their header) and
the labs table."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from mirage_model.clinical import ClinicalError, read_labs_table
from mirage_model.formats import find_ecg_files, header_keys, record_key
from mirage_model.records import RecordError
from mirage_model.records.folder import walk_files
from mirage_model.records.wfdb_header import segment_headers
from mirage_model.review.batch.errors import BatchError

SIGNAL_SUFFIXES = (".dat", ".mat")       # signal files that must come with a header


def find_inputs(folder, unreadable: list | None = None) -> tuple[list[Path], list[Path], list[Path]]:
    """(record headers, signal files without a header, files with an ECG format's extension that
    are no ECG MIRAGE reads) under ``folder``, recursively, each sorted. The last are read like
    records, so that their row says what they are, with the status "not_ecg". ``unreadable``,
    when a list, receives (folder, reason) of each folder that cannot be listed. The folder is
    walked once.

    Raises:
        BatchError: the folder does not exist or is not a folder.
    """
    passed_over: list[Path] = []
    files = list(walk_files(folder, unreadable=unreadable)) if Path(folder).is_dir() else []
    try:
        headers = find_ecg_files(folder, passed_over, files=files)  # WFDB headers and clinical-format files
    except RecordError as err:
        raise BatchError(str(err)) from None
    # a multi-segment record's segments are read through its master: their .dat files have a header
    keys = header_keys(headers) | header_keys(segment_headers(p for p in headers if p.suffix.lower() == ".hea"))
    orphans = []
    for p in files:
        if p.suffix.lower() in SIGNAL_SUFFIXES and record_key(p) not in keys:
            orphans.append(p)
    return headers, sorted(orphans), passed_over


def labs_dict(labs, row_errors: dict | None = None) -> dict:
    """{record_id: values} of a labs table (a path, or such a dict already); a row that cannot be
    read goes to ``row_errors`` ({record_id: message}, when given) instead of stopping the batch.

    Raises:
        BatchError: the table itself cannot be read.
    """
    if labs is None:
        return {}
    if isinstance(labs, Mapping):
        return dict(labs)
    try:
        return read_labs_table(labs, row_errors=row_errors)
    except ClinicalError as err:
        raise BatchError(str(err)) from None


def labs_row_ids(labs: Mapping, row_errors: Mapping) -> list[str]:
    """Every row id of a labs table as ``labs_dict`` split it: its read rows, then the refused ones
    (``row_errors``) not among them; what ``clinical.match_labs_rows`` matches records against."""
    return list(labs) + [r for r in row_errors if r not in labs]
