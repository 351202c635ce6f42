"""What puts a value of the measurement table in doubt, and the doubt's words: mains interference left, every lead
inverted, every lead scaled to one size, beats taller or smaller than a heart gives (the quality check's findings),
the atrial fibrillation or flutter the interpretation states (no P wave to measure), the QTc the measurement's own
notes call unreliable, and the QTc of a mean RR that holds the pause the interpretation says
(``Interpretation.qtc_doubt``, joined before the notes' words by ``measurement_rows``)."""

from __future__ import annotations

from mirage_model.limits import SCALE_FINDINGS
from mirage_model.review.measurements.edits import _measure
from mirage_model.review.measurements.ranges import CHILD_BAZETT, SCALED, is_paediatric


# The quality check's finding of mains interference the measurement could not subtract (``quality.mains_left``): the
# intervals' ends and the P and T waves are read through it, so their values are shown marked unreliable, their
# high/low flag kept beside the mark, as a cart marks a doubtful value and keeps its flag (LUDB 1 at 100 Hz with
# 0.03 mV of 50 Hz on Nyquist: PR 141, QRS 80, QT 472 ms against 137, 79, 473 clean, the T axis -24 deg against -51).
# The rows are those the serial comparison leaves out for the same finding
# (``serial.compare``: PR, QRS, QT, QTc, P and T axes); the rate and RR (R peaks), the QRS axis and the QRS
# voltages stand, as they stand there.
MAINS_LEFT = "mains_left"
MAINS_LEFT_KEYS = ("pr_ms", "qrs_ms", "qt_ms", "qtc_bazett_ms", "qtc_fridericia_ms", "qtc_framingham_ms",
                   "p_axis_deg", "t_axis_deg")
# A PR and a P axis are a P wave's: beside the atrial fibrillation or flutter the interpretation says (its rhythm
# statement by its code, AFIB or AFLT, whoever says it: the model, its guess, the AF rule, the flutter rules), the wave
# measured before the QRS is a flutter wave or none (``interpret.PR_ATRIAL_WHY``; the PR rules are not said there
# either). PTB-XL 02739_lr (AFLT) had shown PR 87 ms and a P axis of -139 deg. They are not shown as values ("not
# applicable"); where the interpretation marks that rhythm (a P wave candidate alike beat to beat, a regular rhythm)
# they are shown, marked unreliable, as where flutter waves were measured with no model that states atrial
# fibrillation or flutter (``interpret.BARE_FLUTTER``, ``Interpretation.p_doubt``). A withheld interpretation states
# no rhythm: nothing here follows from it.
ATRIAL_KEYS = ("pr_ms", "p_axis_deg")
# In a paced rhythm (the quality check's pacemaker spikes, "paced_rhythm", or the statements model's paced rhythm that
# ``review.paced`` adds as a finding) the interval from a P wave to a ventricular-paced QRS is the pacemaker's
# programmed AV delay, not AV conduction (the interpretation states no PR rule there: ``interpret.conduction``). The PR
# is shown marked unreliable with these words, not left out: with atrial pacing alone it is a conducted one. LUDB 74
# (ventricular pacing, complete AV block) read PR 209 ms unmarked (its samples read in microvolts).
PACED_FINDINGS = ("paced_rhythm", "paced_rhythm_model")
PACED_PR = "paced rhythm: from a P wave to a paced QRS is the pacemaker's AV delay, not AV conduction"
# A frontal axis is read off the sizes of leads I and aVF against each other (``measure.delineate.wave_axis``): with
# every lead scaled to one size ("amplitude_scaled") that ratio is the file's, not the heart's. LUDB 1 (annotated left
# axis deviation) reads a QRS axis of +27 deg, and its limb leads break Einthoven's law (II - I - III: 46 % of II's
# RMS); on LUDB 1-40, 23 of the 38 annotated axes agree. The axes are shown marked unreliable, their flag kept.
AXIS_KEYS = ("p_axis_deg", "qrs_axis_deg", "t_axis_deg")
AXES_SCALED = "every lead scaled to the same size: an axis is read off the sizes of leads I and aVF"
# The quality check's findings of a record whose beats are taller or smaller than a heart gives: "amplitude_implausible"
# (a lead's mean beat over 20 mV peak-to-peak, ``QualityConfig.max_beat_ptp_mv``; the largest of 19,794 real records is
# 10.7 mV), "amplitude_high" (every lead too tall, or QRS, P wave and noise all several times their size: a gain wrong)
# and "amplitude_low" (no lead's beat reaches 0.3 mV, or QRS, P wave and noise all a fraction of their size). The QRS
# voltages are then the file's scale, not the heart's:
# an SCP-ECG file whose Section 6 amplitude multiplier reads 65535 nV for 2500 (every lead 26 times too tall) showed
# Sokolow-Lyon 62.44 mV and Cornell 52.79 mV flagged high, unmarked, where the interpretation was withheld. They are
# shown marked unreliable with the finding's words, their flag kept, as the voltage statements are marked
# (``interpret.AMPLITUDE_UNRELIABLE_NOTE``).
AMPLITUDE_DOUBT = SCALE_FINDINGS
# The QRS voltages (``measure.VOLTAGE_KEYS``) of such a record are the file's scale: no limit is applied to them
# (``VOLTAGE_SCALED``), and they are shown marked as its axes are (LUDB 1: Sokolow-Lyon 1.59 mV, Cornell 1.05 mV
# on page 1 with no mark, beside its marked axes); their doubt's words (not ``VOLTAGE_SCALED``, the range's words):
SCALED_VOLTAGES_WHY = "every lead scaled to the same size: amplitudes not in mV"
# The quality check's findings of a file whose every lead is upside down (its samples stored negated,
# "inverted_signal"; every header gain negative, "negative_gain" critical): the axes are turned by 180 deg, the R and S
# waves exchanged, the waves' ends read upside down. PTB-XL 00417 negated against itself as recorded: axes 25 -> 174,
# 19 -> -166, 68 -> -117 deg, Sokolow-Lyon 3.02 -> 0.29 mV, Cornell 1.42 -> 1.31 mV, PR 190 -> 160 ms (LUDB 65: QRS 97
# -> 87 ms). Those rows are shown marked unreliable, as the serial comparison leaves them out; the rate, RR and the
# QRS voltages peak-to-peak (the low-voltage rule's) stand.
INVERTED_FINDINGS = ("inverted_signal", "negative_gain")
INVERTED_KEYS = ("pr_ms", "qrs_ms", "qt_ms", "qtc_bazett_ms", "qtc_fridericia_ms", "qtc_framingham_ms", "p_axis_deg",
                 "qrs_axis_deg", "t_axis_deg", "sokolow_lyon_mv", "cornell_mv")
UNRELIABLE, NOT_APPLICABLE = "unreliable", "not applicable"
DOUBT_MARK = "?"           # beside a value shown unreliable (the app's cell, the PDF's, page 1's block)


def finding(quality, code: str):
    """A ``quality.QualityReport``'s (or None's) first finding ``code``, or None (no such finding, or no report)."""
    return next((f for f in getattr(quality, "findings", ()) or () if getattr(f, "code", None) == code), None)


def mains_left_doubt(quality) -> str:
    """Why a ``quality.QualityReport``'s (or None's) "mains_left" finding puts the intervals and the P and T axes in
    doubt, as a row says it: "mains interference (50 Hz) left after its subtraction (all 12 leads)"; "" without
    that finding."""
    found = finding(quality, MAINS_LEFT)
    if found is None:
        return ""
    from mirage_model.quality.findings import leads_text     # on first use: mirage_model.quality imports scipy

    what = str(found.name).split(":")[0]
    return f"{what} ({leads_text(found.leads)})" if found.leads else what


def paced_doubt(quality) -> str:
    """``PACED_PR`` where a ``quality.QualityReport`` (or None) found a paced rhythm (``PACED_FINDINGS``), else ""."""
    return PACED_PR if any(finding(quality, code) is not None for code in PACED_FINDINGS) else ""


def inverted_doubt(quality) -> str:
    """Why a ``quality.QualityReport``'s (or None's) finding of every lead inverted (``INVERTED_FINDINGS``) puts the
    rows ``INVERTED_KEYS`` in doubt, in its words: "every lead inverted in the signal"; "" without one (a negative
    gain on some leads alone is none)."""
    found = next((f for f in getattr(quality, "findings", ()) or () if getattr(f, "code", None) in INVERTED_FINDINGS
                  and (f.code == "inverted_signal" or f.severity == "critical")), None)
    return "" if found is None else str(found.name).split(":")[0]


def amplitude_doubt(quality) -> str:
    """Why a ``quality.QualityReport``'s (or None's) amplitude finding (``AMPLITUDE_DOUBT``, the first found) puts the
    QRS voltages in doubt, in its words: "beats 56 mV tall in V2: more than any heart gives (units or gain wrong?)";
    "" without one."""
    found = next((f for f in (finding(quality, code) for code in AMPLITUDE_DOUBT) if f is not None), None)
    return "" if found is None else str(found.name)


def atrial_rhythm(interpretation):
    """The atrial fibrillation or flutter an ``interpret.Interpretation`` (or None) states as its rhythm: its first
    rhythm statement coded AFIB or AFLT (by code, not words), or None (none said, or the interpretation withheld)."""
    if interpretation is None or getattr(interpretation, "withheld", None):
        return None
    from mirage_model.review.interpret import atrial_statement     # interpret imports this module

    return atrial_statement(interpretation.statements)


def atrial_reason(statement) -> tuple[str, str]:
    """(rhythm, reason) for the PR and the P axis beside ``atrial_rhythm``'s statement (None: ("", "")): the rhythm's
    name in a sentence, "atrial flutter", and why it has no P wave to measure, "the wave measured as a P wave is a
    flutter wave (Saoudi et al. 2001), and a PR and a P axis need a P wave"."""
    if statement is None:
        return "", ""
    # interpret imports this module
    from mirage_model.review.interpret import PR_ATRIAL_WHY, STATEMENTS, _in_sentence

    return (_in_sentence(STATEMENTS[statement.code].text),
            f"the wave measured as a P wave is {PR_ATRIAL_WHY[statement.code]}, and a PR and a P axis need a P wave")


def atrial_doubt(statement) -> tuple[str, str]:
    """(doubt, why) for the PR and the P axis beside ``atrial_rhythm``'s statement (None: ("", "")): "not applicable"
    beside a rhythm said unmarked, "unreliable" beside one the interpretation marks; why in words, "atrial flutter:
    the wave measured as a P wave is a flutter wave (Saoudi et al. 2001), and a PR and a P axis need a P wave"
    (``atrial_reason``'s parts)."""
    name, reason = atrial_reason(statement)
    if not name:
        return "", ""
    if statement.note:
        return UNRELIABLE, f"{name} said, marked ({statement.note}): {reason}"
    return NOT_APPLICABLE, f"{name}: {reason}"


def amplitudes_not_in_mv(quality) -> bool:
    """Whether a ``quality.QualityReport`` (or None) found every lead scaled to one size ("amplitude_scaled"):
    the table's QRS voltages then carry no limit and no flag (``reference_range``'s ``scaled``)."""
    return finding(quality, SCALED) is not None


def measurement_notes(measurements, age=None) -> list[str]:
    """The automatic measurements' notes as the table says them (the app's panel, the PDF, ``mirage score``'s notes
    column) for a patient of ``age``: below ``PAEDIATRIC_BELOW_Y`` years the QTc is Bazett's at any rate, as the
    interpretation's rule judges it (``PHAN``), so the adults' "QTc Bazett unreliable: heart rate 130 bpm > 120"
    says that instead; [] for no measurements."""
    notes = [str(n) for n in (getattr(measurements, "notes", ()) or ())] if measurements is not None else []
    if not is_paediatric(age) or not notes:
        return notes
    fast = _measure().BAZETT_FAST_NOTE
    hr = getattr(measurements, "heart_rate_bpm", None)
    said = f"QTc {CHILD_BAZETT}" + (f": heart rate {hr:g} bpm" if hr is not None else "")
    return [said if n.startswith(fast) else n for n in notes]


def _qtc_reason(note: str) -> tuple[str, tuple[str, ...]]:
    """(why, the QT and QTc keys it puts in doubt) for a measurement note on a QTc reported but unreliable
    (``measure``'s ``QTC_UNRELIABLE_NOTE``: every formula; ``BAZETT_FAST_NOTE``: Bazett's) or on a QT whose T end is
    uncertain (``QT_UNRELIABLE_NOTE``: the QT and every QTc), why being the note's words after its head; ("", ()) for
    any other note."""
    measure = _measure()
    fast = measure.BAZETT_FAST_NOTE
    for head, keys in ((measure.QT_UNRELIABLE_NOTE, ("qt_ms",) + measure.QTC_KEYS),
                       (measure.QTC_UNRELIABLE_NOTE, measure.QTC_KEYS),
                       (fast[:fast.index(": ") + 2], ("qtc_bazett_ms",))):
        if note.startswith(head) and note[len(head):]:
            return note[len(head):], keys
    return "", ()


def qt_doubt(measurements) -> str:
    """Why a ``measure.Measurements``' (or None's) QT is unreliable, in its note's words after its head
    (``measure.QT_UNRELIABLE_NOTE``: the tangent method puts the T end elsewhere in II or V5), for the interpretation
    to mark its QTc statement with; "" without such a note."""
    head = _measure().QT_UNRELIABLE_NOTE
    return next((n[len(head):] for n in map(str, getattr(measurements, "notes", ()) or ()) if n.startswith(head)), "")


def qtc_doubts(measurements, age=None, rate_edited: bool = False, qt_edited: bool = False) -> dict[str, str]:
    """The QT and QTc rows the measurement's own notes call unreliable (every QTc at an irregular rhythm or below 50
    bpm, Bazett's above 120 bpm, not a child's, whose QTc is Bazett's at any rate: ``measurement_notes``; the QT and
    every QTc where the tangent method puts the T end elsewhere), key -> why in the note's words after its head:
    "irregular rhythm (RR coefficient of variation 0.46 > 0.15; e.g. atrial fibrillation): QT and the mean RR do not
    belong to the same cycle", two notes joined by "; ". ``rate_edited``: the reviewer's rate or RR replaced the
    measured one the rate notes judge, so only the irregular rhythm's stands; ``qt_edited``: the reviewer's QT
    replaced the one whose T end was in doubt, whose note then stands no more. {} without such a note."""
    qt_head = _measure().QT_UNRELIABLE_NOTE
    out: dict[str, list[str]] = {}
    for note in measurement_notes(measurements, age):
        why, keys = _qtc_reason(note)
        if qt_edited and note.startswith(qt_head):
            continue
        if why and not (rate_edited and why.startswith("heart rate")):
            for k in keys:
                out.setdefault(k, []).append(why)
    return {k: "; ".join(whys) for k, whys in out.items()}


def unsaid_notes(measurements, age=None, rows: list[dict] | None = None) -> list[str]:
    """``measurement_notes`` less those a row of ``rows`` (``measurement_rows``) gives as its doubt's reason
    (``qtc_doubts``), which ``doubt_text`` says beside the marked values: a note is said once."""
    said = [r["doubt_why"] for r in rows or () if r.get("doubt")]
    out = []
    for note in measurement_notes(measurements, age):
        why = _qtc_reason(note)[0]
        if not (why and any(why in w for w in said)):
            out.append(note)
    return out

