"""What an amended over-read changed: its differences against the signature it amends (``review.overread``), worded
once here for every face (the PDF's page 1 and 3, the app's over-read panel, ``mirage report``'s note).

A clinical reading system's amended report says what the amendment changed, not only who signed it: "Inferior infarct:
was confirmed, now struck (wrong lead)", "T wave abnormality: was undecided, now confirmed", "added: ...", "comment
changed (was: ...)". The signature amended is the one kept before the over-read's own (a signed amendment), or the
last one kept (a draft of one); its contents are the store's (``OverReadStore.signatures``), handed to the over-read
by whoever keeps it (:func:`keep_signatures`). Research use only, not a diagnosis.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from mirage_model.review.overread import STRUCK, signer_name, statement_key

UNDECIDED_WORD = "undecided"      # a statement signed over and neither confirmed nor struck


def keep_signatures(overread, signatures) -> None:
    """Hand ``overread`` the signatures the store keeps of its record (``OverReadStore.signatures``: (signer,
    signed_at, state), oldest first): (who, when) -> what (``kept_states``, whose keys are ``kept_signatures``)."""
    overread.kept_states = {(who, when): state for who, when, state in signatures}


def kept_now(overread, state: dict) -> None:
    """The over-read's own signature was just kept (``state``: what was saved): an edit after it amends it."""
    own = (overread.reader, overread.signed_at)
    # a new dict (a report's copy keeps its own), the signature last unless it was kept before
    overread.kept_states = {**overread.kept_states, own: state}


def _verdicts(state: dict, signed_over) -> dict[tuple, str]:
    """statement key -> "confirmed", "struck (why)", or :data:`UNDECIDED_WORD` of the statements ``signed_over``
    left undecided."""
    out = {tuple(k): UNDECIDED_WORD for k in signed_over}
    for *k, verdict, reason in state.get("decisions") or ():
        out[tuple(k)] = verdict + (f" ({reason})" if verdict == STRUCK and reason else "")
    return out


def changes(before: dict, after: dict, order=()) -> list[str]:
    """What ``after`` (an ``OverRead.state()``) changed of ``before`` (the state of the signature it amends), one
    phrase each: the decisions ("NAME: was confirmed, now struck (why)"), a statement the machine no longer says or
    newly says (its words changed: a measurement edited), the reviewer's statements added or removed, the comment.
    ``order``: statement keys in reading order (the interpretation's), the rest after them. A draft (``after``
    unsigned) is read over the statements ``before`` was signed over."""
    was = _verdicts(before, before.get("signed_over") or ())
    signed = after.get("signed_at") is not None
    now = _verdicts(after, after.get("signed_over") or () if signed else before.get("signed_over") or ())
    keys = list(dict.fromkeys([tuple(k) for k in order] + list(was) + list(now)))
    out = []
    for k in keys:
        b, a = was.get(k), now.get(k)
        if a == b or (a is None and b is None):
            continue
        name = k[-1] if k else ""
        if a is None:
            out.append(f"{name}: no longer stated (was {b})")
        elif b is None:
            out.append(f"{name}: new statement, {a}")
        else:
            out.append(f"{name}: was {b}, now {a}")
    old = Counter(tuple(x) for x in before.get("added") or ())
    new = Counter(tuple(x) for x in after.get("added") or ())
    out += [f"added: {text}" for text, _ in (new - old).elements()]
    out += [f"removed: {text}" for text, _ in (old - new).elements()]
    c0, c1 = before.get("comment") or "", after.get("comment") or ""
    if c0 != c1:
        out.append("comment added" if not c0 else f"comment removed (was: {c0})" if not c1 else
                   f"comment changed (was: {c0})")
    return out


def amendment_changes(overread, interpretation=None) -> tuple[tuple[str, datetime], list[str]] | None:
    """(the signature amended, :func:`changes` of ``overread`` against it), None where it amends none or that
    signature's contents are not known."""
    amended = overread.amended_signature()
    before = getattr(overread, "kept_states", {}).get(amended) if amended is not None else None
    if before is None:
        return None
    order = [statement_key(s) for s in interpretation.statements] if interpretation is not None else ()
    return amended, changes(before, overread.state(), order)


def changes_line(overread, interpretation=None, named: bool = False) -> str:
    """One line of what the amendment changed, said under the signature's line that names the signature it amends
    (``OverRead.amended``, or a draft's title, ``OverRead.amends``), so not named again: "Changes: Inferior infarct:
    was confirmed, now struck (wrong lead); added: Early repolarisation"; a draft's "Changes so far: ..."; a signed
    one that changed nothing "Changes: none, signed again"; "" where it amends none (or a draft has changed nothing
    yet). ``named``: for a line that does not name it (``mirage overreads``' listing), "Changes to the over-read
    signed by Dr A on 2026-12-06 10:38 UTC: ..."."""
    return changes_text(overread, amendment_changes(overread, interpretation), named)


def changes_text(overread, found, named: bool = False) -> str:
    """:func:`changes_line` of the changes ``found`` (:func:`amendment_changes` of ``overread``, worked out once by a
    report that counts them on page 1 and says them on page 3)."""
    if found is None:
        return ""
    (who, when), said = found
    if not said and overread.signed_at is None:
        return ""
    what = "Changes" if overread.signed_at is not None else "Changes so far"
    if named:
        what += f" to the over-read signed by {signer_name(who)} on {when:%Y-%m-%d %H:%M} UTC"
    return f"{what}: " + ("; ".join(said) if said else "none, signed again")
