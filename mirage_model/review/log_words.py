"""What a log may say of a record: never who its patient is. The app's log is kept for support (sent with a fault
report, read by whoever fixes it), so a message that names the patient on screen (the notice of an over-read kept for
another file, a reader's note on a birth date) is logged with the patient's ID, name and birth date replaced by the
record's file name (``unnamed``): "patient ID [patient ID of aecg_subject1_0]".
Research use only, not a diagnosis.
"""

from __future__ import annotations

import re

from mirage_model.review.file_info import file_patient

_LEAST_PART = 3     # a name's parts this long or longer are replaced alone too ("DOE^JOHN" for "JOHN DOE")


def unnamed(text: str, record) -> str:
    """``text`` with ``record``'s patient ID, name (whole, and each of its parts of 3 characters or more) and birth
    date, as its file gives them, replaced by "[patient ID of NAME]", "[patient name of NAME]", "[birth date of
    NAME]", NAME the record's file name (``record_id``), wherever they stand as words of their own (case ignored): one
    inside a longer word, as the ID in a file name "aecg_subject1_0", stays (the file name is what the log names)."""
    if record is None:
        return text
    facts = file_patient(record)
    birth = ((getattr(record, "meta", None) or {}).get("patient") or {}).get("birth_date")
    name = str(getattr(record, "record_id", "") or "this record")
    words = [(str(facts["id"]), "patient ID")] if facts.get("id") else []
    if facts.get("name"):
        words.append((str(facts["name"]), "patient name"))
        words += [(part, "patient name") for part in re.split(r"[\W_]+", str(facts["name"]))
                  if len(part) >= _LEAST_PART]
    if birth:
        words.append((str(birth), "birth date"))
    for word, what in sorted(words, key=lambda w: -len(w[0])):      # the whole name before its parts
        if word.strip():
            text = re.sub(rf"(?<![\w]){re.escape(word.strip())}(?![\w])", f"[{what} of {name}]", text,
                          flags=re.IGNORECASE)
    return text
