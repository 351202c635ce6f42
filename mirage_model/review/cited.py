"""The interpretation as the over-read leaves its notes: a note or resolved line that cites a statement the reviewer
struck says so where it names it.

A statement's note (its "(?)") and a resolved line may give another statement as their reason: atrial fibrillation
marked "atrial premature complexes called too: check for P waves before the beats", the premature complexes marked
"called beside atrial fibrillation", a rhythm marked for "the model's first degree AV block (22%) beside it", an own
label "beside sinus rhythm: the two cannot both hold", "normal ECG (45%) not stated: inferior infarct stands",
"incomplete right bundle branch block (40%) not stated: right bundle branch block stands (...)". Struck by the
reviewer, the cited statement is no longer the record's reading, and the note had gone on saying it stood (the app's
panel, the PDF's pages 1 and 3 alike). The machine's statements and their marks are the machine's and stay as made; the
reviewer's strike is said beside the name the note cites: "atrial premature complexes (struck by the reviewer) called
too: ...", "inferior infarct (struck by the reviewer) stands", so the reader sees both the machine's reason and that the
reviewer struck it. :func:`as_read` builds that once, for the app and the report. Research use only, not a diagnosis.
"""

from __future__ import annotations

import re
from dataclasses import replace

from mirage_model.review.interpret.statements import RULE_SAYS, STATEMENTS, _in_sentence
from mirage_model.review.overread import STRUCK, statement_key

STRUCK_MARK = "(struck by the reviewer)"
# where a resolved line's reason begins ("... not stated: ", "... not stated by the rule: "): before it, the line names
# what was not stated, not what stands
_NOT_STATED = re.compile(r" not stated[^:]*: ")


def _names(s) -> set[str]:
    """The words a note may cite the statement ``s`` by, case aside: its text, its text before its value (", 72 bpm",
    " (PR 224 ms)"), and the PTB-XL statement it says (a model statement's code, a rule's ``RULE_SAYS``)."""
    # ", 72 bpm, irregular" and " (PR 224 ms)" are values; "Ischaemic changes, anterolateral leads" is one name
    heads = {s.text, re.sub(r", \d.*$", "", s.text), s.text.split(" (")[0]}
    codes = (s.code,) if s.code else RULE_SAYS.get(s.rule_id or "", ())
    heads |= {STATEMENTS[c].text for c in codes if c in STATEMENTS}
    return {_in_sentence(h).strip().casefold() for h in heads if h.strip()}


def _citation(names: set[str]) -> re.Pattern | None:
    """A pattern of the names cited as standing: a whole name (its probability after it too, "(22%)"), not one followed
    by "not" ("normal ECG (45%) not stated", "sinus rhythm not confirmed": what was not said) nor marked already."""
    if not names:
        return None
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?: \(\d+%\))?(?![\w-])(?! not\b)(?! \(struck by)(?!, struck by)",
                      re.IGNORECASE)


def _mark(text: str, pattern: re.Pattern, others: re.Pattern) -> str:
    """``text`` with :data:`STRUCK_MARK` after each name ``pattern`` finds, inside a probability's brackets ("first
    degree AV block (57%, struck by the reviewer)"), but not one inside a longer name ``others`` finds (a struck right
    bundle branch block is not the "incomplete right bundle branch block" a line names) nor inside brackets, which
    hold a line's sources and figures ("(PTB-XL's cardiologists label ... beside left ventricular hypertrophy on 943
    of 1,019)": the statement in general, not the record's)."""
    longer = [m.span() for m in others.finditer(text)]

    def marked(m: re.Match) -> str:
        name = m.group(0)
        inside = text.count("(", 0, m.start()) > text.count(")", 0, m.start())
        if inside or any(a <= m.start() and m.end() <= b and b - a > len(name) for a, b in longer):
            return name
        return f"{name[:-1]}, {STRUCK_MARK[1:]}" if name.endswith("%)") else f"{name} {STRUCK_MARK}"
    return pattern.sub(marked, text)


def as_read(overread, interpretation):
    """``interpretation`` with every note and resolved line that cites a statement the reviewer struck (``overread``,
    None: none) saying so after its name (:data:`STRUCK_MARK`); the statements, their order and their keys
    (``overread.statement_key``) as they are. The same interpretation where nothing is struck or nothing cites it."""
    if overread is None or interpretation is None:
        return interpretation
    struck, kept = [], []
    for s in interpretation.statements:
        d = overread.decisions.get(statement_key(s))
        (struck if d is not None and d.verdict == STRUCK else kept).append(s)
    if not struck:
        return interpretation
    # a name a statement still standing also goes by cites that one as well (and a statement's own name in its own
    # note, "... and atrial fibrillation has none" on that statement): left as it is
    standing = set().union(*(_names(s) for s in kept)) if kept else set()
    names = set().union(*(_names(s) for s in struck)) - standing
    everyone = _citation(names)
    if everyone is None:
        return interpretation
    longer = standing | {_in_sentence(i.text).casefold() for i in STATEMENTS.values()} - names
    others = re.compile("|".join(re.escape(n) for n in sorted(longer, key=len, reverse=True)), re.IGNORECASE)
    statements = []
    for s in interpretation.statements:
        if s.note and not any(s is t for t in struck):     # a struck one's own note is struck through with it
            s = replace(s, note=_mark(s.note, everyone, others))
        statements.append(s)
    resolved = []
    for line in interpretation.resolved:
        reason = _NOT_STATED.search(line)
        at = reason.end() if reason is not None else 0
        resolved.append(line[:at] + _mark(line[at:], everyone, others))
    return replace(interpretation, statements=tuple(statements), resolved=tuple(resolved))
