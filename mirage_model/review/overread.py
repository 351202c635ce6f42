"""The reader's over-read of one record's interpretation: each machine statement confirmed or struck, statements of
their own, a comment, and a signature (who read it, when).

As in the clinical ECG systems' over-read (GE MUSE, Philips IntelliSpace ECG): the report then says who read it
and when, and which statements are the machine's, unconfirmed. A :class:`OverRead` belongs to one
``ReviewSession`` (made empty with it), so it can never reach another patient's session; the app keeps it in the
over-read store (``review.store``: ``state`` and ``restore``), found again by the record's content.

A decision is kept by its statement's key (:func:`statement_key`): its source, its code or rule, and its words. A
re-run of the same model on the same record says the same words and keeps it; a statement whose words change (a
measurement edited: "First degree AV block (PR 224 ms)" becomes "(PR 188 ms)") is another statement, and the old
decision does not apply to it (:meth:`OverRead.no_longer_applies` counts those). A signature is for the statements
it was signed over: an interpretation that changes after signing is no longer signed (:meth:`OverRead.signed_for`),
and an edit after signing un-signs and says so. Research use only, not a diagnosis.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from mirage_model import RESEARCH_USE_NOTICE

CONFIRMED, STRUCK = "confirmed", "struck"
NOT_OVERREAD = "Not over-read: machine statements unconfirmed"
# where the over-read kept for the record could not be read (its store locked or damaged): it may be signed, so no
# report or screen says "Not over-read" of it (``OverRead.store_unread``)
UNKNOWN = "Over-read unknown (its store could not be read): machine statements unconfirmed"
# a signed over-read's machine statements the reviewer neither confirmed nor struck, in the Sign dialog's words ("left
# unread" had read as if the cardiologist had not read them)
UNDECIDED = "neither confirmed nor struck"
# the research-use notice (``mirage_model.RESEARCH_USE_NOTICE``, "...; unconfirmed.") of a report signed over its
# statements: research use stays, "unconfirmed" would deny the signature printed above it (:func:`research_notice`)
OVERREAD_NOTICE = "Research use only, not a diagnosis; over-read."
REVIEWER_MARK = "(reviewer)"
NO_NAME = "a reviewer who gave no name"     # who signed, where the signature gives no name (:func:`signer_name`)


def statement_key(s) -> tuple[str, str, str]:
    """What a decision is kept by: (source, PTB-XL code or rule id, words) of an interpretation ``Statement``."""
    return (s.source, s.code or s.rule_id or "", s.text)


@dataclass(frozen=True)
class Decision:
    verdict: str          # CONFIRMED or STRUCK
    reason: str = ""      # why it was struck (optional)


@dataclass(frozen=True)
class Added:
    """A statement of the reviewer's own."""
    text: str
    group: str            # one of ``interpret.statements.GROUPS``


def _local(when: datetime) -> datetime:
    return when.astimezone()


def research_notice(overread, interpretation) -> str:
    """The research-use notice of a report or screen of ``interpretation``: :data:`OVERREAD_NOTICE` where
    ``overread`` (None: none) is signed over exactly its statements, else ``mirage_model.RESEARCH_USE_NOTICE``."""
    signed = overread is not None and interpretation is not None and overread.signed_for(interpretation)
    return OVERREAD_NOTICE if signed else RESEARCH_USE_NOTICE


def signer_name(reader: str) -> str:
    """Who signed, as every line that names them says it: ``reader``, or :data:`NO_NAME` where none was given."""
    return reader or NO_NAME


def _amends_words(signature: tuple[str, datetime] | None) -> str:
    """ "Amends the over-read signed by Dr A on 2026-12-06 10:38 UTC" of ``signature`` (signer, signed_at); "" for
    None."""
    if signature is None:
        return ""
    return f"Amends the over-read signed by {signer_name(signature[0])} on {signature[1]:%Y-%m-%d %H:%M} UTC"


def signed_text(reader: str, when: datetime) -> str:
    """ "Over-read by Dr A. Reader, 2026-12-06 07:10 UTC (08:10 local)"."""
    who = signer_name(reader)
    loc = _local(when)
    day = "" if loc.date() == when.date() else f"{loc:%Y-%m-%d} "
    return f"Over-read by {who}, {when:%Y-%m-%d %H:%M} UTC ({day}{loc:%H:%M} local)"


class OverRead:
    """One record's over-read. Every change calls ``on_change(what)`` (the session emits it as its "overread" event).

    Attributes:
        decisions: statement key -> :class:`Decision`.
        added: the reviewer's own statements, in the order added.
        comment: the reviewer's comment.
        reader: who signed (may be "").
        signed_at: when it was signed (UTC), None when not signed.
        note: the last thing said of the over-read as a whole ("Un-signed: ..."), "" when nothing.
        store_unread: why the over-read kept for this record could not be read (the store's words, naming it), ""
            when it was read or none is kept: set by whoever keeps it (the app).
        store_refused: why the store did not keep this over-read as it stands at its last save ("Not kept: the store
            holds the over-read signed by ..."), "" when it did or none was tried: set by whoever keeps it (the app's
            panel says it, never green).
    """

    def __init__(self, on_change: Callable[[str], None] | None = None):
        self.decisions: dict[tuple, Decision] = {}
        self.added: list[Added] = []
        self.comment = ""
        self.reader = ""
        self.signed_at: datetime | None = None
        self._signed_keys: frozenset = frozenset()
        self.note = ""
        self._on_change = on_change
        self._kept: tuple | None = None     # the signature (``signature``) last written into a report
        self._signings = 0                  # signatures so far: one signed again within a second is another
        self.restored = ""                  # what was restored from the store ("Draft from ... restored"), until edited
        self.elsewhere = ""                 # an over-read kept for another file of this record, not restored
        self.store_unread = ""              # the store's words where the over-read kept for it could not be read
        self.store_refused = ""             # why the store did not keep it as it stands ("Not kept: ...")
        # the signatures the store keeps of this record, oldest first, (signer, signed_at UTC) -> what it signed
        # (``state()``: what an amendment changed, ``review.amendment``); set by whoever keeps it
        self.kept_states: dict[tuple[str, datetime], dict] = {}

    def copy(self) -> "OverRead":
        """A copy for a worker (the PDF): later edits do not reach it; it tells no one of changes."""
        out = copy.copy(self)
        out.decisions = dict(self.decisions)
        out.added = list(self.added)
        out._on_change = None
        return out

    # ------------------------------------------------------------------ state
    @property
    def kept_signatures(self) -> tuple[tuple[str, datetime], ...]:
        """The signatures the store keeps of this record, oldest first: (signer, signed_at UTC), ``kept_states``'s."""
        return tuple(self.kept_states)

    @property
    def edited(self) -> bool:
        """Whether the reviewer has decided, added or commented anything."""
        return bool(self.decisions or self.added or self.comment.strip())

    def decision(self, s) -> Decision | None:
        """The decision on the interpretation's statement ``s`` (None: neither confirmed nor struck)."""
        return self.decisions.get(statement_key(s))

    def unread(self, interpretation) -> int:
        """How many of the interpretation's statements are neither confirmed nor struck."""
        return sum(statement_key(s) not in self.decisions for s in interpretation.statements)

    def no_longer_applies(self, interpretation) -> int:
        """How many decisions are on statements the interpretation no longer says (their words changed)."""
        keys = {statement_key(s) for s in interpretation.statements}
        return sum(k not in keys for k in self.decisions)

    def signed_for(self, interpretation) -> bool:
        """Whether it is signed over exactly these statements."""
        return (self.signed_at is not None
                and self._signed_keys == frozenset(statement_key(s) for s in interpretation.statements))

    def needs_asking(self, interpretation) -> bool:
        """Edited and not signed over this interpretation: leaving the record loses work (the app asks first)."""
        return self.edited and not self.signed_for(interpretation)

    def kept_in_report(self, signature: tuple | None) -> None:
        """A report was written of this over-read as signed at ``signature`` (``signature()`` of the copy it was
        written from; None: not signed then, nothing kept)."""
        if signature is not None:
            self._kept = signature

    def signature(self) -> tuple | None:
        """Which signature a report written now keeps: (its number, signed_at, the statements signed over); None
        unsigned."""
        return None if self.signed_at is None else (self._signings, self.signed_at, self._signed_keys)

    def unkept(self, interpretation) -> bool:
        """Signed over this interpretation and that signature in no report written since: the over-read lives with
        the record's session, so leaving the record loses it (the app asks first, as for an unsigned one)."""
        return self.signed_for(interpretation) and self._kept != self.signature()

    def amended_signature(self) -> tuple[str, datetime] | None:
        """(signer, signed_at) of the signature this over-read amends: signed, the one kept before its own; a draft,
        the last kept; None where it amends none."""
        kept = list(self.kept_signatures)
        if self.signed_at is None:
            return kept[-1] if kept else None
        own = (self.reader, self.signed_at)
        i = kept.index(own) if own in kept else len(kept)
        return kept[i - 1] if i > 0 else None

    def amends(self) -> str:
        """What an unsigned over-read of a record signed before says on its title line ("Amends the over-read signed
        by Dr A on 2026-12-06 10:38 UTC": the last signature kept); "" where it is signed or none was kept."""
        return _amends_words(self.amended_signature()) if self.signed_at is None else ""

    def amended(self) -> str:
        """What a signed amendment's line adds: the signature it amends, once ("; amends the over-read signed by Dr A
        on 2026-12-06 10:38 UTC"; what it changed of it is said under it, ``review.amendment``, without naming it
        again); "" where it amends none, or is not signed."""
        words = _amends_words(self.amended_signature()) if self.signed_at is not None else ""
        return f"; a{words[1:]}" if words else ""         # "; amends the over-read signed by ..."

    def unsigned(self) -> str:
        """What a report's head says where no signature holds: :data:`NOT_OVERREAD`, or :data:`UNKNOWN` where the
        over-read kept for the record could not be read (it may be signed)."""
        return UNKNOWN if self.store_unread else NOT_OVERREAD

    def status(self, interpretation) -> str:
        """One line for the panel and the PDF: the signature (with how many machine statements it left neither
        confirmed nor struck, in the Sign dialog's words, and whom it amends), or why none holds (:data:`UNKNOWN`
        and the store's words where the over-read kept could not be read)."""
        if self.signed_for(interpretation):
            n = self.unread(interpretation)
            left = f"; {n} machine statement{'s' if n > 1 else ''} {UNDECIDED}" if n else ""
            return signed_text(self.reader, self.signed_at) + self.amended() + left
        if self.signed_at is not None:
            return (f"{NOT_OVERREAD}: the interpretation changed after it was signed "
                    f"({signed_text(self.reader, self.signed_at).removeprefix('Over-read ')}); sign again")
        if self.store_unread:
            return f"{UNKNOWN}. {self.store_unread.rstrip('.')}."
        return NOT_OVERREAD

    # ------------------------------------------------------------------ edits
    def _changed(self, what: str) -> None:
        self.restored = ""
        if self.signed_at is not None and what != "signed":
            self.signed_at, self._signed_keys = None, frozenset()
            self.note = "Un-signed: the over-read was edited after signing; sign it again"   # kept until signed
        if self._on_change is not None:
            self._on_change(what)

    def confirm(self, s) -> None:
        """Confirm the interpretation's statement ``s`` (again: undo it)."""
        key = statement_key(s)
        if self.decisions.get(key) == Decision(CONFIRMED):
            del self.decisions[key]
        else:
            self.decisions[key] = Decision(CONFIRMED)
        self._changed("decision")

    def strike(self, s, reason: str = "") -> None:
        """Strike the interpretation's statement ``s`` out, with an optional reason."""
        self.decisions[statement_key(s)] = Decision(STRUCK, " ".join(str(reason or "").split()))
        self._changed("decision")

    def undecide(self, s) -> None:
        """Neither confirmed nor struck again."""
        if self.decisions.pop(statement_key(s), None) is not None:
            self._changed("decision")

    def add(self, text: str, group: str) -> Added:
        """Add a statement of the reviewer's own.

        Raises:
            ValueError: empty words, or a group not among the interpretation's (``GROUPS``).
        """
        from mirage_model.review.interpret.statements import GROUPS    # here: the session imports this module, light

        words = " ".join(str(text or "").split())
        if not words:
            raise ValueError("The statement is empty: type its words.")
        if group not in GROUPS:
            raise ValueError(f"Unknown group {group!r}: choose one of {', '.join(GROUPS)}.")
        item = Added(words, group)
        self.added.append(item)
        self._changed("added")
        return item

    def remove_added(self, index: int) -> None:
        del self.added[index]
        self._changed("added")

    def set_comment(self, text: str) -> None:
        text = str(text or "").strip()
        if text != self.comment:
            self.comment = text
            self._changed("comment")

    def sign(self, interpretation, reader: str = "", now: datetime | None = None) -> str:
        """Sign over the interpretation's statements as they are; returns what to tell the reviewer. Statements left
        neither confirmed nor struck are allowed, and counted."""
        when = now or datetime.now(timezone.utc)
        self.reader = " ".join(str(reader or "").split())
        self.signed_at = when.astimezone(timezone.utc).replace(microsecond=0)
        self._signed_keys = frozenset(statement_key(s) for s in interpretation.statements)
        self._signings += 1
        n = self.unread(interpretation)
        self.note = (f"Signed with {n} machine statement{'s' if n > 1 else ''} {UNDECIDED}"
                     if n else "Signed")
        self._changed("signed")
        return self.note

    # ------------------------------------------------------------------ kept between sessions (``review.store``)
    def state(self) -> dict:
        """What the store keeps, as plain JSON values: the decisions, the added statements, the comment, the
        signature (reader, UTC time) and the statements it was signed over."""
        return {"decisions": [[*k, d.verdict, d.reason] for k, d in self.decisions.items()],
                "added": [[a.text, a.group] for a in self.added],
                "comment": self.comment,
                "reader": self.reader if self.signed_at is not None else "",
                "signed_at": self.signed_at.isoformat() if self.signed_at is not None else None,
                "signed_over": sorted(list(k) for k in self._signed_keys)}

    def restore(self, state: dict, saved_at: datetime | None = None) -> str:
        """Take back an over-read ``state()`` gave, with no edit (a restored signature stays signed); returns what
        to tell the reviewer ("Signed by A. Reader on 2026-12-06 07:10 UTC, restored", "Draft from ... restored").

        Raises:
            ValueError: ``state`` is not one ``state()`` gives (nothing is changed then).
        """
        # here: interpret imports the session, which imports this module
        from mirage_model.review.interpret.statements import GROUPS

        def words(x) -> str:
            if not isinstance(x, str):
                raise ValueError(f"{x!r} is not text")
            return x

        def key(k) -> tuple:
            if not isinstance(k, list) or len(k) != 3:
                raise ValueError(f"{k!r} is not a statement's key")
            return tuple(words(x) for x in k)

        try:
            decisions = {}
            for *k, verdict, reason in state["decisions"]:
                if verdict not in (CONFIRMED, STRUCK):
                    raise ValueError(f"unknown decision {verdict!r}")
                decisions[key(k)] = Decision(verdict, words(reason))
            added = [Added(words(t), g) for t, g in state["added"]]
            if any(a.group not in GROUPS for a in added):
                raise ValueError("a statement of the reviewer's in an unknown group")
            comment, reader = words(state["comment"]), words(state["reader"])
            signed = state["signed_at"]
            signed_at = None if signed is None else datetime.fromisoformat(words(signed))
            if signed_at is not None and signed_at.tzinfo is None:
                raise ValueError("a signature's time without its time zone")
            over = frozenset(key(k) for k in state["signed_over"]) if signed_at is not None else frozenset()
        except (KeyError, TypeError) as err:
            raise ValueError(f"not an over-read ({err})") from None
        self.decisions, self.added, self.comment = decisions, added, comment
        self.reader = reader
        self.signed_at = signed_at.astimezone(timezone.utc) if signed_at is not None else None
        self._signed_keys, self._signings, self._kept = over, int(signed_at is not None), None
        if self.signed_at is not None:
            self.restored = f"Signed by {signer_name(reader)} on {self.signed_at:%Y-%m-%d %H:%M} UTC, restored"
        else:
            when = f" from {saved_at.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC" if saved_at is not None else ""
            self.restored = f"Draft{when} restored"
        self.note = ""
        if self._on_change is not None:
            self._on_change("restored")     # not an edit: a restored signature is not un-signed
        return self.restored

    def clear(self) -> None:
        """Empty again, as a new record's (the reader forgot it: File > Forget this record's over-read)."""
        self.decisions, self.added, self.comment, self.reader = {}, [], "", ""
        self.signed_at, self._signed_keys, self._kept = None, frozenset(), None
        self.note = self.restored = ""
        if self._on_change is not None:
            self._on_change("cleared")

    # ------------------------------------------------------------------ as the report reads it
    def struck(self, interpretation) -> list[tuple[object, str]]:
        """(statement, reason) of the interpretation's statements struck, in reading order."""
        out = []
        for s in interpretation.statements:
            d = self.decisions.get(statement_key(s))
            if d is not None and d.verdict == STRUCK:
                out.append((s, d.reason))
        return out

    def kept(self, interpretation) -> list:
        """The interpretation's statements not struck (confirmed or unread), in reading order."""
        return [s for s in interpretation.statements
                if getattr(self.decisions.get(statement_key(s)), "verdict", None) != STRUCK]

    def lines(self, interpretation) -> list[str]:
        """The reviewer's reading beside the machine's, as plain lines (page 3 and tests): the added statements, the
        struck ones, the comment, then :meth:`status`. An over-read never touched: its status alone."""
        out = []
        if self.added:
            out.append("Added by the reviewer: " + "; ".join(f"{a.text} {REVIEWER_MARK}" for a in self.added))
        struck = self.struck(interpretation)
        if struck:
            out.append("Struck by the reviewer: " + "; ".join(s.text + (f" ({why})" if why else "")
                                                               for s, why in struck))
        if self.comment:
            out.append("Reviewer's comment: " + " ".join(self.comment.split()))
        return out + [self.status(interpretation)]
