"""measure.atrial (the atrial activity between the QRS complexes) against independent truth: synthetic
flutter waves of a known rate, fibrillatory waves without one, P waves dissociated from paced complexes at
a known P-P interval, and LUDB's cardiologists' rhythm (skipped when absent); and the interpretation's
flutter rule and sinus-beside-pacing rule on them."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import signal as sps

from mirage_model.measure import AtrialActivity, measure
from mirage_model.records import STANDARD_LEADS, EcgRecord
from mirage_model.review.interpret import PACED_ATRIAL_PERIODICITY, flutter_waves, interpret_prediction

FS = 500.0
# frontal lead directions (degrees, hexaxial) and gains; precordial leads: (atrial, QRS, T) gains
_FRONTAL = {"I": (0, 1.0), "II": (60, 1.0), "III": (120, 1.0), "aVR": (-150, math.sqrt(3) / 2),
            "aVL": (-30, math.sqrt(3) / 2), "aVF": (90, math.sqrt(3) / 2)}
_PRECORDIAL = {"V1": (0.6, -0.6, -0.2), "V2": (0.3, -0.2, 0.6), "V3": (0.2, 0.4, 0.8), "V4": (0.1, 0.9, 0.9),
               "V5": (0.1, 1.0, 0.7), "V6": (0.1, 0.7, 0.5)}
LUDB_AF = ("8", "38", "44", "51", "83", "88", "93", "95", "96")      # ludb.csv: "Atrial fibrillation"
LUDB_FLUTTER = ("35", "52")                                          # ludb.csv: "Atrial flutter, typical"
# ludb.csv's paced records with no P wave before the QRS: (id, rhythm is sinus). 34 and 90: sinus rhythm, third
# degree AV block, ventricular pacing; 8, 93, 95: atrial fibrillation, ventricular pacing. Left out: 74 (sinus, third
# degree block), whose P waves are barely above the noise (periodicity 0.07: a sinus statement there would go)
LUDB_PACED = (("34", True), ("90", True), ("8", False), ("93", False), ("95", False))


def _hump(n: int) -> np.ndarray:
    return np.sin(np.pi * (np.arange(n) + 0.5) / n) ** 2


def _record(atrial: np.ndarray, qrs_at, fs: float = FS, seconds: float = 10.0, seed: int = 0,
            v1: tuple[float, float, float] | None = None) -> EcgRecord:
    """12 leads: ``atrial`` (T,) mV along a superior frontal axis (-90 deg, as typical flutter's
    negative sawtooth in II, III, aVF), a QRS and T wave starting at each of ``qrs_at`` (samples);
    ``v1``: V1's (atrial, QRS, T) gains instead of ``_PRECORDIAL``'s."""
    T = int(seconds * fs)
    s = lambda ms: int(round(ms * fs / 1000.0))  # noqa: E731
    qrs, t = np.zeros(T), np.zeros(T)
    for q0 in qrs_at:
        if q0 + s(400) >= T:
            break
        ql, rl, sl = s(18), s(40), s(32)
        qrs[q0:q0 + ql] -= 0.15 * _hump(ql)
        qrs[q0 + ql:q0 + ql + rl] += 1.2 * _hump(rl)
        qrs[q0 + ql + rl:q0 + ql + rl + sl] -= 0.35 * _hump(sl)
        t[q0 + s(220):q0 + s(400)] += 0.3 * _hump(s(400) - s(220))
    sig = np.zeros((12, T))
    for li, lead in enumerate(STANDARD_LEADS):
        for k, (wave, angle) in enumerate(((atrial[:T], -90.0), (qrs, 45.0), (t, 40.0))):
            if lead in _FRONTAL:
                deg, gain = _FRONTAL[lead]
                sig[li] += gain * math.cos(math.radians(angle - deg)) * wave
            else:
                sig[li] += (v1 if lead == "V1" and v1 is not None else _PRECORDIAL[lead])[k] * wave
    rng = np.random.default_rng(seed)
    sig += 0.01 * rng.standard_normal(sig.shape) + 0.05 * np.sin(2 * np.pi * 0.2 * np.arange(T) / fs)
    return EcgRecord(signal=sig.astype(np.float32), fs=fs, record_id="synthetic")


def flutter_record(f_hz: float, conduction=(2,), fs: float = FS, amp: float = 0.2, seed: int = 0,
                   delay: float = 0.16, v1: tuple[float, float, float] | None = None) -> EcgRecord:
    """Flutter waves: a sawtooth at ``f_hz`` (slow descent, fast rise), every ``conduction[k]``-th wave
    conducted in turn (2: 2:1; (2, 4): variable, an irregular ventricular rhythm), its QRS ``delay`` s after
    the wave's start."""
    seconds = 10.0
    tt = np.arange(int(seconds * fs)) / fs
    saw = amp * sps.sawtooth(2 * np.pi * f_hz * tt, width=0.8)
    waves = np.arange(0.1, seconds, 1.0 / f_hz)
    qrs, i, k = [], 0, 0
    while i < len(waves):
        qrs.append(int(round((waves[i] + delay) * fs)))
        i += conduction[k % len(conduction)]
        k += 1
    return _record(saw, qrs, fs, seconds, seed, v1)


def fibrillation_record(fs: float = FS, seed: int = 0) -> EcgRecord:
    """Fibrillatory waves: noise band-limited to 4-9 Hz (no single rate), RR intervals drawn at random
    from 450-1100 ms (irregularly irregular)."""
    rng = np.random.default_rng(seed)
    seconds, T = 10.0, int(10.0 * fs)
    sos = sps.butter(2, [4.0, 9.0], btype="bandpass", fs=fs, output="sos")
    f = sps.sosfiltfilt(sos, rng.standard_normal(T + 2000))[1000:-1000]
    qrs, at = [], 0.2
    while at < seconds:
        qrs.append(int(at * fs))
        at += rng.uniform(0.45, 1.1)
    return _record(0.1 * f / f.std(), qrs, fs, seconds, seed)


def fibrillation_at_record(f_hz: float, bpm: float, seed: int = 0) -> EcgRecord:
    """Fibrillatory waves organised about one frequency: noise band-limited to ``f_hz`` +/- 0.25 Hz (nothing at
    half of it), QRS complexes at ``bpm`` with each RR interval drawn within +/- 3 % (a controlled ventricular
    rate, nearly regular)."""
    rng = np.random.default_rng(seed)
    seconds, T = 10.0, int(10.0 * FS)
    sos = sps.butter(2, [f_hz - 0.25, f_hz + 0.25], btype="bandpass", fs=FS, output="sos")
    f = sps.sosfiltfilt(sos, rng.standard_normal(T + 2000))[1000:-1000]
    qrs, at = [], 0.2
    while at < seconds:
        qrs.append(int(at * FS))
        at += 60.0 / bpm * rng.uniform(0.97, 1.03)
    return _record(0.1 * f / f.std(), qrs, FS, seconds, seed)


def paced_record(atrial: str, fs: float = FS, seed: int = 0) -> EcgRecord:
    """Regular ventricular pacing at 60/min beside ``atrial`` activity: "dissociated", P waves at a P-P interval
    of 0.8 s (75/min, complete AV block: none conducted); "fibrillation", fibrillatory waves (noise band-limited
    to 4-9 Hz, each lead its own, as they differ from lead to lead: Bollmann et al. 2006)."""
    T = int(10.0 * fs)
    qrs = [int(t * fs) for t in np.arange(0.5, 10.0, 1.0)]
    if atrial == "dissociated":
        p, n = np.zeros(T), int(0.1 * fs)
        for t0 in np.arange(0.3, 10.0 - 0.1, 0.8):
            i = int(round(t0 * fs))
            p[i:i + n] -= 0.1 * _hump(n)          # along -90 deg in _record: upright in II, III and aVF
        return _record(p, qrs, fs, seed=seed)
    rec = _record(np.zeros(T), qrs, fs, seed=seed)
    rng = np.random.default_rng(100 + seed)
    sos = sps.butter(2, [4.0, 9.0], btype="bandpass", fs=fs, output="sos")
    f = sps.sosfiltfilt(sos, rng.standard_normal((12, T + 2000)), axis=1)[:, 1000:-1000]
    sig = rec.signal + (0.05 * f / f.std(axis=1, keepdims=True)).astype(np.float32)
    return EcgRecord(signal=sig, fs=fs, record_id="synthetic paced AF")


def at_100hz(rec: EcgRecord) -> EcgRecord:
    """The record as PTB-XL's records100 hold it (anti-aliased, 100 Hz)."""
    sig = sps.resample_poly(rec.signal.astype(np.float64), 1, int(rec.fs // 100), axis=1)
    return EcgRecord(signal=sig.astype(np.float32), fs=100.0, record_id=rec.record_id + "_lr")


@pytest.mark.parametrize("fs", [500.0, 100.0])
@pytest.mark.parametrize("f_hz, conduction", [(4.0, (2,)), (4.5, (4,)), (5.0, (2,)), (4.5, (2, 4)),
                                              (5.5, (3, 2, 4))])
def test_flutter_waves_give_their_rate(f_hz, conduction, fs):
    rec = flutter_record(f_hz, conduction)
    rec = at_100hz(rec) if fs == 100.0 else rec
    a = measure(rec, fiducials=False).atrial
    assert a is not None and a.complete and a.leads == ("II", "III", "aVF", "V1")
    assert a.rate_per_min == pytest.approx(60.0 * f_hz, rel=0.05)
    assert np.all(np.abs(a.dominant_hz - f_hz) <= 0.05 * f_hz)


@pytest.mark.parametrize("fs", [500.0, 100.0])
@pytest.mark.parametrize("conduction", [(2,), (2, 4)])
def test_clear_flutter_waves_are_called_flutter(conduction, fs):
    """A sawtooth at 270/min in 2:1 (regular) and variable (irregular) conduction."""
    rec = flutter_record(4.5, conduction)
    rec = at_100hz(rec) if fs == 100.0 else rec
    m = measure(rec, fiducials=False)
    rate, lowest = flutter_waves(m.atrial)
    assert rate == pytest.approx(270.0, rel=0.05) and lowest >= 0.75


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("fs", [500.0, 100.0])
def test_fibrillatory_waves_are_not_flutter(seed, fs):
    rec = fibrillation_record(seed=seed)
    rec = at_100hz(rec) if fs == 100.0 else rec
    m = measure(rec, fiducials=False)
    assert m.rhythm_irregular or m.rr_nrmssd > 0.1
    assert m.atrial is not None and flutter_waves(m.atrial) is None
    assert np.nanmax(m.atrial.concentration) < 0.5


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("fs", [500.0, 100.0])
def test_fibrillatory_waves_at_twice_a_peak_of_the_t_waves_are_not_flutter(seed, fs):
    """Fibrillatory waves at 7.3 Hz (438/min, outside the flutter band) at a nearly regular 110 bpm: the T wave's
    residue repeats at twice the rate, 3.67 Hz, the band's largest peak, and the concentration counts the peak and
    its second harmonic, so the waves at 7.3 Hz made it flutter waves: "Atrial flutter, atrial rate 220/min" over the
    model's atrial fibrillation. A flutter peak is the fundamental (a sawtooth's harmonics are weaker); here the
    second harmonic holds more power than the peak."""
    rec = fibrillation_at_record(7.3, 110.0, seed)
    rec = at_100hz(rec) if fs == 100.0 else rec
    m = measure(rec, fiducials=False)
    a = m.atrial
    assert m.heart_rate_bpm == pytest.approx(110.0, abs=3.0)
    assert a is not None and a.complete and np.all(np.abs(a.dominant_hz - 2 * 110.0 / 60.0) <= 0.15)
    assert a.max_harmonic_ratio > 1.0 and flutter_waves(a) is None
    it = interpret_prediction(_prediction({"AFIB": 0.9}), m, "M")
    assert it.first.text.startswith("Atrial fibrillation, ") and it.first.source == "model", it.lines()
    assert not any(s.text.startswith("Atrial flutter") for s in it.statements)


def test_flutter_peaks_are_their_fundamentals():
    """A sawtooth's second harmonic holds a quarter of its fundamental's power (amplitude 1/2): every flutter
    record of ``test_flutter_waves_give_their_rate`` keeps its peaks' harmonic ratio below 1 (the flutter rule's
    limit), in 2:1, 4:1 and variable conduction."""
    for f_hz, conduction in ((4.0, (2,)), (4.5, (4,)), (5.0, (2,)), (4.5, (2, 4)), (5.5, (3, 2, 4))):
        for rec in (flutter_record(f_hz, conduction), at_100hz(flutter_record(f_hz, conduction))):
            assert measure(rec, fiducials=False).atrial.max_harmonic_ratio < 1.0


def test_no_atrial_activity_from_a_record_too_short_for_its_spectrum():
    rec = flutter_record(4.5)
    short = EcgRecord(signal=rec.signal[:, :int(3.5 * FS)], fs=FS, record_id="short")
    m = measure(short, fiducials=False)
    assert m.heart_rate_bpm is not None and m.atrial is None


def test_a_flat_lead_leaves_the_activity_incomplete():
    rec = flutter_record(4.5)
    sig = rec.signal.copy()
    sig[STANDARD_LEADS.index("V1")] = 0.0
    a = measure(EcgRecord(signal=sig, fs=FS, record_id="flat V1"), fiducials=False).atrial
    assert np.isnan(a.dominant_hz[3]) and not a.complete and flutter_waves(a) is None
    assert a.rate_per_min == pytest.approx(270.0, rel=0.05)


def _prediction(probs: dict):
    """A statements model's prediction of the flutter-relevant rhythms (threshold 0.3 each)."""
    from types import SimpleNamespace

    labels = ["SR", "AFIB", "AFLT", "STACH", "PACE", "NORM"]
    return SimpleNamespace(labels=labels, probabilities=np.array([probs.get(c, 0.01) for c in labels]),
                           thresholds=np.full(len(labels), 0.3), withheld="", model_name="test",
                           measured_labels=(), quality=None)


def test_the_model_s_atrial_fibrillation_on_flutter_waves_reads_flutter_with_both_rates():
    m = measure(flutter_record(4.5, (2, 4)), fiducials=False)
    it = interpret_prediction(_prediction({"AFIB": 0.9}), m, "M")
    first = it.first
    hr = f"{m.heart_rate_bpm:.0f}"
    assert first.text.startswith(f"Atrial flutter, atrial rate 270/min, ventricular rate {hr} bpm"), first.text
    assert first.source == "measurement" and "Saoudi" in first.rule and "Everett" in first.rule
    assert not any(s.text.startswith("Atrial fibrillation") for s in it.statements)
    why = "atrial fibrillation (90%) not stated: regular atrial activity at 270/min"
    assert any(r.startswith(why) for r in it.resolved)


def test_cpsc_flutter_with_4_to_1_conduction_said_sinus_without_p_waves_reads_flutter(test_data):
    """CPSC-Extra Q0096 (#Dx 164890007, atrial flutter; on paper four sawtooth waves between each two QRS in
    II, III and aVF, about 290/min at a ventricular rate of 72 bpm) read "Sinus rhythm, 72 bpm (?)": the
    statements model says sinus rhythm (P=0.75 as shipped) and the measurements find no P wave. Flutter waves
    at 4 times the ventricular rate with no P wave before the QRS are atrial flutter."""
    from mirage_model.records import load_record

    m = measure(load_record(test_data / "cinc2020" / "Q0096.hea"))
    assert m.pr_ms is None and m.heart_rate_bpm == pytest.approx(72.0, abs=2.0)
    it = interpret_prediction(_prediction({"SR": 0.75}), m, "F")
    first = it.first
    assert first.text.startswith("Atrial flutter, atrial rate ") and first.source == "measurement", it.lines()
    rate = float(first.text.split("atrial rate ")[1].split("/min")[0])
    assert rate == pytest.approx(4 * m.heart_rate_bpm, rel=0.05) and 240 <= rate <= 350
    assert not any(s.text.startswith("Sinus") for s in it.statements)
    assert any(r.startswith("sinus rhythm (75%) not stated: no P wave found before the QRS") for r in it.resolved)


def test_the_model_s_flutter_stands_on_fibrillatory_waves():
    """The measurement does not refute the model: disorganised activity keeps the model's own call."""
    m = measure(fibrillation_record(), fiducials=False)
    it = interpret_prediction(_prediction({"AFLT": 0.8}), m, "M")
    assert it.first.source == "model" and it.first.code == "AFLT" and it.first.text.startswith("Atrial flutter, ")
    assert "atrial rate" not in it.first.text


def sinus_record(bpm: float, fs: float = FS, seed: int = 0, pr: float = 0.14,
                 v1: tuple[float, float, float] | None = None) -> EcgRecord:
    """Sinus rhythm: an upright P wave (90 ms, 0.13 mV in II) starting ``pr`` s (140 ms) before each QRS, at ``bpm``;
    at 150 bpm it sits on the end of the T wave."""
    seconds, rr = 10.0, 60.0 / bpm
    qrs = [int(round((0.3 + k * rr) * fs)) for k in range(int(seconds / rr) + 1)]
    atrial, n = np.zeros(int((seconds + 1.0) * fs)), int(round(0.09 * fs))
    for q in qrs:
        start = q - int(round(pr * fs))
        if start >= 0 and start + n < len(atrial):
            atrial[start:start + n] -= 0.15 * _hump(n)       # along -90 deg: upright in II, III, aVF
    return _record(atrial, qrs, fs, seconds, seed, v1)


def _reads_2to1_flutter(m):
    """The first statement of ``m`` (a regular 150 bpm with flutter waves at 300/min) beside a sinus guess below its
    threshold: possible 2:1 flutter from the rule, sinus not said but resolved; beside the model's sinus tachycardia
    above its threshold, that stands (a sinus rhythm's P and T waves repeat at twice its rate). Returns the rule's
    statement."""
    it = interpret_prediction(_prediction({"STACH": 0.2, "SR": 0.05}), m, "M")
    first = it.first
    assert first.text.startswith("Atrial flutter with 2:1 conduction (possible), atrial rate 300/min, ventricular "
                                 "rate 150 bpm"), it.lines()
    assert first.source == "measurement" and first.code == "AFLT"
    assert not any(s.text.startswith("Sinus") for s in it.statements)
    assert any(r.startswith("sinus tachycardia (20%, the model's most probable rhythm, below its threshold) not "
                            "stated: regular atrial activity at 300/min") for r in it.resolved), it.resolved
    called = interpret_prediction(_prediction({"STACH": 0.9}), m, "M")
    assert called.first.text.startswith("Sinus tachycardia, 150 bpm") and not any(
        "flutter" in s.text for s in called.statements)
    return first


@pytest.mark.parametrize("fs", [500.0, 100.0])
def test_2_to_1_flutter_guessed_as_sinus_tachycardia_reads_possible_2_to_1_flutter(fs):
    """A sawtooth at 300/min conducted 2:1 (QRS at 150 bpm, regular) is the classic misreading as sinus
    tachycardia: PTB-XL 03505, 10065, 10752, 15106 (folds 1-8, labelled atrial flutter) read "Sinus tachycardia,
    150 bpm, most probable rhythm (below its threshold)". With sinus only the model's guess below its threshold, the
    flutter waves at twice the regular ventricular rate read possible 2:1 flutter, at the rates drawn."""
    rec = flutter_record(5.0, (2,))
    m = measure(at_100hz(rec) if fs == 100.0 else rec, fiducials=False)
    assert m.heart_rate_bpm == pytest.approx(150.0, abs=2.0)
    first = _reads_2to1_flutter(m)
    assert "2:1 conduction" in first.rule and "Goldberger" in first.rule and "Saoudi" in first.rule


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("fs", [500.0, 100.0])
@pytest.mark.parametrize("bpm", [130.0, 150.0, 165.0])
def test_sinus_tachycardia_with_p_waves_is_not_2_to_1_flutter(bpm, fs, seed):
    """Sinus tachycardia with a P wave before each QRS, sinus only the model's guess below its threshold: its P and
    T waves repeat at twice its rate, but hold less of the power there than flutter waves do; it stays sinus."""
    rec = sinus_record(bpm, seed=seed)
    m = measure(at_100hz(rec) if fs == 100.0 else rec, fiducials=False)
    assert m.heart_rate_bpm == pytest.approx(bpm, abs=2.0)
    it = interpret_prediction(_prediction({"STACH": 0.2, "SR": 0.05}), m, "M")
    assert it.first.text.startswith(f"Sinus tachycardia, {bpm:.0f} bpm"), it.lines()
    assert not any("flutter" in s.text for s in it.statements)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("fs", [500.0, 100.0])
def test_a_flutter_wave_measured_as_a_p_wave_gives_no_pr_statement(fs, seed):
    """At 2:1 a flutter wave stands before each QRS, here 20 ms before it (300/min, 150 bpm), and the delineator
    measures it as a P wave with a short "PR": PTB-XL 10752_lr (folds 1-8, labelled atrial flutter) read "Atrial
    flutter with 2:1 conduction (possible), ...; Short PR interval (PR 103 ms)". A PR is a conducted P wave's; beside
    the flutter said (here by the 2:1 rule, the model's sinus a guess) no PR statement is, with the reason."""
    rec = flutter_record(5.0, (2,), amp=0.15, seed=seed, delay=0.02)
    m = measure(at_100hz(rec) if fs == 100.0 else rec, fiducials=False)
    assert m.pr_ms is not None and m.pr_ms < 120.0          # the flutter wave, measured as a P wave
    it = interpret_prediction(_prediction({"STACH": 0.2, "SR": 0.05}), m, "M")
    assert it.first.text.startswith("Atrial flutter with 2:1 conduction (possible), atrial rate 300/min"), it.lines()
    assert not any("PR" in s.text for s in it.statements), it.lines()
    why = (f"short PR interval (PR {m.pr_ms:.0f} ms) not stated: beside atrial flutter with 2:1 conduction (possible) "
           "the wave measured as a P wave is a flutter wave")
    assert any(r.startswith(why) for r in it.resolved), it.resolved


@pytest.mark.parametrize("fs", [500.0, 100.0])
@pytest.mark.parametrize("pr, said", [(0.22, "First degree AV block (PR "), (0.10, "Short PR interval (PR ")])
def test_a_sinus_rhythm_s_pr_statements_stand(pr, said, fs):
    """Sinus rhythm with its P wave drawn 220 ms (first degree AV block) or 100 ms (short PR) before each QRS: the PR
    rules say it, as the model's sinus rhythm or its guess is said."""
    rec = sinus_record(75.0, pr=pr)
    m = measure(at_100hz(rec) if fs == 100.0 else rec, fiducials=False)
    for probs in ({"SR": 0.9}, {"SR": 0.2, "STACH": 0.05}):
        it = interpret_prediction(_prediction(probs), m, "M")
        assert it.first.text.startswith("Sinus rhythm, 75 bpm"), it.lines()
        assert [s.text for s in it.statements if "PR" in s.text] == [f"{said}{m.pr_ms:.0f} ms)"], it.lines()
        assert not any("PR" in r for r in it.resolved), it.resolved


@pytest.mark.parametrize("age", [1.0, 15.0])
def test_2_to_1_flutter_is_not_said_over_a_child_s_sinus_guess(age):
    """Below 16 years a child's normal rate puts its P and T waves' second harmonic in the flutter band (145 bpm at
    one month: 290/min): the children's rule keeps flutter at twice the ventricular rate off, with its reason."""
    m = measure(flutter_record(5.0, (2,)), fiducials=False)
    it = interpret_prediction(_prediction({"STACH": 0.2, "SR": 0.05}), m, "M", age=age)
    assert not any("flutter" in s.text for s in it.statements), it.lines()
    assert any(r.startswith("atrial flutter from the atrial activity not stated: regular atrial activity at 300/min "
                            "is 2.0 times the ventricular rate 150 bpm") for r in it.resolved), it.resolved
    adult = interpret_prediction(_prediction({"STACH": 0.2, "SR": 0.05}), m, "M", age=16.0)
    assert adult.first.text.startswith("Atrial flutter with 2:1 conduction (possible)"), adult.lines()


def with_noisy_v1(rec: EcgRecord, sd: float = 0.03, seed: int = 0) -> EcgRecord:
    """The record with noise band-limited to the atrial band (3-12 Hz, ``sd`` mV) added to V1 alone."""
    rng = np.random.default_rng(50 + seed)
    sos = sps.butter(2, [3.0, 12.0], btype="bandpass", fs=rec.fs, output="sos")
    n = sps.sosfiltfilt(sos, rng.standard_normal(rec.signal.shape[1] + 2000))[1000:-1000]
    sig = rec.signal.copy()
    sig[STANDARD_LEADS.index("V1")] += (sd * n / n.std()).astype(np.float32)
    return EcgRecord(signal=sig, fs=rec.fs, record_id=rec.record_id)


# V1's (atrial, QRS, T) gains where its flutter waves are small: discrete waves, beside the QRS's residue and noise
SMALL_V1 = (0.1, -0.6, -0.2)


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("fs", [500.0, 100.0])
def test_2_to_1_flutter_with_v1_short_guessed_as_sinus_tachycardia_reads_possible_2_to_1_flutter(fs, seed):
    """PTB-XL 02739, 07796, 14070 (folds 1-8, labelled AFLT, 147-171 bpm) read "Sinus tachycardia, most probable
    rhythm (below its threshold)": their sawtooth holds 84-99 % of the power in II, III and aVF, but V1, its peak at
    the same rate, 32-55 %, short of the four-lead rule's 75 %. A sawtooth at 300/min conducted 2:1 (one wave in the
    QRS) whose V1 shows small flutter waves beside noise reads possible 2:1 flutter, at the rates drawn, not sinus."""
    rec = with_noisy_v1(flutter_record(5.0, (2,), seed=seed, v1=SMALL_V1), seed=seed)
    m = measure(at_100hz(rec) if fs == 100.0 else rec, fiducials=False)
    a = m.atrial
    assert m.heart_rate_bpm == pytest.approx(150.0, abs=2.0)
    assert a.concentration[3] < 0.75 <= a.concentration[:3].min() and flutter_waves(a) is None     # V1 short
    first = _reads_2to1_flutter(m)
    assert "in II, III and aVF" in first.rule and f"V1 {a.concentration[3]:.0%}" in first.rule
    # a child's sinus guess (the children's rule)
    child = interpret_prediction(_prediction({"STACH": 0.2, "SR": 0.05}), m, "M", age=10.0)
    assert not any("flutter" in s.text for s in child.statements), child.lines()


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("fs", [500.0, 100.0])
@pytest.mark.parametrize("bpm", [130.0, 150.0, 165.0])
def test_sinus_tachycardia_with_v1_short_is_not_2_to_1_flutter(bpm, fs, seed):
    """Sinus tachycardia with a P wave before each QRS and V1 as in the test above, sinus only the model's guess: its
    P and T waves repeat at twice its rate, and V1 falls short, but they hold less of the inferior leads' power than
    flutter waves do (67-84 %, below the inferior rule's 80 % in III); it stays sinus."""
    rec = with_noisy_v1(sinus_record(bpm, seed=seed, v1=SMALL_V1), seed=seed)
    m = measure(at_100hz(rec) if fs == 100.0 else rec, fiducials=False)
    assert m.heart_rate_bpm == pytest.approx(bpm, abs=2.0)
    it = interpret_prediction(_prediction({"STACH": 0.2, "SR": 0.05}), m, "M")
    assert it.first.text.startswith(f"Sinus tachycardia, {bpm:.0f} bpm"), it.lines()
    assert not any("flutter" in s.text for s in it.statements)


@pytest.mark.parametrize("fs", [500.0, 100.0])
@pytest.mark.parametrize("f_hz, conduction, delay, said", [
    (5.0, (4,), 0.16, "4:1 conduction (possible), atrial rate 300/min, ventricular rate 75 bpm"),
    (4.5, (3,), 0.20, "3:1 conduction (possible), atrial rate 270/min, ventricular rate 90 bpm"),
    (4.5, (3, 4), 0.16, "variable conduction (possible), atrial rate 270/min, ventricular rate 76 bpm")])
def test_3_to_1_and_4_to_1_flutter_with_a_p_wave_measured_guessed_as_sinus_reads_flutter(f_hz, conduction, delay,
                                                                                       said, fs):
    """A sawtooth (0.3 mV) conducted 4:1 at 300/min, 3:1 at 270/min, or 3:1 and 4:1 in turn: one flutter wave stands
    ``delay`` s before each QRS and the delineator measures it as a P wave at a normal or short PR, so the rule for a
    rhythm without a P wave says nothing and the model's sinus guess stood ("Sinus rhythm, 75 bpm, most probable
    rhythm (below its threshold)", as PTB-XL 16401, folds 1-8, labelled atrial flutter). Flutter waves at a whole
    multiple of a regular ventricular rate, or variably conducted, read flutter with that conduction; the model's sinus
    rhythm above its threshold stands."""
    rec = flutter_record(f_hz, conduction, amp=0.3, delay=delay)
    m = measure(at_100hz(rec) if fs == 100.0 else rec, fiducials=False)
    assert m.pr_ms is not None                              # a flutter wave, measured as a P wave
    it = interpret_prediction(_prediction({"SR": 0.2, "STACH": 0.05}), m, "M")
    first = it.first
    assert first.text.startswith(f"Atrial flutter with {said}"), it.lines()
    assert first.source == "measurement" and first.code == "AFLT" and "Goldberger" in first.rule
    assert not any(s.text.startswith("Sinus") or "PR" in s.text for s in it.statements), it.lines()
    assert any(r.startswith("sinus rhythm (20%, the model's most probable rhythm, below its threshold) not stated: "
                            f"regular atrial activity at {60 * f_hz:.0f}/min") for r in it.resolved), it.resolved
    called = interpret_prediction(_prediction({"SR": 0.9}), m, "M")
    assert called.first.text.startswith("Sinus rhythm, ") and not any("flutter" in s.text for s in called.statements)


def sinus_u_record(bpm: float, u_at: float, biphasic: float = 0.0, fs: float = FS) -> EcgRecord:
    """Sinus rhythm (``sinus_record``'s P wave 140 ms before each QRS) with a prominent U wave (0.1 mV, 160 ms) starting
    ``u_at`` s after each QRS, after the T wave (220-400 ms), and with ``biphasic`` > 0 a T wave whose first 100 ms
    dip that many mV below it (biphasic): T, U and P waves about 200 ms apart, at 75 bpm four times the rate."""
    seconds, rr = 10.0, 60.0 / bpm
    qrs = [int(round((0.3 + k * rr) * fs)) for k in range(int(seconds / rr) + 1)]
    atrial = np.zeros(int((seconds + 1.0) * fs))
    n, nu, nb = (int(round(s * fs)) for s in (0.09, 0.16, 0.10))
    for q in qrs:                      # along -90 deg in _record: the negative here is upright in II, III, aVF
        for start, length, amp in ((q - int(round(0.14 * fs)), n, 0.15), (q + int(round(u_at * fs)), nu, 0.1),
                                   (q + int(round(0.22 * fs)), nb, -biphasic)):
            if start >= 0 and start + length < len(atrial):
                atrial[start:start + length] -= amp * _hump(length)
    return _record(atrial, qrs, fs, seconds)


@pytest.mark.parametrize("fs", [500.0, 100.0])
@pytest.mark.parametrize("bpm, u_at, biphasic", [(75.0, 0.42, 0.0), (75.0, 0.46, 0.3), (100.0, 0.42, 0.0),
                                                  (68.0, 0.46, 0.3), (90.0, 0.46, 0.3)])
def test_sinus_rhythm_with_a_u_wave_or_biphasic_t_guessed_is_not_flutter(bpm, u_at, biphasic, fs):
    """T, U and P waves of a regular sinus rhythm repeat at whole multiples of its rate, and a U wave or a biphasic T
    puts three waves about 200 ms apart in each cycle (the spectral peak at 3 or 4 times the rate, a P wave before each
    QRS): with sinus only the model's guess, the flutter waves' criteria (one peak holding 75 % of the power in every
    lead) keep it sinus."""
    m = measure(at_100hz(sinus_u_record(bpm, u_at, biphasic)) if fs == 100.0 else sinus_u_record(bpm, u_at, biphasic),
                fiducials=False)
    assert m.pr_ms is not None and m.heart_rate_bpm == pytest.approx(bpm, abs=2.0)
    assert m.atrial.rate_per_min / m.heart_rate_bpm == pytest.approx(round(m.atrial.rate_per_min / bpm), abs=0.1)
    it = interpret_prediction(_prediction({"SR": 0.2, "STACH": 0.05}), m, "M")
    assert it.first.text.startswith("Sinus"), it.lines()
    assert not any("flutter" in s.text for s in it.statements)


@pytest.mark.parametrize("rid", LUDB_AF)
def test_ludb_atrial_fibrillation_is_not_flutter(ludb_data, rid):
    from mirage_model.records import load_record

    m = measure(load_record(ludb_data / f"{rid}.hea"), fiducials=False)
    assert m.atrial is not None and flutter_waves(m.atrial) is None
    it = interpret_prediction(_prediction({"AFIB": 0.9}), m, "M")
    assert it.first.text.startswith("Atrial fibrillation")


@pytest.mark.parametrize("rid", LUDB_FLUTTER)
def test_ludb_typical_flutter_has_one_atrial_rate_in_the_typical_range(ludb_data, rid):
    """Both LUDB typical-flutter records: one dominant peak in all four leads, at a typical flutter rate
    (240-350/min). Their organisation (lowest concentration 0.52 and 0.69) stays below the rule's 0.75:
    the interpretation keeps the model's call on them."""
    from mirage_model.records import load_record

    a = measure(load_record(ludb_data / f"{rid}.hea"), fiducials=False).atrial
    assert isinstance(a, AtrialActivity) and a.complete and a.spread_hz <= 0.25
    assert 240.0 <= a.rate_per_min <= 350.0


@pytest.mark.parametrize("fs", [500.0, 100.0])
def test_dissociated_p_waves_repeat_at_their_own_interval(fs):
    """Complete AV block under ventricular pacing: no P wave before the QRS, and P waves between the complexes
    at their own P-P interval (0.8 s), not the RR interval (1.0 s)."""
    rec = paced_record("dissociated")
    m = measure(at_100hz(rec) if fs == 100.0 else rec, fiducials=False)
    assert m.pr_ms is None and m.heart_rate_bpm == pytest.approx(60.0, abs=1.0)
    a = m.atrial
    assert a.periodicity >= 0.5 and a.period_s == pytest.approx(0.8, abs=0.02)
    assert a.atrial_rate_per_min == pytest.approx(75.0, abs=2.0)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("fs", [500.0, 100.0])
def test_fibrillatory_waves_beside_paced_complexes_do_not_repeat(seed, fs):
    rec = paced_record("fibrillation", seed=seed)
    m = measure(at_100hz(rec) if fs == 100.0 else rec, fiducials=False)
    assert m.pr_ms is None and m.atrial.periodicity < PACED_ATRIAL_PERIODICITY


def test_no_periodicity_is_sought_where_every_lag_is_an_rr_interval():
    """RR intervals of 0.44 and 1.0 s cover every P-P interval sought (0.4-1.5 s, within 10 % of the RR intervals
    and of twice them): a residue of the QRS-T could repeat at any of them, so nothing is measured."""
    from mirage_model.measure.atrial import atrial_periodicity

    beats = np.cumsum([250] + [220, 500] * 6)                    # samples at 500 Hz
    y = np.random.default_rng(0).standard_normal((4, int(beats[-1]) + 500))
    on, off = np.full(len(beats), 20.0), np.full(len(beats), 40.0)
    assert atrial_periodicity(y, FS, beats, on, off) is None
    assert atrial_periodicity(y, FS, beats[::2], on[::2], off[::2]) is not None     # RR 1.44 s: lags left


@pytest.mark.parametrize("atrial, sinus", [("dissociated", True), ("fibrillation", False)])
def test_a_sinus_statement_beside_a_paced_rhythm_needs_atrial_activity_that_repeats(atrial, sinus):
    """The model's sinus rhythm beside its paced rhythm, no P wave before the QRS: it stands, marked with the
    atrial rate, over dissociated P waves (complete AV block); over fibrillatory waves it is not said."""
    m = measure(paced_record(atrial), fiducials=False)
    it = interpret_prediction(_prediction({"SR": 0.8, "PACE": 0.9}), m, "F")
    rhythm = [s for s in it.statements if s.group == "rhythm"]
    assert rhythm[0].code == "PACE"
    said = [s for s in rhythm if s.code == "SR"]
    if sinus:
        assert len(said) == 1 and said[0].note.startswith("no P wave found before the QRS; regular atrial activity "
                                                          "at 75/min between the paced complexes")
    else:
        assert not said
        assert any(r.startswith("sinus rhythm (80%) not stated: a paced rhythm with no P wave found before the QRS "
                                "and no regular atrial activity between the complexes") for r in it.resolved)


@pytest.mark.parametrize("rid, sinus", LUDB_PACED)
def test_ludb_paced_records_keep_a_sinus_statement_only_over_sinus_p_waves(ludb_data, rid, sinus):
    """LUDB 8 (atrial fibrillation, ventricular pacing) had read "Paced rhythm, 72 bpm; Sinus rhythm (?)", as
    LUDB 34 (sinus rhythm, third degree AV block) does rightly: a sinus statement beside their paced rhythm stands
    where ludb.csv gives sinus rhythm and not where it gives atrial fibrillation."""
    from mirage_model.inference import assess_record
    from mirage_model.records import load_record

    record = load_record(ludb_data / f"{rid}.hea")
    m = measure(record, fiducials=False)
    assert m.pr_ms is None and m.qrs_ms is not None
    it = interpret_prediction(_prediction({"SR": 0.8, "PACE": 0.9}), m, "F", quality=assess_record(record))
    assert any(s.code == "SR" for s in it.statements) == sinus
    assert (m.atrial.periodicity >= PACED_ATRIAL_PERIODICITY) == sinus
