"""A sinus statement beside a P wave that is not upright in I and II is marked: a frontal P axis projects upright on
lead I (0 deg) within -90..+90 deg and on lead II (+60 deg) within -30..+150 deg, so on both within -30..+90 (worked
out by hand from the hexaxial reference system). CinC 2021 JS45551 (labelled atrial rhythm, P axis -30.3 deg) had read
"Sinus rhythm, 90 bpm" unmarked."""

from __future__ import annotations

import pytest

from mirage_model.review.interpret import STATEMENTS, interpret

CODES = list(STATEMENTS)
HEAD = "P wave not upright in I and II"


def run(p_axis, pos=None, hr=72.0, pr=160.0, **kw):
    pos = {"SR": 0.9, "NORM": 0.9} if pos is None else pos
    meas = {"heart_rate_bpm": hr, "pr_ms": pr, "qrs_ms": 90.0, "qt_ms": 380.0, "qtc_bazett_ms": 410.0,
            "qtc_fridericia_ms": 405.0, "qrs_axis_deg": 40.0, "p_axis_deg": p_axis, "t_axis_deg": 40.0}
    probs = [pos.get(c, 0.01) for c in CODES]
    return interpret(CODES, probs, [0.5] * len(CODES), meas, "M", irregular=False, rr_nrmssd=0.02, **kw)


def sinus(it):
    return next(s for s in it.statements if s.group == "rhythm")


@pytest.mark.parametrize("p_axis, shown", [(-30.3, "-30.3"), (-60.0, "-60"), (-150.0, "-150"), (90.4, "90.4"),
                                           (120.0, "120")])
def test_a_p_axis_outside_minus_30_to_90_marks_the_sinus_statement(p_axis, shown):
    it = run(p_axis)
    s = sinus(it)
    assert s.text.startswith("Sinus rhythm, 72 bpm")
    assert s.note.startswith(f"{HEAD} (P axis {shown} deg, outside -30..+90 deg)")
    assert "ectopic atrial rhythm or limb lead misplacement?" in s.note
    assert not any(x.code == "NORM" for x in it.statements)
    assert any(r.startswith("normal ECG (90%) not stated: " + HEAD) for r in it.resolved)


@pytest.mark.parametrize("p_axis", [-30.0, -10.0, 0.0, 60.0, 90.0, None])
def test_a_p_wave_upright_in_i_and_ii_leaves_sinus_rhythm_and_normal_ecg(p_axis):
    it = run(p_axis)
    assert sinus(it).note is None
    assert any(x.code == "NORM" for x in it.statements)


def test_the_sinus_rate_rules_are_marked_too():
    assert sinus(run(-60.0, hr=115.0)).note.startswith(HEAD)
    s = sinus(run(150.0, pos={"SBRAD": 0.9}, hr=44.0))
    assert s.rule_id == "sinus_bradycardia" and s.note.startswith(HEAD)


def test_a_p_axis_in_doubt_marks_nothing():
    """Limb leads inconsistent, or every lead scaled to one size (LUDB): the P axis is not the heart's."""
    assert sinus(run(-60.0, limb_leads="II - I - III: 46 % of II's RMS")).note is None
    assert sinus(run(-60.0, scaled=True)).note is None


def test_no_p_wave_keeps_its_own_mark():
    assert not sinus(run(-60.0, pr=None)).note.startswith(HEAD)


def test_atrial_fibrillation_is_not_marked():
    it = run(-60.0, pos={"AFIB": 0.9})
    assert all(not (s.note or "").startswith(HEAD) for s in it.statements)
