"""A pause: the longest RR interval over 3 s named, with where it lies, the rhythm around it judged on the other RR
intervals (``review.interpret.pause``); a long RR over a stretch the quality check names as without signal is that
stretch, not a pause. PTB-XL 09969 (fold 1, sinus rhythm 72 bpm) with 3.4 s of its own baseline spliced after a
beat had read "Sinus rhythm, 52 bpm, irregular" with nothing of the pause."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from mirage_model.measure import measure
from mirage_model.quality.findings import Finding
from mirage_model.review.interpret import STATEMENTS, interpret, interpret_prediction
from mirage_model.review.interpret.pause import PAUSE_S, Pause, pause_of
from test_measure import synthetic_record

CODES = list(STATEMENTS)
FLAT = "no signal in any lead for 2.0 s of the record's 10.0 s"
# beats every 0.8 s (75 bpm), one RR of 3.4 s after the 4th: worked out by hand, the pause runs from 2.4 to 5.8 s
BEATS_S = [0.0, 0.8, 1.6, 2.4, 5.8, 6.6, 7.4, 8.2, 9.0, 9.8]


def run(pos: dict, meas: dict, **kw):
    probs = [pos.get(c, 0.01) for c in CODES]
    return interpret(CODES, probs, [0.3] * len(CODES), meas, "M", age=None, **kw)


def test_pause_of_finds_the_longest_rr_and_the_rate_of_the_others():
    p = pause_of(np.array(BEATS_S) * 100, 100.0)
    assert p is not None and p.gap is None
    assert abs(p.rr_s - 3.4) < 1e-9 and abs(p.start_s - 2.4) < 1e-9
    assert abs(p.rate_bpm - 75.0) < 1e-9                 # 60 / 0.8 s
    assert p.irregular is False and p.rr_nrmssd < 1e-9   # the other RR intervals alike


def test_no_pause_at_3_s_or_less():
    assert pause_of(np.array([0.0, 0.8, 3.8, 4.6]) * 100, 100.0) is None      # 3.0 s: not longer than 3 s
    assert PAUSE_S == 3.0


def test_a_gap_the_quality_check_names_is_no_pause():
    flat = Finding("flat_stretch", FLAT, "critical")
    assert pause_of(np.array(BEATS_S) * 100, 100.0, [flat]).gap == FLAT
    burst = Finding("noise_burst", "noise burst or electrode pop over a beat (V1)", "warning", span_s=(3.0, 4.0))
    noisy = pause_of(np.array(BEATS_S) * 100, 100.0, [burst])            # noise over it: said, marked
    assert noisy.gap is None and noisy.doubt.startswith("noise burst or electrode pop over a beat (V1) over it")
    elsewhere = Finding("noise_burst", "noise burst", "warning", span_s=(7.0, 7.5))     # not over 2.4-5.8 s
    assert pause_of(np.array(BEATS_S) * 100, 100.0, [elsewhere]).gap is None


def test_a_gap_hides_only_the_long_rr_it_meets():
    """A flat stretch with its span (the quality check gives one where it is one stretch) 2.7 s after the pause's end
    had kept the pause unsaid; over the pause it still does, and without a span (flat in several places) anywhere."""
    away = Finding("flat_stretch", FLAT, "critical", span_s=(8.5, 9.5))
    p = pause_of(np.array(BEATS_S) * 100, 100.0, [away])
    assert p.gap is None and abs(p.rr_s - 3.4) < 1e-9 and abs(p.start_s - 2.4) < 1e-9
    assert abs(p.rate_bpm - 75.0) < 1e-9
    over = Finding("flat_stretch", FLAT, "critical", span_s=(3.0, 5.0))
    assert pause_of(np.array(BEATS_S) * 100, 100.0, [over]).gap == FLAT
    missing = Finding("samples_missing", "samples missing", "warning", ("V1",), span_s=(0.0, 1.0))
    assert pause_of(np.array(BEATS_S) * 100, 100.0, [missing]).gap is None


def test_the_pause_is_the_longest_rr_no_gap_meets():
    """A 4.0 s RR over a flat stretch (6.6-10.6 s) and a 3.4 s one clear of it (1.6-5.0 s): the 3.4 s is the pause;
    the rate outside it is that of the three 0.8 s RR intervals (75 bpm). Had the flat stretch no span, the longest
    RR is named with it and no pause said."""
    beats = np.array([0.0, 0.8, 1.6, 5.0, 5.8, 6.6, 10.6]) * 100
    flat = Finding("flat_stretch", FLAT, "critical", span_s=(7.0, 10.0))
    p = pause_of(beats, 100.0, [flat])
    assert p.gap is None and abs(p.rr_s - 3.4) < 1e-9 and abs(p.start_s - 1.6) < 1e-9
    assert abs(p.rate_bpm - 75.0) < 1e-9
    p = pause_of(beats, 100.0, [Finding("flat_stretch", FLAT, "critical")])
    assert p.gap == FLAT and abs(p.rr_s - 4.0) < 1e-9 and abs(p.start_s - 6.6) < 1e-9


def test_beats_made_of_a_noise_burst_are_set_aside():
    """A noise burst over the pause (3.05-5.05 s, as the check spans it) made two beats of its noise (3.3 and 4.6 s):
    no RR was over 3 s and nothing was said. They are set aside, and the 3.4 s across the burst is said marked "(?)"
    with the burst's words (it had been named in the resolved list alone). In a regular rhythm a burst over one beat
    sets that beat aside and invents no pause."""
    burst = Finding("noise_burst", "noise burst or electrode pop over a beat (V1 at 3.6 s)", "warning", ("V1",),
                    span_s=(3.05, 5.05))
    beats = np.array(sorted(BEATS_S + [3.3, 4.6])) * 100
    assert pause_of(beats, 100.0) is None                                   # the noise's beats read as beats
    p = pause_of(beats, 100.0, [burst])
    assert p.gap is None and abs(p.rr_s - 3.4) < 1e-9 and abs(p.start_s - 2.4) < 1e-9
    assert p.doubt == (f"{burst.name} over it (quality check): its beats set aside, a beat hidden in the noise would "
                       "shorten it")
    regular = np.arange(0.0, 10.0, 0.8) * 100
    assert pause_of(regular, 100.0, [Finding("noise_burst", "burst", "warning", span_s=(3.75, 4.45))]) is None


def test_the_rate_outside_the_pause_leaves_out_the_rr_across_a_flat_stretch():
    """The pause of 3.4 s (2.4-5.8 s) and every lead flat at 8.5-9.5 s, where the beat at 9.0 s is lost: the 1.6 s
    from 8.2 to 9.8 s is no RR of the rhythm. The rate outside the pause is that of the 0.8 s RR intervals, 75 bpm,
    regular (with the 1.6 s: 66 bpm, irregular); the flat stretch had kept the pause unsaid."""
    beats = np.array([b for b in BEATS_S if b != 9.0]) * 100
    p = pause_of(beats, 100.0, [Finding("flat_stretch", FLAT, "critical", span_s=(8.5, 9.5))])
    assert p.gap is None and abs(p.rr_s - 3.4) < 1e-9
    assert abs(p.rate_bpm - 75.0) < 1e-9 and p.irregular is False and p.rr_nrmssd < 1e-9


def test_the_rate_outside_the_pause_leaves_out_the_rr_across_noise():
    """The pause of 3.4 s (2.4-5.8 s) said in a rhythm at 0.8 s; an artefact at 6.9-7.2 s made a beat of its noise at
    7.0 s, between the beats at 6.6 and 7.4 s: its two RR intervals of 0.4 s had made the rate outside the pause
    84 bpm and irregular. Set aside, the rate is that of the 0.8 s RR intervals, 75 bpm, and regular."""
    beats = np.array(sorted(BEATS_S + [7.0])) * 100
    assert abs(pause_of(beats, 100.0).rate_bpm - 60.0 / (6.4 / 9)) < 1e-9              # 84.4 bpm, noise in it
    p = pause_of(beats, 100.0, [Finding("artefact", "large artefact at 6.9-7.2 s", "critical", span_s=(6.9, 7.2))])
    assert p.gap is None and abs(p.rr_s - 3.4) < 1e-9
    assert abs(p.rate_bpm - 75.0) < 1e-9 and p.irregular is False


def test_sinus_rhythm_with_a_pause_says_the_pause_and_the_rate_outside_it():
    it = run({"SR": 0.9}, {"heart_rate_bpm": 52.0, "qrs_ms": 90.0, "pr_ms": 150.0}, irregular=True,
             rr_nrmssd=0.5, pause=Pause(3.4, 3.8, 72.0, False, 0.03, None))
    texts = [s.text for s in it.statements]
    assert texts[0] == "Sinus rhythm, 72 bpm outside the pause (52 bpm mean with it)"
    assert texts[1] == "Pause of 3.4 s (at 3.8 s)"
    assert it.statements[1].rule_id == "pause" and "> 3 s (Kusumoto et al. 2019" in it.statements[1].rule


def test_a_pause_makes_no_sinus_bradycardia_of_a_sinus_rhythm():
    # 45 bpm mean with a 3.6 s pause; 66 bpm without it: sinus rhythm, not sinus bradycardia (< 50 bpm)
    it = run({"SR": 0.9}, {"heart_rate_bpm": 45.0, "qrs_ms": 90.0, "pr_ms": 150.0}, irregular=True,
             rr_nrmssd=0.5, pause=Pause(3.6, 3.9, 66.0, False, 0.03, None))
    assert not any(s.rule_id == "sinus_bradycardia" for s in it.statements)
    assert it.first.text.startswith("Sinus rhythm, 66 bpm outside the pause")


def test_atrial_fibrillation_with_a_pause():
    it = run({"AFIB": 0.9}, {"heart_rate_bpm": 61.0, "qrs_ms": 90.0}, irregular=True, rr_nrmssd=0.4,
             pause=Pause(3.4, 3.9, 88.0, True, 0.3, None))
    texts = [s.text for s in it.statements]
    assert texts[0] == "Atrial fibrillation, 88 bpm outside the pause (61 bpm mean with it), irregular"
    assert texts[1] == "Pause of 3.4 s (at 3.9 s)"


def test_normal_ecg_is_not_said_beside_a_pause():
    it = run({"SR": 0.9, "NORM": 0.9}, {"heart_rate_bpm": 65.0, "qrs_ms": 90.0, "pr_ms": 150.0}, irregular=True,
             rr_nrmssd=0.5, pause=Pause(3.2, 4.6, 72.0, False, 0.03, None))
    assert not any(s.code == "NORM" for s in it.statements)
    assert any(r.startswith("normal ECG (90%) not stated: pause of 3.2 s") for r in it.resolved)


def test_a_gap_is_said_in_the_resolved_list_and_the_rate_stays_the_mean():
    it = run({"SR": 0.9}, {"heart_rate_bpm": 52.0, "qrs_ms": 90.0, "pr_ms": 150.0}, irregular=True, rr_nrmssd=0.5,
             pause=Pause(3.4, 3.8, 72.0, False, 0.03, FLAT))
    assert not any(s.rule_id == "pause" for s in it.statements)
    assert it.first.text == "Sinus rhythm, 52 bpm, irregular"
    assert f"longest RR interval 3.4 s (at 3.8 s) not called a pause: {FLAT} (quality check)" in it.resolved


def test_a_measured_record_with_a_pause_through_interpret_prediction():
    """P-QRS-T beats every 0.8 s with one RR of 3.4 s after the beat whose P wave starts at 2.7 s (its R peak at
    about 2.9 s): 9 RR intervals of 0.8 s (75 bpm) and the pause, 10.6 s over 10 RR intervals, 57 bpm mean."""
    rr = [800.0] * 4 + [3400.0] + [800.0] * 20
    m = measure(synthetic_record(pr_ms=160.0, rr_cycle=rr, seconds=12.0)[0])
    pred = SimpleNamespace(labels=CODES, probabilities=np.array([0.9 if c == "SR" else 0.01 for c in CODES]),
                           thresholds=np.full(len(CODES), 0.3), withheld=None, model_name="m")
    texts = [s.text for s in interpret_prediction(pred, m, "M", age=None).statements]
    assert texts[0] == "Sinus rhythm, 75 bpm outside the pause (57 bpm mean with it)"
    assert texts[1] == "Pause of 3.4 s (at 2.9 s)"


def test_the_resolved_line_of_a_rate_word_dropped_beside_a_pause_names_the_rate_outside_it():
    """The model's sinus bradycardia (45 bpm mean with a 3.6 s pause, 66 bpm without it) is dropped by the rate
    rule; its resolved line had said "measured rate 66 bpm", the mean being 45: it now says which rate it is. A
    sinus bradycardia said outside the pause (44 bpm without it, 38 with it) cites that rate in its rule."""
    it = run({"SR": 0.9, "SBRAD": 0.8}, {"heart_rate_bpm": 45.0, "qrs_ms": 90.0, "pr_ms": 150.0}, irregular=True,
             rr_nrmssd=0.5, pause=Pause(3.6, 3.9, 66.0, False, 0.03, None))
    assert not any(s.rule_id == "sinus_bradycardia" for s in it.statements)
    dropped = [line for line in it.resolved if line.startswith("model's sinus bradycardia")]
    assert dropped == ["model's sinus bradycardia (80%) not stated: measured rate 66 bpm outside the pause "
                       "(45 bpm mean with it)"], it.resolved
    slow = run({"SR": 0.9, "SBRAD": 0.8}, {"heart_rate_bpm": 38.0, "qrs_ms": 90.0, "pr_ms": 150.0}, irregular=True,
               rr_nrmssd=0.5, pause=Pause(3.6, 3.9, 44.0, False, 0.03, None))
    brady = [s for s in slow.statements if s.rule_id == "sinus_bradycardia"]
    assert brady and brady[0].rule.startswith("rate 44 bpm outside the pause (38 bpm mean with it) < 50 bpm")
    # no pause: the rate as before
    plain = run({"SR": 0.9, "SBRAD": 0.8}, {"heart_rate_bpm": 66.0, "qrs_ms": 90.0, "pr_ms": 150.0})
    assert "model's sinus bradycardia (80%) not stated: measured rate 66 bpm" in plain.resolved


def test_the_session_interpretation_names_the_pause_as_mirage_score_does(tmp_path):
    """The app, the PDF's page 1 and the serial comparison build the interpretation from the session's reviewed
    table (``session_interpretation``), a mapping without the beats: no pause was found there, and the record of
    the test above, opened as the app opens it (the rules alone), read "Rhythm not classified, 57 bpm, irregular"
    where mirage score's column names the pause. The pause now comes from the session's measured beats."""
    import wfdb

    from mirage_model.review.interpret import session_interpretation
    from mirage_model.review.opening import session_from_file

    rr = [800.0] * 4 + [3400.0] + [800.0] * 20
    record = synthetic_record(pr_ms=160.0, rr_cycle=rr, seconds=12.0)[0]
    wfdb.wrsamp("paused", fs=record.fs, units=["mV"] * len(record.sig_name), sig_name=list(record.sig_name),
                p_signal=record.signal.T, fmt=["16"] * len(record.sig_name), write_dir=str(tmp_path))
    session = session_from_file(tmp_path / "paused.hea")        # the rules alone, as the app opens it
    texts = [s.text for s in session_interpretation(session).statements]
    assert texts[:2] == ["Rhythm not classified, 75 bpm outside the pause (57 bpm mean with it)",
                         "Pause of 3.4 s (at 2.9 s)"], texts
    # the reviewer corrects the rate: the measured beats are not the record's, and no pause or rate outside it is
    # read from them; the reviewer's 40 bpm is the rhythm's rate
    session.set_measurement_edit("heart_rate_bpm", 40.0)
    texts = [s.text for s in session_interpretation(session).statements]
    assert not any("pause" in t.lower() for t in texts) and texts[0].startswith("Rhythm not classified, 40 bpm"), texts


def _ludb_1_paused(held: bool = False, pause_s: float = 3.5):
    """LUDB 1 (500 Hz, sinus rhythm at about 46 bpm) with a pause spliced in: after the T wave of the beat LUDB marks
    at 2.684 s (lead II's QRS annotations), 0.6 of its RR on, that beat's own TP baseline (mirrored back and forth, its
    level that of the cut) is put in until the RR is ``pause_s``, the rest pushed later and cut at 10 s; ``held``: the
    cut's value held instead (no signal in any lead). Returns the record, its (12, T) signal, the pause's start and
    end (s) as put there, from LUDB's marks, and the cut (s)."""
    import wfdb
    from pathlib import Path

    from mirage_model.paths import resources_dir
    from mirage_model.records import load_record

    rec = load_record(resources_dir() / "samples" / "ludb" / "1")
    ann = wfdb.rdann(str(Path(__file__).resolve().parent / "data" / "ludb" / "1"), "ii")
    r = np.asarray(ann.sample)[np.asarray(ann.symbol) == "N"]              # 1.324, 2.684, 4.0, ... s
    fs, x = rec.fs, rec.signal.astype(np.float64)
    rr = r[2] - r[1]
    cut, n = int(r[1] + 0.6 * rr), int(round(pause_s * fs)) - rr
    tp = x[:, cut:int(r[2] - 0.25 * rr)]
    tp = np.concatenate([tp, tp[:, ::-1]], axis=1) - tp[:, :1] + x[:, cut:cut + 1]
    fill = np.repeat(x[:, cut:cut + 1], n, axis=1) if held else np.tile(tp, (1, n // tp.shape[1] + 1))[:, :n]
    x = np.concatenate([x[:, :cut], fill, x[:, cut:]], axis=1)[:, :x.shape[1]]
    return rec, x, r[1] / fs, (r[2] + n) / fs, cut / fs


def _pause_measured(rec, x):
    import dataclasses

    from mirage_model.quality import assess

    rec = dataclasses.replace(rec, signal=x.astype(np.float32))
    m, q = measure(rec, fiducials=False), assess(rec)
    return pause_of(m.beats, m.fs, q.findings, dominant=m.dominant), m, q


def test_a_real_record_with_a_pause_and_a_flat_stretch_elsewhere_says_the_pause():
    """LUDB 1 with a 3.5 s pause put in at 2.684 s and every lead held flat from 9.0 s to its end (2.8 s after the
    pause): the quality check names the flat stretch there, and the pause, which it had kept unsaid, is said. Held
    flat over the pause itself, the long RR is named with the flat stretch, no pause."""
    rec, x, start, end, _ = _ludb_1_paused()
    x[:, int(9.0 * rec.fs):] = x[:, int(9.0 * rec.fs)][:, None]
    p, _, q = _pause_measured(rec, x)
    flat = next(f for f in q.findings if f.code == "flat_stretch")
    assert flat.span_s == (9.0, 10.0)
    assert p is not None and p.gap is None, p
    assert abs(p.start_s - start) < 0.02 and abs(p.rr_s - (end - start)) < 0.02          # 2.684 s, 3.5 s
    rec, x, start, end, _ = _ludb_1_paused(held=True)
    p, _, q = _pause_measured(rec, x)
    assert q.has("flat_stretch") and p.gap == next(f.name for f in q.findings if f.code == "flat_stretch")
    assert abs(p.rr_s - (end - start)) < 0.02


def test_a_noise_burst_over_a_real_pause_is_named_not_read_as_beats():
    """LUDB 1 with the 3.5 s pause and a 1.5 s burst of 2-30 Hz noise (2 mV peak) over it in II, V2, V3, V4 from
    0.1 s after the cut: the measurement's detector made beats of the noise inside the pause, and no pause was seen
    at all. The burst the check names sets them aside: the long RR across it is said, marked with the burst."""
    from scipy.signal import butter, sosfiltfilt

    rec, x, start, end, cut = _ludb_1_paused()
    fs, rng = rec.fs, np.random.default_rng(1)
    a, n = int(round((cut + 0.1) * fs)), int(1.5 * fs)
    sos = butter(4, [2.0, 30.0], btype="band", fs=fs, output="sos")
    for i in (1, 7, 8, 9):
        v = sosfiltfilt(sos, rng.standard_normal(n + 400))[200:-200]
        x[i, a:a + n] += 2.0 * v / np.abs(v).max()
    p, m, q = _pause_measured(rec, x)
    assert ((m.beats / fs > start + 0.1) & (m.beats / fs < end - 0.1)).any()         # beats of the noise
    burst = next(f for f in q.findings if f.code == "noise_burst")
    assert p is not None and p.gap is None and p.doubt.startswith(f"{burst.name} over it (quality check)"), p
    assert abs(p.start_s - start) < 0.02 and abs(p.rr_s - (end - start)) < 0.02


def test_beats_unlike_the_dominant_one_in_a_noisy_record_are_set_aside():
    """Noise over the pause made beats at 3.3 and 4.6 s, unlike the dominant QRS form, that no burst's span covers
    (the check names noise across the leads, without a time): they had hidden the 3.4 s between the beats at 2.4 and
    5.8 s. They are set aside, the pause said marked with them; in a clean record they stand (premature beats, say),
    unless one comes within 0.2 s of the beat before it, no heart's RR."""
    beats = np.array(sorted(BEATS_S + [3.3, 4.6])) * 100
    dominant = ~np.isin(np.round(beats), [330, 460])
    noise = Finding("noise", "high-frequency (muscle) noise in V1, V2", "warning", ("V1", "V2"))
    p = pause_of(beats, 100.0, [noise], dominant=dominant)
    assert p.gap is None and abs(p.rr_s - 3.4) < 1e-9 and abs(p.start_s - 2.4) < 1e-9
    assert abs(p.rate_bpm - 75.0) < 1e-9                                  # the 0.8 s RR intervals
    assert p.doubt == ("2 beats unlike the dominant QRS at 3.3-4.6 s set aside as noise (high-frequency (muscle) "
                       "noise in V1, V2: quality check), a beat hidden in the noise would shorten it")
    assert pause_of(beats, 100.0, [], dominant=dominant) is None            # a clean record: they stand
    assert pause_of(beats, 100.0, [noise]) is None                          # no beat form known: as before
    close = np.array(sorted(BEATS_S + [2.55, 4.6])) * 100                   # 0.15 s after the beat at 2.4 s
    p = pause_of(close, 100.0, [], dominant=~np.isin(np.round(close), [255, 460]))
    assert p.gap is None and abs(p.rr_s - 3.4) < 1e-9
    assert p.doubt.startswith("2 beats unlike the dominant QRS at 2.5-4.6")


def test_a_burst_whose_span_misses_a_noise_beat_still_sets_it_aside():
    """The check spans its burst by the windows of the beats its own detector found (3.05-3.55 s); the measurement's
    detector found another noise beat at 4.6 s, unlike the dominant form, outside it: the 1.2 s and 2.2 s RR intervals
    had hidden the pause. Both are set aside and the 3.4 s said, marked with the burst."""
    burst = Finding("noise_burst", "noise burst or electrode pop over a beat (V2 at 3.3 s)", "warning", ("V2",),
                    span_s=(3.05, 3.55))
    beats = np.array(sorted(BEATS_S + [3.3, 4.6])) * 100
    assert pause_of(beats, 100.0, [burst]) is None
    p = pause_of(beats, 100.0, [burst], dominant=~np.isin(np.round(beats), [330, 460]))
    assert p.gap is None and abs(p.rr_s - 3.4) < 1e-9 and abs(p.start_s - 2.4) < 1e-9
    assert p.doubt.startswith(f"{burst.name} over it (quality check)")


def test_a_premature_beat_unlike_the_others_makes_no_pause():
    """A slow rhythm (1.6 s) with a premature beat unlike it at 3.0 s and the dominant beats 3.2 s apart around it
    (2.4 and 5.6 s), in a record with noise named elsewhere: the beat stands where the dominant beats are no more than
    3 s apart, and here, 3.2 s apart, the RR across it is said only marked. Beats of the dominant form make no
    run to set aside."""
    beats = np.array([0.0, 1.6, 2.4, 3.0, 5.6, 7.2, 8.8]) * 100
    dom = np.array([True, True, True, False, True, True, True])
    noise = Finding("noise", "high-frequency (muscle) noise in V1", "warning", ("V1",))
    assert pause_of(np.array([0.0, 1.4, 2.8, 3.4, 5.6, 7.0]) * 100, 100.0, [noise],
                    dominant=np.array([True, True, True, False, True, True])) is None          # 2.8 s apart
    p = pause_of(beats, 100.0, [noise], dominant=dom)
    assert p.doubt.startswith("1 beat unlike the dominant QRS at 3.0 s set aside as noise") and abs(p.rr_s - 3.2) < 1e-9
    assert pause_of(beats, 100.0, [noise], dominant=np.ones(7, dtype=bool)) is None


def test_a_pause_across_noise_is_said_marked():
    doubt = "noise burst or electrode pop over a beat (V1 at 3.3 s) over it (quality check): its beats set aside"
    it = run({"SR": 0.9}, {"heart_rate_bpm": 52.0, "qrs_ms": 90.0, "pr_ms": 150.0}, irregular=True, rr_nrmssd=0.5,
             pause=Pause(3.4, 2.4, 75.0, False, 0.03, None, doubt))
    pause = next(s for s in it.statements if s.rule_id == "pause")
    assert pause.text == "Pause of 3.4 s (at 2.4 s)" and pause.note == doubt
    assert "Pause of 3.4 s (at 2.4 s) (?)" in it.text() and f"Pause of 3.4 s (at 2.4 s) (?): {doubt}" in it.notes_text()
    assert it.first.text == "Sinus rhythm, 75 bpm outside the pause (52 bpm mean with it)"


def test_beats_of_the_dominant_form_within_a_noise_span_stand():
    """An artefact in two leads over 1.9-8.0 s (as PTB-XL 00651, folds 1-8) had set aside every beat under it,
    those of the dominant QRS form too, and the 7.1 s across it had been named as a long RR. The beats of the
    dominant form stand (the rhythm at 0.8 s: no pause); only the beat unlike it (at 4.3 s) is set aside."""
    beats = np.array(sorted(BEATS_S[:3] + [2.2, 3.0, 3.8, 4.3, 4.6, 5.4, 6.2, 7.0, 7.8, 8.6])) * 100
    art = Finding("artefact", "large artefact at 1.9-8.0 s", "critical", ("V5", "V6"), span_s=(1.9, 8.0))
    unknown = pause_of(beats, 100.0, [art])                 # without the beats' form, all in it set aside: marked
    assert unknown.gap is None and unknown.doubt.startswith(art.name) and abs(unknown.rr_s - 7.0) < 1e-9
    assert pause_of(beats, 100.0, [art], dominant=~np.isin(np.round(beats), [430])) is None
