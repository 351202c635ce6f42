"""The interpretation: statements in the order a cardiologist reads an ECG, from a statements model and
from transparent measurement rules.

Reading order (as on a cart's report): rhythm (with the ventricular rate), conduction (the AV conduction
before the bundle branch and fascicular blocks), axis, abnormal QRS, hypertrophy and atrial enlargement,
ischaemia and infarction, repolarisation, other (``statements.reading_key``); "normal ECG" last and only
when nothing abnormal was said. Each statement says where it comes from: the
model (a PTB-XL SCP statement, with its calibrated probability and a confidence word) or a
measurement rule (with the value and the cited threshold; the value with the decimals its
comparison needs, "rate 49.8 bpm < 50 bpm", never a rounded "50 bpm < 50 bpm").

The rules, each beside the figures that chose it, live in the modules of this package: ``statements`` (PTB-XL's
statements in plain words, ``Statement``, ``Interpretation``), ``reading`` (the record's values, limits and flags
as the rules read them), ``rhythm`` (the rhythm said first: the model's, its guess, paced rhythm, wide QRS
tachycardia, the sinus rate words and the marks on atrial fibrillation), ``pause`` (the longest RR interval over
3 s, and the rate around it), ``atrial`` (atrial fibrillation and flutter from the measurements), ``flutter`` (the
flutter waves in the measured atrial activity, and the mark on atrial fibrillation over them), ``av_conduction``
(second-degree AV block and AV dissociation from the P waves found beat by beat, suggested), ``conduction``
(the model's conduction statements, PR, QRS and axis, the paced QRS), ``voltage`` (QRS voltage), ``qtc`` (the QTc),
``findings`` (hypertrophy, ischaemia and infarction, repolarisation), ``assemble`` (``interpret``: the steps in
reading order, the marks, "normal ECG" last), ``evidence`` (what the quality findings put in doubt), ``models``
(own labels, the infarct disagreement, the statements model beside a model) and ``prediction`` (the interpretation
of a ``Prediction`` and of a session).

A model statement is said when its calibrated probability is at or above its threshold and at
least 20 % (``outputs.is_called``, as every call of every model): the thresholds (max F1 on the
validation fold) of rare statements sit at a few percent, and a finding is not stated at 3 %; all
probabilities stay in the CSV's ``stmt_`` columns. A QTc rule statement is marked (?) when the measurements call the QTc
unreliable (an irregular rhythm; Bazett above 120 bpm; any formula below 50 bpm, where the corrections
extrapolate and Bazett under-corrects: Rautaharju et al. 2009), and where the tangent method puts the T end of lead
II or V5 more than 40 ms from the delineator's (``measure.tangent``): a prolonged QTc where it lies earlier, a short
one where it lies later.

Children: the rules' thresholds (in their modules) are adults'. Below ``measurements.PAEDIATRIC_BELOW_Y`` (16)
years, the age the paediatric normal limits cover (Rijnbeek et al. Eur Heart J 2001;22:702-11; Davignon et al.
Pediatr Cardiol 1979/80;1:123-31), no cited table of those limits could be checked here, so the adult rate, axis and
lower limits are not applied: no short PR, wide QRS tachycardia, axis deviation or short QTc from the measurements, no
model statement marked as contradicted by an adult limit. The rate is judged by a child's own limits, the 1st and
99th centiles of resting heart rate for age (Fleming et al. Lancet 2011, ``measurements.CHILD_RATE_BPM``): outside
them "Sinus bradycardia (for age)" / "Sinus tachycardia (for age)" (a 4-year-old at 45 bpm, below 65 bpm), and the
table flags the rate, so "normal ECG" is not said; within them the model's own sinus bradycardia or tachycardia
(PTB-XL's, by adults' rates) is said as sinus rhythm at the measured rate, with the reason. On PTB-XL's 58 children of
folds 1-8 (2-15 years, their ages from ptbxl_database.csv) one interpretation changed: 03818 (15 years, 105.5 bpm,
above 104) "Sinus rhythm" -> "Sinus tachycardia (for age)", its report "sinustachykardie". What
is still judged is what a clinical text states in words (Wenning, Atlas of Pediatric Emergency Medicine;
``measurements.QTC_CHILD``): a child's PR and QRS limits lie below the adults', so a first degree AV block
(PR > 200 ms), a wide QRS (>= 120 ms) and a prolonged QTc are stated by the adult limits (conservatively: a PR
of 170 ms or a QTc of 445 ms may be long at 4 years and is not; under 6 months the QTc above 490 ms). The
interpretation says so once, first (``Interpretation.notes``: "Paediatric ECG (age 4): adult rate, axis and
lower limits not applied ..."), with the count of children in the models' training data (PTB-XL: 64 of 21,799
records under 16 years, ``ptbxl_database.csv``), and each model statement's source says "trained on adults".
With no age given the adult rules apply. The rules that depend on the rate, with the limits used below 16 years:
the QTc is Bazett's at any rate (not Fridericia's above 120 bpm, nor doubted there): a child's limits are Bazett's,
an infant's normal rate lies above 120 bpm (Fleming S, Thompson M, Stevens R, et al. Normal ranges of heart rate and
respiratory rate in children from birth to 18 years of age. Lancet 2011;377:1011-8: median 127 bpm at birth, 145 at
one month, 113 at 2 years), and in children Bazett's QTc is the least rate-dependent (Phan DQ, Silka MJ, Lan YT,
Chang RK. Comparison of formulas for calculation of the corrected QT interval in infants and young children. J
Pediatr 2015;166:960-4: 702 children, 81 % under 2 years, 122 +/- 20 bpm; Fridericia's QTc fell with the rate, and
would have hidden a 1-year-old's 490 ms at 160 bpm as 416 ms). The flutter rule states flutter only where the atrial
rate is at least ``FLUTTER_MIN_CONDUCTION`` (2.5) times the ventricular, whatever rhythm was said: twice a child's
normal rate (290/min at one month) lies in the flutter band, where its sinus P and T waves repeat; at 2:1 the rhythm
said stands, the reason in the resolved list. The wide QRS tachycardia rule stays off (its rate limit is the adults').
The AF rule has no rate in it. PTB-XL's 61 children of folds 1-9 (2-15 years): none above
120 bpm or with flutter waves, none said AF; nothing of theirs changed.

Contradictions are resolved, not printed side by side: atrial fibrillation or flutter removes
every sinus statement; atrial fibrillation said beside atrial premature complexes keeps both, each
marked (in AF the atria have no organised activity for a beat to come early to, and frequent premature
atrial beats make an irregular rhythm that reads as AF: on PTB-XL fold 9 the two were said together on
7 records, 5 labelled premature atrial complexes in sinus rhythm, the other 2 labelled AFIB at
likelihood 0 beside a normal ECG); sinus arrhythmia stands for sinus rhythm (one sinus statement, with the rate); "normal ECG" is dropped when any abnormal statement stands; a model
statement that a measurement contradicts (first-degree AV block with PR <= 200 ms, a complete left
or right bundle branch block with QRS < 120 ms (at 110-119 ms the note names the incomplete block, that range's in
adults: Surawicz et al. 2009), an incomplete one with QRS >= 120 ms, long QT with a normal QTc, a left anterior
fascicular block without left axis deviation or a left posterior one without right axis deviation: Surawicz et al.
2009 give their axes as -45 to -90 and +90 to +180 deg, and the marks follow the axis rules' own limits,
-30 and +90 deg, the extreme axis being neither; on the Challenge samples the model had said left anterior
fascicular block beside an extreme axis of -131 and -136 deg, CPSC-Extra A0010 and A0001) is kept but marked; a
complete and an incomplete block of the same bundle are never said together (the measured QRS
decides: >= 120 ms complete, else incomplete; without a QRS the more probable one); a nonspecific
intraventricular conduction delay is not said beside a complete bundle branch block that the measured
QRS does not contradict (the delay is, by definition, one without a block's criteria: Surawicz et al. 2009); supraventricular arrhythmia and a sinus rhythm statement, both called, are one rhythm: the more
probable stands (PTB-XL's cardiologists give them as alternatives, never together); two infarct statements that
share a wall are one infarct (``INFARCT_WALLS``); a nonspecific T wave abnormality, nonspecific ST elevation or
nonspecific ST changes are not said beside ischaemic changes in named leads, which say it more precisely
(``LOCALISED_ISCHAEMIA``; PTB-XL's cardiologists label them together on 1, 0 and 17 of the 951 folds 1-8 records
with such a statement), while nonspecific ST depression stays beside them (on fold 9, where the model said both, it
was labelled on 15 of 27 records); nonspecific ischaemic changes and ischaemic changes in named leads are one or the
other (labelled together on 1 of those 951): beside left ventricular hypertrophy the nonspecific one is said (PTB-XL
labels LVH on 943 of its 1,019 records), without it the localised one; abnormal QRS is not said beside Q waves
present, which names the abnormality (``ABQRS_WITH_QWAVE``: labelled together on 1 of the 438 folds 1-8 QWAVE
records; on fold 9, where the model said both, ABQRS was labelled on 1 of 19). Beside a paced rhythm (the quality
check's or the model's), the model's first degree AV block or prolonged PR is not said, as the PR rule's is not:
the "PR" is the pacemaker's AV delay (PTB-XL labels neither on any of its 237 folds 1-8 PACE records). A sinus
statement beside a paced rhythm with no P wave found before the QRS stands, marked, only where the atrial activity
between the complexes repeats at a P-P interval of its own (``measure.atrial.atrial_periodicity`` at least
``PACED_ATRIAL_PERIODICITY``, 0.20; its note gives the atrial rate): in complete AV block with ventricular pacing
the sinus P waves are not before the QRS but march through at their own rate (LUDB 34: 0.46, 72/min); atrial
fibrillation with pacing (LUDB 8: 0.11) reads the same otherwise, and there the sinus statement is not said, with the
reason. Where the periodicity is not measured (under 4 s, fewer than 3 beats, RR intervals covering every P-P
interval sought) the statement stands, marked, as before. Beside a ventricular-paced QRS (a paced rhythm said, from
the spikes or the model's PACE above its threshold, with a QRS of 120 ms or more) nothing read off the QRS is said:
a paced QRS is the pacemaker's (Surawicz et al. 2009; Mason et al. 2007), so the model's bundle branch and
fascicular blocks, IVCD, abnormal QRS, WPW (pacing gives no short PR and no delta wave), ventricular hypertrophy and
voltage, Q waves and infarcts (``PACED_QRS_CODES``), and the wide QRS and axis rules, go to the resolved list in one
line; ST-T statements, atrial enlargement and AV block stand. With a narrow QRS (atrial pacing) they stand; with no
QRS measured, or beside the model's paced rhythm guessed below its threshold (with a wide QRS or none measured), they
stand marked (``PACED_QRS_MARK``).
When the record's quality gate says the result is unreliable
(a paced rhythm included, from the spikes or from the statements model's call),
the statements are still computed but the interpretation is marked withheld, with the reason.
"""
from __future__ import annotations

from mirage_model.review.interpret.statements import (ADULT_TRAINED, ATRIAL_NON_SINUS, FIRST_DEGREE_AVB, GROUPS,
                                                      GUESSED, NOT_CLASSIFIED, PAEDIATRIC_HEAD, PAEDIATRIC_SHORT,
                                                      PRIMARY_RHYTHMS, PTBXL_RECORDS, PTBXL_TRAINED, PTBXL_UNDER_16,
                                                      RULE_IDS,
                                                      RULE_SAYS, SINUS, STATEMENTS, Interpretation, Statement,
                                                      StatementInfo, _in_sentence, atrial_statement, confidence_word,
                                                      paediatric_meaning, paediatric_note, statement_labels,
                                                      trained_words)
from mirage_model.review.interpret.reading import (AXIS_LEFT_DEG, AXIS_RIGHT_DEG, BRADY_BPM, PR_1AVB_MS, PR_SHORT_MS,
                                                   QRS_WIDE_MS, TACHY_BPM)
from mirage_model.review.interpret.atrial import (AF_NRMSSD, AF_RULE_CONDUCTED, AF_RULE_MIN_P,
                                                  AF_RULE_SINUS_PR_IQR_MS, AF_RULE_SINUS_P_SHARE, BARE_FLUTTER,
                                                  BARE_FLUTTER_NOTE, BARE_FLUTTER_WHY, FLUTTER_2TO1,
                                                  FLUTTER_2TO1_TOLERANCE, FLUTTER_CONDUCTED, FLUTTER_MAX_CONDUCTION,
                                                  FLUTTER_MIN_CONDUCTION, FLUTTER_MULTIPLES,
                                                  FLUTTER_MULTIPLE_TOLERANCE, NO_P_NOTE, RR_CV_IRREGULAR)
from mirage_model.review.interpret.flutter import (FLUTTER_2TO1_INFERIOR_CONCENTRATION, FLUTTER_INFERIOR,
                                                   FLUTTER_MAX_HARMONIC_RATIO, FLUTTER_MIN_CONCENTRATION,
                                                   FLUTTER_SPREAD_HZ, flutter_waves, inferior_flutter_waves)
from mirage_model.review.interpret.rhythm import (AF_PAC_NOTE, AF_P_CORR, AF_P_MARK, AF_P_NOTE, AF_REGULAR_MARK,
                                                  AF_STEADY_P_MARK, AF_STEADY_P_NOTE, AF_STEADY_P_SHARE,
                                                  AF_STEADY_PR_IQR_MS,
                                                  PACED_ATRIAL_PERIODICITY, PAC_AF_NOTE, P_BEATS_HEAD, P_BEATS_NOTE,
                                                  UNBOUNDED_NOTE, UNDELINEATED_NOTE, WIDE_TACHY)
from mirage_model.review.interpret.conduction import (ABQRS_WITH_QWAVE, AVB_ATRIAL_NOTE, AVB_ATRIAL_WHY,
                                                      AXIS_UNRELIABLE_NOTE, FASCICULAR_AXIS, INVERTED_NOTE,
                                                      PACED_QRS_CODES, PACED_QRS_MARK, PACED_QRS_REASON, PACED_WPW,
                                                      PACE_LABELLED, PR_ATRIAL_WHY)
from mirage_model.review.interpret.voltage import (LOW_VOLTAGE, LOW_VOLTAGE_CODES, LVH_CODES, VOLTAGE_BLOCKS,
                                                   VOLTAGE_LVH, voltage_statements)
from mirage_model.review.interpret.qtc import (BAZETT_FAST_MARK, BOGOSSIAN, QTC_BAZETT_HR_MAX, QTC_BOTH_ABOVE_BPM,
                                               QTC_HR_MIN, QT_QRS_FRACTION, QT_WIDE_MARK)
from mirage_model.review.interpret.findings import (INFARCTS_SAID_TOGETHER, INFARCT_WALLS, ISC_WITH_LOCALISED,
                                                    ISC_WITH_LVH, LOCALISED_ISCHAEMIA, LOCALISED_LABELLED,
                                                    NONSPECIFIC_BESIDE_LOCALISED)
from mirage_model.review.interpret.evidence import (AMPLITUDE_CLASSES, AMPLITUDE_CODES, AMPLITUDE_UNRELIABLE_NOTE,
                                                    NOISE_MARK, NOISE_NOTE, amplitude_note, doubted_calls,
                                                    finding_evidence, gain_evidence, limb_evidence, noise_evidence,
                                                    noise_hidden, paced_evidence, UNMEASURED_MARK,
                                                    unmeasured_note)
from mirage_model.review.interpret.models import (DISAGREE, MI_STATEMENTS, OWN_LABEL, companion_statements_model,
                                                  infarct_disagreement, own_label_statements, own_labels)
from mirage_model.review.interpret.assemble import (IRREGULAR_UNCLASSIFIED, interpret)
from mirage_model.review.interpret.prediction import (FROM_PREDICTION, LEARNED_REVERSAL, REVERSAL_IN_WIDE_TACHY,
                                                      interpret_prediction, no_statement_text, prediction_age,
                                                      session_disagreement, session_interpretation,
                                                      session_noise_hidden)

__all__ = ["ABQRS_WITH_QWAVE", "ADULT_TRAINED", "AF_NRMSSD", "AF_PAC_NOTE", "AF_P_CORR", "AF_P_MARK", "AF_P_NOTE",
           "AF_REGULAR_MARK", "AF_RULE_CONDUCTED", "AF_STEADY_P_MARK", "AF_STEADY_P_NOTE",
           "AF_STEADY_PR_IQR_MS", "AF_STEADY_P_SHARE", "AF_RULE_MIN_P", "AF_RULE_SINUS_PR_IQR_MS",
           "AF_RULE_SINUS_P_SHARE",
           "AMPLITUDE_CLASSES", "AMPLITUDE_CODES", "AMPLITUDE_UNRELIABLE_NOTE", "ATRIAL_NON_SINUS", "AVB_ATRIAL_NOTE",
           "AVB_ATRIAL_WHY", "AXIS_LEFT_DEG", "AXIS_RIGHT_DEG", "AXIS_UNRELIABLE_NOTE", "BARE_FLUTTER",
           "BARE_FLUTTER_NOTE", "BARE_FLUTTER_WHY", "BAZETT_FAST_MARK", "BOGOSSIAN", "BRADY_BPM", "DISAGREE",
           "FASCICULAR_AXIS", "FIRST_DEGREE_AVB", "FLUTTER_2TO1", "FLUTTER_2TO1_INFERIOR_CONCENTRATION",
           "FLUTTER_2TO1_TOLERANCE", "FLUTTER_CONDUCTED", "FLUTTER_INFERIOR", "FLUTTER_MAX_CONDUCTION",
           "FLUTTER_MAX_HARMONIC_RATIO", "FLUTTER_MIN_CONCENTRATION", "FLUTTER_MIN_CONDUCTION", "FLUTTER_MULTIPLES",
           "FLUTTER_MULTIPLE_TOLERANCE", "FLUTTER_SPREAD_HZ", "FROM_PREDICTION", "GROUPS", "GUESSED",
           "INFARCTS_SAID_TOGETHER", "INFARCT_WALLS", "INVERTED_NOTE", "IRREGULAR_UNCLASSIFIED", "ISC_WITH_LOCALISED",
           "ISC_WITH_LVH", "Interpretation", "LEARNED_REVERSAL", "LOCALISED_ISCHAEMIA", "LOCALISED_LABELLED",
           "LOW_VOLTAGE", "LOW_VOLTAGE_CODES", "LVH_CODES", "MI_STATEMENTS", "NOISE_MARK", "NOISE_NOTE",
           "NONSPECIFIC_BESIDE_LOCALISED", "NOT_CLASSIFIED", "NO_P_NOTE", "OWN_LABEL", "PACED_ATRIAL_PERIODICITY",
           "PACED_QRS_CODES", "PACED_QRS_MARK", "PACED_QRS_REASON", "PACED_WPW", "PACE_LABELLED", "PAC_AF_NOTE",
           "PAEDIATRIC_HEAD", "PAEDIATRIC_SHORT", "PRIMARY_RHYTHMS", "PR_1AVB_MS", "PR_ATRIAL_WHY", "PR_SHORT_MS",
           "PTBXL_RECORDS", "PTBXL_TRAINED", "PTBXL_UNDER_16", "P_BEATS_HEAD", "P_BEATS_NOTE", "QRS_WIDE_MS",
           "QTC_BAZETT_HR_MAX",
           "QTC_BOTH_ABOVE_BPM", "QTC_HR_MIN", "QT_QRS_FRACTION", "QT_WIDE_MARK", "REVERSAL_IN_WIDE_TACHY",
           "RR_CV_IRREGULAR", "RULE_IDS", "RULE_SAYS", "SINUS", "STATEMENTS", "Statement", "StatementInfo",
           "TACHY_BPM", "UNBOUNDED_NOTE", "UNMEASURED_MARK", "UNDELINEATED_NOTE", "VOLTAGE_BLOCKS", "VOLTAGE_LVH",
           "WIDE_TACHY",
           "_in_sentence", "amplitude_note", "atrial_statement", "companion_statements_model", "confidence_word",
           "doubted_calls", "finding_evidence", "flutter_waves", "gain_evidence", "infarct_disagreement",
           "inferior_flutter_waves", "interpret", "interpret_prediction", "limb_evidence", "no_statement_text",
           "noise_evidence", "noise_hidden", "own_label_statements", "own_labels", "paced_evidence",
           "paediatric_meaning", "paediatric_note", "prediction_age", "session_disagreement", "session_interpretation",
           "session_noise_hidden", "statement_labels", "trained_words", "unmeasured_note", "voltage_statements"]
