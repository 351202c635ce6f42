"""Serial comparison: what a side cannot carry, left out of the comparison and said.

What cannot carry a finding is not compared, and the summary says so ("Not compared: statements (the
prior ECG's calls were withheld: noise in leads ...)"), never as new or gone: a side whose interpretation was
withheld (the quality gate: noise, a lead missing, an electrode reversal, pacing) has its statements, the
rhythm included, left out; a side without the model's calls (not scored, or failed) has the model's statements
left out, the rules' compared; a rule's statement is compared only where both sides have its measurement.
Measurements: a limb lead reversal suspected on either side leaves the frontal axes out (the reversal moves
them); every lead inverted on either side (the file's sign, ``INVERTED``) leaves all but the rate out; leads
missing on one side only leave the intervals out (measured over other leads) and, for a limb
lead, the axes; a pair of which one is paced and the other not says the pacing change first and leaves out
the PR, QRS, QT, QTc and the QRS and T axes (a paced QRS and its repolarisation are the pacemaker's, not the
heart's own conduction); mains interference left after its subtraction on either side (the quality check's
"mains_left", which withholds that side's calls too) leaves out the PR, QRS, QT, QTc and the P and T axes; the
atrial fibrillation or flutter either side states (``measurements.atrial_rhythm``, marked or not: the table shows
them "not applicable" or "unreliable") leaves out the PR and the P axis, and the PR rules' statements with them (the
wave measured before the QRS is a flutter wave or none: PTB-XL 02739_lr, AFLT, against LUDB 1 had read "PR shortened
137 -> 87 ms; P axis shifted 23 -> -139 deg" beside the rhythm's change); amplitudes in
doubt on either side (every lead scaled to one size, LUDB's; a gain wrong) leave out the voltage statements (the
model's amplitude statements, the QRS voltage rules'); a QTc either side's measurement table marks unreliable for an
irregular rhythm (``measurements.qtc_doubts``) or for the pause its interpretation says (the mean RR holds it:
``Interpretation.qtc_doubt``, in its words) is left out, and the QTc rules' statements with it; so are the QT and
every QTc where either side's T end is uncertain (``measure.QT_UNRELIABLE_NOTE``: the tangent method ends the T wave
elsewhere; the table marks them until the reviewer edits the QT): "QT lengthened 420 -> 480 ms" would be a reading of
an uncertain T end, not a measured change. Two
sampling rates need nothing here: each side is measured at its own rate in milliseconds (LUDB 1 against itself
resampled to 250 and 1000 Hz: no change said, every interval within 2 ms).

Research use only, not a diagnosis.
"""

from __future__ import annotations

import numpy as np

from mirage_model.limits import SCALE_FINDINGS
from mirage_model.measure.tangent import T_END_UNCERTAIN
from mirage_model.review.interpret.qtc import PAUSED_QTC
from mirage_model.review.measurements import UNRELIABLE, atrial_reason, atrial_rhythm
from mirage_model.review.serial.changes import COMPARED_KEYS


# the quality findings (``quality.findings``) of a limb electrode reversal: the frontal axes move with it
LIMB_REVERSAL = ("limb_reversal", "neutral_reversal")
# the quality findings of a record whose every lead is upside down (its samples stored negated: "inverted_signal"; the
# header's negative gain on every lead: "negative_gain", critical): its axes are turned by 180 deg, its waves' ends
# read upside down (PTB-XL 00417 and LUDB 65 negated against themselves: every axis "shifted" by 175-179 deg, PR 190
# -> 160 ms, QRS 97 -> 87 ms); the rate stands
INVERTED = ("inverted_signal", "negative_gain")
# the quality findings of a paced rhythm (pacemaker spikes; the statements model's PACE call, ``review.paced``)
PACED = ("paced_rhythm", "paced_rhythm_model")
# the quality findings that put a side's amplitudes in doubt (every lead scaled to one size, LUDB's 1.00 mV; beats
# taller than a heart gives: gain or units wrong): its voltage statements (the model's amplitude statements, the
# QRS voltage rules') say nothing of the heart, so none is said new or gone: those the measurement table marks its
# voltages for (``limits.SCALE_FINDINGS``: beats too tall, too small, a gain wrong) and LUDB's scaling
AMPLITUDE_DOUBT = ("amplitude_scaled", *SCALE_FINDINGS)
VOLTAGE_RULES = ("low_qrs_voltage", "voltage_lvh")
INTERVAL_KEYS = ("pr_ms", "qrs_ms", "qt_ms", "qtc_bazett_ms", "qtc_fridericia_ms")
QTC_KEYS = ("qtc_bazett_ms", "qtc_fridericia_ms")
QT_KEYS = ("qt_ms", *QTC_KEYS)
# a T end the tangent method puts elsewhere (``measure.QT_UNRELIABLE_NOTE``: the table marks the QT and every QTc) on
# either side: a change of the QT may be the T end's reading, not the heart's; a reader does not call "QT lengthened
# 420 -> 480 ms" with either T end in doubt, so the QT and the QTc are left out until the reviewer edits the QT
T_END_WHY = "the tangent method ends the T wave elsewhere, so a change of the QT may be its reading (check it by hand)"
IRREGULAR = "irregular rhythm"     # the measurement's note on the QTc of an irregular rhythm (measure.pipeline)
AXIS_KEYS = ("p_axis_deg", "qrs_axis_deg", "t_axis_deg")
# a paced QRS and its repolarisation are the pacemaker's (Sgarbossa et al., Am J Cardiol 1996;77:423-4): its
# width, QT and axes are no change of the heart's own conduction; the PR of an AV-sequential pacemaker is its
# programmed delay. The rate and the P axis stay compared.
PACED_KEYS = ("pr_ms", "qrs_ms", "qt_ms", "qtc_bazett_ms", "qtc_fridericia_ms", "qrs_axis_deg", "t_axis_deg")
LIMB_LEADS = ("I", "II", "III", "aVR", "aVL", "aVF")
# a rule's statement (no code), by its rule (``interpret.Statement.rule_id``), and the measurements it is said from
_RULE_KEYS = {"first_degree_av_block": ("pr_ms",), "short_pr": ("pr_ms",), "wide_qrs": ("qrs_ms",),
              "wide_qrs_tachycardia": ("qrs_ms",), "extreme_axis_deviation": ("qrs_axis_deg",),
              "left_axis_deviation": ("qrs_axis_deg",), "right_axis_deviation": ("qrs_axis_deg",),
              "prolonged_qtc": ("qtc_bazett_ms", "qtc_fridericia_ms"),
              "short_qtc": ("qtc_bazett_ms", "qtc_fridericia_ms")}


def _findings(session, codes) -> list:
    """The findings of ``codes`` in the quality report the interpretation reads (``ReviewSession.quality_report``)."""
    return [f for f in getattr(session.quality_report, "findings", ()) or () if f.code in codes]


def _missing_leads(session) -> tuple[str, ...]:
    """The standard leads missing or flat on ``session``'s record, in the standard order: the quality check's
    "lead_missing" finding's, and the loader's per-lead "missing" and "flat" flags."""
    from mirage_model.records.record import STANDARD_LEADS

    out = {lead for f in _findings(session, ("lead_missing",)) for lead in f.leads}
    flags = getattr(getattr(session, "record", None), "quality", None) or {}
    for name in ("missing", "flat"):
        mask = np.asarray(flags.get(name, np.zeros(0, bool)), bool)
        out |= {lead for lead, bad in zip(STANDARD_LEADS, mask) if bad}
    return tuple(lead for lead in STANDARD_LEADS if lead in out)


def _paced(session, interpretation) -> bool:
    """Paced: the quality check found pacemaker spikes (or the statements model's paced call), or the
    interpretation says a paced rhythm (the model's PACE, or the paced-rhythm rule's statement)."""
    return bool(_findings(session, PACED)) or any(
        s.code == "PACE" or s.rule_id == "paced_rhythm" for s in interpretation.statements)


def _calls_missing(session, interpretation) -> tuple[str, str]:
    """Why none of a side's statements can be compared (its interpretation withheld), and why its model's
    statements cannot (the model did not score it); "" each where they can."""
    if interpretation.withheld:
        return f"calls were withheld: {interpretation.withheld}", ""
    if getattr(session, "prediction", None) is None:
        state = (getattr(session, "state", None) or {}).get("prediction")
        why = (getattr(session, "errors", None) or {}).get("prediction", "") or "no model result"
        why = why.removeprefix("not scored: ")
        return "", f"was not scored ({why})" if state == "failed" else f"has no model result ({why})"
    return "", ""


def _atrial_why(it_prior, it_current) -> str:
    """Why the PR and the P axis are not compared: the atrial fibrillation or flutter either interpretation states
    (``measurements.atrial_rhythm``; the table shows them "not applicable" beside it, "unreliable" beside it marked),
    in ``measurements.atrial_reason``'s words with the ECG it is said on ("atrial flutter on this ECG: the wave
    measured as a P wave is a flutter wave (Saoudi et al. 2001), and a PR and a P axis need a P wave"), or the flutter
    waves measured where no model states the rhythm (``Interpretation.p_doubt``, ``interpret.BARE_FLUTTER``: the table
    shows the PR and the P axis unreliable there too); "" where neither applies."""
    said: dict[tuple[str, bool, str], list[bool]] = {}      # (rhythm, marked, reason) -> on (prior, current)
    for i, it in enumerate((it_prior, it_current)):
        if (s := atrial_rhythm(it)) is not None:
            said.setdefault((*atrial_reason(s), bool(s.note)), [False, False])[i] = True
        elif it is not None and not getattr(it, "withheld", None) and (doubt := getattr(it, "p_doubt", "")):
            # "flutter waves at 294/min in II, III, aVF and V1 and no model here that states ...: the wave measured
            # as a P wave may be a flutter wave ..., and a PR and a P axis need a P wave"
            what, _, why = doubt.partition(": ")
            said.setdefault((what, why, False), [False, False])[i] = True
    return "; ".join(f"{name}{' (said, marked)' if marked else ''} on {_whose(on)}: {reason}"
                     for (name, reason, marked), on in said.items())


def _qtc_doubts(prior, current, interpretations=(None, None)) -> dict[str, str]:
    """Why each QTc is not compared: the QTc rows either side's measurement table, built with that side's
    interpretation (``interpretations``, prior's and current's: ``interpret.session_interpretation``), marks
    unreliable. For the pause the interpretation says, in its words (``Interpretation.qtc_doubt``): "the mean RR holds
    a pause of 3.6 s (at 2.6 s) on this ECG, and the QTc corrects the QT by it"; else for an irregular rhythm
    (``measurements.qtc_doubts``): "irregular rhythm on this ECG: the QT and the mean RR are of no one cycle" ("on
    both ECGs", "on the prior ECG"); else, for the QT and every QTc, a T end the tangent method puts elsewhere
    (``T_END_UNCERTAIN``, the QT row included: ``T_END_WHY``); the two sides' reasons joined by "; " where they
    differ. {} where neither side
    marks one. Such a QTc carries no change: PTB-XL 00761_lr (atrial fibrillation, its QTc marked "?") against
    00693_lr had "QTc (Bazett) lengthened 421 -> 512 ms" said. A QTc marked for its rate alone (below 50 bpm, Bazett's
    above 120) is compared: both sides' formula errs alike at one rate, and a change of rate is said beside it."""
    on: dict[str, list[str]] = {}      # key -> each side's reason ("": none)
    for i, (session, it) in enumerate(zip((prior, current), interpretations)):
        if getattr(session, "measurements", None) is None and not getattr(session, "measurement_edits", None):
            continue
        paused = getattr(it, "qtc_doubt", "")
        for row in session.measurement_table(it):
            why = row.get("doubt_why") or ""
            if row["key"] not in QT_KEYS or row.get("doubt") != UNRELIABLE:
                continue
            if paused and why.startswith(paused):      # the pause first, the notes' words after it
                on.setdefault(row["key"], ["", ""])[i] = paused
            elif IRREGULAR in why and row["key"] in QTC_KEYS:
                on.setdefault(row["key"], ["", ""])[i] = IRREGULAR
            elif T_END_UNCERTAIN in why:
                on.setdefault(row["key"], ["", ""])[i] = T_END_UNCERTAIN
    return {k: _qtc_words(sides) for k, sides in on.items()}


def _qtc_words(sides: list[str]) -> str:
    """The words of each side's reason a QTc is not compared (its pause's words, ``IRREGULAR`` or "")."""
    words = []
    for why in dict.fromkeys(w for w in sides if w):
        on = _whose(tuple(w == why for w in sides))
        words.append(f"{IRREGULAR} on {on}: the QT and the mean RR are of no one cycle" if why == IRREGULAR
                     else f"{T_END_UNCERTAIN} on {on}: {T_END_WHY}" if why == T_END_UNCERTAIN
                     else f"{why} on {on}, {PAUSED_QTC}")
    return "; ".join(words)


def _whose(on: tuple[bool, bool]) -> str:
    """The ECGs a finding is on, by (on the prior, on this one): "both ECGs", "the prior ECG", "this ECG"."""
    return "both ECGs" if all(on) else ("the prior ECG" if on[0] else "this ECG")


def _rule_keys(s) -> tuple[str, ...]:
    """The measurements a rule's statement is said from (none for a model's statement)."""
    return () if s.code else _RULE_KEYS.get(s.rule_id, ())


def _names(keys) -> str:
    """"PR, QRS, QT and QTc" / "QRS and T axes" for measurement keys, in the table's order."""
    short = {"heart_rate_bpm": "heart rate", "pr_ms": "PR", "qrs_ms": "QRS", "qt_ms": "QT", "qtc_bazett_ms": "QTc",
             "qtc_fridericia_ms": "QTc", "p_axis_deg": "P axis", "qrs_axis_deg": "QRS axis", "t_axis_deg": "T axis"}
    names = list(dict.fromkeys(short[k] for k in COMPARED_KEYS if k in keys))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _split_why(entry: str) -> tuple[str, str]:
    """"QTc (irregular rhythm ...)" -> ("QTc", "irregular rhythm ..."): the last bracket, nested ones kept in it
    ("(the prior ECG was not scored (no usable signal))"); ("entry", "") where it has none."""
    if not entry.endswith(")"):
        return entry, ""
    depth = 0
    for i in range(len(entry) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(entry[i], 0)
        if depth == 0:
            return (entry[:i].rstrip(), entry[i + 1:-1]) if i > 0 else (entry, "")
    return entry, ""


def said_once(not_compared) -> list[str]:
    """The entries of ``SerialComparison.not_compared`` as shown: those left out for one reason said once, the
    reason after them all ("QTc and Prolonged QTc (irregular rhythm on this ECG: ...)"), in the order of each
    reason's first entry. The entries stay apart in the comparison (a measurement's and its rule's statement
    are left out by two steps); the list read twice the same reason beside the QTc and its rule's statement."""
    whats: dict[str, list[str]] = {}     # the reason -> what was left out for it
    alone = object()                     # an entry without a reason: shown as it is
    shown: list = []
    for entry in not_compared:
        what, why = _split_why(entry)
        if not why:
            shown.append((alone, entry))
            continue
        if why not in whats:
            shown.append((why, whats.setdefault(why, [])))
        whats[why].append(what)
    return [item if why is alone else f"{_listed(item)} ({why})" for why, item in shown]


def _listed(names: list[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
