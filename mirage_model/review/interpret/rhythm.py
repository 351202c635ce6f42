"""The rhythm statements, said first: the rhythm itself (the model's, its most probable one below its threshold,
or a rule's: paced rhythm, wide QRS tachycardia, the sinus rate words, atrial fibrillation or flutter from
``atrial``), then what qualifies it, with the marks a measurement puts on it.

* Sinus bradycardia < 50 bpm, sinus tachycardia > 100 bpm, only when the rhythm is sinus
  (Mason JW, Hancock EW, Gettes LS. AHA/ACCF/HRS recommendations for the standardization and
  interpretation of the electrocardiogram, part II: electrocardiography diagnostic statement list.
  Circulation 2007;115:1325-32 -- the committee proposed 50-100 bpm for normal sinus rhythm).

The rhythm comes first: the rhythm itself (atrial fibrillation or flutter, paced, supraventricular
tachycardia, sinus), then what qualifies it (premature complexes, bigeminy, trigeminy), whatever
their probabilities. Every ECG has a rhythm: when none of the model's rhythms is above its
threshold, the most probable one is said, marked "most probable rhythm (below its threshold)" with
its (low) confidence, rather than nothing; but not atrial fibrillation where the measurements found a
P wave before each QRS at a consistent PR (AF has no distinct P waves: Hindricks et al. 2021): the
next most probable rhythm is said instead. On PTB-XL fold 9 atrial fibrillation had been guessed
first on 7 records, none labelled AFIB; on 4 of them with a PR measured, 3 of which also read "First
degree AV block (PR 221 ms)" or "Short PR interval" beside it. A flutter guess stands: at 2:1 or 3:1
a flutter wave before each QRS is measured as a P wave with a PR.

* Paced rhythm from the quality check: when ``quality.assess`` found pacemaker spikes before most
  beats (its "paced_rhythm" finding: at least ``QualityConfig.pace_min_share`` of the beats, at
  sampling rates from ``pace_min_fs``; on LUDB all 7 paced records and none of the 93 others) and
  the model's own paced rhythm is not above its threshold, "Paced rhythm" is stated first, from
  that rule, with the stimuli counted. The model's most probable rhythm below its threshold is
  then not said (a guess the spikes refute), nor are the sinus rate words or the AF rule from the
  RR pattern (a paced rhythm's intervals are the pacemaker's), nor the first-degree AV block
  rule (its "PR" is the pacemaker's AV delay; also when the model states the paced rhythm, and nor is the model's
  own first degree AV block); rhythms the model states above their thresholds stand after it (atrial fibrillation
  with ventricular pacing, say).
* A paced rhythm that the statements model calls (its PACE above its threshold) and the quality check
  did not find (spikes too small, LUDB 90's bipolar pacing, or not looked for below 500 Hz) puts the
  record outside what the models were trained for just the same: ``review.paced`` adds the finding
  "paced rhythm (statements model, P=0.85; pacemaker spikes not detected)" to the quality report and
  withholds the calls of both models, so the interpretation is withheld with that reason below. The
  paced rhythm is then the model's statement, and the rules above that a model's paced rhythm turns
  off stay off.
* Wide QRS tachycardia: a regular rhythm (RR coefficient of variation and beat-to-beat RMSSD below
  the AF rule's limits) faster than 100 bpm with a QRS of 120 ms or more and no P wave found before
  the QRS, not paced and with no atrial fibrillation or flutter said, is stated first as "Wide QRS
  tachycardia, R bpm (QRS Q ms), ventricular tachycardia not excluded" (the statement list's "wide
  QRS tachycardia", Mason et al. 2007; "a wide-QRS tachycardia should be presumed to be VT if the
  diagnosis is unclear": Zipes DP, Camm AJ, Borggrefe M, et al. ACC/AHA/ESC 2006 guidelines for
  management of patients with ventricular arrhythmias. Circulation 2006;114:e385-484). PTB-XL has no
  ventricular tachycardia statement, so the model would otherwise call such a rhythm sinus
  tachycardia or a supraventricular tachycardia. Its most probable rhythm below threshold is then
  not said when it is sinus; a sinus or supraventricular tachycardia that the model calls stands
  after it, marked when sinus (no P wave): sinus tachycardia with a bundle branch block whose P
  waves the measurement missed is a wide QRS tachycardia too, and the differential is the reader's.
  "Wide QRS" is not said twice. The thresholds are the rate and QRS rules' own; nothing was tuned.
  On PTB-XL fold 9 (2,183 records) it is said on 4: the one whose report reads ventricular
  tachycardia (07304, 151 bpm, QRS 140 ms; its sinus guess is no longer said) and 3 sinus
  tachycardias with a left bundle branch block or IVCD whose P waves the measurement missed, each
  with its sinus tachycardia still said after it; of the Challenge samples, on CinC 2021 JS45549
  (Ningbo, labelled paroxysmal ventricular tachycardia), which had read sinus tachycardia.
* A regular tachycardia whose median beat never goes quiet within 200 ms of the QRS peak (no
  isoelectric interval, so neither the QRS nor a P wave could be measured:
  ``Measurements.qrs_unbounded``), under the same conditions otherwise, is stated first as "Wide QRS
  tachycardia, R bpm, ventricular tachycardia not excluded", marked "QRS not measurable: no
  isoelectric interval between the complexes"; a sinus guess below threshold is not said beside it, a
  sinus statement the model calls stands after it, marked. CinC 2021 JS45545 (Ningbo, labelled
  ventricular tachycardia, 187 bpm) and PTB-XL 07296 (fold 9, report: supraventricular
  tachycardia with left bundle branch block, 152 bpm) had read sinus tachycardia.
  When a wide QRS tachycardia is said first and the quality gate withheld the interpretation for
  the learned electrode-reversal check alone, the withheld reason adds that the check was trained
  without wide QRS tachycardias (PTB-XL has none) and may be reading the tachycardia's own complexes
  (``REVERSAL_IN_WIDE_TACHY``): it read JS45545 as "RA>LA>LL" and JS45546 as "V3/V4". The
  interpretation stays withheld (the models were not trained on such rhythms either).
* Sinus rhythm and "normal ECG" need P waves: when the QRS was measured but no P wave was found
  before it, a sinus statement (the model's or the rate rule's) and "normal ECG" are kept but
  marked, "no P wave found before the QRS" (on PTB-XL fold 9: 145 of 151 AFIB records, 33 of 955
  NORM records); where a P wave is found beat by beat before at least ``AF_RULE_SINUS_P_SHARE`` of the
  QRS complexes at a steady PR (``Measurements.p_share``, ``pr_iqr_ms``), only not on the median beat,
  the mark says that (``P_BEATS_NOTE``), as the resolved line does, and "normal ECG" stays unsaid
  (no PR measured). When no QRS was delineated at all (so no P wave was sought), a sinus statement is
  marked "no P wave measured: the QRS was not delineated" and "normal ECG" is not said (its
  intervals are unknown).

* Atrial fibrillation, the model's or the rule's, is marked where the measurement found a P wave
  candidate before the QRS nearly alike beat to beat (``Measurements.p_correlation`` at least
  ``AF_P_CORR``, 0.60; a P wave and a PR need 0.75): AF has no distinct P waves, and frequent premature
  atrial beats give such candidates and an irregular rhythm. Chosen on PTB-XL fold 9 and checked on
  folds 1-8 (the figures at ``AF_P_CORR``); a mark, not a refutation.
* Atrial fibrillation, the model's or the rule's, is marked where a P wave, sought before each QRS on its own, stands
  before at least half of the complexes (``AF_STEADY_P_SHARE``) at a PR whose interquartile range is at most 10 ms
  (``AF_STEADY_PR_IQR_MS``, a sample at PTB-XL's 100 Hz), no flutter waves measured, not paced: a P wave before the
  QRS at a constant PR is conducted atrial activity, which AF does not have (Hindricks et al. 2021); the beats
  without one are premature beats whose P waves fall in the T wave. From 80 % of the beats at up to 25 ms the AF rule
  is not stated at all (``atrial``). PTB-XL 04408_lr (folds 1-8; sinus tachycardia with premature atrial beats, 78 %
  at 1.5 ms) had read "Atrial fibrillation, 132 bpm, irregular" unmarked. Of 300 random AFIB records of folds 1-8, 7
  meet it, 6 of them with P-like waves alike beat to beat (``AF_P_CORR``), whose mark this one takes the place of.
* Atrial fibrillation, the model's (above its threshold or its most probable rhythm), is marked where the measured
  rhythm is regular by both of the AF rule's measures (RR coefficient of variation at most ``RR_CV_IRREGULAR`` and
  RMSSD / mean RR at most ``AF_NRMSSD``), not paced: AF is irregularly irregular (Hindricks et al. 2021), and a
  regular rhythm without P waves is atrial flutter or a tachycardia with fixed conduction. No threshold of its own.
  CinC 2021 JS00005 (labelled atrial flutter, RR coefficient of variation 0.015) had read "Atrial fibrillation,
  162 bpm, most probable rhythm (below its threshold)" unmarked. PTB-XL fold 9 (its 161 records labelled AFIB, AFLT,
  SVTAC or PSVT): marked on 1 of the 140 AFIB records whose interpretation states AF, and on 2 of the 4 others that
  state it (labelled paroxysmal supraventricular tachycardia, at 152 and 199 bpm).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from mirage_model.measure import MeasureConfig
from mirage_model.records.age import age_text
from mirage_model.review.interpret.atrial import (AF_NRMSSD, AF_RULE_SINUS_P_SHARE, AF_RULE_SINUS_PR_IQR_MS,
                                                  BARE_FLUTTER_NOTE, NO_P_NOTE, RR_CV_IRREGULAR, af_rule_statement,
                                                  atrial_rhythm, flutter_statement)
from mirage_model.review.interpret.flutter import _measured_periodicity, flutter_waves
from mirage_model.review.interpret.pause import Pause, gap_resolved, pause_statement, rate_words
from mirage_model.review.interpret.reading import (BRADY_BPM, QRS_WIDE_MS, TACHY_BPM,
                                                   Reading)
from mirage_model.review.interpret.statements import (ATRIAL_NON_SINUS, GUESSED, NOT_CLASSIFIED, PRIMARY_RHYTHMS,
                                                      SINUS, STATEMENTS, Statement, StatementInfo, _in_sentence,
                                                      by_probability, confidence_word)
from mirage_model.review.measurements import flag, shown

# ... but where a P wave was found before most QRS complexes beat by beat at a steady PR (``AF_RULE_SINUS_P_SHARE``,
# ``AF_RULE_SINUS_PR_IQR_MS``), only not on the median beat, the mark says that: the beat-by-beat search reads no P
# wave shape or axis and gives no PR for the table, but "no P wave found" would contradict its own resolved line
P_BEATS_HEAD = "P waves found beat by beat"
P_BEATS_NOTE = (P_BEATS_HEAD + " ({share:.0%} of beats, PR interquartile range {iqr:.0f} ms), not on the median beat: "
                "PR not measured")
# a sinus statement where the measurement found no QRS boundaries, so it could not look for a P wave either
UNDELINEATED_NOTE = "no P wave measured: the QRS was not delineated"
# the wide QRS tachycardia said where the complexes leave no isoelectric interval to end the QRS at
UNBOUNDED_NOTE = "QRS not measurable: no isoelectric interval between the complexes"
WIDE_TACHY = "Wide QRS tachycardia"          # the first words of the "wide_qrs_tachycardia" rule's statement
# atrial fibrillation said where the measurement found a P wave candidate before the QRS that is nearly alike beat to
# beat: AF has no distinct P waves (Hindricks et al. 2021). Below the measurement's 0.75 (``MeasureConfig.p_corr_min``)
# it gives no PR, and the AF rule took the irregular rhythm for AF. Chosen on PTB-XL fold 9 (of the records whose
# interpretation started with atrial fibrillation and had a candidate: 20 labelled AFIB, correlation 0.16-0.66,
# 2 at 0.60 or more; 14 not, 0.42-0.74, 9 at 0.60 or more), checked on folds 1-8 (17 of 1166 AFIB records starting
# with AF marked; 12 of 40 labelled premature atrial complexes or bigeminy that start with AF). On fold 9 it marks
# 11: 8 not labelled AFIB (sinus rhythm by their reports: premature atrial or ventricular beats, sinus arrhythmia),
# 3 labelled AFIB (one with a P wave and PR measured); AFIB first 137 of 151 and 31 of 2032 others, as before
AF_P_CORR = 0.60
AF_P_MARK = "P-like waves before the QRS"
# what the P-wave marks ask of the reader, said once after the last of them where two apply (``with_af_mark``)
AF_CHECK_P = "check for P waves (premature atrial beats can read as AF)"
AF_P_NOTE = AF_P_MARK + ", alike beat to beat at correlation {:.2f}: " + AF_CHECK_P
# atrial fibrillation said where a P wave, sought before each QRS on its own (``Measurements.p_share``, ``pr_iqr_ms``),
# stands before at least half of the complexes at a PR that varies by no more than a sample of PTB-XL's 100 Hz (10 ms
# interquartile range): a P wave before the QRS at a constant PR is conducted atrial activity, which AF does not have
# (Hindricks et al. 2021); the beats without one are premature beats whose P waves fall in the T wave, or blocked
# ones. Below the 80 % that stops the AF rule (``AF_RULE_SINUS_P_SHARE``) it is a mark, not a refutation: PTB-XL
# 04408_lr (folds 1-8, sinus tachycardia with premature atrial beats; 78 %, 1.5 ms) had read the AF rule's atrial
# fibrillation unmarked. Not where flutter waves are measured (one stands before each QRS at a fixed conduction), nor
# in a paced rhythm (a pacing stimulus stands before each paced QRS at a fixed interval)
AF_STEADY_P_SHARE = 0.5
AF_STEADY_PR_IQR_MS = 10.0
AF_STEADY_P_MARK = "P waves at a constant PR"
AF_STEADY_P_NOTE = (AF_STEADY_P_MARK + " before {share:.0%} of the QRS complexes (found beat by beat, PR interquartile "
                    "range {iqr:.0f} ms): " + AF_CHECK_P)
# atrial fibrillation and atrial premature complexes said together: in AF the atria have no organised activity
# for a beat to come early to (Hindricks et al. 2021), and frequent premature atrial beats make an irregular
# rhythm that reads as AF. Both model statements are kept, each marked (a reader looks for P waves)
AF_PAC_NOTE = "atrial premature complexes called too: check for P waves before the beats"
# atrial fibrillation is irregularly irregular (Hindricks et al. 2021): the model's AF where the measured rhythm is
# regular by both of the AF rule's measures (RR coefficient of variation and beat-to-beat RMSSD at or below their
# limits) is marked; a regular ventricular rhythm under atrial activity without P waves is atrial flutter or an
# atrial tachycardia with fixed conduction, or not atrial at all. Not in a paced rhythm, which the pacemaker makes
# regular
AF_REGULAR_MARK = "a regular rhythm"
PAC_AF_NOTE = "called beside atrial fibrillation, which has no organised atrial activity to come early to"
# an atrial fibrillation statement that more than one measurement doubts carries every mark, in the order they were
# put, each after this (``with_af_mark``): group beating over flutter waves (PTB-XL 03097 of folds 1-8) had shown
# the first alone
AF_MARKS_JOINED = "; also "
# beside a paced rhythm with no P wave before the QRS, a sinus statement stands only where the atrial activity between
# the complexes repeats at a P-P interval of its own at least this well (``measure.atrial.atrial_periodicity``). Rule,
# candidates (0.20, 0.25, 0.30, 0.35) and bar written first (301327c): on LUDB's 8 paced records and PTB-XL folds 1-8's
# 237 PACE records all four agree with the labels on 202 of the 207 read as paced (201 before: LUDB 8) and remove no
# sinus statement where one is labelled; the tie goes to the lowest. LUDB: sinus with complete AV block 34 0.46,
# 90 0.43 (74 0.07: its P waves barely show); atrial fibrillation 8 0.11, 93 0.07, 95 0.16. Fold 9 (checked once, 25
# records read as paced): nothing changes. Fibrillatory waves alike in all four leads (synthetic) reach 0.09-0.27
PACED_ATRIAL_PERIODICITY = 0.20


@dataclass(frozen=True)
class Rhythm:
    """The rhythm statements (``out``, in reading order) and what the later rules ask of the rhythm."""
    out: list[Statement]
    guessed: str | None            # the model's most probable rhythm said below its threshold
    paced_rhythm: bool             # a paced rhythm said: the spikes, or the model's PACE above its threshold
    wide_tachy: bool
    bare_flutter: tuple[float, float] | None
    no_p: bool                     # the QRS measured, no P wave before it
    undelineated: bool             # no QRS delineated (so no P wave sought)
    no_p_note: str
    sinus_p: bool                  # P waves found beat by beat at a steady PR, not on the median beat


def rhythm_statements(r: Reading, *, irregular: bool | None, rr_nrmssd: float | None, paced: str | None,
                      atrial_activity, qrs_unbounded: bool, p_correlation: float | None, p_share: float | None,
                      pr_iqr_ms: float | None, pause: Pause | None = None) -> Rhythm:
    """The rhythm statements of ``interpret`` (its arguments of the same names), what they leave out going to
    ``r.resolved``. Beside a ``pause`` said (``pause.gap`` None) the rhythm is judged on the other RR intervals."""
    said_pause = pause is not None and pause.gap is None
    mean_s = r.hr_s
    if said_pause and pause.rate_bpm is not None:
        # the rate, the sinus rate words and the AF rule read the RR intervals outside the pause (``pause``)
        r = replace(r, hr=pause.rate_bpm, hr_s=r.cite("heart_rate_bpm", pause.rate_bpm),
                    hr_flag=flag("heart_rate_bpm", pause.rate_bpm, age=r.age))
        irregular, rr_nrmssd = pause.irregular, pause.rr_nrmssd
    elif pause is not None and pause.gap is not None:
        r.resolved.append(gap_resolved(pause))
    p, positive, resolved, model_stmt = r.p, r.positive, r.resolved, r.model_stmt
    measurements, hr, pr, qrs, hr_s, qrs_s = r.measurements, r.hr, r.pr, r.qrs, r.hr_s, r.qrs_s
    hr_flag, qrs_flag, child = r.hr_flag, r.qrs_flag, r.child
    # rhythm: the model's rhythm statements, atrial fibrillation/flutter overriding sinus; the rhythm
    # itself first, then ectopy and patterns; when no rhythm of the model is above its threshold, its
    # most probable rhythm is said as such (low confidence), never left out
    rhythm_codes = sorted((c for c in positive if STATEMENTS.get(c, StatementInfo(c, c, "", "other")).group
                           == "rhythm"), key=by_probability(p))
    own_rhythms = [c for c in PRIMARY_RHYTHMS if c in p]
    flutter = flutter_waves(atrial_activity)      # the measured flutter waves, read by the rules below
    # a P wave before most QRS complexes, each sought on its own, at a steady PR, and no flutter waves (which stand
    # before the QRS at a fixed conduction, LUDB 35): sinus rhythm with an irregular RR, not atrial fibrillation
    sinus_p = (p_share is not None and pr_iqr_ms is not None and np.isfinite(p_share) and np.isfinite(pr_iqr_ms)
               and p_share >= AF_RULE_SINUS_P_SHARE and pr_iqr_ms <= AF_RULE_SINUS_PR_IQR_MS and flutter is None)
    sinus_p_why = (f"a P wave before {p_share:.0%} of the QRS complexes at a steady PR (interquartile range "
                   f"{pr_iqr_ms:.0f} ms): sinus rhythm, the RR irregular by sinus arrhythmia or ectopy"
                   if sinus_p else "")
    pace_rule = paced is not None and "PACE" not in positive
    guessed, guess_refuted = _most_probable_rhythm(r, own_rhythms, pace_rule, sinus_p, sinus_p_why)
    if guessed is not None:
        rhythm_codes.append(guessed)
    # the measurements found the QRS but no P wave before it: sinus rhythm is not confirmed
    no_p = measurements is not None and pr is None and qrs is not None
    # ... or found no QRS boundaries, so it could not look for a P wave: sinus rhythm is not confirmed either
    undelineated = measurements is not None and pr is None and qrs is None
    beat_to_beat = rr_nrmssd is not None and np.isfinite(rr_nrmssd) and rr_nrmssd > AF_NRMSSD
    a = atrial_rhythm(r, rhythm_codes, guessed, guess_refuted, flutter, sinus_p, sinus_p_why, no_p, beat_to_beat,
                      irregular, paced, atrial_activity)
    rhythm_codes, guessed, af_rule, flutter_rule = a.rhythm_codes, a.guessed, a.af_rule, a.flutter_rule
    atrial, bare_flutter = a.atrial, a.bare_flutter
    sinus_called = [c for c in rhythm_codes if c in SINUS and c in positive]
    if "SVARR" in positive and "SVARR" in rhythm_codes and sinus_called:
        # PTB-XL's cardiologists give supraventricular arrhythmia as the rhythm instead of a sinus one, never
        # beside it (with none of SR, SARRH, SBRAD, STACH on any of its 128 records in folds 1-8): one rhythm
        # stands, the more probable (fold 9 had said both on 15 records, 2 of them labelled SVARR)
        best = max(sinus_called, key=lambda c: p[c])
        gone, stands = (["SVARR"], best) if p[best] >= p["SVARR"] else (sinus_called, "SVARR")
        for c in gone:
            resolved.append(f"{_in_sentence(STATEMENTS[c].text)} ({p[c]:.0%}) not stated: "
                            f"{_in_sentence(STATEMENTS[stands].text)} ({p[stands]:.0%}) stands, the more probable "
                            "rhythm (PTB-XL's cardiologists give the two as alternatives)")
        rhythm_codes = [c for c in rhythm_codes if c not in gone]
    # a regular tachycardia of wide QRS complexes with no P wave before them: "wide QRS tachycardia" first, not sinus;
    # also where the complexes leave no isoelectric interval to end the QRS at (and so no P wave to look for)
    regular_tachy = (measurements is not None and hr_flag == "high" and not child and pr is None
                     and irregular is not True and not beat_to_beat and not atrial
                     and paced is None and "PACE" not in positive)
    unbounded_tachy = regular_tachy and qrs is None and qrs_unbounded
    wide_tachy = regular_tachy and (qrs_flag == "high" or unbounded_tachy)
    if wide_tachy and guessed in SINUS:
        # a sinus guess below threshold is not said beside it; a sinus rhythm the model calls stands after it,
        # marked (no P wave): sinus tachycardia with a bundle branch block is a wide QRS tachycardia too
        why = ("a regular tachycardia without an isoelectric interval (QRS not measurable)" if unbounded_tachy
               else f"a regular wide QRS tachycardia with {NO_P_NOTE}")
        resolved.append(f"{_in_sentence(STATEMENTS[guessed].text)} ({p[guessed]:.0%}, the model's most probable "
                        f"rhythm, below its threshold) not stated: {why}")
        rhythm_codes.remove(guessed)
        guessed = None
    paced_rhythm = paced is not None or "PACE" in positive
    # beside a paced rhythm with no P wave before the QRS, sinus rhythm needs P waves of their own between the
    # complexes (complete AV block: dissociated, LUDB 34); fibrillation (LUDB 8) or no atrial activity repeats at no
    # P-P interval, and the sinus statement is not said
    periodic = _measured_periodicity(atrial_activity)
    paced_atria = paced_rhythm and no_p and periodic is not None
    no_atria = paced_atria and periodic[0] < PACED_ATRIAL_PERIODICITY
    if no_atria:
        for c in [c for c in rhythm_codes if c in SINUS]:
            most = ", the model's most probable rhythm" if c == guessed else ""
            resolved.append(f"{_in_sentence(STATEMENTS[c].text)} ({p[c]:.0%}{most}) not stated: a paced rhythm with "
                            f"{NO_P_NOTE} and no regular atrial activity between the complexes (atrial periodicity "
                            f"{shown(periodic[0], PACED_ATRIAL_PERIODICITY, decimals=2)} < "
                            f"{PACED_ATRIAL_PERIODICITY:.2f})")
        rhythm_codes = [c for c in rhythm_codes if c not in SINUS]
        guessed = None if guessed in SINUS else guessed
    sinus = not af_rule and not flutter_rule and paced is None and (any(c in SINUS for c in rhythm_codes)
                                               or (not rhythm_codes and not wide_tachy and p.get("SR", 0.0) >= 0.5
                                                   and not no_atria))
    rate_text = rate_said = ""
    if hr is not None:
        # the rate, named where it is not the mean: "66 bpm outside the pause (45 bpm mean with it)"
        rate_said = rate_words(hr_s, mean_s) if said_pause and mean_s != hr_s else f"{hr_s} bpm"
        rate_text = f", {rate_said}" + (", irregular" if irregular else "")
    out: list[Statement] = []
    if pace_rule:
        if own_rhythms and not positive & set(own_rhythms):
            best = max(own_rhythms, key=lambda c: p[c])
            resolved.append(f"{_in_sentence(STATEMENTS[best].text)} ({p[best]:.0%}, the model's most probable "
                                "rhythm, below its threshold) not stated: pacemaker spikes before the beats")
        out.append(Statement("rhythm", f"Paced rhythm{rate_text}", "measurement",
                             rule=f"pacemaker spikes ({paced}; quality check)", rule_id="paced_rhythm"))
    if unbounded_tachy:
        out.append(Statement("rhythm", f"{WIDE_TACHY}, {hr_s} bpm, ventricular tachycardia not excluded",
                             "measurement", note=UNBOUNDED_NOTE,
                             rule=f"rate {hr_s} bpm > {TACHY_BPM:g} bpm, regular; the median beat does not go quiet "
                                  f"within {MeasureConfig().qrs_search_s * 1000:.0f} ms of the QRS peak, so neither the QRS nor a P wave "
                                  "could be measured (Mason et al. 2007); a wide QRS tachycardia is presumed "
                                  "ventricular until proven otherwise (Zipes et al. 2006)",
                             rule_id="wide_qrs_tachycardia"))
    elif wide_tachy:
        out.append(Statement("rhythm", f"{WIDE_TACHY}, {hr_s} bpm (QRS {qrs_s} ms), ventricular tachycardia "
                             "not excluded", "measurement",
                             rule=f"rate {hr_s} bpm > {TACHY_BPM:g} bpm and QRS {qrs_s} ms >= {QRS_WIDE_MS:g} ms, "
                                  f"regular, {NO_P_NOTE} (Mason et al. 2007); a wide QRS tachycardia is presumed "
                                  "ventricular until proven otherwise (Zipes et al. 2006)",
                             rule_id="wide_qrs_tachycardia"))
    no_p_note = P_BEATS_NOTE.format(share=p_share, iqr=pr_iqr_ms) if sinus_p else NO_P_NOTE
    sinus_note = no_p_note if no_p else UNDELINEATED_NOTE if undelineated else None
    if paced_atria and not no_atria:     # it stands on the periodic P waves between the complexes
        sinus_note = (f"{NO_P_NOTE}; regular atrial activity at {60.0 / periodic[1]:.0f}/min between the paced "
                      f"complexes (atrial periodicity {shown(periodic[0], PACED_ATRIAL_PERIODICITY, decimals=2)})")
    if sinus_note is None and bare_flutter is not None:
        sinus_note = BARE_FLUTTER_NOTE.format(bare_flutter[0])
    # sinus rate words come from the measured rate when the rhythm is sinus (the rule wins over the model's guess)
    rank = {c: 0 if c in ATRIAL_NON_SINUS else 1 if c in PRIMARY_RHYTHMS else 2 for c in rhythm_codes}
    rhythm_codes = sorted(rhythm_codes, key=lambda c: (rank[c], by_probability(p)(c)))
    if sinus and hr is not None and ("SBRAD" in rhythm_codes or "STACH" in rhythm_codes or hr_flag):
        _sinus_rate_statements(r, rhythm_codes, guessed, rate_text, sinus_note, out, rate_said)
    if flutter_rule:
        flutter_statement(r, a, out, irregular)
    if af_rule:
        af_rule_statement(r, out, irregular, rr_nrmssd, rate_text)
    if "SARRH" in rhythm_codes:
        # sinus arrhythmia is a sinus rhythm: said once, with the rate, as a cart says it
        for c in [c for c in rhythm_codes if c == "SR"]:
            rhythm_codes.remove(c)
            resolved.append(f"sinus rhythm ({p[c]:.0%}) not stated apart: sinus arrhythmia is a sinus rhythm")
        said = [s for s in out if s.rule_id == "sinus_rhythm"]
        for s in said:      # the sinus rhythm a refuted rate word left: sinus arrhythmia takes its place
            out.remove(s)
    for i, c in enumerate(rhythm_codes):
        out.append(model_stmt(c, sinus_note if c in SINUS else None, suffix=rate_text if i == 0 and not out else "",
                              guess=c == guessed))
    steady_p = (p_share is not None and pr_iqr_ms is not None and np.isfinite(p_share) and np.isfinite(pr_iqr_ms)
                and p_share >= AF_STEADY_P_SHARE and pr_iqr_ms <= AF_STEADY_PR_IQR_MS and flutter is None
                and not paced_rhythm)
    steady_note = AF_STEADY_P_NOTE.format(share=p_share, iqr=pr_iqr_ms) if steady_p else None
    out = _af_marks(out, irregular, rr_nrmssd, paced_rhythm, p_correlation, steady_note)
    if not out and rhythm_codes == [] and hr is not None:
        carries = any(c in STATEMENTS and STATEMENTS[c].group == "rhythm" for c in p)   # the model has rhythm labels
        out.append(Statement("rhythm", f"{NOT_CLASSIFIED}{rate_text}", "measurement",
                             rule="no rhythm statement of the model is above its threshold" if carries
                             else "no model here states rhythm; measured rate only", rule_id="rhythm_not_classified"))
    if said_pause:
        out.insert(1 if out else 0, pause_statement(pause))       # after the rhythm it interrupts
    return Rhythm(out, guessed, paced_rhythm, wide_tachy, bare_flutter, no_p, undelineated, no_p_note, sinus_p)


def _most_probable_rhythm(r: Reading, own_rhythms: list[str], pace_rule: bool, sinus_p: bool,
                          sinus_p_why: str) -> tuple[str | None, bool]:
    """The model's most probable rhythm, said where none of its rhythms (``own_rhythms``) is above its threshold and
    no pacemaker spikes were found (``pace_rule``), but not atrial fibrillation over P waves before the QRS (the next
    most probable then, the reason in ``r.resolved``); None where another rhythm is said. And whether its atrial
    fibrillation was refuted so for ``sinus_p``."""
    p, positive, resolved, pr, pr_s = r.p, r.positive, r.resolved, r.pr, r.pr_s
    guessed = None
    guess_refuted = False              # the model's AF guess not said for ``sinus_p``, the reason given
    if own_rhythms and not positive & set(own_rhythms) and not pace_rule:
        def likelier(c):
            return p[c], c in SINUS                                    # a tie: sinus

        guessed = max(own_rhythms, key=likelier)
        if guessed == "AFIB" and pr is not None and len(own_rhythms) > 1:
            # a P wave before each QRS at a consistent PR: atrial fibrillation (no distinct P waves, Hindricks et
            # al. 2021) is refuted as a guess; the model's next rhythm is said. Not flutter: at 2:1 or 3:1 a
            # flutter wave stands before each QRS at a fixed interval, which the delineator takes for a P wave
            resolved.append(f"{_in_sentence(STATEMENTS['AFIB'].text)} ({p['AFIB']:.0%}, the model's most probable "
                            f"rhythm, below its threshold) not stated: P waves before the QRS (PR {pr_s} ms)")
            guessed = max((c for c in own_rhythms if c != "AFIB"), key=likelier)
        elif guessed == "AFIB" and sinus_p and len(own_rhythms) > 1:
            guess_refuted = True
            resolved.append(f"{_in_sentence(STATEMENTS['AFIB'].text)} ({p['AFIB']:.0%}, the model's most probable "
                            f"rhythm, below its threshold) not stated: {sinus_p_why}")
            guessed = max((c for c in own_rhythms if c != "AFIB"), key=likelier)
    return guessed, guess_refuted


def _sinus_rate_statements(r: Reading, rhythm_codes: list[str], guessed: str | None, rate_text: str,
                           sinus_note: str | None, out: list[Statement], rate_said: str) -> None:
    """The sinus rate words from the measured rate (the rule wins over the model's rate word), appended to ``out``;
    the model's rate words they replace leave ``rhythm_codes``. ``rate_said``: that rate as the rule and the
    resolved list say it ("58 bpm", or beside a pause "66 bpm outside the pause (45 bpm mean with it)")."""
    p, resolved, hr_flag, child, age = r.p, r.resolved, r.hr_flag, r.child, r.age
    child_rate, rate_ref = r.child_rate, r.rate_ref
    refuted = []
    for c in ("SBRAD", "STACH"):
        if c in rhythm_codes:
            rhythm_codes.remove(c)
            if (c == "SBRAD" and hr_flag != "low") or (c == "STACH" and hr_flag != "high"):
                refuted.append(c)
                # a child: the model's rate word is PTB-XL's, an adult's limits; the rate is within a child's
                why = (f"a rate word by adult limits ({BRADY_BPM:g}-{TACHY_BPM:g} bpm), not applied at age "
                       f"{age_text(age)}: measured rate {rate_said} within {child_rate}" if child
                       else f"measured rate {rate_said}")
                resolved.append(f"model's {_in_sentence(STATEMENTS[c].text)} ({p[c]:.0%}) not stated: {why}")
    # sinus only as the model's most probable rhythm below its threshold: the rate word says so too
    guess = guessed in SINUS
    # a child's rate by its centiles for age (``measurements.CHILD_RATE_BPM``): "(for age)", its limit cited
    for_age = " (for age)" if child else ""
    low_rule, high_rule = ((f"< {rate_ref.low:g} bpm", f"> {rate_ref.high:g} bpm") if child else
                           (f"< {BRADY_BPM:g} bpm", f"> {TACHY_BPM:g} bpm"))
    source = f"at age {age_text(age)}: {child_rate}" if child else "(Mason et al. 2007)"
    if hr_flag == "low":
        out.append(Statement("rhythm", f"Sinus bradycardia{for_age}{rate_text}{GUESSED if guess else ''}",
                             "measurement", note=sinus_note, rule=f"rate {rate_said} {low_rule} {source}",
                             rule_id="sinus_bradycardia", guessed=guess))
    elif hr_flag == "high":
        out.append(Statement("rhythm", f"Sinus tachycardia{for_age}{rate_text}{GUESSED if guess else ''}",
                             "measurement", note=sinus_note, rule=f"rate {rate_said} {high_rule} {source}",
                             rule_id="sinus_tachycardia", guessed=guess))
    elif refuted and "SR" not in rhythm_codes:
        # the model's rhythm (above its threshold, or its most probable one) was sinus with a rate word
        # the measured rate refutes: sinus rhythm at the measured rate, never "Rhythm not classified"
        c = refuted[0]
        out.append(Statement("rhythm", f"Sinus rhythm{rate_text}{GUESSED if c == guessed else ''}", "model", c,
                             p[c], confidence_word(p[c]), note=sinus_note, adult_trained=child,
                             rule_id="sinus_rhythm", guessed=c == guessed))
    if out and "SR" in rhythm_codes:
        rhythm_codes.remove("SR")


def with_af_mark(out: list[Statement], note: str, *, model_only: bool = False,
                 instead: str | None = None) -> list[Statement]:
    """``out`` with the mark ``note`` on its atrial fibrillation statement (the model's, its most probable rhythm or
    the AF rule's; ``model_only``: the model's alone): the statement's only mark, or after those it carries
    (``AF_MARKS_JOINED``), less any that begins with ``instead`` (the mark ``note`` takes the place of). Where
    ``note`` ends with ``AF_CHECK_P``, a mark before it drops that advice (said once, at the end)."""
    advice = ": " + AF_CHECK_P
    def marked(s: Statement) -> Statement:
        if not (s.code == "AFIB" or s.rule_id == "atrial_fibrillation") or (model_only and s.source != "model"):
            return s
        kept = [m for m in (s.note.split(AF_MARKS_JOINED) if s.note else [])
                if not (instead and m.startswith(instead))]
        if note.endswith(advice) and note not in kept:
            kept = [m.removesuffix(advice) for m in kept]
        return replace(s, note=AF_MARKS_JOINED.join(kept + [note] if note not in kept else kept))
    return [marked(s) for s in out]


def _af_marks(out: list[Statement], irregular: bool | None, rr_nrmssd: float | None, paced_rhythm: bool,
              p_correlation: float | None, steady_note: str | None = None) -> list[Statement]:
    """``out`` with atrial fibrillation marked where a measurement doubts it (each mark that applies,
    ``with_af_mark``): premature atrial complexes called beside it, P waves found beat by beat at a constant PR
    (``steady_note``, the mark; None: not found), a regular rhythm, P-like waves alike beat to beat."""
    if any(s.code == "AFIB" for s in out) and any(s.code == "PAC" for s in out):
        out = [replace(s, note=PAC_AF_NOTE) if s.code == "PAC" and s.note is None else s for s in out]
        out = with_af_mark(out, AF_PAC_NOTE)
    if steady_note is not None:
        out = with_af_mark(out, steady_note)
    regular = (irregular is False and rr_nrmssd is not None and np.isfinite(rr_nrmssd) and rr_nrmssd <= AF_NRMSSD
               and not paced_rhythm)
    if regular:
        # CinC 2021 JS00005 (labelled atrial flutter; RR coefficient of variation 0.015) had read "Atrial
        # fibrillation, 162 bpm, most probable rhythm (below its threshold)", unmarked
        regular_note = (f"{AF_REGULAR_MARK} (RR coefficient of variation <= {RR_CV_IRREGULAR:.2f}, RMSSD / mean RR "
                        f"{shown(rr_nrmssd, AF_NRMSSD, decimals=2)} <= {AF_NRMSSD:.2f}): atrial fibrillation is "
                        "irregularly irregular (Hindricks et al. 2021); atrial flutter or tachycardia?")
        out = with_af_mark(out, regular_note, model_only=True)
    if p_correlation is not None and np.isfinite(p_correlation) and p_correlation >= AF_P_CORR:
        out = with_af_mark(out, AF_P_NOTE.format(p_correlation))
    return out
