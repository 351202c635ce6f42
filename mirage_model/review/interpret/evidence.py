"""What the quality check's findings put in doubt: the evidence the rules cite (pacing, limb leads, gain, noise),
the marks of calls read off amplitudes in doubt or that noise may move, and the line naming what noise may hide.
"""

from __future__ import annotations

from mirage_model.noise_spread import MAY_HIDE_NAMED, may_hide, may_hide_text
from mirage_model.quality.findings import leads_text
from mirage_model.review.interpret.statements import FIRST_DEGREE_AVB, RULE_SAYS, STATEMENTS
from mirage_model.review.labels import LABEL_NAMES, with_words
from mirage_model.review.measurements import SCALED, amplitude_doubt, finding

# statements read off the waves' amplitudes (voltage criteria, atrial enlargement from the P wave's height):
# where the quality check finds every lead taller than a heart gives ("amplitude_high": a header's gain or
# units wrong) they are marked, as a record at 5 times its gain reads hypertrophy (GE MUSE's muse-sinus.xml
# exported to WFDB in microvolts under 200 per mV read "Left ventricular hypertrophy", 91 %, its XML none), and
# so where it finds beats a heart cannot give, too tall in a lead ("amplitude_implausible") or too small in every
# lead ("amplitude_low": a gain a tenth of the true one, volts read as millivolts): CinC 2020 E00018, whose header
# says 4880 adu/mV for its microvolts, read "Low QRS voltage (limb and precordial leads)" unmarked. Those two are
# critical (the interpretation is withheld) and the statements still stand below it, so each carries the finding's
# words too: one list for the interpretation, the measurement table and the serial comparison, ``SCALE_FINDINGS``;
# and where it finds every lead scaled to one size ("amplitude_scaled": LUDB's 1.00 mV peak-to-peak, not in mV)
AMPLITUDE_CODES = frozenset({"LVH", "RVH", "SEHYP", "LAO/LAE", "RAO/RAE", "VCLVH", "HVOLT", "LVOLT"})
AMPLITUDE_UNRELIABLE_NOTE = "unreliable: amplitudes in doubt"
# the class models' calls read off the same amplitudes, marked alike (``doubted_calls``): the superclass model's
# HYP (PTB-XL's LVH, RVH, SEHYP, LAO/LAE, RAO/RAE pooled; 0.90 on muse-sinus.hea). Its NORM is not marked: a gain
# too high drives the model from NORM to HYP, never towards NORM (PTB-XL fold 9, 60 records labelled NORM alone and
# 40 labelled HYP, each at x1 and x5: NORM called on 65 at x1, on 1 at x5, gained on none; HYP called on all 100 at
# x5; of the 56 at x5 with "amplitude_high" a warning, so their calls shown, none NORM). A NORM call standing on such
# a record is made against the error, and HYP's mark is the one a wrong gain needs. A gain too low (low voltage) is
# no "amplitude_high" but "amplitude_low": critical where no lead's beat reaches 0.3 mV (every call withheld), a
# warning where QRS, P waves and noise are all a fraction of their size (the calls stand, HYP marked with its words;
# MI and STTC too, below).
AMPLITUDE_CLASSES = AMPLITUDE_CODES | {"HYP"}
# a gain too low drives the superclass model the other way, to MI and STTC: PTB-XL fold 9, 200 records drawn at random,
# each at x1 and x0.2 (a header's gain 5 times the true one), the shipped default model: "amplitude_low" on none at x1,
# a warning (the calls shown) on 149 at x0.2, of which MI was called at x0.2 and not at x1 on 93 (lost on none), STTC
# on 42 (lost on 14), HYP and NORM on none (NORM lost on 71). So with "amplitude_low" MI and STTC are marked too, with
# its words: an infarct called because the beats read small is the error's, not the heart's (CinC 2021 CPSC A0006,
# RBBB, MI 0.07 at x1 and called at 0.64 at x0.2)
LOW_GAIN_CLASSES = frozenset({"MI", "STTC"})
# at the noise warning level (the "noise" finding's load from QualityConfig.noise_calls_mv: "may change the model's
# calls"), the calls the noise can move: those whose logit lies within the model's spread under noise of that load
# of their threshold's (``noise_spread``, ``Prediction.noise_doubted``; PTB-XL folds 1-8 with noise added), kept and
# marked, the statements and the class models' calls alike (``doubted_calls``). Noise moves a call near its threshold
# and leaves one far from it; the quality line still says the record's calls may change
NOISE_MARK = "noise in"
NOISE_NOTE = NOISE_MARK + " {leads} may change this call"
# a call of a class whose threshold was never measured (``Prediction.unmeasured_thresholds``: the split the
# thresholds were chosen on held no positive record of it, or no negative one, so training stored a 0.5 fallback): an
# own CinC model of 86 records called 20 labels at 49-55 % on A0002, 19 of its 43 labels never seen in validation,
# said as any other call, "uncalibrated" alone; only the model card said which thresholds were never measured. Kept
# and marked, the statements, the class calls and the CSV alike
UNMEASURED_MARK = "threshold not measured"


def unmeasured_note(why: str) -> str:
    """Why a call on an unmeasured threshold is marked: "threshold not measured (a 0.5 fallback: no validation
    positives)" (``why``: "positives" or "negatives", as ``Prediction.unmeasured_thresholds`` gives it)."""
    return f"{UNMEASURED_MARK} (a 0.5 fallback: no validation {why})"


def finding_evidence(quality, code: str, default: str) -> str | None:
    """The detail of a ``quality.QualityReport``'s finding ``code``, ``default`` when it has none, or None:
    no such finding (or no report)."""
    f = finding(quality, code)
    return None if f is None else f.detail or default


def limb_evidence(quality) -> str | None:
    """The "limb_inconsistent" finding's detail (the residuals of the broken identities)."""
    return finding_evidence(quality, "limb_inconsistent", "limb leads inconsistent")


def gain_evidence(quality) -> str | None:
    """The words of the finding that puts the record's amplitudes in doubt: "amplitude_scaled" (every lead scaled
    to one size: amplitudes not in mV, ``NOT_IN_MV``; the voltage rules are then not read, ``voltage_statements``,
    as ``measurements.amplitudes_not_in_mv`` decides), else the first of ``limits.SCALE_FINDINGS`` found, the one
    ``measurements.amplitude_doubt`` marks the QRS voltages with: a lead's beats too tall for a heart
    ("amplitude_implausible"), every lead too tall or QRS, P wave and noise all several times their size
    ("amplitude_high"), every lead's beats smaller than a heart gives or QRS, P wave and noise all a fraction of
    their size ("amplitude_low"), each "units or gain wrong?"; None: none. Scaled and another found: the scaled
    one's, the one by which the voltages go unread."""
    scaled = finding(quality, SCALED)
    return scaled.name if scaled is not None else amplitude_doubt(quality) or None


def amplitude_note(why: str) -> str:
    """How a call read off amplitudes in doubt is marked, with ``why`` (``gain_evidence``): the
    statements' note and the class models' mark alike (``doubted_calls``)."""
    return f"{AMPLITUDE_UNRELIABLE_NOTE} ({why})"


def noise_evidence(quality) -> str | None:
    """The leads the "noise" finding names, in the words both the calls' mark (``NOISE_NOTE``) and the "may hide"
    line (``noise_spread.may_hide_text``) say them: "V1, V2, V3, V4", a whole group by its name ("all chest leads",
    ``quality.findings.leads_text``); None: no such finding (or no report)."""
    f = finding(quality, "noise")
    return None if f is None or not f.leads else leads_text(f.leads, noun=False)


def doubted_calls(prediction) -> dict[str, str]:
    """The calls of ``prediction`` (its ``positive``: none while the gate withholds them) that rest on
    amplitudes in doubt, label -> why (``amplitude_note``), or that the record's noise may change
    (``Prediction.noise_doubted``: ``NOISE_NOTE``), or whose threshold was never measured
    (``Prediction.unmeasured_thresholds``: ``unmeasured_note``), in label order; {} where none applies.

    The statements of ``AMPLITUDE_CODES`` (a statements model loaded as the model) and the superclass
    model's HYP (``AMPLITUDE_CLASSES``; with "amplitude_low" its MI and STTC too, ``LOW_GAIN_CLASSES``), and the
    calls within the noise's spread of their threshold: kept and marked, as the interpretation keeps and marks its
    statements; the gate's ``Prediction.withheld`` is for a record on which no call stands."""
    quality = getattr(prediction, "quality", None)
    why, leads = gain_evidence(quality), noise_evidence(quality)
    noisy = set(getattr(prediction, "noise_doubted", ()) or ()) if leads else set()
    # a model trained on other data: its "HYP" or "LVH" is its own label, nothing known to be read off amplitudes
    amplitude_classes = AMPLITUDE_CLASSES if getattr(prediction, "ptbxl_labels", True) else frozenset()
    if amplitude_classes and why is not None and finding(quality, "amplitude_low") is not None:
        amplitude_classes = amplitude_classes | LOW_GAIN_CLASSES
    unmeasured = getattr(prediction, "unmeasured_thresholds", None) or {}
    out = {}
    for lab in getattr(prediction, "positive", ()) or ():
        if why is not None and lab in amplitude_classes:
            out[lab] = amplitude_note(why)
        elif lab in unmeasured:
            out[lab] = unmeasured_note(unmeasured[lab])
        elif lab in noisy:
            out[lab] = NOISE_NOTE.format(leads=leads)
    return out


def noise_hidden(prediction, statements_prediction=None, interpretation=None,
                 limit: int | None = MAY_HIDE_NAMED) -> str:
    """The one line naming what the record's noise may hide (``noise_spread.may_hide``: the labels within the
    noise's spread of their threshold, not called), of the loaded model's ``prediction`` and the statements
    model's beside it, nearest first, a name both give once: "Noise in V1, V2 may hide: Left bundle branch block
    (38%), ..." (``noise_spread.may_hide_text``, at most ``limit`` named, None: all). Not a call: not in the
    statements nor the positive classes. Not what ``interpretation`` already says (a rhythm guessed below
    threshold, a rule's statement, first degree AV block under its other name) nor anything where it is
    withheld; "" where nothing is hidden or the "noise" finding names no leads."""
    preds = [p for p in (statements_prediction, prediction) if p is not None]
    quality = next((q for q in (getattr(p, "quality", None) for p in preds) if q is not None), None)
    leads = noise_evidence(quality)
    if not leads or getattr(interpretation, "withheld", ""):
        return ""
    said = list(getattr(interpretation, "statements", ()) or ())
    # what is said: the model's statements by their codes, the rules' by what each says (``RULE_SAYS``)
    codes = {s.code for s in said if s.code} | {c for s in said for c in RULE_SAYS.get(getattr(s, "rule_id", None), ())}
    if codes & set(FIRST_DEGREE_AVB):       # PTB-XL's two names of one finding: said under either
        codes |= set(FIRST_DEGREE_AVB)
    named: dict[str, tuple[float, float]] = {}          # name -> (way, probability)
    for pred in preds:
        for lab, prob, way in may_hide(pred):
            # a model's own "MI" is its own, said in its data's words where it gave them ("Q wave abnormal (QAb)")
            own = not getattr(pred, "ptbxl_labels", True)
            name = with_words(lab, getattr(pred, "label_descriptions", None)) if own \
                else LABEL_NAMES.get(lab) or (STATEMENTS[lab].text if lab in STATEMENTS else lab)
            if lab in codes:
                continue
            if name not in named or way < named[name][0]:
                named[name] = (way, prob)
    order = sorted(named.items(), key=lambda kv: kv[1][0])
    return may_hide_text(leads, [(name, prob) for name, (_, prob) in order], limit)


def paced_evidence(quality) -> str | None:
    """The "paced_rhythm" finding's detail (pacemaker spikes before at least a fifth of the beats: "a stimulus
    before 8 of 12 beats")."""
    return finding_evidence(quality, "paced_rhythm", "pacemaker spikes")
