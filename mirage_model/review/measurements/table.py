"""The measurement table itself (``measurement_rows``): the automatic values with the reviewer's corrections and
what follows from them, each row's range, flag and doubt; why a table holds no value (``why_unmeasured``); the doubts
said once for a footnote (``doubt_text``)."""

from __future__ import annotations

import math
from typing import Mapping

from mirage_model.review.measurements.doubts import (ATRIAL_KEYS, AXES_SCALED, AXIS_KEYS, DOUBT_MARK, INVERTED_KEYS,
                                                     MAINS_LEFT_KEYS, NOT_APPLICABLE, SCALED_VOLTAGES_WHY, UNRELIABLE,
                                                     amplitude_doubt, amplitudes_not_in_mv, atrial_doubt,
                                                     atrial_rhythm, inverted_doubt, mains_left_doubt, paced_doubt,
                                                     qtc_doubts)
from mirage_model.review.measurements.edits import _measure, clean_edits
from mirage_model.review.measurements.ranges import ReferenceRange, reference_range, shown_value


def why_unmeasured(measurements, edits: Mapping[str, float] | None = None, error: str = "") -> str:
    """Why the measurement table holds no value at all, as the app and the PDF both say it.

    ``measure()`` gives every value None, with the reason in ``Measurements.notes``, on a record it
    cannot measure (too short, too noisy, too few usable leads); no measurements at all (None) have
    the session's error instead.

    Args:
        measurements: measure.Measurements or None (not measured).
        edits: the reviewer's values (any of them is a value in the table).
        error: why there are no measurements (the session's error), used when there are none.

    Returns:
        "not measured: record too short (2.0 s) for measurement" (the notes, or ``error``, joined by
        "; "), "not measured" with no reason known, or "" when the table holds a value.
    """
    if edits or (measurements is not None and any(getattr(measurements, k, None) is not None
                                                  for k in _measure().SCALAR_KEYS)):
        return ""
    notes = tuple(getattr(measurements, "notes", ()) or ()) if measurements is not None else ()
    why = "; ".join(str(n) for n in notes) or (error or "").strip()
    if why.startswith("not measured"):
        return why
    return f"not measured: {why}" if why else "not measured"


def measurement_rows(measurements, edits: Mapping[str, float] | None = None, sex: str | None = None,
                     age=None, scaled: bool = False, quality=None, interpretation=None) -> list[dict]:
    """The interval table with the reviewer's corrections applied.

    An edited value is shown with the automatic one beside it. When the reviewer changed
    ``qt_ms``, ``rr_ms`` or ``heart_rate_bpm`` (and not the QTc itself), each QTc is recomputed
    from the reviewed QT and RR and marked "recomputed"; an edited heart rate likewise recomputes
    RR and an edited RR the rate unless both were edited. A QTc that cannot be recomputed (no QT
    or RR) is "not recomputed" rather than left at a value that no longer matches its QT. The QTc rows
    the measurement's own notes call unreliable (an irregular rhythm, a rate below 50 bpm, Bazett's above
    120 bpm in an adult) are "unreliable" with the note's words (``qtc_doubts``); the QTc of a rate or RR
    the reviewer edited, by the irregular rhythm alone. Where the tangent method puts the T end elsewhere
    (``measure.QT_UNRELIABLE_NOTE``) the QT and every QTc row are "unreliable", until the reviewer edits the QT.

    Args:
        measurements: measure.Measurements or None (not measured).
        edits: Measurements.as_dict() key -> the reviewer's value (ms, bpm, degrees or mV).

        sex: "M" or "F" for the QTc reference range (None: the men's, and the range says so).
        age: the patient's age in years for the ranges (``reference_range``): None, the adult ranges,
            and the range says "age unknown"; below ``PAEDIATRIC_BELOW_Y`` a child's (PR and QRS by their
            adult upper limit, the QTc by a child's, the heart rate by a child's centiles for age
            (``child_rate_limits``); the axes: none, the range says "paediatric ECG, adult rate, axis and lower
            limits not applied" and ref_cell "not applied").
        scaled: the record's leads each scaled to one size (``amplitudes_not_in_mv``): the QRS voltages are shown
            with no limit and no flag, their range saying why (``VOLTAGE_SCALED``), and "unreliable"
            (``SCALED_VOLTAGES_WHY``); so too where ``quality`` found it.
        quality: the record's ``quality.QualityReport`` (or None): with mains interference left after its
            subtraction ("mains_left") the automatic PR, QRS, QT, QTc and P and T axes (``MAINS_LEFT_KEYS``) are
            "unreliable" (``mains_left_doubt``); with every lead inverted the intervals, axes and Sokolow-Lyon and
            Cornell voltages (``INVERTED_KEYS``, ``inverted_doubt``); with every lead scaled to one size (it or
            ``scaled``) the three axes (``AXIS_KEYS``: ``AXES_SCALED``); with beats taller or smaller than a heart
            gives the QRS voltages (``amplitude_doubt``); in a paced rhythm the PR (``paced_doubt``: the pacemaker's
            AV delay).
        interpretation: the record's ``interpret.Interpretation`` (or None): beside the atrial fibrillation or flutter
            it states (``atrial_rhythm``) the automatic PR and P axis (``ATRIAL_KEYS``) are "not applicable", or
            "unreliable" where it marks that rhythm (``atrial_doubt``), or where it found flutter waves with no model
            to state the rhythm (its ``p_doubt``); beside the pause it says (its ``qtc_doubt``: the mean RR holds
            it) the QTc rows are "unreliable" with those words, before the notes' (``qtc_doubts``).

    Returns:
        One dict per row: key, label, unit, value (float or None), automatic (float or None),
        status ("", "edited", "recomputed" or "not recomputed"), flag ("high", "low" or "": the
        comparison the interpretation's rule makes), range (the reference range's text with its
        source, "" when it has none), its limits ref_low / ref_high (None where open), ref_cell (the
        range in a table cell), shown (the value as text: whole units, with the decimals that keep
        it on its side of the limits; None when there is no value), doubt ("", ``UNRELIABLE``: the value
        shown marked ``DOUBT_MARK``, or ``NOT_APPLICABLE``: not shown as a value) and doubt_why (why, in words;
        "" with no doubt). An unreliable row keeps its flag (a long QTc at an irregular rhythm is marked and
        flagged both, as a cart prints it); a row not applicable has none. A reviewer's own value (edited)
        carries no doubt; a QTc recomputed from it carries the QT's.

    Raises:
        ValueError: an edit names no measurement, or its value is not a finite number.
    """
    measure = _measure()
    keys = measure.SCALAR_KEYS
    clean = clean_edits(edits)
    auto = {}
    for key in keys:
        a = getattr(measurements, key, None) if measurements is not None else None
        auto[key] = float(a) if a is not None and math.isfinite(float(a)) else None
    value = {k: clean.get(k, auto[k]) for k in keys}
    status = {k: ("edited" if k in clean else "") for k in keys}
    # rate and RR are one quantity: an edit of one carries over to the other (RR = 60000 / HR)
    for edited, other in (("heart_rate_bpm", "rr_ms"), ("rr_ms", "heart_rate_bpm")):
        if edited in clean and other not in clean and clean[edited] > 0:
            value[other] = 60000.0 / clean[edited]
            status[other] = "recomputed"
    if {"qt_ms", "rr_ms", "heart_rate_bpm"} & set(clean):
        rr = value["rr_ms"]
        qt = value["qt_ms"]
        for key, formula in (("qtc_bazett_ms", measure.qtc_bazett), ("qtc_fridericia_ms", measure.qtc_fridericia),
                             ("qtc_framingham_ms", measure.qtc_framingham)):
            if key in clean:
                continue
            if qt is not None and rr is not None and rr > 0:
                value[key] = float(formula(qt, rr))
                status[key] = "recomputed"
            else:
                value[key] = None
                status[key] = "not recomputed"
    # what the record cannot carry, per row: (doubt, why), a row's automatic value read through it
    doubts: dict[str, tuple[str, str]] = {}
    if inverted := inverted_doubt(quality):
        doubts.update(dict.fromkeys(INVERTED_KEYS, (UNRELIABLE, inverted)))
    if mains := mains_left_doubt(quality):
        doubts.update(dict.fromkeys(MAINS_LEFT_KEYS, (UNRELIABLE, mains)))
    if paced := paced_doubt(quality):
        doubts["pr_ms"] = (UNRELIABLE, paced)
    scaled = scaled or amplitudes_not_in_mv(quality)
    if scaled:
        doubts.update(dict.fromkeys(AXIS_KEYS, (UNRELIABLE, AXES_SCALED)))
    if amplitudes := amplitude_doubt(quality):
        doubts.update(dict.fromkeys(measure.VOLTAGE_KEYS, (UNRELIABLE, amplitudes)))
    if scaled:      # both found: the scaled one's words, by which the voltages go unread (``interpret.gain_evidence``)
        doubts.update(dict.fromkeys(measure.VOLTAGE_KEYS, (UNRELIABLE, SCALED_VOLTAGES_WHY)))
    atrial = atrial_doubt(atrial_rhythm(interpretation))
    if not atrial[0] and interpretation is not None and not getattr(interpretation, "withheld", None):
        # flutter waves measured, no model here to state the rhythm (``interpret.BARE_FLUTTER``): shown, marked
        why = getattr(interpretation, "p_doubt", "")
        atrial = (UNRELIABLE, why) if why else atrial
    if atrial[0]:
        # beside mains left too: there is no P wave to read through it
        doubts.update(dict.fromkeys(ATRIAL_KEYS, atrial))
    # the QTc the measurement itself calls unreliable (irregular rhythm, its rate): beside mains left the mains' reason
    # stands (the QT itself is read through it) and the note stays in the notes
    rate_edited = bool({"heart_rate_bpm", "rr_ms"} & set(clean))
    qtc = qtc_doubts(measurements, age, rate_edited, qt_edited="qt_ms" in clean)
    if paused := getattr(interpretation, "qtc_doubt", ""):
        # the mean RR holds the pause the interpretation says (``pause.qtc_doubt``): said first, the notes' after it
        qtc = {k: "; ".join(w for w in (paused, qtc.get(k)) if w) for k in measure.QTC_KEYS}
    for k, why in qtc.items():
        doubts.setdefault(k, (UNRELIABLE, why))
    rows = []
    for f in measure.SCALAR_FIELDS:
        k = f.key
        ref = reference_range(k, sex, age, scaled)
        not_applied = ref is not None and not ref.limits
        ref = ref or ReferenceRange(None, None, "")
        v = value[k]
        # a reviewer's value is theirs; a QTc recomputed from an edited QT is read off the reviewer's QT
        own = status[k] == "edited" or (status[k] == "recomputed" and k in measure.QTC_KEYS and "qt_ms" in clean)
        doubt, why = doubts.get(k, ("", "")) if not own else ("", "")
        if v is None and doubt != NOT_APPLICABLE:   # beside AF no P wave was found: not applicable, not unmeasurable
            doubt, why = "", ""
        if v is not None and status[k] == "recomputed" and k in qtc:
            # the reviewer's QT corrected by the machine's RR: the rhythm's or the rate's doubt is the RR's, it stands
            doubt, why = UNRELIABLE, qtc[k]
        rows.append(dict(key=k, label=f.label, unit=f.unit, value=v, automatic=auto[k], status=status[k],
                         flag="" if doubt == NOT_APPLICABLE else ref.flag(v), range=ref.text, ref_low=ref.low,
                         ref_high=ref.high, ref_cell="not applied" if not_applied else ref.cell(),
                         shown=None if v is None else shown_value(k, v, sex, age, scaled),
                         doubt=doubt, doubt_why=why))
    return rows


def short_labels() -> dict[str, str]:
    """key -> the measure module's short label ("QTc Bazett"), as a table or a footnote names a row."""
    return {f.key: f.short for f in _measure().SCALAR_FIELDS}


def doubt_text(rows: list[dict]) -> list[str]:
    """The doubts of ``measurement_rows``' rows, each said once with the rows it touches (their short names), for
    a table's footnote and a CSV's notes column: "Unreliable (?): PR, QRS, QT, QTc Bazett, QTc Fridericia, QTc
    Framingham, P axis, T axis: mains interference (50 Hz) left after its subtraction (all 12 leads)", "Not
    applicable: PR, P axis: atrial flutter: ..."; [] without doubt."""
    short = short_labels()
    said: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        if r.get("doubt"):
            said.setdefault((r["doubt"], r["doubt_why"]), []).append(short.get(r["key"], r["label"]))
    return [f"{doubt[:1].upper()}{doubt[1:]}{f' ({DOUBT_MARK})' if doubt == UNRELIABLE else ''}: {', '.join(names)}: "
            f"{why}" for (doubt, why), names in said.items()]
