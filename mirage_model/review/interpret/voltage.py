"""The QRS voltage rules: low QRS voltage and the voltage criteria for left ventricular hypertrophy.

* QRS voltage on the median beats (``measure.voltage``; ``voltage_statements``): low QRS voltage, a peak-to-peak QRS
  < 0.5 mV in every limb lead and/or < 1.0 mV in every precordial lead (Mason et al. 2007, part II's statements; the
  limits as J Electrocardiol 2008;41:281 states them); voltage criteria for left ventricular hypertrophy, Sokolow-Lyon
  SV1 + max(RV5, RV6) >= 3.5 mV or Cornell RaVL + SV3 > 2.8 mV in men, > 2.0 mV in women, no Cornell limit without
  the sex (Hancock EW, Deal BJ, Mirvis DM, et al. ... part V: electrocardiogram changes associated with cardiac chamber
  hypertrophy. Circulation 2009;119:e251-61). Never beside the model's own statement of the same (LVOLT; LVH, VCLVH),
  the LVH criteria not beside its left bundle branch block or Wolff-Parkinson-White pattern (``VOLTAGE_BLOCKS``) nor
  from a ventricular-paced QRS, neither below 16 years
  (the resolved list says which was not read and why); marked with amplitudes in doubt, as the model's are.
  No age limit above 16 years and the Cornell voltage, not the Cornell product ((RaVL + SV3, + 0.8 mV in women) x
  QRS duration > 2440 mm*ms; Molloy TJ et al. JACC 1992;20:1180): on PTB-XL folds 1-8 (800 random records) an age
  limit of 30, 35 or 40 years moved the precision against LVH|VCLVH (45 %) by less than a point and cost up to 3
  points of sensitivity against VCLVH (73 %), the product dropped the precision to 35 %; the rule that chose was
  written first (``scripts/voltage_agreement.py``).
"""

from __future__ import annotations

from typing import Mapping

from mirage_model.clinical import parse_sex
from mirage_model.quality.findings import NOT_IN_MV
from mirage_model.records.age import age_text
from mirage_model.review.interpret.evidence import amplitude_note
from mirage_model.review.interpret.statements import STATEMENTS, Statement, _in_sentence, _num
from mirage_model.review.measurements import (CORNELL_MV, HANCOCK, LOW_LIMB_MV, LOW_PRECORDIAL_MV,
                                              LOW_VOLTAGE_SOURCE, SOKOLOW_LYON_MV, VOLTAGE_CHILD, clean_age, flag,
                                              is_paediatric, shown)

# the QRS voltage rules' statements (``voltage_statements``): the first words of each
LOW_VOLTAGE = "Low QRS voltage"
VOLTAGE_LVH = "Voltage criteria for left ventricular hypertrophy"
# the model's statements that say what the rules would (never twice)
LOW_VOLTAGE_CODES = ("LVOLT",)
LVH_CODES = ("LVH", "VCLVH")
# left bundle branch block and ventricular pre-excitation change the QRS voltages themselves: the LVH voltage criteria
# are not read beside the model's statement of either ("the W-P-W pattern commonly gives a false positive sign for
# LVH", Goldschlager N, UCSF ECG course, medicine.ucsf.edu/education/resed/ecg/lvh.html). PTB-XL folds 1-8: beside the
# model's WPW the rule had said them on 17 of the 64 WPW records, labelled LVH or VCLVH on none of the 17 (on 1 of
# the 64, where the model said no WPW); fold 9, once: none of its 7 WPW records had read them, none changes
VOLTAGE_BLOCKS = ("CLBBB", "WPW")


def voltage_statements(measurements: Mapping | None, positive: set[str], p: Mapping[str, float], sex: str | None,
                       age, amplitudes: str | None,
                       scaled: bool = False) -> tuple[list[Statement], Statement | None, list[str]]:
    """The QRS voltage rules of ``interpret``: low QRS voltage and the voltage criteria for left ventricular
    hypertrophy, each decided by the measurement table's flag of the same value (``measurements.flag``).

    * Low QRS voltage: the largest peak-to-peak QRS of the limb leads below 0.5 mV (every limb lead below it),
      of V1-V6 below 1.0 mV ("(limb leads)", "(precordial leads)" or "(limb and precordial leads)"); not said
      beside the model's own LVOLT.
    * Voltage criteria for LVH: Sokolow-Lyon >= 3.5 mV or Cornell above 2.8 mV (men) / 2.0 mV (women; no Cornell
      limit without the sex) (Hancock et al. 2009); not said beside the model's LVH or VCLVH, nor beside its left
      bundle branch block or Wolff-Parkinson-White pattern (the block and the pre-excitation change the QRS voltages).

    Below ``PAEDIATRIC_BELOW_Y`` years neither is said (the adult limits do not apply to a child), nor where the
    leads are each scaled to one size (``scaled``: the quality check's "amplitude_scaled", LUDB; ``amplitudes`` its
    words), and where an adult limit would have been passed the resolved list says so. With amplitudes otherwise in
    doubt (``amplitudes``, a header's gain or units: ``gain_evidence``) each is marked as the model's amplitude
    statements are.

    Returns:
        (the low-voltage statements, the LVH statement or None (the caller hands it to the paced-QRS rule), the
        resolved lines).
    """
    said: list[Statement] = []
    resolved: list[str] = []
    note = amplitude_note(amplitudes) if amplitudes else None
    v = {k: _num(measurements, k) for k in ("qrs_limb_mv", "qrs_precordial_mv", "sokolow_lyon_mv", "cornell_mv")}
    sex = parse_sex(sex)

    def cite(key: str) -> str:
        return shown(v[key], decimals=2, judge=lambda x: flag(key, x, sex, age))

    child = is_paediatric(age)
    # the flags an adult's ECG would have (a child's: none, and the resolved list says what was not read)
    adult = {k: flag(k, v[k], sex) for k in v}
    low = [(where, k, lim) for where, k, lim in (("limb", "qrs_limb_mv", LOW_LIMB_MV),
                                                  ("precordial", "qrs_precordial_mv", LOW_PRECORDIAL_MV))
           if adult[k] == "low"]
    lvh = [k for k in ("sokolow_lyon_mv", "cornell_mv") if adult[k] == "high"]
    names = {"sokolow_lyon_mv": "Sokolow-Lyon", "cornell_mv": "Cornell"}
    lvh_words = ", ".join(f"{names[k]} {shown(v[k], decimals=2, judge=lambda x, k=k: flag(k, x, sex))} mV"
                          for k in lvh)
    if (child or scaled) and (low or lvh):
        what = " and ".join(w for w in (
            f"low QRS voltage ({' and '.join(where for where, *_ in low)} leads)" if low else "",
            f"voltage criteria for left ventricular hypertrophy ({lvh_words})" if lvh else "") if w)
        why = f"age {age_text(clean_age(age))}, {VOLTAGE_CHILD} (paediatric ECG)"
        if scaled:
            # "every lead scaled to the same size (1.00 mV peak-to-peak): amplitudes not in mV" -> what the check found
            found = (amplitudes or "").split(f": {NOT_IN_MV}")[0].replace(" (", ", ").rstrip(")")
            why = f"a measurement from {NOT_IN_MV}" + (f" (quality check: {found})" if found else "")
        resolved.append(f"{what} not stated: {why}")
        return said, None, resolved
    if scaled:
        return said, None, resolved
    if low:
        where = " and ".join(w for w, *_ in low)
        rule = "; ".join(f"largest {w} lead QRS {cite(k)} mV < {lim:g} mV" for w, k, lim in low)
        own = next((c for c in LOW_VOLTAGE_CODES if c in positive), None)
        if own is not None:
            resolved.append(f"{LOW_VOLTAGE.lower()} ({where} leads; {rule}) not stated by the rule: the model's "
                            f"{_in_sentence(STATEMENTS[own].text)} ({p[own]:.0%}) says it")
        else:
            said.append(Statement(STATEMENTS["LVOLT"].group, f"{LOW_VOLTAGE} ({where} leads)", "measurement",
                                  rule=f"{rule}, in every lead ({LOW_VOLTAGE_SOURCE})", note=note,
                                  rule_id="low_qrs_voltage"))
    lvh_stmt = None
    if lvh:
        limits = {"sokolow_lyon_mv": f">= {SOKOLOW_LYON_MV:g} mV",
                  "cornell_mv": f"> {CORNELL_MV.get(sex, 0):g} mV for {'men' if sex == 'M' else 'women'}"}
        rule = "; ".join(f"{names[k]} {cite(k)} mV {limits[k]}" for k in lvh) + f" ({HANCOCK})"
        own = next((c for c in LVH_CODES if c in positive), None)
        block = next((c for c in VOLTAGE_BLOCKS if c in positive), None)
        if own is not None:
            resolved.append(f"{_in_sentence(VOLTAGE_LVH)} ({lvh_words}) not stated by the rule: the model's "
                            f"{_in_sentence(STATEMENTS[own].text)} ({p[own]:.0%}) says it")
        elif block is not None:
            resolved.append(f"{_in_sentence(VOLTAGE_LVH)} ({lvh_words}) not stated: not read beside "
                            f"{_in_sentence(STATEMENTS[block].text)} ({p[block]:.0%}), which changes the QRS voltages")
        else:
            lvh_stmt = Statement(STATEMENTS["VCLVH"].group, f"{VOLTAGE_LVH} ({lvh_words})", "measurement",
                                 rule=rule, note=note, rule_id="voltage_lvh")
    return said, lvh_stmt, resolved
