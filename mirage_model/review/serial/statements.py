"""Serial comparison: what a statement is compared by, and whether either side is uncertain about it.

Statements: new and gone compare the codes of the statements each interpretation says (a rule's
statement, which has no code, by its rule, ``interpret.Statement.rule_id``: not by its words). A statement is
said "possibly new" / "possibly gone" rather than plainly when either side is uncertain about it: said
there at low confidence (the interpretation's word for a call below 50 %, or for any call of a label the model
was calibrated on fewer than 20 records with: ``interpret.statements.confidence_of``, so a statement lowered so
compares as "possibly new" / "possibly gone" however high its probability), marked "(?)" with a doubt of it (every
mark but ``NOT_DOUBTING``'s), or the rhythm guessed below its threshold; or not said there while its probability
lies within ``NEAR_THRESHOLD`` (0.10) below its threshold. The rhythm (each side's first rhythm statement) is
compared on its own ("Rhythm changed: sinus rhythm -> atrial fibrillation"): a change is "possibly" one when
the rhythm said now is uncertain (said so, or close below its threshold on the prior) or the prior's rhythm is
close below its threshold now; the prior's rhythm said uncertainly is named so ("was sinus rhythm
(uncertain)"), the change not doubted for it. The same rhythm said certainly now and uncertainly on the prior
(or there within ``NEAR_THRESHOLD`` of its threshold, either side) is "possibly new".

Research use only, not a diagnosis.
"""

from __future__ import annotations

import re

from mirage_model.outputs import is_called
from mirage_model.review.interpret.rhythm import P_BEATS_HEAD


# a statement not said on one side while its probability there lies this close below its threshold is uncertain
NEAR_THRESHOLD = 0.10
# the marks that say something of a statement other than a doubt of it. A sinus statement marked for P waves found beat
# by beat before most QRS complexes at a steady PR, only not on the median beat (``P_BEATS_NOTE``), stands on sinus
# rhythm's own evidence, its PR alone unmeasured. PTB-XL folds 1-8 (3,306 records: every one labelled AFIB, PAC, PVC,
# SARRH, SVARR, AFLT, BIGU, TRIGU, SVTAC or PSVT, and 400 others at random, weighted back to the folds), statements not
# at low confidence: sinus labelled under 98 % of the sinus statements so marked (41), 97 % unmarked; every other mark
# lowers it: no P wave before the QRS 85 %, the P axis 57 %; AFIB labelled under 98 % of the unmarked atrial
# fibrillation, 73 % marked for atrial premature complexes called beside it (26: a doubt of it, not an unrelated
# note), 89 % for P-like waves, 83 % for a regular rhythm
NOT_DOUBTING = (P_BEATS_HEAD,)


def statement_key(s) -> str:
    """What a statement is compared by: its code (a model's, or the PTB-XL statement a rule says under its code:
    the flutter rule's AFLT), else the rule that said it (``interpret.Statement.rule_id``: "first_degree_av_block",
    whatever its words), else its words without their values ("First degree AV block (PR 224 ms)" -> "first degree
    av block")."""
    return s.code or s.rule_id or plain_words(s.text).casefold()


def plain_words(text: str) -> str:
    """A statement's words without its values and marks: "Sinus rhythm, 72 bpm, most probable rhythm
    (below its threshold)" -> "Sinus rhythm"; "First degree AV block (PR 224 ms)" -> "First degree AV block"."""
    return re.split(r",| \(", text, maxsplit=1)[0].strip()


def _probabilities(session) -> dict[str, tuple[float, float]]:
    """code -> (probability, threshold) of the prediction the interpretation reads."""
    pred = getattr(session, "statements_prediction", None) or getattr(session, "prediction", None)
    if pred is None:
        return {}
    return {str(lab): (float(p), float(t)) for lab, p, t in zip(pred.labels, pred.probabilities, pred.thresholds)}


def _uncertain_said(s) -> bool:
    """Said uncertainly: marked with a doubt of it (``NOT_DOUBTING``), at low confidence, or the rhythm guessed below
    its threshold."""
    return bool(s.note and not s.note.startswith(NOT_DOUBTING)) or s.confidence == "low" or s.guessed


def _near_unsaid(code: str | None, probs: dict[str, tuple[float, float]]) -> bool:
    if not code or code not in probs:
        return False
    p, t = probs[code]
    return t - NEAR_THRESHOLD <= p < t or (p >= t and not is_called(p, t))   # under 20 %: not called, yet close


def _near_threshold(code: str | None, probs: dict[str, tuple[float, float]]) -> bool:
    """The probability lies within ``NEAR_THRESHOLD`` of its threshold, below or above."""
    if not code or code not in probs:
        return False
    p, t = probs[code]
    return abs(p - t) < NEAR_THRESHOLD


def _said(interpretation) -> dict[str, object]:
    out = {}
    for s in interpretation.statements:
        out.setdefault(statement_key(s), s)
    return out


def _sentence(text: str) -> str:
    from mirage_model.review.interpret import _in_sentence

    return _in_sentence(text)


def _first_rhythm(interpretation):
    return next((s for s in interpretation.statements if s.group == "rhythm"), None)
