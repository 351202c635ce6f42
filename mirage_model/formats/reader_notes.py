"""What the parsers say while they read a file, kept as the record's reader warnings (its
``meta["reader_warnings"]``, which the quality findings show naming the file) instead of printed.

The parsers speak in two ways: Python warnings (ecgdatakit's, MIRAGE's own adaptations', pydicom's)
and, for pydicom, log records ("Invalid value for VR UI" of a damaged element, a file cut short);
:func:`collect_reader_notes` gathers both for every format's read.
"""

from __future__ import annotations

import logging
import re
import threading
import warnings
from contextlib import contextmanager

# the libraries that log what is wrong with a file rather than warn of it
_READER_LOGGERS = ("pydicom",)

_collecting = threading.local()   # .notes: the list this thread's read collects into


class _ReaderLog(logging.Handler):
    """A reader library's log records (WARNING and above) of the read under way in this thread, kept
    with its notes; none reaches the terminal (the app's and the CLI's root handlers would print it)."""

    def emit(self, record: logging.LogRecord) -> None:
        notes = getattr(_collecting, "notes", None)
        if notes is not None and record.levelno >= logging.WARNING:
            notes.append(record.getMessage())


@contextmanager
def collect_reader_notes():
    """Within: Python warnings and the reader libraries' log records are collected, not printed;
    yields the list their messages go into (one per message, in order: the log records as they
    come, the warnings when the block ends)."""
    for name in _READER_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(h, _ReaderLog) for h in logger.handlers):
            logger.addHandler(_ReaderLog())
            logger.propagate = False    # the app's and the CLI's root handlers would print it
    outer = getattr(_collecting, "notes", None)
    notes: list[str] = []
    _collecting.notes = notes
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield notes
    finally:
        _collecting.notes = outer
        notes.extend(str(w.message) for w in caught)
        notes[:] = _uids_in_one(notes)


# pydicom's note of a malformed UID, one per element ("Invalid value for VR UI: '1.2..1'. Please see <URL of
# PS3.5 Table 6.2-1> for allowed values for each VR."): the file's identifiers, none of its ECG
_BAD_UID = re.compile(r"Invalid value for VR UI: ('.*')\. Please see <[^>]*> for allowed values for each VR\.?")


def _uids_in_one(notes: list[str]) -> list[str]:
    """``notes`` with pydicom's malformed-UID notes said once, in words, where the first of them was: the C#
    ECG Toolkit's Example.dcm gave three, each with a link to the standard, in the app's warning bar."""
    uids = list(dict.fromkeys(m.group(1) for m in map(_BAD_UID.fullmatch, notes) if m))   # (logged and warned)
    if not uids:
        return notes
    which = "a malformed identifier (UID)" if len(uids) == 1 else f"{len(uids)} malformed identifiers (UIDs)"
    said = (f"DICOM: {which} ({', '.join(uids)}; PS3.5 6.2 allows digits and single dots): the file's "
            f"identifiers only, its ECG is read as stored")
    out, put = [], False
    for note in notes:
        if not _BAD_UID.fullmatch(note):
            out.append(note)
        elif not put:
            out.append(said)
            put = True
    return out
