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


def test_mains_left_keeps_the_mark_off_and_says_why():
    """Mains interference the measurement cannot subtract (the quality check's "mains_left") puts the P axis in
    doubt as limb leads and scaling do: no mark, "Normal ECG" not withheld for it, the resolved list says why."""
    why = "mains interference (50 Hz) left on Nyquist itself, which the measurement cannot subtract (all 12 leads)"
    it = run(-64.0, mains_left=why)
    assert sinus(it).note is None
    assert any(x.code == "NORM" for x in it.statements)
    assert ("P axis -64 deg (outside -30..+90 deg) not read against the sinus rhythm: unreliable: " + why
            in it.resolved)


@pytest.mark.slow
def test_ptbxl_00338_with_mains_on_nyquist_is_not_marked(ptbxl_root):
    """PTB-XL 00338_lr (fold 8, labelled SR and CLBBB): its P wave is upright in I and II (P axis 13.5 deg measured
    clean). With 50 Hz mains added at its 100 Hz (on Nyquist: no subtraction can take it off) the measured P axis is
    -64 deg, and a sinus statement had been marked "P wave not upright in I and II"."""
    from dataclasses import replace
    from types import SimpleNamespace

    import numpy as np

    from mirage_model.measure import measure
    from mirage_model.perturb import mains
    from mirage_model.quality import assess
    from mirage_model.records.load import load_record
    from mirage_model.review.interpret import interpret_prediction

    rec = load_record(ptbxl_root / "records100" / "00000" / "00338_lr.hea")
    noisy = replace(rec, signal=mains(rec.signal, rec.fs, np.random.default_rng(338), freq_hz=50.0,
                                      amplitude_mv=0.05))
    quality, m = assess(noisy), measure(noisy, fiducials=False)
    assert quality.has("mains_left")
    assert m.pr_ms is not None and not -30.0 <= m.p_axis_deg <= 90.0     # the P axis the mains made
    pred = SimpleNamespace(labels=["SR"], probabilities=[0.9], thresholds=[0.5], withheld="", model_name="test")
    it = interpret_prediction(pred, m, "M", quality=quality, age=69.0)
    s = sinus(it)
    assert s.text.startswith("Sinus rhythm") and s.note is None
    assert any(r.startswith("P axis -64 deg (outside -30..+90 deg) not read against the sinus rhythm: unreliable: "
                            "mains interference (50 Hz) left") for r in it.resolved)
    clean = measure(rec, fiducials=False)
    assert -30.0 <= clean.p_axis_deg <= 90.0
