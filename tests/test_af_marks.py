"""An atrial fibrillation statement that more than one measurement doubts carries every mark
(``interpret.rhythm.with_af_mark``), each written by hand here: RR intervals alternating short and long over flutter
waves, premature atrial complexes called beside P-like waves alike beat to beat, a regular slow ventricular rhythm
that takes the place of the regular-rhythm mark beside another."""

from __future__ import annotations

import numpy as np

from mirage_model.measure import AtrialActivity
from mirage_model.review.interpret import interpret
from mirage_model.review.interpret.av_conduction import ALTERNATING_MARK, AF_SLOW_MARK
from mirage_model.review.interpret.flutter import AF_FLUTTER_MARK
from mirage_model.review.interpret.rhythm import (AF_MARKS_JOINED, AF_P_MARK, AF_PAC_NOTE, AF_REGULAR_MARK,
                                                  AF_STEADY_P_MARK, PAC_AF_NOTE)


def _af(it):
    return next(s for s in it.statements if s.code == "AFIB")


def test_group_beating_over_flutter_waves_carries_both_marks():
    """PTB-XL 03097 (folds 1-8, labelled AFIB) read "Atrial fibrillation" marked for group beating alone, its
    flutter-rate peak's mark dropped. RR 0.51 and 1.23 s alternating five times (bigeminy) and one peak at 5 Hz
    (300/min) in II, III, aVF and V1 holding 80, 80, 80 and 40 % of the power (V1 short of the flutter rule's 75 %):
    both marks, the group beating's first (the order they are put), each with the values set here."""
    beats = np.concatenate([[0.3], 0.3 + np.cumsum([0.51, 1.23] * 5)])
    a = AtrialActivity(("II", "III", "aVF", "V1"), np.full(4, 5.0), np.array([0.8, 0.8, 0.8, 0.4]),
                       harmonic_ratio=np.full(4, 0.3))
    m = {"heart_rate_bpm": 69.0, "qrs_ms": 90.0}
    it = interpret(["AFIB", "NORM"], [0.9, 0.9], [0.5, 0.5], m, "M", beats_s=beats, irregular=True, rr_nrmssd=0.8,
                   atrial_activity=a)
    marks = _af(it).note.split(AF_MARKS_JOINED)
    assert len(marks) == 2, marks
    assert marks[0].startswith(ALTERNATING_MARK + " (10 of 10: 0.51-0.51 s and 1.23-1.23 s)")
    assert marks[1].startswith(AF_FLUTTER_MARK + " at 300/min") and "40%-80%" in marks[1]
    assert "Normal ECG" not in it.text()
    assert it.notes_text().count(ALTERNATING_MARK) == 1 and it.notes_text().count(AF_FLUTTER_MARK) == 1


def test_premature_atrial_complexes_and_p_like_waves_both_mark_atrial_fibrillation():
    """The model's AF and PAC both above threshold, and P-like waves before the QRS alike at correlation 0.70 (over
    the 0.60 that marks AF): both marks on AF; the PAC statement keeps its own."""
    m = {"heart_rate_bpm": 90.0, "qrs_ms": 90.0}
    it = interpret(["AFIB", "PAC"], [0.9, 0.9], [0.5, 0.5], m, "M", irregular=True, p_correlation=0.70)
    marks = _af(it).note.split(AF_MARKS_JOINED)
    assert len(marks) == 2 and marks[0] == AF_PAC_NOTE, marks
    assert marks[1].startswith(AF_P_MARK + ", alike beat to beat at correlation 0.70")
    assert next(s for s in it.statements if s.code == "PAC").note == PAC_AF_NOTE


def test_a_regular_slow_rhythm_takes_the_regular_mark_s_place_beside_another():
    """RR 1.60 s six times (37.5 bpm, regular by both AF measures) and P-like waves alike at 0.70: the regular-rhythm
    mark gives way to the slow one (complete AV block?), the P-like waves' stays, first."""
    beats = np.arange(6) * 1.6 + 0.3
    m = {"heart_rate_bpm": 37.5, "qrs_ms": 90.0, "rr_ms": 1600.0}
    it = interpret(["AFIB"], [0.9], [0.5], m, "M", beats_s=beats, irregular=False, rr_nrmssd=0.01,
                   p_correlation=0.70)
    marks = _af(it).note.split(AF_MARKS_JOINED)
    assert len(marks) == 2 and marks[0].startswith(AF_P_MARK)
    assert marks[1].startswith(AF_SLOW_MARK + " at 38 bpm (RR 1.60-1.60 s)")
    assert not any(k.startswith(AF_REGULAR_MARK) for k in marks)


def test_two_marks_with_one_advice_say_it_once():
    """P waves found beat by beat at a constant PR (60 % of the complexes, PR interquartile range 6 ms) and P-like
    waves alike beat to beat (correlation 0.70) both doubt the model's AF, and both end by asking the reader to look
    for P waves: the advice is said once, after the last mark that gives it, each mark keeping its own values."""
    beats = 0.3 + np.cumsum([0.62, 0.91, 0.55, 0.98, 0.7, 0.84, 0.6, 1.0])
    m = {"heart_rate_bpm": 78.0, "qrs_ms": 90.0}
    it = interpret(["AFIB"], [0.9], [0.5], m, "M", beats_s=beats, irregular=True, rr_nrmssd=0.3,
                   p_correlation=0.70, p_share=0.6, pr_iqr_ms=6.0)
    note = _af(it).note
    marks = note.split(AF_MARKS_JOINED)
    assert len(marks) == 2, marks
    assert marks[0].startswith(AF_STEADY_P_MARK + " before 60% of the QRS complexes") and "range 6 ms" in marks[0]
    assert marks[1].startswith(AF_P_MARK + ", alike beat to beat at correlation 0.70")
    assert note.count("check for P waves") == 1 and note.endswith("(premature atrial beats can read as AF)")
