"""The model's own result in one line, under page 1's interpretation and on page 3 (``result``): its positive
classes with their probabilities, or how many of a statements model's statements are above threshold and in
the interpretation, and the models' names; on page 1 in the fullest wording that fits its rows at
``READABLE`` pt (``model_line_rows``), the counts and the classes' words kept longest, then the names. Beside a signed
over-read it says "(not over-read)": the reviewer signed the statements, not the model's probabilities.
"""

from __future__ import annotations

import re

import numpy as np
from reportlab.lib.utils import simpleSplit

from mirage_model.outputs import is_called
from mirage_model.review.interpret import (AMPLITUDE_UNRELIABLE_NOTE, UNMEASURED_MARK, doubted_calls,
                                           statement_labels)
from mirage_model.review.labels import model_words, ptbxl_coded, with_words
from mirage_model.review.report.band_text import READABLE
from mirage_model.review.report.text import FONT_BOLD, pdf_text

def _in_interpretation(n_above: int, stated: int | None, guessed: int = 0) -> str:
    """ "(n in the interpretation, g below threshold, k resolved)" after a count of statements above
    threshold: a statement above threshold can be dropped by a contradiction rule (normal ECG beside
    atrial fibrillation), and the most probable rhythm is said below its threshold when no rhythm is
    above it (``guessed`` of the ``stated``), so the two counts differ ("3 of 71 above threshold (4 in
    the interpretation)" read as a miscount)."""
    if stated is None:
        return ""
    dropped = max(n_above - (stated - guessed), 0)
    return (f" ({stated} in the interpretation" + (f", {guessed} below threshold" if guessed else "")
            + (f", {dropped} resolved" if dropped else "") + ")")


def stated_counts(statements) -> tuple[int, int]:
    """(the model's statements in the interpretation, those of them said below their threshold: the
    most probable rhythm, ``interpret.Statement.guessed``), what :func:`model_line` counts beside its own."""
    model = [s for s in statements if s.source == "model"]
    return len(model), sum(1 for s in model if s.guessed)


STATEMENTS_PART = ". Statements: "        # where model_line's statements part starts
DETAILS = "  (details from page 3)"        # how model_line ends (``results``: the model result's page)
NAMED = "  (models named on page 3)"       # how model_line ends without the models' names
NOT_SIGNED = " (not over-read)"            # after "Model" beside a signed over-read: the machine's, not the reviewer's
# the count's own parenthesis, which page 1's last wordings with the classes' words give up ("(2 shown)")
IN_INTERPRETATION = re.compile(r"(above threshold) \(\d+ (?:shown|in the interpretation)[^)]*\)")
# a class's label after its words, "Normal ECG (NORM) 0.45": the words alone are the last wording with them
LABEL_AFTER_WORDS = re.compile(r" \([^()]*\)(?= \d\.\d\d)")
# a model's name after "Model" or "Statements: (model)" without its family, MIRAGE's: a model's short name
FAMILY = re.compile(r"((?:^Model|Statements:(?: model)?) )mirage-")
# the classes' model's name in model_line's text: "Model NAME: ...", "Model NAME (not over-read): ..."
NAME = re.compile(r"(?<=^Model )(\S+?)(?=:| \(not over-read\))")
# model_line's wording, shorter, for a band without room for it: the same names and counts
COMPACT = ((STATEMENTS_PART + "model ", STATEMENTS_PART), (" of its ", " of "), (" in the interpretation", " shown"))
# a doubted class's mark with its words (``interpret.doubted_calls``), and in the last wording that fits: the mark
# alone, as a compact statement has it (the words with the statements on page 1, the reason on page 3)
DOUBTED = f" (?) {AMPLITUDE_UNRELIABLE_NOTE}"
NOISE_DOUBTED = " (?) noise may change it"       # a call the record's noise may change (its leads on page 3)
UNMEASURED_DOUBTED = f" (?) {UNMEASURED_MARK}"   # a call on a 0.5 fallback threshold (why on page 3)
TERSE = COMPACT + ((DOUBTED, " (?)"), (NOISE_DOUBTED, " (?)"), (UNMEASURED_DOUBTED, " (?)"))


def model_line(pred, why: str = "", stmt_pred=None, stated: int | None = None, names: bool | str = True,
               guessed: int = 0, results: str = "page 3", in_words: bool = True, overread: bool = False) -> str:
    """The model's own result in one line: its positive classes with their probabilities (a
    statements model: how many of its statements are above threshold), or why there is none
    (``why``: the session's reason, e.g. "no model was loaded"); ``stmt_pred``, the prediction of
    a statements model that ran beside it, adds which model the interpretation's statements come from.
    ``stated``: how many model statements the interpretation shows, told beside the count above
    threshold when they differ in meaning (some resolved away; ``guessed`` of them below threshold:
    :func:`stated_counts`). ``names=False``: the same counts and classes without the models' names
    (page 1's last resort; page 3 names them); ``names="statements"``: the statements model's name alone, which
    says where the interpretation's statements come from (page 1, where both names and the classes' words do not
    fit). ``results``: the page of the model result's table ("page 4"),
    which the line points to for the details. ``in_words``: an own model's calls in its data's words, "Q wave
    abnormal (QAb) 0.90" (``labels.with_words``); False: the labels alone (page 1, where the words would wrap).
    ``overread``: the reviewer's signed over-read is printed beside it: the line says it is the machine's
    ("Model (not over-read): ..."), not part of what the reviewer signed."""
    if pred is None:
        return f"Model: no model result{f' ({why})' if why else ''}; the interpretation comes from the measurement rules alone"
    name = f" {pred.model_name}" if names is True else ""
    if getattr(pred, "withheld", ""):
        return (f"Model{name}{NOT_SIGNED if overread else ''}: RESULT WITHHELD - {pred.withheld}  (probabilities "
                f"from {results})")
    statements = set(statement_labels(ptbxl_coded(pred)))    # an own "AFIB" is no statement
    probs = np.asarray(pred.probabilities, dtype=float)
    positive = set(pred.positive)
    own = [(lab, p) for lab, p in zip(pred.labels, probs) if lab in positive and lab not in statements]
    # a class called off amplitudes in doubt (HYP on a record at the wrong gain) is marked as the interpretation
    # marks its statements; the finding's own words are the signal quality's, on page 3 with the call
    doubted = doubted_calls(pred)
    words = model_words(pred) if in_words else None    # "QAb": "Q wave abnormal (QAb)", a PTB-XL model's in its words
    calls = ", ".join(f"{with_words(lab, words)} {p:.2f}" + ("" if lab not in doubted else DOUBTED
                                          if doubted[lab].startswith(AMPLITUDE_UNRELIABLE_NOTE) else UNMEASURED_DOUBTED
                                          if doubted[lab].startswith(UNMEASURED_MARK) else NOISE_DOUBTED)
                      for lab, p in own)
    text = f"Model{name}{NOT_SIGNED if overread else ''}: "
    if statements:
        n = sum(1 for lab in pred.positive if lab in statements)
        text += f"{n} of its {len(statements)} statements above threshold" + (
            _in_interpretation(n, stated, guessed) or " (in the interpretation)")
        if own:
            text += "; positive " + calls
    elif own:
        text += "positive " + calls
    else:
        text += "no class above its threshold"
    if stmt_pred is not None:
        codes = set(statement_labels(ptbxl_coded(stmt_pred)))
        n = sum(1 for lab, p, t in zip(stmt_pred.labels, stmt_pred.probabilities, stmt_pred.thresholds)
                if lab in codes and is_called(p, t))
        text += (f"{STATEMENTS_PART}{f'model {stmt_pred.model_name}, ' if names else ''}{n} of {len(codes)} "
                 "above threshold" + _in_interpretation(n, stated, guessed))
    return text + (DETAILS.replace("page 3", results) if names is True else NAMED)


def model_line_rows(c, text: str, width: float, free_line: bool, short: str = "",
                    last_width: float | None = None, details: str = DETAILS, coded: str = "",
                    named: str = "") -> list[str]:
    """``model_line``'s text as the band draws it within ``width`` pt on canvas ``c``, every row
    whole at ``READABLE`` pt at the least: one row when it fits; else, with a free line above, two
    rows (the classes' model, then the statements' model; the pointer to the details given up if
    need be); else one row without the pointer to the details, in ``COMPACT`` wording if need be; else, with a
    free line, that over two rows; else, beside a statements model (``coded`` says it), rows naming both models
    (``_both_named``: which model made each call), two where one does not hold them, free line or not; else, for a
    model alone (no ``named``), ``coded``, its name with the labels alone, in one row; else (a result withheld) the
    classes in words with the statements model's name alone (``named``: ``model_line(..., names="statements")``,
    given beside a statements model: which model the interpretation's statements come from), in ``_worded``'s
    shorter wordings; else the classes in words without the models' names (``short``:
    ``model_line(..., names=False)``, page 3 names them; ``_worded``: shorter, the counts kept); else the names
    with the classes' labels alone (``coded``: ``model_line(..., in_words=False)``, given beside a statements
    model, whose name says where the interpretation's statements come from, or a model alone, whose name it
    keeps); else ``short`` in ``TERSE`` wording
    (a doubted class's mark without its words); else that wrapped onto as many rows as it needs (the caller gives
    them lines of the band). The models' names come before the classes' words ("ST/T change (STTC)": the labels
    alone, the words on page 3), and before the pointer to the details.
    ``last_width``: the room on the last row (less than ``width`` when something follows it); ``details``: how
    ``text`` ends when it points to the model result's page."""
    last_width = width if last_width is None else last_width

    def fits_row(t: str, room: float) -> bool:
        return c.stringWidth(pdf_text(t), FONT_BOLD, READABLE) <= room

    def whole(t: str, free: bool = free_line) -> list[str] | None:
        """``t`` in one row, or with a free line in two (the classes' model, then the statements'), the pointer
        to the details given up if need be; None where it does not fit so."""
        if fits_row(t, last_width):
            return [t]
        if free and STATEMENTS_PART in t:
            head, tail = t.split(STATEMENTS_PART, 1)
            second = STATEMENTS_PART.lstrip(". ") + tail
            for rows in ([head + ".", second], [head + ".", second.removesuffix(details)]):
                if fits_row(rows[0], width) and fits_row(rows[1], last_width):
                    return rows
        t = t.removesuffix(details)
        return [t] if fits_row(t, last_width) else None

    if rows := whole(text):
        return rows
    full, full_coded = text, coded
    text, coded = text.removesuffix(details), coded.removesuffix(details)
    for long, short_words in COMPACT:
        text, coded = text.replace(long, short_words), coded.replace(long, short_words)
    if fits_row(text, last_width):
        return [text]
    if free_line and short and len(rows := _wrap(c, text, width, last_width)) == 2:
        return rows         # the names and the classes' words over the free line
    if coded and STATEMENTS_PART in coded:
        return _both_named(c, whole, (full, text, full_coded, coded), fits_row, width, last_width)
    if coded and not named:
        # a model alone (no statements model beside it: ``named`` empty) keeps its name, with the labels alone,
        # before the classes' words without it: page 1 had read "Model: positive QAb 0.51, LAnFB 0.51, NSIVCB 0.52,
        # AF 0.52  (models named on page 3)" for a researcher's own model, naming none
        compact = coded.removesuffix(details)
        for long, short_words in COMPACT:
            compact = compact.replace(long, short_words)
        for t in (coded, compact):
            if fits_row(t, last_width):
                return [t]
    # no statements counted (a result withheld, none): the classes' words before the names, page 3 names them; the
    # statements model's name kept where it fits beside them
    for t in _worded(named) + _worded(short):
        if fits_row(t, last_width):
            return [t]
    if coded and (rows := whole(coded)):
        return rows
    coded = coded.removesuffix(details)
    for long, short_words in COMPACT:
        coded = coded.replace(long, short_words)
    if coded and fits_row(coded, last_width):
        return [coded]
    if not short:
        return _wrap(c, text, width, last_width)
    terse = short
    for long, short_words in TERSE:
        terse = terse.replace(long, short_words)
    for t in (terse, terse.replace(NAMED, " (names: page 3)")):
        if fits_row(t, last_width):
            return [t]
    # wrapped: a call on an unmeasured threshold keeps its mark, its words on page 3 (nine calls' words had pushed
    # the line over the band's other lines)
    return _wrap(c, short.replace(UNMEASURED_DOUBTED, " (?)"), width, last_width)


def _both_named(c, whole, wordings: tuple[str, ...], fits_row, width: float, last_width: float) -> list[str]:
    """Beside a statements model, rows that name both models, which says which model made each call (a
    researcher's own model's name had given way to the statements model's, "Model: positive AF 0.62, ...
    Statements: mirage-ptbxl-statements, ..."): ``coded`` (the labels alone) in one row, else two rows (the
    classes' model, then the statements'; the caller takes a statement's line for the second, that statement on
    page 3 with the band's others), in the fullest wording that fits, else the classes' row wrapped.
    ``wordings``: ``model_line``'s text in words, in ``COMPACT`` words, and the same two with the labels alone."""
    coded = wordings[-1]
    if fits_row(coded, last_width):
        return [coded]
    # the names short (the family's "mirage-" dropped: page 3 names them in full), the count's parenthesis last
    shorts = [FAMILY.sub(r"\1", w) for w in (wordings[1], coded)]
    shorts += [IN_INTERPRETATION.sub(r"\1", w) for w in shorts]
    # the classes' model's short name cut after fewer of its parts, "..." saying so ("ptbxl-superdiagnostic...":
    # the shipped superclass model's, 52 characters short), rather than a statement's line given to it
    name = NAME.search(shorts[-1])
    parts = name.group(1).split("-") if name else []
    for k in range(len(parts) - 1, 1, -1):      # two parts at least: "ptbxl..." names nothing
        shorts += [NAME.sub("-".join(parts[:k]) + "...", w, count=1) for w in shorts[-2:]]
    for t in shorts:
        if fits_row(t, last_width):
            return [t]
    for t in wordings:
        if rows := whole(t, free=True):
            return rows
    head, tail = coded.split(STATEMENTS_PART, 1)
    return _wrap(c, head + ".", width, width) + _wrap(c, STATEMENTS_PART.lstrip(". ") + tail, width, last_width)


def _worded(short: str) -> list[str]:
    """``short`` (the classes in words, no names) in shorter wordings, longest first: as it is, the pointer to the
    names shorter, in ``COMPACT`` words, then without the count's parenthesis ("(2 shown)"), without the pointer, and
    at last the words without their labels ("Normal ECG 0.45": page 3 has both); every one keeps the counts."""
    if not short:
        return []
    compact = short
    for long, short_words in COMPACT:
        compact = compact.replace(long, short_words)
    counts = IN_INTERPRETATION.sub(r"\1", compact)
    out = [short, short.replace(NAMED, " (names: page 3)"), compact, compact.replace(NAMED, " (names: page 3)"),
           counts.replace(NAMED, " (names: page 3)"), counts.removesuffix(NAMED),
           LABEL_AFTER_WORDS.sub("", counts.removesuffix(NAMED))]
    return list(dict.fromkeys(out))


def _wrap(c, text: str, width: float, last_width: float) -> list[str]:
    """``text`` broken at spaces into rows that fit ``width`` at ``READABLE`` pt bold, the last one
    ``last_width`` (a word longer than a row is broken inside)."""
    rows = simpleSplit(pdf_text(text), FONT_BOLD, READABLE, width)
    if rows and c.stringWidth(rows[-1], FONT_BOLD, READABLE) > last_width:
        rows[-1:] = simpleSplit(rows[-1], FONT_BOLD, READABLE, last_width)
    return rows or [""]
