"""Synthetic 12-lead records of a known atrial activity, shared by the atrial tests (``test_atrial``,
``test_atrial_paced``, ``test_af_flutter_mark``): flutter waves of a known rate and conduction, fibrillatory
waves without one, sinus rhythm with its P wave at a known PR, P waves dissociated from paced complexes at a
known P-P interval; each at 500 Hz and as PTB-XL's records100 hold it (``at_100hz``); and a statements model's
prediction of the rhythms the rules read."""

from __future__ import annotations

import math

import numpy as np
from scipy import signal as sps

from mirage_model.records import STANDARD_LEADS, EcgRecord

FS = 500.0
# frontal lead directions (degrees, hexaxial) and gains; precordial leads: (atrial, QRS, T) gains
_FRONTAL = {"I": (0, 1.0), "II": (60, 1.0), "III": (120, 1.0), "aVR": (-150, math.sqrt(3) / 2),
            "aVL": (-30, math.sqrt(3) / 2), "aVF": (90, math.sqrt(3) / 2)}
_PRECORDIAL = {"V1": (0.6, -0.6, -0.2), "V2": (0.3, -0.2, 0.6), "V3": (0.2, 0.4, 0.8), "V4": (0.1, 0.9, 0.9),
               "V5": (0.1, 1.0, 0.7), "V6": (0.1, 0.7, 0.5)}


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



def _prediction(probs: dict):
    """A statements model's prediction of the flutter-relevant rhythms (threshold 0.3 each)."""
    from types import SimpleNamespace

    labels = ["SR", "AFIB", "AFLT", "STACH", "PACE", "NORM"]
    return SimpleNamespace(labels=labels, probabilities=np.array([probs.get(c, 0.01) for c in labels]),
                           thresholds=np.full(len(labels), 0.3), withheld="", model_name="test",
                           measured_labels=(), quality=None)


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
