"""The reviewer's over-read in the report (``review.overread``): page 1's lines under the interpretation's statements
and page 3's in full.

Page 1 draws the machine statements the reviewer did not strike as they are; the struck ones are listed on a line of
their own ("Struck by the reviewer: ..."), which reads plainly in print and in the PDF's text, where a line drawn
through words would be lost. The reviewer's own statements say "(reviewer)"; then the comment, then who over-read it
and when ("Over-read by NAME, 2026-12-06 07:10 UTC (08:10 local)"). A report of a record no one signed says "Not
over-read: machine statements unconfirmed" in the interpretation's head, once. Where the band leaves the over-read one
line, a struck statement is still named on page 1: unsigned, that line is "Struck by the reviewer: ..." (the head says
the rest); signed, the signature's line ends "; struck: NAME (why: page 3)". Page 3 prints every statement, a struck one
struck through with why. The research-use notice of every page (``header``) stays whatever the over-read says; signed
over the statements it reads "over-read" for "unconfirmed" (``review.overread.research_notice``).
"""

from __future__ import annotations

import re

from mirage_model.review.amendment import changes_text
from mirage_model.review.overread import (NOT_OVERREAD, REVIEWER_MARK, STRUCK, UNDECIDED, signed_text, signer_name,
                                         statement_key)
from mirage_model.review.report.band_text import GREY, RED, Run, first_whole, fits
from mirage_model.review.report.text import FONT_BOLD, pdf_escape

_HEAD_LINES = ("Added by the reviewer: ", "Struck by the reviewer: ", "Reviewer's comment: ")


def take_settings_review(overread, settings) -> None:
    """A report names one reviewer and prints one comment, the over-read's. ``settings.comment`` (the command line's
    ``--comment``: its sessions have no over-read) becomes the comment of an over-read that has none, printed where
    the app's is; ``settings.reviewer`` (``--reviewer``) fills the sign-off line of a report no one signed
    (``result.review_flowables``). ``overread``: the report's own copy (``build_report``'s snapshot).

    Raises:
        ValueError: a reviewer beside the over-read's signature, a comment beside its signature or comment (the
            PDF had printed "Over-read by A" above "Reviewer: B").
    """
    reviewer, comment = " ".join(settings.reviewer.split()), settings.comment.strip()
    signer = signer_name(overread.reader)
    if reviewer and overread.signed_at is not None:
        raise ValueError(f"the over-read is signed by {signer}: a report names one reviewer, not also {reviewer!r} "
                         "(leave ReportSettings.reviewer empty)")
    if comment and (overread.comment or overread.signed_at is not None):
        raise ValueError("the over-read has its own comment or signature: a report prints one comment (leave "
                         "ReportSettings.comment empty)")
    if comment:
        overread.set_comment(comment)


def band_head(overread, it) -> str:
    """What the interpretation's head says of the over-read: NOT_OVERREAD unless signed over these statements
    (``OverRead.unsigned``: UNKNOWN where its store could not be read)."""
    if overread is None:
        return NOT_OVERREAD
    return "" if overread.signed_for(it) else overread.unsigned()


def band_rows(c, overread, it, width: float, room: int, *, amendment) -> list[list[Run]]:
    """Page 1's over-read lines under the statements, at most ``room``, each one line of ``width`` pt: the added
    statements, the struck ones, the comment, then the signature (or why none holds), which is always drawn unless
    it is the head's "Not over-read: machine statements unconfirmed" with nothing gone to page 3. A line
    too long for its width says how many and that page 3 has them; where ``room`` is short, the last of them go
    to page 3, and the signature's line says which; a signed amendment's counts its changes (``amendment``: the
    report's ``ReportContext.amendment``, worked out once for pages 1 and 3). [] where nothing was over-read."""
    if overread is None or room <= 0 or not (overread.edited or overread.signed_at is not None):
        return []
    out = []
    lines = overread.lines(it)
    for line in lines[:-1]:
        head = next(h for h in _HEAD_LINES if line.startswith(h))
        colour = GREY if head.startswith("Struck") else (0.0, 0.0, 0.0)
        runs = [Run(head, FONT_BOLD), Run(line.removeprefix(head), colour=colour)]
        if not fits(c, runs, width):
            n = {"Added": len(overread.added), "Struck": len(overread.struck(it))}.get(head.split()[0])
            what = (f"{n} statement{'s' if n > 1 else ''}" if n else "in full") + " (page 3)"
            runs = [Run(head, FONT_BOLD), Run(what, colour=colour)]
        out.append(runs)
    # what went to page 3, counted ("1 struck, 1 added, comment"): a struck statement is never left unsaid
    counts = {"Struck": f"{len(overread.struck(it))} struck", "Added": f"{len(overread.added)} added"}
    left = [counts.get(r[0].text.split()[0], "comment") for r in out[room - 1:]]
    signed = overread.signed_for(it)
    if not left and not signed and lines[-1] == band_head(overread, it) and not it.withheld:
        return out          # "Not over-read: machine statements unconfirmed": the head says it, not again here
    variants = _status_variants(overread, it, lines[-1], left, signed, amendment)
    if "Struck" in _left_heads(out, room):
        others = [w for w in left if not w.endswith(" struck")]
        if signed:          # the signature, then what was struck by name (the model's call it answers stays in view)
            variants = _signed_struck_variants(overread, it, lines[-1], others) + variants
        elif lines[-1] == band_head(overread, it) and not it.withheld:
            # the head already says "Not over-read": the one line left names what was struck rather than say it twice
            variants = _struck_variants(overread, it, others) + variants
    return out[:room - 1] + [first_whole(c, variants, width)]


def _left_heads(out: list[list[Run]], room: int) -> list[str]:
    """The first words ("Struck", "Added", "Reviewer's") of the over-read's lines that go to page 3."""
    return [r[0].text.split()[0] for r in out[room - 1:]]


def _struck_variants(overread, it, others: list[str]) -> list[list[Run]]:
    """Page 1's one over-read line of a report no one signed: the struck statements by name, longest wording first
    (with the reviewer's reasons, then without them), what else went to page 3 counted after them."""
    struck = overread.struck(it)
    tail = f" ({', '.join(others)}: page 3)" if others else ""
    why = f" (why{', ' + ', '.join(others) if others else ''}: page 3)" if any(r for _, r in struck) else tail
    head = Run("Struck by the reviewer: ", FONT_BOLD)
    whole = "; ".join(s.text + (f" ({r})" if r else "") for s, r in struck)
    names = "; ".join(s.text for s, _ in struck)
    first = [f"{struck[0][0].text} and {len(struck) - 1} more"] if len(struck) > 1 else []
    return [[head, Run(n, colour=GREY)] for n in [whole + tail, names + why] + [f + why for f in first]]


def _signed_struck_variants(overread, it, status: str, others: list[str]) -> list[list[Run]]:
    """The signature's line naming the struck statements after it, longest wording first; page 3 has the reasons."""
    struck = [s.text for s, _ in overread.struck(it)]
    tail = f" ({', '.join(['why'] + others)}: page 3)"
    short = status.replace(f" machine statements {UNDECIDED}", f" {UNDECIDED}").replace(
        f" machine statement {UNDECIDED}", f" {UNDECIDED}")
    bare = re.sub(r" \(\d\d:\d\d local\)", "", short)          # the local time: page 3 has it
    heads = dict.fromkeys([status, short, short.replace(UNDECIDED, "undecided"), bare,
                           bare.replace(UNDECIDED, "undecided")])
    # all of them by name, else the first and how many more
    named = ["; ".join(struck)] + ([f"{struck[0]} and {len(struck) - 1} more"] if len(struck) > 1 else [])
    return [[Run(f"{b}; struck: {n}{t}", FONT_BOLD)] for n in named for t in dict.fromkeys([tail, " (page 3)"])
            for b in heads]


def _status_variants(overread, it, status: str, left: list[str], signed: bool, amendment) -> list[list[Run]]:
    """The signature's line, longest wording first, so that one fits the band's width whole (it was cut mid-word:
    "...; 3 machine statements left unread (reviewer's comment: pag", as it read then); every wording names who signed and when, or
    that it is not signed, and says page 3 has what it leaves out."""
    colour = (0.0, 0.0, 0.0) if signed else RED
    struck = next((w for w in left if w.endswith(" struck")), "")
    tails = list(dict.fromkeys([f" ({', '.join(left)}: page 3)"] + ([f" ({struck} and more: page 3)"] if struck else [])
                               + [" (more on page 3)"])) if left else [""]
    short = status.replace(f" machine statements {UNDECIDED}", f" {UNDECIDED}").replace(
        f" machine statement {UNDECIDED}", f" {UNDECIDED}")
    n = overread.unread(it)
    changed = len(amendment[1]) if amendment is not None and signed and overread.amended() else 0
    if changed:     # what the amendment changed, counted: page 3 says it (``review.amendment``)
        count = f"amended: {changed} change{'s' if changed > 1 else ''}"
        status, short = (b.replace(overread.amended(), f"{overread.amended()}; {count.removeprefix('amended: ')}")
                         for b in (status, short))
    if signed:
        # the Sign dialog's words, else (a long name) "undecided" for them: page 3 says them whole
        least = [signed_text(overread.reader, overread.signed_at)
                 + "".join(f"; {w}" for w in (count if changed else "amended" * bool(overread.amended()),
                                              f"{n} {words}" * bool(n), struck)
                           if w) + " (page 3)" for words in (UNDECIDED, "undecided")]    # whom it amends: page 3
    else:
        least = [f"{NOT_OVERREAD}: changed after signing; sign again (page 3)" if overread.signed_at
                 else overread.unsigned()]
    if changed and tails == [""]:
        tails = [" (page 3)"]       # the changes counted are on page 3
    wordings = dict.fromkeys([b + t for t in tails for b in (status, short)] + least)   # what is on page 3 first
    return [[Run(w, FONT_BOLD, colour)] for w in wordings]


def page3_lines(overread, it, *, amendment) -> tuple[list[str], list[str]]:
    """Page 3's (statement lines, over-read lines) as reportlab markup: every machine statement, a struck one struck
    through with the reviewer's reason, a confirmed one marked, then the reviewer's own, the comment and the status,
    and what a signed amendment changed (``amendment``: the report's ``ReportContext.amendment``)."""
    statements = []
    for k, s in enumerate(it.statements, 1):
        d = overread.decisions.get(statement_key(s)) if overread is not None else None
        words = f"<b>{pdf_escape(s.text)}</b> [{pdf_escape(s.source_tag())}]"
        if s.note:
            words += f" (?) {pdf_escape(s.note)}"
        if d is not None and d.verdict == STRUCK:
            why = f": {pdf_escape(d.reason)}" if d.reason else ""
            words = f"<strike>{words}</strike> (struck by the reviewer{why})"
        elif d is not None:
            words += " (confirmed by the reviewer)"
        statements.append(f"{k}. {words}")
    if overread is None:
        return statements, []
    extra = [f"{len(it.statements) + k}. <b>{pdf_escape(a.text)}</b> {REVIEWER_MARK} [{pdf_escape(a.group)}]"
             for k, a in enumerate(overread.added, 1)]
    tail = [f"<b>Reviewer's comment</b>: {pdf_escape(overread.comment)}"] if overread.comment else []
    return (statements + extra,
            tail + [f"<b>{pdf_escape(overread.status(it))}</b>"] + _changes_markup(overread, it, amendment))


def _changes_markup(overread, it, amendment) -> list[str]:
    """Page 3's line of what a signed amendment changed of the signature it amends (``review.amendment``), its head
    bold; [] where none."""
    line = changes_text(overread, amendment) if overread.signed_for(it) else ""
    if not line:
        return []
    head, _, said = line.partition(": ")
    return [f"<b>{pdf_escape(head)}</b>: {pdf_escape(said)}"]
