"""AV conduction read from the P waves found beat by beat (``review.interpret.av_conduction``): second-degree AV
block, high-grade block and AV dissociation, the PR withheld, atrial fibrillation marked. The P waves and beats are
written by hand, each pattern as a textbook draws it."""

from __future__ import annotations

import numpy as np

from mirage_model.measure.p_waves import BeatPWaves, blocked_p, p_interval
from mirage_model.review.interpret import interpret
from mirage_model.review.interpret.av_conduction import (AF_MARK, ALTERNATING_MARK, SUGGESTED, alternating_note,
                                                         av_conduction)


def _waves(p_s, beats_s, pr_ms) -> BeatPWaves:
    p_s = np.asarray(p_s, dtype=float)
    beats = np.asarray(beats_s, dtype=float)
    pp, regular = p_interval(p_s)
    return BeatPWaves(p_s, np.ones(len(p_s)), blocked_p(p_s, beats), np.asarray(pr_ms, dtype=float), pp, regular)


def _wenckebach():
    """P every 0.8 s; PR 160, 260, 320 ms then a non-conducted P wave, three times (4:3)."""
    p, beats, pr = [], [], []
    for g in range(3):
        for k, d in enumerate((160, 260, 320, None)):
            t = 0.2 + 0.8 * (4 * g + k)
            p.append(t)
            if d is not None:
                beats.append(t + d / 1000.0)
                pr.append(d)
    return p, beats, pr


def test_av_conduction_reads_each_pattern():
    p = [0.2 + 0.8 * k for k in range(12)]
    two = av_conduction(_waves(p, [t + 0.18 for t in p[::2]], [180.0] * 6), [t + 0.18 for t in p[::2]], 37.5, False)
    assert two.statement.text.startswith("Second degree AV block, 2:1") and two.pr_doubt == ""
    assert two.statement.note.startswith(SUGGESTED) and two.af_note.startswith(AF_MARK)
    pw, bw, prw = _wenckebach()
    wb = av_conduction(_waves(pw, bw, prw), bw, 56.0, False)
    assert "Mobitz I (Wenckebach)" in wb.statement.text and "PR 160-320 ms" in wb.pr_doubt
    keep = [k for k in range(12) if k % 4 != 3]                 # 4:3 at a constant PR 200 ms
    bm = [p[k] + 0.2 for k in keep]
    mz = av_conduction(_waves(p, bm, [200.0] * len(bm)), bm, 56.0, False)
    assert "Mobitz II" in mz.statement.text and mz.pr_doubt == ""
    # 3:1 at a constant PR, the P wave on each T wave not found (a P-P interval of two cycles)
    p3 = [0.2 + 0.53 * k for k in range(18) if k % 3 != 1]
    b3 = [0.2 + 0.53 * k + 0.2 for k in range(0, 18, 3)]
    hg = av_conduction(_waves(p3, b3, [200.0] * len(b3)), b3, 37.7, False)
    assert hg.statement.text.startswith("High-grade AV block, 3:1") and hg.pr_doubt == ""
    # dissociation: P every 0.7 s, QRS every 1.5 s on its own
    pd_ = [0.1 + 0.7 * k for k in range(14)]
    bd = [0.5 + 1.5 * k for k in range(6)]
    prd = [(b - max(t for t in pd_ if t < b)) * 1000.0 for b in bd]
    dis = av_conduction(_waves(pd_, bd, prd), bd, 40.0, False)
    assert dis.statement.text.startswith("AV dissociation, complete AV block?") and dis.pr_doubt
    assert dis.statement.rule_id == "av_dissociation"


def test_av_conduction_says_nothing_on_sinus_rhythm_paced_or_unmeasured():
    p = [0.2 + 0.8 * k for k in range(12)]
    b = [t + 0.16 for t in p]
    assert av_conduction(_waves(p, b, [160.0] * 12), b, 75.0, False).statement is None
    assert av_conduction(_waves(p, b, [160.0] * 12), b, 75.0, False).af_note is None
    two = [t + 0.18 for t in p[::2]]
    assert av_conduction(_waves(p, two, [180.0] * 6), two, 37.5, True).statement is None      # paced
    assert av_conduction(None, None, 60.0, False).statement is None


def test_interpretation_says_the_block_and_withholds_the_pr():
    labels, probs, thr = ["SR", "NORM"], [0.9, 0.6], [0.5, 0.5]
    pw, bw, prw = _wenckebach()
    m = {"heart_rate_bpm": 56.0, "pr_ms": 260.0, "qrs_ms": 90.0, "rr_ms": 1071.0}
    it = interpret(labels, probs, thr, m, "M", p_waves=_waves(pw, bw, prw), beats_s=np.asarray(bw))
    texts = [s.text for s in it.statements]
    assert any(t.startswith("Second degree AV block, Mobitz I") for t in texts), texts
    assert not any("First degree" in t for t in texts) and "Normal ECG" not in texts
    assert any(r.startswith("first degree AV block (PR 260 ms) not stated: P waves not conducted") for r in it.resolved)
    assert it.p_doubt.startswith("P waves not conducted at a fixed PR")
    assert "Mobitz I (Wenckebach)" in it.text() and "(?)" in it.text()
    plain = interpret(labels, probs, thr, m, "M")
    assert any(t.startswith("First degree AV block") for t in (s.text for s in plain.statements))
    assert plain.p_doubt == ""


def test_interpretation_marks_atrial_fibrillation_over_marching_p_waves():
    p = [0.2 + 0.8 * k for k in range(12)]
    b = [t + 0.18 for t in p[::2]]
    m = {"heart_rate_bpm": 37.5, "qrs_ms": 90.0, "rr_ms": 1600.0}
    it = interpret(["AFIB"], [0.9], [0.5], m, "M", p_waves=_waves(p, b, [180.0] * 6), beats_s=np.asarray(b))
    af = next(s for s in it.statements if s.code == "AFIB")
    assert af.note is not None and af.note.startswith(AF_MARK)
    plain = interpret(["AFIB"], [0.9], [0.5], m, "M")
    assert next(s for s in plain.statements if s.code == "AFIB").note is None


def test_sinus_bradycardia_by_the_ventricular_rate_is_marked_beside_the_block():
    """3:1 at an atrial rate of 113/min, the ventricular 38 bpm: "Sinus bradycardia" reads the QRS rate, not the
    sinus node's; marked. Without the P waves it stands unmarked."""
    p3 = [0.2 + 0.53 * k for k in range(18) if k % 3 != 1]
    b3 = [0.2 + 0.53 * k + 0.2 for k in range(0, 18, 3)]
    m = {"heart_rate_bpm": 37.7, "pr_ms": 200.0, "qrs_ms": 90.0, "rr_ms": 1590.0}
    it = interpret(["SBRAD"], [0.9], [0.5], m, "M", p_waves=_waves(p3, b3, [200.0] * len(b3)), beats_s=np.asarray(b3))
    brady = next(s for s in it.statements if s.text.startswith("Sinus bradycardia"))
    assert brady.note == "the ventricular rate: P waves at 113/min, not all conducted (AV block?)"
    assert any(s.text.startswith("High-grade AV block, 3:1") for s in it.statements)
    plain = interpret(["SBRAD"], [0.9], [0.5], m, "M")
    assert next(s for s in plain.statements if s.text.startswith("Sinus bradycardia")).note is None


def test_atrial_fibrillation_at_a_regular_slow_ventricular_rate_asks_for_complete_av_block():
    """In AF the ventricular response is irregularly irregular (Hindricks et al. 2021); at a regular 37.5 bpm (RR
    1.60 s, 60 / 1.6 by hand) the AV node conducts none of it: AF with complete AV block and an escape rhythm, or not
    AF. PTB-XL 16271 (folds 1-8, labelled 3AVB, RR 1.59-1.62 s) had read "Atrial fibrillation, 37 bpm, most probable
    rhythm (below its threshold) (?)" marked "atrial flutter or tachycardia?". Normal ECG is never beside it."""
    b = np.arange(6) * 1.6 + 0.3
    m = {"heart_rate_bpm": 37.5, "qrs_ms": 90.0, "rr_ms": 1600.0}
    for kw in ({}, {"irregular": False, "rr_nrmssd": 0.01}):
        it = interpret(["AFIB", "NORM"], [0.9, 0.9], [0.5, 0.5], m, "M", beats_s=b, **kw)
        af = next(s for s in it.statements if s.code == "AFIB")
        assert af.note == ("regular ventricular rhythm at 38 bpm (RR 1.60-1.60 s): atrial fibrillation with complete "
                           "AV block, or another rhythm? (check the P waves)")
        assert "(?)" in it.text() and "Normal ECG" not in it.text()


def test_atrial_fibrillation_is_not_so_marked_irregular_fast_or_paced():
    """RR 1.2, 1.8, 1.4, 2.0 s (varying by 0.8 s, over the 0.16 s of sinus arrhythmia) is irregular, by the beats or
    measured so (the rate statement says "irregular"); a regular 100 bpm is no bradycardia (its own mark asks for
    flutter or tachycardia); a paced rhythm is regular by the pacemaker."""
    irregular = np.cumsum([0.3, 1.2, 1.8, 1.4, 2.0])
    m = {"heart_rate_bpm": 37.5, "qrs_ms": 90.0}
    for flag in (None, True):
        it = interpret(["AFIB"], [0.9], [0.5], m, "M", beats_s=irregular, irregular=flag)
        assert next(s for s in it.statements if s.code == "AFIB").note is None
    fast = np.arange(16) * 0.6 + 0.3
    it = interpret(["AFIB"], [0.9], [0.5], {"heart_rate_bpm": 100.0, "qrs_ms": 90.0}, "M", beats_s=fast,
                   irregular=False, rr_nrmssd=0.01)
    assert next(s for s in it.statements if s.code == "AFIB").note.startswith("a regular rhythm")
    paced = np.arange(6) * 1.6 + 0.3
    it = interpret(["AFIB"], [0.9], [0.5], m, "M", beats_s=paced, paced="6 stimuli before 6 beats")
    assert next(s for s in it.statements if s.code == "AFIB").note is None


def _beats(rr) -> np.ndarray:
    """(n + 1,) beat times (s) 0.3 s in, with the RR intervals ``rr`` (n,) s between them."""
    return np.concatenate([[0.3], 0.3 + np.cumsum(rr)])


def test_atrial_fibrillation_over_rr_intervals_alternating_short_and_long_is_marked():
    """Atrial fibrillation is irregularly irregular (Hindricks et al. 2021); RR intervals alternating 0.51 and 1.23 s
    (ventricular bigeminy, PTB-XL 17408 of folds 1-8, labelled BIGU, read "Atrial fibrillation, 72 bpm, irregular, most
    probable rhythm" unmarked) or 1.15 and 1.80 s (3:2 group beating, 07688, labelled 3AVB) are regularly irregular:
    the AF statement, the model's or the AF rule's, is marked, the intervals named as set here."""
    bigeminy = _beats([0.51, 1.23] * 5)
    m = {"heart_rate_bpm": 69.0, "qrs_ms": 90.0}
    it = interpret(["AFIB", "NORM"], [0.9, 0.9], [0.5, 0.5], m, "M", beats_s=bigeminy, irregular=True, rr_nrmssd=0.8)
    af = next(s for s in it.statements if s.code == "AFIB")
    assert af.note is not None and af.note.startswith(ALTERNATING_MARK + " (10 of 10: 0.51-0.51 s and 1.23-1.23 s)")
    assert "(?)" in it.text() and "Normal ECG" not in it.text()
    # the AF rule's (the model's AF 30 %, below its threshold; irregular, no P wave measured)
    ruled = interpret(["AFIB", "SR", "NORM"], [0.3, 0.2, 0.9], [0.5, 0.5, 0.5], m, "M", beats_s=bigeminy,
                      irregular=True, rr_nrmssd=0.8)
    af = next(s for s in ruled.statements if s.text.startswith("Atrial fibrillation"))
    assert af.note is not None and af.note.startswith(ALTERNATING_MARK)
    assert "Normal ECG" not in ruled.text()
    assert alternating_note(_beats([1.15, 1.80] * 3), False).startswith(
        ALTERNATING_MARK + " (6 of 6: 1.15-1.15 s and 1.80-1.80 s)")
    # after 8 sinus beats at 0.59 s, 9 alternating intervals of 17: more than half of the record
    assert alternating_note(_beats([0.59] * 8 + [0.36, 0.81] * 4 + [0.36]), False).startswith(
        ALTERNATING_MARK + " (9 of 17: 0.36-0.36 s and 0.81-0.81 s)")


def test_atrial_fibrillation_is_not_marked_group_beating_irregularly_irregular_short_or_paced():
    """An irregularly irregular series (its short intervals within 0.15 s, 0.55-0.70 s, but its long ones 0.78-1.05 s,
    0.27 s apart: over the 0.16 s of sinus arrhythmia), 5 alternating intervals (under 6), alternation over fewer than
    half of the intervals (6 of 14), and a paced rhythm read no mark."""
    irregular = _beats([0.62, 0.91, 0.55, 0.78, 0.70, 1.05, 0.60, 0.85])
    m = {"heart_rate_bpm": 80.0, "qrs_ms": 90.0}
    it = interpret(["AFIB"], [0.9], [0.5], m, "M", beats_s=irregular, irregular=True, rr_nrmssd=0.3)
    assert next(s for s in it.statements if s.code == "AFIB").note is None
    assert alternating_note(_beats([0.51, 1.23, 0.51, 1.23, 0.51]), False) is None
    assert alternating_note(_beats([0.8] * 8 + [0.5, 1.2] * 3), False) is None
    assert alternating_note(_beats([0.51, 1.23] * 5), True) is None
    # short ones 0.45-0.70 s apart by 0.25 s: no fixed coupling
    assert alternating_note(_beats([0.45, 1.3, 0.70, 1.3, 0.5, 1.3, 0.6, 1.3]), False) is None
