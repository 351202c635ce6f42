"""What every face says of the over-reads the store keeps (``review.store``): an over-read kept for another file of
the record on screen (``elsewhere_notice``: the app's panel and message bar, ``mirage report``'s note) and an
over-read's text to read, not restore (``kept_text``: File > Show the over-read kept for another file...), what
another MIRAGE Review on the same file changed of the record's over-read since it was read (``changed_elsewhere``),
and the panel's line on an over-read a save did not keep (``not_kept``).
Research use only, not a diagnosis.
"""

from __future__ import annotations

from datetime import datetime, timezone

from mirage_model.review.file_info import file_patient, record_date
from mirage_model.review.overread import UNDECIDED, signer_name


def elsewhere_notice(record, name: str, state: dict, when: datetime | None) -> str:
    """What every face says of an over-read kept for another file of ``record`` (``OverReadStore.elsewhere``'s
    (``name``, ``state``, ``when``)), in one sentence without its full stop: "An over-read of a record named 00417_lr,
    patient ID PTB-XL patient 4938, recorded 1987-01-29 16:51:21, signed by Dr A on 2026-12-06 10:38 UTC is kept, but
    this file's samples differ: not restored" (the app adds where to see it; ``mirage report`` prints it as a note).
    """
    facts, recorded = file_patient(record), record_date(record)
    patient = f"patient ID {facts['id']}" if facts.get("id") else f"patient {facts['name']}" if facts.get("name") \
        else ""
    who = [f"named {name or getattr(record, 'record_id', '')}", *([patient] if patient else []),
           *([f"recorded {recorded}"] if recorded else [])]
    by = (f"signed by {signer_name(state.get('reader', ''))} on {when:%Y-%m-%d %H:%M} UTC"
          if state.get("signed_at") and when is not None else "unsigned (a draft)")
    return f"An over-read of a record {', '.join(who)}, {by} is kept, but this file's samples differ: not restored"


def kept_text(state: dict, when: datetime | None = None) -> str:
    """An over-read's ``OverRead.state()`` as plain text, to read (not restore): its signature or draft, each
    decision, the machine statements a signature was given over and left neither confirmed nor struck (in the Sign
    dialog's words), the reviewer's statements and the comment."""
    signed = state.get("signed_at")
    try:
        signed = signed and f"{datetime.fromisoformat(signed).astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC"
    except (TypeError, ValueError):
        pass        # as the file holds it
    lines = [f"Signed by {signer_name(state.get('reader') or '')} on {signed}" if signed else
             "A draft, not signed" + (f", saved {when:%Y-%m-%d %H:%M} UTC" if when is not None else "")]
    decided = set()
    for *k, verdict, reason in state.get("decisions") or ():
        decided.add(tuple(k))
        lines.append(f"{verdict.capitalize()}: {k[-1] if k else ''}" + (f" ({reason})" if reason else ""))
    # signed over them as they were: the other file's reviewer read them and decided neither (its words: the key's last)
    for k in (state.get("signed_over") or ()) if signed else ():
        if isinstance(k, list) and k and tuple(k) not in decided:
            lines.append(f"{UNDECIDED[0].upper()}{UNDECIDED[1:]}: {k[-1]}")
    for text, group in state.get("added") or ():
        lines.append(f"Added ({group}): {text}")
    if state.get("comment"):
        lines.append(f"Comment: {state['comment']}")
    return "\n".join(str(x) for x in lines)


def changed_elsewhere(path, record: str, state) -> str:
    """"The over-read of RECORD in PATH was changed by another MIRAGE Review since it was opened here (it is signed by
    Dr A on 2026-12-06 10:38 UTC)", no full stop: ``state`` is what the file holds now (``OverRead.state()``; None:
    removed; anything else: damaged)."""
    try:
        signed = state.get("signed_at") and datetime.fromisoformat(state["signed_at"]) if state is not None else None
        now = (f"it is signed by {signer_name(state.get('reader', ''))} on {signed:%Y-%m-%d %H:%M} UTC" if signed
               else "a draft is kept" if state is not None else "it was removed (forgotten)")
    except (AttributeError, TypeError, ValueError):
        now = "what is kept now is damaged"
    return (f"The over-read of {record or 'this record'} in {path} was changed by another MIRAGE Review since it was "
            f"opened here ({now})")


KEEPS_IT = "(the one below is this window's alone: File > Export PDF report keeps it)"


# a store that could be neither read when the record was opened nor written since, for one reason: the panel's one line
UNKNOWN_NOT_KEPT = "Over-read unknown and not kept"


def not_kept(state=None, problem: str = "", unread: str = "") -> str:
    """What the over-read panel says above an over-read its last save did not keep, in the warning colour: the file's
    ``problem`` (the store's words, "The over-read store PATH could not be written: ...") where it could not be
    written, else what another MIRAGE Review left in it since it was read here (a refused save: ``state`` as in
    ``changed_elsewhere``), e.g. "Not kept: the store holds the over-read signed by Dr A on 2026-12-06 10:38 UTC in
    another MIRAGE Review (the one below is this window's alone: File > Export PDF report keeps it)". ``unread``: why
    the over-read kept for the record could not be read when it was opened (``OverRead.store_unread``); where the
    write failed for the same reason, one line says both, naming the file once (:data:`UNKNOWN_NOT_KEPT`), in place
    of the panel's "Not kept: ..." above "Over-read unknown ...", both red, saying the same twice."""
    if problem and unread.rstrip(".").replace(" could not be read: ", " could not be written: ", 1) == \
            problem.rstrip("."):
        both = problem.rstrip(".").replace(" could not be written: ", " could not be read or written: ", 1)
        return f"{UNKNOWN_NOT_KEPT}: {both[:1].lower()}{both[1:]}; machine statements unconfirmed {KEEPS_IT}"
    if problem:
        return f"Not kept: {problem[:1].lower()}{problem[1:].rstrip('.')} {KEEPS_IT}"
    try:
        signed = state.get("signed_at") and datetime.fromisoformat(state["signed_at"]) if state is not None else None
        held = (f"the store holds the over-read signed by {signer_name(state.get('reader', ''))} on "
                f"{signed.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC in another MIRAGE Review" if signed
                else "the store holds a draft saved in another MIRAGE Review" if state is not None
                else "another MIRAGE Review forgot this record's over-read in the store")
    except (AttributeError, TypeError, ValueError):
        held = "the store's over-read of this record, changed in another MIRAGE Review, is damaged"
    return f"Not kept: {held} {KEEPS_IT}"
