"""Conduction and axis: the model's conduction statements with the measurements that support or contradict them,
the PR, QRS and axis rules, and what a ventricular-paced QRS leaves unread.

* First-degree AV block: PR > 200 ms; short PR interval: PR < 120 ms in a rhythm with P waves, not
  paced, and without the model's WPW (the table's range, 120-200 ms); wide QRS: QRS >= 120 ms
  (Surawicz B, Childers R, Deal BJ,
  Gettes LS. AHA/ACCF/HRS recommendations ... part III: intraventricular conduction disturbances.
  Circulation 2009;119:e235-40). A PR is a conducted P wave's: beside the atrial fibrillation or flutter the
  interpretation finally says, whoever says it (the model above its threshold or as its most probable rhythm, the AF
  rule, the flutter rules), neither PR statement is said, with the reason in the resolved list (AF has no P waves,
  Hindricks et al. 2021; at 2:1 or 3:1 a flutter wave before each QRS is measured as one). PTB-XL 10752_lr (folds
  1-8, labelled AFLT) had read "Atrial flutter with 2:1 conduction (possible) ...; Short PR interval (PR 103 ms)".
  Folds 1-8 (1,198 AFIB, 59 AFLT, 798 labelled 1AVB or LPR without either, 400 others, 656 STACH, 58 children):
  two interpretations change, both AFLT, each losing its short PR (10752, the 2:1 rule; 04874, the model's flutter
  guess); 10 more gain the reason for a PR statement that was already left out unsaid beside the model's AF or
  flutter. Fold 9, once (149 AFIB, 7 AFLT, 104 1AVB/LPR, 83 STACH, 3 children): none changes; 3 AFLT gain the reason.
  The model's own first degree AV block or prolonged PR beside such a rhythm stands, and the rhythm is marked
  (``AVB_ATRIAL_NOTE``): where the two were said together on folds 1-8, PTB-XL labels the block on 22 of 24 records,
  the AF on 6. With no model here that states atrial fibrillation or flutter (no statements model: the default
  superclass model alone, or a model without either label) no rule states those rhythms, and a flutter wave before each
  QRS had been said as a short PR (PTB-XL 10752_lr, AFLT: "Rhythm not classified, 148 bpm; Short PR interval (PR 103
  ms)"). Where the measurement itself shows flutter waves (``flutter_waves``, the flutter rules' criteria) neither PR
  statement is said, with the reason; the table shows the PR and the P axis unreliable, a sinus statement is marked,
  and no rhythm is stated from them (``BARE_FLUTTER``). Not in a paced rhythm, nor in a child below
  ``FLUTTER_MIN_CONDUCTION`` times the ventricular rate. The AF rule's measured evidence (an irregular RR with no P
  wave found) leaves no PR to state, and a sinus statement beside it is marked already. Written before its figures,
  with its bar (``scripts/atrial_pr_default.py``, PTB-XL folds 1-8): no interpretation of 300 records labelled SR
  changes, none of the statements model's changes, and on the records labelled STACH (at 2:1 a sinus tachycardia's P
  and T waves can give the flutter peak) no PR statement goes where PTB-XL labels 1AVB, LPR or WPW; failing the last,
  the rule would not apply at 2:1 (within ``FLUTTER_2TO1_TOLERANCE``). Folds 1-8, the default model alone: a short PR
  on 8 -> 2 of 59 AFLT records and 3 -> 2 of 1,198 AFIB, a first degree AV block on 2 -> 1 and 2 -> 2, a sinus
  statement on none before or after (that model has no sinus label); 13 AFLT records and 1 AFIB show the PR
  unreliable; of 300 SR records none changes (short PR 2, first degree AV block 17, as before), of 656 STACH none
  loses a PR statement (one shows its PR, 139 ms, unreliable); the statements model's interpretations (text, notes,
  resolved, PR row) are the same on all 2,213, and ``mirage score`` with it writes the same file on 59 AFLT, 41 AFIB
  and 100 SR records. 02739_lr and 06704_lr (AFLT) still read a short PR, 16757_lr a first degree AV block: their
  waves are short of 75 % in a lead. Fold 9, once (7 AFLT, 149 AFIB, 300 SR, 83 STACH): a short PR on 3 -> 0 AFLT
  records; nothing else changes, the statements model's interpretations neither.
* Left axis deviation: QRS axis < -30 deg; right axis deviation: > +90 deg; extreme axis:
  -90 to -180 deg (Surawicz et al. 2009, part III, adults).
"""

from __future__ import annotations

from dataclasses import replace

from mirage_model.outputs import is_called
from mirage_model.review.interpret.atrial import BARE_FLUTTER, BARE_FLUTTER_WHY
from mirage_model.review.interpret.findings import INFARCT_WALLS
from mirage_model.review.interpret.reading import (AXIS_LEFT_DEG, AXIS_RIGHT_DEG, PR_1AVB_MS, PR_SHORT_MS,
                                                   QRS_WIDE_MS, Reading)
from mirage_model.review.interpret.statements import (ATRIAL_NON_SINUS, FIRST_DEGREE_AVB, GROUPS, STATEMENTS,
                                                      Statement, _in_sentence, _num, atrial_statement,
                                                      by_probability)
from mirage_model.review.measurements import AXES_SCALED, flag, shown

# an axis statement of a record whose limb leads break Einthoven's law (I + III = II) and Goldberger's: the
# frontal axis from them is unreliable (LUDB's per-lead header gains: 68 of 100 axes within 20 deg of the
# cardiologists' annotated QRS on the raw samples, 89 with the gains made equal), but not refuted, so the
# statement still keeps "normal ECG" away
AXIS_UNRELIABLE_NOTE = "unreliable: limb leads inconsistent (Einthoven/Goldberger)"
# P, QRS and T frontal axes all at -90..-180 deg outside a paced rhythm: the three vectors of the heart point
# up and to the right together when the whole record is upside down (a file's or cart's sign; ECG Viewer's
# demo.scp: -126, -127, -127 deg, each 53 deg when negated). Rule set before the figures (none of LUDB, at
# most 0.1 % of 3,000 PTB-XL records of folds 1-9): LUDB 0 of 84 with three axes, PTB-XL 1 of 2,547 (21522,
# paced: its "P" a pacing artefact)
INVERTED_NOTE = "P and T axes there too (P {p} deg, T {t} deg): every lead inverted? (the file's or the cart's sign)"
# what the wave measured before the QRS is beside an atrial rhythm with no P waves: the PR rules are not said there
PR_ATRIAL_WHY = {"AFIB": "no P wave (atrial fibrillation has none: Hindricks et al. 2021)",
                 "AFLT": "a flutter wave (Saoudi et al. 2001)"}
# the model's first degree AV block (1AVB, LPR) beside the atrial fibrillation or flutter said contradicts it the same
# way, but it is not the one left out: where the two were said together on PTB-XL folds 1-8 (cached records: all
# AFIB/AFLT and all 1AVB/LPR ones, 400 others at random, STACH, children), 1AVB or LPR was labelled on 22 of the 24
# records, AFIB or AFLT on 6 (on 15 the AF rule's AF, none labelled AF: no P wave found, the RR irregular, ventricular
# premature complexes said on 9). The project's bar for leaving one of a pair out (labelled on fewer than half of the
# records it goes from) fails there; fold 9 (checked once, rule written before) had 1 such record, AFIB labelled, LPR
# not. Folds 1-8 label the pair together on 10 of 1,257 AFIB/AFLT records. So both stand, and the rhythm is marked
# (where it carries no other mark: 14 of the 24)
AVB_ATRIAL_NOTE = ("the model's {} ({:.0%}) beside it needs a P wave conducted before each QRS, and {}: check for P "
                   "waves (a long PR's can hide in the T wave)")
AVB_ATRIAL_WHY = {"AFIB": "atrial fibrillation has none (Hindricks et al. 2021)",
                  "AFLT": "atrial flutter has flutter waves instead (Saoudi et al. 2001)"}
# a fascicular block's frontal QRS axis (Surawicz et al. 2009, part III: left anterior -45 to -90 deg, left
# posterior +90 to +180 deg in adults): its model statement is marked when the measured axis is not that side's
# deviation as the axis rules state it (left: -90 <= axis < -30 deg, right: +90 < axis < +180 deg; the
# extreme axis, -90 to -180 deg, is neither)
FASCICULAR_AXIS = {"LAFB": ("left", -90.0, AXIS_LEFT_DEG, "-45 to -90"),
                   "LPFB": ("right", AXIS_RIGHT_DEG, 180.0, "+90 to +180")}
# abnormal QRS (ABQRS) is not said beside Q waves present (QWAVE), which names the abnormality: folds 1-8 label the two
# together on 1 of the 438 QWAVE records. Chosen on fold 9 by the NST_ bar (rule written before, 419e9d2): said
# together on 19 records, ABQRS labelled on 1 of them (QWAVE on 8, never both).
ABQRS_WITH_QWAVE = (1, 438)     # folds 1-8 records labelled ABQRS and QWAVE, and labelled QWAVE
# PTB-XL's cardiologists never label a first degree AV block (1AVB, LPR) beside a paced rhythm (folds 1-8: 0 of 237
# PACE records). A clinical rule (419e9d2), counted: on fold 9 the model's 1AVB beside its own paced rhythm went on 1
# record (08792_lr, withheld; 1AVB labelled there, PACE not). The rule's third candidate, no sinus statement beside a
# paced rhythm with no P wave found, was right on LUDB 8 (atrial fibrillation) and wrong on LUDB 34 (sinus rhythm with
# third degree AV block: its dissociated P waves are not before the QRS): not kept; the rule below tells the two apart
PACE_LABELLED = 237             # folds 1-8 records labelled PACE
# a ventricular-paced QRS is the pacemaker's: conduction, axis, hypertrophy and infarct statements are not made from it
# (Surawicz et al. 2009, part III; Mason et al. 2007, part II: "ventricular paced rhythm" stands for the QRS; GE 12SL,
# Philips DXL alike). Ventricular pacing: a paced rhythm said (the spikes, or the model's PACE above its threshold)
# with a QRS of QRS_WIDE_MS or more. These model statements then go to "Resolved", as do the "Wide QRS" and axis
# rules; ST-T statements (Sgarbossa-type ischaemia is read beside pacing), atrial enlargement (the P wave) and second
# and third degree AV block stand. Rule written first (39cf4d9); figures in docs/models.md
PACED_QRS_CODES = frozenset({"CLBBB", "CRBBB", "ILBBB", "IRBBB", "LAFB", "LPFB", "IVCD", "ABQRS", "WPW",
                             "LVH", "RVH", "SEHYP", "VCLVH", "HVOLT", "QWAVE", *INFARCT_WALLS})
PACED_QRS_REASON = ("not stated: a ventricular-paced QRS (paced rhythm, QRS {} ms >= {:g} ms) is the pacemaker's; "
                    "conduction, axis, hypertrophy and infarction are not read from it (Surawicz et al. 2009; Mason "
                    "et al. 2007)")
PACED_WPW = "; pre-excitation needs a short PR and a delta wave, which pacing does not give"
# where the paced rhythm is only the model's most probable rhythm below its threshold, or no QRS was measured, those
# statements stand, marked (a guess, or a QRS of unknown width: CinC Q0398 read "Paced rhythm ..., most probable
# rhythm (below its threshold); Wolff-Parkinson-White pattern; Left axis deviation (-78 deg)")
PACED_QRS_MARK = "beside a paced rhythm"
# an incomplete bundle branch block's QRS in adults: 110-119 ms (Surawicz et al. 2009, part III: incomplete RBBB and
# incomplete LBBB "QRS duration between 110 and 119 ms in adults"). The model's complete block with such a QRS is marked
# as before, and the note says what that QRS with the block's shape is: LUDB 22 (incomplete RBBB by its annotation, QRS
# 116 ms) read only "Right bundle branch block (?): not supported by the measured QRS 116 ms"
INCOMPLETE_BLOCK_MS = 110.0


def complete_block_note(code: str, qrs: float, qrs_s: str) -> str:
    """Why a complete bundle branch block (``code`` "CLBBB" or "CRBBB") is marked beside an adult's measured QRS under
    ``QRS_WIDE_MS`` (``qrs_s`` as cited), naming the incomplete block where the QRS lies in its range (cited with the
    decimals that keep it on its side of ``INCOMPLETE_BLOCK_MS``: 109.96 ms had read "110 ms" without the incomplete
    block's name)."""
    by_110 = shown(qrs, INCOMPLETE_BLOCK_MS)
    qrs_s = by_110 if len(by_110) > len(qrs_s) else qrs_s
    note = f"not supported by the measured QRS {qrs_s} ms (complete block: >= {QRS_WIDE_MS:g} ms)"
    if qrs >= INCOMPLETE_BLOCK_MS:
        note += (f"; with QRS {INCOMPLETE_BLOCK_MS:g}-{QRS_WIDE_MS - 1:g} ms the block's pattern is an "
                 f"{_in_sentence(STATEMENTS['I' + code[1:]].text)} (Surawicz et al. 2009)")
    return note


def paced_qrs(r: Reading, guessed: str | None, paced_rhythm: bool) -> tuple[bool, str | None, list]:
    """Whether the QRS is ventricular-paced, the mark of the statements read off a QRS that may be the pacemaker's,
    and (reading order, -probability, words) of the model's statements that go unread (taken out of
    ``r.positive``)."""
    p, positive, qrs, qrs_s = r.p, r.positive, r.qrs, r.qrs_s
    # a ventricular-paced QRS (a paced rhythm said, QRS >= 120 ms at any age) is the pacemaker's: what is read off the
    # QRS goes to "Resolved" (``PACED_QRS_CODES``, the wide QRS and axis rules); beside the model's paced rhythm guessed
    # below its threshold, or with no QRS measured, it stands marked
    ventricular_paced = paced_rhythm and qrs is not None and qrs >= QRS_WIDE_MS
    paced_mark = None
    if paced_rhythm and qrs is None:
        paced_mark = f"{PACED_QRS_MARK}, QRS not measured: the QRS may be the pacemaker's"
    elif guessed == "PACE" and not paced_rhythm and qrs is None:
        # a guess and a QRS of unknown width: the statements read off the QRS claim more than was measured
        paced_mark = (f"{PACED_QRS_MARK} (the model's most probable rhythm, below its threshold), QRS not measured: "
                      "the QRS may be the pacemaker's")
    elif guessed == "PACE" and not paced_rhythm and qrs >= QRS_WIDE_MS:
        paced_mark = (f"{PACED_QRS_MARK} (the model's most probable rhythm, below its threshold) and a QRS of {qrs_s} "
                      "ms: the QRS may be the pacemaker's")
    paced_items: list[tuple[int, float, str]] = []      # (reading order, -probability, words) of what goes
    if ventricular_paced:
        for c in (c for c in positive if c in PACED_QRS_CODES):
            words = STATEMENTS[c].text if c == "WPW" else _in_sentence(STATEMENTS[c].text)     # a name stays
            paced_items.append((GROUPS.index(STATEMENTS[c].group), -p[c], f"{words} ({p[c]:.0%})"))
        positive = positive - PACED_QRS_CODES
    r.positive = positive
    return ventricular_paced, paced_mark, paced_items


def model_conduction(r: Reading, out: list[Statement], paced_rhythm: bool, limb_leads: str | None) -> list[Statement]:
    """``out`` with the model's conduction statements after it, each marked where a measurement contradicts it;
    those that another says (or the paced rhythm leaves unread) go to ``r.resolved``."""
    p, positive, resolved, model_stmt, cite = r.p, r.positive, r.resolved, r.model_stmt, r.cite
    pr, qrs, pr_s, qrs_s, pr_flag, qrs_flag = r.pr, r.qrs, r.pr_s, r.qrs_s, r.pr_flag, r.qrs_flag
    child, axis_deg = r.child, r.axis_deg
    # conduction
    conduction = sorted((c for c in positive if STATEMENTS.get(c) and STATEMENTS[c].group == "conduction"),
                        key=by_probability(p))
    if paced_rhythm:
        # atrial-sensed (or atrial-paced) ventricular pacing: the interval from the P wave to the paced QRS is the
        # pacemaker's programmed AV delay, not AV nodal conduction, so no first degree AV block is read from it (as
        # the PR rule below); PTB-XL's cardiologists never label the two together (folds 1-8: 0 of 237 PACE records)
        for c in [c for c in FIRST_DEGREE_AVB if c in conduction]:
            conduction.remove(c)
            resolved.append(f"{_in_sentence(STATEMENTS[c].text)} ({p[c]:.0%}) not stated: in a paced rhythm the PR is "
                            f"the pacemaker's AV delay (PTB-XL's cardiologists label it on none of {PACE_LABELLED} "
                            "records with a paced rhythm)")
    if "ABQRS" in conduction and "QWAVE" in positive:
        # the general statement beside the one that names the abnormality (as NDT beside a localised one)
        conduction.remove("ABQRS")
        resolved.append(f"{_in_sentence(STATEMENTS['ABQRS'].text)} ({p['ABQRS']:.0%}) not stated: "
                        f"{_in_sentence(STATEMENTS['QWAVE'].text)} ({p['QWAVE']:.0%}) stands, naming the abnormality "
                        f"(PTB-XL's cardiologists label the two together on {ABQRS_WITH_QWAVE[0]} of "
                        f"{ABQRS_WITH_QWAVE[1]} records with Q waves)")
    if "1AVB" in conduction and "LPR" in conduction:
        # PTB-XL's two names of one finding (PR > 200 ms): said once, as a cart says it
        conduction.remove("LPR")
        resolved.append(f"prolonged PR interval ({p['LPR']:.0%}) not stated: first degree AV block "
                        "stands (the same finding)")
    avb = next((c for c in FIRST_DEGREE_AVB if c in conduction), None)
    if avb is not None:
        # a said atrial fibrillation or flutter and the model's first degree AV block: both stand, the rhythm is
        # marked (PTB-XL folds 1-8: the block was labelled on 22 of 24 such records, AF on 6; ``AVB_ATRIAL_NOTE``)
        out = [replace(s, note=AVB_ATRIAL_NOTE.format(_in_sentence(STATEMENTS[avb].text), p[avb],
                                                      AVB_ATRIAL_WHY[s.code]))
               if s.group == "rhythm" and s.code in ATRIAL_NON_SINUS and s.note is None else s for s in out]
    for complete, incomplete in (("CLBBB", "ILBBB"), ("CRBBB", "IRBBB")):
        # one bundle is blocked completely or incompletely, never both: the measured QRS decides
        # (complete from QRS >= 120 ms, Surawicz et al. 2009), else the more probable of the two
        if complete in conduction and incomplete in conduction:
            if qrs is not None and (not child or qrs_flag == "high"):     # a child's QRS limit lies below 120 ms
                keep, drop = (complete, incomplete) if qrs_flag == "high" else (incomplete, complete)
                why = f"measured QRS {qrs_s} ms {'>=' if keep == complete else '<'} {QRS_WIDE_MS:g} ms"
            else:
                keep, drop = sorted((complete, incomplete), key=by_probability(p))
                why = ("no adult QRS limit applied to a child" if child else "no QRS measured") + ", the more probable of the two"
            conduction.remove(drop)
            resolved.append(f"{_in_sentence(STATEMENTS[drop].text)} ({p[drop]:.0%}) not stated: "
                            f"{_in_sentence(STATEMENTS[keep].text)} stands ({why})")
    complete = [c for c in ("CLBBB", "CRBBB") if c in conduction]
    if "IVCD" in conduction and complete and (qrs is None or child or qrs_flag == "high"):
        # a nonspecific intraventricular conduction delay is a wide QRS without the criteria of a bundle
        # branch block (Surawicz et al. 2009): beside a complete block the QRS does not contradict, it is not
        # said (PTB-XL 06517 read both; folds 1-8 label the two together on 2 of 860 complete blocks)
        conduction.remove("IVCD")
        resolved.append(f"{_in_sentence(STATEMENTS['IVCD'].text)} ({p['IVCD']:.0%}) not stated: "
                        f"{_in_sentence(STATEMENTS[complete[0]].text)} stands (a nonspecific delay is one "
                        "without a bundle branch block's criteria)")
    for c in sorted(conduction, key=by_probability(p)):
        note, suffix = None, ""
        if c in FIRST_DEGREE_AVB and pr is not None:
            if pr_flag == "high":
                suffix = f" (PR {pr_s} ms)"
            elif not child:      # a child's PR limit lies below the adults' 200 ms: a shorter PR may be long
                note = f"not supported by the measured PR {pr_s} ms"
        if c in ("CLBBB", "CRBBB") and qrs is not None and qrs_flag != "high" and not child:
            note = complete_block_note(c, qrs, qrs_s)
        elif c in ("ILBBB", "IRBBB") and qrs is not None and qrs_flag == "high":
            # an incomplete block is one whose QRS stays under 120 ms (110-119 ms in adults, Surawicz et al. 2009);
            # "Wide QRS" (or the complete block) says the rest
            note = f"not supported by the measured QRS {qrs_s} ms (incomplete block: < {QRS_WIDE_MS:g} ms)"
        elif c in ("CLBBB", "CRBBB", "IVCD") and qrs is not None:
            suffix = f" (QRS {qrs_s} ms)"
        if c in FASCICULAR_AXIS and axis_deg is not None and not limb_leads and not child:    # an axis to judge by
            side, lo, hi, cited = FASCICULAR_AXIS[c]
            if not (lo <= axis_deg < hi if c == "LAFB" else axis_deg > lo):
                # a fascicular block deviates the axis to its side (Surawicz et al. 2009); an axis that does not
                # deviate, or in the extreme quadrant, contradicts it (LAFB on CPSC-Extra A0001 at -136 deg)
                note = (f"not supported by the measured QRS axis {cite('qrs_axis_deg', axis_deg, lo, hi)} deg "
                        f"({_in_sentence(STATEMENTS[c].text)}: {side} axis deviation, {cited} deg, Surawicz et al. 2009)")
        out.append(model_stmt(c, note, suffix))
    return out


def interval_rules(r: Reading, out: list[Statement], *, paced_rhythm: bool, ventricular_paced: bool,
                   paced_items: list, wide_tachy: bool, bare_flutter, pr_doubt: str = "") -> None:
    """The PR and QRS rules' statements, appended to ``out`` (or, beside a paced QRS, to ``paced_items``); no PR rule
    where ``pr_doubt`` says why the PR is no conducted P wave's at a fixed interval (``av_conduction``)."""
    positive, resolved = r.positive, r.resolved
    pr_s, qrs_s, pr_flag, qrs_flag, child_limit = r.pr_s, r.qrs_s, r.pr_flag, r.qrs_flag, r.child_limit
    # the PR rules need a P wave conducted from a sinus or atrial focus: beside the atrial fibrillation or flutter the
    # interpretation says, whoever says it (the model, its guess, the AF rule, the flutter rules), the wave measured
    # before the QRS is a flutter wave or none (PTB-XL 10752_lr, AFLT: "Atrial flutter with 2:1 conduction (possible)
    # ...; Short PR interval (PR 103 ms)")
    atrial_said = atrial_statement(out)
    pr_rule = ("first degree AV block" if pr_flag == "high" and not positive & set(FIRST_DEGREE_AVB)
               else "short PR interval" if pr_flag == "low" and not positive & {"WPW"} else None)
    if pr_rule and atrial_said is not None:
        resolved.append(f"{pr_rule} (PR {pr_s} ms) not stated: beside {_in_sentence(atrial_said.text.split(',')[0])} "
                        f"the wave measured as a P wave is {PR_ATRIAL_WHY[atrial_said.code]}, and a PR needs a P wave "
                        "conducted from a sinus or atrial focus")
    elif pr_rule and bare_flutter is not None:
        resolved.append(f"{pr_rule} (PR {pr_s} ms) not stated: {BARE_FLUTTER.format(bare_flutter[0])}: "
                        f"{BARE_FLUTTER_WHY}, and a PR needs a P wave conducted from a sinus or atrial focus")
    elif pr_rule and pr_doubt:
        resolved.append(f"{pr_rule} (PR {pr_s} ms) not stated: {pr_doubt}")
    elif pr_rule == "first degree AV block" and paced_rhythm:
        # a paced rhythm's "PR" is the pacemaker's programmed AV delay, not AV nodal conduction
        resolved.append(f"first degree AV block not stated: PR {pr_s} ms in a paced rhythm is the "
                        "pacemaker's AV delay")
    elif pr_rule == "first degree AV block":
        out.append(Statement("conduction", f"First degree AV block (PR {pr_s} ms)", "measurement",
                             rule=f"PR {pr_s} ms > {PR_1AVB_MS:g} ms (Surawicz et al. 2009)" + child_limit,
                             rule_id="first_degree_av_block"))
    elif pr_rule == "short PR interval" and not paced_rhythm:
        # the table flags it low: said, so that a reader sees why "normal ECG" is not (pre-excitation is
        # the model's WPW statement, which then carries it)
        out.append(Statement("conduction", f"Short PR interval (PR {pr_s} ms)", "measurement",
                             rule=f"PR {pr_s} ms < {PR_SHORT_MS:g} ms (Surawicz et al. 2009)", rule_id="short_pr"))
    if qrs_flag == "high" and ventricular_paced:
        paced_items.append((GROUPS.index("conduction"), 0.0, f"wide QRS ({qrs_s} ms)"))
    elif qrs_flag == "high" and not wide_tachy and not positive & {"CLBBB", "CRBBB", "IVCD", "WPW"}:
        out.append(Statement("conduction", f"Wide QRS ({qrs_s} ms)", "measurement",
                             rule=f"QRS {qrs_s} ms >= {QRS_WIDE_MS:g} ms (Surawicz et al. 2009)" + child_limit,
                             rule_id="wide_qrs"))


def axis_statement(r: Reading, limb_leads: str | None, scaled: bool, paced_rhythm: bool) -> Statement | None:
    """The axis rules' statement (None: a normal axis, none measured, or a child's: a child's normal axis is not
    the adult's)."""
    axis_deg, measurements, cite = r.axis_deg, r.measurements, r.cite
    if axis_deg is None or r.child:
        return None
    a = axis_deg
    a_s = cite("qrs_axis_deg", a, -90.0, -180.0)      # and the extreme axis' limits
    # the frontal axis is read off the limb leads: where they break Einthoven's law it is no one vector's
    axis_note = f"{AXIS_UNRELIABLE_NOTE} ({limb_leads})" if limb_leads else None
    if scaled:        # nor where every lead was scaled to one size (``measurements.AXES_SCALED``)
        axis_note = "; ".join(filter(None, (axis_note, f"unreliable: {AXES_SCALED}")))
    axis_said = None
    if -180.0 <= a < -90.0:
        p_axis, t_axis = _num(measurements, "p_axis_deg"), _num(measurements, "t_axis_deg")
        if not paced_rhythm and all(v is not None and -180.0 <= v < -90.0 for v in (p_axis, t_axis)):
            inverted = INVERTED_NOTE.format(p=f"{p_axis:.0f}", t=f"{t_axis:.0f}")
            axis_note = f"{axis_note}; {inverted}" if axis_note else inverted
        axis_said = Statement("axis", f"Extreme axis deviation ({a_s} deg)", "measurement",
                              rule=f"QRS axis {a_s} deg in -90..-180 deg (Surawicz et al. 2009)",
                              note=axis_note, rule_id="extreme_axis_deviation")
    elif flag("qrs_axis_deg", a) == "low":
        axis_said = Statement("axis", f"Left axis deviation ({a_s} deg)", "measurement",
                              rule=f"QRS axis {a_s} deg < {AXIS_LEFT_DEG:g} deg (Surawicz et al. 2009)",
                              note=axis_note, rule_id="left_axis_deviation")
    elif flag("qrs_axis_deg", a) == "high":
        axis_said = Statement("axis", f"Right axis deviation ({a_s} deg)", "measurement",
                              rule=f"QRS axis {a_s} deg > +{AXIS_RIGHT_DEG:g} deg (Surawicz et al. 2009)",
                              note=axis_note, rule_id="right_axis_deviation")
    return axis_said


def paced_qrs_line(r: Reading, paced_items: list) -> None:
    """The one resolved line of what a ventricular-paced QRS leaves unread, with why."""
    p, th, resolved, qrs_s = r.p, r.th, r.resolved, r.qrs_s
    if paced_items:
        words = [w for *_, w in sorted(paced_items)]
        wpw = PACED_WPW if "WPW" in p and is_called(p["WPW"], th["WPW"]) else ""
        resolved.append(f"{', '.join(words[:-1])}{' and ' if len(words) > 1 else ''}{words[-1]} "
                        + PACED_QRS_REASON.format(qrs_s, QRS_WIDE_MS) + wpw)
