"""Page 1's band between the header and the ECG sheet, as GE MUSE and Philips reports print it:
the measurement block on the left, the interpretation on the right.

The measurement block (:mod:`measurement_block`) is the session's one measurement table
(``review.measurements.measurement_rows``: the reviewer's edits, recomputed QTc, flags outside
the cited adult ranges): rate, RR, PR, QRS, QT, QTc by Bazett and by Fridericia (the formula
named), and the P, QRS and T axes. A value outside its range is bold with an arrow, as in the measurement table after the median beats.
A child's (under ``review.measurements.PAEDIATRIC_BELOW_Y`` years) axis never is, its rate outside a child's
centiles for age, its PR, QRS and QTc only outside a child's upper limit:
the line under the block says so, and the interpretation's first
line (``paediatric_runs``) says the adult limits were not applied, with the models' adult training data.

The interpretation is ``review.interpret.interpret_prediction`` of the session's statements-model
prediction (the shipped statements model, run beside the loaded model; else the loaded model's
own) and reviewed measurements: statements in reading order, each labelled with its source (a measurement
rule with its threshold, or the model with its probability), then one line with the model's own
result (:mod:`model_line`) (a superclass model's positive classes, as the header showed it before) and the name of
the model the statements come from. Where the superclass model's MI and the statements model's infarct
statements disagree (``interpret.session_disagreement``), a red line before the statements says which
model said what; where the record's noise may hide findings below threshold (``interpret.noise_hidden``), a line
names the nearest (not calls). When the quality
gate withheld the model's calls, the interpretation says "withheld" with the reason and its
statements are printed grey. The reviewer's over-read (``report.overread``): the head says "Not over-read: machine
statements unconfirmed" unless it is signed; the statements struck are listed on a line of their own under the others,
then the reviewer's own statements, comment and signature. Research use only.

The statements are printed at ``READABLE`` (7 pt) or more, never smaller: a statement too long for
its line wraps under itself (a hanging indent) rather than shrinking, and when the band (six lines
of 3.2 mm between the header and the sheet, which keeps its 4 rows of 40 mm) has no room for them
all, its last line counts and names the others and says that the interpretation continues on page 3.
The measurement block and the line under it are never under ``READABLE`` either: the block's gaps
narrow, and the line takes fewer words ("Formulas: page 4", the page the measurement table was laid out on).
"""

from __future__ import annotations

from mirage_model.noise_spread import MAY_HIDE_NAMED
from mirage_model.records.age import age_text
from mirage_model.review.interpret import (PTBXL_RECORDS, PTBXL_TRAINED, PTBXL_UNDER_16, no_statement_text,
                                           session_disagreement, session_noise_hidden)
from mirage_model.review.overread import NOT_OVERREAD
from mirage_model.review.report.band_text import (
    GREY, INDENT, READABLE, RED, Run, draw_runs, first_whole, fits, fits_shrunk, wrap_runs,
)
from mirage_model.review.report.context import MEASUREMENTS, MODEL_RESULT, ReportContext
from mirage_model.review.report.layout import MM
from mirage_model.review.report.measurement_block import MEASURE_W, block_rows, measurement_cells, note_rows
from mirage_model.review.report.model_line import DETAILS, model_line, model_line_rows, stated_counts
from mirage_model.review.report.overread import band_head, band_rows
from mirage_model.review.report.serial_page import band_lines
from mirage_model.review.report.text import FONT_BOLD, pdf_text
from mirage_model.review.withheld_words import reason_heads

CELL_GAP = 2 * MM                                # the least room after a statement set in half the column
LEADING = 3.2 * MM


def statement_runs(s, compact: bool = False, note: bool | None = None) -> list[Run]:
    """One statement: its words, then its source (rule and threshold, or model and probability), and
    the mark of a doubted statement with why (``note``; default: not when ``compact``)."""
    runs = [Run(s.text, FONT_BOLD), Run(f"  [{s.source_tag(compact)}]", colour=GREY)]
    if s.note:
        runs.append(Run(f"  (?) {s.note}" if (not compact if note is None else note) else "  (?)", colour=RED))
    return runs


# A line of the interpretation: its cells as (x from the column's left edge, width, runs), one cell over
# the whole width or two side by side
Cell = tuple[float, float, list[Run]]
Line = list[Cell]


def whole_width_lines(c, runs: list[Run], width: float) -> list[Line]:
    """A statement over the column's whole ``width``: one line (made smaller down to ``READABLE`` pt
    at the least), else wrapped at its size under its first line (``wrap_runs``)."""
    if fits_shrunk(c, runs, width, READABLE):
        return [[(0.0, width, runs)]]
    return [[(INDENT if k else 0.0, width - (INDENT if k else 0.0), row)]
            for k, row in enumerate(wrap_runs(c, runs, width))]


def _set(c, items: list[tuple[list[Run], bool]], width: float) -> list[Line]:
    """``items`` (runs, short?) as lines in reading order, left to right and down: two short ones
    side by side (each in half the width less ``CELL_GAP``), any other over the whole width."""
    cell_w = width / 2 - CELL_GAP
    lines: list[Line] = []
    for runs, short in items:
        if short and lines and len(lines[-1]) == 1 and lines[-1][0][1] == cell_w:
            lines[-1].append((width / 2, cell_w, runs))          # beside the short one before it
        elif short:
            lines.append([(0.0, cell_w, runs)])
        else:
            lines += whole_width_lines(c, runs, width)
    return lines


def more_runs(c, rest, width: float, alone: bool = False) -> tuple[list[Run], int]:
    """The cell for the statements the band has no room for, and how many of them it names: how
    many there are, that the interpretation continues on page 3 (which lists them all), and as
    many of their names, whole, as fit ``width`` at the band's size (a doubted one with its "(?)"). ``alone``: no
    statement before it ("4 statements, continued on page 3", not "... and 4 more" after nothing)."""
    count = f"{len(rest)} statement{'s' if len(rest) > 1 else ''}" if alone else f"... and {len(rest)} more"

    def cell(k: int) -> list[Run]:
        runs = [Run(f"{count}, continued on page 3" + (": " if k else ""), colour=GREY)]
        for j, s in enumerate(rest[:k]):
            runs += [Run(("; " if j else "") + s.text, colour=GREY)] + ([Run(" (?)", colour=RED)] if s.note else [])
        others = len(rest) - k
        return runs + ([Run(f"; {others} other{'s' if others > 1 else ''}", colour=GREY)] if k and others else [])

    k = len(rest)
    while k and not fits(c, cell(k), width):
        k -= 1
    return cell(k), k


def _continued(c, items: list[tuple[list[Run], bool]], statements, slots: int, width: float) -> list[Line]:
    """The band's lines when ``items`` (``statements`` set as ``_set`` takes them) do not fit
    ``slots``: the first statements, then the count of the others on page 3 (beside the last short
    statement, or on a line of its own): of the ways that fit, the one that names the most
    statements on page 1 (with their source or in the count), then the one that sets the most
    with their source."""
    cell_w = width / 2 - CELL_GAP
    best, score = [], (-1, -1)
    for k in range(len(statements) - 1, -1, -1):
        rest = statements[k:]
        ways = []
        if k and items[k - 1][1]:                         # beside the last short statement
            runs, named = more_runs(c, rest, cell_w)
            ways.append((_set(c, items[:k] + [(runs, True)], width), named))
        runs, named = more_runs(c, rest, width, alone=not k)
        ways.append((_set(c, items[:k], width) + [[(0.0, width, runs)]], named))
        for lines, named in ways:
            if len(lines) <= slots and (k + named, k) > score:
                best, score = lines, (k + named, k)
    return best


def _statement_lines(c, it, statements, slots: int, width: float, session) -> list[Line]:
    """The interpretation's lines in ``slots`` lines of the band, every statement at ``READABLE`` pt
    or more, wrapped rather than made smaller, a doubted one always with why. The first of these
    that fits: one statement to a line (wrapped where long) with its whole source; the same with
    the source short where that saves lines (a rule's threshold text: page 3 has it); all with short
    sources, two to a line where both fit half of it. Else ``_continued``: what fits of that, and
    where the rest continue."""
    if slots <= 0:
        return []
    cell_w = width / 2 - CELL_GAP
    if not statements:
        lines = whole_width_lines(c, [Run(no_statement_text(session), colour=GREY)], width)
    else:
        full = [statement_runs(s) for s in statements]
        short = [statement_runs(s, compact=True, note=True) for s in statements]

        def fewer(k: int) -> list[Run]:      # the whole source unless the short one takes fewer lines
            n = len(whole_width_lines(c, full[k], width))
            return short[k] if len(whole_width_lines(c, short[k], width)) < n else full[k]

        paired = [(r, fits_shrunk(c, r, cell_w, READABLE)) for r in short]
        lines = next((ls for ls in (_set(c, [(r, False) for r in full], width),
                                    _set(c, [(fewer(k), False) for k in range(len(statements))], width),
                                    _set(c, paired, width)) if len(ls) <= slots), None)
        if lines is None:
            lines = _continued(c, paired, statements, slots, width)
    if len(lines) < slots and it.resolved:
        resolved = [Run("Resolved: " + "; ".join(it.resolved), colour=GREY, size=READABLE)]
        n = len(it.resolved)
        counted = [Run(f"Resolved: {n} statement{'s' if n > 1 else ''} (listed on page 3)", colour=GREY,
                       size=READABLE)]
        lines.append([(0.0, width, resolved if fits(c, resolved, width) else counted)])
    return lines[:slots]


def paediatric_runs(c, age, width: float, ptbxl: bool = True) -> list[Run]:
    """The band's line for a child's ECG: that no adult criteria were applied and that the models were
    trained on adults, in the fewest words that fit ``width`` (``interpret.paediatric_note`` in full on page 3);
    ``ptbxl`` False (a model trained on other data makes or stands beside the statements): its training data are
    its model card's, nothing of PTB-XL's adults said."""
    a = age_text(age)
    trained = (f"models trained on adults (PTB-XL: {PTBXL_UNDER_16} of {PTBXL_RECORDS:,} records under 16 y)"
               if ptbxl else "training data: see the model card")
    short = "models trained on adults" if ptbxl else "training data: see the model card"
    options = [f"Paediatric ECG (age {a}): adult rate, axis and lower limits not applied; {trained}",
               f"Paediatric ECG (age {a}): adult rate and axis limits not applied; {trained}",
               f"Paediatric ECG (age {a}): adult rate and axis limits not applied; {short} (page 3)",
               f"Age {a}: adult rate and axis limits not applied; {short}"]
    runs = [[Run(o, FONT_BOLD, RED)] for o in options]
    return next((r for r in runs if fits(c, r, width)), runs[-1])


def draw_summary_band(c, ctx: ReportContext) -> None:
    """The band of page 1 (``ReportLayout.band_top`` .. ``band_bottom``): measurements on the left,
    the interpretation on the right. Every text is drawn whole; what the band has no room for is
    shortened, and page 3 (``result.interpretation_flowables``) prints it in full."""
    lay = ctx.layout
    session = ctx.session
    left, right = 10 * MM, lay.page_width - 10 * MM
    top, bottom = lay.band_top, lay.band_bottom
    n_lines = int((top - bottom - 1.0 * MM) // LEADING)          # text lines the band holds
    first = top - LEADING + 0.6 * MM                              # the first line's baseline
    c.saveState()
    c.setStrokeColorRGB(0, 0, 0)      # black hairlines: red is the ECG paper's colour alone
    c.setLineWidth(0.3)
    c.line(left, top, right, top)
    split = left + MEASURE_W
    c.line(split, top - 1 * MM, split, bottom + 1 * MM)

    # measurements
    draw_runs(c, left, first, [Run("Measurements", FONT_BOLD, size=8)], MEASURE_W - 2 * MM)
    it = ctx.interpretation
    table = ctx.page(MEASUREMENTS)               # where the measurement table was laid out (``write``)
    columns, note = measurement_cells(session, it, ctx.measurement_rows, table=table)
    for j, row in enumerate(block_rows(c, columns, MEASURE_W - 2 * MM)):
        y = first - (j + 1) * LEADING
        for x, runs in row:
            draw_runs(c, left + x, y, runs, MEASURE_W)
    note_line = max((len(col) for col in columns), default=0) + 1
    # the note wraps onto the band's free lines (a reason for no measurement can be long), in fewer words if need be
    for j, row in enumerate(note_rows(c, note, MEASURE_W - 2 * MM, n_lines - note_line, f" ... ({table})")):
        draw_runs(c, left, first - (note_line + j) * LEADING, [Run(row, colour=GREY, size=READABLE)], MEASURE_W - 2 * MM)

    # interpretation
    x0 = split + 3 * MM
    width = right - x0
    ov = getattr(session, "overread", None)
    said = band_head(ov, it)       # the over-read (``report.overread``): unsigned, the machine's statements unconfirmed
    brief = said.split(" (")[0].split(":")[0]      # "Not over-read", "Over-read unknown" (its store unread)
    if it.withheld:
        head = [[Run("Interpretation WITHHELD: ", FONT_BOLD, RED, 8),
                 Run(f"{it.withheld}. The statements below are unreliable{', ' + brief.lower() if said else ''}.",
                     FONT_BOLD, RED)],
                [Run("Interpretation WITHHELD: ", FONT_BOLD, RED, 8),
                 Run(f"{it.withheld} (page 3).", FONT_BOLD, RED)],
                # a reason of several parts ("; "): its first, then its words before their detail, rather than none
                *([Run("Interpretation WITHHELD: ", FONT_BOLD, RED, 8), Run(f"{h} (more on page 3).", FONT_BOLD, RED)]
                  for h in reason_heads(it.withheld)),
                [Run("Interpretation WITHHELD", FONT_BOLD, RED, 8), Run(" (why: page 3)", FONT_BOLD, RED)]]
        if said:        # withheld and not over-read: both said where they fit, the reason never cut for the over-read
            head = head[:1] + [h + [Run(words, colour=GREY)] if words else h
                               for h in head[1:] for words in (f"  {said}.", f"  {brief}.", "")]
    else:
        said = said or "over-read by the reviewer (below)"
        sources = f"   {said}; research use; the source of each: a measurement rule (threshold cited) or the model"
        short = f"   {said}; research use; the source of each: a rule (threshold cited) or the model (probability)"
        head = [[Run("Interpretation", FONT_BOLD, size=8),
                 Run(f"{sources}{' ' + it.model_name if it.model_name else ''} (probability)", colour=GREY)],
                [Run("Interpretation", FONT_BOLD, size=8), Run(f"{sources} (probability)", colour=GREY)],
                [Run("Interpretation", FONT_BOLD, size=8), Run(short, colour=GREY)],
                [Run("Interpretation", FONT_BOLD, size=8),
                 Run(f"   {said}; research use; source: a rule (threshold cited) or the model (probability)",
                     colour=GREY)],
                # "research use" is on every page's foot: it goes before the sources do (A4's band)
                [Run("Interpretation", FONT_BOLD, size=8),
                 Run(f"   {said}; source: a rule (threshold cited) or the model (probability)", colour=GREY)],
                # Letter's band: the over-read's words shorter rather than the sources gone
                *([[Run("Interpretation", FONT_BOLD, size=8),
                    Run("   Not over-read, unconfirmed; research use; a rule (threshold cited) or the model (probability)",
                        colour=GREY)]] if said == NOT_OVERREAD else []),
                [Run("Interpretation", FONT_BOLD, size=8), Run(f"   {said}; research use", colour=GREY)],
                [Run("Interpretation", FONT_BOLD, size=8),     # the shortest: still what the over-read says
                 Run(f"   research use, {'unconfirmed' if band_head(ov, it) else 'over-read'}", colour=GREY)]]
    # the head at the band's size in fewer words rather than shrunk (the model's name is on the
    # model line and page 3)
    draw_runs(c, x0, first, next((h for h in head if fits(c, h, width)), None) or first_whole(c, head, width),
              width)
    statements = list(it.statements)
    ov = getattr(session, "overread", None)
    shown = statements if ov is None else ov.kept(it)     # struck by the reviewer: on the over-read's line instead
    pred = ctx.prediction
    withheld = bool(pred is not None and getattr(pred, "withheld", ""))
    stated, guessed = stated_counts(statements)
    why = session.errors.get("prediction", "")
    stmt_pred = getattr(session, "statements_prediction", None)
    results = ctx.page(MODEL_RESULT)
    # beside a signed over-read the model's line says it is the machine's, which the reviewer did not sign
    signed = ov is not None and ov.signed_for(it)
    text = model_line(pred, why, stmt_pred, stated, guessed=guessed, results=results, overread=signed)
    short = model_line(pred, why, stmt_pred, stated, names=False, guessed=guessed, results=results, overread=signed)
    bare = model_line(pred, why, stmt_pred, stated, names=False, guessed=guessed, results=results, in_words=False,
                      overread=signed)
    # the names with the classes' labels alone: beside a statements model, which model made each call; a model alone
    # keeps its name so where the classes' words do not fit beside it
    coded = model_line(pred, why, stmt_pred, stated, guessed=guessed, results=results, in_words=False,
                       overread=signed)
    # beside a statements model, its name (which model the statements come from) where the classes' words leave room
    named = "" if stmt_pred is None else model_line(pred, why, stmt_pred, stated, names="statements",
                                                    guessed=guessed, results=results, overread=signed)
    colour = RED if withheld else (0.0, 0.0, 0.0)
    stale = []
    if pred is not None and session.state.get("prediction") == "stale":
        stale = [Run("  OUT OF DATE: " + session.errors.get("prediction", "inputs changed"), FONT_BOLD, RED)]
    last_width = width - sum(c.stringWidth(pdf_text(r.text), r.font, READABLE) for r in stale)

    # a child's ECG: said once, first, on a line of its own (``interpret.paediatric_note``; page 3 in full)
    kids = paediatric_runs(c, session.age, width, any(PTBXL_TRAINED in n for n in it.notes)) if it.notes else []
    top_lines = 1 + bool(kids)
    if kids:
        draw_runs(c, x0, first - LEADING, kids, width, smallest=READABLE)
    # the two models disagree on an infarct: said on a line of its own, before the statements (page 3 names the models)
    disagree = [[Run(t + ".", FONT_BOLD, RED)] for t in (session_disagreement(session),
                                                          session_disagreement(session, brief=True)) if t]
    if disagree:
        draw_runs(c, x0, first - top_lines * LEADING, first_whole(c, disagree, width), width, smallest=READABLE)
        top_lines += 1
    # what the noise may hide (below threshold, not calls): a line of its own, the nearest named that fit, the
    # others counted (page 3 names them all)
    every = session_noise_hidden(session, it, limit=None)
    hidden = [[Run(t + ("." if t == every else " (page 3)."), colour=RED)] for t in dict.fromkeys(
        session_noise_hidden(session, it, limit=k) for k in range(MAY_HIDE_NAMED, -1, -1)) if t]
    if hidden and not withheld:
        draw_runs(c, x0, first - top_lines * LEADING, first_whole(c, hidden, width), width, smallest=READABLE)
        top_lines += 1
    slots = n_lines - 1 - top_lines                               # the head (and the note) and the model line
    # the serial comparison (``serial_page``) under the statements and the over-read: one line (two with a warning)
    # taken from theirs. The statements not struck are read first, then the comparison, then the over-read, which
    # folds into its signature's line where the band is short: the comparison's lines set aside after the
    # over-read's had pushed the one statement kept (atrial fibrillation) to page 3 while the struck statements and
    # the signature kept two lines. The statements it leaves no room for continue on page 3 as others do.
    serial, prior_note = ctx.serial, getattr(session, "prior_note", "")
    wanted = 1 + bool(serial is not None and serial.warnings) if serial is not None or prior_note else 0
    # the over-read's signature line, kept for it where there is one to draw (none: not over-read, nothing struck);
    # set aside where there was none, the comparison with a warning had one line, cut to "not ...", and the model
    # line took the other
    signature = len(band_rows(c, ov, it, width, 1, amendment=ctx.amendment))
    need = (len(_statement_lines(c, it, shown, slots - signature - bool(wanted), width, session))
            if shown or not statements else 0)
    serial_rows = min(wanted, max(slots - need - signature, 1)) if wanted else 0
    slots -= serial_rows
    # the reviewer's over-read under the statements, in the room the machine's leave: at least its signature's
    # line, which names what went to page 3
    over = band_rows(c, ov, it, width, max(slots - need, 1), amendment=ctx.amendment)
    slots -= len(over)
    lines = _statement_lines(c, it, shown, slots, width, session) if shown or not statements else []
    rows = model_line_rows(c, text, width, free_line=len(lines) < slots, short=short, last_width=last_width,
                           details=DETAILS.replace("page 3", results), coded=coded, named=named)
    if len(rows) > 1 + slots - len(lines) and bare != short:    # words taking statements' lines: the labels alone
        rows = min(rows, model_line_rows(c, text, width, free_line=len(lines) < slots, short=bare,
                                         last_width=last_width, details=DETAILS.replace("page 3", results),
                                         coded=coded, named=named), key=len)
    if len(rows) > 1 + slots - len(lines):                        # the model line wrapped: it takes lines
        slots = n_lines - top_lines - len(rows) - serial_rows - len(over)
        lines = _statement_lines(c, it, shown, slots, width, session) if shown or not statements else []
    for k, runs in enumerate(over):
        draw_runs(c, x0, first - (top_lines + len(lines) + k) * LEADING, runs, width, smallest=READABLE)
    if serial_rows:
        room = max(n_lines - len(rows) - top_lines - len(lines) - len(over), 1)   # what the lines above leave
        for k, (dx, runs) in enumerate(band_lines(c, serial, width, room, prior_note)):
            y = first - (top_lines + len(lines) + len(over) + k) * LEADING
            draw_runs(c, x0 + dx, y, runs, width - dx, smallest=READABLE)
    for j, line in enumerate(lines):
        y = first - (j + top_lines) * LEADING
        for dx, w, runs in line:
            if it.withheld:
                runs = [Run(r.text, r.font, GREY, r.size) for r in runs]
            draw_runs(c, x0 + dx, y, runs, w, smallest=READABLE)
    for k, row in enumerate(rows):
        y = first - (n_lines - len(rows) + k) * LEADING
        line = [Run(row, FONT_BOLD, colour)] + (stale if k == len(rows) - 1 else [])
        draw_runs(c, x0, y, line, width, smallest=READABLE)
    c.restoreState()
