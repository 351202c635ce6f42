"""A model's own labels read for their meaning: where a researcher's label names a rhythm or a conduction finding that
a PTB-XL statement names (a Challenge label map's "sinus bradycardia", "left bundle branch block"), the contradiction
rules the statements meet mark it too.

An own model (``mirage train`` on a researcher's data, ``Prediction.ptbxl_labels`` False) has its labels said as the
model's (``models.own_label_statements``), and none of the rules that resolve or mark PTB-XL's statements had read
them: a 1-epoch CinC model (82 Challenge records, no calibration) said "Sinus bradycardia (SB, the model's own
label)" and "Sinus tachycardia (STach, ...)" side by side at 78 bpm (A0002), "Left bundle branch block (LBBB, ...)"
beside "Right bundle branch block (RBBB, ...)" at QRS 100 ms.
An own label keeps its words (what it means is its training labels'), but where its meaning (``OWN_MEANINGS``, by its
words, else its name) is contradicted it is marked (?) with why, as a model statement is:

* by a measurement, with the rules' limits and comparisons (``measurements.flag``, adults only: a child's are not
  the adults'): sinus bradycardia at a rate not below 50 bpm, sinus tachycardia not above 100 bpm (the sinus rate
  rules' limits), a complete bundle branch block with QRS < 120 ms (with QRS 110-119 ms, saying that this is the
  incomplete block's range), an incomplete one with QRS >= 120 ms, a first degree AV block or prolonged PR with PR
  <= 200 ms (Surawicz et al. 2009);
* by another statement said, or another own label no measurement refutes (``CLASHES``): a sinus rhythm beside atrial
  fibrillation or flutter, sinus bradycardia beside sinus tachycardia, a left beside a right bundle branch block, a
  complete beside an incomplete block of the same bundle.

An own label meaning any PTB-XL statement by its words or code ("LVH" beside "Left ventricular hypertrophy", session
55's own-data walk) is said once, as that statement where it is said (``models.own_label_statements``); a code a
researcher's table may use with another meaning ("AMI": acute or anterior infarct) is read by its words alone.

Nothing is removed: the AF rules (which remove a sinus statement beside atrial fibrillation) stay the statements
model's; an own label is only marked.
"""

from __future__ import annotations

import re
from typing import Mapping

from mirage_model.review.interpret.conduction import complete_block_note
from mirage_model.review.interpret.reading import PR_1AVB_MS, QRS_WIDE_MS
from mirage_model.review.interpret.statements import (ATRIAL_NON_SINUS, RULE_SAYS, SINUS, STATEMENTS, Statement,
                                                      _in_sentence, _num)
from mirage_model.review.measurements import REFERENCE_RANGES, flag, shown

# an own label's words (or name), case, "_"/"-" and a bracketed remark aside -> the PTB-XL statement of that meaning
# (the Challenge 2021 scored classes' SNOMED-CT terms, ``training_cli/labelmaps/cinc2021_scored.csv``, and their
# class names; PTB-XL's own codes for a researcher's "AFIB")
OWN_MEANINGS = {
    "sinus rhythm": "SR", "normal sinus rhythm": "SR", "nsr": "SR", "sr": "SR",
    "sinus bradycardia": "SBRAD", "sb": "SBRAD", "sbrad": "SBRAD",
    "sinus tachycardia": "STACH", "stach": "STACH",
    "sinus arrhythmia": "SARRH", "sa": "SARRH", "sarrh": "SARRH",
    "atrial fibrillation": "AFIB", "af": "AFIB", "afib": "AFIB",
    "atrial flutter": "AFLT", "afl": "AFLT", "aflt": "AFLT",
    "left bundle branch block": "CLBBB", "complete left bundle branch block": "CLBBB", "lbbb": "CLBBB",
    "clbbb": "CLBBB",
    "right bundle branch block": "CRBBB", "complete right bundle branch block": "CRBBB", "rbbb": "CRBBB",
    "crbbb": "CRBBB",
    "incomplete left bundle branch block": "ILBBB", "ilbbb": "ILBBB",
    "incomplete right bundle branch block": "IRBBB", "irbbb": "IRBBB",
    "1st degree av block": "1AVB", "first degree av block": "1AVB", "iavb": "1AVB", "1avb": "1AVB",
    "prolonged pr interval": "LPR", "lpr": "LPR",
    # the Challenge's other scored classes a PTB-XL statement means (their words come with every statement's below)
    "lanfb": "LAFB", "lqrsv": "LVOLT", "low qrs voltages": "LVOLT", "nsivcb": "IVCD",
    "nonspecific intraventricular conduction disorder": "IVCD", "premature atrial contraction": "PAC",
    "premature ventricular contractions": "PVC", "ventricular premature beats": "PVC", "vpb": "PVC",
    "lqt": "LNGQT", "prolonged qt interval": "LNGQT", "tinv": "INVT", "t wave inversion": "INVT",
    "t wave abnormal": "TAB_", "pacing rhythm": "PACE", "lae": "LAO/LAE", "rae": "RAO/RAE",
}
# codes a researcher's label may name with another meaning: AMI (acute myocardial infarction, PTB-XL's anterior
# infarct), PMI (the point of maximal impulse), NORM (a table's "nothing of interest" class, PTB-XL's normal ECG), the
# nonspecific ST, T and ischaemia codes (a researcher's STE: ST elevation of an infarct, PTB-XL's STE_ nonspecific),
# EL and DIG (no common abbreviation of PTB-XL's electrolyte or digitalis statements)
NOT_BY_CODE = frozenset({"AMI", "PMI", "NORM", "STE_", "STD_", "NST_", "NT_", "ISC_", "EL", "DIG"})


def _key(text: str) -> str:
    """``text`` as ``OWN_MEANINGS`` keys it: a bracketed remark aside, "_"/"-" as spaces, case folded."""
    return re.sub(r"[\s_-]+", " ", re.sub(r"\(.*?\)", "", str(text or ""))).strip().casefold()


# every PTB-XL statement by its words ("Left ventricular hypertrophy") and, unless another meaning is common, by its
# code ("LVH": a researcher's labels table naming PTB-XL's statements); the entries above first
for _code, _info in STATEMENTS.items():
    OWN_MEANINGS.setdefault(_key(_info.text), _code)
    if _code not in NOT_BY_CODE:
        OWN_MEANINGS.setdefault(_key(_code), _code)

# meanings that cannot hold together on one ECG: each pair's two sides (a sinus rhythm and atrial fibrillation or
# flutter; the two sinus rate words; the two bundles' complete blocks; a bundle blocked completely and incompletely)
CLASHES = tuple((frozenset(a), frozenset(b)) for a, b in (
    (SINUS, ATRIAL_NON_SINUS), (("SBRAD",), ("STACH",)), (("CLBBB",), ("CRBBB",)), (("CLBBB",), ("ILBBB",)),
    (("CRBBB",), ("IRBBB",))))


def own_meaning(label: str, words: str = "") -> str | None:
    """The PTB-XL statement an own label means by its words ("sinus bradycardia", a bracketed remark aside), else by
    its name ("SB"); None where neither is one ``OWN_MEANINGS`` knows."""
    for text in (words, label):
        key = _key(text)
        if key in OWN_MEANINGS:
            return OWN_MEANINGS[key]
    return None


def said_meanings(statements) -> dict[str, str]:
    """PTB-XL code -> the statement's words, of each statement said (a rule's by what ``RULE_SAYS`` it says, else the
    model's by its code). The model's sinus rate word a measured rate refuted is said "Sinus rhythm, 100 bpm" under
    its code (rule "sinus_rhythm"): it means sinus rhythm, and a child's own "STach" beside it had been marked "the
    two cannot both hold" as if the bradycardia it no longer says were said."""
    out = {}
    for s in statements:
        codes = RULE_SAYS.get(s.rule_id or "") or ((s.code,) if s.source == "model" and s.code else ())
        for c in codes:
            out.setdefault(c, s.text)
    return out


def measured_note(code: str, measurements: Mapping | None, sex: str | None = None) -> str | None:
    """Why a measurement contradicts an own label meaning ``code`` (an adult's limits), or None."""
    hr, qrs, pr = (_num(measurements, k) for k in ("heart_rate_bpm", "qrs_ms", "pr_ms"))

    def cite(key, v):
        return shown(v, *REFERENCE_RANGES[key].limits, judge=lambda x: flag(key, x, sex))

    low, high = REFERENCE_RANGES["heart_rate_bpm"].limits
    rate = f"not supported by the measured rate {cite('heart_rate_bpm', hr)} bpm" if hr is not None else ""
    if code == "SBRAD" and hr is not None and flag("heart_rate_bpm", hr, sex) != "low":
        return f"{rate} (sinus bradycardia: < {low:g} bpm)"
    if code == "STACH" and hr is not None and flag("heart_rate_bpm", hr, sex) != "high":
        return f"{rate} (sinus tachycardia: > {high:g} bpm)"
    if code in ("CLBBB", "CRBBB") and qrs is not None and flag("qrs_ms", qrs, sex) != "high":
        return complete_block_note(code, qrs, cite('qrs_ms', qrs))
    if code in ("ILBBB", "IRBBB") and qrs is not None and flag("qrs_ms", qrs, sex) == "high":
        return f"not supported by the measured QRS {cite('qrs_ms', qrs)} ms (incomplete block: < {QRS_WIDE_MS:g} ms)"
    if code in ("1AVB", "LPR") and pr is not None and flag("pr_ms", pr, sex) != "high":
        return (f"not supported by the measured PR {cite('pr_ms', pr)} ms ({_in_sentence(STATEMENTS[code].text)}: "
                f"> {PR_1AVB_MS:g} ms)")
    return None


def clash_note(code: str, said: Mapping[str, str], own: Mapping[str, str]) -> str | None:
    """Why a statement said (``said``: code -> words) or another own label (``own``: its meaning -> its words, this
    one's left out) contradicts an own label meaning ``code``, or None."""
    for a, b in CLASHES:
        other = b if code in a else a if code in b else None
        if other is None:
            continue
        hit = next((words[c] for words in (said, own) for c in sorted(other) if c in words), None)
        if hit is not None:
            return f"beside {_in_sentence(hit)}: the two cannot both hold"
    return None


def mark_own(statements: list[Statement], meanings: Mapping[str, str], said: Mapping[str, str],
             measurements: Mapping | None, sex: str | None = None, child: bool = False) -> list[Statement]:
    """``statements`` (own labels said: label -> its meaning in ``meanings``) with each one a measurement (adults
    only) or another statement contradicts marked (``Statement.note``)."""
    from dataclasses import replace

    measured = {s.code: None if child else measured_note(meanings[s.code], measurements, sex)
                for s in statements if s.code in meanings}
    # an own label a measurement refutes marks no other (STach at 41 bpm leaves SB beside it unmarked)
    own = {meanings[s.code]: s for s in statements if s.code in measured and measured[s.code] is None}
    out = []
    for s in statements:
        if s.code in measured and s.note is None:
            others = {c: o.text for c, o in own.items() if o.code != s.code}
            note = measured[s.code] or clash_note(meanings[s.code], said, others)
            s = replace(s, note=note) if note else s
        out.append(s)
    return out
