"""Serial comparison: ``compare``, the current ECG against the prior one, and ``SerialComparison``, what
it finds. Each rule lives in the module of its job: ``changes`` (a measurement's change), ``statements`` (new and
gone), ``left_out`` (what a side cannot carry), ``patient`` (the patient, the dates, the same recording).

Research use only, not a diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from mirage_model.quality.findings import leads_text
from mirage_model.review.file_info import record_date
from mirage_model.review.measurements import ATRIAL_KEYS, MAINS_LEFT, MAINS_LEFT_KEYS
from mirage_model.review.serial.changes import COMPARED_KEYS, MeasurementChange, _table, measurement_change
from mirage_model.review.serial.patient import (PRIOR_LATER, SAME_RECORDING, _ages_backwards, ecg_label, recorded_at,
                                               same_patient, same_recording)
from mirage_model.review.serial.left_out import (AMPLITUDE_DOUBT, AXIS_KEYS, INTERVAL_KEYS, INVERTED, LIMB_LEADS,
                                                LIMB_REVERSAL, PACED_KEYS, VOLTAGE_RULES, _atrial_why, _calls_missing,
                                                _findings, _missing_leads, _names, _paced, _qtc_doubts, _rule_keys,
                                                _whose, said_once)
from mirage_model.review.serial.statements import (_first_rhythm, _near_threshold, _near_unsaid, _probabilities,
                                                  _said, _sentence, _uncertain_said, plain_words, statement_key)


@dataclass(frozen=True)
class SerialComparison:
    """The current ECG compared with the prior one. See the module docstring for the rules.

    Attributes:
        prior_label, current_label: what identifies each ECG to a reader: its date and time if the file
            has one, else its file name.
        same_patient: True (the IDs, or name and birth date, match), False (they differ), None (the files do not say).
        patient_words: "" when True; else a plain warning.
        measurements: one ``MeasurementChange`` per ``COMPARED_KEYS``.
        new_statements: statements' plain words said now and not in the prior (certain on both sides).
        gone_statements: said in the prior, not now (certain on both sides).
        unchanged_statements: said in both.
        rhythm_words: "Rhythm changed: sinus rhythm -> atrial fibrillation" or "".
        summary: one paragraph for the PDF and the app.
        notes: what a reader must know (a side's calls withheld, a measurement missing, another model).
        possibly_new, possibly_gone: as new and gone, where either side is uncertain about the statement.
        date_words: a warning when the prior is dated after the current, or, where the dates do not decide
            (either is missing), when the prior's age is the current's or more by ``AGE_BACKWARDS_Y``; "".
        same_words: a warning when the prior is the current recording itself (its file, or a copy of its
            signal in another format); "".
        not_compared: what was left out of the comparison and why, one phrase each ("statements (the prior
            ECG's calls were withheld: ...)"); the summary says them.
        pacing_words: "Pacing changed: paced on the prior ECG, not on this one" or ""; said first.
    """
    prior_label: str
    current_label: str
    same_patient: bool | None
    patient_words: str
    measurements: tuple[MeasurementChange, ...]
    new_statements: tuple[str, ...]
    gone_statements: tuple[str, ...]
    unchanged_statements: tuple[str, ...]
    rhythm_words: str
    summary: str
    notes: tuple[str, ...]
    possibly_new: tuple[str, ...] = ()
    possibly_gone: tuple[str, ...] = ()
    date_words: str = ""
    same_words: str = ""
    not_compared: tuple[str, ...] = ()
    pacing_words: str = ""

    @property
    def significant(self) -> tuple[MeasurementChange, ...]:
        return tuple(m for m in self.measurements if m.significant)

    @property
    def warnings(self) -> tuple[str, ...]:
        """The warnings a reader must see first (the patient's, the dates'), in the warning style."""
        return tuple(w for w in (self.same_words, self.patient_words, self.date_words) if w)


def compare(prior, current) -> SerialComparison:
    """The current session's ECG compared with the prior session's (both ``ReviewSession``).

    Args:
        prior: the prior ECG's session (measured and scored like the current, same model).
        current: this ECG's session.

    Returns:
        ``SerialComparison``; computed whatever the files say about the patient (``same_patient``
        and ``patient_words`` say it).
    """
    from mirage_model.review.interpret import AMPLITUDE_CODES, session_interpretation

    prior_label, current_label = ecg_label(prior), ecg_label(current)
    same, patient_words = same_patient(getattr(prior, "record", None), getattr(current, "record", None))
    date_words = ""
    t_prior, t_current = recorded_at(getattr(prior, "record", None)), recorded_at(getattr(current, "record", None))
    if t_prior is not None and t_current is not None:
        if t_prior > t_current:
            date_words = PRIOR_LATER.format(prior=record_date(prior.record), current=record_date(current.record))
    else:
        date_words = _ages_backwards(prior, current)
    why_same = same_recording(prior, current)
    same_words = SAME_RECORDING.format(why=why_same) if why_same else ""
    notes: list[str] = []
    not_compared: list[str] = []       # "what (why)", said in the summary
    it_prior, it_current = session_interpretation(prior), session_interpretation(current)

    # measurements, and what a side's signal cannot carry
    p_table, c_table = _table(prior), _table(current)
    for who, table, session in (("prior", p_table, prior), ("current", c_table, current)):
        if not any(v is not None for v in table.values()):
            why = ((getattr(session, "errors", None) or {}).get("measurements", "")
                   or next(iter(getattr(getattr(session, "measurements", None), "notes", ()) or ()), ""))
            notes.append(f"The {who} ECG has no measurements{f' ({why})' if why else ''}: no measurement is compared.")
            not_compared.append(f"measurements ({'the prior ECG' if who == 'prior' else 'this ECG'} has none"
                                 f"{f': {why}' if why else ''})")
    excluded: dict[str, str] = {}      # key -> why it is not compared
    paced = (_paced(prior, it_prior), _paced(current, it_current))
    pacing_words, pacing_part = "", ""
    if paced[0] != paced[1]:
        pacing_words = (f"Pacing changed: paced on {prior_label}, not on this ECG" if paced[0]
                        else f"Pacing changed: paced now, not on {prior_label}")
        pacing_part = ("paced rhythm no longer present (this ECG is not paced)" if paced[0]
                       else f"new paced rhythm (not paced on {prior_label})")
        for k in PACED_KEYS:
            excluded.setdefault(k, f"{_whose(paced)} is paced: a paced QRS and its repolarisation are the "
                                   "pacemaker's, not the heart's own conduction")
    if why := _atrial_why(it_prior, it_current):
        for k in ATRIAL_KEYS:
            excluded.setdefault(k, why)
    reversal = (bool(_findings(prior, LIMB_REVERSAL)), bool(_findings(current, LIMB_REVERSAL)))
    if any(reversal):
        for k in AXIS_KEYS:
            excluded.setdefault(k, f"limb lead reversal suspected on {_whose(reversal)}: a reversal moves the frontal "
                                   "axes")
    # every lead upside down (the file's sign, not the heart): the axes turned by 180 deg, the intervals read on the
    # waves upside down. A negative gain on some leads alone (a warning) is no such file
    inverted = tuple(any(f.code == "inverted_signal" or f.severity == "critical" for f in _findings(s, INVERTED))
                     for s in (prior, current))
    if any(inverted):
        for k in INTERVAL_KEYS + AXIS_KEYS:
            excluded.setdefault(k, f"every lead inverted on {_whose(inverted)}: the file's sign, its axes turned by "
                                   "180 deg and its waves read upside down")
    # mains left after its subtraction: the P and T waves were read through it, so an interval's or the P or T axis's
    # change may be the interference's (LUDB 1 with 0.5 mV of 50 Hz had lost its PR; LUDB 1-100 with it, before the
    # spike bridge's fix: the T axis moved by more than 30 deg on 9 of 89 records with mains left, the QRS axis on 0 of
    # 91); the rate and the QRS axis stand
    mains = (bool(_findings(prior, (MAINS_LEFT,))), bool(_findings(current, (MAINS_LEFT,))))
    if any(mains):
        for k in MAINS_LEFT_KEYS:
            excluded.setdefault(k, f"mains interference left on {_whose(mains)}: its waves' ends were read through it")
    for k, why in _qtc_doubts(prior, current, (it_prior, it_current)).items():
        excluded.setdefault(k, why)
    p_missing, c_missing = _missing_leads(prior), _missing_leads(current)
    lacks = [(who, [lead for lead in mine if lead not in theirs]) for who, mine, theirs in
             (("the prior ECG", p_missing, c_missing), ("this ECG", c_missing, p_missing))]
    lacks = [(who, leads) for who, leads in lacks if leads]
    if lacks:
        # in the quality findings' words: "lacks all chest leads", "lacks leads V1, V2" (it read "V1, ... and V6")
        why = "; ".join(f"{who} lacks {leads_text(leads)}" for who, leads in lacks) + (
            " (missing or flat): measured over other leads")
        limb = any(lead in LIMB_LEADS for _, leads in lacks for lead in leads)
        for k in INTERVAL_KEYS + (AXIS_KEYS if limb else ()):
            excluded.setdefault(k, why)
    changes = []
    for k in COMPARED_KEYS:
        m = measurement_change(k, p_table.get(k), c_table.get(k))
        if k in excluded and m.change is not None:
            m = replace(m, change=None, significant=False, words="", why_not=excluded[k])
        changes.append(m)
    changes = tuple(changes)
    for why in dict.fromkeys(m.why_not for m in changes if m.why_not):
        not_compared.append(f"{_names([m.key for m in changes if m.why_not == why])} ({why})")
    if any(v is not None for v in p_table.values()) and any(v is not None for v in c_table.values()):
        missing = [c.label for c in changes if (c.prior is None) != (c.current is None)]
        if missing:
            notes.append("Measured on one ECG only: " + ", ".join(missing) + ".")

    # statements: none of a side whose calls were withheld, no model's of a side the model did not score
    p_withheld, p_unscored = _calls_missing(prior, it_prior)
    c_withheld, c_unscored = _calls_missing(current, it_current)
    withheld = bool(p_withheld or c_withheld)
    for who, why in (("the prior ECG's", p_withheld), ("this ECG's", c_withheld)):
        if why:
            not_compared.append(f"statements ({who} {why})")
    model_one_side = not withheld and bool(p_unscored) != bool(c_unscored)
    if model_one_side:
        who, why = ("the prior ECG", p_unscored) if p_unscored else ("this ECG", c_unscored)
        not_compared.append(f"the model's statements and the rhythm ({who} {why})")
    p_model, c_model = (getattr(prior, "model_name", None) or ""), (getattr(current, "model_name", None) or "")
    if p_model != c_model and not model_one_side:
        notes.append(f"The two ECGs were interpreted by different models ({p_model or 'none'} and "
                     f"{c_model or 'none'}): a statement may change with the model.")
    p_said, c_said = _said(it_prior), _said(it_current)
    p_probs, c_probs = _probabilities(prior), _probabilities(current)
    p_rhythm, c_rhythm = _first_rhythm(it_prior), _first_rhythm(it_current)
    rhythm_keys = {statement_key(s) for s in (p_rhythm, c_rhythm) if s is not None}
    tables = {"prior": p_table, "current": c_table}
    skipped: dict[str, list[str]] = {}     # why -> the statements not compared for it

    doubt = (bool(_findings(prior, AMPLITUDE_DOUBT)), bool(_findings(current, AMPLITUDE_DOUBT)))

    def comparable(s, other: str) -> bool:
        """Whether ``s``, said on one side and not on ``other``, can be said new or gone."""
        if withheld or (model_one_side and (s.source == "model" or s.code)):
            return False
        if any(doubt) and (s.code in AMPLITUDE_CODES or getattr(s, "rule_id", None) in VOLTAGE_RULES):
            skipped.setdefault(f"amplitudes in doubt on {_whose(doubt)}: not in mV, or a gain wrong",
                               []).append(plain_words(s.text))
            return False
        for k in _rule_keys(s):
            why = excluded.get(k) or ("" if tables[other].get(k) is not None else
                                      f"no {_names([k])} on {'the prior ECG' if other == 'prior' else 'this ECG'}")
            if why:
                skipped.setdefault(why, []).append(plain_words(s.text))
                return False
        return True

    new, possibly_new, gone, possibly_gone, unchanged = [], [], [], [], []
    decided = 0
    for key, s in c_said.items():
        if key in p_said:
            if not withheld:
                unchanged.append(plain_words(s.text))
                decided += 1
        elif key not in rhythm_keys and comparable(s, "prior"):
            (possibly_new if _uncertain_said(s) or _near_unsaid(s.code, p_probs) else new).append(plain_words(s.text))
            decided += 1
    for key, s in p_said.items():
        if key not in c_said and key not in rhythm_keys and comparable(s, "current"):
            (possibly_gone if _uncertain_said(s) or _near_unsaid(s.code, c_probs) else gone).append(plain_words(s.text))
            decided += 1
    for why, words in skipped.items():
        not_compared.append(f"{'; '.join(dict.fromkeys(words))} ({why})")
    rhythm_words, rhythm_part = "", ""
    rhythm_compared = not withheld and not model_one_side and not pacing_words
    if (rhythm_compared and p_rhythm is not None and c_rhythm is not None
            and statement_key(p_rhythm) != statement_key(c_rhythm)):
        # whether the rhythm now said is new: said certainly now, not close to said before, and the prior's
        # rhythm not close to said now; the prior's rhythm said uncertainly makes its name uncertain, not the change
        unsure = (_uncertain_said(c_rhythm) or _near_unsaid(c_rhythm.code, p_probs)
                  or _near_unsaid(p_rhythm.code, c_probs))
        before, after = _sentence(plain_words(p_rhythm.text)), _sentence(plain_words(c_rhythm.text))
        before += " (uncertain)" if _uncertain_said(p_rhythm) else ""
        rhythm_words = f"Rhythm {'possibly ' if unsure else ''}changed: {before} -> {after}"
        rhythm_part = f"{'possibly ' if unsure else ''}new {after} (was {before})"
    elif (rhythm_compared and p_rhythm is not None and c_rhythm is not None and not _uncertain_said(c_rhythm)
          and (_uncertain_said(p_rhythm) or _near_threshold(p_rhythm.code, p_probs))):
        # the same rhythm, said certainly now and only uncertainly (or close to its threshold) before: possibly new
        after = _sentence(plain_words(c_rhythm.text))
        rhythm_words = f"Rhythm possibly changed: {after} (uncertain) -> {after}"
        rhythm_part = f"possibly new {after} (uncertain on {prior_label})"

    # the summary: the pacing change first; what was left out said after what was compared
    parts = [p for p in (pacing_part, rhythm_part) if p]
    parts += [f"new {_sentence(w)}" for w in new]
    parts += [f"possibly new {_sentence(w)}" for w in possibly_new]
    parts += [f"{_sentence(w)} no longer present" for w in gone]
    parts += [f"{_sentence(w)} possibly no longer present" for w in possibly_gone]
    parts += [_sentence(c.words) for c in changes if c.significant]
    head = f"Compared with {prior_label}"
    left_out = ("Not compared: " + "; ".join(said_once(not_compared)) + ".") if not_compared else ""
    compared_any = (any(m.change is not None for m in changes)
                    or (not withheld and (decided or rhythm_words or (not model_one_side and (p_said or c_said)))))
    if not p_table and not c_table and not p_said and not c_said:
        summary = f"{head}: nothing to compare."
    elif parts:
        summary = f"{head}: " + "; ".join(parts) + "." + (
            f" No other significant change in what was compared. {left_out}" if left_out
            else " No other significant change.")
    elif not compared_any and not_compared:
        summary = f"{head}: not compared: " + "; ".join(said_once(not_compared)) + "."
    else:
        summary = f"{head}: no significant change" + (f" in what was compared. {left_out}" if left_out else ".")
    return SerialComparison(prior_label, current_label, same, patient_words, changes, tuple(new), tuple(gone),
                            tuple(unchanged), rhythm_words, summary, tuple(notes), tuple(possibly_new),
                            tuple(possibly_gone), date_words, same_words, tuple(not_compared), pacing_words)
